/**
 * With topics separated by spaces, oclif reads a word after a command that takes no arguments
 * as part of the command's name: `gate check B` is "command gate:check:B not found", which
 * sends the user looking for a command that was never meant. The init hook asks this first.
 * A word after a flag's value (`gate check --only B extra`) reaches the command's parser
 * instead, which says only "Unexpected argument": said the same way here.
 */
import type { Config } from '@oclif/core/interfaces';

/** A word of the command line as oclif's parser read it: a flag's value, or an argument. */
type ParsingToken = { type: 'flag'; flag: string; input: string } | { type: 'arg'; input: string };

/** The flags of a command, as much as the message needs of them. */
type FlagDefs = Record<
  string,
  { type?: string; multiple?: boolean; delimiter?: string; options?: readonly string[] } | undefined
>;

/**
 * What to say when `id` is a command followed by words it does not take, or undefined. `argv`,
 * the rest of the command line, gives the gates --only already names, kept in the suggestion.
 */
export function strayArguments(config: Config, id: string | undefined, argv: string[] = []): string | undefined {
  if (!id || config.findCommand(id) || config.findTopic(id)) return undefined;
  const parts = id.split(':');
  for (let n = parts.length - 1; n > 0; n--) {
    const cmd = config.findCommand(parts.slice(0, n).join(':'));
    if (!cmd) continue;
    const only = argv.flatMap((a, i) =>
      a === '--only' && argv[i + 1] !== undefined
        ? [argv[i + 1] as string]
        : a.startsWith('--only=')
          ? [a.slice(7)]
          : [],
    );
    return strayMessage(config.bin, parts.slice(0, n).join(' '), cmd.flags, parts.slice(n), { only });
  }
  return undefined;
}

/**
 * What to say when oclif's parser refused words a command that takes no arguments was given
 * among its flags, or undefined when `err` is no such refusal.
 */
export function strayParsed(
  bin: string,
  id: string | undefined,
  cmd: { flags?: FlagDefs; args?: Record<string, unknown> },
  err: unknown,
): string | undefined {
  if (!id || Object.keys(cmd.args ?? {}).length) return undefined;
  // oclif's UnexpectedArgsError is not exported: known by its fields.
  const e = err as { args?: unknown; parse?: { output?: { raw?: ParsingToken[] } } };
  const raw = e.parse?.output?.raw;
  if (!Array.isArray(e.args) || !e.args.length || !Array.isArray(raw)) return undefined;
  const extra = e.args.map(String);
  const first = raw.findIndex((t) => t.type === 'arg');
  const before = raw[first - 1];
  return strayMessage(bin, id.split(':').join(' '), cmd.flags ?? {}, extra, {
    only: raw.filter((t) => t.type === 'flag' && t.flag === 'only').map((t) => t.input),
    ...(before?.type === 'flag' ? { after: before } : {}),
  });
}

function strayMessage(
  bin: string,
  words: string,
  flags: FlagDefs,
  extra: string[],
  given: { only?: string[]; after?: { flag: string; input: string } } = {},
): string {
  const said = extra.map((w) => `'${w}'`).join(' ');
  const def = given.after ? flags[given.after.flag] : undefined;
  const after = def?.multiple ? given.after : undefined;
  // A flag that takes one value, followed by more words: they were meant as part of it or as a
  // second value (--as-of 2026-06-01 12:00, --phase close canary), not as gate ids.
  const single = def?.type === 'option' && !def.multiple ? given.after : undefined;
  let what: string;
  if (single && def?.options?.length) {
    what = `; --${single.flag} takes one value, one of ${def.options.join(', ')}`;
  } else if (single) {
    const whole = [single.input, ...extra].join(' ');
    what = `; --${single.flag} takes one value: leave out the rest, or quote the words if they are part of it (${bin} ${words} --${single.flag} '${whole}')`;
  } else if ('only' in flags && (after === undefined || after.flag === 'only')) {
    what = `; to check only some gates, name them with --only (${bin} ${words} --only ${[...(given.only ?? []), ...extra].join(',')})`;
  } else if (after) {
    // A repeatable flag takes one value each time it is given: the word was meant as another.
    const again = [after.input, ...extra].map((v) => `--${after.flag} ${v}`).join(' ');
    what = `; --${after.flag} takes one value each time: repeat it (${bin} ${words} ${again})`;
  } else {
    what = `; run '${bin} ${words} --help' for what it takes`;
  }
  return `${bin} ${words} takes no arguments, but was given ${said}${what}`;
}

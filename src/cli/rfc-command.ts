/**
 * Shared behaviour of every command that works on an RFC: finding the governed
 * repository, choosing the RFC (program name, --rfc, or the only one), and turning
 * spec and usage errors into one clear message and exit code 3.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import { EXIT, EXIT_CODES_HELP } from '../model/result.js';
import { GATES_DIR, hiddenFolders, holdsRfc, listRfcIds, rfcDir } from '../spec/rfc-dir.js';
import { formatProblem, SpecError, UsageError } from '../spec/problems.js';
import { existingFolder } from './folder-flag.js';
import { type FormatOutput, namesFromTop, reportsWritten } from './format-flags.js';
import { asksJsonOnStdout, formatJsonError } from './json-error.js';
import { HOME_PROGRAM, PROGRAM_ENV } from './program.js';
import { strayParsed } from './stray-args.js';
import { CLOCK_SLACK_MS } from '../util/clock.js';
import { closest } from '../util/suggest.js';
import { REF_EMPTY, refProblem } from '../util/git-ref.js';
import { visible } from '../formatters/visible.js';
import { cutToMillisecond, instantMs } from '../util/calendar.js';

export { HOME_PROGRAM, PROGRAM_ENV };

/** Every command: --debug, and errors turned into one clear message and exit code 3. */
/** The largest --timeout: Node's timers take at most 2^31 - 1 ms (about 24.8 days) and fire at once beyond it. */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    debug: Flags.boolean({ description: 'Show stack traces on errors.', helpGroup: 'GLOBAL' }),
  };

  /** Appended to every command's --help. */
  static exitCodesHelp = EXIT_CODES_HELP;

  override async catch(err: Error & { oclif?: { exit?: number }; code?: string }): Promise<unknown> {
    if (err.code === 'EEXIT') throw err;
    const debug = process.argv.includes('--debug');
    // 'Parsing --': a flag's own parser failed (--root naming no folder); oclif wraps its message.
    // oclif gives each command a Config of its own, reloaded from package.json: its bin is
    // always the package's, never the program name the init hook set for help.
    const bin = process.env[PROGRAM_ENV] || this.config.bin;
    const stray = strayParsed(bin, this.id, this.ctor, err);
    const usage =
      stray !== undefined ||
      err instanceof UsageError ||
      err.oclif?.exit !== undefined ||
      err.message.startsWith('Parsing --');
    let message: string;
    if (stray !== undefined) {
      message = stray;
      process.stderr.write(`error: ${message}\n`);
    } else if (err instanceof SpecError) {
      for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
      message = `${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; fix the spec and run again`;
      process.stderr.write(`${message}\n`);
    } else if (usage) {
      if (err instanceof UsageError) for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
      message = withFlagSuggestion(
        firstParagraph(err.message),
        Object.keys({ ...this.ctor.baseFlags, ...this.ctor.flags }),
      );
      process.stderr.write(`error: ${message}\n`);
    } else {
      message = err.message;
      process.stderr.write(`error: ${err.message}\n${debug ? '' : 'run again with --debug for details\n'}`);
    }
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    let outputs: FormatOutput<string>[] | undefined;
    try {
      outputs = this.failureOutputs();
    } catch {
      // The --format flags themselves are what is wrong: which files they name is not known.
    }
    if (reportsWritten()) {
      // The reports are this run's already (a failure after them): left as they are.
    } else if (outputs) {
      // Each report asked for holds this run's failure: none is missing for the step that reads
      // it, nor one a previous run left, uploaded as this run's.
      const problems = err instanceof SpecError || err instanceof UsageError ? err.problems : [];
      const name = err instanceof SpecError ? 'SpecError' : usage ? 'UsageError' : 'Error';
      const { writeFailureReports } = await import('./failure-report.js');
      const { rootPrefix } = await import('../util/repo-prefix.js');
      const prefix = this.governedRoot !== undefined && namesFromTop(outputs) ? rootPrefix(this.governedRoot) : '';
      await writeFailureReports(
        outputs,
        { name, message, exit: EXIT.invalid, problems },
        prefix,
        this.failureCategory?.(prefix),
      );
    } else if (asksJsonOnStdout(this.argv)) {
      // Every command: a step that asked for JSON reads what went wrong instead of an empty input.
      const name = err instanceof SpecError ? 'SpecError' : usage ? 'UsageError' : 'Error';
      const problems =
        err instanceof SpecError || (err instanceof UsageError && err.problems.length)
          ? { problems: err.problems }
          : {};
      process.stdout.write(formatJsonError({ name, message, exit: EXIT.invalid, ...problems }));
    }
    this.exit(EXIT.invalid);
  }

  /** The governed repository's root, once found: a failure's report names files from its top. */
  protected governedRoot?: string;

  /**
   * The code scanning category of the run's SARIF, from the governed root's place below the
   * repository's top, once the command knows it: a failure's SARIF is filed under it.
   */
  protected failureCategory?: (prefix: string) => string;

  /**
   * The reports the command line asks for (`--format`, `--json`), for a command whose reports a
   * CI step reads: a run that fails before its report writes the failure into each of them.
   */
  protected failureOutputs(): FormatOutput<string>[] | undefined {
    return undefined;
  }
}

/** Commands that work on one RFC of a governed repository. */
/** --root, else the nearest folder upwards whose gates/ holds an RFC, within the git repository. */
export function findGovernedRoot(flag: string | undefined, from: string = process.cwd()): string {
  if (flag) return resolve(flag);
  // A gates/ that holds no RFC (src/gates/, code of its own) is passed on the way up: run from
  // src/ it would hide the RFCs at the top. When none up there holds one, the nearest is
  // still the answer, so the error names the folder the user meant.
  let nearest: string | undefined;
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, GATES_DIR))) {
      if (holdsRfc(dir)) return dir;
      nearest ??= dir;
    }
    // A repository's top is as far up as its RFCs can be: a gates/ above it governs something else.
    if (existsSync(join(dir, '.git'))) return nearest ?? dir;
    const up = dirname(dir);
    if (up === dir) return nearest ?? from;
    dir = up;
  }
}

export abstract class RfcCommand extends BaseCommand {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    rfc: Flags.string({
      description:
        'RFC id (a folder under gates/). Implied by the program name (wave3 …) or when gates/ holds one RFC (for lint: one RFC with a lints.yaml).',
      helpGroup: 'GLOBAL',
    }),
    root: existingFolder({
      description:
        'Root of the governed repository (default: the nearest folder upwards whose gates/ holds an RFC, within the git repository).',
      helpGroup: 'GLOBAL',
    }),
  };

  protected findRoot(flag: string | undefined): string {
    this.governedRoot = findGovernedRoot(flag);
    return this.governedRoot;
  }

  /**
   * The RFC to work on: the program name's, --rfc, or the only one under gates/. `holding`
   * narrows the choice to the RFCs that have that spec file (lint: lints.yaml), so a repository
   * whose one RFC with lint rules sits beside others need not name it; several still ask.
   */
  protected chooseRfc(root: string, flag: string | undefined, holding?: string): string {
    // An empty --rfc (an unset shell variable) names no RFC: choosing one for it, or every
    // one, would answer a question not asked. rfcDir says so and lists the known ones.
    if (flag === '') rfcDir(root, flag);
    const program = process.env[PROGRAM_ENV];
    if (program && program !== HOME_PROGRAM) {
      if (flag && flag !== program) {
        throw new UsageError(`--rfc ${flag} contradicts the program name '${program}', which selects RFC '${program}'`);
      }
      return program;
    }
    if (flag) return flag;
    const ids = listRfcIds(root);
    if (ids.length === 1 && ids[0]) return ids[0];
    if (ids.length === 0) {
      const gates = join(root, GATES_DIR);
      // Only hidden folders (.archive): "empty" would send the user looking at a folder that is not.
      const hidden = hiddenFolders(root);
      throw new UsageError(
        hidden.length
          ? `no RFCs here: ${gates} holds only ${hidden.join(', ')}, and a folder starting with '.' is not an RFC; put each RFC in a folder named by its id (gates/<rfc>/), or pass --root`
          : `no RFCs here: ${gates} does not exist or is empty; run inside the governed repository or pass --root`,
      );
    }
    if (holding !== undefined) {
      const having = ids.filter((id) => existsSync(join(root, GATES_DIR, id, holding)));
      if (having.length === 1 && having[0]) return having[0];
      if (having.length === 0) {
        throw new UsageError(
          `none of the RFCs under ${GATES_DIR}/ (${ids.join(', ')}) has a ${holding}: add ${GATES_DIR}/<rfc>/${holding}`,
        );
      }
      throw new UsageError(
        `several RFCs under ${GATES_DIR}/ have a ${holding} (${having.join(', ')}): choose one with --rfc`,
      );
    }
    throw new UsageError(`several RFCs under ${GATES_DIR}/ (${ids.join(', ')}): choose one with --rfc`);
  }
}

/**
 * oclif names a mistyped flag without a guess (`--session` for `--sessions`): the close
 * spelling among the command's own flags is offered, as a mistyped measurement id is.
 */
export function withFlagSuggestion(message: string, flags: readonly string[]): string {
  const m = /^Nonexistent flag: --([^\s=]+)/.exec(message);
  const best = m?.[1] === undefined ? undefined : closest(m[1], [...flags]);
  if (best === undefined) return message;
  const help = message.endsWith(' (see --help)');
  return `${help ? message.slice(0, -' (see --help)'.length) : message}; did you mean --${best}?${help ? ' (see --help)' : ''}`;
}

/**
 * One line: the first paragraph, its lines joined. oclif's parse errors come as a heading,
 * the reason on an indented line and a pointer to --help on a third; several at once (flags
 * that exclude each other) under a heading that says only that, which is left out.
 */
function firstParagraph(s: string): string {
  const lines = (s.split('\n\n')[0] ?? s).split('\n').map((l) => l.trim());
  const help = lines.some((l) => /^See more help with --help$/.test(l));
  const kept = lines.filter((l) => l !== '' && !/^See more help with --help$/.test(l));
  // "error" when one flag names the other as exclusive and not the other way round.
  const text = /^The following errors? occurred:$/.test(kept[0] ?? '') ? kept.slice(1).join('; ') : kept.join(': ');
  const said = exclusiveInWords(text);
  return help ? `${said} (see --help)` : said;
}

/**
 * oclif says two flags that exclude each other once from each side, with the value each was
 * given (`--changed-since=HEAD cannot also be provided when using --staged; --staged=true
 * cannot also be provided when using --changed-since`): said once, naming each flag once. Any
 * other text (a value holding `; `, say) is left as oclif wrote it.
 */
function exclusiveInWords(text: string): string {
  const named: string[] = [];
  for (const clause of text.split('; ')) {
    const m = /^--([a-z][\w-]*)(?:=.*)? cannot also be provided when using --([a-z][\w-]*)$/s.exec(clause);
    if (m?.[1] === undefined || m[2] === undefined) return text;
    for (const flag of [m[2], m[1]]) if (!named.includes(flag)) named.push(flag);
  }
  const flags = named.map((f) => `--${f}`);
  const list = flags.length > 2 ? `${flags.slice(0, -1).join(', ')} and ${flags.at(-1)}` : flags.join(' and ');
  return `${list} cannot be given together: choose one`;
}

/**
 * The --as-of instant. A later one than now is refused unless `future` allows it (lint judges
 * waivers' expiry on a day to come): nothing recorded after now can be read, so every window
 * reaching past it would be silently short.
 */
export function parseAsOf(text: string | undefined, now: Date = new Date(), opts: { future?: boolean } = {}): Date {
  if (text === undefined) return now;
  const ms = instantMs(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--as-of '${text}' is not a date: use YYYY-MM-DD or an ISO-8601 instant such as 2026-06-01T12:00:00Z`,
    );
  }
  refuseFinerThanMillisecond(text, '--as-of');
  if (!opts.future && ms > now.getTime() + CLOCK_SLACK_MS) {
    throw new UsageError(
      `--as-of '${text}' is in the future (now is ${now.toISOString()}): what is recorded after now cannot be read yet; give now or an earlier instant`,
    );
  }
  return new Date(ms);
}

/**
 * Refuses (exit 3) an instant given to `flag` with a nonzero digit past the millisecond: it
 * would be read as a JavaScript Date, to the millisecond, and the rest cut without a word. The
 * value cut to the millisecond is suggested; trailing zeros (`.123000Z`) lose nothing and pass.
 */
export function refuseFinerThanMillisecond(
  text: string,
  flag: string,
  kept = 'rfcgate reads every instant to the millisecond',
): void {
  const cut = cutToMillisecond(text);
  if (cut === undefined) return;
  throw new UsageError(
    `${flag} '${text}' is finer than a millisecond, and ${kept}; give at most 3 digits after the seconds, such as ${cut}`,
  );
}

/**
 * A revision named on the command line: gate check's --ref, lint's --changed-since and
 * --commit. An empty one is a CI variable unset for this event (a pull request's head ref on
 * a push): every gate would halt on a ref '' no clone has, when the invocation is what is
 * wrong. Whitespace around it is no ref's either (a variable filled with a stray newline or
 * space); one starting with '-' would be read by git as an option, not a revision. A
 * well-formed name the clone does not have is left to the command, which halts on it (exit 2)
 * as on any missing history: it may be fetched later. The rules are refProblem's, which a
 * spec's own `ref:` follows too.
 */
export function parseRef(
  text: string,
  flag = '--ref',
  wanted = 'a branch, tag or commit to evaluate (default HEAD)',
): string {
  const problem = refProblem(text);
  if (problem === undefined) return text;
  if (problem === REF_EMPTY) {
    throw new UsageError(
      `${flag} is empty: name ${wanted}; in CI, check that the variable filling it is set for this event`,
    );
  }
  if (text.trim() !== text) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} has whitespace around it, which no branch, tag or commit has: remove it; in CI, check how the variable filling it is set`,
    );
  }
  throw new UsageError(`${flag} '${visible(text)}' ${problem}: name a branch, tag or commit`);
}

/**
 * Refuses (exit 3) a revision that names a tree or a blob (main^{tree}, main:src) where a
 * commit is wanted: it exists, so it is no ref missing from the clone to fetch, but the wrong
 * kind of name. One naming nothing, or a commit, is left to the command (git's halt).
 */
export function refuseNonCommit(root: string, rev: string, flag: string, wanted = 'a branch, a tag or a commit'): void {
  if (rev === '' || rev.startsWith('-')) return;
  const run = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  const sha = run(['rev-parse', '--verify', '-q', rev]).stdout?.trim() ?? '';
  if (!/^[0-9a-f]{40,64}$/.test(sha)) return;
  const kind = run(['cat-file', '-t', `${sha}^{}`]).stdout?.trim() ?? '';
  if (kind !== '' && kind !== 'commit') {
    throw new UsageError(`${flag} '${visible(rev)}' names a ${kind}, not a commit; give ${wanted}`);
  }
}

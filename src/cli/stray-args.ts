/**
 * With topics separated by spaces, oclif reads a word after a command that takes no arguments
 * as part of the command's name: `gate check B` is "command gate:check:B not found", which
 * sends the user looking for a command that was never meant. The init hook asks this first.
 */
import type { Config } from '@oclif/core/interfaces';

/** What to say when `id` is a command followed by words it does not take, or undefined. */
export function strayArguments(config: Config, id: string | undefined): string | undefined {
  if (!id || config.findCommand(id) || config.findTopic(id)) return undefined;
  const parts = id.split(':');
  for (let n = parts.length - 1; n > 0; n--) {
    const cmd = config.findCommand(parts.slice(0, n).join(':'));
    if (!cmd) continue;
    const words = parts.slice(0, n).join(' ');
    const extra = parts.slice(n);
    const said = extra.map((w) => `'${w}'`).join(' ');
    const what =
      'only' in cmd.flags
        ? `; to check only some gates, name them with --only (${config.bin} ${words} --only ${extra.join(',')})`
        : `; run '${config.bin} ${words} --help' for what it takes`;
    return `${config.bin} ${words} takes no arguments, but was given ${said}${what}`;
  }
  return undefined;
}

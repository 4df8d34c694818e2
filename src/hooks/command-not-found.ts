import type { Hook } from '@oclif/core';
import { asksJsonOnStdout, formatJsonError } from '../cli/json-error.js';
import { suggest } from '../util/suggest.js';

/**
 * A mistyped command (`gate chek`) is named as it was typed, with words rather than oclif's
 * `gate:chek`, with the command meant when one is a letter or two away, and where to find the
 * rest: one line and exit 3, as every other invocation error.
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const words = (id: string) => id.split(':').join(' ');
  const typed = words(opts.id);
  const commands = this.config.commands.filter((c) => !c.hidden).map((c) => words(c.id));
  const bin = this.config.bin;
  // Help and the version are flags here: `help gate check` is answered by `gate check --help`.
  const [first, ...rest] = typed.split(' ');
  const message =
    first === 'help' || first === 'version'
      ? `${bin} has no command '${first}': run '${[bin, ...(first === 'help' ? rest : []), `--${first}`].join(' ')}'`
      : `${bin} has no command '${typed}'${suggest(typed, commands)}; run '${bin} --help' for its commands`;
  // Raised before a command runs, so no command's handler writes the --json error: it is written here.
  if (asksJsonOnStdout(opts.argv ?? [])) {
    process.stdout.write(formatJsonError({ name: 'UsageError', message, exit: 3 }));
  }
  this.error(message, { exit: 3 });
};

export default hook;

import type { Hook } from '@oclif/core';
import { PROGRAM_ENV } from '../cli/program.js';
import { asksJsonOnStdout, formatJsonError } from '../cli/json-error.js';
import { strayArguments } from '../cli/stray-args.js';

/**
 * Help and usage name the program the user typed (`wave3 gate check`), not the package's
 * default bin: bin/run.js records the program name before oclif loads, and oclif builds
 * a fresh Config for every run, so the name is set here, on the Config help reads.
 */
const hook: Hook<'init'> = async function (opts) {
  const program = process.env[PROGRAM_ENV];
  // The Config interface marks bin read-only; the Config object behind it is a plain field oclif reads on each help.
  if (program) (this.config as { bin: string }).bin = program;
  const stray = strayArguments(this.config, opts.id, opts.argv);
  if (stray === undefined) return;
  // Raised before the command runs, so its own error handler never sees it: the --json error here.
  if (asksJsonOnStdout(opts.argv)) {
    process.stdout.write(formatJsonError({ name: 'UsageError', message: stray, exit: 3 }));
  }
  this.error(stray, { exit: 3 });
};

export default hook;

/**
 * Runs the built CLI (`bin/run.js`, the bundle `npm run build` makes) as a user's shell would,
 * for the tests that judge a command by its exit code and output.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve('bin/run.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** A command stuck (on a named pipe, say) fails its test after this long instead of hanging the suite. */
  timeoutMs?: number;
  /** Another entry point than bin/run.js (a copy under another program name). */
  bin?: string;
}

/**
 * The caller's `DATABASE_URL`, `ANTHROPIC_API_KEY` and `CI` are kept out: a scenario names its
 * own database and model, and CI changes what some commands print. `env` adds or overrides.
 */
export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, opts: CliOptions = {}): CliRun {
  const { DATABASE_URL: _d, ANTHROPIC_API_KEY: _k, CI: _ci, ...inherited } = process.env;
  const r = spawnSync(process.execPath, [opts.bin ?? BIN, ...args], {
    cwd,
    env: { ...inherited, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 150_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`rfcgate ${args.join(' ')}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `run` (runCli by default) once per command line: for a fixture no case changes, where the
 * same arguments, folder and environment print the same, the first case to ask runs it and
 * the cases that ask again judge that run. Only for fixtures that stay as they were built.
 */
export function runOnce(
  run: (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => CliRun = runCli,
): (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => CliRun {
  const runs = new Map<string, CliRun>();
  return (args, cwd, env = {}) => {
    const key = JSON.stringify([args, cwd, env]);
    let r = runs.get(key);
    if (!r) {
      r = run(args, cwd, env);
      runs.set(key, r);
    }
    return r;
  };
}

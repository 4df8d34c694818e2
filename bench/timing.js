// @ts-check
/** Wall-clock timing of whole processes, and the statistics the report prints. */
import { spawnSync } from 'node:child_process';

/**
 * Runs a command to completion and times it from spawn to exit.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, capture?: boolean }} [opts]
 * @returns {{ ms: number, status: number | null, stdout: string, stderr: string }}
 */
export function timed(cmd, args, opts = {}) {
  const started = process.hrtime.bigint();
  const res = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 512 << 20,
    stdio: ['ignore', opts.capture === false ? 'ignore' : 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.error) throw new Error(`${cmd} could not run: ${res.error.message}`);
  return { ms, status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** @param {number[]} xs */
export const min = (xs) => Math.min(...xs);

/** @param {number} ms */
export function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`;
}

/**
 * Writes what a generator just wrote out to disk before anything is timed. A fresh tree sits
 * in the page cache as dirty pages that the kernel writes back over the next half-minute or
 * so, on the same cores and disk as the timed runs: the first rounds after a generation would
 * measure that writeback (medians twice the later ones were seen). Reading stays warm.
 */
export function settle() {
  const r = spawnSync('sync', [], { stdio: 'ignore' });
  if (r.error || r.status !== 0) process.stderr.write('  (sync failed: the first rounds may include disk writeback)\n');
}

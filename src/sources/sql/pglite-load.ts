/**
 * The one way this program loads PGlite, so that every embedded database opens with V8's
 * WebAssembly tiering set for a command's short life.
 *
 * PGlite is PostgreSQL compiled to a 9 MB WebAssembly module, compiled afresh by every process
 * that opens it: V8 compiles it with its baseline compiler, then recompiles each function that
 * has run "enough" with its optimising compiler, on background threads. Opening a data
 * directory runs enough of PostgreSQL's start-up to send many functions there, work a
 * command that runs a few small queries and exits never earns back. With a tiering budget 333
 * times V8's default, opening takes about 30 % less CPU and 60 MB less memory, while a long
 * query still gets its hot loops optimised (a million-row load, aggregate and self-join took
 * the same CPU as with the default; `--liftoff-only`, which never optimises, took 20 % more).
 * Measured in bench/README.md ("Start-up"). The flag is read when a function is compiled, so it
 * must be set before PGlite's first open in this process; V8 flags are per process, so it
 * covers PGlite's worker thread too. Only PGlite uses WebAssembly here.
 *
 * It also opens every embedded database with 16 MB of shared buffers instead of the 128 MB
 * initdb writes into postgresql.conf. PostgreSQL's buffer pool lives in PGlite's WebAssembly
 * memory, which start-up touches throughout: at 128 MB opening a data directory took 0.8 s and
 * 250 MB resident, at 16 MB 0.46 s and 130 MB, while a million-row load, aggregate and
 * self-join took the same time (bench/README.md, "Start-up"). The data such a database holds
 * (a ledger, a demo's tables) fits many times over, and a scan larger than a quarter of the
 * pool reads through a small ring of its own at any size. A start parameter rather than a line
 * in postgresql.conf, so that data directories made before read it too.
 */
import { setFlagsFromString } from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';

/** Added to PGlite's own start parameters on every open (PGlite.defaultStartParams). */
export const EMBEDDED_START_SETTINGS: readonly string[] = ['-c', 'shared_buffers=16MB'];

let set = false;

export function useCommandWasmTiering(): void {
  if (set) return;
  setFlagsFromString('--wasm-tiering-budget=600000000');
  set = true;
}

async function loadPglite(): Promise<typeof import('@electric-sql/pglite')> {
  useCommandWasmTiering();
  return import('@electric-sql/pglite');
}

/**
 * A new embedded database at `dataDir` (created there if it does not exist), or in memory, with
 * this program's settings; the caller awaits `waitReady` and closes it.
 */
export async function newPglite(dataDir?: string): Promise<PGlite> {
  const { PGlite } = await loadPglite();
  // One options object: given a first argument that is not a path, PGlite ignores the second.
  return new PGlite({ dataDir, startParams: [...PGlite.defaultStartParams, ...EMBEDDED_START_SETTINGS] });
}

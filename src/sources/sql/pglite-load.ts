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
 */
import { setFlagsFromString } from 'node:v8';

let set = false;

export function useCommandWasmTiering(): void {
  if (set) return;
  setFlagsFromString('--wasm-tiering-budget=600000000');
  set = true;
}

export async function loadPglite(): Promise<typeof import('@electric-sql/pglite')> {
  useCommandWasmTiering();
  return import('@electric-sql/pglite');
}

/**
 * Every process the tests start (the built CLI included) keeps its spec cache in a folder of
 * this run's own, not in the user's ~/.cache, and the folder is removed afterwards.
 *
 * It also holds one empty PGlite data directory, made here once: PGlite makes a database by
 * running initdb in WebAssembly (4–7 s of CPU here), and each test file's embedded database
 * (helpers/db.ts) starts as a copy of this one instead (~0.1 s), as do the fixture
 * repositories' whose creation is not what a test checks (seedEmbeddedDb).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { useCommandWasmTiering } from '../../src/sources/sql/pglite-load.js';

export const EMPTY_PGLITE_ENV = 'RFCGATE_TEST_EMPTY_PGLITE';

export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'rfcgate-test-cache-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.env.RFCGATE_CACHE_DIR = dir;
  const empty = join(dir, 'empty-pglite', 'pgdata');
  try {
    mkdirSync(join(dir, 'empty-pglite'));
    useCommandWasmTiering();
    const db = new PGlite(empty);
    await db.waitReady;
    await db.close();
  } catch (err) {
    cleanup();
    throw err;
  }
  process.env[EMPTY_PGLITE_ENV] = empty;
  return cleanup;
}

/**
 * Every process the tests start (the built CLI included) keeps its spec cache in a folder of
 * this run's own, not in the user's ~/.cache, and the folder is removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'rfcgate-test-cache-'));
  process.env.RFCGATE_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

/**
 * Blobs read from git's loose object files (objects/xx/yyyy…, zlib-deflated
 * "blob <size>\0<bytes>"): what `git add` writes for each staged file, so a pre-commit hook
 * usually finds every blob it checks there without starting `git cat-file`. A blob that is
 * not loose (packed, in an alternate object store, a file that does not read as a blob of
 * its stated size) is not answered, and the caller asks git for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitDirs } from './index-file.js';

/** The blobs found loose, by the path they were asked for; the rest are left out. */
export async function readLooseBlobs(
  root: string,
  wanted: { path: string; id: string }[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const dirs = wanted.length && !env.GIT_OBJECT_DIRECTORY ? gitDirs(root, env) : undefined;
  if (!dirs) return out;
  const { inflateSync } = await import('node:zlib');
  const objects = join(dirs.common, 'objects');
  for (const { path, id } of wanted) {
    if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(id)) continue;
    try {
      const raw = inflateSync(readFileSync(join(objects, id.slice(0, 2), id.slice(2))));
      const nul = raw.indexOf(0);
      const header = /^blob (0|[1-9][0-9]*)$/.exec(raw.toString('latin1', 0, nul < 0 ? 0 : nul));
      if (header && Number(header[1]) === raw.length - nul - 1) out.set(path, raw.subarray(nul + 1));
    } catch {
      // Not loose here (or unreadable): git answers for it.
    }
  }
  return out;
}

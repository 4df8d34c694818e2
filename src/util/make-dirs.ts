/**
 * `mkdir -p` for folders a user names (a hooks path, a cache folder, `demo --dir`). Node's
 * recursive mkdirSync never returns where a parent exists but refuses the child with ENOENT
 * (/proc, /sys): it tries again for ever. Made one level at a time, a refusal is an error.
 */
import { lstatSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** A folder on the way could not be made: `parent` refused it, with the system's `code`. */
export class FolderRefused extends Error {
  constructor(
    readonly parent: string,
    readonly code: string,
    cause: unknown,
  ) {
    super(`${parent} refused a new folder (${code})`, { cause });
  }

  /** ENOENT under a folder that is there: its file system takes no new folders (/proc, /sys). */
  get takesNoFolders(): boolean {
    return this.code === 'ENOENT' && lstatSync(this.parent, { throwIfNoEntry: false })?.isDirectory() === true;
  }
}

/**
 * Makes `dir` and the parents it lacks; returns the first folder made (undefined when `dir`
 * was there). On a refusal nothing it made is left behind, and FolderRefused is thrown.
 */
export function makeDirs(dir: string): string | undefined {
  const missing: string[] = [];
  // lstat: a link on the way that leads nowhere stops the walk, and mkdir beyond it refuses.
  for (let at = dir; !lstatSync(at, { throwIfNoEntry: false }); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      // Made by someone else meanwhile: as good as made here.
      if (code === 'EEXIST' && statSync(d, { throwIfNoEntry: false })?.isDirectory()) continue;
      if (missing[0] !== undefined && d !== missing[0]) rmSync(missing[0], { recursive: true, force: true });
      throw new FolderRefused(dirname(d), code, e);
    }
  }
  return missing[0];
}

/**
 * Files made beside another for a moment (a temporary file renamed over it, a second name kept
 * until the rename is done), each under a name nothing held before: a user's own file that
 * happens to bear the name this process would pick is never written over, renamed or removed.
 */
import { chmodSync, closeSync, openSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Names tried before giving up: a folder holding that many of ours is not one to write into. */
const TRIES = 1000;

/**
 * The name a path will have once its folder's links are followed, for comparing a name made
 * here with one the run writes to (spelled relative, through a symlinked folder).
 */
export function placeName(path: string): string {
  const abs = resolve(path);
  try {
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch {
    return abs;
  }
}

/**
 * Makes a file beside `base` with `make`, under `${base}.${pid}.${suffix}` or, when that name is
 * taken (by a file already there, or by one of `avoid`, the names the run will write to),
 * `${base}.${pid}.1.${suffix}` and so on. `make` must fail with EEXIST rather than replace a
 * file (the `wx` flag, a hard link); any other failure is thrown as it is. Returns the name made.
 */
export function makeBeside(
  base: string,
  suffix: string,
  make: (name: string) => void,
  avoid: ReadonlySet<string> = new Set(),
): string {
  return makeNamed((n) => `${base}.${process.pid}.${n === 0 ? '' : `${n}.`}${suffix}`, make, avoid);
}

/** makeBeside with the names tried given by `name` (the 0th first). */
export function makeNamed(
  name: (n: number) => string,
  make: (name: string) => void,
  avoid: ReadonlySet<string> = new Set(),
): string {
  for (let n = 0; n < TRIES; n++) {
    const candidate = name(n);
    if (avoid.size && avoid.has(placeName(candidate))) continue;
    try {
      make(candidate);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const err = new Error(`EEXIST, ${TRIES} names are taken, ${name(0)} among them`) as NodeJS.ErrnoException;
  err.code = 'EEXIST';
  throw err;
}

/**
 * Writes `text` to a new file beside `base` (see makeBeside) and returns its name. A write that
 * fails part way (a full disk) removes the file it created, and only that one.
 */
export function writeBeside(
  base: string,
  suffix: string,
  text: string,
  opts: { mode?: number; avoid?: ReadonlySet<string> } = {},
): string {
  return makeBeside(
    base,
    suffix,
    (name) => {
      const fd = openSync(name, 'wx', opts.mode ?? 0o666);
      try {
        writeFileSync(fd, text);
      } catch (err) {
        closeSync(fd);
        rmSync(name, { force: true });
        throw err;
      }
      closeSync(fd);
    },
    opts.avoid,
  );
}

/**
 * Replaces `path` whole: `text` goes to a new file beside it (see writeBeside), renamed over it,
 * so a reader never sees half of it. `mode` is the new file's (less the umask), `chmod` the mode
 * it is given exactly before the rename. A failure leaves no file of ours behind, and every
 * other file as it was.
 */
export function replaceWhole(path: string, text: string, opts: { mode?: number; chmod?: number } = {}): void {
  const tmp = writeBeside(path, 'tmp', text, opts.mode === undefined ? {} : { mode: opts.mode });
  try {
    if (opts.chmod !== undefined) chmodSync(tmp, opts.chmod);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

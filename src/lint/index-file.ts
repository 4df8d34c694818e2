/**
 * The git index read from its file, for `lint --staged`: the paths of its entries without
 * starting `git ls-files -s` (a process that competes for the cores a pre-commit hook runs
 * on, and that reads the same file). Only the layouts git writes by default are read here:
 * versions 2, 3 and 4, SHA-1 or SHA-256 ids, at a repository's top, GIT_DIR set or not (git
 * sets it for a linked worktree's hooks). Anything else (a split or sparse index, GIT_DIR or
 * GIT_WORK_TREE naming another repository or working tree than the one at the root, a file
 * that does not parse to its exact end) answers undefined and the caller asks git. Format:
 * git's Documentation/gitformat-index.txt.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathNameAt } from './names.js';

export interface IndexPaths {
  /** Stage-0 regular files (100644, 100755), in the index's order (sorted by path bytes). */
  universe: string[];
  /** Paths with entries at a merge stage (an unresolved conflict). */
  conflicted: string[];
}

/**
 * The git directory of the repository whose top is `root` and, for a linked worktree, the
 * common directory that holds its objects; undefined when only git can tell (`root` not the
 * top of a working tree, GIT_DIR or GIT_WORK_TREE naming another).
 *
 * A relative GIT_DIR, GIT_WORK_TREE or GIT_COMMON_DIR is read from `root`: git reads it from
 * its working folder, and lint runs git there.
 */
export function gitDirs(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): { git: string; common: string } | undefined {
  const dotGit = join(root, '.git');
  try {
    let git = dotGit;
    if (!statSync(dotGit).isDirectory()) {
      // A linked worktree or a submodule: `.git` is a file naming the git directory.
      const m = /^gitdir: (.+?)\r?\n?$/.exec(readFileSync(dotGit, 'utf8'));
      if (!m?.[1]) return undefined;
      git = resolve(root, m[1]);
    }
    // With GIT_DIR and no GIT_WORK_TREE git takes its working folder, `root`, for the top of
    // the working tree: the index is this git directory's when GIT_DIR names it again, as a
    // linked worktree's hooks have it. Another git directory, or another working tree, is
    // left to git.
    if (env.GIT_DIR && !sameFolder(resolve(root, env.GIT_DIR), git)) return undefined;
    if (env.GIT_WORK_TREE && !sameFolder(resolve(root, env.GIT_WORK_TREE), root)) return undefined;
    let common = git;
    if (env.GIT_COMMON_DIR) {
      common = resolve(root, env.GIT_COMMON_DIR);
    } else {
      try {
        common = resolve(git, readFileSync(join(git, 'commondir'), 'utf8').trim());
      } catch {
        // No commondir file: the git directory is its own common directory.
      }
    }
    return { git, common };
  } catch {
    return undefined;
  }
}

/** Whether two paths name one folder; a path that names nothing throws. */
function sameFolder(a: string, b: string): boolean {
  return a === b || realpathSync(a) === realpathSync(b);
}

/** The index file git would use at `root`, when this reader can tell without asking git. */
export function indexFilePath(root: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = gitDirs(root, env);
  if (!dirs) return undefined;
  return env.GIT_INDEX_FILE ? resolve(root, env.GIT_INDEX_FILE) : join(dirs.git, 'index');
}

export function readIndexFile(root: string, env: NodeJS.ProcessEnv = process.env): IndexPaths | undefined {
  const file = indexFilePath(root, env);
  if (!file) return undefined;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const window = new FileWindow(fd, fstatSync(fd).size);
    // The id length is not in the file: the layout that reads to the file's exact end is it.
    return parseIndex(window, 20) ?? parseIndex(window, 32);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * A file read through one small reused buffer. Reading a 2 MB index into a buffer of its
 * own costs more in fresh memory than the whole parse on some hosts (each new page is
 * faulted in); the entries are read in passing, so 64 KiB at a time does.
 */
export class FileWindow {
  buf: Buffer;
  /** The file offset of buf[0], and how many bytes from there are in buf. */
  #start = 0;
  #filled = 0;
  /** buf's bytes as a one-byte string (each byte one character), made at most once per fill. */
  #text: string | undefined;

  constructor(
    readonly fd: number,
    readonly size: number,
    chunk = 1 << 16,
  ) {
    this.buf = Buffer.allocUnsafeSlow(chunk);
  }

  /** Brings bytes [pos, pos + n) of the file into buf and returns where pos is in it; -1 past the file's end. */
  at(pos: number, n: number): number {
    if (pos >= this.#start && pos + n <= this.#start + this.#filled) return pos - this.#start;
    if (pos < 0 || pos + n > this.size) return -1;
    if (n > this.buf.length) this.buf = Buffer.allocUnsafeSlow(Math.max(n, this.buf.length * 2));
    const want = Math.min(this.buf.length, this.size - pos);
    let got = 0;
    while (got < want) {
      const r = readSync(this.fd, this.buf, got, want - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    this.#start = pos;
    this.#filled = got;
    this.#text = undefined;
    return got >= n ? 0 : -1;
  }

  /**
   * The name in buf[start, end). An ASCII name is sliced from one string made of the whole
   * fill: decoding each name with its own `toString` call was most of what reading a
   * 20,000-entry index cost (a native call and a fresh string each, with the collections
   * they cause). Any other name is decoded as UTF-8 by `pathNameAt`.
   */
  name(start: number, end: number): string {
    const text = (this.#text ??= this.buf.toString('latin1', 0, this.#filled));
    const name = text.slice(start, end);
    return NON_ASCII.test(name) ? pathNameAt(this.buf, start, end) : name;
  }

  /** The file offset of the first NUL at or after pos; -1 if there is none. */
  nul(pos: number): number {
    for (let n = 256; ; n *= 2) {
      const span = Math.min(n, this.size - pos);
      const o = this.at(pos, span);
      if (o < 0) return -1;
      const i = this.buf.indexOf(0, o);
      if (i >= 0 && i < o + span) return pos + (i - o);
      if (span < n) return -1;
    }
  }
}

const NON_ASCII = /[^\0-\x7f]/;
const SIGNATURE = 0x44495243; // "DIRC"
const EXTENDED = 0x4000;
const NAME_MASK = 0x0fff;
/** In an entry's extended flags (index version 3 and later). */
const INTENT_TO_ADD = 0x2000;

function u16(buf: Buffer, at: number): number {
  return ((buf[at] as number) << 8) | (buf[at + 1] as number);
}

/** The entries of an index whose object ids are `idLength` bytes long; undefined if it does not read as one. */
export function parseIndex(file: FileWindow, idLength: number): IndexPaths | undefined {
  let o = file.at(0, 12);
  if (o < 0 || file.size < 12 + idLength || file.buf.readUInt32BE(o) !== SIGNATURE) return undefined;
  const version = file.buf.readUInt32BE(o + 4);
  if (version < 2 || version > 4) return undefined;
  const count = file.buf.readUInt32BE(o + 8);
  const end = file.size - idLength;
  const universe: string[] = [];
  const conflicted: string[] = [];
  // Version 4 stores each path as a suffix of the previous one's bytes.
  let previous = Buffer.alloc(0);
  const fixed = 40 + idLength + 2;
  let pos = 12;
  for (let i = 0; i < count; i++) {
    // The fixed part and, in most entries, the whole name and its NUL.
    o = file.at(pos, Math.min(fixed + 2 + 256, end - pos));
    if (o < 0 || pos + fixed > end) return undefined;
    let buf = file.buf;
    // Bytes read one by one: this loop runs once per entry of a large index in a process
    // that has just started, where a call to readUInt32BE costs more than the arithmetic.
    const mode = u16(buf, o + 24) * 0x10000 + u16(buf, o + 26);
    const flags = u16(buf, o + fixed - 2);
    if (flags & EXTENDED && version < 3) return undefined;
    // `git add -N` records a path without contents: not part of the commit.
    const intentToAdd = flags & EXTENDED ? (u16(buf, o + fixed) & INTENT_TO_ADD) !== 0 : false;
    const nameAt = pos + fixed + (flags & EXTENDED ? 2 : 0);
    let path: string;
    if (version === 4) {
      let p = nameAt;
      o = file.at(p, Math.min(16, end - p));
      if (o < 0) return undefined;
      buf = file.buf;
      let c = buf[o] ?? 0;
      let strip = c & 127;
      while (c & 128) {
        p += 1;
        c = buf[o + p - nameAt] ?? 0;
        strip = ((strip + 1) << 7) | (c & 127);
      }
      p += 1;
      const nul = file.nul(p);
      if (nul < 0 || nul >= end || strip > previous.length) return undefined;
      o = file.at(p, nul - p);
      if (o < 0) return undefined;
      const bytes = Buffer.concat([previous.subarray(0, previous.length - strip), file.buf.subarray(o, o + nul - p)]);
      if ((flags & NAME_MASK) !== Math.min(bytes.length, NAME_MASK)) return undefined;
      previous = bytes;
      path = pathNameAt(bytes, 0, bytes.length);
      pos = nul + 1;
    } else {
      const stated = flags & NAME_MASK;
      const nul = stated < NAME_MASK ? nameAt + stated : file.nul(nameAt + NAME_MASK);
      if (nul < 0 || nul >= end) return undefined;
      o = file.at(nameAt, nul + 1 - nameAt);
      if (o < 0 || file.buf[o + nul - nameAt] !== 0) return undefined;
      path = file.name(o, o + nul - nameAt);
      // Padded with 1 to 8 NULs to a multiple of 8 bytes from the entry's start.
      pos += (nul - pos + 8) & ~7;
      if (pos > end) return undefined;
    }
    // A sparse index lists whole directories as entries; git expands them for ls-files.
    const type = mode >>> 12;
    if (type === 0o04) return undefined;
    const perm = mode & 0o777;
    if ((flags >> 12) & 3) conflicted.push(path);
    else if (type === 0o10 && (perm === 0o644 || perm === 0o755) && !intentToAdd) universe.push(path);
  }
  // Extensions, each "<4-byte signature><32-bit size><data>", up to the trailing checksum.
  while (pos < end) {
    o = file.at(pos, 8);
    if (o < 0 || pos + 8 > end) return undefined;
    const sig = file.buf.toString('latin1', o, o + 4);
    // A split index keeps most entries in another file; a sparse one has directory entries.
    if (sig === 'link' || sig === 'sdir') return undefined;
    pos += 8 + file.buf.readUInt32BE(o + 4);
  }
  return pos === end ? { universe, conflicted } : undefined;
}

/**
 * What a lint run looks at. Four scopes over one shape, a Snapshot: every file of the
 * tree being judged (the universe: globs are checked against it, so a mistyped glob is
 * caught whatever the scope), the files whose contents are checked, and a way to read
 * them. `--staged` reads blobs from the index, not the working tree: what the commit will
 * contain. `.gitignore` is respected because the lists come from git itself.
 */
import { isUtf8 } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { HaltReason } from '../model/result.js';
import { UsageError } from '../spec/problems.js';
import { parseCatFileBatch } from '../util/cat-file.js';
import { pinnedGit } from '../util/git-config.js';
import { commitId, FETCH_FULL_HISTORY, fetchAdvice, unbornBranch } from '../util/git-ref.js';
import { specialKind } from '../util/special-file.js';
import { type IndexPaths, readIndexFile } from './index-file.js';
import { readLooseBlobs } from './loose-objects.js';
import { pathBytes, pathName, pathNameAt } from './names.js';

export type ScopeRequest =
  | { kind: 'tree' }
  | { kind: 'staged' }
  | { kind: 'changed'; since: string }
  | { kind: 'paths'; paths: string[] }
  /** The files as committed in `rev` (what a push sends), all of them or those changed since `since`. */
  | { kind: 'commit'; rev: string; since?: string }
  /**
   * The files a hook manager passes (the pre-commit framework's pass_filenames), relative to
   * the folder lint runs in: judged as staged or as the working tree's, by what they are.
   */
  | {
      kind: 'hook';
      files: string[];
      /** Under the pre-commit framework: whether an earlier share of its run was checked as the working tree. */
      followsTree?: () => boolean;
    };

export interface ScopeInfo {
  /** A hook's files are judged as the staged change or as the working tree: never a kind of their own. */
  kind: Exclude<ScopeRequest['kind'], 'hook'>;
  /** --commit: the revision as given, and the commit it names (its full id) once found. */
  rev?: string;
  commit?: string;
  /** --changed-since: the ref given and the merge base the diff is taken against. */
  since?: string;
  base?: string;
  /** Explicit paths, repository-relative. */
  paths?: string[];
  /** How many files a hook manager passed (--hook-files), of which those under the root were checked. */
  passed?: number;
}

/** A file whose contents were not read, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/**
 * `unread`: a file that is there to be checked and could not be read (no permission, an I/O
 * error, a name that cannot be given back to the system), unlike one skipped by rule (binary,
 * too large, not a regular file): the rules it falls under were not checked on it.
 */
export type ReadResult =
  | { ok: true; data: Buffer }
  | { ok: false; reason: string; unread?: true }
  // `reason`: what stands at a working-tree path git lists (a symlink, nothing, a folder), said
  // where the file is named as not read; a required file is absent all the same.
  | { ok: false; gone: true; reason?: string };

export interface Snapshot {
  info: ScopeInfo;
  /** Every file of the tree judged (the index for --staged, the working tree otherwise), sorted. */
  universe: string[];
  /** The files in scope, sorted (the whole universe for the tree scope). */
  targets: string[];
  /** Reads the contents of the given files, once each; a huge file is not read. */
  read(paths: string[], maxBytes: number): Map<string, ReadResult>;
  /** The working tree `read` reads, when it does (not for --staged or --commit). */
  workingTree?: WorkingTree;
  /**
   * Whether a universe path is a regular file. git lists a working tree's symlinks and
   * tracked files deleted since, which lint never reads; the index and a commit's tree are
   * listed as regular files only, so without it every universe path is one.
   */
  isFile?: (path: string) => boolean;
  halt?: { reason: HaltReason; message: string };
  /**
   * Why a file that is not in the tree judged is in the working tree all the same (git ignores
   * it; for --staged, it is not staged), or undefined: said where a required file is missing.
   */
  whyAbsent?: (path: string) => string | undefined;
}

function git(
  root: string,
  args: string[],
  input?: string,
  env?: NodeJS.ProcessEnv,
): { ok: boolean; out: Buffer; err: string } {
  const r = spawnSync('git', pinnedGit(args), {
    cwd: root,
    input,
    maxBuffer: 1 << 30,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', ...env },
  });
  return { ok: r.status === 0, out: r.stdout ?? Buffer.alloc(0), err: r.stderr?.toString('utf8').trim() ?? '' };
}

/** The same, without blocking: the listings run while the spec is parsed, and side by side. */
function gitAsync(
  root: string,
  args: string[],
  /** Takes the output as it arrives instead (`out` is then empty). */
  sink?: (chunk: Buffer) => void,
): Promise<{ ok: boolean; out: Buffer; err: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('git', pinnedGit(args), { cwd: root, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', sink ?? ((b: Buffer) => out.push(b)));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve({ ok: false, out: Buffer.alloc(0), err: e.message, code: null }));
    child.on('close', (code) =>
      resolve({ ok: code === 0, out: Buffer.concat(out), err: Buffer.concat(err).toString('utf8').trim(), code }),
    );
  });
}

function zList(out: Buffer): string[] {
  if (!isUtf8(out)) return zListBytes(out);
  const s = out.toString('utf8');
  return s ? s.split('\0').filter((x) => x !== '') : [];
}

/** A listing with names that are not UTF-8: see pathName. */
function zListBytes(out: Buffer): string[] {
  const names: string[] = [];
  let pos = 0;
  while (pos < out.length) {
    let nul = out.indexOf(0, pos);
    if (nul < 0) nul = out.length;
    if (nul > pos) names.push(pathName(out.subarray(pos, nul)));
    pos = nul + 1;
  }
  return names;
}

function sorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function haltSnapshot(info: ScopeInfo, reason: HaltReason, message: string): Snapshot {
  return { info, universe: [], targets: [], read: () => new Map(), halt: { reason, message } };
}

// O_NONBLOCK: opening a FIFO that stands where a file was would otherwise wait for a writer
// (a hook that never returns); it changes nothing for a regular file.
const READ_NOFOLLOW = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

/** Errors of open() that mean the path is not a file of the working tree, as git sees it. */
const NOT_THERE = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/** Errors of open() for something that is not a regular file: a socket (ENXIO), a device without a driver. */
const NOT_A_FILE = new Set(['ENXIO', 'EOPNOTSUPP', 'ENODEV']);
const NOT_REGULAR = 'not a regular file (a FIFO, socket or device stands at its path)';

/**
 * The symlinks (mode 120000) and submodules (160000) among git's entries, each with why lint
 * does not read it, worded as for the working tree.
 */
function notRead<T>(entries: Iterable<[string, T]>, mode: (e: [string, T]) => string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const m = mode(e);
    if (m === '120000') out.set(e[0], SYMLINK);
    else if (m === '160000') out.set(e[0], FOLDER);
  }
  return out;
}

/** Why a path git lists in the working tree holds no file to read. */
const SYMLINK = 'a symbolic link, which lint does not follow';
const DELETED = 'deleted in the working tree';
const BEYOND_LINK = 'beyond a symbolic link to a folder, which lint does not read through';
/** A gitlink: a submodule, or a repository of its own added inside this one (git add of its folder). */
const FOLDER = 'a folder (a submodule, or a repository of its own inside this one), not a file';

/** Why a tracked file outside the sparse checkout (skip-worktree) is not read. */
export const OUTSIDE_SPARSE =
  'outside the sparse checkout, so not in the working tree; lint it as committed with --commit HEAD, or widen the checkout';

/**
 * The working tree as git sees it. A path beyond a symlinked folder is not in it (git's
 * has_symlink_leading_path: it lists the files the index holds there as deleted), though
 * open() and lstat() would follow the link, O_NOFOLLOW guarding only the last name. A tracked
 * file outside the sparse checkout is not in it either, and is named as not read rather than
 * passed over like a deleted one.
 */
export class WorkingTree {
  /** Whether each folder asked about is a real folder on a path of real folders. */
  readonly #folders = new Map<string, boolean>();

  constructor(
    readonly root: string,
    /** Tracked paths git does not check out (skip-worktree). */
    readonly sparse: ReadonlySet<string> = new Set(),
  ) {}

  /**
   * Whether every folder on the way to `path` is a real folder: one lstat per folder, however
   * many of its files are read, and only for the files JavaScript reads or looks at.
   */
  #reachable(path: string): boolean {
    const slash = path.lastIndexOf('/');
    return slash < 0 || this.#folder(path.slice(0, slash));
  }

  #folder(dir: string): boolean {
    let real = this.#folders.get(dir);
    if (real === undefined) {
      const slash = dir.lastIndexOf('/');
      real = (slash < 0 || this.#folder(dir.slice(0, slash))) && lstatOf(this.root, dir)?.isDirectory() === true;
      this.#folders.set(dir, real);
    }
    return real;
  }

  /** The path's own lstat; undefined when it is not in the working tree. */
  lstat(path: string): Stats | undefined {
    const st = lstatOf(this.root, path);
    return st && this.#reachable(path) ? st : undefined;
  }

  /** Reads files: open, size, read, close; a file over maxBytes is not read. */
  read(paths: string[], maxBytes: number): Map<string, ReadResult> {
    const out = new Map<string, ReadResult>();
    for (const p of paths) {
      let fd: number;
      try {
        fd = onDisk(this.root, p, (at) => openSync(at, READ_NOFOLLOW));
      } catch (e) {
        // Tracked but deleted in the working tree, or a symlink: a link holds the path it
        // points at, not contents of this repository (--staged and --commit name it too).
        // Anything else (no permission, an I/O error) is a file that exists and was not read:
        // named, never counted as clean.
        const code = (e as NodeJS.ErrnoException).code ?? '';
        out.set(
          p,
          NOT_THERE.has(code)
            ? this.#absent(p, code === 'ELOOP' ? SYMLINK : this.#reachable(p) ? DELETED : BEYOND_LINK)
            : NOT_A_FILE.has(code)
              ? { ok: false, reason: NOT_REGULAR }
              : { ok: false, reason: unreadable(e), unread: true },
        );
        continue;
      }
      try {
        const st = fstatSync(fd);
        if (!this.#reachable(p) || st.isDirectory()) {
          out.set(p, this.#absent(p, this.#reachable(p) ? FOLDER : BEYOND_LINK));
        } else if (!st.isFile()) {
          out.set(p, { ok: false, reason: NOT_REGULAR });
        } else if (st.size > maxBytes) {
          out.set(p, { ok: false, reason: tooLarge(st.size, maxBytes) });
        } else {
          const buf = Buffer.allocUnsafe(st.size);
          let off = 0;
          while (off < st.size) {
            const n = readSync(fd, buf, off, st.size - off, off);
            if (n === 0) break;
            off += n;
          }
          out.set(p, { ok: true, data: off === st.size ? buf : buf.subarray(0, off) });
        }
      } catch (e) {
        out.set(p, { ok: false, reason: unreadable(e), unread: true });
      } finally {
        closeSync(fd);
      }
    }
    return out;
  }

  #absent(p: string, reason: string): ReadResult {
    return this.sparse.has(p) ? { ok: false, reason: OUTSIDE_SPARSE } : { ok: false, gone: true, reason };
  }
}

/** Why a file that exists could not be read, in words. */
function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied; make it readable to have it checked';
  return `it could not be read (${code ?? (e instanceof Error ? e.message : String(e))})`;
}

/**
 * `use` on the path under root, named by its text, or when that names nothing and the text
 * holds a byte pathName() kept apart (a name that is not UTF-8), by its bytes. The text first:
 * a name that is UTF-8 may hold U+FFFD itself.
 */
function onDisk<T>(root: string, path: string, use: (at: string | Buffer) => T): T {
  const text = `${root}${sep}${path}`;
  if (!path.includes('\uFFFD')) return use(text);
  try {
    const r = use(text);
    if (r !== undefined) return r;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return use(Buffer.concat([Buffer.from(`${root}${sep}`), pathBytes(path)]));
}

/** lstat of a path under root, undefined for one that names nothing (a file on the way, a loop of links, no access too). */
function lstatOf(root: string, path: string): Stats | undefined {
  try {
    return onDisk(root, path, (at) => lstatSync(at, { throwIfNoEntry: false }));
  } catch {
    return undefined;
  }
}

/** Why a file over --max-file-size was not read; in bytes when rounding would show the two sizes alike. */
export function tooLarge(size: number, maxBytes: number): string {
  const [limit, its] = [formatBytes(maxBytes), formatBytes(size)];
  return limit === its ? `larger than ${maxBytes} B (${size} B)` : `larger than ${limit} (${its})`;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(n % (1 << 20) ? 1 : 0)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(n % (1 << 10) ? 1 : 0)} KiB`;
  return `${n} B`;
}

function notARepo(info: ScopeInfo, root: string, err: string): Snapshot {
  return haltSnapshot(
    info,
    'error',
    `${root} is not a git repository (${err.split('\n')[0] ?? err}); run rfcgate lint inside the governed repository`,
  );
}

/**
 * Whether a path of the working tree is a regular file, remembered: asked only for the few
 * paths a glob, a require rule or a folder argument turns on, so each is one lstat (and one
 * for each folder on the way the first time it is met).
 */
function regularFiles(tree: WorkingTree): (path: string) => boolean {
  const known = new Map<string, boolean>();
  return (p) => {
    let is = known.get(p);
    if (is === undefined) {
      // A file outside the sparse checkout is in the repository (a required file is there),
      // and is named as not read when its contents are needed.
      is = tree.sparse.has(p) || tree.lstat(p)?.isFile() === true;
      known.set(p, is);
    }
    return is;
  };
}

function workingTreeSnapshot(
  info: ScopeInfo,
  tree: WorkingTree,
  universe: string[],
  targets: string[],
  isFile: (path: string) => boolean = regularFiles(tree),
): Snapshot {
  return {
    info,
    universe,
    targets,
    read: (ps, max) => tree.read(ps, max),
    workingTree: tree,
    isFile,
    whyAbsent: (path) => whyAbsent(tree, path, 'tree'),
  };
}

/**
 * Why a regular file of the working tree is not in the tree judged: a .gitignore pattern
 * (named with its place, so the user sees which), or, for the index, not staged yet; for a
 * commit, not committed in it. Only asked about a file a rule requires, so one git process
 * at most per missing file.
 */
function whyAbsent(tree: WorkingTree, path: string, judged: 'tree' | 'index' | { commit: string }): string | undefined {
  const staged = judged === 'index';
  const st = tree.lstat(path);
  // What lint never reads, in any scope: say so, or the finding reads as a missing file.
  if (st?.isSymbolicLink()) {
    return `${path} is a symbolic link, which lint does not read: require the file it points to`;
  }
  if (st?.isDirectory() && lstatOf(tree.root, `${path}${sep}.git`) !== undefined) {
    return `${path} is a submodule, whose files lint does not read: require a file of this repository`;
  }
  if (!st?.isFile()) return undefined;
  // -z only with --stdin: a name with a line break, then, is read back whole.
  const ignored = git(tree.root, ['check-ignore', '-v', '-z', '--no-index', '--stdin'], `${path}\0`);
  if (ignored.ok) {
    const [source, line, pattern] = zList(ignored.out);
    return `${path} is in the working tree, but git ignores it (${source ?? '?'}:${line ?? '?'}: ${pattern ?? '?'}): stop ignoring it and ${staged ? 'stage it' : 'commit it'}`;
  }
  if (staged) return `${path} is in the working tree but not staged: git add it`;
  return judged === 'tree'
    ? undefined
    : `${path} is in the working tree but not in commit ${judged.commit.slice(0, 12)}: commit it`;
}

/** Tracked and untracked files that .gitignore does not exclude, and the working tree they are in. */
async function workingTreeFiles(root: string): Promise<{ files: string[]; tree: WorkingTree } | { err: string }> {
  // -t tags each path: 'S ' a tracked file outside the sparse checkout (skip-worktree).
  const r = await gitAsync(root, ['ls-files', '-z', '-t', '-c', '-o', '--exclude-standard']);
  if (!r.ok) return { err: r.err };
  const s = isUtf8(r.out) ? r.out.toString('utf8') : zListBytes(r.out).join('\0');
  const files: string[] = [];
  const sparse = new Set<string>();
  for (let at = 0; at < s.length;) {
    let end = s.indexOf('\0', at);
    if (end < 0) end = s.length;
    if (end > at + 2) {
      const path = s.slice(at + 2, end);
      files.push(path);
      if (s.charCodeAt(at) === 83 /* 'S' */) sparse.add(path);
    }
    at = end + 1;
  }
  return { files: sorted(files), tree: new WorkingTree(root, sparse) };
}

export async function openSnapshot(root: string, req: ScopeRequest, cwd: string = process.cwd()): Promise<Snapshot> {
  switch (req.kind) {
    case 'tree': {
      const info: ScopeInfo = { kind: 'tree' };
      const listed = await workingTreeFiles(root);
      if ('err' in listed) return notARepo(info, root, listed.err);
      return workingTreeSnapshot(info, listed.tree, listed.files, listed.files);
    }
    case 'paths':
      return pathsSnapshot(root, req.paths, cwd);
    case 'staged':
      return stagedSnapshot(root);
    case 'hook':
      return hookSnapshot(root, req.files, cwd, req.followsTree);
    case 'changed':
      return changedSnapshot(root, req.since);
    case 'commit':
      return commitSnapshot(root, req.rev, req.since);
  }
}

async function pathsSnapshot(root: string, raw: string[], cwd: string): Promise<Snapshot> {
  const realRoot = realpathSync(root);
  const below = (real: string) => insideOf(realRoot, real);
  const linked = linkedFolders(below);
  const rels: { given: string; rel: string; dir: boolean; link: boolean; special?: string }[] = [];
  // Every path's problem at once: a hook passing many paths is fixed in one round.
  const problems: string[] = [];
  let top: string | undefined;
  for (const p of raw) {
    // Resolved, '' would be the folder lint runs in: a script's empty file list would check the whole tree.
    if (p === '') {
      problems.push(`an empty path names no file; give a file or folder ('.' for the folder lint runs in)`);
      continue;
    }
    const abs = resolve(cwd, p);
    const link = lstatGiven(abs);
    if (typeof link === 'string') {
      problems.push(`path '${p}' ${link}`);
      continue;
    }
    // As git does (has_symlink_leading_path): what lies beyond a symlinked folder is not in
    // the working tree, even when the link points into the repository.
    const through = linked(abs);
    if (through !== undefined) {
      problems.push(`path '${p}' is beyond the symbolic link '${through}', which lint does not read through`);
      continue;
    }
    // A symlink names itself, as in git, not what it points at.
    const real = link.isSymbolicLink() ? join(realName(dirname(abs)), basename(abs)) : realName(abs);
    const rel = below(real);
    if (rel === undefined) {
      top ??= git(root, ['rev-parse', '--show-toplevel']).out.toString('utf8').trim();
      problems.push(
        top && insideOf(realpathSync(top), real) !== undefined
          ? `path '${p}' is in the repository but outside the governed root ${root}, whose rules lint checks; name a path under it, or give --root the folder that governs this path`
          : `path '${p}' is outside the repository at ${top || root}`,
      );
      continue;
    }
    const special = specialKind(link);
    rels.push({ given: p, rel, dir: link.isDirectory(), link: link.isSymbolicLink(), ...(special ? { special } : {}) });
  }
  if (problems.length) throw new UsageError(problems.join('; '));
  const info: ScopeInfo = { kind: 'paths', paths: rels.map((r) => r.rel || '.') };
  const listed = await workingTreeFiles(root);
  if ('err' in listed) return notARepo(info, root, listed.err);
  const { files, tree } = listed;
  const targets = new Set<string>();
  const isFile = regularFiles(tree);
  const unlisted: (typeof rels)[number][] = [];
  for (const r of rels) {
    // Per path, not by what it added: a path named twice, or inside a folder named too, is fine.
    // A file named is matched once git lists it (a changed symlink that a pre-commit tool
    // passes along is skipped, not an error); a folder only when it holds a file lint can
    // read, since git also lists submodules (gitlinks) and symlinks.
    let matched = false;
    for (const f of files) {
      if (r.rel === '' || f === r.rel || (r.dir && f.startsWith(`${r.rel}/`))) {
        targets.add(f);
        if (!matched) matched = !r.dir || isFile(f);
      }
    }
    // A folder that holds none of the listed files (.git, a submodule, only ignored files)
    // would be a pass with nothing checked.
    if (!matched && r.rel !== '') unlisted.push(r);
  }
  if (unlisted.length) {
    // One path at a time: a path inside a submodule stops a batch there (exit 128).
    const ignored = new Set(
      unlisted.filter((u) => git(root, ['check-ignore', '-q', '--', u.rel]).ok).map((u) => u.rel),
    );
    // Each group in one sentence: [its paths, singular and plural wording].
    const say = (xs: typeof unlisted, one: string, many: string) =>
      xs.length ? [`${xs.map((u) => `'${u.given}'`).join(', ')} ${xs.length === 1 ? one : many}`] : [];
    // git lists no FIFO, socket or device: said for what it is, not as a file of another repository.
    const special = unlisted.filter((u) => u.special !== undefined);
    const notIgnored = unlisted.filter((u) => !ignored.has(u.rel) && u.special === undefined);
    throw new UsageError(
      [
        // Several in one sentence: the advice is the same for each.
        ...(special.length
          ? [
              `${special.map((u) => `'${u.given}' is ${u.special ?? ''}`).join(', ')}${special.length === 1 ? ', not a regular file, so lint does not read it' : ': not regular files, so lint does not read them'}; name a regular file`,
            ]
          : []),
        ...say(
          unlisted.filter((u) => ignored.has(u.rel) && u.special === undefined),
          'is ignored by .gitignore, so lint does not check it',
          'are ignored by .gitignore, so lint does not check them',
        ),
        ...say(
          notIgnored.filter((u) => !u.dir),
          "is not among the repository's files (inside .git, a submodule or another repository), so lint does not check it",
          "are not among the repository's files (inside .git, a submodule or another repository), so lint does not check them",
        ),
        ...say(
          notIgnored.filter((u) => u.dir),
          "holds none of the repository's files (only ignored files, or .git, a submodule or another repository), so there is nothing to check",
          "hold none of the repository's files (only ignored files, or .git, a submodule or another repository), so there is nothing to check",
        ),
      ].join('; '),
    );
  }
  // Only symlinks named, which lint never reads (nor through): that is nothing checked, not a
  // pass. Among other files (a pre-commit tool passing a changed link along) a link is skipped.
  const links = rels.filter((r) => r.link);
  if (links.length && ![...targets].some(isFile)) {
    const names = links.map((r) => `'${r.given}'`).join(', ');
    throw new UsageError(
      `${names} ${links.length === 1 ? 'is a symbolic link' : 'are symbolic links'}, which lint does not read (nor what ${links.length === 1 ? 'it points' : 'they point'} to), so there is nothing to check; name the file or folder ${links.length === 1 ? 'it points' : 'they point'} to`,
    );
  }
  return workingTreeSnapshot(info, tree, files, sorted(targets), isFile);
}

/** `real` relative to `realRoot` with '/' separators ('' for the root itself); undefined when outside it. */
function insideOf(realRoot: string, real: string): string | undefined {
  const rel = relative(realRoot, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * A path named on the command line as the file system takes it: by its bytes when it holds
 * one that is not UTF-8, written as pathName writes it (`caf\uFFFD<e9>.py`).
 */
function fsPath(p: string): string | Buffer {
  return /\uFFFD<[0-9a-f]{2}>/.test(p) ? pathBytes(p) : p;
}

/** realpath of such a path, named as git's listings name it. */
function realName(p: string): string {
  const at = fsPath(p);
  return typeof at === 'string' ? realpathSync(at) : pathName(realpathSync.native(at, { encoding: 'buffer' }));
}

/** A path named on the command line, not followed if it is a link; why not, when it names nothing lint can look at. */
function lstatGiven(abs: string): Stats | string {
  try {
    return lstatSync(fsPath(abs), { throwIfNoEntry: false }) ?? 'does not exist';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A file on the way (`a.py/x`): there is no such path.
    if (code === 'ENOTDIR') return 'does not exist';
    if (code === 'ELOOP') return 'runs into a loop of symbolic links, so it names no file';
    if (code === 'EACCES') return 'cannot be looked at (permission denied on a folder on the way)';
    throw e;
  }
}

/**
 * The first symlink among the folders on the way to a path, named from the repository's
 * root, when that link is inside the repository; a link above it (a home folder reached
 * through one) is not the repository's concern. Remembered per folder: a hook may name
 * hundreds of files in a few folders.
 */
function linkedFolders(below: (real: string) => string | undefined): (abs: string) => string | undefined {
  const known = new Map<string, string | null>();
  const at = (dir: string): string | null => {
    const parent = dirname(dir);
    if (parent === dir) return null;
    let found = known.get(dir);
    if (found !== undefined) return found;
    found = null;
    if (lstatSync(fsPath(dir), { throwIfNoEntry: false })?.isSymbolicLink()) {
      const from = below(realName(parent));
      if (from !== undefined) found = from ? `${from}/${basename(dir)}` : basename(dir);
    }
    found ??= at(parent);
    known.set(dir, found);
    return found;
  };
  return (abs) => at(dirname(abs)) ?? undefined;
}

/**
 * The files the pre-commit framework passes a hook. On a commit (and a plain `pre-commit
 * run`) it passes the staged files, having set unstaged changes of tracked files aside; on
 * `pre-commit run --all-files` (or `--files`) every tracked file (or those named), with the
 * working tree as it is. No setting tells the hook which (PRE_COMMIT=1 is set either way), so
 * the files do: when each is in the staged change, those files of it are checked from the
 * index, as --staged checks them; when one is not, the files passed are checked in the
 * working tree, judged as the whole tree is (the ordering guard included). Under the
 * framework (PRE_COMMIT=1), a file passed that differs from the index shows that nothing was
 * set aside, so it is not a commit: the files passed are then the working tree's too, though
 * each is staged (a share of --all-files that only holds staged files, a new repository whose
 * every file is staged). A long list is split over several runs, each checking its share;
 * globs are judged against the whole index or tree either way, so a share never halts a rule
 * for a glob the rest would match. With no file passed (a commit that only deletes, say), the
 * staged change is checked as --staged does.
 */
async function hookSnapshot(
  root: string,
  files: string[],
  cwd: string,
  followsTree?: () => boolean,
): Promise<Snapshot> {
  if (!files.length) return stagedSnapshot(root);
  const realRoot = realpathSync(root);
  const realCwd = realpathSync(cwd);
  const passed = new Set<string>();
  for (const f of files) {
    if (f === '') continue;
    // Resolved from the folder lint runs in, which may be above the governed root: the
    // framework runs hooks from the repository's top, with `--root svc` among the hook's args.
    const p = relative(realRoot, resolve(realCwd, f)).split(sep).join('/');
    // Outside the governed root: not this RFC's to check.
    if (p === '..' || p.startsWith('../') || isAbsolute(p)) continue;
    passed.add(p);
  }
  // Asked of the files passed only: a file elsewhere that git always sees as changed (line
  // endings the attributes would normalize) must not turn every commit into a tree check.
  // Literal: a name holding '*' or '[' is a file, not a pattern.
  const named = [...passed].filter((p) => p !== '');
  const unstaged =
    process.env.PRE_COMMIT === '1' && named.length
      ? gitAsync(root, [
          '--literal-pathspecs',
          'diff',
          '--quiet',
          '--ignore-submodules',
          '--no-ext-diff',
          '--no-textconv',
          '--',
          ...named,
        ])
      : undefined;
  const staged = await stagedSnapshot(root, { files: passed, count: files.length });
  // Exit 1: a difference; anything else (0, or git failing) leaves the commit's reading. A
  // share of a long list whose files are all staged, after a share of the same run that was
  // checked as the working tree, is a share of --all-files too (a folder of new files): judged
  // as the others, or an untracked file would count for them and not for it. Never under git
  // commit itself, which names its index (GIT_INDEX_FILE).
  if (staged && (await unstaged)?.code !== 1 && (process.env.GIT_INDEX_FILE || !followsTree?.())) return staged;
  const info: ScopeInfo = { kind: 'tree', passed: files.length };
  const listed = await workingTreeFiles(root);
  if ('err' in listed) return notARepo(info, root, listed.err);
  return workingTreeSnapshot(
    info,
    listed.tree,
    listed.files,
    listed.files.filter((f) => passed.has(f)),
  );
}

/**
 * The staged change; with a hook's files, only those of it, or undefined when one of them is
 * not in it (they are then the working tree's).
 */
async function stagedSnapshot(root: string): Promise<Snapshot>;
async function stagedSnapshot(root: string, hook: { files: Set<string>; count: number }): Promise<Snapshot | undefined>;
async function stagedSnapshot(
  root: string,
  hook?: { files: Set<string>; count: number },
): Promise<Snapshot | undefined> {
  const info: ScopeInfo = hook ? { kind: 'staged', passed: hook.count } : { kind: 'staged' };
  // The index and the diff at once; only the changed entries become targets. The diff names each
  // changed file's new blob, so the targets' contents are fetched as soon as it is in,
  // while the spec is still being parsed. Without HEAD (the first commit), `diff --cached`
  // lists everything staged.
  const diffArgs = [
    'diff',
    '--cached',
    '--raw',
    '-z',
    '--no-abbrev',
    '--no-renames',
    // Paths relative to the governed root, as git ls-files gives them, when it is a folder
    // below the repository's top (and only what is under it).
    '--relative',
  ];
  // A `git add -N` path is not part of the commit: not in the diff, or deleted if HEAD has it.
  const diffing = gitAsync(root, [...diffArgs, '--ita-invisible-in-index']);
  // The index's paths from its file while git diffs; from `git ls-files` when its layout is
  // one the reader leaves to git.
  let index: IndexPaths | undefined = readIndexFile(root);
  let listing: Promise<{ ok: boolean; err: string }> = Promise.resolve({ ok: true, err: '' });
  let seeingIntents: Promise<{ ok: boolean; out: Buffer; err: string }> | undefined;
  if (!index) {
    const streamed = new IndexListing();
    index = streamed;
    listing = gitAsync(root, ['ls-files', '-s', '-z'], (b) => streamed.push(b));
    // ls-files lists a `git add -N` path like a staged empty file, and says nothing of the
    // flag the reader sees. Diffed with such paths shown as added, the paths whose records
    // differ from the diff above are exactly they.
    seeingIntents = gitAsync(root, [...diffArgs, '--ita-visible-in-index']);
  }
  const diff = await diffing;
  if (!diff.ok) {
    // Outside a repository git runs `diff` in its no-index mode, which rejects --cached: its
    // error says nothing of the cause, so git is asked where the repository is.
    const top = git(root, ['rev-parse', '--git-dir']);
    if (!top.ok) return notARepo(info, root, top.err);
    return haltSnapshot(info, 'error', `git diff --cached failed: ${diff.err}`);
  }
  const changed = parseRawDiff(diff.out);
  if (hook) {
    for (const p of hook.files) if (!changed.has(p)) return undefined;
  }
  // The diff's mode is the index entry's: a regular file (not a symlink, not a submodule;
  // 000000 for a deleted path).
  const regular = [...changed].filter(([, e]) => e.mode === '100644' || e.mode === '100755');
  // A staged symlink or submodule a rule applies to is named as not read, as the working
  // tree names it, so the files checked and those listed add up.
  const special = notRead(changed, ([, e]) => e.mode);
  // Named by blob id, so a path that holds a line break is fetched like any other.
  // Settled here, rethrown below: an early return must not leave a rejection unhandled.
  const prefetch = fetchBlobs(
    root,
    regular.map(([path, e]) => ({ path, name: e.blob })),
  ).then(
    (got) => ({ got }),
    (err: unknown) => ({ err }),
  );
  const ls = await listing;
  if (!ls.ok) return notARepo(info, root, ls.err);
  let universe = index.universe;
  if (seeingIntents) {
    const seen = await seeingIntents;
    if (!seen.ok) return haltSnapshot(info, 'error', `git diff --cached failed: ${seen.err}`);
    const intents = differing(changed, parseRawDiff(seen.out));
    if (intents.size) universe = universe.filter((p) => !intents.has(p));
  }
  if (index.conflicted.length) {
    const list = [...new Set(index.conflicted)];
    return haltSnapshot(
      info,
      'error',
      `the index has unresolved merge conflicts (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}): resolve them and stage the result before linting what the commit will contain`,
    );
  }
  const prefetched = await prefetch;
  if ('err' in prefetched) throw prefetched.err;
  const fetched = prefetched.got;
  return {
    info,
    // git lists the index sorted by path, so the universe needs no sort.
    universe,
    targets: hook
      ? sorted([...regular.map(([p]) => p), ...special.keys()].filter((p) => hook.files.has(p)))
      : special.size
        ? sorted([...regular.map(([p]) => p), ...special.keys()])
        : sorted(regular.map(([p]) => p)),
    read: (ps, max) => {
      const out = new Map<string, ReadResult>();
      const rest: string[] = [];
      for (const p of ps) {
        const got = fetched.get(p);
        const kind = got ? undefined : special.get(p);
        if (got) out.set(p, sizeChecked(got, max));
        else if (kind !== undefined) out.set(p, { ok: false, gone: true, reason: kind });
        else rest.push(p);
      }
      for (const [p, r] of readBlobs(root, rest, max)) out.set(p, r);
      return out;
    },
    whyAbsent: (path) => whyAbsent(new WorkingTree(root), path, 'index'),
  };
}

/**
 * `git ls-files -s -z` read chunk by chunk as git writes it: "<mode> <blob> <stage>\t<path>\0"
 * records, read in place. A large index lists megabytes, and on a fresh process every
 * megabyte gathered into one buffer first costs milliseconds; only the paths become strings.
 * A record cut by a chunk's end is carried (a few bytes) to the next chunk.
 */
export class IndexListing implements IndexPaths {
  /** Stage-0 regular files (100644, 100755), in git's order. */
  readonly universe: string[] = [];
  /** Paths with entries at a merge stage (an unresolved conflict). */
  readonly conflicted: string[] = [];
  #carry: Buffer | undefined;
  /** Every blob id has the first one's length. */
  #idLength = -1;

  push(chunk: Buffer): void {
    let pos = 0;
    if (this.#carry) {
      const nul = chunk.indexOf(0);
      const joined = Buffer.concat([this.#carry, nul < 0 ? chunk : chunk.subarray(0, nul + 1)]);
      if (nul < 0) {
        this.#carry = joined;
        return;
      }
      this.#carry = undefined;
      this.#records(joined);
      pos = nul + 1;
    }
    const used = this.#records(chunk, pos);
    if (used < chunk.length) this.#carry = chunk.subarray(used);
  }

  /** Reads the complete records from pos on; returns where the first incomplete one starts. */
  #records(out: Buffer, from = 0): number {
    let pos = from;
    while (pos < out.length) {
      if (this.#idLength < 0) {
        const space = out.indexOf(32, pos + 7);
        if (space < 0) return pos;
        this.#idLength = space - pos - 7;
      }
      let tab = pos + 7 + this.#idLength + 2;
      if (out[tab] !== 9) tab = out.indexOf(9, pos);
      const end = tab < 0 ? -1 : out.indexOf(0, tab);
      if (end < 0) return pos;
      const path = pathNameAt(out, tab + 1, end);
      // 100644 or 100755: gitlinks (submodules) have no contents here; symlinks hold a target, not text.
      const regular =
        out[pos] === 49 &&
        out[pos + 1] === 48 &&
        out[pos + 2] === 48 &&
        ((out[pos + 3] === 54 && out[pos + 4] === 52 && out[pos + 5] === 52) ||
          (out[pos + 3] === 55 && out[pos + 4] === 53 && out[pos + 5] === 53));
      const stage = out[tab - 1];
      pos = end + 1;
      if (stage !== 48 /* '0' */) this.conflicted.push(path);
      else if (regular) this.universe.push(path);
    }
    return pos;
  }
}

interface RawEntry {
  status: string;
  mode: string;
  blob: string;
}

/** `:<old mode> <new mode> <old blob> <new blob> <status>\0<path>\0` records: each path's status, new mode and blob. */
function parseRawDiff(out: Buffer): Map<string, RawEntry> {
  const parts = zList(out);
  const entries = new Map<string, RawEntry>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [, mode, , blob, status] = (parts[i] as string).split(' ');
    if (mode !== undefined && blob !== undefined && status !== undefined) {
      entries.set(parts[i + 1] as string, { status, mode, blob });
    }
  }
  return entries;
}

/** The paths two diffs record differently, or only one of them records. */
function differing(a: Map<string, RawEntry>, b: Map<string, RawEntry>): Set<string> {
  const out = new Set<string>();
  for (const [p, x] of a) {
    const y = b.get(p);
    if (!y || y.status !== x.status || y.mode !== x.mode || y.blob !== x.blob) out.add(p);
  }
  for (const p of b.keys()) if (!a.has(p)) out.add(p);
  return out;
}

/** `unread`: git could not give the object (a partial clone's blob its remote could not send): why. */
type Blob = { data: Buffer } | { gone: true } | { unread: string };

function sizeChecked(blob: Blob, maxBytes: number): ReadResult {
  if ('unread' in blob) return { ok: false, reason: blob.unread, unread: true };
  if (!('data' in blob)) return { ok: false, gone: true };
  return blob.data.length > maxBytes
    ? { ok: false, reason: tooLarge(blob.data.length, maxBytes) }
    : { ok: true, data: blob.data };
}

/** Blobs by id: from their loose object files where git wrote them so, the rest from git. */
async function fetchBlobs(root: string, wanted: { path: string; name: string }[]): Promise<Map<string, Blob>> {
  const loose = await readLooseBlobs(
    root,
    wanted.map((w) => ({ path: w.path, id: w.name })),
  );
  const got = await catBlobs(
    root,
    wanted.filter((w) => !loose.has(w.path)),
  );
  for (const [path, data] of loose) got.set(path, { data });
  return got;
}

type BatchRun = { ok: boolean; out: Buffer; err: string };

/**
 * `git cat-file --batch` over the objects wanted, run again after any object it dies on. In a
 * partial clone (`--filter=blob:none`) git fetches a blob it lacks from the promisor remote
 * when asked for it, and dies when that fetch fails. The objects it answered before dying are
 * kept (it flushes each answer), the one it died on is unread with git's reason, and the batch
 * goes on after it: each unfetchable file is named, and every other file is still checked.
 * Each such file costs one fetch attempt, as git's own commands would make.
 */
function batchUntilDone(
  wanted: { path: string; name: string }[],
  run: (names: string[]) => BatchRun,
): Map<string, Blob>;
function batchUntilDone(
  wanted: { path: string; name: string }[],
  run: (names: string[]) => Promise<BatchRun>,
): Promise<Map<string, Blob>>;
function batchUntilDone(
  wanted: { path: string; name: string }[],
  run: (names: string[]) => BatchRun | Promise<BatchRun>,
): Map<string, Blob> | Promise<Map<string, Blob>> {
  const out = new Map<string, Blob>();
  let rest = wanted;
  // Returns the batch still to ask for, or undefined when done.
  const take = (r: BatchRun): typeof wanted | undefined => {
    const { got, answered } = parseBatch(r.out, rest);
    for (const [p, b] of got) out.set(p, b);
    if (r.ok || answered >= rest.length) return undefined;
    // Dying without naming an object is not about one file: a broken repository is an error.
    if (!/\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b/.test(r.err)) throw new Error(`git cat-file --batch failed: ${r.err}`);
    const failed = rest[answered] as { path: string };
    out.set(failed.path, { unread: unreadableBlob(r.err) });
    return rest.slice(answered + 1);
  };
  const first = run(rest.map((w) => w.name));
  if (!(first instanceof Promise)) {
    let r: BatchRun = first;
    for (;;) {
      const next = take(r);
      if (!next?.length) return out;
      rest = next;
      r = run(rest.map((w) => w.name)) as BatchRun;
    }
  }
  return (async () => {
    let r = await first;
    for (;;) {
      const next = take(r);
      if (!next?.length) return out;
      rest = next;
      r = await run(rest.map((w) => w.name));
    }
  })();
}

/** Why git could not give an object, from what it said when it died. */
function unreadableBlob(err: string): string {
  const said = err
    .split('\n')
    .map((l) =>
      l
        .trim()
        .replace(/^(?:fatal|error): /, '')
        .replace(/\.$/, ''),
    )
    .filter((l) => l !== '' && !/^please make sure|^and the repository exists/i.test(l))
    .join('; ');
  return /promisor remote/i.test(said)
    ? `its contents are not in this partial clone and could not be fetched (${said}); fetch with the remote reachable, then run lint again`
    : `git could not read its contents (${said || 'git cat-file --batch failed'})`;
}

/** `git cat-file --batch` without blocking, for objects named by blob id or `:<path>`. */
function catBlobs(root: string, wanted: { path: string; name: string }[]): Promise<Map<string, Blob>> {
  if (wanted.length === 0) return Promise.resolve(new Map());
  return batchUntilDone(
    wanted,
    (names) =>
      new Promise<BatchRun>((resolve, reject) => {
        const child = spawn('git', ['cat-file', '--batch'], {
          cwd: root,
          env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.on('error', reject);
        // git may die before reading all its input: its closed pipe is not an error of ours.
        child.stdin.on('error', () => undefined);
        child.on('close', (code) =>
          resolve({ ok: code === 0, out: Buffer.concat(out), err: Buffer.concat(err).toString('utf8').trim() }),
        );
        child.stdin.end(`${names.join('\n')}\n`);
      }),
  );
}

/**
 * What cat-file answered in full of the objects wanted, by path (one that is missing, or is not
 * a blob, is gone from the index), and how many of them that is.
 */
function parseBatch(
  buf: Buffer,
  wanted: { path: string; name: string }[],
): { got: Map<string, Blob>; answered: number } {
  const got = new Map<string, Blob>();
  const answers = parseCatFileBatch(
    buf,
    wanted.map((w) => w.name),
  );
  answers.forEach((a, i) => {
    const { path } = wanted[i] as { path: string };
    got.set(path, 'data' in a && a.type === 'blob' ? { data: a.data } : { gone: true });
  });
  return { got, answered: answers.length };
}

/**
 * One `git cat-file --batch` for every file asked for, each named `:<path>` (its stage-0
 * index entry), so unchanged files (a require rule's artifact) come from the index too.
 */
function readBlobs(root: string, paths: string[], maxBytes: number): Map<string, ReadResult> {
  const out = new Map<string, ReadResult>();
  const named: { path: string; name: string }[] = [];
  for (const path of paths) {
    if (!path.includes('\n')) {
      // `:./<path>`: relative to the governed root, which may be a folder below the top.
      named.push({ path, name: `:./${path}` });
      continue;
    }
    // A name with a line break cannot be given on cat-file's line-based input: its blob id can.
    const id = stagedBlobId(root, path);
    // It is in the index (the universe is the index's): not finding it is a read that failed,
    // not a file that is not there, which a require rule would take for one without the pattern.
    if (id === undefined) {
      out.set(path, { ok: false, reason: 'its name holds a line break, and git did not give its blob', unread: true });
    } else named.push({ path, name: id });
  }
  for (const [p, r] of readObjects(root, named, maxBytes)) out.set(p, r);
  return out;
}

/** The blob id of the stage-0 index entry of `path`, asked of git by a literal pathspec. */
function stagedBlobId(root: string, path: string): string | undefined {
  // GIT_LITERAL_PATHSPECS=1 in the environment would take `:(literal)` for part of the name.
  const r = git(root, ['ls-files', '-s', '-z', '--', `:(literal)${path}`], undefined, { GIT_LITERAL_PATHSPECS: '0' });
  for (const rec of r.ok ? zList(r.out) : []) {
    const tab = rec.indexOf('\t');
    const [, id, stage] = rec.slice(0, tab).split(' ');
    if (stage === '0' && rec.slice(tab + 1) === path && id) return id;
  }
  return undefined;
}

/** One blocking `git cat-file --batch` for the objects named (a blob id or `:./<path>`), by the path each stands for. */
function readObjects(
  root: string,
  wanted: { path: string; name: string }[],
  maxBytes: number,
): Map<string, ReadResult> {
  const out = new Map<string, ReadResult>();
  if (wanted.length === 0) return out;
  const blobs = batchUntilDone(wanted, (names) => git(root, ['cat-file', '--batch'], `${names.join('\n')}\n`));
  for (const [p, blob] of blobs) out.set(p, sizeChecked(blob, maxBytes));
  return out;
}

/** The merge base of `since` and `head`, or a halt saying why there is none. */
function mergeBase(root: string, since: string, head: string, info: ScopeInfo): string | Snapshot {
  const sinceId = commitId(root, since);
  if (sinceId === undefined) {
    // No ref to fetch: the branch checked out has no commit yet, or the clone's history was cut.
    const unborn = unbornName(root, since);
    if (unborn !== undefined)
      return haltSnapshot(info, 'missing', unbornHead(unborn, 'there is nothing to diff against'));
    if (isShallow(root)) {
      return haltSnapshot(
        info,
        'missing',
        `git ref '${since}' does not exist in this shallow clone, so there is nothing to diff against; ${FETCH_FULL_HISTORY}, or fix --changed-since`,
      );
    }
    return haltSnapshot(
      info,
      'missing',
      `git ref '${since}' does not exist in this clone, so there is nothing to diff against; ${fetchAdvice(root, since, { flag: '--changed-since', fix: 'fix --changed-since' })}`,
    );
  }
  const headId = commitId(root, head);
  if (headId === undefined) return haltSnapshot(info, 'missing', unbornHead(head, 'there is nothing to diff'));
  const mb = git(root, ['merge-base', sinceId, headId]);
  if (!mb.ok) {
    return haltSnapshot(
      info,
      'missing',
      isShallow(root)
        ? `no merge base between '${since}' and ${head} in this shallow clone; ${FETCH_FULL_HISTORY}`
        : `'${since}' and ${head} have no common ancestor, so there is no base to diff against`,
    );
  }
  return mb.out.toString('utf8').trim();
}

function isShallow(root: string): boolean {
  return git(root, ['rev-parse', '--is-shallow-repository']).out.toString().trim() === 'true';
}

/**
 * When `rev` names the branch checked out (HEAD, @ or the branch's name, with or without a
 * `~n` / `^n` after it) and that branch has no commit yet, the name as given; else undefined.
 */
function unbornName(root: string, rev: string): string | undefined {
  return unbornBranch(root, rev) === undefined ? undefined : rev.replace(/[~^].*$/s, '');
}

/** A new repository or an orphan branch: HEAD names a branch with no commit yet. */
function unbornHead(head: string, what: string): string {
  return `${head} has no commit yet (a new repository or an orphan branch), so ${what}; commit first, or lint the working tree (lint, or lint --staged)`;
}

async function changedSnapshot(root: string, since: string): Promise<Snapshot> {
  const info: ScopeInfo = { kind: 'changed', since };
  const listed = await workingTreeFiles(root);
  if ('err' in listed) return notARepo(info, root, listed.err);
  const { files, tree } = listed;
  const base = mergeBase(root, since, 'HEAD', info);
  if (typeof base !== 'string') return base;
  info.base = base;
  const diff = git(root, ['diff', '--name-only', '-z', '--relative', '--no-renames', '--diff-filter=ACMRT', base]);
  if (!diff.ok) return haltSnapshot(info, 'error', `git diff ${base} failed: ${diff.err}`);
  const untracked = git(root, ['ls-files', '-z', '-o', '--exclude-standard']);
  const inTree = new Set(files);
  const targets = sorted([...zList(diff.out), ...zList(untracked.out)].filter((p) => inTree.has(p)));
  return workingTreeSnapshot(info, tree, files, targets);
}

/**
 * The files of one commit, read from git, not from the working tree: what a pre-push hook
 * must judge, since the commits pushed need not be what is checked out.
 */
async function commitSnapshot(root: string, rev: string, since: string | undefined): Promise<Snapshot> {
  const info: ScopeInfo = { kind: 'commit', rev, ...(since !== undefined ? { since } : {}) };
  const commit = commitId(root, rev);
  if (commit === undefined) {
    const top = git(root, ['rev-parse', '--show-toplevel']);
    if (!top.ok) return notARepo(info, root, top.err);
    const unborn = unbornName(root, rev);
    if (unborn !== undefined) return haltSnapshot(info, 'missing', unbornHead(unborn, 'there is no commit to check'));
    if (isShallow(root)) {
      return haltSnapshot(
        info,
        'missing',
        `commit '${rev}' does not exist in this shallow clone; ${FETCH_FULL_HISTORY}, or fix --commit`,
      );
    }
    return haltSnapshot(
      info,
      'missing',
      `commit '${rev}' does not exist in this clone; ${fetchAdvice(root, rev, { flag: '--commit', fix: 'fix --commit' })}`,
    );
  }
  info.commit = commit;
  // "<mode> blob <id>\t<path>\0" for every file of the commit's tree.
  // From the governed root: its files, relative to it (it may be a folder below the top).
  const tree = git(root, ['ls-tree', '-r', '-z', commit]);
  if (!tree.ok) return haltSnapshot(info, 'error', `git ls-tree ${commit} failed: ${tree.err}`);
  const ids = new Map<string, string>();
  const modes: [string, string][] = [];
  for (const rec of zList(tree.out)) {
    const tab = rec.indexOf('\t');
    const [mode, type, id] = rec.slice(0, tab).split(' ');
    // Regular files only: a symlink holds a target, a submodule no contents here.
    if (type === 'blob' && id && (mode === '100644' || mode === '100755')) ids.set(rec.slice(tab + 1), id);
    else if (mode !== undefined) modes.push([rec.slice(tab + 1), mode]);
  }
  // Named as not read where a rule applies to them, as the working tree names them.
  const special = notRead(modes, ([, mode]) => mode);
  const universe = sorted(ids.keys());
  let targets = special.size ? sorted([...universe, ...special.keys()]) : universe;
  if (since !== undefined) {
    const base = mergeBase(root, since, commit, info);
    if (typeof base !== 'string') return base;
    info.base = base;
    const diff = git(root, [
      'diff',
      '--name-only',
      '-z',
      '--relative',
      '--no-renames',
      '--diff-filter=ACMRT',
      base,
      commit,
    ]);
    if (!diff.ok) return haltSnapshot(info, 'error', `git diff ${base} ${commit} failed: ${diff.err}`);
    targets = sorted(zList(diff.out).filter((p) => ids.has(p) || special.has(p)));
  }
  return {
    info,
    universe,
    targets,
    // A required file the push lacks may be on disk, left out of the commit: say so.
    whyAbsent: (path) => whyAbsent(new WorkingTree(root), path, { commit }),
    read: (ps, max) => {
      const out = new Map<string, ReadResult>();
      const wanted = ps.flatMap((path) => {
        const id = ids.get(path);
        const kind = id === undefined ? special.get(path) : undefined;
        if (id === undefined) out.set(path, { ok: false, gone: true, ...(kind !== undefined ? { reason: kind } : {}) });
        return id === undefined ? [] : [{ path, name: id }];
      });
      for (const [p, r] of readObjects(root, wanted, max)) out.set(p, r);
      return out;
    },
  };
}

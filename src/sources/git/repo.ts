/**
 * Low-level, read-only questions about a git repository, each answered "as of" a commit.
 *
 * The sources above this module decide what an answer means for a gate; this module only
 * reports facts and never throws for an expected condition (no such ref, no such path, an
 * empty repository): those come back as `undefined` or as a typed state.
 *
 * An instance is a snapshot: every answer is memoised, so build a new instance when the
 * repository changes underneath it (one instance per CLI run).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimpleGit, SimpleGitOptions } from 'simple-git';
import { type BatchAnswer, parseCatFileBatch } from '../../util/cat-file.js';
import { CLOCK_SLACK_MS } from '../../util/clock.js';
import { GIT_CONFIG_PINS, pinnedGit } from '../../util/git-config.js';
import { OBJECT_ID, peelApart } from '../../util/git-ref.js';

export type Scope = 'mainline' | 'all';

export interface CommitInfo {
  sha: string;
  authorName: string;
  authorEmail: string;
  /** Committer date, ISO 8601 in UTC: the instant the commit entered history. */
  date: string;
  /**
   * Author date, ISO 8601 in UTC: when the change was written. A rebase, a cherry-pick or an
   * amend keeps it while the committer date moves on. Absent where the history came from
   * somewhere that does not record it.
   */
  authorDate?: string;
  subject: string;
}

export interface HistoryCommit extends CommitInfo {
  /**
   * Position in the walked history, 0 = oldest. The walk is ancestry-respecting (a parent
   * always has a lower ordinal than its children), so ordinals order events even when
   * committer dates are equal or skewed.
   */
  ordinal: number;
  /** The touched files that matched the query's globs (empty for message-only queries). */
  files: string[];
}

/** A person as a commit or a trailer names them. */
export interface Identity {
  name: string;
  email: string;
}

/** A commit that wrote (added or modified) a file a query asked about, with whoever wrote it with its author. */
export interface WritingCommit extends HistoryCommit {
  /** The people its message's `Co-authored-by:` trailers name. */
  coAuthors: Identity[];
  /**
   * Its author and co-authors as the repository's `.mailmap` names them (git's `%aN <%aE>` and
   * `git check-mailmap`), in the same order: each as recorded when it maps nothing.
   */
  mailmapped: { author: Identity; coAuthors: Identity[] };
  /** A merge commit: it is listed only for the lines it wrote itself (see GitRepo.commitsWriting). */
  merge: boolean;
}

export type RepoState =
  | { kind: 'repo'; root: string; bare: boolean; shallow: boolean; hasCommits: boolean }
  | {
      kind: 'not_a_repo';
      message: string;
      /** git itself could not be run (not installed, or not on PATH): the folder may well be a repository. */
      noGit?: boolean;
    };

export type PathKind = 'file' | 'directory' | 'symlink' | 'submodule';

/** Which history a query walks: the first-parent chain of `sha`, or every ref as of `asOf`. */
export interface HistoryScope {
  /** The resolved commit (see resolveAsOf). */
  sha: string;
  scope: Scope;
  asOf: Date;
}

/** A commit filter: it must touch a file matching one of `globs` and/or have a message matching `pattern`. */
export interface CommitFilter {
  globs?: string[];
  pattern?: RegExp;
  /** Commits passed over (full ids): an order rule's waivers. */
  except?: readonly string[];
}

export interface GitHistory {
  /** The directory the instance was opened on. */
  readonly dir: string;
  state(): Promise<RepoState>;
  isShallow(): Promise<boolean>;
  hasCommits(): Promise<boolean>;
  refExists(ref: string): Promise<boolean>;
  /** The last commit on the first-parent chain of `ref` whose committer date is <= asOf. */
  resolveAsOf(ref: string, asOf: Date): Promise<CommitInfo | undefined>;
  /** What a literal path is at a commit, or undefined when it does not exist there. */
  pathKind(sha: string, literalPath: string): Promise<PathKind | undefined>;
  pathExists(sha: string, literalPath: string): Promise<boolean>;
  findCommit(filter: CommitFilter, h: HistoryScope, which: 'first' | 'last'): Promise<HistoryCommit | undefined>;
  /**
   * On the mainline, the commit from which a path matching `globs` has existed without a break
   * through ordinal `upTo` (default: the newest): after a deletion, the commit that brought one
   * back. Undefined when none exists then, or when the scope is not the mainline.
   */
  presentSince(globs: string[], h: HistoryScope, upTo?: number): Promise<HistoryCommit | undefined>;
  firstCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined>;
  /**
   * Every commit reachable from `sha`, merged branches included, that added or modified a file
   * matching `globs` (a deletion writes nothing), oldest first, each with its co-authors. A
   * merge is one only where it wrote lines of its own (see GitRepo.commitsWriting).
   */
  commitsWriting(globs: string[], sha: string): Promise<WritingCommit[]>;
  /** People as the repository's `.mailmap` names them (`git check-mailmap`), in order; each as given when it maps nothing. */
  mailmap(people: readonly Identity[]): Promise<Identity[]>;
  lastCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined>;
  firstCommitMatching(pattern: RegExp, h: HistoryScope): Promise<HistoryCommit | undefined>;
  /** Files (not directories) in the tree of `sha` matching `glob`, sorted. */
  filesAt(sha: string, glob: string): Promise<string[]>;
  /**
   * Files, links and submodules in the tree of `sha` matching `glob`, sorted: what a glob finds
   * present, as pathExists finds a literal path (a submodule has no content for filesAt to read).
   */
  pathsAt?(sha: string, glob: string): Promise<string[]>;
  /** Content of a regular file at a commit, or undefined when there is none. */
  fileAt(sha: string, literalPath: string): Promise<string | undefined>;
  /** Commits reachable from `sha` that touched exactly this path, newest first. */
  commitsTouchingFile(sha: string, literalPath: string): Promise<CommitInfo[]>;
  /** The newest of those commits only: `git log -1` stops at the first, instead of walking all history. */
  lastCommitTouchingFile(sha: string, literalPath: string): Promise<CommitInfo | undefined>;
  /**
   * A commit in the history of `sha`, merged branches included, dated after `asOf`; undefined when
   * none is. The whole history is walked, so ask it only of an instant in the past.
   */
  laterAncestor?(sha: string, asOf: Date): Promise<CommitInfo | undefined>;
  /** The commit `ref` points at, whatever its date (resolveAsOf may pass it over). */
  tipOf?(ref: string): Promise<CommitInfo | undefined>;
  /** Branch names (local and remote-tracking), when the implementation can list them. */
  branches?(): Promise<string[]>;
  /** The target of a symbolic link at a commit, as the link holds it; undefined when the path is no link. */
  linkAt?(sha: string, literalPath: string): Promise<string | undefined>;
  /** What became of a path gone from the tree of `sha` (see GitRepo.pathFate), when the implementation can tell. */
  pathFate?(sha: string, literalPath: string): Promise<{ commit: string; renamedTo?: string } | undefined>;
  /** Reverts of `sha` made off the mainline of h, each with the mainline commit that merged it (see GitRepo.revertsMergedIn). */
  revertsMergedIn?(sha: string, h: HistoryScope): Promise<{ revert: string; via: HistoryCommit }[]>;
  /**
   * The last of the consecutive mainline commits from `c` on that share its commit date (to the
   * second): a rebase-and-merge re-commits a pull request's commits in one go, so they landed
   * together (see GitRepo.landedWith).
   */
  landedWith?(c: HistoryCommit, h: HistoryScope): Promise<HistoryCommit>;
  /** The commit written first (by author date), merges aside, in `tip`'s history but not `base`'s that touched `globs` (see GitRepo.firstTouchBetween). */
  firstTouchBetween?(globs: string[], tip: string, base: string | undefined): Promise<CommitInfo | undefined>;
}

import { GLOB_CHARS as GLOB_CHARS_LOCAL, matchSorted, normalisePath, pathMatcher } from '../../util/globs.js';

// Re-exported: the git sources have always offered these; they live with the other glob code.
export { GLOB_CHARS, matchSorted, normalisePath, pathMatcher } from '../../util/globs.js';

/**
 * What `pattern` finds present in the tree of `sha`: the files, links and submodules a glob
 * matches (sorted), or the literal path itself when it is there, as the history counts both.
 */
export async function presentPaths(repo: GitHistory, sha: string, pattern: string): Promise<string[]> {
  if (!GLOB_CHARS_LOCAL.test(pattern)) return (await repo.pathExists(sha, pattern)) ? [pattern] : [];
  // A history without pathsAt (a test's fake) has no submodules: its files are all it holds.
  return (repo.pathsAt ?? repo.filesAt).call(repo, sha, pattern);
}

/** A commit as loaded: only what queries need; the rest of CommitInfo is derived for the few reported. */
export interface LoadedCommit {
  sha: string;
  authorName: string;
  authorEmail: string;
  time: number;
  /** Author date, ms since the epoch. */
  authorTime: number;
  message: string;
  files: string[];
  /**
   * One status letter per entry of `files` (A, M, D, T…) against the first parent, when the
   * walk asked for them (`--name-status`); empty otherwise.
   */
  status: string;
  /** The author as `.mailmap` names them, and how many parents the commit has, when read with WRITER_FORMAT. */
  mailmapped?: Identity;
  parents?: number;
}

/** A commit's tree: what each path is, and its files (not directories), sorted. */
interface Tree {
  entries: Map<string, PathKind>;
  files: string[];
  /** Files, links and submodules: every entry but a directory, sorted. */
  paths: string[];
  /** The object id of each file and symbolic link, by path: its content is asked for by id. */
  blobs: Map<string, string>;
}

/** A loaded history, newest first, with the commits touching each path (indexes, ascending). */
interface LoadedHistory {
  commits: LoadedCommit[];
  byPath: Map<string, number[]>;
  /** The keys of byPath, sorted (see matchSorted). */
  paths: string[];
}

function indexHistory(commits: LoadedCommit[]): LoadedHistory {
  const byPath = new Map<string, number[]>();
  commits.forEach((c, i) => {
    for (const f of c.files) {
      const touches = byPath.get(f);
      if (!touches) byPath.set(f, [i]);
      else if (touches[touches.length - 1] !== i) touches.push(i);
    }
  });
  return { commits, byPath, paths: [...byPath.keys()].sort() };
}

/** Starts each record; a git path can never begin with '/', so it cannot be mistaken for a file name. */
const RECORD = '/C';
const LOG_FORMAT = `--format=${RECORD}%x00%H%x00%an%x00%ae%x00%ct%x00%at%x00%B%x00`;
const HEADER_FIELDS = 6;
/** LOG_FORMAT, then the author as `.mailmap` names them and the parents: what a question of authorship needs. */
const WRITER_FORMAT = `--format=${RECORD}%x00%H%x00%an%x00%ae%x00%ct%x00%at%x00%B%x00%aN%x00%aE%x00%P%x00`;
const WRITER_FIELDS = 9;

/**
 * Parses `git log -z --name-only` (or `--name-status`) with LOG_FORMAT, token by token. Tokens
 * are NUL-separated: the record marker, the header fields, then the touched files (the first
 * token prefixed by the newline git writes between the message and the file list), each after
 * its status letter with `--name-status`.
 */
class LogParser {
  readonly commits: LoadedCommit[] = [];
  private header: string[] | undefined;
  private files: string[] = [];
  private status = '';
  /** The next file token is a status letter (with `--name-status`). */
  private wantStatus = false;
  private first = true;

  constructor(
    private readonly withStatus: boolean,
    private readonly fields = HEADER_FIELDS,
  ) {}

  token(raw: string): void {
    // Header fields are positional: a message that reads "/C" is still a message.
    if (this.header && this.header.length < this.fields) {
      this.header.push(raw);
      return;
    }
    if (raw === RECORD) {
      this.flush();
      this.header = [];
      this.files = [];
      this.status = '';
      this.wantStatus = this.withStatus;
      this.first = true;
      return;
    }
    if (!this.header) return;
    let t = raw;
    if (this.first && t.startsWith('\n')) {
      t = t.slice(1);
      this.first = false;
    }
    if (t === '') return;
    if (this.withStatus) {
      this.wantStatus = !this.wantStatus;
      // Without rename detection every status is one letter; the path follows it.
      if (!this.wantStatus) {
        this.status += t.charAt(0);
        return;
      }
    }
    this.files.push(t);
  }

  end(): LoadedCommit[] {
    this.flush();
    return this.commits;
  }

  private flush(): void {
    if (!this.header) return;
    const [sha = '', authorName = '', authorEmail = '', ct = '0', at = '0', message = '', ...writer] = this.header;
    const msg = message.endsWith('\n') ? message.replace(/\n+$/, '') : message;
    const c: LoadedCommit = {
      sha,
      authorName,
      authorEmail,
      time: Number(ct) * 1000,
      authorTime: Number(at) * 1000,
      message: msg,
      files: this.files,
      status: this.status,
    };
    if (this.fields === WRITER_FIELDS) {
      const [name = '', email = '', parents = ''] = writer;
      c.mailmapped = { name, email };
      c.parents = parents.split(' ').filter((p) => p !== '').length;
    }
    this.commits.push(c);
    this.header = undefined;
  }
}

export function parseLog(out: string, withStatus = false, fields = HEADER_FIELDS): LoadedCommit[] {
  const parser = new LogParser(withStatus, fields);
  // Walked with indexOf rather than split: a large history has hundreds of thousands of tokens.
  let start = 0;
  for (let end = out.indexOf('\0'); end !== -1; end = out.indexOf('\0', start)) {
    parser.token(out.slice(start, end));
    start = end + 1;
  }
  parser.token(out.slice(start));
  return parser.end();
}

/**
 * Runs `git log` in `cwd` with its output going to an anonymous temporary file rather than
 * a pipe, then parses it. A pipe fills in 64 KiB and stops git whenever this process is
 * busy (validating the spec, say); a file never does, so the walk, the longest step of a
 * run, goes at full speed alongside the rest. The file is unlinked as soon as it is open:
 * nothing is left behind, whatever happens to either process.
 */
async function loadLog(cwd: string, args: string[]): Promise<LoadedCommit[]> {
  const withStatus = args.includes('--name-status');
  const fields = args.includes(WRITER_FORMAT) ? WRITER_FIELDS : HEADER_FIELDS;
  const dir = await mkdtemp(join(tmpdir(), 'rfcgate-log-'));
  const file = join(dir, 'log');
  const out = await open(file, 'w+');
  try {
    await rm(dir, { recursive: true, force: true });
    await new Promise<void>((resolve, reject) => {
      const child = spawn('git', pinnedGit(args), { cwd, stdio: ['ignore', out.fd, 'pipe'] });
      let stderr = '';
      // stdio[2] is 'pipe', so stderr exists; the type cannot know that.
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        if (stderr.length < 4096) stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code === 0) return resolve();
        const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit code ${String(code)}`);
        // Before 2.31 git knows no --diff-merges, and shows a merge with no files under
        // --first-parent: a deliverable landed by a merge would go unseen, not be refused.
        if (/\bdiff-merges\b/.test(why)) {
          reject(
            new Error(
              `this git is older than 2.31 (it knows no --diff-merges), which rfcgate needs to read the files a merge brought into the mainline; install git 2.31 or later (${why.split('\n')[0] ?? ''})`,
            ),
          );
          return;
        }
        reject(new Error(`git ${args[0] ?? ''}: ${why}`));
      });
    });
    // git shares the file offset: read by position, not from "the current one".
    const { size } = await out.stat();
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await out.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return parseLog(buf.toString('utf8', 0, got), withStatus, fields);
  } finally {
    await out.close();
  }
}

export function commitInfo(c: LoadedCommit): CommitInfo {
  return {
    sha: c.sha,
    authorName: c.authorName,
    authorEmail: c.authorEmail,
    date: new Date(c.time).toISOString(),
    authorDate: new Date(c.authorTime).toISOString(),
    subject: c.message.split('\n', 1)[0] ?? '',
  };
}

/**
 * The co-authors a commit message names in `Co-authored-by: Name <email>` trailers, which
 * GitHub writes for a squashed pull request's other authors and for pairing. Trailers are read
 * from the message's last paragraph, as git reads them; the subject is never one.
 */
export function coAuthorsOf(message: string): Identity[] {
  const paragraphs = message.trimEnd().split(/\n[ \t]*\n/);
  if (paragraphs.length < 2) return [];
  const out: Identity[] = [];
  for (const line of (paragraphs[paragraphs.length - 1] ?? '').split('\n')) {
    const m = /^co-authored-by[ \t]*:[ \t]*(.*?)[ \t]*<([^<>\s]+)>[ \t]*$/i.exec(line);
    if (m) out.push({ name: m[1] ?? '', email: m[2] ?? '' });
  }
  return out;
}

/** When this process started: every commit the clone holds was made before it. */
const STARTED = Math.floor(performance.timeOrigin);

/**
 * The latest committer date that counts as of `asOf`. An instant no earlier than this run's
 * start (the default, now) has every commit of the clone behind it, so a tip dated a few minutes
 * ahead was made on a clock that runs fast, not after the instant: it counts, within the slack an
 * --as-of ahead of the clock is given. An instant in the past is exact.
 */
function committedBy(asOf: Date): Date {
  const t = asOf.getTime();
  return t < STARTED ? asOf : new Date(Math.max(t, STARTED + CLOCK_SLACK_MS));
}

/**
 * The instant as git's date parser reads it exactly, to the whole second, so a commit at
 * exactly asOf still counts. Not `@<seconds>`: git takes
 * a number of fewer than nine digits for something other than epoch seconds, so an instant
 * before 1973-03-03 bounded nothing and the whole history counted as of 1970.
 */
function gitInstant(asOf: Date): string {
  const s = new Date(Math.floor(asOf.getTime() / 1000) * 1000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)} +0000`;
}

/** The folders of a path or glob before its first wildcard (`docs/profile-*.md` → `docs`); '' when it starts with one. */
function literalFolder(glob: string): string {
  const g = normalisePath(glob);
  if (!GLOB_CHARS_LOCAL.test(g)) return g;
  const parts = g.split('/');
  const wild = parts.findIndex((part) => GLOB_CHARS_LOCAL.test(part));
  return parts.slice(0, wild).join('/');
}

/**
 * Pathspecs narrowing a `git log` to the literal folders of `globs` (none when a glob starts
 * with a wildcard); what git then lists is matched as every other history query matches.
 */
function literalFolderSpecs(globs: string[]): string[] {
  const folders = globs.map(literalFolder);
  return folders.includes('') ? [] : [...new Set(folders)].map((f) => `:(literal)${f}`);
}

/**
 * The one folder every file a commit removed from `folder` went to, each under the same path
 * inside it (`git mv a/golden b/golden`): `b/golden`. git pairs renames file by file, so a
 * folder is never renamed as such; a file whose content changed too much (or an empty one,
 * which git never pairs) shows as deleted and added again, and counts as moved when it was
 * added at its place in that folder. Undefined when the commit removed nothing from the folder,
 * deleted any of it outright, or spread it over several folders.
 */
export function movedFolder(
  folder: string,
  renamed: readonly (readonly [from: string, to: string])[],
  deleted: readonly string[],
  added: readonly string[],
): string | undefined {
  const prefix = `${folder}/`;
  const inside = (path: string): string | undefined =>
    path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
  // The folder a file went to, when it kept its path inside it.
  const under = (to: string, rel: string): string | undefined =>
    to.endsWith(`/${rel}`) ? to.slice(0, -rel.length - 1) : undefined;
  let target: string | undefined;
  let moved = 0;
  const agree = (to: string | undefined): boolean => {
    if (to === undefined || to === '' || to === folder || (target !== undefined && to !== target)) return false;
    target = to;
    moved++;
    return true;
  };
  for (const [from, to] of renamed) {
    const rel = inside(from);
    if (rel !== undefined && !agree(under(to, rel))) return undefined;
  }
  const gone = deleted.flatMap((d) => {
    const rel = inside(d);
    return rel === undefined ? [] : [rel];
  });
  for (const rel of gone) {
    // Re-added under the folder the renamed files went to; with none renamed, under the one
    // folder every deleted file was added again in.
    const to = target !== undefined ? `${target}/${rel}` : added.find((a) => under(a, rel) !== undefined);
    if (to === undefined || !added.includes(to) || !agree(under(to, rel))) return undefined;
  }
  return moved ? target : undefined;
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = load();
    // A failed load (a killed process, a transient error) must not poison later queries.
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/**
 * simple-git takes a git that exits non-zero as failed only when it wrote to stderr, and a git
 * killed by a signal (no exit code) as done: either would hand back a cut listing or history
 * as if it were whole, and a missing path would read as absent. Any exit but 0 fails here.
 */
const strictErrors: SimpleGitOptions['errors'] = (error, result) => {
  if (error || result.exitCode === 0) return error;
  const stderr = Buffer.concat(result.stdErr).toString('utf8').trim();
  // The exit code is null at run time when a signal ended the process, whatever the type says.
  const code = (result.exitCode as number | null) ?? undefined;
  return new Error(
    stderr ||
      (code === undefined
        ? 'git was ended by a signal before it finished'
        : `git exited with code ${code} and said nothing`),
  );
};

/**
 * Reads blobs by object id, many to a `git cat-file --batch`: each git process costs the caller
 * a fork of itself (~13 ms of the main thread for a large Node process), and a gate check asks
 * for its documents and attestations together. Ids asked for in the same turn of the event loop,
 * or while a batch is running, go to the next process, all on its stdin at once; stdin is then
 * closed, so git answers and exits. An id it did not answer comes back undefined.
 */
class BlobBatch {
  private waiting: { oid: string; done: (data: Buffer | undefined) => void }[] = [];
  private busy = false;

  /** `cwd`: where the repository's other git commands run (its root), with this process's environment. */
  constructor(private readonly cwd: string) {}

  read(oid: string): Promise<Buffer | undefined> {
    return new Promise((done) => {
      this.waiting.push({ oid, done });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy) return;
    this.busy = true;
    setImmediate(() => {
      const batch = this.waiting;
      this.waiting = [];
      void catFileBatch(
        this.cwd,
        batch.map((r) => r.oid),
      ).then((got) => {
        batch.forEach((r, i) => r.done(got[i]));
        this.busy = false;
        if (this.waiting.length) this.schedule();
      });
    });
  }
}

/**
 * A person as `git check-mailmap` reads one: `Name <email>`, or `<email>` alone when the name
 * is empty or holds what would break the line apart.
 */
function contact(p: Identity): string {
  return p.name.trim() === '' || /[<>\n]/.test(p.name) ? `<${p.email}>` : `${p.name.trim()} <${p.email}>`;
}

/** Runs git in `cwd` with `input` on its stdin; its stdout, or git's own words when it fails. */
function gitWithInput(cwd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', pinnedGit(args), { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit code ${String(code)}`);
      reject(new Error(`git ${args[0] ?? ''}: ${why}`));
    });
    // git may die before reading all its input: its closed pipe is not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/**
 * One `git cat-file --batch` over `oids`: the content of each, in order, undefined for any it
 * did not answer in full with a blob of that very id (missing, corrupt, git dying part way or
 * not starting). Never rejects.
 */
function catFileBatch(cwd: string, oids: readonly string[]): Promise<(Buffer | undefined)[]> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    // Whatever came out, once git has gone or could not start: a second call changes nothing.
    const settle = () => resolve(parseBatch(Buffer.concat(chunks), oids));
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', settle);
    child.on('close', settle);
    // git may die before reading all its input: its closed pipe is not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${oids.join('\n')}\n`);
  });
}

/**
 * The blobs of a `git cat-file --batch` answer over `oids`, in order: undefined for one git does
 * not have, and for every one from the first answer that is cut short or is not a blob.
 */
export function parseBatch(out: Buffer, oids: readonly string[]): (Buffer | undefined)[] {
  const got: (Buffer | undefined)[] = oids.map(() => undefined);
  const answers = parseCatFileBatch(out, oids);
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i] as BatchAnswer;
    if ('missing' in a) continue;
    if (a.type !== 'blob') break;
    got[i] = a.data;
  }
  return got;
}

export class GitRepo implements GitHistory {
  private git: SimpleGit | undefined;
  private statePromise: Promise<RepoState> | undefined;
  private readonly refs = new Map<string, Promise<string | undefined>>();
  private readonly resolved = new Map<string, Promise<CommitInfo | undefined>>();
  private readonly histories = new Map<string, Promise<LoadedHistory>>();
  private readonly finds = new Map<string, Promise<HistoryCommit | undefined>>();
  private readonly presences = new Map<string, Promise<{ runs: [number, number][]; matching: Set<string> }>>();
  private readonly trees = new Map<string, Promise<Tree>>();
  private readonly fileLogs = new Map<string, Promise<CommitInfo[]>>();
  private readonly lastTouches = new Map<string, Promise<CommitInfo | undefined>>();
  private readonly blobs = new Map<string, Promise<string | undefined>>();
  private readonly sideReverts = new Map<string, Promise<Map<string, string[]>>>();
  private readonly mergedBy = new Map<string, Promise<string | undefined>>();
  private readonly ordinals = new Map<string, Promise<Map<string, number>>>();
  private readonly writers = new Map<string, Promise<WritingCommit[]>>();
  private readonly mailmaps = new Map<string, Promise<Identity>>();
  private readonly laterAncestors = new Map<string, Promise<CommitInfo | undefined>>();
  private batch: BlobBatch | undefined;

  constructor(
    readonly dir: string,
    private readonly options: { maxConcurrentProcesses?: number } = {},
  ) {}

  state(): Promise<RepoState> {
    this.statePromise ??= this.loadState();
    return this.statePromise;
  }

  private async loadState(): Promise<RepoState> {
    try {
      const s = await stat(this.dir).catch(() => undefined);
      if (!s?.isDirectory()) return { kind: 'not_a_repo', message: `${this.dir} is not a directory` };
      // Loaded here, not at the top: modules that only want this file's path helpers stay light.
      const { simpleGit } = await import('simple-git');
      const probe = simpleGit({ baseDir: this.dir, errors: strictErrors, config: [...GIT_CONFIG_PINS] });
      const flags = (await probe.raw(['rev-parse', '--is-bare-repository', '--is-shallow-repository'])).split('\n');
      if (flags[0] !== 'true' && flags[0] !== 'false') {
        return { kind: 'not_a_repo', message: `${this.dir} is not a git repository` };
      }
      const bare = flags[0] === 'true';
      const shallow = flags[1] === 'true';
      // Paths in specs are relative to the repository root, whatever subdirectory we were given.
      const root = bare ? this.dir : (await probe.raw(['rev-parse', '--show-toplevel'])).trim();
      this.git = simpleGit({
        baseDir: root,
        maxConcurrentProcesses: this.options.maxConcurrentProcesses ?? 6,
        errors: strictErrors,
        config: [...GIT_CONFIG_PINS],
      });
      const any = (await this.git.raw(['rev-list', '-n', '1', '--all'])).trim();
      return { kind: 'repo', root, bare, shallow, hasCommits: any !== '' };
    } catch (e) {
      // simple-git reports a git it could not start only in its message.
      const noGit = /\bspawn git ENOENT\b/.test(e instanceof Error ? e.message : String(e));
      return { kind: 'not_a_repo', message: firstLine(e), ...(noGit ? { noGit } : {}) };
    }
  }

  private async client(): Promise<SimpleGit> {
    const st = await this.state();
    if (st.kind !== 'repo' || !this.git) throw new Error(st.kind === 'not_a_repo' ? st.message : 'not a repository');
    return this.git;
  }

  async isShallow(): Promise<boolean> {
    const st = await this.state();
    return st.kind === 'repo' && st.shallow;
  }

  async hasCommits(): Promise<boolean> {
    const st = await this.state();
    return st.kind === 'repo' && st.hasCommits;
  }

  async refExists(ref: string): Promise<boolean> {
    return (await this.refSha(ref)) !== undefined;
  }

  private refSha(ref: string): Promise<string | undefined> {
    return memo(this.refs, ref, async () => {
      // An option-looking ref would be parsed as a flag by git.
      if (ref === '' || ref.startsWith('-')) return undefined;
      const git = await this.client();
      const object = async (rev: string) => {
        const out = (await git.raw(['rev-parse', '--verify', '--quiet', rev]).catch(() => '')).trim();
        return OBJECT_ID.test(out) ? out : undefined;
      };
      if (!peelApart(ref)) return object(`${ref}^{commit}`);
      const named = await object(ref);
      return named === undefined ? undefined : object(`${named}^{commit}`);
    });
  }

  resolveAsOf(ref: string, asOf: Date): Promise<CommitInfo | undefined> {
    const until = committedBy(asOf);
    return memo(this.resolved, `${ref}\0${gitInstant(until)}`, async () => {
      // git keeps no commit dated before 1970, and its parser reads no such date.
      if (asOf.getTime() < 0) return undefined;
      const tip = await this.refSha(ref);
      if (!tip) return undefined;
      const git = await this.client();
      const out = await git.raw([
        'log',
        '-z',
        '-1',
        '--first-parent',
        `--before=${gitInstant(until)}`,
        LOG_FORMAT,
        tip,
        '--',
      ]);
      const c = parseLog(out)[0];
      return c ? commitInfo(c) : undefined;
    });
  }

  laterAncestor(sha: string, asOf: Date): Promise<CommitInfo | undefined> {
    // A commit at exactly asOf counts (to the second, as resolveAsOf reads it); one a second later does not.
    const afterMs = (Math.floor(asOf.getTime() / 1000) + 1) * 1000;
    const after = gitInstant(new Date(afterMs));
    return memo(this.laterAncestors, `${sha}\0${after}`, async () => {
      const git = await this.client();
      try {
        // --since, unlike this, stops the walk at the first older commit, and so misses deep skew.
        const c = parseLog(await git.raw(['log', '-z', '-1', `--since-as-filter=${after}`, LOG_FORMAT, sha, '--']))[0];
        return c ? commitInfo(c) : undefined;
      } catch (e) {
        // git before 2.37 dies on the option ("unrecognized argument"): every commit's date, compared here.
        if (!/since-as-filter/.test(e instanceof Error ? e.message : String(e))) throw e;
      }
      const stamps = await git.raw(['rev-list', '--timestamp', sha, '--']);
      const line = stamps.split('\n').find((l) => Number(l.slice(0, l.indexOf(' '))) * 1000 >= afterMs);
      const found = line?.slice(line.indexOf(' ') + 1) ?? '';
      if (!OBJECT_ID.test(found)) return undefined;
      const c = parseLog(await git.raw(['log', '-z', '-1', LOG_FORMAT, found, '--']))[0];
      return c ? commitInfo(c) : undefined;
    });
  }

  tipOf(ref: string): Promise<CommitInfo | undefined> {
    return memo(this.resolved, `${ref}\0tip`, async () => {
      const tip = await this.refSha(ref);
      if (!tip) return undefined;
      const git = await this.client();
      const c = parseLog(await git.raw(['log', '-z', '-1', LOG_FORMAT, tip, '--']))[0];
      return c ? commitInfo(c) : undefined;
    });
  }

  private tree(sha: string): Promise<Tree> {
    return memo(this.trees, sha, async () => {
      const git = await this.client();
      // -t lists the directories themselves too, so a literal directory path can be answered.
      const out = await git.raw(['ls-tree', '-r', '-t', '-z', '--full-tree', sha]);
      const entries = new Map<string, PathKind>();
      const blobs = new Map<string, string>();
      for (const rec of out.split('\0')) {
        const tab = rec.indexOf('\t');
        if (tab < 0) continue;
        const [mode, type, oid] = rec.slice(0, tab).split(' ');
        const kind: PathKind =
          type === 'tree' ? 'directory' : type === 'commit' ? 'submodule' : mode === '120000' ? 'symlink' : 'file';
        const path = rec.slice(tab + 1);
        entries.set(path, kind);
        if (type === 'blob' && oid) blobs.set(path, oid);
      }
      const paths = [...entries].filter(([, k]) => k !== 'directory').map(([f]) => f);
      const files = paths.filter((f) => entries.get(f) !== 'submodule');
      return { entries, files: files.sort(), paths: paths.sort(), blobs };
    });
  }

  async pathKind(sha: string, literalPath: string): Promise<PathKind | undefined> {
    const p = normalisePath(literalPath);
    if (p === '' || p === '.') return 'directory';
    return (await this.tree(sha)).entries.get(p);
  }

  async pathExists(sha: string, literalPath: string): Promise<boolean> {
    return (await this.pathKind(sha, literalPath)) !== undefined;
  }

  async filesAt(sha: string, glob: string): Promise<string[]> {
    return matchSorted((await this.tree(sha)).files, [glob]);
  }

  async pathsAt(sha: string, glob: string): Promise<string[]> {
    return matchSorted((await this.tree(sha)).paths, [glob]);
  }

  fileAt(sha: string, literalPath: string): Promise<string | undefined> {
    const p = normalisePath(literalPath);
    return memo(this.blobs, `${sha}\0${p}`, async () => {
      if ((await this.pathKind(sha, p)) !== 'file') return undefined;
      return this.blobAt(sha, p);
    });
  }

  /**
   * The content of the blob at `p` in the tree of `sha` (a file or a link), read by its id through
   * the shared `git cat-file --batch` (see BlobBatch). What that cannot give (a missing or corrupt
   * object, a git that died) is asked of `git cat-file blob <sha>:<path>` alone, so it fails as it
   * always has, with git's own words.
   */
  private async blobAt(sha: string, p: string): Promise<string> {
    const oid = (await this.tree(sha)).blobs.get(p);
    const st = await this.state();
    if (oid !== undefined && st.kind === 'repo') {
      this.batch ??= new BlobBatch(st.root);
      const data = await this.batch.read(oid);
      // Decoded as simple-git decodes its output: the same text as the single read gave.
      if (data) return data.toString('utf-8');
    }
    const git = await this.client();
    return git.raw(['cat-file', 'blob', `${sha}:${p}`]);
  }

  /**
   * A path inside a submodule of the tree of `sha` (`vendor/lib/x.py`, `vendor/lib` a submodule):
   * the submodule, the commit the tree records for it, and the path's content at that commit,
   * read from the submodule's checkout. `unreadable` says why it cannot be read (not checked
   * out, that commit not fetched); `text` is undefined when that commit has no such file.
   * Undefined when no submodule holds the path.
   */
  async submoduleFileAt(
    sha: string,
    literalPath: string,
  ): Promise<{ submodule: string; commit: string; text?: string; unreadable?: string } | undefined> {
    const parts = normalisePath(literalPath).split('/');
    for (let k = parts.length - 1; k >= 1; k--) {
      const submodule = parts.slice(0, k).join('/');
      const kind = await this.pathKind(sha, submodule);
      if (kind === undefined) continue;
      // The deepest part of the path in the tree is a folder or a file: no submodule holds it.
      if (kind !== 'submodule') return undefined;
      const inner = parts.slice(k).join('/');
      const git = await this.client();
      const commit = (await git.raw(['rev-parse', `${sha}:${submodule}`])).trim();
      const top = await this.state();
      const dir = join(top.kind === 'repo' ? top.root : this.dir, submodule);
      const sub = new GitRepo(dir);
      const st = await sub.state();
      // An uninitialised submodule is an empty folder of this repository: reading it would read this one.
      const same = async (a: string, b: string) =>
        (await realpath(a).catch(() => a)) === (await realpath(b).catch(() => b));
      if (st.kind !== 'repo' || !(await same(st.root, dir))) {
        return { submodule, commit, unreadable: 'it is not checked out' };
      }
      if (!(await sub.refExists(commit))) {
        return { submodule, commit, unreadable: `its commit ${commit.slice(0, 7)} is not in its clone` };
      }
      return { submodule, commit, text: await sub.fileAt(commit, inner) };
    }
    return undefined;
  }

  async linkAt(sha: string, literalPath: string): Promise<string | undefined> {
    const p = normalisePath(literalPath);
    if ((await this.pathKind(sha, p)) !== 'symlink') return undefined;
    return this.blobAt(sha, p);
  }

  commitsTouchingFile(sha: string, literalPath: string): Promise<CommitInfo[]> {
    const p = normalisePath(literalPath);
    return memo(this.fileLogs, `${sha}\0${p}`, () => this.fileLog(sha, p, []));
  }

  lastCommitTouchingFile(sha: string, literalPath: string): Promise<CommitInfo | undefined> {
    const p = normalisePath(literalPath);
    return memo(this.lastTouches, `${sha}\0${p}`, async () => (await this.fileLog(sha, p, ['-1']))[0]);
  }

  /**
   * What became of a path that is not in the tree of `sha`: the newest commit reachable from
   * it that touched the path, and where git's rename detection says that commit moved it. A
   * folder whose files that commit all moved under one new folder was renamed to that folder
   * (see movedFolder). Undefined when no commit touched it (or the history cannot be read).
   */
  async pathFate(sha: string, literalPath: string): Promise<{ commit: string; renamedTo?: string } | undefined> {
    const p = normalisePath(literalPath);
    let out: string;
    try {
      const git = await this.client();
      // --full-diff: the pathspec picks the commit, the whole commit is diffed, so the rename's
      // other side (outside the pathspec) is seen.
      out = await git.raw([
        'log',
        '-1',
        '-M',
        '--full-diff',
        '--name-status',
        '-z',
        '--format=%H',
        sha,
        '--',
        `:(literal)${p}`,
      ]);
    } catch {
      return undefined;
    }
    const [head, ...fields] = out.split('\0');
    const commit = head?.trim();
    if (!commit) return undefined;
    const renamed: [from: string, to: string][] = [];
    const deleted: string[] = [];
    const added: string[] = [];
    for (let i = 0; i < fields.length; i++) {
      const status = fields[i]?.trim() ?? '';
      if (/^[RC]\d*$/.test(status)) {
        const [from, to] = [fields[i + 1], fields[i + 2]];
        i += 2;
        if (status.startsWith('R') && from !== undefined && to) {
          if (from === p) return { commit, renamedTo: to };
          renamed.push([from, to]);
        }
      } else if (status) {
        const path = fields[i + 1];
        i += 1;
        if (path === undefined) continue;
        if (status === 'D') deleted.push(path);
        else if (status === 'A') added.push(path);
      }
    }
    const folder = movedFolder(p, renamed, deleted, added);
    return folder === undefined ? { commit } : { commit, renamedTo: folder };
  }

  /**
   * Commits off the first-parent chain of h that revert `sha` (their message says `This reverts
   * commit <sha>`), each with the mainline commit that merged it, oldest first. A revert made on
   * a branch and merged with a merge commit (GitHub's Revert button, then "Merge pull request")
   * leaves only the merge on the mainline, and its message names no commit. Empty outside the
   * mainline: every ref's history already holds the revert itself.
   */
  async revertsMergedIn(sha: string, h: HistoryScope): Promise<{ revert: string; via: HistoryCommit }[]> {
    if (h.scope !== 'mainline') return [];
    const reverts = (await this.revertsOffMainline(h)).get(sha) ?? [];
    const { commits } = await this.history(h);
    const index = await this.mainlineIndex(h);
    const out: { revert: string; via: HistoryCommit }[] = [];
    for (const revert of reverts) {
      const via = await this.mergedInto(revert, h);
      const i = via === undefined ? undefined : index.get(via);
      const c = i === undefined ? undefined : commits[i];
      if (c && i !== undefined)
        out.push({ revert, via: { ...commitInfo(c), ordinal: commits.length - 1 - i, files: [] } });
    }
    return out.sort((a, b) => a.via.ordinal - b.via.ordinal);
  }

  /** Every revert reachable from h but not on its first-parent chain, by the commit it reverts: one walk per run. */
  private revertsOffMainline(h: HistoryScope): Promise<Map<string, string[]>> {
    return memo(this.sideReverts, h.sha, async () => {
      const git = await this.client();
      const out = await git.raw(['log', '-z', '-F', '--grep=This reverts commit ', '--format=%H%x00%B', h.sha, '--']);
      const index = await this.mainlineIndex(h);
      const byTarget = new Map<string, string[]>();
      const fields = out.split('\0');
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const revert = (fields[i] ?? '').trim();
        if (!/^[0-9a-f]{40,64}$/.test(revert) || index.has(revert)) continue;
        for (const m of (fields[i + 1] ?? '').matchAll(/This reverts commit ([0-9a-f]{40,64})/g)) {
          const target = m[1] as string;
          byTarget.set(target, [...(byTarget.get(target) ?? []), revert]);
        }
      }
      return byTarget;
    });
  }

  /**
   * The oldest commit on h's first-parent chain that has `sha` in its history: the merge that
   * brought it in. Read from every descendant of `sha` (not with --first-parent, whose ancestry
   * path follows first parents only and misses a commit deeper in the merged branch).
   */
  private mergedInto(sha: string, h: HistoryScope): Promise<string | undefined> {
    return memo(this.mergedBy, `${h.sha}\0${sha}`, async () => {
      const git = await this.client();
      const out = await git.raw(['rev-list', '--ancestry-path', `${sha}..${h.sha}`, '--']);
      const index = await this.mainlineIndex(h);
      let oldest: { sha: string; i: number } | undefined;
      for (const c of out.split('\n')) {
        const i = index.get(c.trim());
        if (i !== undefined && (oldest === undefined || i > oldest.i)) oldest = { sha: c.trim(), i };
      }
      return oldest?.sha;
    });
  }

  /**
   * The commit, merges aside, reachable from `tip` and not from `base` (from `tip` alone when
   * `base` is undefined) that touched a path matching `globs` and was written first: the oldest
   * by author date. The first-parent walk sees work merged in from a branch only as the merge,
   * and a rebase (GitHub's "Rebase and merge" too) re-commits work at the moment it lands: only
   * the author date still says when it was written.
   */
  async firstTouchBetween(globs: string[], tip: string, base: string | undefined): Promise<CommitInfo | undefined> {
    if (!globs.length) return undefined;
    const st = await this.state();
    if (st.kind !== 'repo') return undefined;
    const specs = literalFolderSpecs(globs);
    const commits = await loadLog(st.root, [
      'log',
      '-z',
      '--name-only',
      '--no-renames',
      '--no-merges',
      LOG_FORMAT,
      tip,
      ...(base === undefined ? [] : ['--not', base]),
      '--',
      ...specs,
    ]);
    const match = pathMatcher(globs);
    let oldest: LoadedCommit | undefined;
    for (const c of commits) if (c.files.some(match) && (!oldest || c.authorTime <= oldest.authorTime)) oldest = c;
    return oldest && commitInfo(oldest);
  }

  /**
   * The last of the consecutive commits of h's mainline, from `c` on, committed at the same
   * second as `c`. A rebase-and-merge (GitHub's, or `git rebase` then a fast-forward push)
   * re-commits each commit of a pull request at the moment it lands, one after another on the
   * mainline: they entered it together, though each is a commit of its own. `c` itself when the
   * next one was committed later, or outside the mainline scope.
   */
  async landedWith(c: HistoryCommit, h: HistoryScope): Promise<HistoryCommit> {
    if (h.scope !== 'mainline') return c;
    const { commits } = await this.history(h);
    const n = commits.length;
    let idx = n - 1 - c.ordinal;
    const time = commits[idx]?.time;
    if (commits[idx]?.sha !== c.sha) return c;
    while (idx > 0 && commits[idx - 1]?.time === time) idx--;
    const last = commits[idx];
    return !last || idx === n - 1 - c.ordinal ? c : { ...commitInfo(last), ordinal: n - 1 - idx, files: [] };
  }

  /** Each mainline commit's position in the loaded history, by sha. */
  private mainlineIndex(h: HistoryScope): Promise<Map<string, number>> {
    return memo(this.ordinals, h.sha, async () => {
      const { commits } = await this.history(h);
      return new Map(commits.map((c, i) => [c.sha, i]));
    });
  }

  private async fileLog(sha: string, p: string, limit: string[]): Promise<CommitInfo[]> {
    const git = await this.client();
    // :(literal) so a name with glob characters means itself; default history
    // simplification, so an edit discarded by a merge never reached the file.
    const out = await git.raw(['log', ...limit, '-z', '--no-renames', LOG_FORMAT, sha, '--', `:(literal)${p}`]);
    return parseLog(out).map(commitInfo);
  }

  /**
   * The whole history of one scope, newest first, loaded in one `git log` and queried in
   * memory: a gate run asks hundreds of path questions of the same history.
   */
  private history(h: HistoryScope): Promise<LoadedHistory> {
    return memo(this.histories, `${h.scope}\0${h.sha}`, async () => {
      const st = await this.state();
      if (st.kind !== 'repo') throw new Error(st.message);
      // Said, not left to git's default: the files a merge brought, against the first parent.
      const walk =
        h.scope === 'mainline' ? ['--first-parent', '--diff-merges=first-parent'] : ['--exclude=refs/stash', '--all'];
      // --date-order never shows a parent before its children, and otherwise follows commit
      // time, so list position is a faithful "happened before". --no-renames so a file moved
      // out of a watched folder still counts as touching it.
      // Mainline entries carry their status against the first parent (git pairs
      // --first-parent with first-parent diffs), so presentSince can follow a path's
      // deletions and re-creations along it.
      const commits = await loadLog(st.root, [
        'log',
        '-z',
        h.scope === 'mainline' ? '--name-status' : '--name-only',
        '--no-renames',
        '--date-order',
        ...walk,
        LOG_FORMAT,
        h.sha,
        '--',
      ]);
      return indexHistory(commits);
    });
  }

  /**
   * Resolves `ref` as of `asOf` and starts loading its mainline history, returning once
   * git is walking it: the walk then runs in git's own process while the caller does other
   * (even synchronous) work. A failure is left for the real query to meet and report.
   */
  async preload(ref: string, asOf: Date): Promise<void> {
    const c = await this.resolveAsOf(ref, asOf).catch(() => undefined);
    if (c) this.history({ sha: c.sha, scope: 'mainline', asOf }).catch(() => undefined);
  }

  findCommit(filter: CommitFilter, h: HistoryScope, which: 'first' | 'last'): Promise<HistoryCommit | undefined> {
    // In mainline scope the resolved commit already fixes the instant; across all refs only the date can.
    const instant = h.scope === 'all' ? String(h.asOf.getTime()) : '';
    const key = [
      h.scope,
      h.sha,
      instant,
      which,
      JSON.stringify(filter.globs ?? null),
      filter.pattern ? `${filter.pattern.source}/${filter.pattern.flags}` : '',
      (filter.except ?? []).join(','),
    ].join('\0');
    return memo(this.finds, key, async () => {
      const { commits, byPath, paths } = await this.history(h);
      const match = filter.globs ? pathMatcher(filter.globs) : undefined;
      const limit = committedBy(h.asOf).getTime();
      const n = commits.length;
      // Candidates, newest first: with globs, only the commits touching a matching path,
      // found by matching each distinct path once instead of every file of every commit.
      let candidates: number[];
      if (match) {
        const hits = new Set<number>();
        for (const file of matchSorted(paths, filter.globs ?? [])) for (const i of byPath.get(file) ?? []) hits.add(i);
        candidates = [...hits].sort((x, y) => x - y);
      } else {
        candidates = [...commits.keys()];
      }
      if (which === 'first') candidates.reverse();
      for (const idx of candidates) {
        const c = commits[idx];
        if (!c) continue;
        if (h.scope === 'all' && c.time > limit) continue;
        if (filter.except?.includes(c.sha)) continue;
        if (filter.pattern) {
          filter.pattern.lastIndex = 0;
          if (!filter.pattern.test(c.message)) continue;
        }
        return { ...commitInfo(c), ordinal: n - 1 - idx, files: match ? c.files.filter(match) : [] };
      }
      return undefined;
    });
  }

  async presentSince(globs: string[], h: HistoryScope, upTo?: number): Promise<HistoryCommit | undefined> {
    if (h.scope !== 'mainline') return undefined;
    const { runs, matching } = await this.presence(globs, h);
    const { commits } = await this.history(h);
    const n = commits.length;
    const at = upTo ?? n - 1;
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((runs[mid]?.[0] ?? 0) <= at) lo = mid + 1;
      else hi = mid;
    }
    const run = runs[lo - 1];
    if (!run || run[1] <= at) return undefined;
    const c = commits[n - 1 - run[0]];
    return c && { ...commitInfo(c), ordinal: run[0], files: c.files.filter((f) => matching.has(f)) };
  }

  /**
   * When paths matching `globs` existed on the mainline: runs of ordinals [from, to), `to` the
   * commit that deleted the last of them (Infinity while they still exist). Computed once per
   * glob list, since the ordering guard asks it at many commits.
   */
  private presence(globs: string[], h: HistoryScope): Promise<{ runs: [number, number][]; matching: Set<string> }> {
    return memo(this.presences, `${h.sha}\0${JSON.stringify(globs)}`, async () => {
      const { commits, byPath, paths } = await this.history(h);
      const n = commits.length;
      const matching = new Set(matchSorted(paths, globs));
      const touching = new Set<number>();
      for (const file of matching) for (const i of byPath.get(file) ?? []) touching.add(i);
      // Oldest first, keeping the matching paths that exist after each commit.
      const live = new Set<string>();
      const runs: [number, number][] = [];
      for (const idx of [...touching].sort((x, y) => y - x)) {
        const c = commits[idx];
        if (!c) continue;
        const wasEmpty = live.size === 0;
        c.files.forEach((f, k) => {
          if (!matching.has(f)) return;
          if (c.status.charAt(k) === 'D') live.delete(f);
          else live.add(f);
        });
        const ordinal = n - 1 - idx;
        if (wasEmpty && live.size > 0) runs.push([ordinal, Infinity]);
        else if (!wasEmpty && live.size === 0) {
          const last = runs[runs.length - 1];
          if (last) last[1] = ordinal;
        }
      }
      return { runs, matching };
    });
  }

  firstCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined> {
    return this.findCommit({ globs }, h, 'first');
  }

  /**
   * Every commit reachable from `sha` that added or modified a file matching `globs`, oldest
   * first, read from the whole graph rather than the first-parent chain: a branch merged with a
   * merge commit was written by its own commits' authors, not by whoever merged it.
   *
   * With --full-history: git's default simplification follows a merge down one parent only
   * when the merge's result for the paths equals that parent's, so a branch whose write the
   * merge discarded (`-s ours`, a conflict settled the mainline's way), or whose text the
   * mainline already had (a copy, a cherry-pick), would drop out with the people who wrote
   * it. Having written into the artifact is what counts, as on the mainline a write later
   * overwritten still does.
   *
   * A merge's files are those that differ from every parent (a combined diff); it is listed
   * only for those it wrote lines of its own into (see mergeWrote).
   */
  commitsWriting(globs: string[], sha: string): Promise<WritingCommit[]> {
    return memo(this.writers, `${sha}\0${JSON.stringify(globs)}`, async () => {
      if (!globs.length) return [];
      const st = await this.state();
      if (st.kind !== 'repo') throw new Error(st.message);
      const specs = literalFolderSpecs(globs);
      const commits = await loadLog(st.root, [
        'log',
        '-z',
        '--name-status',
        '--no-renames',
        '--date-order',
        '--full-history',
        '--diff-merges=combined',
        WRITER_FORMAT,
        sha,
        '--',
        ...specs,
      ]);
      const match = pathMatcher(globs);
      const n = commits.length;
      const out: WritingCommit[] = [];
      for (let idx = n - 1; idx >= 0; idx--) {
        const c = commits[idx];
        if (!c) continue;
        const merge = (c.parents ?? 0) > 1;
        let files = c.files.filter((f, k) => match(f) && c.status.charAt(k) !== 'D');
        if (merge) {
          const wrote = await Promise.all(files.map((f) => this.mergeWrote(c.sha, f)));
          files = files.filter((_, k) => wrote[k]);
        }
        if (files.length === 0) continue;
        const coAuthors = coAuthorsOf(c.message);
        out.push({
          ...commitInfo(c),
          ordinal: n - 1 - idx,
          files,
          coAuthors,
          mailmapped: {
            author: c.mailmapped ?? { name: c.authorName, email: c.authorEmail },
            coAuthors: await this.mailmap(coAuthors),
          },
          merge,
        });
      }
      return out;
    });
  }

  /**
   * Whether merge `sha` wrote lines of its own into `file`: a line of its result that no parent
   * has, or one every parent has that it dropped (a conflict settled with new text, an edit made
   * in the merge). The combined diff marks each line in one column per parent; a line marked in
   * every column came from none of them. A merge that took each line from one side or another
   * only brought their work together. A binary file that differs from every parent was not
   * merged line by line: the merge made it.
   */
  private async mergeWrote(sha: string, file: string): Promise<boolean> {
    const git = await this.client();
    const out = await git.raw([
      'diff-tree',
      '--cc',
      '-p',
      '--no-renames',
      '--no-commit-id',
      '--no-ext-diff',
      '--no-textconv',
      sha,
      '--',
      `:(literal)${file}`,
    ]);
    let parents = 0;
    for (const line of out.split('\n')) {
      const hunk = /^(@{3,}) /.exec(line);
      if (hunk) {
        parents = (hunk[1] ?? '').length - 1;
        continue;
      }
      if (parents === 0) {
        if (line.startsWith('Binary files ')) return true;
        continue;
      }
      const columns = line.slice(0, parents);
      if (columns.length === parents && (/^\++$/.test(columns) || /^-+$/.test(columns))) return true;
    }
    return false;
  }

  /**
   * People as the repository's `.mailmap` names them, read as git reads it for `git log` (the
   * working tree's `.mailmap`, HEAD's in a bare repository, `mailmap.file`, `mailmap.blob`): one
   * `git check-mailmap` for those not asked about before.
   */
  mailmap(people: readonly Identity[]): Promise<Identity[]> {
    const contacts = people.map(contact);
    const fresh = [...new Set(contacts.filter((c) => !this.mailmaps.has(c)))];
    if (fresh.length > 0) {
      const read = (async () => {
        const st = await this.state();
        if (st.kind !== 'repo') throw new Error(st.message);
        const out = await gitWithInput(st.root, ['check-mailmap', '--stdin'], fresh.map((c) => `${c}\n`).join(''));
        const lines = out.split('\n').filter((l) => l !== '');
        const mapped = lines.map((l) => /^(.*?) ?<([^<>]*)>$/.exec(l));
        if (mapped.length !== fresh.length || mapped.some((m) => m === null)) {
          throw new Error(`git check-mailmap answered ${lines.length} lines for ${fresh.length} people`);
        }
        return mapped.map((m) => ({ name: m?.[1] ?? '', email: m?.[2] ?? '' }));
      })();
      fresh.forEach((c, i) => memo(this.mailmaps, c, async () => (await read)[i] as Identity));
    }
    return Promise.all(contacts.map((c) => this.mailmaps.get(c) as Promise<Identity>));
  }

  lastCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined> {
    return this.findCommit({ globs }, h, 'last');
  }

  firstCommitMatching(pattern: RegExp, h: HistoryScope): Promise<HistoryCommit | undefined> {
    return this.findCommit({ pattern }, h, 'first');
  }

  /** The URL of the `origin` remote; undefined when there is none. */
  async originUrl(): Promise<string | undefined> {
    try {
      const git = await this.client();
      return (await git.raw(['remote', 'get-url', 'origin'])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Whether a branch (local or remote-tracking) or a tag has this very name: `deadbeef` may be
   * a branch as well as the start of a commit's id, which only the refs tell apart.
   */
  async hasRefNamed(name: string): Promise<boolean> {
    if (name === '' || name.startsWith('-') || /[*?[\\]/u.test(name)) return false;
    const git = await this.client();
    const patterns = [`refs/heads/${name}`, `refs/tags/${name}`, `refs/remotes/*/${name}`];
    const out = await git.raw(['for-each-ref', '--format=%(refname)', ...patterns]).catch(() => '');
    // A pattern also matches the refs under it (`refs/heads/deadbeef/x`): only the name itself counts.
    return out
      .split('\n')
      .some((r) => r === patterns[0] || r === patterns[1] || /^refs\/remotes\/[^/]+\/(.*)$/u.exec(r)?.[1] === name);
  }

  /** Local and remote-tracking branch names, sorted (for "that branch does not exist; these do"). */
  async branches(): Promise<string[]> {
    const git = await this.client();
    const out = await git.raw(['for-each-ref', '--format=%(refname:short)', 'refs/heads', 'refs/remotes']);
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.endsWith('/HEAD'))
      .sort();
  }
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (
    msg
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? 'git failed'
  );
}

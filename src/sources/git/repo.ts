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
import { stat } from 'node:fs/promises';
import picomatch from 'picomatch';
import { type SimpleGit, simpleGit } from 'simple-git';

export type Scope = 'mainline' | 'all';

export interface CommitInfo {
  sha: string;
  authorName: string;
  authorEmail: string;
  /** Committer date, ISO 8601 in UTC: the instant the commit entered history. */
  date: string;
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

export type RepoState =
  | { kind: 'repo'; root: string; bare: boolean; shallow: boolean; hasCommits: boolean }
  | { kind: 'not_a_repo'; message: string };

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
  firstCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined>;
  lastCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined>;
  firstCommitMatching(pattern: RegExp, h: HistoryScope): Promise<HistoryCommit | undefined>;
  /** Files (not directories) in the tree of `sha` matching `glob`, sorted. */
  filesAt(sha: string, glob: string): Promise<string[]>;
  /** Content of a regular file at a commit, or undefined when there is none. */
  fileAt(sha: string, literalPath: string): Promise<string | undefined>;
  /** Commits reachable from `sha` that touched exactly this path, newest first. */
  commitsTouchingFile(sha: string, literalPath: string): Promise<CommitInfo[]>;
  /** The newest of those commits only: `git log -1` stops at the first, instead of walking all history. */
  lastCommitTouchingFile(sha: string, literalPath: string): Promise<CommitInfo | undefined>;
  /** Branch names (local and remote-tracking), when the implementation can list them. */
  branches?(): Promise<string[]>;
}

/** Characters that make a string a glob rather than a literal path. */
export const GLOB_CHARS = /[*?[\]{}]/;

export function normalisePath(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * A matcher for repository-relative paths. A glob is matched with picomatch (dotfiles
 * included: `.github/**` must work); a pattern without glob characters is a literal path
 * that also matches everything under it, as git pathspecs do, so `elixir/handler_dispatch`
 * means the directory.
 */
export function pathMatcher(globs: readonly string[]): (file: string) => boolean {
  const tests = globs.map((raw) => {
    const g = normalisePath(raw);
    if (!GLOB_CHARS.test(g)) return (f: string) => f === g || f.startsWith(`${g}/`);
    // 's': a git path may contain a newline, and `**` must still cross it.
    const m = picomatch(g, { dot: true, flags: 's' });
    return (f: string) => m(f);
  });
  return (f) => tests.some((t) => t(f));
}

interface LoadedCommit extends CommitInfo {
  time: number;
  message: string;
  files: string[];
}

/** Starts each record; a git path can never begin with '/', so it cannot be mistaken for a file name. */
const RECORD = '/C';
const LOG_FORMAT = `--format=${RECORD}%x00%H%x00%an%x00%ae%x00%ct%x00%B%x00`;
const HEADER_FIELDS = 5;

/**
 * Parses `git log -z --name-only` with LOG_FORMAT. Tokens are NUL-separated: the record
 * marker, the header fields, then the touched files (the first one prefixed by the newline
 * git writes between the message and the file list).
 */
export function parseLog(out: string): LoadedCommit[] {
  const tokens = out.split('\0');
  const commits: LoadedCommit[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (tokens[i] !== RECORD) {
      i++;
      continue;
    }
    const [sha = '', authorName = '', authorEmail = '', ct = '0', message = ''] = tokens.slice(
      i + 1,
      i + 1 + HEADER_FIELDS,
    );
    i += 1 + HEADER_FIELDS;
    const files: string[] = [];
    let first = true;
    while (i < tokens.length && tokens[i] !== RECORD) {
      let t = tokens[i] ?? '';
      if (first && t.startsWith('\n')) {
        t = t.slice(1);
        first = false;
      }
      if (t !== '') files.push(t);
      i++;
    }
    const time = Number(ct) * 1000;
    const msg = message.replace(/\n+$/, '');
    commits.push({
      sha,
      authorName,
      authorEmail,
      date: new Date(time).toISOString(),
      time,
      subject: msg.split('\n', 1)[0] ?? '',
      message: msg,
      files,
    });
  }
  return commits;
}

function info(c: LoadedCommit): CommitInfo {
  return { sha: c.sha, authorName: c.authorName, authorEmail: c.authorEmail, date: c.date, subject: c.subject };
}

/** Git's raw timestamp syntax: whole seconds, so a commit at exactly asOf still counts. */
function gitInstant(asOf: Date): string {
  return `@${Math.floor(asOf.getTime() / 1000)}`;
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

export class GitRepo implements GitHistory {
  private git: SimpleGit | undefined;
  private statePromise: Promise<RepoState> | undefined;
  private readonly refs = new Map<string, Promise<string | undefined>>();
  private readonly resolved = new Map<string, Promise<CommitInfo | undefined>>();
  private readonly histories = new Map<string, Promise<LoadedCommit[]>>();
  private readonly finds = new Map<string, Promise<HistoryCommit | undefined>>();
  private readonly trees = new Map<string, Promise<Map<string, PathKind>>>();
  private readonly fileLogs = new Map<string, Promise<CommitInfo[]>>();
  private readonly lastTouches = new Map<string, Promise<CommitInfo | undefined>>();
  private readonly blobs = new Map<string, Promise<string | undefined>>();

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
      const probe = simpleGit({ baseDir: this.dir });
      const flags = (await probe.raw(['rev-parse', '--is-bare-repository', '--is-shallow-repository'])).split('\n');
      if (flags[0] !== 'true' && flags[0] !== 'false') {
        return { kind: 'not_a_repo', message: `${this.dir} is not a git repository` };
      }
      const bare = flags[0] === 'true';
      const shallow = flags[1] === 'true';
      // Paths in specs are relative to the repository root, whatever subdirectory we were given.
      const root = bare ? this.dir : (await probe.raw(['rev-parse', '--show-toplevel'])).trim();
      this.git = simpleGit({ baseDir: root, maxConcurrentProcesses: this.options.maxConcurrentProcesses ?? 6 });
      const any = (await this.git.raw(['rev-list', '-n', '1', '--all'])).trim();
      return { kind: 'repo', root, bare, shallow, hasCommits: any !== '' };
    } catch (e) {
      return { kind: 'not_a_repo', message: firstLine(e) };
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
      const out = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
      const sha = out.trim();
      return /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
    });
  }

  resolveAsOf(ref: string, asOf: Date): Promise<CommitInfo | undefined> {
    return memo(this.resolved, `${ref}\0${gitInstant(asOf)}`, async () => {
      const tip = await this.refSha(ref);
      if (!tip) return undefined;
      const git = await this.client();
      const out = await git.raw([
        'log',
        '-z',
        '-1',
        '--first-parent',
        `--before=${gitInstant(asOf)}`,
        LOG_FORMAT,
        tip,
        '--',
      ]);
      const c = parseLog(out)[0];
      return c ? info(c) : undefined;
    });
  }

  private tree(sha: string): Promise<Map<string, PathKind>> {
    return memo(this.trees, sha, async () => {
      const git = await this.client();
      // -t lists the directories themselves too, so a literal directory path can be answered.
      const out = await git.raw(['ls-tree', '-r', '-t', '-z', '--full-tree', sha]);
      const entries = new Map<string, PathKind>();
      for (const rec of out.split('\0')) {
        const tab = rec.indexOf('\t');
        if (tab < 0) continue;
        const [mode, type] = rec.slice(0, tab).split(' ');
        const kind: PathKind =
          type === 'tree' ? 'directory' : type === 'commit' ? 'submodule' : mode === '120000' ? 'symlink' : 'file';
        entries.set(rec.slice(tab + 1), kind);
      }
      return entries;
    });
  }

  async pathKind(sha: string, literalPath: string): Promise<PathKind | undefined> {
    const p = normalisePath(literalPath);
    if (p === '' || p === '.') return 'directory';
    return (await this.tree(sha)).get(p);
  }

  async pathExists(sha: string, literalPath: string): Promise<boolean> {
    return (await this.pathKind(sha, literalPath)) !== undefined;
  }

  async filesAt(sha: string, glob: string): Promise<string[]> {
    const match = pathMatcher([glob]);
    const out: string[] = [];
    for (const [p, kind] of await this.tree(sha)) {
      if (kind !== 'directory' && kind !== 'submodule' && match(p)) out.push(p);
    }
    return out.sort();
  }

  fileAt(sha: string, literalPath: string): Promise<string | undefined> {
    const p = normalisePath(literalPath);
    return memo(this.blobs, `${sha}\0${p}`, async () => {
      if ((await this.pathKind(sha, p)) !== 'file') return undefined;
      const git = await this.client();
      return git.raw(['cat-file', 'blob', `${sha}:${p}`]);
    });
  }

  commitsTouchingFile(sha: string, literalPath: string): Promise<CommitInfo[]> {
    const p = normalisePath(literalPath);
    return memo(this.fileLogs, `${sha}\0${p}`, () => this.fileLog(sha, p, []));
  }

  lastCommitTouchingFile(sha: string, literalPath: string): Promise<CommitInfo | undefined> {
    const p = normalisePath(literalPath);
    return memo(this.lastTouches, `${sha}\0${p}`, async () => (await this.fileLog(sha, p, ['-1']))[0]);
  }

  private async fileLog(sha: string, p: string, limit: string[]): Promise<CommitInfo[]> {
    const git = await this.client();
    // :(literal) so a name with glob characters means itself; default history
    // simplification, so an edit discarded by a merge never reached the file.
    const out = await git.raw(['log', ...limit, '-z', '--no-renames', LOG_FORMAT, sha, '--', `:(literal)${p}`]);
    return parseLog(out).map(info);
  }

  /**
   * The whole history of one scope, newest first, loaded in one `git log` and queried in
   * memory: a gate run asks hundreds of path questions of the same history.
   */
  private history(h: HistoryScope): Promise<LoadedCommit[]> {
    return memo(this.histories, `${h.scope}\0${h.sha}`, async () => {
      const git = await this.client();
      const walk = h.scope === 'mainline' ? ['--first-parent'] : ['--exclude=refs/stash', '--all'];
      // --date-order never shows a parent before its children, and otherwise follows commit
      // time, so list position is a faithful "happened before". --no-renames so a file moved
      // out of a watched folder still counts as touching it.
      const out = await git.raw([
        'log',
        '-z',
        '--name-only',
        '--no-renames',
        '--date-order',
        ...walk,
        LOG_FORMAT,
        h.sha,
        '--',
      ]);
      return parseLog(out);
    });
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
    ].join('\0');
    return memo(this.finds, key, async () => {
      const commits = await this.history(h);
      const match = filter.globs ? pathMatcher(filter.globs) : undefined;
      const limit = h.asOf.getTime();
      const n = commits.length;
      for (let k = 0; k < n; k++) {
        const idx = which === 'first' ? n - 1 - k : k;
        const c = commits[idx];
        if (!c) continue;
        if (h.scope === 'all' && c.time > limit) continue;
        let files: string[] = [];
        if (match) {
          files = c.files.filter(match);
          if (files.length === 0) continue;
        }
        if (filter.pattern) {
          filter.pattern.lastIndex = 0;
          if (!filter.pattern.test(c.message)) continue;
        }
        return { ...info(c), ordinal: n - 1 - idx, files };
      }
      return undefined;
    });
  }

  firstCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined> {
    return this.findCommit({ globs }, h, 'first');
  }

  lastCommitTouching(globs: string[], h: HistoryScope): Promise<HistoryCommit | undefined> {
    return this.findCommit({ globs }, h, 'last');
  }

  firstCommitMatching(pattern: RegExp, h: HistoryScope): Promise<HistoryCommit | undefined> {
    return this.findCommit({ pattern }, h, 'first');
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

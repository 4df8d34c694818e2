/**
 * ripgrep as a candidate prefilter for a working-tree lint. One `rg` run screens every file
 * with every content rule's pattern, rewritten so it matches a superset of what the rule's
 * JavaScript regex matches (rg-pattern.ts), plus a NUL byte. A file rg searched and found
 * nothing in is then known, without reading it, to be a regular file within the size limit,
 * not binary, and free of findings; every other file (a hit, one rg did not search, one
 * whose rule has no rewrite) is scanned by the same JavaScript code as without rg. So the
 * report is the same whichever engine runs; rg only decides which files need reading.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { ContentRule, LintRule } from './spec.js';
import { NUL_PATTERN, rgPattern } from './rg-pattern.js';

/**
 * One rg search, filled in while rg runs: the files it searched to the end without a match.
 * Only those are known; every other file (a hit, one rg skipped or could not read) is read.
 */
export class RgSearch {
  /** The rules (by regex) whose patterns the run screens for; set before rg starts. */
  screened = new Set<string>();
  readonly clean = new Set<string>();
  /** Whether rg has finished, and whether its list is complete enough to clear files. */
  finished = false;
  ok = false;
  private waiters: (() => void)[] = [];
  /** The rg process running now, so a search nobody needs any more can be stopped. */
  child: ChildProcess | undefined;
  stopped = false;

  stop(): void {
    this.stopped = true;
    this.child?.kill();
  }

  /** Resolves once rg has finished. */
  done(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  record(file: string): void {
    this.clean.add(file);
  }

  finish(ok: boolean): void {
    this.finished = true;
    this.ok = ok;
    for (const w of this.waiters.splice(0)) w();
  }

  /** A failed run is started over (see rgSearch): what it recorded is forgotten. */
  reset(): void {
    this.clean.clear();
  }
}

/** Below this many files to read, a lint of explicit paths or a change reads them directly. */
export const RG_FROM = 1000;
/** Bytes of path arguments per rg run, well under Linux's ARG_MAX (2 MiB with the environment). */
const ARG_BYTES = 512 * 1024;

export function ruleKey(r: Pick<ContentRule, 'source' | 'flags'>): string {
  return `${r.flags}/${r.source}`;
}

/**
 * Starts rg over the working tree at root: walking it (files = undefined, for the whole
 * tree: rg's walk runs while git lists the files), or over the given files. Returns at
 * once; the search fills in as rg runs.
 *
 * rg opens every file named on its command line whatever it is: it waits forever on a FIFO
 * and follows a symlink, walking the folder it points at. So `files` must be paths the
 * caller has seen (by lstat) to be regular files; anything else is the JavaScript scan's.
 */
export function rgSearch(bin: string, root: string, rules: LintRule[], maxBytes: number, files?: string[]): RgSearch {
  const search = new RgSearch();
  const patterns = new Map<string, string>();
  for (const r of rules) {
    if (r.kind !== 'forbid' && r.kind !== 'helper_only') continue;
    const p = rgPattern(r.source, r.flags);
    if (p !== undefined) patterns.set(ruleKey(r), p);
  }
  search.screened = new Set(patterns.keys());
  void (async () => {
    let run = await runAll(bin, root, [...patterns.values()], maxBytes, files, search);
    if (run === 'rejected') {
      // One pattern rg cannot compile fails the whole run: drop those rules' patterns (they
      // keep every file as a candidate) and run once more.
      for (const [key, p] of patterns) if (!compiles(bin, p)) patterns.delete(key);
      search.screened = new Set(patterns.keys());
      search.reset();
      run = await runAll(bin, root, [...patterns.values()], maxBytes, files, search);
    }
    search.finish(run === 'ran');
  })();
  return search;
}

type Outcome = 'ran' | 'rejected' | 'failed';

/** How rg matches and reports: what the soundness tests of rg-pattern.ts run rg with too. */
export const RG_MATCH_ARGS: readonly string[] = [
  '--no-config',
  // Raw bytes: no binary detection, no transcoding of a file with a BOM.
  '--text',
  '--encoding',
  'none',
  // No --multiline: the rewrites never match a newline, and catch a match that spans lines
  // by one of its lines (rg-pattern.ts).
  // Positive evidence: rg names each file it searched to the end without a match. (Counting
  // every file with --count --include-zero instead made the search about 40 % slower.)
  '--files-without-match',
  '--null',
];

async function runAll(
  bin: string,
  root: string,
  patterns: string[],
  maxBytes: number,
  files: string[] | undefined,
  search: RgSearch,
): Promise<Outcome> {
  const args = [
    ...RG_MATCH_ARGS,
    '--no-messages',
    '--max-filesize',
    String(maxBytes),
    ...[...patterns, NUL_PATTERN].flatMap((p) => ['-e', p]),
  ];
  if (files === undefined) {
    // Hidden files are linted too; the walk honours .gitignore like git, and a file it
    // skips is simply read by the JavaScript scan.
    // The folder is named, not implied: with no path rg would search a piped stdin instead.
    return once(bin, root, [...args, '--hidden', '--glob', '!.git', '--', '.'], search, (name) => {
      if (name.startsWith('./')) search.record(name.slice(2));
    });
  }
  for (const batch of batches(files)) {
    // Each file as `./path`: a file named `-` would otherwise be stdin to rg (reported as
    // `<stdin>`, a name another file may have), and `--` alone does not change that. rg
    // names a file as it was given, so only a name that is exactly one of this run's
    // operands is recorded: nothing else rg prints can clear a file.
    const given = new Set(batch);
    const r = await once(
      bin,
      root,
      [...args, '--no-ignore', '--hidden', '--', ...batch.map((f) => `./${f}`)],
      search,
      (name) => {
        if (name.startsWith('./') && given.has(name.slice(2))) search.record(name.slice(2));
      },
    );
    if (r !== 'ran') return r;
  }
  return 'ran';
}

function batches(files: string[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const f of files) {
    // The name, its `./` and its NUL.
    const n = Buffer.byteLength(f) + 3;
    if (cur.length && bytes + n > ARG_BYTES) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * One rg process, its output parsed into the search as it streams in: 'ran', 'rejected'
 * when it printed nothing and failed (a pattern it cannot compile), 'failed' when it could
 * not run or was stopped.
 */
function once(
  bin: string,
  cwd: string,
  args: string[],
  search: RgSearch,
  /** Takes each name rg prints and records the file it stands for, if any. */
  named: (name: string) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    if (search.stopped) {
      resolve('failed');
      return;
    }
    let child;
    try {
      child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      resolve('failed');
      return;
    }
    search.child = child;
    let rest: Buffer | undefined;
    let printed = false;
    child.stdout.on('data', (b: Buffer) => {
      printed = true;
      const buf = rest ? Buffer.concat([rest, b]) : b;
      const used = parsePaths(buf, named);
      rest = used < buf.length ? buf.subarray(used) : undefined;
    });
    child.on('error', () => resolve('failed'));
    child.on('close', (code) => {
      search.child = undefined;
      // 0: some file without a match was named, 1: none was (every file matched), 2: an
      // error. An unreadable file is only left out of the list, and the JavaScript scan reads
      // it; nothing printed and an error is a pattern rg could not compile.
      if (code === 2 && !printed) resolve('rejected');
      else resolve(code === 0 || code === 1 || code === 2 ? 'ran' : 'failed');
    });
  });
}

/**
 * Reads NUL-terminated paths (a path may hold any byte but NUL) and returns where the first
 * incomplete one starts.
 */
export function parsePaths(buf: Buffer, record: (file: string) => void): number {
  let pos = 0;
  for (;;) {
    const nul = buf.indexOf(0, pos);
    if (nul < 0) return pos;
    const path = buf.toString('utf8', pos, nul);
    pos = nul + 1;
    // A name that is not UTF-8 cannot be matched to git's listing reliably: leave it to the scan.
    if (!path.includes('\uFFFD')) record(path);
  }
}

function compiles(bin: string, pattern: string): boolean {
  const r = spawnSync(bin, ['--no-config', '--files-with-matches', '-e', pattern, '--', '-'], {
    input: '',
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  return r.status === 0 || r.status === 1;
}

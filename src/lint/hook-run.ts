/**
 * A finding about the tree as a whole (a `require` rule's missing file, an expired waiver, the
 * ordering guard) does not depend on the files a hook manager passes, so when the pre-commit
 * framework splits a long list over several runs of the hook (its xargs), every share would
 * report it again. It is reported by the first share that finds it, and left out of the later
 * shares of the same run of the framework, which say how many they left out.
 *
 * Which invocations are shares of one run, when nothing tells the hook: the framework runs
 * them one after another from one process (require_serial), each with the next slice of
 * its file list, which it keeps in git's order. So an invocation is a later share of the run
 * an earlier one recorded when its parent is the same process (its id and its start time,
 * so a process id used again is not taken for it) and each file it was passed sorts after
 * every file passed before. Anything else is a new run, and reports everything: a run taken
 * for a new one repeats a finding, as before; the reverse would lose one, and never happens
 * while the framework's parent process lives. Only a run with such a finding reads or
 * writes the record (one file in the git folder), so a clean commit pays nothing for it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gitDirs } from './index-file.js';
import type { LintFinding } from './report.js';
import { pathBytes } from './names.js';
import { replaceWhole } from '../util/new-file.js';

/** What a share of a hook manager's run knows of the shares before it. */
export interface OncePerRun {
  /** False for a finding an earlier share of this run reported; true (and remembered) otherwise. */
  report(f: LintFinding): boolean;
  /** Whether an earlier share of this run was checked as the working tree (so the run is no commit). */
  followsTree(): boolean;
  /**
   * Records, for the shares after it, what this share reported (when `reported`) and that it
   * was checked as the working tree; writes nothing when there is neither.
   */
  save(o: { tree: boolean; reported: boolean }): void;
}

interface RunRecord {
  /** The parent process: its id, and its start time as parentStart() reads it. */
  pid: number;
  start: string;
  /** The last file (in git's order) passed to any share so far, as hex bytes. */
  last: string;
  /** A share of the run was checked as the working tree. */
  tree?: true;
  /** The findings reported so far (key()). */
  reported: string[];
}

const RECORD = 'rfcgate-hook-run.json';

export function oncePerRun(root: string, rfc: string, files: string[]): OncePerRun {
  // Byte order, as git sorts paths (not UTF-16 order).
  const bytes = files.map(pathBytes).sort(Buffer.compare);
  const first = bytes[0];
  const last = bytes[bytes.length - 1];
  const fresh = new Set<string>();
  const scope = `${resolve(root)}\0${rfc}`;
  const key = (f: LintFinding) => JSON.stringify([scope, f.rule, f.file, f.line, f.col, f.message]);
  let path: string | null | undefined;
  const recordPath = () => (path === undefined ? (path = recordFile(root) ?? null) : path);
  let start: string | null | undefined;
  const parentStarted = () => (start === undefined ? (start = parentStart(process.ppid) ?? null) : start);
  // Read at most once, and only when asked: a commit whose shares find nothing about the
  // whole tree reads one missing file, and learns the parent's start time only when a record
  // names its id.
  let earlier: RunRecord | null | undefined;
  const load = (): RunRecord | null => {
    if (earlier !== undefined) return earlier;
    earlier = null;
    const at = recordPath();
    if (at === null || first === undefined) return earlier;
    try {
      const r = JSON.parse(readFileSync(at, 'utf8')) as Partial<RunRecord>;
      const before = typeof r.last === 'string' ? Buffer.from(r.last, 'hex') : undefined;
      if (
        r.pid === process.ppid &&
        before !== undefined &&
        Buffer.compare(first, before) > 0 &&
        Array.isArray(r.reported) &&
        typeof r.start === 'string' &&
        r.start === parentStarted()
      ) {
        earlier = {
          pid: r.pid,
          start: r.start,
          last: r.last as string,
          ...(r.tree === true ? { tree: true as const } : {}),
          reported: r.reported.filter((x): x is string => typeof x === 'string'),
        };
      }
    } catch {
      // No record, or one that cannot be read: a new run.
    }
    return earlier;
  };
  let seen: Set<string> | undefined;
  return {
    report(f) {
      const k = key(f);
      seen ??= new Set(load()?.reported);
      if (seen.has(k)) return false;
      fresh.add(k);
      return true;
    },
    followsTree: () => load()?.tree === true,
    save({ tree, reported }) {
      if (last === undefined || (!tree && !(reported && fresh.size))) return;
      const at = recordPath();
      const started = parentStarted();
      if (at === null || started === null) return;
      const before = load();
      const record: RunRecord = {
        pid: process.ppid,
        start: started,
        last: last.toString('hex'),
        ...(tree || before?.tree ? { tree: true as const } : {}),
        reported: [...(before?.reported ?? []), ...(reported ? fresh : [])],
      };
      try {
        mkdirSync(dirname(at), { recursive: true });
        replaceWhole(at, JSON.stringify(record));
      } catch {
        // Not recorded (a read-only git folder): the next share judges and reports on its own.
      }
    },
  };
}

/** The record's place in the git folder (the worktree's own); without starting git when the root is a top. */
function recordFile(root: string): string | undefined {
  // The top is the nearest folder up holding .git (the governed root may be below it).
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) {
      const dirs = gitDirs(dir);
      if (dirs) return join(dirs.git, RECORD);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const at = spawnSync('git', ['rev-parse', '--git-path', RECORD], { cwd: root, encoding: 'utf8' });
  return at.status === 0 ? resolve(root, at.stdout.replace(/\n$/, '')) : undefined;
}

/**
 * When the process `pid` (this one's parent) started, or undefined when that cannot be read
 * (then no run is taken for an earlier one).
 */
function parentStart(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    // Linux: the 22nd field, after the command name in parentheses (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (start) return start;
  } catch {
    // No /proc (macOS, the BSDs): ps says when it started.
  }
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' });
  const start = ps.status === 0 ? ps.stdout.trim() : '';
  return start || undefined;
}

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
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LintFinding } from './report.js';
import { pathBytes } from './names.js';

/** Which tree-wide findings a share reports. */
export interface OncePerRun {
  /** False for a finding an earlier share of this run reported; true (and remembered) otherwise. */
  report(f: LintFinding): boolean;
  /** Records what this share reported, for the shares after it; nothing when it had no such finding. */
  save(): void;
}

interface RunRecord {
  /** The parent process: its id and its start time. */
  parent: string;
  /** The last file (in git's order) passed to any share so far, as hex bytes. */
  last: string;
  /** The findings reported so far (key()). */
  reported: string[];
}

const RECORD = 'rfcgate-hook-run.json';

export function oncePerRun(root: string, rfc: string, files: string[]): OncePerRun {
  // Byte order, as git sorts paths (not UTF-16 order).
  const bytes = files.map(pathBytes).sort(Buffer.compare);
  const first = bytes[0];
  const last = bytes[bytes.length - 1];
  let loaded: { path: string; parent: string; seen: Set<string> } | undefined | null;
  const fresh = new Set<string>();
  const scope = `${resolve(root)}\0${rfc}`;
  const key = (f: LintFinding) => JSON.stringify([scope, f.rule, f.file, f.line, f.col, f.message]);
  // Only once a tree-wide finding is there to report: the record is then read, at most once.
  const load = () => {
    if (loaded !== undefined) return loaded;
    loaded = null;
    const parent = parentIdentity();
    const at = spawnSync('git', ['rev-parse', '--git-path', RECORD], { cwd: root, encoding: 'utf8' });
    if (parent === undefined || first === undefined || at.status !== 0) return loaded;
    const path = resolve(root, at.stdout.replace(/\n$/, ''));
    let seen = new Set<string>();
    try {
      const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunRecord>;
      const before = typeof r.last === 'string' ? Buffer.from(r.last, 'hex') : undefined;
      if (
        r.parent === parent &&
        before !== undefined &&
        Buffer.compare(first, before) > 0 &&
        Array.isArray(r.reported)
      ) {
        seen = new Set(r.reported.filter((x): x is string => typeof x === 'string'));
      }
    } catch {
      // No record, or one that cannot be read: a new run.
    }
    loaded = { path, parent, seen };
    return loaded;
  };
  return {
    report(f) {
      const k = key(f);
      if (load()?.seen.has(k)) return false;
      fresh.add(k);
      return true;
    },
    save() {
      const l = loaded;
      if (!l || last === undefined) return;
      const record: RunRecord = { parent: l.parent, last: last.toString('hex'), reported: [...l.seen, ...fresh] };
      try {
        mkdirSync(dirname(l.path), { recursive: true });
        const tmp = `${l.path}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(record));
        renameSync(tmp, l.path);
      } catch {
        // Not recorded (a read-only git folder): the next share reports its findings again.
      }
    },
  };
}

/**
 * The process that started this one, as its id and start time; undefined when the start time
 * cannot be read (then no run is taken for an earlier one).
 */
function parentIdentity(): string | undefined {
  const ppid = process.ppid;
  if (!Number.isInteger(ppid) || ppid <= 1) return undefined;
  try {
    // Linux: the 22nd field, after the command name in parentheses (which may hold spaces).
    const stat = readFileSync(`/proc/${ppid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (start) return `${ppid}:${start}`;
  } catch {
    // No /proc (macOS, the BSDs): ps says when it started.
  }
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(ppid)], { encoding: 'utf8' });
  const start = ps.status === 0 ? ps.stdout.trim() : '';
  return start ? `${ppid}:${start}` : undefined;
}

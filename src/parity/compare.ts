/**
 * Parity over files and folders: two JSON documents, or two folders of captures matched by
 * their path relative to the folder. A golden capture without its counterpart, or a
 * capture without a golden one, is unmeasured (halt), never a pass.
 *
 * The same comparison serves `capture-check`: the two captures of one request, taken twice
 * from the same inputs, must not differ outside the mask, or the golden set holds a
 * non-deterministic field and parity against it would be noise.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Verdict } from '../model/result.js';
import { compileMask, type Difference, diffJson } from './diff.js';
import { parseJson } from './parse.js';

export type ParityMode = 'diff' | 'capture-check';

export type FileStatus = 'parity' | 'differs' | 'missing_capture' | 'missing_golden';

export interface ParityFile {
  /** The path relative to the compared folders (the file name when two files are compared). */
  name: string;
  status: FileStatus;
  golden?: string;
  actual?: string;
  differences: Difference[];
}

export interface ParityOptions {
  significantDigits: number;
  /** The mask regex as written in the spec (matched against whole key names). */
  mask?: string;
  /** Where the rules come from, for the report (e.g. `gates/wave3/parity.yaml`). */
  spec?: string;
}

export interface ParityReport {
  mode: ParityMode;
  golden: string;
  actual: string;
  significant_digits: number;
  mask: string | null;
  spec: string | null;
  verdict: Verdict;
  /** Why nothing could be compared (a folder missing or empty); the verdict is then halt. */
  halt?: string;
  counts: Record<FileStatus, number>;
  files: ParityFile[];
}

/**
 * Compares `golden` with `actual`: two files, or two folders. A path that does not exist,
 * or a folder without a JSON file, makes the report halt with the reason. Malformed JSON
 * throws JsonSyntaxError (an invalid input, not a difference).
 */
export function compareParity(
  golden: string,
  actual: string,
  opts: ParityOptions,
  mode: ParityMode = 'diff',
): ParityReport {
  const rules = { significantDigits: opts.significantDigits, ...(opts.mask ? { mask: compileMask(opts.mask) } : {}) };
  const base = {
    mode,
    golden,
    actual,
    significant_digits: opts.significantDigits,
    mask: opts.mask ?? null,
    spec: opts.spec ?? null,
  };
  const halted = (why: string): ParityReport => ({ ...base, verdict: 'halt', halt: why, counts: count([]), files: [] });
  for (const p of [golden, actual]) if (!existsSync(p)) return halted(`${p} does not exist`);
  const gDir = statSync(golden).isDirectory();
  const aDir = statSync(actual).isDirectory();
  if (gDir !== aDir) {
    return halted(
      `${gDir ? golden : actual} is a folder but ${gDir ? actual : golden} is a file: compare two files or two folders`,
    );
  }
  const one = (name: string, g?: string, a?: string): ParityFile => {
    if (!a) return { name, status: 'missing_capture', ...(g ? { golden: g } : {}), differences: [] };
    if (!g) return { name, status: 'missing_golden', actual: a, differences: [] };
    const differences = diffJson(parseJson(readFileSync(g, 'utf8'), g), parseJson(readFileSync(a, 'utf8'), a), rules);
    return { name, status: differences.length ? 'differs' : 'parity', golden: g, actual: a, differences };
  };
  let files: ParityFile[];
  if (!gDir) {
    files = [one(baseName(golden), golden, actual)];
  } else {
    const gs = jsonFiles(golden);
    if (gs.length === 0)
      return halted(`no golden captures (*.json) in ${golden}: zero files is unmeasured, not parity`);
    const as = new Set(jsonFiles(actual));
    const names = [...new Set([...gs, ...as])].sort();
    const gSet = new Set(gs);
    files = names.map((n) =>
      one(n, gSet.has(n) ? join(golden, n) : undefined, as.has(n) ? join(actual, n) : undefined),
    );
  }
  const counts = count(files);
  const verdict: Verdict =
    counts.differs > 0 ? 'fail' : counts.missing_capture + counts.missing_golden > 0 ? 'halt' : 'pass';
  return { ...base, verdict, counts, files };
}

function count(files: ParityFile[]): Record<FileStatus, number> {
  const c: Record<FileStatus, number> = { parity: 0, differs: 0, missing_capture: 0, missing_golden: 0 };
  for (const f of files) c[f.status]++;
  return c;
}

/**
 * `*.json` files under a folder, recursively, as sorted forward-slash relative paths. A
 * symbolic link counts as what it points to (a capture shared between two sets is often
 * linked, not copied): skipped, the same link on both sides left the file uncompared, and
 * a set of links alone halted as "no golden captures". A link to a folder already being
 * read is not followed again.
 */
export function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string, seen: ReadonlySet<string>): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      let kind: 'dir' | 'file' | undefined = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : undefined;
      if (e.isSymbolicLink()) {
        const target = statSync(p, { throwIfNoEntry: false });
        kind = target?.isDirectory() ? 'dir' : target?.isFile() ? 'file' : undefined;
      }
      if (kind === 'dir') {
        const real = realpathSync(p);
        if (!seen.has(real)) visit(p, new Set([...seen, real]));
      } else if (kind === 'file' && e.name.endsWith('.json')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  visit(dir, new Set([realpathSync(dir)]));
  return out.sort();
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** The exit code of a parity report: 0 at parity, 1 a difference, 2 something unmeasured. */
export function parityExitCode(r: ParityReport): number {
  return r.verdict === 'pass' ? 0 : r.verdict === 'fail' ? 1 : 2;
}

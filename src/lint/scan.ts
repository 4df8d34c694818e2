/**
 * The per-file work of a lint run: read each planned file once, skip binary and huge
 * ones, screen it with one combined regex of the rules that apply, and only on a hit run
 * each rule's own regex. Files are read in small batches, so memory stays flat however
 * large the tree. Shared by the main thread and the scan worker (scan-worker.ts).
 */
import { isAscii } from 'node:buffer';
import { setFlagsFromString } from 'node:v8';
import { append } from '../util/append.js';
import { runsInLinearTime } from './linear.js';
import type { LintFinding } from './report.js';
import type { ContentCheck } from './rules/check.js';
import { findingsFor, LineIndex, matchesOf } from './rules/content.js';
import type { ReadResult, SkippedFile } from './scopes.js';

// A rule's regex that backtracks catastrophically ((a+)+$ over a long run of a's) would hang
// the commit: past V8's backtrack limit, a regex its linear-time engine supports (no
// lookaround, no backreference) is run again by that engine, with the same matches. The flag
// is process-wide and read when a regex runs, so this module (which every scan loads, on
// either thread, before a rule's regex runs) sets it.
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

/** Like git's own heuristic: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_PROBE = 8000;
const BATCH = 256;

/** A file and the indexes (into the checks array) of the checks that scan or inspect it. */
export type PlannedFile = [file: string, scan: number[], inspect: number[]];

export interface ScanResult {
  findings: LintFinding[];
  skipped: SkippedFile[];
  /** Of the skipped, those that could not be read (ReadResult's `unread`), by plan order. */
  unread: SkippedFile[];
  checked: number;
  /** Files each check scanned, by check index. */
  perCheck: number[];
}

export function scanFiles(
  plan: PlannedFile[],
  checks: ContentCheck[],
  read: (paths: string[]) => Map<string, ReadResult>,
): ScanResult {
  const out: ScanResult = { findings: [], skipped: [], unread: [], checked: 0, perCheck: checks.map(() => 0) };
  const screens = new Map<string, RegExp[] | null>();
  for (let at = 0; at < plan.length; at += BATCH) {
    const batch = plan.slice(at, at + BATCH);
    const contents = read(batch.map(([f]) => f));
    for (const [file, scan, inspect] of batch) {
      const r = contents.get(file);
      if (!r || !r.ok) {
        // A symlink, a deleted file or a submodule a rule applies to is named as not read, so
        // the files checked and those listed add up; it is no file of this tree to check, so
        // unlike one that could not be read it leaves no rule unchecked.
        if (r?.reason !== undefined) {
          const skip = { path: file, reason: r.reason };
          out.skipped.push(skip);
          if (!('gone' in r) && r.unread) out.unread.push(skip);
        }
        continue;
      }
      const data = r.data;
      if (data.subarray(0, BINARY_PROBE).includes(0)) {
        out.skipped.push({ path: file, reason: 'binary' });
        continue;
      }
      out.checked++;
      for (const i of scan) out.perCheck[i] = (out.perCheck[i] ?? 0) + 1;
      const text = decodeText(data);
      const lines = new LineIndex(text);
      if (scan.length) {
        const key = scan.join(',');
        let screen = screens.get(key);
        if (screen === undefined) {
          screen = combined(scan.map((i) => checks[i] as ContentCheck));
          screens.set(key, screen);
        }
        if (screen === null || screen.some((re) => re.test(text))) {
          for (const i of scan) {
            const c = checks[i] as ContentCheck;
            const ms = matchesOf(c.re, text);
            // A file may have a few hundred thousand matches (a tab rule over a large TSV).
            if (ms.length) append(out.findings, findingsFor(c.rule, file, ms, lines, c.message));
          }
        }
      }
      for (const i of inspect) {
        const c = checks[i] as ContentCheck;
        if (c.inspect) append(out.findings, c.inspect(file, text, lines));
      }
    }
  }
  return out;
}

/**
 * A file's text as every rule sees it. Byte-for-byte (latin1) is the cheapest decoding and
 * exact for ASCII; anything else is UTF-8, so columns count the same characters an editor
 * shows.
 */
export function decodeText(data: Buffer): string {
  // A byte-order mark is not text: editors show line 1 without it, and `^` must match after it.
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return data.toString('utf8', 3);
  return data.toString(isAscii(data) ? 'latin1' : 'utf8');
}

/**
 * Regexes that together match wherever any of the checks does (one per flag set), or null
 * when there is none: a backreference or a named group means something else inside a longer
 * pattern (`\1` names another rule's group; two rules may name a group alike), so such a set
 * is not screened and every check runs. Every alternative is wrapped, so one rule's
 * alternation cannot swallow another's. Rules that ignore case are screened apart from those
 * that do not: under `i`, `[^a]` and `(?!a)` refuse `A` too, so a shared flag could match less;
 * rules V8 can run in linear time apart from those it cannot.
 */
function combined(checks: ContentCheck[]): RegExp[] | null {
  if (checks.some((c) => GROUP_REFERENCE.test(c.re.source))) return null;
  const byFlags = new Map<string, { flags: string; sources: string[] }>();
  for (const c of checks) {
    const flags = c.re.flags.replace('g', '');
    // A pattern the linear-time engine can run stays out of a screen with one it cannot (a
    // lookaround, a {n,m} repeat): together they could not be run again by it, and would
    // backtrack as long as the worst.
    const key = `${flags}${runsInLinearTime(c.re.source, flags) ? '' : '\0slow'}`;
    const set = byFlags.get(key) ?? { flags, sources: [] };
    set.sources.push(`(?:${c.re.source})`);
    byFlags.set(key, set);
  }
  return [...byFlags.values()].map(({ flags, sources }) => new RegExp(sources.join('|'), flags));
}

/** A backreference (`\1`, `\k<name>`) or a named group; an escaped backslash before a digit counts too, harmlessly. */
const GROUP_REFERENCE = /\\[1-9]|\\k<|\(\?<[^=!]/;

/**
 * Which regexes V8's linear-time engine can run, asked of V8 itself (its rules change between
 * versions: no lookaround, backreference, ignore_case or {n,m} repeat in Node 20). Only such a
 * regex is rescued by the backtrack fallback scan.ts turns on; kept apart from backtracking.ts
 * so the scan (a hook's hot path) loads no regex parser for it.
 */
import { setFlagsFromString } from 'node:v8';

// Makes the `l` (linear) flag known, so a probe can ask; nothing runs in that engine unless
// asked by the flag or by the backtrack fallback.
setFlagsFromString('--enable-experimental-regexp-engine');

const answers = new Map<string, boolean>();

export function runsInLinearTime(source: string, flags: string): boolean {
  const key = `${flags}/${source}`;
  let can = answers.get(key);
  if (can === undefined) {
    try {
      new RegExp(source, `${flags}l`);
      can = true;
    } catch {
      can = false;
    }
    answers.set(key, can);
  }
  return can;
}

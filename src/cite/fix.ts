/**
 * `--fix`: DRIFT citations rewritten to their new lines. Only the characters of each
 * drifted citation change (the offsets come from the parser); every other byte of the
 * document, line endings included, stays as it was. The change is shown as a unified diff
 * (jsdiff) before anything is written.
 */
import { createTwoFilesPatch } from 'diff';
import { extractCitations } from './extract.js';
import type { CiteReport } from './verify.js';

export interface FixResult {
  text: string;
  /** How many citations were rewritten (a link's label rewritten with its target counts with it). */
  fixed: number;
  /** Unified diff of the document; '' when nothing changes. */
  patch: string;
}

export function applyFixes(document: string, text: string, report: CiteReport): FixResult {
  const fixes = new Map<string, string>();
  for (const c of report.citations) {
    if (c.verdict !== 'DRIFT' || !c.fix) continue;
    fixes.set(`${c.location.line}:${c.location.col}`, c.fix.to);
    // The same lines written again in the link's label move with them.
    for (const a of c.also ?? []) if (a.fix) fixes.set(`${a.location.line}:${a.location.col}`, a.fix.to);
  }
  // A label rewritten with its link's target is one correction with it, not a second.
  const labels = new Set<string>();
  for (const c of report.citations) {
    for (const a of c.verdict === 'DRIFT' && c.fix ? (c.also ?? []) : []) {
      if (a.fix) labels.add(`${a.location.line}:${a.location.col}`);
    }
  }
  let out = text;
  let fixed = 0;
  // Right to left, so earlier offsets stay valid.
  for (const narrow of extractCitations(text).reverse()) {
    // The report names whichever reading of the span the tree decided (see verifyCitations).
    const c = narrow.whole && fixes.has(`${narrow.whole.line}:${narrow.whole.col}`) ? narrow.whole : narrow;
    const to = fixes.get(`${c.line}:${c.col}`);
    if (to === undefined || to === c.text) continue;
    out = out.slice(0, c.offset) + to + out.slice(c.end);
    if (!labels.has(`${c.line}:${c.col}`)) fixed++;
  }
  const patch = fixed
    ? createTwoFilesPatch(`a/${document}`, `b/${document}`, text, out, undefined, undefined, { context: 2 })
    : '';
  return { text: out, fixed, patch };
}

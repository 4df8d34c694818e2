/**
 * Pure formatters of a ParityReport: a table (one line per file, then every difference
 * with its JSON path), JSON (deterministic) and JUnit.
 */
import type { Difference } from '../../parity/diff.js';
import type { FileStatus, ParityReport } from '../../parity/compare.js';
import { formatParityJunit } from './junit.js';
import { asIs, jsonReport, type Show, shown } from '../visible.js';
import type { ParityFormat } from './names.js';

export function formatParity(r: ParityReport, format: ParityFormat): string {
  switch (format) {
    case 'table':
      return parityTable(r);
    case 'json':
      return jsonReport(r);
    case 'junit':
      return formatParityJunit(r);
  }
}

/**
 * `value_changed $.a.b: 1 → 2`, one line, the way the table and JUnit show it. The path and
 * the values come from the captured responses: `show` is how the format shows them (the table
 * writes out what a terminal or a CI log would obey; JUnit escapes for XML itself).
 */
export function describeDifference(d: Difference, mode: ParityReport['mode'] = 'diff', show: Show = asIs): string {
  const [first, second] = mode === 'diff' ? ['golden capture', 'compared capture'] : ['first take', 'second take'];
  const values =
    d.expected !== undefined && d.actual !== undefined
      ? `${show(d.expected)} → ${show(d.actual)}`
      : d.expected !== undefined
        ? `only in the ${first}: ${show(d.expected)}`
        : `only in the ${second}: ${show(d.actual ?? '')}`;
  return `${d.kind} ${show(d.path)}: ${values}`;
}

const LABEL: Record<ParityReport['mode'], Record<FileStatus, string>> = {
  diff: { parity: 'parity', differs: 'DIFFERS', missing_capture: 'NO CAPTURE', missing_golden: 'NO GOLDEN' },
  'capture-check': {
    parity: 'stable',
    differs: 'UNSTABLE',
    missing_capture: 'NO 2ND TAKE',
    missing_golden: 'NO 1ST TAKE',
  },
};

export function parityTable(r: ParityReport): string {
  // File names, JSON paths and values come from the captures (response bodies): shown, not obeyed.
  const show = shown;
  // A rule a flag replaced is said to be the flag's: credited to parity.yaml, a run with
  // --mask read as if the RFC's mask were that.
  const flags = (r.overridden ?? []).map((k) =>
    k === 'mask' ? 'mask from --mask' : 'significant digits from --significant-digits',
  );
  const from = r.spec ? ` (${[show(r.spec), ...flags].join('; ')})` : '';
  const rules = `${r.significant_digits} significant digits, mask ${r.mask ? `/${show(r.mask)}/` : 'none'}${from}`;
  const out = [`${r.mode === 'diff' ? 'parity' : 'capture check'}: ${show(r.golden)} vs ${show(r.actual)}; ${rules}`];
  if (r.halt) {
    out.push(`HALT: ${show(r.halt)}`);
    return `${out.join('\n')}\n`;
  }
  if (r.skipped?.length) {
    out.push(`skipped, not regular files (not compared):`);
    for (const why of r.skipped) out.push(`    ${show(why)}`);
  }
  const width = r.files.reduce((w, f) => Math.max(w, LABEL[r.mode][f.status].length), 0);
  for (const f of r.files) {
    out.push(`${LABEL[r.mode][f.status].padEnd(width)}  ${show(f.name)}`);
    if (f.unreadable) out.push(`    ${show(f.unreadable)}`);
    if (r.mode === 'capture-check' && f.differences.length) {
      out.push('    a field outside the mask differs between two captures of the same request (non-deterministic):');
    }
    for (const d of f.differences) out.push(`    ${describeDifference(d, r.mode, show)}`);
  }
  const c = r.counts;
  const total = r.files.length;
  const summary =
    r.mode === 'diff'
      ? `${c.parity} of ${total} at parity, ${c.differs} differ, ${c.missing_capture} without a capture, ${c.missing_golden} without a golden`
      : `${c.parity} of ${total} stable, ${c.differs} unstable, ${c.missing_capture} without a second take, ${c.missing_golden} without a first take`;
  out.push(`${summary}: ${r.verdict.toUpperCase()}`);
  return `${out.join('\n')}\n`;
}

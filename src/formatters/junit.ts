import { create } from 'xmlbuilder2';
import type { EvidenceValue, Evidence, GateReport, GateResult } from '../model/result.js';
import { inertMarkup } from './visible.js';
import { xmlAttr as attr, xmlText as text } from './xml-text.js';

/**
 * JUnit XML: one <testsuite> per RFC, one <testcase> per gate. A failed gate is a <failure>,
 * a halted gate an <error type="halt:<reason>">, a passing gate a plain testcase. There are
 * no timings, so the same report always gives byte-identical XML. `prefix`: the root's place
 * below the repository's top ('svc/'), since CI resolves `file` from the top.
 */
export function formatJunit(report: GateReport, o: { prefix?: string } = {}): string {
  const prefix = o.prefix ?? '';
  const count = (v: GateResult['verdict']) => report.results.filter((r) => r.verdict === v).length;
  const totals = {
    tests: String(report.results.length),
    failures: String(count('fail')),
    errors: String(count('halt')),
    skipped: '0',
  };
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const suites = doc.ele('testsuites', { name: `rfcgate ${attr(report.rfc)}`, ...totals });
  const suite = suites.ele('testsuite', { name: attr(report.rfc), ...totals, timestamp: junitTimestamp(report.as_of) });
  const props = suite.ele('properties');
  for (const [name, value] of [
    ['rfc', report.rfc],
    ['as_of', report.as_of],
    ...(report.snapshot_at ? [['snapshot_at', report.snapshot_at] as const] : []),
    ['ref', report.ref],
    ...(report.phase ? [['phase', report.phase] as const] : []),
    ['verdict', report.verdict],
  ] as const) {
    props.ele('property', { name, value: attr(value) });
  }
  for (const r of report.results) {
    const testcase = suite.ele('testcase', {
      name: attr(`${r.id} ${r.title}`),
      classname: attr(`${report.rfc}.${r.kind}`),
      file: attr(prefix + toPosix(r.location.file)),
      line: String(r.location.line),
    });
    if (r.verdict === 'pass') continue;
    const message = attr(r.reason ?? r.title);
    const child =
      r.verdict === 'fail'
        ? testcase.ele('failure', { message, type: 'fail' })
        : testcase.ele('error', { message, type: `halt:${r.halt_reason ?? 'error'}` });
    child.txt(text(body(r, prefix)));
  }
  return `${inertMarkup(doc.end({ prettyPrint: true, indent: '  ' }))}\n`;
}

function body(r: GateResult, prefix: string): string {
  const verdict = r.verdict === 'halt' ? `halt (${r.halt_reason ?? 'error'})` : r.verdict;
  const head = [
    `${r.kind} ${r.id} ${r.section}: ${r.title}`,
    `${verdict}: ${r.reason ?? '(no reason given)'}`,
    `spec: ${prefix}${toPosix(r.location.file)}:${r.location.line}:${r.location.col}`,
  ];
  const evidence = evidenceSummary(r.evidence);
  return [...head, ...(evidence.length ? ['', 'evidence:', ...evidence.map((l) => `  ${l}`)] : [])].join('\n');
}

/** Keys that are long or already shown; the full evidence is in the JSON report. */
const OMIT = new Set(['spec', 'sql', 'probe_sql']);
const MAX_VALUE = 160;

/**
 * One line per top-level evidence key (keys sorted), one per measurement; SQL text is left
 * out and long values are cut, so the body stays readable in a CI test view.
 */
export function evidenceSummary(evidence: Evidence): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(evidence).sort()) {
    if (OMIT.has(key)) continue;
    const value = evidence[key] as EvidenceValue;
    if (key === 'measurements' && isObject(value)) {
      for (const id of Object.keys(value).sort()) lines.push(`measurement ${id}: ${measurement(value[id])}`);
    } else if (key === 'all_of' && Array.isArray(value) && value.every(isObject)) {
      // One line per gate; one the report leaves out brings its evidence, shown as its own is.
      for (const g of value) {
        const halt = typeof g.halt_reason === 'string' ? ` (${g.halt_reason})` : '';
        lines.push(`gate ${plain(g.id)}: ${plain(g.verdict)}${halt}`);
        if (isObject(g.evidence)) lines.push(...evidenceSummary(g.evidence).map((l) => `  ${l}`));
      }
    } else {
      lines.push(`${key}: ${typeof value === 'string' ? clip(value) : compact(value)}`);
    }
  }
  return lines;
}

function measurement(m: EvidenceValue | undefined): string {
  if (!isObject(m)) return compact(m ?? null);
  const parts: string[] = [];
  if (typeof m.source === 'string') parts.push(`source=${m.source}`);
  if ('value' in m) parts.push(`value=${compact(m.value as EvidenceValue)}`);
  if (typeof m.halt === 'string') parts.push(`halt=${m.halt}`);
  for (const k of Object.keys(m).sort()) {
    if (['source', 'value', 'reason', ...OMIT].includes(k) || (k === 'halt' && typeof m.halt === 'string')) continue;
    parts.push(`${k}=${compact(m[k] as EvidenceValue)}`);
  }
  if (typeof m.reason === 'string') parts.push(`reason=${clip(m.reason)}`);
  return parts.join(' ');
}

function plain(v: EvidenceValue | undefined): string {
  return typeof v === 'string' ? clip(v) : compact(v ?? null);
}

function compact(v: EvidenceValue): string {
  return clip(JSON.stringify(sortKeys(v)));
}

function sortKeys(v: EvidenceValue): EvidenceValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) {
    const out: { [k: string]: EvidenceValue } = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k] as EvidenceValue);
    return out;
  }
  return v;
}

function isObject(v: EvidenceValue | undefined): v is { [key: string]: EvidenceValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string): string {
  const one = s.replace(/\s*\r?\n\s*/g, ' ');
  const chars = Array.from(one);
  return chars.length > MAX_VALUE ? `${chars.slice(0, MAX_VALUE - 1).join('')}…` : one;
}

function toPosix(file: string): string {
  return file.replace(/\\/g, '/');
}

/**
 * The suite's timestamp as the JUnit schema types it (Ant's XMLJUnitResultFormatter, the
 * JUnit.xsd CI tools validate against): `YYYY-MM-DDTHH:MM:SS`, no fraction and no zone, so
 * it is written in UTC; the exact instant is the `as_of` property.
 */
export function junitTimestamp(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

import type { EvidenceValue, GateReport, GateResult } from '../model/result.js';
import { jsonReport } from './visible.js';

/** Evidence keys are sorted so the same inputs always give byte-identical output. */
function sortKeys(v: EvidenceValue): EvidenceValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: { [k: string]: EvidenceValue } = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k] as EvidenceValue);
    return out;
  }
  return v;
}

function result(r: GateResult): Record<string, unknown> {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    section: r.section,
    verdict: r.verdict,
    ...(r.halt_reason ? { halt_reason: r.halt_reason } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    evidence: sortKeys(r.evidence),
    location: { file: r.location.file, line: r.location.line, col: r.location.col },
    ...(r.cause ? { cause: { file: r.cause.file, line: r.cause.line, col: r.cause.col } } : {}),
  };
}

export function formatJson(report: GateReport): string {
  const ordered = {
    rfc: report.rfc,
    as_of: report.as_of,
    ...(report.snapshot_at ? { snapshot_at: report.snapshot_at } : {}),
    ref: report.ref,
    ...(report.phase ? { phase: report.phase } : {}),
    verdict: report.verdict,
    results: report.results.map(result),
  };
  return jsonReport(ordered);
}

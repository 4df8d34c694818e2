/**
 * A gate's sensitivity bands as the human reports show them: where its measured value lands
 * within a band of its threshold, the verdict at each alternate anchor, so a reader never
 * takes a decision that hinges on one number for a settled one.
 */
import type { EvidenceValue, GateResult } from '../model/result.js';

type Band = { [key: string]: EvidenceValue };

const isBand = (b: EvidenceValue): b is Band => typeof b === 'object' && b !== null && !Array.isArray(b);

/**
 * The gate's bands its measured value lands in (evidence.sensitivity, in_band), and those of
 * the gates an all_of carries because the report leaves them out (`--phase close` keeps EC5 but
 * not B): the composite's verdict hinges on them as B's would, and no row of B shows them.
 * A carried gate's band names that gate (`of`), since its anchors give that gate's verdict.
 */
export function inBand(r: GateResult): Band[] {
  return bandsIn(r.evidence);
}

function bandsIn(evidence: Band, of?: string): Band[] {
  const s = evidence.sensitivity;
  const own = Array.isArray(s)
    ? s.filter((b): b is Band => isBand(b) && b.in_band === true).map((b) => (of === undefined ? b : { ...b, of }))
    : [];
  // Only a child carried here has its evidence inline; one the report holds shows its own row.
  const carried = Array.isArray(evidence.all_of)
    ? evidence.all_of.flatMap((d) =>
        isBand(d) && isBand(d.evidence ?? null) ? bandsIn(d.evidence as Band, String(d.id)) : [],
      )
    : [];
  return [...own, ...carried];
}

/**
 * `ode_floor_pct: 58.2 is within 5 of 60; at 50 fail, at 65 pass, at 75 pass`; a carried
 * gate's, `p50_ratio of B: 2.05 is within 5% of 2; at 1.5 fail, at 2.5 pass` (B's verdicts).
 */
export function bandText(b: Band): string {
  const param = String(b.param);
  const band = isBand(b.band ?? null) ? (b.band as Band) : {};
  const width =
    typeof band.relative === 'number'
      ? `${Number((band.relative * 100).toPrecision(12))}%`
      : String(band.absolute ?? '?');
  const at = (Array.isArray(b.anchors) ? b.anchors : []).map((a) => {
    const anchor = isBand(a) ? a : {};
    return `at ${String(anchor[param])} ${String(anchor.verdict)}`;
  });
  const whose = typeof b.of === 'string' ? `${param} of ${b.of}` : param;
  return `${whose}: ${String(b.measured)} is within ${width} of ${String(b.threshold)}${at.length ? `; ${at.join(', ')}` : ''}`;
}

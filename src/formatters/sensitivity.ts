/**
 * A gate's sensitivity bands as the human reports show them: where its measured value lands
 * within a band of its threshold, the verdict at each alternate anchor, so a reader never
 * takes a decision that hinges on one number for a settled one.
 */
import type { EvidenceValue, GateResult } from '../model/result.js';

type Band = { [key: string]: EvidenceValue };

const isBand = (b: EvidenceValue): b is Band => typeof b === 'object' && b !== null && !Array.isArray(b);

/** The gate's bands its measured value lands in (evidence.sensitivity, in_band). */
export function inBand(r: GateResult): Band[] {
  const s = r.evidence.sensitivity;
  return Array.isArray(s) ? s.filter((b): b is Band => isBand(b) && b.in_band === true) : [];
}

/** `ode_floor_pct: 58.2 is within 5 of 60; at 50 fail, at 65 pass, at 75 pass`. */
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
  return `${param}: ${String(b.measured)} is within ${width} of ${String(b.threshold)}${at.length ? `; ${at.join(', ')}` : ''}`;
}

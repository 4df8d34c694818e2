/**
 * The one format-neutral result model. Every gate kind produces a GateResult; every
 * formatter reads a GateReport; exit codes are derived from it in one place.
 */

export type Verdict = 'pass' | 'fail' | 'halt';

export const HALT_REASONS = ['missing', 'insufficient', 'stale', 'pending', 'unsigned', 'error'] as const;
export type HaltReason = (typeof HALT_REASONS)[number];

/** A position in a spec file, 1-based, as editors and CI annotations expect. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** JSON-serialisable evidence: what a verifier needs to re-derive the verdict. */
export type EvidenceValue = string | number | boolean | null | EvidenceValue[] | { [key: string]: EvidenceValue };
export type Evidence = { [key: string]: EvidenceValue };

export interface GateResult {
  id: string;
  kind: GateKind;
  title: string;
  section: string;
  verdict: Verdict;
  /** Present for halt and fail: why, in one sentence a person can act on. */
  reason?: string;
  /** Present only when verdict is halt. */
  halt_reason?: HaltReason;
  evidence: Evidence;
  location: SourceLocation;
  /**
   * Present only on a halt caused by text a person wrote elsewhere: where that is (the
   * measurement's misspelt column in measurements.yaml, a record file's judgement line).
   * Annotations point there, where the fix goes; `location` stays the gate's.
   */
  cause?: SourceLocation;
}

export type GateKind = 'disconfirmer' | 'exit_criterion' | 'stop_sign' | 'invariant';

export interface GateReport {
  rfc: string;
  as_of: string;
  /**
   * The instant the database depicts (--snapshot-at: a restored copy); absent when it is live.
   * A re-run without it reads the copy's present state as of today and gives other verdicts.
   */
  snapshot_at?: string;
  ref: string;
  /** The phase the gates were selected by (--phase); absent when every phase's gates were. */
  phase?: string;
  verdict: Verdict;
  results: GateResult[];
}

/** fail dominates halt dominates pass: one fired gate is a no-go whatever else halts. */
export function combineVerdicts(verdicts: Iterable<Verdict>): Verdict {
  let out: Verdict = 'pass';
  for (const v of verdicts) {
    if (v === 'fail') return 'fail';
    if (v === 'halt') out = 'halt';
  }
  return out;
}

export const EXIT = {
  pass: 0,
  fail: 1,
  halt: 2,
  invalid: 3,
} as const;

export function exitCodeFor(verdict: Verdict): number {
  return EXIT[verdict];
}

/** The text every command's --help carries, so the exit codes are documented in one place. */
export const EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0  every gate passes',
  '  1  at least one gate failed or fired',
  '  2  no failure, but at least one gate halted (a measurement is missing, thin, stale, pending, unsigned or in error)',
  '  3  the spec or the invocation is invalid, or the report could not be written',
].join('\n');

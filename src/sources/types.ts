/**
 * The seam between the engine and the outside world. The engine only sees
 * MeasurementSource; each implementation hides its client (simple-git, pg, PGlite).
 */
import type { Evidence, HaltReason, SourceLocation } from '../model/result.js';
import type { MeasurementSpec, RfcManifest, SourceKind } from '../spec/types.js';

/**
 * Where the ref a run reads came from, so that advice about one the clone lacks says what to
 * fix: the flag, the spec, or the clone (fetch it).
 */
export interface RefOrigin {
  /** How a message says where it came from: `named by --ref`, `named in gates/x/rfc.yaml (mainline:)`. */
  named: string;
  /** What fixes it besides a fetch: `fix --ref`, `fix mainline in gates/x/rfc.yaml`. */
  fix: string;
  /** The flag that names a ref on this command line, to name the remote's copy with. */
  flag?: string;
}

export interface EvalContext {
  /** The instant the evaluation is "as of": nothing recorded after it may count. */
  asOf: Date;
  /** The git ref evaluated (default HEAD). */
  ref: string;
  /** Where `ref` came from, when the run knows (a measurement's own ref: is said by its source). */
  refFrom?: RefOrigin;
  /**
   * true when the run named its ref (--ref, even HEAD) or its instant (--as-of): the verdict
   * must then be the commit's, so what a source would otherwise take from the working tree
   * (the council's rounds and the document they reviewed) is read from that commit. Unset, a
   * plain local run may count what is written but not yet committed.
   */
  pinned?: boolean;
  /** Repository root of the governed repo. */
  repoDir: string;
  manifest: RfcManifest;
  /** Aborted when the source's timeout expires; long work should stop early. */
  signal: AbortSignal;
  /**
   * For a source that declares `timedFromStart: false`: called when this measurement's own work
   * begins (its query holds a connection), after any wait behind other measurements.
   */
  started?: () => void;
}

/** Values a measurement can produce; `int` measurements carry a JS number here. */
export type MeasuredValue = number | boolean | string | Date;

export type MeasurementOutcome =
  | {
      status: 'ok';
      value: MeasuredValue;
      evidence: Evidence;
      /**
       * Where a person looks first when a gate reading this value fails (a violation's session,
       * turn and file:line): one line, added to the gate's reason, so a table, an annotation or
       * a PR comment points at it without the JSON evidence.
       */
      detail?: string;
    }
  | {
      status: 'halt';
      halt: HaltReason;
      reason: string;
      evidence: Evidence;
      /**
       * Where in the spec the cause is written, when the halt is about text a person wrote (a
       * misspelt column in measurements.yaml, a blank judgement in a record file): a gate
       * halting on it points there.
       */
      at?: SourceLocation;
    };

export interface MeasurementSource {
  readonly kind: SourceKind;
  /**
   * false: the source queues measurements on a shared connection and opens it at most once
   * (PGlite runs one query at a time), bounding that wait itself; its timeout then counts from
   * `ctx.started()`, so a measurement is not timed out for the time others held the connection.
   */
  readonly timedFromStart?: boolean;
  measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome>;
  close(): Promise<void>;
}

export function halt(
  halt: HaltReason,
  reason: string,
  evidence: Evidence = {},
  at?: SourceLocation,
): MeasurementOutcome {
  return at === undefined ? { status: 'halt', halt, reason, evidence } : { status: 'halt', halt, reason, evidence, at };
}

export function ok(value: MeasuredValue, evidence: Evidence = {}, detail?: string): MeasurementOutcome {
  return detail === undefined ? { status: 'ok', value, evidence } : { status: 'ok', value, evidence, detail };
}

/**
 * The typed form of an RFC's specs after loading and validation. YAML positions travel
 * with every item so run-time evidence and errors can point back at the spec.
 */
import type { CitationClaim } from '../cite/spec.js';
import type { GateKind, SourceLocation } from '../model/result.js';
import type { ParitySpec } from '../parity/spec.js';

export type Phase = 'implementation' | 'canary' | 'close';
export const PHASES: readonly Phase[] = ['implementation', 'canary', 'close'];

/** CEL types a measurement can produce. */
export type ValueType = 'double' | 'int' | 'bool' | 'string' | 'timestamp';

export interface Operator {
  name: string;
  email: string;
}

export interface RfcManifest {
  id: string;
  title: string;
  version: string;
  document?: string;
  /** The branch whose first-parent history is "the mainline". */
  mainline: string;
  operators: Operator[];
  /** Folder, relative to the repository root, where attestation records are committed. */
  attestations_dir: string;
  database?: {
    /** Embedded PGlite data directory used when DATABASE_URL is not set. */
    embedded_dir?: string;
  };
  /** Default telemetry files (globs, repository-relative) for telemetry measurements that name none. */
  telemetry?: { files: string[] };
  location: SourceLocation;
  /** Where `document` is written: a document that is not there is rfc.yaml's to fix. */
  documentLocation?: SourceLocation;
}

/** Windows and ages are written as `<n><unit>` with unit s, m, h, d or w. */
export interface Requirements {
  min_rows?: number;
  days_with_rows?: number;
  max_age?: string;
}

export interface SqlTableQuery {
  table: string;
  timestamp: string;
  where?: string;
  value: string;
}

export interface SqlRawQuery {
  /** Must return one row with a `value` column; `rows`, `days_with_rows`, `newest`, `first_seen` when `require` needs them. */
  query: string;
  /** What the `rows` column counts, in words, when that is not the window's rows: messages name it. */
  rows_are?: string;
}

export type SqlMeasurementSpec = (SqlTableQuery | SqlRawQuery) & {
  connection_env?: string;
  /**
   * The query reads what the database holds now (a row's current state, the catalog), which no
   * table keeps a history of: as of an instant more than a few minutes past, it halts.
   */
  current_state?: boolean;
};

export type GitQuery =
  | { query: 'path_exists'; path: string; ref?: string }
  | { query: 'first_commit' | 'last_commit'; paths: string[]; scope?: 'mainline' | 'all'; ref?: string }
  | { query: 'commit_matching'; pattern: string; scope?: 'mainline' | 'all'; ref?: string }
  | {
      query: 'order';
      before: GitEvent;
      after: GitEvent;
      scope?: 'mainline' | 'all';
      ref?: string;
      /** Commits the 'after' event passes over: set by an order lint rule's waivers, never in measurements.yaml. */
      except?: string[];
    }
  | {
      /** The ordering guard: no mainline commit under `path` before every prereq has landed. */
      query: 'prereqs_before';
      path: string;
      ref?: string;
      /** Commits the guard passes over: set by an order lint rule's waivers, never in measurements.yaml. */
      except?: string[];
      /** Filled in by the loader from prereqs.yaml; never written in measurements.yaml. */
      prereqs?: PrereqSpec[];
    };

/** An event in history: the first commit touching `paths`, or the first whose message matches `pattern`. */
export interface GitEvent {
  paths?: string[];
  pattern?: string;
}

export interface ArtifactSpec {
  /** Glob relative to the repository root; the newest matching file (by name, then commit date) is read. */
  glob: string;
  /** A heading whose body must be filled in (no blank table cells, no blank judgement line). */
  section?: string;
  /** Read a value out of the artifact (of the section, when one is named). */
  extract?: PatternExtract | ColumnExtract;
  /** The sample window the document states must span at least this many days, or the value is not read. */
  sample?: SampleWindow;
  /** The value is whether a matching file exists (false when none does) instead of halting on none. */
  exists?: true;
  /** `allow`: a file present only in the working tree counts (evidence says CI cannot see it). */
  working_tree?: 'allow' | 'deny';
  ref?: string;
}

/**
 * The sample a document says its value was measured over: `pattern`'s two capture groups are
 * its first and last dates (YYYY-MM-DD), read from the text the value is read from. Days are
 * counted from the first date to the second, as a window [start, end) is: 2026-05-01 to
 * 2026-05-08 is 7 days.
 */
export interface SampleWindow {
  pattern: string;
  min_days: number;
}

/** The first capture group of `pattern` (the whole match without one), read as `as`. */
export interface PatternExtract {
  pattern: string;
  as: 'double' | 'bool' | 'string';
}

/**
 * A column of the GFM tables whose header names it: every data row's cell, read as a number,
 * folded into one by `aggregate` (`count`: how many rows).
 */
export interface ColumnExtract {
  column: string;
  aggregate: 'max' | 'min' | 'sum' | 'count';
}

/** The type of an artifact measurement's value: whether a file or section is there, or what it extracts. */
export function artifactType(spec: Pick<ArtifactSpec, 'extract'>): ValueType {
  const ex = spec.extract;
  if (!ex) return 'bool';
  if ('column' in ex) return ex.aggregate === 'count' ? 'int' : 'double';
  return ex.as;
}

export interface AttestationSpec {
  /** The judgements an operator may record; the measurement's value is the one recorded. */
  judgements: string[];
  /** Record file name under the manifest's attestations_dir; default `<measurement id>.yaml`. */
  record?: string;
  /**
   * A glob naming the artifact the record signs: a signer who wrote (or co-wrote) a matching
   * file in a mainline commit up to the one read cannot sign it.
   */
  independent_of?: string;
}

/** The verifier lane as a measurement: a count of citations or of golden captures off parity. */
export interface VerifierQuery {
  query: 'citations' | 'parity';
  /** citations: the Markdown document; default rfc.yaml's document. */
  document?: string;
  /** citations: the verdicts counted; default REFUTED and NOT_FOUND. */
  verdicts?: string[];
  ref?: string;
  /** Filled in by the loader from parity.yaml / citations.yaml; never written in measurements.yaml. */
  parity?: ParitySpec;
  claims?: CitationClaim[];
}

/** A figure of the latest stored council round (`council run`). */
export interface CouncilMeasurementSpec {
  value: 'open_blocks' | 'block_rounds';
}

/** Agent telemetry (JSONL usage records): see src/sources/telemetry/records.ts for the shapes read. */
export interface TelemetrySpec {
  /** Globs relative to the repository root (or absolute); default rfc.yaml's telemetry.files. */
  files?: string[];
  /** One of the metrics of src/sources/telemetry/metrics.ts. */
  metric: string;
  /** Only turns recorded in [as_of - window, as_of) count. */
  window?: string;
  /** Only the last N turns count (of each session when per: session). */
  last_turns?: number;
  /** `all`: one value over every turn; `session`: one value per session, folded by `aggregate`. */
  per?: 'all' | 'session';
  aggregate?: 'min' | 'max' | 'mean';
  /** Fewer turns than this in the window (in a session, when per: session) is too thin: halt insufficient. Default 1. */
  min_turns?: number;
  /** per: session: fewer qualifying sessions than this halts insufficient. Default 1. */
  min_sessions?: number;
  /** Invariant metrics: fewer marked turns checked than this halts insufficient. Default 1. */
  min_events?: number;
  /** The newest turn must be younger than this. */
  max_age?: string;
}

interface MeasurementBase {
  id: string;
  title?: string;
  type: ValueType;
  window?: string;
  require?: Requirements;
  /** The measurement counts events; zero is only clean if `liveness` shows the channel producing. */
  counts_events?: boolean;
  liveness?: string;
  location: SourceLocation;
  /**
   * Where this measurement's source block is written in its file: the block's key (`sql:`)
   * without `key`; the value of its key `key`, a dotted path for one nested in it
   * (`extract.pattern`); the character `offset` of that value. For a failure a person fixes in
   * the spec (a misspelt column), which its halt then points at.
   */
  textAt?: (key?: string, offset?: number) => SourceLocation;
}

export type MeasurementSpec =
  | (MeasurementBase & { source: 'sql'; sql: SqlMeasurementSpec })
  | (MeasurementBase & { source: 'git'; git: GitQuery })
  | (MeasurementBase & { source: 'artifact'; artifact: ArtifactSpec })
  | (MeasurementBase & { source: 'attestation'; attestation: AttestationSpec })
  | (MeasurementBase & { source: 'telemetry'; telemetry: TelemetrySpec })
  | (MeasurementBase & { source: 'verifier'; verifier: VerifierQuery })
  | (MeasurementBase & { source: 'council'; council: CouncilMeasurementSpec });

export type SourceKind = MeasurementSpec['source'];

export interface SensitivitySpec {
  /** The gate parameter being anchored. */
  param: string;
  /** CEL expression for the measured quantity in the parameter's units. */
  compares: string;
  band: { relative?: number; absolute?: number };
  alternates: number[];
}

interface GateBase {
  id: string;
  kind: GateKind;
  title: string;
  section: string;
  phase: Phase[];
  params: Record<string, number>;
  sensitivity: SensitivitySpec[];
  location: SourceLocation;
  /** Positions of individual keys, for errors that point inside a gate. */
  keyLocations: Record<string, SourceLocation>;
}

/** A gate decided by a CEL condition over measurements and params. */
export interface ConditionGate extends GateBase {
  /** `fires`: true means fail (disconfirmers, stop signs). `holds`: true means pass. */
  polarity: 'fires' | 'holds';
  condition: string;
}

/** An exit criterion that is met when every named gate passes. */
export interface CompositeGate extends GateBase {
  all_of: string[];
}

export type GateSpec = ConditionGate | CompositeGate;

export function isConditionGate(g: GateSpec): g is ConditionGate {
  return (g as ConditionGate).condition !== undefined;
}

/** A condition over measurements that must hold before a prereq may land. */
export interface PrereqDataGate {
  id: string;
  title?: string;
  condition: string;
  location: SourceLocation;
}

/** One prerequisite PR of prereqs.yaml. */
export interface PrereqSpec {
  id: string;
  title: string;
  section?: string;
  /** Paths or globs the prereq creates or modifies. */
  deliverables: string[];
  depends_on: string[];
  data_gates: PrereqDataGate[];
  /** A regex a mainline commit message must match, when paths alone cannot prove the prereq landed. */
  landed_when?: { commit_message: string };
  /** Deliverables also listed by a prereq this one depends on (it modifies them): they prove nothing alone. */
  shared: string[];
  location: SourceLocation;
  /** Where each deliverable is written, in the order of `deliverables`. */
  deliverableLocations?: SourceLocation[];
}

export interface RfcSpec {
  root: string;
  dir: string;
  manifest: RfcManifest;
  measurements: Map<string, MeasurementSpec>;
  gates: GateSpec[];
  /** The prerequisite-PR DAG (prereqs.yaml), in file order; empty when the RFC has none. */
  prereqs?: PrereqSpec[];
}

/**
 * measure check: every SQL measurement's query against the live schema, before any window has
 * data to judge (principle 7, "schema of measurement tables against the queries that read
 * them"). gate check finds the same rejected query only as one halt among others, and only
 * once the gate that reads it is evaluated; here it is a problem of its own, located in
 * measurements.yaml, and no row is read.
 */
import { combineVerdicts, type HaltReason, type SourceLocation, type Verdict } from '../model/result.js';
import type { QueryCheck } from '../sources/sql/index.js';
import type { MeasurementSpec, RfcSpec } from '../spec/types.js';

/** The one thing measure check needs of the SQL source (SqlMeasurementSource.check). */
export interface QueryChecker {
  check(m: MeasurementSpec, asOf: Date): Promise<QueryCheck>;
}

export interface MeasureCheckEntry {
  id: string;
  /** `problem`: the database rejects the query as written; `halt`: it could not be asked. */
  status: 'ok' | 'problem' | 'halt';
  /** A problem: where the fix goes. Otherwise where the measurement's sql block is. */
  location: SourceLocation;
  /** A problem: the key of the sql block the location is in (`sql.where`, `sql.query`…). */
  key?: string;
  halt?: HaltReason;
  /** What is wrong, or why it could not be checked; for `ok`, what was left unchecked, if anything. */
  message?: string;
  /** Where the query was checked (`host:port/db` or the embedded directory), once it was opened. */
  database?: string;
}

export interface MeasureCheckReport {
  rfc: string;
  /** The instant the window parameters were bound to, as gate check would bind them now. */
  as_of: string;
  /** `fail` when a query is rejected, else `halt` when one could not be checked, else `pass`. */
  verdict: Verdict;
  measurements: MeasureCheckEntry[];
  /** Measurements of other sources, which read no database: not checked here. */
  other_sources: number;
}

export async function checkMeasurements(
  rfc: Pick<RfcSpec, 'manifest' | 'measurements'>,
  checker: QueryChecker,
  asOf: Date,
): Promise<MeasureCheckReport> {
  const all = [...rfc.measurements.values()];
  const sql = all.filter((m) => m.source === 'sql');
  // In file order, as spec validate reports; the checks themselves may overlap on a pool.
  // By code unit, not localeCompare: its first call has ICU load every locale (test/cli/bundle.test.ts).
  const byFile = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  sql.sort((a, b) => byFile(a.location.file, b.location.file) || a.location.line - b.location.line);
  const results = await Promise.all(sql.map((m) => checker.check(m, asOf)));
  const measurements = sql.map((m, i): MeasureCheckEntry => {
    const r = results[i] as QueryCheck;
    const sqlAt = m.textAt?.() ?? m.location;
    if (r.status === 'ok') {
      return { id: m.id, status: 'ok', location: sqlAt, database: r.database, ...(r.note ? { message: r.note } : {}) };
    }
    if (r.status === 'problem') {
      return {
        id: m.id,
        status: 'problem',
        location: r.location,
        key: r.key,
        message: r.message,
        ...(r.database ? { database: r.database } : {}),
      };
    }
    return {
      id: m.id,
      status: 'halt',
      location: sqlAt,
      halt: r.halt,
      message: r.message,
      ...(r.database ? { database: r.database } : {}),
    };
  });
  const VERDICT: Record<MeasureCheckEntry['status'], Verdict> = { ok: 'pass', problem: 'fail', halt: 'halt' };
  return {
    rfc: rfc.manifest.id,
    as_of: asOf.toISOString(),
    verdict: combineVerdicts(measurements.map((e) => VERDICT[e.status])),
    measurements,
    other_sources: all.length - sql.length,
  };
}

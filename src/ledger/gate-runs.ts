/**
 * `gate check --record`: one row in rfcgate.gate_runs and one per gate in
 * rfcgate.gate_results, in one transaction — the run is in the ledger whole, or not at all.
 */
import type { GateReport } from '../model/result.js';
import type { SqlWriter } from '../sources/sql/writer.js';
import { defaultRecordedBy } from './measurements.js';
import { ADDED_COLUMNS, assertColumns, assertManaged, GATE_RESULTS_TABLE, GATE_RUNS_TABLE } from './schema.js';

export interface GateRunMeta {
  /** The commit evaluated (the ref as of as_of), when it could be resolved. */
  sha?: string | null;
  phase?: string | null;
  only?: readonly string[] | null;
  toolVersion?: string | null;
  recordedBy?: string;
}

export interface RecordedGateRun {
  runId: string;
  results: number;
  database: string;
  /** The instant the evaluated database depicts (the report's snapshot_at), when it was a copy. */
  snapshotAt?: string;
}

/** Every column the insert names that an earlier version's ledger may lack. */
const NEEDED_COLUMNS = ADDED_COLUMNS.filter((c) => c.table === GATE_RUNS_TABLE).map((c) => `${c.table}.${c.column}`);

export async function recordGateRun(
  writer: SqlWriter,
  report: GateReport,
  meta: GateRunMeta = {},
): Promise<RecordedGateRun> {
  const database = writer.describe();
  const results = report.results.map((r) => ({
    gate_id: r.id,
    kind: r.kind,
    title: r.title,
    section: r.section,
    verdict: r.verdict,
    halt_reason: r.halt_reason ?? null,
    reason: r.reason ?? null,
    evidence: r.evidence,
    location: r.location,
  }));
  return writer.transaction(async (tx) => {
    await assertManaged(tx, [GATE_RUNS_TABLE, GATE_RESULTS_TABLE], database);
    // Before any write, so a ledger `db migrate` has not brought up to date says so, not a raw SQL error.
    await assertColumns(tx, NEEDED_COLUMNS, database);
    const run = await tx.query<{ id: string }>(
      `INSERT INTO ${GATE_RUNS_TABLE} (rfc, as_of, snapshot_at, ref, sha, phase, only_gates, verdict, results, tool_version, recorded_by)
       VALUES ($1, $2::timestamptz, $3::timestamptz, $4, $5, $6, $7::jsonb, $8, $9::int, $10, $11)
       RETURNING id::text AS id`,
      [
        report.rfc,
        report.as_of,
        report.snapshot_at ?? null,
        report.ref,
        meta.sha ?? null,
        meta.phase ?? null,
        meta.only?.length ? JSON.stringify(meta.only) : null,
        report.verdict,
        results.length,
        meta.toolVersion ?? null,
        meta.recordedBy ?? defaultRecordedBy(),
      ],
    );
    const runId = run.rows[0]?.id;
    if (runId === undefined) throw new Error('the gate run insert returned no id');
    if (results.length) {
      const inserted = await tx.query<{ n: string }>(
        `WITH ins AS (
           INSERT INTO ${GATE_RESULTS_TABLE}
             (run_id, gate_id, kind, title, section, verdict, halt_reason, reason, evidence, location)
           SELECT $1::bigint, r.gate_id, r.kind, r.title, r.section, r.verdict, r.halt_reason, r.reason, r.evidence, r.location
           FROM jsonb_to_recordset($2::jsonb)
             AS r(gate_id text, kind text, title text, section text, verdict text, halt_reason text, reason text,
                  evidence jsonb, location jsonb)
           RETURNING 1
         )
         SELECT count(*)::text AS n FROM ins`,
        [runId, JSON.stringify(results)],
      );
      const n = Number(inserted.rows[0]?.n ?? 0);
      if (n !== results.length) throw new Error(`stored ${n} of ${results.length} gate results`);
    }
    return {
      runId,
      results: results.length,
      database,
      ...(report.snapshot_at !== undefined ? { snapshotAt: report.snapshot_at } : {}),
    };
  });
}

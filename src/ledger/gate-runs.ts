/**
 * `gate check --record`: one row in rfcgate.gate_runs and one per gate in
 * rfcgate.gate_results, in one transaction — the run is in the ledger whole, or not at all.
 * With a run key (`--run-id`), a run the RFC already recorded under that key is not recorded
 * again: a retry after a COMMIT whose answer was lost stores nothing new.
 */
import type { GateReport } from '../model/result.js';
import { UsageError } from '../spec/problems.js';
import type { SqlWriter } from '../sources/sql/writer.js';
import { defaultRecordedBy, LONE_SURROGATE, lockIdempotencyKey } from './measurements.js';
import { MAX_RUN_KEY_LENGTH, sameForEveryRun } from './run-id.js';
import {
  ADDED_COLUMNS,
  ADDED_INDEXES,
  addedIndexName,
  assertColumns,
  assertManaged,
  GATE_RESULTS_TABLE,
  GATE_RUNS_TABLE,
} from './schema.js';

export interface GateRunMeta {
  /** The commit evaluated (the ref as of as_of), when it could be resolved. */
  sha?: string | null;
  phase?: string | null;
  only?: readonly string[] | null;
  toolVersion?: string | null;
  recordedBy?: string;
  /** `--run-id`: names the run, so that recording it again stores nothing. */
  runKey?: string | null;
}

export interface RecordedGateRun {
  /** gate_runs.id: of the run stored, or, when alreadyRecorded, of the one stored before under the run key. */
  runId: string;
  /** The run key was recorded before for this RFC: nothing was stored. */
  alreadyRecorded: boolean;
  runKey: string | null;
  results: number;
  database: string;
  /** When alreadyRecorded: the stored run's verdict and as_of, which a retry's may differ from. */
  stored?: { verdict: string; asOf: string };
  /** The instant the evaluated database depicts (the report's snapshot_at), when it was a copy. */
  snapshotAt?: string;
}

/** Every column the insert names that an earlier version's ledger may lack. */
const NEEDED_COLUMNS = ADDED_COLUMNS.filter((c) => c.table === GATE_RUNS_TABLE).map((c) => `${c.table}.${c.column}`);
/** The unique index that keeps a run key to one run even past the lock below. */
const NEEDED_INDEXES = ADDED_INDEXES.filter((i) => i.table === GATE_RUNS_TABLE).map(addedIndexName);

/**
 * Why `runKey` cannot name a recorded run, before anything is evaluated: one every run would
 * be given alike (run-id.ts); a long one is refused by the index only once evaluated.
 */
export function runKeyProblem(runKey: string): string | undefined {
  const same = sameForEveryRun(
    runKey,
    'give an id naming this run, such as "$GITHUB_RUN_ID-$GITHUB_JOB", or leave --run-id out',
  );
  if (same) return same;
  if (runKey.length > MAX_RUN_KEY_LENGTH) {
    return `--run-id is ${runKey.length} characters; it may be at most ${MAX_RUN_KEY_LENGTH}`;
  }
  return undefined;
}

/** U+0000, and a UTF-16 surrogate without its pair: text PostgreSQL's text and jsonb refuse. */
const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE}`, 'g');

/**
 * The results as the ledger can hold them. A result quotes what the gate read (a telemetry
 * session id, a document's text), which may hold a character PostgreSQL will not store: the
 * whole run was then refused (SQLSTATE 22P05) on every try, a run that could never be
 * recorded. Such a character is stored as U+FFFD, as a decoder writes what is not text; the
 * rest of the run is kept as reported. measure record refuses it instead: there the text is
 * the caller's, who can correct it.
 */
function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object') {
    // What JSON.stringify would write for it (a Date's instant), so that is what is stored.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return storable(toJSON.call(value) as unknown) as T;
    // No prototype: a key named `__proto__` is kept as any other.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[storable(k)] = storable(v);
    return out as T;
  }
  return value;
}

/** The advisory lock two recorders of one run key queue on: per RFC, as the unique index. */
const lockKey = (rfc: string, runKey: string): string => `gate-run:${rfc}:${runKey}`;

export async function recordGateRun(
  writer: SqlWriter,
  report: GateReport,
  meta: GateRunMeta = {},
): Promise<RecordedGateRun> {
  const database = writer.describe();
  const runKey = meta.runKey ?? null;
  if (runKey !== null) {
    const problem = runKeyProblem(runKey);
    if (problem) throw new UsageError(problem);
  }
  const results = storable(report.results).map((r) => ({
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
    await assertColumns(tx, NEEDED_COLUMNS, database, NEEDED_INDEXES);
    if (runKey !== null) {
      // A run key names one run: one already recorded is not recorded again, whatever this run
      // found (a retry evaluates at another instant, and may see other measurements). Two
      // recorders of one key at once queue here, so the later finds the earlier's run; checked
      // unlocked, both saw none, and the later met the unique index (exit 3).
      await lockIdempotencyKey(tx, lockKey(report.rfc, runKey));
      const prior = await tx.query<{ id: string; results: number; verdict: string; as_of: string }>(
        `SELECT id::text AS id, results, verdict,
                to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS as_of
         FROM ${GATE_RUNS_TABLE} WHERE rfc = $1 AND run_key = $2`,
        [report.rfc, runKey],
      );
      const found = prior.rows[0];
      if (found) {
        return {
          runId: found.id,
          alreadyRecorded: true,
          runKey,
          results: Number(found.results),
          database,
          stored: { verdict: found.verdict, asOf: found.as_of },
        };
      }
    }
    const run = await tx.query<{ id: string }>(
      `INSERT INTO ${GATE_RUNS_TABLE} (rfc, as_of, snapshot_at, ref, sha, phase, only_gates, verdict, results, tool_version, recorded_by, run_key)
       VALUES ($1, $2::timestamptz, $3::timestamptz, $4, $5, $6, $7::jsonb, $8, $9::int, $10, $11, $12)
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
        runKey,
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
      alreadyRecorded: false,
      runKey,
      results: results.length,
      database,
      ...(report.snapshot_at !== undefined ? { snapshotAt: report.snapshot_at } : {}),
    };
  });
}

/**
 * `gate history`: the runs `gate check --record` stored in rfcgate.gate_runs and
 * rfcgate.gate_results, read back through the READ ONLY client: an RFC's runs newest first,
 * one gate's verdict across them (and where it or its halt reason changed), or every result of one run.
 */
import type { SqlClient, SqlRow } from '../sources/sql/client.js';
import type { SqlTx } from '../sources/sql/writer.js';
import type { Evidence, SourceLocation, Verdict } from '../model/result.js';
import { UsageError } from '../spec/problems.js';
import { closest } from '../util/suggest.js';
import { visible } from '../formatters/visible.js';
import { assertManaged, GATE_RESULTS_TABLE, GATE_RUNS_TABLE, missingColumns } from './schema.js';

export interface ListedGateRun {
  id: string;
  /** The `--run-id` it was recorded with; absent (not null) without one, so such a run reads as before. */
  run_key?: string;
  /** When the run was stored (created_at). */
  recorded_at: string;
  as_of: string;
  /** The instant a restored copy depicts (`--snapshot-at`); null for a live database. */
  snapshot_at: string | null;
  ref: string;
  sha: string | null;
  phase: string | null;
  /** `--only`, when the run was narrowed to some gates. */
  only: string[] | null;
  verdict: Verdict;
  /** Its gates by verdict, counted from gate_results. */
  gates: { pass: number; fail: number; halt: number };
  tool_version: string | null;
  recorded_by: string;
}

/** One gate's result in one run, with the verdict it had in the run before (the older one that recorded it). */
export interface GateHistoryEntry {
  run_id: string;
  /** As ListedGateRun.run_key. */
  run_key?: string;
  recorded_at: string;
  as_of: string;
  snapshot_at: string | null;
  ref: string;
  sha: string | null;
  gate_id: string;
  verdict: Verdict;
  /** Why a halt halted (missing, pending, error, …); null for a pass or fail, or a halt the ledger holds none for. */
  halt_reason: string | null;
  reason: string | null;
  /**
   * For a halt (missing) on a channel that produced nothing: `went_dark` (it had produced
   * before: an alarm) or `never_started`, as the evidence of the measurements it halted on
   * says (went_dark when one went dark). Null otherwise, or when the evidence does not say.
   */
  channel: Channel | null;
  /** Null for the first run that recorded the gate. */
  previous_verdict: Verdict | null;
  /**
   * When the run before halted: its halt reason, or, when the ledger holds none for it, the last
   * one held in the halts right before it. Null otherwise.
   */
  previous_halt_reason: string | null;
  /**
   * When the run before halted: its channel, or, when its evidence says none, the last one
   * said in the halts for the same reason right before it. Null otherwise.
   */
  previous_channel: Channel | null;
  /**
   * The verdict differs from previous_verdict (where a gate started failing, halting or
   * passing), or both halted for reasons that differ (a missing measurement became an error),
   * or both halted missing on a channel that differs (one that never started went dark). A
   * halt reason or a channel the ledger does not hold is no change by itself.
   */
  changed: boolean;
}

/** How a channel that produced nothing halted: see GateHistoryEntry.channel. */
export type Channel = 'went_dark' | 'never_started';

export interface GateHistory {
  gate: string;
  entries: GateHistoryEntry[];
  /** Older runs that recorded the gate exist beyond `limit`. */
  truncated: boolean;
  /** Only when entries is empty: the gate ids the RFC's runs did record, to name a near one. */
  recordedGates: string[];
}

export interface ListedGateResult {
  gate_id: string;
  kind: string;
  title: string;
  section: string;
  verdict: Verdict;
  halt_reason: string | null;
  reason: string | null;
  evidence: Evidence;
  location: SourceLocation | null;
}

export interface GateRunResults {
  run: ListedGateRun;
  results: ListedGateResult[];
}

interface ReadOptions {
  rfc: string;
  timeoutMs?: number;
}

/** The run id `gate check --record` prints: a bigint identity, so 1 to 2^63 - 1. */
export function parseRunId(text: string): string {
  const t = text.trim();
  if (!/^[0-9]+$/.test(t) || BigInt(t) < 1n || BigInt(t) > 9_223_372_036_854_775_807n) {
    throw new UsageError(
      `--run '${text}' is not a gate run id: give the number \`gate check --record\` printed (\`gate history\` lists them)`,
    );
  }
  return String(BigInt(t));
}

/** The newest runs, at most `limit` of them; `truncated` when older runs exist beyond them. */
export interface GateRunListing {
  runs: ListedGateRun[];
  truncated: boolean;
}

/** The RFC's recorded runs, newest first, with their gates counted by verdict. */
export async function listGateRuns(client: SqlClient, opts: ReadOptions & { limit: number }): Promise<GateRunListing> {
  const q = { timeoutMs: opts.timeoutMs ?? 30_000 };
  const cols = await readableColumns(client, q);
  // One run beyond the limit says whether more exist, without counting them all.
  const res = await client.query(
    `${runSelect(cols)}
     FROM (SELECT * FROM ${GATE_RUNS_TABLE} WHERE rfc = $1 ORDER BY created_at DESC, id DESC LIMIT $2::int + 1) r
     ${COUNTS}
     ORDER BY r.created_at DESC, r.id DESC`,
    [opts.rfc, opts.limit],
    q,
  );
  return { runs: res.rows.slice(0, opts.limit).map(toRun), truncated: res.rows.length > opts.limit };
}

/**
 * One gate's verdict in each of the RFC's runs that recorded it, newest first. A run that did
 * not evaluate the gate (`--only`, `--phase`) is not listed, and the verdict (and halt reason)
 * it is compared with is that of the older run that did, even beyond `limit`.
 */
export async function gateHistory(
  client: SqlClient,
  opts: ReadOptions & { gate: string; limit: number },
): Promise<GateHistory> {
  const q = { timeoutMs: opts.timeoutMs ?? 30_000 };
  const cols = await readableColumns(client, q);
  // halt_reason is nullable, and a halt row without one says nothing about why it halted: it
  // carries on the last reason held before it within its streak of equal verdicts, so that
  // missing, unknown, error is still one change (at error) and an unknown reason alone is none.
  // A channel that went dark and one that never started both halt `missing`, told apart by
  // the evidence each halted measurement stored (channel): read where the gate's own
  // measurements are, in a composite's all_of (the evidence of a gate the run did not report)
  // and in the run's results of the gates all_of names. It is carried on within a streak of
  // equal verdicts and reasons as a reason is.
  const res = await client.query(
    `WITH RECURSIVE h AS (
       SELECT r.id, ${cols.runKey} AS run_key, r.created_at, r.as_of, ${cols.snapshotAt} AS snapshot_at, r.ref, r.sha,
              g.gate_id, g.verdict, g.halt_reason, g.reason, g.evidence,
              lag(g.verdict) OVER (ORDER BY r.created_at, r.id) AS previous_verdict
       FROM ${GATE_RUNS_TABLE} r JOIN ${GATE_RESULTS_TABLE} g ON g.run_id = r.id
       WHERE r.rfc = $1 AND g.gate_id = $2
     ), docs (run_id, evidence, depth) AS (
       SELECT id, evidence, 0 FROM h WHERE verdict = 'halt' AND halt_reason = 'missing'
       UNION ALL
       SELECT d.run_id, coalesce(dep.value->'evidence', dr.evidence), d.depth + 1
       FROM docs d
       CROSS JOIN LATERAL jsonb_array_elements(
         CASE WHEN jsonb_typeof(d.evidence->'all_of') = 'array' THEN d.evidence->'all_of' ELSE '[]'::jsonb END) dep
       LEFT JOIN ${GATE_RESULTS_TABLE} dr
         ON dr.run_id = d.run_id AND dr.gate_id = dep.value->>'id' AND dr.verdict = 'halt' AND dr.halt_reason = 'missing'
       -- A ledger is anyone's to write: a cycle of gates naming each other ends here.
       WHERE d.depth < 16 AND dep.value->>'halt_reason' = 'missing'
         AND (dep.value->'evidence' IS NOT NULL OR dr.run_id IS NOT NULL)
     ), channels AS (
       SELECT d.run_id,
              CASE WHEN bool_or(c.v = '"went_dark"') THEN 'went_dark'
                   WHEN bool_or(c.v = '"never_started"') THEN 'never_started' END AS channel
       FROM docs d
       CROSS JOIN LATERAL jsonb_path_query(d.evidence, 'lax $.measurements.* ? (@.halt == "missing").channel', '{}', true) c(v)
       GROUP BY d.run_id
     ), streaks AS (
       SELECT h.*, ch.channel, count(*) FILTER (WHERE previous_verdict IS DISTINCT FROM verdict)
                   OVER (ORDER BY created_at, id) AS streak
       FROM h LEFT JOIN channels ch ON ch.run_id = h.id
     ), held AS (
       SELECT *, count(halt_reason) OVER (PARTITION BY streak ORDER BY created_at, id) AS held
       FROM streaks
     ), known AS (
       SELECT *, first_value(halt_reason) OVER (PARTITION BY streak, held ORDER BY created_at, id) AS known_reason
       FROM held
     ), reasons AS (
       SELECT *, count(*) FILTER (WHERE previous_known IS DISTINCT FROM known_reason OR previous_verdict IS DISTINCT FROM verdict)
                   OVER (ORDER BY created_at, id) AS reason_streak
       FROM (SELECT *, lag(known_reason) OVER (ORDER BY created_at, id) AS previous_known FROM known) k
     ), channel_held AS (
       SELECT *, count(channel) OVER (PARTITION BY reason_streak ORDER BY created_at, id) AS channel_held
       FROM reasons
     ), known_channels AS (
       SELECT *, first_value(channel) OVER (PARTITION BY reason_streak, channel_held ORDER BY created_at, id) AS known_channel
       FROM channel_held
     )
     SELECT id::text AS id, run_key, created_at, as_of, snapshot_at, ref, sha, gate_id, verdict, halt_reason, reason, channel,
            previous_verdict,
            CASE WHEN previous_verdict = 'halt' THEN lag(known_reason) OVER (ORDER BY created_at, id) END
              AS previous_halt_reason,
            CASE WHEN previous_verdict = 'halt' THEN lag(known_channel) OVER (ORDER BY created_at, id) END
              AS previous_channel
     FROM known_channels
     ORDER BY created_at DESC, id DESC
     LIMIT $3::int + 1`,
    [opts.rfc, opts.gate, opts.limit],
    q,
  );
  const truncated = res.rows.length > opts.limit;
  const entries = res.rows.slice(0, opts.limit).map((r): GateHistoryEntry => {
    const verdict = r.verdict as Verdict;
    const previous = (r.previous_verdict as Verdict | null) ?? null;
    const haltReason = text(r.halt_reason);
    const previousHaltReason = text(r.previous_halt_reason);
    const channel = r.channel === 'went_dark' || r.channel === 'never_started' ? r.channel : null;
    const previousChannel =
      r.previous_channel === 'went_dark' || r.previous_channel === 'never_started' ? r.previous_channel : null;
    const bothHalted = verdict === 'halt' && previous === 'halt' && haltReason !== null && previousHaltReason !== null;
    const reasonChanged = bothHalted && haltReason !== previousHaltReason;
    const channelChanged =
      bothHalted && !reasonChanged && channel !== null && previousChannel !== null && channel !== previousChannel;
    return {
      run_id: String(r.id),
      ...runKey(r),
      ...runFields(r),
      gate_id: String(r.gate_id),
      verdict,
      halt_reason: haltReason,
      reason: text(r.reason),
      channel,
      previous_verdict: previous,
      previous_halt_reason: previousHaltReason,
      previous_channel: previousChannel,
      changed: previous !== null && (previous !== verdict || reasonChanged || channelChanged),
    };
  });
  if (entries.length) return { gate: opts.gate, entries, truncated, recordedGates: [] };
  const ids = await client.query(
    `SELECT DISTINCT g.gate_id FROM ${GATE_RESULTS_TABLE} g JOIN ${GATE_RUNS_TABLE} r ON r.id = g.run_id
     WHERE r.rfc = $1 ORDER BY 1`,
    [opts.rfc],
    q,
  );
  return { gate: opts.gate, entries, truncated, recordedGates: ids.rows.map((r) => String(r.gate_id)) };
}

/**
 * The gate id a mistyped `gate` most likely meant: among `declared` (the spec's gates, first, so
 * a tie goes to a gate that still exists) and `recordedGates`.
 */
export function nearGate(history: GateHistory, declared: readonly string[] = []): string | undefined {
  return closest(history.gate, [...new Set([...declared, ...history.recordedGates])]);
}

/**
 * One run and every result it stored, in the order the specs declare the gates (file, line,
 * column: the report's order).
 * A run id that is not in the ledger, or is another RFC's run, is a UsageError (exit 3).
 */
export async function gateRunResults(
  client: SqlClient,
  opts: ReadOptions & ({ runId: string } | { runKey: string }),
): Promise<GateRunResults> {
  const q = { timeoutMs: opts.timeoutMs ?? 30_000 };
  const cols = await readableColumns(client, q);
  // A CI job knows the --run-id it recorded with, not the number the ledger gave the run.
  const found = await client.query(
    `${runSelect(cols)}, r.rfc
     FROM ${GATE_RUNS_TABLE} r
     ${COUNTS}
     WHERE ${'runId' in opts ? 'r.id = $1::bigint' : `r.rfc = $1 AND ${cols.runKey} = $2`}`,
    'runId' in opts ? [opts.runId] : [opts.rfc, opts.runKey],
    q,
  );
  const row = found.rows[0];
  const where = client.describe();
  if (!row) {
    throw new UsageError(
      'runKey' in opts
        ? `no run of ${visible(opts.rfc)} was recorded with --run-id ${visible(opts.runKey)} in ${where}; \`gate history\` lists the recorded runs, with their run_key`
        : `there is no gate run ${opts.runId} in ${where}; \`gate history\` lists the recorded runs`,
    );
  }
  const runId = String(row.id);
  if (row.rfc !== opts.rfc) {
    throw new UsageError(
      `gate run ${runId} in ${where} is a run of RFC '${String(row.rfc)}', not of '${opts.rfc}'; read it with --rfc ${String(row.rfc)}`,
    );
  }
  // In the order the specs declare the gates, which is the report's: no column keeps the order
  // the rows were written in, and the rows' physical order changes with updates and VACUUM FULL.
  const results = await client.query(
    `SELECT gate_id, kind, title, section, verdict, halt_reason, reason, evidence, location
     FROM ${GATE_RESULTS_TABLE} WHERE run_id = $1::bigint
     ORDER BY location->>'file' COLLATE "C", (location->>'line')::int, (location->>'col')::int, gate_id COLLATE "C"`,
    [runId],
    q,
  );
  return {
    run: toRun(row),
    results: results.rows.map((r) => ({
      gate_id: String(r.gate_id),
      kind: String(r.kind),
      title: String(r.title),
      section: String(r.section),
      verdict: r.verdict as Verdict,
      halt_reason: text(r.halt_reason),
      reason: text(r.reason),
      evidence: (r.evidence ?? {}) as Evidence,
      location: (r.location ?? null) as SourceLocation | null,
    })),
  };
}

// ---------------------------------------------------------------------------------------------

/** Each gate_runs column added after the table's release: the column, or NULL when the ledger predates it. */
interface ReadableColumns {
  snapshotAt: string;
  runKey: string;
}

/**
 * Refuses a ledger that is missing or not rfcgate's, as the writers do. A ledger made before a
 * column was added is still read: a column it lacks was never recorded there (no run of that
 * version had a --snapshot-at or a --run-id), so NULL says exactly what it holds, and reading needs no
 * `db migrate` that the role reading may not be allowed to run.
 */
async function readableColumns(client: SqlClient, q: { timeoutMs: number }): Promise<ReadableColumns> {
  const tx: SqlTx = {
    query: async <R extends SqlRow = SqlRow>(sql: string, params: unknown[] = []) =>
      (await client.query(sql, params, q)) as { rows: R[] },
  };
  await assertManaged(tx, [GATE_RUNS_TABLE, GATE_RESULTS_TABLE], client.describe(), { reading: true });
  const missing = new Set(await missingColumns(tx, [`${GATE_RUNS_TABLE}.snapshot_at`, `${GATE_RUNS_TABLE}.run_key`]));
  return {
    snapshotAt: missing.has(`${GATE_RUNS_TABLE}.snapshot_at`) ? 'NULL::timestamptz' : 'r.snapshot_at',
    runKey: missing.has(`${GATE_RUNS_TABLE}.run_key`) ? 'NULL::text' : 'r.run_key',
  };
}

function runSelect(cols: ReadableColumns): string {
  return `SELECT r.id::text AS id, ${cols.runKey} AS run_key, r.created_at, r.as_of, ${cols.snapshotAt} AS snapshot_at, r.ref, r.sha, r.phase,
            r.only_gates, r.verdict, r.tool_version, r.recorded_by, c.pass, c.fail, c.halt`;
}

const COUNTS = `CROSS JOIN LATERAL (
       SELECT count(*) FILTER (WHERE verdict = 'pass')::int AS pass,
              count(*) FILTER (WHERE verdict = 'fail')::int AS fail,
              count(*) FILTER (WHERE verdict = 'halt')::int AS halt
       FROM ${GATE_RESULTS_TABLE} WHERE run_id = r.id) c`;

/** What names a run in every listing: when it was recorded, the instants it judged, its commit. */
function runFields(r: SqlRow): Pick<ListedGateRun, 'recorded_at' | 'as_of' | 'snapshot_at' | 'ref' | 'sha'> {
  return {
    recorded_at: instant(r.created_at) ?? '',
    as_of: instant(r.as_of) ?? '',
    snapshot_at: instant(r.snapshot_at),
    ref: String(r.ref),
    sha: text(r.sha),
  };
}

/** The run key, where the run has one: a run recorded without reads (and prints) as before run keys. */
function runKey(r: SqlRow): { run_key?: string } {
  return r.run_key === null || r.run_key === undefined ? {} : { run_key: String(r.run_key) };
}

function toRun(r: SqlRow): ListedGateRun {
  const only = r.only_gates;
  return {
    id: String(r.id),
    ...runKey(r),
    ...runFields(r),
    phase: text(r.phase),
    only: Array.isArray(only) ? only.map(String) : null,
    verdict: r.verdict as Verdict,
    gates: { pass: Number(r.pass ?? 0), fail: Number(r.fail ?? 0), halt: Number(r.halt ?? 0) },
    tool_version: text(r.tool_version),
    recorded_by: String(r.recorded_by),
  };
}

function instant(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : String(v);
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/**
 * `comparator run --record`: in ONE transaction, the window state of every pair
 * (rfcgate.comparator_windows), one run measurement per pair carrying its counts, and one
 * divergence measurement per listed divergent key, all in audit.coordination_measurements
 * through the ledger's recordMeasurements. Each row has an idempotency key made of the RFC,
 * the pair and the run id, so recording a run twice stores it once.
 *
 * With `record.events` in comparator.yaml, the same transaction also writes one event per
 * listed divergent key to the table it names (wave3 §8: audit.coordination_events, RFC payload
 * `{table, key, kind, columns, run_id, error_class}`). That table is the application's: it has
 * no idempotency key, so an event is written only with its pair's run row, under the lock of
 * the run's key and only while that row is not yet recorded; a pair already recorded gets no
 * event again. Events are the listed keys only (at most --limit per pair): the run row's
 * `divergent` stays the total, which is what a gate counts divergences by.
 */
import { createHash } from 'node:crypto';
import { assertManaged, COMPARATOR_WINDOWS_TABLE, RECORDED_MEASUREMENTS_TABLE } from '../ledger/schema.js';
import {
  type JsonObject,
  lockIdempotencyKey,
  MAX_KEY_LENGTH,
  type MeasurementInput,
  recordMeasurements,
} from '../ledger/measurements.js';
import { LedgerError } from '../ledger/errors.js';
import { sameForEveryRun } from '../ledger/run-id.js';
import type { SqlTransactionOptions, SqlTx, SqlWriter } from '../sources/sql/writer.js';
import { eventTableFindings, eventTableWrongs } from './events.js';
import { type ComparatorReport, settleWindows } from './run.js';
import type { SelfTestResult } from './selftest.js';
import { type ComparatorSpec, DEFAULT_ERROR_CLASS, type EventsSpec } from './spec.js';
import { qTable } from './sql.js';
import { lockWindows, writeWindow } from './window.js';

export interface RecordRunOptions {
  report: ComparatorReport;
  spec: ComparatorSpec;
  runId: string;
  asOf: Date;
  /** Wall time of each pair's run, by pair id. */
  elapsedMs: Map<string, number>;
  selfTests: Map<string, SelfTestResult>;
  recordedBy?: string;
}

export interface RecordedRun {
  run_id: string;
  recorded: number;
  already_recorded: number;
  /** Events written to record.events' table; null when comparator.yaml names none. */
  events: number | null;
  windows: number;
  database: string;
  /**
   * The report as recorded: each pair's window state derived again from the windows as stored
   * when the run recorded (an empty shadow that another run, recorded meanwhile, saw with rows
   * before this run's as-of went dark).
   */
  report: ComparatorReport;
}

/** A writer whose transactions are the one already open: recordMeasurements then joins it. */
function within(tx: SqlTx, outer: SqlWriter): SqlWriter {
  return {
    backend: outer.backend,
    describe: () => outer.describe(),
    close: async () => {},
    transaction: <T>(fn: (t: SqlTx) => Promise<T>, _opts?: SqlTransactionOptions) => fn(tx),
  };
}

const HASH_LENGTH = 24;
const hash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, HASH_LENGTH);

/** The idempotency key of a pair's run row; its divergence rows extend it with ':<hash>'. */
const runKey = (rfc: string, pair: string, runId: string): string => `comparator:${rfc}:${pair}:${runId}`;

/**
 * Why `runId` cannot name a recorded run of these pairs, before anything is compared: one
 * every run would be given alike (run-id.ts); a long one makes the rows' idempotency keys
 * longer than the ledger takes, refused only once the run had been compared.
 */
export function runIdProblem(rfc: string, pairs: readonly string[], runId: string): string | undefined {
  const same = sameForEveryRun(
    runId,
    'give an id such as the hour ("$(date -u +%Y-%m-%dT%H)"), or leave --run-id out for a random one',
  );
  if (same) return same;
  const longest = Math.max(...pairs.map((p) => runKey(rfc, p, runId).length + 1 + HASH_LENGTH));
  if (longest > MAX_KEY_LENGTH) {
    return `--run-id is ${runId.length} characters; with this RFC's pair ids it may be at most ${runId.length - (longest - MAX_KEY_LENGTH)} (it is part of each recorded row's idempotency key)`;
  }
  return undefined;
}

export function runMeasurements(opts: RecordRunOptions): MeasurementInput[] {
  const { report, spec, runId } = opts;
  const out: MeasurementInput[] = [];
  for (const p of report.pairs) {
    const st = opts.selfTests.get(p.id);
    const payload: JsonObject = {
      rfc: report.rfc,
      pair: p.id,
      canonical: p.canonical,
      shadow: p.shadow,
      // A run whose self-test failed cannot vouch for its own zero: it is not recorded as clean.
      status: st && st.status !== 'passed' ? `self_test_${st.status}` : p.status,
      state: p.state,
      canonical_missing: p.counts?.canonical_missing ?? null,
      shadow_missing: p.counts?.shadow_missing ?? null,
      value_mismatch: p.counts?.value_mismatch ?? null,
      divergent: p.counts?.divergent ?? null,
      columns: p.columns,
      listed: p.rows.length,
      cutoff: p.cutoff,
      run_id: runId,
      ...(st ? { self_test: st.status } : {}),
    };
    const elapsed = opts.elapsedMs.get(p.id);
    out.push({
      type: spec.record.runType,
      at: opts.asOf,
      elapsedMs: elapsed ?? null,
      value: p.counts?.divergent ?? null,
      payload,
      idempotencyKey: `comparator:${report.rfc}:${p.id}:${runId}`,
    });
    for (const row of p.rows) {
      const keyText = JSON.stringify(row.key);
      out.push({
        type: spec.record.divergenceType,
        at: opts.asOf,
        payload: {
          table: p.canonical,
          pair: p.id,
          key: row.key,
          kind: row.kind,
          columns: row.columns,
          run_id: runId,
          // The event written for the same key says the same: one divergence, one class.
          error_class: spec.record.events?.errorClass ?? DEFAULT_ERROR_CLASS,
        },
        idempotencyKey: `${runKey(report.rfc, p.id, runId)}:${hash(`${row.kind}:${keyText}`)}`,
      });
    }
  }
  return out;
}

/** The events of a run, per pair: one per listed divergent key, with the RFC's payload. */
export function divergenceEvents(
  report: ComparatorReport,
  runId: string,
  events: EventsSpec,
): Map<string, JsonObject[]> {
  const out = new Map<string, JsonObject[]>();
  for (const p of report.pairs) {
    out.set(
      p.id,
      p.rows.map((row) => ({
        table: p.canonical,
        key: row.key,
        kind: row.kind,
        columns: row.columns,
        run_id: runId,
        error_class: events.errorClass,
      })),
    );
  }
  return out;
}

/**
 * Throws a LedgerError unless record.events' table exists and can take the events as written
 * (events.ts says what that takes). Checked on every recorded run, a clean one too: a table
 * missing would otherwise be found only by the first divergence, and that run would then go
 * unrecorded.
 */
async function assertEventsTable(tx: SqlTx, events: EventsSpec, database: string): Promise<void> {
  const where = `${events.at.file}:${events.at.line}:${events.at.col}`;
  const findings = await eventTableFindings((text, params) => tx.query(text, params), events.table, events.eventType);
  const name = events.table.text;
  if (findings.some((f) => f.code === 'event_table_missing')) {
    throw new LedgerError(
      'missing',
      `${name}, the event table comparator.yaml's record.events names (${where}), does not exist in ${database}; rfcgate does not create it (it is the application's): create it with columns event_type, recorded_at and payload, or name the right table; nothing was written`,
    );
  }
  if (findings.length) {
    throw new LedgerError(
      'foreign',
      `${name} in ${database}, the event table comparator.yaml's record.events names (${where}), cannot take the comparator's events: ${eventTableWrongs(findings).join('; ')}; ${findings.every((f) => f.code === 'event_insert_denied') ? 'grant it, or record as a role that may' : 'fix the table or name another'}; nothing was written`,
    );
  }
}

const EVENT_CHUNK = 2_000;

/** Set-based, as the measurement rows: one INSERT per chunk, never one per key. */
async function insertEvents(tx: SqlTx, events: EventsSpec, at: Date, payloads: readonly JsonObject[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < payloads.length; i += EVENT_CHUNK) {
    const chunk = payloads.slice(i, i + EVENT_CHUNK);
    await tx.query(
      `INSERT INTO ${qTable(events.table)} (event_type, recorded_at, payload)
       SELECT $1::text, $2::timestamptz, e.payload
       FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(payload, ord)
       ORDER BY e.ord`,
      [events.eventType, at.toISOString(), JSON.stringify(chunk)],
    );
    n += chunk.length;
  }
  return n;
}

export async function recordRun(writer: SqlWriter, opts: RecordRunOptions): Promise<RecordedRun> {
  const database = writer.describe();
  return writer.transaction(async (tx) => {
    await assertManaged(tx, [COMPARATOR_WINDOWS_TABLE, RECORDED_MEASUREMENTS_TABLE], database);
    const eventsSpec = opts.spec.record.events;
    if (eventsSpec) await assertEventsTable(tx, eventsSpec, database);
    // A run id names one run: a pair it already recorded is not recorded again, whatever
    // this run measured (a retry within the hour sees other elapsed times, other rows),
    // and its window is not moved a second time.
    // Two hosts recording one run id at once (the same hourly id) queue here, so the later
    // finds the earlier's rows as a retry does; checked unlocked, both saw none, and the later
    // met the earlier's run row as a different measurement under its key (exit 3). In one
    // order, so two runs of overlapping pairs cannot each wait for the other.
    const keys = [...new Set(opts.report.pairs.map((p) => runKey(opts.report.rfc, p.id, opts.runId)))].sort();
    for (const key of keys) await lockIdempotencyKey(tx, key);
    const stored = await lockWindows(
      tx,
      opts.report.rfc,
      opts.report.pairs.map((p) => p.id),
    );
    const report = settleWindows(opts.report, stored, opts.asOf);
    const inputs = runMeasurements({ ...opts, report });
    let already = 0;
    const done = new Set<string>();
    for (const p of report.pairs) {
      const key = runKey(report.rfc, p.id, opts.runId);
      // The run row is written with its divergence rows, so it alone says the run was
      // recorded; a prefix would also take an earlier run id that merely begins with this
      // one and a colon ('2026-06-01T12:00' for '2026-06-01T12') for this run.
      const prior = await tx.query<{ run: string; n: string }>(
        `SELECT count(*) FILTER (WHERE idempotency_key = $1)::text AS run, count(*)::text AS n
         FROM ${RECORDED_MEASUREMENTS_TABLE}
         WHERE idempotency_key = $1
            OR (starts_with(idempotency_key, $2) AND substr(idempotency_key, length($2) + 1) ~ '^[0-9a-f]{24}$')`,
        [key, `${key}:`],
      );
      const n = Number(prior.rows[0]?.n ?? 0);
      if (Number(prior.rows[0]?.run ?? 0) > 0) {
        done.add(key);
        already += n;
      }
    }
    let windows = 0;
    for (const p of report.pairs) {
      if (!p.state || done.has(runKey(report.rfc, p.id, opts.runId))) continue;
      await writeWindow(tx, report.rfc, p.id, p.state, opts.asOf);
      windows++;
    }
    const fresh = inputs.filter((m) => {
      const key = m.idempotencyKey ?? '';
      return ![...done].some((k) => key === k || key.startsWith(`${k}:`));
    });
    // Every key of `fresh` extends a run key locked above and found unrecorded: no row-by-row
    // lock (thousands of listed keys would fill the server's lock table) nor lookup.
    const r = await recordMeasurements(within(tx, writer), fresh, {
      keysChecked: true,
      ...(opts.recordedBy ? { recordedBy: opts.recordedBy } : {}),
    });
    // With the run rows they go with: a pair recorded before gets none again.
    let events: number | null = null;
    if (eventsSpec) {
      const byPair = divergenceEvents(report, opts.runId, eventsSpec);
      const payloads = report.pairs
        .filter((p) => !done.has(runKey(report.rfc, p.id, opts.runId)))
        .flatMap((p) => byPair.get(p.id) ?? []);
      events = await insertEvents(tx, eventsSpec, opts.asOf, payloads);
    }
    return {
      run_id: opts.runId,
      recorded: r.recorded,
      events,
      already_recorded: r.alreadyRecorded + already,
      windows,
      database,
      report,
    };
  });
}

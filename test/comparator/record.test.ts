import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { recordRun } from '../../src/comparator/record.js';
import { comparatorExitCode, runComparator } from '../../src/comparator/run.js';
import { lockWindows, readWindows, windowsUnreadable, writeWindow } from '../../src/comparator/window.js';
import { PgClient, SqlHaltError } from '../../src/sources/sql/client.js';
import { defaultMigrationRange, migrate, migrationPlan } from '../../src/ledger/schema.js';
import { lockWaiters, testBackends, type TestDatabase, useTestDatabase } from '../helpers/db.js';
import { pairSpec } from './helpers.js';

const T1 = new Date('2026-06-01T10:00:00Z');
const T2 = new Date('2026-06-01T11:00:00Z');

/** One run of the pair over `<schema>.c` and `<schema>.s` as RFC `rfc` (t unless a case needs windows of its own). */
async function runAndRecord(
  db: TestDatabase,
  schema: string,
  asOf: Date,
  runId: string,
  record = true,
  elapsed = 12,
  rfc = 't',
) {
  const client = db.client();
  try {
    const windows = await readWindows(client, rfc, 30_000);
    const spec = pairSpec(schema);
    const report = await runComparator({
      client,
      rfc,
      spec,
      asOf,
      mode: 'run',
      limit: 10,
      timeoutMs: 30_000,
      ...(windows ? { windows } : {}),
    });
    const recorded = record
      ? await recordRun(db.writer(), {
          report,
          spec,
          runId,
          asOf,
          elapsedMs: new Map([['p', elapsed]]),
          selfTests: new Map(),
        })
      : undefined;
    return { report, recorded };
  } finally {
    await client.close();
  }
}

describe.each(testBackends())('comparator --record and the shadow window ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('has no window history before db migrate, and says so', async () => {
    await db.exec('CREATE SCHEMA w0; CREATE TABLE w0.c (id int PRIMARY KEY); CREATE TABLE w0.s (id int PRIMARY KEY);');
    const { report } = await runAndRecord(db, 'w0', T1, 'r0', false);
    expect(report.window_history).toBe(false);
    expect(report.pairs[0]?.state).toBe('never_started');
    expect(report.pairs[0]?.reason).toMatch(/no window history in the ledger/);
  });

  it('records counts as measurements once per run id, keeps the window in the ledger, and raises went_dark', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`CREATE SCHEMA w; CREATE TABLE w.c (id int PRIMARY KEY, v int); CREATE TABLE w.s (id int PRIMARY KEY, v int);
                   INSERT INTO w.c VALUES (1, 1), (2, 2); INSERT INTO w.s VALUES (1, 1), (2, 20), (3, 3);`);
    const first = await runAndRecord(db, 'w', T1, 'run-1');
    expect(first.report.pairs[0]?.state).toBe('active');
    expect(first.recorded).toMatchObject({ recorded: 3, already_recorded: 0, windows: 1 });
    const again = await runAndRecord(db, 'w', T1, 'run-1');
    expect(again.recorded).toMatchObject({ recorded: 0, already_recorded: 3 });
    // A retry of the same run id measures something else (later, another row diverges, it
    // took another time): the run stays recorded once, as first measured, and no error.
    await db.exec('INSERT INTO w.s VALUES (4, 4)');
    const retry = await runAndRecord(db, 'w', new Date(T1.getTime() + 60_000), 'run-1', true, 99);
    expect(retry.report.pairs[0]?.counts?.divergent).toBe(3);
    expect(retry.recorded).toMatchObject({ recorded: 0, already_recorded: 3, windows: 0 });
    await db.exec('DELETE FROM w.s WHERE id = 4');
    // A run id that an earlier one merely begins with (and a colon) is another run.
    await runAndRecord(db, 'w', new Date(T1.getTime() + 120_000), 'hourly:2026-06-01T10:00');
    const shorter = await runAndRecord(db, 'w', new Date(T1.getTime() + 180_000), 'hourly:2026-06-01T10');
    expect(shorter.recorded).toMatchObject({ recorded: 3, already_recorded: 0, windows: 1 });
    await db.exec(`DELETE FROM audit.coordination_measurements WHERE payload->>'run_id' LIKE 'hourly:%';
                   DELETE FROM rfcgate.recorded_measurements WHERE idempotency_key LIKE 'comparator:t:p:hourly:%'`);

    const runs = await db.exec(
      `SELECT elapsed_ms, payload FROM audit.coordination_measurements WHERE measurement_type = 'measurement.comparator.run'`,
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]?.payload).toMatchObject({
      pair: 'p',
      status: 'divergent',
      state: 'active',
      canonical_missing: 1,
      shadow_missing: 0,
      value_mismatch: 1,
      divergent: 2,
      columns: { v: 1 },
      run_id: 'run-1',
    });
    const events = await db.exec(
      `SELECT payload FROM audit.coordination_measurements WHERE measurement_type = 'measurement.comparator.divergence' ORDER BY payload->>'kind'`,
    );
    expect(events.map((e) => e.payload)).toEqual([
      {
        table: 'w.c',
        pair: 'p',
        key: { id: '3' },
        kind: 'canonical_missing',
        columns: [],
        run_id: 'run-1',
        error_class: 'shadow_divergence',
      },
      {
        table: 'w.c',
        pair: 'p',
        key: { id: '2' },
        kind: 'value_mismatch',
        columns: ['v'],
        run_id: 'run-1',
        error_class: 'shadow_divergence',
      },
    ]);

    // The shadow writer stops and its table is emptied: the stored window says it was active.
    await db.exec('DELETE FROM w.s');
    const dark = await runAndRecord(db, 'w', T2, 'run-2');
    expect(dark.report.window_history).toBe(true);
    expect(dark.report.pairs[0]?.state).toBe('went_dark');
    expect(dark.report.verdict).toBe('went_dark');
    const stored = await db.exec(
      `SELECT state, first_active_at, went_dark_at FROM rfcgate.comparator_windows WHERE pair = 'p'`,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]?.state).toBe('went_dark');
    expect(new Date(String(stored[0]?.first_active_at)).toISOString()).toBe(T1.toISOString());
    expect(new Date(String(stored[0]?.went_dark_at)).toISOString()).toBe(T2.toISOString());

    // Still dark an hour later (the alarm persists, its instant does not move); back to active once rows return.
    const still = await runAndRecord(db, 'w', new Date('2026-06-01T12:00:00Z'), 'run-3');
    expect(still.report.pairs[0]?.state).toBe('went_dark');
    const kept = await db.exec(`SELECT went_dark_at FROM rfcgate.comparator_windows WHERE pair = 'p'`);
    expect(new Date(String(kept[0]?.went_dark_at)).toISOString()).toBe(T2.toISOString());
    await db.exec('INSERT INTO w.s VALUES (1, 1), (2, 2)');
    const back = await runAndRecord(db, 'w', new Date('2026-06-01T13:00:00Z'), 'run-4');
    expect(back.report.pairs[0]?.state).toBe('active');
    expect(back.report.verdict).toBe('pass');
  });

  it('raises went_dark before a coverage problem: a migration that empties the shadow often changes the tables too', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`CREATE SCHEMA wd; CREATE TABLE wd.c (id int PRIMARY KEY, v int); CREATE TABLE wd.s (LIKE wd.c);
      INSERT INTO wd.c VALUES (1, 1); INSERT INTO wd.s VALUES (1, 1);`);
    // An RFC of its own: the other cases' windows are rfc t's.
    const runAt = async (asOf: Date, runId: string) =>
      (await runAndRecord(db, 'wd', asOf, runId, true, 12, 'wd')).report;
    expect((await runAt(T1, 'wd-1')).pairs[0]?.state).toBe('active');
    await db.exec('DELETE FROM wd.s; ALTER TABLE wd.c ADD COLUMN extra int');
    const dark = await runAt(T2, 'wd-2');
    const pair = dark.pairs[0];
    expect([pair?.state, pair?.status, dark.verdict]).toEqual(['went_dark', 'went_dark', 'went_dark']);
    expect(pair?.reason).toMatch(
      /^wd\.s is empty, but the shadow window was active .*: the shadow writer went dark; the tables' shapes differ too \(.*extra/,
    );
    expect(pair?.coverage).not.toHaveLength(0);
    expect(await db.exec(`SELECT state FROM rfcgate.comparator_windows WHERE rfc = 'wd'`)).toEqual([
      { state: 'went_dark' },
    ]);
    // A shadow with rows whose shape differs is the coverage failure it was.
    await db.exec('INSERT INTO wd.s VALUES (1, 1)');
    const shaped = await runAt(new Date('2026-06-01T12:00:00Z'), 'wd-3');
    expect([shaped.pairs[0]?.status, shaped.verdict]).toEqual(['coverage_error', 'fail']);
  });

  // Runs overlap (a long pair, a recording queued behind another's), so a run that began
  // earlier may record after one that began later: the window must follow the as-of order.
  const recordLate = (
    schema: string,
    report: Awaited<ReturnType<typeof runAndRecord>>['report'],
    asOf: Date,
    runId: string,
  ) =>
    recordRun(db.writer(), {
      report,
      spec: pairSpec(schema),
      runId,
      asOf,
      elapsedMs: new Map([['p', 1]]),
      selfTests: new Map(),
    });
  const storedWindow = async () => {
    const rows = await db.exec(
      `SELECT state, first_active_at, last_active_at, went_dark_at FROM rfcgate.comparator_windows WHERE rfc = 't' AND pair = 'p'`,
    );
    expect(rows).toHaveLength(1);
    const at = (v: unknown) => (v == null ? null : new Date(String(v)).toISOString());
    return {
      state: rows[0]?.state,
      first_active_at: at(rows[0]?.first_active_at),
      last_active_at: at(rows[0]?.last_active_at),
      went_dark_at: at(rows[0]?.went_dark_at),
    };
  };

  const runPayload = async (runId: string) => {
    const rows = await db.exec(
      `SELECT payload FROM audit.coordination_measurements
       WHERE measurement_type = 'measurement.comparator.run' AND payload->>'run_id' = $1`,
      [runId],
    );
    expect(rows).toHaveLength(1);
    return rows[0]?.payload;
  };

  it('a run that read no history reports went_dark (exit 4) when an earlier run saw rows and recorded before it', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA ovl; CREATE TABLE ovl.c (id int PRIMARY KEY, v int); CREATE TABLE ovl.s (LIKE ovl.c);
                   INSERT INTO ovl.c VALUES (1, 1); INSERT INTO ovl.s VALUES (1, 1);`);
    // 10:00 sees rows and is still comparing when the writer stops and 11:00 starts: 11:00
    // reads no history and finds the shadow empty.
    const early = await runAndRecord(db, 'ovl', T1, 'ovl-10', false);
    expect(early.report.pairs[0]?.state).toBe('active');
    await db.exec('DELETE FROM ovl.s');
    const late = await runAndRecord(db, 'ovl', T2, 'ovl-11', false);
    expect([late.report.pairs[0]?.state, late.report.verdict]).toEqual(['never_started', 'halt']);
    // 10:00 records first; when 11:00 records, the ledger knows the shadow had rows before 11:00.
    await recordLate('ovl', early.report, T1, 'ovl-10');
    const rec = await recordLate('ovl', late.report, T2, 'ovl-11');
    const pair = rec.report.pairs[0];
    expect([pair?.state, pair?.status, pair?.verdict, pair?.halt_reason]).toEqual([
      'went_dark',
      'went_dark',
      'went_dark',
      null,
    ]);
    expect(pair?.reason).toBe(
      `ovl.s is empty, but the shadow window was active (last seen with rows ${T1.toISOString()}): the shadow writer went dark`,
    );
    expect([rec.report.verdict, comparatorExitCode(rec.report)]).toEqual(['went_dark', 4]);
    // What the run measured is left as it was (printed as such when recording fails).
    expect(late.report.pairs[0]?.state).toBe('never_started');
    expect(await runPayload('ovl-11')).toMatchObject({ state: 'went_dark', status: 'went_dark' });
    expect(await storedWindow()).toEqual({
      state: 'went_dark',
      first_active_at: T1.toISOString(),
      last_active_at: T1.toISOString(),
      went_dark_at: T2.toISOString(),
    });
  });

  it('an empty shadow seen with rows only by a later run still halts never_started when recorded; one never seen, too', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA nev; CREATE TABLE nev.c (id int PRIMARY KEY, v int); CREATE TABLE nev.s (LIKE nev.c);
                   INSERT INTO nev.c VALUES (1, 1);`);
    const early = await runAndRecord(db, 'nev', T1, 'nev-10', false);
    expect(early.report.pairs[0]?.state).toBe('never_started');
    // The writer starts; 11:00 sees rows and records before 10:00 does.
    await db.exec('INSERT INTO nev.s VALUES (1, 1)');
    await runAndRecord(db, 'nev', T2, 'nev-11');
    const rec = await recordLate('nev', early.report, T1, 'nev-10');
    expect([rec.report.pairs[0]?.state, rec.report.verdict, comparatorExitCode(rec.report)]).toEqual([
      'never_started',
      'halt',
      2,
    ]);
    expect(await runPayload('nev-10')).toMatchObject({ state: 'never_started', status: 'halt' });
    expect((await storedWindow()).state).toBe('active');
    // A shadow no run ever saw with rows: never started, recorded so.
    await db.exec(`DELETE FROM rfcgate.comparator_windows; DELETE FROM nev.s`);
    const never = await runAndRecord(db, 'nev', new Date('2026-06-01T12:00:00Z'), 'nev-12');
    expect([never.recorded?.report.pairs[0]?.state, never.recorded?.report.verdict]).toEqual(['never_started', 'halt']);
    expect((await storedWindow()).state).toBe('never_started');
  });

  it('a dropped shadow that an earlier run, recorded meanwhile, saw with rows is reported went_dark when recorded', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA dro; CREATE TABLE dro.c (id int PRIMARY KEY, v int); CREATE TABLE dro.s (LIKE dro.c);
                   INSERT INTO dro.c VALUES (1, 1); INSERT INTO dro.s VALUES (1, 1);`);
    const early = await runAndRecord(db, 'dro', T1, 'dro-10', false);
    await db.exec('DROP TABLE dro.s');
    const late = await runAndRecord(db, 'dro', T2, 'dro-11', false);
    expect([late.report.pairs[0]?.state, late.report.pairs[0]?.halt_reason]).toEqual([null, 'missing']);
    await recordLate('dro', early.report, T1, 'dro-10');
    const rec = await recordLate('dro', late.report, T2, 'dro-11');
    const pair = rec.report.pairs[0];
    expect([pair?.state, pair?.status, pair?.verdict, comparatorExitCode(rec.report)]).toEqual([
      'went_dark',
      'went_dark',
      'went_dark',
      4,
    ]);
    expect(pair?.reason).toBe(
      `dro.s does not exist in this database, but the shadow window was active (last seen with rows ${T1.toISOString()}): the shadow table was dropped or renamed, and the shadow writer went dark; if comparator.yaml names another table now, fix the name`,
    );
    expect(rec.windows).toBe(1);
    expect(await runPayload('dro-11')).toMatchObject({ state: 'went_dark', status: 'went_dark' });
    expect(await storedWindow()).toMatchObject({ state: 'went_dark', went_dark_at: T2.toISOString() });
  });

  it('a run recorded after a later one does not roll the window back: a writer that then stops still goes dark (exit 4)', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA late; CREATE TABLE late.c (id int PRIMARY KEY, v int); CREATE TABLE late.s (LIKE late.c);
                   INSERT INTO late.c VALUES (1, 1);`);
    // 10:00: the shadow writer has not started yet.
    const early = await runAndRecord(db, 'late', T1, 'late-10', false);
    expect(early.report.pairs[0]?.state).toBe('never_started');
    // 11:00: it has, and that run records first.
    await db.exec('INSERT INTO late.s VALUES (1, 1)');
    const active = await runAndRecord(db, 'late', T2, 'late-11');
    expect(active.report.pairs[0]?.state).toBe('active');
    // The 10:00 run records last, what it saw at 10:00.
    await recordLate('late', early.report, T1, 'late-10');
    expect(await storedWindow()).toEqual({
      state: 'active',
      first_active_at: T2.toISOString(),
      last_active_at: T2.toISOString(),
      went_dark_at: null,
    });
    // Each run's measurement is of its own instant, whatever order they were recorded in.
    const runs = await db.exec(
      `SELECT payload->>'run_id' AS run, recorded_at FROM audit.coordination_measurements
       WHERE measurement_type = 'measurement.comparator.run' AND payload->>'run_id' LIKE 'late-%' ORDER BY 1`,
    );
    expect(runs.map((r) => [r.run, new Date(String(r.recorded_at)).toISOString()])).toEqual([
      ['late-10', T1.toISOString()],
      ['late-11', T2.toISOString()],
    ]);
    // 12:00: the writer stopped and the shadow is empty: that is the alarm, not "never started".
    await db.exec('DELETE FROM late.s');
    const T3 = new Date('2026-06-01T12:00:00Z');
    const dark = await runAndRecord(db, 'late', T3, 'late-12');
    expect([dark.report.pairs[0]?.state, dark.report.verdict]).toEqual(['went_dark', 'went_dark']);
    expect(dark.report.pairs[0]?.reason).toContain(`last seen with rows ${T2.toISOString()}`);
  });

  it('an active run recorded after a later run saw the shadow empty leaves the window dark since that later run', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA gone; CREATE TABLE gone.c (id int PRIMARY KEY, v int); CREATE TABLE gone.s (LIKE gone.c);
                   INSERT INTO gone.c VALUES (1, 1); INSERT INTO gone.s VALUES (1, 1);`);
    // 10:00 sees rows; the writer stops; 11:00 began before 10:00 recorded, so it read no
    // history, calls the empty shadow never started, and records first.
    const early = await runAndRecord(db, 'gone', T1, 'gone-10', false);
    expect(early.report.pairs[0]?.state).toBe('active');
    await db.exec('DELETE FROM gone.s');
    const empty = await runAndRecord(db, 'gone', T2, 'gone-11');
    expect(empty.report.pairs[0]?.state).toBe('never_started');
    // Recorded first, it cannot know of 10:00 either: as measured, a halt (the alarm comes
    // with the next run, below).
    const first = empty.recorded?.report;
    expect([first?.pairs[0]?.state, first?.verdict]).toEqual(['never_started', 'halt']);
    expect(await runPayload('gone-11')).toMatchObject({ state: 'never_started', status: 'halt' });
    await recordLate('gone', early.report, T1, 'gone-10');
    // Together they say: rows at 10:00, none at 11:00. Dark since 11:00, not active.
    expect(await storedWindow()).toEqual({
      state: 'went_dark',
      first_active_at: T1.toISOString(),
      last_active_at: T1.toISOString(),
      went_dark_at: T2.toISOString(),
    });
    const still = await runAndRecord(db, 'gone', new Date('2026-06-01T12:00:00Z'), 'gone-12');
    expect(still.report.pairs[0]?.state).toBe('went_dark');
    expect((await storedWindow()).went_dark_at).toBe(T2.toISOString());
  });

  /** A run that could not read the window history when it started (the read failed with `why`). */
  const runBlind = async (schema: string, asOf: Date) => {
    const client = db.client();
    try {
      return await runComparator({
        client,
        rfc: 't',
        spec: pairSpec(schema),
        asOf,
        mode: 'run',
        limit: 10,
        timeoutMs: 30_000,
        windowsUnreadable: windowsUnreadable(
          new SqlHaltError('error', 'canceling statement due to statement timeout', '57014'),
        ),
      });
    } finally {
      await client.close();
    }
  };

  it('an empty shadow whose history could not be read when the run started gets its state when the run records', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA blank; CREATE TABLE blank.c (id int PRIMARY KEY, v int); CREATE TABLE blank.s (LIKE blank.c);
                   INSERT INTO blank.c VALUES (1, 1); INSERT INTO blank.s VALUES (1, 1);`);
    await runAndRecord(db, 'blank', T1, 'blank-10');
    await db.exec('DELETE FROM blank.s');
    // The read failed, so the run cannot tell never started from went dark, and halts.
    const late = await runBlind('blank', T2);
    expect([late.pairs[0]?.state, late.pairs[0]?.shadow_has_rows, late.pairs[0]?.halt_reason]).toEqual([
      null,
      false,
      'error',
    ]);
    // A read that timed out is helped by running again, not by access the role may already have.
    expect(late.pairs[0]?.reason).toBe(
      "blank.s is empty, and the shadow window's history could not be read (canceling statement due to statement timeout), so whether the shadow writer never started or went dark is unknown; run it again once the ledger answers",
    );
    // Recording reads the history: the writer went dark, the alarm is raised and stored.
    const rec = await recordLate('blank', late, T2, 'blank-11');
    const pair = rec.report.pairs[0];
    expect([pair?.state, pair?.status, pair?.verdict, pair?.halt_reason]).toEqual([
      'went_dark',
      'went_dark',
      'went_dark',
      null,
    ]);
    expect(pair?.reason).toBe(
      `blank.s is empty, but the shadow window was active (last seen with rows ${T1.toISOString()}): the shadow writer went dark`,
    );
    expect([rec.report.window_history, comparatorExitCode(rec.report), rec.windows]).toEqual([true, 4, 1]);
    expect(await runPayload('blank-11')).toMatchObject({ state: 'went_dark', status: 'went_dark' });
    expect(await storedWindow()).toMatchObject({ state: 'went_dark', went_dark_at: T2.toISOString() });
    // What the run measured is left as it was.
    expect(late.pairs[0]?.state).toBeNull();

    // A shadow no run ever saw with rows: never started, halting as such, and stored.
    await db.exec('DELETE FROM rfcgate.comparator_windows');
    const never = await runBlind('blank', T2);
    const started = await recordLate('blank', never, T2, 'blank-11b');
    expect(started.report.pairs[0]).toMatchObject({
      state: 'never_started',
      status: 'halt',
      verdict: 'halt',
      halt_reason: 'missing',
      reason:
        'blank.s is empty and has never been seen with rows: the shadow window has not started, so there is nothing to compare',
    });
    expect([started.report.verdict, comparatorExitCode(started.report), started.windows]).toEqual(['halt', 2, 1]);
    expect(await runPayload('blank-11b')).toMatchObject({ state: 'never_started', status: 'halt' });
    expect((await storedWindow()).state).toBe('never_started');
  });

  it('a dropped shadow whose history could not be read when the run started no longer says so once recorded', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA vanished; CREATE TABLE vanished.c (id int PRIMARY KEY, v int); INSERT INTO vanished.c VALUES (1, 1);`);
    const blind = await runBlind('vanished', T2);
    expect(blind.pairs[0]?.reason).toMatch(/could not be read .* is unknown$/);
    const rec = await recordLate('vanished', blind, T2, 'vanished-11');
    expect(rec.report.pairs[0]).toMatchObject({
      state: null,
      verdict: 'halt',
      halt_reason: 'missing',
      reason: 'nothing to compare: vanished.s does not exist in this database',
    });
  });

  it('records a dropped shadow that was active as went_dark, raised again each hour until it is back with rows', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
    await db.exec(`DELETE FROM rfcgate.comparator_windows;
                   CREATE SCHEMA dropped; CREATE TABLE dropped.c (id int PRIMARY KEY, v int); CREATE TABLE dropped.s (LIKE dropped.c);
                   INSERT INTO dropped.c VALUES (1, 1); INSERT INTO dropped.s VALUES (1, 1);`);
    expect((await runAndRecord(db, 'dropped', T1, 'dropped-10')).report.verdict).toBe('pass');
    await db.exec('DROP TABLE dropped.s');
    const dark = await runAndRecord(db, 'dropped', T2, 'dropped-11');
    expect([dark.report.pairs[0]?.state, dark.report.verdict]).toEqual(['went_dark', 'went_dark']);
    expect(dark.report.pairs[0]?.reason).toMatch(
      /^dropped\.s does not exist in this database, but the shadow window was active/,
    );
    expect(dark.recorded?.windows).toBe(1);
    expect(await storedWindow()).toEqual({
      state: 'went_dark',
      first_active_at: T1.toISOString(),
      last_active_at: T1.toISOString(),
      went_dark_at: T2.toISOString(),
    });
    const run = await db.exec(
      `SELECT payload->>'status' AS status, payload->>'state' AS state FROM audit.coordination_measurements
       WHERE measurement_type = 'measurement.comparator.run' AND payload->>'run_id' = 'dropped-11'`,
    );
    expect(run).toEqual([{ status: 'went_dark', state: 'went_dark' }]);
    const T3 = new Date('2026-06-01T12:00:00Z');
    expect((await runAndRecord(db, 'dropped', T3, 'dropped-12')).report.verdict).toBe('went_dark');
    expect((await storedWindow()).went_dark_at).toBe(T2.toISOString());
    // Created again, empty: still dark; with rows again: active.
    await db.exec('CREATE TABLE dropped.s (LIKE dropped.c)');
    const T4 = new Date('2026-06-01T13:00:00Z');
    expect((await runAndRecord(db, 'dropped', T4, 'dropped-13')).report.pairs[0]?.state).toBe('went_dark');
    await db.exec('INSERT INTO dropped.s VALUES (1, 1)');
    const back = await runAndRecord(db, 'dropped', new Date('2026-06-01T14:00:00Z'), 'dropped-14');
    expect([back.report.pairs[0]?.state, back.report.verdict]).toEqual(['active', 'pass']);
  });

  if (backend.name === 'postgres') {
    it('halts on an empty shadow when the window history cannot be read, instead of calling it never started', async () => {
      await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
      await db.exec(`CREATE SCHEMA dark; CREATE TABLE dark.c (id int PRIMARY KEY); CREATE TABLE dark.s (LIKE dark.c);
                     INSERT INTO dark.c VALUES (1); INSERT INTO dark.s VALUES (1);`);
      await runAndRecord(db, 'dark', T1, 'seen-active');
      await db.exec('DELETE FROM dark.s');
      // A reader that may read the compared tables but not the ledger (rfcgate's own schema).
      const role = await db.createRole();
      await db.exec(`GRANT USAGE ON SCHEMA dark TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA dark TO ${role}`);
      const client = new PgClient(db.url(role));
      try {
        const unreadable = await readWindows(client, 't', 30_000).then(
          () => undefined,
          (err: unknown) => windowsUnreadable(err as SqlHaltError),
        );
        expect(unreadable?.reason).toMatch(/permission denied/);
        const report = await runComparator({
          client,
          rfc: 't',
          spec: pairSpec('dark'),
          asOf: T2,
          mode: 'run',
          limit: 10,
          timeoutMs: 30_000,
          ...(unreadable === undefined ? {} : { windowsUnreadable: unreadable }),
        });
        const pair = report.pairs[0];
        expect([pair?.verdict, pair?.state, pair?.halt_reason]).toEqual(['halt', null, 'error']);
        expect(pair?.reason).toMatch(
          /^dark\.s is empty, and the shadow window's history could not be read \(permission denied.*\), so whether the shadow writer never started or went dark is unknown; let this role read rfcgate\.comparator_windows$/,
        );
      } finally {
        await client.close();
      }
    });

    it('says a dropped shadow may have gone dark when the window history cannot be read, still halting', async () => {
      await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
      await db.exec(`CREATE SCHEMA blind; CREATE TABLE blind.c (id int PRIMARY KEY); INSERT INTO blind.c VALUES (1);`);
      const role = await db.createRole();
      await db.exec(`GRANT USAGE ON SCHEMA blind TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA blind TO ${role}`);
      const client = new PgClient(db.url(role));
      try {
        const unreadable = await readWindows(client, 't', 30_000).then(
          () => undefined,
          (err: unknown) => windowsUnreadable(err as SqlHaltError),
        );
        expect(unreadable?.reason).toMatch(/permission denied/);
        const report = await runComparator({
          client,
          rfc: 't',
          spec: pairSpec('blind'),
          asOf: T2,
          mode: 'run',
          limit: 10,
          timeoutMs: 30_000,
          ...(unreadable === undefined ? {} : { windowsUnreadable: unreadable }),
        });
        const pair = report.pairs[0];
        expect([pair?.verdict, pair?.halt_reason]).toEqual(['halt', 'missing']);
        expect(pair?.reason).toMatch(
          /^nothing to compare: blind\.s does not exist in this database; the shadow window's history could not be read \(permission denied.*\), so whether a shadow that was active has been dropped \(went dark\) is unknown$/,
        );
      } finally {
        await client.close();
      }
    });

    it('a run recording while another records the first observation of a pair waits for it, and sees it', async () => {
      await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
      await db.exec(`DELETE FROM rfcgate.comparator_windows;
                     CREATE SCHEMA both2; CREATE TABLE both2.c (id int PRIMARY KEY, v int); CREATE TABLE both2.s (LIKE both2.c);
                     INSERT INTO both2.c VALUES (1, 1);`);
      // 11:00 found the shadow empty, with no history; 10:00, which saw rows, is recording the
      // pair's first window row (no row to lock yet) when 11:00 begins to record.
      const { report } = await runAndRecord(db, 'both2', T2, 'unused', false);
      expect(report.pairs[0]?.state).toBe('never_started');
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const inside = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const earlier = db.writer().transaction(async (tx) => {
        await lockWindows(tx, 't', ['p']);
        await writeWindow(tx, 't', 'p', 'active', T1);
        locked();
        await held;
      });
      await inside;
      const later = recordLate('both2', report, T2, 'both2-11').then(
        (r) => r,
        (err: unknown) => err,
      );
      await lockWaiters(db, 1);
      release();
      await earlier;
      const rec = (await later) as Awaited<ReturnType<typeof recordLate>>;
      expect(rec).not.toBeInstanceOf(Error);
      expect([rec.report.pairs[0]?.state, rec.report.verdict]).toEqual(['went_dark', 'went_dark']);
      expect(await runPayload('both2-11')).toMatchObject({ state: 'went_dark', status: 'went_dark' });
      expect(await storedWindow()).toMatchObject({ state: 'went_dark', went_dark_at: T2.toISOString() });
    });

    it('records one run id once when two hosts record it at the same time, without a conflict', async () => {
      await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
      await db.exec(`CREATE SCHEMA race; CREATE TABLE race.c (id int PRIMARY KEY, v int); CREATE TABLE race.s (LIKE race.c);
                     INSERT INTO race.c VALUES (1, 1), (2, 2); INSERT INTO race.s VALUES (1, 1), (2, 20);`);
      // An earlier run leaves the pair's window row, which a third session then holds, so both
      // recorders are inside their transactions at once when it lets go.
      await runAndRecord(db, 'race', T1, 'earlier');
      const { report } = await runAndRecord(db, 'race', T2, 'unused', false);
      const spec = pairSpec('race');
      const holder = new pg.Client({ connectionString: db.url() });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM rfcgate.comparator_windows WHERE rfc = 't' AND pair = 'p' FOR UPDATE`);
        // Each host timed its own run: the same run id, measured twice.
        const recording = [12, 34].map((ms) =>
          recordRun(db.writer(), {
            report,
            spec,
            runId: 'hourly-11',
            asOf: T2,
            elapsedMs: new Map([['p', ms]]),
            selfTests: new Map(),
          }).then(
            (r) => r,
            (err: unknown) => err,
          ),
        );
        await lockWaiters(db, 2);
        await holder.query('COMMIT');
        const outcomes = await Promise.all(recording);
        expect(outcomes.filter((o) => o instanceof Error).map((e) => (e as Error).message)).toEqual([]);
        expect(outcomes.map((o) => (o as { recorded: number }).recorded).sort()).toEqual([0, 2]);
      } finally {
        await holder.end();
      }
      const runs = await db.exec(
        `SELECT elapsed_ms FROM audit.coordination_measurements WHERE payload->>'run_id' = 'hourly-11' AND measurement_type = 'measurement.comparator.run'`,
      );
      expect(runs).toHaveLength(1);
    });
  }
});

import pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/ledger/errors.js';
import { type RecordedGateRun, recordGateRun, runKeyProblem } from '../../src/ledger/gate-runs.js';
import { MAX_RUN_KEY_LENGTH } from '../../src/ledger/run-id.js';
import { MANAGED_MARKER, migrate, migrationPlan } from '../../src/ledger/schema.js';
import type { GateReport, GateResult } from '../../src/model/result.js';
import { UsageError } from '../../src/spec/problems.js';
import { lockWaiters } from '../helpers/db.js';
import { catalogSnapshot, count, planBefore, testBackends, useLedgerDatabase } from './helpers.js';

const RANGE = { from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-06-30T00:00:00Z') };

function result(id: string, over: Partial<GateResult> = {}): GateResult {
  return {
    id,
    kind: 'disconfirmer',
    title: `gate ${id}`,
    section: '§0(B)',
    verdict: 'pass',
    evidence: { condition: 'x > 1.0', measurements: { x: { rows: 3, sql: 'SELECT 1' } } },
    location: { file: 'gates/wave3/disconfirmers.yaml', line: 3, col: 3 },
    ...over,
  };
}

const REPORT: GateReport = {
  rfc: 'wave3',
  as_of: '2026-06-01T00:00:00.000Z',
  ref: 'HEAD',
  verdict: 'fail',
  results: [
    result('A.1'),
    result('B', { verdict: 'fail', reason: 'boundary_p50_ms >= lease_plane_p50_ms * 2' }),
    result('F', {
      verdict: 'halt',
      halt_reason: 'missing',
      reason: "measurement 'lease_plane_p50_ms': went dark: no rows in the 14d window",
    }),
  ],
};

describe.each(testBackends())('recordGateRun on $name', (backend) => {
  const db = useLedgerDatabase(backend);
  beforeEach(async () => {
    await db.reset();
    await migrate(db.writer(), migrationPlan(RANGE));
  });

  it("names a team's own gate_runs table, not the gate_results db migrate cannot create beside it", async () => {
    await db.reset();
    await db.exec('CREATE SCHEMA rfcgate; CREATE TABLE rfcgate.gate_runs (id int, note text);');
    await migrate(db.writer(), migrationPlan(RANGE));
    const err = await recordGateRun(db.writer(), REPORT, {
      sha: null,
      phase: null,
      only: null,
      toolVersion: null,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).problem).toBe('foreign');
    expect((err as Error).message).toMatch(/rfcgate\.gate_runs .* was not created by rfcgate/);
    expect((err as Error).message).not.toMatch(/db migrate/);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);
  });

  it('stores one run and every result, in one transaction', async () => {
    const run = await recordGateRun(db.writer(), REPORT, {
      sha: 'a'.repeat(40),
      phase: 'implementation',
      only: ['A.1', 'B', 'F'],
      toolVersion: '0.1.0',
      recordedBy: 'ci',
    });
    expect(run.results).toBe(3);
    const runs = await db.exec(
      `SELECT id::text AS id, rfc, as_of, snapshot_at, ref, sha, phase, only_gates, verdict, results, tool_version, recorded_by FROM rfcgate.gate_runs`,
    );
    expect(runs).toEqual([
      {
        id: run.runId,
        rfc: 'wave3',
        as_of: new Date(REPORT.as_of),
        snapshot_at: null,
        ref: 'HEAD',
        sha: 'a'.repeat(40),
        phase: 'implementation',
        only_gates: ['A.1', 'B', 'F'],
        verdict: 'fail',
        results: 3,
        tool_version: '0.1.0',
        recorded_by: 'ci',
      },
    ]);
    const results = await db.exec(
      `SELECT gate_id, kind, verdict, halt_reason, reason, evidence, location FROM rfcgate.gate_results
       WHERE run_id = $1::bigint ORDER BY gate_id`,
      [run.runId],
    );
    expect(results.map((r) => [r.gate_id, r.verdict, r.halt_reason])).toEqual([
      ['A.1', 'pass', null],
      ['B', 'fail', null],
      ['F', 'halt', 'missing'],
    ]);
    expect(results[0]?.evidence).toEqual(REPORT.results[0]?.evidence);
    expect(results[2]?.reason).toMatch(/went dark/);
    expect(results[0]?.location).toEqual({ file: 'gates/wave3/disconfirmers.yaml', line: 3, col: 3 });
  });

  it('is all or nothing: a failing result leaves no run behind', async () => {
    await db.exec(`CREATE FUNCTION rfcgate.boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.gate_id = 'F' THEN RAISE EXCEPTION 'results down'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER boom BEFORE INSERT ON rfcgate.gate_results FOR EACH ROW EXECUTE FUNCTION rfcgate.boom();`);
    await expect(recordGateRun(db.writer(), REPORT)).rejects.toThrow(/results down/);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);
    expect(await count(db, 'rfcgate.gate_results')).toBe(0);
  });

  it('says to run db migrate when the ledger is missing', async () => {
    await db.reset();
    const err = await recordGateRun(db.writer(), REPORT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as Error).message).toMatch(
      /rfcgate\.gate_runs, rfcgate\.gate_results do not exist; run `rfcgate db migrate` first/,
    );
  });

  it('stores the instant a restored copy depicts, so its run is told apart from a live one', async () => {
    const run = await recordGateRun(db.writer(), { ...REPORT, snapshot_at: '2026-06-01T12:00:00.000Z' });
    expect(run.snapshotAt).toBe('2026-06-01T12:00:00.000Z');
    expect(await db.exec('SELECT as_of, snapshot_at FROM rfcgate.gate_runs')).toEqual([
      { as_of: new Date(REPORT.as_of), snapshot_at: new Date('2026-06-01T12:00:00.000Z') },
    ]);
  });

  it('says to run db migrate when the ledger predates a column, and writes nothing', async () => {
    // A ledger created by the version before gate_runs.snapshot_at: the same plan without its column step.
    await db.reset();
    await migrate(db.writer(), planBefore(migrationPlan(RANGE), 'rfcgate.gate_runs.snapshot_at'));
    const before = await catalogSnapshot(db);
    const err = await recordGateRun(db.writer(), REPORT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).problem).toBe('missing');
    expect((err as Error).message).toMatch(
      /^the ledger in \S+ was created by an earlier version of rfcgate: columns rfcgate\.gate_runs\.snapshot_at, rfcgate\.gate_runs\.run_key and index rfcgate\.gate_runs_rfc_run_key do not exist; run `rfcgate db migrate` to add them; nothing was written$/,
    );
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);
    expect(await count(db, 'rfcgate.gate_results')).toBe(0);
    expect(await catalogSnapshot(db)).toBe(before);

    await migrate(db.writer(), migrationPlan(RANGE));
    await recordGateRun(db.writer(), REPORT);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(1);
  });

  it('records a result quoting text PostgreSQL cannot store (U+0000, a lone surrogate), with U+FFFD in its place', async () => {
    // A telemetry session id is any JSON string: "s\u0000x" and "\ud800" parse, and the
    // gates quote them in their reasons and evidence.
    const report: GateReport = {
      ...REPORT,
      results: [
        result('W', {
          title: 'worst session\u0000',
          verdict: 'fail',
          reason: 'fired: worst session s\u0000x < 0.1',
          evidence: {
            condition: 'worst < 0.1',
            measurements: {
              worst: {
                by_session: [
                  { session: 's\u0000x', value: 0.0099 },
                  { session: 'lone \ud800', value: 0.5 },
                ],
              },
            },
            'key \udc00': 'pair 😀 kept',
          },
        }),
        result('A.1'),
      ],
    };
    const run = await recordGateRun(db.writer(), report);
    expect(run).toMatchObject({ alreadyRecorded: false, results: 2 });
    const rows = await db.exec(
      'SELECT gate_id, title, reason, evidence FROM rfcgate.gate_results ORDER BY gate_id COLLATE "C"',
    );
    expect(rows).toEqual([
      {
        gate_id: 'A.1',
        title: 'gate A.1',
        reason: null,
        evidence: REPORT.results[0]?.evidence,
      },
      {
        gate_id: 'W',
        title: 'worst session\uFFFD',
        reason: 'fired: worst session s\uFFFDx < 0.1',
        evidence: {
          condition: 'worst < 0.1',
          measurements: {
            worst: {
              by_session: [
                { session: 's\uFFFDx', value: 0.0099 },
                { session: 'lone \uFFFD', value: 0.5 },
              ],
            },
          },
          'key \uFFFD': 'pair 😀 kept',
        },
      },
    ]);
  });

  it('records a run with no results', async () => {
    const run = await recordGateRun(db.writer(), { ...REPORT, verdict: 'pass', results: [] });
    expect(run.results).toBe(0);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(1);
  });
});

describe.each(testBackends())('recordGateRun with a run key (--run-id) on $name', (backend) => {
  const db = useLedgerDatabase(backend);
  beforeEach(async () => {
    await db.reset();
    await migrate(db.writer(), migrationPlan(RANGE));
  });

  it('records a run key once: the second recording stores nothing and names the run stored', async () => {
    const first = await recordGateRun(db.writer(), REPORT, { runKey: '9876-build' });
    expect(first).toMatchObject({ alreadyRecorded: false, runKey: '9876-build', results: 3 });
    // A retry evaluates again: another verdict, fewer results; none of it is compared or stored.
    const retry = await recordGateRun(
      db.writer(),
      { ...REPORT, verdict: 'pass', results: [result('A.1')] },
      {
        runKey: '9876-build',
      },
    );
    expect(retry).toMatchObject({ runId: first.runId, alreadyRecorded: true, runKey: '9876-build', results: 3 });
    // The stored run's, not the retry's: what the ledger keeps under the key.
    expect(retry.stored).toEqual({ verdict: 'fail', asOf: REPORT.as_of });
    expect(await count(db, 'rfcgate.gate_runs')).toBe(1);
    expect(await count(db, 'rfcgate.gate_results')).toBe(3);
    expect(await db.exec('SELECT id::text AS id, run_key, verdict FROM rfcgate.gate_runs')).toEqual([
      { id: first.runId, run_key: '9876-build', verdict: 'fail' },
    ]);
  });

  it('records two run keys as two runs, and runs without one as before, each time', async () => {
    await recordGateRun(db.writer(), REPORT, { runKey: 'a' });
    await recordGateRun(db.writer(), REPORT, { runKey: 'b' });
    const plain = [await recordGateRun(db.writer(), REPORT), await recordGateRun(db.writer(), REPORT, {})];
    expect(plain.map((r) => [r.alreadyRecorded, r.runKey])).toEqual([
      [false, null],
      [false, null],
    ]);
    // The same key for another RFC names another run.
    await recordGateRun(db.writer(), { ...REPORT, rfc: 'v3-kernel' }, { runKey: 'a' });
    expect(await db.exec('SELECT rfc, run_key FROM rfcgate.gate_runs ORDER BY id')).toEqual([
      { rfc: 'wave3', run_key: 'a' },
      { rfc: 'wave3', run_key: 'b' },
      { rfc: 'wave3', run_key: null },
      { rfc: 'wave3', run_key: null },
      { rfc: 'v3-kernel', run_key: 'a' },
    ]);
  });

  it('refuses a blank run key or one longer than the index takes, writing nothing', async () => {
    expect(runKeyProblem('  ')).toMatch(/^--run-id is blank: every run would be recorded under the same id/);
    // "$GITHUB_RUN_ID-$GITHUB_JOB" outside CI: every local run would share it.
    expect(runKeyProblem('-')).toBe(
      `--run-id '-' has no letter or digit, as when the variables it is made of are unset: every such run would be recorded under the same id, and after the first nothing would be stored; give an id naming this run, such as "$GITHUB_RUN_ID-$GITHUB_JOB", or leave --run-id out`,
    );
    expect(runKeyProblem('1-')).toBeUndefined();
    expect(runKeyProblem('x'.repeat(MAX_RUN_KEY_LENGTH))).toBeUndefined();
    expect(runKeyProblem('x'.repeat(MAX_RUN_KEY_LENGTH + 1))).toBe(
      `--run-id is ${MAX_RUN_KEY_LENGTH + 1} characters; it may be at most ${MAX_RUN_KEY_LENGTH}`,
    );
    for (const runKey of ['', 'x'.repeat(MAX_RUN_KEY_LENGTH + 1)]) {
      await expect(recordGateRun(db.writer(), REPORT, { runKey })).rejects.toBeInstanceOf(UsageError);
    }
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);
  });

  it('says to run db migrate on a ledger made before run keys, and db migrate adds the column and its unique index', async () => {
    await db.reset();
    const plan = migrationPlan(RANGE);
    await migrate(db.writer(), planBefore(plan, 'rfcgate.gate_runs.run_key'));
    for (const runKey of [null, 'ci-1']) {
      const err = await recordGateRun(db.writer(), REPORT, { runKey }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LedgerError);
      expect((err as Error).message).toMatch(
        /^the ledger in \S+ was created by an earlier version of rfcgate: column rfcgate\.gate_runs\.run_key and index rfcgate\.gate_runs_rfc_run_key do not exist; run `rfcgate db migrate` to add them; nothing was written$/,
      );
    }
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);

    const r = await migrate(db.writer(), plan);
    expect(r.outcomes.filter((o) => o.status !== 'present').map((o) => [o.step.id, o.status])).toEqual([
      ['column:rfcgate.gate_runs.run_key', 'created'],
      ['index:rfcgate.gate_runs_rfc_run_key', 'created'],
    ]);
    expect(
      await db.exec(
        `SELECT i.indisunique AS unique, pg_get_indexdef(i.indexrelid) AS def, obj_description(i.indexrelid, 'pg_class') AS comment
         FROM pg_index i WHERE i.indexrelid = 'rfcgate.gate_runs_rfc_run_key'::regclass`,
      ),
    ).toEqual([
      {
        unique: true,
        def: 'CREATE UNIQUE INDEX gate_runs_rfc_run_key ON rfcgate.gate_runs USING btree (rfc, run_key) WHERE (run_key IS NOT NULL)',
        comment: MANAGED_MARKER,
      },
    ]);
    await recordGateRun(db.writer(), REPORT, { runKey: 'ci-1' });
    await recordGateRun(db.writer(), REPORT, { runKey: 'ci-1' });
    await recordGateRun(db.writer(), REPORT);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(2);
  });

  it('says to run db migrate when only the unique index is missing (dropped by hand)', async () => {
    await db.exec('DROP INDEX rfcgate.gate_runs_rfc_run_key');
    const err = await recordGateRun(db.writer(), REPORT, { runKey: 'ci-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as Error).message).toMatch(
      /: index rfcgate\.gate_runs_rfc_run_key does not exist; run `rfcgate db migrate` to add it; nothing was written$/,
    );
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);
  });

  it('two recorders of one run key at once store one run', async () => {
    // PGlite is one session: its transactions run one after the other, so the later one always
    // finds the earlier's run. On a server the two overlap; see the test below.
    const outcomes = await Promise.all([
      recordGateRun(db.writer(), REPORT, { runKey: 'hourly' }),
      recordGateRun(db.writer(), REPORT, { runKey: 'hourly' }),
    ]);
    expect(outcomes.map((o) => o.alreadyRecorded).sort()).toEqual([false, true]);
    expect(new Set(outcomes.map((o) => o.runId)).size).toBe(1);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(1);
  });

  if (backend.name === 'postgres') {
    it('two overlapping transactions recording one run key store one run, without a conflict', async () => {
      // Each recorder's insert of its results waits for a lock a third session holds, so the
      // first is inside its transaction, its run row not yet committed, when the second begins.
      await db.exec(`CREATE FUNCTION rfcgate.hold() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$;
        CREATE TRIGGER hold AFTER INSERT ON rfcgate.gate_runs FOR EACH ROW EXECUTE FUNCTION rfcgate.hold();`);
      const holder = new pg.Client({ connectionString: db.url() });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock(4242)');
        const settle = (p: Promise<RecordedGateRun>) =>
          p.then(
            (r) => r,
            (err: unknown) => err,
          );
        const first = settle(recordGateRun(db.writer(), REPORT, { runKey: 'hourly' }));
        await lockWaiters(db, 1);
        const second = settle(recordGateRun(db.writer(), REPORT, { runKey: 'hourly' }));
        await lockWaiters(db, 2);
        await holder.query('SELECT pg_advisory_unlock(4242)');
        const outcomes = await Promise.all([first, second]);
        expect(outcomes.filter((o) => o instanceof Error).map((e) => (e as Error).message)).toEqual([]);
        expect(outcomes.map((o) => (o as RecordedGateRun).alreadyRecorded)).toEqual([false, true]);
      } finally {
        await holder.end();
      }
      expect(await count(db, 'rfcgate.gate_runs')).toBe(1);
      expect(await count(db, 'rfcgate.gate_results')).toBe(3);
    });
  }
});

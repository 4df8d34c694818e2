import { beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/ledger/errors.js';
import { recordGateRun } from '../../src/ledger/gate-runs.js';
import { migrate, migrationPlan } from '../../src/ledger/schema.js';
import type { GateReport, GateResult } from '../../src/model/result.js';
import { catalogSnapshot, count, testBackends, useLedgerDatabase } from './helpers.js';

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
    await migrate(
      db.writer(),
      migrationPlan(RANGE).filter((s) => s.kind !== 'column'),
    );
    const before = await catalogSnapshot(db);
    const err = await recordGateRun(db.writer(), REPORT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).problem).toBe('missing');
    expect((err as Error).message).toMatch(
      /^the ledger in \S+ was created by an earlier version of rfcgate: column rfcgate\.gate_runs\.snapshot_at does not exist; run `rfcgate db migrate` to add it; nothing was written$/,
    );
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);
    expect(await count(db, 'rfcgate.gate_results')).toBe(0);
    expect(await catalogSnapshot(db)).toBe(before);

    await migrate(db.writer(), migrationPlan(RANGE));
    await recordGateRun(db.writer(), REPORT);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(1);
  });

  it('records a run with no results', async () => {
    const run = await recordGateRun(db.writer(), { ...REPORT, verdict: 'pass', results: [] });
    expect(run.results).toBe(0);
    expect(await count(db, 'rfcgate.gate_runs')).toBe(1);
  });
});

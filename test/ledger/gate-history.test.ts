import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/ledger/errors.js';
import { gateHistory, gateRunResults, listGateRuns, nearGate, parseRunId } from '../../src/ledger/gate-history.js';
import { recordGateRun } from '../../src/ledger/gate-runs.js';
import { migrate, migrationPlan } from '../../src/ledger/schema.js';
import type { GateReport, GateResult, HaltReason, Verdict } from '../../src/model/result.js';
import { UsageError } from '../../src/spec/problems.js';
import { planBefore, testBackends, useLedgerDatabase } from './helpers.js';

const RANGE = { from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-06-30T00:00:00Z') };

function result(id: string, verdict: Verdict, over: Partial<GateResult> = {}): GateResult {
  return {
    id,
    kind: 'disconfirmer',
    title: `gate ${id}`,
    section: '§0(B)',
    verdict,
    ...(verdict === 'fail' ? { reason: `${id} fired` } : {}),
    ...(verdict === 'halt' ? { halt_reason: 'missing' as const, reason: `${id}: went dark` } : {}),
    evidence: { condition: 'x > 1.0' },
    location: { file: 'gates/wave3/disconfirmers.yaml', line: 3, col: 3 },
    ...over,
  };
}

/** Gate B goes pass → fail → fail → halt; F is left out of the second run (--only A.1,B). */
const RUNS: { report: GateReport; phase?: string; only?: string[] }[] = [
  {
    report: {
      rfc: 'wave3',
      as_of: '2026-06-01T00:00:00.000Z',
      ref: 'HEAD',
      verdict: 'pass',
      results: [result('A.1', 'pass'), result('B', 'pass'), result('F', 'pass')],
    },
  },
  {
    report: {
      rfc: 'wave3',
      as_of: '2026-06-02T00:00:00.000Z',
      ref: 'main',
      verdict: 'fail',
      results: [result('A.1', 'pass'), result('B', 'fail')],
    },
    phase: 'implementation',
    only: ['A.1', 'B'],
  },
  {
    report: {
      rfc: 'wave3',
      as_of: '2026-06-03T00:00:00.000Z',
      snapshot_at: '2026-06-02T12:00:00.000Z',
      ref: 'HEAD',
      verdict: 'fail',
      // The specs declare F, then B, then A.1: neither gate_id order nor the order written.
      results: [
        result('B', 'fail', { location: { file: 'gates/wave3/disconfirmers.yaml', line: 12, col: 3 } }),
        result('F', 'halt', { location: { file: 'gates/wave3/disconfirmers.yaml', line: 3, col: 3 } }),
        result('A.1', 'pass', { location: { file: 'gates/wave3/stop-signs.yaml', line: 2, col: 3 } }),
      ],
    },
  },
  {
    report: {
      rfc: 'wave3',
      as_of: '2026-06-04T00:00:00.000Z',
      ref: 'HEAD',
      verdict: 'halt',
      results: [result('A.1', 'pass'), result('B', 'halt'), result('F', 'halt')],
    },
  },
];

/** Another RFC's run in the same ledger, with a gate of the same id. */
const OTHER: GateReport = {
  rfc: 'wave4',
  as_of: '2026-06-05T00:00:00.000Z',
  ref: 'HEAD',
  verdict: 'fail',
  results: [result('B', 'fail')],
};

describe.each(testBackends())('gate history on $name', (backend) => {
  const db = useLedgerDatabase(backend);
  const ids: string[] = [];
  let other = '';

  beforeAll(async () => {
    await db.reset();
    await migrate(db.writer(), migrationPlan(RANGE));
    for (const r of RUNS) {
      const run = await recordGateRun(db.writer(), r.report, {
        sha: 'abcdef0123456789abcdef0123456789abcdef01',
        phase: r.phase ?? null,
        only: r.only ?? null,
        toolVersion: '0.1.0',
        recordedBy: 'ci',
      });
      ids.push(run.runId);
    }
    other = (await recordGateRun(db.writer(), OTHER)).runId;
  });

  it("lists the RFC's runs newest first with their gates counted by verdict, and no other RFC's", async () => {
    const runs = (await listGateRuns(db.reader(), { rfc: 'wave3', limit: 20 })).runs;
    expect(runs.map((r) => r.id)).toEqual([...ids].reverse());
    expect(runs.map((r) => [r.verdict, r.gates])).toEqual([
      ['halt', { pass: 1, fail: 0, halt: 2 }],
      ['fail', { pass: 1, fail: 1, halt: 1 }],
      ['fail', { pass: 1, fail: 1, halt: 0 }],
      ['pass', { pass: 3, fail: 0, halt: 0 }],
    ]);
    expect(runs[2]).toEqual({
      id: ids[1],
      recorded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      as_of: '2026-06-02T00:00:00.000Z',
      snapshot_at: null,
      ref: 'main',
      sha: 'abcdef0123456789abcdef0123456789abcdef01',
      phase: 'implementation',
      only: ['A.1', 'B'],
      verdict: 'fail',
      gates: { pass: 1, fail: 1, halt: 0 },
      tool_version: '0.1.0',
      recorded_by: 'ci',
    });
    expect(runs[1]?.snapshot_at).toBe('2026-06-02T12:00:00.000Z');
    expect(runs[1]?.phase).toBeNull();
    expect(runs[1]?.only).toBeNull();
    expect((await listGateRuns(db.reader(), { rfc: 'wave4', limit: 20 })).runs.map((r) => r.id)).toEqual([other]);
    expect((await listGateRuns(db.reader(), { rfc: 'wave5', limit: 20 })).runs).toEqual([]);
  });

  it('keeps to --limit, the newest runs, and says when older ones exist beyond it', async () => {
    const cut = await listGateRuns(db.reader(), { rfc: 'wave3', limit: 2 });
    expect(cut.runs.map((r) => r.id)).toEqual([ids[3], ids[2]]);
    expect(cut.truncated).toBe(true);
    expect((await listGateRuns(db.reader(), { rfc: 'wave3', limit: 3 })).truncated).toBe(true);
    // Exactly --limit runs: nothing was cut.
    const all = await listGateRuns(db.reader(), { rfc: 'wave3', limit: 4 });
    expect([all.runs.length, all.truncated]).toEqual([4, false]);
    expect((await listGateRuns(db.reader(), { rfc: 'wave5', limit: 1 })).truncated).toBe(false);
  });

  it("gives one gate's verdict per run and marks where it changed from the run before", async () => {
    const { entries } = await gateHistory(db.reader(), { rfc: 'wave3', gate: 'B', limit: 20 });
    expect(entries.map((e) => [e.run_id, e.verdict, e.previous_verdict, e.changed])).toEqual([
      [ids[3], 'halt', 'fail', true],
      [ids[2], 'fail', 'fail', false],
      [ids[1], 'fail', 'pass', true],
      [ids[0], 'pass', null, false],
    ]);
    expect(entries[0]).toMatchObject({
      gate_id: 'B',
      halt_reason: 'missing',
      previous_halt_reason: null,
      reason: 'B: went dark',
      ref: 'HEAD',
    });
    expect(entries[1]).toMatchObject({ halt_reason: null, reason: 'B fired', snapshot_at: '2026-06-02T12:00:00.000Z' });
    // The other RFC's gate B is not part of wave3's history.
    expect(entries.map((e) => e.run_id)).not.toContain(other);
  });

  it('compares the oldest listed run with the run before it even when --limit leaves that one out', async () => {
    const { entries, truncated } = await gateHistory(db.reader(), { rfc: 'wave3', gate: 'B', limit: 1 });
    expect(entries.map((e) => [e.run_id, e.verdict, e.previous_verdict, e.changed])).toEqual([
      [ids[3], 'halt', 'fail', true],
    ]);
    expect(truncated).toBe(true);
    // Exactly --limit runs recorded B: nothing was cut.
    const all = await gateHistory(db.reader(), { rfc: 'wave3', gate: 'B', limit: 4 });
    expect([all.entries.length, all.truncated]).toEqual([4, false]);
    expect((await gateHistory(db.reader(), { rfc: 'wave3', gate: 'B', limit: 3 })).truncated).toBe(true);
    expect((await gateHistory(db.reader(), { rfc: 'wave3', gate: 'NOPE', limit: 1 })).truncated).toBe(false);
  });

  it('skips a run that did not evaluate the gate, and compares with the one before it that did', async () => {
    const { entries } = await gateHistory(db.reader(), { rfc: 'wave3', gate: 'F', limit: 20 });
    expect(entries.map((e) => [e.run_id, e.verdict, e.previous_verdict, e.previous_halt_reason, e.changed])).toEqual([
      [ids[3], 'halt', 'halt', 'missing', false],
      [ids[2], 'halt', 'pass', null, true],
      [ids[0], 'pass', null, null, false],
    ]);
  });

  it('marks a halt whose reason changed, and takes a halt with no reason for no change', async () => {
    // Another RFC's runs of gate H, oldest first; null is a halt the ledger holds no reason for
    // (halt_reason is nullable).
    const steps: [Verdict, HaltReason | null][] = [
      ['halt', 'pending'],
      ['halt', 'missing'],
      ['halt', null],
      ['halt', 'missing'],
      ['halt', null],
      ['halt', 'error'],
      ['fail', null],
      ['halt', null],
      ['halt', 'error'],
    ];
    const runIds: string[] = [];
    for (const [i, [verdict, haltReason]] of steps.entries()) {
      const h = result('H', verdict, verdict === 'halt' ? { halt_reason: haltReason ?? undefined } : {});
      const report: GateReport = {
        rfc: 'halts',
        as_of: `2026-06-0${i + 1}T00:00:00.000Z`,
        ref: 'HEAD',
        verdict,
        results: [h],
      };
      runIds.push((await recordGateRun(db.writer(), report)).runId);
    }
    const { entries } = await gateHistory(db.reader(), { rfc: 'halts', gate: 'H', limit: 20 });
    expect(entries.map((e) => [e.run_id, e.verdict, e.halt_reason, e.previous_halt_reason, e.changed])).toEqual(
      [
        ['halt', 'error', null, false],
        ['halt', null, null, true],
        ['fail', null, 'error', true],
        // The reason before the unknown one is what it is compared with.
        ['halt', 'error', 'missing', true],
        ['halt', null, 'missing', false],
        ['halt', 'missing', 'missing', false],
        ['halt', null, 'missing', false],
        ['halt', 'missing', 'pending', true],
        ['halt', 'pending', null, false],
      ].map((row, i) => [runIds[steps.length - 1 - i], ...row]),
    );
    // Even when --limit leaves the runs it is compared with out.
    const limited = await gateHistory(db.reader(), { rfc: 'halts', gate: 'H', limit: 4 });
    expect(limited.entries.at(-1)).toMatchObject({ run_id: runIds[5], previous_halt_reason: 'missing', changed: true });
  });

  it('marks a halt on a channel that never started and then went dark, as its measurements stored it', async () => {
    // What gate check stores for a measurement that halted on a channel without rows.
    const halted = (channel: string | null) => ({
      source: 'sql',
      halt: 'missing',
      reason: 'no rows',
      ...(channel === null ? {} : { channel }),
    });
    const missing = (measurements: Record<string, ReturnType<typeof halted>>): Partial<GateResult> => ({
      halt_reason: 'missing',
      evidence: { condition: 'runs > 1000.0', measurements },
    });
    // C, oldest first; X is a composite over C, which the runs report too; Y one over a gate
    // they do not report, whose evidence it carries.
    const steps: [Verdict, Partial<GateResult>][] = [
      ['halt', missing({ runs: halted('never_started') })],
      ['halt', missing({ runs: halted('never_started') })],
      ['halt', missing({ runs: halted('went_dark') })],
      // No channel stored: no change by itself, and the one before is carried on.
      ['halt', missing({})],
      ['halt', missing({ runs: halted('never_started'), other: halted(null) })],
      ['halt', missing({ runs: halted('never_started'), other: halted('went_dark') })],
      ['halt', { halt_reason: 'error', evidence: {} }],
      ['halt', missing({ runs: halted('went_dark') })],
    ];
    const runIds: string[] = [];
    for (const [i, [verdict, over]] of steps.entries()) {
      const c = result('C', verdict, over);
      const dep = (id: string, carried: boolean) => ({
        id,
        verdict: c.verdict,
        halt_reason: c.halt_reason ?? null,
        ...(carried ? { reason: c.reason ?? '', evidence: c.evidence } : {}),
      });
      const composite = (id: string, carried: boolean) =>
        result(id, verdict, { halt_reason: c.halt_reason, evidence: { all_of: [dep('C', carried)], spec: 'x' } });
      const report: GateReport = {
        rfc: 'channels',
        as_of: `2026-06-0${i + 1}T00:00:00.000Z`,
        ref: 'HEAD',
        verdict,
        results: [c, composite('X', false), composite('Y', true)].filter((r) => r.id !== 'Y' || i !== 3),
      };
      runIds.push((await recordGateRun(db.writer(), report)).runId);
    }
    const expected = [
      ['missing', 'went_dark', 'error', null, true],
      ['error', null, 'missing', 'went_dark', true],
      // Two measurements halted: one went dark, and the gate with it.
      ['missing', 'went_dark', 'missing', 'never_started', true],
      // Compared with the channel stored before the run that stored none.
      ['missing', 'never_started', 'missing', 'went_dark', true],
      ['missing', null, 'missing', 'went_dark', false],
      ['missing', 'went_dark', 'missing', 'never_started', true],
      ['missing', 'never_started', 'missing', 'never_started', false],
      ['missing', 'never_started', null, null, false],
    ].map((row, i) => [runIds[steps.length - 1 - i], ...row]);
    const rows = async (gate: string, limit = 20) =>
      (await gateHistory(db.reader(), { rfc: 'channels', gate, limit })).entries.map((e) => [
        e.run_id,
        e.halt_reason,
        e.channel,
        e.previous_halt_reason,
        e.previous_channel,
        e.changed,
      ]);
    expect(await rows('C')).toEqual(expected);
    expect(await rows('X')).toEqual(expected);
    // Y is not in the run that stored no channel for C: the run before it is compared with.
    expect(await rows('Y')).toEqual([
      ...expected.slice(0, 3),
      [runIds[4], 'missing', 'never_started', 'missing', 'went_dark', true],
      ...expected.slice(5),
    ]);
    // Even when --limit leaves the runs it is compared with out.
    expect((await rows('C', 4)).at(-1)).toEqual(expected[3]);
  });

  it('a gate id in no recorded run: no entries, and the near recorded id', async () => {
    const history = await gateHistory(db.reader(), { rfc: 'wave3', gate: 'A1', limit: 20 });
    expect(history.entries).toEqual([]);
    expect(history.recordedGates).toEqual(['A.1', 'B', 'F']);
    expect(nearGate(history)).toBe('A.1');
    const none = await gateHistory(db.reader(), { rfc: 'wave5', gate: 'B', limit: 20 });
    expect(none.recordedGates).toEqual([]);
    expect(nearGate(none)).toBeUndefined();
  });

  it("gives one run's results in the order the specs declare them, with the run", async () => {
    const found = await gateRunResults(db.reader(), { rfc: 'wave3', runId: ids[2] ?? '' });
    expect(found.run).toMatchObject({ id: ids[2], verdict: 'fail', gates: { pass: 1, fail: 1, halt: 1 } });
    expect(found.results.map((r) => [r.gate_id, r.verdict, r.halt_reason, r.reason])).toEqual([
      ['F', 'halt', 'missing', 'F: went dark'],
      ['B', 'fail', null, 'B fired'],
      ['A.1', 'pass', null, null],
    ]);
    expect(found.results[0]).toMatchObject({
      kind: 'disconfirmer',
      title: 'gate F',
      section: '§0(B)',
      evidence: { condition: 'x > 1.0' },
      location: { file: 'gates/wave3/disconfirmers.yaml', line: 3, col: 3 },
    });
  });

  it("refuses a run id that is not in the ledger, or is another RFC's, in one line saying what to do", async () => {
    const missing = await gateRunResults(db.reader(), { rfc: 'wave3', runId: '999999' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UsageError);
    expect((missing as Error).message).toMatch(
      /^there is no gate run 999999 in \S+; `gate history` lists the recorded runs$/,
    );
    const theirs = await gateRunResults(db.reader(), { rfc: 'wave3', runId: other }).catch((e: unknown) => e);
    expect(theirs).toBeInstanceOf(UsageError);
    expect((theirs as Error).message).toMatch(
      new RegExp(`^gate run ${other} in \\S+ is a run of RFC 'wave4', not of 'wave3'; read it with --rfc wave4$`),
    );
  });

  it('gives the --run-id of a run recorded with one as run_key, in every listing, and none for a run without', async () => {
    // Another RFC's, so that the runs the other cases list are as they were.
    const keyed = await recordGateRun(db.writer(), { ...OTHER, rfc: 'wave6' }, { runKey: '9876-build' });
    const plain = await recordGateRun(db.writer(), { ...OTHER, rfc: 'wave6' });
    const runs = (await listGateRuns(db.reader(), { rfc: 'wave6', limit: 20 })).runs;
    expect(runs.map((r) => [r.id, r.run_key])).toEqual([
      [plain.runId, undefined],
      [keyed.runId, '9876-build'],
    ]);
    // Absent, not null: the JSON of a run without one is as it was before run keys.
    expect(Object.keys(runs[0] ?? {})).not.toContain('run_key');
    expect(Object.keys(runs[1] ?? {}).slice(0, 3)).toEqual(['id', 'run_key', 'recorded_at']);
    const { entries } = await gateHistory(db.reader(), { rfc: 'wave6', gate: 'B', limit: 20 });
    expect(entries.map((e) => [e.run_id, e.run_key])).toEqual([
      [plain.runId, undefined],
      [keyed.runId, '9876-build'],
    ]);
    expect(Object.keys(entries[0] ?? {})).not.toContain('run_key');
    expect((await gateRunResults(db.reader(), { rfc: 'wave6', runId: keyed.runId })).run.run_key).toBe('9876-build');
    expect(Object.keys((await gateRunResults(db.reader(), { rfc: 'wave6', runId: plain.runId })).run)).not.toContain(
      'run_key',
    );
  });

  it("finds a run by the --run-id it was recorded with, the RFC's own only, and says when none was", async () => {
    const keyed = await recordGateRun(db.writer(), { ...OTHER, rfc: 'wave7' }, { runKey: '4242-gates' });
    await recordGateRun(db.writer(), { ...OTHER, rfc: 'wave7' }, { runKey: '4243-gates' });
    const found = await gateRunResults(db.reader(), { rfc: 'wave7', runKey: '4242-gates' });
    expect(found.run).toMatchObject({ id: keyed.runId, run_key: '4242-gates' });
    expect(found).toEqual(await gateRunResults(db.reader(), { rfc: 'wave7', runId: keyed.runId }));
    // The key is the RFC's: another RFC's run recorded under it is not this one's.
    const theirs = await gateRunResults(db.reader(), { rfc: 'wave3', runKey: '4242-gates' }).catch((e: unknown) => e);
    expect(theirs).toBeInstanceOf(UsageError);
    expect((theirs as Error).message).toMatch(
      /^no run of wave3 was recorded with --run-id 4242-gates in \S+; `gate history` lists the recorded runs, with their run_key$/,
    );
  });
});

describe('parseRunId', () => {
  it('takes the id gate check --record prints, and refuses what no run id can be', () => {
    expect(parseRunId('42')).toBe('42');
    expect(parseRunId(' 007 ')).toBe('7');
    expect(parseRunId('9223372036854775807')).toBe('9223372036854775807');
    for (const bad of ['0', '-1', '1.5', 'abc', '', '9223372036854775808']) {
      expect(() => parseRunId(bad), bad).toThrow(UsageError);
    }
    expect(() => parseRunId('abc')).toThrow(/^--run 'abc' is not a gate run id: give the number/);
  });
});

describe.each(testBackends())('gate history on a ledger it cannot read, on $name', (backend) => {
  const db = useLedgerDatabase(backend);

  it('says to run db migrate when the ledger is missing, without speaking of writing', async () => {
    await db.reset();
    for (const read of [
      () => listGateRuns(db.reader(), { rfc: 'wave3', limit: 20 }),
      () => gateHistory(db.reader(), { rfc: 'wave3', gate: 'B', limit: 20 }),
      () => gateRunResults(db.reader(), { rfc: 'wave3', runId: '1' }),
    ]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LedgerError);
      expect((err as LedgerError).problem).toBe('missing');
      expect((err as Error).message).toMatch(
        /^the ledger is not set up in \S+: rfcgate\.gate_runs, rfcgate\.gate_results do not exist; run `rfcgate db migrate` first$/,
      );
    }
  });

  it("refuses a team's own gate_runs table", async () => {
    await db.reset();
    await db.exec('CREATE SCHEMA rfcgate; CREATE TABLE rfcgate.gate_runs (id int, rfc text);');
    await migrate(db.writer(), migrationPlan(RANGE));
    const err = await listGateRuns(db.reader(), { rfc: 'wave3', limit: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).problem).toBe('foreign');
    expect((err as Error).message).toMatch(
      /^rfcgate\.gate_runs in \S+ was not created by rfcgate \(no 'rfcgate:managed' comment\); rfcgate reads its ledger only from tables it manages, so it was not read$/,
    );
  });

  it('reads a ledger made before gate_runs.snapshot_at, with no snapshot_at, without db migrate', async () => {
    await db.reset();
    await migrate(db.writer(), planBefore(migrationPlan(RANGE), 'rfcgate.gate_runs.snapshot_at'));
    // What that version's gate check --record stored.
    const [run] = await db.exec(
      `INSERT INTO rfcgate.gate_runs (rfc, as_of, ref, sha, verdict, results, recorded_by)
       VALUES ('wave3', '2026-06-01T00:00:00Z', 'HEAD', NULL, 'fail', 2, 'ci') RETURNING id::text AS id`,
    );
    const id = String(run?.id);
    await db.exec(
      `INSERT INTO rfcgate.gate_results (run_id, gate_id, kind, title, section, verdict, reason)
       VALUES ($1::bigint, 'B', 'disconfirmer', 'gate B', '§0(B)', 'fail', 'B fired')`,
      [id],
    );
    await db.exec(
      `INSERT INTO rfcgate.gate_results (run_id, gate_id, kind, title, section, verdict)
       VALUES ($1::bigint, 'A.1', 'disconfirmer', 'gate A.1', '§0(A)', 'pass')`,
      [id],
    );
    const runs = (await listGateRuns(db.reader(), { rfc: 'wave3', limit: 20 })).runs;
    expect(runs).toMatchObject([{ id, snapshot_at: null, sha: null, verdict: 'fail', gates: { pass: 1, fail: 1 } }]);
    expect(Object.keys(runs[0] ?? {})).not.toContain('run_key');
    const { entries } = await gateHistory(db.reader(), { rfc: 'wave3', gate: 'B', limit: 20 });
    expect(entries).toMatchObject([
      { run_id: id, verdict: 'fail', snapshot_at: null, previous_verdict: null, previous_halt_reason: null },
    ]);
    const found = await gateRunResults(db.reader(), { rfc: 'wave3', runId: id });
    expect(found.run.snapshot_at).toBeNull();
    // No run of that version had a run id to be found by.
    await expect(gateRunResults(db.reader(), { rfc: 'wave3', runKey: '1' })).rejects.toThrow(
      /^no run of wave3 was recorded with --run-id 1 in /,
    );
    // Without locations to order them by, by gate id.
    expect(found.results.map((r) => [r.gate_id, r.location])).toEqual([
      ['A.1', null],
      ['B', null],
    ]);
  });
});

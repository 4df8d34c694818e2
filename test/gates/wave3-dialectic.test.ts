/**
 * wave3 disconfirmer (F), dialectic quality, judged on a real database: the 14-day rates
 * against the baseline PR 9 pinned, which is sound only when the 30 days of sessions before
 * the pin hold at least 30 (§0(F): it halts with fewer in the baseline window as in the
 * evaluation window), counted from core.dialectic_sessions, not from what the pin says.
 */
import { resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateRfc } from '../../src/engine/evaluate.js';
import type { GateResult } from '../../src/model/result.js';
import { SqlMeasurementSource } from '../../src/sources/sql/source.js';
import { loadRfc } from '../../src/spec/load.js';
import type { SourceKind } from '../../src/spec/types.js';
import { ScriptedSource } from '../helpers/fake-source.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { AS_OF, DAY } from '../sources/sql/fixtures.js';

const wave3 = loadRfc(resolve('.'), 'wave3');
const HOUR = 3_600_000;
/** d days before AS_OF. */
const ago = (d: number) => new Date(AS_OF.getTime() - d * DAY);
/** The pin every test but the last reads: 20 days before as_of, before the 14-day window. */
const PINNED = ago(20);
const RESOLUTION = 'dialectic.resolution_rate';
const REASSIGNMENT = 'dialectic.reassignment_rate';
/** What F's evidence says a measurement read. */
const measured = (id: string, m: Record<string, unknown>) => ({ evidence: { measurements: { [id]: m } } });

describe.each(testBackends())('wave3 (F) dialectic quality against its pinned baseline, on $name', (backend) => {
  const db = useTestDatabase(backend);
  let sources: SqlMeasurementSource[] = [];

  async function f(): Promise<GateResult> {
    const sql = new SqlMeasurementSource({ open: () => db.client(), now: () => AS_OF });
    sources.push(sql);
    // F reads SQL alone; any other source asked would reject, naming the measurement.
    const others = Object.fromEntries(
      (['git', 'artifact', 'attestation', 'telemetry'] as SourceKind[]).map((k) => [k, new ScriptedSource(k, {})]),
    );
    const report = await evaluateRfc(wave3, {
      asOf: AS_OF,
      ref: 'HEAD',
      repoDir: resolve('.'),
      sources: { ...others, sql },
      only: ['F'],
      timeoutMs: 30_000,
    });
    const r = report.results.find((x) => x.id === 'F');
    if (!r) throw new Error('F is not in the report');
    return r;
  }

  let n = 0;
  /** `count` sessions at even steps over [from, to), the first `resolved` of them resolved. */
  async function sessions(from: Date, to: Date, count: number, opts: { resolved?: number; status?: string } = {}) {
    const step = (to.getTime() - from.getTime()) / count;
    const resolved = opts.resolved ?? count;
    for (let i = 0; i < count; i++) {
      const status = opts.status ?? (i < resolved ? 'resolved' : 'failed');
      await db.exec(
        `INSERT INTO core.dialectic_sessions (session_id, status, created_at, reviewer_reassigned) VALUES ($1, $2, $3, false)`,
        [`ds-${n++}`, status, new Date(from.getTime() + i * step).toISOString()],
      );
    }
  }

  async function pin(metric: string, value: number, at: Date) {
    await db.exec(
      `INSERT INTO audit.baseline_pins (metric, value, pinned_at, query, commit_sha) VALUES ($1, $2, $3, 'trailing 30 days', 'pr-9')`,
      [metric, value, at.toISOString()],
    );
  }

  /** Both baselines pinned at `at`: a resolution rate of `resolution`, no reassignment. */
  async function pins(at: Date, resolution = 0.9) {
    await pin(RESOLUTION, resolution, at);
    await pin(REASSIGNMENT, 0.1, at);
  }

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE IF NOT EXISTS audit.baseline_pins (
        metric text NOT NULL, value double precision NOT NULL, pinned_at timestamptz NOT NULL, query text, commit_sha text);
      CREATE SCHEMA IF NOT EXISTS core;
      CREATE TABLE IF NOT EXISTS core.dialectic_sessions (
        session_id text PRIMARY KEY, status text NOT NULL, created_at timestamptz NOT NULL,
        reviewer_reassigned boolean NOT NULL DEFAULT false)`);
  });
  beforeEach(async () => {
    await db.exec('TRUNCATE audit.baseline_pins, core.dialectic_sessions');
    // The 14-day window: 40 sessions, 36 resolved (0.9), none reassigned.
    await sessions(ago(14), AS_OF, 40, { resolved: 36 });
  });
  afterEach(async () => {
    await Promise.all(sources.map((s) => s.close()));
    sources = [];
  });

  /**
   * Sessions around the pin that its 30 days do not hold: one created an hour before they
   * start, one at the pin's instant and one after it, and one still open inside them.
   */
  async function outsideTheBaseline() {
    const start = new Date(PINNED.getTime() - 30 * DAY);
    await sessions(new Date(start.getTime() - HOUR), start, 1);
    await sessions(PINNED, new Date(PINNED.getTime() + HOUR), 1);
    await sessions(new Date(PINNED.getTime() + DAY), new Date(PINNED.getTime() + 2 * DAY), 1);
    await sessions(ago(30), ago(29), 1, { status: 'open' });
  }

  it('halts insufficient when the 30 days before the pin hold 29 terminal sessions', async () => {
    await pins(PINNED);
    await sessions(new Date(PINNED.getTime() - 30 * DAY), PINNED, 29);
    await outsideTheBaseline();
    const r = await f();
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'insufficient' });
    expect(r).toMatchObject(measured('dialectic_resolution_baseline', { rows: 29, newest: PINNED.toISOString() }));
    expect(r).toMatchObject(measured('dialectic_reassignment_baseline', { rows: 29 }));
    // Both baselines halt, for the same reason, named together.
    expect(r.reason).toMatch(/^dialectic_(\w+)_baseline, dialectic_(\w+)_baseline: 29 terminal sessions in the 30 days before the newest pin, fewer than the required 30$/);
  });

  it('reads the baseline once those 30 days hold 30, and judges the rates against it', async () => {
    await pins(PINNED);
    await sessions(new Date(PINNED.getTime() - 30 * DAY), PINNED, 30);
    await outsideTheBaseline();
    const r = await f();
    expect(r).toMatchObject({ verdict: 'pass' });
    expect(r).toMatchObject(measured('dialectic_resolution_baseline', { rows: 30, value: 0.9 }));
    expect(r).toMatchObject(measured('dialectic_reassignment_baseline', { rows: 30, value: 0.1 }));
  });

  it('halts missing on a pin whose 30 days hold no session at all', async () => {
    await pins(PINNED);
    const r = await f();
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(r).toMatchObject(measured('dialectic_resolution_baseline', { rows: 0, value: 0.9 }));
    expect(r.reason).toMatch(/^dialectic_(\w+)_baseline, dialectic_(\w+)_baseline: the query counted zero terminal sessions in the 30 days before the newest pin$/);
  });

  it('halts missing without a pin, however many sessions there are', async () => {
    await sessions(ago(50), ago(20), 60);
    const r = await f();
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(r).toMatchObject(measured('dialectic_resolution_baseline', { rows: 0, value: null, newest: null }));
    // Told from a pin over no sessions by its value.
    expect(r.reason).toMatch(
      /^dialectic_(\w+)_baseline, dialectic_(\w+)_baseline: the query counted zero terminal sessions in the 30 days before the newest pin, and its value is NULL$/,
    );
  });

  it('an older sound pin does not stand in for a thin newer one', async () => {
    await pins(ago(50));
    await sessions(ago(80), ago(50), 40);
    await pins(PINNED);
    await sessions(ago(30), ago(25), 10);
    const r = await f();
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'insufficient' });
    expect(r).toMatchObject(measured('dialectic_resolution_baseline', { rows: 10, newest: PINNED.toISOString() }));
  });

  it('does not read a pin made at or after as_of, though sessions enough precede it', async () => {
    await pins(PINNED);
    await sessions(new Date(PINNED.getTime() - 30 * DAY), PINNED, 30);
    // Pinned later, at 0.99 it would fire (0.9 < 0.99 × 0.95), over sessions as_of knows of.
    await pins(AS_OF, 0.99);
    await pins(new Date(AS_OF.getTime() + DAY), 0.99);
    const r = await f();
    expect(r).toMatchObject({ verdict: 'pass' });
    expect(r).toMatchObject(measured('dialectic_resolution_baseline', { rows: 30, value: 0.9, newest: PINNED.toISOString() }));
  });
});

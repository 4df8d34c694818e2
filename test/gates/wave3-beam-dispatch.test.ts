/**
 * wave3 exit criterion 2 (§13(2)): "21 days of production traffic on BEAM — dispatch at 100%
 * BEAM", judged on a real database from the request rows both runtimes write. A canary that
 * still sends part of the traffic to Python serves BEAM every day and must not close Wave 3.
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
import { AS_OF, DAY, insertSeries, MEASUREMENTS_DDL } from '../sources/sql/fixtures.js';

const wave3 = loadRfc(resolve('.'), 'wave3');
const REQUEST = 'measurement.governance_mcp.request';
const BEAM = { runtime: 'beam' };
const PYTHON = { runtime: 'python' };
/** What EC2's evidence says its measurement read. */
const measured = (m: Record<string, unknown>) => ({ evidence: { measurements: { beam_only_days: m } } });
/** d days before AS_OF. */
const ago = (d: number) => new Date(AS_OF.getTime() - d * DAY);

describe.each(testBackends())('wave3 EC2, dispatch at 100% BEAM for 21 days, on $name', (backend) => {
  const db = useTestDatabase(backend);
  let sources: SqlMeasurementSource[] = [];

  async function ec2(asOf = AS_OF): Promise<GateResult> {
    const sql = new SqlMeasurementSource({ open: () => db.client(), now: () => asOf });
    sources.push(sql);
    // EC2 reads SQL alone; any other source asked would reject, naming the measurement.
    const others = Object.fromEntries(
      (['git', 'artifact', 'attestation', 'telemetry'] as SourceKind[]).map((k) => [k, new ScriptedSource(k, {})]),
    );
    const report = await evaluateRfc(wave3, {
      asOf,
      ref: 'HEAD',
      repoDir: resolve('.'),
      sources: { ...others, sql },
      only: ['EC2'],
      timeoutMs: 30_000,
    });
    const r = report.results.find((x) => x.id === 'EC2');
    if (!r) throw new Error('EC2 is not in the report');
    return r;
  }

  /** A request every 6 minutes over [from, to) (240 a day), all with one payload. */
  const requests = (from: Date, to: Date, payload: Record<string, unknown>) =>
    insertSeries(db, { type: REQUEST, from, to, count: Math.round(((to.getTime() - from.getTime()) / DAY) * 240), payload });

  beforeAll(async () => {
    await db.exec(MEASUREMENTS_DDL);
  });
  beforeEach(async () => {
    await db.exec('TRUNCATE audit.coordination_measurements');
  });
  afterEach(async () => {
    await Promise.all(sources.map((s) => s.close()));
    sources = [];
  });

  it('passes on 21 days on which BEAM served every request', async () => {
    await requests(ago(30), AS_OF, BEAM);
    const r = await ec2();
    expect(r).toMatchObject({ verdict: 'pass', ...measured({ value: 21, days_with_rows: 21 }) });
  });

  it('fails on 21 days of a canary that serves both runtimes every day', async () => {
    // A 50% canary: a BEAM row and a Python row in every 6 minutes, each day of the window.
    await requests(ago(30), AS_OF, BEAM);
    await requests(ago(30), AS_OF, PYTHON);
    const r = await ec2();
    expect(r).toMatchObject({ verdict: 'fail', ...measured({ value: 0, days_with_rows: 21 }) });
  });

  it('fails when one day inside the window was rolled back to Python alone', async () => {
    await requests(ago(30), ago(10), BEAM);
    await requests(ago(10), ago(9), PYTHON);
    await requests(ago(9), AS_OF, BEAM);
    const r = await ec2();
    expect(r).toMatchObject({ verdict: 'fail', ...measured({ value: 20, days_with_rows: 21 }) });
  });

  it('halts when a day of the 21 holds no request row: a silent day is unmeasured, not a day off BEAM', async () => {
    await requests(ago(30), ago(10), BEAM);
    await requests(ago(9), AS_OF, BEAM);
    const r = await ec2();
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'insufficient' });
    expect(r.reason).toMatch(/beam_only_days: rows on 20 of the required 21 days/);
  });

  it.each([
    ['a payload without runtime', {}],
    ['a runtime of JSON null', { runtime: null }],
    ['a runtime other than beam', { runtime: 'BEAM' }],
  ])('does not count a request row with %s as BEAM', async (_name, payload) => {
    await requests(ago(30), AS_OF, BEAM);
    await insertSeries(db, { type: REQUEST, from: ago(4.5), to: ago(4.4), count: 1, payload });
    const r = await ec2();
    expect(r).toMatchObject({ verdict: 'fail', ...measured({ value: 20 }) });
  });

  it('does not count a request row with no payload at all as BEAM', async () => {
    await requests(ago(30), AS_OF, BEAM);
    await db.exec(
      `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, payload) VALUES ($1, $2, NULL)`,
      [REQUEST, ago(4.5).toISOString()],
    );
    const r = await ec2();
    expect(r).toMatchObject({ verdict: 'fail', ...measured({ value: 20 }) });
  });

  it('counts the 24-hour days back from as_of that the liveness counts, not calendar dates', async () => {
    // As of noon, 21 days touch 22 calendar dates: counted by date, one date with a Python
    // row would still leave 21 dates of BEAM alone, and pass.
    const noon = new Date(AS_OF.getTime() + DAY / 2);
    await requests(new Date(noon.getTime() - 25 * DAY), noon, BEAM);
    await insertSeries(db, {
      type: REQUEST,
      from: new Date(noon.getTime() - 5 * DAY - 3_600_000),
      to: new Date(noon.getTime() - 5 * DAY),
      count: 1,
      payload: PYTHON,
    });
    const r = await ec2(noon);
    expect(r).toMatchObject({ verdict: 'fail', ...measured({ value: 20, days_with_rows: 21 }) });
  });
});

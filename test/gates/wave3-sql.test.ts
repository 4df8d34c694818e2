/**
 * The SQL of Wave 3's measurements, run on every backend against rows planted where the RFC
 * puts them: what each query counts must be what the RFC says the gate reads.
 */
import { resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqlMeasurementSource } from '../../src/sources/sql/source.js';
import type { MeasurementOutcome } from '../../src/sources/types.js';
import { loadRfc } from '../../src/spec/load.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { AS_OF, DAY, evalContext, insertSeries, MEASUREMENTS_DDL } from '../sources/sql/fixtures.js';

const wave3 = loadRfc(resolve('.'), 'wave3');

function measurement(id: string) {
  const m = wave3.measurements.get(id);
  if (!m) throw new Error(`wave3 has no measurement ${id}`);
  return m;
}

function value(out: MeasurementOutcome): unknown {
  if (out.status !== 'ok') throw new Error(`expected a value, got halt ${out.halt}: ${out.reason}`);
  return out.value;
}

const REQUEST = 'measurement.governance_mcp.request';
const E503 = 'measurement.governance_mcp.503_emission';

/** Days before AS_OF. */
const daysAgo = (d: number) => new Date(AS_OF.getTime() - d * 86_400_000).toISOString();

describe.each(testBackends())('wave3 measurement SQL on $name', (backend) => {
  const db = useTestDatabase(backend);
  let sources: SqlMeasurementSource[] = [];

  /** As of AS_OF, evaluated at `now` (default AS_OF itself: the rows are the present). */
  async function measure(id: string, now = AS_OF): Promise<MeasurementOutcome> {
    const s = new SqlMeasurementSource({ open: () => db.client(), now: () => now });
    sources.push(s);
    return s.measure(measurement(id), evalContext(AS_OF));
  }

  beforeAll(async () => {
    await db.exec(MEASUREMENTS_DDL);
    await db.exec(`CREATE TABLE IF NOT EXISTS audit.coordination_events (
      id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL, payload jsonb)`);
    await db.exec(`CREATE SCHEMA IF NOT EXISTS coordination;
      CREATE TABLE IF NOT EXISTS coordination.session_resolution_sagas (
        saga_id text PRIMARY KEY, session_id text NOT NULL, state text NOT NULL,
        target_agent_ids text[] NOT NULL, resolution_payload_hash text, created_at timestamptz NOT NULL)`);
  });
  beforeEach(async () => {
    await db.exec('TRUNCATE audit.coordination_measurements, audit.coordination_events, coordination.session_resolution_sagas');
  });
  afterEach(async () => {
    await Promise.all(sources.map((s) => s.close()));
    sources = [];
  });

  describe('latency percentiles', () => {
    const from = new Date(AS_OF.getTime() - 14 * DAY);
    const type = 'measurement.lease_plane.request';

    it('count only the rows that carry elapsed_ms towards min_rows', async () => {
      // 1,400 requests over 14 days, but only 200 timed: a p99 of 200 values is too thin.
      await insertSeries(db, { type, from, to: AS_OF, count: 1200, elapsed: null });
      await insertSeries(db, { type, from, to: AS_OF, count: 200, elapsed: 1 });
      for (const id of ['lease_plane_p50_ms', 'lease_plane_p99_ms']) {
        const out = await measure(id);
        expect(out).toMatchObject({ status: 'halt', halt: 'insufficient', evidence: { rows: 200 } });
      }
    });

    it('measure once the timed rows are enough', async () => {
      await insertSeries(db, { type, from, to: AS_OF, count: 600, elapsed: null });
      await insertSeries(db, { type, from, to: AS_OF, count: 1000, elapsed: 1 });
      expect(value(await measure('lease_plane_p50_ms'))).toBe(500.5);
    });
  });

  describe("8b's data gate: days of lease-plane rows", () => {
    it('counts the 24-hour days back from as_of, not the calendar dates a shorter span touches', async () => {
      // Hourly rows over the last 12.6 days before an as_of at noon: 14 calendar dates, 13 days.
      const asOf = new Date(AS_OF.getTime() + DAY / 2);
      await insertSeries(db, {
        type: 'measurement.lease_plane.request',
        from: new Date(asOf.getTime() - 12.6 * DAY),
        to: asOf,
        count: 302,
      });
      const s = new SqlMeasurementSource({ open: () => db.client(), now: () => asOf });
      sources.push(s);
      expect(value(await s.measure(measurement('lease_plane_request_days'), evalContext(asOf)))).toBe(13);
    });
  });

  describe("exit criterion 3's liveness: at least 100 boundary calls on each of the 21 days", () => {
    const type = 'measurement.beam_python_boundary.call';
    const from = new Date(AS_OF.getTime() - 21 * DAY);

    it('a day with fewer than 100 calls leaves the channel unproven, however many the others hold', async () => {
      // 20 days of 2,000 calls each, and one day of 99: 40,099 calls, on 21 days, but one thin day.
      await insertSeries(db, { type, from, to: new Date(AS_OF.getTime() - DAY), count: 40_000 });
      await insertSeries(db, { type, from: new Date(AS_OF.getTime() - DAY), to: AS_OF, count: 99 });
      expect(await measure('boundary_calls_21d')).toMatchObject({
        status: 'halt',
        halt: 'insufficient',
        evidence: { days_with_rows: 20 },
      });
    });

    it('vouches for the channel once each of the 21 days holds 100 calls', async () => {
      await insertSeries(db, { type, from, to: AS_OF, count: 2100 });
      expect(value(await measure('boundary_calls_21d'))).toBe(2100);
    });

    it('a channel younger than the window is pending, not thin', async () => {
      await insertSeries(db, { type, from: new Date(AS_OF.getTime() - 10 * DAY), to: AS_OF, count: 2000 });
      expect(await measure('boundary_calls_21d')).toMatchObject({ status: 'halt', halt: 'pending' });
    });
  });

  describe('#7: the 503 rate over a sliding 60 s window, above 1% for more than 60 s', () => {
    const second = 1000;
    const minute = 60 * second;
    const at = (msAgo: number) => new Date(AS_OF.getTime() - msAgo);

    it('measures a burst across a minute boundary whole: above 1% for 119 s', async () => {
      // A request a second; a 503 every 10 s from 30:40 to 29:40 before as_of. The rate is
      // above 1% from the first 503 until the last leaves the window, at 28:41.
      await insertSeries(db, { type: REQUEST, from: at(120 * minute), to: AS_OF, count: 7200 });
      await insertSeries(db, { type: E503, from: at(30 * minute + 40 * second), to: at(29 * minute + 30 * second), count: 7 });
      expect(value(await measure('longest_503_breach_s'))).toBe(119);
    });

    it('a burst held above 1% for under 60 s does not last long enough, however high it peaks', async () => {
      // Ten requests a second; 50 503s at one instant: 50/600 until they leave the window.
      await insertSeries(db, { type: REQUEST, from: at(20 * minute), to: AS_OF, count: 12_000 });
      await insertSeries(db, { type: E503, from: at(10 * minute), to: at(10 * minute), count: 50 });
      expect(value(await measure('longest_503_breach_s'))).toBe(59.9);
    });

    it('a window of 503s with no request row dispatched counts them over one', async () => {
      // A request every 6 s for two hours, but none in the three minutes the breaker answered
      // 503 to all: above 1% from the first 503 (33:00) until the last leaves the window (29:12).
      await insertSeries(db, { type: REQUEST, from: at(120 * minute), to: at(33 * minute), count: 870 });
      await insertSeries(db, { type: REQUEST, from: at(30 * minute), to: AS_OF, count: 300 });
      await insertSeries(db, { type: E503, from: at(33 * minute), to: at(30 * minute), count: 30 });
      expect(value(await measure('longest_503_breach_s'))).toBe(228);
    });

    it('is zero when requests flow and the rate never rises above 1%', async () => {
      await insertSeries(db, { type: REQUEST, from: at(20 * minute), to: AS_OF, count: 12_000 });
      await insertSeries(db, { type: E503, from: at(10 * minute), to: at(5 * minute), count: 10 });
      expect(value(await measure('longest_503_breach_s'))).toBe(0);
    });

    it('halts without request rows: the denominator is unmeasured', async () => {
      await insertSeries(db, { type: E503, from: at(10 * minute), to: at(5 * minute), count: 30 });
      expect(await measure('longest_503_breach_s')).toMatchObject({ status: 'halt', halt: 'missing' });
    });
  });

  describe('#12: insertion above 10× the baseline for more than 24 h', () => {
    const hour = 3_600_000;
    const at = (msAgo: number) => new Date(AS_OF.getTime() - msAgo);

    it('reads the rate held over the 25 hours before as_of: an hour of 600 rows in each', async () => {
      await insertSeries(db, { from: at(30 * hour), to: AS_OF, count: 30 * 600 });
      expect(value(await measure('measurement_rows_min_hour_25h'))).toBe(600);
    });

    it('a two-hour spike that carries the day past 10× is not a rate held for more than 24 h', async () => {
      await insertSeries(db, { from: at(30 * hour), to: AS_OF, count: 30 * 10 });
      await insertSeries(db, { from: at(5 * hour), to: at(3 * hour), count: 20_000 });
      expect(value(await measure('measurement_rows_min_hour_25h'))).toBe(10);
    });

    it('an hour with no rows inside the 25 holds a rate of 0', async () => {
      await insertSeries(db, { from: at(30 * hour), to: at(12 * hour), count: 18 * 600 });
      await insertSeries(db, { from: at(11 * hour), to: AS_OF, count: 11 * 600 });
      expect(value(await measure('measurement_rows_min_hour_25h'))).toBe(0);
    });
  });

  describe('§8 shadow divergence', () => {
    async function run(daysBack: number, payload: Record<string, unknown>) {
      await db.exec(
        `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, payload) VALUES ($1, $2, $3)`,
        ['measurement.comparator.run', daysAgo(daysBack), JSON.stringify(payload)],
      );
    }

    it('counts the divergent keys that recorded comparator runs found, not only divergence events', async () => {
      await run(2, { status: 'clean', divergent: 0 });
      await run(1, { status: 'divergent', divergent: 2 });
      await run(8, { status: 'divergent', divergent: 5 });
      expect(value(await measure('shadow_divergences_7d'))).toBe(2);
    });

    it('adds divergence events written by another comparator, and is zero when both channels are', async () => {
      await run(1, { status: 'clean', divergent: 0 });
      expect(value(await measure('shadow_divergences_7d'))).toBe(0);
      await db.exec(`INSERT INTO audit.coordination_events (event_type, recorded_at) VALUES ($1, $2)`, [
        'coordination_failure.beam_python_boundary.shadow_divergence',
        daysAgo(3),
      ]);
      expect(value(await measure('shadow_divergences_7d'))).toBe(1);
    });

    it("counts once a run that wrote both its total and its listed keys' events, and adds other emitters' events", async () => {
      const at = daysAgo(1);
      await run(1, { status: 'divergent', divergent: 3, canonical: 'core.identities', run_id: 'h-10' });
      const event = (recordedAt: string, payload: Record<string, unknown> | null) =>
        db.exec(`INSERT INTO audit.coordination_events (event_type, recorded_at, payload) VALUES ($1, $2, $3)`, [
          'coordination_failure.beam_python_boundary.shadow_divergence',
          recordedAt,
          payload === null ? null : JSON.stringify(payload),
        ]);
      // The run listed two of its three keys: their events are the run's, counted in its total.
      for (const id of ['a1', 'a2']) {
        await event(at, { table: 'core.identities', key: { agent_id: id }, run_id: 'h-10', kind: 'shadow_missing' });
      }
      expect(value(await measure('shadow_divergences_7d'))).toBe(3);
      // Another emitter's: another table under the same run id, the same run id and table at
      // another instant, another run id, and an event without a payload.
      await event(at, { table: 'core.agents', run_id: 'h-10' });
      await event(daysAgo(2), { table: 'core.identities', run_id: 'h-10' });
      await event(at, { table: 'core.identities', run_id: 'py-1' });
      await event(at, null);
      expect(value(await measure('shadow_divergences_7d'))).toBe(7);
    });
  });

  describe('#10: two non-terminal sagas of different sessions targeting one agent', () => {
    async function saga(id: string, session: string, state: string, agents: string[], days: number) {
      await db.exec(
        `INSERT INTO coordination.session_resolution_sagas (saga_id, session_id, state, target_agent_ids, created_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [id, session, state, agents, daysAgo(days)],
      );
    }

    it('a saga stuck for longer than the window still counts against a new one', async () => {
      await saga('s1', 'ds-1', 'pg_committed', ['agent-1'], 10);
      await saga('s2', 'ds-2', 'pending', ['agent-1', 'agent-2'], 1);
      expect(value(await measure('agents_with_two_open_sagas'))).toBe(1);
    });

    it('terminal sagas, sagas of the same session and sagas created after as_of do not', async () => {
      await saga('s1', 'ds-1', 'completed', ['agent-1'], 3);
      await saga('s2', 'ds-2', 'pending', ['agent-1'], 1);
      await saga('s3', 'ds-3', 'reverted', ['agent-2'], 2);
      await saga('s4', 'ds-4', 'reverting', ['agent-2'], 2);
      await saga('s5', 'ds-5', 'pending', ['agent-3'], 2);
      await saga('s6', 'ds-5', 'paused_agent_applied', ['agent-3'], 1);
      await saga('s7', 'ds-7', 'pending', ['agent-4'], 1);
      await saga('s8', 'ds-8', 'pending', ['agent-4'], -1);
      expect(value(await measure('agents_with_two_open_sagas'))).toBe(0);
    });

    it('halts as of a past instant: a saga completed since may have been open then, and no history says', async () => {
      await saga('s1', 'ds-1', 'completed', ['agent-1'], 3);
      await saga('s2', 'ds-2', 'completed', ['agent-1'], 2);
      const out = await measure('agents_with_two_open_sagas', new Date(AS_OF.getTime() + DAY));
      expect(out).toMatchObject({ status: 'halt', halt: 'missing' });
      if (out.status === 'halt') {
        expect(out.reason).toMatch(
          /present state, which keeps no history, so it cannot be measured as of 2026-06-01T00:00:00\.000Z, more than 5m in the past;/,
        );
      }
      // Within minutes of now, the present state is the state as of then.
      expect(value(await measure('agents_with_two_open_sagas', new Date(AS_OF.getTime() + 4 * 60_000)))).toBe(0);
    });
  });
});

describe.each(testBackends())('wave3 #12 partitions not dropped in time on $name', (backend) => {
  const db = useTestDatabase(backend);

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE audit.coordination_measurements (
        id bigint GENERATED ALWAYS AS IDENTITY, measurement_type text NOT NULL,
        recorded_at timestamptz NOT NULL, payload jsonb) PARTITION BY RANGE (recorded_at);
      CREATE TABLE audit.coordination_measurements_p2026_01 PARTITION OF audit.coordination_measurements
        FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00');
      CREATE TABLE audit.coordination_measurements_p2026_02 PARTITION OF audit.coordination_measurements
        FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00');
      CREATE TABLE audit.coordination_measurements_y2025m12 PARTITION OF audit.coordination_measurements
        FOR VALUES FROM ('2025-12-01 00:00:00+00') TO ('2026-01-01 00:00:00+00');
      CREATE TABLE audit.coordination_measurements_default PARTITION OF audit.coordination_measurements DEFAULT;`);
  });

  it('reads each partition end from its bound, whatever the partition is named', async () => {
    // As of 2026-06-01, retention (90 days) plus the 7 days to drop reach back to 2026-02-24:
    // December and January ended before it; February did not, and DEFAULT never ends.
    const s = new SqlMeasurementSource({ open: () => db.client(), now: () => AS_OF });
    try {
      const out = await s.measure(measurement('overdue_measurement_partitions'), evalContext(AS_OF));
      expect(value(out)).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('halts as of a past instant: a partition dropped since is gone from pg_inherits', async () => {
    const s = new SqlMeasurementSource({ open: () => db.client() });
    try {
      const out = await s.measure(measurement('overdue_measurement_partitions'), evalContext(AS_OF));
      expect(out).toMatchObject({ status: 'halt', halt: 'missing' });
      if (out.status === 'halt') expect(out.reason).toMatch(/present state, which keeps no history/);
    } finally {
      await s.close();
    }
  });
});

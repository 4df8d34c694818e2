import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PgClient, PgliteClient, type SqlClient } from '../../../src/sources/sql/client.js';
import { SqlMeasurementSource } from '../../../src/sources/sql/source.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import { testBackends, useTestDatabase } from '../../helpers/db.js';
import {
  AS_OF,
  DAY,
  daysBefore,
  evalContext,
  insertSeries,
  LEASE,
  LEASE_TABLE,
  MEASUREMENTS_DDL,
  sqlMeasurement,
} from './fixtures.js';

function expectHalt(outcome: MeasurementOutcome, reason: string) {
  expect(outcome.status).toBe('halt');
  if (outcome.status !== 'halt') throw new Error('unreachable');
  expect(outcome.halt).toBe(reason);
  return outcome;
}

function expectOk(outcome: MeasurementOutcome) {
  if (outcome.status !== 'ok') throw new Error(`expected ok, got halt ${outcome.halt}: ${outcome.reason}`);
  return outcome;
}

describe.each(testBackends())('SqlMeasurementSource on $name', (backend) => {
  const db = useTestDatabase(backend);
  let sources: SqlMeasurementSource[] = [];

  /** A source over this backend's database, closed after the test. */
  function source(
    opts: { timeoutMs?: number; limitMs?: number; open?: () => SqlClient; env?: Record<string, string> } = {},
  ) {
    const s = new SqlMeasurementSource({
      open: opts.open ?? (() => db.client()),
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.limitMs === undefined ? {} : { limitMs: opts.limitMs }),
      ...(opts.env === undefined ? {} : { env: opts.env }),
    });
    sources.push(s);
    return s;
  }

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

  describe('table form', () => {
    const full = sqlMeasurement(LEASE_TABLE, {
      window: '14d',
      require: { min_rows: 1000, days_with_rows: 14, max_age: '24h' },
    });

    it('measures a value from one query, with its statistics as evidence', async () => {
      await insertSeries(db, { from: daysBefore(14), to: AS_OF, count: 1400, elapsed: 0 });
      const out = expectOk(await source().measure(full, evalContext()));
      // elapsed_ms runs 0..1399: the continuous p99 of that sequence.
      expect(out.value).toBeCloseTo(1399 * 0.99, 6);
      const e = out.evidence;
      expect(e.rows).toBe(1400);
      expect(e.days_with_rows).toBe(14);
      expect(e.newest).toBe(new Date(AS_OF.getTime() - 864_000).toISOString());
      expect(e.first_seen).toBe(daysBefore(14).toISOString());
      expect(e.window).toEqual({ start: daysBefore(14).toISOString(), end: AS_OF.toISOString() });
      expect(e.params).toEqual([daysBefore(14).toISOString(), AS_OF.toISOString()]);
      expect(e.value).toBe(out.value);
      expect(e.sql).toContain('FROM "audit"."coordination_measurements"');
      expect(e.sql).toContain('"recorded_at" >= $1 AND "recorded_at" < $2');
      expect(typeof e.database).toBe('string');
      // Deterministic: nothing timing-dependent, the same inputs give the same evidence.
      const again = expectOk(await source().measure(full, evalContext()));
      expect(JSON.stringify(again.evidence)).toBe(JSON.stringify(e));
    });

    it('says when its query holds the connection, so a wait behind other measurements is not timed', async () => {
      await insertSeries(db, { from: daysBefore(1), to: AS_OF, count: 5 });
      let started = 0;
      const ctx = { ...evalContext(), started: () => started++ };
      expectOk(await source().measure(sqlMeasurement(LEASE_TABLE, { window: '2d' }), ctx));
      expect(started).toBeGreaterThan(0);
      expect(source().timedFromStart).toBe(false);
    });

    it('only queries first_seen when days_with_rows needs it', async () => {
      await insertSeries(db, { from: daysBefore(3), to: AS_OF, count: 30 });
      const out = expectOk(await source().measure(sqlMeasurement(LEASE_TABLE, { window: '3d' }), evalContext()));
      expect(out.evidence.sql).not.toContain('first_seen');
      expect('first_seen' in out.evidence).toBe(false);
    });

    it('ignores rows at or after as_of', async () => {
      await insertSeries(db, { from: daysBefore(1), to: AS_OF, count: 10, elapsed: 1 });
      await insertSeries(db, { from: AS_OF, to: new Date(AS_OF.getTime() + DAY), count: 10, elapsed: 1000 });
      const m = sqlMeasurement({ ...LEASE_TABLE, value: 'max(elapsed_ms)' }, { window: '2d' });
      const out = expectOk(await source().measure(m, evalContext()));
      expect(out.value).toBe(10);
      expect(out.evidence.rows).toBe(10);
    });

    it('halts insufficient below min_rows', async () => {
      await insertSeries(db, { from: daysBefore(14), to: AS_OF, count: 500 });
      const out = expectHalt(await source().measure(full, evalContext()), 'insufficient');
      expect(out.evidence.rows).toBe(500);
    });

    it('halts insufficient when an old channel has too few days with rows in the window', async () => {
      await insertSeries(db, { from: daysBefore(30), to: daysBefore(20), count: 100 });
      await insertSeries(db, { from: daysBefore(10), to: AS_OF, count: 1000 });
      const m = sqlMeasurement(LEASE_TABLE, { window: '14d', require: { days_with_rows: 14 } });
      const out = expectHalt(await source().measure(m, evalContext()), 'insufficient');
      expect(out.evidence.days_with_rows).toBe(10);
      expect(out.evidence.first_seen).toBe(daysBefore(30).toISOString());
    });

    it('halts pending when the channel is younger than the window, and says when it matures', async () => {
      await insertSeries(db, { from: daysBefore(6), to: AS_OF, count: 600 });
      const m = sqlMeasurement(LEASE_TABLE, { window: '14d', require: { days_with_rows: 14 } });
      const out = expectHalt(await source().measure(m, evalContext()), 'pending');
      expect(out.evidence.first_seen).toBe(daysBefore(6).toISOString());
      expect(out.evidence.days_with_rows).toBe(6);
      expect(out.evidence.matures_at).toBe(new Date(daysBefore(6).getTime() + 14 * DAY).toISOString());
      expect(out.reason).toContain(String(out.evidence.matures_at));
    });

    it('passes days_with_rows on a young channel that already has enough days', async () => {
      await insertSeries(db, { from: daysBefore(10), to: AS_OF, count: 100 });
      const m = sqlMeasurement(LEASE_TABLE, { window: '14d', require: { days_with_rows: 7 } });
      expectOk(await source().measure(m, evalContext()));
    });

    it('counts the days of the window back from as_of, so an as_of past midnight adds no 15th day', async () => {
      // A channel 12 days and 1 h 20 m old, a row every half hour: 14 UTC calendar days
      // (05-21 … 06-03), but only 13 of the 14 days of the window [05-20T00:30, 06-03T00:30).
      const asOf = new Date('2026-06-03T00:30:00.000Z');
      await insertSeries(db, { from: new Date('2026-05-21T23:10:00.000Z'), to: asOf, count: 600 });
      const m = sqlMeasurement(LEASE_TABLE, { window: '14d', require: { days_with_rows: 14 } });
      const out = expectHalt(await source().measure(m, evalContext(asOf)), 'pending');
      expect(out.evidence.days_with_rows).toBe(13);

      // Every one of those 14 days holds rows once the channel reaches back into the oldest.
      await insertSeries(db, { from: new Date('2026-05-20T00:30:00.000Z'), to: asOf, count: 14 });
      const full = expectOk(await source().measure(m, evalContext(asOf)));
      expect(full.evidence.days_with_rows).toBe(14);
    });

    it('halts stale when the newest row is older than max_age', async () => {
      await insertSeries(db, { from: daysBefore(14), to: daysBefore(3), count: 1100 });
      const out = expectHalt(await source().measure(full, evalContext()), 'stale');
      expect(Date.parse(String(out.evidence.newest))).toBeLessThan(daysBefore(1).getTime());
    });

    it('checks max_age before days and rows', async () => {
      await insertSeries(db, { from: daysBefore(14), to: daysBefore(10), count: 10 });
      expectHalt(await source().measure(full, evalContext()), 'stale');
    });

    it('halts missing on zero rows ever', async () => {
      await insertSeries(db, { type: 'measurement.other', from: daysBefore(14), to: AS_OF, count: 100 });
      const out = expectHalt(await source().measure(full, evalContext()), 'missing');
      expect(out.evidence.rows).toBe(0);
      expect(out.evidence.newest_ever).toBeNull();
      expect(out.evidence.probe_sql).toContain('newest_ever');
      expect(out.evidence.channel).toBe('never_started');
      expect(out.reason).toMatch(/never started: no rows ever in audit\.coordination_measurements/);
      expect(out.reason).not.toMatch(/went dark/);
    });

    it('halts missing on zero rows in the window, naming the newest row ever (went dark)', async () => {
      await insertSeries(db, { from: daysBefore(40), to: daysBefore(20), count: 100 });
      const out = expectHalt(await source().measure(full, evalContext()), 'missing');
      expect(out.evidence.rows).toBe(0);
      expect(out.evidence.newest_ever).toBe(new Date(daysBefore(20).getTime() - (20 * DAY) / 100).toISOString());
      expect(out.reason).toContain(String(out.evidence.newest_ever));
      expect(out.evidence.channel).toBe('went_dark');
      expect(out.reason).toMatch(
        /went dark: no rows in the 14d window; the channel's last row was at .*, 20d 4h before as_of/,
      );
      expect(out.reason).not.toMatch(/never started/);
    });

    it('does not let an as_of replay see rows recorded after it, even when explaining a halt', async () => {
      await insertSeries(db, { from: AS_OF, to: new Date(AS_OF.getTime() + DAY), count: 10 });
      const out = expectHalt(await source().measure(full, evalContext()), 'missing');
      expect(out.evidence.newest_ever).toBeNull();
    });

    it('lets an event counter report zero: the engine judges it against liveness', async () => {
      const m = sqlMeasurement(
        {
          table: 'audit.coordination_measurements',
          timestamp: 'recorded_at',
          where: "measurement_type LIKE 'coordination_failure.beam_python_boundary.%'",
          value: 'count(*)',
        },
        { id: 'boundary_incidents', type: 'int', window: '21d', counts_events: true, liveness: 'lease_rows' },
      );
      const out = expectOk(await source().measure(m, evalContext()));
      expect(out.value).toBe(0);
      expect(out.evidence.rows).toBe(0);
    });

    it('halts missing on a NULL value even with rows present', async () => {
      await insertSeries(db, { from: daysBefore(2), to: AS_OF, count: 10, elapsed: null });
      const m = sqlMeasurement({ ...LEASE_TABLE, value: 'max(elapsed_ms)' }, { window: '14d' });
      const out = expectHalt(await source().measure(m, evalContext()), 'missing');
      expect(out.evidence.rows).toBe(10);
      expect(out.evidence.value).toBeNull();
    });

    it('works on a timestamp without time zone column, read as UTC', async () => {
      await db.exec(`CREATE TABLE IF NOT EXISTS audit.flat_measurements (kind text, at timestamp, ms numeric)`);
      await db.exec('TRUNCATE audit.flat_measurements');
      await db.exec(
        `INSERT INTO audit.flat_measurements
         SELECT 'k', timestamp '2026-05-31 00:00:00' - (i * interval '1 day') + interval '23 hours', i FROM generate_series(0, 6) i`,
      );
      const m = sqlMeasurement(
        { table: 'audit.flat_measurements', timestamp: 'at', where: "kind = 'k'", value: 'avg(ms)' },
        { window: '7d', require: { days_with_rows: 7, max_age: '2d' } },
      );
      const out = expectOk(await source().measure(m, evalContext()));
      expect(out.value).toBe(3);
      expect(out.evidence.newest).toBe('2026-05-31T23:00:00.000Z');
      expect(out.evidence.days_with_rows).toBe(7);
      expect(out.evidence.first_seen).toBe('2026-05-25T23:00:00.000Z');
    });

    it('reads a timestamp without time zone of the years 0-99 as written, not as 1900-1999', async () => {
      const raw = sqlMeasurement({ query: "SELECT timestamp '0099-03-04 05:06:07.5' AS value" }, { type: 'timestamp' });
      expect(expectOk(await source().measure(raw, evalContext())).value).toEqual(new Date('0099-03-04T05:06:07.500Z'));
    });

    it('reads a timestamp with time zone of the years 0-99 as written, not as 1900-1999', async () => {
      const raw = sqlMeasurement(
        { query: "SELECT timestamptz '0001-03-04 05:06:07.5+05:30' AS value" },
        { type: 'timestamp' },
      );
      expect(expectOk(await source().measure(raw, evalContext())).value).toEqual(new Date('0001-03-03T23:36:07.500Z'));
    });

    it('reads a date as UTC midnight, whatever the zone of the process', async () => {
      await db.exec(`CREATE TABLE IF NOT EXISTS audit.daily_measurements (day date, n int)`);
      await db.exec('TRUNCATE audit.daily_measurements');
      await db.exec(
        `INSERT INTO audit.daily_measurements SELECT date '2026-05-31' - i, i FROM generate_series(0, 2) i`,
      );
      const zone = process.env.TZ;
      process.env.TZ = 'America/New_York';
      try {
        const raw = sqlMeasurement({ query: "SELECT date '2026-05-31' AS value" }, { type: 'timestamp' });
        expect(expectOk(await source().measure(raw, evalContext())).value).toEqual(new Date('2026-05-31T00:00:00Z'));
        const table = sqlMeasurement(
          { table: 'audit.daily_measurements', timestamp: 'day', value: 'sum(n)' },
          { window: '7d', require: { max_age: '24h' } },
        );
        const out = expectOk(await source().measure(table, evalContext()));
        expect(out.evidence.newest).toBe('2026-05-31T00:00:00.000Z');
      } finally {
        if (zone === undefined) delete process.env.TZ;
        else process.env.TZ = zone;
      }
    });

    it('reads an interval as PostgreSQL writes it, and says how to make it a number', async () => {
      const text = sqlMeasurement(
        { query: "SELECT interval '1 hour 2 minutes' + interval '3 days' AS value" },
        { type: 'string' },
      );
      expect(expectOk(await source().measure(text, evalContext())).value).toBe('3 days 01:02:00');
      const number = sqlMeasurement({ query: "SELECT interval '90 seconds' AS value" }, { type: 'double' });
      const out = expectHalt(await source().measure(number, evalContext()), 'error');
      expect(out.reason).toContain('value "00:01:30" is not a number: it reads as an interval or a time;');
      expect(out.reason).toContain('EXTRACT(EPOCH FROM');
      const count = sqlMeasurement({ query: "SELECT 'idle' AS value" }, { type: 'int' });
      expect(expectHalt(await source().measure(count, evalContext()), 'error').reason).toMatch(
        /value "idle" is not a number$/,
      );
    });

    it('survives a trailing comment in the where fragment', async () => {
      await insertSeries(db, { from: daysBefore(1), to: AS_OF, count: 5 });
      const m = sqlMeasurement(
        { ...LEASE_TABLE, where: `measurement_type = '${LEASE}' -- the lease plane only`, value: 'count(*)' },
        { type: 'int', window: '2d' },
      );
      expect(expectOk(await source().measure(m, evalContext())).value).toBe(5);
    });

    it('quotes the table and timestamp as identifiers', async () => {
      const m = sqlMeasurement({ ...LEASE_TABLE, timestamp: 'recorded_at; DROP TABLE x' }, { window: '1d' });
      expectHalt(await source().measure(m, evalContext()), 'error');
    });

    it('halts missing when the table does not exist', async () => {
      const m = sqlMeasurement({ ...LEASE_TABLE, table: 'audit.no_such_table' }, { window: '14d' });
      const out = expectHalt(await source().measure(m, evalContext()), 'missing');
      expect(out.reason).toContain('no_such_table');
      expect(out.evidence.sql).toContain('"no_such_table"');
    });

    it('halts error on a column the table does not have', async () => {
      const m = sqlMeasurement({ ...LEASE_TABLE, timestamp: 'created_at' }, { window: '14d' });
      expectHalt(await source().measure(m, evalContext()), 'error');
    });

    it('halts error without a window', async () => {
      expectHalt(await source().measure(sqlMeasurement(LEASE_TABLE), evalContext()), 'error');
    });
  });

  describe('value coercion', () => {
    beforeEach(async () => {
      await insertSeries(db, {
        from: daysBefore(1),
        to: AS_OF,
        count: 4,
        elapsed: 1.5,
        payload: { lane: 'lease', ok: true },
      });
    });

    const cases: [string, 'double' | 'int' | 'bool' | 'string' | 'timestamp', string, unknown][] = [
      ['double precision', 'double', 'avg(elapsed_ms)', 3],
      ['numeric (a string from the driver)', 'double', 'avg(elapsed_ms)::numeric(10,3)', 3],
      ['bigint count (a string from pg)', 'int', 'count(*)', 4],
      ['numeric holding an integer', 'int', 'sum(elapsed_ms)::numeric', 12],
      ['boolean', 'bool', 'bool_and(elapsed_ms > 1)', true],
      ['text', 'string', "max(payload->>'lane')", 'lease'],
      ['a number asked for as text', 'string', 'count(*)', '4'],
      ['timestamptz', 'timestamp', 'max(recorded_at)', new Date(AS_OF.getTime() - DAY / 4)],
    ];
    it.each(cases)('%s → %s', async (_label, type, value, expected) => {
      const m = sqlMeasurement({ ...LEASE_TABLE, value }, { type, window: '2d' });
      const out = expectOk(await source().measure(m, evalContext()));
      expect(out.value).toEqual(expected);
      expect(out.evidence.value).toEqual(expected instanceof Date ? expected.toISOString() : expected);
    });

    it('halts error on a fractional value declared int', async () => {
      const m = sqlMeasurement({ ...LEASE_TABLE, value: 'avg(elapsed_ms)' }, { type: 'int', window: '2d' });
      // avg of 1.5, 2.5, 3.5, 4.5 is 3: an integer, accepted.
      expectOk(await source().measure(m, evalContext()));
      const frac = sqlMeasurement({ ...LEASE_TABLE, value: 'max(elapsed_ms)' }, { type: 'int', window: '2d' });
      expectHalt(await source().measure(frac, evalContext()), 'error');
    });

    it('halts error on a value that is not of the declared type', async () => {
      const m = sqlMeasurement({ ...LEASE_TABLE, value: "max(payload->>'lane')" }, { type: 'double', window: '2d' });
      expectHalt(await source().measure(m, evalContext()), 'error');
      const obj = sqlMeasurement({ ...LEASE_TABLE, value: "max(payload->'lane')" }, { type: 'bool', window: '2d' });
      expectHalt(await source().measure(obj, evalContext()), 'error');
    });

    it('halts error on a non-finite double', async () => {
      const m = sqlMeasurement({ ...LEASE_TABLE, value: "max('NaN'::float8)" }, { window: '2d' });
      expectHalt(await source().measure(m, evalContext()), 'error');
    });
  });

  describe('raw form', () => {
    const RAW = `
      -- $as_of in a comment is not a parameter, nor is '$window_start' in a string
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms) AS value,
             count(*) AS rows,
             count(DISTINCT date_trunc('day', recorded_at)) AS days_with_rows,
             max(recorded_at) AS newest,
             (SELECT min(recorded_at) FROM audit.coordination_measurements
               WHERE measurement_type = '${LEASE}' AND recorded_at < $as_of) AS first_seen
      FROM audit.coordination_measurements
      WHERE measurement_type = '${LEASE}'
        AND recorded_at >= $window_start AND recorded_at < $window_end`;

    it('rewrites named parameters and applies the requirements', async () => {
      await insertSeries(db, { from: daysBefore(14), to: AS_OF, count: 1400, elapsed: 0 });
      const m = sqlMeasurement(
        { query: RAW },
        { id: 'lease_plane_p50_ms', window: '14d', require: { min_rows: 1000, days_with_rows: 14, max_age: '24h' } },
      );
      const out = expectOk(await source().measure(m, evalContext()));
      expect(out.value).toBeCloseTo(699.5, 6);
      expect(out.evidence.sql).toContain('recorded_at < $1) AS first_seen');
      expect(out.evidence.sql).toContain('recorded_at >= $2 AND recorded_at < $3');
      expect(out.evidence.sql).toContain("'$window_start'");
      expect(out.evidence.params).toEqual([AS_OF.toISOString(), daysBefore(14).toISOString(), AS_OF.toISOString()]);
      expect(out.evidence.rows).toBe(1400);
      expect(out.evidence.days_with_rows).toBe(14);
    });

    it('halts pending for a young channel through the raw columns too', async () => {
      await insertSeries(db, { from: daysBefore(5), to: AS_OF, count: 1500 });
      const m = sqlMeasurement({ query: RAW }, { window: '14d', require: { days_with_rows: 14 } });
      expectHalt(await source().measure(m, evalContext()), 'pending');
    });

    it('halts missing when the raw query counts zero rows', async () => {
      const m = sqlMeasurement({ query: RAW }, { window: '14d', require: { min_rows: 1 } });
      const out = expectHalt(await source().measure(m, evalContext()), 'missing');
      expect(out.evidence.rows).toBe(0);
    });

    it('says a raw query without a window returned no value, not that its window was empty', async () => {
      const none = `SELECT max(elapsed_ms) AS value FROM audit.coordination_measurements WHERE recorded_at < $as_of AND false`;
      const out = expectHalt(await source().measure(sqlMeasurement({ query: none }), evalContext()), 'missing');
      expect(out.reason).toMatch(/the value is NULL \(the query returned no value\)/);
      const windowed = expectHalt(
        await source().measure(sqlMeasurement({ query: none }, { window: '1d' }), evalContext()),
        'missing',
      );
      expect(windowed.reason).toMatch(/the value is NULL \(nothing to aggregate in the 1d window\)/);
    });

    it('halts error naming the column a requirement needs', async () => {
      await insertSeries(db, { from: daysBefore(1), to: AS_OF, count: 5 });
      const only = `SELECT avg(elapsed_ms) AS value FROM audit.coordination_measurements WHERE recorded_at < $as_of`;
      for (const [require, column] of [
        [{ min_rows: 1 }, 'rows'],
        [{ max_age: '1d' }, 'newest'],
        [{ days_with_rows: 1 }, 'days_with_rows'],
      ] as const) {
        const out = expectHalt(
          await source().measure(sqlMeasurement({ query: only }, { window: '1d', require }), evalContext()),
          'error',
        );
        expect(out.reason).toContain(column);
      }
      const noValue = sqlMeasurement({ query: 'SELECT 1 AS v' });
      expect(expectHalt(await source().measure(noValue, evalContext()), 'error').reason).toContain('value');
    });

    it('runs without a window: window_start equals as_of', async () => {
      const m = sqlMeasurement({ query: 'SELECT $as_of::timestamptz AS value' }, { type: 'timestamp' });
      const out = expectOk(await source().measure(m, evalContext()));
      expect(out.value).toEqual(AS_OF);
      expect(out.evidence.window).toEqual({ start: AS_OF.toISOString(), end: AS_OF.toISOString() });
      expect(out.evidence.params).toEqual([AS_OF.toISOString()]);
    });

    it('halts error when the query returns two columns of a name it reads, rather than take one of them', async () => {
      // Each side of the join returns value and rows: the row object would keep the lease side's.
      const m = sqlMeasurement({
        query: `SELECT * FROM (SELECT 50.0 AS value, 900 AS rows) AS boundary
                CROSS JOIN (SELECT 10.0 AS value, 1000 AS rows) AS lease`,
      });
      const out = expectHalt(await source().measure(m, evalContext()), 'error');
      expect(out.reason).toContain('the query returns more than one column named value: name them apart');
      const rows = sqlMeasurement(
        {
          query:
            'SELECT b.value / l.value AS value, b.rows, l.rows FROM (SELECT 5.0 AS value, 1 AS rows) b, (SELECT 1.0 AS value, 2 AS rows) l',
        },
        { require: { min_rows: 1 } },
      );
      expect(expectHalt(await source().measure(rows, evalContext()), 'error').reason).toContain(
        'more than one column named rows',
      );
      // A column the evaluation does not read may repeat.
      const other = sqlMeasurement({ query: 'SELECT 5.0 AS value, 1 AS n, 2 AS n' });
      expect(expectOk(await source().measure(other, evalContext())).value).toBe(5);
    });

    it('halts error when its newest row is after as_of, rather than meet max_age with a negative age', async () => {
      // A replay as of a day when the channel had been silent for a week: the query forgot its
      // upper bound, so it reads the rows recorded since, and its newest is a month later.
      await insertSeries(db, { from: daysBefore(30), to: daysBefore(7), count: 230 });
      await insertSeries(db, { from: AS_OF, to: new Date(AS_OF.getTime() + 30 * DAY), count: 300 });
      const m = sqlMeasurement(
        {
          query: `SELECT count(*) AS value, count(*) AS rows, max(recorded_at) AS newest
                  FROM audit.coordination_measurements WHERE recorded_at >= $window_start`,
        },
        { type: 'int', window: '14d', require: { min_rows: 1, max_age: '24h' } },
      );
      const out = expectHalt(await source().measure(m, evalContext()), 'error');
      expect(out.reason).toContain(
        `the newest row (${new Date(AS_OF.getTime() + 30 * DAY - 8_640_000).toISOString()}) is after as_of (${AS_OF.toISOString()})`,
      );
      // A database clock a minute ahead of this machine's is not taken for a query past its window.
      const ahead = sqlMeasurement(
        { query: `SELECT 1 AS value, ($as_of::timestamptz + interval '1 minute') AS newest` },
        { type: 'int', require: { max_age: '24h' } },
      );
      expectOk(await source().measure(ahead, evalContext()));
    });

    it('halts error when a query reads $window_start without a window, rather than read an empty one', async () => {
      await insertSeries(db, { from: daysBefore(1), to: AS_OF, count: 10 });
      const m = sqlMeasurement(
        {
          query:
            'SELECT count(*) AS value FROM audit.coordination_measurements WHERE recorded_at >= $window_start AND recorded_at < $as_of',
        },
        { type: 'int' },
      );
      expect(expectHalt(await source().measure(m, evalContext()), 'error').reason).toContain(
        'reads $window_start, but the measurement declares no window',
      );
    });

    it('halts missing when the query returns no row, error when it returns several', async () => {
      const none = sqlMeasurement({ query: 'SELECT 1 AS value WHERE false' });
      expectHalt(await source().measure(none, evalContext()), 'missing');
      const many = sqlMeasurement({ query: 'SELECT i AS value FROM generate_series(1, 2) i' });
      expectHalt(await source().measure(many, evalContext()), 'error');
    });

    it('halts error on unknown or positional parameters', async () => {
      const unknown = sqlMeasurement({ query: 'SELECT $since AS value' });
      expectHalt(await source().measure(unknown, evalContext()), 'error');
      const positional = sqlMeasurement({ query: 'SELECT $1 AS value' });
      expectHalt(await source().measure(positional, evalContext()), 'error');
    });
  });

  describe('read-only', () => {
    const count = async () =>
      Number((await db.exec('SELECT count(*) AS n FROM audit.coordination_measurements'))[0]?.n);
    const writes = [
      "INSERT INTO audit.coordination_measurements (measurement_type, recorded_at) VALUES ('measurement.x', now()) RETURNING 1 AS value",
      "WITH w AS (INSERT INTO audit.coordination_measurements (measurement_type, recorded_at) VALUES ('measurement.x', now()) RETURNING 1) SELECT count(*) AS value FROM w",
      "ROLLBACK; INSERT INTO audit.coordination_measurements (measurement_type, recorded_at) VALUES ('measurement.x', now()); SELECT 1 AS value",
      "SELECT set_config('transaction_read_only', 'off', true) AS value",
    ];
    it.each(writes)('a query that tries to write halts error and writes nothing: %s', async (query) => {
      const before = await count();
      const out = expectHalt(
        await source().measure(sqlMeasurement({ query }, { type: 'string' }), evalContext()),
        'error',
      );
      expect(out.evidence.sql).toBe(query);
      expect(await count()).toBe(before);
    });
  });

  describe('timeouts and cancellation', () => {
    it('halts error when the query outlives its timeout', async () => {
      // PostgreSQL cancels on statement_timeout: an hour's sleep ends there, or the client's own
      // backstop gives up on it a second later and leaves the server's backend sleeping, seen
      // below. PGlite on this thread cannot be pre-empted, so its query runs out and is then
      // reported as timed out: its sleep must end of itself.
      const sleep = backend.name === 'postgres' ? 3600 : 1.5;
      const m = sqlMeasurement({ query: `SELECT pg_sleep(${sleep}) IS NOT NULL AS value` }, { type: 'bool' });
      const out = expectHalt(await source({ timeoutMs: 300 }).measure(m, evalContext()), 'error');
      expect(out.reason).toContain('300 ms');
      if (backend.name === 'postgres') {
        // The server stopped it: no backend is still running it. A backend whose client gave up
        // is still 'active' in its sleep; one the server stopped is not, whether its client has
        // rolled back since or (its event loop held up past the backstop) dropped it.
        const running = await db.exec(
          `SELECT pid, query FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
              AND query LIKE '%pg\\_sleep(3600)%'`,
        );
        expect(running).toEqual([]);
      }
    });

    it('reports a timeout against the limit the user set, not the shorter one the server was given', async () => {
      const m = sqlMeasurement({ query: 'SELECT pg_sleep(1.5) IS NOT NULL AS value' }, { type: 'bool' });
      const out = expectHalt(await source({ timeoutMs: 300, limitMs: 400 }).measure(m, evalContext()), 'error');
      expect(out.reason).toMatch(
        backend.name === 'postgres'
          ? /query timed out: over the measurement's 0\.4 s limit \(the server stopped it at 0\.3 s\)/
          : /query timed out: over the measurement's 0\.4 s limit \(it ran past 0\.3 s\)/,
      );
      expect(out.reason).not.toContain('300 ms');
    });

    it('the client stays usable after a timeout', async () => {
      const s = source({ timeoutMs: 300 });
      await s.measure(
        sqlMeasurement({ query: 'SELECT pg_sleep(1) IS NOT NULL AS value' }, { type: 'bool' }),
        evalContext(),
      );
      const out = expectOk(await s.measure(sqlMeasurement({ query: 'SELECT 7 AS value' }), evalContext()));
      expect(out.value).toBe(7);
    });

    it('halts error when the evaluation was already cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      const m = sqlMeasurement({ query: 'SELECT 1 AS value' });
      expectHalt(await source().measure(m, evalContext(AS_OF, controller.signal)), 'error');
    });
  });

  describe('clients', () => {
    it('opens the database lazily, once, shared by every measurement; close() closes it', async () => {
      let opened = 0;
      let closed = 0;
      const s = source({
        open: () => {
          opened++;
          const c = db.client();
          return {
            query: (t, p, o) => c.query(t, p, o),
            describe: () => c.describe(),
            close: async () => {
              closed++;
              await c.close();
            },
          };
        },
      });
      expect(opened).toBe(0);
      const m = sqlMeasurement({ query: 'SELECT 1 AS value' });
      const outs = await Promise.all([1, 2, 3].map((i) => s.measure({ ...m, id: `m${i}` }, evalContext())));
      for (const o of outs) expectOk(o);
      expect(opened).toBe(1);
      await s.close();
      expect(closed).toBe(1);
    });

    it('halts with the reason the database could not be opened', async () => {
      const s = source({
        open: () => {
          throw new Error('boom');
        },
      });
      expectHalt(await s.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()), 'error');
    });

    it('halts missing when connection_env names an unset variable', async () => {
      const m = sqlMeasurement({ query: 'SELECT 1 AS value', connection_env: 'RFCGATE_TEST_UNSET_URL' });
      const out = expectHalt(await source({ env: {} }).measure(m, evalContext()), 'missing');
      expect(out.evidence.connection_env).toBe('RFCGATE_TEST_UNSET_URL');
    });
  });

  // Roles, connection URLs and pools exist only on a server: these cases are not defined for PGlite at all.
  if (backend.name === 'postgres') {
    describe('PostgreSQL only', () => {
      it('halts error on permission denied for a role without SELECT', async () => {
        const role = await db.createRole();
        await db.exec(`GRANT USAGE ON SCHEMA audit TO "${role}"`);
        await insertSeries(db, { from: daysBefore(1), to: AS_OF, count: 5 });
        const s = source({ open: () => new PgClient(db.url(role)) });
        const out = expectHalt(
          await s.measure(sqlMeasurement({ ...LEASE_TABLE, value: 'count(*)' }, { window: '2d' }), evalContext()),
          'error',
        );
        expect(out.reason).toContain('permission denied');
      });

      it('reads a measurement from the database its connection_env names', async () => {
        await insertSeries(db, { from: daysBefore(1), to: AS_OF, count: 3 });
        const m = sqlMeasurement(
          { ...LEASE_TABLE, value: 'count(*)', connection_env: 'WAVE3_AUDIT_URL' },
          { type: 'int', window: '2d' },
        );
        const s = source({
          open: () => new PgClient('postgres://nobody@127.0.0.1:1/none'),
          env: { WAVE3_AUDIT_URL: db.url() },
        });
        const out = expectOk(await s.measure(m, evalContext()));
        expect(out.value).toBe(3);
        expect(out.evidence.connection_env).toBe('WAVE3_AUDIT_URL');
      });

      it('queues more concurrent measurements than connections without timing them out', async () => {
        const s = source({ open: () => new PgClient(db.url(), { maxConnections: 2, connectTimeoutMs: 250 }) });
        const m = sqlMeasurement({ query: 'SELECT pg_sleep(0.3) IS NOT NULL AS value' }, { type: 'bool' });
        const outs = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => s.measure({ ...m, id: `m${i}` }, evalContext())));
        for (const o of outs) expect(expectOk(o).value).toBe(true);
      });

      it('halts missing when the database named in the URL does not exist', async () => {
        const url = new URL(db.url());
        url.pathname = '/rfcgate_no_such_database';
        const s = source({ open: () => new PgClient(url.toString()) });
        expectHalt(await s.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()), 'missing');
      });
    });
  }
});

describe('a present-state measurement replayed as of a past instant', () => {
  it('halts with the same reason and evidence however long after as_of the replay runs', async () => {
    const m = sqlMeasurement({ query: 'SELECT 1 AS value', current_state: true }, { type: 'int' });
    const replayAt = async (now: Date) => {
      const s = new SqlMeasurementSource({
        open: () => {
          throw new Error('a present-state measurement at a past as_of opens no database');
        },
        now: () => now,
      });
      try {
        return await s.measure(m, evalContext());
      } finally {
        await s.close();
      }
    };
    const hourLater = expectHalt(await replayAt(new Date(AS_OF.getTime() + 3_600_000)), 'missing');
    const monthLater = await replayAt(new Date(AS_OF.getTime() + 30 * DAY));
    expect(JSON.stringify(monthLater)).toBe(JSON.stringify(hourLater));
    expect(hourLater.reason).toBe(
      "measurement 'lease_plane_p99_ms': it reads the database's present state, which keeps no history, so it cannot be measured as of 2026-06-01T00:00:00.000Z, more than 5m in the past; evaluate without --as-of (or with one within 5m of now), or, if the database is a restored copy of a past instant, give that instant as --snapshot-at",
    );
  });
});

describe('a database that is a snapshot of a past instant (--snapshot-at)', () => {
  const m = sqlMeasurement({ query: 'SELECT 1 AS value', current_state: true }, { type: 'int' });
  const monthLater = () => new Date(AS_OF.getTime() + 30 * DAY);

  it('reads the default database as of the snapshot instant', async () => {
    const s = new SqlMeasurementSource({
      // Closed by s.close().
      open: () => new PgliteClient({}),
      now: monthLater,
      snapshotAt: AS_OF,
    });
    try {
      expect(expectOk(await s.measure(m, evalContext())).value).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('as of more than 5m before the snapshot instant, halts saying to evaluate as of that instant', async () => {
    const s = new SqlMeasurementSource({
      open: () => {
        throw new Error('a present-state measurement before the snapshot opens no database');
      },
      now: monthLater,
      snapshotAt: new Date(AS_OF.getTime() + DAY),
    });
    try {
      expect(expectHalt(await s.measure(m, evalContext()), 'missing').reason).toBe(
        "measurement 'lease_plane_p99_ms': it reads the database's present state, which keeps no history, so it cannot be measured as of 2026-06-01T00:00:00.000Z, more than 5m before 2026-06-02T00:00:00.000Z, the instant --snapshot-at says the database depicts; evaluate as of that instant (--as-of 2026-06-02T00:00:00.000Z)",
      );
    } finally {
      await s.close();
    }
  });

  it('still judges a connection_env database as live: it was not restored with the default one', async () => {
    const s = new SqlMeasurementSource({
      open: () => {
        throw new Error('the default database is not read by this measurement');
      },
      openUrl: () => {
        throw new Error('a present-state measurement at a past as_of opens no database');
      },
      env: { WAVE3_AUDIT_URL: 'postgres://reader@db.internal/audit' },
      now: monthLater,
      snapshotAt: AS_OF,
    });
    try {
      const out = expectHalt(
        await s.measure({ ...m, sql: { ...m.sql, connection_env: 'WAVE3_AUDIT_URL' } }, evalContext()),
        'missing',
      );
      // --snapshot-at is no fix for it, and the reason does not offer it as one.
      expect(out.reason).toBe(
        "measurement 'lease_plane_p99_ms': it reads the database's present state, which keeps no history, so it cannot be measured as of 2026-06-01T00:00:00.000Z, more than 5m in the past; evaluate without --as-of, or with one within 5m of now (--snapshot-at describes the default database, not the one WAVE3_AUDIT_URL names)",
      );
      expect(out.evidence.current_state).toBe(true);
    } finally {
      await s.close();
    }
  });
});

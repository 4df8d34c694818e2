import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/ledger/errors.js';
import {
  defaultRecordedBy,
  listMeasurements,
  type MeasurementInput,
  normalizeMeasurement,
  parseInstant,
  parseNumber,
  parsePayload,
  recordMeasurement,
  recordMeasurements,
} from '../../src/ledger/measurements.js';
import { migrate, migrationPlan } from '../../src/ledger/schema.js';
import { measurementTable } from '../../src/formatters/measurements.js';
import { SqlMeasurementSource } from '../../src/sources/sql/source.js';
import { PgWriter, SqlWriteError } from '../../src/sources/sql/writer.js';
import { loadRfc } from '../../src/spec/load.js';
import { UsageError } from '../../src/spec/problems.js';
import { evalContext, unusedPort } from '../sources/sql/fixtures.js';
import { count, type LedgerTestDatabase, testBackends, useLedgerDatabase } from './helpers.js';

/** The partitions of audit.coordination_measurements whose name holds `month` (e.g. '2027', '2026m01'). */
async function partitions(
  db: LedgerTestDatabase,
  month: string,
): Promise<{ name: string; bound: string; comment: string | null }[]> {
  return (await db.exec(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, obj_description(c.oid, 'pg_class') AS comment
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit.coordination_measurements'::regclass AND c.relname LIKE $1
     ORDER BY 1`,
    [`coordination_measurements_y${month}%`],
  )) as { name: string; bound: string; comment: string | null }[];
}

const RANGE = { from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-06-30T00:00:00Z') };
const AT = new Date('2026-05-20T12:00:00Z');
const LEASE = 'measurement.lease_plane.request';
const BY = { recordedBy: 'test-runner' };

describe('who recorded it', () => {
  it('is RFCGATE_RECORDED_BY, else USER, else LOGNAME', () => {
    const env = { RFCGATE_RECORDED_BY: ' ci-bot ', USER: 'ann', LOGNAME: 'bob' };
    expect(defaultRecordedBy(env)).toBe('ci-bot');
    expect(defaultRecordedBy({ ...env, RFCGATE_RECORDED_BY: ' ' })).toBe('ann');
    expect(defaultRecordedBy({ LOGNAME: 'bob' })).toBe('bob');
  });

  it('with none of them set (cron, a container), is the user the process runs as, not unknown', () => {
    expect(defaultRecordedBy({})).toBe(userInfo().username);
    expect(defaultRecordedBy({ USER: '', LOGNAME: '  ' }, () => 'svc-gate')).toBe('svc-gate');
    // A user id the system has no name for is unknown, said so.
    expect(defaultRecordedBy({}, () => '')).toBe('unknown');
  });
});

describe('input validation (before any connection)', () => {
  const base: MeasurementInput = { type: LEASE, at: AT, elapsedMs: 4 };

  it.each([
    [{ type: 'lease_plane.request' }, /not a measurement type/],
    [{ type: 'measurement.' }, /not a measurement type/],
    [{ type: 'measurement.single' }, /not a measurement type/],
    [{ type: 'measurement.Lease.request' }, /not a measurement type/],
    [{ type: "measurement.a.b'; DROP TABLE x; --" }, /not a measurement type/],
    [{ elapsedMs: -1 }, /elapsed_ms must not be below 0/],
    [{ elapsedMs: Number.NaN }, /elapsed_ms must be a finite number/],
    [{ value: Number.POSITIVE_INFINITY }, /value must be a finite number/],
    [{ value: 3, payload: { value: 4 } }, /contradicts --value 3/],
    [{ at: new Date('nope') }, /not a valid date/],
    [{ idempotencyKey: '  ' }, /idempotency key must be/],
    [{ agentId: '' }, /agent id must not be empty/],
  ])('%j is rejected', (over, message) => {
    expect(() => normalizeMeasurement({ ...base, ...over } as MeasurementInput)).toThrow(message);
  });

  it('stores --value as payload.value and fingerprints the content, not the instant', () => {
    const a = normalizeMeasurement({ type: LEASE, at: AT, value: 3, payload: { runtime: 'beam' } });
    expect(a.payload).toEqual({ runtime: 'beam', value: 3 });
    const b = normalizeMeasurement({ type: LEASE, at: new Date(), payload: { value: 3, runtime: 'beam' }, value: 3 });
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(normalizeMeasurement({ type: LEASE, at: AT, value: 4 }).fingerprint).not.toBe(a.fingerprint);
  });

  it('keeps a payload key named __proto__ (a comparator key column, a team payload), nested or not', () => {
    const payload = parsePayload('{"__proto__": "b", "key": {"__proto__": "c", "constructor": "2"}}');
    const n = normalizeMeasurement({ type: LEASE, at: AT, payload });
    expect(JSON.stringify(n.payload)).toBe('{"__proto__":"b","key":{"__proto__":"c","constructor":"2"}}');
    const other = normalizeMeasurement({ type: LEASE, at: AT, payload: parsePayload('{"key": {"constructor": "2"}}') });
    expect(other.fingerprint).not.toBe(n.fingerprint);
  });

  it('parses --payload as a JSON object only', () => {
    expect(parsePayload('{"a":1}')).toEqual({ a: 1 });
    expect(() => parsePayload('{a:1}')).toThrow(/not valid JSON/);
    expect(() => parsePayload('[1]')).toThrow(/not an array/);
    expect(() => parsePayload('null')).toThrow(/not null/);
    expect(() => parsePayload('"x"')).toThrow(/not a string/);
  });

  it('refuses a number that would be stored as another value, in --value and in --payload', () => {
    // JSON.parse reads 1e400 as Infinity, which JSON.stringify writes as null.
    expect(() => parsePayload('{"v":1e400}')).toThrow(/the number 1e400 is beyond the range of a double/);
    expect(() => parsePayload('{"a":{"b":[1,-1e-400]}}')).toThrow(/-1e-400 is too small .* stored as 0/);
    expect(() => parsePayload('{"n":99999999999999999999}')).toThrow(/would be stored as 100000000000000000000/);
    expect(() => parseNumber('1e-400', '--value')).toThrow(/--value '1e-400' is too small/);
    expect(() => parseNumber('99999999999999999999999', '--value')).toThrow(/integer beyond/);
    expect(() => parseNumber('.5e-999', '--elapsed-ms')).toThrow(/stored as 0/);
    // Digits inside strings are text, and exact numbers pass as they are.
    expect(parsePayload('{"s":"1e400 99999999999999999999","n":-0.5e-3,"z":0e-999,"i":9007199254740991}')).toEqual({
      s: '1e400 99999999999999999999',
      n: -0.0005,
      z: 0,
      i: 9007199254740991,
    });
    expect(parseNumber('0.000', '--value')).toBe(0);
    expect(parseNumber('1.5e300', '--value')).toBe(1.5e300);
  });

  it('refuses a number with more digits than a double keeps, which would be stored rounded', () => {
    // Neither is out of range nor an integer: each would be stored as the nearest double.
    expect(() => parsePayload('{"a":0.12345678901234567890}')).toThrow(
      '--payload: the number 0.12345678901234567890 has more significant digits than a double keeps and would be stored as 0.12345678901234568',
    );
    expect(() => parsePayload('{"a":[12345678901234567.5]}')).toThrow(/would be stored as 12345678901234568$/);
    expect(() => parseNumber('41.50000000000000001', '--elapsed-ms')).toThrow(
      "--elapsed-ms '41.50000000000000001' has more significant digits than a double keeps and would be stored as 41.5",
    );
    expect(() => parseNumber('0.1000000000000000055511151231257827', '--value')).toThrow(/stored as 0\.1$/);
    // Another spelling of the same value is stored as that value.
    expect(parsePayload('{"a":1.0,"b":1.50,"c":-0,"d":1e22,"e":15e-1,"f":0.30000000000000004,"g":-0.0e5}')).toEqual({
      a: 1,
      b: 1.5,
      c: -0,
      d: 1e22,
      e: 1.5,
      f: 0.30000000000000004,
      g: -0,
    });
    expect(parseNumber('+.5', '--value')).toBe(0.5);
    expect(parseNumber('5.', '--value')).toBe(5);
    expect(parseNumber('1234567890.1234567', '--value')).toBe(1234567890.1234567);
  });

  it('refuses a payload string PostgreSQL cannot store, before any connection', () => {
    expect(() => parsePayload('{"a":"x\\u0000y"}')).toThrow(/cannot store the character U\+0000/);
    expect(() => parsePayload('{"a\\u0000":1}')).toThrow(/U\+0000/);
    expect(() => parsePayload('{"a":["\\ud800"]}')).toThrow(/lone UTF-16 surrogate/);
    expect(() => parsePayload('{"a":"\\udc00x"}')).toThrow(/lone UTF-16 surrogate/);
    expect(parsePayload('{"a":"\\ud83d\\ude00"}')).toEqual({ a: '\u{1F600}' });
  });

  it('refuses a key written twice in one object, naming it and where, before any connection', () => {
    expect(() => parsePayload('{"a":1,"a":2}')).toThrow(
      '--payload: the key "a" is written twice in one object (column 2 and column 8); only the last value would be kept, so remove or rename one of them',
    );
    // Nested objects, keys spelled with escapes, and keys on other lines.
    expect(() => parsePayload('{"x":[{"b":1},{"c":{"b":1,"d":[],"b":[2]}}]}')).toThrow(
      /the key "b" is written twice in one object \(column 21 and column 34\)/,
    );
    expect(() => parsePayload('{"é":1,"\\u00e9":2}')).toThrow(/the key "é" .*\(column 2 and column 8\)/);
    expect(() => parsePayload('{\n  "a": 1,\n  "a": 2\n}')).toThrow(/\(line 2, column 3 and line 3, column 3\)/);
    // The same key in sibling or nested objects, and a value spelled like a key, are fine.
    expect(parsePayload('{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"a","d":["a","a"]}')).toEqual({
      a: { a: 1 },
      b: [{ a: 1 }, { a: 2 }],
      c: 'a',
      d: ['a', 'a'],
    });
  });

  it('parses --at as a date or an ISO instant, UTC when no zone is given', () => {
    expect(parseInstant('2026-05-20', '--at').toISOString()).toBe('2026-05-20T00:00:00.000Z');
    expect(parseInstant('2026-05-20T12:00:00', '--at').toISOString()).toBe('2026-05-20T12:00:00.000Z');
    expect(parseInstant('2026-05-20T12:00:00+02:00', '--at').toISOString()).toBe('2026-05-20T10:00:00.000Z');
    expect(() => parseInstant('2026-02-30', '--at')).toThrow(UsageError);
    expect(() => parseInstant('yesterday', '--at')).toThrow(/--at 'yesterday' is not a date/);
  });

  it('takes the lower-case t and z RFC 3339 allows in --at', () => {
    expect(parseInstant('2026-06-01t10:00:00z', '--at').toISOString()).toBe('2026-06-01T10:00:00.000Z');
    expect(parseInstant('2026-06-01t10:00:00.250+02:00', '--from').toISOString()).toBe('2026-06-01T08:00:00.250Z');
    expect(parseInstant('2026-06-01t10:00', '--to').toISOString()).toBe('2026-06-01T10:00:00.000Z');
    expect(() => parseInstant('2026-06-01x10:00:00z', '--at')).toThrow(/--at '2026-06-01x10:00:00z' is not a date/);
  });

  it('reads the years 0-99 of --at as written, not as 1900-1999', () => {
    expect(parseInstant('0099-01-01T00:00:00Z', '--at').toISOString()).toBe('0099-01-01T00:00:00.000Z');
    expect(parseInstant('0004-02-29', '--at').toISOString()).toBe('0004-02-29T00:00:00.000Z');
    expect(() => parseInstant('0099-02-29', '--at')).toThrow(UsageError);
  });

  it('refuses the year 0000, which ISO-8601 has and PostgreSQL does not', () => {
    expect(() => parseInstant('0000-06-01', '--at')).toThrow(/--at '0000-06-01' is before 0001-01-01/);
    expect(parseInstant('0001-01-01', '--from').toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });
});

describe.each(testBackends())('recording on $name', (backend) => {
  const db = useLedgerDatabase(backend);
  beforeEach(async () => {
    await db.reset();
    await migrate(db.writer(), migrationPlan(RANGE));
  });

  it('lands in audit.coordination_measurements, with its provenance in the ledger', async () => {
    const out = await recordMeasurement(
      db.writer(),
      { type: LEASE, at: AT, elapsedMs: 41.5, agentId: 'agent-7', value: 2, payload: { runtime: 'beam' } },
      BY,
    );
    expect(out).toMatchObject({
      status: 'recorded',
      type: LEASE,
      recorded_at: AT.toISOString(),
      idempotency_key: null,
    });
    const rows = await db.exec(
      'SELECT id::text AS id, measurement_type, recorded_at, elapsed_ms, agent_id, payload FROM audit.coordination_measurements',
    );
    expect(rows).toEqual([
      {
        id: out.id,
        measurement_type: LEASE,
        recorded_at: AT,
        elapsed_ms: 41.5,
        agent_id: 'agent-7',
        payload: { runtime: 'beam', value: 2 },
      },
    ]);
    const ledger = await db.exec(
      'SELECT measurement_id::text AS id, value, recorded_by, idempotency_key FROM rfcgate.recorded_measurements',
    );
    expect(ledger).toEqual([{ id: out.id, value: 2, recorded_by: 'test-runner', idempotency_key: null }]);
  });

  it('the same idempotency key twice stores ONE row; the second call says it was already recorded', async () => {
    const input = { type: LEASE, at: AT, elapsedMs: 12, idempotencyKey: 'lease-2026-05-20T12' };
    const first = await recordMeasurement(db.writer(), input, BY);
    // A retry at a later "now" is the same measurement.
    const second = await recordMeasurement(db.writer(), { ...input, at: new Date('2026-05-21T00:00:00Z') }, BY);
    expect(first.status).toBe('recorded');
    expect(second).toMatchObject({
      status: 'already_recorded',
      id: first.id,
      recorded_at: AT.toISOString(),
      recorded_by: 'test-runner',
    });
    expect(await count(db, 'audit.coordination_measurements')).toBe(1);
    expect(await count(db, 'rfcgate.recorded_measurements')).toBe(1);
  });

  it('the same key for different content is refused and writes nothing', async () => {
    await recordMeasurement(db.writer(), { type: LEASE, at: AT, elapsedMs: 12, idempotencyKey: 'k' }, BY);
    const err = await recordMeasurement(db.writer(), { type: LEASE, at: AT, elapsedMs: 13, idempotencyKey: 'k' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).problem).toBe('conflict');
    expect((err as Error).message).toMatch(/'k' was already used for a different measurement/);
    expect(await count(db, 'audit.coordination_measurements')).toBe(1);
  });

  it('invalid input is rejected before the database is touched', async () => {
    await expect(recordMeasurement(db.writer(), { type: 'measurement.Bad', at: AT, elapsedMs: 1 })).rejects.toThrow(
      UsageError,
    );
    await expect(
      recordMeasurement(db.writer(), { type: LEASE, at: AT, payload: [1] as unknown as Record<string, never> }),
    ).rejects.toThrow(/must be a JSON object/);
    expect(await count(db, 'audit.coordination_measurements')).toBe(0);
    expect(await count(db, 'rfcgate.recorded_measurements')).toBe(0);
  });

  it('an instant past the months db migrate made creates its month, as db migrate would, and is recorded', async () => {
    const at = new Date('2027-03-01T00:00:00Z');
    const out = await recordMeasurement(db.writer(), { type: LEASE, at, elapsedMs: 1 }, { ...BY, now: at });
    expect(out).toMatchObject({ status: 'recorded', recorded_at: at.toISOString() });
    expect(await partitions(db, '2027')).toEqual([
      {
        name: 'coordination_measurements_y2027m03',
        bound: "FOR VALUES FROM ('2027-03-01 00:00:00+00') TO ('2027-04-01 00:00:00+00')",
        comment: 'rfcgate:managed v1',
      },
    ]);
    const rows = await db.exec('SELECT tableoid::regclass::text AS part FROM audit.coordination_measurements');
    expect(rows).toEqual([{ part: 'audit.coordination_measurements_y2027m03' }]);
    // db migrate finds it made, and a second recording in that month creates nothing more.
    const again = await migrate(db.writer(), migrationPlan({ from: at, to: at }));
    expect(again.outcomes.find((o) => o.step.name === 'coordination_measurements_y2027m03')?.status).toBe('present');
    await recordMeasurement(
      db.writer(),
      { type: LEASE, at: new Date('2027-03-31T23:59:59Z'), elapsedMs: 2 },
      {
        ...BY,
        now: at,
      },
    );
    expect(await partitions(db, '2027')).toHaveLength(1);
    expect(await count(db, 'rfcgate.recorded_measurements')).toBe(2);
  });

  it('a batch creates every month it needs; recorders racing for one month create it once', async () => {
    const now = new Date('2027-06-01T00:00:00Z');
    const bulk = await recordMeasurements(
      db.writer(),
      [
        { type: LEASE, at: new Date('2027-04-10T00:00:00Z'), elapsedMs: 1 },
        { type: LEASE, at: new Date('2027-05-10T00:00:00Z'), elapsedMs: 1, idempotencyKey: 'may' },
      ],
      { ...BY, now },
    );
    expect(bulk.recorded).toBe(2);
    const at = new Date('2027-07-02T00:00:00Z');
    const outs = await Promise.all(
      [1, 2, 3, 4].map((i) => recordMeasurement(db.writer(), { type: LEASE, at, elapsedMs: i }, { ...BY, now })),
    );
    expect(outs.map((o) => o.status)).toEqual(['recorded', 'recorded', 'recorded', 'recorded']);
    expect((await partitions(db, '2027')).map((p) => p.name)).toEqual([
      'coordination_measurements_y2027m04',
      'coordination_measurements_y2027m05',
      'coordination_measurements_y2027m07',
    ]);
    expect(await count(db, 'audit.coordination_measurements')).toBe(6);
  });

  it('an instant whose month is past retention is refused with the fix, and nothing is written', async () => {
    const err = await recordMeasurement(
      db.writer(),
      { type: LEASE, at: new Date('2026-01-15T00:00:00Z'), elapsedMs: 1 },
      { ...BY, now: new Date('2026-06-01T00:00:00Z') },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlWriteError);
    expect((err as Error).message).toMatch(/no partition.*rfcgate db migrate --from/);
    expect(await count(db, 'rfcgate.recorded_measurements')).toBe(0);
    expect(await partitions(db, '2026m01')).toEqual([]);
  });

  it("a month another partition already covers is recorded there; a relation of the partition's name is left alone", async () => {
    const now = new Date('2027-09-01T00:00:00Z');
    await db.exec(`CREATE TABLE audit.team_sept PARTITION OF audit.coordination_measurements
      FOR VALUES FROM ('2027-09-01 00:00:00+00') TO ('2027-10-01 00:00:00+00')`);
    await recordMeasurement(
      db.writer(),
      { type: LEASE, at: new Date('2027-09-15T00:00:00Z'), elapsedMs: 1 },
      {
        ...BY,
        now,
      },
    );
    const rows = await db.exec('SELECT tableoid::regclass::text AS part FROM audit.coordination_measurements');
    expect(rows).toEqual([{ part: 'audit.team_sept' }]);
    await db.exec('CREATE TABLE audit.coordination_measurements_y2027m10 (note text)');
    const err = await recordMeasurement(
      db.writer(),
      { type: LEASE, at: new Date('2027-10-15T00:00:00Z'), elapsedMs: 1 },
      { ...BY, now },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/no partition.*rfcgate db migrate --from/);
    expect(await partitions(db, '2027')).toEqual([]);
    expect(await count(db, 'audit.coordination_measurements')).toBe(1);
  });

  it('is one transaction: if the ledger row fails, the measurement row is rolled back', async () => {
    await db.exec(`CREATE FUNCTION rfcgate.boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger down'; END $$;
      CREATE TRIGGER boom BEFORE INSERT ON rfcgate.recorded_measurements FOR EACH ROW EXECUTE FUNCTION rfcgate.boom();`);
    await expect(recordMeasurement(db.writer(), { type: LEASE, at: AT, elapsedMs: 1 })).rejects.toThrow(/ledger down/);
    expect(await count(db, 'audit.coordination_measurements')).toBe(0);
  });

  it('refuses to write before db migrate, naming the fix', async () => {
    await db.reset();
    const err = await recordMeasurement(db.writer(), { type: LEASE, at: AT, elapsedMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).problem).toBe('missing');
    expect((err as Error).message).toMatch(
      /audit\.coordination_measurements, rfcgate\.recorded_measurements do not exist; run `rfcgate db migrate` first/,
    );
  });

  it("refuses to write into a team's own measurement table", async () => {
    await db.reset();
    await db.exec(`CREATE SCHEMA audit;
      CREATE TABLE audit.coordination_measurements (id bigserial, measurement_type text, recorded_at timestamptz,
        elapsed_ms float8, agent_id text, payload jsonb);`);
    await migrate(db.writer(), migrationPlan(RANGE));
    const err = await recordMeasurement(db.writer(), { type: LEASE, at: AT, elapsedMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as LedgerError).problem).toBe('foreign');
    expect((err as Error).message).toMatch(/audit\.coordination_measurements .* was not created by rfcgate/);
    expect(await count(db, 'audit.coordination_measurements')).toBe(0);
    expect(await count(db, 'rfcgate.recorded_measurements')).toBe(0);
  });

  it("lists a team's own table beside rfcgate's ledger, whatever the types of its id and instant", async () => {
    await db.reset();
    await db.exec(`CREATE SCHEMA audit;
      CREATE TABLE audit.coordination_measurements (id uuid, measurement_type text, recorded_at text,
        elapsed_ms float8, agent_id text, payload jsonb);
      INSERT INTO audit.coordination_measurements VALUES
        ('00000000-0000-0000-0000-000000000001', '${LEASE}', '2026-05-20T12:00:00Z', 4, NULL, '{}');`);
    await migrate(db.writer(), migrationPlan(RANGE));
    const rows = (await listMeasurements(db.reader(), { limit: 5 })).rows;
    expect(rows.map((r) => [r.id, r.recorded_at, r.idempotency_key, r.recorded_by])).toEqual([
      ['00000000-0000-0000-0000-000000000001', '2026-05-20T12:00:00Z', null, null],
    ]);
  });

  it("lists rfcgate's measurement table without a team's own rfcgate.recorded_measurements, which it cannot join", async () => {
    await db.reset();
    await db.exec('CREATE SCHEMA rfcgate; CREATE TABLE rfcgate.recorded_measurements (x int);');
    await migrate(db.writer(), migrationPlan(RANGE));
    await db.exec(
      `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, elapsed_ms) VALUES ($1, $2, 5)`,
      [LEASE, AT.toISOString()],
    );
    const rows = (await listMeasurements(db.reader(), { limit: 5 })).rows;
    expect(rows.map((r) => [r.elapsed_ms, r.idempotency_key, r.recorded_by])).toEqual([[5, null, null]]);
  });

  it('what it records is what the wave3 lease-plane measurement reads', async () => {
    const asOf = new Date('2026-06-01T00:00:00Z');
    // 14 days x 80 rows, elapsed 10..89 ms; plus one keyed row.
    const inputs: MeasurementInput[] = [];
    for (let d = 0; d < 14; d++) {
      for (let i = 0; i < 80; i++) {
        inputs.push({
          type: LEASE,
          at: new Date(asOf.getTime() - (d + 1) * 86_400_000 + i * 60_000),
          elapsedMs: 10 + i,
        });
      }
    }
    inputs.push({ type: LEASE, at: new Date(asOf.getTime() - 3_600_000), elapsedMs: 50, idempotencyKey: 'last' });
    const bulk = await recordMeasurements(db.writer(), inputs, BY);
    expect(bulk).toMatchObject({ recorded: 1121, alreadyRecorded: 0 });
    expect(await count(db, 'rfcgate.recorded_measurements')).toBe(1121);
    const linked = await db.exec(
      `SELECT count(*)::int AS n FROM rfcgate.recorded_measurements r
       JOIN audit.coordination_measurements m ON m.id = r.measurement_id AND m.recorded_at = r.recorded_at
       WHERE m.elapsed_ms IS NOT DISTINCT FROM (SELECT elapsed_ms FROM audit.coordination_measurements WHERE id = r.measurement_id)`,
    );
    expect(linked[0]?.n).toBe(1121);

    const rfc = loadRfc(resolve('.'), 'wave3');
    const spec = rfc.measurements.get('lease_plane_p50_ms');
    if (!spec) throw new Error('wave3 has no lease_plane_p50_ms');
    const source = new SqlMeasurementSource({ open: () => db.reader() });
    try {
      const out = await source.measure(spec, evalContext(asOf));
      if (out.status !== 'ok') throw new Error(`${out.halt}: ${out.reason}`);
      expect(out.evidence.rows).toBe(1121);
      expect(out.evidence.days_with_rows).toBe(14);
      // 14 copies of 10..89 plus one 50: the 561st of 1121 sorted values.
      expect(out.value).toBe(50);
    } finally {
      await source.close();
    }
  });

  it('records a batch all or nothing', async () => {
    const good = { type: LEASE, at: AT, elapsedMs: 1 };
    const later = { type: LEASE, at: new Date('2027-02-01T00:00:00Z'), elapsedMs: 1 };
    const outside = { type: LEASE, at: new Date('2026-01-01T00:00:00Z'), elapsedMs: 1 };
    const now = { now: new Date('2027-02-01T00:00:00Z') };
    await expect(recordMeasurements(db.writer(), [good, later, good, outside], now)).rejects.toThrow(/no partition/);
    expect(await count(db, 'audit.coordination_measurements')).toBe(0);
    // The month made for `later` went with the rest.
    expect(await partitions(db, '2027')).toEqual([]);
    await expect(
      recordMeasurements(db.writer(), [
        { ...good, idempotencyKey: 'x' },
        { ...good, idempotencyKey: 'x' },
      ]),
    ).rejects.toThrow(/appears twice/);
  });

  it('lists the newest rows first, with the ledger columns, filtered by type', async () => {
    await recordMeasurement(db.writer(), { type: LEASE, at: AT, elapsedMs: 1, idempotencyKey: 'a' }, BY);
    await recordMeasurement(
      db.writer(),
      { type: 'measurement.comparator.run', at: new Date(AT.getTime() + 1000), elapsedMs: 2 },
      BY,
    );
    await db.exec(
      `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, elapsed_ms) VALUES ($1, $2, 3)`,
      [LEASE, new Date(AT.getTime() + 2000).toISOString()],
    );
    const all = (await listMeasurements(db.reader(), { limit: 10 })).rows;
    expect(all.map((r) => [r.elapsed_ms, r.idempotency_key, r.recorded_by])).toEqual([
      [3, null, null],
      [2, null, 'test-runner'],
      [1, 'a', 'test-runner'],
    ]);
    const lease = await listMeasurements(db.reader(), { limit: 1, type: LEASE });
    expect(lease.rows.map((r) => r.elapsed_ms)).toEqual([3]);
    expect(lease.truncated).toBe(true);
    // Cut at --limit, and said so; exactly --limit rows (of the type) is no cut.
    const cut = await listMeasurements(db.reader(), { limit: 2 });
    expect([cut.rows.map((r) => r.elapsed_ms), cut.truncated]).toEqual([[3, 2], true]);
    expect((await listMeasurements(db.reader(), { limit: 3 })).truncated).toBe(false);
    expect((await listMeasurements(db.reader(), { limit: 2, type: LEASE })).truncated).toBe(false);
  });

  it('records and lists an instant of the years 0-99 as written, its provenance with it', async () => {
    await migrate(
      db.writer(),
      migrationPlan({ from: new Date('0050-03-01T00:00:00Z'), to: new Date('0050-03-01T00:00:00Z') }),
    );
    const at = new Date('0050-03-15T10:00:00Z');
    const out = await recordMeasurement(db.writer(), { type: LEASE, at, elapsedMs: 1 }, BY);
    expect(out.recorded_at).toBe('0050-03-15T10:00:00.000Z');
    const [row] = (await listMeasurements(db.reader(), { limit: 1 })).rows;
    expect([row?.recorded_at, row?.recorded_by]).toEqual(['0050-03-15T10:00:00.000Z', 'test-runner']);
  });

  it('lists nothing from a database not migrated, or a table of another shape, and says why', async () => {
    await db.reset();
    await expect(listMeasurements(db.reader(), { limit: 5 })).rejects.toThrow(
      /audit\.coordination_measurements does not exist in .*; run `rfcgate db migrate` to create it/,
    );
    await db.exec(
      'CREATE SCHEMA audit; CREATE TABLE audit.coordination_measurements (id int, ts timestamptz, kind text, payload jsonb)',
    );
    const err = await listMeasurements(db.reader(), { limit: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as Error).message).toMatch(
      /has no columns recorded_at, measurement_type, elapsed_ms, agent_id: it is not the table/,
    );
  });

  it("lists a team's rows with no instant, an infinite one or no type, newest first and the timeless last", async () => {
    await db.reset();
    await db.exec(`CREATE SCHEMA audit;
      CREATE TABLE audit.coordination_measurements (id bigint, recorded_at timestamp, measurement_type text,
        elapsed_ms bigint, agent_id int, payload json);
      INSERT INTO audit.coordination_measurements VALUES
        (1, '2026-05-20 12:00:00', '${LEASE}', 1, 7, '{}'),
        (2, NULL, '${LEASE}', NULL, NULL, NULL),
        (3, 'infinity', NULL, NULL, NULL, NULL);`);
    const rows = (await listMeasurements(db.reader(), { limit: 10 })).rows;
    expect(rows.map((r) => [r.id, r.recorded_at, r.measurement_type, r.agent_id])).toEqual([
      ['3', 'infinity', null, null],
      ['1', '2026-05-20T12:00:00.000Z', LEASE, '7'],
      ['2', null, LEASE, null],
    ]);
    const table = measurementTable(rows).split('\n');
    expect(table[1]).toMatch(/^infinity +- +- +- +null/);
    expect(table[3]).toMatch(/^- +measurement\.lease_plane\.request +- +- +null/);
  });

  it("lists a team's table whose payload is text, JSON or not, or NULL, as it holds it", async () => {
    await db.reset();
    await db.exec(`CREATE SCHEMA audit;
      CREATE TABLE audit.coordination_measurements (id bigint, recorded_at timestamptz, measurement_type text,
        elapsed_ms numeric, agent_id text, payload text);
      INSERT INTO audit.coordination_measurements VALUES
        (1, '2026-05-20T12:00:00Z', '${LEASE}', 1.5, 'a', 'plain text'),
        (2, '2026-05-20T12:00:01Z', '${LEASE}', 2, NULL, NULL),
        (3, '2026-05-20T12:00:02Z', '${LEASE}', NULL, NULL, '{"runtime": "beam"}');`);
    const rows = (await listMeasurements(db.reader(), { limit: 10 })).rows;
    expect(rows.map((r) => [r.id, r.elapsed_ms, r.payload])).toEqual([
      ['3', null, { runtime: 'beam' }],
      ['2', 2, null],
      ['1', 1.5, 'plain text'],
    ]);
  });

  it("lists a team's numeric elapsed_ms exactly: a number when it is one, else its text", async () => {
    await db.reset();
    await db.exec(`CREATE SCHEMA audit;
      CREATE TABLE audit.coordination_measurements (id bigint, recorded_at timestamptz, measurement_type text,
        elapsed_ms numeric, agent_id text, payload jsonb);
      INSERT INTO audit.coordination_measurements VALUES
        (1, '2026-05-20T12:00:00Z', '${LEASE}', 12345678901234567890.5, NULL, '{}'),
        (2, '2026-05-20T12:00:01Z', '${LEASE}', 1.50, NULL, '{}'),
        (3, '2026-05-20T12:00:02Z', '${LEASE}', 'NaN', NULL, '{}'),
        (4, '2026-05-20T12:00:03Z', '${LEASE}', 9007199254740993, NULL, '{}'),
        (5, '2026-05-20T12:00:04Z', '${LEASE}', 0.1, NULL, '{}'),
        (6, '2026-05-20T12:00:05Z', '${LEASE}', 1e21, NULL, '{}');`);
    const rows = (await listMeasurements(db.reader(), { limit: 10 })).rows;
    expect(rows.map((r) => [r.id, r.elapsed_ms])).toEqual([
      ['6', 1e21],
      ['5', 0.1],
      ['4', '9007199254740993'],
      ['3', 'NaN'],
      ['2', 1.5],
      ['1', '12345678901234567890.5'],
    ]);
  });

  if (backend.name === 'postgres') {
    it('two recorders racing with one key store one row', async () => {
      const input = { type: LEASE, at: AT, elapsedMs: 5, idempotencyKey: 'race' };
      const outs = await Promise.all([1, 2, 3, 4].map(() => recordMeasurement(db.writer(), input, BY)));
      expect(outs.filter((o) => o.status === 'recorded')).toHaveLength(1);
      expect(await count(db, 'audit.coordination_measurements')).toBe(1);
    });

    it('a batch is recorded by a role let INSERT into the ledger tables, as one measure record is', async () => {
      // The grants the refusal of a role that may not write names: INSERT on the ledger tables
      // (and SELECT, which the idempotency lookup reads), with no grant on the tables' sequences.
      const role = await db.createRole();
      await db.exec(`GRANT USAGE ON SCHEMA audit, rfcgate TO ${role};
        GRANT SELECT, INSERT ON audit.coordination_measurements, rfcgate.recorded_measurements TO ${role};`);
      const writer = new PgWriter(db.url(role));
      try {
        expect(await recordMeasurement(writer, { type: LEASE, at: AT, elapsedMs: 1 }, BY)).toMatchObject({
          status: 'recorded',
        });
        const twin = { type: LEASE, at: AT, elapsedMs: 2, agentId: 'a1' };
        const out = await recordMeasurements(
          writer,
          [
            { ...twin, idempotencyKey: 'run:1' },
            { type: LEASE, at: AT, elapsedMs: 3, payload: { k: [1, { v: null }] } },
            { ...twin, idempotencyKey: 'run:2' },
            { type: LEASE, at: AT, value: 4 },
          ],
          { ...BY, keysChecked: true },
        );
        expect(out).toMatchObject({ recorded: 4, alreadyRecorded: 0 });
      } finally {
        await writer.close();
      }
      // Each ledger row names its own measurement row, with that row's content.
      const rows = await db.exec(
        `SELECT m.elapsed_ms, m.agent_id, m.payload, r.value, r.idempotency_key
         FROM audit.coordination_measurements m
         JOIN rfcgate.recorded_measurements r ON r.measurement_id = m.id AND r.recorded_at = m.recorded_at
         ORDER BY m.elapsed_ms NULLS LAST, r.idempotency_key`,
      );
      expect(rows).toEqual([
        { elapsed_ms: 1, agent_id: null, payload: {}, value: null, idempotency_key: null },
        { elapsed_ms: 2, agent_id: 'a1', payload: {}, value: null, idempotency_key: 'run:1' },
        { elapsed_ms: 2, agent_id: 'a1', payload: {}, value: null, idempotency_key: 'run:2' },
        { elapsed_ms: 3, agent_id: null, payload: { k: [1, { v: null }] }, value: null, idempotency_key: null },
        { elapsed_ms: null, agent_id: null, payload: { value: 4 }, value: 4, idempotency_key: null },
      ]);
      expect(await count(db, 'rfcgate.recorded_measurements')).toBe(5);
    });
  }
});

describe('an unreachable database', () => {
  it('fails with one clear line, the endpoint and no password; nothing is written', async () => {
    const port = await unusedPort();
    const secret = 'S3cret-pw-never-shown';
    const writer = new PgWriter(`postgres://rfcgate:${secret}@127.0.0.1:${port}/ledger?password=${secret}`);
    try {
      expect(writer.describe()).toBe(`127.0.0.1:${port}/ledger`);
      const err = await recordMeasurement(writer, { type: LEASE, at: AT, elapsedMs: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlWriteError);
      expect((err as SqlWriteError).unreachable).toBe(true);
      expect((err as Error).message).toBe(
        `database unreachable at 127.0.0.1:${port} (ECONNREFUSED); nothing was written`,
      );
      expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain(secret);
    } finally {
      await writer.close();
    }
  });
});

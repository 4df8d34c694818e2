import { beforeEach, describe, expect, it } from 'vitest';
import {
  defaultMigrationRange,
  dryRunOnEmpty,
  MANAGED_MARKER,
  MAX_PLAN_MONTHS,
  migrate,
  migrationPlan,
  migrationSql,
  monthsCovering,
  partitionName,
} from '../../src/ledger/schema.js';
import { PgWriter, SqlWriteError } from '../../src/sources/sql/writer.js';
import { catalogSnapshot, count, planBefore, testBackends, useLedgerDatabase } from './helpers.js';

const RANGE = { from: new Date('2026-04-15T00:00:00Z'), to: new Date('2026-07-03T00:00:00Z') };
const MONTHS = ['2026m04', '2026m05', '2026m06', '2026m07'];
/** The month in the name of each partition `db migrate` creates. */
const WAVE3_PARTITION_NAME = /y([0-9]{4}m[0-9]{2})$/;

describe('migrationPlan (pure)', () => {
  it('names monthly partitions coordination_measurements_yYYYYmMM over every month [from, to] touches', () => {
    const plan = migrationPlan(RANGE);
    const partitions = plan.filter((s) => s.kind === 'partition');
    expect(partitions.map((p) => p.name)).toEqual(MONTHS.map((m) => `coordination_measurements_y${m}`));
    expect(partitions[0]?.range).toEqual({ start: '2026-04-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' });
    expect(partitions.at(-1)?.range).toEqual({ start: '2026-07-01T00:00:00.000Z', end: '2026-08-01T00:00:00.000Z' });
    for (const p of partitions) expect(WAVE3_PARTITION_NAME.exec(p.name)?.[1]).toMatch(/^2026m0[4-7]$/);
    expect(partitions[0]?.sql[0]).toContain("FOR VALUES FROM ('2026-04-01 00:00:00+00') TO ('2026-05-01 00:00:00+00')");
  });

  it('creates the objects in dependency order, each marked', () => {
    const plan = migrationPlan(RANGE);
    expect(plan.map((s) => s.id)).toEqual([
      'schema:audit',
      'table:audit.coordination_measurements',
      'index:audit.coordination_measurements_type_time',
      ...MONTHS.map((m) => `partition:audit.coordination_measurements_y${m}`),
      'schema:rfcgate',
      'table:rfcgate.recorded_measurements',
      'table:rfcgate.gate_runs',
      'column:rfcgate.gate_runs.snapshot_at',
      'column:rfcgate.gate_runs.run_key',
      'index:rfcgate.gate_runs_rfc_run_key',
      'table:rfcgate.gate_results',
      'table:rfcgate.comparator_windows',
    ]);
    for (const step of plan) expect(step.sql.join('\n')).toContain(`IS '${MANAGED_MARKER}'`);
  });

  it('spells the RFC §6 table', () => {
    const table = migrationPlan(RANGE)[1]?.sql[0] ?? '';
    expect(table).toMatch(/id\s+bigint GENERATED ALWAYS AS IDENTITY/);
    expect(table).toContain("CHECK (measurement_type LIKE 'measurement.%')");
    expect(table).toContain("CHECK (jsonb_typeof(payload) = 'object')");
    expect(table).toContain('PRIMARY KEY (id, recorded_at)');
    expect(table).toContain('PARTITION BY RANGE (recorded_at)');
  });

  it('defaults to three months back and two ahead, in whole UTC months', () => {
    const r = defaultMigrationRange(new Date('2026-01-20T10:00:00Z'));
    expect(monthsCovering(r.from, r.to).map((m) => partitionName(m))).toEqual([
      'coordination_measurements_y2025m10',
      'coordination_measurements_y2025m11',
      'coordination_measurements_y2025m12',
      'coordination_measurements_y2026m01',
      'coordination_measurements_y2026m02',
      'coordination_measurements_y2026m03',
    ]);
  });

  it('reads only the months of from and to: two days of one month, either way round, are that month', () => {
    for (const [from, to] of [
      ['2026-06-15T00:00:00Z', '2026-06-10T00:00:00Z'],
      ['2026-06-01T10:00:00.123Z', '2026-06-01T00:00:00Z'],
    ] as const) {
      expect(monthsCovering(new Date(from), new Date(to)).map((m) => partitionName(m))).toEqual([
        'coordination_measurements_y2026m06',
      ]);
    }
    expect(() => monthsCovering(new Date('2026-07-01T00:00:00Z'), new Date('2026-06-30T23:59:59Z'))).toThrow(
      /is in a month after to's/,
    );
  });

  it('keeps the year of a month before 0100 or in 9999, spelling each bound as PostgreSQL reads it', () => {
    const early = migrationPlan({ from: new Date('0001-01-01T00:00:00Z'), to: new Date('0001-02-01T00:00:00Z') });
    const parts = early.filter((s) => s.kind === 'partition');
    expect(parts.map((p) => p.name)).toEqual([
      'coordination_measurements_y0001m01',
      'coordination_measurements_y0001m02',
    ]);
    expect(parts[1]?.sql[0]).toContain("FROM ('0001-02-01 00:00:00+00') TO ('0001-03-01 00:00:00+00')");
    const late = migrationPlan({ from: new Date('9999-12-01T00:00:00Z'), to: new Date('9999-12-31T00:00:00Z') });
    const last = late.find((s) => s.kind === 'partition');
    expect(last?.description).toBe('partition audit.coordination_measurements_y9999m12 [9999-12-01, 10000-01-01)');
    expect(last?.sql[0]).toContain("FROM ('9999-12-01 00:00:00+00') TO ('10000-01-01 00:00:00+00')");
  });

  it('rejects a reversed or absurd range', () => {
    expect(() => migrationPlan({ from: RANGE.to, to: RANGE.from })).toThrow(/is in a month after to's/);
    expect(() =>
      migrationPlan({ from: new Date('2000-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z') }),
    ).toThrow(new RegExp(`more than ${MAX_PLAN_MONTHS} months`));
  });

  it('a dry run on a database that does not exist yet would create everything', () => {
    const plan = migrationPlan(RANGE);
    const r = dryRunOnEmpty(plan, 'pglite:.rfcgate/pgdata');
    expect(r.created).toBe(plan.length);
    expect(r.changed).toBe(false);
    const sql = migrationSql(r);
    expect(sql).toMatch(/^-- rfcgate db migrate on pglite:\.rfcgate\/pgdata \(dry run: nothing was written\)\nBEGIN;/);
    expect(sql.trimEnd()).toMatch(/COMMIT;$/);
  });
});

describe.each(testBackends())('migrate on $name', (backend) => {
  const db = useLedgerDatabase(backend);
  beforeEach(() => db.reset());

  it('creates every object, marked, with partitions covering the range', async () => {
    const plan = migrationPlan(RANGE);
    const r = await migrate(db.writer(), plan, { now: new Date('2026-06-01T00:00:00Z') });
    expect(r.changed).toBe(true);
    expect(r.created).toBe(plan.length);
    expect(r.refused + r.blocked).toBe(0);
    expect(r.outcomes.every((o) => o.status === 'created' && o.note === undefined)).toBe(true);

    const table = await db.exec(
      `SELECT c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c WHERE c.oid = 'audit.coordination_measurements'::regclass`,
    );
    expect(table).toEqual([{ kind: 'p', comment: MANAGED_MARKER }]);
    const parts = await db.exec(
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit.coordination_measurements'::regclass AND c.relkind IN ('r', 'p')
       ORDER BY c.relname`,
    );
    expect(parts.map((p) => p.name)).toEqual(MONTHS.map((m) => `coordination_measurements_y${m}`));
    expect(parts.every((p) => p.comment === MANAGED_MARKER)).toBe(true);
    expect(String(parts[0]?.bound)).toMatch(/FROM \('2026-04-01 00:00:00\+00'\) TO \('2026-05-01 00:00:00\+00'\)/);
    const index = await db.exec(
      `SELECT pg_get_indexdef('audit.coordination_measurements_type_time'::regclass) AS def,
              obj_description('audit.coordination_measurements_type_time'::regclass, 'pg_class') AS comment`,
    );
    expect(String(index[0]?.def)).toMatch(/\(measurement_type, recorded_at\)/);
    expect(index[0]?.comment).toBe(MANAGED_MARKER);
    for (const t of ['rfcgate.recorded_measurements', 'rfcgate.gate_runs', 'rfcgate.gate_results']) {
      const c = await db.exec(`SELECT obj_description($1::regclass, 'pg_class') AS comment`, [t]);
      expect(c[0]?.comment).toBe(MANAGED_MARKER);
    }

    // The wave3 stop-sign #12 query reads these bounds: as of far in the future every partition is overdue.
    const overdue = await db.exec(
      `SELECT count(*)::int AS value
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit.coordination_measurements'::regclass
         AND substring(pg_get_expr(c.relpartbound, c.oid) from 'TO \\(''([^'']+)''\\)')::timestamptz
             < $1::timestamptz - interval '97 days'`,
      ['2026-11-06T00:00:00Z'],
    );
    // Partitions ending on or before 2026-07-31 are overdue on 2026-11-06: April, May, June.
    expect(overdue[0]?.value).toBe(3);
  });

  it('a second run reports nothing to do and changes nothing', async () => {
    const plan = migrationPlan(RANGE);
    await migrate(db.writer(), plan);
    const before = await catalogSnapshot(db);
    const again = await migrate(db.writer(), plan);
    expect(again.changed).toBe(false);
    expect(again.created).toBe(0);
    expect(again.present).toBe(plan.length);
    expect(again.outcomes.every((o) => o.status === 'present')).toBe(true);
    expect(migrationSql(again)).toMatch(/-- nothing to do/);
    expect(await catalogSnapshot(db)).toBe(before);
  });

  it('extends the partitions when the range grows, touching nothing else', async () => {
    await migrate(db.writer(), migrationPlan(RANGE));
    const r = await migrate(db.writer(), migrationPlan({ from: RANGE.from, to: new Date('2026-09-10T00:00:00Z') }));
    expect(r.outcomes.filter((o) => o.status === 'created').map((o) => o.step.name)).toEqual([
      'coordination_measurements_y2026m08',
      'coordination_measurements_y2026m09',
    ]);
  });

  it('--dry-run writes nothing and says what it would create', async () => {
    const before = await catalogSnapshot(db);
    const plan = migrationPlan(RANGE);
    const r = await migrate(db.writer(), plan, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.changed).toBe(false);
    expect(r.created).toBe(plan.length);
    expect(r.outcomes.every((o) => o.status === 'would_create')).toBe(true);
    expect(await catalogSnapshot(db)).toBe(before);
    expect(migrationSql(r)).toContain('CREATE TABLE audit.coordination_measurements_y2026m04');
  });

  it("refuses a team's own audit.coordination_measurements, leaves it unchanged, and still creates the ledger", async () => {
    await db.exec(`CREATE SCHEMA audit;
      CREATE TABLE audit.coordination_measurements (id bigserial PRIMARY KEY, kind text, at timestamptz, ms float8);
      INSERT INTO audit.coordination_measurements (kind, at, ms) VALUES ('lease', '2026-05-01T00:00:00Z', 4);`);
    const before = await catalogSnapshot(db);
    const r = await migrate(db.writer(), migrationPlan(RANGE));
    const byId = new Map(r.outcomes.map((o) => [o.step.id, o]));
    expect(byId.get('table:audit.coordination_measurements')).toMatchObject({
      status: 'refused',
      note: expect.stringMatching(/not created by rfcgate.*left unchanged/),
    });
    expect(byId.get('schema:audit')).toMatchObject({ status: 'present', note: expect.stringMatching(/used as is/) });
    expect(byId.get('index:audit.coordination_measurements_type_time')?.status).toBe('blocked');
    expect(r.outcomes.filter((o) => o.step.kind === 'partition').every((o) => o.status === 'blocked')).toBe(true);
    expect(r.refused).toBe(1);
    // The rfcgate schema and its four tables (recorded_measurements, gate_runs, gate_results,
    // comparator_windows), and the two columns and the index added to gate_runs since its first release.
    expect(r.created).toBe(8);

    // The team's table and schema are exactly as they were: same oid, columns, constraints, no comment, no partitions.
    const after = JSON.parse(await catalogSnapshot(db)) as { rels: { name: string }[]; schemas: unknown[] };
    const theirs = (s: { rels: { name: string }[] }) => s.rels.filter((x) => x.name.startsWith('audit.'));
    expect(theirs(after)).toEqual(theirs(JSON.parse(before)));
    expect(after.schemas).toContainEqual({ nspname: 'audit', comment: '' });
    expect(await count(db, 'audit.coordination_measurements')).toBe(1);
    // ... and the ledger exists.
    expect(await count(db, 'rfcgate.gate_runs')).toBe(0);

    const again = await migrate(db.writer(), migrationPlan(RANGE));
    expect(again.changed).toBe(false);
    expect(again.refused).toBe(1);
  });

  it('adds the columns a ledger created by an earlier version lacks, keeping its rows, and then has nothing to do', async () => {
    // The plan of the version before gate_runs.snapshot_at: the same CREATE statements, without the column step.
    const plan = migrationPlan(RANGE);
    await migrate(db.writer(), planBefore(plan, 'rfcgate.gate_runs.snapshot_at'));
    await db.exec(`INSERT INTO rfcgate.gate_runs (rfc, as_of, ref, verdict, results, recorded_by)
      VALUES ('wave3', '2026-05-01T00:00:00Z', 'HEAD', 'pass', 0, 'ci')`);
    const dry = await migrate(db.writer(), plan, { dryRun: true });
    expect(dry.outcomes.filter((o) => o.status !== 'present').map((o) => [o.step.id, o.status])).toEqual([
      ['column:rfcgate.gate_runs.snapshot_at', 'would_create'],
      ['column:rfcgate.gate_runs.run_key', 'would_create'],
      ['index:rfcgate.gate_runs_rfc_run_key', 'would_create'],
    ]);
    expect(migrationSql(dry)).toContain(
      'ALTER TABLE rfcgate.gate_runs ADD COLUMN IF NOT EXISTS snapshot_at timestamptz;',
    );

    const r = await migrate(db.writer(), plan);
    expect(r.changed).toBe(true);
    expect(r.outcomes.filter((o) => o.status !== 'present').map((o) => [o.step.id, o.status])).toEqual([
      ['column:rfcgate.gate_runs.snapshot_at', 'created'],
      ['column:rfcgate.gate_runs.run_key', 'created'],
      ['index:rfcgate.gate_runs_rfc_run_key', 'created'],
    ]);
    expect(r.present).toBe(plan.length - 3);
    expect(
      await db.exec(
        `SELECT format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, col_description(a.attrelid, a.attnum) AS comment
         FROM pg_attribute a WHERE a.attrelid = 'rfcgate.gate_runs'::regclass AND a.attname = 'snapshot_at'`,
      ),
    ).toEqual([{ type: 'timestamp with time zone', not_null: false, comment: MANAGED_MARKER }]);
    expect(await db.exec('SELECT rfc, snapshot_at FROM rfcgate.gate_runs')).toEqual([
      { rfc: 'wave3', snapshot_at: null },
    ]);

    const before = await catalogSnapshot(db);
    const again = await migrate(db.writer(), plan);
    expect(again.changed).toBe(false);
    expect(again.present).toBe(plan.length);
    expect(await catalogSnapshot(db)).toBe(before);
  });

  it('adds no column to a gate_runs table rfcgate did not create', async () => {
    await db.exec('CREATE SCHEMA rfcgate; CREATE TABLE rfcgate.gate_runs (id int, note text);');
    const before = await catalogSnapshot(db);
    const r = await migrate(db.writer(), migrationPlan(RANGE));
    const byId = new Map(r.outcomes.map((o) => [o.step.id, o]));
    expect(byId.get('table:rfcgate.gate_runs')?.status).toBe('refused');
    expect(byId.get('column:rfcgate.gate_runs.snapshot_at')).toMatchObject({
      status: 'blocked',
      note: expect.stringMatching(/would build on rfcgate\.gate_runs/),
    });
    expect(byId.get('index:rfcgate.gate_runs_rfc_run_key')).toMatchObject({
      status: 'blocked',
      note: expect.stringMatching(/would build on rfcgate\.gate_runs/),
    });
    const theirs = (snap: string) =>
      (JSON.parse(snap) as { rels: { name: string }[] }).rels.filter((x) => x.name === 'rfcgate.gate_runs');
    expect(theirs(await catalogSnapshot(db))).toEqual(theirs(before));
  });

  it('the CHECK constraints reject a type outside measurement.* and a payload that is not an object', async () => {
    await migrate(db.writer(), migrationPlan(RANGE));
    await expect(
      db.exec(
        `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at) VALUES ('coordination_failure.x', '2026-05-01T00:00:00Z')`,
      ),
    ).rejects.toThrow(/check constraint/);
    await expect(
      db.exec(
        `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, payload) VALUES ('measurement.a.b', '2026-05-01T00:00:00Z', '[1, 2]')`,
      ),
    ).rejects.toThrow(/check constraint/);
    await expect(
      db.exec(
        `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at) VALUES ('measurement.a.b', '2031-01-01T00:00:00Z')`,
      ),
    ).rejects.toThrow(/no partition/);
    await db.exec(
      `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at) VALUES ('measurement.a.b', '2026-05-01T00:00:00Z')`,
    );
    const rows = await db.exec('SELECT tableoid::regclass::text AS part, payload FROM audit.coordination_measurements');
    expect(rows).toEqual([{ part: 'audit.coordination_measurements_y2026m05', payload: {} }]);
  });

  it('creates the partitions of a month before 0100 and of 9999-12, which then hold their rows', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const month = (iso: string) => ({ from: new Date(iso), to: new Date(iso) });
    await migrate(db.writer(), migrationPlan(month('0050-03-01T00:00:00Z')), { now });
    await migrate(db.writer(), migrationPlan(month('9999-12-01T00:00:00Z')), { now });
    await db.exec(
      `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at)
       VALUES ('measurement.a.b', '0050-03-15T00:00:00Z'), ('measurement.a.b', '9999-12-31T23:00:00Z')`,
    );
    const rows = await db.exec(
      'SELECT tableoid::regclass::text AS part FROM audit.coordination_measurements ORDER BY recorded_at',
    );
    expect(rows.map((r) => r.part)).toEqual([
      'audit.coordination_measurements_y0050m03',
      'audit.coordination_measurements_y9999m12',
    ]);
  });

  it('notes a partition created already past the 90-day retention window', async () => {
    const r = await migrate(db.writer(), migrationPlan(RANGE), { now: new Date('2026-10-15T00:00:00Z') });
    const notes = r.outcomes.filter((o) => o.note).map((o) => o.step.name);
    expect(notes).toEqual([
      'coordination_measurements_y2026m04',
      'coordination_measurements_y2026m05',
      'coordination_measurements_y2026m06',
    ]);
  });

  it('rolls the whole migration back when one statement fails: nothing half-created', async () => {
    // The last step fails after every other object was created in the same transaction.
    const plan = migrationPlan(RANGE);
    const broken = plan.map((s) =>
      s.id === 'table:rfcgate.gate_results' ? { ...s, sql: [...s.sql, 'SELECT 1/0'] } : s,
    );
    const before = await catalogSnapshot(db);
    await expect(migrate(db.writer(), broken)).rejects.toThrow(/division by zero/);
    expect(await catalogSnapshot(db)).toBe(before);
  });

  if (backend.name === 'postgres') {
    it('a role without CREATE gets the privilege it lacks named, and nothing is created', async () => {
      const role = await db.createRole();
      const writer = new PgWriter(db.url(role));
      try {
        const err = await migrate(writer, migrationPlan(RANGE)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SqlWriteError);
        expect((err as SqlWriteError).sqlstate).toBe('42501');
        expect((err as Error).message).toMatch(
          /permission denied .*the role needs CREATE on the database for db migrate/,
        );
      } finally {
        await writer.close();
      }
      expect(
        await db.exec("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname IN ('audit', 'rfcgate')"),
      ).toEqual([{ n: 0 }]);
    });

    it('a database that accepts no writes is named as such', async () => {
      const writer = new PgWriter(`${db.url()}?options=-c%20default_transaction_read_only%3Don`);
      try {
        const err = await migrate(writer, migrationPlan(RANGE)).catch((e: unknown) => e);
        expect((err as SqlWriteError).sqlstate).toBe('25006');
        expect((err as Error).message).toMatch(/accepts no writes here/);
      } finally {
        await writer.close();
      }
    });

    it('two migrations at once: one creates, the other finds everything present', async () => {
      const plan = migrationPlan(RANGE);
      const [a, b] = await Promise.all([migrate(db.writer(), plan), migrate(db.writer(), plan)]);
      expect([a.created, b.created].sort((x, y) => x - y)).toEqual([0, plan.length]);
    });
  }
});

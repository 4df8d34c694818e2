/**
 * `comparator run --record` with `record.events`: one event per listed divergent key in the
 * application's event table (wave3 §8), in the run's transaction, stored once per run id, and
 * counted once by wave3's shadow_divergences_7d beside the run rows that carry the totals.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadComparator } from '../../src/comparator/cli.js';
import { recordRun } from '../../src/comparator/record.js';
import { comparatorExitCode, runComparator } from '../../src/comparator/run.js';
import { readWindows } from '../../src/comparator/window.js';
import { LedgerError } from '../../src/ledger/errors.js';
import { defaultMigrationRange, migrate, migrationPlan } from '../../src/ledger/schema.js';
import { SqlMeasurementSource } from '../../src/sources/sql/source.js';
import { PgClient, SqlHaltError } from '../../src/sources/sql/client.js';
import { PgWriter } from '../../src/sources/sql/writer.js';
import { loadRfc } from '../../src/spec/load.js';
import { testBackends, type TestDatabase, useTestDatabase } from '../helpers/db.js';
import { evalContext } from '../sources/sql/fixtures.js';
import { pairSpec, specFrom, SPEC_FILE, specWithProblems } from './helpers.js';

const T1 = new Date('2026-06-01T10:00:00Z');
const T2 = new Date('2026-06-01T11:00:00Z');
const EVENT = 'coordination_failure.beam_python_boundary.shadow_divergence';

/** A one-pair spec over `<schema>.c` and `<schema>.s` writing events to `table`. */
const eventSpec = (schema: string, table = 'audit.coordination_events', errorClass = '') =>
  specFrom(`record:
  events:
    table: ${table}
    event_type: ${EVENT}
${errorClass ? `    error_class: ${errorClass}\n` : ''}pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: [id]
    compare: all
`);

/** The event table as the demo's governed database has it. */
const EVENTS_DDL = `CREATE TABLE IF NOT EXISTS audit.coordination_events (
  id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL, payload jsonb NOT NULL DEFAULT '{}')`;

async function compareAndRecord(
  db: TestDatabase,
  spec: ReturnType<typeof eventSpec>,
  asOf: Date,
  runId: string,
  limit = 10,
) {
  const client = db.client();
  let report;
  try {
    const windows = await readWindows(client, 't', 30_000);
    report = await runComparator({
      client,
      rfc: 't',
      spec,
      asOf,
      mode: 'run',
      limit,
      timeoutMs: 30_000,
      ...(windows ? { windows } : {}),
    });
  } finally {
    await client.close();
  }
  const recorded = await recordRun(db.writer(), {
    report,
    spec,
    runId,
    asOf,
    elapsedMs: new Map([['p', 5]]),
    selfTests: new Map(),
  });
  return { report, recorded };
}

/** A migrated ledger holding no run, and no event table yet: each case starts from it. */
async function freshLedger(db: TestDatabase) {
  await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
  await db.exec(`DROP TABLE IF EXISTS audit.coordination_events; DELETE FROM audit.coordination_measurements;
                 DELETE FROM rfcgate.recorded_measurements; DELETE FROM rfcgate.comparator_windows`);
}

const count = async (db: TestDatabase, sql: string): Promise<number> =>
  Number((await db.exec(`SELECT count(*)::int AS n FROM ${sql}`))[0]?.n);

describe('record.events in comparator.yaml', () => {
  const pair = `pairs:
  - id: p
    canonical: a.c
    shadow: a.s
    key: [id]
    compare: all
`;

  it("reads the table, the event type and the error class, which defaults to the RFC's", () => {
    expect(eventSpec('a', 'audit.coordination_events').record.events).toMatchObject({
      table: { schema: 'audit', name: 'coordination_events', text: 'audit.coordination_events' },
      eventType: EVENT,
      errorClass: 'shadow_divergence',
      at: { file: SPEC_FILE, line: 4, col: 12 },
    });
    expect(specFrom(pair).record.events).toBeUndefined();
  });

  it("wave3's comparator.yaml writes RFC §8's events", async () => {
    const { spec } = await loadComparator(resolve('.'), 'wave3');
    expect(spec.record.events).toMatchObject({
      table: { text: 'audit.coordination_events' },
      eventType: EVENT,
      errorClass: 'shadow_divergence',
    });
  });

  it('refuses a table that is no schema.table, and an events block without its event type', () => {
    const bad = specWithProblems(
      `record:\n  events:\n    table: coordination_events\n    event_type: ${EVENT}\n${pair}`,
    );
    expect(bad.problems.map((p) => [p.line, p.col, p.message])).toEqual([
      [4, 12, expect.stringMatching(/^record\.events: table 'coordination_events' is not a table name: /)],
    ]);
    const untyped = specWithProblems(`record:\n  events:\n    table: audit.coordination_events\n${pair}`);
    expect(untyped.problems.map((p) => p.message)).toEqual([expect.stringMatching(/event_type/)]);
  });
});

describe.each(testBackends())('comparator run --record writing divergence events ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it("writes one event per listed divergent key with the RFC's payload, with the run rows, once per run id", async () => {
    await freshLedger(db);
    await db.exec(`${EVENTS_DDL};
      CREATE SCHEMA e1; CREATE TABLE e1.c (id int PRIMARY KEY, v int, w int); CREATE TABLE e1.s (LIKE e1.c);
      INSERT INTO e1.c VALUES (1, 1, 1), (2, 2, 2), (5, 5, 5); INSERT INTO e1.s VALUES (1, 1, 1), (2, 20, 21), (3, 3, 3);`);
    const spec = eventSpec('e1');
    const first = await compareAndRecord(db, spec, T1, 'run-1');
    expect(first.recorded).toMatchObject({ recorded: 4, events: 3, already_recorded: 0, windows: 1 });
    const events = await db.exec(
      `SELECT event_type, recorded_at, payload FROM audit.coordination_events ORDER BY payload->>'kind'`,
    );
    expect(events.map((e) => [e.event_type, new Date(String(e.recorded_at)).toISOString()])).toEqual(
      Array(3).fill([EVENT, T1.toISOString()]),
    );
    expect(events.map((e) => e.payload)).toEqual([
      {
        table: 'e1.c',
        key: { id: '3' },
        kind: 'canonical_missing',
        columns: [],
        run_id: 'run-1',
        error_class: 'shadow_divergence',
      },
      {
        table: 'e1.c',
        key: { id: '5' },
        kind: 'shadow_missing',
        columns: [],
        run_id: 'run-1',
        error_class: 'shadow_divergence',
      },
      {
        table: 'e1.c',
        key: { id: '2' },
        kind: 'value_mismatch',
        columns: ['v', 'w'],
        run_id: 'run-1',
        error_class: 'shadow_divergence',
      },
    ]);
    // Recorded again (a retry within the hour, another divergence since): stored once, as first measured.
    await db.exec('INSERT INTO e1.s VALUES (4, 4, 4)');
    const again = await compareAndRecord(db, spec, new Date(T1.getTime() + 60_000), 'run-1');
    expect(again.report.pairs[0]?.counts?.divergent).toBe(4);
    expect(again.recorded).toMatchObject({ recorded: 0, events: 0, already_recorded: 4, windows: 0 });
    expect(await count(db, 'audit.coordination_events')).toBe(3);
    // The next run writes its own, under its own run id; a clean run writes none.
    await db.exec('DELETE FROM e1.s; INSERT INTO e1.s SELECT * FROM e1.c');
    const clean = await compareAndRecord(db, spec, T2, 'run-2');
    expect(clean.recorded).toMatchObject({ recorded: 1, events: 0 });
    expect(await count(db, 'audit.coordination_events')).toBe(3);
  });

  it('writes events for the listed keys only: the run row keeps the total', async () => {
    await freshLedger(db);
    await db.exec(`${EVENTS_DDL};
      CREATE SCHEMA e2; CREATE TABLE e2.c (id int PRIMARY KEY, v int); CREATE TABLE e2.s (LIKE e2.c);
      INSERT INTO e2.c SELECT g, 1 FROM generate_series(1, 5) g; INSERT INTO e2.s SELECT g, 2 FROM generate_series(1, 5) g;`);
    const { recorded } = await compareAndRecord(
      db,
      eventSpec('e2', 'audit.coordination_events', 'drift'),
      T1,
      'cap',
      2,
    );
    expect(recorded).toMatchObject({ recorded: 3, events: 2 });
    const run = await db.exec(
      `SELECT payload->>'divergent' AS divergent, payload->>'listed' AS listed FROM audit.coordination_measurements
       WHERE measurement_type = 'measurement.comparator.run'`,
    );
    expect(run).toEqual([{ divergent: '5', listed: '2' }]);
    const classes = await db.exec(`SELECT DISTINCT payload->>'error_class' AS c FROM audit.coordination_events`);
    expect(classes).toEqual([{ c: 'drift' }]);
  });

  it("the divergence rows carry record.events' error_class, as the events do: one divergence, one class", async () => {
    await freshLedger(db);
    await db.exec(`${EVENTS_DDL};
      CREATE SCHEMA e5; CREATE TABLE e5.c (id int PRIMARY KEY, v int); CREATE TABLE e5.s (LIKE e5.c);
      INSERT INTO e5.c VALUES (1, 1), (2, 2); INSERT INTO e5.s VALUES (1, 10), (3, 3);`);
    const { recorded } = await compareAndRecord(db, eventSpec('e5', 'audit.coordination_events', 'drift'), T1, 'ec');
    expect(recorded).toMatchObject({ recorded: 4, events: 3 });
    const rows = await db.exec(
      `SELECT payload->>'kind' AS kind, payload->>'error_class' AS error_class FROM audit.coordination_measurements
       WHERE measurement_type = 'measurement.comparator.divergence' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { kind: 'canonical_missing', error_class: 'drift' },
      { kind: 'shadow_missing', error_class: 'drift' },
      { kind: 'value_mismatch', error_class: 'drift' },
    ]);
    const events = await db.exec(
      `SELECT DISTINCT payload->>'error_class' AS error_class FROM audit.coordination_events`,
    );
    expect(events).toEqual([{ error_class: 'drift' }]);
  });

  it('an event table that does not exist, or cannot take the events, is a ledger error and nothing is written', async () => {
    await freshLedger(db);
    await db.exec(`CREATE SCHEMA e3; CREATE TABLE e3.c (id int PRIMARY KEY, v int); CREATE TABLE e3.s (LIKE e3.c);
      INSERT INTO e3.c VALUES (1, 1); INSERT INTO e3.s VALUES (1, 1);
      CREATE SCHEMA app;
      CREATE TABLE app.no_payload (id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL);
      CREATE TABLE app.text_payload (event_type text, recorded_at date, payload text, agent_id text NOT NULL);`);
    const nothingWritten = async () => {
      expect(await count(db, `audit.coordination_measurements WHERE payload->>'pair' = 'p'`)).toBe(0);
      expect(await count(db, `rfcgate.comparator_windows WHERE rfc = 't'`)).toBe(0);
    };
    // A clean run checks the table too: otherwise the first divergence would be the first to find it missing.
    const missing = await compareAndRecord(db, eventSpec('e3', 'app.events'), T1, 'm1').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(LedgerError);
    expect((missing as LedgerError).message).toMatch(
      new RegExp(
        `^app\\.events, the event table comparator\\.yaml's record\\.events names \\(${SPEC_FILE.replace(/\./g, '\\.')}:4:12\\), does not exist in .*; rfcgate does not create it \\(it is the application's\\): create it with columns event_type, recorded_at and payload, or name the right table; nothing was written$`,
      ),
    );
    await nothingWritten();
    const lacking = await compareAndRecord(db, eventSpec('e3', 'app.no_payload'), T1, 'm2').catch((e: unknown) => e);
    expect((lacking as LedgerError).message).toMatch(
      /^app\.no_payload in .*, the event table comparator\.yaml's record\.events names \(.*:4:12\), cannot take the comparator's events: it has no column payload; fix the table or name another; nothing was written$/,
    );
    const drifted = await compareAndRecord(db, eventSpec('e3', 'app.text_payload'), T1, 'm3').catch((e: unknown) => e);
    expect((drifted as LedgerError).message).toMatch(
      /cannot take the comparator's events: its payload is text, not json or jsonb; its recorded_at is date, not a timestamp; column agent_id is NOT NULL without a default, and an event sets only event_type, recorded_at and payload; fix the table/,
    );
    await nothingWritten();
  });

  it('wave3 shadow_divergences_7d counts a run written to both channels once, plus the events of another emitter', async () => {
    await freshLedger(db);
    await db.exec(`${EVENTS_DDL};
      CREATE SCHEMA e4; CREATE TABLE e4.c (id int PRIMARY KEY, v int); CREATE TABLE e4.s (LIKE e4.c);
      INSERT INTO e4.c SELECT g, 1 FROM generate_series(1, 3) g; INSERT INTO e4.s SELECT g, 2 FROM generate_series(1, 3) g;`);
    // Three divergent keys, two of them listed and written as events.
    await compareAndRecord(db, eventSpec('e4'), T1, 'hourly-10', 2);
    // Another comparator (the application's own) reports to the event table alone; one of its
    // events even names the same hourly run id and table, at another instant.
    await db.exec(
      `INSERT INTO audit.coordination_events (event_type, recorded_at, payload) VALUES
         ($1, $2, '{"table": "core.agents", "run_id": "py-7", "error_class": "shadow_divergence"}'),
         ($1, $3, '{"table": "e4.c", "run_id": "hourly-10", "error_class": "shadow_divergence"}'),
         ($1, $3, '{}')`,
      [EVENT, T1.toISOString(), new Date(T1.getTime() + 1_000).toISOString()],
    );
    const wave3 = loadRfc(resolve('.'), 'wave3');
    const m = wave3.measurements.get('shadow_divergences_7d');
    if (!m) throw new Error('wave3 has no shadow_divergences_7d');
    const source = new SqlMeasurementSource({ open: () => db.client(), now: () => T2 });
    try {
      const out = await source.measure(m, evalContext(T2));
      // 3 (the run row's total) + 3 events of the other emitter; rfcgate's own 2 events not again.
      expect(out).toMatchObject({ status: 'ok', value: 6 });
    } finally {
      await source.close();
    }
  });
});

describe.each(testBackends())('comparator check of the event table record.events names ($name)', (backend) => {
  const db = useTestDatabase(backend);
  const check = async (spec: ReturnType<typeof eventSpec>) => {
    const client = db.client();
    try {
      return await runComparator({ client, rfc: 't', spec, asOf: T1, mode: 'check', limit: 0, timeoutMs: 30_000 });
    } finally {
      await client.close();
    }
  };
  const at = { file: SPEC_FILE, line: 4, col: 12 };
  const failed = (table: string, problems: object[]) => ({
    table,
    verdict: 'fail',
    reason: '1 problem with the event table: `comparator run --record` would record nothing (exit 3) until it is fixed',
    halt_reason: null,
    problems: problems.map((p) => ({ table, location: at, ...p })),
    location: at,
  });

  it('fails (exit 1) on a table that does not exist, lacks payload or has a text payload, naming it where record.events names it; a good table passes', async () => {
    await db.exec(`CREATE SCHEMA ck; CREATE TABLE ck.c (id int PRIMARY KEY, v int); CREATE TABLE ck.s (LIKE ck.c);
      CREATE SCHEMA ck_app;
      CREATE TABLE ck_app.no_payload (id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL);
      CREATE TABLE ck_app.text_payload (event_type text, recorded_at timestamptz, payload text);
      CREATE TABLE ck_app.events (id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}');`);
    const cases: [string, object[]][] = [
      [
        'ck_app.missing',
        [
          {
            code: 'event_table_missing',
            message:
              "ck_app.missing, the event table record.events names, does not exist in this database; rfcgate does not create it (it is the application's): create it with columns event_type, recorded_at (a timestamp) and payload (json or jsonb), or name the right table",
          },
        ],
      ],
      [
        'ck_app.no_payload',
        [
          {
            code: 'event_column_missing',
            column: 'payload',
            message:
              "ck_app.no_payload, the event table record.events names, cannot take the comparator's events: it has no column payload; add it (jsonb), or name another table",
          },
        ],
      ],
      [
        'ck_app.text_payload',
        [
          {
            code: 'event_column_type',
            column: 'payload',
            message:
              "ck_app.text_payload, the event table record.events names, cannot take the comparator's events: its payload is text, not json or jsonb; alter it to jsonb, or name another table",
          },
        ],
      ],
    ];
    for (const [table, problems] of cases) {
      const report = await check(eventSpec('ck', table));
      // The pair is covered: the check fails on the event table alone.
      expect(report.pairs.map((p) => [p.status, p.verdict])).toEqual([['covered', 'pass']]);
      expect(report.record_events).toEqual(failed(table, problems));
      // The report's own, so before the pairs, which may be many.
      expect(Object.keys(report)).toEqual([
        'rfc',
        'mode',
        'as_of',
        'database',
        'window_history',
        'verdict',
        'record_events',
        'pairs',
      ]);
      expect(report.verdict).toBe('fail');
      expect(comparatorExitCode(report)).toBe(1);
    }
    const good = await check(eventSpec('ck', 'ck_app.events'));
    expect(good.record_events).toEqual({
      table: 'ck_app.events',
      verdict: 'pass',
      reason: null,
      halt_reason: null,
      problems: [],
      location: at,
    });
    expect(comparatorExitCode(good)).toBe(0);
    // Without record.events there is nothing to check, and the report is as it always was.
    const plain = await check(pairSpec('ck'));
    expect(Object.keys(plain)).toEqual(['rfc', 'mode', 'as_of', 'database', 'window_history', 'verdict', 'pairs']);
    expect(plain.verdict).toBe('pass');
  });

  it('fails on an event_type that does not take the event type as text (an integer, an enum, a varchar too short)', async () => {
    await db.exec(`CREATE SCHEMA ckt; CREATE TABLE ckt.c (id int PRIMARY KEY, v int); CREATE TABLE ckt.s (LIKE ckt.c);
      CREATE TYPE ckt.kind AS ENUM ('divergence');
      CREATE TABLE ckt.as_int (event_type int, recorded_at timestamptz, payload jsonb);
      CREATE TABLE ckt.as_enum (event_type ckt.kind, recorded_at timestamptz, payload jsonb);
      CREATE TABLE ckt.short (event_type varchar(10), recorded_at timestamptz, payload jsonb);
      CREATE TABLE ckt.long_enough (event_type varchar(${EVENT.length}), recorded_at timestamptz, payload jsonb);
      CREATE TABLE ckt.unbounded (event_type varchar, recorded_at timestamptz, payload jsonb);`);
    for (const [table, type] of [
      ['ckt.as_int', 'integer'],
      ['ckt.as_enum', 'ckt.kind'],
      ['ckt.short', 'character varying(10)'],
    ]) {
      const report = await check(eventSpec('ckt', table));
      expect(report.record_events?.problems, table).toEqual([
        {
          code: 'event_column_type',
          table,
          column: 'event_type',
          message: `${table}, the event table record.events names, cannot take the comparator's events: its event_type is ${type}, not text (or a varchar as long as the event type); alter it to text, or name another table`,
          location: at,
        },
      ]);
    }
    for (const table of ['ckt.long_enough', 'ckt.unbounded']) {
      expect((await check(eventSpec('ckt', table))).record_events?.verdict, table).toBe('pass');
    }
  });

  it('fails on a view that cannot take an INSERT; one that can (simple, or with an INSTEAD OF trigger) passes', async () => {
    await db.exec(`CREATE SCHEMA ckv; CREATE TABLE ckv.c (id int PRIMARY KEY, v int); CREATE TABLE ckv.s (LIKE ckv.c);
      CREATE TABLE ckv.events (id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL, payload jsonb);
      CREATE VIEW ckv.distinct_events AS SELECT DISTINCT event_type, recorded_at, payload FROM ckv.events;
      CREATE VIEW ckv.plain_events AS SELECT event_type, recorded_at, payload FROM ckv.events;
      CREATE VIEW ckv.routed_events AS SELECT DISTINCT event_type, recorded_at, payload FROM ckv.events;
      CREATE FUNCTION ckv.route() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO ckv.events (event_type, recorded_at, payload) VALUES (NEW.event_type, NEW.recorded_at, NEW.payload); RETURN NEW; END $$;
      CREATE TRIGGER route INSTEAD OF INSERT ON ckv.routed_events FOR EACH ROW EXECUTE FUNCTION ckv.route();`);
    const report = await check(eventSpec('ckv', 'ckv.distinct_events'));
    expect(report.record_events).toEqual(
      failed('ckv.distinct_events', [
        {
          code: 'event_table_not_insertable',
          message:
            "ckv.distinct_events, the event table record.events names, cannot take the comparator's events: it is a view that cannot take an INSERT; give it an INSTEAD OF INSERT trigger, or name the table it reads",
        },
      ]),
    );
    expect(comparatorExitCode(report)).toBe(1);
    for (const table of ['ckv.plain_events', 'ckv.routed_events']) {
      expect((await check(eventSpec('ckv', table))).record_events?.verdict, table).toBe('pass');
    }
  });

  if (backend.name === 'postgres') {
    it('fails when the role --record writes as may not write the table, naming each GRANT it lacks; --record refuses before writing', async () => {
      await migrate(db.writer(), migrationPlan(defaultMigrationRange(T1)));
      await db.exec(`CREATE SCHEMA ckg; CREATE TABLE ckg.c (id int PRIMARY KEY, v int); CREATE TABLE ckg.s (LIKE ckg.c);
        INSERT INTO ckg.c VALUES (1, 1); INSERT INTO ckg.s VALUES (1, 2);
        CREATE SCHEMA ckg_app;
        CREATE TABLE ckg_app.events (id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL, payload jsonb);
        CREATE TABLE ckg_app.ident_events (id bigint GENERATED ALWAYS AS IDENTITY, event_type text, recorded_at timestamptz, payload jsonb);`);
      const role = await db.createRole();
      const asRole = async (table: string) => {
        const client = new PgClient(db.url(role));
        try {
          const spec = eventSpec('ckg', table);
          return await runComparator({ client, rfc: 't', spec, asOf: T1, mode: 'check', limit: 0, timeoutMs: 30_000 });
        } finally {
          await client.close();
        }
      };
      const denied = async (table: string) => (await asRole(table)).record_events?.problems.map((p) => p.message);
      const named = "ckg_app.events, the event table record.events names, cannot take the comparator's events";
      await db.exec(`GRANT USAGE ON SCHEMA ckg TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA ckg TO ${role}`);
      expect(await denied('ckg_app.events')).toEqual([
        `${named}: role ${role}, which \`comparator run --record\` writes as, may not write it; run GRANT USAGE ON SCHEMA ckg_app TO ${role}; GRANT INSERT ON ckg_app.events TO ${role}; GRANT USAGE ON SEQUENCE ckg_app.events_id_seq TO ${role}`,
      ]);
      await db.exec(
        `GRANT USAGE ON SCHEMA ckg_app TO ${role}; GRANT INSERT (event_type, recorded_at) ON ckg_app.events TO ${role}`,
      );
      // INSERT on two of the three columns is not enough; the sequence is still out of reach.
      expect(await denied('ckg_app.events')).toEqual([
        `${named}: role ${role}, which \`comparator run --record\` writes as, may not write it; run GRANT INSERT ON ckg_app.events TO ${role}; GRANT USAGE ON SEQUENCE ckg_app.events_id_seq TO ${role}`,
      ]);
      await db.exec(
        `GRANT INSERT (payload) ON ckg_app.events TO ${role}; GRANT USAGE ON SEQUENCE ckg_app.events_id_seq TO ${role}`,
      );
      expect((await asRole('ckg_app.events')).record_events?.verdict).toBe('pass');
      // An identity column draws from its sequence without a grant of its own.
      await db.exec(`GRANT INSERT ON ckg_app.ident_events TO ${role}`);
      expect((await asRole('ckg_app.ident_events')).record_events?.verdict).toBe('pass');

      // --record, writing as a role that may not, refuses in its transaction: nothing written.
      await db.exec(`REVOKE INSERT ON ckg_app.events FROM ${role}; GRANT ALL ON SCHEMA audit, rfcgate TO ${role};
        GRANT ALL ON ALL TABLES IN SCHEMA audit, rfcgate TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA audit, rfcgate TO ${role}`);
      const report = await asRole('ckg_app.events');
      const writer = new PgWriter(db.url(role));
      try {
        const spec = eventSpec('ckg', 'ckg_app.events');
        const run = await runComparator({
          client: db.client(),
          rfc: 't',
          spec,
          asOf: T1,
          mode: 'run',
          limit: 10,
          timeoutMs: 30_000,
        });
        expect(report.record_events?.verdict).toBe('fail');
        const failure = await recordRun(writer, {
          report: run,
          spec,
          runId: 'r',
          asOf: T1,
          elapsedMs: new Map(),
          selfTests: new Map(),
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failure).toBeInstanceOf(LedgerError);
        expect((failure as LedgerError).message).toMatch(
          new RegExp(
            `cannot take the comparator's events: role ${role} may not write it \\(GRANT INSERT ON ckg_app\\.events TO ${role}\\); grant it, or record as a role that may; nothing was written$`,
          ),
        );
      } finally {
        await writer.close();
      }
      expect(
        await count(db, "audit.coordination_measurements WHERE measurement_type = 'measurement.comparator.run'"),
      ).toBe(0);
    });
  }

  it('a run reads no event table: without --record it writes none, and --record checks it itself', async () => {
    await db.exec(`CREATE SCHEMA ck2; CREATE TABLE ck2.c (id int PRIMARY KEY, v int); CREATE TABLE ck2.s (LIKE ck2.c);
      INSERT INTO ck2.c VALUES (1, 1); INSERT INTO ck2.s VALUES (1, 1);`);
    const client = db.client();
    try {
      const spec = eventSpec('ck2', 'ck_app.gone');
      const run = await runComparator({ client, rfc: 't', spec, asOf: T1, mode: 'run', limit: 10, timeoutMs: 30_000 });
      expect(run.record_events).toBeUndefined();
      expect(run.verdict).toBe('pass');
    } finally {
      await client.close();
    }
  });

  it('halts (exit 2), with the reason, when the catalog cannot be read', async () => {
    const down = {
      query: () => Promise.reject(new SqlHaltError('missing', 'connection refused (127.0.0.1:1)')),
      close: async () => {},
      describe: () => '127.0.0.1:1/db',
    };
    const report = await runComparator({
      client: down,
      rfc: 't',
      spec: eventSpec('ck'),
      asOf: T1,
      mode: 'check',
      limit: 0,
      timeoutMs: 30_000,
    });
    expect(report.record_events).toEqual({
      table: 'audit.coordination_events',
      verdict: 'halt',
      reason: 'connection refused (127.0.0.1:1)',
      halt_reason: 'missing',
      problems: [],
      location: at,
    });
    expect(comparatorExitCode(report)).toBe(2);
  });
});

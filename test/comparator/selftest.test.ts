import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { PgWriter } from '../../src/sources/sql/writer.js';
import { seedEmbeddedDb, testBackends, type TestDatabase, useTestDatabase } from '../helpers/db.js';
import { pairSpec, runSelfTest, specFrom } from './helpers.js';

const rows = async (db: TestDatabase, table: string) =>
  (await db.exec(`SELECT * FROM ${table} ORDER BY 1`)) as Record<string, unknown>[];

describe.each(testBackends())('comparator self-test ($name)', (backend) => {
  const db = useTestDatabase(backend);
  let n = 0;
  const schemaWith = async (ddl: (s: string) => string) => {
    const schema = `st_${++n}`;
    await db.exec(`CREATE SCHEMA ${schema}; ${ddl(schema)}`);
    return schema;
  };

  it('detects every planted kind and leaves zero rows behind', async () => {
    const schema = await schemaWith(
      (
        s,
      ) => `CREATE TABLE ${s}.c (id bigint PRIMARY KEY, name text NOT NULL, score double precision, meta jsonb NOT NULL DEFAULT '{}', at timestamptz NOT NULL);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (1, 'a', 1.5, '{}', now()), (2, 'b', NULL, '{}', now());
              INSERT INTO ${s}.s VALUES (1, 'a', 1.5, '{}', now()), (3, 'c', NULL, '{}', now());`,
    );
    const before = { c: await rows(db, `${schema}.c`), s: await rows(db, `${schema}.s`) };
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r).toMatchObject({
      status: 'passed',
      detected: { canonical_missing: true, shadow_missing: true, value_mismatch: true },
      mismatch_column: 'name',
      mismatch_column_detected: true,
      undetected: [],
      rolled_back: true,
    });
    expect(await rows(db, `${schema}.c`)).toEqual(before.c);
    expect(await rows(db, `${schema}.s`)).toEqual(before.s);
  });

  // Roles and grants are the server's: PGlite runs everything as its one superuser.
  if (backend.name === 'postgres') {
    it('says a role that may only read the tables needs INSERT on them, not grants on the ledger', async () => {
      const schema = await schemaWith(
        (s) => `CREATE TABLE ${s}.c (id bigint PRIMARY KEY, name text NOT NULL);
                CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
                INSERT INTO ${s}.c VALUES (1, 'a'); INSERT INTO ${s}.s VALUES (1, 'a');`,
      );
      const role = await db.createRole();
      await db.exec(
        `GRANT USAGE ON SCHEMA ${schema} TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
      );
      const writer = new PgWriter(db.url(role));
      try {
        const r = await runSelfTest(db, pairSpec(schema), null, writer);
        expect(r.status).toBe('error');
        expect(r.reason).toMatch(
          new RegExp(
            `^could not plant the synthetic rows: permission denied for table [cs] \\(database [^)]+\\): --self-test plants its rows \\(always rolled back\\) in both tables, so the role needs INSERT on ${schema}\\.c and ${schema}\\.s; grant it, or run without --self-test$`,
          ),
        );
      } finally {
        await writer.close();
      }
    });
  }

  it('plants text and composite keys too, under a min_age cutoff', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (tenant text, n int, v int NOT NULL, updated_at timestamptz, PRIMARY KEY (tenant, n));
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES ('t', 1, 1, now()); INSERT INTO ${s}.s VALUES ('t', 1, 1, now());`,
    );
    const spec = pairSpec(schema, '    age_column: updated_at\n    min_age: 5m', '[tenant, n]');
    const r = await runSelfTest(db, spec, new Date(Date.now() - 300_000));
    expect(r.status).toBe('passed');
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 1 }]);
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.s`)).toEqual([{ n: 1 }]);
  });

  it('sees rows a trigger stamps with the current time, within min_age, as a comparator run would', async () => {
    // A touch trigger (updated_at := now()) makes every planted row one written now: skipped
    // as in flight under the run's cutoff, so the self-test called a working comparator blind.
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int, updated_at timestamptz NOT NULL);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (1, 1, now() - interval '1 day'), (2, 2, now() - interval '1 day');
              INSERT INTO ${s}.s VALUES (1, 1, now() - interval '1 day'), (2, 2, now() - interval '1 day');
              CREATE FUNCTION ${s}.touch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
              CREATE TRIGGER touch BEFORE INSERT OR UPDATE ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.touch();
              CREATE TRIGGER touch BEFORE INSERT OR UPDATE ON ${s}.s FOR EACH ROW EXECUTE FUNCTION ${s}.touch();`,
    );
    const spec = pairSpec(
      schema,
      '    age_column: updated_at\n    min_age: 5m\n    exclude:\n      - { column: updated_at, reason: lag }',
    );
    const r = await runSelfTest(db, spec, new Date(Date.now() - 300_000));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({
      status: 'passed',
      detected: { canonical_missing: true, shadow_missing: true, value_mismatch: true },
      mismatch_column: 'v',
      mismatch_column_detected: true,
    });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.s`)).toEqual([{ n: 2 }]);
  });

  it('plants around unique columns and fractional numeric keys', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id numeric PRIMARY KEY, code text NOT NULL UNIQUE, n int UNIQUE);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (1.5, 'x', 1), (2.5, 'y', 2); INSERT INTO ${s}.s VALUES (1.5, 'x', 1), (2.5, 'y', 2);`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r).toMatchObject({ status: 'passed', undetected: [] });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 2 }]);
  });

  it('plants keys inside the key type when the live keys reach its minimum', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id smallint PRIMARY KEY, v text NOT NULL);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (-32768, 'min'), (-32767, 'next'), (32767, 'max');
              INSERT INTO ${s}.s VALUES (-32768, 'min'), (-32767, 'next'), (32767, 'max');
              CREATE TABLE ${s}.d (id numeric(3, 0) PRIMARY KEY, v text NOT NULL);
              INSERT INTO ${s}.d SELECT g, 'x' FROM generate_series(-999, -990) AS g;
              CREATE TABLE ${s}.e (LIKE ${s}.d INCLUDING ALL);
              INSERT INTO ${s}.e SELECT * FROM ${s}.d;`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', undetected: [] });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 3 }]);
    // numeric(3, 0) holds no key below -999 either.
    const d = await runSelfTest(
      db,
      specFrom(`pairs:\n  - { id: p, canonical: ${schema}.d, shadow: ${schema}.e, key: [id], compare: all }\n`),
    );
    expect(d.reason).toBeNull();
    expect(d.status).toBe('passed');
  });

  it('plants three distinct keys in a numeric key that rounds to its scale: negative, or past its precision', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id numeric(5, -2) PRIMARY KEY, v text);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (100, 'a'), (200, 'b'); INSERT INTO ${s}.s VALUES (100, 'a'), (200, 'b');
              CREATE TABLE ${s}.f (id numeric(3, 5) PRIMARY KEY, v text);
              CREATE TABLE ${s}.g (LIKE ${s}.f INCLUDING ALL);
              INSERT INTO ${s}.f VALUES (0.00001, 'a'); INSERT INTO ${s}.g VALUES (0.00001, 'a');
              CREATE TABLE ${s}.m (id numeric(2, -2) PRIMARY KEY, v text);
              CREATE TABLE ${s}.n (LIKE ${s}.m INCLUDING ALL);
              INSERT INTO ${s}.m VALUES (-9900, 'a'), (-9800, 'b'); INSERT INTO ${s}.n SELECT * FROM ${s}.m;`,
    );
    const pair = (c: string, s: string) =>
      specFrom(`pairs:\n  - { id: p, canonical: ${schema}.${c}, shadow: ${schema}.${s}, key: [id], compare: all }\n`);
    // numeric(5, -2) rounds -1, -2 and -3 to one key; numeric(3, 5) holds no whole number
    // below 0; numeric(2, -2) holds nothing below -9900, so the keys go between live ones.
    for (const [c, sh] of [
      ['c', 's'],
      ['f', 'g'],
      ['m', 'n'],
    ] as const) {
      const r = await runSelfTest(db, pair(c, sh));
      expect(r.reason).toBeNull();
      expect(r).toMatchObject({
        status: 'passed',
        undetected: [],
        mismatch_column: 'v',
        mismatch_column_detected: true,
      });
    }
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 2 }]);
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.m`)).toEqual([{ n: 2 }]);
  });

  it('plants values that fit char(n) and varchar(n) columns and keys', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (code varchar(4) PRIMARY KEY, cc varchar(2), st char(1) NOT NULL, note text);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES ('de', 'de', 'a', 'x'); INSERT INTO ${s}.s VALUES ('de', 'de', 'a', 'x');`,
    );
    const r = await runSelfTest(db, pairSpec(schema, '', '[code]'));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'cc', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 1 }]);
  });

  it('plants one-character keys no live row holds, with or without a key the table guarantees', async () => {
    // '1', '2' and '3', what a varchar(1) key was cut to, are live keys here.
    for (const pk of ['', ' PRIMARY KEY']) {
      const schema = await schemaWith(
        (s) => `CREATE TABLE ${s}.c (code varchar(1) NOT NULL${pk}, v int);
                CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
                INSERT INTO ${s}.c VALUES ('1', 1), ('2', 1), ('3', 1); INSERT INTO ${s}.s VALUES ('1', 1), ('2', 1), ('3', 1);`,
      );
      const r = await runSelfTest(db, pairSpec(schema, '', '[code]'));
      expect(r.reason, pk).toBeNull();
      expect(r.status, pk).toBe('passed');
      expect(await db.exec(`SELECT code FROM ${schema}.c ORDER BY code`)).toEqual([
        { code: '1' },
        { code: '2' },
        { code: '3' },
      ]);
    }
  });

  it('plants integers farther apart than the float_tolerance of their column', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, m smallint, n int);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (1, 1, 1); INSERT INTO ${s}.s VALUES (1, 1, 1);`,
    );
    const tolerant = (m: number, n: number) =>
      `    rules:\n      m: { float_tolerance: ${m} }\n      n: { float_tolerance: ${n} }`;
    const r = await runSelfTest(db, pairSpec(schema, tolerant(2, 2)));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'm', mismatch_column_detected: true });
    // No two smallints 100 000 apart exist: the next column is planted instead.
    const wide = await runSelfTest(db, pairSpec(schema, tolerant(100_000, 2)));
    expect(wide).toMatchObject({ status: 'passed', mismatch_column: 'n', mismatch_column_detected: true });
    const none = await runSelfTest(db, pairSpec(schema, tolerant(100_000, 1e20)));
    expect(none.status).toBe('error');
    expect(none.reason).toMatch(/has a type the self-test can plant two values of$/);
  });

  it('plants values that fit numeric(p, s) columns, NOT NULL ones included', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, rate numeric(2, 2) NOT NULL, tiny numeric(3, 5), n int);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (1, 0.5, 0.001, 1); INSERT INTO ${s}.s VALUES (1, 0.5, 0.001, 1);`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'rate', mismatch_column_detected: true });
    // numeric(2, 2) holds no two values a tolerance of 1 apart: the next column is planted instead.
    const wide = await runSelfTest(
      db,
      pairSpec(schema, '    rules:\n      rate: { float_tolerance: 1 }\n      tiny: { float_tolerance: 0.001 }'),
    );
    expect(wide.reason).toBeNull();
    expect(wide).toMatchObject({ status: 'passed', mismatch_column: 'tiny', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 1 }]);
  });

  it('fills NOT NULL enum, interval, inet and domain columns with a value a live row holds', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TYPE ${s}.mood AS ENUM ('sad', 'ok');
              CREATE DOMAIN ${s}.positive AS int CHECK (VALUE > 0);
              CREATE TABLE ${s}.c (id int PRIMARY KEY, mood ${s}.mood NOT NULL, lag interval NOT NULL,
                addr inet NOT NULL, weight ${s}.positive NOT NULL, note text);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (1, 'ok', '1 day', '10.0.0.1', 5, 'x');
              INSERT INTO ${s}.s VALUES (1, 'ok', '1 day', '10.0.0.1', 5, 'x');`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.reason).toBeNull();
    // The domain's CHECK would refuse a planted value of its base type: a plain column is planted.
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'note', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.s`)).toEqual([{ n: 1 }]);
  });

  it('plants bytea values: a mismatch in a bytea column, a NOT NULL bytea column, a bytea key beside an id', async () => {
    // PGlite refused a text parameter the server types bytea, so this self-test could not run there.
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int, tag bytea, body bytea, digest bytea NOT NULL, PRIMARY KEY (id, tag));
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES (1, '\\x0a', '\\x00', '\\xff'); INSERT INTO ${s}.s VALUES (1, '\\x0a', '\\x00', '\\xff');`,
    );
    const r = await runSelfTest(db, pairSpec(schema, '', '[id, tag]'));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'body', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.s`)).toEqual([{ n: 1 }]);
  });

  it('plants values that fit the size a domain gives its type: numeric(p, s), varchar(n), a domain over a domain', async () => {
    const schema = await schemaWith(
      (s) => `CREATE DOMAIN ${s}.code AS varchar(3); CREATE DOMAIN ${s}.rate AS numeric(2, 2);
              CREATE DOMAIN ${s}.short AS varchar(2); CREATE DOMAIN ${s}.tag AS ${s}.short;
              CREATE TABLE ${s}.c (id ${s}.code PRIMARY KEY, rate ${s}.rate, tag ${s}.tag NOT NULL);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              INSERT INTO ${s}.c VALUES ('ab', 0.5, 'x'); INSERT INTO ${s}.s VALUES ('ab', 0.5, 'x');`,
    );
    const only = (compared: string, excluded: string) =>
      specFrom(`pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: [id]
    compare: [${compared}]
    exclude:
      - { column: ${excluded}, reason: another test }
`);
    // One value per column is held, so each is planted with values made for its type.
    for (const [compared, excluded] of [
      ['rate', 'tag'],
      ['tag', 'rate'],
    ] as const) {
      const r = await runSelfTest(db, only(compared, excluded));
      expect(r.reason).toBeNull();
      expect(r).toMatchObject({ status: 'passed', mismatch_column: compared, mismatch_column_detected: true });
    }
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 1 }]);
  });

  it("fills a NOT NULL foreign key and a partition column with a live row's value", async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.tenants (id int PRIMARY KEY); INSERT INTO ${s}.tenants VALUES (7);
              CREATE TABLE ${s}.c (id int, day date NOT NULL, tenant int NOT NULL REFERENCES ${s}.tenants,
                email text NOT NULL, note text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
              CREATE TABLE ${s}.c_2026 PARTITION OF ${s}.c FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
              CREATE TABLE ${s}.s (id int PRIMARY KEY, day date NOT NULL, tenant int NOT NULL REFERENCES ${s}.tenants,
                email text NOT NULL UNIQUE, note text);
              INSERT INTO ${s}.c VALUES (1, '2026-06-01', 7, 'a@example.com', 'x');
              INSERT INTO ${s}.s VALUES (1, '2026-06-01', 7, 'a@example.com', 'x');`,
    );
    const spec = specFrom(`pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: [id]
    compare: [note]
    exclude:
      - { column: day, reason: the partition key }
      - { column: tenant, reason: a foreign key }
      - { column: email, reason: unique in the shadow }
`);
    const r = await runSelfTest(db, spec);
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'note', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 1 }]);
  });

  it('plants the mismatch in a compared column outside any foreign key or CHECK when there is one', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.owners (id int PRIMARY KEY); INSERT INTO ${s}.owners VALUES (7);
              CREATE TABLE ${s}.c (id int PRIMARY KEY, owner int REFERENCES ${s}.owners,
                grade int CHECK (grade BETWEEN 1 AND 5), note text);
              CREATE TABLE ${s}.s (LIKE ${s}.c INCLUDING ALL);
              ALTER TABLE ${s}.s ADD FOREIGN KEY (owner) REFERENCES ${s}.owners;
              INSERT INTO ${s}.c VALUES (1, 7, 3, 'x'); INSERT INTO ${s}.s VALUES (1, 7, 3, 'x');`,
    );
    const r = await runSelfTest(
      db,
      specFrom(`pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: [id]
    compare: [owner, grade, note]
`),
    );
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'note', mismatch_column_detected: true });
  });

  it('plants two values live rows hold when every compared column is in a foreign key', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.owners (id int PRIMARY KEY); INSERT INTO ${s}.owners VALUES (7), (8);
              CREATE TABLE ${s}.c (id int PRIMARY KEY, owner int REFERENCES ${s}.owners);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, owner int REFERENCES ${s}.owners);
              INSERT INTO ${s}.c VALUES (1, 7), (2, 8); INSERT INTO ${s}.s VALUES (1, 7), (2, 8);`,
    );
    const r = await runSelfTest(
      db,
      specFrom(`pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: [id]
    compare: [owner]
`),
    );
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'owner', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 2 }]);
  });

  it('plants keys of a table partitioned by day, keyed on (id, day)', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int, day date, v int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
              CREATE TABLE ${s}.c_2026 PARTITION OF ${s}.c FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
              CREATE TABLE ${s}.s (id int, day date, v int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
              CREATE TABLE ${s}.s_2026 PARTITION OF ${s}.s FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
              INSERT INTO ${s}.c VALUES (1, '2026-06-01', 1); INSERT INTO ${s}.s VALUES (1, '2026-06-01', 1);`,
    );
    const r = await runSelfTest(db, pairSpec(schema, '', '[id, day]'));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'v', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 1 }]);
  });

  it('plants an age a table partitioned on its age column has a partition for, before the cutoff', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int, updated_at timestamptz NOT NULL, v int, PRIMARY KEY (id, updated_at))
                PARTITION BY RANGE (updated_at);
              CREATE TABLE ${s}.c_2026 PARTITION OF ${s}.c FOR VALUES FROM ('2026-01-01') TO ('2028-01-01');
              CREATE TABLE ${s}.s (id int PRIMARY KEY, updated_at timestamptz NOT NULL, v int);
              INSERT INTO ${s}.c VALUES (1, '2026-06-01', 1), (2, now(), 2);
              INSERT INTO ${s}.s VALUES (1, '2026-06-01', 1), (2, now(), 2);`,
    );
    const spec = pairSpec(
      schema,
      '    age_column: updated_at\n    min_age: 5m\n    exclude:\n      - { column: updated_at, reason: lag }',
    );
    const r = await runSelfTest(db, spec, new Date(Date.now() - 300_000));
    expect(r.reason).toBeNull();
    expect(r).toMatchObject({ status: 'passed', mismatch_column: 'v', mismatch_column_detected: true });
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 2 }]);
  });

  it('names the kinds that went undetected when the shadow silently drops writes', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.c VALUES (1, 1); INSERT INTO ${s}.s VALUES (1, 1);
              CREATE FUNCTION ${s}.drop_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
              CREATE TRIGGER drop_row BEFORE INSERT ON ${s}.s FOR EACH ROW EXECUTE FUNCTION ${s}.drop_row();`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.status).toBe('failed');
    // The shadow-only row never lands; the row on both sides lands only canonically.
    expect(r.undetected).toEqual(['canonical_missing', 'shadow_missing', 'value_mismatch']);
    expect(r.reason).toMatch(/canonical_missing, shadow_missing, value_mismatch divergences were not detected/);
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.c`)).toEqual([{ n: 1 }]);
  });

  it('names the dual-write trigger that copies the planted canonical row to the shadow, and what to change in it', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.c VALUES (1, 1); INSERT INTO ${s}.s VALUES (1, 1);
              CREATE FUNCTION ${s}.audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
              CREATE TRIGGER audit_c BEFORE INSERT ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.audit();
              CREATE FUNCTION ${s}.copy_to_shadow() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO ${s}.s (id, v) VALUES (NEW.id, NEW.v); RETURN NEW; END $$;
              CREATE TRIGGER dual_write AFTER INSERT ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.copy_to_shadow();
              -- Fires only where session_replication_role is replica (logical replication's apply): not here.
              CREATE TRIGGER on_replica AFTER INSERT ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.copy_to_shadow();
              ALTER TABLE ${s}.c ENABLE REPLICA TRIGGER on_replica;`,
    );
    const before = { c: await rows(db, `${schema}.c`), s: await rows(db, `${schema}.s`) };
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.status).toBe('error');
    expect(r.reason).not.toMatch(/duplicate key/);
    expect(r.reason).toBe(
      `the row the self-test planted in ${schema}.c alone reached ${schema}.s as well, through trigger dual_write (function ${schema}.copy_to_shadow()) on ${schema}.c, a dual write: so no key can be missing from one side, and the self-test cannot plant the divergences it checks for; let the self-test's transaction through: it sets rfcgate.self_test to 'on', so IF current_setting('rfcgate.self_test', true) = 'on' THEN RETURN NEW; END IF; at the top of the trigger's function leaves each planted row in the one table it was put in (the transaction is rolled back either way)`,
    );
    expect(r.rolled_back).toBe(true);
    expect({ c: await rows(db, `${schema}.c`), s: await rows(db, `${schema}.s`) }).toEqual(before);

    // As the reason says: the trigger lets the self-test's rows through, and the self-test passes.
    await db.exec(`CREATE OR REPLACE FUNCTION ${schema}.copy_to_shadow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('rfcgate.self_test', true) = 'on' THEN RETURN NEW; END IF;
        INSERT INTO ${schema}.s (id, v) VALUES (NEW.id, NEW.v); RETURN NEW;
      END $$`);
    const passed = await runSelfTest(db, pairSpec(schema));
    expect([passed.status, passed.undetected]).toEqual(['passed', []]);
    // And production writes are still copied.
    await db.exec(`INSERT INTO ${schema}.c VALUES (2, 2)`);
    expect(await rows(db, `${schema}.s`)).toEqual([
      { id: 1, v: 1 },
      { id: 2, v: 2 },
    ]);
  });

  it('names a dual write into a shadow without a unique key, instead of calling the comparator blind', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int);
              CREATE TABLE ${s}.s (id int NOT NULL, v int);
              INSERT INTO ${s}.c VALUES (1, 1); INSERT INTO ${s}.s VALUES (1, 1);
              CREATE FUNCTION ${s}.copy_to_shadow() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO ${s}.s (id, v) VALUES (NEW.id, NEW.v); RETURN NEW; END $$;
              CREATE TRIGGER dual_write AFTER INSERT ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.copy_to_shadow();`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(
      new RegExp(
        `^the row the self-test planted in ${schema}\\.c alone reached ${schema}\\.s as well, through trigger dual_write `,
      ),
    );
  });

  it('is an error, with the database reason, when a constraint refuses the synthetic rows', async () => {
    // Even keys only: those below the live ones and those among them are refused alike.
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY CHECK (id % 2 = 0), v int);
              CREATE TABLE ${s}.s (id int PRIMARY KEY CHECK (id % 2 = 0), v int);
              INSERT INTO ${s}.c VALUES (2, 1); INSERT INTO ${s}.s VALUES (2, 1);`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/could not plant the synthetic rows: .*check constraint/);
    expect(await db.exec(`SELECT count(*)::int AS n FROM ${schema}.s`)).toEqual([{ n: 1 }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Killed mid-self-test: the open transaction dies with the process; nothing was committed.

const CHILD = resolve('test/comparator/fixtures/selftest-child.mjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts the child, waits for "planted", runs `whilePlanted`, then SIGKILLs it. */
async function killAfterPlanting(args: object, whilePlanted: () => Promise<void> = async () => {}): Promise<void> {
  if (!existsSync(resolve('dist/comparator/selftest.js'))) throw new Error('dist/ is not built: run `npm run build`');
  const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolvePlanted, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child never planted: ${out} ${err}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('planted')) {
        clearTimeout(timer);
        resolvePlanted();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${code}) before planting: ${out} ${err}`));
    });
  });
  await whilePlanted();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  expect(out).not.toContain('finished');
}

const SETUP = (s: string) => `CREATE SCHEMA ${s};
  CREATE TABLE ${s}.c (id int PRIMARY KEY, v text NOT NULL);
  CREATE TABLE ${s}.s (id int PRIMARY KEY, v text NOT NULL);
  INSERT INTO ${s}.c VALUES (1, 'a'), (2, 'b'); INSERT INTO ${s}.s VALUES (1, 'a'), (2, 'b');`;

describe('a self-test killed mid-transaction commits nothing', () => {
  it('pglite (a data directory, reopened after the kill)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rfcgate-selftest-'));
    dirs.push(folder);
    const dir = seedEmbeddedDb(folder, 'pgdata');
    const setup = new PGlite(dir);
    await setup.exec(SETUP('k'));
    await setup.close();
    await killAfterPlanting({ backend: 'pglite', dataDir: dir, schema: 'k' });
    const after = new PGlite(dir);
    try {
      expect((await after.query('SELECT id FROM k.c ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
      expect((await after.query('SELECT id FROM k.s ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 2 }]);
    } finally {
      await after.close();
    }
  }, 120_000);

  const pgBackend = testBackends().find((b) => b.name === 'postgres');
  if (pgBackend) {
    describe('postgres', () => {
      const db = useTestDatabase(pgBackend);
      it('the planted rows are invisible while planted, and gone after the kill', async () => {
        await db.exec(SETUP('k'));
        await killAfterPlanting({ backend: 'postgres', url: db.url(), schema: 'k' }, async () => {
          expect(await db.exec('SELECT count(*)::int AS n FROM k.c')).toEqual([{ n: 2 }]);
        });
        // The server rolls back a transaction whose connection died.
        for (let i = 0; i < 50; i++) {
          const open = await db.exec(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
          );
          if (open[0]?.n === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(await db.exec('SELECT id FROM k.c ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
        expect(await db.exec('SELECT id FROM k.s ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
        expect(await db.exec('SELECT count(*)::int AS n FROM k.c WHERE id < 0')).toEqual([{ n: 0 }]);
      }, 120_000);
    });
  }
});

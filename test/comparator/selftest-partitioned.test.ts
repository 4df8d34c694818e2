/**
 * The self-test's dual-write message on partitioned tables. A row trigger created on a
 * partitioned table is cloned onto each partition under the same name, and a row inserted
 * through the parent fires the clone of the partition it lands in; the message names the
 * trigger where a person created it, and changes it, once.
 */
import { describe, expect, it } from 'vitest';
import { testBackends, type TestDatabase, useTestDatabase } from '../helpers/db.js';
import { pairSpec, runSelfTest } from './helpers.js';

const ADVICE =
  "so no key can be missing from one side, and the self-test cannot plant the divergences it checks for; let the self-test's transaction through: it sets rfcgate.self_test to 'on', so IF current_setting('rfcgate.self_test', true) = 'on' THEN RETURN NEW; END IF; at the top of the trigger's function leaves each planted row in the one table it was put in (the transaction is rolled back either way)";

/** The reason for a row planted in `from` that a trigger copied into `to`. */
const dualWrite = (from: string, to: string, through: string) =>
  `the row the self-test planted in ${from} alone reached ${to} as well, through ${through}, a dual write: ${ADVICE}`;

/** The insert triggers pg_trigger holds on the table and its partitions: what the lookup reads. */
const triggerRows = (db: TestDatabase, table: string) =>
  db.exec(
    `SELECT t.tgrelid::regclass::text AS on_table, t.tgname::text AS name, t.tgparentid <> 0 AS clone
     FROM pg_trigger t WHERE t.tgrelid IN (SELECT relid FROM pg_partition_tree($1::regclass)) AND NOT t.tgisinternal
     ORDER BY 1, 2`,
    [table],
  );

/** A trigger function that copies each new row into `target`, unless the self-test runs. */
const copyFunction = (fn: string, target: string, cols: string, letThrough = false) =>
  `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     ${letThrough ? "IF current_setting('rfcgate.self_test', true) = 'on' THEN RETURN NEW; END IF;" : ''}
     INSERT INTO ${target} (${cols}) VALUES (${cols
       .split(', ')
       .map((c) => `NEW.${c}`)
       .join(', ')});
     RETURN NEW;
   END $$;`;

/** A canonical table and its shadow, both range-partitioned at 1000, holding the same two rows. */
const bothPartitioned = (s: string) =>
  `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
   CREATE TABLE ${s}.c_old PARTITION OF ${s}.c FOR VALUES FROM (MINVALUE) TO (1000);
   CREATE TABLE ${s}.c_new PARTITION OF ${s}.c FOR VALUES FROM (1000) TO (MAXVALUE);
   CREATE TABLE ${s}.s (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
   CREATE TABLE ${s}.s_old PARTITION OF ${s}.s FOR VALUES FROM (MINVALUE) TO (1000);
   CREATE TABLE ${s}.s_new PARTITION OF ${s}.s FOR VALUES FROM (1000) TO (MAXVALUE);
   INSERT INTO ${s}.c VALUES (1, 1), (1500, 2); INSERT INTO ${s}.s VALUES (1, 1), (1500, 2);`;

describe.each(testBackends())('comparator self-test on partitioned tables ($name)', (backend) => {
  const db = useTestDatabase(backend);
  let n = 0;
  const schemaWith = async (ddl: (s: string) => string) => {
    const schema = `stp_${++n}`;
    await db.exec(`CREATE SCHEMA ${schema}; ${ddl(schema)}`);
    return schema;
  };
  const count = async (table: string) => (await db.exec(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n;

  it('names a dual-write trigger on a canonical table partitioned by range on its key once, by the name it was created with', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
              CREATE TABLE ${s}.c_old PARTITION OF ${s}.c FOR VALUES FROM (MINVALUE) TO (1000);
              CREATE TABLE ${s}.c_new PARTITION OF ${s}.c FOR VALUES FROM (1000) TO (MAXVALUE);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.c VALUES (1, 1), (1500, 2); INSERT INTO ${s}.s VALUES (1, 1), (1500, 2);
              ${copyFunction(`${s}.copy_to_shadow`, `${s}.s`, 'id, v')}
              CREATE TRIGGER dual_write AFTER INSERT ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.copy_to_shadow();`,
    );
    // The catalog lists the trigger three times: on the parent, and a clone on each partition.
    expect(await triggerRows(db, `${schema}.c`)).toEqual([
      { on_table: `${schema}.c`, name: 'dual_write', clone: false },
      { on_table: `${schema}.c_new`, name: 'dual_write', clone: true },
      { on_table: `${schema}.c_old`, name: 'dual_write', clone: true },
    ]);
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.status).toBe('error');
    expect(r.reason).toBe(
      dualWrite(
        `${schema}.c`,
        `${schema}.s`,
        `trigger dual_write (function ${schema}.copy_to_shadow()) on ${schema}.c`,
      ),
    );
    expect([await count(`${schema}.c`), await count(`${schema}.s`)]).toEqual([2, 2]);

    // As the reason says: the function lets the self-test's rows through, and it passes.
    await db.exec(copyFunction(`${schema}.copy_to_shadow`, `${schema}.s`, 'id, v', true));
    const passed = await runSelfTest(db, pairSpec(schema));
    expect([passed.status, passed.reason]).toEqual(['passed', null]);
  });

  it('names a BEFORE dual-write trigger on a canonical table partitioned by list on a key column', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int, day date, v int, PRIMARY KEY (id, day)) PARTITION BY LIST (day);
              CREATE TABLE ${s}.c_0601 PARTITION OF ${s}.c FOR VALUES IN ('2026-06-01');
              CREATE TABLE ${s}.c_0602 PARTITION OF ${s}.c FOR VALUES IN ('2026-06-02');
              CREATE TABLE ${s}.s (id int, day date, v int, PRIMARY KEY (id, day));
              INSERT INTO ${s}.c VALUES (1, '2026-06-01', 1), (2, '2026-06-02', 2);
              INSERT INTO ${s}.s VALUES (1, '2026-06-01', 1), (2, '2026-06-02', 2);
              ${copyFunction(`${s}.copy_to_shadow`, `${s}.s`, 'id, day, v')}
              CREATE TRIGGER dual_write BEFORE INSERT ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.copy_to_shadow();`,
    );
    const spec = pairSpec(schema, '', '[id, day]');
    const r = await runSelfTest(db, spec);
    expect(r.reason).toBe(
      dualWrite(
        `${schema}.c`,
        `${schema}.s`,
        `trigger dual_write (function ${schema}.copy_to_shadow()) on ${schema}.c`,
      ),
    );
    await db.exec(copyFunction(`${schema}.copy_to_shadow`, `${schema}.s`, 'id, day, v', true));
    expect((await runSelfTest(db, spec)).status).toBe('passed');
  });

  it('names a dual-write trigger defined on one partition only, and the partition it is on', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
              CREATE TABLE ${s}.c_old PARTITION OF ${s}.c FOR VALUES FROM (MINVALUE) TO (1000);
              CREATE TABLE ${s}.c_new PARTITION OF ${s}.c FOR VALUES FROM (1000) TO (MAXVALUE);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.c VALUES (1, 1), (1500, 2); INSERT INTO ${s}.s VALUES (1, 1), (1500, 2);
              ${copyFunction(`${s}.copy_old`, `${s}.s`, 'id, v')}
              ${copyFunction(`${s}.copy_new`, `${s}.s`, 'id, v')}
              CREATE TRIGGER dual_write_old AFTER INSERT ON ${s}.c_old FOR EACH ROW EXECUTE FUNCTION ${s}.copy_old();
              CREATE TRIGGER dual_write_new AFTER INSERT ON ${s}.c_new FOR EACH ROW EXECUTE FUNCTION ${s}.copy_new();`,
    );
    expect(await triggerRows(db, `${schema}.c`)).toEqual([
      { on_table: `${schema}.c_new`, name: 'dual_write_new', clone: false },
      { on_table: `${schema}.c_old`, name: 'dual_write_old', clone: false },
    ]);
    const r = await runSelfTest(db, pairSpec(schema));
    // The planted key is below every live one, so the row lands in c_old: its trigger copied
    // it; c_new's never fired, and naming it would send the reader to the wrong function.
    expect(r.reason).toBe(
      dualWrite(
        `${schema}.c`,
        `${schema}.s`,
        `trigger dual_write_old (function ${schema}.copy_old()) on ${schema}.c_old, a partition of ${schema}.c`,
      ),
    );
  });

  it('blames no trigger of a partition the planted row did not go to', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
              CREATE TABLE ${s}.c_old PARTITION OF ${s}.c FOR VALUES FROM (MINVALUE) TO (1000);
              CREATE TABLE ${s}.c_new PARTITION OF ${s}.c FOR VALUES FROM (1000) TO (MAXVALUE);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.c VALUES (1, 1), (1500, 2); INSERT INTO ${s}.s VALUES (1, 1), (1500, 2);
              ${copyFunction(`${s}.copy_new`, `${s}.s`, 'id, v')}
              CREATE TRIGGER dual_write_new AFTER INSERT ON ${s}.c_new FOR EACH ROW EXECUTE FUNCTION ${s}.copy_new();
              CREATE RULE copy_rule AS ON INSERT TO ${s}.c DO ALSO INSERT INTO ${s}.s VALUES (NEW.id, NEW.v);`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    // A rule copied the row into the shadow; c_new's trigger never saw it.
    expect(r.reason).toBe(
      `the row the self-test planted in ${schema}.c alone reached ${schema}.s as well, though neither ${schema}.c nor ${schema}.c_old, the partition it went to, has an enabled insert trigger (a rule, or a trigger on a table written in between?), ${ADVICE}`,
    );
  });

  it('names a trigger of a partitioned shadow copying into a partitioned canonical table', async () => {
    const schema = await schemaWith(
      (s) => `${bothPartitioned(s)}
              ${copyFunction(`${s}.copy_back`, `${s}.c`, 'id, v')}
              CREATE TRIGGER copy_back AFTER INSERT ON ${s}.s FOR EACH ROW EXECUTE FUNCTION ${s}.copy_back();`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    // The shadow-only row is planted first: the shadow's trigger is the one that copies it.
    expect(r.reason).toBe(
      dualWrite(`${schema}.s`, `${schema}.c`, `trigger copy_back (function ${schema}.copy_back()) on ${schema}.s`),
    );
    await db.exec(copyFunction(`${schema}.copy_back`, `${schema}.c`, 'id, v', true));
    const passed = await runSelfTest(db, pairSpec(schema));
    expect([passed.status, passed.undetected]).toEqual(['passed', []]);
  });

  it('names a trigger of a partitioned canonical table copying into a partitioned shadow', async () => {
    const schema = await schemaWith(
      (s) => `${bothPartitioned(s)}
              ${copyFunction(`${s}.copy_to_shadow`, `${s}.s`, 'id, v')}
              CREATE TRIGGER dual_write AFTER INSERT ON ${s}.c FOR EACH ROW EXECUTE FUNCTION ${s}.copy_to_shadow();`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect(r.reason).toBe(
      dualWrite(
        `${schema}.c`,
        `${schema}.s`,
        `trigger dual_write (function ${schema}.copy_to_shadow()) on ${schema}.c`,
      ),
    );
  });

  it('names the parent a trigger was created on when the canonical table of the pair is one of its partitions', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.p (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
              CREATE TABLE ${s}.c PARTITION OF ${s}.p FOR VALUES FROM (MINVALUE) TO (1000);
              CREATE TABLE ${s}.c_rest PARTITION OF ${s}.p FOR VALUES FROM (1000) TO (MAXVALUE);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.p VALUES (1, 1); INSERT INTO ${s}.s VALUES (1, 1);
              ${copyFunction(`${s}.copy_to_shadow`, `${s}.s`, 'id, v')}
              CREATE TRIGGER dual_write AFTER INSERT ON ${s}.p FOR EACH ROW EXECUTE FUNCTION ${s}.copy_to_shadow();`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    // The clone on c is not where the trigger can be changed: its parent's trigger is.
    expect(r.reason).toBe(
      dualWrite(
        `${schema}.c`,
        `${schema}.s`,
        `trigger dual_write (function ${schema}.copy_to_shadow()) on ${schema}.p, which ${schema}.c is a partition of`,
      ),
    );
  });

  it('plants keys among the live ones in a table partitioned on its key from 1, which refuses keys below', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int) PARTITION BY RANGE (id);
              CREATE TABLE ${s}.c_1 PARTITION OF ${s}.c FOR VALUES FROM (1) TO (1000);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.c VALUES (1, 1), (2, 2), (5, 5); INSERT INTO ${s}.s VALUES (1, 1), (2, 2), (5, 5);`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect([r.status, r.undetected, r.reason]).toEqual(['passed', [], null]);
    // Rolled back: the tables hold what they held.
    expect([await count(`${schema}.c`), await count(`${schema}.s`)]).toEqual([3, 3]);
  });

  it('plants keys among the live ones where a CHECK keeps the key positive', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id bigint PRIMARY KEY CHECK (id > 0), v int);
              CREATE TABLE ${s}.s (id bigint PRIMARY KEY CHECK (id > 0), v int);
              INSERT INTO ${s}.c VALUES (10, 1), (11, 2); INSERT INTO ${s}.s VALUES (10, 1), (11, 2);`,
    );
    const r = await runSelfTest(db, pairSpec(schema));
    expect([r.status, r.undetected, r.reason]).toEqual(['passed', [], null]);
  });
});

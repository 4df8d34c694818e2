import { describe, expect, it } from 'vitest';
import { keyGuaranteed, readLiveTables } from '../../src/comparator/catalog.js';
import { planPair, runComparator } from '../../src/comparator/run.js';
import type { ComparatorSpec } from '../../src/comparator/spec.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { compareOnce, pairSpec, SPEC_FILE, specFrom, specWithProblems } from './helpers.js';

describe('comparator.yaml problems the file alone shows', () => {
  it('rejects a column both compared and excluded, a compared key, and a rule on an uncompared column', () => {
    const { problems } = specWithProblems(`pairs:
  - id: p
    canonical: a.c
    shadow: a.s
    key: [id]
    compare: [id, v, w]
    exclude:
      - { column: w, reason: not needed }
    rules:
      x: { float_tolerance: 0.1 }
`);
    expect(problems.map((p) => p.message)).toEqual([
      "pair 'p': column 'w' is both compared and excluded; keep one",
      "pair 'p': key column 'id' is matched by the join, not compared; remove it from compare",
      "pair 'p': a rule for 'x', which is not compared; remove the rule or compare the column",
    ]);
    expect(problems.every((p) => p.file === SPEC_FILE && p.line > 1)).toBe(true);
  });

  it('requires a reason for every exclusion (schema)', () => {
    const { problems } = specWithProblems(`pairs:
  - { id: p, canonical: a.c, shadow: a.s, key: [id], compare: all, exclude: [{ column: v }] }
`);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]?.message).toMatch(/reason/);
  });
});

describe.each(testBackends())('coverage against the live schema ($name)', (backend) => {
  const db = useTestDatabase(backend);
  let n = 0;
  const schemaWith = async (ddl: (s: string) => string) => {
    const schema = `cov_${++n}`;
    await db.exec(`CREATE SCHEMA ${schema}; ${ddl(schema)}`);
    return schema;
  };
  const check = async (spec: ComparatorSpec) => {
    const client = db.client();
    try {
      const pair = spec.pairs[0];
      if (!pair) throw new Error('no pair');
      return await planPair(client, pair, 30_000);
    } finally {
      await client.close();
    }
  };

  it('reads several tables in one statement: columns, unique sets, and undefined for a missing one', async () => {
    const schema = await schemaWith(
      (
        s,
      ) => `CREATE TABLE ${s}.c (a int, b text, note text, n int GENERATED ALWAYS AS (a * 2) STORED, PRIMARY KEY (b, a));
              CREATE UNIQUE INDEX ON ${s}.c (note) WHERE note IS NOT NULL;
              CREATE UNIQUE INDEX ON ${s}.c (lower(note));
              CREATE TABLE ${s}.s (a int, b text, UNIQUE (a));
              CREATE VIEW ${s}.v AS SELECT a, b FROM ${s}.c;`,
    );
    const client = db.client();
    try {
      const t = (name: string) => ({ schema, name, text: `${schema}.${name}` });
      const [c, missing, s, v] = await readLiveTables(client, [t('c'), t('gone'), t('s'), t('v')], {
        timeoutMs: 30_000,
      });
      expect(missing).toBeUndefined();
      expect(c?.relkind).toBe('r');
      expect(c?.columns.map((col) => [col.name, col.typname, col.notNull, col.generated])).toEqual([
        ['a', 'int4', true, false],
        ['b', 'text', true, false],
        ['note', 'text', false, false],
        ['n', 'int4', false, true],
      ]);
      // The partial and the expression index guarantee nothing about a key.
      expect(c?.uniqueSets).toEqual([['a', 'b']]);
      expect(s?.uniqueSets).toEqual([['a']]);
      expect(v?.relkind).toBe('v');
      expect(v?.uniqueSets).toEqual([]);
      if (!c || !s || !v) throw new Error('a table was not read');
      expect(keyGuaranteed(c, ['a', 'b'])).toEqual({ unique: true, notNull: true });
      expect(keyGuaranteed(s, ['a'])).toEqual({ unique: true, notNull: false });
      expect(keyGuaranteed(v, ['a', 'b'])).toEqual({ unique: false, notNull: false });
    } finally {
      await client.close();
    }
  });

  it('names a column the schema gained after the spec was written (explicit list), with where to fix it', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int); CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);`,
    );
    const spec = specFrom(`pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: [id]
    compare: [v]
`);
    expect((await check(spec)).problems).toEqual([]);
    await db.exec(`ALTER TABLE ${schema}.c ADD COLUMN lineage_declared_at timestamptz;
                   ALTER TABLE ${schema}.s ADD COLUMN lineage_declared_at timestamptz;`);
    const after = await check(spec);
    expect(after.plan).toBeUndefined();
    expect(after.problems).toEqual([
      {
        code: 'column_uncovered',
        pair: 'p',
        table: `${schema}.c`,
        column: 'lineage_declared_at',
        message: `live column ${schema}.c.lineage_declared_at (timestamp with time zone) is neither compared nor excluded; add it to compare, or to exclude with a reason`,
        location: { file: SPEC_FILE, line: 7, col: 14 },
      },
    ]);
  });

  it('with compare: all, a gained column is compared from the next run on', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int); CREATE TABLE ${s}.s (id int PRIMARY KEY, v int);
              INSERT INTO ${s}.c VALUES (1, 1); INSERT INTO ${s}.s VALUES (1, 1);`,
    );
    const spec = pairSpec(schema);
    expect((await check(spec)).plan?.compared.map((c) => c.name)).toEqual(['v']);
    await db.exec(
      `ALTER TABLE ${schema}.c ADD COLUMN w text DEFAULT 'x'; ALTER TABLE ${schema}.s ADD COLUMN w text DEFAULT 'y';`,
    );
    expect((await check(spec)).plan?.compared.map((c) => c.name)).toEqual(['v', 'w']);
    const client = db.client();
    try {
      const r = await compareOnce(client, spec);
      expect(r.pairs[0]?.rows).toEqual([{ key: { id: '1' }, kind: 'value_mismatch', columns: ['w'] }]);
    } finally {
      await client.close();
    }
  });

  it('reports declared columns that do not exist, and a shadow of another shape', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int, w text, x int);
              CREATE TABLE ${s}.s (id bigint PRIMARY KEY, v int, w varchar(10), extra int, written_at timestamptz);`,
    );
    const spec = pairSpec(
      schema,
      `    shadow_only: [written_at]
    exclude:
      - { column: gone, reason: renamed away }`,
    );
    const { problems } = await check(spec);
    expect(problems.map((p) => [p.code, p.column])).toEqual([
      ['column_unknown', 'gone'],
      ['key_type_mismatch', 'id'],
      ['type_mismatch', 'w'],
      ['shadow_column_missing', 'x'],
      ['shadow_column_extra', 'extra'],
    ]);
    expect(problems[1]?.message).toBe(
      `key column 'id' is integer in ${schema}.c but bigint in ${schema}.s; alter the shadow column to integer`,
    );
  });

  it('names a shadow column of another collation, which every run would stop on, before any run', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id text COLLATE "C" PRIMARY KEY, v text COLLATE "C", w text, x text COLLATE "C");
              CREATE TABLE ${s}.s (id text COLLATE "POSIX" PRIMARY KEY, v text COLLATE "POSIX", w text COLLATE "C", x text);
              INSERT INTO ${s}.c VALUES ('a', 'x', 'y', 'z'); INSERT INTO ${s}.s VALUES ('a', 'x', 'y', 'z');`,
    );
    const { problems, plan } = await check(pairSpec(schema));
    expect(plan).toBeUndefined();
    // x: the canonical collation wins over the shadow's default, so the comparison is the canonical one.
    expect(problems.map((p) => [p.code, p.column])).toEqual([
      ['key_type_mismatch', 'id'],
      ['type_mismatch', 'v'],
      ['type_mismatch', 'w'],
    ]);
    expect(problems[1]?.message).toBe(
      `column 'v' is text COLLATE "C" in ${schema}.c but COLLATE "POSIX" in ${schema}.s, so the two cannot be compared as the canonical table compares them; alter the shadow column to COLLATE "C"`,
    );
    expect(problems[2]?.message).toMatch(/alter the shadow column to the database's default collation$/);
    const client = db.client();
    try {
      const r = await compareOnce(client, pairSpec(schema));
      expect([r.pairs[0]?.status, r.verdict]).toEqual(['coverage_error', 'fail']);
    } finally {
      await client.close();
    }
  });

  it('refuses to compare a generated column, and accepts it excluded with a reason', async () => {
    const schema = await schemaWith(
      (
        s,
      ) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, name text, name_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(name, ''))) STORED);
              CREATE TABLE ${s}.s (id int PRIMARY KEY, name text, name_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(name, ''))) STORED);`,
    );
    const bad = await check(pairSpec(schema));
    expect(bad.problems.map((p) => [p.code, p.column])).toEqual([['generated_compared', 'name_tsv']]);
    expect(bad.problems[0]?.message).toMatch(/add it to exclude with a reason/);
    const good = await check(
      pairSpec(schema, '    exclude:\n      - { column: name_tsv, reason: generated from name }'),
    );
    expect(good.problems).toEqual([]);
    expect(good.plan?.compared.map((c) => c.name)).toEqual(['name']);
  });

  it('rejects a rule that does not fit the column type', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v text); CREATE TABLE ${s}.s (id int PRIMARY KEY, v text);`,
    );
    const { problems } = await check(pairSpec(schema, '    rules:\n      v: { float_tolerance: 0.5 }'));
    expect(problems.map((p) => p.code)).toEqual(['rule_type']);
  });

  it('plans a column named like an Object.prototype member with no rule but its own', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, "constructor" text, "toString" text, "valueOf" int, v text);
              CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const { problems, plan } = await check(pairSpec(schema, '    rules:\n      v: { case_insensitive: true }'));
    expect(problems).toEqual([]);
    expect(plan?.compared.map((c) => [c.name, c.rule])).toEqual([
      ['constructor', {}],
      ['toString', {}],
      ['valueOf', {}],
      ['v', { case_insensitive: true }],
    ]);
  });

  it("names a sized column's type as it is, and a domain's with the size it gives", async () => {
    const schema = await schemaWith(
      (s) => `CREATE DOMAIN ${s}.amt AS numeric(12, 2);
              CREATE TABLE ${s}.c (id int PRIMARY KEY, v varchar(40), a ${s}.amt);
              CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const { problems } = await check(
      pairSpec(schema, '    rules:\n      v: { float_tolerance: 0.5 }\n      a: { case_insensitive: true }'),
    );
    expect(problems.map((p) => p.message)).toEqual([
      "float_tolerance applies to numbers that subtract (smallint, integer, bigint, numeric, real, double precision), and 'v' is character varying(40); remove the rule",
      `case_insensitive applies to text columns, and 'a' is ${schema}.amt (a domain over numeric(12,2)); remove the rule`,
    ]);
  });

  it('refuses before any run a float_tolerance every run would halt on: on money, on a domain over json', async () => {
    const schema = await schemaWith(
      (s) => `CREATE DOMAIN ${s}.doc AS json; CREATE DOMAIN ${s}.amount AS numeric(12, 2);
              CREATE TABLE ${s}.c (id int PRIMARY KEY, m money, j ${s}.doc, n ${s}.amount);
              CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const rules = (m: string) => `    rules:\n${m}      j: { float_tolerance: 0.5 }\n      n: { float_tolerance: 0.5 }`;
    const { problems } = await check(pairSpec(schema, rules('      m: { float_tolerance: 0.01 }\n')));
    expect(problems.map((p) => [p.code, p.column])).toEqual([
      ['rule_type', 'm'],
      ['rule_type', 'j'],
    ]);
    expect(problems[0]?.message).toBe(
      "float_tolerance applies to numbers that subtract (smallint, integer, bigint, numeric, real, double precision), and 'm' is money, which is exact to the cent; remove the rule",
    );
    expect(problems[1]?.message).toMatch(
      new RegExp(`and 'j' is ${schema}\\.doc \\(a domain over json\\); remove the rule$`),
    );
    expect(problems.every((p) => p.location.file === SPEC_FILE && p.location.line > 1)).toBe(true);
    // A domain over a number takes the tolerance: its arithmetic is the number's.
    const ok = await check(pairSpec(schema, '    rules:\n      n: { float_tolerance: 0.5 }'));
    expect(ok.problems).toEqual([]);
    expect(ok.plan?.compared.find((c) => c.name === 'j')?.cast).toBe('jsonb');
  });

  it('refuses a column whose type the database cannot compare, naming it, before a run halts on it', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int, path jsonpath); CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const bad = await check(pairSpec(schema));
    expect(bad.plan).toBeUndefined();
    expect(bad.problems.map((p) => [p.code, p.column])).toEqual([['column_incomparable', 'path']]);
    expect(bad.problems[0]?.message).toMatch(
      new RegExp(
        `^${schema}\\.c\\.path \\(jsonpath\\) cannot be compared: the database refuses the comparison \\(.*jsonpath.*\\); add it to exclude with a reason$`,
      ),
    );
    const good = await check(pairSpec(schema, '    exclude:\n      - { column: path, reason: holds queries }'));
    expect(good.problems).toEqual([]);
  });

  it('refuses a composite holding json at any depth, which EXPLAIN passes and every run halts on', async () => {
    const schema = await schemaWith(
      (s) => `CREATE DOMAIN ${s}.doc AS json;
              CREATE TYPE ${s}.inner AS (k int, d ${s}.doc);
              CREATE TYPE ${s}.outer AS (a int, i ${s}.inner[]);
              CREATE TYPE ${s}.plain AS (n int, j json);
              CREATE TYPE ${s}.fine AS (gone json, b jsonb, t text[], r int4range);
              ALTER TYPE ${s}.fine DROP ATTRIBUTE gone;
              CREATE TYPE ${s}.geo AS (p point);
              CREATE DOMAIN ${s}.outer_d AS ${s}.outer;
              CREATE TABLE ${s}.c (id int PRIMARY KEY, p ${s}.plain, ps ${s}.plain[], o ${s}.outer,
                od ${s}.outer_d[], g ${s}.geo, f ${s}.fine, j json);
              CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const bad = await check(pairSpec(schema));
    expect(bad.plan).toBeUndefined();
    expect(bad.problems.map((p) => [p.code, p.column])).toEqual([
      ['column_incomparable', 'p'],
      ['column_incomparable', 'ps'],
      ['column_incomparable', 'o'],
      ['column_incomparable', 'od'],
      ['column_incomparable', 'g'],
    ]);
    expect(bad.problems.map((p) => p.message)).toEqual([
      `${schema}.c.p (${schema}.plain) cannot be compared: its attribute j is json, which has no equality operator, so every run would stop at the first row it compares; add it to exclude with a reason`,
      expect.stringMatching(/^[\w.]+\.ps \(\w+\.plain\[\]\) cannot be compared: its attribute j is json,/),
      expect.stringMatching(/^[\w.]+\.o \(\w+\."?outer"?\) cannot be compared: its attribute i\.d is json,/),
      expect.stringMatching(/^[\w.]+\.od \(\w+\.outer_d\[\]\) cannot be compared: its attribute i\.d is json,/),
      expect.stringMatching(/^[\w.]+\.g \(\w+\.geo\) cannot be compared: its attribute p is point,/),
    ]);
    expect(bad.problems.every((p) => p.location.file === SPEC_FILE && p.location.line > 1)).toBe(true);
    // Excluded, the rest plans: a composite of comparable attributes, and json on its own (read as jsonb).
    const good = await check(
      pairSpec(
        schema,
        `    exclude:\n${['p', 'ps', 'o', 'od', 'g'].map((c) => `      - { column: ${c}, reason: holds json }\n`).join('')}`,
      ),
    );
    expect(good.problems).toEqual([]);
    expect(good.plan?.compared.map((c) => c.name)).toEqual(['f', 'j']);
  });

  it('refuses a key column rows cannot be paired by (json, in a domain, an array or a composite; point; xml), naming it', async () => {
    const schema = await schemaWith(
      (s) => `CREATE DOMAIN ${s}.doc AS json;
              CREATE TYPE ${s}.inner AS (k int, d ${s}.doc);
              CREATE TYPE ${s}.outer AS (a int, i ${s}.inner[]);
              CREATE TYPE ${s}.fine AS (n int, t text);
              CREATE TABLE ${s}.c (id int PRIMARY KEY, j json, d ${s}.doc, ja json[], o ${s}.outer, p point, x xml,
                f ${s}.fine);
              CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const excluded = (but: string) =>
      `    exclude:\n${['j', 'd', 'ja', 'o', 'p', 'x', 'id']
        .filter((c) => c !== but)
        .map((c) => `      - { column: ${c}, reason: not compared here }\n`)
        .join('')}`;
    const said = (column: string, type: string, holds: string) =>
      `key column ${schema}.c.${column} (${type}) cannot pair rows: ${holds}, which has no equality operator, so no canonical row can be matched with its shadow row and every run would stop; choose another key, of columns that compare for equality (such as the primary key's)`;
    const cases: [string, string, string][] = [
      ['j', 'json', 'it is json'],
      ['d', `${schema}.doc (a domain over json)`, 'it holds json'],
      ['ja', 'json[]', 'it holds json'],
      ['o', `${schema}."outer"`, 'its attribute i.d is json'],
      ['p', 'point', 'it is point'],
      ['x', 'xml', 'it is xml'],
    ];
    for (const [column, type, holds] of cases) {
      const { plan, problems } = await check(pairSpec(schema, excluded(column), `[${column}]`));
      expect(plan).toBeUndefined();
      expect(problems.map((p) => [p.code, p.column, p.message])).toEqual([
        ['column_incomparable', column, said(column, type, holds)],
      ]);
      // At the key, where the fix goes.
      expect(problems[0]?.location).toMatchObject({ file: SPEC_FILE, line: 6 });
    }
    // A composite of comparable attributes pairs rows.
    const fine = await check(pairSpec(schema, excluded('f'), '[f]'));
    expect(fine.problems).toEqual([]);
    expect(fine.plan?.key.map((k) => k.name)).toEqual(['f']);
  });

  it('refuses a key column with equality but no order (xid), naming it at the key rather than each compared column', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (tx xid NOT NULL, v int, w text); CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const { plan, problems } = await check(pairSpec(schema, '', '[tx]'));
    expect(plan).toBeUndefined();
    expect(problems.map((p) => [p.code, p.column, p.message])).toEqual([
      [
        'column_incomparable',
        'tx',
        `key column ${schema}.c.tx (xid) has equality but no order (no btree operator class), and the comparison lists divergent keys in key order, so every run would stop; choose another key, of columns that sort (such as the primary key's)`,
      ],
    ]);
    expect(problems[0]?.location).toMatchObject({ file: SPEC_FILE, line: 6 });
  });

  it('names a pair too wide for one comparison query at its compare list, not as a halt', async () => {
    const columns = Array.from({ length: 900 }, (_, i) => `c${i} int`).join(', ');
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, ${columns}); CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const { plan, problems } = await check(pairSpec(schema));
    expect(plan).toBeUndefined();
    expect(problems.map((p) => [p.code, p.location.line])).toEqual([['too_many_columns', 7]]);
    expect(problems[0]?.message).toMatch(
      new RegExp(
        `^${schema}\\.c ↔ ${schema}\\.s compares 900 columns, more than one comparison query can carry \\(.*1664.*\\); split them across two pairs`,
      ),
    );
  });

  it('rejects a timestamp_precision on a time with time zone column, which date_trunc cannot take', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, t time, tz timetz); CREATE TABLE ${s}.s (LIKE ${s}.c);`,
    );
    const { problems } = await check(
      pairSpec(
        schema,
        '    rules:\n      t: { timestamp_precision: second }\n      tz: { timestamp_precision: second }',
      ),
    );
    expect(problems.map((p) => [p.code, p.column])).toEqual([['rule_type', 'tz']]);
  });

  it('comparator check is covered/pass without reading rows, and a coverage error fails (exit 1)', async () => {
    const schema = await schemaWith(
      (s) => `CREATE TABLE ${s}.c (id int PRIMARY KEY, v int); CREATE TABLE ${s}.s (id int PRIMARY KEY);`,
    );
    const client = db.client();
    try {
      const r = await runComparator({
        client,
        rfc: 't',
        spec: pairSpec(schema),
        asOf: new Date(),
        mode: 'check',
        limit: 0,
        timeoutMs: 30_000,
      });
      expect(r.verdict).toBe('fail');
      expect(r.pairs[0]?.status).toBe('coverage_error');
      await db.exec(`ALTER TABLE ${schema}.s ADD COLUMN v int`);
      const ok = await runComparator({
        client,
        rfc: 't',
        spec: pairSpec(schema),
        asOf: new Date(),
        mode: 'check',
        limit: 0,
        timeoutMs: 30_000,
      });
      expect(ok.verdict).toBe('pass');
      expect(ok.pairs[0]?.status).toBe('covered');
      // Both tables are empty: check never looked at rows, or it would have halted.
      expect(ok.pairs[0]?.state).toBeNull();
    } finally {
      await client.close();
    }
  });
});

describe.each(testBackends())('must_compare ($name)', (backend) => {
  const db = useTestDatabase(backend);
  it('fails when a column the RFC names is missing from the live table', async () => {
    await db.exec(`CREATE SCHEMA mc;
      CREATE TABLE mc.c (id int PRIMARY KEY, disabled_at timestamptz, notes text);
      CREATE TABLE mc.s (id int PRIMARY KEY, disabled_at timestamptz, notes text);`);
    const spec = pairSpec('mc', `    must_compare: [disabled_at, lineage_demoted_at, notes]`);
    const client = db.client();
    try {
      const pair = spec.pairs[0];
      if (!pair) throw new Error('no pair');
      const { problems, plan } = await planPair(client, pair, 30_000);
      expect(plan).toBeUndefined();
      expect(problems.map((p) => [p.code, p.column])).toEqual([['column_unknown', 'lineage_demoted_at']]);
      expect(problems[0]?.message).toMatch(/must be compared but does not exist in mc\.c: declared but not done/);
    } finally {
      await client.close();
    }
  });
});

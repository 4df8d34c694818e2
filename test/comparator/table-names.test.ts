import { describe, expect, it } from 'vitest';
import { planPair } from '../../src/comparator/run.js';
import { selfTest } from '../../src/comparator/selftest.js';
import { compareSql, printable } from '../../src/comparator/sql.js';
import { formatProblem } from '../../src/spec/problems.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { compareOnce, SPEC_FILE, specFrom, specWithProblems } from './helpers.js';

/** A one-pair comparator.yaml; each table name is written as a YAML single-quoted scalar. */
const yaml = (canonical: string, shadow: string) => `pairs:
  - id: p
    canonical: '${canonical.replaceAll("'", "''")}'
    shadow: '${shadow.replaceAll("'", "''")}'
    key: [id]
    compare: all
`;

describe('comparator.yaml table names', () => {
  it('reads a name PostgreSQL takes only in double quotes, each part as the catalog holds it', () => {
    const cases: [string, { schema: string; name: string }][] = [
      ['sales."Order Items"', { schema: 'sales', name: 'Order Items' }],
      ['public."orders-2026"', { schema: 'public', name: 'orders-2026' }],
      ['"My Schema"."a.b"', { schema: 'My Schema', name: 'a.b' }],
      ['public."say ""hi"""', { schema: 'public', name: 'say "hi"' }],
      ['café.commandes', { schema: 'café', name: 'commandes' }],
      ['core.Agents$1', { schema: 'core', name: 'Agents$1' }],
    ];
    for (const [text, want] of cases) {
      const pair = specFrom(yaml(text, 'shadow.t')).pairs[0];
      expect(pair?.canonical).toEqual({ ...want, text });
    }
  });

  it('refuses what no table can be named, at its line and column, saying how to write it', () => {
    const cases: [string, RegExp][] = [
      ['orders', /it names no schema; write schema\.table, such as public\.orders$/],
      [
        'public.orders-2026',
        /"-" cannot appear in a name outside double quotes; quote the name: public\."orders-2026"$/,
      ],
      ['public.Order Items', /" " cannot appear .*; quote the name: public\."Order Items"$/],
      ['public.2026_orders', /cannot start with "2"; quote the name: public\."2026_orders"$/],
      ['public."orders', /the double quote at character 8 is never closed$/],
      ['public.""', /a quoted name "" is empty$/],
      ['public.', /a part of the name is empty$/],
      ['db.public.orders', /it has 3 parts; write schema\.table/],
      [`public.${'x'.repeat(64)}`, /is 64 bytes long, and PostgreSQL keeps only the first 63 bytes of a name/],
    ];
    for (const [text, message] of cases) {
      const { problems } = specWithProblems(yaml(text, 'shadow.t'));
      expect(problems.map(formatProblem)).toHaveLength(1);
      const [p] = problems;
      // The fourth line: the schema comment the helper adds comes first.
      expect([p?.file, p?.line, p?.col]).toEqual([SPEC_FILE, 4, 16]);
      expect(p?.message).toMatch(new RegExp(`^pair 'p': canonical '.*' is not a table name: `));
      expect(p?.message).toMatch(message);
    }
  });

  it('knows a quoted and an unquoted spelling of one table for the same table', () => {
    const { problems } = specWithProblems(yaml('public.orders', 'public."orders"'));
    expect(problems.map((p) => p.message)).toEqual(["pair 'p': the shadow table is the canonical table"]);
  });
});

describe.each(testBackends())('a pair of tables with names only quotes allow ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('is checked, compared and self-tested, each name quoted in the SQL', async () => {
    await db.exec(`CREATE SCHEMA "Sales Dept";
      CREATE TABLE "Sales Dept"."Order Items" (id int PRIMARY KEY, "qty" int, note text NOT NULL);
      CREATE TABLE "Sales Dept"."orders-2026.shadow" (LIKE "Sales Dept"."Order Items" INCLUDING ALL);
      INSERT INTO "Sales Dept"."Order Items" VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c');
      INSERT INTO "Sales Dept"."orders-2026.shadow" VALUES (1, 1, 'a'), (2, 20, 'b'), (4, 4, 'd');`);
    const spec = specFrom(yaml('"Sales Dept"."Order Items"', '"Sales Dept"."orders-2026.shadow"'));
    const client = db.client();
    try {
      const report = await compareOnce(client, spec);
      const r = report.pairs[0];
      expect(r?.reason).toBe('3 divergent keys: 1 canonical_missing, 1 shadow_missing, 1 value_mismatch');
      expect(r?.rows).toEqual([
        { key: { id: '2' }, kind: 'value_mismatch', columns: ['qty'] },
        { key: { id: '3' }, kind: 'shadow_missing', columns: [] },
        { key: { id: '4' }, kind: 'canonical_missing', columns: [] },
      ]);
      expect(r?.canonical).toBe('"Sales Dept"."Order Items"');

      const pair = spec.pairs[0];
      if (!pair) throw new Error('no pair');
      const planned = await planPair(client, pair, 30_000);
      if (!planned.plan || !planned.canonical || !planned.shadow) throw new Error(JSON.stringify(planned.problems));
      expect(printable(compareSql(planned.plan, { limit: 10, cutoff: null }))).toContain(
        'FROM "Sales Dept"."Order Items" AS c\n  FULL OUTER JOIN "Sales Dept"."orders-2026.shadow" AS s',
      );
      const st = await selfTest(db.writer(), {
        plan: planned.plan,
        canonical: planned.canonical,
        shadow: planned.shadow,
        cutoff: null,
        limit: 10,
        timeoutMs: 30_000,
      });
      expect(st.reason).toBeNull();
      expect(st.status).toBe('passed');
    } finally {
      await client.close();
    }
    expect(await db.exec(`SELECT count(*)::int AS n FROM "Sales Dept"."Order Items"`)).toEqual([{ n: 3 }]);
  });
});

describe('comparator.yaml column names', () => {
  it('takes any name a column can have, as the catalog spells it, and refuses one no column can have', () => {
    const spec = (column: string) => `pairs:
  - id: p
    canonical: a.c
    shadow: a.s
    key: ['order-id']
    compare: ['Unit Price']
    exclude:
      - { column: '${column}', reason: not compared }
    age_column: 'Updated At'
`;
    expect(specFrom(spec('Note (internal)')).pairs[0]?.exclude).toEqual([
      { column: 'Note (internal)', reason: 'not compared' },
    ]);
    const { problems } = specWithProblems(spec('x'.repeat(64)));
    expect(problems.map(formatProblem)).toEqual([
      `${SPEC_FILE}:9:19: pair 'p': column '${'x'.repeat(64)}' is not a column name: it is 64 bytes long, and PostgreSQL keeps only the first 63 bytes of a name; write the name the catalog holds`,
    ]);
  });
});

describe.each(testBackends())('columns with names only quotes allow ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('are keyed on, compared under a rule, excluded and aged by', async () => {
    await db.exec(`CREATE SCHEMA q;
      CREATE TABLE q.c ("order-id" int PRIMARY KEY, "Unit Price" numeric, "Note (internal)" text,
        "Updated At" timestamptz NOT NULL);
      CREATE TABLE q.s (LIKE q.c INCLUDING ALL);
      INSERT INTO q.c VALUES (1, 1.00, 'a', '2026-01-01'), (2, 2.00, 'b', '2026-01-01'), (3, 3.00, 'c', now());
      INSERT INTO q.s VALUES (1, 1.001, 'x', '2026-01-01'), (2, 2.5, 'b', '2026-01-01'), (3, 9, 'c', now());`);
    const spec = specFrom(`min_age: 1h
pairs:
  - id: p
    canonical: q.c
    shadow: q.s
    key: [order-id]
    compare: [Unit Price]
    exclude:
      - { column: Note (internal), reason: free text }
      - { column: Updated At, reason: the write lag }
    age_column: Updated At
    rules:
      Unit Price: { float_tolerance: 0.01 }
`);
    const client = db.client();
    try {
      const report = await compareOnce(client, spec);
      // Key 1 is within the tolerance, key 3 too young to compare.
      expect(report.pairs[0]?.rows).toEqual([
        { key: { 'order-id': '2' }, kind: 'value_mismatch', columns: ['Unit Price'] },
      ]);
    } finally {
      await client.close();
    }
  });
});

describe.each(testBackends())('a table named but for its case ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('is missing, and the message names the table the catalog holds', async () => {
    await db.exec(`CREATE SCHEMA cs; CREATE TABLE cs.orders (id int PRIMARY KEY);
      CREATE TABLE cs."Orders_Shadow" (id int PRIMARY KEY); CREATE TABLE cs."Order ""Items""" (id int PRIMARY KEY);`);
    const client = db.client();
    try {
      const messages = async (canonical: string, shadow: string) => {
        const pair = specFrom(yaml(canonical, shadow)).pairs[0];
        if (!pair) throw new Error('no pair');
        return (await planPair(client, pair, 30_000)).problems.map((p) => [p.code, p.message]);
      };
      const folded = 'A name is read as the catalog spells it, not folded to lower case as unquoted SQL is';
      expect(await messages('cs.Orders', 'CS.orders_shadow')).toEqual([
        [
          'table_missing',
          `canonical table cs.Orders does not exist in this database; did you mean cs.orders? ${folded}`,
        ],
        [
          'table_missing',
          `shadow table CS.orders_shadow does not exist in this database; did you mean cs.Orders_Shadow? ${folded}`,
        ],
      ]);
      expect(await messages('cs.orders', 'cs."order ""items"""')).toEqual([
        [
          'table_missing',
          `shadow table cs."order ""items""" does not exist in this database; did you mean cs."Order ""Items"""? ${folded}`,
        ],
      ]);
      // No table alike: the message stays as it was.
      expect((await messages('cs.orders', 'cs.nothing'))[0]?.[1]).toMatch(/does not exist in this database; create it/);
    } finally {
      await client.close();
    }
  });
});

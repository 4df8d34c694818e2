import { describe, expect, it } from 'vitest';
import { comparatorExitCode, type PairResult, planPair, runComparator } from '../../src/comparator/run.js';
import type { ComparatorSpec } from '../../src/comparator/spec.js';
import { compareSql, printable } from '../../src/comparator/sql.js';
import type { StoredWindow } from '../../src/comparator/window.js';
import { formatComparator } from '../../src/formatters/comparator/index.js';
import { testBackends, type TestDatabase, useTestDatabase } from '../helpers/db.js';
import { expectInert, PLANTED, SHOWN, SHOWN_INSIDE } from '../helpers/planted.js';
import type { SqlClient } from '../../src/sources/sql/client.js';
import { pairSpec } from './helpers.js';

const AS_OF = new Date('2026-06-01T12:00:00Z');

async function run(
  db: TestDatabase,
  spec: ComparatorSpec,
  opts: {
    limit?: number;
    minAgeMs?: number;
    windows?: Map<string, StoredWindow>;
    chunks?: number;
    cutoffFrom?: Date;
  } = {},
) {
  const client = db.client();
  try {
    return await runComparator({
      client,
      rfc: 't',
      spec,
      asOf: AS_OF,
      mode: 'run',
      limit: opts.limit ?? 100,
      timeoutMs: 30_000,
      ...(opts.minAgeMs === undefined ? {} : { minAgeMs: opts.minAgeMs }),
      ...(opts.windows ? { windows: opts.windows } : {}),
      ...(opts.chunks ? { chunks: opts.chunks } : {}),
      ...(opts.cutoffFrom ? { cutoffFrom: opts.cutoffFrom } : {}),
    });
  } finally {
    await client.close();
  }
}

const only = (r: { pairs: PairResult[] }): PairResult => r.pairs[0] as PairResult;

describe.each(testBackends())('comparator run ($name)', (backend) => {
  const db = useTestDatabase(backend);
  let n = 0;
  /** A fresh schema with c (canonical) and s (shadow) of the given columns. */
  const tables = async (columns: string, rows: { c?: string; s?: string } = {}) => {
    const schema = `cmp_${++n}`;
    await db.exec(`CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.c (${columns});
      CREATE TABLE ${schema}.s (${columns});
      ${rows.c ? `INSERT INTO ${schema}.c VALUES ${rows.c};` : ''}
      ${rows.s ? `INSERT INTO ${schema}.s VALUES ${rows.s};` : ''}`);
    return schema;
  };

  it('finds each divergence kind, one row per key with its divergent columns', async () => {
    const schema = await tables('id int PRIMARY KEY, name text, score int', {
      c: "(1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4)",
      s: "(1, 'a', 1), (2, 'B', 2), (3, 'c', 30), (5, 'e', 5)",
    });
    const r = only(await run(db, pairSpec(schema)));
    expect(r.status).toBe('divergent');
    expect(r.verdict).toBe('fail');
    expect(r.counts).toEqual({ canonical_missing: 1, shadow_missing: 1, value_mismatch: 2, divergent: 4 });
    expect(r.columns).toEqual({ name: 1, score: 1 });
    expect(r.rows).toEqual([
      { key: { id: '2' }, kind: 'value_mismatch', columns: ['name'] },
      { key: { id: '3' }, kind: 'value_mismatch', columns: ['score'] },
      { key: { id: '4' }, kind: 'shadow_missing', columns: [] },
      { key: { id: '5' }, kind: 'canonical_missing', columns: [] },
    ]);
    expect(comparatorExitCode({ verdict: 'fail' })).toBe(1);
  });

  it('passes identical tables, and the run is clean (exit 0)', async () => {
    const schema = await tables('id int PRIMARY KEY, v text', { c: "(1, 'x'), (2, NULL)", s: "(1, 'x'), (2, NULL)" });
    const report = await run(db, pairSpec(schema));
    expect(only(report).status).toBe('clean');
    expect(only(report).counts?.divergent).toBe(0);
    expect(comparatorExitCode(report)).toBe(0);
  });

  it('treats NULL vs NULL as equal and NULL vs a value as divergent', async () => {
    const schema = await tables('id int PRIMARY KEY, v text', {
      c: "(1, NULL), (2, NULL), (3, 'x')",
      s: "(1, NULL), (2, 'x'), (3, NULL)",
    });
    const r = only(await run(db, pairSpec(schema)));
    expect(r.rows.map((x) => x.key.id)).toEqual(['2', '3']);
    expect(r.counts?.value_mismatch).toBe(2);
  });

  it('compares JSONB (and json) as values: key order and spacing are irrelevant', async () => {
    const schema = await tables('id int PRIMARY KEY, j jsonb, k json', {
      c: `(1, '{"a": 1, "b": [1, 2]}', '{"x": 1, "y": 2}'), (2, '{"a": 1}', '{"x": 1}')`,
      s: `(1, '{"b": [1,2], "a": 1}', '{"y":2,"x":1}'), (2, '{"a": 2}', '{"x": 1}')`,
    });
    const r = only(await run(db, pairSpec(schema)));
    expect(r.rows).toEqual([{ key: { id: '2' }, kind: 'value_mismatch', columns: ['j'] }]);
  });

  it('compares arrays of json as values, and arrays of xml as text, instead of halting on them', async () => {
    const schema = await tables('id int PRIMARY KEY, js json[], x xml[]', {
      c: `(1, ARRAY['{"a": 1, "b": 2}']::json[], ARRAY['<a/>']::xml[]), (2, ARRAY['{"a": 1}']::json[], ARRAY['<a/>']::xml[]), (3, ARRAY['{}']::json[], ARRAY['<a/>']::xml[])`,
      s: `(1, ARRAY['{"b":2,"a":1}']::json[], ARRAY['<a/>']::xml[]), (2, ARRAY['{"a": 2}']::json[], ARRAY['<a/>']::xml[]), (3, ARRAY['{}']::json[], ARRAY['<b/>']::xml[])`,
    });
    const r = only(await run(db, pairSpec(schema)));
    expect(r.reason).toMatch(/^2 divergent keys/);
    expect(r.rows).toEqual([
      { key: { id: '2' }, kind: 'value_mismatch', columns: ['js'] },
      { key: { id: '3' }, kind: 'value_mismatch', columns: ['x'] },
    ]);
  });

  it('compares a json value jsonb cannot hold (\\u0000, an unpaired surrogate) as written, instead of halting every run', async () => {
    // SQL text: the backslashes are the json's own (standard_conforming_strings).
    const schema = await tables('id int PRIMARY KEY, j json, a json[]', {
      c: [
        `(1, '{"a": "x\\u0000y"}', ARRAY['"\\u0000"']::json[])`,
        `(2, '{"a": "x\\u0000y"}', NULL)`,
        `(3, '["\\ud800"]', ARRAY['{"b": "\\udc00"}']::json[])`,
        `(4, '["\\ud800"]', ARRAY['{"b": "\\udc00"}']::json[])`,
        `(5, '{"a": "\\ud83d\\ude00", "b": "\\\\u0000"}', ARRAY['{"a": 1, "b": "\\ud83d\\ude00"}']::json[])`,
        `(6, '"\\\\\\u0000"', NULL)`,
      ].join(', '),
      s: [
        `(1, '{"a": "x\\u0000y"}', ARRAY['"\\u0000"']::json[])`,
        `(2, '{"a": "x\\u0000z"}', NULL)`,
        `(3, '["\\ud800"]', ARRAY['{"b": "\\udc00"}']::json[])`,
        `(4, '["\\ud801"]', ARRAY['{"b": "\\udc01"}']::json[])`,
        `(5, '{"b": "\\\\u0000", "a": "😀"}', ARRAY['{"b":"😀","a":1}']::json[])`,
        `(6, '"\\\\\\u0000"', NULL)`,
      ].join(', '),
    });
    const r = only(await run(db, pairSpec(schema)));
    expect(r.status).toBe('divergent');
    expect(r.rows).toEqual([
      { key: { id: '2' }, kind: 'value_mismatch', columns: ['j'] },
      { key: { id: '4' }, kind: 'value_mismatch', columns: ['j', 'a'] },
    ]);
  });

  it('compares a json number numeric cannot hold (1e200000, 1e-16384, 16,384 digits) as written, instead of halting every run', async () => {
    const long = `0.${'1'.repeat(16_384)}`;
    const schema = await tables('id int PRIMARY KEY, j json, a json[]', {
      c: [
        `(1, '{"n": 1e200000}', ARRAY['1e200000']::json[])`,
        `(2, '{"n": 1e200000, "a": 1}', NULL)`,
        `(3, '[1E-16384]', NULL)`,
        `(4, '[${long}]', ARRAY['${long}']::json[])`,
        // Within numeric: still compared as values, key order aside.
        `(5, '{"x": 1e999, "y": 2}', ARRAY['{"x": 1e-999, "y": 2}']::json[])`,
      ].join(', '),
      s: [
        `(1, '{"n": 1e200000}', ARRAY['1e200000']::json[])`,
        `(2, '{"a": 1, "n": 1e200000}', NULL)`,
        `(3, '[2E-16384]', NULL)`,
        `(4, '[${long}]', ARRAY['${long}1']::json[])`,
        `(5, '{"y": 2, "x": 1e999}', ARRAY['{"y": 2, "x": 1e-999}']::json[])`,
      ].join(', '),
    });
    const r = only(await run(db, pairSpec(schema)));
    expect(r.status).toBe('divergent');
    // Key 2 is the same value written in another order: as written, it differs.
    expect(r.rows).toEqual([
      { key: { id: '2' }, kind: 'value_mismatch', columns: ['j'] },
      { key: { id: '3' }, kind: 'value_mismatch', columns: ['j'] },
      { key: { id: '4' }, kind: 'value_mismatch', columns: ['a'] },
    ]);
  });

  it('compares a domain over json, and an array of one, as json values instead of halting on them', async () => {
    const schema = `cmp_${++n}`;
    await db.exec(`CREATE SCHEMA ${schema}; CREATE DOMAIN ${schema}.doc AS json; CREATE DOMAIN ${schema}.doc2 AS ${schema}.doc;
      CREATE TABLE ${schema}.c (id int PRIMARY KEY, j ${schema}.doc2, a ${schema}.doc[]);
      CREATE TABLE ${schema}.s (LIKE ${schema}.c);
      INSERT INTO ${schema}.c VALUES (1, '{"a": 1, "b": 2}', ARRAY['{"x": 1}']::${schema}.doc[]), (2, '{"a": 1}', NULL);
      INSERT INTO ${schema}.s VALUES (1, '{"b":2,"a":1}', ARRAY['{ "x":1 }']::${schema}.doc[]), (2, '{"a": 2}', NULL);`);
    const r = only(await run(db, pairSpec(schema)));
    expect(r.reason).toBe('1 divergent key: 0 canonical_missing, 0 shadow_missing, 1 value_mismatch');
    expect(r.rows).toEqual([{ key: { id: '2' }, kind: 'value_mismatch', columns: ['j'] }]);
  });

  it('compares a composite of comparable attributes; one holding json is a coverage error, not a halt per run', async () => {
    const schema = `cmp_${++n}`;
    await db.exec(`CREATE SCHEMA ${schema};
      CREATE TYPE ${schema}.fine AS (b jsonb, t text[]); CREATE TYPE ${schema}.doc AS (n int, j json);
      CREATE TABLE ${schema}.c (id int PRIMARY KEY, f ${schema}.fine, d ${schema}.doc);
      CREATE TABLE ${schema}.s (LIKE ${schema}.c);
      INSERT INTO ${schema}.c VALUES (1, ROW('{"a": 1}', '{x}'), ROW(1, '{}')), (2, ROW('{"a": 1}', '{x}'), ROW(1, '{}'));
      INSERT INTO ${schema}.s VALUES (1, ROW('{"a":1}', '{x}'), ROW(1, '{}')), (2, ROW('{"a": 1}', '{y}'), ROW(1, '{}'));`);
    const refused = only(await run(db, pairSpec(schema)));
    expect(refused.status).toBe('coverage_error');
    expect(refused.coverage.map((p) => [p.code, p.column])).toEqual([['column_incomparable', 'd']]);
    const r = only(await run(db, pairSpec(schema, '    exclude:\n      - { column: d, reason: holds json }')));
    expect(r.rows).toEqual([{ key: { id: '2' }, kind: 'value_mismatch', columns: ['f'] }]);
  });

  it('applies a float tolerance, a timestamp precision and case-insensitive text only where declared', async () => {
    const schema = await tables('id int PRIMARY KEY, f double precision, t timestamptz, name text', {
      c: "(1, 1.0, '2026-01-01 00:00:00.100+00', 'Ada'), (2, 1.0, '2026-01-01 00:00:00+00', 'Ada'), (3, NULL, NULL, 'x')",
      s: "(1, 1.0000001, '2026-01-01 00:00:00.900+00', 'ADA'), (2, 1.5, '2026-01-01 00:00:01+00', 'Bob'), (3, 2.0, NULL, 'x')",
    });
    const spec = pairSpec(
      schema,
      `    rules:
      f: { float_tolerance: 0.001 }
      t: { timestamp_precision: second }
      name: { case_insensitive: true }`,
    );
    const r = only(await run(db, spec));
    expect(r.rows).toEqual([
      { key: { id: '2' }, kind: 'value_mismatch', columns: ['f', 't', 'name'] },
      { key: { id: '3' }, kind: 'value_mismatch', columns: ['f'] },
    ]);
    // Without the rules, key 1 differs in all three columns.
    const strict = only(await run(db, pairSpec(schema)));
    expect(strict.rows[0]).toEqual({ key: { id: '1' }, kind: 'value_mismatch', columns: ['f', 't', 'name'] });
  });

  it('a float tolerance keeps NaN equal to NaN and Infinity to Infinity, as without one', async () => {
    const schema = await tables('id int PRIMARY KEY, f double precision, n numeric', {
      c: "(1, 'NaN', 'NaN'), (2, 'Infinity', 'NaN'), (3, '-Infinity', 1), (4, 'NaN', 'NaN'), (5, 'Infinity', 2)",
      s: "(1, 'NaN', 'NaN'), (2, 'Infinity', 'NaN'), (3, '-Infinity', 1), (4, 1, 1), (5, '-Infinity', 'NaN')",
    });
    const expected = [
      { key: { id: '4' }, kind: 'value_mismatch', columns: ['f', 'n'] },
      { key: { id: '5' }, kind: 'value_mismatch', columns: ['f', 'n'] },
    ];
    const strict = only(await run(db, pairSpec(schema)));
    expect(strict.rows).toEqual(expected);
    const spec = pairSpec(schema, `    rules:\n      f: { float_tolerance: 0.001 }\n      n: { float_tolerance: 0.5 }`);
    expect(only(await run(db, spec)).rows).toEqual(expected);
  });

  it('a float tolerance finds NaN on either side against any number', async () => {
    // sign(NaN) is 0: against a number of another sign, its difference was read as within.
    const schema = await tables('id int PRIMARY KEY, f double precision, r real, n numeric', {
      c: "(1, 1, 1, 1), (2, -5, -5, -5), (3, 'NaN', 'NaN', 'NaN'), (4, 'NaN', 'NaN', 'NaN'), (5, 0, 0, 0), (6, 2, 2, 2)",
      s: "(1, 'NaN', 'NaN', 'NaN'), (2, 'NaN', 'NaN', 'NaN'), (3, 1, 1, 1), (4, -5, -5, -5), (5, 'NaN', 'NaN', 'NaN'), (6, 2.1, 2.1, 2.1)",
    });
    const spec = pairSpec(
      schema,
      `    rules:\n      f: { float_tolerance: 0.5 }\n      r: { float_tolerance: 0.5 }\n      n: { float_tolerance: 0.5 }`,
    );
    const r = only(await run(db, spec));
    expect(r.rows).toEqual(
      [1, 2, 3, 4, 5].map((id) => ({ key: { id: String(id) }, kind: 'value_mismatch', columns: ['f', 'r', 'n'] })),
    );
    expect(r.counts?.divergent).toBe(5);
  });

  it('a float tolerance compares values at the ends of their type, whose difference would overflow it', async () => {
    const schema = await tables('id int PRIMARY KEY, f double precision, r real, i int, b bigint, n numeric(3, 0)', {
      c: '(1, 1e308, 3e38, 2147483647, 9223372036854775807, 999), (2, 1e308, 3e38, 2147483647, 9223372036854775807, 999), (3, 1, 1, 1, 1, 1)',
      s: '(1, -1e308, -3e38, -2147483648, -9223372036854775808, -999), (2, 1e308, 3e38, 2147483646, 9223372036854775806, 998), (3, 1.5, 1.5, 2, 2, 2)',
    });
    const spec = pairSpec(
      schema,
      `    rules:
      f: { float_tolerance: 1 }
      r: { float_tolerance: 1 }
      i: { float_tolerance: 1 }
      b: { float_tolerance: 1 }
      n: { float_tolerance: 1 }`,
    );
    const r = only(await run(db, spec));
    expect(r.reason).toBe('1 divergent key: 0 canonical_missing, 0 shadow_missing, 1 value_mismatch');
    expect(r.rows).toEqual([{ key: { id: '1' }, kind: 'value_mismatch', columns: ['f', 'r', 'i', 'b', 'n'] }]);
  });

  it('a float tolerance compares the smallest subnormals, which halve to an underflow, instead of halting every run', async () => {
    const schema = await tables('id int PRIMARY KEY, f double precision, r real', {
      c: '(1, 4.9e-324, 1.4e-45), (2, 4.9e-324, 1.4e-45), (3, -4.9e-324, -1.4e-45), (4, 4.9e-324, 1.4e-45), (5, 1, 1)',
      s: '(1, 0, 0), (2, -4.9e-324, -1.4e-45), (3, 2, 2), (4, 4.9e-324, 1.4e-45), (5, 1e308, 3e38)',
    });
    const spec = pairSpec(schema, `    rules:\n      f: { float_tolerance: 1 }\n      r: { float_tolerance: 1 }`);
    const r = only(await run(db, spec));
    expect(r.reason).toBe('2 divergent keys: 0 canonical_missing, 0 shadow_missing, 2 value_mismatch');
    expect(r.rows).toEqual([
      { key: { id: '3' }, kind: 'value_mismatch', columns: ['f', 'r'] },
      { key: { id: '5' }, kind: 'value_mismatch', columns: ['f', 'r'] },
    ]);
  });

  it('joins on composite keys of any type', async () => {
    const schema = await tables('tenant uuid, day date, v int, PRIMARY KEY (tenant, day)', {
      c: "('00000000-0000-0000-0000-000000000001', '2026-01-01', 1), ('00000000-0000-0000-0000-000000000001', '2026-01-02', 2)",
      s: "('00000000-0000-0000-0000-000000000001', '2026-01-01', 1), ('00000000-0000-0000-0000-000000000002', '2026-01-02', 2)",
    });
    const r = only(await run(db, pairSpec(schema, '', '[tenant, day]')));
    expect(r.rows).toEqual([
      {
        key: { tenant: '00000000-0000-0000-0000-000000000001', day: '2026-01-02' },
        kind: 'shadow_missing',
        columns: [],
      },
      {
        key: { tenant: '00000000-0000-0000-0000-000000000002', day: '2026-01-02' },
        kind: 'canonical_missing',
        columns: [],
      },
    ]);
  });

  it('keeps key and compared columns named like Object.prototype (__proto__, constructor) in every listing', async () => {
    const schema = await tables('"__proto__" text, "constructor" int, "hasOwnProperty" text, v int', {
      c: "('a', 1, 'x', 1), ('b', 2, 'y', 2), ('c', 3, 'z', 3), ('e', 5, 'e', 5), ('e', 5, 'e', 5)",
      s: "('a', 1, 'x', 1), ('b', 2, 'Y', 2), ('d', 4, 'z', 4)",
    });
    // Literals with a __proto__ key would set a prototype; JSON.parse keeps it as a key, as the report must.
    const key = (p: string, c: string) => JSON.parse(`{"__proto__": "${p}", "constructor": "${c}"}`) as object;
    const spec = pairSpec(schema, '', '["__proto__", "constructor"]');
    const dups = only(await run(db, spec));
    expect(dups.status).toBe('key_error');
    expect(dups.key_problems[0]?.duplicates).toEqual([{ key: key('e', '5'), rows: 2 }]);
    expect(JSON.stringify(dups.key_problems[0]?.duplicates)).toBe(
      '[{"key":{"__proto__":"e","constructor":"5"},"rows":2}]',
    );

    await db.exec(`DELETE FROM ${schema}.c WHERE "__proto__" = 'e'`);
    const report = await run(db, spec);
    const r = only(report);
    expect(r.counts).toEqual({ canonical_missing: 1, shadow_missing: 1, value_mismatch: 1, divergent: 3 });
    expect(r.rows.map((row) => Object.keys(row.key))).toEqual([
      ['__proto__', 'constructor'],
      ['__proto__', 'constructor'],
      ['__proto__', 'constructor'],
    ]);
    expect(r.rows).toEqual([
      { key: key('b', '2'), kind: 'value_mismatch', columns: ['hasOwnProperty'] },
      { key: key('c', '3'), kind: 'shadow_missing', columns: [] },
      { key: key('d', '4'), kind: 'canonical_missing', columns: [] },
    ]);
    expect(JSON.stringify(r.columns)).toBe('{"hasOwnProperty":1}');
    expect(formatComparator(report, 'table')).toContain('__proto__=b, constructor=2');

    // A compared column of that name is counted where it diverges, chunked or not.
    const other = await tables('id int PRIMARY KEY, "__proto__" text, "constructor" text', {
      c: "(1, 'a', 'k'), (2, 'b', 'k'), (3, 'c', 'k')",
      s: "(1, 'A', 'k'), (2, 'b', 'K'), (3, 'C', 'K')",
    });
    for (const chunks of [undefined, 3]) {
      const m = only(await run(db, pairSpec(other), chunks ? { chunks } : {}));
      expect(JSON.stringify(m.columns)).toBe('{"__proto__":2,"constructor":2}');
      expect(m.rows.map((row) => row.columns)).toEqual([['__proto__'], ['constructor'], ['__proto__', 'constructor']]);
    }
  });

  it('reports duplicate and NULL keys instead of comparing', async () => {
    const schema = await tables('id int, v int', { c: '(1, 1), (1, 2), (2, 2), (NULL, 3)', s: '(1, 1), (2, 2)' });
    const r = only(await run(db, pairSpec(schema)));
    expect(r.status).toBe('key_error');
    expect(r.verdict).toBe('fail');
    expect(r.counts).toBeNull();
    expect(r.key_problems).toEqual([
      { table: `${schema}.c`, null_keys: 1, duplicate_keys: 1, duplicates: [{ key: { id: '1' }, rows: 2 }] },
    ]);
  });

  it('checks the key of a column named n, and orders duplicates by value, not text', async () => {
    // The count the duplicate check makes is named n too: a key column of that name was ambiguous.
    const schema = await tables('doc int NOT NULL, n int NOT NULL, v text', {
      c: "(1, 10, 'a'), (1, 10, 'b'), (1, 9, 'c'), (1, 9, 'd'), (1, 2, 'e')",
      s: "(1, 10, 'a'), (1, 9, 'c'), (1, 2, 'e')",
    });
    const r = only(await run(db, pairSpec(schema, '', '[doc, n]')));
    expect(r.key_problems).toEqual([
      {
        table: `${schema}.c`,
        null_keys: 0,
        duplicate_keys: 2,
        duplicates: [
          { key: { doc: '1', n: '9' }, rows: 2 },
          { key: { doc: '1', n: '10' }, rows: 2 },
        ],
      },
    ]);
    await db.exec(`DELETE FROM ${schema}.c WHERE v IN ('b', 'd'); UPDATE ${schema}.s SET v = 'x' WHERE n = 9`);
    expect(only(await run(db, pairSpec(schema, '', '[doc, n]'))).rows).toEqual([
      { key: { doc: '1', n: '9' }, kind: 'value_mismatch', columns: ['v'] },
    ]);
  });

  it('does not trust a primary key of a table with inheritance children: reading it reads theirs, which it does not cover', async () => {
    const schema = await tables('id int PRIMARY KEY, v int', { s: '(1, 1), (2, 2), (3, 3)' });
    await db.exec(`CREATE TABLE ${schema}.c_2025 (PRIMARY KEY (id)) INHERITS (${schema}.c);
      INSERT INTO ${schema}.c VALUES (1, 1), (2, 2); INSERT INTO ${schema}.c_2025 VALUES (1, 1), (3, 3);`);
    const r = only(await run(db, pairSpec(schema)));
    expect(r.status).toBe('key_error');
    expect(r.key_problems).toEqual([
      { table: `${schema}.c`, null_keys: 0, duplicate_keys: 1, duplicates: [{ key: { id: '1' }, rows: 2 }] },
    ]);
    // Without the child's copy of 1 the pair compares, each key once.
    await db.exec(`DELETE FROM ${schema}.c_2025 WHERE id = 1; UPDATE ${schema}.s SET v = 5 WHERE id = 1`);
    const clean = only(await run(db, pairSpec(schema)));
    expect(clean.rows).toEqual([{ key: { id: '1' }, kind: 'value_mismatch', columns: ['v'] }]);
    expect(clean.counts?.divergent).toBe(1);
  });

  it('finds duplicate keys with --limit 0 too, which only stops the listing', async () => {
    // Identical duplicate rows join to the one shadow row without a divergence: only the key check sees them.
    const schema = await tables('id int, v int', {
      c: '(1, 1), (1, 1), (2, 2), (3, 3), (3, 3)',
      s: '(1, 1), (2, 2), (3, 3)',
    });
    const r = only(await run(db, pairSpec(schema), { limit: 0 }));
    expect(r.status).toBe('key_error');
    expect(r.key_problems).toEqual([{ table: `${schema}.c`, null_keys: 0, duplicate_keys: 2, duplicates: [] }]);
    const one = only(await run(db, pairSpec(schema), { limit: 1 }));
    expect(one.key_problems[0]?.duplicates).toEqual([{ key: { id: '1' }, rows: 2 }]);
  });

  it('keeps counts exact when --limit cuts the listing', async () => {
    const schema = await tables('id int PRIMARY KEY, v int', {
      c: '(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)',
      s: '(1, 10), (2, 20), (3, 30), (4, 40), (5, 5)',
    });
    const r = only(await run(db, pairSpec(schema), { limit: 2 }));
    expect(r.counts?.value_mismatch).toBe(4);
    expect(r.rows.map((x) => x.key.id)).toEqual(['1', '2']);
    expect(r.truncated).toBe(true);
  });

  it('gives the same answer split into key-range chunks', async () => {
    const schema = await tables('id int PRIMARY KEY, v int');
    await db.exec(`INSERT INTO ${schema}.c SELECT g, g FROM generate_series(1, 1000) g`);
    await db.exec(
      `INSERT INTO ${schema}.s SELECT g, CASE WHEN g % 97 = 0 THEN -g ELSE g END FROM generate_series(5, 1003) g`,
    );
    const whole = only(await run(db, pairSpec(schema), { limit: 20 }));
    const split = only(await run(db, pairSpec(schema), { limit: 20, chunks: 7 }));
    expect(whole.counts).toEqual({ canonical_missing: 3, shadow_missing: 4, value_mismatch: 10, divergent: 17 });
    expect(split.counts).toEqual(whole.counts);
    expect(split.rows).toEqual(whole.rows);
    expect(split.columns).toEqual(whole.columns);
  });

  it('tables emptied after they were counted (a writer truncating them) halt as unmeasured, whole or in chunks, not a clean pass or a crash', async () => {
    for (const chunks of [1, 4]) {
      const schema = await tables('id int PRIMARY KEY, v int', { c: '(1, 1), (2, 2)', s: '(1, 1), (2, 2)' });
      const inner = db.client();
      // The race made certain: both tables emptied just before the comparison (in chunks, before
      // its key range is read), after every count.
      let emptied = false;
      const racing: SqlClient = {
        query: async (text, params, o) => {
          if (!emptied && /\)::text AS lo,|^WITH d AS \(/.test(text)) {
            emptied = true;
            await db.exec(`DELETE FROM ${schema}.c; DELETE FROM ${schema}.s`);
          }
          return inner.query(text, params, o);
        },
        close: () => inner.close(),
        describe: () => inner.describe(),
      };
      const r = only(
        await runComparator({
          client: racing,
          rfc: 't',
          spec: pairSpec(schema),
          asOf: AS_OF,
          mode: 'run',
          limit: 100,
          timeoutMs: 30_000,
          chunks,
        }),
      );
      await racing.close();
      expect(emptied).toBe(true);
      // Nothing compared is unmeasured, not a clean pass.
      expect(r).toMatchObject({ status: 'halt', verdict: 'halt', halt_reason: 'insufficient' });
      expect(r.reason).toBe(
        `${schema}.c and ${schema}.s held no rows when the comparison began, though they had rows when counted (emptied during the run), so no key was compared; run again`,
      );
    }
  });

  it('splits into chunks a key that reaches the largest and smallest values of its type', async () => {
    for (const type of ['smallint', 'int', 'bigint']) {
      const schema = await tables(`id ${type} PRIMARY KEY, v int`);
      const [min, max] =
        type === 'smallint'
          ? ['-32768', '32767']
          : type === 'int'
            ? ['-2147483648', '2147483647']
            : ['-9223372036854775808', '9223372036854775807'];
      await db.exec(`INSERT INTO ${schema}.c VALUES (${min}, 1), (0, 1), (${max}, 1)`);
      await db.exec(`INSERT INTO ${schema}.s VALUES (${min}, 2), (0, 1), (${max}, 2)`);
      for (const chunks of [1, 2, 3, 64]) {
        const r = only(await run(db, pairSpec(schema), { chunks }));
        expect(r.reason).toBe('2 divergent keys: 0 canonical_missing, 0 shadow_missing, 2 value_mismatch');
        expect(r.rows.map((x) => x.key.id)).toEqual([min, max]);
      }
    }
  });

  it('skips keys written within min_age on either side (a write in flight), and only those', async () => {
    // The rows' ages are the database's; the run's as-of instant (AS_OF) is months away from
    // them, as a cron host with a skewed clock would be: min_age counts back from the database.
    const schema = await tables('id int PRIMARY KEY, v int, updated_at timestamptz', {
      c: "(1, 1, now() - interval '1 minute'), (2, 2, now() - interval '2 hours'), (3, 3, now() - interval '2 hours')",
      s: "(1, 9, now() - interval '2 hours'), (2, 9, now() - interval '2 hours'), (4, 4, now() - interval '2 minutes')",
    });
    const spec = pairSpec(schema, '    age_column: updated_at\n    min_age: 5m');
    const clock = async () =>
      new Date(Number((await db.exec('SELECT (extract(epoch FROM now()) * 1000)::float8 AS ms'))[0]?.ms));
    const before = await clock();
    const r = only(await run(db, spec));
    const after = await clock();
    const cutoff = new Date(r.cutoff ?? NaN).getTime();
    expect(cutoff).toBeGreaterThanOrEqual(before.getTime() - 300_000 - 1);
    expect(cutoff).toBeLessThanOrEqual(after.getTime() - 300_000 + 1_000);
    // 1 was rewritten a minute ago on the canonical side; 4 only exists, freshly, in the shadow.
    expect(r.rows).toEqual([
      { key: { id: '2' }, kind: 'value_mismatch', columns: ['v'] },
      { key: { id: '3' }, kind: 'shadow_missing', columns: [] },
    ]);
    const all = only(await run(db, spec, { minAgeMs: 0 }));
    expect(all.counts?.divergent).toBe(4);
  });

  it('a pair without an age_column skips nothing, and says so, whatever --min-age asks', async () => {
    const schema = await tables('id int PRIMARY KEY, v int', { c: '(1, 1)', s: '(1, 2)' });
    const r = only(await run(db, pairSpec(schema), { minAgeMs: 300_000 }));
    expect([r.min_age_ms, r.cutoff, r.counts?.divergent]).toEqual([0, null, 1]);
  });

  it('counts min_age back from cutoffFrom when given: rows written as of a fixed instant', async () => {
    const schema = await tables('id int PRIMARY KEY, v int, updated_at timestamptz', {
      c: "(1, 1, '2026-06-01 11:59:00+00'), (2, 2, '2026-06-01 10:00:00+00'), (3, 3, '2026-06-01 10:00:00+00')",
      s: "(1, 9, '2026-06-01 10:00:00+00'), (2, 9, '2026-06-01 10:00:00+00'), (4, 4, '2026-06-01 11:58:00+00')",
    });
    const spec = pairSpec(schema, '    age_column: updated_at\n    min_age: 5m');
    const r = only(await run(db, spec, { cutoffFrom: AS_OF }));
    expect(r.cutoff).toBe('2026-06-01T11:55:00.000Z');
    expect(r.rows.map((x) => x.key.id)).toEqual(['2', '3']);
    // From the database's clock, months later, every one of these rows is old enough.
    expect(only(await run(db, spec)).counts?.divergent).toBe(4);
  });

  it('halts, never passes, when min_age skips every key: zero keys compared is unmeasured', async () => {
    const schema = await tables('id int PRIMARY KEY, v int, updated_at timestamptz', {
      c: "(1, 1, now() - interval '1 minute'), (2, 2, now() - interval '2 hours')",
      s: "(1, 1, now() - interval '2 hours'), (2, 2, now() - interval '2 minutes')",
    });
    const spec = pairSpec(schema, '    age_column: updated_at\n    min_age: 5m');
    for (const chunks of [1, 2]) {
      const r = only(await run(db, spec, { chunks }));
      expect(r.status).toBe('halt');
      expect(r.verdict).toBe('halt');
      expect(r.halt_reason).toBe('insufficient');
      expect(r.counts).toBeNull();
      expect(r.reason).toMatch(/no key was compared/);
    }
    // One key old enough on both sides is a measurement: the same tables then compare clean.
    await db.exec(`UPDATE ${schema}.s SET updated_at = (SELECT updated_at FROM ${schema}.c WHERE id = 2) WHERE id = 2`);
    const clean = only(await run(db, spec));
    expect(clean.status).toBe('clean');
    expect(clean.counts?.divergent).toBe(0);
  });

  it('halts, never passes, when the shadow has never held rows, and when the canonical table is empty', async () => {
    const empty = await tables('id int PRIMARY KEY, v int', { c: '(1, 1)' });
    const r = only(await run(db, pairSpec(empty), { windows: new Map() }));
    expect(r.state).toBe('never_started');
    expect(r.verdict).toBe('halt');
    expect(r.halt_reason).toBe('missing');
    const noCanonical = await tables('id int PRIMARY KEY, v int', { s: '(1, 1)' });
    const c = only(await run(db, pairSpec(noCanonical)));
    expect(c.verdict).toBe('halt');
    expect(c.reason).toMatch(/has no rows/);
  });

  it('turns an emptied shadow that was active into went_dark (exit 4)', async () => {
    const schema = await tables('id int PRIMARY KEY, v int', { c: '(1, 1)', s: '(1, 1)' });
    const first = await run(db, pairSpec(schema), { windows: new Map() });
    expect(only(first).state).toBe('active');
    await db.exec(`DELETE FROM ${schema}.s`);
    const stored: StoredWindow = {
      pair: 'p',
      state: 'active',
      first_active_at: '2026-06-01T11:00:00.000Z',
      last_active_at: '2026-06-01T11:00:00.000Z',
      went_dark_at: null,
    };
    const dark = await run(db, pairSpec(schema), { windows: new Map([['p', stored]]) });
    expect(only(dark).state).toBe('went_dark');
    expect(only(dark).reason).toBe(
      `${schema}.s is empty, but the shadow window was active (last seen with rows 2026-06-01T11:00:00.000Z): the shadow writer went dark`,
    );
    expect(dark.verdict).toBe('went_dark');
    expect(comparatorExitCode(dark)).toBe(4);
  });

  it('reads a window seen with rows only after its as-of as saying nothing about before it', async () => {
    // Runs overlap: one as of 13:00 saw rows and recorded before this one, as of 12:00, read
    // the windows. That the writer ran at 13:00 does not make 12:00's empty shadow a writer
    // that stopped; one seen with rows at 11:00 as well does.
    const schema = await tables('id int PRIMARY KEY, v int', { c: '(1, 1)' });
    const stored = (first: string): Map<string, StoredWindow> =>
      new Map([
        [
          'p',
          {
            pair: 'p',
            state: 'active',
            first_active_at: first,
            last_active_at: '2026-06-01T13:00:00.000Z',
            went_dark_at: null,
          },
        ],
      ]);
    const later = await run(db, pairSpec(schema), { windows: stored('2026-06-01T13:00:00.000Z') });
    expect([only(later).state, later.verdict, comparatorExitCode(later)]).toEqual(['never_started', 'halt', 2]);
    const both = await run(db, pairSpec(schema), { windows: stored('2026-06-01T11:00:00.000Z') });
    expect([only(both).state, both.verdict, comparatorExitCode(both)]).toEqual(['went_dark', 'went_dark', 4]);
    // The latest instant known before 12:00 is the earliest (11:00): 13:00 is not before it.
    expect(only(both).reason).toContain('(last seen with rows 2026-06-01T11:00:00.000Z)');
    // Dropped: the same rule chooses between the alarm and a halt naming the table.
    await db.exec(`DROP TABLE ${schema}.s`);
    const gone = await run(db, pairSpec(schema), { windows: stored('2026-06-01T13:00:00.000Z') });
    expect([only(gone).state, gone.verdict, only(gone).halt_reason]).toEqual([null, 'halt', 'missing']);
    const goneBoth = await run(db, pairSpec(schema), { windows: stored('2026-06-01T11:00:00.000Z') });
    expect([only(goneBoth).state, goneBoth.verdict]).toEqual(['went_dark', 'went_dark']);
  });

  it('halts (missing) on a table that does not exist, naming the fix; never a verdict about rows', async () => {
    const schema = await tables('id int PRIMARY KEY');
    await db.exec(`DROP TABLE ${schema}.s`);
    const r = only(await run(db, pairSpec(schema)));
    expect(r.status).toBe('halt');
    expect(r.verdict).toBe('halt');
    expect(r.halt_reason).toBe('missing');
    expect(r.coverage.map((p) => p.code)).toEqual(['table_missing']);
    expect(r.coverage[0]?.message).toMatch(new RegExp(`shadow table ${schema}.s does not exist`));
    expect(r.reason).toBe(`nothing to compare: ${schema}.s does not exist in this database`);
    expect(r.counts).toBeNull();
  });

  it('a dropped shadow that was active went dark (exit 4); one never seen with rows halts, naming the table', async () => {
    const schema = await tables('id int PRIMARY KEY, v int', { c: '(1, 1)', s: '(1, 1)' });
    const window = (state: StoredWindow['state']): Map<string, StoredWindow> =>
      new Map([
        [
          'p',
          {
            pair: 'p',
            state,
            first_active_at: state === 'never_started' ? null : '2026-06-01T10:00:00.000Z',
            last_active_at: state === 'never_started' ? null : '2026-06-01T11:00:00.000Z',
            went_dark_at: state === 'went_dark' ? '2026-06-01T11:30:00.000Z' : null,
          },
        ],
      ]);
    await db.exec(`DROP TABLE ${schema}.s`);
    for (const state of ['active', 'went_dark'] as const) {
      const dark = await run(db, pairSpec(schema), { windows: window(state) });
      const r = only(dark);
      expect([r.status, r.verdict, r.state, r.halt_reason]).toEqual(['went_dark', 'went_dark', 'went_dark', null]);
      expect(comparatorExitCode(dark)).toBe(4);
      expect(r.reason).toBe(
        `${schema}.s does not exist in this database, but the shadow window was active (last seen with rows 2026-06-01T11:00:00.000Z): the shadow table was dropped or renamed, and the shadow writer went dark; if comparator.yaml names another table now, fix the name`,
      );
      // Where the table is declared stays on the report.
      expect(r.coverage.map((p) => [p.code, p.table])).toEqual([['table_missing', `${schema}.s`]]);
      expect(r.counts).toBeNull();
    }
    // Never seen with rows, or no history at all: a name that never existed, a halt naming it.
    for (const windows of [window('never_started'), new Map<string, StoredWindow>(), undefined]) {
      const typo = await run(db, pairSpec(schema), windows ? { windows } : {});
      const r = only(typo);
      expect([r.status, r.verdict, r.state, r.halt_reason]).toEqual(['halt', 'halt', null, 'missing']);
      expect(comparatorExitCode(typo)).toBe(2);
      expect(r.reason).toBe(`nothing to compare: ${schema}.s does not exist in this database`);
      expect(r.coverage[0]?.message).toMatch(new RegExp(`^shadow table ${schema}\\.s does not exist in this database`));
    }
    // The schema dropped with it: gone all the same, the canonical table named too.
    await db.exec(`DROP SCHEMA ${schema} CASCADE`);
    const both = only(await run(db, pairSpec(schema), { windows: window('active') }));
    expect(both.verdict).toBe('went_dark');
    expect(both.reason).toMatch(
      new RegExp(`^${schema}\\.c and ${schema}\\.s do not exist in this database, but the shadow window was active`),
    );
  });

  it('a dropped canonical table beside an active shadow window halts: the writer is not what went away', async () => {
    const schema = await tables('id int PRIMARY KEY, v int', { c: '(1, 1)', s: '(1, 1)' });
    await db.exec(`DROP TABLE ${schema}.c`);
    const stored: StoredWindow = {
      pair: 'p',
      state: 'active',
      first_active_at: AS_OF.toISOString(),
      last_active_at: AS_OF.toISOString(),
      went_dark_at: null,
    };
    const r = only(await run(db, pairSpec(schema), { windows: new Map([['p', stored]]) }));
    expect([r.verdict, r.halt_reason]).toEqual(['halt', 'missing']);
    expect(r.reason).toBe(`nothing to compare: ${schema}.c does not exist in this database`);
  });

  it('a dropped canonical table beside an emptied shadow that was active went dark (exit 4)', async () => {
    // A migration that renames the canonical table and stops the shadow writer: the emptied
    // shadow is the alarm, as it is when the tables' shapes differ.
    const schema = await tables('id int PRIMARY KEY, v int', { c: '(1, 1)' });
    await db.exec(`DROP TABLE ${schema}.c`);
    const stored: StoredWindow = {
      pair: 'p',
      state: 'active',
      first_active_at: '2026-06-01T10:00:00.000Z',
      last_active_at: '2026-06-01T11:00:00.000Z',
      went_dark_at: null,
    };
    const dark = await run(db, pairSpec(schema), { windows: new Map([['p', stored]]) });
    const r = only(dark);
    expect([r.status, r.verdict, r.state, r.halt_reason]).toEqual(['went_dark', 'went_dark', 'went_dark', null]);
    expect(comparatorExitCode(dark)).toBe(4);
    expect(r.reason).toBe(
      `${schema}.s is empty, but the shadow window was active (last seen with rows 2026-06-01T11:00:00.000Z): the shadow writer went dark; ${schema}.c does not exist in this database either`,
    );
    expect(r.coverage.map((p) => [p.code, p.table])).toEqual([['table_missing', `${schema}.c`]]);
    // Never seen with rows: still the halt naming the canonical table.
    const typo = only(await run(db, pairSpec(schema), { windows: new Map() }));
    expect([typo.verdict, typo.halt_reason, typo.reason]).toEqual([
      'halt',
      'missing',
      `nothing to compare: ${schema}.c does not exist in this database`,
    ]);
  });

  it('quotes identifiers: odd names are compared, never pasted', async () => {
    const schema = `cmp_q${++n}`;
    await db.exec(`CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}."Weird Table" ("Key Col" int PRIMARY KEY, "select" text, "x""y" int);
      CREATE TABLE ${schema}."Weird Shadow" ("Key Col" int PRIMARY KEY, "select" text, "x""y" int);
      INSERT INTO ${schema}."Weird Table" VALUES (1, 'a', 1);
      INSERT INTO ${schema}."Weird Shadow" VALUES (1, 'b', 1);`);
    const { specFrom } = await import('./helpers.js');
    // The schema pattern only admits plain identifiers; use the reader directly for the odd names.
    const spec = specFrom(`pairs:
  - id: p
    canonical: ${schema}.placeholder_c
    shadow: ${schema}.placeholder_s
    key: [placeholder]
    compare: all
`);
    const pair = spec.pairs[0];
    if (!pair) throw new Error('no pair');
    pair.canonical = { schema, name: 'Weird Table', text: `${schema}."Weird Table"` };
    pair.shadow = { schema, name: 'Weird Shadow', text: `${schema}."Weird Shadow"` };
    pair.key = ['Key Col'];
    const r = only(await run(db, spec));
    expect(r.rows).toEqual([{ key: { 'Key Col': '1' }, kind: 'value_mismatch', columns: ['select'] }]);
  });

  it('a live column name is written out where --print-sql and the table show it, never obeyed', async () => {
    // Quoted, a column's name may hold any character: an escape sequence, a line break, a workflow command.
    const schema = await tables(`id int PRIMARY KEY, "${PLANTED}" text`, { c: "(1, 'a')", s: "(1, 'b')" });
    const spec = pairSpec(schema);
    const client = db.client();
    let sql: string;
    try {
      const { plan } = await planPair(client, spec.pairs[0] as ComparatorSpec['pairs'][number], 30_000);
      if (!plan) throw new Error('no plan');
      sql = printable(compareSql(plan, { limit: 10, cutoff: null }));
    } finally {
      await client.close();
    }
    expectInert(sql);
    expect(sql).toContain(`c."${SHOWN_INSIDE}" IS DISTINCT FROM s."${SHOWN_INSIDE}"`);
    const r = await run(db, spec);
    expect(only(r).rows).toEqual([{ key: { id: '1' }, kind: 'value_mismatch', columns: [PLANTED] }]);
    const table = formatComparator(r, 'table');
    expectInert(table);
    expect(table).toMatch(new RegExp(`^│ ${SHOWN.replace(/[\\[\]]/g, '\\$&')} +│ 1 +│$`, 'm'));
  });
});

describe.each(testBackends())('comparator run faults ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('a statement timeout halts the pair with the reason, never a misleading zero', async () => {
    // A canonical "table" slow enough to outlive the timeout: a view that sleeps per row.
    await db.exec(`CREATE SCHEMA slow;
      CREATE TABLE slow.base (id int PRIMARY KEY, v int);
      INSERT INTO slow.base SELECT g, g FROM generate_series(1, 20) g;
      CREATE VIEW slow.c AS SELECT id, v FROM slow.base WHERE pg_sleep(0.05) IS NOT NULL;
      CREATE TABLE slow.s (id int PRIMARY KEY, v int);
      INSERT INTO slow.s SELECT g, g FROM generate_series(1, 20) g;`);
    const client = db.client();
    try {
      const r = await runComparator({
        client,
        rfc: 't',
        spec: pairSpec('slow'),
        asOf: AS_OF,
        mode: 'run',
        limit: 10,
        timeoutMs: 300,
      });
      const p = only(r);
      expect(p.verdict).toBe('halt');
      expect(p.halt_reason).toBe('error');
      expect(p.reason).toMatch(/timed out after 300 ms/);
      expect(p.counts).toBeNull();
      expect(comparatorExitCode(r)).toBe(2);
    } finally {
      await client.close();
    }
  });
});

const postgres = testBackends().find((b) => b.name === 'postgres');
if (postgres) {
  describe('comparator run, connection lost mid-run (postgres)', () => {
    const db = useTestDatabase(postgres);
    it('halts the pair as missing, naming the server, when the connection dies under the query', async () => {
      await db.exec(`CREATE SCHEMA lost;
        CREATE TABLE lost.base (id int PRIMARY KEY, v int);
        INSERT INTO lost.base SELECT g, g FROM generate_series(1, 100) g;
        CREATE VIEW lost.c AS SELECT id, v FROM lost.base WHERE pg_sleep(0.05) IS NOT NULL;
        CREATE TABLE lost.s (id int PRIMARY KEY, v int);
        INSERT INTO lost.s SELECT g, g FROM generate_series(1, 100) g;`);
      const client = db.client();
      try {
        const running = runComparator({
          client,
          rfc: 't',
          spec: pairSpec('lost'),
          asOf: AS_OF,
          mode: 'run',
          limit: 10,
          timeoutMs: 60_000,
        });
        // Wait until the slow query is on the server, then kill its backend.
        let killed = 0;
        for (let i = 0; i < 100 && killed === 0; i++) {
          await new Promise((r) => setTimeout(r, 50));
          const rows = await db.exec(
            `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'rfcgate' AND state = 'active'
               AND query LIKE '%pg_sleep%' IS FALSE AND query LIKE '%lost%'`,
          );
          killed = Number(rows[0]?.n ?? 0);
        }
        expect(killed).toBeGreaterThan(0);
        const p = only(await running);
        expect(p.verdict).toBe('halt');
        expect(p.halt_reason).toBe('missing');
        expect(p.reason).toMatch(/database unreachable at 127\.0\.0\.1:\d+/);
        expect(p.counts).toBeNull();
      } finally {
        await client.close();
      }
    });
  });
}

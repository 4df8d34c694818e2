/**
 * A measurement's `table:` names a table the way comparator.yaml does: each part unquoted, or
 * in double quotes when it holds another character (`sales."Order Items"`), quoted on the
 * wire with escapeIdentifier; a name no table has is refused where the spec writes it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTableName } from '../../../src/sources/sql/table-name.js';
import { QueryBuildError, quoteQualifiedName } from '../../../src/sources/sql/query.js';
import { SqlMeasurementSource } from '../../../src/sources/sql/source.js';
import { loadRfc } from '../../../src/spec/load.js';
import { formatProblem, SpecError } from '../../../src/spec/problems.js';
import { testBackends, useTestDatabase } from '../../helpers/db.js';
import { modeline, tempRoot, writeRfc } from '../../helpers/spec-fixture.js';
import { AS_OF, daysBefore, evalContext, sqlMeasurement } from './fixtures.js';

describe('quoting a measurement table', () => {
  it.each([
    ['audit.coordination_measurements', '"audit"."coordination_measurements"'],
    ['Measurements', '"Measurements"'],
    ['sales."Order Items"', '"sales"."Order Items"'],
    ['public."orders-2026"', '"public"."orders-2026"'],
    ['"orders-2026"', '"orders-2026"'],
    ['"my.schema"."a ""quoted"" name"', '"my.schema"."a ""quoted"" name"'],
    ['ventes.été', '"ventes"."été"'],
  ])('%s is quoted as %s', (name, quoted) => {
    expect(quoteQualifiedName(name)).toBe(quoted);
  });

  it.each([
    ['a.b.c', /it has 3 parts; write table or schema\.table/],
    ['public.orders-2026', /"-" cannot appear in a name outside double quotes; quote the name: public\."orders-2026"/],
    ['x; DROP TABLE y', /";" cannot appear in a name outside double quotes/],
    ['', /a part of the name is empty/],
    ['audit.', /a part of the name is empty/],
    ['sales."Order Items', /the double quote at character 7 is never closed/],
    ['sales.""', /a quoted name "" is empty/],
    [`public."${'x'.repeat(64)}"`, /is 64 bytes long/],
  ])('refuses %j, saying why', (name, message) => {
    expect(() => quoteQualifiedName(name)).toThrow(QueryBuildError);
    expect(() => quoteQualifiedName(name)).toThrow(message);
  });

  it('is the parser comparator.yaml uses, which needs the schema', () => {
    expect(parseTableName('sales."Order Items"')).toEqual({ schema: 'sales', name: 'Order Items' });
    expect(parseTableName('orders')).toEqual({
      error: 'it names no schema; write schema.table, such as public.orders',
    });
    expect(parseTableName('orders', { schemaOptional: true })).toEqual({ schema: null, name: 'orders' });
  });
});

describe('measurements.yaml', () => {
  let cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups) c();
    cleanups = [];
  });

  function load(table: string): { tables: string[]; problems: string[] } {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    const text = `- id: items_7d\n  window: 7d\n  sql:\n    table: '${table.replaceAll("'", "''")}'\n    timestamp: recorded_at\n    value: count(*)\n`;
    writeRfc(root, { raw: { 'measurements.yaml': modeline('measurements.yaml') + text } });
    try {
      const rfc = loadRfc(root, 'demo');
      const spec = rfc.measurements.get('items_7d');
      return { tables: spec?.source === 'sql' && 'table' in spec.sql ? [spec.sql.table] : [], problems: [] };
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      return { tables: [], problems: e.problems.map(formatProblem) };
    }
  }

  it.each(['sales."Order Items"', 'public."orders-2026"', '"orders-2026"', 'audit.coordination_measurements'])(
    'takes %s',
    (table) => {
      expect(load(table)).toEqual({ tables: [table], problems: [] });
    },
  );

  it.each(['public.orders-2026', 'sales."Order Items', 'a.b.c', 'sales.""'])('refuses %s at file:line:col', (table) => {
    const { problems } = load(table);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^gates\/demo\/measurements\.yaml:5:12: 'items_7d': sql\.table: /);
    // What is wrong and how to write it, as comparator.yaml says it, not the schema's regex.
    expect(problems[0]).not.toMatch(/must match/);
    const parsed = parseTableName(table, { schemaOptional: true });
    expect('error' in parsed && problems[0]?.endsWith(`sql.table: ${parsed.error}`)).toBe(true);
  });
});

describe.each(testBackends())('a quoted measurement table on $name', (backend) => {
  const db = useTestDatabase(backend);
  const sources: SqlMeasurementSource[] = [];

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA sales;
      CREATE TABLE sales."Order Items" (recorded_at timestamptz NOT NULL, qty int);
      CREATE TABLE public."orders-2026" (recorded_at timestamptz NOT NULL, qty int);`);
    const at = daysBefore(1).toISOString();
    await db.exec(`INSERT INTO sales."Order Items" VALUES ($1, 3), ($1, 4)`, [at]);
    await db.exec(`INSERT INTO public."orders-2026" VALUES ($1, 10)`, [at]);
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.close()));
  });

  it.each([
    ['sales."Order Items"', 7, 2],
    ['public."orders-2026"', 10, 1],
  ])('%s is measured', async (table, value, rows) => {
    const source = new SqlMeasurementSource({ open: () => db.client() });
    sources.push(source);
    const spec = sqlMeasurement({ table, timestamp: 'recorded_at', value: 'sum(qty)::float8' }, { window: '7d' });
    const out = await source.measure(spec, evalContext(AS_OF));
    if (out.status !== 'ok') throw new Error(`${out.halt}: ${out.reason}`);
    expect(out.value).toBe(value);
    expect(out.evidence.rows).toBe(rows);
  });
});

/**
 * The table form names its timestamp column as the catalog spells it, without quotes, as
 * comparator.yaml does: a column with a space, a hyphen or upper case is measured, not halted
 * on as "not a column name".
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTableQuery, QueryBuildError, quoteColumn } from '../../../src/sources/sql/query.js';
import { SqlMeasurementSource } from '../../../src/sources/sql/source.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import { testBackends, useTestDatabase } from '../../helpers/db.js';
import { AS_OF, DAY, evalContext, sqlMeasurement } from './fixtures.js';

describe('quoteColumn', () => {
  it.each([
    ['Created At', '"Created At"'],
    ['event-time', '"event-time"'],
    ['CreatedAt', '"CreatedAt"'],
    ['say "when"', '"say ""when"""'],
  ])('quotes %j as %s', (name, sql) => {
    expect(quoteColumn(name)).toBe(sql);
  });

  it('refuses what no column can be named', () => {
    expect(() => quoteColumn('a'.repeat(64))).toThrow(QueryBuildError);
    expect(() => quoteColumn('a\0b')).toThrow(QueryBuildError);
    expect(() => quoteColumn('')).toThrow(QueryBuildError);
  });

  it('writes the quoted name wherever the table query reads the timestamp', () => {
    const q = buildTableQuery({ table: 'm', timestamp: 'Created At', value: 'count(*)' }, true);
    expect(q.text).toContain('max("Created At") AS newest');
    expect(q.text).toContain('WHERE "Created At" >= $1 AND "Created At" < $2');
    expect(q.text).toContain('(SELECT min("Created At") FROM "m" WHERE "Created At" < $2) AS first_seen');
  });
});

function halted(out: MeasurementOutcome) {
  if (out.status !== 'halt') throw new Error(`expected a halt, got ${String(out.value)}`);
  return out;
}

describe.each(testBackends())('a timestamp column that needs quotes, on $name', (backend) => {
  const db = useTestDatabase(backend);
  let sources: SqlMeasurementSource[] = [];
  function source() {
    const s = new SqlMeasurementSource({ open: () => db.client() });
    sources.push(s);
    return s;
  }

  beforeAll(async () => {
    const asOf = `'${AS_OF.toISOString()}'::timestamptz`;
    await db.exec(`
      CREATE SCHEMA sales;
      CREATE TABLE sales."Order Items" ("Created At" timestamptz NOT NULL, "event-time" timestamptz, "Amount" numeric);
      INSERT INTO sales."Order Items"
        SELECT ${asOf} - i * interval '1 hour', ${asOf} - interval '30 days', i
        FROM generate_series(1, 48) AS i;
    `);
  });
  afterEach(async () => {
    await Promise.all(sources.map((s) => s.close()));
    sources = [];
  });

  it('measures over a column with a space and upper case', async () => {
    const m = sqlMeasurement(
      { table: 'sales."Order Items"', timestamp: 'Created At', value: 'sum("Amount")' },
      { window: '7d', require: { min_rows: 10, days_with_rows: 2, max_age: '2h' } },
    );
    const out = await source().measure(m, evalContext());
    if (out.status !== 'ok') throw new Error(`expected ok, got halt ${out.halt}: ${out.reason}`);
    expect(out.value).toBe((48 * 49) / 2);
    expect(out.evidence.rows).toBe(48);
    expect(out.evidence.days_with_rows).toBe(2);
    expect(out.evidence.first_seen).toBe(new Date(AS_OF.getTime() - 48 * 3_600_000).toISOString());
  });

  it('tells a channel that went dark over a hyphenated column', async () => {
    const m = sqlMeasurement(
      { table: 'sales."Order Items"', timestamp: 'event-time', value: 'count(*)' },
      { window: '7d', require: { min_rows: 1 } },
    );
    const out = halted(await source().measure(m, evalContext()));
    expect(out.halt).toBe('missing');
    expect(out.evidence).toMatchObject({ rows: 0, newest_ever: new Date(AS_OF.getTime() - 30 * DAY).toISOString() });
  });
});

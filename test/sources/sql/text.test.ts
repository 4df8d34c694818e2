import { describe, expect, it } from 'vitest';
import { ParamRewriteError, rewriteNamedParams } from '../../../src/sources/sql/params.js';
import { buildTableQuery, QueryBuildError, quoteQualifiedName } from '../../../src/sources/sql/query.js';
import { redact } from '../../../src/sources/sql/redact.js';
import { coerceValue } from '../../../src/sources/sql/source.js';
import { formatAge } from '../../../src/util/duration.js';

const NAMES = ['as_of', 'window_start', 'window_end'];

describe('redact', () => {
  it.each([
    ['postgres://reader:hunter22@db:5432/prod', 'postgres://reader:***@db:5432/prod'],
    ['postgresql://reader:p%40ss@db/prod?sslmode=require', 'postgresql://reader:***@db/prod?sslmode=require'],
    ['failed: postgres://u:raw@pass@db/x then', 'failed: postgres://u:***@db/x then'],
    ['postgres://:onlypw@db/x', 'postgres://:***@db/x'],
    ['host=db user=reader password=hunter22 dbname=prod', 'host=db user=reader password=*** dbname=prod'],
    ["password='two words' host=db", 'password=*** host=db'],
    ['postgres://db/x?user=u&password=hunter22', 'postgres://db/x?user=u&password=***'],
    ['PGPASSWORD=hunter22 psql', 'PGPASSWORD=*** psql'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('leaves text without secrets alone', () => {
    const text = 'database unreachable at 127.0.0.1:5432 (ECONNREFUSED); postgres://db:5432/prod';
    expect(redact(text)).toBe(text);
  });

  it('masks known secrets wherever they appear', () => {
    expect(redact('server said hunter22 was wrong', ['hunter22'])).toBe('server said *** was wrong');
  });
});

describe('rewriteNamedParams', () => {
  it('numbers the names in order of first use, reusing numbers', () => {
    const r = rewriteNamedParams(
      'SELECT 1 AS value WHERE t >= $window_start AND t < $as_of AND $as_of::timestamptz > $window_start',
      NAMES,
    );
    expect(r.text).toBe('SELECT 1 AS value WHERE t >= $1 AND t < $2 AND $2::timestamptz > $1');
    expect(r.names).toEqual(['window_start', 'as_of']);
  });

  it.each([
    ["SELECT '$as_of' AS value", "SELECT '$as_of' AS value"],
    ["SELECT 'it''s $as_of' AS value", "SELECT 'it''s $as_of' AS value"],
    ["SELECT E'\\'$as_of' AS value", "SELECT E'\\'$as_of' AS value"],
    ['SELECT "$as_of" AS value', 'SELECT "$as_of" AS value'],
    ['SELECT 1 AS value -- $as_of\n', 'SELECT 1 AS value -- $as_of\n'],
    ['SELECT 1 /* $as_of /* nested */ $as_of */ AS value', 'SELECT 1 /* $as_of /* nested */ $as_of */ AS value'],
    ['SELECT $$ $as_of $$ AS value', 'SELECT $$ $as_of $$ AS value'],
    ['SELECT $q$ $as_of $q$ AS value', 'SELECT $q$ $as_of $q$ AS value'],
    ['SELECT a$as_of AS value', 'SELECT a$as_of AS value'],
  ])('leaves %j alone', (input, expected) => {
    const r = rewriteNamedParams(input, NAMES);
    expect(r.text).toBe(expected);
    expect(r.names).toEqual([]);
  });

  it('maps a place in the rewritten text back to the query as written', () => {
    const input = 'SELECT 1 AS value WHERE t >= $window_start AND t < $as_of AND nope';
    const r = rewriteNamedParams(input, NAMES);
    expect(r.text).toBe('SELECT 1 AS value WHERE t >= $1 AND t < $2 AND nope');
    expect(r.sourceOffset(r.text.indexOf('nope'))).toBe(input.indexOf('nope'));
    expect(r.sourceOffset(r.text.indexOf('$2'))).toBe(input.indexOf('$as_of'));
    expect(r.sourceOffset(r.text.indexOf('WHERE'))).toBe(input.indexOf('WHERE'));
  });

  it('rewrites around literals on the same line', () => {
    const r = rewriteNamedParams('SELECT \'$as_of\', $as_of, "$window_end", $window_end', NAMES);
    expect(r.text).toBe('SELECT \'$as_of\', $1, "$window_end", $2');
  });

  it.each([
    'SELECT $since',
    'SELECT $1',
    'SELECT $as_of_day',
    "SELECT 'unterminated",
    'SELECT $$ unterminated',
    'SELECT /* unterminated',
  ])('rejects %j', (input) => {
    expect(() => rewriteNamedParams(input, NAMES)).toThrow(ParamRewriteError);
  });
});

describe('table form query', () => {
  it('quotes schema and table separately', () => {
    expect(quoteQualifiedName('audit.coordination_measurements')).toBe('"audit"."coordination_measurements"');
    expect(quoteQualifiedName('Measurements')).toBe('"Measurements"');
  });

  it.each(['a.b.c', 'audit."x', 'x; DROP TABLE y', '', 'audit.'])('rejects table name %j', (name) => {
    expect(() => quoteQualifiedName(name)).toThrow(QueryBuildError);
  });

  it('computes value and statistics in one statement over the window', () => {
    const q = buildTableQuery(
      { table: 'audit.m', timestamp: 'recorded_at', where: "kind = 'x'", value: 'avg(ms)' },
      true,
    );
    expect(q.names).toEqual(['window_start', 'window_end']);
    expect(q.text).toBe(
      [
        'SELECT (\navg(ms)\n) AS value,',
        '  count(*) AS rows,',
        `  count(DISTINCT ceil((extract(epoch FROM $2::timestamptz) - extract(epoch FROM "recorded_at")) / 86400)) AS days_with_rows,`,
        '  max("recorded_at") AS newest,',
        `  (SELECT min("recorded_at") FROM "audit"."m" WHERE (\nkind = 'x'\n) AND "recorded_at" < $2) AS first_seen`,
        'FROM "audit"."m"',
        `WHERE (\nkind = 'x'\n) AND "recorded_at" >= $1 AND "recorded_at" < $2`,
      ].join('\n'),
    );
  });

  it('omits the filter when there is no where', () => {
    const q = buildTableQuery({ table: 'm', timestamp: 't', value: 'count(*)' }, false);
    expect(q.text).toContain('WHERE "t" >= $1 AND "t" < $2');
    expect(q.text).not.toContain('first_seen');
  });
});

describe('coerceValue', () => {
  it.each([
    ['double', '12.5', 12.5],
    ['double', 3, 3],
    ['int', '9007199254740991', 9007199254740991],
    ['int', '12.000', 12],
    ['bool', true, true],
    ['bool', 'f', false],
    ['string', 'x', 'x'],
    ['timestamp', '2026-06-01T00:00:00Z', new Date('2026-06-01T00:00:00Z')],
    ['double', ' 1.5e+3 ', 1500],
    ['double', '-.5', -0.5],
    ['timestamp', '2026-06-01 10:00:00.25+05:30', new Date('2026-06-01T04:30:00.250Z')],
    ['timestamp', '2026-06-01 10:00:00-03', new Date('2026-06-01T13:00:00Z')],
    ['timestamp', '2026-06-01', new Date('2026-06-01T00:00:00Z')],
  ] as const)('%s from %j', (type, raw, expected) => {
    expect(coerceValue(raw, type)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['double', 'abc'],
    ['double', 'NaN'],
    ['double', 'Infinity'],
    ['int', '12.5'],
    ['int', '9007199254740993'],
    ['bool', 1],
    ['string', { a: 1 }],
    ['timestamp', 'infinity'],
    ['timestamp', 5],
    // Text Number() or Date.parse would read, but that is no number or time as PostgreSQL writes one.
    ['double', '0x10'],
    ['double', '0b11'],
    ['int', '0o17'],
    ['timestamp', '5'],
    ['timestamp', 'June 1'],
    ['timestamp', '2026-02-30'],
  ] as const)('%s rejects %j', (type, raw) => {
    expect(coerceValue(raw, type).ok).toBe(false);
  });
});

describe('a time written as text', () => {
  it('without a zone is read as UTC, whatever the zone of the process', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(coerceValue('2026-06-01 10:00', 'timestamp')).toEqual({
        ok: true,
        value: new Date('2026-06-01T10:00:00Z'),
      });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe('formatAge', () => {
  it.each([
    [30_000, '30s'],
    [42 * 60_000, '42m'],
    [5 * 3_600_000 + 12 * 60_000, '5h 12m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d 4h'],
    [2 * 86_400_000, '2d'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

/**
 * A query the database rejects for its text (a misspelt table or column, a syntax error) is
 * the spec author's to fix: its halt says where in measurements.yaml that text is written, as
 * a spec error would, on every backend, without changing the verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGithub } from '../../../src/formatters/github.js';
import { formatJson } from '../../../src/formatters/json.js';
import { formatSarif } from '../../../src/formatters/sarif.js';
import type { GateReport, GateResult } from '../../../src/model/result.js';
import { SqlHaltError } from '../../../src/sources/sql/client.js';
import { writtenAt } from '../../../src/sources/sql/source.js';
import { loadRfc } from '../../../src/spec/load.js';
import { testBackends, useTestDatabase } from '../../helpers/db.js';
import { evaluateOnDatabase, gateOf } from '../../helpers/evaluate-sql.js';
import { gateReading, modeline, tempRoot, writeRfc } from '../../helpers/spec-fixture.js';
import { AS_OF } from './fixtures.js';

const FILE = 'gates/demo/measurements.yaml';

/** measurements.yaml as written: line 1 is the modeline, so the first item is on line 2. */
const MEASUREMENTS = `${modeline('measurements.yaml')}- id: misspelt_table
  window: 7d
  sql:
    table: audit.ordrs
    timestamp: created_at
    value: count(*)
- id: misspelt_value_column
  window: 7d
  sql:
    table: audit.orders
    timestamp: created_at
    where: status = 'paid'
    value: sum(amout)
- id: raw_misspelt_column
  sql:
    query: |
      SELECT count(*) AS value,
             count(*) AS rows
      FROM audit.orders
      WHERE created_at < $as_of
        AND totl > 0
- id: raw_syntax_error
  sql:
    query: |
      SELECT count(*) AS value
      FRM audit.orders
- id: raw_after_emoji
  sql:
    query: |
      SELECT count(*) AS value /* \u{1F600}\u{1F600} */ FROM audit.orders WHERE created_at < $as_of AND totl > 0
`;

describe.each(testBackends())('a query rejected for its text is located in the spec on $name', (backend) => {
  const db = useTestDatabase(backend);
  const { root, cleanup } = tempRoot();
  let report: GateReport;

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE IF NOT EXISTS audit.orders (id bigserial, status text, amount numeric, total numeric, created_at timestamptz)`);
    writeRfc(root, {
      disconfirmers: [
        gateReading('T', 'misspelt_table'),
        gateReading('V', 'misspelt_value_column'),
        gateReading('R', 'raw_misspelt_column'),
        gateReading('S', 'raw_syntax_error'),
        gateReading('E', 'raw_after_emoji'),
      ],
      raw: { 'measurements.yaml': MEASUREMENTS },
    });
    report = await evaluateOnDatabase(root, db, AS_OF);
  });
  afterAll(() => cleanup());

  const result = (id: string): GateResult => gateOf(report, id);
  const measured = (r: GateResult, id: string) =>
    (r.evidence.measurements as Record<string, Record<string, unknown>>)[id];

  it('a misspelt table of the table form points at its table: value, and still halts missing', () => {
    const r = result('T');
    expect(r.verdict).toBe('halt');
    expect(r.halt_reason).toBe('missing');
    expect(r.reason).toMatch(/relation "audit\.ordrs" does not exist/);
    expect(r.reason).toContain(`; written at ${FILE}:5:12 (sql.table)`);
    expect(measured(r, 'misspelt_table')?.written_at).toEqual({ file: FILE, line: 5, col: 12, key: 'sql.table' });
    expect(r.cause).toEqual({ file: FILE, line: 5, col: 12 });
  });

  it('a misspelt column in the value fragment points at the name inside it, and still halts error', () => {
    const r = result('V');
    expect(r.verdict).toBe('halt');
    expect(r.halt_reason).toBe('error');
    expect(r.reason).toMatch(/column "amout" does not exist \(SQLSTATE 42703/);
    expect(r.reason).toContain(`; written at ${FILE}:14:16 (sql.value)`);
    expect(r.cause).toEqual({ file: FILE, line: 14, col: 16 });
  });

  it('a misspelt column of a raw query is placed at its line and column inside the query: | block', () => {
    // `$as_of` on the line before is sent as `$1`: the server's position is read back through it.
    const r = result('R');
    expect(r.verdict).toBe('halt');
    expect(r.halt_reason).toBe('error');
    expect(r.reason).toContain(`column "totl" does not exist`);
    expect(r.reason).toContain(`; written at ${FILE}:22:13 (sql.query)`);
    expect(measured(r, 'raw_misspelt_column')?.written_at).toEqual({ file: FILE, line: 22, col: 13, key: 'sql.query' });
  });

  it('a syntax error of a raw query is placed where the server stopped reading', () => {
    const r = result('S');
    expect(r.verdict).toBe('halt');
    expect(r.halt_reason).toBe('error');
    expect(r.reason).toContain('syntax error at or near "FRM"');
    expect(r.reason).toContain(`; written at ${FILE}:27:7 (sql.query)`);
    expect(r.cause).toEqual({ file: FILE, line: 27, col: 7 });
  });

  it('a name after characters beyond the BMP is placed at its column in UTF-16 units, as SARIF counts them', () => {
    // The server counts characters; each emoji before the name is two UTF-16 units.
    const r = result('E');
    expect(r.verdict).toBe('halt');
    expect(r.reason).toContain(`column "totl" does not exist`);
    expect(r.reason).toContain(`; written at ${FILE}:31:91 (sql.query)`);
    expect(r.cause).toEqual({ file: FILE, line: 31, col: 91 });
  });

  it('JSON carries the cause beside the gate location; SARIF and GitHub point at it, the gate kept beside', () => {
    const json = JSON.parse(formatJson(report)) as { results: Record<string, unknown>[] };
    const t = json.results.find((x) => x.id === 'T');
    expect(t?.location).toMatchObject({ file: 'gates/demo/disconfirmers.yaml' });
    expect(t?.cause).toEqual({ file: FILE, line: 5, col: 12 });

    const sarif = JSON.parse(formatSarif(report, { toolVersion: '0.0.0' })) as {
      runs: { results: { ruleId: string; locations: unknown[]; relatedLocations?: unknown[] }[] }[];
    };
    const s = sarif.runs[0]?.results.find((x) => x.ruleId === 'demo/S');
    expect(s?.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: FILE, uriBaseId: '%SRCROOT%' },
          region: { startLine: 27, startColumn: 7 },
        },
      },
    ]);
    expect(s?.relatedLocations).toMatchObject([
      { id: 1, physicalLocation: { artifactLocation: { uri: 'gates/demo/disconfirmers.yaml' } } },
    ]);

    const github = formatGithub(report);
    expect(github).toContain(`::warning file=${FILE},line=27,col=7,title=S halt (error)::`);
    expect(github).toMatch(/disconfirmer S §1: Reads raw_syntax_error \(gates\/demo\/disconfirmers\.yaml:\d+:\d+\)/);
  });
});

describe('a rejected name the server gave no position for', () => {
  const { root, cleanup } = tempRoot();
  afterAll(() => cleanup());
  writeRfc(root, {
    disconfirmers: [gateReading('W', 'by_where'), gateReading('A', 'ambiguous')],
    raw: {
      'measurements.yaml': `${modeline('measurements.yaml')}- id: by_where
  window: 7d
  sql:
    table: audit.orders
    timestamp: created_at
    where: stat = 'paid'
    value: count(*) FILTER (WHERE status IS NOT NULL)
- id: ambiguous
  window: 7d
  sql:
    table: audit.orders
    timestamp: created_at
    where: total > 0
    value: sum(total)
`,
    },
  });
  const rfc = loadRfc(root, 'demo');
  const measurement = (id: string) => {
    const m = rfc.measurements.get(id);
    if (!m) throw new Error(`no measurement ${id}`);
    return m;
  };
  const rejected = (name: string) => new SqlHaltError('error', `column "${name}" does not exist`, '42703');

  it('is placed at the one key of the sql block that holds it as a whole name', () => {
    // value's `status` does not hold the name `stat`.
    expect(writtenAt(measurement('by_where'), rejected('stat'), undefined)).toEqual({
      file: FILE,
      line: 7,
      col: 12,
      key: 'sql.where',
    });
  });

  it('is placed at the sql: key when several keys hold it', () => {
    expect(writtenAt(measurement('ambiguous'), rejected('total'), undefined)).toEqual({
      file: FILE,
      line: 11,
      col: 3,
      key: 'sql',
    });
  });

  it('is not placed at all for a missing grant, which no edit of the spec fixes', () => {
    const grant = new SqlHaltError('error', 'permission denied for table orders', '42501');
    expect(writtenAt(measurement('by_where'), grant, undefined)).toBeUndefined();
  });
});

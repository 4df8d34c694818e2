/**
 * measure check: each SQL measurement's query planned against the live schema, on every
 * backend. A text the database rejects is a problem located where gate check's halt locates
 * it; a raw query lacking a column its requirements read is one too; a database that cannot
 * be asked is a halt; and nothing is executed, so no row is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMeasurements, type MeasureCheckReport } from '../../src/engine/measure-check.js';
import { formatMeasureCheck } from '../../src/formatters/measure-check/index.js';
import type { GateReport } from '../../src/model/result.js';
import { SqlMeasurementSource } from '../../src/sources/sql/source.js';
import { loadRfc } from '../../src/spec/load.js';
import { UsageError } from '../../src/spec/problems.js';
import type { RfcSpec } from '../../src/spec/types.js';
import { type TestDatabase, testBackends, useTestDatabase } from '../helpers/db.js';
import { evaluateOnDatabase, gateOf } from '../helpers/evaluate-sql.js';
import { gateReading, modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';
import { AS_OF } from '../sources/sql/fixtures.js';

const FILE = 'gates/demo/measurements.yaml';

/** Line 1 is the modeline, so the first item is on line 2. */
const MEASUREMENTS = `${modeline('measurements.yaml')}- id: divides_by_zero
  window: 7d
  sql:
    table: audit.orders
    timestamp: created_at
    where: status = 'paid'
    value: sum(total) / (count(*) - count(*))
- id: misspelt_where
  window: 7d
  sql:
    table: audit.orders
    timestamp: created_at
    where: stauts = 'paid'
    value: count(*)
- id: missing_table
  window: 7d
  sql:
    table: audit.ordrs
    timestamp: created_at
    value: count(*)
- id: raw_lacks_columns
  window: 7d
  require: { min_rows: 1, max_age: 1d }
  sql:
    query: |
      SELECT count(*) AS value
      FROM audit.orders
      WHERE created_at >= $window_start AND created_at < $window_end
- id: raw_value_twice
  sql:
    query: SELECT 1 AS value, 2 AS value
- id: raw_with_semicolon
  window: 7d
  require: { min_rows: 1 }
  sql:
    query: |
      SELECT sum(total) / (count(*) - count(*)) AS value, count(*) AS rows
      FROM audit.orders
      WHERE created_at >= $window_start AND created_at < $window_end;
- id: raw_comment_after_semicolon
  sql:
    query: "SELECT 1 AS value; -- the row gate check reads"
- id: other_database
  window: 7d
  sql:
    connection_env: ORDERS_DB_URL
    table: audit.orders
    timestamp: created_at
    value: count(*)
- id: kernel_tree
  type: bool
  git:
    query: path_exists
    path: kernel
- id: interval_value
  window: 7d
  sql:
    table: audit.orders
    timestamp: created_at
    value: percentile_cont(0.5) WITHIN GROUP (ORDER BY took)
- id: raw_epoch_newest
  window: 7d
  require: { max_age: 1d }
  sql:
    query: |
      SELECT count(*) AS value, max(extract(epoch FROM created_at))::bigint AS newest
      FROM audit.orders WHERE created_at >= $window_start AND created_at < $window_end
- id: raw_json_value
  sql:
    query: |
      SELECT '{"n": 2}'::json -> 'n' AS value
`;

const GATES: [string, string][] = [
  ['Z', 'divides_by_zero'],
  ['W', 'misspelt_where'],
  ['T', 'missing_table'],
  ['C', 'raw_lacks_columns'],
  ['V', 'raw_value_twice'],
  ['S', 'raw_with_semicolon'],
  ['K', 'raw_comment_after_semicolon'],
  ['O', 'other_database'],
  ['G', 'kernel_tree'],
  ['I', 'interval_value'],
  ['E', 'raw_epoch_newest'],
  ['J', 'raw_json_value'],
];

describe.each(testBackends())('measure check on $name', (backend) => {
  const db = useTestDatabase(backend);
  const { root, cleanup } = tempRoot();
  let rfc: RfcSpec;
  let report: MeasureCheckReport;
  let evaluated: GateReport;

  const check = async (only?: string[], env: Record<string, string> = {}): Promise<MeasureCheckReport> => {
    const measurements = new Map([...rfc.measurements].filter(([id]) => !only || only.includes(id)));
    const source = new SqlMeasurementSource({ open: () => db.client(), env });
    try {
      return await checkMeasurements({ manifest: rfc.manifest, measurements }, source, AS_OF);
    } finally {
      await source.close();
    }
  };
  const entry = (id: string) => {
    const e = report.measurements.find((x) => x.id === id);
    if (!e) throw new Error(`no entry for ${id}`);
    return e;
  };

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE IF NOT EXISTS audit.orders (id bigserial, status text, total numeric, took interval, created_at timestamptz)`);
    // A paid row in the window: run, the two queries that divide by zero would fail.
    await db.exec(`INSERT INTO audit.orders (status, total, took, created_at) VALUES ('paid', 10, '2 hours', $1)`, [
      new Date(AS_OF.getTime() - 3_600_000).toISOString(),
    ]);
    writeRfc(root, {
      disconfirmers: GATES.map(([id, reads]) =>
        gateReading(id, reads, reads === 'kernel_tree' ? `!${reads}` : undefined),
      ),
      raw: { 'measurements.yaml': MEASUREMENTS },
    });
    rfc = loadRfc(root, 'demo');
    report = await check();
    evaluated = await evaluateOnDatabase(root, db, AS_OF);
  });
  afterAll(() => cleanup());

  it('lists every SQL measurement in file order and counts the others apart', () => {
    expect(report.rfc).toBe('demo');
    expect(report.as_of).toBe(AS_OF.toISOString());
    expect(report.measurements.map((e) => e.id)).toEqual(GATES.filter(([g]) => g !== 'G').map(([, m]) => m));
    expect(report.other_sources).toBe(1);
    expect(report.verdict).toBe('fail');
  });

  it('plans a query without running it: no row is read, so a division by zero in the value is not reached', () => {
    expect(entry('divides_by_zero')).toMatchObject({ status: 'ok', location: { file: FILE, line: 4, col: 3 } });
    expect(entry('raw_with_semicolon').status).toBe('ok');
    // gate check runs them: the row is there, and the same queries fail on it.
    expect(gateOf(evaluated, 'Z').reason).toMatch(/division by zero/);
    expect(gateOf(evaluated, 'S').reason).toMatch(/division by zero/);
  });

  it('a name the database lacks is a problem, located where gate check locates its halt', () => {
    expect(entry('misspelt_where')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 14, col: 12 },
      key: 'sql.where',
    });
    expect(entry('misspelt_where').message).toMatch(/column "stauts" does not exist/);
    expect(entry('missing_table')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 19, col: 12 },
      key: 'sql.table',
    });
    expect(entry('missing_table').message).toMatch(/relation "audit\.ordrs" does not exist/);
    for (const [g, m] of [
      ['W', 'misspelt_where'],
      ['T', 'missing_table'],
    ] as const) {
      expect(gateOf(evaluated, g).cause).toEqual(entry(m).location);
    }
  });

  it('a raw query without the columns its requirements read is a problem naming each, at the query', () => {
    expect(entry('raw_lacks_columns')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 27, col: 7 },
      key: 'sql.query',
      message:
        'the query must return a column named rows (needed by min_rows); the query must return a column named newest (needed by max_age)',
    });
    expect(entry('raw_value_twice')).toMatchObject({
      status: 'problem',
      key: 'sql.query',
      message: 'the query returns more than one column named value: name them apart',
    });
  });

  it('a column of a type the evaluation cannot read as it reads it is a problem, at the text that makes it', () => {
    expect(entry('interval_value')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 61, col: 12 },
      key: 'sql.value',
      message:
        'column value is of type interval, not a number (type: double); select EXTRACT(EPOCH FROM …) for seconds',
    });
    expect(gateOf(evaluated, 'I').reason).toMatch(/is not a number: it reads as an interval/);
    expect(entry('raw_epoch_newest')).toMatchObject({
      status: 'problem',
      key: 'sql.query',
      message: 'column newest is of type bigint, not a time (max_age)',
    });
    expect(gateOf(evaluated, 'E').reason).toMatch(/column newest is "?\d+"?, not a time/);
    // json is no number to a cast, but the driver parses it: gate check reads 2.
    expect(entry('raw_json_value').status).toBe('ok');
    expect(gateOf(evaluated, 'J').verdict).toBe('pass');
  });

  it('a query that plans but cannot be read inside another is ok, its columns said to be unchecked', () => {
    // gate check sends it as written, and reads its row; only the wrapping around it failed.
    expect(entry('raw_comment_after_semicolon')).toMatchObject({ status: 'ok' });
    expect(entry('raw_comment_after_semicolon').message).toMatch(/^its columns were not checked: syntax error/);
    expect(gateOf(evaluated, 'K').verdict).toBe('pass');
  });

  it('a database it cannot ask is a halt, not a problem: the spec may be right', () => {
    expect(entry('other_database')).toMatchObject({
      status: 'halt',
      halt: 'missing',
      message: 'its database is named by ORDERS_DB_URL, which is not set',
      location: { file: FILE, line: 46, col: 3 },
    });
  });

  it("a server that does not answer is a halt too; a URL that cannot be read is the invocation's fault", async () => {
    const down = await check(['other_database'], { ORDERS_DB_URL: 'postgres://nobody@127.0.0.1:9/orders' });
    expect(down.verdict).toBe('halt');
    expect(down.measurements[0]).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(down.measurements[0]?.message).toMatch(/^database unreachable at 127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    await expect(check(['other_database'], { ORDERS_DB_URL: 'postgres://u:secret@host:notaport/db' })).rejects.toThrow(
      UsageError,
    );
  });

  it('passes when the database plans every query, and halts when only a check could not be made', async () => {
    expect((await check(['divides_by_zero', 'raw_with_semicolon'])).verdict).toBe('pass');
    expect((await check(['divides_by_zero', 'other_database'])).verdict).toBe('halt');
  });

  it('prints one line per measurement opening with its file:line:col, then the count', () => {
    const lines = formatMeasureCheck(report, 'table').trimEnd().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(`${FILE}:4:3  ok  divides_by_zero`);
    expect(lines[1]).toMatch(
      new RegExp(`^${FILE}:14:12  PROBLEM  misspelt_where  column "stauts" does not exist .*\\(sql\\.where\\)$`),
    );
    expect(lines[7]).toBe(
      `${FILE}:46:3  HALT missing  other_database  its database is named by ORDERS_DB_URL, which is not set`,
    );
    expect(lines[11]).toMatch(
      /^4 of 11 SQL measurements of demo planned by the database, 6 rejected as written, 1 not checked \(.+\); no row was read; 1 measurement of other sources reads? no database$/,
    );
    expect(JSON.parse(formatMeasureCheck(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('writes Markdown for a step summary: the verdict, the count, and a row for each query that is not ok', () => {
    const md = formatMeasureCheck(report, 'markdown').split('\n');
    expect(md[0]).toBe('### demo measure check: FAIL');
    expect(md[2]).toMatch(
      /^4 of 11 SQL measurements of demo planned by the database, 6 rejected as written, 1 not checked/,
    );
    // The heading row and its rule, then the 6 rejected and the 1 not checked.
    expect(md.filter((l) => l.startsWith('| ')).length).toBe(2 + 7);
    expect(md).toContain(
      '| other_database | `gates/demo/measurements.yaml:46:3` | not checked (missing) | its database is named by ORDERS_DB_URL, which is not set |',
    );
  });

  it('annotates for GitHub: an error at each rejected text, then a warning at each unchecked query, paths from the top', () => {
    const lines = formatMeasureCheck(report, 'github', 'svc/').trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines.slice(0, 6).every((l) => l.startsWith('::error file=svc/gates/demo/measurements.yaml,'))).toBe(true);
    expect(lines[0]).toMatch(
      /^::error file=svc\/gates\/demo\/measurements\.yaml,line=14,col=12,title=misspelt_where rejected by the database::column "stauts" does not exist .*\(sql\.where\)$/,
    );
    expect(lines[6]).toBe(
      '::warning file=svc/gates/demo/measurements.yaml,line=46,col=3,title=other_database not checked (missing)::its database is named by ORDERS_DB_URL, which is not set',
    );
    expect(lines[7]).toMatch(/^::notice title=rfcgate measure check demo::4 of 11 SQL measurements of demo planned/);
  });
});

describe('measure check table', () => {
  it('writes out what would act as a workflow command in a CI log: the text quoted comes from the spec and the database', () => {
    const text = formatMeasureCheck(
      {
        rfc: 'demo',
        as_of: AS_OF.toISOString(),
        verdict: 'fail',
        other_sources: 0,
        measurements: [
          {
            id: 'x',
            status: 'problem',
            location: { file: FILE, line: 3, col: 5 },
            key: 'sql.where',
            message: 'column "##[error]x" does not exist',
          },
        ],
      },
      'table',
    );
    expect(text).toContain('column "##\\x5berror]x" does not exist (sql.where)');
    expect(text).not.toContain('##[');
  });
});

/** Line 1 is the modeline, so the first item is on line 2. */
const CAST_BUT_UNREAD = `${modeline('measurements.yaml')}- id: flag_as_int
  type: bool
  window: 7d
  sql:
    table: audit.flags
    timestamp: created_at
    value: max(flag)
- id: raw_int_as_bool
  type: bool
  sql:
    query: SELECT 1 AS value
- id: raw_text_as_bool
  type: bool
  sql:
    query: SELECT CASE WHEN 1 > 0 THEN 'true' ELSE 'false' END AS value
- id: raw_array_as_string
  type: string
  sql:
    query: SELECT ARRAY['a', 'b'] AS value
- id: raw_bytea_as_string
  type: string
  sql:
    query: SELECT '\\x01'::bytea AS value
- id: raw_uuid_as_string
  type: string
  sql:
    query: SELECT '00000000-0000-0000-0000-000000000001'::uuid AS value
`;

/**
 * What measure check says of the RFC at `root`, and what gate check then does with the same
 * queries on the same database: each case judges both, so a problem is one gate check would meet.
 */
async function checkThenEvaluate(
  root: string,
  db: TestDatabase,
): Promise<{ report: MeasureCheckReport; evaluated: GateReport }> {
  const source = new SqlMeasurementSource({ open: () => db.client(), env: {} });
  try {
    const report = await checkMeasurements(loadRfc(root, 'demo'), source, AS_OF);
    return { report, evaluated: await evaluateOnDatabase(root, db, AS_OF) };
  } finally {
    await source.close();
  }
}

describe.each(testBackends())(
  'measure check of a value a cast accepts but the evaluation never reads, on $name',
  (backend) => {
    const db = useTestDatabase(backend);
    const { root, cleanup } = tempRoot();
    const GATES: [string, string, string][] = [
      ['F', 'flag_as_int', '!flag_as_int'],
      ['I', 'raw_int_as_bool', '!raw_int_as_bool'],
      ['T', 'raw_text_as_bool', '!raw_text_as_bool'],
      ['A', 'raw_array_as_string', 'raw_array_as_string == "x"'],
      ['B', 'raw_bytea_as_string', 'raw_bytea_as_string == "x"'],
      ['U', 'raw_uuid_as_string', 'raw_uuid_as_string == "x"'],
    ];
    let report: MeasureCheckReport;
    let evaluated: GateReport;
    const entry = (id: string) => report.measurements.find((x) => x.id === id);

    beforeAll(async () => {
      await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE IF NOT EXISTS audit.flags (flag integer, created_at timestamptz)`);
      await db.exec(`INSERT INTO audit.flags (flag, created_at) VALUES (1, $1)`, [
        new Date(AS_OF.getTime() - 3_600_000).toISOString(),
      ]);
      writeRfc(root, {
        disconfirmers: GATES.map(([id, reads, firesIf]) => gateReading(id, reads, firesIf)),
        raw: { 'measurements.yaml': CAST_BUT_UNREAD },
      });
      ({ report, evaluated } = await checkThenEvaluate(root, db));
    });
    afterAll(() => cleanup());

    it('an integer read as a boolean is a problem: it casts to one, but arrives as a number', () => {
      expect(entry('flag_as_int')).toMatchObject({
        status: 'problem',
        location: { file: FILE, line: 8, col: 12 },
        key: 'sql.value',
        message: 'column value is of type integer, not a boolean (type: bool); compare it (value <> 0) for a boolean',
      });
      expect(entry('raw_int_as_bool')).toMatchObject({ status: 'problem', key: 'sql.query' });
      expect(gateOf(evaluated, 'F').reason).toMatch(/value 1 is not a boolean/);
      expect(gateOf(evaluated, 'I').reason).toMatch(/value 1 is not a boolean/);
    });

    it('an array or bytea read as text is a problem: it arrives as an array or bytes', () => {
      expect(entry('raw_array_as_string')).toMatchObject({
        status: 'problem',
        key: 'sql.query',
        message: 'column value is of type text[], not text (type: string); select one element, or array_to_string(…)',
      });
      expect(entry('raw_bytea_as_string')?.message).toBe(
        "column value is of type bytea, not text (type: string); select encode(…, 'hex') for text",
      );
      expect(gateOf(evaluated, 'A').reason).toMatch(/is not text/);
      expect(gateOf(evaluated, 'B').reason).toMatch(/is not text/);
    });

    it('what gate check reads stays ok: text spelling a boolean, a uuid as text', () => {
      expect(entry('raw_text_as_bool')).toMatchObject({ status: 'ok' });
      expect(entry('raw_uuid_as_string')).toMatchObject({ status: 'ok' });
      expect(gateOf(evaluated, 'T').verdict).toBe('pass');
      expect(gateOf(evaluated, 'U').verdict).toBe('pass');
      expect(report.verdict).toBe('fail');
    });
  },
);

/** Line 1 is the modeline, so the first item is on line 2. */
const WRITES = `${modeline('measurements.yaml')}- id: deletes_in_with
  sql:
    query: |
      WITH gone AS (DELETE FROM audit.jobs WHERE done RETURNING 1)
      SELECT count(*) AS value FROM gone
- id: locks_rows
  sql:
    query: SELECT count(*) AS value FROM (SELECT * FROM audit.jobs FOR UPDATE) AS j
- id: locks_in_where
  window: 7d
  sql:
    table: audit.jobs
    timestamp: created_at
    where: id IN (SELECT id FROM audit.jobs FOR SHARE)
    value: count(*)
- id: only_reads
  sql:
    query: SELECT count(*) AS value FROM audit.jobs
`;

describe.each(testBackends())('measure check of a query that writes or locks, on $name', (backend) => {
  const db = useTestDatabase(backend);
  const { root, cleanup } = tempRoot();
  const GATES: [string, string][] = [
    ['D', 'deletes_in_with'],
    ['L', 'locks_rows'],
    ['W', 'locks_in_where'],
    ['R', 'only_reads'],
  ];
  let report: MeasureCheckReport;
  let evaluated: GateReport;
  const entry = (id: string) => report.measurements.find((x) => x.id === id);

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE IF NOT EXISTS audit.jobs (id bigserial, done boolean, created_at timestamptz)`);
    await db.exec(`INSERT INTO audit.jobs (done, created_at) VALUES (true, $1)`, [
      new Date(AS_OF.getTime() - 3_600_000).toISOString(),
    ]);
    writeRfc(root, {
      disconfirmers: GATES.map(([id, reads]) => gateReading(id, reads)),
      raw: { 'measurements.yaml': WRITES },
    });
    ({ report, evaluated } = await checkThenEvaluate(root, db));
  });
  afterAll(() => cleanup());

  it('a query that writes plans under EXPLAIN, but gate check cannot run it: a problem at the query', () => {
    expect(entry('deletes_in_with')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 5, col: 7 },
      key: 'sql.query',
      message:
        'the query writes (Delete on jobs), which the READ ONLY transaction gate check runs it in refuses: a measurement only reads',
    });
    expect(gateOf(evaluated, 'D').reason).toMatch(/read-only transaction/);
  });

  it('so does one that locks the rows it reads, in a raw query or a where fragment', () => {
    expect(entry('locks_rows')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 9, col: 12 },
      key: 'sql.query',
      message:
        'the query locks the rows it reads (FOR UPDATE, FOR SHARE…), which the READ ONLY transaction gate check runs it in refuses: a measurement only reads',
    });
    expect(entry('locks_in_where')).toMatchObject({ status: 'problem', key: 'sql' });
    expect(gateOf(evaluated, 'L').reason).toMatch(/read-only transaction/);
    expect(gateOf(evaluated, 'W').reason).toMatch(/read-only transaction/);
  });

  it('a query that only reads stays ok', () => {
    expect(entry('only_reads')).toMatchObject({ status: 'ok' });
    expect(gateOf(evaluated, 'R').verdict).toBe('pass');
  });
});

/** Line 1 is the modeline, so the first item is on line 2. */
const LITERALS = `${modeline('measurements.yaml')}- id: month_thirteen
  window: 7d
  sql:
    table: audit.shipments
    timestamp: created_at
    where: created_at > '2026-13-01'
    value: count(*)
- id: misspelt_interval
  sql:
    query: |
      SELECT count(*) AS value FROM audit.shipments
      WHERE created_at > $as_of::timestamptz - interval '14 dayz'
- id: constant_division
  sql:
    query: SELECT 1 / 0 AS value
- id: well_written
  window: 7d
  sql:
    table: audit.shipments
    timestamp: created_at
    where: created_at > '2026-01-01'
    value: count(*)
`;

describe.each(testBackends())('measure check of a literal the database cannot read, on $name', (backend) => {
  const db = useTestDatabase(backend);
  const { root, cleanup } = tempRoot();
  const GATES: [string, string][] = [
    ['M', 'month_thirteen'],
    ['I', 'misspelt_interval'],
    ['D', 'constant_division'],
    ['W', 'well_written'],
  ];
  let report: MeasureCheckReport;
  let evaluated: GateReport;
  const entry = (id: string) => report.measurements.find((x) => x.id === id);

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE IF NOT EXISTS audit.shipments (id bigserial, created_at timestamptz)`);
    writeRfc(root, {
      disconfirmers: GATES.map(([id, reads]) => gateReading(id, reads)),
      raw: { 'measurements.yaml': LITERALS },
    });
    ({ report, evaluated } = await checkThenEvaluate(root, db));
  });
  afterAll(() => cleanup());

  it('a literal its type cannot read is rejected while planning, no row read: a problem at the literal', () => {
    expect(entry('month_thirteen')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 7, col: 25 },
      key: 'sql.where',
    });
    expect(entry('month_thirteen')?.message).toMatch(/^date\/time field value out of range: "2026-13-01"/);
    expect(entry('misspelt_interval')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 13, col: 57 },
      key: 'sql.query',
    });
    expect(entry('misspelt_interval')?.message).toMatch(/^invalid input syntax for type interval: "14 dayz"/);
    // gate check halts on them every run, whatever the table holds.
    expect(gateOf(evaluated, 'M').reason).toMatch(/2026-13-01/);
    expect(gateOf(evaluated, 'I').reason).toMatch(/14 dayz/);
  });

  it('a constant expression that cannot be computed is a problem too, at the sql block without a position', () => {
    expect(entry('constant_division')).toMatchObject({
      status: 'problem',
      location: { file: FILE, line: 15, col: 3 },
      key: 'sql',
    });
    expect(gateOf(evaluated, 'D').reason).toMatch(/division by zero/);
    expect(entry('well_written')?.status).toBe('ok');
    expect(report.verdict).toBe('fail');
  });
});

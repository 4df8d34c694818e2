/**
 * An exit criterion over other gates (all_of) that halts because one of them halted on a query
 * the database rejected for its text is fixed where that text is: its halt carries the child's
 * cause, so its annotation points at the query in measurements.yaml, not at the all_of.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGithub } from '../../src/formatters/github.js';
import { formatJson } from '../../src/formatters/json.js';
import { formatSarif } from '../../src/formatters/sarif.js';
import type { GateReport, GateResult } from '../../src/model/result.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { evaluateOnDatabase, gateOf } from '../helpers/evaluate-sql.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';
import { AS_OF } from '../sources/sql/fixtures.js';

const MEASUREMENTS_FILE = 'gates/demo/measurements.yaml';
const CRITERIA_FILE = 'gates/demo/exit-criteria.yaml';

/** Line 1 is the modeline, so the first item is on line 2. */
const MEASUREMENTS = `${modeline('measurements.yaml')}- id: missing_table
  window: 7d
  sql:
    table: audit.ordrs
    timestamp: created_at
    value: count(*)
- id: missing_column
  window: 7d
  sql:
    table: audit.orders
    timestamp: created_at
    value: sum(amout)
- id: not_a_number
  sql:
    query: SELECT 'none'::text AS value, 1 AS rows
- id: no_row
  sql:
    query: SELECT 1 AS value WHERE false
`;
const TABLE_AT = { file: MEASUREMENTS_FILE, line: 5, col: 12 };
const COLUMN_AT = { file: MEASUREMENTS_FILE, line: 13, col: 16 };

const disconfirmer = (id: string, reads: string) => ({
  id,
  title: `Reads ${reads}`,
  section: '§1',
  phase: ['implementation'],
  fires_if: `${reads} > 1000000`,
});
const criterion = (id: string, allOf: string[]) => ({
  id,
  title: `${allOf.join(', ')} did not fire`,
  section: '§2',
  phase: ['close'],
  all_of: allOf,
});

describe.each(testBackends())('an all_of halting on a rejected query points at the query on $name', (backend) => {
  const db = useTestDatabase(backend);
  const { root, cleanup } = tempRoot();
  let report: GateReport;

  beforeAll(async () => {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS audit;
      CREATE TABLE IF NOT EXISTS audit.orders (id bigserial, amount numeric, created_at timestamptz)`);
    writeRfc(root, {
      disconfirmers: [
        disconfirmer('T', 'missing_table'),
        disconfirmer('C', 'missing_column'),
        disconfirmer('N', 'not_a_number'),
        disconfirmer('Q', 'no_row'),
      ],
      'exit-criteria': [
        criterion('EC1', ['T']),
        criterion('EC2', ['T', 'C']),
        criterion('EC3', ['N', 'C']),
        criterion('EC4', ['Q', 'T']),
        criterion('EC5', ['N', 'T']),
        criterion('EC6', ['EC2']),
      ],
      raw: { 'measurements.yaml': MEASUREMENTS },
    });
    report = await evaluateOnDatabase(root, db, AS_OF);
  });
  afterAll(() => cleanup());

  const result = (id: string): GateResult => gateOf(report, id);

  it('the children halt as they did, each located or not by its own query', () => {
    expect(result('T')).toMatchObject({ verdict: 'halt', halt_reason: 'missing', cause: TABLE_AT });
    expect(result('T').reason).toMatch(/relation "audit\.ordrs" does not exist/);
    expect(result('C')).toMatchObject({ verdict: 'halt', halt_reason: 'error', cause: COLUMN_AT });
    expect(result('C').reason).toMatch(/column "amout" does not exist/);
    expect(result('N')).toMatchObject({ verdict: 'halt', halt_reason: 'error' });
    expect(result('N').cause).toBeUndefined();
    expect(result('Q')).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(result('Q').cause).toBeUndefined();
  });

  it('over a missing table (42P01), carries the table: value as its cause, its own location kept', () => {
    const r = result('EC1');
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing', reason: 'T halted (missing)' });
    expect(r.cause).toEqual(TABLE_AT);
    expect(r.location.file).toBe(CRITERIA_FILE);
  });

  it('takes the cause of the child whose halt reason it halts with, not of the first halted child', () => {
    // error outranks missing: C decides, though T is named first.
    const r = result('EC2');
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'error' });
    expect(r.cause).toEqual(COLUMN_AT);
  });

  it('skips a child halting for that reason without a cause, for the first one with one', () => {
    expect(result('EC3')).toMatchObject({ verdict: 'halt', halt_reason: 'error', cause: COLUMN_AT });
    expect(result('EC4')).toMatchObject({ verdict: 'halt', halt_reason: 'missing', cause: TABLE_AT });
  });

  it('has no cause when the halt reason it takes is one no located child gave', () => {
    // N's unlocated error decides; T's located missing does not.
    const r = result('EC5');
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'error' });
    expect(r.cause).toBeUndefined();
  });

  it('passes the cause up through an all_of over an all_of', () => {
    expect(result('EC6')).toMatchObject({ verdict: 'halt', halt_reason: 'error', cause: COLUMN_AT });
  });

  it('JSON carries the cause; SARIF and GitHub point at the query, the criterion kept beside', () => {
    const json = JSON.parse(formatJson(report)) as { results: Record<string, unknown>[] };
    const ec1 = json.results.find((x) => x.id === 'EC1');
    expect(ec1?.location).toMatchObject({ file: CRITERIA_FILE });
    expect(ec1?.cause).toEqual(TABLE_AT);

    const sarif = JSON.parse(formatSarif(report, { toolVersion: '0.0.0' })) as {
      runs: { results: { ruleId: string; locations: unknown[]; relatedLocations?: unknown[] }[] }[];
    };
    const s = sarif.runs[0]?.results.find((x) => x.ruleId === 'demo/EC2');
    expect(s?.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: MEASUREMENTS_FILE, uriBaseId: '%SRCROOT%' },
          region: { startLine: COLUMN_AT.line, startColumn: COLUMN_AT.col },
        },
      },
    ]);
    const ec2 = result('EC2').location;
    expect(s?.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: CRITERIA_FILE, uriBaseId: '%SRCROOT%' },
          region: { startLine: ec2.line, startColumn: ec2.col },
        },
        message: { text: 'gate EC2' },
      },
    ]);

    const github = formatGithub(report);
    expect(github).toContain(`::warning file=${MEASUREMENTS_FILE},line=5,col=12,title=EC1 halt (missing)::`);
    expect(github).toContain(`::warning file=${MEASUREMENTS_FILE},line=13,col=16,title=EC2 halt (error)::`);
    const ec1At = result('EC1').location;
    expect(github).toContain(`exit criterion EC1 §2: T did not fire (${CRITERIA_FILE}:${ec1At.line}:${ec1At.col})`);
  });
});

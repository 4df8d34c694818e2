/**
 * README.md's `gate check --json` example is what a reader writes `jq` filters against: every key
 * it shows must be one a real report has, at the same place and in the same order, or the filter
 * reads null. Its values are illustrative ("…" stands for anything, a "…" key for any
 * measurement id); its keys are checked against a report of the same case, a disconfirmer halted
 * `insufficient` on a SQL measurement with rows on too few days.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJson } from '../../src/formatters/json.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { evaluateOnDatabase } from '../helpers/evaluate-sql.js';
import { tempRoot, writeRfc } from '../helpers/spec-fixture.js';
import { AS_OF, DAY, LEASE, MEASUREMENTS_DDL, insertSeries } from '../sources/sql/fixtures.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The README's JSON block that shows a gate report. */
function readmeReport(): Json {
  const readme = readFileSync('README.md', 'utf8');
  for (const m of readme.matchAll(/^```json\n([\s\S]*?)^```$/gm)) {
    const body = m[1] ?? '';
    if (body.startsWith('{\n  "rfc":')) return JSON.parse(body) as Json;
  }
  throw new Error('README.md has no ```json block showing a gate report');
}

const isObject = (v: Json | undefined): v is { [k: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where the example names what the report does not have, or in another order; [] when it matches. */
function mismatches(example: Json, actual: Json | undefined, path: string): string[] {
  if (example === '…') return [];
  if (Array.isArray(example)) {
    if (!Array.isArray(actual)) return [`${path}: the report has no list here`];
    return example.flatMap((e, i) => mismatches(e, actual[i], `${path}[${i}]`));
  }
  if (isObject(example)) {
    if (!isObject(actual)) return [`${path}: the report has no object here`];
    const out: string[] = [];
    const named = Object.keys(example).filter((k) => k !== '…');
    for (const k of named) {
      if (!(k in actual))
        out.push(`${path}.${k}: no such key in the report (it has ${Object.keys(actual).join(', ')})`);
      else out.push(...mismatches(example[k] as Json, actual[k], `${path}.${k}`));
    }
    const order = Object.keys(actual).filter((k) => named.includes(k));
    if (out.length === 0 && order.join() !== named.join())
      out.push(`${path}: keys in the order ${named.join(', ')}, but the report has ${order.join(', ')}`);
    // A "…" key stands for every key the example leaves unnamed (a measurement id).
    if ('…' in example) {
      const rest = Object.keys(actual).filter((k) => !named.includes(k));
      if (rest.length === 0) out.push(`${path}: the report has no entry here`);
      for (const k of rest) out.push(...mismatches(example['…'] as Json, actual[k], `${path}.${k}`));
    }
    return out;
  }
  return typeof example === typeof actual
    ? []
    : [`${path}: a ${typeof example} in the example, ${typeof actual} in the report`];
}

describe.each(testBackends())("README's gate report JSON on $name", (backend) => {
  const db = useTestDatabase(backend);
  const { root, cleanup } = tempRoot();
  let report: Json;

  beforeAll(async () => {
    await db.exec(MEASUREMENTS_DDL);
    // Rows before the window, so the channel is old enough, then rows on 9 of the window's 14 days.
    await insertSeries(db, {
      from: new Date(AS_OF.getTime() - 30 * DAY),
      to: new Date(AS_OF.getTime() - 29 * DAY),
      count: 10,
    });
    await insertSeries(db, { from: new Date(AS_OF.getTime() - 9 * DAY), to: AS_OF, count: 900 });
    writeRfc(root, {
      measurements: [
        {
          id: 'lease_plane_p50_ms',
          window: '14d',
          require: { days_with_rows: 14 },
          sql: {
            table: 'audit.coordination_measurements',
            timestamp: 'recorded_at',
            where: `measurement_type = '${LEASE}' AND elapsed_ms IS NOT NULL`,
            value: 'percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms)',
          },
        },
      ],
      disconfirmers: [
        {
          id: 'B',
          title: 'Boundary cost at least the substrate tax it removes',
          section: '§0(B)',
          phase: ['implementation'],
          fires_if: 'lease_plane_p50_ms > 1000000.0',
        },
      ],
    });
    report = JSON.parse(formatJson(await evaluateOnDatabase(root, db, AS_OF))) as Json;
  });
  afterAll(() => cleanup());

  it('is the case the example shows', () => {
    expect(report).toMatchObject({
      verdict: 'halt',
      results: [
        {
          id: 'B',
          verdict: 'halt',
          halt_reason: 'insufficient',
          reason: 'lease_plane_p50_ms: rows on 9 of the required 14 days in the 14d window',
        },
      ],
    });
  });

  it('names only keys the report has, where and in the order it has them', () => {
    expect(mismatches(readmeReport(), report, '$')).toEqual([]);
  });
});

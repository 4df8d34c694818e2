import {
  type ComparatorReport,
  type PairResult,
  planPair,
  runComparator,
  type RunComparatorOptions,
} from '../../src/comparator/run.js';
import { selfTest, type SelfTestResult } from '../../src/comparator/selftest.js';
import { readComparator, type ComparatorSpec } from '../../src/comparator/spec.js';
import { formatProblem, type Problem } from '../../src/spec/problems.js';
import { validateAgainst } from '../../src/spec/schema.js';
import { parseYaml } from '../../src/spec/yaml.js';
import type { SqlWriter } from '../../src/sources/sql/writer.js';
import type { TestDatabase } from '../helpers/db.js';

export const SPEC_FILE = 'gates/t/comparator.yaml';

/** comparator.yaml text → the spec, through the same schema and reader as `loadRfc`; throws on any problem. */
export function specFrom(text: string): ComparatorSpec {
  const { spec, problems } = specWithProblems(text);
  if (problems.length) throw new Error(problems.map(formatProblem).join('\n'));
  return spec as ComparatorSpec;
}

export function specWithProblems(text: string): { spec?: ComparatorSpec; problems: Problem[] } {
  const y = parseYaml(SPEC_FILE, `# yaml-language-server: $schema=../../schemas/comparator.schema.json\n${text}`);
  const data = y.doc.toJS() as unknown;
  const checked = validateAgainst('comparator.schema.json', y, data);
  const problems: Problem[] = [...y.problems, ...checked.problems];
  if (checked.badRoot || problems.length) return { problems };
  const spec = readComparator(y, data, problems);
  return { spec, problems };
}

/** A one-pair spec over `<schema>.c` and `<schema>.s`. */
export function pairSpec(schema: string, extra = '', key = '[id]'): ComparatorSpec {
  return specFrom(`pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: ${key}
    compare: all
${extra}`);
}

/** A divergent pair's result as the comparator reports it; override what a test needs. */
export const pairResult = (over: Partial<PairResult> = {}): PairResult => ({
  id: 'identities',
  title: null,
  section: '§8.1',
  canonical: 'core.identities',
  shadow: 'core.identities_shadow',
  key: ['agent_id'],
  status: 'divergent',
  verdict: 'fail',
  reason: '3 divergent keys: 1 canonical_missing, 1 shadow_missing, 1 value_mismatch',
  halt_reason: null,
  state: 'active',
  shadow_has_rows: true,
  compared: ['status', 'score'],
  excluded: [{ column: 'updated_at', reason: 'lag' }],
  coverage: [],
  key_problems: [],
  counts: { canonical_missing: 1, shadow_missing: 1, value_mismatch: 1, divergent: 3 },
  columns: { status: 1 },
  rows: [
    { key: { agent_id: 'a|1' }, kind: 'value_mismatch', columns: ['status'] },
    { key: { agent_id: 'a3' }, kind: 'shadow_missing', columns: [] },
  ],
  truncated: true,
  self_test: null,
  min_age_ms: 300_000,
  cutoff: '2026-06-01T11:55:00.000Z',
  location: { file: 'gates/wave3/comparator.yaml', line: 5, col: 5 },
  ...over,
});

/** A run's report around the given pairs. */
export const comparatorReport = (pairs: PairResult[], verdict: ComparatorReport['verdict']): ComparatorReport => ({
  rfc: 'wave3',
  mode: 'run',
  as_of: '2026-06-01T12:00:00.000Z',
  database: 'pglite:.rfcgate/pgdata',
  window_history: true,
  verdict,
  pairs,
});

/** One comparison of every pair of `spec`, as `comparator run` makes it: 10 rows shown, 30 s at most. */
export function compareOnce(
  client: RunComparatorOptions['client'],
  spec: ComparatorSpec,
  asOf: Date = new Date(),
): Promise<ComparatorReport> {
  return runComparator({ client, rfc: 't', spec, asOf, mode: 'run', limit: 10, timeoutMs: 30_000 });
}

/** The self-test of the spec's first pair, planned against `db` as `comparator run --self-test` plans it. */
export async function runSelfTest(
  db: TestDatabase,
  spec: ComparatorSpec,
  cutoff: Date | null = null,
  writer: SqlWriter = db.writer(),
): Promise<SelfTestResult> {
  const client = db.client();
  try {
    const pair = spec.pairs[0];
    if (!pair) throw new Error('no pair');
    const planned = await planPair(client, pair, 30_000);
    if (!planned.plan || !planned.canonical || !planned.shadow) throw new Error(JSON.stringify(planned.problems));
    return await selfTest(writer, {
      plan: planned.plan,
      canonical: planned.canonical,
      shadow: planned.shadow,
      cutoff,
      limit: 10,
      timeoutMs: 30_000,
    });
  } finally {
    await client.close();
  }
}

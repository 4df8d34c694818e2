/**
 * An RFC evaluated through the engine with its SQL measurements read from a test database:
 * what `gate check` does, without the process, for tests of what a report holds.
 */
import { evaluateRfc } from '../../src/engine/evaluate.js';
import type { GateReport, GateResult } from '../../src/model/result.js';
import { SqlMeasurementSource } from '../../src/sources/sql/source.js';
import { loadRfc } from '../../src/spec/load.js';
import type { TestDatabase } from './db.js';

/** The RFC `demo` under `root`, as of `asOf`, on `db`; the source is closed before it returns. */
export async function evaluateOnDatabase(root: string, db: TestDatabase, asOf: Date): Promise<GateReport> {
  const rfc = loadRfc(root, 'demo');
  const sql = new SqlMeasurementSource({ open: () => db.client(), now: () => asOf });
  try {
    return await evaluateRfc(rfc, { asOf, ref: 'HEAD', repoDir: root, sources: { sql }, timeoutMs: 20_000 });
  } finally {
    await sql.close();
  }
}

/** The result of gate `id`; a test naming a gate the report lacks fails saying so. */
export function gateOf(report: GateReport, id: string): GateResult {
  const r = report.results.find((x) => x.id === id);
  if (!r) throw new Error(`no gate ${id}`);
  return r;
}

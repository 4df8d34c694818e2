/**
 * wave3 stop sign #12, the rate half: "the insertion rate exceeds 10× the Phase A baseline
 * for more than 24 h". The baseline is pinned as rows per day (`measurements.rows_per_day`,
 * §6), and each of the 25 hours before the check is held against a 24th of it.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRfc } from '../../src/engine/evaluate.js';
import type { MeasurementOutcome } from '../../src/sources/types.js';
import { loadRfc } from '../../src/spec/load.js';
import type { SourceKind } from '../../src/spec/types.js';
import { type Script, ScriptedSource } from '../helpers/fake-source.js';

const wave3 = loadRfc(resolve('.'), 'wave3');
const AS_OF = new Date('2026-06-01T00:00:00Z');

const ok = (value: number): MeasurementOutcome => ({ status: 'ok', value, evidence: {} });

async function ss12(fewestInAnHour: number, baselinePerDay: number) {
  const script: Script = {
    measurement_rows_min_hour_25h: ok(fewestInAnHour),
    measurement_rows_baseline_per_day: ok(baselinePerDay),
    overdue_measurement_partitions: ok(0),
  };
  const sources = Object.fromEntries(
    (['sql', 'git', 'artifact', 'attestation', 'telemetry'] as SourceKind[]).map((k) => [k, new ScriptedSource(k, script)]),
  );
  const report = await evaluateRfc(wave3, { asOf: AS_OF, ref: 'HEAD', repoDir: resolve('.'), sources, only: ['SS12'], timeoutMs: 5_000 });
  const r = report.results.find((x) => x.id === 'SS12');
  if (!r) throw new Error('stop sign SS12 is not in the report');
  return r.verdict;
}

describe('wave3 stop sign #12: insertion above 10× the Phase A baseline for more than 24 h', () => {
  it('reads the pinned baseline as rows per day: 24,000 a day is 1,000 an hour, so 10× is 10,000 an hour', async () => {
    expect(await ss12(10_001, 24_000)).toBe('fail');
    expect(await ss12(10_000, 24_000)).toBe('pass');
  });

  it('a baseline of 1,000 rows a day fires on 417 rows in each hour, not on 416: not 10× of 1,000 an hour', async () => {
    expect(await ss12(417, 1_000)).toBe('fail');
    expect(await ss12(416, 1_000)).toBe('pass');
  });
});

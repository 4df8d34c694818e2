/**
 * wave3 (E), opportunity cost: "any named item slipping more than 25% of its original window
 * fires; no acceptance-memo escape". The go-decision's judgement is the operator's to sign,
 * so a calendar that holds still waits for it; a slip past the limit does not.
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
const DOC = 'docs/proposals/wave-3-go-decision-2026-05-20.md';

const slip = (pct: number): MeasurementOutcome => ({
  status: 'ok',
  value: pct,
  evidence: { file: DOC, line: 14 },
});
const SIGNED: MeasurementOutcome = { status: 'ok', value: true, evidence: { file: DOC, line: 30 } };
const BLANK: MeasurementOutcome = {
  status: 'halt',
  halt: 'unsigned',
  reason: `${DOC}:30: the Judgement section is blank`,
  evidence: { file: DOC, line: 30 },
};

async function gateE(script: Script) {
  const sources = Object.fromEntries(
    (['sql', 'git', 'artifact', 'attestation', 'telemetry'] as SourceKind[]).map((k) => [k, new ScriptedSource(k, script)]),
  );
  const report = await evaluateRfc(wave3, { asOf: AS_OF, ref: 'HEAD', repoDir: resolve('.'), sources, only: ['E'], timeoutMs: 5_000 });
  const e = report.results.find((r) => r.id === 'E');
  if (!e) throw new Error('gate E is not in the report');
  return e;
}

describe('wave3 (E) opportunity cost', () => {
  it('fires on a slip past 25% whether or not the judgement is signed: no memo escapes it', async () => {
    expect(await gateE({ go_decision_largest_slip_pct: slip(30), go_decision_judgement_signed: BLANK })).toMatchObject({
      verdict: 'fail',
    });
    expect(await gateE({ go_decision_largest_slip_pct: slip(30), go_decision_judgement_signed: SIGNED })).toMatchObject({
      verdict: 'fail',
    });
  });

  it('a calendar within 25% waits for the operator to sign the judgement, then passes', async () => {
    expect(await gateE({ go_decision_largest_slip_pct: slip(25), go_decision_judgement_signed: BLANK })).toMatchObject({
      verdict: 'halt',
      halt_reason: 'unsigned',
    });
    expect(await gateE({ go_decision_largest_slip_pct: slip(25), go_decision_judgement_signed: SIGNED })).toMatchObject({
      verdict: 'pass',
    });
  });
});

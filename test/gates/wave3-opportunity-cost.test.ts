/**
 * wave3 (E), opportunity cost: "any named item slipping more than 25% of its original window
 * fires; no acceptance-memo escape". The go-decision's judgement is the operator's to write
 * and sign (an attestation record), so a calendar that holds still waits for both; a slip past
 * the limit does not. Every row of the
 * calendar table is judged, not only the summary line written beside it.
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
/** The summary line and the table's largest row, agreeing unless told otherwise. */
const calendar = (line: number, row = line): Script => ({
  go_decision_largest_slip_pct: slip(line),
  go_decision_row_slip_pct: slip(row),
});
const FILLED: MeasurementOutcome = { status: 'ok', value: true, evidence: { file: DOC, line: 30 } };
const RECORD = 'gates/wave3/attestations/go_decision_signoff.yaml';
const signoff = (judgement: string): MeasurementOutcome => ({ status: 'ok', value: judgement, evidence: { path: RECORD } });
const GO = signoff('go');
const NO_SIGNATURE: MeasurementOutcome = {
  status: 'halt',
  halt: 'unsigned',
  reason: `no attestation record at ${RECORD}`,
  evidence: { path: RECORD },
};
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
    expect(await gateE({ ...calendar(30), go_decision_judgement_filled: BLANK, go_decision_signoff: NO_SIGNATURE })).toMatchObject({
      verdict: 'fail',
    });
    expect(await gateE({ ...calendar(30), go_decision_judgement_filled: FILLED, go_decision_signoff: GO })).toMatchObject({
      verdict: 'fail',
    });
  });

  it('a calendar within 25% waits for the operator to sign the judgement, then passes', async () => {
    expect(await gateE({ ...calendar(25), go_decision_judgement_filled: BLANK, go_decision_signoff: NO_SIGNATURE })).toMatchObject({
      verdict: 'halt',
      halt_reason: 'unsigned',
    });
    expect(await gateE({ ...calendar(25), go_decision_judgement_filled: FILLED, go_decision_signoff: GO })).toMatchObject({
      verdict: 'pass',
    });
  });

  it('a written judgement no operator signed halts unsigned; a signed no-go fires', async () => {
    const unsigned = await gateE({
      ...calendar(25),
      go_decision_judgement_filled: FILLED,
      go_decision_signoff: NO_SIGNATURE,
    });
    expect(unsigned).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(unsigned.reason).toMatch(/go_decision_signoff: no attestation record/);
    expect(
      await gateE({ ...calendar(10), go_decision_judgement_filled: FILLED, go_decision_signoff: signoff('no-go') }),
    ).toMatchObject({ verdict: 'fail' });
    // A slip past the limit fires with no signature at all.
    expect(
      await gateE({ ...calendar(30), go_decision_judgement_filled: FILLED, go_decision_signoff: NO_SIGNATURE }),
    ).toMatchObject({ verdict: 'fail' });
  });

  it('fires on a row past 25% whatever the summary line says, and on a summary line past it', async () => {
    expect(await gateE({ ...calendar(10, 40), go_decision_judgement_filled: FILLED, go_decision_signoff: GO })).toMatchObject({
      verdict: 'fail',
    });
    expect(await gateE({ ...calendar(30, 10), go_decision_judgement_filled: FILLED, go_decision_signoff: GO })).toMatchObject({
      verdict: 'fail',
    });
  });

  it('a row past 25% fires even when the summary line is missing; a row that is no number halts', async () => {
    const missing: MeasurementOutcome = {
      status: 'halt',
      halt: 'missing',
      reason: `pattern /Largest slip/ was not found in ${DOC}`,
      evidence: { file: DOC },
    };
    expect(
      await gateE({
        go_decision_largest_slip_pct: missing,
        go_decision_row_slip_pct: slip(40),
        go_decision_judgement_filled: FILLED, go_decision_signoff: GO,
      }),
    ).toMatchObject({ verdict: 'fail' });
    expect(
      await gateE({
        go_decision_largest_slip_pct: slip(10),
        go_decision_row_slip_pct: missing,
        go_decision_judgement_filled: FILLED, go_decision_signoff: GO,
      }),
    ).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
  });
});

/** The council's text report on a round whose findings and failures quote what a model or the API answered. */
import { describe, expect, it } from 'vitest';
import type { CouncilRound } from '../../src/council/ledger.js';
import { formatCouncil } from '../../src/formatters/council/index.js';
import { expectInert, expectNoCommand, PLANTED, SHOWN } from '../helpers/planted.js';

const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

function round(): CouncilRound {
  const finding = {
    lane: 'architect',
    severity: 'BLOCK',
    section: PLANTED,
    claim: PLANTED,
    evidence: PLANTED,
    suggested_fix: PLANTED,
  };
  return {
    rfc: 'demo',
    version: '1',
    round: 2,
    run_at: '2026-06-01T00:00:00.000Z',
    files: { json: 'rfcs/demo/council/2026-06-01-v1.json', markdown: 'rfcs/demo/council/2026-06-01-v1.md' },
    document: { path: 'rfcs/demo.md', sha256: 'a'.repeat(64) },
    facts: [{ id: 'cite_verify', status: 'ok', summary: PLANTED }],
    warm: [{ model: 'm', usage: null, error: PLANTED }],
    lanes: [
      {
        id: 'architect',
        title: 'Architect',
        model: 'm',
        status: 'ok',
        attempts: 1,
        findings: [{ ...finding, key: 'k1', status: 'new' }],
        tokens: { input: 10, method: 'counted' },
        usage,
      },
      {
        id: 'code-reviewer',
        title: 'Code reviewer',
        model: 'm',
        status: 'failed',
        failure: { kind: 'malformed', message: PLANTED, problems: [PLANTED] },
        attempts: 2,
        findings: [],
        tokens: { input: 10, method: 'estimate' },
        usage: null,
      },
    ],
    open: [],
    diff: {
      previous: null,
      new: ['k1'],
      persisted: [],
      resolved: [{ key: 'k0', lane: 'architect', severity: 'BLOCK', section: PLANTED, claim: PLANTED, carried: false }],
      carried: [],
    },
    contract: {
      verdict: 'fail',
      open_blocks: 1,
      blocks: [],
      failed_lanes: ['code-reviewer'],
      consecutive_block_rounds: 1,
      escalate: false,
      requires: 'redraft',
      notes: [PLANTED],
    },
    totals: { tokens: 20, tokens_method: 'mixed', usage },
  };
}

describe('council formatters', () => {
  it('the text report writes out what a terminal or a CI log would obey in findings, failures and notes', () => {
    const text = formatCouncil(round(), 'table');
    expectInert(text);
    const lines = text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `fact cite_verify: ${SHOWN}`,
        `code-reviewer (m): FAILED (malformed): ${SHOWN}`,
        `    ${SHOWN}`,
        `      fix: ${SHOWN}`,
        `  cache warm-up (m): failed: ${SHOWN}`,
        `  ${SHOWN}`,
      ]),
    );
    expect(lines).toContain(`  [BLOCK] ${SHOWN} ${SHOWN} (new, k1)`);
    expect(lines).toContain(`  resolved [BLOCK] architect ${SHOWN} ${SHOWN}`);
    const md = formatCouncil(round(), 'markdown');
    expectNoCommand(md);
    expect(md).toContain('##&#91;add-mask]x');
  });

  it('names the open findings no lane reviewed this round, so the BLOCK that fails it is never unnamed', () => {
    const r = round();
    const block = {
      key: 'k9',
      lane: 'code-reviewer',
      severity: 'BLOCK',
      section: '§2',
      claim: 'The cache re-adds load.',
    };
    const nit = { key: 'k8', lane: 'auditor', severity: 'NIT', section: '§1', claim: 'A typo.' };
    r.diff.carried = [{ ...block, carried: true }];
    r.diff.orphaned = [{ ...nit, carried: true }];
    const lines = formatCouncil(r, 'table').split('\n');
    expect(lines).toContain('  still open (lane failed) [BLOCK] code-reviewer §2 The cache re-adds load.');
    expect(lines).toContain('  still open (lane left council.yaml) [NIT] auditor §1 A typo.');
    const md = formatCouncil(r, 'markdown').split('\n');
    expect(md).toContain(
      '- diff: 1 new, 0 persisted, 1 resolved, 1 carried (lane failed), 1 carried (lane left council.yaml) (first round)',
    );
    expect(md).toContain('- [BLOCK] code-reviewer §2: The cache re-adds load. (lane failed)');
    expect(md).toContain('- [NIT] auditor §1: A typo. (lane left council.yaml)');
  });

  it('a finding without a fix, as a VERIFIED one is, has no fix line; one with a fix keeps it', () => {
    const r = round();
    const lane = r.lanes[0];
    if (!lane) throw new Error('the round has a lane');
    const base = { lane: 'live-verifier', section: '§1', evidence: 'spec_validate: valid', status: 'new' as const };
    lane.findings = [
      { ...base, severity: 'VERIFIED', claim: 'The specs validate.', suggested_fix: '', key: 'k2' },
      { ...base, severity: 'DRIFT', claim: 'A citation moved.', suggested_fix: 'Cite line 9.', key: 'k3' },
    ];
    const lines = formatCouncil(r, 'table').split('\n');
    const at = lines.indexOf('  [VERIFIED] §1 The specs validate. (new, k2)');
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toBe('  [DRIFT] §1 A citation moved. (new, k3)');
    expect(lines[at + 2]).toBe('      fix: Cite line 9.');
    expect(lines.filter((l) => l.trim().startsWith('fix:'))).toEqual(['      fix: Cite line 9.']);
  });
});

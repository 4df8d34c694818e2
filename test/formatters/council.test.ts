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
    // The ledger's .md is this text: no escape sequence or direction control reaches a terminal
    // printing it, written as references a Markdown reader reads back as the same text.
    expectInert(md);
    expect(md).toContain('::error::x &#x1b;\\[2J &#x202e; ::warning::y ##&#91;add-mask]x');
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

  it('a finding whose section names no heading of the reviewed document says so under it, in the table and in Markdown', () => {
    const r = round();
    const lane = r.lanes[0];
    if (!lane) throw new Error('the round has a lane');
    const base = { lane: 'architect', evidence: 'e', suggested_fix: 'Fix it.', status: 'new' as const };
    lane.findings = [
      {
        ...base,
        severity: 'BLOCK',
        section: '§17',
        claim: 'Invented.',
        key: 'k4',
        section_found: false,
        missing_sections: ['§17'],
      },
      {
        ...base,
        severity: 'NIT',
        section: '§1, §0(G), §16',
        claim: 'Partly.',
        key: 'k5',
        section_found: false,
        missing_sections: ['§0(G)', '§16'],
      },
      // A record mended by hand, the list lost: the section as written is named.
      { ...base, severity: 'NIT', section: '§18', claim: 'Mended.', key: 'k6', section_found: false },
      { ...base, severity: 'NIT', section: '§1', claim: 'Named.', key: 'k7' },
    ];
    const lines = formatCouncil(r, 'table').split('\n');
    const at = lines.indexOf('  [BLOCK] §17 Invented. (new, k4)');
    expect(lines.slice(at, at + 9)).toEqual([
      '  [BLOCK] §17 Invented. (new, k4)',
      '      note: §17 is not a heading of rfcs/demo.md',
      '      fix: Fix it.',
      '  [NIT] §1, §0(G), §16 Partly. (new, k5)',
      '      note: §0(G), §16 are not headings of rfcs/demo.md',
      '      fix: Fix it.',
      '  [NIT] §18 Mended. (new, k6)',
      '      note: §18 is not a heading of rfcs/demo.md',
      '      fix: Fix it.',
    ]);
    expect(lines.filter((l) => l.includes('note:'))).toHaveLength(3);
    const md = formatCouncil(r, 'markdown').split('\n');
    expect(md).toEqual(
      expect.arrayContaining([
        '| BLOCK | §17 (§17 is not a heading of rfcs/demo.md) | Invented. | e | Fix it. | new |',
        '| NIT | §1, §0(G), §16 (§0(G), §16 are not headings of rfcs/demo.md) | Partly. | e | Fix it. | new |',
        '| NIT | §1 | Named. | e | Fix it. | new |',
      ]),
    );
    // --json is the record: the note's fields as stored.
    const json = JSON.parse(formatCouncil(r, 'json')) as CouncilRound;
    expect(json.lanes[0]?.findings[0]).toMatchObject({ section_found: false, missing_sections: ['§17'] });
    expect(json.lanes[0]?.findings[3]).not.toHaveProperty('section_found');
  });

  it('a warm-up not sent says why, and the total then counts the lanes alone', () => {
    const r = round();
    r.warm = [{ model: 'm', usage: null, skipped: "the shared prefix is about 900 tokens at most, below m's minimum" }];
    const lines = formatCouncil(r, 'table').split('\n');
    expect(lines).toContain(
      "  cache warm-up (m): not sent: the shared prefix is about 900 tokens at most, below m's minimum",
    );
    expect(lines.some((l) => l.startsWith('  total: input '))).toBe(true);
    expect(formatCouncil(r, 'markdown').split('\n')).toContain(
      "| cache warm-up | m | not sent: the shared prefix is about 900 tokens at most, below m's minimum | - | - | - | - | - | - |",
    );
  });

  it('every input figure is cache read + cache write + uncached, the total adds the warm-up and the lanes, and the size before sending is labelled apart', () => {
    const r = round();
    r.warm = [
      {
        model: 'm',
        usage: { input_tokens: 0, output_tokens: 1, cache_creation_input_tokens: 100, cache_read_input_tokens: 0 },
      },
    ];
    const [a, b] = r.lanes;
    if (!a || !b) throw new Error('the round has two lanes');
    a.usage = { input_tokens: 20, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 100 };
    a.tokens = { input: 120, method: 'counted' };
    b.tokens = { input: 118, method: 'estimate' };
    // Warm-up 100 + lane 120 in; 100 read of 220 is 45.5%.
    r.totals = {
      tokens: 238,
      tokens_method: 'mixed',
      usage: { input_tokens: 20, output_tokens: 6, cache_creation_input_tokens: 100, cache_read_input_tokens: 100 },
    };
    const lines = formatCouncil(r, 'table').split('\n');
    const at = lines.indexOf('tokens and cache (input = cache read + cache write + uncached, as the API reported it):');
    expect(lines.slice(at + 1, at + 5)).toEqual([
      '  cache warm-up (m): input 100 = cache read 0 + cache write 100 + uncached 0; output 1',
      '  architect: input 120 = cache read 100 + cache write 0 + uncached 20; output 5; 1 request; 120 before sending (counted by the API)',
      '  code-reviewer: no usage reported; 2 requests; 118 before sending (estimate)',
      '  total (warm-up and lanes): input 220 = cache read 100 + cache write 100 + uncached 20; output 6; cache hit ratio 45.5%; lanes 238 before sending (counted by the API for some lanes, estimated for others)',
    ]);
    const md = formatCouncil(r, 'markdown').split('\n');
    expect(md).toEqual(
      expect.arrayContaining([
        '| lane | model | result | input | cache read | cache write | uncached | output | before sending |',
        '| cache warm-up | m | ok | 100 | 0 | 100 | 0 | 1 | - |',
        '| architect | m | 1 BLOCK | 120 | 100 | 0 | 20 | 5 | 120 |',
        '| total | | | 220 | 100 | 100 | 20 | 6 | 238 (mixed) |',
      ]),
    );
  });
});

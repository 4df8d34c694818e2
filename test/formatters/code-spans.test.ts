/**
 * Names quoted in Markdown code spans (citations, key values, table names, document paths) are
 * read back exactly by a GFM parser: a backtick cannot close the span, a `|` cannot split the
 * table cell, a line break cannot end the list item.
 */
import { describe, expect, it } from 'vitest';
import type { CiteReport, CitationResult } from '../../src/cite/verify.js';
import type { CouncilRound } from '../../src/council/ledger.js';
import { formatCite } from '../../src/formatters/cite/index.js';
import { formatComparator } from '../../src/formatters/comparator/index.js';
import { formatCouncil } from '../../src/formatters/council/index.js';
import { cell, codeCell, codeSpan } from '../../src/formatters/markdown.js';
import { inertMarkup } from '../../src/formatters/visible.js';
import { comparatorReport, pairResult } from '../comparator/helpers.js';
import { codeSpans, listItems, tableRows } from '../helpers/markdown.js';

const AWKWARD = ['plain', 'a`b', 'a``b`c', '`x', 'y`', '`', 'a|b', 'a\\|b', ' padded ', 'x <b>y</b> &amp;'];

describe('codeSpan and codeCell', () => {
  it('a code span reads back as the text it quotes, whatever backticks it holds', () => {
    for (const s of AWKWARD) expect(codeSpans(`see ${codeSpan(s)} here`)).toEqual([s]);
  });

  it('a line break inside becomes the space a code span shows it as, and the paragraph stays one', () => {
    const md = `- ${codeSpan('one\ntwo\r\nthree')} tail\n- next`;
    expect(listItems(md)).toEqual(['one two three tail', 'next']);
  });

  it('in a table cell, a `|` stays in the cell', () => {
    for (const s of AWKWARD) {
      const md = `| a | b | c |\n| --- | --- | --- |\n| ${codeCell(s)} | after | ${cell(s)} |\n`;
      // The one text a code span in a table cannot quote exactly: a backslash before a pipe,
      // which shows doubled; the cell stays whole. Plain cells quote it exactly.
      const quoted = s === 'a\\|b' ? 'a\\\\|b' : s;
      expect(tableRows(md)).toEqual([
        ['a', 'b', 'c'],
        [quoted, 'after', s.trim()],
      ]);
    }
  });

  it('a text holding `##[` is written as text, read back exactly, with no workflow command in the Markdown', () => {
    // A character reference is not read inside a code span: `##&#91;` there would show as written.
    for (const s of ['x ##[add-mask]y', 'a`##[b', '*##[group]* _c_ \\`d', 'p|##[q']) {
      const md = inertMarkup(`- ${codeSpan(s)} tail\n\n| a | b |\n| --- | --- |\n| ${codeCell(s)} | after |\n`);
      expect(md).not.toContain('##[');
      expect(codeSpans(md)).toEqual([]);
      expect(listItems(md)).toEqual([`${s} tail`]);
      expect(tableRows(md)[1]).toEqual([s, 'after']);
    }
  });
});

const citation = (id: string, line: number): CitationResult => ({
  id,
  location: { file: 'rfcs/x`y.md', line, col: 1 },
  path: id.replace(/:\d+$/, ''),
  verdict: 'REFUTED',
  expect: [],
  expect_source: 'none',
  found: [],
  reason: 'no such file at main',
});

describe('Markdown reports quote names exactly', () => {
  it('cite verify: a citation with `|` or a backtick keeps its cell, the document its heading', () => {
    const r: CiteReport = {
      document: 'rfcs/x`y.md',
      ref: 'main',
      sha: 'a'.repeat(40),
      verdict: 'fail',
      counts: { VERIFIED: 0, DRIFT: 0, AMBIGUOUS: 0, REFUTED: 2, NOT_FOUND: 0, SOURCE_ONLY: 0 },
      citations: [citation('src/a|b.py:3', 4), citation('src/`x`.py:1', 5)],
    };
    const md = formatCite(r, 'markdown');
    expect(tableRows(md).slice(1)).toEqual([
      ['❌ REFUTED', '4', 'src/a|b.py:3', 'no such file at main'],
      ['❌ REFUTED', '5', 'src/`x`.py:1', 'no such file at main'],
    ]);
    expect(codeSpans(md).slice(0, 2)).toEqual(['rfcs/x`y.md', 'main']);
  });

  it('comparator: a key value with `|`, a backtick or a line break stays in its list item, exactly', () => {
    const p = pairResult({
      counts: { canonical_missing: 0, shadow_missing: 0, value_mismatch: 3, divergent: 3 },
      rows: [
        { key: { agent_id: 'a|1' }, kind: 'value_mismatch', columns: ['status'] },
        { key: { agent_id: 'b`2' }, kind: 'value_mismatch', columns: ['status'] },
        { key: { agent_id: 'c\n- 3' }, kind: 'value_mismatch', columns: ['status'] },
      ],
      truncated: false,
    });
    const r = comparatorReport([p], 'fail');
    const md = formatComparator(r, 'markdown');
    expect(listItems(md).filter((i) => i.endsWith('value_mismatch: status'))).toEqual([
      'a|1 value_mismatch: status',
      'b`2 value_mismatch: status',
      'c - 3 value_mismatch: status',
    ]);
    expect(tableRows(md)[1]?.slice(0, 2)).toEqual(['identities', 'core.identities ↔ core.identities_shadow']);
  });

  it('comparator: a key value or a column holding `##[` reads back as it is, with no workflow command', () => {
    const p = pairResult({
      counts: { canonical_missing: 0, shadow_missing: 0, value_mismatch: 1, divergent: 1 },
      rows: [{ key: { agent_id: 'a ##[add-mask]b' }, kind: 'value_mismatch', columns: ['##[group]c', 'd'] }],
      truncated: false,
    });
    const md = formatComparator(comparatorReport([p], 'fail'), 'markdown');
    expect(md).not.toContain('##[');
    expect(listItems(md)).toContain('a ##[add-mask]b value_mismatch: ##[group]c, d');
    expect(codeSpans(md)).not.toContain('a ##&#91;add-mask]b');
  });

  it('comparator: a divergent column named like Markdown emphasis reads back as its name', () => {
    // Quoted columns in PostgreSQL may be named anything; _a and b_ made the list item italic.
    const columns = ['_a', 'b_', '*x*', 'c`d'];
    const p = pairResult({
      counts: { canonical_missing: 0, shadow_missing: 0, value_mismatch: 1, divergent: 1 },
      rows: [{ key: { agent_id: 'k' }, kind: 'value_mismatch', columns }],
      truncated: false,
    });
    const md = formatComparator(comparatorReport([p], 'fail'), 'markdown');
    expect(listItems(md)).toContain('k value_mismatch: _a, b_, *x*, c`d');
    expect(codeSpans(md)).toEqual(expect.arrayContaining(columns));
  });

  it('council: a fact id and a summary with line breaks and HTML stay in their list item', () => {
    const r = {
      rfc: 'demo',
      version: '1',
      round: 1,
      run_at: '2026-06-01T00:00:00.000Z',
      files: { json: 'a.json', markdown: 'a.md' },
      document: { path: 'rfcs/d`emo.md', sha256: 'a'.repeat(64) },
      facts: [{ id: 'cite`verify', status: 'ok', summary: 'two\n\n# lines <details>' }],
      warm: [],
      lanes: [],
      open: [],
      diff: { previous: null, new: [], persisted: [], resolved: [], carried: [] },
      contract: { verdict: 'pass', open_blocks: 0, notes: [] },
      totals: {
        tokens: 0,
        tokens_method: 'estimate',
        usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    } as unknown as CouncilRound;
    const md = formatCouncil(r, 'markdown');
    expect(codeSpans(md).slice(0, 1)).toEqual(['rfcs/d`emo.md']);
    expect(listItems(md)).toContain('cite`verify: two # lines <details>');
    expect(md).not.toMatch(/^# lines/m);
  });
});

import { describe, expect, it } from 'vitest';
import { FORMATTERS } from '../../src/formatters/index.js';
import { cell, codeCell, codeSpan, COMMENT_MAX, formatMarkdown } from '../../src/formatters/markdown.js';
import type { GateReport, GateResult } from '../../src/model/result.js';
import { codeSpans, listItems, readGfm, tableRows } from '../helpers/markdown.js';
import { allPass, empty, mixed } from './reports.js';

/**
 * The nodes GFM reads as HTML, which a summary's text must never make. (A bare URL or e-mail
 * address is a link on GitHub whatever the escaping: its literal autolinks need no `<`.)
 */
function htmlNodes(markdown: string): string[] {
  const found: string[] = [];
  const walk = (n: { type: string; value?: string; children?: unknown[] }): void => {
    if (n.type === 'html') found.push(n.value ?? '');
    for (const c of n.children ?? []) walk(c as { type: string; value?: string; children?: unknown[] });
  };
  walk(readGfm(markdown));
  return found;
}

/** Split a GFM table row on unescaped pipes; unescape `\|` in the cells. */
function cells(row: string): string[] {
  return row
    .slice(2, -2)
    .split(/ (?<!\\)\| /)
    .map((c) => c.replace(/\\\|/g, '|'));
}

function table(out: string): string[][] {
  const rows = out.split('\n').filter((l) => l.startsWith('| '));
  expect(rows[0]).toBe('| verdict | gate | section | title | reason |');
  expect(rows[1]).toBe('| --- | --- | --- | --- | --- |');
  return rows.slice(2).map(cells);
}

describe('markdown formatter', () => {
  it('shows the verdict at each alternate anchor where a value lands within its sensitivity band', () => {
    const band = (inBand: boolean) => ({
      param: 'ode_floor_pct',
      threshold: 60,
      measured: 58.2,
      band: { absolute: 5 },
      in_band: inBand,
      ...(inBand
        ? {
            anchors: [
              { ode_floor_pct: 50, verdict: 'fail' },
              { ode_floor_pct: 65, verdict: 'pass' },
            ],
          }
        : {}),
    });
    const report = (inBand: boolean): GateReport => ({
      ...allPass,
      results: allPass.results.map((r, i) =>
        i ? r : { ...r, evidence: { ...r.evidence, sensitivity: [band(inBand)] } },
      ),
    });
    const out = FORMATTERS.markdown(report(true));
    const first = table(out)[0] ?? [];
    expect(first[0]).toBe('✅ pass ~');
    expect(first[4]).toBe('ode_floor_pct: 58.2 is within 5 of 60; at 50 fail, at 65 pass');
    expect(out).toMatch(/^~ the measured value is within the sensitivity band/m);
    // As GitHub renders it: no tilde or underscore read as markup.
    expect(tableRows(out)[1]).toEqual([
      '✅ pass ~',
      first[1],
      first[2],
      first[3],
      'ode_floor_pct: 58.2 is within 5 of 60; at 50 fail, at 65 pass',
    ]);
    const outside = FORMATTERS.markdown(report(false));
    expect(table(outside)[0]?.[0]).toBe('✅ pass');
    expect(outside).not.toMatch(/sensitivity band|at 50/);
  });

  it('heads the summary with the RFC, the overall verdict, as_of, ref and the counts', () => {
    const lines = FORMATTERS.markdown(mixed).split('\n');
    expect(lines[0]).toBe('### ❌ rfcgate wave3: FAIL');
    expect(lines[2]).toBe('As of `2026-06-01T00:00:00.000Z` on `HEAD`: 5 gates, 1 fail, 2 halt, 2 pass.');
    expect(FORMATTERS.markdown(allPass).split('\n')[0]).toBe('### ✅ rfcgate wave3: PASS');
  });

  it('lists failures, then halts, then passes, each group in report order', () => {
    const rows = table(FORMATTERS.markdown(mixed));
    expect(rows.map((r) => [r[0], r[1]])).toEqual([
      ['❌ fail', 'S.5'],
      ['⏸ halt: insufficient', 'B'],
      ['⏸ halt: missing', 'I.1'],
      ['✅ pass', 'EC1'],
      ['✅ pass', 'EC2'],
    ]);
    expect(rows.every((r) => r.length === 5)).toBe(true);
    expect(rows[3]?.[4]).toBe('');
  });

  it('escapes pipes, keeps each row on one line and renders no raw HTML', () => {
    const out = FORMATTERS.markdown(mixed);
    const b = table(out)[1] as string[];
    expect(b[3]).toBe('Boundary \\<cost> & "quotes" — §0 \'x\' | pipe');
    // A control character is a reference, never the raw character a terminal would obey.
    expect(b[4]).toBe('lease_plane_p50_ms: rows on 9 of 14 days, needs 100% | see \\<evidence> & retry&#x1;');
    // As GitHub renders it: the text as written, no HTML (a control character's reference
    // reads as the replacement character).
    expect(tableRows(out)[2]?.slice(3)).toEqual([
      'Boundary <cost> & "quotes" — §0 \'x\' | pipe',
      'lease_plane_p50_ms: rows on 9 of 14 days, needs 100% | see <evidence> & retry\ufffd',
    ]);
    expect(htmlNodes(out)).toEqual([]);
    expect(out).toContain("§0 'x' \\| pipe");
    expect(out.split('\n').filter((l) => l.startsWith('|'))).toHaveLength(7);
  });

  it('shows a reason or title with emphasis, strikethrough or link characters as written', () => {
    const reason = String.raw`fired: p50_ms >= base_ms*2 || p99_ms >= base_ms*3 (~a~, ~~b~~, [x](y), _c_, a\*b, \_d)`;
    const title = 'Rows *not* in [the] _shadow_';
    const out = FORMATTERS.markdown({ ...mixed, results: [{ ...mixed.results[2]!, title, reason }] });
    // As GitHub renders it: the cells' text is the text, nothing turned into markup.
    const row = tableRows(out)[1] ?? [];
    expect([row[3], row[4]]).toEqual([title, reason]);
    const kinds = new Set<string>();
    const walk = (n: { type: string; children?: unknown[] }): void => {
      kinds.add(n.type);
      for (const c of n.children ?? []) walk(c as { type: string; children?: unknown[] });
    };
    walk(readGfm(out));
    expect([...kinds].filter((k) => ['emphasis', 'strong', 'delete', 'link', 'linkReference'].includes(k))).toEqual([]);
    // A name with underscores inside it is written as it is.
    expect(out).toContain('p50_ms >= base_ms\\*2');
  });

  it('escapes only what GFM would read as markup in a cell: && and >= read as written, HTML and references are text', () => {
    const cases: [text: string, raw: string][] = [
      ['fires_if: p50_ms >= base_ms && p99_ms > 3 || ok', 'fires_if: p50_ms >= base_ms && p99_ms > 3 \\|\\| ok'],
      ['a | b', 'a \\| b'],
      ['<script>alert(1)</script>', '\\<script>alert(1)\\</script>'],
      [
        '<!-- c --> <img src=x onerror=y> <https://x.io> <a@b.io>',
        '\\<!-- c --> \\<img src=x onerror=y> \\<https://x.io> \\<a@b.io>',
      ],
      ['x < 3 and y<=4', 'x < 3 and y\\<=4'],
      ['&amp; &lt;b&gt; &#35; &#x23; &copy; & &&; AT&T', '\\&amp; \\&lt;b\\&gt; \\&#35; \\&#x23; \\&copy; & &&; AT&T'],
      ['\\<b> \\&amp; a\\|b', '\\\\\\<b> \\\\\\&amp; a\\\\\\|b'],
      ['`a|b` and `<b>&amp;</b>`', '`a\\|b` and `<b>&amp;</b>`'],
    ];
    for (const [text, raw] of cases) {
      const out = FORMATTERS.markdown({ ...mixed, results: [{ ...mixed.results[2]!, title: text, reason: text }] });
      const row = out.split('\n').filter((l) => l.startsWith('| '))[2] ?? '';
      // The raw cell: no entity added, a backslash only where GFM needs one.
      expect(row.endsWith(` | ${raw} | ${raw} |`), text).toBe(true);
      // As GitHub renders it: five cells, the text as written, no HTML.
      const rendered = tableRows(out)[1] ?? [];
      expect(rendered, text).toHaveLength(5);
      expect(rendered.slice(3), text).toEqual([text.replace(/`/g, ''), text.replace(/`/g, '')]);
      expect(htmlNodes(out), text).toEqual([]);
    }
  });

  it('shows a code span the text writes with its characters as they are, no escape added', () => {
    const title = 'Calls `x[0]*2` in `__init__`, not `a<b && c` | `p|q`';
    const out = FORMATTERS.markdown({ ...mixed, results: [{ ...mixed.results[2]!, title, reason: title }] });
    const row = tableRows(out)[1] ?? [];
    expect(row).toHaveLength(5);
    expect([row[3], row[4]]).toEqual(Array(2).fill('Calls x[0]*2 in __init__, not a<b && c | p|q'));
    expect(codeSpans(out)).toContain('x[0]*2');
    // One holding `##[` stays inert in a CI log: its backticks are then shown as text.
    const inert = FORMATTERS.markdown({ ...mixed, results: [{ ...mixed.results[2]!, title: 'see `##[group]`' }] });
    expect(inert).not.toContain('##[');
    expect(tableRows(inert)[1]?.[3]).toBe('see `##[group]`');
  });

  it('writes control and direction characters as references in text and as escapes in a code span', () => {
    // An OSC title, a bell, a clear-screen, a right-to-left override, a C1 next-line.
    const s = 'a \u001b]0;pwned\u0007 \u001b[2J \u202eb\u0085c';
    expect(cell(s)).toBe('a &#x1b;]0;pwned&#x7; &#x1b;\\[2J &#x202e;b&#x85;c');
    expect(codeSpan(s)).toBe('`a \\x1b]0;pwned\\x07 \\x1b[2J \\u202eb\\x85c`');
    expect(codeCell(s)).toBe(codeSpan(s));
    expect(cell(`see \`${s}\``)).toBe(`see ${codeSpan(s)}`);
    // The code span shows the escapes; the cell stays whole.
    const md = `| a | b |\n| --- | --- |\n| ${cell(s)} | ${codeCell(s)} |\n\n- ${codeSpan(s)}\n`;
    expect(tableRows(md)[1]?.[1]).toBe('a \\x1b]0;pwned\\x07 \\x1b[2J \\u202eb\\x85c');
    expect(listItems(md)).toEqual(['a \\x1b]0;pwned\\x07 \\x1b[2J \\u202eb\\x85c']);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const report = FORMATTERS.markdown({
      ...mixed,
      rfc: `x${s}`,
      results: [{ ...mixed.results[0]!, title: s, reason: s }],
    });
    expect(report).not.toMatch(raw);
  });

  it('cuts long reasons at about 200 characters with an ellipsis', () => {
    const long: GateReport = {
      ...mixed,
      results: [{ ...mixed.results[2]!, reason: `${'x'.repeat(150)} | ${'y'.repeat(150)}` }],
    };
    const reason = table(FORMATTERS.markdown(long))[0]?.[4] ?? '';
    expect(Array.from(reason)).toHaveLength(200);
    expect(reason.endsWith('…')).toBe(true);
    expect(reason).toContain(' | ');
    expect(table(formatMarkdown(long, { maxReason: 20 }))[0]?.[4]).toBe(`${'x'.repeat(19)}…`);
    // A cut never splits a surrogate pair.
    const emoji: GateReport = { ...long, results: [{ ...long.results[0]!, reason: '😀'.repeat(300) }] };
    expect(table(FORMATTERS.markdown(emoji))[0]?.[4]).toBe(`${'😀'.repeat(199)}…`);
  });

  it('stays within the 65,536 characters a GitHub comment holds, leaving out passes first and saying so', () => {
    const gate = (i: number, verdict: 'fail' | 'halt' | 'pass'): GateResult => ({
      ...mixed.results[2]!,
      id: `G${i}`,
      verdict,
      ...(verdict === 'halt' ? { halt_reason: 'missing' as const } : {}),
      title: `Gate ${i}: ${'a long title with <markup> & pipes | '.repeat(8)}`,
      reason: `reason ${i} ${'y'.repeat(300)}`,
    });
    const big: GateReport = {
      ...mixed,
      results: Array.from({ length: 300 }, (_, i) => gate(i, i % 3 === 0 ? 'pass' : i % 3 === 1 ? 'halt' : 'fail')),
    };
    const out = formatMarkdown(big);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(COMMENT_MAX);
    const rows = tableRows(out).slice(1);
    // Every failure and halt is shown before any pass is; the rest are counted, not dropped silently.
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.length).toBeLessThan(300);
    expect(rows.slice(0, 100).every((r) => r[0] === '❌ fail')).toBe(true);
    const left = 300 - rows.length;
    const note = out.trimEnd().split('\n').at(-1);
    expect(note).toMatch(
      new RegExp(
        `^${left} more gates are not shown \\(\\d+ halt, 100 pass\\): a GitHub comment holds at most 65,536 characters`,
      ),
    );
    // The note is a paragraph after the table, not a row of it.
    expect(readGfm(out).children.at(-1)?.type).toBe('paragraph');
    // A summary that fits is left whole, with no note.
    expect(formatMarkdown(mixed)).not.toContain('not shown');
    const whole = formatMarkdown(mixed);
    const cut = formatMarkdown(mixed, { maxLength: Buffer.byteLength(whole) - 1 });
    expect(cut.length).toBeLessThan(whole.length);
    expect(cut).toMatch(/^3 more gates are not shown \(1 halt, 2 pass\)/m);
    expect(tableRows(cut).map((r) => r[1])).toEqual(['gate', 'S.5', 'B']);
  });

  it('says so when no gate was selected, with no empty table', () => {
    const out = FORMATTERS.markdown(empty);
    expect(out).toContain('0 gates, 0 fail, 0 halt, 0 pass.');
    expect(out).not.toContain('| verdict |');
  });

  it('is deterministic and ends with a newline', () => {
    const out = FORMATTERS.markdown(mixed);
    expect(FORMATTERS.markdown(structuredClone(mixed))).toBe(out);
    expect(out.endsWith('|\n')).toBe(true);
  });
});

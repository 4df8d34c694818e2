import { describe, expect, it } from 'vitest';
import type { ComparatorReport } from '../../src/comparator/run.js';
import { formatComparator } from '../../src/formatters/comparator/index.js';
import { comparatorReport, pairResult } from '../comparator/helpers.js';
import { listItems, readGfm } from '../helpers/markdown.js';
import { expectInert, expectNoCommand, PLANTED, SHOWN } from '../helpers/planted.js';

const pair = pairResult;
const report = comparatorReport;

describe('comparator formatters', () => {
  it('JSON is the report itself, byte-stable, with no timings', () => {
    const r = report([pair({})], 'fail');
    const text = formatComparator(r, 'json');
    expect(JSON.parse(text)).toEqual(r);
    expect(formatComparator(JSON.parse(text) as ComparatorReport, 'json')).toBe(text);
    expect(text).not.toMatch(/elapsed|duration/);
  });

  it('the table lists each divergent key once, says when the listing is cut, and ends with the verdict', () => {
    const text = formatComparator(report([pair({})], 'fail'), 'table');
    expect(text).toMatch(/^wave3 comparator run as of 2026-06-01T12:00:00.000Z on pglite:\.rfcgate\/pgdata\n/);
    expect(text).toMatch(
      /FAIL {2}identities: core\.identities ↔ core\.identities_shadow on \(agent_id\) \[window: active\]/,
    );
    expect(text.match(/a3/g)).toHaveLength(1);
    expect(text).toMatch(/2 of 3 divergent keys listed; raise --limit for more/);
    expect(text).toMatch(/verdict: FAIL\n$/);
  });

  it('with --limit 0 (no key listed) the table, like Markdown, says the keys were left unlisted', () => {
    const r = report([pair({ rows: [], truncated: true })], 'fail');
    expect(formatComparator(r, 'table')).toMatch(/0 of 3 divergent keys listed; raise --limit for more/);
    expect(formatComparator(r, 'markdown')).toMatch(/… 3 more divergent keys/);
    const one = pair({
      rows: [],
      counts: { canonical_missing: 0, shadow_missing: 0, value_mismatch: 1, divergent: 1 },
    });
    expect(formatComparator(report([one], 'fail'), 'table')).toMatch(/\(0 of 1 divergent key listed; raise --limit/);
  });

  it('says one column and one more key in the singular', () => {
    const covered = formatComparator(
      report([pair({ status: 'covered', verdict: 'pass', compared: ['v'], reason: null })], 'pass'),
      'table',
    );
    expect(covered).toMatch(/ 1 column compared, 1 excluded with a reason\n/);
    const clean = formatComparator(
      report([pair({ status: 'clean', verdict: 'pass', compared: ['v'], reason: null, cutoff: null })], 'pass'),
      'table',
    );
    expect(clean).toMatch(/ no divergence over 1 compared column\n/);
    const cut = formatComparator(
      report(
        [pair({ counts: { canonical_missing: 0, shadow_missing: 1, value_mismatch: 1, divergent: 2 }, rows: [] })],
        'fail',
      ),
      'markdown',
    );
    expect(listItems(cut)).toContain('… 2 more divergent keys');
    const one = formatComparator(report([pair({})], 'fail'), 'markdown');
    expect(listItems(one)).toContain('… 1 more divergent key');
  });

  it('Markdown shows a reason with markup characters or a line break as text, in one list item', () => {
    const reason = 'values of <b>amount</b> differ: a*b*c vs _x_ [see](y)\nsecond line';
    const out = formatComparator(report([pair({ reason })], 'fail'), 'markdown');
    expect(listItems(out)).toContain('values of <b>amount</b> differ: a*b*c vs _x_ [see](y) second line');
    const kinds = new Set<string>();
    const walk = (n: { type: string; children?: unknown[] }): void => {
      kinds.add(n.type);
      for (const c of n.children ?? []) walk(c as { type: string; children?: unknown[] });
    };
    walk(readGfm(out));
    // The pair's name heads its details in bold; nothing else is markup.
    expect([...kinds].filter((k) => ['emphasis', 'html', 'link', 'linkReference'].includes(k))).toEqual([]);
  });

  it('went dark is named as such, in the table and in Markdown', () => {
    const dark = pair({
      status: 'went_dark',
      verdict: 'went_dark',
      state: 'went_dark',
      counts: null,
      rows: [],
      columns: {},
      truncated: false,
      reason: 'core.identities_shadow is empty, but the shadow window was active',
    });
    expect(formatComparator(report([dark], 'went_dark'), 'table')).toMatch(
      /WENT DARK {2}identities[\s\S]*verdict: WENT DARK/,
    );
    const md = formatComparator(report([dark], 'went_dark'), 'markdown');
    expect(md).toMatch(/^### wave3 shadow comparator \(run\): WENT DARK/);
    expect(md).toContain(
      '| identities | `core.identities` ↔ `core.identities_shadow` | WENT DARK | went_dark | — | — | — |',
    );
  });

  it('Markdown escapes pipes in keys and lists coverage problems with their location', () => {
    const md = formatComparator(
      report(
        [
          pair({}),
          pair({
            id: 'agents',
            status: 'coverage_error',
            verdict: 'fail',
            counts: null,
            rows: [],
            truncated: false,
            coverage: [
              {
                code: 'column_uncovered',
                pair: 'agents',
                column: 'purpose',
                message: 'live column core.agents.purpose (text) is neither compared nor excluded',
                location: { file: 'gates/wave3/comparator.yaml', line: 40, col: 14 },
              },
            ],
          }),
        ],
        'fail',
      ),
      'markdown',
    );
    expect(md).toContain('- `a|1` value_mismatch: `status`');
    expect(md).toContain(
      '- gates/wave3/comparator.yaml:40:14: live column core.agents.purpose (text) is neither compared nor excluded',
    );
  });

  it('a coverage error tells each problem once: the reason counts them, the list names them', () => {
    const message = 'live column core.agents.purpose (text) is neither compared nor excluded';
    const r = report(
      [
        pair({
          id: 'agents',
          status: 'coverage_error',
          verdict: 'fail',
          reason: `1 coverage problem: ${message}`,
          counts: null,
          rows: [],
          truncated: false,
          coverage: [
            {
              code: 'column_uncovered',
              pair: 'agents',
              column: 'purpose',
              message,
              location: { file: 'gates/wave3/comparator.yaml', line: 40, col: 14 },
            },
          ],
        }),
      ],
      'fail',
    );
    const text = formatComparator(r, 'table');
    expect(text.split(message)).toHaveLength(2);
    expect(text).toContain(`  1 coverage problem\n  gates/wave3/comparator.yaml:40:14: ${message}\n`);
    const md = formatComparator(r, 'markdown');
    expect(md.split(message)).toHaveLength(2);
    expect(md).toContain(`- 1 coverage problem\n- gates/wave3/comparator.yaml:40:14: ${message}\n`);
    // The JSON report keeps the reason whole, for a reader of the reason alone.
    expect(JSON.parse(formatComparator(r, 'json')).pairs[0].reason).toBe(`1 coverage problem: ${message}`);
  });

  it("record.events' table is the report's: after the pairs in the table and Markdown, in the verdict", () => {
    const location = { file: 'gates/wave3/comparator.yaml', line: 18, col: 12 };
    const message =
      "audit.events, the event table record.events names, cannot take the comparator's events: its payload is text, not json or jsonb; alter it to jsonb, or name another table";
    const reason =
      '1 problem with the event table: `comparator run --record` would record nothing (exit 3) until it is fixed';
    const covered = pair({
      status: 'covered',
      verdict: 'pass',
      reason: null,
      counts: null,
      rows: [],
      truncated: false,
    });
    const events: NonNullable<ComparatorReport['record_events']> = {
      table: 'audit.events',
      verdict: 'fail',
      reason,
      halt_reason: null,
      problems: [{ code: 'event_column_type', table: 'audit.events', column: 'payload', message, location }],
      location,
    };
    const r: ComparatorReport = { ...report([covered], 'fail'), mode: 'check', record_events: events };
    const text = formatComparator(r, 'table');
    expect(
      text.endsWith(
        `excluded with a reason\n\nFAIL  record.events: audit.events\n  ${reason}\n  gates/wave3/comparator.yaml:18:12: ${message}\n\nverdict: FAIL\n`,
      ),
    ).toBe(true);
    const md = formatComparator(r, 'markdown');
    expect(md).toContain('\n**record.events** `audit.events`: FAIL\n\n');
    expect(listItems(md).slice(-2)).toEqual([
      '1 problem with the event table: comparator run --record would record nothing (exit 3) until it is fixed',
      `gates/wave3/comparator.yaml:18:12: ${message}`,
    ]);
    expect(JSON.parse(formatComparator(r, 'json'))).toEqual(r);
    const ok = formatComparator(
      { ...r, verdict: 'pass', record_events: { ...events, verdict: 'pass', reason: null, problems: [] } },
      'table',
    );
    expect(ok).toContain(
      "\n\nPASS  record.events: audit.events\n  takes the comparator's events (event_type, recorded_at, payload)\n\nverdict: PASS\n",
    );
  });

  it('the table writes out what a terminal or a CI log would obey in key values, column names and messages', () => {
    const planted = report(
      [
        pair({
          reason: PLANTED,
          columns: { [PLANTED]: 1 },
          rows: [
            { key: { agent_id: PLANTED }, kind: 'value_mismatch', columns: [PLANTED] },
            { key: { agent_id: 'a3', region: PLANTED }, kind: 'shadow_missing', columns: [] },
          ],
          coverage: [
            {
              code: 'column_uncovered',
              pair: 'identities',
              column: PLANTED,
              message: PLANTED,
              location: { file: 'gates/wave3/comparator.yaml', line: 40, col: 14 },
            },
          ],
          key_problems: [
            {
              table: 'core.identities',
              null_keys: 0,
              duplicate_keys: 1,
              duplicates: [{ key: { agent_id: PLANTED }, rows: 2 }],
            },
          ],
        }),
      ],
      'fail',
    );
    const text = formatComparator(planted, 'table');
    expectInert(text);
    const lines = text.split('\n');
    expect(lines).toContain(`  ${SHOWN}`);
    expect(lines).toContain(`  gates/wave3/comparator.yaml:40:14: ${SHOWN}`);
    expect(lines).toContain(`  core.identities: duplicate key ${SHOWN} (2 rows)`);
    // One table row per key, the cells still aligned: every line of a table is as wide as its first.
    expect(lines.filter((l) => l.includes(SHOWN) && l.startsWith('│')).length).toBe(3);
    expect(lines.filter((l) => l.includes(`region=${SHOWN}`))).toHaveLength(1);
    const md = formatComparator(planted, 'markdown');
    expectNoCommand(md);
    expect(md).toContain('##&#91;add-mask]x');
    for (const t of text.split(/\n(?=┌)/).slice(1)) {
      const rows = t.split('\n').filter((l) => /^[┌│├└]/.test(l));
      expect(new Set(rows.map((l) => l.length)).size).toBe(1);
    }
  });
});

describe('a large divergence', () => {
  // 3,000 listed keys of 4,500 on a two-column key, one of them planted with control
  // characters (and the widest). The expected text is drawn here line by line.
  const N = 3000;
  const KINDS = ['value_mismatch', 'shadow_missing', 'canonical_missing'] as const;
  const listed = Array.from({ length: N }, (_, i) => {
    const kind = KINDS[i % 3] as (typeof KINDS)[number];
    const key = { agent_id: i === 1234 ? PLANTED : `agent-${String(i).padStart(6, '0')}`, region: `eu-${i % 13}` };
    const columns = kind !== 'value_mismatch' ? [] : i % 2 ? ['status'] : ['status', 'score', 'meta'];
    return { key, kind, columns };
  });
  const counts = { canonical_missing: 1000, shadow_missing: 1500, value_mismatch: 2000, divergent: 4500 };
  const big = report(
    [
      pair({
        reason: '4500 divergent keys: 1000 canonical_missing, 1500 shadow_missing, 2000 value_mismatch',
        counts,
        columns: { status: 2000, score: 500, meta: 500 },
        rows: listed,
        truncated: true,
        key: ['agent_id', 'region'],
      }),
    ],
    'fail',
  );
  const keyText = (key: { agent_id: string; region: string }): string =>
    `agent_id=${key.agent_id === PLANTED ? SHOWN : key.agent_id}, region=${key.region}`;

  /** A box-drawn table of ASCII cells (their width is their length), a rule between rows. */
  function box(head: string[], rows: string[][]): string[] {
    const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
    const rule = (l: string, m: string, r: string) => l + w.map((n) => '─'.repeat(n + 2)).join(m) + r;
    const line = (cells: string[]) => `│${cells.map((s, c) => ` ${s.padEnd(w[c] as number)} `).join('│')}│`;
    const body = rows.flatMap((r) => [rule('├', '┼', '┤'), line(r)]);
    return [rule('┌', '┬', '┐'), line(head), ...body, rule('└', '┴', '┘')];
  }

  it('the table lists every key given, one row each, its cells aligned, byte for byte', () => {
    const keyCells = listed.map((r) => [keyText(r.key), r.kind, r.columns.join(', ')]);
    const expected = [
      'wave3 comparator run as of 2026-06-01T12:00:00.000Z on pglite:.rfcgate/pgdata',
      '',
      'FAIL  identities: core.identities ↔ core.identities_shadow on (agent_id, region) [window: active]',
      '  4500 divergent keys: 1000 canonical_missing, 1500 shadow_missing, 2000 value_mismatch',
      ...box(
        ['canonical_missing', 'shadow_missing', 'value_mismatch', 'divergent'],
        [['1000', '1500', '2000', '4500']],
      ),
      ...box(
        ['column', 'value mismatches'],
        [
          ['status', '2000'],
          ['score', '500'],
          ['meta', '500'],
        ],
      ),
      ...box(['key', 'kind', 'divergent columns'], keyCells),
      '  (3000 of 4500 divergent keys listed; raise --limit for more)',
      '',
      'verdict: FAIL',
      '',
    ].join('\n');
    expect(formatComparator(big, 'table')).toBe(expected);
  });

  it('Markdown lists every key given, one item each, byte for byte', () => {
    const ascii = report(
      [{ ...(big.pairs[0] as ComparatorReport['pairs'][number]), rows: listed.filter((_, i) => i !== 1234) }],
      'fail',
    );
    const items = listed
      .filter((_, i) => i !== 1234)
      .map(
        (r) =>
          `- \`${keyText(r.key)}\` ${r.kind}${r.columns.length ? `: ${r.columns.map((c) => `\`${c}\``).join(', ')}` : ''}`,
      );
    const expected = [
      '### wave3 shadow comparator (run): FAIL',
      '',
      'As of 2026-06-01T12:00:00.000Z.',
      '',
      '| pair | tables | verdict | window | canonical_missing | shadow_missing | value_mismatch |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      '| identities | `core.identities` ↔ `core.identities_shadow` | FAIL | active | 1000 | 1500 | 2000 |',
      '',
      '**identities**',
      '',
      '- 4500 divergent keys: 1000 canonical_missing, 1500 shadow_missing, 2000 value_mismatch',
      ...items,
      '- … 1501 more divergent keys',
      '',
    ].join('\n');
    expect(formatComparator(ascii, 'markdown')).toBe(expected);
  });
});

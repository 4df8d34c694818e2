import { createRequire } from 'node:module';
import { styleText } from 'node:util';
import Table from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { BORDER_GREY as GREY, boxTable, drawTable, HEAD_BOLD as BOLD } from '../../src/formatters/box-table.js';
import { visible } from '../../src/formatters/visible.js';
import { PLANTED } from '../helpers/planted.js';

/** The table as cli-table3 draws it, which boxTable must match byte for byte. */
function cliTable3(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row);
  return t.toString();
}

// Text whose width in a terminal is not its length: wide, zero-width, combining, emoji
// sequences, and control characters as a report writes them out.
const CELLS: (string | number)[] = [
  'a',
  '',
  'agent-000042',
  '漢字',
  'ＡＢＣ',
  '🙂',
  '👩‍👩‍👧',
  'e\u0301te\u0301',
  'zero\u200bwidth',
  'soft\u00adhyphen',
  'ﾊﾝｶｸ',
  visible(PLANTED),
  visible('tab\there\u0000\u009b[31m'),
  0,
  1234567,
  'region=eu-west-1, agent_id=a|1',
];

describe('boxTable', () => {
  it('draws what cli-table3 draws, for cells whose width is not their length', () => {
    const heads = [['key'], ['key', 'kind'], ['canonical_missing', 'x', 'value mismatches', '漢']];
    for (const head of heads) {
      // Every cell in every column and row position, the head widest in some columns and not others.
      const rows = CELLS.map((_, r) => head.map((__, c) => CELLS[(r * 7 + c * 3) % CELLS.length] as string | number));
      for (const n of [1, 2, rows.length]) {
        const body = rows.slice(0, n);
        expect(boxTable(head, body)).toBe(cliTable3(head, body));
      }
    }
  });

  it('draws a head alone and a body of empty cells as cli-table3 does', () => {
    expect(boxTable(['key', 'kind'], [])).toBe(cliTable3(['key', 'kind'], []));
    expect(boxTable(['key', 'kind'], [['', '']])).toBe(cliTable3(['key', 'kind'], [['', '']]));
  });
});

// cli-table3 colours through @colors/colors, which colours nothing unless it finds a terminal:
// turned on here so the borders and heads are compared coloured.
const colors = createRequire(createRequire(import.meta.url).resolve('cli-table3'))('@colors/colors/safe') as {
  enabled: boolean;
};

/** A deterministic sequence, so a failure names the same table on every run. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const WORDS = [
  '',
  'a',
  'gate',
  'src/formatters/box-table.ts:42-97',
  'lease_plane_p50_ms',
  '/a/very/long/path/that/does/not/fit/in/any/column/of/the/table/at/all',
  '漢字の表',
  'ＡＢＣＤＥＦＧＨＩＪＫ',
  '🙂',
  '👩‍👩‍👧',
  'e\u0301te\u0301',
  'zero\u200bwidth',
  'ﾊﾝｶｸ',
  visible(PLANTED),
  styleText('green', 'VERIFIED', { validateStream: false }),
  styleText('red', 'a red reason that runs long enough to wrap', { validateStream: false }),
  styleText('bold', styleText('yellow', 'halt: insufficient ~', { validateStream: false }), { validateStream: false }),
  styleText(['underline', 'bgBlue'], 'under and over', { validateStream: false }),
  '\u001b[0m',
  '→',
];

function cellText(rand: () => number): string {
  const n = Math.floor(rand() * 9);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(WORDS[Math.floor(rand() * WORDS.length)] as string);
    parts.push(rand() < 0.1 ? '\n' : rand() < 0.1 ? '  ' : ' ');
  }
  return parts.join('');
}

describe('drawTable', () => {
  it('draws what cli-table3 draws with fixed widths, word wrap and colour', () => {
    colors.enabled = true;
    const rand = prng(7);
    for (let t = 0; t < 60; t++) {
      const cols = 1 + Math.floor(rand() * 4);
      const head = Array.from({ length: cols }, () => cellText(rand));
      const colWidths = head.map(() => 3 + Math.floor(rand() * 30));
      const rows = Array.from({ length: Math.floor(rand() * 6) }, () => head.map(() => cellText(rand)));
      for (const color of [false, true]) {
        const table = new Table({
          head,
          colWidths,
          wordWrap: true,
          style: { head: color ? ['bold'] : [], border: color ? ['grey'] : [] },
        });
        for (const row of rows) table.push(row);
        const drawn = drawTable(head, rows, {
          colWidths,
          wordWrap: true,
          ...(color ? { head: BOLD, border: GREY } : {}),
        });
        expect(drawn).toBe(table.toString());
      }
    }
  });

  it('draws what cli-table3 draws with columns as wide as their cells and no right padding', () => {
    colors.enabled = true;
    const rand = prng(11);
    for (let t = 0; t < 60; t++) {
      const cols = 1 + Math.floor(rand() * 5);
      const head = Array.from({ length: cols }, () => cellText(rand));
      const rows = Array.from({ length: Math.floor(rand() * 6) }, () => head.map(() => cellText(rand)));
      for (const paddingRight of [0, 1]) {
        const table = new Table({
          head,
          style: { head: ['bold'], border: ['grey'], 'padding-right': paddingRight },
        });
        for (const row of rows) table.push(row);
        expect(drawTable(head, rows, { paddingRight, head: BOLD, border: GREY })).toBe(table.toString());
      }
    }
  });

  it('draws a head alone, and empty cells in fixed columns, as cli-table3 does', () => {
    const table = new Table({
      head: ['verdict', ''],
      colWidths: [13, 5],
      wordWrap: true,
      style: { head: [], border: [] },
    });
    expect(drawTable(['verdict', ''], [], { colWidths: [13, 5], wordWrap: true })).toBe(table.toString());
    table.push(['', '']);
    expect(drawTable(['verdict', ''], [['', '']], { colWidths: [13, 5], wordWrap: true })).toBe(table.toString());
  });
});

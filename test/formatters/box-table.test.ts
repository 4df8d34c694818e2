import Table from 'cli-table3';
import { describe, expect, it } from 'vitest';
import { boxTable } from '../../src/formatters/box-table.js';
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

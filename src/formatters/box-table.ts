import stringWidth from 'string-width';

/**
 * A table drawn exactly as cli-table3 0.6 draws `new Table({ head, style: { head: [], border: [] } })`
 * with these rows: box-drawing borders, a rule between every two rows, each column as wide as
 * its widest cell (in terminal columns, string-width as cli-table3 measures) plus one space each
 * side, text left-aligned. cli-table3 lays out each cell against every row above it (for
 * row and column spans, which these tables never use), so its time grows with the square of
 * the rows: a comparator run listing 20,000 divergent keys spent about 10 s there. This one
 * is linear.
 *
 * Every cell is one line with no escape sequence (text through `visible`, a number, a fixed
 * word), and every row has as many cells as the head: cli-table3 would lay out anything else
 * differently (a line break makes a taller row, a colour code takes no width).
 */
export function boxTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const all = [head, ...rows].map((row) => row.map((c) => String(c)));
  const widths = head.map(() => 0);
  const measured = all.map((row) =>
    row.map((text, i) => {
      const w = PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
      if (w > (widths[i] ?? 0)) widths[i] = w;
      return w;
    }),
  );
  const rule = (left: string, mid: string, right: string) =>
    `${left}${widths.map((w) => '─'.repeat(w + 2)).join(mid)}${right}`;
  const between = rule('├', '┼', '┤');
  const out: string[] = [rule('┌', '┬', '┐')];
  all.forEach((row, r) => {
    if (r > 0) out.push(between);
    const cells = row.map((text, i) => ` ${text}${' '.repeat((widths[i] ?? 0) - (measured[r]?.[i] ?? 0))} `);
    out.push(`│${cells.join('│')}│`);
  });
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}

/**
 * Printable ASCII takes one column a character, as string-width counts it too; the test spares
 * string-width's regular expressions, built anew on each call, on nearly every cell.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

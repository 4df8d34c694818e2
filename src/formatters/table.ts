import { styleText } from 'node:util';
import stringWidth from 'string-width';
import { BORDER_GREY, drawTable, HEAD_BOLD } from './box-table.js';
import { bandText, inBand } from './sensitivity.js';
import { visible } from './visible.js';
import { graphemes } from '../util/graphemes.js';
import type { GateReport, GateResult, Verdict } from '../model/result.js';

export interface TableOptions {
  color: boolean;
  /** Terminal width; long reasons wrap within it. */
  width?: number;
}

const COLORS: Record<Verdict, 'green' | 'red' | 'yellow'> = { pass: 'green', fail: 'red', halt: 'yellow' };

/** The title / reason column's least width, and in the narrow layout (no kind column). */
const MIN_REASON = 30;
const MIN_REASON_NARROW = 20;

function label(r: GateResult): string {
  return r.verdict === 'halt' ? `halt: ${r.halt_reason}` : r.verdict;
}

export function formatTable(report: GateReport, opts: TableOptions): string {
  const paint = (v: Verdict, text: string) =>
    opts.color ? styleText(COLORS[v], text, { validateStream: false }) : text;
  const width = Math.max(80, opts.width ?? 120);
  const idWidth = Math.max(6, ...report.results.map((r) => r.id.length)) + 2;
  // Every column and its borders within one column less than the terminal, so no row wraps.
  // Where that leaves the reason too narrow (an 80-column terminal), the kind goes (--json has
  // it; the section and title say it) and the verdict wraps after 'halt:'.
  const narrow = width - 57 - idWidth < MIN_REASON;
  const reasonWidth = narrow
    ? Math.max(MIN_REASON_NARROW, width - 34 - idWidth)
    : Math.max(MIN_REASON, width - 57 - idWidth);
  const head = narrow
    ? ['verdict', 'gate', 'section', 'title / reason']
    : ['verdict', 'gate', 'kind', 'section', 'title / reason'];
  const rows: string[][] = [];
  let anySensitive = false;
  for (const r of report.results) {
    const bands = inBand(r);
    const sensitive = bands.length > 0;
    anySensitive ||= sensitive;
    // A reason may quote what a source read (a telemetry line, a file name): shown, not obeyed.
    const title = visible(r.title);
    const lines = [
      title,
      ...(r.reason ? [`→ ${visible(r.reason)}`] : []),
      ...bands.map((b) => `~ ${visible(bandText(b))}`),
    ];
    const text = breakLongWords(lines.join('\n'), reasonWidth - 2);
    // The section is free text in the spec too (a YAML escape can hold any character): shown the same way.
    const verdict = paint(r.verdict, label(r) + (sensitive ? ' ~' : ''));
    rows.push(
      narrow
        ? [verdict, r.id, visible(r.section), text]
        : [verdict, r.id, r.kind.replace('_', ' '), visible(r.section), text],
    );
  }
  const counts = (['pass', 'fail', 'halt'] as const)
    .map((v) => `${report.results.filter((r) => r.verdict === v).length} ${v}`)
    .join(', ');
  // --ref is whatever the CI passed (a branch name from an event): shown, not obeyed.
  const summary = `${report.rfc} as of ${report.as_of}${report.snapshot_at ? ` (database a snapshot of ${report.snapshot_at})` : ''} on ${visible(report.ref)}${report.phase ? `, phase ${report.phase}` : ''}: ${paint(report.verdict, report.verdict.toUpperCase())} (${counts})`;
  // Explains the mark only when a row carries it.
  const legend = anySensitive
    ? '\n~ the measured value is within the sensitivity band of its threshold: the row shows the verdict at each alternate anchor'
    : '';
  const table = drawTable(head, rows, {
    colWidths: narrow ? [16, idWidth, 12, reasonWidth] : [22, idWidth, 16, 12, reasonWidth],
    wordWrap: true,
    ...(opts.color ? { head: HEAD_BOLD, border: BORDER_GREY } : {}),
  });
  return `${table}\n${summary}${legend}\n`;
}

/**
 * The table truncates a word wider than its column; a path in a reason must survive whole, so
 * split it. Widths are terminal columns, as the table measures them (a CJK character takes two),
 * and a split falls between characters as a reader sees them, never inside an emoji's
 * surrogate pair or a combining sequence.
 */
function breakLongWords(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .split(' ')
        .map((w) => (stringWidth(w) > width ? splitToWidth(w, width).join(' ') : w))
        .join(' '),
    )
    .join('\n');
}

function splitToWidth(word: string, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const segment of graphemes(word)) {
    const w = stringWidth(segment);
    if (used + w > width && piece !== '') {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += segment;
    used += w;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

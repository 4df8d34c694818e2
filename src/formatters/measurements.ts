/**
 * measure list's table: the newest rows of audit.coordination_measurements, one line each,
 * every column padded to its widest cell.
 */
import stringWidth from 'string-width';
import type { ListedMeasurement } from '../ledger/measurements.js';
import { visible } from './visible.js';

const HEADER = ['recorded_at', 'measurement_type', 'elapsed_ms', 'agent_id', 'payload', 'key', 'recorded_by'];

/** Longest payload shown, in characters; --json has it whole. */
const PAYLOAD_WIDTH = 40;

/**
 * Whoever writes to the table (the application, not only rfcgate) decides what its text columns
 * and payloads hold: each cell is shown through visible(), so an escape sequence, a line break or
 * a workflow command in one is written out, and the columns are measured on the text as shown.
 * JSON.stringify writes out a payload's C0 controls, but not a direction control or `##[`.
 */
export function measurementTable(rows: readonly ListedMeasurement[]): string {
  const body = rows.map((r) => [
    visible(r.recorded_at ?? '-'),
    visible(r.measurement_type ?? '-'),
    r.elapsed_ms === null ? '-' : String(r.elapsed_ms),
    visible(r.agent_id ?? '-'),
    clip(visible(JSON.stringify(r.payload)), PAYLOAD_WIDTH),
    visible(r.idempotency_key ?? '-'),
    visible(r.recorded_by ?? '-'),
  ]);
  // Terminal columns, not UTF-16 units: a CJK agent id or an emoji in a payload takes two.
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((row) => stringWidth(row[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - stringWidth(c))))
      .join('  ')
      .trimEnd();
  return `${[line(HEADER), ...body.map(line)].join('\n')}\n`;
}

/** At most n terminal columns, cut between code points (never inside a surrogate pair). */
function clip(s: string, n: number): string {
  if (stringWidth(s) <= n) return s;
  let out = '';
  let width = 0;
  for (const ch of s) {
    const w = stringWidth(ch);
    if (width + w > n - 1) break;
    out += ch;
    width += w;
  }
  return `${out}…`;
}

/**
 * measure list's table: the newest rows of audit.coordination_measurements, one line each,
 * every column padded to its widest cell.
 */
import type { ListedMeasurement } from '../ledger/measurements.js';

const HEADER = ['recorded_at', 'measurement_type', 'elapsed_ms', 'agent_id', 'payload', 'key', 'recorded_by'];

/** Longest payload shown, in characters; --json has it whole. */
const PAYLOAD_WIDTH = 40;

export function measurementTable(rows: readonly ListedMeasurement[]): string {
  const body = rows.map((r) => [
    r.recorded_at,
    r.measurement_type,
    r.elapsed_ms === null ? '-' : String(r.elapsed_ms),
    r.agent_id ?? '-',
    clip(JSON.stringify(r.payload), PAYLOAD_WIDTH),
    r.idempotency_key ?? '-',
    r.recorded_by ?? '-',
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(HEADER), ...body.map(line)].join('\n')}\n`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

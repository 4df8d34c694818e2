import { describe, expect, it } from 'vitest';
import { formatTelemetryJson, sparkline, telemetryJsonChunks } from '../../src/formatters/telemetry/index.js';
import { metricRow, type SessionRow, type TelemetryReport } from '../../src/telemetry/report.js';
import { emptyTotals } from '../../src/sources/telemetry/metrics.js';

function report(sessions: number): TelemetryReport {
  const t = { ...emptyTotals(), turns: 2, input: 10, cacheRead: 90, hitTurns: 1 };
  const row = (i: number): SessionRow => ({
    session: `s${i}`,
    first_turn_at: '2026-06-01T00:00:00.000Z',
    last_turn_at: '2026-06-01T00:01:00.000Z',
    ...metricRow(t),
    hit_ratio_by_turn: [0, 0.9, null],
  });
  return {
    as_of: '2026-06-01T00:00:00.000Z',
    window: { start: null, last_turns: null },
    files: [{ path: 't.jsonl', lines: 2, records: 2, malformed: 0 }],
    malformed: { count: 0, first: [] },
    mostly_malformed: [],
    records_after_as_of: 0,
    overall: metricRow(t),
    invariants: {
      compaction_cache_stable: { checked: 0, awaiting_next_turn: 0, violations: [] },
      injected_after_breakpoint: { checked: 0, awaiting_next_turn: 0, violations: [] },
    },
    sessions: Array.from({ length: sessions }, (_, i) => row(i)),
  };
}

describe('telemetry formatters', () => {
  it('the chunked JSON is the report, in key order, whatever the number of sessions', () => {
    for (const n of [0, 1, 2000]) {
      const r = report(n);
      const text = formatTelemetryJson(r);
      expect(text).toBe(`${JSON.stringify(r, null, 2)}\n`);
      if (n === 2000) expect([...telemetryJsonChunks(r)].length).toBeGreaterThan(2);
    }
  });

  it('draws ▁ for a turn that read nothing, █ for one that read everything, a space for no input', () => {
    expect(sparkline([0, 0.5, 0.99, 1, null])).toBe('▁▅██ ');
  });
});

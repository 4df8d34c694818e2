import type { GateReport, GateResult } from '../../src/model/result.js';

/** Hand-built reports shared by the formatter tests. */

const pass = (id: string, title: string, line: number): GateResult => ({
  id,
  kind: 'exit_criterion',
  title,
  section: `§13(${id})`,
  verdict: 'pass',
  evidence: { spec: `gates/wave3/exit-criteria.yaml:${line}:3` },
  location: { file: 'gates/wave3/exit-criteria.yaml', line, col: 3 },
});

export const ODD_TITLE = 'Boundary <cost> & "quotes" — §0 \'x\' | pipe';

export const mixed: GateReport = {
  rfc: 'wave3',
  as_of: '2026-06-01T00:00:00.000Z',
  ref: 'HEAD',
  verdict: 'fail',
  results: [
    pass('EC1', 'Wave 2 closed', 4),
    {
      id: 'B',
      kind: 'disconfirmer',
      title: ODD_TITLE,
      section: '§0(B)',
      verdict: 'halt',
      halt_reason: 'insufficient',
      reason: 'lease_plane_p50_ms: rows on 9 of 14 days,\nneeds 100% | see <evidence> & retry\u0001',
      evidence: {
        spec: 'gates/wave3/disconfirmers.yaml:24:3',
        condition: 'boundary_p50_ms >= lease_plane_p50_ms * p50_ratio && x < y',
        params: { p50_ratio: 2 },
        measurements: {
          lease_plane_p50_ms: {
            source: 'sql',
            halt: 'insufficient',
            reason: 'rows on 9 of 14 days',
            sql: 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms) FROM audit.coordination_measurements',
            rows: 8123,
            days_with_rows: 9,
          },
          boundary_p50_ms: { source: 'sql', value: 41.5, rows: 20000 },
        },
      },
      location: { file: 'gates\\wave3\\disconfirmers.yaml', line: 24, col: 3 },
    },
    {
      id: 'S.5',
      kind: 'stop_sign',
      title: 'Error rate, above 2% — roll back',
      section: '§9(5)',
      verdict: 'fail',
      reason: 'error_rate: 0.031 >= 0.02',
      evidence: {
        spec: 'gates/wave 3/stop signs.yaml:12:5',
        condition: 'error_rate >= 0.02',
        measurements: { error_rate: { source: 'sql', value: 0.031 } },
      },
      location: { file: './gates/wave 3/stop signs.yaml', line: 12, col: 5 },
    },
    pass('EC2', 'Parity signed off', 9),
    {
      id: 'I.1',
      kind: 'invariant',
      title: 'No write outside the lease plane',
      section: '§4',
      verdict: 'halt',
      halt_reason: 'missing',
      reason: 'writes_outside: the query returned no row',
      evidence: { all_of: [{ id: 'B', verdict: 'halt', halt_reason: 'insufficient' }] },
      location: { file: 'gates/wave3/invariants.yaml', line: 7, col: 3 },
    },
  ],
};

export const allPass: GateReport = {
  rfc: 'wave3',
  as_of: '2026-06-01T00:00:00.000Z',
  ref: 'main',
  verdict: 'pass',
  results: [pass('EC1', 'Wave 2 closed', 4), pass('EC2', ODD_TITLE, 9)],
};

export const empty: GateReport = { ...allPass, results: [] };

/**
 * The facts of the wave3 RFC as the shipped specs encode them (PRODUCT §7): each threshold
 * with its comparison, each window, the prerequisite DAG, and the sensitivity anchors the RFC
 * document states beside the gates.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRfc } from '../../src/spec/load.js';
import { type GateSpec, isConditionGate } from '../../src/spec/types.js';

const wave3 = loadRfc(resolve('.'), 'wave3');
const doc = readFileSync(resolve('rfcs/wave3.md'), 'utf8');

function gate(id: string): GateSpec {
  const g = wave3.gates.find((x) => x.id === id);
  if (!g) throw new Error(`wave3 has no gate ${id}`);
  return g;
}

/** The body of the RFC section whose heading starts with `heading`, up to the next heading. */
function section(heading: string): string {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => /^#{2,4} /.test(l) && l.replace(/^#+ /, '').startsWith(heading));
  if (start < 0) throw new Error(`rfcs/wave3.md has no section ${heading}`);
  const end = lines.findIndex((l, i) => i > start && /^#{2,4} /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

describe('wave3 disconfirmers', () => {
  it.each([
    ['A.1', { ode_floor_pct: 60 }, 'ode_governance_core_share_pct > ode_floor_pct'],
    ['A.2', { p99_ceiling_ms: 2000 }, 'process_agent_update_p99_ms < p99_ceiling_ms'],
    ['E', { slip_limit_pct: 25 }, 'go_decision_largest_slip_pct > slip_limit_pct'],
    ['E', { slip_limit_pct: 25 }, 'go_decision_row_slip_pct > slip_limit_pct'],
  ])('%s fires at its threshold, compared as the RFC says', (id, params, condition) => {
    const g = gate(id);
    expect(g.params).toEqual(params);
    expect(isConditionGate(g) && g.condition).toContain(condition);
  });

  it.each([
    ['D', 'redteam_signoff', 'accepted', ['accepted', 'rejected']],
    ['E', 'go_decision_signoff', 'go', ['go', 'no-go']],
  ])(
    '(%s) passes only with the attestation record %s, judged as the Operators section lists it',
    (id, record, passing, judgements) => {
      const g = gate(id);
      expect(isConditionGate(g) && g.condition).toContain(`${record} != "${passing}"`);
      const m = wave3.measurements.get(record);
      expect(m?.source).toBe('attestation');
      expect(m?.source === 'attestation' && m.attestation.judgements).toEqual(judgements);
      const operators = section('Operators');
      expect(operators).toMatch(new RegExp(`\\| \`${record}\`\\s+\\|[^|]+\\| ${judgements.map((j) => `\`${j}\``).join(', ')}\\s+\\|`));
      // The signature is the record the tool reads, not a line in the artifact it never reads.
      expect(doc).not.toMatch(/Attested-by:/);
      // Nobody attests an artifact they authored: the record is independent of the artifact the
      // gate's own artifact measurements read, and the RFC says the tool checks it.
      const artifact = id === 'D' ? 'redteam_present' : 'go_decision_judgement_filled';
      const read = wave3.measurements.get(artifact);
      expect(read?.source === 'artifact' && read.artifact.glob).toBeTruthy();
      expect(m?.source === 'attestation' && m.attestation.independent_of).toBe(
        read?.source === 'artifact' ? read.artifact.glob : undefined,
      );
      expect(operators).toContain('nobody attests an artifact they authored');
      expect(operators.replace(/\s+/g, ' ')).toContain(`\`${record}\``);
      expect(operators.replace(/\s+/g, ' ')).toContain(`(\`${read?.source === 'artifact' ? read.artifact.glob : ''}\`)`);
    },
  );

  it('(B) fires at ≥ 2× the lease-plane p50 or ≥ 3× its p99, both over 14 days of rows', () => {
    const g = gate('B');
    expect(g.params).toEqual({ p50_ratio: 2, p99_ratio: 3 });
    expect(isConditionGate(g) && g.condition).toMatch(/boundary_p50_ms >= lease_plane_p50_ms \* p50_ratio/);
    expect(isConditionGate(g) && g.condition).toMatch(/boundary_p99_ms >= lease_plane_p99_ms \* p99_ratio/);
    for (const id of ['boundary_p50_ms', 'boundary_p99_ms', 'lease_plane_p50_ms', 'lease_plane_p99_ms']) {
      const m = wave3.measurements.get(id);
      expect(m?.window, id).toBe('14d');
      expect(m?.require?.days_with_rows, id).toBe(14);
    }
  });

  it('(F) fires on a resolution-rate drop of more than 5% or a reassignment rise of more than 20%, 14 days, 30 sessions', () => {
    const g = gate('F');
    expect(g.params).toEqual({ resolution_drop: 0.05, reassignment_rise: 0.2 });
    for (const id of ['dialectic_resolution_rate', 'dialectic_reassignment_rate']) {
      const m = wave3.measurements.get(id);
      expect(m?.window, id).toBe('14d');
      expect(m?.require?.min_rows, id).toBe(30);
    }
    // The baseline window needs its 30 sessions too: a pin over fewer is no baseline.
    for (const id of ['dialectic_resolution_baseline', 'dialectic_reassignment_baseline']) {
      const m = wave3.measurements.get(id);
      expect(m?.require?.min_rows, id).toBe(30);
      expect(m?.source === 'sql' && 'query' in m.sql && m.sql.query, id).toMatch(/core\.dialectic_sessions/);
    }
  });

  it('(A.1) shows the verdict at 50, 65 and 75% within 5 points of 60%', () => {
    expect(gate('A.1').sensitivity).toEqual([
      { param: 'ode_floor_pct', compares: 'ode_governance_core_share_pct', band: { absolute: 5 }, alternates: [50, 65, 75] },
    ]);
  });

  it.each(['A.1', 'B'])('the RFC section of (%s) states every sensitivity anchor its gate shows', (id) => {
    const body = section(`§0(${id})`);
    for (const s of gate(id).sensitivity) {
      for (const alt of s.alternates) {
        expect(body, `§0(${id}) does not state the ${s.param} anchor ${alt}`).toMatch(
          new RegExp(`(?<![\\d.])${String(alt).replace('.', '\\.')}(?![\\d])`),
        );
      }
    }
  });
});

describe('wave3 prerequisite PRs (§14.1)', () => {
  it('has the ten PRs, 8 split into 8a/8b, with exactly the dependencies the RFC names', () => {
    const deps = Object.fromEntries((wave3.prereqs ?? []).map((p) => [p.id, [...p.depends_on].sort()]));
    expect(deps).toEqual({
      pr1: [],
      pr2: ['pr1'],
      pr3: [],
      pr4: [],
      pr5: [],
      pr6: ['pr3'],
      pr7: [],
      pr8a: ['pr2'],
      pr8b: ['pr6', 'pr8a'],
      pr9: [],
      pr10: ['pr1', 'pr6'],
    });
  });

  it('8b waits for 14 days of measurement.lease_plane.request rows from PR 6', () => {
    const pr8b = wave3.prereqs?.find((p) => p.id === 'pr8b');
    expect(pr8b?.data_gates.map((g) => g.condition)).toEqual(['lease_plane_request_days >= 14']);
  });
});

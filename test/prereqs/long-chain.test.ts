/**
 * A chain of thousands of prereqs, each depending on the one before: the spec checks and the
 * critical path stay linear in the chain (no per-prereq list of ancestors, no chain copied
 * per step) and walk it with stacks of their own, not the call stack.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findCycles } from '../../src/prereqs/spec.js';
import { criticalPath, type PrereqStatus } from '../../src/prereqs/status.js';
import { loadRfc } from '../../src/spec/load.js';
import type { PrereqSpec } from '../../src/spec/types.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';

const N = 10_000;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const id = (i: number) => `s${String(i).padStart(5, '0')}`;
const file = (i: number) => `src/s${i}.py`;

/** s00000 depends on s00001, … on s09999: the ids sort against the dependency order. */
function chain(n: number): PrereqSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: id(i),
    title: `Step ${i}`,
    deliverables: [file(i)],
    depends_on: i + 1 < n ? [id(i + 1)] : [],
    data_gates: [],
    shared: [],
    location: { file: 'prereqs.yaml', line: i + 1, col: 1 },
  }));
}

const blocked = (ps: PrereqSpec[]) => ps.map((p) => ({ id: p.id, status: 'blocked' }) as PrereqStatus);

describe('a chain of 10,000 prereqs', () => {
  it('loads, with each step that modifies its dependency’s file sharing it, and names the whole chain as the critical path', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    const raw = Array.from({ length: N }, (_, i) => ({
      id: id(i),
      title: `Step ${i}`,
      deliverables: i + 1 < N ? [file(i), file(i + 1)] : [file(i)],
      ...(i + 1 < N ? { depends_on: [id(i + 1)], landed_when: { commit_message: `^Prereq: ${id(i)}$` } } : {}),
    }));
    writeRfc(root, { raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify(raw) } });
    const rfc = loadRfc(root, 'demo');
    const prereqs = rfc.prereqs ?? [];
    expect(prereqs).toHaveLength(N);
    expect(prereqs.map((p) => p.shared)).toEqual(raw.map((_, i) => (i + 1 < N ? [file(i + 1)] : [])));
    const path = criticalPath(prereqs, blocked(prereqs));
    expect(path).toEqual(Array.from({ length: N }, (_, i) => id(N - 1 - i)));
    // Landed steps leave the chain: what is left starts above them.
    const statuses = blocked(prereqs).map((s, i) => (i >= N / 2 ? { ...s, status: 'landed' as const } : s));
    expect(criticalPath(prereqs, statuses)).toEqual(path.slice(N / 2));
  });

  it('finds no cycle in it, and the one a last link back makes', () => {
    const ps = chain(N);
    expect(findCycles(ps)).toEqual([]);
    (ps[N - 1] as PrereqSpec).depends_on = [id(0)];
    const [cycle] = findCycles(ps);
    expect(cycle).toEqual([...ps.map((p) => p.id), id(0)]);
  });
});

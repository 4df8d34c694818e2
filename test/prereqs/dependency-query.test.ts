/**
 * Whether one prereq depends on another (asked when two prereqs list the same deliverable) and
 * which prereqs come after a cycle: answered with walks that follow each edge about once on a
 * chain of 10,000, where a list of every prereq's ancestors would hold 50 million entries.
 */
import { describe, expect, it } from 'vitest';
import { dependencyGraph, dependentsOf, relatives } from '../../src/prereqs/spec.js';
import type { PrereqSpec } from '../../src/spec/types.js';

const N = 10_000;
const id = (i: number) => `s${String(i).padStart(5, '0')}`;

/** s00000 depends on s00001, … on s09999. */
function chain(n: number): PrereqSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: id(i),
    title: `Step ${i}`,
    deliverables: [`src/s${i}.py`],
    depends_on: i + 1 < n ? [id(i + 1)] : [],
    data_gates: [],
    shared: [],
    location: { file: 'prereqs.yaml', line: i + 1, col: 1 },
  }));
}

describe('dependencies on a chain of 10,000 prereqs', () => {
  it('each step modifying the file of the one it depends on: a step or two per pair, both ways round', () => {
    const g = dependencyGraph(chain(N));
    for (let i = 0; i + 1 < N; i++) {
      // The file's first lister is the dependent step (s00000 lists s00001's file) or the dependency.
      expect(relatives(g, id(i), [id(i), id(i + 1)])).toEqual({ below: new Set([id(i + 1)]), above: new Set() });
      expect(relatives(g, id(i + 1), [id(i)])).toEqual({ below: new Set(), above: new Set([id(i)]) });
    }
    expect(g.steps).toBeLessThanOrEqual(2 * N);
  });

  it('every step listing one path: one walk of the chain from its first lister, whichever end that is', () => {
    const g = dependencyGraph(chain(N));
    const all = chain(N).map((p) => p.id);
    const deepest = relatives(g, id(0), all);
    expect(deepest.below.size).toBe(N - 1);
    expect(deepest.above.size).toBe(0);
    expect(g.steps).toBe(N - 1);
    const root = relatives(g, id(N - 1), all);
    expect(root.above.size).toBe(N - 1);
    expect(root.below.size).toBe(0);
    expect(g.steps).toBe(2 * (N - 1));
    const middle = relatives(g, id(N / 2), all);
    expect([middle.below.size, middle.above.size]).toEqual([N / 2 - 1, N / 2]);
    expect(g.steps).toBe(3 * (N - 1));
  });

  it('names every step after one that is in a cycle with one walk', () => {
    const ps = chain(N);
    const after = dependentsOf(dependencyGraph(ps), [id(N / 2)]);
    expect(after.size).toBe(N / 2 + 1);
    expect(after.has(id(0)) && after.has(id(N / 2)) && !after.has(id(N / 2 + 1))).toBe(true);
  });
});

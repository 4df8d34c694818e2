/**
 * Two prereqs' glob deliverables can overlap without either spelling the other's paths
 * (`docs/plan-*.md` and `docs/*-final.md`), which `spec validate` cannot see: it matches each
 * deliverable against the others' spellings (spec.ts, overlaps). One file then lands both, and a
 * prereq looks landed by another's work. Read here in the tree a status is taken at.
 */
import type { GitHistory } from '../sources/git/repo.js';
import { GLOB_CHARS, presentPaths } from '../sources/git/repo.js';
import type { Problem } from '../spec/problems.js';
import type { PrereqSpec } from '../spec/types.js';
import { dependencyGraph, relatives } from './spec.js';

/**
 * The first file of the tree of `sha` that deliverables of two prereqs match, unless one of them
 * modifies what the other created (it depends on it and has landed_when, as spec validate allows
 * for a spelling that covers another's), as a problem at the later-declared deliverable.
 */
export async function crossLandingFile(
  repo: GitHistory,
  prereqs: readonly PrereqSpec[],
  sha: string,
): Promise<Problem | undefined> {
  const globbed = prereqs.filter((p) => p.deliverables.some((d) => GLOB_CHARS.test(d)));
  // Only a glob can reach a path another prereq spells differently; a literal match of a
  // literal is a duplicate, which spec validate already judges.
  if (globbed.length === 0 || prereqs.length < 2) return undefined;
  const claims = new Map<string, { p: PrereqSpec; j: number }[]>();
  await Promise.all(
    prereqs.flatMap((p) =>
      p.deliverables.map(async (d, j) => {
        if (p.shared.includes(d)) return;
        const files = await presentPaths(repo, sha, d);
        for (const f of files) {
          const list = claims.get(f);
          if (list) list.push({ p, j });
          else claims.set(f, [{ p, j }]);
        }
      }),
    ),
  );
  const graph = dependencyGraph([...prereqs]);
  const order = new Map(prereqs.map((p, i) => [p.id, i]));
  const modifies = (p: PrereqSpec, q: PrereqSpec) =>
    p.landed_when !== undefined && relatives(graph, p.id, [q.id]).below.has(q.id);
  for (const f of [...claims.keys()].sort()) {
    const list = (claims.get(f) ?? []).sort((a, b) => (order.get(a.p.id) ?? 0) - (order.get(b.p.id) ?? 0) || a.j - b.j);
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const first = list[x];
        const later = list[y];
        if (!first || !later || first.p === later.p) continue;
        if (modifies(later.p, first.p) || modifies(first.p, later.p)) continue;
        const d = later.p.deliverables[later.j] ?? '';
        const other = first.p.deliverables[first.j] ?? '';
        const at = later.p.deliverableLocations?.[later.j] ?? later.p.location;
        const otherAt = first.p.deliverableLocations?.[first.j] ?? first.p.location;
        return {
          ...at,
          severity: 'error',
          message: `prereq '${later.p.id}': deliverable '${d}' and '${other}', a deliverable of prereq '${first.p.id}' (${otherAt.file}:${otherAt.line}:${otherAt.col}), both match ${f}: one file would land both, and each look landed by the other's work; narrow the globs so that no path matches both, or, if '${later.p.id}' modifies what '${first.p.id}' created, make it depend on '${first.p.id}' and give it landed_when`,
        };
      }
    }
  }
  return undefined;
}

/**
 * Reads prereqs.yaml (already schema-checked) into PrereqSpecs and checks the DAG:
 * duplicate ids, unknown dependencies, cycles (named), deliverables claimed by two
 * prereqs or covered by another's folder or glob, globs that can never match (warning), landed_when regexes and data-gate
 * conditions (CEL, type-checked against the RFC's measurements).
 */
import type { Environment } from '@marcbachmann/cel-js';
import { globProblem, globSyntaxProblem, matchSorted, normalisePath } from '../util/globs.js';
import { regexFix } from '../util/escape-regex.js';
import { visible } from '../formatters/visible.js';
import {
  type CompiledExpression,
  compileExpression,
  readsClashingName,
  isExpressionError,
  unknownNames,
  unknownVariable,
} from '../spec/expressions.js';
import { cycleText, type Problem } from '../spec/problems.js';
import type { MeasurementSpec, PrereqDataGate, PrereqSpec } from '../spec/types.js';
import { swallowingComment } from '../spec/folded-comment.js';
import { keyLocation, locateInScalar, type ParsedYaml, valueLocation, writtenId } from '../spec/yaml.js';

export interface PrereqReadContext {
  measurements: Map<string, MeasurementSpec>;
  /** The CEL environment of the RFC's measurements (the one gates are compiled against). */
  env: Environment;
  /** Measurement ids already reported invalid. */
  brokenMeasurements: Set<string>;
  /** Set when measurements.yaml declares none: names read are gathered here, said once there. */
  undeclared?: Set<string>;
  /** Prereq ids whose items failed the schema (already reported): references to them are not reported again. */
  brokenPrereqs: Set<string>;
  /** Measurements read by a data gate are marked used. */
  used: Set<string>;
  problems: Problem[];
  warnings: Problem[];
  suggest: (word: string, candidates: string[]) => string;
}

export interface LoadedPrereqs {
  prereqs: PrereqSpec[];
  /** Compiled data-gate conditions, keyed `<prereq id>/<gate id>`. */
  gates: Map<string, CompiledExpression>;
}

export function dataGateKey(prereq: string, gate: string): string {
  return `${prereq}/${gate}`;
}

interface RawPrereq {
  id: string;
  title: string;
  section?: string;
  deliverables: string[];
  depends_on?: string[];
  data_gates?: { id: string; title?: string; condition: string }[];
  landed_when?: { commit_message: string };
}

export function readPrereqs(
  y: ParsedYaml,
  items: (Record<string, unknown> | undefined)[],
  ctx: PrereqReadContext,
): LoadedPrereqs {
  const { problems, warnings } = ctx;
  const out: PrereqSpec[] = [];
  const index = new Map<string, number>();
  const broken = ctx.brokenPrereqs;
  const gates = new Map<string, CompiledExpression>();
  const err = (loc: { file: string; line: number; col: number }, message: string) =>
    problems.push({ ...loc, severity: 'error', message });

  // Of every prereq as written, the schema's rejects too: a copy is a duplicate whichever of
  // the two has its own problems, and one fix does not uncover the other.
  const firstAt = new Map<string, number>();
  items.forEach((raw, i) => {
    const id = raw ? raw.id : writtenId(y, i);
    if (typeof id !== 'string') return;
    const prior = firstAt.get(id);
    if (prior !== undefined) {
      err(keyLocation(y, [i], 'id'), `duplicate prereq id '${id}' (first declared at ${fmt(y, [prior])})`);
    } else firstAt.set(id, i);
  });
  items.forEach((raw, i) => {
    if (!raw) return;
    const r = raw as unknown as RawPrereq;
    if (!r || typeof r.id !== 'string') return;
    if (firstAt.get(r.id) !== i) return;
    index.set(r.id, i);
    const p: PrereqSpec = {
      id: r.id,
      title: r.title,
      ...(r.section ? { section: r.section } : {}),
      deliverables: r.deliverables,
      depends_on: r.depends_on ?? [],
      data_gates: (r.data_gates ?? []).map((g, j): PrereqDataGate => ({
        id: g.id,
        ...(g.title ? { title: g.title } : {}),
        condition: g.condition,
        location: valueLocation(y, [i, 'data_gates', j]),
      })),
      ...(r.landed_when ? { landed_when: r.landed_when } : {}),
      shared: [],
      location: valueLocation(y, [i]),
      deliverableLocations: r.deliverables.map((_, j) => valueLocation(y, [i, 'deliverables', j])),
    };
    out.push(p);

    p.deliverables.forEach((d, j) => {
      const magic = pathspecMagic(d);
      if (magic !== undefined) {
        err(
          valueLocation(y, [i, 'deliverables', j]),
          `prereq '${p.id}': deliverable '${d}' is written with git pathspec magic ('${magic}'), which deliverables do not read, so it would never match: a deliverable is a plain path or a glob${d.length > magic.length ? `, such as '${d.slice(magic.length)}'` : ''}`,
        );
        return;
      }
      // A glob picomatch cannot read is a mistake in the writing, not a path that may never exist.
      const syntax = globSyntaxProblem(d);
      if (syntax !== undefined) {
        err(
          valueLocation(y, [i, 'deliverables', j]),
          `prereq '${p.id}': deliverable '${d}' is not a valid glob: ${syntax}`,
        );
        return;
      }
      const why = neverMatches(d);
      if (why) {
        warnings.push({
          ...valueLocation(y, [i, 'deliverables', j]),
          severity: 'warning',
          message: `prereq '${p.id}': deliverable '${d}' can never match a repository path: ${why}`,
        });
      }
    });

    if (p.landed_when) {
      const at = valueLocation(y, [i, 'landed_when', 'commit_message']);
      try {
        // A pattern an empty message matches (`x*`, a stray trailing `|`) matches every commit:
        // the root commit would prove the prereq landed.
        if (new RegExp(p.landed_when.commit_message, 'm').test('')) {
          err(
            at,
            `prereq '${p.id}': landed_when.commit_message /${p.landed_when.commit_message}/ matches an empty message, so every commit matches it; make it require the marker's text`,
          );
        }
      } catch (e) {
        err(
          at,
          `prereq '${p.id}': landed_when.commit_message is not a valid regex: ${visible(regexFix(e as Error, p.landed_when.commit_message))}`,
        );
      }
    }

    const gateIds = new Set<string>();
    p.data_gates.forEach((g, j) => {
      const path = [i, 'data_gates', j];
      if (gateIds.has(g.id)) {
        err(keyLocation(y, path, 'id'), `prereq '${p.id}': duplicate data gate id '${g.id}'`);
        return;
      }
      gateIds.add(g.id);
      const swallowing = swallowingComment(y, [...path, 'condition'], g.condition, 'condition');
      if (swallowing) {
        err(swallowing.location, `prereq '${p.id}': data gate '${g.id}': ${swallowing.message}`);
        return;
      }
      const c = compileExpression(ctx.env, g.condition);
      if (isExpressionError(c)) {
        if (readsClashingName(ctx.env, g.condition, ctx.brokenMeasurements)) return;
        const unknown = unknownVariable(c);
        if (unknown && ctx.undeclared) {
          for (const name of unknownNames(ctx.env, g.condition)) ctx.undeclared.add(name);
          return;
        }
        err(
          locateInScalar(y, [...path, 'condition'], c.offset),
          unknown
            ? `prereq '${p.id}': data gate '${g.id}': unknown measurement '${unknown}'${ctx.suggest(unknown, [...ctx.measurements.keys()])}; declare it in measurements.yaml`
            : `prereq '${p.id}': data gate '${g.id}': expression error: ${c.message}`,
        );
        return;
      }
      for (const id of c.identifiers) if (ctx.measurements.has(id)) ctx.used.add(id);
      if (c.identifiers.some((id) => ctx.brokenMeasurements.has(id))) return;
      if (c.resultType !== 'bool') {
        err(
          valueLocation(y, [...path, 'condition']),
          `prereq '${p.id}': data gate '${g.id}': condition must be a bool expression, but it is ${c.resultType}`,
        );
      } else if (!c.identifiers.some((id) => ctx.measurements.has(id))) {
        err(
          valueLocation(y, [...path, 'condition']),
          `prereq '${p.id}': data gate '${g.id}': condition names no measurement: every threshold must name its measurement source`,
        );
      } else {
        gates.set(dataGateKey(p.id, g.id), c);
      }
    });
  });

  const ids = new Set(out.map((p) => p.id));
  const at = (p: PrereqSpec) => index.get(p.id) ?? 0;
  // Unknown dependencies.
  for (const p of out) {
    p.depends_on.forEach((d, j) => {
      if (d === p.id) {
        err(valueLocation(y, [at(p), 'depends_on', j]), `prereq '${p.id}' depends on itself`);
      } else if (!ids.has(d) && !broken.has(d)) {
        err(
          valueLocation(y, [at(p), 'depends_on', j]),
          `prereq '${p.id}': depends_on names unknown prereq '${d}'${ctx.suggest(d, [...ids])}`,
        );
      }
    });
  }
  const byId = new Map(out.map((p) => [p.id, p]));
  const cycles = findCycles(out);
  for (const cycle of cycles) {
    const first = byId.get(cycle[0] ?? '');
    if (!first) continue;
    err(
      keyLocation(y, [at(first)], 'depends_on'),
      `prereqs depend on each other in a cycle: ${cycleText(cycle)}; break one depends_on link`,
    );
  }

  // A deliverable proves one prereq landed; a prereq that modifies a dependency's file needs landed_when.
  const owner = new Map<string, { p: PrereqSpec; j: number }>();
  // Who depends on whom is known for every prereq not in a cycle nor after one; the others are
  // judged once the cycle (reported above) is broken.
  const graph = dependencyGraph(out);
  let afterCycle: Set<string> | undefined;
  const unknownOrder = (id: string) => (afterCycle ??= dependentsOf(graph, cycles.flat())).has(id);
  // Who depends on whom is asked only of a path's first lister and the others listing it:
  // answered for all of them at once, by one walk each way from the first lister.
  const listers = new Map<string, Set<string>>();
  for (const p of out) {
    for (const d of p.deliverables) {
      const key = normalisePath(d);
      const ids = listers.get(key);
      if (ids) ids.add(p.id);
      else listers.set(key, new Set([p.id]));
    }
  }
  const kin = new Map<string, Relatives>();
  const kinOf = (key: string, first: string): Relatives => {
    let k = kin.get(key);
    if (!k) kin.set(key, (k = relatives(graph, first, listers.get(key) ?? [])));
    return k;
  };
  for (const p of out) {
    p.deliverables.forEach((d, j) => {
      const key = normalisePath(d);
      const prior = owner.get(key);
      if (!prior) {
        owner.set(key, { p, j });
        return;
      }
      if (prior.p === p) {
        err(
          valueLocation(y, [at(p), 'deliverables', j]),
          `prereq '${p.id}': deliverable '${d}' names the same path as its deliverable '${p.deliverables[prior.j] ?? ''}' (${fmt(y, [at(p), 'deliverables', prior.j])}); remove one`,
        );
        return;
      }
      const k = kinOf(key, prior.p.id);
      const [earlier, later] = k.below.has(p.id) ? [p, prior.p] : [prior.p, p];
      const laterOk = (later === prior.p ? k.below : k.above).has(p.id) && later.landed_when !== undefined;
      if (laterOk) {
        // The later prereq's own spelling of the path ('./x', 'x/'), which is what its landing looks up.
        later.shared.push(later === p ? d : (prior.p.deliverables[prior.j] ?? d));
        return;
      }
      if (unknownOrder(p.id) || unknownOrder(prior.p.id)) return;
      err(
        valueLocation(y, [at(p), 'deliverables', j]),
        `prereq '${p.id}': deliverable '${d}' is also listed by prereq '${prior.p.id}' (${fmt(y, [at(prior.p), 'deliverables', prior.j])}); a path can prove only one prereq landed: remove it from one, or, if '${later.id}' modifies what '${earlier.id}' created, make '${later.id}' depend on '${earlier.id}' and give it landed_when`,
      );
    });
  }
  overlaps(y, out, at, listers, graph, unknownOrder, err);
  return { prereqs: out, gates };
}

/**
 * A folder or glob of one prereq that another prereq's path falls in: the other's landing
 * would make it present, so the first could look landed without any work of its own (a
 * path listed by both is the duplicate case above). Each deliverable is matched against the
 * others' spellings as if they were paths: a literal one is the path its landing creates, a
 * glob stands for the paths it matches (`docs/**` covers `docs/*.md`, whatever fills the
 * `*`). Allowed only as a modification: the deliverable's prereq depends on the other and
 * has landed_when, and then it is shared (not used for timing), like a duplicate.
 */
function overlaps(
  y: ParsedYaml,
  out: PrereqSpec[],
  /** A prereq's index in the YAML sequence. */
  at: (p: PrereqSpec) => number,
  listers: Map<string, Set<string>>,
  graph: DependencyGraph,
  unknownOrder: (id: string) => boolean,
  err: (loc: { file: string; line: number; col: number }, message: string) => void,
): void {
  // Sorted, so each deliverable is matched only against the spellings under its literal folder.
  const keys = [...listers.keys()].sort();
  const byId = new Map(out.map((p) => [p.id, p]));
  for (const p of out) {
    p.deliverables.forEach((d, j) => {
      if (neverMatches(d)) return;
      const key = normalisePath(d);
      const by: { q: PrereqSpec; dq: number }[] = [];
      for (const hit of matchSorted(keys, [d])) {
        if (hit === key) continue;
        for (const id of listers.get(hit) ?? []) {
          const q = byId.get(id);
          if (!q || q === p) continue;
          by.push({ q, dq: q.deliverables.findIndex((x) => normalisePath(x) === hit) });
        }
      }
      if (!by.length) return;
      const below = p.landed_when
        ? relatives(
            graph,
            p.id,
            by.map((b) => b.q.id),
          ).below
        : new Set<string>();
      const bad = by.find((b) => !below.has(b.q.id));
      if (!bad) {
        p.shared.push(d);
        return;
      }
      if (unknownOrder(p.id) || unknownOrder(bad.q.id)) return;
      const q = bad.q.id;
      err(
        valueLocation(y, [at(p), 'deliverables', j]),
        `prereq '${p.id}': deliverable '${d}' also matches '${bad.q.deliverables[bad.dq] ?? ''}', a deliverable of prereq '${q}' (${fmt(y, [at(bad.q), 'deliverables', bad.dq])}): landing '${q}' would make it present and '${p.id}' look landed; narrow it to the paths '${p.id}' creates, or, if '${p.id}' modifies what '${q}' created, make '${p.id}' depend on '${q}' and give it landed_when`,
      );
    });
  }
}

function fmt(y: ParsedYaml, path: (string | number)[]): string {
  const l = valueLocation(y, path);
  return `${l.file}:${l.line}:${l.col}`;
}

/**
 * The git pathspec magic a deliverable starts with (`:(glob)`, `:(literal)`, `:/`, `:!`, `:^`),
 * or undefined. Git reads any leading ':' as the start of magic, so a deliverable written for
 * `git log -- <pathspec>` names no path of the tree it is matched against.
 */
export function pathspecMagic(d: string): string | undefined {
  if (!d.startsWith(':')) return undefined;
  return /^:(\([^)]*\)|[/!^]*:?)/.exec(d)?.[0] ?? ':';
}

/** Why a deliverable can never name a path in a repository tree, or undefined. */
export function neverMatches(raw: string): string | undefined {
  return globProblem(raw, 'deliverables');
}

/**
 * Every elementary cycle reached by a depth-first walk, each named once, starting from its smallest id.
 * The walk keeps a stack of its own, not the call stack: a chain of thousands of prereqs whose ids
 * sort against the dependency order would otherwise exceed it.
 */
export function findCycles(prereqs: PrereqSpec[]): string[][] {
  const edges = new Map(prereqs.map((p) => [p.id, p.depends_on.filter((d) => d !== p.id)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  /** The next dependency to follow of each prereq on the stack. */
  const nextDep: number[] = [];
  const found = new Map<string, string[]>();
  const enter = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = stack.slice(stack.indexOf(id));
      // Rotate so the same cycle is named the same way whichever node the walk entered it by.
      const min = cycle.indexOf([...cycle].sort()[0] ?? id);
      const named = [...cycle.slice(min), ...cycle.slice(0, min)];
      found.set(named.join('\0'), [...named, named[0] ?? id]);
      return;
    }
    if (!edges.has(id)) return;
    state.set(id, 'visiting');
    stack.push(id);
    nextDep.push(0);
  };
  for (const id of [...edges.keys()].sort()) {
    enter(id);
    while (stack.length) {
      const top = stack.length - 1;
      const id = stack[top] as string;
      const ds = edges.get(id) ?? [];
      const j = nextDep[top] as number;
      if (j < ds.length) {
        nextDep[top] = j + 1;
        enter(ds[j] as string);
      } else {
        stack.pop();
        nextDep.pop();
        state.set(id, 'done');
      }
    }
  }
  return [...found.values()];
}

/** depends_on both ways round, with each prereq's depth (see dagDepths). `steps` counts the edges walked. */
export interface DependencyGraph {
  deps: Map<string, string[]>;
  dependents: Map<string, string[]>;
  depth: Map<string, number>;
  steps: number;
}

export function dependencyGraph(prereqs: PrereqSpec[]): DependencyGraph {
  const deps = new Map(prereqs.map((p) => [p.id, p.depends_on.filter((d) => d !== p.id)]));
  for (const [id, ds] of deps)
    deps.set(
      id,
      ds.filter((d) => deps.has(d)),
    );
  const dependents = new Map<string, string[]>();
  for (const [id, ds] of deps) {
    for (const d of ds) {
      const list = dependents.get(d);
      if (list) list.push(id);
      else dependents.set(d, [id]);
    }
  }
  return { deps, dependents, depth: dagDepths(deps, dependents), steps: 0 };
}

/** Of some prereqs, those one prereq depends on (below it) and those that depend on it (above), directly or not. */
export interface Relatives {
  below: Set<string>;
  above: Set<string>;
}

/**
 * Which of `others` `from` depends on, directly or not, and which depend on it: one walk down
 * depends_on and one up, each stopping once it has found every one it can, instead of listing
 * every prereq's ancestors (n²/2 entries on a chain of n). A walk skips what cannot lead to
 * any of them: going down, a prereq no deeper than the shallowest of them; going up, one no
 * shallower than the deepest (a prereq in or after a cycle has no depth and is not skipped).
 */
export function relatives(g: DependencyGraph, from: string, others: Iterable<string>): Relatives {
  const targets = new Set([...others].filter((id) => id !== from && g.deps.has(id)));
  let min = Infinity;
  let max = -Infinity;
  let undated = false;
  for (const t of targets) {
    const d = g.depth.get(t);
    if (d === undefined) undated = true;
    else {
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
  }
  // A prereq with a depth depends only on prereqs with one, each shallower than it.
  const mayLeadDown = (x: string) => {
    const d = g.depth.get(x);
    return d === undefined || d > min;
  };
  const mayLeadUp = (x: string) => {
    const d = g.depth.get(x);
    return d === undefined ? undated : undated || d < max;
  };
  const walk = (next: Map<string, string[]>, mayLead: (x: string) => boolean): Set<string> => {
    const found = new Set<string>();
    const seen = new Set<string>([from]);
    const todo = mayLead(from) ? [from] : [];
    for (let x = todo.pop(); x !== undefined && found.size < targets.size; x = todo.pop()) {
      for (const y of next.get(x) ?? []) {
        g.steps++;
        if (seen.has(y)) continue;
        seen.add(y);
        if (targets.has(y)) found.add(y);
        if (mayLead(y)) todo.push(y);
      }
    }
    return found;
  };
  return { below: walk(g.deps, mayLeadDown), above: walk(g.dependents, mayLeadUp) };
}

/**
 * The depth of each prereq not in nor after a cycle: 0 without dependencies, else one more
 * than its deepest dependency. A prereq that depends on another, directly or not, is deeper.
 */
function dagDepths(deps: Map<string, string[]>, dependents: Map<string, string[]>): Map<string, number> {
  const waiting = new Map<string, number>();
  const todo: string[] = [];
  for (const [id, ds] of deps) {
    waiting.set(id, ds.length);
    if (!ds.length) todo.push(id);
  }
  const depth = new Map<string, number>();
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    let n = 0;
    for (const d of deps.get(id) ?? []) n = Math.max(n, (depth.get(d) ?? 0) + 1);
    depth.set(id, n);
    for (const x of dependents.get(id) ?? []) {
      const left = (waiting.get(x) ?? 0) - 1;
      waiting.set(x, left);
      if (left === 0) todo.push(x);
    }
  }
  return depth;
}

/** The given prereqs and every prereq that depends on one of them, directly or not: one walk of the reversed edges. */
export function dependentsOf(g: DependencyGraph, ids: Iterable<string>): Set<string> {
  const todo = [...ids].filter((id) => g.deps.has(id));
  const out = new Set(todo);
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    for (const x of g.dependents.get(id) ?? []) {
      if (out.has(x)) continue;
      out.add(x);
      todo.push(x);
    }
  }
  return out;
}

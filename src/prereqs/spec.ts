/**
 * Reads prereqs.yaml (already schema-checked) into PrereqSpecs and checks the DAG:
 * duplicate ids, unknown dependencies, cycles (named), deliverables claimed by two
 * prereqs, globs that can never match (warning), landed_when regexes and data-gate
 * conditions (CEL, type-checked against the RFC's measurements).
 */
import type { Environment } from '@marcbachmann/cel-js';
import { globProblem, normalisePath } from '../util/globs.js';
import { type CompiledExpression, compileExpression, isExpressionError } from '../spec/expressions.js';
import type { Problem } from '../spec/problems.js';
import type { MeasurementSpec, PrereqDataGate, PrereqSpec } from '../spec/types.js';
import { keyLocation, locateInScalar, type ParsedYaml, valueLocation } from '../spec/yaml.js';

export interface PrereqReadContext {
  measurements: Map<string, MeasurementSpec>;
  /** The CEL environment of the RFC's measurements (the one gates are compiled against). */
  env: Environment;
  /** Measurement ids already reported invalid. */
  brokenMeasurements: Set<string>;
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

  items.forEach((raw, i) => {
    if (!raw) return;
    const r = raw as unknown as RawPrereq;
    if (!r || typeof r.id !== 'string') return;
    const prior = index.get(r.id);
    if (prior !== undefined) {
      err(keyLocation(y, [i], 'id'), `duplicate prereq id '${r.id}' (first declared at ${fmt(y, [prior])})`);
      return;
    }
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
    };
    out.push(p);

    p.deliverables.forEach((d, j) => {
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
      try {
        new RegExp(p.landed_when.commit_message, 'm');
      } catch (e) {
        err(
          valueLocation(y, [i, 'landed_when', 'commit_message']),
          `prereq '${p.id}': landed_when.commit_message is not a valid regex: ${(e as Error).message}`,
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
      const c = compileExpression(ctx.env, g.condition);
      if (isExpressionError(c)) {
        const unknown = /^Unknown variable: (\S+)/.exec(c.message);
        err(
          locateInScalar(y, [...path, 'condition'], c.offset),
          unknown?.[1]
            ? `prereq '${p.id}': data gate '${g.id}': unknown measurement '${unknown[1]}'${ctx.suggest(unknown[1], [...ctx.measurements.keys()])}; declare it in measurements.yaml`
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
      `prereqs depend on each other in a cycle: ${cycle.join(' → ')}; break one depends_on link`,
    );
  }

  // A deliverable proves one prereq landed; a prereq that modifies a dependency's file needs landed_when.
  const owner = new Map<string, { p: PrereqSpec; j: number }>();
  // Who depends on whom is known for every prereq not in a cycle nor after one; the others are
  // judged once the cycle (reported above) is broken.
  const ancestors = ancestorSets(out);
  const inCycle = new Set(cycles.flat());
  const unknownOrder = (id: string) => inCycle.has(id) || [...(ancestors.get(id) ?? [])].some((a) => inCycle.has(a));
  for (const p of out) {
    p.deliverables.forEach((d, j) => {
      const key = normalisePath(d);
      const prior = owner.get(key);
      if (!prior) {
        owner.set(key, { p, j });
        return;
      }
      const [earlier, later] = dependsOn(ancestors, prior.p.id, p.id) ? [p, prior.p] : [prior.p, p];
      const laterOk = dependsOn(ancestors, later.id, earlier.id) && later.landed_when !== undefined;
      if (laterOk) {
        later.shared.push(d);
        return;
      }
      if (unknownOrder(p.id) || unknownOrder(prior.p.id)) return;
      err(
        valueLocation(y, [at(p), 'deliverables', j]),
        `prereq '${p.id}': deliverable '${d}' is also listed by prereq '${prior.p.id}' (${fmt(y, [at(prior.p), 'deliverables', prior.j])}); a path can prove only one prereq landed: remove it from one, or, if '${later.id}' modifies what '${earlier.id}' created, make '${later.id}' depend on '${earlier.id}' and give it landed_when`,
      );
    });
  }
  return { prereqs: out, gates };
}

function fmt(y: ParsedYaml, path: (string | number)[]): string {
  const l = valueLocation(y, path);
  return `${l.file}:${l.line}:${l.col}`;
}

/** Why a deliverable can never name a path in a repository tree, or undefined. */
export function neverMatches(raw: string): string | undefined {
  return globProblem(raw, 'deliverables');
}

/** Every elementary cycle reached by a depth-first walk, each named once, starting from its smallest id. */
export function findCycles(prereqs: PrereqSpec[]): string[][] {
  const edges = new Map(prereqs.map((p) => [p.id, p.depends_on.filter((d) => d !== p.id)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const found = new Map<string, string[]>();
  const visit = (id: string): void => {
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
    for (const d of edges.get(id) ?? []) visit(d);
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...edges.keys()].sort()) visit(id);
  return [...found.values()];
}

/** For each prereq, every prereq it depends on, directly or not. Only call on an acyclic graph. */
export function ancestorSets(prereqs: PrereqSpec[]): Map<string, Set<string>> {
  const byId = new Map(prereqs.map((p) => [p.id, p]));
  const memo = new Map<string, Set<string>>();
  const of = (id: string): Set<string> => {
    const known = memo.get(id);
    if (known) return known;
    const s = new Set<string>();
    memo.set(id, s);
    for (const d of byId.get(id)?.depends_on ?? []) {
      if (!byId.has(d)) continue;
      s.add(d);
      for (const x of of(d)) s.add(x);
    }
    return s;
  };
  for (const p of prereqs) of(p.id);
  return memo;
}

function dependsOn(ancestors: Map<string, Set<string>> | undefined, a: string, b: string): boolean {
  return ancestors?.get(a)?.has(b) ?? false;
}

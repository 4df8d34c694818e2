/**
 * The engine: select gates, measure what they read, decide each verdict. Pure apart
 * from the sources it is handed; it prints nothing.
 */
import {
  combineVerdicts,
  type Evidence,
  type GateReport,
  type GateResult,
  type HaltReason,
  type Verdict,
} from '../model/result.js';
import type { MeasurementOutcome, RefOrigin } from '../sources/types.js';
import { type CompiledExpression, fromCel, toCel } from '../spec/expressions.js';
import type { CompiledGate, LoadedRfc } from '../spec/load.js';
import { UsageError } from '../spec/problems.js';
import type { CompositeGate, ConditionGate, GateSpec, Phase } from '../spec/types.js';
import { suggest } from '../util/suggest.js';
import { HALT_PRIORITY, Measurer, outcomeEvidence, type SourceRegistry } from './measure.js';

export interface EvaluateOptions {
  asOf: Date;
  /** The instant the database is a copy of (--snapshot-at), recorded in the report. */
  snapshotAt?: Date;
  ref: string;
  /** See EvalContext.pinned. */
  pinned?: boolean;
  /** See EvalContext.refFrom. */
  refFrom?: RefOrigin;
  repoDir: string;
  phase?: Phase;
  only?: string[];
  sources: SourceRegistry;
  timeoutMs: number;
}

export async function evaluateRfc(rfc: LoadedRfc, opts: EvaluateOptions): Promise<GateReport> {
  const selected = selectGates(rfc, opts);
  const byId = new Map(rfc.gates.map((g) => [g.id, g]));
  const needed = closure(selected, byId);
  const measurer = new Measurer(rfc.measurements, {
    sources: opts.sources,
    context: {
      asOf: opts.asOf,
      ref: opts.ref,
      ...(opts.pinned ? { pinned: true } : {}),
      ...(opts.refFrom ? { refFrom: opts.refFrom } : {}),
      repoDir: opts.repoDir,
      manifest: rfc.manifest,
    },
    timeoutMs: opts.timeoutMs,
  });

  const results = new Map<string, Promise<GateResult>>();
  const reported = new Set(selected.map((g) => g.id));
  const resultOf = (g: GateSpec): Promise<GateResult> => {
    let r = results.get(g.id);
    if (!r) {
      r =
        'all_of' in g
          ? evaluateComposite(g, (id) => resultOf(byId.get(id) as GateSpec), reported)
          : evaluateCondition(g, rfc.compiled.get(g.id), rfc, measurer);
      results.set(g.id, r);
    }
    return r;
  };
  for (const g of needed) void resultOf(g);
  const out = await Promise.all(selected.map(resultOf));
  return {
    rfc: rfc.manifest.id,
    as_of: opts.asOf.toISOString(),
    ...(opts.snapshotAt ? { snapshot_at: opts.snapshotAt.toISOString() } : {}),
    ref: opts.ref,
    ...(opts.phase ? { phase: opts.phase } : {}),
    verdict: combineVerdicts(out.map((r) => r.verdict)),
    results: out,
  };
}

function selectGates(rfc: LoadedRfc, opts: EvaluateOptions): GateSpec[] {
  let gates = rfc.gates;
  if (opts.only?.length) {
    const ids = new Set(rfc.gates.map((g) => g.id));
    // `--only B,` or `--only ''`: a name left empty is a typo, not a gate to look for.
    if (opts.only.some((id) => id.trim() === '')) {
      throw new UsageError(
        `--only has an empty gate name (${opts.only.map((id) => `'${id}'`).join(', ')}); name gates separated by single commas, e.g. --only B,EC3`,
      );
    }
    const unknown = opts.only.filter((id) => !ids.has(id));
    if (unknown.length) {
      // Ids are matched exactly: `d1` for `D1` is offered back (a case-only match first), so
      // the one meant is not hunted for in a list of thirty.
      const named = unknown.map((id) => `${id}${suggest(id, [...ids])}`);
      throw new UsageError(
        `--only names unknown gate(s): ${named.join(', ')}; gates of ${rfc.manifest.id}: ${[...ids].join(', ')}`,
      );
    }
    const wanted = new Set(opts.only);
    gates = gates.filter((g) => wanted.has(g.id));
  }
  if (opts.phase) {
    const phase = opts.phase;
    gates = gates.filter((g) => g.phase.includes(phase));
  }
  // Nothing evaluated is not a pass: a selection that names no gate is a mistake to report.
  if (gates.length === 0) {
    if (rfc.gates.length === 0) {
      throw new UsageError(
        `${rfc.manifest.id} declares no gates, so there is nothing to check; add invariants, disconfirmers, exit criteria or stop signs under gates/${rfc.manifest.id}/`,
      );
    }
    const what = [opts.only?.length ? `--only ${opts.only.join(',')}` : '', opts.phase ? `--phase ${opts.phase}` : '']
      .filter(Boolean)
      .join(' with ');
    const phases = (ids: string[]) =>
      ids.map((id) => `${id} (${rfc.gates.find((g) => g.id === id)?.phase.join(', ') ?? '?'})`).join(', ');
    throw new UsageError(
      `${what} selects no gate of ${rfc.manifest.id}, so there is nothing to check${opts.only?.length ? `; the phases of those gates: ${phases(opts.only)}` : ''}`,
    );
  }
  return gates;
}

function closure(selected: GateSpec[], byId: Map<string, GateSpec>): GateSpec[] {
  const seen = new Map<string, GateSpec>();
  const walk = (g: GateSpec): void => {
    if (seen.has(g.id)) return;
    seen.set(g.id, g);
    if ('all_of' in g) for (const d of g.all_of) walk(byId.get(d) as GateSpec);
  };
  for (const g of selected) walk(g);
  return [...seen.values()];
}

function head(g: GateSpec): Pick<GateResult, 'id' | 'kind' | 'title' | 'section'> {
  return { id: g.id, kind: g.kind, title: g.title, section: g.section };
}

function specRef(g: GateSpec): string {
  return `${g.location.file}:${g.location.line}:${g.location.col}`;
}

/**
 * `reported`: the gates the report itself holds. A gate named in all_of but left out of it
 * (`--phase close` keeps EC8 but not D, an implementation gate) is carried inside the
 * composite, its reason and evidence with it: the report alone must let a reader re-derive
 * every verdict it shows, and "D failed" names nothing to look at.
 */
async function evaluateComposite(
  g: CompositeGate,
  dep: (id: string) => Promise<GateResult>,
  reported: ReadonlySet<string>,
): Promise<GateResult> {
  const deps = await Promise.all(g.all_of.map(dep));
  const verdict = combineVerdicts(deps.map((d) => d.verdict));
  const evidence: Evidence = {
    all_of: deps.map((d) => ({
      id: d.id,
      verdict: d.verdict,
      ...(d.halt_reason ? { halt_reason: d.halt_reason } : {}),
      ...(reported.has(d.id) ? {} : { ...(d.reason ? { reason: d.reason } : {}), evidence: d.evidence }),
    })),
    spec: specRef(g),
  };
  const base = { ...head(g), verdict, evidence, location: g.location };
  if (verdict === 'pass') return base;
  const culprits = deps.filter((d) => d.verdict === verdict);
  const reason = culprits
    .map((d) => {
      const what = `${d.id} ${d.verdict === 'halt' ? `halted (${d.halt_reason})` : 'failed'}`;
      return reported.has(d.id) || !d.reason ? what : `${what}: ${d.reason}`;
    })
    .join('; ');
  if (verdict === 'fail') return { ...base, reason };
  const haltReason = pickHalt(culprits.map((d) => d.halt_reason as HaltReason));
  // A halt decided by a child's halt on text written elsewhere (a query the database rejected)
  // is fixed there, not at this all_of: annotations of the composite point where the child's do.
  const cause = culprits.find((d) => d.halt_reason === haltReason && d.cause)?.cause;
  return { ...base, reason, halt_reason: haltReason, ...(cause ? { cause } : {}) };
}

/** Measurements that halt for the same reason (one unreachable database) are named once, together. */
function groupReasons(pairs: [string, string][]): string {
  const byText = new Map<string, string[]>();
  for (const [id, reason] of pairs) {
    const text = reason.startsWith(`measurement '${id}': `) ? reason.slice(`measurement '${id}': `.length) : reason;
    byText.set(text, [...(byText.get(text) ?? []), id]);
  }
  return [...byText].map(([text, ids]) => `${ids.join(', ')}: ${text}`).join('; ');
}

function pickHalt(reasons: HaltReason[]): HaltReason {
  return HALT_PRIORITY.find((r) => reasons.includes(r)) ?? 'error';
}

async function evaluateCondition(
  g: ConditionGate,
  compiled: CompiledGate | undefined,
  rfc: LoadedRfc,
  measurer: Measurer,
): Promise<GateResult> {
  const condition = compiled?.condition as CompiledExpression;
  const reads = new Set(condition.identifiers.filter((id) => rfc.measurements.has(id)));
  for (const s of compiled?.sensitivity ?? []) {
    for (const id of s.compares.identifiers) if (rfc.measurements.has(id)) reads.add(id);
  }
  const ids = [...reads].sort();
  const outcomes = new Map<string, MeasurementOutcome>(
    await Promise.all(ids.map(async (id) => [id, await measurer.get(id)] as const)),
  );

  const vars: Record<string, unknown> = { ...g.params };
  const measured: Evidence = {};
  for (const id of ids) {
    const m = rfc.measurements.get(id);
    const o = outcomes.get(id);
    if (!m || !o) continue;
    const celValue = o.status === 'ok' ? toCel(m.type, o.value) : undefined;
    if (celValue !== undefined) vars[id] = celValue;
    measured[id] = outcomeEvidence(m, o, fromCel(celValue));
  }
  const evidence: Evidence = {
    condition: condition.source,
    ...(Object.keys(g.params).length ? { params: g.params } : {}),
    measurements: measured,
    spec: specRef(g),
  };
  const base = { ...head(g), evidence, location: g.location };

  // A failing gate's reason points at where to look first, as the measurements it read say.
  const withDetails = (reason: string): string => {
    const details = ids.flatMap((id) => {
      const o = outcomes.get(id);
      return o?.status === 'ok' && o.detail ? [{ id, detail: o.detail }] : [];
    });
    // One is plainly the measurement's whose value the reason shows; several are told apart by name.
    const text = details.map((d) => (details.length > 1 ? `${d.id}: ${d.detail}` : d.detail));
    return text.length ? `${reason}; ${text.join('; ')}` : reason;
  };

  // A count its liveness does not vouch for can fire a gate but not clear it: a pass it would
  // give is a halt, at the gate's threshold and at every sensitivity anchor alike. Its events
  // are real but may be short of the window's, so the count is a floor: a failure stands only
  // where more events fail the gate too (`incidents > 3` with 4). One that more events would
  // lift (`deploys >= 10` with 4 counted) rests on the count being whole, and halts as a pass does.
  const unvouched = measurer.unvouchedReason(condition.identifiers);
  const shortCounts = condition.identifiers.filter((id) => measurer.unvouchedReason([id]) !== undefined);
  const judge = (v: Record<string, unknown>): Decision => {
    const d = decide(g, condition, v);
    if (unvouched === undefined || d.verdict === 'halt') return d;
    if (d.verdict === 'pass') return { verdict: 'halt', halt_reason: 'missing', reason: unvouched };
    const liftable = MORE_EVENTS.some(
      (more) => decide(g, condition, withMore(v, shortCounts, more)).verdict !== 'fail',
    );
    if (!liftable) return d;
    return {
      verdict: 'halt',
      halt_reason: 'missing',
      reason: `${unvouched}, nor fail it, since more events would not`,
    };
  };

  const halted = condition.identifiers
    .filter((id) => rfc.measurements.has(id))
    .map((id) => [id, outcomes.get(id)] as const)
    .filter((x): x is readonly [string, Extract<MeasurementOutcome, { status: 'halt' }>] => x[1]?.status === 'halt');
  if (halted.length) {
    const haltReason = pickHalt(halted.map(([, o]) => o.halt));
    const cause = halted.find(([, o]) => o.halt === haltReason && o.at)?.[1].at;
    const asHalt: GateResult = {
      ...base,
      verdict: 'halt',
      halt_reason: haltReason,
      reason: groupReasons(halted.map(([id, o]) => [id, o.reason])),
      ...(cause ? { cause } : {}),
    };
    // The halted measurements are left out of vars, and CEL's || and && absorb a missing
    // operand when the others decide (`true || x`, `false && x`): a condition that still
    // evaluates fired (or failed to hold) whatever the missing values would be. That is a
    // measured failure, not a guess. A pass is never read this way: it needs every value.
    const decided = judge(vars);
    if (decided.verdict !== 'fail') return asHalt;
    // Fired on the measured values alone, the verdict can still hinge on one of them sitting
    // at its threshold: the band shows it, as for any other verdict.
    addSensitivity(evidence, g, judge, compiled, vars, outcomes);
    return {
      ...base,
      ...decided,
      reason: `${withDetails(decided.reason ?? '')}; decided without ${halted.map(([id]) => id).join(', ')} (${asHalt.reason ?? ''})`,
    };
  }

  const decided = judge(vars);
  if (decided.verdict === 'halt') return { ...base, ...decided };
  if (decided.verdict === 'fail') decided.reason = withDetails(decided.reason ?? '');
  addSensitivity(evidence, g, judge, compiled, vars, outcomes);
  return { ...base, ...decided };
}

/** `judge`: the gate's verdict for a set of values, as at its own threshold. */
function addSensitivity(
  evidence: Evidence,
  g: ConditionGate,
  judge: (vars: Record<string, unknown>) => Decision,
  compiled: CompiledGate | undefined,
  vars: Record<string, unknown>,
  outcomes: Map<string, MeasurementOutcome>,
): void {
  const sensitivity = (compiled?.sensitivity ?? []).map((s) => sensitivityEvidence(g, judge, s, vars, outcomes));
  if (sensitivity.length) evidence.sensitivity = sensitivity;
}

type Decision = { verdict: Verdict; reason?: string; halt_reason?: HaltReason };

/**
 * Counts a short count could really be: one more, twice, ten and a thousand times as many, and a
 * trillion more (a single event counted against a threshold in the thousands). A condition is
 * tried at these, not at every count, which settles the monotone ones gates are.
 */
const MORE_EVENTS: readonly ((n: bigint) => bigint)[] = [
  (n) => n + 1n,
  (n) => n * 2n,
  (n) => n * 10n,
  (n) => n * 1000n,
  (n) => n + 1_000_000_000_000n,
];

/** `vars` with each of `ids` (counts, CEL ints or doubles) raised by `more`. */
function withMore(
  vars: Record<string, unknown>,
  ids: readonly string[],
  more: (n: bigint) => bigint,
): Record<string, unknown> {
  const out = { ...vars };
  for (const id of ids) {
    const v = out[id];
    if (typeof v === 'bigint') out[id] = more(v);
    else if (typeof v === 'number') out[id] = Number(more(BigInt(Math.ceil(v))));
  }
  return out;
}

function decide(g: ConditionGate, condition: CompiledExpression, vars: Record<string, unknown>): Decision {
  let value: unknown;
  try {
    value = condition.evaluate(vars);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    return { verdict: 'halt', halt_reason: 'error', reason: `the condition could not be evaluated: ${msg}` };
  }
  if (typeof value !== 'boolean') {
    return { verdict: 'halt', halt_reason: 'error', reason: `the condition returned ${String(value)}, not a bool` };
  }
  const fails = g.polarity === 'fires' ? value : !value;
  if (!fails) return { verdict: 'pass' };
  const values = condition.identifiers
    .filter((id) => id in vars)
    .map((id) => `${id}=${fromCel(vars[id])}`)
    .join(', ');
  return {
    verdict: 'fail',
    reason: `${g.polarity === 'fires' ? 'fired' : 'does not hold'}: ${condition.source.trim()} (${values})`,
  };
}

function sensitivityEvidence(
  g: ConditionGate,
  judge: (vars: Record<string, unknown>) => Decision,
  s: NonNullable<CompiledGate['sensitivity']>[number],
  vars: Record<string, unknown>,
  outcomes: Map<string, MeasurementOutcome>,
): Evidence {
  const threshold = g.params[s.spec.param] ?? Number.NaN;
  // A halted measurement has no value to place: say which halted, not that CEL knows no such name.
  const missing = s.compares.identifiers.flatMap((id) => {
    const o = outcomes.get(id);
    return o?.status === 'halt' ? [`${id} halted (${o.halt})`] : [];
  });
  if (missing.length) {
    return {
      param: s.spec.param,
      threshold,
      note: `compares reads ${missing.join(', ')}, so it has no value to place against the band: there is no band check`,
    };
  }
  let value: unknown;
  try {
    value = s.compares.evaluateAsIs(vars);
  } catch (e) {
    return {
      param: s.spec.param,
      threshold,
      note: `compares could not be evaluated: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  // A double division by zero is Infinity (or NaN for 0/0), not an error, and JSON writes
  // either as null: the evidence would show a value never measured, judged against the band.
  const measured = typeof value === 'bigint' ? Number(value) : value;
  if (typeof measured !== 'number' || !Number.isFinite(measured)) {
    return { param: s.spec.param, threshold, note: notABandValue(measured) };
  }
  const width = s.spec.band.absolute ?? (s.spec.band.relative ?? 0) * Math.abs(threshold);
  // Compared at the precision the evidence shows: a value exactly on the band's edge (2.1
  // against 2 ± 5%) is in it, though 2.1 - 2 is 0.10000000000000009 in binary floating point.
  const inBand = roundForEvidence(Math.abs(measured - threshold)) <= roundForEvidence(width);
  const out: Evidence = {
    param: s.spec.param,
    threshold,
    measured: roundForEvidence(measured),
    band:
      s.spec.band.absolute !== undefined ? { absolute: s.spec.band.absolute } : { relative: s.spec.band.relative ?? 0 },
    in_band: inBand,
  };
  if (inBand) {
    out.anchors = s.spec.alternates.map((alt) => ({
      [s.spec.param]: alt,
      verdict: judge({ ...vars, [s.spec.param]: alt }).verdict,
    }));
  }
  return out;
}

function notABandValue(value: unknown): string {
  const unplaced = 'it cannot be in or out of the band, so there is no band check';
  if (typeof value !== 'number')
    return `compares evaluated to ${JSON.stringify(fromCel(value))}, not a number: ${unplaced}`;
  const why = Number.isNaN(value)
    ? '0.0 / 0.0 gives it, as does any operation on a NaN'
    : 'a division by zero gives it';
  return `compares evaluated to ${String(value)} (${why}), not a finite number: ${unplaced}`;
}

function roundForEvidence(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : x;
}

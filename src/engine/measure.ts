/**
 * Measures what the selected gates need, each measurement once, all concurrently,
 * each bounded by its source's timeout: a slow source halts its own gates and nothing else.
 */
import type { Evidence, HaltReason } from '../model/result.js';
import { type EvalContext, halt, type MeasurementOutcome, type MeasurementSource } from '../sources/types.js';
import { UsageError } from '../spec/problems.js';
import type { MeasurementSpec, SourceKind } from '../spec/types.js';

export type SourceRegistry = Partial<Record<SourceKind, MeasurementSource>>;

export interface MeasureOptions {
  sources: SourceRegistry;
  context: Omit<EvalContext, 'signal'>;
  timeoutMs: number;
}

export class Measurer {
  private readonly memo = new Map<string, Promise<MeasurementOutcome>>();
  private readonly unvouchedCounts = new Map<string, string>();

  constructor(
    private readonly measurements: ReadonlyMap<string, MeasurementSpec>,
    private readonly opts: MeasureOptions,
  ) {}

  get(id: string): Promise<MeasurementOutcome> {
    let p = this.memo.get(id);
    if (!p) {
      p = this.measureWithLiveness(id);
      this.memo.set(id, p);
    }
    return p;
  }

  /**
   * Why a condition over `ids` cannot pass: a count among them read some events, which are
   * real, but its liveness measurement does not show the channel producing over the window,
   * so more may have gone unrecorded. Each such count is named; undefined when there is none.
   * Known once the measurements' `get` has settled. The one rule for gates and data gates.
   */
  unvouchedReason(ids: readonly string[]): string | undefined {
    const why = ids.flatMap((id) => {
      const w = this.unvouchedCounts.get(id);
      return w ? [`${id}: ${w}`] : [];
    });
    return why.length ? why.join('; ') : undefined;
  }

  private async measureWithLiveness(id: string): Promise<MeasurementOutcome> {
    const m = this.measurements.get(id);
    if (!m) return halt('error', `measurement '${id}' is not declared`);
    const own = this.measureOnce(m);
    if (!m.counts_events || !m.liveness) return own;
    const [outcome, live] = await Promise.all([own, this.get(m.liveness)]);
    // A count that halted read no zero to vouch for: its own reason (a broken query, stale
    // rows) is what to act on, and a halted or silent liveness must not stand in its place.
    if (outcome.status === 'halt') return outcome;
    const silent = silence(m.liveness, live);
    const evidence = { ...outcome.evidence, liveness: silent.evidence };
    if (silent.text === undefined) return { ...outcome, evidence };
    // Events that were recorded are real whatever the liveness says, so they can still fire a
    // gate; but a silent channel may have recorded only some of them, so they cannot clear one.
    if (Number(outcome.value) > 0) {
      const n = Number(outcome.value);
      this.unvouchedCounts.set(
        m.id,
        `${n} event${n === 1 ? '' : 's'} counted, but ${silent.text}: the count may be short, so it cannot clear the gate`,
      );
      return { ...outcome, evidence };
    }
    return halt('missing', `zero events cannot be read as clean: ${silent.text}`, evidence);
  }

  private async measureOnce(m: MeasurementSpec): Promise<MeasurementOutcome> {
    const source = this.opts.sources[m.source];
    if (!source) return halt('error', `no ${m.source} source is configured for this run`);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let startTimer = () => {};
    const timeout = new Promise<MeasurementOutcome>((resolve) => {
      startTimer = () => {
        timer ??= setTimeout(() => {
          controller.abort();
          resolve(halt('error', `the ${m.source} source timed out after ${this.opts.timeoutMs / 1000}s`));
        }, this.opts.timeoutMs);
      };
    });
    if (source.timedFromStart !== false) startTimer();
    try {
      return await Promise.race([
        source
          .measure(m, { ...this.opts.context, signal: controller.signal, started: startTimer })
          .catch((e: unknown): MeasurementOutcome => {
            // A source refusing the invocation itself (a malformed connection string) ends the
            // run with exit 3, said once, rather than halting each of its measurements alike.
            if (e instanceof UsageError) throw e;
            return halt('error', `the ${m.source} source failed: ${e instanceof Error ? e.message : String(e)}`);
          }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Whether a liveness measurement shows its channel producing. `text` says how it fails to (it
 * halted, or it was measured and shows no production: a count of 0, false) and is absent when
 * it does; `evidence` is what it read, with its value, which a source may keep out of its own.
 */
function silence(id: string, live: MeasurementOutcome): { text?: string; evidence: Evidence } {
  if (live.status === 'halt') {
    // Sources name their measurement first; here the sentence has just named it.
    const own = `measurement '${id}': `;
    const why = live.reason.startsWith(own) ? live.reason.slice(own.length) : live.reason;
    return {
      text: `liveness measurement '${id}' halted (${live.halt}: ${why})`,
      evidence: { id, halt: live.halt, reason: live.reason, ...live.evidence },
    };
  }
  const value = live.value instanceof Date ? live.value.toISOString() : live.value;
  const evidence = { id, value, ...live.evidence };
  if (value === false || (typeof value === 'number' && !(value > 0))) {
    return { text: `liveness measurement '${id}' is ${String(value)}, so the channel was not producing`, evidence };
  }
  return { evidence };
}

/** When several measurements halt, the gate reports the one most in need of a person first. */
export const HALT_PRIORITY: readonly HaltReason[] = [
  'error',
  'missing',
  'stale',
  'insufficient',
  'pending',
  'unsigned',
];

export function outcomeEvidence(m: MeasurementSpec, o: MeasurementOutcome, value: unknown): Evidence {
  const head: Evidence = { source: m.source };
  if (o.status === 'ok') return { ...head, value: value as Evidence[string], ...o.evidence };
  return { ...head, halt: o.halt, reason: o.reason, ...o.evidence };
}

/**
 * Load-time checks of a measurement's `telemetry:` block that the JSON Schema cannot express:
 * the metric exists, and the options fit it. Kept next to the metrics so they cannot drift.
 */
import type { TelemetrySpec, ValueType } from '../../spec/types.js';
import { METRIC_BY_NAME, METRICS } from './metrics.js';
import { negatedPattern } from './read.js';

export interface TelemetryProblem {
  /** The key of the telemetry block the problem is about. */
  key: keyof TelemetrySpec;
  message: string;
}

export function telemetryProblems(
  spec: TelemetrySpec,
  suggest: (word: string, candidates: string[]) => string,
): TelemetryProblem[] {
  const def = METRIC_BY_NAME.get(spec.metric);
  if (!def) {
    const names = METRICS.map((m) => m.name);
    return [
      {
        key: 'metric',
        message: `unknown telemetry metric '${spec.metric}'${suggest(spec.metric, names)}; one of ${names.join(', ')}`,
      },
    ];
  }
  const out: TelemetryProblem[] = [];
  for (const f of spec.files ?? []) {
    const why = negatedPattern(f);
    if (why !== undefined) out.push({ key: 'files', message: `telemetry.files: ${why}` });
  }
  const perSession = spec.per === 'session';
  if (spec.aggregate !== undefined && !perSession) {
    out.push({ key: 'aggregate', message: 'aggregate folds per-session values: it needs per: session' });
  }
  if (def.invariant) {
    if (perSession) {
      out.push({ key: 'per', message: `${def.name} counts violations across sessions: per: session does not apply` });
    }
  } else if (spec.min_events !== undefined) {
    out.push({ key: 'min_events', message: `min_events applies to the invariant metrics only, not ${def.name}` });
  }
  if (spec.min_sessions !== undefined && !perSession) {
    out.push({ key: 'min_sessions', message: 'min_sessions needs per: session' });
  }
  if (spec.last_turns !== undefined && spec.min_turns !== undefined && spec.min_turns > spec.last_turns) {
    out.push({
      key: 'min_turns',
      message: `min_turns ${spec.min_turns} can never be met over the last ${spec.last_turns} turns${perSession ? ' of a session' : ''}: lower min_turns or raise last_turns`,
    });
  }
  return out;
}

/** The CEL type a telemetry measurement produces. */
export function telemetryType(spec: TelemetrySpec): ValueType | undefined {
  const def = METRIC_BY_NAME.get(spec.metric);
  if (!def) return undefined;
  // A mean of per-session counts is not a count.
  if (spec.per === 'session' && spec.aggregate === 'mean') return 'double';
  return def.type;
}

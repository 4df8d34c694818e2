/**
 * Telemetry measurements: stream the JSONL files, fold the window, compute one metric, and
 * halt whenever the data cannot carry the number (no file, a mostly malformed file, too few
 * turns or sessions, an invariant never exercised, nothing recent enough).
 */
import type { Evidence, EvidenceValue } from '../../model/result.js';
import type { MeasurementSpec, TelemetrySpec } from '../../spec/types.js';
import { formatAge, parseDuration } from '../../util/duration.js';
import { type EvalContext, halt, type MeasurementOutcome, type MeasurementSource, ok } from '../types.js';
import { type InvariantName, METRIC_BY_NAME, type MetricDef, type Totals } from './metrics.js';
import {
  describeMidStream,
  describeSkipped,
  describeUnreadable,
  matchTelemetryFiles,
  negatedPattern,
  notFiles,
} from './read.js';
import { describeDuplicate, type ScanResult, scanFiles, type Violation, whyNoTurns } from './scan.js';

/** How many violations and excluded sessions are named in evidence. */
const SHOWN = 20;

export class TelemetryMeasurementSource implements MeasurementSource {
  readonly kind = 'telemetry' as const;
  /**
   * Measurements over the same files and window share one pass: an RFC's telemetry gates
   * mostly read one window, and a pass over a large file is the whole cost.
   */
  readonly #scans = new Map<string, Promise<ScanResult>>();
  readonly #onProgress: ((done: number, total: number, pass: number) => void) | undefined;

  constructor(opts: { onProgress?: (done: number, total: number, pass: number) => void } = {}) {
    this.#onProgress = opts.onProgress;
  }

  async measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome> {
    if (m.source !== 'telemetry') return halt('error', `measurement '${m.id}' is not a telemetry measurement`);
    const because = (r: string) => `measurement '${m.id}': ${r}`;
    const spec = m.telemetry;
    const patterns = spec.files ?? ctx.manifest.telemetry?.files;
    if (!patterns?.length) {
      return halt('error', because('names no telemetry files (telemetry.files, or telemetry.files in rfc.yaml)'));
    }
    const def = METRIC_BY_NAME.get(spec.metric);
    if (!def) return halt('error', because(`unknown telemetry metric '${spec.metric}'`));
    // rfc.yaml's files are not checked with the measurement's: a `!` there is caught here.
    const negated = patterns.map(negatedPattern).find((w) => w !== undefined);
    if (negated !== undefined) return halt('error', because(negated));
    const rangeMs = spec.window === undefined ? undefined : parseDuration(spec.window);
    if (spec.window !== undefined && rangeMs === undefined) {
      return halt('error', because(`window "${spec.window}" is not a duration like 7d`));
    }
    const base: Evidence = {
      files: patterns,
      metric: spec.metric,
      as_of: ctx.asOf.toISOString(),
      ...(rangeMs !== undefined ? { window_start: new Date(ctx.asOf.getTime() - rangeMs).toISOString() } : {}),
      ...(spec.last_turns !== undefined ? { last_turns: spec.last_turns } : {}),
      per: spec.per ?? 'all',
    };

    const { files, missing, unreadable, skipped } = await matchTelemetryFiles(ctx.repoDir, patterns);
    // Skipped like a malformed line: the rest still reads, and the evidence says what was left out.
    if (skipped.length) base.skipped_files = skipped.map(describeSkipped);
    // Named before "no file matches": when the broken link is all a glob matched, it is the cause.
    const [broken] = unreadable;
    if (broken) {
      return halt(
        'missing',
        because(
          `${describeUnreadable(broken)}${unreadable.length > 1 ? ` (and ${unreadable.length - 1} more)` : ''}: the turns it should hold cannot be read`,
        ),
        { ...base, unreadable_files: unreadable.map((u) => `${u.path}: ${u.why}`) },
      );
    }
    // Named before "no file matches": a folder named for its files matches none of them.
    const [notFile] = await notFiles(ctx.repoDir, missing);
    if (notFile !== undefined) return halt('missing', because(notFile), base);
    // Before "no file matches": a file named outright and gone is the more exact reason.
    if (missing.length) {
      return halt(
        'missing',
        because(
          `telemetry ${missing.length === 1 ? 'file' : 'files'} ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist (named without a glob, so expected)`,
        ),
        base,
      );
    }
    if (files.length === 0) {
      const [first] = skipped;
      const only = first
        ? `: ${describeSkipped(first)}${skipped.length > 1 ? ` (and ${skipped.length - 1} more)` : ''}`
        : '';
      return halt('missing', because(`no telemetry file matches ${patterns.join(', ')}${only}`), base);
    }
    let scan: ScanResult;
    try {
      const perSession = spec.per === 'session';
      // perSession changes the pass only through last_turns (one ring per session).
      const key = JSON.stringify([files, ctx.asOf.getTime(), rangeMs, spec.last_turns, spec.last_turns && perSession]);
      let pending = this.#scans.get(key);
      if (!pending) {
        const progress = this.#onProgress;
        // Each window is a pass of its own over the files, numbered so a display can tell them apart.
        const pass = this.#scans.size + 1;
        pending = scanFiles(ctx.repoDir, files, {
          asOf: ctx.asOf,
          ...(rangeMs !== undefined ? { rangeMs } : {}),
          ...(spec.last_turns !== undefined ? { lastTurns: spec.last_turns } : {}),
          perSession,
          signal: ctx.signal,
          ...(progress ? { onProgress: (done: number, total: number) => progress(done, total, pass) } : {}),
        });
        this.#scans.set(key, pending);
      }
      scan = await pending;
    } catch (e) {
      return halt('error', because(`cannot read telemetry: ${e instanceof Error ? e.message : String(e)}`), base);
    }
    const outcome = decide(def, spec, scan, ctx.asOf, base);
    return outcome.status === 'halt' ? { ...outcome, reason: because(outcome.reason) } : outcome;
  }

  async close(): Promise<void> {
    this.#scans.clear();
  }
}

function readEvidence(scan: ScanResult): Evidence {
  const r = scan.read;
  const ev: Evidence = {
    read: r.files.map((f) => ({ path: f.path, lines: f.lines, records: f.records, malformed: f.malformed })),
  };
  if (r.malformed > 0) {
    ev.malformed = r.malformed;
    ev.malformed_lines = r.firstMalformed.map((x) => `${x.file}:${x.line}: ${x.reason}`);
  }
  const cut = r.files.filter((f) => f.endsMidStream);
  if (cut.length > 0) ev.ends_mid_stream = cut.map(describeMidStream);
  if (scan.afterAsOf > 0) ev.records_after_as_of = scan.afterAsOf;
  if (scan.duplicates.count > 0) {
    ev.duplicate_turns = scan.duplicates.count;
    ev.duplicate_turns_left_out = scan.duplicates.first.map(describeDuplicate);
  }
  if (scan.tracesWithoutTurn > 0) ev.fork_traces_without_turn = scan.tracesWithoutTurn;
  return ev;
}

function totalsEvidence(t: Totals): Evidence {
  return {
    turns: t.turns,
    input_tokens: t.input,
    cache_read_tokens: t.cacheRead,
    cache_creation_tokens: t.cacheCreation,
    ...(t.forkTraces > 0 ? { fork_traces: t.forkTraces } : {}),
    ...(t.unknownReason === undefined
      ? {}
      : {
          unknown_cache_miss_reason: {
            type: t.unknownReason.type,
            turns: t.unknownReasons,
            first_at: t.unknownReason.at,
          },
        }),
    ...(t.firstTs !== undefined && t.lastTs !== undefined
      ? { first_turn_at: new Date(t.firstTs).toISOString(), last_turn_at: new Date(t.lastTs).toISOString() }
      : {}),
  };
}

/**
 * The violations a halted invariant saw all the same, as a clause of its reason ('' for none):
 * the first by session and turn, where it was read, and how many there were.
 */
function violationsSeen(kind: InvariantName, vs: readonly Violation[]): string {
  const [v] = vs;
  if (!v) return '';
  return `; ${vs.length} violation${vs.length === 1 ? '' : 's'} seen all the same, first ${describeViolation(kind, v)}`;
}

/**
 * One violation as a person reads it, short enough for a table cell: the session, the marked
 * turn, the turn that missed (the next one after a compaction) and how, and where it was read.
 */
function describeViolation(kind: InvariantName, v: Violation): string {
  const how = v.cause === 'message_prefix miss' ? 'missed the cached message prefix' : 'read nothing from the cache';
  const missed = kind === 'compaction' ? `: turn ${v.missed_turn}` : '';
  return `session ${v.session} turn ${v.turn} (${kind})${missed} ${how} (${v.file}:${v.line})`;
}

/** "1 turn", "2 turns": a reason is read as a sentence. */
const turns = (n: number): string => `${n} turn${n === 1 ? '' : 's'}`;

/** The value of one metric over a scan, or the reason it has none. Pure: tests call it directly. */
export function decide(
  def: MetricDef,
  spec: TelemetrySpec,
  scan: ScanResult,
  asOf: Date,
  base: Evidence = {},
): MeasurementOutcome {
  const evidence: Evidence = { ...base, ...readEvidence(scan) };
  const bad = scan.read.mostlyMalformed;
  if (bad.length > 0) {
    const f = bad[0] as (typeof bad)[number];
    const first = f.firstMalformed;
    return halt(
      'error',
      `${f.path} is mostly malformed (${f.malformed} of ${f.malformed + f.records} records)${first ? `, first at ${first.file}:${first.line}: ${first.reason}` : ''}; a ratio from what is left would mislead`,
      evidence,
    );
  }
  if (spec.max_age !== undefined) {
    const maxAge = parseDuration(spec.max_age);
    if (maxAge === undefined) return halt('error', `max_age "${spec.max_age}" is not a duration`, evidence);
    // A window without a turn is no measurement, not stale data: said below as never started
    // or went dark (the louder alarm), as the SQL source says an empty window before its age.
    if (scan.overall.turns > 0 && scan.newestTs !== undefined && asOf.getTime() - scan.newestTs > maxAge) {
      const newest = new Date(scan.newestTs).toISOString();
      const age = formatAge(asOf.getTime() - scan.newestTs);
      // Worded as the SQL source words a stale row, so one table reads alike whatever the source.
      return halt('stale', `the newest turn (${newest}) is ${age} old, older than max_age ${spec.max_age}`, {
        ...evidence,
        newest_turn_at: newest,
        max_age: spec.max_age,
      });
    }
  }
  const minTurns = spec.min_turns ?? 1;
  Object.assign(evidence, totalsEvidence(scan.overall), def.evidence?.(scan.overall), {
    sessions: scan.sessions.size,
  });
  // No turn at all is no measurement, not thin data (as a SQL window without rows): what the
  // files hold outside the window says whether the log went quiet, starts later, or is empty.
  if (scan.overall.turns === 0) {
    const empty = whyNoTurns(scan, asOf, spec.window);
    return halt('missing', empty.reason, {
      ...evidence,
      channel: empty.channel,
      ...(scan.newestTs !== undefined ? { newest_turn_at: new Date(scan.newestTs).toISOString() } : {}),
      ...(scan.firstTsAfterAsOf !== undefined
        ? { first_turn_after_as_of: new Date(scan.firstTsAfterAsOf).toISOString() }
        : {}),
    });
  }

  if (def.invariant) {
    const check = scan.invariants[def.invariant];
    const minEvents = spec.min_events ?? 1;
    const ev: Evidence = {
      ...evidence,
      [`${def.invariant}_turns_checked`]: check.checked,
      ...(check.unchecked > 0 ? { [`${def.invariant}_turns_awaiting_next_turn`]: check.unchecked } : {}),
      ...(check.pastLifetime > 0 ? { [`${def.invariant}_turns_past_cache_lifetime`]: check.pastLifetime } : {}),
      ...(check.notCounted > 0 ? { [`${def.invariant}_turns_without_cache_counter`]: check.notCounted } : {}),
      ...(check.modelChanged > 0 ? { [`${def.invariant}_turns_after_model_change`]: check.modelChanged } : {}),
      ...(check.firstTurn > 0 ? { [`${def.invariant}_turns_on_first_turn`]: check.firstTurn } : {}),
      violations: check.violations.slice(0, SHOWN).map((v) => ({ ...v }) as unknown as EvidenceValue),
    };
    // Thin data halts, but a violation seen in it is a fact: named, so a halt never hides a broken cache.
    const seen = violationsSeen(def.invariant, check.violations);
    if (scan.overall.turns < minTurns) {
      return halt(
        'insufficient',
        `${turns(scan.overall.turns)} in the window, fewer than min_turns ${minTurns}${seen}`,
        ev,
      );
    }
    if (check.checked < minEvents) {
      // Marked turns that could not be judged exercised the invariant without deciding it: said, not hidden.
      const undecided = [
        check.pastLifetime > 0 ? `${check.pastLifetime} more read nothing past the cache's lifetime` : '',
        check.unchecked > 0 ? `${check.unchecked} more still await their next turn` : '',
        check.notCounted > 0
          ? `${check.notCounted} more whose deciding turn carries no cache counter and no fork trace`
          : '',
        check.modelChanged > 0
          ? `${check.modelChanged} more read nothing on another model than the turn before, with no fork trace`
          : '',
        check.firstTurn > 0
          ? `${check.firstTurn} more ${check.firstTurn === 1 ? 'was its' : 'were their'} session's first turn, with nothing cached before ${check.firstTurn === 1 ? 'it' : 'them'}`
          : '',
      ].filter(Boolean);
      const why =
        check.violations.length > 0
          ? 'too few were judged to give a count'
          : `${undecided.length ? 'too few were judged' : 'the invariant was not exercised'}, so zero violations would mean nothing`;
      return halt(
        // What could not be judged for want of a measurement is missing, not thin.
        check.notCounted > 0 ? 'missing' : 'insufficient',
        `${check.checked} ${def.invariant} turn${check.checked === 1 ? '' : 's'} checked in the window${undecided.length ? ` (${undecided.join(', ')}: they cannot be judged)` : ''}, fewer than min_events ${minEvents}: ${why}${seen}`,
        ev,
      );
    }
    const [first] = check.violations;
    return first
      ? ok(check.violations.length, ev, `first violation: ${describeViolation(def.invariant, first)}`)
      : ok(0, ev);
  }

  const compute = def.compute as NonNullable<MetricDef['compute']>;
  /** The turns a window holds for min_turns, when too few. */
  const thin = (t: Totals): string | undefined => (t.turns >= minTurns ? undefined : turns(t.turns));
  if ((spec.per ?? 'all') === 'all') {
    const few = thin(scan.overall);
    if (few !== undefined)
      return halt('insufficient', `${few} in the window, fewer than min_turns ${minTurns}`, evidence);
    const v = compute(scan.overall, scan.overall, scan.sessions);
    return 'value' in v ? ok(v.value, evidence) : halt(v.halt, v.reason, evidence);
  }

  const values: { session: string; value: number; totals: Totals }[] = [];
  const excluded: string[] = [];
  // A session with enough turns whose value is missing (an unknown price, no attribution) or
  // 0/0 (every input token a cache write: a session that never read the cache) may be the one
  // that decides the aggregate: leaving it out would fold the rest as if it were.
  const missing: string[] = [];
  let anyMissing = false;
  for (const [id, s] of [...scan.sessions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const few = thin(s.totals);
    if (few !== undefined) {
      excluded.push(`${id}: ${few}`);
      continue;
    }
    const v = compute(s.totals, scan.overall);
    if ('value' in v) values.push({ session: id, value: v.value, totals: s.totals });
    else {
      missing.push(`${id}: ${v.reason}`);
      if (v.halt === 'missing') anyMissing = true;
    }
  }
  const minSessions = spec.min_sessions ?? 1;
  const aggregate = spec.aggregate ?? 'min';
  const ev: Evidence = {
    ...evidence,
    aggregate,
    sessions_counted: values.length,
    ...(excluded.length ? { sessions_excluded: excluded.slice(0, SHOWN) } : {}),
    ...(missing.length ? { sessions_without_value: missing.slice(0, SHOWN) } : {}),
  };
  if (missing.length) {
    return halt(
      anyMissing ? 'missing' : 'insufficient',
      `${missing.length} session${missing.length === 1 ? '' : 's'} with enough turns (min_turns ${minTurns}) ${missing.length === 1 ? 'has' : 'have'} no value, so the ${aggregate} over sessions is unknown: ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`,
      ev,
    );
  }
  if (values.length < minSessions) {
    return halt(
      'insufficient',
      `${values.length} session${values.length === 1 ? '' : 's'} with enough turns (min_turns ${minTurns}) and a value, fewer than min_sessions ${minSessions}`,
      ev,
    );
  }
  const nums = values.map((v) => v.value);
  // Folded, not spread: a fleet has more sessions than a call has room for arguments.
  const sum = nums.reduce((a, b) => a + b, 0);
  const value =
    aggregate === 'min'
      ? nums.reduce((a, b) => Math.min(a, b), Infinity)
      : aggregate === 'max'
        ? nums.reduce((a, b) => Math.max(a, b), -Infinity)
        : sum / nums.length;
  // A mean over more sessions than are listed is re-derived from their sum and their count.
  if (aggregate === 'mean') ev.sum_of_session_values = sum;
  // The sessions that decided the value, worst first for min, so a reader sees where to look;
  // each with the counts its own value is computed from.
  const ranked = [...values].sort((a, b) => (aggregate === 'max' ? b.value - a.value : a.value - b.value));
  ev.by_session = ranked.slice(0, SHOWN).map((v) => ({
    session: v.session,
    value: v.value,
    ...totalsEvidence(v.totals),
    ...def.evidence?.(v.totals),
  }));
  return ok(value, ev);
}

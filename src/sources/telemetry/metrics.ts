/**
 * The metrics a telemetry measurement may name, as pure functions of running totals. Each
 * says when it cannot be computed (no tokens, no breakpoints recorded, no attribution), so
 * the source halts instead of reporting a number that means nothing.
 */
import { BREAKPOINT_LIMIT, describeCacheLookalike, MISS_SOURCES, type MissSource, type TurnRecord } from './records.js';

/** Prompt-cache prices relative to an uncached input token. */
export const PRICE = { input: 1, write5m: 1.25, write1h: 2, read: 0.1 } as const;

export interface Totals {
  turns: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  creation5m: number;
  creation1h: number;
  /**
   * Cache writes of records without the 5m/1h split (OpenTelemetry spans, usage without
   * cache_creation): priced at the API's default 5-minute TTL unless the same totals hold
   * 1-hour writes, when their price is unknown (writesOfUnknownPrice).
   */
  creationUnsplit: number;
  /** Turns with cache_read > 0. */
  hitTurns: number;
  /** Turns whose record carries a cache counter at all (TurnRecord.cacheCounted). */
  cacheCounted: number;
  /** The first TurnRecord.cacheLookalike of a turn without a cache counter: what "no cache counter" names. */
  cacheLookalike: string | undefined;
  /** Where that turn's record lies, as file:line: where to rename it. */
  cacheLookalikeAt: string | undefined;
  /** Turns whose record carries a breakpoint count, and those over the limit. */
  withBreakpoints: number;
  overBreakpointLimit: number;
  /** Where the first turn without a breakpoint count lies, as file:line: where the limit went unchecked. */
  withoutBreakpointsAt: string | undefined;
  /** Turns with fork traces counted (two traces of one turn are one, naming the union of their sources), and misses named by them. */
  forkTraces: number;
  misses: Record<MissSource, number>;
  /**
   * Traced turns whose cache diagnosis gives a reason no miss source stands for (a type the API
   * added after this reader), read as naming none; the first such type, and its file:line.
   */
  unknownReasons: number;
  unknownReason: { type: string; at: string } | undefined;
  /**
   * Turns that read nothing from the cache within its lifetime of their session's previous turn:
   * misses for certain, which fork traces should explain.
   */
  readNothing: number;
  /** Those of them whose own turn no fork trace naming a source explains: misses of unknown source. */
  readNothingUnexplained: number;
  firstTs: number | undefined;
  lastTs: number | undefined;
}

export function emptyTotals(): Totals {
  return {
    turns: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheCreation: 0,
    creation5m: 0,
    creation1h: 0,
    creationUnsplit: 0,
    hitTurns: 0,
    cacheCounted: 0,
    cacheLookalike: undefined,
    cacheLookalikeAt: undefined,
    withBreakpoints: 0,
    overBreakpointLimit: 0,
    withoutBreakpointsAt: undefined,
    forkTraces: 0,
    misses: Object.fromEntries(MISS_SOURCES.map((s) => [s, 0])) as Record<MissSource, number>,
    unknownReasons: 0,
    unknownReason: undefined,
    readNothing: 0,
    readNothingUnexplained: 0,
    firstTs: undefined,
    lastTs: undefined,
  };
}

/** `file` and `line` are where the record lies, for a cache counter under another name to be found by. */
export function addTurn(t: Totals, r: TurnRecord, file?: string, line?: number): void {
  t.turns++;
  t.input += r.input;
  t.output += r.output;
  t.cacheRead += r.cacheRead;
  t.cacheCreation += r.cacheCreation;
  if (r.creation5m !== undefined && r.creation1h !== undefined) {
    t.creation5m += r.creation5m;
    t.creation1h += r.creation1h;
  } else {
    t.creationUnsplit += r.cacheCreation;
  }
  if (r.cacheRead > 0) t.hitTurns++;
  if (r.cacheCounted) t.cacheCounted++;
  else if (r.cacheLookalike !== undefined && t.cacheLookalike === undefined) {
    t.cacheLookalike = r.cacheLookalike;
    if (file !== undefined && line !== undefined) t.cacheLookalikeAt = `${file}:${line}`;
  }
  if (r.breakpoints !== undefined) {
    t.withBreakpoints++;
    if (r.breakpoints > BREAKPOINT_LIMIT) t.overBreakpointLimit++;
  } else if (t.withoutBreakpointsAt === undefined && file !== undefined && line !== undefined) {
    t.withoutBreakpointsAt = `${file}:${line}`;
  }
  if (t.firstTs === undefined || r.ts < t.firstTs) t.firstTs = r.ts;
  if (t.lastTs === undefined || r.ts > t.lastTs) t.lastTs = r.ts;
}

/** `unknown`: the trace's cache diagnosis names a reason no source stands for, and where it lies. */
export function addMisses(t: Totals, misses: readonly MissSource[], unknown?: { type: string; at: string }): void {
  t.forkTraces++;
  for (const m of misses) t.misses[m]++;
  if (unknown !== undefined) {
    t.unknownReasons++;
    // The earliest in the files, whatever order the traces are counted in.
    if (t.unknownReason === undefined || byPlace(unknown.at, t.unknownReason.at) < 0) t.unknownReason = unknown;
  }
}

/** file:line places in file order, then line order. */
function byPlace(a: string, b: string): number {
  const i = a.lastIndexOf(':');
  const j = b.lastIndexOf(':');
  const fa = a.slice(0, i);
  const fb = b.slice(0, j);
  return fa < fb ? -1 : fa > fb ? 1 : Number(a.slice(i + 1)) - Number(b.slice(j + 1));
}

/**
 * What a report says of the cache diagnoses whose reason no source stands for: how many turns,
 * the first type and where it lies, and that it is read as naming no source.
 */
export function describeUnknownReasons(n: number, r: { type: string; at: string }): string {
  return `${n} traced turn${n === 1 ? '' : 's'} carr${n === 1 ? 'ies' : 'y'} a diagnostics.cache_miss_reason type no miss source stands for (${JSON.stringify(r.type)}, first at ${r.at}), read as naming none`;
}

/** The roadmap's cache hit ratio: cache_read / (cache_read + input). */
export function cacheHitRatio(t: Pick<Totals, 'cacheRead' | 'input'>): number | undefined {
  const d = t.cacheRead + t.input;
  return d > 0 ? t.cacheRead / d : undefined;
}

/** Share of every input token, written or read, that was read from the cache. */
export function tokenWeightedHitRatio(t: Pick<Totals, 'cacheRead' | 'input' | 'cacheCreation'>): number | undefined {
  const d = t.input + t.cacheCreation + t.cacheRead;
  return d > 0 ? t.cacheRead / d : undefined;
}

/**
 * Share of turns that read anything from the cache. None when no turn sent a token: turns that
 * sent nothing, cached or not, never asked the cache, so 0 would read as a breakpoint that
 * reaches no turn (as the ratios beside it, which are 0/0 there).
 */
export function requestHitRate(
  t: Pick<Totals, 'hitTurns' | 'turns' | 'input' | 'cacheCreation' | 'cacheRead'>,
): number | undefined {
  return t.turns > 0 && t.input + t.cacheCreation + t.cacheRead > 0 ? t.hitTurns / t.turns : undefined;
}

/**
 * Writes without the 5m/1h split beside writes known to be 1-hour ones: they may be either,
 * so they have no price. (With no 1-hour write in sight they are the API's default TTL, 5m.)
 */
export function writesOfUnknownPrice(t: Pick<Totals, 'creationUnsplit' | 'creation1h'>): boolean {
  return t.creationUnsplit > 0 && t.creation1h > 0;
}

/**
 * What the input actually cost relative to sending it all uncached: 1.0 means caching saved
 * nothing; writes cost 1.25× (5m) or 2× (1h), reads 0.1×. None when no tokens were sent or
 * some writes have no known price.
 */
export function costMultiplier(t: Totals): number | undefined {
  const tokens = t.input + t.cacheCreation + t.cacheRead;
  if (tokens === 0 || writesOfUnknownPrice(t)) return undefined;
  const cost =
    t.input * PRICE.input +
    (t.creation5m + t.creationUnsplit) * PRICE.write5m +
    t.creation1h * PRICE.write1h +
    t.cacheRead * PRICE.read;
  return cost / tokens;
}

export type MetricValue = { value: number } | { halt: 'insufficient' | 'missing'; reason: string };

export type InvariantName = 'compaction' | 'injection';

export interface MetricDef {
  name: string;
  type: 'double' | 'int';
  description: string;
  /** Set for the invariant metrics: a count of violations, decided by the invariant checker. */
  invariant?: InvariantName;
  /**
   * Metrics over totals; invariant metrics have none. With per: session, `all` is every
   * session's totals, `t` one session's. With per: all, `sessions` holds each session's totals,
   * for a value that is known only when every session's is.
   */
  compute?: (t: Totals, all?: Totals, sessions?: SessionTotals) => MetricValue;
  /**
   * The counts, beyond the tokens and turns every measurement's evidence shows, that the value
   * is computed from: a reader re-derives it from the evidence alone.
   */
  evidence?: (t: Totals) => Record<string, number>;
}

const noTokens: MetricValue = { halt: 'insufficient', reason: 'no input tokens in the window' };
const ratio = (x: number | undefined, none: MetricValue = noTokens): MetricValue =>
  x === undefined ? none : { value: x };

/**
 * Why the roadmap ratio has no value: its denominator leaves cache writes out, so turns whose
 * every input token was written to the cache sent input all the same.
 */
const noReadOrInput = (t: Totals): MetricValue =>
  t.cacheCreation > 0
    ? {
        halt: 'insufficient',
        reason: `cache_read + input is 0 in the window: all ${t.cacheCreation} input tokens were cache writes, which this ratio leaves out, so it is 0/0 (cache_hit_ratio_token_weighted counts them)`,
      }
    : noTokens;

/** Whether any turn of the totals says how much it read from the cache and wrote to it. */
export function cacheMeasured(t: Pick<Totals, 'turns' | 'cacheCounted'>): boolean {
  return t.turns === 0 || t.cacheCounted > 0;
}

/** Why a cache metric has no value when no turn measured the cache, naming a counter under another name. */
function notMeasured(t: Pick<Totals, 'cacheLookalike' | 'cacheLookalikeAt'>): MetricValue {
  return {
    halt: 'missing',
    reason: `no record in the window carries a cache counter (cache_read_input_tokens, cache_creation_input_tokens, gen_ai.usage.cache_read.input_tokens or gen_ai.usage.cache_creation.input_tokens): the cache was not measured, so a ratio would mean nothing${t.cacheLookalike === undefined ? '' : `; its records carry ${describeCacheLookalike(t.cacheLookalike, t.cacheLookalikeAt)}`}`,
  };
}

/** A cache metric: its value, unless no turn measured the cache. */
const cacheMetric =
  (f: (t: Totals) => MetricValue) =>
  (t: Totals): MetricValue =>
    cacheMeasured(t) ? f(t) : notMeasured(t);

/**
 * Why a window's (or session's) misses are not known, or undefined when they are. No trace
 * anywhere says nothing is recorded. Once traces are, a session's misses are known unless one
 * of its turns read nothing and no trace of that turn names a source (that miss is unexplained:
 * a trace explains its own turn, not the session's other misses), or, with no trace naming a
 * source, none of its turns says what it read. A trace naming no source (`misses: []`, from a
 * writer that traces every turn) shows that traces are written, but attributes nothing: a
 * session whose traces are all empty is judged by its reads, as one without traces. `all` is
 * the whole window's totals.
 */
export function missesUnknown(t: Totals, all: Totals = t): string | undefined {
  const why = attributionUnknown(t, all);
  if (why !== undefined || t.readNothingUnexplained === 0) return why;
  // Its other turns' traces name sources, so a count of them would read as the session's misses.
  return describeUnexplained(t, t.readNothingUnexplained, ', though fork traces of its other turns name theirs');
}

/**
 * missesUnknown, but for the reads of nothing left unexplained beside traces that name a
 * source: the window as a whole leaves those to its sessions, which name where they lie.
 */
function attributionUnknown(t: Totals, all: Totals): string | undefined {
  if (all.forkTraces === 0) {
    return 'no fork-trace record in the window: miss attribution is not being recorded, so zero would mean nothing';
  }
  if (MISS_SOURCES.some((s) => t.misses[s] > 0)) return undefined;
  if (t.readNothing > 0) return describeUnexplained(t, t.readNothing, '');
  if (!cacheMeasured(t)) {
    return 'no fork trace and no cache counter on any turn: whether its turns missed the cache is not known';
  }
  return undefined;
}

/** `n` turns that read nothing and no trace of theirs explains, as a halt says it. */
function describeUnexplained(t: Totals, n: number, others: string): string {
  // A reason the API gave and this reader cannot map may be why: said, not guessed at.
  const unknown = t.unknownReason === undefined ? '' : `; ${describeUnknownReasons(t.unknownReasons, t.unknownReason)}`;
  return `${n} turn${n === 1 ? '' : 's'} read nothing from the cache within its lifetime, and no fork trace says why${others}${unknown}`;
}

/** Each session's totals in the window, by session id. */
export type SessionTotals = ReadonlyMap<string, { readonly totals: Totals }>;

/**
 * Why the misses of the whole window are not known, or undefined when they are. They are the
 * sum of its sessions' misses: one session whose misses are unknown leaves the sum unknown,
 * however well the other sessions are traced.
 */
export function windowMissesUnknown(all: Totals, sessions: SessionTotals): string | undefined {
  const own = attributionUnknown(all, all);
  if (own !== undefined) return own;
  let unknown = 0;
  let first: { id: string; reason: string } | undefined;
  for (const [id, s] of sessions) {
    const reason = missesUnknown(s.totals, all);
    if (reason === undefined) continue;
    unknown++;
    if (first === undefined || id < first.id) first = { id, reason };
  }
  if (first === undefined) return undefined;
  return `the misses of ${unknown} session${unknown === 1 ? ' are' : 's are'} not known, so their sum over the window is not: ${first.id}: ${first.reason}${unknown > 1 ? ` (and ${unknown - 1} more)` : ''}`;
}

/**
 * The turns over the breakpoint limit, known only when every turn says how many breakpoints it
 * set: a turn that does not say was never checked, and a count over the others would read as
 * "every turn within the limit". Turns seen over it are named all the same, as a fact.
 */
function breakpointsOverLimit(t: Totals): MetricValue {
  if (t.withBreakpoints === 0) return { halt: 'missing', reason: 'no record in the window carries cache_breakpoints' };
  const without = t.turns - t.withBreakpoints;
  if (without === 0) return { value: t.overBreakpointLimit };
  const over = t.overBreakpointLimit;
  return {
    halt: 'missing',
    reason: `${without} of ${t.turns} turn${t.turns === 1 ? '' : 's'} carr${without === 1 ? 'ies' : 'y'} no cache_breakpoints${t.withoutBreakpointsAt === undefined ? '' : ` (first at ${t.withoutBreakpointsAt})`}: the limit is not checked on ${without === 1 ? 'it' : 'them'}${over > 0 ? `; ${over} turn${over === 1 ? '' : 's'} over ${BREAKPOINT_LIMIT} seen all the same` : ''}`,
  };
}

function missMetric(source: MissSource | 'total'): MetricDef {
  return {
    name: `misses_${source}`,
    type: 'int',
    description:
      source === 'total'
        ? 'Cache misses named by fork-trace records, every source together'
        : `Cache misses that fork-trace records attribute to ${source}`,
    compute: (t, all = t, sessions) => {
      const unknown = sessions ? windowMissesUnknown(t, sessions) : missesUnknown(t, all);
      if (unknown !== undefined) return { halt: 'missing', reason: unknown };
      return { value: source === 'total' ? Object.values(t.misses).reduce((a, b) => a + b, 0) : t.misses[source] };
    },
    evidence: (t) => ({ turns_read_nothing: t.readNothing }),
  };
}

export const METRICS: readonly MetricDef[] = [
  {
    name: 'cache_hit_ratio',
    type: 'double',
    description: "The roadmap's hit ratio: cache_read / (cache_read + input)",
    compute: cacheMetric((t) => ratio(cacheHitRatio(t), noReadOrInput(t))),
  },
  {
    name: 'cache_hit_ratio_token_weighted',
    type: 'double',
    description: 'cache_read / (input + cache_creation + cache_read): writes count as misses',
    compute: cacheMetric((t) => ratio(tokenWeightedHitRatio(t))),
  },
  {
    name: 'cache_hit_request_rate',
    type: 'double',
    description: 'Share of turns with cache_read > 0',
    compute: cacheMetric((t) => ratio(requestHitRate(t))),
    evidence: (t) => ({ turns_with_cache_read: t.hitTurns }),
  },
  {
    name: 'cache_cost_multiplier',
    type: 'double',
    description: 'Input cost relative to no caching (5m write 1.25×, 1h write 2×, read 0.1×)',
    compute: cacheMetric((t) =>
      writesOfUnknownPrice(t)
        ? {
            halt: 'missing',
            reason: `${t.creationUnsplit} cache-write tokens have no 5m/1h split beside ${t.creation1h} written for 1 hour: their price (1.25× or 2×) is not recorded`,
          }
        : ratio(costMultiplier(t)),
    ),
    // Which price each written token paid: the split, and the writes without one (5m unless 1h writes are in sight).
    evidence: (t) => ({
      cache_creation_5m_tokens: t.creation5m,
      cache_creation_1h_tokens: t.creation1h,
      cache_creation_unsplit_tokens: t.creationUnsplit,
    }),
  },
  { name: 'turns', type: 'int', description: 'Turns in the window', compute: (t) => ({ value: t.turns }) },
  {
    name: 'turns_over_breakpoint_limit',
    type: 'int',
    description: `Turns whose request set more than ${BREAKPOINT_LIMIT} cache breakpoints`,
    compute: breakpointsOverLimit,
    evidence: (t) => ({
      turns_with_cache_breakpoints: t.withBreakpoints,
      turns_without_cache_breakpoints: t.turns - t.withBreakpoints,
      turns_over_breakpoint_limit: t.overBreakpointLimit,
    }),
  },
  ...(['total', ...MISS_SOURCES] as const).map(missMetric),
  {
    name: 'compaction_cache_breaks',
    type: 'int',
    description: 'Compaction turns whose next turn did not read the cached prefix (a message_prefix miss)',
    invariant: 'compaction',
  },
  {
    name: 'injection_cache_breaks',
    type: 'int',
    description: 'Injection turns that invalidated the cached prefix (results injected before the breakpoint)',
    invariant: 'injection',
  },
];

export const METRIC_BY_NAME: ReadonlyMap<string, MetricDef> = new Map(METRICS.map((m) => [m.name, m]));

/**
 * The telemetry report: every metric per session and overall, the two invariants, and what
 * was read. Built from one streaming scan; formatters turn it into text, JSON or a table.
 */
import {
  METRIC_BY_NAME,
  missesUnknown,
  type SessionTotals,
  type Totals,
  windowMissesUnknown,
} from '../sources/telemetry/metrics.js';
import {
  describeMidStream,
  describeSkipped,
  type MalformedLine,
  type SkippedMatch,
} from '../sources/telemetry/read.js';
import { expectedCacheCounter, MISS_SOURCES, type MissSource } from '../sources/telemetry/records.js';
import { describeDuplicate, type ScanResult, type Violation, whyNoTurns } from '../sources/telemetry/scan.js';

export interface MetricRow {
  turns: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  /**
   * null where the metric has no value (no tokens, no attribution, a turn without a breakpoint
   * count, no cache counter on any turn; for the cost, writes without the 5m/1h split beside 1-hour writes).
   */
  cache_hit_ratio: number | null;
  cache_hit_ratio_token_weighted: number | null;
  cache_hit_request_rate: number | null;
  cache_cost_multiplier: number | null;
  turns_over_breakpoint_limit: number | null;
  misses: Record<MissSource, number> | null;
}

export interface SessionRow extends MetricRow {
  session: string;
  first_turn_at: string | null;
  last_turn_at: string | null;
  /**
   * Hit ratio of each of the session's last turns read, in reading order (oldest first when the
   * files hold the turns in order; the series keeps no turn numbers, to stay small across tens of
   * thousands of sessions); null for a turn with no input.
   */
  hit_ratio_by_turn: (number | null)[];
}

export interface InvariantSummary {
  checked: number;
  awaiting_next_turn: number;
  /** Read nothing after the cache's lifetime had run out, with no fork trace: cannot tell. */
  past_cache_lifetime: number;
  /** The deciding turn carries no cache counter, and no fork trace: cannot tell. */
  cache_not_recorded: number;
  /** Read nothing on another model than the turn before, with no fork trace: cannot tell. */
  model_changed: number;
  /** Injection turns that were their session's first: nothing cached yet to break (0 for compactions). */
  first_turn: number;
  violations: Violation[];
}

export interface TelemetryReport {
  as_of: string;
  window: { start: string | null; last_turns: number | null };
  files: { path: string; lines: number; records: number; malformed: number }[];
  /** What the globs matched that is no regular file (a named pipe, a socket, a device): not read. */
  skipped_files: string[];
  /**
   * Globs that matched no file, beside globs that did (one alone matching nothing halts): a
   * mistyped folder or a writer that never wrote, whose turns are not in the numbers.
   */
  unmatched_patterns: string[];
  malformed: { count: number; first: string[] };
  /** Files more than half malformed: their numbers are shown but must not be trusted. */
  mostly_malformed: string[];
  /**
   * With no turn in the window (the report exits 2): whether the files' turns lie before it
   * (`went_dark`) or none do (`never_started`), and the halt's reason, as a gate's halt gives
   * them. A reader of the JSON alone learns why the numbers are empty. Null when there are turns.
   */
  no_turns: { channel: 'went_dark' | 'never_started'; reason: string } | null;
  /**
   * .gz files whose gzip stream stops before its end, nothing wrong in what is there (a file
   * still being written): read as far as they go, and named so a cut copy is not taken for whole.
   */
  ends_mid_stream: string[];
  records_after_as_of: number;
  /** Turn records whose session and turn were read before (a copied file): counted once. */
  duplicate_turns: { count: number; first: string[] };
  /**
   * Turns in the window that fork traces explain. With none, no session's misses are known: miss
   * attribution is not being recorded, which a table's "—" says apart from an unexplained read of nothing.
   */
  fork_traces: number;
  /** Turns with fork traces but no turn record before as_of: their misses count nowhere. */
  fork_traces_without_turn: number;
  /**
   * Turns in the window whose record carries a cache counter. With none, the cache metrics are
   * null: not measured. Beside others, a turn without one read and wrote 0 (older API versions
   * left the counters out when nothing was cached).
   */
  turns_with_cache_counter: number;
  /**
   * Turns in the window whose record carries cache_breakpoints. A row's count of turns over the
   * limit is null unless every turn of it carries one: a turn that does not was never checked.
   */
  turns_with_cache_breakpoints: number;
  /**
   * A cache count under a name no reader here reads, on a turn in the window without a cache
   * counter: a gen_ai.usage.* attribute with "cache" in its name (Anthropic's
   * gen_ai.usage.cache_read_input_tokens, say) or another convention's (llm.usage.*,
   * llm.token_count.*), or a member of a usage record's `usage` (usage.cache_read_tokens); the
   * conventional name it stands for; and the file:line of the first record carrying it. Not read
   * as a counter, but named, so a log of such records is not taken for one that records no
   * cache. Null when there is none.
   */
  misnamed_cache_counter: { attribute: string; expected: string; first_at: string | null } | null;
  /**
   * Traced turns in the window whose cache diagnosis (`diagnostics.cache_miss_reason`) gives a
   * type no miss source stands for, one the API added after this reader: read as naming no
   * source, not guessed at, but counted, with the first type and its file:line, so the reason is
   * known to be there. Null when there is none.
   */
  unknown_cache_miss_reason: { type: string; turns: number; first_at: string } | null;
  overall: MetricRow;
  invariants: { compaction_cache_stable: InvariantSummary; injected_after_breakpoint: InvariantSummary };
  /**
   * By session id in natural order (sess2 before sess10), as the table orders sessions tied on
   * their hit ratio. Last, so the JSON can be written session by session.
   */
  sessions: SessionRow[];
}

/** A metric's value as a gate check computes it; null where it has none. */
function valueOf(name: string, t: Totals): number | null {
  const v = METRIC_BY_NAME.get(name)?.compute?.(t);
  return v !== undefined && 'value' in v ? v.value : null;
}

/**
 * The metrics of `t` by the rules a gate check applies to them. `all` is the whole window's
 * totals: misses are known once fork traces are recorded at all, as the `misses_*` metrics decide.
 * For the whole window's row, `sessions` are its sessions: its misses are known when theirs are.
 */
export function metricRow(t: Totals, all: Totals = t, sessions?: SessionTotals): MetricRow {
  return {
    turns: t.turns,
    input_tokens: t.input,
    cache_read_tokens: t.cacheRead,
    cache_creation_tokens: t.cacheCreation,
    cache_hit_ratio: valueOf('cache_hit_ratio', t),
    cache_hit_ratio_token_weighted: valueOf('cache_hit_ratio_token_weighted', t),
    cache_hit_request_rate: valueOf('cache_hit_request_rate', t),
    cache_cost_multiplier: valueOf('cache_cost_multiplier', t),
    turns_over_breakpoint_limit: valueOf('turns_over_breakpoint_limit', t),
    misses:
      (sessions ? windowMissesUnknown(t, sessions) : missesUnknown(t, all)) === undefined
        ? (Object.fromEntries(MISS_SOURCES.map((s) => [s, t.misses[s]])) as Record<MissSource, number>)
        : null,
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** The report without its session rows (they come from sessionRows, one at a time). */
export type ReportHead = Omit<TelemetryReport, 'sessions'>;

/** The window of a report, and what the globs matched that was not read (see matchTelemetryFiles). */
export interface ReportOptions {
  asOf: Date;
  rangeMs?: number;
  lastTurns?: number;
  /** The window as it was written (7d): how the reason for no turns names it. */
  window?: string;
  skipped?: readonly SkippedMatch[];
  unmatched?: readonly string[];
}

export function reportHead(scan: ScanResult, opts: ReportOptions): ReportHead {
  const fmt = (m: MalformedLine) => `${m.file}:${m.line}: ${m.reason}`;
  const inv = (c: ScanResult['invariants']['compaction']): InvariantSummary => ({
    checked: c.checked,
    awaiting_next_turn: c.unchecked,
    past_cache_lifetime: c.pastLifetime,
    cache_not_recorded: c.notCounted,
    model_changed: c.modelChanged,
    first_turn: c.firstTurn,
    violations: c.violations,
  });
  return {
    as_of: opts.asOf.toISOString(),
    window: {
      start: opts.rangeMs === undefined ? null : new Date(opts.asOf.getTime() - opts.rangeMs).toISOString(),
      last_turns: opts.lastTurns ?? null,
    },
    files: scan.read.files.map((f) => ({ path: f.path, lines: f.lines, records: f.records, malformed: f.malformed })),
    skipped_files: (opts.skipped ?? []).map(describeSkipped),
    unmatched_patterns: [...(opts.unmatched ?? [])],
    malformed: { count: scan.read.malformed, first: scan.read.firstMalformed.map(fmt) },
    mostly_malformed: scan.read.mostlyMalformed.map((f) => f.path),
    no_turns: scan.overall.turns === 0 ? whyNoTurns(scan, opts.asOf, opts.window) : null,
    ends_mid_stream: scan.read.files.filter((f) => f.endsMidStream).map(describeMidStream),
    records_after_as_of: scan.afterAsOf,
    duplicate_turns: {
      count: scan.duplicates.count,
      first: scan.duplicates.first.map(describeDuplicate),
    },
    fork_traces: scan.overall.forkTraces,
    fork_traces_without_turn: scan.tracesWithoutTurn,
    turns_with_cache_counter: scan.overall.cacheCounted,
    turns_with_cache_breakpoints: scan.overall.withBreakpoints,
    misnamed_cache_counter:
      scan.overall.cacheLookalike === undefined
        ? null
        : {
            attribute: scan.overall.cacheLookalike,
            expected: expectedCacheCounter(scan.overall.cacheLookalike),
            first_at: scan.overall.cacheLookalikeAt ?? null,
          },
    unknown_cache_miss_reason:
      scan.overall.unknownReason === undefined
        ? null
        : {
            type: scan.overall.unknownReason.type,
            turns: scan.overall.unknownReasons,
            first_at: scan.overall.unknownReason.at,
          },
    overall: metricRow(scan.overall, scan.overall, scan.sessions),
    invariants: {
      compaction_cache_stable: inv(scan.invariants.compaction),
      injected_after_breakpoint: inv(scan.invariants.injection),
    },
  };
}

/**
 * Each session's row, by session id in natural order (bySessionId). With `consume`, a session's
 * numbers are dropped from the scan once its row is made, so a report of tens of thousands of
 * sessions written row by row never holds the numbers and the rows of all of them at once.
 */
export function* sessionRows(scan: ScanResult, opts: { consume?: boolean } = {}): Generator<SessionRow> {
  const ids = [...scan.sessions.keys()].sort(bySessionId);
  for (const id of ids) {
    const s = scan.sessions.get(id);
    if (opts.consume) scan.sessions.delete(id);
    if (!s || s.totals.turns === 0) continue;
    yield {
      session: id,
      first_turn_at: iso(s.totals.firstTs),
      last_turn_at: iso(s.totals.lastTs),
      ...metricRow(s.totals, scan.overall),
      // Four places are plenty for a trend, and keep a large report small.
      hit_ratio_by_turn: s.series.map((x) => (Number.isNaN(x) ? null : Math.round(x * 10_000) / 10_000)),
    };
  }
}

export function buildReport(scan: ScanResult, opts: ReportOptions): TelemetryReport {
  return { ...reportHead(scan, opts), sessions: [...sessionRows(scan)] };
}

/**
 * Ids compared with their numbers read as numbers (sess2 before sess10), as a person counts
 * them. The locale is pinned, so the order is the same on every machine whatever its own.
 */
const naturalOrder = new Intl.Collator('en', { numeric: true });

/**
 * Session ids in natural order: the JSON's order, and the table's among sessions tied on their
 * hit ratio, so a session is found in one where it is in the other.
 */
export function bySessionId(a: string, b: string): number {
  return (
    naturalOrder.compare(a, b) ||
    // Ids the collation holds equal (differing only in characters it ignores) still get one order.
    (a < b ? -1 : a > b ? 1 : 0)
  );
}

/** The order the table lists sessions in: worst hit ratio first (none at all first), then by id in natural order. */
export function worstFirst(a: SessionRow, b: SessionRow): number {
  const rank = (x: number | null) => (x === null ? -1 : x);
  return rank(a.cache_hit_ratio) - rank(b.cache_hit_ratio) || bySessionId(a.session, b.session);
}

/**
 * The first `k` sessions in worstFirst order, from rows read once, and how many rows there
 * were. Only `k` rows are held at a time: a table of the worst 30 out of tens of thousands
 * of sessions never builds the others' rows all at once.
 */
export function worstSessions(rows: Iterable<SessionRow>, k: number): { worst: SessionRow[]; total: number } {
  const worst: SessionRow[] = [];
  let total = 0;
  for (const row of rows) {
    total++;
    if (worst.length === k && worstFirst(row, worst[k - 1] as SessionRow) >= 0) continue;
    let i = worst.length;
    while (i > 0 && worstFirst(row, worst[i - 1] as SessionRow) < 0) i--;
    worst.splice(i, 0, row);
    if (worst.length > k) worst.pop();
  }
  return { worst, total };
}

/** What the table is made from: the head, the sessions to list, and how many sessions there are in all. */
export type TableReport = ReportHead & { sessions: SessionRow[]; session_count?: number };

/**
 * Pure formatters of a TelemetryReport: JSON (stable key order) and a table with, on a
 * terminal, the hit ratio of each session's last turns as a sparkline, since people read a
 * trend faster than a column of numbers.
 */
import { inertJson, visible } from '../visible.js';
import { BORDER_GREY, drawTable, HEAD_BOLD } from '../box-table.js';
import { graphemes } from '../../util/graphemes.js';
import { styleText } from 'node:util';
import stringWidth from 'string-width';
import { counted } from '../../util/counted.js';
import { describeCacheLookalike } from '../../sources/telemetry/records.js';
import { describeUnknownReasons } from '../../sources/telemetry/metrics.js';
import {
  type MetricRow,
  type ReportHead,
  type SessionRow,
  type TableReport,
  type TelemetryReport,
  worstFirst,
} from '../../telemetry/report.js';

export function formatTelemetryJson(r: TelemetryReport): string {
  return [...telemetryJsonChunks(r)].join('');
}

/**
 * The same JSON in pieces of about 64 KB, sessions last, so a report of tens of thousands of
 * sessions is written without first building one string of all of them.
 */
export function telemetryJsonChunks(r: TelemetryReport): Generator<string> {
  const { sessions, ...head } = r;
  return telemetryJsonStream(head, sessions);
}

/** The JSON of a report from its head and its rows as they are made (the rows are read once, in order). */
export function* telemetryJsonStream(head: ReportHead, rows: Iterable<SessionRow>): Generator<string> {
  // Each piece is whole values' JSON, so a `##[` cannot straddle two (inertJson).
  const top = inertJson(JSON.stringify(head, null, 2)).slice(0, -2);
  let buf = '';
  let first = true;
  for (const row of rows) {
    buf += `${first ? `${top},\n  "sessions": [\n` : ',\n'}    ${inertJson(JSON.stringify(row, null, 2)).replace(/\n/g, '\n    ')}`;
    first = false;
    if (buf.length > 65_536) {
      yield buf;
      buf = '';
    }
  }
  yield first ? `${top},\n  "sessions": []\n}\n` : `${buf}\n  ]\n}\n`;
}

const BLOCKS = '▁▂▃▄▅▆▇█';

/** One character per turn, in eighths: ▁ (under 1/8 read, nothing included) to █ (7/8 or more); a space for a turn with no input. */
export function sparkline(values: readonly (number | null)[]): string {
  return values
    .map((v) => (v === null ? ' ' : (BLOCKS[Math.min(BLOCKS.length - 1, Math.floor(v * BLOCKS.length))] ?? ' ')))
    .join('');
}

export interface TelemetryTableOptions {
  color: boolean;
  /** Show each session's hit ratio per turn as a sparkline (default: on a terminal). */
  trend: boolean;
  /** Sessions listed; the rest are counted (the JSON has them all). */
  maxSessions: number;
  /**
   * The terminal's columns, if known: in a table wider than that, long session ids are
   * shortened, the misses go one per line under short names, and cells lose their right padding.
   */
  width?: number;
}

/** Whether a table gives up anything to fit a terminal. */
type Fit = 'full' | 'narrow';

/** A session id shortened in a narrow table keeps this many terminal columns, the ellipsis included. */
const NARROW_SESSION = 20;
/** The fewest columns a session id is cut to when the table is still wider than the terminal. */
const MIN_NARROW_SESSION = 12;
/**
 * The miss sources as a narrow table names them: `child_directive 4` alone is wider than the
 * room an 80-column terminal leaves the column. A line under the table says what they stand for.
 */
const NARROW_MISS: Record<string, string> = {
  system_prompt: 'system',
  message_prefix: 'prefix',
  child_directive: 'child',
};
const MISS_LEGEND = 'misses: system = system_prompt, prefix = message_prefix, child = child_directive';
/** The fewest turns a sparkline is cut to on a narrow terminal. */
const MIN_TREND_TURNS = 8;

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const times = (x: number | null) => (x === null ? '—' : `${x.toFixed(3)}×`);
const count = (x: number | null) => (x === null ? '—' : String(x));

function misses(m: MetricRow['misses'], fit: Fit): string {
  if (!m) return '—';
  const named = Object.entries(m).filter(([, n]) => n > 0);
  if (!named.length) return 'none';
  return fit === 'narrow'
    ? named.map(([k, n]) => `${NARROW_MISS[k] ?? k} ${n}`).join('\n')
    : named.map(([k, n]) => `${k} ${n}`).join(', ');
}

/**
 * The start and the end of a long id: both tell sessions apart (a prefix, a counter). Counted
 * in terminal columns, so an id of East Asian wide characters is cut to the same width.
 */
function shorten(id: string, width: number): string {
  if (stringWidth(id) <= width) return id;
  const chars = graphemes(id);
  const room = width - 1;
  const headRoom = Math.ceil(room / 2);
  let head = '';
  let used = 0;
  for (const c of chars) {
    if (used + stringWidth(c) > headRoom) break;
    head += c;
    used += stringWidth(c);
  }
  let tail = '';
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i] as string;
    if (used + stringWidth(c) > room) break;
    tail = c + tail;
    used += stringWidth(c);
  }
  return `${head}…${tail}`;
}

function cells(name: string, row: MetricRow, fit: Fit): string[] {
  return [
    name,
    String(row.turns),
    pct(row.cache_hit_ratio),
    pct(row.cache_hit_ratio_token_weighted),
    pct(row.cache_hit_request_rate),
    times(row.cache_cost_multiplier),
    count(row.turns_over_breakpoint_limit),
    misses(row.misses, fit),
  ];
}

/**
 * A long id cut to `width` columns around the character at `at` (a grapheme index), with a
 * little of what precedes it: where ids that start and end alike differ (a date in the middle).
 */
function around(id: string, at: number, width: number): string {
  if (stringWidth(id) <= width) return id;
  const chars = graphemes(id);
  const start = Math.max(0, at - Math.floor(width / 3));
  let out = start > 0 ? '…' : '';
  let used = stringWidth(out);
  for (let i = start; i < chars.length; i++) {
    const c = chars[i] as string;
    const w = stringWidth(c);
    // Room for the closing ellipsis, unless this is the last character.
    if (used + w + (i < chars.length - 1 ? 1 : 0) > width) return `${out}…`;
    out += c;
    used += w;
  }
  return out;
}

/** Characters (graphemes) two ids share from their start. */
function sharedStart(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * The ids as a narrow table shows them, at most `width` columns each: start and end, or, for
 * ids whose start and end are alike, the part where they differ, so every row can be told
 * apart. Ids no cut tells apart are shown whole.
 */
function shortNames(names: readonly string[], width: number): string[] {
  const out = names.map((n) => shorten(n, width));
  const chars = names.map(graphemes);
  // Each round cuts every group of ids shown alike where the group first differs; what still
  // looks alike after it shares a longer start, so the rounds end.
  for (let round = 0; round < 64; round++) {
    const groups = new Map<string, number[]>();
    out.forEach((o, i) => groups.set(o, [...(groups.get(o) ?? []), i]));
    const alike = [...groups.values()].filter((g) => new Set(g.map((i) => names[i])).size > 1);
    if (alike.length === 0) return out;
    for (const g of alike) {
      const at = Math.min(...g.slice(1).map((i) => sharedStart(chars[g[0] as number] ?? [], chars[i] ?? [])));
      for (const i of g) out[i] = around(names[i] as string, at, width);
    }
  }
  const count = new Map<string, Set<string>>();
  out.forEach((o, i) => count.set(o, (count.get(o) ?? new Set()).add(names[i] as string)));
  return out.map((o, i) => ((count.get(o)?.size ?? 0) > 1 ? (names[i] as string) : o));
}

/**
 * The table of a report: all its sessions, or (`session_count` set) the worst of them picked
 * while the rows were made (worstSessions), with the count of all.
 */
export function formatTelemetryTable(r: TableReport, opts: TelemetryTableOptions): string {
  // Worst first: the sessions a person should look at are the ones that read the cache least.
  const shown = [...r.sessions].sort(worstFirst).slice(0, opts.maxSessions);
  const sessions = r.session_count ?? r.sessions.length;
  let table = sessionTable(r, shown, opts, 'full');
  const narrowTable = opts.width !== undefined && widest(table) > opts.width;
  if (opts.width !== undefined && narrowTable) {
    table = sessionTable(r, shown, opts, 'narrow');
    // Still wider: each sparkline keeps its last turns, as many as leave room (a table wider
    // than the terminal wraps every row into the next). A handful at least, or it shows no trend.
    const longest = Math.max(0, ...shown.map((s) => s.hit_ratio_by_turn.length));
    const over = widest(table) - opts.width;
    let trendTurns: number | undefined;
    if (opts.trend && over > 0 && longest > MIN_TREND_TURNS) {
      trendTurns = Math.max(MIN_TREND_TURNS, longest - over);
      table = sessionTable(r, shown, opts, 'narrow', trendTurns);
    }
    // Still wider (an 80-column terminal, with or without a sparkline): the ids give up more.
    const still = widest(table) - opts.width;
    if (still > 0) {
      const idWidth = Math.max(MIN_NARROW_SESSION, NARROW_SESSION - still);
      table = sessionTable(r, shown, opts, 'narrow', trendTurns, idWidth);
    }
  }

  const lines: string[] = [];
  const window = [
    r.window.start ? `from ${r.window.start}` : undefined,
    `to ${r.as_of}`,
    r.window.last_turns ? `(last ${counted(r.window.last_turns, 'turn')})` : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  lines.push(
    `Agent telemetry ${window}: ${counted(r.files.length, 'file')}, ${counted(r.overall.turns, 'turn')}, ${counted(sessions, 'session')} (worst hit ratio first)`,
  );
  lines.push(table);
  // The halt's reason, as stderr says it: a table of zeros under a redirect says why it is empty.
  if (r.no_turns) lines.push(visible(r.no_turns.reason));
  // A narrow table names the miss sources short: what it shows, it explains.
  const narrowed = (row: MetricRow) =>
    row.misses !== null && Object.entries(row.misses).some(([k, n]) => n > 0 && NARROW_MISS[k] !== undefined);
  if (narrowTable && (narrowed(r.overall) || shown.some(narrowed))) lines.push(MISS_LEGEND);
  if (sessions > shown.length) {
    lines.push(`… and ${counted(sessions - shown.length, 'more session')} (--json lists them all)`);
  }
  lines.push(invariantLine('compaction is cache-stable', r.invariants.compaction_cache_stable, 'compaction'));
  lines.push(
    invariantLine('results injected after the breakpoint', r.invariants.injected_after_breakpoint, 'injection'),
  );
  for (const p of r.unmatched_patterns) {
    lines.push(`${visible(p)} matched no file: nothing it was meant to find is counted`);
  }
  if (r.skipped_files.length > 0) {
    lines.push(`${counted(r.skipped_files.length, 'matched path')} skipped, not regular files:`);
    for (const f of r.skipped_files) lines.push(`  ${visible(f)}`);
  }
  if (r.malformed.count > 0) {
    lines.push(`${counted(r.malformed.count, 'malformed line')}:`);
    for (const m of r.malformed.first) lines.push(`  ${visible(m)}`);
    const more = r.malformed.count - r.malformed.first.length;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  for (const f of r.mostly_malformed) lines.push(`${visible(f)} is mostly malformed: its numbers cannot be trusted`);
  for (const f of r.ends_mid_stream) lines.push(visible(f));
  if (r.records_after_as_of > 0)
    lines.push(`${counted(r.records_after_as_of, 'record')} at or after ${r.as_of} left out`);
  const uncounted = r.overall.turns - r.turns_with_cache_counter;
  if (uncounted > 0) {
    // A counter under another name is what to rename, not a log that records no cache.
    const misnamed = r.misnamed_cache_counter;
    lines.push(
      (r.turns_with_cache_counter === 0
        ? 'no record carries a cache counter: the hit ratios and the cost are not measured'
        : `${uncounted} of ${counted(r.overall.turns, 'turn')} carry no cache counter: read as 0`) +
        (misnamed
          ? `; ${r.turns_with_cache_counter === 0 ? 'records' : 'some'} carry ${visible(describeCacheLookalike(misnamed.attribute, misnamed.first_at ?? undefined))}`
          : ''),
    );
  }
  const unknown = r.unknown_cache_miss_reason;
  if (unknown) {
    lines.push(visible(describeUnknownReasons(unknown.turns, { type: unknown.type, at: unknown.first_at })));
  }
  // A cost left out beside a ratio that has one: writes whose price is not recorded (README).
  const priceless = (row: MetricRow) =>
    row.cache_cost_multiplier === null &&
    row.cache_hit_request_rate !== null &&
    row.input_tokens + row.cache_read_tokens + row.cache_creation_tokens > 0;
  if (priceless(r.overall) || shown.some(priceless)) {
    lines.push(
      'cost × not shown: cache writes without the 5m/1h split beside 1-hour writes have no known price (1.25× or 2×)',
    );
  }
  // Some turns carry cache_breakpoints and others do not: a row with one that does not has no
  // count. Said only then: most logs carry no cache_breakpoints at all, and a column of — says so (README).
  const breakless = r.overall.turns - r.turns_with_cache_breakpoints;
  if (
    r.turns_with_cache_breakpoints > 0 &&
    breakless > 0 &&
    (r.overall.turns_over_breakpoint_limit === null || shown.some((row) => row.turns_over_breakpoint_limit === null))
  ) {
    lines.push(
      `>4 bp not shown: ${breakless} of ${counted(r.overall.turns, 'turn')} carry no cache_breakpoints, so a row with any of them is not checked against the limit`,
    );
  }
  // A row's misses unknown: attribution not recorded at all, or a read of nothing no trace explains (README).
  if (r.overall.misses === null || shown.some((row) => row.misses === null)) {
    lines.push(
      r.fork_traces === 0
        ? 'misses not shown: no fork-trace record in the window, so misses are not attributed (0 would mean nothing)'
        : 'misses not shown: a turn read nothing from the cache and no fork trace says why (or no cache counter says what it read); over all sessions, so in one of them',
    );
  }
  if (r.fork_traces_without_turn > 0) {
    lines.push(
      `${counted(r.fork_traces_without_turn, 'turn')} with fork traces but no turn record before ${r.as_of}: their misses count nowhere`,
    );
  }
  if (r.duplicate_turns.count > 0) {
    lines.push(`${counted(r.duplicate_turns.count, 'turn record')} left out (same session and turn):`);
    for (const d of r.duplicate_turns.first) lines.push(`  ${visible(d)}`);
  }
  return `${lines.join('\n')}\n`;
}

function sessionTable(
  r: TableReport,
  shown: readonly SessionRow[],
  opts: TelemetryTableOptions,
  fit: Fit,
  /** The last turns each sparkline shows (all it has when undefined). */
  trendTurns?: number,
  /** The columns a session id keeps in a narrow table. */
  idWidth = NARROW_SESSION,
): string {
  const head = ['session', 'turns', 'hit ratio', 'token-weighted', 'turns hitting', 'cost ×', '>4 bp', 'misses'];
  if (opts.trend) head.push('hit ratio per turn');
  // Narrow: each heading on as many lines as it has words (the headings are the widest cells).
  if (fit === 'narrow') head.forEach((h, i) => (head[i] = h.replace(/[ -]/g, (c) => (c === '-' ? '-\n' : '\n'))));
  const rows: string[][] = [];
  // Shortened as shown: a control character written out takes columns of its own.
  const names = shown.map((s) => visible(s.session));
  const short = fit === 'narrow' ? shortNames(names, idWidth) : names;
  for (const [i, s] of shown.entries()) {
    const row = cells(short[i] as string, s, fit);
    if (opts.trend)
      row.push(sparkline(trendTurns === undefined ? s.hit_ratio_by_turn : s.hit_ratio_by_turn.slice(-trendTurns)));
    rows.push(row);
  }
  const all = cells('all sessions', r.overall, fit);
  if (opts.trend) all.push('');
  rows.push(all.map((c) => (opts.color ? styleText('bold', c, { validateStream: false }) : c)));
  return drawTable(head, rows, {
    // Narrow: a column's border and the blank before each cell part it from the next.
    paddingRight: fit === 'narrow' ? 0 : 1,
    ...(opts.color ? { head: HEAD_BOLD, border: BORDER_GREY } : {}),
  });
}

/** The widest line of a table in terminal columns (string-width, as drawTable lays it out). */
function widest(table: string): number {
  let max = 0;
  for (const line of table.split('\n')) max = Math.max(max, stringWidth(line));
  return max;
}

function invariantLine(
  name: string,
  inv: TelemetryReport['invariants']['compaction_cache_stable'],
  what: string,
): string {
  const expired = [
    // A compaction whose next turn is not recorded yet (the last turn of a session) happened:
    // "not exercised" alone would hide it, as the gate check's halt does not.
    inv.awaiting_next_turn > 0 ? ` (${inv.awaiting_next_turn} more await their next turn: not counted)` : '',
    inv.past_cache_lifetime > 0
      ? ` (${inv.past_cache_lifetime} more read nothing after the cache's lifetime: not counted)`
      : '',
    inv.cache_not_recorded > 0
      ? ` (${inv.cache_not_recorded} more decided by a turn without a cache counter: not counted)`
      : '',
    inv.model_changed > 0
      ? ` (${inv.model_changed} more read nothing on another model than the turn before: not counted)`
      : '',
    inv.first_turn > 0
      ? ` (${inv.first_turn} more on a session's first turn, with nothing cached before it to break: not counted)`
      : '',
  ].join('');
  if (inv.checked === 0) return `${name}: not exercised (no ${what} turn checked)${expired}`;
  if (inv.violations.length === 0) return `${name}: holds over ${counted(inv.checked, `${what} turn`)}${expired}`;
  const shown = inv.violations
    .slice(0, 5)
    .map(
      (v) =>
        `${visible(v.session)} turn ${v.turn}${v.missed_turn === v.turn ? '' : `→${v.missed_turn}`} (${v.cause}, ${visible(v.file)}:${v.line})`,
    );
  const more = inv.violations.length > 5 ? ` and ${inv.violations.length - 5} more` : '';
  return `${name}: VIOLATED ${inv.violations.length} of ${inv.checked}: ${shown.join('; ')}${more}${expired}`;
}

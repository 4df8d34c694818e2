/**
 * The comparator's engine: per pair, the live-schema coverage check; then (unless only
 * checking) the shadow window's state, the key checks and the one pushed-down comparison.
 * Only checking, also the event table record.events names (events.ts).
 * Pure of output: it returns a ComparatorReport, which the formatters print and from which
 * the exit code is derived.
 */
import type { HaltReason, SourceLocation, Verdict } from '../model/result.js';
import { type SqlClient, SqlHaltError, type SqlRow } from '../sources/sql/client.js';
import { keyGuaranteed, type LiveColumn, type LiveTable, readLiveTables, tablesAlike } from './catalog.js';
import { type ComparePlan, type CoverageProblem, checkCoverage, incomparableProblem } from './coverage.js';
import { checkEventTable, type EventTableCheck } from './events.js';
import type { SelfTestResult } from './selftest.js';
import type { ComparatorPair, ComparatorSpec } from './spec.js';
import {
  clockSql,
  compareSql,
  type DivergenceKind,
  duplicateKeySql,
  hasRowsSql,
  keyBoundsSql,
  nullKeySql,
  type SqlText,
} from './sql.js';
import { COMPARATOR_EXIT } from './names.js';
import { seenWithRowsBefore, stateAt, type StoredWindow, type WindowsUnreadable, type WindowState } from './window.js';

export type PairStatus = 'clean' | 'divergent' | 'covered' | 'coverage_error' | 'key_error' | 'went_dark' | 'halt';

export interface KeyProblem {
  table: string;
  null_keys: number;
  duplicate_keys: number;
  /** The first duplicate keys (by key order) with how many rows hold each. */
  duplicates: { key: Record<string, string>; rows: number }[];
}

export interface DivergentRow {
  key: Record<string, string>;
  kind: DivergenceKind;
  /** The divergent compared columns (value_mismatch only). */
  columns: string[];
}

export interface PairResult {
  id: string;
  title: string | null;
  section: string | null;
  canonical: string;
  shadow: string;
  key: string[];
  status: PairStatus;
  verdict: Verdict | 'went_dark';
  reason: string | null;
  halt_reason: HaltReason | null;
  state: WindowState | null;
  /**
   * Whether the shadow held rows when the run counted them; null when it did not count them
   * (the pair stopped before, or the shadow does not exist). What the window state is derived
   * from, again when the run records.
   */
  shadow_has_rows: boolean | null;
  compared: string[];
  excluded: { column: string; reason: string }[];
  coverage: CoverageProblem[];
  key_problems: KeyProblem[];
  counts: { canonical_missing: number; shadow_missing: number; value_mismatch: number; divergent: number } | null;
  /** Value mismatches per compared column (only columns with at least one). */
  columns: Record<string, number>;
  rows: DivergentRow[];
  /** More divergent keys exist than were listed (--limit). */
  truncated: boolean;
  /** --self-test: whether the planted divergences were found (null without --self-test or when the pair was not compared). */
  self_test: SelfTestResult | null;
  min_age_ms: number;
  /**
   * Keys written at or after this instant on either side were skipped; null without an age
   * filter. min_age before the database's clock (or `cutoffFrom`), never the host's.
   */
  cutoff: string | null;
  location: SourceLocation;
}

export interface ComparatorReport {
  rfc: string;
  mode: 'run' | 'check';
  as_of: string;
  database: string;
  /** Whether the window states are known from the ledger (false: no comparator_windows table). */
  window_history: boolean;
  verdict: Verdict | 'went_dark';
  /**
   * check only, and only when comparator.yaml has `record.events`: whether its table can take
   * the events `comparator run --record` writes. Its verdict counts in the report's.
   */
  record_events?: EventTableCheck;
  pairs: PairResult[];
}

export type ProgressEvent = {
  pair: string;
  step: 'schema' | 'rows' | 'keys' | 'compare' | 'self-test' | 'done';
  chunk?: [number, number];
};

export interface RunComparatorOptions {
  client: SqlClient;
  rfc: string;
  spec: ComparatorSpec;
  asOf: Date;
  /** check: coverage only, no rows read. */
  mode: 'run' | 'check';
  /** Divergent keys listed per pair; counts stay exact. */
  limit: number;
  /** Overrides every pair's min_age (milliseconds). */
  minAgeMs?: number;
  /**
   * The instant min_age counts back from. Absent, the database's clock when the pair is
   * compared: the age column is written by the database's writers, so a cron host whose clock
   * runs ahead by more than min_age would otherwise compare keys still being written. Given
   * only for data written as of a fixed instant (the demo's sandbox).
   */
  cutoffFrom?: Date;
  timeoutMs: number;
  /** Only these pair ids (all by default). */
  only?: readonly string[];
  /** Split a single-column integer key into this many ranges, compared concurrently. */
  chunks?: number;
  /** The stored window states, or undefined when the ledger has none. */
  windows?: Map<string, StoredWindow>;
  /**
   * Why the stored window states could not be read (a role without access to the ledger),
   * as opposed to their absence: an empty shadow's state is then unknown.
   */
  windowsUnreadable?: WindowsUnreadable;
  onProgress?: (e: ProgressEvent) => void;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * A record keyed by column names, which are the database's and may be any identifier:
 * `__proto__` in a plain object would set its prototype instead of holding a value, and
 * the column would vanish from the report. No prototype, so every name is a key like another.
 */
export function byColumn<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function baseResult(pair: ComparatorPair, minAgeMs: number): PairResult {
  return {
    id: pair.id,
    title: pair.title ?? null,
    section: pair.section ?? null,
    canonical: pair.canonical.text,
    shadow: pair.shadow.text,
    key: pair.key,
    status: 'halt',
    verdict: 'halt',
    reason: null,
    halt_reason: null,
    state: null,
    shadow_has_rows: null,
    compared: [],
    excluded: pair.exclude,
    coverage: [],
    key_problems: [],
    counts: null,
    columns: byColumn(),
    rows: [],
    truncated: false,
    self_test: null,
    min_age_ms: minAgeMs,
    cutoff: null,
    location: pair.at.pair,
  };
}

/** Coverage of one pair against the live schema: the problems, or the plan to compare with. */
export async function planPair(
  client: SqlClient,
  pair: ComparatorPair,
  timeoutMs: number,
): Promise<{ problems: CoverageProblem[]; plan?: ComparePlan; canonical?: LiveTable; shadow?: LiveTable }> {
  const [canonical, shadow] = await readLiveTables(client, [pair.canonical, pair.shadow], { timeoutMs });
  const guarantees = {
    canonical: canonical ? Object.values(keyGuaranteed(canonical, pair.key)).every(Boolean) : false,
    shadow: shadow ? Object.values(keyGuaranteed(shadow, pair.key)).every(Boolean) : false,
  };
  const missing = [...(canonical ? [] : [pair.canonical]), ...(shadow ? [] : [pair.shadow])];
  const found = missing.length ? await tablesAlike(client, missing, { timeoutMs }) : [];
  const alike = {
    canonical: canonical ? [] : (found.shift() ?? []),
    shadow: shadow ? [] : (found.shift() ?? []),
  };
  const outcome = checkCoverage(pair, canonical, shadow, guarantees, alike);
  const refused = outcome.plan && canonical ? await refusedColumns(client, outcome.plan, canonical, timeoutMs) : [];
  return {
    ...(refused.length ? { problems: refused } : outcome),
    ...(canonical ? { canonical } : {}),
    ...(shadow ? { shadow } : {}),
  };
}

/** PostgreSQL's 'target lists can have at most 1664 entries' (program_limit_exceeded). */
const TOO_MANY_COLUMNS = '54011';

/** A failure that is the statement's own (an operator or a cast that does not exist), not the database's state. */
const refusal = (err: SqlHaltError): boolean =>
  err.sqlstate !== undefined &&
  (err.sqlstate.startsWith('42') || err.sqlstate === '0A000') &&
  err.sqlstate !== '42501' &&
  err.sqlstate !== '42P01';

/**
 * What a run would refuse, found before it runs: the database plans the comparison
 * (EXPLAIN, no row read). Refused, each compared column is planned alone, to name the ones
 * to blame; a refusal no single column explains (or a failure of another kind) is thrown, as
 * the run would meet it.
 */
async function refusedColumns(
  client: SqlClient,
  plan: ComparePlan,
  canonical: LiveTable,
  timeoutMs: number,
): Promise<CoverageProblem[]> {
  const explain = (compared: ComparePlan['compared']) => {
    // A cutoff, so the age filter is planned too.
    const sql = compareSql({ ...plan, compared }, { limit: 0, cutoff: plan.ageColumn ? new Date(0) : null });
    return client.query(`EXPLAIN ${sql.text}`, sql.params, { timeoutMs });
  };
  let whole: SqlHaltError;
  try {
    await explain(plan.compared);
    return [];
  } catch (err) {
    if (err instanceof SqlHaltError && err.sqlstate === TOO_MANY_COLUMNS) {
      // Each compared column is read from both sides and compared: about two select entries
      // apiece, and PostgreSQL takes 1664. No column is to blame, the pair's width is.
      return [
        {
          code: 'too_many_columns',
          pair: plan.pair.id,
          table: plan.pair.canonical.text,
          message: `${plan.pair.canonical.text} ↔ ${plan.pair.shadow.text} compares ${plan.compared.length} columns, more than one comparison query can carry (${err.message}); split them across two pairs of the same tables (each comparing its half and excluding the other, with a reason), or exclude the ones not worth comparing`,
          location: plan.pair.at.compare,
        },
      ];
    }
    if (!(err instanceof SqlHaltError) || !refusal(err)) throw err;
    whole = err;
  }
  const problems: CoverageProblem[] = [];
  for (const col of plan.compared) {
    try {
      await explain([col]);
    } catch (err) {
      if (!(err instanceof SqlHaltError) || !refusal(err)) throw err;
      const live = canonical.columns.find((c) => c.name === col.name) as LiveColumn;
      problems.push(incomparableProblem(plan.pair, live, col.rule, err.message));
    }
  }
  if (!problems.length) throw whole;
  return problems;
}

export async function runComparator(opts: RunComparatorOptions): Promise<ComparatorReport> {
  const pairs = opts.only?.length ? opts.spec.pairs.filter((p) => opts.only?.includes(p.id)) : opts.spec.pairs;
  const results: PairResult[] = [];
  for (const pair of pairs) {
    // A pair without an age column skips nothing, whatever --min-age says: its report says 0.
    const minAgeMs = pair.ageColumn === undefined ? 0 : (opts.minAgeMs ?? pair.minAgeMs);
    const r = baseResult(pair, minAgeMs);
    try {
      await runPair(opts, pair, r, minAgeMs);
    } catch (err) {
      if (!(err instanceof SqlHaltError)) throw err;
      r.status = 'halt';
      r.verdict = 'halt';
      r.halt_reason = err.halt;
      r.reason = err.message;
      r.counts = null;
      r.rows = [];
      r.columns = byColumn();
    }
    opts.onProgress?.({ pair: pair.id, step: 'done' });
    results.push(r);
  }
  // Whatever --pair says: every pair's events go to the one table. A run leaves it to
  // --record, which checks it in the transaction that writes to it; a run without --record
  // writes no event, and its verdict is about the rows alone.
  const eventsSpec = opts.mode === 'check' ? opts.spec.record.events : undefined;
  const events = eventsSpec ? await checkEventTable(opts.client, eventsSpec, opts.timeoutMs) : undefined;
  return {
    rfc: opts.rfc,
    mode: opts.mode,
    as_of: opts.asOf.toISOString(),
    database: opts.client.describe(),
    window_history: opts.windows !== undefined,
    verdict: combine([...results.map((r) => r.verdict), ...(events ? [events.verdict] : [])]),
    ...(events ? { record_events: events } : {}),
    pairs: results,
  };
}

export function combine(verdicts: readonly (Verdict | 'went_dark')[]): Verdict | 'went_dark' {
  if (verdicts.includes('went_dark')) return 'went_dark';
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('halt')) return 'halt';
  return 'pass';
}

/**
 * A pair's verdict once its self-test is in. One that ran and missed a planted kind fails: the
 * comparator cannot see what it is there to see. One that could not run (a refused row, a
 * dropped connection) proved nothing either way, so a clean pair halts on it rather than
 * passing, and rather than failing as a divergence would. A pair that went dark, or that
 * already failed or halted, keeps its verdict; the reason names the self-test first.
 */
export function withSelfTest(r: PairResult, st: SelfTestResult): void {
  r.self_test = st;
  if (st.status === 'passed' || r.verdict === 'went_dark') return;
  r.reason = `${selfTestSummary(st)}${r.reason ? `; ${r.reason}` : ''}`;
  if (st.status === 'failed') {
    r.verdict = 'fail';
  } else if (r.verdict === 'pass') {
    r.verdict = 'halt';
    r.halt_reason = 'error';
  }
}

/** How a self-test that did not pass opens its pair's reason (a formatter that shows the self-test apart leaves it out). */
export function selfTestSummary(st: SelfTestResult): string {
  return `self-test ${st.status}: ${st.reason ?? ''}`;
}

export function comparatorExitCode(report: Pick<ComparatorReport, 'verdict'>): number {
  return COMPARATOR_EXIT[report.verdict];
}

async function runPair(
  opts: RunComparatorOptions,
  pair: ComparatorPair,
  r: PairResult,
  minAgeMs: number,
): Promise<void> {
  const q = (sql: SqlText) => opts.client.query(sql.text, sql.params, { timeoutMs: opts.timeoutMs });
  opts.onProgress?.({ pair: pair.id, step: 'schema' });
  const { problems, plan, shadow } = await planPair(opts.client, pair, opts.timeoutMs);
  r.coverage = problems;
  const stored = opts.windows?.get(pair.id);
  if (!plan && problems.every((p) => p.code === 'table_missing')) {
    // Nothing can be read: a missing measurement halts (as an empty shadow does), never a
    // verdict about rows; the problems still name each table and where it is declared.
    const missing = notInDatabase(problems.map((p) => p.table));
    const shadowGone = problems.some((p) => p.table === pair.shadow.text);
    if (shadowGone && opts.mode === 'run' && stored && stateAt(stored, false, opts.asOf) === 'went_dark') {
      // A shadow seen with rows and then dropped is the writer gone, as an emptied one is:
      // the alarm, not a halt that reads like a typo. One never seen with rows (a misspelt
      // name, a table not created yet) still halts below, naming the table.
      wentDark(r, seenWithRowsBefore(stored, opts.asOf));
      return;
    }
    if (!shadowGone && shadow && opts.mode === 'run' && stored && stateAt(stored, false, opts.asOf) === 'went_dark') {
      // The canonical table alone is gone (renamed by a migration, say): a shadow still holding
      // rows is a writer still running, and the pair halts naming the table; an emptied one is
      // the writer stopped, the alarm, which a halt about the canonical name would hide.
      const has = (await q(hasRowsSql([pair.shadow]))).rows[0];
      if (has?.r0 !== true) {
        wentDark(r, seenWithRowsBefore(stored, opts.asOf));
        r.reason = `${r.reason ?? ''}; ${missing} either`;
        return;
      }
    }
    r.status = 'halt';
    r.verdict = 'halt';
    r.halt_reason = 'missing';
    r.reason = `nothing to compare: ${missing}${
      shadowGone && opts.mode === 'run' && opts.windowsUnreadable !== undefined
        ? `; the shadow window's history could not be read (${opts.windowsUnreadable.reason}), so whether a shadow that was active has been dropped (went dark) is unknown`
        : ''
    }`;
    return;
  }
  if (!plan && shadow && opts.mode === 'run' && stored && stateAt(stored, false, opts.asOf) === 'went_dark') {
    // A migration that breaks the shadow writer often changes the tables too: the emptied
    // shadow is the alarm, checked before the shapes that would otherwise hide it (exit 1).
    const has = (await q(hasRowsSql([pair.shadow]))).rows[0];
    if (has?.r0 !== true) {
      wentDark(r, seenWithRowsBefore(stored, opts.asOf));
      const more = problems.length > 1 ? ` and ${problems.length - 1} more` : '';
      r.reason = `${r.reason ?? ''}; the tables' shapes differ too (${problems[0]?.message ?? ''}${more})`;
      return;
    }
  }
  if (!plan) {
    r.status = 'coverage_error';
    r.verdict = 'fail';
    r.reason = `${problems.length} coverage problem${problems.length === 1 ? '' : 's'}: ${problems[0]?.message ?? ''}`;
    return;
  }
  r.compared = plan.compared.map((c) => c.name);
  if (opts.mode === 'check') {
    r.status = 'covered';
    r.verdict = 'pass';
    return;
  }

  opts.onProgress?.({ pair: pair.id, step: 'rows' });
  const has = (await q(hasRowsSql([pair.shadow, pair.canonical]))).rows[0];
  const shadowHas = has?.r0 === true;
  const canonicalHas = has?.r1 === true;
  r.shadow_has_rows = shadowHas;
  r.state = stateAt(stored, shadowHas, opts.asOf);
  if (r.state === 'never_started' && opts.windowsUnreadable !== undefined) {
    // Without the history an empty shadow reads as never started: a writer that went dark
    // lost its alarm (exit 4), and --record would store the guess over the window's state.
    r.state = null;
    r.status = 'halt';
    r.verdict = 'halt';
    r.halt_reason = 'error';
    r.reason = `${pair.shadow.text} is empty, and the shadow window's history could not be read (${opts.windowsUnreadable.reason}), so whether the shadow writer never started or went dark is unknown; ${opts.windowsUnreadable.fix}`;
    return;
  }
  if (r.state === 'went_dark') {
    wentDark(r, stored ? seenWithRowsBefore(stored, opts.asOf) : null);
    return;
  }
  if (r.state === 'never_started') {
    neverStarted(r, opts.windows !== undefined);
    return;
  }
  if (!canonicalHas) {
    r.status = 'halt';
    r.verdict = 'halt';
    r.halt_reason = 'missing';
    r.reason = `${pair.canonical.text} has no rows: a comparison that reads zero canonical rows proves nothing`;
    return;
  }

  opts.onProgress?.({ pair: pair.id, step: 'keys' });
  for (const [table, guaranteed] of [
    [pair.canonical, plan.keyGuaranteed.canonical],
    [pair.shadow, plan.keyGuaranteed.shadow],
  ] as const) {
    if (guaranteed) continue;
    const nulls = num((await q(nullKeySql(table, pair.key))).rows[0]?.n);
    // One row at least, even with --limit 0: the count of duplicate keys rides on each row.
    const dups = (await q(duplicateKeySql(table, pair.key, Math.max(1, opts.limit)))).rows;
    if (nulls > 0 || dups.length > 0) {
      r.key_problems.push({
        table: table.text,
        null_keys: nulls,
        duplicate_keys: num(dups[0]?.keys),
        duplicates: dups.slice(0, opts.limit).map((d) => ({ key: keyOf(pair.key, d), rows: num(d.n) })),
      });
    }
  }
  if (r.key_problems.length) {
    r.status = 'key_error';
    r.verdict = 'fail';
    r.reason = r.key_problems
      .map(
        (k) =>
          `${k.table}: ${k.null_keys} row${k.null_keys === 1 ? '' : 's'} with a NULL key, ${k.duplicate_keys} duplicate key${k.duplicate_keys === 1 ? '' : 's'}`,
      )
      .join('; ')
      .concat('; the key must be unique and non-NULL for the join to mean anything, so nothing was compared');
    return;
  }

  opts.onProgress?.({ pair: pair.id, step: 'compare' });
  const cutoff =
    minAgeMs > 0 && plan.ageColumn
      ? new Date((opts.cutoffFrom ?? (await databaseClock(opts.client, opts.timeoutMs))).getTime() - minAgeMs)
      : null;
  r.cutoff = cutoff ? cutoff.toISOString() : null;
  const { comparedAny, emptied, ...outcome } = await compare(opts, plan, cutoff);
  if (!comparedAny) {
    // Zero keys compared is unmeasured, not clean: a writer that touches every row's age
    // column within min_age would otherwise keep the pair "clean" while nothing is read.
    r.status = 'halt';
    r.verdict = 'halt';
    r.halt_reason = 'insufficient';
    r.reason =
      emptied || !cutoff
        ? `${pair.canonical.text} and ${pair.shadow.text} held no rows when the comparison began, though they had rows when counted (emptied during the run), so no key was compared; run again`
        : `every key of ${pair.canonical.text} and ${pair.shadow.text} was written at or after ${r.cutoff} (within min_age of ${plan.ageColumn}) on one side or the other, so no key was compared`;
    return;
  }
  Object.assign(r, outcome);
  const d = outcome.counts.divergent;
  r.status = d === 0 ? 'clean' : 'divergent';
  r.verdict = d === 0 ? 'pass' : 'fail';
  r.reason =
    d === 0
      ? null
      : `${d} divergent key${d === 1 ? '' : 's'}: ${outcome.counts.canonical_missing} canonical_missing, ${outcome.counts.shadow_missing} shadow_missing, ${outcome.counts.value_mismatch} value_mismatch`;
}

/** The database's clock now, to the millisecond. */
export async function databaseClock(client: SqlClient, timeoutMs: number): Promise<Date> {
  const { text, params } = clockSql();
  const ms = (await client.query(text, params, { timeoutMs })).rows[0]?.ms;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new SqlHaltError('error', `the database's clock read as ${String(ms)}, not a time`);
  }
  return new Date(Math.floor(ms));
}

/** Whether the pair halted because its shadow table does not exist (nothing read). */
function shadowDropped(r: PairResult): boolean {
  return (
    r.status === 'halt' &&
    r.halt_reason === 'missing' &&
    r.coverage.length > 0 &&
    r.coverage.every((p) => p.code === 'table_missing') &&
    r.coverage.some((p) => p.table === r.shadow)
  );
}

/** The halt of an empty shadow never seen with rows; `history`: whether the ledger had the window history to say so. */
function neverStarted(r: PairResult, history: boolean): void {
  r.state = 'never_started';
  r.status = 'halt';
  r.verdict = 'halt';
  r.halt_reason = 'missing';
  r.reason = `${r.shadow} is empty and has never been seen with rows${history ? '' : ' (no window history in the ledger: run `rfcgate db migrate`)'}: the shadow window has not started, so there is nothing to compare`;
}

/** `a and b do not exist in this database`: the tables a pair could not read. */
function notInDatabase(tables: readonly (string | undefined)[]): string {
  return `${tables.join(' and ')} ${tables.length === 1 ? 'does' : 'do'} not exist in this database`;
}

/**
 * The alarm: the shadow is empty, or dropped, after the window saw it with rows (`since`, the
 * latest such instant known before the run's as-of).
 */
function wentDark(r: PairResult, since: string | null): void {
  const seen = `the shadow window was active${since ? ` (last seen with rows ${since})` : ''}`;
  r.state = 'went_dark';
  r.status = 'went_dark';
  r.verdict = 'went_dark';
  r.halt_reason = null;
  const missing = r.coverage.filter((p) => p.code === 'table_missing');
  if (missing.some((p) => p.table === r.shadow)) {
    r.reason = `${notInDatabase(missing.map((p) => p.table))}, but ${seen}: the shadow table was dropped or renamed, and the shadow writer went dark; if comparator.yaml names another table now, fix the name`;
  } else {
    r.reason = `${r.shadow} is empty, but ${seen}: the shadow writer went dark`;
  }
}

/**
 * A run's report with each pair's window state derived again at the run's as-of from `stored`,
 * the windows as read when the run records. A run reads the history when it starts; another
 * run that saw the shadow with rows before this one's as-of may record its observation after
 * that (runs overlap), and an empty or dropped shadow that this run called never started then
 * went dark: the pair gets the alarm this run would have raised had it known, and the report's
 * verdict follows. A run that could not read the history when it started left an empty
 * shadow's state unknown (and a dropped shadow's reason saying so): the history read now
 * places it, went dark or never started. Observations are only ever added to the stored
 * windows, so nothing else changes. The given report is left as it was (what the run measured).
 */
export function settleWindows(
  report: ComparatorReport,
  stored: ReadonlyMap<string, StoredWindow>,
  asOf: Date,
): ComparatorReport {
  let changed = false;
  const pairs = report.pairs.map((p) => {
    const dropped = shadowDropped(p);
    // Counted empty, yet no state: the history could not be read when the run started.
    const unplaced = p.state === null && p.shadow_has_rows === false;
    if (p.state !== 'never_started' && !dropped && !unplaced) return p;
    const window = stored.get(p.id);
    const r = { ...p };
    if (window && stateAt(window, false, asOf) === 'went_dark') {
      wentDark(r, seenWithRowsBefore(window, asOf));
    } else if (unplaced) {
      neverStarted(r, true);
    } else if (dropped) {
      r.reason = `nothing to compare: ${notInDatabase(r.coverage.map((c) => c.table))}`;
      if (r.reason === p.reason) return p;
    } else {
      return p;
    }
    changed = true;
    return r;
  });
  if (!changed) return report;
  return { ...report, window_history: true, verdict: combine(pairs.map((p) => p.verdict)), pairs };
}

function keyOf(key: readonly string[], row: SqlRow, prefix = 'k'): Record<string, string> {
  const out = byColumn<string>();
  key.forEach((k, i) => {
    out[k] = String(row[`${prefix}${i}`]);
  });
  return out;
}

export interface CompareOutcome {
  counts: NonNullable<PairResult['counts']>;
  columns: Record<string, number>;
  rows: DivergentRow[];
  truncated: boolean;
  /** At least one key was old enough on both sides to be compared (without an age filter: either side held a row). */
  comparedAny: boolean;
  /** Both tables were found empty when the key range was read, after they had been counted. */
  emptied?: boolean;
}

/** Reads one compareSql result set. */
export function readCompareRows(plan: ComparePlan, rows: readonly SqlRow[], limit: number): CompareOutcome {
  const first = rows[0] ?? {};
  const counts = {
    canonical_missing: num(first.t_canonical_missing),
    shadow_missing: num(first.t_shadow_missing),
    value_mismatch: num(first.t_value_mismatch),
    divergent: 0,
  };
  counts.divergent = counts.canonical_missing + counts.shadow_missing + counts.value_mismatch;
  const columns = byColumn<number>();
  plan.compared.forEach((c, i) => {
    const n = num(first[`t_c${i}`]);
    if (n > 0) columns[c.name] = n;
  });
  const listed = rows
    .filter((row) => row.kind !== null && row.kind !== undefined)
    .map((row): DivergentRow => ({
      key: keyOf(plan.pair.key, row, 'key'),
      kind: row.kind as DivergenceKind,
      columns:
        row.kind === 'value_mismatch' ? plan.compared.filter((_, i) => row[`d${i}`] === true).map((c) => c.name) : [],
    }));
  return {
    counts,
    columns,
    rows: listed.slice(0, limit),
    truncated: counts.divergent > Math.min(listed.length, limit),
    comparedAny: first.t_compared_any === undefined || first.t_compared_any === true,
  };
}

const INTEGER_KEYS = new Set(['int2', 'int4', 'int8']);

async function compare(opts: RunComparatorOptions, plan: ComparePlan, cutoff: Date | null): Promise<CompareOutcome> {
  const chunks = opts.chunks ?? 1;
  const q = (sql: SqlText) => opts.client.query(sql.text, sql.params, { timeoutMs: opts.timeoutMs });
  if (chunks <= 1 || plan.key.length !== 1 || !INTEGER_KEYS.has(plan.key[0]?.typname ?? '')) {
    const res = await q(compareSql(plan, { limit: opts.limit, cutoff }));
    return readCompareRows(plan, res.rows, opts.limit);
  }
  const bounds = (await q(keyBoundsSql(plan))).rows[0] ?? {};
  // Both tables emptied since they were counted (a writer truncating them): no key range to
  // split, and nothing compared is unmeasured, not clean.
  if (bounds.lo == null || bounds.hi == null) {
    const none = { canonical_missing: 0, shadow_missing: 0, value_mismatch: 0, divergent: 0 };
    return { counts: none, columns: {}, rows: [], truncated: false, comparedAny: false, emptied: true };
  }
  const lo = BigInt(String(bounds.lo));
  const hi = BigInt(String(bounds.hi));
  const n = BigInt(chunks);
  const step = (hi - lo + n) / n;
  const ranges: { from: string; to: string }[] = [];
  for (let from = lo; from <= hi; from += step) {
    const to = from + step - 1n < hi ? from + step - 1n : hi;
    ranges.push({ from: String(from), to: String(to) });
  }
  let done = 0;
  // Chunks run concurrently (the client's pool bounds how many at once); each filters its range on both sides.
  const parts = await Promise.all(
    ranges.map(async (range) => {
      const res = await q(compareSql(plan, { limit: opts.limit, cutoff, range }));
      done++;
      opts.onProgress?.({ pair: plan.pair.id, step: 'compare', chunk: [done, ranges.length] });
      return readCompareRows(plan, res.rows, opts.limit);
    }),
  );
  const counts = { canonical_missing: 0, shadow_missing: 0, value_mismatch: 0, divergent: 0 };
  const columns = byColumn<number>();
  const rows: DivergentRow[] = [];
  let comparedAny = false;
  for (const p of parts) {
    comparedAny ||= p.comparedAny;
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += p.counts[k];
    for (const [c, v] of Object.entries(p.columns)) columns[c] = (columns[c] ?? 0) + v;
    rows.push(...p.rows);
  }
  // Ranges are in key order, so their listings concatenate in key order.
  const ordered = byColumn<number>();
  for (const c of plan.compared) if (columns[c.name]) ordered[c.name] = columns[c.name] as number;
  return {
    counts,
    columns: ordered,
    rows: rows.slice(0, opts.limit),
    truncated: counts.divergent > Math.min(rows.length, opts.limit),
    comparedAny,
  };
}

/**
 * gate history's tables: an RFC's recorded runs, one gate across them, or one run's results.
 * Plain, every column padded to its widest cell, as measure list's table is.
 */
import stringWidth from 'string-width';
import type { Channel, GateHistoryEntry, ListedGateResult, ListedGateRun } from '../ledger/gate-history.js';
import type { Verdict } from '../model/result.js';
import { visible } from './visible.js';

/** The abbreviated commit, as git shows one by default. */
const SHORT_SHA = 7;

/** Which optional columns naming a run a table shows: each only when a listed run has one. */
interface RunColumns {
  runKey: boolean;
  snapshot: boolean;
}

function runColumns(runs: readonly Pick<ListedGateRun, 'run_key' | 'snapshot_at'>[]): RunColumns {
  return {
    runKey: runs.some((r) => r.run_key !== undefined),
    snapshot: runs.some((r) => r.snapshot_at !== null),
  };
}

/** The columns naming a run, first in every table of runs. */
function runHeader(c: RunColumns): string[] {
  return [
    'run',
    ...(c.runKey ? ['run_key'] : []),
    'recorded_at',
    'as_of',
    ...(c.snapshot ? ['snapshot_at'] : []),
    'ref',
    'sha',
  ];
}

function runCells(
  id: string,
  r: Pick<ListedGateRun, 'run_key' | 'recorded_at' | 'as_of' | 'snapshot_at' | 'ref' | 'sha'>,
  c: RunColumns,
): string[] {
  // The ref and the run id are as the user typed them.
  return [
    id,
    ...(c.runKey ? [r.run_key === undefined ? '-' : visible(r.run_key)] : []),
    r.recorded_at,
    r.as_of,
    ...(c.snapshot ? [r.snapshot_at ?? '-'] : []),
    visible(r.ref),
    shortSha(r.sha),
  ];
}

/**
 * The runs, newest first. run_key (the --run-id recorded), snapshot_at, phase and only are
 * columns only when a listed run has one: most ledgers record live databases and every phase, and the table stays narrow.
 */
export function gateRunsTable(runs: readonly ListedGateRun[]): string {
  const cols = runColumns(runs);
  const phase = runs.some((r) => r.phase !== null);
  const only = runs.some((r) => r.only !== null);
  const header = [
    ...runHeader(cols),
    ...(phase ? ['phase'] : []),
    ...(only ? ['only'] : []),
    'verdict',
    'pass',
    'fail',
    'halt',
  ];
  const body = runs.map((r) => [
    ...runCells(r.id, r, cols),
    // The phase is as the user typed it, and --only's ids as the spec spells them.
    ...(phase ? [visible(r.phase ?? '-')] : []),
    ...(only ? [r.only ? visible(r.only.join(',')) : '-'] : []),
    r.verdict,
    String(r.gates.pass),
    String(r.gates.fail),
    String(r.gates.halt),
  ]);
  return table(header, body);
}

/**
 * One gate in each run that recorded it, newest first; `change` marks where its verdict, halt
 * reason or channel moved. channel is a column only when a listed halt has one.
 */
export function gateHistoryTable(entries: readonly GateHistoryEntry[]): string {
  const cols = runColumns(entries);
  const channel = entries.some((e) => e.channel !== null);
  const header = [...runHeader(cols), 'verdict', 'halt_reason', ...(channel ? ['channel'] : []), 'change', 'reason'];
  const body = entries.map((e) => [
    ...runCells(e.run_id, e, cols),
    e.verdict,
    visible(e.halt_reason ?? '-'),
    ...(channel ? [e.channel ?? '-'] : []),
    change(e),
    // Last, and whole: it is what the row is read for, and --json has it too.
    visible(e.reason ?? '-'),
  ]);
  return table(header, body);
}

/**
 * The answer to "since when": the newest run's verdict (with its halt reason) and the run it
 * has held since, when that run is listed; otherwise that the change is older than the listing.
 */
export function gateHistorySummary(gate: string, entries: readonly GateHistoryEntry[]): string {
  const newest = entries[0];
  if (!newest) return '';
  const name = `gate ${visible(gate)}`;
  const now = state(newest.verdict, newest.halt_reason, newest.channel);
  const since = entries.findIndex((e) => e.changed || e.previous_verdict === null);
  const start = entries[since];
  if (!start) {
    return `${name} is ${now} in every listed run (since run ${entries.at(-1)?.run_id} at least); raise --limit to see since when\n`;
  }
  if (start.previous_verdict === null) {
    return `${name} is ${now} in every run that recorded it, since its first, run ${start.run_id} (recorded ${start.recorded_at})\n`;
  }
  return `${name} is ${now} since run ${start.run_id} (recorded ${start.recorded_at}, as of ${start.as_of}); it was ${state(start.previous_verdict, start.previous_halt_reason, start.previous_channel)} before\n`;
}

/** One run's results, in the order the specs declare the gates. */
export function gateResultsTable(results: readonly ListedGateResult[]): string {
  const header = ['gate', 'kind', 'verdict', 'halt_reason', 'reason'];
  const body = results.map((r) => [
    visible(r.gate_id),
    visible(r.kind),
    r.verdict,
    visible(r.halt_reason ?? '-'),
    visible(r.reason ?? '-'),
  ]);
  return table(header, body);
}

function change(e: GateHistoryEntry): string {
  if (e.previous_verdict === null) return 'first';
  return e.changed
    ? `${state(e.previous_verdict, e.previous_halt_reason, e.previous_channel)} -> ${state(e.verdict, e.halt_reason, e.channel)}`
    : '-';
}

/**
 * `halt (missing)`, `halt (missing, went_dark)`: a halt with its reason and channel, which a
 * change may be all about; a pass or fail as it is.
 */
function state(verdict: Verdict, haltReason: string | null, channel: Channel | null): string {
  if (verdict !== 'halt' || haltReason === null) return verdict;
  // A halt reason is as the ledger holds it, which anyone who can write there can write.
  return `halt (${visible(haltReason)}${channel === null ? '' : `, ${channel}`})`;
}

function shortSha(sha: string | null): string {
  return sha === null ? '-' : visible(sha.slice(0, SHORT_SHA));
}

/** Columns padded in terminal columns, not UTF-16 units: a gate id or a reason may hold wide characters. */
function table(header: readonly string[], body: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => stringWidth(row[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - stringWidth(c))))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

/**
 * One streaming pass over telemetry files: records after `as_of` never count; the window
 * (a time range before `as_of`, the last N turns, per session or overall) decides which turns
 * are folded into totals; the two invariants are checked on the turns in the window.
 *
 * "The last N turns" and "the next turn" follow reading order (files sorted by path, lines in
 * order), which is the order an append-only telemetry writer produces. Only what a window or
 * an invariant needs is kept: the last N turns, compaction and injection turns with the facts
 * of the turn that decides them, and fork-trace records (sparse by nature).
 */
import { addMisses, addTurn, emptyTotals, type InvariantName, type Totals } from './metrics.js';
import { matchFiles, type ReadOptions, type ReadSummary, readTelemetry } from './read.js';
import { MISS_SOURCES, type TurnRecord } from './records.js';

export interface ScanOptions extends ReadOptions {
  asOf: Date;
  /** Only turns with ts in [as_of - rangeMs, as_of) count. */
  rangeMs?: number;
  /** Only the last N turns (of each session when perSession) count. */
  lastTurns?: number;
  perSession?: boolean;
  /** Keep the hit ratio of each session's last `series` turns (for the report's sparkline). */
  series?: number;
}

export interface SessionStats {
  totals: Totals;
  /** cache_read / (cache_read + input) of each of the last turns; NaN for a turn with no input at all. */
  series: number[];
}

export interface Violation {
  session: string;
  /** The compaction or injection turn. */
  turn: number;
  /** The turn that failed to read the cached prefix (the next one after a compaction). */
  missed_turn: number;
  cause: 'message_prefix miss' | 'no cache read';
  file: string;
  line: number;
}

export interface InvariantCheck {
  /** Marked turns in the window whose deciding turn was seen. */
  checked: number;
  /** Marked turns in the window whose next turn has not been recorded (yet). */
  unchecked: number;
  violations: Violation[];
}

export interface ScanResult {
  read: ReadSummary;
  overall: Totals;
  sessions: Map<string, SessionStats>;
  invariants: Record<InvariantName, InvariantCheck>;
  /** Newest turn recorded before as_of, window or not: what "stale" is judged on. */
  newestTs: number | undefined;
  /** Records at or after as_of, left out of everything. */
  afterAsOf: number;
}

interface Located {
  rec: TurnRecord & { turn: number };
  file: string;
  line: number;
}

/** The turn whose cache read decides an invariant: a few numbers, not the whole record. */
interface Decider {
  turn: number;
  cacheRead: number;
  file: string;
  line: number;
}

/** A compaction or injection turn; kept for the whole pass, so kept small. */
interface MarkedTurn {
  kind: InvariantName;
  session: string;
  turn: number;
  ts: number;
  /** The next turn (compaction) or the turn itself (injection); absent until seen. */
  decider?: Decider;
}

const key = (session: string, turn: number) => `${session}\u0000${turn}`;

/** A fixed-size ring of the newest items. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;
  constructor(private readonly size: number) {}
  push(x: T): void {
    if (this.items.length < this.size) this.items.push(x);
    else {
      this.items[this.next] = x;
      this.next = (this.next + 1) % this.size;
    }
  }
  toArray(): T[] {
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

export function turnHitRatio(r: Pick<TurnRecord, 'cacheRead' | 'input'>): number {
  const d = r.cacheRead + r.input;
  return d > 0 ? r.cacheRead / d : Number.NaN;
}

export async function scanTelemetry(root: string, patterns: readonly string[], opts: ScanOptions): Promise<ScanResult> {
  const files = await matchFiles(root, patterns);
  return scanFiles(root, files, opts);
}

export async function scanFiles(root: string, files: readonly string[], opts: ScanOptions): Promise<ScanResult> {
  const asOf = opts.asOf.getTime();
  const start = opts.rangeMs === undefined ? -Infinity : asOf - opts.rangeMs;
  const overall = emptyTotals();
  const sessions = new Map<string, SessionStats>();
  const lastTurnNo = new Map<string, number>();
  // Miss sources as a bit mask (bit i = MISS_SOURCES[i]): fork traces are kept for the whole pass.
  const forks = new Map<string, { mask: number; ts: number }>();
  const marked: MarkedTurn[] = [];
  const awaitingNext = new Map<string, MarkedTurn>();
  const rings = new Map<string, Ring<Located>>();
  let newestTs: number | undefined;
  let afterAsOf = 0;

  const session = (id: string): SessionStats => {
    let s = sessions.get(id);
    if (!s) {
      s = { totals: emptyTotals(), series: [] };
      sessions.set(id, s);
    }
    return s;
  };
  const seriesRings = new Map<string, Ring<number>>();
  const fold = (l: Located): void => {
    addTurn(overall, l.rec);
    addTurn(session(l.rec.session).totals, l.rec);
    if (opts.series) {
      let r = seriesRings.get(l.rec.session);
      if (!r) {
        r = new Ring(opts.series);
        seriesRings.set(l.rec.session, r);
      }
      r.push(turnHitRatio(l.rec));
    }
  };

  const read = await readTelemetry(
    root,
    files,
    (record, file, line) => {
      if (record.ts >= asOf) {
        afterAsOf++;
        return;
      }
      if (record.kind === 'fork_trace') {
        const k = key(record.session, record.turn);
        let mask = 0;
        for (const m of record.misses) mask |= 1 << MISS_SOURCES.indexOf(m);
        const prior = forks.get(k);
        // Two traces of one turn name the union of their sources.
        if (prior) prior.mask |= mask;
        else forks.set(k, { mask, ts: record.ts });
        return;
      }
      // An OTel span without a turn number is the next turn of its session, in reading order.
      // The record is this pass's own object: numbering it in place saves a copy per turn.
      const turn = record.turn ?? (lastTurnNo.get(record.session) ?? 0) + 1;
      record.turn = turn;
      // Only OTel spans may lack a turn number, so only their sessions need counting.
      if (record.shape === 'otel') lastTurnNo.set(record.session, turn);
      const l: Located = { rec: record as Located['rec'], file, line };
      if (newestTs === undefined || record.ts > newestTs) newestTs = record.ts;

      if (awaitingNext.size > 0) {
        const k = key(record.session, turn);
        const waiting = awaitingNext.get(k);
        if (waiting) {
          waiting.decider = { turn, cacheRead: record.cacheRead, file, line };
          awaitingNext.delete(k);
        }
      }
      // A marked turn before a time window can never count: not kept.
      const keep = opts.lastTurns !== undefined || record.ts >= start;
      if (record.compaction && keep) {
        const m: MarkedTurn = { kind: 'compaction', session: record.session, turn, ts: record.ts };
        marked.push(m);
        awaitingNext.set(key(record.session, turn + 1), m);
      }
      if (record.injection && keep) {
        marked.push({
          kind: 'injection',
          session: record.session,
          turn,
          ts: record.ts,
          decider: { turn, cacheRead: record.cacheRead, file, line },
        });
      }

      if (record.ts < start) return;
      if (opts.lastTurns === undefined) {
        fold(l);
        return;
      }
      const rk = opts.perSession ? record.session : '';
      let ring = rings.get(rk);
      if (!ring) {
        ring = new Ring(opts.lastTurns);
        rings.set(rk, ring);
      }
      ring.push(l);
    },
    opts,
  );

  // Which turns the window kept: every turn in range, or exactly the ones left in the rings.
  let inWindow: (session: string, turn: number, ts: number) => boolean;
  if (opts.lastTurns === undefined) {
    inWindow = (_s, _t, ts) => ts >= start && ts < asOf;
  } else {
    const kept = new Set<string>();
    for (const ring of [...rings.values()]) {
      for (const l of ring.toArray()) {
        kept.add(key(l.rec.session, l.rec.turn));
        fold(l);
      }
    }
    inWindow = (s, t) => kept.has(key(s, t));
  }
  for (const [s, r] of seriesRings) session(s).series = r.toArray();

  for (const [k, f] of [...forks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [s = '', t = '0'] = k.split('\u0000');
    if (!inWindow(s, Number(t), f.ts)) continue;
    const misses = MISS_SOURCES.filter((_, i) => f.mask & (1 << i));
    addMisses(overall, misses);
    addMisses(session(s).totals, misses);
  }

  const invariants: Record<InvariantName, InvariantCheck> = {
    compaction: { checked: 0, unchecked: 0, violations: [] },
    injection: { checked: 0, unchecked: 0, violations: [] },
  };
  const prefixBit = 1 << MISS_SOURCES.indexOf('message_prefix');
  for (const m of marked) {
    if (!inWindow(m.session, m.turn, m.ts)) continue;
    const check = invariants[m.kind];
    const d = m.decider;
    if (!d) {
      check.unchecked++;
      continue;
    }
    check.checked++;
    const trace = forks.get(key(m.session, d.turn));
    // Attribution, when recorded, says why the turn missed; without it a turn that read nothing missed the prefix.
    const cause =
      trace && trace.mask & prefixBit
        ? 'message_prefix miss'
        : !trace && d.cacheRead === 0
          ? 'no cache read'
          : undefined;
    if (cause) {
      check.violations.push({
        session: m.session,
        turn: m.turn,
        missed_turn: d.turn,
        cause,
        file: d.file,
        line: d.line,
      });
    }
  }

  return { read, overall, sessions, invariants, newestTs, afterAsOf };
}

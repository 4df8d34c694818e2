/**
 * One streaming pass over telemetry files: records after `as_of` never count; the window
 * (a time range before `as_of`, the last N turns, per session or overall) decides which turns
 * are folded into totals; the two invariants are checked on the turns in the window.
 *
 * "The last N turns" follow reading order (files sorted by path, numbers in names by value,
 * lines in order), which is the order an append-only telemetry writer produces; the turn after
 * a compaction, and the turn a fork trace explains, are found by number wherever they are read.
 * Only what a window or an invariant needs is kept: the last N turns, compaction and injection
 * turns with the facts of the turn that decides them, and fork-trace records (sparse by nature).
 */
import { addMisses, addTurn, emptyTotals, type InvariantName, type Totals } from './metrics.js';
import { matchFiles, type ReadOptions, type ReadSummary, type RecordSink, readTelemetry } from './read.js';
import { type CompactionRecord, MISS_SOURCES, sameModel, type TurnRecord } from './records.js';
import { formatAge } from '../../util/duration.js';

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
  /**
   * Marked turns whose deciding read found nothing after the cache's lifetime had run out since
   * the turn before it (a compaction's next turn more than 5 minutes after the compaction, an
   * injection turn more than 5 minutes after its session's previous turn; an hour in a session
   * that writes 1-hour entries), with no fork trace to say why: the prefix may have expired
   * rather than been rewritten, so they count neither as checked nor as a violation.
   */
  pastLifetime: number;
  /**
   * Marked turns whose deciding turn carries no cache counter and no fork trace names a source
   * for: whether it read the prefix is unknown, so they count neither as checked nor as a violation.
   */
  notCounted: number;
  /**
   * Marked turns whose deciding read found nothing, with no fork trace to say why, on another
   * model than the turn before it (a compaction's next turn against the compaction, an injection
   * against its session's previous turn): a cache entry serves only the model that wrote it, so
   * the read of nothing says nothing of the prefix. Neither checked nor a violation.
   */
  modelChanged: number;
  /**
   * Injection turns that were their session's first (turn 0, or turn 1 of a session without a
   * turn 0): nothing of the session was cached yet, so their read of the cache says nothing of
   * where the results went. Neither checked nor a violation; always 0 for compactions.
   */
  firstTurn: number;
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
  /**
   * The oldest turn at or after as_of: when nothing before as_of was recorded, it tells a log
   * that starts later from one that holds no turn at all.
   */
  firstTsAfterAsOf: number | undefined;
  /** Turn records of a (session, turn) already read, left out: the first one counts. */
  duplicates: { count: number; first: DuplicateTurn[] };
  /**
   * Turns with fork traces but no turn record before as_of: their misses count nowhere, and
   * many of them say the writer numbers its traces apart from its turns.
   */
  tracesWithoutTurn: number;
}

/**
 * A turn record left out because its session and turn were read before; or, for a span
 * without a turn number, its session and span (TurnRecord.span).
 */
export interface DuplicateTurn {
  session: string;
  turn: number | undefined;
  span?: string;
  file: string;
  line: number;
}

/** A duplicate as a person reads it, in evidence and in the report. */
export function describeDuplicate(d: DuplicateTurn): string {
  const which = d.span !== undefined ? `span ${d.span}` : `turn ${String(d.turn)}`;
  return `${d.file}:${d.line}: session ${d.session} ${which} was read before`;
}

/** How many duplicate turns are named; the rest are counted. */
const DUPLICATES_SHOWN = 10;
/** Turns up to this number are remembered in a bitmap per session, beyond it in a set. */
const SEEN_BITMAP_TURNS = 1 << 16;
/** How long a prompt-cache entry lives after it was last read: 5 minutes, or 1 hour when written so. */
const FIVE_MINUTES_MS = 5 * 60_000;
const HOUR_MS = 60 * 60_000;

interface Located {
  rec: TurnRecord & { turn: number };
  file: string;
  line: number;
  /**
   * With last_turns, for a turn that read nothing: how long after the turn before it this one
   * came (NaN until that turn is read). A small object of its own, so a session waiting for its
   * turn 0 keeps this, not the whole record.
   */
  nothing: { gap: number } | undefined;
}

/**
 * The fork traces of one turn: their miss sources as a bit mask (bit i = MISS_SOURCES[i]). Their
 * own ts says nothing: they count with the turn they explain, if it is a turn in the window.
 */
interface ForkTrace {
  session: string;
  turn: number;
  mask: number;
  /** A cache_miss_reason type no source stands for (ForkTraceRecord.unknownReason), and where, as file:line. */
  unknown?: { type: string; at: string };
}

/**
 * A compaction or injection turn; kept for the whole pass, so kept small: the turn whose cache
 * read decides it (the next turn for a compaction, the turn itself for an injection) is a few
 * fields of the same object, not an object of its own.
 */
interface MarkedTurn {
  kind: InvariantName;
  session: string;
  turn: number;
  ts: number;
  /** Whether the deciding turn was seen; the four fields after it are its facts. */
  decided: boolean;
  missedTurn: number;
  cacheRead: number;
  file: string;
  /**
   * Milliseconds from the turn before the deciding read to it, which the cache's lifetime is
   * judged on: from a compaction to its next turn, from an injection's previous turn to the
   * injection. -1 while unknown (a small integer, so marked turns waiting do not each box a
   * double), and for good when an injection's previous turn is never read.
   */
  gap: number;
  line: number;
  /** The marked turn's model, and that of the turn it is judged against (see InvariantCheck.modelChanged). */
  model: string | undefined;
  otherModel: string | undefined;
}

/** A marked or early turn's cacheRead when its record carries no cache counter: unknown, not 0. */
const NOT_COUNTED = -2;

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

/**
 * The ring of a session's last hit ratios: numbers in a Float64Array, kept out of the collected
 * heap (tens of thousands of sessions hold one each for the whole pass). It grows to `size` as
 * turns come, so a large --turns costs what the sessions' turns need, not `size` each.
 */
class SeriesRing {
  private items: Float64Array;
  private length = 0;
  private next = 0;
  constructor(private readonly size: number) {
    this.items = new Float64Array(Math.min(size, 64));
  }
  push(x: number): void {
    // Full but below its size: it has not wrapped yet (next is 0), so the turns stay in order.
    if (this.length === this.items.length && this.length < this.size) {
      const grown = new Float64Array(Math.min(this.size, this.items.length * 2));
      grown.set(this.items);
      this.items = grown;
      this.next = this.length;
    }
    this.items[this.next] = x;
    this.next = (this.next + 1) % this.items.length;
    if (this.length < this.items.length) this.length++;
  }
  toArray(): number[] {
    const out: number[] = [];
    const start = this.length < this.items.length ? 0 : this.next;
    for (let k = 0; k < this.length; k++) out.push(this.items[(start + k) % this.items.length] as number);
    return out;
  }
}

export function turnHitRatio(r: Pick<TurnRecord, 'cacheRead' | 'input' | 'cacheCounted'>): number {
  const d = r.cacheRead + r.input;
  return d > 0 && r.cacheCounted ? r.cacheRead / d : Number.NaN;
}

export async function scanTelemetry(root: string, patterns: readonly string[], opts: ScanOptions): Promise<ScanResult> {
  const files = await matchFiles(root, patterns);
  return scanFiles(root, files, opts);
}

/** A turn read before the turn it follows: what decides a compaction there, should one come. */
interface EarlyTurn {
  cacheRead: number;
  file: string;
  line: number;
  ts: number;
  model: string | undefined;
  /** With last_turns, the gap its ring entry learns when the turn before comes (see Located). */
  nothing?: { gap: number };
}

/**
 * What the pass keeps per session while reading, found with one lookup per record: the session's
 * row (created when a turn or fork trace of it first counts), its series, its OTel turn count,
 * the compaction turns waiting for its next turn and the injection turns waiting for their
 * previous one.
 */
interface SessionState {
  stats: SessionStats | undefined;
  series: SeriesRing | undefined;
  /**
   * The highest turn of the session so far (-1: none yet; a writer may number from 0), which
   * a span without a turn number follows.
   */
  maxTurn: number;
  /** The ts of that turn, for an injection at the turn after it. */
  maxTs: number;
  /** And its model. */
  maxModel: string | undefined;
  /**
   * Turns other than the highest read while the turn after them was not (files or lines out of
   * order, a turn missing), with their ts, for that turn should it be an injection: an entry
   * goes when that turn is read, so a session read in order keeps none (as `early`).
   */
  late: Map<number, number> | undefined;
  /** The models of the turns in `late`, kept and let go with them. */
  lateModel: Map<number, string | undefined> | undefined;
  /** Compaction turns keyed by the turn that decides them (their turn + 1). */
  awaiting: Map<number, MarkedTurn> | undefined;
  /** Injection turns read before their previous turn, keyed by it (their turn - 1): it decides their gap. */
  awaitingPrevious: Map<number, MarkedTurn> | undefined;
  /**
   * Turns read before the turn they follow (files or lines out of order), with the facts that
   * decide a compaction at the turn before them, should it come later.
   */
  early: Map<number, EarlyTurn> | undefined;
  /**
   * Turn 1 read while turn 0 was not, kept as `early` keeps later turns (a writer may number
   * from 0, and turn 0 may come last), but in the session's own fields: every session
   * numbered from 1 keeps it for the whole pass, and tens of thousands of Maps would not be
   * cheap. oneCacheRead is -1 when nothing is kept (NOT_COUNTED when turn 1 carried no cache counter).
   */
  oneCacheRead: number;
  oneTs: number;
  oneFile: string;
  oneLine: number;
  oneModel: string | undefined;
  oneNothing: { gap: number } | undefined;
  /** Whether the session writes 1-hour cache entries anywhere: its entries may live an hour. */
  oneHour: boolean;
  /**
   * In a time window, the turns that read nothing from the cache: within 5 minutes of the turn
   * before, and between 5 minutes and an hour (a miss only if the session writes 1-hour
   * entries, known at the end). Which turns, not only how many: a fork trace of a turn's own
   * explains its miss, one of another turn does not. Bits, as the turns read are, not a list:
   * most sessions have some (undefined while none).
   */
  nothing5m: TurnBits | undefined;
  nothing1h: TurnBits | undefined;
  /**
   * The turns read so far (a copied file, a .jsonl beside its .jsonl.gz, is read again): while
   * they are one run [runLo, runHi], as a writer numbers them, the two ends; once they are not,
   * one bit each (a set beyond SEEN_BITMAP_TURNS). Tens of thousands of sessions keep this for
   * the whole pass, so the common case holds two numbers, not an array.
   */
  runLo: number;
  runHi: number;
  seen: Uint8Array | undefined;
  seenBeyond: Set<number> | undefined;
  /**
   * Which of the turns read are in the time window, for the fork traces that name them (a
   * trace may be read before or after its turn). While every turn before the window is
   * numbered below every turn in it, as a writer's clock numbers them, two numbers say which:
   * the lowest turn in the window and the highest before it (-1: none yet); once not, each
   * turn in the window has a bit.
   */
  windowLo: number;
  beforeHi: number;
  windowBits: TurnBits | undefined;
  /** The ids of the session's spans without a turn number read so far (TurnRecord.span). */
  spans: Set<string> | undefined;
  /** The ids of the session's compaction events read so far (CompactionRecord.id). */
  compactions: Set<string> | undefined;
}

/** A set of turn numbers: one bit each up to SEEN_BITMAP_TURNS, a set beyond. */
interface TurnBits {
  seen: Uint8Array | undefined;
  seenBeyond: Set<number> | undefined;
}

/** What the pass that learns a disordered session's numbers keeps of it (PassState.gather). */
interface Gathered {
  ts: number[];
  turns: number[];
  models: (string | undefined)[];
  compactions: number[];
}

/** Everything the pass gathers. */
interface PassState {
  overall: Totals;
  sessions: Map<string, SessionStats>;
  states: Map<string, SessionState>;
  /** Miss sources as a bit mask (bit i = MISS_SOURCES[i]) per session and turn. */
  forks: Map<string, ForkTrace>;
  marked: MarkedTurn[];
  rings: Map<string, Ring<Located>>;
  /** A field, not a variable: a closure variable holding a double is a fresh heap number per store. */
  newest: { ts: number };
  afterAsOf: number;
  /** The oldest turn at or after as_of, +Infinity for none (a field, as newest is). */
  firstAfterAsOf: { ts: number };
  duplicates: { count: number; first: DuplicateTurn[] };
  /** Sessions where a span without a turn number was read after a turn that came later than it. */
  disordered: Set<string>;
  /** The request ids read so far, of every session (TurnRecord.span `request_id …`). */
  requests: Set<string>;
  /**
   * Sessions whose unnumbered spans' ts, numbers and models are gathered, in reading order, and
   * the ts of their compaction events (see scanFiles).
   */
  gather: Map<string, Gathered> | undefined;
  /** Sessions whose unnumbered spans take these numbers, in reading order, instead of the next one. */
  numbers: Map<string, { turns: number[]; next: number }> | undefined;
}

/** Marks a session's turn as read; true when it already was. */
function readBefore(st: SessionState, turn: number): boolean {
  if (st.seen === undefined && st.seenBeyond === undefined) {
    if (st.runHi < st.runLo) {
      st.runLo = st.runHi = turn;
      return false;
    }
    if (turn >= st.runLo && turn <= st.runHi) return true;
    if (turn === st.runHi + 1) {
      st.runHi = turn;
      return false;
    }
    if (turn === st.runLo - 1) {
      st.runLo = turn;
      return false;
    }
    // Out of the run: every turn of it goes to the bitmap, then this one.
    for (let t = st.runLo; t <= st.runHi; t++) markTurn(st, t);
  }
  return markTurn(st, turn);
}

/** Whether a session's turn 0 was read: then its turn 1 is not its first. */
function readTurnZero(p: PassState, session: string): boolean {
  const st = p.states.get(session);
  return st !== undefined && hasRead(st, 0);
}

/** Whether a session's turn was read already (without marking it). */
function hasRead(st: SessionState, turn: number): boolean {
  if (st.seen === undefined && st.seenBeyond === undefined) return turn >= st.runLo && turn <= st.runHi;
  return hasTurn(st, turn);
}

function hasTurn(b: TurnBits, turn: number): boolean {
  if (turn >= SEEN_BITMAP_TURNS) return b.seenBeyond?.has(turn) === true;
  const byte = b.seen?.[turn >> 3] ?? 0;
  return (byte & (1 << (turn & 7))) !== 0;
}

/** Adds a turn to a set; true when it was there already. */
function markTurn(b: TurnBits, turn: number): boolean {
  if (turn >= SEEN_BITMAP_TURNS) {
    const beyond = (b.seenBeyond ??= new Set());
    if (beyond.has(turn)) return true;
    beyond.add(turn);
    return false;
  }
  const byte = turn >> 3;
  let bits = b.seen;
  if (bits === undefined || byte >= bits.length) {
    const grown = new Uint8Array(Math.max(16, (byte + 1) * 2));
    if (bits) grown.set(bits);
    b.seen = bits = grown;
  }
  const bit = 1 << (turn & 7);
  const had = ((bits[byte] as number) & bit) !== 0;
  bits[byte] = (bits[byte] as number) | bit;
  return had;
}

/** Every turn of a session read so far, as many calls as there are turns (not one per number between them). */
function forEachRead(st: SessionState, fn: (turn: number) => void): void {
  if (st.seen === undefined && st.seenBeyond === undefined) {
    for (let t = st.runLo; t <= st.runHi; t++) fn(t);
    return;
  }
  forEachTurn(st, fn);
}

/** Every turn of a set. */
function forEachTurn(b: TurnBits, fn: (turn: number) => void): void {
  const bits = b.seen;
  if (bits !== undefined) {
    for (let byte = 0; byte < bits.length; byte++) {
      const v = bits[byte] as number;
      if (v === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (v & (1 << bit)) fn(byte * 8 + bit);
    }
  }
  b.seenBeyond?.forEach(fn);
}

/** Records whether a turn just read (and marked read) is in the time window. */
function markWindow(st: SessionState, turn: number, inWindow: boolean): void {
  if (st.windowBits !== undefined) {
    if (inWindow) markTurn(st.windowBits, turn);
    return;
  }
  if (inWindow && turn > st.beforeHi) {
    if (st.windowLo < 0 || turn < st.windowLo) st.windowLo = turn;
    return;
  }
  if (!inWindow && (st.windowLo < 0 || turn < st.windowLo)) {
    if (turn > st.beforeHi) st.beforeHi = turn;
    return;
  }
  // A turn before the window numbered above one in it (or the other way round): the two
  // numbers no longer tell, so every turn in the window so far gets its bit. They are the
  // turns read from windowLo on, this one aside.
  const bits: TurnBits = { seen: undefined, seenBeyond: undefined };
  const lo = st.windowLo;
  if (lo >= 0) {
    forEachRead(st, (t) => {
      if (t >= lo && t !== turn) markTurn(bits, t);
    });
  }
  if (inWindow) markTurn(bits, turn);
  st.windowBits = bits;
}

/** Whether a session's turn was read and is in the time window. */
function inTimeWindow(st: SessionState, turn: number): boolean {
  if (!hasRead(st, turn)) return false;
  if (st.windowBits !== undefined) return hasTurn(st.windowBits, turn);
  return st.windowLo >= 0 && turn >= st.windowLo;
}

function newPassState(): PassState {
  return {
    overall: emptyTotals(),
    sessions: new Map(),
    states: new Map(),
    forks: new Map(),
    marked: [],
    rings: new Map(),
    newest: { ts: -Infinity },
    afterAsOf: 0,
    firstAfterAsOf: { ts: Infinity },
    duplicates: { count: 0, first: [] },
    disordered: new Set(),
    requests: new Set(),
    gather: undefined,
    numbers: undefined,
  };
}

function stateOf(p: PassState, id: string): SessionState {
  let st = p.states.get(id);
  if (!st) {
    st = {
      stats: undefined,
      series: undefined,
      maxTurn: -1,
      maxTs: -Infinity,
      maxModel: undefined,
      late: undefined,
      lateModel: undefined,
      awaiting: undefined,
      awaitingPrevious: undefined,
      early: undefined,
      oneCacheRead: -1,
      oneTs: 0,
      oneFile: '',
      oneLine: 0,
      oneModel: undefined,
      oneNothing: undefined,
      runLo: 0,
      runHi: -1,
      seen: undefined,
      seenBeyond: undefined,
      oneHour: false,
      nothing5m: undefined,
      nothing1h: undefined,
      windowLo: -1,
      beforeHi: -1,
      windowBits: undefined,
      spans: undefined,
      compactions: undefined,
    };
    p.states.set(id, st);
  }
  return st;
}

function statsOf(p: PassState, st: SessionState, id: string): SessionStats {
  let s = st.stats;
  if (!s) {
    s = p.sessions.get(id);
    if (!s) {
      s = { totals: emptyTotals(), series: [] };
      p.sessions.set(id, s);
    }
    st.stats = s;
  }
  return s;
}

function fold(p: PassState, opts: ScanOptions, rec: TurnRecord, st: SessionState, file: string, line: number): void {
  addTurn(p.overall, rec, file, line);
  addTurn(statsOf(p, st, rec.session).totals, rec, file, line);
  if (opts.series) {
    st.series ??= new SeriesRing(opts.series);
    st.series.push(turnHitRatio(rec));
  }
}

/**
 * A turn that read nothing, `gap` after the turn before it, in a time window: in the window for
 * good, so only its number is kept (the last N turns are known only at the end: their ring
 * entries carry the gap instead).
 */
function readNothing(st: SessionState, turn: number, gap: number): void {
  if (gap <= FIVE_MINUTES_MS) markTurn((st.nothing5m ??= { seen: undefined, seenBeyond: undefined }), turn);
  else if (gap <= HOUR_MS) markTurn((st.nothing1h ??= { seen: undefined, seenBeyond: undefined }), turn);
}

/** Counts a turn record left out as read before, and names the first few. */
function duplicate(p: PassState, d: DuplicateTurn): void {
  p.duplicates.count++;
  if (p.duplicates.first.length < DUPLICATES_SHOWN) p.duplicates.first.push(d);
}

/**
 * A compaction its conversation's turns do not mark (CompactionRecord): the turn read last
 * before it (the last before it in time: read after a later one, the session's files are read
 * again, see scanFiles) is the compaction turn, waiting for the turn after it, as a turn marked
 * `compaction` waits; the time since the compaction is judged from the event. Read again (a file
 * beside its gzip copy), or after a turn already waiting as a compaction's, it is that one.
 */
function compactionEvent(p: PassState, st: SessionState, record: CompactionRecord, keep: boolean): void {
  const seen = (st.compactions ??= new Set());
  if (seen.has(record.id)) return;
  seen.add(record.id);
  // Read after a turn that came later (its traces read before its events, batches written out
  // of order): the turn before it is known by time, which the files read again tell (scanFiles).
  if (p.numbers?.has(record.session)) return;
  const gathered = p.gather?.get(record.session);
  if (gathered !== undefined) {
    gathered.compactions.push(record.ts);
    return;
  }
  if (st.maxTurn >= 0 && record.ts < st.maxTs) p.disordered.add(record.session);
  // A conversation's first turn is numbered 1 when its turns carry no number: before any, 0.
  if (keep) markCompaction(p, st, record.session, Math.max(st.maxTurn, 0), record.ts, st.maxModel);
}

/** A compaction at `turn`, waiting for the turn after it; one already waiting there is the same one. */
function markCompaction(
  p: PassState,
  st: SessionState,
  session: string,
  turn: number,
  ts: number,
  model: string | undefined,
): void {
  if (st.awaiting?.has(turn + 1)) return;
  const m: MarkedTurn = {
    kind: 'compaction',
    session,
    turn,
    ts,
    decided: false,
    missedTurn: 0,
    cacheRead: 0,
    file: '',
    gap: -1,
    line: 0,
    model,
    otherModel: undefined,
  };
  p.marked.push(m);
  (st.awaiting ??= new Map()).set(turn + 1, m);
}

/** The record sink of a pass: what reading one record changes. */
function passSink(p: PassState, opts: ScanOptions): RecordSink {
  const asOf = opts.asOf.getTime();
  const start = opts.rangeMs === undefined ? -Infinity : asOf - opts.rangeMs;
  // A usage line that carries misses is read as two records, its turn and its trace: the
  // records left out after as_of are counted by line, so it counts once.
  let afterFile: string | undefined;
  let afterLine = -1;
  return (record, file, line) => {
    if (record.ts >= asOf) {
      if (line !== afterLine || file !== afterFile) p.afterAsOf++;
      afterFile = file;
      afterLine = line;
      if (record.kind === 'turn' && record.ts < p.firstAfterAsOf.ts) p.firstAfterAsOf.ts = record.ts;
      return;
    }
    if (record.kind === 'fork_trace') {
      const k = key(record.session, record.turn);
      let mask = 0;
      for (const m of record.misses) mask |= 1 << MISS_SOURCES.indexOf(m);
      let f = p.forks.get(k);
      // Two traces of one turn name the union of their sources.
      if (f) f.mask |= mask;
      else p.forks.set(k, (f = { session: record.session, turn: record.turn, mask }));
      if (record.unknownReason !== undefined && f.unknown === undefined) {
        f.unknown = { type: record.unknownReason, at: `${file}:${line}` };
      }
      return;
    }
    if (record.kind === 'compaction') {
      compactionEvent(p, stateOf(p, record.session), record, opts.lastTurns !== undefined || record.ts >= start);
      return;
    }
    const st = stateOf(p, record.session);
    // A span without a turn number is known by its id: read again (a file beside its gzip copy),
    // it would be numbered as a turn of its own and counted twice.
    if (record.turn === undefined && record.span !== undefined) {
      // A request id names one request whichever conversation its record was read into: a
      // span naming its subagent as query_source_safe does (`agent.custom`) and the event
      // naming it as query_source does are one request, counted once.
      const spans = record.span.startsWith('request_id ') ? p.requests : (st.spans ??= new Set());
      if (spans.has(record.span)) {
        duplicate(p, { session: record.session, turn: undefined, span: record.span, file, line });
        return;
      }
      spans.add(record.span);
    }
    // What the invariants and the reads of nothing judge: a record without a cache counter read
    // an unknown amount, not nothing.
    const read = record.cacheCounted ? record.cacheRead : NOT_COUNTED;
    // An OTel span without a turn number is the next turn of its session: after the highest
    // turn read so far, whatever shape numbered it; in a session whose spans are read out of
    // time order, the number its ts gives it (see scanFiles).
    // The record is the reader's to reuse and this pass's to change: numbering it in place saves a copy.
    let turn = record.turn;
    if (turn === undefined) {
      const given = p.numbers?.get(record.session);
      turn = given?.turns[given.next++] ?? Math.max(st.maxTurn, 0) + 1;
      // Earlier than the turn it would follow: reading order is not time order here.
      if (given === undefined && st.maxTurn >= 0 && record.ts < st.maxTs) p.disordered.add(record.session);
      const gathered = p.gather?.get(record.session);
      if (gathered !== undefined) {
        gathered.ts.push(record.ts);
        gathered.turns.push(turn);
        gathered.models.push(record.model);
      }
    }
    // Whether the turn before it was read already, asked before this one is marked read (turn 1
    // follows a turn 0 where a writer numbers from 0).
    const follows = turn > 0 && hasRead(st, turn - 1);
    // The same turn read again (a copy of a file, a line repeated) counts once: twice would
    // pass thin data through min_turns.
    if (readBefore(st, turn)) {
      duplicate(p, { session: record.session, turn, file, line });
      return;
    }
    record.turn = turn;
    // The last N turns are known only at the end, from the rings; a time window now.
    if (opts.lastTurns === undefined) markWindow(st, turn, record.ts >= start);
    // The ts of the turn before, read already: the highest turn so far, or one kept in late.
    const previousTs = !follows ? undefined : turn - 1 === st.maxTurn ? st.maxTs : st.late?.get(turn - 1);
    const previousModel = !follows ? undefined : turn - 1 === st.maxTurn ? st.maxModel : st.lateModel?.get(turn - 1);
    // This turn is read: the one before it needs its ts kept no longer; this one needs its own
    // kept while the turn after it is not read.
    if (st.late !== undefined && st.late.delete(turn - 1)) {
      st.lateModel?.delete(turn - 1);
      if (st.late.size === 0) st.late = st.lateModel = undefined;
    }
    if (turn > st.maxTurn) {
      // Read past the turn after the highest so far: that one is still to come.
      if (st.maxTurn >= 0 && turn > st.maxTurn + 1) {
        (st.late ??= new Map()).set(st.maxTurn, st.maxTs);
        (st.lateModel ??= new Map()).set(st.maxTurn, st.maxModel);
      }
      st.maxTurn = turn;
      st.maxTs = record.ts;
      st.maxModel = record.model;
    } else if (!hasRead(st, turn + 1)) {
      (st.late ??= new Map()).set(turn, record.ts);
      (st.lateModel ??= new Map()).set(turn, record.model);
    }
    if (record.ts > p.newest.ts) p.newest.ts = record.ts;

    const awaiting = st.awaiting;
    if (awaiting !== undefined && awaiting.size > 0) {
      const waiting = awaiting.get(turn);
      if (waiting) {
        waiting.decided = true;
        waiting.missedTurn = turn;
        waiting.cacheRead = read;
        waiting.file = file;
        waiting.line = line;
        waiting.gap = record.ts - waiting.ts;
        waiting.otherModel = record.model;
        awaiting.delete(turn);
        // Most sessions wait for one turn at a time: an empty map is not kept for the rest of the pass.
        if (awaiting.size === 0) st.awaiting = undefined;
      }
    }
    // The previous turn of an injection read before it: the injection's gap is known now.
    const injections = st.awaitingPrevious;
    if (injections !== undefined) {
      const injected = injections.get(turn);
      if (injected) {
        injected.gap = injected.ts - record.ts;
        injected.otherModel = record.model;
        injections.delete(turn);
        if (injections.size === 0) st.awaitingPrevious = undefined;
      }
    }
    // Its turn before has not been read yet: should that turn be a compaction, this one decides it.
    let early: EarlyTurn | undefined;
    if (!follows && turn > 1) {
      early = { cacheRead: read, file, line, ts: record.ts, model: record.model };
      (st.early ??= new Map()).set(turn, early);
    } else if (!follows && turn === 1) {
      st.oneCacheRead = read;
      st.oneTs = record.ts;
      st.oneFile = file;
      st.oneLine = line;
      st.oneModel = record.model;
    }
    if ((record.creation1h ?? 0) > 0) st.oneHour = true;
    let next: EarlyTurn | undefined;
    if (turn === 0) {
      if (st.oneCacheRead !== -1) {
        next = { cacheRead: st.oneCacheRead, file: st.oneFile, line: st.oneLine, ts: st.oneTs, model: st.oneModel };
        if (st.oneNothing) next.nothing = st.oneNothing;
      }
      st.oneCacheRead = -1;
      st.oneFile = '';
      st.oneModel = undefined;
      st.oneNothing = undefined;
    } else {
      next = st.early?.get(turn + 1);
      if (next !== undefined) st.early?.delete(turn + 1);
    }
    // A marked turn before a time window can never count: not kept.
    const keep = opts.lastTurns !== undefined || record.ts >= start;
    // A read of nothing is judged against the turn before it, whichever of the two came first.
    if (opts.lastTurns === undefined) {
      if (read === 0 && previousTs !== undefined && keep) readNothing(st, turn, record.ts - previousTs);
      if (next !== undefined && next.cacheRead === 0 && next.ts >= start)
        readNothing(st, turn + 1, next.ts - record.ts);
    } else if (next?.nothing !== undefined) {
      next.nothing.gap = next.ts - record.ts;
    }
    if (record.compaction && keep) {
      const m: MarkedTurn = {
        kind: 'compaction',
        session: record.session,
        turn,
        ts: record.ts,
        decided: next !== undefined,
        missedTurn: next === undefined ? 0 : turn + 1,
        cacheRead: next?.cacheRead ?? 0,
        file: next?.file ?? '',
        line: next?.line ?? 0,
        gap: next === undefined ? -1 : next.ts - record.ts,
        model: record.model,
        otherModel: next?.model,
      };
      p.marked.push(m);
      if (next === undefined) (st.awaiting ??= new Map()).set(turn + 1, m);
    }
    if (record.injection && keep) {
      // Its own read decides it; the previous turn says how long the cache had gone unused.
      const m: MarkedTurn = {
        kind: 'injection',
        session: record.session,
        turn,
        ts: record.ts,
        decided: true,
        missedTurn: turn,
        cacheRead: read,
        file,
        line,
        gap: previousTs === undefined ? -1 : record.ts - previousTs,
        model: record.model,
        otherModel: previousModel,
      };
      p.marked.push(m);
      // Injections are few: waiting on a turn 0 a session numbered from 1 never has costs little.
      if (!follows && turn > 0) (st.awaitingPrevious ??= new Map()).set(turn - 1, m);
    }

    if (record.ts < start) return;
    if (opts.lastTurns === undefined) {
      fold(p, opts, record, st, file, line);
      return;
    }
    const rk = opts.perSession ? record.session : '';
    let ring = p.rings.get(rk);
    if (!ring) {
      ring = new Ring(opts.lastTurns);
      p.rings.set(rk, ring);
    }
    // The reader may reuse the record object: the ring keeps a copy.
    const nothing = read === 0 ? { gap: previousTs === undefined ? Number.NaN : record.ts - previousTs } : undefined;
    ring.push({ rec: { ...record, turn }, file, line, nothing });
    // Read before the turn it follows: that turn, when it comes, gives this one its gap.
    if (nothing !== undefined && previousTs === undefined) {
      if (early) early.nothing = nothing;
      else if (!follows && turn === 1) st.oneNothing = nothing;
    }
  };
}

/**
 * A span without a turn number follows the turn read before it. An exporter writes a span when
 * it ends, so a long call started before a short one is read after it: its session's turns,
 * numbered in reading order, would have a turn before them that came later (a negative gap), and
 * the turn after a compaction would be the wrong one. When that happens the files are read again:
 * once to learn the numbers those sessions' spans took and their ts, once more with the same
 * numbers given in the order of their ts (reading order among equal ones). Files read in time
 * order, the common case, are read once.
 */
export async function scanFiles(root: string, files: readonly string[], opts: ScanOptions): Promise<ScanResult> {
  const first = newPassState();
  const read = await readTelemetry(root, files, passSink(first, opts), opts);
  if (first.disordered.size === 0) return finishPass(first, read, opts);
  // The reads again report no progress: a line going back to 0% would read as the same read restarting.
  const again: ReadOptions = opts.signal ? { signal: opts.signal } : {};
  const gathering = newPassState();
  gathering.gather = new Map(
    [...first.disordered].map((id) => [id, { ts: [], turns: [], models: [], compactions: [] }]),
  );
  await readTelemetry(root, files, passSink(gathering, opts), again);
  const numbers = new Map<string, { turns: number[]; next: number }>();
  const p = newPassState();
  const start = opts.rangeMs === undefined ? -Infinity : opts.asOf.getTime() - opts.rangeMs;
  for (const [id, g] of gathering.gather) {
    const byTime = g.ts.map((_, i) => i).sort((a, b) => (g.ts[a] as number) - (g.ts[b] as number) || a - b);
    const slots = [...g.turns].sort((a, b) => a - b);
    const turns: number[] = new Array<number>(slots.length);
    byTime.forEach((i, rank) => (turns[i] = slots[rank] as number));
    numbers.set(id, { turns, next: 0 });
    // A compaction event follows the last turn of its conversation that came before it, by
    // time: marked before the files are read again, so its next turn decides it wherever it is read.
    for (const ts of g.compactions) {
      if (ts >= opts.asOf.getTime() || (opts.lastTurns === undefined && ts < start)) continue;
      let before = 0;
      while (before < byTime.length && (g.ts[byTime[before] as number] as number) <= ts) before++;
      const turn = before === 0 ? 0 : (slots[before - 1] as number);
      const model = before === 0 ? undefined : g.models[byTime[before - 1] as number];
      markCompaction(p, stateOf(p, id), id, turn, ts, model);
    }
  }
  p.numbers = numbers;
  return finishPass(p, await readTelemetry(root, files, passSink(p, opts), again), opts);
}

/** The windows, invariants and rows of a finished pass. */
function finishPass(p: PassState, read: ReadSummary, opts: ScanOptions): ScanResult {
  const asOf = opts.asOf.getTime();
  const start = opts.rangeMs === undefined ? -Infinity : asOf - opts.rangeMs;
  const { overall, forks, marked } = p;
  const session = (id: string): SessionStats => statsOf(p, stateOf(p, id), id);
  // Which turns the window kept: every turn in range, or exactly the ones left in the rings.
  let inWindow: (session: string, turn: number, ts: number) => boolean;
  // Which turns a fork trace may name and count: a turn read and kept, whatever the trace's own ts.
  let traceCounts: (session: string, turn: number) => boolean;
  if (opts.lastTurns === undefined) {
    inWindow = (_s, _t, ts) => ts >= start && ts < asOf;
    traceCounts = (s, t) => {
      const st = p.states.get(s);
      return st !== undefined && inTimeWindow(st, t);
    };
  } else {
    const kept = new Set<string>();
    for (const ring of [...p.rings.values()]) {
      for (const l of ring.toArray()) {
        kept.add(key(l.rec.session, l.rec.turn));
        fold(p, opts, l.rec, stateOf(p, l.rec.session), l.file, l.line);
      }
    }
    inWindow = (s, t) => kept.has(key(s, t));
    traceCounts = (s, t) => kept.has(key(s, t));
  }
  for (const [id, st] of p.states) if (st.series) session(id).series = st.series.toArray();

  // Counts only: the order traces are added in changes nothing, so they are not sorted. A trace
  // naming a turn outside the window, or one never recorded, counts nowhere: its session gets
  // no row from it, so the overall misses stay the sum of the sessions'.
  let tracesWithoutTurn = 0;
  for (const f of forks.values()) {
    if (!traceCounts(f.session, f.turn)) {
      const st = p.states.get(f.session);
      if (st === undefined || !hasRead(st, f.turn)) tracesWithoutTurn++;
      continue;
    }
    const misses = MISS_SOURCES.filter((_, i) => f.mask & (1 << i));
    addMisses(overall, misses, f.unknown);
    addMisses(session(f.session).totals, misses, f.unknown);
  }

  // A read of nothing after the cache's lifetime may have found the prefix expired, which no
  // fork trace explains: not a miss to attribute.
  const lifetime = (id: string) => (p.states.get(id)?.oneHour ? HOUR_MS : FIVE_MINUTES_MS);
  // Each such miss is explained only by a trace of its own turn naming a source: another
  // turn's trace says nothing of it, so its source stays unknown (Totals.readNothingUnexplained).
  const nothing = (id: string, turn: number): void => {
    const totals = session(id).totals;
    overall.readNothing++;
    totals.readNothing++;
    if ((forks.get(key(id, turn))?.mask ?? 0) !== 0) return;
    overall.readNothingUnexplained++;
    totals.readNothingUnexplained++;
  };
  for (const ring of p.rings.values()) {
    for (const l of ring.toArray()) {
      // NaN (the turn before never read) is no miss to count, as in a time window.
      if (!((l.nothing?.gap ?? Number.NaN) <= lifetime(l.rec.session))) continue;
      nothing(l.rec.session, l.rec.turn);
    }
  }
  for (const [id, st] of p.states) {
    if (st.nothing5m !== undefined) forEachTurn(st.nothing5m, (turn) => nothing(id, turn));
    if (st.oneHour && st.nothing1h !== undefined) forEachTurn(st.nothing1h, (turn) => nothing(id, turn));
  }

  const noCheck = (): InvariantCheck => ({
    checked: 0,
    unchecked: 0,
    pastLifetime: 0,
    notCounted: 0,
    modelChanged: 0,
    firstTurn: 0,
    violations: [],
  });
  const invariants: Record<InvariantName, InvariantCheck> = { compaction: noCheck(), injection: noCheck() };
  const prefixBit = 1 << MISS_SOURCES.indexOf('message_prefix');
  for (const m of marked) {
    if (!inWindow(m.session, m.turn, m.ts)) continue;
    const check = invariants[m.kind];
    // An injection on a session's first turn has no cached prefix of its own to land before:
    // its read of nothing is the session starting, not a break. Decided at the end, as turn 0
    // may be read after turn 1.
    if (m.kind === 'injection' && (m.turn === 0 || (m.turn === 1 && !readTurnZero(p, m.session)))) {
      check.firstTurn++;
      continue;
    }
    if (!m.decided) {
      check.unchecked++;
      continue;
    }
    // A trace naming no source (a writer that traces every turn, `misses: []`) says nothing of
    // why the turn read nothing: it is no attribution.
    const traced = forks.get(key(m.session, m.missedTurn));
    const trace = traced && traced.mask !== 0 ? traced : undefined;
    // Neither a trace nor a cache counter on the deciding turn: the cache was not measured there.
    if (!trace && m.cacheRead === NOT_COUNTED) {
      check.notCounted++;
      continue;
    }
    // Attribution, when recorded, says why the turn missed; without it a turn that read nothing
    // missed the prefix, unless the cache had expired by then: that read tells nothing.
    // The session's entries live an hour if it writes 1-hour entries anywhere (whatever the
    // order its records are read in), else 5 minutes. An injection whose previous turn was
    // never read has no gap to show the cache expired: its read of nothing counts.
    if (!trace && m.cacheRead === 0 && m.gap > lifetime(m.session)) {
      check.pastLifetime++;
      continue;
    }
    // Nor, read on another model than the turn before: that model had no entry to read. A
    // version of the model asked for is the same model (see sameModel).
    if (
      !trace &&
      m.cacheRead === 0 &&
      m.model !== undefined &&
      m.otherModel !== undefined &&
      !sameModel(m.model, m.otherModel)
    ) {
      check.modelChanged++;
      continue;
    }
    check.checked++;
    const cause =
      trace && trace.mask & prefixBit
        ? 'message_prefix miss'
        : !trace && m.cacheRead === 0
          ? 'no cache read'
          : undefined;
    if (cause) {
      check.violations.push({
        session: m.session,
        turn: m.turn,
        missed_turn: m.missedTurn,
        cause,
        file: m.file,
        line: m.line,
      });
    }
  }

  const newestTs = p.newest.ts === -Infinity ? undefined : p.newest.ts;
  return {
    read,
    overall,
    sessions: p.sessions,
    invariants,
    newestTs,
    afterAsOf: p.afterAsOf,
    firstTsAfterAsOf: p.firstAfterAsOf.ts === Infinity ? undefined : p.firstAfterAsOf.ts,
    duplicates: p.duplicates,
    tracesWithoutTurn,
  };
}

/**
 * Why a window holds no turn, worded and classed as the SQL source says it of an empty
 * channel: `went_dark` when the files hold turns before the window and none in it (the writer
 * stopped: an alarm), `never_started` when they hold none before as_of at all (a log that
 * starts later, or holds no turn).
 */
export function whyNoTurns(
  scan: ScanResult,
  asOf: Date,
  window?: string,
): { channel: 'never_started' | 'went_dark'; reason: string } {
  if (scan.newestTs !== undefined) {
    const last = new Date(scan.newestTs).toISOString();
    const age = formatAge(asOf.getTime() - scan.newestTs);
    return {
      channel: 'went_dark',
      reason: `went dark: no turns in ${window === undefined ? 'the window' : `the ${window} window`}; the files' last turn was at ${last}, ${age} before as_of`,
    };
  }
  if (scan.firstTsAfterAsOf !== undefined) {
    return {
      channel: 'never_started',
      reason: `never started: no turns ever in the files before as_of; their first turn is at ${new Date(scan.firstTsAfterAsOf).toISOString()}, after as_of`,
    };
  }
  // Lines that read, none of them a turn: what the reader passes over, said, so a log of spans
  // or events it does not count (Claude Code's traces, say) is not taken for an empty one.
  const passed = scan.read.files.reduce((n, f) => n + (f.passedOver ?? 0), 0);
  return {
    channel: 'never_started',
    reason:
      passed === 0
        ? 'never started: no turns ever in the files'
        : `never started: no turns ever in the files, though ${passed === 1 ? 'a line of them reads' : `${passed} lines of them read`}: ${passed === 1 ? 'it holds' : 'they hold'} no turn (spans without gen_ai.usage.* attributes, Claude Code's claude_code.llm_request spans without token counts among them; Claude Code's events other than claude_code.api_request and claude_code.compaction; metrics exports)`,
  };
}

/**
 * Reads the counters of a telemetry line straight from its bytes, without building the JSON
 * object: on a large file `JSON.parse` of every line costs far more than the rest of a report.
 *
 * It is a fast path, never the definition: it accepts only lines it understands completely
 * (valid JSON, every field the metrics read in the plain form writers emit, nothing that could
 * change its meaning) and answers "not mine" for everything else, which then goes through
 * `parseLine`. So it handles only well-formed records: any line `parseLine` would reject is
 * rejected here too and reaches `parseLine`, which words the reason. What it declines:
 *
 * - escapes in a key or in a string it reads (session_id, type, misses, ISO timestamps), and
 *   non-ASCII bytes in a string it reads; escapes and UTF-8 in strings it skips are fine;
 * - numbers it reads that are not plain whole numbers of at most 15 digits (a sign, a
 *   fraction or an exponent: `1.0` is a whole number to JSON.parse, so it is left to it);
 * - a field it reads appearing twice (JSON.parse keeps the last one);
 * - timestamps other than `YYYY-MM-DDTHH:MM:SS(.sss)Z` (`t` and `z` in lower case too) or whole
 *   epoch milliseconds from MIN_TIME_MS on and below MIN_MICROS_TS (a smaller number is seconds,
 *   a larger one microseconds or nanoseconds: malformed);
 * - a session id that starts with a blank (parseLine tells a blank one from one that is not);
 * - top-level `gen_ai.*` attributes, OTLP `[{key, value}]` attributes, OTel spans without `ts`,
 *   a span's `spanId` (and its `gen_ai.response.id` when it has no turn number), a whole OTLP
 *   export (`resourceSpans`, `resourceLogs`, `resourceMetrics`), `null` where a string is read,
 *   `misses` that is neither a list nor null, `diagnostics` other than null (the API's
 *   diagnosis of a miss, read as the turn's trace), nesting deeper than MAX_DEPTH;
 * - a span with no cache counter but a `gen_ai.usage.*` attribute naming a cache under another
 *   name (`gen_ai.usage.cache_read_input_tokens`), or another convention's (`llm.usage.*`,
 *   `llm.token_count.*`, flat on the line or under `attributes`), and a usage record with no
 *   cache counter but a member of `usage` naming a cache (`cache_read_tokens`): parseLine names
 *   it, for the report to say.
 *
 * `model` (top-level, or an OTel span's `gen_ai.response.model` / `gen_ai.request.model`) is read
 * when it is a plain string, through the same cache of recent strings as session ids; a model that
 * is not a string reads as none, as parseLine has it.
 */
import {
  MIN_MICROS_TS,
  MIN_TIME_MS,
  MISS_SOURCES,
  type MissSource,
  type TelemetryRecord,
  type TurnRecord,
  utcDateMs,
} from './records.js';

/** What the last successful `extractLine` read. One object, overwritten by every line. */
export interface Extracted {
  kind: 'anthropic' | 'otel' | 'fork_trace';
  session: string;
  /** -1 for an OTel span without a turn number, -2 for one whose turn is null. */
  turn: number;
  ts: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /** -1 when the record carries no 5m/1h split. */
  creation5m: number;
  creation1h: number;
  /** -1 when the record carries no cache_breakpoints. */
  breakpoints: number;
  compaction: boolean;
  injection: boolean;
  /** Whether a cache counter's key is on the line (TurnRecord.cacheCounted). */
  cacheCounted: boolean;
  /** Fork traces: the miss sources, each once, in the order the line names them. */
  misses: MissSource[];
  model: string | undefined;
}

export const extracted: Extracted = {
  kind: 'anthropic',
  session: '',
  turn: 0,
  ts: 0,
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheCreation: 0,
  creation5m: -1,
  creation1h: -1,
  breakpoints: -1,
  compaction: false,
  injection: false,
  cacheCounted: false,
  misses: [],
  model: undefined,
};

/** Deeper values are left to JSON.parse (they are not a shape any writer emits). */
const MAX_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** 1 for the bytes that end a run of plain string bytes: control characters, `"` and `\`. */
const STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STOP[c] = 1;
STOP[QUOTE] = 1;
STOP[BACKSLASH] = 1;

/** 1 for the bytes allowed after a backslash other than `u`. */
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// Field ids: a bit each, so a repeated field is caught by one mask test.
const F_SESSION = 1;
const F_TURN = 2;
const F_TS = 4;
const F_USAGE = 8;
const F_COMPACTION = 16;
const F_INJECTION = 32;
const F_BREAKPOINTS = 64;
const F_TYPE = 128;
const F_MISSES = 256;
const F_ATTRIBUTES = 512;
const F_MODEL = 1024;
/**
 * A top-level llm.usage.* or llm.token_count.* key with "cache" in its name: skipped, and on a
 * span without a cache counter declined (parseLine names it).
 */
const F_CACHE_LIKE = 2048;
/** A response's diagnostics: null is none and read here, anything else a trace parseLine reads. */
const F_DIAGNOSTICS = 4096;
/** A top-level gen_ai.* key, or an OTLP export's resourceSpans, resourceLogs or resourceMetrics: declined. */
const F_DECLINE = -1;

const TOP: readonly (readonly [Uint8Array, number])[] = [
  [bytes('session_id'), F_SESSION],
  [bytes('turn'), F_TURN],
  [bytes('ts'), F_TS],
  [bytes('usage'), F_USAGE],
  [bytes('compaction'), F_COMPACTION],
  [bytes('injection'), F_INJECTION],
  [bytes('cache_breakpoints'), F_BREAKPOINTS],
  [bytes('type'), F_TYPE],
  [bytes('misses'), F_MISSES],
  [bytes('attributes'), F_ATTRIBUTES],
  [bytes('model'), F_MODEL],
  [bytes('diagnostics'), F_DIAGNOSTICS],
];

const U_INPUT = 1;
const U_OUTPUT = 2;
const U_CREATION = 4;
const U_READ = 8;
const U_SPLIT = 16;
/** Another member of usage with "cache" in its name: skipped, and without a cache counter declined. */
const U_CACHE_LIKE = 32;
const USAGE: readonly (readonly [Uint8Array, number])[] = [
  [bytes('input_tokens'), U_INPUT],
  [bytes('output_tokens'), U_OUTPUT],
  [bytes('cache_creation_input_tokens'), U_CREATION],
  [bytes('cache_read_input_tokens'), U_READ],
  [bytes('cache_creation'), U_SPLIT],
];

const S_5M = 1;
const S_1H = 2;
const SPLIT: readonly (readonly [Uint8Array, number])[] = [
  [bytes('ephemeral_5m_input_tokens'), S_5M],
  [bytes('ephemeral_1h_input_tokens'), S_1H],
];

const A_CONVERSATION = 1;
const A_INPUT = 2;
const A_OUTPUT = 4;
const A_READ = 8;
const A_CREATION = 16;
/** Any other gen_ai.* attribute: it makes the line an OTel record, nothing more. */
const A_OTHER = 32;
const A_RESPONSE_MODEL = 64;
const A_REQUEST_MODEL = 128;
/** Skipped, but a span without a turn number that carries it is known by it (TurnRecord.span): parseLine's. */
const A_RESPONSE_ID = 256;
/**
 * Another gen_ai.usage.* attribute with "cache" in its name, or an llm.usage.* or
 * llm.token_count.* one: skipped, and without a cache counter declined.
 */
const A_CACHE_LIKE = 512;
const ATTRS: readonly (readonly [Uint8Array, number])[] = [
  [bytes('gen_ai.response.model'), A_RESPONSE_MODEL],
  [bytes('gen_ai.request.model'), A_REQUEST_MODEL],
  [bytes('gen_ai.conversation.id'), A_CONVERSATION],
  [bytes('gen_ai.usage.input_tokens'), A_INPUT],
  [bytes('gen_ai.usage.output_tokens'), A_OUTPUT],
  [bytes('gen_ai.usage.cache_read.input_tokens'), A_READ],
  [bytes('gen_ai.usage.cache_creation.input_tokens'), A_CREATION],
  [bytes('gen_ai.response.id'), A_RESPONSE_ID],
];
const GEN_AI = bytes('gen_ai.');
const GEN_AI_USAGE = bytes('gen_ai.usage.');
const LLM_USAGE = bytes('llm.usage.');
const LLM_TOKEN_COUNT = bytes('llm.token_count.');
const CACHE = bytes('cache');
const FORK_TRACE = bytes('fork_trace');
const RESOURCE_SPANS = bytes('resourceSpans');
const RESOURCE_LOGS = bytes('resourceLogs');
const RESOURCE_METRICS = bytes('resourceMetrics');
const SPAN_ID = bytes('spanId');
const MISS_BYTES = MISS_SOURCES.map(bytes);

function same(b: Uint8Array, at: number, len: number, lit: Uint8Array): boolean {
  if (len !== lit.length) return false;
  for (let k = 0; k < len; k++) if (b[at + k] !== lit[k]) return false;
  return true;
}

/** The id of the key at [at, at + len) in a table, 0 when it is none of them. */
function lookup(b: Uint8Array, at: number, len: number, table: readonly (readonly [Uint8Array, number])[]): number {
  for (const [lit, id] of table) if (same(b, at, len, lit)) return id;
  return 0;
}

function prefixed(b: Uint8Array, at: number, len: number, lit: Uint8Array): boolean {
  if (len < lit.length) return false;
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit[k]) return false;
  return true;
}

// Every scanning function takes the index of its first byte and returns the index after what
// it consumed, or -1 when it declines. A line always ends in a byte below 0x20 (its newline),
// which stops every loop, so no loop needs a bounds test.

function ws(b: Uint8Array, i: number): number {
  let c = b[i] as number;
  while (c === 0x20 || c === 0x09 || c === 0x0d) c = b[++i] as number;
  return i;
}

/** A string's body, after its opening quote: escapes checked, any other byte allowed. */
function skipString(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i] as number;
    if (STOP[c] === 0) {
      i++;
      continue;
    }
    if (c === QUOTE) return i + 1;
    if (c !== BACKSLASH) return -1;
    const e = b[i + 1] as number;
    if (ESCAPE[e] === 1) i += 2;
    else if (
      e === 0x75 &&
      HEX[b[i + 2] as number] &&
      HEX[b[i + 3] as number] &&
      HEX[b[i + 4] as number] &&
      HEX[b[i + 5] as number]
    ) {
      i += 6;
    } else return -1;
  }
}

/** A string's body with no escape and no byte over 0x7f; returns the index of its closing quote. */
function plainString(b: Uint8Array, i: number): number {
  let c = b[i] as number;
  while (STOP[c] === 0 && c < 0x80) c = b[++i] as number;
  return c === QUOTE ? i : -1;
}

const digit = (c: number): boolean => c >= 0x30 && c <= 0x39;

function skipNumber(b: Uint8Array, i: number): number {
  if (b[i] === 0x2d) i++;
  let c = b[i] as number;
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    i++;
    while (digit(b[i] as number)) i++;
  } else return -1;
  if (b[i] === 0x2e) {
    if (!digit(b[++i] as number)) return -1;
    while (digit(b[i] as number)) i++;
  }
  c = b[i] as number;
  if (c === 0x65 || c === 0x45) {
    c = b[++i] as number;
    if (c === 0x2b || c === 0x2d) i++;
    if (!digit(b[i] as number)) return -1;
    while (digit(b[i] as number)) i++;
  }
  return i;
}

function skipLiteral(b: Uint8Array, i: number, c1: number, c2: number, c3: number, c4: number): number {
  if (b[i + 1] !== c1 || b[i + 2] !== c2 || b[i + 3] !== c3) return -1;
  if (c4 === 0) return i + 4;
  return b[i + 4] === c4 ? i + 5 : -1;
}

function skipValue(b: Uint8Array, i: number, depth: number): number {
  const c = b[i] as number;
  if (c === QUOTE) return skipString(b, i + 1);
  if (c === LBRACE) return depth >= MAX_DEPTH ? -1 : skipObject(b, i + 1, depth + 1);
  if (c === LBRACKET) return depth >= MAX_DEPTH ? -1 : skipArray(b, i + 1, depth + 1);
  if (c === 0x74) return skipLiteral(b, i, 0x72, 0x75, 0x65, 0); // true
  if (c === 0x66) return skipLiteral(b, i, 0x61, 0x6c, 0x73, 0x65); // false
  if (c === 0x6e) return skipLiteral(b, i, 0x75, 0x6c, 0x6c, 0); // null
  if (c === 0x2d || digit(c)) return skipNumber(b, i);
  return -1;
}

/** After `{`: the members and the closing brace. */
function skipObject(b: Uint8Array, i: number, depth: number): number {
  i = ws(b, i);
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    i = skipString(b, i + 1);
    if (i < 0) return -1;
    i = ws(b, i);
    if (b[i] !== COLON) return -1;
    i = skipValue(b, ws(b, i + 1), depth);
    if (i < 0) return -1;
    i = ws(b, i);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else return b[i] === RBRACE ? i + 1 : -1;
  }
}

/** After `[`: the elements and the closing bracket. */
function skipArray(b: Uint8Array, i: number, depth: number): number {
  i = ws(b, i);
  if (b[i] === RBRACKET) return i + 1;
  for (;;) {
    i = skipValue(b, i, depth);
    if (i < 0) return -1;
    i = ws(b, i);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else return b[i] === RBRACKET ? i + 1 : -1;
  }
}

/** The value read by `count`: module state, so reading a number allocates nothing. */
let num = 0;

/** A whole number of at most 15 digits (exact as a double), nothing else. */
function count(b: Uint8Array, i: number): number {
  let c = b[i] as number;
  const start = i;
  if (c === 0x30) c = b[++i] as number;
  else if (c >= 0x31 && c <= 0x39) {
    let n = 0;
    do {
      n = n * 10 + c - 0x30;
      c = b[++i] as number;
    } while (c >= 0x30 && c <= 0x39);
    if (i - start > 15) return -1;
    num = n;
    return c === 0x2e || c === 0x65 || c === 0x45 ? -1 : i;
  } else return -1;
  // After a leading 0 only a delimiter may follow (01 is not JSON; 0.0 and 0e1 are left to JSON.parse).
  if (digit(c) || c === 0x2e || c === 0x65 || c === 0x45) return -1;
  num = 0;
  return i;
}

/** `count`, or null read as -2. */
function countOrNull(b: Uint8Array, i: number): number {
  if (b[i] === 0x6e) {
    const j = skipLiteral(b, i, 0x75, 0x6c, 0x6c, 0);
    if (j > 0) num = -2;
    return j;
  }
  return count(b, i);
}

let flag = false;
function boolean(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === 0x74) {
    flag = true;
    return skipLiteral(b, i, 0x72, 0x75, 0x65, 0);
  }
  if (c === 0x66) {
    flag = false;
    return skipLiteral(b, i, 0x61, 0x6c, 0x73, 0x65);
  }
  return -1;
}

function digitsAt(b: Uint8Array, at: number, len: number): number {
  let n = 0;
  for (let k = at; k < at + len; k++) {
    const c = (b[k] as number) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * The string at [at, at + n) as `YYYY-MM-DDTHH:MM:SSZ` or `…SS.sssZ`, `t` and `z` in lower case
 * too (the rule of `isoUtc` in records.ts); NaN for any other text, which is then left to
 * JSON.parse and Date.parse.
 */
function isoUtc(b: Uint8Array, at: number, n: number): number {
  if (n !== 20 && n !== 24) return Number.NaN;
  // `| 0x20` folds the upper-case letter onto the lower-case one.
  if (((b[at + n - 1] as number) | 0x20) !== 0x7a || ((b[at + 10] as number) | 0x20) !== 0x74) return Number.NaN;
  if (b[at + 4] !== 0x2d || b[at + 7] !== 0x2d || b[at + 13] !== 0x3a || b[at + 16] !== 0x3a) return Number.NaN;
  if (n === 24 && b[at + 19] !== 0x2e) return Number.NaN;
  const h = digitsAt(b, at + 11, 2);
  const mi = digitsAt(b, at + 14, 2);
  const s = digitsAt(b, at + 17, 2);
  const ms = n === 24 ? digitsAt(b, at + 20, 3) : 0;
  if (ms < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return Number.NaN;
  // Lines of one day share their date: it is checked and converted once per day, not per line.
  if (dayBytes[0] === b[at] && sameDate(b, at)) return dayMs + ((h * 60 + mi) * 60 + s) * 1000 + ms;
  const ms0 = dateMs(b, at);
  if (Number.isNaN(ms0)) return ms0;
  for (let k = 0; k < 10; k++) dayBytes[k] = b[at + k] as number;
  dayMs = ms0;
  return ms0 + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

/** The date of the last timestamp read, and its epoch milliseconds at midnight UTC. */
const dayBytes = new Uint8Array(10);
let dayMs = 0;

function sameDate(b: Uint8Array, at: number): boolean {
  for (let k = 1; k < 10; k++) if (b[at + k] !== dayBytes[k]) return false;
  return true;
}

/** `YYYY-MM-DD` at `at` as epoch milliseconds, NaN for an impossible date. */
function dateMs(b: Uint8Array, at: number): number {
  return utcDateMs(digitsAt(b, at, 4), digitsAt(b, at + 5, 2), digitsAt(b, at + 8, 2));
}

/**
 * Session ids repeat on every turn of a session: the string of a recent one is reused instead of
 * decoding the bytes again (and a reused string keeps its hash for the Map lookups downstream).
 */
const SESSION_SLOTS = 4096;
const slotBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SESSION_SLOTS).fill(undefined);
const slotString: string[] = new Array<string>(SESSION_SLOTS).fill('');

function sessionString(b: Uint8Array, at: number, end: number): string {
  const len = end - at;
  let h = len;
  for (let k = at; k < end; k++) h = (Math.imul(h, 31) + (b[k] as number)) | 0;
  const slot = h & (SESSION_SLOTS - 1);
  const known = slotBytes[slot];
  if (known !== undefined && same(b, at, len, known)) return slotString[slot] as string;
  // A copy: the read buffer is reused.
  const copy = new Uint8Array(len);
  copy.set(b.subarray(at, end));
  // ASCII only (plainString checked), so latin1 decodes it exactly as UTF-8 would.
  const s = Buffer.from(copy.buffer, 0, len).toString('latin1');
  slotBytes[slot] = copy;
  slotString[slot] = s;
  return s;
}

// What the line holds, gathered member by member and judged once the object is closed.
let seen = 0;
let sessAt = 0;
let sessEnd = 0;
let isForkType = false;
let missesIsList = false;
let usageSeen = 0;
let attrsSeen = 0;
let attrSessAt = 0;
let attrSessEnd = 0;
let aInput = 0;
let aOutput = 0;
let aRead = 0;
let aCreation = 0;
/** Where the model strings of the line lie (body, without quotes); -1 when the line names none as a string. */
let modelAt = -1;
let modelEnd = -1;
let respModelAt = -1;
let respModelEnd = -1;
let reqModelAt = -1;
let reqModelEnd = -1;

function usage(b: Uint8Array, i: number, depth: number): number {
  const x = extracted;
  i = ws(b, i + 1);
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    const k = i + 1;
    i = plainKey(b, k);
    if (i < 0) return -1;
    const keyEnd = i;
    const id = lookup(b, k, keyEnd - k, USAGE);
    i = ws(b, i + 1);
    if (b[i] !== COLON) return -1;
    i = ws(b, i + 1);
    if (id !== 0) {
      if (usageSeen & id) return -1;
      usageSeen |= id;
    }
    const at = i;
    if (id === U_INPUT) {
      i = count(b, i);
      x.input = num;
      hole(H_INPUT, at, i);
    } else if (id === U_OUTPUT) {
      i = count(b, i);
      x.output = num;
      hole(H_OUTPUT, at, i);
    } else if (id === U_CREATION) {
      i = countOrNull(b, i);
      x.cacheCreation = num < 0 ? 0 : num;
      hole(H_CREATION, at, i);
    } else if (id === U_READ) {
      i = countOrNull(b, i);
      x.cacheRead = num < 0 ? 0 : num;
      hole(H_READ, at, i);
    } else if (id === U_SPLIT) {
      i = split(b, i, depth + 1);
    } else {
      if (hasCache(b, k, k, keyEnd - k)) usageSeen |= U_CACHE_LIKE;
      i = skipValue(b, i, depth);
      skipped(at, i, depth);
    }
    if (i < 0) return -1;
    i = ws(b, i);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else return b[i] === RBRACE ? i + 1 : -1;
  }
}

/** usage.cache_creation: null, or the object with both whole ephemeral counts. */
function split(b: Uint8Array, i: number, depth: number): number {
  if (b[i] === 0x6e) return skipLiteral(b, i, 0x75, 0x6c, 0x6c, 0);
  if (b[i] !== LBRACE) return -1;
  const x = extracted;
  let got = 0;
  i = ws(b, i + 1);
  if (b[i] === RBRACE) return -1;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    const k = i + 1;
    i = plainKey(b, k);
    if (i < 0) return -1;
    const id = lookup(b, k, i - k, SPLIT);
    i = ws(b, i + 1);
    if (b[i] !== COLON) return -1;
    i = ws(b, i + 1);
    if (id !== 0) {
      if (got & id) return -1;
      got |= id;
      const at = i;
      i = count(b, i);
      if (id === S_5M) x.creation5m = num;
      else x.creation1h = num;
      hole(id === S_5M ? H_5M : H_1H, at, i);
    } else {
      const at = i;
      i = skipValue(b, i, depth);
      skipped(at, i, depth);
    }
    if (i < 0) return -1;
    i = ws(b, i);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else if (b[i] === RBRACE) return got === (S_5M | S_1H) ? i + 1 : -1;
    else return -1;
  }
}

/** Whether "cache" lies in the key at [k, k + len) from its byte `from` on. */
function hasCache(b: Uint8Array, from: number, k: number, len: number): boolean {
  for (let j = from; j + CACHE.length <= k + len; j++) if (same(b, j, CACHE.length, CACHE)) return true;
  return false;
}

/**
 * A gen_ai.* key none of ATTRS: A_CACHE_LIKE for a gen_ai.usage.* one with "cache" after the
 * prefix (parseLine's cacheLookalike), A_OTHER for the rest. Most such keys are not usage ones,
 * and one byte tells them apart.
 */
function otherAttribute(b: Uint8Array, k: number, len: number): number {
  if (b[k + 7] !== 0x75 || !prefixed(b, k, len, GEN_AI_USAGE)) return A_OTHER;
  return hasCache(b, k + GEN_AI_USAGE.length, k, len) ? A_CACHE_LIKE : A_OTHER;
}

/** Whether a key starting with `l` is an llm.usage.* or llm.token_count.* one with "cache" after the prefix (parseLine's cacheLookalike). */
function llmCacheLike(b: Uint8Array, k: number, len: number): boolean {
  if (b[k + 1] !== 0x6c || b[k + 2] !== 0x6d || b[k + 3] !== 0x2e) return false;
  if (prefixed(b, k, len, LLM_USAGE)) return hasCache(b, k + LLM_USAGE.length, k, len);
  return prefixed(b, k, len, LLM_TOKEN_COUNT) && hasCache(b, k + LLM_TOKEN_COUNT.length, k, len);
}

/** `attributes` as an object: the gen_ai counters and the conversation id. */
function attributes(b: Uint8Array, i: number, depth: number): number {
  i = ws(b, i + 1);
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    const k = i + 1;
    i = plainKey(b, k);
    if (i < 0) return -1;
    const len = i - k;
    let id = 0;
    if (prefixed(b, k, len, GEN_AI)) id = lookup(b, k, len, ATTRS) || otherAttribute(b, k, len);
    else if (b[k] === 0x6c && llmCacheLike(b, k, len)) id = A_CACHE_LIKE;
    i = ws(b, i + 1);
    if (b[i] !== COLON) return -1;
    i = ws(b, i + 1);
    if (id !== 0 && id !== A_OTHER && id !== A_RESPONSE_ID && id !== A_CACHE_LIKE) {
      if (attrsSeen & id) return -1;
      if (id === A_CONVERSATION) {
        if (b[i] !== QUOTE) return -1;
        attrSessAt = i + 1;
        i = plainString(b, i + 1);
        attrSessEnd = i;
        hole(H_A_CONVERSATION, attrSessAt, i);
        if (i >= 0) i++;
      } else if (id === A_RESPONSE_MODEL || id === A_REQUEST_MODEL) {
        // A model that is not a string is left to parseLine.
        if (b[i] !== QUOTE) return -1;
        const at = i + 1;
        i = plainString(b, at);
        if (id === A_RESPONSE_MODEL) {
          respModelAt = at;
          respModelEnd = i;
        } else {
          reqModelAt = at;
          reqModelEnd = i;
        }
        hole(id === A_RESPONSE_MODEL ? H_A_RESPONSE_MODEL : H_A_REQUEST_MODEL, at, i);
        if (i >= 0) i++;
      } else {
        const at = i;
        i = id === A_INPUT ? count(b, i) : countOrNull(b, i);
        if (id === A_INPUT) aInput = num;
        else if (id === A_OUTPUT) aOutput = num;
        else if (id === A_READ) aRead = num;
        else aCreation = num;
        hole(
          id === A_INPUT ? H_A_INPUT : id === A_OUTPUT ? H_A_OUTPUT : id === A_READ ? H_A_READ : H_A_CREATION,
          at,
          i,
        );
      }
    } else {
      const at = i;
      i = skipValue(b, i, depth);
      skipped(at, i, depth);
    }
    attrsSeen |= id;
    if (i < 0) return -1;
    i = ws(b, i);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else return b[i] === RBRACE ? i + 1 : -1;
  }
}

function misses(b: Uint8Array, i: number): number {
  const list: MissSource[] = [];
  i = ws(b, i + 1);
  if (b[i] === RBRACKET) {
    extracted.misses = list;
    return i + 1;
  }
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    const k = i + 1;
    i = plainString(b, k);
    if (i < 0) return -1;
    let m = -1;
    for (let s = 0; s < MISS_BYTES.length; s++) {
      if (same(b, k, i - k, MISS_BYTES[s] as Uint8Array)) {
        m = s;
        break;
      }
    }
    if (m < 0) return -1;
    const source = MISS_SOURCES[m] as MissSource;
    if (!list.includes(source)) list.push(source);
    i = ws(b, i + 1);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else if (b[i] === RBRACKET) {
      extracted.misses = list;
      return i + 1;
    } else return -1;
  }
}

/** A key's body with no escape; returns the index of its closing quote. */
function plainKey(b: Uint8Array, i: number): number {
  let c = b[i] as number;
  while (STOP[c] === 0) c = b[++i] as number;
  return c === QUOTE ? i : -1;
}

function topKey(b: Uint8Array, at: number, len: number): number {
  const c = b[at];
  // Dispatch on the first byte: most keys are not fields the metrics read.
  if (c === 0x73 || c === 0x74 || c === 0x75 || c === 0x63 || c === 0x69 || c === 0x6d || c === 0x61 || c === 0x64) {
    const id = lookup(b, at, len, TOP);
    if (id !== 0) return id;
    // A span's id tells a span read twice from two turns (TurnRecord.span): parseLine reads it.
    if (c === 0x73 && same(b, at, len, SPAN_ID)) return F_DECLINE;
  }
  if (c === 0x67) return prefixed(b, at, len, GEN_AI) ? F_DECLINE : 0;
  // Skipped, but marked: on a span without a cache counter, parseLine names it.
  if (c === 0x6c) {
    if (llmCacheLike(b, at, len)) seen |= F_CACHE_LIKE;
    return 0;
  }
  // An OTLP export holds many records, which parseRecords reads.
  if (c !== 0x72) return 0;
  return same(b, at, len, RESOURCE_SPANS) || same(b, at, len, RESOURCE_LOGS) || same(b, at, len, RESOURCE_METRICS)
    ? F_DECLINE
    : 0;
}

// Where the read values of the current line lie, for learning a template from it.
const H_SESSION = 1;
const H_TURN = 2;
const H_TS_TEXT = 3;
const H_TS_NUMBER = 4;
const H_COMPACTION = 5;
const H_INJECTION = 6;
const H_BREAKPOINTS = 7;
const H_INPUT = 8;
const H_OUTPUT = 9;
const H_CREATION = 10;
const H_READ = 11;
const H_5M = 12;
const H_1H = 13;
const H_A_CONVERSATION = 14;
const H_A_INPUT = 15;
const H_A_OUTPUT = 16;
const H_A_READ = 17;
const H_A_CREATION = 18;
const H_MODEL = 19;
const H_A_RESPONSE_MODEL = 20;
const H_A_REQUEST_MODEL = 21;
/** A value no metric reads (a request id, a duration, a response's content): any JSON value fits. */
const H_SKIP = 22;

const MAX_HOLES = 64;
const holeKind = new Int32Array(MAX_HOLES);
const holeStart = new Int32Array(MAX_HOLES);
const holeEnd = new Int32Array(MAX_HOLES);
/** For an H_SKIP hole, the depth skipValue was given there. */
const holeDepth = new Int32Array(MAX_HOLES);
let holes = 0;

function hole(kind: number, at: number, end: number, depth = 0): void {
  // A failed read (end -1) ends the line anyway; past MAX_HOLES the line is not learnt.
  if (end >= 0 && holes < MAX_HOLES) {
    holeKind[holes] = kind;
    holeStart[holes] = at;
    holeEnd[holes] = end;
    holeDepth[holes] = depth;
  }
  holes++;
}

/**
 * The value at `at` (ending at `end`), which skipValue(b, at, depth) stepped over for a member
 * no metric reads, becomes a hole: lines differing only there (a request or message id, a
 * duration, a response's content, on every record of real telemetry) share a layout instead of
 * each learning its own. readLine reads such a line the same whatever value fills the hole, as
 * long as skipValue at that depth accepts it, since skipValue decides nothing else.
 */
function skipped(at: number, end: number, depth: number): void {
  if (end >= 0) hole(H_SKIP, at, end, depth);
}

let lineTurn = -1;
/** Index after the top-level closing brace of the line readLine accepted. */
let closeAt = 0;

/**
 * A line's bytes with the values the metrics read cut out, and the values they skip. A writer
 * emits one layout per kind of record, so most lines are one of a few templates with other
 * values in the holes: such a line is checked by comparing the template's bytes (four at a
 * time) and reading only the holes, instead of tokenising every key. A line matching a template
 * byte for byte outside the holes, with a value in each hole that readLine would take there (a
 * read value of the same kind; any value skipValue accepts where it skips), has the same
 * members as the line the template was learnt from, so readLine would read it the same way.
 */
interface Template {
  /** The bytes before each hole, and after the last one up to the closing brace. */
  lits: Uint8Array[];
  /** The same bytes as little-endian 32-bit words, the tail that does not fill a word left out. */
  words: Int32Array[];
  kinds: Int32Array;
  depths: Int32Array;
  seen: number;
  usageSeen: number;
  attrsSeen: number;
}

const MAX_TEMPLATES = 8;
const templates: Template[] = [];
const NO_MATCH = -2;

let dvOf: Uint8Array | undefined;
let dv: DataView = new DataView(new ArrayBuffer(0));

/** How many layouts this process has learnt: a line of a known layout learns none. */
export let layoutsLearnt = 0;

function learn(b: Uint8Array, start: number): void {
  if (holes > MAX_HOLES) return;
  layoutsLearnt++;
  const lits: Uint8Array[] = [];
  const words: Int32Array[] = [];
  const add = (from: number, to: number): void => {
    // A copy (Uint8Array's slice; a Buffer's slice would share the read buffer, which is reused).
    const lit = Uint8Array.prototype.slice.call(b, from, to);
    const w = new Int32Array(lit.length >> 2);
    for (let k = 0; k < w.length; k++) {
      w[k] =
        (lit[4 * k] as number) |
        ((lit[4 * k + 1] as number) << 8) |
        ((lit[4 * k + 2] as number) << 16) |
        ((lit[4 * k + 3] as number) << 24);
    }
    lits.push(lit);
    words.push(w);
  };
  let from = start;
  for (let h = 0; h < holes; h++) {
    add(from, holeStart[h] as number);
    from = holeEnd[h] as number;
  }
  add(from, closeAt);
  const t: Template = {
    lits,
    words,
    kinds: holeKind.slice(0, holes),
    depths: holeDepth.slice(0, holes),
    seen,
    usageSeen,
    attrsSeen,
  };
  if (templates.length < MAX_TEMPLATES) templates.push(t);
  else templates[MAX_TEMPLATES - 1] = t;
}

/** Lets go of the last buffer read (which may have grown large for a long line). */
export function releaseBuffer(): void {
  dvOf = undefined;
  dv = new DataView(new ArrayBuffer(0));
}

/** Whether b[p, p + lit.length) holds lit; end bounds what may be read. */
function literal(b: Uint8Array, p: number, end: number, lit: Uint8Array, w: Int32Array): boolean {
  const n = lit.length;
  if (p + n > end) return false;
  const d = dv;
  for (let k = 0; k < w.length; k++) if (d.getInt32(p + 4 * k, true) !== w[k]) return false;
  for (let k = w.length << 2; k < n; k++) if (b[p + k] !== lit[k]) return false;
  return true;
}

/** The line read through a template: the newline's index, -1 for a bad record, NO_MATCH otherwise. */
function matchTemplate(t: Template, b: Uint8Array, start: number, end: number): number {
  const x = extracted;
  const { lits, words, kinds, depths } = t;
  let p = start;
  for (let h = 0; h < kinds.length; h++) {
    const lit = lits[h] as Uint8Array;
    if (!literal(b, p, end, lit, words[h] as Int32Array)) return NO_MATCH;
    p += lit.length;
    switch (kinds[h]) {
      case H_SESSION:
        sessAt = p;
        p = plainString(b, p);
        sessEnd = p;
        break;
      case H_TURN:
        p = countOrNull(b, p);
        lineTurn = num;
        break;
      case H_TS_TEXT: {
        const at = p;
        p = plainString(b, p);
        if (p < 0) return NO_MATCH;
        x.ts = isoUtc(b, at, p - at);
        if (Number.isNaN(x.ts)) return NO_MATCH;
        break;
      }
      case H_TS_NUMBER:
        p = count(b, p);
        // Microseconds or more (MIN_MICROS_TS), or seconds (MIN_TIME_MS): left to parseLine, which says so.
        if (num >= MIN_MICROS_TS || num < MIN_TIME_MS) return NO_MATCH;
        x.ts = num;
        break;
      case H_COMPACTION:
        p = boolean(b, p);
        x.compaction = flag;
        break;
      case H_INJECTION:
        p = boolean(b, p);
        x.injection = flag;
        break;
      case H_BREAKPOINTS:
        p = count(b, p);
        x.breakpoints = num;
        break;
      case H_INPUT:
        p = count(b, p);
        x.input = num;
        break;
      case H_OUTPUT:
        p = count(b, p);
        x.output = num;
        break;
      case H_CREATION:
        p = countOrNull(b, p);
        x.cacheCreation = num < 0 ? 0 : num;
        break;
      case H_READ:
        p = countOrNull(b, p);
        x.cacheRead = num < 0 ? 0 : num;
        break;
      case H_5M:
        p = count(b, p);
        x.creation5m = num;
        break;
      case H_1H:
        p = count(b, p);
        x.creation1h = num;
        break;
      case H_A_CONVERSATION:
        attrSessAt = p;
        p = plainString(b, p);
        attrSessEnd = p;
        break;
      case H_A_INPUT:
        p = count(b, p);
        aInput = num;
        break;
      case H_A_OUTPUT:
        p = countOrNull(b, p);
        aOutput = num;
        break;
      case H_A_READ:
        p = countOrNull(b, p);
        aRead = num;
        break;
      case H_A_CREATION:
        p = countOrNull(b, p);
        aCreation = num;
        break;
      case H_MODEL:
        modelAt = p;
        p = plainString(b, p);
        modelEnd = p;
        break;
      case H_A_RESPONSE_MODEL:
        respModelAt = p;
        p = plainString(b, p);
        respModelEnd = p;
        break;
      case H_A_REQUEST_MODEL:
        reqModelAt = p;
        p = plainString(b, p);
        reqModelEnd = p;
        break;
      case H_SKIP:
        p = skipValue(b, p, depths[h] as number);
        break;
    }
    if (p < 0) return NO_MATCH;
  }
  const last = lits[kinds.length] as Uint8Array;
  if (!literal(b, p, end, last, words[kinds.length] as Int32Array)) return NO_MATCH;
  p = ws(b, p + last.length);
  if (b[p] !== 0x0a) return NO_MATCH;
  seen = t.seen;
  usageSeen = t.usageSeen;
  attrsSeen = t.attrsSeen;
  // The structure is the template's: what readLine would decide, judge decides here.
  return judge(b) ? p : -1;
}

function reset(): void {
  const x = extracted;
  seen = 0;
  usageSeen = 0;
  attrsSeen = 0;
  isForkType = false;
  missesIsList = false;
  x.breakpoints = -1;
  x.compaction = false;
  x.injection = false;
  x.creation5m = -1;
  x.creation1h = -1;
  x.cacheRead = 0;
  x.cacheCreation = 0;
  aOutput = -2;
  aRead = -2;
  aCreation = -2;
  lineTurn = -1;
  x.ts = Number.NaN;
  modelAt = -1;
  respModelAt = -1;
  reqModelAt = -1;
}

/**
 * Reads the line starting at `start` (its first byte `{`), which ends at the next newline;
 * `end` bounds the bytes that may be read. Returns the index of that newline with `extracted`
 * filled, or -1 to leave the line to parseLine.
 */
export function extractLine(b: Uint8Array, start: number, end: number): number {
  if (b !== dvOf) {
    dvOf = b;
    dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  for (let k = 0; k < templates.length; k++) {
    const t = templates[k] as Template;
    reset();
    const r = matchTemplate(t, b, start, end);
    if (r === NO_MATCH) continue;
    if (k > 0) {
      // Move up one place: the shapes a file uses most end up tried first.
      templates[k] = templates[k - 1] as Template;
      templates[k - 1] = t;
    }
    return r;
  }
  reset();
  holes = 0;
  const r = readLine(b, start);
  if (r >= 0 && extracted.kind !== 'fork_trace') learn(b, start);
  return r;
}

/** The generic reader: member by member, recording where the values it reads lie. */
function readLine(b: Uint8Array, start: number): number {
  const x = extracted;
  let i = ws(b, start);
  if (b[i] !== LBRACE) return -1;
  i = ws(b, i + 1);
  if (b[i] === RBRACE) return -1;
  for (;;) {
    if (b[i] !== QUOTE) return -1;
    const k = i + 1;
    i = plainKey(b, k);
    if (i < 0) return -1;
    const id = topKey(b, k, i - k);
    if (id === F_DECLINE) return -1;
    i = ws(b, i + 1);
    if (b[i] !== COLON) return -1;
    i = ws(b, i + 1);
    if (id !== 0) {
      if (seen & id) return -1;
      seen |= id;
    }
    const c = b[i];
    const at = i;
    switch (id) {
      case 0:
        i = skipValue(b, i, 1);
        skipped(at, i, 1);
        break;
      case F_SESSION:
        if (c !== QUOTE) return -1;
        sessAt = i + 1;
        i = plainString(b, i + 1);
        sessEnd = i;
        hole(H_SESSION, sessAt, i);
        if (i >= 0) i++;
        break;
      case F_TURN:
        // null is no turn number (-2): an OTel span's to be numbered, a malformed line otherwise (judge).
        i = countOrNull(b, i);
        lineTurn = num;
        hole(H_TURN, at, i);
        break;
      case F_TS:
        if (c === QUOTE) {
          const text = i + 1;
          i = plainString(b, text);
          if (i < 0) return -1;
          x.ts = isoUtc(b, text, i - text);
          if (Number.isNaN(x.ts)) return -1;
          hole(H_TS_TEXT, text, i);
          i++;
        } else {
          i = count(b, i);
          if (num >= MIN_MICROS_TS || num < MIN_TIME_MS) return -1;
          x.ts = num;
          hole(H_TS_NUMBER, at, i);
        }
        break;
      case F_USAGE:
        if (c !== LBRACE) return -1;
        i = usage(b, i, 2);
        break;
      case F_COMPACTION:
        i = boolean(b, i);
        x.compaction = flag;
        hole(H_COMPACTION, at, i);
        break;
      case F_INJECTION:
        i = boolean(b, i);
        x.injection = flag;
        hole(H_INJECTION, at, i);
        break;
      case F_BREAKPOINTS:
        i = count(b, i);
        x.breakpoints = num;
        hole(H_BREAKPOINTS, at, i);
        break;
      case F_TYPE:
        if (c === QUOTE) {
          const text = i + 1;
          i = plainKey(b, text);
          if (i < 0) return -1;
          isForkType = same(b, text, i - text, FORK_TRACE);
          i++;
        } else i = skipValue(b, i, 1);
        break;
      case F_MISSES:
        if (c === LBRACKET) {
          missesIsList = true;
          i = misses(b, i);
        } else if (c === 0x6e) i = skipLiteral(b, i, 0x75, 0x6c, 0x6c, 0);
        // Misses that are no list make a usage record malformed: parseLine says so.
        else return -1;
        break;
      case F_DIAGNOSTICS:
        // Not a hole: a learnt layout holds the null itself, so a line diagnosing a miss there
        // matches no template and reaches this case, which leaves it to parseLine.
        if (c !== 0x6e) return -1;
        i = skipLiteral(b, i, 0x75, 0x6c, 0x6c, 0);
        break;
      case F_ATTRIBUTES:
        if (c === LBRACKET) return -1;
        i = c === LBRACE ? attributes(b, i, 2) : skipValue(b, i, 1);
        break;
      case F_MODEL:
        // Not a string (null, a number): no model, as parseLine reads it.
        if (c === QUOTE) {
          modelAt = i + 1;
          i = plainString(b, modelAt);
          modelEnd = i;
          hole(H_MODEL, modelAt, i);
          if (i >= 0) i++;
        } else i = skipValue(b, i, 1);
        break;
    }
    if (i < 0) return -1;
    i = ws(b, i);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else if (b[i] === RBRACE) break;
    else return -1;
  }
  closeAt = i + 1;
  i = ws(b, i + 1);
  if (b[i] !== 0x0a) return -1;
  return judge(b) ? i : -1;
}

/** The shape the line's members make, as parseLine decides it; false when that is not a good record. */
function judge(b: Uint8Array): boolean {
  const x = extracted;
  x.turn = lineTurn;
  // A session id starting with a space may be blank, which is malformed: left to parseLine. (It
  // is ASCII without escapes, so a space is the only blank byte it can hold.)
  // A turn of null names none: only an OTel span may go without one (parseLine words the rest).
  const where =
    (seen & (F_SESSION | F_TURN | F_TS)) === (F_SESSION | F_TURN | F_TS) &&
    lineTurn >= 0 &&
    sessEnd > sessAt &&
    b[sessAt] !== 0x20;
  if (isForkType || missesIsList) {
    if (!where || !missesIsList) return false;
    // A usage record carrying misses (a fork_trace too) is a turn and its trace: parseLine reads both.
    if ((seen & F_USAGE) !== 0 || attrsSeen !== 0) return false;
    x.kind = 'fork_trace';
    x.session = sessionString(b, sessAt, sessEnd);
    return true;
  }
  if (seen & F_USAGE) {
    if (!where || (usageSeen & (U_INPUT | U_OUTPUT)) !== (U_INPUT | U_OUTPUT)) return false;
    if (x.creation5m >= 0 && x.creation5m + x.creation1h !== x.cacheCreation) return false;
    x.kind = 'anthropic';
    x.cacheCounted = (usageSeen & (U_READ | U_CREATION | U_SPLIT)) !== 0;
    // A cache counter under a name the API does not use: parseLine names it.
    if (!x.cacheCounted && (usageSeen & U_CACHE_LIKE) !== 0) return false;
    x.session = sessionString(b, sessAt, sessEnd);
    x.model = modelAt < 0 ? undefined : sessionString(b, modelAt, modelEnd);
    return true;
  }
  if (attrsSeen === 0 || (attrsSeen & A_INPUT) === 0 || (seen & F_TS) === 0) return false;
  if ((attrsSeen & A_RESPONSE_ID) !== 0 && lineTurn < 0) return false;
  // A cache counter under a name the conventions do not use: parseLine names it.
  if ((attrsSeen & (A_READ | A_CREATION)) === 0 && ((attrsSeen & A_CACHE_LIKE) !== 0 || (seen & F_CACHE_LIKE) !== 0)) {
    return false;
  }
  let at = sessAt;
  let end = sessEnd;
  if (attrsSeen & A_CONVERSATION) {
    at = attrSessAt;
    end = attrSessEnd;
  } else if ((seen & F_SESSION) === 0) return false;
  if (end <= at || b[at] === 0x20) return false;
  const read = aRead < 0 ? 0 : aRead;
  const creation = aCreation < 0 ? 0 : aCreation;
  const input = aInput - read - creation;
  if (input < 0) return false;
  x.kind = 'otel';
  x.cacheCounted = (attrsSeen & (A_READ | A_CREATION)) !== 0;
  x.session = sessionString(b, at, end);
  x.model =
    respModelAt >= 0
      ? sessionString(b, respModelAt, respModelEnd)
      : reqModelAt >= 0
        ? sessionString(b, reqModelAt, reqModelEnd)
        : undefined;
  x.input = input;
  x.output = aOutput < 0 ? 0 : aOutput;
  x.cacheRead = read;
  x.cacheCreation = creation;
  x.creation5m = -1;
  x.creation1h = -1;
  return true;
}

/** The turn record handed out for lines read here: one object, refilled for every line. */
const view: TurnRecord = {
  kind: 'turn',
  shape: 'anthropic',
  session: '',
  turn: undefined,
  ts: 0,
  model: undefined,
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheCreation: 0,
  creation5m: undefined,
  creation1h: undefined,
  breakpoints: undefined,
  compaction: false,
  injection: false,
  cacheCounted: false,
  span: undefined,
};

/**
 * The last line extractLine accepted, as the record parseLine makes of it: a fork
 * trace is a fresh object, a turn the one shared view, valid until the next line is read.
 */
export function extractedRecord(): TelemetryRecord {
  const x = extracted;
  if (x.kind === 'fork_trace') {
    return { kind: 'fork_trace', session: x.session, turn: x.turn, ts: x.ts, misses: x.misses };
  }
  const v = view;
  v.shape = x.kind;
  v.session = x.session;
  v.turn = x.turn < 0 ? undefined : x.turn;
  v.ts = x.ts;
  v.input = x.input;
  v.output = x.output;
  v.cacheRead = x.cacheRead;
  v.cacheCreation = x.cacheCreation;
  v.creation5m = x.creation5m < 0 ? undefined : x.creation5m;
  v.creation1h = x.creation1h < 0 ? undefined : x.creation1h;
  v.breakpoints = x.breakpoints < 0 ? undefined : x.breakpoints;
  v.compaction = x.compaction;
  v.injection = x.injection;
  v.cacheCounted = x.cacheCounted;
  v.model = x.model;
  return v;
}

/**
 * The byte reader against parseLine: on every line it accepts it must give exactly the record
 * parseLine gives, and every line it declines is left to
 * parseLine. Run over the fixtures, the bench generator's shapes and a generated corpus of
 * tricky variants (shuffled keys, whitespace, nulls, escapes, UTF-8, odd numbers, truncation,
 * duplicate keys, extra fields, single-byte corruption), in orders that exercise the learnt
 * templates; then the whole reader against a line-by-line parseLine reader.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as extract from '../../../src/sources/telemetry/extract.js';
import { extractedRecord, extractLine } from '../../../src/sources/telemetry/extract.js';
import {
  type FileStats,
  MALFORMED_SHOWN,
  readTelemetry,
  type ReadSummary,
} from '../../../src/sources/telemetry/read.js';
import { parseLine, type TelemetryRecord } from '../../../src/sources/telemetry/records.js';

type Plain = Record<string, unknown>;

/** A record as compared: every field. */
function comparable(r: TelemetryRecord): Plain {
  return { ...r };
}

/** What the general path makes of a line's bytes (as the reader decodes them). */
function general(line: Buffer): Plain | string {
  let end = line.length;
  if (end > 0 && line[end - 1] === 13) end--;
  const text = line.toString('utf8', 0, end);
  if (text.length === 0 || text.trim() === '') return 'blank';
  const p = parseLine(text);
  if (!p.ok) return `malformed: ${p.reason}`;
  // A line that is a turn and its trace is two records: one alone is not what parseLine read.
  return p.trace ? { ...comparable(p.record), trace: comparable(p.trace) } : comparable(p.record);
}

/** What the byte reader makes of it, or undefined when it declines. */
function fast(line: Buffer): Plain | undefined {
  const b = Buffer.concat([line, Buffer.from('\n')]);
  const nl = extractLine(b, 0, b.length);
  if (nl < 0) return undefined;
  expect(nl).toBe(b.length - 1);
  return { ...comparable(extractedRecord()) };
}

let accepted = 0;
let declined = 0;
/** Asserts the two paths agree on the line; says which one took it. */
function check(line: Buffer | string): 'fast' | 'general' {
  const b = typeof line === 'string' ? Buffer.from(line) : line;
  if (b.includes(10)) throw new Error('a line holds no newline');
  const f = fast(b);
  if (f === undefined) {
    declined++;
    return 'general';
  }
  accepted++;
  expect(f, b.toString('utf8')).toEqual(general(b));
  return 'fast';
}

/** mulberry32: the corpus is the same on every run. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
  };
}

const FIX = 'test/fixtures/telemetry';
const fixtureLines = readdirSync(FIX)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => readFileSync(path.join(FIX, f), 'utf8').split('\n'));

/** The shapes bench/telemetry.js writes, and the other documented ones. */
const BASES: Plain[] = [
  {
    session_id: 'sess-00001f',
    turn: 12,
    ts: '2026-05-30T22:59:00.300Z',
    model: 'claude-sonnet-4-5',
    cache_breakpoints: 3,
    usage: {
      input_tokens: 940,
      output_tokens: 1265,
      cache_creation_input_tokens: 3225,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 3225, ephemeral_1h_input_tokens: 0 },
      server_tool_use: null,
      service_tier: 'standard',
    },
  },
  {
    session_id: 'sess-000002',
    turn: 7,
    ts: '2026-05-30T23:00:00Z',
    model: 'claude-sonnet-4-5',
    compaction: true,
    injection: false,
    cache_breakpoints: 5,
    usage: {
      input_tokens: 10,
      output_tokens: 20,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 4000,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 300 },
    },
  },
  { session_id: 'b', turn: 2, ts: 1780308180000, usage: { input_tokens: 300, output_tokens: 60 } },
  {
    session_id: 'a',
    turn: 3,
    ts: '2026-06-01T10:02:00Z',
    injection: true,
    usage: {
      input_tokens: 50,
      output_tokens: 80,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      cache_creation: null,
    },
  },
  {
    name: 'chat claude-sonnet-4-5',
    ts: '2026-05-30T22:59:01.500Z',
    turn: 1,
    compaction: true,
    attributes: {
      'gen_ai.conversation.id': 'sess-00000n',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.usage.input_tokens': 7858,
      'gen_ai.usage.output_tokens': 1136,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.cache_creation.input_tokens': 6599,
    },
  },
  {
    ts: '2026-05-30T22:59:02.500Z',
    turn: 2,
    attributes: {
      'gen_ai.conversation.id': 'sess-00000n',
      // The model that answered, over the one asked for.
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.usage.input_tokens': 7900,
      'gen_ai.usage.cache_read.input_tokens': 6599,
    },
  },
  {
    session_id: 'o3',
    ts: '2026-06-01T11:01:00Z',
    attributes: {
      'gen_ai.system': 'anthropic',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.cache_read.input_tokens': null,
    },
  },
  // A turn of null: no turn number, as on the span above.
  {
    session_id: 'o4',
    turn: null,
    ts: '2026-06-01T11:02:00Z',
    attributes: { 'gen_ai.usage.input_tokens': 900, 'gen_ai.usage.cache_read.input_tokens': 800 },
  },
  { type: 'fork_trace', session_id: 'c', turn: 5, ts: '2026-06-01T12:04:00Z', misses: ['message_prefix', 'tools'] },
  { session_id: 'c', turn: 6, ts: '2026-06-01T12:05:00Z', misses: ['model', 'model', 'system_prompt'] },
  { type: 'fork_trace', session_id: 'c', turn: 6, ts: '2026-06-01T12:05:00Z', misses: [] },
  // As an SDK's log writes a response: ids and a duration that differ on every line.
  {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy',
    session_id: 'sdk-1',
    turn: 4,
    ts: '2026-06-01T12:06:00Z',
    duration_ms: 1834,
    usage: { input_tokens: 12, output_tokens: 340, cache_read_input_tokens: 5200, service_tier: 'standard' },
  },
  // A response logged with its usage, and the API's diagnosis of its miss: null is none.
  {
    id: 'msg_01Diag',
    session_id: 'dg',
    turn: 3,
    ts: '2026-06-01T12:08:00Z',
    usage: { input_tokens: 30, output_tokens: 8, cache_read_input_tokens: 0, cache_creation_input_tokens: 900 },
    diagnostics: null,
  },
  // A span without a cache counter: beside it, a cache count under another convention's name is named.
  {
    session_id: 'o5',
    turn: 3,
    ts: '2026-06-01T11:03:00Z',
    attributes: { 'gen_ai.usage.input_tokens': 900, 'gen_ai.usage.output_tokens': 12, 'llm.usage.total_tokens': 912 },
  },
  {
    ts: '2026-06-01T12:07:00Z',
    turn: 9,
    attributes: {
      'session.id': 'cc-7',
      'gen_ai.conversation.id': 'cc-7',
      'gen_ai.response.id': 'msg_01Aq9w938a90dw8q',
      'gen_ai.usage.input_tokens': 6100,
      'gen_ai.usage.cache_read.input_tokens': 6000,
      duration_ms: 2210.5,
    },
  },
];

/**
 * Usage records logged with the API's diagnosis of their miss (and a trace beside one): each is a
 * turn and its trace, or malformed, which parseLine reads.
 */
const DIAGNOSED: Plain[] = [
  {
    session_id: 'dg',
    turn: 4,
    ts: '2026-06-01T12:09:00Z',
    usage: { input_tokens: 30, output_tokens: 8, cache_read_input_tokens: 0, cache_creation_input_tokens: 900 },
    diagnostics: { cache_miss_reason: { type: 'messages_changed', cache_missed_input_tokens: 900 } },
  },
  {
    session_id: 'dg',
    turn: 5,
    ts: '2026-06-01T12:10:00Z',
    misses: ['tools'],
    usage: { input_tokens: 30, output_tokens: 8, cache_read_input_tokens: 900 },
    diagnostics: { cache_miss_reason: { type: 'system_changed', cache_missed_input_tokens: 900 } },
  },
  {
    session_id: 'dg',
    turn: 6,
    ts: '2026-06-01T12:11:00Z',
    usage: { input_tokens: 30, output_tokens: 8, cache_read_input_tokens: 900 },
    diagnostics: { cache_miss_reason: null },
  },
  {
    session_id: 'dg',
    turn: 7,
    ts: '2026-06-01T12:12:00Z',
    usage: { input_tokens: 30, output_tokens: 8, cache_read_input_tokens: 900 },
    diagnostics: { cache_miss_reason: { type: 'unavailable' } },
  },
  {
    session_id: 'dg',
    turn: 8,
    ts: '2026-06-01T12:13:00Z',
    usage: { input_tokens: 30, output_tokens: 8, cache_read_input_tokens: 900 },
    diagnostics: { cache_miss_reason: { type: 'speed_changed', cache_missed_input_tokens: 900 } },
  },
  // Not a usage record: its diagnostics are not read, on either path.
  { type: 'fork_trace', session_id: 'dg', turn: 9, ts: '2026-06-01T12:14:00Z', misses: [], diagnostics: 7 },
];

function shuffled(x: unknown, r: ReturnType<typeof rng>): unknown {
  if (Array.isArray(x)) return x.map((v) => shuffled(v, r));
  if (x === null || typeof x !== 'object') return x;
  const entries = Object.entries(x as Plain);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffled(v, r)]));
}

/** Whitespace between tokens: JSON.stringify's indentation, with its newlines made blanks. */
function spaced(o: unknown, r: ReturnType<typeof rng>): string {
  return JSON.stringify(o, null, 1).replace(/\n */g, () => r.pick([' ', '\t', '\r', '', '  \t', ' \r ']));
}

/** Numbers as JSON may write them, whole or not. */
const NUMBER_FORMS = [
  '0',
  '-0',
  '1.0',
  '1e3',
  '1E3',
  '12.5',
  '-3',
  '012',
  '1.',
  '.5',
  '9007199254740993',
  '123456789012345',
  '1234567890123456',
  '0e0',
  '1e-2',
  '-',
  '+1',
  '0x10',
  'NaN',
  'Infinity',
];
/** Values of any type, for any field. */
const ANY_VALUE = [
  'null',
  'true',
  'false',
  '""',
  '"x"',
  '[]',
  '{}',
  '[1,{"a":[null]}]',
  '{"k":{"k":{}}}',
  '"2026-06-01T10:00:00Z"',
  '"fork_trace"',
  '["tools"]',
  '["weather"]',
  '5',
  '0',
  '-1',
  '1.5',
];
const KEYS = [
  'session_id',
  'turn',
  'ts',
  'usage',
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'cache_creation',
  'ephemeral_5m_input_tokens',
  'ephemeral_1h_input_tokens',
  'compaction',
  'injection',
  'cache_breakpoints',
  'type',
  'misses',
  'diagnostics',
  'cache_miss_reason',
  'attributes',
  'gen_ai.conversation.id',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_creation.input_tokens',
  'model',
  // Skipped, each a hole of a learnt layout: any string or number there reads the same.
  'service_tier',
  'name',
  'gen_ai.operation.name',
  'gen_ai.system',
  'request_id',
  'duration_ms',
  'session.id',
  'gen_ai.response.id',
  // Cache counts under names no reader reads: named by parseLine on a record without a counter.
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_creation_tokens',
  'llm.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_write',
  'llm.usage.total_tokens',
];
/** Strings as a skipped field may hold them, well-formed or not. */
const STRING_FORMS = [
  '"a \\"quoted\\" \\\\ word\\n\\u00e9\\uD83D\\uDE00"',
  '"日本 é"',
  '"bad \\x escape"',
  '"bad \\u12 escape"',
  '"raw\ttab"',
  '"unterminated',
  '"two" "strings"',
];

/** Every value of `key` in the text replaced by `value`, one occurrence at a time. */
function withValue(text: string, key: string, value: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`"${key.replace(/\./g, '\\.')}":`, 'g');
  for (const m of text.matchAll(re)) {
    const at = (m.index ?? 0) + m[0].length;
    const b = Buffer.from(text);
    // The value's end: a JSON value here ends before the next , or } at its own depth.
    let depth = 0;
    let i = Buffer.byteLength(text.slice(0, at));
    let inString = false;
    for (; i < b.length; i++) {
      const c = b[i];
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) break;
        depth--;
      } else if (c === 0x2c && depth === 0) break;
    }
    out.push(`${b.subarray(0, Buffer.byteLength(text.slice(0, at))).toString()}${value}${b.subarray(i).toString()}`);
  }
  return out;
}

function variants(base: Plain, r: ReturnType<typeof rng>): (string | Buffer)[] {
  const text = JSON.stringify(base);
  const out: (string | Buffer)[] = [text];
  for (let k = 0; k < 4; k++) out.push(JSON.stringify(shuffled(base, r)), spaced(shuffled(base, r), r));
  out.push(` ${text}`, `\t${text}\r`, `${text}  `, `${text}\r`, `${text}x`, `${text},`, `[${text}]`, `${text}${text}`);
  for (const key of KEYS) {
    for (const v of [...NUMBER_FORMS, ...ANY_VALUE, ...STRING_FORMS]) out.push(...withValue(text, key, v));
    // Duplicate keys: JSON.parse keeps the last one.
    for (const v of ['1', '"s"', 'null', '{}', 'true']) {
      out.push(text.replace('{', `{"${key}":${v},`), text.replace(/}$/, `,"${key}":${v}}`));
      for (const inner of ['"usage":{', '"cache_creation":{', '"attributes":{']) {
        out.push(
          text.replace(inner, `${inner}"${key}":${v},`),
          text.replace(new RegExp(`(${inner}[^{}]*)}`), `$1,"${key}":${v}}`),
        );
      }
    }
  }
  // Escapes and non-ASCII: in keys, in strings read, in strings skipped.
  out.push(
    text.replace('"session_id"', '"session\\u005fid"'),
    text.replace('"turn"', '"tu\\u0072n"'),
    text.replace(/"session_id":"([^"]*)"/, '"session_id":"\\u0041$1"'),
    text.replace(/"session_id":"([^"]*)"/, '"session_id":"s\\"q"'),
    text.replace(/"session_id":"([^"]*)"/, '"session_id":"séance-$1"'),
    text.replace(/"session_id":"([^"]*)"/, '"session_id":"日本"'),
    text.replace(/"ts":"([^"]*)"/, '"ts":"\\u0032$1"'),
    text.replace('"fork_trace"', '"fork\\u005ftrace"'),
    text.replace('"message_prefix"', '"message\\u005fprefix"'),
    text.replace('"gen_ai.conversation.id":"', '"gen_ai.conversation.id":"\\u00e9'),
    text.replace('"gen_ai.usage.input_tokens"', '"gen_ai.usage.input\\u005ftokens"'),
    text.replace('"gen_ai.operation.name"', '"gen_ai.op\\u00e9ration"'),
    text.replace('"gen_ai.operation.name"', '"gen_ai.opération"'),
    text.replace('{', '{"note":"a \\"quoted\\" \\\\ word\\n\\t\\u00e9\\uD83D\\uDE00 日本 é",'),
    text.replace('{', '{"note":"bad \\x escape",'),
    text.replace('{', '{"note":"bad \\u12 escape",'),
    text.replace('{', '{"note":"raw\ttab",'),
    text.replace('{', '{"__proto__":{"usage":1},'),
    text.replace('{', '{"constructor":1,"toString":2,'),
    text.replace('{', '{"gen_ai.usage.input_tokens":5,'),
    text.replace('{', '{"attributes":{"gen_ai.x":1},'),
    text.replace('{', '{"attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"9"}}],'),
    text.replace('{', `{"deep":${'['.repeat(70)}${']'.repeat(70)},`),
    text.replace('{', `{"deep":${'{"a":'.repeat(40)}1${'}'.repeat(40)},`),
    text.replace('{', '{"startTimeUnixNano":"1780312920000000000",'),
    text.replace(/"ts":"[^"]*",?/, ''),
    text.replace(/,"ts":[0-9]+/, ''),
  );
  for (const ts of [
    '2026-02-29T00:00:00Z',
    '2028-02-29T00:00:00.000Z',
    '2026-06-01T24:00:00Z',
    '2026-06-01T10:00:60Z',
    '2026-13-01T10:00:00Z',
    '2026-06-01T10:00:00+02:00',
    '2026-06-01T10:00:00.5Z',
    '2026-06-01 10:00:00Z',
    '2026-06-01T10:00:00.000z',
    '2026-06-01t10:00:00z',
    '2026-06-01t10:00:00.5z',
    '2026-06-01t10:00:00+02:00',
    '2026-06-01T10:00:00x',
    '2026-06-01x10:00:00Z',
    '20260601T100000Z',
    '2026-06-01',
    '',
  ]) {
    out.push(...withValue(text, 'ts', JSON.stringify(ts)));
  }
  // Epoch seconds (malformed below 1e11, with or without a fraction) and the numbers around the line.
  for (const ts of ['1780000000', '1780000000.5', '99999999999', '100000000000', '100000000', '99999999', '1']) {
    out.push(...withValue(text, 'ts', ts));
  }
  // Blank session ids (malformed) and ids with a blank at one end (not).
  for (const key of ['session_id', 'gen_ai.conversation.id']) {
    for (const id of ['" "', '"   "', '"\\t"', '"\\u0020"', '"\u00a0"', '" a"', '"a "', '"a b"']) {
      out.push(...withValue(text, key, id));
    }
  }
  // Invalid UTF-8 and a lone continuation byte, in a skipped string and in the session id.
  const bytes = Buffer.from(text);
  for (const bad of [[0xff], [0xc3], [0xe6, 0x97], [0x80], [0xc3, 0xa9]]) {
    const q = bytes.indexOf('"session_id":"') + 14;
    if (q >= 14) out.push(Buffer.concat([bytes.subarray(0, q), Buffer.from(bad), bytes.subarray(q)]));
    out.push(Buffer.concat([Buffer.from('{"note":"'), Buffer.from(bad), Buffer.from('",'), bytes.subarray(1)]));
  }
  // Truncated at every byte, as a crash leaves a line.
  for (let n = 0; n < bytes.length; n++) out.push(bytes.subarray(0, n));
  // One byte replaced, at random places, by bytes that matter to JSON.
  const swaps = [0x22, 0x5c, 0x7d, 0x7b, 0x5d, 0x2c, 0x3a, 0x20, 0x30, 0x39, 0x2d, 0x2e, 0x65, 0x78, 0x01, 0xff, 0x0d];
  for (let k = 0; k < 400; k++) {
    const b = Buffer.from(bytes);
    b[r.int(0, b.length - 1)] = r.pick(swaps);
    out.push(b);
  }
  return out;
}

describe('extractLine against parseLine', () => {
  it('reads the fixture lines as parseLine does', () => {
    let fastCount = 0;
    for (let round = 0; round < 2; round++) {
      for (const line of fixtureLines) if (check(line) === 'fast') fastCount++;
    }
    expect(fastCount).toBeGreaterThan(fixtureLines.length / 2);
  });

  it('reads the plain form of every documented shape', () => {
    for (const base of BASES) {
      expect(check(JSON.stringify(base)), JSON.stringify(base)).toBe('fast');
      // The second time through a learnt template.
      expect(check(JSON.stringify(base))).toBe('fast');
    }
  });

  it("leaves a line carrying the API's diagnosis of a miss to parseLine, which reads a trace from it", () => {
    for (const base of DIAGNOSED) {
      const text = JSON.stringify(base);
      // Twice: through a learnt layout too, were one learnt from it.
      expect(check(text), text).toBe('general');
      expect(check(text), text).toBe('general');
    }
  });

  it('agrees on a generated corpus of tricky lines, or declines them', () => {
    const r = rng(20260601);
    const before = accepted;
    let total = 0;
    for (const base of [...BASES, ...DIAGNOSED]) {
      for (const v of variants(base, r)) {
        // The base first, so the variant is also tried against the template learnt from it.
        check(JSON.stringify(base));
        check(v);
        total++;
      }
    }
    // Interleaved in a random order too: templates of every shape compete.
    const all = BASES.flatMap((b) => variants(b, r));
    for (let k = 0; k < all.length; k++) check(all[r.int(0, all.length - 1)] as string | Buffer);
    expect(total).toBeGreaterThan(5000);
    // Plenty of the variants are records it reads itself (shuffled keys, whitespace, other numbers).
    expect(accepted - before).toBeGreaterThan(total / 10);
    expect(declined).toBeGreaterThan(0);
  });

  it('reads lines differing only in fields no metric reads through one layout, as parseLine reads them', () => {
    const r = rng(7);
    const id = () => Array.from({ length: 24 }, () => r.pick([...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
    const sdk = (k: number) =>
      `{"id":"msg_${id()}","request_id":"req_${id()}","session_id":"s${k % 7}","turn":${k},"ts":"2026-06-01T12:00:00Z","duration_ms":${r.int(0, 99999)},"usage":{"input_tokens":${k},"output_tokens":3,"cache_read_input_tokens":${k * 10},"service_tier":"${r.pick(['standard', 'priority', 'batch'])}"}}`;
    const span = (k: number) =>
      `{"ts":"2026-06-01T12:00:00Z","turn":${k},"attributes":{"session.id":"c${id()}","gen_ai.conversation.id":"c${k % 5}","gen_ai.response.id":"msg_${id()}","gen_ai.usage.input_tokens":${k + 100},"gen_ai.usage.cache_read.input_tokens":${k},"duration_ms":${r.int(0, 9999)}.${r.int(0, 9)}}}`;
    expect(check(sdk(1))).toBe('fast');
    expect(check(span(1))).toBe('fast');
    const learnt = extract.layoutsLearnt;
    expect(learnt).toBeGreaterThan(0);
    for (let k = 2; k < 200; k++) {
      expect(check(sdk(k))).toBe('fast');
      expect(check(span(k))).toBe('fast');
    }
    expect(extract.layoutsLearnt).toBe(learnt);
    // Any value fits a skipped member: another kind, escapes, a whole response's content.
    const content = (k: number) =>
      r.pick([
        'null',
        `"${id()}"`,
        `[{"type":"text","text":"step ${k}: \\"${id()}\\" é"}]`,
        `{"stop_reason":${r.pick(['null', '"end_turn"'])},"n":[${k},${k + 1}]}`,
      ]);
    for (let k = 200; k < 260; k++) {
      expect(check(sdk(k).replace(/"duration_ms":\d+/, `"duration_ms":${content(k)}`))).toBe('fast');
      expect(check(sdk(k).replace(/"request_id":"req_/, '"request_id":"r\\u00e9q_'))).toBe('fast');
    }
    expect(extract.layoutsLearnt).toBe(learnt);
    // What skipValue refuses there still goes to parseLine, through the layout or not.
    expect(check(sdk(300).replace(/"duration_ms":\d+/, '"duration_ms":[1,]'))).toBe('general');
    expect(check(sdk(301).replace(/"duration_ms":\d+/, '"duration_ms":"bad \\x"'))).toBe('general');
  });

  it('keeps its own copy of a line it learnt a layout from', () => {
    const line =
      '{"session_id":"b","turn":2,"ts":1780308180000,"layout_only_here":1,"usage":{"input_tokens":300,"output_tokens":60}}';
    const b = Buffer.from(`${line}\n`);
    expect(extractLine(b, 0, b.length)).toBe(b.length - 1);
    // The reader reuses its buffer: what the layout was learnt from is overwritten, here by
    // the same bytes but for the closing braces.
    const broken = line.replace(/}}$/, '  ');
    b.write(broken);
    expect(check(broken)).toBe('general');
    expect(check(line)).toBe('fast');
  });

  it('tells a record that carries a cache counter (null included) from one that carries none, as parseLine does', () => {
    const usage = (u: object) =>
      JSON.stringify({
        session_id: 's',
        turn: 1,
        ts: '2026-06-01T10:00:00Z',
        usage: { input_tokens: 5, output_tokens: 1, ...u },
      });
    const span = (a: object) =>
      JSON.stringify({
        ts: '2026-06-01T10:00:00Z',
        turn: 1,
        attributes: { 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 5, ...a },
      });
    const cases: [string, boolean][] = [
      [usage({}), false],
      [usage({ cache_read_input_tokens: null }), true],
      [usage({ cache_creation_input_tokens: 0 }), true],
      [usage({ cache_creation: null }), true],
      [span({}), false],
      [span({ 'gen_ai.usage.cache_read.input_tokens': 0 }), true],
      [span({ 'gen_ai.usage.cache_creation.input_tokens': 2 }), true],
    ];
    for (const [line, counted] of cases) {
      // Twice: the second is read through the layout the first taught.
      for (let k = 0; k < 2; k++) {
        expect(check(line), line).toBe('fast');
        const p = parseLine(line);
        expect(p.ok && p.record.kind === 'turn' && p.record.cacheCounted, line).toBe(counted);
      }
    }
  });

  it('leaves a record with a cache counter under another name to parseLine, which names it', () => {
    const span = (a: object) =>
      JSON.stringify({
        ts: '2026-06-01T10:00:00Z',
        turn: 1,
        attributes: { 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 5, ...a },
      });
    const named: [string, string][] = [
      [span({ 'gen_ai.usage.cache_read_input_tokens': 3 }), 'gen_ai.usage.cache_read_input_tokens'],
      [
        span({ 'gen_ai.system': 'x', 'gen_ai.usage.cache_creation_input_tokens': 0 }),
        'gen_ai.usage.cache_creation_input_tokens',
      ],
      [span({ 'gen_ai.usage.input_tokens_cached': null }), 'gen_ai.usage.input_tokens_cached'],
    ];
    for (const [line, name] of named) {
      for (let k = 0; k < 2; k++) {
        expect(check(line), line).toBe('general');
        const p = parseLine(line);
        expect(p.ok && p.record.kind === 'turn' && p.record, line).toMatchObject({
          cacheCounted: false,
          cacheLookalike: name,
        });
      }
    }
    // Another convention's names for LLM spans (OpenLLMetry's llm.usage.*, OpenInference's
    // llm.token_count.*), under attributes or flat on the line beside them.
    const other: [string, string][] = [
      [span({ 'llm.usage.cache_read_input_tokens': 3 }), 'llm.usage.cache_read_input_tokens'],
      [span({ 'llm.token_count.prompt_details.cache_write': 0 }), 'llm.token_count.prompt_details.cache_write'],
      [
        JSON.stringify({
          ts: '2026-06-01T10:00:00Z',
          turn: 1,
          'llm.token_count.prompt_details.cache_read': 2,
          attributes: { 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 5 },
        }),
        'llm.token_count.prompt_details.cache_read',
      ],
    ];
    // A usage record's cache counts under names the API does not use, named where they lie.
    const usage = (u: object) =>
      JSON.stringify({
        session_id: 'u',
        turn: 1,
        ts: '2026-06-01T10:00:00Z',
        usage: { input_tokens: 5, output_tokens: 1, ...u },
      });
    const inUsage: [string, string][] = [
      [usage({ cache_read_tokens: 3 }), 'usage.cache_read_tokens'],
      [usage({ service_tier: 'standard', cache_write_tokens: 2 }), 'usage.cache_write_tokens'],
      [usage({ cache_creation_tokens: null, cache_read_tokens: 1 }), 'usage.cache_creation_tokens'],
    ];
    for (const [line, name] of [...other, ...inUsage]) {
      for (let k = 0; k < 2; k++) {
        expect(check(line), line).toBe('general');
        const p = parseLine(line);
        expect(p.ok && p.record.kind === 'turn' && p.record, line).toMatchObject({
          cacheCounted: false,
          cacheLookalike: name,
        });
      }
    }
    // Beside a conventional counter it is not what counts, and other gen_ai.usage.* attributes are none.
    for (const line of [
      span({ 'gen_ai.usage.cache_read.input_tokens': 3, 'gen_ai.usage.cache_read_input_tokens': 3 }),
      span({ 'gen_ai.usage.reasoning_tokens': 3, 'gen_ai.cache': 1 }),
      span({ 'gen_ai.usage.cache_read.input_tokens': 3, 'llm.usage.cache_read_input_tokens': 3 }),
      // Another convention's counts of no cache, and "cache" outside its token counts, are none either.
      span({ 'llm.usage.total_tokens': 8, 'llm.token_count.prompt': 5, 'llm.cache_hit': true, 'http.cache': 1 }),
      usage({ cache_read_input_tokens: 3, cache_read_tokens: 3 }),
      usage({ cache_creation: null, cache_write_tokens: 3 }),
      usage({ service_tier: 'standard' }),
    ]) {
      for (let k = 0; k < 2; k++) {
        expect(check(line), line).toBe('fast');
        const p = parseLine(line);
        expect(p.ok && p.record.kind === 'turn' && p.record.cacheLookalike, line).toBeUndefined();
      }
    }
  });

  it('reads a lower-case t and z (RFC 3339 allows them) itself, as parseLine reads them', () => {
    for (const ts of ['2026-06-01t10:00:00z', '2026-06-01T10:00:00.250z', '2026-06-01t10:00:00Z']) {
      const line = JSON.stringify({ session_id: 's', turn: 1, ts, usage: { input_tokens: 5, output_tokens: 1 } });
      // Twice: the second is read through the layout the first taught.
      for (let k = 0; k < 2; k++) expect(check(line), line).toBe('fast');
      const p = parseLine(line);
      expect(p.ok && p.record.ts).toBe(Date.parse(ts.toUpperCase()));
    }
  });

  it('leaves a ts in epoch seconds and a blank session id to parseLine, through a learnt layout or not', () => {
    const lines: [string, RegExp][] = [];
    for (const base of BASES) {
      const text = JSON.stringify(base);
      for (const v of withValue(text, 'ts', '1780000000'))
        lines.push([v, /ts 1780000000 looks like seconds since the epoch/]);
      for (const v of withValue(text, 'ts', '99999999999')) lines.push([v, /ts 99999999999 looks like seconds/]);
      for (const v of withValue(text, 'ts', '0')) lines.push([v, /ts 0 as epoch milliseconds is 1970-01-01/]);
      for (const v of withValue(text, 'ts', '-100000000000')) lines.push([v, /ts -100000000000 is negative: /]);
      for (const v of withValue(text, 'ts', '-1780308180000')) lines.push([v, /ts -1780308180000 is negative: /]);
      for (const key of ['session_id', 'gen_ai.conversation.id']) {
        for (const id of ['" "', '"  "']) {
          for (const v of withValue(text, key, id))
            lines.push([v, new RegExp(`${key.replace(/\./g, '\\.')} is blank`)]);
        }
      }
    }
    // Every shape that takes a numeric ts or a session id.
    expect(lines.length).toBeGreaterThan(BASES.length * 2);
    let fresh = 0;
    for (const [bad, reason] of lines) {
      const base = bad
        .replace(/"ts":(0|1780000000|99999999999|-100000000000|-1780308180000)([,}])/, '"ts":1780308180000$2')
        .replace(/" +"/, '"s"');
      // The same layout read well first, so the line meets a template learnt from it.
      expect(check(base), base).toBe('fast');
      expect(check(bad), bad).toBe('general');
      expect(general(Buffer.from(bad)), bad).toMatch(reason);
      // And a layout never seen, read member by member.
      const unseen = bad.replace('{', `{"layout_${fresh++}":1,`);
      expect(check(unseen), unseen).toBe('general');
      expect(general(Buffer.from(unseen)), unseen).toMatch(reason);
    }
    // The smallest epoch millisecond taken, and an id with a blank inside it, are read here.
    expect(check(JSON.stringify({ ...(BASES[2] as Plain), ts: 100_000_000_000 }))).toBe('fast');
    expect(check(JSON.stringify({ ...(BASES[2] as Plain), session_id: 'a b ' }))).toBe('fast');
  });

  it('declines what it does not fully understand', () => {
    const base = JSON.stringify(BASES[0]);
    check(base);
    const declinedLines = [
      base.replace('"session_id"', '"session\\u005fid"'),
      base.replace('"turn":12', '"turn":12.0'),
      base.replace('"turn":12', '"turn":1.2e1'),
      base.replace('"input_tokens":940', '"input_tokens":940,"input_tokens":941'),
      base.replace('"ts":"2026-05-30T22:59:00.300Z"', '"ts":"2026-05-30T23:59:00.300+01:00"'),
      base.replace('{', '{"gen_ai.usage.input_tokens":5,'),
      base.replace('{', '{"misses":["tools"],'),
      // The API's diagnosis of the turn's miss is its trace, which parseLine reads; null is none.
      base.replace('{', '{"diagnostics":{"cache_miss_reason":null},'),
      base.replace('{', '{"diagnostics":{"cache_miss_reason":{"type":"tools_changed","cache_missed_input_tokens":5}},'),
      base.replace('{', '{"diagnostics":[],'),
      base.replace('{', '{"diagnostics":null,"diagnostics":{"cache_miss_reason":null},'),
      // An OTLP export holds many records, whatever else the line carries.
      base.replace('{', '{"resourceSpans":[],'),
      base.replace('{', '{"resourceLogs":[],'),
      base.replace('{', '{"resourceMetrics":[],'),
      // A span's id tells a copy of it from a turn of its own (TurnRecord.span), which parseLine reads.
      '{"spanId":"b1","ts":"2026-06-01T11:01:00Z","attributes":{"gen_ai.conversation.id":"o2","gen_ai.usage.input_tokens":3000}}',
      // So does the completion's id of a span without a turn number, and without a span id.
      '{"ts":"2026-06-01T11:01:00Z","attributes":{"gen_ai.response.id":"msg_1","gen_ai.conversation.id":"o2","gen_ai.usage.input_tokens":3000}}',
      '{"ts":"2026-06-01T11:01:00Z","turn":null,"attributes":{"gen_ai.conversation.id":"o2","gen_ai.usage.input_tokens":3000,"gen_ai.response.id":"msg_1"}}',
      // A fork_trace carrying usage is a turn and its trace, which parseLine reads.
      '{"type":"fork_trace","session_id":"c","turn":7,"ts":"2026-06-01T12:06:00Z","misses":["tools"],"usage":{"input_tokens":10,"output_tokens":1}}',
      base.slice(0, -1),
      '{"ts":"2026-06-01T11:01:00Z","attributes":[{"key":"gen_ai.conversation.id","value":{"stringValue":"o2"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"3000"}}]}',
    ];
    for (const line of declinedLines) expect(check(line), line).toBe('general');
    // No diagnosis asked for: the line is read here, learnt and matched alike.
    const undiagnosed = base.replace('{', '{"diagnostics":null,');
    for (let k = 0; k < 2; k++) expect(check(undiagnosed), undiagnosed).toBe('fast');
    // A span with a turn number is known by it: its completion's id changes nothing, and it is read here.
    const numbered =
      '{"ts":"2026-06-01T11:01:00Z","turn":4,"attributes":{"gen_ai.response.id":"msg_1","gen_ai.conversation.id":"o2","gen_ai.usage.input_tokens":3000}}';
    for (let k = 0; k < 2; k++) expect(check(numbered), numbered).toBe('fast');
  });
});

afterAll(() => {
  // Both paths were exercised: a corpus the byte reader declined whole would prove nothing.
  expect(accepted).toBeGreaterThan(1000);
  expect(declined).toBeGreaterThan(1000);
});

/** The reader as it was: split on newlines, drop one CR, skip blank lines, parseLine the rest. */
function reference(content: Buffer, file: string): { records: Plain[]; summary: ReadSummary } {
  const records: Plain[] = [];
  const pieces: Buffer[] = [];
  let s = 0;
  for (let nl = content.indexOf(10); nl !== -1; nl = content.indexOf(10, s)) {
    pieces.push(content.subarray(s, nl));
    s = nl + 1;
  }
  if (s < content.length) pieces.push(content.subarray(s));
  const stats: FileStats = { path: file, bytes: content.length, lines: 0, records: 0, malformed: 0 };
  const summary: ReadSummary = { files: [stats], malformed: 0, firstMalformed: [], mostlyMalformed: [] };
  // The last piece has no newline when the content does not end with one.
  let unfinished = 0;
  for (const [k, piece] of pieces.entries()) {
    stats.lines++;
    const end = piece.length > 0 && piece[piece.length - 1] === 13 ? piece.length - 1 : piece.length;
    const text = piece.toString('utf8', 0, end);
    if (text.trim() === '') continue;
    const tail = k === pieces.length - 1 && s < content.length;
    const p = parseLine(text);
    if (p.ok) {
      stats.records++;
      records.push({ ...comparable(p.record), line: stats.lines });
      if (p.trace) records.push({ ...comparable(p.trace), line: stats.lines });
    } else {
      const reason = tail
        ? `${p.reason} (the file's last line, with no newline: its writer may not have finished it)`
        : p.reason;
      if (tail) unfinished = 1;
      stats.malformed++;
      stats.firstMalformed ??= { file, line: stats.lines, reason };
      summary.malformed++;
      if (summary.firstMalformed.length < MALFORMED_SHOWN) {
        summary.firstMalformed.push({ file, line: stats.lines, reason });
      }
    }
  }
  if (stats.malformed - unfinished > stats.records) summary.mostlyMalformed.push(stats);
  return { records, summary };
}

describe('readTelemetry with the byte reader', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rfcgate-extract-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A file of every corpus line, blank and CRLF lines, a line longer than a read, and no final newline. */
  function corpusFile(): Buffer {
    const r = rng(7);
    const parts: Buffer[] = [];
    const lines = [...BASES, ...DIAGNOSED]
      .flatMap((b) => variants(b, r))
      .map((v) => (typeof v === 'string' ? Buffer.from(v) : v));
    for (let k = 0; k < 12_000; k++) {
      const pick = r.next();
      if (pick < 0.55) parts.push(Buffer.from(JSON.stringify(r.pick(BASES))));
      else if (pick < 0.6) parts.push(Buffer.from(JSON.stringify(r.pick(DIAGNOSED))));
      else if (pick < 0.97) parts.push(r.pick(lines));
      else if (pick < 0.98) parts.push(Buffer.from(r.pick(['', ' ', '\t', '\r', '  \r'])));
      else parts.push(Buffer.from(r.pick(fixtureLines)));
      parts.push(Buffer.from(r.next() < 0.1 ? '\r\n' : '\n'));
      if (k % 1000 === 500) {
        // A turn that names its own misses: the byte reader leaves it to parseLine, which reads both.
        const annotated = { ...(BASES[0] as Plain), turn: 100_000 + k, misses: ['tools', 'model'] };
        parts.push(Buffer.from(`${JSON.stringify(annotated)}\n`));
      }
      if (k === 6000) {
        const long = { ...(BASES[0] as Plain), note: 'x'.repeat(1_500_000) };
        parts.push(Buffer.from(`${JSON.stringify(long)}\n`));
      }
    }
    parts.push(Buffer.from(JSON.stringify(BASES[1])));
    return Buffer.concat(parts);
  }

  async function viaReader(file: string): Promise<{ records: Plain[]; summary: ReadSummary }> {
    const records: Plain[] = [];
    const summary = await readTelemetry(dir, [file], (rec, _f, line) => {
      records.push({ ...comparable(rec), line });
    });
    return { records, summary };
  }

  it('reads a plain file exactly as the line-by-line reader does', async () => {
    const content = corpusFile();
    writeFileSync(path.join(dir, 'corpus.jsonl'), content);
    const got = await viaReader('corpus.jsonl');
    const want = reference(content, 'corpus.jsonl');
    expect(got.summary).toEqual(want.summary);
    expect(got.records.length).toBe(want.records.length);
    expect(got.records).toEqual(want.records);
    expect(want.summary.malformed).toBeGreaterThan(100);
  });

  it('reads a gzip file exactly as the line-by-line reader does', async () => {
    const content = corpusFile();
    writeFileSync(path.join(dir, 'corpus.jsonl.gz'), gzipSync(content));
    const got = await viaReader('corpus.jsonl.gz');
    const want = reference(content, 'corpus.jsonl.gz');
    want.summary.files[0]!.bytes = got.summary.files[0]?.bytes ?? -1;
    expect(got.summary).toEqual(want.summary);
    expect(got.records).toEqual(want.records);
  });

  it('reports a ts in seconds and a blank session id at their file:line, as the line-by-line reader does', async () => {
    const good = JSON.stringify(BASES[2]);
    const content = [
      good,
      good.replace('1780308180000', '1780308180'),
      good.replace('"b"', '" "'),
      good.replace('1780308180000', '1780308180001'),
      JSON.stringify({ ...(BASES[4] as Plain), ts: 1_780_308_180 }),
      JSON.stringify(BASES[4]).replace('"sess-00000n"', '"\\t"'),
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'seconds.jsonl'), content);
    const got = await viaReader('seconds.jsonl');
    expect(got).toEqual(reference(Buffer.from(content), 'seconds.jsonl'));
    expect(got.summary.firstMalformed.map((m) => `${m.line}: ${m.reason}`)).toEqual([
      '2: ts 1780308180 looks like seconds since the epoch (2026-06-01T10:03:00.000Z); write epoch milliseconds or an ISO-8601 instant',
      '3: session_id is blank; write the id of the session the turn belongs to',
      '5: ts 1780308180 looks like seconds since the epoch (2026-06-01T10:03:00.000Z); write epoch milliseconds or an ISO-8601 instant',
      '6: gen_ai.conversation.id is blank; write the id of the session the turn belongs to',
    ]);
    expect(got.records.map((r) => r.line)).toEqual([1, 4]);
  });

  it('reads a zero-byte .jsonl.gz as a zero-byte .jsonl: no lines; a file that is not gzip still fails', async () => {
    writeFileSync(path.join(dir, 'zero.jsonl'), '');
    writeFileSync(path.join(dir, 'zero.jsonl.gz'), '');
    const plain = await viaReader('zero.jsonl');
    const gz = await viaReader('zero.jsonl.gz');
    expect(plain).toEqual(reference(Buffer.alloc(0), 'zero.jsonl'));
    expect(gz).toEqual(reference(Buffer.alloc(0), 'zero.jsonl.gz'));
    expect(JSON.stringify(gz).replaceAll('zero.jsonl.gz', 'zero.jsonl')).toBe(JSON.stringify(plain));
    // Beside other files, it adds nothing and takes nothing away.
    writeFileSync(path.join(dir, 'one.jsonl.gz'), gzipSync(`${JSON.stringify(BASES[0])}\n`));
    const records: Plain[] = [];
    const both = await readTelemetry(dir, ['zero.jsonl.gz', 'one.jsonl.gz'], (rec, f, line) => {
      records.push({ ...comparable(rec), f, line });
    });
    expect(both.files.map((f) => [f.path, f.bytes > 0, f.lines, f.records])).toEqual([
      ['zero.jsonl.gz', false, 0, 0],
      ['one.jsonl.gz', true, 1, 1],
    ]);
    expect(records).toHaveLength(1);
    // Any byte makes it a gzip stream to be judged: text is no gzip (a gzip cut short, even to
    // its first byte, is a file still being written: see below).
    for (const [name, content] of [['text.jsonl.gz', Buffer.from(`${JSON.stringify(BASES[0])}\n`)]] as const) {
      writeFileSync(path.join(dir, name), content);
      await expect(viaReader(name), name).rejects.toThrow(new RegExp(`^${name.replace(/\./g, '\\.')}:1: `));
    }
    // And a .gz that cannot be read at all (here a folder) fails, though no byte of it was read.
    mkdirSync(path.join(dir, 'folder.jsonl.gz'));
    await expect(viaReader('folder.jsonl.gz')).rejects.toThrow(/^folder\.jsonl\.gz:1: /);
  });

  it('reads every member of a .jsonl.gz; data after the gzip stream that is not padding fails the file', async () => {
    const first = `${JSON.stringify(BASES[0])}\n`;
    const second = `${JSON.stringify({ ...BASES[0], turn: 13 })}\n`;
    const members = Buffer.concat([gzipSync(first), gzipSync(second)]);
    writeFileSync(path.join(dir, 'members.jsonl.gz'), members);
    expect((await viaReader('members.jsonl.gz')).records).toEqual(reference(Buffer.from(first + second), 'x').records);
    // Zeros after the last member are padding, as gzip reads them.
    writeFileSync(path.join(dir, 'padded.jsonl.gz'), Buffer.concat([members, Buffer.alloc(4096)]));
    expect((await viaReader('padded.jsonl.gz')).records).toHaveLength(2);
    // zlib stops at a zero byte after a member and ignores the rest: a second member whose first
    // byte was zeroed, or text after padding, would be turns dropped without a word.
    const damaged = gzipSync(second);
    damaged[0] = 0;
    const end = gzipSync(first).length;
    for (const [name, content] of [
      ['zeroed.jsonl.gz', Buffer.concat([gzipSync(first), damaged])],
      ['after-padding.jsonl.gz', Buffer.concat([gzipSync(first), Buffer.alloc(8), Buffer.from(second)])],
      // Text right after the member fails zlib itself, in the read that holds every line before it.
      ['appended.jsonl.gz', Buffer.concat([gzipSync(first), Buffer.from(second)])],
    ] as const) {
      writeFileSync(path.join(dir, name), content);
      await expect(viaReader(name), name).rejects.toThrow(
        new RegExp(
          `^${name.replace(/\./g, '\\.')}:2: the gzip data ends at byte ${end}, but byte \\d+ after it is neither`,
        ),
      );
    }
  });

  it('reads a .jsonl.gz cut short (its writer still writing) as far as it decodes; bad bytes still fail', async () => {
    const text = Buffer.from(
      Array.from(
        { length: 400 },
        (_, k) => `${JSON.stringify({ ...(BASES[k % BASES.length] as Plain), turn: k })}\n`,
      ).join(''),
    );
    const whole = gzipSync(text);
    const firstMember = gzipSync(text.subarray(0, 5000));
    const two = Buffer.concat([firstMember, gzipSync(text.subarray(5000))]);
    const second = firstMember.length;
    const cuts: [string, Buffer][] = [
      ['1', whole.subarray(0, 1)],
      ['header', whole.subarray(0, 10)],
      ['header+1', whole.subarray(0, 11)],
      ...[0.25, 0.5, 0.75].map((f): [string, Buffer] => [`${f}`, whole.subarray(0, Math.floor(whole.length * f))]),
      ['no-trailer', whole.subarray(0, whole.length - 8)],
      ['crc-only', whole.subarray(0, whole.length - 4)],
      ['last-byte', whole.subarray(0, whole.length - 1)],
      ['second-member-header', two.subarray(0, second + 3)],
      ['second-member', two.subarray(0, second + 200)],
    ];
    let lines = 0;
    for (const [label, cut] of cuts) {
      const name = `cut-${label}.jsonl.gz`;
      writeFileSync(path.join(dir, name), cut);
      // What zlib decodes of it, every byte there: the lines the reader must read, no more.
      const decodable = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH });
      const want = reference(decodable, name);
      want.summary.files[0]!.bytes = cut.length;
      want.summary.files[0]!.endsMidStream = true;
      const got = await viaReader(name);
      expect(got, name).toEqual(want);
      // The decoded line cut in two is listed, as a plain file's unfinished line, and halts nothing.
      expect(got.summary.mostlyMalformed, name).toEqual([]);
      lines += got.summary.files[0]!.lines;
    }
    // The cuts reach into the data: most of them read lines.
    expect(lines).toBeGreaterThan(800);
    // A whole file says nothing of a stream cut short.
    writeFileSync(path.join(dir, 'whole.jsonl.gz'), whole);
    expect((await viaReader('whole.jsonl.gz')).summary.files[0]?.endsMidStream).toBeUndefined();
    // Bad bytes are damage, cut short or not: a header that names no deflate data, a data check that fails.
    const method = Buffer.from(whole.subarray(0, Math.floor(whole.length / 2)));
    method[2] = 7;
    const crc = Buffer.from(whole);
    crc[crc.length - 8] = (crc[crc.length - 8] as number) ^ 1;
    for (const [name, content] of [
      ['bad-method.jsonl.gz', method],
      ['bad-crc.jsonl.gz', crc],
    ] as const) {
      writeFileSync(path.join(dir, name), content);
      await expect(viaReader(name), name).rejects.toThrow(/the gzip data is damaged \((?!unexpected end of file)/);
    }
  });

  it('reads files that end with a newline, with a partial line, or hold nothing', async () => {
    for (const [name, content] of [
      ['empty.jsonl', ''],
      ['nl.jsonl', '\n'],
      ['one.jsonl', JSON.stringify(BASES[0])],
      ['one-crlf.jsonl', `${JSON.stringify(BASES[0])}\r\n`],
      ['blank-end.jsonl', `${JSON.stringify(BASES[4])}\n\n  `],
      ['partial.jsonl', `${JSON.stringify(BASES[4])}\n{"session_id":"x","turn":1`],
    ] as const) {
      writeFileSync(path.join(dir, name), content);
      const got = await viaReader(name);
      const want = reference(Buffer.from(content), name);
      expect(got, name).toEqual(want);
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAsOf } from '../../../src/cli/rfc-command.js';
import {
  MIN_TIME_MS,
  parseLine,
  parseRecords,
  sameModel,
  type TurnRecord,
} from '../../../src/sources/telemetry/records.js';

const FIX = 'test/fixtures/telemetry';
const lines = (name: string) =>
  readFileSync(`${FIX}/${name}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
const turn = (text: string): TurnRecord => {
  const p = parseLine(text);
  if (!p.ok || p.record.kind !== 'turn') throw new Error(`expected a turn: ${JSON.stringify(p)}`);
  return p.record;
};

describe('parseLine: the Anthropic usage shape', () => {
  it('reads the counters, the 5m/1h split, breakpoints and the wrapper', () => {
    const r = turn(lines('anthropic.jsonl')[1] as string);
    expect(r).toMatchObject({
      shape: 'anthropic',
      session: 'a',
      turn: 2,
      ts: Date.parse('2026-06-01T10:01:00Z'),
      model: 'claude-sonnet-4-5',
      input: 100,
      output: 150,
      cacheRead: 4000,
      cacheCreation: 500,
      creation5m: 0,
      creation1h: 500,
      breakpoints: 3,
      compaction: false,
      injection: false,
    });
  });

  it('reads null cache counters as 0 (the API documents null as none) and a null split as unknown', () => {
    const r = turn(lines('anthropic.jsonl')[3] as string);
    expect(r.cacheCreation).toBe(0);
    expect(r.cacheRead).toBe(4500);
    expect(r.creation5m).toBeUndefined();
    expect(r.creation1h).toBeUndefined();
    const b = turn(lines('anthropic.jsonl')[2] as string);
    expect(b.cacheRead).toBe(0);
  });

  it('reads ISO-8601 instants with or without milliseconds or an offset, and rejects impossible dates', () => {
    const at = (ts: string) => {
      const p = parseLine(
        JSON.stringify({ session_id: 's', turn: 1, ts, usage: { input_tokens: 1, output_tokens: 1 } }),
      );
      return p.ok ? p.record.ts : p.reason;
    };
    expect(at('2026-06-01T10:01:00Z')).toBe(Date.parse('2026-06-01T10:01:00Z'));
    expect(at('2026-06-01T10:01:00.250Z')).toBe(Date.parse('2026-06-01T10:01:00.250Z'));
    expect(at('2026-06-01T12:01:00+02:00')).toBe(Date.parse('2026-06-01T10:01:00Z'));
    expect(at('2028-02-29T00:00:00Z')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(at('2026-02-29T00:00:00Z')).toMatch(/^ts is not/);
    // A space for the T, as --as-of takes it and Python's str(datetime) and PostgreSQL write it.
    expect(at('2026-06-01 12:01:00+02:00')).toBe(Date.parse('2026-06-01T10:01:00Z'));
    expect(at('2026-06-01 10:01:00.123456')).toBe(Date.parse('2026-06-01T10:01:00.123Z'));
    expect(at('2026-06-01 10:01:00Z')).toBe(Date.parse('2026-06-01T10:01:00Z'));
    expect(at('2026-06-01  10:01:00Z')).toMatch(/^ts is not/);
    expect(at('2026-06-01_10:01:00Z')).toMatch(/^ts is not/);
    // RFC 3339 (§5.6): the T and the Z may be lower case, in the short form and in any other.
    expect(at('2026-06-01t10:01:00z')).toBe(Date.parse('2026-06-01T10:01:00Z'));
    expect(at('2026-06-01t10:01:00.250Z')).toBe(Date.parse('2026-06-01T10:01:00.250Z'));
    expect(at('2026-06-01t12:01:00+02:00')).toBe(Date.parse('2026-06-01T10:01:00Z'));
    expect(at('2026-06-01T10:01:00.123456z')).toBe(Date.parse('2026-06-01T10:01:00.123Z'));
    expect(at('2026-06-01 10:01z')).toBe(Date.parse('2026-06-01T10:01:00Z'));
    expect(at('2026-06-01x10:01:00Z')).toMatch(/^ts is not/);
    expect(at('2026-06-01T10:01:00y')).toMatch(/^ts is not/);
  });

  it('reads every instant --as-of takes as --as-of reads it, a lower-case t and z included', () => {
    const at = (ts: string) => {
      const p = parseLine(
        JSON.stringify({ session_id: 's', turn: 1, ts, usage: { input_tokens: 1, output_tokens: 1 } }),
      );
      return p.ok ? p.record.ts : p.reason;
    };
    const now = new Date('2027-01-01T00:00:00Z');
    for (const text of [
      '2026-06-01',
      '2026-06-01T10:00:00Z',
      '2026-06-01t10:00:00z',
      '2026-06-01t10:00:00.5z',
      '2026-06-01 10:00:00z',
      '2026-06-01t12:00:00+02:00',
      '2026-06-01t10:00',
    ]) {
      expect(at(text), text).toBe(parseAsOf(text, now).getTime());
    }
    // RFC 3339 puts no bound on the digits of a fraction: a writer's microseconds are data, read
    // to the millisecond, where --as-of, typed by a person, refuses what it would cut.
    expect(at('2026-06-01T10:00:00.1234567890Z')).toBe(parseAsOf('2026-06-01T10:00:00.123Z', now).getTime());
    expect(() => parseAsOf('2026-06-01T10:00:00.1234567890Z', now)).toThrow(/finer than a millisecond/);
    expect(() => parseAsOf('2026-06-01x10:00:00Z', now)).toThrow(/is not a date/);
    expect(() => parseAsOf('2026-06-01T10:00:00y', now)).toThrow(/is not a date/);
  });

  it('reads an instant the same with Z or an offset, as --as-of does: the end of a day, years before 100', () => {
    const at = (ts: string | number) => {
      const p = parseLine(
        JSON.stringify({ session_id: 's', turn: 1, ts, usage: { input_tokens: 1, output_tokens: 1 } }),
      );
      return p.ok ? p.record.ts : p.reason;
    };
    const midnight = Date.parse('2026-06-02T00:00:00Z');
    expect(at('2026-06-01T24:00:00Z')).toBe(midnight);
    expect(at('2026-06-01T24:00:00+00:00')).toBe(midnight);
    expect(at('2026-06-01T24:00:00.000Z')).toBe(midnight);
    expect(at('2026-06-01T24:00:01Z')).toMatch(/^ts is not/);
    const year50 = Date.parse('0050-06-01T10:00:00+00:00');
    expect(new Date(year50).getUTCFullYear()).toBe(50);
    expect(at('0050-06-01T10:00:00Z')).toBe(year50);
    expect(at('0050-06-01T10:00:00.000Z')).toBe(year50);
    expect(at('0000-01-01T00:00:00Z')).toBe(Date.parse('0000-01-01T00:00:00+00:00'));
    // Past what a Date can hold, epoch milliseconds are not an instant; long before it, from the
    // year 5138 on, the number is a finer unit (below).
    expect(at(8.64e15)).toMatch(
      /^ts 8640000000000000 looks like microseconds since the epoch \(2243-10-17T00:00:00\.000Z\)/,
    );
    expect(at(-8.64e15)).toMatch(/^ts -8640000000000000 is negative: /);
    expect(at(-1e16)).toMatch(/^ts is not/);
    expect(at(9_000_000_000_000_000)).toMatch(/^ts 9000000000000000 looks like microseconds/);
    expect(at(-9_000_000_000_000_000)).toMatch(/^ts is not/);
  });

  it('accepts epoch milliseconds for ts', () => {
    expect(turn(lines('anthropic.jsonl')[4] as string).ts).toBe(Date.parse('2026-06-01T10:03:00Z'));
  });

  it('a numeric ts below 1e11 (1973-03-03 in epoch milliseconds) is malformed: seconds are said to be seconds', () => {
    const reason = (ts: number) => {
      const p = parseLine(
        JSON.stringify({ session_id: 's', turn: 1, ts, usage: { input_tokens: 1, output_tokens: 1 } }),
      );
      return p.ok ? p.record.ts : p.reason;
    };
    expect(reason(1_780_000_000)).toBe(
      'ts 1780000000 looks like seconds since the epoch (2026-05-28T20:26:40.000Z); write epoch milliseconds or an ISO-8601 instant',
    );
    // time.time() in Python: seconds with a fraction.
    expect(reason(1_780_000_000.25)).toMatch(
      /^ts 1780000000\.25 looks like seconds since the epoch \(2026-05-28T20:26:40\.250Z\)/,
    );
    expect(reason(99_999_999_999)).toMatch(
      /^ts 99999999999 looks like seconds since the epoch \(5138-11-16T09:46:39\.000Z\)/,
    );
    expect(reason(100_000_000)).toMatch(/looks like seconds since the epoch \(1973-03-03T09:46:40\.000Z\)/);
    // Too small to be seconds of any instant a writer means: said as what it would be.
    expect(reason(0)).toBe(
      'ts 0 as epoch milliseconds is 1970-01-01T00:00:00.000Z, before any agent telemetry; write epoch milliseconds or an ISO-8601 instant',
    );
    // From 1e11 on, epoch milliseconds.
    expect(reason(1e11)).toBe(Date.parse('1973-03-03T09:46:40Z'));
    expect(reason(1_780_000_000_000)).toBe(1_780_000_000_000);
    expect(reason(1e14 - 1)).toBe(1e14 - 1);
  });

  it('a numeric ts from 1e14 (the year 5138 in epoch milliseconds) is malformed: microseconds and nanoseconds are said to be', () => {
    const reason = (ts: number) => {
      const p = parseLine(
        JSON.stringify({ session_id: 's', turn: 1, ts, usage: { input_tokens: 1, output_tokens: 1 } }),
      );
      return p.ok ? p.record.ts : p.reason;
    };
    // Read as milliseconds, 2026 in microseconds is the year 58383: after every as_of, so the
    // turn would be left out of every window with nothing but a count of records after as_of.
    expect(reason(1_780_221_960_123_456)).toBe(
      'ts 1780221960123456 looks like microseconds since the epoch (2026-05-31T10:06:00.123Z); write epoch milliseconds or an ISO-8601 instant',
    );
    expect(reason(1e14)).toMatch(
      /^ts 100000000000000 looks like microseconds since the epoch \(1973-03-03T09:46:40\.000Z\)/,
    );
    // time.time_ns(): nanoseconds, past what a Date holds as milliseconds.
    expect(reason(1_780_221_960_123_456_800)).toMatch(
      /^ts 1780221960123456800 looks like nanoseconds since the epoch \(2026-05-31T10:06:00\.123Z\)/,
    );
    expect(reason(1e20)).toBe('ts is not an ISO-8601 instant or epoch milliseconds');
    // On a fork trace and an OpenTelemetry span alike.
    const trace = parseLine(
      JSON.stringify({ type: 'fork_trace', session_id: 's', turn: 1, ts: 1_780_221_960_123_456, misses: [] }),
    );
    expect(trace.ok ? trace.record : trace.reason).toMatch(/^fork_trace: ts 1780221960123456 looks like microseconds/);
    const span = parseLine(
      JSON.stringify({ ts: 1_780_221_960_123_456, 'gen_ai.conversation.id': 's', 'gen_ai.usage.input_tokens': 1 }),
    );
    expect(span.ok ? span.record : span.reason).toMatch(/^ts 1780221960123456 looks like microseconds/);
    // A negative ts, of any size, is before 1970: no writer's clock, and said to be negative.
    expect(reason(-1e11)).toBe(
      "ts -100000000000 is negative: as epoch milliseconds it is 1966-10-31T14:13:20.000Z, before the epoch, no agent's turn; write epoch milliseconds or an ISO-8601 instant",
    );
    expect(reason(-1_780_000_000_000)).toMatch(/^ts -1780000000000 is negative: as epoch milliseconds it is 1913-/);
    expect(reason(-1_780_000_000)).toMatch(/^ts -1780000000 is negative: /);
    expect(reason(-5)).toMatch(/^ts -5 is negative: as epoch milliseconds it is 1969-12-31T23:59:59\.995Z/);
  });

  it('seconds in ts are malformed in every shape that takes a numeric ts; OTLP nanoseconds keep their own rule', () => {
    const SECONDS = /^(fork_trace: )?ts 1780000000 looks like seconds since the epoch/;
    const cases: object[] = [
      { type: 'fork_trace', session_id: 'c', turn: 5, ts: 1_780_000_000, misses: ['tools'] },
      { session_id: 'c', turn: 5, ts: 1_780_000_000, misses: ['tools'] },
      { session_id: 'c', turn: 5, ts: 1_780_000_000, usage: { input_tokens: 1, output_tokens: 1 }, misses: ['tools'] },
      { session_id: 'o', ts: 1_780_000_000, 'gen_ai.usage.input_tokens': 5 },
      { ts: 1_780_000_000, attributes: { 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 5 } },
      {
        ts: 1_780_000_000,
        startTimeUnixNano: '1780312920000000000',
        attributes: [
          { key: 'gen_ai.conversation.id', value: { stringValue: 'o' } },
          { key: 'gen_ai.usage.input_tokens', value: { intValue: '5' } },
        ],
      },
    ];
    for (const c of cases) {
      const p = parseLine(JSON.stringify(c));
      expect(!p.ok && p.reason, JSON.stringify(c)).toMatch(SECONDS);
    }
    const span = parseLine(
      JSON.stringify({ session_id: 'o', startTimeUnixNano: 1_780_312_920_000_000_000, 'gen_ai.usage.input_tokens': 5 }),
    );
    expect(span.ok && span.record.ts).toBe(Date.parse('2026-06-01T11:22:00Z'));
  });

  it('rejects a null input_tokens, which the API never sends', () => {
    const p = parseLine(
      '{"session_id":"m","turn":2,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":null,"output_tokens":5}}',
    );
    expect(p).toEqual({ ok: false, reason: 'usage.input_tokens is null, not a whole number' });
  });

  it('says a count that is not there is missing, not that it is no whole number', () => {
    for (const [line, reason] of [
      // A streaming message_delta's usage, logged as a turn: no input count.
      ['{"session_id":"m","turn":2,"ts":"2026-06-01T09:01:00Z","usage":{"output_tokens":5}}', 'no usage.input_tokens'],
      ['{"session_id":"m","turn":2,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":5}}', 'no usage.output_tokens'],
      ['{"session_id":"m","ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":5,"output_tokens":5}}', 'no turn'],
      ['{"type":"fork_trace","session_id":"m","ts":"2026-06-01T09:01:00Z","misses":[]}', 'fork_trace: no turn'],
      // A span of the conventions before gen_ai.usage.input_tokens: the name to write is said.
      [
        '{"session_id":"o","ts":"2026-06-01T09:01:00Z","gen_ai.usage.prompt_tokens":100,"gen_ai.usage.completion_tokens":5}',
        "no gen_ai.usage.input_tokens, but gen_ai.usage.prompt_tokens, its name before OpenTelemetry's GenAI conventions 1.27: write the input count, cached tokens included, as gen_ai.usage.input_tokens",
      ],
      ['{"session_id":"o","ts":"2026-06-01T09:01:00Z","gen_ai.usage.output_tokens":5}', 'no gen_ai.usage.input_tokens'],
    ] as const) {
      expect(parseLine(line), line).toEqual({ ok: false, reason });
    }
  });

  it('rejects counts too large to be exact, which would swamp every ratio, and says so', () => {
    for (const [n, read] of [
      // Quoted as written: JSON.parse reads the second as 100000000000000000000, the last as …992.
      ['1e300', '1e300'],
      ['99999999999999999999', '99999999999999999999'],
      ['9007199254740992', '9007199254740992'],
      ['9007199254740993', '9007199254740993'],
    ]) {
      const p = parseLine(
        `{"session_id":"m","turn":2,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":${n},"output_tokens":5}}`,
      );
      expect(p, n).toEqual({
        ok: false,
        reason: `usage.input_tokens is ${read}, more than 9007199254740991, the largest count a JSON number holds exactly`,
      });
    }
    const ok = parseLine(
      '{"session_id":"m","turn":2,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":9007199254740991,"output_tokens":5}}',
    );
    expect(ok.ok).toBe(true);
    // Never another number than the one written: two that read as one value are not told apart.
    expect(
      parseLine(
        '{"session_id":"m","turn":9007199254740993,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":9007199254740992,"output_tokens":5}}',
      ),
    ).toEqual({
      ok: false,
      reason: 'turn is more than 9007199254740991, the largest count a JSON number holds exactly',
    });
    expect(
      parseLine(
        '{"session_id":"m","turn":2,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":-9007199254740993,"output_tokens":5}}',
      ),
    ).toEqual({ ok: false, reason: 'usage.input_tokens is negative (-9007199254740993); a count is 0 or more' });
    // The digits of a key or a text are not the number.
    expect(
      parseLine(
        '{"session_id":"9007199254740992","turn":2,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":9007199254740993,"output_tokens":5}}',
      ),
    ).toEqual({
      ok: false,
      reason:
        'usage.input_tokens is 9007199254740993, more than 9007199254740991, the largest count a JSON number holds exactly',
    });
  });

  it('names a negative or oversized count as such, in every field that holds one', () => {
    const turn = (over: object, usage: object = {}) =>
      JSON.stringify({
        session_id: 'm',
        turn: 2,
        ts: '2026-06-01T09:01:00Z',
        ...over,
        usage: { input_tokens: 5, output_tokens: 5, ...usage },
      });
    const span = (attrs: object, over: object = {}) =>
      JSON.stringify({
        session_id: 'o',
        ts: '2026-06-01T09:01:00Z',
        ...over,
        'gen_ai.usage.input_tokens': 9,
        ...attrs,
      });
    const otlp = (intValue: string) =>
      JSON.stringify({
        ts: '2026-06-01T09:01:00Z',
        attributes: [
          { key: 'gen_ai.conversation.id', value: { stringValue: 'o' } },
          { key: 'gen_ai.usage.input_tokens', value: { intValue } },
        ],
      });
    const big = 'more than 9007199254740991, the largest count a JSON number holds exactly';
    for (const [line, reason] of [
      [turn({ turn: -1 }), 'turn is negative (-1); a count is 0 or more'],
      [turn({ turn: 1e20 }), `turn is 100000000000000000000, ${big}`],
      [turn({ cache_breakpoints: -2 }), 'cache_breakpoints is negative (-2); a count is 0 or more'],
      [turn({}, { output_tokens: -3 }), 'usage.output_tokens is negative (-3); a count is 0 or more'],
      [
        turn({}, { cache_read_input_tokens: -4 }),
        'usage.cache_read_input_tokens is negative (-4); a count is 0 or more',
      ],
      [turn({}, { cache_creation_input_tokens: 2 ** 60 }), `usage.cache_creation_input_tokens is ${2 ** 60}, ${big}`],
      [
        turn(
          {},
          {
            cache_creation_input_tokens: 0,
            cache_creation: { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: -5 },
          },
        ),
        'usage.cache_creation.ephemeral_1h_input_tokens is negative (-5); a count is 0 or more',
      ],
      [span({}, { turn: -7 }), 'turn is negative (-7); a count is 0 or more'],
      [span({ 'gen_ai.usage.output_tokens': -1 }), 'gen_ai.usage.output_tokens is negative (-1); a count is 0 or more'],
      [
        span({ 'gen_ai.usage.cache_read.input_tokens': 1e300 }),
        `gen_ai.usage.cache_read.input_tokens is 1e+300, ${big}`,
      ],
      [otlp('-100'), 'gen_ai.usage.input_tokens is negative (-100); a count is 0 or more'],
      [otlp('18446744073709551615'), `gen_ai.usage.input_tokens is 18446744073709551615, ${big}`],
      [otlp('9007199254740993'), `gen_ai.usage.input_tokens is 9007199254740993, ${big}`],
      [
        JSON.stringify({ type: 'fork_trace', session_id: 'f', turn: -1, ts: '2026-06-01T09:01:00Z', misses: [] }),
        'fork_trace: turn is negative (-1); a count is 0 or more',
      ],
    ] as const) {
      expect(parseLine(line), line).toEqual({ ok: false, reason });
    }
    // A fraction is still what it was.
    expect(parseLine(turn({}, { input_tokens: 1.5 }))).toEqual({
      ok: false,
      reason: 'usage.input_tokens is 1.5, not a whole number',
    });
    // What the line holds is named, and a count in quotes is told to lose them.
    for (const [value, reason] of [
      ['12', 'usage.input_tokens is the text "12", not a whole number; write it as a JSON number, without quotes'],
      ['twelve', 'usage.input_tokens is the text "twelve", not a whole number'],
      [true, 'usage.input_tokens is true, not a whole number'],
      [[12], 'usage.input_tokens is a list, not a whole number'],
      [{ n: 12 }, 'usage.input_tokens is an object, not a whole number'],
    ] as const) {
      expect(parseLine(turn({}, { input_tokens: value })), JSON.stringify(value)).toEqual({ ok: false, reason });
    }
    expect(parseLine(turn({ turn: '3' }, {}))).toEqual({
      ok: false,
      reason: 'turn is the text "3", not a whole number; write it as a JSON number, without quotes',
    });
  });

  it('rejects a split that does not add up to cache_creation_input_tokens', () => {
    const p = parseLine(
      JSON.stringify({
        session_id: 's',
        turn: 1,
        ts: '2026-06-01T00:00:00Z',
        usage: {
          input_tokens: 1,
          output_tokens: 1,
          cache_creation_input_tokens: 10,
          cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 3 },
        },
      }),
    );
    expect(p.ok).toBe(false);
    expect(!p.ok && p.reason).toMatch(/splits 6 tokens but cache_creation_input_tokens is 10$/);
    // Left out, or null, it is not 0: said as it is, with what to write.
    const split = (creation: object) =>
      parseLine(
        JSON.stringify({
          session_id: 's',
          turn: 1,
          ts: '2026-06-01T00:00:00Z',
          usage: {
            input_tokens: 1,
            output_tokens: 1,
            ...creation,
            cache_creation: { ephemeral_5m_input_tokens: 500, ephemeral_1h_input_tokens: 0 },
          },
        }),
      );
    expect(split({})).toEqual({
      ok: false,
      reason:
        'usage.cache_creation splits 500 tokens but cache_creation_input_tokens is not there; write their sum there',
    });
    expect(split({ cache_creation_input_tokens: null })).toEqual({
      ok: false,
      reason: 'usage.cache_creation splits 500 tokens but cache_creation_input_tokens is null; write their sum there',
    });
  });

  it('rejects a blank session_id or gen_ai.conversation.id, in every shape', () => {
    const BLANK = /^(fork_trace: )?(session_id|gen_ai\.conversation\.id) is blank; write the id of the session/;
    for (const id of ['', ' ', '   ', '\t', ' \t\r\n', '\u00a0', '\u2003']) {
      const cases: [object, string][] = [
        [
          { session_id: id, turn: 1, ts: '2026-06-01T00:00:00Z', usage: { input_tokens: 1, output_tokens: 1 } },
          'session_id',
        ],
        [{ type: 'fork_trace', session_id: id, turn: 1, ts: '2026-06-01T00:00:00Z', misses: [] }, 'session_id'],
        [{ session_id: id, turn: 1, ts: '2026-06-01T00:00:00Z', misses: ['tools'] }, 'session_id'],
        [{ session_id: id, ts: '2026-06-01T00:00:00Z', attributes: { 'gen_ai.usage.input_tokens': 5 } }, 'session_id'],
        [
          { session_id: 's', ts: '2026-06-01T00:00:00Z', 'gen_ai.conversation.id': id, 'gen_ai.usage.input_tokens': 5 },
          'gen_ai.conversation.id',
        ],
        [
          {
            ts: '2026-06-01T00:00:00Z',
            attributes: [
              { key: 'gen_ai.conversation.id', value: { stringValue: id } },
              { key: 'gen_ai.usage.input_tokens', value: { intValue: '5' } },
            ],
          },
          'gen_ai.conversation.id',
        ],
      ];
      for (const [c, field] of cases) {
        const p = parseLine(JSON.stringify(c));
        expect(!p.ok && p.reason, JSON.stringify(c)).toMatch(BLANK);
        expect(!p.ok && p.reason, JSON.stringify(c)).toContain(`${field} is blank`);
      }
    }
    // Not blank: an id with blanks around it is still the id it is.
    const p = parseLine(
      JSON.stringify({
        session_id: ' a ',
        turn: 1,
        ts: '2026-06-01T00:00:00Z',
        usage: { input_tokens: 1, output_tokens: 1 },
      }),
    );
    expect(p.ok && p.record.session).toBe(' a ');
  });

  it('says a session id written as a number or an object is not text, not that it is missing', () => {
    const usage = { input_tokens: 1, output_tokens: 1 };
    const ts = '2026-06-01T00:00:00Z';
    for (const [line, reason] of [
      [{ session_id: 12345, turn: 1, ts, usage }, 'session_id is number 12345, not text'],
      [{ session_id: true, turn: 1, ts, usage }, 'session_id is boolean true, not text'],
      [{ session_id: { id: 'a' }, turn: 1, ts, usage }, 'session_id is an object, not text'],
      [{ type: 'fork_trace', session_id: 7, turn: 1, ts, misses: [] }, 'fork_trace: session_id is number 7, not text'],
      [
        { ts, attributes: { 'gen_ai.conversation.id': 42, 'gen_ai.usage.input_tokens': 1 } },
        'gen_ai.conversation.id is number 42, not text',
      ],
      [{ ts, session_id: 42, attributes: { 'gen_ai.usage.input_tokens': 1 } }, 'session_id is number 42, not text'],
    ] as const) {
      expect(parseLine(JSON.stringify(line)), JSON.stringify(line)).toEqual({
        ok: false,
        reason: `${reason}; write the session's id as a string`,
      });
    }
    // Not there at all (or null) is still missing.
    expect(parseLine(JSON.stringify({ ts, attributes: { 'gen_ai.usage.input_tokens': 1 } }))).toEqual({
      ok: false,
      reason: 'no gen_ai.conversation.id or session_id',
    });
    expect(parseLine(JSON.stringify({ session_id: null, turn: 1, ts, usage }))).toEqual({
      ok: false,
      reason: 'no session_id',
    });
  });

  it('says a fork trace without misses has none, not that they are not a list', () => {
    const trace = { type: 'fork_trace', session_id: 's', turn: 1, ts: '2026-06-01T00:00:00Z' };
    expect(parseLine(JSON.stringify(trace))).toEqual({
      ok: false,
      reason: "fork_trace: no misses; a fork trace names its turn's miss sources as a list ([] for none)",
    });
    expect(parseLine(JSON.stringify({ ...trace, misses: 'tools' }))).toEqual({
      ok: false,
      reason: 'fork_trace: misses is not a list',
    });
  });

  it('rejects a record without session, turn or time', () => {
    expect(parseLine('{"turn":1,"ts":"2026-06-01T00:00:00Z","usage":{"input_tokens":1,"output_tokens":1}}')).toEqual({
      ok: false,
      reason: 'no session_id',
    });
    expect(
      parseLine('{"session_id":"s","turn":1,"ts":"yesterday","usage":{"input_tokens":1,"output_tokens":1}}'),
    ).toMatchObject({
      ok: false,
    });
  });
});

describe('parseLine: OpenTelemetry GenAI attributes', () => {
  it('subtracts the cached parts OTel counts inside input_tokens (flat attributes)', () => {
    const r = turn(lines('otel.jsonl')[0] as string);
    // 5000 input includes 4000 read + 500 written: 500 were sent uncached.
    expect(r).toMatchObject({
      shape: 'otel',
      session: 'o1',
      input: 500,
      cacheRead: 4000,
      cacheCreation: 500,
      output: 10,
    });
    expect(r.turn).toBeUndefined();
  });

  it('reads an attributes object, with a null cache counter as 0', () => {
    const r = turn(lines('otel.jsonl')[1] as string);
    expect(r).toMatchObject({ session: 'o1', input: 1000, cacheRead: 0, model: 'claude-sonnet-4-5' });
  });

  it('reads OTLP key/value attributes and a nanosecond start time', () => {
    const r = turn(lines('otel.jsonl')[2] as string);
    expect(r).toMatchObject({ session: 'o2', input: 1000, cacheRead: 2000, ts: Date.parse('2026-06-01T11:22:00Z') });
  });

  it('reads an OTLP intValue only as a decimal string or a number; null, "" or hex is not a count', () => {
    const span = (value: unknown) =>
      parseLine(
        JSON.stringify({
          startTimeUnixNano: '1780312920000000000',
          attributes: [
            { key: 'gen_ai.conversation.id', value: { stringValue: 'o' } },
            { key: 'gen_ai.usage.input_tokens', value: { intValue: value } },
          ],
        }),
      );
    const ok = span('100');
    expect(ok.ok && ok.record.kind === 'turn' && ok.record.input).toBe(100);
    const n = span(100);
    expect(n.ok && n.record.kind === 'turn' && n.record.input).toBe(100);
    for (const bad of [null, '', '0x64', '1e2', ' 100']) {
      const p = span(bad);
      expect(p.ok, JSON.stringify(bad)).toBe(false);
      expect(!p.ok && p.reason, JSON.stringify(bad)).toMatch(
        /input_tokens is (null|the text ".*"), not a whole number/,
      );
    }
  });

  it('a span time a Date cannot hold, or not a count of nanoseconds, is a malformed line', () => {
    const span = (time: object) =>
      parseLine(JSON.stringify({ ...time, session_id: 'o', 'gen_ai.usage.input_tokens': 500 }));
    for (const [time, reason] of [
      [{ startTimeUnixNano: -9.9e24 }, /startTimeUnixNano is not a whole number of nanoseconds/],
      [{ startTimeUnixNano: '9780308060000000000000000' }, /startTimeUnixNano is out of range/],
      [{ timeUnixNano: 9.9e30 }, /timeUnixNano is out of range/],
      [{ startTimeUnixNano: '17803e12' }, /startTimeUnixNano is not a whole number of nanoseconds/],
      [{ ts: 'yesterday' }, /ts is not an ISO-8601 instant/],
      [{}, /no ts, startTimeUnixNano or timeUnixNano/],
    ] as const) {
      const p = span(time);
      expect(p.ok, JSON.stringify(time)).toBe(false);
      expect(!p.ok && p.reason, JSON.stringify(time)).toMatch(reason);
    }
    const ok = span({ startTimeUnixNano: 1_780_312_920_000_000_000 });
    expect(ok.ok && ok.record.ts).toBe(Date.parse('2026-06-01T11:22:00Z'));
  });

  it('a record without a ts, or with epoch milliseconds written as text, is told so', () => {
    // A usage record or a fork trace without a ts is said to have none, not to hold a bad one.
    const usage = { input_tokens: 1, output_tokens: 1 };
    for (const [record, reason] of [
      [{ session_id: 's', turn: 1, usage }, 'no ts; write epoch milliseconds or an ISO-8601 instant'],
      [
        { session_id: 's', turn: 1, timestamp: '2026-06-01T10:00:00Z', usage },
        'no ts, but timestamp: name the field ts; write epoch milliseconds or an ISO-8601 instant',
      ],
      [
        { type: 'fork_trace', session_id: 's', turn: 1, misses: [] },
        'fork_trace: no ts; write epoch milliseconds or an ISO-8601 instant',
      ],
      [{ session_id: 's', turn: 1, ts: null, usage }, 'ts is not an ISO-8601 instant or epoch milliseconds'],
      // Epoch milliseconds in quotes, as some loggers write every number.
      [
        { session_id: 's', turn: 1, ts: '1780308180000', usage },
        'ts "1780308180000" is a number written as text; write epoch milliseconds as a JSON number, without quotes',
      ],
      [{ session_id: 's', turn: 1, ts: '20260601', usage }, 'ts is not an ISO-8601 instant or epoch milliseconds'],
      [
        { session_id: 's', turn: 1, ts: '20260601100000', usage },
        'ts is not an ISO-8601 instant or epoch milliseconds',
      ],
    ] as const) {
      expect(parseLine(JSON.stringify(record)), JSON.stringify(record)).toEqual({ ok: false, reason });
    }
  });

  it('a span time before any agent telemetry (0, or seconds or milliseconds for nanoseconds) is a malformed line', () => {
    const span = (time: object) =>
      parseLine(JSON.stringify({ ...time, session_id: 'o', 'gen_ai.usage.input_tokens': 500 }));
    for (const [time, reason] of [
      [
        { startTimeUnixNano: 0 },
        /^startTimeUnixNano 0 as nanoseconds since the epoch is 1970-01-01T00:00:00\.000Z, before any agent telemetry; OTLP times are nanoseconds/,
      ],
      [{ startTimeUnixNano: '0' }, /^startTimeUnixNano 0 as nanoseconds/],
      // Milliseconds where nanoseconds belong: 1970-01-01T00:29:40.312Z.
      [
        { startTimeUnixNano: 1_780_312_920_000 },
        /^startTimeUnixNano 1780312920000 as nanoseconds since the epoch is 1970-01-01T00:29:40\.312Z/,
      ],
      [{ timeUnixNano: '1780312920' }, /^timeUnixNano 1780312920 as nanoseconds/],
    ] as const) {
      const p = span(time);
      expect(p.ok, JSON.stringify(time)).toBe(false);
      expect(!p.ok && p.reason, JSON.stringify(time)).toMatch(reason);
    }
    // The least instant a numeric ts may name is the least a span time may name.
    expect(span({ startTimeUnixNano: `${MIN_TIME_MS}000000` }).ok).toBe(true);
    expect(span({ startTimeUnixNano: `${MIN_TIME_MS - 1}000000` }).ok).toBe(false);
  });

  it('rejects an input count smaller than its cached parts', () => {
    const p = parseLine(
      '{"ts":"2026-06-01T11:00:00Z","gen_ai.conversation.id":"x","gen_ai.usage.input_tokens":100,"gen_ai.usage.cache_read.input_tokens":400}',
    );
    expect(p.ok).toBe(false);
    expect(!p.ok && p.reason).toMatch(/includes cached tokens/);
  });
});

describe('parseRecords: an OTLP/JSON export on one line', () => {
  const attr = (key: string, value: object) => ({ key, value });
  const chat = (conversation: string, start: string, input: string, read: string) => ({
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'chat claude-sonnet-4-5',
    kind: 3,
    startTimeUnixNano: start,
    endTimeUnixNano: start.replace(/^(\d{9})/, (d) => String(Number(d) + 1)),
    attributes: [
      attr('gen_ai.operation.name', { stringValue: 'chat' }),
      attr('gen_ai.conversation.id', { stringValue: conversation }),
      attr('gen_ai.request.model', { stringValue: 'claude-sonnet-4-5' }),
      attr('gen_ai.usage.input_tokens', { intValue: input }),
      attr('gen_ai.usage.output_tokens', { intValue: '12' }),
      attr('gen_ai.usage.cache_read.input_tokens', { intValue: read }),
    ],
    status: {},
  });
  const tool = {
    name: 'execute_tool grep',
    startTimeUnixNano: '1780312921000000000',
    attributes: [attr('gen_ai.operation.name', { stringValue: 'execute_tool' })],
  };
  const spans = [
    chat('c1', '1780312920000000000', '5000', '4000'),
    chat('c2', '1780312980000000000', '3000', '0'),
    chat('c1', '1780313040000000000', '6000', '5500'),
  ];
  const exportLine = (resourceSpans: unknown) => JSON.stringify({ resourceSpans });
  const collector = [
    {
      resource: { attributes: [attr('service.name', { stringValue: 'agent' })] },
      scopeSpans: [
        { scope: { name: 'genai' }, spans: [spans[0], tool, spans[1]] },
        { scope: { name: 'http' }, spans: [{ name: 'GET', startTimeUnixNano: '1780312920000000000' }] },
      ],
    },
    { resource: {}, scopeSpans: [{ scope: {}, spans: [spans[2]] }] },
  ];

  it('reads each span carrying gen_ai usage as one turn, exactly as that span on a line of its own', () => {
    const p = parseRecords(exportLine(collector));
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const alone = spans.map((span) => {
      const one = parseLine(JSON.stringify(span));
      return one.ok ? one.record : one.reason;
    });
    expect(p.records).toEqual(alone);
    // The input-includes-cache rule, the session, the time and the request model, as for one span.
    expect(p.records).toMatchObject([
      { kind: 'turn', shape: 'otel', session: 'c1', turn: undefined, input: 1000, cacheRead: 4000, output: 12 },
      { session: 'c2', input: 3000, cacheRead: 0, ts: Date.parse('2026-06-01T11:23:00Z') },
      { session: 'c1', input: 500, cacheRead: 5500, model: 'claude-sonnet-4-5' },
    ]);
  });

  it('reads an export of OTLP before 0.15, whose scopes were instrumentationLibrarySpans, the same', () => {
    const legacy = collector.map(({ scopeSpans, ...resource }) => ({
      ...resource,
      instrumentationLibrarySpans: scopeSpans.map(({ scope, ...rest }) => ({ instrumentationLibrary: scope, ...rest })),
    }));
    expect(parseRecords(exportLine(legacy))).toEqual(parseRecords(exportLine(collector)));
    const broken = [
      { instrumentationLibrarySpans: [{ spans: [{ ...(spans[0] as object), startTimeUnixNano: '0' }] }] },
    ];
    const p = parseRecords(exportLine(broken));
    expect(p.ok === false && p.reason).toMatch(/^resourceSpans\[0\]\.instrumentationLibrarySpans\[0\]\.spans\[0\]: /);
  });

  it('an export without gen_ai usage spans holds no turn; a line without an export reads as parseLine has it', () => {
    expect(parseRecords(exportLine([]))).toEqual({ ok: true, records: [] });
    expect(parseRecords(exportLine([{ resource: {}, scopeSpans: [{ spans: [tool] }] }]))).toEqual({
      ok: true,
      records: [],
    });
    const annotated =
      '{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":5,"output_tokens":1},"misses":["tools"]}';
    const one = parseLine(annotated);
    expect(parseRecords(annotated)).toEqual({ ok: true, records: [one.ok && one.record, one.ok && one.trace] });
    expect(parseRecords('{"a":1}')).toEqual(parseLine('{"a":1}'));
    // parseLine reads one record: it does not take an export for one.
    expect(parseLine(exportLine(collector))).toEqual({
      ok: false,
      reason: 'an OTLP/JSON export (resourceSpans) holds many records, not one',
    });
  });

  it('a span without gen_ai usage on a line of its own is passed over, as it is in an export', () => {
    // A tool run, an agent invocation: gen_ai attributes, no usage, no turn.
    expect(parseRecords(JSON.stringify(tool))).toEqual({ ok: true, records: [] });
    const flat = {
      ts: '2026-06-01T10:00:00Z',
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.conversation.id': 'c1',
    };
    expect(parseRecords(JSON.stringify(flat))).toEqual({ ok: true, records: [] });
    const nested = {
      ts: '2026-06-01T10:00:00Z',
      attributes: { 'gen_ai.tool.name': 'bash', 'gen_ai.conversation.id': 'c1' },
    };
    expect(parseRecords(JSON.stringify(nested))).toEqual({ ok: true, records: [] });
    // A span with some usage but not its input count is a broken turn, as in an export.
    const noInput = { ...nested, attributes: { ...nested.attributes, 'gen_ai.usage.output_tokens': 3 } };
    expect(parseRecords(JSON.stringify(noInput))).toEqual({ ok: false, reason: 'no gen_ai.usage.input_tokens' });
    // What is not a span at all is still no known record shape.
    expect(parseRecords('{"session_id":"a","turn":1}')).toMatchObject({ ok: false });
  });

  it('a span with no gen_ai attribute at all (an HTTP call) on a line of its own is passed over too', () => {
    const http = {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name: 'HTTP POST',
      startTimeUnixNano: '1780000000000000000',
      endTimeUnixNano: '1780000000500000000',
      attributes: [attr('http.request.method', { stringValue: 'POST' })],
    };
    expect(parseRecords(JSON.stringify(http))).toEqual({ ok: true, records: [] });
    // By its ids alone, its times alone, or a console exporter's context.
    expect(parseRecords(JSON.stringify({ traceId: http.traceId, spanId: http.spanId, name: 'db' }))).toEqual({
      ok: true,
      records: [],
    });
    expect(parseRecords(JSON.stringify({ timeUnixNano: '1780000000000000000', body: { stringValue: 'x' } }))).toEqual({
      ok: true,
      records: [],
    });
    const consoleSpan = { name: 'GET /', context: { trace_id: '0x5b8e', span_id: '0xeee1' }, attributes: {} };
    expect(parseRecords(JSON.stringify(consoleSpan))).toEqual({ ok: true, records: [] });
    // An Anthropic record missing its usage is still malformed, not a span.
    expect(parseRecords('{"session_id":"a","turn":1,"ts":"2026-06-01T10:00:00Z","model":"m"}')).toMatchObject({
      ok: false,
    });
  });

  it('a malformed turn span, or an export of the wrong shape, makes the line malformed, named by its place', () => {
    const broken = structuredClone(collector);
    const late = { ...(spans[2] as object), startTimeUnixNano: '0' };
    (broken[1] as { scopeSpans: { spans: unknown[] }[] }).scopeSpans[0]!.spans = [late];
    expect(parseRecords(exportLine(broken))).toEqual({
      ok: false,
      reason:
        "resourceSpans[1].scopeSpans[0].spans[0]: startTimeUnixNano 0 as nanoseconds since the epoch is 1970-01-01T00:00:00.000Z, before any agent telemetry; OTLP times are nanoseconds since the epoch; the export's other spans are not read either",
    });
    const noSession = { ...(spans[0] as object), attributes: [attr('gen_ai.usage.input_tokens', { intValue: '5' })] };
    expect(parseRecords(exportLine([{ scopeSpans: [{ spans: [tool, noSession] }] }]))).toMatchObject({
      ok: false,
      reason: /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]: no gen_ai\.conversation\.id or session_id;/,
    });
    expect(parseRecords(exportLine({}))).toEqual({ ok: false, reason: 'resourceSpans is not a list of objects' });
    expect(parseRecords(exportLine([{ scopeSpans: [{ spans: 'x' }] }]))).toEqual({
      ok: false,
      reason: 'resourceSpans[0].scopeSpans[0].spans is not a list of objects',
    });
  });
});

describe("parseRecords: Claude Code's OTLP/JSON logs export on one line", () => {
  type Attr = { key: string; value: object };
  const attr = (key: string, value: object): Attr => ({ key, value });
  const text = (key: string, v: string) => attr(key, { stringValue: v });
  const event = (name: string, seq: number, time: string, extra: Attr[] = []) => ({
    timeUnixNano: time,
    observedTimeUnixNano: time,
    body: { stringValue: `claude_code.${name}` },
    attributes: [
      text('session.id', 's1'),
      text('event.name', name),
      text('event.timestamp', '2026-06-01T10:00:00.000Z'),
      attr('event.sequence', { intValue: String(seq) }),
      ...extra,
    ],
  });
  // As Claude Code's monitoring documentation names them; counts as text or as intValue.
  const request = (seq: number, time: string, read: string, extra: Attr[] = []) =>
    event('api_request', seq, time, [
      text('model', 'claude-sonnet-4-5-20250929'),
      text('input_tokens', '12'),
      attr('output_tokens', { intValue: '300' }),
      text('cache_read_tokens', read),
      text('cache_creation_tokens', '500'),
      text('cost_usd', '0.0123'),
      text('duration_ms', '2100'),
      ...extra,
    ]);
  const records = [
    event('user_prompt', 0, '1780308000000000000', [text('prompt_length', '42')]),
    request(1, '1780308001000000000', '0'),
    event('tool_result', 2, '1780308002000000000', [text('tool_name', 'Read')]),
    request(3, '1780308003000000000', '20000'),
  ];
  const exportLine = (resourceLogs: unknown) => JSON.stringify({ resourceLogs });
  const collector = [
    {
      resource: { attributes: [text('service.name', 'claude-code')] },
      scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events' }, logRecords: records }],
    },
  ];

  it('reads each claude_code.api_request record as one turn, its input count apart from the cache; other events are passed over', () => {
    const p = parseRecords(exportLine(collector));
    expect(p).toEqual({
      ok: true,
      records: [
        {
          kind: 'turn',
          shape: 'otel',
          session: 's1',
          turn: undefined,
          ts: Date.parse('2026-06-01T10:00:01Z'),
          model: 'claude-sonnet-4-5-20250929',
          // Not reduced by the cached parts, as an OTel GenAI input count is.
          input: 12,
          output: 300,
          cacheRead: 0,
          cacheCreation: 500,
          creation5m: undefined,
          creation1h: undefined,
          cacheCounted: true,
          span: 'event.sequence 1',
          compaction: false,
          injection: false,
          breakpoints: undefined,
        },
        expect.objectContaining({ cacheRead: 20000, ts: Date.parse('2026-06-01T10:00:03Z'), span: 'event.sequence 3' }),
      ],
    });
    // Known by its event.name alone, or by OTLP's eventName, as by its body.
    const byName = records.map(({ body: _body, ...r }) => r);
    expect(parseRecords(exportLine([{ scopeLogs: [{ logRecords: byName }] }]))).toEqual(p);
    const byEventName = records.map(({ body, attributes, ...r }) => ({
      ...r,
      eventName: body.stringValue,
      attributes: attributes.filter((a) => a.key !== 'event.name'),
    }));
    expect(parseRecords(exportLine([{ scopeLogs: [{ logRecords: byEventName }] }]))).toEqual(p);
    // OTLP before 0.15 named the scopes instrumentationLibraryLogs.
    const legacy = [{ instrumentationLibraryLogs: [{ logRecords: records }] }];
    expect(parseRecords(exportLine(legacy))).toEqual(p);
    // An export of other events only holds no turn.
    expect(parseRecords(exportLine([{ scopeLogs: [{ logRecords: [records[0], records[2]] }] }]))).toEqual({
      ok: true,
      records: [],
    });
  });

  it("reads a subagent's or a compaction's requests (query_source) as a conversation of their own, not the session's turns", () => {
    const sessions = (...sources: (string | undefined)[]) => {
      const logRecords = sources.map((source, i) =>
        request(i + 1, `178030800${i}000000000`, '0', source === undefined ? [] : [text('query_source', source)]),
      );
      const p = parseRecords(exportLine([{ scopeLogs: [{ logRecords }] }]));
      return p.ok ? p.records.map((r) => r.session) : p.reason;
    };
    // The main conversation is the session's, and so is a request written before Claude Code named its source.
    expect(
      sessions('repl_main_thread', undefined, 'agent:builtin:general-purpose', 'compact', '', 'repl_main_thread:x'),
    ).toEqual(['s1', 's1', 's1/agent.builtin.general-purpose', 's1/compact', 's1', 's1']);
    // Named in the safe form its span writes (`:` as `.`), but a user-named agent keeps its name:
    // two of them are two conversations, and one whose name is not written is the spans' agent.custom.
    expect(sessions('agent:custom:reviewer', 'agent:custom:planner', 'agent:custom', 'agent:default')).toEqual([
      's1/agent:custom:reviewer',
      's1/agent:custom:planner',
      's1/agent.custom',
      's1/agent.default',
    ]);
  });

  it("reads Claude Code's compaction event as a compaction of the session's main conversation; a failed one as none", () => {
    // As Claude Code's monitoring documentation names the event and its attributes.
    const compaction = (seq: number, time: string, extra: Attr[]) =>
      event('compaction', seq, time, [
        text('trigger', 'manual'),
        text('duration_ms', '5100'),
        text('pre_tokens', '151000'),
        text('post_tokens', '9000'),
        text('precompute_reuse', 'hit'),
        ...extra,
      ]);
    const read = (...logRecords: object[]) => parseRecords(exportLine([{ scopeLogs: [{ logRecords }] }]));
    const done = compaction(4, '1780308004000000000', [text('success', 'true')]);
    expect(read(request(3, '1780308003000000000', '0', [text('query_source', 'compact')]), done)).toEqual({
      ok: true,
      records: [
        expect.objectContaining({ kind: 'turn', session: 's1/compact' }),
        { kind: 'compaction', session: 's1', ts: Date.parse('2026-06-01T10:00:04Z'), id: '1780308004000/4' },
      ],
    });
    // Known by its event.name alone, or by OTLP's eventName, as by its body.
    const { body, ...unnamed } = done;
    expect(read(unnamed)).toEqual(read(done));
    expect(
      read({
        ...unnamed,
        eventName: body.stringValue,
        attributes: done.attributes.filter((a) => a.key !== 'event.name'),
      }),
    ).toEqual(read(done));
    // Without success it still says a compaction completed; one that failed rewrote nothing.
    expect(read(compaction(4, '1780308004000000000', []))).toEqual(read(done));
    expect(read(compaction(4, '1780308004000000000', [text('success', 'false')]))).toEqual({ ok: true, records: [] });
    expect(read(compaction(4, '1780308004000000000', [attr('success', { boolValue: false })]))).toEqual({
      ok: true,
      records: [],
    });
    // What cannot be read is named by its place and its event.
    const reason = (r: object) => {
      const p = read(records[0] as object, r);
      return p.ok ? p : p.reason;
    };
    expect(reason(compaction(4, '1780308004000000000', [text('success', 'yes')]))).toMatch(
      /^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\] \(claude_code\.compaction\): success is "yes", not "true" or "false"; /,
    );
    const anonymous = { ...done, attributes: done.attributes.filter((a) => a.key !== 'session.id') };
    expect(reason(anonymous)).toMatch(/\(claude_code\.compaction\): no session\.id attribute;/);
  });

  it("takes event.timestamp where timeUnixNano is 0 or absent, OTLP's unknown", () => {
    const at = (r: object) => {
      const p = parseRecords(exportLine([{ scopeLogs: [{ logRecords: [r] }] }]));
      return p.ok ? p.records[0]?.ts : p.reason;
    };
    const r = request(1, '0', '0');
    expect(at(r)).toBe(Date.parse('2026-06-01T10:00:00Z'));
    const { timeUnixNano: _t, ...untimed } = r;
    expect(at(untimed)).toBe(Date.parse('2026-06-01T10:00:00Z'));
    const noTime = { ...untimed, attributes: r.attributes.filter((a) => a.key !== 'event.timestamp') };
    expect(at(noTime)).toMatch(/logRecords\[0\] \(claude_code\.api_request\): no timeUnixNano or event\.timestamp;/);
    const badTime = {
      ...untimed,
      attributes: r.attributes.map((a) => (a.key === 'event.timestamp' ? text('event.timestamp', 'yesterday') : a)),
    };
    expect(at(badTime)).toMatch(/: event\.timestamp is not an ISO-8601 instant/);
  });

  it('a malformed api_request makes the line malformed, named by its place and what to do', () => {
    const place = /^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[1\] \(claude_code\.api_request\): /;
    const without = (key: string) => {
      const r = request(1, '1780308001000000000', '0');
      return { ...r, attributes: r.attributes.filter((a) => a.key !== key) };
    };
    const reason = (r: object) => {
      const p = parseRecords(exportLine([{ scopeLogs: [{ logRecords: [records[0], r] }] }]));
      return p.ok ? p : p.reason;
    };
    expect(reason(without('session.id'))).toMatch(place);
    expect(reason(without('session.id'))).toMatch(
      /no session\.id attribute; Claude Code writes it unless OTEL_METRICS_INCLUDE_SESSION_ID is false; the export's other records are not read either$/,
    );
    expect(reason(without('input_tokens'))).toMatch(/: no input_tokens;/);
    expect(reason(request(1, '1780308001000000000', '-4'))).toMatch(
      /: cache_read_tokens is the text "-4", not a whole number;/,
    );
    expect(reason(request(1, '1780308001000000000', '0', [text('session.id', ' ')]))).toMatch(
      /: session\.id is blank;/,
    );
    expect(reason(request(1, '60000000000', '0'))).toMatch(/: timeUnixNano 60000000000 as nanoseconds/);
    expect(parseRecords(exportLine({}))).toEqual({ ok: false, reason: 'resourceLogs is not a list of objects' });
    // parseLine reads one record: it does not take an export for one.
    expect(parseLine(exportLine(collector))).toEqual({
      ok: false,
      reason: 'an OTLP/JSON export (resourceLogs) holds many records, not one',
    });
  });

  it("a metrics export written beside the events (Claude Code's token and cost counters) holds no turn, and is no malformed line", () => {
    const metrics = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              scope: { name: 'com.anthropic.claude_code' },
              metrics: [{ name: 'claude_code.token.usage', sum: { dataPoints: [{ asDouble: 12 }] } }],
            },
          ],
        },
      ],
    };
    expect(parseRecords(JSON.stringify(metrics))).toEqual({ ok: true, records: [] });
    expect(parseRecords('{"resourceMetrics":7}')).toEqual({
      ok: false,
      reason: 'resourceMetrics is not a list of objects',
    });
  });
});

describe("parseRecords: Claude Code's claude_code.llm_request spans", () => {
  const kv = (key: string, value: object) => ({ key, value });
  const str = (key: string, v: string) => kv(key, { stringValue: v });
  const int = (key: string, v: number) => kv(key, { intValue: String(v) });
  // As Claude Code's monitoring documentation names the span and its attributes.
  const span = (extra: object[] = [], drop: string[] = []) => ({
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'claude_code.llm_request',
    kind: 3,
    startTimeUnixNano: '1780308000000000000',
    endTimeUnixNano: '1780308002500000000',
    attributes: [
      str('session.id', 's1'),
      str('span.type', 'llm_request'),
      str('model', 'claude-sonnet-4-5-20250929'),
      str('gen_ai.system', 'anthropic'),
      str('gen_ai.request.model', 'claude-sonnet-4-5-20250929'),
      str('query_source', 'repl_main_thread'),
      str('query_source_safe', 'repl_main_thread'),
      str('speed', 'normal'),
      int('duration_ms', 2500),
      int('input_tokens', 12),
      int('output_tokens', 300),
      int('cache_read_tokens', 20000),
      int('cache_creation_tokens', 500),
      str('request_id', 'req_011CX'),
      str('gen_ai.response.id', 'req_011CX'),
      int('attempt', 1),
      kv('success', { boolValue: true }),
    ]
      .filter((a) => !drop.includes(a.key))
      .concat(extra as { key: string; value: object }[]),
  });
  const exportLine = (...spans: object[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
  const sessions = (...spans: object[]) => {
    const p = parseRecords(exportLine(...spans));
    return p.ok ? p.records.map((r) => r.session) : p.reason;
  };

  it('reads one with token counts as a turn: its input apart from the cache, known by its request id, timed at its end', () => {
    const want = {
      kind: 'turn',
      shape: 'otel',
      session: 's1',
      turn: undefined,
      ts: Date.parse('2026-06-01T10:00:02.500Z'),
      model: 'claude-sonnet-4-5-20250929',
      input: 12,
      output: 300,
      cacheRead: 20000,
      cacheCreation: 500,
      creation5m: undefined,
      creation1h: undefined,
      cacheCounted: true,
      span: 'request_id req_011CX',
      compaction: false,
      injection: false,
      breakpoints: undefined,
    };
    expect(parseRecords(exportLine(span()))).toEqual({ ok: true, records: [want] });
    // A span on a line of its own reads the same.
    expect(parseRecords(JSON.stringify(span()))).toEqual({ ok: true, records: [want] });
    // Without request_id, gen_ai.response.id is the same value; without either, the span's own id.
    expect(parseRecords(exportLine(span([], ['request_id'])))).toEqual({ ok: true, records: [want] });
    expect(parseRecords(exportLine(span([], ['request_id', 'gen_ai.response.id'])))).toEqual({
      ok: true,
      records: [{ ...want, span: '5b8efff798038103d269b633813fc60c/eee19b7ec3c1b174' }],
    });
    // Known by span.type alone, as by its name.
    const { name: _name, ...unnamed } = span();
    expect(parseRecords(exportLine(unnamed))).toEqual({ ok: true, records: [want] });
  });

  it('names its conversation as its api_request event does: query_source, else query_source_safe, else agent_id', () => {
    const source = (v: string | undefined, safe: string | undefined, agent?: string) =>
      span(
        [
          ...(v === undefined ? [] : [str('query_source', v)]),
          ...(safe === undefined ? [] : [str('query_source_safe', safe)]),
          ...(agent === undefined ? [] : [str('agent_id', agent)]),
        ],
        ['query_source', 'query_source_safe'],
      );
    expect(
      sessions(
        source('agent:builtin:general-purpose', 'agent.builtin.general-purpose', 'a1'),
        source(undefined, 'agent.builtin.general-purpose', 'a1'),
        source(undefined, 'repl_main_thread'),
        source(undefined, undefined, 'a1'),
        source(undefined, undefined),
        source('compact', 'compact'),
        source('agent:custom:reviewer', 'agent.custom', 'a2'),
        source(undefined, 'agent.custom', 'a2'),
        source(undefined, 'repl_main_thread.outputStyle.custom'),
      ),
    ).toEqual([
      's1/agent.builtin.general-purpose',
      's1/agent.builtin.general-purpose',
      's1',
      's1/a1',
      's1',
      's1/compact',
      's1/agent:custom:reviewer',
      's1/agent.custom',
      's1',
    ]);
  });

  it('parseLine reads one on a line of its own as the file reader does: the same turn, the same reasons', () => {
    const line = (x: object) => JSON.stringify(x);
    const read = parseRecords(line(span()));
    expect(read.ok && read.records.length).toBe(1);
    expect(parseLine(line(span()))).toEqual({ ok: true, record: read.ok && read.records[0] });
    // The object form of its attributes, and a subagent's conversation named from query_source_safe.
    const flat = {
      ...span([str('query_source_safe', 'agent.builtin.Explore')], ['query_source', 'query_source_safe']),
      attributes: {
        'session.id': 's1',
        'span.type': 'llm_request',
        query_source_safe: 'agent.builtin.Explore',
        input_tokens: 7,
        cache_read_tokens: 70,
        request_id: 'req_2',
      },
    };
    expect(parseLine(line(flat))).toMatchObject({
      ok: true,
      record: { session: 's1/agent.builtin.Explore', input: 7, cacheRead: 70, span: 'request_id req_2' },
    });
    expect(parseLine(line(span([], ['session.id'])))).toEqual({
      ok: false,
      reason: 'no session.id attribute; Claude Code writes it unless OTEL_METRICS_INCLUDE_SESSION_ID is false',
    });
    // A failed request is no turn: the file reader passes it over, parseLine, which holds one record, says why.
    expect(parseRecords(line(span([kv('success', { boolValue: false })], ['success'])))).toEqual({
      ok: true,
      records: [],
    });
    for (const failed of [
      span([kv('success', { boolValue: false })], ['success']),
      span([], ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens']),
    ]) {
      expect(parseLine(line(failed))).toEqual({
        ok: false,
        reason:
          'a claude_code.llm_request span without token counts, or with success false, is a failed request: no turn',
      });
    }
  });

  it('passes over one without token counts (a failed request) and other spans; one it cannot read is named', () => {
    expect(
      parseRecords(
        exportLine(span([], ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens'])),
      ),
    ).toEqual({
      ok: true,
      records: [],
    });
    expect(parseRecords(exportLine(span([kv('success', { stringValue: 'false' })], ['success'])))).toEqual({
      ok: true,
      records: [],
    });
    const tool = { traceId: 't', spanId: 'u', name: 'claude_code.tool', attributes: [str('session.id', 's1')] };
    expect(parseRecords(exportLine(tool))).toEqual({ ok: true, records: [] });
    expect(parseRecords(exportLine(tool, span([], ['session.id'])))).toEqual({
      ok: false,
      reason:
        "resourceSpans[0].scopeSpans[0].spans[1] (claude_code.llm_request): no session.id attribute; Claude Code writes it unless OTEL_METRICS_INCLUDE_SESSION_ID is false; the export's other spans are not read either",
    });
    expect(parseRecords(JSON.stringify(span([str('input_tokens', '-3')], ['input_tokens'])))).toEqual({
      ok: false,
      reason: 'input_tokens is the text "-3", not a whole number',
    });
  });
});

describe('parseLine: fork-trace records', () => {
  it('reads the miss sources of a turn', () => {
    const p = parseLine(
      '{"type":"fork_trace","session_id":"c","turn":5,"ts":"2026-06-01T12:04:00Z","misses":["message_prefix","tools"]}',
    );
    expect(p).toEqual({
      ok: true,
      record: {
        kind: 'fork_trace',
        session: 'c',
        turn: 5,
        ts: Date.parse('2026-06-01T12:04:00Z'),
        misses: ['message_prefix', 'tools'],
      },
    });
  });

  it('reads a usage record carrying misses as its turn and a trace of that turn', () => {
    // Read as a trace only, the turn's tokens would vanish, and a writer annotates the turns that missed.
    const a = parseLine(
      '{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":5000,"output_tokens":1},"misses":["message_prefix","tools","tools"]}',
    );
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.record).toMatchObject({ kind: 'turn', shape: 'anthropic', session: 'a', turn: 3, input: 5000 });
    expect(a.trace).toEqual({
      kind: 'fork_trace',
      session: 'a',
      turn: 3,
      ts: Date.parse('2026-06-01T10:02:00Z'),
      misses: ['message_prefix', 'tools'],
    });
    const o = parseLine(
      '{"ts":"2026-06-01T10:02:00Z","turn":4,"attributes":{"gen_ai.conversation.id":"a","gen_ai.usage.input_tokens":5000,"gen_ai.usage.cache_read.input_tokens":4000},"misses":[]}',
    );
    expect(o.ok && o.record).toMatchObject({ kind: 'turn', shape: 'otel', turn: 4, input: 1000, cacheRead: 4000 });
    expect(o.ok && o.trace).toMatchObject({ kind: 'fork_trace', session: 'a', turn: 4, misses: [] });
    // A plain turn carries no trace.
    const plain = parseLine(
      '{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":5,"output_tokens":1}}',
    );
    expect(plain.ok && plain.trace).toBeUndefined();
  });

  it('an OTel span whose turn is null has no turn number, as one without turn; the other shapes still need one', () => {
    const span = (turn: string) =>
      `{"ts":"2026-06-01T10:02:00Z","turn":${turn},"attributes":{"gen_ai.conversation.id":"a","gen_ai.usage.input_tokens":5000}}`;
    const p = parseLine(span('null'));
    expect(p.ok && p.record.kind === 'turn' && p.record.turn).toBeUndefined();
    expect(p).toEqual(parseLine(span('null').replace('"turn":null,', '')));
    expect(p.ok).toBe(true);
    // Misses on it name no turn, as on a span without turn.
    expect(parseLine(span('null').replace(/}$/, ',"misses":["tools"]}'))).toEqual({
      ok: false,
      reason: 'misses on a span without a turn number: the turn they explain cannot be named; add turn',
    });
    for (const line of [
      '{"session_id":"m","turn":null,"ts":"2026-06-01T09:01:00Z","usage":{"input_tokens":5,"output_tokens":5}}',
      '{"type":"fork_trace","session_id":"m","turn":null,"ts":"2026-06-01T09:01:00Z","misses":[]}',
    ]) {
      expect(parseLine(line).ok, line).toBe(false);
    }
  });

  it('an annotated record is judged as the turn first, then its misses; a span without a turn number cannot name them', () => {
    const reason = (line: string) => {
      const p = parseLine(line);
      return p.ok ? undefined : p.reason;
    };
    expect(
      reason(
        '{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":-1,"output_tokens":1},"misses":["tools"]}',
      ),
    ).toMatch(/usage.input_tokens is negative \(-1\)/);
    expect(
      reason(
        '{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":1,"output_tokens":1},"misses":["weather"]}',
      ),
    ).toMatch(/unknown miss source "weather"/);
    expect(
      reason(
        '{"ts":"2026-06-01T10:02:00Z","attributes":{"gen_ai.conversation.id":"a","gen_ai.usage.input_tokens":5000},"misses":["tools"]}',
      ),
    ).toMatch(/without a turn number/);
    // A trace whose attributes name only the conversation is a trace.
    const c = parseLine(
      '{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","attributes":{"gen_ai.conversation.id":"a"},"misses":["tools"]}',
    );
    expect(c.ok && c.record.kind).toBe('fork_trace');
  });

  describe("the Messages API's diagnosis of a miss, logged beside a usage record", () => {
    const TS = Date.parse('2026-06-01T10:02:00Z');
    const line = (diagnostics: unknown, extra: object = {}) =>
      JSON.stringify({
        session_id: 'a',
        turn: 3,
        ts: '2026-06-01T10:02:00Z',
        usage: { input_tokens: 5000, output_tokens: 1, cache_read_input_tokens: 0 },
        diagnostics,
        ...extra,
      });
    const traceOf = (text: string) => {
      const p = parseLine(text);
      if (!p.ok) throw new Error(p.reason);
      expect(p.record).toMatchObject({ kind: 'turn', shape: 'anthropic', session: 'a', turn: 3, input: 5000 });
      return p.trace;
    };

    it('reads a change it names as the source of the miss', () => {
      for (const [type, source] of [
        ['system_changed', 'system_prompt'],
        ['tools_changed', 'tools'],
        ['messages_changed', 'message_prefix'],
        ['model_changed', 'model'],
      ] as const) {
        expect(traceOf(line({ cache_miss_reason: { type, cache_missed_input_tokens: 4200 } })), type).toEqual({
          kind: 'fork_trace',
          session: 'a',
          turn: 3,
          ts: TS,
          misses: [source],
        });
      }
    });

    it('a reason that names no change, or a diagnosis still pending, is a trace naming no source', () => {
      const empty = { kind: 'fork_trace', session: 'a', turn: 3, ts: TS, misses: [] };
      for (const reason of [{ type: 'previous_message_not_found' }, { type: 'unavailable' }, null]) {
        expect(traceOf(line({ cache_miss_reason: reason })), JSON.stringify(reason)).toEqual(empty);
      }
      // A reason the API added after this reader: no source is guessed, but its type is kept.
      expect(traceOf(line({ cache_miss_reason: { type: 'speed_changed', cache_missed_input_tokens: 9 } }))).toEqual({
        ...empty,
        unknownReason: 'speed_changed',
      });
    });

    it('diagnostics null or absent is no trace at all', () => {
      expect(traceOf(line(null))).toBeUndefined();
      expect(traceOf(line(undefined))).toBeUndefined();
    });

    it("beside the writer's own misses, the trace names both", () => {
      const both = line(
        { cache_miss_reason: { type: 'tools_changed', cache_missed_input_tokens: 1 } },
        { misses: ['model', 'tools'] },
      );
      expect(traceOf(both)?.misses).toEqual(['model', 'tools']);
      const added = line(
        { cache_miss_reason: { type: 'system_changed', cache_missed_input_tokens: 1 } },
        { misses: ['model'] },
      );
      expect(traceOf(added)?.misses).toEqual(['model', 'system_prompt']);
      expect(traceOf(line({ cache_miss_reason: null }, { misses: ['model'] }))?.misses).toEqual(['model']);
      expect(traceOf(line(null, { misses: ['model'] }))?.misses).toEqual(['model']);
      // misses: null names none, and the diagnosis still does.
      const nulled = line(
        { cache_miss_reason: { type: 'model_changed', cache_missed_input_tokens: 1 } },
        { misses: null },
      );
      expect(traceOf(nulled)?.misses).toEqual(['model']);
      // A fork_trace carrying usage and a diagnosis is the turn and its trace.
      const typed = line(
        { cache_miss_reason: { type: 'messages_changed', cache_missed_input_tokens: 1 } },
        { type: 'fork_trace' },
      );
      expect(traceOf(typed)?.misses).toEqual(['message_prefix']);
    });

    it('malformed diagnostics make the line malformed, saying what they hold', () => {
      const reason = (diagnostics: unknown, extra: object = {}) => {
        const p = parseLine(line(diagnostics, extra));
        return p.ok ? undefined : p.reason;
      };
      expect(reason('system_changed')).toBe('diagnostics is the text "system_changed", not an object or null');
      expect(reason([])).toBe('diagnostics is a list, not an object or null');
      expect(reason(7)).toBe('diagnostics is 7, not an object or null');
      expect(reason({})).toBe(
        'diagnostics has no cache_miss_reason; the API writes one, null while its diagnosis is pending',
      );
      expect(reason({ cache_miss_reason: 'tools_changed' })).toBe(
        'diagnostics.cache_miss_reason is the text "tools_changed", not an object or null',
      );
      expect(reason({ cache_miss_reason: [] })).toBe('diagnostics.cache_miss_reason is a list, not an object or null');
      expect(reason({ cache_miss_reason: {} })).toBe('diagnostics.cache_miss_reason has no type');
      expect(reason({ cache_miss_reason: { type: 3 } })).toBe('diagnostics.cache_miss_reason.type is 3, not a string');
      expect(reason({ cache_miss_reason: { type: null } })).toBe(
        'diagnostics.cache_miss_reason.type is null, not a string',
      );
      // Beside misses, whatever they hold.
      expect(reason(5, { misses: ['tools'] })).toBe('diagnostics is 5, not an object or null');
      // The turn is judged first.
      const bad = JSON.parse(line(5)) as Record<string, unknown>;
      bad.usage = { input_tokens: -1, output_tokens: 1 };
      const p = parseLine(JSON.stringify(bad));
      expect(!p.ok && p.reason).toMatch(/usage.input_tokens is negative/);
    });

    it('is read on a usage record only: a fork trace or a span carrying diagnostics is read as without them', () => {
      const trace = '{"type":"fork_trace","session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","misses":["tools"]';
      for (const d of ['5', '{"cache_miss_reason":{"type":"model_changed"}}']) {
        expect(parseLine(`${trace},"diagnostics":${d}}`)).toEqual(parseLine(`${trace}}`));
      }
      const span =
        '{"ts":"2026-06-01T10:02:00Z","turn":4,"attributes":{"gen_ai.conversation.id":"a","gen_ai.usage.input_tokens":5000}';
      expect(parseLine(`${span},"diagnostics":{"cache_miss_reason":{"type":"model_changed"}}}`)).toEqual(
        parseLine(`${span}}`),
      );
    });
  });

  it("a fork_trace carrying its turn's usage is read as the turn and its trace: its tokens are not dropped", () => {
    const t = parseLine(
      '{"type":"fork_trace","session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":5000,"output_tokens":1},"misses":["tools"]}',
    );
    expect(t.ok && t.record).toMatchObject({ kind: 'turn', shape: 'anthropic', session: 'a', turn: 3, input: 5000 });
    expect(t.ok && t.trace).toMatchObject({ kind: 'fork_trace', session: 'a', turn: 3, misses: ['tools'] });
    const o = parseLine(
      '{"type":"fork_trace","ts":"2026-06-01T10:02:00Z","turn":4,"attributes":{"gen_ai.conversation.id":"a","gen_ai.usage.input_tokens":5000,"gen_ai.usage.cache_read.input_tokens":4000},"misses":["model"]}',
    );
    expect(o.ok && o.record).toMatchObject({ kind: 'turn', shape: 'otel', turn: 4, input: 1000, cacheRead: 4000 });
    expect(o.ok && o.trace).toMatchObject({ kind: 'fork_trace', session: 'a', turn: 4, misses: ['model'] });
    // Its usage is judged as a turn's is.
    const bad = parseLine(
      '{"type":"fork_trace","session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":-1,"output_tokens":1},"misses":["tools"]}',
    );
    expect(!bad.ok && bad.reason).toMatch(/usage.input_tokens is negative/);
  });

  it('a usage record whose misses are not a list is malformed, not read as a turn without them', () => {
    const sources = 'system_prompt, tools, message_prefix, child_directive, model';
    for (const misses of ['"tools"', '{"tools":1}', '1', 'true']) {
      for (const line of [
        `{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":1,"output_tokens":1},"misses":${misses}}`,
        `{"ts":"2026-06-01T10:02:00Z","turn":4,"attributes":{"gen_ai.conversation.id":"a","gen_ai.usage.input_tokens":5},"misses":${misses}}`,
      ]) {
        expect(parseLine(line), line).toEqual({
          ok: false,
          reason: `misses is not a list; write the sources as one, such as ["tools"] (${sources})`,
        });
      }
    }
    // null names none: the turn, and no trace.
    const none = parseLine(
      '{"session_id":"a","turn":3,"ts":"2026-06-01T10:02:00Z","usage":{"input_tokens":1,"output_tokens":1},"misses":null}',
    );
    expect(none.ok && none.record.kind).toBe('turn');
    expect(none.ok && none.trace).toBeUndefined();
  });

  it('rejects an unknown miss source', () => {
    const p = parseLine(
      '{"type":"fork_trace","session_id":"c","turn":5,"ts":"2026-06-01T12:04:00Z","misses":["weather"]}',
    );
    expect(p.ok).toBe(false);
    expect(!p.ok && p.reason).toMatch(/unknown miss source "weather"/);
  });
});

describe('parseLine: anything else', () => {
  it('names what is wrong', () => {
    expect(parseLine('not json')).toMatchObject({ ok: false });
    expect(parseLine('[1,2]')).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(parseLine('{"hello":"world"}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a known record shape/),
    });
  });
});

describe('sameModel: the model asked for and the version that answered', () => {
  it('takes a dated or numbered version, or a -latest alias, as the model it versions', () => {
    for (const [a, b] of [
      ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
      ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
      ['gpt-4', 'gpt-4-0613'],
      ['gpt-4o', 'gpt-4o-2024-08-06'],
      ['gemini-1.5-pro', 'gemini-1.5-pro-002'],
      ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet-20241022'],
      ['x', 'x'],
    ]) {
      expect(sameModel(a as string, b as string), `${a} ${b}`).toBe(true);
      expect(sameModel(b as string, a as string), `${b} ${a}`).toBe(true);
    }
    for (const [a, b] of [
      ['claude-sonnet-4', 'claude-sonnet-4-5'],
      ['claude-sonnet-4', 'claude-sonnet-4-5-20250929'],
      ['claude-3-5-sonnet-20240620', 'claude-3-5-sonnet-20241022'],
      ['gpt-4', 'gpt-4-turbo'],
      ['gpt-4', 'gpt-4o-2024-08-06'],
      ['claude-opus-4-1', 'claude-sonnet-4-5-20250929'],
      ['-latest', '-20250929'],
    ]) {
      expect(sameModel(a as string, b as string), `${a} ${b}`).toBe(false);
      expect(sameModel(b as string, a as string), `${b} ${a}`).toBe(false);
    }
  });

  it("takes a provider's id (AWS Bedrock, Google Vertex) as the Messages API model it serves", () => {
    for (const [a, b] of [
      ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet-20241022'],
      ['us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet-20241022'],
      ['eu.anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet-latest'],
      ['apac.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
      ['us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['anthropic.claude-3-haiku-20240307-v1:0:200k', 'claude-3-haiku-20240307'],
      [
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        'claude-sonnet-4-5-20250929',
      ],
      ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet-20241022'],
      ['claude-3-5-sonnet-v2@20241022', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5-20250929'],
      ['claude-sonnet-4-5@20250929', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['publishers/anthropic/models/claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ]) {
      expect(sameModel(a as string, b as string), `${a} ${b}`).toBe(true);
      expect(sameModel(b as string, a as string), `${b} ${a}`).toBe(true);
    }
    for (const [a, b] of [
      // Claude 3.5 Sonnet v1 and v2: one name, two models.
      ['anthropic.claude-3-5-sonnet-20241022-v1:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['us.anthropic.claude-3-5-sonnet-20241022-v1:0', 'claude-3-5-sonnet-v2@20241022'],
      ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3-5-sonnet-20241022'],
      ['us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-sonnet-4-5-20250929'],
      ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
      ['claude-3-5-sonnet-v2@20241022', 'claude-sonnet-4-5@20250929'],
      ['claude-3-5-sonnet@20240620', 'claude-3-5-sonnet-v2@20241022'],
      ['claude-sonnet-4-5@20250929', 'claude-opus-4-1-20250805'],
      // Claude 2 and 2.1 on Bedrock.
      ['anthropic.claude-v2', 'anthropic.claude-v3'],
      // Not Bedrock's without its prefix or a `:`: part of the name.
      ['deepseek-v2', 'deepseek-v3'],
    ]) {
      expect(sameModel(a as string, b as string), `${a} ${b}`).toBe(false);
      expect(sameModel(b as string, a as string), `${b} ${a}`).toBe(false);
    }
  });

  it('takes a bare family (sonnet, opus, haiku) as any Claude model of that family, and of no other', () => {
    for (const [a, b] of [
      ['sonnet', 'claude-sonnet-4-5-20250929'],
      ['sonnet', 'claude-3-5-sonnet-20241022'],
      ['sonnet', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['sonnet', 'claude-sonnet-4-5@20250929'],
      ['opus', 'claude-opus-4-1'],
      ['haiku', 'claude-3-5-haiku-latest'],
    ]) {
      expect(sameModel(a as string, b as string), `${a} ${b}`).toBe(true);
      expect(sameModel(b as string, a as string), `${b} ${a}`).toBe(true);
    }
    for (const [a, b] of [
      ['sonnet', 'opus'],
      ['sonnet', 'claude-opus-4-1-20250805'],
      ['opus', 'claude-3-5-sonnet-20241022'],
      ['haiku', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['sonnet', 'gpt-4o'],
      ['sonnet', 'claude-instant-1.2'],
    ]) {
      expect(sameModel(a as string, b as string), `${a} ${b}`).toBe(false);
      expect(sameModel(b as string, a as string), `${b} ${a}`).toBe(false);
    }
  });
});

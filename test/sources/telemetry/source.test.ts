/**
 * The telemetry source end to end over fixture JSONL: every metric against a value computed
 * by hand from the fixture, windows, per-session folding, both invariants firing and not,
 * thin data, malformed lines and gzip.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import { emptyTotals } from '../../../src/sources/telemetry/metrics.js';
import { scanFiles } from '../../../src/sources/telemetry/scan.js';
import { TelemetryMeasurementSource } from '../../../src/sources/telemetry/source.js';
import { metricRow } from '../../../src/telemetry/report.js';
import type { MeasurementSpec, RfcManifest, TelemetrySpec } from '../../../src/spec/types.js';
import { tempRoot } from '../../helpers/spec-fixture.js';
import { otlpAttr as kv } from '../../helpers/telemetry.js';

const FIX = 'test/fixtures/telemetry';
const AS_OF = new Date('2026-06-02T00:00:00Z');
let root: string;
let cleanup: () => void;

beforeAll(() => {
  ({ root, cleanup } = tempRoot('rfcgate-telemetry-'));
  mkdirSync(join(root, 'telemetry'), { recursive: true });
  for (const f of ['anthropic.jsonl', 'otel.jsonl', 'invariants.jsonl', 'malformed.jsonl', 'diagnostics.jsonl']) {
    copyFileSync(join(FIX, f), join(root, 'telemetry', f));
  }
  writeFileSync(
    join(root, 'telemetry', 'anthropic-copy.jsonl.gz'),
    gzipSync(readFileSync(join(FIX, 'anthropic.jsonl'))),
  );
  writeFileSync(join(root, 'telemetry', 'broken.jsonl.gz'), Buffer.from('this is not gzip'));
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(join(FIX, 'anthropic.jsonl'))]);
  writeFileSync(join(root, 'telemetry', 'bom.jsonl'), bom);
  writeFileSync(join(root, 'telemetry', 'bom.jsonl.gz'), gzipSync(bom));
});
afterAll(() => cleanup());

const manifest: RfcManifest = {
  id: 't',
  title: 't',
  version: 'v1',
  mainline: 'main',
  operators: [],
  attestations_dir: 'gates/t/attestations',
  location: { file: 'gates/t/rfc.yaml', line: 1, col: 1 },
};

async function measure(telemetry: TelemetrySpec, asOf = AS_OF): Promise<MeasurementOutcome> {
  const m = {
    id: 'm',
    type: 'double',
    source: 'telemetry',
    telemetry,
    location: { file: 'x', line: 1, col: 1 },
  } as MeasurementSpec;
  return new TelemetryMeasurementSource().measure(m, {
    asOf,
    ref: 'HEAD',
    repoDir: root,
    manifest,
    signal: new AbortController().signal,
  });
}

async function value(t: TelemetrySpec, asOf = AS_OF): Promise<number> {
  const o = await measure(t, asOf);
  if (o.status !== 'ok') throw new Error(`halted: ${o.reason}`);
  return o.value as number;
}

const A = ['telemetry/anthropic.jsonl'];

describe('metrics over the Anthropic fixture, computed by hand', () => {
  // Turns: a1 (in 1000, read 0, write 4000 @5m), a2 (in 100, read 4000, write 500 @1h),
  // b1 (in 2000, read null), a3 (in 50, read 4500, write null), b2 (in 300, read 1700).
  const read = 0 + 4000 + 0 + 4500 + 1700;
  const input = 1000 + 100 + 2000 + 50 + 300;
  const written = 4000 + 500;

  it('cache_hit_ratio = cache_read / (cache_read + input)', async () => {
    expect(await value({ files: A, metric: 'cache_hit_ratio' })).toBeCloseTo(read / (read + input), 12);
    expect(read / (read + input)).toBeCloseTo(10200 / 13650, 12);
  });

  it('cache_hit_ratio_token_weighted counts cache writes in the denominator', async () => {
    expect(await value({ files: A, metric: 'cache_hit_ratio_token_weighted' })).toBeCloseTo(
      read / (input + written + read),
      12,
    );
  });

  it('cache_hit_request_rate is the share of turns that read anything', async () => {
    expect(await value({ files: A, metric: 'cache_hit_request_rate' })).toBeCloseTo(3 / 5, 12);
  });

  it('cache_cost_multiplier prices 5m writes 1.25×, 1h writes 2×, reads 0.1×', async () => {
    const cost = input * 1 + 4000 * 1.25 + 500 * 2 + read * 0.1;
    expect(await value({ files: A, metric: 'cache_cost_multiplier' })).toBeCloseTo(cost / (input + written + read), 12);
  });

  it('turns and turns over the 4-breakpoint limit', async () => {
    expect(await value({ files: A, metric: 'turns' })).toBe(5);
    // a2 set 3 breakpoints, a3 set 5; the other three turns say nothing, so the limit is not
    // checked on them: no count, though the turn over it is named.
    const o = await measure({ files: A, metric: 'turns_over_breakpoint_limit' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' && o.reason).toBe(
      `measurement 'm': 3 of 5 turns carry no cache_breakpoints (first at ${A[0]}:1): the limit is not checked on them; 1 turn over 4 seen all the same`,
    );
    expect(o.evidence).toMatchObject({
      turns_with_cache_breakpoints: 2,
      turns_without_cache_breakpoints: 3,
      turns_over_breakpoint_limit: 1,
    });
  });

  it('halts missing for breakpoints when no record carries them', async () => {
    const o = await measure({ files: ['telemetry/otel.jsonl'], metric: 'turns_over_breakpoint_limit' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
  });

  it('reads gzip the same as plain text', async () => {
    const gz = await value({ files: ['telemetry/*.gz'], metric: 'cache_hit_ratio' }).catch((e: Error) => e.message);
    // broken.jsonl.gz matches the glob too: a corrupt gzip halts with its name.
    expect(String(gz)).toMatch(/broken\.jsonl\.gz/);
    expect(await value({ files: ['telemetry/anthropic-copy.jsonl.gz'], metric: 'cache_hit_ratio' })).toBeCloseTo(
      read / (read + input),
      12,
    );
  });

  it('a byte-order mark before the first line is not part of it, plain or gzip', async () => {
    for (const f of ['telemetry/bom.jsonl', 'telemetry/bom.jsonl.gz']) {
      expect(await value({ files: [f], metric: 'turns' }), f).toBe(await value({ files: A, metric: 'turns' }));
      expect(await value({ files: [f], metric: 'cache_hit_ratio' }), f).toBeCloseTo(read / (read + input), 12);
    }
  });

  it('so is one before a later line, where files joined with cat began', async () => {
    const mark = Buffer.from([0xef, 0xbb, 0xbf]);
    const good = readFileSync(join(FIX, 'anthropic.jsonl'), 'utf8');
    const other = good.replace(/"session_id":"/g, '"session_id":"other-');
    const joined = Buffer.concat([mark, Buffer.from(good), mark, Buffer.from(other)]);
    mkdirSync(join(root, 'joined'), { recursive: true });
    writeFileSync(join(root, 'joined', 'days.jsonl'), joined);
    writeFileSync(join(root, 'joined', 'days.jsonl.gz'), gzipSync(joined));
    const turns = await value({ files: A, metric: 'turns' });
    for (const f of ['joined/days.jsonl', 'joined/days.jsonl.gz']) {
      const o = await measure({ files: [f], metric: 'turns' });
      expect(o, f).toMatchObject({ status: 'ok', value: 2 * turns });
      expect(o.evidence.malformed, f).toBeUndefined();
    }
  });

  it("files whose lines read but hold no turn (Claude Code's trace export) say so, not only that they hold no turn", async () => {
    mkdirSync(join(root, 'no-usage'), { recursive: true });
    // Claude Code's request span of a request that failed: no token counts, no turn.
    const span = {
      traceId: 't',
      spanId: 's',
      name: 'claude_code.llm_request',
      startTimeUnixNano: `${Date.parse('2026-06-01T10:00:00Z')}000000`,
      attributes: [kv('session.id', 'a'), kv('success', 'false'), kv('status_code', '529'), kv('error', 'Overloaded')],
    };
    writeFileSync(
      join(root, 'no-usage', 'traces.jsonl'),
      `${JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] })}\n\n`,
    );
    const o = await measure({ files: ['no-usage/traces.jsonl'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.evidence.channel).toBe('never_started');
    expect(o.status === 'halt' && o.reason).toBe(
      "measurement 'm': never started: no turns ever in the files, though a line of them reads: it holds no turn (spans without gen_ai.usage.* attributes, Claude Code's claude_code.llm_request spans without token counts among them; Claude Code's events other than claude_code.api_request and claude_code.compaction; metrics exports)",
    );
  });

  it('a zero-byte .jsonl.gz (a writer has not written yet) holds no lines, as a zero-byte .jsonl', async () => {
    mkdirSync(join(root, 'zero'), { recursive: true });
    writeFileSync(join(root, 'zero', 'now.jsonl'), '');
    writeFileSync(join(root, 'zero', 'now.jsonl.gz'), '');
    const plain = await measure({ files: ['zero/now.jsonl'], metric: 'turns' });
    const gz = await measure({ files: ['zero/now.jsonl.gz'], metric: 'turns' });
    expect(plain).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(plain.status === 'halt' && plain.reason).toBe("measurement 'm': never started: no turns ever in the files");
    expect(plain.evidence.channel).toBe('never_started');
    expect(JSON.stringify(gz).replaceAll('now.jsonl.gz', 'now.jsonl')).toBe(JSON.stringify(plain));
    // Beside files that hold turns, neither changes the value.
    for (const f of ['zero/now.jsonl', 'zero/now.jsonl.gz']) {
      expect(await value({ files: [...A, f], metric: 'cache_hit_ratio' }), f).toBe(
        await value({ files: A, metric: 'cache_hit_ratio' }),
      );
    }
  });

  it('a corrupt gzip file halts with error, naming the file', async () => {
    const o = await measure({ files: ['telemetry/broken.jsonl.gz'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'halt', halt: 'error' });
    expect(o.status === 'halt' && o.reason).toMatch(/telemetry\/broken\.jsonl\.gz:1: /);
  });
});

describe('a damaged gzip member after good ones', () => {
  it('names the member and its first line, not line 1, when both are in one read', async () => {
    const dir = join(root, 'gz-members');
    mkdirSync(dir, { recursive: true });
    const line = (turn: number) =>
      `${JSON.stringify({ session_id: 'g', turn, ts: `2026-06-01T10:${String(turn).padStart(2, '0')}:00Z`, usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 90 } })}\n`;
    const text = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => line(from + k)).join('');
    const first = gzipSync(text(1, 25));
    const second = gzipSync(text(26, 50));
    // A member whose data check fails: a file damaged after good members.
    const badCrc = Buffer.from(second);
    badCrc[badCrc.length - 8] = (badCrc[badCrc.length - 8] as number) ^ 1;
    writeFileSync(join(dir, 'crc.jsonl.gz'), Buffer.concat([first, badCrc]));
    const at = first.length;
    const crc = await measure({ files: ['gz-members/crc.jsonl.gz'], metric: 'turns' });
    expect(crc).toMatchObject({ status: 'halt', halt: 'error' });
    expect(crc.status === 'halt' && crc.reason).toContain(
      `gz-members/crc.jsonl.gz:26: the gzip data is damaged (incorrect data check) in the member that starts at byte ${at} with line 26; it decodes to line 50, but its checksum does not match, so none of its lines can be trusted; lines 1-25, in the members before it, read whole`,
    );
    // A byte changed inside a single member's data (the usual damage): what decodes, and that it cannot be trusted.
    const whole = gzipSync(text(1, 50));
    const flipped = Buffer.from(whole);
    const mid = Math.floor(whole.length / 2);
    flipped[mid] = (flipped[mid] as number) ^ 0x01;
    writeFileSync(join(dir, 'flipped.jsonl.gz'), flipped);
    const one = await measure({ files: ['gz-members/flipped.jsonl.gz'], metric: 'turns' });
    expect(one).toMatchObject({ status: 'halt', halt: 'error' });
    expect(one.status === 'halt' && one.reason).toMatch(
      /gz-members\/flipped\.jsonl\.gz:\d+: the gzip data is damaged \(.*\) in the member that starts at byte 0 with line 1(; it decodes .*)?$/,
    );
    expect(one.status === 'halt' && one.reason).not.toMatch(/ on$| on;/);
  });

  it('reads a last member cut short (a file still being written) as far as it goes, and says so', async () => {
    const dir = join(root, 'gz-cut');
    mkdirSync(dir, { recursive: true });
    const line = (turn: number) =>
      `${JSON.stringify({ session_id: 'g', turn, ts: `2026-06-01T10:${String(turn).padStart(2, '0')}:00Z`, usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 90 } })}\n`;
    const text = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => line(from + k)).join('');
    const first = gzipSync(text(1, 25));
    const second = gzipSync(text(26, 50));
    // Cut in its trailer (the length after the data check): all of its data decodes.
    writeFileSync(join(dir, 'trailer.jsonl.gz'), Buffer.concat([first, second.subarray(0, second.length - 4)]));
    const trailer = await measure({ files: ['gz-cut/trailer.jsonl.gz'], metric: 'turns' });
    expect(trailer).toMatchObject({ status: 'ok', value: 50 });
    expect(trailer.evidence.ends_mid_stream).toEqual([
      'gz-cut/trailer.jsonl.gz: its gzip data stops before the end of the compressed stream (still being written?): read as far as it goes, 50 lines',
    ]);
    // Cut in its data: the whole lines before the cut count, the line cut in two is listed.
    writeFileSync(join(dir, 'cut.jsonl.gz'), Buffer.concat([first, second.subarray(0, second.length - 40)]));
    const cut = await measure({ files: ['gz-cut/cut.jsonl.gz'], metric: 'turns' });
    expect(cut.status).toBe('ok');
    const turns = cut.status === 'ok' ? (cut.value as number) : -1;
    expect(turns).toBeGreaterThan(25);
    expect(turns).toBeLessThan(50);
    expect(cut.evidence.malformed_lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^gz-cut/cut\\.jsonl\\.gz:${turns + 1}: .*\\(the file's last line, with no newline: its writer may not have finished it\\)$`,
        ),
      ),
    ]);
    expect(cut.evidence.ends_mid_stream).toEqual([
      expect.stringContaining('gz-cut/cut.jsonl.gz: its gzip data stops before the end of the compressed stream'),
    ]);
    // A whole file's evidence says nothing of it.
    writeFileSync(join(dir, 'whole.jsonl.gz'), Buffer.concat([first, second]));
    const whole = await measure({ files: ['gz-cut/whole.jsonl.gz'], metric: 'turns' });
    expect(whole).toMatchObject({ status: 'ok', value: 50 });
    expect(whole.evidence.ends_mid_stream).toBeUndefined();
  });
});

describe('the OTel fixture, whose input counts include cached tokens', () => {
  it('computes the same ratio an Anthropic record of the same turn would', async () => {
    // Uncached input: 5000-4000-500, 1000, 3000-2000; reads 4000 + 0 + 2000.
    const v = await value({ files: ['telemetry/otel.jsonl'], metric: 'cache_hit_ratio' });
    expect(v).toBeCloseTo(6000 / (6000 + 500 + 1000 + 1000), 12);
    // Reading OTel input as if it excluded the cache would give 6000 / (6000 + 9000).
    expect(v).not.toBeCloseTo(6000 / 15000, 3);
  });
});

describe('windows', () => {
  it('leaves out everything at or after as_of', async () => {
    // As of 10:01:30 only a1 and a2 had happened.
    const o = await measure({ files: A, metric: 'cache_hit_ratio' }, new Date('2026-06-01T10:01:30Z'));
    expect(o.status).toBe('ok');
    expect(o.status === 'ok' && o.value).toBeCloseTo(4000 / (4000 + 1100), 12);
    expect(o.evidence.records_after_as_of).toBe(3);
  });

  it('a usage line that carries misses, after as_of, is one record left out, not two', async () => {
    const line = (turn: number, minute: number, extra: object = {}) =>
      `${JSON.stringify({ session_id: 'm', turn, ts: `2026-06-01T10:0${minute}:00Z`, usage: { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 900 }, ...extra })}\n`;
    writeFileSync(
      join(root, 'telemetry', 'after-misses.jsonl'),
      line(1, 0) + line(2, 1) + line(3, 5, { misses: ['tools'] }) + line(4, 6, { misses: ['model'] }),
    );
    const o = await measure(
      { files: ['telemetry/after-misses.jsonl'], metric: 'turns' },
      new Date('2026-06-01T10:03:00Z'),
    );
    expect(o).toMatchObject({ status: 'ok', value: 2, evidence: { records_after_as_of: 2 } });
  });

  it('a time range counts turns in [as_of - window, as_of)', async () => {
    // 2 minutes before 10:03:30: a3 (10:02), b2 (10:03). b1 at 10:01:30 is 2 min exactly: in.
    const v = await value({ files: A, metric: 'turns', window: '2m' }, new Date('2026-06-01T10:03:30Z'));
    expect(v).toBe(3);
  });

  it('last_turns keeps the last N turns in reading order', async () => {
    // a3 and b2: reads 4500 + 1700, input 50 + 300.
    const v = await value({ files: A, metric: 'cache_hit_ratio', last_turns: 2 });
    expect(v).toBeCloseTo(6200 / 6550, 12);
  });

  it('per: session folds per-session values (min is the worst session)', async () => {
    // a: 8500 / (8500 + 1150); b: 1700 / (1700 + 2300).
    const a = 8500 / 9650;
    const b = 1700 / 4000;
    const o = await measure({ files: A, metric: 'cache_hit_ratio', per: 'session', aggregate: 'min' });
    expect(o.status === 'ok' && o.value).toBeCloseTo(b, 12);
    // Each session with the counts its value is computed from: a reader re-derives it.
    expect(o.evidence.by_session).toMatchObject([
      { session: 'b', value: b, turns: 2, input_tokens: 2300, cache_read_tokens: 1700 },
      { session: 'a', value: a, turns: 3, input_tokens: 1150, cache_read_tokens: 8500 },
    ]);
    const mean = await measure({ files: A, metric: 'cache_hit_ratio', per: 'session', aggregate: 'mean' });
    expect(mean.status === 'ok' && mean.value).toBeCloseTo((a + b) / 2, 12);
    // A mean over more sessions than are listed: their sum and their count.
    expect(mean.evidence).toMatchObject({ sessions_counted: 2 });
    expect(mean.evidence.sum_of_session_values as number).toBeCloseTo(a + b, 12);
    expect(o.evidence.sum_of_session_values).toBeUndefined();
    // last_turns with per: session keeps the last turn of each session: a3 and b2.
    expect(
      await value({ files: A, metric: 'cache_hit_ratio', per: 'session', aggregate: 'max', last_turns: 1 }),
    ).toBeCloseTo(4500 / 4550, 12);
  });
});

describe('thin data halts', () => {
  it('fewer turns than min_turns is insufficient, never a value', async () => {
    const o = await measure({ files: A, metric: 'cache_hit_ratio', min_turns: 6 });
    expect(o).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(o.status === 'halt' && o.reason).toMatch(/5 turns in the window, fewer than min_turns 6/);
    // One turn is said as one: before 10:00:30 only a's turn 1 is recorded.
    const one = await measure({ files: A, metric: 'cache_hit_ratio', min_turns: 2 }, new Date('2026-06-01T10:00:30Z'));
    expect(one.status === 'halt' && one.reason).toBe("measurement 'm': 1 turn in the window, fewer than min_turns 2");
    const invariant = await measure(
      { files: A, metric: 'compaction_cache_breaks', min_turns: 2 },
      new Date('2026-06-01T10:00:30Z'),
    );
    expect(invariant.status === 'halt' && invariant.reason).toBe(
      "measurement 'm': 1 turn in the window, fewer than min_turns 2",
    );
  });

  it('turns that sent no token at all give no ratio: the request rate halts as the others do, never 0', async () => {
    const turn = (session: string, n: number, read: number) =>
      `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T10:0${n}:00Z`, usage: { input_tokens: read ? 100 : 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: read } })}\n`;
    const dir = join(root, 'no-tokens');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'zero.jsonl'), turn('z', 1, 0) + turn('z', 2, 0) + turn('z', 3, 0));
    const files = ['no-tokens/zero.jsonl'];
    for (const metric of [
      'cache_hit_ratio',
      'cache_hit_ratio_token_weighted',
      'cache_hit_request_rate',
      'cache_cost_multiplier',
    ] as const) {
      for (const per of ['all', 'session'] as const) {
        const o = await measure({ files, metric, per });
        expect(o, `${metric} per ${per}`).toMatchObject({ status: 'halt', halt: 'insufficient' });
        expect(o.status === 'halt' && o.reason, `${metric} per ${per}`).toContain('no input tokens in the window');
      }
    }
    // Beside a session that sent tokens, the window's rate is the share of its turns as before.
    writeFileSync(join(dir, 'some.jsonl'), turn('s', 1, 1000));
    expect(await value({ files: ['no-tokens/*.jsonl'], metric: 'cache_hit_request_rate' })).toBe(0.25);
  });

  it('per session: sessions below min_turns are left out, and too few sessions halt', async () => {
    const o = await measure({ files: A, metric: 'cache_hit_ratio', per: 'session', min_turns: 3, min_sessions: 2 });
    expect(o).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(o.evidence.sessions_excluded).toEqual(['b: 2 turns']);
    const early = await measure(
      { files: A, metric: 'cache_hit_ratio', per: 'session', min_turns: 2 },
      new Date('2026-06-01T10:01:45Z'),
    );
    expect(early.evidence.sessions_excluded).toEqual(['b: 1 turn']);
  });

  it('an empty window is missing, not thin: never started or went dark, worded as the SQL source says it', async () => {
    // Before the first turn: the files start later, so as of then the channel never started.
    const before = await measure({ files: A, metric: 'cache_hit_ratio' }, new Date('2026-05-01T00:00:00Z'));
    expect(before).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(before.status === 'halt' && before.reason).toBe(
      "measurement 'm': never started: no turns ever in the files before as_of; their first turn is at 2026-06-01T10:00:00.000Z, after as_of",
    );
    expect(before.evidence).toMatchObject({
      turns: 0,
      channel: 'never_started',
      first_turn_after_as_of: '2026-06-01T10:00:00.000Z',
    });
    // The turns are older than the window: the log went dark, an alarm rather than a quiet zero.
    const quiet = await measure(
      { files: A, metric: 'cache_hit_ratio', window: '1d' },
      new Date('2026-06-05T00:00:00Z'),
    );
    expect(quiet).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(quiet.status === 'halt' && quiet.reason).toBe(
      "measurement 'm': went dark: no turns in the 1d window; the files' last turn was at 2026-06-01T10:03:00.000Z, 3d 13h before as_of",
    );
    expect(quiet.evidence).toMatchObject({
      turns: 0,
      channel: 'went_dark',
      newest_turn_at: '2026-06-01T10:03:00.000Z',
    });
    // A window that holds turns carries no channel: the channel is said of an empty window only.
    const live = await measure({ files: A, metric: 'cache_hit_ratio' });
    expect(live.evidence.channel).toBeUndefined();
    // Per session and for an invariant alike: no session and nothing checked is no measurement either.
    for (const t of [
      { files: A, metric: 'cache_hit_ratio', per: 'session', min_sessions: 2 },
      { files: A, metric: 'compaction_cache_breaks', min_turns: 5 },
      { files: A, metric: 'turns_over_breakpoint_limit' },
    ] as TelemetrySpec[]) {
      const o = await measure(t, new Date('2026-05-01T00:00:00Z'));
      expect(o, t.metric).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(o.status === 'halt' && o.reason, t.metric).toMatch(
        /never started: no turns ever in the files before as_of; their first turn is at/,
      );
    }
    // One turn, below min_turns, stays thin.
    const thin = await measure({ files: A, metric: 'cache_hit_ratio', min_turns: 2 }, new Date('2026-06-01T10:00:30Z'));
    expect(thin).toMatchObject({ status: 'halt', halt: 'insufficient' });
  });

  it('a linked file matches a glob like a plain one', async () => {
    mkdirSync(join(root, 'linked'), { recursive: true });
    symlinkSync(join(root, 'telemetry', 'anthropic.jsonl'), join(root, 'linked', 'usage.jsonl'));
    expect(await value({ files: ['linked/*.jsonl'], metric: 'turns' })).toBe(5);
  });

  it('no matching file is missing', async () => {
    const o = await measure({ files: ['telemetry/nothing-*.jsonl'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
  });

  it('a file named without a glob that does not exist is missing, even beside files that do', async () => {
    const o = await measure({ files: [...A, 'telemetry/rotated.jsonl'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' && o.reason).toMatch(/telemetry file telemetry\/rotated\.jsonl does not exist/);
    // A glob that matches nothing beside one that does is not that: globs name what may be there.
    expect(await value({ files: [...A, 'telemetry/rotated-*.jsonl'], metric: 'turns' })).toBeGreaterThan(0);
    // Alone, or beside a glob that matches nothing either, it is still said not to exist.
    for (const files of [['telemetry/rotated.jsonl'], ['telemetry/rotated.jsonl', 'telemetry/nothing-*.jsonl']]) {
      const alone = await measure({ files, metric: 'turns' });
      expect(alone.status === 'halt' && alone.reason).toMatch(
        /telemetry file telemetry\/rotated\.jsonl does not exist/,
      );
    }
  });

  it('a folder named without a glob is missing, and said to be a folder, alone or beside files', async () => {
    for (const files of [['telemetry'], [...A, 'telemetry/']]) {
      const o = await measure({ files, metric: 'turns' });
      expect(o, files.join()).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(o.status === 'halt' && o.reason, files.join()).toMatch(
        /telemetry\/? is a folder, not a telemetry file: name the files in it with a glob, such as telemetry\/\*\*\/\*\.jsonl/,
      );
    }
  });

  it('a named pipe or a device named without a glob is said to be one, not "does not exist"', async () => {
    execFileSync('mkfifo', [join(root, 'telemetry', 'pipe.jsonl')]);
    for (const [files, what] of [
      [[...A, 'telemetry/pipe.jsonl'], 'telemetry/pipe.jsonl is a named pipe'],
      [['/dev/null'], '/dev/null is a device'],
    ] as const) {
      const o = await measure({ files: [...files], metric: 'turns' });
      expect(o, what).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(o.status === 'halt' && o.reason, what).toBe(
        `measurement 'm': ${what}, not a telemetry file: name the file the telemetry is written to`,
      );
    }
  });

  it('a named pipe a glob matches is skipped and named in the evidence, never opened; alone it is no file, and halts missing', async () => {
    mkdirSync(join(root, 'piped'), { recursive: true });
    copyFileSync(join(FIX, 'anthropic.jsonl'), join(root, 'piped', 'a.jsonl'));
    execFileSync('mkfifo', [join(root, 'piped', 'b.jsonl')]);
    const skipped = 'piped/b.jsonl, matched by piped/*.jsonl, is a named pipe, not a regular file: not read';
    const o = await measure({ files: ['piped/*.jsonl'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'ok', value: await value({ files: A, metric: 'turns' }) });
    expect(o.evidence.skipped_files).toEqual([skipped]);
    expect(o.evidence.read).toEqual([expect.objectContaining({ path: 'piped/a.jsonl' })]);
    const alone = await measure({ files: ['piped/b*.jsonl'], metric: 'turns' });
    expect(alone).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(alone.status === 'halt' && alone.reason).toBe(
      "measurement 'm': no telemetry file matches piped/b*.jsonl: piped/b.jsonl, matched by piped/b*.jsonl, is a named pipe, not a regular file: not read",
    );
    expect(alone.evidence.skipped_files).toEqual([skipped.replace('piped/*.jsonl', 'piped/b*.jsonl')]);
  });

  it('a link a glob matches that leads nowhere (its target gone, a loop) is missing, even beside files that read', async () => {
    mkdirSync(join(root, 'dangling'), { recursive: true });
    copyFileSync(join(FIX, 'anthropic.jsonl'), join(root, 'dangling', 'a.jsonl'));
    symlinkSync('rotated.jsonl', join(root, 'dangling', 'b.jsonl'));
    const o = await measure({ files: ['dangling/*.jsonl'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' && o.reason).toBe(
      "measurement 'm': telemetry file dangling/b.jsonl, matched by dangling/*.jsonl, is a link to rotated.jsonl, which does not exist: the turns it should hold cannot be read",
    );
    symlinkSync('loop.jsonl', join(root, 'dangling', 'loop.jsonl'));
    const both = await measure({ files: ['dangling/**/*.jsonl'], metric: 'turns' });
    expect(both.status === 'halt' && both.reason).toMatch(
      /is a link to rotated\.jsonl, which does not exist \(and 1 more\)/,
    );
    expect(both.evidence.unreadable_files).toEqual([
      'dangling/b.jsonl: a link to rotated.jsonl, which does not exist',
      'dangling/loop.jsonl: a link to loop.jsonl that cannot be followed (ELOOP)',
    ]);
    // Alone, it is still the cause named, not "no file matches".
    const alone = await measure({ files: ['dangling/b.*'], metric: 'turns' });
    expect(alone.status === 'halt' && alone.reason).toMatch(
      /dangling\/b\.jsonl, matched by dangling\/b\.\*, is a link/,
    );
  });

  it('a link that leads nowhere where the glob could find files in a folder is missing; one it could not is passed over', async () => {
    mkdirSync(join(root, 'volumes'), { recursive: true });
    copyFileSync(join(FIX, 'anthropic.jsonl'), join(root, 'volumes', 'a.jsonl'));
    symlinkSync('/nonexistent/rfcgate-volume', join(root, 'volumes', 'mnt'));
    const o = await measure({ files: ['volumes/**/*.jsonl'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' && o.reason).toBe(
      "measurement 'm': volumes/mnt, where volumes/**/*.jsonl could match files, is a link to /nonexistent/rfcgate-volume, which does not exist: the turns it should hold cannot be read",
    );
    expect(await value({ files: ['volumes/*.jsonl'], metric: 'turns' })).toBe(5);
    expect(await value({ files: ['volumes/mnt*.jsonl', 'volumes/a.jsonl'], metric: 'turns' })).toBe(5);
  });

  it('an old newest turn is stale under max_age', async () => {
    const o = await measure({ files: A, metric: 'turns', max_age: '1h' });
    expect(o).toMatchObject({ status: 'halt', halt: 'stale' });
    // What a verifier needs to re-derive it: the newest turn and the limit, beside as_of.
    const newest = o.status === 'halt' ? /the newest turn \((\S+)\) is /.exec(o.reason)?.[1] : undefined;
    expect(newest).toBeDefined();
    // Its age, as the SQL source says a stale row's.
    expect(o.status === 'halt' && o.reason).toMatch(/\) is 13h 57m old, older than max_age 1h$/);
    expect(o.evidence).toMatchObject({ newest_turn_at: newest, max_age: '1h', as_of: AS_OF.toISOString() });
    expect(await value({ files: A, metric: 'turns', max_age: '1d' })).toBe(5);
  });
});

describe('miss attribution', () => {
  const I = ['telemetry/invariants.jsonl'];
  it('counts misses by source from fork-trace records', async () => {
    // Session c of the fixture: every turn of it that read nothing has a trace.
    const c = readFileSync(join(FIX, 'invariants.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"session_id":"c"'))
      .join('\n');
    writeFileSync(join(root, 'telemetry', 'invariants-c.jsonl'), `${c}\n`);
    const C = ['telemetry/invariants-c.jsonl'];
    expect(await value({ files: C, metric: 'misses_message_prefix' })).toBe(2);
    expect(await value({ files: C, metric: 'misses_tools' })).toBe(1);
    expect(await value({ files: C, metric: 'misses_model' })).toBe(1);
    expect(await value({ files: C, metric: 'misses_system_prompt' })).toBe(0);
    expect(await value({ files: C, metric: 'misses_total' })).toBe(4);
    // Session d's turn 2 read nothing a minute after turn 1 and no trace says why: its miss
    // may be any source's, so no count over the window is known.
    for (const metric of ['misses_total', 'misses_tools'] as const) {
      const o = await measure({ files: I, metric });
      expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(o.status === 'halt' && o.reason).toMatch(
        /the misses of 1 session are not known.*: d: 1 turn read nothing/,
      );
    }
  });

  it('halts missing when no fork-trace record exists, since zero would mean nothing', async () => {
    expect(await measure({ files: A, metric: 'misses_total' })).toMatchObject({ status: 'halt', halt: 'missing' });
  });

  it('per session: a session that missed nothing needs no trace; one that read nothing with none halts', async () => {
    const turn = (session: string, n: number, minute: number, read: number) =>
      `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T10:${String(minute).padStart(2, '0')}:00Z`, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 1000, cache_read_input_tokens: read } })}\n`;
    const trace = (session: string, n: number, misses: string[]) =>
      `${JSON.stringify({ type: 'fork_trace', session_id: session, turn: n, ts: '2026-06-01T10:30:00Z', misses })}\n`;
    const dir = join(root, 'session-misses');
    mkdirSync(dir, { recursive: true });
    // Every session's first turn writes the prefix: nothing before it to miss.
    writeFileSync(
      join(dir, 'traced.jsonl'),
      // hit reads the cache on every later turn; traced misses once, and a trace says why;
      // idle reads nothing only after 20 minutes unused: the cache may have expired.
      turn('hit', 1, 0, 0) +
        turn('hit', 2, 1, 1000) +
        turn('hit', 3, 2, 1000) +
        turn('traced', 1, 0, 0) +
        turn('traced', 2, 1, 0) +
        trace('traced', 2, ['tools']) +
        turn('traced', 3, 2, 1000) +
        turn('idle', 1, 0, 0) +
        turn('idle', 2, 1, 1000) +
        turn('idle', 3, 21, 0),
    );
    const files = ['session-misses/traced.jsonl'];
    // The last N turns are known only at the end of the pass, a time window's turns at once.
    const kept = await measure({ files, metric: 'misses_total', per: 'session', aggregate: 'max', last_turns: 3 });
    expect(kept.status === 'ok' && kept.value).toBe(1);
    expect(kept.evidence.turns_read_nothing).toBe(1);
    const max = await measure({ files, metric: 'misses_total', per: 'session', aggregate: 'max' });
    expect(max.status === 'ok' && max.value).toBe(1);
    expect(max.evidence.turns_read_nothing).toBe(1);
    expect(max.evidence.sessions_counted).toBe(3);
    expect(await value({ files, metric: 'misses_total', per: 'session', aggregate: 'min' })).toBe(0);
    const hit = (max.evidence.by_session as { session: string }[]).find((b) => b.session === 'hit');
    expect(hit).toMatchObject({ value: 0, turns: 3, turns_read_nothing: 0 });

    // A turn that read nothing a minute after the one before, with no trace in its session:
    // its miss is unexplained, whichever of the two turns is read first.
    writeFileSync(join(dir, 'untraced.jsonl'), turn('untraced', 1, 0, 0) + turn('untraced', 2, 1, 0));
    writeFileSync(join(dir, 'reversed.jsonl'), turn('reversed', 2, 1, 0) + turn('reversed', 1, 0, 0));
    // Numbered from 0, turn 1 read first: turn 0 is the one that comes later.
    writeFileSync(join(dir, 'zero.jsonl'), turn('zero', 1, 1, 0) + turn('zero', 0, 0, 0));
    for (const [extra, window] of [
      ['untraced', {}],
      ['reversed', {}],
      ['untraced', { last_turns: 3 }],
      ['reversed', { last_turns: 3 }],
      ['zero', {}],
      ['zero', { last_turns: 3 }],
    ] as const) {
      const o = await measure({
        files: [...files, `session-misses/${extra}.jsonl`],
        metric: 'misses_total',
        per: 'session',
        aggregate: 'max',
        ...window,
      });
      expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(o.evidence.sessions_without_value).toEqual([
        `${extra}: 1 turn read nothing from the cache within its lifetime, and no fork trace says why`,
      ]);
      // Over all sessions the misses are the sessions' sum: one session's unknown misses leave
      // it unknown, where the traces of the others would have made it look known (1).
      const all = await measure({
        files: [...files, `session-misses/${extra}.jsonl`],
        metric: 'misses_total',
        ...window,
      });
      expect(all).toMatchObject({ status: 'halt', halt: 'missing' });
      // The last 3 turns overall are idle's third and the extra session's: no trace among them.
      if (!('last_turns' in window))
        expect(all.status === 'halt' && all.reason).toBe(
          `measurement 'm': the misses of 1 session are not known, so their sum over the window is not: ${extra}: 1 turn read nothing from the cache within its lifetime, and no fork trace says why`,
        );
    }
    expect(await value({ files, metric: 'misses_total' })).toBe(1);
    expect(await value({ files, metric: 'misses_total', last_turns: 9 })).toBe(1);
    // With no trace in any session, attribution is not being recorded at all.
    const none = await measure({ files: A, metric: 'misses_total', per: 'session' });
    expect(none.status === 'halt' && none.reason).toMatch(/no fork-trace record in the window/);
  });
});

describe('a writer stamping ts in epoch microseconds', () => {
  it('is a malformed writer, not turns after as_of left out of the window without a word', async () => {
    const line = (session: string, n: number, ts: number, read: number) =>
      `${JSON.stringify({ session_id: session, turn: n, ts, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 900, cache_read_input_tokens: read } })}\n`;
    const dir = join(root, 'micros');
    mkdirSync(dir, { recursive: true });
    const t0 = Date.parse('2026-06-01T10:00:00Z');
    // One writer in milliseconds, hitting the cache; another in microseconds, missing it.
    writeFileSync(join(dir, 'a.jsonl'), [1, 2, 3].map((n) => line('ms', n, t0 + n * 60_000, n > 1 ? 900 : 0)).join(''));
    writeFileSync(join(dir, 'b.jsonl'), [1, 2, 3].map((n) => line('us', n, (t0 + n * 60_000) * 1000, 0)).join(''));
    const o = await measure({ files: ['micros/*.jsonl'], metric: 'cache_hit_ratio' });
    expect(o).toMatchObject({ status: 'halt', halt: 'error' });
    expect(o.status === 'halt' && o.reason).toBe(
      "measurement 'm': micros/b.jsonl is mostly malformed (3 of 3 records), first at micros/b.jsonl:1: ts 1780308060000000 looks like microseconds since the epoch (2026-06-01T10:01:00.000Z); write epoch milliseconds or an ISO-8601 instant; a ratio from what is left would mislead",
    );
    expect(o.evidence.records_after_as_of).toBeUndefined();
  });
});

describe("a fork trace explains its own turn's miss, not the session's others", () => {
  it('halts missing when a traced session has a read of nothing no trace of that turn names a source for', async () => {
    const turn = (n: number, read: number) =>
      `${JSON.stringify({ session_id: 'mixed', turn: n, ts: `2026-06-01T10:0${n}:00Z`, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 1000, cache_read_input_tokens: read } })}\n`;
    const trace = (n: number, misses: string[]) =>
      `${JSON.stringify({ type: 'fork_trace', session_id: 'mixed', turn: n, ts: `2026-06-01T10:0${n}:00Z`, misses })}\n`;
    const dir = join(root, 'traced-and-not');
    mkdirSync(dir, { recursive: true });
    // Turn 2 missed and its trace blames the tools; turns 4 and 5 read nothing a minute after
    // the turn before, and no trace of theirs says why: they may be message-prefix misses.
    writeFileSync(
      join(dir, 'a.jsonl'),
      turn(1, 0) + turn(2, 0) + trace(2, ['tools']) + turn(3, 1000) + turn(4, 0) + turn(5, 0) + trace(5, []),
    );
    const files = ['traced-and-not/a.jsonl'];
    const why =
      'mixed: 2 turns read nothing from the cache within its lifetime, and no fork trace says why, though fork traces of its other turns name theirs';
    for (const window of [{}, { window: '1d' }, { last_turns: 5 }] as const) {
      for (const metric of ['misses_message_prefix', 'misses_tools', 'misses_total'] as const) {
        const all = await measure({ files, metric, ...window });
        expect(all, `${metric} ${JSON.stringify(window)}`).toMatchObject({ status: 'halt', halt: 'missing' });
        expect(all.status === 'halt' && all.reason).toBe(
          `measurement 'm': the misses of 1 session are not known, so their sum over the window is not: ${why}`,
        );
        expect(all.evidence.turns_read_nothing).toBe(3);
        const per = await measure({ files, metric, per: 'session', ...window });
        expect(per).toMatchObject({ status: 'halt', halt: 'missing' });
        expect(per.evidence.sessions_without_value).toEqual([why]);
      }
    }
    // Its last two turns hold only turn 5's miss; turn 2's trace is outside them.
    expect((await measure({ files, metric: 'misses_total', last_turns: 2 })).status).toBe('halt');
    // Once each read of nothing has a trace of its own naming a source, the count is known.
    writeFileSync(join(dir, 'b.jsonl'), trace(4, ['message_prefix']) + trace(5, ['message_prefix']));
    const both = ['traced-and-not/a.jsonl', 'traced-and-not/b.jsonl'];
    expect(await value({ files: both, metric: 'misses_message_prefix' })).toBe(2);
    expect(await value({ files: both, metric: 'misses_total', per: 'session', aggregate: 'max' })).toBe(3);
  });
});

describe('fork traces naming no source', () => {
  it('a trace with misses: [] attributes nothing: a turn that read nothing stays unexplained', async () => {
    const turn = (session: string, n: number, read: number) =>
      `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T10:0${n}:00Z`, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 1000, cache_read_input_tokens: read } })}\n`;
    const trace = (session: string, n: number, misses: string[]) =>
      `${JSON.stringify({ type: 'fork_trace', session_id: session, turn: n, ts: `2026-06-01T10:0${n}:00Z`, misses })}\n`;
    const dir = join(root, 'empty-traces');
    mkdirSync(dir, { recursive: true });
    // A writer that traces every turn: `named` says why its turn 2 missed; `empty` read nothing
    // on its turn 2 a minute after turn 1, and its trace of that turn names no source.
    writeFileSync(
      join(dir, 'a.jsonl'),
      turn('named', 1, 0) +
        trace('named', 1, []) +
        turn('named', 2, 0) +
        trace('named', 2, ['tools']) +
        turn('empty', 1, 0) +
        trace('empty', 1, []) +
        turn('empty', 2, 0) +
        trace('empty', 2, []) +
        turn('empty', 3, 1000) +
        trace('empty', 3, []),
    );
    const files = ['empty-traces/a.jsonl'];
    const why = 'empty: 1 turn read nothing from the cache within its lifetime, and no fork trace says why';
    const max = await measure({ files, metric: 'misses_total', per: 'session', aggregate: 'max' });
    expect(max).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(max.evidence.sessions_without_value).toEqual([why]);
    const all = await measure({ files, metric: 'misses_tools' });
    expect(all.status === 'halt' && all.reason).toBe(
      `measurement 'm': the misses of 1 session are not known, so their sum over the window is not: ${why}`,
    );
    // Empty traces still show that traces are written: a session that missed nothing counts 0.
    writeFileSync(
      join(dir, 'b.jsonl'),
      turn('quiet', 1, 0) + trace('quiet', 1, []) + turn('quiet', 2, 1000) + trace('quiet', 2, []),
    );
    expect(
      await value({ files: ['empty-traces/b.jsonl'], metric: 'misses_total', per: 'session', aggregate: 'max' }),
    ).toBe(0);
    expect(await value({ files: ['empty-traces/b.jsonl'], metric: 'misses_total' })).toBe(0);
  });
});

describe("the Messages API's diagnosis of a miss, logged beside a usage record", () => {
  // dm: a compaction (turn 2), then turn 3 read nothing a minute later: messages_changed.
  // du: a compaction, then turn 3 read nothing 19 minutes later: unavailable (no diagnosis).
  // dp: a compaction, then turn 3 read nothing 19 minutes later: messages_changed.
  // ds: system_changed (2), tools_changed (3), model_changed (4), previous_message_not_found (5),
  // system_changed beside misses ["tools"] (6), a type no source stands for (7); 8 to 10 malformed.
  const D = ['telemetry/diagnostics.jsonl'];

  it('counts the misses it names by source', async () => {
    // ds's turn 7 read nothing for a reason no source stands for: its miss is not attributed,
    // so the window's misses are not known while it is in it (see below). Without it:
    const dir = join(root, 'diagnosed');
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync(join(FIX, 'diagnostics.jsonl'), 'utf8').split('\n');
    writeFileSync(join(dir, 'named.jsonl'), lines.filter((_, i) => i !== 15).join('\n'));
    const N = ['diagnosed/named.jsonl'];
    const byHand = { message_prefix: 2, system_prompt: 2, tools: 2, model: 1, child_directive: 0 };
    for (const [source, n] of Object.entries(byHand)) {
      expect(await value({ files: N, metric: `misses_${source}` } as TelemetrySpec), source).toBe(n);
    }
    expect(await value({ files: N, metric: 'misses_total' })).toBe(7);
    const o = await measure({ files: N, metric: 'misses_total' });
    // Every usage record carrying a diagnosis is a traced turn, a pending one (null) too:
    // dm 2 and 3, du 3, dp 3, ds 1 to 6.
    expect(o.evidence.fork_traces).toBe(10);
    expect(o.evidence.turns).toBe(15);
    // With it, the other turns' diagnoses do not explain its miss.
    const all = await measure({ files: D, metric: 'misses_total' });
    expect(all).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(all.status === 'halt' && all.reason).toMatch(
      /the misses of 1 session are not known, so their sum over the window is not: ds: 1 turn read nothing from the cache within its lifetime, and no fork trace says why, though fork traces of its other turns name theirs; 1 traced turn carries a diagnostics.cache_miss_reason type no miss source stands for \("speed_changed"/,
    );
  });

  it('fires the compaction invariant on messages_changed after a compaction, and not on unavailable', async () => {
    const o = await measure({ files: D, metric: 'compaction_cache_breaks' });
    expect(o.status === 'ok' && o.value).toBe(2);
    expect(o.evidence.compaction_turns_checked).toBe(2);
    // du's read of nothing came after the cache's lifetime, and no diagnosis says why: it may have expired.
    expect(o.evidence.compaction_turns_past_cache_lifetime).toBe(1);
    expect(o.evidence.violations).toEqual([
      { session: 'dm', turn: 2, missed_turn: 3, cause: 'message_prefix miss', file: D[0], line: 3 },
      { session: 'dp', turn: 2, missed_turn: 3, cause: 'message_prefix miss', file: D[0], line: 9 },
    ]);
  });

  it('unavailable is no diagnosis: a read of nothing within the lifetime is judged as unexplained', async () => {
    const dir = join(root, 'diagnosed');
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync(join(FIX, 'diagnostics.jsonl'), 'utf8').split('\n');
    // du's turn 3 a minute after the compaction instead.
    const du = (lines.slice(3, 6).join('\n') + '\n').replace('14:20:00Z', '14:02:00Z');
    writeFileSync(join(dir, 'du.jsonl'), du);
    const o = await measure({ files: ['diagnosed/du.jsonl'], metric: 'compaction_cache_breaks' });
    expect(o.status === 'ok' && o.value).toBe(1);
    expect(o.evidence.violations).toEqual([
      { session: 'du', turn: 2, missed_turn: 3, cause: 'no cache read', file: 'diagnosed/du.jsonl', line: 3 },
    ]);
    // And its miss stays unexplained: the session's misses are not known.
    const misses = await measure({ files: ['diagnosed/du.jsonl'], metric: 'misses_total' });
    expect(misses).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(misses.status === 'halt' && misses.reason).toMatch(
      /1 turn read nothing from the cache within its lifetime, and no fork trace says why/,
    );
  });

  it('a reason no source stands for is counted and named, where it may be why a miss is unexplained', async () => {
    const o = await measure({ files: D, metric: 'misses_total' });
    expect(o.evidence.unknown_cache_miss_reason).toEqual({ type: 'speed_changed', turns: 1, first_at: `${D[0]}:16` });
    const dir = join(root, 'diagnosed');
    mkdirSync(dir, { recursive: true });
    const lines = readFileSync(join(FIX, 'diagnostics.jsonl'), 'utf8').split('\n');
    // ds's turn 1, and its turn 7 as turn 2 a minute later: it read nothing, for a reason not known here.
    writeFileSync(
      join(dir, 'unknown.jsonl'),
      `${lines[9]}\n${lines[15]?.replace('"turn":7,"ts":"2026-06-01T14:36:00Z","model":"claude-opus-4-1"', '"turn":2,"ts":"2026-06-01T14:31:00Z","model":"claude-sonnet-4-5"')}\n`,
    );
    const unknown = await measure({ files: ['diagnosed/unknown.jsonl'], metric: 'misses_total' });
    expect(unknown).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(unknown.status === 'halt' && unknown.reason).toBe(
      'measurement \'m\': 1 turn read nothing from the cache within its lifetime, and no fork trace says why; 1 traced turn carries a diagnostics.cache_miss_reason type no miss source stands for ("speed_changed", first at diagnosed/unknown.jsonl:2), read as naming none',
    );
    // Without one, none is named.
    expect((await measure({ files: A, metric: 'misses_total' })).evidence.unknown_cache_miss_reason).toBeUndefined();
  });

  it('malformed diagnoses are malformed lines, named with their reason', async () => {
    const o = await measure({ files: D, metric: 'turns' });
    expect(o.status === 'ok' && o.value).toBe(16);
    expect(o.evidence.malformed).toBe(3);
    expect(o.evidence.malformed_lines).toEqual([
      `${D[0]}:17: diagnostics is the text "tools_changed", not an object or null`,
      `${D[0]}:18: diagnostics.cache_miss_reason.type is 7, not a string`,
      `${D[0]}:19: diagnostics has no cache_miss_reason; the API writes one, null while its diagnosis is pending`,
    ]);
  });
});

describe('invariants', () => {
  const I = ['telemetry/invariants.jsonl'];
  it('compaction is cache-stable: fires on a message_prefix miss or a read of nothing right after compaction', async () => {
    const o = await measure({ files: I, metric: 'compaction_cache_breaks' });
    expect(o.status).toBe('ok');
    expect(o.status === 'ok' && o.value).toBe(2);
    expect(o.evidence.compaction_turns_checked).toBe(3);
    expect(o.evidence.compaction_turns_awaiting_next_turn).toBe(1);
    expect(o.evidence.violations).toEqual([
      {
        session: 'c',
        turn: 4,
        missed_turn: 5,
        cause: 'message_prefix miss',
        file: 'telemetry/invariants.jsonl',
        line: 6,
      },
      { session: 'd', turn: 1, missed_turn: 2, cause: 'no cache read', file: 'telemetry/invariants.jsonl', line: 13 },
    ]);
  });

  it('results injected after the breakpoint: fires on an injection turn that missed its prefix', async () => {
    const o = await measure({ files: I, metric: 'injection_cache_breaks' });
    expect(o.status === 'ok' && o.value).toBe(1);
    // c8 read nothing too, but its fork trace blames the model, not the injection.
    expect(o.evidence.violations).toEqual([
      {
        session: 'c',
        turn: 7,
        missed_turn: 7,
        cause: 'message_prefix miss',
        file: 'telemetry/invariants.jsonl',
        line: 8,
      },
    ]);
  });

  it('does not fire when the turn after compaction reads the prefix', async () => {
    // Up to 12:03 only c2 → c3 was a compaction, and c3 read the cached prefix.
    const o = await measure({ files: I, metric: 'compaction_cache_breaks' }, new Date('2026-06-01T12:03:00Z'));
    expect(o.status === 'ok' && o.value).toBe(0);
    expect(o.evidence.compaction_turns_checked).toBe(1);
    const inj = await measure({ files: I, metric: 'injection_cache_breaks' }, new Date('2026-06-01T12:06:00Z'));
    expect(inj.status === 'ok' && inj.value).toBe(0);
    expect(inj.evidence.injection_turns_checked).toBe(1);
  });

  it('halts insufficient when no compaction was exercised: zero violations from nothing checked is not clean', async () => {
    const o = await measure({ files: A, metric: 'compaction_cache_breaks' });
    expect(o).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(o.status === 'halt' && o.reason).toMatch(/invariant was not exercised/);
    const more = await measure({ files: I, metric: 'compaction_cache_breaks', min_events: 4 });
    expect(more).toMatchObject({ status: 'halt', halt: 'insufficient' });
  });

  it('a halt on thin data still names the violations it saw: a broken cache is never hidden behind "too few"', async () => {
    const first =
      '2 violations seen all the same, first session c turn 4 (compaction): turn 5 missed the cached message prefix (telemetry/invariants.jsonl:6)';
    const thin = await measure({ files: I, metric: 'compaction_cache_breaks', min_turns: 100 });
    expect(thin).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(thin.status === 'halt' && thin.reason).toBe(
      `measurement 'm': 11 turns in the window, fewer than min_turns 100; ${first}`,
    );
    expect(thin.evidence.compaction_turns_checked).toBe(3);
    expect((thin.evidence.violations as unknown[]).length).toBe(2);
    // Three compactions judged, two of them broken: not "the invariant was not exercised".
    const few = await measure({ files: I, metric: 'compaction_cache_breaks', min_events: 4 });
    expect(few.status === 'halt' && few.reason).toBe(
      `measurement 'm': 3 compaction turns checked in the window (1 more still await their next turn: they cannot be judged), fewer than min_events 4: too few were judged to give a count; ${first}`,
    );
    const injection = await measure({ files: I, metric: 'injection_cache_breaks', min_turns: 100 });
    expect(injection.status === 'halt' && injection.reason).toMatch(
      /; 1 violation seen all the same, first session c turn 7 \(injection\) missed the cached message prefix \(telemetry\/invariants\.jsonl:8\)$/,
    );
  });
});

describe('records without a cache counter', () => {
  // OTel spans whose instrumentation records no cache attributes: the cache was not measured.
  const U = ['telemetry/uncounted.jsonl'];
  const span = (session: string, n: number, minute: number, extra: object = {}) =>
    `${JSON.stringify({ ts: `2026-06-01T10:${String(minute).padStart(2, '0')}:00Z`, turn: n, attributes: { 'gen_ai.conversation.id': session, 'gen_ai.usage.input_tokens': 5200 }, ...extra })}\n`;
  beforeAll(() => {
    writeFileSync(
      join(root, 'telemetry', 'uncounted.jsonl'),
      span('u', 1, 0) +
        span('u', 2, 1, { compaction: true }) +
        span('u', 3, 2) +
        span('u', 4, 3, { injection: true }) +
        span('v', 1, 0) +
        span('v', 2, 1, { compaction: true }) +
        span('v', 3, 2) +
        // v's turn 3 is explained by its trace: attribution decides where no counter can.
        `${JSON.stringify({ type: 'fork_trace', session_id: 'v', turn: 3, ts: '2026-06-01T10:02:00Z', misses: ['message_prefix'] })}\n`,
    );
  });

  it('every cache metric halts missing instead of reading 0; the turns still count', async () => {
    for (const metric of [
      'cache_hit_ratio',
      'cache_hit_ratio_token_weighted',
      'cache_hit_request_rate',
      'cache_cost_multiplier',
    ]) {
      const o = await measure({ files: U, metric });
      expect(o, metric).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(o.status === 'halt' && o.reason, metric).toMatch(/no record in the window carries a cache counter/);
      const per = await measure({ files: U, metric, per: 'session' });
      expect(per, metric).toMatchObject({ status: 'halt', halt: 'missing' });
    }
    expect(await value({ files: U, metric: 'turns' })).toBe(7);
  });

  it('a session with neither a fork trace nor a cache counter has unknown misses, not 0', async () => {
    // v is traced; u is not, and none of its turns says what it read.
    const o = await measure({ files: U, metric: 'misses_total', per: 'session', aggregate: 'max' });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' && o.reason).toMatch(/u: no fork trace and no cache counter on any turn/);
    const u = { ...emptyTotals(), turns: 4, input: 20_800 };
    const all = { ...u, forkTraces: 1 };
    expect(metricRow(u, all).misses).toBeNull();
    expect(metricRow({ ...u, cacheCounted: 1 }, all).misses).not.toBeNull();
  });

  it('an invariant decided by a turn without a counter is not judged: a trace still decides it', async () => {
    const c = await measure({ files: U, metric: 'compaction_cache_breaks' });
    // v's compaction: the trace names a message_prefix miss. u's: unknown, counted apart.
    expect(c.status === 'ok' && c.value).toBe(1);
    expect(c.evidence.compaction_turns_checked).toBe(1);
    expect(c.evidence.compaction_turns_without_cache_counter).toBe(1);
    const i = await measure({ files: U, metric: 'injection_cache_breaks' });
    expect(i).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(i.status === 'halt' && i.reason).toMatch(
      /1 more whose deciding turn carries no cache counter and no fork trace/,
    );
  });

  it("a cache counter under Anthropic's name with OpenTelemetry's prefix is named, with the name expected", async () => {
    mkdirSync(join(root, 'misnamed'), { recursive: true });
    const attrs = (n: number) => ({
      'gen_ai.conversation.id': 'm',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.usage.cache_creation_input_tokens': n === 1 ? 900 : 0,
      'gen_ai.usage.cache_read_input_tokens': n === 1 ? 0 : 900,
    });
    const ts = (n: number) => `2026-06-01T10:0${n}:00Z`;
    // Flat spans (the byte reader's shape) and the same spans in an OTLP export: named alike.
    writeFileSync(
      join(root, 'misnamed', 'flat.jsonl'),
      [1, 2, 3].map((n) => `${JSON.stringify({ ts: ts(n), turn: n, attributes: attrs(n) })}\n`).join(''),
    );
    const spans = [1, 2, 3].map((n) => ({
      traceId: 't',
      spanId: `s${n}`,
      startTimeUnixNano: `${Date.parse(ts(n))}000000`,
      attributes: Object.entries(attrs(n)).map(([k, v]) => kv(k, v)),
    }));
    writeFileSync(
      join(root, 'misnamed', 'otlp.jsonl'),
      `${JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] })}\n`,
    );
    for (const f of ['misnamed/flat.jsonl', 'misnamed/otlp.jsonl']) {
      for (const per of ['all', 'session'] as const) {
        const o = await measure({ files: [f], metric: 'cache_hit_ratio', per });
        expect(o, f).toMatchObject({ status: 'halt', halt: 'missing' });
        expect(o.status === 'halt' && o.reason, f).toMatch(
          /no record in the window carries a cache counter \(.*\): the cache was not measured, so a ratio would mean nothing; its records carry gen_ai\.usage\.cache_creation_input_tokens \(first at [a-z/]+\.jsonl:1\), which is not read as a cache counter: OpenTelemetry's GenAI conventions name it gen_ai\.usage\.cache_creation\.input_tokens, and count cached tokens in gen_ai\.usage\.input_tokens too$/,
        );
        expect(o.status === 'halt' && o.reason, f).toContain(`(first at ${f}:1)`);
      }
      // Not read as a counter: its meaning may differ from the convention's.
      expect(await value({ files: [f], metric: 'turns' })).toBe(3);
    }
    // Without such an attribute the reason stays as it was.
    const plain = await measure({ files: U, metric: 'cache_hit_ratio' });
    expect(plain.status === 'halt' && plain.reason).toMatch(/so a ratio would mean nothing$/);
  });

  it("cache counts under another convention's names, or a usage record's own, halt missing naming them and where", async () => {
    mkdirSync(join(root, 'misnamed-other'), { recursive: true });
    const ts = (n: number) => `2026-06-01T10:0${n}:00Z`;
    // OpenLLMetry's llm.usage.* beside gen_ai's counts, in the second span; and a usage record
    // whose writer named its cache counts its own way, in the second record.
    writeFileSync(
      join(root, 'misnamed-other', 'llm.jsonl'),
      [{}, { 'llm.usage.cache_read_input_tokens': 900 }, { 'llm.token_count.prompt_details.cache_write': 5 }]
        .map(
          (a, k) =>
            `${JSON.stringify({ ts: ts(k + 1), turn: k + 1, attributes: { 'gen_ai.conversation.id': 'l', 'gen_ai.usage.input_tokens': 1000, ...a } })}\n`,
        )
        .join(''),
    );
    writeFileSync(
      join(root, 'misnamed-other', 'usage.jsonl'),
      [{}, { cache_read_tokens: 900 }, { cache_write_tokens: 5 }]
        .map(
          (u, k) =>
            `${JSON.stringify({ session_id: 'u', turn: k + 1, ts: ts(k + 1), usage: { input_tokens: 100, output_tokens: 1, ...u } })}\n`,
        )
        .join(''),
    );
    const cases = [
      {
        f: 'misnamed-other/llm.jsonl',
        said: "llm.usage.cache_read_input_tokens (first at misnamed-other/llm.jsonl:2), which is not read as a cache counter: OpenTelemetry's GenAI conventions name it gen_ai.usage.cache_read.input_tokens, and count cached tokens in gen_ai.usage.input_tokens too",
      },
      {
        f: 'misnamed-other/usage.jsonl',
        said: "usage.cache_read_tokens (first at misnamed-other/usage.jsonl:2), which is not read as a cache counter: Anthropic's Messages API names it usage.cache_read_input_tokens",
      },
    ];
    for (const { f, said } of cases) {
      for (const per of ['all', 'session'] as const) {
        const o = await measure({ files: [f], metric: 'cache_hit_ratio', per });
        expect(o, f).toMatchObject({ status: 'halt', halt: 'missing' });
        expect(o.status === 'halt' && o.reason, f).toMatch(/so a ratio would mean nothing; its records carry /);
        expect(o.status === 'halt' && o.reason.endsWith(`; its records carry ${said}`), f).toBe(true);
      }
      // Not read as a counter: never a guessed meaning.
      expect(await value({ files: [f], metric: 'turns' })).toBe(3);
    }
  });
});

describe('malformed lines', () => {
  it('a mostly malformed file halts with error and names the first bad line', async () => {
    const o = await measure({ files: ['telemetry/malformed.jsonl'], metric: 'cache_hit_ratio' });
    expect(o).toMatchObject({ status: 'halt', halt: 'error' });
    expect(o.status === 'halt' && o.reason).toMatch(
      /telemetry\/malformed\.jsonl is mostly malformed \(3 of 4 records\), first at telemetry\/malformed\.jsonl:2: usage\.input_tokens/,
    );
    expect(o.evidence.malformed_lines).toEqual([
      'telemetry/malformed.jsonl:2: usage.input_tokens is null, not a whole number',
      expect.stringMatching(/^telemetry\/malformed\.jsonl:3: not JSON/),
      expect.stringMatching(/^telemetry\/malformed\.jsonl:5: not a known record shape/),
    ]);
  });

  it("the halt names the mostly malformed file's own first bad line, however many other files showed", async () => {
    const dir = join(root, 'malformed-many');
    mkdirSync(dir, { recursive: true });
    const good = readFileSync(join(FIX, 'anthropic.jsonl'), 'utf8');
    // a: not mostly malformed, but its bad lines fill the list the evidence shows.
    writeFileSync(
      join(dir, 'a.jsonl'),
      good + good.replace(/"session_id":"/g, '"session_id":"x') + 'oops\n'.repeat(10),
    );
    writeFileSync(join(dir, 'b.jsonl'), `${good.split('\n')[0]}\nbad\nbad\n`);
    const o = await measure({ files: ['malformed-many/*.jsonl'], metric: 'cache_hit_ratio' });
    expect(o).toMatchObject({ status: 'halt', halt: 'error' });
    expect(o.status === 'halt' && o.reason).toMatch(
      /malformed-many\/b\.jsonl is mostly malformed \(2 of 3 records\), first at malformed-many\/b\.jsonl:2: not JSON/,
    );
  });

  it("a file its writer has just begun, its one line half written, is listed but halts nothing: the other files' turns are read", async () => {
    const dir = join(root, 'being-written');
    mkdirSync(dir, { recursive: true });
    const good = readFileSync(join(FIX, 'anthropic.jsonl'), 'utf8');
    writeFileSync(join(dir, 'a.jsonl'), good);
    // A rotated log's first record, read while it is being appended: no newline yet.
    const first = good.split('\n')[0] as string;
    writeFileSync(join(dir, 'b.jsonl'), first.slice(0, 60));
    const o = await measure({ files: ['being-written/*.jsonl'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'ok', value: good.trim().split('\n').length });
    expect(o.evidence.malformed).toBe(1);
    expect(o.evidence.malformed_lines).toEqual([
      expect.stringMatching(
        /^being-written\/b\.jsonl:1: not JSON .*\(the file's last line, with no newline: its writer may not have finished it\)$/,
      ),
    ]);
    // A bad line with its newline is no line in the making: a file of one still halts.
    writeFileSync(join(dir, 'b.jsonl'), `${first.slice(0, 60)}\n`);
    const bad = await measure({ files: ['being-written/*.jsonl'], metric: 'turns' });
    expect(bad).toMatchObject({ status: 'halt', halt: 'error' });
    expect(bad.status === 'halt' && bad.reason).toMatch(
      /being-written\/b\.jsonl is mostly malformed \(1 of 1 records\)/,
    );
  });

  it('a file whose lines end with CR only halts saying so, and how to convert it', async () => {
    const dir = join(root, 'cr-only');
    mkdirSync(dir, { recursive: true });
    const good = readFileSync(join(FIX, 'anthropic.jsonl'), 'utf8');
    writeFileSync(join(dir, 'mac.jsonl'), good.replace(/\n/g, '\r'));
    const o = await measure({ files: ['cr-only/mac.jsonl'], metric: 'cache_hit_ratio' });
    expect(o).toMatchObject({ status: 'halt', halt: 'error' });
    expect(o.status === 'halt' && o.reason).toBe(
      "measurement 'm': cr-only/mac.jsonl is mostly malformed (1 of 1 records), first at cr-only/mac.jsonl:1: its lines end with CR only (no LF), so the whole file reads as one line: convert its line endings to LF (tr '\\r' '\\n'); a ratio from what is left would mislead",
    );
  });

  it('a UTF-16 file halts saying so, and how to convert it, not with a NUL byte on every line', async () => {
    const dir = join(root, 'utf-16');
    mkdirSync(dir, { recursive: true });
    const good = readFileSync(join(FIX, 'anthropic.jsonl'), 'utf8');
    // Windows PowerShell 5.1 writes UTF-16LE with its byte-order mark; big-endian is the other order.
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    writeFileSync(join(dir, 'ps.jsonl'), le);
    writeFileSync(join(dir, 'be.jsonl.gz'), gzipSync(be));
    for (const [file, mark] of [
      ['utf-16/ps.jsonl', 'FF FE'],
      ['utf-16/be.jsonl.gz', 'FE FF'],
    ] as const) {
      const o = await measure({ files: [file], metric: 'cache_hit_ratio' });
      expect(o).toMatchObject({ status: 'halt', halt: 'error' });
      expect(o.status === 'halt' && o.reason, file).toContain(
        `first at ${file}:1: the file is UTF-16 (it starts with the byte-order mark ${mark}), not UTF-8: convert it (iconv -f UTF-16 -t UTF-8); a ratio`,
      );
    }
  });

  it('gzip data in a file not named .gz halts saying so, not with its bytes as JSON', async () => {
    const dir = join(root, 'gzip-named');
    mkdirSync(dir, { recursive: true });
    const gz = gzipSync(readFileSync(join(FIX, 'anthropic.jsonl')));
    writeFileSync(join(dir, 'renamed.jsonl'), gz);
    writeFileSync(join(dir, 'upper.JSONL.GZ'), gz);
    for (const file of ['gzip-named/renamed.jsonl', 'gzip-named/upper.JSONL.GZ']) {
      const o = await measure({ files: [file], metric: 'cache_hit_ratio' });
      expect(o).toMatchObject({ status: 'halt', halt: 'error' });
      expect(o.status === 'halt' && o.reason, file).toMatch(
        new RegExp(
          `first at ${file.replace(/\./g, '\\.')}:\\d+: the file is gzip data \\(it starts with 1f 8b\\), but its name does not end in \\.gz \\(lower case\\), so it was read as text: rename it so; a ratio`,
        ),
      );
    }
  });

  it('a few malformed lines are counted and located, and the value still computed', async () => {
    writeFileSync(
      join(root, 'telemetry', 'mostly-good.jsonl'),
      readFileSync(join(FIX, 'anthropic.jsonl'), 'utf8') + '{"truncated":\n',
    );
    const o = await measure({ files: ['telemetry/mostly-good.jsonl'], metric: 'turns' });
    expect(o.status === 'ok' && o.value).toBe(5);
    expect(o.evidence.malformed).toBe(1);
    expect(o.evidence.malformed_lines).toEqual([expect.stringMatching(/^telemetry\/mostly-good\.jsonl:6: not JSON/)]);
  });
});

describe('one pass per window', () => {
  it('measurements over the same files and window share one read of them', async () => {
    const file = join(root, 'telemetry', 'shared.jsonl');
    writeFileSync(file, readFileSync(join(FIX, 'anthropic.jsonl')));
    const source = new TelemetryMeasurementSource();
    const ctx = { asOf: AS_OF, ref: 'HEAD', repoDir: root, manifest, signal: new AbortController().signal };
    const m = (metric: string, window?: string) =>
      ({
        id: metric,
        type: 'double',
        source: 'telemetry',
        telemetry: { files: ['telemetry/shared.jsonl'], metric, ...(window ? { window } : {}) },
        location: { file: 'x', line: 1, col: 1 },
      }) as MeasurementSpec;
    expect(await source.measure(m('turns'), ctx)).toMatchObject({ status: 'ok', value: 5 });
    // Emptied after the first pass: a second metric over the same window still sees that pass.
    writeFileSync(file, '');
    expect(await source.measure(m('cache_hit_request_rate'), ctx)).toMatchObject({ status: 'ok', value: 3 / 5 });
    // Another window is another pass, which reads the file as it is now.
    expect(await source.measure(m('turns', '30d'), ctx)).toMatchObject({ status: 'halt', halt: 'missing' });
    await source.close();
  });

  it("reports each pass's progress under its own number, so a second pass is not read as going backwards", async () => {
    const line = readFileSync(join(FIX, 'anthropic.jsonl'), 'utf8');
    // About 3 MB: several of the reader's 1 MB reads.
    writeFileSync(join(root, 'telemetry', 'passes.jsonl'), line.repeat(Math.ceil(3e6 / line.length)));
    const seen: [number, number, number][] = [];
    const source = new TelemetryMeasurementSource({ onProgress: (d, t, pass) => seen.push([d, t, pass]) });
    const ctx = { asOf: AS_OF, ref: 'HEAD', repoDir: root, manifest, signal: new AbortController().signal };
    const m = (id: string, window: string) =>
      ({
        id,
        type: 'int',
        source: 'telemetry',
        telemetry: { files: ['telemetry/passes.jsonl'], metric: 'turns', window },
        location: { file: 'x', line: 1, col: 1 },
      }) as MeasurementSpec;
    await Promise.all([
      source.measure(m('a', '7d'), ctx),
      source.measure(m('b', '1d'), ctx),
      source.measure(m('c', '7d'), ctx),
    ]);
    await source.close();
    // Two windows, two passes (c shares a's); within each pass the bytes only grow, to the whole file.
    expect([...new Set(seen.map(([, , p]) => p))].sort()).toEqual([1, 2]);
    for (const pass of [1, 2]) {
      const done = seen.filter(([, , p]) => p === pass).map(([d]) => d);
      expect(done.length, String(pass)).toBeGreaterThan(2);
      expect(done, String(pass)).toEqual([...done].sort((x, y) => x - y));
      expect(done.at(-1), String(pass)).toBe(seen[0]?.[1]);
    }
  });
});

const readPaths = (o: MeasurementOutcome) => (o.evidence.read as { path: string }[]).map((f) => f.path);

describe('a session numbered from 0', () => {
  it('a compaction at turn 0 is decided by turn 1 whichever is read first', async () => {
    const line = (turn: number, read: number, extra: object = {}) =>
      `${JSON.stringify({ session_id: 'z', turn, ts: `2026-06-01T10:0${turn}:00Z`, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 1000, cache_read_input_tokens: read }, ...extra })}\n`;
    const compaction = line(0, 0, { compaction: true });
    const broken = line(1, 0);
    mkdirSync(join(root, 'from-zero'), { recursive: true });
    for (const [name, text] of [
      ['in-order.jsonl', compaction + broken + line(2, 1000)],
      ['turn-1-first.jsonl', broken + compaction + line(2, 1000)],
      // Turn 0 last of all, after turn 2: turn 1's facts are still there to decide it.
      ['turn-0-last.jsonl', broken + line(2, 1000) + compaction],
      ['turn-0-after-3.jsonl', broken + line(2, 1000) + line(3, 1000) + compaction],
    ] as const) {
      writeFileSync(join(root, 'from-zero', name), text);
      const o = await measure({ files: [`from-zero/${name}`], metric: 'compaction_cache_breaks' });
      expect(o.status === 'ok' && o.value, name).toBe(1);
      expect(o.evidence.compaction_turns_checked, name).toBe(1);
    }
  });
});

describe('a fork trace that names no source', () => {
  it('is no attribution: a compaction followed by a read of nothing is still a break', async () => {
    const turn = (n: number, read: number, extra: object = {}) =>
      `${JSON.stringify({ session_id: 's', turn: n, ts: `2026-06-01T10:0${n}:00Z`, usage: { input_tokens: 500, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 400, cache_read_input_tokens: read }, ...extra })}\n`;
    const trace = (n: number, misses: string[]) =>
      `${JSON.stringify({ type: 'fork_trace', session_id: 's', turn: n, ts: `2026-06-01T10:0${n}:01Z`, misses })}\n`;
    mkdirSync(join(root, 'empty-trace'), { recursive: true });
    const cases = [
      ['none.jsonl', '', 1],
      ['empty.jsonl', trace(2, []), 1],
      // A source other than the prefix explains the miss: not a break of the compaction.
      ['tools.jsonl', trace(2, ['tools']), 0],
    ] as const;
    for (const [name, t, breaks] of cases) {
      writeFileSync(join(root, 'empty-trace', name), turn(1, 0, { compaction: true }) + turn(2, 0) + t);
      const o = await measure({ files: [`empty-trace/${name}`], metric: 'compaction_cache_breaks' });
      expect(o.status === 'ok' && o.value, name).toBe(breaks);
    }
  });
});

describe('which turn is which, whatever the order and the names files are read by', () => {
  const usage = (input: number, read: number, write = 0) => ({
    input_tokens: input,
    output_tokens: 1,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  });
  const line = (o: object) => `${JSON.stringify(o)}\n`;
  const turnLine = (session: string, turn: number, minute: number, read: number, extra: object = {}) =>
    line({
      session_id: session,
      turn,
      ts: `2026-06-01T10:${String(minute).padStart(2, '0')}:00Z`,
      usage: usage(100, read, read ? 0 : 1000),
      ...extra,
    });
  // Session u: a compaction its next turn reads through, so the invariant is exercised either way.
  const clean = turnLine('u', 1, 0, 0, { compaction: true }) + turnLine('u', 2, 1, 1000);

  it('a span without a turn number follows the highest turn of its session, whatever shape numbered it', async () => {
    const dir = join(root, 'order-otel');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 't.jsonl'),
      turnLine('s', 1, 0, 0) +
        turnLine('s', 2, 1, 1000, { compaction: true }) +
        // Turn 3 of s: OTel input counts the 1100 written tokens too, and it read nothing.
        line({
          ts: '2026-06-01T10:02:00Z',
          attributes: {
            'gen_ai.conversation.id': 's',
            'gen_ai.usage.input_tokens': 1200,
            'gen_ai.usage.output_tokens': 1,
            'gen_ai.usage.cache_read.input_tokens': 0,
            'gen_ai.usage.cache_creation.input_tokens': 1100,
          },
        }) +
        clean,
    );
    const o = await measure({ files: ['order-otel/t.jsonl'], metric: 'compaction_cache_breaks' });
    expect(o.status === 'ok' && o.value).toBe(1);
    expect(o.evidence.compaction_turns_checked).toBe(2);
    expect(o.evidence.violations).toEqual([
      { session: 's', turn: 2, missed_turn: 3, cause: 'no cache read', file: 'order-otel/t.jsonl', line: 3 },
    ]);
  });

  it('a span whose turn is null is one without a turn number, numbered as such', async () => {
    const dir = join(root, 'order-otel-null');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 't.jsonl'),
      turnLine('s', 1, 0, 0) +
        turnLine('s', 2, 1, 1000, { compaction: true }) +
        line({
          ts: '2026-06-01T10:02:00Z',
          turn: null,
          attributes: {
            'gen_ai.conversation.id': 's',
            'gen_ai.usage.input_tokens': 1200,
            'gen_ai.usage.cache_read.input_tokens': 0,
            'gen_ai.usage.cache_creation.input_tokens': 1100,
          },
        }) +
        clean,
    );
    const o = await measure({ files: ['order-otel-null/t.jsonl'], metric: 'compaction_cache_breaks' });
    expect(o.evidence.malformed).toBeUndefined();
    expect(o.status === 'ok' && o.value).toBe(1);
    expect(o.evidence.violations).toEqual([
      { session: 's', turn: 2, missed_turn: 3, cause: 'no cache read', file: 'order-otel-null/t.jsonl', line: 3 },
    ]);
  });

  it('spans without a turn number read out of time order are numbered by their ts: the turn after a compaction is the next in time', async () => {
    const dir = join(root, 'order-otel-time');
    mkdirSync(dir, { recursive: true });
    // An exporter writes a span when it ends: a call that started later may be read first.
    const span = (minute: number, read: number, extra: object = {}) =>
      line({
        ts: `2026-06-01T10:${String(minute).padStart(2, '0')}:00Z`,
        ...extra,
        attributes: {
          'gen_ai.conversation.id': 's',
          'gen_ai.usage.input_tokens': 1000 + read,
          'gen_ai.usage.output_tokens': 1,
          'gen_ai.usage.cache_read.input_tokens': read,
          'gen_ai.usage.cache_creation.input_tokens': 0,
        },
      });
    // In time: 10:00, 10:05, the compaction at 10:10, and 10:11, which read nothing a minute after it.
    writeFileSync(
      join(dir, 'broken.jsonl'),
      span(0, 0) + span(10, 1000, { compaction: true }) + span(5, 1000) + span(11, 0),
    );
    const broken = await measure({ files: ['order-otel-time/broken.jsonl'], metric: 'compaction_cache_breaks' });
    expect(broken.status === 'ok' && broken.value).toBe(1);
    expect(broken.evidence.violations).toEqual([
      { session: 's', turn: 3, missed_turn: 4, cause: 'no cache read', file: 'order-otel-time/broken.jsonl', line: 4 },
    ]);
    // In time: 10:00, 10:03, the compaction at 10:10, and 10:11, which read the prefix: it holds.
    writeFileSync(
      join(dir, 'holds.jsonl'),
      span(0, 0) + span(10, 1000, { compaction: true }) + span(3, 0) + span(11, 1000),
    );
    const holds = await measure({ files: ['order-otel-time/holds.jsonl'], metric: 'compaction_cache_breaks' });
    expect(holds.status === 'ok' && holds.value).toBe(0);
    expect(holds.evidence.compaction_turns_checked).toBe(1);
    // The same spans in time order read alike.
    writeFileSync(
      join(dir, 'sorted.jsonl'),
      span(0, 0) + span(3, 0) + span(10, 1000, { compaction: true }) + span(11, 1000),
    );
    const sorted = await measure({ files: ['order-otel-time/sorted.jsonl'], metric: 'compaction_cache_breaks' });
    expect(sorted.status === 'ok' && sorted.value).toBe(0);
    expect(sorted.evidence.compaction_turns_checked).toBe(1);
    // Across files too; read again to number them, the progress shown never goes back.
    writeFileSync(join(dir, 'part-1.jsonl'), span(0, 0) + span(10, 1000, { compaction: true }));
    writeFileSync(join(dir, 'part-2.jsonl'), span(3, 0) + span(11, 1000));
    const shares: number[] = [];
    const parts = await scanFiles(root, ['order-otel-time/part-1.jsonl', 'order-otel-time/part-2.jsonl'], {
      asOf: AS_OF,
      onProgress: (done, total) => shares.push(done / total),
    });
    expect(parts.invariants.compaction).toMatchObject({ checked: 1, violations: [] });
    expect(shares).toContain(1);
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
  });

  it('a span without a turn number read twice (a file beside its gzip copy) is one turn, known by its spanId', async () => {
    const dir = join(root, 'span-copies');
    mkdirSync(dir, { recursive: true });
    const ns = (minute: number) => `${Date.parse(`2026-06-01T10:0${minute}:00Z`)}000000`;
    const span = (minute: number, read: number, extra: object = {}) => ({
      traceId: 'a1',
      spanId: `b${minute}`,
      startTimeUnixNano: ns(minute),
      ...extra,
      attributes: [
        { key: 'gen_ai.conversation.id', value: { stringValue: 'c' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: String(1000 + read) } },
        { key: 'gen_ai.usage.cache_read.input_tokens', value: { intValue: String(read) } },
      ],
    });
    // As the Collector's file exporter writes them: one export per line.
    const exported = line({
      resourceSpans: [{ scopeSpans: [{ spans: [span(0, 0), span(1, 1000, { compaction: true }), span(2, 0)] }] }],
    });
    writeFileSync(join(dir, 'otlp.jsonl'), exported);
    writeFileSync(join(dir, 'otlp.jsonl.gz'), gzipSync(exported));
    const o = await measure({ files: ['span-copies/otlp.jsonl*'], metric: 'compaction_cache_breaks' });
    expect(o.evidence.turns).toBe(3);
    expect(o.evidence.compaction_turns_checked).toBe(1);
    expect(o.status === 'ok' && o.value).toBe(1);
    expect(o.evidence.duplicate_turns).toBe(3);
    expect(o.evidence.duplicate_turns_left_out).toEqual([
      'span-copies/otlp.jsonl.gz:1: session c span a1/b0 was read before',
      'span-copies/otlp.jsonl.gz:1: session c span a1/b1 was read before',
      'span-copies/otlp.jsonl.gz:1: session c span a1/b2 was read before',
    ]);
    // One span per line, with its attributes as an object: the same.
    const flat = [0, 1, 2]
      .map((minute) =>
        line({
          spanId: `f${minute}`,
          ts: `2026-06-01T10:0${minute}:00Z`,
          attributes: { 'gen_ai.conversation.id': 'd', 'gen_ai.usage.input_tokens': 10 },
        }),
      )
      .join('');
    writeFileSync(join(dir, 'flat.jsonl'), flat);
    writeFileSync(join(dir, 'flat.jsonl.gz'), gzipSync(flat));
    const f = await measure({ files: ['span-copies/flat.jsonl*'], metric: 'turns' });
    expect(f.status === 'ok' && f.value).toBe(3);
    expect(f.evidence.duplicate_turns).toBe(3);
    // Spans without an id cannot be told from turns of their own: each counts.
    writeFileSync(
      join(dir, 'anonymous.jsonl'),
      flat.replace(/"spanId":"f\d",/g, '') + flat.replace(/"spanId":"f\d",/g, ''),
    );
    const a = await measure({ files: ['span-copies/anonymous.jsonl'], metric: 'turns' });
    expect(a.status === 'ok' && a.value).toBe(6);
    // Without a span id, the completion's id (gen_ai.response.id) tells a copy from a turn of its own.
    const identified = flat
      .replace(/"spanId":"f\d",/g, '')
      .split('\n')
      .filter((l) => l !== '')
      .map((l, i) => l.replace('"attributes":{', `"attributes":{"gen_ai.response.id":"msg_${i}",`))
      .join('\n')
      .concat('\n');
    writeFileSync(join(dir, 'identified.jsonl'), identified);
    writeFileSync(join(dir, 'identified.jsonl.gz'), gzipSync(identified));
    const r = await measure({ files: ['span-copies/identified.jsonl*'], metric: 'turns' });
    expect(r.status === 'ok' && r.value).toBe(3);
    expect(r.evidence.duplicate_turns).toBe(3);
    expect(r.evidence.duplicate_turns_left_out).toContain(
      'span-copies/identified.jsonl.gz:1: session d span gen_ai.response.id msg_0 was read before',
    );
  });

  it("reads Claude Code's OTLP logs export, api_request records as turns; a gzip copy beside it counts once, known by event.sequence", async () => {
    const dir = join(root, 'claude-code');
    mkdirSync(dir, { recursive: true });
    const ns = (minute: number) => `${Date.parse(`2026-06-01T10:0${minute}:00Z`)}000000`;
    const request = (session: string, seq: number, minute: number, read: number) => ({
      timeUnixNano: ns(minute),
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        kv('session.id', session),
        kv('event.name', 'api_request'),
        kv('event.sequence', seq),
        kv('model', 'claude-sonnet-4-5-20250929'),
        kv('input_tokens', '100'),
        kv('output_tokens', '50'),
        kv('cache_read_tokens', String(read)),
        kv('cache_creation_tokens', '0'),
      ],
    });
    const prompt = (session: string, seq: number, minute: number) => ({
      timeUnixNano: ns(minute),
      body: { stringValue: 'claude_code.user_prompt' },
      attributes: [kv('session.id', session), kv('event.name', 'user_prompt'), kv('event.sequence', seq)],
    });
    // As the Collector's file exporter writes Claude Code's events: one export per line.
    const exported =
      line({
        resourceLogs: [
          { scopeLogs: [{ logRecords: [prompt('a', 0, 0), request('a', 1, 0, 0), request('a', 2, 1, 900)] }] },
        ],
      }) + line({ resourceLogs: [{ scopeLogs: [{ logRecords: [prompt('b', 0, 2), request('b', 1, 2, 300)] }] }] });
    writeFileSync(join(dir, 'events.jsonl'), exported);
    writeFileSync(join(dir, 'events.jsonl.gz'), gzipSync(exported));
    const o = await measure({ files: ['claude-code/events.jsonl*'], metric: 'cache_hit_ratio' });
    // (0 + 900 + 300) read / (1200 read + 300 uncached input): the input count is not reduced by the cache.
    expect(o).toMatchObject({ status: 'ok', value: 1200 / 1500 });
    expect(o.evidence).toMatchObject({ turns: 3, sessions: 2, input_tokens: 300, cache_read_tokens: 1200 });
    expect(o.evidence.read).toEqual([
      { path: 'claude-code/events.jsonl', lines: 2, records: 3, malformed: 0 },
      { path: 'claude-code/events.jsonl.gz', lines: 2, records: 3, malformed: 0 },
    ]);
    expect(o.evidence.duplicate_turns).toBe(3);
    expect(o.evidence.duplicate_turns_left_out).toContain(
      'claude-code/events.jsonl.gz:1: session a span event.sequence 2 was read before',
    );
  });

  it('a Claude Code session resumed in another process numbers its events anew: each request_id is a request of its own, a copy of one counts once', async () => {
    const dir = join(root, 'claude-code-resumed');
    mkdirSync(dir, { recursive: true });
    const request = (seq: number, minute: number, id: string) => ({
      timeUnixNano: `${Date.parse(`2026-06-01T10:0${minute}:00Z`)}000000`,
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        kv('session.id', 'r'),
        kv('event.name', 'api_request'),
        kv('event.sequence', String(seq)),
        kv('request_id', id),
        kv('input_tokens', '100'),
        kv('cache_read_tokens', '900'),
      ],
    });
    // event.sequence is counted per process: the resumed process's first request is 1 again.
    const exported =
      line({ resourceLogs: [{ scopeLogs: [{ logRecords: [request(1, 0, 'req_a'), request(2, 1, 'req_b')] }] }] }) +
      line({ resourceLogs: [{ scopeLogs: [{ logRecords: [request(1, 5, 'req_c'), request(2, 6, 'req_d')] }] }] });
    writeFileSync(join(dir, 'events.jsonl'), exported);
    writeFileSync(join(dir, 'events.jsonl.gz'), gzipSync(exported));
    const o = await measure({ files: ['claude-code-resumed/events.jsonl*'], metric: 'turns' });
    expect(o).toMatchObject({ status: 'ok', value: 4 });
    expect(o.evidence.duplicate_turns).toBe(4);
    expect(o.evidence.duplicate_turns_left_out).toContain(
      'claude-code-resumed/events.jsonl.gz:2: session r span request_id req_c was read before',
    );
  });

  it("a subagent's cold requests (query_source) are a conversation of their own: they do not lower the main conversation's hit ratio", async () => {
    const dir = join(root, 'claude-code-subagent');
    mkdirSync(dir, { recursive: true });
    const request = (seq: number, minute: number, input: number, read: number, source: string) => ({
      timeUnixNano: `${Date.parse(`2026-06-01T10:0${minute}:00Z`)}000000`,
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        kv('session.id', 'a'),
        kv('event.name', 'api_request'),
        kv('event.sequence', String(seq)),
        kv('query_source', source),
        kv('input_tokens', String(input)),
        kv('output_tokens', '50'),
        kv('cache_read_tokens', String(read)),
        kv('cache_creation_tokens', '0'),
      ],
    });
    const agent = 'agent:builtin:general-purpose';
    // The main conversation reads 900 of every 1000; the subagent it spawned starts cold, twice.
    const logRecords = [
      request(1, 0, 100, 900, 'repl_main_thread'),
      request(2, 1, 100, 900, 'repl_main_thread'),
      request(3, 2, 1000, 0, agent),
      request(4, 3, 1000, 0, agent),
      request(5, 4, 100, 900, 'repl_main_thread'),
    ];
    writeFileSync(join(dir, 'events.jsonl'), line({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] }));
    const o = await measure({
      files: ['claude-code-subagent/events.jsonl'],
      metric: 'cache_hit_ratio',
      per: 'session',
      aggregate: 'min',
      min_turns: 3,
    });
    expect(o).toMatchObject({ status: 'ok', value: 0.9 });
    expect(o.evidence).toMatchObject({ turns: 5, sessions: 2, sessions_counted: 1 });
    // Named as its spans name it (query_source_safe: `:` written `.`).
    expect(o.evidence.sessions_excluded).toEqual(['a/agent.builtin.general-purpose: 2 turns']);
  });

  it("reads Claude Code's claude_code.llm_request spans as turns; a request also in the logs (same request_id) counts once", async () => {
    const dir = join(root, 'claude-code-traces');
    mkdirSync(dir, { recursive: true });
    const ns = (minute: number, second = 0) =>
      `${Date.parse(`2026-06-01T10:0${minute}:${String(second).padStart(2, '0')}Z`)}000000`;
    // As Claude Code's monitoring documentation names the span's attributes (detailed beta
    // tracing off: query_source_safe, not query_source).
    const span = (id: string, minute: number, read: number, source: string, extra: object[] = []) => ({
      traceId: `trace${minute}`,
      spanId: `span${minute}`,
      name: 'claude_code.llm_request',
      kind: 3,
      startTimeUnixNano: ns(minute),
      endTimeUnixNano: ns(minute, 20),
      attributes: [
        kv('session.id', 'a'),
        kv('span.type', 'llm_request'),
        kv('model', 'claude-sonnet-4-5-20250929'),
        kv('gen_ai.system', 'anthropic'),
        kv('gen_ai.request.model', 'claude-sonnet-4-5-20250929'),
        kv('query_source_safe', source),
        kv('speed', 'normal'),
        kv('llm_request.context', 'interaction'),
        kv('duration_ms', 2100),
        kv('ttft_ms', 800),
        kv('input_tokens', 100),
        kv('output_tokens', 50),
        kv('cache_read_tokens', read),
        kv('cache_creation_tokens', 0),
        kv('request_id', id),
        kv('gen_ai.response.id', id),
        kv('attempt', 1),
        kv('success', true),
        kv('stop_reason', 'end_turn'),
        ...extra,
      ],
    });
    const agent = [kv('agent_id', 'a1b2')];
    const spans = [
      span('req_1', 0, 900, 'repl_main_thread'),
      span('req_2', 1, 0, 'agent.builtin.general-purpose', agent),
      span('req_3', 2, 900, 'repl_main_thread'),
      // A tool span beside them: no turn.
      {
        traceId: 'trace2',
        spanId: 'tool',
        name: 'claude_code.tool',
        attributes: [kv('session.id', 'a'), kv('tool_name', 'Read')],
      },
    ];
    const traces = line({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
    writeFileSync(join(dir, 'traces.jsonl'), traces);
    const only = await measure({
      files: ['claude-code-traces/traces.jsonl'],
      metric: 'cache_hit_ratio',
      per: 'session',
      aggregate: 'min',
    });
    // The main conversation reads 900 of 1000 twice; the subagent's cold request is a conversation of its own.
    expect(only).toMatchObject({ status: 'ok', value: 0 });
    expect(only.evidence).toMatchObject({ turns: 3, sessions: 2 });
    expect(await value({ files: ['claude-code-traces/traces.jsonl'], metric: 'cache_hit_ratio' })).toBe(1800 / 2100);
    // One span per line, as an exporter of single spans writes them: the same turns.
    writeFileSync(join(dir, 'spans.ndjson'), spans.map((x) => line(x)).join(''));
    expect(await value({ files: ['claude-code-traces/spans.ndjson'], metric: 'cache_hit_ratio' })).toBe(1800 / 2100);
    // The same requests' api_request events, read beside the spans: known by request_id, each counts once.
    const request = (id: string, seq: number, minute: number, read: number, source: string) => ({
      timeUnixNano: ns(minute, 20),
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        kv('session.id', 'a'),
        kv('event.name', 'api_request'),
        kv('event.sequence', seq),
        kv('request_id', id),
        kv('query_source', source),
        kv('model', 'claude-sonnet-4-5-20250929'),
        kv('input_tokens', '100'),
        kv('output_tokens', '50'),
        kv('cache_read_tokens', String(read)),
        kv('cache_creation_tokens', '0'),
      ],
    });
    const logRecords = [
      request('req_1', 1, 0, 900, 'repl_main_thread'),
      request('req_2', 2, 1, 0, 'agent:builtin:general-purpose'),
      request('req_3', 3, 2, 900, 'repl_main_thread'),
    ];
    writeFileSync(join(dir, 'logs.jsonl'), line({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] }));
    const both = await measure({ files: ['claude-code-traces/*.jsonl'], metric: 'turns' });
    expect(both).toMatchObject({ status: 'ok', value: 3 });
    expect(both.evidence.duplicate_turns).toBe(3);
    expect(both.evidence.duplicate_turns_left_out).toContain(
      'claude-code-traces/traces.jsonl:1: session a/agent.builtin.general-purpose span request_id req_2 was read before',
    );
    // Without query_source_safe (Claude Code before 2.1.268), agent_id alone tells a subagent's request apart.
    const old = spans.slice(0, 3).map((x) => ({
      ...x,
      attributes: (x.attributes as { key: string }[]).filter((k) => k.key !== 'query_source_safe'),
    }));
    writeFileSync(join(dir, 'old.jsonl'), line({ resourceSpans: [{ scopeSpans: [{ spans: old }] }] }));
    const older = await measure({
      files: ['claude-code-traces/old.jsonl'],
      metric: 'turns',
      per: 'session',
      aggregate: 'min',
    });
    expect(older.evidence).toMatchObject({ turns: 3, sessions: 2 });
  });

  it("one subagent's requests, some read only from its events and some only from its spans, are one conversation", async () => {
    const dir = join(root, 'claude-code-subagent-halves');
    mkdirSync(dir, { recursive: true });
    const ns = (minute: number) => `${Date.parse(`2026-06-01T10:0${minute}:00Z`)}000000`;
    const counts = (input: number, read: number) => [
      kv('input_tokens', input),
      kv('output_tokens', 50),
      kv('cache_read_tokens', read),
      kv('cache_creation_tokens', 0),
    ];
    // The api_request event names the subagent by query_source; the llm_request span, without
    // detailed beta tracing, by query_source_safe only.
    const event = (id: string, minute: number, input: number, read: number, source: string) => ({
      timeUnixNano: ns(minute),
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        kv('session.id', 'a'),
        kv('event.name', 'api_request'),
        kv('request_id', id),
        kv('query_source', source),
        ...counts(input, read),
      ],
    });
    const span = (id: string, minute: number, input: number, read: number, safe: string) => ({
      traceId: 't',
      spanId: id,
      name: 'claude_code.llm_request',
      endTimeUnixNano: ns(minute),
      attributes: [kv('session.id', 'a'), kv('request_id', id), kv('query_source_safe', safe), ...counts(input, read)],
    });
    const main = 'repl_main_thread';
    const agent = 'agent:builtin:general-purpose';
    const safe = 'agent.builtin.general-purpose';
    // The main conversation reads 900 of every 1000, in both records; the subagent reads 100 of
    // every 1000, its requests alternating between a record only in the events and one only in
    // the spans; its second request, in both, counts once.
    const logRecords = [
      event('req_1', 0, 100, 900, main),
      event('req_2', 1, 900, 100, agent),
      event('req_3', 2, 900, 100, agent),
      event('req_5', 4, 900, 100, agent),
      event('req_7', 6, 100, 900, main),
    ];
    const spans = [
      span('req_1', 0, 100, 900, main),
      span('req_3', 2, 900, 100, safe),
      span('req_4', 3, 900, 100, safe),
      span('req_6', 5, 900, 100, safe),
      span('req_8', 7, 100, 900, main),
    ];
    writeFileSync(join(dir, 'events.jsonl'), line({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] }));
    writeFileSync(join(dir, 'traces.jsonl'), line({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
    const o = await measure({
      files: ['claude-code-subagent-halves/*.jsonl'],
      metric: 'cache_hit_ratio',
      per: 'session',
      aggregate: 'min',
      min_turns: 3,
    });
    // Two halves of two and three turns would leave the thin one out, and the subagent judged on part of its requests.
    expect(o).toMatchObject({ status: 'ok', value: 0.1 });
    expect(o.evidence).toMatchObject({ turns: 8, sessions: 2, sessions_counted: 2, duplicate_turns: 2 });
    expect(o.evidence.sessions_excluded).toBeUndefined();
    const rows = await scanFiles(
      root,
      ['claude-code-subagent-halves/events.jsonl', 'claude-code-subagent-halves/traces.jsonl'],
      {
        asOf: AS_OF,
      },
    );
    expect([...rows.sessions.keys()].sort()).toEqual(['a', `a/${safe}`]);
    expect(rows.sessions.get(`a/${safe}`)?.totals.turns).toBe(5);
  });

  it("Claude Code's compaction event marks its main conversation's turn before it: the next main-thread turn decides INV-1", async () => {
    const dir = join(root, 'claude-code-compaction');
    mkdirSync(dir, { recursive: true });
    const at = (session: string, minute: number) =>
      `${Date.parse(`2026-06-01T1${session === 'a' ? 0 : 1}:0${minute}:00Z`)}000000`;
    const request = (session: string, seq: number, minute: number, read: number, source: string) => ({
      timeUnixNano: at(session, minute),
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        kv('session.id', session),
        kv('event.name', 'api_request'),
        kv('event.sequence', seq),
        kv('request_id', `req_${session}${seq}`),
        kv('query_source', source),
        kv('model', 'claude-sonnet-4-5-20250929'),
        kv('input_tokens', '100'),
        kv('output_tokens', '50'),
        kv('cache_read_tokens', String(read)),
        kv('cache_creation_tokens', '0'),
      ],
    });
    // As Claude Code's monitoring documentation names the event and its attributes.
    const compaction = (session: string, seq: number, minute: number, success: 'true' | 'false') => ({
      timeUnixNano: at(session, minute),
      body: { stringValue: 'claude_code.compaction' },
      attributes: [
        kv('session.id', session),
        kv('event.name', 'compaction'),
        kv('event.timestamp', new Date(Number(at(session, minute).slice(0, -6))).toISOString()),
        kv('event.sequence', seq),
        kv('trigger', 'auto'),
        kv('success', success),
        kv('duration_ms', 4200),
        kv('pre_tokens', 155000),
        kv('post_tokens', 12000),
      ],
    });
    const main = 'repl_main_thread';
    // a: the turn after the compaction reads nothing: a break. b: it reads the prefix; a failed
    // compaction before it rewrote nothing and marks nothing.
    const a = [
      request('a', 1, 0, 900, main),
      request('a', 2, 1, 900, main),
      request('a', 3, 2, 0, 'compact'),
      compaction('a', 4, 3, 'true'),
      request('a', 5, 4, 0, main),
    ];
    const b = [
      request('b', 1, 0, 900, main),
      request('b', 2, 1, 0, 'compact'),
      compaction('b', 3, 2, 'false'),
      request('b', 4, 3, 900, main),
      request('b', 5, 4, 0, 'compact'),
      compaction('b', 6, 5, 'true'),
      request('b', 7, 6, 800, main),
    ];
    const exported =
      line({ resourceLogs: [{ scopeLogs: [{ logRecords: a }] }] }) +
      line({ resourceLogs: [{ scopeLogs: [{ logRecords: b }] }] });
    writeFileSync(join(dir, 'events.jsonl'), exported);
    // A gzip copy beside it: its compactions are the same ones, not two more.
    writeFileSync(join(dir, 'events.jsonl.gz'), gzipSync(exported));
    const o = await measure({ files: ['claude-code-compaction/events.jsonl*'], metric: 'compaction_cache_breaks' });
    expect(o).toMatchObject({ status: 'ok', value: 1 });
    expect(o.evidence.compaction_turns_checked).toBe(2);
    expect(o.evidence.violations).toEqual([
      {
        session: 'a',
        turn: 2,
        missed_turn: 3,
        cause: 'no cache read',
        file: 'claude-code-compaction/events.jsonl',
        line: 1,
      },
    ]);
    // The compaction's own request is a conversation of its own, and no turn is added.
    expect(await value({ files: ['claude-code-compaction/events.jsonl'], metric: 'turns' })).toBe(9);
  });

  it('a compaction event read after later turns (the traces read before the events) follows the turn before it in time', async () => {
    const dir = join(root, 'claude-code-compaction-order');
    mkdirSync(dir, { recursive: true });
    const ns = (minute: number) => `${Date.parse(`2026-06-01T10:0${minute}:00Z`)}000000`;
    const span = (id: string, minute: number, read: number, source: string) => ({
      traceId: 't',
      spanId: id,
      name: 'claude_code.llm_request',
      startTimeUnixNano: ns(minute),
      endTimeUnixNano: ns(minute),
      attributes: [
        kv('session.id', 'a'),
        kv('query_source_safe', source),
        kv('model', 'claude-sonnet-4-5-20250929'),
        kv('input_tokens', 100),
        kv('output_tokens', 50),
        kv('cache_read_tokens', read),
        kv('cache_creation_tokens', 0),
        kv('request_id', id),
      ],
    });
    const main = 'repl_main_thread';
    const spans = [
      span('req_1', 0, 900, main),
      span('req_2', 1, 900, main),
      span('req_3', 2, 0, 'compact'),
      span('req_4', 4, 0, main),
      span('req_5', 5, 900, main),
    ];
    const compaction = {
      timeUnixNano: ns(3),
      body: { stringValue: 'claude_code.compaction' },
      attributes: [
        kv('session.id', 'a'),
        kv('event.name', 'compaction'),
        kv('event.sequence', 9),
        kv('trigger', 'auto'),
        kv('success', 'true'),
      ],
    };
    writeFileSync(join(dir, 'a-traces.jsonl'), line({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
    writeFileSync(join(dir, 'b-events.jsonl'), line({ resourceLogs: [{ scopeLogs: [{ logRecords: [compaction] }] }] }));
    const o = await measure({ files: ['claude-code-compaction-order/*.jsonl'], metric: 'compaction_cache_breaks' });
    expect(o).toMatchObject({ status: 'ok', value: 1 });
    expect(o.evidence.compaction_turns_checked).toBe(1);
    expect(o.evidence.violations).toEqual([
      {
        session: 'a',
        turn: 2,
        missed_turn: 3,
        cause: 'no cache read',
        file: 'claude-code-compaction-order/a-traces.jsonl',
        line: 1,
      },
    ]);
  });

  it('the turn after a compaction decides it when it is read first: files by number (part-9 before part-10), lines out of order', async () => {
    const dir = join(root, 'order-files');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'part-9.jsonl'),
      turnLine('s', 1, 0, 0) + turnLine('s', 2, 1, 1000, { compaction: true }) + clean,
    );
    writeFileSync(join(dir, 'part-10.jsonl'), turnLine('s', 3, 2, 0));
    const files = await measure({ files: ['order-files/*.jsonl'], metric: 'compaction_cache_breaks' });
    expect(files.status === 'ok' && files.value).toBe(1);
    expect(readPaths(files)).toEqual(['order-files/part-9.jsonl', 'order-files/part-10.jsonl']);
    expect(files.evidence.violations).toEqual([
      { session: 's', turn: 2, missed_turn: 3, cause: 'no cache read', file: 'order-files/part-10.jsonl', line: 1 },
    ]);
    // The same turns in one file, turn 3 before turn 2.
    writeFileSync(
      join(dir, 'one.jsonl'),
      turnLine('s', 1, 0, 0) + turnLine('s', 3, 2, 0) + turnLine('s', 2, 1, 1000, { compaction: true }) + clean,
    );
    const lines = await measure({ files: ['order-files/one.jsonl'], metric: 'compaction_cache_breaks' });
    expect(lines.status === 'ok' && lines.value).toBe(1);
    expect(lines.evidence.compaction_turns_checked).toBe(2);
    expect(lines.evidence.violations).toEqual([
      { session: 's', turn: 2, missed_turn: 3, cause: 'no cache read', file: 'order-files/one.jsonl', line: 2 },
    ]);
  });

  it('a file reached by two names (a link, a relative and an absolute pattern) is read once', async () => {
    const dir = join(root, 'order-names');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(FIX, 'anthropic.jsonl'), join(dir, '2026-06-01.jsonl'));
    symlinkSync('2026-06-01.jsonl', join(dir, 'current.jsonl'));
    const o = await measure({ files: ['order-names/*.jsonl'], metric: 'turns' });
    expect(o.status === 'ok' && o.value).toBe(5);
    expect(readPaths(o)).toEqual(['order-names/2026-06-01.jsonl']);
    expect(
      await value({ files: ['order-names/2026-06-01.jsonl', join(dir, '2026-06-01.jsonl')], metric: 'turns' }),
    ).toBe(5);
  });

  it('** walks into linked folders, each real folder once', async () => {
    const outside = join(root, 'kernel-logs');
    mkdirSync(join(outside, 'day'), { recursive: true });
    copyFileSync(join(FIX, 'anthropic.jsonl'), join(outside, 'day', 'a.jsonl'));
    mkdirSync(join(root, 'order-links'), { recursive: true });
    symlinkSync(outside, join(root, 'order-links', 'kernel'));
    // A link back up: walked once, not forever.
    symlinkSync('..', join(outside, 'day', 'up'));
    const o = await measure({ files: ['order-links/**/*.jsonl'], metric: 'turns' });
    expect(o.status === 'ok' && o.value).toBe(5);
    expect(readPaths(o)).toEqual(['order-links/kernel/day/a.jsonl']);
  });

  it('per: session over more sessions than a call takes arguments', async () => {
    const dir = join(root, 'order-fleet');
    mkdirSync(dir, { recursive: true });
    const n = 150_000;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      parts.push(
        `{"session_id":"s${i}","turn":1,"ts":"2026-06-01T10:00:00Z","usage":{"input_tokens":100,"output_tokens":1,"cache_read_input_tokens":${i === 7 ? 50 : 100}}}\n`,
      );
    }
    writeFileSync(join(dir, 'fleet.jsonl'), parts.join(''));
    const files = ['order-fleet/fleet.jsonl'];
    expect(await value({ files, metric: 'cache_hit_ratio', per: 'session', aggregate: 'min' })).toBeCloseTo(
      50 / 150,
      12,
    );
    expect(await value({ files, metric: 'cache_hit_ratio', per: 'session', aggregate: 'max' })).toBe(0.5);
  });
});

describe('a turn read twice', () => {
  it('counts once, whichever way it came twice (a copy beside its .gz, a repeated line), and says so', async () => {
    const dir = join(root, 'dup');
    mkdirSync(join(dir, 'backup'), { recursive: true });
    const text = readFileSync(join(FIX, 'invariants.jsonl'));
    writeFileSync(join(dir, 'day.jsonl'), text);
    writeFileSync(join(dir, 'day.jsonl.gz'), gzipSync(text));
    writeFileSync(join(dir, 'backup', 'day.jsonl'), text);
    const once = await measure({ files: ['telemetry/invariants.jsonl'], metric: 'compaction_cache_breaks' });
    const thrice = await measure({ files: ['dup/**/*.jsonl', 'dup/*.jsonl.gz'], metric: 'compaction_cache_breaks' });
    expect(thrice.status === 'ok' && thrice.value).toBe(once.status === 'ok' && once.value);
    expect(thrice.evidence.turns).toBe(once.evidence.turns);
    expect(thrice.evidence.compaction_turns_checked).toBe(once.evidence.compaction_turns_checked);
    // Every turn record of the two copies read after the first is left out, and the first named.
    expect(thrice.evidence.duplicate_turns).toBe(2 * (once.evidence.turns as number));
    expect((thrice.evidence.duplicate_turns_left_out as string[])[0]).toMatch(
      /^dup\/day\.jsonl:1: session c turn 1 was read before$/,
    );
    // A line repeated inside one file.
    const lines = text.toString('utf8').split('\n');
    mkdirSync(join(root, 'dup-lines'), { recursive: true });
    writeFileSync(join(root, 'dup-lines', 'repeated.jsonl'), [lines[0], ...lines].join('\n'));
    const repeated = await measure({ files: ['dup-lines/repeated.jsonl'], metric: 'turns' });
    expect(repeated.status === 'ok' && repeated.value).toBe(once.evidence.turns);
    expect(repeated.evidence.duplicate_turns_left_out).toEqual([
      'dup-lines/repeated.jsonl:2: session c turn 1 was read before',
    ]);
    // Turns out of order (1, 3, 2), then one of them again: still found.
    const t = (n: number) =>
      `{"session_id":"o","turn":${n},"ts":"2026-06-01T10:0${n}:00Z","usage":{"input_tokens":100,"output_tokens":1,"cache_read_input_tokens":10}}\n`;
    writeFileSync(join(root, 'dup-lines', 'shuffled.jsonl'), t(1) + t(3) + t(2) + t(3) + t(4) + t(1));
    const shuffled = await measure({ files: ['dup-lines/shuffled.jsonl'], metric: 'turns' });
    expect(shuffled.status === 'ok' && shuffled.value).toBe(4);
    expect(shuffled.evidence.duplicate_turns_left_out).toEqual([
      'dup-lines/shuffled.jsonl:4: session o turn 3 was read before',
      'dup-lines/shuffled.jsonl:6: session o turn 1 was read before',
    ]);
    // With min_turns above the real count, the copies do not lift it over.
    const thin = await measure({
      files: ['dup/**/*.jsonl'],
      metric: 'turns',
      min_turns: (once.evidence.turns as number) + 1,
    });
    expect(thin).toMatchObject({ status: 'halt', halt: 'insufficient' });
  });
});

describe("a read of nothing after the cache's lifetime", () => {
  const turn = (session: string, n: number, at: string, read: number, extra: object = {}) =>
    `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T${at}:00Z`, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 1000, cache_read_input_tokens: read }, ...extra })}\n`;
  const split1h = { cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1000 } };

  it('after a compaction tells nothing about it: counted apart, not as a violation', async () => {
    const dir = join(root, 'lifetime');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 't.jsonl'),
      // 5-minute entries: the next turn 40 minutes later found the prefix expired.
      turn('e', 1, '10:00', 0) +
        turn('e', 2, '10:01', 1000, { compaction: true }) +
        turn('e', 3, '10:41', 0) +
        turn('e', 4, '10:52', 0, { injection: true }) +
        // 1-hour entries (the split says so): 40 minutes is within their lifetime, a real break.
        `${JSON.stringify({ session_id: 'h', turn: 1, ts: '2026-06-01T11:00:00Z', usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: 1000, cache_read_input_tokens: 0, ...split1h } })}\n` +
        turn('h', 2, '11:01', 1000, { compaction: true }) +
        turn('h', 3, '11:41', 0) +
        // A fork trace names the prefix: attributed, whatever the gap.
        turn('f', 1, '12:00', 0) +
        turn('f', 2, '12:01', 1000, { compaction: true }) +
        turn('f', 3, '12:50', 0) +
        `${JSON.stringify({ type: 'fork_trace', session_id: 'f', turn: 3, ts: '2026-06-01T12:50:00Z', misses: ['message_prefix'] })}\n`,
    );
    const files = ['lifetime/t.jsonl'];
    const c = await measure({ files, metric: 'compaction_cache_breaks' });
    expect(c.status === 'ok' && c.value).toBe(2);
    expect(c.evidence.compaction_turns_checked).toBe(2);
    expect(c.evidence.compaction_turns_past_cache_lifetime).toBe(1);
    expect(
      (c.evidence.violations as { session: string; cause: string }[]).map((v) => `${v.session} ${v.cause}`),
    ).toEqual(['h no cache read', 'f message_prefix miss']);
    // The injection e4 read nothing 11 minutes after e3, its previous turn: the same rule, so
    // no injection turn is left to check.
    const i = await measure({ files, metric: 'injection_cache_breaks' });
    expect(i).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(i.evidence.injection_turns_checked).toBe(0);
    expect(i.evidence.injection_turns_past_cache_lifetime).toBe(1);
    // Its reason says an injection was there but could not be judged, not that none was.
    expect(i.status === 'halt' && i.reason).toMatch(
      /0 injection turns checked in the window \(1 more read nothing past the cache's lifetime: they cannot be judged\), fewer than min_events 1: too few were judged/,
    );
    expect(i.status === 'halt' && i.reason).not.toMatch(/not exercised/);
    // Whatever order the records are read in: h's 1-hour write read after its compaction.
    const lines = readFileSync(join(dir, 't.jsonl'), 'utf8').split('\n').filter(Boolean);
    const hFirst = lines.findIndex((l) => l.includes('"session_id":"h","turn":1'));
    mkdirSync(join(dir, 'split'), { recursive: true });
    writeFileSync(join(dir, 'split', 'a.jsonl'), `${lines.filter((_, k) => k !== hFirst).join('\n')}\n`);
    writeFileSync(join(dir, 'split', 'b.jsonl'), `${lines[hFirst]}\n`);
    const split = await measure({ files: ['lifetime/split/*.jsonl'], metric: 'compaction_cache_breaks' });
    expect(split.status === 'ok' && split.value).toBe(2);
    expect(split.evidence.compaction_turns_past_cache_lifetime).toBe(1);
  });
});

describe('a read of nothing on another model than the turn before', () => {
  const turn = (session: string, n: number, at: string, model: string, read: number, extra: object = {}) =>
    `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T${at}:00Z`, model, usage: { input_tokens: 100, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 1000, cache_read_input_tokens: read }, ...extra })}\n`;

  it('tells nothing of the prefix (an entry serves only the model that wrote it): counted apart, whatever the order', async () => {
    const dir = join(root, 'models');
    mkdirSync(dir, { recursive: true });
    const lines = [
      // m: the turn after the compaction moved to another model, which had no entry to read.
      turn('m', 1, '10:00', 'sonnet', 0),
      turn('m', 2, '10:01', 'sonnet', 1000, { compaction: true }),
      turn('m', 3, '10:02', 'opus', 0),
      // i: the injection turn itself moved to another model.
      turn('i', 1, '10:00', 'sonnet', 0),
      turn('i', 2, '10:01', 'opus', 0, { injection: true }),
      // s: the same model throughout: a real break of each invariant.
      turn('s', 1, '10:00', 'sonnet', 0),
      turn('s', 2, '10:01', 'sonnet', 1000, { compaction: true }),
      turn('s', 3, '10:02', 'sonnet', 0, { injection: true }),
      // t: another model, but a fork trace names the prefix: attributed, a violation.
      turn('t', 1, '10:00', 'sonnet', 0),
      turn('t', 2, '10:01', 'sonnet', 1000, { compaction: true }),
      turn('t', 3, '10:02', 'opus', 0),
      `${JSON.stringify({ type: 'fork_trace', session_id: 't', turn: 3, ts: '2026-06-01T10:02:00Z', misses: ['message_prefix'] })}\n`,
    ];
    writeFileSync(join(dir, 'in-order.jsonl'), lines.join(''));
    // Each session's turns read last first: the turn after a compaction, and the turn before an
    // injection, come after the turn they decide.
    mkdirSync(join(dir, 'reversed'), { recursive: true });
    writeFileSync(join(dir, 'reversed', 'r.jsonl'), [...lines].reverse().join(''));
    for (const files of [['models/in-order.jsonl'], ['models/reversed/*.jsonl']]) {
      const c = await measure({ files, metric: 'compaction_cache_breaks' });
      expect(c.status === 'ok' && c.value, files[0]).toBe(2);
      expect(c.evidence.compaction_turns_checked, files[0]).toBe(2);
      expect(c.evidence.compaction_turns_after_model_change, files[0]).toBe(1);
      expect(
        (c.evidence.violations as { session: string; cause: string }[]).map((v) => `${v.session} ${v.cause}`).sort(),
      ).toEqual(['s no cache read', 't message_prefix miss']);
      const i = await measure({ files, metric: 'injection_cache_breaks' });
      expect(i.status === 'ok' && i.value, files[0]).toBe(1);
      expect(i.evidence.injection_turns_checked, files[0]).toBe(1);
      expect(i.evidence.injection_turns_after_model_change, files[0]).toBe(1);
    }
    // Alone, the model change leaves nothing judged: a halt that says why, not a pass or a fail.
    writeFileSync(join(dir, 'only.jsonl'), lines.slice(0, 3).join(''));
    const only = await measure({ files: ['models/only.jsonl'], metric: 'compaction_cache_breaks' });
    expect(only).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(only.status === 'halt' && only.reason).toMatch(
      /0 compaction turns checked in the window \(1 more read nothing on another model than the turn before, with no fork trace: they cannot be judged\)/,
    );
  });

  it("a provider's id or a bare family is the model it names: a read of nothing after a compaction is judged, not excused", async () => {
    const dir = join(root, 'provider-models');
    mkdirSync(dir, { recursive: true });
    const pairs = [
      // One model under two names: the compaction broke the cache, a violation each.
      ['claude-3-5-sonnet-20241022', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet-v2@20241022'],
      ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5-20250929'],
      ['claude-sonnet-4-5-20250929', 'sonnet'],
      // Two models indeed: the next turn had no entry to read, counted apart.
      ['claude-3-5-sonnet-20241022', 'claude-sonnet-4-5-20250929'],
      ['anthropic.claude-3-5-sonnet-20241022-v1:0', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['sonnet', 'claude-opus-4-1'],
    ];
    writeFileSync(
      join(dir, 'a.jsonl'),
      pairs
        .map(([before, after], k) =>
          [
            turn(`p${k}`, 1, '10:00', before as string, 0),
            turn(`p${k}`, 2, '10:01', before as string, 1000, { compaction: true }),
            turn(`p${k}`, 3, '10:02', after as string, 0),
          ].join(''),
        )
        .join(''),
    );
    const c = await measure({ files: ['provider-models/a.jsonl'], metric: 'compaction_cache_breaks' });
    expect(c.status === 'ok' && c.value).toBe(4);
    expect(c.evidence.compaction_turns_after_model_change).toBe(3);
    expect((c.evidence.violations as { session: string }[]).map((v) => v.session).sort()).toEqual([
      'p0',
      'p1',
      'p2',
      'p3',
    ]);
  });
});

describe('OpenTelemetry spans naming the model asked for on some turns, the model that answered on others', () => {
  const span = (session: string, n: number, model: Record<string, string>, read: number, extra: object = {}) =>
    `${JSON.stringify({ ts: `2026-06-01T10:0${n}:00Z`, turn: n, ...extra, attributes: { 'gen_ai.conversation.id': session, ...model, 'gen_ai.usage.input_tokens': 1100 + read, 'gen_ai.usage.cache_read.input_tokens': read, 'gen_ai.usage.cache_creation.input_tokens': read ? 0 : 1000 } })}\n`;
  const asked = (m: string) => ({ 'gen_ai.request.model': m });
  const answered = (m: string) => ({ 'gen_ai.response.model': m });

  it('a version of the model asked for is that model: a read of nothing after it is judged', async () => {
    const dir = join(root, 'otel-models');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'a.jsonl'),
      // v: compaction answered by a dated version, the next turn's span names only the request.
      span('v', 1, answered('claude-sonnet-4-5-20250929'), 0) +
        span('v', 2, answered('claude-sonnet-4-5-20250929'), 1000, { compaction: true }) +
        span('v', 3, asked('claude-sonnet-4-5'), 0) +
        // l: asked for through the -latest alias, answered by a dated version.
        span('l', 1, asked('claude-3-5-sonnet-latest'), 0) +
        span('l', 2, asked('claude-3-5-sonnet-latest'), 1000, { compaction: true }) +
        span('l', 3, answered('claude-3-5-sonnet-20241022'), 0) +
        // o: another model indeed, asked for by name after a dated answer.
        span('o', 1, answered('claude-sonnet-4-5-20250929'), 0) +
        span('o', 2, answered('claude-sonnet-4-5-20250929'), 1000, { compaction: true }) +
        span('o', 3, asked('claude-opus-4-1'), 0) +
        // n: a model whose name starts with the other's, not a version of it.
        span('n', 1, asked('claude-sonnet-4'), 0) +
        span('n', 2, asked('claude-sonnet-4'), 1000, { compaction: true }) +
        span('n', 3, answered('claude-sonnet-4-5-20250929'), 0) +
        // d: two dated versions of one model are two models, each with its own cache.
        span('d', 1, answered('claude-3-5-sonnet-20240620'), 0) +
        span('d', 2, answered('claude-3-5-sonnet-20240620'), 1000, { compaction: true }) +
        span('d', 3, answered('claude-3-5-sonnet-20241022'), 0),
    );
    const o = await measure({ files: ['otel-models/a.jsonl'], metric: 'compaction_cache_breaks' });
    expect(o.status === 'ok' && o.value).toBe(2);
    expect(o.evidence.compaction_turns_after_model_change).toBe(3);
    expect(
      (o.evidence.violations as { session: string; cause: string }[]).map((v) => `${v.session} ${v.cause}`).sort(),
    ).toEqual(['l no cache read', 'v no cache read']);
  });
});

describe('the evidence re-derives each value', () => {
  // Three turns: t1 writes 1000 tokens (5m or 1h, the only difference between the two files),
  // t2 reads them, t3 writes 200 without a 5m/1h split (5m in the 5m file, of unknown price in the 1h one).
  const fixture = (split: '5m' | '1h') => {
    const dir = join(root, 'evidence');
    mkdirSync(dir, { recursive: true });
    const line = (o: object) => `${JSON.stringify(o)}\n`;
    const at = (n: number) => `2026-06-01T10:0${n}:00Z`;
    writeFileSync(
      join(dir, `${split}.jsonl`),
      line({
        session_id: 'e',
        turn: 1,
        ts: at(1),
        cache_breakpoints: 5,
        usage: {
          input_tokens: 100,
          output_tokens: 1,
          cache_creation_input_tokens: 1000,
          cache_read_input_tokens: 0,
          cache_creation: {
            ephemeral_5m_input_tokens: split === '5m' ? 1000 : 0,
            ephemeral_1h_input_tokens: split === '1h' ? 1000 : 0,
          },
        },
      }) +
        line({
          session_id: 'e',
          turn: 2,
          ts: at(2),
          cache_breakpoints: 3,
          usage: { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 1000 },
        }) +
        line({
          session_id: 'e',
          turn: 3,
          ts: at(3),
          usage: { input_tokens: 50, output_tokens: 1, cache_creation_input_tokens: 200 },
        }),
    );
    return [`evidence/${split}.jsonl`];
  };
  const num = (o: MeasurementOutcome, k: string) => {
    const v = o.evidence[k];
    if (typeof v !== 'number') throw new Error(`evidence has no number ${k}`);
    return v;
  };

  it('cache_cost_multiplier: the 5m, 1h and unsplit writes, so a 5m and a 1h file no longer read the same', async () => {
    const fiveMin = await measure({ files: fixture('5m'), metric: 'cache_cost_multiplier' });
    // The 1h file without its unsplit write (turn 3): every written token has a known price.
    const [oneHourFile] = fixture('1h');
    const dir = join(root, 'evidence');
    const firstTwo = readFileSync(join(root, oneHourFile as string), 'utf8')
      .split('\n')
      .slice(0, 2)
      .join('\n');
    writeFileSync(join(dir, '1h-split-only.jsonl'), `${firstTwo}\n`);
    const oneHour = await measure({ files: ['evidence/1h-split-only.jsonl'], metric: 'cache_cost_multiplier' });
    // By hand: 5m: input 250, read 1000, written 1200 (1000 5m + 200 unsplit, priced as 5m):
    // 250 + 1200 × 1.25 + 100 = 1850 over 2450. 1h, turns 1–2: input 200, read 1000, written 1000 for 1h:
    // 200 + 1000 × 2 + 100 = 2300 over 2200.
    expect(fiveMin.status === 'ok' && fiveMin.value).toBeCloseTo(1850 / 2450, 12);
    expect(oneHour.status === 'ok' && oneHour.value).toBeCloseTo(2300 / 2200, 12);
    expect(fiveMin.evidence).toMatchObject({
      cache_creation_5m_tokens: 1000,
      cache_creation_1h_tokens: 0,
      cache_creation_unsplit_tokens: 200,
    });
    expect(oneHour.evidence).toMatchObject({
      cache_creation_5m_tokens: 0,
      cache_creation_1h_tokens: 1000,
      cache_creation_unsplit_tokens: 0,
    });
    // From the evidence alone: the same value, one under 1.0 and one over.
    for (const o of [fiveMin, oneHour]) {
      const cost =
        num(o, 'input_tokens') +
        (num(o, 'cache_creation_5m_tokens') + num(o, 'cache_creation_unsplit_tokens')) * 1.25 +
        num(o, 'cache_creation_1h_tokens') * 2 +
        num(o, 'cache_read_tokens') * 0.1;
      const tokens = num(o, 'input_tokens') + num(o, 'cache_creation_tokens') + num(o, 'cache_read_tokens');
      expect(o.status === 'ok' && o.value).toBeCloseTo(cost / tokens, 12);
    }
    expect(fiveMin.status === 'ok' && (fiveMin.value as number) < 1).toBe(true);
    expect(oneHour.status === 'ok' && (oneHour.value as number) < 1).toBe(false);
  });

  it('cache_cost_multiplier halts when writes without the 5m/1h split sit beside 1-hour writes: their price is unknown', async () => {
    const o = await measure({ files: fixture('1h'), metric: 'cache_cost_multiplier' });
    expect(o.status).toBe('halt');
    expect(o.status === 'halt' && o.halt).toBe('missing');
    expect(o.status === 'halt' && o.reason).toContain(
      '200 cache-write tokens have no 5m/1h split beside 1000 written for 1 hour',
    );
    expect(o.evidence).toMatchObject({ cache_creation_1h_tokens: 1000, cache_creation_unsplit_tokens: 200 });
  });

  it('cache_hit_request_rate: the turns that read the cache', async () => {
    const o = await measure({ files: fixture('5m'), metric: 'cache_hit_request_rate' });
    expect(o.evidence).toMatchObject({ turns: 3, turns_with_cache_read: 1 });
    expect(o.status === 'ok' && o.value).toBe(num(o, 'turns_with_cache_read') / num(o, 'turns'));
    expect(o.status === 'ok' && o.value).toBeCloseTo(1 / 3, 12);
  });

  it('turns_over_breakpoint_limit: the turns that carry a breakpoint count, and those over 4', async () => {
    const o = await measure({ files: fixture('5m'), metric: 'turns_over_breakpoint_limit' });
    // t1 set 5, t2 set 3, t3 carries none: t3 was not checked, so there is no count.
    expect(o.evidence).toMatchObject({
      turns: 3,
      turns_with_cache_breakpoints: 2,
      turns_without_cache_breakpoints: 1,
      turns_over_breakpoint_limit: 1,
    });
    expect(num(o, 'turns_with_cache_breakpoints') + num(o, 'turns_without_cache_breakpoints')).toBe(num(o, 'turns'));
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    // Without t3, every turn carries a count: the value is the evidence's.
    const [file] = fixture('5m');
    const firstTwo = readFileSync(join(root, file as string), 'utf8')
      .split('\n')
      .slice(0, 2)
      .join('\n');
    writeFileSync(join(root, 'evidence', '5m-first-two.jsonl'), `${firstTwo}\n`);
    const all = await measure({ files: ['evidence/5m-first-two.jsonl'], metric: 'turns_over_breakpoint_limit' });
    expect(all.evidence).toMatchObject({
      turns: 2,
      turns_with_cache_breakpoints: 2,
      turns_without_cache_breakpoints: 0,
    });
    expect(all.status === 'ok' && all.value).toBe(num(all, 'turns_over_breakpoint_limit'));
    expect(all.status === 'ok' && all.value).toBe(1);
    // Its halt says how many turns carried one: none.
    const none = await measure({ files: ['telemetry/otel.jsonl'], metric: 'turns_over_breakpoint_limit' });
    expect(none).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(none.evidence.turns_with_cache_breakpoints).toBe(0);
  });

  it('turns_over_breakpoint_limit: turns that carry no breakpoint count cannot lift thin data to a value', async () => {
    // Three turns, two carrying a count: min_turns 3 is met by turns, and the turn without a
    // count halts the measurement missing, whatever min_turns says.
    for (const min_turns of [2, 3]) {
      const o = await measure({ files: fixture('5m'), metric: 'turns_over_breakpoint_limit', min_turns });
      expect(o, `min_turns ${min_turns}`).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(o.status === 'halt' && o.reason).toMatch(
        /^measurement 'm': 1 of 3 turns carries no cache_breakpoints \(first at evidence\/5m\.jsonl:3\): the limit is not checked on it; 1 turn over 4 seen all the same$/,
      );
    }
    // Fewer turns than min_turns are thin, as for any metric.
    const thin = await measure({ files: fixture('5m'), metric: 'turns_over_breakpoint_limit', min_turns: 4 });
    expect(thin).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(thin.status === 'halt' && thin.reason).toBe(
      "measurement 'm': 3 turns in the window, fewer than min_turns 4",
    );
  });

  it('turns_over_breakpoint_limit: 30 of 100 turns carrying a count within the limit is no pass', async () => {
    const dir = join(root, 'coverage');
    mkdirSync(dir, { recursive: true });
    const lines = (carrying: (turn: number) => boolean, bp: (turn: number) => number) =>
      Array.from({ length: 100 }, (_, i) => {
        const turn = i + 1;
        return JSON.stringify({
          session_id: turn <= 50 ? 'p' : 'q',
          turn,
          ts: new Date(Date.parse('2026-06-01T10:00:00Z') + i * 60_000).toISOString(),
          ...(carrying(turn) ? { cache_breakpoints: bp(turn) } : {}),
          usage: { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 1000 },
        });
      }).join('\n') + '\n';
    // Turns 71–100 carry 3 breakpoints, the first 70 none.
    writeFileSync(
      join(dir, 'partial.jsonl'),
      lines(
        (t) => t > 70,
        () => 3,
      ),
    );
    writeFileSync(
      join(dir, 'full.jsonl'),
      lines(
        () => true,
        () => 4,
      ),
    );
    writeFileSync(
      join(dir, 'over.jsonl'),
      lines(
        () => true,
        (t) => (t === 42 ? 5 : 3),
      ),
    );
    const spec = (f: string, more: Partial<TelemetrySpec> = {}): TelemetrySpec => ({
      files: [`coverage/${f}.jsonl`],
      metric: 'turns_over_breakpoint_limit',
      min_turns: 30,
      ...more,
    });

    const partial = await measure(spec('partial'));
    expect(partial).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(partial.status === 'halt' && partial.reason).toBe(
      "measurement 'm': 70 of 100 turns carry no cache_breakpoints (first at coverage/partial.jsonl:1): the limit is not checked on them",
    );
    expect(partial.evidence).toMatchObject({
      turns: 100,
      turns_with_cache_breakpoints: 30,
      turns_without_cache_breakpoints: 70,
      turns_over_breakpoint_limit: 0,
    });
    // Every turn carries a count within the limit: 0. One turn over it among them: 1.
    expect(await measure(spec('full'))).toMatchObject({ status: 'ok', value: 0 });
    expect(await measure(spec('over'))).toMatchObject({ status: 'ok', value: 1 });

    // Per session: p (turns 1–50) carries none, q (51–100) carries 20 of 50. Each halts, and so
    // does the max over sessions, naming the first.
    const per = await measure(spec('partial', { per: 'session', aggregate: 'max' }));
    expect(per).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(per.status === 'halt' && per.reason).toBe(
      "measurement 'm': 2 sessions with enough turns (min_turns 30) have no value, so the max over sessions is unknown: p: no record in the window carries cache_breakpoints (and 1 more)",
    );
    expect(per.evidence.sessions_without_value).toEqual([
      'p: no record in the window carries cache_breakpoints',
      'q: 20 of 50 turns carry no cache_breakpoints (first at coverage/partial.jsonl:51): the limit is not checked on them',
    ]);
    // Per session with every turn carrying a count: the max of the sessions' counts.
    expect(await measure(spec('over', { per: 'session', aggregate: 'max' }))).toMatchObject({ status: 'ok', value: 1 });
    expect(await measure(spec('full', { per: 'session', aggregate: 'max' }))).toMatchObject({ status: 'ok', value: 0 });
  });

  it('per session, a session whose value is missing halts the aggregate instead of being left out', async () => {
    // e writes 1000 for 1 hour and 200 without a split: its cost is unknown; f's is known.
    const [file] = fixture('1h');
    const text = readFileSync(join(root, file as string), 'utf8');
    writeFileSync(
      join(root, 'evidence', 'two-sessions.jsonl'),
      text +
        text
          .replace(/"session_id":"e"/g, '"session_id":"f"')
          .split('\n')
          .slice(0, 2)
          .join('\n') +
        '\n',
    );
    const o = await measure({
      files: ['evidence/two-sessions.jsonl'],
      metric: 'cache_cost_multiplier',
      per: 'session',
      aggregate: 'max',
      min_turns: 2,
    });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' && o.reason).toMatch(
      /^measurement 'm': 1 session with enough turns \(min_turns 2\) has no value, so the max over sessions is unknown: e: 200 cache-write tokens have no 5m\/1h split/,
    );
    expect(o.evidence.sessions_without_value).toEqual([expect.stringMatching(/^e: /)]);
    // A session below min_turns is still left out, not a reason to halt.
    const thin = await measure({
      files: ['evidence/two-sessions.jsonl'],
      metric: 'cache_cost_multiplier',
      per: 'session',
      min_turns: 3,
    });
    expect(thin.status === 'halt' && thin.halt).toBe('missing');
    const fOnly = await measure({
      files: ['evidence/two-sessions.jsonl'],
      metric: 'cache_hit_ratio',
      per: 'session',
      min_turns: 3,
    });
    expect(fOnly.status).toBe('ok');
    expect(fOnly.evidence.sessions_excluded).toEqual(['f: 2 turns']);
  });

  it('per session, a session that never read the cache nor sent uncached input halts the aggregate: 0/0 is not left out', async () => {
    // A breakpoint on the last message leaves no uncached input: a session whose prefix is
    // rewritten every turn writes all of it and reads nothing, the worst session there is.
    const dir = join(root, 'all-writes');
    mkdirSync(dir, { recursive: true });
    const turn = (session: string, n: number, input: number, read: number, write: number) =>
      `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T10:${String(n).padStart(2, '0')}:00Z`, usage: { input_tokens: input, output_tokens: 1, cache_read_input_tokens: read, cache_creation_input_tokens: write } })}\n`;
    let text = '';
    for (let n = 1; n <= 3; n++) text += turn('good', n, 100, 900, 0) + turn('rewrites', n, 0, 0, 1000);
    writeFileSync(join(dir, 'u.jsonl'), text);
    const o = await measure({
      files: ['all-writes/u.jsonl'],
      metric: 'cache_hit_ratio',
      per: 'session',
      aggregate: 'min',
      min_turns: 3,
    });
    expect(o).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(o.status === 'halt' && o.reason).toBe(
      "measurement 'm': 1 session with enough turns (min_turns 3) has no value, so the min over sessions is unknown: rewrites: cache_read + input is 0 in the window: all 3000 input tokens were cache writes, which this ratio leaves out, so it is 0/0 (cache_hit_ratio_token_weighted counts them)",
    );
    expect(o.evidence.sessions_without_value).toEqual([expect.stringMatching(/^rewrites: /)]);
    // The token-weighted ratio counts the writes: that session decides it, at 0.
    const weighted = await measure({
      files: ['all-writes/u.jsonl'],
      metric: 'cache_hit_ratio_token_weighted',
      per: 'session',
      min_turns: 3,
    });
    expect(weighted.status === 'ok' && weighted.value).toBe(0);
  });

  it("each metric shows the counts it needs, not every other metric's", async () => {
    const o = await measure({ files: fixture('5m'), metric: 'cache_hit_ratio' });
    expect(o.evidence).toMatchObject({ input_tokens: 250, cache_read_tokens: 1000 });
    for (const k of ['cache_creation_5m_tokens', 'turns_with_cache_read', 'turns_with_cache_breakpoints']) {
      expect(o.evidence[k], k).toBeUndefined();
    }
  });
});

describe('a fork trace counts with the turn it explains', () => {
  const trace = (session: string, turn: number, at: string, misses: string[]) =>
    `${JSON.stringify({ type: 'fork_trace', session_id: session, turn, ts: `2026-03-01T${at}Z`, misses })}\n`;
  const turn = (session: string, n: number, at: string) =>
    `${JSON.stringify({ session_id: session, turn: n, ts: `2026-03-01T${at}Z`, usage: { input_tokens: 10, output_tokens: 0 } })}\n`;
  const asOf = new Date('2026-03-02T00:00:00Z');
  const write = (name: string, text: string) => {
    mkdirSync(join(root, 'traces'), { recursive: true });
    writeFileSync(join(root, 'traces', name), text);
    return [`traces/${name}`];
  };

  it('not by its own ts: a trace written just before its turn, at the window start, counts in both window kinds', async () => {
    const files = write(
      'edge.jsonl',
      trace('s', 2, '22:59:59', ['message_prefix']) +
        turn('s', 2, '23:00:00') +
        trace('s', 3, '23:30:00', []) +
        turn('s', 3, '23:30:00'),
    );
    // Window [23:00, 24:00): both turns, so both traces; the last 2 turns are the same two.
    for (const w of [{ window: '1h' }, { last_turns: 2 }]) {
      expect(await value({ files, metric: 'misses_message_prefix', ...w }, asOf), JSON.stringify(w)).toBe(1);
      const o = await measure({ files, metric: 'misses_total', ...w }, asOf);
      expect(o.evidence.fork_traces, JSON.stringify(w)).toBe(2);
    }
  });

  it('a turn before the window, or never recorded, leaves its trace out and makes no session', async () => {
    // s/1 at 22:50 is before the window [23:00, 24:00) though its trace is at 23:10; t/9 has no usage record.
    const lines = [
      turn('s', 1, '22:50:00'),
      trace('s', 1, '23:10:00', ['tools', 'model']),
      turn('s', 2, '23:20:00'),
      trace('s', 2, '23:20:00', ['message_prefix', 'tools']),
      trace('t', 9, '23:30:00', ['system_prompt']),
    ];
    // Every trace before its turn, and every trace after: the same counts.
    for (const [name, text] of [
      ['window.jsonl', lines.join('')],
      ['window-reversed.jsonl', [...lines].reverse().join('')],
    ] as const) {
      const files = write(name, text);
      const o = await measure({ files, metric: 'misses_total', window: '1h' }, asOf);
      // Only s/2's trace: message_prefix + tools.
      expect(o.status === 'ok' && o.value, name).toBe(2);
      expect(o.evidence, name).toMatchObject({ fork_traces: 1, sessions: 1, turns: 1 });
      // s/1 is a turn, outside the window; t/9 is no turn at all, and is counted as such.
      expect(o.evidence.fork_traces_without_turn, name).toBe(1);
      expect(await value({ files, metric: 'misses_tools', window: '1h' }, asOf), name).toBe(1);
      expect(await value({ files, metric: 'misses_model', window: '1h' }, asOf), name).toBe(0);
      // With no window both of s's turns count, and t/9 is still no turn: 2 + 2 misses from 2 traces.
      const all = await measure({ files, metric: 'misses_total' }, asOf);
      expect(all.status === 'ok' && all.value, name).toBe(4);
      expect(all.evidence, name).toMatchObject({ fork_traces: 2, sessions: 1, turns: 2, fork_traces_without_turn: 1 });
      // The last turn alone is s/2.
      expect(await value({ files, metric: 'misses_total', last_turns: 1 }, asOf), name).toBe(2);
    }
  });

  it('turns numbered against the clock: each turn in the window is known as such, whatever the order', async () => {
    // w/1 and w/3 are in the window [23:00, 24:00), w/2 (written by a clock running behind) is not.
    const turns = [turn('w', 1, '23:10:00'), turn('w', 2, '22:50:00'), turn('w', 3, '23:20:00')];
    const traces =
      trace('w', 1, '23:10:00', ['tools']) +
      trace('w', 2, '23:10:00', ['model']) +
      trace('w', 3, '23:20:00', ['system_prompt']);
    for (const [name, text] of [
      ['clock.jsonl', turns.join('') + traces],
      ['clock-2-first.jsonl', (turns[1] as string) + turns[0] + turns[2] + traces],
      ['clock-traces-first.jsonl', traces + [...turns].reverse().join('')],
    ] as const) {
      const files = write(name, text);
      const o = await measure({ files, metric: 'misses_total', window: '1h' }, asOf);
      expect(o.status === 'ok' && o.value, name).toBe(2);
      expect(o.evidence, name).toMatchObject({ fork_traces: 2, turns: 2 });
      expect(await value({ files, metric: 'misses_model', window: '1h' }, asOf), name).toBe(0);
      expect(await value({ files, metric: 'misses_system_prompt', window: '1h' }, asOf), name).toBe(1);
    }
  });
});

describe("an injection turn that read nothing after the cache's lifetime", () => {
  const turn = (session: string, n: number, at: string, read: number, extra: object = {}) =>
    `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T${at}:00Z`, usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 5200, cache_read_input_tokens: read }, ...extra })}\n`;
  const inj = { injection: true };
  const oneHourWrite = `${JSON.stringify({ session_id: 'c', turn: 1, ts: '2026-06-01T10:00:00Z', usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 5000, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 5000 } } })}\n`;
  // Each session's lines in the order written; what each injection turn comes to is by its name.
  const sessions = [
    // a: 30 minutes after a previous turn that read 5000: the prefix expired, nothing to say.
    turn('a', 1, '10:00', 5000) + turn('a', 2, '10:30', 0, inj),
    // b: 4 minutes after: within 5 minutes, a break.
    turn('b', 1, '10:00', 5000) + turn('b', 2, '10:04', 0, inj),
    // c: 40 minutes after, in a session that writes 1-hour entries: within the hour, a break.
    oneHourWrite + turn('c', 2, '10:40', 0, inj),
    // d: the previous turn read after the injection turn, 30 minutes before it: expired.
    turn('d', 2, '10:30', 0, inj) + turn('d', 1, '10:00', 5000),
    // e: the previous turn read after it, 3 minutes before it: a break.
    turn('e', 2, '10:03', 0, inj) + turn('e', 1, '10:00', 5000),
    // f: a fork trace names the prefix: attributed, whatever the gap.
    turn('f', 1, '10:00', 5000) +
      turn('f', 2, '10:30', 0, inj) +
      `${JSON.stringify({ type: 'fork_trace', session_id: 'f', turn: 2, ts: '2026-06-01T10:30:00Z', misses: ['message_prefix'] })}\n`,
    // g: turn 3 read before the injection at 2, whose previous turn (1) is 35 minutes before it: expired.
    turn('g', 1, '10:00', 5000) + turn('g', 3, '10:40', 5000) + turn('g', 2, '10:35', 0, inj),
    // h: the same reading order, turn 1 only 3 minutes before the injection: a break.
    turn('h', 1, '10:32', 5000) + turn('h', 3, '10:40', 5000) + turn('h', 2, '10:35', 0, inj),
    // k: no previous turn recorded: no gap shows the cache expired, so the read of nothing counts.
    turn('k', 5, '10:30', 0, inj),
    // m: an injection that read its prefix 40 minutes on holds, as before.
    turn('m', 1, '10:00', 5000) + turn('m', 2, '10:40', 5000, inj),
    // n: a session numbered from 0, its injection at turn 1 30 minutes on: expired, as for a.
    turn('n', 0, '10:00', 5000) + turn('n', 1, '10:30', 0, inj),
    // p: numbered from 0, turn 1 3 minutes on: a break, as for b.
    turn('p', 0, '10:00', 5000) + turn('p', 1, '10:03', 0, inj),
  ];
  const expectBreaks = async (files: string[], name: string) => {
    const o = await measure({ files, metric: 'injection_cache_breaks' });
    // Breaks: b, c, e, f, h, k, p; past the lifetime: a, d, g, n; m holds.
    expect(o.status === 'ok' && o.value, name).toBe(7);
    expect(o.evidence.injection_turns_checked, name).toBe(8);
    expect(o.evidence.injection_turns_past_cache_lifetime, name).toBe(4);
    // Listed in reading order: sorted here, as the orders differ.
    expect(
      (o.evidence.violations as { session: string; cause: string }[]).map((v) => `${v.session} ${v.cause}`).sort(),
      name,
    ).toEqual([
      'b no cache read',
      'c no cache read',
      'e no cache read',
      'f message_prefix miss',
      'h no cache read',
      'k no cache read',
      'p no cache read',
    ]);
  };

  it('is counted apart when more than the lifetime after its previous turn, found whatever the reading order', async () => {
    const dir = join(root, 'injection-lifetime');
    mkdirSync(join(dir, 'split'), { recursive: true });
    writeFileSync(join(dir, 'written.jsonl'), sessions.join(''));
    await expectBreaks(['injection-lifetime/written.jsonl'], 'as written');
    // Every line reversed: each previous turn read after its injection turn, and the other way round.
    const lines = sessions.join('').split('\n').filter(Boolean);
    writeFileSync(join(dir, 'reversed.jsonl'), `${[...lines].reverse().join('\n')}\n`);
    await expectBreaks(['injection-lifetime/reversed.jsonl'], 'reversed');
    // The injection turns in one file, the rest in a later one.
    const isInjection = (l: string) => l.includes('"injection":true');
    writeFileSync(join(dir, 'split', 'part-1.jsonl'), `${lines.filter(isInjection).join('\n')}\n`);
    writeFileSync(join(dir, 'split', 'part-2.jsonl'), `${lines.filter((l) => !isInjection(l)).join('\n')}\n`);
    await expectBreaks(['injection-lifetime/split/*.jsonl'], 'injections first');
  });
});

describe('OpenTelemetry spans one per line, tool runs among the turns', () => {
  it('reads the chat spans as turns and passes the spans without gen_ai usage over, not as malformed', async () => {
    const at = (minute: number) => `2026-06-01T10:${String(minute).padStart(2, '0')}:00Z`;
    const chat = (minute: number, read: number) =>
      `${JSON.stringify({ ts: at(minute), attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 5000, 'gen_ai.usage.cache_read.input_tokens': read } })}\n`;
    const tool = (minute: number) =>
      `${JSON.stringify({ ts: at(minute), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.conversation.id': 'o', 'gen_ai.tool.name': 'bash' } })}\n`;
    // Two tool runs for each model turn: as malformed lines they were most of the file.
    writeFileSync(
      join(root, 'telemetry', 'spans.jsonl'),
      chat(0, 0) + tool(1) + tool(2) + chat(3, 4000) + tool(4) + tool(5) + chat(6, 4500),
    );
    const o = await measure({ files: ['telemetry/spans.jsonl'], metric: 'turns' });
    expect(o.status === 'ok' && o.value).toBe(3);
    expect(o.evidence.malformed).toBeUndefined();
    expect(o.evidence.read).toEqual([{ path: 'telemetry/spans.jsonl', lines: 7, records: 3, malformed: 0 }]);
    expect(await value({ files: ['telemetry/spans.jsonl'], metric: 'cache_hit_ratio' })).toBeCloseTo(8500 / 15000);
  });
});

describe("a file pattern starting with '!'", () => {
  it("halts when rfc.yaml's telemetry.files holds one, rather than reading every other file", async () => {
    const m = {
      id: 'm',
      type: 'int',
      source: 'telemetry',
      telemetry: { metric: 'turns' },
      location: { file: 'x', line: 1, col: 1 },
    } as MeasurementSpec;
    const o = await new TelemetryMeasurementSource().measure(m, {
      asOf: AS_OF,
      ref: 'HEAD',
      repoDir: root,
      manifest: { ...manifest, telemetry: { files: ['telemetry/*.jsonl', '!telemetry/malformed.jsonl'] } },
      signal: new AbortController().signal,
    });
    expect(o).toMatchObject({ status: 'halt', halt: 'error' });
    expect(o.status === 'halt' && o.reason).toMatch(
      /^measurement 'm': '!telemetry\/malformed\.jsonl' starts with '!', which does not leave files out here/,
    );
  });
});

describe("an injection on a session's first turn", () => {
  const turn = (session: string, n: number, at: string, read: number, extra: object = {}) =>
    `${JSON.stringify({ session_id: session, turn: n, ts: `2026-06-01T${at}:00Z`, usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: read ? 0 : 5200, cache_read_input_tokens: read }, ...extra })}\n`;
  const inj = { injection: true };

  it('is not a cache break: nothing of the session was cached before it', async () => {
    const dir = join(root, 'injection-first');
    mkdirSync(dir, { recursive: true });
    const lines = [
      // a: numbered from 1, the injection on turn 1.
      turn('a', 1, '10:00', 0, inj) + turn('a', 2, '10:01', 5200),
      // b: numbered from 0, the injection on turn 0.
      turn('b', 0, '10:00', 0, inj) + turn('b', 1, '10:01', 5200),
      // c: numbered from 0, turn 0 read after the injection on turn 1, 2 minutes before it: a break.
      turn('c', 1, '10:02', 0, inj) + turn('c', 0, '10:00', 5200),
      // d: an OpenTelemetry span without a turn number, the first of its session.
      `${JSON.stringify({ ts: '2026-06-01T10:00:00Z', injection: true, attributes: { 'gen_ai.conversation.id': 'd', 'gen_ai.usage.input_tokens': 5200, 'gen_ai.usage.cache_read.input_tokens': 0 } })}\n`,
    ];
    writeFileSync(join(dir, 'usage.jsonl'), lines.join(''));
    const o = await measure({ files: ['injection-first/usage.jsonl'], metric: 'injection_cache_breaks' });
    expect(o.status === 'ok' && o.value).toBe(1);
    expect(o.evidence.injection_turns_checked).toBe(1);
    expect(o.evidence.injection_turns_on_first_turn).toBe(3);
    expect((o.evidence.violations as { session: string }[]).map((v) => v.session)).toEqual(['c']);
    // Alone, first-turn injections leave the invariant unjudged, and the halt says why.
    writeFileSync(join(dir, 'first-only.jsonl'), lines[0] as string);
    const thin = await measure({ files: ['injection-first/first-only.jsonl'], metric: 'injection_cache_breaks' });
    expect(thin).toMatchObject({ status: 'halt', halt: 'insufficient' });
    expect(thin.status === 'halt' && thin.reason).toMatch(
      /0 injection turns checked in the window \(1 more was its session's first turn, with nothing cached before it: they cannot be judged\)/,
    );
  });
});

describe('reading order', () => {
  it('numbers in names by value; leading zeros only break a tie of everything else', async () => {
    const { comparePaths } = await import('../../../src/sources/telemetry/read.js');
    const names = [
      'part-10.jsonl',
      'log-01-b.jsonl',
      'part-9.jsonl',
      'log-1-a.jsonl',
      'part-09.jsonl',
      'a.jsonl',
      'usage10.jsonl',
      'usage2.jsonl',
      'usage.jsonl',
      'usage1.jsonl',
      'usage.jsonl.gz',
      'usage',
    ];
    expect([...names].sort(comparePaths)).toEqual([
      'a.jsonl',
      'log-1-a.jsonl',
      'log-01-b.jsonl',
      'part-09.jsonl',
      'part-9.jsonl',
      'part-10.jsonl',
      // A name before the same name continued (sort -V): usage.jsonl, the oldest, first.
      'usage',
      'usage.jsonl',
      'usage.jsonl.gz',
      'usage1.jsonl',
      'usage2.jsonl',
      'usage10.jsonl',
    ]);
    // A total order: every pair compares the same both ways, and only a name equals itself.
    for (const x of names) {
      for (const y of names) {
        expect(Math.sign(comparePaths(x, y)) + Math.sign(comparePaths(y, x))).toBe(0);
        expect(comparePaths(x, y) === 0).toBe(x === y);
      }
    }
  });
});

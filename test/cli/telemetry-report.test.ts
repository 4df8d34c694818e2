/**
 * `rfcgate telemetry report` as a user runs it: the JSON numbers against values computed by
 * hand, the table with its per-turn sparkline, files from rfc.yaml, and the halts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetryReport } from '../../src/telemetry/report.js';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { otlpAttr as kv, type SessionPlan, telemetryText } from '../helpers/telemetry.js';
import { BIN, type CliRun, runCli as run, runOnce } from '../helpers/cli.js';

const AS_OF = '2026-06-01T00:00:00Z';

let root: string;
const plans: SessionPlan[] = [
  { session: 's1', start: '2026-05-31T10:00:00Z', turns: 6, compactionAt: 3, compactionBreaks: true },
  { session: 's2', start: '2026-05-31T11:00:00Z', turns: 4, injectionAt: 2, breakpoints: 5 },
];

beforeAll(() => {
  root = tempDir('rfcgate-telemetry-cli-');
  mkdirSync(join(root, 'telemetry'), { recursive: true });
  writeFileSync(join(root, 'telemetry', 'usage.jsonl'), telemetryText([plans[0] as SessionPlan]));
  writeFileSync(join(root, 'telemetry', 'usage-2.jsonl.gz'), gzipSync(telemetryText([plans[1] as SessionPlan])));
  writeFileSync(join(root, 'junk.jsonl'), 'oops\n{"a":1}\n');
  cpSync(resolve('gates/v3-kernel'), join(root, 'gates/v3-kernel'), { recursive: true });
});
afterAll(() => removeFixtures());

const once = runOnce(run);
/** A report over the files beforeAll writes (telemetry/, junk.jsonl), which no case changes. */
const runOnFixture = (args: string[], env: NodeJS.ProcessEnv = {}): CliRun => once(args, root, env);

describe('telemetry report', () => {
  it('--json: every metric per session and overall, computed by hand', () => {
    const r = runOnFixture(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as TelemetryReport;
    expect(rep.files.map((f) => f.path)).toEqual(['telemetry/usage-2.jsonl.gz', 'telemetry/usage.jsonl']);
    // s1: turns 1 and 4 (after the compaction at 3) miss: read 0, write 5000; the other 4 read 5000.
    const s1 = rep.sessions.find((s) => s.session === 's1');
    expect(s1).toMatchObject({ turns: 6, input_tokens: 600, cache_read_tokens: 20_000, cache_creation_tokens: 10_400 });
    expect(s1?.cache_hit_ratio).toBeCloseTo(20_000 / 20_600, 12);
    expect(s1?.cache_hit_ratio_token_weighted).toBeCloseTo(20_000 / (600 + 10_400 + 20_000), 12);
    expect(s1?.cache_hit_request_rate).toBeCloseTo(4 / 6, 12);
    expect(s1?.cache_cost_multiplier).toBeCloseTo((600 + 10_400 * 1.25 + 20_000 * 0.1) / 31_000, 12);
    expect(s1?.misses).toMatchObject({ message_prefix: 1, tools: 0 });
    // Rounded to four places: 5000 / 5100 = 0.98039…
    expect(s1?.hit_ratio_by_turn).toEqual([0, 0.9804, 0.9804, 0, 0.9804, 0.9804]);
    // s2: turn 1 misses; 5 breakpoints on every turn.
    const s2 = rep.sessions.find((s) => s.session === 's2');
    // No trace in s2, and its only read of nothing is its first turn: it missed nothing, as the
    // misses_* metrics of a gate check count it, since s1's trace shows attribution is recorded.
    expect(s2).toMatchObject({
      turns: 4,
      turns_over_breakpoint_limit: 4,
      misses: { system_prompt: 0, tools: 0, message_prefix: 0, child_directive: 0, model: 0 },
    });
    expect(rep.overall.turns).toBe(10);
    expect(rep.overall.cache_hit_ratio).toBeCloseTo(35_000 / 36_000, 12);
    expect(rep.invariants.compaction_cache_stable).toMatchObject({
      checked: 1,
      violations: [{ session: 's1', turn: 3, missed_turn: 4 }],
    });
    expect(rep.invariants.injected_after_breakpoint).toMatchObject({ checked: 1, violations: [] });
  });

  it('the table draws each session’s hit ratio per turn as a sparkline', () => {
    const r = run(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF, '--trend'], root);
    expect(r.code).toBe(0);
    // 0 → ▁, 50/51 → █.
    expect(r.stdout).toMatch(/│ s1 +│ 6 +│ 97\.1% .*│ ▁██▁██ +│/);
    expect(r.stdout).toMatch(/│ all sessions +│ 10 +│ 97\.2% /);
    expect(r.stdout).toMatch(
      /compaction is cache-stable: VIOLATED 1 of 1: s1 turn 3→4 \(message_prefix miss, telemetry\/usage\.jsonl:4\)/,
    );
    expect(r.stdout).toMatch(/results injected after the breakpoint: holds over 1 injection turn/);
    const plain = runOnFixture(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF]);
    expect(plain.stdout).not.toMatch(/hit ratio per turn/);
  });

  it('--as-of is read to the millisecond: a finer one is refused, trailing zeros are not', () => {
    const finer = run(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', '2026-01-01T00:00:00.0001Z'], root);
    expect(finer.code).toBe(3);
    expect(finer.stderr).toBe(
      "error: --as-of '2026-01-01T00:00:00.0001Z' is finer than a millisecond, and rfcgate reads every instant to the millisecond; give at most 3 digits after the seconds, such as 2026-01-01T00:00:00.000Z\n",
    );
    expect(finer.stdout).toBe('');
    const zeros = run(
      ['telemetry', 'report', '--files', 'telemetry/*', '--as-of', '2026-01-01T00:00:00.000000Z', '--json'],
      root,
    );
    expect(zeros.code).toBe(2);
    expect(zeros.stderr).toMatch(/\(as of 2026-01-01T00:00:00\.000Z\)\n$/);
  });

  it("a window with no turn says where the files' turns lie, as a gate's halt does", () => {
    const before = run(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', '2026-01-01', '--json'], root);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(
      /^halt: never started: no turns ever in the files before as_of; their first turn is at 2026-05-31T\S+Z, after as_of \(as of 2026-01-01T00:00:00\.000Z\)\n$/,
    );
    const after = run(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF, '--window', '1h'], root);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(
      /^halt: went dark: no turns in the 1h window; the files' last turn was at 2026-05-31T\S+Z, \d+h( \d+m)? before as_of \(as of 2026-06-01T00:00:00\.000Z\)\n$/,
    );
    // The JSON and the table carry the reason too: a reader of stdout alone learns why it is empty.
    const reason = (stderr: string) => stderr.replace(/^halt: /, '').replace(/ \(as of [^)]*\)\n$/, '');
    expect((JSON.parse(before.stdout) as TelemetryReport).no_turns).toEqual({
      channel: 'never_started',
      reason: reason(before.stderr),
    });
    expect(after.stdout.split('\n')).toContain(reason(after.stderr));
    const afterJson = run(
      ['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF, '--window', '1h', '--json'],
      root,
    );
    expect(afterJson.stderr).toBe(after.stderr);
    expect((JSON.parse(afterJson.stdout) as TelemetryReport).no_turns).toEqual({
      channel: 'went_dark',
      reason: reason(after.stderr),
    });
    // With turns there is nothing to explain.
    const some = run(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF, '--json'], root);
    expect((JSON.parse(some.stdout) as TelemetryReport).no_turns).toBeNull();
  });

  it('--window and --last-turns narrow what counts', () => {
    const w = run(
      ['telemetry', 'report', '--files', 'telemetry/*', '--as-of', '2026-05-31T11:02:30Z', '--window', '1h', '--json'],
      root,
    );
    const rep = JSON.parse(w.stdout) as TelemetryReport;
    // From 10:02:30: s1 turns at 10:03, 10:04, 10:05 and s2 turns at 11:00, 11:01, 11:02; s2's 11:03 is after as_of.
    expect(rep.overall.turns).toBe(6);
    expect(rep.records_after_as_of).toBe(1);
    const l = JSON.parse(
      run(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF, '--last-turns', '2', '--json'], root)
        .stdout,
    ) as TelemetryReport;
    expect(l.overall.turns).toBe(2);
  });

  it('>4 bp: a session with a turn that carries no cache_breakpoints has no count, and neither has the overall row', () => {
    const dir = join(root, 'partial-bp');
    mkdirSync(dir, { recursive: true });
    // s1 carries 3 on every turn; s2's turns 2 and 3 carry none, its others 5.
    const text = telemetryText([plans[0] as SessionPlan, plans[1] as SessionPlan])
      .split('\n')
      .map((l) => {
        if (!l) return l;
        const o = JSON.parse(l) as { session_id: string; turn: number; cache_breakpoints?: number };
        if (o.session_id === 's2' && (o.turn === 2 || o.turn === 3)) delete o.cache_breakpoints;
        return JSON.stringify(o);
      })
      .join('\n');
    writeFileSync(join(dir, 'usage.jsonl'), text);
    const j = run(['telemetry', 'report', '--files', 'partial-bp/*', '--as-of', AS_OF, '--json'], root);
    expect(j.stderr).toBe('');
    const rep = JSON.parse(j.stdout) as TelemetryReport;
    expect(rep.turns_with_cache_breakpoints).toBe(8);
    expect(rep.sessions.find((x) => x.session === 's1')?.turns_over_breakpoint_limit).toBe(0);
    // s2's two turns over 4 are no count of its turns over 4: two more were never checked.
    expect(rep.sessions.find((x) => x.session === 's2')?.turns_over_breakpoint_limit).toBeNull();
    expect(rep.overall.turns_over_breakpoint_limit).toBeNull();
    const t = run(['telemetry', 'report', '--files', 'partial-bp/*', '--as-of', AS_OF], root);
    expect(t.stderr).toBe('');
    expect(t.stdout).toContain(
      '>4 bp not shown: 2 of 10 turns carry no cache_breakpoints, so a row with any of them is not checked against the limit\n',
    );
    expect(t.stdout).toMatch(/│ s1 +│ 6 +│[^\n]*│ 0 +│/);
    expect(t.stdout).toMatch(/│ s2 +│ 4 +│[^\n]*│ — +│/);
    expect(t.stdout).toMatch(/│ all sessions +│ 10 +│[^\n]*│ — +│/);
  });

  it('a fork trace counts with the turn it explains: the overall misses are the sum of the session rows', () => {
    const rec = (o: object) => `${JSON.stringify(o)}\n`;
    const turn = (session: string, n: number, ts: string) =>
      rec({ session_id: session, turn: n, ts, usage: { input_tokens: 10, output_tokens: 0 } });
    const trace = (session: string, n: number, ts: string, misses: string[]) =>
      rec({ type: 'fork_trace', session_id: session, turn: n, ts, misses });
    writeFileSync(
      join(root, 'traces.jsonl'),
      // s/1 is before the window [23:00, 24:00) whatever its trace's ts; t/9 was never recorded.
      turn('s', 1, '2026-03-01T22:50:00Z') +
        trace('s', 1, '2026-03-01T23:10:00Z', ['tools', 'model']) +
        trace('s', 2, '2026-03-01T23:19:59Z', ['message_prefix', 'tools']) +
        turn('s', 2, '2026-03-01T23:20:00Z') +
        trace('t', 9, '2026-03-01T23:30:00Z', ['system_prompt']),
    );
    const args = ['telemetry', 'report', '--files', 'traces.jsonl', '--as-of', '2026-03-02', '--window', '1h'];
    const r = run([...args, '--json'], root);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as TelemetryReport;
    expect(rep.sessions.map((s) => s.session)).toEqual(['s']);
    expect(rep.overall.misses).toEqual({ system_prompt: 0, tools: 1, message_prefix: 1, child_directive: 0, model: 0 });
    expect(rep.sessions[0]?.misses).toEqual(rep.overall.misses);
    // t/9's trace names no turn: counted and said, so a writer numbering traces apart shows.
    expect(rep.fork_traces_without_turn).toBe(1);
    expect(run(args, root).stdout).toContain(
      '1 turn with fork traces but no turn record before 2026-03-02T00:00:00.000Z: their misses count nowhere',
    );
    // On its own thread, the same bytes.
    expect(run([...args, '--json'], root, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }).stdout).toBe(r.stdout);
  });

  it('a usage record carrying misses counts as its turn and explains it, on either reader and thread', () => {
    const lines = [
      {
        session_id: 'a',
        turn: 1,
        ts: '2026-06-01T10:00:00Z',
        usage: { input_tokens: 1000, output_tokens: 1, cache_read_input_tokens: 0 },
      },
      {
        session_id: 'a',
        turn: 2,
        ts: '2026-06-01T10:01:00Z',
        usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 900 },
      },
      {
        session_id: 'a',
        turn: 3,
        ts: '2026-06-01T10:02:00Z',
        usage: { input_tokens: 5000, output_tokens: 1, cache_read_input_tokens: 0 },
        misses: ['message_prefix'],
      },
    ];
    writeFileSync(join(root, 'annotated.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const args = ['telemetry', 'report', '--files', 'annotated.jsonl', '--as-of', '2026-06-02', '--json'];
    const r = run(args, root);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as TelemetryReport;
    expect(rep.overall.turns).toBe(3);
    expect(rep.overall.input_tokens).toBe(6010);
    // cache_read / (cache_read + input) = 900 / (900 + 6010)
    expect(rep.overall.cache_hit_ratio).toBeCloseTo(900 / 6910, 10);
    expect(rep.overall.misses?.message_prefix).toBe(1);
    expect(rep.fork_traces_without_turn).toBe(0);
    expect(rep.malformed.count).toBe(0);
    expect(run(args, root, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }).stdout).toBe(r.stdout);
  });

  it("the API's diagnosis of a miss explains its turn; a reason no source stands for is counted and named", () => {
    const turn = (n: number, read: number, diagnostics: unknown) =>
      `${JSON.stringify({ session_id: 'a', turn: n, ts: `2026-06-01T10:0${n}:00Z`, usage: { input_tokens: 1000, output_tokens: 1, cache_read_input_tokens: read }, diagnostics })}\n`;
    writeFileSync(
      join(root, 'diagnosed.jsonl'),
      turn(1, 0, null) +
        turn(2, 0, { cache_miss_reason: { type: 'tools_changed', cache_missed_input_tokens: 900 } }) +
        turn(3, 900, { cache_miss_reason: null }) +
        turn(4, 0, { cache_miss_reason: { type: 'speed_changed', cache_missed_input_tokens: 900 } }) +
        turn(5, 0, { cache_miss_reason: { type: 'speed_changed', cache_missed_input_tokens: 900 } }),
    );
    const args = ['telemetry', 'report', '--files', 'diagnosed.jsonl', '--as-of', '2026-06-02'];
    const r = run([...args, '--json'], root);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as TelemetryReport;
    expect(rep.overall.turns).toBe(5);
    // Turns 2 to 5 are traced; only turn 2's reason names a source. Turns 4 and 5 read nothing
    // a minute after the turn before, for a reason no source stands for: turn 2's trace does not
    // explain them, so the session's misses are not known.
    expect(rep.fork_traces).toBe(4);
    expect(rep.overall.misses).toBeNull();
    expect(rep.sessions[0]?.misses).toBeNull();
    expect(rep.unknown_cache_miss_reason).toEqual({ type: 'speed_changed', turns: 2, first_at: 'diagnosed.jsonl:4' });
    expect(run(args, root).stdout).toContain(
      '2 traced turns carry a diagnostics.cache_miss_reason type no miss source stands for ("speed_changed", first at diagnosed.jsonl:4), read as naming none',
    );
    expect(run([...args, '--json'], root, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }).stdout).toBe(r.stdout);
    // Without such a reason, none is named.
    const before = JSON.parse(
      run([...args.slice(0, -2), '--as-of', '2026-06-01T10:03:30Z', '--json'], root).stdout,
    ) as TelemetryReport;
    expect(before.unknown_cache_miss_reason).toBeNull();
    expect(run([...args.slice(0, -2), '--as-of', '2026-06-01T10:03:30Z'], root).stdout).not.toContain(
      'cache_miss_reason',
    );
  });

  it('a session without a fork trace: misses 0 unless a turn read nothing unexplained, as a gate check decides', () => {
    const turn = (session: string, n: number, ts: string, read: number) =>
      `${JSON.stringify({ session_id: session, turn: n, ts, usage: { input_tokens: 10, output_tokens: 0, cache_read_input_tokens: read } })}\n`;
    writeFileSync(
      join(root, 'untraced.jsonl'),
      // a: traced. b: reads the cache throughout. c: turn 2 read nothing 1 minute after turn 1.
      turn('a', 1, '2026-03-01T23:00:00Z', 0) +
        `${JSON.stringify({ type: 'fork_trace', session_id: 'a', turn: 1, ts: '2026-03-01T23:00:01Z', misses: ['tools'] })}\n` +
        turn('b', 1, '2026-03-01T23:00:00Z', 0) +
        turn('b', 2, '2026-03-01T23:01:00Z', 500) +
        turn('c', 1, '2026-03-01T23:00:00Z', 500) +
        turn('c', 2, '2026-03-01T23:01:00Z', 0),
    );
    const rep = JSON.parse(
      run(['telemetry', 'report', '--files', 'untraced.jsonl', '--as-of', '2026-03-02', '--json'], root).stdout,
    ) as TelemetryReport;
    const misses = Object.fromEntries(rep.sessions.map((s) => [s.session, s.misses]));
    const none = { system_prompt: 0, tools: 0, message_prefix: 0, child_directive: 0, model: 0 };
    expect(misses).toEqual({ a: { ...none, tools: 1 }, b: none, c: null });
    // The overall misses are the sessions' sum, so c's unknown misses leave them unknown too.
    expect(rep.overall.misses).toBeNull();
    expect(rep.fork_traces).toBe(1);
    // The table says why c's misses and their sum are shown as —.
    const table = run(['telemetry', 'report', '--files', 'untraced.jsonl', '--as-of', '2026-03-02'], root).stdout;
    expect(table).toContain(
      'misses not shown: a turn read nothing from the cache and no fork trace says why (or no cache counter says what it read); over all sessions, so in one of them',
    );
    const traced = JSON.parse(
      run(['telemetry', 'report', '--files', 'untraced.jsonl', '--as-of', '2026-03-01T23:00:30Z', '--json'], root)
        .stdout,
    ) as TelemetryReport;
    expect(traced.overall.misses).toEqual({ ...none, tools: 1 });
    // Without any trace in the files, no session's misses are known.
    writeFileSync(join(root, 'untraced-only.jsonl'), turn('b', 1, '2026-03-01T23:00:00Z', 0));
    const bare = JSON.parse(
      run(['telemetry', 'report', '--files', 'untraced-only.jsonl', '--as-of', '2026-03-02', '--json'], root).stdout,
    ) as TelemetryReport;
    expect(bare.overall.misses).toBeNull();
    expect(bare.sessions[0]?.misses).toBeNull();
    expect(bare.fork_traces).toBe(0);
    expect(
      run(['telemetry', 'report', '--files', 'untraced-only.jsonl', '--as-of', '2026-03-02'], root).stdout,
    ).toContain(
      'misses not shown: no fork-trace record in the window, so misses are not attributed (0 would mean nothing)',
    );
  });

  it('a compaction whose next turn read nothing on another model is counted apart, not as a violation', () => {
    const rec = (n: number, model: string, read: number, extra: object = {}) =>
      `${JSON.stringify({ session_id: 's', turn: n, ts: `2026-06-01T10:0${n}:00Z`, model, usage: { input_tokens: 10, output_tokens: 0, cache_read_input_tokens: read, cache_creation_input_tokens: read ? 0 : 5200 }, ...extra })}\n`;
    writeFileSync(
      join(root, 'model-change.jsonl'),
      rec(1, 'claude-sonnet-4-5', 0) +
        rec(2, 'claude-sonnet-4-5', 5200, { compaction: true }) +
        rec(3, 'claude-opus-4-1', 0),
    );
    const args = ['telemetry', 'report', '--files', 'model-change.jsonl', '--as-of', '2026-06-02'];
    const r = run([...args, '--json'], root);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as TelemetryReport).invariants.compaction_cache_stable).toEqual({
      checked: 0,
      awaiting_next_turn: 0,
      past_cache_lifetime: 0,
      cache_not_recorded: 0,
      model_changed: 1,
      first_turn: 0,
      violations: [],
    });
    expect(run(args, root).stdout).toMatch(
      /compaction is cache-stable: not exercised \(no compaction turn checked\) \(1 more read nothing on another model than the turn before: not counted\)/,
    );
  });

  it("Claude Code's compaction event is exercised: the main conversation's next turn after it is judged", () => {
    const time = (minute: number) => `${Date.parse(`2026-06-01T10:0${minute}:00Z`)}000000`;
    const request = (seq: number, minute: number, read: number, source: string) => ({
      timeUnixNano: time(minute),
      body: { stringValue: 'claude_code.api_request' },
      attributes: [
        kv('session.id', 'cc'),
        kv('event.name', 'api_request'),
        kv('event.sequence', String(seq)),
        kv('query_source', source),
        kv('input_tokens', '100'),
        kv('cache_read_tokens', String(read)),
        kv('cache_creation_tokens', '0'),
      ],
    });
    const compaction = {
      timeUnixNano: time(3),
      body: { stringValue: 'claude_code.compaction' },
      attributes: [
        kv('session.id', 'cc'),
        kv('event.name', 'compaction'),
        kv('event.sequence', '4'),
        kv('trigger', 'manual'),
        kv('success', 'true'),
      ],
    };
    const logRecords = [
      request(1, 0, 900, 'repl_main_thread'),
      request(2, 1, 900, 'repl_main_thread'),
      request(3, 2, 0, 'compact'),
      compaction,
      request(5, 4, 0, 'repl_main_thread'),
    ];
    writeFileSync(
      join(root, 'cc-compaction.jsonl'),
      `${JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] })}\n`,
    );
    const args = ['telemetry', 'report', '--files', 'cc-compaction.jsonl', '--as-of', '2026-06-02'];
    const r = run([...args, '--json'], root);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as TelemetryReport;
    expect(rep.invariants.compaction_cache_stable).toMatchObject({ checked: 1, awaiting_next_turn: 0 });
    expect(rep.invariants.compaction_cache_stable.violations).toEqual([
      { session: 'cc', turn: 2, missed_turn: 3, cause: 'no cache read', file: 'cc-compaction.jsonl', line: 1 },
    ]);
    expect(run(args, root).stdout).toMatch(
      /compaction is cache-stable: VIOLATED 1 of 1: cc turn 2→3 \(no cache read, cc-compaction\.jsonl:1\)/,
    );
  });

  it("an injection turn that read nothing past the cache's lifetime after its previous turn is counted apart", () => {
    const rec = (n: number, ts: string, read: number, extra: object = {}) =>
      `${JSON.stringify({ session_id: 's', turn: n, ts, usage: { input_tokens: 10, output_tokens: 0, cache_read_input_tokens: read, cache_creation_input_tokens: read ? 0 : 5200 }, ...extra })}\n`;
    // Turn 2 (an injection, read first) came 30 minutes after turn 1: the 5-minute entries had expired.
    writeFileSync(
      join(root, 'injection.jsonl'),
      rec(2, '2026-06-01T10:30:00Z', 0, { injection: true }) + rec(1, '2026-06-01T10:00:00Z', 5000),
    );
    const args = ['telemetry', 'report', '--files', 'injection.jsonl', '--as-of', '2026-06-02'];
    const r = run([...args, '--json'], root);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as TelemetryReport).invariants.injected_after_breakpoint).toEqual({
      checked: 0,
      awaiting_next_turn: 0,
      past_cache_lifetime: 1,
      cache_not_recorded: 0,
      model_changed: 0,
      first_turn: 0,
      violations: [],
    });
    expect(run([...args, '--json'], root, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }).stdout).toBe(r.stdout);
    expect(run(args, root).stdout).toMatch(
      /results injected after the breakpoint: not exercised \(no injection turn checked\) \(1 more read nothing after the cache's lifetime: not counted\)/,
    );
  });

  it("an injection on a session's first turn is counted apart, not as a break: nothing was cached before it", () => {
    const rec = (n: number, ts: string, read: number, extra: object = {}) =>
      `${JSON.stringify({ session_id: 's', turn: n, ts, usage: { input_tokens: 10, output_tokens: 0, cache_read_input_tokens: read, cache_creation_input_tokens: read ? 0 : 5200 }, ...extra })}\n`;
    writeFileSync(
      join(root, 'injection-first.jsonl'),
      rec(1, '2026-06-01T10:00:00Z', 0, { injection: true }) + rec(2, '2026-06-01T10:01:00Z', 5200),
    );
    const args = ['telemetry', 'report', '--files', 'injection-first.jsonl', '--as-of', '2026-06-02'];
    const r = run([...args, '--json'], root);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as TelemetryReport).invariants.injected_after_breakpoint).toEqual({
      checked: 0,
      awaiting_next_turn: 0,
      past_cache_lifetime: 0,
      cache_not_recorded: 0,
      model_changed: 0,
      first_turn: 1,
      violations: [],
    });
    expect(run(args, root).stdout).toMatch(
      /results injected after the breakpoint: not exercised \(no injection turn checked\) \(1 more on a session's first turn, with nothing cached before it to break: not counted\)/,
    );
  });

  it('records without any cache counter measure no cache: ratios null, invariants not judged, said', () => {
    // OTel spans from an instrumentation that records no cache attributes, and the Anthropic
    // shape with the cache keys left out: 0 read would be a cache that never hits.
    const otel = (n: number, ts: string, extra: object = {}) =>
      `${JSON.stringify({ ts, turn: n, attributes: { 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 5200 }, ...extra })}\n`;
    const plain = (n: number, ts: string, extra: object = {}) =>
      `${JSON.stringify({ session_id: 'a', turn: n, ts, usage: { input_tokens: 5200, output_tokens: 3 }, ...extra })}\n`;
    writeFileSync(
      join(root, 'uncounted.jsonl'),
      otel(1, '2026-06-01T10:00:00Z') +
        otel(2, '2026-06-01T10:01:00Z', { compaction: true }) +
        otel(3, '2026-06-01T10:02:00Z') +
        plain(1, '2026-06-01T10:00:00Z') +
        plain(2, '2026-06-01T10:01:00Z', { injection: true }),
    );
    const args = ['telemetry', 'report', '--files', 'uncounted.jsonl', '--as-of', '2026-06-02'];
    const r = run([...args, '--json'], root);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as TelemetryReport;
    expect(rep.turns_with_cache_counter).toBe(0);
    expect(rep.overall).toMatchObject({
      turns: 5,
      cache_hit_ratio: null,
      cache_hit_ratio_token_weighted: null,
      cache_hit_request_rate: null,
      cache_cost_multiplier: null,
    });
    expect(rep.sessions.map((s) => [s.session, s.cache_hit_ratio, s.hit_ratio_by_turn])).toEqual([
      ['a', null, [null, null]],
      ['o', null, [null, null, null]],
    ]);
    expect(rep.invariants.compaction_cache_stable).toMatchObject({ checked: 0, cache_not_recorded: 1, violations: [] });
    expect(rep.invariants.injected_after_breakpoint).toMatchObject({
      checked: 0,
      cache_not_recorded: 1,
      violations: [],
    });
    expect(run([...args, '--json'], root, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }).stdout).toBe(r.stdout);
    const table = run(args, root).stdout;
    expect(table).toContain('no record carries a cache counter: the hit ratios and the cost are not measured');
    expect(table).toContain('(1 more decided by a turn without a cache counter: not counted)');

    // Beside records that carry one (null included, the API's "none"), a record without is read as 0.
    writeFileSync(
      join(root, 'mixed.jsonl'),
      plain(1, '2026-06-01T10:00:00Z') +
        `${JSON.stringify({ session_id: 'a', turn: 2, ts: '2026-06-01T10:01:00Z', usage: { input_tokens: 100, output_tokens: 3, cache_read_input_tokens: 900, cache_creation_input_tokens: null } })}\n`,
    );
    const m = JSON.parse(
      run(['telemetry', 'report', '--files', 'mixed.jsonl', '--as-of', '2026-06-02', '--json'], root).stdout,
    ) as TelemetryReport;
    expect(m.turns_with_cache_counter).toBe(1);
    // 900 / (900 + 5200 + 100)
    expect(m.overall.cache_hit_ratio).toBeCloseTo(900 / 6200, 10);
    expect(run(['telemetry', 'report', '--files', 'mixed.jsonl', '--as-of', '2026-06-02'], root).stdout).toContain(
      '1 of 2 turns carry no cache counter: read as 0',
    );
  });

  it('the JSON lists sessions by id in natural order, as the table lists sessions tied on their hit ratio', () => {
    const ids = ['sess10', 'sess2', 'sess1', 'sess9', 'sess1a', 'Sess3', 'sess-b', 'sess-a10', 'sess-a9'];
    // One turn each, every one reading 900 of 1000: all tied on the hit ratio.
    writeFileSync(
      join(root, 'natural.jsonl'),
      ids
        .map(
          (id, k) =>
            `${JSON.stringify({ session_id: id, turn: 1, ts: `2026-06-01T10:0${k}:00Z`, usage: { input_tokens: 100, output_tokens: 1, cache_read_input_tokens: 900 } })}\n`,
        )
        .join(''),
    );
    const want = ['sess-a9', 'sess-a10', 'sess-b', 'sess1', 'sess1a', 'sess2', 'Sess3', 'sess9', 'sess10'];
    const args = ['telemetry', 'report', '--files', 'natural.jsonl', '--as-of', '2026-06-02'];
    for (const env of [{}, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }]) {
      const rep = JSON.parse(run([...args, '--json'], root, env).stdout) as TelemetryReport;
      expect(rep.sessions.map((s) => s.session)).toEqual(want);
    }
    const listed = run([...args, '--no-trend'], root)
      .stdout.split('\n')
      .filter((l) => /^│ [Ss]ess/.test(l))
      .map((l) => l.split('│')[1]?.trim())
      .filter((id) => id !== 'session');
    expect(listed).toEqual(want);
    expect(run(['telemetry', 'report', '--help'], root).stdout.replace(/\s+/g, ' ')).toContain(
      'Sessions listed in the table, worst hit ratio first (the JSON lists all, by id in natural order: sess2 before sess10).',
    );
  });

  it('a cache counter under another name is named, with the name expected, where the report says none is carried', () => {
    // Anthropic's names under OpenTelemetry's prefix: not read as counters, but not passed over either.
    const span = (n: number, a: object) =>
      `${JSON.stringify({ ts: `2026-06-01T10:0${n}:00Z`, turn: n, attributes: { 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 1000, ...a } })}\n`;
    writeFileSync(
      join(root, 'misnamed.jsonl'),
      span(1, { 'gen_ai.usage.cache_read_input_tokens': 900 }) + span(2, { 'gen_ai.usage.cache_read_input_tokens': 0 }),
    );
    const args = ['telemetry', 'report', '--files', 'misnamed.jsonl', '--as-of', '2026-06-02'];
    const rep = JSON.parse(run([...args, '--json'], root).stdout) as TelemetryReport;
    expect(rep.turns_with_cache_counter).toBe(0);
    expect(rep.misnamed_cache_counter).toEqual({
      attribute: 'gen_ai.usage.cache_read_input_tokens',
      expected: 'gen_ai.usage.cache_read.input_tokens',
      first_at: 'misnamed.jsonl:1',
    });
    const said = (at: string) =>
      `gen_ai.usage.cache_read_input_tokens (first at ${at}), which is not read as a cache counter: OpenTelemetry's GenAI conventions name it gen_ai.usage.cache_read.input_tokens, and count cached tokens in gen_ai.usage.input_tokens too`;
    expect(run(args, root).stdout).toContain(
      `no record carries a cache counter: the hit ratios and the cost are not measured; records carry ${said('misnamed.jsonl:1')}\n`,
    );
    // Beside a span that carries a conventional one, the turns read as 0 say what they carry.
    writeFileSync(
      join(root, 'misnamed-mixed.jsonl'),
      span(1, { 'gen_ai.usage.cache_read.input_tokens': 900 }) +
        span(2, { 'gen_ai.usage.cache_read_input_tokens': 900 }),
    );
    const mixed = ['telemetry', 'report', '--files', 'misnamed-mixed.jsonl', '--as-of', '2026-06-02'];
    expect(run(mixed, root).stdout).toContain(
      `1 of 2 turns carry no cache counter: read as 0; some carry ${said('misnamed-mixed.jsonl:2')}\n`,
    );
    // A log with no such attribute says only what it said.
    writeFileSync(join(root, 'misnamed-none.jsonl'), span(1, { 'gen_ai.usage.reasoning_tokens': 9 }));
    const none = JSON.parse(
      run(['telemetry', 'report', '--files', 'misnamed-none.jsonl', '--as-of', '2026-06-02', '--json'], root).stdout,
    ) as TelemetryReport;
    expect(none.misnamed_cache_counter).toBeNull();
  });

  it("cache counts under another convention's names or in a usage record's own words are named too, and where", () => {
    // OpenLLMetry's llm.usage.* and OpenInference's llm.token_count.* beside gen_ai's counts.
    const span = (n: number, a: object) =>
      `${JSON.stringify({ ts: `2026-06-01T10:0${n}:00Z`, turn: n, attributes: { 'gen_ai.conversation.id': 'o', 'gen_ai.usage.input_tokens': 1000, ...a } })}\n`;
    writeFileSync(
      join(root, 'misnamed-llm.jsonl'),
      span(1, { 'llm.usage.total_tokens': 1010 }) +
        span(2, { 'llm.usage.cache_read_input_tokens': 900 }) +
        span(3, { 'llm.token_count.prompt_details.cache_write': 900 }),
    );
    const llm = ['telemetry', 'report', '--files', 'misnamed-llm.jsonl', '--as-of', '2026-06-02'];
    const rep = JSON.parse(run([...llm, '--json'], root).stdout) as TelemetryReport;
    expect(rep.turns_with_cache_counter).toBe(0);
    expect(rep.overall.cache_hit_ratio).toBeNull();
    expect(rep.misnamed_cache_counter).toEqual({
      attribute: 'llm.usage.cache_read_input_tokens',
      expected: 'gen_ai.usage.cache_read.input_tokens',
      first_at: 'misnamed-llm.jsonl:2',
    });
    // An Anthropic usage record whose writer named the counters its own way (no SDK's names).
    const usage = (n: number, u: object) =>
      `${JSON.stringify({ session_id: 'u', turn: n, ts: `2026-06-01T10:0${n}:00Z`, usage: { input_tokens: 100, output_tokens: 3, ...u } })}\n`;
    writeFileSync(
      join(root, 'misnamed-usage.jsonl'),
      usage(1, { service_tier: 'standard' }) +
        usage(2, { cache_write_tokens: 900, cache_read_tokens: 0 }) +
        usage(3, { cache_read_tokens: 900 }) +
        usage(4, { cache_creation_tokens: 10 }),
    );
    const own = ['telemetry', 'report', '--files', 'misnamed-usage.jsonl', '--as-of', '2026-06-02'];
    const u = JSON.parse(run([...own, '--json'], root).stdout) as TelemetryReport;
    expect(u.turns_with_cache_counter).toBe(0);
    expect(u.overall).toMatchObject({ turns: 4, cache_read_tokens: 0, cache_hit_ratio: null });
    expect(u.misnamed_cache_counter).toEqual({
      attribute: 'usage.cache_write_tokens',
      expected: 'usage.cache_creation_input_tokens',
      first_at: 'misnamed-usage.jsonl:2',
    });
    expect(run(own, root).stdout).toContain(
      "no record carries a cache counter: the hit ratios and the cost are not measured; records carry usage.cache_write_tokens (first at misnamed-usage.jsonl:2), which is not read as a cache counter: Anthropic's Messages API names it usage.cache_creation_input_tokens\n",
    );
  });

  it('an instant without a zone is UTC on every machine; a date in another form is malformed', () => {
    const rec = (ts: string, turn: number) =>
      JSON.stringify({
        session_id: 'tz',
        turn,
        ts,
        model: 'm',
        usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 },
      });
    writeFileSync(
      join(root, 'tz.jsonl'),
      [
        rec('2026-12-01T00:00:00', 1),
        rec('2026-12-01T00:30:00.250+00:00', 2),
        rec('2026-12-01', 3),
        rec('Dec 1 2026 00:45', 4),
      ].join('\n') + '\n',
    );
    const args = ['telemetry', 'report', '--files', 'tz.jsonl', '--as-of', '2026-12-01T02:00:00Z', '--window', '3h'];
    const reports = ['UTC', 'Asia/Tokyo', 'America/New_York'].map((TZ) => run([...args, '--json'], root, { TZ }));
    for (const r of reports) expect(r.stdout).toBe(reports[0]?.stdout);
    const rep = JSON.parse(reports[0]?.stdout ?? '') as TelemetryReport;
    expect(rep.overall.turns).toBe(3);
    expect(run(args, root).stdout).toMatch(/tz\.jsonl:4: .*ts is not an ISO-8601 instant/);
  });

  it("PostgreSQL's text for an instant, its zone +00 on a whole hour, is read as a ts and by --as-of", () => {
    const rec = (ts: string, turn: number) =>
      JSON.stringify({
        session_id: 'pg',
        turn,
        ts,
        model: 'm',
        usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 },
      });
    writeFileSync(
      join(root, 'pg.jsonl'),
      [
        rec('2026-12-01 00:15:00.123456+00', 1),
        rec('2026-12-01 02:30:00+02', 2),
        rec('2026-12-01 01:40:00+0000', 3),
      ].join('\n') + '\n',
    );
    const args = ['telemetry', 'report', '--files', 'pg.jsonl', '--as-of', '2026-12-01 01:45:00+00', '--json'];
    const r = run(args, root);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as TelemetryReport;
    expect(rep.as_of).toBe('2026-12-01T01:45:00.000Z');
    expect(rep.malformed.count).toBe(0);
    expect(rep.overall.turns).toBe(3);
    expect(rep.sessions[0]?.first_turn_at).toBe('2026-12-01T00:15:00.123Z');
    expect(rep.sessions[0]?.last_turn_at).toBe('2026-12-01T01:40:00.000Z');
  });

  it('a file that cannot be read (a damaged gzip) halts: exit 2 with the reason, no report', () => {
    const damaged = gzipSync(telemetryText([plans[0] as SessionPlan]));
    damaged[damaged.length - 8] = (damaged[damaged.length - 8] as number) ^ 1;
    writeFileSync(join(root, 'damaged.jsonl.gz'), damaged);
    const r = run(['telemetry', 'report', '--files', 'damaged.jsonl.gz', '--as-of', AS_OF, '--json'], root);
    const said =
      /^halt: (cannot read telemetry: .*damaged\.jsonl\.gz:\d+: the gzip data is damaged \(incorrect data check\).*)$/m.exec(
        r.stderr,
      )?.[1];
    expect(said).toBeDefined();
    expect(r.code).toBe(2);
    // No report, and --json asked for one: stdout holds the error object a step piping it into jq reads.
    expect(JSON.parse(r.stdout)).toEqual({ error: { name: 'Halt', message: said, exit: 2 } });
    const table = run(['telemetry', 'report', '--files', 'damaged.jsonl.gz', '--as-of', AS_OF], root);
    expect(table.code).toBe(2);
    expect(table.stdout).toBe('');
  });

  it('a plain JSONL file named .gz halts saying it is no gzip at all and to rename it', () => {
    writeFileSync(join(root, 'plain.jsonl.gz'), telemetryText([plans[0] as SessionPlan]));
    const r = run(['telemetry', 'report', '--files', 'plain.jsonl.gz', '--as-of', AS_OF], root);
    expect(r.stderr).toBe(
      'halt: cannot read telemetry: plain.jsonl.gz:1: the file is not gzip data (it starts with 7b 22, not 1f 8b), but its name ends in .gz: if it is plain JSONL, rename it without .gz; if it should be gzip, write it again with gzip\n',
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a .jsonl.gz cut short (still being written) reports its whole lines and says it ends mid-stream', () => {
    const text = telemetryText([plans[0] as SessionPlan]);
    const whole = gzipSync(text);
    // Cut before its last 8 bytes, the trailer: every line of its data decodes.
    writeFileSync(join(root, 'writing.jsonl.gz'), whole.subarray(0, whole.length - 8));
    writeFileSync(join(root, 'written.jsonl'), text);
    const args = ['telemetry', 'report', '--as-of', AS_OF];
    const cut = run([...args, '--files', 'writing.jsonl.gz', '--json'], root);
    const plain = run([...args, '--files', 'written.jsonl', '--json'], root);
    expect(cut.code).toBe(0);
    const rep = JSON.parse(cut.stdout) as TelemetryReport;
    const ref = JSON.parse(plain.stdout) as TelemetryReport;
    expect(rep.overall).toEqual(ref.overall);
    expect(rep.ends_mid_stream).toEqual([
      `writing.jsonl.gz: its gzip data stops before the end of the compressed stream (still being written?): read as far as it goes, ${ref.files[0]?.lines} lines`,
    ]);
    expect(ref.ends_mid_stream).toEqual([]);
    const table = run([...args, '--files', 'writing.jsonl.gz'], root);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('writing.jsonl.gz: its gzip data stops before the end of the compressed stream');
  });

  it('a zero-byte .jsonl.gz (a writer has not written yet) reports as a zero-byte .jsonl does', () => {
    mkdirSync(join(root, 'zero'), { recursive: true });
    writeFileSync(join(root, 'zero', 'now.jsonl'), '');
    writeFileSync(join(root, 'zero', 'now.jsonl.gz'), '');
    for (const extra of [[], ['--json']]) {
      const plain = run(['telemetry', 'report', '--files', 'zero/now.jsonl', '--as-of', AS_OF, ...extra], root);
      const gz = run(['telemetry', 'report', '--files', 'zero/now.jsonl.gz', '--as-of', AS_OF, ...extra], root);
      expect(plain.stderr).toBe(
        `halt: never started: no turns ever in the files (as of ${AS_OF.replace('Z', '.000Z')})\n`,
      );
      expect(plain.code).toBe(2);
      expect({ ...gz, stdout: gz.stdout.replaceAll('now.jsonl.gz', 'now.jsonl') }).toEqual(plain);
    }
    // Beside a file of turns it adds nothing.
    const both = run(
      [
        'telemetry',
        'report',
        '--files',
        'zero/now.jsonl.gz',
        '--files',
        'telemetry/usage.jsonl',
        '--as-of',
        AS_OF,
        '--json',
      ],
      root,
    );
    expect(both.code).toBe(0);
    expect((JSON.parse(both.stdout) as TelemetryReport).overall.turns).toBe(6);
  });

  it('a ts in epoch seconds is a malformed line that says so, not a turn in 1970', () => {
    const rec = (ts: number, turn: number) =>
      JSON.stringify({
        session_id: 'sec',
        turn,
        ts,
        usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 90 },
      });
    const ms = Date.parse('2026-05-31T10:00:00Z');
    writeFileSync(join(root, 'seconds.jsonl'), `${rec(ms, 1)}\n${rec(ms / 1000 + 60, 2)}\n${rec(ms + 120_000, 3)}\n`);
    const r = run(['telemetry', 'report', '--files', 'seconds.jsonl', '--as-of', AS_OF], root);
    expect(r.stdout).toContain(
      'seconds.jsonl:2: ts 1780221660 looks like seconds since the epoch (2026-05-31T10:01:00.000Z); write epoch milliseconds or an ISO-8601 instant',
    );
    const json = JSON.parse(
      run(['telemetry', 'report', '--files', 'seconds.jsonl', '--as-of', AS_OF, '--json'], root).stdout,
    ) as TelemetryReport;
    expect(json.overall.turns).toBe(2);
    expect(json.malformed.first).toEqual([
      expect.stringMatching(/^seconds\.jsonl:2: ts 1780221660 looks like seconds/),
    ]);
  });

  it('an OpenTelemetry Collector file export (one OTLP/JSON export per line) counts each gen_ai span as a turn', () => {
    const span = (conversation: string, minute: number, input: number, read: number) => ({
      name: 'chat',
      startTimeUnixNano: `${Date.parse('2026-05-31T10:00:00Z') + minute * 60_000}000000`,
      attributes: [
        { key: 'gen_ai.conversation.id', value: { stringValue: conversation } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: String(input) } },
        { key: 'gen_ai.usage.cache_read.input_tokens', value: { intValue: String(read) } },
      ],
    });
    const tool = { name: 'execute_tool', startTimeUnixNano: '1780221600000000000', attributes: [] };
    const exportOf = (...spans: object[]) =>
      JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: 'agent' }, spans }] }] });
    writeFileSync(
      join(root, 'collector.jsonl'),
      `${exportOf(span('x', 0, 1000, 0), tool, span('x', 1, 1000, 900))}\n${exportOf(tool)}\n${exportOf(span('y', 2, 500, 400))}\n`,
    );
    for (const env of [{}, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }]) {
      const r = run(['telemetry', 'report', '--files', 'collector.jsonl', '--as-of', AS_OF, '--json'], root, env);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout) as TelemetryReport;
      expect(json.files).toEqual([{ path: 'collector.jsonl', lines: 3, records: 3, malformed: 0 }]);
      expect(json.overall).toMatchObject({ turns: 3, input_tokens: 1000 + 100 + 100, cache_read_tokens: 1300 });
      expect(json.sessions.map((s) => [s.session, s.turns])).toEqual([
        ['x', 2],
        ['y', 1],
      ]);
    }
  });

  it('reads the files named in rfc.yaml', () => {
    const r = run(['telemetry', 'report', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--json'], root);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as TelemetryReport).overall.turns).toBe(10);
    // A writer of plain JSONL only: the list's *.jsonl.gz, an alternative to *.jsonl, is not named.
    const plain = tempDir('rfcgate-telemetry-plain-');
    mkdirSync(join(plain, 'telemetry'), { recursive: true });
    writeFileSync(join(plain, 'telemetry', 'usage.jsonl'), telemetryText([plans[0] as SessionPlan]));
    cpSync(resolve('gates/v3-kernel'), join(plain, 'gates/v3-kernel'), { recursive: true });
    const json = run(['telemetry', 'report', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--json'], plain);
    expect(json.code).toBe(0);
    const rep = JSON.parse(json.stdout) as TelemetryReport;
    expect(rep.files.map((f) => f.path)).toEqual(['telemetry/usage.jsonl']);
    expect(rep.unmatched_patterns).toEqual([]);
    const table = run(['telemetry', 'report', '--rfc', 'v3-kernel', '--as-of', AS_OF], plain);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/matched no file/);
  });

  it('halts (exit 2) when no file matches, or a file is mostly malformed', () => {
    const none = run(['telemetry', 'report', '--files', 'nowhere/*.jsonl'], root);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no telemetry file matches nowhere\/\*\.jsonl/);
    expect(none.stdout).toBe('');
    const noneJson = run(['telemetry', 'report', '--files', 'nowhere/*.jsonl', '--json'], root);
    expect(noneJson.code).toBe(2);
    expect(noneJson.stderr).toBe(`halt: no telemetry file matches nowhere/*.jsonl under ${root}\n`);
    expect(JSON.parse(noneJson.stdout)).toEqual({
      error: { name: 'Halt', message: `no telemetry file matches nowhere/*.jsonl under ${root}`, exit: 2 },
    });
    // A file named outright that is gone is said to be gone, whatever else matched nothing.
    const named = run(['telemetry', 'report', '--files', 'gone.jsonl', '--files', 'nowhere/*.jsonl'], root);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/^halt: no such telemetry file: gone\.jsonl under /);
    // An absolute name was looked for where it says, not under the repository.
    const elsewhere = join(root, 'nowhere', 'gone.jsonl');
    const absolute = run(['telemetry', 'report', '--files', elsewhere], root);
    expect(absolute.code).toBe(2);
    expect(absolute.stderr).toBe(`halt: no such telemetry file: ${elsewhere}\n`);
    const glob = run(['telemetry', 'report', '--files', join(root, 'nowhere', '*.jsonl')], root);
    expect(glob.stderr).toBe(`halt: no telemetry file matches ${join(root, 'nowhere', '*.jsonl')}\n`);
    const junk = runOnFixture([
      'telemetry',
      'report',
      '--files',
      'junk.jsonl',
      '--files',
      'telemetry/usage.jsonl',
      '--as-of',
      AS_OF,
    ]);
    expect(junk.code).toBe(2);
    expect(junk.stdout).toMatch(/junk\.jsonl:1: not JSON/);
    expect(junk.stdout).toMatch(/junk\.jsonl:2: not a known record shape/);
    expect(junk.stderr).toMatch(/mostly malformed: junk\.jsonl/);
    // Alone it leaves no turn at all: the malformed file is still the cause named.
    const only = run(['telemetry', 'report', '--files', 'junk.jsonl', '--as-of', AS_OF], root);
    expect(only.code).toBe(2);
    expect(only.stderr).toBe('halt: mostly malformed: junk.jsonl\n');
    // A file named outright that is not there, beside one that is: not passed over.
    const gone = run(['telemetry', 'report', '--files', 'telemetry/usage.jsonl', '--files', 'nope.jsonl'], root);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/^halt: no such telemetry file: nope\.jsonl under /);
    // A folder named outright is there, but holds no file by that name: said so, not "no such file".
    const folder = run(['telemetry', 'report', '--files', 'telemetry/usage.jsonl', '--files', 'telemetry'], root);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(
      'halt: telemetry is a folder, not a telemetry file: name the files in it with a glob, such as telemetry/**/*.jsonl\n',
    );
  });

  it('a glob that matches nothing beside one that does is named in the table and the JSON, not passed over', () => {
    const args = [
      'telemetry',
      'report',
      '--files',
      'telemetry/*.jsonl',
      '--files',
      'telemtry/*.jsonl.gz',
      '--as-of',
      AS_OF,
    ];
    const table = run(args, root);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^telemtry\/\*\.jsonl\.gz matched no file: nothing it was meant to find is counted$/m);
    const json = run([...args, '--json'], root);
    const rep = JSON.parse(json.stdout) as TelemetryReport;
    expect(rep.unmatched_patterns).toEqual(['telemtry/*.jsonl.gz']);
    expect(rep.files.map((f) => f.path)).toEqual(['telemetry/usage.jsonl']);
    // Every glob matching something: none named.
    const all = runOnFixture(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', AS_OF, '--json']);
    expect((JSON.parse(all.stdout) as TelemetryReport).unmatched_patterns).toEqual([]);
  });

  it('a link a glob matches that leads nowhere halts (exit 2) naming it, beside files that read', () => {
    mkdirSync(join(root, 'linked'), { recursive: true });
    writeFileSync(join(root, 'linked', 'a.jsonl'), telemetryText([plans[0] as SessionPlan]));
    symlinkSync(join(root, 'rotated-away.jsonl'), join(root, 'linked', 'b.jsonl'));
    const r = run(['telemetry', 'report', '--files', 'linked/*.jsonl', '--as-of', AS_OF, '--json'], root);
    expect(r.code).toBe(2);
    const reason = `linked/b.jsonl (matched by linked/*.jsonl) is a link to ${join(root, 'rotated-away.jsonl')}, which does not exist`;
    expect(r.stderr).toBe(`halt: ${reason}\n`);
    expect(JSON.parse(r.stdout)).toEqual({ error: { name: 'Halt', message: reason, exit: 2 } });
  });

  it('a named pipe a glob matches is named as skipped in the table and the JSON, never opened; alone it halts (exit 2)', () => {
    mkdirSync(join(root, 'piped'), { recursive: true });
    writeFileSync(join(root, 'piped', 'a.jsonl'), telemetryText([plans[0] as SessionPlan]));
    execFileSync('mkfifo', [join(root, 'piped', 'b.jsonl')]);
    const skipped = 'piped/b.jsonl, matched by piped/*.jsonl, is a named pipe, not a regular file: not read';
    // On its own thread too: the job it is sent carries what was skipped.
    for (const env of [{}, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }]) {
      const json = run(['telemetry', 'report', '--files', 'piped/*.jsonl', '--as-of', AS_OF, '--json'], root, env);
      expect(json.stderr).toBe('');
      expect(json.code).toBe(0);
      const rep = JSON.parse(json.stdout) as TelemetryReport;
      expect(rep.files.map((f) => f.path)).toEqual(['piped/a.jsonl']);
      expect(rep.skipped_files).toEqual([skipped]);
      const table = run(['telemetry', 'report', '--files', 'piped/*.jsonl', '--as-of', AS_OF], root, env);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain(`1 matched path skipped, not regular files:\n  ${skipped}\n`);
    }
    const alone = run(['telemetry', 'report', '--files', 'piped/b*', '--as-of', AS_OF], root);
    expect(alone.code).toBe(2);
    expect(alone.stdout).toBe('');
    expect(alone.stderr).toBe(
      `halt: no telemetry file matches piped/b* under ${root}: piped/b.jsonl, matched by piped/b*, is a named pipe, not a regular file: not read\n`,
    );
  });

  it('a folder the glob could find files in but that cannot be listed, or a link to one that is gone, halts', () => {
    // Its own folder, open to an unprivileged user: root lists any folder, so as root the
    // report runs as nobody.
    const dir = tempDir('rfcgate-telemetry-unlisted-');
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'logs', 'private'), { recursive: true });
    mkdirSync(join(dir, 'logs', 'archive', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'logs', 'a.jsonl'), telemetryText([plans[0] as SessionPlan]));
    writeFileSync(join(dir, 'logs', 'private', 'b.jsonl'), telemetryText([plans[1] as SessionPlan]));
    chmodSync(join(dir, 'logs', 'private'), 0o000);
    const asUser = (args: string[]) => {
      const cmd = [process.execPath, BIN, ...args];
      const root = process.getuid?.() === 0;
      const r = spawnSync(
        root ? 'setpriv' : (cmd[0] as string),
        [...(root ? ['--reuid=65534', '--regid=65534', '--clear-groups', ...cmd] : cmd.slice(1))],
        { cwd: dir, env: { ...process.env, NO_COLOR: '1', HOME: dir }, encoding: 'utf8' },
      );
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const report = (files: string) => asUser(['telemetry', 'report', '--files', files, '--as-of', AS_OF, '--json']);
    const all = report('logs/**/*.jsonl');
    expect(all.stderr).toBe(
      'halt: logs/private (logs/**/*.jsonl could match files there) is a folder that cannot be listed (EACCES)\n',
    );
    expect(all.code).toBe(2);
    // A pattern that cannot reach into it reads the rest.
    const top = report('logs/*.jsonl');
    expect(top.stderr).toBe('');
    expect(top.code).toBe(0);
    expect((JSON.parse(top.stdout) as TelemetryReport).overall.turns).toBe(6);
    expect(report('logs/archive/*/*.jsonl').stderr).toMatch(/^halt: no telemetry file matches/);

    // A link that leads nowhere, whose own name the pattern does not match: as a folder, it could
    // have held the files (a log volume not mounted).
    chmodSync(join(dir, 'logs', 'private'), 0o755);
    symlinkSync('/nonexistent/rfcgate-volume', join(dir, 'logs', 'mnt'));
    const linked = report('logs/**/*.jsonl');
    expect(linked.stderr).toBe(
      'halt: logs/mnt (logs/**/*.jsonl could match files there) is a link to /nonexistent/rfcgate-volume, which does not exist\n',
    );
    expect(linked.code).toBe(2);
    // Where the pattern names files only at the top, a link named mnt could hold none of them.
    expect(report('logs/*.jsonl').code).toBe(0);
  });

  it('on a terminal the progress line is cleared before the report starts, on either thread', () => {
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      lines.push(
        `{"session_id":"p${i % 50}","turn":${Math.floor(i / 50) + 1},"ts":"2026-05-31T10:00:00Z","usage":{"input_tokens":100,"output_tokens":1,"cache_read_input_tokens":900}}`,
      );
    }
    // About 4 MB: several of the reader's 1 MB reads, each a progress update.
    writeFileSync(join(root, 'progress.jsonl'), `${lines.join('\n')}\n`);
    for (const thread of ['0', String(1 << 30)]) {
      const cmd = `${process.execPath} ${BIN} telemetry report --files progress.jsonl --as-of ${AS_OF} --no-trend`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
        cwd: root,
        env: {
          ...process.env,
          NO_COLOR: '1',
          CI: '',
          RFCGATE_PROGRESS_AFTER_MS: '0',
          RFCGATE_TELEMETRY_THREAD_FROM: thread,
        },
        encoding: 'utf8',
      });
      expect(r.status, r.stdout).toBe(0);
      const out = r.stdout;
      const drawn = out.lastIndexOf('reading telemetry… ');
      const table = out.indexOf('Agent telemetry');
      expect(drawn, out).toBeGreaterThanOrEqual(0);
      expect(table, out).toBeGreaterThan(drawn);
      // The line is erased (carriage return, clear line) between the last progress and the table.
      const cleared = out.indexOf('\r\u001b[2K', drawn);
      expect(cleared, JSON.stringify(out.slice(drawn, table + 20))).toBeGreaterThan(drawn);
      expect(cleared).toBeLessThan(table);
    }
  });

  it('on a terminal narrower than the table, long session ids are shortened in the middle', () => {
    const id = 'agent-7f3c2a9e-1b4d-4c8a-9e2f-5d6b7a8c9d0e-worker-17';
    writeFileSync(
      join(root, 'long-ids.jsonl'),
      `{"session_id":"${id}","turn":1,"ts":"2026-05-31T10:00:00Z","usage":{"input_tokens":100,"output_tokens":1,"cache_read_input_tokens":900}}\n`,
    );
    const onTerminal = (cols: number) => {
      const cmd = `stty cols ${cols}; ${process.execPath} ${BIN} telemetry report --files long-ids.jsonl --as-of ${AS_OF}`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1', CI: '' },
        encoding: 'utf8',
      });
      expect(r.status, r.stdout).toBe(0);
      return r.stdout;
    };
    expect(onTerminal(300)).toContain(id);
    const narrow = onTerminal(80);
    expect(narrow).not.toContain(id);
    expect(narrow).toContain('agent-7f…orker-17');
    // The table, its sparkline too, fits the 80 columns: a wider one would wrap every row.
    const table = narrow.split(/\r?\n/).filter((l) => /^[┌│├└]/.test(l));
    expect(table.length).toBeGreaterThan(3);
    for (const l of table) expect(Array.from(l).length, l).toBeLessThanOrEqual(80);
  });

  it('on its own thread (as for a large input) prints the same bytes and the same halts, JSON or table', async () => {
    const thread = { RFCGATE_TELEMETRY_THREAD_FROM: '0' };
    for (const args of [
      ['--files', 'telemetry/*', '--as-of', AS_OF, '--json'],
      ['--files', 'telemetry/*', '--as-of', AS_OF, '--json', '--window', '30m', '--turns', '3'],
      ['--files', 'junk.jsonl', '--files', 'telemetry/usage.jsonl', '--as-of', AS_OF, '--json'],
      ['--files', 'telemetry/*', '--as-of', '2020-01-01', '--json'],
      ['--files', 'telemetry/*', '--as-of', AS_OF],
      ['--files', 'telemetry/*', '--as-of', AS_OF, '--trend', '--sessions', '1', '--turns', '5'],
      ['--files', 'junk.jsonl', '--files', 'telemetry/usage.jsonl', '--as-of', AS_OF],
    ]) {
      const here = runOnFixture(['telemetry', 'report', ...args]);
      const there = runOnFixture(['telemetry', 'report', ...args], thread);
      expect(there.stdout, args.join(' ')).toBe(here.stdout);
      expect(there.stderr, args.join(' ')).toBe(here.stderr);
      expect(there.code, args.join(' ')).toBe(here.code);
    }
    expect(
      runOnFixture(['telemetry', 'report', '--files', 'telemetry/*', '--as-of', '2020-01-01', '--json'], thread).code,
    ).toBe(2);
    // The build has the worker, so a job at or over the threshold takes the thread.
    const built = pathToFileURL(resolve('dist/telemetry/write-report.js')).href;
    const { wantsThread } = (await import(built)) as typeof import('../../src/telemetry/write-report.js');
    const job = { root, files: ['telemetry/usage.jsonl'], asOf: AS_OF, series: 40 };
    expect(wantsThread(job, thread)).toBe(true);
    expect(wantsThread(job, { RFCGATE_TELEMETRY_THREAD_FROM: String(1 << 30) })).toBe(false);
    // The input's size decides, however the files are named.
    const abs = join(root, 'telemetry', 'usage.jsonl');
    const size = String(statSync(abs).size);
    expect(wantsThread({ ...job, files: [abs] }, { RFCGATE_TELEMETRY_THREAD_FROM: size })).toBe(true);
    expect(wantsThread({ ...job, files: [abs] }, { RFCGATE_TELEMETRY_THREAD_FROM: `${Number(size) + 1}` })).toBe(false);
    expect(wantsThread(job, { RFCGATE_TELEMETRY_THREAD_FROM: size })).toBe(true);
  });

  it('a reader that stops early (`| head -c 10`) ends the report quietly, with its own exit code, on either thread', () => {
    // Thousands of sessions: far more JSON than a pipe holds, so the write after head exits fails.
    const plans = Array.from({ length: 3000 }, (_, i) => ({
      session: `p${i}`,
      start: '2026-05-31T10:00:00Z',
      turns: 2,
    }));
    writeFileSync(join(root, 'many.jsonl'), telemetryText(plans));
    for (const env of [{}, { RFCGATE_TELEMETRY_THREAD_FROM: '0' }]) {
      const r = spawnSync(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${BIN}" telemetry report --files many.jsonl --as-of ${AS_OF} --json | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`,
        ],
        { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } },
      );
      expect(r.stderr, JSON.stringify(env)).toBe('');
      expect(r.stdout.trim(), JSON.stringify(env)).toBe('0');
    }
  });

  it('a bad flag is exit 3 with one clear line; --help documents the exit codes', () => {
    const bad = run(['telemetry', 'report', '--files', 'telemetry/*', '--window', 'a week'], root);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toBe(
      "error: --window 'a week' is not a duration: use a whole number from 1 to 99999 and s, m, h, d or w (7d)\n",
    );
    // A window of nothing is refused too, and the advice says why: it is no number of at least 1.
    const nothing = run(['telemetry', 'report', '--files', 'telemetry/*', '--window', '0d'], root);
    expect(nothing.code).toBe(3);
    expect(nothing.stderr).toMatch(/^error: --window '0d' is not a duration: use a whole number from 1 to 99999 /);
    // oclif's own parse errors too: one line, not a heading, an indented reason and a pointer.
    const zero = run(['telemetry', 'report', '--files', 'telemetry/*', '--last-turns', '0'], root);
    expect(zero.code).toBe(3);
    expect(zero.stderr).toBe(
      'error: Parsing --last-turns: Expected an integer greater than or equal to 1 but received: 0 (see --help)\n',
    );
    // Nor more than the report holds in memory until the files end: refused, naming the most.
    const most = run(['telemetry', 'report', '--files', 'telemetry/*', '--last-turns', '100000', '--json'], root);
    expect(most.code).toBe(0);
    for (const huge of ['100001', '99999999999999999999']) {
      const over = run(['telemetry', 'report', '--files', 'telemetry/*', '--last-turns', huge], root);
      expect(over.code).toBe(3);
      expect(over.stderr).toBe(
        `error: Parsing --last-turns: Expected an integer less than or equal to 100000 but received: ${huge} (see --help)\n`,
      );
      expect(over.stdout).toBe('');
    }
    // --turns likewise: each session's series is held until the files end and all are in the JSON.
    const widest = run(['telemetry', 'report', '--files', 'telemetry/*', '--turns', '1000', '--json'], root);
    expect(widest.code).toBe(0);
    for (const huge of ['1001', '99999999999999999999']) {
      const over = run(['telemetry', 'report', '--files', 'telemetry/*', '--turns', huge], root);
      expect(over.code).toBe(3);
      expect(over.stderr).toBe(
        `error: Parsing --turns: Expected an integer less than or equal to 1000 but received: ${huge} (see --help)\n`,
      );
      expect(over.stdout).toBe('');
      const json = run(['telemetry', 'report', '--files', 'telemetry/*', '--turns', huge, '--json'], root);
      expect(json.code).toBe(3);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { name: 'UsageError', exit: 3 } });
    }
    // An empty --files names nothing to look for: an invalid invocation, not missing data.
    const empty = run(['telemetry', 'report', '--files', 'telemetry/*', '--files', ''], root);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toBe("error: --files '' names no file: give a path or a glob, such as telemetry/**/*.jsonl\n");
    // Spaces only name no file either, and are not looked for as one.
    const blank = run(['telemetry', 'report', '--files', '  '], root);
    expect(blank.code).toBe(3);
    expect(blank.stderr).toBe(
      "error: --files '  ' names no file: give a path or a glob, such as telemetry/**/*.jsonl\n",
    );
    // A leading '!' leaves nothing out: beside another glob it would read every other file of the repository.
    const negated = run(
      ['telemetry', 'report', '--files', 'telemetry/**/*.jsonl', '--files', '!telemetry/old/**'],
      root,
    );
    expect(negated.code).toBe(3);
    expect(negated.stderr).toMatch(
      /^error: --files '!telemetry\/old\/\*\*' starts with '!', which does not leave files out here: .*\n$/,
    );
    expect(negated.stdout).toBe('');
    // A flag whose own parser fails (a folder that is not there) too.
    const folder = run(['telemetry', 'report', '--files', 'telemetry/*', '--root', join(root, 'nowhere')], root);
    expect(folder.code).toBe(3);
    expect(folder.stderr).toBe(`error: Parsing --root: No directory found at ${join(root, 'nowhere')} (see --help)\n`);
    const help = run(['telemetry', 'report', '--help'], root);
    expect(help.stdout).toMatch(/EXIT CODES\n {2}0 {2}the report was computed/);
    // Which turns are the last is said: the last read, as the schema's last_turns has it.
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(
      /--last-turns=<value> +Only the last N turns count: the last read, with files in path order/,
    );
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'At most 100000, since they are held in memory until the files end; for a longer span, use --window.',
    );
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      "At most 1000, since each session's are held until the files end and all are in the JSON; the series is a trend, not the log.",
    );
  });
});

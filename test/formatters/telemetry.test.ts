import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import {
  formatTelemetryJson,
  formatTelemetryTable,
  sparkline,
  telemetryJsonChunks,
  telemetryJsonStream,
} from '../../src/formatters/telemetry/index.js';
import { emptyTotals } from '../../src/sources/telemetry/metrics.js';
import { scanFiles } from '../../src/sources/telemetry/scan.js';
import {
  buildReport,
  metricRow,
  reportHead,
  type SessionRow,
  sessionRows,
  type TelemetryReport,
  worstFirst,
  worstSessions,
} from '../../src/telemetry/report.js';
import { telemetryText } from '../helpers/telemetry.js';

/** The terminal columns of the widest line of the table's box. */
function columns(t: string): number {
  return Math.max(
    ...t
      .split('\n')
      .filter((l) => /^[┌│├└]/.test(l))
      .map((l) => stringWidth(l)),
  );
}

function report(sessions: number): TelemetryReport {
  const t = { ...emptyTotals(), turns: 2, input: 10, cacheRead: 90, hitTurns: 1, cacheCounted: 2 };
  const row = (i: number): SessionRow => ({
    session: `s${i}`,
    first_turn_at: '2026-06-01T00:00:00.000Z',
    last_turn_at: '2026-06-01T00:01:00.000Z',
    ...metricRow(t),
    hit_ratio_by_turn: [0, 0.9, null],
  });
  return {
    as_of: '2026-06-01T00:00:00.000Z',
    window: { start: null, last_turns: null },
    files: [{ path: 't.jsonl', lines: 2, records: 2, malformed: 0 }],
    skipped_files: [],
    unmatched_patterns: [],
    malformed: { count: 0, first: [] },
    mostly_malformed: [],
    no_turns: null,
    ends_mid_stream: [],
    records_after_as_of: 0,
    duplicate_turns: { count: 0, first: [] },
    fork_traces: 0,
    fork_traces_without_turn: 0,
    turns_with_cache_counter: 2,
    turns_with_cache_breakpoints: 0,
    misnamed_cache_counter: null,
    unknown_cache_miss_reason: null,
    overall: metricRow(t),
    invariants: {
      compaction_cache_stable: {
        checked: 0,
        awaiting_next_turn: 0,
        past_cache_lifetime: 0,
        cache_not_recorded: 0,
        model_changed: 0,
        first_turn: 0,
        violations: [],
      },
      injected_after_breakpoint: {
        checked: 0,
        awaiting_next_turn: 0,
        past_cache_lifetime: 0,
        cache_not_recorded: 0,
        model_changed: 0,
        first_turn: 0,
        violations: [],
      },
    },
    sessions: Array.from({ length: sessions }, (_, i) => row(i)),
  };
}

describe('telemetry formatters', () => {
  it('the table writes control characters in a session id out', () => {
    const r = report(1);
    (r.sessions[0] as SessionRow).session = 'evil\u001b[31m\nid';
    const out = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 });
    expect(out).toContain('evil\\x1b[31m\\nid');
    expect(out).not.toContain('\u001b');
  });

  it('the table writes control characters in a file name out too: violations and mostly malformed files', () => {
    const r = report(1);
    const file = 'ev/x\u001b[31mRED\nFAKE.jsonl';
    r.invariants.compaction_cache_stable.checked = 1;
    r.invariants.compaction_cache_stable.violations = [
      { session: 's', turn: 1, missed_turn: 2, cause: 'no cache read', file, line: 5 },
    ];
    r.mostly_malformed = [file];
    const out = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 });
    expect(out).toContain('no cache read, ev/x\\x1b[31mRED\\nFAKE.jsonl:5)');
    expect(out).toContain('ev/x\\x1b[31mRED\\nFAKE.jsonl is mostly malformed');
    expect(out).not.toContain('\u001b');
  });

  it('counts in the header as a sentence does: one turn, one session, one file', () => {
    const r = report(2);
    r.overall = metricRow({ ...emptyTotals(), turns: 1, input: 10, cacheRead: 90, hitTurns: 1, cacheCounted: 1 });
    r.window = { start: null, last_turns: 1 };
    const one = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 1 });
    expect(one).toContain(': 1 file, 1 turn, 2 sessions (worst hit ratio first)');
    expect(one).toContain('(last 1 turn)');
    expect(one).toContain('… and 1 more session (--json lists them all)');
    r.files.push({ path: 'u.jsonl', lines: 1, records: 1, malformed: 0 });
    r.overall.turns = 3;
    r.window.last_turns = 3;
    const many = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 });
    expect(many).toContain(': 2 files, 3 turns, 2 sessions (worst hit ratio first)');
    expect(many).toContain('(last 3 turns)');
  });

  it('says how many malformed lines are not listed', () => {
    const r = report(1);
    r.malformed = { count: 12, first: Array.from({ length: 10 }, (_, i) => `t.jsonl:${i + 1}: not JSON`) };
    const out = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 });
    expect(out).toContain('12 malformed lines:\n  t.jsonl:1: not JSON\n');
    expect(out).toContain('  t.jsonl:10: not JSON\n  … and 2 more\n');
    r.malformed = { count: 1, first: ['t.jsonl:1: not JSON'] };
    expect(formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 })).not.toContain('more\n');
  });

  it('a compaction still awaiting its next turn is said, not passed over as no compaction at all', () => {
    const r = report(1);
    // A session whose last turn is a compaction: nothing decides it yet, and another one held.
    r.invariants.compaction_cache_stable.awaiting_next_turn = 1;
    let out = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 });
    expect(out).toContain(
      'compaction is cache-stable: not exercised (no compaction turn checked) (1 more await their next turn: not counted)',
    );
    r.invariants.compaction_cache_stable.checked = 2;
    out = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 });
    expect(out).toContain(
      'compaction is cache-stable: holds over 2 compaction turns (1 more await their next turn: not counted)',
    );
    expect(out).toContain('results injected after the breakpoint: not exercised (no injection turn checked)\n');
  });

  it('a session id or a file name cannot pass for a workflow command in a GitHub Actions log', () => {
    const r = report(1);
    (r.sessions[0] as SessionRow).session = 'x##[add-mask]secret';
    r.mostly_malformed = ['::error::fake.jsonl'];
    const out = formatTelemetryTable(r, { color: false, trend: true, maxSessions: 5 });
    expect(out.split('\n').filter((l) => l.trimStart().startsWith('::') || l.includes('##['))).toEqual([]);
    expect(out).toContain('x##\\x5badd-mask]secret');
    expect(out).toContain('\\x3a:error::fake.jsonl is mostly malformed');
    // The JSON, whole or streamed, says the same in escapes a JSON reader reads back.
    for (const json of [formatTelemetryJson(r), [...telemetryJsonChunks(r)].join('')]) {
      expect(json.includes('##[')).toBe(false);
      expect(JSON.parse(json)).toEqual(r);
    }
  });

  it('in a table wider than the terminal, long session ids keep their start and end and misses go one per line', () => {
    const r = report(2);
    const long = 'agent-7f3c2a9e-1b4d-4c8a-9e2f-5d6b7a8c9d0e-worker-17';
    const first = r.sessions[0] as SessionRow;
    r.sessions[0] = {
      ...first,
      session: long,
      misses: { system_prompt: 1, tools: 2, message_prefix: 3, child_directive: 4, model: 5 },
    };
    const opts = { color: false, trend: true, maxSessions: 5 };
    const text = (w?: number) => formatTelemetryTable(r, { ...opts, ...(w ? { width: w } : {}) });
    const full = text();
    expect(full).toContain(long);
    expect(full).toContain('system_prompt 1, tools 2, message_prefix 3, child_directive 4, model 5');
    expect(text(columns(full))).toBe(full);
    const narrow = text(columns(full) - 1);
    expect(narrow).not.toContain(long);
    expect(narrow).toContain('agent-7f3c…worker-17');
    expect(narrow.split('\n').filter((l) => /│ (tools 2|model 5) +│/.test(l))).toHaveLength(2);
    expect(columns(narrow)).toBeLessThan(columns(full) - 40);
  });

  it('on a terminal still too narrow, each sparkline keeps its last turns, as many as fit, eight at least', () => {
    const r = report(2);
    // 40 turns: 30 that read nothing, then 10 that read everything.
    const series = Array.from({ length: 40 }, (_, i) => (i < 30 ? 0 : 1));
    for (const s of r.sessions) s.hit_ratio_by_turn = series;
    const opts = { color: false, trend: true, maxSessions: 5 };
    const sparks = (t: string) =>
      t
        .split('\n')
        .filter((l) => /^│ s\d/.test(l))
        .map((l) => l.split('│').at(-2)?.trim());
    const full = formatTelemetryTable(r, opts);
    // Narrow headings alone make room: the sparklines stay whole.
    const narrow = formatTelemetryTable(r, { ...opts, width: columns(full) - 1 });
    expect(sparks(narrow)).toEqual(['▁'.repeat(30) + '█'.repeat(10), '▁'.repeat(30) + '█'.repeat(10)]);
    const width = columns(narrow) - 10;
    const cut = formatTelemetryTable(r, { ...opts, width });
    expect(columns(cut)).toBe(width);
    expect(sparks(cut)).toEqual(['▁'.repeat(20) + '█'.repeat(10), '▁'.repeat(20) + '█'.repeat(10)]);
    // However narrow the terminal, a trend of eight turns.
    expect(sparks(formatTelemetryTable(r, { ...opts, width: 40 }))).toEqual(['█'.repeat(8), '█'.repeat(8)]);
  });

  it('says why a cost is not shown when writes of unknown price leave it out', () => {
    const opts = { color: false, trend: false, maxSessions: 5 };
    const note = 'cost × not shown: cache writes without the 5m/1h split beside 1-hour writes have no known price';
    const r = report(2);
    expect(formatTelemetryTable(r, opts)).not.toContain(note);
    // An OTel span's 200 unsplit writes beside 100 written for an hour: the overall cost has no price.
    r.overall = metricRow({
      ...emptyTotals(),
      turns: 4,
      input: 20,
      cacheRead: 180,
      cacheCreation: 300,
      creation1h: 100,
      creationUnsplit: 200,
      hitTurns: 2,
      cacheCounted: 4,
    });
    expect(r.overall.cache_cost_multiplier).toBeNull();
    const out = formatTelemetryTable(r, opts);
    expect(out.split('\n').find((l) => l.startsWith('│ all sessions'))).toMatch(/│ — +│/);
    expect(out).toContain(note);
  });

  it('on an 80-column terminal the narrow table fits, with or without a sparkline; short miss names are explained', () => {
    const r = report(3);
    r.sessions[0] = {
      ...(r.sessions[0] as SessionRow),
      session: 'agent-7f3c2a9e-1b4d-4c8a-9e2f-5d6b7a8c9d0e-worker-17',
      turns: 12_345,
      cache_hit_request_rate: 1,
      misses: { system_prompt: 1, tools: 22, message_prefix: 333, child_directive: 4, model: 5 },
    };
    const ids = [1, 2].map((d) => `claude-code-session-2026-05-0${d}T10:00:00-worker`);
    ids.forEach((id, i) => ((r.sessions[i + 1] as SessionRow).session = id));
    r.sessions[1] = { ...(r.sessions[1] as SessionRow), misses: null };
    for (const trend of [false, true]) {
      const out = formatTelemetryTable(r, { color: false, trend, maxSessions: 5, width: 80 });
      expect(columns(out), out).toBeLessThanOrEqual(80);
      expect(out).toContain('│ prefix 333');
      expect(out).toContain('│ child 4');
      expect(out).toContain('misses: system = system_prompt, prefix = message_prefix, child = child_directive\n');
    }
    // A full table names the sources whole, and needs no legend.
    const full = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5 });
    expect(full).toContain('system_prompt 1, tools 22, message_prefix 333, child_directive 4, model 5');
    expect(full).not.toContain('misses: system =');
  });

  it('says why >4 bp is not shown when some turns carry cache_breakpoints and others do not, and only then', () => {
    const opts = { color: false, trend: false, maxSessions: 5 };
    const note = /^>4 bp not shown: /;
    const notes = (out: string) => out.split('\n').filter((l) => note.test(l));
    const r = report(2);
    // No record carries breakpoints, the common case: a column of —, nothing said.
    expect(r.overall.turns_over_breakpoint_limit).toBeNull();
    expect(notes(formatTelemetryTable(r, opts))).toEqual([]);
    // One session's turns all carry them, the other's none: that session and the overall row
    // have no count (2 of the 4 turns were never checked), and the — is explained, once.
    const counted = metricRow({
      ...emptyTotals(),
      turns: 2,
      input: 10,
      cacheRead: 90,
      hitTurns: 1,
      cacheCounted: 2,
      withBreakpoints: 2,
      overBreakpointLimit: 1,
    });
    Object.assign(r.sessions[0] as SessionRow, counted);
    r.overall = metricRow({
      ...emptyTotals(),
      turns: 4,
      input: 20,
      cacheRead: 180,
      hitTurns: 2,
      cacheCounted: 4,
      withBreakpoints: 2,
      overBreakpointLimit: 1,
    });
    r.turns_with_cache_breakpoints = 2;
    expect(r.overall.turns_over_breakpoint_limit).toBeNull();
    expect(notes(formatTelemetryTable(r, opts))).toEqual([
      '>4 bp not shown: 2 of 4 turns carry no cache_breakpoints, so a row with any of them is not checked against the limit',
    ]);
    // Every turn carries them: every row has a count, nothing to explain.
    Object.assign(r.sessions[1] as SessionRow, counted);
    r.overall = metricRow({
      ...emptyTotals(),
      turns: 4,
      input: 20,
      cacheRead: 180,
      hitTurns: 2,
      cacheCounted: 4,
      withBreakpoints: 4,
      overBreakpointLimit: 2,
    });
    r.turns_with_cache_breakpoints = 4;
    expect(r.overall.turns_over_breakpoint_limit).toBe(2);
    expect(notes(formatTelemetryTable(r, opts))).toEqual([]);
  });

  it('says why misses are not shown: no fork trace at all, or a read of nothing no trace explains', () => {
    const opts = { color: false, trend: false, maxSessions: 5 };
    const untraced = 'misses not shown: no fork-trace record in the window, so misses are not attributed';
    const unexplained = 'misses not shown: a turn read nothing from the cache and no fork trace says why';
    const r = report(2);
    // Traces recorded, every miss explained: nothing to say.
    r.fork_traces = 3;
    const known = { system_prompt: 0, tools: 1, message_prefix: 0, child_directive: 0, model: 0 };
    r.overall.misses = known;
    for (const s of r.sessions) s.misses = known;
    let out = formatTelemetryTable(r, opts);
    expect(out).not.toContain('misses not shown');
    // One session read nothing unexplained: its row and the sum over all sessions are unknown.
    (r.sessions[1] as SessionRow).misses = null;
    r.overall.misses = null;
    out = formatTelemetryTable(r, opts);
    expect(out.split('\n').find((l) => l.startsWith('│ all sessions'))).toMatch(/│ — +│$/);
    expect(out).toContain(unexplained);
    expect(out).not.toContain(untraced);
    // No fork trace at all: every row is unknown, for that reason.
    r.fork_traces = 0;
    for (const s of r.sessions) s.misses = null;
    out = formatTelemetryTable(r, opts);
    expect(out).toContain(untraced);
    expect(out).not.toContain(unexplained);
  });

  it('ids that would shorten alike are cut where they differ, so their rows can be told apart', () => {
    const r = report(4);
    const ids = [1, 2, 3].map((d) => `claude-code-session-2026-05-0${d}T10:00:00-worker`);
    ids.forEach((id, i) => ((r.sessions[i] as SessionRow).session = id));
    (r.sessions[3] as SessionRow).session = 'another-very-long-session-id-that-is-unique';
    const opts = { color: false, trend: false, maxSessions: 5, width: 80 };
    const out = formatTelemetryTable(r, opts);
    const shown = out
      .split('\n')
      .filter((l) => /^│ [^ ]/.test(l) && !l.startsWith('│ session') && !l.startsWith('│ all sessions'))
      .map((l) => l.split('│')[1]?.trim());
    expect(shown).toEqual([
      'another-ve…is-unique',
      '…6-05-01T10:00:00-w…',
      '…6-05-02T10:00:00-w…',
      '…6-05-03T10:00:00-w…',
    ]);
    for (const id of ids) expect(out).not.toContain(id);
    // Ids that differ only far into a part they share are cut there too, round by round.
    const deep = ['x'.repeat(30), `${'x'.repeat(30)}-a-${'y'.repeat(30)}`, `${'x'.repeat(30)}-b-${'y'.repeat(30)}`];
    const t = report(3);
    deep.forEach((id, i) => ((t.sessions[i] as SessionRow).session = id));
    const cut = formatTelemetryTable(t, opts)
      .split('\n')
      .filter((l) => l.startsWith('│ x') || l.startsWith('│ …'))
      .map((l) => l.split('│')[1]?.trim());
    expect(new Set(cut).size).toBe(3);
  });

  it('cuts a session id of wide characters to the same terminal columns as any other', () => {
    const r = report(2);
    // 28 CJK characters: 56 columns on a terminal.
    const wide = 'エージェント作業者セッション番号一二三四五六七八九十百千';
    (r.sessions[0] as SessionRow).session = wide;
    const opts = { color: false, trend: false, maxSessions: 5 };
    const full = formatTelemetryTable(r, opts);
    expect(full).toContain(wide);
    const narrow = formatTelemetryTable(r, { ...opts, width: columns(full) - 1 });
    expect(narrow).not.toContain(wide);
    const cut = narrow.split('\n').find((l) => l.includes('エージ'));
    const id = cut?.split('│')[1]?.trim() ?? '';
    expect(id).toBe('エージェン…九十百千');
    expect(stringWidth(id)).toBeLessThanOrEqual(20);
    expect(columns(narrow)).toBeLessThan(columns(full));
  });

  it('cuts a session id between characters as shown: an accent stays on its letter, a joined emoji whole', () => {
    const r = report(3);
    // 30 letters e, each with its accent written as a combining mark.
    const accents = 'e\u0301'.repeat(30);
    // A family emoji is four people joined by U+200D: cut inside, it shows as other emoji.
    const family = '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
    const emoji = `${family.repeat(6)}-worker-${family.repeat(6)}`;
    (r.sessions[0] as SessionRow).session = accents;
    (r.sessions[1] as SessionRow).session = emoji;
    const narrow = formatTelemetryTable(r, { color: false, trend: false, maxSessions: 5, width: 80 });
    const cell = (has: string) =>
      narrow
        .split('\n')
        .find((l) => l.includes(has))
        ?.split('│')[1]
        ?.trim() ?? '';
    const e = cell('e\u0301');
    expect(e).not.toBe(accents);
    expect(e).toMatch(/^(e\u0301)+…(e\u0301)+$/);
    const f = cell('\u{1F469}');
    expect(f).not.toBe(emoji);
    // Whole emoji, and of the text between them only what is there.
    for (const part of f.split('…')) expect('-worker-').toContain(part.replaceAll(family, ''));
  });

  it('shortens a session id as it is shown, control characters written out', () => {
    const r = report(2);
    (r.sessions[0] as SessionRow).session = `${'\u001b'.repeat(30)}tail-of-the-id`;
    const opts = { color: false, trend: false, maxSessions: 5 };
    const narrow = formatTelemetryTable(r, { ...opts, width: 80 });
    const id =
      narrow
        .split('\n')
        .find((l) => l.includes('\\x1b'))
        ?.split('│')[1]
        ?.trim() ?? '';
    expect(id).toBe('\\x1b\\x1b\\x…of-the-id');
    expect(stringWidth(id)).toBeLessThanOrEqual(20);
  });

  it('the chunked JSON is the report, in key order, whatever the number of sessions', () => {
    for (const n of [0, 1, 2000]) {
      const r = report(n);
      const text = formatTelemetryJson(r);
      expect(text).toBe(`${JSON.stringify(r, null, 2)}\n`);
      if (n === 2000) expect([...telemetryJsonChunks(r)].length).toBeGreaterThan(2);
    }
  });

  it('draws ▁ for a turn that read nothing, █ for one that read everything, a space for no input', () => {
    expect(sparkline([0, 0.5, 0.99, 1, null])).toBe('▁▅██ ');
  });
});

describe('the report row by row', () => {
  it('makes the same rows as the whole report, and drops each session from the scan as it goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-telemetry-rows-'));
    try {
      writeFileSync(
        join(dir, 'usage.jsonl'),
        telemetryText([
          { session: 'b', start: '2026-05-31T10:00:00Z', turns: 5, compactionAt: 2 },
          { session: 'a', start: '2026-05-31T11:00:00Z', turns: 3 },
          { session: 'c', start: '2026-05-31T12:00:00Z', turns: 4, injectionAt: 2 },
        ]),
      );
      const opts = { asOf: new Date('2026-06-01T00:00:00Z'), series: 3 };
      const whole = buildReport(await scanFiles(dir, ['usage.jsonl'], opts), opts);
      const scan = await scanFiles(dir, ['usage.jsonl'], opts);
      const rows = sessionRows(scan, { consume: true });
      const first = rows.next();
      expect(first.value?.session).toBe('a');
      expect([...scan.sessions.keys()].sort()).toEqual(['b', 'c']);
      const text = [...telemetryJsonStream(reportHead(scan, opts), [first.value as SessionRow, ...rows])].join('');
      expect(scan.sessions.size).toBe(0);
      expect(text).toBe(`${JSON.stringify(whole, null, 2)}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("each session's series holds its last N turns in order, however N compares with the turns read", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-telemetry-series-'));
    try {
      // Turn 1 writes the prefix (ratio 0), every later turn reads it: 5000 / 5100.
      writeFileSync(
        join(dir, 'usage.jsonl'),
        telemetryText([{ session: 's', start: '2026-05-31T10:00:00Z', turns: 200 }]),
      );
      const all = [0, ...Array.from({ length: 199 }, () => 5000 / 5100)];
      for (const series of [1, 63, 64, 65, 128, 150, 199, 200, 201, 100_000_000]) {
        const opts = { asOf: new Date('2026-06-01T00:00:00Z'), series };
        const scan = await scanFiles(dir, ['usage.jsonl'], opts);
        // What the series hold follows the turns read, not N (8 bytes a turn: 800 MB for 10^8).
        expect(process.memoryUsage().arrayBuffers, String(series)).toBeLessThan(100 * 2 ** 20);
        const [row] = sessionRows(scan, { consume: true });
        expect(row?.hit_ratio_by_turn.length, String(series)).toBe(Math.min(series, 200));
        expect(row?.hit_ratio_by_turn[0], String(series)).toBeCloseTo(all[Math.max(0, 200 - series)] as number, 4);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('picks the worst sessions while the rows stream by: the same as sorting all of them', () => {
    // Hit ratios with ties and sessions with none (listed first), ids out of order.
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const base = report(1).sessions[0] as SessionRow;
    const rows: SessionRow[] = Array.from({ length: 200 }, (_, i) => ({
      ...base,
      session: `s${(i * 37) % 200}`,
      cache_hit_ratio: next() < 0.1 ? null : Math.round(next() * 20) / 20,
    }));
    for (const k of [1, 2, 7, 30, 199, 200, 250]) {
      const { worst, total } = worstSessions(rows, k);
      expect(total).toBe(200);
      expect(worst).toEqual([...rows].sort(worstFirst).slice(0, k));
    }
    expect(worstSessions([], 3)).toEqual({ worst: [], total: 0 });
  });

  it('lists sessions tied on hit ratio in natural order: sess2 before sess10, whatever the locale', () => {
    const r = report(0);
    const base = report(1).sessions[0] as SessionRow;
    r.sessions = ['sess10', 'sess2', 'sess1', 'sess9', 'sess1a', 'Sess3'].map((session) => ({ ...base, session }));
    const listed = (out: string) =>
      out
        .split('\n')
        .filter((l) => /^│ [Ss]ess/.test(l))
        .map((l) => l.split('│')[1]?.trim())
        .filter((id) => id !== 'session');
    const want = ['sess1', 'sess1a', 'sess2', 'Sess3', 'sess9', 'sess10'];
    expect(listed(formatTelemetryTable(r, { color: false, trend: false, maxSessions: 10 }))).toEqual(want);
    expect(worstSessions(r.sessions, 3).worst.map((s) => s.session)).toEqual(want.slice(0, 3));
    // Ids a collation holds equal still come in one order, whichever is given first.
    const a = { ...base, session: 'x\u0000' };
    const b = { ...base, session: 'x' };
    expect(Math.sign(worstFirst(a, b))).toBe(-Math.sign(worstFirst(b, a)));
    expect(worstFirst(a, b)).not.toBe(0);
  });

  it('the table of the worst sessions picked on the way is the table of the whole report', () => {
    const r = report(120);
    r.sessions.forEach((s, i) => (s.cache_hit_ratio = ((i * 53) % 120) / 120));
    const opts = { color: false, trend: true, maxSessions: 10 };
    const { worst, total } = worstSessions(r.sessions, opts.maxSessions);
    const picked = formatTelemetryTable({ ...r, sessions: worst, session_count: total }, opts);
    expect(picked).toBe(formatTelemetryTable(r, opts));
    expect(picked).toContain('120 sessions (worst hit ratio first)');
    expect(picked).toContain('… and 110 more sessions');
  });
});

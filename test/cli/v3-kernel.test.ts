/**
 * The shipped v3-kernel RFC evaluated by the real binary over a fixture kernel repository:
 * its telemetry gates halt while no telemetry file exists, pass on healthy telemetry, and
 * fail with the session and turn as evidence when compaction breaks the cache.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createRepo, type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { type SessionPlan, telemetryText } from '../helpers/telemetry.js';
import { runCli as run } from '../helpers/cli.js';

const AS_OF = '2026-06-01T00:00:00Z';

interface Result {
  id: string;
  verdict: string;
  halt_reason?: string;
  reason?: string;
  evidence: { measurements?: Record<string, Record<string, unknown>> };
}
const byId = (stdout: string): Record<string, Result> =>
  Object.fromEntries((JSON.parse(stdout) as { results: Result[] }).results.map((r) => [r.id, r]));

let repo: FixtureRepo;
const healthy: SessionPlan[] = [
  { session: 's1', start: '2026-05-30T10:00:00Z', turns: 12, compactionAt: 6, injectionAt: 9 },
  { session: 's2', start: '2026-05-30T12:00:00Z', turns: 12 },
  { session: 's3', start: '2026-05-31T09:00:00Z', turns: 12, injectionAt: 4 },
];

beforeAll(() => {
  repo = createRepo();
  cpSync(resolve('gates/v3-kernel'), join(repo.dir, 'gates/v3-kernel'), { recursive: true });
  repo.commit({ message: 'gates: v3-kernel', date: '2026-04-01T00:00:00Z', files: { 'README.md': '# kernel\n' } });
  repo.git(['add', '-A']);
  repo.commit({ message: 'gates: add the spec', date: '2026-04-01T01:00:00Z' });
  repo.commit({
    message: 'kernel: M3.1a message-prefix cache_control + M3.1b hit-rate telemetry',
    date: '2026-04-24T15:00:00Z',
    files: {
      'kernel/cache/message_prefix_breakpoint.py': '# rolling breakpoint\n',
      'tests/kernel/test_cache_aligning.py': '# FakeModel\n',
    },
  });
});
afterAll(() => removeFixtures());

const telemetryDir = () => join(repo.dir, 'telemetry');
function writeTelemetry(plans: SessionPlan[]): void {
  rmSync(telemetryDir(), { recursive: true, force: true });
  mkdirSync(telemetryDir(), { recursive: true });
  writeFileSync(join(telemetryDir(), 'usage.jsonl'), telemetryText(plans));
}

describe('gate check --rfc v3-kernel', () => {
  it('spec validate accepts the shipped spec', () => {
    const r = run(['spec', 'validate', '--rfc', 'v3-kernel'], repo.dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('gate check --help names agent telemetry, the source of every hit-rate and invariant gate here', () => {
    const r = run(['gate', 'check', '--help'], repo.dir);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(
      /^Evaluate every gate of an RFC against git, the database, agent telemetry /,
    );
  });

  it('every prereq that ships kernel code also ships its offline test, as INV-2 and the RFC say', () => {
    const prereqs = parse(readFileSync(resolve('gates/v3-kernel/prereqs.yaml'), 'utf8')) as {
      id: string;
      deliverables: string[];
    }[];
    const code = prereqs.filter((p) => p.deliverables.some((d) => d.startsWith('kernel/')));
    expect(code.map((p) => p.id)).toEqual(['M3.1ab', 's1-compaction', 'M3.1c', 's4-self-correction', 's3-background']);
    for (const p of code)
      expect(
        p.deliverables.some((d) => d.startsWith('tests/kernel/')),
        p.id,
      ).toBe(true);
  });

  it('halts every telemetry gate while no telemetry file exists; git gates still decide', () => {
    rmSync(telemetryDir(), { recursive: true, force: true });
    const r = run(['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--json'], repo.dir);
    const g = byId(r.stdout);
    // §3 background control is not built, so its exit criterion is unmet: the one failure.
    expect(
      Object.values(g)
        .filter((x) => x.verdict === 'fail')
        .map((x) => x.id),
    ).toEqual(['EC-3']);
    expect(r.code).toBe(1);
    expect(run(['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--phase', 'canary'], repo.dir).code).toBe(2);
    // Before implementation there is no compaction or injection turn to measure: the go/no-go
    // does not wait on telemetry that cannot exist yet.
    const before = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--phase', 'implementation'],
      repo.dir,
    );
    expect(before.stdout).not.toMatch(/INV-1|INV-3/);
    expect(before.code).toBe(0);
    for (const id of ['INV-1', 'INV-3', 'EC-2a', 'D-2-COST']) {
      expect(g[id]).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
      expect(g[id]?.reason).toMatch(/no telemetry file matches telemetry\/\*\*\/\*\.jsonl/);
    }
    expect(g['INV-2']?.verdict).toBe('pass');
  });

  it('passes the telemetry gates on healthy telemetry', () => {
    writeTelemetry(healthy);
    const only = 'INV-1,INV-2,INV-3,EC-2a,EC-2b,EC-2c,D-2-COST,D-2-REACH';
    const r = run(['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--only', only, '--json'], repo.dir);
    expect(r.stderr).toBe('');
    const g = byId(r.stdout);
    expect(Object.fromEntries(Object.values(g).map((x) => [x.id, x.verdict]))).toEqual(
      Object.fromEntries(only.split(',').map((id) => [id, 'pass'])),
    );
    expect(r.code).toBe(0);
    // 36 turns: 3 first turns read nothing; 33 read 5000 with 100 uncached each.
    const hit = g['EC-2a']?.evidence.measurements?.cache_hit_ratio_7d;
    expect(hit?.value).toBeCloseTo((33 * 5000) / (33 * 5000 + 36 * 100), 12);
    expect(hit?.turns).toBe(36);
  });

  it('a channel silent for more than 48 hours halts every telemetry gate stale, not only the hit ratio', () => {
    writeTelemetry(healthy);
    const only = 'INV-1,INV-3,EC-2a,EC-2b,EC-2c,D-2-COST,D-2-REACH';
    // Three days after the last turn: still inside the 7-day window, but the writer went dark.
    const r = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', '2026-06-03T12:00:00Z', '--only', only, '--json'],
      repo.dir,
    );
    const g = byId(r.stdout);
    for (const id of only.split(',')) {
      expect(g[id], id).toMatchObject({ verdict: 'halt', halt_reason: 'stale' });
    }
    expect(r.code).toBe(2);
  });

  it('fails INV-1 (exit 1) when the turn after a compaction misses the cached prefix, naming session and turn', () => {
    writeTelemetry([{ ...healthy[0], compactionBreaks: true } as SessionPlan, ...healthy.slice(1)]);
    const r = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--only', 'INV-1,INV-3', '--json'],
      repo.dir,
    );
    expect(r.code).toBe(1);
    const g = byId(r.stdout);
    expect(g['INV-1']?.verdict).toBe('fail');
    expect(g['INV-3']?.verdict).toBe('pass');
    expect(g['INV-1']?.evidence.measurements?.compaction_cache_breaks_7d?.violations).toEqual([
      { session: 's1', turn: 6, missed_turn: 7, cause: 'message_prefix miss', file: 'telemetry/usage.jsonl', line: 7 },
    ]);
    // Not only in the JSON: the reason every format prints names the session, the turn and the line.
    const md = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--only', 'INV-1', '--format', 'markdown'],
      repo.dir,
    );
    expect(md.stdout).toContain(
      '(compaction_cache_breaks_7d=1); first violation: session s1 turn 6 (compaction): turn 7 missed the cached message prefix (telemetry/usage.jsonl:7) |',
    );
  });

  it('fails INV-3 when an injection turn invalidates the cached prefix', () => {
    writeTelemetry([...healthy.slice(0, 2), { ...healthy[2], injectionBreaks: true } as SessionPlan]);
    const r = run(['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--only', 'INV-3', '--json'], repo.dir);
    expect(r.code).toBe(1);
    expect(byId(r.stdout)['INV-3']?.reason).toMatch(/injection_cache_breaks_7d=1/);
  });

  it('halts insufficient when the window is too thin', () => {
    writeTelemetry([{ session: 's1', start: '2026-05-31T10:00:00Z', turns: 8, compactionAt: 3 }]);
    const r = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--only', 'EC-2a,INV-1', '--json'],
      repo.dir,
    );
    expect(r.code).toBe(2);
    const g = byId(r.stdout);
    expect(g['EC-2a']).toMatchObject({ verdict: 'halt', halt_reason: 'insufficient' });
    expect(g['EC-2a']?.reason).toMatch(/8 turns in the window, fewer than min_turns 30/);
    expect(g['INV-1']).toMatchObject({ verdict: 'halt', halt_reason: 'insufficient' });
  });

  it('halts missing, as a SQL gate does, before the telemetry starts: no turn is no measurement', () => {
    writeTelemetry(healthy);
    const r = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', '2026-01-01', '--only', 'EC-2a,INV-1', '--json'],
      repo.dir,
    );
    expect(r.code).toBe(2);
    const g = byId(r.stdout);
    for (const id of ['EC-2a', 'INV-1']) {
      expect(g[id], id).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
      expect(g[id]?.reason, id).toMatch(
        /never started: no turns ever in the files before as_of; their first turn is at 2026-05-30T10:00:00\.000Z/,
      );
      expect(Object.values(g[id]?.evidence.measurements ?? {}), id).toContainEqual(
        expect.objectContaining({ channel: 'never_started' }),
      );
    }
  });

  it('halts missing as went dark when the telemetry stopped before the 7d window', () => {
    writeTelemetry(healthy);
    const r = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', '2026-07-01', '--only', 'EC-2a,INV-1', '--json'],
      repo.dir,
    );
    expect(r.code).toBe(2);
    const g = byId(r.stdout);
    for (const id of ['EC-2a', 'INV-1']) {
      expect(g[id], id).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
      expect(g[id]?.reason, id).toMatch(
        /went dark: no turns in the 7d window; the files' last turn was at 2026-05-3\d/,
      );
      expect(Object.values(g[id]?.evidence.measurements ?? {}), id).toContainEqual(
        expect.objectContaining({ channel: 'went_dark' }),
      );
    }
  });
});

describe('gate check --rfc v3-kernel: the hit-rate gates at their thresholds', () => {
  /**
   * Three sessions of 12 turns, a minute apart: each turn sends `input` uncached tokens and
   * reads `read` from the cache; a session in `cold` reads nothing, writes 4000 and has a fork
   * trace naming the message prefix for every turn after its first.
   */
  function writeTurns(o: { read: number; input: number; breakpoints?: (turn: number) => number; cold?: string[] }) {
    const lines: string[] = [];
    for (const [i, session] of ['s1', 's2', 's3'].entries()) {
      for (let turn = 1; turn <= 12; turn++) {
        const ts = new Date(Date.parse('2026-05-30T10:00:00Z') + (i * 60 + turn) * 60_000).toISOString();
        const cold = o.cold?.includes(session) === true;
        const write = cold ? 4000 : 0;
        lines.push(
          JSON.stringify({
            session_id: session,
            turn,
            ts,
            model: 'claude-sonnet-4-5',
            cache_breakpoints: o.breakpoints?.(turn) ?? 3,
            usage: {
              input_tokens: o.input,
              output_tokens: 5,
              cache_creation_input_tokens: write,
              cache_read_input_tokens: cold ? 0 : o.read,
              cache_creation: { ephemeral_5m_input_tokens: write, ephemeral_1h_input_tokens: 0 },
            },
          }),
        );
        if (cold && turn > 1)
          lines.push(JSON.stringify({ type: 'fork_trace', session_id: session, turn, ts, misses: ['message_prefix'] }));
      }
    }
    rmSync(telemetryDir(), { recursive: true, force: true });
    mkdirSync(telemetryDir(), { recursive: true });
    writeFileSync(join(telemetryDir(), 'usage.jsonl'), `${lines.join('\n')}\n`);
  }
  const check = (only: string) => {
    const r = run(['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--only', only, '--json'], repo.dir);
    expect(r.stderr).toBe('');
    return { code: r.code, g: byId(r.stdout) };
  };
  const verdicts = (g: Record<string, Result>) => Object.fromEntries(Object.values(g).map((x) => [x.id, x.verdict]));

  it('passes exactly at the thresholds: the roadmap ratio at 0.80, 4 breakpoints (the limit is not over it)', () => {
    writeTurns({ read: 400, input: 100, breakpoints: () => 4 });
    const { code, g } = check('EC-2a,EC-2b,EC-2c,D-2-COST,D-2-REACH,D-1-ALARM');
    expect(g['EC-2a']?.evidence.measurements?.cache_hit_ratio_7d?.value).toBe(0.8);
    // Without fork traces the alarm has nothing to read: the deferred M3.1c halts, never passes.
    expect(verdicts(g)).toEqual({
      'EC-2a': 'pass',
      'EC-2b': 'pass',
      'EC-2c': 'pass',
      'D-2-COST': 'pass',
      'D-2-REACH': 'pass',
      'D-1-ALARM': 'halt',
    });
    expect(g['D-1-ALARM']).toMatchObject({ halt_reason: 'missing' });
    expect(code).toBe(2);
  });

  it('fails EC-2a just under 0.80, showing the verdict at each alternate anchor, and EC-2c on one turn over 4', () => {
    writeTurns({ read: 390, input: 110, breakpoints: (turn) => (turn === 5 ? 5 : 3) });
    const { code, g } = check('EC-2a,EC-2c');
    expect(code).toBe(1);
    expect(verdicts(g)).toEqual({ 'EC-2a': 'fail', 'EC-2c': 'fail' });
    expect(g['EC-2a']?.evidence).toMatchObject({
      sensitivity: [
        {
          param: 'min_hit_ratio',
          measured: 0.78,
          in_band: true,
          anchors: [
            { min_hit_ratio: 0.7, verdict: 'pass' },
            { min_hit_ratio: 0.75, verdict: 'pass' },
            { min_hit_ratio: 0.85, verdict: 'fail' },
          ],
        },
      ],
    });
    expect(g['EC-2c']?.evidence.measurements?.turns_over_breakpoint_limit_7d?.value).toBe(3);
  });

  it('halts EC-2c missing when 30 of 100 turns carry cache_breakpoints, all within the limit', () => {
    // 100 turns over 4 sessions; only the last 30 say how many breakpoints they set (3 each).
    const lines = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({
        session_id: `s${Math.floor(i / 25) + 1}`,
        turn: (i % 25) + 1,
        ts: new Date(Date.parse('2026-05-30T10:00:00Z') + i * 60_000).toISOString(),
        model: 'claude-sonnet-4-5',
        ...(i >= 70 ? { cache_breakpoints: 3 } : {}),
        usage: { input_tokens: 100, output_tokens: 5, cache_read_input_tokens: 400 },
      }),
    );
    rmSync(telemetryDir(), { recursive: true, force: true });
    mkdirSync(telemetryDir(), { recursive: true });
    writeFileSync(join(telemetryDir(), 'usage.jsonl'), `${lines.join('\n')}\n`);
    const { code, g } = check('EC-2c');
    expect(code).toBe(2);
    expect(g['EC-2c']).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(g['EC-2c']?.reason).toContain(
      '70 of 100 turns carry no cache_breakpoints (first at telemetry/usage.jsonl:1): the limit is not checked on them',
    );
    expect(g['EC-2c']?.evidence.measurements?.turns_over_breakpoint_limit_7d).toMatchObject({
      turns: 100,
      turns_with_cache_breakpoints: 30,
      turns_without_cache_breakpoints: 70,
      turns_over_breakpoint_limit: 0,
    });
  });

  it('fires the disconfirmers and fails the worst session when two sessions of three never hit', () => {
    writeTurns({ read: 400, input: 100, cold: ['s1', 's2'] });
    const { code, g } = check('EC-2b,D-2-COST,D-2-REACH,D-1-ALARM');
    expect(code).toBe(1);
    expect(verdicts(g)).toEqual({ 'EC-2b': 'fail', 'D-2-COST': 'fail', 'D-2-REACH': 'fail', 'D-1-ALARM': 'fail' });
    expect(g['D-2-REACH']?.evidence.measurements?.cache_hit_request_rate_7d?.value).toBeCloseTo(12 / 36, 12);
    expect(g['D-1-ALARM']?.evidence.measurements?.message_prefix_misses_7d?.value).toBe(22);
  });

  it('halts EC-2b insufficient with fewer than 3 sessions of 10 turns', () => {
    writeTelemetry([
      { session: 's1', start: '2026-05-30T10:00:00Z', turns: 20 },
      { session: 's2', start: '2026-05-30T12:00:00Z', turns: 20 },
      { session: 's3', start: '2026-05-31T09:00:00Z', turns: 9 },
    ]);
    const { code, g } = check('EC-2b');
    expect(code).toBe(2);
    expect(g['EC-2b']).toMatchObject({ verdict: 'halt', halt_reason: 'insufficient' });
  });
});

describe('gate check --rfc v3-kernel: the sequence §2 → §1 → §4 → §3', () => {
  const M31AB = {
    'kernel/cache/message_prefix_breakpoint.py': '# rolling breakpoint\n',
    'kernel/telemetry/cache_hit_rate.py': '# hit rate\n',
    'tests/kernel/test_cache_aligning.py': '# FakeModel\n',
  };
  const S1 = {
    'kernel/compaction/compact.py': '# append, drop the tail\n',
    'tests/kernel/test_compaction_cache_stable.py': '#\n',
  };
  const S4 = { 'kernel/self_correction/loop.py': '# verify\n', 'tests/kernel/test_self_correction.py': '#\n' };
  /** A kernel repository whose capabilities land one a day, in the order given. */
  const kernelRepo = (landings: Record<string, string>[]): FixtureRepo => {
    const k = createRepo();
    cpSync(resolve('gates/v3-kernel'), join(k.dir, 'gates/v3-kernel'), { recursive: true });
    k.git(['add', '-A']);
    k.commit({ message: 'gates', date: '2026-04-01T00:00:00Z' });
    landings.forEach((files, i) => k.commit({ message: `land ${i}`, date: `2026-04-${10 + i}T00:00:00Z`, files }));
    return k;
  };
  const order = (k: FixtureRepo) => {
    const r = run(
      ['gate', 'check', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--phase', 'implementation', '--json'],
      k.dir,
    );
    return { code: r.code, gate: byId(r.stdout)['INV-ORDER'] };
  };

  it("INV-ORDER's edges are the prereq DAG's: each reads deliverables of a prereq and of one depending on it", () => {
    const prereqs = parse(readFileSync(resolve('gates/v3-kernel/prereqs.yaml'), 'utf8')) as {
      id: string;
      deliverables: string[];
      depends_on?: string[];
    }[];
    const measurements = parse(readFileSync(resolve('gates/v3-kernel/measurements.yaml'), 'utf8')) as {
      id: string;
      git?: { query: string; before?: { paths: string[] }; after?: { paths: string[] } };
    }[];
    const invariants = parse(readFileSync(resolve('gates/v3-kernel/invariants.yaml'), 'utf8')) as {
      id: string;
      holds_if: string;
    }[];
    const condition = invariants.find((i) => i.id === 'INV-ORDER')?.holds_if ?? '';
    const edges = measurements.filter((m) => m.git?.query === 'order' && condition.includes(m.id));
    // A directory deliverable (`kernel/compaction/`) is read as every file under it.
    const owner = (glob: string) =>
      prereqs.find((p) => p.deliverables.some((d) => (d.endsWith('/') ? `${d}**` : d) === glob))?.id;
    const after = (id: string, dep: string): boolean =>
      (prereqs.find((p) => p.id === id)?.depends_on ?? []).some((d) => d === dep || after(d, dep));
    const pairs = edges.map((m) => [owner(m.git?.before?.paths[0] ?? ''), owner(m.git?.after?.paths[0] ?? '')]);
    expect(pairs).toEqual([
      ['M3.1ab', 's1-compaction'],
      ['M3.1ab', 's1-compaction'],
      ['s1-compaction', 's4-self-correction'],
      ['s4-self-correction', 's3-background'],
    ]);
    for (const [before, later] of pairs)
      expect(after(later ?? '', before ?? ''), `${later} after ${before}`).toBe(true);
  });

  it('holds at the implementation gate while the capabilities land in order', () => {
    expect(order(kernelRepo([M31AB, S1, S4]))).toMatchObject({ code: 0, gate: { verdict: 'pass' } });
  });

  it('fails CI (exit 1) when §4 self-correction lands before §1 compaction', () => {
    const r = order(kernelRepo([M31AB, S4, S1]));
    expect(r.code).toBe(1);
    expect(r.gate?.verdict).toBe('fail');
    expect(r.gate?.reason).toMatch(/self_correction_after_compaction=false/);
  });

  it('fails when compaction lands before the M3.1b hit-rate telemetry that measures its effect', () => {
    const { 'kernel/telemetry/cache_hit_rate.py': m31b, ...m31a } = M31AB;
    const r = order(kernelRepo([m31a, S1, { 'kernel/telemetry/cache_hit_rate.py': m31b }]));
    expect(r.code).toBe(1);
    expect(r.gate?.reason).toMatch(/compaction_after_hit_rate_telemetry=false/);
    expect(r.gate?.reason).toMatch(/compaction_after_prefix_breakpoint=true/);
  });
});

describe('gate check --rfc v3-kernel: INV-2, every mechanism with its offline test', () => {
  const M31AB = {
    'kernel/cache/message_prefix_breakpoint.py': '# rolling breakpoint\n',
    'kernel/telemetry/cache_hit_rate.py': '# hit rate\n',
    'tests/kernel/test_cache_aligning.py': '# FakeModel\n',
  };
  const inv2 = (landings: Record<string, string>[]) => {
    const k = createRepo();
    cpSync(resolve('gates/v3-kernel'), join(k.dir, 'gates/v3-kernel'), { recursive: true });
    k.git(['add', '-A']);
    k.commit({ message: 'gates', date: '2026-04-01T00:00:00Z' });
    landings.forEach((files, i) => k.commit({ message: `land ${i}`, date: `2026-04-${10 + i}T00:00:00Z`, files }));
    const r = run(
      [
        'gate',
        'check',
        '--rfc',
        'v3-kernel',
        '--as-of',
        AS_OF,
        '--phase',
        'implementation',
        '--only',
        'INV-2',
        '--json',
      ],
      k.dir,
    );
    expect(r.stderr).toBe('');
    return { code: r.code, gate: byId(r.stdout)['INV-2'] };
  };

  it("fails when §1 compaction ships without its offline test, though tests/kernel/ holds §2's", () => {
    const r = inv2([M31AB, { 'kernel/compaction/compact.py': '# append, drop the tail\n' }]);
    expect(r.code).toBe(1);
    expect(r.gate?.verdict).toBe('fail');
    expect(r.gate?.reason).toMatch(/compaction_tree_exists=true/);
    expect(r.gate?.reason).toMatch(/compaction_tests_exist=false/);
  });

  it('fails when §2 ships its mechanisms without their test, and holds once each has its own', () => {
    const { 'tests/kernel/test_cache_aligning.py': _test, ...code } = M31AB;
    expect(inv2([code, { 'tests/kernel/test_other.py': '#\n' }])).toMatchObject({ code: 1, gate: { verdict: 'fail' } });
    expect(
      inv2([
        M31AB,
        { 'kernel/compaction/compact.py': '#\n', 'tests/kernel/test_compaction_cache_stable.py': '#\n' },
        { 'kernel/telemetry/fork_trace_attribution.py': '#\n', 'tests/kernel/test_fork_trace_attribution.py': '#\n' },
        { 'kernel/self_correction/loop.py': '#\n', 'tests/kernel/test_self_correction.py': '#\n' },
        { 'kernel/background/control.py': '#\n', 'tests/kernel/test_background_tasks.py': '#\n' },
      ]),
    ).toMatchObject({ code: 0, gate: { verdict: 'pass' } });
  });

  it("pairs each prereq's kernel deliverables with the offline test it delivers, as the RFC says", () => {
    const prereqs = parse(readFileSync(resolve('gates/v3-kernel/prereqs.yaml'), 'utf8')) as {
      id: string;
      deliverables: string[];
    }[];
    const condition =
      (
        parse(readFileSync(resolve('gates/v3-kernel/invariants.yaml'), 'utf8')) as { id: string; holds_if: string }[]
      ).find((i) => i.id === 'INV-2')?.holds_if ?? '';
    const measurements = parse(readFileSync(resolve('gates/v3-kernel/measurements.yaml'), 'utf8')) as {
      id: string;
      git?: { path?: string };
      artifact?: { glob: string };
    }[];
    // What each measurement named in INV-2 reads, a directory as a deliverable names it.
    const read = new Set(
      measurements
        .filter((m) => new RegExp(`\\b${m.id}\\b`).test(condition))
        .map((m) => m.artifact?.glob ?? `${m.git?.path ?? ''}/`),
    );
    for (const p of prereqs.filter((x) => x.deliverables.some((d) => d.startsWith('kernel/'))))
      for (const d of p.deliverables) expect(read.has(d), `${p.id}: ${d}`).toBe(true);
  });
});

describe('prereq status --rfc v3-kernel', () => {
  it('§1 waits for its written design section in the roadmap, as the roadmap tiers pre-spec rigour', () => {
    const k = createRepo();
    cpSync(resolve('gates/v3-kernel'), join(k.dir, 'gates/v3-kernel'), { recursive: true });
    k.git(['add', '-A']);
    k.commit({ message: 'gates', date: '2026-04-01T00:00:00Z' });
    k.commit({
      message: 'roadmap',
      date: '2026-04-02T00:00:00Z',
      files: { 'docs/v3-kernel-roadmap.md': '# v3 roadmap\n\n## §1 Design\n\n' },
    });
    k.commit({
      message: 'M3.1a + M3.1b',
      date: '2026-04-03T00:00:00Z',
      files: {
        'kernel/cache/message_prefix_breakpoint.py': '# rolling breakpoint\n',
        'kernel/telemetry/cache_hit_rate.py': '# hit rate\n',
        'tests/kernel/test_cache_aligning.py': '# FakeModel\n',
      },
    });
    mkdirSync(join(k.dir, 'telemetry'), { recursive: true });
    writeFileSync(join(k.dir, 'telemetry', 'usage.jsonl'), telemetryText(healthy));
    const status = () => {
      const r = run(['prereq', 'status', '--rfc', 'v3-kernel', '--as-of', AS_OF, '--json'], k.dir);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as { prereqs: { id: string; status: string; reason: string }[] };
      return new Map(report.prereqs.map((p) => [p.id, p]));
    };
    const blank = status().get('s1-compaction');
    expect(blank?.status).toBe('gated');
    expect(blank?.reason).toMatch(
      /data gate design-written halted \(unsigned: design_s1_written: section '§1 Design' of docs\/v3-kernel-roadmap\.md:3 is not filled in/,
    );
    k.commit({
      message: 'roadmap: §1 design',
      date: '2026-04-04T00:00:00Z',
      files: {
        'docs/v3-kernel-roadmap.md':
          '# v3 roadmap\n\n## §1 Design\n\nAppend a summary and drop the tail; the cached prefix is never rewritten.\n',
      },
    });
    const written = status();
    expect(written.get('s1-compaction')?.status).toBe('ready');
    // §4 and §3 wait for their own sections (and for §1 to land first).
    expect(written.get('s4-self-correction')?.status).toBe('blocked');
  });
});

/**
 * The `telemetry:` block of measurements.yaml as the loader sees it: types inferred from the
 * metric, options checked against it, files required somewhere, and the schema's metric list
 * kept equal to the metrics the source implements.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../../src/sources/telemetry/metrics.js';
import { loadRfc } from '../../../src/spec/load.js';
import { formatProblem, SpecError } from '../../../src/spec/problems.js';
import { OPERATOR, type RfcFixture, tempRoot, writeRfc } from '../../helpers/spec-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function load(f: RfcFixture): { problems: string[]; rfc?: ReturnType<typeof loadRfc> } {
  const { root, cleanup } = tempRoot();
  cleanups.push(cleanup);
  writeRfc(root, f);
  try {
    return { problems: [], rfc: loadRfc(root, f.id ?? 'demo') };
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return { problems: e.problems.map(formatProblem) };
  }
}

const gate = (cond: string) => [{ id: 'INV', title: 't', section: '§1', phase: ['close'], holds_if: cond }];

describe('telemetry measurements in the spec', () => {
  it('accepts a telemetry measurement and types it from its metric', () => {
    const { problems, rfc } = load({
      measurements: [
        { id: 'hit', telemetry: { files: ['t/*.jsonl'], metric: 'cache_hit_ratio', window: '7d', min_turns: 50 } },
        { id: 'breaks', telemetry: { files: ['t/*.jsonl'], metric: 'compaction_cache_breaks', min_events: 3 } },
        {
          id: 'mean_misses',
          telemetry: { files: ['t/*.jsonl'], metric: 'misses_total', per: 'session', aggregate: 'mean' },
        },
      ],
      invariants: gate('hit >= 0.8 && breaks == 0 && mean_misses < 2.0'),
    });
    expect(problems).toEqual([]);
    expect(rfc?.measurements.get('hit')?.type).toBe('double');
    expect(rfc?.measurements.get('breaks')?.type).toBe('int');
    expect(rfc?.measurements.get('mean_misses')?.type).toBe('double');
  });

  it('a condition comparing an int count with a double is a type error at validate time', () => {
    const { problems } = load({
      measurements: [{ id: 'breaks', telemetry: { files: ['t/*.jsonl'], metric: 'compaction_cache_breaks' } }],
      invariants: gate('breaks == 0.0'),
    });
    expect(problems.join('\n')).toMatch(/invariants\.yaml:\d+:\d+: .*CEL does not mix int and double/);
  });

  it('rejects an unknown metric, options that do not fit it, and missing files', () => {
    const { problems } = load({
      measurements: [
        { id: 'a', telemetry: { files: ['t/*.jsonl'], metric: 'cache_hit_ratio', aggregate: 'min' } },
        { id: 'b', telemetry: { files: ['t/*.jsonl'], metric: 'compaction_cache_breaks', per: 'session' } },
        { id: 'c', telemetry: { metric: 'turns' } },
        { id: 'd', telemetry: { files: ['t/*.jsonl'], metric: 'cache_hit_ratio', min_events: 2 } },
        { id: 'e', telemetry: { files: ['t/*.jsonl'], metric: 'cache_hit_ratio', last_turns: 5, min_turns: 30 } },
      ],
      invariants: gate('a > 0.5 && b == 0 && c > 1 && d > 0.5 && e > 0.5'),
    });
    const text = problems.join('\n');
    expect(text).toMatch(
      /measurements\.yaml:\d+:\d+: measurement 'e': min_turns 30 can never be met over the last 5 turns: lower min_turns or raise last_turns/,
    );
    expect(text).toMatch(/measurements\.yaml:\d+:\d+: measurement 'a': aggregate folds per-session values/);
    expect(text).toMatch(/measurement 'b': compaction_cache_breaks counts violations across sessions/);
    expect(text).toMatch(/measurement 'c': names no telemetry files/);
    expect(text).toMatch(/measurement 'd': min_events applies to the invariant metrics only/);
  });

  it("a file pattern starting with '!' is refused: it would read every file it does not match", () => {
    const { problems } = load({
      measurements: [
        { id: 'a', telemetry: { files: ['t/*.jsonl', '!t/old/*.jsonl'], metric: 'turns' } },
        // !(…) is an extglob, a pattern of its own.
        { id: 'b', telemetry: { files: ['!(old)/*.jsonl'], metric: 'turns' } },
      ],
      invariants: gate('a > 1 && b > 1'),
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /measurements\.yaml:\d+:\d+: measurement 'a': telemetry\.files: '!t\/old\/\*\.jsonl' starts with '!', which does not leave files out here/,
      ),
    ]);
  });

  it('a mistyped metric is named with the closest one', () => {
    const { problems } = load({
      measurements: [{ id: 'a', telemetry: { files: ['t/*.jsonl'], metric: 'cache_hit_ratoi' } }],
      invariants: gate('a > 0.5'),
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /measurements\.yaml:\d+:\d+: 'a': telemetry\.metric: must be one of: .*\(did you mean 'cache_hit_ratio'\?\)$/,
      ),
    ]);
  });

  it('an rfc.yaml that fails its schema is the one problem named, not every telemetry measurement', () => {
    const { problems } = load({
      manifest: {
        id: 'demo',
        title: 'Demo RFC',
        version: 0.1,
        mainline: 'main',
        operators: [{ name: 'O', email: 'o@example.com' }],
        telemetry: { files: ['t/*.jsonl'] },
      },
      measurements: [
        { id: 'a', telemetry: { metric: 'turns' } },
        { id: 'b', telemetry: { metric: 'cache_hit_ratio' } },
      ],
      invariants: gate('a > 1 && b > 0.5'),
    });
    expect(problems).toEqual([expect.stringMatching(/rfc\.yaml:\d+:\d+: version: must be a string/)]);
  });

  it("a liveness measurement must cover the telemetry block's own window", () => {
    const files = ['t/*.jsonl'];
    const { problems } = load({
      measurements: [
        { id: 'live', telemetry: { files, metric: 'turns', window: '1h' } },
        {
          id: 'breaches',
          counts_events: true,
          liveness: 'live',
          telemetry: { files, metric: 'turns_over_breakpoint_limit', window: '7d' },
        },
        { id: 'live7', telemetry: { files, metric: 'turns', window: '7d' } },
        { id: 'live7_last', telemetry: { files, metric: 'turns', window: '7d', last_turns: 50 } },
        {
          id: 'last_differs',
          counts_events: true,
          liveness: 'live7_last',
          telemetry: { files, metric: 'turns_over_breakpoint_limit', window: '7d', last_turns: 100 },
        },
        {
          id: 'ok',
          counts_events: true,
          liveness: 'live7',
          telemetry: { files, metric: 'turns_over_breakpoint_limit', window: '7d' },
        },
      ],
      invariants: gate('breaches == 0 && ok == 0 && live > 0 && live7 > 0 && live7_last > 0 && last_differs == 0'),
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /measurements\.yaml:\d+:\d+: measurement 'breaches': liveness 'live' must cover the same window \(7d vs 1h\)/,
      ),
      expect.stringMatching(
        /measurement 'last_differs': liveness 'live7_last' must cover the same window \(7d, last 100 turns vs 7d, last 50 turns\)/,
      ),
    ]);
  });

  it('a misspelt metric is caught by the schema', () => {
    const { problems } = load({
      measurements: [{ id: 'a', telemetry: { files: ['t/*.jsonl'], metric: 'cache_hit_rate' } }],
      invariants: gate('a > 0.5'),
    });
    expect(problems.join('\n')).toMatch(/measurements\.yaml:\d+:\d+: .*metric/);
  });

  it("takes the files from rfc.yaml's telemetry block when the measurement names none", () => {
    const { problems } = load({
      manifest: {
        id: 'demo',
        title: 'Demo',
        version: 'v1',
        mainline: 'main',
        operators: [OPERATOR],
        telemetry: { files: ['telemetry/**/*.jsonl'] },
      },
      measurements: [{ id: 'c', telemetry: { metric: 'turns' } }],
      invariants: gate('c > 1'),
    });
    expect(problems).toEqual([]);
  });

  it("the schema's metric list is exactly the metrics the source implements", () => {
    const schema = JSON.parse(readFileSync('schemas/measurements.schema.json', 'utf8')) as {
      $defs: { telemetry: { properties: { metric: { enum: string[] } } } };
    };
    expect([...schema.$defs.telemetry.properties.metric.enum].sort()).toEqual(METRICS.map((m) => m.name).sort());
  });
});

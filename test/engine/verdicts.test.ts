import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/formatters/json.js';
import { formatMarkdown } from '../../src/formatters/markdown.js';
import { formatTable } from '../../src/formatters/table.js';
import { formatJunit } from '../../src/formatters/junit.js';
import { HALT_REASONS } from '../../src/model/result.js';
import { formatProblem, SpecError } from '../../src/spec/problems.js';
import { halted, ok, runCase, sqlMeasurement, testGates } from '../helpers/gate-tester.js';

const twoLatencies = [sqlMeasurement('boundary_p50_ms'), sqlMeasurement('lease_plane_p50_ms')];
const disconfirmerB = {
  id: 'B',
  title: 'Boundary cost',
  section: '§0(B)',
  phase: ['implementation'],
  params: { ratio: 2 },
  fires_if: 'boundary_p50_ms >= lease_plane_p50_ms * ratio',
};

testGates('condition gates', [
  {
    name: 'a disconfirmer that does not fire passes',
    spec: { measurements: twoLatencies, disconfirmers: [disconfirmerB] },
    data: { boundary_p50_ms: ok(15), lease_plane_p50_ms: ok(10) },
    expected: { verdict: 'pass' },
    check: (r) => {
      expect(r.evidence.measurements).toMatchObject({
        boundary_p50_ms: { value: 15 },
        lease_plane_p50_ms: { value: 10 },
      });
      expect(r.evidence.condition).toBe(disconfirmerB.fires_if);
    },
  },
  {
    name: 'a disconfirmer that fires fails, and the reason shows the values',
    spec: { measurements: twoLatencies, disconfirmers: [disconfirmerB] },
    data: { boundary_p50_ms: ok(25), lease_plane_p50_ms: ok(10) },
    expected: { verdict: 'fail', reason: /fired: .*boundary_p50_ms=25.*lease_plane_p50_ms=10/ },
  },
  {
    name: 'an invariant that holds passes; one that does not fails',
    spec: {
      measurements: [sqlMeasurement('divergences', { type: 'int' })],
      invariants: [
        { id: 'I1', title: 'zero', section: '§8', phase: ['canary'], holds_if: 'divergences == 0' },
        { id: 'I2', title: 'below', section: '§8', phase: ['canary'], holds_if: 'divergences < 0' },
      ],
    },
    data: { divergences: ok(0) },
    expected: { verdict: 'pass' },
    check: (_r, report) => {
      expect(report.results.map((x) => x.verdict)).toEqual(['pass', 'fail']);
      expect(report.results[1]?.reason).toMatch(/does not hold/);
      expect(report.verdict).toBe('fail');
    },
  },
  ...HALT_REASONS.map((reason) => ({
    name: `a measurement that halts '${reason}' halts the gate with that reason, naming it`,
    spec: { measurements: twoLatencies, disconfirmers: [disconfirmerB] },
    data: { boundary_p50_ms: ok(15), lease_plane_p50_ms: halted(reason, `scripted ${reason}`) },
    expected: {
      verdict: 'halt' as const,
      halt_reason: reason,
      reason: new RegExp(`lease_plane_p50_ms: scripted ${reason}`),
    },
  })),
  {
    name: 'a missing measurement is never defaulted: the gate halts when the other value leaves it open',
    spec: {
      measurements: twoLatencies,
      disconfirmers: [{ ...disconfirmerB, fires_if: 'boundary_p50_ms > 10.0 || lease_plane_p50_ms > 10.0' }],
    },
    data: { boundary_p50_ms: ok(5), lease_plane_p50_ms: halted('missing', 'no rows') },
    expected: { verdict: 'halt', halt_reason: 'missing' },
  },
  {
    name: 'a gate the other value alone fires fails, naming the missing one',
    spec: {
      measurements: twoLatencies,
      disconfirmers: [{ ...disconfirmerB, fires_if: 'boundary_p50_ms > 10.0 || lease_plane_p50_ms > 10.0' }],
    },
    data: { boundary_p50_ms: ok(99), lease_plane_p50_ms: halted('missing', 'no rows') },
    expected: { verdict: 'fail', reason: /boundary_p50_ms=99\); decided without lease_plane_p50_ms/ },
  },
  {
    name: 'when several measurements halt, the most urgent reason leads and every one is named',
    spec: { measurements: twoLatencies, disconfirmers: [disconfirmerB] },
    data: { boundary_p50_ms: halted('pending', 'young'), lease_plane_p50_ms: halted('stale', 'old') },
    expected: { verdict: 'halt', halt_reason: 'stale', reason: /boundary_p50_ms: young.*lease_plane_p50_ms: old/ },
  },
  {
    name: 'a source that throws halts with error, not a crash',
    spec: { measurements: twoLatencies, disconfirmers: [disconfirmerB] },
    data: { boundary_p50_ms: new Error('socket hang up'), lease_plane_p50_ms: ok(1) },
    expected: { verdict: 'halt', halt_reason: 'error', reason: /socket hang up/ },
  },
  {
    name: 'a run-time evaluation error halts with error',
    spec: {
      measurements: [sqlMeasurement('a', { type: 'int' }), sqlMeasurement('b', { type: 'int' })],
      disconfirmers: [{ id: 'X', title: 'x', section: '§1', phase: ['close'], fires_if: 'a / b > 1' }],
    },
    data: { a: ok(4), b: ok(0) },
    expected: { verdict: 'halt', halt_reason: 'error', reason: /could not be evaluated/ },
  },
  {
    name: 'int, bool, string and timestamp measurements reach CEL with their types',
    spec: {
      measurements: [
        sqlMeasurement('n', { type: 'int' }),
        sqlMeasurement('flag', { type: 'bool' }),
        sqlMeasurement('word', { type: 'string' }),
        sqlMeasurement('when', { type: 'timestamp' }),
      ],
      invariants: [
        {
          id: 'T',
          title: 'types',
          section: '§1',
          phase: ['close'],
          holds_if: 'n == 3 && flag && word == "go" && when < timestamp("2026-05-01T00:00:00Z")',
        },
      ],
    },
    data: { n: ok(3), flag: ok(true), word: ok('go'), when: ok(new Date('2026-04-01T00:00:00Z')) },
    expected: { verdict: 'pass' },
    check: (r) => expect(r.evidence.measurements).toMatchObject({ when: { value: '2026-04-01T00:00:00.000Z' } }),
  },
  {
    name: "a failing gate's reason carries where to look first, as the measurement says; a passing one has no reason",
    spec: {
      measurements: [sqlMeasurement('breaks', { type: 'int' }), sqlMeasurement('other', { type: 'int' })],
      invariants: [
        { id: 'I1', title: 'zero', section: '§1', phase: ['close'], holds_if: 'breaks == 0' },
        { id: 'I2', title: 'few', section: '§1', phase: ['close'], holds_if: 'breaks < 5' },
        { id: 'I3', title: 'both', section: '§1', phase: ['close'], holds_if: 'breaks == 0 && other == 0' },
      ],
    },
    data: {
      breaks: {
        status: 'ok' as const,
        value: 1,
        evidence: {},
        detail: 'first violation: session s1 turn 6 (t.jsonl:7)',
      },
      other: halted('missing', 'scripted missing'),
    },
    expected: {
      verdict: 'fail',
      reason: /^does not hold: breaks == 0 \(breaks=1\); first violation: session s1 turn 6 \(t\.jsonl:7\)$/,
    },
    check: (_r, report) => {
      expect(report.results[1]).toMatchObject({ verdict: 'pass' });
      expect(report.results[1]?.reason).toBeUndefined();
      // Decided without a halted measurement: the detail still comes before what was left out.
      expect(report.results[2]?.reason).toBe(
        'does not hold: breaks == 0 && other == 0 (breaks=1); first violation: session s1 turn 6 (t.jsonl:7); decided without other (other: scripted missing)',
      );
    },
  },
]);

const events = [
  sqlMeasurement('incidents', { type: 'int', counts_events: true, liveness: 'traffic' }),
  sqlMeasurement('traffic', { type: 'int', require: { days_with_rows: 14 } }),
];
const zeroIncidents = {
  id: 'EC3',
  title: 'zero incidents',
  section: '§13(3)',
  phase: ['close'],
  passes_if: 'incidents == 0',
};

const fewIncidents = {
  id: 'SS11',
  title: 'more than 3 incidents',
  section: '§12(11)',
  phase: ['canary'],
  params: { limit: 3 },
  fires_if: 'double(incidents) > limit',
};

testGates('zero events are clean only with liveness', [
  {
    name: 'zero events while the channel is live passes',
    spec: { measurements: events, 'exit-criteria': [zeroIncidents] },
    data: { incidents: ok(0), traffic: ok(5000) },
    expected: { verdict: 'pass' },
    // The scripted source, as telemetry's, keeps the value out of its evidence: the report still shows it.
    check: (r) =>
      expect(r.evidence.measurements).toMatchObject({ incidents: { liveness: { id: 'traffic', value: 5000 } } }),
  },
  {
    name: 'zero events while the liveness measurement shows a silent channel halts missing',
    spec: { measurements: events, 'exit-criteria': [zeroIncidents] },
    data: { incidents: ok(0), traffic: halted('insufficient', 'rows on 3 of 14 days') },
    expected: { verdict: 'halt', halt_reason: 'missing', reason: /zero events cannot be read as clean.*traffic/ },
  },
  {
    name: 'a halted liveness measurement is named once, before its own reason',
    spec: { measurements: events, 'exit-criteria': [zeroIncidents] },
    data: { incidents: ok(0), traffic: halted('pending', "measurement 'traffic': the window matures on 2026-06-10") },
    expected: {
      verdict: 'halt',
      halt_reason: 'missing',
      reason:
        /^incidents: zero events cannot be read as clean: liveness measurement 'traffic' halted \(pending: the window matures on 2026-06-10\)$/,
    },
  },
  {
    name: 'zero events while the liveness measurement counted nothing halts missing',
    spec: { measurements: events, 'exit-criteria': [zeroIncidents] },
    data: { incidents: ok(0), traffic: ok(0) },
    expected: {
      verdict: 'halt',
      halt_reason: 'missing',
      reason: /incidents: zero events cannot be read as clean: liveness measurement 'traffic' is 0/,
    },
  },
  {
    name: 'zero events while a yes/no liveness measurement says no halts missing',
    spec: {
      measurements: [events[0], sqlMeasurement('traffic', { type: 'bool' })],
      'exit-criteria': [zeroIncidents],
    },
    data: { incidents: ok(0), traffic: ok(false) },
    expected: { verdict: 'halt', halt_reason: 'missing', reason: /liveness measurement 'traffic' is false/ },
  },
  {
    name: 'a count that halted on its own keeps its own reason, whatever the liveness says',
    spec: { measurements: events, 'exit-criteria': [zeroIncidents] },
    data: { incidents: halted('error', 'relation audit.m does not exist'), traffic: halted('insufficient', 'thin') },
    expected: { verdict: 'halt', halt_reason: 'error', reason: /^incidents: relation audit\.m does not exist$/ },
  },
  {
    name: 'a stale count is stale, not zero events on a silent channel',
    spec: { measurements: events, 'exit-criteria': [zeroIncidents] },
    data: { incidents: halted('stale', 'newest row is 3 days old'), traffic: ok(0) },
    expected: { verdict: 'halt', halt_reason: 'stale', reason: /^incidents: newest row is 3 days old$/ },
  },
  {
    name: 'recorded events stand even when liveness is thin: the criterion fails',
    spec: { measurements: events, 'exit-criteria': [zeroIncidents] },
    data: { incidents: ok(2), traffic: halted('insufficient', 'thin') },
    expected: { verdict: 'fail' },
    check: (r) =>
      expect(r.evidence.measurements).toMatchObject({
        incidents: { value: 2, liveness: { id: 'traffic', halt: 'insufficient' } },
      }),
  },
  {
    name: 'a count a criterion needs more of, on a silent channel, may be short: it halts missing, not fails',
    // 4 deploys counted against `>= 10`: the window may hold 10 or more, so the fail would rest on
    // the count being whole, as a pass would; 0 counted halts so already.
    spec: {
      measurements: events,
      'exit-criteria': [{ ...zeroIncidents, params: { min: 10 }, passes_if: 'double(incidents) >= min' }],
    },
    data: { incidents: ok(4), traffic: halted('insufficient', 'thin') },
    expected: {
      verdict: 'halt',
      halt_reason: 'missing',
      reason:
        /^incidents: 4 events counted, but liveness measurement 'traffic' halted \(insufficient: thin\): the count may be short, so it cannot clear the gate, nor fail it, since more events would not$/,
    },
  },
  {
    name: 'a count far below what a criterion needs, on a silent channel, halts too: the window may hold them all',
    spec: {
      measurements: events,
      'exit-criteria': [{ ...zeroIncidents, params: { min: 10000 }, passes_if: 'double(incidents) >= min' }],
    },
    data: { incidents: ok(1), traffic: halted('insufficient', 'thin') },
    expected: { verdict: 'halt', halt_reason: 'missing', reason: /, nor fail it, since more events would not$/ },
  },
  {
    name: 'a count above the threshold on a silent channel still fires: more events would fire it too',
    spec: { measurements: events, 'stop-signs': [fewIncidents] },
    data: { incidents: ok(4), traffic: halted('insufficient', 'thin') },
    expected: { verdict: 'fail', reason: /^fired: double\(incidents\) > limit \(incidents=4, limit=3\)$/ },
  },
  {
    name: 'a count below the threshold on a silent channel may be short: it halts missing, not passes',
    spec: { measurements: events, 'stop-signs': [fewIncidents] },
    data: { incidents: ok(2), traffic: halted('insufficient', 'thin') },
    expected: {
      verdict: 'halt',
      halt_reason: 'missing',
      reason:
        /^incidents: 2 events counted, but liveness measurement 'traffic' halted \(insufficient: thin\): the count may be short, so it cannot clear the gate$/,
    },
  },
  {
    name: 'a count below the threshold while the liveness measurement counted nothing halts missing',
    spec: { measurements: events, 'stop-signs': [fewIncidents] },
    data: { incidents: ok(1), traffic: ok(0) },
    expected: {
      verdict: 'halt',
      halt_reason: 'missing',
      reason: /^incidents: 1 event counted, but liveness measurement 'traffic' is 0, so the channel was not producing/,
    },
  },
  {
    name: 'a count below the threshold while the channel is live passes, the liveness in its evidence',
    spec: { measurements: events, 'stop-signs': [fewIncidents] },
    data: { incidents: ok(2), traffic: ok(5000) },
    expected: { verdict: 'pass' },
    check: (r) =>
      expect(r.evidence.measurements).toMatchObject({ incidents: { value: 2, liveness: { id: 'traffic' } } }),
  },
  {
    name: 'a count on a silent channel fires where it reaches the threshold, and clears it at no anchor',
    spec: {
      measurements: events,
      'stop-signs': [
        {
          ...fewIncidents,
          sensitivity: [{ param: 'limit', compares: 'double(incidents)', band: { absolute: 1 }, alternates: [2, 5] }],
        },
      ],
    },
    data: { incidents: ok(4), traffic: halted('insufficient', 'thin') },
    expected: { verdict: 'fail', reason: /^fired: double\(incidents\) > limit \(incidents=4, limit=3\)$/ },
    check: (r) =>
      expect(r.evidence.sensitivity).toMatchObject([
        {
          measured: 4,
          in_band: true,
          anchors: [
            { limit: 2, verdict: 'fail' },
            { limit: 5, verdict: 'halt' },
          ],
        },
      ]),
  },
]);

const composite = {
  measurements: twoLatencies,
  disconfirmers: [disconfirmerB],
  'exit-criteria': [{ id: 'EC5', title: 'B did not fire', section: '§13(5)', phase: ['close'], all_of: ['B'] }],
};

testGates('exit criteria over other gates', [
  {
    name: 'passes when every named gate passes',
    spec: composite,
    gate: 'EC5',
    data: { boundary_p50_ms: ok(1), lease_plane_p50_ms: ok(10) },
    expected: { verdict: 'pass' },
    check: (r) => expect(r.evidence.all_of).toEqual([{ id: 'B', verdict: 'pass' }]),
  },
  {
    name: 'fails when a named gate fails',
    spec: composite,
    gate: 'EC5',
    data: { boundary_p50_ms: ok(100), lease_plane_p50_ms: ok(10) },
    expected: { verdict: 'fail', reason: /B failed/ },
  },
  {
    name: 'halts with the named gate’s halt reason',
    spec: composite,
    gate: 'EC5',
    data: { boundary_p50_ms: ok(1), lease_plane_p50_ms: halted('pending', 'window matures on 2026-06-10') },
    expected: { verdict: 'halt', halt_reason: 'pending', reason: /B halted \(pending\)/ },
  },
  {
    name: 'a named gate the report leaves out (another phase) is carried inside, with its reason and evidence',
    spec: composite,
    phase: 'close',
    gate: 'EC5',
    data: { boundary_p50_ms: ok(100), lease_plane_p50_ms: ok(10) },
    expected: { verdict: 'fail', reason: /^B failed: fired: .*boundary_p50_ms=100, lease_plane_p50_ms=10/ },
    check: (r, report) => {
      expect(report.results.map((x) => x.id)).toEqual(['EC5']);
      expect(report.phase).toBe('close');
      expect(r.evidence.all_of).toEqual([
        {
          id: 'B',
          verdict: 'fail',
          reason: expect.stringMatching(/^fired: /),
          evidence: expect.objectContaining({
            condition: disconfirmerB.fires_if,
            measurements: expect.objectContaining({
              boundary_p50_ms: expect.objectContaining({ value: 100 }),
              lease_plane_p50_ms: expect.objectContaining({ value: 10 }),
            }),
          }),
        },
      ]);
    },
  },
  {
    name: 'a halted gate the report leaves out says why it halted',
    spec: composite,
    phase: 'close',
    gate: 'EC5',
    data: { boundary_p50_ms: ok(1), lease_plane_p50_ms: halted('pending', 'window matures on 2026-06-10') },
    expected: {
      verdict: 'halt',
      halt_reason: 'pending',
      reason: /^B halted \(pending\): lease_plane_p50_ms: window matures on 2026-06-10$/,
    },
  },
]);

const a1 = {
  measurements: [{ id: 'share_pct', artifact: { glob: 'docs/p-*.md', extract: { pattern: '(\\d+)%', as: 'double' } } }],
  disconfirmers: [
    {
      id: 'A.1',
      title: 'ODE floor',
      section: '§0(A.1)',
      phase: ['implementation'],
      params: { floor: 60 },
      fires_if: 'share_pct > floor',
      sensitivity: [{ param: 'floor', compares: 'share_pct', band: { absolute: 5 }, alternates: [50, 65, 75] }],
    },
  ],
};

const ratioBand = {
  measurements: twoLatencies,
  disconfirmers: [
    {
      ...disconfirmerB,
      sensitivity: [
        {
          param: 'ratio',
          compares: 'boundary_p50_ms / lease_plane_p50_ms',
          band: { relative: 0.05 },
          alternates: [1.5, 2.5],
        },
      ],
    },
  ],
};

testGates('sensitivity bands', [
  {
    name: 'within the band the report shows the verdict at each anchor',
    spec: a1,
    data: { share_pct: ok(62) },
    expected: { verdict: 'fail' },
    check: (r) =>
      expect(r.evidence.sensitivity).toEqual([
        {
          param: 'floor',
          threshold: 60,
          measured: 62,
          band: { absolute: 5 },
          in_band: true,
          anchors: [
            { floor: 50, verdict: 'fail' },
            { floor: 65, verdict: 'pass' },
            { floor: 75, verdict: 'pass' },
          ],
        },
      ]),
  },
  {
    name: 'outside the band no anchors are computed',
    spec: a1,
    data: { share_pct: ok(40) },
    expected: { verdict: 'pass' },
    check: (r) =>
      expect(r.evidence.sensitivity).toEqual([
        { param: 'floor', threshold: 60, measured: 40, band: { absolute: 5 }, in_band: false },
      ]),
  },
  {
    name: 'a value exactly on the edge of an absolute band is in it, whatever binary floating point makes of the difference',
    spec: {
      ...a1,
      disconfirmers: [
        {
          ...a1.disconfirmers[0],
          params: { floor: 0.3 },
          sensitivity: [{ param: 'floor', compares: 'share_pct', band: { absolute: 0.1 }, alternates: [0.2, 0.5] }],
        },
      ],
    },
    data: { share_pct: ok(0.4) },
    expected: { verdict: 'fail' },
    check: (r) =>
      expect(r.evidence.sensitivity).toMatchObject([
        { threshold: 0.3, measured: 0.4, in_band: true, anchors: [{ floor: 0.2 }, { floor: 0.5 }] },
      ]),
  },
  {
    name: 'a ratio exactly on the edge of a relative band is in it',
    spec: ratioBand,
    data: { boundary_p50_ms: ok(21), lease_plane_p50_ms: ok(10) },
    expected: { verdict: 'fail' },
    check: (r) =>
      expect(r.evidence.sensitivity).toMatchObject([
        {
          threshold: 2,
          measured: 2.1,
          in_band: true,
          anchors: [
            { ratio: 1.5, verdict: 'fail' },
            { ratio: 2.5, verdict: 'pass' },
          ],
        },
      ]),
  },
]);

const noBandCheck = 'it cannot be in or out of the band, so there is no band check';

testGates('sensitivity bands over a value that is no finite number', [
  {
    name: 'a division by zero (Infinity) is noted as such, with no measured value or band check; the verdict stands',
    spec: ratioBand,
    data: { boundary_p50_ms: ok(21), lease_plane_p50_ms: ok(0) },
    expected: { verdict: 'fail', reason: /fired/ },
    check: (r, report) => {
      const note = `compares evaluated to Infinity (a division by zero gives it), not a finite number: ${noBandCheck}`;
      expect(r.evidence.sensitivity).toEqual([{ param: 'ratio', threshold: 2, note }]);
      // JSON writes Infinity as null: the report would show a measured value of null, judged against the band.
      const json = formatJson(report);
      expect(JSON.parse(json).results[0].evidence.sensitivity).toEqual([{ note, param: 'ratio', threshold: 2 }]);
      expect(json).not.toMatch(/"measured"|"in_band"|null/);
      expect(formatJunit(report)).not.toMatch(/"measured"|"in_band"|null/);
    },
  },
  {
    name: '0.0 / 0.0 (NaN) likewise',
    spec: ratioBand,
    data: { boundary_p50_ms: ok(0), lease_plane_p50_ms: ok(0) },
    expected: { verdict: 'fail', reason: /fired/ },
    check: (r) =>
      expect(r.evidence.sensitivity).toEqual([
        {
          param: 'ratio',
          threshold: 2,
          note: `compares evaluated to NaN (0.0 / 0.0 gives it, as does any operation on a NaN), not a finite number: ${noBandCheck}`,
        },
      ]),
  },
]);

/** Disconfirmer B with its own condition over the two latencies. */
const ratioGate = (fires_if: string) => ({
  measurements: twoLatencies,
  disconfirmers: [{ ...disconfirmerB, fires_if }],
});

testGates('a condition computing a double that is not finite', [
  {
    // NaN > 2 is false: the gate would pass on a ratio of two measured zeros.
    name: '0.0 / 0.0 (NaN) halts (error), never passes',
    spec: ratioGate('boundary_p50_ms / lease_plane_p50_ms > ratio'),
    data: { boundary_p50_ms: ok(0), lease_plane_p50_ms: ok(0) },
    expected: {
      verdict: 'halt',
      halt_reason: 'error',
      reason:
        /^the condition could not be evaluated: boundary_p50_ms \/ lease_plane_p50_ms is NaN \(0\.0 \/ 0\.0 gives it, .*\), not a number a condition can judge/,
    },
  },
  {
    name: 'x / 0.0 (Infinity) halts too, as an int division by zero does',
    spec: ratioGate('!(boundary_p50_ms / lease_plane_p50_ms <= ratio)'),
    data: { boundary_p50_ms: ok(21), lease_plane_p50_ms: ok(0) },
    expected: {
      verdict: 'halt',
      halt_reason: 'error',
      reason: /lease_plane_p50_ms is Infinity \(a division by zero gives it/,
    },
  },
  {
    name: 'NaN carried on by further arithmetic is named where it arose',
    spec: ratioGate('(boundary_p50_ms - lease_plane_p50_ms) / lease_plane_p50_ms * 100.0 > ratio'),
    data: { boundary_p50_ms: ok(0), lease_plane_p50_ms: ok(0) },
    expected: {
      verdict: 'halt',
      halt_reason: 'error',
      reason: /: \(boundary_p50_ms - lease_plane_p50_ms\) \/ lease_plane_p50_ms is NaN/,
    },
  },
  {
    name: 'a division the condition guards is not reached: the verdict stands',
    spec: ratioGate('lease_plane_p50_ms > 0.0 ? boundary_p50_ms / lease_plane_p50_ms > ratio : boundary_p50_ms > 20.0'),
    data: { boundary_p50_ms: ok(21), lease_plane_p50_ms: ok(0) },
    expected: { verdict: 'fail', reason: /fired/ },
  },
  {
    // CEL absorbs an error beside a true ||, an int division by zero too: the outcome does not depend on it.
    name: 'beside a true ||, as CEL absorbs any error',
    spec: ratioGate('boundary_p50_ms / lease_plane_p50_ms > ratio || boundary_p50_ms > 20.0'),
    data: { boundary_p50_ms: ok(21), lease_plane_p50_ms: ok(0) },
    expected: { verdict: 'fail', reason: /fired/ },
  },
  {
    name: 'finite values are judged as before',
    spec: ratioGate('boundary_p50_ms / lease_plane_p50_ms > ratio'),
    data: { boundary_p50_ms: ok(21), lease_plane_p50_ms: ok(10) },
    expected: { verdict: 'fail', reason: /fired/ },
  },
]);

const bandOverTwo = (fires_if: string) => ({
  measurements: twoLatencies,
  disconfirmers: [
    {
      id: 'B',
      title: 'Boundary cost',
      section: '§0(B)',
      phase: ['implementation'],
      params: { ceiling: 30 },
      fires_if,
      sensitivity: [
        { param: 'ceiling', compares: 'boundary_p50_ms', band: { absolute: 2 }, alternates: [25, 35] },
        { param: 'ceiling', compares: 'lease_plane_p50_ms', band: { absolute: 2 }, alternates: [25, 35] },
      ],
    },
  ],
});

testGates('sensitivity bands beside a halted measurement', [
  {
    name: 'a band over a halted measurement names it, not an unknown CEL variable',
    spec: bandOverTwo('boundary_p50_ms > ceiling'),
    data: { boundary_p50_ms: ok(10), lease_plane_p50_ms: halted('missing', 'no rows') },
    expected: { verdict: 'pass' },
    check: (r) => {
      expect(r.evidence.sensitivity).toMatchObject([
        { in_band: false },
        {
          param: 'ceiling',
          threshold: 30,
          note: 'compares reads lease_plane_p50_ms halted (missing), so it has no value to place against the band: there is no band check',
        },
      ]);
      expect(JSON.stringify(r.evidence)).not.toMatch(/Unknown variable/);
    },
  },
  {
    name: 'a gate fired by a measured value alone still shows how near its threshold that value is',
    spec: bandOverTwo('boundary_p50_ms > ceiling || lease_plane_p50_ms > ceiling'),
    data: { boundary_p50_ms: ok(31), lease_plane_p50_ms: halted('missing', 'no rows') },
    expected: { verdict: 'fail', reason: /decided without lease_plane_p50_ms/ },
    check: (r) =>
      expect(r.evidence.sensitivity).toMatchObject([
        {
          measured: 31,
          in_band: true,
          // At 35 the measured value no longer fires it, and the halted one decides: a halt.
          anchors: [
            { ceiling: 25, verdict: 'fail' },
            { ceiling: 35, verdict: 'halt' },
          ],
        },
        { note: expect.stringMatching(/^compares reads lease_plane_p50_ms halted \(missing\)/) },
      ]),
  },
]);

testGates('timeouts', [
  {
    name: 'a source that never answers halts its own gates and nothing else',
    spec: {
      measurements: [
        ...twoLatencies,
        { id: 'spike', artifact: { glob: 'x-*.md', extract: { pattern: '(yes|no)', as: 'string' } } },
      ],
      disconfirmers: [
        disconfirmerB,
        { id: 'C', title: 'spike', section: '§0(C)', phase: ['implementation'], fires_if: 'spike == "yes"' },
      ],
    },
    data: { boundary_p50_ms: 'hang', lease_plane_p50_ms: ok(10), spike: ok('no') },
    timeoutMs: 200,
    expected: { verdict: 'halt', halt_reason: 'error', reason: /timed out after 0.2s/ },
    check: (_r, report) => expect(report.results.find((x) => x.id === 'C')?.verdict).toBe('pass'),
  },
]);

/** A disconfirmer of D's shape: the artifact's absence fires it alone; the rest is read from the artifact. */
const presence = [
  { id: 'present', artifact: { glob: 'redteam-*.md', exists: true } },
  sqlMeasurement('extra', { type: 'double' }),
];
const fires = (fires_if: string) => ({
  measurements: presence,
  disconfirmers: [{ id: 'D', title: 'redteam', section: '§0(D)', phase: ['implementation'], fires_if }],
});
const holds = (holds_if: string) => ({
  measurements: presence,
  invariants: [{ id: 'I', title: 'redteam', section: '§0(D)', phase: ['implementation'], holds_if }],
});

testGates('a condition the measured values decide alone', [
  {
    name: 'fires although another operand halted, naming what it was decided without',
    spec: fires('!present || extra > 0.0'),
    data: { present: ok(false), extra: halted('missing', 'no file matching redteam-*.md') },
    expected: {
      verdict: 'fail',
      reason:
        /^fired: !present \|\| extra > 0\.0 \(present=false\); decided without extra \(extra: no file matching redteam-\*\.md\)$/,
    },
    check: (r) => expect(r.evidence.measurements).toMatchObject({ extra: { halt: 'missing' } }),
  },
  {
    name: 'the halted operand may come first: || is commutative',
    spec: fires('extra > 0.0 || !present'),
    data: { present: ok(false), extra: halted('missing', 'gone') },
    expected: { verdict: 'fail', reason: /decided without extra/ },
  },
  {
    name: 'never a pass: what the measured values leave open halts',
    spec: fires('!present || extra > 0.0'),
    data: { present: ok(true), extra: halted('insufficient', 'too few rows') },
    expected: { verdict: 'halt', halt_reason: 'insufficient', reason: /extra: too few rows/ },
  },
  {
    name: 'an invariant that cannot hold whatever the halted value fails; one that might halts',
    spec: holds('present && extra == 0.0'),
    data: { present: ok(false), extra: halted('stale', 'old rows') },
    expected: { verdict: 'fail', reason: /does not hold: .*decided without extra/ },
  },
  {
    name: 'an invariant left open by its halted operand halts',
    spec: holds('present && extra == 0.0'),
    data: { present: ok(true), extra: halted('stale', 'old rows') },
    expected: { verdict: 'halt', halt_reason: 'stale' },
  },
]);

describe('liveness measurements that name each other', () => {
  it('are a spec error at the first of the circle, not a gate check that overflows its stack', async () => {
    const circle = {
      measurements: [
        sqlMeasurement('incidents', { type: 'int', counts_events: true, liveness: 'divergences' }),
        sqlMeasurement('divergences', { type: 'int', counts_events: true, liveness: 'incidents' }),
      ],
      'exit-criteria': [zeroIncidents],
    };
    const error = await runCase({
      name: 'circle',
      spec: circle,
      data: { incidents: ok(0), divergences: ok(0) },
      expected: { verdict: 'halt' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).problems.map(formatProblem)).toEqual([
      "gates/demo/measurements.yaml:10:3: measurement 'incidents': liveness measurements name each other in a circle (incidents → divergences → incidents); a liveness measurement shows the channel producing on its own, so end the chain at one that names none",
    ]);
  });
});

/**
 * The problems loading a spec whose one disconfirmer, A.1 over share_pct, has the given params,
 * condition and band (absolute 5, alternates 50 and 65): the band must be refused at load.
 */
async function bandSpecProblems(params: Record<string, number>, firesIf: string, param: string): Promise<string[]> {
  const error = await runCase({
    name: 'band refused',
    spec: {
      measurements: [sqlMeasurement('share_pct')],
      disconfirmers: [
        {
          id: 'A.1',
          title: 'ODE floor',
          section: '§0(A.1)',
          phase: ['implementation'],
          params,
          fires_if: firesIf,
          sensitivity: [{ param, compares: 'share_pct', band: { absolute: 5 }, alternates: [50, 65] }],
        },
      ],
    },
    data: { share_pct: ok(62) },
    expected: { verdict: 'fail' },
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SpecError);
  return (error as SpecError).problems.map(formatProblem);
}

describe('a sensitivity band over a param named verdict', () => {
  it('is a spec error at the param: each anchor reports its verdict under that name', async () => {
    expect(await bandSpecProblems({ verdict: 60 }, 'share_pct > verdict', 'verdict')).toEqual([
      "gates/demo/disconfirmers.yaml:11:7: disconfirmer 'A.1': a sensitivity param cannot be named 'verdict': each anchor reports the param's value and its verdict side by side under those names; rename the param",
    ]);
  });
});

describe('a sensitivity band over a param the condition does not read', () => {
  it('is a spec error at the param: its anchors would all give the verdict at the literal threshold', async () => {
    // `share_pct > 60.0` with a band on `floor: 60`: at 62 the gate fires, and at a floor of 65 it
    // would not, yet moving a param the condition never reads would report "at 65 fail".
    expect(await bandSpecProblems({ floor: 60 }, 'share_pct > 60.0', 'floor')).toEqual([
      "gates/demo/disconfirmers.yaml:11:7: disconfirmer 'A.1': sensitivity param 'floor' is not read by fires_if, so its anchors could not move the threshold: write the threshold as 'floor' in the condition",
    ]);
  });
});

describe('an exit criterion over a gate the report leaves out', () => {
  it('shows that gate’s value within its band on its own row, as the gate’s row would', async () => {
    // --phase close keeps EC5 but not B: EC5 fails on B's ratio 2.05 against 2, which B would
    // not fire at 2.5, and no row of B is there to say so.
    const { report } = await runCase({
      name: 'carried band',
      spec: { ...ratioBand, 'exit-criteria': composite['exit-criteria'] },
      data: { boundary_p50_ms: ok(20.5), lease_plane_p50_ms: ok(10) },
      phase: 'close',
      expected: { verdict: 'fail' },
    });
    expect(report.results.map((r) => [r.id, r.verdict])).toEqual([['EC5', 'fail']]);
    const table = formatTable(report, { color: false, width: 200 });
    expect(table).toMatch(/│ fail ~ +│ EC5/);
    expect(table).toMatch(/│ ~ ratio of B: 2\.05 is within 5% of 2; at 1\.5 fail, at 2\.5 pass +│/);
    expect(formatMarkdown(report)).toMatch(
      /\| ❌ fail ~ \| EC5 \|.*; ratio of B: 2\.05 is within 5% of 2; at 1\.5 fail, at 2\.5 pass \|/,
    );
    // B's own row, when the report holds it, carries the band: EC5's does not repeat it.
    const all = await runCase({
      name: 'reported band',
      spec: { ...ratioBand, 'exit-criteria': composite['exit-criteria'] },
      data: { boundary_p50_ms: ok(20.5), lease_plane_p50_ms: ok(10) },
      expected: { verdict: 'fail' },
    });
    expect(formatTable(all.report, { color: false, width: 200 })).not.toMatch(/of B/);
  });
});

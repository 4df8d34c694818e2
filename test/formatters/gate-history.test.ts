/** gate history's tables, from rows as the ledger's readers return them. */
import { describe, expect, it } from 'vitest';
import {
  gateHistorySummary,
  gateHistoryTable,
  gateResultsTable,
  gateRunsTable,
} from '../../src/formatters/gate-history.js';
import type { GateHistoryEntry, ListedGateResult, ListedGateRun } from '../../src/ledger/gate-history.js';
import { expectInert, PLANTED, SHOWN } from '../helpers/planted.js';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

const run = (over: Partial<ListedGateRun>): ListedGateRun => ({
  id: '2',
  recorded_at: '2026-06-02T03:00:00.000Z',
  as_of: '2026-06-02T00:00:00.000Z',
  snapshot_at: null,
  ref: 'HEAD',
  sha: SHA,
  phase: null,
  only: null,
  verdict: 'fail',
  gates: { pass: 1, fail: 1, halt: 0 },
  tool_version: '0.1.0',
  recorded_by: 'ci',
  ...over,
});

const entry = (over: Partial<GateHistoryEntry>): GateHistoryEntry => ({
  run_id: '1',
  recorded_at: '2026-06-01T03:00:00.000Z',
  as_of: '2026-06-01T00:00:00.000Z',
  snapshot_at: null,
  ref: 'HEAD',
  sha: SHA,
  gate_id: 'B',
  verdict: 'pass',
  halt_reason: null,
  reason: null,
  channel: null,
  previous_verdict: null,
  previous_halt_reason: null,
  previous_channel: null,
  changed: false,
  ...over,
});

const result = (over: Partial<ListedGateResult>): ListedGateResult => ({
  gate_id: 'B',
  kind: 'disconfirmer',
  title: 'gate B',
  section: '§0(B)',
  verdict: 'pass',
  halt_reason: null,
  reason: null,
  evidence: {},
  location: null,
  ...over,
});

describe('gateRunsTable', () => {
  it('pads every column, shortens the sha, and leaves out snapshot_at, phase and only when no run has one', () => {
    expect(
      gateRunsTable([
        run({}),
        run({ id: '1', sha: null, verdict: 'pass', gates: { pass: 2, fail: 0, halt: 0 } }),
      ]).split('\n'),
    ).toEqual([
      'run  recorded_at               as_of                     ref   sha      verdict  pass  fail  halt',
      '2    2026-06-02T03:00:00.000Z  2026-06-02T00:00:00.000Z  HEAD  abcdef0  fail     1     1     0',
      '1    2026-06-02T03:00:00.000Z  2026-06-02T00:00:00.000Z  HEAD  -        pass     2     0     0',
      '',
    ]);
  });

  it('shows snapshot_at, phase and only when a run has one, "-" in the runs without', () => {
    const text = gateRunsTable([
      run({ snapshot_at: '2026-06-01T12:00:00.000Z', phase: 'canary', only: ['A.1', 'B'] }),
      run({ id: '1' }),
    ]);
    const [header = '', first = '', second = ''] = text.split('\n');
    expect(header).toMatch(/^run +recorded_at +as_of +snapshot_at +ref +sha +phase +only +verdict +pass +fail +halt$/);
    expect(first).toMatch(/ 2026-06-01T12:00:00\.000Z +HEAD +abcdef0 +canary +A\.1,B +fail /);
    expect(second).toMatch(/\.000Z +- +HEAD +abcdef0 +- +- +fail /);
  });

  it('writes out what a terminal or a CI log would obey in a ref', () => {
    const text = gateRunsTable([run({ ref: PLANTED, phase: PLANTED, only: [PLANTED] })]);
    expectInert(text);
    expect(text).toContain(SHOWN);
  });

  it('shows the --run-id a run was recorded with as run_key, "-" in the runs without, after the run', () => {
    const text = gateRunsTable([run({ run_key: '9876-build' }), run({ id: '1' })]);
    const [header = '', first = '', second = ''] = text.split('\n');
    expect(header).toMatch(/^run +run_key +recorded_at +as_of +ref +sha +verdict +pass +fail +halt$/);
    expect(first).toMatch(/^2 +9876-build +2026-06-02T03:00:00\.000Z /);
    expect(second).toMatch(/^1 +- +2026-06-02T03:00:00\.000Z /);
  });

  it('writes out what a terminal or a CI log would obey in a run key', () => {
    const text = gateRunsTable([run({ run_key: PLANTED })]);
    expectInert(text);
    expect(text).toContain(SHOWN);
  });
});

describe('gateHistoryTable and gateHistorySummary', () => {
  const entries = [
    entry({
      run_id: '4',
      verdict: 'halt',
      halt_reason: 'missing',
      reason: 'went dark',
      previous_verdict: 'fail',
      changed: true,
    }),
    entry({ run_id: '3', verdict: 'fail', reason: 'B fired', previous_verdict: 'fail' }),
    entry({ run_id: '2', verdict: 'fail', reason: 'B fired', previous_verdict: 'pass', changed: true }),
    entry({ run_id: '1' }),
  ];

  it('marks the runs where the verdict changed, and the first run that recorded the gate', () => {
    const lines = gateHistoryTable(entries).split('\n');
    expect(lines[0]).toMatch(/^run +recorded_at +as_of +ref +sha +verdict +halt_reason +change +reason$/);
    expect(lines.slice(1).map((l) => l.replace(/ +/g, ' ').replace(/ \S+Z \S+Z HEAD abcdef0/, ''))).toEqual([
      '4 halt missing fail -> halt (missing) went dark',
      '3 fail - - B fired',
      '2 fail - pass -> fail B fired',
      '1 pass - first -',
      '',
    ]);
  });

  it('shows the run key of each run that has one', () => {
    const lines = gateHistoryTable([entry({ run_id: '2', run_key: 'ci-2' }), entry({})]).split('\n');
    expect(lines[0]).toMatch(/^run +run_key +recorded_at +as_of +ref +sha +verdict +halt_reason +change +reason$/);
    expect(lines.slice(1).map((l) => l.replace(/ +/g, ' ').replace(/ \S+Z \S+Z HEAD abcdef0/, ''))).toEqual([
      '2 ci-2 pass - first -',
      '1 - pass - first -',
      '',
    ]);
  });

  it('says since which run the newest verdict holds', () => {
    expect(gateHistorySummary('B', entries)).toBe(
      'gate B is halt (missing) since run 4 (recorded 2026-06-01T03:00:00.000Z, as of 2026-06-01T00:00:00.000Z); it was fail before\n',
    );
    expect(gateHistorySummary('B', entries.slice(1))).toBe(
      'gate B is fail since run 2 (recorded 2026-06-01T03:00:00.000Z, as of 2026-06-01T00:00:00.000Z); it was pass before\n',
    );
    expect(gateHistorySummary('B', [entry({ run_id: '2', previous_verdict: 'pass' }), entry({})])).toBe(
      'gate B is pass in every run that recorded it, since its first, run 1 (recorded 2026-06-01T03:00:00.000Z)\n',
    );
    // The change is older than what --limit listed.
    expect(gateHistorySummary('B', entries.slice(1, 2))).toBe(
      'gate B is fail in every listed run (since run 3 at least); raise --limit to see since when\n',
    );
  });

  it('marks a halt whose reason changed as it marks a verdict that changed, and says since when', () => {
    const failed = entry({
      verdict: 'fail',
      reason: 'B fired',
      previous_verdict: 'halt',
      previous_halt_reason: 'error',
      changed: true,
    });
    expect(gateHistoryTable([failed]).split('\n')[1]).toMatch(/ fail +- +halt \(error\) -> fail +B fired$/);
    const reasons = [
      entry({
        run_id: '7',
        verdict: 'halt',
        halt_reason: null,
        reason: 'x',
        previous_verdict: 'halt',
        previous_halt_reason: 'error',
      }),
      entry({
        run_id: '6',
        verdict: 'halt',
        halt_reason: 'error',
        reason: 'the condition could not be evaluated',
        previous_verdict: 'halt',
        previous_halt_reason: 'missing',
        changed: true,
      }),
      entry({
        run_id: '5',
        verdict: 'halt',
        halt_reason: 'missing',
        reason: 'went dark',
        previous_verdict: 'halt',
        previous_halt_reason: 'missing',
      }),
      entry({
        run_id: '4',
        verdict: 'halt',
        halt_reason: 'missing',
        reason: 'went dark',
        previous_verdict: 'fail',
        changed: true,
      }),
    ];
    expect(
      gateHistoryTable(reasons)
        .split('\n')
        .map((l) => l.replace(/ +/g, ' ').replace(/ \S+Z \S+Z HEAD abcdef0/, '')),
    ).toEqual([
      'run recorded_at as_of ref sha verdict halt_reason change reason',
      '7 halt - - x',
      '6 halt error halt (missing) -> halt (error) the condition could not be evaluated',
      '5 halt missing - went dark',
      '4 halt missing fail -> halt (missing) went dark',
      '',
    ]);
    // The newest run holds no reason: the line does not make one up.
    expect(gateHistorySummary('B', reasons)).toBe(
      'gate B is halt since run 6 (recorded 2026-06-01T03:00:00.000Z, as of 2026-06-01T00:00:00.000Z); it was halt (missing) before\n',
    );
    expect(gateHistorySummary('B', reasons.slice(1))).toBe(
      'gate B is halt (error) since run 6 (recorded 2026-06-01T03:00:00.000Z, as of 2026-06-01T00:00:00.000Z); it was halt (missing) before\n',
    );
    expect(gateHistorySummary('B', reasons.slice(2, 3))).toBe(
      'gate B is halt (missing) in every listed run (since run 5 at least); raise --limit to see since when\n',
    );
  });

  it('shows the channel of a halt on a channel that produced nothing, and marks where it changed', () => {
    const dark = [
      entry({
        run_id: '3',
        verdict: 'halt',
        halt_reason: 'missing',
        reason: 'went dark',
        channel: 'went_dark',
        previous_verdict: 'halt',
        previous_halt_reason: 'missing',
        previous_channel: 'never_started',
        changed: true,
      }),
      entry({
        run_id: '2',
        verdict: 'halt',
        halt_reason: 'missing',
        reason: 'never started',
        channel: 'never_started',
        previous_verdict: 'fail',
        changed: true,
      }),
      entry({ run_id: '1', verdict: 'fail', reason: 'B fired' }),
    ];
    expect(
      gateHistoryTable(dark)
        .split('\n')
        .map((l) => l.replace(/ +/g, ' ').replace(/ \S+Z \S+Z HEAD abcdef0/, '')),
    ).toEqual([
      'run recorded_at as_of ref sha verdict halt_reason channel change reason',
      '3 halt missing went_dark halt (missing, never_started) -> halt (missing, went_dark) went dark',
      '2 halt missing never_started fail -> halt (missing, never_started) never started',
      '1 fail - - first B fired',
      '',
    ]);
    expect(gateHistorySummary('B', dark)).toBe(
      'gate B is halt (missing, went_dark) since run 3 (recorded 2026-06-01T03:00:00.000Z, as of 2026-06-01T00:00:00.000Z); it was halt (missing, never_started) before\n',
    );
  });

  it('writes out what a terminal or a CI log would obey in a reason', () => {
    const text =
      gateHistoryTable([
        entry({ verdict: 'fail', reason: PLANTED }),
        entry({
          verdict: 'halt',
          halt_reason: PLANTED,
          previous_verdict: 'halt',
          previous_halt_reason: PLANTED,
          changed: true,
        }),
      ]) +
      gateHistorySummary(PLANTED, [
        entry({ verdict: 'halt', halt_reason: PLANTED, previous_verdict: 'fail', changed: true }),
      ]);
    expectInert(text);
    expect(text).toContain(SHOWN);
  });
});

describe('gateResultsTable', () => {
  it('lists the results as given, the reason whole and last', () => {
    const reason = `measurement 'lease_p50_ms': ${'x'.repeat(200)}`;
    expect(
      gateResultsTable([
        result({ gate_id: 'F', verdict: 'halt', halt_reason: 'missing', reason }),
        result({ gate_id: 'A.1', kind: 'exit_criterion' }),
      ]).split('\n'),
    ).toEqual([
      'gate  kind            verdict  halt_reason  reason',
      `F     disconfirmer    halt     missing      ${reason}`,
      'A.1   exit_criterion  pass     -            -',
      '',
    ]);
  });

  it('writes out what a terminal or a CI log would obey in a gate id or a reason', () => {
    const text = gateResultsTable([result({ gate_id: PLANTED, reason: PLANTED })]);
    expectInert(text);
    expect(text).toContain(SHOWN);
  });
});

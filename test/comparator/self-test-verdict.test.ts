/** What a pair's self-test does to its verdict, and so to the hourly run's exit code. */
import { describe, expect, it } from 'vitest';
import { combine, comparatorExitCode, type PairResult, withSelfTest } from '../../src/comparator/run.js';
import type { SelfTestResult } from '../../src/comparator/selftest.js';
import { formatComparator } from '../../src/formatters/comparator/index.js';
import { comparatorReport, pairResult } from './helpers.js';

/** A pair that compared clean. */
const pair = (over: Partial<PairResult>): PairResult =>
  pairResult({
    status: 'clean',
    verdict: 'pass',
    reason: null,
    counts: { canonical_missing: 0, shadow_missing: 0, value_mismatch: 0, divergent: 0 },
    columns: {},
    rows: [],
    truncated: false,
    ...over,
  });

const selfTest = (status: SelfTestResult['status'], reason: string | null): SelfTestResult => ({
  pair: 'identities',
  status,
  detected: {
    canonical_missing: status === 'passed',
    shadow_missing: status === 'passed',
    value_mismatch: status === 'passed',
  },
  mismatch_column: null,
  mismatch_column_detected: false,
  undetected: status === 'passed' ? [] : ['canonical_missing', 'shadow_missing', 'value_mismatch'],
  reason,
  rolled_back: true,
});

const exit = (r: PairResult) => comparatorExitCode({ verdict: combine([r.verdict]) });

describe('withSelfTest', () => {
  it('a passed self-test leaves the verdict alone', () => {
    const r = pair({});
    withSelfTest(r, selfTest('passed', null));
    expect(r).toMatchObject({ verdict: 'pass', reason: null, self_test: { status: 'passed' } });
    expect(exit(r)).toBe(0);
  });

  it('a self-test that missed a kind fails the pair: the comparator cannot see', () => {
    const r = pair({});
    withSelfTest(r, selfTest('failed', 'value_mismatch divergences were not detected'));
    expect(r).toMatchObject({
      verdict: 'fail',
      reason: 'self-test failed: value_mismatch divergences were not detected',
    });
    expect(exit(r)).toBe(1);
  });

  it('a self-test that could not run halts a clean pair (exit 2), not a divergence (exit 1)', () => {
    const r = pair({});
    withSelfTest(r, selfTest('error', 'could not plant the synthetic rows: check constraint'));
    expect(r).toMatchObject({
      verdict: 'halt',
      halt_reason: 'error',
      reason: 'self-test error: could not plant the synthetic rows: check constraint',
    });
    expect(exit(r)).toBe(2);
  });

  it('a divergent pair stays failed and a dark one dark, whatever the self-test', () => {
    const divergent = pair({ status: 'divergent', verdict: 'fail', reason: '1 divergent key' });
    withSelfTest(divergent, selfTest('error', 'connection lost'));
    expect(divergent).toMatchObject({ verdict: 'fail', reason: 'self-test error: connection lost; 1 divergent key' });
    const dark = pair({ status: 'went_dark', verdict: 'went_dark', reason: 'the shadow is empty' });
    withSelfTest(dark, selfTest('failed', 'nothing detected'));
    expect(dark).toMatchObject({ verdict: 'went_dark', reason: 'the shadow is empty' });
    expect(exit(dark)).toBe(4);
  });
});

describe('a self-test that did not pass, as the report shows it', () => {
  const occurrences = (text: string, part: string) => text.split(part).length - 1;

  it('says the self-test reason once, on the self-test line, in the table and in Markdown', () => {
    const clean = pair({ id: 'clean' });
    withSelfTest(clean, selfTest('failed', 'the planted value_mismatch divergence was not detected'));
    const divergent = pair({ id: 'divergent', status: 'divergent', verdict: 'fail', reason: '1 divergent key' });
    withSelfTest(divergent, selfTest('error', 'connection lost'));
    const report = comparatorReport([clean, divergent], 'fail');
    for (const format of ['table', 'markdown'] as const) {
      const text = formatComparator(report, format);
      expect(occurrences(text, 'was not detected')).toBe(1);
      expect(occurrences(text, 'connection lost')).toBe(1);
      expect(text).toContain('self-test failed: the planted value_mismatch divergence was not detected (rolled back)');
      expect(text).toContain('self-test error: connection lost (rolled back)');
      // The pair's own reason is still there, once.
      expect(occurrences(text, '1 divergent key')).toBe(1);
    }
    // The JSON report keeps the whole reason: the self-test first, then the pair's own.
    expect(divergent.reason).toBe('self-test error: connection lost; 1 divergent key');
  });
});

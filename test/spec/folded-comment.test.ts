import { afterEach, describe, expect, it } from 'vitest';
import { loadRfc } from '../../src/spec/load.js';
import { lineComments } from '../../src/spec/expressions.js';
import { formatProblem, SpecError } from '../../src/spec/problems.js';
import { runCli } from '../helpers/cli.js';
import { type GateCase, ok, testGates } from '../helpers/gate-tester.js';
import { modeline, type RfcFixture, tempRoot, writeRfc } from '../helpers/spec-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

const D = 'gates/demo/disconfirmers.yaml';
const measure = (id: string) =>
  `- id: ${id}\n  window: 14d\n  sql:\n    table: audit.m\n    timestamp: recorded_at\n    value: count(*)\n`;
const measurements = `${measure('p50_ms')}${measure('p99_ms')}- id: verdict\n  attestation: { judgements: [go, no-go] }\n`;

function raw(files: Record<string, string>): RfcFixture {
  return { raw: Object.fromEntries(Object.entries(files).map(([n, t]) => [n, modeline(n) + t])) };
}

const gate = (condition: string, extra = '') =>
  `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n${extra}  fires_if: ${condition}\n`;

function problemsOf(files: Record<string, string>): string[] {
  const { root, cleanup } = tempRoot();
  cleanups.push(cleanup);
  writeRfc(root, raw({ 'measurements.yaml': measurements, ...files }));
  try {
    loadRfc(root, 'demo');
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.problems.map(formatProblem);
  }
}

const said = (kind: string, what = 'condition') =>
  `a // comment in ${kind} runs to the end of the ${what}, since YAML joins its lines: write the ${what} as a literal block (|-), or move the comment above the key as a YAML # comment`;
const FOLDED = said('a folded (>) block');
const PLAIN = said('a plain value written over several lines');
const QUOTED = said('a quoted value written over several lines');

describe('a // comment that YAML joins to the lines after it is refused, at the comment', () => {
  it.each([
    ['folded (>-)', `>-\n    p50_ms > 1.0   // the first limit\n    || p99_ms > 2.0`, 7, 20, FOLDED],
    [
      'folded (>), a comment on the first of three lines',
      `>\n    p50_ms > 1.0 // a\n    || p99_ms > 2.0\n    || p50_ms < 0.0`,
      7,
      18,
      FOLDED,
    ],
    ['plain, over two lines', `p50_ms > 1.0 // the first limit\n    || p99_ms > 2.0`, 6, 26, PLAIN],
    [
      'double-quoted, after escapes',
      `"\\"a\\" != \\"b\\" && p50_ms > 1.0 // \\"x\\"\n    || p99_ms > 2.0"`,
      6,
      45,
      QUOTED,
    ],
    ["single-quoted, after ''", `'"it''s" != "" && p50_ms > 1.0 // x\n    || p99_ms > 2.0'`, 6, 44, QUOTED],
    // Only the comment that takes in a later line is said: the one on the last line takes in nothing.
    [
      'folded, the second of two comments',
      `>-\n    "//" != "" &&\n    p50_ms > 1.0 //  b\n    || p99_ms > 2.0 // c`,
      8,
      18,
      FOLDED,
    ],
  ])('in a %s condition', (_, condition, line, col, message) => {
    expect(problemsOf({ 'disconfirmers.yaml': gate(condition) })).toEqual([
      `${D}:${line}:${col}: disconfirmer 'B': ${message}`,
    ]);
  });

  it("in a sensitivity's compares and a prereq data gate's condition too", () => {
    const sensitivity = `  params: { limit: 10 }\n  sensitivity:\n    - param: limit\n      compares: >-\n        p50_ms // the median\n        + p99_ms\n      band: { absolute: 1 }\n      alternates: [2]\n`;
    expect(problemsOf({ 'disconfirmers.yaml': gate('p50_ms > limit', sensitivity) })).toEqual([
      `${D}:10:16: disconfirmer 'B': ${said('a folded (>) block', 'expression')}`,
    ]);
    const prereqs = `- id: p1\n  title: P1\n  deliverables: [src/a.py]\n  data_gates:\n    - id: rows\n      condition: >-\n        p50_ms < 9.0 // the floor\n        && p99_ms > 1.0\n`;
    expect(problemsOf({ 'disconfirmers.yaml': gate('p50_ms > 10.0'), 'prereqs.yaml': prereqs })).toEqual([
      `gates/demo/prereqs.yaml:8:22: prereq 'p1': data gate 'rows': ${FOLDED}`,
    ]);
  });

  it('in a condition written at an anchor, at the comment where it is written', () => {
    const gates = `- id: A\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: &limit >-\n    p50_ms > 1.0 // a\n    || p99_ms > 2.0\n- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: *limit\n`;
    expect(problemsOf({ 'disconfirmers.yaml': gates })).toEqual([
      `${D}:7:18: disconfirmer 'A': ${FOLDED}`,
      `${D}:7:18: disconfirmer 'B': ${FOLDED}`,
    ]);
  });

  it('spec validate says it once and exits 3', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(
      root,
      raw({
        'measurements.yaml': measurements,
        'disconfirmers.yaml': gate(`>-\n    p50_ms > 1.0 // the first limit\n    || p99_ms > 2.0`),
      }),
    );
    const r = runCli(['spec', 'validate', '--rfc', 'demo'], root);
    expect(r.code).toBe(3);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('gates/'))).toEqual([
      `${D}:7:18: disconfirmer 'B': ${FOLDED}`,
    ]);
  });
});

describe('a // comment that takes in no later line is allowed', () => {
  it.each([
    [
      'a literal block (|-), comments on every line',
      `|-\n    p50_ms > 1.0 // the first limit\n    || p99_ms > 2.0 // the second`,
    ],
    ['a folded block, the comment on its last line', `>-\n    p50_ms > 1.0\n    || p99_ms > 2.0 // the second limit`],
    ['a plain value, the comment on its last line', `p50_ms > 1.0\n    || p99_ms > 2.0 // the second limit`],
    ['a one-line value', `p50_ms > 1.0 || p99_ms > 2.0 // both limits`],
    // A blank line is kept as a line break, which ends the comment.
    [
      'a folded block, a blank line after the comment',
      `>-\n    p50_ms > 1.0 // the first limit\n\n    || p99_ms > 2.0`,
    ],
    [
      'a folded block, // only inside string literals',
      `>-\n    verdict != "http://x" &&\n    !verdict.matches(r"^[a-z]+://") &&\n    verdict != '''a // b ' c''' &&\n    verdict != "say \\"//\\"" &&\n    p50_ms > 1.0 / 2.0`,
    ],
  ])('in %s', (_, condition) => {
    expect(problemsOf({ 'disconfirmers.yaml': gate(condition) })).toEqual([]);
  });
});

// Only the second half is true: the gate fires only if it is read.
const secondHalf = (name: string, condition: string, verdict: 'fail' | 'pass'): GateCase => ({
  name,
  spec: raw({ 'measurements.yaml': measurements, 'disconfirmers.yaml': gate(condition) }),
  data: { p50_ms: ok(0.5), p99_ms: ok(5.0) },
  expected: { verdict },
});
testGates('a condition with // comments is evaluated whole', [
  secondHalf(
    'a literal block (|-): the second half fires the gate',
    `|-\n    p50_ms > 1.0 // the first limit\n    || p99_ms > 2.0 // the second`,
    'fail',
  ),
  secondHalf(
    'a folded block, the comment on its last line: the second half fires the gate',
    `>-\n    p50_ms > 1.0\n    || p99_ms > 2.0 // the second limit`,
    'fail',
  ),
  secondHalf(
    'a literal block, neither half true: it passes',
    `|-\n    p50_ms > 1.0 // the first limit\n    || p99_ms > 9.0`,
    'pass',
  ),
]);

describe('the // comments of a CEL text, as its parser reads them', () => {
  it.each([
    ['a / b // c', [[6, 10]]],
    [
      'a // b\nc // d',
      [
        [2, 6],
        [9, 13],
      ],
    ],
    ['"http://x" == a', []],
    [`'it\\'s //' == a // c`, [[16, 20]]],
    ['"""a " // "b""" == a', []],
    [`'''a ' // b''' == a // c`, [[20, 24]]],
    // The parser reads a backslash as taking the next character in a raw string too.
    ['r"\\" //" == a', []],
    // A literal the parser cannot close: it says so, and no comment is claimed after it.
    ['"a\nb // c', []],
  ])('%j', (source, expected) => {
    expect(lineComments(source).map((c) => [c.start, c.end])).toEqual(expected);
  });
});

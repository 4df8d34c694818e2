import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorObject } from 'ajv';
import { loadRfc } from '../../src/spec/load.js';
import { listRfcIds } from '../../src/spec/rfc-dir.js';
import { closestBranches } from '../../src/spec/schema.js';
import { formatProblem, SpecError, UsageError } from '../../src/spec/problems.js';
import { modelineTarget, readSpecFile } from '../../src/spec/single-file.js';
import { SPEC_FILES } from '../../src/spec/files.js';
import { modeline, type RfcFixture, tempRoot, writeRfc } from '../helpers/spec-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function problemsOf(f: RfcFixture): string[] {
  const { root, cleanup } = tempRoot();
  cleanups.push(cleanup);
  writeRfc(root, f);
  const cwd = process.cwd();
  process.chdir(root);
  try {
    loadRfc(root, f.id ?? 'demo');
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.problems.map(formatProblem);
  } finally {
    process.chdir(cwd);
  }
}

/** The SpecError loading the RFC `demo` under `root` throws; fails the test when it loads. */
function specErrorOf(root: string): SpecError {
  try {
    loadRfc(root, 'demo');
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error('the spec loaded: a SpecError was expected');
}

const M = 'gates/demo/measurements.yaml';
const D = 'gates/demo/disconfirmers.yaml';
const E = 'gates/demo/exit-criteria.yaml';
const latency = `- id: p50_ms
  window: 14d
  sql:
    table: audit.m
    timestamp: recorded_at
    value: count(*)
`;

const escapeRe = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function raw(files: Record<string, string>): RfcFixture {
  return { raw: Object.fromEntries(Object.entries(files).map(([n, t]) => [n, modeline(n) + t])) };
}

describe('spec validate reports every problem, each at file:line:col', () => {
  it('accepts a valid spec', () => {
    expect(
      problemsOf(
        raw({
          'measurements.yaml': latency,
          'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    ['"', `"Latency p50`, 'write a " inside it as \\"'],
    ["'", `'Latency p50`, "write a ' inside it as ''"],
    ['"', `"Latency \\" p50`, 'write a " inside it as \\"'],
    ["'", `'Latency '' p50`, "write a ' inside it as ''"],
    ["'", `'''Latency'' p50`, "write a ' inside it as ''"],
  ])('a value opened with %s and never closed is said where it opens, with how to close it', (q, title, how) => {
    const ps = problemsOf(raw({ 'measurements.yaml': `- id: p50_ms\n  title: ${title}\n` }));
    expect(ps).toEqual([
      `${M}:3:10: YAML: the ${q}...${q} value opened here is never closed: end it with ${q}, and ${how}`,
    ]);
  });

  it('rows_are belongs to a raw query, whose rows column may count something else than the window', () => {
    const gate = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`;
    const rawQuery = `- id: p50_ms\n  require: { min_rows: 3 }\n  sql:\n    query: SELECT 1 AS value, 3 AS rows\n    rows_are: sessions before the pin\n`;
    expect(problemsOf(raw({ 'measurements.yaml': rawQuery, 'disconfirmers.yaml': gate }))).toEqual([]);
    const ps = problemsOf(
      raw({ 'measurements.yaml': `${latency}    rows_are: sessions\n`, 'disconfirmers.yaml': gate }),
    );
    expect(ps).toHaveLength(1);
    expect(ps[0]).toBe(
      `${M}:5:5: 'p50_ms': sql: rows_are belongs to a raw query (its rows column may count something else than the window's rows); the table form counts the rows of its window: remove rows_are`,
    );
  });

  it('a raw query reading $window_start without a window is a spec error at the parameter', () => {
    // Without a window, $window_start is as_of: the query would count an empty window as 0.
    const gate = `- id: E\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: errors > 10\n`;
    const query = (window: string) =>
      `- id: errors\n  type: int\n${window}  sql:\n    query: |\n      SELECT count(*) AS value FROM errs\n      WHERE at >= $window_start AND at < $as_of\n`;
    expect(problemsOf(raw({ 'measurements.yaml': query(''), 'disconfirmers.yaml': gate }))).toEqual([
      `${M}:7:19: measurement 'errors': sql.query reads $window_start, but the measurement declares no window, so $window_start would be as_of itself and the query would read an empty window; add one (window: 7d, say)`,
    ]);
    expect(problemsOf(raw({ 'measurements.yaml': query('  window: 7d\n'), 'disconfirmers.yaml': gate }))).toEqual([]);
    // $as_of and $window_end alone need no window, nor does a $window_start in a string or a comment.
    const noWindow = `- id: errors\n  type: int\n  sql:\n    query: "SELECT count(*) AS value FROM errs WHERE at < $window_end AND note <> '$window_start' -- $window_start"\n`;
    expect(problemsOf(raw({ 'measurements.yaml': noWindow, 'disconfirmers.yaml': gate }))).toEqual([]);
  });

  it('malformed YAML', () => {
    const ps = problemsOf(raw({ 'measurements.yaml': `- id: p50_ms\n  window: [14d\n` }));
    expect(ps).toHaveLength(1);
    expect(ps[0]).toBe(`${M}:3:11: YAML: the list opened here with [ is never closed: end it with ]`);
  });

  it('a key written as a list or a map (? [fires_if]) is one problem at the key, and nothing on stderr', () => {
    const warned = vi.spyOn(process, 'emitWarning');
    try {
      const gate = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n`;
      expect(
        problemsOf(
          raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': `${gate}  ? [fires_if]\n  : p50_ms > 1.0\n` }),
        ),
      ).toEqual([
        `${D}:6:5: YAML: a key must be a plain name, not a list: write the name alone (name: value), without ? or brackets`,
      ]);
      expect(
        problemsOf(
          raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': `${gate}  ? { fires_if: 1 }\n  : p50_ms > 1.0\n` }),
        ),
      ).toEqual([
        `${D}:6:5: YAML: a key must be a plain name, not a map: write the name alone (name: value), without ? or brackets`,
      ]);
      expect(warned).not.toHaveBeenCalled();
    } finally {
      warned.mockRestore();
    }
  });

  it('a tab in the indentation: one problem that names it, not every token after it', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n\tsection: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n- id: C\n  title: u\n  phase: [close]\n  fires_if: p50_ms > 20.0\n`,
      }),
    );
    expect(ps).toEqual([`${D}:4:1: YAML: a tab in the indentation; YAML indents with spaces only`]);
  });

  it('a file that does not parse: its own problem only, not the references to what it declares', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  phase: [canary]\n  fires_if: p50_ms > 10.0\n`,
        'exit-criteria.yaml': `- id: E1\n  title: t\n  section: "§1"\n  phase: [close]\n  all_of: [B]\n`,
      }),
    );
    expect(ps).toHaveLength(1);
    expect(ps[0]).toBe(`${D}:6:3: YAML: key 'phase' appears twice in this map; keep one`);
  });

  it('the usual YAML mistakes are said in the words of a person editing the file', () => {
    const one = (text: string) => problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': text }));
    const gate = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n`;
    expect(one(`${gate}---\n${gate}`)).toEqual([
      expect.stringMatching(new RegExp(`^${D}:\\d+:\\d+: YAML: a second document \\(---\\) in one file`)),
    ]);
    expect(one(gate.replace('title: t', "title: 'it's broken'"))).toEqual([
      expect.stringMatching(/YAML: Unexpected scalar at node end: a quote inside a quoted value ends it early/),
    ]);
    // The hint only where a quoted value ended the text; a key named as parsed.
    expect(one(gate.replace('  phase: [close]', '  phase: [close] x'))).toEqual([
      expect.stringMatching(/YAML: Unexpected scalar at node end$/),
    ]);
    expect(one(gate.replace('  title: t', "  'it''s': 1\n  'it''s': 2\n  title: t"))).toEqual([
      expect.stringMatching(/YAML: key 'it's' appears twice in this map; keep one$/),
    ]);
    expect(one(gate.replace('  phase: [close]', '  phase:\n  - close\n - open'))).toEqual([
      expect.stringMatching(/YAML: .*: indent this line as the items beside it/),
    ]);
  });

  it('the usual indentation slips say which line to indent, and how', () => {
    const one = (text: string) => problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': text }));
    const gate = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n- id: C\n  title: u\n  phase: [close]\n  fires_if: p50_ms > 2.0\n`;
    // A key indented deeper than the one before it continues that one's value, as ': ' in it does.
    const continued = `${D}:3:10: YAML: Nested mappings are not allowed in compact mappings: this value holds ': ', or the line after it is indented deeper than its key and so continues it; quote the value ("..."), or indent that line as the keys beside it`;
    expect(one(gate.replace('  section:', '   section:'))).toEqual([continued]);
    expect(one(gate.replace('title: t', 'title: Ratio: p50'))).toEqual([continued]);
    expect(one(gate.replace('  section:', ' section:'))).toEqual([
      `${D}:4:1: YAML: Sequence item without - indicator: this line is indented less than the keys of its list item; indent it as the keys beside it, or start a new item with '- '`,
    ]);
    expect(one(gate.replace('section: "§0"', 'section "§0"'))).toEqual([
      `${D}:4:3: YAML: Implicit keys need to be on a single line: this line has no ':' after its key, so it runs on into the next line; write key: value`,
    ]);
    expect(one(gate.replace('- id: C', '  - id: C'))).toEqual([
      `${D}:7:1: YAML: A block sequence may not be used as an implicit map key: this list item is indented deeper than the items before it; indent it as the items beside it`,
    ]);
  });

  it('a list or map left open is located at its bracket, not past the end of the file', () => {
    const one = (text: string) => problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': text }));
    const gate = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n`;
    // The file's last line opens a list and never closes it: line 6 of 6, where the [ is.
    expect(
      one(gate.replace('  phase: [close]\n  fires_if: p50_ms > 1.0\n', '  fires_if: p50_ms > 1.0\n  phase: [close\n')),
    ).toEqual([`${D}:6:10: YAML: the list opened here with [ is never closed: end it with ]`]);
    // The innermost of two open ones; a map the same.
    expect(one(`${gate}  labels: [a, [b\n`)).toEqual([
      `${D}:7:15: YAML: the list opened here with [ is never closed: end it with ]`,
    ]);
    expect(one(`${gate}  owner: {team: x\n`)).toEqual([
      `${D}:7:10: YAML: the map opened here with { is never closed: end it with }`,
    ]);
    // Open before a line indented less than its key: located at that line, naming the bracket.
    expect(one(gate.replace('  phase: [close]', '  phase: [close,\n canary]'))).toEqual([
      `${D}:6:2: YAML: the list opened with [ at line 5, column 10 is not closed before this line: end it with ], and indent its continuation lines deeper than its key`,
    ]);
  });

  it('a value nested thousands deep is named as such, where it is', () => {
    const gate = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n`;
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `${gate}  labels: ${'['.repeat(20000)}${']'.repeat(20000)}\n`,
      }),
    );
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatch(
      new RegExp(
        `^${D}:7:\\d+: YAML: a value nested too deeply to read \\(thousands of levels of \\[ or \\{\\); a spec nests a few: flatten it$`,
      ),
    );
  });

  it('a wrong type, an unknown key and a bad duration, all at once', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- id: q\n  window: fortnight\n  colour: red\n  sql: { query: "select 1 as value" }\n  require: { min_rows: many }\n- id: r\n  window: 99999999999d\n  sql: { query: "select 1 as value" }\n`,
      }),
    );
    expect(ps).toEqual([
      `${M}:9:11: 'q': window: must be a duration such as 14d, 24h or 60s (at most five digits)`,
      `${M}:10:3: 'q': unknown key 'colour'; remove it or check its spelling`,
      `${M}:12:24: 'q': require.min_rows: must be a whole number`,
      // Beyond any date: it would fail only when a gate evaluates it.
      `${M}:14:11: 'r': window: must be a duration such as 14d, 24h or 60s (at most five digits)`,
    ]);
  });

  it('a duration written as a bare number is said to lack its unit, not to be the wrong type', () => {
    const ps = problemsOf(
      raw({ 'measurements.yaml': `${latency}- id: q\n  window: 14\n  sql: { query: "select 1 as value" }\n` }),
    );
    expect(ps).toEqual([
      `${M}:9:11: 'q': window: 14 has no unit: must be a duration such as 14d, 24h or 60s (at most five digits)`,
    ]);
  });

  it('a zero duration where one greater than zero is needed says so, with what was written', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- id: q\n  window: 0d\n  require: { max_age: 0h }\n  sql: { query: "select 1 as value" }\n- id: r\n  window: 0\n  sql: { query: "select 1 as value" }\n- id: hit\n  telemetry: { files: ["t/*.jsonl"], metric: cache_hit_ratio, window: 0d, max_age: 00m }\n`,
      }),
    );
    const zero = 'must be a duration greater than zero, such as 14d, 24h or 60s, not';
    expect(ps).toEqual([
      `${M}:9:11: 'q': window: ${zero} 0d (a window of no time holds nothing to measure)`,
      `${M}:10:23: 'q': require.max_age: ${zero} 0h (nothing is younger than no time, so every run would halt as stale)`,
      `${M}:13:11: 'r': window: ${zero} 0 (a window of no time holds nothing to measure)`,
      `${M}:16:71: 'hit': telemetry.window: ${zero} 0d (a window of no time holds nothing to measure)`,
      `${M}:16:84: 'hit': telemetry.max_age: ${zero} 00m (nothing is younger than no time, so every run would halt as stale)`,
    ]);
  });

  it('an artifact read for its existence takes no section or extract, and says why', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: present\n  artifact:\n    glob: docs/x-*.md\n    exists: true\n    section: Surfaces\n- id: fine\n  artifact: { glob: docs/x-*.md, exists: true }\n`,
      }),
    );
    expect(ps).toEqual([
      `${M}:4:5: 'present': artifact: exists: true reads only whether a file matches: drop section and extract, or exists (and read the file's contents in a measurement of its own)`,
    ]);
  });

  it("an artifact's table-column extract is checked where it is written: its aggregate, its column, one form only", () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': [
          '- id: avg',
          "  artifact: { glob: d/*.md, extract: { column: 'slip %', aggregate: avg } }",
          '- id: blank',
          "  artifact: { glob: d/*.md, extract: { column: '', aggregate: max } }",
          '- id: both',
          "  artifact: { glob: d/*.md, extract: { column: 'slip %', pattern: 'x', as: double } }",
          '- id: alone',
          "  artifact: { glob: d/*.md, extract: { column: 'slip %' } }",
          '- id: fine',
          "  artifact: { glob: d/*.md, section: Calendar, extract: { column: 'slip %', aggregate: max } }",
          '',
        ].join('\n'),
      }),
    );
    expect(ps).toEqual([
      `${M}:3:69: 'avg': artifact.extract.aggregate: must be one of: max, min, sum, count`,
      `${M}:5:48: 'blank': artifact.extract.column: must not be blank`,
      `${M}:7:38: 'both': artifact.extract: reads either a regex (pattern and as) or a table column (column and aggregate), not both: keep one pair`,
      `${M}:9:38: 'alone': artifact.extract: missing required key 'aggregate' (one of: max, min, sum, count)`,
    ]);
  });

  it("an artifact's sample is checked where it is written: min_days a whole number of days, two capture groups", () => {
    const window = "'Sample window: (\\d{4}-\\d{2}-\\d{2}) to (\\d{4}-\\d{2}-\\d{2})'";
    const ps = problemsOf(
      raw({
        'measurements.yaml': [
          '- id: zero',
          `  artifact: { glob: d/*.md, sample: { pattern: ${window}, min_days: 0 } }`,
          '- id: part',
          `  artifact: { glob: d/*.md, sample: { pattern: ${window}, min_days: 6.5 } }`,
          '- id: duration',
          `  artifact: { glob: d/*.md, sample: { pattern: ${window}, min_days: 7d } }`,
          '- id: unsaid',
          `  artifact: { glob: d/*.md, sample: { pattern: ${window} } }`,
          '- id: one_date',
          "  artifact: { glob: d/*.md, sample: { pattern: 'Sample window: (\\S+)', min_days: 7 } }",
          '- id: three',
          "  artifact: { glob: d/*.md, sample: { pattern: '(Sample|Window): (\\S+) to (\\S+)', min_days: 7 } }",
          '- id: fine',
          "  artifact: { glob: d/*.md, sample: { pattern: '(?:Sample|Window): (\\S+) to (\\S+)', min_days: 7 } }",
          '- id: present',
          `  artifact: { glob: d/*.md, exists: true, sample: { pattern: ${window}, min_days: 7 } }`,
          '- id: required',
          '  artifact: { glob: d/*.md }',
          '  require: { min_rows: 7 }',
          '- id: windowed',
          '  artifact: { glob: d/*.md }',
          '  window: 7d',
          '',
        ].join('\n'),
      }),
    );
    const two =
      "needs exactly 2: the sample window's first and last dates, in that order; write any other group as (?:...)";
    expect(ps).toEqual([
      `${M}:3:119: 'zero': artifact.sample.min_days: must be at least 1, not 0`,
      `${M}:5:119: 'part': artifact.sample.min_days: must be a whole number`,
      `${M}:7:119: 'duration': artifact.sample.min_days: must be a whole number`,
      `${M}:9:37: 'unsaid': artifact.sample: missing required key 'min_days'`,
      `${M}:11:48: measurement 'one_date': artifact.sample.pattern has 1 capture group, but ${two}`,
      `${M}:13:48: measurement 'three': artifact.sample.pattern has 3 capture groups, but ${two}`,
      `${M}:17:13: 'present': artifact: exists: true reads only whether a file matches: drop section, extract and sample, or exists (and read the file's contents in a measurement of its own)`,
      `${M}:20:3: measurement 'required': require applies to sql measurements only; an artifact measurement requires a sample length in its artifact block (artifact: { sample: { pattern, min_days } })`,
      `${M}:23:3: measurement 'windowed': window applies to sql measurements only; an artifact states the window its value was measured over, which its artifact block reads (artifact: { sample: { pattern, min_days } })`,
    ]);
  });

  it('an unknown key close to one the schema allows there names it, and only once', () => {
    const ps = problemsOf(
      raw({
        // `wher` is under a $ref ($defs/sql); `sectoin` is a key of common.schema.json's gateBase.
        // `paths` is a key of another git query's form: `path` is the one path_exists takes.
        'measurements.yaml': `${latency}- id: q\n  windw: 14d\n  sql: { table: audit.m, timestamp: t, value: v, wher: "x > 1" }\n- id: g\n  git: { query: path_exists, paths: [a/] }\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  sectoin: "§0"\n  phase: [close]\n  fire_if: p50_ms > 1.0\n- id: C\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n  passes_if: p50_ms > 2.0\n`,
      }),
    );
    expect(ps).toEqual([
      // The keys they misspell are not reported missing as well: one mistake, one message.
      `${D}:4:3: 'B': unknown key 'sectoin'; did you mean 'section'?`,
      `${D}:6:3: 'B': unknown key 'fire_if'; did you mean 'fires_if'?`,
      // No key of a disconfirmer is close to it.
      `${D}:12:3: 'C': unknown key 'passes_if'; remove it or check its spelling`,
      `${M}:9:3: 'q': unknown key 'windw'; did you mean 'window'?`,
      `${M}:10:50: 'q': sql: unknown key 'wher'; did you mean 'where'?`,
      `${M}:12:30: 'g': git: unknown key 'paths'; did you mean 'path'?`,
    ]);
  });

  it("a git query written as a key (the sources table's path_exists) is one problem, saying to write query:", () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml':
          `${latency}- id: a\n  git:\n    path_exists: src/x.py\n- id: b\n  git: { first_commit: src/x }\n` +
          `- id: c\n  git: { order: x }\n- id: d\n  git: { path: src/x.py }\n`,
      }),
    );
    expect(ps).toEqual([
      `${M}:10:5: 'a': git: 'path_exists' is a value of query, not a key: write query: path_exists and path: src/x.py`,
      `${M}:12:10: 'b': git: 'first_commit' is a value of query, not a key: write query: first_commit and paths: [src/x]`,
      `${M}:14:10: 'c': git: 'order' is a value of query, not a key: write query: order, with before and after`,
      // No query at all: one problem naming the queries, not each form's keys as missing.
      `${M}:16:8: 'd': git: missing required key 'query' (one of: path_exists, first_commit, last_commit, commit_matching, order, prereqs_before)`,
    ]);
  });

  it.each([
    [
      'disconfirmers.yaml',
      'passes_if',
      "a disconfirmer's condition is fires_if, not passes_if: fires_if is true when the gate fails, the opposite of passes_if, so write this condition's negation as fires_if",
    ],
    [
      'exit-criteria.yaml',
      'fires_if',
      "an exit criterion's condition is passes_if (or all_of), not fires_if: passes_if is true when the gate passes, the opposite of fires_if, so write this condition's negation as passes_if",
    ],
    [
      'invariants.yaml',
      'passes_if',
      "an invariant's condition is holds_if, not passes_if: rename passes_if to holds_if",
    ],
  ])('%s with %s in place of its own condition key is one problem, naming the key it reads', (file, key, said) => {
    const gate = `- id: G\n  title: t\n  section: "§0"\n  phase: [close]\n  ${key}: p50_ms > 1.0\n`;
    const reads = gate.replace(key, 'fires_if').replace('G', 'B');
    const ps = problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': reads, [file]: gate }));
    expect(ps).toEqual([`gates/demo/${file}:6:3: 'G': ${said}`]);
  });

  it('a gate written as its id alone is one problem there, showing the keys, not also an unknown gate where all_of names it', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- q_ms\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0 && q_ms > 1.0\n`,
        'invariants.yaml': `- INV-1\n`,
        'exit-criteria.yaml': `- EC0\n- id: EC1\n  title: t\n  section: "§1"\n  phase: [close]\n  all_of: [INV-1, B]\n`,
      }),
    );
    expect(ps).toEqual([
      `${E}:2:3: item 1: must be a mapping, not the text 'EC0': an exit criterion is written with its keys, such as { id: EC0, title: ..., section: "§1", phase: [close], passes_if: ... (or all_of: [...]) }`,
      `gates/demo/invariants.yaml:2:3: item 1: must be a mapping, not the text 'INV-1': an invariant is written with its keys, such as { id: INV-1, title: ..., section: "§1", phase: [close], holds_if: ... }`,
      `${M}:8:3: item 2: must be a mapping`,
    ]);
  });

  it('merge keys (<<: *anchor) bring their fields; a problem in one is shown where it is merged', () => {
    const base = `- &close\n  id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n`;
    // C takes section, phase and fires_if from B; D merges two maps, the first one's keys winning.
    const gates = `${base}- <<: *close\n  id: C\n  title: u\n- <<: [*close, { id: X, params: { n: 1 } }]\n  id: D\n  title: v\n  fires_if: p50_ms > n\n`;
    expect(problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': gates }))).toEqual([]);
    // A large RFC merges one anchor in every gate: past the yaml package's default of 100 uses.
    const many = Array.from({ length: 300 }, (_, i) => `- <<: *close\n  id: G${i}\n  title: g\n`).join('');
    expect(problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': base + many }))).toEqual([]);
    // A merged value that does not fit this gate (a sensitivity naming a param it lacks): at
    // the alias that brings it.
    const sens = `  sensitivity:\n    - { param: n, compares: p50_ms, band: { absolute: 1 }, alternates: [2] }\n`;
    const bad = `- &base\n  id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { n: 1 }\n  fires_if: p50_ms > n\n${sens}- <<: *base\n  id: C\n  params: { m: 1 }\n- <<: { colour: red }\n  id: E\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n`;
    // (C's own params replace the merged ones, so its merged condition names an unknown n too.)
    expect(problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': bad }))).toEqual([
      `${D}:11:7: disconfirmer 'C': unknown measurement 'n'; declare it in measurements.yaml or as a param`,
      `${D}:11:7: disconfirmer 'C': sensitivity param 'n' is not one of this gate's params`,
      // Merged from a map written in place: at its key.
      `${D}:14:9: 'E': unknown key 'colour'; remove it or check its spelling`,
    ]);
  });

  it('an unknown key is never said to misspell a key the mapping already has', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- id: q\n  window: 14d\n  pg: { table: audit.m, timestamp: t, value: v }\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n  fire_if: p50_ms > 2.0\n`,
      }),
    );
    expect(ps).toEqual([
      `${D}:7:3: 'B': unknown key 'fire_if'; remove it or check its spelling`,
      `${M}:10:3: 'q': unknown key 'pg'; remove it or check its spelling`,
    ]);
  });

  it('a merged value that came through a chain of merges is shown at the alias the entry itself merges', () => {
    const sens = `  sensitivity:\n    - { param: n, compares: p50_ms, band: { absolute: 1 }, alternates: [2] }\n`;
    // C merges A, which merges B: C's problems are at C's own `*a`, not at A's `*b` (A is fine).
    const chain = `- &b\n  id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { n: 1 }\n  fires_if: p50_ms > n\n${sens}- &a\n  <<: *b\n  id: A\n- <<: *a\n  id: C\n  params: { m: 1 }\n`;
    expect(problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': chain }))).toEqual([
      `${D}:14:7: disconfirmer 'C': unknown measurement 'n'; declare it in measurements.yaml or as a param`,
      `${D}:14:7: disconfirmer 'C': sensitivity param 'n' is not one of this gate's params`,
    ]);
  });

  it('a merge of what is not a map is shown where it is merged, not at the top of the file', () => {
    const gate = `  id: C\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n`;
    const said = "YAML: '<<' merges a map, an alias of one (*defaults) or a list of them, and this is not one";
    const at = (merge: string) =>
      problemsOf(
        raw({
          'measurements.yaml': latency,
          'disconfirmers.yaml': `- id: B\n  title: &t t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n- ${merge}\n${gate}`,
        }),
      );
    expect(at('<<: *t')).toEqual([`${D}:7:7: ${said}`]);
    expect(at('<<: [{ title: x }, 7]')).toEqual([`${D}:7:22: ${said}`]);
    expect(at('<<:')).toEqual([`${D}:7:3: ${said}`]);
  });

  it('duplicate ids, pointing at the second and naming the first', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency + latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0\n- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 2.0\n`,
      }),
    );
    expect(ps).toEqual([
      `${D}:7:3: duplicate gate id 'B' (first declared at ${D}:2:3)`,
      `${M}:8:3: measurement 'p50_ms': duplicate measurement id (first declared at ${M}:2:3)`,
    ]);
  });

  it('a duplicate gate id is reported whichever copy the schema refused', () => {
    const gate = (phase: string, cond: string) =>
      `- id: B\n  title: t\n  section: "§0"\n  phase: [${phase}]\n  fires_if: ${cond}\n`;
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        // The first is refused for its phase; the second, its copy, would otherwise go unreported.
        'disconfirmers.yaml': gate('staging', 'p50_ms > 1.0') + gate('close', 'p50_ms > 2.0'),
      }),
    );
    expect(ps).toEqual([
      `${D}:5:11: 'B': phase: must be one of: implementation, canary, close`,
      `${D}:7:3: duplicate gate id 'B' (first declared at ${D}:2:3)`,
    ]);
  });

  it('a condition naming an unknown measurement, with a suggestion', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0 && p5O_ms > 2.0\n`,
      }),
    );
    expect(ps).toEqual([
      `${D}:6:29: disconfirmer 'B': unknown measurement 'p5O_ms' (did you mean 'p50_ms'?); declare it in measurements.yaml or as a param`,
    ]);
  });

  it('a measurements.yaml that declares none is said once, there, with every name the gates read', () => {
    const gates = {
      'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { ratio: 2.0 }\n  fires_if: p50_ms > lease_ms * ratio || p99_ms > 1.0\n`,
      'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: landed\n`,
      'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables: [src/a.py]\n  data_gates: [{ id: rows, condition: "request_days >= 14" }]\n`,
      'lints.yaml': `- id: G\n  title: t\n  severity: error\n  message: m\n  fix: f\n  order: { measurement: guard }\n`,
    };
    const said =
      'declares no measurements, but the gates read 6: guard, landed, lease_ms, p50_ms, p99_ms, request_days; declare each here, with the source it is measured from (one of sql, git, artifact, attestation, telemetry, verifier, council)';
    // Empty but for its modeline, only comments, or an empty list (at the list).
    expect(problemsOf(raw({ 'measurements.yaml': '', ...gates }))).toEqual([`${M}:1:1: ${said}`]);
    expect(problemsOf(raw({ 'measurements.yaml': '# to do\n# later\n', ...gates }))).toEqual([`${M}:1:1: ${said}`]);
    expect(problemsOf(raw({ 'measurements.yaml': '\n[]\n', ...gates }))).toEqual([`${M}:3:1: ${said}`]);
    // One read by a single gate, named as one.
    expect(problemsOf(raw({ 'measurements.yaml': '', 'invariants.yaml': gates['invariants.yaml'] }))).toEqual([
      `${M}:1:1: declares no measurements, but the gates read one: landed; declare each here, with the source it is measured from (one of sql, git, artifact, attestation, telemetry, verifier, council)`,
    ]);
    // Not a list at all: that, at its place, and no unknown measurement at every use.
    expect(problemsOf(raw({ 'measurements.yaml': 'measurements: []\n', ...gates }))).toEqual([
      `${M}:2:1: must be a list`,
    ]);
    // A real typo in a file that declares measurements is still named where it is written.
    expect(problemsOf(raw({ 'measurements.yaml': latency, 'invariants.yaml': gates['invariants.yaml'] }))).toEqual([
      `gates/demo/invariants.yaml:6:13: invariant 'I': unknown measurement 'landed'; declare it in measurements.yaml or as a param`,
    ]);
  });

  it('an empty spec file of any kind (0 bytes, or only comments) is said to be empty, with what to write in it', () => {
    const disconfirmer = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`;
    for (const [name, schema] of SPEC_FILES) {
      const file = `gates/demo/${name}`;
      // Nothing read from measurements.yaml when it is the empty one: that case is said above.
      const others: Record<string, string> =
        name === 'measurements.yaml'
          ? {}
          : {
              'measurements.yaml': latency,
              ...(name === 'disconfirmers.yaml' ? {} : { 'disconfirmers.yaml': disconfirmer }),
            };
      const deleted = name === 'rfc.yaml' ? '' : ', or delete the file';
      const modelineLine = `# yaml-language-server: $schema=../../schemas/${schema}`;
      for (const [text, prefix] of [
        ['', `start it with the line '${modelineLine}', then `],
        ['# nothing yet\n\n', `start it with the line '${modelineLine}', then `],
        [`${modeline(name)}# to do\n`, ''],
      ] as const) {
        const ps = problemsOf({ raw: { ...raw(others).raw, [name]: text } });
        expect(ps, `${name} holding ${JSON.stringify(text)}`).toHaveLength(1);
        expect(ps[0]).toMatch(
          new RegExp(`^${escapeRe(`${file}:1:1: the file is empty: ${prefix}`)}\\w.*${escapeRe(deleted)}$`),
        );
      }
    }
    expect(problemsOf({ raw: { ...raw({ 'measurements.yaml': latency }).raw, 'stop-signs.yaml': '' } })).toEqual([
      "gates/demo/stop-signs.yaml:1:1: the file is empty: start it with the line '# yaml-language-server: $schema=../../schemas/stop-signs.schema.json', then list the stop signs, or delete the file",
    ]);
    expect(problemsOf({ raw: { 'rfc.yaml': modeline('rfc.yaml') } })).toEqual([
      "gates/demo/rfc.yaml:1:1: the file is empty: write the RFC's manifest (id, title, version, mainline, operators)",
    ]);
  });

  it('a spec file read on its own that is empty is said to be empty', async () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(root, { raw: { 'lints.yaml': '' } });
    await expect(readSpecFile(root, 'demo', 'lints.yaml', 'lints.schema.json')).rejects.toThrow(
      /the file is empty: start it with the line '# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/lints\.schema\.json', then list the lint rules, or delete the file/,
    );
  });

  it('a value that fits none of its forms gets the message of the form it came closest to', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- id: zz\n  window: 7d\n  sql:\n    table: audit.x\n    value: count(*)\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0 && zz > 1\n`,
      }),
    );
    expect(ps).toEqual([`${M}:11:5: 'zz': sql: missing required key 'timestamp'`]);
    // A list where a string or a list is allowed: the list form's own complaint, not "must be a string".
    const cite = problemsOf(
      raw({ 'measurements.yaml': latency, 'citations.yaml': `- cite: src/a.py:1\n  expect: ['']\n` }),
    );
    expect(cite).toEqual([expect.stringMatching(/citations\.yaml:\d+:\d+: .*expect.*must not be empty/)]);
  });

  it('a value of a type no form takes: one message naming the types, not one per form', () => {
    const ps = problemsOf(
      raw({ 'measurements.yaml': latency, 'citations.yaml': `- cite: src/a.py:1\n  expect: { name: f }\n` }),
    );
    expect(ps).toEqual([`gates/demo/citations.yaml:3:11: item 1: expect: must be a string or a list`]);
  });

  it('the unknown name is located in a folded (>-) condition and after escaped quotes, where it is written', () => {
    const folded = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: >-\n    p50_ms > 1.0 &&\n    p50_ms < 9.0 &&\n      p5O_ms > 2.0\n`,
      }),
    );
    expect(folded).toEqual([
      expect.stringMatching(new RegExp(`^${D}:9:7: disconfirmer 'B': unknown measurement 'p5O_ms'`)),
    ]);
    const escaped = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: "\\"go\\" == \\"go\\" && p5O_ms > 2.0"\n`,
      }),
    );
    expect(escaped).toEqual([
      expect.stringMatching(new RegExp(`^${D}:6:34: disconfirmer 'B': unknown measurement 'p5O_ms'`)),
    ]);
  });

  it.each([
    ['folded (>-)', `>-\n    p50_ms > 1.0 &&\n    p50_ms ** 2.0 > 2.0`, 8, 13, "unexpected '*'"],
    ['plain, over two lines', `p50_ms > 1.0 &&\n    p50_ms ** 2.0 > 2.0`, 7, 13, "unexpected '*'"],
    ['double-quoted, over two lines', `"p50_ms > 1.0 &&\n    p50_ms ** 2.0 > 2.0"`, 7, 13, "unexpected '*'"],
    ['folded (>-), ending too early', `>-\n    p50_ms > 1.0 &&\n    p50_ms >`, 8, 13, 'the expression ends too early'],
  ])('a syntax error in a %s condition is located on the line it is written on', (_, condition, line, col, said) => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: ${condition}\n`,
      }),
    );
    expect(ps).toEqual([`${D}:${line}:${col}: disconfirmer 'B': expression error: ${said}`]);
  });

  it('a measurement with no source or two is said once, not again at each gate reading it', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- id: orphan\n  type: bool\n- id: twice\n  window: 7d\n  sql: { table: audit.m, timestamp: recorded_at, value: "count(*)" }\n  git: { query: path_exists, path: a }\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 1.0 && orphan && twice > 2.0\n`,
      }),
    );
    expect(ps).toEqual([
      `${M}:8:3: measurement 'orphan': names no source: every threshold must name its measurement source (one of sql, git, artifact, attestation, telemetry, verifier, council)`,
      `${M}:13:3: measurement 'twice': has 2 sources (sql, git); a measurement has exactly one`,
    ]);
  });

  it('a threshold with no measurement source: a measurement without a source, and a condition that names none', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- id: orphan\n  window: 7d\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { limit: 3 }\n  fires_if: limit > 2.0\n`,
      }),
    );
    expect(ps).toEqual([
      `${D}:7:13: disconfirmer 'B': fires_if names no measurement: every threshold must name its measurement source`,
      `${M}:8:3: measurement 'orphan': names no source: every threshold must name its measurement source (one of sql, git, artifact, attestation, telemetry, verifier, council)`,
    ]);
  });

  it('a telemetry measurement with a window or requirements beside its block is told to put them in it', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: hit\n  window: 7d\n  require: { min_rows: 30 }\n  telemetry: { files: ["t/*.jsonl"], metric: cache_hit_ratio }\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§1"\n  phase: [close]\n  holds_if: hit >= 0.8\n`,
      }),
    );
    expect(ps).toEqual([
      `${M}:3:3: measurement 'hit': window applies to sql measurements only; a telemetry measurement names its window in its telemetry block (telemetry: { window: 7d } or last_turns)`,
      `${M}:4:3: measurement 'hit': require applies to sql measurements only; a telemetry measurement names its requirements in its telemetry block (min_turns, min_sessions, min_events, max_age)`,
    ]);
  });

  it('a telemetry last_turns above what is held in memory is refused, as the flag is', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: hit\n  telemetry: { files: ["t/*.jsonl"], metric: cache_hit_ratio, last_turns: 100001 }\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§1"\n  phase: [close]\n  holds_if: hit >= 0.8\n`,
      }),
    );
    expect(ps).toEqual([`${M}:3:75: 'hit': telemetry.last_turns: must be at most 100000, not 100001`]);
  });

  it('a gate reading an invalid measurement is not reported again, in its condition or its sensitivity', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: hit\n  telemetry: { files: ["t/*.jsonl"], metric: cache_hit_ratio, window: 7dd }\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { floor: 0.8 }\n  fires_if: hit < floor\n  sensitivity:\n    - param: floor\n      compares: hit\n      band: { absolute: 0.05 }\n      alternates: [0.7, 0.9]\n`,
      }),
    );
    expect(ps, ps.join('\n')).toHaveLength(1);
    expect(ps[0]).toMatch(new RegExp(`^${M}:3:\\d+: .hit.: telemetry.window: must be a duration`));
  });

  it('a telemetry file of spaces only, in rfc.yaml or a measurement, names no file and is refused where it is written', () => {
    const manifest = `id: demo\ntitle: Demo RFC\nversion: v1\nmainline: main\noperators: [{ name: Ada, email: ada@example.com }]\ntelemetry:\n  files: ["t/*.jsonl", "   "]\n`;
    const ps = problemsOf(
      raw({
        'rfc.yaml': manifest,
        'measurements.yaml': `- id: hit\n  telemetry:\n    files:\n      - " "\n      - ""\n    metric: cache_hit_ratio\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: hit < 0.8\n`,
      }),
    );
    const said = 'names no file: give a path or a glob, such as telemetry/**/*.jsonl';
    expect(ps).toEqual([
      `${M}:5:9: 'hit': telemetry.files: ${said}`,
      `${M}:6:9: 'hit': telemetry.files: ${said}`,
      `gates/demo/rfc.yaml:8:24: telemetry.files: ${said}`,
    ]);
  });

  it('a glob with an unclosed { or [ matches no file: a spec error where it is written, in every spec that takes globs', () => {
    const manifest = `id: demo\ntitle: Demo RFC\nversion: v1\nmainline: main\noperators: [{ name: Ada, email: ada@example.com }]\ntelemetry:\n  files: ["t/{a,b/*.jsonl"]\n`;
    const measurements = [
      `- id: hit\n  telemetry:\n    files: ["logs/**/{x"]\n    metric: cache_hit_ratio\n`,
      `- id: doc\n  artifact:\n    glob: docs/{a,b/*.md\n`,
      `- id: first\n  git:\n    query: first_commit\n    paths: [src/ok.py, "src/[[:alpha:]/x.py"]\n`,
      `- id: ordered\n  git:\n    query: order\n    before: { paths: [docs/a.md] }\n    after: { paths: ["src/!(a"] }\n`,
      // Read literally by picomatch, so they can match: not refused.
      `- id: fine\n  git:\n    query: last_commit\n    paths: ["src/[ab/*.py", "{{cookiecutter.slug}}/setup.py", "src/a}/x", "src/[{]a/x"]\n`,
    ].join('');
    const ps = problemsOf(
      raw({
        'rfc.yaml': manifest,
        'measurements.yaml': measurements,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: hit < 0.8 || doc || first < fine || ordered\n`,
        'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables:\n    - src/{a,b/*.py\n`,
        'lints.yaml': `- id: L\n  title: t\n  severity: error\n  message: m\n  fix: f\n  forbid:\n    literals: [x]\n    include: ["src/{a,b/*.py"]\n`,
      }),
    );
    const brace = (at: number) =>
      `the '{' at character ${at} is never closed; close it with '}' (as in {a,b}), or write [{] for a literal '{'`;
    expect(ps).toEqual([
      `gates/demo/lints.yaml:9:15: lint rule 'L': 'src/{a,b/*.py' can never match a repository path: it is not a valid glob: ${brace(5)}`,
      `${M}:4:13: measurement 'hit': telemetry.files 'logs/**/{x' is not a valid glob: ${brace(9)}`,
      `${M}:8:11: measurement 'doc': artifact.glob 'docs/{a,b/*.md' is not a valid glob: ${brace(6)}`,
      `${M}:12:24: measurement 'first': git.paths 'src/[[:alpha:]/x.py' is not a valid glob: the '[' at character 5 is never closed; close it with ']' (as in [abc]), or write [[] for a literal '['`,
      `${M}:17:22: measurement 'ordered': git.after.paths 'src/!(a' is not a valid glob: the '(' at character 6 is never closed; close it with ')' (as in @(a|b)), or write [(] for a literal '('`,
      `gates/demo/prereqs.yaml:5:7: prereq 'p1': deliverable 'src/{a,b/*.py' is not a valid glob: ${brace(5)}`,
      `gates/demo/rfc.yaml:8:11: telemetry.files: 't/{a,b/*.jsonl' is not a valid glob: ${brace(3)}`,
    ]);
  });

  it("an attestation's independent_of is a glob: a valid one loads, another type or a glob that matches nothing is a problem where it is written", () => {
    const gate = `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: verdict != "go"\n`;
    const spec = (value: string) =>
      raw({
        'measurements.yaml': `- id: verdict\n  attestation:\n    judgements: [go, no-go]\n    independent_of: ${value}\n`,
        'disconfirmers.yaml': gate,
      });
    expect(problemsOf(spec('docs/proposals/go-decision-*.md'))).toEqual([]);
    expect(problemsOf(spec('[docs/a.md, docs/b.md]'))).toEqual([
      `${M}:5:21: 'verdict': attestation.independent_of: must be a string`,
    ]);
    expect(problemsOf(spec('docs/{a,b/*.md'))).toEqual([
      `${M}:5:21: measurement 'verdict': attestation.independent_of 'docs/{a,b/*.md' is not a valid glob: the '{' at character 6 is never closed; close it with '}' (as in {a,b}), or write [{] for a literal '{'`,
    ]);
  });

  it("a telemetry file in rfc.yaml that starts with '!' is refused where it is written, as in a measurement", () => {
    const manifest = `id: demo\ntitle: Demo RFC\nversion: v1\nmainline: main\noperators: [{ name: Ada, email: ada@example.com }]\ntelemetry:\n  files: ["t/*.jsonl", "!logs/old/**", "!(old)/*.jsonl"]\n`;
    const ps = problemsOf(
      raw({
        'rfc.yaml': manifest,
        'measurements.yaml': `- id: hit\n  telemetry:\n    metric: cache_hit_ratio\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: hit < 0.8\n`,
      }),
    );
    expect(ps).toEqual([
      `gates/demo/rfc.yaml:8:24: telemetry.files: '!logs/old/**' starts with '!', which does not leave files out here: each pattern names files to read, so it would read every file it does not match; name only the files to read (a glob such as telemetry/*/usage-*.jsonl)`,
    ]);
  });

  it('a git path or a prereq deliverable of spaces only names no file and is refused where it is written', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: first\n  git:\n    query: first_commit\n    paths: ["src/**", "  "]\n- id: guard\n  git:\n    query: order\n    before: { paths: [" "] }\n    after: { paths: [""] }\n- id: there\n  git: { query: path_exists, path: "  " }\n- id: early\n  git: { query: prereqs_before, path: " " }\n- id: doc\n  artifact: { glob: "   " }\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: guard && first > timestamp("2026-01-01T00:00:00Z") && there && early && doc\n`,
        'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables:\n    - src/a.py\n    - "   "\n`,
      }),
    );
    const said = (example: string) => `names no file: give a path or a glob, such as ${example}`;
    expect(ps).toEqual([
      `${M}:5:23: 'first': git.paths: ${said('src/cache/**')}`,
      `${M}:9:23: 'guard': git.before.paths: ${said('src/cache/**')}`,
      `${M}:10:22: 'guard': git.after.paths: ${said('src/cache/**')}`,
      `${M}:12:36: 'there': git.path: ${said('docs/runbooks/rollback.md')}`,
      `${M}:14:39: 'early': git.path: ${said('docs/runbooks/rollback.md')}`,
      `${M}:16:21: 'doc': artifact.glob: ${said('docs/handoffs/*.md')}`,
      `gates/demo/prereqs.yaml:6:7: 'p1': deliverables: ${said('docs/roadmap.md')}`,
    ]);
  });

  it('a glob given to path_exists is refused where it is written, naming the measurement that takes a glob', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: handoff\n  git:\n    query: path_exists\n    path: docs/handoffs/*.md\n- id: notes\n  git: { query: path_exists, path: "docs/{a,b}.md" }\n- id: template\n  git: { query: path_exists, path: "{{name}}/setup.py" }\n- id: route\n  git: { query: path_exists, path: "app/(shop)/page.tsx" }\n- id: scaffold\n  git: { query: path_exists, path: "{{name}}/*.py" }\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: handoff && notes && template && route && scaffold\n`,
      }),
    );
    const fix =
      'to ask whether any file matches a glob, use an artifact measurement with glob: and exists: true (or git query first_commit / last_commit, whose paths are globs)';
    expect(ps).toEqual([
      `${M}:5:11: measurement 'handoff': git.path 'docs/handoffs/*.md' is a glob, but path_exists takes a literal path (the file or folder as spelt); ${fix}`,
      `${M}:7:36: measurement 'notes': git.path 'docs/{a,b}.md' is a glob, but path_exists takes a literal path (the file or folder as spelt); ${fix}`,
      `${M}:13:36: measurement 'scaffold': git.path '{{name}}/*.py' is a glob, but path_exists takes a literal path (the file or folder as spelt); ${fix}`,
    ]);
  });

  it('a prereq deliverable with whitespace around it is refused where it is written, naming the whitespace', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
        'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables:\n    - "docs/x.md "\n    - " src/**"\n`,
      }),
    );
    expect(ps).toEqual([
      `gates/demo/prereqs.yaml:5:7: 'p1': deliverables: "docs/x.md " has whitespace around it, which names another path than docs/x.md; remove it`,
      `gates/demo/prereqs.yaml:6:7: 'p1': deliverables: " src/**" has whitespace around it, which names another path than src/**; remove it`,
    ]);
  });

  it('a git path, an artifact glob, a telemetry file or a lint glob with whitespace around it is refused where it is written', () => {
    const manifest = `id: demo\ntitle: Demo RFC\nversion: v1\nmainline: main\noperators: [{ name: Ada, email: ada@example.com }]\ntelemetry:\n  files: ["t/*.jsonl "]\n`;
    const ps = problemsOf(
      raw({
        'rfc.yaml': manifest,
        'measurements.yaml': `- id: first\n  git:\n    query: first_commit\n    paths: ["src/** "]\n- id: doc\n  artifact: { glob: " docs/*.md" }\n- id: hit\n  telemetry:\n    files: ["u/*.jsonl\\t"]\n    metric: cache_hit_ratio\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: first > timestamp("2026-01-01T00:00:00Z") && doc && hit > 0.5\n`,
        'lints.yaml': `- id: L9\n  title: t\n  severity: error\n  message: m\n  fix: f\n  forbid:\n    pattern: X\n    include: ["src/**/*.py "]\n`,
      }),
    );
    const around = (given: string) =>
      `${JSON.stringify(given)} has whitespace around it, which names another path than ${given.trim()}; remove it`;
    expect(ps).toEqual([
      `gates/demo/lints.yaml:9:15: 'L9': forbid.include: ${around('src/**/*.py ')}`,
      `${M}:5:13: 'first': git.paths: ${around('src/** ')}`,
      `${M}:7:21: 'doc': artifact.glob: ${around(' docs/*.md')}`,
      `${M}:10:13: 'hit': telemetry.files: ${around('u/*.jsonl\t')}`,
      `gates/demo/rfc.yaml:8:11: telemetry.files: ${around('t/*.jsonl ')}`,
    ]);
  });

  it.each([
    ['-x', "starts with '-', which git reads as an option"],
    ['main ', 'holds a space, which no branch, tag or commit id has'],
  ])("rfc.yaml's mainline %j, handed to git as a revision, is refused where it is written", (mainline, why) => {
    const ps = problemsOf(
      raw({
        'rfc.yaml': `id: demo\ntitle: Demo RFC\nversion: v1\nmainline: "${mainline}"\noperators: [{ name: Ada, email: ada@example.com }]\n`,
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
      }),
    );
    expect(ps).toEqual([
      `gates/demo/rfc.yaml:5:11: mainline '${mainline}' ${why}: name the branch whose first-parent history is the mainline, such as main`,
    ]);
  });

  it('an expression that does not parse, and one that does not type-check', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms >\n- id: C\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms * 2 > 1.0\n- id: D\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms + 1.0\n`,
      }),
    );
    expect(ps[0]).toMatch(new RegExp(`^${D}:6:\\d+: disconfirmer 'B': expression error: `));
    expect(ps[1]).toMatch(
      new RegExp(`^${D}:11:\\d+: disconfirmer 'C': expression error: .*(CEL does not mix int and double|overload)`),
    );
    expect(ps[2]).toBe(`${D}:16:13: disconfirmer 'D': fires_if must be a bool expression, but it is double`);
    expect(ps).toHaveLength(3);
  });

  it.each([
    ['p50_ms = 1.0', 20, "unexpected '=' (a single = is not an operator in CEL: compare with ==)"],
    ['p50_ms === 1.0', 22, "unexpected '=' (CEL compares with ==; there is no ===)"],
    ['p50_ms =< 1.0', 20, `unexpected '=' (write <= for "at most")`],
    ['p50_ms <> 1.0', 21, `unexpected '>' (CEL writes "not equal" as !=)`],
    ['p50_ms > 1.0 and p50_ms < 9.0', 26, `unexpected 'and' (CEL writes "and" as &&)`],
    ['p50_ms > 1.0 OR p50_ms < 9.0', 26, `unexpected 'OR' (CEL writes "or" as ||)`],
    ['not (p50_ms > 1.0)', 13, `found no matching overload for 'not(bool)' (CEL writes "not" as !)`],
    ['p50_ms > 1.0 p50_ms', 26, "unexpected 'p50_ms' (an operator such as &&, || or == is missing before it)"],
    ['p50_ms > 1.0 &&', 28, 'the expression ends too early'],
    ['(p50_ms > 1.0', 26, "expected ')', but the expression ends"],
    ['p50_ms > 1.0)', 25, "unexpected ')'"],
    [
      'p50_ms == null',
      20,
      'no such overload: double == null (a measurement is never null: a missing one halts the gate before its condition is evaluated, so there is nothing to compare with null)',
    ],
    // Two doubles do not mix int and double: in wants a list.
    [
      'p50_ms in 3.0',
      20,
      'no such overload: double in double (in asks whether a value is in a list or a map: write n in [1, 2, 3])',
    ],
    ['p50_ms + "x" > 3.0', 20, 'no such overload: double + string'],
  ])('the CEL mistake %j is named with what to write instead', (condition, col, said) => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: ${condition}\n`,
      }),
    );
    // One problem: the measurement only this gate reads is not also said to be unused.
    expect(ps).toEqual([`${D}:6:${col}: disconfirmer 'B': expression error: ${said}`]);
  });

  it.each([
    ['p50_ms + "x" > 3.0', 6, 20, 'no such overload: double + string'],
    ['(p50_ms > 1.0) && (p50_ms) * ("x") > 3.0', 6, 40, 'no such overload: double * string'],
    [`>-\n    p50_ms > 1.0 &&\n    p50_ms\n    >= "x"`, 9, 5, 'no such overload: double >= string'],
    [`'p50_ms > 1.0 ? 1 : "a"'`, 6, 27, "Ternary branches must have the same type, got 'int' and 'string'"],
    ['p50_ms > 1.0 && p50_ms', 6, 26, "Logical operator requires bool operands, got 'double'"],
  ])('a type error in %j is located at its operator, not at its left operand', (condition, line, col, said) => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: ${condition}\n`,
      }),
    );
    expect(ps).toEqual([`${D}:${line}:${col}: disconfirmer 'B': expression error: ${said}`]);
  });

  const noOverload = (call: string): string => `found no matching overload for '${call}'`;
  it.each([
    ['verdict.matches(1)', 6, 21, noOverload('string.matches(int)')],
    // The receiver is a string literal holding a dot, inside a quoted scalar and in a plain one.
    [`'"v1.2".startsWith(1) || verdict == "go"'`, 6, 21, noOverload('string.startsWith(int)')],
    ['verdict == "go" && "v1.2".startsWith(verdict.size())', 6, 39, noOverload('string.startsWith(int)')],
    // In a chain the call that fails is named, not the first or the last.
    ['verdict.lowerAscii().size(1).startsWith("a")', 6, 34, noOverload('string.size(int)')],
    // A method on a later line than its receiver, in a block scalar and in a plain one.
    [`>-\n    verdict\n      .lowerAscii()\n      .matches(1)`, 9, 8, noOverload('string.matches(int)')],
    [`verdict\n    .matches(1)`, 7, 6, noOverload('string.matches(int)')],
    // A bracketed receiver, with a comment holding a dot before its closing bracket (a literal
    // block: folded, the comment would run on over the next line).
    [`|-\n    (verdict // the judgement. go or no-go\n    ) . matches(1)`, 8, 9, noOverload('string.matches(int)')],
    // A method inside a macro's predicate.
    [`>-\n    [verdict].exists(v, v.endsWith(1))`, 7, 27, noOverload('string.endsWith(int)')],
    // A global function is placed at its name, which is where its node starts.
    ['size(verdict, 2) > 0', 6, 13, noOverload('size(string, int)')],
  ])('a type error in the call in %j is located at the name of its method', (condition, line, col, said) => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: verdict\n  attestation: { judgements: [go, no-go] }\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: ${condition}\n`,
      }),
    );
    expect(ps).toEqual([`${D}:${line}:${col}: disconfirmer 'B': expression error: ${said}`]);
  });

  const verdict = `- id: verdict\n  attestation: { judgements: [go, no-go] }\n`;
  type MacroCase = [condition: string, measurements: string, line: number, col: number, said: string];
  // The macro's name is one past the receiver and its dot, after `  fires_if: ` (12 columns) or the block's indent (4).
  const macroCases: MacroCase[] = ['exists', 'all', 'map', 'filter', 'exists_one'].flatMap((macro) =>
    [
      { m: 'verdict', measurements: verdict, literal: '"go"', type: 'a string' },
      { m: 'p50_ms', measurements: latency, literal: '1.0', type: 'a double' },
    ].flatMap(({ m, measurements, literal, type }) => {
      const said = `${macro}() ranges over a list or a map; ${m} is ${type}`;
      return [
        [`${m}.${macro}(e, true)`, measurements, 6, 13 + m.length + 1, said],
        [`>-\n    ${m} != ${literal} &&\n    ${m}.${macro}(e, true)`, measurements, 8, 5 + m.length + 1, said],
      ] satisfies MacroCase[];
    }),
  );
  it.each<MacroCase>([
    ...macroCases,
    // The macro on a later line than its receiver, the receiver bracketed.
    [
      `>-\n    (verdict)\n      .exists(e, e == "go")`,
      verdict,
      8,
      8,
      'exists() ranges over a list or a map; verdict is a string',
    ],
    // A chain split over lines is named as it reads on one; the macro is found after the last call.
    [
      `>-\n    verdict\n      .lowerAscii()\n      .all(e, true)`,
      verdict,
      9,
      8,
      'all() ranges over a list or a map; verdict.lowerAscii() is a string',
    ],
    // A string literal holding a dot is the receiver, not a chain.
    [`'"v1.2".map(e, e) == [verdict]'`, verdict, 6, 21, 'map() ranges over a list or a map; "v1.2" is a string'],
    // A macro on a list keeps its own mistakes in cel-js's words.
    [
      'verdict != "go" && [verdict].all(v, v)',
      verdict,
      6,
      49,
      "all(var, predicate) predicate must return bool, got 'string'",
    ],
    // A receiver too long to read in one line, or holding a comment, is named by its place.
    [
      `(verdict + "-and-a-suffix-long-enough-to-wrap").exists(e, true)`,
      verdict,
      6,
      61,
      'exists() ranges over a list or a map; its receiver is a string',
    ],
    [
      `|-\n    (verdict + // the call's verdict, suffixed\n      "-x").exists(e, true)`,
      verdict,
      8,
      13,
      'exists() ranges over a list or a map; its receiver is a string',
    ],
    // A comment after the receiver is no part of it.
    [
      `|-\n    verdict // the call's verdict\n      .exists(e, true)`,
      verdict,
      8,
      8,
      'exists() ranges over a list or a map; verdict is a string',
    ],
    // Each type in the words a spec's writer uses.
    [
      'first.all(e, true)',
      `- id: first\n  git: { query: first_commit, paths: ["src/**"] }\n`,
      6,
      19,
      'all() ranges over a list or a map; first is a timestamp',
    ],
    [
      'duration("1h").exists(e, true)',
      verdict,
      6,
      28,
      'exists() ranges over a list or a map; duration("1h") is a duration',
    ],
    [
      'there.filter(e, true)',
      `- id: there\n  git: { query: path_exists, path: src/a.py }\n`,
      6,
      19,
      'filter() ranges over a list or a map; there is a bool',
    ],
    [
      'runs.map(e, e)',
      `- id: runs\n  type: int\n  window: 1d\n  sql: { query: "select 0 as value" }\n`,
      6,
      18,
      'map() ranges over a list or a map; runs is an int',
    ],
    // "null is null" says nothing: a null receiver is called its receiver.
    ['null.exists(e, true)', verdict, 6, 18, 'exists() ranges over a list or a map; its receiver is null'],
  ])('a macro on a value that is not a list or a map, in %j, is said at its name', (condition, ms, line, col, said) => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': ms,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: ${condition}\n`,
      }),
    );
    expect(ps).toEqual([`${D}:${line}:${col}: disconfirmer 'B': expression error: ${said}`]);
  });

  it('has() over a measurement or a param is said at has: a single value has no field, so it is always false', () => {
    const fires = (condition: string) =>
      problemsOf(
        raw({
          'measurements.yaml': latency,
          'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { ceiling: 2.0 }\n  fires_if: ${condition}\n`,
        }),
      );
    const said = (name: string) =>
      `expression error: has() asks whether a map or a message has a field, and ${name} is a single value, which has none (a measurement that is missing halts the gate before its condition runs, so there is nothing to test)`;
    expect(fires('p50_ms > 1.0 && !has(p50_ms.x)')).toEqual([`${D}:7:30: disconfirmer 'B': ${said('p50_ms')}`]);
    expect(fires('has(ceiling.a.b)')).toEqual([`${D}:7:13: disconfirmer 'B': ${said('ceiling')}`]);
    // A field of a comprehension's variable (a map in a list) is one has() can test.
    expect(fires(`"p50_ms > 1.0 && [{'a': 1}].exists(m, has(m.a))"`)).toEqual([]);
  });

  it("a condition starting with CEL's ! written unquoted is a YAML tag: a spec error at the tag, in every condition", () => {
    const gate = (key: string, condition: string) =>
      `- id: G\n  title: t\n  section: "§0"\n  phase: [close]\n  ${key}: ${condition}\n`;
    const said = (tag: string, key: string, value: string) =>
      `YAML: \`${tag}\` here is a YAML tag, not CEL's negation: quote the condition (${key}: '${value}'), or write it as a |- block`;
    // YAML reads `!p50_ms` as a tag and `&&` as an anchor: the value would be `p50_ms > 1.0` alone.
    expect(
      problemsOf(
        raw({ 'measurements.yaml': latency, 'invariants.yaml': gate('holds_if', '!p50_ms_low && p50_ms > 1.0') }),
      ),
    ).toEqual([`gates/demo/invariants.yaml:6:13: ${said('!p50_ms_low', 'holds_if', '!p50_ms_low && p50_ms > 1.0')}`]);
    // The bare `!` is YAML's non-specific tag, and drops the negation as silently.
    expect(
      problemsOf(
        raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': gate('fires_if', '! (p50_ms > 1.0) # why') }),
      ),
    ).toEqual([`${D}:6:13: ${said('!', 'fires_if', '! (p50_ms > 1.0)')}`]);
    expect(
      problemsOf(
        raw({ 'measurements.yaml': latency, 'exit-criteria.yaml': gate('passes_if', '!is_x && p50_ms > 1.0') }),
      ),
    ).toEqual([`${E}:6:14: ${said('!is_x', 'passes_if', '!is_x && p50_ms > 1.0')}`]);
    expect(
      problemsOf(
        raw({
          'measurements.yaml': latency,
          'disconfirmers.yaml': `${gate('fires_if', 'p50_ms > 1.0')}  params: { n: 1.0 }\n  sensitivity:\n    - param: n\n      compares: ! p50_ms\n      band: { absolute: 1 }\n      alternates: [2.0]\n`,
          'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables: [src/a.py]\n  data_gates:\n    - id: rows\n      condition: !done && p50_ms < 9.0\n`,
        }),
      ),
    ).toEqual([
      `${D}:10:17: ${said('!', 'compares', '! p50_ms')}`,
      `gates/demo/prereqs.yaml:7:18: ${said('!done', 'condition', '!done && p50_ms < 9.0')}`,
    ]);
    // With `||` after the tag YAML fails on a block scalar's header: said as the tag it is, too.
    expect(
      problemsOf(
        raw({ 'measurements.yaml': latency, 'invariants.yaml': gate('holds_if', '!p50_ms_low || p50_ms > 1.0') }),
      ),
    ).toEqual([`gates/demo/invariants.yaml:6:13: ${said('!p50_ms_low', 'holds_if', '!p50_ms_low || p50_ms > 1.0')}`]);
    // YAML's own tags are read as YAML says; one that cannot read its value is said, not dropped.
    expect(
      problemsOf(raw({ 'measurements.yaml': latency, 'disconfirmers.yaml': gate('fires_if', '!!str p50_ms > 1.0') })),
    ).toEqual([]);
    expect(problemsOf(raw({ 'measurements.yaml': latency.replace('window: 14d', 'window: !!int 14d') }))).toEqual([
      `${M}:3:11: YAML: Unresolved tag: tag:yaml.org,2002:int: the tag !!int does not read this value; remove the tag`,
    ]);
  });

  it('a measurement id or a param that CEL has as its own is a problem at its key, and the others are still said', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `${latency}- id: bytes\n  git: { query: path_exists, path: a.txt }\n- id: null_type\n  git: { query: path_exists, path: a.txt }\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { map: 1, in: 2, while: 3, "true": 4, __proto__: 5, n: 6 }\n  holds_if: bytes && map > 0.0 && p50_ms > n\n- id: J\n  title: t\n  section: "§0"\n  phase: [close]\n  holds_if: p50_ms > nope\n`,
        'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables: [src/a.py]\n  data_gates:\n    - id: rows\n      condition: null_type && p50_ms < 9.0\n`,
      }),
    );
    const clash = (what: string, name: string, why: string, rename: string) =>
      `${what} '${name}' is ${why}, so no condition could read it: rename it (${rename}_value, say)`;
    const has = 'a name CEL already has (a type, or the namespace of one)';
    const reserved = 'a word CEL reserves';
    const own = 'a word CEL reads as its own (a literal or an operator)';
    const I = 'gates/demo/invariants.yaml';
    expect(ps).toEqual([
      `${I}:6:13: invariant 'I': ${clash('param', 'map', has, 'map')}`,
      `${I}:6:21: invariant 'I': ${clash('param', 'in', own, 'in')}`,
      `${I}:6:28: invariant 'I': ${clash('param', 'while', reserved, 'while')}`,
      `${I}:6:38: invariant 'I': ${clash('param', 'true', own, 'true')}`,
      `${I}:6:49: invariant 'I': ${clash('param', '__proto__', reserved, 'proto')}`,
      `${I}:12:22: invariant 'J': unknown measurement 'nope'; declare it in measurements.yaml or as a param`,
      `${M}:8:3: measurement 'bytes': 'bytes' is ${has}, so no condition could read it: rename it (bytes_value, say)`,
      `${M}:10:3: measurement 'null_type': 'null_type' is ${has}, so no condition could read it: rename it (null_type_value, say)`,
    ]);
  });

  it("a prereq data gate's condition gets the same hints", () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
        'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables: [src/a.py]\n  data_gates:\n    - id: rows\n      condition: p50_ms < 9.0 && p50_ms * 2 > 1.0\n`,
      }),
    );
    expect(ps).toEqual([
      "gates/demo/prereqs.yaml:7:41: prereq 'p1': data gate 'rows': expression error: no such overload: double * int (CEL does not mix int and double: write the literal in the type of the other side (3 is an int, 3.0 a double), or convert with double(x) or int(x))",
    ]);
  });

  it('a measurement no gate reads is a warning once the spec loads, and none beside an error', () => {
    const files = {
      'measurements.yaml': `${latency}${latency.replace('p50_ms', 'p99_ms')}`,
      'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
    };
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(root, raw(files));
    expect(loadRfc(root, 'demo').warnings.map(formatProblem)).toEqual([
      `${M}:8:3: warning: measurement 'p99_ms' is not used by any gate`,
    ]);
    writeRfc(
      root,
      raw({ ...files, 'disconfirmers.yaml': files['disconfirmers.yaml'].replace('10.0', '10.0 and true') }),
    );
    const e = specErrorOf(root);
    expect(e.problems).toHaveLength(1);
    expect(e.warnings).toEqual([]);
  });

  it('an expression of thousands of terms is named as too deep, at its place', () => {
    const terms = Array.from({ length: 20000 }, () => 'p50_ms > 1.0').join(' && ');
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: ${terms}\n`,
      }),
    );
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatch(
      new RegExp(
        `^${D}:6:\\d+: disconfirmer 'B': expression error: nested too deeply to read \\(thousands of terms or brackets\\); split it into smaller conditions$`,
      ),
    );
  });

  it('an event count without a liveness measurement, and a liveness over another window', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: incidents\n  type: int\n  window: 21d\n  counts_events: true\n  sql: { query: "select 0 as value" }\n- id: divergences\n  type: int\n  window: 7d\n  counts_events: true\n  liveness: runs\n  sql: { query: "select 0 as value" }\n- id: runs\n  type: int\n  window: 1d\n  sql: { query: "select 0 as value" }\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: incidents == 0 && divergences == 0\n`,
      }),
    );
    expect(ps).toEqual([
      `${M}:5:3: measurement 'incidents': counts events, so it must name a liveness measurement over the same window (liveness: <id>): zero events from a silent channel is not clean`,
      `${M}:11:3: measurement 'divergences': liveness 'runs' must cover the same window (7d vs 1d)`,
    ]);
  });

  it('a liveness over the same length of window written another way (7d, 1w, 168h) is the same window', () => {
    const spec = (live: string) =>
      raw({
        'measurements.yaml': `- id: divergences\n  type: int\n  window: 7d\n  counts_events: true\n  liveness: runs\n  sql: { query: "select 0 as value" }\n- id: runs\n  type: int\n  window: ${live}\n  sql: { query: "select 0 as value" }\n`,
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: divergences == 0\n`,
      });
    for (const same of ['1w', '168h', '10080m']) expect(problemsOf(spec(same)), same).toEqual([]);
    expect(problemsOf(spec('8d'))).toEqual([
      `${M}:6:3: measurement 'divergences': liveness 'runs' must cover the same window (7d vs 8d)`,
    ]);
  });

  it("a measurement's ref that git would misread (an option, blank, a space or a control character) is refused where it is written", () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': [
          '- id: landed',
          '  git: { query: path_exists, path: a.md, ref: -x }',
          '- id: doc',
          '  artifact: { glob: "d/*.md", ref: "  " }',
          '- id: refuted',
          '  verifier: { query: citations, ref: "main\\tnext" }',
          '- id: dated',
          '  git: { query: first_commit, paths: [a.md], ref: release 2 }',
          '- id: fine',
          '  git: { query: path_exists, path: a.md, ref: "origin/main~2" }',
          '- id: reflog',
          '  git: { query: path_exists, path: a.md, ref: "main@{1 day ago}" }',
          '- id: search',
          '  git: { query: path_exists, path: a.md, ref: ":/fix the race" }',
          '- id: searched',
          '  git: { query: path_exists, path: a.md, ref: "main^{/fix the race}" }',
          '- id: trailing',
          '  git: { query: path_exists, path: a.md, ref: "main@{1 day ago} " }',
          '',
        ].join('\n'),
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: landed && doc && refuted == 0 && dated < timestamp("2030-01-01T00:00:00Z") && fine && reflog && search && searched && trailing\n`,
      }),
    );
    const fix = 'name a branch, tag or commit, or remove ref: to read the ref the run is given (--ref, default HEAD)';
    expect(ps).toEqual([
      `${M}:3:47: measurement 'landed': ref '-x' starts with '-', which git reads as an option: ${fix}`,
      `${M}:5:36: measurement 'doc': ref '  ' is empty: ${fix}`,
      `${M}:7:38: measurement 'refuted': ref 'main\\tnext' holds a tab, which no branch, tag or commit id has: ${fix}`,
      `${M}:9:51: measurement 'dated': ref 'release 2' holds a space, which no branch, tag or commit id has: ${fix}`,
      `${M}:19:47: measurement 'trailing': ref 'main@{1 day ago} ' holds a space, which no branch, tag or commit id has: ${fix}`,
    ]);
  });

  it("a measurement's regex that does not compile is a spec error where it is written, not a halt at run time", () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': [
          '- id: share',
          '  artifact: { glob: "d/*.md", extract: { pattern: \'share: ([0-9.]+%\', as: double } }',
          '- id: tagged',
          "  git: { query: commit_matching, pattern: 'release [' }",
          '- id: ordered',
          "  git: { query: order, before: { paths: [a.md] }, after: { pattern: '(?<x' } }",
          '- id: fine',
          "  git: { query: commit_matching, pattern: 'release \\[\\d+\\]' }",
          '- id: fixes',
          "  git: { query: commit_matching, pattern: '(?i)fix' }",
          '',
        ].join('\n'),
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: share > 1.0 && ordered && fine > tagged && fixes > tagged\n`,
      }),
    );
    const fix = 'fix the pattern (a literal ( or [ is written \\( or \\[)';
    expect(ps).toEqual([
      `${M}:3:51: measurement 'share': artifact.extract.pattern is not a valid regex: unterminated group; ${fix}`,
      `${M}:5:43: measurement 'tagged': git.pattern is not a valid regex: unterminated character class; ${fix}`,
      `${M}:7:69: measurement 'ordered': git.after.pattern is not a valid regex: invalid capture group name; ${fix}`,
      // RE2's and Python's inline flags: said as such, with the way to ignore case.
      `${M}:11:43: measurement 'fixes': git.pattern is not a valid regex: invalid group: an inline flag group such as (?i) is not JavaScript's; to ignore case, write each letter as a class, [Ff]ix`,
    ]);
  });

  it("a prereq's landed_when regex that does not compile says why as the measurement regexes do", () => {
    const ps = problemsOf(
      raw({
        'prereqs.yaml': `- id: p1\n  title: P1\n  deliverables: [src/a.py]\n  landed_when: { commit_message: "Prereq: (p1" }\n`,
      }),
    );
    expect(ps).toEqual([
      `gates/demo/prereqs.yaml:5:34: prereq 'p1': landed_when.commit_message is not a valid regex: unterminated group; fix the pattern (a literal ( or [ is written \\( or \\[)`,
    ]);
  });

  it("the table form's timestamp is any column name as the catalog spells it; one in quotes, or too long to be one, is refused where it is written", () => {
    const long = 'a'.repeat(64);
    const ps = problemsOf(
      raw({
        'measurements.yaml': [
          '- id: spaced',
          '  window: 7d',
          '  sql: { table: sales."Order Items", timestamp: Created At, value: count(*) }',
          '- id: hyphen',
          '  window: 7d',
          '  sql: { table: audit.m, timestamp: event-time, value: count(*) }',
          '- id: quoted',
          '  window: 7d',
          `  sql: { table: audit.m, timestamp: '"Created At"', value: count(*) }`,
          '- id: too_long',
          '  window: 7d',
          `  sql: { table: audit.m, timestamp: ${long}, value: count(*) }`,
          '',
        ].join('\n'),
        'invariants.yaml': `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: spaced + hyphen + quoted + too_long > 0.0\n`,
      }),
    );
    expect(ps).toEqual([
      `${M}:10:37: measurement 'quoted': sql.timestamp '"Created At"' is written in double quotes; write the column name without them, as the catalog spells it (timestamp: Created At)`,
      `${M}:13:37: measurement 'too_long': sql.timestamp '${long}' is not a column name: '${long}' is 64 bytes long, and PostgreSQL keeps only the first 63 bytes of a name; write the name the catalog holds`,
    ]);
  });

  it("a condition's matches() with a literal regex that does not compile is a spec error where it is written", () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: verdict\n  attestation: { judgements: [go, no-go] }\n`,
        'invariants.yaml': [
          `- id: I\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: verdict.matches("[") || verdict.matches(verdict) || verdict.matches("^go$")\n`,
          `- id: J\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: verdict.matches("^no-go$") || verdict.matches("(?i)^GO$")\n`,
        ].join(''),
      }),
    );
    // In the words the lint and measurement regexes use, without V8's echo of the pattern.
    expect(ps).toEqual([
      `gates/demo/invariants.yaml:6:29: invariant 'I': expression error: matches() pattern is not a valid regex: unterminated character class; fix the pattern (a literal ( or [ is written \\\\( or \\\\[ in a CEL string)`,
      `gates/demo/invariants.yaml:11:59: invariant 'J': expression error: matches() pattern is not a valid regex: invalid group: an inline flag group such as (?i) is RE2's, not JavaScript's; to ignore case, match x.lowerAscii() against a lower-case pattern`,
    ]);
  });

  it('a call given a literal it cannot read (an instant, a duration, a time zone) is a spec error at the literal', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: landed\n  git: { query: last_commit, paths: [src] }\n`,
        'invariants.yaml': [
          closeGate('I', 'landed < timestamp("2020-13-45T00:00:00Z")'),
          closeGate('J', 'landed - timestamp("2026-01-01T00:00:00Z") > duration("1x")'),
          closeGate('K', 'landed.getDayOfWeek("Mars/Phobos") == 1'),
          // Literals it reads, and a time zone read from elsewhere, are left as they are.
          closeGate(
            'L',
            'landed.getHours("Europe/Paris") < 9 && landed + duration("24h") > timestamp("2026-01-01T00:00:00Z")',
          ),
        ].join(''),
      }),
    );
    const halts = 'so every run would halt on it';
    expect(ps).toEqual([
      `gates/demo/invariants.yaml:6:33: invariant 'I': expression error: timestamp() cannot read "2020-13-45T00:00:00Z" (timestamp() requires a string in ISO 8601 format), ${halts}: write an RFC 3339 instant, as "2026-06-01T00:00:00Z"`,
      `gates/demo/invariants.yaml:11:68: invariant 'J': expression error: duration() cannot read "1x" (Invalid duration string: 1x), ${halts}: write a number and a unit (h, m, s, ms, us, ns), as "24h" or "1h30m"`,
      `gates/demo/invariants.yaml:16:34: invariant 'K': expression error: getDayOfWeek() cannot read the time zone "Mars/Phobos" (Invalid time zone specified: Mars/Phobos), ${halts}: write an IANA time zone, as "Europe/Paris" or "UTC"`,
    ]);
  });

  it('a timestamp or a duration is named as a condition writes it, with what to compare it with', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: landed\n  git: { query: last_commit, paths: [src] }\n`,
        'invariants.yaml': [
          closeGate('I', 'landed > "2026-01-01"'),
          closeGate('J', 'landed - 1.0 > landed'),
          closeGate('K', 'landed - landed > 5'),
          closeGate('L', 'landed'),
        ].join(''),
      }),
    );
    const I = 'gates/demo/invariants.yaml';
    expect(ps).toEqual([
      `${I}:6:21: invariant 'I': expression error: no such overload: timestamp > string (a timestamp is not text: compare it with timestamp("2026-06-01T00:00:00Z"))`,
      `${I}:11:21: invariant 'J': expression error: no such overload: timestamp - double (a timestamp is an instant, not a number: add or subtract a duration (t + duration("24h")), or compare it with timestamp("2026-06-01T00:00:00Z"))`,
      `${I}:16:30: invariant 'K': expression error: no such overload: duration > int (a duration is not a number: write it as duration("24h"))`,
      `${I}:21:13: invariant 'L': holds_if must be a bool expression, but it is timestamp`,
    ]);
  });

  it('a sensitivity whose compares reads no measurement is refused where it is written', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { n: 10 }\n  fires_if: p50_ms > n\n  sensitivity:\n    - { param: n, compares: n * 2.0, band: { absolute: 1 }, alternates: [8] }\n    - { param: n, compares: "3.0", band: { absolute: 1 }, alternates: [8] }\n    - { param: n, compares: p50_ms, band: { absolute: 1 }, alternates: [8] }\n`,
      }),
    );
    const said = `compares names no measurement: a constant is in band on every run or on none; compare the measured value that 'n' is a threshold for, as the condition does`;
    expect(ps).toEqual([`${D}:9:29: disconfirmer 'B': ${said}`, `${D}:10:29: disconfirmer 'B': ${said}`]);
  });

  it("a map's key count and key names are said in the spec's words, each bad name at its key", () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { Bad-Name: 1, n: 2, X: 3 }\n  fires_if: p50_ms > n\n  sensitivity:\n    - { param: n, compares: p50_ms, band: { relative: 0.1, absolute: 1 }, alternates: [1] }\n    - { param: n, compares: p50_ms, band: {}, alternates: [1] }\n`,
      }),
    );
    const name =
      'is not a name a condition can read: write it in lower case, digits and underscores, starting with a letter or _ (p50_ratio)';
    expect(ps).toEqual([
      `${D}:6:13: 'B': params: key 'Bad-Name' ${name}`,
      `${D}:6:32: 'B': params: key 'X' ${name}`,
      `${D}:9:43: 'B': sensitivity.band: takes one of relative, absolute, not more: keep one`,
      `${D}:10:43: 'B': sensitivity.band: must not be empty: write one of relative, absolute`,
    ]);
  });

  it('a band written as a bare number, or as a percentage, says what to write', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  params: { n: 10 }\n  fires_if: p50_ms > n\n  sensitivity:\n    - { param: n, compares: p50_ms, band: 0.05, alternates: [8] }\n    - { param: n, compares: p50_ms, band: { relative: 5 }, alternates: [8] }\n    - { param: n, compares: p50_ms, band: { relative: 0.05 }, alternates: [8] }\n`,
      }),
    );
    expect(ps).toEqual([
      `${D}:9:43: 'B': sensitivity.band: must be a mapping that says what 0.05 is: { relative: 0.05 } (a fraction of the threshold) or { absolute: 0.05 } (in the threshold's units)`,
      `${D}:10:55: 'B': sensitivity.band.relative: must be less than 1, not 5: it is a fraction of the threshold, so 5% is 0.05`,
    ]);
  });

  it('all_of naming an unknown gate, and gates that depend on each other in a cycle', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'exit-criteria.yaml': `- id: E1\n  title: t\n  section: "§13"\n  phase: [close]\n  all_of: [E2]\n- id: E2\n  title: t\n  section: "§13"\n  phase: [close]\n  all_of: [E1, E9]\n- id: E3\n  title: t\n  section: "§13"\n  phase: [close]\n  passes_if: p50_ms < 1.0\n`,
      }),
    );
    expect(ps).toEqual([
      `${E}:6:3: gates depend on each other in a cycle: E1 → E2 → E1 (read → as "is needed by"); break one all_of link`,
      `${E}:11:16: exit criterion 'E2': all_of names unknown gate 'E9' (did you mean 'E1'?)`,
    ]);
  });

  it('a gate file declaring none is said once, with the all_of names it may have held; an unknown id is still said', () => {
    const files = {
      'measurements.yaml': `${latency}- id: p99_ms\n  window: 14d\n  sql:\n    table: audit.m\n    timestamp: recorded_at\n    value: count(*)\n`,
      'stop-signs.yaml': `- id: SS1\n  title: t\n  section: "§9"\n  phase: [canary]\n  fires_if: p50_ms > 1.0\n`,
      'exit-criteria.yaml': `- id: E1\n  title: t\n  section: "§13"\n  phase: [close]\n  all_of: [B]\n- id: E2\n  title: t\n  section: "§13"\n  phase: [close]\n  all_of: [B, A.1, SS9]\n`,
    };
    const said =
      'all_of names 2 gates no file declares: A.1 (E2), B (E1, E2); declare them here if they were in this file, or remove them from all_of';
    // SS9 is shaped like the stop signs' ids, and stop-signs.yaml is there: a mistake of its own.
    const unknown = `${E}:11:20: exit criterion 'E2': all_of names unknown gate 'SS9' (did you mean 'SS1'?)`;
    expect(problemsOf(raw({ ...files, 'disconfirmers.yaml': '' }))).toEqual([
      `${D}:1:1: the file is empty: list the disconfirmers, or delete the file; ${said}`,
      unknown,
    ]);
    expect(problemsOf(raw({ ...files, 'disconfirmers.yaml': '[]\n' }))).toEqual([
      `${D}:2:1: declares no gates, but ${said}`,
      unknown,
    ]);
    expect(problemsOf(raw({ ...files, 'disconfirmers.yaml': 'B: {}\n' }))).toEqual([
      `${D}:2:1: must be a list`,
      unknown,
    ]);
    // The measurement only the lost gates read is not said to be unused.
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(root, raw({ ...files, 'disconfirmers.yaml': '' }));
    const e = specErrorOf(root);
    expect(e.warnings).toEqual([]);
  });

  it('a cycle of gates reads as the one needed first, as the prereq DAG does', () => {
    const gate = (id: string, needs: string) =>
      `- id: ${id}\n  title: t\n  section: "§13"\n  phase: [close]\n  all_of: [${needs}]\n`;
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'exit-criteria.yaml': gate('E1', 'E2') + gate('E2', 'E3') + gate('E3', 'E1'),
      }),
    );
    // E3 needs E1, E2 needs E3, E1 needs E2.
    expect(ps).toEqual([
      `${E}:6:3: gates depend on each other in a cycle: E1 → E3 → E2 → E1 (read → as "is needed by"); break one all_of link`,
    ]);
  });

  it('a gate naming itself in all_of is said at that name, as a prereq depending on itself is', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': latency,
        'exit-criteria.yaml': `- id: E1\n  title: t\n  section: "§13"\n  phase: [close]\n  all_of: [E2, E1]\n- id: E2\n  title: t\n  section: "§13"\n  phase: [close]\n  passes_if: p50_ms < 1.0\n`,
      }),
    );
    expect(ps).toEqual([`${E}:6:16: exit criterion 'E1': all_of names itself; remove it from the list`]);
  });

  it('an alias bomb is one problem, at the alias where the expansion stops; a folder named like a spec file is not read', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    for (const c of 'cdefgh')
      bomb.push(
        `${c}: &${c} [${Array(9)
          .fill(`*${String.fromCharCode(c.charCodeAt(0) - 1)}`)
          .join(', ')}]`,
      );
    const ps = problemsOf(raw({ 'measurements.yaml': `${bomb.join('\n')}\n` }));
    expect(ps).toHaveLength(1);
    // f (line 7, after the modeline) uses e, which holds 9^4 copies, nine times: the first goes over.
    expect(ps[0]).toMatch(new RegExp(`^${M}:7:8: YAML: too many alias expansions at \\*e: `));

    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(root, raw({ 'measurements.yaml': latency }));
    mkdirSync(join(root, 'gates', 'demo', 'extra.yaml'));
    expect(() => loadRfc(root, 'demo')).not.toThrow();
  });

  it('a folder named as a spec file is one problem at its path, not an unknown measurement at every use', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(
      root,
      raw({
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
      }),
    );
    mkdirSync(join(root, 'gates', 'demo', 'measurements.yaml'));
    let problems: string[] = [];
    try {
      loadRfc(root, 'demo');
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      problems = e.problems.map(formatProblem);
    }
    expect(problems).toEqual([`${M}:1:1: cannot be read (it is a folder); make it a YAML file or remove it`]);
  });

  it('a file saved with a byte-order mark reads as without one', () => {
    const files = {
      'measurements.yaml': latency,
      'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
    };
    const bom = Object.fromEntries(Object.entries(files).map(([n, t]) => [n, `\uFEFF${modeline(n)}${t}`]));
    expect(problemsOf({ raw: bom })).toEqual([]);
  });

  it('a missing modeline, an unknown spec file and a manifest id that is not its folder', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    const dir = writeRfc(root, {
      manifest: {
        id: 'other',
        title: 't',
        version: '1',
        mainline: 'main',
        operators: [{ name: 'a', email: 'a@example.com' }],
      },
    });
    writeFileSync(join(dir, 'measurements.yaml'), latency);
    writeFileSync(join(dir, 'gatez.yaml'), '- id: x\n');
    let problems: string[] = [];
    const cwd = process.cwd();
    process.chdir(root);
    try {
      loadRfc(root, 'demo');
    } catch (e) {
      problems = (e as SpecError).problems.map(formatProblem);
    } finally {
      process.chdir(cwd);
    }
    expect(problems).toEqual([
      `gates/demo/gatez.yaml:1:1: unknown spec file 'gatez.yaml'; expected one of: rfc.yaml, measurements.yaml, prereqs.yaml, parity.yaml, citations.yaml, council.yaml, lints.yaml, comparator.yaml, disconfirmers.yaml, exit-criteria.yaml, stop-signs.yaml, invariants.yaml`,
      `${M}:1:1: the first line must be '# yaml-language-server: $schema=../../schemas/measurements.schema.json' so editors check this file`,
      `gates/demo/rfc.yaml:2:5: id 'other' must equal its folder name 'demo'`,
    ]);
  });

  it.each(['measurement.yaml', 'measurements.yml'])(
    'measurements.yaml misnamed %s is the one problem, not every name the gates read',
    (name) => {
      const ps = problemsOf(
        raw({
          [name]: latency,
          'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: p50_ms > 10.0\n`,
          'exit-criteria.yaml': `- id: E1\n  title: t\n  section: "§13"\n  phase: [close]\n  passes_if: p50_ms < 1.0\n`,
        }),
      );
      expect(ps).toEqual([
        `gates/demo/${name}:1:1: unknown spec file '${name}'; expected one of: ${[...SPEC_FILES.keys()].join(', ')} (did you mean 'measurements.yaml'?)`,
      ]);
    },
  );

  it('an unknown RFC id and a spec folder with no files are clear errors', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(root, {});
    expect(() => loadRfc(root, 'wave9')).toThrow(UsageError);
    expect(() => loadRfc(root, 'wave9')).toThrow(/unknown RFC 'wave9'.*known RFCs: demo/);
    mkdirSync(join(root, 'gates', 'empty'));
    expect(() => loadRfc(root, 'empty')).toThrow(/no spec files/);
  });

  it('a hidden folder under gates/ (.archive) is not an RFC: not listed, not chosen, not loaded', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(root, {});
    writeRfc(root, { id: '.archive' });
    expect(listRfcIds(root)).toEqual(['demo']);
    expect(() => loadRfc(root, '.archive')).toThrow(
      "unknown RFC '.archive': an RFC is named by its folder directly under gates/, and a folder starting with '.' is not one; known RFCs: demo",
    );
  });

  it('a value listed twice is named at its second place, not by the item numbers the schema check counts', () => {
    const pair = (extra: string) =>
      `pairs:\n  - id: orders\n    canonical: core.orders\n    shadow: core.orders_shadow\n    key: [id]\n    compare: all\n${extra}`;
    expect(
      problemsOf(
        raw({ 'comparator.yaml': pair('    must_compare:\n      - total\n      - placed_at\n      - total\n') }),
      ),
    ).toEqual([`gates/demo/comparator.yaml:11:9: pairs.must_compare: 'total' is listed twice; keep one`]);
  });

  it('a must_compare column the same pair excludes, keys on or leaves out of compare is refused at the must_compare entry', () => {
    const pair = (compare: string, extra: string) =>
      `pairs:\n  - id: orders\n    canonical: core.orders\n    shadow: core.orders_shadow\n    key: [id]\n    compare: ${compare}\n${extra}`;
    const C = 'gates/demo/comparator.yaml';
    expect(
      problemsOf(
        raw({
          'comparator.yaml': pair(
            'all',
            '    exclude:\n      - { column: notes, reason: free text }\n    must_compare: [total, notes, id]\n',
          ),
        }),
      ),
    ).toEqual([
      `${C}:10:27: pair 'orders': column 'notes' is in must_compare but excluded (at ${C}:9:19); remove it from exclude to compare it, or from must_compare`,
      `${C}:10:34: pair 'orders': column 'id' is in must_compare but is a key column, matched by the join, not compared; remove it from must_compare`,
    ]);
    expect(problemsOf(raw({ 'comparator.yaml': pair('[total]', '    must_compare: [total, placed_at]\n') }))).toEqual([
      `${C}:8:27: pair 'orders': column 'placed_at' is in must_compare but not in compare; add it to compare, or remove it from must_compare`,
    ]);
  });

  it('a value that is neither of two forms, one a single word, is one message naming both', () => {
    const pair = (compare: string) =>
      `pairs:\n  - id: orders\n    canonical: core.orders\n    shadow: core.orders_shadow\n    key: [id]\n    compare: ${compare}\n`;
    expect(problemsOf(raw({ 'comparator.yaml': pair('al') }))).toEqual([
      `gates/demo/comparator.yaml:7:14: pairs.compare: must be "all" or a list (did you mean 'all'?)`,
    ]);
    expect(problemsOf(raw({ 'comparator.yaml': pair('{ total: 1 }') }))).toEqual([
      `gates/demo/comparator.yaml:7:14: pairs.compare: must be "all" or a list`,
    ]);
  });

  it('an id or a type of the wrong shape is said as a rule with an example, not as the regex it fails', () => {
    const comparator = `record:\n  run_type: comparator.run\npairs:\n  - id: Orders\n    canonical: core.orders\n    shadow: core.orders_shadow\n    key: [id]\n    compare: all\n`;
    expect(problemsOf(raw({ 'comparator.yaml': comparator }))).toEqual([
      'gates/demo/comparator.yaml:3:13: record.run_type: must be a measurement type: measurement. then two or more names of lower case letters, digits and underscores, joined by dots (such as measurement.comparator.run)',
      'gates/demo/comparator.yaml:5:9: pairs.id: a pair id may hold only lower case letters, digits and underscores, and must start with a letter (such as identities)',
    ]);
  });

  it('a number out of its range is said with its bound in words and the value given', () => {
    const parity = `significant_digits: 40\nmask: "_at$"\ngolden: tests/golden\ncandidate: tests/beam\n`;
    expect(problemsOf(raw({ 'parity.yaml': parity }))).toEqual([
      'gates/demo/parity.yaml:2:21: significant_digits: must be at most 17, not 40',
    ]);
  });

  it('a git measurement with one wrong value is one problem: the keys beside it are not called unknown as well', () => {
    const order = (scope: string) =>
      `- id: ordered\n  git:\n    query: order\n    before: { paths: [docs/a.md] }\n    after: { paths: [src/**] }\n    scope: ${scope}\n`;
    expect(problemsOf(raw({ 'measurements.yaml': order('main') }))).toEqual([
      `${M}:7:12: 'ordered': git.scope: must be one of: mainline, all`,
    ]);
    expect(
      problemsOf(raw({ 'measurements.yaml': `- id: guard\n  git:\n    query: prereq_before\n    path: src/x/\n` })),
    ).toEqual([
      `${M}:4:12: 'guard': git.query: must be one of: path_exists, first_commit, last_commit, commit_matching, order, prereqs_before (did you mean 'prereqs_before'?)`,
    ]);
    // A key no form takes is still named, and so is one the chosen form does not take.
    expect(problemsOf(raw({ 'measurements.yaml': order('main\n    pathz: x') }))).toEqual([
      `${M}:7:12: 'ordered': git.scope: must be one of: mainline, all`,
      `${M}:8:5: 'ordered': git: unknown key 'pathz'; remove it or check its spelling`,
    ]);
    expect(problemsOf(raw({ 'measurements.yaml': order('mainline\n    path: x') }))).toEqual([
      `${M}:8:5: 'ordered': git: unknown key 'path'; remove it or check its spelling`,
    ]);
  });

  it("an operator's email that is not one says what is expected and what was written", () => {
    const manifest = `id: demo\ntitle: Demo\nversion: v1\nmainline: main\noperators:\n  - name: Ada\n    email: ada\n`;
    expect(problemsOf(raw({ 'rfc.yaml': manifest }))).toEqual([
      "gates/demo/rfc.yaml:8:12: operators.email: must be an email address, such as ada@example.com, not 'ada'",
    ]);
  });

  it('a parity verifier given a document or verdicts says they belong to query: citations; one without a query says only that', () => {
    const parity = `- id: diffs\n  verifier:\n    query: parity\n    verdicts: [REFUTED]\n    document: docs/rfc.md\n`;
    expect(problemsOf(raw({ 'measurements.yaml': parity }))).toEqual([
      `${M}:5:5: 'diffs': verifier: query: parity counts the golden captures that differ, so it takes no document or verdicts: remove them, or count citations with query: citations`,
    ]);
    expect(problemsOf(raw({ 'measurements.yaml': `- id: diffs\n  verifier: { verdicts: [REFUTED] }\n` }))).toEqual([
      `${M}:3:13: 'diffs': verifier: missing required key 'query' (one of: citations, parity)`,
    ]);
  });

  it('a yes where true or false goes says it is text and what to write', () => {
    const lint = `- id: L1\n  title: t\n  severity: error\n  message: m\n  fix: f\n  forbid:\n    pattern: x\n    include: [src/**]\n    ignore_case: yes\n`;
    expect(problemsOf(raw({ 'lints.yaml': lint }))).toEqual([
      "gates/demo/lints.yaml:10:18: 'L1': forbid.ignore_case: must be true or false: 'yes' is text here; write true",
    ]);
  });

  it('an attestations_dir outside the repository is a problem at its line: no committed record can be there', () => {
    const manifest = (dir: string) =>
      `id: demo\ntitle: Demo\nversion: v1\nmainline: main\noperators:\n  - { name: Ada, email: ada@example.com }\nattestations_dir: ${dir}\n`;
    for (const dir of ['/srv/attestations', '../attestations', 'gates/../../attestations']) {
      expect(problemsOf(raw({ 'rfc.yaml': manifest(dir) }))).toEqual([
        `gates/demo/rfc.yaml:8:19: attestations_dir ${dir} is outside the repository, where no committed record can be; name a folder relative to the repository root (e.g. gates/demo/attestations)`,
      ]);
    }
    expect(problemsOf(raw({ 'rfc.yaml': manifest('docs/signoffs') }))).toEqual([]);
  });

  it('a comparator pair id used twice says where the first is and what to do', () => {
    const pair = `  - id: orders\n    canonical: core.orders\n    shadow: core.orders_shadow\n    key: [id]\n    compare: all\n`;
    expect(problemsOf(raw({ 'comparator.yaml': `pairs:\n${pair}${pair}` }))).toEqual([
      "gates/demo/comparator.yaml:8:5: duplicate comparator pair id 'orders' (first declared at gates/demo/comparator.yaml:3:5); give each pair its own id",
    ]);
  });

  it('an item with a schema error does not cascade into reference errors', () => {
    const ps = problemsOf(
      raw({
        'measurements.yaml': `- id: p50_ms\n  window: 2 weeks\n  sql: { query: "select 1 as value" }\n`,
        'disconfirmers.yaml': `- id: B\n  title: t\n  section: "§0"\n  phase: [later]\n  fires_if: p50_ms > 1.0\n`,
        'exit-criteria.yaml': `- id: E\n  title: t\n  section: "§13"\n  phase: [close]\n  all_of: [B]\n`,
      }),
    );
    expect(ps).toEqual([
      `${D}:5:11: 'B': phase: must be one of: implementation, canary, close`,
      `${M}:3:11: 'p50_ms': window: must be a duration such as 14d, 24h or 60s (at most five digits)`,
    ]);
  });
});

describe('closestBranches: the oneOf form each item came closest to', () => {
  const err = (instancePath: string, schemaPath: string, keyword = 'required'): ErrorObject =>
    ({ instancePath, schemaPath, keyword, params: {}, message: keyword }) as ErrorObject;
  const oneOf = (instancePath: string) => err(instancePath, '#/items/oneOf', 'oneOf');

  it('judges each item on its own errors: item 1 is not pooled with item 12', () => {
    // Item 1 came closest to form 0 (1 error against 3), item 12 to form 1. Pooled by a
    // prefix test (`/1` is a prefix of `/12`), the counts tied and every error was kept.
    const one = [err('/1', '#/items/oneOf/0/required')];
    const oneOther = [1, 2, 3].map((k) => err(`/1/k${k}`, '#/items/oneOf/1/required'));
    const twelve = [err('/12', '#/items/oneOf/1/required')];
    const twelveOther = [1, 2, 3].map((k) => err(`/12/k${k}`, '#/items/oneOf/0/required'));
    const errors = [...one, ...oneOther, oneOf('/1'), ...twelve, ...twelveOther, oneOf('/12')];
    expect(closestBranches(errors)).toEqual([...one, ...twelve]);
  });

  it('keeps every tied form with the oneOf’s own message, and leaves other errors alone', () => {
    const a = err('/0', '#/items/oneOf/0/required');
    const b = err('/0', '#/items/oneOf/1/required');
    const other = err('/0/id', '#/items/properties/id/pattern', 'pattern');
    const o = oneOf('/0');
    expect(closestBranches([a, b, o, other])).toEqual([a, b, o, other]);
  });
});

describe('the modeline a spec file is asked for', () => {
  const pkg = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');
  it("names the running rfcgate's schemas from the file's folder when the repository holds them", () => {
    expect(modelineTarget('gates/x/lints.yaml', 'lints.schema.json', pkg)).toBe('../../schemas/lints.schema.json');
    // rfcgate installed inside the repository (node_modules/rfcgate), seen from gates/x/.
    expect(modelineTarget('gates/x/lints.yaml', 'lints.schema.json', dirname(pkg))).toBe(
      `../../${basename(pkg)}/schemas/lints.schema.json`,
    );
  });

  it("names the shipped specs' path when the running rfcgate is outside the repository", () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    expect(modelineTarget('gates/x/lints.yaml', 'lints.schema.json', root)).toBe('../../schemas/lints.schema.json');
  });
});

/** An invariant of phase close holding `condition`, as invariants.yaml writes one. */
function closeGate(id: string, condition: string): string {
  return `- id: ${id}\n  title: t\n  section: "§8"\n  phase: [close]\n  holds_if: '${condition}'\n`;
}

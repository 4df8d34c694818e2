/** lints.yaml as spec validate and the lint command's own loader read it: every problem, at file:line:col. */
import { RegExpParser } from '@eslint-community/regexpp';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type BacktrackCheck, backtrackingProblems } from '../../src/lint/backtracking.js';
import { loadLints } from '../../src/lint/load.js';
import { SpecError } from '../../src/spec/problems.js';
import { loadRfc } from '../../src/spec/load.js';
import { removeFixtures } from '../helpers/git-fixture.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';
import { L1, lintRepo } from './helpers.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());
afterAll(removeFixtures);

/**
 * The problems loadRfc reports, as file:line:col: message, for an RFC written from `fixture`
 * and then changed by `write` (files a fixture cannot express: links, bytes, hand-written YAML).
 */
function problemsAfter(
  write: (dir: string, root: string) => void,
  fixture: Parameters<typeof writeRfc>[1] = {},
): string[] {
  const t = tempRoot();
  cleanup = t.cleanup;
  write(writeRfc(t.root, fixture), t.root);
  try {
    loadRfc(t.root, 'demo');
  } catch (e) {
    if (e instanceof SpecError) return e.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
    throw e;
  }
  return [];
}

function problems(rules: unknown[], extra: Parameters<typeof writeRfc>[1] = {}): string[] {
  return problemsAfter(() => {}, {
    ...extra,
    raw: { ...(extra.raw ?? {}), 'lints.yaml': modeline('lints.yaml') + stringify(rules) },
  });
}

/** `s` as a regular expression matching it literally. */
function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('lints.yaml', () => {
  it('the shipped wave3 rules validate with the rest of the RFC', () => {
    const rfc = loadRfc(process.cwd(), 'wave3');
    expect(rfc.lints?.map((r) => `${r.id}:${r.kind}`)).toEqual([
      'L1:forbid',
      'L2:helper_only',
      'L3:order',
      'L3.profile:require',
    ]);
  });

  it('the shipped content rules never start an alternative with a lookbehind', () => {
    // A leading lookbehind is tried at every character of a file; L2's scanned back over every
    // balanced (...) to the file's start, so a 79 KB module took seconds in a pre-commit hook.
    const rules = loadRfc(process.cwd(), 'wave3').lints ?? [];
    const sources = rules.flatMap((r) => ('source' in r ? [[r.id, r.source] as const] : []));
    expect(sources.map(([id]) => id)).toEqual(['L1', 'L2']);
    for (const [id, source] of sources) {
      const ast = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(source);
      const leading = ast.alternatives.filter((a) => {
        const first = a.elements[0];
        return first?.type === 'Assertion' && first.kind === 'lookbehind';
      });
      expect(
        leading.map((a) => a.raw),
        id,
      ).toEqual([]);
    }
  });

  it('reports a bad regex, a rule with two kinds, a duplicate id and a bad waiver date, all at once', () => {
    const ps = problems([
      { ...L1, forbid: { pattern: 'a(b', include: ['src/'] } },
      { ...L1, id: 'two', require: { when: ['a'], files: ['b'] } },
      { ...L1, id: 'two' },
      { ...L1, id: 'date', allow: [{ path: 'x', reason: 'r', expires: '2026-02-30' }] },
      // A year under 100 is a year as written, not one of 1900-1999 that fails the check.
      { ...L1, id: 'early', allow: [{ path: 'x', reason: 'r', expires: '0099-01-31' }] },
    ]);
    expect(ps).toEqual([
      expect.stringMatching(
        /^gates\/demo\/lints\.yaml:\d+:\d+: lint rule 'L1': not a valid regex: unterminated group; fix the pattern/,
      ),
      expect.stringMatching(/lint rule 'two': has 2 kinds \(forbid, require\); a rule has exactly one$/),
      expect.stringMatching(
        /lint rule 'two': duplicate rule id \(first declared at gates\/demo\/lints\.yaml:\d+:\d+\); give each rule its own id$/,
      ),
      expect.stringMatching(/lint rule 'date': expires '2026-02-30' is not a calendar date/),
    ]);
  });

  it('a duplicate id is reported at the copy, naming the first, whichever copy the schema rejects', async () => {
    const { fix: _fix, ...noFix } = L1;
    // The first copy lacks its fix; then the second does.
    for (const rules of [
      [noFix, L1],
      [L1, noFix],
    ]) {
      const text = modeline('lints.yaml') + stringify(rules);
      const [first, second] = text
        .split('\n')
        .flatMap((l, i) => (l.startsWith('- id: L1') ? [`gates/demo/lints.yaml:${i + 1}:3`] : []));
      const duplicate = `${second}: lint rule 'L1': duplicate rule id (first declared at ${first}); give each rule its own id`;
      const ps = problemsAfter(() => {}, { raw: { 'lints.yaml': text } });
      expect(ps).toContain(duplicate);
      expect(ps.some((p) => /fix/.test(p) && !p.includes('duplicate'))).toBe(true);
      // lint's own loader (a hook's) says the same.
      const t = tempRoot();
      writeRfc(t.root, { raw: { 'lints.yaml': text } });
      const refused = await loadLints(t.root, 'demo').catch((e: unknown) => e);
      t.cleanup();
      expect(refused).toBeInstanceOf(SpecError);
      expect((refused as SpecError).problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`)).toContain(
        duplicate,
      );
    }
  });

  it('a path or glob of spaces only, in any list of a rule, names no file and is refused where it is written', () => {
    const helperOnly = {
      construct: 'Payload\\(',
      helper: 'make_payload',
      modules: ['  '],
      include: ['**/*.py'],
    };
    const ps = problems([
      {
        ...L1,
        forbid: { ...L1.forbid, include: ['**/*.py', ' '], exclude: [''] },
        allow: [{ path: '   ', reason: 'r' }],
      },
      { ...L1, id: 'req', forbid: undefined, allow: undefined, require: { when: [' '], files: ['  '] } },
      { ...L1, id: 'help', forbid: undefined, allow: undefined, helper_only: helperOnly },
    ]);
    const said = (example: string) => `names no file: give a path or a glob, such as ${example}`;
    expect(ps).toEqual([
      expect.stringMatching(new RegExp(`lints\\.yaml:\\d+:\\d+: 'L1': forbid\\.include: ${esc(said('src/**/*.py'))}$`)),
      expect.stringMatching(new RegExp(`lints\\.yaml:\\d+:\\d+: 'L1': forbid\\.exclude: ${esc(said('tests/**'))}$`)),
      expect.stringMatching(
        new RegExp(`lints\\.yaml:\\d+:\\d+: 'L1': allow\\.path: ${esc(said('tests/fixtures/**'))}$`),
      ),
      expect.stringMatching(new RegExp(`lints\\.yaml:\\d+:\\d+: 'req': require\\.when: ${esc(said('src/cache/**'))}$`)),
      expect.stringMatching(
        new RegExp(`lints\\.yaml:\\d+:\\d+: 'req': require\\.files: ${esc(said('tests/cache/**'))}$`),
      ),
      expect.stringMatching(
        new RegExp(`lints\\.yaml:\\d+:\\d+: 'help': helper_only\\.modules: ${esc(said('src/payload.py'))}$`),
      ),
    ]);
  });

  it('quoted is true/false or the quote characters: an empty string or a number is one clear problem each', () => {
    const ps = problems([
      { ...L1, forbid: { ...L1.forbid, quoted: '' } },
      { ...L1, id: 'num', forbid: { ...L1.forbid, quoted: 3 } },
    ]);
    expect(ps).toEqual([
      expect.stringMatching(/lints\.yaml:\d+:\d+: 'L1': forbid\.quoted: must not be empty$/),
      expect.stringMatching(/lints\.yaml:\d+:\d+: 'num': forbid\.quoted: must be a boolean or a string$/),
    ]);
  });

  it('an invalid rule id says in words what an id may hold, at its file:line:col', () => {
    const ps = problems([
      { ...L1, id: 'no raw sql' },
      { ...L1, id: '-L1' },
    ]);
    const words =
      "id: an id may hold only letters, digits, '_', '.' and '-', and must start with a letter or a digit (such as L1 or no-raw-sql)";
    expect(ps).toEqual([
      expect.stringMatching(new RegExp(`^gates/demo/lints\\.yaml:\\d+:\\d+: 'no raw sql': ${esc(words)}$`)),
      expect.stringMatching(new RegExp(`^gates/demo/lints\\.yaml:\\d+:\\d+: '-L1': ${esc(words)}$`)),
    ]);
  });

  it('a waiver expiry not written YYYY-MM-DD says so in words, not as the schema regex', () => {
    const ps = problems([{ ...L1, allow: [{ path: 'src/legacy/', reason: 'PR 12', expires: '2026-1-31' }] }]);
    expect(ps).toEqual([
      expect.stringMatching(
        /^gates\/demo\/lints\.yaml:\d+:\d+: 'L1': allow\.expires: must be a date written YYYY-MM-DD, such as 2026-01-31$/,
      ),
    ]);
  });

  it('schema errors (missing fix, unknown severity) are pinned to their key', () => {
    const { fix: _fix, ...noFix } = L1;
    const ps = problems([noFix, { ...L1, id: 'sev', severity: 'fatal' }]);
    expect(ps.some((p) => /fix/.test(p))).toBe(true);
    expect(ps.some((p) => /severity/.test(p) && /error, warn|allowed values/.test(p))).toBe(true);
  });

  it('an order rule must name a git ordering measurement that exists', () => {
    const order = (measurement: string) => ({
      ...L1,
      id: measurement,
      forbid: undefined,
      allow: undefined,
      order: { measurement },
    });
    const ps = problems([order('gaurd'), order('age')], {
      measurements: [
        { id: 'guard', git: { query: 'prereqs_before', path: 'x/' } },
        { id: 'age', git: { query: 'first_commit', paths: ['x/'] } },
      ],
      raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify([{ id: 'p', title: 'P', deliverables: ['a'] }]) },
    });
    expect(ps).toEqual([
      expect.stringMatching(/lint rule 'gaurd': unknown measurement 'gaurd' \(did you mean 'guard'\?\)/),
      expect.stringMatching(
        /lint rule 'age': measurement 'age' is a git first_commit measurement; an order rule needs/,
      ),
    ]);
  });

  it('allow entries name commits in an order rule and paths in every other', () => {
    const guard = { ...L1, id: 'L3', forbid: undefined, order: { measurement: 'guard' } };
    const ps = problems(
      [
        { ...guard, allow: [{ path: 'elixir/**', reason: 'r' }] },
        { ...guard, id: 'L4', allow: [{ commit: 'abc', reason: 'too short' }] },
        { ...guard, id: 'L5', allow: [{ commit: 'ABCDEF1234', reason: 'reverted' }] },
        { ...L1, id: 'L6', allow: [{ commit: 'abcdef1234', reason: 'r' }] },
      ],
      {
        measurements: [{ id: 'guard', git: { query: 'prereqs_before', path: 'x/' } }],
        raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify([{ id: 'p', title: 'P', deliverables: ['a'] }]) },
      },
    );
    expect(ps).toEqual([
      expect.stringMatching(/lints\.yaml:8:7: lint rule 'L3': an order rule's allow entry names a commit, not a path/),
      expect.stringMatching(/lints\.yaml:18:15: 'L4': allow\.commit: must be a commit id: at least 7 hex digits/),
      expect.stringMatching(/lints\.yaml:\d+:\d+: lint rule 'L6': allow entries of a forbid rule name a path or glob/),
    ]);
  });

  it('a regex that could backtrack exponentially where V8 cannot rerun it in linear time is a problem at its place', async () => {
    const rule = (id: string, kind: string, body: Record<string, unknown>) => ({
      id,
      title: 't',
      severity: 'error',
      message: 'm',
      fix: 'f',
      [kind]: body,
    });
    const forbid = (id: string, more: Record<string, unknown>) => rule(id, 'forbid', { include: ['**'], ...more });
    const rules = [
      forbid('CASE', { pattern: '(a+)+$', ignore_case: true }),
      forbid('BOUND', { pattern: 'x(a{1,20})+$' }),
      forbid('QUOTED', { pattern: '(\\w+\\s?)+$', quoted: true }),
      rule('HELPER', 'helper_only', { helper: 'h', modules: ['h.py'], include: ['**'], construct: '(?<=x)(b+)+c' }),
      rule('REQUIRE', 'require', { when: ['a/'], files: ['b.md'], pattern: '^(x)(?:\\d+\\s*)+\\1$' }),
      // The analysis reports a polynomial trade between the alternatives first; the repeat after them is exponential.
      forbid('AFTER', { pattern: '(?:(")[^"]*\\1|(\')[^\']*\\1)(\\s*\\w+)+;' }),
      // V8 reruns these in linear time, or they cannot backtrack exponentially: no problem.
      forbid('LINEAR', { pattern: '(a+)+$' }),
      forbid('FINE', { pattern: '(\\d{1,3}\\.){3}\\d{1,3}', quoted: true, ignore_case: true }),
      // An exact count is one way through a run: (?: {4})+ is not (?: {4,})+.
      forbid('EXACT', { pattern: '^(?: {4}){5,}(?=\\S)' }),
    ];
    const t = tempRoot();
    cleanup = t.cleanup;
    writeRfc(t.root, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify(rules) } });
    // Reading the spec only collects what V8 cannot run in linear time; the analysis is apart.
    const backtracking: BacktrackCheck[] = [];
    loadRfc(t.root, 'demo', { backtracking });
    expect(backtracking.map((c) => c.rule)).toEqual([
      'CASE',
      'BOUND',
      'QUOTED',
      'HELPER',
      'REQUIRE',
      'AFTER',
      'FINE',
      'EXACT',
    ]);
    const ps = (await backtrackingProblems(backtracking)).map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
    const said = (id: string) => ps.find((p) => p.includes(`'${id}'`)) ?? '';
    expect(ps).toHaveLength(6);
    expect(said('CASE')).toMatch(
      /^gates\/demo\/lints\.yaml:\d+:\d+: lint rule 'CASE': its regex can backtrack exponentially \(in \(a\+\)\+, on a long run of "A" that does not match\), and V8 cannot rerun it in linear time \(ignore_case\), so one line could hang the hook; make the repetition unambiguous/,
    );
    expect(said('BOUND')).toMatch(/\(in \(a\{1,20\}\)\+, .*linear time \(a \{n,m\} repeat\)/);
    expect(said('QUOTED')).toMatch(/\(in \(\\w\+\\s\?\)\+, .*\(the lookaround quoted adds\)/);
    expect(said('HELPER')).toMatch(/\(in \(b\+\)\+, .*\(a lookaround\)/);
    expect(said('REQUIRE')).toMatch(/\(a backreference\)/);
    expect(said('AFTER')).toMatch(/\(in \(\\s\*\\w\+\)\+, .*\(a backreference\)/);
    // At the pattern as written.
    const text = modeline('lints.yaml') + stringify([forbid('CASE', { pattern: '(a+)+$', ignore_case: true })]);
    const line = text.split('\n').findIndex((l) => l.includes('(a+)+$')) + 1;
    expect(said('CASE').startsWith(`gates/demo/lints.yaml:${line}:`)).toBe(true);
    // lint's own loader (a hook's) refuses the spec with the same problems.
    const refused = await loadLints(t.root, 'demo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).problems.map((p) => p.message)).toEqual(
      ps.map((p) => p.replace(/^[^:]+:\d+:\d+: /, '')),
    );
  });

  it('a literal that is only a wildcard is refused at its place: it would match empty text everywhere', async () => {
    const rules = [{ ...L1, forbid: { ...L1.forbid, literals: ['measurement.*', '*'] } }];
    const repo = lintRepo({ rules, files: { 'src/a.py': 'x = "y"\n' } });
    const text = readFileSync(join(repo.dir, 'gates/demo/lints.yaml'), 'utf8').split('\n');
    const line = text.findIndex((l) => l.trim() === '- "*"') + 1;
    const refused = await loadLints(repo.dir, 'demo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      `${line}:9: lint rule 'L1': literal '*' is only a wildcard, which matches any text (even none); write the name it stands in`,
    ]);
  });

  it("a literal with a '*' inside a name is refused: it would look for an asterisk and pass every file", async () => {
    const literals = [
      'measurement.lease_plane.*',
      'coordination_failure.*.timeout',
      'measurement.comparator.**',
      // An asterisk apart from a name is text: these are what they say.
      'count(*)',
      'SELECT * FROM',
    ];
    const rules = [{ ...L1, forbid: { ...L1.forbid, literals } }];
    const repo = lintRepo({ rules, files: { 'src/a.py': 'x = "coordination_failure.boundary.timeout"\n' } });
    const refused = await loadLints(repo.dir, 'demo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).problems.map((p) => p.message)).toEqual([
      "lint rule 'L1': literal 'coordination_failure.*.timeout' has a '*' inside a name, which would match only an asterisk: a '*' continues a name only at the end; for a wildcard inside, write a pattern such as 'coordination_failure\\.[A-Za-z0-9_.*-]*\\.timeout'",
      "lint rule 'L1': literal 'measurement.comparator.**' has a '*' inside a name, which would match only an asterisk: a '*' continues a name only at the end; for a wildcard inside, write a pattern such as 'measurement\\.comparator\\.[A-Za-z0-9_.*-]*'",
    ]);
  });

  it('an escape only the u flag gives meaning to is refused at its pattern: without it, it is other text', async () => {
    const base = { title: 't', severity: 'error', message: 'm', fix: 'f' };
    const rules = [
      { ...base, id: 'P', forbid: { pattern: '\\p{Lu}{3,}', include: ['src/**'] } },
      { ...base, id: 'Q', require: { when: ['src/'], files: ['README.md'], pattern: '[\\P{L}]' } },
      { ...base, id: 'R', helper_only: { construct: '\\u{41}', helper: 'h', modules: ['m.py'], include: ['src/**'] } },
      // Hex digits are no count: the text itself.
      { ...base, id: 'U', forbid: { pattern: 'x\\u{1F600}', include: ['src/**'] } },
      // Escaped, or already a plain escape: text the regex means as written.
      { ...base, id: 'S', forbid: { pattern: '\\\\p{Lu}|\\u0041|p\\{L\\}', include: ['src/**'] } },
    ];
    const repo = lintRepo({ rules, files: { 'src/a.py': 'ABC\n', 'README.md': 'x\n', 'm.py': 'h\n' } });
    const text = readFileSync(join(repo.dir, 'gates/demo/lints.yaml'), 'utf8').split('\n');
    const at = (needle: string) => `${text.findIndex((l) => l.includes(needle)) + 1}`;
    const refused = await loadLints(repo.dir, 'demo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      `${at('pattern: \\p{Lu}')}: lint rule 'P': '\\p{Lu}' is a Unicode property escape only with the u flag, which lint's regexes run without: here it matches the text 'p{Lu}'; write the characters as a class (such as [A-Z])`,
      `${at('pattern: "[')}: lint rule 'Q': '\\P{L}' is a Unicode property escape only with the u flag, which lint's regexes run without: here it matches the text 'P{L}'; write the characters as a class (such as [A-Z])`,
      `${at('construct:')}: lint rule 'R': '\\u{41}' is a code point escape only with the u flag, which lint's regexes run without: here it means 'u' repeated; write the character itself or \\uXXXX`,
      `${at('pattern: x')}: lint rule 'U': '\\u{1F600}' is a code point escape only with the u flag, which lint's regexes run without: here it matches the text 'u{1F600}'; write the character itself or \\uXXXX`,
    ]);
  });

  it('a quoted rule whose pattern must start a line is refused at its pattern: after a quote, ^ never holds', async () => {
    const base = { title: 't', severity: 'error', message: 'm', fix: 'f' };
    const rule = (id: string, pattern: string, quoted = true) => ({
      ...base,
      id,
      forbid: { pattern, quoted, include: ['src/**'] },
    });
    const rules = [
      rule('A', '^measurement\\.'),
      rule('B', 'lease|(?:^x|^y)z'),
      // Not tied to a line's start: an optional one, one inside, or a rule that is not quoted.
      rule('C', '(?:^x)?measurement|a(?:^|b)'),
      rule('D', '^measurement\\.', false),
    ];
    const repo = lintRepo({ rules, files: { 'src/a.py': 'x = "measurement.y"\n' } });
    const text = readFileSync(join(repo.dir, 'gates/demo/lints.yaml'), 'utf8').split('\n');
    const at = (needle: string) => `${text.findIndex((l) => l.includes(needle)) + 1}`;
    const refused = await loadLints(repo.dir, 'demo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      `${at('^measurement')}: lint rule 'A': with quoted, a match counts only right after a string's opening quote, where '^' never holds, so '^measurement\\.' can never match; drop the '^' (quoted already ties the match to where a string opens)`,
      `${at('lease|')}: lint rule 'B': with quoted, a match counts only right after a string's opening quote, where '^' never holds, so '(?:^x|^y)z' can never match; drop the '^' (quoted already ties the match to where a string opens)`,
    ]);
  });

  it('a regex escape in a double-quoted value is named as YAML reads it, with the two ways to write it', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const rule = `- id: D\n  title: t\n  severity: error\n  message: m\n  fix: f\n  forbid:\n    pattern: "id=\\d+"\n    include: ["src/"]\n`;
    writeFileSync(join(repo.dir, 'gates/demo/lints.yaml'), modeline('lints.yaml') + rule);
    const refused = await loadLints(repo.dir, 'demo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      `8:18: YAML: Invalid escape sequence \\d: in a "..." value a backslash starts a YAML escape; write it twice (\\\\), or quote the value with '...', where a backslash is itself`,
    ]);
  });

  it('a bad regex is one line of message, however many the pattern spans; an inline flag group says what to write', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const head = '  title: t\n  severity: error\n  message: m\n  fix: f\n  forbid:\n';
    const text = `- id: B\n${head}    pattern: |\n      foo\n      (bar\n    include: ["src/"]\n- id: I\n${head}    pattern: "(?i)secret"\n    include: ["src/"]\n`;
    writeFileSync(join(repo.dir, 'gates/demo/lints.yaml'), modeline('lints.yaml') + text);
    const refused = await loadLints(repo.dir, 'demo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SpecError);
    expect((refused as SpecError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`)).toEqual([
      "8:14: lint rule 'B': not a valid regex: unterminated group; fix the pattern (a literal ( or [ is written \\( or \\[)",
      "18:14: lint rule 'I': not a valid regex: invalid group: an inline flag group such as (?i) is not JavaScript; for case, a forbid rule takes ignore_case: true, and ^ and $ always match at line ends",
    ]);
  });

  it('a byte that is not UTF-8 is a problem at its place, not a silent U+FFFD in a literal', async () => {
    const text = modeline('lints.yaml') + stringify([{ ...L1, forbid: { ...L1.forbid, literals: ['cafX'] } }]);
    const line = text.split('\n').findIndex((l) => l.includes('cafX')) + 1;
    const col = (text.split('\n')[line - 1] ?? '').indexOf('cafX') + 4;
    let root = '';
    const ps = problemsAfter((dir, r) => {
      root = r;
      writeFileSync(join(dir, 'lints.yaml'), Buffer.from(text.replace('cafX', 'caf\xe9'), 'latin1'));
    });
    expect(ps).toEqual([`gates/demo/lints.yaml:${line}:${col}: byte 0xe9 is not UTF-8; save the file as UTF-8`]);
    await expect(loadLints(root, 'demo')).rejects.toThrow(SpecError);
  });

  it('a spec file that is a link to a folder, or to nothing, is named as unreadable, not an errno', () => {
    const ps = problemsAfter((dir, root) => {
      symlinkSync(root, join(dir, 'lints.yaml'));
      symlinkSync(join(root, 'gone'), join(dir, 'prereqs.yaml'));
    });
    expect(ps).toEqual([
      'gates/demo/lints.yaml:1:1: cannot be read (it is a folder); make it a YAML file or remove it',
      'gates/demo/prereqs.yaml:1:1: cannot be read (a link whose target is gone); make it a YAML file or remove it',
    ]);
  });

  it('a problem in a value reached through an alias is shown at the alias', () => {
    const text = `${modeline('lints.yaml')}- id: L1
  title: x
  severity: error
  message: m
  fix: f
  forbid: &fb
    pattern: "foo("
    include: ["**/*.py"]
- id: L2
  title: x
  severity: error
  message: m
  fix: f
  forbid: *fb
`;
    const ps = problemsAfter((dir) => writeFileSync(join(dir, 'lints.yaml'), text));
    expect(ps).toEqual([
      expect.stringMatching(/^gates\/demo\/lints\.yaml:8:14: lint rule 'L1': not a valid regex/),
      expect.stringMatching(/^gates\/demo\/lints\.yaml:15:11: lint rule 'L2': not a valid regex/),
    ]);
  });

  it("the lint command's fast loader checks the modeline and the schema without the rest of the RFC", async () => {
    const t = tempRoot();
    cleanup = t.cleanup;
    const dir = writeRfc(t.root, {});
    writeFileSync(join(dir, 'lints.yaml'), stringify([L1]));
    await expect(loadLints(t.root, 'demo')).rejects.toThrow(/first line must be .*lints\.schema\.json/);
    writeFileSync(join(dir, 'lints.yaml'), modeline('lints.yaml') + stringify([L1]));
    expect((await loadLints(t.root, 'demo')).rules.map((r) => r.id)).toEqual(['L1']);
    writeFileSync(
      join(dir, 'lints.yaml'),
      modeline('lints.yaml') + stringify([{ ...L1, forbid: { literals: ['x'], include: ['/abs'] } }]),
    );
    await expect(loadLints(t.root, 'demo')).rejects.toThrow(
      /'\/abs' can never match a repository path: it is absolute/,
    );
    // A file that lists no rule would make every run a pass that checked nothing.
    for (const [empty, said] of [
      ['', /lints\.yaml:1:1: the file is empty: list the lint rules, or delete the file/],
      ['[]\n', /lints\.yaml:\d+:\d+: lists nothing, so it would check nothing; add an item, or delete the file/],
    ] as const) {
      writeFileSync(join(dir, 'lints.yaml'), modeline('lints.yaml') + empty);
      await expect(loadLints(t.root, 'demo'), JSON.stringify(empty)).rejects.toThrow(said);
    }
    writeFileSync(
      join(dir, 'lints.yaml'),
      modeline('lints.yaml') +
        stringify([{ ...L1, forbid: { literals: ['x'], include: ['**/*.py'], exclude: ['!vendor/**'] } }]),
    );
    await expect(loadLints(t.root, 'demo')).rejects.toThrow(
      /lints\.yaml:\d+:\d+: .*'!vendor\/\*\*' can never match a repository path: it starts with '!'/,
    );
  });
});

/** The lint report's formats, from a real run that has errors, a warning, an expired waiver and a halt. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { createHash } from 'node:crypto';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLint, LINT_FORMATS } from '../../src/formatters/lint/index.js';
import { LINT_FORMAT_NAMES, lintFormatter } from '../../src/formatters/lint/load.js';
import { SARIF_MAX_RESULTS } from '../../src/formatters/lint/sarif.js';
import type { LintReport } from '../../src/lint/report.js';
import { removeFixtures } from '../helpers/git-fixture.js';
import { L1, lint, lintRepo } from './helpers.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
// Both packages are CommonJS; `.default` is the export under both Node's and TypeScript's view of the import.
const ajv = new AjvDraft04.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

let report: LintReport;
let clean: LintReport;
beforeAll(async () => {
  const repo = lintRepo({
    rules: [
      { ...L1, allow: [...L1.allow, { path: 'src/legacy/', reason: 'PR 12', expires: '2026-01-31' }] },
      { ...L1, id: 'W', severity: 'warn', forbid: { pattern: 'TODO', include: ['src/'] } },
      { ...L1, id: 'typo', forbid: { literals: ['x'], include: ['**/*.pyy'] } },
    ],
    files: {
      'src/a.py': 'x = "measurement.lease_plane.request"  # TODO\n',
      'src/legacy/b py.py': "y = 'coordination_failure.beam_python_boundary.ets'\n",
    },
  });
  report = await lint(repo);
  const ok = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
  clean = await lint(ok);
});
afterAll(removeFixtures);

describe('lint formatters', () => {
  it('the run behind them has errors, a warning, an expired waiver and a halt', () => {
    expect(report.verdict).toBe('fail');
    expect(report.findings.map((f) => `${f.rule}:${f.severity}`).sort()).toEqual([
      'L1:error',
      'L1:error',
      'L1:error',
      'W:warn',
    ]);
    expect(report.rules.map((r) => r.verdict)).toEqual(['fail', 'pass', 'halt']);
  });

  it('SARIF 2.1.0 is valid against the official schema, with a result per finding and the halt as a notification', () => {
    for (const r of [report, clean]) {
      const log = JSON.parse(formatLint(r, 'sarif')) as Log;
      expect(validate(log) ? [] : validate.errors).toEqual([]);
    }
    const run = (JSON.parse(formatLint(report, 'sarif')) as Log).runs[0];
    expect(run?.tool.driver.rules?.map((r) => r.id)).toEqual(['demo/L1', 'demo/W', 'demo/typo']);
    expect(run?.results?.map((r) => `${r.ruleId} ${r.level}`)).toEqual([
      'demo/L1 error',
      'demo/L1 error',
      'demo/W warning',
      'demo/L1 error',
    ]);
    const a = run?.results?.find((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri === 'src/a.py');
    expect(a?.locations?.[0]?.physicalLocation?.region).toMatchObject({
      startLine: 1,
      startColumn: 6,
      endColumn: 37,
      snippet: { text: 'measurement.lease_plane.request' },
    });
    // A space in a path is percent-encoded, as the schema's uri-reference format requires.
    expect(
      run?.results?.some((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri === 'src/legacy/b%20py.py'),
    ).toBe(true);
    // One stop between the message and the fix, whether or not the message ends in one.
    expect(run?.results?.map((r) => r.message.text).filter((t) => /\.\. Fix:/.test(t ?? ''))).toEqual([]);
    const w = report.findings.find((f) => f.rule === 'W');
    const stopped = { ...report, findings: w ? [{ ...w, message: 'No TODO in source.' }] : [] };
    expect((JSON.parse(formatLint(stopped, 'sarif')) as Log).runs[0]?.results?.[0]?.message.text).toBe(
      `No TODO in source. Fix: ${w?.fix ?? ''}`,
    );
    expect(run?.invocations?.[0]?.executionSuccessful).toBe(false);
    expect(run?.invocations?.[0]?.toolExecutionNotifications?.[0]?.message.text).toMatch(/typo halted \(missing\)/);
  });

  it('SARIF: the same text matched twice in a file keeps two alerts; a long match is cut between characters', async () => {
    const secret = `SECRET${'a'.repeat(192)}\u{1F600}tail`;
    const repo = lintRepo({
      rules: [{ ...L1, id: 'S', forbid: { pattern: 'SECRET.*', include: ['**/*.txt'] }, allow: [] }],
      files: { 'a.txt': 'SECRET 1\nSECRET 1\n', 'b.txt': 'SECRET 1\n', 'c.txt': `${secret}\n` },
    });
    const r = await lint(repo);
    const prints = (JSON.parse(formatLint(r, 'sarif')) as Log).runs[0]?.results?.map(
      (x) => x.partialFingerprints?.['rfcgateLint/v1'],
    );
    expect(prints).toHaveLength(4);
    expect(new Set(prints).size).toBe(4);
    // The first occurrence keeps the fingerprint it has always had: rfc, rule, file, match.
    const first = createHash('sha256').update(['demo', 'S', 'a.txt', 'SECRET 1'].join('\u0000')).digest('hex');
    expect(prints?.[0]).toBe(first);
    // The match is cut before the emoji's second half, not between its two UTF-16 units.
    const long = r.findings.find((f) => f.file === 'c.txt')?.match ?? '';
    expect(long).toBe(`SECRET${'a'.repeat(192)}…`);
    expect(() => encodeURIComponent(long)).not.toThrow(); // throws on a lone surrogate
  });

  it('SARIF: a run over part of the tree is its own code scanning category, so it closes no alert outside it', async () => {
    const repo = lintRepo({
      rules: [L1],
      files: { 'src/a.py': 'x = "measurement.lease_plane.a"\n', 'src/b.py': 'y = 1\n' },
    });
    const base = repo.head();
    repo.branch('topic');
    repo.checkout('topic');
    repo.commit({ files: { 'src/b.py': 'y = 2\n' }, message: 'edit b', date: '2026-05-02T09:00:00Z' });
    repo.write('src/b.py', 'y = 3\n');
    repo.git(['add', 'src/b.py']);
    const category = async (scope: Parameters<typeof lint>[1]) =>
      (JSON.parse(formatLint(await lint(repo, scope), 'sarif')) as Log).runs[0]?.automationDetails?.id;
    expect(await category({ kind: 'tree' })).toBe('rfcgate-lint/demo/');
    // '.' names the whole governed root, and a whole commit is judged as the tree is.
    expect(await category({ kind: 'paths', paths: ['.'] })).toBe('rfcgate-lint/demo/');
    expect(await category({ kind: 'commit', rev: 'HEAD' })).toBe('rfcgate-lint/demo/');
    expect(await category({ kind: 'staged' })).toBe('rfcgate-lint/demo/staged/');
    expect(await category({ kind: 'changed', since: base })).toBe(`rfcgate-lint/demo/changed-since-${base}/`);
    expect(await category({ kind: 'commit', rev: 'HEAD', since: base })).toBe(
      `rfcgate-lint/demo/changed-since-${base}/`,
    );
    // The same paths in any order are the same analysis; other paths another one.
    expect(await category({ kind: 'paths', paths: ['src/b.py', 'src/a.py'] })).toBe(
      'rfcgate-lint/demo/paths-src/a.py,src/b.py/',
    );
    expect(await category({ kind: 'paths', paths: ['src'] })).toBe('rfcgate-lint/demo/paths-src/');
    expect(await category({ kind: 'hook', files: ['src/b.py'] })).toBe('rfcgate-lint/demo/staged/');
    // A file passed that is not staged: the hook's share is checked as the working tree's.
    expect(await category({ kind: 'hook', files: ['src/a.py'] })).toBe('rfcgate-lint/demo/hook-files/');
  });

  it('SARIF: the same RFC of two governed roots is filed under two categories, the root at the top as before', () => {
    const id = (prefix: string, r: LintReport = report) => {
      const log = JSON.parse(formatLint(r, 'sarif', { color: false, prefix })) as Log;
      expect(validate(log) ? [] : validate.errors).toEqual([]);
      return log.runs[0]?.automationDetails?.id;
    };
    expect(id('')).toBe('rfcgate-lint/demo/');
    expect(id('services/payments/')).toBe('rfcgate-lint/demo/root-services%2Fpayments/');
    expect(id('services/ledger/')).toBe('rfcgate-lint/demo/root-services%2Fledger/');
    // The root is named before the scope, in one segment: a folder named like a scope stays the root's.
    expect(id('svc/staged/')).toBe('rfcgate-lint/demo/root-svc%2Fstaged/');
    expect(id('svc/', { ...report, scope: { ...report.scope, kind: 'staged' } })).toBe(
      'rfcgate-lint/demo/root-svc/staged/',
    );
  });

  it('SARIF: past the 25,000 results code scanning accepts, keeps errors first and says what it left out', () => {
    const warn = report.findings.find((f) => f.severity === 'warn')!;
    const error = report.findings.find((f) => f.severity === 'error')!;
    // Warnings first in the report, so keeping the first ones would drop errors.
    const findings = [
      ...Array.from({ length: 20_000 }, (_, i) => ({ ...warn, line: i + 1 })),
      ...Array.from({ length: 5_001 }, (_, i) => ({ ...error, line: i + 1 })),
    ];
    const log = JSON.parse(formatLint({ ...report, findings }, 'sarif')) as Log;
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    const run = log.runs[0];
    const results = run?.results ?? [];
    expect(results).toHaveLength(SARIF_MAX_RESULTS);
    expect(results.filter((x) => x.level === 'error')).toHaveLength(5_001);
    // The kept ones stay in the report's order, each with the fingerprint it has uncut.
    const whole = (JSON.parse(formatLint({ ...report, findings: findings.slice(0, 20_000) }, 'sarif')) as Log).runs[0];
    expect(results[0]?.partialFingerprints).toEqual(whole?.results?.[0]?.partialFingerprints);
    expect(results.at(-1)?.level).toBe('error');
    const notes = run?.invocations?.[0]?.toolExecutionNotifications?.map((n) => n.message.text) ?? [];
    expect(notes.at(-1)).toBe(
      'Left out 1 warning of 25,001 findings: code scanning rejects a run of more than 25,000 results, so this file holds 25,000, errors first; `rfcgate lint --rfc demo --json` lists every finding.',
    );
    // At the limit nothing is left out.
    const at = JSON.parse(formatLint({ ...report, findings: findings.slice(1) }, 'sarif')) as Log;
    expect(at.runs[0]?.results).toHaveLength(SARIF_MAX_RESULTS);
    expect(at.runs[0]?.invocations?.[0]?.toolExecutionNotifications?.map((n) => n.message.text).join()).not.toMatch(
      /left out/,
    );
  });

  it('GitHub annotations: ::error / ::warning at file, line and column; the halt; a notice', () => {
    const lines = formatLint(report, 'github').trim().split('\n');
    // A rule that could not be checked comes first: GitHub shows only a step's first ten errors.
    expect(lines[0]).toMatch(/^::error .*title=demo typo halted::typo could not be checked/);
    expect(lines[1]).toMatch(/^::error file=gates\/demo\/lints\.yaml,line=\d+,col=\d+,title=demo L1::the waiver/);
    expect(lines).toContain(
      '::error file=src/a.py,line=1,col=6,endColumn=37,title=demo L1::an event-type literal outside the constants module: measurement.lease_plane.request%0Afix: import it from src/audit/event_types.py',
    );
    expect(lines.some((l) => l.startsWith('::warning file=src/a.py,line=1,col=42'))).toBe(true);
    expect(lines.some((l) => /^::error .*title=demo typo halted::typo could not be checked/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(
      /^::notice title=rfcgate lint demo::FAIL: 3 errors, 1 warning, 1 rule halted; 2 files checked /,
    );
    // One of each is counted in the singular.
    const one = {
      ...report,
      rules: report.rules.filter((x) => x.halt_reason === undefined),
      findings: report.findings.filter((f) => f.severity === 'error').slice(0, 1),
      files: { ...report.files, checked: 1 },
    };
    expect(formatLint(one, 'github').trim().split('\n').at(-1)).toMatch(
      /::FAIL: 1 error, 0 warnings, 0 rules halted; 1 file checked \(whole tree\)$/,
    );
  });

  it('GitHub: a notice counts the errors and warnings beyond the ten GitHub shows per step', () => {
    const [err, warn] = [
      report.findings.find((f) => f.severity === 'error'),
      report.findings.find((f) => f.severity === 'warn'),
    ];
    if (!err || !warn) throw new Error('the fixture has an error and a warning finding');
    const findings = [
      ...Array.from({ length: 12 }, (_, i) => ({ ...err, line: i + 1 })),
      ...Array.from({ length: 10 }, (_, i) => ({ ...warn, line: i + 1 })),
    ];
    const lines = formatLint({ ...report, findings }, 'github')
      .trim()
      .split('\n');
    // 12 errors and the halted rule: 13 errors; 10 warnings are all shown.
    expect(lines).toHaveLength(1 + 22 + 2);
    expect(lines.at(-2)).toBe(
      '::notice title=rfcgate lint demo::GitHub shows 10 annotations of each kind per step: 3 of 13 errors are only in this log; add --format sarif=lint.sarif (code scanning) or --format junit=lint.xml to keep every finding',
    );
    expect(formatLint(report, 'github')).not.toContain('GitHub shows 10');
    // A report file the same run writes holds them all: named, rather than advised.
    expect(
      formatLint({ ...report, findings }, 'github', { color: false, keptIn: ['lint.sarif'] })
        .trim()
        .split('\n')
        .at(-2),
    ).toBe(
      '::notice title=rfcgate lint demo::GitHub shows 10 annotations of each kind per step: 3 of 13 errors are not annotated, but are in this log and in lint.sarif',
    );
  });

  it('GitHub: the halted rule, then every error finding, then the warnings, each in the report order', () => {
    const [err, warn] = [
      report.findings.find((f) => f.severity === 'error'),
      report.findings.find((f) => f.severity === 'warn'),
    ];
    if (!err || !warn) throw new Error('the fixture has an error and a warning finding');
    // Warnings first in the report, as a file read before another may put them.
    const findings = Array.from({ length: 15 }, (_, i) =>
      i < 11 || i % 2 ? { ...warn, line: i + 1 } : { ...err, line: i + 1 },
    );
    const lines = formatLint({ ...report, findings }, 'github')
      .trim()
      .split('\n');
    expect(lines.map((l) => /^::(\w+) /.exec(l)?.[1])).toEqual([
      ...Array(1 + 2).fill('error'),
      ...Array(13).fill('warning'),
      'notice',
      'notice',
    ]);
    expect(lines[0]).toMatch(/title=demo typo halted::/);
    expect(lines.slice(1, 3).map((l) => /,line=(\d+),/.exec(l)?.[1])).toEqual(['13', '15']);
    expect(lines.slice(3, 16).map((l) => Number(/,line=(\d+),/.exec(l)?.[1]))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14,
    ]);
    expect(lines.at(-2)).toBe(
      '::notice title=rfcgate lint demo::GitHub shows 10 annotations of each kind per step: 3 of 13 warnings are only in this log; add --format sarif=lint.sarif (code scanning) or --format junit=lint.xml to keep every finding',
    );
  });

  it('JUnit: a testcase per rule, a failure listing the findings, an error for the halt', () => {
    const xml = new XMLParser({ ignoreAttributes: false }).parse(formatLint(report, 'junit'));
    const suite = xml.testsuites.testsuite;
    expect(suite['@_tests']).toBe('3');
    expect(suite['@_failures']).toBe('1');
    expect(suite['@_errors']).toBe('1');
    expect(suite['@_timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(`${suite['@_timestamp']}.000Z`).toBe(report.as_of);
    const [l1, w, typo] = suite.testcase;
    expect(l1.failure['#text']).toMatch(/src\/a\.py:1:6 error/);
    expect(w['system-out']).toMatch(/TODO/);
    expect(typo.error['@_type']).toBe('halt:missing');
  });

  it('JUnit writes a line break in a file name out, as stylish does, so file:line:col stays one line', () => {
    const f = report.findings.find((x) => x.match !== undefined) as (typeof report.findings)[number];
    const odd = {
      ...report,
      findings: [
        { ...f, file: 'src/a\nb.py' },
        { ...f, file: 'src/c\u202e.py', severity: 'warn' },
      ],
    };
    const suite = new XMLParser({ ignoreAttributes: false }).parse(formatLint(odd as LintReport, 'junit')).testsuites
      .testsuite;
    const [l1] = suite.testcase;
    expect(l1.failure['#text'].split('\n')[0]).toBe(`src/a\\nb.py:${f.line}:${f.col} error ${f.message} [${f.match}]`);
    expect(l1['system-out']).toMatch(/^src\/c\\u202e\.py:\d+:\d+ warn /);
  });

  it('JUnit writes the control characters of a file name a message names out, as stylish does', () => {
    const f = report.findings.find((x) => x.match !== undefined) as (typeof report.findings)[number];
    const message = 'docs missing: src/\u001b[31mred\u0007\nx.py exists, but nothing matches docs/x-*.md';
    const odd = { ...report, findings: [{ ...f, message }] };
    const suite = new XMLParser({ ignoreAttributes: false }).parse(formatLint(odd as LintReport, 'junit')).testsuites
      .testsuite;
    expect(suite.testcase[0].failure['#text']).toBe(
      `${f.file}:${f.line}:${f.col} error docs missing: src/\\x1b[31mred\\x07\\nx.py exists, but nothing matches docs/x-*.md [${f.match}]\n  fix: ${f.fix}`,
    );
  });

  it("JUnit writes a line break in a file name a halt's reason names out, so the reason stays one line", () => {
    const reason = 'a file it applies to could not be read, so it was not checked there: src/a\nb.py: EACCES';
    const odd = {
      ...report,
      rules: report.rules.map((x) => ({ ...x, halt_reason: 'missing' as const, reason })),
    };
    const suite = new XMLParser({ ignoreAttributes: false }).parse(formatLint(odd as LintReport, 'junit')).testsuites
      .testsuite;
    const [failed, , halted] = suite.testcase;
    expect(failed.failure['#text']).toContain(
      'also halted (missing): a file it applies to could not be read, so it was not checked there: src/a\\nb.py: EACCES',
    );
    expect(halted.error['#text']).toBe(
      'a file it applies to could not be read, so it was not checked there: src/a\\nb.py: EACCES',
    );
  });

  it('JUnit counts a rule that both fails and halts once, as a failure that says it also halted', async () => {
    const rule = { ...L1, id: 'both', forbid: { literals: ['SECRET'], include: ['**/*.py', '**/*.rb'] } };
    const r = await lint(lintRepo({ rules: [rule], files: { 'src/a.py': 'x = "SECRET"\n' } }));
    expect(r.rules.map((x) => [x.verdict, x.halt_reason])).toEqual([['fail', 'missing']]);
    const suite = new XMLParser({ ignoreAttributes: false }).parse(formatLint(r, 'junit')).testsuites.testsuite;
    expect([suite['@_tests'], suite['@_failures'], suite['@_errors']]).toEqual(['1', '1', '0']);
    expect(suite.testcase.error).toBeUndefined();
    expect(suite.testcase.failure['#text']).toMatch(
      /also halted \(missing\): include glob '\*\*\/\*\.rb' matched no file/,
    );
  });

  it('stylish groups findings by file, shows the match and the fix, the halt and a summary', () => {
    const out = formatLint(report, 'stylish');
    expect(out).toMatch(
      /^src\/a\.py\n {2}1:6 +error {2}an event-type literal outside the constants module {2}L1\n +found: measurement\.lease_plane\.request\n +fix: import it/m,
    );
    expect(out).toMatch(/^halt {2}typo \(missing\): include glob '\*\*\/\*\.pyy' matched no file/m);
    expect(out.trim().split('\n').at(-1)).toMatch(
      /^✖ 4 problems \(3 errors, 1 warning\) · 3 rules, 2 of \d+ files checked \(whole tree\)$/,
    );
    expect(formatLint(clean, 'stylish')).toMatch(/^✔ no problems/m);
    // One of each is counted in the singular.
    const one: LintReport = {
      ...clean,
      rules: clean.rules.slice(0, 1),
      files: { ...clean.files, in_scope: 1, checked: 1 },
    };
    expect(formatLint(one, 'stylish').trim().split('\n').at(-1)).toMatch(/· 1 rule, 1 of 1 file checked \(/);
    expect(formatLint(report, 'stylish', { color: true })).toContain('\u001b[31merror\u001b[0m');
  });

  it('stylish quotes and counts a match of blanks alone, which would look like nothing found', () => {
    const f = report.findings[0] as (typeof report.findings)[number];
    const odd = {
      ...report,
      findings: [
        { ...f, match: '   ' },
        { ...f, match: ' \t' },
      ],
    };
    const found = formatLint(odd, 'stylish')
      .split('\n')
      .filter((l) => l.trim().startsWith('found:'))
      .map((l) => l.trim());
    expect(found).toEqual(['found: "   " (3 spaces)', 'found: " \\t" (2 blank characters)']);
  });

  it('stylish says once what halted several rules for one reason', async () => {
    // Outside a repository every rule halts alike: one line naming them all, not one per rule.
    const repo = lintRepo({ rules: [L1, { ...L1, id: 'L1b' }], files: { 'src/a.py': 'x\n' } });
    rmSync(join(repo.dir, '.git'), { recursive: true, force: true });
    const r = await lint(repo);
    expect(r.rules.map((x) => x.halt_reason)).toEqual(['error', 'error']);
    const halts = formatLint(r, 'stylish')
      .split('\n')
      .filter((l) => l.startsWith('halt'));
    expect(halts).toEqual([expect.stringMatching(/^halt {2}L1, L1b \(error\): .* is not a git repository/)]);
  });

  it('stylish writes control characters from the repository out, and JSON keeps them', () => {
    const f = report.findings[0] as (typeof report.findings)[number];
    const odd = { ...report, findings: [{ ...f, file: 'src/a\nb.py', match: 'x\u001b[2J\ty' }] };
    const out = formatLint(odd, 'stylish');
    expect(out).toContain('src/a\\nb.py\n');
    expect(out).toContain('found: x\\x1b[2J\\ty');
    expect(out).not.toContain('\u001b');
    // A file name reaches the screen through a message too (require, helper_only, order), a
    // halt's reason and the note of skipped files; a direction override would reorder it.
    const esc = '\u001b]0;title\u0007\u202e';
    const named = {
      ...odd,
      findings: [{ ...f, message: `handler/${esc}x.py exists`, fix: `add ${esc}` }],
      rules: report.rules.map((x) => (x.halt_reason ? { ...x, reason: `glob ${esc} matched no file` } : x)),
      files: { ...report.files, skipped: [{ path: `src/bin${esc}.bin`, reason: 'binary' }] },
    } as LintReport;
    const shown = formatLint(named, 'stylish');
    expect(['\u0007', '\u001b', '\u202e'].filter((ch) => shown.includes(ch))).toEqual([]);
    expect(shown).toContain('handler/\\x1b]0;title\\x07\\u202ex.py exists');
    expect(shown).toContain('fix: add \\x1b]0;title\\x07\\u202e');
    expect(shown).toContain('glob \\x1b]0;title\\x07\\u202e matched no file');
    expect(shown).toContain('src/bin\\x1b]0;title\\x07\\u202e.bin (binary)');
    expect(JSON.parse(formatLint(odd, 'json')).findings[0]).toMatchObject({
      file: 'src/a\nb.py',
      match: 'x\u001b[2J\ty',
    });
    // GitHub annotations: a file name is a property of the command, written out too.
    const gh = formatLint({ ...named, findings: [{ ...f, file: `e${esc}x.txt` }] }, 'github');
    expect(['\u0007', '\u001b', '\u202e'].filter((ch) => gh.includes(ch))).toEqual([]);
    expect(gh).toContain('file=e\\x1b]0;title\\x07\\u202ex.txt');
  });

  it('GitHub: a finding over several lines has no column, which the runner refuses beside endLine', () => {
    const f = report.findings.find((x) => x.file === 'src/a.py' && x.rule === 'L1') as (typeof report.findings)[number];
    const gh = formatLint({ ...report, findings: [{ ...f, line: 3, col: 5, end_line: 7, end_col: 2 }] }, 'github');
    const line = gh.split('\n').find((l) => l.startsWith('::error file=src/a.py')) ?? '';
    expect(line).toMatch(/^::error file=src\/a\.py,line=3,endLine=7,title=demo L1::/);
  });

  it('stylish: a file name or matched text cannot pass for a workflow command in a GitHub Actions log', () => {
    const f = report.findings[0] as (typeof report.findings)[number];
    const planted = {
      ...report,
      findings: [
        { ...f, file: '::add-mask::src/x.py', match: 'TODO ##[stop-commands]pause' },
        { ...f, file: '  ::error::y.py', match: '###[error]fake' },
      ],
    };
    const out = formatLint(planted, 'stylish');
    // The runner's two forms (actions/runner ActionCommand.cs): `::` where a line starts past
    // its spaces, `##[` anywhere in it.
    const commands = out.split('\n').filter((l) => l.trimStart().startsWith('::') || l.includes('##['));
    expect(commands).toEqual([]);
    expect(out).toMatch(/^\\x3a:add-mask::src\/x\.py$/m);
    expect(out).toMatch(/^ {2}\\x3a:error::y\.py$/m);
    expect(out).toContain('found: TODO ##\\x5bstop-commands]pause\n');
    expect(out).toContain('found: ###\\x5berror]fake\n');
    // In GitHub's own format the line is that command and nothing else: the name is kept.
    expect(formatLint(planted, 'github')).toContain('::error file=%3A%3Aadd-mask%3A%3Asrc/x.py,');
  });

  it('JSON, SARIF and JUnit: the same text, with no workflow command for a CI log printing them', () => {
    const f = report.findings[0] as (typeof report.findings)[number];
    const planted = {
      ...report,
      findings: [
        { ...f, file: 'src/##[add-mask]x.py', match: 'TODO ##[stop-commands]pause' },
        { ...f, message: 'two lines:\n::error::fake\n  ::warning::fake too' },
      ],
    } as LintReport;
    const commands = (out: string) =>
      out.split('\n').filter((l) => l.trimStart().startsWith('::') || l.includes('##['));
    const json = formatLint(planted, 'json');
    expect(commands(json)).toEqual([]);
    expect((JSON.parse(json) as LintReport).findings).toEqual(planted.findings);
    const sarif = formatLint(planted, 'sarif');
    expect(commands(sarif)).toEqual([]);
    expect(sarif).toContain('TODO ##\\u005bstop-commands]pause');
    expect(JSON.stringify(JSON.parse(sarif))).toContain('TODO ##[stop-commands]pause');
    const junit = formatLint(planted, 'junit');
    expect(commands(junit)).toEqual([]);
    // Character references: an XML reader gets the text back as it was.
    const xml = new XMLParser({ ignoreAttributes: false, htmlEntities: true }).parse(junit);
    expect(JSON.stringify(xml)).toContain('TODO ##[stop-commands]pause');
    // A message's line breaks are written out, as stylish writes them, so the finding stays one line.
    expect(JSON.stringify(xml)).toContain('two lines:\\\\n::error::fake\\\\n  ::warning::fake too');
  });

  it('JSON is deterministic and carries every finding with file, line, column and match', () => {
    const a = formatLint(report, 'json');
    expect(formatLint(structuredClone(report), 'json')).toBe(a);
    const parsed = JSON.parse(a) as LintReport;
    expect(Object.keys(parsed)).toEqual(['rfc', 'as_of', 'scope', 'verdict', 'files', 'rules', 'findings']);
    expect(parsed.findings.find((f) => f.file === 'src/a.py' && f.rule === 'L1')).toMatchObject({
      line: 1,
      col: 6,
      match: 'measurement.lease_plane.request',
    });
    expect(LINT_FORMATS).toEqual(['stylish', 'json', 'sarif', 'github', 'junit']);
  });

  it("the command's lazy loader knows the same formats and gives the same text", async () => {
    expect([...LINT_FORMAT_NAMES]).toEqual(LINT_FORMATS);
    for (const name of LINT_FORMAT_NAMES) {
      expect((await lintFormatter(name))(report, { color: false })).toBe(formatLint(report, name));
    }
  });
});

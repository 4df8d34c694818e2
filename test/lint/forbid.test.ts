import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Log } from 'sarif';
import { formatLint } from '../../src/formatters/lint/index.js';
import { formatStylish } from '../../src/formatters/lint/stylish.js';
import { lintExitCode } from '../../src/lint/report.js';
import { removeFixtures } from '../helpers/git-fixture.js';
import type { ReadResult, Snapshot } from '../../src/lint/scopes.js';
import { AS_OF, forbidRule, L1, lint, lintRepo, where } from './helpers.js';
import { requireRg } from './rg.js';

afterAll(removeFixtures);

const APP = [
  '# emits measurement.lease_plane.request (prose: not a finding)',
  'import x',
  'def f():',
  '    emit("measurement.lease_plane.request", 1)',
  "    other('coordination_failure.beam_python_boundary.timeout')",
  '',
].join('\n');

describe('forbid', () => {
  it('finds quoted literals in code at line and column, not the same name in a comment', async () => {
    const repo = lintRepo({
      rules: [L1],
      files: {
        'src/app.py': APP,
        'src/audit/event_types.py': 'LEASE = "measurement.lease_plane.request"\n',
        'tests/test_app.py': 'assert x == "measurement.lease_plane.request"\n',
        'docs/notes.md': '"measurement.lease_plane.request" in prose\n',
      },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual(['src/app.py:4:11 L1', 'src/app.py:5:12 L1']);
    expect(r.findings.map((f) => f.match)).toEqual([
      'measurement.lease_plane.request',
      'coordination_failure.beam_python_boundary.timeout',
    ]);
    expect(r.findings[0]?.end_col).toBe(11 + 'measurement.lease_plane.request'.length);
    expect(r.verdict).toBe('fail');
    expect(lintExitCode(r)).toBe(1);
    const rule = r.rules.find((x) => x.id === 'L1');
    expect(rule?.files_checked).toBe(1); // app.py only: the allowed module and tests are out
  });

  it('a literal without a trailing * is that name only, not the start or end of a longer one', async () => {
    const code = [
      'A = "coordination_failure.ets_pg_divergence"',
      'B = "coordination_failure.ets_pg_divergence_resolved"',
      'C = "coordination_failure.ets_pg_divergence.v2"',
      'D = "x.coordination_failure.ets_pg_divergence"',
      'E = "coordination_failure.beam_python_boundary.timeout"',
      '',
    ].join('\n');
    const prose =
      'Raised as coordination_failure.ets_pg_divergence. Not as my_coordination_failure.ets_pg_divergence.\n';
    const repo = lintRepo({
      rules: [
        forbidRule('Q', {
          literals: ['coordination_failure.ets_pg_divergence', 'coordination_failure.beam_python_boundary.*'],
          quoted: true,
          include: ['src/**'],
        }),
        forbidRule('P', { literals: ['coordination_failure.ets_pg_divergence'], include: ['docs/**'] }),
      ],
      files: { 'src/app.py': code, 'docs/a.md': prose },
    });
    const r = await lint(repo);
    // A sentence's full stop ends the name; an underscore or a dotted part continues it.
    expect(where(r)).toEqual(['docs/a.md:1:11 P', 'src/app.py:1:6 Q', 'src/app.py:5:6 Q']);
    // ripgrep's screening reads the same names.
    expect(where(await lint(repo, { kind: 'tree' }, AS_OF, { rg: { bin: requireRg() } }))).toEqual(where(r));
  });

  it('a literal with a trailing * starts a name too, and a full stop after it is no part of it', async () => {
    const prose = [
      'Call legacy_api.fetch here.',
      'Not my_legacy_api.fetch, pkg.legacy_api.fetch or old-legacy_api.fetch.',
      'Then legacy_api.v2.fetch_all and legacy_api.* in a list.',
      '',
    ].join('\n');
    const repo = lintRepo({
      rules: [forbidRule('P', { literals: ['legacy_api.*'], include: ['docs/**'] })],
      files: { 'docs/a.md': prose },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual(['docs/a.md:1:6 P', 'docs/a.md:3:6 P', 'docs/a.md:3:34 P']);
    expect(r.findings.map((f) => f.match)).toEqual(['legacy_api.fetch', 'legacy_api.v2.fetch_all', 'legacy_api.*']);
    expect(r.findings[0]?.end_col).toBe(6 + 'legacy_api.fetch'.length);
    // ripgrep's screening reads the same names.
    expect(where(await lint(repo, { kind: 'tree' }, AS_OF, { rg: { bin: requireRg() } }))).toEqual(where(r));
  });

  it('a trailing * apart from a name is the text it says: SELECT * is not every SELECT', async () => {
    const sql = [
      'SELECT id, name FROM users;',
      'select * from t;',
      'SELECT count(*) FROM t;',
      'SELECT *, id FROM u;',
      '',
    ];
    const repo = lintRepo({
      rules: [forbidRule('S', { literals: ['SELECT *', 'count(*)'], ignore_case: true, include: ['db/**'] })],
      files: { 'db/q.sql': sql.join('\n') },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual(['db/q.sql:2:1 S', 'db/q.sql:3:8 S', 'db/q.sql:4:1 S']);
    expect(r.findings.map((f) => f.match)).toEqual(['select *', 'count(*)', 'SELECT *']);
    // ripgrep's screening reads the same text.
    expect(where(await lint(repo, { kind: 'tree' }, AS_OF, { rg: { bin: requireRg() } }))).toEqual(where(r));
  });

  it('quoted: a docstring (Python, Elixir @doc) that starts with the name is prose; a triple-quoted value in code is not', async () => {
    const code = [
      '"""measurement.lease_plane.request rows are written here."""',
      'def f():',
      "    r'''coordination_failure.beam_python_boundary.timeout is raised on a timeout.'''",
      '    """',
      '    measurement.lease_plane.request, once per call.',
      '    """',
      '    x = """measurement.lease_plane.request"""',
      '    return x, "measurement.lease_plane.request"',
      '',
    ].join('\n');
    const ex = [
      'defmodule Emit do',
      '  @moduledoc "measurement.lease_plane.request rows, one per call."',
      '  @doc "coordination_failure.beam_python_boundary.timeout on a timeout."',
      '  def f, do: emit("measurement.lease_plane.request")',
      'end',
      '',
    ].join('\n');
    for (const quoted of [true, '"\'']) {
      const rule = { ...L1, forbid: { ...L1.forbid, quoted, include: ['src/**'] } };
      const r = await lint(lintRepo({ rules: [rule], files: { 'src/emit.py': code, 'src/emit.ex': ex } }));
      expect(where(r), String(quoted)).toEqual(['src/emit.ex:4:20 L1', 'src/emit.py:7:12 L1', 'src/emit.py:8:16 L1']);
    }
  });

  it('a message, fix or reason written as a YAML block (> or |) is shown without its final line break', async () => {
    const rule = {
      ...forbidRule('B', { pattern: 'BAD', include: ['src/**'] }),
      title: 'no BAD\n',
      message: 'first line\nsecond line\n',
      fix: 'folded text\n',
      allow: [{ path: 'src/old.py', reason: 'legacy\n', expires: '2026-01-01' }],
    };
    const repo = lintRepo({ rules: [rule], files: { 'src/a.py': 'BAD\n' } });
    expect(readFileSync(join(repo.dir, 'gates/demo/lints.yaml'), 'utf8')).toMatch(/message: \|\n/);
    const r = await lint(repo);
    expect(r.findings.map((f) => [f.message, f.fix])).toEqual([
      [
        expect.stringMatching(/^the waiver of 'B' for src\/old\.py expired on 2026-01-01 \(legacy\), so/),
        expect.any(String),
      ],
      ['first line\nsecond line', 'folded text'],
    ]);
    expect(r.rules[0]?.title).toBe('no BAD');
    expect(formatLint(r, 'stylish')).toContain('first line\\nsecond line  B\n');
    expect(formatLint(r, 'stylish')).toContain('fix: folded text\n');
    expect(formatLint(r, 'github')).toContain('::first line%0Asecond line: BAD%0Afix: folded text\n');
  });

  it('without quoted, a name in a comment is a finding too; a pattern rule works the same', async () => {
    const repo = lintRepo({
      rules: [
        { ...L1, forbid: { ...L1.forbid, quoted: false } },
        {
          id: 'no-print',
          title: 'no print',
          severity: 'warn',
          message: 'print call',
          fix: 'use the logger',
          forbid: { pattern: '\\bprint\\(', include: ['src/'] },
        },
      ],
      files: { 'src/app.py': `${APP}print("hi")\n` },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual([
      'src/app.py:1:9 L1',
      'src/app.py:4:11 L1',
      'src/app.py:5:12 L1',
      'src/app.py:6:1 no-print',
    ]);
    expect(r.findings.find((f) => f.rule === 'no-print')?.severity).toBe('warn');
  });

  it('quoted names the quote characters: true takes the backtick (a JS template), a string only its own', async () => {
    const code =
      'a = `measurement.lease_plane.x`\nb = "measurement.lease_plane.y"\nc = ~w(measurement.lease_plane.z)\n';
    const rule = (quoted: boolean | string) => ({ ...L1, forbid: { ...L1.forbid, quoted, include: ['src/**'] } });
    const all = await lint(lintRepo({ rules: [rule(true)], files: { 'src/a.ex': code } }));
    expect(where(all)).toEqual(['src/a.ex:1:6 L1', 'src/a.ex:2:6 L1', 'src/a.ex:3:8 L1']);
    const plain = await lint(lintRepo({ rules: [rule('"\'')], files: { 'src/a.ex': code } }));
    expect(where(plain)).toEqual(['src/a.ex:2:6 L1', 'src/a.ex:3:8 L1']);
    expect(plain.findings.map((f) => f.match)).toEqual(['measurement.lease_plane.y', 'measurement.lease_plane.z']);
  });

  it('every word of an Elixir word list is a string; prose words after a space are not', async () => {
    const code = [
      'a = ~w(measurement.lease_plane.a measurement.lease_plane.b)a',
      'b = ~W[x\n  measurement.lease_plane.c]',
      'c = ~w|one| <> " measurement.lease_plane.not_in_a_string"',
      '# see measurement.lease_plane.d in the docs',
      '',
    ].join('\n');
    const rule = { ...L1, forbid: { ...L1.forbid, quoted: '"\'', include: ['src/**'] } };
    const r = await lint(lintRepo({ rules: [rule], files: { 'src/a.ex': code } }));
    expect(where(r)).toEqual(['src/a.ex:1:8 L1', 'src/a.ex:1:34 L1', 'src/a.ex:3:3 L1']);
    expect(r.findings.map((f) => f.match)).toEqual([
      'measurement.lease_plane.a',
      'measurement.lease_plane.b',
      'measurement.lease_plane.c',
    ]);
  });

  it('rules with backreferences or alike-named groups each find their own matches side by side', async () => {
    const rule = (id: string, pattern: string) => forbidRule(id, { pattern, include: ['src/**'] });
    const r = await lint(
      lintRepo({
        rules: [
          rule('A', '(x)-\\1'),
          rule('B', '(["\'])secret\\1'),
          rule('C', '(?<q>["\'])token\\k<q>'),
          rule('D', '(?<q>["\'])key\\k<q>'),
        ],
        files: { 'src/a.py': 'a = "secret"\nb = \'token\'\nc = "key"\nd = x-x\n' },
      }),
    );
    expect(where(r)).toEqual(['src/a.py:1:5 B', 'src/a.py:2:5 C', 'src/a.py:3:5 D', 'src/a.py:4:5 A']);
  });

  it('quoted takes a pattern with named groups and backreferences to them', async () => {
    const r = await lint(
      lintRepo({
        rules: [forbidRule('N', { pattern: '(?<k>FOO)-\\k<k>|(?<b>BAR)', include: ['src/**'], quoted: true })],
        files: { 'src/a.py': 'a = "FOO-FOO"\n# FOO-FOO BAR\nb = \'BAR\'\nc = "FOO-BAZ"\n' },
      }),
    );
    expect(r.rules[0]?.verdict).toBe('fail');
    expect(where(r)).toEqual(['src/a.py:1:6 N', 'src/a.py:3:6 N']);
    // A name written with an escape, and a numbered backreference: the match's own group.
    const escaped = await lint(
      lintRepo({
        rules: [
          forbidRule('E', { pattern: '(?<\\u0061b>FOO)-\\k<\\u0061b>', include: ['src/**'], quoted: true }),
          forbidRule('M', { pattern: '(BAR|BAZ)-\\1', include: ['src/**'], quoted: true }),
        ],
        files: { 'src/a.py': 'a = "FOO-FOO"\nb = "BAZ-BAZ"\nc = "BAR-BAZ"\n' },
      }),
    );
    expect(where(escaped)).toEqual(['src/a.py:1:6 E', 'src/a.py:2:6 M']);
    // An octal escape stays the character it names, although quoted doubles the groups.
    const octal = await lint(
      lintRepo({
        rules: [forbidRule('O', { pattern: '(a)\\2|b\\8', include: ['src/**'], quoted: true })],
        files: { 'src/a.py': 'x = "a\x02"\ny = "aa"\nz = "b8"\n' },
      }),
    );
    expect(octal.findings.map((f) => [f.line, f.match])).toEqual([
      [1, 'a\x02'],
      [3, 'b8'],
    ]);
  });

  it('an exclude that removes every file include matched halts, naming it; allow entries do not', async () => {
    const files = { 'src/app/a.py': 'x = "FOO"\n', 'src/gen/b.py': 'y = 1\n' };
    const rule = (exclude: string[], more: Record<string, unknown> = {}) =>
      forbidRule('X', { pattern: 'FOO', include: ['src/**/*.py'], ...(exclude.length ? { exclude } : {}) }, more);
    const typo = await lint(lintRepo({ rules: [rule(['src/**'])], files }));
    expect(typo.verdict).toBe('halt');
    expect(typo.rules[0]?.reason).toMatch(
      /^exclude 'src\/\*\*' removes every file include matched in the tree \(2 files, e\.g\. src\/app\/a\.py\), so nothing was checked/,
    );
    expect(lintExitCode(typo)).toBe(2);
    // Beside an include glob that matches nothing, the message says nothing was checked at all.
    const both = await lint(
      lintRepo({
        rules: [forbidRule('X', { pattern: 'FOO', include: ['src/**/*.py', 'lib/**/*.py'], exclude: ['src/**'] })],
        files,
      }),
    );
    expect(both.rules[0]?.reason).toMatch(
      /^include glob 'lib\/\*\*\/\*\.py' matched no file in the tree, and exclude 'src\/\*\*' removes every file include matched in the tree \(2 files, e\.g\. src\/app\/a\.py\), so nothing was checked; fix the glob and narrow exclude/,
    );
    const meant = await lint(lintRepo({ rules: [rule(['src/gen/**'])], files }));
    expect(where(meant)).toEqual(['src/app/a.py:1:6 X']);
    // Every file allow-listed, each with its reason: a deliberate exception, checked and clean.
    const allowed = await lint(lintRepo({ rules: [rule([], { allow: [{ path: 'src/', reason: 'legacy' }] })], files }));
    expect(allowed.verdict).toBe('pass');
  });

  it('a path with glob characters in its name (a Next.js route) is allowed, included and matched as written', async () => {
    const files = {
      'pages/[id].tsx': 'x = "FOO"\n',
      'pages/i.tsx': 'x = "FOO"\n',
      'pages/[...slug]/index.tsx': 'x = "FOO"\n',
    };
    const rule = forbidRule(
      'X',
      { pattern: 'FOO', include: ['pages/**'] },
      {
        allow: [
          { path: 'pages/[id].tsx', reason: 'the route that reads it' },
          { path: 'pages/[...slug]', reason: 'catch-all route' },
        ],
      },
    );
    const r = await lint(lintRepo({ rules: [rule], files }));
    // `[id]` is also a class (i or d): pages/i.tsx stays allowed as it was; the file named is allowed too.
    expect(where(r)).toEqual([]);
    expect(r.verdict).toBe('pass');
    // Named as include, the route file alone is checked: no dead-glob halt.
    const only = await lint(
      lintRepo({ rules: [forbidRule('X', { pattern: 'FOO', include: ['pages/[...slug]/index.tsx'] })], files }),
    );
    expect(where(only)).toEqual(['pages/[...slug]/index.tsx:1:6 X']);
  });

  it('a pattern that backtracks catastrophically still ends, with the same matches', async () => {
    // Without the linear-time fallback each of these takes longer than the test's timeout.
    const run = (s: string) => '1: ' + 'a'.repeat(40) + s + '\n';
    const r = await lint(
      lintRepo({
        rules: [
          forbidRule('R', { pattern: '(a+)+$', include: ['src/**'] }),
          // A quoted rule beside it (a lookbehind, which the linear engine cannot run) on the same files.
          forbidRule('Q', { literals: ['measurement.x'], quoted: true, include: ['src/**'] }),
        ],
        files: { 'src/a.txt': run('b') + run('') + run('b') },
      }),
    );
    expect(where(r)).toEqual(['src/a.txt:2:4 R']);
  });

  it('a rule that ignores case does not change what a case-sensitive rule beside it finds', async () => {
    // Under `i`, `[^a]` and `(?!a)` refuse `A` as well: one screen with that flag would pass xAy by.
    const r = await lint(
      lintRepo({
        rules: [
          forbidRule('A', { pattern: 'x[^a]y', include: ['src/**'] }),
          forbidRule('B', { pattern: 'q(?!a)', include: ['src/**'] }),
          forbidRule('C', { pattern: 'zzz', include: ['src/**'], ignore_case: true }),
        ],
        files: { 'src/a.txt': 'xAy\nqA\n', 'src/b.txt': 'ZZZ\n' },
      }),
    );
    expect(where(r)).toEqual(['src/a.txt:1:1 A', 'src/a.txt:2:1 B', 'src/b.txt:1:1 C']);
  });

  it('a glob that names only a submodule halts and says a submodule is not read', async () => {
    const repo = lintRepo({
      rules: [forbidRule('sub', { literals: ['SECRET'], include: ['vendor/lib/**'] })],
      files: { 'src/a.py': 'x = 1\n' },
    });
    // A gitlink, as `git submodule add` records it; lint reads no file of another repository.
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    repo.git(['update-index', '--add', '--cacheinfo', `160000,${head},vendor/lib`]);
    repo.git(['commit', '-q', '-m', 'submodule', '--no-verify']);
    const r = await lint(repo);
    expect(r.rules[0]?.verdict).toBe('halt');
    expect(r.rules[0]?.reason).toMatch(
      /'vendor\/lib\/\*\*' matched no file in the tree \(only symlinks, submodules or deleted files/,
    );
  });

  it('a file whose lines end in a lone \\r (old Mac) is found at the right lines', async () => {
    const r = await lint(
      lintRepo({
        rules: [
          forbidRule('S', { pattern: '^SECRET', include: ['src/**'] }),
          forbidRule('Z', { pattern: '^(?=.*TOKEN)', include: ['src/**'] }),
        ],
        files: { 'src/a.txt': 'x\rSECRET one TOKEN\rz\rSECRET two TOKEN TOKEN\r' },
      }),
    );
    expect(where(r)).toEqual(['src/a.txt:2:1 S', 'src/a.txt:2:1 Z', 'src/a.txt:4:1 S', 'src/a.txt:4:1 Z']);
  });

  it('a pattern that matches only by looking ahead is found, once per line', async () => {
    const rule = forbidRule('Z', { pattern: '^(?=.*password)|\\b(?=pass\\b)', include: ['src/**'] });
    const r = await lint(lintRepo({ rules: [rule], files: { 'src/a.py': 'x = 1\npassword = 1  # pass pass\n' } }));
    expect(where(r)).toEqual(['src/a.py:2:1 Z']);
    expect(lintExitCode(r)).toBe(1);
  });

  it('a match with no text of its own shows the line it was found on, in every format; a blank line shows none', async () => {
    const rules = [
      forbidRule('Z', { pattern: '^(?=.*password)', include: ['src/**'] }),
      forbidRule('B', { pattern: '^[ \\t]*$', include: ['src/**'] }),
    ];
    const r = await lint(lintRepo({ rules, files: { 'src/a.py': 'x = 1\n  password = 1  \n\ny = 2\n' } }));
    expect(r.findings.map((f) => [where({ ...r, findings: [f] })[0], f.match])).toEqual([
      ['src/a.py:2:1 Z', 'password = 1'],
      ['src/a.py:3:1 B', undefined],
    ]);
    const stylish = formatLint(r, 'stylish');
    expect(stylish).toContain('found: password = 1\n');
    expect(stylish).not.toMatch(/found: *$/m);
    const github = formatLint(r, 'github');
    expect(github).toContain('::Z found: password = 1%0Afix:');
    expect(github).not.toMatch(/: %0Afix:/);
    expect(formatLint(r, 'junit')).toContain('src/a.py:2:1 error Z found [password = 1]');
    const sarif = JSON.parse(formatLint(r, 'sarif')) as Log;
    expect(sarif.runs[0]?.results?.map((x) => x.locations?.[0]?.physicalLocation?.region?.snippet?.text)).toEqual([
      'password = 1',
      undefined,
    ]);
  });

  it('an empty match after the final line break is on no line: a blank-line rule flags only blank lines', async () => {
    const rule = forbidRule('B', { pattern: '^[ \\t]*$', include: ['src/**'] });
    const files = { 'src/a.py': 'x = 1\n\ny = 2\n', 'src/b.py': 'x = 1\ny = 2\r', 'src/c.py': 'x = 1\n  ' };
    const r = await lint(lintRepo({ rules: [rule], files }));
    expect(where(r)).toEqual(['src/a.py:2:1 B', 'src/c.py:2:1 B']);
  });

  it('between the \\r and \\n of a CRLF break is no line: a blank-line rule flags only blank lines', async () => {
    const rule = forbidRule('B', { pattern: '^[ \\t]*$', include: ['src/**'] });
    const files = { 'src/a.py': 'x = 1\r\n\r\ny = 2\r\n', 'src/b.py': 'x = 1\r\ny = 2' };
    const r = await lint(lintRepo({ rules: [rule], files }));
    expect(where(r)).toEqual(['src/a.py:2:1 B']);
  });

  it('no line starts between the \\r and \\n of a CRLF break: a ^ match is at its line, as in an LF file', async () => {
    const rule = forbidRule('D', { pattern: '^\\s*breakpoint\\(\\)', include: ['src/**'] });
    const files = {
      'src/crlf.py': 'def f():\r\n    breakpoint()\r\n    return 1\r\n',
      'src/lf.py': 'def f():\n    breakpoint()\n    return 1\n',
      // A lone \r (an old Mac file) does end a line, and a \n that a pattern names is still found there.
      'src/mac.py': 'def f():\r    breakpoint()\r',
    };
    const nl = forbidRule('N', { pattern: '\\n\\s*breakpoint', include: ['src/**'] });
    const r = await lint(lintRepo({ rules: [rule, nl], files }));
    expect(where(r)).toEqual([
      'src/crlf.py:1:10 N',
      'src/crlf.py:2:1 D',
      'src/lf.py:1:9 N',
      'src/lf.py:2:1 D',
      'src/mac.py:2:1 D',
    ]);
    expect(r.findings.filter((f) => f.rule === 'D').map((f) => f.match)).toEqual([
      '    breakpoint()',
      '    breakpoint()',
      '    breakpoint()',
    ]);
  });

  it('a file with more matches than a call takes arguments is reported, not a crash', async () => {
    // 300,000 tabs: spread into push() or Math.max(), they overflowed the stack (exit 3).
    const rule = forbidRule('T', { pattern: '\\t', include: ['data/'] }, { severity: 'warn' });
    const repo = lintRepo({ rules: [rule], files: { 'data/big.tsv': 'a\tb\tc\n'.repeat(150_000) } });
    const r = await lint(repo);
    expect(r.findings).toHaveLength(300_000);
    expect(r.findings[299_999]).toMatchObject({ file: 'data/big.tsv', line: 150_000, col: 4 });
    expect(lintExitCode(r)).toBe(0);
    expect(formatStylish(r)).toContain('300000 problems (0 errors, 300000 warnings)');
  });

  it('a tree with more skipped files than a call takes arguments is reported, not a crash', async () => {
    // 200,000 binary files: spread into push(), the skipped list overflowed the stack (exit 3).
    const rule = forbidRule('T', { pattern: 'foo', include: ['data/'] });
    const repo = lintRepo({ rules: [rule], files: { 'data/a.txt': 'x\n' } });
    const paths = Array.from({ length: 200_000 }, (_, i) => `data/${String(i).padStart(6, '0')}.bin`);
    const snapshot: Snapshot = {
      info: { kind: 'tree' },
      universe: paths,
      targets: paths,
      read: (ps) => new Map(ps.map((f): [string, ReadResult] => [f, { ok: false, reason: 'binary' }])),
    };
    const r = await lint(repo, { kind: 'tree' }, AS_OF, { snapshot });
    expect(r.files.skipped).toHaveLength(200_000);
    expect(r.files.skipped[199_999]).toEqual({ path: 'data/199999.bin', reason: 'binary' });
    expect(lintExitCode(r)).toBe(0);
  });

  it('a warning alone does not fail the run', async () => {
    const repo = lintRepo({
      rules: [{ ...L1, severity: 'warn' }],
      files: { 'src/app.py': APP },
    });
    const r = await lint(repo);
    expect(r.findings).toHaveLength(2);
    expect(r.verdict).toBe('pass');
    expect(lintExitCode(r)).toBe(0);
  });

  it('columns count characters, not bytes, in a UTF-8 file', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/app.py': 'émoji = "€"; x = "measurement.lease_plane.p99"\n' } });
    const r = await lint(repo);
    expect(where(r)).toEqual(['src/app.py:1:19 L1']);
  });

  it('a byte-order mark is not part of line 1: columns as an editor shows them, ^ matches after it', async () => {
    const IMPORT = {
      id: 'F2',
      title: 'no os at the top',
      severity: 'error',
      message: 'import os at a line start',
      fix: 'drop it',
      forbid: { pattern: '^import os', include: ['src/**'] },
    };
    const BOM = '\uFEFF';
    const repo = lintRepo({
      rules: [L1, IMPORT],
      files: {
        'src/bom.py': `${BOM}x = "measurement.lease_plane.p99"\n`,
        'src/bom_import.py': `${BOM}import os\n`,
        'src/plain_import.py': 'import os\n',
      },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual(['src/bom.py:1:6 L1', 'src/bom_import.py:1:1 F2', 'src/plain_import.py:1:1 F2']);
  });

  it('skips binary and huge files with a note, and respects .gitignore', async () => {
    const repo = lintRepo({
      rules: [L1],
      files: { 'src/app.py': 'x = 1\n', '.gitignore': 'build/\n' },
    });
    repo.write('src/blob.py', `\u0000\u0001"measurement.lease_plane.request"`);
    repo.write('src/big.py', `x = "measurement.lease_plane.request"\n${'#'.repeat(5000)}\n`);
    repo.write('build/gen.py', 'x = "measurement.lease_plane.request"\n');
    const { runLint } = await import('../../src/lint/run.js');
    const { openSnapshot } = await import('../../src/lint/scopes.js');
    const { loadRfc } = await import('../../src/spec/load.js');
    const rfc = loadRfc(repo.dir, 'demo');
    const r = await runLint({
      rfc: 'demo',
      rules: rfc.lints ?? [],
      snapshot: await openSnapshot(repo.dir, { kind: 'tree' }),
      asOf: new Date(),
      maxFileBytes: 4096,
    });
    expect(r.findings).toEqual([]);
    expect(r.files.skipped).toEqual([
      { path: 'src/big.py', reason: 'larger than 4 KiB (4.9 KiB)' },
      { path: 'src/blob.py', reason: 'binary' },
    ]);
    expect(r.files.in_scope).toBeGreaterThan(0);
  });

  it('a file just over the limit is said to be so in bytes, not as two equal sizes', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/app.py': 'x = 1\n' } });
    repo.write('src/edge.py', `#${'x'.repeat(2000)}\n`);
    repo.git(['add', 'src/edge.py']);
    for (const scope of [{ kind: 'tree' }, { kind: 'staged' }] as const) {
      const r = await lint(repo, scope, AS_OF, { maxFileBytes: 2000 });
      // Rounded, both are "2.0 KiB": "larger than 2.0 KiB (2.0 KiB)" says nothing.
      expect(r.files.skipped).toEqual([{ path: 'src/edge.py', reason: 'larger than 2000 B (2002 B)' }]);
    }
  });
});

describe('waivers', () => {
  const waived = (expires: string) => ({
    ...L1,
    allow: [...L1.allow, { path: 'src/legacy/', reason: 'migrating in PR 12', expires }],
  });
  const files = { 'src/legacy/old.py': 'X = "measurement.lease_plane.request"\n' };

  it('an active waiver exempts its path, up to and including its last day', async () => {
    const repo = lintRepo({ rules: [waived('2026-06-01')], files });
    const r = await lint(repo, { kind: 'tree' }, '2026-06-01T23:59:00Z');
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('pass');
  });

  it('an expired waiver is itself an error, at its place in lints.yaml, and exempts nothing', async () => {
    const repo = lintRepo({ rules: [{ ...waived('2026-05-31'), severity: 'warn' }], files });
    const r = await lint(repo, { kind: 'tree' }, '2026-06-01T00:00:01Z');
    expect(where(r)).toEqual(['gates/demo/lints.yaml:19:7 L1', 'src/legacy/old.py:1:6 L1']);
    const expired = r.findings[0];
    expect(expired?.severity).toBe('error');
    expect(expired?.message).toMatch(/expired on 2026-05-31/);
    expect(r.findings[1]?.severity).toBe('warn');
    expect(r.verdict).toBe('fail');
  });
});

describe('idle waivers', () => {
  const waiver = (path: string, expires = '2026-12-31') => ({ path, reason: 'migrating in PR 12', expires });

  it('a waiver in force that names no file the rule applies to is a warning at its line, in every scope', async () => {
    const rule = {
      ...L1,
      allow: [...L1.allow, waiver('src/legacy/'), waiver('src/gone.py'), waiver('tests/old.py')],
    };
    const repo = lintRepo({
      rules: [rule],
      files: { 'src/legacy/old.py': 'X = "measurement.lease_plane.request"\n', 'tests/old.py': 'x = 1\n' },
    });
    for (const scope of [{ kind: 'tree' }, { kind: 'staged' }] as const) {
      const r = await lint(repo, scope);
      // src/gone.py is no file; tests/old.py is one the rule excludes anyway.
      expect(where(r)).toEqual(['gates/demo/lints.yaml:22:7 L1', 'gates/demo/lints.yaml:25:7 L1']);
      expect(r.findings.map((f) => f.severity)).toEqual(['warn', 'warn']);
      expect(r.findings[0]?.message).toBe(
        "the waiver of 'L1' for src/gone.py (until 2026-12-31: migrating in PR 12) names no file the rule applies to, so it exempts nothing",
      );
      expect(r.verdict).toBe('pass');
    }
  });

  it('an allow entry without expires may name a module still to be written; a require waiver names trigger files', async () => {
    const require = {
      id: 'R',
      title: 'profile',
      severity: 'error',
      message: 'no profile',
      fix: 'add it',
      require: { when: ['lib/'], files: ['docs/profile.md'] },
      allow: [waiver('lib/old/'), waiver('lib/gone/')],
    };
    const repo = lintRepo({
      rules: [L1, require],
      files: { 'src/app.py': 'x = 1\n', 'lib/old/a.ex': 'a\n' },
    });
    const r = await lint(repo);
    // L1's allow entry names src/audit/event_types.py, which this tree lacks: no warning.
    expect(r.findings.map((f) => `${f.rule} ${f.severity} ${f.message}`)).toEqual([
      "R warn the waiver of 'R' for lib/gone/ (until 2026-12-31: migrating in PR 12) names no file the rule applies to, so it exempts nothing",
    ]);
  });
});

describe('zero files', () => {
  it('a dead include glob is named at its line in lints.yaml, where it is fixed', async () => {
    const repo = lintRepo({
      rules: [{ ...L1, forbid: { ...L1.forbid, include: ['**/*.py', 'lib/**/*.pyx', 'vendor/**'] } }],
      files: { 'src/app.py': 'x = 1\n' },
    });
    const r = await lint(repo);
    const at = (glob: string) => {
      const lines = readFileSync(join(repo.dir, 'gates/demo/lints.yaml'), 'utf8').split('\n');
      const i = lines.findIndex((l) => l.includes(`- ${glob}`));
      return `gates/demo/lints.yaml:${i + 1}:${(lines[i] ?? '').indexOf(glob) + 1}`;
    };
    expect(r.rules[0]?.reason).toContain(`fix the globs at ${at('lib/**/*.pyx')}, ${at('vendor/**')} (or,`);
  });

  it('an include glob that matches no file halts the rule and names the glob', async () => {
    const repo = lintRepo({
      rules: [{ ...L1, forbid: { ...L1.forbid, include: ['**/*.py', 'lib/**/*.pyx'] } }],
      files: { 'src/app.py': 'x = 1\n' },
    });
    const r = await lint(repo);
    expect(r.verdict).toBe('halt');
    expect(lintExitCode(r)).toBe(2);
    const rule = r.rules[0];
    expect(rule?.halt_reason).toBe('missing');
    expect(rule?.reason).toMatch(/'lib\/\*\*\/\*\.pyx' matched no file in the tree/);
    expect(rule?.reason).not.toMatch(/'\*\*\/\*\.py'/);
    expect(rule?.reason).toMatch(/the rule's other globs were/);
  });

  it("a glob that matches nothing does not hide what the rule's other globs find", async () => {
    const repo = lintRepo({
      rules: [{ ...L1, forbid: { ...L1.forbid, include: ['**/*.py', '**/*.ex'] } }],
      files: { 'src/app.py': APP },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual(['src/app.py:4:11 L1', 'src/app.py:5:12 L1']);
    expect(r.verdict).toBe('fail');
    expect(lintExitCode(r)).toBe(1);
    expect(r.rules[0]).toMatchObject({ verdict: 'fail', halt_reason: 'missing' });
    expect(r.rules[0]?.reason).toMatch(/'\*\*\/\*\.ex' matched no file/);
    // Clean files under the live glob: still a halt, naming the dead glob.
    repo.commit({ files: { 'src/app.py': 'x = 1\n' }, message: 'clean', date: '2026-05-02T09:00:00Z' });
    const clean = await lint(repo);
    expect(clean.verdict).toBe('halt');
    expect(clean.files.checked).toBeGreaterThan(0);
  });

  it('may_match_nothing: a glob naming a path still to be created checks nothing there, and halts nothing', async () => {
    const future = ['elixir/handler_dispatch/**/*.ex'];
    const repo = lintRepo({
      rules: [
        { ...L1, forbid: { ...L1.forbid, include: ['**/*.py', ...future], may_match_nothing: true } },
        { ...L1, id: 'later', forbid: { ...L1.forbid, include: future, may_match_nothing: true } },
        {
          ...L1,
          id: 'helper',
          helper_only: {
            construct: 'IO\\.inspect',
            helper: 'Log.debug',
            modules: ['src/app.py'],
            include: future,
            may_match_nothing: true,
          },
        },
      ].map(({ forbid, ...r }) => (r.id === 'helper' ? r : { ...r, forbid })),
      files: { 'src/app.py': APP },
    });
    // The staged change touches the file the live glob names; the index has no elixir/ either.
    repo.write('src/app.py', `${APP}# touched\n`);
    repo.git(['add', 'src/app.py']);
    for (const scope of [{ kind: 'tree' }, { kind: 'staged' }] as const) {
      const r = await lint(repo, scope);
      expect(where(r)).toEqual(['src/app.py:4:11 L1', 'src/app.py:5:12 L1']);
      expect(r.rules.map((x) => [x.id, x.verdict, x.halt_reason ?? null])).toEqual([
        ['L1', 'fail', null],
        ['later', 'pass', null],
        ['helper', 'pass', null],
      ]);
      expect(lintExitCode(r)).toBe(1);
    }
    // Once the folder exists, the same rules check it.
    repo.git(['reset', '-q', '--hard']);
    repo.commit({
      files: { 'src/app.py': 'x = 1\n', 'elixir/handler_dispatch/a.ex': 'x = "measurement.lease_plane.request"\n' },
      message: 'dispatch',
      date: '2026-05-02T09:00:00Z',
    });
    const r = await lint(repo);
    // The helper rule too: its module never mentions the helper.
    expect(where(r)).toEqual([
      'elixir/handler_dispatch/a.ex:1:6 L1',
      'elixir/handler_dispatch/a.ex:1:6 later',
      'src/app.py:1:1 helper',
    ]);
  });

  it('a failure elsewhere still wins: fail dominates halt', async () => {
    const repo = lintRepo({
      rules: [L1, { ...L1, id: 'typo', forbid: { ...L1.forbid, include: ['**/*.pyy'] } }],
      files: { 'src/app.py': APP },
    });
    const r = await lint(repo);
    expect(r.rules.map((x) => x.verdict)).toEqual(['fail', 'halt']);
    expect(lintExitCode(r)).toBe(1);
  });
});

/** require, helper_only and order over real fixture repositories. */
import { afterAll, describe, expect, it } from 'vitest';
import { lintExitCode } from '../../src/lint/report.js';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { modeline } from '../helpers/spec-fixture.js';
import { AS_OF, lint, lintRepo, ORDER, where } from './helpers.js';

afterAll(removeFixtures);

const PROFILE = {
  id: 'profile',
  title: 'ODE profile before dispatch',
  severity: 'error',
  message: 'dispatch code without the ODE profile',
  fix: 'commit docs/profiles/ode-profile-<date>.md first',
  require: { when: ['elixir/handler_dispatch/'], files: ['docs/profiles/ode-profile-*.md'] },
};

describe('require', () => {
  it('is not triggered while nothing matches `when`', async () => {
    const repo = lintRepo({ rules: [PROFILE], files: { 'src/a.py': 'x\n' } });
    const r = await lint(repo);
    expect(r.verdict).toBe('pass');
    expect(r.rules[0]?.note).toMatch(/not triggered/);
  });

  it('once the trigger exists, a missing required file is a finding at the trigger', async () => {
    const repo = lintRepo({ rules: [PROFILE], files: { 'elixir/handler_dispatch/lib/d.ex': 'defmodule D do end\n' } });
    const r = await lint(repo);
    expect(where(r)).toEqual(['elixir/handler_dispatch/lib/d.ex:1:1 profile']);
    expect(r.findings[0]?.message).toMatch(/nothing matches docs\/profiles\/ode-profile-\*\.md/);
    expect(lintExitCode(r)).toBe(1);
    repo.commit({
      files: { 'docs/profiles/ode-profile-2026-05-02.md': '# ODE\n' },
      message: 'p',
      date: '2026-05-02T00:00:00Z',
    });
    expect((await lint(repo)).verdict).toBe('pass');
  });

  it('a required file on disk but ignored by git, or not staged, is named with the reason', async () => {
    const runbook = {
      ...PROFILE,
      require: { when: ['elixir/handler_dispatch/'], files: ['docs/runbook.md', 'docs/profiles/*.md'] },
    };
    const repo = lintRepo({
      rules: [runbook],
      files: { 'elixir/handler_dispatch/lib/d.ex': 'x\n', '.gitignore': 'build/\ndocs/runbook.*\n' },
    });
    repo.write('docs/runbook.md', '# Runbook\n');
    const messages = async (scope?: Parameters<typeof lint>[1]) =>
      (await lint(repo, scope)).findings.map((f) => f.message);
    expect(await messages()).toEqual([
      'dispatch code without the ODE profile: elixir/handler_dispatch/lib/d.ex exists, but nothing matches docs/runbook.md (docs/runbook.md is in the working tree, but git ignores it (.gitignore:2: docs/runbook.*): stop ignoring it and commit it)',
      // A glob is not looked for on disk.
      'dispatch code without the ODE profile: elixir/handler_dispatch/lib/d.ex exists, but nothing matches docs/profiles/*.md',
    ]);
    // Not ignored, but only in the working tree: the commit will not have it.
    repo.write('.gitignore', 'build/\n');
    repo.write('docs/profiles/p.md', '# P\n');
    repo.git(['add', '.gitignore', 'elixir']);
    expect(await messages({ kind: 'staged' })).toEqual([
      'dispatch code without the ODE profile: elixir/handler_dispatch/lib/d.ex exists, but nothing matches docs/runbook.md (docs/runbook.md is in the working tree but not staged: git add it)',
      'dispatch code without the ODE profile: elixir/handler_dispatch/lib/d.ex exists, but nothing matches docs/profiles/*.md',
    ]);
    expect(await messages()).toEqual([]);
    repo.git(['add', 'docs']);
    expect(await messages({ kind: 'staged' })).toEqual([]);
    // --commit (a push) judges the commit, which lacks it though the working tree has it.
    const head = repo.git(['rev-parse', 'HEAD']).trim();
    expect(await messages({ kind: 'commit', rev: 'HEAD' })).toEqual([
      `dispatch code without the ODE profile: elixir/handler_dispatch/lib/d.ex exists, but nothing matches docs/runbook.md (docs/runbook.md is in the working tree but not in commit ${head.slice(0, 12)}: commit it)`,
      'dispatch code without the ODE profile: elixir/handler_dispatch/lib/d.ex exists, but nothing matches docs/profiles/*.md',
    ]);
  });

  it('with a pattern, one required file must contain it', async () => {
    const rule = { ...PROFILE, require: { ...PROFILE.require, pattern: '^## Result' } };
    const repo = lintRepo({
      rules: [rule],
      files: {
        'elixir/handler_dispatch/lib/d.ex': 'x\n',
        'docs/profiles/ode-profile-2026-05-02.md': '# ODE\n## Method\n',
      },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual(['docs/profiles/ode-profile-2026-05-02.md:1:1 profile']);
    expect(r.findings[0]?.message).toMatch(/does not contain/);
  });

  it('a pattern is found the same in a CRLF file as in an LF one: no line starts between \\r and \\n', async () => {
    // An indented checklist item is required; the files hold one at the line's start only.
    const rule = { ...PROFILE, require: { ...PROFILE.require, pattern: '^\\s+- \\[x\\] reviewed' } };
    for (const nl of ['\n', '\r\n']) {
      const profile = ['# ODE', '- [x] reviewed', ''].join(nl);
      const repo = lintRepo({
        rules: [rule],
        files: { 'elixir/handler_dispatch/lib/d.ex': 'x\n', 'docs/profiles/ode-profile-2026-05-02.md': profile },
      });
      const r = await lint(repo);
      expect(where(r), JSON.stringify(nl)).toEqual(['docs/profiles/ode-profile-2026-05-02.md:1:1 profile']);
    }
    const indented = lintRepo({
      rules: [rule],
      files: {
        'elixir/handler_dispatch/lib/d.ex': 'x\n',
        'docs/profiles/ode-profile-2026-05-02.md': '# ODE\r\n  - [x] reviewed\r\n',
      },
    });
    expect(where(await lint(indented))).toEqual([]);
  });

  it('halts, with no finding, when a required file that was not read may hold the pattern', async () => {
    const rule = { ...PROFILE, require: { ...PROFILE.require, pattern: '^## Result' } };
    const repo = lintRepo({
      rules: [rule],
      files: {
        'elixir/handler_dispatch/lib/d.ex': 'x\n',
        'docs/profiles/ode-profile-2026-05-02.md': `## Result\n${'a'.repeat(100)}\n`,
      },
    });
    expect((await lint(repo)).verdict).toBe('pass');
    const r = await lint(repo, { kind: 'tree' }, AS_OF, { maxFileBytes: 50 });
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('halt');
    expect(r.rules[0]?.halt_reason).toBe('missing');
    expect(r.rules[0]?.reason).toMatch(/not read \(docs\/profiles\/ode-profile-2026-05-02\.md: larger than 50 B/);
    expect(lintExitCode(r)).toBe(2);
  });
});

const L2 = {
  id: 'L2',
  title: 'Payloads only through the helper',
  severity: 'error',
  message: 'a boundary payload built by hand',
  fix: 'call make_boundary_payload',
  helper_only: {
    helper: 'make_boundary_payload',
    modules: ['src/audit/boundary_payload.py'],
    construct: '[{,]\\s*[\'"]error_class[\'"]\\s*:|\\bdict\\([^)]*\\berror_class\\s*=',
    include: ['**/*.py'],
    exclude: ['tests/**'],
  },
};

describe('helper_only', () => {
  it('a helper named with a ! or ? (Elixir) is found in its module', async () => {
    const rule = (helper: string) => ({
      ...L2,
      id: `H-${helper.replace(/\W/g, '')}`,
      helper_only: { ...L2.helper_only, helper, modules: ['lib/payload.ex'], include: ['**/*.ex'] },
    });
    const repo = lintRepo({
      rules: [rule('build!'), rule('valid?'), rule('missing!')],
      files: {
        'lib/payload.ex': 'defmodule Payload do\n  def build!(attrs), do: attrs\n  def valid?(x), do: x\nend\n',
        'lib/user.ex': 'x = Payload.build!(%{a: 1})\n',
      },
    });
    const r = await lint(repo);
    // Only the helper the module never defines is a finding; not inside a longer name either.
    expect(where(r)).toEqual(['lib/payload.ex:1:1 H-missing']);
  });

  it('flags the construction outside the helper module, not inside it', async () => {
    const repo = lintRepo({
      rules: [L2],
      files: {
        'src/audit/boundary_payload.py':
          'def make_boundary_payload(error_class, **kw):\n    return {"error_class": error_class, **kw}\n',
        'src/comparator.py': 'write_event({"table": t, "error_class": "shadow_divergence"})\n',
        'src/other.py': 'p = dict(table=t,\n  error_class="x")\n',
        'src/ok.py': 'write_event(make_boundary_payload("shadow_divergence", table=t))\n',
        'tests/test_payload.py': 'assert p == {"error_class": "x"}\n',
      },
    });
    const r = await lint(repo);
    expect(where(r)).toEqual(['src/comparator.py:1:24 L2', 'src/other.py:1:5 L2']);
    expect(r.findings[0]?.message).toMatch(/make_boundary_payload from src\/audit\/boundary_payload\.py/);
    expect(r.findings[1]?.end_line).toBe(2);
  });

  it('a helper module that never defines the helper is declared-but-not-done', async () => {
    const repo = lintRepo({ rules: [L2], files: { 'src/audit/boundary_payload.py': 'def build(x):\n    pass\n' } });
    const r = await lint(repo);
    expect(where(r)).toEqual(['src/audit/boundary_payload.py:1:1 L2']);
    expect(r.findings[0]?.message).toMatch(/never mentions make_boundary_payload/);
  });

  it('a modules glob that names no file halts the rule, naming it; the other files are still checked', async () => {
    const typo = { ...L2, helper_only: { ...L2.helper_only, modules: ['src/audit/boundry_payload.py'] } };
    const clean = await lint(lintRepo({ rules: [typo], files: { 'src/ok.py': 'x = 1\n' } }));
    expect(clean.rules[0]?.verdict).toBe('halt');
    expect(clean.rules[0]?.reason).toMatch(
      /^modules glob 'src\/audit\/boundry_payload\.py' matched no file in the tree, so the helper module .* not checked for make_boundary_payload; fix the glob/,
    );
    expect(lintExitCode(clean)).toBe(2);
    const found = await lint(
      lintRepo({ rules: [typo], files: { 'src/comparator.py': 'write_event({"table": t, "error_class": "x"})\n' } }),
    );
    expect(where(found)).toEqual(['src/comparator.py:1:24 L2']);
    expect(lintExitCode(found)).toBe(1);
  });

  it('an allow entry for the helper module waives that finding too, until it expires', async () => {
    const files = { 'src/audit/boundary_payload.py': 'def build(x):\n    pass\n' };
    const allow = (expires: string) => [{ path: 'src/audit/boundary_payload.py', reason: 'being rewritten', expires }];
    const waived = await lint(lintRepo({ rules: [{ ...L2, allow: allow('2026-06-30') }], files }));
    expect(where(waived)).toEqual([]);
    expect(waived.verdict).toBe('pass');
    const expired = await lint(lintRepo({ rules: [{ ...L2, allow: allow('2026-05-31') }], files }));
    expect(expired.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/waiver of 'L2' for src\/audit\/boundary_payload\.py expired/),
      expect.stringMatching(/never mentions make_boundary_payload/),
    ]);
  });
});

const MEASUREMENTS = [{ id: 'guard', git: { query: 'prereqs_before', path: 'elixir/handler_dispatch/' } }];
const PREREQS = [
  { id: 'pr1', title: 'Profile', deliverables: ['docs/profiles/ode-profile-*.md'] },
  { id: 'pr3', title: 'Helpers', deliverables: ['src/audit/boundary_payload.py'] },
];

/** The spec's first commit, pr1, then dispatch work and its revert a day apart. */
const guarded = () => {
  const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
  repo.commit({ files: { 'docs/profiles/ode-profile-1.md': 'p\n' }, message: 'pr1', date: '2026-05-02T00:00:00Z' });
  const early = [
    repo.commit({
      files: { 'elixir/handler_dispatch/d.ex': 'd\n' },
      message: 'early',
      date: '2026-05-03T00:00:00Z',
    }),
    repo.commit({
      files: { 'elixir/handler_dispatch/d.ex': null },
      message: 'revert',
      date: '2026-05-04T00:00:00Z',
    }),
  ];
  return { repo, early };
};

// The waivers are written after the history, as a team would, in the working tree's
// lints.yaml: the early commit and its revert, which touches the path too.
const allow = (repo: FixtureRepo, commits: string[], expires?: string) =>
  repo.write(
    'gates/demo/lints.yaml',
    modeline('lints.yaml') +
      stringify([
        {
          ...ORDER,
          allow: commits.map((c) => ({
            commit: c.slice(0, 10),
            reason: 'reverted',
            ...(expires ? { expires } : {}),
          })),
        },
      ]),
  );

describe('order', () => {
  it('reads the ordering guard from history: a dispatch commit before a prereq landed is a finding', async () => {
    const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
    repo.commit({ files: { 'docs/profiles/ode-profile-1.md': 'p\n' }, message: 'pr1', date: '2026-05-02T00:00:00Z' });
    repo.commit({ files: { 'elixir/handler_dispatch/d.ex': 'd\n' }, message: 'early', date: '2026-05-03T00:00:00Z' });
    repo.commit({ files: { 'src/audit/boundary_payload.py': 'h\n' }, message: 'pr3', date: '2026-05-04T00:00:00Z' });
    const r = await lint(repo);
    expect(where(r)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(r.findings[0]?.message).toMatch(/touched elixir\/handler_dispatch\/ before prereq pr3 had landed/);
    expect(r.verdict).toBe('fail');
  });

  it('holds when every prereq landed first', async () => {
    const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
    repo.commit({ files: { 'docs/profiles/ode-profile-1.md': 'p\n' }, message: 'pr1', date: '2026-05-02T00:00:00Z' });
    repo.commit({ files: { 'src/audit/boundary_payload.py': 'h\n' }, message: 'pr3', date: '2026-05-03T00:00:00Z' });
    repo.commit({ files: { 'elixir/handler_dispatch/d.ex': 'd\n' }, message: 'ok', date: '2026-05-04T00:00:00Z' });
    const r = await lint(repo);
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.rules[0]?.note).toMatch(/every prereq had landed/);
  });

  it("judges each prereq in the tree just before the first dispatch commit, not in today's", async () => {
    // One commit a day from 2026-05-02: each step a file written (or, null, deleted).
    const history = (steps: [string, string | null, string][]) => {
      const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
      steps.forEach(([file, content, message], i) =>
        repo.commit({ files: { [file]: content }, message, date: `2026-05-0${i + 2}T00:00:00Z` }),
      );
      return repo;
    };
    const PR1: [string, string, string] = ['docs/profiles/ode-profile-1.md', 'p\n', 'pr1'];
    const PR3: [string, string, string] = ['src/audit/boundary_payload.py', 'h\n', 'pr3'];
    const DISPATCH: [string, string, string] = ['elixir/handler_dispatch/d.ex', 'd\n', 'dispatch'];
    // A deliverable deleted after the dispatch work (a script the lint replaced) does not undo the landing.
    const r = await lint(history([PR1, PR3, DISPATCH, ['src/audit/boundary_payload.py', null, 'rm']]));
    expect(r.findings).toEqual([]);
    expect(r.rules[0]?.note).toMatch(/every prereq had landed/);

    // A prereq reverted before the dispatch commit and landed again after it had not landed then.
    const reverted = history([PR1, PR3, ['src/audit/boundary_payload.py', null, 'revert pr3'], DISPATCH, PR3]);
    const late = await lint(reverted);
    expect(where(late)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(late.findings[0]?.message).toMatch(/touched elixir\/handler_dispatch\/ before prereq pr3 had landed/);
  });

  it('a waiver passes over a reverted early commit and judges the next one; expired, it is an error itself', async () => {
    const landPr3 = (repo: FixtureRepo) =>
      repo.commit({ files: { 'src/audit/boundary_payload.py': 'h\n' }, message: 'pr3', date: '2026-05-05T00:00:00Z' });
    const dispatch = (repo: FixtureRepo, file: string) =>
      repo.commit({ files: { [file]: 'd\n' }, message: 'dispatch', date: '2026-05-06T00:00:00Z' });

    // Without a waiver the early commit fails the guard for good: history keeps it.
    const plain = guarded();
    landPr3(plain.repo);
    dispatch(plain.repo, 'elixir/handler_dispatch/d.ex');
    expect(where(await lint(plain.repo))).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);

    allow(plain.repo, plain.early.slice(0, 1));
    expect(where(await lint(plain.repo))).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    allow(plain.repo, plain.early);
    const passed = await lint(plain.repo);
    expect(passed.findings).toEqual([]);
    expect(passed.verdict).toBe('pass');
    expect(passed.rules[0]?.note).toMatch(/every prereq had landed/);
    expect(passed.rules[0]?.note).toMatch(/; passed over the waived commits [0-9a-f]{10}, [0-9a-f]{10}$/);

    // A waiver that names no commit here waives nothing, and says so instead of failing as if unwritten.
    allow(plain.repo, ['deadbeef00']);
    const unknown = await lint(plain.repo);
    expect(unknown.verdict).toBe('halt');
    expect(unknown.rules[0]?.reason).toMatch(/the waiver for commit deadbeef00 names no commit in this clone/);

    // A branch named like the abbreviation does not redirect it: the id is an object id.
    plain.repo.git(['branch', plain.early[1]?.slice(0, 10) ?? '', 'HEAD~2']);
    allow(plain.repo, plain.early);
    const named = await lint(plain.repo);
    expect(named.findings).toEqual([]);
    expect(named.verdict).toBe('pass');

    // A side branch's commit, merged with --no-ff, is not on the first-parent history: never passed over.
    plain.repo.git(['checkout', '-q', '-b', 'side']);
    const side = plain.repo.commit({ files: { 'side.txt': 's\n' }, message: 'side', date: '2026-05-07T00:00:00Z' });
    plain.repo.checkout('main');
    plain.repo.git(['merge', '-q', '--no-ff', 'side', '-m', 'merge side']);
    allow(plain.repo, [...plain.early, side]);
    const offMainline = await lint(plain.repo);
    expect(offMainline.verdict).toBe('halt');
    expect(offMainline.rules[0]?.reason).toMatch(
      /the waived commit [0-9a-f]{10} is not on the first-parent history of 'HEAD', .*waive the merge commit that brought it in instead/,
    );

    // The next commit under the path is still judged: here it comes before pr3 too.
    const still = guarded();
    dispatch(still.repo, 'elixir/handler_dispatch/e.ex');
    landPr3(still.repo);
    allow(still.repo, still.early);
    const fails = await lint(still.repo);
    expect(where(fails)).toEqual(['elixir/handler_dispatch/e.ex:1:1 L3']);
    expect(fails.findings[0]?.message).toMatch(/before prereq pr3 had landed/);

    // Staged work under the path, the waived commits passed over: it would be the first commit there.
    const staged = guarded();
    allow(staged.repo, staged.early);
    staged.repo.write('elixir/handler_dispatch/f.ex', 'f\n');
    staged.repo.git(['add', 'elixir/handler_dispatch/f.ex']);
    const pending = await lint(staged.repo, { kind: 'staged' });
    expect(where(pending)).toEqual(['elixir/handler_dispatch/f.ex:1:1 L3']);
    expect(pending.findings[0]?.message).toMatch(
      /would be the first commit under elixir\/handler_dispatch\/, but prereq pr3/,
    );

    // Past its day the waiver no longer applies and is a finding at its place in lints.yaml.
    allow(plain.repo, plain.early, '2026-05-31');
    const expired = await lint(plain.repo);
    expect(expired.findings.map((f) => `${f.file}: ${f.message}`)).toEqual([
      expect.stringMatching(/^elixir\/handler_dispatch\/d\.ex: .*touched elixir\/handler_dispatch\/ before prereq pr3/),
      expect.stringMatching(/lints\.yaml: the waiver of 'L3' for commit [0-9a-f]{10} expired on 2026-05-31/),
      expect.stringMatching(/lints\.yaml: the waiver of 'L3' for commit [0-9a-f]{10} expired on 2026-05-31/),
    ]);
  });

  it('a waiver deep in a long history is found on it; a measurement ref not in the clone is the guard’s halt', async () => {
    const { repo, early: waived } = guarded();
    const revert = waived[1] ?? '';
    // 30,000 commits on top (more than 1 MiB of first-parent ids), written by one fast-import.
    const base = Date.parse('2026-05-05T00:00:00Z') / 1000;
    let stream = '';
    for (let i = 0; i < 30_000; i++) {
      stream += `commit refs/heads/main\ncommitter B <b@example.com> ${base + i} +0000\ndata 1\nx\n${i === 0 ? `from ${revert}\n` : ''}\n`;
    }
    // glibc's malloc hands memory back to the kernel after each commit fast-import writes and
    // asks for it again for the next (four brk calls a commit): 10 to 20 s of CPU, mostly system
    // time, against under half a second with that trimming off. The history written is the same.
    const fi = spawnSync('git', ['fast-import', '--quiet', '--date-format=raw'], {
      cwd: repo.dir,
      input: stream,
      env: { ...process.env, MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024) },
    });
    expect(fi.status).toBe(0);
    repo.git(['reset', '-q', '--hard', 'main']);
    repo.commit({ files: { 'src/audit/boundary_payload.py': 'h\n' }, message: 'pr3', date: '2026-05-30T00:00:00Z' });
    repo.commit({
      files: { 'elixir/handler_dispatch/d.ex': 'd\n' },
      message: 'dispatch',
      date: '2026-05-31T00:00:00Z',
    });
    const write = (measurements: unknown[]) => {
      allow(repo, waived);
      repo.write('gates/demo/measurements.yaml', modeline('measurements.yaml') + stringify(measurements));
    };
    write(MEASUREMENTS);
    const r = await lint(repo);
    expect(r.rules[0]?.reason).toBeUndefined();
    expect(r.verdict).toBe('pass');
    write([{ id: 'guard', git: { query: 'prereqs_before', path: 'elixir/handler_dispatch/', ref: 'origin/main' } }]);
    const missing = await lint(repo);
    expect(missing.verdict).toBe('halt');
    expect(missing.rules[0]?.reason).not.toMatch(/waive/);
    expect(missing.rules[0]?.reason).toMatch(/origin\/main/);
  });

  it('--staged judges the change on the ref the measurement names, as it reads history', async () => {
    const measurements = [
      { id: 'guard', git: { query: 'prereqs_before', path: 'elixir/handler_dispatch/', ref: 'main' } },
    ];
    const repo = lintRepo({ rules: [ORDER], measurements, prereqs: PREREQS });
    // The prereqs land on a feature branch only; main has none of them.
    repo.git(['checkout', '-q', '-b', 'feat']);
    repo.commit({ files: { 'docs/profiles/ode-profile-1.md': 'p\n' }, message: 'pr1', date: '2026-05-02T00:00:00Z' });
    repo.commit({ files: { 'src/audit/boundary_payload.py': 'h\n' }, message: 'pr3', date: '2026-05-03T00:00:00Z' });
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    const r = await lint(repo, { kind: 'staged' });
    expect(where(r)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(r.findings[0]?.message).toMatch(/prereqs pr1, pr3 have not landed on main/);
  });

  it('--staged: the first dispatch file, staged before the prereqs landed, is caught before the commit', async () => {
    const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
    repo.commit({ files: { 'docs/profiles/ode-profile-1.md': 'p\n' }, message: 'pr1', date: '2026-05-02T00:00:00Z' });
    repo.write('src/unrelated.py', 'x\n');
    repo.git(['add', 'src/unrelated.py']);
    const quiet = await lint(repo, { kind: 'staged' });
    expect(quiet.findings).toEqual([]);
    expect(quiet.rules[0]?.note).toMatch(/does not touch elixir\/handler_dispatch\//);
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    const r = await lint(repo, { kind: 'staged' });
    expect(where(r)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(r.findings[0]?.message).toMatch(
      /first commit under elixir\/handler_dispatch\/, but prereq pr3 has not landed/,
    );
  });

  it('--staged on a branch with no commit yet: dispatch work in its first commit fails the guard, not a halt', async () => {
    // An orphan branch of a repository that has history elsewhere: nothing has landed on it.
    const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
    repo.commit({ files: { 'docs/profiles/ode-profile-1.md': 'p\n' }, message: 'pr1', date: '2026-05-02T00:00:00Z' });
    repo.git(['checkout', '-q', '--orphan', 'fresh']);
    const quiet = await lint(repo, { kind: 'staged' });
    expect(quiet.verdict).toBe('pass');
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    const orphan = await lint(repo, { kind: 'staged' });
    expect(orphan.rules[0]?.reason).not.toMatch(/does not exist|fetch/);
    expect(where(orphan)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(orphan.findings[0]?.message).toMatch(
      /first commit under elixir\/handler_dispatch\/, but prereqs pr1, pr3 have not landed on HEAD/,
    );
    expect(lintExitCode(orphan)).toBe(1);

    // The whole tree is judged on the branch's history, which holds nothing yet: the guard holds.
    const tree = await lint(repo);
    expect(tree.rules[0]?.verdict).toBe('pass');
    expect(tree.rules[0]?.note).toBe('HEAD has no commit yet, so nothing has landed on it');
    expect(lintExitCode(tree)).toBe(0);

    // A new repository, its first commit being made: the same.
    repo.git(['update-ref', '-d', 'refs/heads/main']);
    expect(spawnSync('git', ['rev-list', '-n', '1', '--all'], { cwd: repo.dir, encoding: 'utf8' }).stdout).toBe('');
    const first = await lint(repo, { kind: 'staged' });
    expect(first.rules[0]?.reason).not.toMatch(/no commits yet/);
    expect(where(first)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(lintExitCode(first)).toBe(1);
  });

  it('a change the command knows not to touch the guarded path still reports an expired waiver of the rule', async () => {
    const rule = {
      ...ORDER,
      allow: [{ commit: '0123456789abcdef', reason: 'reverted early work', expires: '2026-05-31' }],
    };
    const repo = lintRepo({ rules: [rule], measurements: MEASUREMENTS, prereqs: PREREQS });
    repo.write('src/unrelated.py', 'x\n');
    repo.git(['add', 'src/unrelated.py']);
    // What the lint command passes when measurements.yaml shows the change does not touch the path.
    const skipOrder = new Map([['L3', 'the change does not touch elixir/handler_dispatch/']]);
    const r = await lint(repo, { kind: 'staged' }, AS_OF, { skipOrder });
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([
      expect.stringMatching(
        /^gates\/demo\/lints\.yaml:\d+ the waiver of 'L3' for commit 0123456789abcdef expired on 2026-05-31/,
      ),
    ]);
    expect(r.rules[0]?.note).toMatch(/does not touch elixir\/handler_dispatch\//);
    expect(lintExitCode(r)).toBe(1);
    // Not yet expired: nothing to say about a change elsewhere.
    const waived = await lint(repo, { kind: 'staged' }, '2026-05-31T23:59:59Z', { skipOrder });
    expect(waived.findings).toEqual([]);
    expect(lintExitCode(waived)).toBe(0);
  });

  it('an `order` measurement works the same: history first, then the staged change', async () => {
    const measurements = [
      {
        id: 'guard',
        git: {
          query: 'order',
          before: { paths: ['docs/profiles/ode-profile-*.md'] },
          after: { paths: ['elixir/handler_dispatch/**'] },
        },
      },
    ];
    const repo = lintRepo({ rules: [ORDER], measurements });
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    const staged = await lint(repo, { kind: 'staged' });
    expect(where(staged)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(staged.findings[0]?.message).toMatch(
      /but the 'before' event \(docs\/profiles\/ode-profile-\*\.md\) has not happened/,
    );
    repo.commit({ message: 'dispatch first', date: '2026-05-02T00:00:00Z' });
    repo.commit({ files: { 'docs/profiles/ode-profile-1.md': 'p\n' }, message: 'late', date: '2026-05-03T00:00:00Z' });
    const tree = await lint(repo);
    expect(where(tree)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    expect(tree.findings[0]?.message).toMatch(/came after 'after'/);
  });

  it("an `after` event named by a commit message guards no path: every change scope judges the branch's history", async () => {
    const measurements = [
      {
        id: 'guard',
        git: {
          query: 'order',
          before: { paths: ['docs/profiles/ode-profile-*.md'] },
          after: { pattern: '^dispatch:' },
        },
      },
    ];
    const repo = lintRepo({ rules: [ORDER], measurements, files: { 'src/a.py': 'x\n' } });
    repo.git(['checkout', '-q', '-b', 'feat']);
    repo.commit({ files: { 'src/b.py': 'y\n' }, message: 'dispatch: early work', date: '2026-05-02T00:00:00Z' });
    const tree = await lint(repo);
    expect(tree.verdict).toBe('fail');
    // No file of the change is the event: the finding is at the rule, in lints.yaml.
    expect(where(tree)).toEqual([`gates/demo/lints.yaml:${tree.rules[0]?.location.line}:3 L3`]);
    expect(tree.findings[0]?.message).toMatch(
      /the 'after' event happened \([0-9a-f]{40}\) but the 'before' event has not/,
    );
    // A pull request's check: the branch's commit is in the history read, whatever files it changed.
    const pr = await lint(repo, { kind: 'changed', since: 'main' });
    expect(pr.rules[0]?.note ?? '').not.toMatch(/does not touch/);
    expect(where(pr)).toEqual(where(tree));
    expect(lintExitCode(pr)).toBe(1);
    repo.write('src/c.py', 'z\n');
    repo.git(['add', 'src/c.py']);
    expect(where(await lint(repo, { kind: 'staged' }))).toEqual(where(tree));
  });

  it('a whole commit as committed is judged as the tree is, whatever files its tree holds now', async () => {
    const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
    // Work under the path before the prereqs, removed again: the tip's tree holds nothing there.
    repo.commit({ files: { 'elixir/handler_dispatch/d.ex': 'd\n' }, message: 'early', date: '2026-05-02T00:00:00Z' });
    repo.commit({ files: { 'elixir/handler_dispatch/d.ex': null }, message: 'revert', date: '2026-05-03T00:00:00Z' });
    const tree = await lint(repo);
    expect(where(tree)).toEqual(['elixir/handler_dispatch/d.ex:1:1 L3']);
    // What the pre-push hook runs for a branch whose whole history is new to the remote.
    const commit = await lint(repo, { kind: 'commit', rev: 'HEAD' });
    expect(commit.rules[0]?.note ?? '').not.toMatch(/does not touch/);
    expect(where(commit)).toEqual(where(tree));
    expect(lintExitCode(commit)).toBe(1);
    // Since a base, it is a change, and one elsewhere does not run the guard.
    repo.commit({ files: { 'src/x.py': 'x\n' }, message: 'elsewhere', date: '2026-05-04T00:00:00Z' });
    const since = await lint(repo, { kind: 'commit', rev: 'HEAD', since: 'HEAD~1' });
    expect(since.rules[0]?.note).toMatch(/does not touch elixir\/handler_dispatch\//);
  });

  it('halts (not passes) when git cannot answer: a shallow clone', async () => {
    const { shallowClone } = await import('../helpers/git-fixture.js');
    const repo = lintRepo({ rules: [ORDER], measurements: MEASUREMENTS, prereqs: PREREQS });
    repo.commit({ files: { 'elixir/handler_dispatch/d.ex': 'd\n' }, message: 'x', date: '2026-05-03T00:00:00Z' });
    const clone = shallowClone(repo);
    const r = await lint(clone);
    expect(r.verdict).toBe('halt');
    expect(r.rules[0]?.reason).toMatch(/fetch-depth: 0/);
    expect(lintExitCode(r)).toBe(2);
  });
});

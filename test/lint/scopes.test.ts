/** The four scopes over real repositories: whole tree, --staged (the index), --changed-since, paths. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { describeScope } from '../../src/formatters/lint/stylish.js';
import { readIndexFile } from '../../src/lint/index-file.js';
import { rgSearch } from '../../src/lint/prefilter.js';
import { runLint } from '../../src/lint/run.js';
import { openSnapshot, OUTSIDE_SPARSE, type ScopeRequest } from '../../src/lint/scopes.js';
import { loadRfc } from '../../src/spec/load.js';
import { UsageError } from '../../src/spec/problems.js';
import { createRepo, FixtureRepo, removeFixtures, shallowClone, tempDir } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { AS_OF, L1, lint, lintRepo, requireRule, where } from './helpers.js';
import { requireRg } from './rg.js';

afterAll(removeFixtures);

const BAD = 'x = "measurement.lease_plane.request"\n';
const GOOD = 'from src.audit.event_types import LEASE\nx = LEASE\n';

describe('--staged', () => {
  it('reads what the commit will contain (the index), not the working tree', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD, 'src/old.py': BAD } });
    // Staged: the violation. Working tree: fixed afterwards but not staged.
    repo.write('src/a.py', BAD);
    repo.git(['add', 'src/a.py']);
    repo.write('src/a.py', GOOD);
    const staged = await lint(repo, { kind: 'staged' });
    expect(where(staged)).toEqual(['src/a.py:1:6 L1']);
    expect(staged.files.in_scope).toBe(1); // src/old.py is committed, not part of the change
    expect(staged.scope.kind).toBe('staged');
    // The whole tree reads the working tree: a.py is clean there, old.py is not.
    expect(where(await lint(repo))).toEqual(['src/old.py:1:6 L1']);
  });

  it('before the first commit everything staged is the change; a staged file over the limit is skipped, not read', async () => {
    const repo = createRepo();
    writeRfc(repo.dir, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    repo.write('src/a.py', BAD);
    repo.write('src/big.py', `${BAD}#${'x'.repeat(4096)}\n`);
    repo.write('src/b.py', GOOD);
    repo.git(['add', '-A', '-f']);
    repo.write('src/a.py', GOOD);
    const rfc = loadRfc(repo.dir, 'demo');
    const r = await runLint({
      rfc: 'demo',
      rules: rfc.lints ?? [],
      snapshot: await openSnapshot(repo.dir, { kind: 'staged' }, repo.dir),
      asOf: new Date(AS_OF),
      maxFileBytes: 1024,
    });
    expect(where(r)).toEqual(['src/a.py:1:6 L1']);
    expect(r.files.skipped).toEqual([{ path: 'src/big.py', reason: 'larger than 1 KiB (4.0 KiB)' }]);
    expect(r.files.checked).toBe(2);
  });

  it('an executable file is linted from the index; a symlink is not a file to read', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    repo.write('src/run.py', BAD);
    chmodSync(join(repo.dir, 'src/run.py'), 0o755);
    symlinkSync('nowhere.py', join(repo.dir, 'src/link.py'));
    repo.git(['add', 'src/run.py', 'src/link.py']);
    expect(repo.git(['ls-files', '-s', 'src/run.py'])).toMatch(/^100755 /);
    const r = await lint(repo, { kind: 'staged' });
    expect(where(r)).toEqual(['src/run.py:1:6 L1']);
    expect(r.files.in_scope).toBe(2);
    expect(r.files.skipped).toEqual([{ path: 'src/link.py', reason: 'a symbolic link, which lint does not follow' }]);
  });

  it('a repository of its own inside this one, added as its folder, is named as such, not as a submodule alone', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    // Named as L1's include matches a file, as the submodule case below is.
    const nested = join(repo.dir, 'src/nested.py');
    mkdirSync(nested, { recursive: true });
    execFileSync('git', ['init', '-q', nested]);
    writeFileSync(join(nested, 'b.py'), BAD);
    execFileSync('git', ['-C', nested, 'add', 'b.py']);
    execFileSync('git', ['-C', nested, '-c', 'user.name=n', '-c', 'user.email=n@x', 'commit', '-q', '-m', 'b']);
    // git add of the folder records a gitlink, as for a submodule, without .gitmodules.
    repo.git(['add', 'src/nested.py']);
    const r = await lint(repo, { kind: 'staged' });
    expect(where(r)).toEqual([]);
    expect(r.files.skipped).toEqual([
      {
        path: 'src/nested.py',
        reason: 'a folder (a submodule, or a repository of its own inside this one), not a file',
      },
    ]);
  });

  it('a staged or committed submodule a rule applies to is named as not read, not dropped', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    repo.git(['update-index', '--add', '--cacheinfo', `160000,${repo.head()},src/vendored.py`]);
    const skipped = [
      {
        path: 'src/vendored.py',
        reason: 'a folder (a submodule, or a repository of its own inside this one), not a file',
      },
    ];
    expect((await lint(repo, { kind: 'staged' })).files.skipped).toEqual(skipped);
    repo.git(['commit', '-q', '-m', 'submodule', '--no-verify'], {
      GIT_AUTHOR_DATE: '1780000000 +0000',
      GIT_COMMITTER_DATE: '1780000000 +0000',
    });
    expect((await lint(repo, { kind: 'commit', rev: 'HEAD' })).files.skipped).toEqual(skipped);
    expect((await lint(repo, { kind: 'commit', rev: 'HEAD', since: 'HEAD~1' })).files.skipped).toEqual(skipped);
  });

  it('an index with unresolved merge conflicts halts and says to resolve them', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    repo.git(['checkout', '-q', '-b', 'other']);
    repo.commit({ files: { 'src/a.py': 'x = 1\n' }, message: 'other', date: '2026-05-02T00:00:00Z' });
    repo.git(['checkout', '-q', 'main']);
    repo.commit({ files: { 'src/a.py': 'x = 2\n' }, message: 'main', date: '2026-05-03T00:00:00Z' });
    expect(() => repo.git(['merge', '-q', 'other'])).toThrow();
    const r = await lint(repo, { kind: 'staged' });
    expect(r.verdict).toBe('halt');
    expect(JSON.stringify(r)).toMatch(/unresolved merge conflicts \(src\/a\.py\): resolve them/);
  });

  it('a clean staged file passes even when the working tree copy is bad', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': BAD } });
    repo.write('src/a.py', GOOD);
    repo.git(['add', 'src/a.py']);
    repo.write('src/a.py', `${BAD}${BAD}`);
    const r = await lint(repo, { kind: 'staged' });
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.files.checked).toBe(1);
  });

  it('globs are checked against the whole index, so a small change does not halt rules it does not touch', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD, 'README.md': 'r\n' } });
    repo.write('README.md', 'changed\n');
    repo.git(['add', 'README.md']);
    const r = await lint(repo, { kind: 'staged' });
    expect(r.verdict).toBe('pass');
    expect(r.files.checked).toBe(0);
  });

  it('a deleted file is not checked; a staged new file is', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': BAD, 'src/b.py': GOOD } });
    repo.git(['rm', '-q', 'src/a.py']);
    repo.write('src/c.py', BAD);
    repo.git(['add', 'src/c.py']);
    expect(where(await lint(repo, { kind: 'staged' }))).toEqual(['src/c.py:1:6 L1']);
  });

  it('a staged file whose name holds a line break or a tab is read and checked', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/b.py': GOOD } });
    repo.write('src/a\nb.py', BAD);
    repo.write('src/c\td.py', BAD);
    repo.git(['add', '-A']);
    const r = await lint(repo, { kind: 'staged' });
    expect(where(r)).toEqual(['src/a\nb.py:1:6 L1', 'src/c\td.py:1:6 L1']);
    expect(r.files.skipped).toEqual([]);
  });

  it('a working-tree file whose name is not UTF-8 is read by its bytes, as --staged and --commit read it', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/b.py': GOOD } });
    writeFileSync(Buffer.from(`${repo.dir}/src/caf\xe9.py`, 'latin1'), BAD);
    // A second name that differs only in its invalid byte is a second file, not the same one.
    writeFileSync(Buffer.from(`${repo.dir}/src/caf\xe8.py`, 'latin1'), GOOD);
    // And one in a folder whose name is not UTF-8 either.
    mkdirSync(Buffer.from(`${repo.dir}/src/d\xe9j\xe0`, 'latin1'));
    writeFileSync(Buffer.from(`${repo.dir}/src/d\xe9j\xe0/x.py`, 'latin1'), BAD);
    repo.git(['add', '-A']);
    repo.commit({ message: 'latin-1 names', date: '2026-05-02T09:00:00Z' });
    const found = ['src/caf\uFFFD<e9>.py:1:6 L1', 'src/d\uFFFD<e9>j\uFFFD<e0>/x.py:1:6 L1'];
    for (const scope of [
      { kind: 'tree' },
      { kind: 'changed', since: 'HEAD~1' },
      { kind: 'commit', rev: 'HEAD' },
      { kind: 'paths', paths: ['src'] },
    ] satisfies ScopeRequest[]) {
      const r = await lint(repo, scope);
      expect(r.files.skipped, scope.kind).toEqual([]);
      expect(where(r), scope.kind).toEqual(found);
      expect(r.rules[0]?.verdict, scope.kind).toBe('fail');
      if (scope.kind === 'commit') continue;
      // rg leaves such a name to the JavaScript scan: the same report.
      const rules = loadRfc(repo.dir, 'demo').lints ?? [];
      const snapshot = await openSnapshot(repo.dir, scope, repo.dir);
      const targets = scope.kind === 'tree' ? undefined : snapshot.targets;
      const search = rgSearch(requireRg(), repo.dir, rules, 1 << 20, targets);
      const rg = await runLint({ rfc: 'demo', rules, snapshot, asOf: new Date(AS_OF), rg: { bin: 'rg', search } });
      expect(JSON.stringify(rg), scope.kind).toBe(JSON.stringify(r));
    }
    // Deleted, such a name is gone like any other file, not a file that could not be read.
    rmSync(Buffer.from(`${repo.dir}/src/caf\xe9.py`, 'latin1'));
    const gone = await lint(repo, { kind: 'tree' });
    expect(where(gone)).toEqual(found.slice(1));
    expect(gone.rules[0]?.halt_reason).toBeUndefined();
  });

  it('a require rule reads unchanged files from the index too, not from the working tree', async () => {
    const rule = requireRule('profile', {
      when: ['elixir/handler_dispatch/'],
      files: ['docs/profile.md'],
      pattern: '^## Result',
    });
    const repo = lintRepo({ rules: [rule], files: { 'docs/profile.md': '# Profile\n## Result\nok\n' } });
    repo.write('docs/profile.md', '# Profile\n'); // unstaged edit that would break it
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    expect((await lint(repo, { kind: 'staged' })).verdict).toBe('pass');
    expect(where(await lint(repo))).toEqual(['docs/profile.md:1:1 profile']);
  });

  it('a require rule reads a staged file whose name holds a line break, as it is in the index', async () => {
    const rule = requireRule('profile', {
      when: ['elixir/handler_dispatch/'],
      files: ['docs/*.md'],
      pattern: '^## Result',
    });
    const repo = lintRepo({ rules: [rule], files: { 'docs/a\nb.md': '# Profile\n## Result\nok\n' } });
    repo.write('docs/a\nb.md', '# Profile\n'); // unstaged edit that would break it
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    const staged = await lint(repo, { kind: 'staged' });
    expect(staged.rules[0]).toMatchObject({ verdict: 'pass', files_checked: 1 });
    expect(staged.files.skipped).toEqual([]);
    // Staged without the section: a finding, as for any name.
    repo.git(['add', 'docs/a\nb.md']);
    expect(where(await lint(repo, { kind: 'staged' }))).toEqual(['docs/a\nb.md:1:1 profile']);
  });

  it('such a name is read whatever pathspec setting the environment holds (GIT_LITERAL_PATHSPECS)', async () => {
    const rule = requireRule('profile', {
      when: ['elixir/handler_dispatch/'],
      files: ['docs/*.md'],
      pattern: '^## Result',
    });
    const repo = lintRepo({ rules: [rule], files: { 'docs/[a]\nb.md': '# Profile\n## Result\nok\n' } });
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    const before = process.env.GIT_LITERAL_PATHSPECS;
    process.env.GIT_LITERAL_PATHSPECS = '1';
    try {
      const staged = await lint(repo, { kind: 'staged' });
      // Not a finding saying the file lacks the section it has.
      expect(where(staged)).toEqual([]);
      expect(staged.rules[0]).toMatchObject({ verdict: 'pass', files_checked: 1 });
    } finally {
      if (before === undefined) delete process.env.GIT_LITERAL_PATHSPECS;
      else process.env.GIT_LITERAL_PATHSPECS = before;
    }
  });
});

describe('--commit', () => {
  it('checks the files as committed, not the working tree; with --changed-since only those changed since the merge base', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD, 'src/old.py': BAD } });
    repo.branch('feature');
    repo.checkout('feature');
    const feature = repo.commit({
      files: { 'src/a.py': BAD, 'src/b.py': BAD },
      message: 'f',
      date: '2026-05-02T00:00:00Z',
    });
    repo.commit({ files: { 'src/b.py': GOOD }, message: 'fix b', date: '2026-05-03T00:00:00Z' });
    repo.checkout('main');
    // The working tree (main, with an untracked bad file) is not what is judged.
    repo.write('src/scratch.py', BAD);
    const whole = await lint(repo, { kind: 'commit', rev: feature });
    expect(where(whole)).toEqual(['src/a.py:1:6 L1', 'src/b.py:1:6 L1', 'src/old.py:1:6 L1']);
    expect(whole.scope).toMatchObject({ kind: 'commit', rev: feature, commit: feature });
    const tip = await lint(repo, { kind: 'commit', rev: 'feature', since: 'main' });
    expect(where(tip)).toEqual(['src/a.py:1:6 L1']);
    expect(tip.files.in_scope).toBe(2);
    expect(tip.scope.base).toBe(repo.git(['rev-parse', 'main']));
    const none = await lint(repo, { kind: 'commit', rev: 'no-such-branch' });
    expect(none.verdict).toBe('halt');
    expect(none.rules[0]?.reason).toMatch(/commit 'no-such-branch' does not exist/);
    // The report says which revision was asked for, found or not.
    expect(none.scope).toEqual({ kind: 'commit', rev: 'no-such-branch' });
    expect(describeScope(none)).toBe('commit no-such-branch');
    expect(tip.scope).toMatchObject({ rev: 'feature', commit: repo.git(['rev-parse', 'feature']) });
    expect(describeScope(tip)).toBe(
      `commit ${repo.git(['rev-parse', 'feature']).slice(0, 12)}, changed since main (merge base ${repo.git(['rev-parse', 'main']).slice(0, 12)})`,
    );
  });
});

describe('a revision that searches commit messages', () => {
  it('--commit and --changed-since find the commit the search names, as gate check --ref does', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    const raced = repo.commit({ files: { 'src/b.py': BAD }, message: 'fix the race', date: '2026-05-02T00:00:00Z' });
    repo.commit({ files: { 'src/c.py': BAD }, message: 'later', date: '2026-05-03T00:00:00Z' });
    const commit = await lint(repo, { kind: 'commit', rev: ':/fix the race' });
    expect(commit.verdict).not.toBe('halt');
    expect(commit.scope).toMatchObject({ rev: ':/fix the race', commit: raced });
    expect(where(commit)).toEqual(['src/b.py:1:6 L1']);
    const changed = await lint(repo, { kind: 'changed', since: ':/fix the race' });
    expect(changed.scope.base).toBe(raced);
    expect(where(changed)).toEqual(['src/c.py:1:6 L1']);
    const both = await lint(repo, { kind: 'commit', rev: 'HEAD', since: 'main^{/fix the race}' });
    expect(both.scope.base).toBe(raced);
    expect(where(both)).toEqual(['src/c.py:1:6 L1']);
    const none = await lint(repo, { kind: 'changed', since: ':/no commit says this' });
    expect(none.rules[0]?.reason).toMatch(/^git ref ':\/no commit says this' does not exist in this clone/);
  });
});

describe('a partial clone whose remote cannot send a blob', () => {
  /** A `--filter=blob:none` clone of a two-commit history, its remote then gone: the first commit's src/a.py was never fetched. */
  function partialClone() {
    // src/a.py's first content is its own blob, which no other file of either commit shares.
    const origin = lintRepo({ rules: [L1], files: { 'src/a.py': `${BAD}# a\n`, 'src/b.py': GOOD, 'src/z.py': BAD } });
    origin.commit({ files: { 'src/a.py': GOOD }, message: 'fix a', date: '2026-05-02T00:00:00Z' });
    origin.git(['config', 'uploadpack.allowFilter', 'true']);
    const clone = new FixtureRepo(tempDir('rfcgate-partial-'));
    origin.git(['clone', '-q', '--filter=blob:none', `file://${origin.dir}`, clone.dir]);
    clone.git(['remote', 'set-url', 'origin', join(origin.dir, 'gone')]);
    const missing = origin.git(['rev-parse', 'HEAD~1:src/a.py']);
    return { clone, missing };
  }

  it('halts on the file whose blob could not be fetched, naming it, and checks the others', async () => {
    const { clone } = partialClone();
    const r = await lint(clone, { kind: 'commit', rev: 'HEAD~1' });
    // src/z.py comes after the blob git died on: it is still read and checked.
    expect(where(r)).toEqual(['src/z.py:1:6 L1']);
    expect(r.files.skipped).toEqual([{ path: 'src/a.py', reason: expect.stringMatching(/not in this partial clone/) }]);
    expect(r.rules[0]?.reason).toMatch(/could not be read.*src\/a\.py/);
  });

  it('--staged: a staged blob that cannot be fetched halts the rule', async () => {
    const { clone, missing } = partialClone();
    clone.git(['update-index', '--add', '--cacheinfo', `100644,${missing},src/c.py`]);
    const r = await lint(clone, { kind: 'staged' });
    expect(r.verdict).toBe('halt');
    expect(r.rules[0]?.halt_reason).toBe('missing');
    expect(r.rules[0]?.reason).toMatch(
      /src\/c\.py: its contents are not in this partial clone and could not be fetched/,
    );
  });
});

describe('--changed-since', () => {
  it('checks only files changed since the merge base, including uncommitted and untracked ones', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD, 'src/old.py': BAD } });
    repo.branch('feature');
    repo.checkout('feature');
    repo.commit({ files: { 'src/a.py': BAD }, message: 'feature', date: '2026-05-02T00:00:00Z' });
    repo.write('src/new.py', BAD);
    repo.checkout('main');
    // main moves on with a violation of its own: not part of the feature's diff.
    repo.commit({ files: { 'src/main_only.py': BAD }, message: 'main', date: '2026-05-03T00:00:00Z' });
    repo.checkout('feature');
    const r = await lint(repo, { kind: 'changed', since: 'main' });
    expect(where(r)).toEqual(['src/a.py:1:6 L1', 'src/new.py:1:6 L1']);
    expect(r.scope.since).toBe('main');
    expect(r.scope.base).toMatch(/^[0-9a-f]{40}$/);
  });

  it('a base ref that does not exist halts and says to fetch it', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    const reason = async (since: string) => (await lint(repo, { kind: 'changed', since })).rules[0]?.reason;
    expect(await reason('main2')).toMatch(/does not exist in this clone.*fetch it from the remote that has it/);
    repo.git(['remote', 'add', 'origin', repo.dir]);
    repo.git(['remote', 'add', 'upstream', repo.dir]);
    const r = await lint(repo, { kind: 'changed', since: 'origin/main' });
    expect(r.verdict).toBe('halt');
    expect(r.rules[0]?.reason).toMatch(/does not exist in this clone.*\(git fetch origin main\)/);
    // The remote the ref names, origin for a bare name, and no fetch for a revision expression.
    expect(await reason('upstream/main')).toMatch(/\(git fetch upstream main\)/);
    expect(await reason('refs/remotes/upstream/dev')).toMatch(/\(git fetch upstream dev\)/);
    // A branch: fetching does not make a local branch, so the remote's copy is what to name.
    expect(await reason('release/2.0')).toMatch(
      /\(git fetch origin release\/2\.0, then --changed-since origin\/release\/2\.0\)/,
    );
    // A commit id (a PR's base in a shallow clone) is fetched by id.
    expect(await reason('0123456789abcdef0123456789abcdef01234567')).toMatch(
      /\(git fetch origin 0123456789abcdef0123456789abcdef01234567; actions\/checkout: fetch-depth: 0\)/,
    );
    expect(await reason('HEAD:src')).toMatch(
      /does not exist in this clone, so there is nothing to diff against; fix --changed-since$/,
    );
  });
});

describe('a shallow clone', () => {
  it('a revision beyond its history halts saying the clone is shallow and to fetch the full history', async () => {
    const source = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    source.commit({ files: { 'src/b.py': GOOD }, message: 'second', date: '2026-05-02T09:00:00Z' });
    const repo = shallowClone(source);
    const fix = /shallow clone.*fetch the full history \(actions\/checkout: fetch-depth: 0, or git fetch --unshallow\)/;
    const changed = await lint(repo, { kind: 'changed', since: 'HEAD~1' });
    expect(changed.verdict).toBe('halt');
    expect(changed.rules[0]?.reason).toMatch(
      /^git ref 'HEAD~1' does not exist in this shallow clone, so there is nothing to diff against; /,
    );
    expect(changed.rules[0]?.reason).toMatch(fix);
    expect(changed.rules[0]?.reason).toMatch(/, or fix --changed-since$/);
    const commit = await lint(repo, { kind: 'commit', rev: 'HEAD~1' });
    expect(commit.rules[0]?.reason).toMatch(/^commit 'HEAD~1' does not exist in this shallow clone; /);
    expect(commit.rules[0]?.reason).toMatch(fix);
  });
});

describe('a branch with no commit yet', () => {
  it('--changed-since and --commit HEAD say HEAD has no commit, not that refs are missing or unrelated', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    repo.git(['checkout', '-q', '--orphan', 'fresh']);
    const since = await lint(repo, { kind: 'changed', since: 'main' });
    expect(since.verdict).toBe('halt');
    expect(since.rules[0]?.reason).toMatch(
      /^HEAD has no commit yet \(a new repository or an orphan branch\), so there is nothing to diff; commit first/,
    );
    const head = await lint(repo, { kind: 'commit', rev: 'HEAD' });
    expect(head.rules[0]?.reason).toMatch(/^HEAD has no commit yet .*, so there is no commit to check; commit first/);
    // Another revision that does not exist is still named as such.
    expect((await lint(repo, { kind: 'commit', rev: 'nope' })).rules[0]?.reason).toMatch(
      /commit 'nope' does not exist/,
    );
  });

  it('--changed-since naming the branch with no commit yet says so, not that the ref is missing and to fetch it', async () => {
    // A new repository with its first files staged.
    const repo = createRepo();
    writeRfc(repo.dir, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    repo.write('src/a.py', GOOD);
    repo.git(['add', '-f', '.']);
    for (const since of ['HEAD', 'main', 'HEAD~1']) {
      const r = await lint(repo, { kind: 'changed', since });
      expect(r.verdict, since).toBe('halt');
      expect(r.rules[0]?.reason, since).toMatch(
        new RegExp(
          `^${since.replace(/~1$/, '')} has no commit yet \\(a new repository or an orphan branch\\), so there is nothing to diff against; commit first`,
        ),
      );
      expect(r.rules[0]?.reason, since).not.toMatch(/fetch|does not exist/);
    }
    expect((await lint(repo, { kind: 'commit', rev: 'main' })).rules[0]?.reason).toMatch(
      /^main has no commit yet .*, so there is no commit to check/,
    );
  });
});

describe('paths', () => {
  it('checks only the files and folders given, still respecting .gitignore', async () => {
    const repo = lintRepo({
      rules: [L1],
      files: { 'src/a.py': BAD, 'lib/b.py': BAD, 'lib/c.py': BAD, '.gitignore': 'lib/gen/\n' },
    });
    repo.write('lib/gen/d.py', BAD);
    const r = await lint(repo, { kind: 'paths', paths: ['lib', 'src/a.py'] });
    expect(where(r)).toEqual(['lib/b.py:1:6 L1', 'lib/c.py:1:6 L1', 'src/a.py:1:6 L1']);
    // A path named twice, or inside a folder named too, in any order, is checked once.
    for (const paths of [
      ['src', 'src/a.py'],
      ['src/a.py', 'src/a.py'],
      ['src/a.py', './src/a.py'],
    ]) {
      expect(where(await lint(repo, { kind: 'paths', paths })), paths.join(' ')).toEqual(['src/a.py:1:6 L1']);
    }
    // What git does not list is named for what it is, not blamed on .gitignore.
    await expect(lint(repo, { kind: 'paths', paths: ['.git/config'] })).rejects.toThrow(
      /'\.git\/config' is not among the repository's files/,
    );
    // A path inside a submodule does not stop the others from being told apart.
    const sub = createRepo();
    sub.commit({ files: { 's.py': BAD }, message: 'sub', date: '2026-05-01T09:00:00Z' });
    repo.git(['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'vendor/sub']);
    const both = lint(repo, { kind: 'paths', paths: ['vendor/sub/s.py', 'lib/gen/d.py'] });
    await expect(both).rejects.toThrow(/'lib\/gen\/d\.py' is ignored by \.gitignore/);
    await expect(lint(repo, { kind: 'paths', paths: ['vendor/sub/s.py', 'lib/gen/d.py'] })).rejects.toThrow(
      /'vendor\/sub\/s\.py' is not among the repository's files/,
    );
    // A folder holding none of the listed files is not a pass with nothing checked.
    await expect(lint(repo, { kind: 'paths', paths: ['.git'] })).rejects.toThrow(
      /'\.git' holds none of the repository's files/,
    );
    await expect(lint(repo, { kind: 'paths', paths: ['vendor/sub'] })).rejects.toThrow(
      /'vendor\/sub' holds none of the repository's files/,
    );
    await expect(lint(repo, { kind: 'paths', paths: ['lib/gen'] })).rejects.toThrow(
      /'lib\/gen' is ignored by \.gitignore/,
    );
    await expect(lint(repo, { kind: 'paths', paths: ['nope.py'] })).rejects.toThrow(UsageError);
    await expect(lint(repo, { kind: 'paths', paths: ['lib/gen/d.py'] })).rejects.toThrow(/ignored by \.gitignore/);
  });
  it("an empty path is refused, not taken for the folder lint runs in (a script's empty file list)", async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': BAD } });
    const e: unknown = await lint(repo, { kind: 'paths', paths: [''] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(
      "an empty path names no file; give a file or folder ('.' for the folder lint runs in)",
    );
  });

  it('a path that is not there, or is beyond a symlinked folder, is named with why, each of them; exit 3', async () => {
    const outside = tempDir('rfcgate-outside-');
    writeFileSync(join(outside, 'a.py'), BAD);
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD, 'lib/b.py': GOOD } });
    symlinkSync(outside, join(repo.dir, 'out'));
    symlinkSync('src', join(repo.dir, 'alias'));
    symlinkSync('loop2', join(repo.dir, 'loop1'));
    symlinkSync('loop1', join(repo.dir, 'loop2'));
    const refused = async (paths: string[]) => {
      const e: unknown = await lint(repo, { kind: 'paths', paths }).catch((x: unknown) => x);
      expect(e, paths.join(' ')).toBeInstanceOf(UsageError);
      return (e as Error).message;
    };
    expect(await refused(['src/a.py/x'])).toBe("path 'src/a.py/x' does not exist");
    expect(await refused(['loop1/x'])).toBe("path 'loop1/x' runs into a loop of symbolic links, so it names no file");
    // Through a link, outside the repository or into it, as git refuses it (beyond a symbolic link).
    expect(await refused(['out/a.py', 'alias/a.py', 'lib/b.py', 'nope.py'])).toBe(
      [
        "path 'out/a.py' is beyond the symbolic link 'out', which lint does not read through",
        "path 'alias/a.py' is beyond the symbolic link 'alias', which lint does not read through",
        "path 'nope.py' does not exist",
      ].join('; '),
    );
    // The links themselves are paths git lists: skipped as links beside a file lint reads, but
    // named alone they leave nothing to check, which is no pass.
    expect(where(await lint(repo, { kind: 'paths', paths: ['out', 'alias', 'loop1', 'lib/b.py'] }))).toEqual([]);
    expect(await refused(['out', 'alias', 'loop1'])).toMatch(
      /^'out', 'alias', 'loop1' are symbolic links, which lint does not read .*, so there is nothing to check/,
    );
  });

  it('a named pipe given as a path is said to be one, not a file of .git, a submodule or another repository', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    execFileSync('mkfifo', [join(repo.dir, 'fifo.txt')]);
    const e: unknown = await lint(repo, { kind: 'paths', paths: ['fifo.txt', 'src/a.py'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(
      "'fifo.txt' is a named pipe, not a regular file, so lint does not read it; name a regular file",
    );
  });

  it('several named pipes given as paths are one sentence, its advice said once', async () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': GOOD } });
    execFileSync('mkfifo', [join(repo.dir, 'a.fifo'), join(repo.dir, 'b.fifo')]);
    const e: unknown = await lint(repo, { kind: 'paths', paths: ['a.fifo', 'b.fifo'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(
      "'a.fifo' is a named pipe, 'b.fifo' is a named pipe: not regular files, so lint does not read them; name a regular file",
    );
  });

  it('a path in the repository but outside the governed root is told apart from one outside the repository', async () => {
    const repo = createRepo();
    const root = join(repo.dir, 'svc');
    writeRfc(root, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    repo.commit({ files: { 'svc/src/a.py': GOOD, 'top/b.py': BAD }, message: 'base', date: '2026-05-01T09:00:00Z' });
    const elsewhere = tempDir('rfcgate-elsewhere-');
    writeFileSync(join(elsewhere, 'c.py'), BAD);
    const open = (paths: string[]) => openSnapshot(root, { kind: 'paths', paths }, root);
    await expect(open(['../top/b.py'])).rejects.toThrow(
      `path '../top/b.py' is in the repository but outside the governed root ${root}, whose rules lint checks; name a path under it, or give --root the folder that governs this path`,
    );
    await expect(open([join(elsewhere, 'c.py')])).rejects.toThrow(
      `path '${join(elsewhere, 'c.py')}' is outside the repository at ${repo.git(['rev-parse', '--show-toplevel'])}`,
    );
    expect((await open(['src/a.py'])).targets).toEqual(['src/a.py']);
  });
});

describe('--staged and intent-to-add', () => {
  it('a path added with git add -N is not in the commit: it triggers no require rule', async () => {
    const need = requireRule('R1', { when: ['trigger/'], files: ['docs/x.md'] });
    const repo = lintRepo({ rules: [need], files: { 'src/a.py': GOOD } });
    repo.write('trigger/a.py', 't\n');
    repo.git(['add', '-N', 'trigger/a.py']);
    repo.write('src/a.py', `${GOOD}y = 1\n`);
    repo.git(['add', 'src/a.py']);
    const staged = await lint(repo, { kind: 'staged' });
    expect(where(staged)).toEqual([]);
    expect(staged.rules[0]?.note).toMatch(/not triggered/);
    // Staged for real, it does.
    repo.git(['add', 'trigger/a.py']);
    expect(where(await lint(repo, { kind: 'staged' }))).toEqual(['trigger/a.py:1:1 R1']);
  });

  it('every kind of git add -N path is left out when git lists the index too (a split index)', async () => {
    const need = requireRule('R1', { when: ['trigger/'], files: ['docs/*.md'] });
    const repo = lintRepo({ rules: [need], files: { 'src/a.py': GOOD, 'docs/old.md': 'o\n' } });
    repo.write('trigger/a.py', 't\n');
    repo.git(['add', 'trigger/a.py']);
    // New, new and deleted since, and one HEAD has (unstaged, then added again with -N).
    repo.write('docs/x.md', 'x\n');
    repo.write('docs/gone.md', 'g\n');
    repo.git(['add', '-N', 'docs/x.md', 'docs/gone.md']);
    rmSync(join(repo.dir, 'docs/gone.md'));
    repo.git(['rm', '-q', '--cached', 'docs/old.md']);
    repo.git(['add', '-N', 'docs/old.md']);
    const read = await openSnapshot(repo.dir, { kind: 'staged' }, repo.dir);
    expect(read.universe.filter((p) => p.startsWith('docs/'))).toEqual([]);
    expect(where(await lint(repo, { kind: 'staged' }))).toEqual(['trigger/a.py:1:1 R1']);
    repo.git(['update-index', '--split-index']);
    expect(readIndexFile(repo.dir)).toBeUndefined();
    const listed = await openSnapshot(repo.dir, { kind: 'staged' }, repo.dir);
    expect(listed.universe).toEqual(read.universe);
    expect(listed.targets).toEqual(read.targets);
    expect(where(await lint(repo, { kind: 'staged' }))).toEqual(['trigger/a.py:1:1 R1']);
    // Staged for real, each counts.
    repo.git(['add', 'docs/x.md']);
    expect(where(await lint(repo, { kind: 'staged' }))).toEqual([]);
  });
});

describe('symlinks', () => {
  it('a symlink is never read through, in any scope: its target is not this file', async () => {
    const outside = tempDir('rfcgate-outside-');
    writeFileSync(join(outside, 'bad.py'), BAD);
    const repo = lintRepo({ rules: [L1], files: { 'src/audit/event_types.py': BAD, 'src/ok.py': GOOD } });
    symlinkSync('audit/event_types.py', join(repo.dir, 'src', 'alias.py'));
    symlinkSync(join(outside, 'bad.py'), join(repo.dir, 'src', 'outside.py'));
    repo.git(['add', '-A']);
    const staged = await lint(repo, { kind: 'staged' });
    repo.git(['commit', '-q', '-m', 'links', '--no-verify'], {
      GIT_AUTHOR_DATE: '1780000000 +0000',
      GIT_COMMITTER_DATE: '1780000000 +0000',
    });
    const tree = await lint(repo);
    const changed = await lint(repo, { kind: 'changed', since: 'HEAD~1' });
    const commit = await lint(repo, { kind: 'commit', rev: 'HEAD' });
    for (const r of [staged, tree, changed, commit]) {
      expect(where(r), r.scope.kind).toEqual([]);
      expect(r.verdict, r.scope.kind).toBe('pass');
      // Each scope names the links a rule applies to as not read, as the whole tree does.
      expect(r.files.skipped, r.scope.kind).toEqual([
        { path: 'src/alias.py', reason: 'a symbolic link, which lint does not follow' },
        { path: 'src/outside.py', reason: 'a symbolic link, which lint does not follow' },
      ]);
    }
    // Named explicitly, a link is the link, not the allow-listed file it points at: among
    // other files it is skipped; named alone (or with other links) there is nothing to check.
    const named = await lint(repo, { kind: 'paths', paths: ['src/alias.py', 'src/ok.py'] });
    expect(named.scope.paths).toEqual(['src/alias.py', 'src/ok.py']);
    expect(where(named)).toEqual([]);
    expect(named.files.checked).toBe(1);
    symlinkSync('audit', join(repo.dir, 'src', 'dirlink'));
    const refused = async (paths: string[]) => {
      const e: unknown = await lint(repo, { kind: 'paths', paths }).catch((x: unknown) => x);
      expect(e, paths.join(' ')).toBeInstanceOf(UsageError);
      return (e as Error).message;
    };
    expect(await refused(['src/alias.py'])).toBe(
      "'src/alias.py' is a symbolic link, which lint does not read (nor what it points to), so there is nothing to check; name the file or folder it points to",
    );
    expect(await refused(['src/dirlink', 'src/outside.py'])).toMatch(
      /^'src\/dirlink', 'src\/outside\.py' are symbolic links, which lint does not read \(nor what they point to\), so there is nothing to check/,
    );
  });

  it('a glob or a required file that names only a symlink names nothing, in every scope alike', async () => {
    const only = { ...L1, id: 'links', forbid: { ...L1.forbid, include: ['lib/**/*.py'] } };
    const profile = requireRule('profile', { when: ['src/'], files: ['docs/profile.md'] });
    const repo = lintRepo({
      rules: [only, profile],
      files: { 'src/ok.py': GOOD, 'docs/real.md': '# profile\n' },
    });
    mkdirSync(join(repo.dir, 'lib'));
    symlinkSync('../src/ok.py', join(repo.dir, 'lib', 'alias.py'));
    symlinkSync('real.md', join(repo.dir, 'docs', 'profile.md'));
    repo.git(['add', '-A']);
    const staged = await lint(repo, { kind: 'staged' });
    repo.git(['commit', '-q', '-m', 'links', '--no-verify'], {
      GIT_AUTHOR_DATE: '1780000000 +0000',
      GIT_COMMITTER_DATE: '1780000000 +0000',
    });
    const scopes = [
      staged,
      await lint(repo),
      await lint(repo, { kind: 'changed', since: 'HEAD~1' }),
      await lint(repo, { kind: 'commit', rev: 'HEAD' }),
    ];
    for (const r of scopes) {
      const links = r.rules.find((x) => x.id === 'links');
      expect(links?.verdict, r.scope.kind).toBe('halt');
      expect(links?.reason, r.scope.kind).toMatch(/'lib\/\*\*\/\*\.py' matched no file/);
      expect(where(r), r.scope.kind).toEqual(['src/ok.py:1:1 profile']);
    }
    // The working tree lists the link, so its halt says why it did not count.
    expect(scopes[1]?.rules[0]?.reason).toMatch(/only symlinks, submodules or deleted files/);
  });

  it('a required file that is a symlink or a submodule is said to be one, not just missing', async () => {
    const rule = requireRule('R', { when: ['src/'], files: ['mod', 'link.py'] });
    const repo = lintRepo({ rules: [rule], files: { 'src/a.py': GOOD } });
    const sub = createRepo();
    sub.commit({ files: { 'x.py': GOOD }, message: 'sub', date: '2026-05-01T09:00:00Z' });
    execFileSync('git', ['clone', '-q', sub.dir, join(repo.dir, 'mod')]);
    symlinkSync('src/a.py', join(repo.dir, 'link.py'));
    repo.git(['add', 'mod', 'link.py']);
    expect(repo.git(['ls-files', '-s', 'mod', 'link.py'])).toMatch(/^160000 .*\tmod$/m);
    const staged = await lint(repo, { kind: 'staged' });
    repo.git(['commit', '-q', '-m', 'links', '--no-verify'], {
      GIT_AUTHOR_DATE: '1780000000 +0000',
      GIT_COMMITTER_DATE: '1780000000 +0000',
    });
    for (const r of [staged, await lint(repo), await lint(repo, { kind: 'paths', paths: ['src'] })]) {
      expect(
        r.findings.map((f) => f.message),
        r.scope.kind,
      ).toEqual([
        'R: a required file is missing: src/a.py exists, but nothing matches mod (mod is a submodule, whose files lint does not read: require a file of this repository)',
        'R: a required file is missing: src/a.py exists, but nothing matches link.py (link.py is a symbolic link, which lint does not read: require the file it points to)',
      ]);
    }
  });
});

describe('a symlinked folder', () => {
  it('a file beyond it is not in the working tree, as git has it: never read, by JavaScript or rg, in any scope', async () => {
    const outside = tempDir('rfcgate-outside-');
    writeFileSync(join(outside, 'a.py'), BAD);
    writeFileSync(join(outside, 'b.py'), GOOD);
    const profile = requireRule('profile', { when: ['app/'], files: ['src/a.py'] });
    const repo = lintRepo({
      rules: [L1, profile],
      files: { 'src/a.py': GOOD, 'src/b.py': GOOD, 'app/ok.py': GOOD },
    });
    rmSync(join(repo.dir, 'src'), { recursive: true });
    symlinkSync(outside, join(repo.dir, 'src'));
    // git lists the files the index holds there, as deleted.
    expect(repo.git(['diff', '--name-status'])).toBe('D\tsrc/a.py\nD\tsrc/b.py');
    const rules = loadRfc(repo.dir, 'demo').lints ?? [];
    for (const scope of [{ kind: 'tree' }, { kind: 'paths', paths: ['.'] }] satisfies ScopeRequest[]) {
      const js = await lint(repo, scope);
      expect(where(js), scope.kind).toEqual(['app/ok.py:1:1 profile']);
      expect(js.files.checked, scope.kind).toBe(1);
      // rg follows a link on the way to a file named on its command line: what it clears is
      // not counted as checked unless lint could have read it.
      const snapshot = await openSnapshot(repo.dir, scope, repo.dir);
      const targets = scope.kind === 'tree' ? undefined : snapshot.targets;
      const search = rgSearch(requireRg(), repo.dir, rules, 1 << 20, targets);
      const rg = await runLint({ rfc: 'demo', rules, snapshot, asOf: new Date(AS_OF), rg: { bin: 'rg', search } });
      expect(JSON.stringify(rg), scope.kind).toBe(JSON.stringify(js));
    }
  });
});

describe('a sparse checkout', () => {
  it('a tracked file outside it is named as not read, not passed over like a deleted one', async () => {
    const profile = requireRule('profile', { when: ['src/'], files: ['docs/profile.md'] });
    const repo = lintRepo({
      rules: [L1, profile],
      files: { 'src/a.py': GOOD, 'other/b.py': GOOD, 'docs/profile.md': '# profile\n' },
    });
    repo.commit({ files: { 'other/b.py': BAD }, message: 'b', date: '2026-05-02T09:00:00Z' });
    repo.git(['sparse-checkout', 'set', 'src', 'gates']);
    expect(existsSync(join(repo.dir, 'other'))).toBe(false);
    for (const scope of [{ kind: 'tree' }, { kind: 'changed', since: 'HEAD~1' }] satisfies ScopeRequest[]) {
      const r = await lint(repo, scope);
      expect(r.files.skipped, scope.kind).toEqual([{ path: 'other/b.py', reason: OUTSIDE_SPARSE }]);
      // The profile is outside it too, yet in the repository: the require rule holds.
      expect(where(r), scope.kind).toEqual([]);
    }
    expect(OUTSIDE_SPARSE).toMatch(/--commit HEAD/);
    expect(where(await lint(repo, { kind: 'commit', rev: 'HEAD' }))).toEqual(['other/b.py:1:6 L1']);
  });
});

describe('a governed root below the repository top', () => {
  it('every scope sees the files under it, by paths relative to it, and nothing beside it', async () => {
    const repo = createRepo();
    const root = join(repo.dir, 'svc');
    // A rule whose glob is relative to the governed root: src/** is svc/src/** in git's terms.
    const rule = { ...L1, forbid: { ...L1.forbid, include: ['src/**'] } };
    writeRfc(root, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([rule]) } });
    repo.commit({
      files: { 'svc/src/a.py': GOOD, 'other/src/x.py': BAD },
      message: 'base',
      date: '2026-05-01T09:00:00Z',
    });
    repo.git(['add', '-f', 'svc/gates']);
    repo.commit({ message: 'spec', date: '2026-05-01T10:00:00Z' });
    repo.write('svc/src/b.py', BAD);
    repo.git(['add', 'svc/src/b.py']);
    const rules = loadRfc(root, 'demo').lints ?? [];
    const at = async (scope: Parameters<typeof openSnapshot>[1]) =>
      runLint({ rfc: 'demo', rules, snapshot: await openSnapshot(root, scope, root), asOf: new Date(AS_OF) });
    const staged = await at({ kind: 'staged' });
    expect(where(staged)).toEqual(['src/b.py:1:6 L1']);
    expect(staged.files.in_scope).toBe(1);
    expect(where(await at({ kind: 'tree' }))).toEqual(['src/b.py:1:6 L1']);
    expect(where(await at({ kind: 'changed', since: 'HEAD' }))).toEqual(['src/b.py:1:6 L1']);
    repo.commit({ message: 'b', date: '2026-05-02T10:00:00Z' });
    const commit = await at({ kind: 'commit', rev: 'HEAD', since: 'HEAD~1' });
    expect(where(commit)).toEqual(['src/b.py:1:6 L1']);
    expect(commit.files.in_scope).toBe(1);
    expect(where(await at({ kind: 'commit', rev: 'HEAD' }))).toEqual(['src/b.py:1:6 L1']);
  });
});

describe('outside a repository', () => {
  it('every scope says git found no repository, in git words', async () => {
    const dir = tempDir();
    for (const scope of [{ kind: 'tree' }, { kind: 'staged' }, { kind: 'changed', since: 'main' }] as const) {
      const snap = await openSnapshot(dir, scope, dir);
      expect(snap.halt?.message, scope.kind).toMatch(/is not a git repository \(fatal: not a git repository/);
      expect(snap.halt?.message, scope.kind).not.toMatch(/unknown option/);
    }
  });
});

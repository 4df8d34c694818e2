import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitInfo, GitRepo, matchSorted, parseLog, pathMatcher } from '../../../src/sources/git/repo.js';
import {
  ALICE,
  BOB,
  createRepo,
  type FixtureRepo,
  removeFixtures,
  shallowClone,
  tempDir,
} from '../../helpers/git-fixture.js';

afterAll(removeFixtures);

describe('pathMatcher', () => {
  it('matches globs with dotfiles, and literal paths as themselves or as folders', () => {
    const m = pathMatcher(['elixir/handler_dispatch/**', '.github/*.yml', 'docs/README.md', 'lib']);
    expect(m('elixir/handler_dispatch/a/b.ex')).toBe(true);
    expect(m('elixir/handler_dispatchx/a.ex')).toBe(false);
    expect(m('.github/ci.yml')).toBe(true);
    expect(m('docs/README.md')).toBe(true);
    expect(m('docs/README.md.bak')).toBe(false);
    expect(m('lib/x.py')).toBe(true);
    expect(m('libx/x.py')).toBe(false);
  });

  it('ignores a leading ./ and a trailing slash', () => {
    const m = pathMatcher(['./src/', './test/**/*.ts']);
    expect(m('src/a.ts')).toBe(true);
    expect(m('test/x/y.test.ts')).toBe(true);
  });
});

describe('matchSorted', () => {
  const sorted = [
    '.github/ci.yml',
    'docs',
    'docs-old/x.md',
    'docs/a.md',
    'docs/sub/b.md',
    'docsx/c.md',
    'lib/a.py',
    'src/a.ts',
  ];

  it('gives what pathMatcher would, in list order, scanning only the literal folder of a glob', () => {
    for (const globs of [
      ['docs/**'],
      ['docs'],
      ['docs/*.md'],
      ['**/*.md'],
      ['{lib,src}/*'],
      ['.github/*.yml', 'src/**', 'docs/sub/b.md'],
      ['nothing/**'],
      ['src/**', 'src/a.ts'],
    ]) {
      const m = pathMatcher(globs);
      expect(matchSorted(sorted, globs), globs.join(' ')).toEqual(sorted.filter(m));
    }
    expect(matchSorted(sorted, ['docs/**'])).toEqual(['docs', 'docs/a.md', 'docs/sub/b.md']);
  });
});

describe('parseLog', () => {
  it('reads the header by position, so a message that reads like the record marker stays a message', () => {
    const NUL = '\x00';
    const out = ['/C', 'c'.repeat(40), 'A', 'a@x', '1767225600', '1767139200', '/C', '', '\nf.txt', ''].join(NUL);
    const [c] = parseLog(out);
    expect(c).toMatchObject({ sha: 'c'.repeat(40), message: '/C', files: ['f.txt'] });
  });

  it('reads NUL-separated records, with and without files', () => {
    const NUL = '\x00';
    // Layout of `git log -z --name-only`: record, fields, then "\0\n" and NUL-terminated files.
    const rec = (sha: string, msg: string, files: string[]) =>
      ['/C', sha, 'A', 'a@x', '1767225600', '1767139200', `${msg}\n`, ''].join(NUL) +
      (files.length ? `${NUL}\n${files.join(NUL)}${NUL}` : '');
    const out = rec('a'.repeat(40), 'subject\n\nbody', ['x/y.txt', 'we ird\nname']) + rec('b'.repeat(40), 'merge', []);
    const commits = parseLog(out);
    expect(commits).toHaveLength(2);
    expect(commits[0]).toMatchObject({
      sha: 'a'.repeat(40),
      message: 'subject\n\nbody',
      files: ['x/y.txt', 'we ird\nname'],
    });
    expect(commits[0] && commitInfo(commits[0])).toEqual({
      sha: 'a'.repeat(40),
      authorName: 'A',
      authorEmail: 'a@x',
      subject: 'subject',
      date: '2026-01-01T00:00:00.000Z',
      authorDate: '2025-12-31T00:00:00.000Z',
    });
    expect(commits[1]?.files).toEqual([]);
  });

  it('reads a status letter before each file with --name-status', () => {
    const NUL = '\x00';
    const out = [
      '/C',
      'a'.repeat(40),
      'A',
      'a@x',
      '1767225600',
      '1767139200',
      'm\n',
      '',
      '\nD',
      'gone.txt',
      'A',
      'D',
      '',
    ].join(NUL);
    const [c] = parseLog(out, true);
    // A file may be named like a status letter: position decides.
    expect(c).toMatchObject({ files: ['gone.txt', 'D'], status: 'DA' });
  });
});

describe('GitRepo', () => {
  let fx: FixtureRepo;
  let repo: GitRepo;
  const asOf = new Date('2027-01-01T00:00:00Z');

  beforeAll(() => {
    fx = createRepo();
    fx.commit({
      files: { 'docs/a.md': 'one\n', 'docs/sub/b.md': 'b\n' },
      message: 'a',
      date: '2026-01-01T00:00:00Z',
      author: ALICE,
    });
    fx.commit({ files: { 'docs/a.md': 'two\n' }, message: 'edit a', date: '2026-01-02T00:00:00Z', author: BOB });
    fx.commit({ files: { 'src/[weird]*.ts': 'w\n' }, message: 'weird', date: '2026-01-03T00:00:00Z' });
    repo = new GitRepo(fx.dir);
  });

  it('reports the repository state', async () => {
    expect(await repo.isShallow()).toBe(false);
    expect(await repo.hasCommits()).toBe(true);
    expect(await repo.refExists('main')).toBe(true);
    expect(await repo.refExists('nope')).toBe(false);
    expect(await repo.refExists('--all')).toBe(false);
    expect(await new GitRepo(createRepo().dir).hasCommits()).toBe(false);
    expect((await new GitRepo(tempDir()).state()).kind).toBe('not_a_repo');
    expect(await new GitRepo(shallowClone(fx).dir).isShallow()).toBe(true);
  });

  it('resolves a ref as of an instant, inclusive of that second', async () => {
    expect((await repo.resolveAsOf('main', new Date('2026-01-02T00:00:00.500Z')))?.subject).toBe('edit a');
    expect((await repo.resolveAsOf('main', new Date('2026-01-01T23:59:59Z')))?.subject).toBe('a');
    expect(await repo.resolveAsOf('main', new Date('2025-12-31T00:00:00Z'))).toBeUndefined();
    expect(await repo.resolveAsOf('nope', asOf)).toBeUndefined();
  });

  it('resolves a ref that searches commit messages, as git reads it', async () => {
    expect(await repo.refExists(':/edit a')).toBe(true);
    expect((await repo.resolveAsOf(':/edit a', asOf))?.subject).toBe('edit a');
    expect((await repo.resolveAsOf('main^{/edit a}', asOf))?.subject).toBe('edit a');
    expect(await repo.refExists(':/no commit says this')).toBe(false);
  });

  it('finds no commit as of an instant in the 1970s or before 1970, when none was made', async () => {
    for (const early of [
      '1970-01-01T00:00:00Z',
      '1970-01-02T00:00:00Z',
      '1973-03-03T09:46:39Z',
      '1969-12-31T00:00:00Z',
    ]) {
      expect(await repo.resolveAsOf('main', new Date(early)), early).toBeUndefined();
    }
  });

  it('answers tree questions at a commit', async () => {
    const first = (await repo.resolveAsOf('main', new Date('2026-01-01T00:00:00Z')))?.sha ?? '';
    const head = (await repo.resolveAsOf('main', asOf))?.sha ?? '';
    expect(await repo.pathKind(head, 'docs')).toBe('directory');
    expect(await repo.pathKind(head, 'docs/sub/b.md')).toBe('file');
    expect(await repo.pathExists(head, 'src/[weird]*.ts')).toBe(true);
    expect(await repo.pathExists(head, 'src/x.ts')).toBe(false);
    expect(await repo.filesAt(head, 'docs/**/*.md')).toEqual(['docs/a.md', 'docs/sub/b.md']);
    expect(await repo.fileAt(first, 'docs/a.md')).toBe('one\n');
    expect(await repo.fileAt(head, 'docs/a.md')).toBe('two\n');
    expect(await repo.fileAt(head, 'docs')).toBeUndefined();
    expect(await repo.fileAt(head, 'missing.md')).toBeUndefined();
  });

  it('lists the commits that touched a file, newest first, literal names included', async () => {
    const head = (await repo.resolveAsOf('main', asOf))?.sha ?? '';
    const commits = await repo.commitsTouchingFile(head, 'docs/a.md');
    expect(commits.map((c) => [c.subject, c.authorEmail])).toEqual([
      ['edit a', BOB.email],
      ['a', ALICE.email],
    ]);
    expect(await repo.commitsTouchingFile(head, 'src/[weird]*.ts')).toHaveLength(1);
    expect(await repo.commitsTouchingFile(head, 'src/*.ts')).toHaveLength(0);
  });

  it('finds first and last commits by path and message, with ordinals', async () => {
    const head = (await repo.resolveAsOf('main', asOf))?.sha ?? '';
    const h = { sha: head, scope: 'mainline' as const, asOf };
    const first = await repo.firstCommitTouching(['docs/**'], h);
    const last = await repo.lastCommitTouching(['docs/**'], h);
    expect(first?.subject).toBe('a');
    expect(first?.files).toEqual(['docs/a.md', 'docs/sub/b.md']);
    expect(last?.subject).toBe('edit a');
    expect((first?.ordinal ?? 9) < (last?.ordinal ?? -1)).toBe(true);
    expect((await repo.firstCommitMatching(/^edit/, h))?.subject).toBe('edit a');
    expect(await repo.findCommit({ globs: ['docs/**'], pattern: /weird/ }, h, 'first')).toBeUndefined();
  });

  it('says since when paths matching globs exist on the mainline, across deletions and as of an ordinal', async () => {
    const f = createRepo();
    f.commit({ files: { 'p/1.md': '1\n', 'p/2.md': '2\n' }, message: 'two', date: '2026-01-01T00:00:00Z' });
    f.commit({ files: { 'p/1.md': null }, message: 'one left', date: '2026-01-02T00:00:00Z' });
    f.commit({ files: { 'p/2.md': null }, message: 'none left', date: '2026-01-03T00:00:00Z' });
    f.commit({ files: { 'p/3.md': '3\n' }, message: 'back', date: '2026-01-04T00:00:00Z' });
    f.commit({ files: { 'p/3.md': '3b\n' }, message: 'edit', date: '2026-01-05T00:00:00Z' });
    const g = new GitRepo(f.dir);
    const h = { sha: f.head(), scope: 'mainline' as const, asOf };
    expect(await g.presentSince(['p/*.md'], h)).toMatchObject({ subject: 'back', ordinal: 3, files: ['p/3.md'] });
    expect((await g.presentSince(['p/*.md'], h, 1))?.subject).toBe('two');
    expect(await g.presentSince(['p/*.md'], h, 2)).toBeUndefined();
    expect((await g.presentSince(['p/2.md'], h, 1))?.subject).toBe('two');
    expect(await g.presentSince(['p/1.md'], h)).toBeUndefined();
    expect(await g.presentSince(['p/*.md'], { ...h, scope: 'all' })).toBeUndefined();
  });

  it('after a preload, answers from the history it started loading; a bad ref is left to the real query', async () => {
    const fresh = new GitRepo(fx.dir);
    await fresh.preload('main', asOf);
    await fresh.preload('no-such-branch', asOf);
    const head = (await fresh.resolveAsOf('main', asOf))?.sha ?? '';
    const h = { sha: head, scope: 'mainline' as const, asOf };
    expect((await fresh.firstCommitTouching(['src/**'], h))?.subject).toBe('weird');
    expect(await fresh.resolveAsOf('no-such-branch', asOf)).toBeUndefined();
  });

  it('takes a git that was killed part way, or failed without a word, as failed, not its cut output as whole', async () => {
    // A git first on PATH that lists part of the tree and dies, or exits 1 silently after it.
    const bin = mkdtempSync(join(tmpdir(), 'rfcgate-git-shim-'));
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\ncase " $* " in\n*" ls-tree "*) "${real}" "$@" | head -c 60; [ -n "$SHIM_EXIT" ] && exit 1; kill -9 $$ ;;\nesac\nexec "${real}" "$@"\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    const head = fx.head();
    try {
      process.env.PATH = `${bin}:${path ?? ''}`;
      await expect(new GitRepo(fx.dir).pathExists(head, 'src/[weird]*.ts')).rejects.toThrow(/ended by a signal/);
      process.env.SHIM_EXIT = '1';
      await expect(new GitRepo(fx.dir).pathExists(head, 'src/[weird]*.ts')).rejects.toThrow(/exited with code 1/);
    } finally {
      process.env.PATH = path;
      delete process.env.SHIM_EXIT;
      rmSync(bin, { recursive: true, force: true });
    }
    expect(await new GitRepo(fx.dir).pathExists(head, 'src/[weird]*.ts')).toBe(true);
  });

  it('reports a history git cannot walk as an error naming git, not as an empty history', async () => {
    const h = { sha: 'f'.repeat(40), scope: 'mainline' as const, asOf };
    await expect(repo.firstCommitTouching(['docs/**'], h)).rejects.toThrow(/^git log: .*f{40}/);
  });
});

describe('a tip committed on a clock that runs fast', () => {
  it('counts as of now, within the slack --as-of is given; a past instant stays exact', async () => {
    const r = createRepo();
    const before = r.commit({ message: 'before', date: '2026-01-01T00:00:00Z' });
    const ahead = (ms: number) => new Date(Date.now() + ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const skewed = r.commit({ message: 'skewed', date: ahead(3 * 60_000) });
    const repo = new GitRepo(r.dir);
    expect((await repo.resolveAsOf('HEAD', new Date()))?.sha).toBe(skewed);
    // An instant before this run began is asked for as given.
    expect((await repo.resolveAsOf('HEAD', new Date('2026-06-01T00:00:00Z')))?.sha).toBe(before);
    // Further ahead than an --as-of may be: not counted as of now.
    const far = r.commit({ message: 'far', date: ahead(60 * 60_000) });
    const later = new GitRepo(r.dir);
    expect((await later.resolveAsOf('HEAD', new Date()))?.sha).toBe(skewed);
    expect(far).not.toBe(skewed);
  });
});

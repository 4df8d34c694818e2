import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitInfo, GitRepo, matchSorted, parseBatch, parseLog, pathMatcher } from '../../../src/sources/git/repo.js';
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

describe('who wrote files: commitsWriting and mailmap', () => {
  let fx: FixtureRepo;
  let onBranch = '';
  let evilMerge = '';
  const ELSEWHERE = { name: 'Alice Elsewhere', email: 'alice@elsewhere.example' };

  beforeAll(() => {
    fx = createRepo();
    fx.commit({
      files: { 'docs/a.md': 'a\n', '.mailmap': `${ALICE.name} <${ALICE.email}> <${ELSEWHERE.email}>\n` },
      message: 'init',
      date: '2026-01-01T00:00:00Z',
    });
    fx.branch('side');
    fx.checkout('side');
    onBranch = fx.commit({
      files: { 'docs/deep/b.md': 'b\n' },
      message: 'b',
      date: '2026-01-02T00:00:00Z',
      author: ELSEWHERE,
    });
    fx.checkout('main');
    fx.commit({ files: { 'README.md': 'r\n' }, message: 'readme', date: '2026-01-03T00:00:00Z' });
    fx.merge('side', { message: 'merge side', date: '2026-01-04T00:00:00Z', author: ALICE });
    fx.branch('side2');
    fx.checkout('side2');
    fx.commit({ files: { 'docs/a.md': 'a\nfrom side2\n' }, message: 'a2', date: '2026-01-05T00:00:00Z' });
    fx.checkout('main');
    fx.commit({ files: { 'README.md': 'r2\n' }, message: 'readme 2', date: '2026-01-06T00:00:00Z' });
    // A merge that, beside what it brought, writes a line of its own.
    evilMerge = fx.merge('side2', {
      message: 'merge side2',
      date: '2026-01-07T00:00:00Z',
      author: ALICE,
      resolve: { 'docs/a.md': 'a\nfrom side2\nslipped into the merge\n' },
    });
  });

  it("lists a merged branch's commits under their own author, and a merge only for lines it wrote itself", async () => {
    const repo = new GitRepo(fx.dir);
    // The second starts with a wildcard: the walk is not narrowed to a folder.
    for (const glob of ['docs/**', '**/docs/**']) {
      const writes = await repo.commitsWriting([glob], fx.head());
      expect(writes.map((c) => [c.subject, c.files, c.merge])).toEqual([
        ['init', ['docs/a.md'], false],
        ['b', ['docs/deep/b.md'], false],
        ['a2', ['docs/a.md'], false],
        ['merge side2', ['docs/a.md'], true],
      ]);
      const b = writes.find((c) => c.sha === onBranch);
      expect(b).toMatchObject({ authorEmail: ELSEWHERE.email, mailmapped: { author: { email: ALICE.email } } });
      expect(writes[3]).toMatchObject({ sha: evilMerge, authorEmail: ALICE.email });
    }
  });

  it('names people as .mailmap does, each as given when it maps nothing, whatever their name holds', async () => {
    const repo = new GitRepo(fx.dir);
    expect(
      await repo.mailmap([
        ELSEWHERE,
        { name: '', email: 'ALICE@elsewhere.example' },
        { name: 'A <b> C', email: 'c@example.com' },
        { name: '--stdin', email: 'opt@example.com' },
        ELSEWHERE,
      ]),
    ).toEqual([
      { name: ALICE.name, email: ALICE.email },
      { name: ALICE.name, email: ALICE.email },
      { name: '', email: 'c@example.com' },
      { name: '--stdin', email: 'opt@example.com' },
      { name: ALICE.name, email: ALICE.email },
    ]);
  });
});

describe('reading file contents', () => {
  let fx: FixtureRepo;
  let head: string;
  /** Every file of the fixture by the path the tree gives it, with its content. */
  const files = new Map<string, Buffer>();
  /** The name that is not UTF-8, as the tree gives it (U+FFFD for the byte) and as git stores it. */
  const LATIN1 = { path: 'latin1-\uFFFD.txt', bytes: Buffer.from('latin1-\xe9.txt', 'latin1') };

  /** Runs `fn` with a git first on PATH that logs each command line, then execs the real git. */
  async function logGit<T>(fn: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
    const bin = mkdtempSync(join(tmpdir(), 'rfcgate-git-log-'));
    const log = join(bin, 'calls');
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\0' "$*" >> "${log}"\nexec "${real}" "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    try {
      process.env.PATH = `${bin}:${path ?? ''}`;
      const result = await fn();
      // Without the `-c` settings every command starts with (src/util/git-config.ts).
      const calls = existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\0')
            .slice(0, -1)
            .map((c) => c.replace(/^(?:-c \S+ )+/, ''))
        : [];
      return { result, calls };
    } finally {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    }
  }

  /** What `git cat-file blob` prints for an object, decoded as text. */
  const catBlob = (dir: string, name: string) =>
    execFileSync('git', ['cat-file', 'blob', name], { cwd: dir }).toString('utf-8');

  /** The blob id of a tree entry, found by its name's bytes in git's raw listing. */
  function blobId(dir: string, sha: string, name: Buffer): string {
    const raw = execFileSync('git', ['ls-tree', '-z', sha], { cwd: dir });
    for (let start = 0; start < raw.length;) {
      const end = raw.indexOf(0, start);
      const rec = raw.subarray(start, end);
      const tab = rec.indexOf(9);
      if (rec.subarray(tab + 1).equals(name)) return rec.subarray(0, tab).toString().split(' ')[2] ?? '';
      start = end + 1;
    }
    return '';
  }

  beforeAll(() => {
    fx = createRepo();
    const put = (rel: string, content: string | Buffer) => {
      mkdirSync(join(fx.dir, dirname(rel)), { recursive: true });
      writeFileSync(join(fx.dir, rel), content);
      files.set(rel, Buffer.from(content));
    };
    for (let i = 0; i < 40; i++) put(`many/f-${String(i).padStart(2, '0')}.txt`, `file ${i}\n`.repeat(i));
    put('a name with spaces.md', 'spaces\n');
    put('line\nbreak.txt', 'a name with a newline\n');
    put('ünïcødé/ファイル.md', 'κείμενο\n');
    // Line feeds, NULs and bytes that are not UTF-8, which decode as the single read decoded them.
    put('bytes.bin', Buffer.from([0, 10, 10, 255, 254, 0x0d, 10, 0xc3, 0x28, 0, 10]));
    put('newlines.txt', '\n\n\nthree blank lines first, two last\n\n');
    put('empty.txt', '');
    put('pre', 'a file\n');
    put('pre.d/in.txt', "in a folder whose name starts as the file's\n");
    put('pre-x/in.txt', 'and another\n');
    writeFileSync(Buffer.concat([Buffer.from(`${fx.dir}/`), LATIN1.bytes]), 'latin-1 name\n');
    files.set(LATIN1.path, Buffer.from('latin-1 name\n'));
    symlinkSync('many/f-01.txt', join(fx.dir, 'link'));
    fx.git(['add', '-A']);
    head = fx.commit({ message: 'many', date: '2026-01-01T00:00:00Z' });
  });

  it('reads files asked for together, each as git prints it, in one cat-file process', async () => {
    const repo = new GitRepo(fx.dir);
    const paths = [...files.keys()];
    expect(paths.length).toBeGreaterThanOrEqual(50);
    const { result, calls } = await logGit(() =>
      Promise.all([
        ...paths.map((p) => repo.fileAt(head, p)),
        repo.linkAt(head, 'link'),
        repo.fileAt(head, 'link'),
        repo.fileAt(head, 'pre.d'),
        repo.linkAt(head, 'pre'),
      ]),
    );
    paths.forEach((p, i) => {
      const name = p === LATIN1.path ? blobId(fx.dir, head, LATIN1.bytes) : `${head}:${p}`;
      expect(result[i], JSON.stringify(p)).toBe(catBlob(fx.dir, name));
      expect(result[i], JSON.stringify(p)).toBe(files.get(p)?.toString('utf-8'));
    });
    expect(result.slice(paths.length)).toEqual([catBlob(fx.dir, `${head}:link`), undefined, undefined, undefined]);
    expect(result[paths.length]).toBe('many/f-01.txt');
    expect(calls.filter((c) => c.startsWith('cat-file'))).toEqual(['cat-file --batch']);
    // Memoised: asked again, nothing is run.
    const again = await logGit(() => Promise.all(paths.map((p) => repo.fileAt(head, p))));
    expect(again.result).toEqual(result.slice(0, paths.length));
    expect(again.calls).toEqual([]);
  });

  it('fails a file whose object is missing or corrupt with what git says of it, and reads the others', async () => {
    const broken = createRepo();
    const names = ['a.txt', 'gone.txt', 'b.txt', 'corrupt.txt', 'c.txt'];
    const sha = broken.commit({
      files: Object.fromEntries(names.map((n) => [n, `${n}\n`])),
      message: 'five',
      date: '2026-01-01T00:00:00Z',
    });
    const loose = (n: string) => {
      const id = broken.git(['rev-parse', `${sha}:${n}`]);
      return join(broken.dir, '.git', 'objects', id.slice(0, 2), id.slice(2));
    };
    rmSync(loose('gone.txt'));
    const bad = loose('corrupt.txt');
    rmSync(bad);
    writeFileSync(bad, 'not a zlib stream');
    /** What `git cat-file blob <sha>:<path>` wrote to stderr. */
    const said = (n: string) => {
      try {
        execFileSync('git', ['cat-file', 'blob', `${sha}:${n}`], { cwd: broken.dir, stdio: 'pipe' });
      } catch (e) {
        return String((e as { stderr: Buffer }).stderr).trim();
      }
      throw new Error(`${n} was read`);
    };
    const repo = new GitRepo(broken.dir);
    const { result: got, calls } = await logGit(() => Promise.allSettled(names.map((n) => repo.fileAt(sha, n))));
    const outcome = got.map((r) =>
      r.status === 'fulfilled' ? r.value : `rejected: ${(r.reason as Error).message.trim()}`,
    );
    expect(outcome).toEqual([
      'a.txt\n',
      `rejected: ${said('gone.txt')}`,
      'b.txt\n',
      `rejected: ${said('corrupt.txt')}`,
      'c.txt\n',
    ]);
    // Each of the two is asked of git again on its own, as before, which words the error.
    expect(calls.filter((c) => c.startsWith('cat-file')).sort()).toEqual([
      'cat-file --batch',
      `cat-file blob ${sha}:corrupt.txt`,
      `cat-file blob ${sha}:gone.txt`,
    ]);
    expect(said('gone.txt')).toMatch(/bad file|not a valid|does not exist|unable to read/i);
  });
});

describe('parseBatch', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const out = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

  it('reads each answer by its size, whatever bytes it holds, and none for a missing object', () => {
    const got = parseBatch(
      out(`${A} blob 4\n`, Buffer.from([10, 0, 10, 255]), '\n', `${B} missing\n`, `${A} blob 0\n\n`),
      [A, B, A],
    );
    expect(got).toEqual([Buffer.from([10, 0, 10, 255]), undefined, Buffer.alloc(0)]);
  });

  it('gives nothing from an answer cut short, for another object, or not a blob, nor after it', () => {
    expect(parseBatch(out(`${A} blob 4\nab`), [A])).toEqual([undefined]);
    expect(parseBatch(out(`${A} blob 2\nabc\n`), [A])).toEqual([undefined]);
    expect(parseBatch(out(`${B} blob 2\nab\n`, `${A} blob 2\nab\n`), [A, B])).toEqual([undefined, undefined]);
    expect(parseBatch(out(`${A} tree 2\nab\n`, `${B} blob 2\nab\n`), [A, B])).toEqual([undefined, undefined]);
    expect(parseBatch(out(`${A} blob 2\nab\n`), [A, B])).toEqual([Buffer.from('ab'), undefined]);
  });
});

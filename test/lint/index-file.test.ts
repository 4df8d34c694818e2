/**
 * The index read from its file gives exactly what `git ls-files -s -z` gives, on real
 * repositories written by git in every layout it reads (versions 2, 3 and 4, SHA-1 and
 * SHA-256, names longer than the 12-bit length field, conflicts, symlinks, submodules,
 * linked worktrees and their hooks' GIT_DIR, GIT_INDEX_FILE), and whatever the read size;
 * every layout it leaves to git (split or sparse index, another git directory, no index, a
 * damaged file) answers undefined.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileWindow, gitDirs, type IndexPaths, parseIndex, readIndexFile } from '../../src/lint/index-file.js';
import { IndexListing, openSnapshot } from '../../src/lint/scopes.js';
import { createRepo, FixtureRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

const DATE = '2026-05-01T09:00:00Z';

/** What git itself lists, read by the reader `lint --staged` falls back to. */
function fromGit(dir: string, env: NodeJS.ProcessEnv = {}): IndexPaths {
  const l = new IndexListing();
  l.push(execFileSync('git', ['ls-files', '-s', '-z'], { cwd: dir, env: { ...process.env, ...env } }));
  return { universe: l.universe, conflicted: l.conflicted };
}

function blob(repo: FixtureRepo, text: string): string {
  return execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: text, encoding: 'utf8' }).trim();
}

/** A repository with every kind of entry: executable, symlink, submodule, UTF-8, tab, a very long name. */
function variedRepo(objectFormat = 'sha1'): FixtureRepo {
  const repo = new FixtureRepo(tempDir());
  repo.git(['init', '-q', '-b', 'main', `--object-format=${objectFormat}`]);
  repo.commit({
    files: {
      'README.md': '# r\n',
      'src/a.py': 'x = 1\n',
      'src/tab\there.py': 't\n',
      'docs/naïve – résumé.md': 'é\n',
      'src/日本語.py': 'j\n',
      '.github/workflows/ci.yml': 'on: push\n',
    },
    message: 'files',
    date: DATE,
  });
  repo.write('bin/run.sh', '#!/bin/sh\n');
  repo.git(['update-index', '--add', '--chmod=+x', 'bin/run.sh']);
  repo.git(['add', 'bin/run.sh']);
  repo.git(['update-index', '--chmod=+x', 'bin/run.sh']);
  const id = blob(repo, 'long\n');
  // Longer than the 12-bit name length (4095): only in the index, no file system holds it.
  const long = `deep/${'d'.repeat(200)}/`.repeat(21) + 'file.txt';
  repo.git(['update-index', '--add', '--cacheinfo', `100644,${id},${long}`]);
  repo.git(['update-index', '--add', '--cacheinfo', `120000,${id},link-to-readme`]);
  repo.git(['update-index', '--add', '--cacheinfo', `160000,${repo.head()},vendor/submodule`]);
  return repo;
}

function withChunk(file: string, chunk: number, idLength: number): IndexPaths | undefined {
  const fd = openSync(file, 'r');
  try {
    return parseIndex(new FileWindow(fd, fstatSync(fd).size, chunk), idLength);
  } finally {
    closeSync(fd);
  }
}

describe('readIndexFile', () => {
  it('keeps two names that differ only in a byte that is not UTF-8 apart, in every version', () => {
    const repo = variedRepo();
    const id = blob(repo, 'x\n');
    const entries = Buffer.concat(
      [0xe9, 0xe8].map((b) =>
        Buffer.concat([Buffer.from(`100644 ${id}\tsrc/caf`), Buffer.from([b]), Buffer.from('.py\0')]),
      ),
    );
    execFileSync('git', ['update-index', '-z', '--index-info'], { cwd: repo.dir, input: entries });
    for (const version of ['2', '4']) {
      repo.git(['update-index', '--index-version', version]);
      const read = readIndexFile(repo.dir);
      expect(read?.universe, version).toEqual(expect.arrayContaining(['src/caf\uFFFD<e8>.py', 'src/caf\uFFFD<e9>.py']));
      expect(read, version).toEqual(fromGit(repo.dir));
    }
  });

  it('reads versions 2 and 4 as git lists them, whatever the read size', () => {
    const repo = variedRepo();
    const versions: number[] = [];
    for (const version of ['2', '4']) {
      repo.git(['update-index', '--index-version', version]);
      const file = join(repo.dir, '.git', 'index');
      versions.push(readFileSync(file).readUInt32BE(4));
      const git = fromGit(repo.dir);
      expect(git.universe.some((p) => p.length > 4095)).toBe(true);
      expect(readIndexFile(repo.dir)).toEqual(git);
      for (const chunk of [16, 61, 64, 100, 4096]) expect(withChunk(file, chunk, 20), `chunk ${chunk}`).toEqual(git);
    }
    expect(versions).toEqual([2, 4]);
  });

  it('reads entries with extended flags (intent-to-add, skip-worktree): version 3, and 4', () => {
    const repo = variedRepo();
    repo.write('new.py', 'n\n');
    repo.git(['add', '-N', 'new.py']);
    repo.git(['update-index', '--skip-worktree', 'src/a.py']);
    const file = join(repo.dir, '.git', 'index');
    expect(readFileSync(file).readUInt32BE(4)).toBe(3);
    const listed = fromGit(repo.dir);
    expect(listed.universe).toEqual(expect.arrayContaining(['new.py', 'src/a.py']));
    // git lists an intent-to-add path with the empty blob; it holds nothing the commit will
    // contain, so the reader leaves it out. A skip-worktree entry is committed as it is.
    const git = { ...listed, universe: listed.universe.filter((p) => p !== 'new.py') };
    expect(readIndexFile(repo.dir)).toEqual(git);
    for (const chunk of [16, 70]) expect(withChunk(file, chunk, 20)).toEqual(git);
    repo.git(['update-index', '--index-version', '4']);
    expect(readFileSync(file).readUInt32BE(4)).toBe(4);
    expect(readIndexFile(repo.dir)).toEqual(git);
  });

  it('names conflicted paths once per stage, as the listing does', () => {
    const repo = createRepo();
    repo.commit({ files: { 'c.py': 'base\n', 'ok.py': 'k\n' }, message: 'base', date: DATE });
    repo.branch('other');
    repo.commit({ files: { 'c.py': 'ours\n' }, message: 'ours', date: DATE });
    repo.checkout('other');
    repo.commit({ files: { 'c.py': 'theirs\n' }, message: 'theirs', date: DATE });
    repo.checkout('main');
    expect(() => repo.git(['merge', '-q', 'other'])).toThrow();
    const git = fromGit(repo.dir);
    expect(git.conflicted).toEqual(['c.py', 'c.py', 'c.py']);
    expect(readIndexFile(repo.dir)).toEqual(git);
  });

  it('reads a SHA-256 repository', () => {
    const repo = variedRepo('sha256');
    expect(repo.git(['rev-parse', '--show-object-format'])).toBe('sha256');
    for (const version of ['2', '4']) {
      repo.git(['update-index', '--index-version', version]);
      expect(readIndexFile(repo.dir)).toEqual(fromGit(repo.dir));
    }
  });

  it('follows a linked worktree to its own index, and GIT_INDEX_FILE to another', () => {
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n', 'src/a.py': 'a\n', 'src/b.py': 'b\n' }, message: 'm', date: DATE });
    const wt = join(tempDir('rfcgate-wt-'), 'tree');
    repo.git(['worktree', 'add', '-q', wt]);
    execFileSync('git', ['rm', '-q', '--cached', 'README.md'], { cwd: wt });
    const inWorktree = fromGit(wt);
    expect(inWorktree.universe).not.toContain('README.md');
    expect(readIndexFile(wt)).toEqual(inWorktree);
    expect(readIndexFile(repo.dir)?.universe).toContain('README.md');
    // As git runs a linked worktree's hooks: GIT_DIR naming its git directory, GIT_INDEX_FILE its index.
    const gitDir = execFileSync('git', ['rev-parse', '--absolute-git-dir'], { cwd: wt, encoding: 'utf8' }).trim();
    const hook = { GIT_DIR: gitDir, GIT_INDEX_FILE: join(gitDir, 'index') };
    expect(readIndexFile(wt, hook)).toEqual(fromGit(wt, hook));
    expect(readIndexFile(wt, { GIT_DIR: gitDir })).toEqual(inWorktree);
    // The objects are still the common directory's.
    expect(gitDirs(wt, hook)).toEqual(gitDirs(wt, {}));
    expect(gitDirs(wt, hook)?.common).toBe(join(repo.dir, '.git'));
    // Relative, as git reads it from where it runs; GIT_WORK_TREE naming the root itself.
    expect(readIndexFile(repo.dir, { GIT_DIR: '.git' })).toEqual(fromGit(repo.dir, { GIT_DIR: '.git' }));
    const both = { GIT_DIR: join(repo.dir, '.git'), GIT_WORK_TREE: '.' };
    expect(readIndexFile(repo.dir, both)).toEqual(fromGit(repo.dir, both));

    const other = join(tempDir('rfcgate-index-'), 'index');
    const env = { GIT_INDEX_FILE: other };
    execFileSync('git', ['read-tree', 'HEAD'], { cwd: repo.dir, env: { ...process.env, ...env } });
    execFileSync('git', ['rm', '-q', '--cached', 'src/a.py'], { cwd: repo.dir, env: { ...process.env, ...env } });
    const separate = fromGit(repo.dir, env);
    expect(separate.universe).not.toContain('src/a.py');
    expect(readIndexFile(repo.dir, env)).toEqual(separate);
    // Relative, as git reads it: from the top of the working tree.
    writeFileSync(join(repo.dir, 'idx-copy'), readFileSync(other));
    expect(readIndexFile(repo.dir, { GIT_INDEX_FILE: 'idx-copy' })).toEqual(separate);
  });

  it('leaves a split index, a sparse index, another git directory or working tree, a missing or damaged index to git', () => {
    const split = variedRepo();
    split.git(['update-index', '--split-index']);
    expect(readIndexFile(split.dir)).toBeUndefined();

    const sparse = createRepo();
    sparse.commit({ files: { 'keep/a.py': 'a\n', 'away/b.py': 'b\n', 'top.py': 't\n' }, message: 'm', date: DATE });
    sparse.git(['sparse-checkout', 'set', '--cone', '--sparse-index', 'keep']);
    expect(readIndexFile(sparse.dir)).toBeUndefined();

    const repo = variedRepo();
    expect(readIndexFile(repo.dir, { GIT_DIR: join(sparse.dir, '.git') })).toBeUndefined();
    expect(readIndexFile(repo.dir, { GIT_DIR: join(repo.dir, 'no-such-dir') })).toBeUndefined();
    expect(readIndexFile(repo.dir, { GIT_WORK_TREE: join(repo.dir, 'src') })).toBeUndefined();
    expect(readIndexFile(createRepo().dir)).toBeUndefined();
    expect(readIndexFile(tempDir())).toBeUndefined();

    const file = join(repo.dir, '.git', 'index');
    const good = readFileSync(file);
    for (const cut of [11, 40, Math.floor(good.length / 2), good.length - 1]) {
      writeFileSync(file, good.subarray(0, cut));
      expect(readIndexFile(repo.dir), `cut at ${cut}`).toBeUndefined();
    }
    writeFileSync(file, Buffer.concat([good, Buffer.from('x')]));
    expect(readIndexFile(repo.dir)).toBeUndefined();
  });

  it('lint --staged sees the same index through git when the reader leaves it to git', async () => {
    const repo = variedRepo();
    repo.write('src/new.py', 'y = 2\n');
    repo.git(['add', 'src/new.py']);
    const direct = await openSnapshot(repo.dir, { kind: 'staged' });
    repo.git(['update-index', '--split-index']);
    expect(readIndexFile(repo.dir)).toBeUndefined();
    const viaGit = await openSnapshot(repo.dir, { kind: 'staged' });
    expect(viaGit.universe).toEqual(direct.universe);
    expect(viaGit.targets).toEqual(direct.targets);
    expect(direct.targets).toContain('src/new.py');
  });
});

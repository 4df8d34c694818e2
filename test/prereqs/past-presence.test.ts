/**
 * At a past mainline commit (the out-of-order check, the ordering guard) a deliverable's
 * presence is read from the loaded history, not from that commit's tree: the answers must be
 * the tree's, at every commit, through additions, deletions, re-creations, renames, folders,
 * globs and files a merge brought in.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { landedBefore, landingOf } from '../../src/sources/git/landing.js';
import { type CommitInfo, GitRepo, type HistoryCommit } from '../../src/sources/git/repo.js';
import type { PrereqSpec } from '../../src/spec/types.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

const AS_OF = new Date('2026-06-01T00:00:00Z');

function prereq(id: string, deliverables: string[], shared: string[] = []): PrereqSpec {
  return {
    id,
    title: id,
    deliverables,
    depends_on: [],
    data_gates: [],
    shared,
    location: { file: 'p', line: 1, col: 1 },
  };
}

const PREREQS = [
  prereq('file', ['src/a.py']),
  prereq('folder', ['tests/golden/', './tests/golden']),
  prereq('glob', ['docs/profile-*.md', 'lib/**/*.ex']),
  prereq('renamed', ['src/old.py']),
  prereq('merged', ['src/m.py', 'src/m/']),
  prereq('shared', ['src/a.py', 'src/b.py'], ['src/a.py']),
];

function history() {
  const repo = createRepo();
  const day = (d: number) => `2026-05-${String(d).padStart(2, '0')}T10:00:00Z`;
  repo.commit({ files: { 'README.md': 'r\n' }, message: 'root', date: day(1) });
  repo.commit({ files: { 'src/a.py': 'a\n', 'tests/golden/1.json': '{}\n' }, message: 'a', date: day(2) });
  repo.commit({ files: { 'docs/profile-1.md': 'p\n', 'src/old.py': 'o\n' }, message: 'p', date: day(3) });
  repo.commit({ files: { 'src/a.py': null, 'tests/golden/2.json': '{}\n' }, message: 'drop a', date: day(4) });
  repo.commit({ files: { 'tests/golden/1.json': null }, message: 'one golden left', date: day(5) });
  repo.git(['mv', 'src/old.py', 'src/new.py']);
  repo.commit({ message: 'rename', date: day(6) });
  repo.branch('side');
  repo.checkout('side');
  repo.commit({
    files: { 'src/m.py': 'm\n', 'src/m/x.py': 'x\n', 'lib/a/b.ex': 'e\n' },
    message: 'side',
    date: day(7),
  });
  repo.checkout('main');
  repo.commit({ files: { 'tests/golden/2.json': null, 'src/b.py': 'b\n' }, message: 'no golden', date: day(8) });
  repo.merge('side', { message: 'Merge side', date: day(9) });
  repo.commit({ files: { 'src/a.py': 'a again\n', 'docs/profile-1.md': null }, message: 'a again', date: day(10) });
  repo.commit({ files: { 'src/m/x.py': null, 'lib/a/b.ex': null }, message: 'drop side', date: day(11) });
  return repo;
}

describe('presence at a past mainline commit', () => {
  it('is what that commit’s tree says, at every commit, without listing a tree', async () => {
    const fixture = history();
    const mainline = fixture.git(['rev-list', '--first-parent', '--reverse', 'main']).split('\n');
    const repo = new GitRepo(fixture.dir);
    const tip = await repo.resolveAsOf('main', AS_OF);
    if (!tip) throw new Error('no tip');
    const h = { sha: tip.sha, scope: 'mainline' as const, asOf: AS_OF };
    const at = (sha: string): CommitInfo => ({ sha, authorName: '', authorEmail: '', date: '', subject: '' });

    // The tree's answer, from a repository of its own (nothing shared with the one under test).
    const byTree = new GitRepo(fixture.dir);
    const expected = await Promise.all(
      mainline.map(async (sha) =>
        Promise.all(
          PREREQS.map(async (p) => (await landingOf(byTree, p, h, at(sha))).deliverables.map((d) => d.present)),
        ),
      ),
    );
    // Every deliverable is present at some commit and absent at another: the comparison can tell.
    for (const [k] of PREREQS.entries()) {
      const seen = expected.map((row) => row[k] ?? []);
      for (const j of PREREQS[k]?.deliverables.keys() ?? []) {
        expect(new Set(seen.map((s) => s[j]))).toEqual(new Set([true, false]));
      }
    }

    const trees: string[] = [];
    const spy = Object.assign(Object.create(repo) as GitRepo, {
      pathExists: (sha: string, path: string) => (trees.push(sha), repo.pathExists(sha, path)),
      filesAt: (sha: string, glob: string) => (trees.push(sha), repo.filesAt(sha, glob)),
    });
    const actual = await Promise.all(
      mainline.map(async (sha, ordinal) =>
        Promise.all(
          PREREQS.map(async (p) => (await landingOf(spy, p, h, at(sha), ordinal)).deliverables.map((d) => d.present)),
        ),
      ),
    );
    expect(actual).toEqual(expected);
    expect(trees).toEqual([]);

    // landedBefore reads the tree just before each commit: the one of the commit before it.
    const commits = await Promise.all(
      mainline.map(async (sha, ordinal): Promise<HistoryCommit> => ({ ...at(sha), ordinal, files: [] })),
    );
    for (const c of commits) {
      const then = await landedBefore(spy, PREREQS, h, c);
      const before =
        c.ordinal === 0 ? PREREQS.map(() => false) : expected[c.ordinal - 1]?.map((ds) => ds.every(Boolean));
      expect(then.map((t) => t.landed)).toEqual(before);
    }
    expect(trees).toEqual([]);
  });
});

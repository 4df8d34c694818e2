/**
 * Staged blobs read from their loose object files are byte for byte what `git cat-file`
 * prints; a blob that is not loose (packed by gc) or whose file is damaged is left out, and
 * `lint --staged` then reads it through git with the same result.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLooseBlobs } from '../../src/lint/loose-objects.js';
import { openSnapshot } from '../../src/lint/scopes.js';
import { createRepo, FixtureRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

const DATE = '2026-05-01T09:00:00Z';
const FILES: Record<string, string | Buffer> = {
  'src/a.py': 'x = "measurement.lease_plane.x"\n',
  'empty.txt': '',
  'bin/data.bin': Buffer.from([0, 1, 2, 255, 0, 10, 13]),
  'docs/naïve.md': 'é\n'.repeat(5000),
};

function staged(repo: FixtureRepo): { path: string; id: string }[] {
  for (const [p, c] of Object.entries(FILES)) {
    repo.write(p, '');
    writeFileSync(join(repo.dir, p), c);
  }
  repo.git(['add', '-A']);
  return Object.keys(FILES).map((path) => ({ path, id: repo.git(['rev-parse', `:${path}`]) }));
}

const catFile = (dir: string, id: string) => execFileSync('git', ['cat-file', 'blob', id], { cwd: dir });

async function snapshotReads(dir: string): Promise<Record<string, string>> {
  const snap = await openSnapshot(dir, { kind: 'staged' });
  const out: Record<string, string> = {};
  for (const [p, r] of snap.read(snap.targets, 1 << 20)) out[p] = r.ok ? r.data.toString('base64') : 'not read';
  return out;
}

describe('readLooseBlobs', () => {
  it('reads what git add wrote, as git prints it, in SHA-1 and SHA-256 repositories', async () => {
    for (const format of ['sha1', 'sha256']) {
      const repo = new FixtureRepo(tempDir());
      repo.git(['init', '-q', '-b', 'main', `--object-format=${format}`]);
      const wanted = staged(repo);
      const got = await readLooseBlobs(repo.dir, wanted);
      expect([...got.keys()].sort(), format).toEqual(Object.keys(FILES).sort());
      for (const { path, id } of wanted) expect(got.get(path), `${format} ${path}`).toEqual(catFile(repo.dir, id));
    }
  });

  it('leaves out packed and damaged objects, which --staged then reads through git', async () => {
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'base', date: DATE });
    const wanted = staged(repo);
    const before = await snapshotReads(repo.dir);
    expect(Object.keys(before).sort()).toEqual(Object.keys(FILES).sort());

    // Damaged: the file of one blob no longer inflates; git itself would fail on it, so
    // only the reader is asked here.
    const a = wanted.find((w) => w.path === 'src/a.py') as { id: string };
    const objects = join(repo.dir, '.git', 'objects');
    const file = join(objects, a.id.slice(0, 2), a.id.slice(2));
    const saved = readFileSync(file);
    chmodSync(file, 0o644);
    writeFileSync(file, Buffer.from('not zlib'));
    expect((await readLooseBlobs(repo.dir, wanted)).has('src/a.py')).toBe(false);
    writeFileSync(file, saved);

    // Packed: gc moves every object into a pack; nothing is loose, the snapshot reads the same.
    repo.git(['gc', '-q', '--prune=now']);
    expect(readdirSync(objects).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
    expect((await readLooseBlobs(repo.dir, wanted)).size).toBe(0);
    expect(await snapshotReads(repo.dir)).toEqual(before);
  });

  it('finds a linked worktree’s objects in the common git directory', async () => {
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'base', date: DATE });
    const wt = join(tempDir('rfcgate-wt-'), 'tree');
    repo.git(['worktree', 'add', '-q', wt]);
    writeFileSync(join(wt, 'new.py'), 'print(1)\n');
    execFileSync('git', ['add', 'new.py'], { cwd: wt });
    const id = execFileSync('git', ['rev-parse', ':new.py'], { cwd: wt, encoding: 'utf8' }).trim();
    const got = await readLooseBlobs(wt, [{ path: 'new.py', id }]);
    expect(got.get('new.py')?.toString()).toBe('print(1)\n');
    expect(await readLooseBlobs(wt, [{ path: 'new.py', id }], { GIT_OBJECT_DIRECTORY: '/nowhere' })).toEqual(new Map());
  });
});

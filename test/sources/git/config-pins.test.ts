/**
 * A user's or repository's git config may change what git prints; the sources read git as its
 * defaults print it, whatever the config says.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitRepo } from '../../../src/sources/git/repo.js';
import { GitMeasurementSource } from '../../../src/sources/git/source.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import type { GitQuery } from '../../../src/spec/types.js';
import { BOB, context, createRepo, gitMeasurement, removeFixtures, tempDir } from '../../helpers/git-fixture.js';

afterAll(removeFixtures);

const AS_OF = '2026-03-01T00:00:00Z';

function measure(dir: string, q: GitQuery): Promise<MeasurementOutcome> {
  return new GitMeasurementSource(new GitRepo(dir)).measure(gitMeasurement(q), context(dir, { asOf: AS_OF }));
}

function ok(o: MeasurementOutcome): MeasurementOutcome & { status: 'ok' } {
  expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
  return o as MeasurementOutcome & { status: 'ok' };
}

const dated = (iso: string) => {
  const s = `${Math.floor(Date.parse(iso) / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: BOB.name,
    GIT_AUTHOR_EMAIL: BOB.email,
    GIT_COMMITTER_NAME: BOB.name,
    GIT_COMMITTER_EMAIL: BOB.email,
    GIT_AUTHOR_DATE: s,
    GIT_COMMITTER_DATE: s,
  };
};

describe('git config that changes what git prints', () => {
  it('log.showSignature: signed commits are read as commits, not as files of the one before', async () => {
    const repo = createRepo();
    const key = path.join(tempDir('rfcgate-key-'), 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key], { stdio: 'ignore' });
    repo.git(['config', 'gpg.format', 'ssh']);
    repo.git(['config', 'user.signingkey', key]);
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
    repo.write('dispatch/x.ex', 'x\n');
    repo.git(['add', 'dispatch/x.ex']);
    // A web merge on GitHub is signed like this.
    repo.git(['commit', '-q', '-S', '-m', 'dispatch'], dated('2026-01-02T00:00:00Z'));
    const signed = repo.head();
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'three', date: '2026-01-03T00:00:00Z' });
    repo.write('src/c.py', 'c\n');
    repo.git(['add', 'src/c.py']);
    repo.git(['commit', '-q', '-S', '-m', 'four'], dated('2026-01-04T00:00:00Z'));
    const tip = repo.head();
    repo.git(['config', 'log.showSignature', 'true']);

    const first = ok(await measure(repo.dir, { query: 'first_commit', paths: ['dispatch/**'] }));
    expect(first.evidence.sha).toBe(signed);
    expect(first.evidence.files).toEqual(['dispatch/x.ex']);
    const last = ok(await measure(repo.dir, { query: 'last_commit', paths: ['src/**'] }));
    expect(last.evidence.sha).toBe(tip);
    expect(ok(await measure(repo.dir, { query: 'path_exists', path: 'src/c.py' })).value).toBe(true);
  });

  it('log.showRoot=false: what the root commit added is in the history', async () => {
    const repo = createRepo();
    const root = repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'import', date: '2026-01-01T00:00:00Z' });
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'two', date: '2026-01-02T00:00:00Z' });
    repo.git(['config', 'log.showRoot', 'false']);
    const first = ok(await measure(repo.dir, { query: 'first_commit', paths: ['src/a.py'] }));
    expect(first.evidence.sha).toBe(root);
  });

  it('diff.ignoreSubmodules=all: a submodule added is a change of its path', async () => {
    const inner = createRepo();
    inner.commit({ files: { 'x.txt': 'x\n' }, message: 'inner', date: '2026-01-01T00:00:00Z' });
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
    const sub = inner.head();
    repo.git(['update-index', '--add', '--cacheinfo', `160000,${sub},vendor/lib`]);
    repo.git(['commit', '-q', '-m', 'vendor lib'], dated('2026-01-02T00:00:00Z'));
    const added = repo.head();
    repo.git(['config', 'diff.ignoreSubmodules', 'all']);
    const first = ok(await measure(repo.dir, { query: 'first_commit', paths: ['vendor/lib'] }));
    expect(first.evidence.sha).toBe(added);
  });

  it('log.follow: the commits of one path are that path only, not its name before a rename', async () => {
    const repo = createRepo();
    repo.commit({ files: { 'docs/a.md': 'a\n' }, message: 'add a', date: '2026-01-01T00:00:00Z' });
    repo.git(['mv', 'docs/a.md', 'docs/b.md']);
    repo.git(['commit', '-q', '-m', 'rename'], dated('2026-01-02T00:00:00Z'));
    const renamed = repo.head();
    repo.git(['config', 'log.follow', 'true']);
    const commits = await new GitRepo(repo.dir).commitsTouchingFile(renamed, 'docs/b.md');
    expect(commits.map((c) => c.subject)).toEqual(['rename']);
  });

  it('i18n.logOutputEncoding: names are read as written (UTF-8)', async () => {
    const repo = createRepo();
    const zoe = { name: 'Zoë Ångström', email: 'zoe@example.com' };
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'café', date: '2026-01-01T00:00:00Z', author: zoe });
    repo.git(['config', 'i18n.logOutputEncoding', 'ISO-8859-1']);
    const first = ok(await measure(repo.dir, { query: 'first_commit', paths: ['src/**'] }));
    expect(first.evidence.author).toBe('Zoë Ångström <zoe@example.com>');
    expect(first.evidence.subject).toBe('café');
  });
});

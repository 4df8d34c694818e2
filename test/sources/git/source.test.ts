import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRepo } from '../../../src/sources/git/repo.js';
import { GitMeasurementSource } from '../../../src/sources/git/source.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import type { GitEvent, GitQuery, PrereqSpec } from '../../../src/spec/types.js';
import {
  ALICE,
  BOB,
  context,
  createRepo,
  type FixtureRepo,
  gitMeasurement,
  removeFixtures,
  shallowClone,
  tempDir,
} from '../../helpers/git-fixture.js';
import { halted } from '../../helpers/outcome.js';

afterAll(removeFixtures);

function order(before: GitEvent, after: GitEvent, scope?: 'mainline' | 'all'): GitQuery {
  return { query: 'order', before, after, ...(scope ? { scope } : {}) };
}

/** The shas the order evidence names for its two events (null when an event has not happened). */
function orderShas(o: MeasurementOutcome): [unknown, unknown] {
  const sha = (k: string) => {
    const e = o.evidence[k] as { commit: { sha: string } | null };
    return e.commit ? e.commit.sha : null;
  };
  return [sha('before'), sha('after')];
}

function value(o: MeasurementOutcome): unknown {
  expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
  return o.status === 'ok' ? o.value : undefined;
}

/**
 * main:    c1 ── c2 ─────────── M ── c3 ── c4 ── c5(late)
 *                 ├── f1 (feature) ┘
 *                 └── s1 (side, never merged)
 */
describe('GitMeasurementSource on a fixture history', () => {
  let repo: FixtureRepo;
  const sha: Record<string, string> = {};
  const measure = (q: GitQuery, asOf = '2026-02-01T00:00:00Z', ref = 'HEAD') =>
    new GitMeasurementSource(new GitRepo(repo.dir)).measure(gitMeasurement(q), context(repo.dir, { asOf, ref }));

  beforeAll(() => {
    repo = createRepo();
    sha.c1 = repo.commit({ files: { 'README.md': '# gov\n' }, message: 'init', date: '2026-01-01T00:00:00Z' });
    sha.c2 = repo.commit({
      files: { 'governance_core/profile.md': 'ode\n' },
      message: 'ODE profile (prereq 1)\n\nRefs: PR-101',
      date: '2026-01-05T00:00:00Z',
      author: ALICE,
    });
    repo.branch('side');
    repo.branch('feature');
    repo.checkout('side');
    sha.s1 = repo.commit({ files: { 'elixir/spike/x.ex': 'x\n' }, message: 'spike', date: '2026-01-07T00:00:00Z' });
    repo.checkout('feature');
    sha.f1 = repo.commit({
      files: { 'elixir/handler_dispatch/a.ex': 'a\n' },
      message: 'dispatch work',
      date: '2026-01-08T00:00:00Z',
    });
    repo.checkout('main');
    sha.m = repo.merge('feature', { message: 'Merge feature', date: '2026-01-12T00:00:00Z', author: ALICE });
    sha.c3 = repo.commit({
      files: { 'lib/flags.py': 'f\n' },
      message: 'prereq 2: feature flags',
      date: '2026-01-15T00:00:00Z',
    });
    // Two commits with the same instant: only their position in history orders them.
    sha.c4a = repo.commit({ files: { 'same/a.txt': 'a\n' }, message: 'same a', date: '2026-01-20T00:00:00Z' });
    sha.c4b = repo.commit({
      files: { 'same/b.txt': 'b\n', 'odd dir/we ird\nname.md': 'odd\n' },
      message: 'same b',
      date: '2026-01-20T00:00:00Z',
    });
    sha.c5 = repo.commit({
      files: { 'elixir/handler_dispatch/a.ex': 'a2\n' },
      message: 'late change',
      date: '2026-03-01T00:00:00Z',
    });
  });

  describe('path_exists', () => {
    it('answers true and false, for files and directories', async () => {
      expect(value(await measure({ query: 'path_exists', path: 'governance_core/profile.md' }))).toBe(true);
      expect(value(await measure({ query: 'path_exists', path: 'elixir/handler_dispatch' }))).toBe(true);
      expect(value(await measure({ query: 'path_exists', path: 'elixir/handler_dispatch/' }))).toBe(true);
      expect(value(await measure({ query: 'path_exists', path: 'nope.txt' }))).toBe(false);
    });

    it('sees the tree as of the instant', async () => {
      expect(value(await measure({ query: 'path_exists', path: 'lib/flags.py' }, '2026-01-10T00:00:00Z'))).toBe(false);
      const o = await measure({ query: 'path_exists', path: 'lib/flags.py' }, '2026-01-15T00:00:00Z');
      expect(value(o)).toBe(true);
      expect(o.evidence.resolved_sha).toBe(sha.c3);
    });

    it('does not see a side branch from the mainline', async () => {
      expect(value(await measure({ query: 'path_exists', path: 'elixir/spike/x.ex' }))).toBe(false);
      expect(value(await measure({ query: 'path_exists', path: 'elixir/spike/x.ex', ref: 'side' }))).toBe(true);
    });

    it('rejects a glob as an error that names the alternatives', async () => {
      const h = halted(await measure({ query: 'path_exists', path: 'elixir/**/*.ex' }));
      expect(h.halt).toBe('error');
      expect(h.reason).toMatch(/literal path/);
      expect(h.reason).toMatch(/first_commit/);
    });
  });

  it('path_exists finds a file whose name holds braces picomatch reads literally, as a template folder does', async () => {
    const own = createRepo();
    own.commit({ files: { '{{name}}/setup.py': 's\n' }, message: 'template', date: '2026-01-01T00:00:00Z' });
    const o = await new GitMeasurementSource(new GitRepo(own.dir)).measure(
      gitMeasurement({ query: 'path_exists', path: '{{name}}/setup.py' }),
      context(own.dir, { asOf: '2026-02-01T00:00:00Z', ref: 'HEAD' }),
    );
    expect(value(o)).toBe(true);
  });

  describe('first_commit / last_commit', () => {
    it('on the mainline, a merged change lands with its merge commit', async () => {
      const o = await measure({ query: 'first_commit', paths: ['elixir/handler_dispatch/**'] });
      expect(value(o)).toEqual(new Date('2026-01-12T00:00:00Z'));
      expect(o.evidence).toMatchObject({
        sha: sha.m,
        author: `${ALICE.name} <${ALICE.email}>`,
        date: '2026-01-12T00:00:00.000Z',
        subject: 'Merge feature',
        files: ['elixir/handler_dispatch/a.ex'],
        scope: 'mainline',
        ref: 'HEAD',
      });
    });

    it('across all refs, the branch commit itself counts', async () => {
      const o = await measure({ query: 'first_commit', paths: ['elixir/handler_dispatch/**'], scope: 'all' });
      expect(value(o)).toEqual(new Date('2026-01-08T00:00:00Z'));
      expect(o.evidence.sha).toBe(sha.f1);
    });

    it('a commit only on a side branch is missing on the mainline but found on all refs', async () => {
      const h = halted(await measure({ query: 'first_commit', paths: ['elixir/spike/**'] }));
      expect(h.halt).toBe('missing');
      expect(h.reason).toContain('elixir/spike/**');
      expect(h.reason).toContain('HEAD');
      expect(h.reason).toContain('2026-02-01T00:00:00.000Z');
      const o = await measure({ query: 'first_commit', paths: ['elixir/spike/**'], scope: 'all' });
      expect(o.evidence.sha).toBe(sha.s1);
    });

    it('a commit after the instant is invisible, on every scope', async () => {
      expect(
        halted(
          await measure({ query: 'first_commit', paths: ['elixir/spike/**'], scope: 'all' }, '2026-01-06T00:00:00Z'),
        ).halt,
      ).toBe('missing');
      const last = await measure({ query: 'last_commit', paths: ['elixir/handler_dispatch/**'] });
      expect(last.evidence.sha).toBe(sha.m);
      const later = await measure(
        { query: 'last_commit', paths: ['elixir/handler_dispatch/**'] },
        '2026-04-01T00:00:00Z',
      );
      expect(value(later)).toEqual(new Date('2026-03-01T00:00:00Z'));
      expect(later.evidence.sha).toBe(sha.c5);
    });

    it('matches globs and literal directories against changed paths, odd names included', async () => {
      expect((await measure({ query: 'first_commit', paths: ['**/*.py'] })).evidence.sha).toBe(sha.c3);
      expect((await measure({ query: 'first_commit', paths: ['governance_core'] })).evidence.sha).toBe(sha.c2);
      expect((await measure({ query: 'first_commit', paths: ['nothing/**', 'lib/*.py'] })).evidence.sha).toBe(sha.c3);
      const odd = await measure({ query: 'first_commit', paths: ['odd dir/**'] });
      expect(odd.evidence.files).toEqual(['odd dir/we ird\nname.md']);
    });

    it('halts when the ref has no commit as early as the instant', async () => {
      expect(halted(await measure({ query: 'first_commit', paths: ['**'] }, '2025-01-01T00:00:00Z')).halt).toBe(
        'missing',
      );
    });
  });

  describe('commit_matching', () => {
    it('finds the oldest commit whose full message matches', async () => {
      const o = await measure({ query: 'commit_matching', pattern: '^ODE profile' });
      expect(value(o)).toEqual(new Date('2026-01-05T00:00:00Z'));
      expect(o.evidence).toMatchObject({ sha: sha.c2, subject: 'ODE profile (prereq 1)' });
      expect((await measure({ query: 'commit_matching', pattern: 'Refs: PR-101' })).evidence.sha).toBe(sha.c2);
      expect((await measure({ query: 'commit_matching', pattern: 'prereq \\d' })).evidence.sha).toBe(sha.c2);
    });

    it('halts when nothing matches, and on a bad regex', async () => {
      expect(halted(await measure({ query: 'commit_matching', pattern: 'prereq 9' })).halt).toBe('missing');
      expect(halted(await measure({ query: 'commit_matching', pattern: '(' })).halt).toBe('error');
    });
  });

  describe('order', () => {
    const dispatch = { paths: ['elixir/handler_dispatch/**'] };

    it('is true when the before event precedes the after event', async () => {
      const o = await measure(order({ pattern: '^ODE profile' }, dispatch));
      expect(value(o)).toBe(true);
      expect(orderShas(o)).toEqual([sha.c2, sha.m]);
    });

    it('is false when the before event came after the after event', async () => {
      const o = await measure(order({ pattern: 'prereq 2' }, dispatch));
      expect(value(o)).toBe(false);
      expect(orderShas(o)).toEqual([sha.c3, sha.m]);
    });

    it('is false when the after event happened and the before event has not', async () => {
      const o = await measure(order({ pattern: 'prereq 7' }, dispatch));
      expect(value(o)).toBe(false);
      expect(orderShas(o)).toEqual([null, sha.m]);
    });

    it('holds trivially while the after event has not happened', async () => {
      const o = await measure(order({ pattern: 'prereq 2' }, dispatch), '2026-01-10T00:00:00Z');
      expect(value(o)).toBe(true);
      expect(orderShas(o)).toEqual([null, null]);
      const odeOnly = await measure(order({ pattern: '^ODE profile' }, dispatch), '2026-01-10T00:00:00Z');
      expect(value(odeOnly)).toBe(true);
      expect(orderShas(odeOnly)).toEqual([sha.c2, null]);
      expect(String(o.evidence.note)).toMatch(/not happened/);
    });

    it('orders commits with identical dates by their position in history', async () => {
      const ab = await measure(order({ paths: ['same/a.txt'] }, { paths: ['same/b.txt'] }));
      expect(value(ab)).toBe(true);
      const ba = await measure(order({ paths: ['same/b.txt'] }, { paths: ['same/a.txt'] }));
      expect(value(ba)).toBe(false);
    });

    it('uses the scope: on all refs the feature commit is what happened first', async () => {
      const o = await measure(order({ paths: ['elixir/handler_dispatch/**'] }, { pattern: '^Merge feature' }, 'all'));
      expect(value(o)).toBe(true);
      expect(orderShas(o)).toEqual([sha.f1, sha.m]);
      const mainline = await measure(order({ paths: ['elixir/handler_dispatch/**'] }, { pattern: '^Merge feature' }));
      expect(value(mainline)).toBe(false);
    });

    it('an event with neither paths nor pattern is a spec error', async () => {
      expect(halted(await measure(order({}, dispatch))).halt).toBe('error');
    });
  });

  it('caps the evidence file list at 20', async () => {
    const big = createRepo();
    const files: Record<string, string> = {};
    for (let i = 0; i < 25; i++) files[`gen/f${String(i).padStart(2, '0')}.txt`] = `${i}\n`;
    big.commit({ files, message: 'many', date: '2026-01-01T00:00:00Z' });
    const o = await new GitMeasurementSource().measure(
      gitMeasurement({ query: 'first_commit', paths: ['gen/**'] }),
      context(big.dir, { asOf: '2026-02-01T00:00:00Z' }),
    );
    expect(o.evidence.files).toHaveLength(20);
    expect(o.evidence.files_total).toBe(25);
  });
});

describe('GitMeasurementSource faults', () => {
  let source: FixtureRepo;
  beforeAll(() => {
    source = createRepo();
    source.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
    source.commit({ files: { 'a/two.txt': '2\n' }, message: 'two', date: '2026-01-02T00:00:00Z' });
  });

  const run = (dir: string, q: GitQuery, opts: { ref?: string; signal?: AbortSignal } = {}) =>
    new GitMeasurementSource().measure(gitMeasurement(q), context(dir, { asOf: '2026-06-01T00:00:00Z', ...opts }));

  it('a shallow clone halts history questions with the fetch-depth fix', async () => {
    const clone = shallowClone(source);
    for (const q of [
      { query: 'first_commit', paths: ['a/**'] },
      { query: 'last_commit', paths: ['a/**'] },
      { query: 'commit_matching', pattern: 'one' },
      order({ pattern: 'one' }, { pattern: 'two' }),
    ] as GitQuery[]) {
      const h = halted(await run(clone.dir, q));
      expect(h.halt).toBe('missing');
      expect(h.reason).toMatch(/shallow clone/);
      expect(h.reason).toContain('fetch-depth: 0');
    }
  });

  it('a shallow clone still answers path_exists at its tip, but not before it', async () => {
    const clone = shallowClone(source);
    expect(value(await run(clone.dir, { query: 'path_exists', path: 'a/one.txt' }))).toBe(true);
    const past = await new GitMeasurementSource().measure(
      gitMeasurement({ query: 'path_exists', path: 'a/one.txt' }),
      context(clone.dir, { asOf: '2026-01-01T12:00:00Z' }),
    );
    expect(halted(past).reason).toContain('fetch-depth: 0');
  });

  it('a shallow clone whose tip is dated in the future halts naming that date, not the cut history alone', async () => {
    const skewed = createRepo();
    skewed.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
    // Made on a clock a day fast: as of now it has not happened yet.
    const ahead = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    skewed.commit({ files: { 'a/two.txt': '2\n' }, message: 'two', date: ahead });
    const clone = shallowClone(skewed);
    const now = await new GitMeasurementSource().measure(
      gitMeasurement({ query: 'path_exists', path: 'a/one.txt' }),
      context(clone.dir),
    );
    const reason = halted(now).reason;
    expect(reason).toMatch(/^the commit at 'HEAD' \([0-9a-f]{12}\) is dated /);
    expect(reason).toContain(`is dated ${new Date(ahead).toISOString()}, after `);
    expect(reason).toContain(
      "and this shallow clone holds nothing older: that date is in the future, so its committer's clock runs fast; fix that clock and commit again, or fetch the full history",
    );
    // An --as-of before a tip dated in the past: that tip's date, and the history before it.
    const past = await new GitMeasurementSource().measure(
      gitMeasurement({ query: 'path_exists', path: 'a/one.txt' }),
      context(shallowClone(source).dir, { asOf: '2026-01-01T12:00:00Z' }),
    );
    expect(halted(past).reason).toMatch(
      /^the commit at 'HEAD' \([0-9a-f]{12}\) is dated 2026-01-02T00:00:00\.000Z, after 2026-01-01T12:00:00\.000Z, and this shallow clone holds nothing older; pass --as-of at or after 2026-01-02T00:00:00\.000Z, or fetch the full history \(actions\/checkout: fetch-depth: 0, or git fetch --unshallow\) to read the commit before it$/,
    );
  });

  it('a full clone whose tip is dated in the future reads its parent as of now, and says so', async () => {
    const skewed = createRepo();
    const parent = skewed.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
    const ahead = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const tip = skewed.commit({ files: { 'a/two.txt': '2\n' }, message: 'two', date: ahead });
    const q: GitQuery = { query: 'path_exists', path: 'a/two.txt' };
    const now = await new GitMeasurementSource().measure(gitMeasurement(q), context(skewed.dir));
    expect(value(now)).toBe(false);
    expect(now.evidence.resolved_sha).toBe(parent);
    expect(now.evidence.passed_over).toBe(
      `the commit at 'HEAD' (${tip.slice(0, 12)}) is dated ${new Date(ahead).toISOString()}, in the future (its committer's clock runs fast), so it does not count yet and ${parent.slice(0, 12)} before it was read; fix that clock and commit again`,
    );
    // An instant in the past passes over later commits by design: nothing to say.
    const then = await new GitMeasurementSource().measure(
      gitMeasurement(q),
      context(skewed.dir, { asOf: '2026-02-01T00:00:00Z' }),
    );
    expect(then.evidence.passed_over).toBeUndefined();
  });

  describe('a past instant whose commit holds one dated after it (a clock ran wrong)', () => {
    const q: GitQuery = { query: 'path_exists', path: 'a/late.txt' };
    const at = (dir: string, asOf: string) =>
      new GitMeasurementSource().measure(gitMeasurement(q), context(dir, { asOf }));

    it('names the later-dated commit however deep under older ones it lies', async () => {
      const skewed = createRepo();
      skewed.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
      // Made on a clock a month fast: its parent and every child are dated before it.
      const late = skewed.commit({ files: { 'a/late.txt': 'x\n' }, message: 'late', date: '2026-03-01T00:00:00Z' });
      // More older-dated commits after it than git's --since looks past before it stops walking.
      let read = '';
      for (let i = 2; i <= 12; i++) {
        read = skewed.commit({ message: `c${i}`, date: `2026-01-${String(i).padStart(2, '0')}T00:00:00Z` });
      }
      const o = await at(skewed.dir, '2026-02-01T00:00:00Z');
      expect(value(o)).toBe(true);
      expect(o.evidence.resolved_sha).toBe(read);
      expect(o.evidence.later_ancestor).toBe(
        `${late.slice(0, 12)}, in the history of ${read.slice(0, 12)} (the commit read as of 2026-02-01T00:00:00.000Z), is dated 2026-03-01T00:00:00.000Z, after that instant: a commit is made after the commits it holds, so a committer's clock ran wrong, and what was read may include work done after 2026-02-01T00:00:00.000Z`,
      );
      // An instant after every date: nothing held is later, nothing to say.
      expect((await at(skewed.dir, '2026-04-01T00:00:00Z')).evidence.later_ancestor).toBeUndefined();
    });

    it('looks into merged branches, and counts a commit at exactly the instant as before it', async () => {
      const repo = createRepo();
      repo.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
      repo.branch('side');
      repo.checkout('side');
      const side = repo.commit({ files: { 'a/late.txt': 'x\n' }, message: 'side', date: '2026-02-01T00:00:01Z' });
      repo.checkout('main');
      const merge = repo.merge('side', { message: 'merge side', date: '2026-01-20T00:00:00Z' });
      const late = await at(repo.dir, '2026-02-01T00:00:00Z');
      expect(late.evidence.resolved_sha).toBe(merge);
      expect(String(late.evidence.later_ancestor)).toMatch(
        new RegExp(
          `^${side.slice(0, 12)}, in the history of ${merge.slice(0, 12)} .* is dated 2026-02-01T00:00:01\\.000Z, after that instant`,
        ),
      );
      // The same commit at the instant's own second counts as of it.
      expect((await at(repo.dir, '2026-02-01T00:00:01Z')).evidence.later_ancestor).toBeUndefined();
      expect((await at(repo.dir, '2026-02-01T00:00:01.999Z')).evidence.later_ancestor).toBeUndefined();
    });

    it('says nothing of a history in date order, nor as of now', async () => {
      const repo = createRepo();
      repo.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
      repo.commit({ files: { 'a/late.txt': 'x\n' }, message: 'two', date: '2026-01-05T00:00:00Z' });
      repo.commit({ message: 'three', date: '2026-02-05T00:00:00Z' });
      expect((await at(repo.dir, '2026-01-10T00:00:00Z')).evidence.later_ancestor).toBeUndefined();
      const now = await new GitMeasurementSource().measure(gitMeasurement(q), context(repo.dir));
      expect(now.evidence.later_ancestor).toBeUndefined();
    });

    it('finds it with a git that has no --since-as-filter (before 2.37)', async () => {
      const skewed = createRepo();
      skewed.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
      const late = skewed.commit({ files: { 'a/late.txt': 'x\n' }, message: 'late', date: '2026-03-01T00:00:00Z' });
      skewed.commit({ message: 'after', date: '2026-01-02T00:00:00Z' });
      // A git that dies on the option as git log did before 2.37.
      const bin = tempDir('rfcgate-oldgit-');
      const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
      writeFileSync(
        path.join(bin, 'git'),
        `#!/bin/sh\nfor a in "$@"; do case "$a" in --since-as-filter*) echo "fatal: unrecognized argument: $a" >&2; exit 128;; esac; done\nexec ${real} "$@"\n`,
      );
      chmodSync(path.join(bin, 'git'), 0o755);
      const saved = process.env.PATH;
      process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
      try {
        const o = await at(skewed.dir, '2026-02-01T00:00:00Z');
        expect(String(o.evidence.later_ancestor)).toMatch(new RegExp(`^${late.slice(0, 12)}, in the history of `));
        expect((await at(skewed.dir, '2026-04-01T00:00:00Z')).evidence.later_ancestor).toBeUndefined();
      } finally {
        process.env.PATH = saved;
      }
    });
  });

  it('a missing ref halts, naming the ref and how to fetch it', async () => {
    const h = halted(await run(source.dir, { query: 'first_commit', paths: ['a/**'] }, { ref: 'release/9' }));
    expect(h.halt).toBe('missing');
    expect(h.reason).toContain('release/9');
    expect(h.reason).toMatch(/fetch/);
    const viaSpec = halted(await run(source.dir, { query: 'path_exists', path: 'a', ref: 'origin/main' }));
    expect(viaSpec.reason).toContain('origin/main');
  });

  it("a branch the clone has only as the remote's copy (a pull request's checkout) is told to name that copy", async () => {
    // As actions/checkout leaves a pull request: HEAD detached, main only as origin/main.
    const clone = createRepo();
    clone.git(['remote', 'add', 'origin', source.dir]);
    clone.git(['fetch', '-q', 'origin']);
    clone.git(['checkout', '-q', '--detach', 'origin/main']);
    const q: GitQuery = { query: 'first_commit', paths: ['a/**'], ref: 'main' };
    // Fetching main by name would update origin/main again and leave the same halt.
    expect(halted(await run(clone.dir, q)).reason).toBe(
      "git ref 'main', named by measurement 'm' (its ref: at measurements.yaml:1), does not exist in this clone; the remote's copy origin/main is here: name it, or fix that ref: in measurements.yaml",
    );
    expect(halted(await run(clone.dir, { ...q, ref: 'release/9' })).reason).toContain(
      "fetch it: a branch by the remote's copy (git fetch origin release/9, then origin/release/9), a tag as it is (git fetch origin tag release/9)",
    );
    expect(halted(await run(clone.dir, { ...q, ref: 'origin/release/9' })).reason).toContain(
      'fetch it (git fetch origin release/9)',
    );
    // A revision expression names nothing to fetch.
    expect(halted(await run(clone.dir, { ...q, ref: 'main~1' })).reason).not.toMatch(/fetch/);
    expect(value(await run(clone.dir, { ...q, ref: 'origin/main' }))).toBeInstanceOf(Date);
  });

  it("a shallow pull request's checkout asking of history is told to fetch it all before naming the copy", async () => {
    const clone = createRepo();
    clone.git(['remote', 'add', 'origin', `file://${source.dir}`]);
    clone.git(['fetch', '-q', '--depth', '1', 'origin', 'main:refs/remotes/origin/main']);
    clone.git(['checkout', '-q', '--detach', 'origin/main']);
    const q: GitQuery = { query: 'first_commit', paths: ['a/**'], ref: 'main' };
    // Naming origin/main alone would halt again on the cut history.
    expect(halted(await run(clone.dir, q)).reason).toBe(
      "git ref 'main', named by measurement 'm' (its ref: at measurements.yaml:1), does not exist in this clone; this is a shallow clone, whose history is cut, so the remote's copy origin/main cannot be read either: fetch the full history (actions/checkout: fetch-depth: 0, or git fetch --unshallow), then name origin/main; or fix that ref: in measurements.yaml",
    );
    // A question of the tip alone is answered from the copy as it is.
    const tip = await run(clone.dir, { query: 'path_exists', path: 'a/one.txt', ref: 'main' });
    expect(halted(tip).reason).toContain("the remote's copy origin/main is here: name it");
  });

  it('a revision expression past the history halts saying so, not advising a fetch of the expression', async () => {
    const clone = createRepo();
    clone.git(['remote', 'add', 'origin', source.dir]);
    clone.git(['fetch', '-q', 'origin']);
    clone.git(['checkout', '-q', '--detach', 'origin/main']);
    const q: GitQuery = { query: 'first_commit', paths: ['a/**'] };
    const named = "name a ref this clone has (--ref, or the measurement's ref: in the spec)";
    for (const ref of ['origin/main~100', 'refs/remotes/origin/main^^^', 'origin/main~1^2']) {
      const h = halted(await run(clone.dir, q, { ref }));
      expect(h.halt, ref).toBe('missing');
      expect(h.reason, ref).not.toMatch(/fetch/);
    }
    expect(halted(await run(clone.dir, q, { ref: 'origin/main~100' })).reason).toBe(
      `'origin/main~100' names no commit in this clone: the history of 'origin/main' is shorter than that; ${named}`,
    );
    expect(halted(await run(clone.dir, q, { ref: 'origin/main^2' })).reason).toBe(
      `'origin/main^2' names no commit in this clone; ${named}`,
    );
    expect(halted(await run(clone.dir, q, { ref: 'release/9~1' })).reason).toBe(
      `'release/9~1' names no commit in this clone; ${named}`,
    );
    expect(halted(await run(clone.dir, q, { ref: 'origin/main@{99}' })).reason).toBe(
      `'origin/main@{99}' names no commit in this clone; ${named}`,
    );
    const shallow = halted(await run(shallowClone(source).dir, q, { ref: 'HEAD~5' }));
    expect(shallow.reason).toMatch(
      /^'HEAD~5' names no commit in this clone: it is a shallow clone, whose history is cut; /,
    );
    expect(shallow.reason).toContain('fetch-depth: 0');
  });

  it('on an orphan branch, HEAD or its name halts saying the branch has no commit yet, not to fetch it', async () => {
    const orphan = createRepo();
    orphan.commit({ files: { 'a/one.txt': '1\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
    orphan.git(['checkout', '-q', '--orphan', 'fresh']);
    for (const ref of ['HEAD', 'fresh']) {
      const h = halted(await run(orphan.dir, { query: 'first_commit', paths: ['a/**'] }, { ref }));
      expect(h.halt, ref).toBe('missing');
      expect(h.reason, ref).toMatch(
        /has no commit yet \(an orphan branch\), so there is no history to measure; commit first/,
      );
      expect(h.reason, ref).not.toMatch(/fetch|does not exist/);
    }
    expect(halted(await run(orphan.dir, { query: 'path_exists', path: 'a' })).reason).toMatch(
      /^HEAD is on branch 'fresh', which has no commit yet/,
    );
    // Another branch that is missing is still one to fetch.
    expect(halted(await run(orphan.dir, { query: 'path_exists', path: 'a' }, { ref: 'nope' })).reason).toMatch(/fetch/);
  });

  it('without git on PATH, halts saying git could not be run, not that the folder is no repository', async () => {
    const path = process.env.PATH;
    // A folder without git in it: a slim container image.
    process.env.PATH = tempDir('rfcgate-nogit-');
    try {
      const h = halted(await run(source.dir, { query: 'first_commit', paths: ['a/**'] }));
      expect(h.halt).toBe('error');
      expect(h.reason).toMatch(/^git could not be run \(.*ENOENT\), so the history of .* cannot be read; install git/);
      expect(h.reason).not.toMatch(/not a git repository|inside the governed repository/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('with a git older than 2.31, a mainline history question halts naming the git needed', async () => {
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = tempDir('rfcgate-oldgit-');
    // As git 2.30 answers an option it does not know; everything else is the real git.
    writeFileSync(
      path.join(bin, 'git'),
      `#!/bin/sh\nfor a in "$@"; do case "$a" in --diff-merges*) echo "fatal: unrecognized argument: $a" >&2; exit 128;; esac; done\nexec '${real}' "$@"\n`,
    );
    chmodSync(path.join(bin, 'git'), 0o755);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${saved ?? ''}`;
    try {
      const h = halted(await run(source.dir, { query: 'first_commit', paths: ['a/**'] }));
      expect(h.halt).toBe('error');
      expect(h.reason).toMatch(/this git is older than 2\.31 .*; install git 2\.31 or later/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('an empty repository halts as missing', async () => {
    const empty = createRepo();
    expect(halted(await run(empty.dir, { query: 'first_commit', paths: ['**'] })).halt).toBe('missing');
    expect(halted(await run(empty.dir, { query: 'path_exists', path: 'x' })).halt).toBe('missing');
  });

  it('a directory that is not a repository is an error', async () => {
    const plain = tempDir();
    expect(halted(await run(plain, { query: 'path_exists', path: 'x' })).halt).toBe('error');
    expect(halted(await run(path.join(plain, 'does-not-exist'), { query: 'path_exists', path: 'x' })).halt).toBe(
      'error',
    );
  });

  it('a subdirectory of the repository answers for the whole repository', async () => {
    mkdirSync(path.join(source.dir, 'a', 'sub'), { recursive: true });
    expect(value(await run(path.join(source.dir, 'a'), { query: 'path_exists', path: 'a/two.txt' }))).toBe(true);
  });

  it('an aborted evaluation halts as a timeout error', async () => {
    const ac = new AbortController();
    ac.abort();
    const h = halted(await run(source.dir, { query: 'first_commit', paths: ['a/**'] }, { signal: ac.signal }));
    expect(h.halt).toBe('error');
    expect(h.reason).toMatch(/timed out/);
  });

  it('refuses a measurement of another source', async () => {
    const o = await new GitMeasurementSource().measure(
      { id: 'x', type: 'bool', source: 'artifact', artifact: { glob: '*' }, location: { file: 'f', line: 1, col: 1 } },
      context(source.dir),
    );
    expect(halted(o).halt).toBe('error');
  });

  it('answers by branch name as well as HEAD, and both are deterministic', async () => {
    const a = await run(source.dir, { query: 'last_commit', paths: ['a/**'] }, { ref: 'main' });
    const b = await run(source.dir, { query: 'last_commit', paths: ['a/**'] }, { ref: 'main' });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.evidence.author).toBe(`${BOB.name} <${BOB.email}>`);
  });
});

/**
 * One pull request bringing the last of a prereq and the first work under the guarded path,
 * landed in each shape. `prereq status` reads a rebase and merge's commits as one landing; the
 * ordering checks are strict (what must come first lands in an earlier commit), so the pull
 * request did not land after the prereq whatever its shape.
 */
describe('the ordering checks over one pull request, by how it landed', () => {
  const at = { file: 'prereqs.yaml', line: 1, col: 1 };
  const prereqs: PrereqSpec[] = [
    {
      id: 'pr1',
      title: 'Profile',
      deliverables: ['docs/p1.md'],
      depends_on: [],
      data_gates: [],
      shared: [],
      location: at,
    },
    {
      id: 'pr3',
      title: 'Helpers',
      deliverables: ['src/h1.py', 'src/h2.py'],
      depends_on: [],
      data_gates: [],
      shared: [],
      location: at,
    },
  ];
  const DISPATCH = 'elixir/handler_dispatch/d.ex';
  const LAST = 'src/h2.py';
  const measure = (dir: string, q: GitQuery) =>
    new GitMeasurementSource(new GitRepo(dir)).measure(
      gitMeasurement(q),
      context(dir, { asOf: '2026-06-01T00:00:00Z' }),
    );
  const guard = (dir: string) => measure(dir, { query: 'prereqs_before', path: 'elixir/handler_dispatch/', prereqs });
  const ordered = (dir: string) => measure(dir, order({ paths: [LAST] }, { paths: ['elixir/handler_dispatch/**'] }));
  /** pr1 and the first half of pr3 on the mainline. */
  const base = () => {
    const r = createRepo();
    r.commit({
      files: { 'docs/p1.md': 'p\n', 'src/h1.py': 'h\n' },
      message: 'pr1, pr3 begun',
      date: '2026-05-01T10:00:00Z',
    });
    return r;
  };
  /** The pull request's commits, written days apart: `first` before the other. */
  const writePr = (r: FixtureRepo, first: string, second: string) => {
    r.commit({ files: { [first]: 'x\n' }, message: `add ${first}`, date: '2026-05-02T10:00:00Z' });
    r.commit({ files: { [second]: 'x\n' }, message: `add ${second}`, date: '2026-05-03T10:00:00Z' });
  };
  /** Rebased and fast-forwarded, each commit re-committed at the same second, as GitHub's "Rebase and merge" does. */
  const rebaseAndMerge = (first: string, second: string) => {
    const r = base();
    r.branch('pr');
    r.checkout('pr');
    writePr(r, first, second);
    r.git(['rebase', '-q', '--force-rebase', 'main'], {
      GIT_COMMITTER_NAME: 'GitHub',
      GIT_COMMITTER_EMAIL: 'noreply@github.com',
      GIT_COMMITTER_DATE: `${Date.parse('2026-05-06T10:00:00Z') / 1000} +0000`,
    });
    r.checkout('main');
    r.git(['merge', '-q', '--ff-only', 'pr']);
    return r;
  };

  it('a rebase and merge with work under the path before the prereq is complete fails, as a merge or a squash does', async () => {
    const rm = rebaseAndMerge(DISPATCH, LAST);
    const [dispatch, last] = rm.git(['log', '--format=%H', '-2']).split('\n').reverse() as [string, string];
    // What prereq status reads as one landing: the dispatch commit landed with pr3's last.
    const h = { sha: last, scope: 'mainline' as const, asOf: new Date('2026-06-01T00:00:00Z') };
    const from = await new GitRepo(rm.dir).findCommit({ globs: [DISPATCH] }, h, 'first');
    expect(from?.sha).toBe(dispatch);
    expect((await new GitRepo(rm.dir).landedWith(from!, h)).sha).toBe(last);

    const g = await guard(rm.dir);
    expect(value(g)).toBe(false);
    expect(g.evidence.first_offending_commit).toMatchObject({ sha: dispatch, date: '2026-05-06T10:00:00.000Z' });
    expect(g.evidence.not_landed_before).toEqual([
      expect.objectContaining({ id: 'pr3', landed: true, completed_by: expect.objectContaining({ sha: last }) }),
    ]);
    expect(value(await ordered(rm.dir))).toBe(false);

    const merged = base();
    merged.branch('pr');
    merged.checkout('pr');
    writePr(merged, DISPATCH, LAST);
    merged.checkout('main');
    merged.merge('pr', { message: 'Merge pull request #2', date: '2026-05-06T10:00:00Z' });
    const squashed = base();
    squashed.commit({ files: { [DISPATCH]: 'x\n', [LAST]: 'x\n' }, message: 'PR #2', date: '2026-05-06T10:00:00Z' });
    const pushed = base();
    writePr(pushed, DISPATCH, LAST);
    for (const r of [merged, squashed, pushed]) {
      expect(value(await guard(r.dir))).toBe(false);
      expect(value(await ordered(r.dir))).toBe(false);
    }
  });

  it('its commits are judged one by one: the prereq complete before the first under the path passes', async () => {
    for (const r of [
      rebaseAndMerge(LAST, DISPATCH),
      (() => {
        const p = base();
        writePr(p, LAST, DISPATCH);
        return p;
      })(),
    ]) {
      const g = await guard(r.dir);
      expect(value(g)).toBe(true);
      expect(String(g.evidence.note)).toMatch(/every prereq had landed before the first commit touching/);
      expect(value(await ordered(r.dir))).toBe(true);
    }
  });
});

/**
 * Prereq status, the spec checks of prereqs.yaml and the prereqs_before ordering guard,
 * against real fixture repositories with fixed dates.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Measurer } from '../../src/engine/measure.js';
import { formatPrereqs } from '../../src/formatters/prereqs/index.js';
import { prereqStatus } from '../../src/prereqs/status.js';
import { GitRepo } from '../../src/sources/git/repo.js';
import { GitMeasurementSource } from '../../src/sources/git/source.js';
import { halt, type MeasurementSource, ok } from '../../src/sources/types.js';
import { loadRfc } from '../../src/spec/load.js';
import { formatProblem, SpecError } from '../../src/spec/problems.js';
import type { MeasurementSpec } from '../../src/spec/types.js';
import {
  ALICE,
  BOB,
  createRepo,
  type FixtureRepo,
  partialClone,
  removeFixtures,
  shallowClone,
} from '../helpers/git-fixture.js';
import { tableRows } from '../helpers/markdown.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';

const AS_OF = new Date('2026-06-01T00:00:00Z');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
afterAll(removeFixtures);

const PREREQS = [
  { id: 'a', title: 'A: profile', deliverables: ['docs/profile-*.md', 'src/a.py'] },
  { id: 'b', title: 'B: after A', deliverables: ['src/b.py'], depends_on: ['a'] },
  { id: 'c', title: 'C: two files', deliverables: ['src/c1.py', 'src/c2.py'] },
  { id: 'd', title: 'D: after C', deliverables: ['src/d.py'], depends_on: ['c'] },
  {
    id: 'e',
    title: 'E: needs data',
    deliverables: ['src/e.py'],
    depends_on: ['a'],
    data_gates: [{ id: 'window', condition: 'request_days >= 14' }],
  },
  { id: 'f', title: 'F: deleted', deliverables: ['src/f.py'] },
  {
    id: 'g',
    title: 'G: modifies A',
    deliverables: ['src/a.py'],
    depends_on: ['a'],
    landed_when: { commit_message: '^Prereq: g\\b' },
  },
];

const MEASUREMENTS = [
  {
    id: 'request_days',
    type: 'int',
    window: '90d',
    sql: { table: 'audit.m', timestamp: 'recorded_at', value: 'count(DISTINCT recorded_at::date)' },
  },
  { id: 'guard', git: { query: 'prereqs_before', path: 'elixir/handler_dispatch/' } },
];

function spec(prereqs: unknown[] = PREREQS, measurements: unknown[] = MEASUREMENTS) {
  const { root, cleanup } = tempRoot();
  cleanups.push(cleanup);
  writeRfc(root, {
    measurements,
    invariants: [{ id: 'INV', title: 'order', section: '§14', phase: ['implementation'], holds_if: 'guard' }],
    raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify(prereqs) },
  });
  return loadRfc(root, 'demo');
}

function specProblems(prereqs: unknown[]): string[] {
  try {
    spec(prereqs);
  } catch (e) {
    return (e as SpecError).problems.map(formatProblem);
  }
  return [];
}

/** History: A lands over two days, B lands, C half done, F created then deleted, G's marker commit. */
function history(): { repo: FixtureRepo; shas: Record<string, string> } {
  const repo = createRepo();
  const shas: Record<string, string> = {};
  shas.a1 = repo.commit({
    files: { 'docs/profile-2026-05-01.md': 'p\n' },
    message: 'a: profile',
    date: '2026-05-01T10:00:00Z',
  });
  shas.a2 = repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a: code', date: '2026-05-03T10:00:00Z' });
  shas.b = repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-04T10:00:00Z' });
  shas.c1 = repo.commit({ files: { 'src/c1.py': 'c\n' }, message: 'c: first half', date: '2026-05-05T10:00:00Z' });
  shas.f1 = repo.commit({ files: { 'src/f.py': 'f\n' }, message: 'f', date: '2026-05-06T10:00:00Z' });
  shas.f2 = repo.commit({
    files: { 'src/f.py': null },
    message: 'revert f',
    date: '2026-05-07T10:00:00Z',
    author: ALICE,
  });
  return { repo, shas };
}

function fakeSql(outcome: ReturnType<typeof ok>): MeasurementSource {
  return { kind: 'sql', measure: async () => outcome, close: async () => {} };
}

function measurer(rfc: ReturnType<typeof spec>, repo: FixtureRepo, sql: MeasurementSource) {
  return new Measurer(rfc.measurements, {
    sources: { sql, git: new GitMeasurementSource(new GitRepo(repo.dir)) },
    context: { asOf: AS_OF, ref: 'main', repoDir: repo.dir, manifest: rfc.manifest },
    timeoutMs: 10_000,
  });
}

/** Prereq `id` of `rfc` on the fixture history, its SQL measurements valued by id (0 when not given). */
async function prereqWithValues(rfc: ReturnType<typeof spec>, id: string, values: Record<string, number>) {
  const { repo } = history();
  const sql: MeasurementSource = {
    kind: 'sql',
    measure: async (m: MeasurementSpec) => ok(values[m.id] ?? 0),
    close: async () => {},
  };
  const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF, measurer: measurer(rfc, repo, sql) });
  return r.prereqs.find((p) => p.id === id);
}

describe('prereq status', () => {
  it('reads landed, partial, ready, blocked and gated from the mainline', async () => {
    const rfc = spec();
    const { repo, shas } = history();
    const r = await prereqStatus(rfc, {
      repo: new GitRepo(repo.dir),
      asOf: AS_OF,
      measurer: measurer(rfc, repo, fakeSql(ok(9))),
    });
    const by = new Map(r.prereqs.map((p) => [p.id, p]));
    expect(r.state).toBe('ok');
    expect(by.get('a')).toMatchObject({ status: 'landed', took_days: 2, landed_by: { sha: shas.a2 } });
    expect(by.get('a')?.started_by?.sha).toBe(shas.a1);
    expect(by.get('a')?.reason).toBe(
      `landed by ${shas.a2?.slice(0, 7)} (2026-05-03), 2 d after its first deliverable commit was written (${shas.a1?.slice(0, 7)}, authored 2026-05-01)`,
    );
    // One commit, written and committed at once: git cannot tell how long the work took.
    expect(by.get('b')).toMatchObject({ status: 'landed', took_days: null, landed_by: { sha: shas.b } });
    expect(by.get('b')?.reason).toMatch(
      /; how long it took is unknown: no commit of its work is dated before it landed/,
    );
    expect(by.get('c')).toMatchObject({ status: 'partial', missing: ['src/c2.py'] });
    expect(by.get('c')?.reason).toMatch(/1 of 2 deliverables present; missing: src\/c2\.py/);
    expect(by.get('d')).toMatchObject({ status: 'blocked', blocked_by: ['c'], reason: 'waits for c' });
    expect(by.get('e')).toMatchObject({ status: 'gated' });
    expect(by.get('e')?.reason).toMatch(/data gate window does not hold: request_days >= 14 \(request_days=9\)/);
    // G modifies A's file: present, but nothing proves it landed until its marker commit.
    expect(by.get('g')).toMatchObject({ status: 'ready' });
    expect(r.can_start).toEqual(['g']);
    expect(r.critical_path).toEqual(['c', 'd']);
  });

  it('a prereq that landed before its dependency is landed, and named out of order', async () => {
    const rfc = spec();
    const repo = createRepo();
    // B's file before A's code: B started (and landed) before A landed.
    repo.commit({
      files: { 'docs/profile-2026-05-01.md': 'p\n' },
      message: 'a: profile',
      date: '2026-05-01T10:00:00Z',
    });
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b, too early', date: '2026-05-02T10:00:00Z' });
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a: code', date: '2026-05-03T10:00:00Z' });
    // D's file while C is still half done.
    repo.commit({ files: { 'src/d.py': 'd\n' }, message: 'd, too early', date: '2026-05-04T10:00:00Z' });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const by = new Map(r.prereqs.map((p) => [p.id, p]));
    expect(by.get('a')).toMatchObject({ status: 'landed' });
    expect(by.get('a')?.out_of_order).toBeUndefined();
    expect(by.get('b')).toMatchObject({ status: 'landed', out_of_order: ['a'] });
    expect(by.get('b')?.reason).toMatch(/; out of order: started before a landed$/);
    // Still not landed at all: out of order too.
    expect(by.get('d')).toMatchObject({ status: 'landed', out_of_order: ['c'] });
    const table = formatPrereqs(r, 'table');
    expect(table).toMatch(/^out of order: b \(started before a landed\), d \(started before c landed\)$/m);
    expect(formatPrereqs(r, 'markdown')).toMatch(
      /^Out of order: b \(started before a landed\), d \(started before c landed\)\.$/m,
    );
    // In order, nothing is named.
    const { repo: ordered } = history();
    const fine = await prereqStatus(rfc, { repo: new GitRepo(ordered.dir), asOf: AS_OF });
    expect(fine.prereqs.find((p) => p.id === 'b')?.out_of_order).toBeUndefined();
    expect(formatPrereqs(fine, 'table')).not.toMatch(/out of order/);
  });

  it('out of order is judged in the tree each prereq started from, not in today’s', async () => {
    const rfc = spec([
      ...PREREQS.filter((p) => p.id === 'a' || p.id === 'b'),
      { id: 'h', title: 'H: half done', deliverables: ['src/h1.py', 'src/h2.py'], depends_on: ['a'] },
    ]);
    const repo = createRepo();
    repo.commit({
      files: { 'docs/profile-2026-05-01.md': 'p\n' },
      message: 'a: profile',
      date: '2026-05-01T10:00:00Z',
    });
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a: code', date: '2026-05-02T10:00:00Z' });
    // B lands and H starts after A landed.
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-03T10:00:00Z' });
    repo.commit({ files: { 'src/h1.py': 'h\n' }, message: 'h: first half', date: '2026-05-04T10:00:00Z' });
    // A's profile is deleted later: A is no longer landed today, but B and H did not start early.
    repo.commit({
      files: { 'docs/profile-2026-05-01.md': null },
      message: 'drop profile',
      date: '2026-05-06T10:00:00Z',
    });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const by = new Map(r.prereqs.map((p) => [p.id, p]));
    expect(by.get('a')).toMatchObject({ status: 'partial', missing: ['docs/profile-*.md'] });
    expect(by.get('b')).toMatchObject({ status: 'landed' });
    expect(by.get('b')?.out_of_order).toBeUndefined();
    expect(by.get('b')?.reason).not.toMatch(/out of order/);
    // H has started and its dependency is not landed now: it says so, not that it started early.
    const h = by.get('h');
    expect(h).toMatchObject({ status: 'partial', blocked_by: ['a'] });
    expect(h?.out_of_order).toBeUndefined();
    expect(h?.reason).not.toMatch(/started before/);
    expect(h?.reason).toMatch(/a is no longer landed/);
    expect(formatPrereqs(r, 'table')).not.toMatch(/out of order/);

    // One commit that completes a dependency and starts the prereq after it follows the sequence.
    const together = createRepo();
    together.commit({
      files: { 'docs/profile-2026-05-01.md': 'p\n' },
      message: 'a: profile',
      date: '2026-05-01T10:00:00Z',
    });
    together.commit({
      files: { 'src/a.py': 'a\n', 'src/b.py': 'b\n' },
      message: 'a and b',
      date: '2026-05-02T10:00:00Z',
    });
    const t = await prereqStatus(rfc, { repo: new GitRepo(together.dir), asOf: AS_OF });
    expect(t.prereqs.find((p) => p.id === 'b')).toMatchObject({ status: 'landed' });
    expect(t.prereqs.find((p) => p.id === 'b')?.out_of_order).toBeUndefined();
  });

  it('out of order by landing shape: a merge or a rebase-and-merge lands its commits together', async () => {
    const rfc = spec([
      { id: 'a', title: 'A', deliverables: ['src/a1.py', 'src/a2.py'] },
      { id: 'b', title: 'B: after A', deliverables: ['src/b.py'], depends_on: ['a'] },
      { id: 'c', title: 'C: after A', deliverables: ['src/c.py'], depends_on: ['a'] },
    ]);
    const committedAt = (iso: string) => ({
      GIT_COMMITTER_NAME: 'GitHub',
      GIT_COMMITTER_EMAIL: 'noreply@github.com',
      GIT_COMMITTER_DATE: `${Date.parse(iso) / 1000} +0000`,
    });

    // A merge commit whose branch started before A landed, merged after it: in order.
    const merged = createRepo();
    merged.commit({ files: { 'README.md': 'r\n' }, message: 'init', date: '2026-05-01T10:00:00Z' });
    merged.branch('feature-b');
    merged.checkout('feature-b');
    merged.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-02T10:00:00Z' });
    merged.checkout('main');
    merged.commit({ files: { 'src/a1.py': 'a\n', 'src/a2.py': 'a\n' }, message: 'a', date: '2026-05-03T10:00:00Z' });
    merged.merge('feature-b', { message: 'Merge pull request #2', date: '2026-05-05T10:00:00Z' });
    const m = await prereqStatus(rfc, { repo: new GitRepo(merged.dir), asOf: AS_OF });
    expect(m.prereqs.find((p) => p.id === 'b')).toMatchObject({ status: 'landed' });
    expect(m.prereqs.find((p) => p.id === 'b')?.out_of_order).toBeUndefined();

    // C lands on its own before A; then one pull request holding A and B, B's commit between
    // A's two, is rebased and merged: its commits land together, so B followed A; C did not.
    const rebased = createRepo();
    rebased.commit({ files: { 'README.md': 'r\n' }, message: 'init', date: '2026-05-01T10:00:00Z' });
    rebased.branch('feature-ab');
    rebased.commit({ files: { 'src/c.py': 'c\n' }, message: 'c, too early', date: '2026-05-01T12:00:00Z' });
    rebased.checkout('feature-ab');
    rebased.commit({ files: { 'src/a1.py': 'a\n' }, message: 'a: one', date: '2026-05-02T10:00:00Z' });
    rebased.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-03T10:00:00Z' });
    rebased.commit({ files: { 'src/a2.py': 'a\n' }, message: 'a: two', date: '2026-05-04T10:00:00Z' });
    rebased.git(['rebase', '-q', '--force-rebase', 'main'], committedAt('2026-05-06T10:00:00Z'));
    rebased.checkout('main');
    rebased.git(['merge', '-q', '--ff-only', 'feature-ab']);
    const r = await prereqStatus(rfc, { repo: new GitRepo(rebased.dir), asOf: AS_OF });
    const by = new Map(r.prereqs.map((p) => [p.id, p]));
    expect(by.get('a')).toMatchObject({ status: 'landed' });
    expect(by.get('b')).toMatchObject({ status: 'landed' });
    expect(by.get('b')?.out_of_order).toBeUndefined();
    expect(by.get('b')?.reason).not.toMatch(/out of order/);
    expect(by.get('c')).toMatchObject({ status: 'landed', out_of_order: ['a'] });
    expect(formatPrereqs(r, 'table')).toMatch(/^out of order: c \(started before a landed\)$/m);

    // The same commits pushed one by one, each committed when written: B came before A's second half.
    const pushed = createRepo();
    pushed.commit({ files: { 'src/a1.py': 'a\n' }, message: 'a: one', date: '2026-05-02T10:00:00Z' });
    pushed.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-03T10:00:00Z' });
    pushed.commit({ files: { 'src/a2.py': 'a\n' }, message: 'a: two', date: '2026-05-04T10:00:00Z' });
    const p = await prereqStatus(rfc, { repo: new GitRepo(pushed.dir), asOf: AS_OF });
    expect(p.prereqs.find((x) => x.id === 'b')).toMatchObject({ status: 'landed', out_of_order: ['a'] });
  });

  it('a deliverable created and later deleted is partial, with the deleting commit', async () => {
    const rfc = spec();
    const { repo, shas } = history();
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const f = r.prereqs.find((p) => p.id === 'f');
    expect(f).toMatchObject({ status: 'partial', missing: ['src/f.py'] });
    expect(f?.deliverables[0]).toMatchObject({
      present: false,
      deleted_by: { sha: shas.f2, author: `${ALICE.name} <${ALICE.email}>` },
    });
    expect(f?.reason).toContain(`src/f.py (deleted by ${shas.f2?.slice(0, 7)} (2026-05-07))`);
  });

  it("a file two prereqs' globs both match is a spec error at the later glob, unless one modifies the other's", async () => {
    const prereqs = [
      { id: 'plan', title: 'Plan', deliverables: ['docs/plan-*.md'] },
      { id: 'final', title: 'Final review', deliverables: ['src/f.py', 'docs/*-final.md'] },
    ];
    const rfc = spec(prereqs);
    const repo = createRepo();
    repo.commit({ files: { 'docs/plan-final.md': 'p\n' }, message: 'plan', date: '2026-05-01T10:00:00Z' });
    const err = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    const [problem] = (err as SpecError).problems;
    const at = rfc.prereqs?.[1]?.deliverableLocations?.[1];
    expect(at).toMatchObject({ file: 'gates/demo/prereqs.yaml' });
    expect(problem && formatProblem(problem)).toBe(
      `gates/demo/prereqs.yaml:${at?.line}:${at?.col}: prereq 'final': deliverable 'docs/*-final.md' and 'docs/plan-*.md', a deliverable of prereq 'plan' (gates/demo/prereqs.yaml:${rfc.prereqs?.[0]?.deliverableLocations?.[0]?.line}:${rfc.prereqs?.[0]?.deliverableLocations?.[0]?.col}), both match docs/plan-final.md: one file would land both, and each look landed by the other's work; narrow the globs so that no path matches both, or, if 'final' modifies what 'plan' created, make it depend on 'plan' and give it landed_when`,
    );
    // Allowed as spec validate allows a glob covering another's: 'final' modifies what 'plan' made.
    const modifies = spec([
      prereqs[0],
      { ...prereqs[1], depends_on: ['plan'], landed_when: { commit_message: '^Prereq: final$' } },
    ]);
    const r = await prereqStatus(modifies, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(r.prereqs.map((p) => [p.id, p.status])).toEqual([
      ['plan', 'landed'],
      ['final', 'partial'],
    ]);
  });

  it('a glob deliverable matching a submodule is present, as a literal one is', async () => {
    const rfc = spec(
      [
        { id: 'lit', title: 'vendored (literal)', deliverables: ['vendor/lib'] },
        { id: 'glob', title: 'vendored (glob)', deliverables: ['third_party/*'] },
      ],
      [{ id: 'guard', git: { query: 'prereqs_before', path: 'third_party/*' } }],
    );
    const inner = createRepo();
    const sub = inner.commit({ files: { 'x.txt': 'x\n' }, message: 'inner', date: '2026-01-01T00:00:00Z' });
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'one', date: '2026-05-01T00:00:00Z' });
    repo.git(['update-index', '--add', '--cacheinfo', `160000,${sub},vendor/lib`]);
    repo.git(['update-index', '--add', '--cacheinfo', `160000,${sub},third_party/lib`]);
    const added = repo.commit({ message: 'vendor the lib', date: '2026-05-02T00:00:00Z' });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    for (const id of ['lit', 'glob']) {
      const p = r.prereqs.find((x) => x.id === id);
      expect(p, id).toMatchObject({ status: 'landed', landed_by: { sha: added } });
    }
    expect(r.prereqs.find((x) => x.id === 'glob')?.deliverables[0]).toMatchObject({
      present: true,
      files: ['third_party/lib'],
    });
  });

  it('took_days of a prereq landed by a merge counts from the first deliverable commit of the branch merged in', async () => {
    const rfc = spec([
      { id: 'm', title: 'M: merged', deliverables: ['src/m.py', 'docs/m-*.md'] },
      { id: 'd', title: 'D: direct', deliverables: ['src/d.py'] },
      {
        id: 's',
        title: 'S: modifies M',
        deliverables: ['src/m.py', 'src/s.py'],
        depends_on: ['m'],
        landed_when: { commit_message: 'pull request #8' },
      },
    ]);
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'init', date: '2026-05-01T10:00:00Z' });
    repo.branch('feature-m');
    repo.checkout('feature-m');
    const branchFirst = repo.commit({ files: { 'src/m.py': 'm\n' }, message: 'm: code', date: '2026-05-02T10:00:00Z' });
    repo.checkout('main');
    // The mainline moves on meanwhile, and the branch takes it in before it is merged.
    repo.commit({ files: { 'src/d.py': 'd\n' }, message: 'd', date: '2026-05-03T10:00:00Z' });
    repo.checkout('feature-m');
    repo.merge('main', { message: 'sync main', date: '2026-05-04T10:00:00Z' });
    repo.commit({ files: { 'docs/m-notes.md': 'n\n' }, message: 'm: notes', date: '2026-05-05T10:00:00Z' });
    repo.checkout('main');
    const merged = repo.merge('feature-m', {
      message: 'Merge pull request #7 from feature-m',
      date: '2026-05-09T10:00:00Z',
    });
    // S's branch edits the shared file first, then adds its own one: only its own counts.
    repo.branch('feature-s');
    repo.checkout('feature-s');
    repo.commit({ files: { 'src/m.py': 'm2\n' }, message: 's: touch m', date: '2026-05-10T10:00:00Z' });
    const sOwn = repo.commit({ files: { 'src/s.py': 's\n' }, message: 's: code', date: '2026-05-12T10:00:00Z' });
    repo.checkout('main');
    const sMerged = repo.merge('feature-s', {
      message: 'Merge pull request #8 from feature-s',
      date: '2026-05-15T10:00:00Z',
    });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const by = new Map(r.prereqs.map((p) => [p.id, p]));
    // On the mainline the merge is M's first deliverable commit; the work began 7 days before it.
    expect(by.get('m')).toMatchObject({
      status: 'landed',
      started_by: { sha: merged },
      landed_by: { sha: merged },
      first_authored: { sha: branchFirst, authored: '2026-05-02T10:00:00.000Z' },
      took_days: 7,
    });
    expect(by.get('m')?.reason).toBe(
      `landed by ${merged.slice(0, 7)} (2026-05-09), 7 d after its first deliverable commit was written (${branchFirst.slice(0, 7)}, authored 2026-05-02)`,
    );
    // A prereq landed by one commit on the mainline itself, written when committed: unknown.
    expect(by.get('d')).toMatchObject({ status: 'landed', took_days: null });
    expect(by.get('d')?.first_authored).toBeUndefined();
    expect(by.get('s')).toMatchObject({
      status: 'landed',
      landed_by: { sha: sMerged },
      first_authored: { sha: sOwn },
      took_days: 3,
    });
  });

  it('took_days counts from when the work was written (author date), whatever the landing shape', async () => {
    const rfc = spec([
      { id: 'm', title: 'M: merge commit of a rebased branch', deliverables: ['src/m.py'] },
      { id: 'r', title: 'R: rebase and merge', deliverables: ['src/r.py', 'docs/r.md'] },
      { id: 'q', title: 'Q: squash merge', deliverables: ['src/q.py', 'docs/q.md'] },
      { id: 'd', title: 'D: direct commit, amended later', deliverables: ['src/d.py'] },
    ]);
    const repo = createRepo();
    /** Commits made (or re-made, by a rebase, which keeps each one's author date) at `committed`, as GitHub makes them. */
    const committedAt = (committed: string) => ({
      GIT_COMMITTER_NAME: 'GitHub',
      GIT_COMMITTER_EMAIL: 'noreply@github.com',
      GIT_COMMITTER_DATE: `${Date.parse(committed) / 1000} +0000`,
    });
    /** A new commit written at `authored` and committed at `committed`. */
    const dated = (authored: string, committed: string) => ({
      ...committedAt(committed),
      GIT_AUTHOR_NAME: BOB.name,
      GIT_AUTHOR_EMAIL: BOB.email,
      GIT_AUTHOR_DATE: `${Date.parse(authored) / 1000} +0000`,
    });
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'init', date: '2026-05-01T10:00:00Z' });

    // Merge commit: the branch was rebased onto main (commit dates moved to 05-08) before the merge.
    repo.branch('feature-m');
    repo.checkout('feature-m');
    repo.commit({ files: { 'src/m.py': 'm\n' }, message: 'm: code', date: '2026-05-02T10:00:00Z' });
    repo.checkout('main');
    repo.commit({ files: { 'other.txt': '1\n' }, message: 'other', date: '2026-05-03T10:00:00Z' });
    repo.checkout('feature-m');
    repo.git(['rebase', '-q', 'main'], committedAt('2026-05-08T10:00:00Z'));
    const mWritten = repo.head();
    repo.checkout('main');
    const mMerge = repo.merge('feature-m', { message: 'Merge pull request #1', date: '2026-05-09T10:00:00Z' });

    // Rebase and merge: two commits written 05-10 and 05-12, re-committed onto main as it lands on 05-20.
    repo.branch('feature-r');
    repo.checkout('feature-r');
    repo.commit({ files: { 'src/r.py': 'r\n' }, message: 'r: code', date: '2026-05-10T10:00:00Z' });
    repo.commit({ files: { 'docs/r.md': 'r\n' }, message: 'r: docs', date: '2026-05-12T10:00:00Z' });
    repo.git(['rebase', '-q', '--force-rebase', 'main'], committedAt('2026-05-20T10:00:00Z'));
    const rLanded = repo.head();
    const rWritten = repo.git(['rev-parse', 'HEAD~1']);
    repo.checkout('main');
    repo.git(['merge', '-q', '--ff-only', 'feature-r']);

    // Squash merge: the branch ran from 05-21 to 05-23; the squashed commit is written and committed on 05-25.
    repo.branch('feature-q');
    repo.checkout('feature-q');
    repo.commit({ files: { 'src/q.py': 'q\n' }, message: 'q: code', date: '2026-05-21T10:00:00Z' });
    repo.commit({ files: { 'docs/q.md': 'q\n' }, message: 'q: docs', date: '2026-05-23T10:00:00Z' });
    repo.checkout('main');
    repo.git(['merge', '-q', '--squash', 'feature-q']);
    repo.git(['commit', '-q', '-m', 'Q (#3)'], dated('2026-05-25T10:00:00Z', '2026-05-25T10:00:00Z'));
    const qLanded = repo.head();

    // Direct commit written on 05-26, amended and pushed on 05-28.
    repo.write('src/d.py', 'd\n');
    repo.git(['add', 'src/d.py']);
    repo.git(['commit', '-q', '-m', 'd'], dated('2026-05-26T10:00:00Z', '2026-05-28T10:00:00Z'));
    const dLanded = repo.head();

    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const by = new Map(r.prereqs.map((p) => [p.id, p]));
    expect(by.get('m')).toMatchObject({
      status: 'landed',
      landed_by: { sha: mMerge },
      first_authored: { sha: mWritten, date: '2026-05-08T10:00:00.000Z', authored: '2026-05-02T10:00:00.000Z' },
      took_days: 7,
    });
    expect(by.get('r')).toMatchObject({
      status: 'landed',
      started_by: { sha: rWritten, date: '2026-05-20T10:00:00.000Z' },
      landed_by: { sha: rLanded, date: '2026-05-20T10:00:00.000Z' },
      first_authored: { sha: rWritten, authored: '2026-05-10T10:00:00.000Z' },
      took_days: 10,
    });
    expect(by.get('r')?.reason).toBe(
      `landed by ${rLanded.slice(0, 7)} (2026-05-20), 10 d after its first deliverable commit was written (${rWritten.slice(0, 7)}, authored 2026-05-10)`,
    );
    // The squash kept no date of the branch's commits: no number is made up.
    expect(by.get('q')).toMatchObject({ status: 'landed', landed_by: { sha: qLanded }, took_days: null });
    expect(by.get('q')?.first_authored).toBeUndefined();
    expect(by.get('q')?.reason).toBe(
      `landed by ${qLanded.slice(0, 7)} (2026-05-25); how long it took is unknown: no commit of its work is dated before it landed (a squash merge, or work committed at once, keeps no earlier date)`,
    );
    expect(by.get('d')).toMatchObject({
      status: 'landed',
      landed_by: { sha: dLanded },
      first_authored: { sha: dLanded, authored: '2026-05-26T10:00:00.000Z' },
      took_days: 2,
    });
    const json = JSON.parse(formatPrereqs(r, 'json')) as { prereqs: { id: string; took_days: unknown }[] };
    expect(json.prereqs.map((p) => [p.id, p.took_days])).toEqual([
      ['m', 7],
      ['r', 10],
      ['q', null],
      ['d', 2],
    ]);
  });

  it('a deliverable a commit renamed says where it went; one merged in renamed on a branch too', async () => {
    const rfc = spec([
      { id: 'a', title: 'A', deliverables: ['src/a_old.py'] },
      { id: 'b', title: 'B', deliverables: ['src/b_old.py'] },
    ]);
    const repo = createRepo();
    const body = 'def run():\n    return 42\n';
    repo.commit({
      files: { 'src/a_old.py': body, 'src/b_old.py': body },
      message: 'a, b',
      date: '2026-05-01T10:00:00Z',
    });
    repo.git(['mv', 'src/a_old.py', 'src/a_new.py']);
    const moved = repo.commit({ message: 'rename a', date: '2026-05-02T10:00:00Z' });
    repo.branch('move-b');
    repo.checkout('move-b');
    repo.git(['mv', 'src/b_old.py', 'src/b.py']);
    repo.commit({ message: 'move b', date: '2026-05-03T10:00:00Z' });
    repo.checkout('main');
    const merged = repo.merge('move-b', { message: 'Merge move-b', date: '2026-05-04T10:00:00Z' });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const [a, b] = r.prereqs;
    expect(a?.deliverables[0]).toMatchObject({
      present: false,
      deleted_by: { sha: moved },
      renamed_to: 'src/a_new.py',
    });
    expect(a?.reason).toBe(
      `0 of 1 deliverables present; missing: src/a_old.py (renamed to src/a_new.py by ${moved.slice(0, 7)} (2026-05-02): list that path if it is the same work)`,
    );
    expect(b?.deliverables[0]).toMatchObject({ deleted_by: { sha: merged }, renamed_to: 'src/b.py' });
    // A plain deletion is still a deletion.
    const { repo: plain } = history();
    const f = (await prereqStatus(spec(), { repo: new GitRepo(plain.dir), asOf: AS_OF })).prereqs.find(
      (p) => p.id === 'f',
    );
    expect(f?.deliverables[0]?.renamed_to).toBeUndefined();
    expect(f?.reason).toMatch(/src\/f\.py \(deleted by [0-9a-f]{7} \(2026-05-07\)\)$/);
  });

  it('a deliverable renamed twice is sent to the path it has now, not to the one between', async () => {
    const rfc = spec([{ id: 'a', title: 'A', deliverables: ['src/a.py'] }]);
    const repo = createRepo();
    repo.commit({ files: { 'src/a.py': 'def run():\n    return 42\n' }, message: 'a', date: '2026-05-01T10:00:00Z' });
    repo.git(['mv', 'src/a.py', 'src/b.py']);
    const first = repo.commit({ message: 'rename a to b', date: '2026-05-02T10:00:00Z' });
    repo.git(['mv', 'src/b.py', 'src/c.py']);
    repo.commit({ message: 'rename b to c', date: '2026-05-03T10:00:00Z' });
    const [a] = (await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF })).prereqs;
    expect(a?.deliverables[0]).toMatchObject({ deleted_by: { sha: first }, renamed_to: 'src/c.py' });
    expect(a?.reason).toBe(
      `0 of 1 deliverables present; missing: src/a.py (renamed to src/b.py by ${first.slice(0, 7)} (2026-05-02), then to src/c.py: list that path if it is the same work)`,
    );
  });

  it('a prereq blocked by a dependency also names its data gate that does not hold, and stays blocked', async () => {
    const prereqs = [
      { id: 'c', title: 'C: two files', deliverables: ['src/c1.py', 'src/c2.py'] },
      {
        id: 'h',
        title: 'H: after C, needs data',
        deliverables: ['src/h.py'],
        depends_on: ['c'],
        data_gates: [{ id: 'window', condition: 'request_days >= 14' }],
      },
    ];
    const rfc = spec(prereqs);
    const { repo } = history();
    const at = async (outcome: ReturnType<typeof ok>) =>
      prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF, measurer: measurer(rfc, repo, fakeSql(outcome)) });
    const short = await at(ok(9));
    const h = short.prereqs.find((p) => p.id === 'h');
    expect(h).toMatchObject({
      status: 'blocked',
      blocked_by: ['c'],
      reason: 'waits for c; data gate window does not hold: request_days >= 14 (request_days=9)',
      data_gates: [{ id: 'window', verdict: 'fail' }],
    });
    expect(short.can_start).toEqual([]);
    const table = formatPrereqs(short, 'table');
    expect(table).toContain('waits for c; data gate window does not hold: request_days >= 14 (request_days=9)');
    expect(formatPrereqs(short, 'markdown')).toContain(
      '| blocked | `c` | waits for c; data gate window does not hold: request_days >= 14 (request_days=9) |',
    );
    // The graphs label nodes with the status only.
    expect(formatPrereqs(short, 'mermaid')).not.toContain('waits for');
    expect(formatPrereqs(short, 'dot')).not.toContain('waits for');
    // A gate that halts is named too.
    const silent = await at(halt('missing', 'no rows in audit.m'));
    expect(silent.prereqs.find((p) => p.id === 'h')?.reason).toMatch(
      /^waits for c; data gate window halted \(missing: .*no rows in audit\.m\)$/,
    );
    // With the gate holding, the dependency is all it waits for.
    expect((await at(ok(20))).prereqs.find((p) => p.id === 'h')).toMatchObject({
      status: 'blocked',
      reason: 'waits for c',
    });
  });

  it('a folder deliverable moved whole to another folder says where it went, not that it was deleted', async () => {
    const rfc = spec([
      { id: 'a', title: 'A', deliverables: ['tests/parity/golden/'] },
      { id: 'b', title: 'B', deliverables: ['tests/b'] },
      { id: 'c', title: 'C', deliverables: ['tests/c/'] },
    ]);
    const repo = createRepo();
    repo.commit({
      files: {
        'tests/parity/golden/one.json': '{"one": 1, "rows": [1, 2, 3]}\n',
        'tests/parity/golden/deep/two.json': '{"two": 2, "rows": [4, 5, 6]}\n',
        'tests/b/x.json': '{"x": 1, "rows": [7, 8, 9]}\n',
        'tests/c/y.json': '{"y": 1, "rows": [1, 1, 1]}\n',
        'tests/c/z.json': '{"z": 1, "rows": [2, 2, 2]}\n',
      },
      message: 'a, b, c',
      date: '2026-05-01T10:00:00Z',
    });
    repo.git(['mv', 'tests/parity/golden', 'tests/golden']);
    // Rewritten as it moved: git pairs no rename for it, so it reads as deleted and added again.
    const moved = repo.commit({
      files: { 'tests/golden/deep/two.json': 'regenerated\n' },
      message: 'move the goldens',
      date: '2026-05-02T10:00:00Z',
    });
    repo.git(['mv', 'tests/b', 'tests/golden/b']);
    repo.commit({ message: 'move b', date: '2026-05-03T10:00:00Z' });
    repo.git(['mv', 'tests/golden/b', 'tests/golden/b2']);
    repo.commit({ message: 'rename b again', date: '2026-05-04T10:00:00Z' });
    // Split over two folders: no one folder it was renamed to.
    repo.git(['mv', 'tests/c/y.json', 'tests/y.json']);
    repo.git(['mv', 'tests/c/z.json', 'tests/golden/z.json']);
    const split = repo.commit({ message: 'split c', date: '2026-05-05T10:00:00Z' });
    const [a, b, c] = (await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF })).prereqs;
    expect(a?.deliverables[0]).toMatchObject({
      present: false,
      deleted_by: { sha: moved },
      renamed_to: 'tests/golden/',
    });
    expect(a?.reason).toBe(
      `0 of 1 deliverables present; missing: tests/parity/golden/ (renamed to tests/golden/ by ${moved.slice(0, 7)} (2026-05-02): list that path if it is the same work)`,
    );
    expect(b?.deliverables[0]).toMatchObject({ renamed_to: 'tests/golden/b2' });
    expect(b?.reason).toMatch(
      /tests\/b \(renamed to tests\/golden\/b by [0-9a-f]{7} \(2026-05-03\), then to tests\/golden\/b2:/,
    );
    expect(c?.deliverables[0]?.renamed_to).toBeUndefined();
    expect(c?.reason).toBe(
      `0 of 1 deliverables present; missing: tests/c/ (deleted by ${split.slice(0, 7)} (2026-05-05))`,
    );
  });

  it('a prereq reverted and landed again was landed by the commit that brought it back', async () => {
    const rfc = spec([
      { id: 'a', title: 'A', deliverables: ['docs/profile-*.md', 'src/a.py'] },
      { id: 'b', title: 'B', deliverables: ['src/b.py'] },
    ]);
    const repo = createRepo();
    const profile = repo.commit({
      files: { 'docs/profile-1.md': 'p\n', 'docs/profile-2.md': 'p\n' },
      message: 'a: profiles',
      date: '2026-05-01T10:00:00Z',
    });
    const first = repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a: code', date: '2026-05-02T10:00:00Z' });
    // One of two profiles goes: the glob deliverable stays present throughout.
    repo.commit({ files: { 'docs/profile-1.md': null }, message: 'drop one', date: '2026-05-03T10:00:00Z' });
    repo.commit({ files: { 'src/a.py': null }, message: 'revert a', date: '2026-05-04T10:00:00Z' });
    const again = repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a again', date: '2026-05-08T10:00:00Z' });
    repo.commit({ files: { 'src/a.py': 'a2\n' }, message: 'a: edit', date: '2026-05-09T10:00:00Z' });
    // B comes back through a merge: the mainline's diff against its first parent adds it.
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-10T10:00:00Z' });
    repo.commit({ files: { 'src/b.py': null }, message: 'revert b', date: '2026-05-11T10:00:00Z' });
    repo.branch('topic');
    repo.checkout('topic');
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b again', date: '2026-05-12T10:00:00Z' });
    repo.checkout('main');
    const merge = repo.merge('topic', { message: 'merge b', date: '2026-05-13T10:00:00Z' });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const by = new Map(r.prereqs.map((p) => [p.id, p]));
    expect(by.get('a')).toMatchObject({ status: 'landed', landed_by: { sha: again }, took_days: 7 });
    expect(by.get('a')?.started_by?.sha).toBe(profile);
    expect(by.get('b')).toMatchObject({ status: 'landed', landed_by: { sha: merge } });
    // As of the day before the revert, the first landing stands.
    const before = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: new Date('2026-05-03T12:00:00Z') });
    expect(before.prereqs.find((p) => p.id === 'a')).toMatchObject({ status: 'landed', landed_by: { sha: first } });
  });

  it('a data gate whose measurement halts makes the prereq gated, with the halt; as of an earlier instant history is replayed', async () => {
    const rfc = spec();
    const { repo } = history();
    const r = await prereqStatus(rfc, {
      repo: new GitRepo(repo.dir),
      asOf: AS_OF,
      measurer: measurer(
        rfc,
        repo,
        fakeSql(halt('insufficient', "measurement 'request_days': rows on 9 of the 14 days required")),
      ),
    });
    expect(r.prereqs.find((p) => p.id === 'e')).toMatchObject({
      status: 'gated',
      data_gates: [{ id: 'window', verdict: 'halt', halt_reason: 'insufficient' }],
    });
    // The measurement is named once, not prefixed again to a reason that already names it.
    const why = r.prereqs.find((p) => p.id === 'e')?.data_gates?.[0]?.reason ?? '';
    expect(why).toContain('rows on 9 of the 14 days required');
    expect(why.match(/request_days/g)).toHaveLength(1);
    const earlier = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: new Date('2026-05-02T00:00:00Z') });
    expect(earlier.prereqs.find((p) => p.id === 'a')).toMatchObject({ status: 'partial', missing: ['src/a.py'] });
    expect(earlier.prereqs.find((p) => p.id === 'b')).toMatchObject({ status: 'blocked', blocked_by: ['a'] });
  });

  it('a data gate over a count its liveness does not vouch for halts where it would open', async () => {
    const measurements = [
      ...MEASUREMENTS,
      {
        id: 'incidents',
        type: 'int',
        window: '1d',
        counts_events: true,
        liveness: 'traffic',
        sql: { table: 'audit.i', timestamp: 'at', value: 'count(*)' },
      },
      { id: 'traffic', type: 'int', window: '1d', sql: { table: 'audit.t', timestamp: 'at', value: 'count(*)' } },
    ];
    const prereqs = [
      {
        id: 'q',
        title: 'Q: quiet channel',
        deliverables: ['src/q.py'],
        data_gates: [{ id: 'calm', condition: 'incidents <= 3' }],
      },
    ];
    const rfc = spec(prereqs, measurements);
    const status = (values: Record<string, number>) => prereqWithValues(rfc, 'q', values);
    // Two events on a channel that produced nothing: more may have gone unrecorded.
    const silent = await status({ incidents: 2, traffic: 0 });
    expect(silent).toMatchObject({
      status: 'gated',
      data_gates: [{ id: 'calm', verdict: 'halt', halt_reason: 'missing' }],
    });
    expect(silent?.data_gates?.[0]?.reason).toMatch(
      /^incidents: 2 events counted, but liveness measurement 'traffic' is 0, .*the count may be short/,
    );
    // The same count on a producing channel opens the gate; a count over the limit closes it either way.
    expect(await status({ incidents: 2, traffic: 500 })).toMatchObject({
      status: 'ready',
      data_gates: [{ verdict: 'pass' }],
    });
    expect(await status({ incidents: 5, traffic: 0 })).toMatchObject({ data_gates: [{ verdict: 'fail' }] });
  });

  it('a data gate computing NaN (0.0 / 0.0 of two measured zeros) makes the prereq gated, never ready', async () => {
    const measurements = [
      ...MEASUREMENTS,
      { id: 'errors', window: '1d', sql: { table: 'audit.e', timestamp: 'at', value: 'count(*)::float8' } },
      { id: 'requests', window: '1d', sql: { table: 'audit.r', timestamp: 'at', value: 'count(*)::float8' } },
    ];
    const prereqs = [
      {
        id: 'q',
        title: 'Q: low error rate',
        deliverables: ['src/q.py'],
        data_gates: [{ id: 'rate', condition: '!(errors / requests > 0.5)' }],
      },
    ];
    const rfc = spec(prereqs, measurements);
    const status = (values: Record<string, number>) => prereqWithValues(rfc, 'q', values);
    const nan = await status({ errors: 0, requests: 0 });
    expect(nan).toMatchObject({ status: 'gated', data_gates: [{ id: 'rate', verdict: 'halt', halt_reason: 'error' }] });
    expect(nan?.data_gates?.[0]?.reason).toMatch(/errors \/ requests is NaN/);
    expect(await status({ errors: 1, requests: 100 })).toMatchObject({
      status: 'ready',
      data_gates: [{ verdict: 'pass' }],
    });
  });

  it('landed_when: a prereq that modifies a dependency’s file lands with its marker commit', async () => {
    const rfc = spec();
    const { repo } = history();
    const marker = repo.commit({
      files: { 'src/a.py': 'a2\n' },
      message: 'wire a\n\nPrereq: g',
      date: '2026-05-10T10:00:00Z',
    });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(r.prereqs.find((p) => p.id === 'g')).toMatchObject({
      status: 'landed',
      landed_by: { sha: marker },
      landed_when: { commit: { sha: marker } },
      took_days: null,
    });
  });

  it('landed_when: a marker committed before its shared deliverable existed lands it when the deliverable came', async () => {
    const rfc = spec([
      { id: 'stub', title: 'Stub', deliverables: ['src/b.py'] },
      {
        id: 'wire',
        title: 'Wiring',
        deliverables: ['src/b.py'],
        depends_on: ['stub'],
        landed_when: { commit_message: '^Prereq: wire$' },
      },
    ]);
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'init', date: '2026-05-01T00:00:00Z' });
    const marker = repo.commit({ message: 'wire it\n\nPrereq: wire', date: '2026-05-02T00:00:00Z' });
    const stub = repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'stub', date: '2026-05-03T00:00:00Z' });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(r.prereqs.find((p) => p.id === 'stub')).toMatchObject({ status: 'landed', landed_by: { sha: stub } });
    // Not landed before the file it must hold was there, nor before its dependency landed.
    expect(r.prereqs.find((p) => p.id === 'wire')).toMatchObject({
      status: 'landed',
      landed_by: { sha: stub },
      landed_when: { commit: { sha: marker } },
    });
  });

  it('landed_when: a marker commit git reverted no longer lands the prereq; reverting the revert lands it again', async () => {
    const rfc = spec();
    const { repo } = history();
    const revertOf = (sha: string, subject: string) =>
      `Revert "${subject}"\n\nThis reverts commit ${sha}.\n\nPrereq: g`;
    const marker = repo.commit({
      files: { 'src/a.py': 'a2\n' },
      message: 'wire a\n\nPrereq: g',
      date: '2026-05-10T10:00:00Z',
    });
    // A revert that still carries the marker's line (squashed with it, or edited) matches the pattern too: no marker.
    const revert = repo.commit({
      files: { 'src/a.py': 'a\n' },
      message: revertOf(marker, 'wire a'),
      date: '2026-05-11T10:00:00Z',
    });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: new Date('2026-05-12T00:00:00Z') });
    const g = r.prereqs.find((p) => p.id === 'g');
    expect(g).toMatchObject({
      status: 'partial',
      landed_when: { commit: null, reverted: { commit: { sha: marker }, by: { sha: revert } } },
      started_by: { sha: marker },
    });
    expect(g?.reason).toMatch(
      /^its landed_when commit [0-9a-f]{7} \(2026-05-10\) was reverted by [0-9a-f]{7} \(2026-05-11\)$/,
    );
    // As of before the revert, the marker stands.
    const before = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: new Date('2026-05-10T12:00:00Z') });
    expect(before.prereqs.find((p) => p.id === 'g')).toMatchObject({ status: 'landed', landed_by: { sha: marker } });
    const again = repo.commit({
      files: { 'src/a.py': 'a2\n' },
      message: revertOf(revert, 'Revert "wire a"'),
      date: '2026-05-12T10:00:00Z',
    });
    const now = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(now.prereqs.find((p) => p.id === 'g')).toMatchObject({
      status: 'landed',
      landed_by: { sha: again },
      started_by: { sha: marker },
    });
  });

  it('landed_when: a marker reverted on a branch and merged with a merge commit (a GitHub revert PR) no longer lands the prereq', async () => {
    const rfc = spec();
    const { repo } = history();
    // The marker lands as a pull request merged with a merge commit, as GitHub writes one.
    repo.git(['checkout', '-q', '-b', 'wire-a']);
    repo.commit({ files: { 'src/a.py': 'a2\n' }, message: 'wire a', date: '2026-05-09T10:00:00Z' });
    repo.checkout('main');
    const marker = repo.merge('wire-a', {
      message: 'Merge pull request #7 from team/wire-a\n\nwire a\n\nPrereq: g',
      date: '2026-05-10T10:00:00Z',
    });
    // GitHub's Revert button: `git revert -m 1` of the merge on a branch, merged in its turn.
    repo.git(['checkout', '-q', '-b', 'revert-7-wire-a']);
    const revert = repo.commit({
      files: { 'src/a.py': 'a\n' },
      message: `Revert "Merge pull request #7 from team/wire-a"\n\nThis reverts commit ${marker}, reversing\nchanges made to ${repo.git(['rev-parse', `${marker}^1`])}.`,
      date: '2026-05-11T09:00:00Z',
    });
    repo.checkout('main');
    const merged = repo.merge('revert-7-wire-a', {
      // The revert PR's body quotes the marker's lines: it matches the pattern, yet it is no marker.
      message: 'Merge pull request #8 from team/revert-7-wire-a\n\nRevert "wire a"\n\nPrereq: g',
      date: '2026-05-11T10:00:00Z',
    });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: new Date('2026-05-12T00:00:00Z') });
    expect(r.prereqs.find((p) => p.id === 'g')).toMatchObject({
      status: 'partial',
      landed_when: { commit: null, reverted: { commit: { sha: marker }, by: { sha: merged } } },
    });
    // Reverting the revert (the merge that brought it in, or the revert commit itself) lands it again.
    repo.git(['checkout', '-q', '-b', 'reland']);
    repo.commit({
      files: { 'src/a.py': 'a2\n' },
      message: `Revert "Revert "wire a""\n\nThis reverts commit ${revert}.`,
      date: '2026-05-12T09:00:00Z',
    });
    repo.checkout('main');
    const again = repo.merge('reland', {
      message: 'Merge pull request #9 from team/reland',
      date: '2026-05-12T10:00:00Z',
    });
    const now = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(now.prereqs.find((p) => p.id === 'g')).toMatchObject({ status: 'landed', landed_by: { sha: again } });
  });

  it('landed_when: reverts deeper in a merged branch count, and a revert and its re-revert merged at once cancel', async () => {
    const rfc = spec();
    const { repo } = history();
    const marker = repo.commit({
      files: { 'src/a.py': 'a2\n' },
      message: 'wire a\n\nPrereq: g',
      date: '2026-05-10T10:00:00Z',
    });
    const revertOf = (sha: string, date: string, content: string) =>
      repo.commit({ files: { 'src/a.py': content }, message: `Revert\n\nThis reverts commit ${sha}.`, date });
    // The revert is not the merged branch's last commit: a fix-up follows it.
    repo.git(['checkout', '-q', '-b', 'undo']);
    const r1 = revertOf(marker, '2026-05-11T09:00:00Z', 'a\n');
    repo.commit({ files: { 'src/other.py': 'o\n' }, message: 'tidy up', date: '2026-05-11T09:10:00Z' });
    repo.checkout('main');
    const undo = repo.merge('undo', { message: 'Merge pull request #8 from team/undo', date: '2026-05-11T10:00:00Z' });
    const undone = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: new Date('2026-05-12T00:00:00Z') });
    expect(undone.prereqs.find((p) => p.id === 'g')).toMatchObject({
      status: 'partial',
      landed_when: { commit: null, reverted: { commit: { sha: marker }, by: { sha: undo } } },
    });
    // One branch relands it, takes the reland back and relands it again: one merge brings all three.
    repo.git(['checkout', '-q', '-b', 'reland']);
    const r2 = revertOf(r1, '2026-05-12T09:00:00Z', 'a2\n');
    const r3 = revertOf(r2, '2026-05-12T09:10:00Z', 'a\n');
    revertOf(r3, '2026-05-12T09:20:00Z', 'a2\n');
    repo.checkout('main');
    const reland = repo.merge('reland', {
      message: 'Merge pull request #9 from team/reland',
      date: '2026-05-12T10:00:00Z',
    });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(r.prereqs.find((p) => p.id === 'g')).toMatchObject({ status: 'landed', landed_by: { sha: reland } });
  });

  it('a prereq listed before the one whose file it modifies, spelling the path its own way, has not started', async () => {
    const rfc = spec([
      {
        id: 'b',
        title: 'B: wires the stub',
        deliverables: ['./src/stub.py', 'src/b.py'],
        depends_on: ['a'],
        landed_when: { commit_message: '^Prereq: b\\b' },
      },
      { id: 'a', title: 'A: the stub', deliverables: ['src/stub.py'] },
    ]);
    const repo = createRepo();
    repo.commit({ files: { 'src/stub.py': 'stub\n' }, message: 'a: stub', date: '2026-05-01T10:00:00Z' });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const b = r.prereqs.find((p) => p.id === 'b');
    expect(b).toMatchObject({ status: 'ready', reason: 'every dependency has landed; not started' });
    expect(b?.deliverables[0]).toMatchObject({ path: './src/stub.py', shared: true });
    expect(r.can_start).toEqual(['b']);
  });

  it('halts on a shallow clone with the fix, and names the branches when the mainline does not exist', async () => {
    const rfc = spec();
    const { repo } = history();
    const shallow = shallowClone(repo);
    const r = await prereqStatus(rfc, { repo: new GitRepo(shallow.dir), asOf: AS_OF });
    expect(r.state).toBe('halt');
    expect(r.halt?.message).toMatch(/shallow clone.*fetch-depth: 0/);
    expect(r.prereqs.every((p) => p.status === 'unknown')).toBe(true);

    repo.branch('feature/x');
    const missing = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), ref: 'trunk', asOf: AS_OF });
    expect(missing.state).toBe('halt');
    expect(missing.halt?.message).toMatch(
      /the mainline 'trunk', named in gates\/demo\/rfc\.yaml \(mainline:\), does not exist in this clone; branches that do: feature\/x, main/,
    );
    // An expression past the start of history is no branch to fetch: said as gate check says it.
    const past = await prereqStatus(rfc, {
      repo: new GitRepo(repo.dir),
      ref: 'main~1000',
      refGiven: true,
      asOf: AS_OF,
    });
    expect(past.halt?.message).toBe(
      "the mainline 'main~1000' names no commit in this clone: the history of 'main' is shorter than that; name a ref this clone has (check --ref)",
    );
  });

  it('halts naming a partial clone that cannot fetch the older trees its history walk reads', async () => {
    const rfc = spec();
    const { repo } = history();
    // --filter=tree:0 keeps only the commits: each older tree is fetched when the walk reads it.
    const clone = partialClone(repo, { filter: 'tree:0', offline: true });
    const r = await prereqStatus(rfc, { repo: new GitRepo(clone.dir), asOf: AS_OF });
    expect(r.state).toBe('halt');
    expect(r.halt?.message).toMatch(
      /^git could not read the history of 'main': this is a partial clone \(git clone --filter\), and git could not fetch an object it lacks \([0-9a-f]{12}\) from the remote \(.+\); let git reach the remote \(actions\/checkout: persist-credentials: true\), or clone without --filter$/,
    );
  });

  it("a pull request's checkout, with only the remote's copy of the mainline, is told to name that copy", async () => {
    const rfc = spec();
    const { repo } = history();
    // As actions/checkout leaves a pull request: HEAD detached, main only as origin/main.
    const clone = createRepo();
    clone.git(['remote', 'add', 'origin', repo.dir]);
    clone.git(['fetch', '-q', 'origin']);
    clone.git(['checkout', '-q', '--detach', 'origin/main']);
    const r = await prereqStatus(rfc, { repo: new GitRepo(clone.dir), asOf: AS_OF });
    expect(r.halt?.message).toMatch(
      /^the mainline 'main', named in gates\/demo\/rfc\.yaml \(mainline:\), does not exist in this clone; branches that do: origin\/main; the remote's copy origin\/main is here: name it \(--ref origin\/main\), or fix mainline in gates\/demo\/rfc\.yaml$/,
    );
    // Fetching by name would only update that copy again: the advice says to name it.
    const trunk = await prereqStatus(rfc, { repo: new GitRepo(clone.dir), ref: 'trunk', refGiven: true, asOf: AS_OF });
    expect(trunk.halt?.message).toMatch(
      /; fetch it: a branch by the remote's copy \(git fetch origin trunk, then --ref origin\/trunk\), a tag as it is \(git fetch origin tag trunk\); or check --ref$/,
    );
    const copy = await prereqStatus(rfc, { repo: new GitRepo(clone.dir), ref: 'origin/main', asOf: AS_OF });
    expect(copy.state).toBe('ok');
  });

  it("a shallow pull request's checkout is told to fetch the full history before naming the remote's copy", async () => {
    const rfc = spec();
    const { repo } = history();
    // actions/checkout with fetch-depth: 1: HEAD detached, main only as a cut origin/main.
    const clone = createRepo();
    clone.git(['remote', 'add', 'origin', `file://${repo.dir}`]);
    clone.git(['fetch', '-q', '--depth', '1', 'origin', 'main:refs/remotes/origin/main']);
    clone.git(['checkout', '-q', '--detach', 'origin/main']);
    const r = await prereqStatus(rfc, { repo: new GitRepo(clone.dir), asOf: AS_OF });
    expect(r.halt?.message).toMatch(
      /; this is a shallow clone, whose history is cut, so the remote's copy origin\/main cannot be read either: fetch the full history \(actions\/checkout: fetch-depth: 0, or git fetch --unshallow\), then name --ref origin\/main; or fix mainline in gates\/demo\/rfc\.yaml$/,
    );
    // The advice in full: unshallowed, the remote's copy is read.
    clone.git(['fetch', '-q', '--unshallow', 'origin']);
    const copy = await prereqStatus(rfc, { repo: new GitRepo(clone.dir), ref: 'origin/main', asOf: AS_OF });
    expect(copy.state).toBe('ok');
  });

  it('a mainline that is an orphan branch with no commit yet says so, and is not sent to a fetch', async () => {
    const rfc = spec();
    const { repo } = history();
    repo.git(['checkout', '-q', '--orphan', 'fresh']);
    for (const ref of ['HEAD', 'fresh']) {
      const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), ref, refGiven: true, asOf: AS_OF });
      expect(r.state, ref).toBe('halt');
      expect(r.halt?.message, ref).toMatch(/has no commit yet \(an orphan branch\), so there is no history to measure/);
      expect(r.halt?.message, ref).not.toMatch(/fetch|origin\//);
    }
  });

  it('formats the DAG as a tree, Mermaid, DOT and Markdown, coloured by status', async () => {
    const rfc = spec();
    const { repo } = history();
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    const table = formatPrereqs(r, 'table');
    expect(table).toMatch(/^✓ a landed {2}A: profile$/m);
    expect(table).toMatch(/^├─ ✓ b landed {2}B: after A$/m);
    expect(table).toMatch(/^critical path: c → d$/m);
    const mermaid = formatPrereqs(r, 'mermaid');
    expect(mermaid).toContain('p_a --> p_b');
    expect(mermaid).toMatch(/p_c\["c: C#58; two files<br\/>partial"\]:::partial/);
    expect(mermaid).toContain('classDef landed fill:#2da44e');
    const dot = formatPrereqs(r, 'dot');
    expect(dot).toContain('"a" -> "b";');
    expect(dot).toMatch(/"d" \[label="d: D: after C\\nblocked", fillcolor="#cf222e"/);
    const md = formatPrereqs(r, 'markdown');
    expect(md).toContain('| ◐ | `c` | C: two files | partial |');
    expect(md).toContain('```mermaid');
    expect(JSON.parse(formatPrereqs(r, 'json'))).toEqual(JSON.parse(JSON.stringify(r)));

    // Ids that differ only in punctuation stay two nodes; a title's HTML is text, not markup.
    const [a, b] = r.prereqs;
    const odd = {
      ...r,
      prereqs: [
        { ...(a as (typeof r.prereqs)[number]), id: 'pr.4', title: '<script>x</script>', depends_on: [] },
        { ...(b as (typeof r.prereqs)[number]), id: 'pr_4', depends_on: ['pr.4'] },
      ],
    };
    const nodes = formatPrereqs(odd, 'mermaid')
      .split('\n')
      .flatMap((l) => /^ {2}(p_\S+)\[/.exec(l)?.[1] ?? []);
    expect(nodes).toHaveLength(2);
    expect(new Set(nodes).size).toBe(2);
    expect(formatPrereqs(odd, 'mermaid')).toContain(`${nodes[0]} --> ${nodes[1]}`);
    const oddMd = formatPrereqs(odd, 'markdown');
    expect(oddMd).toContain('| \\<script>x\\</script> |');
    expect(oddMd).not.toMatch(/\| <script>/);
    // As GitHub renders it: the title as text in its cell, no HTML.
    expect(tableRows(oddMd)[1]?.[2]).toBe('<script>x</script>');
  });
});

/** b's folder holds a's file; b modifies what a created, so it depends on a and has landed_when. */
const FOLDER_OVER_DEPENDENCY = [
  { id: 'a', title: 'A', deliverables: ['src/x.py'] },
  {
    id: 'b',
    title: 'B',
    deliverables: ['src/', 'src/b.py'],
    depends_on: ['a'],
    landed_when: { commit_message: '^b$' },
  },
];

describe('prereqs.yaml validation', () => {
  it('names a cycle without a false shared-deliverable beside it, and still a real one', () => {
    const problems = specProblems([
      { id: 'x', title: 'X', deliverables: ['x'], depends_on: ['z'] },
      { id: 'y', title: 'Y', deliverables: ['y'], depends_on: ['x'] },
      { id: 'z', title: 'Z', deliverables: ['z'], depends_on: ['y'] },
      { id: 'a', title: 'A', deliverables: ['src/w.ex'] },
      {
        id: 'b',
        title: 'B',
        deliverables: ['src/w.ex'],
        depends_on: ['a'],
        landed_when: { commit_message: '^Prereq: b' },
      },
      // Unrelated to the cycle, and a real mistake: still reported beside it.
      { id: 'c', title: 'C', deliverables: ['src/v.ex'] },
      { id: 'd', title: 'D', deliverables: ['src/v.ex'] },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(
        /prereqs\.yaml:\d+:\d+: prereqs depend on each other in a cycle: x → y → z → x \(read → as "is needed by"\); break one depends_on link$/,
      ),
      expect.stringMatching(/prereq 'd': deliverable 'src\/v\.ex' is also listed by prereq 'c'/),
    ]);
  });

  it('writes a cycle in the direction the critical path reads: the one needed first', async () => {
    const chain = [
      { id: 'p1', title: 'P1', deliverables: ['p1'] },
      { id: 'p2', title: 'P2', deliverables: ['p2'], depends_on: ['p1'] },
      { id: 'p3', title: 'P3', deliverables: ['p3'], depends_on: ['p2'] },
    ];
    const repo = createRepo();
    repo.commit({ files: { README: 'r\n' }, message: 'start', date: '2026-05-01T10:00:00Z' });
    const r = await prereqStatus(spec(chain), { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(formatPrereqs(r, 'table')).toContain('critical path: p1 → p2 → p3\n');
    // The same chain closed by p1 needing p3: its arrows run the same way.
    const closed = [{ ...chain[0], depends_on: ['p3'] }, chain[1], chain[2]];
    expect(specProblems(closed)).toEqual([
      expect.stringContaining('in a cycle: p1 → p2 → p3 → p1 (read → as "is needed by")'),
    ]);
  });

  it('reports unknown dependencies, duplicate deliverables and duplicate ids', () => {
    const problems = specProblems([
      { id: 'x', title: 'X', deliverables: ['src/x.py'] },
      { id: 'y', title: 'Y', deliverables: ['src/x.py'], depends_on: ['xx'] },
      { id: 'x', title: 'X again', deliverables: ['src/z.py'] },
    ]);
    expect(problems).toEqual([
      "gates/demo/prereqs.yaml:9:7: prereq 'y': deliverable 'src/x.py' is also listed by prereq 'x' (gates/demo/prereqs.yaml:5:7); a path can prove only one prereq landed: remove it from one, or, if 'y' modifies what 'x' created, make 'y' depend on 'x' and give it landed_when",
      expect.stringMatching(/prereq 'y': depends_on names unknown prereq 'xx' \(did you mean 'x'\?\)/),
      expect.stringMatching(/duplicate prereq id 'x'/),
    ]);
  });

  it('reports a duplicate id whichever copy the schema refused: one fix does not uncover the other', () => {
    const problems = specProblems([
      { id: 'p1', title: 'P1', deliverables: ['src/p1.py'] },
      // Refused by the schema (a dependency listed twice), and its id reused below.
      { id: 'p2', title: 'P2', deliverables: ['src/p2.py'], depends_on: ['p1', 'p1'] },
      { id: 'p2', title: 'P2 again', deliverables: ['src/p3.py'] },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/'p1' is listed twice; keep one$/),
      expect.stringMatching(
        /^gates\/demo\/prereqs\.yaml:\d+:\d+: duplicate prereq id 'p2' \(first declared at gates\/demo\/prereqs\.yaml:/,
      ),
    ]);
  });

  it('a folder or glob that another prereq’s path falls in is an error, unless it modifies a dependency’s work', () => {
    expect(
      specProblems([
        { id: 'a', title: 'A', deliverables: ['tests/golden/'] },
        { id: 'b', title: 'B', deliverables: ['tests/golden/b.json'] },
        { id: 'c', title: 'C', deliverables: ['docs/**'] },
        { id: 'd', title: 'D', deliverables: ['docs/profile-*.md'], depends_on: ['c'] },
        // Only a shared prefix of the name: no overlap.
        { id: 'e', title: 'E', deliverables: ['src/a', 'src/ab.py'] },
        { id: 'f', title: 'F', deliverables: ['src/a*.sql'] },
      ]),
    ).toEqual([
      "gates/demo/prereqs.yaml:5:7: prereq 'a': deliverable 'tests/golden/' also matches 'tests/golden/b.json', a deliverable of prereq 'b' (gates/demo/prereqs.yaml:9:7): landing 'b' would make it present and 'a' look landed; narrow it to the paths 'a' creates, or, if 'a' modifies what 'b' created, make 'a' depend on 'b' and give it landed_when",
      // d depends on c, but it is c's glob that d's landing satisfies.
      "gates/demo/prereqs.yaml:13:7: prereq 'c': deliverable 'docs/**' also matches 'docs/profile-*.md', a deliverable of prereq 'd' (gates/demo/prereqs.yaml:17:7): landing 'd' would make it present and 'c' look landed; narrow it to the paths 'c' creates, or, if 'c' modifies what 'd' created, make 'c' depend on 'd' and give it landed_when",
    ]);
    const rfc = spec(FOLDER_OVER_DEPENDENCY);
    expect(rfc.prereqs?.map((p) => p.shared)).toEqual([[], ['src/']]);
  });

  it('a prereq whose folder holds a dependency’s file has not started when only the dependency landed', async () => {
    const rfc = spec(FOLDER_OVER_DEPENDENCY);
    const repo = createRepo();
    repo.commit({ files: { 'src/x.py': 'x\n' }, message: 'a', date: '2026-05-01T10:00:00Z' });
    const r = await prereqStatus(rfc, { repo: new GitRepo(repo.dir), asOf: AS_OF });
    expect(r.prereqs.map((p) => [p.id, p.status])).toEqual([
      ['a', 'landed'],
      ['b', 'ready'],
    ]);
  });

  it('a landed_when pattern that every commit matches is an error', () => {
    const problems = specProblems([
      { id: 'a', title: 'A', deliverables: ['src/a.py'] },
      ...['^Prereq: b\\b|', 'x*'].map((re, i) => ({
        id: `b${i}`,
        title: 'B',
        deliverables: ['src/a.py'],
        depends_on: ['a'],
        landed_when: { commit_message: re },
      })),
    ]);
    expect(problems).toEqual([
      "gates/demo/prereqs.yaml:13:21: prereq 'b0': landed_when.commit_message /^Prereq: b\\b|/ matches an empty message, so every commit matches it; make it require the marker's text",
      "gates/demo/prereqs.yaml:21:21: prereq 'b1': landed_when.commit_message /x*/ matches an empty message, so every commit matches it; make it require the marker's text",
    ]);
  });

  it('one prereq naming a path twice is told to remove one, not to depend on itself', () => {
    expect(specProblems([{ id: 'x', title: 'X', deliverables: ['src/x.py', './src/x.py'] }])).toEqual([
      "gates/demo/prereqs.yaml:6:7: prereq 'x': deliverable './src/x.py' names the same path as its deliverable 'src/x.py' (gates/demo/prereqs.yaml:5:7); remove one",
    ]);
  });

  it('a deliverable written with git pathspec magic is an error naming the plain path', () => {
    expect(
      specProblems([{ id: 'x', title: 'X', deliverables: [':(glob)src/*.x', ':(literal)x', ':/x', 'src/ok.x'] }]),
    ).toEqual([
      "gates/demo/prereqs.yaml:5:7: prereq 'x': deliverable ':(glob)src/*.x' is written with git pathspec magic (':(glob)'), which deliverables do not read, so it would never match: a deliverable is a plain path or a glob, such as 'src/*.x'",
      "gates/demo/prereqs.yaml:6:7: prereq 'x': deliverable ':(literal)x' is written with git pathspec magic (':(literal)'), which deliverables do not read, so it would never match: a deliverable is a plain path or a glob, such as 'x'",
      "gates/demo/prereqs.yaml:7:7: prereq 'x': deliverable ':/x' is written with git pathspec magic (':/'), which deliverables do not read, so it would never match: a deliverable is a plain path or a glob, such as 'x'",
    ]);
  });

  it('warns about a glob that can never match, and type-checks data gates', () => {
    const rfc = spec([{ id: 'x', title: 'X', deliverables: ['docs/profile-<date>.md', '../out.txt'] }]);
    expect(rfc.warnings.map(formatProblem)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /deliverable 'docs\/profile-<date>\.md' can never match a repository path: it contains a '<…>' placeholder/,
        ),
        expect.stringMatching(
          /deliverable '\.\.\/out\.txt' can never match a repository path: it has a '\.\.' segment/,
        ),
      ]),
    );
    const problems = specProblems([
      { id: 'x', title: 'X', deliverables: ['x'], data_gates: [{ id: 'g', condition: 'request_dayz >= 14' }] },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/data gate 'g': unknown measurement 'request_dayz' \(did you mean 'request_days'\?\)/),
    ]);
  });
});

describe('the prereqs_before ordering guard', () => {
  const guardSpec = (rfc: ReturnType<typeof spec>) => rfc.measurements.get('guard') as MeasurementSpec;
  const ctx = (repo: FixtureRepo, rfc: ReturnType<typeof spec>) => ({
    asOf: AS_OF,
    ref: 'main',
    repoDir: repo.dir,
    manifest: rfc.manifest,
    signal: new AbortController().signal,
  });
  const simple = [
    { id: 'a', title: 'A', deliverables: ['src/a.py'] },
    { id: 'b', title: 'B', deliverables: ['src/b.py'], depends_on: ['a'] },
  ];

  it('halts, naming the file and both globs, when one file matches deliverables of two prereqs', async () => {
    const rfc = spec([
      { id: 'plan', title: 'Plan', deliverables: ['docs/plan-*.md'] },
      { id: 'final', title: 'Final review', deliverables: ['docs/*-final.md'], depends_on: ['plan'] },
    ]);
    const repo = createRepo();
    repo.commit({ files: { 'docs/plan-final.md': 'p\n' }, message: 'plan', date: '2026-05-01T10:00:00Z' });
    repo.commit({ files: { 'elixir/handler_dispatch/x.ex': 'x\n' }, message: 'go', date: '2026-05-02T10:00:00Z' });
    const o = await new GitMeasurementSource(new GitRepo(repo.dir)).measure(guardSpec(rfc), ctx(repo, rfc));
    expect(o).toMatchObject({ status: 'halt', halt: 'error' });
    expect(o.status === 'halt' && o.reason).toMatch(
      /^gates\/demo\/prereqs\.yaml:\d+:\d+: prereq 'final': deliverable 'docs\/\*-final\.md' and 'docs\/plan-\*\.md', a deliverable of prereq 'plan' \(gates\/demo\/prereqs\.yaml:\d+:\d+\), both match docs\/plan-final\.md: one file would land both/,
    );
  });

  it('passes trivially while the path was never touched, and says so', async () => {
    const rfc = spec(simple);
    const repo = createRepo();
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a', date: '2026-05-01T10:00:00Z' });
    const o = await new GitMeasurementSource(new GitRepo(repo.dir)).measure(guardSpec(rfc), ctx(repo, rfc));
    expect(o).toMatchObject({ status: 'ok', value: true, evidence: { exists: false } });
    expect(o.evidence.note).toMatch(
      /no commit has touched elixir\/handler_dispatch\/ .* holds trivially \(the path does not exist yet\)/,
    );
  });

  it('fails with the first offending commit (sha, author, date, files) when a prereq had not landed', async () => {
    const rfc = spec(simple);
    const repo = createRepo();
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a', date: '2026-05-01T10:00:00Z' });
    const bad = repo.commit({
      files: { 'elixir/handler_dispatch/mix.exs': 'x\n' },
      message: 'dispatch: scaffold',
      date: '2026-05-02T10:00:00Z',
      author: ALICE,
    });
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-03T10:00:00Z' });
    repo.commit({ files: { 'elixir/handler_dispatch/x.ex': 'x\n' }, message: 'more', date: '2026-05-04T10:00:00Z' });
    const o = await new GitMeasurementSource(new GitRepo(repo.dir)).measure(guardSpec(rfc), ctx(repo, rfc));
    expect(o).toMatchObject({
      status: 'ok',
      value: false,
      evidence: {
        first_offending_commit: {
          sha: bad,
          author: `${ALICE.name} <${ALICE.email}>`,
          date: '2026-05-02T10:00:00.000Z',
          files: ['elixir/handler_dispatch/mix.exs'],
        },
        not_landed_before: [{ id: 'b', landed: true }],
      },
    });
    expect(o.evidence.note).toMatch(new RegExp(`^${bad} by Alice Operator .* before prereq b had landed$`));
  });

  it('passes once every prereq landed strictly before the first commit under the path', async () => {
    const rfc = spec(simple);
    const repo = createRepo();
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a', date: '2026-05-01T10:00:00Z' });
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-02T10:00:00Z' });
    const first = repo.commit({
      files: { 'elixir/handler_dispatch/mix.exs': 'x\n' },
      message: 'd',
      date: '2026-05-03T10:00:00Z',
    });
    const o = await new GitMeasurementSource(new GitRepo(repo.dir)).measure(guardSpec(rfc), ctx(repo, rfc));
    expect(o).toMatchObject({ status: 'ok', value: true, evidence: { first_commit: { sha: first } } });
  });

  it('names the commit that landed a reverted prereq again as the one that completed it', async () => {
    const rfc = spec(simple);
    const repo = createRepo();
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a', date: '2026-05-01T10:00:00Z' });
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-02T10:00:00Z' });
    repo.commit({ files: { 'src/b.py': null }, message: 'revert b', date: '2026-05-03T10:00:00Z' });
    const bad = repo.commit({
      files: { 'elixir/handler_dispatch/mix.exs': 'x\n' },
      message: 'dispatch: scaffold',
      date: '2026-05-04T10:00:00Z',
    });
    const again = repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b again', date: '2026-05-05T10:00:00Z' });
    const o = await new GitMeasurementSource(new GitRepo(repo.dir)).measure(guardSpec(rfc), ctx(repo, rfc));
    expect(o).toMatchObject({
      status: 'ok',
      value: false,
      evidence: {
        first_offending_commit: { sha: bad },
        not_landed_before: [{ id: 'b', landed: true, completed_by: { sha: again }, missing_before: ['src/b.py'] }],
      },
    });
  });

  it('halts on a shallow clone with the fix', async () => {
    const rfc = spec(simple);
    const repo = createRepo();
    repo.commit({ files: { 'src/a.py': 'a\n' }, message: 'a', date: '2026-05-01T10:00:00Z' });
    repo.commit({ files: { 'src/b.py': 'b\n' }, message: 'b', date: '2026-05-02T10:00:00Z' });
    const shallow = shallowClone(repo);
    const o = await new GitMeasurementSource(new GitRepo(shallow.dir)).measure(guardSpec(rfc), ctx(shallow, rfc));
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    if (o.status === 'halt') expect(o.reason).toMatch(/fetch-depth: 0/);
  });

  it('prereqs_before without prereqs.yaml is a spec error', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    writeRfc(root, {
      measurements: MEASUREMENTS,
      invariants: [{ id: 'INV', title: 'order', section: '§14', phase: ['implementation'], holds_if: 'guard' }],
    });
    expect(() => loadRfc(root, 'demo')).toThrow(/prereqs_before needs the prerequisite PRs in .*prereqs\.yaml/);
  });
});

/**
 * The council source against real git fixtures: a plain run reads the rounds and the document
 * in the working tree (and says whether the round is committed); a run that names its ref or
 * its instant reads both from the commit it is anchored to.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeModel, scriptFromDir } from '../../../src/council/fake-model.js';
import { councilRound } from '../../../src/council/round.js';
import { CouncilMeasurementSource } from '../../../src/sources/council/source.js';
import { GitRepo } from '../../../src/sources/git/repo.js';
import type { EvalContext, MeasurementOutcome } from '../../../src/sources/types.js';
import type { MeasurementSpec, RfcManifest } from '../../../src/spec/types.js';
import { councilRepo, DOCUMENT, FIXTURES } from '../../council/helpers.js';
import { createRepo, type FixtureRepo, removeFixtures } from '../../helpers/git-fixture.js';

afterAll(removeFixtures);

const ROUND_1 = 'rfcs/demo/council/2026-11-10-v1.json';
const ROUND_2 = 'rfcs/demo/council/2026-11-20-v1.json';
const NOW = '2026-11-25T00:00:00Z';

const measurement = {
  id: 'council_open_blocks',
  type: 'int',
  source: 'council',
  council: { value: 'open_blocks' },
  location: { file: 'measurements.yaml', line: 1, col: 1 },
} as MeasurementSpec;

/** A governed repository with the demo RFC and its council committed on 2026-11-01. */
function governed(): FixtureRepo {
  const repo = createRepo();
  councilRepo({}, repo.dir);
  repo.git(['add', '-A']);
  repo.commit({ message: 'demo RFC with a council', date: '2026-11-01T00:00:00Z' });
  return repo;
}

/** A round written into the working tree by the offline model: 'block' leaves one BLOCK open, 'all-clear' none. */
async function round(repo: FixtureRepo, script: 'block' | 'all-clear', at: string): Promise<void> {
  await councilRound({
    root: repo.dir,
    rfc: 'demo',
    apiKey: 'k',
    fetch: fakeModel(scriptFromDir(join(FIXTURES, script))).fetch,
    tokenCount: 'estimate',
    now: new Date(at),
  });
}

function commitLedger(repo: FixtureRepo, date: string): string {
  repo.git(['add', '-A', 'rfcs/demo/council']);
  return repo.commit({ message: 'council round', date });
}

function measure(repo: FixtureRepo, opts: { ref?: string; asOf?: string; pinned?: boolean }) {
  const ctx: EvalContext = {
    asOf: new Date(opts.asOf ?? NOW),
    ref: opts.ref ?? 'HEAD',
    ...(opts.pinned ? { pinned: true } : {}),
    repoDir: repo.dir,
    manifest: { id: 'demo', version: 'v1' } as RfcManifest,
    signal: new AbortController().signal,
  };
  return new CouncilMeasurementSource(new GitRepo(repo.dir)).measure(measurement, ctx);
}

function value(o: MeasurementOutcome): unknown {
  expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
  return o.status === 'ok' ? o.value : undefined;
}

describe('the council source and the working tree', () => {
  it('a plain run still judges a round written but not committed, and its evidence says CI cannot see it', async () => {
    const repo = governed();
    await round(repo, 'block', '2026-11-10T12:00:00Z');
    const first = commitLedger(repo, '2026-11-10T13:00:00Z');
    await round(repo, 'all-clear', '2026-11-20T12:00:00Z');

    const o = await measure(repo, {});
    expect(value(o)).toBe(0);
    expect(o.evidence).toMatchObject({ record: ROUND_2, ref: 'HEAD', resolved_sha: first, visible_to_ci: false });
    expect(o.evidence.note).toBe(
      `${ROUND_2} exists only in the working tree, not committed on 'HEAD' (${first.slice(0, 7)}): CI cannot see it; commit it`,
    );

    const second = commitLedger(repo, '2026-11-20T13:00:00Z');
    const after = await measure(repo, {});
    expect(after.evidence).toMatchObject({ record: ROUND_2, resolved_sha: second, visible_to_ci: true });
    expect(after.evidence.note).toBeUndefined();
  });

  it('--ref HEAD named: the committed round is judged, not a newer one only in the working tree, which is noted', async () => {
    const repo = governed();
    await round(repo, 'block', '2026-11-10T12:00:00Z');
    const first = commitLedger(repo, '2026-11-10T13:00:00Z');
    await round(repo, 'all-clear', '2026-11-20T12:00:00Z');

    const o = await measure(repo, { pinned: true });
    expect(value(o)).toBe(1);
    expect(o.evidence).toMatchObject({ record: ROUND_1, round: 1, resolved_sha: first, visible_to_ci: true });
    expect(o.evidence.note).toBe(
      `a later round, ${ROUND_2}, exists only in the working tree, which a run with --ref or --as-of does not read: commit it for this ref to see it`,
    );
  });

  it('--ref of an older commit sees the round committed there, not the later one', async () => {
    const repo = governed();
    await round(repo, 'block', '2026-11-10T12:00:00Z');
    const first = commitLedger(repo, '2026-11-10T13:00:00Z');
    await round(repo, 'all-clear', '2026-11-20T12:00:00Z');
    commitLedger(repo, '2026-11-20T13:00:00Z');

    const old = await measure(repo, { ref: first, pinned: true });
    expect(value(old)).toBe(1);
    expect(old.evidence).toMatchObject({ record: ROUND_1, ref: first, resolved_sha: first });
    expect(value(await measure(repo, { pinned: true }))).toBe(0);
    // A past --as-of is anchored the same way: the commit on HEAD at that instant.
    const past = await measure(repo, { asOf: '2026-11-15T00:00:00Z', pinned: true });
    expect(value(past)).toBe(1);
    expect(past.evidence).toMatchObject({ record: ROUND_1, resolved_sha: first });
  });

  it('a round only in the working tree, under a named --ref, halts missing and names it', async () => {
    const repo = governed();
    const base = repo.head();
    await round(repo, 'block', '2026-11-10T12:00:00Z');

    const o = await measure(repo, { pinned: true });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' ? o.reason : '').toBe(
      `no council round stored in rfcs/demo/council on 'HEAD' (${base.slice(0, 7)}) as of ${new Date(NOW).toISOString()}; ${ROUND_1} exists only in the working tree, which a run with --ref or --as-of does not read: commit it (a run without --ref and --as-of reads the working tree, for a local check)`,
    );
    // The same round, unpinned, is what a plain local run judges.
    expect(value(await measure(repo, {}))).toBe(1);
  });

  it('a round in the working tree run after a past --as-of is named as such', async () => {
    const repo = governed();
    await round(repo, 'block', '2026-11-10T12:00:00Z');
    const o = await measure(repo, { asOf: '2026-11-05T00:00:00Z', pinned: true });
    expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(o.status === 'halt' ? o.reason : '').toMatch(
      new RegExp(`; ${ROUND_1} exists in the working tree but was run after 2026-11-05T00:00:00.000Z$`),
    );
  });

  it('a redraft in a new file that rfc.yaml now names halts stale, though the reviewed file is unchanged', async () => {
    const repo = governed();
    await round(repo, 'all-clear', '2026-11-10T12:00:00Z');
    commitLedger(repo, '2026-11-10T13:00:00Z');
    expect(value(await measure(repo, {}))).toBe(0);

    repo.write('rfcs/demo-r2.md', `${DOCUMENT}\n## §3 Redrafted\n`);
    const manifest = readFileSync(join(repo.dir, 'gates/demo/rfc.yaml'), 'utf8');
    repo.write('gates/demo/rfc.yaml', manifest.replace('document: rfcs/demo.md', 'document: rfcs/demo-r2.md'));
    const o = await measure(repo, {});
    expect(o).toMatchObject({ status: 'halt', halt: 'stale' });
    expect(o.status === 'halt' ? o.reason : '').toMatch(
      /^council round 1 reviewed rfcs\/demo\.md at sha256 [0-9a-f]{12}, but the RFC document is now rfcs\/demo-r2\.md at sha256 [0-9a-f]{12}: run the council on the current text$/,
    );

    // Moved as it was: the same text was reviewed.
    repo.write('rfcs/demo-r2.md', DOCUMENT);
    expect(value(await measure(repo, {}))).toBe(0);
  });

  it('with --ref, a committed redraft in a new file that rfc.yaml names halts stale, as a plain run does', async () => {
    const repo = governed();
    await round(repo, 'all-clear', '2026-11-10T12:00:00Z');
    const reviewed = commitLedger(repo, '2026-11-10T13:00:00Z');
    expect(value(await measure(repo, { pinned: true }))).toBe(0);

    repo.write('rfcs/demo-r2.md', `${DOCUMENT}\n## §3 Redrafted\n`);
    const manifest = readFileSync(join(repo.dir, 'gates/demo/rfc.yaml'), 'utf8');
    repo.write('gates/demo/rfc.yaml', manifest.replace('document: rfcs/demo.md', 'document: rfcs/demo-r2.md'));
    repo.git(['add', '-A']);
    const redraft = repo.commit({ message: 'redraft in a new file', date: '2026-11-12T00:00:00Z' });
    expect(await measure(repo, {})).toMatchObject({ status: 'halt', halt: 'stale' });
    const o = await measure(repo, { pinned: true });
    expect(o).toMatchObject({ status: 'halt', halt: 'stale', evidence: { resolved_sha: redraft } });
    expect(o.status === 'halt' ? o.reason : '').toMatch(
      new RegExp(
        `^council round 1 reviewed rfcs/demo\\.md at sha256 [0-9a-f]{12}, but the RFC document is now rfcs/demo-r2\\.md at sha256 [0-9a-f]{12}: run the council on the current text \\(the document as committed on 'HEAD', ${redraft.slice(0, 7)}\\)$`,
      ),
    );
    // At the reviewed commit the redraft did not exist yet: the document rfc.yaml names is missing there.
    expect(await measure(repo, { ref: reviewed, pinned: true })).toMatchObject({ status: 'halt', halt: 'stale' });
  });

  it('staleness is judged against the document as committed at the ref', async () => {
    const repo = governed();
    await round(repo, 'all-clear', '2026-11-10T12:00:00Z');
    const reviewed = commitLedger(repo, '2026-11-10T13:00:00Z');

    // Edited in the working tree only: the ref still holds the reviewed text.
    repo.write('rfcs/demo.md', `${DOCUMENT}\n## §3 Added later\n`);
    expect(value(await measure(repo, { pinned: true }))).toBe(0);
    expect(await measure(repo, {})).toMatchObject({ status: 'halt', halt: 'stale' });

    // Committed: HEAD now holds other text than the round reviewed, the older commit does not.
    repo.git(['add', 'rfcs/demo.md']);
    const edited = repo.commit({ message: 'redraft §3', date: '2026-11-12T00:00:00Z' });
    const stale = await measure(repo, { pinned: true });
    expect(stale).toMatchObject({ status: 'halt', halt: 'stale', evidence: { resolved_sha: edited } });
    expect(stale.status === 'halt' ? stale.reason : '').toMatch(
      new RegExp(`\\(the document as committed on 'HEAD', ${edited.slice(0, 7)}\\)$`),
    );
    expect(value(await measure(repo, { ref: reviewed, pinned: true }))).toBe(0);
    repo.write('rfcs/demo.md', DOCUMENT);
    expect(await measure(repo, { pinned: true })).toMatchObject({ status: 'halt', halt: 'stale' });
  });

  it('in a governed folder below the repository top, ledger and document paths are read from that folder', async () => {
    const repo = createRepo();
    const sub = join(repo.dir, 'svc');
    councilRepo({}, sub);
    repo.git(['add', '-A']);
    repo.commit({ message: 'demo RFC in svc/', date: '2026-11-01T00:00:00Z' });
    await councilRound({
      root: sub,
      rfc: 'demo',
      apiKey: 'k',
      fetch: fakeModel(scriptFromDir(join(FIXTURES, 'block'))).fetch,
      tokenCount: 'estimate',
      now: new Date('2026-11-10T12:00:00Z'),
    });
    repo.git(['add', '-A']);
    repo.commit({ message: 'council round', date: '2026-11-10T13:00:00Z' });
    const ctx: EvalContext = {
      asOf: new Date(NOW),
      ref: 'HEAD',
      pinned: true,
      repoDir: sub,
      manifest: { id: 'demo', version: 'v1' } as RfcManifest,
      signal: new AbortController().signal,
    };
    const o = await new CouncilMeasurementSource(new GitRepo(sub)).measure(measurement, ctx);
    expect(value(o)).toBe(1);
    expect(o.evidence).toMatchObject({ record: ROUND_1, visible_to_ci: true });
    const plain = await new CouncilMeasurementSource(new GitRepo(sub)).measure(measurement, { ...ctx, pinned: false });
    expect(plain.evidence).toMatchObject({ record: ROUND_1, visible_to_ci: true });
  });
});

describe('two RFCs whose council.yaml name the same ledger_dir', () => {
  /** demo and other, each with its council, storing their rounds in rfcs/shared. */
  function sharing(): FixtureRepo {
    const repo = createRepo();
    councilRepo({ ledger_dir: 'rfcs/shared' }, repo.dir);
    const other = join(repo.dir, 'gates', 'other');
    mkdirSync(other, { recursive: true });
    copyFileSync(join(repo.dir, 'gates/demo/council.yaml'), join(other, 'council.yaml'));
    const manifest = readFileSync(join(repo.dir, 'gates/demo/rfc.yaml'), 'utf8');
    writeFileSync(join(other, 'rfc.yaml'), manifest.replace(/^id: demo$/m, 'id: other'));
    repo.git(['add', '-A']);
    repo.commit({ message: 'two RFCs sharing a council folder', date: '2026-11-01T00:00:00Z' });
    return repo;
  }

  const runFor = (repo: FixtureRepo, rfc: string, script: 'block' | 'all-clear', at: string) =>
    councilRound({
      root: repo.dir,
      rfc,
      apiKey: 'k',
      fetch: fakeModel(scriptFromDir(join(FIXTURES, script))).fetch,
      tokenCount: 'estimate',
      now: new Date(at),
    });

  const measureFor = (repo: FixtureRepo, rfc: string, pinned = false) =>
    new CouncilMeasurementSource(new GitRepo(repo.dir)).measure(measurement, {
      asOf: new Date(NOW),
      ref: 'HEAD',
      ...(pinned ? { pinned: true } : {}),
      repoDir: repo.dir,
      manifest: { id: rfc, version: 'v1' } as RfcManifest,
      signal: new AbortController().signal,
    });

  it("each gate reads only its own RFC's rounds, and another RFC's round is no round of this one", async () => {
    const repo = sharing();
    await runFor(repo, 'other', 'block', '2026-11-10T12:00:00Z');
    for (const pinned of [false, true]) {
      if (pinned) {
        repo.git(['add', '-A']);
        repo.commit({ message: 'other: council round', date: '2026-11-10T13:00:00Z' });
      }
      const none = await measureFor(repo, 'demo', pinned);
      expect(none.status).toBe('halt');
      expect(none.status === 'halt' ? [none.halt, none.reason] : []).toEqual([
        'missing',
        expect.stringMatching(/^no council round stored in rfcs\/shared/),
      ]);
    }

    // demo's first round is its round 1, judged on its own: other's open BLOCK is not carried into it.
    const mine = await runFor(repo, 'demo', 'all-clear', '2026-11-20T12:00:00Z');
    expect(mine).toMatchObject({
      rfc: 'demo',
      round: 1,
      diff: { previous: null, resolved: [] },
      contract: { open_blocks: 0 },
    });
    expect(value(await measureFor(repo, 'demo'))).toBe(0);
    expect(value(await measureFor(repo, 'other'))).toBe(1);
    repo.git(['add', '-A']);
    repo.commit({ message: 'demo: council round', date: '2026-11-20T13:00:00Z' });
    expect(value(await measureFor(repo, 'demo', true))).toBe(0);
    expect(value(await measureFor(repo, 'other', true))).toBe(1);
  });
});

/**
 * artifact.sample: the sample window a document says its value was measured over, read from
 * the same text as the value. A window spanning fewer than min_days halts `insufficient`; none
 * stated, a date that is none, an end before the start, or a window that had not ended by
 * as_of, or by the commit that last changed the document, halts `missing`. Days are counted from the first date to the second: 2026-05-01 to
 * 2026-05-08 is 7 days, run until 2026-05-08 00:00 UTC.
 */
import { utimesSync } from 'node:fs';
import path, { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRfc } from '../../../src/engine/evaluate.js';
import { ArtifactMeasurementSource } from '../../../src/sources/artifact/source.js';
import { GitRepo } from '../../../src/sources/git/repo.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import { loadRfc } from '../../../src/spec/load.js';
import type { ArtifactSpec } from '../../../src/spec/types.js';
import {
  ALICE,
  artifactMeasurement,
  context,
  createRepo,
  type FixtureRepo,
  removeFixtures,
  shallowClone,
} from '../../helpers/git-fixture.js';
import { SHALLOW_FIX } from '../../../src/sources/git/common.js';
import { ok, halted } from '../../helpers/outcome.js';

afterAll(removeFixtures);

const AS_OF = '2026-06-01T00:00:00Z';
const FILE = 'docs/profiles/ode-profile-2026-05-20.md';
const WINDOW = 'Sample window:\\s*(\\d{4}-\\d{2}-\\d{2}) to (\\d{4}-\\d{2}-\\d{2})';

/** An ODE profile stating `window` (no window line when undefined) and a 62.5% share. */
function profile(window: string | undefined, share = '62.5'): string {
  return [
    '# ODE profile — process_agent_update', // 1
    '', // 2
    ...(window === undefined ? [] : [window, '']), // 3, 4
    `governance_core share of process_agent_update p99: ${share}%`,
    '',
    '## Method',
    '',
    'py-spy sampling at 250 Hz on two replicas.',
    '',
  ].join('\n');
}

function repoWith(files: Record<string, string>, date = '2026-05-20T00:00:00Z'): FixtureRepo {
  const repo = createRepo();
  repo.commit({ files, message: 'ODE profile', date, author: ALICE });
  return repo;
}

const share = (min_days = 7, section?: string): ArtifactSpec => ({
  glob: 'docs/profiles/ode-profile-*.md',
  ...(section === undefined ? {} : { section }),
  extract: { pattern: 'governance_core share of process_agent_update p99:\\s*([0-9.]+)%', as: 'double' },
  sample: { pattern: WINDOW, min_days },
});

function measure(repo: FixtureRepo, spec: ArtifactSpec, asOf = AS_OF): Promise<MeasurementOutcome> {
  return new ArtifactMeasurementSource(new GitRepo(repo.dir)).measure(
    artifactMeasurement(spec),
    context(repo.dir, { asOf }),
  );
}

describe('artifact.sample: the stated sample window must span min_days', () => {
  it('a 7-day window reads the value, and the evidence carries the window read', async () => {
    const repo = repoWith({ [FILE]: profile('Sample window: 2026-05-01 to 2026-05-08 (7 days), production.') });
    const o = await measure(repo, share());
    expect(ok(o)).toBe(62.5);
    expect(o.evidence).toMatchObject({
      path: FILE,
      extracted: '62.5',
      extracted_line: 5,
      sample: { pattern: WINDOW, min_days: 7, from: '2026-05-01', to: '2026-05-08', days: 7, line: 3 },
    });
  });

  it('a window one day short halts insufficient, naming the span, the requirement and how days count', async () => {
    // Seven dates, the 1st to the 7th: 6 days from the first to the second.
    const repo = repoWith({ [FILE]: profile('Sample window: 2026-05-01 to 2026-05-07') });
    const o = await measure(repo, share());
    const h = halted(o);
    expect(h.halt).toBe('insufficient');
    expect(h.reason).toBe(
      `the sample window 2026-05-01 to 2026-05-07 at ${FILE}:3 spans 6 days, fewer than the required 7 (sample.min_days); days are counted from the first date to the second, so a 7-day window from 2026-05-01 ends 2026-05-08`,
    );
    expect(o.evidence.sample).toEqual({
      pattern: WINDOW,
      min_days: 7,
      from: '2026-05-01',
      to: '2026-05-07',
      line: 3,
      days: 6,
    });
    expect(o.evidence).not.toHaveProperty('extracted');
  });

  it('a 1-day window, and one that starts and ends on the same date, halt insufficient', async () => {
    const one = halted(
      await measure(repoWith({ [FILE]: profile('Sample window: 2026-05-07 to 2026-05-08') }), share()),
    );
    expect(one.halt).toBe('insufficient');
    expect(one.reason).toContain('spans 1 day, fewer than the required 7');
    const none = halted(
      await measure(repoWith({ [FILE]: profile('Sample window: 2026-05-07 to 2026-05-07') }), share()),
    );
    expect(none.halt).toBe('insufficient');
    expect(none.reason).toContain('spans 0 days, fewer than the required 7');
  });

  it('counts calendar days across a month end and a leap day', async () => {
    // The leap day is 2028's, so it is measured once that window has ended, by a profile
    // committed after it.
    const o = await measure(
      repoWith({ [FILE]: profile('Sample window: 2028-02-25 to 2028-03-03') }, '2028-03-05T00:00:00Z'),
      share(),
      '2028-04-01T00:00:00Z',
    );
    expect(ok(o)).toBe(62.5);
    expect(o.evidence.sample).toMatchObject({ days: 7 });
    const short = halted(
      await measure(repoWith({ [FILE]: profile('Sample window: 2026-02-25 to 2026-03-03') }), share()),
    );
    expect(short.reason).toContain('spans 6 days');
  });

  it('a document stating no window halts missing, whatever its value says', async () => {
    const o = await measure(repoWith({ [FILE]: profile(undefined) }), share());
    const h = halted(o);
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `${FILE} states no sample window (pattern /${WINDOW}/ was not found): its value is read only over a stated sample of at least 7 days`,
    );
    expect(o.evidence.sample).toEqual({ pattern: WINDOW, min_days: 7 });
  });

  it('a window written only in an HTML comment (a template) is not stated', async () => {
    const repo = repoWith({ [FILE]: profile('<!-- Sample window: 2026-05-01 to 2026-05-08 -->') });
    expect(halted(await measure(repo, share())).halt).toBe('missing');
  });

  it('reversed dates halt missing: the window names no span of days', async () => {
    const o = await measure(repoWith({ [FILE]: profile('Sample window: 2026-05-08 to 2026-05-01') }), share());
    const h = halted(o);
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `the sample window at ${FILE}:3 ends (2026-05-01) before it starts (2026-05-08): it names no span of days`,
    );
    expect(o.evidence.sample).toMatchObject({ from: '2026-05-08', to: '2026-05-01', line: 3 });
  });

  it('a date no calendar has halts missing, naming it', async () => {
    const o = await measure(repoWith({ [FILE]: profile('Sample window: 2026-02-20 to 2026-02-30') }), share());
    const h = halted(o);
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `the sample window at ${FILE}:3 reads '2026-02-20' to '2026-02-30', and '2026-02-30' is not a date written YYYY-MM-DD`,
    );
  });

  it('a window ending after as_of halts missing, naming the window, as_of and the line', async () => {
    const o = await measure(repoWith({ [FILE]: profile('Sample window: 2026-05-25 to 2026-06-02') }), share());
    const h = halted(o);
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `the sample window 2026-05-25 to 2026-06-02 at ${FILE}:3 ends 2026-06-02 (the sample runs until 2026-06-02 00:00 UTC), after as_of 2026-06-01T00:00:00.000Z: its sample had not been taken in full, so the value was not measured over it`,
    );
    expect(o.evidence.sample).toEqual({ pattern: WINDOW, min_days: 7, from: '2026-05-25', to: '2026-06-02', line: 3 });
    expect(o.evidence).not.toHaveProperty('extracted');
    // Late on as_of's own day, the window ending at the next midnight is still running.
    const late = halted(
      await measure(
        repoWith({ [FILE]: profile('Sample window: 2026-05-25 to 2026-06-02') }),
        share(),
        '2026-06-01T23:59:59Z',
      ),
    );
    expect(late.halt).toBe('missing');
    expect(late.reason).toContain('after as_of 2026-06-01T23:59:59.000Z');
  });

  it('a window ending on as_of day (at its midnight) is read, at that instant or later that day', async () => {
    // Committed at that midnight: a profile committed before its window ended is not read.
    const repo = repoWith({ [FILE]: profile('Sample window: 2026-05-25 to 2026-06-01') }, '2026-06-01T00:00:00Z');
    const o = await measure(repo, share());
    expect(ok(o)).toBe(62.5);
    expect(o.evidence.sample).toMatchObject({ from: '2026-05-25', to: '2026-06-01', days: 7 });
    expect(ok(await measure(repo, share(), '2026-06-01T12:00:00Z'))).toBe(62.5);
  });

  it('a window starting after as_of (a year typed wrong) halts missing: none of it was taken', async () => {
    const o = await measure(repoWith({ [FILE]: profile('Sample window: 2027-05-01 to 2027-05-08') }), share());
    const h = halted(o);
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `the sample window 2027-05-01 to 2027-05-08 at ${FILE}:3 starts 2027-05-01, after as_of 2026-06-01T00:00:00.000Z: none of its sample had been taken, so the value was not measured over it`,
    );
  });

  it('with a section named, the window is read from that section only', async () => {
    const doc = [
      '# ODE profile',
      '',
      'Sample window: 2026-05-01 to 2026-05-08',
      '',
      '## Result',
      '',
      'Sample window: 2026-05-07 to 2026-05-08',
      'governance_core share of process_agent_update p99: 62.5%',
      '',
    ].join('\n');
    const h = halted(await measure(repoWith({ [FILE]: doc }), share(7, 'Result')));
    expect(h.halt).toBe('insufficient');
    expect(h.reason).toContain(`the sample window 2026-05-07 to 2026-05-08 at ${FILE}:7 spans 1 day`);
    const elsewhere = doc.replace('Sample window: 2026-05-07 to 2026-05-08\n', '');
    const missing = halted(await measure(repoWith({ [FILE]: elsewhere }), share(7, 'Result')));
    expect(missing.halt).toBe('missing');
    expect(missing.reason).toContain(`section 'Result' of ${FILE} states no sample window`);
  });
});

describe('artifact.sample: a profile committed before its window ended is not a measurement of it', () => {
  const WEEK = 'Sample window: 2026-05-01 to 2026-05-08 (7 days), production.';

  it('committed before the window ended halts missing, naming the window, the commit and the line', async () => {
    const repo = repoWith({ [FILE]: profile(WEEK) }, '2026-05-05T00:00:00Z');
    const sha = repo.head();
    const o = await measure(repo, share());
    const h = halted(o);
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `the sample window 2026-05-01 to 2026-05-08 at ${FILE}:3 ends 2026-05-08 (the sample runs until 2026-05-08 00:00 UTC), after ${FILE} was last committed (${sha.slice(0, 12)}, 2026-05-05T00:00:00.000Z): its value was written before its sample was taken in full, so it was not measured over it; commit the document after its sample ends`,
    );
    expect(o.evidence.sample).toEqual({ pattern: WINDOW, min_days: 7, from: '2026-05-01', to: '2026-05-08', line: 3 });
    expect(o.evidence.commit).toMatchObject({ sha, date: '2026-05-05T00:00:00.000Z' });
    expect(o.evidence).not.toHaveProperty('extracted');
    // A second short of the end's midnight is still before it.
    const late = halted(await measure(repoWith({ [FILE]: profile(WEEK) }, '2026-05-07T23:59:59Z'), share()));
    expect(late.halt).toBe('missing');
    expect(late.reason).toContain('was last committed (');
    expect(late.reason).toContain(', 2026-05-07T23:59:59.000Z)');
  });

  it('committed on the end date (at its midnight) or later is read', async () => {
    for (const date of ['2026-05-08T00:00:00Z', '2026-05-08T09:30:00Z', '2026-05-20T00:00:00Z']) {
      const o = await measure(repoWith({ [FILE]: profile(WEEK) }, date), share());
      expect(ok(o)).toBe(62.5);
      expect(o.evidence.sample).toMatchObject({ from: '2026-05-01', to: '2026-05-08', days: 7 });
    }
  });

  it('the commit that last changed the document counts, not a later one read from', async () => {
    const repo = repoWith({ [FILE]: profile(WEEK) }, '2026-05-05T00:00:00Z');
    const early = repo.head();
    repo.commit({ files: { 'README.md': 'unrelated\n' }, message: 'docs', date: '2026-05-20T00:00:00Z' });
    const h = halted(await measure(repo, share()));
    expect(h.halt).toBe('missing');
    expect(h.reason).toContain(`after ${FILE} was last committed (${early.slice(0, 12)}, 2026-05-05T00:00:00.000Z)`);
    // Committed again once the sample had ended (the value rewritten), it is read.
    repo.commit({
      files: { [FILE]: profile(WEEK, '61.0') },
      message: 'ODE profile: full week',
      date: '2026-05-21T00:00:00Z',
    });
    expect(ok(await measure(repo, share()))).toBe(61);
  });

  it('the committer date counts, not an author date an amend or a rebase kept', async () => {
    const repo = createRepo();
    repo.write(FILE, profile(WEEK));
    repo.git(['add', '--', FILE]);
    repo.git(['commit', '-q', '-m', 'ODE profile'], {
      GIT_AUTHOR_DATE: '2026-05-05T00:00:00Z',
      GIT_COMMITTER_DATE: '2026-05-09T00:00:00Z',
    });
    expect(ok(await measure(repo, share()))).toBe(62.5);
  });

  it('with working_tree: allow, a file in the working tree only has no commit: as_of alone bounds it', async () => {
    const repo = repoWith({ 'README.md': 'r\n' }, '2026-05-05T00:00:00Z');
    repo.write(FILE, profile(WEEK));
    const t = new Date('2026-05-06T00:00:00Z');
    utimesSync(path.join(repo.dir, FILE), t, t);
    const o = await measure(repo, { ...share(), working_tree: 'allow' });
    expect(ok(o)).toBe(62.5);
    expect(o.evidence).toMatchObject({ path: FILE, commit: 'working tree', visible_to_ci: false });
    const h = halted(await measure(repo, { ...share(), working_tree: 'allow' }, '2026-05-07T00:00:00Z'));
    expect(h.reason).toContain('after as_of 2026-05-07T00:00:00.000Z');
  });

  it('a shallow clone halts on a profile committed before its window ended, and cannot tell otherwise', async () => {
    const before = shallowClone(repoWith({ [FILE]: profile(WEEK) }, '2026-05-05T00:00:00Z'));
    const b = halted(await measure(before, share()));
    expect(b.halt).toBe('missing');
    expect(b.reason).toContain(
      `ends 2026-05-08 (the sample runs until 2026-05-08 00:00 UTC), after ${FILE} was committed (in ${before.head().slice(0, 12)}, 2026-05-05T00:00:00.000Z or before it)`,
    );
    const after = shallowClone(repoWith({ [FILE]: profile(WEEK) }));
    const a = halted(await measure(after, share()));
    expect(a.halt).toBe('missing');
    expect(a.reason).toBe(
      `the sample window 2026-05-01 to 2026-05-08 at ${FILE}:3 is read only from a document committed after it ended, and the commit that last changed ${FILE} is unknown: ${SHALLOW_FIX}`,
    );
  });
});

describe('wave3 (A.1) reads the ODE share only over a 7-day sample', () => {
  const wave3 = loadRfc(resolve('.'), 'wave3');

  async function gateA1(doc: string, committed?: string) {
    const repo = repoWith({ [FILE]: doc }, committed);
    const report = await evaluateRfc(wave3, {
      asOf: new Date(AS_OF),
      ref: 'HEAD',
      repoDir: repo.dir,
      sources: { artifact: new ArtifactMeasurementSource(new GitRepo(repo.dir)) },
      only: ['A.1'],
      timeoutMs: 10_000,
    });
    const a = report.results.find((r) => r.id === 'A.1');
    if (!a) throw new Error('gate A.1 is not in the report');
    return a;
  }

  it('a share over a 1-day sample halts insufficient instead of firing', async () => {
    const a = await gateA1(profile('Sample window: 2026-05-07 to 2026-05-08', '72.0'));
    expect(a).toMatchObject({ verdict: 'halt', halt_reason: 'insufficient' });
    expect(a.reason).toContain('spans 1 day, fewer than the required 7');
  });

  it('the same share over 7 days fires, and below the floor passes', async () => {
    expect(await gateA1(profile('Sample window: 2026-05-01 to 2026-05-08', '72.0'))).toMatchObject({
      verdict: 'fail',
    });
    expect(await gateA1(profile('Sample window: 2026-05-01 to 2026-05-08', '40.0'))).toMatchObject({
      verdict: 'pass',
    });
  });

  it('a share over a window that had not ended by as_of halts missing instead of firing', async () => {
    const a = await gateA1(profile('Sample window: 2026-05-28 to 2026-06-04', '72.0'));
    expect(a).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(a.reason).toContain(`the sample window 2026-05-28 to 2026-06-04 at ${FILE}:3 ends 2026-06-04`);
  });

  it('a share in a profile committed before its window ended halts missing instead of firing', async () => {
    const a = await gateA1(profile('Sample window: 2026-05-01 to 2026-05-08', '72.0'), '2026-05-05T00:00:00Z');
    expect(a).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(a.reason).toContain(`the sample window 2026-05-01 to 2026-05-08 at ${FILE}:3 ends 2026-05-08`);
    expect(a.reason).toContain('commit the document after its sample ends');
  });

  it('a profile stating no window halts missing', async () => {
    expect(await gateA1(profile(undefined, '72.0'))).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
  });
});

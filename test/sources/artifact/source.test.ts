import { utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactMeasurementSource, compareNames } from '../../../src/sources/artifact/source.js';
import { GitRepo } from '../../../src/sources/git/repo.js';
import type { ArtifactSpec } from '../../../src/spec/types.js';
import {
  ALICE,
  artifactMeasurement,
  context,
  createRepo,
  type FixtureRepo,
  partialClone,
  removeFixtures,
  shallowClone,
} from '../../helpers/git-fixture.js';
import { ok, halted } from '../../helpers/outcome.js';

afterAll(removeFixtures);

const DECISION = [
  '# Wave 3 go decision', // 1
  '', // 2
  '## Calendar reasoning', // 3
  '', // 4
  '| Item | Original window | Slip |', // 5
  '|------|-----------------|------|', // 6
  '| Prereq 1 | 2 weeks | 10% |', // 7
  '', // 8
  '## Numbers', // 9
  '', // 10
  'Boundary p99 ratio: 2.4%', // 11
  'Sessions resolved: 1,234', // 12
  'Production-disqualifying failure: none', // 13
  '', // 14
  '## Risks', // 15
  '', // 16
  '| Risk | Owner |', // 17
  '|------|-------|', // 18
  '| Latency |  |', // 19
  '', // 20
  '## Notes', // 21
  '', // 22
  '```text', // 23
  '## Judgement', // 24
  '```', // 25
  '', // 26
  '## Judgement', // 27
  '', // 28
  'Judgement:', // 29
  'Signed-off-by:', // 30
  '',
].join('\n');

const FILE = 'docs/proposals/wave-3-go-decision-2026-01-10.md';
const LOCAL = 'docs/local/wave-3-redteam-2026-01-20.md';

describe('ArtifactMeasurementSource', () => {
  let repo: FixtureRepo;
  let decisionSha = '';
  const measure = (spec: ArtifactSpec, asOf: string | Date = '2026-02-01T00:00:00Z') =>
    new ArtifactMeasurementSource(new GitRepo(repo.dir)).measure(
      artifactMeasurement(spec),
      context(repo.dir, { asOf }),
    );
  const decision = (extra: Partial<ArtifactSpec> = {}): ArtifactSpec => ({
    glob: 'docs/proposals/wave-3-go-decision-*.md',
    ...extra,
  });

  beforeAll(() => {
    repo = createRepo();
    repo.commit({
      files: { 'docs/proposals/wave-3-go-decision-2026-01-01.md': '# Old\n\n## Calendar reasoning\n\nold\n' },
      message: 'old decision',
      date: '2026-01-01T00:00:00Z',
    });
    decisionSha = repo.commit({
      files: { [FILE]: DECISION, '.gitignore': 'docs/local/\n' },
      message: 'go decision draft',
      date: '2026-01-10T00:00:00Z',
      author: ALICE,
    });
    repo.commit({
      files: { 'docs/proposals/wave-3-go-decision-2026-03-01.md': '# Later\n' },
      message: 'later decision',
      date: '2026-03-01T00:00:00Z',
    });
    repo.write(LOCAL, '# Red team\n\n## Surfaces\n\nA to H re-derived.\n');
    const t = new Date('2026-01-20T00:00:00Z');
    utimesSync(path.join(repo.dir, LOCAL), t, t);
  });

  it('picks the newest matching file as of the instant, with its last commit', async () => {
    const o = await measure(decision());
    expect(ok(o)).toBe(true);
    expect(o.evidence).toMatchObject({
      path: FILE,
      visible_to_ci: true,
      commit: { sha: decisionSha, author: `${ALICE.name} <${ALICE.email}>` },
    });
    expect(o.evidence.other_matches).toEqual(['docs/proposals/wave-3-go-decision-2026-01-01.md']);
    const later = await measure(decision(), '2026-04-01T00:00:00Z');
    expect(later.evidence.path).toBe('docs/proposals/wave-3-go-decision-2026-03-01.md');
  });

  it('halts as missing when nothing matches, naming the glob', async () => {
    const h = halted(await measure({ glob: 'docs/handoffs/wave-3-mcp-sdk-spike-*.md' }));
    expect(h.halt).toBe('missing');
    expect(h.reason).toContain('docs/handoffs/wave-3-mcp-sdk-spike-*.md');
  });

  it('exists: whether a file matches is the value, false when none does, as of the instant', async () => {
    const none = await measure({ glob: 'docs/handoffs/wave-3-mcp-sdk-spike-*.md', exists: true });
    expect(ok(none)).toBe(false);
    expect(none.evidence).toMatchObject({ glob: 'docs/handoffs/wave-3-mcp-sdk-spike-*.md', matches: [] });
    const some = await measure(decision({ exists: true }));
    expect(ok(some)).toBe(true);
    expect(some.evidence.matches).toEqual([FILE, 'docs/proposals/wave-3-go-decision-2026-01-01.md'].sort());
    // Before the repository's first commit there is no tree to look in: that halts, it is not false.
    expect(halted(await measure(decision({ exists: true }), '2025-12-31T00:00:00Z')).reason).toMatch(/no commit/);
    // A git-ignored file counts only with working_tree: allow; without it the evidence says why not.
    const local = { glob: 'docs/local/wave-3-redteam-*.md', exists: true } as const;
    const allowed = await measure({ ...local, working_tree: 'allow' });
    expect(ok(allowed)).toBe(true);
    // Counted, the local file is said to be one: CI would find none and read false.
    expect(allowed.evidence).toMatchObject({ visible_to_ci: false });
    expect(String(allowed.evidence.note)).toMatch(new RegExp(`${LOCAL}.*CI cannot see`));
    const denied = await measure(local);
    expect(ok(denied)).toBe(false);
    expect(denied.evidence.note).toContain(LOCAL);
  });

  describe('sections', () => {
    it('a filled section passes, with its line', async () => {
      const o = await measure(decision({ section: 'Calendar reasoning' }));
      expect(ok(o)).toBe(true);
      expect(o.evidence.line).toBe(3);
    });

    it('an absent section halts as missing', async () => {
      expect(halted(await measure(decision({ section: 'Acceptance memo' }))).halt).toBe('missing');
    });

    it('a blank table cell is unsigned, with file:line', async () => {
      const h = halted(await measure(decision({ section: 'Risks' })));
      expect(h.halt).toBe('unsigned');
      expect(h.reason).toContain(`${FILE}:19`);
      expect(h.reason).toContain('Owner');
    });

    it('a blank judgement line is unsigned; the heading inside a code fence is not the section', async () => {
      const o = await measure(decision({ section: 'Judgement' }));
      const h = halted(o);
      expect(h.halt).toBe('unsigned');
      expect(h.reason).toContain(`${FILE}:29`);
      expect(o.evidence.line).toBe(27);
      expect(ok(await measure(decision({ section: 'Notes' })))).toBe(true);
    });
  });

  describe('extract', () => {
    const numbers = (pattern: string, as: 'double' | 'bool' | 'string') =>
      measure(decision({ section: 'Numbers', extract: { pattern, as } }));

    it('reads a double, stripping % and thousands separators', async () => {
      const o = await numbers('p99 ratio: ([\\d.,]+%)', 'double');
      expect(ok(o)).toBe(2.4);
      expect(o.evidence).toMatchObject({ extracted: '2.4%', extracted_line: 11 });
      expect(ok(await numbers('^Sessions resolved: (.+)$', 'double'))).toBe(1234);
    });

    it('reads a bool as whether the pattern matches', async () => {
      expect(ok(await numbers('disqualifying failure: none', 'bool'))).toBe(true);
      expect(ok(await numbers('disqualifying failure: (yes|true)', 'bool'))).toBe(false);
    });

    it('reads a string from the first group, or the whole match', async () => {
      expect(ok(await numbers('disqualifying failure: (\\w+)', 'string'))).toBe('none');
      expect(ok(await numbers('Sessions \\w+', 'string'))).toBe('Sessions resolved');
    });

    it('reads the whole file when there is no section', async () => {
      expect(ok(await measure(decision({ extract: { pattern: '^# (.+)$', as: 'string' } })))).toBe(
        'Wave 3 go decision',
      );
    });

    it('halts as missing when the pattern is absent or not a number', async () => {
      const absent = halted(await numbers('Lease p50: (\\d+)', 'double'));
      expect(absent.halt).toBe('missing');
      expect(absent.reason).toMatch(/not found/);
      expect(halted(await numbers('Lease p50: (\\d+)', 'string')).halt).toBe('missing');
      expect(halted(await numbers('failure: (\\w+)', 'double')).halt).toBe('missing');
    });

    it('halts on a number no document means: a decimal comma, hex, digits split by a space', async () => {
      const file = 'docs/local/numbers-2026-01-05.md';
      const read = async (text: string) => {
        repo.write(file, `# Numbers\n\nvalue: ${text}\n`);
        const t = new Date('2026-01-05T00:00:00Z');
        utimesSync(path.join(repo.dir, file), t, t);
        return measure({
          glob: 'docs/local/numbers-*.md',
          working_tree: 'allow',
          extract: { pattern: 'value: (.+)$', as: 'double' },
        });
      };
      for (const text of ['5,5', '0x10', '0b11', '1 2', '12,34', '1,2345', ',5', '%', '1e400']) {
        const h = halted(await read(text));
        expect(h.halt, text).toBe('missing');
        expect(h.reason, text).toContain(`captured '${text}', which is not a number`);
      }
      for (const [text, value] of [
        ['1,234,567.5', 1234567.5],
        ['60 %', 60],
        ['-0.5', -0.5],
        ['+3', 3],
        ['.5', 0.5],
        ['2.5e3', 2500],
      ] as const) {
        expect(ok(await read(text)), text).toBe(value);
      }
    });

    it('reads the text beside a comment, not the comment, in a section and in the whole file', async () => {
      const file = 'docs/local/slips-2026-01-06.md';
      repo.write(
        file,
        '# Slips\n\n## Calendar reasoning\n<!-- e.g. Largest slip: 30% -->\n<!-- one line per item --> Largest slip: 12%\n',
      );
      const t = new Date('2026-01-06T00:00:00Z');
      utimesSync(path.join(repo.dir, file), t, t);
      const read = (section?: string) =>
        measure({
          glob: 'docs/local/slips-*.md',
          working_tree: 'allow',
          ...(section ? { section } : {}),
          extract: { pattern: 'Largest slip:\\s*([0-9.]+)%', as: 'double' },
        });
      for (const o of [await read('Calendar reasoning'), await read()]) {
        expect(ok(o)).toBe(12);
        expect(o.evidence).toMatchObject({ extracted: '12', extracted_line: 5 });
      }
    });

    it('a bad regex is an error, not a crash', async () => {
      expect(halted(await numbers('(', 'double')).halt).toBe('error');
    });
  });

  describe('working tree', () => {
    const redteam = (working_tree?: 'allow' | 'deny'): ArtifactSpec => ({
      glob: 'docs/local/wave-3-redteam-*.md',
      section: 'Surfaces',
      ...(working_tree ? { working_tree } : {}),
    });

    it('allow: a git-ignored file counts, and the evidence says CI cannot see it', async () => {
      const o = await measure(redteam('allow'));
      expect(ok(o)).toBe(true);
      expect(o.evidence).toMatchObject({ path: LOCAL, visible_to_ci: false, commit: 'working tree' });
      expect(String(o.evidence.note)).toMatch(/CI cannot see/);
    });

    it('deny (and the default) ignores it, and says why', async () => {
      for (const spec of [redteam('deny'), redteam()]) {
        const h = halted(await measure(spec));
        expect(h.halt).toBe('missing');
        expect(h.reason).toContain(LOCAL);
        expect(h.reason).toMatch(/working tree/);
      }
    });

    it('allow: a file written after the instant does not count in a replay', async () => {
      expect(halted(await measure(redteam('allow'), '2026-01-15T00:00:00Z')).halt).toBe('missing');
    });

    it("--ref another branch: a file committed on the checkout's branch is not that branch's, nor a local file", async () => {
      // `other` branched before the hand-off was committed on main, which is checked out.
      const two = createRepo();
      two.commit({ files: { 'README.md': 'x\n' }, message: 'start', date: '2026-01-01T00:00:00Z' });
      two.branch('other');
      two.commit({
        files: { 'docs/handoffs/redteam-2026-01-10.md': '# Red team\n\n## Surfaces\n\nA to H.\n' },
        message: 'hand-off',
        date: '2026-01-10T00:00:00Z',
      });
      const old = new Date('2026-01-05T00:00:00Z');
      utimesSync(path.join(two.dir, 'docs/handoffs/redteam-2026-01-10.md'), old, old);
      const onOther = (spec: ArtifactSpec) =>
        new ArtifactMeasurementSource(new GitRepo(two.dir)).measure(
          artifactMeasurement(spec),
          context(two.dir, { asOf: '2026-02-01T00:00:00Z', ref: 'other' }),
        );
      const glob = 'docs/handoffs/redteam-*.md';
      const exists = await onOther({ glob, exists: true, working_tree: 'allow' });
      expect(ok(exists)).toBe(false);
      expect(exists.evidence.matches).toEqual([]);
      const read = halted(await onOther({ glob, section: 'Surfaces', working_tree: 'allow' }));
      expect(read.halt).toBe('missing');
      // Not "commit it": it is committed, on main.
      const denied = halted(await onOther({ glob, section: 'Surfaces' }));
      expect(denied.reason).not.toMatch(/working tree/);
      // A file that is truly only local still counts with allow on that ref.
      two.write('docs/handoffs/redteam-2026-01-20.md', '# Red team\n\n## Surfaces\n\nA to H.\n');
      utimesSync(path.join(two.dir, 'docs/handoffs/redteam-2026-01-20.md'), old, old);
      const local = await onOther({ glob, section: 'Surfaces', working_tree: 'allow' });
      expect(ok(local)).toBe(true);
      expect(local.evidence).toMatchObject({ path: 'docs/handoffs/redteam-2026-01-20.md', commit: 'working tree' });
    });
  });

  describe('two matches of the same name in different folders', () => {
    // team-b's profile is the older, though its path sorts first: only history tells them apart.
    let tied: FixtureRepo;
    const spec: ArtifactSpec = { glob: 'docs/*/ode-profile.md', extract: { pattern: 'share: (\\d+)', as: 'double' } };
    const measureIn = (dir: string) =>
      new ArtifactMeasurementSource(new GitRepo(dir)).measure(
        artifactMeasurement(spec),
        context(dir, { asOf: '2026-02-01T00:00:00Z' }),
      );

    beforeAll(() => {
      tied = createRepo();
      tied.commit({
        files: { 'docs/team-b/ode-profile.md': 'share: 40\n' },
        message: 'team b profile',
        date: '2026-01-01T00:00:00Z',
      });
      tied.commit({
        files: { 'docs/team-a/ode-profile.md': 'share: 70\n' },
        message: 'team a profile',
        date: '2026-01-10T00:00:00Z',
      });
      tied.commit({ files: { 'README.md': 'x\n' }, message: 'readme', date: '2026-01-20T00:00:00Z' });
    });

    it('reads the one committed last', async () => {
      const o = await measureIn(tied.dir);
      expect(ok(o)).toBe(70);
      expect(o.evidence.path).toBe('docs/team-a/ode-profile.md');
    });

    it('halts in a partial clone that cannot fetch an older file, naming the cause and the fix', async () => {
      // As of 2026-01-05 the profile read 40, contents a clone of the newest tree lacks.
      const edited = createRepo();
      edited.commit({
        files: { 'docs/team-a/ode-profile.md': 'share: 40\n' },
        message: 'profile',
        date: '2026-01-01T00:00:00Z',
      });
      edited.commit({
        files: { 'docs/team-a/ode-profile.md': 'share: 70\n' },
        message: 'rerun',
        date: '2026-01-10T00:00:00Z',
      });
      const dir = partialClone(edited, { offline: true }).dir;
      const o = await new ArtifactMeasurementSource(new GitRepo(dir)).measure(
        artifactMeasurement(spec),
        context(dir, { asOf: '2026-01-05T00:00:00Z' }),
      );
      const h = halted(o);
      expect(h.halt).toBe('error');
      expect(h.reason).toMatch(
        /^artifact docs\/\*\/ode-profile\.md for '.+' failed: this is a partial clone \(git clone --filter\), and git could not fetch an object it lacks \([0-9a-f]{12}\) from the remote \(fatal: .+\); let git reach the remote \(actions\/checkout: persist-credentials: true\), or clone without --filter$/,
      );
    });

    it('halts in a shallow clone, which does not know their last commits, instead of reading either', async () => {
      const h = halted(await measureIn(shallowClone(tied).dir));
      expect(h.halt).toBe('missing');
      expect(h.reason).toContain('docs/team-b/ode-profile.md and docs/team-a/ode-profile.md have the same name');
      expect(h.reason).toContain('fetch-depth: 0');
    });
  });
});

describe('newest by name, with a revision number in the name', () => {
  it('reads -v10 as newer than -v9, as a number, not as the text "1" before "9"', async () => {
    const repo = createRepo();
    repo.commit({
      files: { 'docs/reports/slip-v9.md': '# Slip\n\nLargest slip: 30%\n' },
      message: 'slip report v9',
      date: '2026-01-01T00:00:00Z',
    });
    repo.commit({
      files: { 'docs/reports/slip-v10.md': '# Slip\n\nLargest slip: 12%\n' },
      message: 'slip report v10',
      date: '2026-01-02T00:00:00Z',
    });
    const o = await new ArtifactMeasurementSource(new GitRepo(repo.dir)).measure(
      artifactMeasurement({
        glob: 'docs/reports/slip-v*.md',
        extract: { pattern: 'Largest slip: (\\S+)', as: 'double' },
      }),
      context(repo.dir, { asOf: '2026-02-01T00:00:00Z' }),
    );
    expect(ok(o)).toBe(12);
    expect(o.evidence).toMatchObject({ path: 'docs/reports/slip-v10.md', other_matches: ['docs/reports/slip-v9.md'] });
  });

  it('orders the numbers in names as numbers, a date zero-padded or not', () => {
    const names = ['d-2026-01-10.md', 'd-v10.md', 'd-2026-1-9.md', 'd-v9.md', 'd-2026-01-01.md'];
    expect([...names].sort(compareNames)).toEqual([
      'd-2026-01-01.md',
      'd-2026-1-9.md',
      'd-2026-01-10.md',
      'd-v9.md',
      'd-v10.md',
    ]);
  });
});

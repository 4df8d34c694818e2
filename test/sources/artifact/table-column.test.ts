/**
 * extract: { column, aggregate }: a column of a document's GFM tables, every row's cell read as
 * a number and folded into one value, so a gate judges each row itself rather than a summary
 * line written beside the table. Nothing is assumed: no such table, no rows, or a cell that is
 * no number halts `missing`.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRfc } from '../../../src/engine/evaluate.js';
import { ArtifactMeasurementSource } from '../../../src/sources/artifact/source.js';
import { AttestationMeasurementSource } from '../../../src/sources/attestation/source.js';
import { GitRepo } from '../../../src/sources/git/repo.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import { loadRfc } from '../../../src/spec/load.js';
import type { ArtifactSpec, ColumnExtract } from '../../../src/spec/types.js';
import {
  ALICE,
  artifactMeasurement,
  context,
  createRepo,
  type FixtureRepo,
  removeFixtures,
} from '../../helpers/git-fixture.js';
import { ok, halted } from '../../helpers/outcome.js';

afterAll(removeFixtures);

const AS_OF = '2026-06-01T00:00:00Z';
const FILE = 'docs/proposals/wave-3-go-decision-2026-05-20.md';

/** A go-decision with these calendar rows and summary line, its judgement written. */
function goDecision(rows: [item: string, window: string, slip: string][], largest: string): string {
  return [
    '# Wave 3 go decision', // 1
    '', // 2
    '## Calendar reasoning', // 3
    '', // 4
    '| item | original window | slip % |', // 5
    '| --- | --- | --- |', // 6
    ...rows.map(([item, window, slip]) => `| ${item} | ${window} | ${slip} |`), // 7…
    '',
    `Largest slip: ${largest}`,
    '',
    '## Judgement',
    '',
    'Decision: go, the calendar holds',
    'Why: every displaced item holds within a quarter of its window',
    '',
  ].join('\n');
}

/** A repository whose only commit holds `files`. */
function repoWith(files: Record<string, string>): FixtureRepo {
  const repo = createRepo();
  repo.commit({ files, message: 'go decision', date: '2026-05-20T00:00:00Z', author: ALICE });
  return repo;
}

function measure(repo: FixtureRepo, spec: ArtifactSpec): Promise<MeasurementOutcome> {
  return new ArtifactMeasurementSource(new GitRepo(repo.dir)).measure(
    artifactMeasurement(spec),
    context(repo.dir, { asOf: AS_OF }),
  );
}

const column = (aggregate: ColumnExtract['aggregate'], name = 'slip %', section?: string): ArtifactSpec => ({
  glob: 'docs/proposals/wave-3-go-decision-*.md',
  ...(section === undefined ? { section: 'Calendar reasoning' } : section === '' ? {} : { section }),
  extract: { column: name, aggregate },
});

describe('extract: a table column', () => {
  let calendar: FixtureRepo;

  beforeAll(() => {
    calendar = repoWith({
      [FILE]: goDecision(
        [
          ['lease-plane Phase B', '6 weeks', '10%'],
          ['dialectic v2 review UI', '4 weeks', '40%'],
          ['identity audit', '2 weeks', '-5%'],
        ],
        '10%',
      ),
    });
  });

  it('max is the largest row, and the evidence names that row and its line', async () => {
    const o = await measure(calendar, column('max'));
    expect(ok(o)).toBe(40);
    expect(o.evidence).toMatchObject({
      path: FILE,
      section: 'Calendar reasoning',
      column: 'slip %',
      aggregate: 'max',
      row: 'dialectic v2 review UI',
      extracted: '40%',
      extracted_line: 8,
      rows: 3,
      table_lines: [5],
    });
  });

  it('min, sum and count fold the same rows; count is an int', async () => {
    const min = await measure(calendar, column('min'));
    expect(ok(min)).toBe(-5);
    expect(min.evidence).toMatchObject({ row: 'identity audit', extracted_line: 9 });
    expect(ok(await measure(calendar, column('sum')))).toBe(45);
    expect(ok(await measure(calendar, column('count')))).toBe(3);
    expect(artifactMeasurement(column('count')).type).toBe('int');
    expect(artifactMeasurement(column('max')).type).toBe('double');
  });

  it('matches the header as a reader does: any case, emphasis and spacing aside', async () => {
    const repo = repoWith({
      [FILE]: goDecision([['lease-plane Phase B', '6 weeks', '12%']], '12%').replace(
        '| item | original window | slip % |',
        '| Item | Original window | **Slip  %** |',
      ),
    });
    expect(ok(await measure(repo, column('max')))).toBe(12);
  });

  it('reads every table of the section with the column, and none inside code', async () => {
    const doc = goDecision([['lease-plane Phase B', '6 weeks', '12%']], '30%').replace(
      'Largest slip: 30%',
      [
        '| item | slip % |',
        '|---|---|',
        '| deferred docs | 30% |',
        '',
        '```text',
        '| item | slip % |',
        '|---|---|',
        '| an example | 90% |',
        '```',
        '',
        'Largest slip: 30%',
      ].join('\n'),
    );
    const o = await measure(repoWith({ [FILE]: doc }), column('max'));
    expect(ok(o)).toBe(30);
    expect(o.evidence).toMatchObject({ row: 'deferred docs', rows: 2, table_lines: [5, 9] });
  });

  it('halts missing when the section has no table with the column, saying which columns its tables have', async () => {
    const repo = repoWith({
      [FILE]: goDecision([['lease-plane Phase B', '6 weeks', '12%']], '12%').replace('slip % |', 'Slip |'),
    });
    const h = halted(await measure(repo, column('max')));
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `section 'Calendar reasoning' of ${FILE} has no table with a 'slip %' column; its table has columns 'item', 'original window', 'Slip' (${FILE}:5)`,
    );
    const none = halted(await measure(repo, column('max', 'slip %', 'Judgement')));
    expect(none.halt).toBe('missing');
    expect(none.reason).toBe(`section 'Judgement' of ${FILE} has no table; a table with a 'slip %' column is read`);
  });

  it('halts on a table with no rows: missing in the whole file, unsigned in a section that must be filled in', async () => {
    const repo = repoWith({ [FILE]: goDecision([], '0%') });
    const whole = halted(await measure(repo, column('max', 'slip %', '')));
    expect(whole.halt).toBe('missing');
    expect(whole.reason).toBe(`the 'slip %' table of ${FILE} (${FILE}:5) has no rows`);
    const section = halted(await measure(repo, column('max')));
    expect(section.halt).toBe('unsigned');
    expect(section.reason).toContain('table has a header but no rows');
  });

  it('halts missing on a cell that is not a number, naming its row and file:line', async () => {
    const repo = repoWith({
      [FILE]: goDecision(
        [
          ['lease-plane Phase B', '6 weeks', '10%'],
          ['dialectic v2 review UI', '4 weeks', 'about a week'],
          ['identity audit', '2 weeks', '5,5%'],
        ],
        '10%',
      ),
    });
    const o = await measure(repo, column('max'));
    const h = halted(o);
    expect(h.halt).toBe('missing');
    expect(h.reason).toBe(
      `row 'dialectic v2 review UI' at ${FILE}:8 reads 'about a week' in the 'slip %' column, which is not a number (and 1 more row)`,
    );
    expect(o.evidence.not_numbers).toEqual([
      { line: 8, cell: 'about a week' },
      { line: 9, cell: '5,5%' },
    ]);
  });
});

describe('wave3 (E) judges every row of the calendar table', () => {
  const wave3 = loadRfc(resolve('.'), 'wave3');

  /** The go decision, its judgement signed `go` by one of wave3's operators, committed by her. */
  async function gateE(doc: string) {
    const repo = repoWith({ [FILE]: doc });
    const okafor = { name: 'Marguerite Okafor', email: 'marguerite.okafor@example.com' };
    repo.commit({
      files: {
        'gates/wave3/attestations/go_decision_signoff.yaml': `gate: go_decision_signoff\nsigner: ${okafor.name}\nemail: ${okafor.email}\ndate: 2026-05-21\njudgement: go\n`,
      },
      message: 'attest: go decision',
      date: '2026-05-21T00:00:00Z',
      author: okafor,
    });
    const git = new GitRepo(repo.dir);
    const report = await evaluateRfc(wave3, {
      asOf: new Date(AS_OF),
      ref: 'HEAD',
      repoDir: repo.dir,
      sources: { artifact: new ArtifactMeasurementSource(git), attestation: new AttestationMeasurementSource(git) },
      only: ['E'],
      timeoutMs: 10_000,
    });
    const e = report.results.find((r) => r.id === 'E');
    if (!e) throw new Error('gate E is not in the report');
    return e;
  }

  it('a row at 40% under a summary line saying 10% fires', async () => {
    const doc = goDecision(
      [
        ['lease-plane Phase B', '6 weeks', '10%'],
        ['dialectic v2 review UI', '4 weeks', '40%'],
      ],
      '10%',
    );
    expect(await gateE(doc)).toMatchObject({ verdict: 'fail' });
  });

  it('rows and summary line within 25%, signed, pass', async () => {
    const doc = goDecision(
      [
        ['lease-plane Phase B', '6 weeks', '10%'],
        ['dialectic v2 review UI', '4 weeks', '25%'],
      ],
      '25%',
    );
    expect(await gateE(doc)).toMatchObject({ verdict: 'pass' });
  });
});

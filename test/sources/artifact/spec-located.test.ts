/**
 * An artifact measurement that halts because what measurements.yaml looks for in a document
 * that is there finds nothing (a section heading, an extract pattern, a column, a sample
 * pattern), or captures text that is not of its type, says where in measurements.yaml that
 * text is written, as a query the database rejects does. A halt that is the document's alone
 * (no document, a blank section, no table, a cell that is no number) is not located. The
 * verdicts and halt reasons are those the halts always had.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRfc } from '../../../src/engine/evaluate.js';
import { formatGithub } from '../../../src/formatters/github.js';
import type { GateReport, GateResult, SourceLocation } from '../../../src/model/result.js';
import { ArtifactMeasurementSource } from '../../../src/sources/artifact/source.js';
import { loadRfc } from '../../../src/spec/load.js';
import { createRepo, removeFixtures } from '../../helpers/git-fixture.js';
import { modeline, writeRfc } from '../../helpers/spec-fixture.js';

afterAll(removeFixtures);

const FILE = 'gates/demo/measurements.yaml';

/** Line 1 is the modeline, so the first item is on line 2. */
const MEASUREMENTS = `${modeline('measurements.yaml')}- id: misspelt_section
  artifact:
    glob: docs/decision-*.md
    section: Judgment
- id: pattern_not_found
  artifact:
    glob: docs/decision-*.md
    extract:
      pattern: '^Slip: (\\d+)%'
      as: double
- id: captured_not_number
  artifact:
    glob: docs/decision-*.md
    extract:
      pattern: '^Owner: (.*)$'
      as: double
- id: misspelt_column
  artifact:
    glob: docs/decision-*.md
    extract:
      column: Slipp
      aggregate: max
- id: no_sample
  artifact:
    glob: docs/decision-*.md
    section: Numbers
    sample:
      pattern: 'Sample window:\\s*(\\d{4}-\\d{2}-\\d{2}) to (\\d{4}-\\d{2}-\\d{2})'
      min_days: 7
- id: no_document
  artifact:
    glob: docs/handoff-*.md
- id: blank_section
  artifact:
    glob: docs/decision-*.md
    section: Risks
- id: no_table
  artifact:
    glob: docs/decision-*.md
    section: Numbers
    extract:
      column: Slip
      aggregate: max
- id: cell_not_number
  artifact:
    glob: docs/decision-*.md
    section: Budget
    extract:
      column: Cost
      aggregate: sum
`;

const DOCUMENT = [
  '# Decision',
  '',
  '## Judgement',
  '',
  'Judgement: go',
  '',
  '## Numbers',
  '',
  'Owner: Alice',
  'Slip: about ten',
  '',
  '## Calendar',
  '',
  '| Item | Slip |',
  '|------|------|',
  '| Prereq 1 | 10% |',
  '',
  '## Risks',
  '',
  '| Risk | Owner |',
  '|------|-------|',
  '| Latency |  |',
  '',
  '## Budget',
  '',
  '| Item | Cost |',
  '|------|------|',
  '| Hosting | twelve |',
  '',
].join('\n');

/** Where `needle` first starts in measurements.yaml, 1-based, as the loader counts. */
function place(needle: string): SourceLocation {
  const before = MEASUREMENTS.slice(0, MEASUREMENTS.indexOf(needle));
  if (before.length === MEASUREMENTS.length) throw new Error(`${needle} is not in the fixture`);
  const lines = before.split('\n');
  return { file: FILE, line: lines.length, col: (lines.at(-1) ?? '').length + 1 };
}

const bool = (id: string) => ({ id: `G_${id}`, title: id, section: '§1', phase: ['close'], fires_if: `!${id}` });
const number = (id: string) => ({
  id: `G_${id}`,
  title: id,
  section: '§1',
  phase: ['close'],
  fires_if: `${id} > 1000000.0`,
});

describe('an artifact halt on text measurements.yaml looks for is located there', () => {
  let report: GateReport;

  beforeAll(async () => {
    const repo = createRepo();
    repo.commit({
      files: { 'docs/decision-2026-01-10.md': DOCUMENT },
      message: 'decision',
      date: '2026-01-10T00:00:00Z',
    });
    writeRfc(repo.dir, {
      disconfirmers: [
        bool('misspelt_section'),
        number('pattern_not_found'),
        number('captured_not_number'),
        number('misspelt_column'),
        bool('no_sample'),
        bool('no_document'),
        bool('blank_section'),
        number('no_table'),
        number('cell_not_number'),
      ],
      raw: { 'measurements.yaml': MEASUREMENTS },
    });
    const rfc = loadRfc(repo.dir, 'demo');
    const artifact = new ArtifactMeasurementSource();
    report = await evaluateRfc(rfc, {
      asOf: new Date('2026-02-01T00:00:00Z'),
      ref: 'HEAD',
      repoDir: repo.dir,
      sources: { artifact },
      timeoutMs: 20_000,
    });
  });

  const result = (measurement: string): GateResult => {
    const r = report.results.find((x) => x.id === `G_${measurement}`);
    if (!r) throw new Error(`no gate for ${measurement}`);
    return r;
  };
  const writtenAt = (measurement: string) =>
    (result(measurement).evidence.measurements as Record<string, Record<string, unknown>>)[measurement]?.written_at;

  it('a section heading the document does not have points at section:, and still halts missing', () => {
    const r = result('misspelt_section');
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(r.reason).toContain(
      `docs/decision-2026-01-10.md has no 'Judgment' section; add that heading and fill it in`,
    );
    expect(r.reason).toContain(`; written at ${FILE}:5:14 (artifact.section)`);
    expect(r.cause).toEqual({ file: FILE, line: 5, col: 14 });
    expect(writtenAt('misspelt_section')).toEqual({ file: FILE, line: 5, col: 14, key: 'artifact.section' });
    expect(r.location.file).toBe('gates/demo/disconfirmers.yaml');
  });

  it('an extract pattern that matches nothing points at the pattern', () => {
    const r = result('pattern_not_found');
    const at = place(`'^Slip: `);
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing', cause: at });
    expect(r.reason).toContain('was not found in docs/decision-2026-01-10.md');
    expect(r.reason).toContain(`; written at ${FILE}:${at.line}:${at.col} (artifact.extract.pattern)`);
    expect(writtenAt('pattern_not_found')).toEqual({ ...at, key: 'artifact.extract.pattern' });
  });

  it('an extract pattern capturing text that is no number points at the pattern', () => {
    const r = result('captured_not_number');
    const at = place(`'^Owner: `);
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing', cause: at });
    expect(r.reason).toContain(`captured 'Alice', which is not a number`);
    expect(r.reason).toContain(`; written at ${FILE}:${at.line}:${at.col} (artifact.extract.pattern)`);
  });

  it('a column no table of the document has points at column:', () => {
    const r = result('misspelt_column');
    const at = place('Slipp');
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing', cause: at });
    expect(r.reason).toContain(`has no table with a 'Slipp' column`);
    expect(r.reason).toContain(`; written at ${FILE}:${at.line}:${at.col} (artifact.extract.column)`);
    expect(writtenAt('misspelt_column')).toEqual({ ...at, key: 'artifact.extract.column' });
  });

  it('a sample pattern that matches nothing points at the sample pattern', () => {
    const r = result('no_sample');
    const at = place(`'Sample window:`);
    expect(r).toMatchObject({ verdict: 'halt', halt_reason: 'missing', cause: at });
    expect(r.reason).toContain(`section 'Numbers' of docs/decision-2026-01-10.md states no sample window`);
    expect(r.reason).toContain(`; written at ${FILE}:${at.line}:${at.col} (artifact.sample.pattern)`);
  });

  it("a halt that is the document's alone is not located", () => {
    const expected: [string, 'missing' | 'unsigned', RegExp][] = [
      ['no_document', 'missing', /no file matching docs\/handoff-\*\.md/],
      ['blank_section', 'unsigned', /section 'Risks' of .* is not filled in/],
      ['no_table', 'missing', /section 'Numbers' of .* has no table;/],
      ['cell_not_number', 'missing', /row 'Hosting' at .* reads 'twelve'/],
    ];
    for (const [measurement, haltReason, reason] of expected) {
      const r = result(measurement);
      expect(r, measurement).toMatchObject({ verdict: 'halt', halt_reason: haltReason });
      expect(r.reason, measurement).toMatch(reason);
      expect(r.reason, measurement).not.toContain('written at');
      expect(r.cause, measurement).toBeUndefined();
      expect(writtenAt(measurement), measurement).toBeUndefined();
    }
  });

  it('its GitHub annotation is at that text in measurements.yaml, the gate named beside', () => {
    const at = place('Slipp');
    const github = formatGithub(report);
    expect(github).toContain(
      `::warning file=${FILE},line=${at.line},col=${at.col},title=G_misspelt_column halt (missing)::`,
    );
    const gate = result('misspelt_column').location;
    expect(github).toContain(`(gates/demo/disconfirmers.yaml:${gate.line}:${gate.col})`);
    expect(github).toMatch(/::warning file=gates\/demo\/disconfirmers\.yaml,line=\d+,col=\d+,title=G_no_document halt/);
  });
});

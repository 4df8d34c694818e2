/**
 * council.yaml through the real loader: the shipped wave3 council, and each mistake the
 * loader must catch with its file:line:col.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { collectFacts } from '../../src/council/facts.js';
import { headingHas, loadCouncilSpec } from '../../src/council/spec.js';
import { loadRfc } from '../../src/spec/load.js';
import { formatProblem, SpecError } from '../../src/spec/problems.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { modeline } from '../helpers/spec-fixture.js';
import { councilRepo, type CouncilRepo, LANES } from './helpers.js';

let repo: CouncilRepo;
afterEach(() => repo?.cleanup());

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe('council.yaml', () => {
  it('the shipped wave3 council loads: three lanes, the verifier given the facts, the redraft contract', () => {
    const rfc = loadRfc(resolve('.'), 'wave3');
    const c = rfc.council;
    expect(c?.lanes.map((l) => l.id)).toEqual(['architect', 'code-reviewer', 'live-verifier']);
    expect(c?.lanes[2]?.vocabulary).toEqual(['VERIFIED', 'DRIFT', 'REFUTED', 'SOURCE_ONLY']);
    expect(c?.lanes[2]?.facts).toEqual(['spec_validate', 'cite_verify', 'comparator_check']);
    expect(c?.lanes[0]?.blocking).toEqual(['BLOCK']);
    expect(c?.contract).toEqual({ block_requires: 'redraft', escalate_after_rounds: 3 });
    expect(c?.document).toBe('rfcs/wave3.md');
    expect(c?.ledger_dir).toBe('rfcs/wave3/council');
  });

  it('names a missing brief, an unknown section, a blocking severity outside the vocabulary and a duplicate lane, each at its line', () => {
    repo = councilRepo({
      lanes: [
        { ...LANES[0], brief: 'rfcs/demo/council/nowhere.md', sections: ['§1', '§9'] },
        { ...LANES[1], blocking: ['BLOCK', 'FATAL'] },
        { ...LANES[1] },
      ],
    });
    const ps = problems(() => loadCouncilSpec(repo.root, 'demo'));
    expect(ps).toEqual([
      expect.stringMatching(
        /^gates\/demo\/council\.yaml:7:12: lane 'architect': brief rfcs\/demo\/council\/nowhere\.md does not exist/,
      ),
      expect.stringMatching(
        /^gates\/demo\/council\.yaml:10:9: lane 'architect': section '§9' is not a heading of rfcs\/demo\.md/,
      ),
      expect.stringMatching(
        /^gates\/demo\/council\.yaml:\d+:\d+: lane 'code-reviewer': blocking severity 'FATAL' is not in its vocabulary/,
      ),
      expect.stringMatching(
        /^gates\/demo\/council\.yaml:\d+:\d+: duplicate lane id 'code-reviewer' \(first declared at gates\/demo\/council\.yaml:17:5\); give each lane its own id$/,
      ),
    ]);
    // spec validate sees the same problems through loadRfc.
    expect(problems(() => loadRfc(repo.root, 'demo'))).toHaveLength(4);
  });

  it('a ledger_dir outside the repository is a problem at its line, not a folder written anywhere', () => {
    for (const dir of ['../elsewhere', 'rfcs/../../elsewhere', '/tmp/elsewhere']) {
      repo = councilRepo({ ledger_dir: dir });
      expect(problems(() => loadCouncilSpec(repo.root, 'demo'))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^gates/demo/council\\.yaml:\\d+:\\d+: ledger_dir ${dir.replace(/\./g, '\\.')} is outside the repository`,
          ),
        ),
      ]);
      repo.cleanup();
    }
    repo = councilRepo({ ledger_dir: 'docs/../rfcs/demo/reviews' });
    expect(problems(() => loadCouncilSpec(repo.root, 'demo'))).toEqual([]);
  });

  it('a document rfc.yaml names that is not there is a problem at its line in rfc.yaml, not at the top of council.yaml', () => {
    repo = councilRepo();
    const file = join(repo.root, 'gates/demo/rfc.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('rfcs/demo.md', 'rfcs/dem.md'));
    const said =
      "gates/demo/rfc.yaml:5:11: document rfcs/dem.md does not exist; the council reviews it: give the RFC document's path relative to the repository root";
    expect(problems(() => loadCouncilSpec(repo.root, 'demo'))).toEqual([said]);
    expect(problems(() => loadRfc(repo.root, 'demo'))).toEqual([said]);
  });

  it('schema errors come with their position: a lowercase verdict, a missing contract', () => {
    repo = councilRepo();
    const file = join(repo.root, 'gates/demo/council.yaml');
    writeFileSync(
      file,
      modeline('council.yaml') +
        stringify({ model: 'claude-opus-4-5', lanes: [{ ...LANES[0], vocabulary: ['block'] }] }),
    );
    expect(problems(() => loadCouncilSpec(repo.root, 'demo'))).toEqual([
      "gates/demo/council.yaml:2:1: missing required key 'contract'",
      'gates/demo/council.yaml:11:9: lanes.vocabulary: must be written in capital letters and underscores (such as BLOCK or SOURCE_ONLY)',
    ]);
    expect(readFileSync(file, 'utf8')).toContain('- block');
  });

  it('a timeout of zero is said to need a duration greater than zero, not to be no duration', () => {
    repo = councilRepo({ timeout: '0s' });
    expect(problems(() => loadCouncilSpec(repo.root, 'demo'))).toEqual([
      'gates/demo/council.yaml:44:10: timeout: must be a duration greater than zero, such as 14d, 24h or 60s, not 0s (a request given no time is given up before it can answer)',
    ]);
  });

  it('a merge of what is not a map is a problem at its line, as spec validate has it', () => {
    repo = councilRepo();
    const file = join(repo.root, 'gates/demo/council.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^lanes:\n {2}- /m, 'lanes:\n  - <<: 5\n    '));
    const said = "YAML: '<<' merges a map, an alias of one (*defaults) or a list of them, and this is not one";
    expect(problems(() => loadCouncilSpec(repo.root, 'demo'))).toEqual([`gates/demo/council.yaml:5:9: ${said}`]);
    expect(problems(() => loadRfc(repo.root, 'demo'))).toEqual([`gates/demo/council.yaml:5:9: ${said}`]);
  });

  it('a section names its own heading only: §1 is not §14', () => {
    expect(headingHas('## §1 Scope', '§1')).toBe(true);
    expect(headingHas('## §14 Prerequisite PRs', '§1')).toBe(false);
    expect(headingHas('### §0(A.1) ODE floor', '§0')).toBe(true);
    expect(headingHas('### §8.2 What is compared', '§8')).toBe(false);
  });

  it('the verifier is handed spec validate problems as facts, and unavailable checks as unavailable', async () => {
    repo = councilRepo();
    writeFileSync(join(repo.root, 'gates/demo/measurements.yaml'), `${modeline('measurements.yaml')}- id: Bad Id\n`);
    const facts = await collectFacts(['spec_validate', 'cite_verify', 'comparator_check'], {
      root: repo.root,
      rfc: 'demo',
    });
    expect(facts[0]).toMatchObject({ id: 'spec_validate', status: 'ok' });
    expect(facts[0]?.summary).toMatch(/^invalid: \d+ problems?$/);
    expect(facts[0]?.detail).toContain('gates/demo/measurements.yaml:2:');
    // Not a git repository: cite verify could not run, and says so rather than reporting clean.
    expect(facts[1]).toMatchObject({ id: 'cite_verify', status: 'error' });
    expect(facts[1]?.summary).toMatch(/not a git repository/);
    // comparator check reads comparator.yaml alone, so the broken measurements do not hide
    // the real reason it could not run: this RFC has no comparator.
    expect(facts[2]).toMatchObject({ id: 'comparator_check', status: 'error' });
    expect(facts[2]?.summary).toBe('could not run: demo declares no comparator: add gates/demo/comparator.yaml');
    // The council itself still loads, so a round can run and report the broken spec.
    expect(loadCouncilSpec(repo.root, 'demo').council.lanes).toHaveLength(3);
  });

  it('a broken comparator.yaml is handed to the verifier as such, not as a clean check', async () => {
    repo = councilRepo();
    writeFileSync(
      join(repo.root, 'gates/demo/comparator.yaml'),
      `${modeline('comparator.yaml')}pairs:\n  - id: p\n    canonical: nodot\n`,
    );
    const [fact] = await collectFacts(['comparator_check'], { root: repo.root, rfc: 'demo' });
    expect(fact).toMatchObject({ id: 'comparator_check', status: 'error' });
    expect(fact?.summary).toBe('could not run: comparator.yaml is invalid (see spec_validate)');
  });

  it('the verifier is handed cite verify of the document, against the tree at HEAD: counts, and each citation not verified', async () => {
    const fx = createRepo();
    try {
      repo = councilRepo({}, fx.dir);
      fx.commit({
        files: {
          'src/app.py': 'import os\n\ndef handler():\n    return os.getcwd()\n',
          'rfcs/demo.md':
            '# Demo\n\n## §1 Plan\n\nThe entry point `handler()` is at `src/app.py:3`.\n' +
            'The helper `nowhere()` is at `src/app.py:1`.\nSee `src/gone.py:4`.\n',
        },
        message: 'rfc',
        date: '2026-01-01T00:00:00Z',
      });
      const [fact] = await collectFacts(['cite_verify'], { root: repo.root, rfc: 'demo' });
      expect(fact).toMatchObject({ id: 'cite_verify', status: 'ok' });
      expect(fact?.summary).toMatch(/^3 citations at [0-9a-f]{7}: 1 VERIFIED \+ 1 REFUTED \+ 1 NOT_FOUND$/);
      expect(fact?.detail).toContain('rfcs/demo.md:6: src/app.py:1 REFUTED');
      expect(fact?.detail).toContain('rfcs/demo.md:7: src/gone.py:4 NOT_FOUND');
      expect(fact?.detail).not.toContain('src/app.py:3 VERIFIED');
    } finally {
      removeFixtures();
    }
  });

  it('the verifier is handed cite verify of the draft the lanes read, not of the one committed at HEAD', async () => {
    const fx = createRepo();
    try {
      repo = councilRepo({}, fx.dir);
      fx.commit({
        files: {
          'src/app.py': 'import os\n\ndef handler():\n    return os.getcwd()\n',
          'rfcs/demo.md': '# Demo\n\n## §1 Plan\n\nThe entry point `handler()` is at `src/app.py:1`.\n',
        },
        message: 'rfc',
        date: '2026-01-01T00:00:00Z',
      });
      // The redraft fixes the citation, moves it down a line and adds one; it is not committed yet.
      const draft =
        '# Demo\n\n## §1 Plan\n\nRedrafted.\nThe entry point `handler()` is at `src/app.py:3`.\nSee `src/gone.py:4`.\n';
      fx.write('rfcs/demo.md', draft);
      const [fact] = await collectFacts(['cite_verify'], { root: repo.root, rfc: 'demo' });
      expect(fact?.summary).toMatch(/^2 citations at [0-9a-f]{7}: 1 VERIFIED \+ 1 NOT_FOUND$/);
      expect(fact?.detail).toContain('rfcs/demo.md:7: src/gone.py:4 NOT_FOUND');
      expect(fact?.detail).not.toContain('REFUTED');
      // A round hands over the very text its lanes read.
      const [given] = await collectFacts(['cite_verify'], {
        root: repo.root,
        rfc: 'demo',
        document: { path: 'rfcs/demo.md', text: '# Demo\n\nThe entry point `handler()` is at `src/app.py:2`.\n' },
      });
      expect(given?.detail).toContain('rfcs/demo.md:3: src/app.py:2 DRIFT');
    } finally {
      removeFixtures();
    }
  });
});

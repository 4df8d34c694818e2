/**
 * Which repository a command works on without --root: the nearest folder upwards holding
 * gates/, but never above the top of the git repository the command runs in.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { L1 } from '../lint/helpers.js';
import { runCli as run } from '../helpers/cli.js';

afterAll(removeFixtures);

// The official OASIS schema (JSON Schema draft-04); both packages are CommonJS.
const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
const ajv = new AjvDraft04.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const validateSarif = ajv.compile(schema);

describe('the repository root', () => {
  it('is found from a folder deep inside the repository', () => {
    const repo = createRepo();
    writeRfc(repo.dir, { id: 'inside' });
    const deep = join(repo.dir, 'src', 'a', 'b');
    mkdirSync(deep, { recursive: true });
    const r = run(['spec', 'validate'], deep);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^inside: valid/m);
  });

  it('is not a gates/ folder of the code on the way up, which holds no RFC', () => {
    const repo = createRepo();
    writeRfc(repo.dir, { id: 'inside' });
    // A module of the code base that happens to be called gates.
    const code = join(repo.dir, 'src', 'gates', 'auth');
    mkdirSync(code, { recursive: true });
    writeFileSync(join(code, 'check.py'), 'x = 1\n');
    for (const cwd of [join(repo.dir, 'src'), code]) {
      const r = run(['spec', 'validate'], cwd);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^inside: valid/m);
    }
    // With no RFC anywhere up to the top, the nearest gates/ is the one named.
    const bare = createRepo();
    mkdirSync(join(bare.dir, 'src', 'gates', 'auth'), { recursive: true });
    const none = run(['spec', 'validate'], join(bare.dir, 'src'));
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^gates\/auth:1:1: no spec files/);
  });

  it('is not a gates/ folder above the git repository: that governs something else', () => {
    const outer = tempDir();
    writeRfc(outer, { id: 'outer' });
    const inner = join(outer, 'projects', 'service');
    mkdirSync(join(inner, 'src'), { recursive: true });
    expect(spawnSync('git', ['init', '-q'], { cwd: inner }).status).toBe(0);
    const r = run(['spec', 'validate'], join(inner, 'src'));
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `error: no RFCs here: ${join(inner, 'gates')} does not exist or is empty; run inside the governed repository or pass --root\n`,
    );
    // A gates/ with hidden folders alone (kept aside) is not empty: what it holds is named.
    mkdirSync(join(inner, 'gates', '.archive', 'old'), { recursive: true });
    const hidden = run(['spec', 'validate'], join(inner, 'src'));
    expect(hidden.code).toBe(3);
    expect(hidden.stderr).toBe(
      `error: no RFCs here: ${join(inner, 'gates')} holds only .archive, and a folder starting with '.' is not an RFC; put each RFC in a folder named by its id (gates/<rfc>/), or pass --root\n`,
    );
    // Outside any repository, the nearest gates/ upwards is still found.
    expect(run(['spec', 'validate'], join(outer, 'projects')).stdout).toMatch(/^outer: valid/m);
  });

  it('below the repository top, gate check tells GitHub and CI the spec files from the top', () => {
    const repo = createRepo();
    const svc = join(repo.dir, 'svc');
    writeRfc(svc, {
      measurements: [{ id: 'runbook', artifact: { glob: 'docs/runbook-*.md', section: 'Rollback' } }],
      invariants: [
        { id: 'RUNBOOK', title: 'a rollback runbook', section: '§9', phase: ['implementation'], holds_if: 'runbook' },
      ],
    });
    repo.git(['add', '-A']);
    repo.commit({ message: 'spec', date: '2026-04-02T00:00:00Z' });
    const check = (format: string) =>
      run(['gate', 'check', '--as-of', '2026-06-01T00:00:00Z', '--format', format], svc);
    const github = check('github');
    expect(github.stderr).toBe('');
    expect(github.code).toBe(2);
    expect(github.stdout).toMatch(
      /^::warning file=svc\/gates\/demo\/invariants\.yaml,line=\d+,col=\d+,title=RUNBOOK halt/m,
    );
    const sarif = JSON.parse(check('sarif').stdout) as {
      runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    expect(sarif.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(
      'svc/gates/demo/invariants.yaml',
    );
    expect(check('junit').stdout).toContain('file="svc/gates/demo/invariants.yaml"');
    expect(JSON.parse(check('json').stdout).results[0].location.file).toBe('gates/demo/invariants.yaml');
  });

  it('gives each governed root its own code scanning category, the same from wherever it is run', () => {
    const repo = createRepo();
    for (const svc of ['payments', 'ledger', 'payments/phase-close']) {
      writeRfc(join(repo.dir, 'services', svc), {
        measurements: [{ id: 'runbook', artifact: { glob: 'docs/runbook-*.md', section: 'Rollback' } }],
        invariants: [
          { id: 'RUNBOOK', title: 'a rollback runbook', section: '§9', phase: ['implementation'], holds_if: 'runbook' },
        ],
        raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) },
      });
      repo.write(`services/${svc}/src/a.py`, 'x = "measurement.lease_plane.request"\n');
    }
    repo.git(['add', '-A']);
    repo.commit({ message: 'two services, one RFC id', date: '2026-04-02T00:00:00Z' });
    const category = (command: string[], cwd: string, root?: string) => {
      const r = run([...command, ...(root ? ['--root', root] : []), '--format', 'sarif'], cwd);
      expect(r.stderr).toBe('');
      const log = JSON.parse(r.stdout) as Log;
      expect(validateSarif(log) ? [] : validateSarif.errors).toEqual([]);
      return log.runs[0]?.automationDetails?.id;
    };
    const payments = join(repo.dir, 'services', 'payments');
    for (const [command, tool] of [
      [['gate', 'check', '--as-of', '2026-06-01T00:00:00Z'], 'rfcgate'],
      [['lint'], 'rfcgate-lint'],
    ] as const) {
      // Run inside the root, from the repository's top, and from another folder with an absolute --root.
      const ids = [
        category([...command], payments),
        category([...command], repo.dir, 'services/payments'),
        category([...command], join(payments, 'src'), payments),
      ];
      expect(ids).toEqual(Array(3).fill(`${tool}/demo/root-services%2Fpayments/`));
      expect(category([...command], join(repo.dir, 'services', 'ledger'))).toBe(`${tool}/demo/root-services%2Fledger/`);
      // A root whose last folder looks like a phase is not a --phase run of the root above it.
      expect(category([...command], join(payments, 'phase-close'))).toBe(
        `${tool}/demo/root-services%2Fpayments%2Fphase-close/`,
      );
    }
    expect(
      category(
        ['gate', 'check', '--as-of', '2026-06-01T00:00:00Z', '--phase', 'implementation'],
        repo.dir,
        'services/payments',
      ),
    ).toBe('rfcgate/demo/root-services%2Fpayments/phase-implementation/');
  });
});

/**
 * Fixture repositories for lint: a real git repo holding gates/demo/ (rfc.yaml, lints.yaml
 * and, for the order rule, measurements.yaml and prereqs.yaml) and the files to check.
 */
import { stringify } from 'yaml';
import { type LintRunOptions, runLint } from '../../src/lint/run.js';
import { openSnapshot, type ScopeRequest } from '../../src/lint/scopes.js';
import type { LintReport } from '../../src/lint/report.js';
import { GitRepo } from '../../src/sources/git/repo.js';
import { loadRfc } from '../../src/spec/load.js';
import { createRepo, type FixtureRepo } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';

export const AS_OF = '2026-06-01T12:00:00Z';

export interface LintFixture {
  rules: unknown[];
  measurements?: unknown[];
  prereqs?: unknown[];
  /** Committed with the spec in the first commit. */
  files?: Record<string, string>;
}

export function lintRepo(f: LintFixture): FixtureRepo {
  const repo = createRepo();
  const raw: Record<string, string> = { 'lints.yaml': modeline('lints.yaml') + stringify(f.rules) };
  if (f.prereqs) raw['prereqs.yaml'] = modeline('prereqs.yaml') + stringify(f.prereqs);
  writeRfc(repo.dir, { ...(f.measurements ? { measurements: f.measurements } : {}), raw });
  repo.git(['add', '-f', 'gates']);
  repo.commit({ files: f.files ?? {}, message: 'spec and code', date: '2026-05-01T09:00:00Z' });
  return repo;
}

export async function lint(
  repo: FixtureRepo,
  scope: ScopeRequest = { kind: 'tree' },
  asOf = AS_OF,
  more: Partial<LintRunOptions> = {},
): Promise<LintReport> {
  const rfc = loadRfc(repo.dir, 'demo');
  return runLint({
    rfc: 'demo',
    rules: rfc.lints ?? [],
    snapshot: await openSnapshot(repo.dir, scope, repo.dir),
    asOf: new Date(asOf),
    order: {
      repo: new GitRepo(repo.dir),
      root: repo.dir,
      ref: 'HEAD',
      manifest: rfc.manifest,
      measurements: rfc.measurements,
      timeoutMs: 30_000,
    },
    ...more,
  });
}

/** `file:line:col rule` of every finding, the shape most assertions read. */
export function where(r: LintReport): string[] {
  return r.findings.map((f) => `${f.file}:${f.line}:${f.col} ${f.rule}`);
}

export const L1 = {
  id: 'L1',
  title: 'Event types only in the constants module',
  severity: 'error',
  message: 'an event-type literal outside the constants module',
  fix: 'import it from src/audit/event_types.py',
  forbid: {
    quoted: true,
    literals: ['measurement.lease_plane.*', 'coordination_failure.beam_python_boundary.*'],
    include: ['**/*.py'],
    exclude: ['tests/**'],
  },
  allow: [{ path: 'src/audit/event_types.py', reason: 'the canonical constants' }],
};

/** The ordering guard, read from the git measurement `guard`. */
export const ORDER = {
  id: 'L3',
  title: 'Prereqs before dispatch',
  severity: 'error',
  message: 'the ordering guard does not hold',
  fix: 'land the prereqs first',
  order: { measurement: 'guard' },
};

/** A require rule with the fields every rule needs: `files` must exist once `when` does. */
export function requireRule(id: string, require: Record<string, unknown>) {
  return { id, title: id, severity: 'error', message: `${id}: a required file is missing`, fix: 'add it', require };
}

/** A forbid rule with the fields every rule needs, for tests about the pattern alone. */
export function forbidRule(id: string, forbid: Record<string, unknown>, more: Record<string, unknown> = {}) {
  return { id, title: id, severity: 'error', message: `${id} found`, fix: 'drop it', forbid, ...more };
}

/**
 * `gate history --gate <id>` and what makes an id known: the RFC's spec declares it, or a
 * recorded run holds it. A gate of the spec with no history yet says so (exit 0), a gate since
 * removed from the spec still shows its history, and an id that is neither is an invalid
 * invocation (exit 3) with a near id when there is one.
 */
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordGateRun } from '../../src/ledger/gate-runs.js';
import { migrate, migrationPlan } from '../../src/ledger/schema.js';
import type { GateResult } from '../../src/model/result.js';
import { newPglite } from '../../src/sources/sql/pglite-load.js';
import { PgliteWriter, PgWriter } from '../../src/sources/sql/writer.js';
import { runCli } from '../helpers/cli.js';
import { seedEmbeddedDb, testBackends, useTestDatabase } from '../helpers/db.js';
import { createRepo, type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';

const gate = (id: string) => ({
  id,
  title: `${id} latency`,
  section: '§0(B)',
  phase: ['implementation'],
  fires_if: 'lease_p50_ms > 100.0',
});

/** LATENCY and NEVER; OLD was a gate of an earlier spec, and only the ledger remembers it. */
const spec = {
  measurements: [
    {
      id: 'lease_p50_ms',
      window: '7d',
      require: { min_rows: 1 },
      sql: {
        table: 'audit.coordination_measurements',
        timestamp: 'recorded_at',
        where: "measurement_type = 'measurement.lease_plane.request'",
        value: 'percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms)',
      },
    },
  ],
  disconfirmers: [gate('LATENCY'), gate('NEVER')],
};

const result = (id: string): GateResult => ({
  id,
  kind: 'disconfirmer',
  title: `${id} latency`,
  section: '§0(B)',
  verdict: 'pass',
  evidence: {},
  location: { file: 'gates/demo/disconfirmers.yaml', line: 2, col: 3 },
});

afterAll(() => removeFixtures());

describe.each(testBackends())('gate history --gate on $name', (backend) => {
  const db = useTestDatabase(backend);
  let repo: FixtureRepo;
  let env: NodeJS.ProcessEnv;
  let where: string;
  const history = (...args: string[]) =>
    runCli(['gate', 'history', '--gate', ...args], repo.dir, { RFCGATE_RECORDED_BY: 'cli-test', ...env });

  beforeAll(async () => {
    repo = createRepo();
    writeRfc(repo.dir, spec);
    env = backend.name === 'postgres' ? { DATABASE_URL: db.url() } : {};
    where =
      backend.name === 'postgres' ? new URL(db.url()).host + new URL(db.url()).pathname : 'pglite:.rfcgate/pgdata';
    let embedded: PGlite | undefined;
    if (backend.name === 'pglite') embedded = await newPglite(seedEmbeddedDb(repo.dir));
    const writer = embedded ? new PgliteWriter({ db: embedded }) : new PgWriter(db.url());
    try {
      await migrate(
        writer,
        migrationPlan({ from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-06-01T00:00:00Z') }),
      );
      const run = { rfc: 'demo', as_of: '2026-06-01T00:00:00.000Z', ref: 'HEAD', verdict: 'pass' as const };
      await recordGateRun(writer, { ...run, results: [result('LATENCY'), result('OLD')] });
    } finally {
      await writer.close();
      await embedded?.close();
    }
  });

  it('an id neither the spec nor the ledger knows exits 3 with one line, naming the gates', () => {
    const r = history('NOPE');
    expect([r.code, r.stdout]).toEqual([3, '']);
    expect(r.stderr).toBe(
      `error: --gate 'NOPE' is no gate of demo: its spec declares none of that id, and no run recorded in ${where} holds one; the gates of demo: LATENCY, NEVER\n`,
    );
  });

  it('suggests a near id of the spec, or of a gate only the ledger still holds', () => {
    const typo = history('latency');
    expect(typo.code).toBe(3);
    expect(typo.stderr).toMatch(/^error: --gate 'latency' is no gate of demo: .* \(did you mean 'LATENCY'\?\)\n$/);
    const removed = history('OLF');
    expect(removed.code).toBe(3);
    expect(removed.stderr).toMatch(/ \(did you mean 'OLD'\?\)\n$/);
    const json = history('NOPE', '--json');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { name: 'UsageError', exit: 3 } });
  });

  it('a gate of the spec with no recorded run yet has no history: exit 0', () => {
    const r = history('NEVER');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(
      `gate NEVER has no history yet: no run of demo recorded in ${where} evaluated it (it is new in the spec, or each run's --phase or --only left it out)\n`,
    );
    const json = history('NEVER', '--json');
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, []]);
  });

  it('a gate removed from the spec still shows the history recorded for it', () => {
    const r = history('OLD');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n')[1]).toMatch(/^1 .* pass +- +first /);
  });
});

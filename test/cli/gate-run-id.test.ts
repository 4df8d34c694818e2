/**
 * `gate check --record --run-id` as a CI job runs it: a retry of one run id stores nothing new
 * and exits with the run's own verdict; a bad id is refused before anything is evaluated.
 * What needs no process of its own (two ids, no id, two recorders at once, a ledger made before
 * run ids and what `db migrate` adds to it) is in test/ledger/gate-runs.test.ts; the command's
 * refusal of a ledger an earlier version made, and `db migrate` bringing it up to date, in
 * test/cli/ledger.test.ts.
 */
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationPlan } from '../../src/ledger/schema.js';
import { newPglite } from '../../src/sources/sql/pglite-load.js';
import { PgliteWriter, PgWriter } from '../../src/sources/sql/writer.js';
import { runCli } from '../helpers/cli.js';
import { seedEmbeddedDb, testBackends, useTestDatabase } from '../helpers/db.js';
import { createRepo, type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';

const RANGE = { from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-06-01T00:00:00Z') };

/** One gate that fails on any database, live: the exit code 1 is neither a halt's 2 nor a refusal's 3. */
const spec = {
  measurements: [
    {
      id: 'schemas_now',
      type: 'int',
      sql: { query: 'SELECT count(*)::int AS value FROM pg_namespace', current_state: true },
    },
  ],
  disconfirmers: [
    { id: 'SCHEMAS', title: 'any schema', section: '§1', phase: ['implementation'], fires_if: 'schemas_now > 0' },
  ],
};

const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  runCli(args, cwd, { RFCGATE_RECORDED_BY: 'cli-test', ...env });

function fixture(): FixtureRepo {
  const repo = createRepo();
  writeRfc(repo.dir, spec);
  repo.git(['add', '-A']);
  repo.commit({ message: 'gates: add demo RFC', date: '2026-04-02T00:00:00Z' });
  return repo;
}

afterAll(() => removeFixtures());

describe('gate check --run-id refused before evaluating', () => {
  let repo: FixtureRepo;
  beforeAll(() => {
    repo = fixture();
  });

  it('without --record, exit 3 naming --record', () => {
    const r = run(['gate', 'check', '--run-id', '9876-build'], repo.dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--run-id names a recorded run, and without --record nothing is recorded: add --record/);
  });

  it('blank, exit 3, nothing evaluated', () => {
    const r = run(['gate', 'check', '--record', '--run-id', ' '], repo.dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--run-id is blank: every run would be recorded under the same id/);
  });

  it('longer than 200 characters, exit 3 with the limit', () => {
    const r = run(['gate', 'check', '--record', '--run-id', 'x'.repeat(201)], repo.dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--run-id is 201 characters; it may be at most 200/);
  });
});

describe('gate history --run-id refused before reading', () => {
  let repo: FixtureRepo;
  beforeAll(() => {
    repo = fixture();
  });

  it('blank, or with --limit or --run, exit 3 saying why', () => {
    const blank = run(['gate', 'history', '--run-id', ' '], repo.dir);
    expect(blank.code).toBe(3);
    expect(blank.stderr).toMatch(
      /--run-id needs the id a run was recorded with \(`gate history` lists them as run_key\)/,
    );
    const limited = run(['gate', 'history', '--run-id', '9876-build', '--limit', '5'], repo.dir);
    expect(limited.code).toBe(3);
    expect(limited.stderr).toMatch(/--limit does not apply to --run-id: every result of the run is shown/);
    const both = run(['gate', 'history', '--run-id', '9876-build', '--run', '1'], repo.dir);
    expect(both.code).toBe(3);
    expect(both.stderr).toMatch(/^error: --run(-id)? and --run(-id)? cannot be given together: choose one/);
  });
});

describe.each(testBackends())('gate check --record --run-id on $name', (backend) => {
  const db = useTestDatabase(backend);
  const where = backend.name === 'postgres' ? '127\\.0\\.0\\.1:\\d+/rfcgate_t_\\w+' : 'pglite:\\.rfcgate/pgdata';

  /** A fixture repository whose database holds the ledger `db migrate` makes. */
  async function ledger() {
    const repo = fixture();
    const env: NodeJS.ProcessEnv = backend.name === 'postgres' ? { DATABASE_URL: db.url() } : {};
    let embedded: PGlite | undefined;
    if (backend.name === 'pglite') embedded = await newPglite(seedEmbeddedDb(repo.dir));
    else await db.exec('DROP SCHEMA IF EXISTS audit CASCADE; DROP SCHEMA IF EXISTS rfcgate CASCADE;');
    const writer = embedded ? new PgliteWriter({ db: embedded }) : new PgWriter(db.url());
    try {
      await migrate(writer, migrationPlan(RANGE));
    } finally {
      await writer.close();
      await embedded?.close();
    }
    /** Read after the CLI has exited, never while it runs. */
    const rows = async (sql: string): Promise<Record<string, unknown>[]> => {
      if (backend.name === 'postgres') return db.exec(sql);
      const pglite = await newPglite(join(repo.dir, '.rfcgate', 'pgdata'));
      try {
        return (await pglite.query<Record<string, unknown>>(sql)).rows;
      } finally {
        await pglite.close();
      }
    };
    return { repo, env, rows };
  }

  it('a retry of one run id stores nothing and exits with its own verdict; gate history shows the id', async () => {
    const { repo, env, rows } = await ledger();
    const args = ['gate', 'check', '--json', '--record', '--run-id', '9876-build'];
    const first = run(args, repo.dir, env);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(new RegExp(`^recorded gate run 1 \\(1 result, --run-id 9876-build\\) in ${where}\n$`));
    const retry = run(args, repo.dir, env);
    expect(JSON.parse(retry.stdout).verdict).toBe('fail');
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(
      new RegExp(
        `^already recorded as gate run 1 \\(--run-id 9876-build: fail as of ${JSON.parse(first.stdout).as_of}\\) in ${where}; nothing was stored\n$`,
      ),
    );
    expect(await rows('SELECT id::int AS id, run_key, verdict FROM rfcgate.gate_runs')).toEqual([
      { id: 1, run_key: '9876-build', verdict: 'fail' },
    ]);
    expect(await rows('SELECT count(*)::int AS n FROM rfcgate.gate_results')).toEqual([{ n: 1 }]);

    const history = run(['gate', 'history'], repo.dir, env);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(
      /^run +run_key +recorded_at +as_of +ref +sha +verdict +pass +fail +halt\n1 +9876-build +/,
    );
    // What a CI job knows of its run is the id it gave, not the ledger's number.
    const byKey = run(['gate', 'history', '--run-id', '9876-build', '--json'], repo.dir, env);
    expect(byKey.code).toBe(0);
    expect(JSON.parse(byKey.stdout)).toMatchObject({
      run: { id: '1', run_key: '9876-build', verdict: 'fail' },
      results: [{ gate_id: 'SCHEMAS', verdict: 'fail' }],
    });
  });
});

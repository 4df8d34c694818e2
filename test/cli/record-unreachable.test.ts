/**
 * `gate check --record` and `comparator run --record` against a ledger whose database cannot be
 * reached, or is busy with another session: the run is not recorded, and that halts (exit 2, or
 * the run's own worse outcome) as the same database halts a measurement, with the report
 * printed whole and nothing written. A database that is reached but cannot take the run is the
 * user's to fix: exit 3.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliRun, runCli } from '../helpers/cli.js';
import { lockWaiters, testBackends, useTestDatabase } from '../helpers/db.js';
import { createRepo, type FixtureRepo } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { unusedPort } from '../sources/sql/fixtures.js';

const COMPARATOR = `${modeline('comparator.yaml')}pairs:
  - id: identities
    canonical: core.identities
    shadow: core.identities_shadow
    key: [agent_id]
    compare: all
`;

const gate = (id: string, condition: string) => ({
  id,
  title: id,
  section: '§1',
  phase: ['implementation'],
  fires_if: condition,
});

let repo: FixtureRepo;
let down: string;
const run = (args: string[], url: string) =>
  runCli([...args, '--root', repo.dir], repo.dir, { RFCGATE_RECORDED_BY: 'cli-test', DATABASE_URL: url });

beforeAll(async () => {
  repo = createRepo();
  // Git alone decides both gates: the database is needed only to record.
  writeRfc(repo.dir, {
    measurements: [{ id: 'has_src', git: { query: 'path_exists', path: 'src' } }],
    disconfirmers: [gate('QUIET', '!has_src'), gate('FIRES', 'has_src')],
    raw: { 'comparator.yaml': COMPARATOR },
  });
  repo.git(['add', '-A']);
  repo.commit({ files: { 'src/a.py': 'x = 1\n' }, message: 'spec and code', date: '2026-05-01T09:00:00Z' });
  down = `postgres://rec:pw@127.0.0.1:${await unusedPort()}/ledger`;
});

describe('a ledger that cannot be reached', () => {
  it('gate check --record halts (exit 2) after the report, naming host:port', () => {
    const r = run(['gate', 'check', '--only', 'QUIET', '--json', '--record'], down);
    expect(JSON.parse(r.stdout)).toMatchObject({ rfc: 'demo', verdict: 'pass' });
    const endpoint = new URL(down).host;
    expect(r.stderr).toBe(
      `halt: the gate run was not recorded: database unreachable at ${endpoint} (ECONNREFUSED); nothing was written\n`,
    );
    expect(r.code).toBe(2);
  });

  it('gate check --record keeps a failed gate exit 1: the failure outranks the halt', () => {
    const r = run(['gate', 'check', '--only', 'FIRES', '--record'], down);
    expect(r.stdout).toMatch(/FAIL/);
    expect(r.stderr).toMatch(/^halt: the gate run was not recorded: database unreachable at /);
    expect(r.code).toBe(1);
  });

  it('comparator run --record halts (exit 2) as comparator run does, the report printed first', () => {
    const plain = run(['comparator', 'run'], down);
    expect(plain.code).toBe(2);
    const r = run(['comparator', 'run', '--record', '--run-id', 'h1'], down);
    // The same report but for its heading's as-of, the instant each run started.
    const body = (out: string) => out.split('\n').slice(1).join('\n');
    expect(body(r.stdout)).toBe(body(plain.stdout));
    expect(r.stdout).toMatch(/verdict: HALT/);
    expect(r.stderr).toBe(
      `halt: the comparator run was not recorded: database unreachable at ${new URL(down).host} (ECONNREFUSED); nothing was written\n`,
    );
    expect(r.code).toBe(2);
  });
});

describe.each(testBackends().filter((b) => b.name === 'postgres'))('a ledger reached on $name', (backend) => {
  const db = useTestDatabase(backend);

  it('a database that does not exist on the server is not a halt: exit 3, nothing recorded', () => {
    const url = new URL(db.url());
    url.pathname = '/rfcgate_no_such_database';
    const r = run(['gate', 'check', '--only', 'QUIET', '--record'], url.toString());
    expect(r.stderr).toMatch(/^error: the gate run was not recorded: .*rfcgate_no_such_database.* does not exist/);
    expect(r.code).toBe(3);
  });

  it('a ledger not migrated stays exit 3 for both', () => {
    const check = run(['gate', 'check', '--only', 'QUIET', '--record'], db.url());
    expect(check.stderr).toMatch(/^error: the gate run was not recorded: .*run `rfcgate db migrate`/);
    expect(check.code).toBe(3);
    const comparator = run(['comparator', 'run', '--record', '--run-id', 'h1'], db.url());
    expect(comparator.stdout).toMatch(/verdict: HALT/);
    expect(comparator.stderr).toMatch(/^error: the comparator run was not recorded: .*run `rfcgate db migrate`/);
    expect(comparator.code).toBe(3);
  });
});

/** runCli, but the test goes on while the command runs: to act on the server meanwhile. */
function runCliAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  const { DATABASE_URL: _d, ANTHROPIC_API_KEY: _k, CI: _ci, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...inherited, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Another session holding the ledger's tables needs a server: PGlite is one process's own
// database, so a second process cannot open it at all (the embedded directory held by another
// process, covered above as unreachable), let alone wait on one of its locks.
describe.each(testBackends().filter((b) => b.name === 'postgres'))('a ledger busy on $name', (backend) => {
  const db = useTestDatabase(backend);
  const runAsync = (args: string[]) =>
    runCliAsync([...args, '--root', repo.dir], repo.dir, { RFCGATE_RECORDED_BY: 'cli-test', DATABASE_URL: db.url() });

  /** host:port/db, as the ledger's messages name the database. */
  const where = () => {
    const u = new URL(db.url());
    return `${u.host}${u.pathname}`;
  };

  /** Runs `fn` while another session holds `table` in ACCESS EXCLUSIVE mode, as `db migrate` would. */
  const whileLocked = async <T>(table: string, fn: () => Promise<T>): Promise<T> => {
    const holder = new pg.Client({ connectionString: db.url() });
    await holder.connect();
    try {
      await holder.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      return await fn();
    } finally {
      await holder.end();
    }
  };

  beforeAll(async () => {
    expect(run(['db', 'migrate'], db.url()).code).toBe(0);
    await db.exec(`CREATE SCHEMA core;
      CREATE TABLE core.identities (agent_id int PRIMARY KEY, name text);
      CREATE TABLE core.identities_shadow (agent_id int PRIMARY KEY, name text);
      INSERT INTO core.identities VALUES (1, 'a'), (2, 'b');
      INSERT INTO core.identities_shadow VALUES (1, 'a'), (2, 'b');`);
  });

  it('gate check --record behind a lock past lock_timeout halts (exit 2, or 1 when a gate failed) and says to run again', async () => {
    const [quiet, fires] = await whileLocked('rfcgate.gate_runs', () =>
      Promise.all([
        runAsync(['gate', 'check', '--only', 'QUIET', '--json', '--record']),
        runAsync(['gate', 'check', '--only', 'FIRES', '--record']),
      ]),
    );
    expect(JSON.parse(quiet.stdout)).toMatchObject({ rfc: 'demo', verdict: 'pass' });
    expect(quiet.stderr).toBe(
      `halt: the gate run was not recorded: database ${where()} was busy: canceling statement due to lock timeout: another session holds a lock this needs (a long query, a transaction left open, or a \`db migrate\` under way); nothing was written; run again once it has finished (pg_stat_activity names it)\n`,
    );
    expect(quiet.code).toBe(2);
    expect(fires.stdout).toMatch(/FAIL/);
    expect(fires.stderr).toMatch(/^halt: the gate run was not recorded: database \S+ was busy: .*; run again/);
    expect(fires.code).toBe(1);
    expect(await db.exec('SELECT count(*)::int AS n FROM rfcgate.gate_runs')).toEqual([{ n: 0 }]);
    // The same command, once the lock is let go, records the run unchanged.
    const again = run(['gate', 'check', '--only', 'QUIET', '--record'], db.url());
    expect(again.stderr).toMatch(/^recorded gate run \d+ \(1 result\)/);
    expect(again.code).toBe(0);
    expect(await db.exec('SELECT count(*)::int AS n FROM rfcgate.gate_runs')).toEqual([{ n: 1 }]);
  });

  it('comparator run --record whose statement the server cancels halts (exit 2), the report printed first', async () => {
    const r = await whileLocked('rfcgate.recorded_measurements', async () => {
      const running = runAsync(['comparator', 'run', '--record', '--run-id', 'busy-1']);
      // The recording waits behind the holder: cancel it as an administrator would.
      await lockWaiters(db, 1);
      expect(
        await db.exec(
          `SELECT count(pg_cancel_backend(pid))::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'rfcgate'`,
        ),
      ).toEqual([{ n: 1 }]);
      return running;
    });
    expect(r.stdout).toMatch(/verdict: PASS/);
    expect(r.stderr).toBe(
      `halt: the comparator run was not recorded: database ${where()} was busy: canceling statement due to user request: the server cancelled the statement at the request of another session (pg_cancel_backend, or an administrator); nothing was written; run again\n`,
    );
    expect(r.code).toBe(2);
    const again = run(['comparator', 'run', '--record', '--run-id', 'busy-1'], db.url());
    expect(again.stderr).toMatch(/^recorded comparator run busy-1: 1 measurement, 1 window state in /);
    expect(again.code).toBe(0);
  });
});

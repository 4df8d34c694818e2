/**
 * The writing commands as a user runs them: `node bin/run.js db migrate | measure record |
 * measure list | gate check --record` in a fixture repository whose database is an embedded
 * PGlite data directory the commands create themselves.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { newPglite } from '../../src/sources/sql/pglite-load.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateEmbedded, seedEmbeddedDb, testBackends, useTestDatabase } from '../helpers/db.js';
import { planBefore } from '../ledger/helpers.js';
import { createRepo, type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';
import { unusedPort } from '../sources/sql/fixtures.js';
import { recordGateRun } from '../../src/ledger/gate-runs.js';
import { recordMeasurement } from '../../src/ledger/measurements.js';
import { migrate, migrationPlan } from '../../src/ledger/schema.js';
import type { GateResult } from '../../src/model/result.js';
import { PgliteWriter, PgWriter } from '../../src/sources/sql/writer.js';
import { urlProblem } from '../../src/sources/sql/url.js';
import { type CliRun, runCli, runOnce } from '../helpers/cli.js';
import { expectInert, PLANTED, SHOWN } from '../helpers/planted.js';

const AS_OF = '2026-06-01T00:00:00Z';
const LEASE = 'measurement.lease_plane.request';

const run = (args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) =>
  runCli(args, opts.cwd, { RFCGATE_RECORDED_BY: 'cli-test', ...opts.env });

const table = (where: string) => ({
  table: 'audit.coordination_measurements',
  timestamp: 'recorded_at',
  where: `measurement_type = '${where}'`,
  value: 'count(*)::float8',
});

const spec = {
  measurements: [
    {
      id: 'lease_p50_ms',
      window: '7d',
      require: { min_rows: 1 },
      sql: { ...table(LEASE), value: 'percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms)' },
    },
    { id: 'comparator_runs_7d', window: '7d', require: { min_rows: 1 }, sql: table('measurement.comparator.run') },
    { id: 'replay_runs_7d', window: '7d', require: { min_rows: 1 }, sql: table('measurement.replay.run') },
  ],
  disconfirmers: [
    {
      id: 'LATENCY',
      title: 'lease latency above 100 ms',
      section: '§0(B)',
      phase: ['implementation'],
      fires_if: 'lease_p50_ms > 100.0',
    },
    {
      id: 'DARK',
      title: 'comparator runs',
      section: '§8',
      phase: ['implementation'],
      fires_if: 'comparator_runs_7d > 1000.0',
    },
    {
      id: 'NEVER',
      title: 'replay runs',
      section: '§8.3',
      phase: ['implementation'],
      fires_if: 'replay_runs_7d > 1000.0',
    },
  ],
};

/**
 * Reads the fixture's data directory after the CLI has exited (never while it runs): each
 * statement's rows, in one open (an open costs as much CPU as a small command).
 */
async function queryAll<const T extends readonly string[]>(
  dir: string,
  sqls: T,
): Promise<{ [K in keyof T]: Record<string, unknown>[] }> {
  const db = await newPglite(join(dir, '.rfcgate', 'pgdata'));
  try {
    const out: Record<string, unknown>[][] = [];
    for (const sql of sqls) out.push((await db.query<Record<string, unknown>>(sql)).rows);
    return out as { [K in keyof T]: Record<string, unknown>[] };
  } finally {
    await db.close();
  }
}

/**
 * A measurement a gate reads, recorded as `measure record` records it (recorded by the
 * `RFCGATE_RECORDED_BY` the runs here set) but from the test's own process: for the cases
 * whose subject is what gate check and gate history make of it, where a run of the CLI would
 * cost a process and an open of the database (how `measure record` itself answers is judged
 * above). Like queryAll, only while no command runs.
 */
async function recordIn(dir: string, type: string, elapsedMs: number, at: string) {
  const writer = new PgliteWriter({ dataDir: join(dir, '.rfcgate', 'pgdata') });
  try {
    return await recordMeasurement(writer, { type, elapsedMs, at: new Date(at) }, { recordedBy: 'cli-test' });
  } finally {
    await writer.close();
  }
}

async function query(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await queryAll(dir, [sql]);
  return rows;
}

/**
 * `<command> --help`, spawned once per command for the whole file: help is static text, and
 * several cases judge different lines of the same output. Run where no database exists (the
 * `before db migrate` cases check it leaves none).
 */
const once = runOnce((args, cwd, env) => run(args, { cwd, env }));
const help = (...cmd: string[]): CliRun => once([...cmd, '--help'], fresh.dir);

let repo: FixtureRepo;
let fresh: FixtureRepo;

beforeAll(() => {
  repo = createRepo();
  writeRfc(repo.dir, spec);
  repo.git(['add', '-A']);
  repo.commit({ message: 'gates: add demo RFC', date: '2026-04-02T00:00:00Z' });
  fresh = createRepo();
  writeRfc(fresh.dir, spec);
  fresh.git(['add', '-A']);
  fresh.commit({ message: 'gates: add demo RFC', date: '2026-04-02T00:00:00Z' });
});

afterAll(() => removeFixtures());

describe('before db migrate', () => {
  it('measure record exits 3, names the fix, and creates nothing', () => {
    const r = run(['measure', 'record', '--type', LEASE, '--elapsed-ms', '4'], { cwd: fresh.dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'error: the embedded database .rfcgate/pgdata does not exist; run `rfcgate db migrate` to create it (or set DATABASE_URL)\n',
    );
    expect(existsSync(join(fresh.dir, '.rfcgate'))).toBe(false);
  });

  it('with --json, measure record, measure list and gate history print the error object for jq', () => {
    const reason =
      'the embedded database .rfcgate/pgdata does not exist; run `rfcgate db migrate` to create it (or set DATABASE_URL)';
    for (const args of [
      ['measure', 'record', '--type', LEASE, '--elapsed-ms', '4', '--json'],
      ['measure', 'list', '--json'],
      ['gate', 'history', '--json'],
    ]) {
      const r = run(args, { cwd: fresh.dir });
      expect(r.code, args.join(' ')).toBe(3);
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual({
        error: { name: 'LedgerError', message: reason, exit: 3 },
      });
      expect(r.stderr).toBe(`error: ${reason}\n`);
    }
    expect(existsSync(join(fresh.dir, '.rfcgate'))).toBe(false);
  });

  it('gate check --record prints the report, records nothing, exits 3', () => {
    const r = run(['gate', 'check', '--as-of', AS_OF, '--json', '--record'], { cwd: fresh.dir });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).rfc).toBe('demo');
    expect(r.stderr).toMatch(/^error: the gate run was not recorded: .*run `rfcgate db migrate`/);
    expect(existsSync(join(fresh.dir, '.rfcgate'))).toBe(false);
  });

  it('measure list and a reversed db migrate range exit 3 and create nothing', () => {
    const list = run(['measure', 'list'], { cwd: fresh.dir });
    expect(list.code).toBe(3);
    expect(list.stderr).toMatch(
      /^error: the embedded database \.rfcgate\/pgdata does not exist; run `rfcgate db migrate`/,
    );
    const reversed = run(['db', 'migrate', '--from', '2026-09', '--to', '2026-01'], { cwd: fresh.dir });
    expect(reversed.code).toBe(3);
    expect(reversed.stderr).toMatch(
      /^error: --from\/--to: from \(2026-09-01T00:00:00\.000Z\) is in a month after to's/,
    );
    // Reversed by the default of the flag not given: the message says so rather than quote it as given.
    const early = run(['db', 'migrate', '--to', '2000-01'], { cwd: fresh.dir });
    expect(early.code).toBe(3);
    expect(early.stderr).toMatch(
      /^error: --from\/--to: from \(\d{4}-\d{2}-01T00:00:00\.000Z\) is in a month after to's \(2000-01-01T00:00:00\.000Z\) \(--from was not given: it defaults to three months before now; give --from too\)\n$/,
    );
    // --help names every ledger table it creates.
    expect(help('db', 'migrate').stdout.replace(/\s+/g, ' ')).toMatch(
      /rfcgate \(recorded_measurements, gate_runs, gate_results, comparator_windows\)/,
    );
    const bad = run(['db', 'migrate', '--to', 'later'], { cwd: fresh.dir });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^error: --to 'later' is not a month or date/);
    expect(existsSync(join(fresh.dir, '.rfcgate'))).toBe(false);
  });

  it('db migrate --dry-run prints the SQL and writes nothing', () => {
    const r = run(['db', 'migrate', '--dry-run', '--from', '2026-04', '--to', '2026-06-15'], { cwd: fresh.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^-- rfcgate db migrate on pglite:\.rfcgate\/pgdata \(dry run: nothing was written\)\nBEGIN;/,
    );
    expect(r.stdout).toContain('CREATE TABLE audit.coordination_measurements (');
    expect(r.stdout).toContain('CREATE TABLE audit.coordination_measurements_y2026m06');
    expect(r.stdout).not.toContain('coordination_measurements_y2026m07');
    expect(existsSync(join(fresh.dir, '.rfcgate'))).toBe(false);
  });
});

describe('db migrate, measure record, measure list, gate check --record', () => {
  beforeAll(() => {
    const r = run(['db', 'migrate', '--from', '2026-04', '--to', '2026-06'], { cwd: repo.dir });
    if (r.code !== 0) throw new Error(`db migrate failed: ${r.stderr}`);
    expect(r.stdout).toMatch(/^created {2}schema audit/m);
    // Past the retention window (depending on today's date) the line carries a warning after a colon.
    expect(r.stdout).toMatch(
      /^created {2}partition audit\.coordination_measurements_y2026m04 \[2026-04-01, 2026-05-01\)(: .*)?$/m,
    );
    expect(r.stdout).toMatch(/^migrated pglite:\.rfcgate\/pgdata: 14 created, 0 already present$/m);
  });

  it('a second db migrate has nothing to do', () => {
    const r = run(['db', 'migrate', '--from', '2026-04', '--to', '2026-06'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nothing to do on pglite:.rfcgate/pgdata: 14 already present\n');
    const json = run(['db', 'migrate', '--from', '2026-04', '--to', '2026-06', '--json'], { cwd: repo.dir });
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ changed: false, created: 0, present: 14, refused: 0 });
    expect(out.steps.every((s: { status: string }) => s.status === 'present')).toBe(true);
  });

  it('records a measurement once per idempotency key, and lists it', async () => {
    const args = ['measure', 'record', '--type', LEASE, '--elapsed-ms', '41', '--at', '2026-05-31T12:00:00Z'];
    const first = run([...args, '--idempotency-key', 'lease-1', '--agent-id', 'agent-7'], { cwd: repo.dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^recorded measurement\.lease_plane\.request at 2026-05-31T12:00:00\.000Z \(row \d+\) in pglite:\.rfcgate\/pgdata\n$/,
    );
    const second = run([...args, '--idempotency-key', 'lease-1', '--agent-id', 'agent-7', '--json'], { cwd: repo.dir });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      status: 'already_recorded',
      idempotency_key: 'lease-1',
      recorded_by: 'cli-test',
    });
    const conflict = run([...args.slice(0, 4), '--elapsed-ms', '99', '--idempotency-key', 'lease-1'], {
      cwd: repo.dir,
    });
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toMatch(/^error: idempotency key 'lease-1' was already used for a different measurement/);

    const list = run(['measure', 'list', '--json'], { cwd: repo.dir });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      {
        id: expect.any(String),
        recorded_at: '2026-05-31T12:00:00.000Z',
        measurement_type: LEASE,
        elapsed_ms: 41,
        agent_id: 'agent-7',
        payload: {},
        idempotency_key: 'lease-1',
        recorded_by: 'cli-test',
      },
    ]);
    const text = run(['measure', 'list', '--type', LEASE, '--limit', '5'], { cwd: repo.dir });
    expect(text.stdout).toMatch(/^recorded_at\s+measurement_type\s+elapsed_ms/);
    expect(text.stdout).toMatch(/1 row from pglite:\.rfcgate\/pgdata\n$/);
    expect(await query(repo.dir, 'SELECT count(*)::int AS n FROM rfcgate.recorded_measurements')).toEqual([{ n: 1 }]);
  });

  it.each([
    [['--type', 'lease_plane.request', '--value', '1'], /--type 'lease_plane\.request' is not a measurement type/],
    [['--type', 'measurement.x.y', '--payload', '[1,2]'], /--payload must be a JSON object .* not an array/],
    [['--type', 'measurement.x.y', '--payload', '{oops'], /--payload is not valid JSON/],
    [
      ['--type', 'measurement.x.y', '--payload', '{"a":1,"a":2}'],
      /--payload: the key "a" is written twice in one object \(column 2 and column 8\)/,
    ],
    [['--type', 'measurement.x.y', '--value', 'abc'], /--value 'abc' is not a finite decimal number/],
    [
      ['--type', 'measurement.x.y', '--payload', '{"a":0.12345678901234567890}'],
      /--payload: the number 0\.12345678901234567890 has more significant digits than a double keeps and would be stored as 0\.12345678901234568$/m,
    ],
    [['--type', 'measurement.x.y', '--elapsed-ms', '0x10'], /--elapsed-ms '0x10' is not a finite decimal number/],
    [['--type', 'measurement.x.y', '--elapsed-ms', '-3'], /--elapsed-ms -3 is below 0/],
    [['--type', 'measurement.x.y', '--value', '1', '--at', 'soon'], /--at 'soon' is not a date/],
    [
      ['--type', 'measurement.x.y', '--value', '1', '--at', '2026-05-02T03:04:05.123456Z'],
      /--at '2026-05-02T03:04:05\.123456Z' is finer than a millisecond, .* such as 2026-05-02T03:04:05\.123Z$/m,
    ],
    [['--type', 'measurement.x.y'], /give --value, --elapsed-ms or --payload/],
    [['--type', 'measurement.x.y', '--value', '1', '--at', '2020-01-01'], /no partition .*rfcgate db migrate --from/],
    [
      ['--type', 'measurement.x.y', '--value', '1', '--at', '2099-01-01'],
      /--at '2099-01-01' is in the future \(now is .*\): a measurement is of an instant that has passed/,
    ],
  ])('measure record %j exits 3 with one clear line and writes nothing', (args, message) => {
    const r = run(['measure', 'record', ...args], { cwd: repo.dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  // The "writes nothing" of the refused invocations just above, checked once for all of them
  // (so it runs after them, before any case here records another type): none records the
  // lease type, so a row of any other type is one of theirs.
  it('none of the refused measure record invocations wrote a row', async () => {
    expect(
      await query(
        repo.dir,
        "SELECT count(*)::int AS n FROM audit.coordination_measurements WHERE measurement_type <> 'measurement.lease_plane.request'",
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('measure record shows a key and a recorder it did not choose inertly, as a CI log must', () => {
    const args = ['measure', 'record', '--type', 'measurement.cli.inert', '--value', '1', '--at', '2026-04-15'];
    const env = { RFCGATE_RECORDED_BY: PLANTED };
    const first = run([...args, '--idempotency-key', PLANTED], { cwd: repo.dir, env });
    expect(first.code).toBe(0);
    const again = run([...args, '--idempotency-key', PLANTED], { cwd: repo.dir, env });
    expect(again.code).toBe(0);
    expectInert(again.stdout);
    expect(again.stdout.startsWith(`already recorded: idempotency key '${SHOWN}' is `)).toBe(true);
    expect(again.stdout).toContain(`, recorded by ${SHOWN} at `);
  });

  it('an unreachable DATABASE_URL: exit 3, one line naming host:port, never the password', async () => {
    const port = await unusedPort();
    const secret = 'Very-Secret-pw-42';
    for (const args of [
      ['measure', 'record', '--type', LEASE, '--elapsed-ms', '1'],
      ['db', 'migrate'],
      ['measure', 'list'],
    ]) {
      const r = run(args, { cwd: repo.dir, env: { DATABASE_URL: `postgres://rec:${secret}@127.0.0.1:${port}/prod` } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^error: .*unreachable at 127\\.0\\.0\\.1:${port}`));
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it('a DATABASE_URL naming a socket folder in its query: the folder is named, as it is what pg connects to', () => {
    const secret = 'Very-Secret-pw-42';
    const folder = join(repo.dir, 'no-such-socket-folder');
    for (const url of [
      `postgres://rec:${secret}@/prod?host=${folder}`,
      `postgres://rec:${secret}@localhost:6000/prod?host=${folder}&port=7000`,
    ]) {
      const r = run(['measure', 'list'], { cwd: repo.dir, env: { DATABASE_URL: url } });
      expect(r.code).toBe(3);
      const port = url.includes('port=') ? '7000' : '5432';
      expect(r.stderr).toBe(`error: database unreachable at ${folder}:${port} (ENOENT)\n`);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it('a malformed DATABASE_URL: exit 3, one line naming DATABASE_URL, never the password', () => {
    const secret = 'Very-Secret-pw-42';
    const urls = [`postgres://rec:${secret}@:port/prod`, `postgres://rec:${secret}@db:99999/prod`, 'not a url'];
    const message = /^DATABASE_URL is not a valid postgres:\/\/ or postgresql:\/\/ URL .*; correct it, or unset it/;
    // The three commands refuse a URL in one place (LedgerCommand.databaseTarget, by
    // urlProblem) before they open anything: every URL is judged by it here, and each command
    // is spawned with one of them, so each command and each URL meet the process boundary once.
    for (const url of urls) {
      const problem = urlProblem('DATABASE_URL', url, true);
      expect(problem).toMatch(message);
      expect(problem).not.toContain(secret);
    }
    const commands = [
      ['measure', 'record', '--type', LEASE, '--elapsed-ms', '1'],
      ['db', 'migrate'],
      ['measure', 'list'],
    ];
    for (const [i, args] of commands.entries()) {
      const r = run(args, { cwd: repo.dir, env: { DATABASE_URL: urls[i] } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /^error: DATABASE_URL is not a valid postgres:\/\/ or postgresql:\/\/ URL .*; correct it, or unset it/,
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it('gate check --record stores one run with every result; plain gate check writes nothing', async () => {
    // DARK's channel had a row before its window: recorded as `measure record --type
    // measurement.comparator.run --elapsed-ms 900 --at 2026-05-10T08:00:00Z` does, in-process.
    expect(await recordIn(repo.dir, 'measurement.comparator.run', 900, '2026-05-10T08:00:00Z')).toMatchObject({
      status: 'recorded',
    });
    const r = run(['gate', 'check', '--as-of', AS_OF, '--json', '--record', '--phase', 'implementation'], {
      cwd: repo.dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^recorded gate run 1 \(3 results\) in pglite:\.rfcgate\/pgdata\n$/);
    const report = JSON.parse(r.stdout);
    const byId = Object.fromEntries(report.results.map((x: { id: string }) => [x.id, x]));
    expect(byId.LATENCY).toMatchObject({ verdict: 'pass' });
    // Went dark vs never started, end to end.
    expect(byId.DARK).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(byId.DARK.reason).toMatch(
      /went dark: no rows in the 7d window; the channel's last row was at 2026-05-10T08:00:00\.000Z/,
    );
    expect(byId.NEVER).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(byId.NEVER.reason).toMatch(/never started: no rows ever/);

    const [runs, results] = await queryAll(repo.dir, [
      'SELECT rfc, as_of, ref, sha, phase, verdict, results, recorded_by FROM rfcgate.gate_runs',
      'SELECT gate_id, verdict, halt_reason, reason FROM rfcgate.gate_results ORDER BY gate_id',
    ]);
    expect(runs).toEqual([
      {
        rfc: 'demo',
        as_of: new Date(AS_OF),
        ref: 'HEAD',
        sha: repo.head(),
        phase: 'implementation',
        verdict: 'halt',
        results: 3,
        recorded_by: 'cli-test',
      },
    ]);
    expect(results.map((x) => [x.gate_id, x.verdict, x.halt_reason])).toEqual([
      ['DARK', 'halt', 'missing'],
      ['LATENCY', 'pass', null],
      ['NEVER', 'halt', 'missing'],
    ]);
    expect(results[0]?.reason).toBe(byId.DARK.reason);

    const plain = run(['gate', 'check', '--as-of', AS_OF, '--json', '--phase', 'implementation'], { cwd: repo.dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toBe(r.stdout);
    expect(await query(repo.dir, 'SELECT count(*)::int AS n FROM rfcgate.gate_runs')).toEqual([{ n: 1 }]);
  });

  it('gate history reads the recorded runs back: newest first, one gate across them, one run', async () => {
    // The run above, then one narrowed to LATENCY, which leaves DARK out.
    const second = run(['gate', 'check', '--as-of', '2026-06-02T00:00:00Z', '--only', 'LATENCY', '--record'], {
      cwd: repo.dir,
    });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('recorded gate run 2 (1 result) in pglite:.rfcgate/pgdata\n');
    const sha = repo.head().slice(0, 7);

    const text = run(['gate', 'history'], { cwd: repo.dir });
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^run +recorded_at +as_of +ref +sha +phase +only +verdict +pass +fail +halt$/);
    expect(lines[1]).toMatch(
      new RegExp(`^2 +\\S+Z +2026-06-02T00:00:00\\.000Z +HEAD +${sha} +- +LATENCY +pass +1 +0 +0$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^1 +\\S+Z +2026-06-01T00:00:00\\.000Z +HEAD +${sha} +implementation +- +halt +1 +0 +2$`),
    );
    expect(lines.slice(3)).toEqual(['2 runs of demo from pglite:.rfcgate/pgdata', '']);

    const json = run(['gate', 'history', '--json'], { cwd: repo.dir });
    expect(json.code).toBe(0);
    expect(
      JSON.parse(json.stdout).map((r: Record<string, unknown>) => [r.id, r.as_of, r.phase, r.only, r.verdict, r.gates]),
    ).toEqual([
      ['2', '2026-06-02T00:00:00.000Z', null, ['LATENCY'], 'pass', { pass: 1, fail: 0, halt: 0 }],
      ['1', '2026-06-01T00:00:00.000Z', 'implementation', null, 'halt', { pass: 1, fail: 0, halt: 2 }],
    ]);

    // A third run in which DARK still halts, now because its query failed: as --record stores it.
    const writer = new PgliteWriter({ dataDir: join(repo.dir, '.rfcgate', 'pgdata') });
    try {
      const dark: GateResult = {
        id: 'DARK',
        kind: 'disconfirmer',
        title: 'comparator runs',
        section: '§8',
        verdict: 'halt',
        halt_reason: 'error',
        reason: 'comparator_runs_7d: canceling statement due to statement timeout',
        evidence: {},
        location: { file: 'gates/demo/disconfirmers.yaml', line: 9, col: 5 },
      };
      const third = { rfc: 'demo', as_of: '2026-06-03T00:00:00.000Z', ref: 'HEAD', verdict: 'halt' as const };
      await recordGateRun(writer, { ...third, results: [dark] }, { only: ['DARK'] });
    } finally {
      await writer.close();
    }
    const gate = run(['gate', 'history', '--gate', 'DARK'], { cwd: repo.dir });
    expect(gate.code).toBe(0);
    const [header, newest, oldest] = gate.stdout.split('\n');
    expect(header).toMatch(/^run +recorded_at +as_of +ref +sha +verdict +halt_reason +channel +change +reason$/);
    expect(newest).toMatch(
      /^3 .* halt +error +- +halt \(missing, went_dark\) -> halt \(error\) +comparator_runs_7d: canceling statement/,
    );
    expect(oldest).toMatch(/^1 .* halt +missing +went_dark +first +comparator_runs_7d: went dark: /);
    expect(gate.stdout).toMatch(
      /\ngate DARK is halt \(error\) since run 3 \(recorded \S+Z, as of 2026-06-03T00:00:00\.000Z\); it was halt \(missing, went_dark\) before\n$/,
    );
    const gateJson = run(['gate', 'history', '--gate', 'DARK', '--json'], { cwd: repo.dir });
    expect(gateJson.code).toBe(0);
    expect(
      JSON.parse(gateJson.stdout).map((e: Record<string, unknown>) => [
        e.run_id,
        e.verdict,
        e.halt_reason,
        e.previous_verdict,
        e.previous_halt_reason,
        e.channel,
        e.previous_channel,
        e.changed,
      ]),
    ).toEqual([
      ['3', 'halt', 'error', 'halt', 'missing', null, 'went_dark', true],
      ['1', 'halt', 'missing', null, null, 'went_dark', null, false],
    ]);

    // Cut at --limit: the count line says more runs exist, and how to see them.
    const cut = run(['gate', 'history', '--limit', '2'], { cwd: repo.dir });
    expect([cut.code, cut.stderr]).toEqual([0, '']);
    expect(cut.stdout.split('\n').map((l) => l.split(/ +/)[0])).toEqual(['run', '3', '2', expect.any(String), '']);
    expect(cut.stdout).toMatch(/\n2 runs of demo from pglite:\.rfcgate\/pgdata; more exist: --limit 10 shows more\n$/);

    const one = run(['gate', 'history', '--run', '1'], { cwd: repo.dir });
    expect(one.code).toBe(0);
    const results = one.stdout.split('\n\n')[1]?.split('\n');
    expect(results?.map((l) => l.split(/ +/).slice(0, 3).join(' '))).toEqual([
      'gate kind verdict',
      'LATENCY disconfirmer pass',
      'DARK disconfirmer halt',
      'NEVER disconfirmer halt',
      '',
    ]);

    const unknown = run(['gate', 'history', '--run', '99'], { cwd: repo.dir });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe(
      'error: there is no gate run 99 in pglite:.rfcgate/pgdata; `gate history` lists the recorded runs\n',
    );
    expect(unknown.stdout).toBe('');
  });

  it('gate history --gate marks a channel that never started and then went dark', async () => {
    // NEVER's replay runs: none when run 1 recorded; one now, before the window of a later run.
    expect(await recordIn(repo.dir, 'measurement.replay.run', 60, '2026-06-01T12:00:00Z')).toMatchObject({
      status: 'recorded',
    });
    const later = run(['gate', 'check', '--as-of', '2026-06-10T00:00:00Z', '--only', 'NEVER', '--record'], {
      cwd: repo.dir,
    });
    expect(later.code).toBe(2);
    expect(later.stderr).toMatch(/^recorded gate run 4 /);
    const gate = run(['gate', 'history', '--gate', 'NEVER'], { cwd: repo.dir });
    expect(gate.code).toBe(0);
    const [header, newest, oldest] = gate.stdout.split('\n');
    expect(header).toMatch(/^run +recorded_at +as_of +ref +sha +verdict +halt_reason +channel +change +reason$/);
    expect(newest).toMatch(
      /^4 .* halt +missing +went_dark +halt \(missing, never_started\) -> halt \(missing, went_dark\) +replay_runs_7d: went dark: /,
    );
    expect(oldest).toMatch(/^1 .* halt +missing +never_started +first +replay_runs_7d: never started: /);
    expect(gate.stdout).toMatch(
      /\ngate NEVER is halt \(missing, went_dark\) since run 4 \(recorded \S+Z, as of 2026-06-10T00:00:00\.000Z\); it was halt \(missing, never_started\) before\n$/,
    );
    const json = run(['gate', 'history', '--gate', 'NEVER', '--json'], { cwd: repo.dir });
    expect(
      JSON.parse(json.stdout).map((e: Record<string, unknown>) => [
        e.run_id,
        e.halt_reason,
        e.channel,
        e.previous_halt_reason,
        e.previous_channel,
        e.changed,
      ]),
    ).toEqual([
      ['4', 'missing', 'went_dark', 'missing', 'never_started', true],
      ['1', 'missing', 'never_started', null, null, false],
    ]);
  });
});

describe('--help', () => {
  it.each([
    ['db', 'migrate'],
    ['measure', 'record'],
    ['measure', 'list'],
    ['gate', 'history'],
  ])('%s %s documents its exit codes', (...cmd) => {
    const r = help(...cmd);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/EXIT CODES\n\s+0 {2}done/);
    expect(r.stdout).toMatch(/3 {2}the invocation is invalid, or the database cannot be used/);
    expect(r.stdout).not.toMatch(/at least one gate failed/);
  });

  it('measure list --help promises nothing about recording: it only reads', () => {
    const r = help('measure', 'list');
    expect(r.stdout).toMatch(/0 {2}done \(also when no row matches\)/);
    expect(r.stdout).not.toMatch(/was already recorded|reused for other content|nothing was written/);
  });

  it('db migrate --help promises nothing about recording a measurement: it records none', () => {
    const r = help('db', 'migrate');
    expect(r.stdout).toMatch(/0 {2}done \(also when everything was already present/);
    expect(r.stdout).not.toMatch(/measurement was already recorded|idempotency key reused|not migrated/);
  });

  it('gate check --help documents --record', () => {
    const r = help('gate', 'check');
    expect(r.stdout).toMatch(/--record/);
  });
});

describe.each(testBackends())('measure record after the months db migrate made, on $name', (backend) => {
  const db = useTestDatabase(backend);

  it("creates this month's partition and records, as an hourly job needs", async () => {
    const later = createRepo();
    writeRfc(later.dir, spec);
    const env: NodeJS.ProcessEnv = backend.name === 'postgres' ? { DATABASE_URL: db.url() } : {};
    // The months' partitions are the subject, not the database's creation nor how `db migrate`
    // reports (the suite above has those): the months it makes for --from 2026-01 --to 2026-02.
    const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') };
    const migrated =
      backend.name === 'pglite'
        ? await migrateEmbedded(seedEmbeddedDb(later.dir), { range })
        : await migrate(db.writer(), migrationPlan(range));
    expect(migrated).toMatchObject({ refused: 0, blocked: 0 });
    const now = new Date();
    const month = `y${now.getUTCFullYear()}m${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const r = run(['measure', 'record', '--type', LEASE, '--elapsed-ms', '3', '--json'], { cwd: later.dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'recorded', type: LEASE });
    const sql = `SELECT tableoid::regclass::text AS part, obj_description(tableoid, 'pg_class') AS comment
                 FROM audit.coordination_measurements`;
    const rows = backend.name === 'postgres' ? await db.exec(sql) : await query(later.dir, sql);
    expect(rows).toEqual([{ part: `audit.coordination_measurements_${month}`, comment: 'rfcgate:managed v1' }]);
  });
});

describe.each(testBackends())('measure record --at to the millisecond, on $name', (backend) => {
  const db = useTestDatabase(backend);

  it('records a fraction of a millisecond written with trailing zeros, and refuses a finer one rather than cut it', async () => {
    const dir = createRepo().dir;
    writeRfc(dir, spec);
    const env: NodeJS.ProcessEnv = backend.name === 'postgres' ? { DATABASE_URL: db.url() } : {};
    // The ledger `db migrate --from 2026-01 --to 2026-01` makes; how it reports is the suite's above.
    const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') };
    const migrated =
      backend.name === 'pglite'
        ? await migrateEmbedded(seedEmbeddedDb(dir), { range })
        : await migrate(db.writer(), migrationPlan(range));
    expect(migrated).toMatchObject({ refused: 0, blocked: 0 });
    const record = (at: string) =>
      run(['measure', 'record', '--type', LEASE, '--elapsed-ms', '3', '--at', at, '--json'], { cwd: dir, env });
    for (const at of [
      '2026-01-02T03:04:05.123456Z',
      '2026-01-02T04:04:05.123456789+01:00',
      '2026-01-02T03:04:05.1230001Z',
    ]) {
      const r = record(at);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `error: --at '${at}' is finer than a millisecond, and measurements are recorded to the millisecond; give at most 3 digits after the seconds, such as ${at.replace(/(\.\d{3})\d+/, '$1')}\n`,
      );
    }
    const ok = record('2026-01-02T03:04:05.123000000Z');
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'recorded', recorded_at: '2026-01-02T03:04:05.123Z' });
    const list = run(['measure', 'list', '--json'], { cwd: dir, env });
    expect(JSON.parse(list.stdout).map((r: { recorded_at: string }) => r.recorded_at)).toEqual([
      '2026-01-02T03:04:05.123Z',
    ]);
  });
});

describe.each(testBackends())('gate check --record on a ledger created by an earlier version, on $name', (backend) => {
  const db = useTestDatabase(backend);

  it('exits 3 naming db migrate and writes nothing; after db migrate it records --snapshot-at', async () => {
    const old = createRepo();
    writeRfc(old.dir, spec);
    old.git(['add', '-A']);
    old.commit({ message: 'gates: add demo RFC', date: '2026-04-02T00:00:00Z' });
    const env: NodeJS.ProcessEnv = backend.name === 'postgres' ? { DATABASE_URL: db.url() } : {};
    // That version's ledger: the same plan without the columns added since.
    const oldPlan = planBefore(
      migrationPlan({ from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-06-01T00:00:00Z') }),
      'rfcgate.gate_runs.snapshot_at',
    );
    let embedded: PGlite | undefined;
    if (backend.name === 'pglite') embedded = await newPglite(seedEmbeddedDb(old.dir));
    const writer = embedded ? new PgliteWriter({ db: embedded }) : new PgWriter(db.url());
    try {
      await migrate(writer, oldPlan);
    } finally {
      await writer.close();
      await embedded?.close();
    }
    const runs = async (sql: string) => (backend.name === 'postgres' ? db.exec(sql) : query(old.dir, sql));
    const where = backend.name === 'postgres' ? '127\\.0\\.0\\.1:\\d+/rfcgate_t_\\w+' : 'pglite:\\.rfcgate/pgdata';

    const args = ['gate', 'check', '--as-of', AS_OF, '--snapshot-at', AS_OF, '--json', '--record'];
    const refused = run(args, { cwd: old.dir, env });
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).snapshot_at).toBe('2026-06-01T00:00:00.000Z');
    expect(refused.stderr).toMatch(
      new RegExp(
        `^error: the gate run was not recorded: the ledger in ${where} was created by an earlier version of rfcgate: columns rfcgate\\.gate_runs\\.snapshot_at, rfcgate\\.gate_runs\\.run_key and index rfcgate\\.gate_runs_rfc_run_key do not exist; run \`rfcgate db migrate\` to add them; nothing was written\n$`,
      ),
    );
    expect(await runs('SELECT count(*)::int AS n FROM rfcgate.gate_runs')).toEqual([{ n: 0 }]);

    const migrated = run(['db', 'migrate', '--from', '2026-04', '--to', '2026-06'], { cwd: old.dir, env });
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/^created {2}column rfcgate\.gate_runs\.snapshot_at \(/m);
    expect(migrated.stdout).toMatch(/^created {2}column rfcgate\.gate_runs\.run_key \(/m);
    expect(migrated.stdout).toMatch(/^created {2}unique index rfcgate\.gate_runs_rfc_run_key on rfcgate\.gate_runs /m);
    expect(migrated.stdout).toMatch(/: 3 created, 11 already present\n$/);

    const recorded = run(args, { cwd: old.dir, env });
    expect(recorded.code).toBe(2);
    expect(recorded.stderr).toMatch(
      new RegExp(
        `^recorded gate run 1 \\(3 results, database a snapshot of 2026-06-01T00:00:00\\.000Z\\) in ${where}\n$`,
      ),
    );
    const live = run(['gate', 'check', '--as-of', AS_OF, '--json', '--record'], { cwd: old.dir, env });
    expect(live.stderr).toMatch(new RegExp(`^recorded gate run 2 \\(3 results\\) in ${where}\n$`));
    expect(await runs('SELECT id::int AS id, as_of, snapshot_at FROM rfcgate.gate_runs ORDER BY id')).toEqual([
      { id: 1, as_of: new Date(AS_OF), snapshot_at: new Date(AS_OF) },
      { id: 2, as_of: new Date(AS_OF), snapshot_at: null },
    ]);
  });
});

/** A team's own measurement table whose elapsed_ms is numeric, with a value no double holds. */
const TEAM_TABLE = `CREATE SCHEMA audit;
  CREATE TABLE audit.coordination_measurements (id bigint, recorded_at timestamptz, measurement_type text,
    elapsed_ms numeric, agent_id text, payload jsonb);
  INSERT INTO audit.coordination_measurements VALUES
    (1, '2026-05-20T12:00:00Z', '${LEASE}', 12345678901234567890.5, 'a', '{}'),
    (2, '2026-05-20T12:00:01Z', '${LEASE}', 41.5, 'b', '{}');`;

describe.each(testBackends())("measure list of a team's numeric elapsed_ms on $name", (backend) => {
  const db = useTestDatabase(backend);

  it('shows 12345678901234567890.5 as it is, in the table and in --json', async () => {
    const team = createRepo();
    writeRfc(team.dir, spec);
    let env: NodeJS.ProcessEnv = {};
    if (backend.name === 'postgres') {
      await db.exec(TEAM_TABLE);
      env = { DATABASE_URL: db.url() };
    } else {
      const embedded = await newPglite(seedEmbeddedDb(team.dir));
      try {
        await embedded.exec(TEAM_TABLE);
      } finally {
        await embedded.close();
      }
    }
    const json = run(['measure', 'list', '--json'], { cwd: team.dir, env });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).map((r: { elapsed_ms: unknown }) => r.elapsed_ms)).toEqual([
      41.5,
      '12345678901234567890.5',
    ]);
    const text = run(['measure', 'list'], { cwd: team.dir, env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^2026-05-20T12:00:00\.000Z +measurement\.lease_plane\.request +12345678901234567890\.5 +a /m,
    );
    expect(text.stdout).toMatch(/ 41\.5 +b /);
  });
});

describe.each(testBackends().filter((b) => b.name === 'postgres'))(
  'the same commands on $name (DATABASE_URL)',
  (backend) => {
    const db = useTestDatabase(backend);

    it('migrate twice, record once per key, gate check --record, all through DATABASE_URL', async () => {
      const env = { DATABASE_URL: db.url() };
      const first = run(['db', 'migrate', '--from', '2026-04', '--to', '2026-06'], { cwd: repo.dir, env });
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^migrated 127\.0\.0\.1:\d+\/rfcgate_t_\w+: 14 created, 0 already present$/m);
      const second = run(['db', 'migrate', '--from', '2026-04', '--to', '2026-06'], { cwd: repo.dir, env });
      expect(second.stdout).toMatch(/^nothing to do on .*: 14 already present\n$/);

      const rec = [
        'measure',
        'record',
        '--type',
        LEASE,
        '--elapsed-ms',
        '7',
        '--at',
        '2026-05-31T00:00:00Z',
        '--idempotency-key',
        'pg-1',
      ];
      expect(run(rec, { cwd: repo.dir, env }).code).toBe(0);
      const again = run(rec, { cwd: repo.dir, env });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^already recorded: idempotency key 'pg-1'/);
      expect(await db.exec('SELECT count(*)::int AS n FROM audit.coordination_measurements')).toEqual([{ n: 1 }]);

      const check = run(['gate', 'check', '--as-of', AS_OF, '--only', 'LATENCY', '--json', '--record'], {
        cwd: repo.dir,
        env,
      });
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout).results[0].evidence.measurements.lease_p50_ms).toMatchObject({
        rows: 1,
        value: 7,
      });
      expect(await db.exec('SELECT verdict, results FROM rfcgate.gate_runs')).toEqual([
        { verdict: 'pass', results: 1 },
      ]);
    });

    it('sslmode=require against a server without SSL: exit 3, one line saying what to change, no pg warning', async (ctx) => {
      const [{ ssl }] = (await db.exec('SHOW ssl')) as [{ ssl: string }];
      if (ssl === 'on') ctx.skip();
      const url = new URL(db.url());
      url.searchParams.set('sslmode', 'require');
      for (const args of [
        ['measure', 'record', '--type', LEASE, '--elapsed-ms', '1'],
        ['db', 'migrate'],
        ['measure', 'list'],
      ]) {
        const r = run(args, { cwd: repo.dir, env: { DATABASE_URL: url.toString() } });
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(
          /^error: the server at 127\.0\.0\.1:\d+ does not accept SSL connections, and the database URL asks for SSL \(sslmode=require\): set sslmode=disable in the URL to connect without SSL, or enable SSL on the server(; nothing was written)?\n$/,
        );
      }
    });
  },
);

/**
 * A connection string that cannot be read is an invalid invocation (exit 3, one line naming
 * the variable, never its text), not a database that halts each measurement in turn; a
 * well-formed URL whose server is not there still halts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlMeasurementSource } from '../../../src/sources/sql/source.js';
import { UsageError } from '../../../src/spec/problems.js';
import { urlProblem } from '../../../src/sources/sql/url.js';
import { createRepo, type FixtureRepo, removeFixtures } from '../../helpers/git-fixture.js';
import { writeRfc } from '../../helpers/spec-fixture.js';
import { AS_OF, evalContext, LEASE_TABLE, sqlMeasurement, unusedPort } from './fixtures.js';
import { runCli as run } from '../../helpers/cli.js';

const SECRET = 'Very-Secret-pw-42';
const MALFORMED = [`postgres://u:${SECRET}@host:notaport/db`, 'not a url', `postgres://u:${SECRET}@db:99999/prod`];

describe('SqlMeasurementSource with a malformed connection string', () => {
  const source = (env: Record<string, string>) =>
    SqlMeasurementSource.forRepo({ repoDir: '/nonexistent', manifest: {}, env });

  it('refuses the invocation naming DATABASE_URL, for every measurement, even one that would halt unqueried', async () => {
    for (const url of MALFORMED) {
      const s = source({ DATABASE_URL: url });
      try {
        for (const m of [
          sqlMeasurement(LEASE_TABLE, { window: '14d' }),
          sqlMeasurement({ query: 'SELECT 1 AS value', current_state: true }),
        ]) {
          const err = await s.measure(m, evalContext()).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message).toMatch(
            /^DATABASE_URL is not a valid postgres:\/\/ or postgresql:\/\/ URL .*; correct it, or unset it to use the embedded database$/,
          );
          expect((err as Error).message).not.toContain(SECRET);
        }
      } finally {
        await s.close();
      }
    }
  });

  it('names the connection_env variable that holds it', async () => {
    const s = source({ AUDIT_DATABASE_URL: MALFORMED[0] as string });
    try {
      const m = sqlMeasurement({ ...LEASE_TABLE, connection_env: 'AUDIT_DATABASE_URL' }, { window: '14d' });
      await expect(s.measure(m, evalContext())).rejects.toThrow(
        /^AUDIT_DATABASE_URL is not a valid postgres:\/\/ or postgresql:\/\/ URL .*; correct it$/,
      );
    } finally {
      await s.close();
    }
  });

  it('refuses an sslmode pg does not know, which it would read as verify-full', async () => {
    for (const [mode, extra] of [
      ['requre', ''],
      ['allow', ' (allow is not offered'],
    ] as const) {
      const s = source({ DATABASE_URL: `postgres://u:${SECRET}@127.0.0.1:5432/db?sslmode=${mode}` });
      try {
        const err = await s.measure(sqlMeasurement(LEASE_TABLE, { window: '14d' }), evalContext()).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(UsageError);
        expect((err as Error).message).toContain(
          `DATABASE_URL sets sslmode=${mode}, which is not an sslmode: write one of disable, prefer, require, verify-ca, verify-full, no-verify${extra}`,
        );
        expect((err as Error).message).not.toContain(SECRET);
      } finally {
        await s.close();
      }
    }
    // Every mode pg reads is accepted: the measurement reaches the server (here none) and halts.
    const port = await unusedPort();
    for (const mode of ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']) {
      const s = source({ DATABASE_URL: `postgres://u:${SECRET}@127.0.0.1:${port}/db?sslmode=${mode}` });
      try {
        expect(await s.measure(sqlMeasurement(LEASE_TABLE, { window: '14d' }), evalContext())).toMatchObject({
          status: 'halt',
        });
      } finally {
        await s.close();
      }
    }
  });

  it('a well-formed URL to a server that is not there still halts the measurement', async () => {
    const port = await unusedPort();
    const s = source({ DATABASE_URL: `postgres://u:${SECRET}@127.0.0.1:${port}/db` });
    try {
      const o = await s.measure(sqlMeasurement(LEASE_TABLE, { window: '14d' }), evalContext());
      expect(o).toMatchObject({ status: 'halt', halt: 'missing' });
      expect(JSON.stringify(o)).not.toContain(SECRET);
    } finally {
      await s.close();
    }
  });
});

describe('gate check with a malformed DATABASE_URL', () => {
  let repo: FixtureRepo;
  beforeAll(() => {
    repo = createRepo();
    writeRfc(repo.dir, {
      measurements: [
        { id: 'p99', window: '14d', sql: LEASE_TABLE },
        {
          id: 'p50',
          window: '14d',
          sql: { ...LEASE_TABLE, value: 'percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms)' },
        },
        { id: 'readme', git: { query: 'path_exists', path: 'README.md' } },
      ],
      disconfirmers: [
        { id: 'SLOW', title: 'slow', section: '§1', phase: ['canary'], fires_if: 'p99 > 100.0 || p50 > 50.0' },
      ],
      invariants: [{ id: 'DOC', title: 'a readme', section: '§2', phase: ['implementation'], holds_if: 'readme' }],
    });
    repo.commit({ files: { 'README.md': '# x\n' }, message: 'init', date: '2026-04-01T00:00:00Z' });
    repo.git(['add', '-A']);
    repo.commit({ message: 'gates', date: '2026-04-02T00:00:00Z' });
  });
  afterAll(() => removeFixtures());

  const asOf = AS_OF.toISOString();

  it('exits 3 with one line naming DATABASE_URL when an evaluated gate reads SQL, never the password', () => {
    const cases: [string, string[]][] = [
      [MALFORMED[0] as string, []],
      [MALFORMED[1] as string, ['--json']],
      [MALFORMED[2] as string, ['--record', '--phase', 'canary']],
    ];
    for (const [url, extra] of cases) {
      const r = run(['gate', 'check', '--as-of', asOf, ...extra], repo.dir, { DATABASE_URL: url });
      expect(r.code, `${url} ${extra.join(' ')}`).toBe(3);
      expect(r.stderr).toMatch(/^error: DATABASE_URL is not a valid postgres:\/\/ or postgresql:\/\/ URL /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      if (extra[0] === '--json') {
        expect(JSON.parse(r.stdout)).toMatchObject({ error: { name: 'UsageError', exit: 3 } });
      } else {
        expect(r.stdout).toBe('');
      }
    }
  });

  it('refuses an unknown sslmode when recording, and in db migrate, naming it', () => {
    const url = `postgres://u:${SECRET}@127.0.0.1:5432/db?sslmode=requre`;
    const recorded = run(['gate', 'check', '--as-of', asOf, '--phase', 'implementation', '--record'], repo.dir, {
      DATABASE_URL: url,
    });
    expect(recorded.code).toBe(3);
    expect(recorded.stderr).toMatch(/^error: the gate run was not recorded: DATABASE_URL sets sslmode=requre, /);
    const migrate = run(['db', 'migrate'], repo.dir, { DATABASE_URL: url });
    expect(migrate.code).toBe(3);
    expect(migrate.stderr).toMatch(/^error: DATABASE_URL sets sslmode=requre, which is not an sslmode: /);
    expect(recorded.stdout + recorded.stderr + migrate.stdout + migrate.stderr).not.toContain(SECRET);
  });

  it('a ?port= that is no port: exit 3 naming it, from every command, where the reader ended without a word', () => {
    const message = (port: string) =>
      `DATABASE_URL sets port=${port}, which is not a port: write a number from 1 to 65535`;
    for (const port of ['abc', '70000', '0', '54 32']) {
      const problem = urlProblem(
        'DATABASE_URL',
        `postgres://u:${SECRET}@127.0.0.1:5432/db?port=${encodeURIComponent(port)}`,
        true,
      );
      expect(problem).toBe(message(port));
    }
    // An empty one is left out by pg, and a port in range is used.
    expect(urlProblem('DATABASE_URL', `postgres://u:${SECRET}@127.0.0.1/db?port=`, true)).toBeUndefined();
    expect(urlProblem('DATABASE_URL', `postgres://u:${SECRET}@127.0.0.1/db?port=6543`, true)).toBeUndefined();
    const commands: [string[], string][] = [
      [['gate', 'check', '--as-of', asOf, '--phase', 'canary'], 'abc'],
      [['gate', 'check', '--as-of', asOf, '--phase', 'implementation', '--record'], '70000'],
      [['measure', 'list'], 'abc'],
      [['gate', 'history'], '70000'],
      [['measure', 'record', '--type', 'measurement.lease_plane.request', '--elapsed-ms', '1'], 'abc'],
      [['db', 'migrate'], '70000'],
    ];
    for (const [args, port] of commands) {
      const r = run(args, repo.dir, { DATABASE_URL: `postgres://u:${SECRET}@127.0.0.1:5432/db?port=${port}` });
      expect(r.code, args.join(' ')).toBe(3);
      const recording = args.includes('--record') ? 'the gate run was not recorded: ' : '';
      expect(r.stderr, args.join(' ')).toBe(`error: ${recording}${message(port)}\n`);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });

  it('a password holding / or ? written as it is: exit 3, where its tail was printed as the database', () => {
    // The authority ends at the first / or ?: host `127.0.0.9`, the rest of the password read as
    // the database name (or a parameter), which halts and evidence quoted whole.
    const tail = 'pw-Tail';
    const urls = [
      `postgres://u:Sekret@127.0.0.9/${tail}@real-host:5432/db`,
      `postgres://u:Sekret@127.0.0.9?${tail}@real-host:5432/db`,
      `postgres://u:Sekret@127.0.0.9#${tail}@real-host:5432/db`,
    ];
    for (const url of urls) {
      expect(urlProblem('DATABASE_URL', url, true), url).toMatch(
        /^DATABASE_URL has an @ after its host, .*percent-encode them in the password/,
      );
      const r = run(['gate', 'check', '--as-of', asOf, '--phase', 'canary', '--json'], repo.dir, {
        DATABASE_URL: url,
      });
      expect(r.code, url).toBe(3);
      expect(r.stdout + r.stderr).not.toContain(tail);
      expect(r.stdout + r.stderr).not.toContain('real-host');
    }
    // An @ in a parameter's value (an application name, a user at a server) is no such mistake.
    expect(urlProblem('DATABASE_URL', 'postgres://u:pw@127.0.0.1/db?application_name=me@ci', true)).toBeUndefined();
    expect(urlProblem('DATABASE_URL', 'postgres://u%40srv:p%2Fw@127.0.0.1/db', true)).toBeUndefined();
  });

  it('evaluates gates that read no SQL as usual; recording them is what it refuses', () => {
    const url = MALFORMED[0] as string;
    const plain = run(['gate', 'check', '--as-of', asOf, '--phase', 'implementation'], repo.dir, {
      DATABASE_URL: url,
    });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('');
    const recorded = run(['gate', 'check', '--as-of', asOf, '--phase', 'implementation', '--record'], repo.dir, {
      DATABASE_URL: url,
    });
    expect(recorded.code).toBe(3);
    expect(recorded.stdout).toMatch(/PASS/);
    expect(recorded.stderr).toMatch(
      /^error: the gate run was not recorded: DATABASE_URL is not a valid postgres:\/\/ or postgresql:\/\/ URL [^\n]*\n$/,
    );
    expect(recorded.stdout + recorded.stderr).not.toContain(SECRET);
  });
});

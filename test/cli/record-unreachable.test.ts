/**
 * `gate check --record` and `comparator run --record` against a ledger whose database cannot be
 * reached: the run is not recorded, and that halts (exit 2, or the run's own worse outcome) as
 * the same database halts a measurement, with the report printed whole and nothing written. A
 * database that is reached but cannot take the run is the user's to fix: exit 3.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
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

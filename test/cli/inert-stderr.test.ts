/**
 * What rfcgate says on standard error quotes text it did not write: a spec's YAML, a document
 * in the repository, an idempotency key. A GitHub Actions runner reads workflow commands there
 * as on standard output, so none of it may raise an annotation, mask the log or stop commands.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inertPieces } from '../../src/cli/inert-stderr.js';
import { BIN, runCli } from '../helpers/cli.js';
import { defaultMigrationRange, migrate, migrationPlan } from '../../src/ledger/schema.js';
import { migrateEmbedded, seedEmbeddedDb, testBackends, useTestDatabase } from '../helpers/db.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { expectNoCommand } from '../helpers/planted.js';
import { citeFixture, RFC } from '../cite/fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';

afterAll(() => removeFixtures());

/** A line break, then a command where the runner reads one, and the legacy form inside the line. */
const PLANTED = 'a\n::error::x ##[warning]y';
/** PLANTED as standard error shows it: the line break kept, one character of each command written out. */
const SHOWN = 'a\n\\x3a:error::x ##\\x5bwarning]y';

describe('inertPieces', () => {
  const whole = (pieces: string[]) => {
    const inert = inertPieces();
    return pieces.map(inert).join('');
  };

  it('returns text holding no command as it is, piece by piece', () => {
    const text = 'error: a: b\n  x::y ## [z]\n\r\u001b[2Kreading telemetry… 50%';
    expect(whole([text])).toBe(text);
    expect(whole([...text])).toBe(text);
  });

  it('reads each piece after what came before it on its line', () => {
    expect(whole(['error: ', '::x'])).toBe('error: ::x');
    expect(whole(['error\n  ', '::x::y'])).toBe('error\n  \\x3a:x::y');
    expect(whole(['done\r', '::x::y'])).toBe('done\r\\x3a:x::y');
    expect(whole(['##', '[x]'])).toBe('##\\x5bx]');
    expect(whole(['#', '#', '[x]'])).toBe('##\\x5bx]');
  });

  it('writes out the second `:` when the first went out alone at the start of a line', () => {
    const out = whole(['ok\n :', ':error::x\n']);
    expect(out).toBe('ok\n :\\x3aerror::x\n');
    expectNoCommand(out);
  });
});

const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  runCli(args, cwd, { RFCGATE_RECORDED_BY: 'cli-test', ...env }, { timeoutMs: 60_000 });

describe('standard error, as a CI log reads it', () => {
  it('a spec error quoting a YAML key', () => {
    const repo = createRepo();
    writeRfc(repo.dir, {
      measurements: [{ id: 'rows', window: '1d', sql: { table: 't', timestamp: 'ts', value: 'count(*)' } }],
      raw: {
        'disconfirmers.yaml': `${modeline('disconfirmers.yaml')}- id: D\n  title: too many\n  section: §1\n  phase: [implementation]\n  fires_if: 'rows > 1'\n  ${JSON.stringify(PLANTED)}: 1\n`,
      },
    });
    const r = run(['gate', 'check'], repo.dir);
    expect(r.code).toBe(3);
    expectNoCommand(r.stderr);
    expect(r.stderr).toBe(
      `gates/demo/disconfirmers.yaml:7:3: 'D': unknown key '${SHOWN}'; remove it or check its spelling\n1 problem; fix the spec and run again\n`,
    );
  });

  it('the github report asked for on /dev/stderr keeps its commands: it is written to the file, not through the stream', () => {
    const repo = createRepo();
    writeRfc(repo.dir, {
      measurements: [{ id: 'rows', window: '1d', sql: { table: 't', timestamp: 'ts', value: 'count(*)' } }],
      disconfirmers: [{ id: 'D', title: 'too many', section: '§1', phase: ['implementation'], fires_if: 'rows > 1' }],
    });
    // Standard error a file, as a CI step's log is read from one (a pipe of the test has no /dev/stderr to open).
    const log = join(repo.dir, 'stderr.log');
    const fd = openSync(log, 'w');
    const { DATABASE_URL: _d, CI: _ci, ...inherited } = process.env;
    try {
      const r = spawnSync(process.execPath, [BIN, 'gate', 'check', '--format', 'github=/dev/stderr'], {
        cwd: repo.dir,
        env: { ...inherited, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', fd],
      });
      expect(r.status).toBe(2);
    } finally {
      closeSync(fd);
    }
    const stderr = readFileSync(log, 'utf8');
    expect(stderr).toMatch(
      /^::warning file=gates\/demo\/disconfirmers\.yaml,line=2,col=3,title=D halt \(missing\)::rows: /,
    );
    expect(stderr).toMatch(/^::notice title=rfcgate demo::demo as of .*: HALT/m);
  });

  it("cite verify --fix: the diff of the repository's document, on standard error beside --json", () => {
    const fx = citeFixture();
    // The line before a drifted citation: the diff quotes it as context, past one space.
    const doc = RFC.replace('\nThe lock helper', `\n${PLANTED}\nThe lock helper`);
    writeFileSync(join(fx.repo.dir, 'rfcs/demo.md'), doc);
    const r = run(['cite', 'verify', 'rfcs/demo.md', '--fix', '--json'], fx.repo.dir);
    expect(JSON.parse(r.stdout)).toMatchObject({ counts: { DRIFT: 2 } });
    expectNoCommand(r.stderr);
    expect(r.stderr).toContain(`\n a\n \\x3a:error::x ##\\x5bwarning]y\n-The lock helper`);
    // With the table, the diff follows it on standard output, as inert.
    const table = run(['cite', 'verify', 'rfcs/demo.md', '--fix'], fx.repo.dir);
    expectNoCommand(table.stdout);
    expect(table.stdout).toContain(`\n a\n \\x3a:error::x ##\\x5bwarning]y\n-The lock helper`);
  });
});

describe.each(testBackends())('measure record, on $name', (backend) => {
  const db = useTestDatabase(backend);

  it('an idempotency key reused for another measurement, quoted in the refusal', async () => {
    const repo = createRepo();
    writeRfc(repo.dir, {});
    const env: NodeJS.ProcessEnv = backend.name === 'postgres' ? { DATABASE_URL: db.url() } : {};
    // The ledger `db migrate` makes; how that command reports is ledger.test.ts's.
    const migrated =
      backend.name === 'pglite'
        ? await migrateEmbedded(seedEmbeddedDb(repo.dir))
        : await migrate(db.writer(), migrationPlan(defaultMigrationRange()));
    expect(migrated).toMatchObject({ refused: 0, blocked: 0 });
    const args = ['measure', 'record', '--type', 'measurement.cli.inert', '--idempotency-key', PLANTED];
    expect(run([...args, '--value', '1'], repo.dir, env).code).toBe(0);
    const r = run([...args, '--value', '2'], repo.dir, env);
    expect(r.code).toBe(3);
    expectNoCommand(r.stderr);
    expect(r.stderr).toMatch(/^error: idempotency key 'a\n\\x3a:error::x ##\\x5bwarning\]y' was already used for a/);
  });
});

/**
 * `db migrate` stopped while it creates the embedded database (a CI job cancelled, Ctrl-C, an
 * out-of-memory kill) leaves no half-made data directory behind: the next `db migrate`
 * creates it, where a folder of initdb's first files was refused by every command as "not a
 * PostgreSQL data directory" until someone deleted it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';

afterAll(() => removeFixtures());

/** The files written so far under `.rfcgate/`, in the data directory or beside it (the lock file aside). */
function written(dir: string): number {
  const top = join(dir, '.rfcgate');
  if (!existsSync(top)) return 0;
  return readdirSync(top)
    .filter((name) => !name.endsWith('.lock'))
    .reduce((n, name) => {
      const folder = join(top, name);
      return n + (existsSync(folder) ? readdirSync(folder).length : 0);
    }, 0);
}

/** Starts `db migrate`, and kills it (SIGKILL: no code of its runs) as soon as initdb has written a file. */
async function migrateKilledWhileCreating(dir: string): Promise<void> {
  const { DATABASE_URL: _d, ...env } = process.env;
  const child = spawn(process.execPath, [BIN, 'db', 'migrate'], { cwd: dir, env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (written(dir) === 0) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('db migrate wrote no file of the data directory before it ended');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill('SIGKILL');
  await exited;
}

describe('db migrate killed while it creates the embedded database', () => {
  it('leaves nothing that stops the next db migrate, which creates the database whole', async () => {
    const repo = createRepo();
    writeRfc(repo.dir, { measurements: [], disconfirmers: [] });
    await migrateKilledWhileCreating(repo.dir);
    // What the killed run left is no database to any command: it was never put in place.
    const list = runCli(['measure', 'list'], repo.dir);
    expect(list.stderr).toBe(
      'error: the embedded database .rfcgate/pgdata does not exist; run `rfcgate db migrate` to create it (or set DATABASE_URL)\n',
    );
    expect(list.code).toBe(3);

    const again = runCli(['db', 'migrate', '--from', '2026-04', '--to', '2026-06'], repo.dir);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^migrated pglite:\.rfcgate\/pgdata: 14 created, 0 already present$/m);
    // The killed run's folder went when the database was made; only the database (and its lock's place) remain.
    expect(readdirSync(join(repo.dir, '.rfcgate')).filter((n) => !n.endsWith('.lock'))).toEqual(['pgdata']);
    const after = runCli(['measure', 'list'], repo.dir);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe('no rows in audit.coordination_measurements (pglite:.rfcgate/pgdata)\n');
  });
});

/**
 * `db migrate` whose embedded directory cannot be made where rfc.yaml puts it (a file stands
 * where a folder of its path should be) exits 3 with one line saying what to change, as any
 * other database it cannot use: not Node's own error and a pointer to --debug.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { OPERATOR, writeRfc } from '../helpers/spec-fixture.js';

afterAll(() => removeFixtures());

describe('db migrate with database.embedded_dir under a file', () => {
  it('exits 3 in one line naming the folder and the fix, with --json the error object', () => {
    const repo = createRepo();
    writeRfc(repo.dir, {
      manifest: {
        id: 'demo',
        title: 'Demo RFC',
        version: 'v1',
        mainline: 'main',
        operators: [OPERATOR],
        database: { embedded_dir: 'state/pgdata' },
      },
      measurements: [],
      disconfirmers: [],
    });
    writeFileSync(join(repo.dir, 'state'), 'a file, not a folder\n');
    const message = `cannot create the embedded database state/pgdata: its folder state cannot be made (EEXIST: file already exists, mkdir '${join(repo.dir, 'state')}'); set database.embedded_dir in rfc.yaml to a path under a folder you may write, or set DATABASE_URL`;
    const r = runCli(['db', 'migrate'], repo.dir);
    expect(r.stderr).toBe(`error: ${message}\n`);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const json = runCli(['db', 'migrate', '--json'], repo.dir);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ error: { name: 'LedgerError', message, exit: 3 } });
  });
});

/**
 * `measure list --type` filters the rows the table holds, whoever wrote them: an application's
 * type that measure record would not spell so (`measurement.leasePlane.request`, which the
 * CHECK of the table db migrate creates allows), or any text in a team's own table, is found.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { newPglite } from '../../src/sources/sql/pglite-load.js';
import { runCli } from '../helpers/cli.js';
import { migrateEmbedded, seedEmbeddedDb, testBackends, useTestDatabase } from '../helpers/db.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';
import { migrate, migrationPlan } from '../../src/ledger/schema.js';

afterAll(() => removeFixtures());

const RANGE = { from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-06-30T00:00:00Z') };

/** Rows an application wrote into the table db migrate created, beside one of the spelling rfcgate records. */
const APP_ROWS = `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, elapsed_ms) VALUES
  ('measurement.leasePlane.request', '2026-05-20T12:00:00Z', 3),
  ('measurement.lease-plane.request', '2026-05-20T12:00:01Z', 4),
  ('measurement.lease_plane.request', '2026-05-20T12:00:02Z', 5);`;

describe.each(testBackends())('measure list --type on $name', (backend) => {
  const db = useTestDatabase(backend);

  it('lists the rows of a type the table holds, as written, whatever measure record would accept', async () => {
    const repo = createRepo();
    writeRfc(repo.dir, { measurements: [], disconfirmers: [] });
    let env: NodeJS.ProcessEnv = { RFCGATE_RECORDED_BY: 'cli-test' };
    if (backend.name === 'postgres') {
      await migrate(db.writer(), migrationPlan(RANGE));
      await db.exec(APP_ROWS);
      env = { ...env, DATABASE_URL: db.url() };
    } else {
      const dir = seedEmbeddedDb(repo.dir);
      await migrateEmbedded(dir, { range: RANGE });
      const embedded = await newPglite(dir);
      try {
        await embedded.exec(APP_ROWS);
      } finally {
        await embedded.close();
      }
    }
    const list = (type: string) => runCli(['measure', 'list', '--type', type, '--json'], repo.dir, env);
    for (const [type, elapsed] of [
      ['measurement.leasePlane.request', 3],
      ['measurement.lease-plane.request', 4],
      ['measurement.lease_plane.request', 5],
    ] as const) {
      const r = list(type);
      expect(r.stderr, type).toBe('');
      expect(r.code, type).toBe(0);
      expect(
        JSON.parse(r.stdout).map((row: { measurement_type: string; elapsed_ms: number }) => [
          row.measurement_type,
          row.elapsed_ms,
        ]),
      ).toEqual([[type, elapsed]]);
    }
    // A type no row has is an empty list, not an invalid invocation.
    const none = runCli(['measure', 'list', '--type', 'lease_plane.request'], repo.dir, env);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^no rows of lease_plane\.request in audit\.coordination_measurements /);
    // A blank one names nothing to look for.
    const blank = runCli(['measure', 'list', '--type', ' '], repo.dir, env);
    expect(blank.code).toBe(3);
    expect(blank.stderr).toBe('error: --type needs a measurement type, such as measurement.lease_plane.request\n');
  });
});

import { describe, expect, it } from 'vitest';
import { recordRun } from '../../src/comparator/record.js';
import { runComparator } from '../../src/comparator/run.js';
import { readWindows } from '../../src/comparator/window.js';
import { defaultMigrationRange, migrate, migrationPlan } from '../../src/ledger/schema.js';
import type { SqlWriter } from '../../src/sources/sql/writer.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { pairSpec } from './helpers.js';

const AS_OF = new Date('2026-06-01T10:00:00Z');
const KEYS = 10_000;

/** The writer, counting the statements its transactions send. */
function counting(writer: SqlWriter): { writer: SqlWriter; statements: () => number } {
  let n = 0;
  return {
    writer: {
      backend: writer.backend,
      describe: () => writer.describe(),
      close: () => writer.close(),
      transaction: (fn, opts) =>
        writer.transaction(
          (tx) =>
            fn({
              query: (text, params) => {
                n++;
                return tx.query(text, params);
              },
            }),
          opts,
        ),
    },
    statements: () => n,
  };
}

describe.each(testBackends())('comparator run --record with many listed keys ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('records ten thousand divergent keys in one transaction, once per run id', async () => {
    await migrate(db.writer(), migrationPlan(defaultMigrationRange(AS_OF)));
    await db.exec(`CREATE SCHEMA m; CREATE TABLE m.c (id int PRIMARY KEY, v int); CREATE TABLE m.s (id int PRIMARY KEY, v int);
                   INSERT INTO m.c SELECT g, 1 FROM generate_series(1, ${KEYS}) g;
                   INSERT INTO m.s SELECT g, 2 FROM generate_series(1, ${KEYS}) g;`);
    const spec = pairSpec('m');
    const client = db.client();
    const windows = await readWindows(client, 't', 60_000);
    const report = await runComparator({
      client,
      rfc: 't',
      spec,
      asOf: AS_OF,
      mode: 'run',
      limit: KEYS,
      timeoutMs: 60_000,
      ...(windows ? { windows } : {}),
    });
    await client.close();
    expect(report.pairs[0]?.rows).toHaveLength(KEYS);
    const counted = counting(db.writer());
    const record = () =>
      recordRun(counted.writer, {
        report,
        spec,
        runId: 'many',
        asOf: AS_OF,
        elapsedMs: new Map(),
        selfTests: new Map(),
      });
    // An advisory lock and a lookup per listed key: past a few thousand keys the locks filled
    // the server's shared lock table ("out of shared memory"), and nothing was recorded.
    expect(await record()).toMatchObject({ recorded: KEYS + 1, already_recorded: 0, windows: 1 });
    expect(counted.statements()).toBeLessThan(50);
    expect(await record()).toMatchObject({ recorded: 0, already_recorded: KEYS + 1, windows: 0 });
    const [ledger] = await db.exec(
      `SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys
       FROM rfcgate.recorded_measurements WHERE idempotency_key LIKE 'comparator:t:p:many%'`,
    );
    expect(ledger).toEqual({ n: KEYS + 1, keys: KEYS + 1 });
  }, 120_000);
});

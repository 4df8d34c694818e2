import { beforeAll, describe, expect, it } from 'vitest';
import { runMeasurements } from '../../src/comparator/record.js';
import { testBackends, useTestDatabase } from '../helpers/db.js';
import { compareOnce, pairSpec } from './helpers.js';

describe.each(testBackends())('float keys on a database set to round floats ($name)', (backend) => {
  const db = useTestDatabase(backend);

  beforeAll(async () => {
    await db.exec(`DO $$ BEGIN
        EXECUTE format('ALTER DATABASE %I SET extra_float_digits = %L', current_database(), '0');
      END $$;
      SET extra_float_digits = 0;`);
  });

  it('lists two keys that differ past the 15th digit as two keys, and records each once', async () => {
    await db.exec(`CREATE SCHEMA fk;
      CREATE TABLE fk.c (id float8 PRIMARY KEY, v text); CREATE TABLE fk.s (LIKE fk.c INCLUDING ALL);
      INSERT INTO fk.c VALUES (0.1::float8 + 0.2::float8, 'a'), (0.3, 'b'), (1, 'x');
      INSERT INTO fk.s VALUES (1, 'x');`);
    const spec = pairSpec('fk');
    const client = db.client();
    try {
      const report = await compareOnce(client, spec, new Date('2026-06-01T12:00:00Z'));
      expect(report.pairs[0]?.rows).toEqual([
        { key: { id: '0.3' }, kind: 'shadow_missing', columns: [] },
        { key: { id: '0.30000000000000004' }, kind: 'shadow_missing', columns: [] },
      ]);
      const keys = runMeasurements({
        report,
        spec,
        runId: 'r1',
        asOf: new Date('2026-06-01T12:00:00Z'),
        elapsedMs: new Map(),
        selfTests: new Map(),
      }).map((m) => m.idempotencyKey);
      expect(new Set(keys).size).toBe(3);
    } finally {
      await client.close();
    }
  });
});

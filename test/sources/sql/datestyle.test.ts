/**
 * A server, database or role may set its own DateStyle and IntervalStyle; the drivers read
 * times as ISO text and the tool reads intervals as PostgreSQL's own text, so every session
 * of the reader and the writer sets both, as it sets the zone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testBackends, useTestDatabase } from '../../helpers/db.js';

const VALUES = `SELECT timestamptz '2026-06-01 12:00:00+00' AS at, timestamp '2026-06-01 12:00:00' AS naive,
  date '2026-06-01' AS day, interval '1 day 2 hours' AS lag`;

describe.each(testBackends())('a database set to the SQL date style ($name)', (backend) => {
  const db = useTestDatabase(backend);

  beforeAll(async () => {
    // PostgreSQL: every new session of this file's own database; PGlite: its one session.
    await db.exec(`DO $$ BEGIN
        EXECUTE format('ALTER DATABASE %I SET DateStyle = %L', current_database(), 'SQL, DMY');
        EXECUTE format('ALTER DATABASE %I SET IntervalStyle = %L', current_database(), 'iso_8601');
      END $$;
      SET DateStyle = 'SQL, DMY';
      SET IntervalStyle = 'iso_8601';`);
  });

  const expectRead = (row: Record<string, unknown> | undefined) => {
    expect((row?.at as Date).toISOString()).toBe('2026-06-01T12:00:00.000Z');
    expect((row?.naive as Date).toISOString()).toBe('2026-06-01T12:00:00.000Z');
    expect((row?.day as Date).toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(row?.lag).toBe('1 day 02:00:00');
  };

  it('the reader still reads times, dates and intervals as they are', async () => {
    const client = db.client();
    try {
      expectRead((await client.query(VALUES, [], { timeoutMs: 5000 })).rows[0]);
    } finally {
      await client.close();
    }
  });

  it('the writer too', async () => {
    const rows = await db.writer().transaction(async (tx) => (await tx.query(VALUES)).rows);
    expectRead(rows[0]);
  });
});

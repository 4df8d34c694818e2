/**
 * A server, database or role may set extra_float_digits below 1, as older clients did; a float
 * is then sent rounded to 15 significant digits. Every session of the reader and the writer
 * sets it, as it sets the zone and the date style, so a float reads as the value stored.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testBackends, useTestDatabase } from '../../helpers/db.js';

const VALUES = `SELECT 0.1::float8 + 0.2::float8 AS sum, (0.1::float8 + 0.2::float8)::text AS text`;

describe.each(testBackends())('a database set to round floats ($name)', (backend) => {
  const db = useTestDatabase(backend);

  beforeAll(async () => {
    // PostgreSQL: every new session of this file's own database; PGlite: its one session.
    await db.exec(`DO $$ BEGIN
        EXECUTE format('ALTER DATABASE %I SET extra_float_digits = %L', current_database(), '0');
      END $$;
      SET extra_float_digits = 0;`);
  });

  const expectExact = (row: Record<string, unknown> | undefined) => {
    expect(row?.sum).toBe(0.1 + 0.2);
    expect(row?.text).toBe('0.30000000000000004');
  };

  it('the reader still reads each float as stored', async () => {
    const client = db.client();
    try {
      expectExact((await client.query(VALUES, [], { timeoutMs: 5000 })).rows[0]);
    } finally {
      await client.close();
    }
  });

  it('the writer too', async () => {
    const rows = await db.writer().transaction(async (tx) => (await tx.query(VALUES)).rows);
    expectExact(rows[0]);
  });
});

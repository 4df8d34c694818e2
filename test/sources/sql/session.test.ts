/**
 * Every query of the read-only client runs in a fresh read-only transaction with the
 * query's timeout and the UTC zone, on both backends: the settings the evidence depends on.
 */
import { describe, expect, it } from 'vitest';
import { testBackends, useTestDatabase } from '../../helpers/db.js';

describe.each(testBackends())('the read-only session ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('holds the timeout, the zone and read-only for that query alone', async () => {
    const client = db.client();
    try {
      const settings = `SELECT current_setting('statement_timeout') AS timeout, current_setting('TimeZone') AS zone,
        current_setting('transaction_read_only') AS read_only`;
      const first = await client.query(settings, [], { timeoutMs: 4321 });
      expect(first.rows).toEqual([{ timeout: '4321ms', zone: 'UTC', read_only: 'on' }]);
      const second = await client.query(settings, [], { timeoutMs: 987.6 });
      expect(second.rows).toEqual([{ timeout: '987ms', zone: 'UTC', read_only: 'on' }]);
      await expect(client.query('CREATE TABLE t (x int)', [], { timeoutMs: 1000 })).rejects.toThrow(/read-only/);
    } finally {
      await client.close();
    }
  });
});

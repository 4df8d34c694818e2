/**
 * Every query of the read-only client runs in a fresh read-only transaction with the
 * query's timeout and the UTC zone, on both backends: the settings the evidence depends on.
 * And a client told to connect early uses that one connection.
 */
import { describe, expect, it } from 'vitest';
import { PgClient } from '../../../src/sources/sql/client.js';
import { testBackends, useTestDatabase } from '../../helpers/db.js';
import { unusedPort } from './fixtures.js';

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

describe('connecting early', () => {
  it('lets the first query report an unreachable server, and closes without waiting for a query', async () => {
    const client = new PgClient(`postgres://rfcgate@127.0.0.1:${await unusedPort()}/audit`, { connectTimeoutMs: 2000 });
    await client.connectEarly();
    await expect(client.query('SELECT 1', [], { timeoutMs: 1000 })).rejects.toMatchObject({
      name: 'SqlHaltError',
      halt: 'missing',
    });
    await client.close();
    const unused = new PgClient(`postgres://rfcgate@127.0.0.1:${await unusedPort()}/audit`);
    await unused.connectEarly();
    await unused.close();
  });

  describe.each(testBackends().filter((b) => b.name === 'postgres'))('($name)', (backend) => {
    const db = useTestDatabase(backend);

    it('hands the early connection to the first query instead of opening a second', async () => {
      const client = new PgClient(db.url());
      try {
        await client.connectEarly();
        // The caller's synchronous work (parsing a spec) keeps the event loop from seeing the
        // connection complete: the query must wait for it rather than open another.
        const until = Date.now() + 50;
        while (Date.now() < until);
        const sessions = `SELECT pg_backend_pid() AS pid, (SELECT count(*)::int FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'rfcgate') AS n`;
        const first = await client.query(sessions, [], { timeoutMs: 5000 });
        const second = await client.query(sessions, [], { timeoutMs: 5000 });
        expect(first.rows).toEqual([{ pid: second.rows[0]?.pid, n: 1 }]);
      } finally {
        await client.close();
      }
    });

    it('closes an early connection no query used', async () => {
      const client = new PgClient(db.url());
      await client.connectEarly();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await client.close();
      // The server ends a backend after its client has gone, not at once: an earlier test's
      // closed session, or this one's, may still be listed for a moment. Asked until it is not.
      const count = () =>
        db.exec(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rfcgate'`,
        );
      let left = await count();
      for (let i = 0; i < 100 && JSON.stringify(left) !== JSON.stringify([{ n: 0 }]); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        left = await count();
      }
      expect(left).toEqual([{ n: 0 }]);
    });
  });
});

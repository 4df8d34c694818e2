import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSqlClient, PgClient, PgliteClient, SqlHaltError } from '../../../src/sources/sql/client.js';
import { urlSecrets } from '../../../src/sources/sql/redact.js';
import { DEFAULT_EMBEDDED_DIR, SqlMeasurementSource } from '../../../src/sources/sql/source.js';
import { PgliteWorkerHost } from '../../../src/sources/sql/pglite-worker.js';
import { describePgUrl, PgliteWriter, SqlWriteError } from '../../../src/sources/sql/writer.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import {
  AS_OF,
  daysBefore,
  evalContext,
  LEASE_TABLE,
  MEASUREMENTS_DDL,
  sqlMeasurement,
  unusedPort,
} from './fixtures.js';
import { seedEmbeddedDb } from '../../helpers/db.js';

const PASSWORD = 's3cret-Pa55word';

function halted(outcome: MeasurementOutcome) {
  if (outcome.status !== 'halt') throw new Error('expected a halt');
  return outcome;
}

describe('an unreachable database', () => {
  let url: string;
  let endpoint: string;
  beforeAll(async () => {
    const port = await unusedPort();
    endpoint = `127.0.0.1:${port}`;
    url = `postgres://rfcgate:${PASSWORD}@${endpoint}/audit?password=${PASSWORD}`;
  });

  it('halts missing, naming host:port, never the password', async () => {
    const source = new SqlMeasurementSource({
      open: () => openSqlClient({ databaseUrl: url, embeddedDir: '/nonexistent' }),
    });
    try {
      const out = halted(await source.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()));
      expect(out.halt).toBe('missing');
      expect(out.reason).toContain(endpoint);
      expect(out.evidence.database).toBe(`${endpoint}/audit`);
      expect(JSON.stringify(out)).not.toContain(PASSWORD);
      // The second measurement fails fast with the same reason instead of waiting out another connect.
      const again = halted(await source.measure(sqlMeasurement({ query: 'SELECT 2 AS value' }), evalContext()));
      expect(again.reason).toBe(out.reason);
    } finally {
      await source.close();
    }
  });

  it('halts missing through connection_env too, without the password', async () => {
    const source = new SqlMeasurementSource({
      open: () => {
        throw new Error('the default database must not be opened');
      },
      env: { AUDIT_DATABASE_URL: url },
    });
    try {
      const m = sqlMeasurement({ ...LEASE_TABLE, connection_env: 'AUDIT_DATABASE_URL' }, { window: '14d' });
      const out = halted(await source.measure(m, evalContext()));
      expect(out.halt).toBe('missing');
      expect(JSON.stringify(out)).not.toContain(PASSWORD);
    } finally {
      await source.close();
    }
  });

  it('describes the client without the password', () => {
    expect(new PgClient(url).describe()).toBe(`${endpoint}/audit`);
  });

  it('reads a Unix-socket URL with credentials and no host, as libpq does, without the password', async () => {
    // libpq and pg accept `user:password@` before an empty host (the socket named by ?host=);
    // WHATWG URL alone refuses it.
    const socketDir = join(tmpdir(), 'rfcgate-no-such-socket-dir');
    const socketUrl = `postgres://rfcgate:${PASSWORD}@/audit?host=${socketDir}`;
    expect(new PgClient(socketUrl).describe()).toBe(`${socketDir}:5432/audit`);
    expect(describePgUrl(socketUrl)).toEqual({ endpoint: `${socketDir}:5432`, database: `${socketDir}:5432/audit` });
    expect(urlSecrets(socketUrl)).toEqual([PASSWORD]);
    const source = new SqlMeasurementSource({
      open: () => openSqlClient({ databaseUrl: socketUrl, embeddedDir: '/nonexistent' }),
    });
    try {
      const out = halted(await source.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()));
      expect(out.halt).toBe('missing');
      expect(out.reason).toContain(socketDir);
      expect(JSON.stringify(out)).not.toContain(PASSWORD);
    } finally {
      await source.close();
    }
    // A host and a port in the query are what pg connects to, over the URL's own: the socket
    // folder is named, not localhost.
    const both = `postgres://rfcgate:${PASSWORD}@localhost:6000/audit?host=${socketDir}&port=7000`;
    expect(describePgUrl(both)).toEqual({ endpoint: `${socketDir}:7000`, database: `${socketDir}:7000/audit` });
    const viaQuery = new SqlMeasurementSource({
      open: () => openSqlClient({ databaseUrl: both, embeddedDir: '/nonexistent' }),
    });
    try {
      const out = halted(await viaQuery.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()));
      expect(out.halt).toBe('missing');
      expect(out.reason).toContain(`${socketDir}:7000`);
      expect(out.reason).not.toContain('localhost');
      expect(JSON.stringify(out)).not.toContain(PASSWORD);
    } finally {
      await viaQuery.close();
    }
    // Still refused: no scheme, or an authority that is not one.
    expect(() => new PgClient(`rfcgate:${PASSWORD}@/audit`)).toThrow(SqlHaltError);
    expect(() => new PgClient(`postgres://rfcgate:${PASSWORD}@:notaport/audit`)).toThrow(SqlHaltError);
  });

  it('rejects a DATABASE_URL that is not a postgres URL without echoing it', () => {
    const bad = `host=db.internal user=reader password=${PASSWORD}`;
    let error: unknown;
    try {
      openSqlClient({ databaseUrl: bad, embeddedDir: '/nonexistent' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SqlHaltError);
    expect((error as SqlHaltError).halt).toBe('error');
    expect((error as Error).message).not.toContain(PASSWORD);
  });
});

describe('the embedded database', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rfcgate-sql-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('halts missing when the directory does not exist, and does not create it', async () => {
    const dir = join(root, 'absent', 'pgdata');
    const source = new SqlMeasurementSource({ open: () => openSqlClient({ embeddedDir: dir }) });
    const out = halted(await source.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()));
    await source.close();
    expect(out.halt).toBe('missing');
    expect(out.reason).toContain(dir);
    expect(existsSync(join(root, 'absent'))).toBe(false);
  });

  it('halts missing on a directory that is not a data directory, and writes nothing into it', async () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    const source = new SqlMeasurementSource({ open: () => openSqlClient({ embeddedDir: dir }) });
    const out = halted(await source.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()));
    await source.close();
    expect(out.halt).toBe('missing');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('prefers DATABASE_URL over the embedded directory', () => {
    const client = openSqlClient({ databaseUrl: 'postgres://reader@db.internal:6543/prod', embeddedDir: root });
    expect(client).toBeInstanceOf(PgClient);
    expect(client.describe()).toBe('db.internal:6543/prod');
  });

  describe('on disk', () => {
    let dir: string;
    beforeAll(async () => {
      dir = seedEmbeddedDb(root, 'pgdata');
      const writer = new PGlite(dir);
      await writer.exec(MEASUREMENTS_DDL);
      await writer.query(
        `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, elapsed_ms)
         SELECT 'measurement.lease_plane.request', $1::timestamptz + i * interval '1 hour', i FROM generate_series(0, 335) i`,
        [daysBefore(14).toISOString()],
      );
      await writer.close();
    });

    it('is opened through openSqlClient and measured, on a worker thread', async () => {
      const client = openSqlClient({ embeddedDir: dir, embeddedLabel: '.rfcgate/pgdata' });
      expect(client).toBeInstanceOf(PgliteClient);
      const source = new SqlMeasurementSource({ open: () => client });
      try {
        const m = sqlMeasurement(
          { ...LEASE_TABLE, value: 'max(elapsed_ms)' },
          { window: '14d', require: { min_rows: 300, days_with_rows: 14, max_age: '2h' } },
        );
        const outs = await Promise.all([1, 2, 3].map((i) => source.measure({ ...m, id: `m${i}` }, evalContext())));
        for (const out of outs) {
          if (out.status !== 'ok') throw new Error(`${out.halt}: ${out.reason}`);
          expect(out.value).toBe(335);
          expect(out.evidence.rows).toBe(336);
          expect(out.evidence.database).toBe('pglite:.rfcgate/pgdata');
        }
      } finally {
        await source.close();
      }
    });

    it('pre-empts a runaway query at the timeout, then serves the next one', async () => {
      // An hour's sleep: PGlite does not honour statement_timeout, and the next query runs on
      // the same single connection, so unless the worker thread running the sleep is stopped
      // the next query waits behind it and the test runs into vitest's timeout. Stopped, the
      // thread also gives up the data directory's lock, which the next query's worker needs.
      const kill = vi.spyOn(PgliteWorkerHost.prototype, 'kill');
      const source = new SqlMeasurementSource({ open: () => openSqlClient({ embeddedDir: dir }), timeoutMs: 500 });
      try {
        const out = halted(
          await source.measure(
            sqlMeasurement({ query: 'SELECT pg_sleep(3600) IS NOT NULL AS value' }, { type: 'bool' }),
            evalContext(),
          ),
        );
        expect(out.halt).toBe('error');
        expect(out.reason).toContain('500 ms');
        expect(kill).toHaveBeenCalledTimes(1);
        expect(String(kill.mock.calls[0]?.[0])).toMatch(/timeout/);
        const next = await source.measure(
          sqlMeasurement({ query: 'SELECT count(*) AS value FROM audit.coordination_measurements' }, { type: 'int' }),
          evalContext(),
        );
        if (next.status !== 'ok') throw new Error(`${next.halt}: ${next.reason}`);
        expect(next.value).toBe(336);
      } finally {
        kill.mockRestore();
        await source.close();
      }
    });

    it('does not count opening the directory against the query timeout', async () => {
      // The clock is the test's own: opening the directory takes two minutes of it, twice the
      // query's limit, and the query itself none, however loaded the machine is. Counted from
      // before the open, the limit would be gone by the time the query starts (the deadline's
      // timer fires as the clock moves, the elapsed time reads 120 s); the server's own
      // statement_timeout, in real time, is a minute the count below never needs.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      const start = PgliteWorkerHost.prototype.start;
      let opens = 0;
      const slowOpen = vi.spyOn(PgliteWorkerHost.prototype, 'start').mockImplementation(function (
        this: PgliteWorkerHost,
      ) {
        // The two minutes pass once the directory is open, before the query is told it is:
        // within the open as the query sees it. Later calls hand back the worker already open.
        const first = opens++ === 0;
        return start.call(this).then((worker) => {
          if (first) vi.advanceTimersByTime(120_000);
          return worker;
        });
      });
      const client = openSqlClient({ embeddedDir: dir });
      try {
        const { rows } = await client.query('SELECT count(*)::int AS n FROM audit.coordination_measurements', [], {
          timeoutMs: 60_000,
        });
        expect(rows[0]?.n).toBe(336);
        expect(opens).toBeGreaterThan(0);
      } finally {
        vi.useRealTimers();
        slowOpen.mockRestore();
        await client.close();
      }
    });

    it('refuses writes', async () => {
      const client = openSqlClient({ embeddedDir: dir });
      try {
        await expect(
          client.query(
            "INSERT INTO audit.coordination_measurements (measurement_type, recorded_at) VALUES ('x', now())",
            [],
            {
              timeoutMs: 5_000,
            },
          ),
        ).rejects.toMatchObject({ halt: 'error', sqlstate: '25006' });
        const { rows } = await client.query('SELECT count(*)::int AS n FROM audit.coordination_measurements', [], {
          timeoutMs: 5_000,
        });
        expect(rows[0]?.n).toBe(336);
      } finally {
        await client.close();
      }
    });

    it("carries the server's error position back from the worker thread, as node-postgres does", async () => {
      // The position is what a halt on a misspelt column is located in the spec by.
      const client = openSqlClient({ embeddedDir: dir });
      try {
        await expect(
          client.query('SELECT elapsd_ms FROM audit.coordination_measurements', [], { timeoutMs: 5_000 }),
        ).rejects.toMatchObject({ halt: 'error', sqlstate: '42703', position: 8 });
      } finally {
        await client.close();
      }
    });
  });

  it('says a damaged data directory is damaged, reading and writing, not what the WASM build aborted with', async () => {
    const dir = seedEmbeddedDb(root, 'damaged');
    const db = new PGlite(dir);
    await db.exec('CREATE TABLE t (n int)');
    await db.close();
    rmSync(join(dir, 'global', 'pg_control'));
    const source = new SqlMeasurementSource({
      open: () => openSqlClient({ embeddedDir: dir, embeddedLabel: 'pgdata' }),
    });
    const out = halted(await source.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext()));
    await source.close();
    expect(out.halt).toBe('error');
    expect(out.reason).toContain('cannot open the embedded database pglite:pgdata: ');
    expect(out.reason).toContain('the data directory is damaged');
    expect(out.reason).toContain('restore it from a backup');
    expect(out.reason).not.toContain('ASSERTIONS');
    const writer = new PgliteWriter({ dataDir: dir, label: 'pgdata' });
    try {
      const failure = await writer.transaction(async () => 'written').catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(SqlWriteError);
      expect((failure as Error).message).toContain('the data directory is damaged');
      expect((failure as Error).message).not.toContain('ASSERTIONS');
    } finally {
      await writer.close();
    }
  });

  it('tells the columns of a query on a data directory apart, so two named alike are seen', async () => {
    const dir = seedEmbeddedDb(root, 'columns');
    const source = new SqlMeasurementSource({
      open: () => openSqlClient({ embeddedDir: dir, embeddedLabel: 'pgdata' }),
    });
    try {
      const m = sqlMeasurement({ query: 'SELECT * FROM (SELECT 50.0 AS value) a CROSS JOIN (SELECT 10.0 AS value) b' });
      const out = halted(await source.measure(m, evalContext()));
      expect(out.halt).toBe('error');
      expect(out.reason).toContain('more than one column named value');
    } finally {
      await source.close();
    }
  });

  it('resolves the manifest directory under the repository root', async () => {
    const source = SqlMeasurementSource.forRepo({ repoDir: join(root, 'repo'), manifest: {}, env: {} });
    const out = halted(await source.measure(sqlMeasurement({ query: 'SELECT 1 AS value' }), evalContext(AS_OF)));
    await source.close();
    expect(out.halt).toBe('missing');
    expect(out.reason).toContain(DEFAULT_EMBEDDED_DIR);
    expect(out.reason).not.toContain(root);
  });
});

describe('PgliteClient in memory', () => {
  it('starts empty and closes its own instance', async () => {
    const client = new PgliteClient();
    expect(client.describe()).toBe('pglite:memory');
    // Starting PGlite takes longer than this; only the query counts against the timeout.
    const { rows } = await client.query('SELECT 1 + $1::int AS n', [1], { timeoutMs: 200 });
    expect(rows).toEqual([{ n: 2 }]);
    await client.close();
  });
});

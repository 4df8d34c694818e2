import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSqlWriter, PgliteWriter, PgWriter, SqlWriteError } from '../../../src/sources/sql/writer.js';
import { count, testBackends, useLedgerDatabase } from '../../ledger/helpers.js';
import { unusedPort } from './fixtures.js';

describe.each(testBackends())('SqlWriter on $name', (backend) => {
  const db = useLedgerDatabase(backend);
  beforeEach(async () => {
    await db.exec('DROP TABLE IF EXISTS public.w; CREATE TABLE public.w (n int NOT NULL);');
  });

  it('commits when the callback resolves', async () => {
    const out = await db.writer().transaction(async (tx) => {
      await tx.query('INSERT INTO public.w (n) VALUES ($1), ($2)', [1, 2]);
      return (await tx.query<{ n: number }>('SELECT sum(n)::int AS n FROM public.w')).rows[0]?.n;
    });
    expect(out).toBe(3);
    expect(await count(db, 'public.w')).toBe(2);
  });

  it('rolls back everything when a statement fails, with a SQLSTATE', async () => {
    const err = await db
      .writer()
      .transaction(async (tx) => {
        await tx.query('INSERT INTO public.w (n) VALUES (1)');
        await tx.query('INSERT INTO public.w (n) VALUES (NULL)');
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlWriteError);
    expect((err as SqlWriteError).sqlstate).toBe('23502');
    // Refused by the table: the same write would be refused again.
    expect((err as SqlWriteError).transient).toBe(false);
    expect(await count(db, 'public.w')).toBe(0);
  });

  // The server's own failures, raised as it raises them, so every backend maps the same codes.
  it.each([
    ['55P03', 'canceling statement due to lock timeout', /: another session holds a lock this needs \(/],
    ['57014', 'canceling statement due to statement timeout', /: a statement ran past its statement_timeout \(/],
    ['57014', 'canceling statement due to user request', /: the server cancelled the statement at the request of/],
    [
      '40001',
      'could not serialize access due to concurrent update',
      /: another session's transaction changed the same/,
    ],
    ['40P01', 'deadlock detected', /: this transaction and another session's each waited for a lock the other held/],
  ])(
    'a database busy with another session (%s, %s) is transient, and not called unreachable',
    async (code, why, advice) => {
      const err = await db
        .writer()
        .transaction(async (tx) => {
          await tx.query('INSERT INTO public.w (n) VALUES (1)');
          await tx.query(`DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '${code}', MESSAGE = '${why}'; END $$`);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlWriteError);
      const e = err as SqlWriteError;
      expect([e.sqlstate, e.transient, e.unreachable]).toEqual([code, true, false]);
      expect(e.message).toMatch(new RegExp(`^database \\S+ was busy: ${why}: `));
      expect(e.message).toMatch(advice);
      expect(e.message).toMatch(/; nothing was written; run again/);
      expect(e.message).not.toMatch(/unreachable/);
      expect(await count(db, 'public.w')).toBe(0);
    },
  );

  it("rolls back and passes the callback's own error through unchanged", async () => {
    const mine = new Error('refused by the caller');
    const writer = db.writer();
    const err = await writer
      .transaction(async (tx) => {
        await tx.query('INSERT INTO public.w (n) VALUES (1)');
        throw mine;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(mine);
    expect(await count(db, 'public.w')).toBe(0);
    // The writer is still usable afterwards.
    await writer.transaction((tx) => tx.query('INSERT INTO public.w (n) VALUES (5)'));
    expect(await count(db, 'public.w')).toBe(1);
  });

  it('a read-only transaction cannot write and never commits', async () => {
    const writer = db.writer();
    const err = await writer
      .transaction((tx) => tx.query('INSERT INTO public.w (n) VALUES (1)'), { readOnly: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlWriteError);
    expect((err as SqlWriteError).sqlstate).toBe('25006');
    const seen = await writer.transaction(
      async (tx) => (await tx.query('SELECT count(*)::int AS n FROM public.w')).rows,
      {
        readOnly: true,
      },
    );
    expect(seen).toEqual([{ n: 0 }]);
  });

  it('runs concurrent transactions one after another on its one connection', async () => {
    const writer = db.writer();
    await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        writer.transaction(async (tx) => {
          const before = (await tx.query<{ c: number }>('SELECT count(*)::int AS c FROM public.w')).rows[0]?.c ?? 0;
          await tx.query('INSERT INTO public.w (n) VALUES ($1)', [before + 1]);
        }),
      ),
    );
    const rows = await db.exec('SELECT n FROM public.w ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it('points to db migrate only for a missing partition of the measurement table', async () => {
    await db.exec(`DROP TABLE IF EXISTS public.coordination_measurements, public.own;
      CREATE TABLE public.coordination_measurements (at date NOT NULL) PARTITION BY RANGE (at);
      CREATE TABLE public.own (at date NOT NULL) PARTITION BY RANGE (at);`);
    const insert = async (table: string): Promise<SqlWriteError> => {
      const err: unknown = await db
        .writer()
        .transaction((tx) => tx.query(`INSERT INTO public.${table} (at) VALUES ('2026-06-01')`))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlWriteError);
      return err as SqlWriteError;
    };
    const measurement = await insert('coordination_measurements');
    expect(measurement.message).toMatch(/create it with `rfcgate db migrate --from <date> --to <date>`$/);
    const own = await insert('own');
    expect(own.message).toMatch(/^no partition of relation "own" found for row/);
    expect(own.message).not.toMatch(/db migrate|monthly/);
  });

  it('sessions run in UTC', async () => {
    const rows = await db
      .writer()
      .transaction((tx) =>
        tx.query("SELECT current_setting('TimeZone') AS tz, '2026-06-01 00:00'::timestamp AS naive"),
      );
    expect(rows.rows[0]).toEqual({ tz: 'UTC', naive: new Date('2026-06-01T00:00:00Z') });
  });
});

describe.each(testBackends().filter((b) => b.name === 'postgres'))('PgWriter behind a lock on $name', (backend) => {
  const db = useLedgerDatabase(backend);

  it('says another session holds the lock, and that nothing was written', async () => {
    await db.exec('DROP TABLE IF EXISTS public.locked; CREATE TABLE public.locked (n int);');
    const holder = new pg.Client({ connectionString: db.url() });
    await holder.connect();
    const writer = new PgWriter(db.url(), { lockTimeoutMs: 200 });
    try {
      await holder.query('BEGIN; LOCK TABLE public.locked');
      const err = await writer
        .transaction((tx) => tx.query('ALTER TABLE public.locked ADD COLUMN m int'))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlWriteError);
      expect((err as SqlWriteError).sqlstate).toBe('55P03');
      expect((err as Error).message).toMatch(/another session holds a lock .*nothing was written; run again/);
      // Busy, not unreachable: the server answered, and the same write succeeds once the lock is let go.
      expect([(err as SqlWriteError).transient, (err as SqlWriteError).unreachable]).toEqual([true, false]);
      expect((err as Error).message).toMatch(/^database \S+ was busy: canceling statement due to lock timeout: /);
    } finally {
      await holder.end();
      await writer.close();
    }
    expect(
      await db.exec(
        "SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'public.locked'::regclass AND attname = 'm'",
      ),
    ).toEqual([{ n: 0 }]);
  });
});

describe('PgWriter and an unreachable or invalid URL', () => {
  const secret = 'Pa55-w0rd-xyz';

  it('reports host:port and never the password; nothing was written', async () => {
    const port = await unusedPort();
    const writer = new PgWriter(
      `postgresql://writer:${secret}@127.0.0.1:${port}/prod?sslmode=disable&password=${secret}`,
    );
    try {
      expect(writer.describe()).toBe(`127.0.0.1:${port}/prod`);
      const err = await writer.transaction(async () => 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlWriteError);
      expect((err as SqlWriteError).unreachable).toBe(true);
      expect((err as SqlWriteError).transient).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`unreachable at 127\\.0\\.0\\.1:${port}.*nothing was written`));
      expect(`${(err as Error).message}${(err as Error).stack}`).not.toContain(secret);
    } finally {
      await writer.close();
    }
  });

  it('rejects a string that is not a postgres URL without echoing it', () => {
    let err: unknown;
    try {
      openSqlWriter({ databaseUrl: `host=db user=w password=${secret}`, embeddedDir: '/nonexistent' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SqlWriteError);
    expect((err as Error).message).not.toContain(secret);
  });

  it('DATABASE_URL wins over the embedded directory', () => {
    const w = openSqlWriter({ databaseUrl: 'postgres://w@db.internal:6543/prod', embeddedDir: '/nonexistent' });
    expect(w).toBeInstanceOf(PgWriter);
    expect(w.describe()).toBe('db.internal:6543/prod');
  });
});

describe('PgliteWriter on a data directory', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rfcgate-writer-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('does not create a missing directory unless told to', async () => {
    const dir = join(root, 'absent', 'pgdata');
    const writer = openSqlWriter({ embeddedDir: dir, embeddedLabel: '.rfcgate/pgdata' });
    expect(writer).toBeInstanceOf(PgliteWriter);
    expect(writer.describe()).toBe('pglite:.rfcgate/pgdata');
    const err = await writer.transaction(async () => 1).catch((e: unknown) => e);
    await writer.close();
    expect(err).toBeInstanceOf(SqlWriteError);
    expect((err as Error).message).toMatch(/\.rfcgate\/pgdata does not exist; run `rfcgate db migrate`/);
    expect(existsSync(join(root, 'absent'))).toBe(false);
  });

  it('creates it when told to, and what it commits is there after reopening', async () => {
    const dir = join(root, 'created', 'pgdata');
    const writer = openSqlWriter({ embeddedDir: dir, create: true });
    await writer.transaction(async (tx) => {
      await tx.query('CREATE TABLE t (n int)');
      await tx.query('INSERT INTO t VALUES (42)');
    });
    await writer.close();
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    const again = openSqlWriter({ embeddedDir: dir });
    try {
      const rows = await again.transaction((tx) => tx.query('SELECT n FROM t'), { readOnly: true });
      expect(rows.rows).toEqual([{ n: 42 }]);
    } finally {
      await again.close();
    }
  });

  it('refuses a directory that holds something other than a database, and leaves it alone', async () => {
    const dir = join(root, 'notes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'README'), 'mine');
    const writer = openSqlWriter({ embeddedDir: dir, create: true });
    const err = await writer.transaction(async () => 1).catch((e: unknown) => e);
    await writer.close();
    expect((err as Error).message).toMatch(/not a PostgreSQL data directory/);
    expect(readdirSync(dir)).toEqual(['README']);
  });
});

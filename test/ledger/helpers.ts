/**
 * The ledger tests need what test/helpers/db.ts gives every SQL test (a per-file database on
 * PGlite, and on real PostgreSQL when TEST_DATABASE_URL is set, dropped afterwards) plus a
 * WRITER on that same database: on PostgreSQL a PgWriter on the file's database URL, on
 * PGlite a PgliteWriter over an in-memory instance this helper owns.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { PgClient, PgliteClient, type SqlClient } from '../../src/sources/sql/client.js';
import { PgliteWriter, PgWriter, type SqlWriter } from '../../src/sources/sql/writer.js';
import { type BackendName, type TestBackend, useTestDatabase } from '../helpers/db.js';

export { testBackends } from '../helpers/db.js';

export interface LedgerTestDatabase {
  readonly backend: BackendName;
  /** Fixture access outside the code under test: DDL, inserts, catalog queries. */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A writer under test; closed at teardown. */
  writer(): SqlWriter;
  /** A read-only client under test; closed at teardown. */
  reader(): SqlClient;
  /** Drops everything the ledger creates, so each test starts from an empty database. */
  reset(): Promise<void>;
  /** postgres only: the database's URL as `user`, and a LOGIN role without privileges (dropped at teardown). */
  url(user?: string): string;
  createRole(): Promise<string>;
}

export function useLedgerDatabase(backend: TestBackend): LedgerTestDatabase {
  const opened: { close(): Promise<void> }[] = [];
  const closeOpened = async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  };
  let ledger: LedgerTestDatabase;

  if (backend.name === 'postgres') {
    const db = useTestDatabase(backend);
    afterAll(closeOpened);
    ledger = {
      backend: 'postgres',
      exec: (sql, params) => db.exec(sql, params),
      writer() {
        const w = new PgWriter(db.url());
        opened.push(w);
        return w;
      },
      reader() {
        const c = new PgClient(db.url());
        opened.push(c);
        return c;
      },
      reset: () => reset(ledger),
      url: (user) => db.url(user),
      createRole: () => db.createRole(),
    };
    return ledger;
  }

  let pglite: PGlite | undefined;
  beforeAll(async () => {
    pglite = new PGlite();
    await pglite.waitReady;
  });
  afterAll(async () => {
    await closeOpened();
    await pglite?.close();
  });
  const current = () => {
    if (!pglite) throw new Error('the PGlite test database is not open');
    return pglite;
  };
  ledger = {
    backend: 'pglite',
    async exec(sql, params = []) {
      if (params.length === 0) {
        const results = await current().exec(sql);
        return (results.at(-1)?.rows ?? []) as Record<string, unknown>[];
      }
      return (await current().query<Record<string, unknown>>(sql, params)).rows;
    },
    writer() {
      const w = new PgliteWriter({ db: current() });
      opened.push(w);
      return w;
    },
    reader() {
      const c = new PgliteClient({ db: current() });
      opened.push(c);
      return c;
    },
    reset: () => reset(ledger),
    url() {
      throw new Error('url() is only available on the postgres backend');
    },
    createRole() {
      throw new Error('createRole() is only available on the postgres backend');
    },
  };
  return ledger;
}

async function reset(db: LedgerTestDatabase): Promise<void> {
  await db.exec('DROP SCHEMA IF EXISTS audit CASCADE; DROP SCHEMA IF EXISTS rfcgate CASCADE;');
}

/** Every relation and schema the ledger could touch, with what would change if it were altered. */
export async function catalogSnapshot(db: LedgerTestDatabase): Promise<string> {
  const rels = await db.exec(
    `SELECT n.nspname || '.' || c.relname AS name, c.oid::text AS oid, c.relkind::text AS kind,
            c.relfilenode::text AS filenode, coalesce(obj_description(c.oid, 'pg_class'), '') AS comment,
            coalesce(pg_get_expr(c.relpartbound, c.oid), '') AS bound,
            (SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT string_agg(conname || ':' || pg_get_constraintdef(oid), ',' ORDER BY conname)
               FROM pg_constraint WHERE conrelid = c.oid) AS constraints
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('audit', 'rfcgate')
     ORDER BY 1`,
  );
  const schemas = await db.exec(
    `SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') AS comment
     FROM pg_namespace WHERE nspname IN ('audit', 'rfcgate') ORDER BY 1`,
  );
  return JSON.stringify({ schemas, rels });
}

export async function count(db: LedgerTestDatabase, table: string): Promise<number> {
  const rows = await db.exec(`SELECT count(*)::int AS n FROM ${table}`);
  return Number(rows[0]?.n);
}

/**
 * The ledger tests need what test/helpers/db.ts gives every SQL test (a per-file database on
 * PGlite, and on real PostgreSQL when TEST_DATABASE_URL is set, dropped afterwards) plus a
 * WRITER on that same database, and name the client they test a reader.
 */
import { ADDED_COLUMNS, type MigrationStep } from '../../src/ledger/schema.js';
import type { SqlClient } from '../../src/sources/sql/client.js';
import type { SqlWriter } from '../../src/sources/sql/writer.js';
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
  const db = useTestDatabase(backend);
  const ledger: LedgerTestDatabase = {
    backend: db.backend,
    exec: (sql, params) => db.exec(sql, params),
    writer: () => db.writer(),
    reader: () => db.client(),
    reset: () => reset(ledger),
    url: (user) => db.url(user),
    createRole: () => db.createRole(),
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

/**
 * The plan of the version before `column` (`schema.table.column`, one of ADDED_COLUMNS) was
 * added: without its step, the steps of the columns added after it, and whatever builds on them.
 */
export function planBefore(plan: readonly MigrationStep[], column: string): MigrationStep[] {
  const at = ADDED_COLUMNS.findIndex((c) => `${c.table}.${c.column}` === column);
  if (at < 0) throw new Error(`${column} is not an added column`);
  const dropped = new Set(ADDED_COLUMNS.slice(at).map((c) => `column:${c.table}.${c.column}`));
  const out: MigrationStep[] = [];
  for (const step of plan) {
    if (dropped.has(step.id) || step.requires.some((r) => dropped.has(r))) dropped.add(step.id);
    else out.push(step);
  }
  return out;
}

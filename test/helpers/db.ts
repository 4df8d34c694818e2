/**
 * The database harness every SQL test uses. Each test file gets its own database, so files
 * run in parallel without seeing each other's rows:
 *   - PGlite, always: a data directory of the file's own in a temp folder, removed afterwards,
 *     started as a copy of the empty one the global set-up made (initdb takes seconds);
 *   - real PostgreSQL as well when TEST_DATABASE_URL names an admin connection: a database
 *     `rfcgate_t_<pid>_<random>` is created for the file and dropped with FORCE afterwards.
 * A set TEST_DATABASE_URL whose server cannot be reached fails the tests; it never skips them,
 * or CI would go green having tested nothing.
 *
 *   describe.each(testBackends())('$name', (backend) => {
 *     const db = useTestDatabase(backend);
 *     it('...', async () => { await db.exec('CREATE TABLE ...'); const client = db.client(); ... });
 *   });
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PgClient, PgliteClient, type SqlClient } from '../../src/sources/sql/client.js';
import { redact } from '../../src/sources/sql/redact.js';
import { PgliteWriter, PgWriter, type SqlWriter } from '../../src/sources/sql/writer.js';
import { EMPTY_PGLITE_ENV } from './global-setup.js';
import { newPglite, useCommandWasmTiering } from '../../src/sources/sql/pglite-load.js';
import {
  defaultMigrationRange,
  migrate,
  type MigrateResult,
  type MigrationRange,
  migrationPlan,
} from '../../src/ledger/schema.js';

// The tests' own PGlite instances run on the WebAssembly compiler the program itself uses.
useCommandWasmTiering();

export type BackendName = 'pglite' | 'postgres';

export interface TestDatabase {
  readonly backend: BackendName;
  /** Writable access for fixtures (DDL, inserts); several statements at once when there are no params. Never the client under test. */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A new read-only client under test; the harness closes it at teardown if the test did not. */
  client(): SqlClient;
  /** A writer on the same database (the ledger's door), closed at teardown. */
  writer(): SqlWriter;
  /** postgres only: the URL of this file's database, connecting as `user` (default: the admin user). */
  url(user?: string): string;
  /** postgres only: a LOGIN role without privileges, dropped at teardown. */
  createRole(): Promise<string>;
  close(): Promise<void>;
}

export interface TestBackend {
  name: BackendName;
  open(): Promise<TestDatabase>;
}

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [{ name: 'pglite', open: openPglite }];
  const admin = process.env.TEST_DATABASE_URL?.trim();
  if (admin) backends.push({ name: 'postgres', open: () => openPostgres(admin) });
  return backends;
}

/** Opens the backend's database before the suite's tests and drops it after them. */
export function useTestDatabase(backend: TestBackend): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db?.close();
  });
  const current = (): TestDatabase => {
    if (!db)
      throw new Error(`the ${backend.name} test database is not open (it failed to open, or is used outside a test)`);
    return db;
  };
  return {
    backend: backend.name,
    exec: (sql, params) => current().exec(sql, params),
    client: () => current().client(),
    writer: () => current().writer(),
    url: (user) => current().url(user),
    createRole: () => current().createRole(),
    close: () => current().close(),
  };
}

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Makes `dataDir` (which must not exist yet) a copy of the empty PGlite data directory the global set-up made. */
function copyEmptyPglite(dataDir: string): void {
  const empty = process.env[EMPTY_PGLITE_ENV];
  if (!empty)
    throw new Error(`${EMPTY_PGLITE_ENV} is not set: run the tests through vitest (its global set-up makes it)`);
  cpSync(empty, dataDir, { recursive: true });
}

/**
 * Gives a fixture repository an empty embedded database at `dataDir` (relative to `repoDir`,
 * or absolute), for a test whose subject is not the database's creation: `db migrate` then
 * only creates the tables, and `new PGlite(path)` in a fixture only opens it, where each would
 * otherwise run initdb. The copy is what a closed data directory is (PG_VERSION, no
 * postmaster.pid; the CLI's lock is a file beside it, `<dataDir>.lock`, never in it), so the
 * CLI treats it as one it created; but to every command it exists, so a test of what is said
 * before `db migrate` (or of `db migrate --dry-run` on nothing) must not use it. Returns the
 * absolute path.
 */
export function seedEmbeddedDb(repoDir: string, dataDir = '.rfcgate/pgdata'): string {
  const dir = resolve(repoDir, dataDir);
  if (existsSync(dir)) throw new Error(`seedEmbeddedDb: ${dir} exists already`);
  mkdirSync(dirname(dir), { recursive: true });
  copyEmptyPglite(dir);
  return dir;
}

/**
 * rfcgate's ledger in the embedded database at `dataDir`, as `db migrate` makes it (over its
 * default months, or `range`), from the test's own process: for a case whose subject is what
 * is recorded there, not the migration (the `db migrate` cases have that), where running the
 * CLI for it would cost a process and a second open. `sql`, a fixture's statements, runs in
 * the same open first. The database must exist (seedEmbeddedDb) and no process may hold it.
 */
export async function migrateEmbedded(
  dataDir: string,
  opts: { range?: MigrationRange; sql?: string } = {},
): Promise<MigrateResult> {
  const db = await newPglite(dataDir);
  try {
    if (opts.sql) await db.exec(opts.sql);
    return await migrate(new PgliteWriter({ db }), migrationPlan(opts.range ?? defaultMigrationRange()));
  } finally {
    await db.close();
  }
}

/**
 * postgres only: resolves once `n` sessions of this database wait on a lock, so a test can let
 * go of the one it holds knowing every contender is queued behind it (a poll, not a sleep).
 */
export async function lockWaiters(db: Pick<TestDatabase, 'exec'>, n: number): Promise<void> {
  for (;;) {
    const [waiting] = await db.exec(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (Number(waiting?.n) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function openPglite(): Promise<TestDatabase> {
  const folder = mkdtempSync(join(tmpdir(), 'rfcgate-test-pglite-'));
  const dataDir = join(folder, 'pgdata');
  let db: PGlite;
  try {
    copyEmptyPglite(dataDir);
    // Opened as the program opens it: its WebAssembly tiering and start settings.
    db = await newPglite(dataDir);
    await db.waitReady;
  } catch (err) {
    rmSync(folder, { recursive: true, force: true });
    throw err;
  }
  const clients: SqlClient[] = [];
  const writers: SqlWriter[] = [];
  return {
    backend: 'pglite',
    async exec(sql, params = []) {
      if (params.length === 0) {
        const results = await db.exec(sql);
        return (results.at(-1)?.rows ?? []) as Record<string, unknown>[];
      }
      return (await db.query<Record<string, unknown>>(sql, params)).rows;
    },
    client() {
      const c = new PgliteClient({ db });
      clients.push(c);
      return c;
    },
    writer() {
      const w = new PgliteWriter({ db });
      writers.push(w);
      return w;
    },
    url() {
      throw new Error('url() is only available on the postgres backend');
    },
    createRole() {
      throw new Error('createRole() is only available on the postgres backend');
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(writers.map((w) => w.close()));
      try {
        await db.close();
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

async function openPostgres(adminUrl: string): Promise<TestDatabase> {
  const name = uniqueName('rfcgate_t');
  const roles: string[] = [];
  const clients: SqlClient[] = [];
  const writers: SqlWriter[] = [];

  const withAdmin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(
        `TEST_DATABASE_URL is set but its server cannot be reached (${redact(err instanceof Error ? err.message : String(err))}); start PostgreSQL or unset TEST_DATABASE_URL`,
      );
    }
    try {
      return await fn(admin);
    } finally {
      await admin.end();
    }
  };

  await withAdmin((admin) => admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));

  const urlAs = (user?: string): string => {
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    if (user !== undefined) {
      u.username = user;
      u.password = '';
    }
    return u.toString();
  };

  const writer = new pg.Client({ connectionString: urlAs() });
  await writer.connect();

  return {
    backend: 'postgres',
    async exec(sql, params = []) {
      const res = await writer.query(sql, params.length ? params : undefined);
      // Several statements at once come back as one result per statement.
      const last = Array.isArray(res) ? res.at(-1) : res;
      return (last?.rows ?? []) as Record<string, unknown>[];
    },
    client() {
      const c = new PgClient(urlAs());
      clients.push(c);
      return c;
    },
    writer() {
      const w = new PgWriter(urlAs());
      writers.push(w);
      return w;
    },
    url: urlAs,
    async createRole() {
      const role = uniqueName('rfcgate_r');
      await withAdmin((admin) => admin.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN`));
      roles.push(role);
      return role;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(writers.map((w) => w.close()));
      await writer.end();
      await withAdmin(async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        // Roles are cluster-wide; their grants died with the database, so they drop cleanly now.
        for (const role of roles) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
      });
    },
  };
}

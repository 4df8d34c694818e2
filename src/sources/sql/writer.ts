/**
 * The writable door, kept apart from the read-only SqlClient on purpose: measuring never
 * goes through here. Only `db migrate`, `measure record`, `gate check --record` and
 * `comparator run` with `--record` or `--self-test` open a writer (and `demo`, on its own
 * sandbox), and only the tool's own objects are written through it (principle 8); the one
 * exception, the self-test's planted rows in the compared tables, is always rolled back.
 *
 * Every unit of work is one transaction: committed when the callback returns, rolled back
 * when anything in it throws, so nothing is ever half-written. A writer holds exactly one
 * connection (node-postgres) or one PGlite instance, and runs its transactions one at a time.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Client, QueryConfig } from 'pg';
import pg from './pg.js';
import {
  type ErrorContext,
  errorCode,
  getTypeParser,
  PGLITE_PARSERS,
  pgliteOpenFailure,
  SqlHaltError,
  type SqlRow,
  toSqlHaltError,
} from './client.js';
import type { OpenSqlClientOptions } from './client.js';
import { cancelledOnSignal, type PgSession, stopWhenClientGone } from './cancel-on-signal.js';
import { DataDirBusyError, type DataDirLock, lockDataDir } from './pglite-lock.js';
import { newPglite } from './pglite-load.js';
import { redact, urlSecrets } from './redact.js';
import { pgConnectionString, pgUrlTarget, sslRequest } from './url.js';

/** The statements of one transaction. Every text is a single statement. */
export interface SqlTx {
  query<R extends SqlRow = SqlRow>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface SqlTransactionOptions {
  /** BEGIN READ ONLY and always roll back: for inspecting (a dry run) through the same door. */
  readOnly?: boolean;
  /** One snapshot for every statement of the transaction (the comparator's self-test diffs two reads). */
  repeatableRead?: boolean;
}

export interface SqlWriter {
  readonly backend: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when anything throws. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts?: SqlTransactionOptions): Promise<T>;
  close(): Promise<void>;
  /** `host:port/db` or `pglite:<dir>`: safe for output, never a password. */
  describe(): string;
}

/**
 * A write that did not happen, with a one-line reason a person can act on (redacted). The
 * transaction it belonged to was rolled back, or never began.
 */
export class SqlWriteError extends Error {
  /**
   * The database could not be reached: the server refused or dropped the connection, timed out
   * connecting or is shutting down, or another process holds the embedded data directory.
   * Not a database that does not exist, a login refused or a ledger not migrated: those wait
   * for someone to fix them. Always transient.
   */
  readonly unreachable: boolean;
  /**
   * The same write may succeed later unchanged: the database could not be reached, or it was
   * reached but busy (a lock not granted within lock_timeout, a statement the server cancelled,
   * a serialization failure or a deadlock with another session). Nothing about the write or
   * the ledger needs fixing, only another try.
   */
  readonly transient: boolean;
  readonly sqlstate: string | undefined;
  /** The server's reason without the advice the message adds, for a caller whose fix differs. */
  readonly reason: string;
  constructor(
    message: string,
    opts: { unreachable?: boolean; transient?: boolean; sqlstate?: string; reason?: string } = {},
  ) {
    super(redact(message));
    this.name = 'SqlWriteError';
    this.unreachable = opts.unreachable ?? false;
    this.transient = this.unreachable || (opts.transient ?? false);
    this.sqlstate = opts.sqlstate;
    this.reason = redact(opts.reason ?? message);
  }
}

/**
 * A database reached but busy, by SQLSTATE: what kept this write from finishing is another
 * session's work (or the server's limit on waiting for it), and it ends on its own.
 */
const BUSY: ReadonlyMap<string, (serverMessage: string) => string> = new Map<string, (m: string) => string>([
  // lock_timeout, or NOWAIT.
  [
    '55P03',
    () =>
      'another session holds a lock this needs (a long query, a transaction left open, or a `db migrate` under way); nothing was written; run again once it has finished (pg_stat_activity names it)',
  ],
  // statement_timeout, pg_cancel_backend, or an administrator.
  [
    '57014',
    (m) =>
      /statement timeout/i.test(m)
        ? 'a statement ran past its statement_timeout (a server too loaded to finish it in time); nothing was written; run again once the server is less busy'
        : 'the server cancelled the statement at the request of another session (pg_cancel_backend, or an administrator); nothing was written; run again',
  ],
  [
    '40001',
    () =>
      "another session's transaction changed the same rows at the same time, and the server rolled this one back; nothing was written; run again",
  ],
  [
    '40P01',
    () =>
      "this transaction and another session's each waited for a lock the other held, and the server rolled this one back; nothing was written; run again",
  ],
]);

/** Drivers' and servers' failures, as the one-line reasons the read-only client gives them. */
function toWriteError(err: unknown, ctx: ErrorContext): SqlWriteError {
  if (err instanceof SqlWriteError) return err;
  // Only the measurement table's partitions are db migrate's to create; the self-test plants
  // rows in a team's own partitioned tables too.
  if (
    !(err instanceof SqlHaltError) &&
    errorCode(err) === '23514' &&
    /no partition of relation "coordination_measurements"/i.test(String(err))
  ) {
    const m = String((err as Error).message ?? err);
    return new SqlWriteError(
      redact(
        `${m} (database ${ctx.database}): no monthly partition covers that instant; create it with \`rfcgate db migrate --from <date> --to <date>\``,
        ctx.secrets,
      ),
      { sqlstate: '23514' },
    );
  }
  // The read-only client explains these for readers; a writer needs its own advice.
  const code = err instanceof SqlHaltError ? err.sqlstate : errorCode(err);
  const busy = code === undefined ? undefined : BUSY.get(code);
  if (busy) {
    const m = err instanceof Error ? err.message : String(err);
    // Named busy, never unreachable: the server answered, and pg_stat_activity shows who is in the way.
    return new SqlWriteError(redact(`database ${ctx.database} was busy: ${m}: ${busy(m)}`, ctx.secrets), {
      transient: true,
      sqlstate: code,
      reason: redact(`${m} (database ${ctx.database})`, ctx.secrets),
    });
  }
  if (code === '42501' || code === '25006') {
    const m = `${err instanceof Error ? err.message : String(err)} (database ${ctx.database})`;
    return new SqlWriteError(
      redact(
        code === '42501'
          ? `${m}: the role needs CREATE on the database for db migrate, and INSERT on the ledger tables to record`
          : `${m}: the database accepts no writes here (a read-only replica, or default_transaction_read_only is on)`,
        ctx.secrets,
      ),
      { sqlstate: code, reason: redact(m, ctx.secrets) },
    );
  }
  const h = toSqlHaltError(err, ctx);
  // `missing` without a missing relation, schema or database is a server that could not be reached.
  const unreachable = h.halt === 'missing' && !['42P01', '3F000', '3D000'].includes(h.sqlstate ?? '');
  return new SqlWriteError(h.message, { unreachable, ...(h.sqlstate ? { sqlstate: h.sqlstate } : {}) });
}

/**
 * Statements map their failures where they run; what reaches the transaction's catch
 * unmapped is either the callback's own error (passed through) or a BEGIN/COMMIT failure
 * from the driver (which carries a code, and is mapped).
 */
function fromDriver(err: unknown, ctx: ErrorContext): unknown {
  if (err instanceof SqlWriteError) return err;
  if (errorCode(err) !== undefined) return toWriteError(err, ctx);
  if (err instanceof Error && /connection terminated|connection timeout|timeout expired/i.test(err.message)) {
    return toWriteError(err, ctx);
  }
  return err;
}

/** One transaction at a time over one connection: callers queue, never interleave. */
class Queue {
  #tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// node-postgres

export interface PgWriterOptions {
  /** How long to wait for the connection; default 5 s. */
  connectTimeoutMs?: number;
  /** statement_timeout of every statement; default 60 s. */
  statementTimeoutMs?: number;
  /** lock_timeout: a migration must not queue forever behind a long reader; default 10 s. */
  lockTimeoutMs?: number;
}

const WRITER_SETUP =
  "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true), set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO', true), set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '3', true)";

/** host:port and host:port/db of a postgres URL, without its credentials. */
export function describePgUrl(url: string): { endpoint: string; database: string } {
  const target = pgUrlTarget(url);
  // Never echo the string: it is the one place a password certainly is.
  if (!target) throw new SqlWriteError('the database URL is not a valid postgres:// or postgresql:// URL');
  return target;
}

export class PgWriter implements SqlWriter {
  readonly backend = 'postgres' as const;
  readonly #url: string;
  readonly #endpoint: string;
  readonly #database: string;
  readonly #secrets: string[];
  readonly #sslRequest: string | undefined;
  readonly #opts: Required<PgWriterOptions>;
  readonly #queue = new Queue();
  #client: Promise<Client> | undefined;
  #closed = false;

  /** Does not connect: the first transaction does. */
  constructor(url: string, opts: PgWriterOptions = {}) {
    const { endpoint, database } = describePgUrl(url);
    this.#url = url.trim();
    this.#secrets = urlSecrets(this.#url);
    this.#sslRequest = sslRequest(this.#url, process.env);
    this.#endpoint = endpoint;
    this.#database = database;
    this.#opts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      statementTimeoutMs: opts.statementTimeoutMs ?? 60_000,
      lockTimeoutMs: opts.lockTimeoutMs ?? 10_000,
    };
  }

  describe(): string {
    return redact(this.#database, this.#secrets);
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: SqlTransactionOptions = {}): Promise<T> {
    return this.#queue.run(() => this.#transaction(fn, opts));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#client;
    this.#client = undefined;
    if (!pending) return;
    try {
      await (await pending).end();
    } catch {
      // It never connected, or the server already dropped it.
    }
  }

  #ctx(): ErrorContext {
    return {
      endpoint: this.#endpoint,
      database: this.describe(),
      timeoutMs: this.#opts.statementTimeoutMs,
      secrets: this.#secrets,
      sslRequest: this.#sslRequest,
    };
  }

  #connect(): Promise<Client> {
    if (!this.#client) {
      const client = new pg.Client({
        connectionString: pgConnectionString(this.#url),
        connectionTimeoutMillis: this.#opts.connectTimeoutMs,
        application_name: 'rfcgate',
        types: { getTypeParser },
      });
      // A connection dropped between statements must not crash the process: the statement reports it.
      client.on('error', () => {});
      const connecting = client.connect().then(() => {
        stopWhenClientGone(client);
        return client;
      });
      // A failed connect is not retried within this writer: the next transaction reports it again.
      this.#client = connecting;
    }
    return this.#client;
  }

  async #transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: SqlTransactionOptions): Promise<T> {
    if (this.#closed) throw new SqlWriteError('the database writer is closed');
    const ctx = this.#ctx();
    let client: Client;
    try {
      client = await this.#connect();
    } catch (err) {
      const e = toWriteError(err, ctx);
      throw new SqlWriteError(`${e.message}; nothing was written`, {
        unreachable: e.unreachable,
        transient: e.transient,
        ...(e.sqlstate ? { sqlstate: e.sqlstate } : {}),
      });
    }
    const tx: SqlTx = {
      query: async <R extends SqlRow>(text: string, params: unknown[] = []) => {
        // The extended protocol: one statement per call, whatever the text holds.
        const config: QueryConfig & { queryMode: 'extended' } = { text, values: params, queryMode: 'extended' };
        try {
          const res = await client.query(config);
          return { rows: res.rows as R[] };
        } catch (err) {
          throw toWriteError(err, ctx);
        }
      },
    };
    // Killed meanwhile, the running statement is cancelled on the server: nothing commits.
    return cancelledOnSignal(client as unknown as PgSession, async () => {
      let began = false;
      try {
        const isolation = opts.repeatableRead ? ' ISOLATION LEVEL REPEATABLE READ' : '';
        await client.query(opts.readOnly ? `BEGIN${isolation} READ ONLY` : `BEGIN${isolation}`);
        began = true;
        await client.query(WRITER_SETUP, [
          String(Math.max(1, this.#opts.statementTimeoutMs)),
          String(Math.max(1, this.#opts.lockTimeoutMs)),
        ]);
        const result = await fn(tx);
        await client.query(opts.readOnly ? 'ROLLBACK' : 'COMMIT');
        return result;
      } catch (err) {
        if (began) {
          try {
            await client.query('ROLLBACK');
          } catch {
            // A dead connection rolled back on its own.
          }
        }
        // The callback's own errors (a refused write, a bad input) pass through as they are.
        throw fromDriver(err, ctx);
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// PGlite

export interface PgliteWriterOptions {
  /** The data directory. Created (initdb) only when `create` is set. */
  dataDir?: string;
  /** An instance the caller owns (tests, `demo`): used as is and not closed by close(). */
  db?: PGlite;
  /** May a missing data directory be created? Default false: the caller gets a clear error instead. */
  create?: boolean;
  /** What describe() shows instead of the directory (keeps output machine-independent). */
  label?: string;
  /** How long to wait for another process to release the data directory; default 30 s. */
  openTimeoutMs?: number;
}

/** Is `dir` a PostgreSQL data directory (or absent / empty, so one may be created there)? */
/**
 * The embedded directory holds something other than a database: what to do about it, for the
 * writers and the readers alike (`db migrate` will not create a database over it).
 */
export function notADatabaseMessage(label: string): string {
  return `${label} exists but is not a PostgreSQL data directory (no PG_VERSION), and rfcgate will not create a database over it: move it aside, or set database.embedded_dir in rfc.yaml to another path, then run \`rfcgate db migrate\``;
}

export function embeddedDirState(dir: string): 'absent' | 'empty' | 'database' | 'not_a_database' {
  if (!existsSync(dir)) return 'absent';
  if (!statSync(dir).isDirectory()) return 'not_a_database';
  if (existsSync(join(dir, 'PG_VERSION'))) return 'database';
  return readdirSync(dir).length === 0 ? 'empty' : 'not_a_database';
}

/** A data directory being created beside `dir` by the process `<pid>`: `pgdata.4242.creating`. */
function stagingPattern(dir: string): RegExp {
  return new RegExp(`^${basename(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.creating$`);
}

/**
 * Creates the PostgreSQL data directory `dir` (absent, or an empty folder) whole or not at all.
 * initdb writes hundreds of files: created in place, a `db migrate` stopped part way (Ctrl-C, a
 * CI job cancelled) left a folder that is no database, which every later command, `db migrate`
 * too, refused until someone deleted it. It is made beside `dir` instead, closed, and renamed
 * into place, which is one step. The caller holds `dir`'s lock, so a creating folder left
 * beside it is one a stopped process left, and is removed.
 */
async function createDataDir(dir: string): Promise<void> {
  const parent = dirname(dir);
  const pattern = stagingPattern(dir);
  for (const name of readdirSync(parent)) {
    if (pattern.test(name)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const staging = join(parent, `${basename(dir)}.${process.pid}.creating`);
  try {
    const db = await newPglite(staging);
    try {
      await db.waitReady;
    } finally {
      await db.close();
    }
    // rename() replaces an empty folder on POSIX but not on Windows: the empty one goes first.
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * PGlite on this thread. Unlike the read-only client it needs no worker: the statements it
 * runs are the tool's own, bounded ones, and they must finish rather than be cut short.
 */
export class PgliteWriter implements SqlWriter {
  readonly backend = 'pglite' as const;
  readonly #dataDir: string | undefined;
  readonly #create: boolean;
  readonly #borrowed: boolean;
  readonly #label: string;
  readonly #queue = new Queue();
  #db: Promise<PGlite> | undefined;
  /** The data directory's lock (pglite-lock.ts), held from open to close. */
  #lock: DataDirLock | undefined;
  readonly #openTimeoutMs: number;
  #closed = false;

  constructor(opts: PgliteWriterOptions = {}) {
    if (opts.db && opts.dataDir) throw new Error('PgliteWriter: give dataDir or db, not both');
    this.#dataDir = opts.dataDir;
    this.#create = opts.create ?? false;
    this.#openTimeoutMs = opts.openTimeoutMs ?? 30_000;
    this.#borrowed = opts.db !== undefined;
    if (opts.db) this.#db = Promise.resolve(opts.db);
    this.#label = `pglite:${opts.label ?? opts.dataDir ?? 'memory'}`;
  }

  describe(): string {
    return redact(this.#label);
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: SqlTransactionOptions = {}): Promise<T> {
    return this.#queue.run(() => this.#transaction(fn, opts));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#db;
    this.#db = undefined;
    if (!pending || this.#borrowed) return;
    try {
      await (await pending).close();
    } catch {
      // It never opened.
    } finally {
      this.#lock?.release();
      this.#lock = undefined;
    }
  }

  #open(): Promise<PGlite> {
    if (!this.#db) {
      this.#db = this.#load();
      this.#db.catch(() => {
        this.#db = undefined;
      });
    }
    return this.#db;
  }

  async #load(): Promise<PGlite> {
    const dir = this.#dataDir;
    const label = this.#label.replace(/^pglite:/, '');
    if (dir !== undefined) {
      const state = embeddedDirState(dir);
      if (state === 'not_a_database') {
        throw new SqlWriteError(notADatabaseMessage(label));
      }
      if ((state === 'absent' || state === 'empty') && !this.#create) {
        throw new SqlWriteError(
          `the embedded database ${label} does not exist; run \`rfcgate db migrate\` to create it (or set DATABASE_URL)`,
        );
      }
      if (state === 'absent') {
        try {
          mkdirSync(dirname(dir), { recursive: true });
        } catch (err) {
          // A file where a folder of the path should be, or a folder this user may not write: the
          // user's to fix in rfc.yaml or on disk, said in one line like any other failure to open.
          throw new SqlWriteError(
            `cannot create the embedded database ${label}: its folder ${dirname(label)} cannot be made (${err instanceof Error ? err.message : String(err)}); set database.embedded_dir in rfc.yaml to a path under a folder you may write, or set DATABASE_URL`,
          );
        }
      }
    }
    let lock: DataDirLock | undefined;
    try {
      if (dir !== undefined) lock = await lockDataDir(dir, { waitMs: this.#openTimeoutMs });
      // Another `db migrate` may have created it while this one waited for the lock.
      if (dir !== undefined && this.#create && embeddedDirState(dir) !== 'database') await createDataDir(dir);
      const db = await newPglite(dir);
      await db.waitReady;
      this.#lock = lock;
      return db;
    } catch (err) {
      lock?.release();
      throw new SqlWriteError(
        `cannot open the embedded database ${label}: ${pgliteOpenFailure(err instanceof Error ? err.message : String(err))}`,
        // Held by another process, it opens once that one is done; a damaged one never does.
        { unreachable: err instanceof DataDirBusyError },
      );
    }
  }

  async #transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts: SqlTransactionOptions): Promise<T> {
    if (this.#closed) throw new SqlWriteError('the database writer is closed');
    const ctx: ErrorContext = { endpoint: this.#label, database: this.#label, timeoutMs: 0, secrets: [] };
    const db = await this.#open();
    try {
      return await db.transaction(async (ptx) => {
        if (opts.readOnly) await ptx.query('SET TRANSACTION READ ONLY');
        await ptx.query(
          "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO', true), set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '3', true)",
        );
        const tx: SqlTx = {
          query: async <R extends SqlRow>(text: string, params: unknown[] = []) => {
            try {
              const res = await ptx.query<R>(text, params, { parsers: PGLITE_PARSERS });
              return { rows: res.rows };
            } catch (err) {
              throw toWriteError(err, ctx);
            }
          },
        };
        const result = await fn(tx);
        if (opts.readOnly) await ptx.rollback();
        return result;
      });
    } catch (err) {
      throw fromDriver(err, ctx);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing the database

export interface OpenSqlWriterOptions extends OpenSqlClientOptions {
  /** May a missing embedded directory be created? Only `db migrate` says yes. */
  create?: boolean;
}

/** DATABASE_URL when set, else the embedded data directory. Connects (or opens) lazily. */
export function openSqlWriter(opts: OpenSqlWriterOptions): SqlWriter {
  const url = opts.databaseUrl?.trim();
  if (url) {
    return new PgWriter(url, opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs });
  }
  return new PgliteWriter({
    dataDir: opts.embeddedDir,
    label: opts.embeddedLabel ?? opts.embeddedDir,
    create: opts.create ?? false,
  });
}

/**
 * The read-only door into a governed database. Every query runs inside `BEGIN READ ONLY`
 * with a statement timeout and is rolled back: the tool measures, it never writes (principle 8).
 * Two doors: node-postgres for a live server, PGlite for the embedded data directory that
 * makes everything work on a fresh machine.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { CustomTypesConfig, Pool, PoolClient, QueryConfig } from 'pg';
import pg from './pg.js';
import type { HaltReason } from '../../model/result.js';
import { cancelledOnSignal, type PgSession, stopWhenClientGone } from './cancel-on-signal.js';
import { PgliteWorkerHost, WorkerStartError } from './pglite-worker.js';
import { newPglite } from './pglite-load.js';
import { redact, urlSecrets } from './redact.js';
import { pgConnectionString, pgUrlTarget, sslRequest } from './url.js';
import { utcDate } from '../../util/calendar.js';

export { redact } from './redact.js';

export type SqlRow = Record<string, unknown>;

export interface SqlResult {
  rows: SqlRow[];
  /**
   * The names of the columns the query returned, in order, a name as often as it was returned:
   * a row keeps one value per name, so two columns named alike show only here.
   */
  columns?: string[];
}

export interface SqlQueryOptions {
  /** Enforced by the server (statement_timeout) where it can be, and always on the JS side. */
  timeoutMs: number;
  /** The limit the user set (--timeout), when timeoutMs is kept under it so the server stops the query first. */
  limitMs?: number;
  signal?: AbortSignal;
  /** Called once the query holds its connection, before it is sent: when its own time starts. */
  onStart?: () => void;
}

export interface SqlClient {
  /** Runs `text` with positional parameters in a READ ONLY transaction that is rolled back. */
  query(text: string, params: unknown[], opts: SqlQueryOptions): Promise<SqlResult>;
  close(): Promise<void>;
  /**
   * Starts connecting now, in the background, so that the first query does not wait for the
   * connection; a failure is not reported here but by that query. For a caller with other
   * work to do first (reading a spec). Resolves once the attempt is under way, not when it is done.
   */
  connectEarly?(): Promise<void>;
  /** Where the data comes from, safe for output: `host:port/db` or the embedded directory; never a password. */
  describe(): string;
}

/** A failure already translated into the halt it means and a reason a person can act on (redacted). */
export class SqlHaltError extends Error {
  readonly halt: HaltReason;
  readonly sqlstate: string | undefined;
  /**
   * Where in the query text the server placed the error (1-based, in characters), when it
   * did: a misspelt name or a syntax error, which the spec is then pointed at.
   */
  readonly position: number | undefined;
  constructor(halt: HaltReason, reason: string, sqlstate?: string, position?: number) {
    super(redact(reason));
    this.name = 'SqlHaltError';
    this.halt = halt;
    this.sqlstate = sqlstate;
    this.position = position;
  }
}

class QueryTimeoutError extends Error {}
class QueryAbortedError extends Error {}

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text.trim());
}

// ---------------------------------------------------------------------------------------------
// Error mapping

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'EADDRNOTAVAIL',
]);

export interface ErrorContext {
  /** host:port, for "unreachable at". */
  endpoint: string;
  /** describe(), for "in database". */
  database: string;
  timeoutMs: number;
  /** The limit the user set, which a timeout is reported against (SqlQueryOptions.limitMs). */
  limitMs?: number | undefined;
  secrets: readonly string[];
  /** What asked for SSL (`sslmode=require`, `PGSSLMODE=require`), for a server that refuses it. */
  sslRequest?: string | undefined;
}

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node reports a host with several addresses (localhost: ::1 and 127.0.0.1) as an AggregateError.
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) return errorCode(inner[0]);
  return undefined;
}

/** The server's error position: node-postgres and PGlite both carry it as the text of a number. */
function errorPosition(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const n = Number((err as { position?: unknown }).position);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (err instanceof AggregateError) return err.errors.map(errorMessage).join('; ');
  return String(err);
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * A timeout as the user set it: the server's statement_timeout is kept under --timeout on
 * purpose, so it stops the query first; its own figure alone would read as a wrong limit.
 */
function timedOut(ctx: ErrorContext, byServer: boolean): string {
  if (ctx.limitMs === undefined || ctx.limitMs === ctx.timeoutMs) return `query timed out after ${ctx.timeoutMs} ms`;
  const stopped = byServer
    ? `the server stopped it at ${seconds(ctx.timeoutMs)}`
    : `it ran past ${seconds(ctx.timeoutMs)}`;
  // Named without a flag: gate check sets it with --timeout, the demo with its own fixed limit.
  return `query timed out: over the measurement's ${seconds(ctx.limitMs)} limit (${stopped})`;
}

/** Translates any driver, server or deadline failure into the halt it means. */
export function toSqlHaltError(err: unknown, ctx: ErrorContext): SqlHaltError {
  if (err instanceof SqlHaltError) return err;
  const position = errorPosition(err);
  const make = (halt: HaltReason, reason: string, sqlstate?: string) =>
    new SqlHaltError(halt, redact(reason, ctx.secrets), sqlstate, sqlstate ? position : undefined);
  if (err instanceof QueryTimeoutError) {
    return make('error', `${timedOut(ctx, false)} (database ${ctx.database})`, '57014');
  }
  if (err instanceof QueryAbortedError) return make('error', `query aborted: the evaluation was cancelled`);

  const code = errorCode(err);
  const message = errorMessage(err);
  // A Unix socket that is not there (ENOENT on connect) is a server not running, as a refused port is.
  const socketMissing = code === 'ENOENT' && (err as { syscall?: unknown } | null)?.syscall === 'connect';
  if (code && (UNREACHABLE_CODES.has(code) || socketMissing)) {
    return make('missing', `database unreachable at ${ctx.endpoint} (${code})`);
  }
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    switch (code) {
      case '42P01':
      case '3F000':
        return make('missing', `${message} (database ${ctx.database})`, code);
      case '3D000':
        return make('missing', `${message} at ${ctx.endpoint}`, code);
      case '42501':
        return make(
          'error',
          `${message} (database ${ctx.database}): the role needs SELECT on the table and USAGE on its schema`,
          code,
        );
      case '57014':
        return make('error', `${timedOut(ctx, true)} (database ${ctx.database})`, code);
      case '25006':
        return make('error', `the query tried to write, and measurements are read-only: ${message}`, code);
      case '28P01':
      case '28000':
        return make('error', `authentication failed at ${ctx.endpoint}: ${message}`, code);
      case '57P01':
      case '57P02':
      case '57P03':
        return make('missing', `database unreachable at ${ctx.endpoint}: ${message}`, code);
      default:
        if (code.startsWith('08')) return make('missing', `database unreachable at ${ctx.endpoint}: ${message}`, code);
        if (code === '42601' && /multiple commands/.test(message)) {
          return make('error', 'a measurement query must be a single statement', code);
        }
        return make('error', `${message} (SQLSTATE ${code}, database ${ctx.database})`, code);
    }
  }
  if (isSslRefusal(err)) return make('error', sslRefusalReason(ctx));
  // node-postgres reports a connect timeout or a dropped socket in prose, with no code.
  if (/connection timeout|timeout expired|Connection terminated/i.test(message)) {
    return make('missing', `database unreachable at ${ctx.endpoint} (${message})`);
  }
  return make('error', message);
}

/** pg's words when the server answers its SSL request with "no": it has no SQLSTATE. */
export function isSslRefusal(err: unknown): boolean {
  return err instanceof Error && /server does not support SSL connections/i.test(err.message);
}

function sslRefusalReason(ctx: ErrorContext): string {
  const refused = `the server at ${ctx.endpoint} does not accept SSL connections`;
  const fix = 'or enable SSL on the server';
  if (ctx.sslRequest?.startsWith('PGSSLMODE=')) {
    return `${refused}, and ${ctx.sslRequest} asks for SSL: unset PGSSLMODE (or add sslmode=disable to the database URL) to connect without SSL, ${fix}`;
  }
  const by = ctx.sslRequest ? ` (${ctx.sslRequest})` : '';
  return `${refused}, and the database URL asks for SSL${by}: set sslmode=disable in the URL to connect without SSL, ${fix}`;
}

// ---------------------------------------------------------------------------------------------
// Deadlines

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new QueryAbortedError('aborted');
}

/**
 * Races `work` against a timer and the caller's signal. On expiry `onExpire` cuts the work
 * short (destroys the connection, terminates the worker); a late rejection of `work` is then
 * ignored.
 */
function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  onExpire: (err: Error) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const expire = (err: Error) =>
      finish(() => {
        onExpire(err);
        reject(err);
      });
    const timer = setTimeout(() => expire(new QueryTimeoutError('timeout')), ms);
    const onAbort = () => expire(new QueryAbortedError('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => finish(() => resolve(v)),
      (e) => finish(() => reject(e)),
    );
  });
}

/** A counting semaphore whose waiters give up when their evaluation is cancelled. */
class Slots {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(n: number) {
    this.#free = n;
  }

  async acquire(signal: AbortSignal | undefined): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new QueryAbortedError('aborted'));
      };
      const waiter = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/** statement_timeout 0 means "no limit": never send it. */
function timeoutSetting(ms: number): string {
  return String(Math.max(1, Math.floor(ms)));
}

// A server, database or role may set DateStyle (SQL, German) or IntervalStyle (iso_8601): the
// drivers read dates and times as ISO text, and intervals are read as PostgreSQL's own text.
// It may also set extra_float_digits below 1 (as older clients did), and a float is then sent
// rounded to 15 digits: 0.1 + 0.2 would read as 0.3, and two distinct float keys as one. 3
// is exact on every server (shortest-exact text from PostgreSQL 12 on, as any value above 0).
const SESSION_SETUP =
  "SELECT set_config('statement_timeout', $1, true), set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO', true), set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '3', true)";

// ---------------------------------------------------------------------------------------------
// `timestamp without time zone` carries no zone; both drivers would read it in the process's
// local zone, so the same database would give different evidence on different machines.
// The tool reads it as UTC, the same convention the UTC session zone gives the server side.

export const NAIVE_TIMESTAMP_OID = 1114;
const NAIVE = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?$/;

export function parseNaiveUtc(text: string): Date | string {
  const m = NAIVE.exec(text);
  if (!m) return text;
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  return utcDate(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
}

/**
 * `timestamp with time zone` as PGlite reads it: PGlite makes it `new Date(text)`, which reads
 * the years 0 to 99 as 1900 to 1999 (and `0001-…` as 2015), where node-postgres reads the year
 * as written. Other spellings (`infinity`, BC) keep PGlite's reading.
 */
export const ZONED_TIMESTAMP_OID = 1184;
const ZONED = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

export function parseZonedUtc(text: string): Date {
  const m = ZONED.exec(text);
  if (!m) return new Date(text);
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const wall = utcDate(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
  return new Date(wall.getTime() - (m[8] === '-' ? -offset : offset));
}

/** What a PGlite query is given, reading and writing alike. */
export const PGLITE_PARSERS = { [NAIVE_TIMESTAMP_OID]: parseNaiveUtc, [ZONED_TIMESTAMP_OID]: parseZonedUtc };

// ---------------------------------------------------------------------------------------------
// node-postgres

export interface PgClientOptions {
  /** How long to wait for a connection; default 5 s. */
  connectTimeoutMs?: number;
  /** Connections kept for concurrent measurements; default 4. */
  maxConnections?: number;
}

/** The server's statement_timeout should win, with its clean SQLSTATE; the JS timer is the backstop for a stalled network. */
const JS_GRACE_MS = 1_000;

/**
 * `date` has no zone either: node-postgres would make it local midnight (04:00Z in New York),
 * where PGlite makes it UTC midnight. Read as UTC midnight on both; other spellings
 * (`infinity`, BC dates) go to node-postgres's own parser.
 */
export const DATE_OID = 1082;
const DATE_ONLY = /^(\d{4,})-(\d\d)-(\d\d)$/;

function parseDateUtc(text: string): unknown {
  const m = DATE_ONLY.exec(text);
  if (!m) return pg.types.getTypeParser(DATE_OID, 'text')(text);
  return utcDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * `interval` stays the text PostgreSQL wrote (`01:02:00`, `3 days`), as PGlite returns it:
 * node-postgres would make it an object, so the same query would measure differently on the
 * two databases.
 */
export const INTERVAL_OID = 1186;
const asText = (text: string): string => text;

/** `timestamp without time zone` and `date` read as UTC; shared by the reading and the writing connections. */
export const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
  format === 'binary'
    ? pg.types.getTypeParser(oid, format)
    : oid === NAIVE_TIMESTAMP_OID
      ? parseNaiveUtc
      : oid === DATE_OID
        ? parseDateUtc
        : oid === INTERVAL_OID
          ? asText
          : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'];

export class PgClient implements SqlClient {
  readonly #url: string;
  readonly #endpoint: string;
  readonly #database: string;
  readonly #secrets: string[];
  readonly #sslRequest: string | undefined;
  readonly #opts: Required<PgClientOptions>;
  #pool: Pool | undefined;
  /** The connection connectEarly() opened, until the first query takes it. */
  #early: Promise<PoolClient> | undefined;
  #closed = false;
  /** A server that refused us once this run will refuse again: fail fast instead of waiting out each connect timeout. */
  #connectFailure: SqlHaltError | undefined;
  /** pg's pool would time a queued checkout out as a connect failure; queue here instead, without a clock. */
  readonly #slots: Slots;

  /** Does not connect: the first query does. */
  constructor(url: string, opts: PgClientOptions = {}) {
    const target = pgUrlTarget(url);
    // Never echo the string: it is the one place a password certainly is.
    if (!target) throw new SqlHaltError('error', 'the database URL is not a valid postgres:// or postgresql:// URL');
    this.#url = url.trim();
    this.#secrets = urlSecrets(this.#url);
    this.#sslRequest = sslRequest(this.#url, process.env);
    this.#endpoint = target.endpoint;
    this.#database = target.database;
    this.#opts = { connectTimeoutMs: opts.connectTimeoutMs ?? 5_000, maxConnections: opts.maxConnections ?? 4 };
    this.#slots = new Slots(this.#opts.maxConnections);
  }

  describe(): string {
    return redact(this.#database, this.#secrets);
  }

  async query(text: string, params: unknown[], opts: SqlQueryOptions): Promise<SqlResult> {
    const ctx: ErrorContext = {
      endpoint: this.#endpoint,
      database: this.describe(),
      timeoutMs: opts.timeoutMs,
      limitMs: opts.limitMs,
      secrets: this.#secrets,
      sslRequest: this.#sslRequest,
    };
    if (this.#closed) throw new SqlHaltError('error', 'the database client is closed');
    if (this.#connectFailure) throw this.#connectFailure;
    let client: PoolClient;
    let freeSlot: () => void;
    try {
      checkAborted(opts.signal);
      freeSlot = await this.#slots.acquire(opts.signal);
    } catch (err) {
      throw toSqlHaltError(err, ctx);
    }
    try {
      const early = this.#early;
      this.#early = undefined;
      client = await (early ?? this.#getPool().connect());
    } catch (err) {
      freeSlot();
      const halt = toSqlHaltError(err, ctx);
      if (halt.halt === 'missing' || halt.sqlstate?.startsWith('28') || isSslRefusal(err)) this.#connectFailure = halt;
      throw halt;
    }
    // A checked-out connection that dies emits 'error' besides failing its query, and the pool
    // listens only while the connection is idle: without this, a lost connection would crash
    // the process instead of halting the measurement.
    let broken = false;
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    opts.onStart?.();
    let released = false;
    const release = (destroy: boolean) => {
      if (released) return;
      released = true;
      client.removeListener('error', onError);
      client.release(destroy);
    };
    try {
      const work = cancelledOnSignal(client as unknown as PgSession, () =>
        this.#transaction(client, text, params, opts.timeoutMs, () => {
          broken = true;
        }),
      );
      return await withDeadline(work, opts.timeoutMs + JS_GRACE_MS, opts.signal, () => {
        // Destroying the connection is the only way to stop a query whose server went quiet.
        release(true);
      });
    } catch (err) {
      throw toSqlHaltError(err, ctx);
    } finally {
      release(broken);
      freeSlot();
    }
  }

  async connectEarly(): Promise<void> {
    if (this.#closed || this.#connectFailure || this.#early) return;
    // The first query takes this connection (or its failure) instead of opening another: while
    // the caller's synchronous work runs, the pool cannot learn that it is ready.
    const early = this.#getPool().connect();
    early.catch(() => {});
    this.#early = early;
    // One turn of the event loop sees the socket connected and sends the startup message, so the
    // server starts the session while the caller's synchronous work (parsing YAML) runs.
    await new Promise((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    // An early connection no query took is checked out: the pool would wait for it forever.
    const early = this.#early;
    this.#early = undefined;
    if (early)
      await early.then(
        (c) => c.release(true),
        () => {},
      );
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await pool.end();
  }

  #getPool(): Pool {
    if (!this.#pool) {
      this.#pool = new pg.Pool({
        connectionString: pgConnectionString(this.#url),
        connectionTimeoutMillis: this.#opts.connectTimeoutMs,
        max: this.#opts.maxConnections,
        application_name: 'rfcgate',
        allowExitOnIdle: true,
        types: { getTypeParser },
      });
      // An idle connection dropped by the server must not crash the process; the next query reconnects.
      this.#pool.on('error', () => {});
      this.#pool.on('connect', stopWhenClientGone);
    }
    return this.#pool;
  }

  /** `markBroken` flags a connection that must not go back to the pool. */
  async #transaction(
    client: PoolClient,
    text: string,
    params: unknown[],
    timeoutMs: number,
    markBroken: () => void,
  ): Promise<SqlResult> {
    let result: SqlResult | undefined;
    let failure: unknown;
    try {
      // One round trip for both: the setting is digits made here, never outside input.
      await client.query(
        `BEGIN READ ONLY; SET LOCAL statement_timeout = ${timeoutSetting(timeoutMs)}; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3`,
      );
      // The extended protocol even without parameters: the simple protocol would accept
      // `ROLLBACK; INSERT ...` and step out of the read-only transaction.
      const config: QueryConfig & { queryMode: 'extended' } = { text, values: params, queryMode: 'extended' };
      const res = await client.query(config);
      result = { rows: res.rows as SqlRow[], columns: res.fields.map((f) => f.name) };
    } catch (err) {
      // Server errors carry a SQLSTATE and leave the connection usable; anything else may not.
      if (errorCode(err) === undefined) markBroken();
      failure = err;
    }
    try {
      await client.query('ROLLBACK');
    } catch (err) {
      markBroken();
      // The query's own failure explains more than the rollback's.
      if (result !== undefined) throw err;
    }
    if (result === undefined) throw failure;
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// PGlite

export interface PgliteClientOptions {
  /** A PGlite data directory, opened on a worker thread (see pglite-worker.ts). */
  dataDir?: string;
  /**
   * An instance the caller owns (tests, `demo` between writing and reading); used on this
   * thread and not closed by close(). A runaway query cannot be pre-empted on this path: it is
   * reported as timed out once it returns.
   */
  db?: PGlite;
  /** How long opening the data directory may take; default 30 s. */
  openTimeoutMs?: number;
  /** What describe() shows instead of the directory (a path relative to the repository keeps evidence machine-independent). */
  label?: string;
}

/**
 * Why PGlite could not open a data directory, as a person can act on it. PostgreSQL's own
 * complaint about a damaged directory (no pg_control, WAL gone, another major version) does
 * not reach the caller: the WASM build aborts with emscripten's "Aborted(). Build with
 * -sASSERTIONS for more info.", or says it "failed to initialize properly".
 */
export function pgliteOpenFailure(message: string): string {
  if (!/^Aborted\(|failed to initiali[sz]e/i.test(message.trim())) return message;
  return 'PostgreSQL (PGlite) could not start on it, so the data directory is damaged (a process killed while writing it, a file removed or truncated) or was made by another PostgreSQL version; restore it from a backup, or move it aside and run `rfcgate db migrate` to create a new, empty one';
}

/** PGlite from a data directory, a borrowed instance, or (given neither) a fresh in-memory database. */
export class PgliteClient implements SqlClient {
  readonly #label: string;
  readonly #host: PgliteWorkerHost | undefined;
  readonly #borrowed: boolean;
  #db: PGlite | undefined;
  #dbLoading: Promise<PGlite> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(opts: PgliteClientOptions = {}) {
    if (opts.db && opts.dataDir) throw new Error('PgliteClient: give dataDir or db, not both');
    this.#borrowed = opts.db !== undefined;
    this.#db = opts.db;
    this.#host = opts.dataDir ? new PgliteWorkerHost(opts.dataDir, opts.openTimeoutMs ?? 30_000) : undefined;
    this.#label = `pglite:${opts.label ?? opts.dataDir ?? 'memory'}`;
  }

  describe(): string {
    return redact(this.#label);
  }

  async query(text: string, params: unknown[], opts: SqlQueryOptions): Promise<SqlResult> {
    const ctx: ErrorContext = {
      endpoint: this.#label,
      database: this.#label,
      timeoutMs: opts.timeoutMs,
      limitMs: opts.limitMs,
      secrets: [],
    };
    if (this.#closed) throw new SqlHaltError('error', 'the database client is closed');
    // PGlite is one connection: transactions must not interleave. The deadline starts once
    // this query holds the connection, not while it waits behind another.
    const previous = this.#tail;
    let release = () => {};
    this.#tail = new Promise<void>((r) => {
      release = r;
    });
    let work: Promise<SqlResult> | undefined;
    try {
      await previous;
      checkAborted(opts.signal);
      // Opening the database is not the query's time: the open has its own limit.
      await this.#prepare();
      opts.onStart?.();
      const started = performance.now();
      work = this.#run(text, params, opts.timeoutMs);
      // The lock is held until the work itself settles, even if the deadline gave up on it first.
      work.then(release, release);
      const result = await withDeadline(work, opts.timeoutMs, opts.signal, (err) => this.#host?.kill(err));
      // On this thread the timer cannot fire while WASM is busy; judge by the clock afterwards.
      if (performance.now() - started > opts.timeoutMs) throw new QueryTimeoutError('timeout');
      return result;
    } catch (err) {
      if (!work) release();
      if (err instanceof WorkerStartError) {
        throw new SqlHaltError(
          'error',
          `cannot open the embedded database ${this.#label}: ${pgliteOpenFailure(err.message)}`,
        );
      }
      throw toSqlHaltError(err, ctx);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#host?.close();
    if (!this.#borrowed && this.#db) await this.#db.close();
    this.#db = undefined;
  }

  async #prepare(): Promise<void> {
    if (this.#host) await this.#host.start();
    else await this.#memoryDb();
  }

  async #run(text: string, params: unknown[], timeoutMs: number): Promise<SqlResult> {
    if (this.#host) return this.#host.run(text, params, timeoutMs);
    return runReadOnly(await this.#memoryDb(), text, params, timeoutMs);
  }

  async #memoryDb(): Promise<PGlite> {
    if (this.#db) return this.#db;
    if (!this.#dbLoading) {
      this.#dbLoading = newPglite().then(async (db) => {
        await db.waitReady;
        this.#db = db;
        return db;
      });
    }
    return this.#dbLoading;
  }
}

/** The in-thread twin of the worker's runReadOnly (pglite-worker.ts); keep the two in step. */
async function runReadOnly(db: PGlite, text: string, params: unknown[], timeoutMs: number): Promise<SqlResult> {
  await db.query('BEGIN READ ONLY');
  try {
    await db.query(SESSION_SETUP, [timeoutSetting(timeoutMs)]);
    const res = await db.query<SqlRow>(text, params, { parsers: PGLITE_PARSERS });
    return { rows: res.rows, columns: res.fields.map((f) => f.name) };
  } finally {
    await db.query('ROLLBACK');
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing the database

export interface OpenSqlClientOptions {
  /** A DATABASE_URL-style `postgres://` URL; when set it wins over the embedded directory. */
  databaseUrl?: string;
  /** The embedded PGlite data directory (absolute, or relative to the working directory). */
  embeddedDir: string;
  /** How the embedded directory is named in reasons and evidence; default embeddedDir. */
  embeddedLabel?: string;
  connectTimeoutMs?: number;
}

/**
 * DATABASE_URL when set, else the embedded data directory if it exists. Throws SqlHaltError
 * rather than creating a missing directory: a gate check must not write, and an empty
 * database would only turn every measurement into "no rows".
 */
export function openSqlClient(opts: OpenSqlClientOptions): SqlClient {
  const url = opts.databaseUrl?.trim();
  if (url) {
    return new PgClient(url, opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs });
  }
  const dir = opts.embeddedDir;
  const label = opts.embeddedLabel ?? dir;
  const hint =
    'set DATABASE_URL to a postgres:// URL, or create a PGlite data directory there holding the measurement tables';
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SqlHaltError(
      'missing',
      `no database: DATABASE_URL is not set and the embedded database ${label} does not exist; ${hint}`,
    );
  }
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    throw new SqlHaltError(
      'missing',
      `no database: DATABASE_URL is not set and ${label} is not a PostgreSQL data directory (no PG_VERSION); ${hint}`,
    );
  }
  return new PgliteClient({ dataDir: dir, label });
}

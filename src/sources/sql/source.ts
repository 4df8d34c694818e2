/**
 * SQL measurements: one read-only query per measurement, the value and the statistics that
 * prove it was measured (rows, days with rows, newest, first seen) from the same scan, and a
 * halt with its reason whenever those say the value cannot be trusted.
 */
import { resolve } from 'node:path';
import type { Evidence, EvidenceValue, HaltReason, SourceLocation } from '../../model/result.js';
import type {
  MeasurementSpec,
  Requirements,
  RfcManifest,
  SqlRawQuery,
  SqlTableQuery,
  ValueType,
} from '../../spec/types.js';
import { formatAge, parseDuration } from '../../util/duration.js';
import {
  type EvalContext,
  halt,
  type MeasuredValue,
  type MeasurementOutcome,
  type MeasurementSource,
  ok,
} from '../types.js';
import { openSqlClient, PgClient, type SqlClient, SqlHaltError, type SqlRow, toSqlHaltError } from './client.js';
import { ParamRewriteError } from './params.js';
import pg from './pg.js';
import {
  type BuiltQuery,
  buildNewestEverQuery,
  buildRawQuery,
  buildTableQuery,
  QueryBuildError,
  type RawParam,
} from './query.js';
import { redact } from './redact.js';
import { urlProblem } from './url.js';
import { UsageError } from '../../spec/problems.js';
import { utcDate } from '../../util/calendar.js';
import { CLOCK_SLACK_MS, CURRENT_STATE_TOLERANCE_MS } from '../../util/clock.js';
import { escapeRegex } from '../../util/escape-regex.js';

/** Where the embedded database lives when the manifest does not say. */
export const DEFAULT_EMBEDDED_DIR = '.rfcgate/pgdata';
export const DEFAULT_SQL_TIMEOUT_MS = 30_000;

export interface SqlSourceOptions {
  /** Opens the default database on the first sql measurement; may throw SqlHaltError (e.g. no database configured). */
  open: () => SqlClient | Promise<SqlClient>;
  /** Opens the database of a measurement's `connection_env` URL; default a PgClient. */
  openUrl?: (url: string) => SqlClient;
  /** Where `connection_env` names are looked up; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Statement timeout of each query; default 30 s. */
  timeoutMs?: number;
  /** The limit the user set (--timeout) that timeoutMs is kept under, which a timeout is reported against. */
  limitMs?: number;
  /** The present, against which a `current_state` measurement's as_of is judged; default the clock. */
  now?: () => Date;
  /**
   * The instant the DEFAULT database is a copy of (--snapshot-at): its present state is that
   * instant's. A `connection_env` database is another server, not restored with it, so it is
   * still judged against `now`.
   */
  snapshotAt?: Date;
  /** The variable in `env` whose URL `open` connects to (DATABASE_URL), checked before it is opened. */
  defaultUrlEnv?: string;
}

export interface SqlSourceForRepoOptions {
  repoDir: string;
  manifest: Pick<RfcManifest, 'database'>;
  /** DATABASE_URL and every `connection_env` are read from here. */
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
  limitMs?: number;
  now?: () => Date;
  /** See SqlSourceOptions.snapshotAt. */
  snapshotAt?: Date;
}

/** What measure check found of one measurement's query: see SqlMeasurementSource.check. */
export type QueryCheck =
  | {
      status: 'ok';
      database: string;
      /** Why a raw query's columns could not be asked for by name, when they could not. */
      note?: string;
    }
  | {
      status: 'problem';
      /** The database's words, and where the spec writes the text it rejected. */
      message: string;
      location: SourceLocation;
      /** The key of the sql block the location is in (`sql.query`, `sql.where`…), or `sql`. */
      key: string;
      database?: string;
    }
  | { status: 'halt'; halt: HaltReason; message: string; database?: string };

/** `text` inside `head` and `tail`: the server's error positions still map back to the spec. */
function within(built: BuiltQuery, head: string, tail: string): BuiltQuery {
  const end = head.length + built.text.length;
  return {
    text: `${head}${built.text}${tail}`,
    names: built.names,
    origin: (at) => (at >= head.length && at < end ? built.origin(at - head.length) : undefined),
  };
}

function isTableForm(spec: SqlTableQuery | SqlRawQuery): spec is SqlTableQuery {
  return (spec as SqlTableQuery).table !== undefined;
}

export class SqlMeasurementSource implements MeasurementSource {
  readonly kind = 'sql' as const;
  // Measurements wait for a connection (PGlite has one; a pool a few) behind each other, and
  // opening the embedded directory has its own limit: each is timed from its own query.
  readonly timedFromStart = false;
  readonly #open: () => SqlClient | Promise<SqlClient>;
  readonly #openUrl: (url: string) => SqlClient;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #timeoutMs: number;
  readonly #limitMs: number | undefined;
  readonly #now: () => Date;
  readonly #snapshotAt: Date | undefined;
  readonly #defaultUrlEnv: string | undefined;
  #default: Promise<SqlClient> | undefined;
  readonly #byUrl = new Map<string, SqlClient>();

  constructor(opts: SqlSourceOptions) {
    this.#open = opts.open;
    this.#openUrl = opts.openUrl ?? ((url) => new PgClient(url));
    this.#env = opts.env ?? process.env;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_SQL_TIMEOUT_MS;
    this.#limitMs = opts.limitMs;
    this.#now = opts.now ?? (() => new Date());
    this.#snapshotAt = opts.snapshotAt;
    this.#defaultUrlEnv = opts.defaultUrlEnv;
  }

  /**
   * The source as a governed repository uses it: DATABASE_URL when set, else the manifest's
   * embedded directory (default `.rfcgate/pgdata`) under the repository root. Nothing is
   * opened until a sql measurement is evaluated.
   */
  static forRepo(opts: SqlSourceForRepoOptions): SqlMeasurementSource {
    const relative = opts.manifest.database?.embedded_dir ?? DEFAULT_EMBEDDED_DIR;
    return new SqlMeasurementSource({
      env: opts.env,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.limitMs === undefined ? {} : { limitMs: opts.limitMs }),
      ...(opts.now === undefined ? {} : { now: opts.now }),
      ...(opts.snapshotAt === undefined ? {} : { snapshotAt: opts.snapshotAt }),
      defaultUrlEnv: 'DATABASE_URL',
      open: () =>
        openSqlClient({
          databaseUrl: opts.env.DATABASE_URL,
          embeddedDir: resolve(opts.repoDir, relative),
          // The label, not the absolute path, goes into evidence: the same repo gives the same report on any machine.
          embeddedLabel: relative,
        }),
    });
  }

  async measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome> {
    const evidence: Evidence = {};
    // Every reason names its measurement: a gate reading several must say which one halted.
    const because = (reason: string) => redact(`measurement '${m.id}': ${reason}`);
    this.#refuseMalformedUrl(m);
    const sent: { query?: BuiltQuery } = {};
    try {
      const outcome = await this.#measure(m, ctx, evidence, sent);
      return outcome.status === 'ok'
        ? ok(outcome.value, scrub(outcome.evidence))
        : halt(outcome.halt, because(outcome.reason), scrub(outcome.evidence));
    } catch (err) {
      const h = this.#toHalt(err);
      const at = writtenAt(m, h, sent.query);
      if (!at) return halt(h.halt, because(h.message), scrub(evidence));
      const { key, ...location } = at;
      evidence.written_at = { ...location, key };
      const where = `${location.file}:${location.line}:${location.col}`;
      return halt(h.halt, because(`${h.message}; written at ${where} (${key})`), scrub(evidence), location);
    }
  }

  /**
   * The measurement's query as gate check would send it as of `asOf`, checked against the live
   * schema without reading a row (principle 7): planned with EXPLAIN, and for a raw query the
   * columns its requirements read from the row asked for by name. A text the database rejects
   * (a misspelt table, column or function, a type mismatch, a syntax error) is a `problem`,
   * located where the spec writes it; a check that cannot be made (the database unreachable,
   * its variable unset, a missing grant, a timeout) is a `halt`, as it would halt gate check.
   */
  async check(m: MeasurementSpec, asOf: Date): Promise<QueryCheck> {
    this.#refuseMalformedUrl(m);
    if (m.source !== 'sql') throw new SqlHaltError('error', 'not a sql measurement');
    let database: string | undefined;
    const problem = (message: string, at?: SourceLocation & { key: string }): QueryCheck => {
      const { key, ...location } = at ?? { ...(m.textAt?.() ?? m.location), key: 'sql' };
      return { status: 'problem', message: redact(message), location, key, ...(database ? { database } : {}) };
    };
    let prepared: PreparedQuery;
    try {
      prepared = prepareQuery(m, asOf);
    } catch (err) {
      // A window, a table or a parameter the spec writes wrongly: no query to send.
      return problem(this.#toHalt(err).message);
    }
    const { built, params, req, type } = prepared;
    const explained = within(built, 'EXPLAIN ', '');
    try {
      const client = await this.#client(m, {});
      database = client.describe();
      const opts = { timeoutMs: this.#timeoutMs, ...(this.#limitMs === undefined ? {} : { limitMs: this.#limitMs }) };
      const plan = await client.query(explained.text, params, opts);
      const writes = writingStep(plan.rows);
      if (writes !== undefined) {
        const key = isTableForm(m.sql) ? undefined : 'query';
        return problem(
          `the query ${writes}, which the READ ONLY transaction gate check runs it in refuses: a measurement only reads`,
          key ? { ...(m.textAt?.(key, 0) ?? m.location), key: `sql.${key}` } : undefined,
        );
      }
      // The row's columns, asked for by name around the query as what the evaluation reads
      // them as: the table form's value (its other columns are rfcgate's), a raw query's all.
      const table = isTableForm(m.sql);
      const asked = readColumns(table ? [['value', `type: ${type}`]] : neededColumns(req), type);
      const columns = await this.#askColumns(client, built, params, asked, opts);
      if ('unchecked' in columns) return { status: 'ok', database, note: columns.unchecked };
      if (columns.problems.length > 0) {
        const key = table ? 'value' : 'query';
        return problem(columns.problems.join('; '), { ...(m.textAt?.(key, 0) ?? m.location), key: `sql.${key}` });
      }
      return { status: 'ok', database };
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const h = this.#toHalt(err);
      if (isTextError(h.sqlstate)) {
        return problem(h.message, writtenAt(m, h, explained));
      }
      // A data exception while the query was only being planned: no row was read, so the text
      // holds it (a literal its type cannot read, '2026-13-01' or '14 dayz', a constant
      // expression that cannot be computed), and gate check would halt on it every run.
      if (h.sqlstate?.startsWith('22')) {
        return problem(h.message, positionAt(m, h, explained));
      }
      return { status: 'halt', halt: h.halt, message: redact(h.message), ...(database ? { database } : {}) };
    }
  }

  /**
   * Asks for each column by name around a query that plans, cast to what the evaluation reads
   * it as (EXPLAIN SELECT CAST("value" AS double precision), … FROM (query)), which still runs
   * nothing: a column the row lacks, holds twice or has of a type that cannot be read so, each
   * a problem. The server stops at the first; each is then asked again without it.
   */
  async #askColumns(
    client: SqlClient,
    built: BuiltQuery,
    params: string[],
    asked: ReadColumn[],
    opts: { timeoutMs: number; limitMs?: number },
  ): Promise<{ problems: string[] } | { unchecked: string }> {
    const body = built.text.replace(/;\s*$/, '');
    const problems: string[] = [];
    let left = asked;
    while (left.length > 0) {
      const items = left.map((c) => {
        const name = pg.escapeIdentifier(c.column);
        return c.cast ? `CAST(${name} AS ${c.cast.sql})` : name;
      });
      const head = `EXPLAIN SELECT ${items.join(', ')} FROM (\n`;
      const text = `${head}${body}\n) AS rfcgate_columns`;
      try {
        await client.query(text, params, opts);
        break;
      } catch (err) {
        const h = this.#toHalt(err);
        // Which asked-for column the server stopped at.
        const at = h.position === undefined ? -1 : sentIndex(text, h.position);
        let offset = 'EXPLAIN SELECT '.length;
        const i = items.findIndex((item) => {
          const hit = at >= offset && at < offset + item.length;
          offset += item.length + 2;
          return hit;
        });
        const column = left[i];
        const found = column && columnProblem(column, h);
        if (!found) {
          // The query itself was planned before: what failed is reading it inside another (a
          // `;` before a closing comment, a constant the cast folds), which gate check never does.
          if (isTextError(h.sqlstate) || h.sqlstate?.startsWith('22')) {
            return { unchecked: `its columns were not checked: ${redact(h.message)}` };
          }
          throw err;
        }
        problems.push(found);
        left = left.filter((_, k) => k !== i);
      }
    }
    for (const c of left) {
      if (!c.refused) continue;
      const type = await this.#columnType(client, body, params, c.column, opts);
      if (type !== undefined && c.refused.types(type)) {
        problems.push(`column ${c.column} is of type ${type}, not ${c.refused.as} (${c.reads})${c.refused.hint(type)}`);
      }
    }
    return { problems };
  }

  /**
   * The type of a column of a query that plans, by name, without running it: COALESCE with a
   * NULL of a type no measurement returns (pg_lsn) cannot match it, and the server's refusal
   * names it (a domain by its base type). Undefined when it does match, or the server says
   * something else: the query itself was planned before, so this check only adds.
   */
  async #columnType(
    client: SqlClient,
    body: string,
    params: string[],
    column: string,
    opts: { timeoutMs: number; limitMs?: number },
  ): Promise<string | undefined> {
    const text = `EXPLAIN SELECT COALESCE(${pg.escapeIdentifier(column)}, NULL::pg_catalog.pg_lsn) FROM (\n${body}\n) AS rfcgate_columns`;
    try {
      await client.query(text, params, opts);
      return undefined;
    } catch (err) {
      const h = this.#toHalt(err);
      // Another category (integer[]): `types X and pg_lsn cannot be matched`; pg_lsn's own
      // (bytea, uuid): `could not convert type pg_lsn to X`; the message then says where from.
      const named =
        /^COALESCE types (.+) and pg_lsn cannot be matched/.exec(h.message) ??
        /^COALESCE could not convert type pg_lsn to (.+?)(?: \(SQLSTATE |$)/.exec(h.message);
      if (named?.[1] !== undefined) return named[1];
      if (isTextError(h.sqlstate) || h.sqlstate?.startsWith('22')) return undefined;
      throw err;
    }
  }

  #toHalt(err: unknown): SqlHaltError {
    if (err instanceof SqlHaltError) return err;
    if (err instanceof QueryBuildError || err instanceof ParamRewriteError)
      return new SqlHaltError('error', err.message);
    return toSqlHaltError(err, {
      endpoint: '?',
      database: '?',
      timeoutMs: this.#timeoutMs,
      limitMs: this.#limitMs,
      secrets: [],
    });
  }

  /**
   * A connection string that cannot be read is the user's to fix, not a database to wait for:
   * the whole invocation is invalid (exit 3), said once, as every other command says it, instead
   * of halting each measurement that reads the database. Thrown before anything is measured, so
   * even a measurement that would halt without a query (present state at a past as_of) says it.
   */
  #refuseMalformedUrl(m: MeasurementSpec): void {
    if (m.source !== 'sql') return;
    const name = m.sql.connection_env ?? this.#defaultUrlEnv;
    if (name === undefined) return;
    const url = this.#env[name]?.trim();
    const problem = url ? urlProblem(name, url, m.sql.connection_env === undefined) : undefined;
    if (problem) throw new UsageError(problem);
  }

  async close(): Promise<void> {
    const clients: SqlClient[] = [...this.#byUrl.values()];
    this.#byUrl.clear();
    const pending = this.#default;
    this.#default = undefined;
    if (pending) {
      try {
        clients.push(await pending);
      } catch {
        // It never opened; nothing to close.
      }
    }
    await Promise.all(clients.map((c) => c.close()));
  }

  async #client(m: MeasurementSpec & { source: 'sql' }, evidence: Evidence): Promise<SqlClient> {
    const name = m.sql.connection_env;
    if (name === undefined) {
      this.#default ??= Promise.resolve().then(() => this.#open());
      return this.#default;
    }
    evidence.connection_env = name;
    const url = this.#env[name]?.trim();
    if (!url) {
      throw new SqlHaltError('missing', `its database is named by ${name}, which is not set`);
    }
    let client = this.#byUrl.get(url);
    if (!client) {
      client = this.#openUrl(url);
      this.#byUrl.set(url, client);
    }
    return client;
  }

  /** `sent`: the query last sent, which a server's error position is read against. */
  async #measure(
    m: MeasurementSpec,
    ctx: EvalContext,
    evidence: Evidence,
    sent: { query?: BuiltQuery },
  ): Promise<MeasurementOutcome> {
    if (m.source !== 'sql') throw new SqlHaltError('error', 'not a sql measurement');
    const spec = m.sql;
    const table = isTableForm(spec);
    const { type, req, end, start, windowMs, maxAgeMs, built, bound, params } = prepareQuery(m, ctx.asOf);

    evidence.sql = built.text;
    evidence.params = params;
    evidence.window = { start: start.toISOString(), end: end.toISOString() };
    if (spec.current_state) {
      // No history to read the past from: today's saga states or attached partitions say
      // nothing of what held at a past as_of, and a gate must not pass on them. The reason
      // names as_of, never its distance from the clock: a replay of the same as_of must give
      // the same report whenever it runs (principle 5).
      const snapshot = spec.connection_env === undefined ? this.#snapshotAt : undefined;
      const behind = (snapshot ?? this.#now()).getTime() - end.getTime();
      if (behind > CURRENT_STATE_TOLERANCE_MS) {
        evidence.current_state = true;
        const tolerance = formatAge(CURRENT_STATE_TOLERANCE_MS);
        const cannot = `it reads the database's present state, which keeps no history, so it cannot be measured as of ${bound.as_of}`;
        let fix: string;
        if (snapshot !== undefined) {
          const at = snapshot.toISOString();
          fix = `, more than ${tolerance} before ${at}, the instant --snapshot-at says the database depicts; evaluate as of that instant (--as-of ${at})`;
        } else if (spec.connection_env !== undefined) {
          // --snapshot-at is no fix here: it describes the default database, not this one.
          fix = `, more than ${tolerance} in the past; evaluate without --as-of, or with one within ${tolerance} of now${this.#snapshotAt ? ` (--snapshot-at describes the default database, not the one ${spec.connection_env} names)` : ''}`;
        } else {
          // A restored copy is the usual reason to replay with --as-of, and the flag is its fix.
          fix = `, more than ${tolerance} in the past; evaluate without --as-of (or with one within ${tolerance} of now), or, if the database is a restored copy of a past instant, give that instant as --snapshot-at`;
        }
        return halt('missing', `${cannot}${fix}`, evidence);
      }
    }
    const client = await this.#client(m, evidence);
    evidence.database = client.describe();

    sent.query = built;
    const result = await client.query(built.text, params, {
      timeoutMs: this.#timeoutMs,
      ...(this.#limitMs === undefined ? {} : { limitMs: this.#limitMs }),
      signal: ctx.signal,
      ...(ctx.started ? { onStart: ctx.started } : {}),
    });
    if (result.rows.length === 0) {
      return halt('missing', `the query returned no row`, evidence);
    }
    if (result.rows.length > 1) {
      return halt(
        'error',
        `the query returned ${result.rows.length} rows; a measurement query must return exactly one`,
        evidence,
      );
    }
    const row = result.rows[0] as SqlRow;
    // The row keeps one value of two columns named alike (the driver keeps the last): a join of
    // two subqueries that each return `value` would be measured by whichever came last.
    const twice = READ_COLUMNS.find((c) => (result.columns ?? []).filter((name) => name === c).length > 1);
    if (twice !== undefined) {
      return halt('error', `the query returns more than one column named ${twice}: name them apart`, evidence);
    }

    if (!table) {
      for (const [column, why] of neededColumns(req)) {
        if (!(column in row)) {
          return halt('error', `the query must return a column named ${column} (needed by ${why})`, evidence);
        }
      }
    }

    const rows = 'rows' in row ? toCount(row.rows, 'rows') : undefined;
    const days = 'days_with_rows' in row ? toCount(row.days_with_rows, 'days_with_rows') : undefined;
    const newest = 'newest' in row ? toTime(row.newest, 'newest') : undefined;
    const firstSeen = 'first_seen' in row ? toTime(row.first_seen, 'first_seen') : undefined;
    if (rows !== undefined) evidence.rows = rows;
    if (days !== undefined) evidence.days_with_rows = days;
    if (newest !== undefined) evidence.newest = newest === null ? null : newest.toISOString();
    if (firstSeen !== undefined) evidence.first_seen = firstSeen === null ? null : firstSeen.toISOString();
    evidence.value = toEvidence(row.value);

    // A newest row after as_of was recorded after the instant measured: the query reads past its
    // window (no `< $as_of`), so its value holds later rows too, and max_age would be met by an
    // age below zero, in a replay (--as-of) of a channel silent then. A database clock a little
    // ahead of this machine's is allowed for.
    if (newest && newest.getTime() > end.getTime() + CLOCK_SLACK_MS) {
      return halt(
        'error',
        `the newest row (${newest.toISOString()}) is after as_of (${bound.as_of}): the query reads rows recorded after the instant it measures; bound them with < $as_of`,
        evidence,
      );
    }

    const windowText = m.window ? `the ${m.window} window` : 'the window';
    // What `rows` counted, in the spec's words when a raw query counts something else than the
    // window's rows (the sessions a pinned baseline was computed from), so a halt names it.
    const rowsAre = !table && spec.rows_are !== undefined ? spec.rows_are : undefined;
    const counted = (n: number) => (rowsAre ? `${n} ${rowsAre}` : `${n} rows in ${windowText}`);

    // Zero rows is unmeasured, not clean. An event counter is the exception: its zero is
    // judged by the engine against the `liveness` measurement the spec must name.
    const zeroRows = rows === 0;
    if (zeroRows && !m.counts_events) {
      if (table) {
        const probe = buildNewestEverQuery(spec);
        const probeParams = probe.names.map((n) => bound[n]);
        evidence.probe_sql = probe.text;
        sent.query = probe;
        const probed = await client.query(probe.text, probeParams, {
          timeoutMs: this.#timeoutMs,
          // A timeout here is reported against the user's --timeout too, as the first query's is.
          ...(this.#limitMs === undefined ? {} : { limitMs: this.#limitMs }),
          signal: ctx.signal,
          ...(ctx.started ? { onStart: ctx.started } : {}),
        });
        const ever = toTime(probed.rows[0]?.newest_ever ?? null, 'newest_ever');
        evidence.newest_ever = ever === null ? null : ever.toISOString();
        // A channel that produced before and is silent now is an alarm, not a quiet zero (principle 6).
        evidence.channel = ever === null ? 'never_started' : 'went_dark';
        if (ever === null) {
          return halt(
            'missing',
            `never started: no rows ever in ${spec.table} matching the measurement before ${bound.as_of}`,
            evidence,
          );
        }
        return halt(
          'missing',
          `went dark: no rows in ${windowText}; the channel's last row was at ${ever.toISOString()}, ${formatAge(end.getTime() - ever.getTime())} before as_of`,
          evidence,
        );
      }
      return halt(
        'missing',
        rowsAre
          ? `the query counted zero ${rowsAre}${row.value === null || row.value === undefined ? ', and its value is NULL' : ''}`
          : `the query counted zero rows in ${windowText}`,
        evidence,
      );
    }

    if (maxAgeMs !== undefined && !(zeroRows && m.counts_events)) {
      if (newest === null || newest === undefined) {
        return halt('missing', `no newest row in ${windowText}, so its age is unknown`, evidence);
      }
      const age = end.getTime() - newest.getTime();
      if (age > maxAgeMs) {
        return halt(
          'stale',
          `the newest row (${newest.toISOString()}) is ${formatAge(age)} old, older than max_age ${req.max_age}`,
          evidence,
        );
      }
    }

    if (req.days_with_rows !== undefined && (days ?? 0) < req.days_with_rows) {
      const have = days ?? 0;
      if (firstSeen && firstSeen.getTime() > start.getTime() && windowMs !== undefined) {
        const matures = new Date(firstSeen.getTime() + windowMs);
        evidence.matures_at = matures.toISOString();
        return halt(
          'pending',
          `the channel's first row (${firstSeen.toISOString()}) is younger than ${windowText}; rows on ${have} of the required ${req.days_with_rows} days so far; the window matures at ${matures.toISOString()}`,
          evidence,
        );
      }
      return halt(
        'insufficient',
        `rows on ${have} of the required ${req.days_with_rows} days in ${windowText}`,
        evidence,
      );
    }

    if (req.min_rows !== undefined && (rows ?? 0) < req.min_rows) {
      return halt('insufficient', `${counted(rows ?? 0)}, fewer than the required ${req.min_rows}`, evidence);
    }

    if (row.value === null || row.value === undefined) {
      // A raw query with no window reads what it chooses: NULL is its answer, not an empty window.
      const why = m.window || table ? `nothing to aggregate in ${windowText}` : 'the query returned no value';
      return halt('missing', `the value is NULL (${why})`, evidence);
    }

    const coerced = coerceValue(row.value, type);
    if (!coerced.ok) return halt('error', `${coerced.reason}`, evidence);
    evidence.value = toEvidence(coerced.value);
    return ok(coerced.value, evidence);
  }
}

// ---------------------------------------------------------------------------------------------

interface PreparedQuery {
  type: ValueType;
  req: Requirements;
  /** The window is [start, end): end is as_of. */
  end: Date;
  start: Date;
  windowMs: number | undefined;
  maxAgeMs: number | undefined;
  built: BuiltQuery;
  bound: Record<RawParam, string>;
  params: string[];
}

/** The query a measurement sends as of `asOf`, and its parameters: the same for gate check and measure check. */
function prepareQuery(m: MeasurementSpec, asOf: Date): PreparedQuery {
  if (m.source !== 'sql') throw new SqlHaltError('error', 'not a sql measurement');
  const spec = m.sql;
  const type: ValueType = m.type ?? 'double';
  const req = m.require ?? {};
  const table = isTableForm(spec);

  // The window is [as_of - window, as_of): nothing recorded at or after as_of may count.
  const end = asOf;
  let windowMs: number | undefined;
  if (m.window !== undefined) {
    windowMs = parseDuration(m.window);
    if (windowMs === undefined) {
      throw new SqlHaltError('error', `window "${m.window}" is not a duration like 14d`);
    }
  } else if (table) {
    throw new SqlHaltError('error', `the table form needs a window (e.g. window: 14d)`);
  }
  const start = new Date(end.getTime() - (windowMs ?? 0));
  let maxAgeMs: number | undefined;
  if (req.max_age !== undefined) {
    maxAgeMs = parseDuration(req.max_age);
    if (maxAgeMs === undefined) {
      throw new SqlHaltError('error', `max_age "${req.max_age}" is not a duration like 24h`);
    }
  }

  const built: BuiltQuery = table ? buildTableQuery(spec, req.days_with_rows !== undefined) : buildRawQuery(spec.query);
  // A spec that loaded cannot reach this (it is a spec error); one built otherwise must not
  // read an empty window [as_of, as_of) as a measured zero.
  if (windowMs === undefined && built.names.includes('window_start')) {
    throw new SqlHaltError('error', 'the query reads $window_start, but the measurement declares no window');
  }
  const bound: Record<RawParam, string> = {
    as_of: end.toISOString(),
    window_start: start.toISOString(),
    window_end: end.toISOString(),
  };
  const params = built.names.map((n) => bound[n]);
  return { type, req, end, start, windowMs, maxAgeMs, built, bound, params };
}

/** A column of a measurement query's row, with what the evaluation reads it as. */
interface ReadColumn {
  column: string;
  /** What needs it: every measurement (value), or the requirement. */
  by: string;
  /** What decides how it is read: the measurement's type (value), or the requirement. */
  reads: string;
  /** A type PostgreSQL casts to only from what the evaluation can read so; none for text. */
  cast?: { sql: string; as: string };
  /** Types the cast (or, for text, no cast) lets through though the evaluation never reads them so. */
  refused?: Refused;
}

interface Refused {
  /** What the evaluation reads the column as, for the problem's words. */
  as: string;
  /** By the type's name as PostgreSQL writes it (`integer`, `text[]`). */
  types: (type: string) => boolean;
  /** How to write it so, for the type refused. */
  hint: (type: string) => string;
}

const AS_NUMBER = { sql: 'double precision', as: 'a number' };
const AS_TIME = { sql: 'timestamp with time zone', as: 'a time' };
const VALUE_CAST: Record<ValueType, ReadColumn['cast']> = {
  double: AS_NUMBER,
  int: AS_NUMBER,
  bool: { sql: 'boolean', as: 'a boolean' },
  timestamp: AS_TIME,
  string: undefined,
};
const COLUMN_CAST: Record<string, ReadColumn['cast']> = {
  rows: { sql: 'bigint', as: 'a count' },
  days_with_rows: { sql: 'bigint', as: 'a count' },
  newest: AS_TIME,
  first_seen: AS_TIME,
};

/**
 * What a cast cannot tell: an integer casts to boolean, but the driver returns it as a number,
 * never true or false; everything casts to text (and a string is read without one), but an
 * array arrives as an array and bytea as bytes. gate check refuses them whatever the row holds.
 */
const VALUE_REFUSED: Partial<Record<ValueType, Refused>> = {
  bool: { as: 'a boolean', types: (t) => t === 'integer', hint: () => '; compare it (value <> 0) for a boolean' },
  string: {
    as: 'text',
    types: (t) => t.endsWith('[]') || t === 'bytea',
    hint: (t) => (t === 'bytea' ? "; select encode(…, 'hex') for text" : '; select one element, or array_to_string(…)'),
  },
};

function readColumns(needed: [column: string, why: string][], type: ValueType): ReadColumn[] {
  return needed.map(([column, by]) => {
    const cast = column === 'value' ? VALUE_CAST[type] : COLUMN_CAST[column];
    const refused = column === 'value' ? VALUE_REFUSED[type] : undefined;
    return {
      column,
      by,
      reads: column === 'value' ? `type: ${type}` : by,
      ...(cast ? { cast } : {}),
      ...(refused ? { refused } : {}),
    };
  });
}

/**
 * Types a cast refuses though the driver reads them as the evaluation wants: it parses json
 * (a number, a time's text) and returns an oid as a number.
 */
const READ_ANYWAY = new Set(['json', 'jsonb', 'oid']);

/** What the server's refusal of one asked-for column says of the query, if it is about that column. */
function columnProblem(c: ReadColumn, h: SqlHaltError): string | undefined {
  if (h.sqlstate === '42703') return `the query must return a column named ${c.column} (needed by ${c.by})`;
  if (h.sqlstate === '42702') return `the query returns more than one column named ${c.column}: name them apart`;
  const cast = /^cannot cast type (.+?) to /.exec(h.message);
  if (h.sqlstate === '42846' && c.cast && cast?.[1] && !READ_ANYWAY.has(cast[1])) {
    const hint = cast[1] === 'interval' && c.cast === AS_NUMBER ? '; select EXTRACT(EPOCH FROM …) for seconds' : '';
    return `column ${c.column} is of type ${cast[1]}, not ${c.cast.as} (${c.reads})${hint}`;
  }
  return undefined;
}

/**
 * A plan step a READ ONLY transaction refuses to run, though EXPLAIN plans it: a write (a
 * data-modifying WITH) or a row lock (FOR UPDATE, FOR SHARE). The executor refuses them only
 * when it starts, which EXPLAIN never does, so gate check would halt on every run.
 */
const WRITING_STEP = /^\s*(?:->\s+)?(LockRows|(?:Insert|Update|Delete|Merge) on \S+)/;

/** What the plan (EXPLAIN's text, a row a line) does that a READ ONLY transaction refuses, if anything. */
function writingStep(rows: SqlRow[]): string | undefined {
  for (const row of rows) {
    const step = WRITING_STEP.exec(String(Object.values(row)[0] ?? ''))?.[1];
    if (step === 'LockRows') return 'locks the rows it reads (FOR UPDATE, FOR SHARE…)';
    if (step !== undefined) return `writes (${step})`;
  }
  return undefined;
}

/** Every column of the row the evaluation reads, when the query returns it. */
const READ_COLUMNS = ['value', 'rows', 'days_with_rows', 'newest', 'first_seen'];

/** The columns a raw query's row must have, each with the requirement that reads it. */
export function neededColumns(req: Requirements): [column: string, why: string][] {
  const needed: [string, string][] = [['value', 'every measurement']];
  if (req.min_rows !== undefined) needed.push(['rows', 'min_rows']);
  if (req.days_with_rows !== undefined) {
    needed.push(['days_with_rows', 'days_with_rows'], ['first_seen', 'days_with_rows']);
  }
  if (req.max_age !== undefined) needed.push(['newest', 'max_age']);
  return needed;
}

/**
 * SQLSTATEs that mean the query's text is wrong as written: a syntax error, a misspelt table,
 * column or function, a type mismatch. Their fix is in measurements.yaml (or a missing
 * migration), so the halt says where the text is. Class 42 but for 42501, a missing grant.
 */
function isTextError(sqlstate: string | undefined): boolean {
  return sqlstate !== undefined && sqlstate.startsWith('42') && sqlstate !== '42501';
}

/** Where the spec writes the text at the server's error position, when it gave one inside the spec's text. */
function positionAt(
  m: MeasurementSpec,
  h: SqlHaltError,
  query: BuiltQuery | undefined,
): (SourceLocation & { key: string }) | undefined {
  if (m.source !== 'sql' || !m.textAt) return undefined;
  const origin = query && h.position !== undefined ? query.origin(sentIndex(query.text, h.position)) : undefined;
  return origin && { ...m.textAt(origin.key, origin.offset), key: `sql.${origin.key}` };
}

/**
 * Where in the spec the text the database rejected is written: at the server's error position
 * when it gave one (inside the raw query, or the table form's value or where fragment; a
 * table or timestamp name at its value), else at the one key of the sql block that holds the
 * name it reports, else at the `sql:` key. Undefined for a failure that is not the text's.
 */
export function writtenAt(
  m: MeasurementSpec,
  h: SqlHaltError,
  query: BuiltQuery | undefined,
): (SourceLocation & { key: string }) | undefined {
  if (m.source !== 'sql' || !m.textAt || !isTextError(h.sqlstate)) return undefined;
  const at = positionAt(m, h, query);
  if (at) return at;
  const name = /^(?:relation|column) "?([^"\s]+)"? does not exist/.exec(h.message)?.[1];
  if (name !== undefined) {
    const bare = name.split('.').pop()?.toLowerCase() ?? name;
    const keys = Object.entries(m.sql).filter(
      ([k, v]) => ['table', 'timestamp', 'value', 'where', 'query'].includes(k) && typeof v === 'string',
    ) as [string, string][];
    // As a whole name: `stat` is not found in `status`.
    const word = new RegExp(`(?<![\\w$])${escapeRegex(bare)}(?![\\w$])`, 'i');
    const holding = keys.filter(([, v]) => word.test(v));
    if (holding.length === 1) {
      const [key, value] = holding[0] as [string, string];
      const offset = word.exec(value)?.index;
      return { ...m.textAt(key, key === 'table' || key === 'timestamp' ? undefined : offset), key: `sql.${key}` };
    }
  }
  return { ...m.textAt(), key: 'sql' };
}

/**
 * The index in `text` of a server's error position, which is 1-based and counts characters:
 * each character beyond the BMP before it is two UTF-16 units of the string, one to the server.
 */
function sentIndex(text: string, position: number): number {
  let i = 0;
  let n = 1;
  for (; n < position && i < text.length; n++) i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i + (position - n);
}

type Coerced = { ok: true; value: MeasuredValue } | { ok: false; reason: string };

/** Drivers return numeric and bigint as strings; the measurement's declared type decides what they become. */
export function coerceValue(raw: unknown, type: ValueType): Coerced {
  const fail = (why: string): Coerced => ({ ok: false, reason: `value ${describeRaw(raw)} ${why}` });
  switch (type) {
    case 'double': {
      const n = toNumber(raw);
      if (n === undefined) return fail(`is not a number${intervalHint(raw)}`);
      if (!Number.isFinite(n)) return fail('is not a finite number');
      return { ok: true, value: n };
    }
    case 'int': {
      const n = toNumber(raw);
      if (n === undefined || !Number.isFinite(n)) return fail(`is not a number${intervalHint(raw)}`);
      if (!Number.isInteger(n)) return fail('is not an integer (round or cast it in the query)');
      if (!Number.isSafeInteger(n)) return fail('is too large to carry exactly');
      return { ok: true, value: n };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 't' || raw === 'true') return { ok: true, value: true };
      if (raw === 'f' || raw === 'false') return { ok: true, value: false };
      return fail('is not a boolean');
    }
    case 'string': {
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean') {
        return { ok: true, value: String(raw) };
      }
      if (raw instanceof Date && !Number.isNaN(raw.getTime())) return { ok: true, value: raw.toISOString() };
      return fail('is not text (extract a text value in the query, e.g. with ->>)');
    }
    case 'timestamp': {
      if (raw instanceof Date)
        return Number.isNaN(raw.getTime()) ? fail('is not a valid time') : { ok: true, value: raw };
      if (typeof raw === 'string') {
        const t = parseTimeText(raw);
        return t === undefined
          ? fail('is not a time (an ISO-8601 date or instant, such as 2026-06-01T12:00:00Z)')
          : { ok: true, value: t };
      }
      return fail('is not a time');
    }
  }
}

/**
 * How PostgreSQL writes a number (numeric, bigint, float8): decimal, perhaps with an exponent,
 * or one of its non-finite spellings. Number() alone would also read text such as `0x10` (16),
 * `0b11` (3) or `0o17` (15), which no numeric column prints and nobody means as a number.
 */
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NaN|[+-]?Infinity)$/;

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw === 'string' && DECIMAL_TEXT.test(raw.trim())) return Number(raw.trim());
  return undefined;
}

/**
 * A time written as text (a value cast to text, a JSON field): an ISO-8601 date or instant,
 * with a space or `T`, and the zone PostgreSQL prints (`+00`, `+05:30`) or none, read as UTC
 * as a timestamp without time zone is. Date.parse would read far more: `5` as May 2001, and a
 * time without a zone in the machine's own zone.
 */
const TIME_TEXT =
  /^(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?)?(?:\s*([Zz])|\s*([+-])(\d\d)(?::?(\d\d))?)?$/;

export function parseTimeText(text: string): Date | undefined {
  const m = TIME_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return undefined;
  const day = utcDate(y, mo, d);
  if (day.getUTCMonth() !== mo - 1) return undefined;
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const offsetMin = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) : 0;
  return new Date(day.getTime() + ((h * 60 + mi - offsetMin) * 60 + sec) * 1000 + ms);
}

function toCount(raw: unknown, column: string): number {
  if (raw === null || raw === undefined) return 0;
  const n = toNumber(raw);
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw new SqlHaltError('error', `column ${column} is ${describeRaw(raw)}, not a count`);
  }
  return n;
}

function toTime(raw: unknown, column: string): Date | null {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof Date && !Number.isNaN(raw.getTime())) return raw;
  const t = typeof raw === 'string' ? parseTimeText(raw) : undefined;
  if (t !== undefined) return t;
  throw new SqlHaltError('error', `column ${column} is ${describeRaw(raw)}, not a time`);
}

/** PostgreSQL's default output of an interval or a time of day: `3 days 04:05:06.5`, `-00:00:01`, `2 mons`. */
const INTERVAL_TEXT = /^(?:[-+]?\d+ (?:years?|mons?|days?)(?: |$))*(?:[-+]?\d+:\d\d:\d\d(?:\.\d+)?)?$/;

/** A duration is a number once the query says in which unit; the reason says how. */
function intervalHint(raw: unknown): string {
  return typeof raw === 'string' && raw !== '' && INTERVAL_TEXT.test(raw)
    ? ': it reads as an interval or a time; select EXTRACT(EPOCH FROM …) for seconds'
    : '';
}

function describeRaw(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? 'an invalid date' : raw.toISOString();
  if (typeof raw === 'object' && raw !== null) return 'a JSON object';
  return String(raw);
}

function toEvidence(v: unknown): EvidenceValue {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(toEvidence);
  if (typeof v === 'object') {
    const out: { [key: string]: EvidenceValue } = {};
    for (const [k, x] of Object.entries(v)) out[k] = toEvidence(x);
    return out;
  }
  return String(v);
}

/** Every string in the evidence, redacted: the last line of defence before output. */
function scrub(e: Evidence): Evidence {
  const walk = (v: EvidenceValue): EvidenceValue => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: { [key: string]: EvidenceValue } = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(e) as Evidence;
}

/**
 * Recording measurements. A recorded measurement lands where the gates read measurements:
 * a row of `audit.coordination_measurements` (wave3 §6), so `measure record --type
 * measurement.lease_plane.request --elapsed-ms 41` is seen by the lease-plane gates like a
 * row the application wrote. Beside it, `rfcgate.recorded_measurements` keeps the provenance
 * (who recorded it, its value, its idempotency key): the partitioned table cannot carry a
 * unique key that leaves out `recorded_at`, and retention drops its rows, while a key must
 * stay used.
 *
 * Both tables must be rfcgate's (created by `db migrate`): the tool never writes into a
 * team's own measurement table. Each call is one transaction.
 */
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import type { SqlClient } from '../sources/sql/client.js';
import type { SqlTx, SqlWriter } from '../sources/sql/writer.js';
import { UsageError } from '../spec/problems.js';
import { LedgerError } from './errors.js';
import {
  assertManaged,
  ensurePartitions,
  isManaged,
  MEASUREMENTS_TABLE,
  RECORDED_MEASUREMENTS_TABLE,
} from './schema.js';
import { instantMs } from '../util/calendar.js';

/** The namespace the table's CHECK enforces (`LIKE 'measurement.%'`), spelled strictly: dotted lower-case words. */
export const MEASUREMENT_TYPE_PATTERN = /^measurement\.[a-z0-9_]+(\.[a-z0-9_]+)+$/;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface MeasurementInput {
  /** `measurement.<area>.<name>` */
  type: string;
  /** recorded_at: the instant the measurement is of. */
  at: Date;
  elapsedMs?: number | null;
  agentId?: string | null;
  /** A number the measurement carries; stored as `payload.value` (and in the ledger's value column). */
  value?: number | null;
  /** A JSON object. */
  payload?: JsonObject;
  /** Recording twice with the same key stores one row. */
  idempotencyKey?: string | null;
}

/** A validated input: what is written. */
export interface NormalizedMeasurement {
  type: string;
  at: Date;
  elapsedMs: number | null;
  agentId: string | null;
  value: number | null;
  payload: JsonObject;
  idempotencyKey: string | null;
  /** Identity of the content (all but `at`): a key reused for different content is a conflict. */
  fingerprint: string;
}

export interface RecordOptions {
  /** Who recorded it (kept in the ledger); default from the environment. */
  recordedBy?: string;
  /** For the retention edge of a partition created on demand; default now. */
  now?: Date;
  /**
   * The caller already holds, in this transaction, a lock covering every idempotency key of
   * the batch and found none of them recorded (as `comparator run --record` does under its
   * run's key): the keyed rows then go in set-based, with the UNIQUE constraint as the
   * backstop, instead of one advisory lock and one lookup each. A lock per row fills the
   * server's shared lock table past a few thousand rows ("out of shared memory"), failing this
   * transaction and any other session that needs a lock meanwhile.
   */
  keysChecked?: boolean;
}

export type RecordOutcome =
  | {
      status: 'recorded';
      id: string;
      type: string;
      recorded_at: string;
      idempotency_key: string | null;
      database: string;
    }
  | {
      status: 'already_recorded';
      id: string;
      type: string;
      recorded_at: string;
      idempotency_key: string;
      recorded_by: string;
      created_at: string;
      database: string;
    };

export const MAX_KEY_LENGTH = 200;

/**
 * Who is recording, for the ledger: RFCGATE_RECORDED_BY, else the login name. A cron job or a
 * container often has no USER or LOGNAME set, yet runs as a user the system can name: that
 * name beats `unknown`, which is left for a user id the system has no entry for.
 */
export function defaultRecordedBy(
  env: Readonly<Record<string, string | undefined>> = process.env,
  systemUser: () => string = systemUserName,
): string {
  return env.RFCGATE_RECORDED_BY?.trim() || env.USER?.trim() || env.LOGNAME?.trim() || systemUser() || 'unknown';
}

/** The name of the user this process runs as, from the system's user database; '' when it has none. */
function systemUserName(): string {
  try {
    return userInfo().username.trim();
  } catch {
    // A uid with no passwd entry (a container run as --user 12345) makes userInfo() throw.
    return '';
  }
}

export function checkMeasurementType(type: string, flag = '--type'): string {
  if (!MEASUREMENT_TYPE_PATTERN.test(type)) {
    throw new UsageError(
      `${flag} '${type}' is not a measurement type: it must look like measurement.<area>.<name> (lower-case letters, digits and _ between dots), e.g. measurement.lease_plane.request`,
    );
  }
  return type;
}

/** Parses `--payload`: a JSON object, or a UsageError saying what is wrong with it. */
export function parsePayload(text: string, flag = '--payload'): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const what = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw new UsageError(`${flag} must be a JSON object like '{"runtime":"beam"}', not ${what}`);
  }
  // JSON.parse keeps neither a number's text nor a key written twice, so the text is read
  // again: the parsed 1e400 is Infinity, which would be stored as null, 1e-400 is a silent 0,
  // and of {"a":1,"a":2} only the last value is kept, as jsonb keeps it. The text parsed as
  // JSON, so outside its strings every match here is a number literal or a punctuator.
  const nesting: { keys: Map<string, number> | null; expectKey: boolean }[] = [];
  for (const token of text.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[{}[\],]/g)) {
    const literal = token[0];
    const open = nesting.at(-1);
    if (literal === '{' || literal === '[') {
      nesting.push({ keys: literal === '{' ? new Map() : null, expectKey: literal === '{' });
    } else if (literal === '}' || literal === ']') {
      nesting.pop();
    } else if (literal === ',') {
      if (open?.keys) open.expectKey = true;
    } else if (literal.startsWith('"')) {
      if (!open?.keys || !open.expectKey) continue;
      open.expectKey = false;
      const key = JSON.parse(literal) as string;
      const first = open.keys.get(key);
      if (first !== undefined) {
        throw new UsageError(
          `${flag}: the key ${JSON.stringify(key)} is written twice in one object (${textPosition(text, first)} and ${textPosition(text, token.index)}); only the last value would be kept, so remove or rename one of them`,
        );
      }
      open.keys.set(key, token.index);
    } else {
      const why = inexactNumber(literal);
      if (why !== null) throw new UsageError(`${flag}: the number ${literal} ${why}`);
    }
  }
  const bad = unstorableString(parsed);
  if (bad !== null) throw new UsageError(`${flag}: ${bad}`);
  return parsed as JsonObject;
}

/** `column 7` of a one-line text, `line 2, column 3` of a longer one; columns count characters, from 1. */
function textPosition(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = [...before.slice(lineStart)].length + 1;
  if (!text.includes('\n')) return `column ${column}`;
  return `line ${before.split('\n').length}, column ${column}`;
}

/**
 * Why a decimal literal would not be stored as written, or null when it would: beyond the
 * range of a double, a non-zero value that rounds to 0, an integer too large to stay exact, or
 * more digits than a double keeps. The value travels as a JavaScript number, so what is stored
 * is the shortest decimal that reads back as that double (1.50 is stored as 1.5, the same
 * value; 0.12345678901234567890 as 0.12345678901234568, another one).
 */
function inexactNumber(literal: string): string | null {
  const n = Number(literal);
  if (!Number.isFinite(n)) return 'is beyond the range of a double';
  const mantissa = literal.replace(/[eE].*$/, '');
  if (n === 0 && /[1-9]/.test(mantissa)) return 'is too small for a double and would be stored as 0';
  if (/^[+-]?\d+$/.test(literal) && !Number.isSafeInteger(n)) {
    return `is an integer beyond ±${Number.MAX_SAFE_INTEGER} and would be stored as ${n}`;
  }
  const stored = String(n);
  if (decimalValue(literal) !== decimalValue(stored)) {
    return `has more significant digits than a double keeps and would be stored as ${stored}`;
  }
  return null;
}

/** A UTF-16 surrogate without its pair: no text, which PostgreSQL's text and jsonb refuse. */
export const LONE_SURROGATE = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const LONE_SURROGATE_RE = new RegExp(LONE_SURROGATE);

/** PostgreSQL's jsonb refuses U+0000 and a lone UTF-16 surrogate, in keys and in values. */
function unstorableString(v: unknown): string | null {
  const check = (s: string): string | null => {
    if (s.includes('\u0000')) return 'PostgreSQL cannot store the character U+0000 (\\u0000) in a JSON string';
    if (LONE_SURROGATE_RE.test(s)) {
      return 'a JSON string holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is not text';
    }
    return null;
  };
  if (typeof v === 'string') return check(v);
  if (Array.isArray(v)) {
    for (const item of v) {
      const bad = unstorableString(item);
      if (bad !== null) return bad;
    }
  } else if (v !== null && typeof v === 'object') {
    for (const [key, item] of Object.entries(v)) {
      const bad = check(key) ?? unstorableString(item);
      if (bad !== null) return bad;
    }
  }
  return null;
}

/** Parses a number flag: finite, and (for durations) not negative. */
export function parseNumber(text: string, flag: string, opts: { min?: number } = {}): number {
  const t = text.trim();
  // Decimal only: Number() also reads 0x10 as 16 and 0b11 as 3, which nobody means here.
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${flag} '${text}' is not a finite decimal number`);
  const why = inexactNumber(t);
  if (why !== null) throw new UsageError(`${flag} '${text}' ${why}`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`${flag} ${text} is below ${opts.min}`);
  return n;
}

/** YYYY-MM-DD, or an ISO-8601 instant (read as UTC when it names no zone) */
export function parseInstant(text: string, flag: string): Date {
  const ms = instantMs(text.trim());
  if (!Number.isNaN(ms)) {
    const at = new Date(ms);
    // ISO-8601 has a year 0000; PostgreSQL has none, and would refuse the row with a bare SQL error.
    if (at.getUTCFullYear() < 1) {
      throw new UsageError(`${flag} '${text}' is before 0001-01-01, which PostgreSQL cannot store; give a later date`);
    }
    return at;
  }
  throw new UsageError(
    `${flag} '${text}' is not a date: use YYYY-MM-DD or an ISO-8601 instant such as 2026-06-01T12:00:00Z`,
  );
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    // No prototype: a key named `__proto__` (a JSON payload's, a comparator key column's) is kept as any other.
    const out = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Validates everything before a connection is opened: bad input writes nothing. */
export function normalizeMeasurement(input: MeasurementInput): NormalizedMeasurement {
  const type = checkMeasurementType(input.type);
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) {
    throw new UsageError('the measurement instant is not a valid date');
  }
  const num = (v: number | null | undefined, what: string, min?: number): number | null => {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new UsageError(`${what} must be a finite number`);
    if (min !== undefined && v < min) throw new UsageError(`${what} must not be below ${min}`);
    return v;
  };
  const elapsedMs = num(input.elapsedMs, 'elapsed_ms', 0);
  const value = num(input.value, 'value');
  const payload: JsonObject = { ...(input.payload ?? {}) };
  if (
    input.payload !== undefined &&
    (typeof input.payload !== 'object' || input.payload === null || Array.isArray(input.payload))
  ) {
    throw new UsageError('the payload must be a JSON object');
  }
  if (value !== null) {
    if ('value' in payload && payload.value !== value) {
      throw new UsageError(
        `the payload already has "value": ${JSON.stringify(payload.value)}, which contradicts --value ${value}`,
      );
    }
    payload.value = value;
  }
  const agentId = input.agentId === null || input.agentId === undefined ? null : input.agentId.trim();
  if (agentId === '') throw new UsageError('the agent id must not be empty');
  const key = input.idempotencyKey === null || input.idempotencyKey === undefined ? null : input.idempotencyKey;
  if (key !== null && (key.trim() === '' || key.length > MAX_KEY_LENGTH)) {
    throw new UsageError(`the idempotency key must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(canonical([type, elapsedMs, agentId, payload])))
    .digest('hex');
  return { type, at: input.at, elapsedMs, agentId, value, payload, idempotencyKey: key, fingerprint };
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

async function insertOne(
  tx: SqlTx,
  m: NormalizedMeasurement,
  recordedBy: string,
): Promise<{ id: string; recorded_at: string }> {
  const row = await tx.query<{ id: string; recorded_at: unknown }>(
    `INSERT INTO ${MEASUREMENTS_TABLE} (measurement_type, recorded_at, elapsed_ms, agent_id, payload)
     VALUES ($1, $2::timestamptz, $3::double precision, $4, $5::jsonb)
     RETURNING id::text AS id, recorded_at`,
    [m.type, m.at.toISOString(), m.elapsedMs, m.agentId, JSON.stringify(m.payload)],
  );
  const r = row.rows[0];
  if (!r) throw new Error('the insert returned no row');
  await tx.query(
    `INSERT INTO ${RECORDED_MEASUREMENTS_TABLE}
       (measurement_id, measurement_type, recorded_at, value, idempotency_key, fingerprint, recorded_by)
     VALUES ($1::bigint, $2, $3::timestamptz, $4::double precision, $5, $6, $7)`,
    [r.id, m.type, iso(r.recorded_at), m.value, m.idempotencyKey, m.fingerprint, recordedBy],
  );
  return { id: r.id, recorded_at: iso(r.recorded_at) };
}

/**
 * Holds an idempotency key until the transaction ends: a second recorder of the key waits
 * here, then sees the first one's rows. A transaction may take it again (the lock stacks).
 */
export async function lockIdempotencyKey(tx: SqlTx, key: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('rfcgate.idempotency:' || $1))", [key]);
}

async function recordInTx(
  tx: SqlTx,
  m: NormalizedMeasurement,
  recordedBy: string,
  database: string,
): Promise<RecordOutcome> {
  if (m.idempotencyKey !== null) {
    // Two recorders with the same key queue here; the UNIQUE constraint is the backstop.
    await lockIdempotencyKey(tx, m.idempotencyKey);
    const seen = await tx.query<{
      id: string;
      measurement_type: string;
      recorded_at: unknown;
      fingerprint: string;
      recorded_by: string;
      created_at: unknown;
    }>(
      `SELECT measurement_id::text AS id, measurement_type, recorded_at, fingerprint, recorded_by, created_at
       FROM ${RECORDED_MEASUREMENTS_TABLE} WHERE idempotency_key = $1`,
      [m.idempotencyKey],
    );
    const prior = seen.rows[0];
    if (prior) {
      if (prior.fingerprint !== m.fingerprint) {
        throw new LedgerError(
          'conflict',
          `idempotency key '${m.idempotencyKey}' was already used for a different measurement (${prior.measurement_type} at ${iso(prior.recorded_at)}, row ${prior.id}); nothing was written`,
        );
      }
      return {
        status: 'already_recorded',
        id: prior.id,
        type: prior.measurement_type,
        recorded_at: iso(prior.recorded_at),
        idempotency_key: m.idempotencyKey,
        recorded_by: prior.recorded_by,
        created_at: iso(prior.created_at),
        database,
      };
    }
  }
  const row = await insertOne(tx, m, recordedBy);
  return {
    status: 'recorded',
    id: row.id,
    type: m.type,
    recorded_at: row.recorded_at,
    idempotency_key: m.idempotencyKey,
    database,
  };
}

/**
 * Records one measurement in one transaction: the row in audit.coordination_measurements and
 * its ledger entry, or nothing. With an idempotency key already used for the same content,
 * writes nothing and says so (`already_recorded`); for different content, a LedgerError.
 */
export async function recordMeasurement(
  writer: SqlWriter,
  input: MeasurementInput,
  opts: RecordOptions = {},
): Promise<RecordOutcome> {
  const m = normalizeMeasurement(input);
  const recordedBy = opts.recordedBy ?? defaultRecordedBy();
  const database = writer.describe();
  return writer.transaction(async (tx) => {
    await assertManaged(tx, [MEASUREMENTS_TABLE, RECORDED_MEASUREMENTS_TABLE], database);
    await ensurePartitions(tx, [m.at], opts.now);
    return recordInTx(tx, m, recordedBy, database);
  });
}

const BULK_CHUNK = 2_000;

/**
 * Records many measurements in ONE transaction (all or nothing), e.g. the weeks of rows a
 * `demo` sandbox needs. Rows without an idempotency key go in as set-based inserts.
 */
export async function recordMeasurements(
  writer: SqlWriter,
  inputs: readonly MeasurementInput[],
  opts: RecordOptions = {},
): Promise<{ recorded: number; alreadyRecorded: number; database: string }> {
  const all = inputs.map(normalizeMeasurement);
  const keys = new Set<string>();
  for (const m of all) {
    if (m.idempotencyKey === null) continue;
    if (keys.has(m.idempotencyKey))
      throw new UsageError(`idempotency key '${m.idempotencyKey}' appears twice in one batch`);
    keys.add(m.idempotencyKey);
  }
  const recordedBy = opts.recordedBy ?? defaultRecordedBy();
  const database = writer.describe();
  return writer.transaction(async (tx) => {
    await assertManaged(tx, [MEASUREMENTS_TABLE, RECORDED_MEASUREMENTS_TABLE], database);
    await ensurePartitions(
      tx,
      all.map((m) => m.at),
      opts.now,
    );
    let recorded = 0;
    let alreadyRecorded = 0;
    const bulk = opts.keysChecked ? all : all.filter((m) => m.idempotencyKey === null);
    for (let i = 0; i < bulk.length; i += BULK_CHUNK) {
      const chunk = bulk.slice(i, i + BULK_CHUNK).map((m, ord) => ({
        ord,
        measurement_type: m.type,
        recorded_at: m.at.toISOString(),
        elapsed_ms: m.elapsedMs,
        agent_id: m.agentId,
        payload: m.payload,
        value: m.value,
        idempotency_key: m.idempotencyKey,
        fingerprint: m.fingerprint,
      }));
      // Each ledger row must name its own measurement row. Its id is the identity's default, as
      // measure record's insert takes it: drawing it with nextval() beforehand needed USAGE on
      // the identity's sequence, a grant no INSERT implies, and a role let INSERT into the ledger
      // tables (what a refusal of a role that may not write asks for) was refused the batch.
      // RETURNING gives the rows in no promised order, so a row is paired with its input by its
      // content, and rows of the same content by their order on either side: two such rows are
      // alike in all but their idempotency key, so either pairing records the same thing.
      const res = await tx.query<{ n: string; l: string }>(
        `WITH input AS MATERIALIZED (
           SELECT r.*
           FROM jsonb_to_recordset($1::jsonb)
             AS r(ord bigint, measurement_type text, recorded_at timestamptz, elapsed_ms double precision,
                  agent_id text, payload jsonb, value double precision, idempotency_key text, fingerprint text)
         ), inserted AS (
           INSERT INTO ${MEASUREMENTS_TABLE} (measurement_type, recorded_at, elapsed_ms, agent_id, payload)
           SELECT measurement_type, recorded_at, elapsed_ms, agent_id, payload FROM input ORDER BY ord
           RETURNING id, measurement_type, recorded_at, elapsed_ms, agent_id, payload
         ), given AS (
           SELECT i.*, row_number() OVER (
               PARTITION BY measurement_type, recorded_at, elapsed_ms, agent_id, payload ORDER BY ord) AS twin
           FROM input i
         ), stored AS (
           SELECT s.*, row_number() OVER (
               PARTITION BY measurement_type, recorded_at, elapsed_ms, agent_id, payload ORDER BY id) AS twin
           FROM inserted s
         ), ledger AS (
           INSERT INTO ${RECORDED_MEASUREMENTS_TABLE}
             (measurement_id, measurement_type, recorded_at, value, idempotency_key, fingerprint, recorded_by)
           SELECT s.id, g.measurement_type, g.recorded_at, g.value, g.idempotency_key, g.fingerprint, $2
           FROM given g
           JOIN stored s
             ON s.measurement_type = g.measurement_type AND s.recorded_at = g.recorded_at AND s.payload = g.payload
            AND s.twin = g.twin AND s.elapsed_ms IS NOT DISTINCT FROM g.elapsed_ms
            AND s.agent_id IS NOT DISTINCT FROM g.agent_id
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM inserted)::text AS n, (SELECT count(*) FROM ledger)::text AS l`,
        [JSON.stringify(chunk), recordedBy],
      );
      // A measurement row without its ledger row would be written without its provenance or key.
      if (res.rows[0]?.n !== res.rows[0]?.l) {
        throw new Error(
          `stored ${res.rows[0]?.n ?? 0} measurement rows but ${res.rows[0]?.l ?? 0} ledger rows; nothing was written`,
        );
      }
      recorded += Number(res.rows[0]?.n ?? 0);
    }
    for (const m of all) {
      if (m.idempotencyKey === null || opts.keysChecked) continue;
      const out = await recordInTx(tx, m, recordedBy, database);
      if (out.status === 'recorded') recorded++;
      else alreadyRecorded++;
    }
    return { recorded, alreadyRecorded, database };
  });
}

// ---------------------------------------------------------------------------------------------
// Listing (read-only)

export interface ListedMeasurement {
  id: string;
  /** ISO-8601; a team's own table may hold NULL there, or PostgreSQL's `infinity`. */
  recorded_at: string | null;
  /** NULL in a team's own table without the RFC's NOT NULL. */
  measurement_type: string | null;
  /**
   * A number when it is one exactly (double precision always is); otherwise, as a team's
   * numeric or bigint column may hold (12345678901234567890.5) or a NaN, the text
   * PostgreSQL gives, which a number would silently round.
   */
  elapsed_ms: number | string | null;
  agent_id: string | null;
  /**
   * An object in the table db migrate creates; a team's own table may hold any JSON there,
   * text that is no JSON (shown as the string it is), or NULL.
   */
  payload: JsonValue;
  /** Null for rows rfcgate did not record (the application's own). */
  idempotency_key: string | null;
  recorded_by: string | null;
}

export interface ListOptions {
  type?: string;
  limit: number;
  timeoutMs?: number;
}

/** The columns of audit.coordination_measurements that measure list reads. */
const LISTED_COLUMNS = ['id', 'recorded_at', 'measurement_type', 'elapsed_ms', 'agent_id', 'payload'];

/** The newest rows, at most `limit` of them; `truncated` when older rows exist beyond them. */
export interface MeasurementListing {
  rows: ListedMeasurement[];
  truncated: boolean;
}

/** The newest rows of audit.coordination_measurements, read through the READ ONLY client. */
export async function listMeasurements(client: SqlClient, opts: ListOptions): Promise<MeasurementListing> {
  const q = { timeoutMs: opts.timeoutMs ?? 30_000 };
  const ledger = await client.query(
    `SELECT to_regclass('${RECORDED_MEASUREMENTS_TABLE}') IS NOT NULL AS present,
            to_regclass('${MEASUREMENTS_TABLE}') IS NOT NULL AS measurements,
            obj_description(to_regclass('${MEASUREMENTS_TABLE}'), 'pg_class') AS comment,
            obj_description(to_regclass('${RECORDED_MEASUREMENTS_TABLE}'), 'pg_class') AS ledger_comment,
            ARRAY(SELECT attname::text FROM pg_attribute
                  WHERE attrelid = to_regclass('${MEASUREMENTS_TABLE}') AND attnum > 0 AND NOT attisdropped) AS columns`,
    [],
    q,
  );
  const found = ledger.rows[0];
  const where = client.describe();
  if (found?.measurements !== true) {
    throw new LedgerError(
      'missing',
      `${MEASUREMENTS_TABLE} does not exist in ${where}; run \`rfcgate db migrate\` to create it`,
    );
  }
  // A team's own table may have drifted from the RFC's shape; say which columns are not there
  // rather than let the query fail on the first of them.
  const columns = new Set(found.columns as string[]);
  const absent = LISTED_COLUMNS.filter((c) => !columns.has(c));
  if (absent.length) {
    throw new LedgerError(
      'foreign',
      `${MEASUREMENTS_TABLE} in ${where} has no column${absent.length === 1 ? '' : 's'} ${absent.join(', ')}: it is not the table \`rfcgate db migrate\` creates, so measure list cannot read it; query it directly, or name its real columns in a measurement's sql`,
    );
  }
  // The ledger describes rows rfcgate recorded, which it writes only into the table db migrate
  // created. A team's own table beside the ledger is not joined: its id or recorded_at may be
  // of another type (a uuid), and comparing them with the ledger's stopped the listing. Nor is
  // a team's own rfcgate.recorded_measurements (db migrate refuses it): it has none of the
  // ledger's columns.
  const join =
    found.present === true &&
    isManaged(found.comment as string | null) &&
    isManaged(found.ledger_comment as string | null);
  // One row beyond the limit says whether more exist; a count(*) would scan every partition.
  const res = await client.query(
    `SELECT m.id::text AS id, m.recorded_at, m.measurement_type, m.elapsed_ms::text AS elapsed_ms, m.agent_id, m.payload,
            ${join ? 'r.idempotency_key, r.recorded_by' : 'NULL::text AS idempotency_key, NULL::text AS recorded_by'}
     FROM ${MEASUREMENTS_TABLE} m
     ${join ? `LEFT JOIN ${RECORDED_MEASUREMENTS_TABLE} r ON r.measurement_id = m.id AND r.recorded_at = m.recorded_at` : ''}
     WHERE ($1::text IS NULL OR m.measurement_type = $1::text)
     ORDER BY m.recorded_at DESC NULLS LAST, m.id DESC
     LIMIT $2::int + 1`,
    [opts.type ?? null, opts.limit],
    q,
  );
  const rows = res.rows.slice(0, opts.limit).map((r) => ({
    id: String(r.id),
    recorded_at: listedTime(r.recorded_at),
    measurement_type:
      r.measurement_type === null || r.measurement_type === undefined ? null : String(r.measurement_type),
    elapsed_ms: r.elapsed_ms === null || r.elapsed_ms === undefined ? null : listedNumber(String(r.elapsed_ms)),
    agent_id: r.agent_id === null || r.agent_id === undefined ? null : String(r.agent_id),
    payload: listedPayload(r.payload),
    idempotency_key: (r.idempotency_key as string | null) ?? null,
    recorded_by: (r.recorded_by as string | null) ?? null,
  }));
  return { rows, truncated: res.rows.length > opts.limit };
}

/**
 * A row's instant as read. The table db migrate creates has one on every row; a team's own may
 * have none (NULL), or `infinity`, which node-postgres reads as a number and PGlite as an invalid
 * date: each is shown as it is rather than stopping the whole list.
 */
function listedTime(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'infinity' : v.toISOString();
  if (v === Number.POSITIVE_INFINITY) return 'infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-infinity';
  return String(v);
}

/**
 * A payload as read: json and jsonb arrive parsed; a team's table may keep it as text, which
 * is parsed when it is JSON and otherwise shown as it is, so one such row cannot stop the list.
 */
function listedPayload(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return v as JsonValue;
  try {
    return JSON.parse(v) as JsonValue;
  } catch {
    return v;
  }
}

/**
 * A number column's text as a number when the number is written back as the same decimal
 * (41.5, 1.50, 1e+21), else the text itself: 12345678901234567890.5 would be shown as
 * 12345678901234567000, and NaN or Infinity have no JSON number.
 */
function listedNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const key = decimalValue(text);
  return key !== null && key === decimalValue(String(n)) ? n : text;
}

/** One spelling per decimal value (`-123e-1` for -12.30, 0.0123e3 and 12.3e-1): null when it is no decimal. */
function decimalValue(text: string): string | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || `${m[2] ?? ''}${m[3] ?? ''}` === '') return null;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const all = `${whole}${fraction}`.replace(/^0+/, '');
  if (all === '') return '0';
  const digits = all.replace(/0+$/, '');
  const power = BigInt(exponent) - BigInt(fraction.length) + BigInt(all.length - digits.length);
  return `${sign === '-' ? '-' : ''}${digits}e${power}`;
}

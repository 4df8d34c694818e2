/**
 * Whether the event table comparator.yaml's `record.events` names can take the comparator's
 * events, read from pg_catalog by one query shared by `comparator run --record` (inside its
 * transaction: a table that cannot take them leaves the run unrecorded, exit 3) and by
 * `comparator check`, so that a CI check finds before the hourly run what would stop it.
 */
import type { HaltReason, SourceLocation, Verdict } from '../model/result.js';
import { type SqlClient, SqlHaltError, type SqlRow } from '../sources/sql/client.js';
import type { EventsSpec, TableName } from './spec.js';

/** The columns an event is written with. */
export const EVENT_COLUMNS = ['event_type', 'recorded_at', 'payload'] as const;

/** What a mistyped column of the event table is said not to be. */
const EXPECTED_TYPE: Record<(typeof EVENT_COLUMNS)[number], string> = {
  event_type: 'text (or a varchar as long as the event type)',
  recorded_at: 'a timestamp',
  payload: 'json or jsonb',
};

/** The type a missing or mistyped column of the event table is best given. */
const EVENT_COLUMN_TYPE: Record<(typeof EVENT_COLUMNS)[number], string> = {
  event_type: 'text',
  recorded_at: 'timestamptz',
  payload: 'jsonb',
};

export type EventTableFinding =
  | { code: 'event_table_missing' }
  | { code: 'event_column_missing'; column: string }
  | { code: 'event_column_type'; column: (typeof EVENT_COLUMNS)[number]; type: string }
  | { code: 'event_column_required'; column: string }
  | { code: 'event_table_not_insertable'; kind: 'view' | 'foreign table' }
  | { code: 'event_insert_denied'; role: string; grants: string[] };

/** A problem of the event table in `comparator check`'s report, naming its fix. */
export interface EventTableProblem {
  code: EventTableFinding['code'];
  table: string;
  column?: string;
  message: string;
  /** Where comparator.yaml names the table (`record.events.table`). */
  location: SourceLocation;
}

/**
 * record.events' table as `comparator check` found it. Not a pair's: one table takes every
 * pair's events, so it is the report's, and counts in its verdict as a pair's coverage does.
 */
export interface EventTableCheck {
  table: string;
  verdict: Verdict;
  reason: string | null;
  halt_reason: HaltReason | null;
  problems: EventTableProblem[];
  location: SourceLocation;
}

/** One column of the event table as eventTableFindings' catalog query reads it. */
interface CatalogColumn {
  attname: string;
  type: string;
  full_type: string;
  typmod: number;
  required: boolean;
  relkind: string;
  insertable: boolean;
  schema_usage: boolean;
  may_insert: boolean;
  /** The sequence a serial column's default draws from, as a GRANT names it. */
  seq: string | null;
  may_draw: boolean;
  schema_q: string;
  table_q: string;
  role: string;
}

/** A catalog read, through a writer's open transaction or a reader's own. */
export type CatalogQuery = (text: string, params: unknown[]) => Promise<{ rows: SqlRow[] }>;

/**
 * What keeps `table` from taking the events as written, none when it can: it must exist with
 * the three columns, payload json or jsonb (the gates read `payload->>'run_id'`), recorded_at
 * a timestamp, and every other column filled by itself (a default, NULL, an identity); a view
 * or foreign table must take an INSERT; and this role (the one `--record` writes as) must be
 * let write it: the schema's USAGE, INSERT on the three columns, and USAGE on a serial
 * column's sequence, which its default draws from. Each is found by the catalog, so a run
 * learns it before it compares, and `comparator check` before the hourly run.
 */
export async function eventTableFindings(
  query: CatalogQuery,
  table: TableName,
  eventType: string,
): Promise<EventTableFinding[]> {
  const res = await query(
    `SELECT a.attname::text AS attname, format_type(a.atttypid, NULL) AS type,
            format_type(a.atttypid, a.atttypmod) AS full_type, a.atttypmod AS typmod,
            (a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '') AS required,
            c.relkind::text AS relkind,
            (pg_relation_is_updatable(c.oid, true) & 8) = 8 AS insertable,
            has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
            has_column_privilege(c.oid, a.attnum, 'INSERT') AS may_insert,
            s.name AS seq,
            (s.seq IS NULL OR has_sequence_privilege(s.seq, 'USAGE') OR has_sequence_privilege(s.seq, 'UPDATE')) AS may_draw,
            -- As a GRANT statement would name them: quoted only where they need it.
            quote_ident(n.nspname) AS schema_q, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS table_q,
            quote_ident(current_user) AS role
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     -- The sequence a serial column's default draws from, which needs a grant of its own (an
     -- identity column's does not); found by oid, since a lookup by name needs the schema's USAGE.
     LEFT JOIN LATERAL (
       SELECT sc.oid AS seq, quote_ident(sn.nspname) || '.' || quote_ident(sc.relname) AS name
       FROM pg_depend d
       JOIN pg_class sc ON sc.oid = d.objid AND sc.relkind = 'S'
       JOIN pg_namespace sn ON sn.oid = sc.relnamespace
       WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
         AND d.refobjid = c.oid AND d.refobjsubid = a.attnum AND d.deptype = 'a'
         AND a.attidentity = '' AND a.atthasdef
       LIMIT 1
     ) s ON true
     WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'f')
     ORDER BY a.attnum`,
    [table.schema, table.name],
  );
  // The columns the query selects, each of the type it casts to.
  const rows = res.rows as unknown as CatalogColumn[];
  const first = rows[0];
  if (first === undefined) return [{ code: 'event_table_missing' }];
  const byName = new Map(rows.map((r) => [r.attname, r]));
  const out: EventTableFinding[] = EVENT_COLUMNS.filter((c) => !byName.has(c)).map((column) => ({
    code: 'event_column_missing',
    column,
  }));
  const payload = byName.get('payload');
  if (payload && payload.type !== 'jsonb' && payload.type !== 'json') {
    out.push({ code: 'event_column_type', column: 'payload', type: payload.type });
  }
  // The event type is written as text: an integer or an enum refuses it, a varchar shorter
  // than it cuts it off with an error, and both only on the first run with a divergence.
  const type = byName.get('event_type');
  const takesText =
    type?.type === 'text' ||
    (type?.type === 'character varying' && (type.typmod < 0 || type.typmod - 4 >= [...eventType].length));
  if (type && !takesText) out.push({ code: 'event_column_type', column: 'event_type', type: type.full_type });
  const at = byName.get('recorded_at');
  if (at && !at.type.startsWith('timestamp'))
    out.push({ code: 'event_column_type', column: 'recorded_at', type: at.type });
  for (const r of rows) {
    if (r.required && !(EVENT_COLUMNS as readonly string[]).includes(r.attname)) {
      out.push({ code: 'event_column_required', column: r.attname });
    }
  }
  if (!first.insertable && (first.relkind === 'v' || first.relkind === 'f')) {
    out.push({ code: 'event_table_not_insertable', kind: first.relkind === 'v' ? 'view' : 'foreign table' });
  }
  const grants = insertGrants(rows);
  if (grants.length) out.push({ code: 'event_insert_denied', role: first.role, grants });
  return out;
}

/** The GRANT statements (without `TO role`) this role lacks to insert an event. */
function insertGrants(rows: readonly CatalogColumn[]): string[] {
  const first = rows[0];
  if (!first) return [];
  const out: string[] = [];
  if (!first.schema_usage) out.push(`GRANT USAGE ON SCHEMA ${first.schema_q}`);
  const denied = rows.filter((r) => (EVENT_COLUMNS as readonly string[]).includes(r.attname) && !r.may_insert);
  if (denied.length) out.push(`GRANT INSERT ON ${first.table_q}`);
  for (const r of rows) if (r.seq !== null && !r.may_draw) out.push(`GRANT USAGE ON SEQUENCE ${r.seq}`);
  return out;
}

/**
 * What is wrong with a table that exists, in as many clauses as kinds of problem (the columns
 * of one kind named together): `it has no column payload`, `its payload is text, not json or jsonb`.
 */
export function eventTableWrongs(findings: readonly EventTableFinding[]): string[] {
  const columns = (code: EventTableFinding['code']) =>
    findings.flatMap((f) => (f.code === code && 'column' in f ? [f.column] : []));
  const out: string[] = [];
  const absent = columns('event_column_missing');
  if (absent.length) out.push(`it has no column${absent.length === 1 ? '' : 's'} ${absent.join(', ')}`);
  for (const f of findings) {
    if (f.code !== 'event_column_type') continue;
    out.push(`its ${f.column} is ${f.type}, not ${EXPECTED_TYPE[f.column]}`);
  }
  const required = columns('event_column_required');
  if (required.length) {
    out.push(
      `column${required.length === 1 ? '' : 's'} ${required.join(', ')} ${required.length === 1 ? 'is' : 'are'} NOT NULL without a default, and an event sets only event_type, recorded_at and payload`,
    );
  }
  for (const f of findings) {
    if (f.code === 'event_table_not_insertable') out.push(`it is a ${f.kind} that cannot take an INSERT`);
    if (f.code === 'event_insert_denied') {
      out.push(`role ${f.role} may not write it (${f.grants.map((g) => `${g} TO ${f.role}`).join('; ')})`);
    }
  }
  return out;
}

function problemOf(f: EventTableFinding, events: EventsSpec): EventTableProblem {
  const table = events.table.text;
  const named = `${table}, the event table record.events names,`;
  const base = { code: f.code, table, location: events.at };
  if (f.code === 'event_table_missing') {
    return {
      ...base,
      message: `${named} does not exist in this database; rfcgate does not create it (it is the application's): create it with columns event_type, recorded_at (a timestamp) and payload (json or jsonb), or name the right table`,
    };
  }
  if (f.code === 'event_table_not_insertable') {
    return {
      ...base,
      message: `${named} cannot take the comparator's events: ${eventTableWrongs([f]).join('')}; give it an INSTEAD OF INSERT trigger, or name the table it reads`,
    };
  }
  if (f.code === 'event_insert_denied') {
    return {
      ...base,
      message: `${named} cannot take the comparator's events: role ${f.role}, which \`comparator run --record\` writes as, may not write it; run ${f.grants.map((g) => `${g} TO ${f.role}`).join('; ')}`,
    };
  }
  const fix =
    f.code === 'event_column_missing'
      ? `add it (${EVENT_COLUMN_TYPE[f.column as (typeof EVENT_COLUMNS)[number]]}), or name another table`
      : f.code === 'event_column_type'
        ? `alter it to ${EVENT_COLUMN_TYPE[f.column]}, or name another table`
        : 'give it a default or let it take NULL, or name another table';
  return {
    ...base,
    column: f.column,
    message: `${named} cannot take the comparator's events: ${eventTableWrongs([f]).join('')}; ${fix}`,
  };
}

/**
 * `comparator check` of record.events' table: what `comparator run --record` checks in its
 * transaction, found by a read-only catalog query instead, each problem where the file names
 * the table. A problem fails the check (exit 1), as a pair's coverage problem does: the run
 * would record nothing until it is fixed.
 */
export async function checkEventTable(
  client: SqlClient,
  events: EventsSpec,
  timeoutMs: number,
): Promise<EventTableCheck> {
  const base = { table: events.table.text, location: events.at };
  let findings: EventTableFinding[];
  try {
    findings = await eventTableFindings(
      (text, params) => client.query(text, params, { timeoutMs }),
      events.table,
      events.eventType,
    );
  } catch (err) {
    if (!(err instanceof SqlHaltError)) throw err;
    return { ...base, verdict: 'halt', reason: err.message, halt_reason: err.halt, problems: [] };
  }
  if (!findings.length) return { ...base, verdict: 'pass', reason: null, halt_reason: null, problems: [] };
  const n = findings.length;
  return {
    ...base,
    verdict: 'fail',
    reason: `${n} problem${n === 1 ? '' : 's'} with the event table: \`comparator run --record\` would record nothing (exit 3) until ${n === 1 ? 'it is' : 'they are'} fixed`,
    halt_reason: null,
    problems: findings.map((f) => problemOf(f, events)),
  };
}

/**
 * The live shape of a table, read from pg_catalog with the names as bind parameters: its
 * columns (type, NOT NULL, generated) and the column sets of its unique indexes, so the
 * comparator knows when the key's uniqueness is already guaranteed by the database.
 */
import type { SqlClient } from '../sources/sql/client.js';
import type { TableName } from './spec.js';

export interface LiveColumn {
  name: string;
  /** format_type(): `integer`, `character varying(40)`, `timestamp with time zone`. */
  type: string;
  /** pg_type.typname of the column's type (`int4`, `jsonb`; `_text` for text[]). */
  typname: string;
  /** pg_type.typcategory: N numeric, S string, D date/time, B boolean, U user (json, uuid…), A array, E enum, G geometric. */
  category: string;
  notNull: boolean;
  generated: boolean;
  hasDefault: boolean;
  /** `attidentity`: 'a' (ALWAYS), 'd' (BY DEFAULT) or ''. */
  identity: string;
}

export interface LiveTable {
  table: TableName;
  /** pg_class.relkind: r table, p partitioned, v view, m materialized view, f foreign. */
  relkind: string;
  columns: LiveColumn[];
  /** Column sets of valid, non-partial, expression-free unique indexes (primary key included). */
  uniqueSets: string[][];
}

const COLUMNS_SQL = `SELECT c.relkind::text AS relkind, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, t.typname::text AS typname, t.typcategory::text AS category,
       a.attnotnull AS not_null, a.attgenerated::text <> '' AS generated, a.atthasdef AS has_default,
       a.attidentity::text AS identity
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type t ON t.oid = a.atttypid
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
ORDER BY a.attnum`;

const UNIQUE_SQL = `SELECT ARRAY(SELECT a.attname::text FROM pg_attribute a
                    WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
                    ORDER BY a.attname) AS cols
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2
  AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL`;

/** The table's live shape, or undefined when no such table (or view) exists. */
export async function readLiveTable(
  client: SqlClient,
  table: TableName,
  opts: { timeoutMs: number },
): Promise<LiveTable | undefined> {
  const res = await client.query(COLUMNS_SQL, [table.schema, table.name], opts);
  if (res.rows.length === 0) return undefined;
  const relkind = String(res.rows[0]?.relkind);
  const columns: LiveColumn[] = res.rows
    .filter((r) => r.name !== null && r.name !== undefined)
    .map((r) => ({
      name: String(r.name),
      type: String(r.type),
      typname: String(r.typname),
      category: String(r.category),
      notNull: r.not_null === true,
      generated: r.generated === true,
      hasDefault: r.has_default === true,
      identity: String(r.identity ?? ''),
    }));
  const uniq = await client.query(UNIQUE_SQL, [table.schema, table.name], opts);
  const uniqueSets = uniq.rows.map((r) => (Array.isArray(r.cols) ? r.cols.map(String) : parsePgArray(String(r.cols))));
  return { table, relkind, columns, uniqueSets };
}

/** `{a,b}` as text, for a driver that did not parse the array. */
function parsePgArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',').map((s) => s.replace(/^"|"$/g, ''));
}

/** Is the key unique and non-NULL by the table's own constraints (so checking the rows is unnecessary)? */
export function keyGuaranteed(table: LiveTable, key: readonly string[]): { unique: boolean; notNull: boolean } {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const notNull = key.every((k) => byName.get(k)?.notNull === true);
  const unique =
    table.relkind !== 'v' && table.uniqueSets.some((set) => set.length > 0 && set.every((c) => key.includes(c)));
  return { unique, notNull };
}

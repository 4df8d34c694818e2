/**
 * The live shape of a table, read from pg_catalog with the names as bind parameters: its
 * columns (type, NOT NULL, generated, an attribute without equality inside a composite) and
 * the column sets of its unique indexes, so the comparator knows when the key's uniqueness
 * is already guaranteed by the database.
 */
import type { SqlClient } from '../sources/sql/client.js';
import { type TableName, tableText } from './spec.js';

export interface LiveColumn {
  name: string;
  /** format_type(): `integer`, `character varying(40)`, `timestamp with time zone`. */
  type: string;
  /**
   * pg_type.typname of the column's type (`int4`, `jsonb`; `_text` for text[]). A domain is
   * read as the type it is over, and an array of a domain as an array of that type: what the
   * comparison's operators see.
   */
  typname: string;
  /** pg_type.typcategory (of the domain's type, likewise): N numeric, S string, D date/time, B boolean, U user (json, uuid…), A array, E enum, G geometric. */
  category: string;
  /**
   * The type a domain is over, formatted with the size the domain gives it (`numeric(12,2)`,
   * `character varying(8)`); the column's own type, `type`, when it is no domain. What a
   * value must fit is read here: a domain's own name says nothing of its size.
   */
  base: string;
  /** The column's own type is a domain (its CHECK may refuse values of the type it is over). */
  domain: boolean;
  /**
   * The column's collation (`C`, `en-x-icu`), `default` for the database's; undefined for a
   * type without one. Two different collations other than the default make every comparison
   * of the column fail, and a non-default one wins over the default, so it decides equality.
   */
  collation?: string;
  notNull: boolean;
  generated: boolean;
  hasDefault: boolean;
  /** `attidentity`: 'a' (ALWAYS), 'd' (BY DEFAULT) or ''. */
  identity: string;
  /**
   * For a composite type (or an array of one, or a domain over either): the first attribute
   * within it, through nested composites, whose type has no equality operator (json, xml,
   * point…), as `attr.inner`, with that type. Undefined when there is none.
   */
  nested?: { path: string; type: string };
  /**
   * The first type within the column, its own included (through domains and array elements),
   * with no equality operator: `nested`, or the column's own type (json, xml, point…) with an
   * empty path. Rows cannot be paired by such a column: the join and the duplicate-key count
   * need its equality. Undefined when there is none.
   */
  unpairable?: { path: string; type: string };
  /**
   * A plain type with equality but no order (no default btree operator class: xid, say):
   * rows can be paired on it, but not listed in key order or split into key ranges.
   */
  unordered?: true;
}

export interface LiveTable {
  table: TableName;
  /** pg_class.relkind: r table, p partitioned, v view, m materialized view, f foreign. */
  relkind: string;
  columns: LiveColumn[];
  /**
   * Column sets of valid, non-partial, expression-free unique indexes (primary key included);
   * none for a table with inheritance children, whose index does not cover their rows.
   */
  uniqueSets: string[][];
}

/**
 * The type a domain is over, through domains over domains, with the type modifier (a
 * numeric's precision and scale, a varchar's length) the chain gives it: a column of a domain
 * has none of its own, the domain holds it. Any other type is its own, with `typmod`.
 */
const BASE_TYPE = (oid: string, typmod: string): string => `WITH RECURSIVE chain(oid, typmod, depth) AS (
    SELECT ${oid}, ${typmod}, 0
    UNION ALL
    SELECT d.typbasetype, CASE WHEN d.typtypmod >= 0 THEN d.typtypmod ELSE chain.typmod END, chain.depth + 1
    FROM chain JOIN pg_type d ON d.oid = chain.oid WHERE d.typtype = 'd'
  ) SELECT oid, typmod FROM chain ORDER BY depth DESC LIMIT 1`;

/**
 * Within the type `oid`, itself included, through domains, array elements and the attributes
 * of composite types at any depth, the first type with no default btree or hash operator class,
 * which is where the row comparison finds a type's equality; its path names the attributes
 * leading to it ('' for the column's own type or its array's element). A composite's
 * comparison plans whatever its attributes are and looks for their equality only when it meets
 * two rows to compare, so EXPLAIN passes and every run fails: `nested` is such a find inside a
 * composite. Key columns rows are paired by are neither cast nor planned alone, so for them
 * any find counts (`unpairable`).
 */
const WITHOUT_EQUALITY = (oid: string): string => `WITH RECURSIVE walk(oid, path, depth) AS (
    SELECT ${oid}, ''::text COLLATE "C", 0
    UNION ALL
    SELECT step.oid, walk.path || coalesce('.' || step.name, ''), walk.depth + 1
    FROM walk JOIN pg_type t ON t.oid = walk.oid
    CROSS JOIN LATERAL (
      SELECT t.typbasetype AS oid, NULL::text AS name WHERE t.typtype = 'd'
      UNION ALL
      SELECT t.typelem, NULL WHERE t.typcategory = 'A' AND t.typelem <> 0
      UNION ALL
      SELECT pa.atttypid, pa.attname::text FROM pg_attribute pa
      WHERE t.typtype = 'c' AND pa.attrelid = t.typrelid AND pa.attnum > 0 AND NOT pa.attisdropped
    ) AS step
    WHERE walk.depth < 64
  )
  SELECT substr(found.path, 2) AS path, format_type(found.oid, NULL) AS type
  FROM walk found JOIN pg_type lt ON lt.oid = found.oid
  WHERE lt.typtype = 'b' AND lt.typcategory <> 'A'
    AND NOT EXISTS (
      SELECT 1 FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
      WHERE am.amname IN ('btree', 'hash') AND oc.opcdefault
        AND (oc.opcintype = lt.oid OR EXISTS (
          SELECT 1 FROM pg_cast pc
          WHERE pc.castsource = lt.oid AND pc.casttarget = oc.opcintype AND pc.castmethod = 'b' AND pc.castcontext = 'i'
        ))
    )
  ORDER BY found.depth, found.path LIMIT 1`;

/**
 * Every listed table's columns and unique-index column sets in one statement (one round trip
 * for a pair, not four): one row per column, each carrying its table's position in the list
 * and the table's unique sets as JSON. A table that does not exist has no row.
 */
function liveTablesSql(count: number): string {
  const wanted = Array.from({ length: count }, (_, i) => `(${i}, $${2 * i + 1}::text, $${2 * i + 2}::text)`).join(', ');
  return `WITH wanted(pos, nspname, relname) AS (VALUES ${wanted})
SELECT w.pos, c.relkind::text AS relkind, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type,
       CASE WHEN bt.typcategory = 'A' AND et.oid IS NOT NULL THEN '_' || et.typname ELSE bt.typname END::text AS typname,
       bt.typcategory::text AS category, format_type(bt.oid, b.typmod) AS base, bt.oid <> a.atttypid AS domain,
       coll.collname::text AS collation,
       a.attnotnull AS not_null, a.attgenerated::text <> '' AS generated, a.atthasdef AS has_default,
       a.attidentity::text AS identity, unpairable.path AS unpairable_path, unpairable.type AS unpairable_type,
       (bt.typtype = 'b' AND bt.typcategory <> 'A' AND NOT EXISTS (
          SELECT 1 FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
          WHERE am.amname = 'btree' AND oc.opcdefault
            AND (oc.opcintype = bt.oid OR EXISTS (
              SELECT 1 FROM pg_cast pc
              WHERE pc.castsource = bt.oid AND pc.casttarget = oc.opcintype AND pc.castmethod = 'b' AND pc.castcontext = 'i'
            ))
        )) AS unordered,
       (SELECT coalesce(json_agg(ARRAY(SELECT ia.attname::text FROM pg_attribute ia
                                       WHERE ia.attrelid = i.indrelid AND ia.attnum = ANY (i.indkey::int2[])
                                       ORDER BY ia.attname)), '[]')::text
        FROM pg_index i
        WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
          -- A plain table's index covers its own rows only; reading it reads its inheritance
          -- children's too (a partitioned table's unique index covers every partition).
          AND NOT (c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhparent = c.oid))
       ) AS unique_sets
FROM wanted w
JOIN pg_namespace n ON n.nspname = w.nspname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.relname AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN LATERAL (${BASE_TYPE('a.atttypid', 'a.atttypmod')}) AS b ON true
LEFT JOIN pg_type bt ON bt.oid = b.oid
LEFT JOIN pg_collation coll ON coll.oid = a.attcollation
LEFT JOIN LATERAL (${BASE_TYPE('bt.typelem', '-1')}) AS e ON bt.typcategory = 'A' AND bt.typelem <> 0
LEFT JOIN pg_type et ON et.oid = e.oid
LEFT JOIN LATERAL (${WITHOUT_EQUALITY('a.atttypid')}) AS unpairable ON true
ORDER BY w.pos, a.attnum`;
}

/** Each table's live shape, in the order given; undefined where no such table (or view) exists. */
export async function readLiveTables(
  client: SqlClient,
  tables: readonly TableName[],
  opts: { timeoutMs: number },
): Promise<(LiveTable | undefined)[]> {
  const res = await client.query(
    liveTablesSql(tables.length),
    tables.flatMap((t) => [t.schema, t.name]),
    opts,
  );
  return tables.map((table, pos) => {
    const rows = res.rows.filter((r) => Number(r.pos) === pos);
    const first = rows[0];
    if (!first) return undefined;
    const columns: LiveColumn[] = rows
      .filter((r) => r.name !== null && r.name !== undefined)
      .map((r) => ({
        name: String(r.name),
        type: String(r.type),
        typname: String(r.typname),
        category: String(r.category),
        base: String(r.base),
        domain: r.domain === true,
        ...(typeof r.collation === 'string' ? { collation: r.collation } : {}),
        notNull: r.not_null === true,
        generated: r.generated === true,
        hasDefault: r.has_default === true,
        identity: String(r.identity ?? ''),
        ...unpairableFields(r.unpairable_path, r.unpairable_type),
        ...(r.unordered === true ? { unordered: true as const } : {}),
      }));
    const uniqueSets = (JSON.parse(String(first.unique_sets)) as unknown[][]).map((set) => set.map(String));
    return { table, relkind: String(first.relkind), columns, uniqueSets };
  });
}

/**
 * For each table, the tables whose schema and name are its own but for case, as comparator.yaml
 * writes them: a name is read as written, where SQL folds an unquoted one to lower case, so
 * `public.Orders` misses the table created as `orders`, and the message can name it.
 */
export async function tablesAlike(
  client: SqlClient,
  tables: readonly TableName[],
  opts: { timeoutMs: number },
): Promise<string[][]> {
  const wanted = tables.map((_, i) => `(${i}, $${2 * i + 1}::text, $${2 * i + 2}::text)`).join(', ');
  const res = await client.query(
    `WITH wanted(pos, nspname, relname) AS (VALUES ${wanted})
SELECT w.pos, n.nspname::text AS schema, c.relname::text AS name
FROM wanted w
JOIN pg_namespace n ON lower(n.nspname) = lower(w.nspname)
JOIN pg_class c ON c.relnamespace = n.oid AND lower(c.relname) = lower(w.relname) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
ORDER BY w.pos, 2, 3`,
    tables.flatMap((t) => [t.schema, t.name]),
    opts,
  );
  return tables.map((_, pos) =>
    res.rows.filter((r) => Number(r.pos) === pos).map((r) => tableText(String(r.schema), String(r.name))),
  );
}

/** Is the key unique and non-NULL by the table's own constraints (so checking the rows is unnecessary)? */
export function keyGuaranteed(table: LiveTable, key: readonly string[]): { unique: boolean; notNull: boolean } {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const notNull = key.every((k) => byName.get(k)?.notNull === true);
  const unique =
    table.relkind !== 'v' && table.uniqueSets.some((set) => set.length > 0 && set.every((c) => key.includes(c)));
  return { unique, notNull };
}

/** `unpairable` from the walk's row, and `nested` when what it found is inside a composite. */
function unpairableFields(path: unknown, type: unknown): Pick<LiveColumn, 'nested' | 'unpairable'> {
  if (typeof path !== 'string') return {};
  const found = { path, type: String(type) };
  return path === '' ? { unpairable: found } : { nested: found, unpairable: found };
}

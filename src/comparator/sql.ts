/**
 * The SQL the comparator sends. Identifiers are quoted by node-postgres's escapeIdentifier
 * (never pasted raw); every value (limit, cutoff, tolerance, precision, key range) is a
 * bind parameter. The work is pushed down: one full outer join per pair, whose divergent
 * rows only (a small set when the shadow is healthy) are counted and listed, so the tool
 * never pulls a table into Node.
 */
import pg from '../sources/sql/pg.js';
import { visible } from '../formatters/visible.js';
import type { ComparedColumn, ComparePlan } from './coverage.js';
import type { TableName } from './spec.js';

export const KINDS = ['canonical_missing', 'shadow_missing', 'value_mismatch'] as const;
export type DivergenceKind = (typeof KINDS)[number];

export interface SqlText {
  text: string;
  params: unknown[];
}

const q = (name: string): string => pg.escapeIdentifier(name);
export const qTable = (t: TableName): string => `${q(t.schema)}.${q(t.name)}`;

/** Collects bind parameters and hands out their `$n`. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown, cast: string): string {
    this.values.push(v);
    return `$${this.values.length}::${cast}`;
  }
}

const FLOATS = new Set(['float4', 'float8']);

function condition(col: ComparedColumn, p: Params): string {
  const c = `c.${q(col.name)}`;
  const s = `s.${q(col.name)}`;
  const cast = col.cast === 'none' ? '' : `::${col.cast}`;
  const { rule } = col;
  if (rule.float_tolerance !== undefined) {
    // The difference of two values at the ends of their type overflows it (1e308 - -1e308,
    // 2147483647 - -2147483648), which PostgreSQL raises as an error that halts the run:
    // integers and numeric subtract as numeric, which has no such end. Floats of one sign
    // subtract within their type; of two, the difference is the sum of their magnitudes, read
    // as one against the tolerance less the other. Neither halves a value: half the smallest
    // subnormal (4.9e-324, JavaScript's Number.MIN_VALUE) is an underflow PostgreSQL raises.
    // A NaN on one side only is never within: sign(NaN) is 0, so against a number of either
    // sign the second branch reads abs(c) <= tolerance - NaN, and PostgreSQL sorts NaN above
    // every number, so that held and a shadow NaN beside a canonical 1 passed as equal.
    const floats = FLOATS.has(col.typname);
    const tolerance = p.add(rule.float_tolerance, floats ? 'double precision' : 'numeric');
    const within = floats
      ? `CASE WHEN ${c} = 'NaN' OR ${s} = 'NaN' THEN false WHEN sign(${c}) = sign(${s}) THEN abs(${c} - ${s}) <= ${tolerance} ELSE abs(${c}) <= ${tolerance} - abs(${s}) END`
      : `abs(${c}::numeric - ${s}::numeric) <= ${tolerance}`;
    // Equal values first: NaN - NaN and Infinity - Infinity are NaN, which PostgreSQL sorts
    // above every number, so the difference alone would call two equal NaNs divergent.
    return `(CASE WHEN ${c} IS NULL OR ${s} IS NULL THEN (${c} IS NULL) <> (${s} IS NULL) ELSE ${c} <> ${s} AND NOT ${within} END)`;
  }
  if (rule.timestamp_precision !== undefined) {
    const unit = p.add(rule.timestamp_precision, 'text');
    return `date_trunc(${unit}, ${c}) IS DISTINCT FROM date_trunc(${unit}, ${s})`;
  }
  if (rule.case_insensitive) return `lower(${c}) IS DISTINCT FROM lower(${s})`;
  if (col.cast === 'jsonb' || col.cast === 'jsonb[]') return jsonCondition(c, s, col.cast, p);
  return `${c}${cast} IS DISTINCT FROM ${s}${cast}`;
}

/**
 * What json keeps and jsonb refuses: an escape ("unsupported Unicode escape sequence", "Unicode
 * low surrogate must follow a high surrogate"), `\u0000` or a surrogate escape without its pair
 * (an escape is a backslash after an even run of them; a pair's low half follows its high one);
 * and a number numeric cannot hold ("value overflows numeric format": 131,072 digits before the
 * point, 16,383 after). For numbers the pattern matches more than numeric refuses, since a regex
 * cannot weigh digits against the exponent: an exponent of four digits or more (`1e131072`,
 * `1e-16384`), or a run of 250 digits (a number numeric refuses with a shorter exponent has
 * thousands). Such a document, or one with a string of that shape, is compared as written:
 * exact, but strict about key order and spacing.
 */
const JSONB_REFUSES =
  '(^|[^\\\\])(\\\\\\\\)*\\\\u(0000|d[89ab][0-9a-f]{2}(?!\\\\ud[c-f][0-9a-f]{2})|(?<!\\\\ud[89ab][0-9a-f]{2}\\\\u)d[c-f][0-9a-f]{2})' +
  '|[0-9]e[-+]?0*[1-9][0-9]{3}|[0-9]{250}';

/**
 * json is compared as jsonb, as a value (key order and spacing aside). A json column may hold
 * a document jsonb cannot, and its cast then stopped every run of the pair: such a value is
 * compared as written instead. CASE keeps the order: equal texts first, then the escape, and
 * the cast only when neither side holds one.
 */
function jsonCondition(c: string, s: string, cast: 'jsonb' | 'jsonb[]', p: Params): string {
  const pattern = p.add(JSONB_REFUSES, 'text');
  // An array's text quotes and escapes its elements; joined bare, each reads as the json it is.
  const text = (side: string) => (cast === 'jsonb' ? `${side}::text` : `array_to_string(${side}, ',')`);
  const refused = (side: string) => `coalesce(${text(side)} ~* ${pattern}, false)`;
  return `(CASE WHEN ${c}::text = ${s}::text THEN false WHEN ${refused(c)} OR ${refused(s)} THEN true ELSE ${c}::${cast} IS DISTINCT FROM ${s}::${cast} END)`;
}

export interface CompareSqlOptions {
  /** How many divergent keys are listed (counts are always exact). */
  limit: number;
  /** Keys whose age column is at or after this instant on either side are skipped; null: no age filter. */
  cutoff: Date | null;
  /**
   * A key range [from, to], both ends included, applied inside both sides of the join
   * (single-column keys only). Inclusive, so the last range ends at the key's maximum and
   * never names the value past it, which the key's type may not hold (2147483647 + 1).
   */
  range?: { from: string | number; to: string | number };
}

/**
 * One statement per pair. Result columns: `t_canonical_missing`, `t_shadow_missing`,
 * `t_value_mismatch`, `t_c<i>` (value mismatches per compared column) and `t_compared_any`
 * (with an age filter, whether any key was old enough to compare; without, whether either side
 * holds a row) on every row; then
 * per listed key `key<i>` (text; ordered by the key's own type, not its text), `kind`, `d<i>` (booleans). With no divergence: one row
 * whose listing columns are NULL.
 */
export function compareSql(plan: ComparePlan, opts: CompareSqlOptions): SqlText {
  const p = new Params();
  const { pair } = plan;
  const keys = plan.key.map((k) => q(k.name));
  const limit = p.add(opts.limit, 'bigint');
  const side = (t: TableName): string => {
    if (!opts.range) return qTable(t);
    const k = keys[0] as string;
    // The range is applied inside each side, before the join, so each chunk joins only its own rows.
    const from = p.add(opts.range.from, plan.key[0]?.type ?? 'text');
    const to = p.add(opts.range.to, plan.key[0]?.type ?? 'text');
    return `(SELECT * FROM ${qTable(t)} WHERE ${k} >= ${from} AND ${k} <= ${to})`;
  };
  const conds = plan.compared.map((c) => condition(c, p));
  const firstKey = keys[0] as string;
  const on = keys.map((k) => `c.${k} = s.${k}`).join(' AND ');
  const where = [`c.${firstKey} IS NULL`, `s.${firstKey} IS NULL`, ...conds.map((c) => `(${c})`)].join('\n      OR ');
  let age = '';
  let anyCompared = '';
  if (opts.cutoff && plan.ageColumn) {
    const cutoff = p.add(opts.cutoff.toISOString(), 'timestamptz');
    const a = q(plan.ageColumn);
    const fresh = `NOT (coalesce(c.${a} >= ${cutoff}, false) OR coalesce(s.${a} >= ${cutoff}, false))`;
    age = `\n    AND ${fresh}`;
    // With the age filter, every key may have been skipped: zero keys compared is unmeasured,
    // not clean. EXISTS stops at the first key old enough on both sides.
    anyCompared = `,\n         EXISTS (SELECT 1 FROM ${side(pair.canonical)} AS c FULL OUTER JOIN ${side(pair.shadow)} AS s ON ${on} WHERE ${fresh}) AS t_compared_any`;
  } else {
    // Tables counted before this statement may have been emptied since (a writer truncating
    // them): read in this statement's snapshot, no row on either side is unmeasured, not clean.
    anyCompared = `,\n         (EXISTS (SELECT 1 FROM ${side(pair.canonical)} AS c) OR EXISTS (SELECT 1 FROM ${side(pair.shadow)} AS s)) AS t_compared_any`;
  }
  const text = `WITH d AS (
  SELECT ${keys.map((k, i) => `coalesce(c.${k}, s.${k}) AS k${i}`).join(', ')},
         CASE WHEN c.${firstKey} IS NULL THEN 'canonical_missing'
              WHEN s.${firstKey} IS NULL THEN 'shadow_missing'
              ELSE 'value_mismatch' END AS kind${conds.map((c, i) => `,\n         ${c} AS d${i}`).join('')}
  FROM ${side(pair.canonical)} AS c
  FULL OUTER JOIN ${side(pair.shadow)} AS s ON ${on}
  WHERE (${where})${age}
), totals AS (
  SELECT count(*) FILTER (WHERE kind = 'canonical_missing')::text AS t_canonical_missing,
         count(*) FILTER (WHERE kind = 'shadow_missing')::text AS t_shadow_missing,
         count(*) FILTER (WHERE kind = 'value_mismatch')::text AS t_value_mismatch${plan.compared
           .map((_, i) => `,\n         count(*) FILTER (WHERE kind = 'value_mismatch' AND d${i})::text AS t_c${i}`)
           .join('')}${anyCompared}
  FROM d
)
SELECT t.*, l.*
FROM totals AS t
LEFT JOIN LATERAL (
  SELECT ${keys.map((_, i) => `k${i}::text AS key${i}`).join(', ')}, kind${plan.compared.map((_, i) => `, d${i}`).join('')}
  FROM d
  ORDER BY ${keys.map((_, i) => `k${i}`).join(', ')}
  LIMIT ${limit}
) AS l ON true`;
  return { text, params: p.values };
}

/** Rows with a NULL in any key column. */
export function nullKeySql(table: TableName, key: readonly string[]): SqlText {
  return {
    text: `SELECT count(*)::text AS n FROM ${qTable(table)} WHERE ${key.map((k) => `${q(k)} IS NULL`).join(' OR ')}`,
    params: [],
  };
}

/** Keys held by more than one row: how many such keys, and the first `limit` of them. */
export function duplicateKeySql(table: TableName, key: readonly string[], limit: number): SqlText {
  const cols = key.map(q).join(', ');
  // Inside, the key columns under names of the query's own (k0, k1…): a key column named n
  // would otherwise be ambiguous with the count. Ordered by their values (g.k0), not their text.
  return {
    text: `SELECT ${key.map((_, i) => `g.k${i}::text AS k${i}`).join(', ')}, g.n::text AS n, count(*) OVER ()::text AS keys
FROM (SELECT ${key.map((k, i) => `${q(k)} AS k${i}`).join(', ')}, count(*) AS n FROM ${qTable(table)}
      WHERE ${key.map((k) => `${q(k)} IS NOT NULL`).join(' AND ')}
      GROUP BY ${cols} HAVING count(*) > 1) AS g
ORDER BY ${key.map((_, i) => `g.k${i}`).join(', ')}
LIMIT $1::bigint`,
    params: [limit],
  };
}

/** Does each table hold any row? One boolean column per table, r0, r1…, in one statement. */
export function hasRowsSql(tables: readonly TableName[]): SqlText {
  const exists = tables.map((t, i) => `EXISTS (SELECT 1 FROM ${qTable(t)}) AS r${i}`).join(', ');
  return { text: `SELECT ${exists}`, params: [] };
}

/**
 * The database's clock in epoch milliseconds. clock_timestamp(), not now(): each query runs
 * in a transaction of its own, but the time wanted is the moment of asking whatever wraps it.
 */
export function clockSql(): SqlText {
  return { text: 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms', params: [] };
}

/** min and max of a single-column key over both tables, for splitting it into ranges. */
export function keyBoundsSql(plan: ComparePlan): SqlText {
  const k = q(plan.key[0]?.name ?? '');
  return {
    text: `SELECT least((SELECT min(${k}) FROM ${qTable(plan.pair.canonical)}), (SELECT min(${k}) FROM ${qTable(plan.pair.shadow)}))::text AS lo,
       greatest((SELECT max(${k}) FROM ${qTable(plan.pair.canonical)}), (SELECT max(${k}) FROM ${qTable(plan.pair.shadow)}))::text AS hi`,
    params: [],
  };
}

/**
 * A readable copy of the statement with its parameters listed, for --print-sql. A quoted
 * identifier may hold any character (a live column's name, read from the catalog): each is
 * shown as a terminal report shows text (visible), so a line break or an escape sequence in a
 * name cannot split the statement or reach the terminal or a CI log; so is each parameter's
 * JSON, which writes out the C0 controls but not a direction control or `##[`.
 */
export function printable(sql: SqlText): string {
  const text = sql.text.replace(QUOTED_IDENTIFIER, (id) => visible(id));
  const params = sql.params.map((v, i) => `-- $${i + 1} = ${visible(JSON.stringify(v))}`);
  return `${text};\n${params.join('\n')}${params.length ? '\n' : ''}`;
}

/** What escapeIdentifier writes: the name in double quotes, a double quote in it doubled. */
const QUOTED_IDENTIFIER = /"(?:[^"]|"")*"/g;

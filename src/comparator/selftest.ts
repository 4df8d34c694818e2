/**
 * A checker must prove it can see (principle 6). Inside ONE transaction that is always
 * rolled back, the self-test reads the real generated query's counts, plants one synthetic
 * key per divergence kind into the real tables (a shadow-only row, a canonical-only row,
 * and a row on both sides differing in one compared column), reads the counts again, and
 * checks each kind rose by exactly one. REPEATABLE READ keeps both reads on one snapshot,
 * so concurrent production writes cannot blur the difference. Nothing is ever committed:
 * the rollback is unconditional, and a process killed mid-test leaves an open transaction
 * that the server (or PGlite's recovery) discards.
 *
 * Synthetic values: number keys below every live key (negative, a step of the key's scale
 * apart; where the live keys reach the bottom of the key's type, the lowest values no row
 * holds; where the table refuses those, its partitions or a CHECK, the lowest free values
 * among the live keys, or just above them), text keys with a random suffix, uuids at random, a key column of another type (a date) beside one of those a value
 * a live row holds; other columns take their default or NULL, and a NOT NULL column
 * without a default takes a value a live row of the table holds (which its foreign key, CHECK
 * or domain, and the table's partitions, accept), or a fresh value of its type where it is
 * unique or no row holds one. The value_mismatch key differs in a compared column outside
 * any foreign key or CHECK where there is one, else in two values live rows hold. A table
 * whose constraints refuse such a row
 * (a non-deferrable foreign key on the key, say) makes the self-test an error, with the
 * database's reason. A planted one-sided row that shows up on the other side as well (a
 * dual-write trigger) makes it an error naming the trigger; the transaction sets
 * rfcgate.self_test, which such a trigger can test to let the planted rows through.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from '../sources/sql/pg.js';
import type { SqlRow } from '../sources/sql/client.js';
import { type SqlTx, type SqlWriter, SqlWriteError } from '../sources/sql/writer.js';
import type { LiveColumn, LiveTable } from './catalog.js';
import type { ComparedColumn, ComparePlan } from './coverage.js';
import { readCompareRows } from './run.js';
import { tableText } from './spec.js';
import { compareSql, KINDS, type DivergenceKind, qTable } from './sql.js';

export interface SelfTestResult {
  pair: string;
  status: 'passed' | 'failed' | 'error';
  /** Per kind: was the planted key found? */
  detected: Record<DivergenceKind, boolean>;
  /** The column planted with different values on the value_mismatch key, and whether it was named. */
  mismatch_column: string | null;
  mismatch_column_detected: boolean;
  undetected: DivergenceKind[];
  reason: string | null;
  /** Always true: the transaction was rolled back. */
  rolled_back: true;
}

export interface SelfTestOptions {
  plan: ComparePlan;
  canonical: LiveTable;
  shadow: LiveTable;
  /** The same cutoff and limit the real run uses. */
  cutoff: Date | null;
  limit: number;
  timeoutMs: number;
  /** Called after the rows are planted, before the second read; tests use it to kill the process there. */
  onPlanted?: () => Promise<void>;
}

class Rollback extends Error {
  constructor(readonly result: SelfTestResult) {
    super('self-test rollback');
  }
}

const q = (name: string): string => pg.escapeIdentifier(name);
const OLD = '2000-01-01T00:00:00Z';
const INTEGER = new Set(['int2', 'int4', 'int8', 'numeric']);
const TEXT = new Set(['text', 'varchar', 'bpchar', 'name', 'citext']);
/** The lowest value of each integer type (int8's is below what a double holds exactly, so a safe integer is its bound). */
const INTEGER_MIN: Record<string, number> = { int2: -32_768, int4: -2_147_483_648, int8: Number.MIN_SAFE_INTEGER };

/**
 * The length limit of a char(n) or varchar(n) column, read from its formatted type through
 * any domain (`character varying(2)`, `character(1)`); undefined when the text is unbounded.
 */
function maxLength(c: Pick<LiveColumn, 'typname' | 'base'>): number | undefined {
  if (c.typname !== 'varchar' && c.typname !== 'bpchar') return undefined;
  const m = /\((\d+)\)$/.exec(c.base);
  return m ? Number(m[1]) : undefined;
}

/** Two different values of a column's type (as text the server converts), or undefined when the type is not handled. */
function valuesOf(
  c: Pick<LiveColumn, 'typname' | 'base'>,
  rule: ComparedColumn['rule'] = {},
): [string, string] | undefined {
  // Fresh values on every call, so two planted rows never collide on a unique column.
  const r = randomBytes(4).readUInt32BE(0);
  const tag = r.toString(16).padStart(8, '0').slice(0, 6);
  switch (c.typname) {
    case 'int2':
    case 'int4':
    case 'int8': {
      // Farther apart than the column's float_tolerance, or the planted pair compares equal
      // and the self-test fails a comparator that works.
      const gap = 1 + Math.ceil(rule.float_tolerance ?? 0);
      const a = -(100 + (r % 30_000));
      const b = a - gap;
      const min = INTEGER_MIN[c.typname] as number;
      return Number.isSafeInteger(b) && b >= min ? [String(a), String(b)] : undefined;
    }
    case 'numeric': {
      const tolerance = rule.float_tolerance ?? 0;
      const max = largestNumeric(c.base);
      if (max === undefined) return ['1', String(2 + Math.ceil(tolerance * 2))];
      // numeric(2, 2) refuses 1 ("numeric field overflow"): its two values are its zero and
      // its largest, the farthest apart it holds.
      return Number(max) > tolerance ? ['0', max] : undefined;
    }
    case 'float4':
    case 'float8':
      return ['1', String(2 + Math.ceil((rule.float_tolerance ?? 0) * 2))];
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
    case 'citext': {
      // A status char(1) or a country varchar(2) refuses a longer value; the first
      // characters already differ, so a cut value is still two different values.
      const n = maxLength(c);
      return [`a${tag}`.slice(0, n), `b${tag}`.slice(0, n)];
    }
    case 'bool':
      return ['false', 'true'];
    case 'uuid':
      return [randomUUID(), randomUUID()];
    case 'json':
    case 'jsonb':
      return ['{"rfcgate_self_test": 1}', '{"rfcgate_self_test": 2}'];
    case 'timestamptz':
    case 'timestamp':
      return [OLD, '2001-06-01T00:00:00Z'];
    case 'date':
      return ['2000-01-01', '2001-06-01'];
    case 'bytea':
      return ['\\x00', '\\x01'];
    default:
      return undefined;
  }
}

/**
 * The largest value a numeric(p, s) column holds, as decimal text: p nines, s of them after
 * the point (numeric(3, 5) holds at most 0.00999, numeric(2, -3) 99000); undefined for a
 * numeric without a precision.
 */
function largestNumeric(type: string): string | undefined {
  const m = /^numeric\((\d+)(?:,\s*(-?\d+))?\)$/.exec(type);
  if (!m) return undefined;
  const precision = Number(m[1]);
  const scale = Number(m[2] ?? 0);
  const nines = '9'.repeat(precision);
  if (scale <= 0) return nines + '0'.repeat(-scale);
  if (scale >= precision) return `0.${'0'.repeat(scale - precision)}${nines}`;
  return `${nines.slice(0, precision - scale)}.${nines.slice(precision - scale)}`;
}

/**
 * The `$n` a planted value (always text: made up here, or read back with ::text) is bound
 * to. A bytea parameter is read as text by the server first: PGlite serializes a parameter
 * the server types bytea only from a Uint8Array, and refused the text ('\\x00'), so the
 * self-test of any pair planting a bytea value could not run on the embedded database.
 */
function placeholder(n: number, typname: string): string {
  return typname === 'bytea' ? `$${n}::text::bytea` : `$${n}`;
}

/** The value a NOT NULL column without a default gets. */
function filler(c: LiveColumn): string | undefined {
  if (c.category === 'A') return '{}';
  return valuesOf(c)?.[0];
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * The values a number key's planted keys are chosen among: multiples of `step`, from `min` to
 * `max` (decimal text; no bounds for a numeric without a precision). The step is 1, but a
 * numeric(p, s) rounds every value to its scale: with a negative scale to a multiple of
 * 10^-s (numeric(5, -2) stores -1, -2 and -3 all as 0, three keys that would be one), and
 * with a scale at least its precision it holds no whole number but 0, so its step is 10^-s.
 */
function keyGrid(k: { typname: string; base: string }): { step: string; min?: string; max?: string } {
  switch (k.typname) {
    case 'int2':
      return { step: '1', min: '-32768', max: '32767' };
    case 'int4':
      return { step: '1', min: '-2147483648', max: '2147483647' };
    case 'int8':
      return { step: '1', min: '-9223372036854775808', max: '9223372036854775807' };
  }
  const m = /\((\d+)(?:,\s*(-?\d+))?\)$/.exec(k.base);
  if (!m) return { step: '1' };
  const precision = Number(m[1]);
  const scale = Number(m[2] ?? 0);
  const nines = '9'.repeat(precision);
  if (scale < 0) {
    const zeros = '0'.repeat(-scale);
    return { step: `1${zeros}`, min: `-${nines}${zeros}`, max: `${nines}${zeros}` };
  }
  if (scale < precision) {
    // numeric(3, 0) goes down to -999, numeric(5, 2) to -999 in whole numbers.
    const whole = nines.slice(0, precision - scale);
    return { step: '1', min: `-${whole}`, max: whole };
  }
  const max = `0.${'0'.repeat(scale - precision)}${nines}`;
  return { step: `0.${'0'.repeat(scale - 1)}1`, min: `-${max}`, max };
}

/**
 * The three lowest values of the key's grid held by neither table, for when the live keys
 * reach down to the type's minimum and nothing fits below them. The lowest free values are
 * each either among the grid's three lowest or one to three steps above a live key, so only
 * those are tried.
 */
async function freeKeys(
  tx: SqlTx,
  plan: ComparePlan,
  key: string,
  grid: { step: string; min: string; max: string },
): Promise<string[]> {
  const k = q(key);
  const res = await tx.query<{ v: string }>(
    `WITH taken AS (SELECT ${k} AS x FROM ${qTable(plan.pair.canonical)} UNION SELECT ${k} FROM ${qTable(plan.pair.shadow)})
SELECT v::text AS v FROM (
  SELECT $1::numeric + i * $3::numeric AS v FROM generate_series(0, 2) AS i
  UNION SELECT floor(x / $3::numeric) * $3::numeric + i * $3::numeric FROM taken, generate_series(1, 3) AS i WHERE x IS NOT NULL
) AS candidate
WHERE v >= $1::numeric AND v <= $2::numeric AND NOT EXISTS (SELECT 1 FROM taken WHERE taken.x = candidate.v)
ORDER BY v
LIMIT 3`,
    [grid.min, grid.max, grid.step],
  );
  const vals = res.rows.map((r) => String(r.v));
  if (vals.length < 3) {
    throw new Error(`cannot make a synthetic key: the live keys leave fewer than three free values of ${key}`);
  }
  return vals;
}

/** The printable ASCII characters, ! to ~: the values a one-character key can be given. */
const PRINTABLE = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i));

/** The first three of `candidates` (in order, once each) that no row of either table holds as `key`. */
async function freeText(tx: SqlTx, plan: ComparePlan, key: string, candidates: readonly string[]): Promise<string[]> {
  const k = q(key);
  const res = await tx.query<{ v: string }>(
    `SELECT c AS v FROM unnest($1::text[]) WITH ORDINALITY AS u(c, o)
WHERE NOT EXISTS (SELECT 1 FROM ${qTable(plan.pair.canonical)} WHERE ${k} = u.c)
  AND NOT EXISTS (SELECT 1 FROM ${qTable(plan.pair.shadow)} WHERE ${k} = u.c)
ORDER BY o
LIMIT 3`,
    [[...new Set(candidates)]],
  );
  const vals = res.rows.map((r) => String(r.v));
  if (vals.length < 3) {
    throw new Error(`cannot make a synthetic key: the live keys leave fewer than three free values of ${key}`);
  }
  return vals;
}

/** A key column the self-test makes three different values of. */
const synthesized = (typname: string): boolean => INTEGER.has(typname) || TEXT.has(typname) || typname === 'uuid';

/**
 * The lowest live key of the pair and the step above the highest: where a table that refused the
 * keys below every live one (its partitions, a CHECK) accepts keys, as it accepts the live ones.
 */
async function liveRange(
  tx: SqlTx,
  plan: ComparePlan,
  key: string,
  step: string,
): Promise<{ min: string; max: string } | undefined> {
  const k = q(key);
  const res = await tx.query<{ lo: string | null; hi: string | null }>(
    `SELECT least((SELECT min(${k}) FROM ${qTable(plan.pair.canonical)}), (SELECT min(${k}) FROM ${qTable(plan.pair.shadow)}))::text AS lo,
            (greatest((SELECT max(${k}) FROM ${qTable(plan.pair.canonical)}), (SELECT max(${k}) FROM ${qTable(plan.pair.shadow)})) + 3 * $1::numeric)::text AS hi`,
    [step],
  );
  const row = res.rows[0];
  return row?.lo == null || row.hi == null ? undefined : { min: String(row.lo), max: String(row.hi) };
}

/**
 * Three keys no live row holds. Number keys go below every live key, unless `inRange`: then
 * into the gaps between live keys (or just above the highest), for a table that refused the
 * ones below (a table range-partitioned on its key from 1, a CHECK that the key is positive).
 */
async function synthKeys(tx: SqlTx, plan: ComparePlan, opts: { inRange?: boolean } = {}): Promise<string[][]> {
  const keys: string[][] = [[], [], []];
  const suffix = randomBytes(4).toString('hex');
  for (const k of plan.key) {
    let vals: string[];
    const { step } = keyGrid(k);
    const range = opts.inRange && INTEGER.has(k.typname) ? await liveRange(tx, plan, k.name, step) : undefined;
    if (range) {
      vals = await freeKeys(tx, plan, k.name, { step, ...range });
    } else if (INTEGER.has(k.typname)) {
      // Below every live key: never a key a production writer's sequence would hand out next.
      // The arithmetic is the server's, in numeric: a numeric key may hold fractions, and
      // int8's ends are past what a double holds exactly.
      const grid = keyGrid(k);
      const below = await tx.query<{ v: string }>(
        `WITH lowest AS (
  SELECT floor(least((SELECT min(${q(k.name)}) FROM ${qTable(plan.pair.canonical)}),
                     (SELECT min(${q(k.name)}) FROM ${qTable(plan.pair.shadow)}), 0) / $1::numeric) * $1::numeric AS b)
SELECT (b - i * $1::numeric)::text AS v FROM lowest, generate_series(1, 3) AS i
WHERE $2::numeric IS NULL OR b - i * $1::numeric >= $2::numeric
ORDER BY i`,
        [grid.step, grid.min ?? null],
      );
      vals =
        below.rows.length === 3 || grid.min === undefined || grid.max === undefined
          ? below.rows.map((r) => String(r.v))
          : await freeKeys(tx, plan, k.name, { step: grid.step, min: grid.min, max: grid.max });
    } else if (TEXT.has(k.typname)) {
      const n = maxLength(k);
      // A long key takes a random suffix no live key holds. Cut to a short one's length
      // (varchar(1): '1', '2', '3'), live keys may hold them: the free ones are asked for.
      vals =
        n !== undefined && n < 12
          ? await freeText(tx, plan, k.name, [
              ...[1, 2, 3].map((i) => `${i}~st${suffix}`.slice(0, n)),
              ...PRINTABLE.map((c) => `~${c}${suffix}`.slice(0, n)),
              ...PRINTABLE.map((c) => c),
            ])
          : [1, 2, 3].map((i) => `~st${suffix}${i}`);
    } else if (k.typname === 'uuid') {
      vals = [randomUUID(), randomUUID(), randomUUID()];
    } else if (plan.key.some((o) => synthesized(o.typname))) {
      // Another key column already sets the three keys apart, so this one (the day of a table
      // partitioned by day, keyed on (id, day)) takes a value a live row holds: one its
      // partitions accept.
      const held = await tx.query<{ v: string }>(
        `SELECT ${q(k.name)}::text AS v FROM ${qTable(plan.pair.canonical)} WHERE ${q(k.name)} IS NOT NULL LIMIT 1`,
      );
      const v = held.rows[0]?.v;
      if (v === undefined || v === null) {
        throw new Error(`cannot make a synthetic key of type ${k.type} (column ${k.name}): no row holds one`);
      }
      vals = [String(v), String(v), String(v)];
    } else {
      throw new Error(`cannot make a synthetic key of type ${k.type} (column ${k.name})`);
    }
    vals.forEach((v, i) => keys[i]?.push(v));
  }
  return keys;
}

/** A value of the column some row of the table holds, as text the server reads back; undefined in an empty column. */
async function heldValue(tx: SqlTx, table: LiveTable, column: string): Promise<string | undefined> {
  const res = await tx.query<{ v: string }>(
    `SELECT ${q(column)}::text AS v FROM ${qTable(table.table)} WHERE ${q(column)} IS NOT NULL LIMIT 1`,
  );
  const v = res.rows[0]?.v;
  return v === undefined || v === null ? undefined : String(v);
}

/**
 * The oldest age a live row of the table holds, written before the cutoff: a planted row is
 * never in flight, and a table partitioned on its age column has a partition for it (one for
 * 2000-01-01, the fallback, it likely has not).
 */
async function oldValue(tx: SqlTx, table: LiveTable, column: string, cutoff: Date | null): Promise<string | undefined> {
  const res = await tx.query<{ v: string | null }>(
    `SELECT min(${q(column)})::text AS v FROM ${qTable(table.table)} WHERE $1::timestamptz IS NULL OR ${q(column)} < $1::timestamptz`,
    [cutoff ? cutoff.toISOString() : null],
  );
  const v = res.rows[0]?.v;
  return v === undefined || v === null ? undefined : String(v);
}

async function plant(
  tx: SqlTx,
  table: LiveTable,
  plan: ComparePlan,
  key: string[],
  override: { column: string; value: string } | undefined,
  cutoff: Date | null,
): Promise<void> {
  const cols: string[] = [];
  const vals: string[] = [];
  const types: string[] = [];
  const keyNames = new Set(plan.key.map((k) => k.name));
  for (const c of table.columns) {
    if (c.generated) continue;
    const k = plan.key.findIndex((x) => x.name === c.name);
    let v: string | undefined;
    if (k >= 0) v = key[k];
    else if (override && c.name === override.column) v = override.value;
    else if (c.name === plan.ageColumn) v = (await oldValue(tx, table, c.name, cutoff)) ?? OLD;
    else if (c.notNull && !c.hasDefault && c.identity === '') {
      // A value a live row holds passes what a value made here may not: the column's foreign
      // key, CHECK, domain or enum, the table's partition bounds. Unique on its own (not
      // through the planted key), it would collide: there a fresh value of its type goes first.
      const fresh = c.domain ? undefined : filler(c);
      const unique = table.uniqueSets.some((set) => set.includes(c.name) && !set.some((n) => keyNames.has(n)));
      v = unique
        ? (fresh ?? (await heldValue(tx, table, c.name)))
        : ((await heldValue(tx, table, c.name)) ?? filler(c));
      if (v === undefined) {
        throw new Error(`cannot make a value for NOT NULL column ${table.table.text}.${c.name} of type ${c.type}`);
      }
    }
    if (v === undefined) continue;
    cols.push(q(c.name));
    vals.push(v);
    types.push(c.typname);
  }
  await tx.query(
    `INSERT INTO ${qTable(table.table)} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${types.map((t, i) => placeholder(i + 1, t)).join(', ')})`,
    vals,
  );
}

/** The columns of either table in a foreign key or a CHECK constraint. */
async function constrainedColumns(tx: SqlTx, opts: SelfTestOptions): Promise<Set<string>> {
  const res = await tx.query<{ name: string }>(
    `SELECT DISTINCT a.attname::text AS name
FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)
WHERE con.contype IN ('f', 'c') AND con.conrelid IN (to_regclass($1), to_regclass($2))`,
    [qTable(opts.canonical.table), qTable(opts.shadow.table)],
  );
  return new Set(res.rows.map((r) => String(r.name)));
}

/**
 * The compared column the value_mismatch key differs in, and its two values. Values made up
 * here break a foreign key (a nullable one included), a CHECK or a domain's CHECK, so a column
 * free of all three goes first. Where every compared column is constrained, two different
 * values live rows hold pass what made-up ones may not; a rule (a tolerance, a precision, case)
 * could make two such values compare equal, so only a column without one takes them.
 */
async function mismatchValues(
  tx: SqlTx,
  opts: SelfTestOptions,
): Promise<{ column: ComparedColumn; values: [string, string] } | undefined> {
  const constrained = await constrainedColumns(tx, opts);
  const live = new Map(opts.canonical.columns.map((c) => [c.name, c]));
  const free = opts.plan.compared.find(
    (c) => !constrained.has(c.name) && !live.get(c.name)?.domain && valuesOf(c, c.rule) !== undefined,
  );
  if (free) return { column: free, values: valuesOf(free, free.rule) as [string, string] };
  for (const c of opts.plan.compared) {
    const col = live.get(c.name);
    if (!col || col.unpairable || c.cast !== 'none' || Object.keys(c.rule).length) continue;
    const held = await tx.query<{ v: string }>(
      `SELECT v::text AS v FROM (SELECT DISTINCT ${q(c.name)} AS v FROM (SELECT ${q(c.name)} FROM ${qTable(opts.canonical.table)} WHERE ${q(c.name)} IS NOT NULL LIMIT 1000) AS sample) AS d LIMIT 2`,
    );
    const [a, b] = held.rows.map((r) => String(r.v));
    if (a !== undefined && b !== undefined) return { column: c, values: [a, b] };
  }
  // Made-up values still, a plain type before a domain: the database's reason is reported if refused.
  const plantable = opts.plan.compared.filter((c) => valuesOf(c, c.rule) !== undefined);
  const column = plantable.find((c) => !live.get(c.name)?.domain) ?? plantable[0];
  return column ? { column, values: valuesOf(column, column.rule) as [string, string] } : undefined;
}

/** A cutoff no row's age column reaches: every key old enough to compare. */
const PAST_ANY_WRITE = new Date(Date.UTC(9999, 11, 31));

/**
 * Whether a planted row, on either side, holds an age at or after the cutoff: the table set it
 * (a trigger, a rule), since the self-test gives each an age before the cutoff.
 */
async function stampedFresh(tx: SqlTx, opts: SelfTestOptions, keys: string[][], cutoff: Date): Promise<boolean> {
  const { plan } = opts;
  const age = q(plan.ageColumn ?? '');
  const at = `$${plan.key.length + 1}::timestamptz`;
  for (const table of [opts.canonical, opts.shadow]) {
    for (const key of keys) {
      const res = await tx.query(
        `SELECT 1 AS fresh FROM ${qTable(table.table)} WHERE ${keyMatch(plan)} AND ${age} >= ${at} LIMIT 1`,
        [...key, cutoff.toISOString()],
      );
      if (res.rows.length > 0) return true;
    }
  }
  return false;
}

/**
 * Set for the self-test's transaction only, so a trigger that copies writes from one table of
 * the pair to the other (a dual write) can leave the planted rows where they were put.
 */
export const SELF_TEST_SETTING = 'rfcgate.self_test';

/** `k1 = $1 AND k2 = $2 …`: the row under a key, its values given as parameters in key order. */
const keyMatch = (plan: ComparePlan): string =>
  plan.key.map((k, i) => `${q(k.name)} = ${placeholder(i + 1, k.typname)}`).join(' AND ');

/** Whether the row planted under `key` is in `table`. */
async function holdsKey(tx: SqlTx, table: LiveTable, plan: ComparePlan, key: string[]): Promise<boolean> {
  const res = await tx.query(`SELECT 1 AS held FROM ${qTable(table.table)} WHERE ${keyMatch(plan)} LIMIT 1`, key);
  return res.rows.length > 0;
}

/**
 * The partition of the partitioned table `from` the row under `key` went to (PostgreSQL
 * routes it by the partition bounds); undefined for any other kind of table, where the row
 * stays in the table it was put in.
 */
async function landedIn(
  tx: SqlTx,
  from: LiveTable,
  plan: ComparePlan,
  key: string[],
): Promise<{ oid: string; text: string } | undefined> {
  if (from.relkind !== 'p') return undefined;
  const res = await tx.query<{ oid: string; schema: string; name: string }>(
    `SELECT c.oid::text AS oid, n.nspname::text AS schema, c.relname::text AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = (SELECT tableoid FROM ${qTable(from.table)} WHERE ${keyMatch(plan)} LIMIT 1)`,
    key,
  );
  const row = res.rows[0];
  return row ? { oid: String(row.oid), text: tableText(String(row.schema), String(row.name)) } : undefined;
}

/**
 * Why a row planted in `from` alone under `key` is in `to` as well: the enabled insert
 * triggers that fired for it, those whose function names `to` first; a person must know which
 * one to change, and the database's own complaint (a duplicate key, once the other side is
 * planted) names neither the trigger nor the copy.
 *
 * Into a partitioned table the row triggers that fire are those of the partition the row went
 * to, not the parent's: a row trigger created on a partitioned table is cloned onto each
 * partition, so the partition's clone fires, while a trigger created on one partition alone
 * fires for its rows only. Each is named where it was created (a clone's original, found
 * through tgparentid, PostgreSQL 13 on), on the parent, on that partition, or on a parent of
 * `from` when `from` is itself a partition. Statement triggers fire on `from` itself.
 */
async function dualWrite(tx: SqlTx, from: LiveTable, to: LiveTable, plan: ComparePlan, key: string[]): Promise<string> {
  const landed = await landedIn(tx, from, plan, key);
  // Only triggers that fire in this session: enabled for it ('O') or always ('A'), not those
  // enabled only where session_replication_role is replica ('R'), nor disabled ones ('D').
  const res = await tx.query<{
    name: string;
    fn: string;
    names_target: boolean;
    schema: string;
    rel: string;
    place: string;
  }>(
    `WITH RECURSIVE fired(oid, parent) AS (
       SELECT t.oid, t.tgparentid FROM pg_trigger t
       WHERE NOT t.tgisinternal AND t.tgenabled IN ('O', 'A') AND (t.tgtype & 4) <> 0
         AND ((t.tgtype & 1) <> 0 AND t.tgrelid = coalesce($3::oid, to_regclass($1))
              OR (t.tgtype & 1) = 0 AND t.tgrelid = to_regclass($1))
       UNION ALL
       SELECT p.oid, p.tgparentid FROM fired f JOIN pg_trigger p ON p.oid = f.parent
     )
     SELECT DISTINCT t.tgname::text AS name, p.oid::regprocedure::text AS fn,
            p.prosrc ILIKE '%' || $2 || '%' AS names_target,
            n.nspname::text AS schema, c.relname::text AS rel,
            CASE WHEN t.tgrelid = to_regclass($1) THEN 'self'
                 WHEN t.tgrelid IN (SELECT relid FROM pg_partition_ancestors(to_regclass($1))) THEN 'parent'
                 ELSE 'partition' END AS place
     FROM fired f JOIN pg_trigger t ON t.oid = f.oid JOIN pg_proc p ON p.oid = t.tgfoid
     JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE f.parent = 0
     ORDER BY 1, 2, 4, 5`,
    [qTable(from.table), to.table.name, landed?.oid ?? null],
  );
  const named = res.rows.filter((r) => r.names_target);
  const triggers = named.length ? named : res.rows;
  const advice = `let the self-test's transaction through: it sets ${SELF_TEST_SETTING} to 'on', so IF current_setting('${SELF_TEST_SETTING}', true) = 'on' THEN RETURN NEW; END IF; at the top of the trigger's function leaves each planted row in the one table it was put in (the transaction is rolled back either way)`;
  const what = `the row the self-test planted in ${from.table.text} alone reached ${to.table.text} as well`;
  const why = 'so no key can be missing from one side, and the self-test cannot plant the divergences it checks for';
  if (!triggers.length) {
    const none = landed
      ? `neither ${from.table.text} nor ${landed.text}, the partition it went to, has an enabled insert trigger`
      : `${from.table.text} has no enabled insert trigger`;
    return `${what}, though ${none} (a rule, or a trigger on a table written in between?), ${why}; ${advice}`;
  }
  const label = (t: { name: string; fn: string }) => `trigger ${t.name} (function ${t.fn})`;
  if (triggers.every((t) => t.place === 'self')) {
    return `${what}, through ${triggers.map(label).join(', ')} on ${from.table.text}, a dual write: ${why}; ${advice}`;
  }
  // A trigger on another table of the partition tree is changed there, so each says where it is.
  const list = triggers
    .map((t) => {
      const on = tableText(String(t.schema), String(t.rel));
      if (t.place === 'self') return `${label(t)} on ${on}`;
      if (t.place === 'parent') return `${label(t)} on ${on}, which ${from.table.text} is a partition of`;
      return `${label(t)} on ${on}, a partition of ${from.table.text}`;
    })
    .join('; ');
  return `${what}, through ${list}, a dual write: ${why}; ${advice}`;
}

function emptyResult(pair: string): SelfTestResult {
  return {
    pair,
    status: 'error',
    detected: { canonical_missing: false, shadow_missing: false, value_mismatch: false },
    mismatch_column: null,
    mismatch_column_detected: false,
    undetected: [...KINDS],
    reason: null,
    rolled_back: true,
  };
}

/**
 * Why planting failed, with the self-test's own fix where the writer's (the ledger's grants)
 * would mislead: the planted rows go into the compared tables themselves.
 */
function plantFailure(err: unknown, opts: SelfTestOptions): string {
  if (!(err instanceof SqlWriteError)) return err instanceof Error ? err.message : String(err);
  if (err.sqlstate === '42501') {
    return `${err.reason}: --self-test plants its rows (always rolled back) in both tables, so the role needs INSERT on ${opts.plan.pair.canonical.text} and ${opts.plan.pair.shadow.text}; grant it, or run without --self-test`;
  }
  return err.message;
}

export async function selfTest(writer: SqlWriter, opts: SelfTestOptions): Promise<SelfTestResult> {
  const { plan } = opts;
  const result = emptyResult(plan.pair.id);
  let sql = compareSql(plan, { limit: opts.limit, cutoff: opts.cutoff });
  try {
    await writer.transaction(
      async (tx) => {
        await tx.query("SELECT set_config('statement_timeout', $1, true)", [String(Math.max(1, opts.timeoutMs))]);
        // Deferrable constraints (a foreign key on the key) are checked at commit, which never comes.
        await tx.query('SET CONSTRAINTS ALL DEFERRED');
        await tx.query('SELECT set_config($1, $2, true)', [SELF_TEST_SETTING, 'on']);
        let before = readCompareRows(plan, (await tx.query<SqlRow>(sql.text, sql.params)).rows, opts.limit);
        const chosen = await mismatchValues(tx, opts);
        if (!chosen) {
          throw new Rollback({
            ...result,
            reason: `no compared column of ${plan.pair.canonical.text} has a type the self-test can plant two values of`,
          });
        }
        const {
          column: mismatch,
          values: [a, b],
        } = chosen;
        const oneSided = async (table: LiveTable, other: LiveTable, key: string[]) => {
          await plant(tx, table, plan, key, undefined, opts.cutoff);
          if (await holdsKey(tx, other, plan, key)) {
            throw new Rollback({
              ...result,
              mismatch_column: mismatch.name,
              reason: await dualWrite(tx, table, other, plan, key),
            });
          }
        };
        const plantAll = async (inRange: boolean): Promise<string[][]> => {
          const keys = await synthKeys(tx, plan, { inRange });
          const [onlyShadow, onlyCanonical, both] = keys;
          await oneSided(opts.shadow, opts.canonical, onlyShadow as string[]);
          await oneSided(opts.canonical, opts.shadow, onlyCanonical as string[]);
          await plant(tx, opts.canonical, plan, both as string[], { column: mismatch.name, value: a }, opts.cutoff);
          await plant(tx, opts.shadow, plan, both as string[], { column: mismatch.name, value: b }, opts.cutoff);
          return keys;
        };
        const plantRows = async (): Promise<string[][]> => {
          try {
            await tx.query('SAVEPOINT rfcgate_plant');
            try {
              return await plantAll(false);
            } catch (err) {
              // Keys below every live one refused (23514: no partition takes them, or a CHECK):
              // once more with keys among the live ones, which the table does take.
              const refused = err instanceof SqlWriteError && err.sqlstate === '23514';
              if (!refused || !plan.key.some((k) => INTEGER.has(k.typname))) throw err;
              await tx.query('ROLLBACK TO SAVEPOINT rfcgate_plant');
              return await plantAll(true);
            }
          } catch (err) {
            if (err instanceof Rollback) throw err;
            throw new Rollback({
              ...result,
              mismatch_column: mismatch.name,
              reason: `could not plant the synthetic rows: ${plantFailure(err, opts)}`,
            });
          }
        };
        const planted = await plantRows();
        if (opts.cutoff && plan.ageColumn && (await stampedFresh(tx, opts, planted, opts.cutoff))) {
          // The table stamped the planted rows with the time they were written (a trigger
          // setting updated_at = now()), whatever age they were given: within min_age, the
          // run's cutoff skips them as writes in flight, and the self-test would call a working
          // comparator blind. The same query is read with a cutoff past any write instead, its
          // counts before the planting again, so it still proves it sees each planted kind.
          await tx.query('ROLLBACK TO SAVEPOINT rfcgate_plant');
          sql = compareSql(plan, { limit: opts.limit, cutoff: PAST_ANY_WRITE });
          before = readCompareRows(plan, (await tx.query<SqlRow>(sql.text, sql.params)).rows, opts.limit);
          await plantRows();
        }
        await opts.onPlanted?.();
        const after = readCompareRows(plan, (await tx.query<SqlRow>(sql.text, sql.params)).rows, opts.limit);
        const detected = {
          canonical_missing: after.counts.canonical_missing - before.counts.canonical_missing === 1,
          shadow_missing: after.counts.shadow_missing - before.counts.shadow_missing === 1,
          value_mismatch: after.counts.value_mismatch - before.counts.value_mismatch === 1,
        };
        const columnDetected = num(after.columns[mismatch.name]) - num(before.columns[mismatch.name]) === 1;
        const undetected = KINDS.filter((k) => !detected[k]);
        const ok = undetected.length === 0 && columnDetected;
        throw new Rollback({
          ...result,
          status: ok ? 'passed' : 'failed',
          detected,
          mismatch_column: mismatch.name,
          mismatch_column_detected: columnDetected,
          undetected,
          reason: ok
            ? null
            : undetected.length
              ? `the planted ${undetected.join(', ')} divergence${undetected.length === 1 ? ' was' : 's were'} not detected`
              : `the value_mismatch key was found, but its divergent column ${mismatch.name} was not named`,
        });
      },
      { repeatableRead: true },
    );
  } catch (err) {
    if (err instanceof Rollback) return err.result;
    return { ...result, reason: err instanceof Error ? err.message : String(err) };
  }
  // The callback always throws; reaching here would mean a commit.
  throw new Error('self-test transaction was not rolled back');
}

/**
 * Declared-but-not-done, hunted against the live schema (principle 7): every live column
 * of the canonical table is compared or excluded with a reason; every declared column
 * exists; the shadow has the canonical shape (plus its own bookkeeping columns); the key
 * types agree; no generated column is compared; each rule fits its column's type. The
 * outcome is either a list of problems, each naming its fix, or the plan the query is
 * generated from.
 */
import type { SourceLocation } from '../model/result.js';
import type { LiveColumn, LiveTable } from './catalog.js';
import type { ColumnRule, ComparatorPair } from './spec.js';

export const COVERAGE_CODES = [
  'table_missing',
  'column_uncovered',
  'column_unknown',
  'shadow_column_missing',
  'shadow_column_extra',
  'type_mismatch',
  'key_type_mismatch',
  'generated_compared',
  'rule_type',
  'age_column_type',
  'column_incomparable',
  'too_many_columns',
] as const;
export type CoverageCode = (typeof COVERAGE_CODES)[number];

export interface CoverageProblem {
  code: CoverageCode;
  pair: string;
  /** The table and column concerned, when there is one. */
  table?: string;
  column?: string;
  message: string;
  /** Where in comparator.yaml the fix goes. */
  location: SourceLocation;
}

/** How one compared column is compared: the operands' SQL shape comes from its live type and rule. */
export interface ComparedColumn {
  name: string;
  type: string;
  /** The type with its size, through a domain (LiveColumn.base): what a planted value must fit. */
  base: string;
  typname: string;
  /** How both sides are read before IS DISTINCT FROM: as stored, as jsonb (or jsonb[]), or as text. */
  cast: 'none' | 'jsonb' | 'jsonb[]' | 'text';
  rule: ColumnRule;
}

export interface ComparePlan {
  pair: ComparatorPair;
  key: { name: string; type: string; base: string; typname: string; category: string }[];
  compared: ComparedColumn[];
  excluded: { column: string; reason: string }[];
  ageColumn?: string;
  /** The database guarantees the key unique and non-NULL (a primary key or unique index on NOT NULL columns). */
  keyGuaranteed: { canonical: boolean; shadow: boolean };
}

/** Types without an equality operator IS DISTINCT FROM could use. */
const TEXT_COMPARED = new Set(['xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle']);
/** The types date_trunc takes (time through its implicit cast to interval); timetz has no such cast. */
const TIMESTAMPS = new Set(['timestamp', 'timestamptz', 'date', 'time']);
const TEXTS = new Set(['text', 'varchar', 'bpchar', 'name', 'citext']);
/**
 * The types a tolerance's abs(c - s) takes. Other numeric-category types have no such
 * arithmetic: money has no abs(), oid and the reg* types no subtraction.
 */
const TOLERANT = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8']);

function castFor(c: LiveColumn): ComparedColumn['cast'] {
  if (c.typname === 'json') return 'jsonb';
  if (TEXT_COMPARED.has(c.typname) || c.category === 'G') return 'text';
  // An array compares element by element, with the element type's equality, which json and
  // xml lack: the statement plans, then fails on the first row holding two such arrays.
  if (c.category === 'A') {
    const element = c.typname.slice(1);
    if (element === 'json') return 'jsonb[]';
    if (TEXT_COMPARED.has(element)) return 'text';
  }
  return 'none';
}

/** A column's type for a message: a domain says what it is over. */
export function typeText(c: Pick<LiveColumn, 'type' | 'base'>): string {
  return c.base === c.type ? c.type : `${c.type} (a domain over ${c.base})`;
}

function ruleProblem(rule: ColumnRule, c: LiveColumn): string | undefined {
  if (rule.float_tolerance !== undefined && !TOLERANT.has(c.typname)) {
    return `float_tolerance applies to numbers that subtract (smallint, integer, bigint, numeric, real, double precision), and '${c.name}' is ${typeText(c)}${c.typname === 'money' ? ', which is exact to the cent' : ''}`;
  }
  if (rule.timestamp_precision !== undefined && !TIMESTAMPS.has(c.typname)) {
    return `timestamp_precision applies to timestamp columns, and '${c.name}' is ${typeText(c)}`;
  }
  if (rule.case_insensitive !== undefined && !TEXTS.has(c.typname)) {
    return `case_insensitive applies to text columns, and '${c.name}' is ${typeText(c)}`;
  }
  return undefined;
}

/** The fix of a missing table's name: the table named alike but for case, when there is one. */
function fixName(alike: readonly string[], otherwise: string): string {
  if (!alike.length) return otherwise;
  return `did you mean ${alike.join(' or ')}? A name is read as the catalog spells it, not folded to lower case as unquoted SQL is`;
}

export interface CoverageOutcome {
  problems: CoverageProblem[];
  plan?: ComparePlan;
}

/**
 * `canonical`/`shadow` undefined: the table does not exist. Pure: the caller reads the
 * catalog (catalog.ts) and decides what a problem means for its exit code.
 */
export function checkCoverage(
  pair: ComparatorPair,
  canonical: LiveTable | undefined,
  shadow: LiveTable | undefined,
  guarantees: { canonical: boolean; shadow: boolean } = { canonical: false, shadow: false },
  /** For a table that does not exist, those named alike but for case (catalog.tablesAlike). */
  alike: { canonical: readonly string[]; shadow: readonly string[] } = { canonical: [], shadow: [] },
): CoverageOutcome {
  const problems: CoverageProblem[] = [];
  const add = (p: Omit<CoverageProblem, 'pair'>) => problems.push({ pair: pair.id, ...p });
  const at = (column: string, fallback: SourceLocation) => pair.at.columns.get(column) ?? fallback;

  if (!canonical) {
    add({
      code: 'table_missing',
      table: pair.canonical.text,
      message: `canonical table ${pair.canonical.text} does not exist in this database; ${fixName(alike.canonical, 'create it, or fix the name')}`,
      location: pair.at.canonical,
    });
  }
  if (!shadow) {
    add({
      code: 'table_missing',
      table: pair.shadow.text,
      message: `shadow table ${pair.shadow.text} does not exist in this database; ${fixName(alike.shadow, `create it (a copy of ${pair.canonical.text}'s columns), or fix the name`)}`,
      location: pair.at.shadow,
    });
  }
  if (!canonical || !shadow) return { problems };

  const cols = new Map(canonical.columns.map((c) => [c.name, c]));
  const shadowCols = new Map(shadow.columns.map((c) => [c.name, c]));
  const excluded = new Map(pair.exclude.map((e) => [e.column, e.reason]));
  const shadowOnly = new Set(pair.shadowOnly);
  const ct = pair.canonical.text;
  const st = pair.shadow.text;

  // Declared columns that do not exist.
  const declared: [string, string][] = [
    ...pair.key.map((k) => [k, 'key'] as [string, string]),
    ...(Array.isArray(pair.compare) ? pair.compare.map((c) => [c, 'compare'] as [string, string]) : []),
    ...pair.exclude.map((e) => [e.column, 'exclude'] as [string, string]),
    ...pair.mustCompare.map((c) => [c, 'must_compare'] as [string, string]),
    ...Object.keys(pair.rules).map((c) => [c, 'rules'] as [string, string]),
    ...(pair.ageColumn ? [[pair.ageColumn, 'age_column'] as [string, string]] : []),
  ];
  const unknown = new Set<string>();
  for (const [name, where] of declared) {
    if (cols.has(name) || unknown.has(name)) continue;
    unknown.add(name);
    add({
      code: 'column_unknown',
      table: ct,
      column: name,
      message:
        where === 'must_compare'
          ? `column '${name}' must be compared but does not exist in ${ct}: declared but not done; add the column (and to the shadow), or remove it from must_compare`
          : `column '${name}' (in ${where}) does not exist in ${ct}; remove it from ${where}, or fix its name (live columns: ${[...cols.keys()].join(', ')})`,
      location: where === 'age_column' && pair.at.ageColumn ? pair.at.ageColumn : at(name, pair.at.pair),
    });
  }
  for (const name of pair.shadowOnly) {
    if (!shadowCols.has(name)) {
      add({
        code: 'column_unknown',
        table: st,
        column: name,
        message: `shadow_only column '${name}' does not exist in ${st}; remove it from shadow_only`,
        location: at(name, pair.at.pair),
      });
    } else if (cols.has(name)) {
      add({
        code: 'column_unknown',
        table: st,
        column: name,
        message: `shadow_only column '${name}' is also a column of ${ct}, so it is not the shadow's own; remove it from shadow_only`,
        location: at(name, pair.at.pair),
      });
    }
  }

  // The shadow's shape.
  for (const c of canonical.columns) {
    const s = shadowCols.get(c.name);
    if (!s) {
      add({
        code: 'shadow_column_missing',
        table: st,
        column: c.name,
        message: `${st} has no column '${c.name}' (${c.type}), which ${ct} has; add it to the shadow table, which must copy the canonical columns`,
        location: pair.at.shadow,
      });
    } else if (s.type !== c.type) {
      const isKey = pair.key.includes(c.name);
      add({
        code: isKey ? 'key_type_mismatch' : 'type_mismatch',
        table: st,
        column: c.name,
        message: `${isKey ? 'key ' : ''}column '${c.name}' is ${c.type} in ${ct} but ${s.type} in ${st}; alter the shadow column to ${c.type}`,
        location: isKey ? at(c.name, pair.at.key) : pair.at.shadow,
      });
    } else if (s.collation !== c.collation && s.collation !== undefined && s.collation !== 'default') {
      // The types' names match, so the catalog's check above passes it; but against another
      // non-default collation every run stops ("could not determine which collation to
      // use"), and against the default the shadow's collation decides equality.
      const isKey = pair.key.includes(c.name);
      const want = c.collation === 'default' ? "the database's default collation" : `COLLATE "${c.collation}"`;
      add({
        code: isKey ? 'key_type_mismatch' : 'type_mismatch',
        table: st,
        column: c.name,
        message: `${isKey ? 'key ' : ''}column '${c.name}' is ${c.type} COLLATE "${c.collation}" in ${ct} but COLLATE "${s.collation}" in ${st}, so the two cannot be compared as the canonical table compares them; alter the shadow column to ${want}`,
        location: isKey ? at(c.name, pair.at.key) : pair.at.shadow,
      });
    }
  }
  for (const s of shadow.columns) {
    if (cols.has(s.name) || shadowOnly.has(s.name)) continue;
    add({
      code: 'shadow_column_extra',
      table: st,
      column: s.name,
      message: `${st} has a column '${s.name}' that ${ct} does not; if it is the shadow's own bookkeeping, list it under shadow_only, else drop it`,
      location: pair.at.shadow,
    });
  }

  // A key column is joined on, grouped and ordered by, never cast. Without equality the
  // database refuses the whole comparison, and planning it column by column would blame each
  // compared column for the key's type: the key is named here instead, before any EXPLAIN.
  for (const name of pair.key) {
    const c = cols.get(name);
    if (c?.unordered && !c.unpairable) {
      add({
        code: 'column_incomparable',
        table: ct,
        column: name,
        message: `key column ${ct}.${name} (${typeText(c)}) has equality but no order (no btree operator class), and the comparison lists divergent keys in key order, so every run would stop; choose another key, of columns that sort (such as the primary key's)`,
        location: at(name, pair.at.key),
      });
      continue;
    }
    if (!c?.unpairable) continue;
    const { path, type } = c.unpairable;
    const holds = path ? `its attribute ${path} is ${type}` : c.type === type ? `it is ${type}` : `it holds ${type}`;
    add({
      code: 'column_incomparable',
      table: ct,
      column: name,
      message: `key column ${ct}.${name} (${typeText(c)}) cannot pair rows: ${holds}, which has no equality operator, so no canonical row can be matched with its shadow row and every run would stop; choose another key, of columns that compare for equality (such as the primary key's)`,
      location: at(name, pair.at.key),
    });
  }

  // Coverage: every live canonical column compared, excluded with a reason, or a key column.
  const compared: string[] = [];
  for (const c of canonical.columns) {
    if (pair.key.includes(c.name) || excluded.has(c.name)) continue;
    if (pair.compare === 'all' || pair.compare.includes(c.name)) {
      compared.push(c.name);
      continue;
    }
    add({
      code: 'column_uncovered',
      table: ct,
      column: c.name,
      message: `live column ${ct}.${c.name} (${c.type}) is neither compared nor excluded; add it to compare, or to exclude with a reason`,
      location: pair.at.compare,
    });
  }
  for (const name of pair.mustCompare) {
    if (!cols.has(name) || compared.includes(name)) continue;
    add({
      code: 'column_uncovered',
      table: ct,
      column: name,
      message: `${ct}.${name} is in must_compare but ${pair.key.includes(name) ? 'is a key column' : excluded.has(name) ? 'is excluded' : 'is not compared'}; compare it, or remove it from must_compare`,
      location: at(name, pair.at.compare),
    });
  }
  const plan: ComparedColumn[] = [];
  for (const name of compared) {
    const c = cols.get(name);
    if (!c) continue;
    if (c.generated) {
      add({
        code: 'generated_compared',
        table: ct,
        column: name,
        message: `${ct}.${name} is a generated column (derived, written by neither runtime) and is compared${pair.compare === 'all' ? ' by compare: all' : ''}; add it to exclude with a reason`,
        location: at(name, pair.at.compare),
      });
      continue;
    }
    // Own rules only: a live column named constructor or toString would otherwise read Object.prototype's.
    const rule = Object.hasOwn(pair.rules, name) ? (pair.rules[name] ?? {}) : {};
    if (c.nested) {
      const ruled = Object.keys(rule).length > 0;
      add({
        code: 'column_incomparable',
        table: ct,
        column: name,
        message: `${ct}.${name} (${typeText(c)}) cannot be compared: its attribute ${c.nested.path} is ${c.nested.type}, which has no equality operator, so every run would stop at the first row it compares; add it to exclude with a reason${ruled ? ' (and remove its rule)' : ''}`,
        location: at(name, pair.at.compare),
      });
      continue;
    }
    const why = ruleProblem(rule, c);
    if (why) {
      add({
        code: 'rule_type',
        table: ct,
        column: name,
        message: `${why}; remove the rule`,
        location: at(name, pair.at.pair),
      });
      continue;
    }
    plan.push({ name, type: c.type, base: c.base, typname: c.typname, cast: castFor(c), rule });
  }
  if (pair.ageColumn && cols.has(pair.ageColumn)) {
    const a = cols.get(pair.ageColumn) as LiveColumn;
    if (a.typname !== 'timestamptz' && a.typname !== 'timestamp') {
      add({
        code: 'age_column_type',
        table: ct,
        column: a.name,
        message: `age_column '${a.name}' is ${a.type}; it must be a timestamp telling when the row was written`,
        location: pair.at.ageColumn ?? pair.at.pair,
      });
    }
  }
  if (problems.length) return { problems };
  return {
    problems,
    plan: {
      pair,
      key: pair.key.map((k) => {
        const c = cols.get(k) as LiveColumn;
        return { name: k, type: c.type, base: c.base, typname: c.typname, category: c.category };
      }),
      compared: plan,
      excluded: pair.exclude,
      ...(pair.ageColumn ? { ageColumn: pair.ageColumn } : {}),
      keyGuaranteed: guarantees,
    },
  };
}

/**
 * A compared column the database refused when the comparison was planned (coverage.ts
 * knows the built-in types, and the composites holding a type without equality; an
 * extension's type without one it does not):
 * every run would halt on it, so the coverage check names it, with the database's reason.
 */
export function incomparableProblem(
  pair: ComparatorPair,
  c: LiveColumn,
  rule: ColumnRule,
  reason: string,
): CoverageProblem {
  const ruled = Object.keys(rule).length > 0;
  return {
    code: 'column_incomparable',
    pair: pair.id,
    table: pair.canonical.text,
    column: c.name,
    message: `${pair.canonical.text}.${c.name} (${typeText(c)}) cannot be compared${ruled ? ' under its rule' : ''}: the database refuses the comparison (${reason}); ${ruled ? 'remove the rule, or ' : ''}add it to exclude with a reason`,
    location: pair.at.columns.get(c.name) ?? pair.at.compare,
  };
}

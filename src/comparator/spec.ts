/**
 * Reads comparator.yaml (already schema-checked) into typed pairs with source positions,
 * and checks what the schema cannot: duplicate pair ids, a column both compared and
 * excluded, a must_compare column the pair excludes or does not compare, a rule on a column
 * that is not compared. Whether the columns exist is the live schema's business
 * (coverage.ts), not the file's.
 */
import type { SourceLocation } from '../model/result.js';
import type { Problem } from '../spec/problems.js';
import { keyLocation, type ParsedYaml, valueLocation } from '../spec/yaml.js';
import { identifierProblem, parseTableName } from '../sources/sql/table-name.js';
import { parseDuration } from '../util/duration.js';

/** Shared with a measurement's `table:`; re-exported for the comparator's catalog reads. */
export { tableText } from '../sources/sql/table-name.js';

export { COMPARATOR_FILE } from './names.js';
export const DEFAULT_RUN_TYPE = 'measurement.comparator.run';
export const DEFAULT_DIVERGENCE_TYPE = 'measurement.comparator.divergence';
/** The RFC's `error_class` of a shadow divergence (wave3 §8), when record.events names none. */
export const DEFAULT_ERROR_CLASS = 'shadow_divergence';

export type TimestampPrecision = 'minute' | 'second' | 'milliseconds' | 'microseconds';

export interface ColumnRule {
  float_tolerance?: number;
  timestamp_precision?: TimestampPrecision;
  case_insensitive?: boolean;
}

export interface TableName {
  schema: string;
  name: string;
  /** `schema.name` as written. */
  text: string;
}

export interface ComparatorPair {
  id: string;
  title?: string;
  section?: string;
  canonical: TableName;
  shadow: TableName;
  key: string[];
  /** `all`, or the explicit list. */
  compare: 'all' | string[];
  exclude: { column: string; reason: string }[];
  /** Columns that must exist and be compared (the RFC's named drift candidates). */
  mustCompare: string[];
  shadowOnly: string[];
  ageColumn?: string;
  /** Milliseconds; the pair's own, else the file's default, else 0. */
  minAgeMs: number;
  rules: Record<string, ColumnRule>;
  /** Where each part is declared, for problems that name the fix. */
  at: {
    pair: SourceLocation;
    canonical: SourceLocation;
    shadow: SourceLocation;
    key: SourceLocation;
    compare: SourceLocation;
    /** Per column named in compare (explicit list only), exclude, key, shadow_only and rules. */
    columns: Map<string, SourceLocation>;
    exclude: SourceLocation;
    ageColumn?: SourceLocation;
  };
}

/**
 * `record.events`: the application's event table, where `comparator run --record` also writes
 * one event per listed divergent key (RFC wave3 §8). The table is the team's, not the ledger's.
 */
export interface EventsSpec {
  table: TableName;
  eventType: string;
  errorClass: string;
  /** Where `record.events.table` is declared, for a table that cannot take the events. */
  at: SourceLocation;
}

export interface ComparatorSpec {
  file: string;
  pairs: ComparatorPair[];
  record: { runType: string; divergenceType: string; events?: EventsSpec };
}

interface RawPair {
  id: string;
  title?: string;
  section?: string;
  canonical: string;
  shadow: string;
  key: string[];
  compare: 'all' | string[];
  must_compare?: string[];
  exclude?: { column: string; reason: string }[];
  shadow_only?: string[];
  age_column?: string;
  /** A duration, or 0 (`0`, `0s`, …) for none. */
  min_age?: string | 0;
  rules?: Record<string, ColumnRule>;
}

interface RawComparator {
  /** As a pair's min_age: a duration, or 0 for none. */
  min_age?: string | 0;
  record?: {
    run_type?: string;
    divergence_type?: string;
    events?: { table: string; event_type: string; error_class?: string };
  };
  pairs: RawPair[];
}

/** A schema-checked min_age in milliseconds: 0, `0s` and an absent one are no lag. */
function minAgeMs(text: string | 0 | undefined): number {
  return text === undefined ? 0 : (parseDuration(String(text)) ?? 0);
}

export function readComparator(y: ParsedYaml, data: unknown, problems: Problem[]): ComparatorSpec {
  const raw = data as RawComparator;
  const err = (loc: SourceLocation, message: string) => problems.push({ ...loc, severity: 'error', message });
  const defaultMinAge = minAgeMs(raw.min_age);
  const pairs: ComparatorPair[] = [];
  const seen = new Map<string, number>();
  raw.pairs.forEach((r, i) => {
    const path = ['pairs', i];
    const prior = seen.get(r.id);
    if (prior !== undefined) {
      const p = valueLocation(y, ['pairs', prior]);
      err(
        keyLocation(y, path, 'id'),
        `duplicate comparator pair id '${r.id}' (first declared at ${p.file}:${p.line}:${p.col}); give each pair its own id`,
      );
      return;
    }
    seen.set(r.id, i);
    const columns = new Map<string, SourceLocation>();
    const note = (col: string, loc: SourceLocation) => {
      if (columns.has(col)) return;
      columns.set(col, loc);
      const wrong = identifierProblem(col);
      if (wrong) err(loc, `pair '${r.id}': column '${col}' is not a column name: ${wrong}`);
    };
    r.key.forEach((c, j) => note(c, valueLocation(y, [...path, 'key', j])));
    if (Array.isArray(r.compare)) r.compare.forEach((c, j) => note(c, valueLocation(y, [...path, 'compare', j])));
    (r.exclude ?? []).forEach((e, j) => note(e.column, valueLocation(y, [...path, 'exclude', j, 'column'])));
    (r.shadow_only ?? []).forEach((c, j) => note(c, valueLocation(y, [...path, 'shadow_only', j])));
    (r.must_compare ?? []).forEach((c, j) => note(c, valueLocation(y, [...path, 'must_compare', j])));
    for (const c of Object.keys(r.rules ?? {})) note(c, keyLocation(y, [...path, 'rules'], c));
    const ageWrong = r.age_column === undefined ? undefined : identifierProblem(r.age_column);
    if (ageWrong) {
      err(
        valueLocation(y, [...path, 'age_column']),
        `pair '${r.id}': column '${r.age_column}' is not a column name: ${ageWrong}`,
      );
    }

    const excluded = new Set<string>();
    (r.exclude ?? []).forEach((e, j) => {
      const loc = valueLocation(y, [...path, 'exclude', j, 'column']);
      if (excluded.has(e.column)) err(loc, `pair '${r.id}': column '${e.column}' is excluded twice`);
      excluded.add(e.column);
      if (Array.isArray(r.compare) && r.compare.includes(e.column)) {
        err(loc, `pair '${r.id}': column '${e.column}' is both compared and excluded; keep one`);
      }
    });
    // Contradictions within the pair, said where must_compare names the column: without the
    // file's other half read, only comparator check against a live database would notice.
    (r.must_compare ?? []).forEach((c, j) => {
      const loc = valueLocation(y, [...path, 'must_compare', j]);
      const excludedAt = (r.exclude ?? []).findIndex((e) => e.column === c);
      if (excludedAt >= 0) {
        const e = valueLocation(y, [...path, 'exclude', excludedAt, 'column']);
        err(
          loc,
          `pair '${r.id}': column '${c}' is in must_compare but excluded (at ${e.file}:${e.line}:${e.col}); remove it from exclude to compare it, or from must_compare`,
        );
      } else if (r.key.includes(c)) {
        err(
          loc,
          `pair '${r.id}': column '${c}' is in must_compare but is a key column, matched by the join, not compared; remove it from must_compare`,
        );
      } else if (Array.isArray(r.compare) && !r.compare.includes(c)) {
        err(
          loc,
          `pair '${r.id}': column '${c}' is in must_compare but not in compare; add it to compare, or remove it from must_compare`,
        );
      }
    });
    if (Array.isArray(r.compare)) {
      r.compare.forEach((c, j) => {
        if (r.key.includes(c)) {
          err(
            valueLocation(y, [...path, 'compare', j]),
            `pair '${r.id}': key column '${c}' is matched by the join, not compared; remove it from compare`,
          );
        }
      });
    }
    for (const c of Object.keys(r.rules ?? {})) {
      const loc = keyLocation(y, [...path, 'rules'], c);
      if (r.key.includes(c) || excluded.has(c) || (Array.isArray(r.compare) && !r.compare.includes(c))) {
        err(loc, `pair '${r.id}': a rule for '${c}', which is not compared; remove the rule or compare the column`);
      }
    }
    const table = (side: 'canonical' | 'shadow'): TableName => {
      const parsed = parseTableName(r[side]);
      if ('error' in parsed) {
        err(
          valueLocation(y, [...path, side]),
          `pair '${r.id}': ${side} '${r[side]}' is not a table name: ${parsed.error}`,
        );
        return { schema: '', name: r[side], text: r[side] };
      }
      return { ...parsed, text: r[side] };
    };
    // A lag without a column telling when a row was written skips nothing: every write in
    // flight would be reported as a divergence, while the spec says it is waited for.
    const ownMinAge = r.min_age !== undefined;
    if (!r.age_column && (ownMinAge ? minAgeMs(r.min_age) : defaultMinAge) > 0) {
      err(
        ownMinAge ? valueLocation(y, [...path, 'min_age']) : valueLocation(y, path),
        `pair '${r.id}' ${ownMinAge ? `has min_age ${String(r.min_age)}` : `takes the file's min_age ${String(raw.min_age)}`} but names no age_column, so no key can be skipped as written within it; add age_column (the timestamp column telling when a row was last written), or min_age: 0 on the pair for no lag`,
      );
    }
    const canonical = table('canonical');
    const shadow = table('shadow');
    if (canonical.schema === shadow.schema && canonical.name === shadow.name) {
      err(valueLocation(y, [...path, 'shadow']), `pair '${r.id}': the shadow table is the canonical table`);
    }
    pairs.push({
      id: r.id,
      ...(r.title ? { title: r.title } : {}),
      ...(r.section ? { section: r.section } : {}),
      canonical,
      shadow,
      key: r.key,
      compare: r.compare,
      exclude: r.exclude ?? [],
      mustCompare: r.must_compare ?? [],
      shadowOnly: r.shadow_only ?? [],
      ...(r.age_column ? { ageColumn: r.age_column } : {}),
      // A pair's own 0 says "no lag for this pair", over any file-wide default.
      minAgeMs: r.min_age !== undefined ? minAgeMs(r.min_age) : defaultMinAge,
      rules: r.rules ?? {},
      at: {
        pair: valueLocation(y, path),
        canonical: valueLocation(y, [...path, 'canonical']),
        shadow: valueLocation(y, [...path, 'shadow']),
        key: valueLocation(y, [...path, 'key']),
        compare: valueLocation(y, [...path, 'compare']),
        columns,
        exclude: r.exclude ? valueLocation(y, [...path, 'exclude']) : valueLocation(y, path),
        ...(r.age_column ? { ageColumn: valueLocation(y, [...path, 'age_column']) } : {}),
      },
    });
  });
  const events = raw.record?.events;
  let eventsSpec: EventsSpec | undefined;
  if (events) {
    const at = valueLocation(y, ['record', 'events', 'table']);
    const parsed = parseTableName(events.table);
    if ('error' in parsed) err(at, `record.events: table '${events.table}' is not a table name: ${parsed.error}`);
    eventsSpec = {
      table:
        'error' in parsed ? { schema: '', name: events.table, text: events.table } : { ...parsed, text: events.table },
      eventType: events.event_type,
      errorClass: events.error_class ?? DEFAULT_ERROR_CLASS,
      at,
    };
  }
  return {
    file: y.file,
    pairs,
    record: {
      runType: raw.record?.run_type ?? DEFAULT_RUN_TYPE,
      divergenceType: raw.record?.divergence_type ?? DEFAULT_DIVERGENCE_TYPE,
      ...(eventsSpec ? { events: eventsSpec } : {}),
    },
  };
}

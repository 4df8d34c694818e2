/**
 * The SQL text of a measurement: the generated single-scan query of the table form, and the
 * named-parameter rewrite of the raw form.
 */
import pg from './pg.js';
import type { SqlTableQuery } from '../../spec/types.js';
import { RAW_PARAMS, rewriteNamedParams } from './params.js';
import { identifierProblem, parseTableName } from './table-name.js';

export class QueryBuildError extends Error {}

export { RAW_PARAMS };
export type RawParam = (typeof RAW_PARAMS)[number];

export interface BuiltQuery {
  text: string;
  /** What each positional parameter carries, in order. */
  names: RawParam[];
  /**
   * What the spec wrote at `at` (0-based) of `text`: the key of the sql block, and the offset
   * in its value when the text there is the spec's own (a fragment, not a quoted name).
   */
  origin(at: number): SpecOrigin | undefined;
}

/** A place in a measurement's sql block: `key` (table, value, where, query…), `offset` in its value. */
export interface SpecOrigin {
  key: string;
  offset?: number;
}

/** Builds a query's text piece by piece, remembering which came from which key of the spec. */
class Pieces {
  text = '';
  readonly #spans: { start: number; end: number; key: string; skip?: number }[] = [];
  /** `skip`: where `piece` starts in the key's value (its leading blanks, trimmed off); unset for a name the query quotes. */
  add(piece: string, from?: { key: string; skip?: number }): this {
    if (from) this.#spans.push({ start: this.text.length, end: this.text.length + piece.length, ...from });
    this.text += piece;
    return this;
  }
  origin = (at: number): SpecOrigin | undefined => {
    const span = this.#spans.find((s) => at >= s.start && at < s.end);
    if (!span) return undefined;
    return span.skip === undefined ? { key: span.key } : { key: span.key, offset: span.skip + at - span.start };
  };
}

/** A fragment as written, trimmed, with where it starts in the key's value. */
function fragment(key: string, value: string): [string, { key: string; skip: number }] {
  return [value.trim(), { key, skip: value.length - value.trimStart().length }];
}

/**
 * Quotes `schema.table` (or `table`) part by part, each with escapeIdentifier. A part is
 * written as SQL writes it, as comparator.yaml's tables are: unquoted and taken exactly as
 * written, case included (the way the catalog shows it), or in double quotes when it holds
 * another character (`sales."Order Items"`, `public."orders-2026"`).
 */
export function quoteQualifiedName(name: string): string {
  const parsed = parseTableName(name, { schemaOptional: true });
  if ('error' in parsed) throw new QueryBuildError(`table '${name}' is not a table name: ${parsed.error}`);
  const parts = parsed.schema === null ? [parsed.name] : [parsed.schema, parsed.name];
  return parts.map((p) => pg.escapeIdentifier(p)).join('.');
}

/**
 * A column is named as the catalog spells it, without quotes, as comparator.yaml's columns
 * are: `Created At` and `order-id` are columns a table may have, so only a name PostgreSQL
 * cannot hold is refused.
 */
export function quoteColumn(name: string): string {
  const wrong = name === '' ? 'it is empty' : identifierProblem(name, `'${name}'`);
  if (wrong) throw new QueryBuildError(`column '${name}' is not a column name: ${wrong}`);
  return pg.escapeIdentifier(name);
}

/**
 * One query, one scan of the window: the value and every statistic the requirements need.
 * `$1` is window_start and `$2` is window_end (= as_of).
 *
 * `where` and `value` are SQL fragments written by the spec author, who owns the governed
 * database's SQL; they are inserted as written (inside parentheses, each on its own lines so
 * a trailing `--` comment cannot swallow the rest). The spec is trusted input, like a
 * migration; the run is still confined to a READ ONLY transaction with a timeout.
 *
 * `first_seen` (the first matching row before as_of, over all time) is only computed when a
 * `days_with_rows` requirement needs to tell a young channel from a thin one.
 */
export function buildTableQuery(spec: SqlTableQuery, withFirstSeen: boolean): BuiltQuery {
  const table = quoteQualifiedName(spec.table);
  const ts = quoteColumn(spec.timestamp);
  const q = new Pieces();
  const addTable = () => q.add(table, { key: 'table' });
  const addTs = () => q.add(ts, { key: 'timestamp' });
  const addFilter = () => {
    if (spec.where?.trim())
      q.add('(\n')
        .add(...fragment('where', spec.where))
        .add('\n) AND ');
  };
  q.add('SELECT (\n')
    .add(...fragment('value', spec.value))
    .add('\n) AS value,\n  count(*) AS rows,\n  ');
  // The window's days are the 24-hour periods counted back from as_of, not calendar days: a
  // 14d window that does not start at midnight touches 15 calendar days, so counting those
  // would let a channel with a silent day, or one not yet 14 days old, meet days_with_rows 14.
  q.add('count(DISTINCT ceil((extract(epoch FROM $2::timestamptz) - extract(epoch FROM ');
  addTs().add(')) / 86400)) AS days_with_rows,\n  max(');
  addTs().add(') AS newest');
  if (withFirstSeen) {
    q.add(',\n  (SELECT min(');
    addTs().add(') FROM ');
    addTable().add(' WHERE ');
    addFilter();
    addTs().add(' < $2) AS first_seen');
  }
  q.add('\nFROM ');
  addTable().add('\nWHERE ');
  addFilter();
  addTs().add(' >= $1 AND ');
  addTs().add(' < $2');
  return { text: q.text, names: ['window_start', 'window_end'], origin: q.origin };
}

/**
 * When the window holds no rows, this tells "never produced" from "went dark": the newest
 * matching row before as_of. Only run on that halt path, so the measurement stays one scan.
 */
export function buildNewestEverQuery(spec: SqlTableQuery): BuiltQuery {
  const q = new Pieces().add('SELECT max(').add(quoteColumn(spec.timestamp), { key: 'timestamp' });
  q.add(') AS newest_ever\nFROM ').add(quoteQualifiedName(spec.table), { key: 'table' }).add('\nWHERE ');
  if (spec.where?.trim())
    q.add('(\n')
      .add(...fragment('where', spec.where))
      .add('\n) AND ');
  q.add(quoteColumn(spec.timestamp), { key: 'timestamp' }).add(' < $1');
  return { text: q.text, names: ['as_of'], origin: q.origin };
}

export function buildRawQuery(query: string): BuiltQuery {
  const { text, names, sourceOffset } = rewriteNamedParams(query, RAW_PARAMS);
  return { text, names: names as RawParam[], origin: (at) => ({ key: 'query', offset: sourceOffset(at) }) };
}

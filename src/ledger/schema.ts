/**
 * The DDL the tool owns, as data: the RFC's measurement table (wave3 §6) for teams starting
 * fresh, its monthly partitions, and the tool's own ledger schema `rfcgate`.
 *
 *   const plan = migrationPlan(defaultMigrationRange());
 *   const result = await migrate(writer, plan, { dryRun: false });
 *
 * Every object created is marked with a comment (`rfcgate:managed v1`). An object that
 * already exists without that marker belongs to someone else: migrate leaves it exactly as
 * it is, says so, and skips what depends on it (a team's own measurement table gets no index
 * and no partitions from us), while still creating the rest (the `rfcgate` ledger). Schemas
 * are the exception: an existing `audit` schema is used as is, because the RFC puts the
 * table in it. Everything runs in one transaction, under an advisory lock; a second run finds
 * every object present and changes nothing.
 */
import type { SqlTx, SqlWriter } from '../sources/sql/writer.js';
import { LedgerError } from './errors.js';

export const MANAGED_MARKER = 'rfcgate:managed v1';
const MARKER_PREFIX = 'rfcgate:managed';

export const MEASUREMENTS_TABLE = 'audit.coordination_measurements';
export const LEDGER_SCHEMA = 'rfcgate';
/** One row per measurement recorded through rfcgate: provenance and idempotency keys. */
export const RECORDED_MEASUREMENTS_TABLE = 'rfcgate.recorded_measurements';
export const GATE_RUNS_TABLE = 'rfcgate.gate_runs';
export const GATE_RESULTS_TABLE = 'rfcgate.gate_results';
export const COMPARATOR_WINDOWS_TABLE = 'rfcgate.comparator_windows';

/** A partition is droppable once its whole range is older than this (wave3 §6). */
export const RETENTION_DAYS = 90;
/** A plan longer than this is almost certainly a typo in --from or --to. */
export const MAX_PLAN_MONTHS = 120;

export type ObjectKind = 'schema' | 'table' | 'index' | 'partition' | 'column';

export interface MigrationStep {
  /** Stable: `<kind>:<schema>.<name>` (`schema:audit` for a schema). */
  id: string;
  kind: ObjectKind;
  schema: string;
  /** The object's own name (the schema's name for a schema; `table.column` for a column). */
  name: string;
  description: string;
  /** Single statements, run in order inside the migration's one transaction. */
  sql: string[];
  /** Ids of the steps this one builds on; if one of them is left alone, so is this. */
  requires: string[];
  /** Partitions: the UTC range [start, end) as ISO instants. */
  range?: { start: string; end: string };
}

export interface MigrationRange {
  from: Date;
  to: Date;
}

/**
 * Columns added to a ledger table after it was first released. A table's CREATE keeps the
 * shape it was released with and each later column is a step of its own, so a ledger made by
 * an earlier version gets exactly the columns it lacks, and a fresh one the same shape.
 */
export interface AddedColumn {
  table: string;
  column: string;
  type: string;
  why: string;
}

export const ADDED_COLUMNS: readonly AddedColumn[] = [
  {
    table: GATE_RUNS_TABLE,
    column: 'snapshot_at',
    type: 'timestamptz',
    why: 'the instant a restored database copy depicts, `gate check --snapshot-at`; null for a live database',
  },
  {
    table: GATE_RUNS_TABLE,
    column: 'run_key',
    type: 'text',
    // Not run_id: gate_results.run_id, `gate history --run` and its JSON's run_id all name gate_runs.id.
    why: 'the `--run-id` a `gate check --record` was given, recorded once per RFC; null without one',
  },
];

/**
 * Indexes added to a ledger table after it was first released, each a step of its own after
 * the columns it covers, as ADDED_COLUMNS are.
 */
export interface AddedIndex {
  table: string;
  /** The index's own name; it lives in its table's schema. */
  name: string;
  /** The CREATE INDEX statement's text after `ON <table>`. */
  definition: string;
  unique: boolean;
  /** `column:<schema.table.column>` ids of the ADDED_COLUMNS steps it covers. */
  requires: string[];
  why: string;
}

export const ADDED_INDEXES: readonly AddedIndex[] = [
  {
    table: GATE_RUNS_TABLE,
    name: 'gate_runs_rfc_run_key',
    // Partial: most runs have no run key, and a lookup by one implies it is not null.
    definition: '(rfc, run_key) WHERE run_key IS NOT NULL',
    unique: true,
    requires: [`column:${GATE_RUNS_TABLE}.run_key`],
    why: 'one run per `gate check --record --run-id` and RFC',
  },
];

/** `schema.name` of an added index, as the catalog and assertions name it. */
export function addedIndexName(i: AddedIndex): string {
  return `${i.table.split('.')[0] ?? ''}.${i.name}`;
}

// ---------------------------------------------------------------------------------------------
// The plan

/** The first instant (UTC) of a month; setUTCFullYear, as Date.UTC reads the years 0 to 99 as 1900 to 1999. */
function utcMonth(year: number, month: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 1);
  return d;
}

function monthStart(d: Date): Date {
  return utcMonth(d.getUTCFullYear(), d.getUTCMonth());
}

function addMonths(d: Date, n: number): Date {
  return utcMonth(d.getUTCFullYear(), d.getUTCMonth() + n);
}

/** `2026-06-01`, and `10000-01-01` (as PostgreSQL reads it) where toISOString writes `+010000-01-01`. */
function day(d: Date): string {
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  return `${y}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** `coordination_measurements_y2026m06`: the name gates/wave3 `overdue_measurement_partitions` parses. */
export function partitionName(month: Date): string {
  const y = String(month.getUTCFullYear()).padStart(4, '0');
  const m = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `coordination_measurements_y${y}m${m}`;
}

/** The first instant (UTC) of every calendar month that [from, to] touches. */
export function monthsCovering(from: Date, to: Date): Date[] {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new RangeError('from and to must be dates');
  // Months are compared, not instants: 2026-06-15 to 2026-06-10 is June either way.
  if (monthStart(from).getTime() > monthStart(to).getTime()) {
    throw new RangeError(`from (${from.toISOString()}) is in a month after to's (${to.toISOString()})`);
  }
  const out: Date[] = [];
  const last = monthStart(to).getTime();
  for (let m = monthStart(from); m.getTime() <= last; m = addMonths(m, 1)) {
    out.push(m);
    if (out.length > MAX_PLAN_MONTHS) {
      throw new RangeError(`the range spans more than ${MAX_PLAN_MONTHS} months; is from or to mistyped?`);
    }
  }
  return out;
}

/** Three months back to two months ahead of `now` (whole UTC months): retention, plus the RFC's "at least one month ahead". */
export function defaultMigrationRange(now: Date = new Date()): MigrationRange {
  const from = addMonths(monthStart(now), -3);
  const to = new Date(addMonths(monthStart(now), 3).getTime() - 1);
  return { from, to };
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const marker = lit(MANAGED_MARKER);

/** `2026-06-01 00:00:00+00`: a bound that means the same instant whatever the session's TimeZone. */
function bound(d: Date): string {
  return `${day(d)} 00:00:00+00`;
}

function schemaStep(name: string, why: string): MigrationStep {
  return {
    id: `schema:${name}`,
    kind: 'schema',
    schema: name,
    name,
    description: `schema ${name} (${why})`,
    sql: [`CREATE SCHEMA ${name}`, `COMMENT ON SCHEMA ${name} IS ${marker}`],
    requires: [],
  };
}

function columnStep(c: AddedColumn): MigrationStep {
  const [schema = '', table = ''] = c.table.split('.');
  return {
    id: `column:${c.table}.${c.column}`,
    kind: 'column',
    schema,
    name: `${table}.${c.column}`,
    description: `column ${c.table}.${c.column} (${c.why})`,
    sql: [
      // IF NOT EXISTS on top of the inspection: a column added by hand is not an error.
      `ALTER TABLE ${c.table} ADD COLUMN IF NOT EXISTS ${c.column} ${c.type}`,
      `COMMENT ON COLUMN ${c.table}.${c.column} IS ${marker}`,
    ],
    requires: [`table:${c.table}`],
  };
}

function indexStep(i: AddedIndex): MigrationStep {
  const schema = i.table.split('.')[0] ?? '';
  return {
    id: `index:${schema}.${i.name}`,
    kind: 'index',
    schema,
    name: i.name,
    description: `${i.unique ? 'unique ' : ''}index ${schema}.${i.name} on ${i.table} ${i.definition} (${i.why})`,
    sql: [
      `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX ${i.name} ON ${i.table} ${i.definition}`,
      `COMMENT ON INDEX ${schema}.${i.name} IS ${marker}`,
    ],
    requires: [`table:${i.table}`, ...i.requires],
  };
}

/** The monthly partition of audit.coordination_measurements holding `month` (its first instant, UTC). */
function partitionStep(month: Date): MigrationStep {
  const name = partitionName(month);
  const next = addMonths(month, 1);
  return {
    id: `partition:audit.${name}`,
    kind: 'partition',
    schema: 'audit',
    name,
    description: `partition audit.${name} [${day(month)}, ${day(next)})`,
    sql: [
      `CREATE TABLE audit.${name}\n    PARTITION OF audit.coordination_measurements\n    FOR VALUES FROM (${lit(bound(month))}) TO (${lit(bound(next))})`,
      `COMMENT ON TABLE audit.${name} IS ${marker}`,
    ],
    requires: ['table:audit.coordination_measurements'],
    range: { start: month.toISOString(), end: next.toISOString() },
  };
}

/**
 * Every object the tool may create, in dependency order, with monthly partitions covering
 * [from, to]. Pure: the live database decides (in `migrate`) which steps still need to run.
 */
export function migrationPlan(opts: MigrationRange): MigrationStep[] {
  const months = monthsCovering(opts.from, opts.to);
  const table = 'table:audit.coordination_measurements';
  const steps: MigrationStep[] = [
    schemaStep('audit', 'the RFC measurement table lives here'),
    {
      id: table,
      kind: 'table',
      schema: 'audit',
      name: 'coordination_measurements',
      description: 'table audit.coordination_measurements (wave3 §6: partitioned by month on recorded_at)',
      sql: [
        `CREATE TABLE audit.coordination_measurements (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    measurement_type text        NOT NULL
        CHECK (measurement_type LIKE 'measurement.%'),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    elapsed_ms       double precision,
    agent_id         text,
    payload          jsonb       NOT NULL DEFAULT '{}'::jsonb
        CHECK (jsonb_typeof(payload) = 'object'),
    PRIMARY KEY (id, recorded_at)
) PARTITION BY RANGE (recorded_at)`,
        `COMMENT ON TABLE audit.coordination_measurements IS ${marker}`,
      ],
      requires: ['schema:audit'],
    },
    {
      id: 'index:audit.coordination_measurements_type_time',
      kind: 'index',
      schema: 'audit',
      name: 'coordination_measurements_type_time',
      description: 'index audit.coordination_measurements_type_time on (measurement_type, recorded_at)',
      sql: [
        'CREATE INDEX coordination_measurements_type_time\n    ON audit.coordination_measurements (measurement_type, recorded_at)',
        `COMMENT ON INDEX audit.coordination_measurements_type_time IS ${marker}`,
      ],
      requires: [table],
    },
  ];
  for (const m of months) steps.push(partitionStep(m));
  steps.push(
    schemaStep(LEDGER_SCHEMA, "the tool's own ledger"),
    {
      id: `table:${RECORDED_MEASUREMENTS_TABLE}`,
      kind: 'table',
      schema: LEDGER_SCHEMA,
      name: 'recorded_measurements',
      description: `table ${RECORDED_MEASUREMENTS_TABLE} (who recorded which measurement row; idempotency keys)`,
      sql: [
        // No foreign key to the measurement row: retention drops whole partitions, and a key
        // would block the drop. The pair (measurement_id, recorded_at) names the row.
        `CREATE TABLE ${RECORDED_MEASUREMENTS_TABLE} (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measurement_id   bigint      NOT NULL,
    measurement_type text        NOT NULL,
    recorded_at      timestamptz NOT NULL,
    value            double precision,
    idempotency_key  text        UNIQUE,
    fingerprint      text        NOT NULL,
    recorded_by      text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
)`,
        `CREATE INDEX recorded_measurements_row ON ${RECORDED_MEASUREMENTS_TABLE} (measurement_id, recorded_at)`,
        `COMMENT ON TABLE ${RECORDED_MEASUREMENTS_TABLE} IS ${marker}`,
      ],
      requires: [`schema:${LEDGER_SCHEMA}`],
    },
    {
      id: `table:${GATE_RUNS_TABLE}`,
      kind: 'table',
      schema: LEDGER_SCHEMA,
      name: 'gate_runs',
      description: `table ${GATE_RUNS_TABLE} (one row per \`gate check --record\`)`,
      sql: [
        `CREATE TABLE ${GATE_RUNS_TABLE} (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rfc          text        NOT NULL,
    as_of        timestamptz NOT NULL,
    ref          text        NOT NULL,
    sha          text,
    phase        text,
    only_gates   jsonb,
    verdict      text        NOT NULL CHECK (verdict IN ('pass', 'fail', 'halt')),
    results      integer     NOT NULL,
    tool_version text,
    recorded_by  text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
)`,
        `CREATE INDEX gate_runs_rfc_as_of ON ${GATE_RUNS_TABLE} (rfc, as_of)`,
        `COMMENT ON TABLE ${GATE_RUNS_TABLE} IS ${marker}`,
      ],
      requires: [`schema:${LEDGER_SCHEMA}`],
    },
    ...ADDED_COLUMNS.filter((c) => c.table === GATE_RUNS_TABLE).map(columnStep),
    ...ADDED_INDEXES.filter((i) => i.table === GATE_RUNS_TABLE).map(indexStep),
    {
      id: `table:${GATE_RESULTS_TABLE}`,
      kind: 'table',
      schema: LEDGER_SCHEMA,
      name: 'gate_results',
      description: `table ${GATE_RESULTS_TABLE} (every gate's verdict, reason and evidence, per run)`,
      sql: [
        `CREATE TABLE ${GATE_RESULTS_TABLE} (
    run_id      bigint NOT NULL REFERENCES ${GATE_RUNS_TABLE} (id) ON DELETE CASCADE,
    gate_id     text   NOT NULL,
    kind        text   NOT NULL,
    title       text   NOT NULL,
    section     text   NOT NULL,
    verdict     text   NOT NULL CHECK (verdict IN ('pass', 'fail', 'halt')),
    halt_reason text,
    reason      text,
    evidence    jsonb  NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(evidence) = 'object'),
    location    jsonb,
    PRIMARY KEY (run_id, gate_id)
)`,
        `COMMENT ON TABLE ${GATE_RESULTS_TABLE} IS ${marker}`,
      ],
      requires: [`table:${GATE_RUNS_TABLE}`],
    },
    {
      id: `table:${COMPARATOR_WINDOWS_TABLE}`,
      kind: 'table',
      schema: LEDGER_SCHEMA,
      name: 'comparator_windows',
      description: `table ${COMPARATOR_WINDOWS_TABLE} (each comparator pair's shadow-window state: never_started, active, went_dark)`,
      sql: [
        `CREATE TABLE ${COMPARATOR_WINDOWS_TABLE} (
    rfc             text        NOT NULL,
    pair            text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('never_started', 'active', 'went_dark')),
    first_active_at timestamptz,
    last_active_at  timestamptz,
    went_dark_at    timestamptz,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (rfc, pair)
)`,
        `COMMENT ON TABLE ${COMPARATOR_WINDOWS_TABLE} IS ${marker}`,
      ],
      requires: [`schema:${LEDGER_SCHEMA}`],
    },
  );
  return steps;
}

// ---------------------------------------------------------------------------------------------
// The live state

interface LiveObject {
  comment: string | null;
  /** Relations: `schema.parent` when it is a partition. */
  parent: string | null;
}

export function isManaged(comment: string | null | undefined): boolean {
  return typeof comment === 'string' && comment.startsWith(MARKER_PREFIX);
}

async function inspect(tx: SqlTx, plan: readonly MigrationStep[]): Promise<Map<string, LiveObject>> {
  const live = new Map<string, LiveObject>();
  const schemas = plan.filter((s) => s.kind === 'schema').map((s) => s.name);
  const relations = plan.filter((s) => s.kind !== 'schema' && s.kind !== 'column').map((s) => `${s.schema}.${s.name}`);
  const columns = plan.filter((s) => s.kind === 'column').map((s) => `${s.schema}.${s.name}`);
  // JSON arrays as parameters: the same on node-postgres and PGlite.
  const ns = await tx.query<{ name: string; comment: string | null }>(
    `SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment
     FROM pg_namespace n
     WHERE n.nspname IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(schemas)],
  );
  for (const r of ns.rows) live.set(`schema:${r.name}`, { comment: r.comment, parent: null });
  const rel = await tx.query<{ qualified: string; relkind: string; comment: string | null; parent: string | null }>(
    `SELECT n.nspname || '.' || c.relname AS qualified, c.relkind::text AS relkind,
            obj_description(c.oid, 'pg_class') AS comment,
            (SELECT pn.nspname || '.' || p.relname
               FROM pg_inherits i
               JOIN pg_class p ON p.oid = i.inhparent
               JOIN pg_namespace pn ON pn.oid = p.relnamespace
              WHERE i.inhrelid = c.oid
              LIMIT 1) AS parent
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname || '.' || c.relname IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(relations)],
  );
  for (const r of rel.rows) live.set(r.qualified, { comment: r.comment, parent: r.parent });
  const col = await tx.query<{ qualified: string; comment: string | null }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS qualified, col_description(c.oid, a.attnum) AS comment
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE a.attnum > 0 AND NOT a.attisdropped
       AND n.nspname || '.' || c.relname || '.' || a.attname IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(columns)],
  );
  for (const r of col.rows) live.set(r.qualified, { comment: r.comment, parent: null });
  return live;
}

// ---------------------------------------------------------------------------------------------
// Migrating

/** The one lock `db migrate` and a recorder creating a partition both take, so neither sees an object half-made. */
const MIGRATE_LOCK = "SELECT pg_advisory_xact_lock(hashtext('rfcgate.migrate'))";

export type StepStatus =
  /** Created by this run. */
  | 'created'
  /** Dry run: would be created. */
  | 'would_create'
  /** Already there (rfcgate's, or a schema used as is). */
  | 'present'
  /** Exists and is not rfcgate's: left exactly as it is. */
  | 'refused'
  /** Builds on an object that was refused: not created. */
  | 'blocked';

export interface StepOutcome {
  step: MigrationStep;
  status: StepStatus;
  /** Why it was refused or blocked; for a partition already past retention, a warning. */
  note?: string;
}

export interface MigrateResult {
  database: string;
  dryRun: boolean;
  outcomes: StepOutcome[];
  created: number;
  present: number;
  refused: number;
  blocked: number;
  /** Did this run change the database? False on a dry run and on a second run. */
  changed: boolean;
}

export interface MigrateOptions {
  /** Inspect in a READ ONLY transaction and report what would be created; write nothing. */
  dryRun?: boolean;
  /** For the retention warning on partitions; default now. */
  now?: Date;
}

function qualified(step: MigrationStep): string {
  return step.kind === 'schema' ? step.name : `${step.schema}.${step.name}`;
}

function decide(plan: readonly MigrationStep[], live: Map<string, LiveObject>, opts: MigrateOptions): StepOutcome[] {
  const now = opts.now ?? new Date();
  const retentionEdge = now.getTime() - RETENTION_DAYS * 86_400_000;
  const byId = new Map<string, StepOutcome>();
  const outcomes: StepOutcome[] = [];
  for (const step of plan) {
    let outcome: StepOutcome;
    const left = step.requires
      .map((id) => byId.get(id))
      .find((o) => o !== undefined && (o.status === 'refused' || o.status === 'blocked'));
    const obj = live.get(step.kind === 'schema' ? `schema:${step.name}` : qualified(step));
    if (left) {
      outcome = {
        step,
        status: 'blocked',
        note: `not created: it would build on ${qualified(left.step)}, which rfcgate leaves alone`,
      };
    } else if (obj && step.kind === 'column') {
      // Its table is rfcgate's (or this step would be blocked): the column is used as is.
      outcome = { step, status: 'present' };
    } else if (obj && step.kind === 'schema') {
      outcome = isManaged(obj.comment)
        ? { step, status: 'present' }
        : { step, status: 'present', note: 'exists (not created by rfcgate); used as is' };
    } else if (obj && isManaged(obj.comment)) {
      outcome = { step, status: 'present' };
    } else if (obj) {
      outcome = {
        step,
        status: 'refused',
        note: `exists and was not created by rfcgate (no '${MARKER_PREFIX}' comment); left unchanged`,
      };
    } else {
      outcome = { step, status: opts.dryRun ? 'would_create' : 'created' };
      if (step.range && Date.parse(step.range.end) < retentionEdge) {
        outcome.note = `already past the ${RETENTION_DAYS}-day retention window (stop sign #12 counts it once 7 days overdue)`;
      }
    }
    byId.set(step.id, outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

function summarise(database: string, dryRun: boolean, outcomes: StepOutcome[]): MigrateResult {
  const count = (s: StepStatus) => outcomes.filter((o) => o.status === s).length;
  const created = count('created');
  return {
    database,
    dryRun,
    outcomes,
    created: dryRun ? count('would_create') : created,
    present: count('present'),
    refused: count('refused'),
    blocked: count('blocked'),
    changed: !dryRun && created > 0,
  };
}

/**
 * Brings the database up to `plan` in ONE transaction (or, with dryRun, reports what would
 * be created, from a READ ONLY transaction that is rolled back). Objects already present
 * are skipped; objects that exist without the marker are refused, never altered.
 */
export async function migrate(
  writer: SqlWriter,
  plan: readonly MigrationStep[],
  opts: MigrateOptions = {},
): Promise<MigrateResult> {
  const dryRun = opts.dryRun ?? false;
  return writer.transaction(
    async (tx) => {
      // Two migrations at once would both see an object missing; the second waits here.
      if (!dryRun) await tx.query(MIGRATE_LOCK);
      const outcomes = decide(plan, await inspect(tx, plan), { ...opts, dryRun });
      if (!dryRun) {
        for (const o of outcomes) {
          if (o.status !== 'created') continue;
          for (const statement of o.step.sql) await tx.query(statement);
        }
      }
      return summarise(writer.describe(), dryRun, outcomes);
    },
    { readOnly: dryRun },
  );
}

/** A dry run against a database that does not exist yet (an embedded directory not created): everything would be created. */
export function dryRunOnEmpty(plan: readonly MigrationStep[], database: string, now?: Date): MigrateResult {
  return summarise(database, true, decide(plan, new Map(), { dryRun: true, ...(now ? { now } : {}) }));
}

/** The SQL a dry run prints: one transaction, a comment per step, refused and blocked steps as comments. */
export function migrationSql(result: MigrateResult): string {
  const lines: string[] = [];
  const todo = result.outcomes.filter((o) => o.status === 'would_create' || o.status === 'created');
  lines.push(`-- rfcgate db migrate on ${result.database}${result.dryRun ? ' (dry run: nothing was written)' : ''}`);
  for (const o of result.outcomes) {
    if (o.status === 'refused' || o.status === 'blocked')
      lines.push(`-- ${o.status}: ${o.step.description}: ${o.note}`);
  }
  if (todo.length === 0) {
    lines.push('-- nothing to do');
    return `${lines.join('\n')}\n`;
  }
  lines.push('BEGIN;');
  for (const o of todo) {
    lines.push('', `-- ${o.step.description}${o.note ? ` (${o.note})` : ''}`);
    for (const statement of o.step.sql) lines.push(`${statement};`);
  }
  lines.push('', 'COMMIT;');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Partitions on demand

/**
 * Failures of a partition's CREATE that leave the insert to say what is wrong: another
 * partition (a team's own, or a DEFAULT one holding rows of that month) already covers the
 * range, a relation of that name that is no partition, or a role that may insert but not
 * create. The insert then lands where it can, or fails naming `db migrate --from --to`.
 */
const PARTITION_LEFT_TO_INSERT = new Set(['42P17', '23514', '42P07', '42501']);

/**
 * Creates, inside the recording transaction, the monthly partitions of the rfcgate-made
 * audit.coordination_measurements that the instants need and that are missing, with the DDL
 * `db migrate` runs: recording (an hourly `comparator run --record`, a cron's `measure
 * record`) keeps working once the months `db migrate` created have passed. Only for the
 * table rfcgate created (call assertManaged first): a team's own table is never altered.
 * Two recorders racing for one month queue on migrate's lock; the second finds it made.
 * A month already past the retention window is left to the insert's error.
 */
export async function ensurePartitions(tx: SqlTx, instants: readonly Date[], now: Date = new Date()): Promise<void> {
  // A month already past retention is not made on the side: stop sign #12 would count it,
  // so it takes an explicit `db migrate --from --to`, which warns about it.
  const retentionEdge = now.getTime() - RETENTION_DAYS * 86_400_000;
  const months = [...new Set(instants.map((d) => monthStart(d).getTime()))]
    .map((t) => new Date(t))
    .filter((m) => addMonths(m, 1).getTime() >= retentionEdge);
  if (months.length === 0) return;
  const missing = async (): Promise<MigrationStep[]> => {
    const steps = months.map(partitionStep);
    const res = await tx.query<{ partitioned: boolean; present: string[] }>(
      `SELECT (SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('${MEASUREMENTS_TABLE}')) IS TRUE AS partitioned,
              ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'audit' AND c.relname IN (SELECT jsonb_array_elements_text($1::jsonb))) AS present`,
      [JSON.stringify(steps.map((s) => s.name))],
    );
    const row = res.rows[0];
    if (row?.partitioned !== true) return [];
    const present = new Set(row.present);
    return steps.filter((s) => !present.has(s.name));
  };
  if ((await missing()).length === 0) return;
  await tx.query(MIGRATE_LOCK);
  for (const step of await missing()) {
    await tx.query('SAVEPOINT rfcgate_partition');
    try {
      for (const statement of step.sql) await tx.query(statement);
      await tx.query('RELEASE SAVEPOINT rfcgate_partition');
    } catch (err) {
      const code = (err as { sqlstate?: unknown }).sqlstate;
      if (typeof code !== 'string' || !PARTITION_LEFT_TO_INSERT.has(code)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT rfcgate_partition');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Guarding writes

/**
 * Throws a LedgerError unless every table exists and carries the marker. Run inside the
 * writing transaction, before the first write; a reader (`gate history`) runs it before its
 * first read, with `reading`, so the message does not speak of writing.
 */
export async function assertManaged(
  tx: SqlTx,
  tables: readonly string[],
  database: string,
  opts: { reading?: boolean } = {},
): Promise<void> {
  const res = await tx.query<{ name: string; present: boolean; comment: string | null }>(
    `SELECT t.name, to_regclass(t.name) IS NOT NULL AS present, obj_description(to_regclass(t.name), 'pg_class') AS comment
     FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(name, ord)
     ORDER BY t.ord`,
    [JSON.stringify(tables)],
  );
  const missing = res.rows.filter((r) => !r.present).map((r) => r.name);
  // A table of the team's own is named first: db migrate leaves it alone, and with it what
  // builds on it (gate_results on gate_runs), so "run db migrate" would change nothing.
  const foreign = res.rows.filter((r) => r.present && !isManaged(r.comment)).map((r) => r.name);
  if (missing.length && !foreign.length) {
    throw new LedgerError(
      'missing',
      `the ledger is not set up in ${database}: ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist; run \`rfcgate db migrate\` first${opts.reading ? '' : '; nothing was written'}`,
    );
  }
  if (foreign.length) {
    throw new LedgerError(
      'foreign',
      `${foreign.join(', ')} in ${database} ${foreign.length === 1 ? 'was' : 'were'} not created by rfcgate (no '${MARKER_PREFIX}' comment); ${opts.reading ? 'rfcgate reads its ledger only from tables it manages, so it was not read' : 'rfcgate writes only to tables it manages, so nothing was written'}`,
    );
  }
}

/** Which of `columns` (`schema.table.column`) the database lacks, in their order. */
export async function missingColumns(tx: SqlTx, columns: readonly string[]): Promise<string[]> {
  const res = await tx.query<{ name: string }>(
    `SELECT t.name
     FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(name, ord)
     WHERE NOT EXISTS (
       SELECT 1 FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname || '.' || c.relname || '.' || a.attname = t.name)
     ORDER BY t.ord`,
    [JSON.stringify(columns)],
  );
  return res.rows.map((r) => r.name);
}

/** Which of `indexes` (`schema.name`) the database lacks, in their order. */
async function missingIndexes(tx: SqlTx, indexes: readonly string[]): Promise<string[]> {
  if (indexes.length === 0) return [];
  const res = await tx.query<{ name: string }>(
    `SELECT t.name
     FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(name, ord)
     WHERE NOT EXISTS (
       SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('i', 'I') AND n.nspname || '.' || c.relname = t.name)
     ORDER BY t.ord`,
    [JSON.stringify(indexes)],
  );
  return res.rows.map((r) => r.name);
}

/**
 * Throws a LedgerError naming every column of `columns` (`schema.table.column`) and index of
 * `indexes` (`schema.name`) the database lacks: a ledger created by an earlier version, which
 * `db migrate` brings up to date. Run inside the writing transaction, after assertManaged,
 * before the first write.
 */
export async function assertColumns(
  tx: SqlTx,
  columns: readonly string[],
  database: string,
  indexes: readonly string[] = [],
): Promise<void> {
  const cols = await missingColumns(tx, columns);
  const idxs = await missingIndexes(tx, indexes);
  const total = cols.length + idxs.length;
  if (total === 0) return;
  const named = (one: string, many: string, names: string[]) =>
    names.length ? [`${names.length === 1 ? one : many} ${names.join(', ')}`] : [];
  const what = [...named('column', 'columns', cols), ...named('index', 'indexes', idxs)].join(' and ');
  const one = total === 1;
  throw new LedgerError(
    'missing',
    `the ledger in ${database} was created by an earlier version of rfcgate: ${what} ${one ? 'does' : 'do'} not exist; run \`rfcgate db migrate\` to add ${one ? 'it' : 'them'}; nothing was written`,
  );
}

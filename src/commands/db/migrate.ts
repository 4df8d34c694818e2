import * as Flags from '@oclif/core/flags';
import { LedgerCommand, MIGRATE_EXIT_CODES_HELP } from '../../ledger/command.js';
import { parseInstant } from '../../ledger/measurements.js';
import {
  defaultMigrationRange,
  dryRunOnEmpty,
  type MigrateResult,
  migrate,
  migrationPlan,
  migrationSql,
  type StepOutcome,
} from '../../ledger/schema.js';
import { UsageError } from '../../spec/problems.js';
import { jsonReport } from '../../formatters/visible.js';
import { instantMs } from '../../util/calendar.js';

export default class DbMigrate extends LedgerCommand {
  static override summary =
    "Create the RFC's measurement table (audit.coordination_measurements, monthly partitions) and rfcgate's ledger.";
  static override description = `For teams starting fresh: creates schema audit, the partitioned table audit.coordination_measurements exactly as wave3 §6 defines it, its (measurement_type, recorded_at) index, one partition per month named coordination_measurements_yYYYYmMM over --from..--to, and the ledger schema rfcgate (recorded_measurements, gate_runs, gate_results, comparator_windows).

A ledger created by an earlier version gets the columns and indexes added since (rfcgate.gate_runs.snapshot_at, rfcgate.gate_runs.run_key and its unique index rfcgate.gate_runs_rfc_run_key), its rows kept; until then gate check --record refuses to write to it and says to run this command.

Everything it creates carries the comment 'rfcgate:managed v1'. An existing object without that comment is someone else's: it is left exactly as it is and reported as refused (a team's own audit.coordination_measurements gets no index and no partitions from rfcgate), and the ledger schema is still created. Objects already present are skipped, so running it again changes nothing. It all happens in one transaction.

Months after --to need no new run: measure record and comparator run --record create the missing month's partition of rfcgate's own audit.coordination_measurements (same DDL, same comment) in their own transaction. A month already past the 90-day retention is left to --from/--to.

The database is DATABASE_URL when set, else the embedded PGlite directory (database.embedded_dir in rfc.yaml, default .rfcgate/pgdata), which this command creates if it does not exist.

${MIGRATE_EXIT_CODES_HELP}`;
  static override examples = [
    '<%= config.bin %> db migrate',
    '<%= config.bin %> db migrate --dry-run',
    '<%= config.bin %> db migrate --from 2026-01 --to 2026-12 --json',
    'DATABASE_URL=postgres://owner@db.internal/prod <%= config.bin %> db migrate --dry-run',
  ];

  static override flags = {
    from: Flags.string({
      description:
        'First month to partition (YYYY-MM, YYYY-MM-DD or an ISO instant; default: the month three months before now).',
    }),
    to: Flags.string({
      description: 'Last month to partition (same forms; default: the month two months after now).',
    }),
    'dry-run': Flags.boolean({ description: 'Print the SQL that would run, and write nothing.' }),
    json: Flags.boolean({ description: 'Print what was done (or would be) as JSON.' }),
  };

  async run(): Promise<MigrateResult> {
    const { flags } = await this.parse(DbMigrate);
    // The database drivers are loaded once the command line is accepted (test/cli/bundle.test.ts).
    const [{ openWriter }, { embeddedDirState }] = await Promise.all([
      import('../../ledger/cli.js'),
      import('../../sources/sql/writer.js'),
    ]);
    const root = this.findRoot(flags.root);
    const target = await this.databaseTarget(root, flags.rfc);
    const defaults = defaultMigrationRange();
    const from = flags.from === undefined ? defaults.from : parseMonth(flags.from, '--from');
    const to = flags.to === undefined ? defaults.to : parseMonth(flags.to, '--to');
    let plan;
    try {
      plan = migrationPlan({ from, to });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // A range reversed by a default the user never typed needs naming, or the message
      // quotes a --from they did not give.
      const implied =
        flags.from === undefined
          ? ' (--from was not given: it defaults to three months before now; give --from too)'
          : flags.to === undefined
            ? ' (--to was not given: it defaults to two months after now; give --to too)'
            : '';
      throw new UsageError(`--from/--to: ${err.message}${implied}`);
    }

    const dryRun = flags['dry-run'];
    let result: MigrateResult;
    const fresh =
      target.databaseUrl === undefined && ['absent', 'empty'].includes(embeddedDirState(target.embeddedDir));
    if (dryRun && fresh) {
      // Nothing to inspect, and a dry run must not create the directory.
      result = dryRunOnEmpty(plan, `pglite:${target.embeddedLabel}`);
    } else {
      const writer = openWriter(target, { create: !dryRun });
      try {
        result = await migrate(writer, plan, { dryRun });
      } finally {
        await writer.close();
      }
    }

    if (flags.json) {
      process.stdout.write(jsonReport(toJson(result)));
    } else if (dryRun) {
      process.stdout.write(migrationSql(result));
    } else {
      process.stdout.write(describe(result));
    }
    return result;
  }
}

function parseMonth(text: string, flag: string): Date {
  const t = text.trim();
  const date = /^\d{4}-\d{2}$/.test(t) ? `${t}-01` : t;
  if (Number.isNaN(instantMs(date))) {
    throw new UsageError(`${flag} '${text}' is not a month or date: use YYYY-MM, YYYY-MM-DD or an ISO-8601 instant`);
  }
  // A date, but one PostgreSQL cannot store (the year 0000): parseInstant says so.
  return parseInstant(date, flag);
}

const LABEL: Record<StepOutcome['status'], string> = {
  created: 'created',
  would_create: 'would create',
  present: 'present',
  refused: 'REFUSED',
  blocked: 'skipped',
};

function describe(r: MigrateResult): string {
  const lines: string[] = [];
  for (const o of r.outcomes) {
    // An object already there says nothing, unless there is something to know about it.
    if (o.status === 'present' && !o.note) continue;
    lines.push(`${LABEL[o.status].padEnd(8)} ${o.step.description}${o.note ? `: ${o.note}` : ''}`);
  }
  const tail = [`${r.present} already present`];
  if (r.refused) tail.push(`${r.refused} refused (left unchanged)`);
  if (r.blocked) tail.push(`${r.blocked} skipped`);
  lines.push(
    r.changed
      ? `migrated ${r.database}: ${r.created} created, ${tail.join(', ')}`
      : `nothing to do on ${r.database}: ${tail.join(', ')}`,
  );
  return `${lines.join('\n')}\n`;
}

function toJson(r: MigrateResult) {
  return {
    database: r.database,
    dry_run: r.dryRun,
    changed: r.changed,
    created: r.created,
    present: r.present,
    refused: r.refused,
    blocked: r.blocked,
    steps: r.outcomes.map((o) => ({
      id: o.step.id,
      description: o.step.description,
      status: o.status,
      ...(o.note ? { note: o.note } : {}),
      ...(o.step.range ? { range: o.step.range } : {}),
      sql: o.step.sql,
    })),
  };
}

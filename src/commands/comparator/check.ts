import * as Flags from '@oclif/core/flags';
import { COMPARATOR_CHECK_EXIT_CODES_HELP, COMPARATOR_FILE } from '../../comparator/names.js';
import type { ComparatorReport } from '../../comparator/run.js';
import { COMPARATOR_FORMATS, type ComparatorFormat } from '../../formatters/comparator/names.js';
import { MAX_TIMEOUT_SECONDS } from '../../cli/rfc-command.js';
import { LedgerCommand } from '../../ledger/command.js';
import { UsageError } from '../../spec/problems.js';

export default class ComparatorCheck extends LedgerCommand {
  static override summary = 'Check comparator.yaml against the live schema, without comparing rows (fit for CI).';
  static override description = `For every canonical/shadow pair of comparator.yaml, reads the live schema (pg_catalog) and reports declared-but-not-done: a live column of the canonical table that is neither compared nor excluded with a reason, a declared column that does not exist, a shadow table whose columns differ from its canonical table's (other than the shadow_only bookkeeping columns) in name, type or collation, key columns of different types, a generated column that would be compared, a rule that does not fit its column's type (float_tolerance on money, say), a column the database cannot compare (planned with EXPLAIN). With record.events in comparator.yaml, also the event table it names, as \`comparator run --record\` checks it before writing: a table that does not exist, lacks event_type, recorded_at or payload, has a payload neither json nor jsonb or a recorded_at no timestamp, or another column NOT NULL without a default. Each problem names the fix and where it goes in comparator.yaml. No row is read.

The database is DATABASE_URL when set, else rfc.yaml's embedded PGlite directory.

${COMPARATOR_CHECK_EXIT_CODES_HELP}`;
  static override examples = [
    '<%= config.bin %> comparator check',
    'DATABASE_URL=postgres://reader@db/prod <%= config.bin %> comparator check --format markdown >> "$GITHUB_STEP_SUMMARY"',
  ];

  static override flags = {
    pair: Flags.string({ description: 'Only this pair (repeatable).', multiple: true, multipleNonGreedy: true }),
    json: Flags.boolean({ description: 'Print the report as JSON (stable key order); = --format json.' }),
    format: Flags.string({ description: 'Report format.', options: [...COMPARATOR_FORMATS] }),
    timeout: Flags.integer({
      description: 'Seconds each catalog query may take.',
      default: 60,
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
    }),
  };

  async run(): Promise<ComparatorReport> {
    const { flags } = await this.parse(ComparatorCheck);
    if (flags.json && flags.format && flags.format !== 'json') {
      throw new UsageError(`--json contradicts --format ${flags.format}; choose one`);
    }
    const format: ComparatorFormat = flags.json ? 'json' : ((flags.format as ComparatorFormat | undefined) ?? 'table');
    // The engine is loaded once the command line is accepted: a bad flag is refused without it.
    const [
      { loadComparator, openComparatorClient, parsePairs },
      { comparatorExitCode, runComparator },
      { formatComparator },
    ] = await Promise.all([
      import('../../comparator/cli.js'),
      import('../../comparator/run.js'),
      import('../../formatters/comparator/index.js'),
    ]);
    const root = this.findRoot(flags.root);
    // With several RFCs, the one that has a comparator.yaml needs no --rfc (as lint picks the one with lints).
    const id = this.chooseRfc(root, flags.rfc, COMPARATOR_FILE);
    const client = openComparatorClient(await this.databaseTarget(root, id), id);
    // The server starts the session while the spec is read and checked.
    await client.connectEarly?.();
    let report: ComparatorReport;
    try {
      const { spec } = await loadComparator(root, id);
      const only = parsePairs(flags.pair, spec);
      report = await runComparator({
        client,
        rfc: id,
        spec,
        asOf: new Date(),
        mode: 'check',
        limit: 0,
        timeoutMs: flags.timeout * 1000,
        ...(only ? { only } : {}),
      });
    } finally {
      await client.close();
    }
    process.stdout.write(formatComparator(report, format));
    process.exitCode = comparatorExitCode(report);
    return report;
  }
}

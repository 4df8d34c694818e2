import * as Flags from '@oclif/core/flags';
import { MAX_TIMEOUT_SECONDS, RfcCommand } from '../../cli/rfc-command.js';
import type { MeasureCheckReport } from '../../engine/measure-check.js';
import { MEASURE_CHECK_FORMATS, type MeasureCheckFormat } from '../../formatters/measure-check/names.js';
import { exitCodeFor } from '../../model/result.js';
import { UsageError } from '../../spec/problems.js';

export const MEASURE_CHECK_EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0  the database plans every SQL measurement query as written',
  '  1  the database rejects a query as written (a table, column or function it does not have, a type mismatch, a syntax error, a literal its type cannot read), a raw query lacks a column its requirements read, a column is of a type the evaluation cannot read as it reads it, or the query writes or locks rows, which the READ ONLY transaction refuses',
  '  2  no query rejected, but one could not be checked: the database is unreachable, its connection_env is not set, the role lacks a grant, a query timed out',
  '  3  the spec or the invocation is invalid, the RFC has no SQL measurement to check, or DATABASE_URL is not a valid URL',
].join('\n');

export default class MeasureCheck extends RfcCommand {
  static override summary =
    'Check every SQL measurement query against the live schema, without reading a row (fit for CI).';
  static override description = `Sends each SQL measurement's query as gate check would send it now, under EXPLAIN, in the same READ ONLY transaction: the database plans it against the tables it has and runs nothing. The row's columns are then asked for around it, each cast to what the evaluation reads it as: value as the measurement's type, and a raw query's rows and days_with_rows as counts, newest and first_seen as times, when its requirements read them (min_rows, days_with_rows, max_age). A type that casts but arrives as something the evaluation never reads so (an integer as a bool, an array or bytea as a string) is a problem too, and so is a query that writes (a data-modifying WITH) or locks rows (FOR UPDATE), which EXPLAIN plans but the READ ONLY transaction gate check runs it in refuses. A text the database rejects is reported at the place in measurements.yaml that writes it, long before a gate reading it would halt.

The database is DATABASE_URL when set, else rfc.yaml's embedded PGlite directory; a measurement with connection_env is checked on the database that variable names.

${MEASURE_CHECK_EXIT_CODES_HELP}`;
  static override examples = [
    '<%= config.bin %> measure check',
    'DATABASE_URL=postgres://reader@db/prod <%= config.bin %> measure check --format github',
  ];

  static override flags = {
    json: Flags.boolean({ description: 'Print the report as JSON; = --format json.' }),
    format: Flags.string({ description: 'Report format.', options: [...MEASURE_CHECK_FORMATS] }),
    timeout: Flags.integer({
      description: 'Seconds each query may take to plan.',
      default: 30,
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
    }),
  };

  async run(): Promise<MeasureCheckReport> {
    const { flags } = await this.parse(MeasureCheck);
    if (flags.json && flags.format && flags.format !== 'json') {
      throw new UsageError(`--json contradicts --format ${flags.format}; choose one`);
    }
    const format: MeasureCheckFormat = flags.json
      ? 'json'
      : ((flags.format as MeasureCheckFormat | undefined) ?? 'table');
    // The engine and the database drivers are loaded once the command line is accepted.
    const [{ loadRfc }, { SqlMeasurementSource }, { checkMeasurements }, { formatMeasureCheck }, { rootPrefix }] =
      await Promise.all([
        import('../../spec/load.js'),
        import('../../sources/sql/index.js'),
        import('../../engine/measure-check.js'),
        import('../../formatters/measure-check/index.js'),
        import('../../util/repo-prefix.js'),
      ]);
    const root = this.findRoot(flags.root);
    const rfc = loadRfc(root, this.chooseRfc(root, flags.rfc));
    // Nothing checked is not a pass, as for gate check on an RFC without gates.
    if (![...rfc.measurements.values()].some((m) => m.source === 'sql')) {
      throw new UsageError(
        `${rfc.manifest.id} has no SQL measurement, so there is nothing to check: measure check reads only sql: measurements (gate check reads the others)`,
      );
    }
    const timeoutMs = flags.timeout * 1000;
    const source = SqlMeasurementSource.forRepo({
      repoDir: root,
      manifest: rfc.manifest,
      env: process.env,
      timeoutMs: Math.max(1_000, Math.floor(timeoutMs * 0.9)),
      limitMs: timeoutMs,
    });
    let report: MeasureCheckReport;
    try {
      report = await checkMeasurements(rfc, source, new Date());
    } finally {
      await source.close();
    }
    // GitHub reads an annotation's path from the repository's top, not the governed root's.
    process.stdout.write(formatMeasureCheck(report, format, format === 'github' ? rootPrefix(root) : ''));
    process.exitCode = exitCodeFor(report.verdict);
    return report;
  }
}

import * as Flags from '@oclif/core/flags';
import { LEDGER_READER_EXIT_CODES_HELP, LedgerCommand, MAX_LIST_LIMIT, raiseLimit } from '../../ledger/command.js';
import { type ListedMeasurement, listMeasurements, type MeasurementListing } from '../../ledger/measurements.js';
import { measurementTable } from '../../formatters/measurements.js';
import { jsonReport, visible } from '../../formatters/visible.js';
import { UsageError } from '../../spec/problems.js';

export default class MeasureList extends LedgerCommand {
  static override summary = 'Show the newest rows of audit.coordination_measurements (read-only).';
  static override description = `Newest first, with who recorded each row and its idempotency key when rfcgate recorded it (rows the application wrote show "-"). Reads through the same READ ONLY door as gate check; never creates a database.

${LEDGER_READER_EXIT_CODES_HELP}`;
  static override examples = [
    '<%= config.bin %> measure list',
    '<%= config.bin %> measure list --type measurement.lease_plane.request --limit 5 --json',
  ];

  static override flags = {
    type: Flags.string({ description: 'Only this measurement type, as the table holds it.' }),
    limit: Flags.integer({
      description: `How many rows, newest first (at most ${MAX_LIST_LIMIT}).`,
      default: 20,
      min: 1,
      max: MAX_LIST_LIMIT,
    }),
    json: Flags.boolean({ description: 'Print the rows as JSON.' }),
  };

  async run(): Promise<ListedMeasurement[]> {
    const { flags } = await this.parse(MeasureList);
    // The database drivers are loaded once the command line is accepted (test/cli/bundle.test.ts).
    const { openReader } = await import('../../ledger/cli.js');
    const root = this.findRoot(flags.root);
    // A filter, not a write: the rows an application wrote may carry any type its table allows
    // (`measurement.leasePlane.request` passes the CHECK, and a team's own table has none), so
    // any type is looked for as written, where measure record's stricter spelling would refuse
    // to show rows that are there.
    const type = flags.type;
    if (type !== undefined && type.trim() === '') {
      throw new UsageError('--type needs a measurement type, such as measurement.lease_plane.request');
    }
    const client = openReader(await this.databaseTarget(root, flags.rfc));
    let listing: MeasurementListing;
    try {
      listing = await listMeasurements(client, { limit: flags.limit, ...(type === undefined ? {} : { type }) });
    } finally {
      await client.close();
    }
    const { rows, truncated } = listing;
    if (flags.json) {
      process.stdout.write(jsonReport(rows));
      // On stderr: stdout stays the array a script parses.
      if (truncated)
        process.stderr.write(`more rows exist than the ${rows.length} listed: ${raiseLimit(flags.limit)}\n`);
      return rows;
    }
    if (rows.length === 0) {
      process.stdout.write(
        `no rows${type === undefined ? '' : ` of ${visible(type)}`} in audit.coordination_measurements (${client.describe()})\n`,
      );
      return rows;
    }
    process.stdout.write(measurementTable(rows));
    process.stdout.write(
      `${rows.length} row${rows.length === 1 ? '' : 's'} from ${client.describe()}${truncated ? `; more exist: ${raiseLimit(flags.limit)}` : ''}\n`,
    );
    return rows;
  }
}

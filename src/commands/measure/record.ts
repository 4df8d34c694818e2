import * as Flags from '@oclif/core/flags';
import { CLOCK_SLACK_MS } from '../../util/clock.js';
import { refuseFinerThanMillisecond } from '../../cli/rfc-command.js';
import { LEDGER_EXIT_CODES_HELP, LedgerCommand } from '../../ledger/command.js';
import {
  checkMeasurementType,
  type MeasurementInput,
  normalizeMeasurement,
  parseInstant,
  parseNumber,
  parsePayload,
  type RecordOutcome,
  recordMeasurement,
} from '../../ledger/measurements.js';
import { UsageError } from '../../spec/problems.js';
import { jsonReport, visible } from '../../formatters/visible.js';

/**
 * --at: the instant measured, which has passed. A row stamped later than now would lie unseen
 * until its day and then count as that day's measurement, so a channel that has gone dark by
 * then would look alive (max_age met, no "went dark").
 */
function measuredAt(text: string, now: Date): Date {
  const at = parseInstant(text, '--at');
  // The instant travels as a JavaScript Date (milliseconds) into the row, its ledger entry (the
  // two joined on it) and every listing: a finer fraction would be cut without a word.
  refuseFinerThanMillisecond(text, '--at', 'measurements are recorded to the millisecond');
  if (at.getTime() > now.getTime() + CLOCK_SLACK_MS) {
    throw new UsageError(
      `--at '${text}' is in the future (now is ${now.toISOString()}): a measurement is of an instant that has passed; give now or an earlier instant`,
    );
  }
  return at;
}

export default class MeasureRecord extends LedgerCommand {
  static override summary = 'Record one measurement where the gates read it (audit.coordination_measurements).';
  static override description = `Writes one row into audit.coordination_measurements (the table db migrate creates) and its provenance into rfcgate.recorded_measurements, in one transaction. --value is stored as payload.value; --elapsed-ms as elapsed_ms, which the latency measurements read.

With --idempotency-key, recording the same measurement again writes nothing and says it was already recorded (exit 0); the same key with a different type, value, elapsed time, agent or payload is refused (exit 3). The instant (--at) is not part of that comparison, so a retry that defaults --at to a later "now" is still the same measurement.

rfcgate writes only to tables it created: if audit.coordination_measurements is a team's own table, record through your own pipeline instead.

${LEDGER_EXIT_CODES_HELP}`;
  static override examples = [
    '<%= config.bin %> measure record --type measurement.lease_plane.request --elapsed-ms 41.5',
    `<%= config.bin %> measure record --type measurement.governance_mcp.request --payload '{"runtime":"beam"}' --at 2026-06-01T12:00:00Z`,
    '<%= config.bin %> measure record --type measurement.comparator.run --elapsed-ms 5300 --idempotency-key comparator-2026-06-01T12',
  ];

  static override flags = {
    type: Flags.string({ description: 'Measurement type, measurement.<area>.<name>.', required: true }),
    value: Flags.string({ description: 'A number the measurement carries (stored as payload.value).' }),
    payload: Flags.string({ description: 'A JSON object stored as the payload.' }),
    at: Flags.string({
      description:
        'The instant measured (YYYY-MM-DD or ISO-8601, to the millisecond; default now; not later than now).',
    }),
    'elapsed-ms': Flags.string({ description: 'Elapsed time in milliseconds (elapsed_ms; not negative).' }),
    'agent-id': Flags.string({ description: 'The agent the measurement is about (agent_id).' }),
    'idempotency-key': Flags.string({ description: 'Record at most once under this key.' }),
    json: Flags.boolean({ description: 'Print the outcome as JSON.' }),
  };

  async run(): Promise<RecordOutcome> {
    const { flags } = await this.parse(MeasureRecord);
    // The database drivers are loaded once the command line is accepted (test/cli/bundle.test.ts).
    const { openWriter } = await import('../../ledger/cli.js');
    const root = this.findRoot(flags.root);
    const now = new Date();
    // Every input is checked before a connection is opened: bad input writes nothing.
    const input: MeasurementInput = {
      type: checkMeasurementType(flags.type),
      at: flags.at === undefined ? now : measuredAt(flags.at, now),
      ...(flags.value === undefined ? {} : { value: parseNumber(flags.value, '--value') }),
      ...(flags['elapsed-ms'] === undefined
        ? {}
        : { elapsedMs: parseNumber(flags['elapsed-ms'], '--elapsed-ms', { min: 0 }) }),
      ...(flags.payload === undefined ? {} : { payload: parsePayload(flags.payload) }),
      ...(flags['agent-id'] === undefined ? {} : { agentId: flags['agent-id'] }),
      ...(flags['idempotency-key'] === undefined ? {} : { idempotencyKey: flags['idempotency-key'] }),
    };
    if (flags.value === undefined && flags['elapsed-ms'] === undefined && flags.payload === undefined) {
      throw new UsageError(
        "give --value, --elapsed-ms or --payload (to record a bare event, say so with --payload '{}')",
      );
    }
    normalizeMeasurement(input);
    const target = await this.databaseTarget(root, flags.rfc);
    const writer = openWriter(target);
    let outcome: RecordOutcome;
    try {
      outcome = await recordMeasurement(writer, input);
    } finally {
      await writer.close();
    }
    if (flags.json) {
      process.stdout.write(jsonReport(outcome));
    } else if (outcome.status === 'recorded') {
      process.stdout.write(
        `recorded ${outcome.type} at ${outcome.recorded_at} (row ${outcome.id}) in ${outcome.database}\n`,
      );
    } else {
      // The key is the caller's and recorded_by whoever recorded it first: neither may act as a
      // workflow command in a CI log.
      process.stdout.write(
        `already recorded: idempotency key '${visible(outcome.idempotency_key)}' is ${outcome.type} at ${outcome.recorded_at} (row ${outcome.id}), recorded by ${visible(outcome.recorded_by)} at ${outcome.created_at}; nothing written\n`,
      );
    }
    return outcome;
  }
}

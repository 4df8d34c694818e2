import * as Flags from '@oclif/core/flags';
import { LEDGER_READER_EXIT_CODES_HELP, LedgerCommand, MAX_LIST_LIMIT, raiseLimit } from '../../ledger/command.js';
import {
  type GateHistory,
  gateHistory,
  type GateRunListing,
  gateRunResults,
  type GateRunResults,
  type ListedGateRun,
  listGateRuns,
  nearGate,
  parseRunId,
} from '../../ledger/gate-history.js';
import {
  gateHistorySummary,
  gateHistoryTable,
  gateResultsTable,
  gateRunsTable,
} from '../../formatters/gate-history.js';
import { jsonReport, visible } from '../../formatters/visible.js';
import { UsageError } from '../../spec/problems.js';

export default class GateHistoryCommand extends LedgerCommand {
  static override summary = 'Show the gate runs `gate check --record` stored in the ledger (read-only).';
  static override description = `Newest first: each run's id (and, as run_key, the --run-id it was recorded with, if any), when it was recorded, its --as-of (and --snapshot-at), ref and commit, --phase and --only when given, its verdict and its gates counted by verdict. --gate shows one gate's verdict in each run that evaluated it, marking the runs where it changed from the run before: when a gate started failing, or halted for another reason (a missing measurement became an error), or a channel it halted on as missing went dark after never having started. --run shows every result of one run, --run-id the run recorded with that --run-id. Reads through the same READ ONLY door as gate check; never creates a database.

--gate is known when the RFC's spec declares it or a recorded run holds it: a gate the spec still declares but no run has recorded yet (new in the spec, or outside every recorded --phase and --only) says it has no history and exits 0; a gate since removed from the spec still shows the history recorded for it; an id that is neither exits 3, with a near gate id when there is one. The spec is read only when no recorded run holds the gate, so a spec that does not load hides no recorded history.

${LEDGER_READER_EXIT_CODES_HELP}`;
  static override examples = [
    '<%= config.bin %> gate history',
    '<%= config.bin %> gate history --gate B --limit 50',
    '<%= config.bin %> gate history --run 42 --json',
    '<%= config.bin %> gate history --run-id "$GITHUB_RUN_ID-$GITHUB_JOB"',
  ];

  static override flags = {
    gate: Flags.string({
      description: "One gate's verdict in each recorded run, and where it (or its halt reason or channel) changed.",
      exclusive: ['run', 'run-id'],
    }),
    run: Flags.string({
      description: 'Every result of this run (the id `gate check --record` printed).',
      exclusive: ['gate', 'run-id'],
    }),
    'run-id': Flags.string({
      description:
        'Every result of the run recorded with `gate check --record --run-id` this id (a CI job\'s "$GITHUB_RUN_ID-$GITHUB_JOB").',
      exclusive: ['gate', 'run'],
    }),
    limit: Flags.integer({ description: 'How many runs.', default: 20, min: 1, max: MAX_LIST_LIMIT }),
    json: Flags.boolean({ description: 'Print the rows as JSON.' }),
  };

  async run(): Promise<ListedGateRun[] | GateHistory['entries'] | GateRunResults> {
    const { flags, metadata } = await this.parse(GateHistoryCommand);
    // The database drivers are loaded once the command line is accepted (test/cli/bundle.test.ts).
    const { openReader } = await import('../../ledger/cli.js');
    const runId = flags.run === undefined ? undefined : parseRunId(flags.run);
    const runKey = flags['run-id'];
    if ((runId !== undefined || runKey !== undefined) && !metadata.flags.limit?.setFromDefault) {
      throw new UsageError(
        `--limit does not apply to ${runId !== undefined ? '--run' : '--run-id'}: every result of the run is shown`,
      );
    }
    if (runKey !== undefined && runKey.trim() === '') {
      throw new UsageError('--run-id needs the id a run was recorded with (`gate history` lists them as run_key)');
    }
    const gate = flags.gate?.trim();
    if (gate === '') throw new UsageError('--gate needs a gate id, as the spec spells it (B, A.1)');
    const root = this.findRoot(flags.root);
    const rfc = this.chooseRfc(root, flags.rfc);
    const client = openReader(await this.databaseTarget(root, flags.rfc));
    const where = client.describe();
    try {
      if (runId !== undefined) return this.showRun(await gateRunResults(client, { rfc, runId }), flags.json);
      if (runKey !== undefined) return this.showRun(await gateRunResults(client, { rfc, runKey }), flags.json);
      if (gate !== undefined) {
        const history = await gateHistory(client, { rfc, gate, limit: flags.limit });
        // The ledger alone cannot tell a mistyped id from a gate not recorded yet: the spec can.
        if (history.entries.length === 0) await refuseUnknownGate(root, rfc, history, where);
        return this.showGate(history, rfc, where, flags.json, flags.limit);
      }
      return this.showRuns(
        await listGateRuns(client, { rfc, limit: flags.limit }),
        rfc,
        where,
        flags.json,
        flags.limit,
      );
    } finally {
      await client.close();
    }
  }

  private showRuns(
    { runs, truncated }: GateRunListing,
    rfc: string,
    where: string,
    json: boolean,
    limit: number,
  ): ListedGateRun[] {
    const more = truncated ? raiseLimit(limit) : undefined;
    if (json) {
      process.stdout.write(jsonReport(runs));
      // On stderr: stdout stays the array a script parses.
      if (more) process.stderr.write(`more runs exist than the ${runs.length} listed: ${more}\n`);
    } else if (runs.length === 0) {
      process.stdout.write(noRuns(rfc, where));
    } else {
      process.stdout.write(gateRunsTable(runs));
      process.stdout.write(
        `${runs.length} run${runs.length === 1 ? '' : 's'} of ${visible(rfc)} from ${where}${more ? `; more exist: ${more}` : ''}\n`,
      );
    }
    return runs;
  }

  private showGate(
    history: GateHistory,
    rfc: string,
    where: string,
    json: boolean,
    limit: number,
  ): GateHistory['entries'] {
    const { entries } = history;
    const more = history.truncated
      ? `more runs recorded gate ${visible(history.gate)} than the ${entries.length} listed: ${raiseLimit(limit)}\n`
      : '';
    if (entries.length === 0) {
      // A gate of the spec (refuseUnknownGate let it through) that no recorded run evaluated.
      const line =
        history.recordedGates.length === 0
          ? noRuns(rfc, where)
          : `gate ${visible(history.gate)} has no history yet: no run of ${visible(rfc)} recorded in ${where} evaluated it (it is new in the spec, or each run's --phase or --only left it out)\n`;
      // With --json the line goes to stderr: stdout stays the JSON a script parses.
      if (json) {
        process.stdout.write(jsonReport(entries));
        process.stderr.write(line);
      } else {
        process.stdout.write(line);
      }
      return entries;
    }
    if (json) {
      process.stdout.write(jsonReport(entries));
      // On stderr: stdout stays the array a script parses.
      process.stderr.write(more);
      return entries;
    }
    process.stdout.write(gateHistoryTable(entries));
    process.stdout.write(gateHistorySummary(history.gate, entries));
    process.stdout.write(more);
    return entries;
  }

  private showRun(found: GateRunResults, json: boolean): GateRunResults {
    if (json) {
      process.stdout.write(jsonReport(found));
      return found;
    }
    process.stdout.write(gateRunsTable([found.run]));
    process.stdout.write('\n');
    process.stdout.write(
      found.results.length ? gateResultsTable(found.results) : `run ${found.run.id} recorded no gate results\n`,
    );
    return found;
  }
}

/**
 * An id that neither the RFC's spec declares nor any recorded run holds is a mistake in the
 * command line (exit 3), not an empty history. Known is measured against both: a gate removed
 * from the spec keeps the history recorded for it, and one just added has none yet.
 */
async function refuseUnknownGate(root: string, rfc: string, history: GateHistory, where: string): Promise<void> {
  const { loadRfc } = await import('../../spec/load.js');
  const declared = loadRfc(root, rfc).gates.map((g) => g.id);
  if (declared.includes(history.gate)) return;
  const near = nearGate(history, declared);
  const hint = near
    ? ` (did you mean '${visible(near)}'?)`
    : declared.length
      ? `; the gates of ${visible(rfc)}: ${declared.map((id) => visible(id)).join(', ')}`
      : '';
  throw new UsageError(
    `--gate '${visible(history.gate)}' is no gate of ${visible(rfc)}: its spec declares none of that id, and no run recorded in ${where} holds one${hint}`,
  );
}

function noRuns(rfc: string, where: string): string {
  return `no gate runs of ${visible(rfc)} recorded in ${where}; \`gate check --record\` records one\n`;
}

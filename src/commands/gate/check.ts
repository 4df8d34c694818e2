import * as Flags from '@oclif/core/flags';
import {
  parseAsOf,
  parseRef,
  refuseFinerThanMillisecond,
  refuseNonCommit,
  RfcCommand,
  MAX_TIMEOUT_SECONDS,
} from '../../cli/rfc-command.js';
import { namesFromTop } from '../../cli/format-flags.js';
import { FORMAT_NAMES, type Output, parseOutputs, writeOutputs } from '../../cli/outputs.js';
import { formatWords } from '../../cli/json-error.js';
import { combineVerdicts, EXIT, exitCodeFor, type GateReport } from '../../model/result.js';
import { PHASES, type Phase } from '../../spec/types.js';
import { UsageError } from '../../spec/problems.js';
import { MAX_RUN_KEY_LENGTH } from '../../ledger/run-id.js';
import { instantMs } from '../../util/calendar.js';
import { CLOCK_SLACK_MS } from '../../util/clock.js';

export default class GateCheck extends RfcCommand {
  static override summary =
    'Evaluate every gate of an RFC against git, the database, agent telemetry and the artifacts in the repository.';
  static override description = `Each gate is pass, fail or halt. A gate halts whenever a measurement it reads is missing, too thin, too stale, not yet mature or unsigned: there is never a default.

${RfcCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> gate check',
    '<%= config.bin %> gate check --phase implementation --json',
    '<%= config.bin %> gate check --format sarif=gates.sarif --format markdown=summary.md --format github',
    '<%= config.bin %> gate check --as-of 2026-06-01 --only B,A.1',
    '<%= config.bin %> gate check --record --run-id "$GITHUB_RUN_ID-$GITHUB_JOB"',
    'DATABASE_URL=postgres://reader@db.internal/prod <%= config.bin %> gate check --phase canary',
  ];

  static override flags = {
    'as-of': Flags.string({
      description:
        'Evaluate as of this instant (YYYY-MM-DD or ISO-8601, to the millisecond; default now; not later than now).',
    }),
    ref: Flags.string({
      description:
        'Git ref to evaluate. Named (even HEAD), or with --as-of, council rounds and the RFC document are read from that commit, not the working tree.',
      default: 'HEAD',
    }),
    'snapshot-at': Flags.string({
      description:
        "The database is a snapshot of this instant (a restored backup, a copy, the demo's sandbox): measurements of its present state (sql current_state) read it as it was then, not as of today. Only the default database (DATABASE_URL, or the embedded one): a measurement reading another through connection_env is still judged as live. Needs --as-of, not later than it. To the millisecond, as --as-of.",
    }),
    phase: Flags.string({ description: 'Only gates that apply at this phase.', options: [...PHASES] }),
    only: Flags.string({
      description: 'Only these gate ids (comma-separated, or the flag repeated).',
      multiple: true,
      delimiter: ',',
      // One value per --only: a word after it is a stray argument, said as one, not a gate id.
      multipleNonGreedy: true,
    }),
    json: Flags.boolean({
      description: 'Print the report as JSON (stable key order, byte-identical for the same inputs); = --format json.',
    }),
    format: Flags.string({
      description: `Report format: ${FORMAT_NAMES.join(', ')}. Repeatable; name=file writes that report to a file, so one run can feed several consumers. Default: table.`,
      multiple: true,
      multipleNonGreedy: true,
    }),
    timeout: Flags.integer({
      description:
        'Seconds each measurement may take before its gates halt (a SQL measurement counts from when its query holds a connection, not while it waits behind others).',
      default: 60,
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
    }),
    record: Flags.boolean({
      description:
        "After evaluating, store the run (with its --as-of and --snapshot-at) and every result in rfcgate's ledger (run `db migrate` first, and again after upgrading rfcgate), in one transaction. If it cannot be stored, the report is still printed and nothing is recorded: a database that cannot be reached, or is busy (a lock held past 10 s, a statement cancelled, a deadlock), halts (exit 2, or 1 when a gate failed), a ledger that cannot take the run (not migrated, a role that may not write) exits 3. Without this flag, gate check writes nothing.",
    }),
    'run-id': Flags.string({
      description: `With --record: names this run (e.g. "$GITHUB_RUN_ID-$GITHUB_JOB"), so that recording it again stores nothing. A run of the RFC already recorded under this id is not recorded a second time, whatever this run found: stderr names the stored run, and the exit code is this run's verdict. So a retry after a recording whose answer was lost (a halt: the COMMIT may have landed) is safe. At most ${MAX_RUN_KEY_LENGTH} characters; not blank.`,
    }),
  };

  protected override failureOutputs(): Output[] {
    const { values, json } = formatWords(this.argv);
    return parseOutputs(values, json);
  }

  async run(): Promise<GateReport> {
    const { flags, metadata } = await this.parse(GateCheck);
    const runKey = flags['run-id'];
    if (runKey !== undefined && !flags.record) {
      throw new UsageError(
        '--run-id names a recorded run, and without --record nothing is recorded: add --record, or leave --run-id out',
      );
    }
    // The engine (sources, database drivers, spec loading, formatters) is loaded once the command
    // line is accepted: a run refused for a bad flag does not pay for it (test/cli/bundle.test.ts).
    const [
      { progressLine },
      { evaluateRfc },
      { rootPrefix },
      { recordGateCheck },
      { REF_FLAG },
      { openSources },
      { loadRfc },
      { runKeyProblem },
      { sarifCategory },
    ] = await Promise.all([
      import('../../cli/progress.js'),
      import('../../engine/evaluate.js'),
      import('../../util/repo-prefix.js'),
      import('../../ledger/cli.js'),
      import('../../sources/git/common.js'),
      import('../../sources/index.js'),
      import('../../spec/load.js'),
      import('../../ledger/gate-runs.js'),
      import('../../formatters/sarif.js'),
    ]);
    // Before evaluating: a run that could not be recorded under this id is refused at once.
    const runKeyRefused = runKey === undefined ? undefined : runKeyProblem(runKey);
    if (runKeyRefused) throw new UsageError(runKeyRefused);
    const root = this.findRoot(flags.root);
    const id = this.chooseRfc(root, flags.rfc);
    // A run that stops here is filed under the category its report would have had.
    this.failureCategory = (prefix) =>
      sarifCategory({ rfc: id, phase: flags.phase as Phase | undefined }, flags.only, prefix);
    const rfc = loadRfc(root, id);
    const asOf = parseAsOf(flags['as-of']);
    const snapshotAt = parseSnapshotAt(flags['snapshot-at'], flags['as-of'] === undefined ? undefined : asOf);
    const ref = parseRef(flags.ref);
    // A tree or a blob (main^{tree}, main:src) would halt every git gate as a ref to fetch.
    if (!metadata.flags.ref?.setFromDefault) refuseNonCommit(root, ref, '--ref');
    const outputs = parseOutputs(flags.format, flags.json);
    const progress = progressLine('reading telemetry');
    const sources = openSources({
      repoDir: root,
      manifest: rfc.manifest,
      env: process.env,
      timeoutMs: flags.timeout * 1000,
      ...(progress ? { onTelemetryProgress: progress.update } : {}),
      ...(snapshotAt ? { snapshotAt } : {}),
    });
    let report: GateReport;
    try {
      report = await evaluateRfc(rfc, {
        asOf,
        ...(snapshotAt ? { snapshotAt } : {}),
        ref,
        // oclif fills --ref with HEAD when it is not given; `--ref HEAD` typed out still pins.
        pinned: !metadata.flags.ref?.setFromDefault || flags['as-of'] !== undefined,
        ...(metadata.flags.ref?.setFromDefault ? {} : { refFrom: REF_FLAG }),
        repoDir: root,
        phase: flags.phase as Phase | undefined,
        only: flags.only,
        sources: sources.registry,
        timeoutMs: flags.timeout * 1000,
      });
    } finally {
      progress?.done();
      await sources.close();
    }
    await writeOutputs(report, outputs, {
      color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
      width: process.stdout.columns,
      prefix: namesFromTop(outputs) ? rootPrefix(root) : '',
      ...(flags.only?.length ? { only: flags.only } : {}),
    });
    process.exitCode = exitCodeFor(report.verdict);
    if (flags.record) {
      const recorded = await recordGateCheck({
        repoDir: root,
        manifest: rfc.manifest,
        env: process.env,
        report,
        asOf,
        phase: flags.phase,
        only: flags.only,
        toolVersion: this.config.version,
        runKey,
      });
      process.stderr.write(recorded.message);
      // Unrecorded for want of a reachable database, the run halts as its measurements would;
      // a failure it already found still outranks that.
      if (!recorded.ok) {
        process.exitCode = recorded.halted ? exitCodeFor(combineVerdicts([report.verdict, 'halt'])) : EXIT.invalid;
      }
    }
    return report;
  }
}

/**
 * --snapshot-at: the instant a database copy depicts. Its present state is that instant's, so
 * a current_state measurement as of then reads it rather than halting as a replay of the past.
 */
function parseSnapshotAt(text: string | undefined, asOf: Date | undefined): Date | undefined {
  if (text === undefined) return undefined;
  // Its own value first: the fix for --as-of quotes it.
  const ms = instantMs(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--snapshot-at '${text}' is not a date: use YYYY-MM-DD or an ISO-8601 instant such as 2026-06-01T12:00:00Z`,
    );
  }
  if (asOf === undefined) {
    throw new UsageError(
      `--snapshot-at needs --as-of: evaluate as of the snapshot's instant (--as-of ${text}) or an earlier one`,
    );
  }
  refuseFinerThanMillisecond(text, '--snapshot-at');
  if (ms > Date.now() + CLOCK_SLACK_MS) {
    throw new UsageError(`--snapshot-at '${text}' is in the future: a snapshot is of now or an earlier instant`);
  }
  // Later than the snapshot, its state would be read for a time it does not show.
  if (asOf.getTime() > ms + CLOCK_SLACK_MS) {
    throw new UsageError(
      `--as-of ${asOf.toISOString()} is after --snapshot-at ${new Date(ms).toISOString()}: the snapshot shows nothing later; evaluate as of its instant or earlier`,
    );
  }
  return new Date(ms);
}

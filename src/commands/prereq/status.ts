import { basename } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { type FormatOutput, parseFormatFlags, writeReports } from '../../cli/format-flags.js';
import { formatWords } from '../../cli/json-error.js';
import {
  HOME_PROGRAM,
  parseAsOf,
  parseRef,
  refuseNonCommit,
  RfcCommand,
  MAX_TIMEOUT_SECONDS,
} from '../../cli/rfc-command.js';
import { formatPrereqs, PREREQ_FORMATS, type PrereqFormat } from '../../formatters/prereqs/index.js';
import type { PrereqReport } from '../../prereqs/status.js';
import { UsageError } from '../../spec/problems.js';
import { visible } from '../../formatters/visible.js';

export default class PrereqStatus extends RfcCommand {
  static override summary = 'Show the status of every prerequisite PR, read from the mainline.';
  static override description = `Reads prereqs.yaml and answers, as of --as-of on the first-parent history of the mainline (rfc.yaml's mainline, or --ref): landed (every deliverable present, with the completing commit and how long it took from when its first deliverable commit was written, by author date, or that git cannot tell, after a squash merge), partial (which deliverables are missing, and the commit that deleted one, or renamed it and to what), ready (every dependency landed, not started), blocked (which dependency has not landed) or gated (which data gate halts or does not hold, and why). It also names what can start now and the critical path.

EXIT CODES
  0  every status was computed (even if some prereqs are blocked, partial or gated)
  2  git could not answer, so the statuses are unknown (a shallow clone, a mainline branch that does not exist), or the mainline had no commit yet as of --as-of, so nothing existed to have a status
  3  the spec or the invocation is invalid (bad YAML, a dependency cycle, an unknown dependency, a bad flag, a --ref naming a tree or a blob)`;
  // An example naming an RFC is written for rfcgate, whatever name runs --help: under an RFC's
  // own program name (wave3 …), --rfc naming another RFC is refused. Help marks only a line
  // starting with the running name as a command, hence the "$ ".
  static override examples = [
    '<%= config.bin %> prereq status',
    `$ ${HOME_PROGRAM} prereq status --rfc v3-kernel --format mermaid`,
    '<%= config.bin %> prereq status --as-of 2026-05-01 --json',
    '<%= config.bin %> prereq status --format markdown >> "$GITHUB_STEP_SUMMARY"',
    '<%= config.bin %> prereq status --format dot=prereqs.dot --format mermaid=prereqs.mmd',
  ];

  static override flags = {
    'as-of': Flags.string({
      description:
        'Status as of this instant (YYYY-MM-DD or ISO-8601, to the millisecond; default now; not later than now).',
    }),
    ref: Flags.string({ description: "The mainline ref (default: rfc.yaml's mainline branch)." }),
    json: Flags.boolean({ description: 'Print the report as JSON (stable key order); = --format json.' }),
    format: Flags.string({
      description:
        'Report format: table (a tree of the DAG), json, mermaid, dot (coloured by status) or markdown; name=file writes a file. Repeatable.',
      multiple: true,
      // One value per --format: a word after it is a stray argument, said as one.
      multipleNonGreedy: true,
    }),
    timeout: Flags.integer({
      description: 'Seconds each data-gate measurement may take before its prereq is gated.',
      default: 60,
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
    }),
  };

  protected override failureOutputs(): FormatOutput<PrereqFormat>[] {
    const { values, json } = formatWords(this.argv);
    return parseOutputs(values, json);
  }

  async run(): Promise<PrereqReport> {
    const { flags } = await this.parse(PrereqStatus);
    const outputs = parseOutputs(flags.format, flags.json);
    const asOf = parseAsOf(flags['as-of']);
    if (flags.ref !== undefined)
      parseRef(flags.ref, '--ref', "the mainline branch, a tag or a commit (default: rfc.yaml's mainline)");
    const root = this.findRoot(flags.root);
    const id = this.chooseRfc(root, flags.rfc);
    // Git and the spec's YAML reader are loaded once the command line is accepted: a run
    // refused for a bad flag does not pay for them (test/cli/bundle.test.ts).
    const [{ GitRepo }, { mainlineHint }] = await Promise.all([
      import('../../sources/git/repo.js'),
      import('../../spec/raw-manifest.js'),
    ]);
    const repo = new GitRepo(root);
    // The one long git walk starts now and runs in git's own process while the spec is
    // loaded and validated (the schema compiler is loaded only then); the validated manifest
    // still decides which ref is read, a wrong hint only costs the walk.
    const hint = flags.ref ?? mainlineHint(root, id);
    if (hint) await repo.preload(hint, asOf);
    const [{ loadRfc }, { Measurer }, { prereqExitCode, prereqStatus, refOrigin }] = await Promise.all([
      import('../../spec/load.js'),
      import('../../engine/measure.js'),
      import('../../prereqs/status.js'),
    ]);
    const rfc = loadRfc(root, id);
    if (!rfc.prereqs?.length) {
      const file = rfc.files.find((f) => basename(f) === 'prereqs.yaml');
      throw new UsageError(
        file
          ? `${rfc.manifest.id} declares no prerequisite PRs: ${file} lists none; add one there`
          : `${rfc.manifest.id} declares no prerequisite PRs: add gates/${rfc.manifest.id}/prereqs.yaml`,
      );
    }
    const ref = flags.ref ?? rfc.manifest.mainline;
    // A --ref that names a tree or a blob (main^{tree}, main:src) exists, so it is no mainline
    // missing from this clone: it is the wrong kind of name, an invalid invocation.
    if (flags.ref !== undefined && !(await repo.refExists(flags.ref))) {
      refuseNonCommit(root, flags.ref, '--ref', 'the mainline branch, a tag or a commit');
    }
    const timeoutMs = flags.timeout * 1000;
    const needsData = rfc.prereqs.some((p) => p.data_gates.length > 0);
    // Loaded only when needed: the database drivers cost more start-up than a plain status takes.
    const sources = needsData
      ? (await import('../../sources/index.js')).openSources({
          repoDir: root,
          manifest: rfc.manifest,
          env: process.env,
          timeoutMs,
        })
      : undefined;
    let report: PrereqReport;
    try {
      const measurer = sources
        ? new Measurer(rfc.measurements, {
            sources: sources.registry,
            context: {
              asOf,
              ref,
              pinned: flags.ref !== undefined || flags['as-of'] !== undefined,
              refFrom: refOrigin(rfc, flags.ref !== undefined),
              repoDir: root,
              manifest: rfc.manifest,
            },
            timeoutMs,
          })
        : undefined;
      report = await prereqStatus(rfc, {
        repo,
        ref,
        refGiven: flags.ref !== undefined,
        asOf,
        ...(measurer ? { measurer } : {}),
        // Said beside the report, whatever its format: its shape has no place for it, and a
        // prereq whose last deliverable is in that commit would otherwise look unfinished unexplained.
        onAnchorNote: (message) => process.stderr.write(`note: ${visible(message)}\n`),
      });
    } finally {
      await sources?.close();
    }
    await writeReports(outputs, (format) => formatPrereqs(report, format));
    process.exitCode = prereqExitCode(report);
    return report;
  }
}

function parseOutputs(values: string[] | undefined, json: boolean): FormatOutput<PrereqFormat>[] {
  // --json and --format json ask for the same report.
  return parseFormatFlags<PrereqFormat>(json ? values?.filter((f) => f !== 'json') : values, json, {
    names: PREREQ_FORMATS,
    fallback: 'table',
    what: 'a prereq status format',
  });
}

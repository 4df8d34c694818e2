import { join } from 'node:path';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/rfc-command.js';
import type { GateReport } from '../model/result.js';
import type { PrereqReport } from '../prereqs/status.js';
import type { ComparatorReport } from '../comparator/run.js';
import type { ComparatorSpec } from '../comparator/spec.js';

/** The comparator on the sandbox's embedded database, as of the sandbox's instant. */
async function demoComparator(dir: string, spec: ComparatorSpec, asOf: Date): Promise<ComparatorReport> {
  const [{ runComparator }, { readWindows }, { EMBEDDED_DIR }, { openSqlClient }] = await Promise.all([
    import('../comparator/run.js'),
    import('../comparator/window.js'),
    import('../demo/sandbox.js'),
    import('../sources/sql/client.js'),
  ]);
  const client = openSqlClient({ embeddedDir: join(dir, EMBEDDED_DIR), embeddedLabel: EMBEDDED_DIR });
  try {
    const windows = await readWindows(client, 'wave3', 60_000);
    return await runComparator({
      client,
      rfc: 'wave3',
      spec,
      asOf,
      // The sandbox's rows are written as of its instant, not the database's clock.
      cutoffFrom: asOf,
      mode: 'run',
      limit: 20,
      timeoutMs: 60_000,
      ...(windows ? { windows } : {}),
    });
  } finally {
    await client.close();
  }
}

const IGNORED_URL =
  "DATABASE_URL is set, and the demo did not read it: it used the sandbox's own database (.rfcgate/pgdata)";

export default class Demo extends BaseCommand {
  static override summary = 'Build a realistic Wave 3 sandbox and run the gates on it.';
  static override description = `Creates, in a new folder (a temp dir unless --dir), a governed repository with ten weeks of history, hand-off documents and operator attestations, an embedded PGlite database with weeks of measurements, and an agent telemetry file; then evaluates every Wave 3 gate and the prerequisite-PR DAG against it and prints how to re-run them by hand. Every verdict is computed from that data. The same --seed builds the same sandbox.

EXIT CODES
  0  the sandbox was built and the gates were evaluated (whatever their verdicts)
  3  the invocation is invalid (e.g. --dir exists and is not empty)`;
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --dir /tmp/wave3-sandbox --seed 7 --json',
  ];

  static override flags = {
    dir: Flags.string({ description: 'Folder to create the sandbox in (must not exist, or be empty).' }),
    // The generator keeps 32 bits of state: a wider seed would build the same sandbox as its low bits.
    seed: Flags.integer({
      description: 'Seed of everything generated, 0 to 4294967295.',
      default: 3,
      min: 0,
      max: 0xffff_ffff,
    }),
    'inside-repo': Flags.boolean({ description: 'Allow --dir inside an existing git repository.' }),
    json: Flags.boolean({
      description: 'Print the gate report as JSON instead of a table (without --dir, the sandbox folder on stderr).',
    }),
  };

  async run(): Promise<GateReport> {
    const { flags } = await this.parse(Demo);
    // The sandbox builder and the engine are loaded once the command line is accepted: a bad
    // flag is refused without them.
    const [
      { buildSandbox, rerunBin },
      { evaluateRfc },
      { Measurer },
      { formatPrereqs },
      { prereqStatus },
      { GitRepo },
      { FORMATTERS },
      { openSources },
      { loadRfc },
      { formatComparator },
      { shellWord },
    ] = await Promise.all([
      import('../demo/sandbox.js'),
      import('../engine/evaluate.js'),
      import('../engine/measure.js'),
      import('../formatters/prereqs/index.js'),
      import('../prereqs/status.js'),
      import('../sources/git/repo.js'),
      import('../formatters/index.js'),
      import('../sources/index.js'),
      import('../spec/load.js'),
      import('../formatters/comparator/index.js'),
      import('../util/shell.js'),
    ]);
    const progress = (msg: string) => {
      if (process.stderr.isTTY) process.stderr.write(`${msg}\n`);
    };
    progress('building the sandbox…');
    const sandbox = await buildSandbox({ dir: flags.dir, seed: flags.seed, insideRepo: flags['inside-repo'] });
    progress(`built ${sandbox.dir}: ${sandbox.commits} commits, ${sandbox.measurementRows} measurement rows`);

    const rfc = loadRfc(sandbox.dir, 'wave3');
    // The sandbox has its own embedded database: a DATABASE_URL in the caller's environment must not be read.
    const { DATABASE_URL: callerUrl, ...env } = process.env;
    // Every command reads DATABASE_URL before the embedded database: the ones printed to re-run by hand
    // would read, and `measure record` write to, the caller's server instead of the sandbox.
    const urlSet = Boolean(callerUrl?.trim());
    // The sandbox's database is a picture of its instant: its present state is the state as of then.
    const sources = openSources({
      repoDir: sandbox.dir,
      manifest: rfc.manifest,
      env,
      timeoutMs: 60_000,
      snapshotAt: sandbox.asOf,
    });
    let report: GateReport;
    let prereqs: PrereqReport;
    try {
      report = await evaluateRfc(rfc, {
        asOf: sandbox.asOf,
        // Said in the report, as the printed `gate check --snapshot-at` says it.
        snapshotAt: sandbox.asOf,
        ref: 'HEAD',
        // As the printed `gate check --as-of` evaluates: council rounds and the RFC read from HEAD's commit.
        pinned: true,
        repoDir: sandbox.dir,
        sources: sources.registry,
        timeoutMs: 60_000,
      });
      const context = { asOf: sandbox.asOf, ref: rfc.manifest.mainline, repoDir: sandbox.dir, manifest: rfc.manifest };
      prereqs = await prereqStatus(rfc, {
        repo: new GitRepo(sandbox.dir),
        ref: rfc.manifest.mainline,
        asOf: sandbox.asOf,
        measurer: new Measurer(rfc.measurements, { sources: sources.registry, context, timeoutMs: 60_000 }),
      });
    } finally {
      await sources.close();
    }
    const comparator = rfc.comparator ? await demoComparator(sandbox.dir, rfc.comparator, sandbox.asOf) : undefined;
    const asOf = sandbox.asOf.toISOString();
    if (flags.json) {
      process.stdout.write(FORMATTERS.json(report));
      // The JSON names no folder: a sandbox in a temp folder is said on stderr, or it could not be found again.
      if (!flags.dir) process.stderr.write(`Sandbox: ${sandbox.dir}\n`);
      if (urlSet) process.stderr.write(`note: ${IGNORED_URL}\n`);
    } else {
      process.stdout.write(
        FORMATTERS.table(report, {
          color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
          width: process.stdout.columns,
        }),
      );
      process.stdout.write(`\nPrerequisite PRs (prereq status):\n${formatPrereqs(prereqs, 'table')}`);
      if (comparator)
        process.stdout.write(`\nShadow comparator (comparator run):\n${formatComparator(comparator, 'table')}`);
      // Words a shell reads back as written: a sandbox under a folder with a space still re-runs.
      const bin = rerunBin();
      const dir = shellWord(sandbox.dir);
      // An empty DATABASE_URL counts as unset, as a POSIX shell writes it in front of a command.
      const node = `${urlSet ? 'DATABASE_URL= ' : ''}node`;
      process.stdout.write(
        [
          '',
          `Sandbox: ${sandbox.dir}`,
          `  a git repository (gates/wave3, rfcs/wave3.md, hand-offs, attestations), an embedded PGlite database`,
          `  in .rfcgate/pgdata and agent telemetry in telemetry/agent-usage.jsonl. Its clock stops at ${asOf}.`,
          // A newcomer reads FAIL as the demo itself failing: the report is the point, not an error.
          `  Its data is made for some gates to pass, some to fire and others to halt, so FAIL above is the`,
          `  demo working. The demo exits 0 whatever the verdicts; gate check exits by them: 0 every gate`,
          `  passes, 1 one failed, 2 none failed but one halted, 3 the spec or the invocation is invalid.`,
          '',
          ...(urlSet
            ? [`${IGNORED_URL}; the commands below clear it for their run, so they read the sandbox too.`, '']
            : []),
          'Re-run by hand:',
          `  ${node} ${bin} gate check --root ${dir} --rfc wave3 --as-of ${asOf} --snapshot-at ${asOf}`,
          `  ${node} ${bin} gate check --root ${dir} --rfc wave3 --as-of ${asOf} --snapshot-at ${asOf} --only B --json`,
          `  ${node} ${bin} prereq status --root ${dir} --rfc wave3 --as-of ${asOf} --format mermaid`,
          `  ${node} ${bin} prereq status --root ${dir} --rfc v3-kernel --as-of ${asOf}`,
          `  ${node} ${bin} gate check --root ${dir} --rfc v3-kernel --as-of ${asOf} --snapshot-at ${asOf}`,
          `  ${node} ${bin} telemetry report --root ${dir} --rfc v3-kernel --as-of ${asOf}`,
          `  ${node} ${bin} comparator run --root ${dir} --rfc wave3 --self-test`,
          `  ${node} ${bin} measure check --root ${dir} --rfc wave3`,
          `  ${node} ${bin} measure record --root ${dir} --rfc wave3 --type measurement.lease_plane.request --elapsed-ms 41.5`,
          `  cd ${dir} && git log --oneline | head`,
          '',
        ].join('\n'),
      );
    }
    return report;
  }
}

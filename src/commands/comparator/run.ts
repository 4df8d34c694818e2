import { randomUUID } from 'node:crypto';
import * as Flags from '@oclif/core/flags';
import { COMPARATOR_EXIT_CODES_HELP, COMPARATOR_FILE } from '../../comparator/names.js';
import type { ComparatorReport } from '../../comparator/run.js';
import type { WindowsUnreadable } from '../../comparator/window.js';
import type { RecordedRun } from '../../comparator/record.js';
import type { SelfTestResult } from '../../comparator/selftest.js';
import { COMPARATOR_FORMATS, type ComparatorFormat } from '../../formatters/comparator/names.js';
import { MAX_TIMEOUT_SECONDS } from '../../cli/rfc-command.js';
import { LedgerCommand } from '../../ledger/command.js';
import { visible } from '../../formatters/visible.js';
import { EXIT } from '../../model/result.js';
import { UsageError } from '../../spec/problems.js';

export default class ComparatorRun extends LedgerCommand {
  static override summary =
    'Compare each canonical table with its shadow: one full outer join per pair, pushed down to PostgreSQL.';
  static override description = `For every pair of comparator.yaml: checks coverage against the live schema (as \`comparator check\`), reads the shadow window's state, checks the key for NULL and duplicate values in both tables (skipped when a primary key or unique index on NOT NULL columns guarantees it), then runs one generated full-outer-join query (IS DISTINCT FROM per compared column, identifiers quoted, values as bind parameters) that counts divergent keys by kind (canonical_missing, shadow_missing, value_mismatch) and per column, and lists the first --limit keys with their divergent columns. Counts are always exact. Keys whose age_column is newer than --min-age (the shadow writer's lag) on either side are skipped, counting back from the database's clock.

Shadow window: never_started (shadow empty, never seen with rows: the pair halts), active, went_dark (empty or dropped after having been active: an alarm, exit 4). The state is kept in the ledger (rfcgate.comparator_windows) and written with --record. A shadow is went_dark only when the ledger holds an observation with rows from before this run's start. The windows are read when the run starts; with --record they are read again (locked) when the run records, and the report, printed after that, gives each pair's state as they then say: a run that overlapped this one and saw the shadow with rows before it may have recorded meanwhile.

--self-test plants one synthetic divergence of each kind inside one transaction that is always rolled back, runs the real query, and fails the pair if a kind goes undetected. --record writes the window state, one measurement per pair with the counts (measurement.comparator.run) and one per listed divergent key (measurement.comparator.divergence) to audit.coordination_measurements, idempotent per --run-id; with record.events in comparator.yaml, also one event per listed divergent key to the event table it names (wave3: audit.coordination_events), in the same transaction. Otherwise the run is read-only.

The database is DATABASE_URL when set, else rfc.yaml's embedded PGlite directory.

${COMPARATOR_EXIT_CODES_HELP}
  --record that could not write prints the report first and writes nothing: a database that cannot be reached, or is busy (a lock held past 10 s, a statement cancelled, a deadlock), is a halt (2, unless the run failed or went dark: 1 or 4), a ledger that cannot take the run (not migrated, a role that may not write, an event table record.events names that does not exist or cannot take the events) exits 3. A --run-id already recorded for a pair is a retry: the pair is not stored again, whatever this run found.
  --print-sql exits 0 once every query is printed, 1 on a coverage problem, 2 when a table does not exist or the database cannot be read.`;
  static override examples = [
    '<%= config.bin %> comparator run',
    '<%= config.bin %> comparator run --self-test --record --run-id "$(date -u +%Y-%m-%dT%H)"',
    '<%= config.bin %> comparator run --pair identities --limit 20 --json',
    '<%= config.bin %> comparator run --print-sql',
  ];

  static override flags = {
    pair: Flags.string({ description: 'Only this pair (repeatable).', multiple: true, multipleNonGreedy: true }),
    limit: Flags.integer({
      description: 'Divergent keys listed per pair (counts are always exact).',
      default: 100,
      min: 0,
      // A bigint parameter, sent as a JavaScript number: past 2^53 it is no longer the number given.
      max: 1_000_000_000,
    }),
    'min-age': Flags.string({
      description:
        "Skip keys written more recently than this before the database's clock (e.g. 5m); overrides comparator.yaml's min_age; 0 disables.",
    }),
    'print-sql': Flags.boolean({
      description:
        'Print the generated comparison query of each pair (with its parameters) and exit without comparing; not with --chunks.',
    }),
    'self-test': Flags.boolean({
      description: 'Plant one divergence of each kind in a rolled-back transaction and check each is detected.',
    }),
    record: Flags.boolean({ description: 'Write the window state and the counts to the ledger.' }),
    'run-id': Flags.string({
      description:
        'Identifies this run in recorded rows; recording the same run id twice stores it once (default: random).',
    }),
    chunks: Flags.integer({
      description:
        'Split a single-column integer key into this many ranges, compared concurrently (see bench/README.md).',
      default: 1,
      min: 1,
      max: 64,
    }),
    json: Flags.boolean({ description: 'Print the report as JSON (stable key order); = --format json.' }),
    format: Flags.string({ description: 'Report format.', options: [...COMPARATOR_FORMATS] }),
    timeout: Flags.integer({
      description: 'Seconds each query may take (the comparison of a huge table included).',
      default: 900,
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
    }),
  };

  async run(): Promise<ComparatorReport | undefined> {
    const { flags } = await this.parse(ComparatorRun);
    if (flags.json && flags.format && flags.format !== 'json') {
      throw new UsageError(`--json contradicts --format ${flags.format}; choose one`);
    }
    if (flags['print-sql'] && (flags.record || flags['self-test'])) {
      throw new UsageError('--print-sql only prints the queries; it cannot be combined with --record or --self-test');
    }
    // A chunked run reads the key's bounds first and sends one query per range, none of them the
    // query printed: printing it as what the run sends would mislead a review of the SQL.
    if (flags['print-sql'] && flags.chunks > 1) {
      throw new UsageError(
        '--print-sql prints the single comparison query of each pair; with --chunks the ranges are read from the data at run time, so the two cannot be combined: drop --chunks to see the query',
      );
    }
    // The queries are SQL text, never a report: a pipe expecting JSON must not get them.
    if (flags['print-sql'] && (flags.json || flags.format)) {
      throw new UsageError(
        `--print-sql prints the queries as SQL; it cannot be combined with ${flags.json ? '--json' : `--format ${flags.format}`}`,
      );
    }
    const format: ComparatorFormat = flags.json ? 'json' : ((flags.format as ComparatorFormat | undefined) ?? 'table');
    // The engine (the SQL drivers, the YAML parser, the comparison, the formatters) is loaded once
    // the command line is accepted: a run refused for a bad flag does not pay for it.
    const [
      { loadComparator, openComparatorClient, parseMinAge, parsePairs, progressReporter },
      { combine, comparatorExitCode, databaseClock, planPair, runComparator, withSelfTest },
      { compareSql, printable },
      { formatComparator },
      { isLedgerFailure, openWriter, recordingHalted },
      { SqlHaltError },
    ] = await Promise.all([
      import('../../comparator/cli.js'),
      import('../../comparator/run.js'),
      import('../../comparator/sql.js'),
      import('../../formatters/comparator/index.js'),
      import('../../ledger/cli.js'),
      import('../../sources/sql/client.js'),
    ]);
    const minAgeMs = parseMinAge(flags['min-age']);
    const runId = flags['run-id'] ?? randomUUID();
    const root = this.findRoot(flags.root);
    // With several RFCs, the one that has a comparator.yaml needs no --rfc (as lint picks the one with lints).
    const id = this.chooseRfc(root, flags.rfc, COMPARATOR_FILE);
    const target = await this.databaseTarget(root, id);
    const client = openComparatorClient(target, id);
    // The server starts the session while the spec is read and checked.
    if (!flags['print-sql']) await client.connectEarly?.();
    const timeoutMs = flags.timeout * 1000;
    const asOf = new Date();
    const progress = progressReporter();
    try {
      const { spec } = await loadComparator(root, id);
      const only = parsePairs(flags.pair, spec);
      const selected = spec.pairs.filter((p) => !only || only.includes(p.id));
      if (minAgeMs && !selected.some((p) => p.ageColumn !== undefined)) {
        // comparator.yaml refuses a min_age with no age_column; the flag, said once, is refused too.
        throw new UsageError(
          `--min-age ${flags['min-age'] ?? ''} would skip nothing: ${only ? 'no pair selected' : 'no pair of comparator.yaml'} names an age_column (the timestamp column telling when a row was last written); add one to the pair, or leave --min-age out`,
        );
      }
      if (flags['run-id'] !== undefined) {
        const { runIdProblem } = await import('../../comparator/record.js');
        const problem = runIdProblem(id, only ?? spec.pairs.map((p) => p.id), runId);
        if (problem) throw new UsageError(problem);
      }
      if (flags['print-sql']) {
        // As a run would end: a coverage problem fails; a table that does not exist, or a
        // database that cannot be read, halts.
        const verdicts: ('fail' | 'halt')[] = [];
        for (const pair of spec.pairs.filter((p) => !only || only.includes(p.id))) {
          let planned;
          try {
            planned = await planPair(client, pair, timeoutMs);
          } catch (err) {
            if (!(err instanceof SqlHaltError)) throw err;
            verdicts.push('halt');
            process.stderr.write(`pair ${visible(pair.id)}: ${visible(err.message)}\n`);
            continue;
          }
          const { plan, problems } = planned;
          if (!plan) {
            verdicts.push(problems.every((p) => p.code === 'table_missing') ? 'halt' : 'fail');
            for (const p of problems)
              process.stderr.write(
                `${visible(p.location.file)}:${p.location.line}:${p.location.col}: ${visible(p.message)}\n`,
              );
            continue;
          }
          const minAge = minAgeMs ?? pair.minAgeMs;
          let cutoff = null;
          try {
            if (minAge > 0 && plan.ageColumn)
              cutoff = new Date((await databaseClock(client, timeoutMs)).getTime() - minAge);
          } catch (err) {
            if (!(err instanceof SqlHaltError)) throw err;
            verdicts.push('halt');
            process.stderr.write(`pair ${visible(pair.id)}: ${visible(err.message)}\n`);
            continue;
          }
          process.stdout.write(`-- pair ${pair.id}\n${printable(compareSql(plan, { limit: flags.limit, cutoff }))}\n`);
        }
        process.exitCode = comparatorExitCode({ verdict: combine(verdicts) });
        return undefined;
      }

      const { readWindows, windowsUnreadable: whyUnreadable } = await import('../../comparator/window.js');
      let windows;
      let windowsUnreadable: WindowsUnreadable | undefined;
      try {
        windows = await readWindows(client, id, timeoutMs);
      } catch (err) {
        if (!(err instanceof SqlHaltError)) throw err;
        // An unreachable database halts the pairs with the same reason when they query; a
        // ledger this role cannot read leaves an empty shadow's state unknown.
        windowsUnreadable = whyUnreadable(err);
      }
      const started = new Map<string, number>();
      const elapsed = new Map<string, number>();
      const report = await runComparator({
        client,
        rfc: id,
        spec,
        asOf,
        mode: 'run',
        limit: flags.limit,
        timeoutMs,
        chunks: flags.chunks,
        ...(minAgeMs === undefined ? {} : { minAgeMs }),
        ...(only ? { only } : {}),
        ...(windows ? { windows } : {}),
        ...(windowsUnreadable === undefined ? {} : { windowsUnreadable }),
        onProgress: (e) => {
          if (!started.has(e.pair)) started.set(e.pair, performance.now());
          if (e.step === 'done') elapsed.set(e.pair, Math.round(performance.now() - (started.get(e.pair) ?? 0)));
          progress.onProgress?.(e);
        },
      });

      // The self-test's plans are read before the reader closes: on the embedded database the
      // writer below must be the only PGlite instance open on the data directory.
      const toTest = [];
      if (flags['self-test']) {
        for (const r of report.pairs) {
          if (r.status !== 'clean' && r.status !== 'divergent') continue;
          const pair = spec.pairs.find((p) => p.id === r.id);
          if (!pair) continue;
          const planned = await planPair(client, pair, timeoutMs);
          if (planned.plan && planned.canonical && planned.shadow) toTest.push({ r, planned });
        }
      }
      await client.close();

      const selfTests = new Map<string, SelfTestResult>();
      let shown = report;
      const writer = flags['self-test'] || flags.record ? openWriter(target) : undefined;
      try {
        if (writer && flags['self-test']) {
          const { selfTest } = await import('../../comparator/selftest.js');
          for (const { r, planned } of toTest) {
            progress.onProgress?.({ pair: r.id, step: 'self-test' });
            const st = await selfTest(writer, {
              plan: planned.plan as NonNullable<typeof planned.plan>,
              canonical: planned.canonical as NonNullable<typeof planned.canonical>,
              shadow: planned.shadow as NonNullable<typeof planned.shadow>,
              cutoff: r.cutoff ? new Date(r.cutoff) : null,
              limit: flags.limit,
              timeoutMs,
            });
            withSelfTest(r, st);
            selfTests.set(r.id, st);
          }
          report.verdict = combine(report.pairs.map((p) => p.verdict));
        }
        // The report is printed once the run is recorded: recording reads the windows again, and
        // a pair another run has since shown to have gone dark is reported so. Progress ends first.
        progress.done();
        let rec: RecordedRun | undefined;
        let failure: unknown;
        if (writer && flags.record) {
          const { recordRun } = await import('../../comparator/record.js');
          try {
            rec = await recordRun(writer, { report, spec, runId, asOf, elapsedMs: elapsed, selfTests });
          } catch (err) {
            failure = err;
          }
        }
        // A run that could not be recorded still prints what it measured.
        shown = rec?.report ?? report;
        process.stdout.write(formatComparator(shown, format));
        process.exitCode = comparatorExitCode(shown);
        if (failure !== undefined) {
          if (!isLedgerFailure(failure)) throw failure;
          // As gate check --record: a database that cannot be reached, or is busy, halts as it
          // halts the pairs; a divergence or a shadow gone dark measured before it outranks that.
          const halted = recordingHalted(failure);
          process.stderr.write(
            `${halted ? 'halt' : 'error'}: the comparator run was not recorded: ${failure.message}\n`,
          );
          process.exitCode = halted ? comparatorExitCode({ verdict: combine([shown.verdict, 'halt']) }) : EXIT.invalid;
        } else if (rec) {
          process.stderr.write(
            `recorded comparator run ${rec.run_id}: ${rec.recorded} measurement${rec.recorded === 1 ? '' : 's'}${rec.already_recorded ? ` (${rec.already_recorded} already recorded)` : ''}, ${rec.events === null ? '' : `${rec.events} event${rec.events === 1 ? '' : 's'} in ${visible(spec.record.events?.table.text ?? '')}, `}${rec.windows} window state${rec.windows === 1 ? '' : 's'} in ${rec.database}\n`,
          );
        }
      } finally {
        await writer?.close();
      }
      return shown;
    } finally {
      progress.done();
      await client.close();
    }
  }
}

import * as Flags from '@oclif/core/flags';
import { formatJsonError } from '../../cli/json-error.js';
import { progressLine } from '../../cli/progress.js';
import { visible } from '../../formatters/visible.js';
import { HOME_PROGRAM, parseAsOf, RfcCommand } from '../../cli/rfc-command.js';
import { once } from 'node:events';
import { isAbsolute } from 'node:path';
import { UsageError } from '../../spec/problems.js';
import type { ReportJob, ReportSummary } from '../../telemetry/write-report.js';
import { parseDuration } from '../../util/duration.js';

/**
 * The most turns --last-turns keeps. Which turns are the last is known only once the files end,
 * so a copy of each of the last N turn records is held until then (about 1 KB each at peak): a
 * value past the turns of a large log would hold all of them, gigabytes for a 1 GB log, where
 * --window folds each turn as it reads it. 100,000 turns stay near 100 MB, and are more than a
 * hit ratio needs; a longer span is what --window is for.
 */
const MAX_LAST_TURNS = 100_000;

/**
 * The most turns --turns keeps per session. Every session keeps its own series until the files
 * end, and the JSON lists each session's in full: past a session's length a larger value keeps
 * every turn of every session, a number per turn read (tens of megabytes in memory and in the
 * JSON for a 1 GB log), where the series is a trend. 1,000 is wider than a terminal draws a
 * sparkline, and holds a session's series to about 8 KB in memory and 7 KB of JSON.
 */
const MAX_SERIES_TURNS = 1000;

export default class TelemetryReportCommand extends RfcCommand {
  static override summary = 'Show prompt-cache metrics of agent telemetry, per session and overall.';
  static override description = `Streams the agent telemetry JSONL files (Anthropic usage records, OpenTelemetry gen_ai spans, one per line or an OTLP/JSON export per line, Claude Code's api_request and compaction events as an OTLP/JSON logs export per line, its claude_code.llm_request spans, fork-trace misses; .gz too) and shows, per session and over all sessions: turns, the roadmap's cache hit ratio cache_read / (cache_read + input), the token-weighted ratio cache_read / (input + cache_creation + cache_read), the share of turns that read the cache, the input cost multiplier (5m write 1.25×, 1h write 2×, read 0.1×), turns over the 4-breakpoint limit, and misses by source. It also checks the two invariants (compaction is cache-stable; results injected after the breakpoint), lists malformed lines as file:line, and names what a glob matched that is no regular file (a named pipe, a socket, a device: skipped, never opened). On a terminal each session's hit ratio per turn is drawn as a sparkline, and large files show progress.

Files come from --files, or from the telemetry block of the RFC's rfc.yaml.

EXIT CODES
  0  the report was computed
  2  nothing to report on: no file matches, a file named or matched cannot be read (a damaged gzip, a link to nothing), no turn in the window, or a file is mostly malformed (with --json, the first two print {"error": {"name": "Halt", …, "exit": 2}} where the report would be)
  3  the invocation is invalid (a bad flag, no files named anywhere)`;
  // An example naming an RFC is written for rfcgate, whatever name runs --help: under an RFC's
  // own program name (wave3 …), --rfc naming another RFC is refused. Help marks only a line
  // starting with the running name as a command, hence the "$ ".
  static override examples = [
    `$ ${HOME_PROGRAM} telemetry report --rfc v3-kernel`,
    '<%= config.bin %> telemetry report --files "logs/usage-*.jsonl.gz" --window 7d',
    `$ ${HOME_PROGRAM} telemetry report --rfc v3-kernel --last-turns 200 --json`,
  ];

  static override flags = {
    files: Flags.string({
      description: 'Telemetry files or globs, relative to the repository root (default: rfc.yaml telemetry.files).',
      multiple: true,
    }),
    'as-of': Flags.string({
      description:
        'Only records before this instant count (YYYY-MM-DD or ISO-8601, to the millisecond; not later than now).',
    }),
    window: Flags.string({ description: 'Only turns in [as-of - window, as-of) count, e.g. 7d.' }),
    'last-turns': Flags.integer({
      description: `Only the last N turns count: the last read, with files in path order and their lines in order (as an append-only writer writes them), not the highest numbered. At most ${MAX_LAST_TURNS}, since they are held in memory until the files end; for a longer span, use --window.`,
      min: 1,
      max: MAX_LAST_TURNS,
    }),
    json: Flags.boolean({ description: 'Print the report as JSON.' }),
    trend: Flags.boolean({
      description: 'Draw each session’s hit ratio per turn as a sparkline (default: on a terminal).',
      allowNo: true,
    }),
    turns: Flags.integer({
      description: `Turns per session in the sparkline and in the JSON series: the last ones read, in reading order (a terminal too narrow for them shows fewer, eight at least). At most ${MAX_SERIES_TURNS}, since each session's are held until the files end and all are in the JSON; the series is a trend, not the log.`,
      default: 40,
      min: 1,
      max: MAX_SERIES_TURNS,
    }),
    sessions: Flags.integer({
      description:
        'Sessions listed in the table, worst hit ratio first (the JSON lists all, by id in natural order: sess2 before sess10).',
      default: 30,
      min: 1,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TelemetryReportCommand);
    // The readers (globs, gzip, the record parsers) and the report's writer are loaded once the
    // command line is accepted: a bad flag is refused without them.
    const [
      { describeSkipped, matchTelemetryFiles, negatedPattern, notFiles },
      { ReportWriteError, wantsThread, writeReport, writeReportOnThread },
    ] = await Promise.all([import('../../sources/telemetry/read.js'), import('../../telemetry/write-report.js')]);
    const asOf = parseAsOf(flags['as-of']);
    const rangeMs = flags.window === undefined ? undefined : parseDuration(flags.window);
    if (flags.window !== undefined && rangeMs === undefined) {
      throw new UsageError(
        `--window '${flags.window}' is not a duration: use a whole number from 1 to 99999 and s, m, h, d or w (7d)`,
      );
    }
    // An empty pattern names no file, as an empty entry of telemetry.files is a spec error; one of
    // spaces only (a quoted variable left unset) is as empty: no file name is blank.
    const blank = flags.files?.find((f) => f.trim() === '');
    if (blank !== undefined) {
      throw new UsageError(`--files '${blank}' names no file: give a path or a glob, such as telemetry/**/*.jsonl`);
    }
    const negated = flags.files?.map(negatedPattern).find((w) => w !== undefined);
    if (negated !== undefined) throw new UsageError(`--files ${negated}`);
    const root = this.findRoot(flags.root);
    let patterns = flags.files;
    if (!patterns?.length) {
      const id = this.chooseRfc(root, flags.rfc);
      const { loadRfc } = await import('../../spec/load.js');
      patterns = loadRfc(root, id).manifest.telemetry?.files;
      if (!patterns?.length) {
        throw new UsageError(
          `${id} names no telemetry files: pass --files, or add telemetry: { files: [...] } to rfc.yaml`,
        );
      }
      const fromRfc = patterns.map(negatedPattern).find((w) => w !== undefined);
      if (fromRfc !== undefined) throw new UsageError(`${id}'s rfc.yaml telemetry.files: ${fromRfc}`);
    }
    const { files, missing, unreadable: broken, skipped, unmatched } = await matchTelemetryFiles(root, patterns);
    // No report to print: with --json, stdout holds the error object instead of nothing (as an
    // invalid invocation's does), so a step piping it into jq reads why.
    const halt = (reasons: string[]) => {
      process.stderr.write(reasons.map((r) => `halt: ${r}\n`).join(''));
      if (flags.json) process.stdout.write(formatJsonError({ name: 'Halt', message: reasons.join('; '), exit: 2 }));
      process.exitCode = 2;
    };
    // Where relative names were looked for; an absolute one was looked for where it says.
    const under = (names: readonly string[]) => (names.every((n) => isAbsolute(n)) ? '' : ` under ${visible(root)}`);
    // As a gate reading the same files halts: a matched link that leads nowhere is data missing.
    if (broken.length) {
      halt(
        broken.map((u) =>
          u.kind === 'match'
            ? `${visible(u.path)} (matched by ${visible(u.pattern)}) is ${visible(u.why)}`
            : `${visible(u.path)} (${visible(u.pattern)} could match files there) is ${visible(u.why)}`,
        ),
      );
      return;
    }
    const [notFile] = await notFiles(root, missing);
    if (notFile !== undefined) {
      halt([visible(notFile)]);
      return;
    }
    // Before "no file matches": a file named outright and gone is the more exact reason.
    if (missing.length) {
      halt([`no such telemetry file: ${visible(missing.join(', '))}${under(missing)}`]);
      return;
    }
    if (files.length === 0) {
      // What it matched and skipped is the reason to name: a person looks for it, not for a typo.
      const only = skipped.length ? `: ${skipped.map(describeSkipped).join('; ')}` : '';
      halt([`no telemetry file matches ${visible(patterns.join(', '))}${under(patterns)}${visible(only)}`]);
      return;
    }

    const progress = progressLine('reading telemetry');
    const job: ReportJob = {
      root,
      files,
      ...(skipped.length ? { skipped } : {}),
      // rfc.yaml's list names alternatives (its writer's *.jsonl or *.jsonl.gz), so one of them
      // matching nothing is the usual case; globs typed on the command line are each meant.
      ...(unmatched.length && flags.files?.length ? { unmatched } : {}),
      asOf: asOf.toISOString(),
      ...(rangeMs !== undefined ? { rangeMs, window: flags.window } : {}),
      ...(flags['last-turns'] !== undefined ? { lastTurns: flags['last-turns'] } : {}),
      series: flags.turns,
      output: flags.json
        ? { format: 'json' }
        : {
            format: 'table',
            color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
            trend: flags.trend ?? Boolean(process.stdout.isTTY),
            maxSessions: flags.sessions,
            ...(process.stdout.isTTY && process.stdout.columns ? { width: process.stdout.columns } : {}),
          },
    };
    let summary: ReportSummary | undefined;
    let unreadable: string | undefined;
    // The JSON is written row by row as it is made, the table from the rows it lists; a large input on a thread of its own.
    try {
      // The progress line is cleared before the report's first line, which would otherwise follow it.
      const cleared = () => progress?.done();
      summary = wantsThread(job)
        ? await writeReportOnThread(job, progress?.update, cleared)
        : await writeReport(
            job,
            async (chunk) => {
              if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
            },
            progress?.update,
            cleared,
          );
    } catch (e) {
      // A report the worker could not write (a full disk under a redirect) is not a problem with
      // the telemetry: handed to stdout's own error handler (bin/run.js), which says it in one
      // line and exits 3, as when this thread's write fails; it would say it again when oclif
      // flushes stdout on the way out.
      if (e instanceof ReportWriteError) {
        process.stdout.emit('error', e);
        return;
      }
      // A file that cannot be read (a damaged gzip, an I/O error) is missing data, as a gate
      // reading it halts: not a mistake in the invocation. Nothing was printed yet.
      unreadable = e instanceof Error ? e.message : String(e);
    } finally {
      progress?.done();
    }

    if (summary === undefined) {
      halt([`cannot read telemetry: ${visible(unreadable ?? 'no report')}`]);
      return;
    }
    // A file that is mostly malformed is the cause to name first: its turns may be why none is left.
    if (summary.mostly_malformed.length > 0) {
      process.stderr.write(`halt: mostly malformed: ${visible(summary.mostly_malformed.join(', '))}\n`);
      process.exitCode = 2;
    } else if (summary.turns === 0) {
      process.stderr.write(`halt: ${summary.no_turns ?? 'no turns in the window'} (as of ${summary.as_of})\n`);
      process.exitCode = 2;
    }
  }
}

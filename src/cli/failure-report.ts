/**
 * What each report asked for with `--format` holds when the run stops before it has a report
 * (an invalid spec or invocation, exit 3): the failure, in that report's own format, so a CI
 * step reading or uploading it finds this run's outcome rather than nothing, or the report a
 * previous run left there. Standard error keeps the human lines either way.
 */
import type { Log, Notification } from 'sarif';
import { realpathSync, rmSync, statSync } from 'node:fs';
import { create } from 'xmlbuilder2';
import { command, hiddenAnnotationsNotice } from '../formatters/github.js';
import { codeSpan, cell } from '../formatters/markdown.js';
import { PACKAGE_VERSION, SARIF_SCHEMA_URI, sarifUri } from '../formatters/sarif.js';
import { inertMarkup, jsonReport } from '../formatters/visible.js';
import { formatProblem, type Problem } from '../spec/problems.js';
import { type FormatOutput, writeReports } from './format-flags.js';
import { formatJsonError } from './json-error.js';
import { xmlAttr as attr, xmlText as text } from '../formatters/xml-text.js';

export interface RunFailure {
  /** SpecError, UsageError or Error, as the JSON error object names it. */
  name: string;
  /** The one line said last on standard error. */
  message: string;
  exit: number;
  /** Where a person must edit, for a spec that cannot be used (and some invocations). */
  problems: readonly Problem[];
}

/**
 * Writes the failure into every report asked for, as writeReports writes a report. When even
 * that cannot be done (a full disk), the report files are removed instead: one a previous run
 * left there would be uploaded as this run's.
 */
export async function writeFailureReports(
  outputs: readonly FormatOutput<string>[],
  f: RunFailure,
  prefix: string,
  category?: string,
): Promise<void> {
  try {
    await writeReports(outputs, (format, toFile) =>
      failureReport(format, f, { toFile, prefix, ...(category !== undefined ? { category } : {}) }),
    );
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    for (const o of outputs) {
      if (o.file === undefined) continue;
      try {
        if (statSync(o.file).isFile()) rmSync(realpathSync(o.file));
      } catch {
        // Gone already, or not ours to remove: nothing stale is left that can be.
      }
    }
  }
}

/**
 * The failure as `format` writes it; '' for a report meant for a person on standard output
 * (the table, stylish), which standard error already holds. `prefix`: the governed root's place
 * below the repository's top, which GitHub and code scanning read paths from.
 */
export function failureReport(
  format: string,
  f: RunFailure,
  o: { toFile: boolean; prefix: string; category?: string },
): string {
  switch (format) {
    case 'json':
      return formatJsonError({
        name: f.name,
        message: f.message,
        exit: f.exit,
        ...(f.problems.length ? { problems: [...f.problems] } : {}),
      });
    case 'sarif':
      return failureSarif(f, o.prefix, o.category);
    case 'junit':
      return failureJunit(f, o.prefix);
    case 'github':
      return failureGithub(f, o.prefix);
    case 'markdown':
      return failureMarkdown(f);
    default:
      return o.toFile ? `${[...f.problems.map(formatProblem), `error: ${f.message}`].join('\n')}\n` : '';
  }
}

/**
 * SARIF's way to say a run did not complete: the invocation is not successful and each problem
 * is a tool execution notification at its place, with no results. Code scanning records such
 * an upload as a failed analysis and keeps the alerts it has; a log holding no results but
 * claiming success would instead close every one of them. `category`: the run's own.
 */
function failureSarif(f: RunFailure, prefix: string, category: string | undefined): string {
  const notifications: Notification[] = f.problems.map((p) => ({
    level: p.severity === 'warning' ? 'warning' : 'error',
    message: { text: p.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: sarifUri(prefix + p.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: Math.max(1, p.line), startColumn: Math.max(1, p.col) },
        },
      },
    ],
  }));
  notifications.push({ level: 'error', message: { text: f.message } });
  const log: Log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'rfcgate', version: PACKAGE_VERSION, rules: [] } },
        // The category the run's own report would have had, when known: the failed analysis
        // then stands in for that run's, not for another category's.
        ...(category !== undefined ? { automationDetails: { id: category } } : {}),
        columnKind: 'utf16CodeUnits',
        invocations: [{ executionSuccessful: false, exitCode: f.exit, toolExecutionNotifications: notifications }],
        results: [],
        properties: { error: f.name, exit: f.exit },
      },
    ],
  };
  return jsonReport(log);
}

/** One testcase in error per problem, at its file and line (or one for the whole run). */
function failureJunit(f: RunFailure, prefix: string): string {
  const cases = f.problems.length ? f.problems.length : 1;
  const totals = { tests: String(cases), failures: '0', errors: String(cases), skipped: '0' };
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const suite = doc
    .ele('testsuites', { name: 'rfcgate', ...totals })
    .ele('testsuite', { name: attr(`rfcgate (exit ${f.exit})`), ...totals });
  suite.ele('properties').ele('property', { name: 'error', value: attr(f.message) });
  if (!f.problems.length) {
    suite
      .ele('testcase', { name: attr(f.name), classname: 'rfcgate' })
      .ele('error', { message: attr(f.message), type: attr(f.name) })
      .txt(text(f.message));
  }
  for (const p of f.problems) {
    const where = `${prefix}${p.file}:${p.line}:${p.col}`;
    suite
      .ele('testcase', {
        name: attr(where),
        classname: attr(`rfcgate.${f.name}`),
        file: attr(prefix + p.file),
        line: String(p.line),
      })
      .ele('error', { message: attr(p.message), type: attr(f.name) })
      .txt(text(`${where}: ${p.message}`));
  }
  return `${inertMarkup(doc.end({ prettyPrint: true, indent: '  ' }))}\n`;
}

/**
 * `::error` at each problem's place, then one for the run, then `::warning` at each warning's
 * place: the job's log and the PR show where to edit. GitHub shows ten of each kind per step,
 * so past that a notice says how many it does not, as a report's annotations do.
 */
function failureGithub(f: RunFailure, prefix: string): string {
  const annotate = (p: Problem) =>
    command(
      p.severity === 'warning' ? 'warning' : 'error',
      {
        file: prefix + p.file.replace(/\\/g, '/'),
        line: String(p.line),
        col: String(p.col),
        title: `rfcgate ${f.name}`,
      },
      p.message,
    );
  const [errors, warnings] = [
    f.problems.filter((p) => p.severity !== 'warning'),
    f.problems.filter((p) => p.severity === 'warning'),
  ];
  const lines = [
    ...errors.map(annotate),
    command('error', { title: `rfcgate: no report (exit ${f.exit})` }, f.message),
    ...warnings.map(annotate),
  ];
  const hidden = hiddenAnnotationsNotice(
    `rfcgate: no report (exit ${f.exit})`,
    errors.length + 1,
    warnings.length,
    'standard error names each as file:line:col',
  );
  if (hidden) lines.push(hidden);
  return `${lines.join('\n')}\n`;
}

function failureMarkdown(f: RunFailure): string {
  const items = f.problems.map((p) => `- ${codeSpan(`${p.file}:${p.line}:${p.col}`)} ${cell(p.message)}`);
  return `### rfcgate: no report (exit ${f.exit})\n\n${cell(f.message)}\n${items.length ? `\n${items.join('\n')}\n` : ''}`;
}

import { visible } from './visible.js';
import type { GateReport, GateResult, Verdict } from '../model/result.js';

/**
 * GitHub shows at most this many annotations of each kind (error, warning, notice) per step
 * (actions/toolkit, docs/problem-matchers.md); the rest are only lines in the log.
 */
export const ANNOTATIONS_SHOWN = 10;

/**
 * The errors, then the rest, each in the given order. GitHub keeps at most fifty annotations
 * per job, summed over its steps: when earlier steps have spent most of them, the ones this
 * step still gets should be errors. And a reader of the log meets what fails the job first.
 */
export function errorsFirst<T>(items: readonly T[], isError: (x: T) => boolean): T[] {
  return [...items.filter(isError), ...items.filter((x) => !isError(x))];
}

/**
 * A notice saying how many errors and warnings GitHub will not show as annotations, and
 * where to read them all: the report files the same run writes (`kept`), else `advice` on
 * how to keep them; undefined when every one is shown.
 */
export function hiddenAnnotationsNotice(
  title: string,
  errors: number,
  warnings: number,
  advice: string,
  kept: readonly string[] = [],
): string | undefined {
  const hidden = [
    errors > ANNOTATIONS_SHOWN ? `${errors - ANNOTATIONS_SHOWN} of ${errors} errors` : '',
    warnings > ANNOTATIONS_SHOWN ? `${warnings - ANNOTATIONS_SHOWN} of ${warnings} warnings` : '',
  ].filter(Boolean);
  if (!hidden.length) return undefined;
  const where = kept.length
    ? `are not annotated, but are in this log and in ${kept.join(' and ')}`
    : `are only in this log; ${advice}`;
  return command(
    'notice',
    { title },
    `GitHub shows ${ANNOTATIONS_SHOWN} annotations of each kind per step: ${hidden.join(' and ')} ${where}`,
  );
}

/**
 * GitHub Actions workflow commands: `::error` for each failed gate, then `::warning` for each
 * halted one, at the gate's place in its YAML file, then one `::notice` with the counts
 * (and one before it when there are more than GitHub shows). `prefix`: the root's place below
 * the repository's top ('svc/'), since GitHub reads paths from the top.
 */
export function formatGithub(report: GateReport, o: { prefix?: string; keptIn?: readonly string[] } = {}): string {
  const lines = errorsFirst(
    report.results.filter((r) => r.verdict !== 'pass'),
    (r) => r.verdict === 'fail',
  ).map((r) => annotation(r, o.prefix ?? ''));
  const count = (v: Verdict) => report.results.filter((r) => r.verdict === v).length;
  const hidden = hiddenAnnotationsNotice(
    `rfcgate ${report.rfc}`,
    count('fail'),
    count('halt'),
    'add --format sarif=gates.sarif or --format markdown=summary.md to keep every gate',
    o.keptIn,
  );
  if (hidden) lines.push(hidden);
  const summary =
    `${report.rfc} as of ${report.as_of}${report.snapshot_at ? ` (database a snapshot of ${report.snapshot_at})` : ''} on ${report.ref}${report.phase ? `, phase ${report.phase}` : ''}: ${report.verdict.toUpperCase()} ` +
    `(${count('fail')} fail, ${count('halt')} halt, ${count('pass')} pass)`;
  lines.push(command('notice', { title: `rfcgate ${report.rfc}` }, summary));
  return `${lines.join('\n')}\n`;
}

function annotation(r: GateResult, prefix: string): string {
  const verdict = r.verdict === 'halt' ? `halt (${r.halt_reason ?? 'error'})` : r.verdict;
  // A halt on text written elsewhere (a misspelt column in measurements.yaml) is annotated
  // where that text is, the line to edit; the gate's own place is said in the message.
  const at = r.cause ?? r.location;
  const gateAt = r.cause ? ` (${r.location.file}:${r.location.line}:${r.location.col})` : '';
  return command(
    r.verdict === 'fail' ? 'error' : 'warning',
    {
      file: prefix + at.file.replace(/\\/g, '/'),
      line: String(at.line),
      col: String(at.col),
      title: `${r.id} ${verdict}`,
    },
    `${r.reason ?? r.title}\n${r.kind.replace('_', ' ')} ${r.id} ${r.section}: ${r.title}${gateAt}`,
  );
}

/** `::name key=value,...::message`, escaped as the Actions runner decodes it. */
export function command(name: string, properties: Record<string, string>, message: string): string {
  // The Actions log renders escape sequences, and a message may quote a file's bytes (a
  // property a file's name): written out as the terminal reports do, but for the line breaks
  // escapeData encodes. A name with a control character then names no file to annotate; the
  // log stays what it says.
  const props = Object.entries(properties)
    .map(([k, v]) => `${k}=${escapeProperty(visible(v, { keepLines: true, inCommand: true }))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(visible(message, { keepLines: true, inCommand: true }))}`;
}

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

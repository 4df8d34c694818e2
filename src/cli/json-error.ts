/**
 * oclif's --json convention for a command that fails before it has a report: standard output
 * holds `{"error": {...}}` instead of nothing, so a CI step piping the report into jq reads
 * what went wrong rather than failing to parse an empty input. Standard error keeps the
 * human line either way.
 */
import { jsonReport } from '../formatters/visible.js';
import type { Problem } from '../spec/problems.js';

export interface JsonError {
  name: string;
  message: string;
  exit: number;
  /** A spec that cannot be used: each problem where a person must edit. */
  problems?: Problem[];
}

/**
 * Whether the command line asks for a JSON report on standard output, and for no other report
 * there: --json, or --format json (json=- too), before any `--`. Read from the words typed,
 * since a flag that did not parse may be the very error to report. With another report asked
 * for on standard output as well, whichever reads it would not expect JSON.
 */
export function asksJsonOnStdout(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  const onStdout = new Set<string>();
  args.forEach((a, i) => {
    if (a === '--json') onStdout.add('json');
    const value = a === '--format' ? args[i + 1] : a.startsWith('--format=') ? a.slice('--format='.length) : undefined;
    // As parseFormatFlags reads a value: trimmed, and `-` after '=' for standard output.
    const m = value === undefined ? null : /^\s*([^=]*?)\s*(?:=\s*(.*?)\s*)?$/.exec(value);
    if (m && (m[2] === undefined || m[2] === '-')) onStdout.add(m[1] ?? '');
  });
  return onStdout.size === 1 && onStdout.has('json');
}

/** The `--format` values and whether `--json` was typed, before any `--`: the reports a command line asks for. */
export function formatWords(argv: readonly string[]): { values: string[]; json: boolean } {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  const values: string[] = [];
  args.forEach((a, i) => {
    const value = a === '--format' ? args[i + 1] : a.startsWith('--format=') ? a.slice('--format='.length) : undefined;
    if (value !== undefined) values.push(value);
  });
  return { values, json: args.includes('--json') };
}

export function formatJsonError(e: JsonError): string {
  const { name, message, exit, problems } = e;
  return jsonReport({
    error: {
      name,
      message,
      exit,
      ...(problems
        ? {
            problems: problems.map((p) => ({
              file: p.file,
              line: p.line,
              col: p.col,
              severity: p.severity,
              message: p.message,
            })),
          }
        : {}),
    },
  });
}

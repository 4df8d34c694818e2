/**
 * `--format name[=file]`, repeatable: one evaluation, several reports. CI writes SARIF for
 * code scanning and Markdown for the job summary from the same run instead of querying twice.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { FORMATTERS, type FormatName } from '../formatters/index.js';
import type { GateReport } from '../model/result.js';
import { UsageError } from '../spec/problems.js';

export const FORMAT_NAMES = Object.keys(FORMATTERS) as FormatName[];

export interface Output {
  format: FormatName;
  /** Absent: standard output. */
  file?: string;
}

export function parseOutputs(values: string[] | undefined, json: boolean): Output[] {
  const outputs: Output[] = (values ?? []).map((v) => {
    const eq = v.indexOf('=');
    const name = (eq < 0 ? v : v.slice(0, eq)).trim();
    const file = eq < 0 ? undefined : v.slice(eq + 1).trim();
    if (!FORMAT_NAMES.includes(name as FormatName)) {
      throw new UsageError(
        `--format '${name}' is not a format; use one of ${FORMAT_NAMES.join(', ')} (name=file writes a file)`,
      );
    }
    if (file === '') throw new UsageError(`--format ${name}= needs a file name after '='`);
    return { format: name as FormatName, ...(file ? { file } : {}) };
  });
  if (json) outputs.push({ format: 'json' });
  const toStdout = outputs.filter((o) => !o.file);
  if (toStdout.length > 1) {
    throw new UsageError(
      `only one report can go to standard output (got ${toStdout.map((o) => o.format).join(' and ')}); write the others to files with --format name=file`,
    );
  }
  if (toStdout.length === 0) outputs.push({ format: 'table' });
  return outputs;
}

export function render(report: GateReport, format: FormatName, tty: { color: boolean; width?: number }): string {
  return format === 'table' ? FORMATTERS.table(report, tty) : FORMATTERS[format](report);
}

/** Files are written whole or not at all: a reader never sees half a report. */
export function writeOutputs(report: GateReport, outputs: Output[], tty: { color: boolean; width?: number }): void {
  for (const o of outputs) {
    const text = render(report, o.format, o.file ? { color: false } : tty);
    if (!o.file) {
      process.stdout.write(text);
      continue;
    }
    const tmp = `${o.file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, o.file);
  }
}

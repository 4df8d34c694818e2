/** gate check's reports: `--format name[=file]` (see format-flags.ts) and writing them. */
import { type FormatOptions, FORMATTERS, type FormatName } from '../formatters/index.js';
import type { GateReport } from '../model/result.js';
import { type FormatOutput, keptFiles, parseFormatFlags, writeReports } from './format-flags.js';

export const FORMAT_NAMES = Object.keys(FORMATTERS) as FormatName[];

export type Output = FormatOutput<FormatName>;

export function parseOutputs(values: string[] | undefined, json: boolean): Output[] {
  return parseFormatFlags(values, json, { names: FORMAT_NAMES, fallback: 'table', what: 'a format' });
}

export function render(report: GateReport, format: FormatName, o: FormatOptions): string {
  return FORMATTERS[format](report, o);
}

/** To standard output, or to files written whole or not at all (writeReports). */
export function writeOutputs(report: GateReport, outputs: Output[], o: FormatOptions): Promise<void> {
  const keptIn = keptFiles(outputs, 'github');
  return writeReports(outputs, (format, toFile) => {
    const base = toFile
      ? { color: false, ...(o.prefix ? { prefix: o.prefix } : {}), ...(o.only ? { only: o.only } : {}) }
      : o;
    return render(report, format, format === 'github' && keptIn.length ? { ...base, keptIn } : base);
  });
}

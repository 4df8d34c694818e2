/** gate check's reports: `--format name[=file]` (see format-flags.ts) and writing them. */
import type { FormatOptions } from '../formatters/index.js';
import { FORMAT_NAMES, type FormatName } from '../formatters/names.js';
import type { GateReport } from '../model/result.js';
import { type FormatOutput, keptFiles, parseFormatFlags, writeReports } from './format-flags.js';

export { FORMAT_NAMES };

export type Output = FormatOutput<FormatName>;

export function parseOutputs(values: string[] | undefined, json: boolean): Output[] {
  return parseFormatFlags(values, json, { names: FORMAT_NAMES, fallback: 'table', what: 'a format' });
}

/** To standard output, or to files written whole or not at all (writeReports). */
export async function writeOutputs(report: GateReport, outputs: Output[], o: FormatOptions): Promise<void> {
  // Loaded once there is a report: parsing --format needs only the names.
  const { FORMATTERS } = await import('../formatters/index.js');
  const render = (format: FormatName, opts: FormatOptions) => FORMATTERS[format](report, opts);
  const keptIn = keptFiles(outputs, 'github');
  return writeReports(outputs, (format, toFile) => {
    const base = toFile
      ? { color: false, ...(o.prefix ? { prefix: o.prefix } : {}), ...(o.only ? { only: o.only } : {}) }
      : o;
    return render(format, format === 'github' && keptIn.length ? { ...base, keptIn } : base);
  });
}

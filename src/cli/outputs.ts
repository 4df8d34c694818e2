/** gate check's reports: `--format name[=file]` (see format-flags.ts) and writing them. */
import { renameSync, writeFileSync } from 'node:fs';
import { FORMATTERS, type FormatName } from '../formatters/index.js';
import type { GateReport } from '../model/result.js';
import { type FormatOutput, parseFormatFlags } from './format-flags.js';

export const FORMAT_NAMES = Object.keys(FORMATTERS) as FormatName[];

export type Output = FormatOutput<FormatName>;

export function parseOutputs(values: string[] | undefined, json: boolean): Output[] {
  return parseFormatFlags(values, json, { names: FORMAT_NAMES, fallback: 'table', what: 'a format' });
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

/**
 * measure check's report: one line per SQL measurement in file order, each opening with its
 * `file:line:col` as a linter's do (a rejected query at the text to fix), then a count; or
 * the report as JSON.
 */
import type { MeasureCheckEntry, MeasureCheckReport } from '../engine/measure-check.js';
import { jsonReport, shown } from './visible.js';

export const MEASURE_CHECK_FORMATS = ['table', 'json'] as const;
export type MeasureCheckFormat = (typeof MEASURE_CHECK_FORMATS)[number];

export function formatMeasureCheck(r: MeasureCheckReport, format: MeasureCheckFormat): string {
  return format === 'json' ? jsonReport(r) : measureCheckTable(r);
}

const WORD: Record<MeasureCheckEntry['status'], string> = { ok: 'ok', problem: 'PROBLEM', halt: 'HALT' };

function line(e: MeasureCheckEntry): string {
  const at = `${e.location.file}:${e.location.line}:${e.location.col}`;
  const why = e.message === undefined ? '' : `  ${shown(e.message)}${e.key ? ` (${e.key})` : ''}`;
  const halt = e.halt ? ` ${e.halt}` : '';
  return `${shown(at)}  ${WORD[e.status]}${halt}  ${shown(e.id)}${why}`;
}

function measureCheckTable(r: MeasureCheckReport): string {
  const count = (s: MeasureCheckEntry['status']) => r.measurements.filter((e) => e.status === s).length;
  const databases = [...new Set(r.measurements.flatMap((e) => (e.database ? [e.database] : [])))];
  const others =
    r.other_sources === 0
      ? ''
      : `; ${r.other_sources} measurement${r.other_sources === 1 ? '' : 's'} of other sources read no database`;
  if (r.measurements.length === 0) return `${shown(r.rfc)} has no SQL measurement to check${others}\n`;
  const n = r.measurements.length;
  const summary = [
    `${count('ok')} of ${n} SQL measurement${n === 1 ? '' : 's'} of ${shown(r.rfc)} planned by the database`,
    count('problem') ? `${count('problem')} rejected as written` : '',
    count('halt') ? `${count('halt')} not checked` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const where = databases.length ? ` (${databases.map(shown).join(', ')})` : '';
  return `${r.measurements.map(line).join('\n')}\n${summary}${where}; no row was read${others}\n`;
}

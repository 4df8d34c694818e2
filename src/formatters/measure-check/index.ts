/**
 * measure check's report: one line per SQL measurement in file order, each opening with its
 * `file:line:col` as a linter's do (a rejected query at the text to fix), then a count; the
 * report as JSON; GitHub workflow annotations at the lines to fix; or Markdown for a PR
 * comment or a CI step summary, the measurements that are not ok in a table.
 */
import type { MeasureCheckEntry, MeasureCheckReport } from '../../engine/measure-check.js';
import { command, errorsFirst, hiddenAnnotationsNotice } from '../github.js';
import { cell, codeCell } from '../markdown.js';
import { asIs, inertMarkup, jsonReport, type Show, shown } from '../visible.js';
import type { MeasureCheckFormat } from './names.js';

/** `prefix`: the root's place below the repository's top ('svc/'), from which GitHub reads paths. */
export function formatMeasureCheck(r: MeasureCheckReport, format: MeasureCheckFormat, prefix = ''): string {
  switch (format) {
    case 'json':
      return jsonReport(r);
    case 'github':
      return measureCheckGithub(r, prefix);
    case 'markdown':
      return measureCheckMarkdown(r);
    case 'table':
      return measureCheckTable(r);
  }
}

const WORD: Record<MeasureCheckEntry['status'], string> = { ok: 'ok', problem: 'PROBLEM', halt: 'HALT' };

function line(e: MeasureCheckEntry): string {
  const at = `${e.location.file}:${e.location.line}:${e.location.col}`;
  const why = e.message === undefined ? '' : `  ${shown(e.message)}${e.key ? ` (${e.key})` : ''}`;
  const halt = e.halt ? ` ${e.halt}` : '';
  return `${shown(at)}  ${WORD[e.status]}${halt}  ${shown(e.id)}${why}`;
}

/** A rejected query an error at the text to fix; one that could not be checked a warning at its sql: block. */
function measureCheckGithub(r: MeasureCheckReport, prefix: string): string {
  const flagged = errorsFirst(
    r.measurements.filter((e) => e.status !== 'ok'),
    (e) => e.status === 'problem',
  );
  const lines = flagged.map((e) =>
    command(
      e.status === 'problem' ? 'error' : 'warning',
      {
        file: prefix + e.location.file.replace(/\\/g, '/'),
        line: String(e.location.line),
        col: String(e.location.col),
        title: `${e.id} ${e.status === 'problem' ? 'rejected by the database' : `not checked (${e.halt ?? 'error'})`}`,
      },
      `${e.message ?? ''}${e.key ? ` (${e.key})` : ''}`,
    ),
  );
  const title = `rfcgate measure check ${r.rfc}`;
  const hidden = hiddenAnnotationsNotice(
    title,
    flagged.filter((e) => e.status === 'problem').length,
    flagged.filter((e) => e.status === 'halt').length,
    'run measure check without --format github to list them all',
  );
  if (hidden) lines.push(hidden);
  lines.push(command('notice', { title }, summaryLine(r, asIs)));
  return `${lines.join('\n')}\n`;
}

/** `show`: how text from the spec and the database is written (made inert for a terminal's log, or as is). */
function summaryLine(r: MeasureCheckReport, show: Show = shown): string {
  const count = (s: MeasureCheckEntry['status']) => r.measurements.filter((e) => e.status === s).length;
  const databases = [...new Set(r.measurements.flatMap((e) => (e.database ? [e.database] : [])))];
  const others =
    r.other_sources === 0
      ? ''
      : `; ${r.other_sources} measurement${r.other_sources === 1 ? '' : 's'} of other sources read no database`;
  const n = r.measurements.length;
  const summary = [
    `${count('ok')} of ${n} SQL measurement${n === 1 ? '' : 's'} of ${show(r.rfc)} planned by the database`,
    count('problem') ? `${count('problem')} rejected as written` : '',
    count('halt') ? `${count('halt')} not checked` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const where = databases.length ? ` (${databases.map(show).join(', ')})` : '';
  return `${summary}${where}; no row was read${others}`;
}

function measureCheckTable(r: MeasureCheckReport): string {
  return `${[...r.measurements.map(line), summaryLine(r)].join('\n')}\n`;
}

const VERDICT_WORD = { pass: 'PASS', fail: 'FAIL', halt: 'HALT' } as const;

function measureCheckMarkdown(r: MeasureCheckReport): string {
  const out = [`### ${cell(r.rfc)} measure check: ${VERDICT_WORD[r.verdict]}`, '', `${cell(summaryLine(r, asIs))}.`];
  const flagged = r.measurements.filter((e) => e.status !== 'ok');
  if (flagged.length) {
    out.push('', '| measurement | where | status | what |', '| --- | --- | --- | --- |');
    for (const e of flagged) {
      const at = `${e.location.file}:${e.location.line}:${e.location.col}${e.key ? ` (${e.key})` : ''}`;
      const status = e.status === 'problem' ? 'rejected' : `not checked (${e.halt ?? 'error'})`;
      out.push(`| ${cell(e.id)} | ${codeCell(at)} | ${status} | ${cell(e.message ?? '')} |`);
    }
  }
  // Names and the database's messages, quoted in cells: inert in a CI log.
  return `${inertMarkup(out.join('\n'))}\n`;
}

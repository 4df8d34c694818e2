/**
 * Pure formatters of a CiteReport: a table, JSON (deterministic), SARIF and Markdown.
 * The summary line counts verdicts the way reviewers write them ("39 VERIFIED + 7 DRIFT +
 * 4 REFUTED + 2 SOURCE_ONLY").
 */
import { styleText } from 'node:util';
import { CITE_VERDICTS, type CiteReport, type CiteVerdict } from '../../cite/verify.js';
import { BORDER_GREY, drawTable, HEAD_BOLD } from '../box-table.js';
import { cell, codeCell, codeSpan } from '../markdown.js';
import { formatCiteSarif } from './sarif.js';
import { inertMarkup, jsonReport, visible } from '../visible.js';
import type { CiteFormat } from './names.js';

export function formatCite(
  r: CiteReport,
  format: CiteFormat,
  tty: { color: boolean; width?: number } = { color: false },
): string {
  switch (format) {
    case 'table':
      return citeTable(r, tty);
    case 'json':
      return jsonReport(r);
    case 'sarif':
      return formatCiteSarif(r);
    case 'markdown':
      return citeMarkdown(r);
  }
}

const COLOUR: Record<CiteVerdict, 'green' | 'yellow' | 'red' | 'grey'> = {
  VERIFIED: 'green',
  SOURCE_ONLY: 'grey',
  DRIFT: 'yellow',
  AMBIGUOUS: 'yellow',
  REFUTED: 'red',
  NOT_FOUND: 'red',
};

/** `39 VERIFIED + 7 DRIFT + 4 REFUTED + 2 SOURCE_ONLY`, only the verdicts that occur. */
export function citeCounts(r: CiteReport): string {
  const parts = CITE_VERDICTS.filter((v) => r.counts[v] > 0).map((v) => `${r.counts[v]} ${v}`);
  return parts.length ? parts.join(' + ') : 'no citations';
}

/** The table's heading: the document's path and the refs as a terminal shows them (visible). */
function headline(r: CiteReport): string {
  const since = r.since
    ? `, citations and files changed since ${visible(r.since.ref)} (${r.since.unchanged} unchanged citation${r.since.unchanged === 1 ? '' : 's'} left out)`
    : '';
  return `${visible(r.document)} against ${visible(r.ref)}${r.sha ? ` (${visible(r.sha.slice(0, 7))})` : ''}${since}`;
}

/** Said when no cited file is in the tree: the usual cause is running outside the governed repository. */
function hint(r: CiteReport): string | undefined {
  const n = r.citations.length;
  if (n === 0 || r.counts.NOT_FOUND !== n) return undefined;
  // A reason that says more (renamed, a folder, a link read from the document's folder) knows this tree.
  if (r.citations.some((c) => !c.reason.endsWith(`in the tree at ${r.ref}`))) return undefined;
  return `none of the ${n} cited files is in this tree: the document cites another repository's code; run this inside that repository (or pass --root)`;
}

export function citeTable(r: CiteReport, tty: { color: boolean; width?: number }): string {
  const paint = (v: CiteVerdict, s: string) => (tty.color ? styleText(COLOUR[v], s, { validateStream: false }) : s);
  if (r.halt) return `${headline(r)}\nHALT: ${visible(r.halt)}\n`;
  // A citation as written and its reason quote the document and the files it cites: shown,
  // not obeyed, and measured as shown.
  const rows = r.citations.map((c) => ({ c, id: visible(c.id), reason: visible(c.reason) }));
  const width = Math.max(80, tty.width ?? 120);
  const citeWidth = Math.min(48, Math.max(10, ...rows.map((x) => x.id.length)) + 2);
  const reasonWidth = Math.max(30, width - 13 - 7 - citeWidth - 5);
  const table = drawTable(
    ['verdict', 'line', 'citation', 'detail'],
    rows.map(({ c, id, reason }) => [paint(c.verdict, c.verdict), String(c.location.line), id, reason]),
    {
      colWidths: [13, 7, citeWidth, reasonWidth],
      wordWrap: true,
      ...(tty.color ? { head: HEAD_BOLD, border: BORDER_GREY } : {}),
    },
  );
  const out = [headline(r)];
  if (r.citations.length) out.push(table);
  out.push(`${citeCounts(r)}: ${r.verdict === 'pass' ? 'PASS' : 'FAIL'}`);
  const h = hint(r);
  if (h) out.push(h);
  return `${out.join('\n')}\n`;
}

export function citeMarkdown(r: CiteReport): string {
  const mark: Record<CiteVerdict, string> = {
    VERIFIED: '✅',
    SOURCE_ONLY: '➖',
    DRIFT: '⚠️',
    AMBIGUOUS: '⚠️',
    REFUTED: '❌',
    NOT_FOUND: '❌',
  };
  const lines = [`### ${r.verdict === 'pass' ? '✅' : r.halt ? '⏸' : '❌'} Citations of ${codeSpan(r.document)}`, ''];
  if (r.halt) return inertMarkup([...lines, `Halted: ${cell(r.halt)}`, ''].join('\n'));
  lines.push(`Against ${codeSpan(r.ref)}${r.sha ? ` (${codeSpan(r.sha.slice(0, 7))})` : ''}: ${citeCounts(r)}.`, '');
  const h = hint(r);
  if (h) lines.push(`> ${cell(h)}`, '');
  const order = (v: CiteVerdict) =>
    ['REFUTED', 'NOT_FOUND', 'DRIFT', 'AMBIGUOUS', 'SOURCE_ONLY', 'VERIFIED'].indexOf(v);
  const rows = r.citations
    .map((c, i) => ({ c, i }))
    .sort((a, b) => order(a.c.verdict) - order(b.c.verdict) || a.i - b.i)
    .map(({ c }) => `| ${mark[c.verdict]} ${c.verdict} | ${c.location.line} | ${codeCell(c.id)} | ${cell(c.reason)} |`);
  if (rows.length) lines.push('| verdict | line | citation | detail |', '| --- | --- | --- | --- |', ...rows, '');
  // Citations quote the document in code spans, where the cells' escapes do not reach.
  return inertMarkup(lines.join('\n'));
}

/**
 * Pure formatters of a ComparatorReport: a human table, JSON (deterministic: the report's
 * own key order, no timings), and Markdown for a PR comment or a CI step summary.
 */
import type { EventTableCheck } from '../../comparator/events.js';
import { type ComparatorReport, type PairResult, selfTestSummary } from '../../comparator/run.js';
import { boxTable } from '../box-table.js';
import { cell, codeCell, codeSpan } from '../markdown.js';
import { asIs, inertMarkup, jsonReport, type Show, shown } from '../visible.js';
import type { ComparatorFormat } from './names.js';

export function formatComparator(r: ComparatorReport, format: ComparatorFormat): string {
  switch (format) {
    case 'table':
      return comparatorTable(r);
    case 'json':
      return jsonReport(r);
    case 'markdown':
      return comparatorMarkdown(r);
  }
}

const VERDICT_WORD: Record<ComparatorReport['verdict'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  halt: 'HALT',
  went_dark: 'WENT DARK',
};

function keyText(key: Record<string, string>, show: Show = asIs): string {
  const entries = Object.entries(key);
  return entries.length === 1
    ? show(String(entries[0]?.[1]))
    : entries.map(([k, v]) => `${show(k)}=${show(v)}`).join(', ');
}

function pairLine(p: PairResult): string {
  const state = p.state ? ` [window: ${p.state}]` : '';
  return `${VERDICT_WORD[p.verdict]}  ${shown(p.id)}: ${shown(p.canonical)} ↔ ${shown(p.shadow)} on (${p.key.map(shown).join(', ')})${state}`;
}

/**
 * The pair's reason without the self-test's, which opens it when the self-test did not pass:
 * the self-test has a line of its own, and the reason printed above it said the same again.
 */
function ownReason(p: PairResult): string | null {
  const reason = withoutFirstProblem(p);
  if (!reason || !p.self_test || p.self_test.status === 'passed') return reason;
  const summary = selfTestSummary(p.self_test);
  if (!reason.startsWith(summary)) return reason;
  return reason.slice(summary.length).replace(/^; /, '') || null;
}

/**
 * A coverage error's reason quotes its first problem, for a reader of the reason alone; the
 * problems are listed right below it with their locations, so there the count says enough.
 */
function withoutFirstProblem(p: PairResult): string | null {
  const first = p.coverage[0];
  if (!p.reason || p.status !== 'coverage_error' || !first) return p.reason;
  const quoted = `: ${first.message}`;
  return p.reason.endsWith(quoted) ? p.reason.slice(0, -quoted.length) : p.reason;
}

function details(p: PairResult, show: Show = asIs): string[] {
  const lines: string[] = [];
  const reason = ownReason(p);
  if (reason) lines.push(`  ${show(reason)}`);
  for (const c of p.coverage)
    lines.push(`  ${show(c.location.file)}:${c.location.line}:${c.location.col}: ${show(c.message)}`);
  for (const k of p.key_problems) {
    for (const d of k.duplicates)
      lines.push(`  ${show(k.table)}: duplicate key ${keyText(d.key, show)} (${d.rows} rows)`);
  }
  if (p.self_test) {
    const st = p.self_test;
    lines.push(
      st.status === 'passed'
        ? `  self-test passed: a planted ${Object.keys(st.detected).join(', ')} divergence was each detected (${show(String(st.mismatch_column))} named), and rolled back`
        : `  ${show(selfTestSummary(st))} (rolled back)`,
    );
  }
  if (p.status === 'covered')
    lines.push(
      `  ${p.compared.length} column${p.compared.length === 1 ? '' : 's'} compared, ${p.excluded.length} excluded with a reason`,
    );
  if (p.status === 'clean')
    lines.push(
      `  no divergence over ${p.compared.length} compared column${p.compared.length === 1 ? '' : 's'}${p.cutoff ? ` (keys written since ${show(p.cutoff)} skipped)` : ''}`,
    );
  return lines;
}

/** record.events' table, under the pairs: one table takes every pair's events. */
function eventsLine(e: EventTableCheck, show: Show = asIs): string {
  return `${VERDICT_WORD[e.verdict]}  record.events: ${show(e.table)}`;
}

function eventsDetails(e: EventTableCheck, show: Show = asIs): string[] {
  const lines: string[] = [];
  if (e.reason) lines.push(`  ${show(e.reason)}`);
  for (const p of e.problems)
    lines.push(`  ${show(p.location.file)}:${p.location.line}:${p.location.col}: ${show(p.message)}`);
  if (e.verdict === 'pass') lines.push("  takes the comparator's events (event_type, recorded_at, payload)");
  return lines;
}

export function comparatorTable(r: ComparatorReport): string {
  const out: string[] = [`${shown(r.rfc)} comparator ${r.mode} as of ${shown(r.as_of)} on ${shown(r.database)}`];
  for (const p of r.pairs) {
    out.push('', pairLine(p), ...details(p, shown));
    if (p.counts && p.counts.divergent > 0) {
      const { canonical_missing, shadow_missing, value_mismatch, divergent } = p.counts;
      out.push(
        boxTable(
          ['canonical_missing', 'shadow_missing', 'value_mismatch', 'divergent'],
          [[canonical_missing, shadow_missing, value_mismatch, divergent]],
        ),
      );
      const cols = Object.entries(p.columns);
      if (cols.length)
        out.push(
          boxTable(
            ['column', 'value mismatches'],
            cols.map(([c, n]) => [shown(c), n]),
          ),
        );
      // One row per listed key, as many as --limit lets through (tens of thousands): see boxTable.
      if (p.rows.length)
        out.push(
          boxTable(
            ['key', 'kind', 'divergent columns'],
            p.rows.map((row) => [keyText(row.key, shown), row.kind, row.columns.map(shown).join(', ')]),
          ),
        );
      // Also with no key listed at all (--limit 0): the counts alone must not read as the whole list.
      if (p.truncated)
        out.push(
          `  (${p.rows.length} of ${p.counts.divergent} divergent key${p.counts.divergent === 1 ? '' : 's'} listed; raise --limit for more)`,
        );
    }
  }
  if (r.record_events) out.push('', eventsLine(r.record_events, shown), ...eventsDetails(r.record_events, shown));
  out.push('', `verdict: ${VERDICT_WORD[r.verdict]}`);
  return `${out.join('\n')}\n`;
}

export function comparatorMarkdown(r: ComparatorReport): string {
  const out: string[] = [
    `### ${r.rfc} shadow comparator (${r.mode}): ${VERDICT_WORD[r.verdict]}`,
    '',
    `As of ${r.as_of}.`,
    '',
    '| pair | tables | verdict | window | canonical_missing | shadow_missing | value_mismatch |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of r.pairs) {
    const c = p.counts;
    out.push(
      `| ${cell(p.id)} | ${codeCell(p.canonical)} ↔ ${codeCell(p.shadow)} | ${VERDICT_WORD[p.verdict]} | ${p.state ?? '—'} | ${c?.canonical_missing ?? '—'} | ${c?.shadow_missing ?? '—'} | ${c?.value_mismatch ?? '—'} |`,
    );
  }
  for (const p of r.pairs) {
    const lines = details(p).map((l) => `- ${cell(l.trim())}`);
    const rows = p.rows.map(
      (row) =>
        `- ${codeSpan(keyText(row.key))} ${row.kind}${row.columns.length ? `: ${row.columns.map(codeSpan).join(', ')}` : ''}`,
    );
    if (!lines.length && !rows.length) continue;
    out.push('', `**${cell(p.id)}**`, '', ...lines, ...rows);
    if (p.truncated && p.counts) {
      const more = p.counts.divergent - p.rows.length;
      out.push(`- … ${more} more divergent key${more === 1 ? '' : 's'}`);
    }
  }
  if (r.record_events) {
    const e = r.record_events;
    out.push(
      '',
      `**record.events** ${codeSpan(e.table)}: ${VERDICT_WORD[e.verdict]}`,
      '',
      ...eventsDetails(e).map((l) => `- ${cell(l.trim())}`),
    );
  }
  // Names, messages and a model's findings, quoted in code spans and cells: inert in a CI log.
  return `${inertMarkup(out.join('\n'))}\n`;
}

/**
 * Pure formatters of a council round: a plain-text report for the terminal, JSON (the
 * record itself, stable key order) and Markdown (the ledger's summary, or a PR comment).
 */
import type { OpenFinding } from '../../council/contract.js';
import type { CouncilRound, RecordedLane } from '../../council/ledger.js';
import { cell, codeSpan } from '../markdown.js';
import { asIs, inertMarkup, jsonReport, type Show, shown } from '../visible.js';

export const COUNCIL_FORMATS = ['table', 'json', 'markdown'] as const;
export type CouncilFormat = (typeof COUNCIL_FORMATS)[number];

/**
 * `now`: what the round vouches for today when that is not what it recorded (the document
 * changed since it was reviewed), shown beside the recorded verdict by `council status`. The
 * JSON is the record itself, so it carries no such line.
 */
export function formatCouncil(r: CouncilRound, format: CouncilFormat, now?: string): string {
  switch (format) {
    case 'table':
      return councilText(r, now);
    case 'json':
      return jsonReport(r);
    case 'markdown':
      return councilMarkdown(r, now);
  }
}

function counts(l: RecordedLane, show: Show = asIs): string {
  if (l.status === 'failed') return `FAILED (${l.failure?.kind ?? 'error'}): ${show(l.failure?.message ?? '')}`;
  const by = new Map<string, number>();
  for (const f of l.findings) by.set(f.severity, (by.get(f.severity) ?? 0) + 1);
  return by.size ? [...by].map(([s, n]) => `${n} ${show(s)}`).join(', ') : 'no findings';
}

function verdictLine(r: CouncilRound, show: Show = asIs): string {
  const c = r.contract;
  if (c.verdict === 'fail') {
    return `FAIL: ${c.open_blocks} open BLOCK${c.open_blocks === 1 ? '' : 's'}; the contract requires a ${show(c.requires ?? 'redraft')}`;
  }
  if (c.verdict === 'halt')
    return `HALT: lane${c.failed_lanes.length === 1 ? '' : 's'} failed (${c.failed_lanes.map(show).join(', ')})`;
  return 'PASS: no open BLOCK';
}

/** Open findings of earlier rounds that no lane answered for in this one, with why. */
function unreviewed(r: CouncilRound): [string, OpenFinding][] {
  return [
    ...r.diff.carried.map((f): [string, OpenFinding] => ['lane failed', f]),
    ...(r.diff.orphaned ?? []).map((f): [string, OpenFinding] => ['lane left council.yaml', f]),
  ];
}

function tokenLine(l: RecordedLane): string {
  const t = `${l.tokens.input} input tokens (${l.tokens.method === 'counted' ? 'counted by the API' : 'estimate'})`;
  const u = l.usage;
  const cache = u
    ? `cache read ${u.cache_read_input_tokens}, cache write ${u.cache_creation_input_tokens}, uncached input ${u.input_tokens}, output ${u.output_tokens}`
    : 'no usage reported';
  return `${t}; ${cache}; ${l.attempts} request${l.attempts === 1 ? '' : 's'}`;
}

export function councilText(r: CouncilRound, now?: string): string {
  const out = [
    `${shown(r.rfc)} ${shown(r.version)} council round ${r.round} at ${shown(r.run_at)}`,
    `document ${shown(r.document.path)} sha256 ${shown(r.document.sha256)}`,
    '',
  ];
  for (const f of r.facts) out.push(`fact ${shown(f.id)}: ${shown(f.summary)}`);
  if (r.facts.length) out.push('');
  for (const l of r.lanes) {
    out.push(`${shown(l.id)} (${shown(l.model)}): ${counts(l, shown)}`);
    for (const p of l.failure?.problems ?? []) out.push(`    ${shown(p)}`);
    for (const f of l.findings) {
      out.push(`  [${shown(f.severity)}] ${shown(f.section)} ${shown(f.claim)} (${f.status}, ${shown(f.key)})`);
      // A verified claim carries no fix; a 'fix: -' line under it read as one owed.
      if (f.suggested_fix.trim()) out.push(`      fix: ${shown(f.suggested_fix)}`);
    }
  }
  out.push('');
  out.push(
    `diff: ${r.diff.new.length} new, ${r.diff.persisted.length} persisted, ${r.diff.resolved.length} resolved` +
      (r.diff.carried.length ? `, ${r.diff.carried.length} carried (lane failed)` : '') +
      (r.diff.orphaned?.length ? `, ${r.diff.orphaned.length} carried (lane left council.yaml)` : '') +
      (r.diff.previous ? ` since ${shown(r.diff.previous)}` : ' (first round)'),
  );
  for (const f of r.diff.resolved) {
    out.push(`  resolved [${shown(f.severity)}] ${shown(f.lane)} ${shown(f.section)} ${shown(f.claim)}`);
  }
  // Still open though no lane reviewed them this round: a carried BLOCK fails the round, so it is named.
  for (const [why, f] of unreviewed(r)) {
    out.push(`  still open (${why}) [${shown(f.severity)}] ${shown(f.lane)} ${shown(f.section)} ${shown(f.claim)}`);
  }
  out.push('');
  out.push('tokens and cache:');
  for (const l of r.lanes) out.push(`  ${shown(l.id)}: ${tokenLine(l)}`);
  const u = r.totals.usage;
  const cached = u.cache_read_input_tokens + u.cache_creation_input_tokens + u.input_tokens;
  out.push(
    `  total: ${r.totals.tokens} input tokens (${r.totals.tokens_method}); cache read ${u.cache_read_input_tokens}, cache write ${u.cache_creation_input_tokens}, uncached ${u.input_tokens}, output ${u.output_tokens}; cache hit ratio ${cached ? ((100 * u.cache_read_input_tokens) / cached).toFixed(1) : '0.0'}%`,
  );
  for (const w of r.warm) {
    out.push(
      `  cache warm-up (${shown(w.model)}): ${w.usage ? `cache write ${w.usage.cache_creation_input_tokens}, cache read ${w.usage.cache_read_input_tokens}` : `failed: ${shown(w.error ?? '')}`}`,
    );
  }
  out.push('');
  out.push(verdictLine(r, shown));
  for (const n of r.contract.notes) out.push(`  ${shown(n)}`);
  if (now !== undefined) out.push(`now: ${shown(now)}`);
  out.push(`stored ${shown(r.files.json)} and ${shown(r.files.markdown)}`);
  return `${out.join('\n')}\n`;
}

export function councilMarkdown(r: CouncilRound, now?: string): string {
  const out = [
    `# ${r.rfc} ${r.version}: council round ${r.round}`,
    '',
    `- run at: ${r.run_at}`,
    `- document: ${codeSpan(r.document.path)}, sha256 ${codeSpan(r.document.sha256)}`,
    `- verdict: **${verdictLine(r)}**`,
    ...(now === undefined ? [] : [`- now: **${now}**`]),
    ...r.contract.notes.map((n) => `- note: ${n}`),
    `- diff: ${r.diff.new.length} new, ${r.diff.persisted.length} persisted, ${r.diff.resolved.length} resolved` +
      (r.diff.carried.length ? `, ${r.diff.carried.length} carried (lane failed)` : '') +
      (r.diff.orphaned?.length ? `, ${r.diff.orphaned.length} carried (lane left council.yaml)` : '') +
      (r.diff.previous ? ` since ${codeSpan(r.diff.previous)}` : ' (first round)'),
    '',
    '| lane | model | result | input tokens | cache read | cache write |',
    '|---|---|---|---|---|---|',
  ];
  for (const l of r.lanes) {
    out.push(
      `| ${l.id} | ${l.model} | ${cell(counts(l))} | ${l.tokens.input}${l.tokens.method === 'estimate' ? ' (estimate)' : ''} | ${l.usage?.cache_read_input_tokens ?? '-'} | ${l.usage?.cache_creation_input_tokens ?? '-'} |`,
    );
  }
  if (r.facts.length) {
    out.push('', '## Facts given to the lanes', '');
    for (const f of r.facts) out.push(`- ${codeSpan(f.id)}: ${cell(f.summary)}`);
  }
  for (const l of r.lanes) {
    if (!l.findings.length) continue;
    out.push(
      '',
      `## ${l.title}`,
      '',
      '| severity | section | claim | evidence | suggested fix | status |',
      '|---|---|---|---|---|---|',
    );
    for (const f of l.findings) {
      out.push(
        `| ${f.severity} | ${cell(f.section)} | ${cell(f.claim)} | ${cell(f.evidence)} | ${cell(f.suggested_fix)} | ${f.status} |`,
      );
    }
  }
  const still = unreviewed(r);
  if (still.length) {
    out.push('', '## Still open, not reviewed in this round', '');
    for (const [why, f] of still) out.push(`- [${f.severity}] ${f.lane} ${cell(f.section)}: ${cell(f.claim)} (${why})`);
  }
  if (r.diff.resolved.length) {
    out.push('', '## Resolved since the previous round', '');
    for (const f of r.diff.resolved) out.push(`- [${f.severity}] ${f.lane} ${cell(f.section)}: ${cell(f.claim)}`);
  }
  // Names, messages and a model's findings, quoted in code spans and cells: inert in a CI log.
  return `${inertMarkup(out.join('\n'))}\n`;
}

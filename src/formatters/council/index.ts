/**
 * Pure formatters of a council round: a plain-text report for the terminal, JSON (the
 * record itself, stable key order) and Markdown (the ledger's summary, or a PR comment).
 */
import type { OpenFinding } from '../../council/contract.js';
import type { CouncilRound, RecordedFinding, RecordedLane } from '../../council/ledger.js';
import type { Usage } from '../../council/run.js';
import { cell, codeSpan } from '../markdown.js';
import { asIs, inertMarkup, jsonReport, type Show, shown } from '../visible.js';
import type { CouncilFormat } from './names.js';

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

/**
 * What of a finding's section names no heading of the document the round reviewed, or
 * undefined when it names one (or the round predates the check). A record mended by hand
 * without the list still says which section.
 */
function unfoundSections(f: RecordedFinding): string[] | undefined {
  if (f.section_found !== false) return undefined;
  const m = f.missing_sections;
  return Array.isArray(m) && m.length && m.every((s) => typeof s === 'string') ? m : [f.section];
}

function notAHeading(names: string[], path: string): string {
  return `${names.join(', ')} ${names.length === 1 ? 'is not a heading' : 'are not headings'} of ${path}`;
}

/** What the API billed as input: every input token is a cache read, a cache write or uncached. */
function inputOf(u: Usage): number {
  return u.cache_read_input_tokens + u.cache_creation_input_tokens + u.input_tokens;
}

function inputSplit(u: Usage): string {
  return `input ${inputOf(u)} = cache read ${u.cache_read_input_tokens} + cache write ${u.cache_creation_input_tokens} + uncached ${u.input_tokens}`;
}

const METHOD: Record<CouncilRound['totals']['tokens_method'], string> = {
  counted: 'counted by the API',
  estimate: 'estimate',
  mixed: 'counted by the API for some lanes, estimated for others',
};

/**
 * The size measured before sending is shown apart from the input the answer reported: an
 * estimate never equals the billed input exactly, and printed as "input tokens" beside the
 * cache figures it looked like a total that did not add up.
 */
function tokenLine(l: RecordedLane): string {
  const sent = `${l.tokens.input} before sending (${METHOD[l.tokens.method]})`;
  const requests = `${l.attempts} request${l.attempts === 1 ? '' : 's'}`;
  const u = l.usage;
  if (!u) return `no usage reported; ${requests}; ${sent}`;
  return `${inputSplit(u)}; output ${u.output_tokens}; ${requests}; ${sent}`;
}

function cacheHitRatio(u: Usage): string {
  const all = inputOf(u);
  return `${all ? ((100 * u.cache_read_input_tokens) / all).toFixed(1) : '0.0'}%`;
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
      const unfound = unfoundSections(f);
      if (unfound) out.push(`      note: ${shown(notAHeading(unfound, r.document.path))}`);
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
  out.push('tokens and cache (input = cache read + cache write + uncached, as the API reported it):');
  // The warm-up first: it wrote the cache the lanes read, and the total counts it.
  for (const w of r.warm) {
    out.push(
      `  cache warm-up (${shown(w.model)}): ${w.usage ? `${inputSplit(w.usage)}; output ${w.usage.output_tokens}` : w.skipped ? `not sent: ${shown(w.skipped)}` : `failed: ${shown(w.error ?? '')}`}`,
    );
  }
  for (const l of r.lanes) out.push(`  ${shown(l.id)}: ${tokenLine(l)}`);
  const u = r.totals.usage;
  out.push(
    `  total${r.warm.some((w) => !w.skipped) ? ' (warm-up and lanes)' : ''}: ${inputSplit(u)}; output ${u.output_tokens}; cache hit ratio ${cacheHitRatio(u)}; lanes ${r.totals.tokens} before sending (${METHOD[r.totals.tokens_method]})`,
  );
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
    ...r.contract.notes.map((n) => `- note: ${cell(n)}`),
    `- diff: ${r.diff.new.length} new, ${r.diff.persisted.length} persisted, ${r.diff.resolved.length} resolved` +
      (r.diff.carried.length ? `, ${r.diff.carried.length} carried (lane failed)` : '') +
      (r.diff.orphaned?.length ? `, ${r.diff.orphaned.length} carried (lane left council.yaml)` : '') +
      (r.diff.previous ? ` since ${codeSpan(r.diff.previous)}` : ' (first round)'),
    '',
    '| lane | model | result | input | cache read | cache write | uncached | output | before sending |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const usageCells = (u: Usage | null): string =>
    u
      ? `${inputOf(u)} | ${u.cache_read_input_tokens} | ${u.cache_creation_input_tokens} | ${u.input_tokens} | ${u.output_tokens}`
      : '- | - | - | - | -';
  for (const w of r.warm) {
    out.push(
      `| cache warm-up | ${w.model} | ${w.usage ? 'ok' : cell(w.skipped ? `not sent: ${w.skipped}` : `failed: ${w.error ?? ''}`)} | ${usageCells(w.usage)} | - |`,
    );
  }
  for (const l of r.lanes) {
    out.push(
      `| ${l.id} | ${l.model} | ${cell(counts(l))} | ${usageCells(l.usage)} | ${l.tokens.input}${l.tokens.method === 'estimate' ? ' (estimate)' : ''} |`,
    );
  }
  out.push(
    `| total | | | ${usageCells(r.totals.usage)} | ${r.totals.tokens}${r.totals.tokens_method === 'counted' ? '' : ` (${r.totals.tokens_method})`} |`,
    '',
    'Input is cache read + cache write + uncached, as the API reported it; "before sending" is the size counted by the API, or estimated offline, before the request went out.',
  );
  // The table's cell holds the first violation only; the summary is what a PR comment shows,
  // so a rejected answer lists every one, as the terminal report does.
  const rejected = r.lanes.filter((l) => l.failure?.problems?.length);
  if (rejected.length) {
    out.push('', '## Answers rejected by the schema', '');
    for (const l of rejected) for (const p of l.failure?.problems ?? []) out.push(`- ${l.id}: ${cell(p)}`);
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
      const unfound = unfoundSections(f);
      const section = unfound ? `${f.section} (${notAHeading(unfound, r.document.path)})` : f.section;
      out.push(
        `| ${f.severity} | ${cell(section)} | ${cell(f.claim)} | ${cell(f.evidence)} | ${cell(f.suggested_fix)} | ${f.status} |`,
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

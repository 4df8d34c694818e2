/**
 * Pure formatters of a PrereqReport: a tree-like table, JSON (deterministic), Mermaid and
 * Graphviz DOT (the DAG coloured by status), and Markdown for a PR comment.
 */
import { cell } from '../markdown.js';
import type { PrereqReport, PrereqState, PrereqStatus } from '../../prereqs/status.js';
import { asIs, inertMarkup, jsonReport, type Show, shown, visible } from '../visible.js';

export const PREREQ_FORMATS = ['table', 'json', 'mermaid', 'dot', 'markdown'] as const;
export type PrereqFormat = (typeof PREREQ_FORMATS)[number];

const MARK: Record<PrereqState, string> = {
  landed: '✓',
  partial: '◐',
  ready: '○',
  blocked: '✗',
  gated: '⏸',
  unknown: '?',
};

const COLOUR: Record<PrereqState, { fill: string; text: string }> = {
  landed: { fill: '#2da44e', text: '#ffffff' },
  partial: { fill: '#bf8700', text: '#ffffff' },
  ready: { fill: '#0969da', text: '#ffffff' },
  blocked: { fill: '#cf222e', text: '#ffffff' },
  gated: { fill: '#8250df', text: '#ffffff' },
  unknown: { fill: '#6e7781', text: '#ffffff' },
};

export function formatPrereqs(r: PrereqReport, format: PrereqFormat): string {
  switch (format) {
    case 'table':
      return prereqTable(r);
    case 'json':
      return prereqJson(r);
    case 'mermaid':
      return prereqMermaid(r);
    case 'dot':
      return prereqDot(r);
    case 'markdown':
      return prereqMarkdown(r);
  }
}

export function prereqJson(r: PrereqReport): string {
  return jsonReport(r);
}

function headline(r: PrereqReport, show: Show = asIs): string {
  const at = r.resolved_sha ? ` (${show(r.resolved_sha.slice(0, 7))})` : '';
  return `${show(r.rfc)} prerequisites on ${show(r.ref)}${at} as of ${show(r.as_of)}`;
}

function summary(r: PrereqReport): string {
  return (Object.entries(r.counts) as [PrereqState, number][])
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

/** Dependents of each prereq (edges reversed), for printing the DAG as a tree from its roots. */
function children(r: PrereqReport): Map<string, string[]> {
  const out = new Map<string, string[]>(r.prereqs.map((p) => [p.id, []]));
  for (const p of r.prereqs) for (const d of p.depends_on) out.get(d)?.push(p.id);
  return out;
}

/**
 * A prereq's detail line. When git could not answer, every prereq is unknown for the one
 * reason the HALT line already gives (a shallow clone, a missing mainline): saying it again
 * under each would bury a PR comment in one message repeated; JSON keeps it on each.
 */
function detail(r: PrereqReport, p: PrereqStatus): string {
  return r.halt && p.status === 'unknown' && p.reason === r.halt.message ? 'unknown: see the HALT above' : p.reason;
}

export function prereqTable(r: PrereqReport): string {
  // Titles, reasons (commit subjects, git's messages) and ids are shown, not obeyed: one
  // field at a time, so a line break in one cannot start a line of its own.
  const show = shown;
  const lines = [headline(r, show)];
  if (r.halt) lines.push(`HALT (${r.halt.reason}): ${show(r.halt.message)}`);
  const byId = new Map(r.prereqs.map((p) => [p.id, p]));
  const kids = children(r);
  const printed = new Set<string>();
  const line = (p: PrereqStatus, prefix: string, childPrefix: string, again: boolean): string => {
    if (again) return `${prefix}${MARK[p.status]} ${show(p.id)} ${p.status} (see above)`;
    return `${prefix}${MARK[p.status]} ${show(p.id)} ${p.status}  ${show(p.title)}\n${childPrefix}    ${show(detail(r, p))}`;
  };
  // Depth first with a stack of its own, not by recursion: a chain of a few thousand
  // prereqs (one depending on the one before) would otherwise exceed the call stack.
  const walk = (root: string): void => {
    const todo: [id: string, prefix: string, childPrefix: string][] = [[root, '', '']];
    for (let next = todo.pop(); next; next = todo.pop()) {
      const [id, prefix, childPrefix] = next;
      const p = byId.get(id);
      if (!p) continue;
      const again = printed.has(id);
      lines.push(line(p, prefix, childPrefix, again));
      if (again) continue;
      printed.add(id);
      const ks = kids.get(id) ?? [];
      // Pushed last child first, so the first is printed (with everything under it) first.
      for (let i = ks.length - 1; i >= 0; i--) {
        const last = i === ks.length - 1;
        todo.push([ks[i] as string, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`]);
      }
    }
  };
  const roots = r.prereqs.filter((p) => p.depends_on.every((d) => !byId.has(d)));
  for (const p of roots) walk(p.id);
  // Prereqs only reachable through a cycle (an invalid spec never gets here, but stay total).
  for (const p of r.prereqs) if (!printed.has(p.id)) walk(p.id);
  lines.push('');
  lines.push(`${summary(r)}`);
  const early = outOfOrder(r, show);
  if (early) lines.push(`out of order: ${early}`);
  lines.push(
    `can start now: ${r.can_start ? (r.can_start.length ? r.can_start.map(show).join(', ') : 'none') : unknown(r)}`,
  );
  lines.push(
    `critical path: ${r.critical_path ? (r.critical_path.length ? r.critical_path.map(show).join(' → ') : 'none (everything landed)') : unknown(r)}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Said for what can start and the critical path when no status is known: git could not answer,
 * or answered that nothing had been committed yet as of the instant.
 */
function unknown(r: PrereqReport): string {
  return r.halt?.nothing_existed
    ? 'cannot be computed (nothing existed as of that instant, so no prereq had started)'
    : 'cannot be computed (git could not answer, so every status is unknown)';
}

/** A Mermaid node id for a prereq id, one for one: `pr.4` and `pr_4` must stay two nodes. */
function nodeId(id: string): string {
  return `p_${id.replace(/[^A-Za-z0-9]/g, (c) => `_${c.codePointAt(0)?.toString(16) ?? ''}_`)}`;
}

/**
 * A node's label, shown as the table shows it (visible) before the format's own escapes: a line
 * break in a title cannot end the label's line and start one a CI log would run, nor can
 * `##[` or an escape sequence reach the terminal the graph is printed to.
 */
function nodeLabel(p: PrereqStatus, text: (s: string) => string = (s) => s): string {
  return `${text(visible(p.id))}: ${text(visible(p.title))}`;
}

/**
 * Mermaid reads `#name;` and `#123;` in a label as character references, and its HTML labels
 * read `&lt;` as `<`: `#` and `&` are written as references too, so `PR #12; part 2` and
 * `&lt;` show as written. Before that, on a line where `style` or `classDef` is followed by a
 * `:` and then a `#`, Mermaid drops the line's last `;` (meant for a style's colour), which would
 * cut a reference short: `:` in a title is written as a reference, so no title completes
 * that pattern (the `: ` after the id, followed by a space, cannot).
 */
function mermaidText(s: string): string {
  return s
    .replace(/#/g, '#35;')
    .replace(/:/g, '#58;')
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;');
}

export function prereqMermaid(r: PrereqReport): string {
  const out = ['flowchart LR'];
  for (const p of r.prereqs) {
    out.push(`  ${nodeId(p.id)}["${nodeLabel(p, mermaidText)}<br/>${p.status}"]:::${p.status}`);
  }
  for (const p of r.prereqs) for (const d of p.depends_on) out.push(`  ${nodeId(d)} --> ${nodeId(p.id)}`);
  for (const s of Object.keys(COLOUR) as PrereqState[]) {
    out.push(`  classDef ${s} fill:${COLOUR[s].fill},color:${COLOUR[s].text},stroke:${COLOUR[s].fill}`);
  }
  return `${out.join('\n')}\n`;
}

/** The prereqs that started before a dependency landed, each with those dependencies. */
function outOfOrder(r: PrereqReport, show: Show = asIs): string {
  return r.prereqs
    .filter((p) => p.out_of_order?.length)
    .map((p) => `${show(p.id)} (started before ${(p.out_of_order ?? []).map(show).join(', ')} landed)`)
    .join(', ');
}

function dotText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/**
 * Graphviz reads `&name;` and `&#123;` in a plain (not HTML) label as character references:
 * `&` is written `&amp;` too, so a title holding `&lt;` shows as written, not as `<`.
 */
function dotLabel(s: string): string {
  return dotText(s.replace(/&/g, '&amp;'));
}

export function prereqDot(r: PrereqReport): string {
  const out = [
    `digraph "${dotText(`${r.rfc} prereqs`)}" {`,
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
  ];
  for (const p of r.prereqs) {
    const c = COLOUR[p.status];
    out.push(
      `  "${dotText(p.id)}" [label="${dotLabel(nodeLabel(p))}\\n${p.status}", fillcolor="${c.fill}", fontcolor="${c.text}"];`,
    );
  }
  for (const p of r.prereqs) for (const d of p.depends_on) out.push(`  "${dotText(d)}" -> "${dotText(p.id)}";`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function prereqMarkdown(r: PrereqReport): string {
  // --ref is any name git allows, `<` and `|` included: text in the heading, not markup.
  const out = [`### ${headline(r, cell)}`, ''];
  if (r.halt) out.push(`> **HALT (${r.halt.reason})**: ${cell(r.halt.message)}`, '');
  out.push(
    `${summary(r)}. Can start now: ${r.can_start ? (r.can_start.length ? r.can_start.map((x) => `\`${x}\``).join(', ') : 'none') : unknown(r)}.`,
  );
  out.push(
    `Critical path: ${r.critical_path ? (r.critical_path.length ? r.critical_path.map((x) => `\`${x}\``).join(' → ') : 'none (everything landed)') : unknown(r)}.`,
  );
  const early = outOfOrder(r);
  if (early) out.push(`Out of order: ${cell(early)}.`);
  out.push('', '| | prereq | title | status | after | detail |', '|---|---|---|---|---|---|');
  for (const p of r.prereqs) {
    out.push(
      `| ${MARK[p.status]} | \`${p.id}\` | ${cell(p.title)} | ${p.status} | ${p.depends_on.map((d) => `\`${d}\``).join(', ')} | ${cell(detail(r, p))} |`,
    );
  }
  out.push(
    '',
    '<details><summary>DAG</summary>',
    '',
    '```mermaid',
    prereqMermaid(r).trimEnd(),
    '```',
    '',
    '</details>',
  );
  // Ids and titles in code spans as well as cells: inert in a CI log as a whole (inertMarkup).
  return `${inertMarkup(out.join('\n'))}\n`;
}

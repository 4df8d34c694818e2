/** The prereq table on DAGs deeper than a call stack, and on text read from git, from synthetic reports. */
import { describe, expect, it } from 'vitest';
import { formatPrereqs, prereqTable } from '../../src/formatters/prereqs/index.js';
import type { PrereqReport, PrereqStatus } from '../../src/prereqs/status.js';
import { readGfm } from '../helpers/markdown.js';
import { expectInert, expectNoCommand, PLANTED, SHOWN } from '../helpers/planted.js';

function status(id: string, depends_on: string[]): PrereqStatus {
  return {
    id,
    title: `PR ${id}`,
    status: 'blocked',
    reason: 'waiting',
    depends_on,
    blocked_by: depends_on,
    deliverables: [],
    missing: [],
    data_gates: [],
    location: { file: 'gates/x/prereqs.yaml', line: 1, col: 1 },
  };
}

function report(prereqs: PrereqStatus[]): PrereqReport {
  return {
    rfc: 'x',
    as_of: '2026-06-01T00:00:00.000Z',
    ref: 'main',
    resolved_sha: null,
    state: 'ok',
    counts: { landed: 0, partial: 0, ready: 0, blocked: prereqs.length, gated: 0, unknown: 0 },
    can_start: [],
    critical_path: [],
    prereqs,
  };
}

describe('prereqTable', () => {
  it('prints a chain of thousands of prereqs as a tree, not a stack overflow', () => {
    const n = 6000;
    const chain = Array.from({ length: n }, (_, i) => status(`p${i}`, i ? [`p${i - 1}`] : []));
    const lines = prereqTable(report(chain)).split('\n');
    expect(lines[1]).toBe('✗ p0 blocked  PR p0');
    const last = lines.findIndex((l) => l.endsWith(`└─ ✗ p${n - 1} blocked  PR p${n - 1}`));
    expect(last).toBeGreaterThan(0);
    // Each level is indented three columns further than its parent.
    expect(lines[last]?.indexOf('└─')).toBe(3 * (n - 2));
  });

  it('prints siblings in order, each subtree before the next sibling, and a shared child once', () => {
    const text = prereqTable(
      report([status('a', []), status('b', ['a']), status('c', ['a']), status('d', ['b', 'c']), status('e', ['b'])]),
    );
    expect(text.split('\n').slice(1, 16)).toEqual([
      '✗ a blocked  PR a',
      '    waiting',
      '├─ ✗ b blocked  PR b',
      '│      waiting',
      '│  ├─ ✗ d blocked  PR d',
      '│  │      waiting',
      '│  └─ ✗ e blocked  PR e',
      '│         waiting',
      '└─ ✗ c blocked  PR c',
      '       waiting',
      '   └─ ✗ d blocked (see above)',
      '',
      '5 blocked',
      'can start now: none',
      'critical path: none (everything landed)',
    ]);
  });

  it('writes out what a terminal or a CI log would obey in a title, a reason or a message from git', () => {
    const planted: PrereqReport = {
      ...report([{ ...status('a', []), title: PLANTED, reason: PLANTED }]),
      ref: PLANTED,
      halt: { reason: 'missing', message: PLANTED },
    };
    const text = prereqTable(planted);
    expectInert(text);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        `x prerequisites on ${SHOWN} as of 2026-06-01T00:00:00.000Z`,
        `HALT (missing): ${SHOWN}`,
        `✗ a blocked  ${SHOWN}`,
        `    ${SHOWN}`,
      ]),
    );
    for (const format of ['mermaid', 'dot'] as const) {
      const graph = formatPrereqs(planted, format);
      expectInert(graph);
      // DOT doubles a backslash; Mermaid writes `#` and `:` as references (#35;, #58;).
      expect(graph, format).toContain(
        format === 'dot' ? SHOWN.replace(/\\/g, '\\\\') : SHOWN.replace(/#/g, '#35;').replace(/:/g, '#58;'),
      );
    }
    const md = formatPrereqs(planted, 'markdown');
    expectNoCommand(md);
    expect(md).toContain('##&#91;add-mask]x');
  });
});

describe('prereq status --format markdown', () => {
  it('shows a ref with markup characters as text in the heading, on one line', () => {
    // Both are branch names git accepts (git check-ref-format).
    for (const ref of ['rel<b>', 'a|b&c<!--']) {
      const heading = formatPrereqs({ ...report([status('a', [])]), ref }, 'markdown').split('\n')[0];
      expect(heading).toBe(
        `### x prerequisites on ${ref.replace(/</g, '\\<').replace(/\|/g, '\\|')} as of 2026-06-01T00:00:00.000Z`,
      );
      // As GitHub renders it: the ref as written, no HTML.
      const h = readGfm(heading ?? '').children[0];
      expect(h?.type).toBe('heading');
      expect(h && 'children' in h ? h.children.map((c) => ('value' in c ? c.value : c.type)).join('') : '').toBe(
        `x prerequisites on ${ref} as of 2026-06-01T00:00:00.000Z`,
      );
    }
    const broken = formatPrereqs({ ...report([status('a', [])]), ref: 'a\n# b' }, 'markdown').split('\n');
    expect(broken[0]).toBe('### x prerequisites on a # b as of 2026-06-01T00:00:00.000Z');
  });
});

describe('prereq status --format mermaid', () => {
  /** What a Mermaid HTML label shows: its `#…;` shorthands become character references, then HTML reads them. */
  function shownByMermaid(label: string): string {
    const html = label.replace(/#(\w+);/g, (_, name: string) => (/^\d+$/.test(name) ? `&#${name};` : `&${name};`));
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };
    return html.replace(/&(#\d+|\w+);/g, (ref, name: string) =>
      name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (named[name] ?? ref),
    );
  }

  it('shows a title with #, & and character references as written', () => {
    const title = 'PR #12; follow-up: &lt;br&gt; & #quot; "q" <b>';
    const graph = formatPrereqs(report([{ ...status('a.b-c', []), title }]), 'mermaid');
    const label = /^ {2}p_\S+\["(.*)<br\/>blocked"\]:::blocked$/m.exec(graph)?.[1];
    expect(label).toBeDefined();
    expect(label).not.toMatch(/"/);
    expect(shownByMermaid(label ?? '')).toBe(`a.b-c: ${title}`);
  });
});

describe('prereq status --format dot', () => {
  /**
   * What Graphviz shows for a plain quoted label: the lexer keeps every backslash but the one
   * before `"`; `\N` names the node; `&name;` and `&#123;` are character references; then `\n`
   * breaks the line and a backslash before any other character stands for that character.
   */
  function shownByGraphviz(quoted: string, node: string): string {
    const text = quoted.replace(/\\"/g, '"');
    const substituted = text.replace(/\\(.)/g, (all, c: string) => (c === 'N' ? node : all));
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };
    const decoded = substituted.replace(/&(#\d+|\w+);/g, (ref, name: string) =>
      name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (named[name] ?? ref),
    );
    return decoded.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }

  it('shows a title with &, character references, quotes and backslashes as written', () => {
    const title = 'Escape &lt;b&gt; & &#35;12; in "q" (§5.2) <i> \\N \\';
    const graph = formatPrereqs(report([{ ...status('a.b-c', []), title }]), 'dot');
    const label = /^ {2}"a\.b-c" \[label="((?:[^"\\]|\\.)*)", fillcolor=/m.exec(graph)?.[1];
    expect(label).toBeDefined();
    expect(shownByGraphviz(label ?? '', 'a.b-c')).toBe(`a.b-c: ${title}\nblocked`);
  });
});

describe('prereq status --format mermaid, a title Mermaid could read as a style', () => {
  /**
   * Mermaid's first pass over the whole text: on a line where `style` or `classDef` is followed
   * by `:` and then `#`, the last `;` of the line is dropped (it ends a colour in a style line).
   */
  function mermaidFirstPass(text: string): string {
    return text
      .replace(/style.*:\S*#.*;/g, (s) => s.slice(0, -1))
      .replace(/classDef.*:\S*#.*;/g, (s) => s.slice(0, -1));
  }

  it('keeps every reference of a title holding style or classDef, a colon and a quote whole', () => {
    for (const title of ['Restyle a:"q"', 'classDef fix x:<z> & w']) {
      const graph = formatPrereqs(report([{ ...status('a', []), title }]), 'mermaid');
      const line = graph.split('\n').find((l) => l.startsWith('  p_a['));
      expect(line).toBeDefined();
      expect(mermaidFirstPass(line ?? ''), title).toBe(line);
    }
  });
});

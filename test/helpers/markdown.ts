import type { Nodes, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

/** Read Markdown as GitHub does (CommonMark with tables), so a test sees what a reader sees. */
export function readGfm(markdown: string): Root {
  return fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

function walk(node: Nodes, visit: (n: Nodes) => void): void {
  visit(node);
  if ('children' in node) for (const c of node.children) walk(c, visit);
}

/** The text of every code span, in document order. */
export function codeSpans(markdown: string): string[] {
  const out: string[] = [];
  walk(readGfm(markdown), (n) => {
    if (n.type === 'inlineCode') out.push(n.value);
  });
  return out;
}

/** Each table row as its cells' plain text (code spans included), header rows too. */
export function tableRows(markdown: string): string[][] {
  const rows: string[][] = [];
  const text = (n: Nodes): string =>
    n.type === 'text' || n.type === 'inlineCode' ? n.value : 'children' in n ? n.children.map(text).join('') : '';
  walk(readGfm(markdown), (n) => {
    if (n.type === 'tableRow') rows.push(n.children.map(text));
  });
  return rows;
}

/** Each list item's text, one string per item. */
export function listItems(markdown: string): string[] {
  const items: string[] = [];
  const text = (n: Nodes): string =>
    n.type === 'text' || n.type === 'inlineCode' ? n.value : 'children' in n ? n.children.map(text).join('') : '';
  walk(readGfm(markdown), (n) => {
    if (n.type === 'listItem') items.push(text(n));
  });
  return items;
}

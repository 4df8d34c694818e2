/**
 * Whether a finding's `section` names a heading of the document the round reviewed. A model
 * may name a section the RFC does not have (an invented `§17`, a mistyped `§0(G)`); such a
 * finding still stands, but a reader must be able to tell it points at nothing.
 *
 * The headings are read with mdast-util-from-markdown (CommonMark + GFM), so a line that looks
 * like a heading inside a fenced or indented code block is none. A section is named by a
 * heading's leading number (`§0(B)` names `### §0(B) Boundary cost`; `§2` or `2.` names
 * `## 2. Sequence` in a document numbered without `§`) or by the heading's whole text, with or
 * without its number (`Coupling edges`, `Boundary cost`). A section that cites numbers names a
 * heading only if every number it cites does (`§0(B), §0(C)`); what follows a number is read as
 * its title and not checked, since a model paraphrases it. A number also names the group its
 * subsections are numbered in: `§0(A)` of a document with `§0(A.1)` and `§0(A.2)`.
 */
import type { Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

export interface DocumentHeading {
  /** The heading's text as it reads, markup removed. */
  text: string;
  /** Its leading section number, in parts (`§0(A.1)` → 0, a, 1), or null when it has none. */
  number: string[] | null;
  /** The text after the number (the whole text when there is none). */
  title: string;
}

/** A section number as written: `0`, `0(A.1)`, `3.1`, `14.2`; ends on a letter, digit or `)`. */
const NUMBER = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}.()]*[\p{L}\p{N})])?`;
/** Where a finding cites a section: `§0(B)`, `§ 3.1`, `Section 3`. */
const CITED = new RegExp(String.raw`§+\s*(${NUMBER})|\bsections?\s+(\p{N}(?:[\p{L}\p{N}.()]*[\p{L}\p{N})])?)`, 'giu');
const HEADING_SECTION = new RegExp(String.raw`^§+\s*(${NUMBER})`, 'u');
/** A heading numbered without `§`: `1. The four capabilities`, `3.2 Rollback`. */
const HEADING_PLAIN = /^(\p{N}+(?:\.\p{N}+)*)\.?(?=\s|$)/u;
/** A finding's section that starts with a bare number: `2. Sequence`, `0(B)`. */
const LEADING_NUMBER = new RegExp(String.raw`^(\p{N}(?:[\p{L}\p{N}.()]*[\p{L}\p{N})])?)`, 'u');

function parts(number: string): string[] {
  return number
    .toLowerCase()
    .split(/[.()]+/)
    .filter((p) => p !== '');
}

/** Case, spacing and punctuation aside, as finding keys compare sections. */
function norm(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}§()]+/gu, ' ')
    .trim();
}

function plainText(node: Nodes): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value;
  if ('children' in node) return node.children.map((c) => plainText(c as Nodes)).join('');
  return '';
}

/** Every heading of a Markdown document, in order; none from code blocks or HTML. */
export function documentHeadings(markdown: string): DocumentHeading[] {
  return outlineOf(markdown).map((h) => h.heading);
}

/**
 * The headings as the lanes are told them: each with its depth (1 for `#`), in document order,
 * read exactly as the judge reads them, so a section copied from this list is one it finds.
 */
export function documentOutline(markdown: string): { depth: number; text: string }[] {
  return outlineOf(markdown).map((h) => ({ depth: h.depth, text: h.heading.text }));
}

function outlineOf(markdown: string): { depth: number; heading: DocumentHeading }[] {
  const tree = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const out: { depth: number; heading: DocumentHeading }[] = [];
  const visit = (node: Nodes): void => {
    if (node.type === 'heading') {
      const text = plainText(node).replace(/\s+/g, ' ').trim();
      const m = HEADING_SECTION.exec(text) ?? HEADING_PLAIN.exec(text);
      const title = m
        ? text
            .slice(m[0].length)
            .replace(/^[\s.:—–-]+/u, '')
            .trim()
        : text;
      out.push({ depth: node.depth, heading: { text, number: m?.[1] ? parts(m[1]) : null, title } });
      return;
    }
    if ('children' in node) for (const c of node.children) visit(c as Nodes);
  };
  visit(tree);
  return out;
}

/**
 * A judge of sections for one document: given a finding's section, what in it names no
 * heading, as written (`['§17']`, `['§0(G)']` of `§0(B), §0(G)`); empty when it names one.
 */
export function sectionJudge(markdown: string): (section: string) => string[] {
  const headings = documentHeadings(markdown);
  const texts = new Set(headings.flatMap((h) => [norm(h.text), norm(h.title)]).filter((t) => t !== ''));
  const numbers = headings.flatMap((h) => (h.number ? [h.number] : []));
  const numbered = (cited: string[]) =>
    cited.length > 0 && numbers.some((n) => cited.length <= n.length && cited.every((p, i) => p === n[i]));
  return (section) => {
    const written = section.trim();
    if (texts.has(norm(written))) return [];
    const cited = [...written.matchAll(CITED)].map((m) => ({ as: m[0].trim(), number: m[1] ?? m[2] ?? '' }));
    if (!cited.length) {
      const lead = LEADING_NUMBER.exec(written);
      if (lead?.[1]) cited.push({ as: lead[1], number: lead[1] });
    }
    if (!cited.length) return [written];
    return [...new Set(cited.filter((c) => !numbered(parts(c.number))).map((c) => c.as))];
  };
}

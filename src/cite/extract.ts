/**
 * Finds the code citations of a Markdown document: `path:line`, `path:a-b`, `path:a,b,c`
 * and `path::symbol`, in code spans or plain text, with or without a leading folder; lines
 * written GitHub's way (`path#L12-L20`) and GitHub and GitLab blob URLs to lines.
 *
 * The document is parsed with mdast-util-from-markdown (CommonMark + GFM tables), so a
 * citation-looking string inside a fenced or indented code block, an HTML block or a link
 * target is not a citation, while one inside a table cell is. A link target is read only
 * as GitHub cites lines (`[a.py](src/a.py#L12)`, or a blob URL): that is a link to them.
 * An image's target is read as a link's (`![diagram](src/a.py#L12)`).
 * A reference link (`[the helper][h]`, `[h][]`, `[h]`, an image's `![x][h]`) cites what its
 * definition's target (`[h]: src/a.py#L12`, maybe on the next line of a block quote) cites:
 * one citation, at the definition, claiming what the sentences of its uses name.
 * Matching runs on the raw source of each text and inline-code node, so every citation
 * carries its exact offsets: `--fix` rewrites those characters and nothing else.
 *
 * What a citation claims is read from the sentence around it: the code spans there that
 * name a function, a call or a constant (`get_session_lock`, `build_fork_context()`,
 * `_SESSION_LOCKS`), and plain-text calls (`foo()`). A spec file may declare the claim
 * instead (citations.yaml, `expect:`).
 */
import type { Definition, Image, InlineCode, Link, Nodes, Parents, Root, Text } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { decodeString } from 'micromark-util-decode-string';
import { LineIndex } from '../util/line-index.js';

/** Cited line numbers as written: one line, a range, or a list of lines and ranges. */
export interface LineSpan {
  from: number;
  to: number;
}

export interface Citation {
  /** The citation as written, e.g. `src/db/schema.sql:253` (its identity in citations.yaml). */
  text: string;
  /** The path as written (maybe a bare file name). */
  path: string;
  /** Cited lines, in the order written; empty for a symbol citation. */
  spans: LineSpan[];
  /** The range separator as written (`-` or `–`), kept by --fix. */
  dash: string;
  /** `path::symbol`. */
  symbol?: string;
  /**
   * The lines are written GitHub's way, `path#L12` or `path#L12-L20` (`endL`: the end of the
   * range has its `L` too); --fix writes the new lines the same way.
   */
  anchor?: { endL: boolean };
  /**
   * A blob URL (`https://github.com/o/r/blob/<ref>/<path>#L12`, GitLab's
   * `https://gitlab.com/g/sub/p/-/blob/<ref>/<path>#L12-34`): `repo` is its host and
   * path (lower case, as `originRepo` gives them), `ref` the branch, tag or commit it names.
   * Only a URL to the repository of the tree is a citation (see verifyCitations).
   */
  url?: { repo: string; ref: string };
  /**
   * A relative link target (`[a.py](src/a.py#L12)`): GitHub opens it from the document's folder,
   * so the path is read from there (see verifyCitations), not from the repository's root.
   */
  fromDocument?: true;
  /**
   * The link the citation is written in: `id` names the link (a reference link by its label,
   * as its definition does); `target` when the citation is the link's target (or its
   * definition's), not in its label. A label citing the lines its target cites is the same
   * claim (see verifyCitations).
   */
  link?: { id: string; target?: true };
  /** 1-based position of the citation in the document. */
  line: number;
  col: number;
  /** Offsets in the document of the whole citation and of its line part (what --fix rewrites). */
  offset: number;
  end: number;
  linesOffset: number;
  /** What the surrounding sentence says the cited lines hold. */
  names: string[];
  /**
   * The whole code span, when it reads as one citation of a path with spaces or with
   * characters a path in prose may not hold (`docs/run book.md:12`,
   * `src/routes/+page.svelte:3`), of which the citation is the tail. Only the tree can tell
   * it from a command before a path (`pytest tests/x.py::test_y`), so the verifier takes it
   * when that path is a file.
   */
  whole?: Citation;
  /**
   * A code span read as one citation only as a whole (`pages/[id].tsx:5`,
   * `app/(auth)/page.tsx:3`): a citation only where that path is a file in the tree.
   */
  tentative?: boolean;
}

/**
 * A path with a file extension (or at least one folder), then `:lines`, `::symbol` or, as
 * GitHub writes lines, `#L12`, `#L12-L20` (or `#L12-20`), no list. A
 * path's names may hold accented Latin letters (`docs/café.md`, `naïve.py`): with ASCII
 * letters only, the first was no citation at all and the second cited `ve.py`. Letters of
 * other scripts still end a path, since such prose often writes no space before one. A
 * folder may start with `@`, as a scoped package's does (`packages/@acme/core/x.ts`): such a
 * path was no citation at all, since no name may start right after an `@` (`me@host.py`).
 * A symbol's parts are joined by `.` or `::`, as pytest names a test in its class
 * (`tests/x.py::TestA::test_b`): read up to its first `::` only, the test was never looked for.
 */
const CITATION =
  /(?<![\w\p{Script=Latin}\p{M}./:@~\\-])(?<path>(?:@?[\w\p{Script=Latin}\p{M}.-]+\/)*[\w\p{Script=Latin}-][\w\p{Script=Latin}\p{M}.-]*\.[A-Za-z][A-Za-z0-9]*)(?::(?<lines>\d+(?:[-–]\d+)?(?:,\d+(?:[-–]\d+)?)*)(?![\w-])|::(?<symbol>[\p{ID_Start}_]\p{ID_Continue}*(?:(?:\.|::)[\p{ID_Start}_]\p{ID_Continue}*)*)|#L(?<anchor>\d+(?:-L?\d+)?)(?![\w-]))/gu;

/**
 * The same inside a code span, where a path's names may hold `|` (`src/a|b.ts:12`): the span
 * shows it as written, and in a table cell `\|` shows as `|` even inside a span (GFM), so
 * either path reads whole rather than as its tail `b.ts:12`. A name never starts with `|`,
 * nor right after `\|` outside a table, where the backslash shows.
 */
const CODE_CITATION =
  /(?<![\w\p{Script=Latin}\p{M}./:@~\\-])(?<!\\\|)(?<path>(?:(?!\|)@?[\w\p{Script=Latin}\p{M}.|-]+\/)*[\w\p{Script=Latin}-][\w\p{Script=Latin}\p{M}.|-]*\.[A-Za-z][A-Za-z0-9]*)(?::(?<lines>\d+(?:[-–]\d+)?(?:,\d+(?:[-–]\d+)?)*)(?![\w-])|::(?<symbol>[\p{ID_Start}_]\p{ID_Continue}*(?:(?:\.|::)[\p{ID_Start}_]\p{ID_Continue}*)*)|#L(?<anchor>\d+(?:-L?\d+)?)(?![\w-]))/gu;

/**
 * A GitHub blob URL to lines of a file: `https://github.com/<owner>/<repo>/blob/<ref>/<path>#L12-L20`,
 * with `?plain=1` (how GitHub links lines of a rendered Markdown file) allowed before the
 * lines. Any host, for GitHub Enterprise: only a URL to the tree's own repository is a
 * citation, which the verifier decides. A line and column anchor (`#L12C5`) is not read.
 */
const BLOB_URL =
  /(?<![\w/])https?:\/\/(?<host>[\w.-]+)(?::\d+)?\/(?<owner>[\w.-]+)\/(?<name>[\w.-]+)\/blob\/(?<ref>[^/\s#?`]+)\/(?<path>[^\s#?`<>()[\]]+)(?:\?[^\s#`<>()]*)?#L(?<anchor>\d+(?:-L?\d+)?)(?![\w-])/gu;

/**
 * A GitLab blob URL, `https://gitlab.com/<group>/<subgroup>/<project>/-/blob/<ref>/<path>#L12-34`:
 * a project sits under one or more groups, and GitLab writes a range `#L12-34` (GitHub's
 * `#L12-L34` is read too). `project` is the whole path of groups and project.
 */
const GITLAB_BLOB_URL =
  /(?<![\w/])https?:\/\/(?<host>[\w.-]+)(?::\d+)?\/(?<project>(?:[\w.-]+\/)+[\w.-]+)\/-\/blob\/(?<ref>[^/\s#?`]+)\/(?<path>[^\s#?`<>()[\]]+)(?:\?[^\s#`<>()]*)?#L(?<anchor>\d+(?:-L?\d+)?)(?![\w-])/gu;

const BLOB_URLS = [BLOB_URL, GITLAB_BLOB_URL];
const WHOLE_BLOB_URLS = BLOB_URLS.map((re) => new RegExp(`^(?:${re.source})$`, 'u'));

/**
 * A Markdown link target that cites lines of a file of the tree, `[a.py](src/a.py#L12)`:
 * the whole target is a path (no scheme, so no URL to anywhere) then its lines.
 */
const LINK_TARGET = /^(?<path>[^\s#?:<>]+)(?:\?[^\s#<>]*)?#L(?<anchor>\d+(?:-L?\d+)?)$/u;

/**
 * The same written between `<` and `>`, as CommonMark lets a target hold spaces
 * (`[a](<docs/run book.md#L3>)`): such a link was no citation, never checked.
 */
const BRACKETED_LINK_TARGET = /^(?<path>[^\n#?:<>]+)(?:\?[^\n#<>]*)?#L(?<anchor>\d+(?:-L?\d+)?)$/u;

/** Extensions of files rather than the last part of a dotted name (`client.py` is a file, `asyncio.Lock` a name). */
const FILE_EXTENSIONS = new Set(
  'py ex exs erl ts tsx js mjs cjs jsx sql md markdown yaml yml json toml ini cfg txt rs go rb java kt c h cc cpp hpp cs sh bash zsh lock html css scss xml proto swift php'.split(
    ' ',
  ),
);

/**
 * More extensions of files, which are also common last parts of names (`process.env`,
 * `self.config`): a file's, for telling `go.mod:3` (a file) from `redis.internal:6379` (a
 * host and its port), never to drop a name's claim.
 */
const MORE_FILE_EXTENSIONS = new Set(
  'pyi eex heex hrl rst adoc jsonl conf config env properties csv mod sum erb kts gradle scala fish ps1 bat vue svelte graphql lua pl r dart hs ml clj jl tf hcl nix bzl mk cmake j2 tmpl tpl dockerfile'.split(
    ' ',
  ),
);

/** Whether a path ends in the extension of a file (compared without case). */
export function hasFileExtension(path: string): boolean {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  return FILE_EXTENSIONS.has(ext) || MORE_FILE_EXTENSIONS.has(ext);
}

/** A code span that is one citation, whatever its path holds but a line break, `:` or a backtick: the span's bounds delimit the path. */
const SPACED_CITATION =
  /^(?<path>(?:[^\s/`:]+(?: [^\s/`:]+)*\/)*[^\s/`:]+(?: [^\s/`:]+)*\.[A-Za-z][A-Za-z0-9]*)(?::(?<lines>\d+(?:[-–]\d+)?(?:,\d+(?:[-–]\d+)?)*)|::(?<symbol>[\p{ID_Start}_]\p{ID_Continue}*(?:(?:\.|::)[\p{ID_Start}_]\p{ID_Continue}*)*)|#L(?<anchor>\d+(?:-L?\d+)?))$/u;

const NAME = /^[\p{ID_Start}_]\p{ID_Continue}*(?:\.[\p{ID_Start}_]\p{ID_Continue}*)*(?:\(\))?$/u;
const PLAIN_CALL =
  /(?<![\p{ID_Continue}.])([\p{ID_Start}_]\p{ID_Continue}*(?:\.[\p{ID_Start}_]\p{ID_Continue}*)*)\(\)/gu;

type Found = Omit<Citation, 'names' | 'whole'> & { whole?: Omit<Citation, 'names' | 'whole'> };

interface Scanned {
  citations: Found[];
  /** Reference links (`[the helper][h]`) by their definition's identifier: their sentences' names go to it. */
  uses: { id: string; offset: number; end: number }[];
  /** Inline code spans and plain calls that may name what a citation holds, with their offsets. */
  names: { name: string; offset: number; end: number }[];
}

export function extractCitations(text: string): Citation[] {
  // The parser drops a byte-order mark and counts offsets without it; so do we, then shift back.
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  const cites = citationsOf(bom ? text.slice(1) : text);
  if (!bom) return cites;
  const shift = <C extends Citation>(c: C): C => ({
    ...c,
    offset: c.offset + 1,
    end: c.end + 1,
    linesOffset: c.linesOffset + 1,
  });
  return cites.map((c) => (c.whole ? { ...shift(c), whole: shift(c.whole) } : shift(c)));
}

function citationsOf(markdown: string): Citation[] {
  const tree: Root = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const lines = new LineIndex(markdown);
  const out: Citation[] = [];
  const used = new Map<string, string[]>();
  // Each block (paragraph, table cell, heading) is scanned on its own: a claim never crosses blocks.
  visitBlocks(tree, (block) => {
    const s: Scanned = { citations: [], uses: [], names: [] };
    collect(block, markdown, lines, s, block.type === 'tableCell');
    if (!s.citations.length && !s.uses.length) return;
    const start = block.position?.start.offset ?? 0;
    const end = block.position?.end.offset ?? markdown.length;
    const sentences = sentenceBounds(markdown, start, end);
    const claimedBy = (c: { offset: number; end: number }): string[] => {
      const sentence = sentences.find((b) => c.offset >= b.from && c.offset < b.to) ?? { from: start, to: end };
      const inSentence = [...s.citations, ...s.uses].filter((o) => o.offset >= sentence.from && o.offset < sentence.to);
      const names = s.names.filter(
        (n) =>
          n.offset >= sentence.from &&
          n.offset < sentence.to &&
          // With several citations in a sentence, a name belongs to the nearest one.
          nearest(inSentence, n) === c,
      );
      return [...new Set(names.map((n) => n.name))];
    };
    for (const c of s.citations) {
      const claimed = claimedBy(c);
      const { whole, ...narrow } = c;
      out.push({ ...narrow, names: claimed, ...(whole ? { whole: { ...whole, names: claimed } } : {}) });
    }
    for (const u of s.uses) used.set(u.id, [...(used.get(u.id) ?? []), ...claimedBy(u)]);
  });
  // A definition is checked even when no link uses it: it still says where the lines are, and
  // the first reference written to it reads them there. Only the first of a label's definitions
  // is the one its links go to (CommonMark); a later one is checked on its own.
  const defined = new Set<string>();
  for (const d of definitions(tree)) {
    const first = !defined.has(d.identifier);
    defined.add(d.identifier);
    const c = scanDefinition(d, markdown, lines);
    if (c && first)
      out.push({
        ...c,
        names: [...new Set(used.get(d.identifier))],
        link: { id: refLink(d.identifier), target: true },
      });
    else if (c) out.push({ ...c, names: [] });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** Every link definition of the document, in document order (in a list item or a quote too). */
function definitions(node: Nodes): Definition[] {
  if (node.type === 'definition') return [node];
  return 'children' in node ? node.children.flatMap((c) => definitions(c)) : [];
}

/** The citation closest to a name, measured between their nearest ends. */
function nearest<T extends { offset: number; end: number }>(
  cs: T[],
  n: { offset: number; end: number },
): T | undefined {
  let best: T | undefined;
  let bestD = Infinity;
  for (const c of cs) {
    const d = n.end <= c.offset ? c.offset - n.end : Math.max(0, n.offset - c.end);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

const BLOCKS = new Set(['paragraph', 'tableCell', 'heading']);
/**
 * Not read as text: code blocks, HTML, link definitions (their targets are read apart), and struck-out text (`~~was at a.py:3~~`),
 * which the document itself says no longer holds: checked, it failed as DRIFT or REFUTED.
 */
const SKIP = new Set(['code', 'html', 'definition', 'yaml', 'toml', 'delete']);

function visitBlocks(node: Nodes, fn: (block: Parents) => void): void {
  if (SKIP.has(node.type)) return;
  if (BLOCKS.has(node.type)) {
    fn(node as Parents);
    return;
  }
  if ('children' in node) for (const c of node.children) visitBlocks(c, fn);
}

function collect(node: Nodes, md: string, lines: LineIndex, s: Scanned, inTable: boolean): void {
  if (SKIP.has(node.type)) return;
  if (node.type === 'text' || node.type === 'inlineCode') {
    scanLeaf(node, md, lines, s, inTable);
    return;
  }
  if (node.type === 'link' || node.type === 'linkReference') {
    const at = { offset: node.position?.start.offset ?? 0, end: node.position?.end.offset ?? 0 };
    const link = node.type === 'link' ? `@${at.offset}` : refLink(node.identifier);
    const before = s.citations.length;
    for (const c of node.children) collect(c, md, lines, s, inTable);
    for (const c of s.citations.slice(before)) {
      c.link = { id: link };
      if (c.whole) c.whole.link = { id: link };
    }
    if (node.type === 'link') scanTarget(node, md, lines, s, link);
    else s.uses.push({ id: node.identifier, ...at });
    return;
  }
  // An image's target cites lines as a link's does (`![diagram](src/a.py#L3)`), and an image
  // reference (`![x][ref]`) uses its definition as a reference link does: both were skipped,
  // so a moved line behind an image was never checked, nor the claim of its sentence given.
  if (node.type === 'image') {
    scanImageTarget(node, md, lines, s);
    return;
  }
  if (node.type === 'imageReference') {
    s.uses.push({ id: node.identifier, offset: node.position?.start.offset ?? 0, end: node.position?.end.offset ?? 0 });
    return;
  }
  if ('children' in node) for (const c of node.children) collect(c, md, lines, s, inTable);
}

/** A reference link's key, the same for its uses and its definition. */
const refLink = (identifier: string): string => `[${identifier}]`;

function scanLeaf(node: Text | InlineCode, md: string, lines: LineIndex, s: Scanned, inTable: boolean): void {
  const from = node.position?.start.offset;
  const to = node.position?.end.offset;
  if (from === undefined || to === undefined) return;
  const raw = md.slice(from, to);
  // A code span is read as shown, each of its characters mapped back to where it is written;
  // so is text, whose escapes and character references show as what they stand for.
  const code = node.type === 'inlineCode' ? shownCode(raw, inTable) : undefined;
  const text = code ? undefined : shownText(raw);
  const shown = code ?? text;
  const scanned = shown?.shown ?? raw;
  const at = (i: number): number => from + (shown ? (shown.at[i] ?? raw.length) : i);
  let cited = false;
  const urls: { from: number; to: number }[] = [];
  for (const m of BLOB_URLS.flatMap((re) => [...scanned.matchAll(re)])) {
    cited = true;
    urls.push({ from: m.index ?? 0, to: (m.index ?? 0) + m[0].length });
    s.citations.push(found(m, m.index ?? 0, at, md, lines));
  }
  for (const m of scanned.matchAll(code ? CODE_CITATION : CITATION)) {
    const i = m.index ?? 0;
    if (urls.some((u) => i < u.to && i + m[0].length > u.from)) continue;
    cited = true;
    s.citations.push(found(m, i, at, md, lines));
  }
  if (code) {
    const last = s.citations[s.citations.length - 1];
    const whole = wholeSpan(code.shown, at, md, lines);
    // Only as the reading of the same characters that end in the narrow citation, or as the
    // one reading of a span where no narrow citation is (`pages/[id].tsx:5`).
    if (whole && cited && last && whole.end === last.end && whole.offset !== last.offset) last.whole = whole;
    else if (whole && !cited) s.citations.push({ ...whole, tentative: true });
    const v = node.value.trim();
    if (!cited && NAME.test(v) && !FILE_EXTENSIONS.has(v.split('.').pop()?.toLowerCase() ?? '')) {
      s.names.push({ name: v, offset: from, end: to });
    } else if (!cited) {
      const call = callWithArguments(v);
      if (call) s.names.push({ name: call, offset: from, end: to });
    }
    return;
  }
  for (const m of raw.matchAll(PLAIN_CALL)) {
    const at = from + (m.index ?? 0);
    s.names.push({ name: `${m[1] ?? ''}()`, offset: at, end: at + m[0].length });
  }
}

/**
 * The target of an inline link, `[a.py](src/a.py#L12)` or `[a.py](https://github.com/…#L12)`,
 * read as written (the node's `url` is decoded). An autolink's target is its text, read as such.
 */
function scanTarget(node: Link, md: string, lines: LineIndex, s: Scanned, link: string): void {
  const from = node.position?.start.offset;
  const to = node.position?.end.offset;
  if (from === undefined || to === undefined || md[from] !== '[') return;
  const labelEnd = node.children.at(-1)?.position?.end.offset ?? from + 1;
  const open = md.indexOf('](', labelEnd);
  if (open < 0 || open >= to) return;
  const c = targetAt(open + 2, to, md, lines);
  if (c) s.citations.push({ ...c, link: { id: link, target: true } });
}

/**
 * The target of an inline image, `![alt](src/a.py#L3)`. The alt text is not a node with
 * positions, so its end is found as CommonMark finds a link text's: the first `]` outside
 * balanced brackets, a backslash escaping the next character.
 */
function scanImageTarget(node: Image, md: string, lines: LineIndex, s: Scanned): void {
  const from = node.position?.start.offset;
  const to = node.position?.end.offset;
  if (from === undefined || to === undefined || !md.startsWith('![', from)) return;
  let depth = 0;
  let i = from + 2;
  for (; i < to; i++) {
    const ch = md[i];
    if (ch === '\\') i++;
    else if (ch === '[') depth++;
    else if (ch === ']' && depth-- === 0) break;
  }
  if (md[i + 1] !== '(') return;
  const link = `@${from}`;
  const c = targetAt(i + 2, to, md, lines);
  if (c) s.citations.push({ ...c, link: { id: link, target: true } });
}

/** The target of a link definition, `[h]: src/a.py#L12`, when it cites lines as a link target does. */
function scanDefinition(node: Definition, md: string, lines: LineIndex): Omit<Citation, 'names' | 'whole'> | undefined {
  const from = node.position?.start.offset;
  const to = node.position?.end.offset;
  if (from === undefined || to === undefined) return undefined;
  // The label ends at the first `]` not escaped: a label holds no other.
  let i = from + 1;
  while (i < to && md[i] !== ']') i += md[i] === '\\' ? 2 : 1;
  return md[i + 1] === ':' ? targetAt(i + 2, to, md, lines) : undefined;
}

/** A link's target written from `start` (white space, then maybe `<`) to at most `to`, as a citation. */
function targetAt(start: number, to: number, md: string, lines: LineIndex): Found | undefined {
  start = afterSpace(start, to, md);
  const bracketed = md[start] === '<';
  if (bracketed) start++;
  let end = start;
  // Between `<` and `>` a target holds spaces, and ends at the first `>` not escaped.
  if (bracketed) while (end < to && md[end] !== '>' && md[end] !== '\n') end += md[end] === '\\' ? 2 : 1;
  else while (end < to && !/[\s>]/u.test(md[end] ?? '')) end++;
  // The closing parenthesis of the link, when no title follows the target.
  if (!bracketed && end === to && md[end - 1] === ')') end--;
  const target = md.slice(start, end);
  const at = (i: number): number => start + i;
  const url = WHOLE_BLOB_URLS.map((re) => re.exec(target)).find((m) => m);
  const m = url ?? (bracketed ? BRACKETED_LINK_TARGET : LINK_TARGET).exec(target);
  return m ? found(m, 0, at, md, lines, true) : undefined;
}

/**
 * The first offset from `start` that is not white space. A target may start on the next line,
 * which inside a block quote begins with its markers (`> `, `> > `): those are skipped too.
 */
function afterSpace(start: number, to: number, md: string): number {
  let i = start;
  while (i < to) {
    const ch = md[i] ?? '';
    if (ch === '\n' || ch === '\r') {
      i++;
      // The markers of the quotes the line continues, each with at most three spaces before it.
      const quote = /^(?:[ \t]{0,3}>[ \t]?)+/u.exec(md.slice(i, to));
      if (quote) i += quote[0].length;
      continue;
    }
    if (!/\s/u.test(ch)) break;
    i++;
  }
  return i;
}

/**
 * A match of `scanned` at `index`, `at` mapping an index of `scanned` to its offset in the
 * document. The text is the document's own characters (what --fix rewrites); the path is
 * the name as shown.
 */
function found(
  m: RegExpMatchArray,
  index: number,
  at: (i: number) => number,
  md: string,
  lines: LineIndex,
  target = false,
): Found {
  const g = m.groups ?? {};
  const written = g.path ?? '';
  const offset = at(index);
  // After the last character shown, not at the next one: that may be the `\` of a `\|`.
  const end = at(index + m[0].length - 1) + 1;
  const pos = lines.at(offset);
  const anchor = g.anchor;
  // A URL or a link target writes a path as a URL does (`run%20book.md`).
  // A link target starting with `/` is read from the repository's root, as GitHub reads it;
  // any other from the document's folder (fromDocument).
  const path = g.host ? decoded(written) : target ? decoded(written).replace(/^\/+/u, '') : written;
  const project = g.project ?? (g.owner && g.name ? `${g.owner}/${g.name}` : undefined);
  const repo = g.host && project ? `${g.host}/${project}` : undefined;
  return {
    text: md.slice(offset, end),
    path,
    spans: g.lines ? parseSpans(g.lines) : anchor ? parseSpans(anchor.replace(/L/g, '')) : [],
    dash: g.lines?.includes('–') ? '–' : '-',
    ...(g.symbol ? { symbol: g.symbol } : {}),
    ...(anchor ? { anchor: { endL: anchor.includes('-L') } } : {}),
    ...(repo ? { url: { repo: sameRepo(repo), ref: g.ref ?? '' } } : {}),
    ...(target && !g.host && !written.startsWith('/') ? { fromDocument: true as const } : {}),
    line: pos.line,
    col: pos.col,
    offset,
    end,
    linesOffset: at(index + (anchor ? m[0].lastIndexOf('#L') + 1 : written.length + (g.symbol ? 2 : 1))),
  };
}

/**
 * The code span's content as one citation (of a path with a space, a `+`, brackets), if it reads so. A
 * span over a line break shows the break as a space that no path holds: `shown` keeps the
 * break, which no path matches.
 */
function wholeSpan(shown: string, at: (i: number) => number, md: string, lines: LineIndex): Found | undefined {
  const start = shown.length - shown.trimStart().length;
  const content = shown.trim();
  const m = SPACED_CITATION.exec(content);
  return m ? found(m, 0, (i) => at(start + i), md, lines) : undefined;
}

/**
 * A code span's content as a reader sees it, and where each of its characters is written
 * in `raw` (the span with its backticks). In a table cell `\|` shows as `|` and `\\` stays
 * as written, as the GFM table reader unescapes them.
 */
function shownCode(raw: string, inTable: boolean): { shown: string; at: number[] } {
  const fence = /^`+/u.exec(raw)?.[0].length ?? 0;
  let shown = '';
  const at: number[] = [];
  for (let i = fence; i < raw.length - fence; i++) {
    // A pair is read as one: `\\|` is a backslash then a pipe that ends the cell.
    if (inTable && raw[i] === '\\' && (raw[i + 1] === '|' || raw[i + 1] === '\\')) {
      shown += raw[i + 1] === '|' ? '|' : '\\\\';
      at.push(...(raw[i + 1] === '|' ? [i] : [i, i + 1]));
      i++;
      continue;
    }
    shown += raw[i];
    at.push(i);
  }
  return { shown, at };
}

/** A backslash escape of ASCII punctuation, or a character reference, as CommonMark reads them. */
const ESCAPE_OR_REFERENCE = /\\[!-/:-@[-`{-~]|&(?:#\d{1,7}|#[xX][\da-fA-F]{1,6}|[A-Za-z][A-Za-z\d]{1,31});/gu;

/**
 * Text as a reader sees it, and where each of its characters is written in `raw`: `my\_mod.py`
 * and `my&#95;mod.py` show `my_mod.py`, which was no citation, or the citation of its tail
 * `mod.py`. A decoded character maps to where its escape or reference starts; what decodes to
 * itself (an unknown name, `&foo;`) keeps its own offsets. Undefined when nothing is decoded.
 */
function shownText(raw: string): { shown: string; at: number[] } | undefined {
  if (!raw.includes('\\') && !raw.includes('&')) return undefined;
  let shown = '';
  const at: number[] = [];
  let last = 0;
  const keep = (to: number) => {
    for (let k = last; k < to; k++) {
      shown += raw[k];
      at.push(k);
    }
  };
  for (const m of raw.matchAll(ESCAPE_OR_REFERENCE)) {
    const i = m.index ?? 0;
    keep(i);
    last = i;
    const value = decodeString(m[0]);
    if (value === m[0]) {
      keep(i + m[0].length);
    } else {
      shown += value;
      for (let k = 0; k < value.length; k++) at.push(i);
    }
    last = i + m[0].length;
  }
  keep(raw.length);
  return { shown, at };
}

const CALL_WITH_ARGUMENTS = /^([\p{ID_Start}_]\p{ID_Continue}*(?:\.[\p{ID_Start}_]\p{ID_Continue}*)*)\((.*)\)$/su;

/**
 * `lock_for(agent)` claims the call `lock_for()`: a span naming a call with its arguments
 * claimed nothing, so its citation passed as SOURCE_ONLY whatever the lines held. Only a
 * span that is one call, its parentheses closing at its end (`f(a) or g(b)` is not).
 */
function callWithArguments(v: string): string | undefined {
  const m = CALL_WITH_ARGUMENTS.exec(v);
  if (!m) return undefined;
  let depth = 0;
  for (const ch of m[2] ?? '') {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return undefined;
  }
  return depth === 0 ? `${m[1] ?? ''}()` : undefined;
}

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * A repository's host and path (owner and name, or a GitLab project's groups and name) as one
 * key, however its URL writes it: an `origin` remote (`https://github.com/O/R.git`,
 * `git@github.com:O/R.git`, `ssh://git@gitlab.com/g/sub/p`) or a blob URL's `github.com/O/R`.
 * Undefined for a remote that is a local path.
 */
export function originRepo(remote: string): string | undefined {
  const r = remote.trim();
  const scp = /^(?:[^@/]+@)?(?<host>[^:/]+):(?!\/)(?<path>.+)$/u.exec(r);
  let host: string;
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//iu.test(r)) {
    try {
      const u = new URL(r);
      host = u.hostname;
      path = u.pathname;
    } catch {
      return undefined;
    }
  } else if (scp?.groups) {
    host = scp.groups.host ?? '';
    path = scp.groups.path ?? '';
  } else return undefined;
  // Every part of the path: a GitLab project sits under nested groups (`group/sub/project`).
  const parts = path.split('/').filter(Boolean);
  return host && parts.length >= 2 ? sameRepo([host, ...parts].join('/')) : undefined;
}

/** Compared without case and without `.git` or `www.`, as GitHub reads them. */
function sameRepo(key: string): string {
  return key
    .toLowerCase()
    .replace(/^www\./u, '')
    .replace(/\.git$/u, '');
}

function parseSpans(lines: string): LineSpan[] {
  return lines.split(',').map((part) => {
    const [a, b] = part.split(/[-–]/).map(Number) as [number, number | undefined];
    return { from: a, to: b ?? a };
  });
}

/** Sentence ranges of a block: a sentence ends at `.`, `!` or `?` followed by white space. */
function sentenceBounds(md: string, from: number, to: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  const text = md.slice(from, to);
  let start = 0;
  for (const m of text.matchAll(/[.!?](?=\s)/gu)) {
    const stop = (m.index ?? 0) + 1;
    out.push({ from: from + start, to: from + stop });
    start = stop;
  }
  out.push({ from: from + start, to });
  return out;
}

/** The cited lines as written: `12`, `3-9`, `1,4,7-8`. */
export function formatSpans(spans: LineSpan[], dash = '-'): string {
  return spans.map((s) => (s.from === s.to ? String(s.from) : `${s.from}${dash}${s.to}`)).join(',');
}

/** The cited lines as a citation writes them: `12-20`, or GitHub's `L12-L20` (`L12-20`) after a `#`. */
export function formatLines(c: Pick<Citation, 'anchor' | 'dash'>, spans: LineSpan[]): string {
  if (!c.anchor) return formatSpans(spans, c.dash);
  const end = c.anchor.endL ? 'L' : '';
  return spans.map((s) => (s.from === s.to ? `L${s.from}` : `L${s.from}-${end}${s.to}`)).join(',');
}

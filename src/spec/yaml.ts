/**
 * YAML parsing that keeps source positions, so every problem found later (schema,
 * references, expressions) can be reported as file:line:col.
 */
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  Parser,
  visit,
} from 'yaml';
import type { SourceLocation } from '../model/result.js';
import type { Problem } from './problems.js';
import { YAML_TO_DATA } from './yaml-options.js';
import { ranOutOfStack } from '../util/stack.js';

export interface ParsedYaml {
  file: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
  problems: Problem[];
}

export function parseYaml(file: string, text: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    merge: YAML_TO_DATA.merge,
  });
  const all: Problem[] = doc.errors.map((e) => {
    const open =
      e.code === 'BAD_INDENT'
        ? unclosedFlow(e.pos[0], text, doc, lines)
        : e.code === 'MISSING_CHAR'
          ? unclosedQuote(firstLine(e.message), e.pos[0], text, lines)
          : undefined;
    if (open) return { file, ...open, severity: 'error' };
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    return { file, line: pos.line, col: pos.col, message: `YAML: ${said(e, text, doc)}`, severity: 'error' };
  });
  // One broken line makes the parser report every token after it: only the first syntax
  // error is the user's; a duplicate key stands on its own, so each is kept.
  const first = doc.errors.findIndex((e) => e.code !== 'DUPLICATE_KEY');
  const problems = all.filter((_, i) => i === first || doc.errors[i]?.code === 'DUPLICATE_KEY');
  const cause = first < 0 ? undefined : all[first];
  if (cause) {
    // A tab in the indentation is the usual cause, and the parser does not name it.
    const source = text.split('\n');
    let tabbed = false;
    for (const n of [cause.line, cause.line - 1]) {
      const tab = /^[ ]*\t/.exec(source[n - 1] ?? '');
      if (tab) {
        Object.assign(cause, {
          line: n,
          col: tab[0].length,
          message: 'YAML: a tab in the indentation; YAML indents with spaces only',
        });
        tabbed = true;
        break;
      }
    }
    // `holds_if: !a || b` is the tag `!a` and then a block scalar's header `||`: the parser's
    // words say nothing of the `!` the writer meant as CEL's, which a quote would keep.
    const negated = tabbed ? undefined : negatedCondition(source[cause.line - 1] ?? '');
    if (negated !== undefined) {
      const offset = (lines.lineStarts[cause.line - 1] ?? 0) + negated.col - 1;
      Object.assign(cause, { col: negated.col, message: tagSaid({ offset, source: negated.tag }, text) });
    }
  }
  if (doc.errors.length === 0) {
    // `? [fires_if]` is a key that is a list: the data would have it as the text `[ fires_if ]`,
    // and the yaml package says so on the process's stderr, not where it is written.
    visit(doc, {
      Pair(_, pair) {
        if (!isSeq(pair.key) && !isMap(pair.key)) return;
        problems.push({
          file,
          ...lines.linePos(pair.key.range?.[0] ?? 0),
          severity: 'error',
          message: `YAML: a key must be a plain name, not a ${isSeq(pair.key) ? 'list' : 'map'}: write the name alone (name: value), without ? or brackets`,
        });
      },
    });
    const tags = foreignTags(text, doc);
    for (const tag of tags)
      problems.push({ file, ...lines.linePos(tag.offset), severity: 'error', message: tagSaid(tag, text) });
    // What the parser only warns of is read otherwise than written (an unresolved `!!int x` is
    // the string 'x'); a tag said above is not said again.
    const said = new Set(tags.map((t) => t.offset));
    for (const w of doc.warnings) {
      if (said.has(w.pos[0])) continue;
      const pos = w.linePos?.[0] ?? lines.linePos(w.pos[0]);
      problems.push({
        file,
        line: pos.line,
        col: pos.col,
        message: `YAML: ${warningSaid(w, text)}`,
        severity: 'error',
      });
    }
  }
  return { file, text, doc, lines, problems };
}

/**
 * The tags written in the text that are not YAML's own (`!!str`), the bare `!` included. A
 * spec has no use for one, and one is mostly a condition starting with CEL's `!` written
 * unquoted: `holds_if: !a && b` is the tag `!a` on the anchor-prefixed value `b`, and
 * `holds_if: ! a` is `a`, both read without the negation.
 */
function foreignTags(text: string, doc: Document.Parsed): { offset: number; source: string }[] {
  if (!text.includes('!')) return [];
  const found: { offset: number; source: string }[] = [];
  // The tokens a tag is among (a collection item's start and separator, a document's start):
  // walked without recursion, as a value may nest deeper than the stack.
  const stack: unknown[] = [...new Parser().parse(text)];
  while (stack.length) {
    const t = stack.pop();
    if (Array.isArray(t)) stack.push(...(t as unknown[]));
    else if (t !== null && typeof t === 'object') {
      const token = t as { type?: unknown; offset?: unknown; source?: unknown };
      if (token.type === 'tag' && typeof token.offset === 'number' && typeof token.source === 'string') {
        const name = doc.directives?.tagName(token.source, () => undefined) ?? token.source;
        if (!name.startsWith('tag:yaml.org,2002:')) found.push({ offset: token.offset, source: token.source });
      } else stack.push(...Object.values(t));
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** The keys whose values are CEL, where a leading `!` is meant as its negation. */
const CONDITION_KEYS = new Set(['holds_if', 'passes_if', 'fires_if', 'compares', 'condition']);

/** A line whose condition key's value starts with `!` unquoted: the tag it makes, and its column. */
function negatedCondition(line: string): { tag: string; col: number } | undefined {
  const m = /^(\s*(?:-\s+)?([\w-]+):\s+)(!\S*)/.exec(line);
  if (!m || !CONDITION_KEYS.has(m[2] ?? '')) return undefined;
  return { tag: m[3] ?? '!', col: (m[1]?.length ?? 0) + 1 };
}

/** What a stray tag is, with the value written as the user meant it where that is one line. */
function tagSaid(tag: { offset: number; source: string }, text: string): string {
  const lineStart = text.lastIndexOf('\n', tag.offset - 1) + 1;
  const lineEnd = text.indexOf('\n', tag.offset);
  const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
  const key = /^\s*(?:-\s+)?([^\s:#'"][^:#]*?):\s+$/.exec(line.slice(0, tag.offset - lineStart))?.[1];
  // The rest of the line, without a YAML comment after it.
  const value = line
    .slice(tag.offset - lineStart)
    .replace(/\s+#.*$/, '')
    .trimEnd();
  const quoted = `'${value.replace(/'/g, "''")}'`;
  if (key === undefined || !CONDITION_KEYS.has(key)) {
    return `YAML: \`${tag.source}\` here is a YAML tag, which a spec does not read: quote the value (${key === undefined ? '' : `${key}: `}${quoted})`;
  }
  return `YAML: \`${tag.source}\` here is a YAML tag, not CEL's negation: quote the condition (${key}: ${quoted}), or write it as a |- block`;
}

/** The parser's warning, in the words of a person editing the file. */
function warningSaid(w: { code: string; message: string; pos: [number, number] }, text: string): string {
  const raw = firstLine(w.message);
  if (w.code === 'TAG_RESOLVE_FAILED' || w.code === 'BAD_COLLECTION_TYPE') {
    const tag = text.slice(w.pos[0], w.pos[1]);
    return `${raw}: the tag ${tag} does not read this value; remove the tag`;
  }
  return raw;
}

/**
 * The document as plain data, or the problem that stops it: the yaml package refuses to
 * expand an alias bomb (and any value it cannot build), which the parse does not report.
 */
export function yamlData(y: ParsedYaml): { data: unknown } | { problem: Problem } {
  try {
    return { data: (y.doc.toJS({ maxAliasCount: YAML_TO_DATA.maxAliasCount }) as unknown) ?? [] };
  } catch (e) {
    // An alias bomb: at the alias where the yaml package stopped, as it does not say where.
    if (/alias count/i.test((e as Error).message)) {
      const at = aliasGivenUpAt(y) ?? findAlias(y);
      return {
        problem: {
          ...locate(y, at?.range?.[0]),
          severity: 'error',
          message: `YAML: too many alias expansions${at ? ` at *${at.source}` : ''}: aliases of anchors that hold aliases multiply, and here they pass ${YAML_TO_DATA.maxAliasCount} copies, as an alias bomb does; write the values out, or nest fewer aliases`,
        },
      };
    }
    // A merge of what is not a map: at the value merged, as the parser does not say where.
    const bad = badMerge(y);
    if (bad) {
      return {
        problem: {
          ...locate(y, bad.range?.[0]),
          severity: 'error',
          message: "YAML: '<<' merges a map, an alias of one (*defaults) or a list of them, and this is not one",
        },
      };
    }
    // An alias whose anchor is not set before it: at the alias, as the parser does not say where.
    // The first that resolves to nothing: its anchor is missing, or only set after it.
    const dangling = findAlias(y, (alias) => alias.resolve(y.doc) === undefined);
    if (dangling) {
      return {
        problem: {
          ...locate(y, dangling.range?.[0]),
          severity: 'error',
          message: `YAML: the alias *${dangling.source} names no anchor &${dangling.source} set before it; define the anchor above, or write the value out`,
        },
      };
    }
    return {
      problem: { file: y.file, line: 1, col: 1, severity: 'error', message: `YAML: ${tooDeep((e as Error).message)}` },
    };
  }
}

/**
 * The alias at which the yaml package gives up expanding aliases. It throws without naming
 * one, so a copy of the document is built again with every alias noting whether its expansion
 * failed: the innermost to fail, the first to note it, is the one that went over the count.
 */
function aliasGivenUpAt(y: ParsedYaml): Alias | undefined {
  const copy = y.doc.clone();
  let at: Alias | undefined;
  visit(copy, {
    Alias(_, alias) {
      const resolve = alias.resolve.bind(alias);
      alias.resolve = (...args: Parameters<Alias['resolve']>) => {
        try {
          return resolve(...args);
        } catch (e) {
          at ??= alias;
          throw e;
        }
      };
    },
  });
  try {
    copy.toJS({ maxAliasCount: YAML_TO_DATA.maxAliasCount });
  } catch {
    // Expected: it fails as the document itself did, and `at` says where.
  }
  return at;
}

/** The first alias, in document order, that `test` accepts (any alias without one). */
function findAlias(y: ParsedYaml, test: (alias: Alias) => boolean = () => true): Alias | undefined {
  let found: Alias | undefined;
  visit(y.doc, {
    Alias(_, alias) {
      if (!test(alias)) return undefined;
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
}

/** The first value a merge key brings that is not a map (the alias, when it came through one). */
function badMerge(y: ParsedYaml): Node | undefined {
  let bad: Node | undefined;
  visit(y.doc, {
    Pair(_, pair) {
      if (!isMergeKey(pair.key)) return undefined;
      for (const source of mergeSources(y, pair.value)) {
        const map = isAlias(source) ? source.resolve(y.doc) : source;
        if (isMap(map)) continue;
        // An empty value (`<<:` alone) at its key.
        const empty = !isNode(source) || (isScalar(source) && source.value === null);
        bad = (isAlias(pair.value) ? pair.value : empty ? pair.key : source) as Node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return bad;
}

/**
 * A flow list or map (`[a, b`, `{a: 1`) the parser gave up on at `at`: it reports where it
 * stopped, at the end of the file when the bracket is never closed, and suggests indenting. The
 * bracket that is open is the place to look: at the end of the file the problem is located
 * there; before it (a continuation line indented less than its key) at the line, naming it.
 */
function unclosedFlow(
  at: number,
  text: string,
  doc: Document.Parsed,
  lines: LineCounter,
): { line: number; col: number; message: string } | undefined {
  let open: Node | undefined;
  visit(doc, {
    Node(_, node) {
      // The innermost: in `[a, [b` both are open, and the inner one is where the eye is.
      if ((isSeq(node) || isMap(node)) && node.flow && node.range?.[1] === at) open = node;
    },
  });
  const start = open?.range?.[0];
  if (start === undefined) return undefined;
  const bracket = text[start];
  if (bracket !== '[' && bracket !== '{') return undefined;
  const close = bracket === '[' ? ']' : '}';
  const what = bracket === '[' ? 'list' : 'map';
  const from = lines.linePos(start);
  if (text.slice(at).trim() === '') {
    return { ...from, message: `YAML: the ${what} opened here with ${bracket} is never closed: end it with ${close}` };
  }
  return {
    ...lines.linePos(at),
    message: `YAML: the ${what} opened with ${bracket} at line ${from.line}, column ${from.col} is not closed before this line: end it with ${close}, and indent its continuation lines deeper than its key`,
  };
}

/**
 * A quoted value left open: the parser says so where the file (or the value) ends, often a line
 * the user never wrote; the quote that opened it is where to look. Nothing inside an open "..."
 * is an unescaped ", and nothing inside an open '...' is a ' outside a '' pair, so the opening
 * quote is the last such one before the end.
 */
function unclosedQuote(
  raw: string,
  end: number,
  text: string,
  lines: LineCounter,
): { line: number; col: number; message: string } | undefined {
  const quote = raw === 'Missing closing "quote' ? '"' : raw === "Missing closing 'quote" ? "'" : undefined;
  if (!quote) return undefined;
  let at = -1;
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    if (quote === '"') {
      // `\"` inside the value: an escaped quote, not the opening one.
      let slashes = 0;
      while (i - 1 - slashes >= 0 && text[i - 1 - slashes] === '\\') slashes++;
      if (slashes % 2 === 0) {
        at = i;
        break;
      }
    } else {
      // A run of quotes: pairs are escapes; an odd run starts with the opening quote.
      let n = 0;
      while (i - n >= 0 && text[i - n] === "'") n++;
      if (n % 2 === 1) {
        at = i - n + 1;
        break;
      }
      i -= n - 1;
    }
  }
  if (at < 0) return undefined;
  const how = quote === '"' ? 'write a " inside it as \\"' : "write a ' inside it as ''";
  return {
    ...lines.linePos(at),
    message: `YAML: the ${quote}...${quote} value opened here is never closed: end it with ${quote}, and ${how}`,
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** The parser's message, in the words of a person editing the file, for the usual mistakes. */
function said(e: { code: string; message: string; pos: [number, number] }, text: string, doc: Document.Parsed): string {
  const raw = firstLine(e.message);
  switch (e.code) {
    case 'MULTIPLE_DOCS':
      return 'a second document (---) in one file; a spec file holds one: remove the --- line, or move what follows it into a file of its own';
    case 'DUPLICATE_KEY': {
      // The key as parsed (quotes and escapes undone), from the pair the error points at.
      let name: string | undefined;
      visit(doc, {
        Pair(_, pair) {
          if (isScalar(pair.key) && pair.key.range?.[0] === e.pos[0]) {
            name = String(pair.key.value);
            return visit.BREAK;
          }
          return undefined;
        },
      });
      return `${name !== undefined ? `key '${name}'` : 'a key'} appears twice in this map; keep one`;
    }
    case 'UNEXPECTED_TOKEN': {
      // Only where a quoted value ends on this line before the stray text.
      const line = text.slice(text.lastIndexOf('\n', e.pos[0] - 1) + 1, e.pos[0]);
      return raw === 'Unexpected scalar at node end' && /['"]\S*\s*$/.test(line)
        ? `${raw}: a quote inside a quoted value ends it early; write '' for ' inside '...', or quote with the other kind`
        : raw;
    }
    case 'BAD_INDENT':
      return `${raw}: indent this line as the items beside it`;
    // The usual indentation slips, which the parser names in its own terms.
    case 'BLOCK_AS_IMPLICIT_KEY':
      if (raw === 'Nested mappings are not allowed in compact mappings') {
        return `${raw}: this value holds ': ', or the line after it is indented deeper than its key and so continues it; quote the value ("..."), or indent that line as the keys beside it`;
      }
      if (raw === 'A block sequence may not be used as an implicit map key') {
        return `${raw}: this list item is indented deeper than the items before it; indent it as the items beside it`;
      }
      return raw;
    case 'MULTILINE_IMPLICIT_KEY':
      return `${raw}: this line has no ':' after its key, so it runs on into the next line; write key: value`;
    case 'MISSING_CHAR':
      return raw === 'Sequence item without - indicator'
        ? `${raw}: this line is indented less than the keys of its list item; indent it as the keys beside it, or start a new item with '- '`
        : tooDeep(raw);
    case 'BAD_DQ_ESCAPE':
      // Mostly a regex (\d, \s, \.) written in "...", where YAML reads the backslash first.
      return `${raw}: in a "..." value a backslash starts a YAML escape; write it twice (\\\\), or quote the value with '...', where a backslash is itself`;
    default:
      return tooDeep(raw);
  }
}

/**
 * The parser runs out of stack on values nested thousands deep, and says only that. A spec
 * nests a few levels; such a value is a mistake or generated junk, and the user is told so.
 */
function tooDeep(message: string): string {
  return ranOutOfStack(message)
    ? 'a value nested too deeply to read (thousands of levels of [ or {); a spec nests a few: flatten it'
    : message;
}

export function locate(y: ParsedYaml, offset: number | undefined): SourceLocation {
  if (offset === undefined) return { file: y.file, line: 1, col: 1 };
  const { line, col } = y.lines.linePos(offset);
  return { file: y.file, line, col };
}

/**
 * A merge key as the yaml package reads one: `<<` written plain (a symbol once parsed, or the
 * string '<<' when tagged `!!str`); a quoted '<<' is an ordinary key.
 */
const isMergeKey = (key: unknown) =>
  isScalar(key) &&
  (typeof key.value === 'symbol'
    ? key.value.description === '<<'
    : key.value === '<<' && (!key.type || key.type === 'PLAIN'));

/**
 * What a merge key's value brings, in order, as the yaml package merges it: a map, an alias of
 * one, or a list of those, the list itself possibly an alias.
 */
function mergeSources(y: ParsedYaml, value: unknown): unknown[] {
  const list = isAlias(value) ? value.resolve(y.doc) : value;
  return isSeq(list) ? list.items : [value];
}

/**
 * The pair of `key` in a map: its own, else the one a merge key (`<<: *base`, `<<: [*a, *b]`)
 * brings, the first of those as YAML has it, with the alias it came through.
 */
function pairIn(
  y: ParsedYaml,
  map: unknown,
  key: string,
  seen = new Set<unknown>(),
): { pair: Pair; via?: Node } | undefined {
  if (isAlias(map)) {
    // The outermost alias: the one this map is written with, not one inside what it brings.
    const found = pairIn(y, map.resolve(y.doc), key, seen);
    return found && { pair: found.pair, via: map };
  }
  if (!isMap(map) || seen.has(map)) return undefined;
  seen.add(map);
  const own = map.items.find((p) => isPair(p) && isScalar(p.key) && !isMergeKey(p.key) && String(p.key.value) === key);
  if (own) return { pair: own };
  for (const p of map.items) {
    if (!isPair(p) || !isMergeKey(p.key)) continue;
    for (const source of mergeSources(y, p.value)) {
      const found = pairIn(y, source, key, seen);
      // Through a list written at an anchor (`<<: *bases`): at that alias.
      if (found) return isAlias(p.value) ? { pair: found.pair, via: p.value } : found;
    }
  }
  return undefined;
}

/** The node at a JSON-pointer-like path of keys and indexes. */
export function nodeAt(y: ParsedYaml, path: (string | number)[]): Node | undefined {
  const { node, via } = walk(y, path);
  return via ?? node;
}

/** The value at `path` as written, through any alias: where its text is, not where this entry uses it. */
export function writtenNodeAt(y: ParsedYaml, path: (string | number)[]): Node | undefined {
  const { node } = walk(y, path);
  return isAlias(node) ? (node.resolve(y.doc) ?? undefined) : node;
}

function walk(y: ParsedYaml, path: (string | number)[]): { node: Node | undefined; via?: Node } {
  let node: unknown = y.doc.contents;
  // Through an alias (*base) the value is written at its anchor, but it is this place's value:
  // a problem in it is shown at the alias, where this entry uses it (for a merged key, the
  // alias after `<<`).
  let via: Node | undefined;
  for (const seg of path) {
    if (isAlias(node)) {
      via ??= node;
      node = node.resolve(y.doc);
    }
    if (isMap(node)) {
      const found = pairIn(y, node, String(seg));
      if (found?.via) via ??= found.via;
      node = found?.pair.value ?? undefined;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)];
    } else {
      return { node: undefined, via };
    }
  }
  return { node: node as Node | undefined, via };
}

/** Where the key `key` of the map at `path` is written; falls back to the map itself. */
export function keyLocation(y: ParsedYaml, path: (string | number)[], key: string): SourceLocation {
  const parent = nodeAt(y, path);
  if (isMap(parent)) {
    const found = pairIn(y, parent, key);
    if (found?.via) return locate(y, found.via.range?.[0]);
    if (found && isScalar(found.pair.key)) return locate(y, found.pair.key.range?.[0]);
  }
  return locate(y, parent?.range?.[0]);
}

export function valueLocation(y: ParsedYaml, path: (string | number)[]): SourceLocation {
  return locate(y, nodeAt(y, path)?.range?.[0]);
}

/**
 * Maps an offset inside a scalar's string value to a file position. Plain and quoted
 * scalars sit on the value's own line; block scalars (`|`, `>`) start on the next line,
 * so the line is found by matching its text.
 */
function occurrences(text: string, word: string): number {
  let n = 0;
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) n++;
  return n;
}

/** Where in `source` the `run` found at `offset` of `value` was written, or -1 when that is not certain. */
function sameRunInSource(value: string, source: string, offset: number, run: string): number {
  if (occurrences(source, run) !== occurrences(value, run)) return -1;
  const nth = occurrences(value.slice(0, offset), run);
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = source.indexOf(run, at + 1);
    if (at < 0) return -1;
  }
  return at;
}

export function locateInScalar(y: ParsedYaml, path: (string | number)[], offset: number): SourceLocation {
  const node = nodeAt(y, path);
  if (!node || !isScalar(node) || typeof node.value !== 'string') return valueLocation(y, path);
  const value = node.value;
  const start = node.range?.[0] ?? 0;
  // The word (or other run of text) at the offset, found in the scalar's own source text by its
  // place among the same runs: a folded (>-) or multi-line plain value has its line breaks turned
  // into spaces and an escape (\") is shorter than its source, so offsets in the value are not
  // offsets in the file, but what was written between spaces reads as it was written.
  // A block scalar's header (>-, |) is not part of its text, and may hold the very run looked for.
  const block = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL';
  const whole = y.text.slice(start, node.range?.[1] ?? y.text.length);
  const skip = block ? whole.indexOf('\n') + 1 : 0;
  const source = whole.slice(skip);
  const run = /^[A-Za-z_][\w.]*/.exec(value.slice(offset))?.[0] ?? /^\S+/.exec(value.slice(offset))?.[0];
  if (run) {
    const at = sameRunInSource(value, source, offset, run);
    if (at >= 0) return locate(y, start + skip + at);
  } else {
    // At the end (an expression that stops too early): just after the last thing written.
    const last = /(\S+)(\s*)$/.exec(value.slice(0, offset));
    if (last?.[1]) {
      const at = sameRunInSource(value, source, last.index, last[1]);
      if (at >= 0) return locate(y, start + skip + at + last[1].length + (last[2] ? 1 : 0));
    }
  }
  if (node.type === 'PLAIN' || node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    const quote = node.type === 'PLAIN' ? 0 : 1;
    if (!source.trimEnd().includes('\n')) return locate(y, start + quote + offset);
  }
  const before = value.slice(0, offset);
  const lineIdx = before.split('\n').length - 1;
  const colInLine = offset - (before.lastIndexOf('\n') + 1);
  const wanted = value.split('\n')[lineIdx] ?? '';
  const srcLines = y.text.split('\n');
  const first = y.lines.linePos(start).line;
  for (let i = first - 1; i < srcLines.length; i++) {
    const idx = wanted.trim() === '' ? -1 : (srcLines[i] ?? '').indexOf(wanted.trim());
    if (idx >= 0) {
      const lead = wanted.length - wanted.trimStart().length;
      return { file: y.file, line: i + 1, col: idx + 1 + Math.max(0, colInLine - lead) };
    }
  }
  return locate(y, start);
}

/** What a YAML double-quoted escape (\n, \", \x41, \u00e9, …) stands for. */
const YAML_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_ESCAPE: Record<string, number> = { x: 2, u: 4, U: 8 };

const isSpace = (ch: string) => /\s/.test(ch);

/**
 * Where each character of a scalar's value is written in the file, by its offset in the value
 * (undefined for white space): the value's n-th character that is not white space is the n-th
 * written. Folding (the line
 * breaks of a `>` block or of a multi-line plain or quoted value read as spaces, the indentation
 * dropped) changes only white space, so what stands between is what was written, in the same
 * order; an escape (\", '') is the character it stands for, read where it is written. Undefined
 * when what is read back is not the value, so a caller never trusts a wrong place.
 */
export function writtenOffsets(y: ParsedYaml, node: Node): (number | undefined)[] | undefined {
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const { text } = y;
  const [start, end] = node.range;
  const block = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL';
  const quote = node.type === 'QUOTE_DOUBLE' ? '"' : node.type === 'QUOTE_SINGLE' ? "'" : undefined;
  // A block's header line (>-, |2, a # comment) is not part of its text.
  let i = block ? text.indexOf('\n', start) + 1 : start + (quote ? 1 : 0);
  if (block && i === 0) return undefined;
  const written: { ch: string; at: number }[] = [];
  while (i < end) {
    const ch = text[i] ?? '';
    if (quote === "'" && ch === "'") {
      if (text[i + 1] !== "'") break;
      written.push({ ch, at: i });
      i += 2;
    } else if (quote === '"' && ch === '"') {
      break;
    } else if (quote === '"' && ch === '\\') {
      const next = text[i + 1] ?? '';
      const digits = HEX_ESCAPE[next];
      let read: string | undefined;
      let length = 2;
      if (next === '\n' || next === '\r') read = '';
      else if (digits !== undefined) {
        const hex = text.slice(i + 2, i + 2 + digits);
        read =
          /^[0-9A-Fa-f]+$/.test(hex) && hex.length === digits ? String.fromCodePoint(parseInt(hex, 16)) : undefined;
        length += digits;
      } else read = YAML_ESCAPES[next];
      if (read === undefined) return undefined;
      for (const unit of read.split('')) if (!isSpace(unit)) written.push({ ch: unit, at: i });
      i += length;
    } else {
      if (!isSpace(ch)) written.push({ ch, at: i });
      i++;
    }
  }
  const out: (number | undefined)[] = [];
  let n = 0;
  for (const unit of node.value.split('')) {
    if (isSpace(unit)) {
      out.push(undefined);
      continue;
    }
    const w = written[n++];
    if (w?.ch !== unit) return undefined;
    out.push(w.at);
  }
  return out;
}

/** The id of the item at `index` as written, whether or not the item passed the schema. */
export function writtenId(y: ParsedYaml, index: number): unknown {
  const node = nodeAt(y, [index, 'id']);
  return isScalar(node) ? node.value : undefined;
}

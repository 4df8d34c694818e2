/**
 * JSON as written, not as JavaScript sees it. `JSON.parse` loses exactly what parity is
 * about: an object's integer-like keys are moved first, and `1.0` becomes `1`. The
 * document is parsed with jsonc-parser's syntax tree instead (strict JSON: no comments, no
 * trailing commas), which keeps every property in file order and the offsets of every
 * value, so a number's lexical kind and exact text are read back from the source.
 */
import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';

export type JsonValue =
  | { kind: 'object'; entries: JsonEntry[]; offset: number }
  | { kind: 'array'; items: JsonValue[]; offset: number }
  /** A number written without fraction or exponent; `raw` is its exact text. */
  | { kind: 'int'; raw: string; value: number; offset: number }
  /** A number written with a fraction or an exponent (`1.0`, `2e3`). */
  | { kind: 'float'; raw: string; value: number; offset: number }
  | { kind: 'string'; value: string; offset: number }
  | { kind: 'bool'; value: boolean; offset: number }
  | { kind: 'null'; offset: number };

export type JsonKind = JsonValue['kind'];

export interface JsonEntry {
  key: string;
  value: JsonValue;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}:${col}: not valid JSON: ${detail}`);
  }
}

/** Parses strict JSON; a syntax error is thrown with the file, line and column of the first problem. */
export function parseJson(source: string, file: string): JsonValue {
  // A byte-order mark (what Windows tools write) is not part of the document; RFC 8259
  // lets a parser ignore it, and without it the capture failed as "invalid symbol" at 1:1.
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  // jsonc-parser calls an empty file "value expected", which reads as a syntax slip; it is a
  // capture that was never written (a request that timed out, a script that failed).
  if (/^[ \t\n\r]*$/.test(text)) {
    throw new JsonSyntaxError(file, 1, 1, 'the file holds no JSON value (it is empty): take the capture again');
  }
  const tooDeep = nestedPast(text, MAX_DEPTH);
  if (tooDeep !== undefined) {
    const at = lineCol(text, tooDeep);
    throw new JsonSyntaxError(file, at.line, at.col, `nested deeper than ${MAX_DEPTH} levels`);
  }
  // A proxy's error page saved in place of the response reads as "invalid symbol" at 1:1,
  // which says nothing of what the file is.
  const start = text.search(/\S/);
  if (text[start] === '<') {
    const at = lineCol(text, start);
    throw new JsonSyntaxError(
      file,
      at.line,
      at.col,
      'the file holds HTML or XML (an error page in place of the response?), not JSON: take the capture again',
    );
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first || !root) {
    const at = lineCol(text, first?.offset ?? 0);
    throw new JsonSyntaxError(
      file,
      at.line,
      at.col,
      first ? describe(printParseErrorCode(first.error)) : 'empty document',
    );
  }
  return convert(root, text, file);
}

/**
 * How deep a capture may nest. The parser, the reader and the comparison all recurse, and a
 * document nested some thousands deep exhausted the stack ("Maximum call stack size
 * exceeded", naming no file); no response is that deep (Python's json stops near 1000).
 */
export const MAX_DEPTH = 1000;

/** The offset of the first `[` or `{` nested deeper than `max`, outside strings; undefined if none. */
function nestedPast(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      if (++depth > max) return i;
    } else if (ch === ']' || ch === '}') depth--;
  }
  return undefined;
}

function convert(n: Node, text: string, file: string): JsonValue {
  switch (n.type) {
    case 'object': {
      // A key written twice is read as either value depending on the reader: not comparable.
      const seen = new Map<string, number>();
      const entries = (n.children ?? []).map((p) => {
        const [k, v] = p.children ?? [];
        // A property node always has its key and, once the parse had no errors, its value.
        const key = String(k?.value);
        const first = seen.get(key);
        if (first !== undefined) {
          const at = lineCol(text, k?.offset ?? p.offset);
          const was = lineCol(text, first);
          throw new JsonSyntaxError(
            file,
            at.line,
            at.col,
            `duplicate key ${JSON.stringify(key)} (first at ${was.line}:${was.col})`,
          );
        }
        seen.set(key, k?.offset ?? p.offset);
        return { key, value: convert(v as Node, text, file) };
      });
      return { kind: 'object', offset: n.offset, entries };
    }
    case 'array':
      return { kind: 'array', offset: n.offset, items: (n.children ?? []).map((c) => convert(c, text, file)) };
    case 'number': {
      const raw = text.slice(n.offset, n.offset + n.length);
      return { kind: /[.eE]/.test(raw) ? 'float' : 'int', raw, value: Number(raw), offset: n.offset };
    }
    case 'string':
      return { kind: 'string', value: String(n.value), offset: n.offset };
    case 'boolean':
      return { kind: 'bool', value: n.value === true, offset: n.offset };
    default:
      return { kind: 'null', offset: n.offset };
  }
}

function describe(code: string): string {
  // "CommaExpected" → "comma expected"
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** 1-based line and column (UTF-16 code units) of an offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** The value as compact JSON text, numbers exactly as written; for messages and reports. */
export function render(v: JsonValue): string {
  switch (v.kind) {
    case 'object':
      return `{${v.entries.map((e) => `${JSON.stringify(e.key)}:${render(e.value)}`).join(',')}}`;
    case 'array':
      return `[${v.items.map(render).join(',')}]`;
    case 'int':
    case 'float':
      return v.raw;
    case 'string':
      return JSON.stringify(v.value);
    case 'bool':
      return String(v.value);
    case 'null':
      return 'null';
  }
}

/**
 * Raw measurement queries name their bounds (`$as_of`, `$window_start`, `$window_end`) so a
 * spec reads as prose; PostgreSQL only knows positional `$n`. The rewrite is lexical and
 * skips string literals, quoted identifiers, dollar-quoted bodies and comments, so a `$as_of`
 * inside a string stays text.
 */

export class ParamRewriteError extends Error {}

/** The named parameters a raw measurement query may use. */
export const RAW_PARAMS = ['as_of', 'window_start', 'window_end'] as const;

export interface RewrittenQuery {
  text: string;
  /** The named parameters in the order of their positional numbers: `names[0]` is `$1`. */
  names: string[];
  /** Where the character at `at` of `text` was in the query as written (a `$1` at its `$as_of`). */
  sourceOffset(at: number): number;
  /** Each parameter the query reads, where it is written in the query (its `$`), in order. */
  uses: { name: string; offset: number }[];
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * Rewrites `$name` to `$1..$n`, numbering only the names the query uses (PostgreSQL rejects
 * a parameter whose type it cannot infer, which includes one that is never referenced).
 */
export function rewriteNamedParams(sql: string, allowed: readonly string[]): RewrittenQuery {
  const names: string[] = [];
  const uses: { name: string; offset: number }[] = [];
  // Where the output and the query as written are in step again: at the start of each rewritten
  // name (its `$n` and its `$name`) and just after it; between two, both advance alike.
  const moved: { out: number; src: number }[] = [];
  let out = '';
  let i = 0;
  const n = sql.length;

  while (i < n) {
    const c = sql.charAt(i);
    const next = sql.charAt(i + 1);

    if (c === "'") {
      const escapes = isEscapeStringPrefix(sql, i);
      const end = endOfQuoted(sql, i, "'", escapes);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '"') {
      const end = endOfQuoted(sql, i, '"', false);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? n : nl;
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = endOfBlockComment(sql, i);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    if (IDENT_START.test(c) || (c >= '0' && c <= '9')) {
      // Consume the whole word: a `$` inside an identifier (`a$b`) is not a parameter.
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(sql.charAt(j))) j++;
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close === -1) throw new ParamRewriteError(`unterminated dollar-quoted string ${tag[0]}`);
        const end = close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
        continue;
      }
      const positional = /^\$(\d+)/.exec(sql.slice(i));
      if (positional) {
        throw new ParamRewriteError(
          `positional parameter ${positional[0]} in a measurement query; use the named parameters ${allowed.map((a) => `$${a}`).join(', ')}`,
        );
      }
      const named = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i));
      if (named) {
        const name = named[1] as string;
        if (!allowed.includes(name)) {
          throw new ParamRewriteError(
            `unknown parameter $${name}; a measurement query may use ${allowed.map((a) => `$${a}`).join(', ')}`,
          );
        }
        let index = names.indexOf(name);
        if (index === -1) {
          names.push(name);
          index = names.length - 1;
        }
        uses.push({ name, offset: i });
        moved.push({ out: out.length, src: i });
        out += `$${index + 1}`;
        i += named[0].length;
        moved.push({ out: out.length, src: i });
        continue;
      }
    }
    out += c;
    i++;
  }
  const sourceOffset = (at: number): number => {
    let last = { out: 0, src: 0 };
    for (const m of moved) {
      if (m.out > at) break;
      last = m;
    }
    return last.src + at - last.out;
  };
  return { text: out, names, sourceOffset, uses };
}

/** `E'..'` (and `e'..'`) strings treat backslash as an escape; the E must stand alone, not end a word. */
function isEscapeStringPrefix(sql: string, quoteAt: number): boolean {
  const prev = sql.charAt(quoteAt - 1);
  if (prev !== 'E' && prev !== 'e') return false;
  return quoteAt < 2 || !IDENT_CHAR.test(sql.charAt(quoteAt - 2));
}

function endOfQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      // A doubled quote is an escaped quote, not the end.
      if (sql.charAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new ParamRewriteError(`unterminated ${quote === "'" ? 'string literal' : 'quoted identifier'}`);
}

function endOfBlockComment(sql: string, start: number): number {
  // PostgreSQL block comments nest.
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  throw new ParamRewriteError('unterminated block comment');
}

/**
 * Matching a rule's regex against one file's text and turning matches into findings with
 * line, column and the matched text. Line starts are computed once per file, and only for
 * files that match at all.
 */
import type { LintFinding } from '../report.js';
import type { ContentRule } from '../spec.js';
import { LineIndex, lineEnd } from '../../util/line-index.js';

export { LineIndex };

const MAX_MATCH = 200;

export interface Match {
  index: number;
  text: string;
}

/**
 * Every non-overlapping match. A pattern that matches only by looking (`^(?=.*password)`)
 * matches empty text: that is a match too, as in grep, or the rule could never fire and
 * nothing would say so. Empty ones count once per line: `\b` would otherwise count every word.
 * With a limit, the first that many (a `require` pattern needs one).
 */
export function matchesOf(re: RegExp, text: string, limit = Number.POSITIVE_INFINITY): Match[] {
  const out: Match[] = [];
  let emptyLineEnd = -1;
  let strict: RegExp | undefined;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    // JavaScript's `^` also holds between the \r and \n of a CRLF break, where no line starts:
    // `^\s*breakpoint\(\)` would match from there, across the \n, and be reported at the end
    // of the line above. Such a match is taken only if the regex matches there without that `^`.
    if (text.charCodeAt(m.index) === 10 && text.charCodeAt(m.index - 1) === 13) {
      strict ??= withoutCrlfLineStart(re);
      strict.lastIndex = m.index;
      const s = strict.exec(text);
      if (s === null) {
        re.lastIndex = m.index + 1;
        continue;
      }
      m = s;
      re.lastIndex = m.index + m[0].length;
    }
    if (m[0].length === 0) {
      // An empty match would not advance: step over it.
      re.lastIndex++;
      if (m.index < emptyLineEnd) continue;
      // After a file's final line break no line begins (git, grep and wc count none): `^$`
      // there would flag a blank line below the last line of every file.
      if (m.index === text.length && /[\n\r]$/.test(text)) continue;
      // JavaScript's `^` and `$` also meet between the \r and \n of a CRLF break, an empty
      // line no editor shows: `^$` would flag the end of every line of a Windows file.
      if (text.charCodeAt(m.index - 1) === 13 && text.charCodeAt(m.index) === 10) continue;
      emptyLineEnd = lineEnd(text, m.index);
    }
    out.push({ index: m.index, text: m[0] });
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * The regex, sticky, with every `^` (outside a class, unescaped: without the u flag it is
 * never a literal there) refused between a \r and the \n after it, where an editor sees no
 * line start; elsewhere it matches as before.
 */
function withoutCrlfLineStart(re: RegExp): RegExp {
  const src = re.source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\') {
      out += src.slice(i, i + 2);
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else {
      if (c === '[') inClass = true;
      out += c === '^' ? '(?:^(?!(?<=\\r)\\n))' : c;
    }
  }
  return new RegExp(out, `${re.flags.replace('g', '')}y`);
}

export function findingsFor(
  rule: ContentRule,
  file: string,
  matches: Match[],
  lines: LineIndex,
  message: string,
): LintFinding[] {
  return matches.map((m) => {
    const start = lines.at(m.index);
    const end = lines.at(m.index + m.text.length);
    let first = m.text.split(/\r\n?|\n/)[0] ?? '';
    // A pattern that matches only by looking (`^(?=.*password)`), or a match that starts at
    // a line break, shows no text of its own: the line it was found on says what was found.
    if (first === '') first = lines.lineOf(m.index).trim();
    return {
      rule: rule.id,
      kind: rule.kind,
      severity: rule.severity,
      file,
      line: start.line,
      col: start.col,
      end_line: end.line,
      end_col: end.col,
      // A blank line found (`^$`) has no text to show at all.
      ...(first !== '' ? { match: first.length > MAX_MATCH ? `${cut(first, MAX_MATCH - 1)}…` : first } : {}),
      message,
      fix: rule.fix,
    };
  });
}

/** The first n UTF-16 units of s, one fewer when the cut would split a surrogate pair (half an emoji is not text). */
function cut(s: string, n: number): string {
  const last = s.charCodeAt(n - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}

/**
 * Matching a rule's regex against one file's text and turning matches into findings with
 * line, column and the matched text. Line starts are computed once per file, and only for
 * files that match at all.
 */
import type { LintFinding } from '../report.js';
import type { ContentRule } from '../spec.js';

const MAX_MATCH = 200;

export class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  /** 1-based line and column of a string offset. */
  at(offset: number): { line: number; col: number } {
    if (!this.starts) {
      const s = [0];
      const t = this.text;
      for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) s.push(i + 1);
      this.starts = s;
    }
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((s[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (s[lo] ?? 0) + 1 };
  }
}

export interface Match {
  index: number;
  text: string;
}

/** Every non-overlapping match; `skip` characters at the start of each match are not part of the finding. */
export function matchesOf(re: RegExp, text: string, skip = 0): Match[] {
  const out: Match[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    // An empty match would not advance: step over it.
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push({ index: m.index + skip, text: m[0].slice(skip) });
  }
  return out;
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
    const first = m.text.split(/\r?\n/)[0] ?? '';
    return {
      rule: rule.id,
      kind: rule.kind,
      severity: rule.severity,
      file,
      line: start.line,
      col: start.col,
      end_line: end.line,
      end_col: end.col,
      match: first.length > MAX_MATCH ? `${first.slice(0, MAX_MATCH - 1)}…` : first,
      message,
      fix: rule.fix,
    };
  });
}

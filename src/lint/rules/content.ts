/**
 * Matching a rule's regex against one file's text and turning matches into findings with
 * line, column and the matched text. Line starts are computed once per file, and only for
 * files that match at all.
 */
import type { LintFinding } from '../report.js';
import type { ContentRule } from '../spec.js';
import { LineIndex } from '../../util/line-index.js';

export { LineIndex };

const MAX_MATCH = 200;

export interface Match {
  index: number;
  text: string;
}

/** Every non-overlapping match. */
export function matchesOf(re: RegExp, text: string): Match[] {
  const out: Match[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    // An empty match would not advance: step over it.
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push({ index: m.index, text: m[0] });
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

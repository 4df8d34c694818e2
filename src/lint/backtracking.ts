/**
 * Rule regexes that could hang a scan. Past its backtrack limit V8 reruns a regex in its
 * linear-time engine (the flag is set in scan.ts), but only a regex that engine can run: no
 * lookaround (every `quoted` rule has one), no backreference, no ignore_case, no large {n,m}
 * repeat. Such a regex that can also backtrack exponentially ((a+)+$ over a long run of a's)
 * would hold a pre-commit hook for minutes on one line, so the spec names it instead.
 *
 * Reading lints.yaml only collects the regexes V8 cannot run in linear time (a cheap question);
 * the analysis (scslre, ~150 ms to load) runs where rules are about to run or be validated:
 * `lint` when it parses lints.yaml, and `spec validate`. Other commands never load it.
 */
import { RegExpParser, visitRegExpAST } from '@eslint-community/regexpp';
import type { Report } from 'scslre';
import type { SourceLocation } from '../model/result.js';
import type { Problem } from '../spec/problems.js';

/** A rule's regex V8 cannot run in linear time, to analyse: `pattern` as written, `source` as run. */
export interface BacktrackCheck {
  rule: string;
  location: SourceLocation;
  pattern: string;
  source: string;
  flags: string;
}

/** The checks' regexes that could backtrack exponentially, as spec errors at the pattern. */
export async function backtrackingProblems(checks: readonly BacktrackCheck[]): Promise<Problem[]> {
  if (checks.length === 0) return [];
  const mod: typeof import('scslre') & { default?: typeof import('scslre') } = await import('scslre');
  // Bundled, the CommonJS package is reached through its default export only.
  const analyse = mod.default?.analyse ?? mod.analyse;
  if (typeof analyse !== 'function') throw new Error('scslre: no analyse function');
  const problems: Problem[] = [];
  for (const c of checks) {
    const risk = hangRisk(analyse, c.pattern, c.source, c.flags);
    if (risk) problems.push({ ...c.location, severity: 'error', message: `lint rule '${c.rule}': ${risk}` });
  }
  return problems;
}

/**
 * Why `pattern` (as written) could hang a scan when run as `source` with `flags` (the regex the
 * scan runs, with quoted's lookaround, which V8 cannot run in linear time), or undefined.
 */
function hangRisk(
  analyse: typeof import('scslre').analyse,
  pattern: string,
  source: string,
  flags: string,
): string | undefined {
  let report: Report | undefined;
  let wide: Widened;
  try {
    wide = widened(pattern, flags);
    // Every report, not the first: a polynomial one (a Trade between two alternatives) may come
    // before the exponential repeat after it, which a limit of one would leave unread.
    report = analyse({ source: wide.source, flags }, { reportTypes: { Move: false } }).reports.find(
      (r) => r.exponential,
    );
  } catch {
    return undefined; // a construct the analysis does not model: nothing to say
  }
  if (!report) return undefined;
  const raw = (q: { start: number; end: number }) => pattern.slice(wide.original(q.start), wide.original(q.end));
  const where =
    report.type === 'Self'
      ? raw(report.parentQuant)
      : report.type === 'Trade'
        ? `${raw(report.startQuant)}…${raw(report.endQuant)}`
        : raw(report.quant);
  // A fix of the widened pattern would not be one of the pattern as written.
  const fixed = wide.source === pattern ? report.fix() : undefined;
  const why = [
    /\(\?<?[=!]/.test(source) ? (source === pattern ? 'a lookaround' : 'the lookaround quoted adds') : '',
    /\\[1-9]|\\k</.test(source) ? 'a backreference' : '',
    flags.includes('i') ? 'ignore_case' : '',
  ].filter(Boolean);
  if (why.length === 0 && /\{\d+,\d+\}/.test(source)) why.push('a {n,m} repeat');
  return (
    `its regex can backtrack exponentially (in ${where}, on a long run of ${JSON.stringify(report.character.pick)} ` +
    `that does not match), and V8 cannot rerun it in linear time${why.length ? ` (${why.join(', ')})` : ''}, so one ` +
    `line could hang the hook; ${fixed ? `write /${fixed.source}/ instead` : 'make the repetition unambiguous (a+ rather than (a+)+)'}`
  );
}

interface Widened {
  source: string;
  /** A position in `source` as a position in the pattern as written. */
  original: (at: number) => number;
}

/**
 * The pattern with each bounded repeat {n,m} (m > 1) made unbounded {n,}. The analysis finds
 * exponential backtracking only through unbounded repeats, yet (a{1,20})+$ backtracks as
 * (a+)+$ does on a run of a few dozen a's.
 */
function widened(pattern: string, flags: string): Widened {
  const parser = new RegExpParser({ ecmaVersion: 2025 });
  const ast = parser.parsePattern(pattern, 0, pattern.length, parser.parseFlags(flags));
  const edits: { at: number; end: number; text: string }[] = [];
  visitRegExpAST(ast, {
    onQuantifierEnter(q) {
      // An exact count ({4}) is one way through, however it repeats; only a range can split a run.
      if (q.max === Infinity || q.max <= 1 || q.min === q.max) return;
      const brace = q.raw.lastIndexOf('{');
      const end = q.end - (q.greedy ? 0 : 1);
      edits.push({ at: q.start + brace, end, text: `{${q.min},}` });
    },
  });
  edits.sort((x, y) => x.at - y.at);
  let source = '';
  let from = 0;
  // Where each edit ends in the new source, and how much shorter it made the text.
  const shifts: { newEnd: number; delta: number }[] = [];
  for (const e of edits) {
    source += pattern.slice(from, e.at) + e.text;
    shifts.push({ newEnd: source.length, delta: e.end - e.at - e.text.length });
    from = e.end;
  }
  source += pattern.slice(from);
  return {
    source,
    original: (at) => at + shifts.filter((x) => x.newEnd <= at).reduce((sum, x) => sum + x.delta, 0),
  };
}

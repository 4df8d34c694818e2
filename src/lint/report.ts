/**
 * The format-neutral result of a lint run: one result per rule (pass, fail or halt, with
 * why), every finding at a file, line and column with the matched text, the files that were
 * not read and why. Exit codes come from it in one place.
 */
import { combineVerdicts, EXIT, type HaltReason, type SourceLocation, type Verdict } from '../model/result.js';
import type { ScopeInfo, SkippedFile } from './scopes.js';
import type { RuleKind, Severity } from './spec.js';

export interface LintFinding {
  rule: string;
  kind: RuleKind;
  severity: Severity;
  file: string;
  /** 1-based; columns count UTF-16 code units, as SARIF's utf16CodeUnits and editors do. */
  line: number;
  col: number;
  end_line: number;
  end_col: number;
  /**
   * The matched text (its first line, cut at 200 characters), when the finding is a match;
   * for a match with no text on its first line (a lookahead, a match that starts at a line
   * break), the line it was found on, trimmed; absent when that line is blank too.
   */
  match?: string;
  message: string;
  fix: string;
}

/** A finding about a file as a whole (it is missing something, or it should not be there yet): its first position. */
export function fileFinding(
  rule: { id: string; kind: RuleKind; severity: Severity },
  file: string,
  message: string,
  fix: string,
): LintFinding {
  return {
    rule: rule.id,
    kind: rule.kind,
    severity: rule.severity,
    file,
    line: 1,
    col: 1,
    end_line: 1,
    end_col: 1,
    message,
    fix,
  };
}

export interface LintRuleResult {
  id: string;
  kind: RuleKind;
  title: string;
  section?: string;
  severity: Severity;
  /** fail: at least one error finding; halt: the rule could not be checked (reason says why). */
  verdict: Verdict;
  halt_reason?: HaltReason;
  reason?: string;
  /** Why the rule did not run in this scope, or what it checked. */
  note?: string;
  findings: number;
  /**
   * Findings about the whole tree left out because the hook manager's run over an earlier
   * share of its file list reported them (--hook-files).
   */
  reported_before?: number;
  files_checked: number;
  location: SourceLocation;
}

export interface LintReport {
  rfc: string;
  as_of: string;
  scope: ScopeInfo;
  verdict: Verdict;
  files: { in_scope: number; checked: number; skipped: SkippedFile[] };
  rules: LintRuleResult[];
  findings: LintFinding[];
}

/** An error finding fails its rule; a warning never does. */
export function ruleVerdict(findings: LintFinding[], halted: boolean): Verdict {
  if (findings.some((f) => f.severity === 'error')) return 'fail';
  return halted ? 'halt' : 'pass';
}

export function reportVerdict(rules: LintRuleResult[]): Verdict {
  return combineVerdicts(rules.map((r) => r.verdict));
}

export function lintExitCode(r: LintReport): number {
  return EXIT[r.verdict];
}

export function compareFindings(a: LintFinding, b: LintFinding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.col - b.col ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

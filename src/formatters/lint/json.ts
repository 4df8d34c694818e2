import type { LintFinding, LintReport, LintRuleResult } from '../../lint/report.js';
import { jsonReport } from '../visible.js';

/** Fixed key order, so the same inputs always give byte-identical output. */
export function formatLintJson(r: LintReport): string {
  const ordered = {
    rfc: r.rfc,
    as_of: r.as_of,
    scope: {
      kind: r.scope.kind,
      ...(r.scope.rev !== undefined ? { rev: r.scope.rev } : {}),
      ...(r.scope.commit !== undefined ? { commit: r.scope.commit } : {}),
      ...(r.scope.since !== undefined ? { since: r.scope.since } : {}),
      ...(r.scope.base !== undefined ? { base: r.scope.base } : {}),
      ...(r.scope.paths !== undefined ? { paths: r.scope.paths } : {}),
      ...(r.scope.passed !== undefined ? { passed: r.scope.passed } : {}),
    },
    verdict: r.verdict,
    files: {
      in_scope: r.files.in_scope,
      checked: r.files.checked,
      skipped: r.files.skipped.map((s) => ({ path: s.path, reason: s.reason })),
    },
    rules: r.rules.map(rule),
    findings: r.findings.map(finding),
  };
  return jsonReport(ordered);
}

function rule(x: LintRuleResult) {
  return {
    id: x.id,
    kind: x.kind,
    title: x.title,
    ...(x.section !== undefined ? { section: x.section } : {}),
    severity: x.severity,
    verdict: x.verdict,
    ...(x.halt_reason ? { halt_reason: x.halt_reason } : {}),
    ...(x.reason !== undefined ? { reason: x.reason } : {}),
    ...(x.note !== undefined ? { note: x.note } : {}),
    findings: x.findings,
    ...(x.reported_before !== undefined ? { reported_before: x.reported_before } : {}),
    files_checked: x.files_checked,
    location: { file: x.location.file, line: x.location.line, col: x.location.col },
  };
}

function finding(f: LintFinding) {
  return {
    rule: f.rule,
    kind: f.kind,
    severity: f.severity,
    file: f.file,
    line: f.line,
    col: f.col,
    end_line: f.end_line,
    end_col: f.end_col,
    ...(f.match !== undefined ? { match: f.match } : {}),
    message: f.message,
    fix: f.fix,
  };
}

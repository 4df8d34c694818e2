import type { LintReport } from '../../lint/report.js';
import { command } from '../github.js';
import { describeScope } from './stylish.js';

/**
 * GitHub Actions workflow commands: `::error` / `::warning` at each finding's file, line
 * and column; `::error` for each rule that halted; one `::notice` with the counts.
 */
export function formatLintGithub(r: LintReport): string {
  const lines = r.findings.map((f) =>
    command(
      f.severity === 'error' ? 'error' : 'warning',
      {
        file: f.file.replace(/\\/g, '/'),
        line: String(f.line),
        col: String(f.col),
        ...(f.end_line > f.line ? { endLine: String(f.end_line) } : {}),
        ...(f.end_line === f.line && f.end_col > f.col ? { endColumn: String(f.end_col) } : {}),
        title: `${r.rfc} ${f.rule}`,
      },
      `${f.message}${f.match !== undefined ? `: ${f.match}` : ''}\nfix: ${f.fix}`,
    ),
  );
  for (const h of r.rules.filter((x) => x.halt_reason !== undefined)) {
    lines.push(
      command(
        'error',
        {
          file: h.location.file,
          line: String(h.location.line),
          col: String(h.location.col),
          title: `${r.rfc} ${h.id} halted`,
        },
        `${h.id} could not be checked (${h.halt_reason ?? 'error'}): ${h.reason ?? h.title}`,
      ),
    );
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  lines.push(
    command(
      'notice',
      { title: `rfcgate lint ${r.rfc}` },
      `${r.verdict.toUpperCase()}: ${errors} errors, ${r.findings.length - errors} warnings, ${r.rules.filter((x) => x.halt_reason !== undefined).length} rules halted; ${r.files.checked} files checked (${describeScope(r)})`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

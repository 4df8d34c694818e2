import type { LintReport } from '../../lint/report.js';
import { command, errorsFirst, hiddenAnnotationsNotice } from '../github.js';
import { describeScope } from './stylish.js';

/**
 * GitHub Actions workflow commands: `::error` for each rule that halted (first: a rule that
 * could not be checked matters more than any one finding, and GitHub shows only the first
 * ten errors of a step), then `::error` at each error finding's file, line and column, then
 * `::warning` at each warning's; one `::notice` with the counts, and one before it when GitHub
 * will not show them all.
 */
export function formatLintGithub(r: LintReport, o: { prefix?: string; keptIn?: readonly string[] } = {}): string {
  const prefix = o.prefix ?? '';
  const halted = r.rules.filter((x) => x.halt_reason !== undefined);
  const lines = halted.map((h) =>
    command(
      'error',
      {
        file: prefix + h.location.file,
        line: String(h.location.line),
        col: String(h.location.col),
        title: `${r.rfc} ${h.id} halted`,
      },
      `${h.id} could not be checked (${h.halt_reason ?? 'error'}): ${h.reason ?? h.title}`,
    ),
  );
  for (const f of errorsFirst(r.findings, (x) => x.severity === 'error')) {
    lines.push(
      command(
        f.severity === 'error' ? 'error' : 'warning',
        {
          // git's paths always use '/': a backslash is part of the name.
          file: prefix + f.file,
          line: String(f.line),
          // The runner drops an annotation with a column whose lines differ (actions/runner,
          // ActionCommandManager: col and endColumn only when line equals endLine).
          ...(f.end_line > f.line
            ? { endLine: String(f.end_line) }
            : {
                col: String(f.col),
                ...(f.end_line === f.line && f.end_col > f.col ? { endColumn: String(f.end_col) } : {}),
              }),
          title: `${r.rfc} ${f.rule}`,
        },
        `${f.message}${f.match !== undefined ? `: ${f.match}` : ''}\nfix: ${f.fix}`,
      ),
    );
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const hidden = hiddenAnnotationsNotice(
    `rfcgate lint ${r.rfc}`,
    errors + halted.length,
    r.findings.length - errors,
    'add --format sarif=lint.sarif (code scanning) or --format junit=lint.xml to keep every finding',
    o.keptIn,
  );
  if (hidden) lines.push(hidden);
  lines.push(
    command(
      'notice',
      { title: `rfcgate lint ${r.rfc}` },
      `${r.verdict.toUpperCase()}: ${count(errors, 'error')}, ${count(r.findings.length - errors, 'warning')}, ${count(halted.length, 'rule')} halted; ${count(r.files.checked, 'file')} checked (${describeScope(r)})`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** `1 error`, `2 errors`: the count with its noun. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

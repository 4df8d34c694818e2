/** The lint report's formatters, by name: pure functions of a LintReport; only the command writes. */
import type { LintReport } from '../../lint/report.js';
import { formatLintGithub } from './github.js';
import { formatLintJson } from './json.js';
import { formatLintJunit } from './junit.js';
import { formatLintSarif } from './sarif.js';
import { formatStylish } from './stylish.js';

export const LINT_FORMATTERS = {
  stylish: (r: LintReport, o: { color: boolean }) => formatStylish(r, o),
  json: (r: LintReport) => formatLintJson(r),
  sarif: (r: LintReport) => formatLintSarif(r),
  github: (r: LintReport) => formatLintGithub(r),
  junit: (r: LintReport) => formatLintJunit(r),
} as const;

export type LintFormat = keyof typeof LINT_FORMATTERS;
export const LINT_FORMATS = Object.keys(LINT_FORMATTERS) as LintFormat[];

export function formatLint(r: LintReport, format: LintFormat, o: { color: boolean } = { color: false }): string {
  return format === 'stylish' ? LINT_FORMATTERS.stylish(r, o) : LINT_FORMATTERS[format](r);
}

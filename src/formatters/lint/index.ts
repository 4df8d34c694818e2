/** The lint report's formatters, by name: pure functions of a LintReport; only the command writes. */
import type { LintReport } from '../../lint/report.js';
import type { LintFormatOptions } from './load.js';
import { formatLintGithub } from './github.js';
import { formatLintJson } from './json.js';
import { formatLintJunit } from './junit.js';
import { formatLintSarif } from './sarif.js';
import { formatStylish } from './stylish.js';

export const LINT_FORMATTERS = {
  stylish: (r: LintReport, o: LintFormatOptions) => formatStylish(r, o),
  json: (r: LintReport) => formatLintJson(r),
  sarif: (r: LintReport, o: LintFormatOptions) => formatLintSarif(r, o),
  github: (r: LintReport, o: LintFormatOptions) => formatLintGithub(r, o),
  junit: (r: LintReport, o: LintFormatOptions) => formatLintJunit(r, o),
} as const;

export type LintFormat = keyof typeof LINT_FORMATTERS;
export const LINT_FORMATS = Object.keys(LINT_FORMATTERS) as LintFormat[];

export function formatLint(r: LintReport, format: LintFormat, o: LintFormatOptions = { color: false }): string {
  return LINT_FORMATTERS[format](r, o);
}

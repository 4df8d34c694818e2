/**
 * The lint command's way to a formatter: only the module of the format asked for is
 * loaded (JUnit's XML writer, for one, costs start-up a pre-commit hook should not pay).
 */
import type { LintReport } from '../../lint/report.js';

export const LINT_FORMAT_NAMES = ['stylish', 'json', 'sarif', 'github', 'junit'] as const;
export type LintFormatName = (typeof LINT_FORMAT_NAMES)[number];

export interface LintFormatOptions {
  color: boolean;
  /**
   * The governed root's place below the repository's top ('svc/'). GitHub reads annotation
   * and code-scanning paths from the repository's top; the report's paths are the root's.
   */
  prefix?: string;
  /** The report files the same run writes, each holding every finding: where the annotations GitHub hides are. */
  keptIn?: readonly string[];
}

export async function lintFormatter(name: LintFormatName): Promise<(r: LintReport, o: LintFormatOptions) => string> {
  switch (name) {
    case 'stylish': {
      const { formatStylish } = await import('./stylish.js');
      return (r, o) => formatStylish(r, o);
    }
    case 'json':
      return (await import('./json.js')).formatLintJson;
    case 'sarif': {
      const { formatLintSarif } = await import('./sarif.js');
      return (r, o) => formatLintSarif(r, o);
    }
    case 'github':
      return (await import('./github.js')).formatLintGithub;
    case 'junit':
      return (await import('./junit.js')).formatLintJunit;
  }
}

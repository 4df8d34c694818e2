/**
 * `helper_only`: a call or construction allowed only inside the named helper modules; in
 * every other included file the code must go through the helper. A helper module that is
 * present but never mentions the helper is declared-but-not-done, and a finding too.
 */
import { matcher } from '../globs.js';
import { fileFinding, type LintFinding } from '../report.js';
import { escapeRegex } from '../../util/escape-regex.js';
import type { HelperOnlyRule } from '../spec.js';
import type { ContentCheck } from './check.js';
import type { LineIndex } from './content.js';
import { waiversOf } from './waivers.js';

export function helperOnlyCheck(rule: HelperOnlyRule, asOf: Date): ContentCheck {
  const included = matcher(rule.include);
  const excluded = rule.exclude.length ? matcher(rule.exclude) : () => false;
  const module = matcher(rule.modules);
  const waivers = waiversOf(rule, asOf);
  // Not inside a longer name; \b would demand a word character after `build!` or `valid?`.
  const defines = new RegExp(`(?<!\\w)${escapeRegex(rule.helper)}(?!\\w)`);
  return {
    rule,
    re: new RegExp(rule.source, rule.flags),
    include: rule.include,
    exclude: rule.exclude,
    waivers,
    applies: (f) => included(f) && !excluded(f) && !module(f) && !waivers.exempts(f),
    message: `${rule.message} (build it with ${rule.helper} from ${rule.modules.join(' or ')})`,
    // An allow entry covers the module too: its own finding is then waived like any other.
    reads: (f) => module(f) && !waivers.exempts(f),
    inspect(file: string, text: string, _lines: LineIndex): LintFinding[] {
      if (defines.test(text)) return [];
      return [
        fileFinding(
          rule,
          file,
          `helper module ${file} never mentions ${rule.helper}, which '${rule.id}' tells code to use`,
          `define ${rule.helper} in ${file}, or correct helper/modules in the rule`,
        ),
      ];
    },
  };
}

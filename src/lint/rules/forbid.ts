/**
 * `forbid`: a pattern that must not appear in the included files, except in allow-listed
 * paths. With `quoted`, only a match right after a string's opening (a quote, an Elixir sigil
 * such as `~s(`) counts, so a name mentioned in a comment or in prose is not a finding while
 * the same name as a string literal in code is.
 */
import { matcher } from '../globs.js';
import type { ForbidRule } from '../spec.js';
import type { ContentCheck } from './check.js';
import { waiversOf } from './waivers.js';

export function forbidCheck(rule: ForbidRule, asOf: Date): ContentCheck {
  const included = matcher(rule.include);
  const excluded = rule.exclude.length ? matcher(rule.exclude) : () => false;
  const waivers = waiversOf(rule, asOf);
  return {
    rule,
    re: new RegExp(rule.source, rule.flags),
    include: rule.include,
    exclude: rule.exclude,
    waivers,
    applies: (f) => included(f) && !excluded(f) && !waivers.exempts(f),
    message: rule.message,
  };
}

import type { ContentCheck } from './rules/check.js';
import { forbidCheck } from './rules/forbid.js';
import { helperOnlyCheck } from './rules/helper-only.js';
import type { LintRule } from './spec.js';

export interface ContentChecksInput {
  rules: LintRule[];
  /** ISO instant: waivers are judged as of it. */
  asOf: string;
}

/** The content checks of a rule list, in rule order: the same on every thread. */
export function contentChecks(input: ContentChecksInput): ContentCheck[] {
  const asOf = new Date(input.asOf);
  const out: ContentCheck[] = [];
  for (const r of input.rules) {
    if (r.kind === 'forbid') out.push(forbidCheck(r, asOf));
    else if (r.kind === 'helper_only') out.push(helperOnlyCheck(r, asOf));
  }
  return out;
}

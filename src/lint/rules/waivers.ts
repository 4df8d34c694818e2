/**
 * Allow-list entries. An entry without `expires` is a standing exception; one with it is a
 * waiver that applies up to and including that day (UTC) and, once past it, no longer
 * exempts anything and is itself an error finding at its place in lints.yaml.
 */
import { matcher } from '../globs.js';
import type { LintFinding } from '../report.js';
import type { LintRule } from '../spec.js';

export interface Waivers {
  /** True when an active entry exempts the file. */
  exempts(file: string): boolean;
  /** The commits active entries of an order rule name, for the guard to pass over. */
  commits: string[];
  expired: LintFinding[];
}

/**
 * A warning for each waiver still in force whose path names no file the rule applies to (the
 * file was fixed and deleted, renamed, or the path is mistyped): it exempts nothing, and
 * would silently exempt whatever lands there until it expires. Only waivers, which are meant
 * to go: a standing allow entry may name a module still to be written.
 */
export function idleWaivers(rule: LintRule, asOf: Date, names: (path: string) => boolean): LintFinding[] {
  const today = utcDay(asOf);
  return rule.allow
    .filter((w) => w.path !== undefined && w.expires !== undefined && w.expires >= today && !names(w.path))
    .map((w) => ({
      rule: rule.id,
      kind: rule.kind,
      severity: 'warn',
      file: w.location.file,
      line: w.location.line,
      col: w.location.col,
      end_line: w.location.line,
      end_col: w.location.col,
      message: `the waiver of '${rule.id}' for ${w.path ?? ''} (until ${w.expires ?? ''}: ${w.reason}) names no file the rule applies to, so it exempts nothing`,
      fix: `remove the waiver, or correct its path`,
    }));
}

export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function waiversOf(rule: LintRule, asOf: Date): Waivers {
  const today = utcDay(asOf);
  const active = rule.allow.filter((w) => !w.expires || w.expires >= today);
  const expired: LintFinding[] = rule.allow
    .filter((w) => w.expires !== undefined && w.expires < today)
    .map((w) => ({
      rule: rule.id,
      kind: rule.kind,
      severity: 'error',
      file: w.location.file,
      line: w.location.line,
      col: w.location.col,
      end_line: w.location.line,
      end_col: w.location.col,
      message: `the waiver of '${rule.id}' for ${w.path ?? `commit ${w.commit ?? ''}`} expired on ${w.expires ?? ''} (${w.reason}), so it no longer exempts anything`,
      fix:
        w.path !== undefined
          ? `fix the findings under ${w.path} and remove the waiver, or renew it with a later expires date and a reason`
          : `remove the waiver once the guard holds without it, or renew it with a later expires date and a reason`,
    }));
  const paths = active.flatMap((w) => (w.path !== undefined ? [w.path] : []));
  const match = paths.length ? matcher(paths) : undefined;
  return {
    exempts: (f) => (match ? match(f) : false),
    commits: active.flatMap((w) => (w.commit !== undefined ? [w.commit] : [])),
    expired,
  };
}

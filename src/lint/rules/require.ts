/**
 * `require`: once a file matching `when` exists in the tree judged, a file matching each
 * of `files` must exist too (and, with `pattern`, one of them must contain it). The tree
 * judged is the scope's: the index for --staged, so a commit that adds the first trigger
 * file without the required artifact is caught before it is made.
 */
import { GLOB_CHARS } from '../../util/globs.js';
import { matcher, matching, someSorted } from '../globs.js';
import { append } from '../../util/append.js';
import { decodeText } from '../scan.js';
import { matchesOf } from './content.js';
import { fileFinding, type LintFinding } from '../report.js';
import type { Snapshot } from '../scopes.js';
import type { HaltReason } from '../../model/result.js';
import type { RequireRule } from '../spec.js';
import { idleWaivers, waiversOf } from './waivers.js';

export interface RequireOutcome {
  findings: LintFinding[];
  note: string;
  filesChecked: number;
  skipped: { path: string; reason: string }[];
  /** A required file that could not be read may hold the pattern: not a finding, a halt. */
  halt?: { reason: HaltReason; message: string };
}

export function checkRequire(rule: RequireRule, snap: Snapshot, asOf: Date, maxBytes: number): RequireOutcome {
  const waivers = waiversOf(rule, asOf);
  const findings: LintFinding[] = [...waivers.expired];
  if (rule.allow.some((w) => w.expires !== undefined)) {
    // A waiver exempts trigger files.
    const when = matcher(rule.when);
    const isFile = snap.isFile;
    const trigger = (f: string) => when(f) && (isFile === undefined || isFile(f));
    append(
      findings,
      idleWaivers(rule, asOf, (p) => someSorted(snap.universe, [p], trigger)),
    );
  }
  const skipped: RequireOutcome['skipped'] = [];
  const files = (globs: string[]) => {
    const found = matching(snap.universe, globs);
    return snap.isFile ? found.filter(snap.isFile) : found;
  };
  const triggers = files(rule.when).filter((f) => !waivers.exempts(f));
  const trigger = triggers[0];
  if (trigger === undefined) {
    return { findings, note: `not triggered: nothing matches ${rule.when.join(', ')}`, filesChecked: 0, skipped };
  }
  let filesChecked = 0;
  let halt: RequireOutcome['halt'];
  for (const glob of rule.files) {
    const present = files([glob]);
    if (present.length === 0) {
      // A file named outright may be on disk, just not in what is judged: say why.
      const why = GLOB_CHARS.test(glob) ? undefined : snap.whyAbsent?.(glob);
      findings.push(
        fileFinding(
          rule,
          trigger,
          `${rule.message}: ${trigger}${triggers.length > 1 ? ` (and ${triggers.length - 1} more)` : ''} exists, but nothing matches ${glob}${why ? ` (${why})` : ''}`,
          rule.fix,
        ),
      );
      continue;
    }
    if (!rule.pattern) continue;
    // Found as a forbid rule finds a match (matchesOf): a `^` between the \r and \n of a CRLF
    // break is no line start there either, so `^\s+- \[x\]` needs an indented item in both.
    const re = new RegExp(rule.pattern.source, `${rule.pattern.flags}g`);
    const contents = snap.read(present, maxBytes);
    let found = false;
    const unread: string[] = [];
    for (const [path, r] of contents) {
      if (!r.ok) {
        if (!('gone' in r)) {
          skipped.push({ path, reason: r.reason });
          unread.push(`${path}: ${r.reason}`);
        }
        continue;
      }
      filesChecked++;
      if (matchesOf(re, decodeText(r.data), 1).length) {
        found = true;
        break;
      }
    }
    if (!found && unread.length) {
      halt ??= {
        reason: 'missing',
        message: `${trigger} exists, and no file read that matches ${glob} contains /${rule.pattern.source}/, but ${unread.length === 1 ? 'one was' : `${unread.length} were`} not read (${unread.slice(0, 3).join('; ')}${unread.length > 3 ? '; …' : ''}): the pattern may be there, so nothing is concluded. Raise --max-file-size or fix what stopped the read`,
      };
    } else if (!found) {
      findings.push(
        fileFinding(
          rule,
          present[0] ?? trigger,
          `${rule.message}: ${trigger} exists, and ${present.length === 1 ? `${present[0] ?? glob} does` : `none of the ${present.length} files matching ${glob} do`} not contain /${rule.pattern.source}/`,
          rule.fix,
        ),
      );
    }
  }
  return { findings, note: `triggered by ${trigger}`, filesChecked, skipped, ...(halt ? { halt } : {}) };
}

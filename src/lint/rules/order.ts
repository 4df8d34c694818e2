/**
 * `order`: the ordering guard, read from git by the measurement it names (a git
 * `prereqs_before` or `order` measurement, evaluated by the git source exactly as
 * `gate check` does). A false value is a finding at the offending commit's file; a halt
 * (shallow clone, missing ref) halts the rule. In a change scope (--staged,
 * --changed-since, paths) it runs only when the change touches the guarded path, and then
 * it also asks whether the change itself would be the first commit there before every
 * prereq has landed (through the same landing facts `prereq status` uses). Its `allow`
 * entries name commits the guard passes over (early work since reverted, which history
 * keeps): the next commit under the guarded path is judged instead.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Evidence, HaltReason } from '../../model/result.js';
import { anchor, refOriginOf } from '../../sources/git/common.js';
import type { RefOrigin } from '../../sources/types.js';
import { unbornBranch } from '../../util/git-ref.js';
import { landingOf } from '../../sources/git/landing.js';
import { type GitHistory, pathMatcher } from '../../sources/git/repo.js';
import { GitMeasurementSource } from '../../sources/git/source.js';
import type { MeasurementSpec, RfcManifest } from '../../spec/types.js';
import { fileFinding, type LintFinding } from '../report.js';
import type { OrderRule } from '../spec.js';
import { waiversOf } from './waivers.js';

export interface OrderContext {
  repo: GitHistory;
  root: string;
  asOf: Date;
  ref: string;
  /** Set when --ref names the ref: a missing one is then the flag's to check. */
  refFrom?: RefOrigin;
  manifest: RfcManifest;
  measurements: Map<string, MeasurementSpec>;
  /** The files of a change scope, relative to root; undefined for the whole tree. */
  changed?: string[];
  /**
   * Where root is below the repository's top ('svc/'; '' at the top): the rule's files
   * are relative to root, the measurement's paths and git's to the top.
   */
  prefix?: string;
  timeoutMs: number;
}

export interface OrderOutcome {
  findings: LintFinding[];
  note?: string;
  halt?: { reason: HaltReason; message: string };
  /** false when the change does not touch the guarded path. */
  ran: boolean;
}

type GitSpec = Extract<MeasurementSpec, { source: 'git' }>;

export function guardedPaths(m: GitSpec): string[] {
  if (m.git.query === 'prereqs_before') return [m.git.path];
  if (m.git.query === 'order') return m.git.after.paths ?? [];
  return [];
}

export async function checkOrder(rule: OrderRule, ctx: OrderContext): Promise<OrderOutcome> {
  const waivers = waiversOf(rule, ctx.asOf);
  const o = await guardOutcome(rule, ctx, waivers.commits);
  return waivers.expired.length ? { ...o, findings: [...waivers.expired, ...o.findings] } : o;
}

/**
 * Each waiver's commit as its full id. An abbreviation is resolved among object ids only (a
 * branch named like it does not redirect it), and must name one commit: one that several
 * commits start with would pass over all of them (a later violation among them). A commit
 * that is not on the first-parent history the guard walks (a side branch's, merged with
 * --no-ff) can never be passed over: the merge that brought it in is what to waive. Each is
 * said, not guessed.
 */
function fullIds(root: string, ids: string[], ref: string): { full: string[] } | { problem: string } {
  // No output limit: the first-parent list of a long history is megabytes.
  const run = (args: string[], input?: string) =>
    spawnSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: Number.POSITIVE_INFINITY,
      ...(input !== undefined ? { input } : {}),
    });
  const full: string[] = [];
  for (const id of ids) {
    const objects = run(['rev-parse', `--disambiguate=${id}`])
      .stdout.split('\n')
      .filter(Boolean);
    const types = objects.length
      ? run(['cat-file', '--batch-check=%(objecttype)'], `${objects.join('\n')}\n`).stdout.split('\n')
      : [];
    const commits = objects.filter((_, i) => types[i] === 'commit');
    if (commits.length !== 1) {
      return {
        problem: `the waiver for commit ${id} names ${commits.length ? `${commits.length} commits (an abbreviation they share)` : 'no commit in this clone'}; give its full id (git rev-parse <commit>), or fetch the history it is in`,
      };
    }
    full.push(commits[0] as string);
  }
  const listed = full.length ? run(['rev-list', '--first-parent', ref, '--']) : undefined;
  // A ref that does not resolve is the guard's to report (fetch it), not a waiver's mistake.
  if (listed && listed.status === 0 && !listed.error) {
    const mainline = new Set(listed.stdout.split('\n'));
    const off = full.filter((c) => !mainline.has(c));
    if (off.length) {
      return {
        problem: `the waived ${off.length === 1 ? 'commit' : 'commits'} ${off.map((c) => c.slice(0, 10)).join(', ')} ${off.length === 1 ? 'is' : 'are'} not on the first-parent history of '${ref}', which the guard walks, so ${off.length === 1 ? 'it' : 'they'} can never be passed over; waive the merge commit that brought ${off.length === 1 ? 'it' : 'them'} in instead`,
      };
    }
  }
  return { full };
}

/** The measurement with the commits the rule's active waivers pass over. */
function withExcept(m: GitSpec, except: string[]): GitSpec {
  if (!except.length) return m;
  if (m.git.query === 'prereqs_before' || m.git.query === 'order') return { ...m, git: { ...m.git, except } };
  return m;
}

async function guardOutcome(rule: OrderRule, ctx: OrderContext, waived: string[]): Promise<OrderOutcome> {
  const spec = ctx.measurements.get(rule.measurement);
  if (!spec || spec.source !== 'git') {
    return {
      findings: [],
      ran: true,
      halt: { reason: 'error', message: `measurement '${rule.measurement}' is not a git measurement` },
    };
  }
  const paths = guardedPaths(spec);
  const touches = paths.length ? pathMatcher(paths) : () => false;
  const prefix = ctx.prefix ?? '';
  const touched = ctx.changed?.filter((f) => touches(prefix + f));
  // An `after` event named by a commit message pattern guards no path: no change can be told
  // apart from it, so the guard is judged on every one (a branch's commits are in the history read).
  if (ctx.changed && paths.length && !touched?.length) {
    return { findings: [], ran: false, note: `the change does not touch ${paths.join(', ')}` };
  }
  // The branch the history is read on has no commit yet (a new repository, an orphan branch):
  // nothing has landed on it, so a change under the path would be its first commit before every
  // prereq, not a history that cannot be measured.
  const unborn =
    (!ctx.changed || touched?.[0] !== undefined) && unbornBranch(ctx.root, spec.git.ref ?? ctx.ref) !== undefined;
  // The whole tree is judged on the history, which has nothing in it yet: the guard holds.
  if (unborn && !ctx.changed) {
    return {
      findings: [],
      ran: true,
      note: `${spec.git.ref ?? ctx.ref} has no commit yet, so nothing has landed on it`,
    };
  }
  if (unborn && touched?.[0] !== undefined) {
    const late =
      spec.git.query === 'prereqs_before'
        ? (spec.git.prereqs ?? []).map((p) => p.id)
        : spec.git.query === 'order'
          ? [beforeEvent(spec.git.before)]
          : [];
    const ref = spec.git.ref ?? ctx.ref;
    if (!late.length) return { findings: [], ran: true, note: `${ref} has no commit yet; no prereq to wait for` };
    return {
      findings: [
        fileFinding(rule, touched[0], `${rule.message}: ${firstCommitMessage(spec, paths, late, ref)}`, rule.fix),
      ],
      ran: true,
      note: `${ref} has no commit yet, so nothing has landed on it`,
    };
  }
  // Resolved only when the rule runs: a hook whose change does not touch the path starts no git.
  const resolved = fullIds(ctx.root, waived, spec.git.ref ?? ctx.ref);
  if ('problem' in resolved) return { findings: [], ran: true, halt: { reason: 'error', message: resolved.problem } };
  const m = withExcept(spec, resolved.full);
  const judged = async (): Promise<OrderOutcome> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
    try {
      const source = new GitMeasurementSource(ctx.repo);
      const outcome = await source.measure(m, {
        asOf: ctx.asOf,
        ref: ctx.ref,
        ...(ctx.refFrom ? { refFrom: ctx.refFrom } : {}),
        repoDir: ctx.root,
        manifest: ctx.manifest,
        signal: controller.signal,
      });
      if (outcome.status === 'halt') {
        return { findings: [], ran: true, halt: { reason: outcome.halt, message: outcome.reason } };
      }
      const note = typeof outcome.evidence.note === 'string' ? outcome.evidence.note : undefined;
      const finding = (file: string, message: string): LintFinding =>
        fileFinding(rule, file, `${rule.message}: ${message}`, rule.fix);
      if (outcome.value === false) {
        const files = offendingFiles(outcome.evidence)
          .filter((f) => touches(f))
          .map((f) => fromTop(f, prefix));
        const message = note ?? `${rule.measurement} is false`;
        const file = files[0];
        return {
          // No file of the guarded path to show (an event named by a commit message): the rule's own place.
          findings: [file !== undefined ? finding(file, message) : atRule(finding(rule.location.file, message), rule)],
          ran: true,
          ...(note ? { note } : {}),
        };
      }
      // The history holds; a change that would be the first commit under the path must wait too.
      const first = touched?.[0];
      if (first !== undefined && untouchedInHistory(m, outcome.evidence)) {
        const late = await pendingLate(m, ctx);
        if (typeof late !== 'string' && late.length) {
          return {
            findings: [finding(first, firstCommitMessage(m, paths, late, m.git.ref ?? ctx.ref))],
            ran: true,
          };
        }
        if (typeof late === 'string') return { findings: [], ran: true, halt: { reason: 'missing', message: late } };
      }
      return { findings: [], ran: true, ...(note ? { note } : {}) };
    } finally {
      clearTimeout(timer);
    }
  };
  const o = await judged();
  if (!resolved.full.length || o.halt) return o;
  const passed = `passed over the waived ${resolved.full.length === 1 ? 'commit' : 'commits'} ${resolved.full.map((c) => c.slice(0, 10)).join(', ')}`;
  return { ...o, note: o.note ? `${o.note}; ${passed}` : passed };
}

/** A finding moved to the rule's line and column in lints.yaml. */
function atRule(f: LintFinding, rule: OrderRule): LintFinding {
  const { line, col } = rule.location;
  return { ...f, line, col, end_line: line, end_col: col };
}

/** A path from the repository's top as the rule's files are named: relative to the governed root. */
function fromTop(file: string, prefix: string): string {
  if (file.startsWith(prefix)) return file.slice(prefix.length);
  return path.posix.relative(prefix, file);
}

function offendingFiles(e: Evidence): string[] {
  const c = (e.first_offending_commit ?? (e.after as Evidence | undefined)?.commit) as Evidence | null | undefined;
  const files = c && typeof c === 'object' ? c.files : undefined;
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [];
}

function untouchedInHistory(m: GitSpec, e: Evidence): boolean {
  if (m.git.query === 'prereqs_before') return e.first_commit === undefined && e.first_offending_commit === undefined;
  const after = e.after as Evidence | undefined;
  return after?.commit === null;
}

/** Prereqs (or the `before` event) not landed as of the ref: the pending change would come before them. */
async function pendingLate(m: GitSpec, ctx: OrderContext): Promise<string[] | string> {
  // The ref the measurement names, as the history half of the check reads it.
  const from = refOriginOf(m, m.git.ref, ctx);
  const a = await anchor(ctx.repo, m.git.ref ?? ctx.ref, ctx.asOf, { history: true, ...(from ? { from } : {}) });
  if (!a.ok) return a.outcome.status === 'halt' ? a.outcome.reason : 'git could not answer';
  const h = { sha: a.anchor.commit.sha, scope: 'mainline' as const, asOf: ctx.asOf };
  if (m.git.query === 'prereqs_before') {
    const facts = await Promise.all((m.git.prereqs ?? []).map((p) => landingOf(ctx.repo, p, h, a.anchor.commit)));
    return facts.filter((f) => !f.landed).map((f) => f.id);
  }
  if (m.git.query === 'order') {
    const before = m.git.before;
    const c = await ctx.repo.findCommit(
      {
        ...(before.paths ? { globs: before.paths } : {}),
        ...(before.pattern ? { pattern: new RegExp(before.pattern) } : {}),
      },
      h,
      'first',
    );
    return c ? [] : [beforeEvent(before)];
  }
  return [];
}

/** The `before` event of an order measurement, as a finding names it. */
function beforeEvent(before: { paths?: string[]; pattern?: string }): string {
  return `the 'before' event (${before.paths?.join(', ') ?? `/${before.pattern ?? ''}/`})`;
}

/** Why a change under the guarded path would be its first commit too early. */
function firstCommitMessage(m: GitSpec, paths: string[], late: string[], ref: string): string {
  return m.git.query === 'prereqs_before'
    ? `this change would be the first commit under ${paths.join(', ')}, but ${late.length === 1 ? 'prereq' : 'prereqs'} ${late.join(', ')} ${late.length === 1 ? 'has' : 'have'} not landed on ${ref}`
    : `this change would be the first commit under ${paths.join(', ')}, but ${late.join(', ')} has not happened on ${ref}`;
}

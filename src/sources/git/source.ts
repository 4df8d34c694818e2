/**
 * The git measurement source: facts about the governed repository's history, as of an
 * instant and on a ref. Every fault (shallow clone, unknown ref, empty repository, not a
 * repository, timeout) is a halt with a reason, never a guessed answer.
 */
import type { Evidence } from '../../model/result.js';
import { crossLandingFile } from '../../prereqs/overlap.js';
import { formatProblem } from '../../spec/problems.js';
import type { GitEvent, GitQuery, MeasurementSpec, PrereqSpec } from '../../spec/types.js';
import { type EvalContext, halt, type MeasurementOutcome, ok, type RefOrigin } from '../types.js';
import {
  type Anchor,
  anchor,
  anchorEvidence,
  authorOf,
  compileRegex,
  refOriginOf,
  RepoBackedSource,
} from './common.js';
import {
  type CommitFilter,
  type GitHistory,
  type HistoryCommit,
  type HistoryScope,
  presentPaths,
  type Scope,
} from './repo.js';
import { landedBefore, landingOf } from './landing.js';
import { isGlobPath, PATH_EXISTS_GLOB_FIX } from './literal-path.js';

const MAX_EVIDENCE_FILES = 20;

type GitSpec = Extract<MeasurementSpec, { source: 'git' }>;

export class GitMeasurementSource extends RepoBackedSource<'git'> {
  readonly kind = 'git' as const;

  protected describe(m: GitSpec): string {
    return `git ${m.git.query} for '${m.id}'`;
  }

  protected run(m: GitSpec, repo: GitHistory, ctx: EvalContext): Promise<MeasurementOutcome> {
    return this.query(m.git, repo, ctx, refOriginOf(m, m.git.ref, ctx));
  }

  private async query(
    q: GitQuery,
    repo: GitHistory,
    ctx: EvalContext,
    from: RefOrigin | undefined,
  ): Promise<MeasurementOutcome> {
    const ref = q.ref ?? ctx.ref;
    if (q.query === 'path_exists') return this.pathExists(q.path, ref, repo, ctx, from);

    const a = await anchor(repo, ref, ctx.asOf, { history: true, ...(from ? { from } : {}) });
    if (!a.ok) return a.outcome;
    if (q.query === 'prereqs_before') {
      const hm: HistoryScope = { sha: a.anchor.commit.sha, scope: 'mainline', asOf: ctx.asOf };
      return guard(q.path, q.prereqs ?? [], repo, hm, a.anchor, q.except ?? []);
    }
    const h: HistoryScope = { sha: a.anchor.commit.sha, scope: q.scope ?? 'mainline', asOf: ctx.asOf };

    switch (q.query) {
      case 'first_commit':
      case 'last_commit':
        return this.touching(q.paths, q.query === 'first_commit' ? 'first' : 'last', repo, h, a.anchor);
      case 'commit_matching':
        return this.matching(q.pattern, repo, h, a.anchor);
      case 'order':
        return this.order(q.before, q.after, repo, h, a.anchor, q.except ?? []);
    }
  }

  private async pathExists(
    path: string,
    ref: string,
    repo: GitHistory,
    ctx: EvalContext,
    from: RefOrigin | undefined,
  ): Promise<MeasurementOutcome> {
    if (isGlobPath(path)) {
      return halt('error', `path_exists takes a literal path, but '${path}' is a glob; ${PATH_EXISTS_GLOB_FIX}`, {
        path,
        ref,
      });
    }
    const a = await anchor(repo, ref, ctx.asOf, { history: false, ...(from ? { from } : {}) });
    if (!a.ok) return a.outcome;
    const kind = await repo.pathKind(a.anchor.commit.sha, path);
    return ok(kind !== undefined, {
      path,
      exists: kind !== undefined,
      kind: kind ?? null,
      ...where(a.anchor),
    });
  }

  private async touching(
    paths: string[],
    which: 'first' | 'last',
    repo: GitHistory,
    h: HistoryScope,
    a: Anchor,
  ): Promise<MeasurementOutcome> {
    if (paths.length === 0) return halt('error', `${which}_commit needs at least one path or glob`, where(a));
    const c = await repo.findCommit({ globs: paths }, h, which);
    if (!c) {
      return halt(
        'missing',
        `no commit touching ${paths.join(', ')} on ${describeScope(h.scope, a.ref)} as of ${a.asOf.toISOString()}`,
        { paths, scope: h.scope, ...where(a) },
      );
    }
    return ok(new Date(c.date), { ...commitWithFiles(c), paths, scope: h.scope, ...where(a) });
  }

  private async matching(pattern: string, repo: GitHistory, h: HistoryScope, a: Anchor): Promise<MeasurementOutcome> {
    const re = compileRegex(pattern);
    if (typeof re === 'string')
      return halt('error', `commit_matching pattern /${pattern}/ is not a valid regex: ${re}`);
    const c = await repo.findCommit({ pattern: re }, h, 'first');
    if (!c) {
      return halt(
        'missing',
        `no commit message matches /${pattern}/ on ${describeScope(h.scope, a.ref)} as of ${a.asOf.toISOString()}`,
        { pattern, scope: h.scope, ...where(a) },
      );
    }
    return ok(new Date(c.date), { ...commitWithFiles(c), pattern, scope: h.scope, ...where(a) });
  }

  private async order(
    before: GitEvent,
    after: GitEvent,
    repo: GitHistory,
    h: HistoryScope,
    a: Anchor,
    except: string[],
  ): Promise<MeasurementOutcome> {
    const fBefore = eventFilter(before);
    const fAfter = eventFilter(after);
    if (typeof fBefore === 'string') return halt('error', `order: the 'before' event ${fBefore}`, where(a));
    if (typeof fAfter === 'string') return halt('error', `order: the 'after' event ${fAfter}`, where(a));

    const [cBefore, cAfter] = await Promise.all([
      repo.findCommit(fBefore, h, 'first'),
      repo.findCommit(except.length ? { ...fAfter, except } : fAfter, h, 'first'),
    ]);
    const evidence: Evidence = {
      ...waived(except),
      before: { event: eventEvidence(before), commit: cBefore ? commitWithFiles(cBefore) : null },
      after: { event: eventEvidence(after), commit: cAfter ? commitWithFiles(cAfter) : null },
      scope: h.scope,
      ...where(a),
    };
    if (!cAfter) {
      return ok(true, {
        ...evidence,
        note: `the 'after' event has not happened on ${describeScope(h.scope, a.ref)} as of ${a.asOf.toISOString()}, so the ordering holds trivially`,
      });
    }
    if (!cBefore) {
      return ok(false, {
        ...evidence,
        note: `the 'after' event happened (${cAfter.sha}) but the 'before' event has not`,
      });
    }
    // Same commit: both happened at once, which is not "before".
    const inOrder = cBefore.ordinal < cAfter.ordinal;
    return ok(inOrder, {
      ...evidence,
      note: inOrder
        ? `'before' (${cBefore.sha}) precedes 'after' (${cAfter.sha}) in history`
        : cBefore.sha === cAfter.sha
          ? `'before' and 'after' happened in the same commit (${cAfter.sha}), not in order`
          : `'before' (${cBefore.sha}) came after 'after' (${cAfter.sha}) in history`,
    });
  }
}

/**
 * The ordering guard: the first mainline commit touching `path` must come strictly after
 * every prereq's completing commit. A prereq that has not landed yet (as of the instant)
 * landed after that commit by definition. Data gates are not part of it: `prereq status` says
 * which prereqs are gated.
 */
async function guard(
  path: string,
  prereqs: PrereqSpec[],
  repo: GitHistory,
  h: HistoryScope,
  a: Anchor,
  except: string[],
): Promise<MeasurementOutcome> {
  if (prereqs.length === 0) return halt('error', `prereqs_before: prereqs.yaml declares no prereqs`, where(a));
  // One file landing two prereqs would make either look landed by the other's work.
  const crossed = await crossLandingFile(repo, prereqs, a.commit.sha);
  if (crossed) return halt('error', formatProblem(crossed), where(a));
  const first = await repo.findCommit({ globs: [path], ...(except.length ? { except } : {}) }, h, 'first');
  const base: Evidence = { path, prereqs: prereqs.length, scope: 'mainline', ...waived(except), ...where(a) };
  if (!first) {
    const exists = (await presentPaths(repo, a.commit.sha, path)).length > 0;
    return ok(true, {
      ...base,
      exists,
      note: except.length
        ? `no commit but the waived ones (${except.join(', ')}) has touched ${path} on ${describeScope('mainline', a.ref)} as of ${a.asOf.toISOString()}, so the guard holds`
        : `no commit has touched ${path} on ${describeScope('mainline', a.ref)} as of ${a.asOf.toISOString()}, so the guard holds trivially (the path does not exist yet)`,
    });
  }
  const then = await landedBefore(repo, prereqs, h, first);
  const notYet = prereqs.filter((_, i) => !then[i]?.landed);
  // Today's facts only for those, to say whether and when they landed since.
  const late: Evidence[] = await Promise.all(
    notYet.map(async (p): Promise<Evidence> => {
      const t = then[prereqs.indexOf(p)]?.facts;
      const f = await landingOf(repo, p, h, a.commit);
      const missingBefore = t ? t.deliverables.filter((d) => !d.present).map((d) => d.path) : p.deliverables;
      const then_: Evidence = missingBefore.length ? { missing_before: missingBefore } : {};
      if (f.landed) {
        const completed: Evidence = f.completedBy ? { completed_by: commitWithFiles(f.completedBy) } : {};
        return { id: f.id, landed: true, ...completed, ...then_ };
      }
      const missing = f.deliverables.filter((d) => !d.present).map((d) => d.path);
      return {
        id: f.id,
        landed: false,
        ...(missing.length ? { missing } : {}),
        ...(f.landedWhen === undefined && p.landed_when ? { landed_when: 'no matching commit' } : {}),
        ...then_,
      };
    }),
  );
  const offending = commitWithFiles(first);
  if (late.length === 0) {
    return ok(true, {
      ...base,
      first_commit: offending,
      note: `every prereq had landed before the first commit touching ${path} (${first.sha})`,
    });
  }
  return ok(false, {
    ...base,
    first_offending_commit: offending,
    not_landed_before: late,
    note: `${first.sha} by ${authorOf(first)} on ${first.date} touched ${path} before ${late.length === 1 ? 'prereq' : 'prereqs'} ${late.map((l) => String(l.id)).join(', ')} had landed`,
  });
}

/** Commits an order rule's waivers pass over, named in the evidence so a reader sees what was not judged. */
function waived(except: string[]): Evidence {
  return except.length ? { waived_commits: except } : {};
}

function eventFilter(e: GitEvent): CommitFilter | string {
  const f: CommitFilter = {};
  if (e.paths !== undefined) {
    if (e.paths.length === 0) return 'has an empty paths list';
    f.globs = e.paths;
  }
  if (e.pattern !== undefined) {
    const re = compileRegex(e.pattern);
    if (typeof re === 'string') return `pattern /${e.pattern}/ is not a valid regex: ${re}`;
    f.pattern = re;
  }
  if (!f.globs && !f.pattern) return 'needs paths or a pattern';
  return f;
}

function eventEvidence(e: GitEvent): Evidence {
  const out: Evidence = {};
  if (e.paths) out.paths = e.paths;
  if (e.pattern !== undefined) out.pattern = e.pattern;
  return out;
}

function commitWithFiles(c: HistoryCommit): Evidence {
  const ev: Evidence = { sha: c.sha, author: authorOf(c), date: c.date, subject: c.subject };
  if (c.files.length > 0) {
    ev.files = c.files.slice(0, MAX_EVIDENCE_FILES);
    if (c.files.length > MAX_EVIDENCE_FILES) ev.files_total = c.files.length;
  }
  return ev;
}

function where(a: Anchor): Evidence {
  return anchorEvidence(a);
}

function describeScope(scope: Scope, ref: string): string {
  return scope === 'mainline' ? `the mainline (first-parent history of '${ref}')` : 'any ref (--all)';
}

/**
 * What the git, artifact and attestation sources share: turning repository faults into
 * halts a person can act on, resolving "the ref as of the instant", and honouring the
 * evaluation's abort signal.
 */
import type { Evidence } from '../../model/result.js';
import type { MeasurementSpec } from '../../spec/types.js';
import { type EvalContext, halt, type MeasurementOutcome, type MeasurementSource, type RefOrigin } from '../types.js';
import { CLOCK_SLACK_MS } from '../../util/clock.js';
import { FETCH_FULL_HISTORY, fetchAdvice, unbornBranch } from '../../util/git-ref.js';
import { type CommitInfo, type GitHistory, GitRepo } from './repo.js';

/** A ref the user named with --ref: a missing one is theirs to check, or to fetch. */
export const REF_FLAG: RefOrigin = { named: 'named by --ref', fix: 'check --ref', flag: '--ref' };

/**
 * Where the ref a measurement reads came from, for the halt when the clone lacks it: a ref: of
 * its own outranks --ref and the mainline, so a missing one is the spec's to fix; else the run's.
 */
export function refOriginOf(
  m: MeasurementSpec,
  ownRef: string | undefined,
  ctx: { refFrom?: RefOrigin },
): RefOrigin | undefined {
  if (ownRef === undefined) return ctx.refFrom;
  return {
    named: `named by measurement '${m.id}' (its ref: at ${m.location.file}:${m.location.line})`,
    fix: `fix that ref: in ${m.location.file}`,
  };
}

export const SHALLOW_FIX = `this is a shallow clone, so history questions cannot be answered; ${FETCH_FULL_HISTORY}`;

export class Aborted extends Error {
  constructor() {
    super('aborted');
  }
}

/**
 * Rejects with Aborted as soon as the signal fires. The git process itself is left to
 * finish: its result is memoised and shared with other measurements, which may still want it.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Runs a measurement body so that an abort or an unexpected failure becomes a halt, never a crash. */
export async function guarded(
  what: string,
  ctx: EvalContext,
  body: () => Promise<MeasurementOutcome>,
): Promise<MeasurementOutcome> {
  try {
    return await untilAborted(body(), ctx.signal);
  } catch (e) {
    if (e instanceof Aborted || ctx.signal.aborted) {
      return halt('error', `${what} timed out before git answered; raise the source timeout or check the repository`, {
        repo: ctx.repoDir,
      });
    }
    return halt('error', `${what} failed: ${gitFailure(e)}`, { repo: ctx.repoDir });
  }
}

/**
 * What went wrong when git failed, in one line. A partial clone (git clone --filter=blob:none,
 * actions/checkout's filter:) fetches the contents of older files when they are read; when the
 * remote cannot be reached (no credentials kept: persist-credentials: false) git's first line is
 * about the remote, and only its last says that an object the clone lacks was the cause.
 */
export function gitFailure(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const first = text.split('\n').find((l) => l.trim() !== '') ?? text;
  const lazy = /could not fetch ([0-9a-f]{7,}) from promisor remote/.exec(text);
  if (!lazy) return first;
  return `this is a partial clone (git clone --filter), and git could not fetch an object it lacks (${(lazy[1] ?? '').slice(0, 12)}) from the remote (${first.trim()}); let git reach the remote (actions/checkout: persist-credentials: true), or clone without --filter`;
}

/** One repository instance per directory, so the sources of one run share its memoised answers. */
export class RepoPool {
  private readonly repos = new Map<string, GitHistory>();
  constructor(private readonly fixed?: GitHistory) {}

  get(dir: string): GitHistory {
    if (this.fixed) return this.fixed;
    let r = this.repos.get(dir);
    if (!r) {
      r = new GitRepo(dir);
      this.repos.set(dir, r);
    }
    return r;
  }
}

export interface Anchor {
  ref: string;
  asOf: Date;
  /** The commit the ref pointed at, as of the instant (first-parent). */
  commit: CommitInfo;
  shallow: boolean;
  root: string;
  bare: boolean;
  /** The commit at the ref, when a read as of now passed over it for a date ahead of this run's clock. */
  passedOver?: string;
  /** A past instant's read whose history holds a commit dated after the instant: what a wrong clock let in. */
  laterAncestor?: string;
}

/** Where a measurement read: the ref, the instant, the commit, and a tip passed over for its future date. */
export function anchorEvidence(a: Anchor): Evidence {
  const ev: Evidence = { ref: a.ref, as_of: a.asOf.toISOString(), resolved_sha: a.commit.sha };
  if (a.passedOver !== undefined) ev.passed_over = a.passedOver;
  if (a.laterAncestor !== undefined) ev.later_ancestor = a.laterAncestor;
  return ev;
}

/**
 * Checks the repository can answer, and resolves `ref` as of `asOf`. `history` marks
 * questions that need the past (first/last commit, commits of a file): a shallow clone
 * halts them. A tree question can still be answered from a shallow clone when the ref
 * resolves, because the walk to the resolved commit only crossed commits that are present.
 * `empty` marks a halt git answered: no commit on the ref as of the instant (or none at all),
 * so nothing existed then, which is not the same as a history that could not be read.
 */
export async function anchor(
  repo: GitHistory,
  ref: string,
  asOf: Date,
  opts: { history: boolean; from?: RefOrigin },
): Promise<{ ok: true; anchor: Anchor } | { ok: false; outcome: MeasurementOutcome; empty?: true }> {
  const base: Evidence = { ref, as_of: asOf.toISOString() };
  const st = await repo.state();
  if (st.kind === 'not_a_repo' && st.noGit) {
    return {
      ok: false,
      outcome: halt(
        'error',
        `git could not be run (${st.message}), so the history of ${repo.dir} cannot be read; install git, or put it on PATH (slim container images leave it out)`,
        { ...base, repo: repo.dir },
      ),
    };
  }
  if (st.kind === 'not_a_repo') {
    return {
      ok: false,
      outcome: halt(
        'error',
        `${repo.dir} is not a git repository (${st.message}); run rfcgate inside the governed repository`,
        { ...base, repo: repo.dir },
      ),
    };
  }
  if (!st.hasCommits) {
    return {
      ok: false,
      outcome: halt(
        'missing',
        `the repository at ${st.root} has no commits yet, so there is no history to measure`,
        base,
      ),
      empty: true,
    };
  }
  if (!(await repo.refExists(ref))) {
    // Said where the ref came from when the caller knows: a flag, the spec, or neither.
    const from = opts.from;
    const named = from ? `(${from.fix})` : "(--ref, or the measurement's ref: in the spec)";
    // Nothing to fetch: the branch checked out (an orphan branch) has no commit yet.
    const unborn = unbornBranch(st.root, ref);
    if (unborn !== undefined) {
      return {
        ok: false,
        outcome: halt(
          'missing',
          `${ref === 'HEAD' ? `HEAD is on branch '${unborn}', which` : `branch '${ref}'`} has no commit yet (an orphan branch), so there is no history to measure; commit first, or name a ref that has commits ${named}`,
          base,
        ),
      };
    }
    const expression = await revisionHalt(repo, ref, st.shallow, named);
    if (expression !== undefined) return { ok: false, outcome: halt('missing', expression, base) };
    const shallow = opts.history && st.shallow;
    const advice = from
      ? fetchAdvice(st.root, ref, { ...(from.flag ? { flag: from.flag } : {}), fix: from.fix, shallow })
      : fetchAdvice(st.root, ref, { fix: `name a ref this clone has ${named}`, shallow });
    return {
      ok: false,
      outcome: halt(
        'missing',
        `git ref '${ref}'${from ? `, ${from.named},` : ''} does not exist in this clone; ${advice}`,
        base,
      ),
    };
  }
  if (opts.history && st.shallow) {
    return { ok: false, outcome: halt('missing', SHALLOW_FIX, { ...base, shallow: true }) };
  }
  const commit = await repo.resolveAsOf(ref, asOf);
  if (!commit) {
    const reason = st.shallow
      ? await shallowAsOfHalt(repo, ref, asOf)
      : `no commit on '${ref}' is dated at or before ${asOf.toISOString()}, so nothing existed as of that instant`;
    // git answered, unlike a shallow clone: nothing had been committed on the ref by then.
    return {
      ok: false,
      outcome: halt('missing', reason, { ...base, shallow: st.shallow }),
      ...(st.shallow ? {} : { empty: true as const }),
    };
  }
  const [passedOver, laterAncestor] = await Promise.all([
    futureTip(repo, ref, asOf, commit),
    datedAfter(repo, asOf, commit),
  ]);
  return {
    ok: true,
    anchor: {
      ref,
      asOf,
      commit,
      shallow: st.shallow,
      root: st.root,
      bare: st.bare,
      ...(passedOver !== undefined ? { passedOver } : {}),
      ...(laterAncestor !== undefined ? { laterAncestor } : {}),
    },
  };
}

/**
 * As of now, a commit at the ref dated beyond the clock's slack is passed over and its parent
 * read: said, so that a committer's clock running fast does not go unnoticed. An instant in the
 * past passes over later commits by design, and says nothing.
 */
async function futureTip(repo: GitHistory, ref: string, asOf: Date, read: CommitInfo): Promise<string | undefined> {
  if (asOf.getTime() < Date.now() - CLOCK_SLACK_MS || !repo.tipOf) return undefined;
  const tip = await repo.tipOf(ref);
  if (!tip || tip.sha === read.sha || !aheadOfClock(tip.date)) return undefined;
  return `the commit at '${ref}' (${tip.sha.slice(0, 12)}) is dated ${tip.date}, in the future (its committer's clock runs fast), so it does not count yet and ${read.sha.slice(0, 12)} before it was read; fix that clock and commit again`;
}

/**
 * A past instant reads the newest first-parent commit dated at or before it, but that commit's
 * tree holds all of its history, and a commit dated after the instant there was made before the
 * commit read: a clock ran wrong (fast there, or slow here), so the read may hold work done after
 * the instant. Said, not halted: which clock was wrong, git cannot tell.
 */
async function datedAfter(repo: GitHistory, asOf: Date, read: CommitInfo): Promise<string | undefined> {
  if (asOf.getTime() >= Date.now() - CLOCK_SLACK_MS || !repo.laterAncestor) return undefined;
  const later = await repo.laterAncestor(read.sha, asOf);
  if (!later) return undefined;
  return `${later.sha.slice(0, 12)}, in the history of ${read.sha.slice(0, 12)} (the commit read as of ${asOf.toISOString()}), is dated ${later.date}, after that instant: a commit is made after the commits it holds, so a committer's clock ran wrong, and what was read may include work done after ${asOf.toISOString()}`;
}

/** A commit date past this machine's clock and its slack: made on a clock that runs fast. */
function aheadOfClock(date: string): boolean {
  return new Date(date).getTime() > Date.now() + CLOCK_SLACK_MS;
}

/**
 * Why a shallow clone found no commit on `ref` as of `asOf`: the commit it holds at the ref is
 * dated after the instant, and what came before it was cut. A date ahead of this run's clock
 * (beyond the slack) is the committer's clock running fast, which fetching history does not
 * mend: the commit would still be passed over, and its parent read.
 */
async function shallowAsOfHalt(repo: GitHistory, ref: string, asOf: Date): Promise<string> {
  const tip = await repo.tipOf?.(ref);
  if (!tip) return SHALLOW_FIX;
  const said = `the commit at '${ref}' (${tip.sha.slice(0, 12)}) is dated ${tip.date}, after ${asOf.toISOString()}, and this shallow clone holds nothing older`;
  if (aheadOfClock(tip.date)) {
    return `${said}: that date is in the future, so its committer's clock runs fast; fix that clock and commit again, or ${FETCH_FULL_HISTORY} to read the commit before it`;
  }
  return `${said}; pass --as-of at or after ${tip.date}, or ${FETCH_FULL_HISTORY} to read the commit before it`;
}

/**
 * Why a revision expression (main~100, main^2, main@{3}, :/message) names no commit, or
 * undefined for a plain name. An expression names nothing a remote could send by that name,
 * so it is no fetch to advise: the history it walks is shorter than asked, or cut by a
 * shallow clone.
 */
export async function revisionHalt(
  repo: GitHistory,
  ref: string,
  shallow: boolean,
  named: string,
): Promise<string | undefined> {
  if (!isRevisionExpression(ref)) return undefined;
  const said = `'${ref}' names no commit in this clone`;
  if (shallow)
    return `${said}: it is a shallow clone, whose history is cut; ${FETCH_FULL_HISTORY}, or name a ref this clone has ${named}`;
  const from = /^[^~^@:]+/.exec(ref)?.[0];
  // Only first parents: main^2 past a commit that is no merge is not history too short.
  if (from !== undefined && /^(?:~\d*|\^1?)+$/.test(ref.slice(from.length)) && (await repo.refExists(from))) {
    return `${said}: the history of '${from}' is shorter than that; name a ref this clone has ${named}`;
  }
  return `${said}; name a ref this clone has ${named}`;
}

/** A name git walks or searches from (~, ^, @{…}, :), not one a branch, tag or commit id has. */
function isRevisionExpression(ref: string): boolean {
  return /[~^:]|@\{/.test(ref);
}

export function authorOf(c: CommitInfo): string {
  return `${c.authorName} <${c.authorEmail}>`;
}

export function commitEvidence(c: CommitInfo): Evidence {
  return { sha: c.sha, author: authorOf(c), date: c.date, subject: c.subject };
}

/** Compiles a spec regex; a bad one is a spec error, reported as a halt rather than a crash. */
export function compileRegex(pattern: string, flags = ''): RegExp | string {
  try {
    return new RegExp(pattern, flags);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

type RepoKind = 'git' | 'artifact' | 'attestation';

/**
 * The shape the three repository-backed sources share: one repository per directory,
 * a kind check, and a body run under `guarded` so faults and aborts become halts.
 */
export abstract class RepoBackedSource<K extends RepoKind> implements MeasurementSource {
  abstract readonly kind: K;
  private readonly pool: RepoPool;

  /** Without a repository, one is opened (and kept) per `ctx.repoDir`. */
  constructor(repo?: GitHistory) {
    this.pool = new RepoPool(repo);
  }

  async measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome> {
    if (m.source !== this.kind) {
      return halt('error', `the ${this.kind} source cannot measure '${m.id}', a ${m.source} measurement`);
    }
    const spec = m as Extract<MeasurementSpec, { source: K }>;
    return guarded(this.describe(spec), ctx, () => this.run(spec, this.pool.get(ctx.repoDir), ctx));
  }

  async close(): Promise<void> {}

  /** Names the measurement in halt reasons ("git first_commit for 'x'"). */
  protected abstract describe(m: Extract<MeasurementSpec, { source: K }>): string;
  protected abstract run(
    m: Extract<MeasurementSpec, { source: K }>,
    repo: GitHistory,
    ctx: EvalContext,
  ): Promise<MeasurementOutcome>;
}

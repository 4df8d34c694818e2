/**
 * The status of every prerequisite PR, read from the mainline as of a ref and an instant:
 * landed, partial, blocked, gated or ready (or unknown, with the halt, when git cannot
 * answer). Pure apart from the GitHistory and the Measurer it is handed; it prints nothing.
 */
import type { Measurer } from '../engine/measure.js';
import { HALT_PRIORITY, outcomeEvidence } from '../engine/measure.js';
import type { Evidence, HaltReason } from '../model/result.js';
import { anchor, authorOf, gitFailure, REF_FLAG, revisionHalt } from '../sources/git/common.js';
import { type DeliverableFacts, landedBefore, type LandingFacts, landingOf } from '../sources/git/landing.js';
import { type CommitInfo, type GitHistory, GLOB_CHARS, type HistoryScope } from '../sources/git/repo.js';
import type { MeasurementOutcome, RefOrigin } from '../sources/types.js';
import { fromCel, toCel } from '../spec/expressions.js';
import type { LoadedRfc } from '../spec/load.js';
import type { PrereqSpec } from '../spec/types.js';
import { SpecError, UsageError } from '../spec/problems.js';
import { fetchAdvice, unbornBranch } from '../util/git-ref.js';
import { followRenames } from '../sources/git/renames.js';
import { crossLandingFile } from './overlap.js';
import { dataGateKey } from './spec.js';

export type PrereqState = 'landed' | 'partial' | 'ready' | 'blocked' | 'gated' | 'unknown';
export const PREREQ_STATES: readonly PrereqState[] = ['landed', 'partial', 'ready', 'blocked', 'gated', 'unknown'];

export interface CommitRef {
  sha: string;
  author: string;
  date: string;
  subject: string;
}

export interface DeliverableStatus {
  path: string;
  present: boolean;
  files?: string[];
  first_commit?: CommitRef;
  deleted_by?: CommitRef;
  /** The path git says the deleting commit renamed it to (and any later renames since): the deliverable to list instead. */
  renamed_to?: string;
  /** Also a dependency's deliverable: this prereq modifies it. */
  shared?: boolean;
}

export interface DataGateStatus {
  id: string;
  title?: string;
  condition: string;
  verdict: 'pass' | 'fail' | 'halt';
  halt_reason?: HaltReason;
  reason?: string;
  measurements: Evidence;
}

export interface PrereqStatus {
  id: string;
  title: string;
  section?: string;
  status: PrereqState;
  reason: string;
  depends_on: string[];
  /** Dependencies that have not landed. */
  blocked_by: string[];
  /**
   * Dependencies this prereq's first deliverable commit came before the landing of (or that
   * have still not landed): the sequence was not followed, even if everything has landed since.
   */
  out_of_order?: string[];
  deliverables: DeliverableStatus[];
  missing: string[];
  landed_when?: {
    commit_message: string;
    commit: CommitRef | null;
    /** No marker in effect: the latest one that matched and the revert that undid it. */
    reverted?: { commit: CommitRef; by: CommitRef };
  };
  data_gates: DataGateStatus[];
  started_by?: CommitRef;
  landed_by?: CommitRef;
  /**
   * Of the commits its landing brought in that touched its own deliverables (a merged branch's
   * too), the one written first, with its author date: took_days counts from that date.
   */
  first_authored?: CommitRef & { authored: string };
  /**
   * From first_authored's author date to landed_by's commit date, in days. null when it
   * landed but git dates none of its work before the landing (a squash merge, work committed
   * at once): how long it took is unknown, and the reason says so.
   */
  took_days?: number | null;
  location: { file: string; line: number; col: number };
}

export interface PrereqReport {
  rfc: string;
  as_of: string;
  ref: string;
  resolved_sha: string | null;
  /**
   * `halt` when git could not answer (shallow clone, missing ref), or answered that the mainline
   * had no commit as of the instant: every status is unknown.
   */
  state: 'ok' | 'halt';
  /**
   * nothing_existed: git answered, and no commit on the mainline is dated at or before the
   * instant (or the repository has none): no prereq had started, and no spec named them yet.
   */
  halt?: { reason: HaltReason; message: string; nothing_existed?: true };
  counts: Record<PrereqState, number>;
  /** null when the state is `halt`: with every status unknown, what can start is unknown too. */
  can_start: string[] | null;
  /** null when the state is `halt`: no path can be computed from unknown statuses. */
  critical_path: string[] | null;
  prereqs: PrereqStatus[];
}

export interface PrereqStatusOptions {
  repo: GitHistory;
  /** The mainline ref; default the manifest's mainline branch. */
  ref?: string;
  /** The ref was named by the user (--ref), not read from rfc.yaml: a missing one is theirs to fix. */
  refGiven?: boolean;
  asOf: Date;
  /** Evaluates data-gate measurements; without it, a prereq with data gates is gated (nothing measured). */
  measurer?: Measurer;
  /**
   * Told what the report's shape has no place for about the commit read: a read as of now passed
   * over the mainline's tip for a date ahead of the clock (a deliverable in the tip looks absent),
   * or a past instant's commit holds one dated after the instant (a wrong clock let it in).
   */
  onAnchorNote?: (message: string) => void;
}

export async function prereqStatus(rfc: LoadedRfc, opts: PrereqStatusOptions): Promise<PrereqReport> {
  const prereqs = rfc.prereqs ?? [];
  const ref = opts.ref ?? rfc.manifest.mainline;
  const head = { rfc: rfc.manifest.id, as_of: opts.asOf.toISOString(), ref };

  const haltReport = (halted: NonNullable<PrereqReport['halt']>): PrereqReport => {
    const statuses = prereqs.map((p) => unknownStatus(p, halted.nothing_existed ? NOT_STARTED : halted.message));
    return {
      ...head,
      resolved_sha: null,
      state: 'halt',
      halt: halted,
      counts: countStates(statuses),
      can_start: null,
      critical_path: null,
      prereqs: statuses,
    };
  };
  const from = refOrigin(rfc, opts.refGiven ?? false);
  const halted = await mainlineHalt(opts.repo, ref, from);
  if (halted) return haltReport(halted);
  const a = await anchor(opts.repo, ref, opts.asOf, { history: true, from });
  if (!a.ok) {
    const o = a.outcome as Extract<MeasurementOutcome, { status: 'halt' }>;
    return haltReport({ reason: o.halt, message: o.reason, ...(a.empty ? { nothing_existed: true as const } : {}) });
  }
  if (a.anchor.passedOver !== undefined) opts.onAnchorNote?.(a.anchor.passedOver);
  if (a.anchor.laterAncestor !== undefined) opts.onAnchorNote?.(a.anchor.laterAncestor);
  try {
    return await statusesAt(rfc, opts, prereqs, head, a.anchor.commit);
  } catch (e) {
    // A malformed connection string is the invocation's fault, said as such (exit 3), not git's;
    // deliverables that overlap in the tree are the spec's.
    if (e instanceof UsageError || e instanceof SpecError) throw e;
    // git failed reading the history (an old git, a killed process): no status is known.
    return haltReport({ reason: 'error', message: `git could not read the history of '${ref}': ${gitFailure(e)}` });
  }
}

async function statusesAt(
  rfc: LoadedRfc,
  opts: PrereqStatusOptions,
  prereqs: PrereqSpec[],
  head: { rfc: string; as_of: string; ref: string },
  resolved: CommitInfo,
): Promise<PrereqReport> {
  const h: HistoryScope = { sha: resolved.sha, scope: 'mainline', asOf: opts.asOf };
  const crossed = await crossLandingFile(opts.repo, prereqs, resolved.sha);
  if (crossed) throw new SpecError([crossed], [], rfc.files);
  const facts = new Map(
    await Promise.all(prereqs.map(async (p) => [p.id, await landingOf(opts.repo, p, h, resolved)] as const)),
  );
  await renames(opts.repo, resolved.sha, [...facts.values()]);
  const gates = new Map(
    await Promise.all(
      prereqs.map(async (p) => [p.id, facts.get(p.id)?.landed ? [] : await dataGates(rfc, p, opts.measurer)] as const),
    ),
  );
  // Out of order: a dependency that had not landed in the tree the prereq started from (its
  // first commit's parent), not today's, so a deliverable deleted since does not rewrite history;
  // nor once the commits that landed with its first one are in: one commit may complete a
  // dependency and start on it, and so may one rebase-and-merge, whose commits land together
  // as a merge commit's or a squash's do.
  const byId = new Map(prereqs.map((p) => [p.id, p]));
  const early = new Map(
    await Promise.all(
      prereqs.map(async (p) => {
        const start = facts.get(p.id)?.startedBy;
        const deps = p.depends_on.map((d) => byId.get(d)).filter((d): d is PrereqSpec => d !== undefined);
        if (!start || !deps.length) return [p.id, [] as string[]] as const;
        const then = await landedBefore(opts.repo, deps, h, start);
        const late = deps.filter((_, i) => !then[i]?.landed);
        const landing = late.length ? ((await opts.repo.landedWith?.(start, h)) ?? start) : start;
        const at = await Promise.all(late.map((d) => landingOf(opts.repo, d, h, landing, landing.ordinal)));
        const early = late.filter(
          (_, i) => !(at[i]?.landed && (!at[i]?.landedWhen || (at[i]?.landedWhen?.ordinal ?? 0) <= landing.ordinal)),
        );
        return [p.id, early.map((d) => d.id)] as const;
      }),
    ),
  );
  const starts = new Map(
    await Promise.all(prereqs.map(async (p) => [p.id, await workStart(opts.repo, p, facts.get(p.id))] as const)),
  );
  const statuses = prereqs.map((p) =>
    decide(
      p,
      facts.get(p.id) as LandingFacts,
      gates.get(p.id) ?? [],
      (id) => facts.get(id)?.landed ?? false,
      early.get(p.id) ?? [],
      starts.get(p.id),
    ),
  );
  return {
    ...head,
    resolved_sha: resolved.sha,
    state: 'ok',
    counts: countStates(statuses),
    can_start: statuses.filter((s) => s.status === 'ready').map((s) => s.id),
    critical_path: criticalPath(prereqs, statuses),
    prereqs: statuses,
  };
}

/**
 * The commit of a landed prereq's work written first: of the commits its landing brought in
 * (reachable from the completing commit, not from the mainline before its first deliverable
 * commit: a merged branch's commits too), those touching its own deliverables, and the first
 * deliverable and landed_when commits themselves, the one with the oldest author date. The
 * author date is what git keeps of when a change was written: a merge's branch may have been
 * rebased, and a rebase-and-merge re-commits every commit at the moment it lands, so commit
 * dates say only when work landed. Undefined when no candidate records an author date.
 */
async function workStart(
  repo: GitHistory,
  p: PrereqSpec,
  f: LandingFacts | undefined,
): Promise<CommitInfo | undefined> {
  if (!f?.landed || !f.completedBy || !f.startedBy) return undefined;
  const shared = new Set(p.shared);
  const own = p.deliverables.filter((d) => !shared.has(d));
  const base = f.startedBy.ordinal === 0 ? undefined : `${f.startedBy.sha}^`;
  const touched = await repo.firstTouchBetween?.(own, f.completedBy.sha, base);
  const candidates = [touched, f.startedBy, f.landedWhen].filter(
    (c): c is CommitInfo & { authorDate: string } => c?.authorDate !== undefined,
  );
  return candidates.reduce<(typeof candidates)[number] | undefined>(
    (best, c) => (best === undefined || Date.parse(c.authorDate) < Date.parse(best.authorDate) ? c : best),
    undefined,
  );
}

/**
 * A literal deliverable that is gone because a commit renamed it was not undone but moved:
 * say where to, so the spec is fixed rather than the work redone; a folder, when that commit
 * moved all of its files under one new folder. Asked only of the few missing deliverables a
 * deletion explains (one git process each).
 */
async function renames(repo: GitHistory, sha: string, facts: LandingFacts[]): Promise<void> {
  const fate = repo.pathFate?.bind(repo);
  if (!fate) return;
  const gone = facts.flatMap((f) => f.deliverables.filter((d) => d.deletedBy && !GLOB_CHARS.test(d.path)));
  await Promise.all(
    gone.map(async (d) => {
      // Renamed again since (a → b → c): the path to list is the one the tree has now.
      const r = await followRenames(fate, (p) => repo.pathExists(sha, p), sha, d.path);
      // A folder listed as `tests/golden/` is named the way the spec names it.
      const hops = d.path.endsWith('/') ? (r?.hops ?? []).map((h) => `${h}/`) : (r?.hops ?? []);
      const to = hops.at(-1);
      if (to === undefined) return;
      d.renamedTo = to;
      if (hops.length > 1) d.renamedVia = hops.slice(0, -1);
    }),
  );
}

/**
 * Where the mainline came from: --ref, or rfc.yaml's mainline. Either way --ref names another
 * (the remote's copy) on this command line.
 */
export function refOrigin(rfc: LoadedRfc, given: boolean): RefOrigin {
  if (given) return REF_FLAG;
  const file = rfc.manifest.location.file;
  return { named: `named in ${file} (mainline:)`, fix: `fix mainline in ${file}`, flag: '--ref' };
}

/** A mainline branch that does not exist names the branches that do. */
async function mainlineHalt(
  repo: GitHistory,
  ref: string,
  from: RefOrigin,
): Promise<{ reason: HaltReason; message: string } | undefined> {
  const st = await repo.state();
  if (st.kind !== 'repo' || !st.hasCommits) return undefined;
  if (await repo.refExists(ref)) return undefined;
  // A branch with no commit yet (HEAD on an orphan branch) is no branch to fetch: the anchor says so.
  if (unbornBranch(st.root, ref) !== undefined) return undefined;
  // main~1000 past the start of history is no branch missing from the clone: said as gate check says it.
  const expression = await revisionHalt(repo, ref, st.shallow, `(${from.fix})`);
  if (expression !== undefined) return { reason: 'missing', message: `the mainline ${expression}` };
  const branches = repo.branches ? await repo.branches() : [];
  return {
    reason: 'missing',
    message:
      `the mainline '${ref}', ${from.named}, does not exist in this clone` +
      (branches.length ? `; branches that do: ${branches.join(', ')}` : '; the clone has no branches') +
      `; ${fetchAdvice(st.root, ref, { flag: '--ref', fix: from.fix, shallow: st.shallow })}`,
  };
}

function commitRef(c: CommitInfo): CommitRef {
  return { sha: c.sha, author: authorOf(c), date: c.date, subject: c.subject };
}

function short(c: { sha: string; date: string }): string {
  return `${c.sha.slice(0, 7)} (${c.date.slice(0, 10)})`;
}

/** Each prereq's reason when the mainline had no commit yet as of the instant. */
const NOT_STARTED = 'not started: nothing existed on the mainline as of that instant';

function unknownStatus(p: PrereqSpec, message: string): PrereqStatus {
  return {
    id: p.id,
    title: p.title,
    ...(p.section ? { section: p.section } : {}),
    status: 'unknown',
    reason: message,
    depends_on: p.depends_on,
    blocked_by: [],
    deliverables: p.deliverables.map((path) => ({ path, present: false })),
    missing: [],
    data_gates: [],
    location: p.location,
  };
}

async function dataGates(rfc: LoadedRfc, p: PrereqSpec, measurer: Measurer | undefined): Promise<DataGateStatus[]> {
  return Promise.all(
    p.data_gates.map(async (g): Promise<DataGateStatus> => {
      const base = { id: g.id, ...(g.title ? { title: g.title } : {}), condition: g.condition };
      const c = rfc.prereqGates?.get(dataGateKey(p.id, g.id));
      if (!c) {
        return {
          ...base,
          verdict: 'halt',
          halt_reason: 'error',
          reason: 'the condition did not compile',
          measurements: {},
        };
      }
      const ids = c.identifiers.filter((id) => rfc.measurements.has(id));
      if (!measurer) {
        return {
          ...base,
          verdict: 'halt',
          halt_reason: 'error',
          reason: 'no measurement sources were configured for this run',
          measurements: {},
        };
      }
      const outcomes = await Promise.all(ids.map(async (id) => [id, await measurer.get(id)] as const));
      const vars: Record<string, unknown> = {};
      const measured: Evidence = {};
      const halts: [string, Extract<MeasurementOutcome, { status: 'halt' }>][] = [];
      for (const [id, o] of outcomes) {
        const m = rfc.measurements.get(id);
        if (!m) continue;
        const v = o.status === 'ok' ? toCel(m.type, o.value) : undefined;
        if (v !== undefined) vars[id] = v;
        else if (o.status === 'halt') halts.push([id, o]);
        measured[id] = outcomeEvidence(m, o, fromCel(v));
      }
      if (halts.length) {
        const reasons = halts.map(([, o]) => o.halt);
        return {
          ...base,
          verdict: 'halt',
          halt_reason: HALT_PRIORITY.find((r) => reasons.includes(r)) ?? 'error',
          // The measurer's reasons usually name the measurement already; name it once.
          reason: halts.map(([id, o]) => (o.reason.includes(`'${id}'`) ? o.reason : `${id}: ${o.reason}`)).join('; '),
          measurements: measured,
        };
      }
      let value: unknown;
      try {
        value = c.evaluate(vars);
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        return {
          ...base,
          verdict: 'halt',
          halt_reason: 'error',
          reason: `the condition could not be evaluated: ${msg}`,
          measurements: measured,
        };
      }
      if (value === true) {
        // A count its liveness does not vouch for may be short: it cannot open a gate, as it
        // cannot clear one in `gate check`.
        const unvouched = measurer.unvouchedReason(ids);
        if (unvouched !== undefined) {
          return { ...base, verdict: 'halt', halt_reason: 'missing', reason: unvouched, measurements: measured };
        }
        return { ...base, verdict: 'pass', measurements: measured };
      }
      const values = ids.map((id) => `${id}=${fromCel(vars[id])}`).join(', ');
      return {
        ...base,
        verdict: 'fail',
        reason: `does not hold: ${g.condition.trim()} (${values})`,
        measurements: measured,
      };
    }),
  );
}

function deliverableStatus(d: DeliverableFacts): DeliverableStatus {
  return {
    path: d.path,
    present: d.present,
    ...(d.files ? { files: d.files } : {}),
    ...(d.first ? { first_commit: commitRef(d.first) } : {}),
    ...(d.deletedBy ? { deleted_by: commitRef(d.deletedBy) } : {}),
    ...(d.renamedTo ? { renamed_to: d.renamedTo } : {}),
    ...(d.shared ? { shared: true } : {}),
  };
}

function decide(
  p: PrereqSpec,
  f: LandingFacts,
  gates: DataGateStatus[],
  landed: (id: string) => boolean,
  early: string[],
  /** The commit of its work written first (see workStart). */
  written?: CommitInfo,
): PrereqStatus {
  const deliverables = f.deliverables.map(deliverableStatus);
  const missing = f.deliverables.filter((d) => !d.present).map((d) => d.path);
  const blockedBy = p.depends_on.filter((d) => !landed(d));
  const base = {
    id: p.id,
    title: p.title,
    ...(p.section ? { section: p.section } : {}),
    depends_on: p.depends_on,
    blocked_by: blockedBy,
    deliverables,
    missing,
    ...(p.landed_when
      ? {
          landed_when: {
            commit_message: p.landed_when.commit_message,
            commit: f.landedWhen ? commitRef(f.landedWhen) : null,
            ...(f.landedWhenUndone
              ? { reverted: { commit: commitRef(f.landedWhenUndone.marker), by: commitRef(f.landedWhenUndone.by) } }
              : {}),
          },
        }
      : {}),
    ...(early.length ? { out_of_order: early } : {}),
    data_gates: gates,
    ...(f.startedBy ? { started_by: commitRef(f.startedBy) } : {}),
    location: p.location,
  };
  if (f.landed && f.completedBy) {
    const landedAt = Date.parse(f.completedBy.date);
    const authored = written?.authorDate;
    // Work dated no earlier than its landing (one commit whose author and commit dates agree,
    // as a squash merge leaves) may have taken a minute or a month: git cannot tell which.
    const known = authored !== undefined && Date.parse(authored) < landedAt;
    const took = known ? roundDays(landedAt - Date.parse(authored)) : null;
    return {
      ...base,
      status: 'landed',
      reason:
        `landed by ${short(f.completedBy)}` +
        (known && written
          ? `, ${took} d after its first deliverable commit was written (${written.sha.slice(0, 7)}, authored ${authored.slice(0, 10)})`
          : '; how long it took is unknown: no commit of its work is dated before it landed (a squash merge, or work committed at once, keeps no earlier date)') +
        (early.length ? `; out of order: started before ${early.join(', ')} landed` : ''),
      landed_by: commitRef(f.completedBy),
      ...(known && written ? { first_authored: { ...commitRef(written), authored } } : {}),
      took_days: took,
    };
  }
  const gateProblems = gates
    .filter((g) => g.verdict !== 'pass')
    .map((g) => `data gate ${g.id} ${g.verdict === 'halt' ? `halted (${g.halt_reason}: ${g.reason})` : g.reason}`);
  if (f.started) {
    const parts: string[] = [];
    const present = f.deliverables.filter((d) => d.present).length;
    if (missing.length) {
      const detail = f.deliverables
        .filter((d) => !d.present)
        .map((d) =>
          d.renamedTo && d.deletedBy
            ? `${d.path} (${renamedText(d.deletedBy, [...(d.renamedVia ?? []), d.renamedTo])}: list that path if it is the same work)`
            : d.deletedBy
              ? `${d.path} (deleted by ${short(d.deletedBy)})`
              : d.path,
        );
      parts.push(`${present} of ${f.deliverables.length} deliverables present; missing: ${detail.join(', ')}`);
    }
    if (p.landed_when && f.landedWhenUndone)
      parts.push(
        `its landed_when commit ${short(f.landedWhenUndone.marker)} was reverted by ${short(f.landedWhenUndone.by)}`,
      );
    else if (p.landed_when && !f.landedWhen)
      parts.push(`no mainline commit message matches /${p.landed_when.commit_message}/`);
    const startedEarly = blockedBy.filter((d) => early.includes(d));
    const unlanded = blockedBy.filter((d) => !early.includes(d));
    if (startedEarly.length) parts.push(`started before ${startedEarly.join(', ')} landed`);
    if (unlanded.length)
      parts.push(
        `${unlanded.join(', ')} ${unlanded.length === 1 ? 'is' : 'are'} no longer landed (landed before it started)`,
      );
    parts.push(...gateProblems);
    return { ...base, status: 'partial', reason: parts.join('; ') };
  }
  // Landing the dependency is the first thing to do, but not always the only one: a data gate
  // that does not hold either is said now, not found out once the dependency lands.
  if (blockedBy.length)
    return { ...base, status: 'blocked', reason: [`waits for ${blockedBy.join(', ')}`, ...gateProblems].join('; ') };
  if (gateProblems.length) return { ...base, status: 'gated', reason: gateProblems.join('; ') };
  return {
    ...base,
    status: 'ready',
    reason: p.depends_on.length ? 'every dependency has landed; not started' : 'no dependencies; not started',
  };
}

/** `renamed to b by <commit>`, and each later rename: `, then to c`. */
function renamedText(by: { sha: string; date: string }, paths: string[]): string {
  const [first, ...later] = paths;
  return `renamed to ${first ?? ''} by ${short(by)}${later.map((p) => `, then to ${p}`).join('')}`;
}

function roundDays(ms: number): number {
  return Math.round((ms / 86_400_000) * 100) / 100;
}

function countStates(statuses: PrereqStatus[]): Record<PrereqState, number> {
  const out = Object.fromEntries(PREREQ_STATES.map((s) => [s, 0])) as Record<PrereqState, number>;
  for (const s of statuses) out[s.status]++;
  return out;
}

/**
 * The longest chain of prereqs not yet landed, following depends_on, from the first to
 * start to the last to land: the sequence that bounds how soon everything can land.
 * Ties go to the smaller id, so the answer is deterministic.
 *
 * Each prereq keeps the length of the longest chain ending at it and the dependency that
 * chain comes through, not the chain itself (n²/2 ids on a chain of n); the walk keeps a
 * stack of its own, so a chain of thousands whose ids sort against the dependency order
 * does not exceed the call stack. A dependency met again while its own chain is still
 * being walked (a cycle: an invalid spec) counts as no chain.
 */
export function criticalPath(prereqs: PrereqSpec[], statuses: PrereqStatus[]): string[] {
  const open = new Set(statuses.filter((s) => s.status !== 'landed').map((s) => s.id));
  const byId = new Map(prereqs.map((p) => [p.id, p]));
  const length = new Map<string, number>();
  const via = new Map<string, string>();
  const visiting = new Set<string>();
  interface Frame {
    id: string;
    deps: string[];
    next: number;
    best: number;
    via?: string;
  }
  const frame = (id: string): Frame => {
    visiting.add(id);
    return { id, deps: [...(byId.get(id)?.depends_on ?? [])].sort(), next: 0, best: 0 };
  };
  const offer = (f: Frame, d: string, n: number): void => {
    if (n > f.best) {
      f.best = n;
      f.via = d;
    }
  };
  const walk = (root: string): void => {
    if (length.has(root)) return;
    const stack = [frame(root)];
    while (stack.length) {
      const f = stack[stack.length - 1] as Frame;
      if (f.next < f.deps.length) {
        const d = f.deps[f.next++] as string;
        if (!open.has(d) || visiting.has(d)) continue;
        const n = length.get(d);
        if (n === undefined) stack.push(frame(d));
        else offer(f, d, n);
        continue;
      }
      stack.pop();
      visiting.delete(f.id);
      length.set(f.id, f.best + 1);
      if (f.via !== undefined) via.set(f.id, f.via);
      const parent = stack[stack.length - 1];
      if (parent) offer(parent, f.id, f.best + 1);
    }
  };
  let best: string | undefined;
  let bestLength = 0;
  for (const id of [...open].sort()) {
    walk(id);
    const n = length.get(id) ?? 0;
    if (n > bestLength) {
      best = id;
      bestLength = n;
    }
  }
  const out: string[] = [];
  for (let id = best; id !== undefined; id = via.get(id)) out.push(id);
  return out.reverse();
}

/** Exit code of `prereq status`: 0 when every status was computed, 2 when git could not answer. */
export function prereqExitCode(r: PrereqReport): number {
  return r.state === 'halt' ? 2 : 0;
}

/**
 * Git facts about a prerequisite PR, on the mainline as of an instant: which of its
 * deliverables are present, the commits that first touched them (or deleted them), the
 * commit matching its landed_when pattern, and so whether and when it landed. Shared by
 * `prereq status` and the `prereqs_before` ordering guard. Pure over a GitHistory.
 */
import type { PrereqSpec } from '../../spec/types.js';
import {
  type CommitInfo,
  type GitHistory,
  GLOB_CHARS,
  type HistoryCommit,
  type HistoryScope,
  presentPaths,
} from './repo.js';

export interface DeliverableFacts {
  path: string;
  present: boolean;
  /** Files matching a glob deliverable at the resolved commit (first few); not listed at a past commit (see landingOf). */
  files?: string[];
  /** The first mainline commit that touched it. */
  first?: HistoryCommit;
  /** Present, on the mainline: the commit it has existed since (after a deletion, the one that brought it back). */
  since?: HistoryCommit;
  /** Absent now but touched before: the last commit touching it, which deleted it. */
  deletedBy?: HistoryCommit;
  /**
   * Where git's rename detection says the deletion moved it (a literal path only), followed
   * through later renames to the path it has now.
   */
  renamedTo?: string;
  /** The paths it had between the deletion and renamedTo, when it was renamed more than once. */
  renamedVia?: string[];
  /** Also a deliverable of a dependency (this prereq modifies it): not when the work started, only a bound on its landing. */
  shared: boolean;
}

export interface LandingFacts {
  id: string;
  deliverables: DeliverableFacts[];
  /** The first commit matching landed_when that was not reverted (or the revert of its revert that brought it back). */
  landedWhen?: HistoryCommit;
  /** Without landedWhen: the latest marker commit that matched and the revert that undid it. */
  landedWhenUndone?: { marker: HistoryCommit; by: HistoryCommit };
  /** Every deliverable present and landed_when (if any) matched. */
  landed: boolean;
  /** One of its own deliverables is present or was (and was deleted), or landed_when matched. */
  started: boolean;
  /**
   * When landed: the commit that completed it, the latest of the commits its deliverables (shared
   * ones too) exist since and landed_when (a prereq reverted and landed again completed the second time).
   */
  completedBy?: HistoryCommit;
  /** The earliest of its own deliverables' first commits (or landed_when). */
  startedBy?: HistoryCommit;
}

const MAX_FILES = 5;

export async function landingOf(
  repo: GitHistory,
  p: PrereqSpec,
  h: HistoryScope,
  resolved: CommitInfo,
  /** The ordinal of `resolved` in h's mainline, when it is not h's newest commit. */
  upTo?: number,
): Promise<LandingFacts> {
  const shared = new Set(p.shared);
  // At a past mainline commit, presence is read from the history already loaded (each path's
  // additions and deletions along the first-parent chain) instead of listing that commit's
  // tree: the out-of-order check asks at the start of every prereq, one `git ls-tree` each.
  const past = upTo !== undefined && h.scope === 'mainline';
  const deliverables = await Promise.all(
    p.deliverables.map(async (d): Promise<DeliverableFacts> => {
      // Asked before presence is known, so the history loads while the tree is read: both
      // come from the same in-memory index, and the last commit is ignored when present.
      const touches = Promise.all([
        repo.findCommit({ globs: [d] }, h, 'first'),
        repo.findCommit({ globs: [d] }, h, 'last'),
        repo.presentSince([d], h, upTo),
      ]);
      // Awaited below, after the tree is read: a history git could not load must not fail
      // unhandled meanwhile and end the process before it is reported.
      touches.catch(() => undefined);
      let present: boolean;
      let files: string[] | undefined;
      if (past) {
        present = (await touches)[2] !== undefined;
      } else if (GLOB_CHARS.test(d)) {
        // A submodule is there as a literal path is: pathExists counts it, so does the history.
        const all = await presentPaths(repo, resolved.sha, d);
        present = all.length > 0;
        files = all.slice(0, MAX_FILES);
      } else {
        present = await repo.pathExists(resolved.sha, d);
      }
      const [first, lastTouch, presentSince] = await touches;
      const last = present ? undefined : lastTouch;
      const since = present ? presentSince : undefined;
      return {
        path: d,
        present,
        ...(files && files.length ? { files } : {}),
        ...(first ? { first } : {}),
        ...(since ? { since } : {}),
        ...(last ? { deletedBy: last } : {}),
        shared: shared.has(d),
      };
    }),
  );
  const marker = p.landed_when
    ? await markerInEffect(repo, new RegExp(p.landed_when.commit_message, 'm'), h, upTo ?? Infinity)
    : {};
  const landedWhen = marker.inEffect;
  const undone = landedWhen ? undefined : marker.undone;
  const allPresent = deliverables.every((d) => d.present);
  const landed = allPresent && (!p.landed_when || landedWhen !== undefined);
  const own = deliverables.filter((d) => !d.shared);
  const events = [
    ...own.map((d) => d.first).filter((c): c is HistoryCommit => c !== undefined),
    ...(marker.first ? [marker.first] : []),
  ];
  // A deliverable created and later deleted, or a marker reverted, still shows the work started.
  const started =
    own.some((d) => d.present || d.deletedBy !== undefined) || landedWhen !== undefined || undone !== undefined;
  const byOrdinal = [...events].sort((a, b) => a.ordinal - b.ordinal);
  const startedBy = byOrdinal[0];
  // Without a status history (not the mainline) the first touch stands in for since. A shared
  // deliverable does not say when the work started, but nothing lands before it is there: a
  // marker committed before a dependency made the file does not complete the prereq by itself.
  const completions = [
    ...own.map((d) => d.since ?? d.first).filter((c): c is HistoryCommit => c !== undefined),
    ...deliverables.filter((d) => d.shared).flatMap((d) => (d.since ? [d.since] : [])),
    ...(landedWhen ? [landedWhen] : []),
  ].sort((a, b) => a.ordinal - b.ordinal);
  const completedBy = landed ? completions[completions.length - 1] : undefined;
  return {
    id: p.id,
    deliverables,
    ...(landedWhen ? { landedWhen } : {}),
    ...(undone ? { landedWhenUndone: undone } : {}),
    landed,
    started,
    ...(completedBy ? { completedBy } : {}),
    ...(startedBy && started ? { startedBy } : {}),
  };
}

/**
 * The first mainline commit (through ordinal `upTo`) matching a landed_when pattern that has
 * not been undone: a marker that `git revert` reverted (its message says `This reverts commit
 * <sha>`, also when squashed into another) no longer lands the prereq; a revert of that revert
 * brings it back, and is then the commit it landed by. A revert that quotes the marker's subject
 * (`Revert "pr2: wire f"`) matches the pattern too, but is no marker.
 */
async function markerInEffect(
  repo: GitHistory,
  pattern: RegExp,
  h: HistoryScope,
  upTo: number,
): Promise<{
  inEffect?: HistoryCommit;
  undone?: { marker: HistoryCommit; by: HistoryCommit };
  /** The first marker that matched, undone since or not: when the work started. */
  first?: HistoryCommit;
}> {
  const seen: string[] = [];
  /** Commits that revert a marker or a revert of one. */
  const reverts = new Set<string>();
  let undoneLast: { marker: HistoryCommit; by: HistoryCommit } | undefined;
  let first: HistoryCommit | undefined;
  for (;;) {
    const m = await repo.findCommit({ pattern, except: seen }, h, 'first');
    if (!m || m.ordinal > upTo) return undoneLast && first ? { undone: undoneLast, first } : {};
    seen.push(m.sha);
    if (reverts.has(m.sha)) continue;
    first ??= m;
    let last = m;
    /** What a revert of the latest step names: the mainline commit, and a revert merged in from a branch. */
    let named = [m.sha];
    /** Reverts merged in from branches, already counted. */
    const merged = new Set<string>();
    let undone = false;
    for (;;) {
      const r = await firstRevert(repo, named, h, last.ordinal, merged);
      if (!r || r.commit.ordinal > upTo) break;
      reverts.add(r.commit.sha);
      last = r.commit;
      named = [r.commit.sha, ...r.side];
      for (const x of r.side) merged.add(x);
      undone = !undone;
    }
    if (!undone) return { inEffect: last, first };
    undoneLast = { marker: m, by: last };
  }
}

/**
 * The first mainline commit after ordinal `after` that reverts one of `shas`: one whose message
 * says so, or a merge that brought in such a revert from a branch (the `side` commits). A
 * branch may revert and re-revert before one merge brings both in: the second then comes in by
 * the merge already at `after`, and undoes the first.
 */
async function firstRevert(
  repo: GitHistory,
  shas: string[],
  h: HistoryScope,
  after: number,
  counted: ReadonlySet<string>,
): Promise<{ commit: HistoryCommit; side: string[] } | undefined> {
  const found = await Promise.all(
    shas.map(async (sha) => {
      const direct = await repo.findCommit({ pattern: new RegExp(`This reverts commit ${sha}`) }, h, 'first');
      const merged = (await repo.revertsMergedIn?.(sha, h)) ?? [];
      return [
        ...(direct ? [{ commit: direct, side: [] as string[] }] : []),
        ...merged.filter((x) => !counted.has(x.revert)).map((x) => ({ commit: x.via, side: [x.revert] })),
      ];
    }),
  );
  const later = found
    .flat()
    .filter((x) => x.commit.ordinal > after || (x.side.length > 0 && x.commit.ordinal === after));
  const first = later.reduce<(typeof later)[number] | undefined>(
    (best, x) => (best === undefined || x.commit.ordinal < best.commit.ordinal ? x : best),
    undefined,
  );
  if (!first) return undefined;
  const side = later.filter((x) => x.commit.sha === first.commit.sha).flatMap((x) => x.side);
  return { commit: first.commit, side };
}

/**
 * Whether each prereq had landed before a mainline commit, read in the tree just before it
 * (its mainline parent) rather than today's: a deliverable deleted since does not undo a
 * landing, and one reverted before the commit and landed again after it does not make one.
 * A landed_when commit must come before it too. The root commit has nothing before it.
 */
export async function landedBefore(
  repo: GitHistory,
  prereqs: PrereqSpec[],
  h: HistoryScope,
  commit: HistoryCommit,
): Promise<{ landed: boolean; facts?: LandingFacts }[]> {
  if (commit.ordinal === 0) return prereqs.map(() => ({ landed: false }));
  const parent = { ...commit, sha: `${commit.sha}^` };
  const facts = await Promise.all(prereqs.map((p) => landingOf(repo, p, h, parent, commit.ordinal - 1)));
  return facts.map((f) => ({
    landed: f.landed && (!f.landedWhen || f.landedWhen.ordinal < commit.ordinal),
    facts: f,
  }));
}

/**
 * Where a path gone from a tree went: git's rename detection followed hop by hop (a → b → c),
 * so a spec or a document is pointed at the path the tree has now, not at one also gone.
 */

/** What became of a path gone from the tree of `sha` (GitRepo.pathFate). */
export type PathFate = (
  sha: string,
  literalPath: string,
) => Promise<{ commit: string; renamedTo?: string } | undefined>;

/** How many renames of one path are followed: one git process each. */
const MAX_RENAMES = 10;

export interface Fate {
  /** The paths it was renamed to, in order, the last the one to name; empty when it was deleted. */
  hops: string[];
  /** The commit of the last rename followed, or the one that deleted it. */
  commit: string;
}

/**
 * The renames of `path` from the newest commit reachable from `sha` back, followed until a path
 * the tree has (`exists`), a path that was not renamed again, or a loop; undefined when no
 * commit touched the path (or the history cannot be read).
 */
export async function followRenames(
  fate: PathFate,
  exists: (path: string) => Promise<boolean>,
  sha: string,
  path: string,
): Promise<Fate | undefined> {
  const first = await fate(sha, path);
  if (!first) return undefined;
  const hops: string[] = [];
  let commit = first.commit;
  for (let f: Awaited<ReturnType<PathFate>> = first; f?.renamedTo && hops.length < MAX_RENAMES;) {
    const to = f.renamedTo;
    if (to === path || hops.includes(to)) break;
    hops.push(to);
    commit = f.commit;
    if (await exists(to)) break;
    f = await fate(sha, to);
  }
  return { hops, commit };
}

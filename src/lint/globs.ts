/**
 * Path matching for lint rules: the shared glob semantics (src/util/globs.ts: a glob through
 * picomatch, dotfiles included; a path without glob characters also means everything under
 * it), without loading the git client: a pre-commit hook pays for every module it imports.
 */
import { pathMatcher } from '../util/globs.js';

export { someSorted } from '../util/globs.js';

export { globProblem } from '../util/globs.js';
export const matcher = pathMatcher;

/** The files of a list matching any of the globs, in list order. */
export function matching(files: readonly string[], globs: readonly string[]): string[] {
  const m = matcher(globs);
  return files.filter((f) => m(f));
}

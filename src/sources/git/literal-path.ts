/**
 * path_exists looks a path up in the tree as spelt, so a glob there names a file nobody has:
 * `docs/handoffs/*.md` halts every run instead of asking whether a handoff exists. Shared by
 * the spec loader, which refuses such a path where it is written, and the source itself.
 */
import picomatch from 'picomatch';
import { GLOB_CHARS } from '../../util/globs.js';

/**
 * Whether a path_exists path is a glob. Only what picomatch reads as one counts: a `{` or `]`
 * it reads literally (`{{name}}/setup.py`, a template folder) is a file path_exists can find.
 * A `*` or `?` always is (`{{name}}/*.py`), though picomatch's scan, having taken the braces
 * for text, may call the rest a path.
 */
export function isGlobPath(path: string): boolean {
  return GLOB_CHARS.test(path) && (/[*?]/.test(path) || picomatch.scan(path, { parts: true }).isGlob);
}

/** What to write instead of a glob in path_exists. */
export const PATH_EXISTS_GLOB_FIX =
  'to ask whether any file matches a glob, use an artifact measurement with glob: and exists: true (or git query first_commit / last_commit, whose paths are globs)';

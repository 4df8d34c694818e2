/**
 * Path matching for lint rules, with the semantics of the git source's pathMatcher (a glob
 * through picomatch, dotfiles included; a path without glob characters also means
 * everything under it) but without loading the git client: a pre-commit hook pays for
 * every module it imports.
 */
import picomatch from 'picomatch';

const GLOB_CHARS = /[*?[\]{}]/;
/** `**` / `*.ext`, `dir/**` / `*.ext` and `dir/**`: the shapes most rules use, matched without a regex. */
const SIMPLE = /^((?:[^*?[\]{}!()+@\\/]+\/)*)\*\*(?:\/\*(\.[A-Za-z0-9_-]+))?$/;

function normalise(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

export function matcher(globs: readonly string[]): (file: string) => boolean {
  const tests = globs.map((raw) => {
    const g = normalise(raw);
    if (!GLOB_CHARS.test(g)) return (f: string) => f === g || f.startsWith(`${g}/`);
    const simple = SIMPLE.exec(g);
    if (simple) {
      const dir = simple[1] ?? '';
      const ext = simple[2];
      if (ext === undefined) return dir === '' ? () => true : (f: string) => f.startsWith(dir);
      return (f: string) => f.startsWith(dir) && f.endsWith(ext) && f.length > dir.length + ext.length;
    }
    const m = picomatch(g, { dot: true });
    const { base } = picomatch.scan(g);
    // Most globs start with a literal folder: a string prefix test spares the regex.
    return base === '' ? (f: string) => m(f) : (f: string) => f.startsWith(`${base}/`) && m(f);
  });
  if (tests.length === 1 && tests[0]) return tests[0];
  return (f) => tests.some((t) => t(f));
}

/** The files of a list matching any of the globs, in list order. */
export function matching(files: readonly string[], globs: readonly string[]): string[] {
  const m = matcher(globs);
  return files.filter((f) => m(f));
}

/** Why a glob can never name a repository path, or undefined (the checks prereqs.yaml makes). */
export function globProblem(raw: string): string | undefined {
  if (raw.startsWith('/')) return 'it is absolute; paths are relative to the repository root';
  if (raw.includes('\\')) return "it contains '\\'; git paths use '/'";
  if (/<[^>]*>/.test(raw)) return "it contains a '<…>' placeholder; write '*' for the variable part";
  const p = normalise(raw);
  if (p === '' || p === '.') return 'it names the repository root';
  const segments = p.split('/');
  if (segments.some((s) => s === '..')) return "it has a '..' segment";
  if (segments.some((s) => s === '')) return "it has an empty segment ('//')";
  if (segments.some((s) => s === '.')) return "it has a '.' segment";
  if (segments.includes('.git')) return 'git never tracks files under .git';
  try {
    picomatch.makeRe(p, { dot: true });
  } catch (e) {
    return `it is not a valid glob: ${(e as Error).message}`;
  }
  return undefined;
}

/**
 * Repository paths and the globs that name them, shared by everything that matches specs
 * against a tree or a history (the git sources, prereqs, lint). Only picomatch is loaded: a
 * pre-commit hook pays for every module it imports.
 */
import picomatch from 'picomatch';
import { regexMistake } from './escape-regex.js';

/** `**`, `dir/**`, `**` + `/*.ext` and `dir/**` + `/*.ext`: matched by string tests, without a regex. */
const SIMPLE = /^((?:[^*?[\]{}!()+@\\/]+\/)*)\*\*(?:\/\*(\.[A-Za-z0-9_-]+))?$/;

/** What makes a path a glob: a wildcard, a class, braces, or an extglob (`!(…)`, `@(…)`, `+(…)`; `*(…)` and `?(…)` have their wildcard). */
export const GLOB_CHARS = /[*?[\]{}]|[!@+]\(/;

export function normalisePath(p: string): string {
  return p.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * A matcher for repository-relative paths. A glob is matched with picomatch (dotfiles
 * included: `.github/**` must work); a pattern without glob characters is a literal path
 * that also matches everything under it, as git pathspecs do, so `elixir/handler_dispatch`
 * means the directory. As in git, a glob also names the path spelt exactly as it is written
 * (and what is under it): `pages/[id].tsx` is that file as well as what its class matches.
 */
export function pathMatcher(globs: readonly string[]): (file: string) => boolean {
  const tests = globs.map((g) => compileGlob(g).test);
  if (tests.length === 1 && tests[0]) return tests[0];
  return (f) => tests.some((t) => t(f));
}

interface CompiledGlob {
  test: (file: string) => boolean;
  /** Every match starts with this (a literal path, or the literal folder a glob starts in); '' when unknown. */
  prefix: string;
}

/** Compiled once per process: the same deliverable glob is asked of the tree and of the history. */
const compiledGlobs = new Map<string, CompiledGlob>();

function compileGlob(raw: string): CompiledGlob {
  let c = compiledGlobs.get(raw);
  if (c) return c;
  const g = normalisePath(raw);
  let simple: RegExpExecArray | null;
  if (!GLOB_CHARS.test(g)) {
    const under = `${g}/`;
    c = { test: (f: string) => f === g || f.startsWith(under), prefix: g };
  } else if ((simple = SIMPLE.exec(g))) {
    // `dir/**` and `dir/**/*.ext`, the shapes most specs use, need no regex; they match what
    // picomatch matches with dot: true (checked in the tests).
    const dir = simple[1] ?? '';
    const ext = simple[2];
    const folder = dir.slice(0, -1);
    const test =
      ext === undefined
        ? (f: string) => f.startsWith(dir) || (folder !== '' && f === folder)
        : (f: string) => f.startsWith(dir) && f.endsWith(ext) && f.length >= dir.length + ext.length;
    c = { test, prefix: folder };
  } else {
    // 's': a git path may contain a newline, and `**` must still cross it.
    // Called with the path only: picomatch's second argument asks for a result object.
    // A path named as written matches too, and what is under it, as git pathspecs do: a
    // Next.js route `pages/[id].tsx` names that file, not `pages/i.tsx` and `pages/d.tsx`.
    const glob = picomatch(g, { dot: true, flags: 's' });
    const literal = `${g}/`;
    const m = (f: string) => f === g || f.startsWith(literal) || glob(f);
    const base = literalHead(picomatch.scan(g).base);
    const under = `${base}/`;
    c =
      base === '' || base.includes('\\')
        ? { test: m, prefix: '' }
        : { test: (f: string) => (f === base || f.startsWith(under)) && m(f), prefix: base };
  }
  compiledGlobs.set(raw, c);
  return c;
}

/**
 * The folders of picomatch's base that hold no glob character. picomatch's scan stops at what
 * it takes for a glob and gives the rest as base when it takes none, though its matcher then
 * still reads the pattern: `{{slug}}/**` + `/*.py` (a cookiecutter template), `src/{a}/*.py`
 * and `src/[ab/*.py` each come back whole, and as a prefix would match only themselves.
 */
export function literalHead(base: string): string {
  if (!GLOB_CHARS.test(base)) return base;
  const parts = base.split('/');
  return parts
    .slice(
      0,
      parts.findIndex((p) => GLOB_CHARS.test(p)),
    )
    .join('/');
}

/**
 * The paths of a sorted list that match any of `globs`, in list order. Paths sharing a
 * prefix are contiguous in a sorted list, so a glob with a literal folder is checked only
 * against that range (found by binary search), not against every path: a run asks
 * hundreds of globs of the same tree and history.
 */
export function matchSorted(sorted: readonly string[], globs: readonly string[]): string[] {
  const hits = new Set<number>();
  for (const raw of globs) {
    const { test, prefix } = compileGlob(raw);
    for (let i = lowerBound(sorted, prefix); i < sorted.length; i++) {
      const f = sorted[i] ?? '';
      if (!f.startsWith(prefix)) break;
      if (test(f)) hits.add(i);
    }
  }
  return [...hits].sort((a, b) => a - b).map((i) => sorted[i] ?? '');
}

/**
 * Whether a path of a list that git or lint sorted matches any of `globs` and is accepted.
 * A glob with a literal folder is tried on that range first (found by binary search, as in
 * matchSorted): a pre-commit hook asks this of each rule's globs against the whole index,
 * and scanning from the top to reach `tests/` or `web/` each time was most of its glob work.
 * The range only speeds up a yes: a no (which halts the rule) is always the scan of every
 * path, so an order that differs from JavaScript's at some non-ASCII name cannot turn a
 * match into a dead glob.
 */
export function someSorted(
  sorted: readonly string[],
  globs: readonly string[],
  accept: (file: string) => boolean = () => true,
): boolean {
  for (const raw of globs) {
    const { test, prefix } = compileGlob(raw);
    if (prefix === '') continue;
    for (let i = lowerBound(sorted, prefix); i < sorted.length; i++) {
      const f = sorted[i] ?? '';
      if (!f.startsWith(prefix)) break;
      if (test(f) && accept(f)) return true;
    }
  }
  const named = pathMatcher(globs);
  return sorted.some((f) => named(f) && accept(f));
}

/** The first index of a sorted list whose path is not below `prefix`. */
function lowerBound(sorted: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? '') < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Why a glob can never name a path in a repository tree, or undefined. `what` names the globs in the message. */
export function globProblem(raw: string, what = 'paths'): string | undefined {
  if (raw.startsWith('/')) return `it is absolute; ${what} are relative to the repository root`;
  if (raw.includes('\\')) return "it contains '\\'; git paths use '/'";
  if (/<[^>]*>/.test(raw)) return "it contains a '<…>' placeholder; write '*' for the variable part";
  // A leading '!' negates in .gitignore and some glob tools; here a glob only ever names paths
  // (`!(…)` at the start is an extglob, which picomatch matches).
  if (raw.startsWith('!') && !raw.startsWith('!(')) {
    return `it starts with '!', which does not negate here: a glob names the ${what} it matches${what === 'paths' ? ' (a lint rule leaves paths out with exclude)' : ''}`;
  }
  const p = normalisePath(raw);
  if (p === '' || p === '.') return 'it names the repository root';
  const segments = p.split('/');
  if (segments.some((s) => s === '..')) return "it has a '..' segment";
  if (segments.some((s) => s === '')) return "it has an empty segment ('//')";
  if (segments.some((s) => s === '.')) return "it has a '.' segment";
  if (segments.includes('.git')) return 'git never tracks files under .git';
  const syntax = globSyntaxProblem(raw);
  return syntax === undefined ? undefined : `it is not a valid glob: ${syntax}`;
}

/**
 * Why picomatch cannot read a glob, or undefined. Such a glob matches no path but the one
 * spelt exactly as written: `src/{a,b/*.py` would name only a file called `*.py` in a folder
 * called `{a,b`, which is never what was meant, so a spec holding one is refused where it is
 * written rather than halting the first run with "matched no file". A `{` or `[` picomatch
 * reads as a literal character (`src/[ab/*.py`, `{{name}}/setup.py`) is no mistake.
 */
export function globSyntaxProblem(raw: string): string | undefined {
  const p = normalisePath(raw);
  if (p === '') return undefined;
  try {
    // Without debug, picomatch answers a pattern it cannot compile with a regex that matches nothing.
    picomatch.makeRe(p, { dot: true, debug: true });
    return undefined;
  } catch (e) {
    const message = (e as Error).message;
    const open = unclosed(raw, /character class/.test(message) ? '[' : '{(');
    if (open === undefined) return `picomatch cannot read it (${regexMistake(e as Error)})`;
    const { char, at } = open;
    const close = char === '{' ? '}' : char === '(' ? ')' : ']';
    const example = char === '{' ? '{a,b}' : char === '(' ? '@(a|b)' : '[abc]';
    return `the '${char}' at character ${at + 1} is never closed; close it with '${close}' (as in ${example}), or write [${char}] for a literal '${char}'`;
  }
}

/** The first of `opening` brackets in `glob` that no closing one answers. */
function unclosed(glob: string, opening: string): { char: string; at: number } | undefined {
  const stack: { char: string; at: number }[] = [];
  for (const [at, char] of [...glob].entries()) {
    if (opening.includes(char)) stack.push({ char, at });
    else if (char === '}' || char === ')' || char === ']') {
      const want = char === '}' ? '{' : char === ')' ? '(' : '[';
      const i = stack.map((o) => o.char).lastIndexOf(want);
      if (i >= 0) stack.splice(i, 1);
    }
  }
  return stack[0];
}

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';

/** What a shallow clone lacks for a history question, and how to get it. */
export const FETCH_FULL_HISTORY = 'fetch the full history (actions/checkout: fetch-depth: 0, or git fetch --unshallow)';

/**
 * When `ref` names the branch HEAD is on (HEAD, `@` or that branch's name, perhaps with `~n` /
 * `^n` after it) and that branch has no commit yet (a new repository's first commit, an
 * orphan branch's), the branch's short name; else undefined.
 */
export function unbornBranch(root: string, ref: string): string | undefined {
  const head = spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0 || typeof head.stdout !== 'string') return undefined;
  const branch = head.stdout.trim();
  const name = ref.replace(/[~^].*$/s, '');
  if (
    name !== 'HEAD' &&
    name !== '@' &&
    name !== branch &&
    `refs/heads/${name}` !== branch &&
    `refs/${name}` !== branch
  )
    return undefined;
  const born = spawnSync('git', ['rev-parse', '-q', '--verify', `${branch}^{commit}`], { cwd: root });
  return born.status === 0 || born.error ? undefined : branch.replace(/^refs\/heads\//, '');
}

/**
 * Whether the commit `rev` names is found in two steps: the object it names, then `<id>^{commit}`.
 * `^{commit}` written after `:/fix the race` would be read as part of the message searched for,
 * and no commit says that; any other revision is peeled at once (one git run, not two).
 */
export function peelApart(rev: string): boolean {
  return rev.includes(':');
}

/**
 * How a clone gets a ref it lacks, in the same words for every command that names one (lint
 * --changed-since, --ref, a mainline, a measurement's ref:). `flag` is how the user names a
 * ref on this command line, if one does; `fix` what else they can do ('fix --changed-since').
 * Fetching a branch by name updates the remote's copy (origin/main), not a local branch of
 * that name, so a branch is read through that copy: the one already here (a pull request's
 * checkout has only that), or the one a fetch brings. A remote is the one the ref names, else
 * origin, else the clone's only one. A revision expression (main~3, HEAD:src, main@{1}) and
 * HEAD-like names (FETCH_HEAD) are nothing a remote sends by that name: only `fix` is said.
 * A bare name may be a branch or a tag, fetched and named differently: the clone tells which
 * when it can (a tag kept under a remote's namespace, or a fetch that brought the name and
 * recorded it in FETCH_HEAD as a tag or a branch); else the advice covers both. `shallow` marks
 * a question that needs history asked of a shallow clone: the remote's copy is cut there too, so
 * the advice starts with fetching the full history.
 */
export function fetchAdvice(root: string, ref: string, say: { flag?: string; fix: string; shallow?: boolean }): string {
  const { fix } = say;
  if (!/^[\w./-]+$/.test(ref) || ref.startsWith('-') || /^[A-Z_]*HEAD$/.test(ref)) return fix;
  const remotes = gitLines(root, ['remote']);
  const origin = remotes.includes('origin') ? 'origin' : remotes.length === 1 ? remotes[0] : undefined;
  // A commit id, the usual base of a PR in a shallow clone: fetched by id, or the whole history.
  if (/^[0-9a-f]{7,64}$/i.test(ref)) {
    return origin
      ? `fetch it (git fetch ${origin} ${ref}; actions/checkout: fetch-depth: 0), or ${fix}`
      : `fetch the history that holds it, or ${fix}`;
  }
  // A tag is fetched as one, and then named as it is: no remote's copy of it is kept.
  const tag = /^refs\/tags\/(.+)$/.exec(ref)?.[1];
  if (tag !== undefined) {
    return origin
      ? `fetch it (git fetch ${origin} tag ${tag}), or ${fix}`
      : `fetch it from the remote that has it, or ${fix}`;
  }
  const name = ref.replace(/^refs\/remotes\//, '');
  const slash = name.indexOf('/');
  const remote = slash > 0 ? name.slice(0, slash) : '';
  if (remotes.includes(remote)) {
    const rest = name.slice(slash + 1);
    // origin/v9 after `git fetch origin v9` brought a tag: no remote's copy of a tag is kept.
    if (!ref.startsWith('refs/remotes/') && fetched(root, rest, remotes)?.kind === 'tag') {
      const as = say.flag ? `, then ${say.flag} ${rest}` : '';
      return `'${rest}' is a tag on ${remote}, named as it is, not as ${name}: fetch it (git fetch ${remote} tag ${rest}${as}), or ${fix}`;
    }
    return `fetch it (git fetch ${remote} ${rest}), or ${fix}`;
  }
  if (!origin) return `fetch it from the remote that has it, or ${fix}`;
  const branch = ref.replace(/^refs\/heads\//, '');
  const copy = `${origin}/${branch}`;
  const named = say.flag ? `${say.flag} ${copy}` : copy;
  // Naming the copy (or fetching it) would only halt again on the cut history: say both steps at once.
  if (say.shallow) {
    return `this is a shallow clone, whose history is cut, so the remote's copy ${copy} cannot be read either: ${FETCH_FULL_HISTORY}, then name ${named}; or ${fix}`;
  }
  if (commitId(root, `refs/remotes/${copy}`) !== undefined) {
    return `the remote's copy ${copy} is here: name it${say.flag ? ` (${named})` : ''}, or ${fix}`;
  }
  const asBranch = `git fetch ${origin} ${branch}, then ${named}`;
  if (ref.startsWith('refs/heads/')) return `fetch it and name the remote's copy (${asBranch}), or ${fix}`;
  const kept = keptTag(root, branch, remotes);
  if (kept !== undefined) {
    return `the remote's tag is here as ${kept}: name it${say.flag ? ` (${say.flag} ${kept})` : ''}, or ${fix}`;
  }
  const seen = fetched(root, branch, remotes);
  if (seen?.kind === 'tag') return `fetch it (git fetch ${seen.remote ?? origin} tag ${branch}), or ${fix}`;
  if (seen?.kind === 'branch') return `fetch it and name the remote's copy (${asBranch}), or ${fix}`;
  return `fetch it: a branch by the remote's copy (${asBranch}), a tag as it is (git fetch ${origin} tag ${branch}); or ${fix}`;
}

/**
 * A tag of that name kept under a remote's namespace (a fetch refspec such as
 * `+refs/tags/*:refs/remotes/origin/tags/*`), which git does not find by the bare name; its
 * short name (origin/tags/v9) is.
 */
function keptTag(root: string, name: string, remotes: string[]): string | undefined {
  const patterns = remotes.map((r) => `refs/remotes/${r}/tags/${name}`);
  if (patterns.length === 0) return undefined;
  return gitLines(root, ['for-each-ref', '--format=%(refname:short)', ...patterns])[0];
}

/**
 * What the last fetch that brought `name` recorded it as: FETCH_HEAD lists each ref fetched
 * as `tag 'v9' of <url>` or `branch 'main' of <url>`, and `git fetch origin v9` for a tag
 * makes no ref, so this is what the clone knows of it. The remote is the one whose URL
 * FETCH_HEAD names, when one does.
 */
function fetched(
  root: string,
  name: string,
  remotes: string[],
): { kind: 'tag' | 'branch'; remote?: string } | undefined {
  const path = gitLines(root, ['rev-parse', '--git-path', 'FETCH_HEAD'])[0];
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(resolvePath(root, path), 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const m = /^[0-9a-f]+\t[^\t]*\t(tag|branch) '(.*)' of (.*)$/.exec(line);
    if (m?.[2] !== name) continue;
    const url = bareUrl(m[3] ?? '');
    const remote = remotes.find((r) => bareUrl(gitLines(root, ['remote', 'get-url', r])[0] ?? '') === url);
    return { kind: m[1] === 'tag' ? 'tag' : 'branch', ...(remote ? { remote } : {}) };
  }
  return undefined;
}

/** A URL as FETCH_HEAD writes it: without trailing slashes or `.git`. */
function bareUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\.git$/, '');
}

/** The lines git prints, none when it cannot run there. */
function gitLines(root: string, args: string[]): string[] {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 && typeof r.stdout === 'string' ? r.stdout.split('\n').filter(Boolean) : [];
}

/** What `git rev-parse --verify` prints for an object: its full id. */
export const OBJECT_ID = /^[0-9a-f]{40,64}$/;

/** The commit `rev` names in the repository at `root`, or undefined. */
export function commitId(root: string, rev: string): string | undefined {
  if (rev === '' || rev.startsWith('-')) return undefined;
  const object = (name: string): string | undefined => {
    const r = spawnSync('git', ['rev-parse', '--verify', '-q', name], { cwd: root, encoding: 'utf8' });
    const out = r.status === 0 && typeof r.stdout === 'string' ? r.stdout.trim() : '';
    return OBJECT_ID.test(out) ? out : undefined;
  };
  if (!peelApart(rev)) return object(`${rev}^{commit}`);
  const named = object(rev);
  return named === undefined ? undefined : object(`${named}^{commit}`);
}

/** refProblem's phrase for an empty ref (or one of spaces), which callers explain in their own terms. */
export const REF_EMPTY = 'is empty';

/**
 * What makes a ref unusable before git is asked about it, as a phrase following the ref
 * (`'-x' starts with '-', ...`), or undefined when git may judge it. One set of rules for
 * --ref and for a measurement's own `ref:` in a spec, so that both refuse the same refs.
 */
export function refProblem(ref: string): string | undefined {
  if (ref.trim() === '') return REF_EMPTY;
  // git would read it as an option, not a revision: `git fetch origin -x` is no fix to advise.
  if (ref.startsWith('-')) return "starts with '-', which git reads as an option";
  // No branch or tag name has one (git check-ref-format): a stray paste, or a variable
  // expanded with its line break. A space is the user's only where git's revision syntax
  // takes free text: a reflog date (`main@{1 day ago}`) or a commit message search
  // (`:/fix the race`, `main^{/fix the race}`).
  const named = ref.replace(FREE_TEXT, '');
  const odd = /\p{Cc}/u.exec(ref)?.[0] ?? /\s/u.exec(named)?.[0];
  if (odd !== undefined) return `holds ${charName(odd)}, which no branch, tag or commit id has`;
  // `origin/${BASE_REF}` with the variable unset for this event (a push has no base ref): git
  // would say only "unknown revision", and the halt would advise fetching `origin/`.
  const name = named.split(':')[0] ?? '';
  if (name.endsWith('/') || name.includes('//')) {
    return `${name.endsWith('/') ? "ends with '/'" : "holds '//'"}, which no branch or tag name does (is a variable after the slash empty?)`;
  }
  return undefined;
}

const FREE_TEXT = /@\{[^}]*\}|\^\{\/[^}]*\}|^:\/.*$/gsu;

function charName(ch: string): string {
  if (ch === ' ') return 'a space';
  if (ch === '\t') return 'a tab';
  if (ch === '\n' || ch === '\r') return 'a line break';
  return `the character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Installing and removing the git hooks that run `lint --staged` (pre-commit) and, when
 * asked, `lint --commit <pushed> --changed-since <remote's>` (pre-push) for every RFC of the
 * repository that has lints.yaml. A hook rfcgate did not write is never overwritten silently: install
 * refuses without --force, or keeps it and calls it first with --chain; either way the
 * previous hook is moved aside byte for byte (rename keeps its mode), and uninstall moves
 * it back, so the previous state is restored exactly. core.hooksPath is respected.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FolderRefused, makeDirs } from '../util/make-dirs.js';
import { makeBeside, writeBeside } from '../util/new-file.js';
import { UsageError } from '../spec/problems.js';
import { GATES_DIR, listRfcIds } from '../spec/rfc-dir.js';
import { LINTS_FILE } from './load.js';
import { shellQuote } from '../util/shell.js';

export const HOOK_TYPES = ['pre-commit', 'pre-push'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

export const MARKER = '# rfcgate-managed-hook v1';
const CREATED_DIR = '# rfcgate-created-hooks-dir';
const CHAINED = '# rfcgate-chained';
/** Followed by a digest of the rest of the hook as install wrote it: a re-install can tell a hand edit. */
const DIGEST = '# rfcgate-digest';
export const PREVIOUS_SUFFIX = '.rfcgate-previous';

export interface HookAction {
  hook: HookType;
  path: string;
  action: 'installed' | 'updated' | 'chained' | 'replaced' | 'removed' | 'restored' | 'left-foreign' | 'absent';
  previous?: string;
  /** Install with --chain: the hook kept aside is not executable, so it does not run (git did not run it either). */
  idle?: true;
  /**
   * Install with --chain: the hook kept aside reads its own name ($0, BASH_SOURCE) and is not
   * husky's (run with this hook's name): run under its new name, a dispatcher that finds its
   * scripts by that name (`pre-commit.d/`) finds none, and passes without a word.
   */
  selfNamed?: true;
  /** Uninstall: the hook was in a folder git no longer runs hooks from (core.hooksPath changed since install). */
  stale?: true;
  /** Uninstall: that folder is where another worktree runs hooks from (a relative core.hooksPath gives each its own). */
  worktree?: string;
}

/**
 * Where install wrote hooks, in the repository's git config (one value per folder): core.hooksPath
 * may change after install, and uninstall must still find what install left behind.
 */
const RECORD_KEY = 'rfcgate.hooksDir';

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() };
}

/** The top of the work tree holding root; `command` is the one to rerun there. */
function workTreeTop(root: string, command = 'hooks install'): string {
  const top = git(root, ['rev-parse', '--show-toplevel']);
  if (!top.ok)
    throw new UsageError(`${root} is not inside a git work tree (${top.err}); run ${command} in the repository`);
  return top.out;
}

/** The directory git runs hooks from: core.hooksPath when set (relative to the work tree), else the common dir's hooks. */
export function hooksDir(root: string, top: string = workTreeTop(root)): string {
  // Expanded by git, as git expands it to run the hooks: `~` alone and `~user/...` too, not only `~/...`.
  const configured = git(root, ['config', '--path', '--get', 'core.hooksPath']);
  if (configured.ok && configured.out) {
    return isAbsolute(configured.out) ? configured.out : resolve(top, configured.out);
  }
  const gp = git(root, ['rev-parse', '--git-path', 'hooks']);
  return resolve(root, gp.out);
}

/**
 * Where core.hooksPath is set when git's user-wide or machine-wide config sets it (the file, as
 * git names it), else undefined: a folder every repository of the user runs hooks from.
 */
function sharedHooksPath(root: string): { scope: string; origin: string } | undefined {
  // git before 2.26 has no --show-scope: nothing is known, and nothing refused.
  const r = git(root, ['config', '--show-scope', '--show-origin', '--get', 'core.hooksPath']);
  if (!r.ok) return undefined;
  const [scope = '', origin = ''] = r.out.split('\t');
  return scope === 'global' || scope === 'system' ? { scope, origin: origin.replace(/^file:/, '') } : undefined;
}

export interface InstallOptions {
  /** The governed root: the folder holding gates/, inside the repository. */
  root: string;
  hooks: HookType[];
  /**
   * Replace a hook rfcgate did not write (it is kept aside and restored by uninstall); on a
   * re-install, stop running the one kept aside.
   */
  force: boolean;
  /** Keep a hook rfcgate did not write and run it before the lint. */
  chain: boolean;
  /** How the hook starts rfcgate: a node executable and the bin script. */
  node: string;
  bin: string;
}

export function installHooks(o: InstallOptions): HookAction[] {
  const top = workTreeTop(o.root);
  const dir = hooksDir(o.root, top);
  const shared = sharedHooksPath(o.root);
  if (shared) {
    throw new UsageError(
      `core.hooksPath is set in your ${shared.scope} git config (${shared.origin}), so git runs every repository's hooks from ${dir}, and a hook written there would run this repository's lint in all of them; give this repository its own (git config core.hooksPath ${shellQuote(defaultHooksDir(o.root) ?? '.git/hooks')}) and rerun hooks install, or call 'rfcgate lint --staged' from the shared hook yourself`,
    );
  }
  const cannot = (e: unknown) => unusableDir(dir, e);
  let link: ReturnType<typeof lstatSync>;
  try {
    link = lstatSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw cannot(e);
  }
  checkHooksFolder(dir);
  // The hook finds the RFCs where this install found them, relative to the repository's top.
  const rfcRoot = relative(realpathSync(top), realpathSync(o.root)).split(sep).join('/');
  if (rfcRoot.startsWith('..') || isAbsolute(rfcRoot)) {
    throw new UsageError(`${o.root} is outside the git repository at ${top}; give --root a folder inside it`);
  }
  if (!listRfcIds(o.root).some((id) => existsSync(join(o.root, GATES_DIR, id, LINTS_FILE)))) {
    throw new UsageError(
      `no RFC under ${join(o.root, GATES_DIR)} has a ${LINTS_FILE}, so the hook would check nothing; add gates/<rfc>/${LINTS_FILE} (schemas/lints.schema.json) or point --root at the folder that holds gates/`,
    );
  }
  // Checked for every hook first: nothing is written when one of them must be refused.
  for (const hook of o.hooks) {
    const path = join(dir, hook);
    // One hook runs one governed root: a second install from another root would silently stop
    // checking the first.
    const installed = present(path) && isOurs(path) ? installedRoot(readFileSync(path, 'utf8')) : undefined;
    if (installed !== undefined && installed !== rfcRoot && !o.force) {
      throw new UsageError(
        `${path} already runs rfcgate for the governed root '${installed || '.'}' of this repository, and one hook checks one root; rerun with --force to switch it to '${rfcRoot || '.'}', or run 'rfcgate lint --staged --root <root>' for each root from a hook manager (README: husky, lefthook)`,
      );
    }
    const edits = present(path) && isOurs(path) && !o.force ? handEdits(hook, readFileSync(path, 'utf8')) : undefined;
    if (edits !== undefined) {
      throw new UsageError(
        `${path} was edited by hand since hooks install wrote it (${describeEdits(edits)}), and installing again would drop the edits; put them in a hook of your own and install with --chain to run it first, or rerun with --force to drop them`,
      );
    }
    // The repository's own hooks folder (core.hooksPath naming a folder of the work tree whose
    // hooks git tracks) is the team's: a hook moved aside, rewritten or added there is a change
    // the next commit would share with everyone, with this machine's paths in it. Not even
    // --force: the lint is called from a hook of that folder instead.
    const team = isOurs(path) ? undefined : teamHooks(top, dir, path);
    if (team !== undefined) {
      const call = hook === 'pre-commit' ? "'npx rfcgate lint --staged'" : "the README's pre-push command";
      throw new UsageError(
        team === 'file'
          ? `${path} is tracked in this repository (core.hooksPath names a folder of the work tree), so installing would change the team's hook for everyone who commits it; call rfcgate from that hook instead (${call}), or point core.hooksPath at a folder of your own`
          : `${dir} holds hooks tracked in this repository (core.hooksPath names a folder of the work tree), so a ${hook} hook written there would be committed for everyone; add one there that calls rfcgate (${call}) and commit it, or point core.hooksPath at a folder of your own`,
      );
    }
    if (present(path) && !isOurs(path) && !o.force && !o.chain) {
      throw new UsageError(
        `${path} already exists and rfcgate did not write it; rerun with --chain to keep it and run it before the lint, or with --force to replace it (it is kept as ${hook}${PREVIOUS_SUFFIX} and restored by hooks uninstall)`,
      );
    }
    // A hook manager that writes its hooks anew (husky 9's `prepare` on every npm install)
    // replaces ours with the very hook kept aside: the copy is then nothing to lose.
    if (present(path) && !isOurs(path) && present(path + PREVIOUS_SUFFIX) && !sameHook(path, path + PREVIOUS_SUFFIX)) {
      throw new UsageError(
        `${path + PREVIOUS_SUFFIX} already exists, so the current ${hook} hook cannot be kept aside; move one of them away first`,
      );
    }
  }
  if (link?.isSymbolicLink() && !existsSync(dir)) {
    throw new UsageError(
      `${dir} is a symbolic link to ${readlinkSync(dir)}, which does not exist; create that folder or remove the link, then rerun hooks install`,
    );
  }
  // How many folders install creates, the hooks folder and the parents it lacked
  // (core.hooksPath tools/git/hooks in a fresh clone): uninstall removes as many, if empty.
  let first: string | undefined;
  try {
    first = existsSync(dir) ? undefined : makeDirs(dir);
  } catch (e) {
    if (e instanceof FolderRefused && e.takesNoFolders) {
      throw new UsageError(
        `git runs hooks from ${dir}, but no folder can be created in ${e.parent} (ENOENT: its file system takes no new folders); fix core.hooksPath`,
      );
    }
    throw cannot(e instanceof FolderRefused ? e.cause : e);
  }
  const createdDir = first === undefined ? 0 : relative(first, dir).split(sep).filter(Boolean).length + 1;
  // Before any hook is moved aside or written: a folder that cannot be written to would
  // otherwise stop the install half way, with the raw error of a temporary file.
  checkWritable(dir, 'so no hook was installed', 'hooks install');
  const binFromTop = linkedBin(top, o.root, o.bin) ?? insideTop(top, o.bin);
  const fromTop = binFromTop === undefined ? {} : { binFromTop };
  // Every hook is written to a new file beside its place before any hook is moved aside or
  // replaced: a write that fails (a full disk, a quota) then leaves every hook where and as it
  // was, rather than the user's hook moved aside, where git no longer runs it, and no hook of
  // ours in its place, or pre-commit installed and pre-push not.
  const planned: {
    hook: HookType;
    path: string;
    previous: string;
    action: HookAction['action'];
    chain: boolean;
    tmp: string;
  }[] = [];
  try {
    for (const hook of o.hooks) {
      const path = join(dir, hook);
      const previous = path + PREVIOUS_SUFFIX;
      let action: HookAction['action'] = 'installed';
      let chain = false;
      let created = createdDir;
      if (present(path) && isOurs(path)) {
        const text = readFileSync(path, 'utf8');
        // Re-installing keeps what the first install recorded, unless told otherwise: --force
        // stops running the hook kept aside (uninstall still puts it back), --chain starts it.
        chain = present(previous) && (o.chain || (!o.force && text.includes(CHAINED)));
        created = created || createdLevels(text);
        action = 'updated';
      } else if (present(path)) {
        chain = o.chain;
        action = o.chain ? 'chained' : 'replaced';
      } else if (present(previous) && o.chain) {
        // Ours deleted by hand, the hook it kept aside still there (uninstall puts it back):
        // --chain runs that one first again, as it does over a hook of ours.
        chain = true;
        action = 'chained';
      }
      const text = script(hook, { node: o.node, bin: o.bin, chain, createdDir: created, rfcRoot, ...fromTop });
      planned.push({ hook, path, previous, action, chain, tmp: writeBeside(path, 'tmp', text, { mode: 0o755 }) });
    }
  } catch (e) {
    for (const p of planned) rmSync(p.tmp, { force: true });
    removeCreatedDirs(dir, createdDir);
    throw cannotWrite(dir, e, 'so no hook was installed (every hook is as it was)', 'hooks install');
  }
  // Links and renames only from here: they take no room on the disk.
  const undo: (() => void)[] = [];
  try {
    for (const p of planned) {
      // Another install running at the same moment may have put its hook in place since.
      if ((p.action === 'chained' || p.action === 'replaced') && !isOurs(p.path)) {
        const kept = keepAside(p.hook, p.path, p.previous);
        const { path, previous } = p;
        // Undone as it was done: the hook moved (or linked) aside goes back in place, over ours
        // if ours got there; a copy kept aside before stays, and its bytes go back in place.
        if (kept === 'moved') undo.push(() => renameSync(previous, path));
        if (kept === 'linked') {
          // Still the same file under both names (ours not in place yet): the second name goes.
          undo.push(() => (sameFile(path, previous) ? rmSync(previous) : renameSync(previous, path)));
        }
        if (kept === 'same') {
          undo.push(() =>
            renameSync(
              makeBeside(path, 'tmp', (name) => linkSync(previous, name)),
              path,
            ),
          );
        }
      } else if (p.action === 'chained' || p.action === 'replaced') {
        p.action = 'updated';
      }
      renameSync(p.tmp, p.path);
    }
  } catch (e) {
    for (const u of undo.reverse()) u();
    for (const p of planned) rmSync(p.tmp, { force: true });
    throw e instanceof UsageError ? e : cannotWrite(dir, e, 'so no hook was installed', 'hooks install');
  }
  const actions: HookAction[] = [];
  for (const { hook, path, previous, action, chain } of planned) {
    // The hook runs the kept one only when it is executable, as git ran it: one that git
    // ignored stays ignored, and saying it "runs first" would be untrue.
    const idle = chain && present(previous) && !executable(previous);
    const selfNamed = chain && !idle && readsOwnName(previous);
    actions.push({
      hook,
      path,
      action,
      ...(present(previous) ? { previous } : {}),
      ...(idle ? { idle } : {}),
      ...(selfNamed ? { selfNamed } : {}),
    });
  }
  if (!recordedDirs(o.root).includes(dir)) git(o.root, ['config', '--add', RECORD_KEY, dir]);
  return actions;
}

/**
 * Whether the script at `path` reads its own name, which it is not run under once kept aside:
 * `$0`, `${0…}` or `BASH_SOURCE`, outside husky's hooks, which the chained hook runs under its
 * own name (run_previous). A link's target is read: run through the link, its $0 is the link's
 * new name too. A file that cannot be read says nothing.
 */
function readsOwnName(path: string): boolean {
  let text: string;
  let link: boolean;
  try {
    link = lstatSync(path).isSymbolicLink();
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  // As run_previous tells them: a link is never sourced, husky's or not.
  const husky =
    !link &&
    (text.split('\n')[1] === '# husky' ||
      text.split('\n').some((l) => l === '. "$(dirname "$0")/h"' || l === '. "${0%/*}/h"'));
  return !husky && /\$0\b|\$\{0[^0-9]|\bBASH_SOURCE\b/.test(text);
}

/**
 * 'file' when git tracks the hook at `path` in the work tree at `top`, 'folder' when it
 * tracks other files of its folder `dir`, else undefined (.git/hooks, a folder of the clone's own).
 */
function teamHooks(top: string, dir: string, path: string): 'file' | 'folder' | undefined {
  if (!existsSync(dir)) return undefined;
  const rel = realpathSync(dir) === realpathSync(top) ? '' : insideTop(top, dir);
  if (rel === undefined) return undefined;
  const r = spawnSync('git', ['ls-files', '-z', '--', `:(literal)${rel || '.'}`], { cwd: top, encoding: 'utf8' });
  const files = r.status === 0 ? r.stdout.split('\0').filter(Boolean) : [];
  if (files.includes(rel ? `${rel}/${basename(path)}` : basename(path))) return 'file';
  return files.some((f) => !f.slice(rel ? rel.length + 1 : 0).includes('/')) ? 'folder' : undefined;
}

/** `path` relative to the repository's top ('/'-separated) when it lies inside it, else undefined. */
function insideTop(top: string, path: string): string | undefined {
  let rel: string;
  try {
    rel = relative(realpathSync(top), realpathSync(path));
  } catch {
    return undefined;
  }
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split(sep).join('/');
}

/**
 * `bin` as reached through `node_modules/<its package>` in a folder from the governed root up
 * to the top ('/'-separated, from the top), when that link leads to it: pnpm keeps the package
 * in a folder named for its version (node_modules/.pnpm/rfcgate@0.1.0/...), which an upgrade
 * removes, while node_modules/rfcgate stays and points at the new one.
 */
function linkedBin(top: string, root: string, bin: string): string | undefined {
  let name: unknown;
  let real: string;
  try {
    real = realpathSync(bin);
    name = (JSON.parse(readFileSync(join(dirname(real), '..', 'package.json'), 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
  if (typeof name !== 'string' || name === '') return undefined;
  const realTop = realpathSync(top);
  for (let d = realpathSync(root); ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', ...name.split('/'), 'bin', basename(real));
    let target: string | undefined;
    try {
      target = realpathSync(candidate);
    } catch {
      target = undefined;
    }
    if (target === real) return relative(realTop, candidate).split(sep).join('/');
    if (d === realTop || dirname(d) === d) return undefined;
  }
}

/** The folders install recorded writing hooks into. */
function recordedDirs(root: string): string[] {
  const r = git(root, ['config', '--get-all', RECORD_KEY]);
  return r.ok ? r.out.split('\n').filter(Boolean) : [];
}

/** The common git folder (real path) of the repository holding `path`, undefined outside every repository. */
function commonDirOf(path: string): string | undefined {
  const r = git(path, ['rev-parse', '--git-common-dir']);
  if (!r.ok || !r.out) return undefined;
  try {
    return realpathSync(resolve(path, r.out));
  } catch {
    return undefined;
  }
}

/** Where git runs hooks from without core.hooksPath; hooks installed before the record was kept are there. */
function defaultHooksDir(root: string): string | undefined {
  const common = git(root, ['rev-parse', '--git-common-dir']);
  return common.ok ? resolve(root, common.out, 'hooks') : undefined;
}

/** What an edited hook's lines say in a refusal: the first three added or changed, else that some went. */
function describeEdits(edits: string[]): string {
  if (!edits.length) return 'lines removed or changed';
  const named = edits
    .slice(0, 3)
    .map((l) => `'${l}'`)
    .join(', ');
  return named + (edits.length > 3 ? ` and ${edits.length - 3} more` : '');
}

/**
 * `force`: remove a hook of rfcgate's even when it was edited by hand since install wrote it
 * (without it such a hook is refused, the edits named, and nothing is changed).
 */
export function uninstallHooks(root: string, hooks: readonly HookType[] = HOOK_TYPES, force = false): HookAction[] {
  const dir = hooksDir(root, workTreeTop(root, 'hooks uninstall'));
  checkHooksFolder(dir);
  // Where install wrote before core.hooksPath changed: only rfcgate's own hooks are touched
  // there, each removed and the hook it kept aside put back.
  const elsewhere = new Set([...recordedDirs(root), defaultHooksDir(root)]);
  elsewhere.delete(dir);
  // A folder recorded here that now lies in another repository is that one's: this clone moved
  // away and another cloned where it was, say, whose own hooks (installed there) stay its own.
  const own = commonDirOf(root);
  const others = [...elsewhere].filter(
    (d): d is string =>
      d !== undefined &&
      statSync(d, { throwIfNoEntry: false })?.isDirectory() === true &&
      [own, undefined].includes(commonDirOf(d)),
  );
  // A hand edit made after install (a command added, say) is the user's work, which removing
  // the hook would lose without a word: every folder is checked before anything is removed.
  for (const d of [dir, ...others]) {
    for (const hook of hooks) {
      const path = join(d, hook);
      const edits = !force && present(path) && isOurs(path) ? handEdits(hook, readFileSync(path, 'utf8')) : undefined;
      if (edits === undefined) continue;
      throw new UsageError(
        `${path} was edited by hand since hooks install wrote it (${describeEdits(edits)}), and uninstalling would lose the edits; copy what you want to keep elsewhere, then rerun with --force to remove it anyway (nothing was changed)`,
      );
    }
  }
  // Every folder with something to change is tried first: one that cannot be written to would
  // otherwise stop the uninstall half way, with the raw error of the file it could not remove.
  for (const [d, stale] of [[dir, false] as const, ...others.map((d) => [d, true] as const)]) {
    if (hooks.some((h) => changes(join(d, h), stale))) {
      const what = stale ? 'a folder install wrote hooks into' : undefined;
      checkWritable(d, 'so nothing was changed', 'hooks uninstall', what);
    }
  }
  const actions = uninstallIn(dir, hooks, false);
  const live = otherWorktreesHooksDirs(root, dir);
  for (const other of others) {
    const worktree = live.get(other);
    actions.push(...uninstallIn(other, hooks, true).map((a) => (worktree ? { ...a, worktree } : a)));
  }
  git(root, ['config', '--unset-all', RECORD_KEY]);
  return actions;
}

/** The folder each other worktree runs hooks from, to its worktree: with a relative core.hooksPath each has its own. */
function otherWorktreesHooksDirs(root: string, own: string): Map<string, string> {
  const list = git(root, ['worktree', 'list', '--porcelain']);
  const dirs = new Map<string, string>();
  if (!list.ok) return dirs;
  for (const line of list.out.split('\n')) {
    if (!line.startsWith('worktree ')) continue;
    const tree = line.slice('worktree '.length);
    // A worktree whose folder is gone (not yet pruned) runs no hooks.
    if (!existsSync(tree)) continue;
    const d = hooksDir(tree, tree);
    if (d !== own) dirs.set(d, tree);
  }
  return dirs;
}

/** Whether uninstallIn would remove or move anything at this hook's path. */
function changes(path: string, stale: boolean): boolean {
  if (present(path)) return isOurs(path) || (!stale && sameHook(path, path + PREVIOUS_SUFFIX));
  return !stale && present(path + PREVIOUS_SUFFIX);
}

/**
 * Removes rfcgate's hooks from one folder and puts back the hooks they kept aside. In a
 * folder git no longer runs hooks from (`stale`), only what rfcgate wrote is touched and
 * reported.
 */
function uninstallIn(dir: string, hooks: readonly HookType[], stale: boolean): HookAction[] {
  const actions: HookAction[] = [];
  const mark = stale ? { stale: true as const } : {};
  let removeDirs = 0;
  for (const hook of hooks) {
    const path = join(dir, hook);
    const previous = path + PREVIOUS_SUFFIX;
    if (!present(path)) {
      if (stale) continue;
      // Ours was deleted by hand, the one kept aside is still there: it is the previous state.
      if (present(previous)) {
        renameSync(previous, path);
        actions.push({ hook, path, action: 'restored' });
      } else {
        actions.push({ hook, path, action: 'absent' });
      }
      continue;
    }
    if (!isOurs(path)) {
      if (stale) continue;
      // A hook manager wrote the kept hook back over ours (husky on npm install): the copy
      // kept aside is the very hook in place, and the previous state is the hook alone.
      if (present(previous) && sameHook(path, previous)) {
        rmSync(previous);
        actions.push({ hook, path, action: 'left-foreign' });
        continue;
      }
      // Ours with its marker line edited away, say: the hook it kept aside is not put back
      // over it, and the user is told where that one still is.
      actions.push({ hook, path, action: 'left-foreign', ...(present(previous) ? { previous } : {}) });
      continue;
    }
    removeDirs = Math.max(removeDirs, createdLevels(readFileSync(path, 'utf8')));
    rmSync(path);
    if (present(previous)) {
      renameSync(previous, path);
      actions.push({ hook, path, action: 'restored', ...mark });
    } else {
      actions.push({ hook, path, action: 'removed', ...mark });
    }
  }
  // The folders install created, from the hooks folder up, each only while empty.
  removeCreatedDirs(dir, removeDirs);
  return actions;
}

/**
 * Keeps the hook at `path` aside as `previous`, never over a file already there: another
 * install running at the same moment may have kept the user's hook there first, and a rename
 * would write over it. A file is hard-linked (which fails on a name already taken), so it also
 * stays in place until ours is renamed over it; a link or a folder is renamed once `previous`
 * is seen to be free. `previous` already holding the same hook (a hook manager wrote the kept
 * hook back over ours) is kept as it is.
 */
function keepAside(hook: HookType, path: string, previous: string): 'linked' | 'moved' | 'same' | 'gone' {
  const refuse = () =>
    new UsageError(
      `${previous} already exists, so the current ${hook} hook cannot be kept aside; move one of them away first`,
    );
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined) return 'gone';
  if (st.isFile()) {
    try {
      linkSync(path, previous);
      return 'linked';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        if (sameHook(path, previous)) return 'same';
        throw refuse();
      }
      // A file system without hard links: renamed as a link or a folder is.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EMLINK') throw e;
    }
  }
  if (present(previous)) {
    if (sameHook(path, previous)) return 'same';
    throw refuse();
  }
  renameSync(path, previous);
  return 'moved';
}

/** Whether a hook would be run: executable (following a link), as the shell's `[ -x ]` tests it. */
function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why the folder git runs hooks from cannot be used, in words. */
function unusableDir(dir: string, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException).code ?? String(e);
  const why =
    code === 'ENOTDIR'
      ? 'a file stands on its path'
      : code === 'ENOENT'
        ? 'a link on its path points nowhere'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code;
  return new UsageError(
    `git runs hooks from ${dir}, which cannot be used as a folder (${code}: ${why}); fix core.hooksPath or the path`,
  );
}

/** An errno code in words, for a hooks folder that could not be written to. */
function whyNot(code: string): string {
  return code === 'EACCES' || code === 'EPERM'
    ? 'permission denied'
    : code === 'EROFS'
      ? 'a read-only file system'
      : code === 'ENOENT'
        ? 'the folder is gone'
        : code === 'ENOSPC'
          ? 'no space left on the device'
          : code === 'EDQUOT'
            ? 'the disk quota is used up'
            : code === 'EFBIG'
              ? 'the file size limit (ulimit -f) is reached'
              : code;
}

/** A failure to write a hook into `dir`, in words: what went wrong, what came of it, how to go on. */
function cannotWrite(
  dir: string,
  e: unknown,
  outcome: string,
  command: string,
  what = 'the folder git runs hooks from',
): UsageError {
  const code = (e as NodeJS.ErrnoException).code ?? String(e);
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG'
      ? `free some space, then rerun ${command}`
      : `make it writable (chmod u+w ${shellQuote(dir)}) or run ${command} as its owner`;
  return new UsageError(`cannot write to ${dir}, ${what} (${code}: ${whyNot(code)}), ${outcome}; ${fix}`);
}

/** Refuses, in words, a hooks folder no file can be created or removed in (no write permission, a read-only file system). */
function checkWritable(dir: string, outcome: string, command: string, what = 'the folder git runs hooks from'): void {
  const probe = join(dir, `.rfcgate-probe.${process.pid}.tmp`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe);
  } catch (e) {
    throw cannotWrite(dir, e, outcome, command, what);
  }
}

/** Removes the `levels` folders install created, from the hooks folder up, each only while empty. */
function removeCreatedDirs(dir: string, levels: number): void {
  let at = dir;
  for (let i = 0; i < levels && existsSync(at) && readdirSync(at).length === 0; i++) {
    rmdirSync(at);
    at = dirname(at);
  }
}

/** The hooks folder is a folder or not there yet; a file there (or a path that cannot be looked at) is refused. */
function checkHooksFolder(dir: string): void {
  let target: ReturnType<typeof statSync>;
  try {
    // Followed: a link to a file is a file.
    target = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw unusableDir(dir, e);
  }
  if (target && !target.isDirectory()) {
    throw new UsageError(
      `git runs hooks from ${dir}, which is a file, not a folder; fix core.hooksPath or move that file`,
    );
  }
}

/** How many folders the install that wrote this hook created (0: none). */
function createdLevels(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith(CREATED_DIR));
  if (line === undefined) return 0;
  const n = Number(line.slice(CREATED_DIR.length).trim() || '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}

function digestOf(lines: readonly string[]): string {
  const rest = lines.filter((l) => !l.startsWith(`${DIGEST} `)).join('\n');
  return createHash('sha256').update(rest).digest('hex').slice(0, 16);
}

/** The hook with its digest line after the marker. */
function sealed(text: string): string {
  const lines = text.split('\n');
  lines.splice(lines.indexOf(MARKER) + 1, 0, `${DIGEST} ${digestOf(lines)}`);
  return lines.join('\n');
}

/**
 * Undefined when a hook of ours is as install wrote it (or was written before hooks carried a
 * digest, when an edit cannot be told from an older rfcgate's text); else the lines added or
 * changed by hand, when the hook can be written again as it was to compare (else none named).
 */
function handEdits(hook: HookType, text: string): string[] | undefined {
  const lines = text.split('\n');
  const recorded = lines.find((l) => l.startsWith(`${DIGEST} `))?.slice(DIGEST.length + 1);
  if (recorded === undefined || recorded === digestOf(lines)) return undefined;
  const quoted = (name: string) => {
    const line = lines.find((l) => l.startsWith(`${name}='`));
    return line === undefined ? undefined : line.slice(name.length + 2, -1).replace(/'\\''/g, "'");
  };
  const node = quoted('node');
  const bin = quoted('bin');
  const rfcRoot = installedRoot(text);
  if (node === undefined || bin === undefined || rfcRoot === undefined) return [];
  const chain = lines.includes(CHAINED);
  const local = lines.map((l) => /^local="\$top"\/'((?:[^']|'\\'')*)'$/.exec(l)?.[1]).find((x) => x !== undefined);
  const fromTop = local === undefined ? {} : { binFromTop: local.replace(/'\\''/g, "'") };
  const created = createdLevels(text);
  const original = script(hook, { node, bin, chain, createdDir: created, rfcRoot, ...fromTop }).split('\n');
  // Another build's hook: what it wrote cannot be rebuilt, so no line is named.
  if (!original.includes(`${DIGEST} ${recorded}`)) return [];
  const kept = new Set(original);
  return lines.filter((l) => l.trim() !== '' && !kept.has(l));
}

/** The governed root a hook of ours runs, from its root= line ('' for the top), as script() writes it. */
function installedRoot(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith('root="$top"'));
  if (line === undefined) return undefined;
  const quoted = line.slice('root="$top"'.length);
  if (quoted === '') return '';
  // shellQuote's form: '/'...'/' with each ' written as '\''.
  return quoted.startsWith("/'") ? quoted.slice(2, -1).replace(/'\\''/g, "'") : undefined;
}

/** Whether two names are the same file (hard links to one inode). */
function sameFile(a: string, b: string): boolean {
  const sa = lstatSync(a, { throwIfNoEntry: false });
  const sb = lstatSync(b, { throwIfNoEntry: false });
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Two regular files with the same bytes and mode (not links: a link's target may change). */
function sameHook(a: string, b: string): boolean {
  const sa = lstatSync(a, { throwIfNoEntry: false });
  const sb = lstatSync(b, { throwIfNoEntry: false });
  if (!sa?.isFile() || !sb?.isFile() || sa.mode !== sb.mode || sa.size !== sb.size) return false;
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

/** A hook file, or a link to one even when its target is gone: a team's hook is often a link into the repository. */
function present(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

function isOurs(path: string): boolean {
  try {
    // Anywhere, not only near the top: a line added above it by hand (`set -x`, an export)
    // leaves the hook ours, so uninstall still removes it and puts the kept hook back.
    return readFileSync(path, 'utf8')
      .split('\n')
      .some((l) => l.replace(/\r$/, '') === MARKER);
  } catch {
    return false;
  }
}

/**
 * What bin/run.js loads, from its own folder: a copy of rfcgate without it (a linked worktree
 * of rfcgate's own repository, where dist/ is not committed) is not built and cannot run.
 */
export const BUILD_ENTRY = '../dist/bundle/cli/oclif-entry.js';

/**
 * The hook's lines that prefer rfcgate installed in the repository, looked for under the top
 * (`binFromTop`): a repository moved, or its hooks folder checked out elsewhere, still finds
 * it. A copy there that is not built (a linked worktree of rfcgate's own repository, which
 * has bin/ but no dist/ until built) is passed over for the one install ran, with a note;
 * with neither built, the hook says what to build rather than failing in node's words.
 */
function localBin(binFromTop: string): string[] {
  const built = (v: string) => `[ -f "$(dirname "${v}")"/${shellQuote(BUILD_ENTRY)} ]`;
  return [
    `local="$top"/${shellQuote(binFromTop)}`,
    'if [ -f "$local" ]; then',
    `  if ${built('$local')}; then`,
    '    bin="$local"',
    `  elif [ -f "$bin" ] && ${built('$bin')}; then`,
    `    echo "rfcgate: $local is not built (no dist/ beside its bin/), so this hook runs $bin; run 'npm ci' (or 'npm run build') in $top to use its own" >&2`,
    '  else',
    `    echo "rfcgate: $local is not built (no dist/ beside its bin/); run 'npm ci' (or 'npm run build') in $top, or skip this once with --no-verify" >&2`,
    '    exit 1',
    '  fi',
    'fi',
  ];
}

/**
 * The hook: POSIX sh, one lint run per RFC that has lints.yaml under the governed root,
 * found when the hook runs. `rfcRoot` is that root relative to the repository's top ('' for
 * the top itself). pre-commit lints the index; pre-push lints each pushed commit as
 * committed (not the working tree), from the remote's commit or, for a new branch, from the
 * parent of its oldest commit the remote does not have; git passes the refs on stdin.
 */
export function script(
  hook: HookType,
  o: { node: string; bin: string; chain: boolean; createdDir: number; rfcRoot?: string; binFromTop?: string },
): string {
  const lint = (scope: string) =>
    // stdin is git's, not lint's.
    `    "$node" "$bin" lint --root "$root" --rfc "$rfc" ${scope} </dev/null || worse $?`;
  const eachRfc = (scope: string) => [
    '  for spec in "$root"/gates/*/lints.yaml; do',
    // Only an unmatched pattern is passed over: a folder or a broken link named lints.yaml is
    // linted, so that lint says what is wrong with it rather than the RFC going unchecked.
    '    { [ -e "$spec" ] || [ -L "$spec" ]; } || continue',
    '    rfc="$(basename "$(dirname "$spec")")"',
    lint(scope),
    '  done',
  ];
  const previous = [
    `previous="$(dirname "$0")/${hook}${PREVIOUS_SUFFIX}"`,
    // husky's own hooks tell which hook they are by $0 (`basename "$0"`) and find husky beside
    // it (`dirname "$0"`, `${0%/*}`): husky 1-4's, marked `# husky` on their second line, and
    // husky 9's, one line sourcing `h`. Such a kept hook is read by sh with $0 this hook's path.
    // Any other runs as itself: sourced, a hook that compares BASH_SOURCE with $0, resolves
    // its own link, ends its shell's options on its first line or re-runs "$0" would break.
    'run_previous() {',
    '  if [ ! -L "$previous" ] && { [ "$(sed -n 2p "$previous")" = "# husky" ] ||',
    `    grep -qxF -e '. "$(dirname "$0")/h"' -e '. "\${0%/*}/h"' "$previous"; }; then`,
    '    RFCGATE_PREVIOUS="$previous" sh -c \'rfcgate_previous=$RFCGATE_PREVIOUS; unset RFCGATE_PREVIOUS; . "$rfcgate_previous"\' "$0" "$@"',
    '  else',
    '    "$previous" "$@"',
    '  fi',
    '}',
  ];
  const head = [
    '#!/bin/sh',
    MARKER,
    `# Written by \`rfcgate hooks install\`; \`rfcgate hooks uninstall\` removes it${o.chain ? ' and puts the previous hook back' : ''}.`,
    ...(o.chain ? [CHAINED] : []),
    // The count of folders created: the hooks folder, then its parents (written by earlier
    // versions without a count, meaning the hooks folder alone).
    ...(o.createdDir ? [o.createdDir > 1 ? `${CREATED_DIR} ${o.createdDir}` : CREATED_DIR] : []),
    `# Skip once with \`git ${hook === 'pre-commit' ? 'commit' : 'push'} --no-verify\`.`,
  ];
  // What rewrites this hook: a plain install writes pre-commit alone.
  const reinstall = `rfcgate hooks install${hook === 'pre-push' ? ' --pre-push' : ''}`;
  const setup = [
    // The node that ran install meets rfcgate's engines; one first on PATH may not (a GUI git
    // client's, a system one). PATH's only when that node is gone (a version manager removed it).
    `node=${shellQuote(o.node)}`,
    'if [ ! -x "$node" ]; then',
    '  if ! command -v node >/dev/null 2>&1; then',
    `    echo "rfcgate: $node is gone (Node was upgraded or removed) and no node is on PATH; run '${reinstall}' again with the Node to use, or skip this once with --no-verify" >&2`,
    '    exit 1',
    '  fi',
    '  node=node',
    'fi',
    'top="$(git rev-parse --show-toplevel)" || exit 2',
    `bin=${shellQuote(o.bin)}`,
    ...(o.binFromTop ? localBin(o.binFromTop) : []),
    'if [ ! -f "$bin" ]; then',
    `  echo "rfcgate: $bin is gone (rfcgate was moved or removed); run '${reinstall}' again, or skip this once with --no-verify" >&2`,
    '  exit 1',
    'fi',
    // A linked worktree's hooks get GIT_DIR alone, with which git takes any folder it runs in
    // for the working tree's top: lint runs git in a root below the top, so the top is named.
    '[ -n "$GIT_DIR" ] && [ -z "$GIT_WORK_TREE" ] && { GIT_WORK_TREE="$top"; export GIT_WORK_TREE; }',
    o.rfcRoot ? `root="$top"/${shellQuote(o.rfcRoot)}` : 'root="$top"',
    // No RFC with lints.yaml there (the governed folder renamed or moved, or a branch from before
    // the lints): the hook checks nothing, and says so rather than passing in silence. Not a
    // failure: a commit on an old branch is not blocked.
    'found=',
    'for spec in "$root"/gates/*/lints.yaml; do { [ -e "$spec" ] || [ -L "$spec" ]; } && found=1; done',
    `[ -n "$found" ] || echo "rfcgate: no gates/<rfc>/lints.yaml under $root (moved or renamed?), so this ${hook} hook checked nothing; run '${reinstall}' from the folder that holds gates/, or 'rfcgate hooks uninstall'" >&2`,
    'status=0',
    // The hook exits as the worst of its runs, ranked as one run ranks its results: an invalid
    // spec (3) over a failure (1) over a halt (2) over a pass; any other code (a crash, a signal)
    // over them all. The first run's code stands against an equal one.
    'rank() { case "$1" in 0) rank=0 ;; 2) rank=1 ;; 1) rank=2 ;; 3) rank=3 ;; *) rank=4 ;; esac; }',
    'worse() { rank "$1"; ranked=$rank; rank "$status"; [ "$ranked" -le "$rank" ] || status=$1; }',
  ];
  if (hook === 'pre-commit') {
    return sealed(
      [
        ...head,
        ...(o.chain ? [...previous, 'if [ -x "$previous" ]; then run_previous "$@" || exit $?; fi'] : []),
        ...setup,
        ...eachRfc('--staged').map((l) => l.slice(2)),
        'exit $status',
        '',
      ].join('\n'),
    );
  }
  return sealed(
    [
      ...head,
      // "<local ref> <local id> <remote ref> <remote id>" per pushed ref; read once, since a
      // chained hook needs it too.
      'refs="$(cat)"',
      ...(o.chain
        ? [
            ...previous,
            // As git gave it: nothing when no ref is pushed (everything up to date), not one empty
            // line, which a hook reading "$remote_id..$local_id" from it would take for a range.
            'if [ -x "$previous" ]; then { [ -z "$refs" ] || printf \'%s\\n\' "$refs"; } | run_previous "$@" || exit $?; fi',
          ]
        : []),
      ...setup,
      // What the remote has: its remote-tracking refs. Pushed by URL, $1 is the URL: the remote
      // configured with that URL (a trailing slash aside), as a fetch URL or as a pushurl (a
      // remote fetched over https and pushed to over ssh); with none, no ref is known and every
      // commit of a new branch is checked, since what the remote lacks cannot be told.
      'known="--remotes=$1"',
      'if ! git remote get-url "$1" >/dev/null 2>&1; then',
      '  url="$(printf \'%s\' "$2" | sed \'s:/*$::\')"',
      '  for r in $(git remote); do',
      '    { git remote get-url --all "$r"; git remote get-url --push --all "$r"; } 2>/dev/null | sed \'s:/*$::\' | grep -qxF -e "$url" && known="--remotes=$r"',
      '  done',
      'fi',
      'while read -r local_ref local_id remote_ref remote_id; do',
      '  # A deleted ref sends nothing to check.',
      '  case "$local_id" in *[!0]*) ;; *) continue ;; esac',
      '  # Notes annotate commits; their commits hold no source tree.',
      '  case "$remote_ref" in refs/notes/*) continue ;; esac',
      '  base=',
      '  case "$remote_id" in *[!0]*) git cat-file -e "$remote_id^{commit}" 2>/dev/null && base="$remote_id" ;; esac',
      '  if [ -z "$base" ]; then',
      '    # A new branch: from the parent of its oldest commit the remote does not have.',
      '    first="$(git rev-list --reverse "$local_id" --not "$known" | head -n 1)"',
      '    [ -n "$first" ] || continue',
      '    base="$(git rev-parse -q --verify "$first^" 2>/dev/null)"',
      '  fi',
      ...eachRfc('--commit "$local_id" --ref "$local_id" ${base:+--changed-since "$base"}'),
      'done <<EOF',
      '$refs',
      'EOF',
      'exit $status',
      '',
    ].join('\n'),
  );
}

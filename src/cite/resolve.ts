/**
 * Resolves a cited path against the tree of a commit. A path that exists as written is
 * taken as is; otherwise it is read as the tail of a path (`handlers.py`,
 * `mcp_handlers/handlers.py`): one file in the tree ending so resolves it, several make the
 * citation ambiguous (reported with the candidates), none make it not found.
 *
 * A symbolic link in the tree is cited for the file it points to, and resolves to that file
 * when it is one in the same tree. A path that is in the tree but is no file (a folder, a
 * submodule, a link to nothing or to outside the repository) is not found, and says what
 * it is: it was not deleted. A path inside a submodule is read from the submodule's checkout,
 * at the commit the tree records for it; when that cannot be read, nothing can be said of it.
 *
 * A path that starts with `../` is read from the document's folder, as a relative link
 * is: `../src/a.py` in `rfcs/x.md` is `src/a.py`. No path of the tree starts so, and it
 * was NOT_FOUND however right it was.
 */
import { posix } from 'node:path';
import type { GitHistory, GitRepo } from '../sources/git/repo.js';
import { normalisePath } from '../sources/git/repo.js';

/** A path inside a submodule: the submodule, and the commit of it the tree records. */
export interface InSubmodule {
  path: string;
  commit: string;
}

export type Resolution =
  /** `submodule`: the file is in a submodule, `text` its content at the commit the tree records. */
  | { kind: 'file'; path: string; submodule?: InSubmodule & { text: string } }
  /** In a submodule whose files cannot be read here (`why`): no verdict can be given. */
  | { kind: 'unreadable'; path: string; submodule: InSubmodule; why: string }
  | { kind: 'ambiguous'; candidates: string[] }
  /** `what`: the path is in the tree, as something that is not a file (e.g. `a folder`). */
  | { kind: 'not_found'; what?: string; submodule?: InSubmodule };

const OUTSIDE: Resolution = { kind: 'not_found', what: 'outside the repository' };

/** Links followed one after the other before a chain of them is taken for a loop. */
const MAX_LINKS = 40;

export class TreeResolver {
  private files: Promise<string[]> | undefined;
  private readonly byTail = new Map<string, Promise<Resolution>>();

  constructor(
    private readonly repo: Pick<GitHistory, 'filesAt' | 'pathKind'> &
      Partial<Pick<GitHistory, 'linkAt'>> &
      Partial<Pick<GitRepo, 'submoduleFileAt'>>,
    readonly sha: string,
    /** The document's path in the tree, for paths written from its folder (`../src/a.py`). */
    private readonly document?: string,
  ) {}

  resolve(cited: string): Promise<Resolution> {
    const p = this.inTree(cited);
    let r = this.byTail.get(p);
    if (!r) {
      r = p === '..' || p.startsWith('../') ? Promise.resolve(OUTSIDE) : this.load(p);
      this.byTail.set(p, r);
    }
    return r;
  }

  /** The path a citation names in the tree: as written, or from the document's folder for `../`. */
  inTree(cited: string): string {
    const p = normalisePath(cited);
    if (!p.startsWith('../') || this.document === undefined || this.document.startsWith('../')) return p;
    return posix.normalize(posix.join(posix.dirname(this.document), p));
  }

  private async load(p: string): Promise<Resolution> {
    const kind = await this.repo.pathKind(this.sha, p);
    if (kind === 'file') return { kind: 'file', path: p };
    if (kind === 'symlink') return this.follow(p);
    if (kind === 'directory') return { kind: 'not_found', what: 'a folder' };
    if (kind === 'submodule') return { kind: 'not_found', what: 'a submodule' };
    // `vendor/lib/x.py`, `vendor/lib` a submodule: the tree lists no file under it, yet it is there.
    const sub = await this.repo.submoduleFileAt?.(this.sha, p);
    if (sub) {
      const at = { path: sub.submodule, commit: sub.commit };
      if (sub.unreadable !== undefined) return { kind: 'unreadable', path: p, submodule: at, why: sub.unreadable };
      return sub.text === undefined
        ? { kind: 'not_found', submodule: at }
        : { kind: 'file', path: p, submodule: { ...at, text: sub.text } };
    }
    this.files ??= this.repo.filesAt(this.sha, '**');
    const tail = `/${p}`;
    const files = await this.files;
    let candidates = files.filter((f) => f.endsWith(tail));
    // `café.md` written composed names a file committed decomposed (as macOS wrote names): the
    // same name to a reader, other bytes to git. Looked for so only when nothing matches as written.
    if (!candidates.length && /\P{ASCII}/u.test(p)) {
      const nfc = p.normalize('NFC');
      candidates = files.filter((f) => {
        const n = f.normalize('NFC');
        return n === nfc || n.endsWith(`/${nfc}`);
      });
    }
    if (candidates.length === 1 && candidates[0]) {
      const only = candidates[0];
      return (await this.repo.pathKind(this.sha, only)) === 'symlink'
        ? this.follow(only, true)
        : { kind: 'file', path: only };
    }
    return candidates.length ? { kind: 'ambiguous', candidates } : { kind: 'not_found' };
  }

  /** The file a symbolic link in the tree leads to, through other links; or what it leads to instead. */
  private async follow(link: string, named = false): Promise<Resolution> {
    const it = `a symbolic link${named ? ` (${link})` : ''}`;
    let at = link;
    for (let hops = 0; hops < MAX_LINKS; hops++) {
      const target = await this.repo.linkAt?.(this.sha, at);
      if (target === undefined) return { kind: 'not_found', what: it };
      const via = at === link ? '' : ` (through ${at})`;
      const next = posix.normalize(posix.join(posix.dirname(at), target));
      if (posix.isAbsolute(target) || next === '..' || next.startsWith('../')) {
        return { kind: 'not_found', what: `${it} to ${target}${via}, outside the repository` };
      }
      const kind = await this.repo.pathKind(this.sha, next);
      if (kind === 'file') return { kind: 'file', path: next };
      if (kind !== 'symlink') {
        const is = kind === 'directory' ? 'a folder' : kind === 'submodule' ? 'a submodule' : 'not in the tree';
        return { kind: 'not_found', what: `${it} to ${target}${via}, which is ${is}` };
      }
      at = next;
    }
    return { kind: 'not_found', what: `${it} in a loop of links` };
  }
}

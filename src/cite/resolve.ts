/**
 * Resolves a cited path against the tree of a commit. A path that exists as written is
 * taken as is; otherwise it is read as the tail of a path (`handlers.py`,
 * `mcp_handlers/handlers.py`): one file in the tree ending so resolves it, several make the
 * citation ambiguous (reported with the candidates), none make it not found.
 */
import type { GitHistory } from '../sources/git/repo.js';
import { normalisePath } from '../sources/git/repo.js';

export type Resolution =
  { kind: 'file'; path: string } | { kind: 'ambiguous'; candidates: string[] } | { kind: 'not_found' };

export class TreeResolver {
  private files: Promise<string[]> | undefined;
  private readonly byTail = new Map<string, Promise<Resolution>>();

  constructor(
    private readonly repo: Pick<GitHistory, 'filesAt' | 'pathKind'>,
    readonly sha: string,
  ) {}

  resolve(cited: string): Promise<Resolution> {
    const p = normalisePath(cited);
    let r = this.byTail.get(p);
    if (!r) {
      r = this.load(p);
      this.byTail.set(p, r);
    }
    return r;
  }

  private async load(p: string): Promise<Resolution> {
    if ((await this.repo.pathKind(this.sha, p)) === 'file') return { kind: 'file', path: p };
    this.files ??= this.repo.filesAt(this.sha, '**');
    const tail = `/${p}`;
    const candidates = (await this.files).filter((f) => f.endsWith(tail));
    if (candidates.length === 1 && candidates[0]) return { kind: 'file', path: candidates[0] };
    return candidates.length ? { kind: 'ambiguous', candidates } : { kind: 'not_found' };
  }
}

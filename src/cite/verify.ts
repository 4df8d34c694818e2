/**
 * Checks each citation of a document against the tree at a ref:
 *
 * - NOT_FOUND: no such file in the tree (or a bare name matching none);
 * - AMBIGUOUS: a bare name matching several files (the candidates are listed);
 * - REFUTED: a cited line is past the end of the file, or what the document says the
 *   lines hold (or what citations.yaml declares) is nowhere in the file, or the file is
 *   binary (it has no lines);
 * - DRIFT: it is in the file, but not at the cited lines; the lines where it now is and
 *   the corrected citation are reported (see `shiftFor`);
 * - VERIFIED: it is at the cited lines (for `path::symbol`, the symbol is in the file);
 * - SOURCE_ONLY: the file and lines exist but the document states nothing to check.
 */
import { posix } from 'node:path';
import type { Verdict } from '../model/result.js';
import type { GitHistory, GitRepo } from '../sources/git/repo.js';
import {
  type Citation,
  extractCitations,
  formatLines,
  formatSpans,
  hasFileExtension,
  type LineSpan,
  originRepo,
} from './extract.js';
import { TreeResolver } from './resolve.js';
import { normalisePath } from '../sources/git/repo.js';
import { followRenames } from '../sources/git/renames.js';

export const CITE_VERDICTS = ['VERIFIED', 'DRIFT', 'REFUTED', 'SOURCE_ONLY', 'NOT_FOUND', 'AMBIGUOUS'] as const;
export type CiteVerdict = (typeof CITE_VERDICTS)[number];

/** Verdicts that mean the citation is wrong and the document needs an edit. */
export const FAILING: ReadonlySet<CiteVerdict> = new Set(['DRIFT', 'REFUTED', 'NOT_FOUND', 'AMBIGUOUS']);

export interface NameFound {
  name: string;
  /** Lines of the file where the name occurs (empty: nowhere). */
  lines: number[];
}

export interface CitationResult {
  /** The citation as written. */
  id: string;
  /** Where it is in the document. */
  location: { file: string; line: number; col: number };
  path: string;
  /** The file it resolved to at the ref. */
  resolved?: string;
  candidates?: string[];
  lines?: string;
  symbol?: string;
  verdict: CiteVerdict;
  /** What was checked, and where it came from. */
  expect: string[];
  expect_source: 'sentence' | 'spec' | 'symbol' | 'none';
  found: NameFound[];
  /** DRIFT only: the citation rewritten to where the claim now is. */
  fix?: { from: string; to: string };
  /**
   * The same claim written again in the label of its link (`[src/a.py:12](src/a.py#L12)`):
   * counted once, as this citation; with a DRIFT fix, its own rewrite, which --fix applies too.
   */
  also?: { id: string; location: { file: string; line: number; col: number }; fix?: { from: string; to: string } }[];
  reason: string;
}

export interface CiteReport {
  document: string;
  ref: string;
  sha: string;
  /** With --since: the ref compared against, and how many citations were left out as unchanged. */
  since?: { ref: string; sha: string; unchanged: number };
  verdict: Verdict;
  /** Why the tree could not be read (not a repository, no such ref); the verdict is then halt. */
  halt?: string;
  counts: Record<CiteVerdict, number>;
  citations: CitationResult[];
}

export interface VerifyOptions {
  /** The document's path as reported (repository-relative). */
  document: string;
  text: string;
  repo: Pick<GitHistory, 'filesAt' | 'fileAt' | 'pathKind'> &
    Partial<Pick<GitRepo, 'pathFate' | 'linkAt' | 'originUrl' | 'hasRefNamed' | 'submoduleFileAt' | 'refExists'>>;
  ref: string;
  sha: string;
  /** Claims declared in citations.yaml, keyed by the citation as written. */
  declared?: ReadonlyMap<string, string[]>;
  /**
   * Only citations whose cited file differs between this commit and `sha`, or that the
   * document (at `document` in that commit's tree) did not hold then.
   */
  since?: { ref: string; sha: string };
}

export async function verifyCitations(o: VerifyOptions): Promise<CiteReport> {
  const resolver = new TreeResolver(o.repo, o.sha, o.document);
  // A relative link opens from the document's folder on GitHub: `[a](src/a.py#L3)` in rfcs/x.md
  // is rfcs/src/a.py there, so a link that is broken for its readers is not verified here.
  const folder = o.document === undefined ? '.' : posix.dirname(o.document);
  const all = extractCitations(o.text).map((c) =>
    c.fromDocument && folder !== '.' ? { ...c, path: posix.join(folder, c.path) } : c,
  );
  // A blob URL cites this tree only when it names the repository of `origin`; one to another
  // repository (or any, with no such remote to tell) is left unchecked, as other trees are.
  const remote = all.some((c) => c.url) ? await o.repo.originUrl?.() : undefined;
  const here = remote === undefined ? undefined : originRepo(remote);
  const ours = await Promise.all(
    all.filter((c) => !c.url || c.url.repo === here).map((c) => withBranchPath(c, o.repo, o.sha)),
  );
  const read = await asWritten(ours, resolver);
  const readResolved = await Promise.all(read.map((c) => resolver.resolve(c.path)));
  // `db.example.com:5432`, `redis.internal:6379`: a host and its port read like a bare file
  // name and a line, and failed the document as NOT_FOUND. A bare name whose extension is no
  // file extension is a citation only when the tree has such a file.
  const hostLike = read.map((c, i) => {
    const res = readResolved[i] as Resolved;
    // A span read as a citation only as a whole (`pages/[id].tsx:5`) is one only as a file.
    if (c.tentative) return res.kind !== 'file';
    return !c.path.includes('/') && !c.symbol && res.kind === 'not_found' && !res.what && !hasFileExtension(c.path);
  });
  // A link's label citing the lines its target cites (`[src/a.py:12](src/a.py#L12)`) is one claim, written twice.
  const { citations, resolved } = oneClaimPerLink(
    read.filter((_, i) => !hostLike[i]),
    readResolved.filter((_, i) => !hostLike[i]),
    resolver,
  );
  const before = o.since ? new TreeResolver(o.repo, o.since.sha, o.document) : undefined;
  // Every file is read once, and the reads run side by side (the repository bounds how many
  // git processes run at once): one after the other, a document citing sixty files waits on
  // sixty process start-ups in a row.
  const files = new Map<string, Promise<string[]>>();
  const linesOf = (path: string): Promise<string[]> => {
    let f = files.get(path);
    if (!f) {
      f = o.repo.fileAt(o.sha, path).then(splitLines);
      files.set(path, f);
    }
    return f;
  };
  const earlier = o.since ? await citedThen(o.repo, o.since.sha, o.document) : undefined;
  const kept = await Promise.all(
    citations.map(async (c, i) => {
      const res = resolved[i] as Resolved;
      if (!before || !o.since) return true;
      // A citation written (or re-claimed) since that ref is checked whatever its file did.
      if (![c, ...(c.twins ?? [])].every((t) => earlier?.has(citationKey(t)))) return true;
      return changed(o.repo, res, await before.resolve(c.path), o.since.sha, o.sha);
    }),
  );
  // A file in a submodule that is not checked out is neither there nor gone: nothing can be said.
  const blind = citations.findIndex((_, i) => kept[i] && (resolved[i] as Resolved).kind === 'unreadable');
  const unread = resolved[blind];
  if (unread?.kind === 'unreadable') {
    const c = citations[blind] as Citation;
    const sub = unread.submodule.path;
    return {
      ...haltedCiteReport(o.document, o.ref, ''),
      sha: o.sha,
      halt: `${o.document}:${c.line}:${c.col}: ${c.text} cites a file in the submodule ${sub}, which cannot be read (${unread.why}): run git submodule update --init ${sub}`,
    };
  }
  const branches = await refsNamed(citations, o);
  const results = await Promise.all(
    citations.flatMap((c, i) => {
      const res = resolved[i] as Resolved;
      if (!kept[i]) return [];
      const lines =
        res.kind !== 'file'
          ? Promise.resolve([])
          : res.submodule
            ? Promise.resolve(splitLines(res.submodule.text))
            : linesOf(res.path);
      return [verifyOne(c, res, o, branches, lines)];
    }),
  );
  // `[a](src/a.py#L3)` in docs/x.md opens docs/src/a.py: when src/a.py is the file meant, say so.
  const checked = citations.filter((_, i) => kept[i]);
  const fromFolder = await Promise.all(
    results.map(async (r, i) => {
      if (r.verdict !== 'NOT_FOUND' || !checked[i]?.fromDocument || !r.path.startsWith(`${folder}/`)) return false;
      const fromRoot = r.path.slice(folder.length + 1);
      if ((await resolver.resolve(fromRoot)).kind !== 'file' || normalisePath(fromRoot) !== fromRoot) return false;
      r.reason += `; a relative link opens from the document's folder ${folder}/, and ${fromRoot} is in the tree: link /${fromRoot}`;
      return true;
    }),
  );
  // A cited file that was here and moved is the commonest NOT_FOUND, and git knows where it
  // went. Not asked when no citation resolved: the document cites another repository's code.
  // A path that is in the tree as something other than a file was neither moved nor deleted.
  const present = citations.flatMap((_, i) => {
    const res = resolved[i] as Resolved;
    return kept[i] ? [res.kind === 'not_found' && (res.what !== undefined || res.submodule !== undefined)] : [];
  });
  const fate = o.repo.pathFate?.bind(o.repo);
  if (fate && results.some((r) => r.resolved)) {
    const exists = async (p: string): Promise<boolean> => (await o.repo.pathKind(o.sha, p)) !== undefined;
    await Promise.all(
      results.map(async (r, i) => {
        if (r.verdict !== 'NOT_FOUND' || !r.path.includes('/') || present[i] || fromFolder[i]) return;
        const path = resolver.inTree(r.path);
        // Renamed again since (a → b → c): the path to cite is the one the tree has now.
        const f = await followRenames(fate, exists, o.sha, path);
        const to = f?.hops.at(-1);
        const commit = f?.commit.slice(0, 7);
        if (to === undefined) {
          if (f) r.reason += `; it was deleted in ${commit}`;
        } else if (f?.hops.length === 1) {
          r.reason += `; git renamed it to ${to} in ${commit}: cite that path`;
        } else {
          r.reason += `; git renamed it to ${f?.hops.join(', then to ')} (the last in ${commit}): cite ${to}`;
        }
      }),
    );
  }
  const unchanged = kept.filter((k) => !k).length;
  const counts = Object.fromEntries(CITE_VERDICTS.map((v) => [v, 0])) as Record<CiteVerdict, number>;
  for (const r of results) counts[r.verdict]++;
  return {
    document: o.document,
    ref: o.ref,
    sha: o.sha,
    ...(o.since ? { since: { ...o.since, unchanged } } : {}),
    verdict: results.some((r) => FAILING.has(r.verdict)) ? 'fail' : 'pass',
    counts,
    citations: results,
  };
}

type Resolved = Awaited<ReturnType<TreeResolver['resolve']>>;

/** A citation and the same claim written again in its link's label (`[src/a.py:12](src/a.py#L12)`). */
type Claim = Citation & { twins?: Citation[] };

/**
 * Each link's label citation that names the file and lines its target names, folded into the
 * target: one claim, counted once. A label naming other lines (or, read from its own folder,
 * another file) than its target is a claim of its own.
 */
function oneClaimPerLink(
  cs: Citation[],
  res: Resolved[],
  resolver: TreeResolver,
): { citations: Claim[]; resolved: Resolved[] } {
  const claim = (c: Citation, r: Resolved | undefined): string =>
    [c.link?.id, r?.kind === 'file' ? r.path : resolver.inTree(c.path), formatSpans(c.spans)].join('\0');
  const targets = new Map<string, number>();
  cs.forEach((c, i) => {
    if (c.link?.target) targets.set(claim(c, res[i]), i);
  });
  const twins = new Map<number, Citation[]>();
  const keep = cs.map((c, i) => {
    const t = c.link && !c.link.target && !c.symbol ? targets.get(claim(c, res[i])) : undefined;
    if (t === undefined) return true;
    twins.set(t, [...(twins.get(t) ?? []), c]);
    return false;
  });
  return {
    citations: cs.flatMap((c, i) => (!keep[i] ? [] : twins.has(i) ? [{ ...c, twins: twins.get(i) }] : [c])),
    resolved: res.filter((_, i) => keep[i]),
  };
}

/**
 * A blob URL names a branch with a `/` in it (`blob/feature/x/src/a.py`) as it names a folder:
 * read first as ref `feature` and path `x/src/a.py`, it is read as ref `feature/x` and path
 * `src/a.py` when only that path is a file in the tree.
 */
async function withBranchPath(c: Citation, repo: VerifyOptions['repo'], sha: string): Promise<Citation> {
  if (!c.url || (await repo.pathKind(sha, c.path)) !== undefined) return c;
  const parts = c.path.split('/');
  for (let k = 1; k < parts.length; k++) {
    const path = parts.slice(k).join('/');
    if ((await repo.pathKind(sha, path)) === 'file') {
      return { ...c, path, url: { ...c.url, ref: [c.url.ref, ...parts.slice(0, k)].join('/') } };
    }
  }
  return c;
}

/** Each citation read as its whole code span where that names a file with a space in its path. */
async function asWritten(citations: Citation[], resolver: TreeResolver): Promise<Citation[]> {
  return Promise.all(
    citations.map(async (c) => (c.whole && (await resolver.resolve(c.whole.path)).kind === 'file' ? c.whole : c)),
  );
}

/** A citation and what its sentence claims: the same pair in an older document is the same citation. */
const citationKey = (c: Citation): string => [c.text, ...c.names].join('\0');

/** The citations of the document as committed at `sha`; empty when it was not in that tree. */
async function citedThen(repo: VerifyOptions['repo'], sha: string, document: string): Promise<Set<string>> {
  let text: string | undefined;
  try {
    text = document.startsWith('../') ? undefined : await repo.fileAt(sha, document);
  } catch {
    text = undefined;
  }
  // Both readings of a spaced code span: the tree then may not have decided as the tree now does.
  return new Set(
    text === undefined
      ? []
      : extractCitations(text).flatMap((c) => [c, ...(c.whole ? [c.whole] : [])].map(citationKey)),
  );
}

async function changed(
  repo: VerifyOptions['repo'],
  now: Resolved,
  then: Resolved,
  thenSha: string,
  nowSha: string,
): Promise<boolean> {
  if (now.kind !== then.kind) return true;
  if (now.kind === 'ambiguous' && then.kind === 'ambiguous')
    return now.candidates.join('\0') !== then.candidates.join('\0');
  if (now.kind !== 'file' || then.kind !== 'file') return false;
  if (now.path !== then.path) return true;
  if (now.submodule || then.submodule) return now.submodule?.text !== then.submodule?.text;
  return (await repo.fileAt(thenSha, then.path)) !== (await repo.fileAt(nowSha, now.path));
}

/**
 * A file's lines without the empty string after a final newline; an empty file has none.
 * A lone CR ends a line too, as in an editor (and as the document's own lines are counted):
 * a file written with CR alone was one line, every citation past its first REFUTED.
 */
function splitLines(text: string | undefined): string[] {
  if (!text) return [];
  const lines = text.split(/\r\n?|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A blob URL's ref that reads as a commit's id: 7 hex digits or more. */
const HEX = /^[0-9a-f]{7,64}$/iu;

/**
 * The hex-looking refs of the document's blob URLs that are branches or tags of the repository
 * (`blob/deadbeef/…` with a branch `deadbeef`). A whole id (40 or 64 digits) is the commit, as
 * git reads it; a shorter one names a ref first, as git and GitHub read it.
 */
async function refsNamed(citations: Citation[], o: VerifyOptions): Promise<ReadonlySet<string>> {
  const hex = new Set(
    citations.flatMap((c) =>
      c.url && HEX.test(c.url.ref) && c.url.ref.length !== 40 && c.url.ref.length !== 64 ? [c.url.ref] : [],
    ),
  );
  const named = await Promise.all([...hex].map(async (r) => ((await o.repo.hasRefNamed?.(r)) ? [r] : [])));
  return new Set(named.flat());
}

/** The commit a blob URL pins, when that is not the commit checked (a branch or tag pins none). */
function pinned(c: Citation, sha: string, branches: ReadonlySet<string>): string | undefined {
  const ref = c.url?.ref;
  if (!ref || !HEX.test(ref) || branches.has(ref)) return undefined;
  return sha.toLowerCase().startsWith(ref.toLowerCase()) ? undefined : ref.toLowerCase();
}

/**
 * A blob URL's lines are checked at --ref, as every citation's are: the commit the link
 * pins, when another, is named, since the document's reader sees the lines there.
 */
async function verifyOne(
  c: Claim,
  res: Resolved,
  o: VerifyOptions,
  branches: ReadonlySet<string>,
  fileLines: Promise<string[]>,
): Promise<CitationResult> {
  const r = await checkOne(c, res, o, branches, fileLines);
  const pin = pinned(c, o.sha, branches);
  if (!pin) return r;
  // A commit rebased or squashed away is no longer in any clone: its link may show nothing.
  const gone = o.repo.refExists && !(await o.repo.refExists(pin)) ? ', which this clone does not have' : '';
  return { ...r, reason: `${r.reason} (the link pins commit ${pin.slice(0, 12)}${gone}; checked at ${o.ref})` };
}

async function checkOne(
  c: Claim,
  res: Resolved,
  o: VerifyOptions,
  branches: ReadonlySet<string>,
  fileLines: Promise<string[]>,
): Promise<CitationResult> {
  // citations.yaml may name a table cell's `src/a\|b.ts:3` as it shows, `src/a|b.ts:3`.
  // The label's words are the link's: a claim declared for either, or named near either, is checked.
  const written = [c, ...(c.twins ?? [])];
  const declared = written
    .map((w) => o.declared?.get(w.text) ?? o.declared?.get(w.text.replaceAll('\\|', '|')))
    .find((d) => d !== undefined);
  const expect = c.symbol ? [c.symbol] : (declared ?? [...new Set(written.flatMap((w) => w.names))]);
  const base = {
    id: c.text,
    location: { file: o.document, line: c.line, col: c.col },
    ...(c.twins
      ? { also: c.twins.map((t) => ({ id: t.text, location: { file: o.document, line: t.line, col: t.col } })) }
      : {}),
    path: c.path,
    ...(c.spans.length ? { lines: formatSpans(c.spans, c.dash) } : {}),
    ...(c.symbol ? { symbol: c.symbol } : {}),
    expect,
    expect_source: (c.symbol
      ? 'symbol'
      : declared
        ? 'spec'
        : expect.length
          ? 'sentence'
          : 'none') as CitationResult['expect_source'],
    found: [] as NameFound[],
  };
  if (res.kind === 'not_found' && res.submodule) {
    const { path, commit } = res.submodule;
    return {
      ...base,
      verdict: 'NOT_FOUND',
      reason: `no file ${c.path} in the submodule ${path} at ${commit.slice(0, 7)}, the commit the tree at ${o.ref} records for it`,
    };
  }
  if (res.kind === 'not_found' || res.kind === 'unreadable') {
    const what = res.kind === 'not_found' && res.what ? `: it is ${res.what}` : '';
    return { ...base, verdict: 'NOT_FOUND', reason: `no file ${c.path} in the tree at ${o.ref}${what}` };
  }
  if (res.kind === 'ambiguous') {
    return {
      ...base,
      verdict: 'AMBIGUOUS',
      candidates: res.candidates,
      reason: `${c.path} matches ${res.candidates.length} files at ${o.ref}: ${res.candidates.join(', ')}; cite it with its folder`,
    };
  }
  const lines = await fileLines;
  const total = lines.length;
  const at = { ...base, resolved: res.path };
  const sub = res.submodule ? ` (in the submodule ${res.submodule.path} at ${res.submodule.commit.slice(0, 7)})` : '';
  const where = `${res.path === c.path ? res.path : `${res.path} (resolved from ${c.path})`}${sub}`;
  // As git tells a binary file: a NUL byte among its first 8000. Its "lines" are runs of
  // bytes between newlines, which may spell a name by chance: no claim about them holds.
  if (binary(lines)) {
    return {
      ...at,
      verdict: 'REFUTED',
      reason: `${where} is a binary file (it holds NUL bytes): it has no lines to cite`,
    };
  }
  const past = c.spans.find((s) => s.from < 1 || s.to > total || s.to < s.from);
  if (past) {
    const bad =
      past.from < 1
        ? `line ${past.from} does not exist, lines are numbered from 1`
        : past.to < past.from
          ? `${past.from}-${past.to} is not a range`
          : `line ${lineAsWritten(c, Math.max(past.to, past.from))} is past the end`;
    return {
      ...at,
      verdict: 'REFUTED',
      reason: `${where}: ${bad} (the file has ${total} line${total === 1 ? '' : 's'})`,
    };
  }
  if (expect.length === 0) {
    return {
      ...at,
      verdict: 'SOURCE_ONLY',
      reason: `${where} and the cited lines exist; the document states nothing to check there`,
    };
  }
  const found = expect.map((name) => ({ name, lines: cachedOccurrences(lines, name, Boolean(c.symbol)) }));
  const missing = found.filter((f) => f.lines.length === 0);
  if (missing.length) {
    return {
      ...at,
      found,
      verdict: 'REFUTED',
      reason: `${where}: ${missing.map((m) => `'${m.name}'`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} nowhere in the file`,
    };
  }
  if (c.symbol) {
    return {
      ...at,
      found,
      verdict: 'VERIFIED',
      reason: `${where}: '${c.symbol}' at ${lineList(found[0]?.lines ?? [])}`,
    };
  }
  const cited = (l: number) => c.spans.some((s) => l >= s.from && l <= s.to);
  if (found.every((f) => f.lines.some(cited))) {
    return { ...at, found, verdict: 'VERIFIED', reason: `${where}: ${claims(found, cited)} at the cited lines` };
  }
  const delta = shiftFor(c.spans, found, total);
  // A claim that is at the cited lines is said to be there: "not at 3; 'alpha()' now at 3" read as a contradiction.
  const now = found
    .map((f) =>
      f.lines.some(cited)
        ? `'${f.name}' at ${lineList(f.lines.filter(cited))}`
        : `'${f.name}' now at ${lineList(f.lines)}`,
    )
    .join('; ');
  if (delta === undefined) {
    return {
      ...at,
      found,
      verdict: 'DRIFT',
      reason: `${where}: not at ${formatSpans(c.spans, c.dash)}; ${now}; no single shift of the cited lines covers it, fix by hand`,
    };
  }
  const moved = c.spans.map((s) => ({ from: s.from + delta, to: s.to + delta }));
  // The path as written: a table cell's `src/a\|b.ts` keeps its escape, or the fix would end the cell.
  const rewrite = (w: Citation): string => `${w.text.slice(0, w.linesOffset - w.offset)}${formatLines(w, moved)}`;
  const to = rewrite(c);
  // New lines under the old commit would link to lines that never held the claim.
  if (pinned(c, o.sha, branches)) {
    return {
      ...at,
      found,
      verdict: 'DRIFT',
      reason: `${where}: not at ${formatSpans(c.spans, c.dash)}; ${now}; --fix leaves a link pinning another commit: update its commit and lines together`,
    };
  }
  return {
    ...at,
    found,
    verdict: 'DRIFT',
    fix: { from: c.text, to },
    ...(c.twins
      ? {
          also: c.twins.map((t) => ({
            id: t.text,
            location: { file: o.document, line: t.line, col: t.col },
            fix: { from: t.text, to: rewrite(t) },
          })),
        }
      : {}),
    reason: `${where}: not at ${formatSpans(c.spans, c.dash)}; ${now}; cite ${to}`,
  };
}

/** Whether a file's first 8000 characters hold a NUL, git's test for a binary file. */
function binary(lines: string[]): boolean {
  let seen = 0;
  for (const l of lines) {
    if (l.slice(0, 8000 - seen).includes('\0')) return true;
    seen += l.length + 1;
    if (seen >= 8000) return false;
  }
  return false;
}

function claims(found: NameFound[], cited: (l: number) => boolean): string {
  return found.map((f) => `'${f.name}' (line ${lineList(f.lines.filter(cited))})`).join(', ');
}

function lineList(ls: number[]): string {
  const shown = ls.slice(0, 8).join(', ');
  return ls.length > 8 ? `${shown} … (${ls.length} lines)` : shown;
}

/** Per file (its lines array) and name: a document cites the same file and names many times. */
const occurrenceCache = new WeakMap<string[], Map<string, number[]>>();

function cachedOccurrences(lines: string[], name: string, symbol: boolean): number[] {
  let byName = occurrenceCache.get(lines);
  if (!byName) {
    byName = new Map();
    occurrenceCache.set(lines, byName);
  }
  const key = `${symbol ? 's' : 'n'}${name}`;
  let hit = byName.get(key);
  if (!hit) {
    hit = occurrences(lines, name, symbol);
    byName.set(key, hit);
  }
  return hit;
}

/**
 * Lines (1-based) where a name occurs as a whole word; `foo()` is found as a call `foo(`.
 *
 * A dotted name that the file nowhere writes whole, `Session.close()` or `Config.RETRIES`,
 * is what the file defines as `close` (or `RETRIES`) inside `Session`: it is found where
 * its last part is, when the part before it is in the file too. Taken whole only, the
 * sentence "`Session.close()` is defined at s.py:7" was REFUTED by the file defining it
 * there. `asyncio.Lock()` in a file that never names `asyncio` is still nowhere.
 */
export function occurrences(lines: string[], name: string, symbol = false): number[] {
  const call = name.endsWith('()');
  const bare = call ? name.slice(0, -2) : name;
  // `::` joins a symbol's parts as `.` does (`TestA::test_b`, `Session::close`).
  const parts = bare.split(symbol ? /\.|::/ : '.');
  const last = parts[parts.length - 1] ?? bare;
  // A symbol `Class.method` is defined as `method` inside the class, so its last part is what the file
  // holds; the class must be in the file too, or `NoSuchClass.close` held wherever any `close` is.
  if (symbol) {
    if (parts.slice(0, -1).some((p) => !linesWith(lines, p, false).length)) return [];
    return linesWith(lines, last, call);
  }
  const whole = linesWith(lines, bare, call);
  const owner = parts[parts.length - 2];
  if (whole.length || owner === undefined || !linesWith(lines, owner, false).length) return whole;
  return linesWith(lines, last, call);
}

function linesWith(lines: string[], target: string, call: boolean): number[] {
  // Identifiers may hold any letter (`naïve`, `größe`): a word ends where an identifier would.
  const re = new RegExp(`(?<!\\p{ID_Continue})${escape(target)}${call ? '\\s*\\(' : '(?!\\p{ID_Continue})'}`, 'u');
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (re.test(l)) out.push(i + 1);
  });
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The smallest shift of the cited lines that puts every claim back inside them, preferring
 * a shift that starts the citation at a line holding a claim (a citation usually starts at
 * the definition or call it names). Undefined when no shift covers them all.
 */
export function shiftFor(spans: LineSpan[], found: NameFound[], total: number): number | undefined {
  const first = spans[0];
  if (!first) return undefined;
  const lo = Math.min(...spans.map((s) => s.from));
  const hi = Math.max(...spans.map((s) => s.to));
  const fits = (d: number) =>
    lo + d >= 1 &&
    hi + d <= total &&
    found.every((f) => f.lines.some((l) => spans.some((s) => l >= s.from + d && l <= s.to + d)));
  const best = (ds: number[]) => ds.filter(fits).sort((a, b) => Math.abs(a) - Math.abs(b) || a - b)[0];
  const starts = found.flatMap((f) => f.lines.map((l) => l - first.from));
  const preferred = best(starts);
  if (preferred !== undefined) return preferred;
  const any = found.flatMap((f) => f.lines.flatMap((l) => spans.flatMap((s) => range(l - s.to, l - s.from))));
  return best(any);
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

/** A report of nothing checked, because the tree could not be read. */
export function haltedCiteReport(document: string, ref: string, why: string): CiteReport {
  const counts = Object.fromEntries(CITE_VERDICTS.map((v) => [v, 0])) as Record<CiteVerdict, number>;
  return { document, ref, sha: '', verdict: 'halt', halt: why, counts, citations: [] };
}

/** 0 every citation verified or source-only; 1 a citation is wrong (drifted, refuted, not found, ambiguous); 2 the tree could not be read. */
export function citeExitCode(r: CiteReport): number {
  return r.verdict === 'pass' ? 0 : r.verdict === 'fail' ? 1 : 2;
}

/**
 * A cited line number as the document writes it: one of more digits than a double holds
 * exactly (`a.py:99999999999999999999`) would otherwise be named as another number.
 */
function lineAsWritten(c: Citation, n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  const written = c.text
    .slice(c.linesOffset - c.offset)
    .replace(/L/g, '')
    .split(/[-–,]/);
  return written.find((t) => Number(t) === n) ?? String(n);
}

/**
 * The council source: a gate over the latest stored council round as of the evaluation
 * instant. No round yet is `halt: missing` (an unreviewed RFC is not a clean one). An open
 * BLOCK is a value, so the gate fails until a later round clears it. With no BLOCK, a round
 * with a failed lane cannot vouch for anything (`halt: error`), and a round that reviewed
 * other text than the RFC document holds is `halt: stale`.
 *
 * A plain local run reads the rounds and the document from the working tree, so `council run`
 * then `gate check` works before anything is committed; its evidence says whether the round is
 * committed. A run that names its ref or its instant (`ctx.pinned`) reads both from the commit
 * it is anchored to, as the artifact source does: a round only written locally does not count.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import {
  type CouncilRound,
  documentSha,
  isRoundFile,
  latestAsOf,
  ofRfc,
  orderRounds,
  parseRound,
  readStoredRounds,
  roundStanding,
  type StoredRound,
  textSha,
} from '../../council/ledger.js';
import { loadCouncilSpec } from '../../council/spec.js';
import type { Evidence } from '../../model/result.js';
import type { MeasurementSpec } from '../../spec/types.js';
import { anchor, guarded, RepoPool } from '../git/common.js';
import { GLOB_CHARS, type GitHistory, normalisePath } from '../git/repo.js';
import { type EvalContext, halt, type MeasurementOutcome, type MeasurementSource, ok } from '../types.js';

type CouncilMeasurement = Extract<MeasurementSpec, { source: 'council' }>;

export class CouncilMeasurementSource implements MeasurementSource {
  readonly kind = 'council' as const;
  private readonly pool: RepoPool;

  /** Without a repository, one is opened (and kept) per `ctx.repoDir`. */
  constructor(repo?: GitHistory) {
    this.pool = new RepoPool(repo);
  }

  measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome> {
    if (m.source !== 'council') return Promise.resolve(halt('error', `not a council measurement: '${m.id}'`));
    // Read before anything is awaited: a broken council.yaml, or an unreadable round in the
    // working tree, is for the invocation to report (exit 3), not a gate's halt.
    const { council } = loadCouncilSpec(ctx.repoDir, ctx.manifest.id);
    const repo = this.pool.get(ctx.repoDir);
    const what = `council ${m.council.value} for '${m.id}'`;
    if (ctx.pinned) return guarded(what, ctx, () => atCommit(m, council.ledger_dir, council.document, repo, ctx));
    const stored = latestAsOf(readStoredRounds(ctx.repoDir, council.ledger_dir, { rfc: ctx.manifest.id }), ctx.asOf);
    if (!stored) {
      return Promise.resolve(
        halt(
          'missing',
          `no council round stored in ${council.ledger_dir} as of ${ctx.asOf.toISOString()}: run '${ctx.manifest.id} council run'`,
          { ledger_dir: council.ledger_dir },
        ),
      );
    }
    // The document rfc.yaml names now, not the one the round names: a redraft in a new file
    // was never reviewed, even while the old file stays as it was.
    const currentSha = documentSha(ctx.repoDir, council.document);
    return guarded(what, ctx, async () =>
      judge(m, stored.round, currentSha, await committedAt(stored, repo, ctx), '', council.document),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The value, or the halt, a round stands for against the document's sha256 it is judged by. */
function judge(
  m: CouncilMeasurement,
  round: CouncilRound,
  currentSha: string | null,
  extra: Evidence,
  /** Appended to a stale halt's reason: which text of the document it was judged against. */
  where = '',
  /** The document `currentSha` is of, when not the one the round reviewed. */
  currentPath: string = round.document.path,
): MeasurementOutcome {
  const evidence: Evidence = {
    round: round.round,
    record: round.files.json,
    run_at: round.run_at,
    reviewed_version: round.version,
    reviewed_sha256: round.document.sha256,
    open_blocks: round.contract.open_blocks,
    failed_lanes: round.contract.failed_lanes,
    ...extra,
  };
  const value =
    m.council.value === 'open_blocks' ? round.contract.open_blocks : round.contract.consecutive_block_rounds;
  const standing = roundStanding(round, currentSha, currentPath);
  if (standing.verdict === 'halt') {
    return halt(
      standing.halt,
      standing.halt === 'stale' ? `${standing.reason}${where}` : standing.reason,
      standing.halt === 'stale' ? { ...evidence, current_sha256: standing.current_sha256 } : evidence,
    );
  }
  return ok(value, evidence);
}

/** For a round read from the working tree: whether the commit `ctx.ref` resolves to holds it as it is. */
async function committedAt(stored: StoredRound, repo: GitHistory, ctx: EvalContext): Promise<Evidence> {
  const a = await anchor(repo, ctx.ref, ctx.asOf, { history: false });
  if (!a.ok) {
    const why = a.outcome.status === 'halt' ? `: ${a.outcome.reason}` : '';
    return {
      ref: ctx.ref,
      visible_to_ci: false,
      note: `${stored.path} is read from the working tree, and no commit could be read to hold it${why}`,
    };
  }
  const sha = a.anchor.commit.sha;
  const there = await repo.fileAt(sha, gitPath(a.anchor.root, ctx.repoDir, stored.path));
  const base: Evidence = { ref: ctx.ref, resolved_sha: sha };
  if (there === stored.text) return { ...base, visible_to_ci: true };
  const on = `'${ctx.ref}' (${sha.slice(0, 7)})`;
  return {
    ...base,
    visible_to_ci: false,
    note:
      there === undefined
        ? `${stored.path} exists only in the working tree, not committed on ${on}: CI cannot see it; commit it`
        : `${stored.path} in the working tree differs from the one committed on ${on}, which is what CI sees; commit it`,
  };
}

/** The latest round as of the instant and the RFC document's text, both from the commit the run is anchored to. */
async function atCommit(
  m: CouncilMeasurement,
  ledgerDir: string,
  /** The document rfc.yaml names now, as the plain run judges by: a redraft may be a new file. */
  document: string,
  repo: GitHistory,
  ctx: EvalContext,
): Promise<MeasurementOutcome> {
  const a = await anchor(repo, ctx.ref, ctx.asOf, { history: false, ...(ctx.refFrom ? { from: ctx.refFrom } : {}) });
  if (!a.ok) return a.outcome;
  const at = a.anchor;
  const sha = at.commit.sha;
  const short = sha.slice(0, 7);
  const asOf = ctx.asOf.toISOString();
  const toGit = (p: string) => gitPath(at.root, ctx.repoDir, p);
  const base: Evidence = { ledger_dir: ledgerDir, ref: ctx.ref, as_of: asOf, resolved_sha: sha };

  const dir = toGit(ledgerDir);
  // A literal folder also names what is under it; a folder whose name reads as a glob is found by listing all.
  const listed = await repo.filesAt(sha, dir === '' || GLOB_CHARS.test(dir) ? '**' : dir);
  const names = listed
    .filter((f) => path.posix.dirname(f) === (dir === '' ? '.' : dir) && isRoundFile(path.posix.basename(f)))
    .map((f) => path.posix.basename(f));
  const committed: StoredRound[] = [];
  for (const name of names) {
    const text = await repo.fileAt(sha, path.posix.join(dir, name));
    if (text === undefined) continue;
    const file = path.posix.join(ledgerDir, name);
    const parsed = parseRound(text);
    // History cannot be restored in place: the round at that commit halts the gate instead.
    if ('problem' in parsed) {
      return halt(
        'error',
        `council ledger ${file} on '${ctx.ref}' (${short}) is not a readable round (${parsed.problem})`,
        {
          ...base,
          record: file,
        },
      );
    }
    // Another RFC's round in a shared folder is not this one's.
    if (ofRfc(parsed.round, ctx.manifest.id)) committed.push({ path: file, text, round: parsed.round });
  }

  const stored = latestAsOf(orderRounds(committed), ctx.asOf);
  // Only named in hints, never judged: one that cannot be read is passed over, since the
  // pinned run does not depend on it.
  const local = at.bare
    ? []
    : readStoredRounds(ctx.repoDir, ledgerDir, { lenient: true, except: new Set(names), rfc: ctx.manifest.id });
  const localThen = local.filter((s) => Date.parse(s.round.run_at) <= ctx.asOf.getTime());
  const newestLocal = localThen[localThen.length - 1];
  const notRead = `exists only in the working tree, which a run with --ref or --as-of does not read`;

  if (!stored) {
    let hint = `: run '${ctx.manifest.id} council run' and commit the round`;
    if (newestLocal) {
      hint = `; ${newestLocal.path} ${notRead}: commit it (a run without --ref and --as-of reads the working tree, for a local check)`;
    } else if (local.length > 0) {
      hint = `; ${local[local.length - 1]?.path ?? ''} exists in the working tree but was run after ${asOf}`;
    }
    return halt(
      'missing',
      `no council round stored in ${ledgerDir} on '${ctx.ref}' (${short}) as of ${asOf}${hint}`,
      base,
    );
  }

  // The text rfc.yaml's document holds at the commit, not the file the round reviewed: a
  // redraft committed to a new file left that file as it was, and passed for text no lane read.
  const docText = await repo.fileAt(sha, toGit(document));
  const extra: Evidence = { ...base, visible_to_ci: true };
  if (newestLocal && newestLocal.round.round > stored.round.round) {
    extra.note = `a later round, ${newestLocal.path}, ${notRead}: commit it for this ref to see it`;
  }
  return judge(
    m,
    stored.round,
    docText === undefined ? null : textSha(docText),
    extra,
    ` (the document as committed on '${ctx.ref}', ${short})`,
    document,
  );
}

/** A path relative to the governed root, as git names it from the repository's top. */
function gitPath(top: string, root: string, p: string): string {
  let prefix = '';
  try {
    prefix = path.relative(realpathSync(top), realpathSync(root)).split(path.sep).join('/');
  } catch {
    prefix = '';
  }
  if (prefix.startsWith('..')) prefix = '';
  const joined = normalisePath(path.posix.normalize(path.posix.join(prefix, p.split(path.sep).join('/'))));
  return joined === '.' ? '' : joined;
}

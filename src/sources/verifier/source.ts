/**
 * The verifier lane as a measurement source, so "no REFUTED citations" and "100% golden
 * parity" are gates like any other.
 *
 * - `citations`: the RFC document is read from git at the ref (as of the instant), its
 *   citations verified against that same tree; the value counts those with the chosen
 *   verdicts (default REFUTED and NOT_FOUND). A document missing at the ref, or one that
 *   cites nothing, halts: nothing checked is not clean.
 * - `parity`: the golden captures of parity.yaml compared with the candidate captures
 *   (both folders read from the repository's working tree: candidates are produced by a
 *   CI run, not committed); the value counts golden captures off parity. A missing
 *   folder, an empty golden folder, or any capture without its counterpart halts; a capture
 *   that is a symbolic link to nothing halts with the link and its target named; malformed
 *   captures halt (error) with every one of them named. The working tree keeps no history, so
 *   as of an instant more than a few minutes past it halts rather than judging the past on
 *   today's captures.
 */
import { join } from 'node:path';
import { claimsFor } from '../../cite/spec.js';
import { type CiteVerdict, verifyCitations } from '../../cite/verify.js';
import type { Evidence } from '../../model/result.js';
import { CaptureNamesNotUtf8, compareParity, InvalidCaptures } from '../../parity/compare.js';
import { formatAge } from '../../util/duration.js';
import type { MeasurementSpec, VerifierQuery } from '../../spec/types.js';
import { anchor, guarded, refOriginOf, RepoPool } from '../git/common.js';
import { CURRENT_STATE_TOLERANCE_MS } from '../../util/clock.js';
import type { GitHistory } from '../git/repo.js';
import {
  type EvalContext,
  halt,
  type MeasurementOutcome,
  type MeasurementSource,
  ok,
  type RefOrigin,
} from '../types.js';

export const DEFAULT_COUNTED: readonly CiteVerdict[] = ['REFUTED', 'NOT_FOUND'];
const LISTED = 20;

export interface VerifierSourceOptions {
  /** The present, against which a parity measurement's as_of is judged; default the clock. */
  now?: () => Date;
}

export class VerifierMeasurementSource implements MeasurementSource {
  readonly kind = 'verifier' as const;
  private readonly pool: RepoPool;
  readonly #now: () => Date;

  constructor(repo?: GitHistory, opts: VerifierSourceOptions = {}) {
    this.pool = new RepoPool(repo);
    this.#now = opts.now ?? (() => new Date());
  }

  async measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome> {
    if (m.source !== 'verifier') {
      return halt('error', `the verifier source cannot measure '${m.id}', a ${m.source} measurement`);
    }
    const q = m.verifier;
    return guarded(`verifier ${q.query} for '${m.id}'`, ctx, () =>
      q.query === 'parity'
        ? Promise.resolve(parity(q, ctx, this.#now()))
        : this.citations(q, ctx, refOriginOf(m, q.ref, ctx)),
    );
  }

  async close(): Promise<void> {}

  private async citations(
    q: VerifierQuery,
    ctx: EvalContext,
    from: RefOrigin | undefined,
  ): Promise<MeasurementOutcome> {
    const repo = this.pool.get(ctx.repoDir);
    const ref = q.ref ?? ctx.ref;
    const document = q.document ?? ctx.manifest.document;
    if (!document) {
      return halt('error', `no document to verify: set document in rfc.yaml or verifier.document in the measurement`);
    }
    const at = await anchor(repo, ref, ctx.asOf, { history: false, ...(from ? { from } : {}) });
    if (!at.ok) return at.outcome;
    const sha = at.anchor.commit.sha;
    const base: Evidence = { document, ref, sha };
    const text = await repo.fileAt(sha, document);
    if (text === undefined) {
      return halt('missing', `the document ${document} is not in the tree of ${ref} (${sha.slice(0, 7)})`, base);
    }
    const report = await verifyCitations({
      document,
      text,
      repo,
      ref,
      sha,
      declared: claimsFor(q.claims, document, ctx.manifest.document),
    });
    const counts: Evidence = { ...report.counts };
    if (report.citations.length === 0) {
      return halt('insufficient', `${document} cites no code (path:line): there is nothing to verify`, {
        ...base,
        counts,
      });
    }
    const counted = new Set<string>(q.verdicts ?? DEFAULT_COUNTED);
    const hits = report.citations.filter((c) => counted.has(c.verdict));
    return ok(hits.length, {
      ...base,
      counted: [...counted],
      counts,
      citations: hits.slice(0, LISTED).map((c) => ({
        cite: c.id,
        verdict: c.verdict,
        line: c.location.line,
        reason: c.reason,
      })),
      ...(hits.length > LISTED ? { more: hits.length - LISTED } : {}),
    });
  }
}

function parity(q: VerifierQuery, ctx: EvalContext, now: Date): MeasurementOutcome {
  const spec = q.parity;
  if (!spec) return halt('error', 'no parity definition: add parity.yaml to the RFC folder');
  // The captures are files of the working tree as they are now (candidates come from a CI run,
  // not a commit): a replay of a past instant would judge it on today's captures, a pass for a
  // moment when they did not exist yet. As a database's present state does, it halts instead.
  // The reason names as_of, never its distance from the clock, so a replay reads the same.
  if (now.getTime() - ctx.asOf.getTime() > CURRENT_STATE_TOLERANCE_MS) {
    const tolerance = formatAge(CURRENT_STATE_TOLERANCE_MS);
    return halt(
      'missing',
      `parity compares the captures in the working tree, which keep no history, so it cannot be measured as of ${ctx.asOf.toISOString()}, more than ${tolerance} in the past; evaluate without --as-of (or with one within ${tolerance} of now)`,
      { golden: spec.golden, ...(spec.candidate ? { candidate: spec.candidate } : {}), as_of: ctx.asOf.toISOString() },
    );
  }
  if (!spec.candidate) {
    return halt(
      'missing',
      'parity.yaml names no candidate folder: there are no captures to compare with the golden ones',
      {
        golden: spec.golden,
      },
    );
  }
  // Paths in the report are the repository's own, as a reader finds them in the spec.
  const local = (text: string) => text.replaceAll(`${ctx.repoDir}/`, '');
  let report;
  try {
    report = compareParity(join(ctx.repoDir, spec.golden), join(ctx.repoDir, spec.candidate), {
      significantDigits: spec.significant_digits,
      ...(spec.mask ? { mask: spec.mask } : {}),
    });
  } catch (e) {
    if (e instanceof CaptureNamesNotUtf8) {
      return halt('error', local(e.message), {
        golden: spec.golden,
        candidate: spec.candidate,
        not_utf8: e.paths.slice(0, LISTED).map(local),
        ...(e.paths.length > LISTED ? { more: e.paths.length - LISTED } : {}),
      });
    }
    if (!(e instanceof InvalidCaptures)) throw e;
    // Every malformed capture is named, as `parity diff` names them: one per run would make a
    // candidate set of error pages a fix-and-rerun loop.
    const named = e.errors.map((x) => local(x.message));
    return halt(
      'error',
      named.length === 1
        ? (named[0] as string)
        : `${named.length} captures are not valid JSON, so parity cannot be measured until they are fixed or taken again: ${named
            .slice(0, 5)
            .join('; ')}${named.length > 5 ? `; ${named.length - 5} more in the evidence` : ''}`,
      {
        golden: spec.golden,
        candidate: spec.candidate,
        ...(named.length > 1
          ? { invalid: named.slice(0, LISTED), ...(named.length > LISTED ? { more: named.length - LISTED } : {}) }
          : {}),
      },
    );
  }
  const evidence: Evidence = {
    golden: spec.golden,
    candidate: spec.candidate,
    significant_digits: spec.significant_digits,
    mask: spec.mask ?? null,
    counts: { ...report.counts },
    // Named, not compared: what a folder holds under a capture's name that is no regular file.
    ...(report.skipped ? { skipped: report.skipped.map(local) } : {}),
  };
  if (report.halt) return halt('missing', local(report.halt), evidence);
  const unmatched = report.files.filter((f) => f.status === 'missing_capture' || f.status === 'missing_golden');
  if (unmatched.length) {
    // A dangling link is a capture that was listed but cannot be read: naming the link and
    // its target tells the reader what to restore, where "no counterpart" would send them
    // looking for a file that seems to be there.
    const unreadable = unmatched.filter((f) => f.unreadable);
    return halt(
      'missing',
      `${unmatched.length} capture${unmatched.length === 1 ? ' has' : 's have'} no counterpart (${unmatched
        .slice(0, 5)
        .map((f) => `${f.name}: ${f.status.replace('_', ' ')}${f.unreadable ? `, ${local(f.unreadable)}` : ''}`)
        .join('; ')}): parity is unmeasured for ${unmatched.length === 1 ? 'it' : 'them'}`,
      {
        ...evidence,
        ...(unreadable.length
          ? { unreadable: unreadable.slice(0, LISTED).map((f) => ({ file: f.name, why: local(f.unreadable ?? '') })) }
          : {}),
      },
    );
  }
  const off = report.files.filter((f) => f.status === 'differs');
  return ok(off.length, {
    ...evidence,
    differing: off.slice(0, LISTED).map((f) => ({
      file: f.name,
      differences: f.differences.length,
      first: `${f.differences[0]?.kind ?? ''} at ${f.differences[0]?.path ?? ''}`,
    })),
  });
}

/**
 * The council source: a gate over the latest stored council round as of the evaluation
 * instant. No round yet is `halt: missing` (an unreviewed RFC is not a clean one). An open
 * BLOCK is a value, so the gate fails until a later round clears it. With no BLOCK, a round
 * with a failed lane cannot vouch for anything (`halt: error`), and a round that reviewed
 * other text than the RFC document now holds is `halt: stale`.
 */
import { documentSha, latestRound, roundStanding } from '../../council/ledger.js';
import { loadCouncilSpec } from '../../council/spec.js';
import type { MeasurementSpec } from '../../spec/types.js';
import { type EvalContext, halt, type MeasurementOutcome, type MeasurementSource, ok } from '../types.js';

export class CouncilMeasurementSource implements MeasurementSource {
  readonly kind = 'council' as const;

  measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome> {
    return Promise.resolve(this.measureSync(m, ctx));
  }

  private measureSync(m: MeasurementSpec, ctx: EvalContext): MeasurementOutcome {
    if (m.source !== 'council') return halt('error', `not a council measurement: '${m.id}'`);
    const { council } = loadCouncilSpec(ctx.repoDir, ctx.manifest.id);
    const round = latestRound(ctx.repoDir, council.ledger_dir, ctx.asOf);
    if (!round) {
      return halt(
        'missing',
        `no council round stored in ${council.ledger_dir} as of ${ctx.asOf.toISOString()}: run '${ctx.manifest.id} council run'`,
        { ledger_dir: council.ledger_dir },
      );
    }
    const evidence = {
      round: round.round,
      record: round.files.json,
      run_at: round.run_at,
      reviewed_version: round.version,
      reviewed_sha256: round.document.sha256,
      open_blocks: round.contract.open_blocks,
      failed_lanes: round.contract.failed_lanes,
    };
    const value =
      m.council.value === 'open_blocks' ? round.contract.open_blocks : round.contract.consecutive_block_rounds;
    const standing = roundStanding(round, documentSha(ctx.repoDir, round.document.path));
    if (standing.verdict === 'halt') {
      return halt(
        standing.halt,
        standing.reason,
        standing.halt === 'stale' ? { ...evidence, current_sha256: standing.current_sha256 } : evidence,
      );
    }
    return ok(value, evidence);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The council source: a gate over the latest stored council round as of the evaluation
 * instant. No round yet is `halt: missing` (an unreviewed RFC is not a clean one). An open
 * BLOCK is a value, so the gate fails until a later round clears it. With no BLOCK, a round
 * with a failed lane cannot vouch for anything (`halt: error`), and a round that reviewed
 * other text than the RFC document now holds is `halt: stale`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { latestRound } from '../../council/ledger.js';
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
    if (round.contract.open_blocks > 0) return ok(value, evidence);
    if (round.contract.failed_lanes.length) {
      return halt(
        'error',
        `council round ${round.round} (${round.files.json}) is incomplete: lane${round.contract.failed_lanes.length === 1 ? '' : 's'} ${round.contract.failed_lanes.join(', ')} failed; run the round again`,
        evidence,
      );
    }
    const docPath = join(ctx.repoDir, round.document.path);
    const now = existsSync(docPath) ? createHash('sha256').update(readFileSync(docPath)).digest('hex') : null;
    if (now !== round.document.sha256) {
      return halt(
        'stale',
        `council round ${round.round} reviewed ${round.document.path} at sha256 ${round.document.sha256.slice(0, 12)}, but it is now ${now ? now.slice(0, 12) : 'missing'}: run the council on the current text`,
        { ...evidence, current_sha256: now },
      );
    }
    return ok(value, evidence);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

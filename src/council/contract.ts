/**
 * The standing contract of seed 001, evaluated on every round: an open BLOCK fails the round
 * (exit 1) and the council gate until a later round clears it; a BLOCK demands a redraft (a
 * new version), not another amendment of the same text; a BLOCK that stays open for
 * `escalate_after_rounds` consecutive rounds escalates to the operators. A lane that failed
 * clears nothing: its earlier findings stay open, and with no BLOCK the round halts. Nor does
 * a lane taken out of council.yaml: its open BLOCKs still fail the round, named in a note.
 */
import type { Verdict } from '../model/result.js';
import type { CouncilSpec } from './spec.js';

export interface OpenFinding {
  key: string;
  lane: string;
  severity: string;
  section: string;
  claim: string;
  /** Carried from an earlier round because its lane failed in this one. */
  carried: boolean;
}

export interface ContractResult {
  verdict: Verdict;
  open_blocks: number;
  blocks: OpenFinding[];
  failed_lanes: string[];
  /**
   * Consecutive rounds, this one included, that ended with an open BLOCK; a round whose BLOCKs
   * were all carried (their lane failed or was removed) reviewed none and adds none.
   */
  consecutive_block_rounds: number;
  escalate: boolean;
  /** What the open BLOCKs demand of the next round. */
  requires: 'redraft' | 'amendment' | null;
  notes: string[];
}

export interface PreviousState {
  version: string;
  sha256: string;
  open_blocks: number;
  consecutive_block_rounds: number;
  /** The keys of the BLOCKs it left open: how an orphaned lane's finding is known to block. */
  block_keys: string[];
}

export function evaluateContract(
  council: CouncilSpec,
  open: OpenFinding[],
  failedLanes: string[],
  current: { version: string; sha256: string },
  previous: PreviousState | undefined,
): ContractResult {
  const blocking = new Map(council.lanes.map((l) => [l.id, new Set(l.blocking)]));
  const previousBlocks = new Set(previous?.block_keys ?? []);
  // A lane no longer in council.yaml has no blocking list now: its finding blocks if it did.
  const blocks = open.filter((f) => {
    const severities = blocking.get(f.lane);
    return severities ? severities.has(f.severity) : previousBlocks.has(f.key);
  });
  const orphans = new Map<string, number>();
  for (const f of blocks) if (!blocking.has(f.lane)) orphans.set(f.lane, (orphans.get(f.lane) ?? 0) + 1);
  // A round counts towards escalation only if a lane that ran found a BLOCK: when every open
  // BLOCK is carried (its lane failed, or left council.yaml), nobody reviewed it again, and an
  // outage or a rate limit escalated an RFC its authors had no round to answer.
  const reviewed = blocks.some((f) => !f.carried);
  const consecutive = blocks.length ? Math.max(1, (previous?.consecutive_block_rounds ?? 0) + (reviewed ? 1 : 0)) : 0;
  const escalate = blocks.length > 0 && consecutive >= council.contract.escalate_after_rounds;
  const notes: string[] = [];
  if (previous && previous.open_blocks > 0 && council.contract.block_requires === 'redraft') {
    if (previous.sha256 === current.sha256) {
      notes.push(
        `the previous round's BLOCK required a redraft, but the document is unchanged since that round (sha256 ${current.sha256.slice(0, 12)})`,
      );
    } else if (previous.version === current.version) {
      notes.push(
        `the previous round's BLOCK required a redraft, but this round reviews the same version ${current.version}: an amendment, not a redraft; bump the version in rfc.yaml when redrafting`,
      );
    }
  }
  for (const [lane, n] of orphans) {
    notes.push(
      `lane ${lane} is no longer in council.yaml, but ${n === 1 ? 'its BLOCK stays' : `its ${n} BLOCKs stay`} open: a removed lane clears nothing; put the lane back so a round can review ${n === 1 ? 'it' : 'them'}`,
    );
  }
  if (escalate) {
    notes.push(
      `a BLOCK has stayed open for ${consecutive} consecutive rounds (contract: escalate after ${council.contract.escalate_after_rounds}): escalate to the operators, who decide whether the next draft starts from scratch`,
    );
  }
  if (failedLanes.length) {
    notes.push(
      `lane${failedLanes.length === 1 ? '' : 's'} ${failedLanes.join(', ')} failed: run the round again; their earlier findings stay open`,
    );
  }
  const verdict: Verdict = blocks.length ? 'fail' : failedLanes.length ? 'halt' : 'pass';
  return {
    verdict,
    open_blocks: blocks.length,
    blocks,
    failed_lanes: failedLanes,
    consecutive_block_rounds: consecutive,
    escalate,
    requires: blocks.length ? council.contract.block_requires : null,
    notes,
  };
}

/**
 * The standing contract of seed 001, evaluated on every round: an open BLOCK fails the round
 * (exit 1) and the council gate until a later round clears it; a BLOCK demands a redraft (a
 * new version), not another amendment of the same text; a BLOCK that stays open for
 * `escalate_after_rounds` consecutive rounds escalates to the operators. A lane that failed
 * clears nothing: its earlier findings stay open, and with no BLOCK the round halts.
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
  /** Consecutive rounds, this one included, that ended with an open BLOCK. */
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
}

export function evaluateContract(
  council: CouncilSpec,
  open: OpenFinding[],
  failedLanes: string[],
  current: { version: string; sha256: string },
  previous: PreviousState | undefined,
): ContractResult {
  const blocking = new Map(council.lanes.map((l) => [l.id, new Set(l.blocking)]));
  const blocks = open.filter((f) => blocking.get(f.lane)?.has(f.severity));
  const consecutive = blocks.length ? (previous?.consecutive_block_rounds ?? 0) + 1 : 0;
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

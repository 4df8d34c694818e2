import type { GateKind } from '../model/result.js';
import { disconfirmer } from './disconfirmer.js';
import { exitCriterion } from './exit-criterion.js';
import { invariant } from './invariant.js';
import type { GateKindDef } from './kind.js';
import { stopSign } from './stop-sign.js';

export type { GateKindDef } from './kind.js';

/** Report order follows this list: falsifiers first, then what closes the RFC, then rollout. */
export const GATE_KINDS: readonly GateKindDef[] = [disconfirmer, exitCriterion, stopSign, invariant];

export const GATE_KIND_BY_KIND: ReadonlyMap<GateKind, GateKindDef> = new Map(GATE_KINDS.map((k) => [k.kind, k]));

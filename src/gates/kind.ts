import type { GateKind } from '../model/result.js';

/**
 * A gate kind is data: which spec file holds it, the schema that file is checked
 * against, the key of its condition and what a true condition means.
 */
export interface GateKindDef {
  kind: GateKind;
  file: string;
  schema: string;
  conditionKey: 'fires_if' | 'holds_if' | 'passes_if';
  /** `fires`: a true condition fails the gate. `holds`: a true condition passes it. */
  polarity: 'fires' | 'holds';
  /** Whether `all_of: [gate ids]` may stand instead of a condition. */
  composite: boolean;
  summary: string;
}

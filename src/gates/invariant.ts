import type { GateKindDef } from './kind.js';

export const invariant: GateKindDef = {
  kind: 'invariant',
  file: 'invariants.yaml',
  schema: 'invariants.schema.json',
  conditionKey: 'holds_if',
  polarity: 'holds',
  composite: false,
  summary: 'A property that must hold throughout; the gate fails when `holds_if` is false.',
};

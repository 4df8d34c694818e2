import type { GateKindDef } from './kind.js';

export const disconfirmer: GateKindDef = {
  kind: 'disconfirmer',
  file: 'disconfirmers.yaml',
  schema: 'disconfirmers.schema.json',
  conditionKey: 'fires_if',
  polarity: 'fires',
  composite: false,
  summary: 'Evidence that would falsify the plan; the gate fails when `fires_if` is true.',
};

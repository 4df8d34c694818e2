import type { GateKindDef } from './kind.js';

export const stopSign: GateKindDef = {
  kind: 'stop_sign',
  file: 'stop-signs.yaml',
  schema: 'stop-signs.schema.json',
  conditionKey: 'fires_if',
  polarity: 'fires',
  composite: false,
  summary: 'A halt condition during rollout; the gate fails when `fires_if` is true.',
};

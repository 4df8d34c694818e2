import type { GateKindDef } from './kind.js';

export const exitCriterion: GateKindDef = {
  kind: 'exit_criterion',
  file: 'exit-criteria.yaml',
  schema: 'exit-criteria.schema.json',
  conditionKey: 'passes_if',
  polarity: 'holds',
  composite: true,
  summary: 'A condition for closing the RFC; passes when `passes_if` is true, or when every gate in `all_of` passes.',
};

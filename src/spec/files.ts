import { GATE_KINDS } from '../gates/index.js';

/** Every spec file an RFC folder may hold, with the schema it is checked against. */
export const SPEC_FILES: ReadonlyMap<string, string> = new Map([
  ['rfc.yaml', 'rfc.schema.json'],
  ['measurements.yaml', 'measurements.schema.json'],
  ['prereqs.yaml', 'prereqs.schema.json'],
  ['parity.yaml', 'parity.schema.json'],
  ['citations.yaml', 'citations.schema.json'],
  ['council.yaml', 'council.schema.json'],
  ['lints.yaml', 'lints.schema.json'],
  ['comparator.yaml', 'comparator.schema.json'],
  ...GATE_KINDS.map((k) => [k.file, k.schema] as [string, string]),
]);

export { MODELINE_PREFIX } from './single-file.js';

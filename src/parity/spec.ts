/**
 * Reads parity.yaml (already schema-checked): the RFC's parity definition. The mask must
 * compile as a regular expression; the error points at it.
 */
import type { Problem } from '../spec/problems.js';
import { type ParsedYaml, valueLocation } from '../spec/yaml.js';
import type { SourceLocation } from '../model/result.js';
import { maskProblem } from './diff.js';

export interface ParitySpec {
  section?: string;
  significant_digits: number;
  mask?: string;
  /** Folders relative to the repository root. */
  golden: string;
  candidate?: string;
  recapture?: string;
  location: SourceLocation;
}

export function readParity(y: ParsedYaml, data: Record<string, unknown>, problems: Problem[]): ParitySpec {
  const spec = { ...(data as unknown as Omit<ParitySpec, 'location'>), location: valueLocation(y, []) };
  const why = spec.mask === undefined ? undefined : maskProblem(spec.mask);
  if (why) {
    problems.push({
      ...valueLocation(y, ['mask']),
      severity: 'error',
      message: `mask is not a valid regular expression: ${why}`,
    });
  }
  return spec;
}

/**
 * Reads parity.yaml (already schema-checked): the RFC's parity definition. The mask must
 * compile as a regular expression, and the folders must be relative paths; each error
 * points at its value.
 */
import { isAbsolute } from 'node:path';
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
  for (const key of FOLDERS) {
    const folder = spec[key];
    // The folders are joined to the repository root, so `/srv/golden` would be read as
    // `<root>/srv/golden`: the folder named never compared, and a halt naming a path no
    // one wrote.
    if (typeof folder === 'string' && (isAbsolute(folder) || /^[A-Za-z]:/.test(folder))) {
      problems.push({
        ...valueLocation(y, [key]),
        severity: 'error',
        message: `${key} ${folder} is an absolute path, but parity.yaml's folders are read from the repository root; write it relative to the repository root (e.g. tests/parity/${key === 'candidate' ? 'beam' : key === 'recapture' ? 'golden-recapture' : 'golden'})`,
      });
    }
  }
  return spec;
}

const FOLDERS = ['golden', 'candidate', 'recapture'] as const;

/**
 * Writes an RFC spec folder into a temp directory, the way a team would lay it out,
 * so tests exercise the real loader (modelines, schemas, positions) and not a shortcut.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SPEC_FILES } from '../../src/spec/files.js';

export interface RfcFixture {
  id?: string;
  manifest?: Record<string, unknown>;
  measurements?: unknown[];
  disconfirmers?: unknown[];
  'exit-criteria'?: unknown[];
  'stop-signs'?: unknown[];
  invariants?: unknown[];
  /** Raw file text by file name, written as is (for malformed YAML and positions). */
  raw?: Record<string, string>;
}

export const OPERATOR = { name: 'Ada Operator', email: 'ada@example.com' };

export function modeline(file: string): string {
  return `# yaml-language-server: $schema=../../schemas/${SPEC_FILES.get(file)}\n`;
}

export function writeRfc(root: string, f: RfcFixture): string {
  const id = f.id ?? 'demo';
  const dir = join(root, 'gates', id);
  mkdirSync(dir, { recursive: true });
  const files: Record<string, unknown> = {
    'rfc.yaml': f.manifest ?? { id, title: 'Demo RFC', version: 'v1', mainline: 'main', operators: [OPERATOR] },
  };
  for (const k of ['measurements', 'disconfirmers', 'exit-criteria', 'stop-signs', 'invariants'] as const) {
    if (f[k]) files[`${k}.yaml`] = f[k];
  }
  for (const [name, data] of Object.entries(files)) {
    writeFileSync(join(dir, name), modeline(name) + stringify(data));
  }
  for (const [name, text] of Object.entries(f.raw ?? {})) writeFileSync(join(dir, name), text);
  return dir;
}

export function tempRoot(prefix = 'rfcgate-spec-'): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * A disconfirmer that only reads `reads` (its `fires_if` holds for no plausible value unless
 * given): for tests of what a measurement's halt says, not of the gate.
 */
export function gateReading(id: string, reads: string, firesIf = `${reads} > 1000000`) {
  return { id, title: `Reads ${reads}`, section: '§1', phase: ['implementation'], fires_if: firesIf };
}

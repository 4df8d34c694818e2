/**
 * rfc.yaml read as plain data without validating the rest of the spec: commands use it to
 * start work (open a database, pick a branch) while the full spec is still being loaded, and
 * `db migrate` must work even when a gate spec is broken. Apart from rfc-dir.ts, which every
 * command loads, because it brings the YAML parser.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, unreadable, UsageError } from './problems.js';
import { GATES_DIR, rfcDir } from './rfc-dir.js';
import { readSpecBytes } from './text.js';
import { parseYaml, yamlData } from './yaml.js';

/**
 * rfc.yaml of one RFC as plain data, unvalidated: undefined when the file is absent.
 * Throws a UsageError when the RFC folder does not exist or the file does not parse.
 */
export function readRawManifest(root: string, id: string): Record<string, unknown> | undefined {
  const dir = rfcDir(root, id);
  const file = join(dir, 'rfc.yaml');
  if (!existsSync(file)) return undefined;
  // Parsed as spec validate parses it, so the error names the same file:line:col and cause.
  let text: string;
  try {
    text = readSpecBytes(file).toString('utf8');
  } catch (e) {
    throw new UsageError(
      `${formatProblem(unreadable(`${GATES_DIR}/${id}/rfc.yaml`, e))}; fix it (spec validate lists every problem)`,
    );
  }
  const parsed = parseYaml(`${GATES_DIR}/${id}/rfc.yaml`, text);
  const first = parsed.problems[0];
  const read = first ? { problem: first } : yamlData(parsed);
  if ('problem' in read) {
    throw new UsageError(`${formatProblem(read.problem)}; fix it (spec validate lists every problem)`);
  }
  const data = read.data;
  return data !== null && typeof data === 'object' && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined;
}

/** The mainline branch rfc.yaml names, if it names one; a hint only: loadRfc's validated manifest decides. */
export function mainlineHint(root: string, id: string): string | undefined {
  try {
    const mainline = readRawManifest(root, id)?.mainline;
    return typeof mainline === 'string' && mainline !== '' ? mainline : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The lint command's loader. A pre-commit hook runs on every commit, so it reads only
 * lints.yaml (schema, regexes, globs); the whole RFC (measurements, prereqs: what an
 * order rule reads) is loaded only when an order rule will actually run. `spec validate`
 * and loadRfc check lints.yaml fully, with the rest of the RFC.
 */
import { join, relative } from 'node:path';
import { SpecError, UsageError } from '../spec/problems.js';
import { GATES_DIR } from '../spec/rfc-dir.js';
import { loadSpecFile } from '../spec/single-file.js';
import { readSpecBytes } from '../spec/text.js';
import { YAML_TO_DATA } from '../spec/yaml-options.js';
import type { BacktrackCheck } from './backtracking.js';
import type { LintRule } from './spec.js';

export const LINTS_FILE = 'lints.yaml';
const SCHEMA = 'lints.schema.json';

export interface LoadedLints {
  rules: LintRule[];
  file: string;
}

export async function loadLints(root: string, id: string): Promise<LoadedLints> {
  const file = relative(root, join(root, GATES_DIR, id, LINTS_FILE));
  const loaded = await loadSpecFile(root, id, LINTS_FILE, SCHEMA, async ({ y, data, badItems, problems }) => {
    // The reader (and the YAML parser under it) loads only when the spec cache has no answer.
    const [{ readLints }, { backtrackingProblems }] = await Promise.all([
      import('./spec.js'),
      import('./backtracking.js'),
    ]);
    const items = (data as Record<string, unknown>[]).map((raw, i) => (badItems.has(i) ? undefined : raw));
    const backtracking: BacktrackCheck[] = [];
    const rules = readLints(y, items, { problems, warnings: [], suggest: () => '', backtracking });
    problems.push(...(await backtrackingProblems(backtracking)));
    if (problems.length) throw new SpecError(problems);
    return { rules, file };
  });
  if (!loaded) throw new UsageError(`${id} declares no lint rules: add ${file} (schema: schemas/${SCHEMA})`);
  return loaded;
}

/**
 * The paths an order rule guards, read from measurements.yaml without validating it: only
 * to decide whether a change scope needs the order rule at all (and so the whole RFC). When
 * anything is unclear the answer is undefined, and the caller loads everything.
 */
export async function guardedPathsHint(root: string, id: string, measurement: string): Promise<string[] | undefined> {
  try {
    const mod: typeof import('yaml') & { default?: typeof import('yaml') } = await import('yaml');
    // Bundled, the CommonJS build of yaml is reached through its default export only.
    const parse = mod.default?.parse ?? mod.parse;
    const raw = parse(
      // Not a plain read: a named pipe there would wait for a writer forever (loading the RFC then says what it is).
      readSpecBytes(join(root, GATES_DIR, id, 'measurements.yaml')).toString('utf8'),
      // A key that is a list or a map is said where it is written when the RFC is loaded, not here.
      { ...YAML_TO_DATA, logLevel: 'error' },
    ) as unknown;
    if (!Array.isArray(raw)) return undefined;
    const m = raw.find((x: { id?: unknown }) => x?.id === measurement) as { git?: Record<string, unknown> } | undefined;
    const git = m?.git;
    if (git?.query === 'prereqs_before' && typeof git.path === 'string') return [git.path];
    const after = git?.after as { paths?: unknown } | undefined;
    if (git?.query === 'order' && Array.isArray(after?.paths) && after.paths.every((p) => typeof p === 'string')) {
      return after.paths as string[];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The lint command's loader. A pre-commit hook runs on every commit, so it reads only
 * lints.yaml (schema, regexes, globs); the whole RFC (measurements, prereqs: what an
 * order rule reads) is loaded only when an order rule will actually run. `spec validate`
 * and loadRfc check lints.yaml fully, with the rest of the RFC.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { SpecError, UsageError } from '../spec/problems.js';
import { GATES_DIR, listRfcIds } from '../spec/rfc-dir.js';
import type { Problem } from '../spec/problems.js';
import { parse } from 'yaml';
import { type ParsedYaml, parseYaml } from '../spec/yaml.js';
import { type LintRule, readLints } from './spec.js';

export const LINTS_FILE = 'lints.yaml';
const SCHEMA = 'lints.schema.json';
/** As in spec/files.ts, which is not imported: it loads every gate kind. */
const MODELINE_PREFIX = '# yaml-language-server: $schema=';

export interface LoadedLints {
  rules: LintRule[];
  file: string;
}

export async function loadLints(root: string, id: string): Promise<LoadedLints> {
  const dir = join(root, GATES_DIR, id);
  if (!existsSync(dir)) {
    const known = listRfcIds(root);
    throw new UsageError(
      `unknown RFC '${id}': no folder ${relative(process.cwd(), dir) || dir}` +
        (known.length ? `; known RFCs: ${known.join(', ')}` : `; there is no ${GATES_DIR}/ folder here`),
    );
  }
  const abs = join(dir, LINTS_FILE);
  const file = relative(root, abs) || abs;
  if (!existsSync(abs)) {
    throw new UsageError(`${id} declares no lint rules: add ${file} (schema: schemas/${SCHEMA})`);
  }
  const y = parseYaml(file, readFileSync(abs, 'utf8'));
  const problems = [...modeline(y), ...y.problems];
  if (y.problems.length) throw new SpecError(problems);
  const data = (y.doc.toJS() as unknown) ?? [];
  // ajv proper only for a file the build's validator rejects (or when running from source).
  const checked = fastValidator()?.(data)
    ? { problems: [], badItems: new Set<number>(), badRoot: false }
    : (await import('../spec/schema.js')).validateAgainst(SCHEMA, y, data);
  problems.push(...checked.problems);
  if (checked.badRoot) throw new SpecError(problems);
  const items = (data as Record<string, unknown>[]).map((raw, i) => (checked.badItems.has(i) ? undefined : raw));
  const rules = readLints(y, items, { problems, warnings: [], suggest: () => '' });
  if (problems.length) throw new SpecError(problems);
  return { rules, file };
}

/** The same modeline check loadRfc makes, without loading the gate kinds it lives beside. */
function modeline(y: ParsedYaml): Problem[] {
  const first = y.text.split('\n')[0] ?? '';
  const target = first.startsWith(MODELINE_PREFIX) ? first.slice(MODELINE_PREFIX.length).trim() : undefined;
  if (target?.endsWith(SCHEMA)) return [];
  return [
    {
      file: y.file,
      line: 1,
      col: 1,
      severity: 'error',
      message:
        target === undefined
          ? `the first line must be '${MODELINE_PREFIX}../../schemas/${SCHEMA}' so editors check this file`
          : `this file is checked against ${SCHEMA}, but its modeline names '${target}'`,
    },
  ];
}

/**
 * The paths an order rule guards, read from measurements.yaml without validating it: only
 * to decide whether a change scope needs the order rule at all (and so the whole RFC). When
 * anything is unclear the answer is undefined, and the caller loads everything.
 */
export function guardedPathsHint(root: string, id: string, measurement: string): string[] | undefined {
  try {
    const raw = parse(readFileSync(join(root, GATES_DIR, id, 'measurements.yaml'), 'utf8')) as unknown;
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

type Precompiled = (data: unknown) => boolean;
let precompiled: Precompiled | null | undefined;

/** The build's standalone validator of lints.yaml, or null when running from source. */
function fastValidator(): Precompiled | null {
  if (precompiled !== undefined) return precompiled;
  try {
    precompiled = createRequire(import.meta.url)('./lints-validator.cjs') as Precompiled;
  } catch {
    precompiled = null;
  }
  return precompiled;
}

/**
 * The lint command's loader. A pre-commit hook runs on every commit, so it reads only
 * lints.yaml (schema, regexes, globs); the whole RFC (measurements, prereqs: what an
 * order rule reads) is loaded only when an order rule will actually run. `spec validate`
 * and loadRfc check lints.yaml fully, with the rest of the RFC.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SpecError, UsageError } from '../spec/problems.js';
import { GATES_DIR, listRfcIds } from '../spec/rfc-dir.js';
import { validateAgainst } from '../spec/schema.js';
import { MODELINE_PREFIX } from '../spec/files.js';
import type { Problem } from '../spec/problems.js';
import { type ParsedYaml, parseYaml } from '../spec/yaml.js';
import { type LintRule, readLints } from './spec.js';

export const LINTS_FILE = 'lints.yaml';
const SCHEMA = 'lints.schema.json';

export interface LoadedLints {
  rules: LintRule[];
  file: string;
}

export function loadLints(root: string, id: string): LoadedLints {
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
  const checked = validateAgainst(SCHEMA, y, data);
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

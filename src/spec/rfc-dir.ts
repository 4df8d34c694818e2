/**
 * Where RFC specs live (gates/<id>/). Kept apart from load.ts so that finding an RFC costs
 * no schema compilation and no YAML parser: every command uses it before its own work
 * starts (a pre-commit hook's lint included).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const GATES_DIR = 'gates';

export function listRfcIds(root: string): string[] {
  const dir = join(root, GATES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory())
    .sort();
}

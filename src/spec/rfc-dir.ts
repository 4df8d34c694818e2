/**
 * Where RFC specs live (gates/<id>/). Kept apart from load.ts so that finding an RFC costs
 * no schema compilation and no YAML parser: every command uses it before its own work
 * starts (a pre-commit hook's lint included).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from './problems.js';

export const GATES_DIR = 'gates';

export function listRfcIds(root: string): string[] {
  const dir = join(root, GATES_DIR);
  // A file named gates (a script, a binary) holds no RFC either.
  if (!isFolder(dir)) return [];
  // A hidden folder (.archive, .cache) is kept beside the RFCs, not one of them; no RFC id starts with '.'.
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && isFolder(join(dir, n)))
    .sort();
}

/** The hidden folders (`.archive`) directly under gates/, which listRfcIds passes over. */
export function hiddenFolders(root: string): string[] {
  const dir = join(root, GATES_DIR);
  if (!isFolder(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith('.') && isFolder(join(dir, n)))
    .sort();
}

/**
 * Whether root's gates/ holds an RFC: a folder with its manifest or its lint rules. A gates/
 * without one is some code's own folder (src/gates/, a package named so), not the RFCs'.
 */
export function holdsRfc(root: string): boolean {
  return listRfcIds(root).some((id) =>
    ['rfc.yaml', 'lints.yaml'].some((f) => existsSync(join(root, GATES_DIR, id, f))),
  );
}

/**
 * A link whose target is gone (an RFC folder linked from a repository not checked out here)
 * or an entry that cannot be looked at holds no RFC: passed over, not a raw ENOENT that
 * stops every command run from this root.
 */
function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** The folder of an RFC; an unknown id is a usage error that lists the known ones. */
export function rfcDir(root: string, id: string): string {
  const dir = join(root, GATES_DIR, id);
  // An id names a folder directly under gates/: '..' or a path would read some other folder.
  const plain = id !== '' && !id.startsWith('.') && !/[/\\]/.test(id);
  if (!plain || !existsSync(dir) || !statSync(dir).isDirectory()) {
    const known = listRfcIds(root);
    throw new UsageError(
      `unknown RFC '${id}': ${plain ? `no folder ${relative(process.cwd(), dir) || dir}` : `an RFC is named by its folder directly under ${GATES_DIR}/${id.startsWith('.') && id !== '.' && id !== '..' ? ", and a folder starting with '.' is not one" : ''}`}` +
        (known.length ? `; known RFCs: ${known.join(', ')}` : `; there is no ${GATES_DIR}/ folder here`),
    );
  }
  return dir;
}

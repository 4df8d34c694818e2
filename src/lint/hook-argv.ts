/**
 * The pre-commit framework appends the files it passes after the hook's entry and args, with no
 * `--` before them: a staged file named `-x.py` was read as a flag lint does not have, and every
 * commit that staged one was refused (exit 3) before anything was checked. With --hook-files, a
 * word that is no flag of the command's but names a file there is one of the files: it is moved
 * after a `--`, where the parser reads words as paths.
 */
import { lstatSync } from 'node:fs';

interface FlagShape {
  char?: string;
  allowNo?: boolean;
}

export function hookFileArgv(
  argv: readonly string[],
  flags: Readonly<Record<string, FlagShape>>,
  exists: (path: string) => boolean = (p) => lstatSync(p, { throwIfNoEntry: false }) !== undefined,
): string[] {
  if (!argv.includes('--hook-files') || argv.includes('--')) return [...argv];
  const chars = new Set(Object.values(flags).flatMap((f) => (f.char ? [f.char] : [])));
  const isFlag = (word: string): boolean => {
    if (word.startsWith('--')) {
      const name = word.slice(2).split('=')[0] ?? '';
      const negated = name.startsWith('no-') ? flags[name.slice(3)] : undefined;
      return name in flags || negated?.allowNo === true;
    }
    return chars.has(word.charAt(1));
  };
  const kept: string[] = [];
  const files: string[] = [];
  for (const word of argv) {
    if (word.length > 1 && word.startsWith('-') && !isFlag(word) && exists(word)) files.push(word);
    else kept.push(word);
  }
  return files.length ? [...kept, '--', ...files] : kept;
}

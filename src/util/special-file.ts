import type { Stats } from 'node:fs';

/**
 * What a path that is neither a regular file nor a folder is, as a person names it ("a named
 * pipe", "a socket", "a device"); undefined for anything else. Such a file is never opened:
 * reading a named pipe waits for a writer that may never come.
 */
export function specialKind(
  s: Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>,
): string | undefined {
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return undefined;
}

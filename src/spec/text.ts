/**
 * A spec file's bytes as text. YAML is UTF-8; a byte that is not would otherwise turn into
 * U+FFFD and change what a rule matches (a literal `caf\xe9` becomes `caf\uFFFD`) without a
 * word, so it is a problem at its line and column instead.
 */
import { isUtf8 } from 'node:buffer';
import { SpecError } from './problems.js';

export function specText(file: string, bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let at = 0;
  while (at < bytes.length) {
    const b = bytes[at] as number;
    const n = b < 0x80 ? 1 : b >> 5 === 6 ? 2 : b >> 4 === 14 ? 3 : b >> 3 === 30 ? 4 : 0;
    if (n === 0 || !isUtf8(bytes.subarray(at, at + n))) break;
    at += n;
  }
  const before = bytes.subarray(0, at).toString('utf8');
  const line = before.split('\n').length;
  const col = before.length - before.lastIndexOf('\n');
  throw new SpecError([
    {
      file,
      line,
      col,
      severity: 'error',
      message: `byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} is not UTF-8; save the file as UTF-8`,
    },
  ]);
}

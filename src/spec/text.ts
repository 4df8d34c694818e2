/**
 * A spec file's bytes as text. YAML is UTF-8; a byte that is not would otherwise turn into
 * U+FFFD and change what a rule matches (a literal `caf\xe9` becomes `caf\uFFFD`) without a
 * word, so it is a problem at its line and column instead.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { SpecError } from './problems.js';

/** The code of the error readSpecBytes throws for a path that is no regular file. */
export const NOT_REGULAR = 'ENOTREG';

/**
 * A spec file's bytes. Opened without waiting and refused unless it is a regular file: reading
 * a named pipe blocks until something writes to it, so every command would hang on it; a
 * socket or a device is no spec either. The error's message says what the path is.
 */
export function readSpecBytes(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      if (st.isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
      const kind = st.isFIFO()
        ? 'a named pipe'
        : st.isSocket()
          ? 'a socket'
          : st.isCharacterDevice() || st.isBlockDevice()
            ? 'a device'
            : 'not a file';
      throw Object.assign(new Error(kind), { code: NOT_REGULAR });
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

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

/**
 * Git paths are bytes. A name that is not UTF-8 keeps each invalid byte apart, as U+FFFD and
 * the byte in hex (`a\uFFFD<ff>.py`), so two names differing only there stay two files (and
 * are named as not read: no file has that name). Every listing decodes names through here.
 */
import { isUtf8 } from 'node:buffer';

export function pathName(name: Buffer): string {
  if (isUtf8(name)) return name.toString('utf8');
  let text = '';
  let run = 0;
  for (let i = 0; i < name.length;) {
    // The longest valid UTF-8 prefix from i (at most 4 bytes per character).
    let ok = 0;
    for (let n = Math.min(4, name.length - i); n > 0 && ok === 0; n--) if (isUtf8(name.subarray(i, i + n))) ok = n;
    if (ok === 0) {
      text += `${name.toString('utf8', run, i)}\uFFFD<${(name[i] as number).toString(16).padStart(2, '0')}>`;
      i++;
      run = i;
    } else {
      i += ok;
    }
  }
  return text + name.toString('utf8', run);
}

/**
 * The bytes of a name pathName() wrote: each `\uFFFD<hh>` is the byte hh again, so the file
 * whose name is not UTF-8 can be opened by it.
 */
export function pathBytes(name: string): Buffer {
  return Buffer.concat(
    name.split(/\uFFFD<([0-9a-f]{2})>/).map((s, i) => (i % 2 ? Buffer.from([parseInt(s, 16)]) : Buffer.from(s))),
  );
}

/** The name in buf[start, end): decoded in place, and again byte by byte only when it is not UTF-8. */
export function pathNameAt(buf: Buffer, start: number, end: number): string {
  const text = buf.toString('utf8', start, end);
  return text.includes('\uFFFD') ? pathName(buf.subarray(start, end)) : text;
}

/**
 * Git paths are bytes. A name that is not UTF-8 keeps each invalid byte apart, as U+FFFD and
 * the byte in hex (`a\uFFFD<ff>.py`), so two names differing only there stay two files (and
 * are named as not read: no file has that name). Every listing decodes names through here.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';

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

/**
 * Names given on the command line, as the system passed them. Node decodes its arguments as
 * UTF-8 and turns each byte that is not into U+FFFD for good, so a name a hook manager passes
 * that is not UTF-8 would match no file git lists, and be passed over. Linux keeps every
 * argument's bytes in /proc/self/cmdline: such a name is read again from there and written as
 * pathName writes it. Where that file is missing or does not line up with process.argv, the
 * names stay as Node gave them.
 */
export function argvNames(
  names: string[],
  argv: string[] = process.argv,
  cmdline: () => Buffer = () => readFileSync('/proc/self/cmdline'),
): string[] {
  if (!names.some((n) => n.includes('\uFFFD'))) return names;
  let raw: Buffer;
  try {
    raw = cmdline();
  } catch {
    return names;
  }
  const parts: Buffer[] = [];
  for (let at = 0; at < raw.length;) {
    let end = raw.indexOf(0, at);
    if (end < 0) end = raw.length;
    parts.push(raw.subarray(at, end));
    at = end + 1;
  }
  // process.argv is node and the script; Node's own options sit between them in cmdline.
  const given = argv.slice(2);
  const tail = parts.slice(parts.length - given.length);
  if (tail.length !== given.length) return names;
  const bytes = new Map<string, string[]>();
  for (let i = 0; i < given.length; i++) {
    const arg = given[i] as string;
    const part = tail[i] as Buffer;
    if (part.toString('utf8') !== arg) return names;
    if (arg.includes('\uFFFD')) bytes.set(arg, [...(bytes.get(arg) ?? []), pathName(part)]);
  }
  // Two names that decode alike are told apart by their order.
  return names.map((n) => (n.includes('\uFFFD') ? (bytes.get(n)?.shift() ?? n) : n));
}

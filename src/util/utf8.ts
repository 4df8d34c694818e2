/**
 * Text that must be UTF-8 (a JSON capture, the Markdown document `cite verify` may rewrite).
 * Node's `readFileSync(path, 'utf8')` turns every byte that is not UTF-8 into U+FFFD without
 * a word: two captures differing only in such bytes read as the same text, and a document
 * written back gets every such byte replaced. Here the first such byte is named instead,
 * with its line and column, and a UTF-16 or UTF-32 file (what some Windows tools write) is
 * named as such rather than reported as a stray symbol.
 */
import { isUtf8 } from 'node:buffer';
import { LineIndex } from './line-index.js';

export interface NotUtf8 {
  /** 1-based, columns in UTF-16 units of the text before it, as the other positions are. */
  line: number;
  col: number;
  detail: string;
}

export type Utf8Text = { ok: true; text: string } | { ok: false; problem: NotUtf8 };

/** The bytes as text, or where and why they are not UTF-8. A UTF-8 byte-order mark stays in the text. */
export function decodeUtf8(bytes: Uint8Array): Utf8Text {
  const wide = wideEncoding(bytes);
  if (wide) {
    return {
      ok: false,
      problem: { line: 1, col: 1, detail: `the file is ${wide}, not UTF-8: save it as UTF-8` },
    };
  }
  // Node's native check answers a valid capture without walking its bytes here; only a bad one is located.
  const bad = isUtf8(bytes) ? undefined : firstInvalid(bytes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bad ?? bytes.length).toString('utf8');
  if (bad === undefined) return { ok: true, text };
  const at = new LineIndex(text).at(text.length);
  const byte = (bytes[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return {
    ok: false,
    problem: {
      ...at,
      detail: `byte 0x${byte} is not UTF-8 (a Latin-1 or Windows-1252 file?): save it as UTF-8`,
    },
  };
}

/** UTF-32 or UTF-16 by byte-order mark, or UTF-16 by the zero bytes of ASCII text (RFC 4627 §3). */
function wideEncoding(b: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]];
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) return 'UTF-32 (little-endian; byte-order mark FF FE 00 00)';
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return 'UTF-32 (big-endian; byte-order mark 00 00 FE FF)';
  if (b0 === 0xff && b1 === 0xfe) return 'UTF-16 (little-endian; byte-order mark FF FE)';
  if (b0 === 0xfe && b1 === 0xff) return 'UTF-16 (big-endian; byte-order mark FE FF)';
  if (b.length >= 4 && b0 !== 0 && b1 === 0 && b2 !== 0 && b3 === 0)
    return 'UTF-16 (little-endian, no byte-order mark)';
  if (b.length >= 4 && b0 === 0 && b1 !== 0 && b2 === 0 && b3 !== 0) return 'UTF-16 (big-endian, no byte-order mark)';
  return undefined;
}

/** The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629); undefined if none. */
function firstInvalid(b: Uint8Array): number | undefined {
  for (let i = 0; i < b.length;) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1] ?? 0;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return i;
    i += n + 1;
  }
  return undefined;
}

/**
 * Bytes that may not be UTF-8 (a file name) as text a person can read and tell apart: each byte
 * that is not UTF-8 written `\xE9`, never decoded into U+FFFD, which makes two names one.
 */
export function escapedUtf8(bytes: Uint8Array): string {
  let out = '';
  let rest = bytes;
  for (let bad = firstInvalid(rest); bad !== undefined; bad = firstInvalid(rest)) {
    const byte = (rest[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    out += `${Buffer.from(rest.buffer, rest.byteOffset, bad).toString('utf8')}\\x${byte}`;
    rest = rest.subarray(bad + 1);
  }
  return out + Buffer.from(rest.buffer, rest.byteOffset, rest.length).toString('utf8');
}

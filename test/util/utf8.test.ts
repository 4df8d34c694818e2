import { describe, expect, it } from 'vitest';
import { decodeUtf8 } from '../../src/util/utf8.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('decodeUtf8', () => {
  it('reads UTF-8 as it is, a byte-order mark kept', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFcafé 😀\n'))).toEqual({ ok: true, text: '\uFEFFcafé 😀\n' });
  });

  it('names the first byte that is not UTF-8, at its line and column', () => {
    const r = decodeUtf8(Buffer.concat([Buffer.from('ok\r\ncafé '), bytes(0xe9)]));
    expect(r).toMatchObject({ ok: false, problem: { line: 2, col: 6 } });
    expect(!r.ok && r.problem.detail).toBe(
      'byte 0xE9 is not UTF-8 (a Latin-1 or Windows-1252 file?): save it as UTF-8',
    );
  });

  it('refuses overlong forms, surrogates, code points past U+10FFFF and a sequence cut short', () => {
    for (const bad of [
      bytes(0xc0, 0xaf),
      bytes(0xe0, 0x80, 0xaf),
      bytes(0xed, 0xa0, 0x80),
      bytes(0xf4, 0x90, 0x80, 0x80),
      bytes(0x61, 0xe2, 0x82),
    ]) {
      expect(decodeUtf8(bad).ok).toBe(false);
    }
  });

  it('names UTF-16 and UTF-32, with or without a byte-order mark', () => {
    const detail = (b: Uint8Array) => {
      const r = decodeUtf8(b);
      return r.ok ? 'read' : r.problem.detail;
    };
    expect(detail(bytes(0xff, 0xfe, 0x7b, 0x00))).toMatch(
      /^the file is UTF-16 \(little-endian; byte-order mark FF FE\)/,
    );
    expect(detail(bytes(0xfe, 0xff, 0x00, 0x7b))).toMatch(/^the file is UTF-16 \(big-endian; byte-order mark FE FF\)/);
    expect(detail(bytes(0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0))).toMatch(/^the file is UTF-32 \(little-endian/);
    expect(detail(Buffer.from('{"a": 1}', 'utf16le'))).toMatch(
      /^the file is UTF-16 \(little-endian, no byte-order mark\)/,
    );
  });
});

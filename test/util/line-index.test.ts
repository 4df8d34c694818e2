import { describe, expect, it } from 'vitest';
import { LineIndex, lineEnd } from '../../src/util/line-index.js';

describe('LineIndex', () => {
  it('ends a line at \\n, \\r\\n or a lone \\r, as an editor and the m flag do', () => {
    const text = 'a\nb\r\nc\rd';
    const at = (s: string) => new LineIndex(text).at(text.indexOf(s));
    expect([at('a'), at('b'), at('c'), at('d')]).toEqual([
      { line: 1, col: 1 },
      { line: 2, col: 1 },
      { line: 3, col: 1 },
      { line: 4, col: 1 },
    ]);
    // The \n of a \r\n is on the line it ends.
    expect(new LineIndex(text).at(text.indexOf('\r\n') + 1)).toEqual({ line: 2, col: 3 });
  });

  it('lineEnd steps past the whole line break', () => {
    const text = 'ab\r\ncd\ref\ngh';
    expect(lineEnd(text, 0)).toBe(4);
    expect(lineEnd(text, 4)).toBe(7);
    expect(lineEnd(text, 7)).toBe(10);
    expect(lineEnd(text, 10)).toBe(text.length + 1);
  });
});

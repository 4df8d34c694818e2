/**
 * Offsets in a text to 1-based line and column (UTF-16 units, as editors and SARIF count).
 * A line ends at \n, \r\n or a lone \r (old Mac files), as editors take it; a regex's `^`
 * and `$` under the m flag also break there (and at U+2028/U+2029, which no editor shows as
 * a new line, so they are not counted).
 */
export class LineIndex {
  // Computed on first use: most texts scanned never need a position.
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  /** 1-based line and column of a string offset. */
  at(offset: number): { line: number; col: number } {
    if (!this.starts) {
      const s = [0];
      const t = this.text;
      for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) s.push(i + 1);
      // Most texts have no lone \r: they pay one search for it.
      if (t.includes('\r')) {
        for (let i = t.indexOf('\r'); i !== -1; i = t.indexOf('\r', i + 1)) if (t[i + 1] !== '\n') s.push(i + 1);
        s.sort((a, b) => a - b);
      }
      this.starts = s;
    }
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((s[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (s[lo] ?? 0) + 1 };
  }

  /** The text of the line holding `offset`, without its line break. */
  lineOf(offset: number): string {
    const start = offset - this.at(offset).col + 1;
    const end = lineEnd(this.text, start);
    return this.text.slice(start, end).replace(/\r?\n$|\r$/, '');
  }
}

/** Where the line holding `from` ends: past its \n, \r\n or lone \r (the text's length + 1 on the last line). */
export function lineEnd(text: string, from: number): number {
  // Stops at the first break: searching for \n and \r apart would run to the end of a file
  // without \r, once per line asked about.
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return i + 1;
    if (c === 13) return text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
  }
  return text.length + 1;
}

/** Offsets in a text to 1-based line and column (UTF-16 units, as editors and SARIF count). */
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
}

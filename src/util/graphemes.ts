/**
 * A text's characters as a reader sees them: an emoji joined from several code points, or a
 * letter and its combining accent, is one. Cutting text for a terminal between these never
 * splits a surrogate pair or leaves a mark on its own.
 */
let segmenter: Intl.Segmenter | undefined;

export function graphemes(text: string): string[] {
  // Made on first use: every command that loads a formatter would otherwise pay for it.
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  return Array.from(segmenter.segment(text), (g) => g.segment);
}

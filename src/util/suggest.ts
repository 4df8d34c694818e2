/** Spelling suggestions for names a person mistyped (a measurement id, a metric, a file). */

/** ` (did you mean 'x'?)` when a close spelling exists. */
export function suggest(word: string, candidates: string[]): string {
  const best = closest(word, candidates);
  return best ? ` (did you mean '${best}'?)` : '';
}

/**
 * The candidate that differs from `word` only in case, else the one within a few edits of it
 * (fewer for a short word), the closest first, and fewer edits than the word has characters
 * (`<<` is no misspelling of `id`).
 */
export function closest(word: string, candidates: string[]): string | undefined {
  // Case alone (`b` for gate `B`, `ec1` for `EC1`): the one meant, however short the word.
  const folded = word.toLowerCase();
  const sameLetters = candidates.find((c) => c !== word && c.toLowerCase() === folded);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestD = Math.min(Math.max(2, Math.floor(word.length / 3)) + 1, word.length);
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

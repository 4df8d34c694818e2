/** A string as a regex that matches it literally (also escaping `/`, so it can sit in a /…/ literal). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

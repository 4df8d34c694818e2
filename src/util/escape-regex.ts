/** A string as a regex that matches it literally (also escaping `/`, so it can sit in a /…/ literal). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Why a pattern does not compile, without V8's echo of the whole pattern and its flags
 * (`Invalid regular expression: /…/gm: Unterminated group`): the message points at the
 * pattern already, and the flags are the program's, not the user's.
 */
export function regexMistake(e: Error): string {
  const why = /^Invalid regular expression: \/[\s\S]*\/[a-z]*: ([^:]+)$/.exec(e.message)?.[1];
  return why === undefined ? e.message : why.charAt(0).toLowerCase() + why.slice(1);
}

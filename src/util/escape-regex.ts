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

/**
 * A pattern that does not compile, said with what to do: an inline flag group (`(?i)`, RE2's
 * and Python's, not JavaScript's) with the way to ignore case, else how to write a literal
 * bracket. `ignoreCase` is the spec's own way, when it has one.
 */
export function regexFix(e: Error, pattern: string, ignoreCase = 'write each letter as a class, [Ff]ix'): string {
  const why = regexMistake(e);
  const inline = /\(\?-?[imsx]+(?:-[imsx]+)?[:)]/.exec(pattern);
  return inline
    ? `${why}: an inline flag group such as ${inline[0]} is not JavaScript's; to ignore case, ${ignoreCase}`
    : `${why}; fix the pattern (a literal ( or [ is written \\( or \\[)`;
}

/**
 * Whether an error message is V8's for a parser that ran out of stack: the third-party
 * parsers (YAML, CEL) recurse per level of nesting and say nothing more than this.
 */
export function ranOutOfStack(message: string): boolean {
  return message.includes('Maximum call stack size exceeded');
}

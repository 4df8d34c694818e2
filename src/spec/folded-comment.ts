/**
 * CEL's `//` comment runs to the end of its line, but YAML joins the lines of a folded (`>`)
 * block, and of a plain or quoted value written over several lines, with spaces before CEL
 * reads them: a comment there takes in everything written after it on the lines below, and
 * what is left usually still checks, as a weaker condition than the one written.
 */
import { isScalar } from 'yaml';
import type { SourceLocation } from '../model/result.js';
import { lineComments } from './expressions.js';
import { locate, locateInScalar, type ParsedYaml, writtenNodeAt, writtenOffsets } from './yaml.js';

const WRITTEN_AS: Record<string, string> = {
  BLOCK_FOLDED: 'a folded (>) block',
  PLAIN: 'a plain value written over several lines',
  QUOTE_DOUBLE: 'a quoted value written over several lines',
  QUOTE_SINGLE: 'a quoted value written over several lines',
};

/**
 * The first `//` comment in the CEL text `source` (the value at `path`) that takes in text
 * written on a later line, with what to do about it. One on the last line, or followed by a
 * line break the value keeps (a literal block's, a blank line's), takes in nothing.
 */
export function swallowingComment(
  y: ParsedYaml,
  path: (string | number)[],
  source: string,
  what: string,
): { location: SourceLocation; message: string } | undefined {
  if (!source.includes('//')) return undefined;
  const node = writtenNodeAt(y, path);
  if (!isScalar(node) || node.value !== source) return undefined;
  const comments = lineComments(source);
  if (comments.length === 0) return undefined;
  const offsets = writtenOffsets(y, node);
  const at = (offset: number): SourceLocation => {
    const written = offsets?.[offset];
    return written === undefined ? locateInScalar(y, path, offset) : locate(y, written);
  };
  for (const c of comments) {
    const last = c.start + source.slice(c.start, c.end).trimEnd().length - 1;
    const start = at(c.start);
    if (at(last).line === start.line) continue;
    const kind = WRITTEN_AS[node.type ?? ''] ?? 'a value written over several lines';
    return {
      location: start,
      message: `a // comment in ${kind} runs to the end of the ${what}, since YAML joins its lines: write the ${what} as a literal block (|-), or move the comment above the key as a YAML # comment`,
    };
  }
  return undefined;
}

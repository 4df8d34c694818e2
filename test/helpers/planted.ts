/**
 * Text from outside the spec author's hands (a commit subject, a database row, a response
 * body) that a terminal or a GitHub Actions log would obey: an escape sequence that clears the
 * screen, a direction control, a line break, and workflow commands where the runner reads them.
 */
import { expect } from 'vitest';

export const PLANTED = '::error::x \u001b[2J \u202e\n::warning::y ##[add-mask]x';

/** PLANTED as a terminal report shows it (visible). */
export const SHOWN = '\\x3a:error::x \\x1b[2J \\u202e\\n::warning::y ##\\x5badd-mask]x';

/** PLANTED shown inside a line, past other text: a `::` there starts no command. */
export const SHOWN_INSIDE = SHOWN.replace('\\x3a:', '::');

/** No raw control character but the line breaks, no `##[` in a line, no line starting with `::`. */
export function expectInert(out: string): void {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  expect(out.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g) ?? []).toEqual([]);
  expectNoCommand(out);
}

/** For Markdown and XML, which keep the text: no `##[` in a line and no line starting with `::`. */
export function expectNoCommand(out: string): void {
  const lines = out.split('\n');
  expect(lines.filter((l) => l.includes('##['))).toEqual([]);
  expect(lines.filter((l) => l.trimStart().startsWith('::'))).toEqual([]);
}

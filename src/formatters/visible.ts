/**
 * Text read from a repository or a telemetry file, as a terminal report shows it: control
 * characters (an escape sequence, a line break in a file name) written out as \n, \t or
 * \x1b, so that data cannot move the cursor, recolour the screen or split a row; and the
 * Unicode direction controls (U+202A–U+202E, U+2066–U+2069) as \u202e, so that a name cannot
 * display in an order other than its own; and what a CI log would run as a command (below).
 * The JSON, SARIF, JUnit and Markdown reports keep the text: there only what the runner would
 * read is written as an escape of that format, which its readers read back as the same text
 * (inertJson, inertMarkup).
 */
export function visible(s: string, o: { keepLines?: boolean; inCommand?: boolean } = {}): string {
  const shown = s.replace(CONTROLS, (ch) =>
    o.keepLines && (ch === '\n' || ch === '\r' || ch === '\t') ? ch : written(ch),
  );
  // Inside a workflow command's own line the runner reads that command and nothing more.
  if (o.inCommand) return shown;
  return inertCommands(shown);
}

/**
 * What the GitHub Actions runner reads as a workflow command in a job's log: the legacy
 * `##[error]`, `##[stop-commands]` or `##[add-mask]` anywhere in a line, and `::name::` where
 * a line starts (past its spaces), as a file heading does. A file's text or name must not raise
 * an annotation, mask the log or stop the real commands after it: one character of each is
 * written out (`##\x5b`, `\x3a:`). The runner reads standard error as it reads standard
 * output, and a line ends at `\r` as at `\n`. Text holding neither is returned as it is.
 */
export function inertCommands(text: string): string {
  return text.replace(RUNNER_COMMAND, (_, space: string | undefined) =>
    space !== undefined ? `${space}\\x3a` : '##\\x5b',
  );
}

// A line starts where nothing but a line break (or the text's start) comes before.
const RUNNER_COMMAND = /(?<![^\n\r])(\s*):(?=:)|##\[/g;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function written(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  const code = ch.charCodeAt(0);
  return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
}

/**
 * A JSON report as a CI log may show it: `##[` inside a string is written `##\u005b`, the same
 * string to any JSON reader. In JSON text `#` occurs only inside strings, and a string holds no
 * line break, so no line of it can start with `::` either.
 */
export function inertJson(text: string): string {
  return text.replace(LEGACY_COMMAND, '##\\u005b');
}

/** `JSON.stringify(value, null, 2)` and a newline, made inert for a CI log (inertJson). */
export function jsonReport(value: unknown): string {
  return `${inertJson(JSON.stringify(value, null, 2))}\n`;
}

/**
 * XML or Markdown text as a CI log may show it: `##[` written `##&#91;` and a `:` that starts
 * a line (past its spaces) before another `&#58;`, character references that read as the same
 * text. Not for CDATA sections, where references are not read (the reports write none).
 */
export function inertMarkup(text: string): string {
  return text.replace(LEGACY_COMMAND, '##&#91;').replace(LINE_COMMAND, '$1&#58;');
}

const LEGACY_COMMAND = /##\[/g;
const LINE_COMMAND = /^([ \t]*):(?=:)/gm;

/**
 * How a report shows a field read from outside the spec (git, a database, a model's answer, a
 * response body): a terminal report through visible, a Markdown or XML one as it is (its writer
 * makes it inert: inertMarkup).
 */
export type Show = (s: string) => string;
export const asIs: Show = (s) => s;
export const shown: Show = (s) => visible(s);

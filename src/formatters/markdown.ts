import type { GateReport, GateResult, Verdict } from '../model/result.js';
import { bandText, inBand } from './sensitivity.js';
import { inertMarkup, visible } from './visible.js';

export interface MarkdownOptions {
  /** Longest reason shown in a cell, in characters; the full text is in the JSON report. */
  maxReason?: number;
  /** Longest summary, in UTF-8 bytes (never fewer than its characters); rows past it are left out, and said to be. */
  maxLength?: number;
}

/**
 * GitHub refuses a pull-request comment longer than this many characters ("Body is too long");
 * a job summary takes more, so a summary this long fits both. Counted in UTF-8 bytes, which no
 * way of counting characters exceeds.
 */
export const COMMENT_MAX = 65_536;

const MARK: Record<Verdict, string> = { fail: '❌', halt: '⏸', pass: '✅' };
const ORDER: Record<Verdict, number> = { fail: 0, halt: 1, pass: 2 };

/**
 * A compact summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`: a heading with the
 * overall verdict, the counts, and one table row per gate, the ones that do not pass first.
 * Longer than a comment may be, the last rows (passes first) are left out and a line says how
 * many of each verdict, so the failures are always shown and the comment is never refused.
 */
export function formatMarkdown(report: GateReport, opts: MarkdownOptions = {}): string {
  const max = opts.maxReason ?? 200;
  const limit = opts.maxLength ?? COMMENT_MAX;
  const count = (v: Verdict) => report.results.filter((r) => r.verdict === v).length;
  const lines = [
    `### ${MARK[report.verdict]} rfcgate ${inline(report.rfc)}: ${report.verdict.toUpperCase()}`,
    '',
    `As of ${codeSpan(report.as_of)}${report.snapshot_at ? ` (database a snapshot of ${codeSpan(report.snapshot_at)})` : ''} on ${codeSpan(report.ref)}${report.phase ? `, phase ${codeSpan(report.phase)}` : ''}: ` +
      `${report.results.length} gate${report.results.length === 1 ? '' : 's'}, ` +
      `${count('fail')} fail, ${count('halt')} halt, ${count('pass')} pass.`,
    '',
  ];
  if (!report.results.length) return lines.join('\n');
  const sorted = report.results
    .map((r, i) => ({ r, i }))
    .sort((a, b) => ORDER[a.r.verdict] - ORDER[b.r.verdict] || a.i - b.i)
    .map(({ r }) => r);
  const rows = sorted.map((r) => row(r, max));
  const render = (shown: number): string => {
    const out = [...lines, '| verdict | gate | section | title | reason |', '| --- | --- | --- | --- | --- |'];
    out.push(...rows.slice(0, shown), '');
    if (sorted.slice(0, shown).some((r) => inBand(r).length)) {
      out.push(
        '~ the measured value is within the sensitivity band of its threshold: the reason shows the verdict at each alternate anchor.',
        '',
      );
    }
    if (shown < rows.length) out.push(leftOut(sorted.slice(shown)), '');
    return out.join('\n');
  };
  let shown = rows.length;
  for (;;) {
    const out = render(shown);
    const over = Buffer.byteLength(out) - limit;
    if (over <= 0 || shown === 0) return out;
    for (let cut = 0; shown > 0 && cut < over;) cut += Buffer.byteLength(rows[--shown] as string) + 1;
  }
}

/** The line that stands for the rows a summary leaves out. */
function leftOut(results: readonly GateResult[]): string {
  const by = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const counts = (['fail', 'halt', 'pass'] as const).filter((v) => by(v)).map((v) => `${by(v)} ${v}`);
  return (
    `${results.length} more gate${results.length === 1 ? ' is' : 's are'} not shown (${counts.join(', ')}): ` +
    'a GitHub comment holds at most 65,536 characters; the JSON report has every gate.'
  );
}

function row(r: GateResult, max: number): string {
  const bands = inBand(r);
  const verdict = `${MARK[r.verdict]} ${r.verdict === 'halt' ? `halt: ${r.halt_reason ?? 'error'}` : r.verdict}${bands.length ? ' ~' : ''}`;
  // The anchors after the cut reason, never cut themselves: they are what the reader decides on.
  const parts = [...(r.reason ? [truncate(oneLine(r.reason), max)] : []), ...bands.map(bandText)];
  return `| ${verdict} | ${cell(r.id)} | ${cell(r.section)} | ${cell(r.title)} | ${cell(parts.join('; '))} |`;
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** Cut on code points, never inside a surrogate pair, before escaping so no escape is cut in half. */
function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

/**
 * Text in a table cell: one line, `|` escaped, and no raw HTML for the renderer to swallow. A
 * backslash right before a `|` is doubled too: `a\|b` written as `a\\|b` would let the pipe
 * split the cell, since GFM's table reads `\\` first. The same for what would turn text into
 * emphasis, strikethrough or a link (`base_ms*2 || p99_ms*3`, `~x~`, `[x](y)`): `*`, `~`, `[` (a
 * `]` then closes no link) and `_` where it is not inside a word (there it opens or closes nothing).
 */
export function cell(s: string): string {
  return codeSpans(oneLine(s))
    .map(({ text, code }) => (code ? codeSpanCell(text) : textCell(text)))
    .join('');
}

function textCell(s: string): string {
  return inline(s).replace(
    /(\\*)(\||[*~[]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}]))/gu,
    (_, run: string, ch: string) => `${run}${run}\\${ch}`,
  );
}

/**
 * A code span the text itself writes (`` `x[0]*2` ``, a model's finding quoting code) is shown as
 * one: its characters are literal there, so a backslash or entity added to them would show. Only
 * its `|` is escaped, which GFM reads before the span. One holding `##[` has no inert spelling
 * inside a span (a character reference shows as written), so its backticks are made text instead.
 */
function codeSpanCell(written: string): string {
  if (written.includes('##[')) return textCell(written.replace(/`/g, '\\`'));
  // No reference is read in a code span: a control character is written out there (codeSpan).
  const span = visible(written, { keepLines: true, inCommand: true });
  return span.replace(/(\\*)\|/g, (_, run: string) => `${run}${run.length % 2 ? '\\' : ''}\\|`);
}

/**
 * The text cut where CommonMark reads code spans: a run of backticks (not escaped by a
 * backslash) up to the next run of the same length; a run that no such run closes is text.
 */
function codeSpans(s: string): { text: string; code: boolean }[] {
  const parts: { text: string; code: boolean }[] = [];
  let start = 0;
  let i = 0;
  while (i < s.length) {
    if (s[i] === '\\') {
      i += 2;
      continue;
    }
    if (s[i] !== '`') {
      i++;
      continue;
    }
    let n = 1;
    while (s[i + n] === '`') n++;
    const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
    close.lastIndex = i + n;
    const m = close.exec(s);
    if (!m) {
      i += n;
      continue;
    }
    if (i > start) parts.push({ text: s.slice(start, i), code: false });
    const end = m.index + n;
    parts.push({ text: s.slice(i, end), code: true });
    start = i = end;
  }
  if (start < s.length) parts.push({ text: s.slice(start), code: false });
  return parts;
}

/**
 * Text GFM shows as written, with no more escapes than that takes, so the raw summary reads as
 * the text does (`a && b`, `p50 >= 30`). Of HTML, only two characters start anything: `<` before
 * anything but a space (an HTML tag, comment or declaration, or an autolink: `<script>`,
 * `<!--`, `<https://x>`, `<a@b.c>`), and `&` where a character reference follows (`&amp;`,
 * `&#35;`, `&#x23;`), which would show as the character it names. Each is escaped by a
 * backslash, which CommonMark reads before any ASCII punctuation; a backslash already before
 * it is doubled, so it shows too. `>` opens nothing in a line's middle. Also `##[`, which a CI
 * log showing the summary would run as a command (inertMarkup).
 */
function inline(s: string): string {
  return inertMarkup(
    s
      .replace(
        /(\\*)(<(?=\S)|&(?=#\d{1,7};|#[xX][\dA-Fa-f]{1,6};|[A-Za-z\d]{1,31};))/g,
        (_, run: string, ch: string) => `${run}${run}\\${ch}`,
      )
      .replace(CONTROLS, (ch) => `&#x${ch.charCodeAt(0).toString(16)};`),
  );
}

/**
 * What a terminal printing the report (or the ledger's .md) would obey or a reader be misled by:
 * control characters but a tab or a line break, and the direction controls (visible). In text a
 * character reference stands for one, which a Markdown reader reads back as the same text.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as a CommonMark code span, shown exactly: fenced by one backtick more than its longest
 * run of backticks (so none closes it early), padded with a space where it starts or ends with
 * one, and line breaks as spaces (which a code span shows them as anyway) so the span cannot
 * end the list item or table row it sits in.
 */
export function codeSpan(s: string): string {
  // No reference is read in a code span: a control character is written out there, as a
  // terminal report writes it (\x1b, \u202e).
  const text = visible(s.replace(/\r\n?|\n/g, ' '), { keepLines: true, inCommand: true });
  if (text.includes('##[')) return spanText(text);
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space from each end when both ends have one (or a backtick needs it).
  const pad = /^`|`$/.test(text) || (/^ [^]* $/.test(text) && text.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Text holding `##[`, which has no inert spelling inside a code span (a character reference
 * shows as written there): escaped text instead, as codeSpanCell writes such a span, its
 * backticks escaped so none opens a span. Safe in a table cell too.
 */
function spanText(text: string): string {
  return textCell(text.replace(/(\\*)`/g, (_, run: string) => `${run}${run}\\\``));
}

/**
 * A code span inside a table cell: GFM splits cells on `|` even in a code span unless it is
 * escaped by an odd run of backslashes. In a code span those backslashes other than the last
 * stay as written, so a backslash right before a `|` shows doubled: the one text a table cannot
 * quote exactly, and the cell stays whole.
 */
export function codeCell(s: string): string {
  const span = codeSpan(s);
  // Text written in place of a span (spanText) is already whole in a cell.
  if (!span.startsWith('`')) return span;
  return span.replace(/(\\*)\|/g, (_, run: string) => `${run}${run.length % 2 ? '\\' : ''}\\|`);
}

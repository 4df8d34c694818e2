/**
 * Just enough Markdown to answer "is this section of a decision document actually filled
 * in?". Line-based, CommonMark-aware where it matters: ATX and setext headings, fenced code
 * (a `#` inside a fence is not a heading), HTML comments (template instructions are not
 * content, but the text beside one on its line is), GFM tables. Pure functions, no I/O.
 */

export interface Heading {
  level: number;
  text: string;
  /** 1-based line of the heading text. */
  line: number;
}

export interface SectionLine {
  /** 1-based line in the file. */
  line: number;
  /** The line as a reader sees it: HTML comments left out (in code, the line as written). */
  text: string;
  /** Inside a fenced code block (fence delimiters included). */
  code: boolean;
  /** Nothing but HTML comment (and blanks): no text outside one. */
  comment: boolean;
  /** Set when this line is the text of a heading. */
  heading?: Heading;
  /** A setext underline, which belongs to the heading on the line before. */
  underline?: boolean;
}

export interface Section {
  heading: Heading;
  /** Lines after the heading up to the next heading of the same or a higher level. */
  body: SectionLine[];
}

export type BlankKind = 'empty' | 'placeholder' | 'table_cell' | 'judgement';

export interface BlankFinding {
  kind: BlankKind;
  line: number;
  detail: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
/** A thematic break (`---`, `***`, `_ _ _`): a rule drawn between parts, which answers nothing. */
const THEMATIC_BREAK = /^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$/;

/**
 * A line's text outside HTML comments, for a line that starts inside one or not; also
 * whether it ends inside one, and whether it held any comment. `<!--` inside an inline code
 * span is literal text, as CommonMark reads it; a comment closes at the first `-->`
 * (`<!-->` and `<!--->` are empty comments, as in HTML).
 */
function stripComments(raw: string, inComment: boolean): { visible: string; inComment: boolean; touched: boolean } {
  let visible = '';
  let i = 0;
  let touched = inComment;
  while (i < raw.length) {
    if (inComment) {
      const close = raw.indexOf('-->', i);
      if (close < 0) return { visible, inComment: true, touched };
      i = close + 3;
      inComment = false;
      continue;
    }
    const open = commentOpen(raw, i);
    if (open < 0) {
      visible += raw.slice(i);
      break;
    }
    visible += raw.slice(i, open);
    touched = true;
    inComment = true;
    i = open + 2;
  }
  return { visible, inComment, touched };
}

/** Where the next `<!--` at or after `from` opens a comment, skipping inline code spans; -1 if none. */
function commentOpen(raw: string, from: number): number {
  let i = from;
  while (i < raw.length) {
    const tick = raw.indexOf('`', i);
    const open = raw.indexOf('<!--', i);
    if (open < 0) return -1;
    if (tick < 0 || open < tick) return open;
    let run = tick;
    while (raw[run] === '`') run++;
    const fence = raw.slice(tick, run);
    // A code span closes at the next run of exactly as many backticks; unclosed, they are literal.
    const close = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
    close.lastIndex = run;
    const end = close.exec(raw);
    i = end ? end.index + fence.length : run;
  }
  return -1;
}

function scan(text: string): SectionLine[] {
  const lines = text.split(/\r?\n/);
  const out: SectionLine[] = [];
  let fence: { char: string; len: number } | undefined;
  let inComment = false;
  // Lines that open with a comment and go on with text: text, but never a setext heading's.
  const htmlBlock = new Set<number>();
  lines.forEach((raw, i) => {
    const line: SectionLine = { line: i + 1, text: raw, code: false, comment: false };
    out.push(line);
    if (fence) {
      line.code = true;
      const m = FENCE.exec(raw);
      if (m?.[1] && m[1][0] === fence.char && m[1].length >= fence.len && (m[2] ?? '').trim() === '') fence = undefined;
      return;
    }
    if (!inComment) {
      const f = FENCE.exec(raw);
      // A backtick fence's info string may not contain backticks (CommonMark), else it is inline code.
      if (f?.[1] && !(f[1][0] === '`' && (f[2] ?? '').includes('`'))) {
        fence = { char: f[1][0] ?? '`', len: f[1].length };
        line.code = true;
        return;
      }
    }
    // A line inside a comment, or opening one, is no heading; the text after the comment
    // closes is read, as a renderer shows it, and so is the text before a `<!--`.
    const startsInComment = inComment || raw.trimStart().startsWith('<!--');
    const stripped = stripComments(raw, inComment);
    inComment = stripped.inComment;
    if (stripped.touched) {
      line.text = stripped.visible;
      if (stripped.visible.trim() === '') {
        line.comment = true;
        return;
      }
      if (startsInComment) {
        htmlBlock.add(line.line);
        return;
      }
    }
    const atx = ATX.exec(line.text);
    if (atx?.[1]) {
      line.heading = { level: atx[1].length, text: (atx[2] ?? '').trim(), line: i + 1 };
      return;
    }
    const se = SETEXT.exec(line.text);
    const prev = out[i - 1];
    if (se?.[1] && prev && !htmlBlock.has(prev.line) && isParagraphText(prev)) {
      prev.heading = { level: se[1][0] === '=' ? 1 : 2, text: prev.text.trim(), line: prev.line };
      line.underline = true;
    }
  });
  return out;
}

/** A line that could be the text of a setext heading: plain paragraph text, nothing structural. */
function isParagraphText(l: SectionLine): boolean {
  if (l.code || l.comment || l.heading || l.underline) return false;
  const t = l.text;
  if (t.trim() === '' || /^ {4}/.test(t)) return false;
  return !/^\s*([-*+]\s|\d+[.)]\s|>|\|)/.test(t) && !t.includes('|');
}

export function headings(text: string): Heading[] {
  return scan(text).flatMap((l) => (l.heading ? [l.heading] : []));
}

/** Heading text as a person reads it: no emphasis or code markers, no trailing colon, one space. */
export function normaliseHeading(text: string): string {
  return text.replace(/[*_`]/g, '').replace(/\s+/g, ' ').replace(/\s*:$/, '').trim().toLowerCase();
}

/**
 * Finds the first heading (any level) whose text equals `name`, case-insensitively. When
 * none does, a heading that only adds a leading number (`3. Calendar reasoning`, `§3
 * Calendar reasoning`) is accepted, since numbered outlines are the norm in RFCs.
 */
export function findSection(text: string, name: string): Section | undefined {
  const lines = scan(text);
  const want = normaliseHeading(name);
  const numbered = /^(§\s*)?\d+(\.\d+)*\.?\s+/;
  let idx = lines.findIndex((l) => l.heading && normaliseHeading(l.heading.text) === want);
  if (idx < 0)
    idx = lines.findIndex((l) => l.heading && normaliseHeading(l.heading.text).replace(numbered, '') === want);
  const start = lines[idx];
  if (!start?.heading) return undefined;
  const level = start.heading.level;
  const body: SectionLine[] = [];
  for (const l of lines.slice(idx + 1)) {
    if (l.heading && l.heading.level <= level) break;
    body.push(l);
  }
  // A setext heading's underline is part of the heading, not its body.
  if (body[0]?.underline) body.shift();
  return { heading: start.heading, body };
}

/** The body as text, for regex extraction; line breaks preserved, comments left out as everywhere else. */
export function sectionText(s: Section): string {
  return s.body.map((l) => l.text).join('\n');
}

/** A whole document as text, for regex extraction: comments left out, every line kept where it was. */
export function visibleText(text: string): string {
  return scan(text)
    .map((l) => l.text)
    .join('\n');
}

/**
 * What a renderer shows as blank space or nothing: a non-breaking space or another space
 * written as an HTML entity, a line break tag, a zero-width character. A table cell holding
 * `&nbsp;` (how a template keeps an empty cell open) is as blank as one holding nothing.
 */
const RENDERS_AS_NOTHING =
  /&(?:nbsp|ensp|emsp|thinsp|zwsp|zwnj|zwj|#0*160|#x0*a0|#0*8203|#x0*200b);|<br\s*\/?>|[\u200b-\u200d\u2060\ufeff]/gi;

const PLACEHOLDER_WORDS = /^(tbd|tba|todo|fixme|xxx|to be (decided|determined|confirmed|filled( in)?))\b/i;

/**
 * Text that only stands in for an answer: TBD, TODO, underscores, `<...>`, an ellipsis,
 * a question mark, or one of those wrapped in emphasis, brackets or parentheses.
 */
export function isPlaceholder(text: string): boolean {
  let t = text.replace(RENDERS_AS_NOTHING, '').trim();
  let prev = '';
  while (t !== prev) {
    prev = t;
    t = t
      .replace(/^(\*\*|__|\*|_|`)(.*)\1$/, '$2')
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/^\((.*)\)$/, '$1')
      .trim();
  }
  if (t === '') return true;
  if (/^_+$/.test(t)) return true;
  if (/^<[^>]*>$/.test(t)) return true;
  if (/^(\.{3}|…|\?+)$/.test(t)) return true;
  return PLACEHOLDER_WORDS.test(t);
}

const JUDGEMENT_LABEL =
  /^\s*(?:>\s*)?(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__|\*|_)?(judge?ment|decision|verdict|signed[- ]off[- ]by|sign[- ]?off|approved[- ]by|approver|go\s*\/\s*no[- ]go)(?:\*\*|__|\*|_)?\s*:(?:\*\*|__|\*|_)?(.*)$/i;

/** A line that reads as a label (`Rationale:`), which answers nothing for the label before it. */
const ANY_LABEL = /^\s*(?:>\s*)?(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__|\*|_)?[A-Za-z][\w /-]{0,40}(?:\*\*|__|\*|_)?\s*:/;

function splitRow(row: string): string[] {
  let t = row.trim();
  if (t.startsWith('|')) t = t.slice(1);
  if (t.endsWith('|') && !t.endsWith('\\|')) t = t.slice(0, -1);
  // Split on pipes that are not escaped.
  return t.split(/(?<!\\)\|/).map((c) => c.trim());
}

const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function isTableRow(text: string): boolean {
  return text.includes('|') && text.trim() !== '';
}

/** A GFM table: its header cells and data rows, as a reader sees them. */
export interface Table {
  /** 1-based line of the header row. */
  line: number;
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/**
 * The table whose header row is `lines[i]`, if one starts there: a header row, a delimiter
 * row, then data rows until a line without a pipe (or code, a comment, a heading). `end` is
 * the index of the first line after it.
 */
function tableAt(lines: SectionLine[], i: number): { table: Table; end: number } | undefined {
  const l = lines[i];
  const next = lines[i + 1];
  if (!l || !isTableRow(l.text) || !next || next.code || !next.text.includes('|') || !DELIMITER_ROW.test(next.text))
    return undefined;
  const table: Table = { line: l.line, header: splitRow(l.text), rows: [] };
  let j = i + 2;
  for (; j < lines.length; j++) {
    const r = lines[j];
    if (!r || r.code || r.comment || r.heading || !isTableRow(r.text)) break;
    table.rows.push({ line: r.line, cells: splitRow(r.text) });
  }
  return { table, end: j };
}

/** Every GFM table among `lines` (a section's body, or a whole document's), in order; none in code. */
export function tables(lines: SectionLine[]): Table[] {
  const out: Table[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l || l.comment || l.underline || l.code || l.heading) continue;
    const found = tableAt(lines, i);
    if (!found) continue;
    out.push(found.table);
    i = found.end - 1;
  }
  return out;
}

/** A whole document's lines, as a section's body holds them (headings marked, comments left out). */
export function documentLines(text: string): SectionLine[] {
  return scan(text);
}

/**
 * Everything that keeps a section from counting as filled in, in line order. Empty result
 * means filled. Checks: no content at all, only placeholders, a table with a blank or
 * placeholder data cell, a judgement/decision/sign-off line with nothing after its colon.
 */
export function blanks(s: Section): BlankFinding[] {
  const findings: BlankFinding[] = [];
  const lines = s.body;
  let content = 0;
  let placeholders = 0;

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l || l.comment || l.underline || l.text.trim() === '') continue;
    if (l.code) {
      if (!FENCE.test(l.text)) content++;
      continue;
    }
    if (l.heading) continue;
    // A template's rule between sections (`---` after a blank line, not a setext underline)
    // is drawn, not written: a section holding only one is as empty as one holding nothing.
    if (THEMATIC_BREAK.test(l.text)) continue;

    const found = tableAt(lines, i);
    if (found) {
      const { header, rows, line } = found.table;
      for (const r of rows) {
        header.forEach((h, col) => {
          const cell = r.cells[col] ?? '';
          if (isPlaceholder(cell)) {
            const column = h === '' ? `column ${col + 1}` : `'${h}'`;
            const first = r.cells[0] ?? '';
            const rowName = col > 0 && first !== '' && !isPlaceholder(first) ? ` of row '${first}'` : '';
            findings.push({
              kind: 'table_cell',
              line: r.line,
              detail:
                cell === ''
                  ? `blank table cell ${column}${rowName}`
                  : `placeholder '${cell}' in table cell ${column}${rowName}`,
            });
          } else {
            content++;
          }
        });
      }
      if (rows.length === 0) findings.push({ kind: 'table_cell', line, detail: 'table has a header but no rows' });
      i = found.end - 1;
      continue;
    }

    const j = JUDGEMENT_LABEL.exec(l.text);
    if (j) {
      const answer = (j[2] ?? '').trim();
      if (answer === '' || isPlaceholder(answer)) {
        // "Decision:" with the answer on the following line is filled; another label, a
        // heading, a placeholder or nothing is not.
        const follow = lines
          .slice(i + 1)
          .find((n) => !n.comment && !n.underline && n.text.trim() !== '' && !(THEMATIC_BREAK.test(n.text) && !n.code));
        const answered =
          answer === '' &&
          follow !== undefined &&
          !follow.heading &&
          !follow.code &&
          !ANY_LABEL.test(follow.text) &&
          !isTableRow(follow.text) &&
          !isPlaceholder(stripListMarker(follow.text));
        if (!answered) {
          findings.push({
            kind: 'judgement',
            line: l.line,
            detail: `'${j[1]}:' has no answer${answer === '' ? '' : ` (only '${answer}')`}`,
          });
          continue;
        }
      }
      content++;
      continue;
    }

    if (isPlaceholder(stripListMarker(l.text))) {
      placeholders++;
      findings.push({ kind: 'placeholder', line: l.line, detail: `placeholder '${l.text.trim()}'` });
      continue;
    }
    content++;
  }

  if (content === 0 && findings.length === 0) {
    findings.push({ kind: 'empty', line: s.heading.line, detail: 'the section is empty' });
  }
  // A stray TODO in an otherwise written section is the author's note, not a blank answer.
  if (content > 0 && placeholders > 0) return findings.filter((f) => f.kind !== 'placeholder');
  return findings;
}

function stripListMarker(text: string): string {
  return text.replace(/^\s*(?:>\s*)?(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)?/, '');
}

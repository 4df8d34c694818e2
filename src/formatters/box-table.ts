import stringWidth from 'string-width';

/**
 * A table drawn exactly as cli-table3 0.6 draws `new Table({ head, style: { head: [], border: [] } })`
 * with these rows: box-drawing borders, a rule between every two rows, each column as wide as
 * its widest cell plus one space each side, text left-aligned; drawTable with no options. The
 * comparator's tables of divergent keys use it (20,000 keys drew in about 10 s through
 * cli-table3, whose layout grows with the square of the rows).
 */
export function boxTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return drawTable(head, rows);
}

/**
 * Printable ASCII takes one column a character, as string-width counts it too; the test spares
 * string-width's regular expressions, built anew on each call, on nearly every cell.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** What drawTable is told beyond the cells: the subset of cli-table3 0.6's options these tables use. */
export interface DrawOptions {
  /** Each column's width, borders' padding included; a column not given is as wide as its widest cell. */
  colWidths?: readonly (number | undefined)[];
  /** Wrap a cell's text on spaces to its fixed column width (a word wider than that is cut with …). */
  wordWrap?: boolean;
  /** Blanks after a cell's text (before the border); one unless told. */
  paddingRight?: number;
  /** Colour of the head's cells and of the borders (cli-table3's `style.head` and `style.border`). */
  head?: (text: string) => string;
  border?: (text: string) => string;
}

/**
 * A table drawn exactly as cli-table3 0.6 draws `new Table({ head, colWidths, wordWrap, style })`
 * with these rows, in one pass rather than cli-table3's square of the rows (a `cite verify`
 * of 10,000 citations took 5 s there, a `gate check` of 1,000 gates 5 s). Unlike boxTable it
 * takes what cli-table3 takes: cells of several lines, colour codes in a cell (no width, and
 * carried onto each line a cell wraps to), fixed column widths, wrapping and truncation.
 *
 * The helpers below follow cli-table3's utils.js line for line, quirks included (a cut counts
 * UTF-16 units and may split a surrogate pair; only bold, italics, underline, inverse and
 * strikethrough and the colours are carried from line to line): the bytes are the contract.
 */
export function drawTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  opts: DrawOptions = {},
): string {
  const padLeft = 1;
  const padRight = opts.paddingRight ?? 1;
  const border = (s: string) => (opts.border && s !== '' ? opts.border(s) : s);
  const headStyle = (s: string) => (opts.head && s !== '' ? opts.head(s) : s);
  const all = [head, ...rows];
  const widths: number[] = [];
  const fixed = opts.colWidths ?? [];
  const laid = all.map((row) =>
    row.map((cell, x) => {
      const content = String(cell);
      const fixedWidth = fixed[x];
      const lines = colorizeLines(
        fixedWidth && opts.wordWrap ? multiLineWordWrap(fixedWidth - padLeft - padRight, content) : content.split('\n'),
      );
      widths[x] = Math.max(widths[x] ?? 0, strlen(content) + padLeft + padRight, 1);
      return lines;
    }),
  );
  fixed.forEach((w, x) => {
    if (typeof w === 'number') widths[x] = w;
  });
  for (let x = 0; x < widths.length; x++) widths[x] = Math.max(1, widths[x] ?? 0);
  // Each cell draws its own piece of a rule, coloured on its own, as cli-table3 does.
  const rule = (cells: number, left: string, mid: string, right: string) =>
    widths
      .slice(0, cells)
      .map((w, x) => border(`${x === 0 ? left : mid}${'─'.repeat(w)}${x === cells - 1 ? right : ''}`))
      .join('');
  const out: string[] = [];
  laid.forEach((row, y) => {
    out.push(y === 0 ? rule(row.length, '┌', '┬', '┐') : rule(row.length, '├', '┼', '┤'));
    const height = Math.max(1, ...row.map((lines) => lines.length));
    for (let n = 0; n < height; n++) {
      let line = '';
      row.forEach((lines, x) => {
        const width = widths[x]!;
        const len = width - padLeft - padRight;
        const text = lines[n];
        let content =
          text === undefined
            ? ' '.repeat(width)
            : ' '.repeat(padLeft) + pad(truncate(text, len), len) + ' '.repeat(padRight);
        if (y === 0) content = headStyle(content);
        line += border('│') + content + (x === row.length - 1 ? border('│') : '');
      });
      if (line !== '') out.push(line);
    }
  });
  out.push(rule(all[all.length - 1]?.length ?? 0, '└', '┴', '┘'));
  return out.join('\n');
}

/**
 * A colour as cli-table3 applies `style.head` and `style.border` (through @colors/colors): the
 * text between the codes, where the closing code reopens the colour so that it runs to the end.
 */
function sgrStyle(open: number, close: number): (text: string) => string {
  const on = `\u001b[${open}m`;
  const off = `\u001b[${close}m`;
  return (text) => `${on}${text.split(off).join(on)}${off}`;
}

/** cli-table3's `style: { head: ['bold'], border: ['grey'] }`. */
export const HEAD_BOLD = sgrStyle(1, 22);
export const BORDER_GREY = sgrStyle(90, 39);

// A colour code (SGR), as cli-table3 recognises one: matching the escape character is the point.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[(?:\d*;){0,5}\d*m/g;
// eslint-disable-next-line no-control-regex
const SGR_CAPTURE = () => /\u001b\[((?:\d*;){0,5}\d*)m/g;

/** Terminal columns of the widest line, colour codes taking none. */
function strlen(str: string): number {
  let max = 0;
  for (const line of str.replace(SGR, '').split('\n')) {
    const w = PRINTABLE_ASCII.test(line) ? line.length : stringWidth(line);
    if (w > max) max = w;
  }
  return max;
}

function pad(str: string, len: number): string {
  const length = strlen(str);
  return len + 1 >= length ? str + ' '.repeat(Math.max(0, len - length)) : str;
}

type SgrState = Record<string, boolean | string | undefined>;

const SGR_NAMES: Record<string, { set: string; to: boolean }> = {};
const SGR_CODES: Record<string, { on: string; off: string }> = {};
for (const [name, on, off] of [
  ['bold', 1, 22],
  ['italics', 3, 23],
  ['underline', 4, 24],
  ['inverse', 7, 27],
  ['strikethrough', 9, 29],
] as const) {
  SGR_NAMES[`\u001b[${on}m`] = { set: name, to: true };
  SGR_NAMES[`\u001b[${off}m`] = { set: name, to: false };
  SGR_CODES[name] = { on: `\u001b[${on}m`, off: `\u001b[${off}m` };
}

function updateState(state: SgrState, sgr: RegExpExecArray): void {
  const code = sgr[1] ? parseInt(sgr[1].split(';')[0] as string) : 0;
  if ((code >= 30 && code <= 39) || (code >= 90 && code <= 97)) {
    state.lastForegroundAdded = sgr[0];
    return;
  }
  if ((code >= 40 && code <= 49) || (code >= 100 && code <= 107)) {
    state.lastBackgroundAdded = sgr[0];
    return;
  }
  if (code === 0) {
    for (const k of Object.keys(state)) delete state[k];
    return;
  }
  const info = SGR_NAMES[sgr[0]];
  if (info) state[info.set] = info.to;
}

function readState(line: string): SgrState {
  const re = SGR_CAPTURE();
  const state: SgrState = {};
  for (let m = re.exec(line); m !== null; m = re.exec(line)) updateState(state, m);
  return state;
}

function unwindState(state: SgrState, ret: string): string {
  const { lastBackgroundAdded: bg, lastForegroundAdded: fg } = state;
  delete state.lastBackgroundAdded;
  delete state.lastForegroundAdded;
  for (const key of Object.keys(state)) if (state[key]) ret += SGR_CODES[key]?.off ?? '';
  if (bg && bg !== '\u001b[49m') ret += '\u001b[49m';
  if (fg && fg !== '\u001b[39m') ret += '\u001b[39m';
  return ret;
}

function rewindState(state: SgrState, ret: string): string {
  const { lastBackgroundAdded: bg, lastForegroundAdded: fg } = state;
  delete state.lastBackgroundAdded;
  delete state.lastForegroundAdded;
  for (const key of Object.keys(state)) if (state[key]) ret = (SGR_CODES[key]?.on ?? '') + ret;
  if (bg && bg !== '\u001b[49m') ret = `${bg as string}${ret}`;
  if (fg && fg !== '\u001b[39m') ret = `${fg as string}${ret}`;
  return ret;
}

/** Each line closes the colours it opened and reopens those the line before left open. */
function colorizeLines(input: readonly string[]): string[] {
  let state: SgrState = {};
  return input.map((l) => {
    const line = rewindState(state, l);
    state = readState(line);
    return unwindState({ ...state }, line);
  });
}

function truncateWidth(str: string, desired: number): string {
  if (str.length === strlen(str)) return str.substring(0, desired);
  while (strlen(str) > desired) str = str.slice(0, -1);
  return str;
}

function truncateWidthWithAnsi(str: string, desired: number): string {
  const re = SGR_CAPTURE();
  const split = str.split(SGR);
  let splitIndex = 0;
  let retLen = 0;
  let ret = '';
  const state: SgrState = {};
  while (retLen < desired) {
    const m = re.exec(str);
    let toAdd = split[splitIndex] as string;
    splitIndex++;
    if (retLen + strlen(toAdd) > desired) toAdd = truncateWidth(toAdd, desired - retLen);
    ret += toAdd;
    retLen += strlen(toAdd);
    if (retLen < desired) {
      // A wide character that does not fit leaves a column no text can fill.
      if (!m) break;
      ret += m[0];
      updateState(state, m);
    }
  }
  return unwindState(state, ret);
}

const HREF_END = '\u001b]8;;\u0007';

function truncate(str: string, desired: number): string {
  if (strlen(str) <= desired) return str;
  const ret = `${truncateWidthWithAnsi(str, desired - 1)}…`;
  return str.includes(HREF_END) && !ret.includes(HREF_END) ? ret + HREF_END : ret;
}

function wordWrap(maxLength: number, input: string): string[] {
  const lines: string[] = [];
  const split = input.split(/(\s+)/g);
  let line: string[] = [];
  let lineLength = 0;
  let whitespace: string | undefined;
  for (let i = 0; i < split.length; i += 2) {
    const word = split[i] as string;
    let newLength = lineLength + strlen(word);
    if (lineLength > 0 && whitespace) newLength += whitespace.length;
    if (newLength > maxLength) {
      if (lineLength !== 0) lines.push(line.join(''));
      line = [word];
      lineLength = strlen(word);
    } else {
      line.push(whitespace || '', word);
      lineLength = newLength;
    }
    whitespace = split[i + 1];
  }
  if (lineLength) lines.push(line.join(''));
  return lines;
}

function multiLineWordWrap(maxLength: number, input: string): string[] {
  return input.split('\n').flatMap((line) => wordWrap(maxLength, line));
}

/**
 * A rule's JavaScript regex rewritten as a ripgrep (Rust, bytes-mode) regex that matches a
 * SUPERSET of the files the JavaScript regex matches: ripgrep only screens files, and a
 * file it passes over is never read, so it must never miss one.
 *
 * The rewrite works on the raw bytes a file holds, not on the text JavaScript decodes from
 * them, which is what makes it independent of Unicode details (encodings, invalid UTF-8,
 * surrogate pairs, Unicode `\s` and case folding):
 *
 * - An ASCII character in the decoded text is always the same single byte in the file, and
 *   every non-ASCII character (including U+FFFD for an invalid sequence) comes from one or
 *   more bytes ≥ 0x80. So each character-matching atom becomes "one of the ASCII bytes it
 *   matches" (found by asking JavaScript itself, flags included) or, when it can match any
 *   non-ASCII character, "a run of bytes ≥ 0x80". Without the u flag two atoms may each
 *   match one half of a surrogate pair: its four bytes split between their two runs.
 * - Assertions (`^ $ \b \B`, lookaround) only ever reject matches: they are dropped.
 * - A backreference matches some earlier text: it becomes "any bytes".
 * - Groups lose their names and captures; quantifiers keep their counts.
 *
 * Whatever the rewrite does not know (the v flag, inline modifiers, a parse it cannot
 * follow) yields undefined: that rule gets no prefilter and all its files are read.
 */
import { type AST, RegExpParser } from '@eslint-community/regexpp';

class Unsupported extends Error {}

const HIGH_RUN = '[\\x80-\\xFF]+';
const ANY_BYTES = '[\\x00-\\xFF]*';

/** The pattern ripgrep runs (with -U, since JavaScript matches may span lines), or undefined. */
export function rgPattern(source: string, flags: string): string | undefined {
  if (flags.includes('v')) return undefined;
  const unicode = flags.includes('u');
  let ast: AST.Pattern;
  try {
    ast = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(source, 0, source.length, { unicode });
  } catch {
    return undefined;
  }
  const ctx: Ctx = {
    ignoreCase: flags.includes('i'),
    unicode,
    // The flags that change what one atom matches; g, m, y and d do not.
    testFlags: [...'ius'].filter((f) => flags.includes(f)).join(''),
  };
  try {
    const inner = alternatives(ast.alternatives, ctx);
    // With its assertions dropped a pattern may match empty text (`^(?=.*password)` becomes
    // `^`): every file is then a hit. No prefilter is the same, without making rg say so
    // for every file of the tree, the files of the rules that do screen included.
    if (matchesEmpty(inner)) return undefined;
    return `(?-u:${inner})`;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** Whether the rewrite matches empty text; its syntax is also JavaScript's, bar what rg alone reads. */
function matchesEmpty(rewrite: string): boolean {
  try {
    return new RegExp(`^(?:${rewrite})$`).test('');
  } catch {
    return false;
  }
}

/** Matches a NUL byte anywhere: such a file may be binary, so it is read to find out. */
export const NUL_PATTERN = '(?-u:\\x00)';

interface Ctx {
  ignoreCase: boolean;
  unicode: boolean;
  testFlags: string;
}

function alternatives(alts: AST.Alternative[], ctx: Ctx): string {
  return alts.map((a) => a.elements.map((e) => element(e, ctx)).join('')).join('|');
}

function element(e: AST.Element, ctx: Ctx): string {
  switch (e.type) {
    case 'Assertion':
      return '';
    case 'Group':
      // An inline modifier such as (?i:…) changes what the atoms inside match.
      if (e.modifiers) throw new Unsupported();
      return `(?:${alternatives(e.alternatives, ctx)})`;
    case 'CapturingGroup':
      return `(?:${alternatives(e.alternatives, ctx)})`;
    case 'Quantifier': {
      const inner = element(e.element, ctx);
      if (inner === '') return '';
      const max = e.max === Infinity ? '' : String(e.max);
      return `(?:${inner}){${e.min},${max}}`;
    }
    case 'Backreference':
      return ANY_BYTES;
    case 'Character':
    case 'CharacterSet':
    case 'CharacterClass':
      return atom(e, ctx);
    case 'ExpressionCharacterClass':
      throw new Unsupported();
  }
}

type Atom = AST.Character | AST.CharacterSet | AST.CharacterClass;

function atom(a: Atom, ctx: Ctx): string {
  // A non-ASCII literal is its own UTF-8 bytes, unless case folding or decoding could
  // make other characters match it (U+FFFD also stands for invalid bytes).
  if (
    a.type === 'Character' &&
    a.value >= 0x80 &&
    !ctx.ignoreCase &&
    a.value !== 0xfffd &&
    !(a.value >= 0xd800 && a.value <= 0xdfff)
  ) {
    return `(?:${[...Buffer.from(String.fromCodePoint(a.value), 'utf8')].map(hex).join('')})`;
  }
  if (a.type === 'Character' && a.value < 0x80 && !ctx.ignoreCase) return hex(a.value);
  const parts: string[] = [];
  const ascii = asciiClass(a, ctx);
  if (ascii) parts.push(ascii);
  if (nonAscii(a, ctx)) parts.push(HIGH_RUN);
  // An atom that matches nothing (such as []): rare enough not to model.
  if (parts.length === 0) throw new Unsupported();
  return parts.length === 1 ? (parts[0] as string) : `(?:${parts.join('|')})`;
}

/** The ASCII characters the atom matches, asked of JavaScript itself with the rule's flags. */
function asciiClass(a: Atom, ctx: Ctx): string | undefined {
  const key = `${ctx.testFlags}/${a.raw}`;
  if (asciiCache.has(key)) return asciiCache.get(key);
  const out = asciiClassOf(a, ctx);
  asciiCache.set(key, out);
  return out;
}

const asciiCache = new Map<string, string | undefined>();

function asciiClassOf(a: Atom, ctx: Ctx): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${a.raw})$`, ctx.testFlags);
  } catch {
    throw new Unsupported();
  }
  const ranges: [number, number][] = [];
  for (let c = 0; c < 0x80; c++) {
    if (!re.test(String.fromCharCode(c))) continue;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else ranges.push([c, c]);
  }
  if (ranges.length === 0) return undefined;
  const [only] = ranges;
  if (ranges.length === 1 && only && only[0] === only[1]) return hex(only[0]);
  return `[${ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('')}]`;
}

function hex(n: number): string {
  return `\\x${n.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Whether the atom may match a character ≥ U+0080 (true when unsure). */
function nonAscii(a: Atom | AST.CharacterClassElement, ctx: Ctx): boolean {
  // With u and i, ASCII letters fold together with non-ASCII ones (k with U+212A, s with
  // U+017F): any letter is then taken to match non-ASCII too.
  switch (a.type) {
    case 'Character':
      return a.value >= 0x80 || (ctx.ignoreCase && ctx.unicode && /[a-z]/i.test(String.fromCharCode(a.value)));
    case 'CharacterClassRange':
      return a.max.value >= 0x80 || letterIn(a, ctx);
    case 'CharacterSet':
      if (a.kind === 'any' || a.kind === 'space' || a.kind === 'property') return true;
      if (a.negate) return true;
      return a.kind === 'word' && ctx.ignoreCase && ctx.unicode;
    case 'CharacterClass':
      if (a.negate || a.unicodeSets) return true;
      return a.elements.some((x) => nonAscii(x, ctx));
    default:
      return true;
  }
}

function letterIn(r: AST.CharacterClassRange, ctx: Ctx): boolean {
  if (!(ctx.ignoreCase && ctx.unicode)) return false;
  return overlaps(r.min.value, r.max.value, 0x41, 0x5a) || overlaps(r.min.value, r.max.value, 0x61, 0x7a);
}

function overlaps(lo: number, hi: number, a: number, b: number): boolean {
  return lo <= b && hi >= a;
}

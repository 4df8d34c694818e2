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
 * The rewrite never matches a newline, so rg searches line by line. A JavaScript match may
 * span lines (`\s*`, `[^)]*`); rg's multiline mode would follow it, but on a long line with
 * many matches (a minified bundle) rg 13 takes seconds per megabyte there, whatever it is
 * asked to print. So a match is caught by one of its lines instead: a match without a
 * newline is the rewrite with the newline taken out of every atom (`F` below); a match with
 * one has a first line, which ends with what the match holds up to its first newline (`H`,
 * followed by `$`), and a last line, which starts with what follows its last newline (`T`,
 * after `^`). Any one of them is enough to screen the file; which one is used is chosen per
 * top-level alternative, for the most required bytes (`^\s*except\s*:` is screened by
 * lines starting `except…:` or `:`, not by every line that ends in blanks).
 *
 * Whatever the rewrite does not know (the v flag, inline modifiers, a parse it cannot
 * follow) yields undefined: that rule gets no prefilter and all its files are read.
 */
import { type AST, RegExpParser } from '@eslint-community/regexpp';

class Unsupported extends Error {}

/** A rewritten piece and how many bytes a match of it must hold that are known in advance. */
interface Re {
  src: string;
  fixed: number;
}

/**
 * One element rewritten for line-by-line search: `f` matches what the element matches
 * without a newline; `h` what it matches up to its first newline, `t` after its last one
 * (both null when it cannot match a newline). null in `f` means it always holds one.
 */
interface Piece {
  f: Re | null;
  h: Re | null;
  t: Re | null;
}

const EMPTY: Re = { src: '', fixed: 0 };
const NOTHING: Piece = { f: EMPTY, h: null, t: null };
const HIGH_RUN: Re = { src: '[\\x80-\\xFF]+', fixed: 0 };
/** Any bytes but a newline. */
const LINE_BYTES: Re = { src: '[\\x00-\\x09\\x0B-\\xFF]*', fixed: 0 };
const NEWLINE = 0x0a;

/** The pattern ripgrep runs (line by line: it never matches a newline), or undefined. */
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
    const lines = ast.alternatives.flatMap((a) => lineForms(a.elements.map((e) => element(e, ctx))));
    if (lines.length === 0) return undefined;
    const inner = lines.join('|');
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

/**
 * The line patterns that together catch every match of one top-level alternative: its
 * newline-free form, then for each element that can hold a newline either the first line
 * of a match whose first newline is there or the last line of a match whose last one is.
 * A match's first newline is at or before its last, so taking first lines up to some
 * element and last lines from it on catches them all; the cut with the most fixed bytes in
 * its weakest pattern wins.
 */
function lineForms(parts: Piece[]): string[] {
  const before: (Re | null)[] = [EMPTY];
  for (const p of parts) before.push(cat(before[before.length - 1] ?? null, p.f));
  const after: (Re | null)[] = [EMPTY];
  for (let i = parts.length - 1; i >= 0; i--) after.unshift(cat(parts[i]?.f ?? null, after[0] ?? null));
  const first: (Re | null)[] = parts.map((p, i) => (p.h ? cat(before[i] ?? null, p.h) : null));
  const last: (Re | null)[] = parts.map((p, i) => (p.t ? cat(p.t, after[i + 1] ?? null) : null));
  const whole = before[parts.length] ?? null;
  let best: Re[] = [];
  let bestScore = -1;
  for (let cut = 0; cut <= parts.length; cut++) {
    if (cut < parts.length && !parts[cut]?.h) continue;
    const chosen: Re[] = [];
    if (whole) chosen.push(whole);
    for (let i = 0; i < parts.length; i++) {
      const r = i < cut ? first[i] : last[i];
      // A line that holds the whole match is caught by the newline-free form already.
      if (!r || r.src === whole?.src) continue;
      chosen.push(i < cut ? { src: `${r.src}$`, fixed: r.fixed } : { src: `^${r.src}`, fixed: r.fixed });
    }
    const score = chosen.length ? Math.min(...chosen.map((r) => r.fixed)) : 0;
    if (score > bestScore) {
      bestScore = score;
      best = chosen;
    }
  }
  return best.map((r) => r.src);
}

function cat(a: Re | null, b: Re | null): Re | null {
  return a && b ? { src: a.src + b.src, fixed: a.fixed + b.fixed } : null;
}

/** Either of the pieces; null when none can match. */
function either(rs: (Re | null)[]): Re | null {
  const some = rs.filter((r): r is Re => r !== null);
  if (some.length === 0) return null;
  if (some.length === 1) return some[0] as Re;
  const full = some.filter((r) => r.src !== '');
  const src = `(?:${full.map((r) => r.src).join('|')})`;
  // An empty alternative is written as an optional group: rg and JavaScript both read that.
  return { src: full.length < some.length ? `${src}?` : src, fixed: Math.min(...some.map((r) => r.fixed)) };
}

function repeat(r: Re, min: number, max: number): Re {
  if (r.src === '' || max === 0) return EMPTY;
  if (min === 1 && max === 1) return r;
  return { src: `(?:${r.src}){${min},${max === Infinity ? '' : max}}`, fixed: r.fixed * min };
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

function alternatives(alts: AST.Alternative[], ctx: Ctx): Piece {
  const seqs = alts.map((a) => sequence(a.elements.map((e) => element(e, ctx))));
  return { f: either(seqs.map((s) => s.f)), h: either(seqs.map((s) => s.h)), t: either(seqs.map((s) => s.t)) };
}

/** A match of a sequence has its first newline in one element, all before it on one line. */
function sequence(parts: Piece[]): Piece {
  let f: Re | null = EMPTY;
  const h: (Re | null)[] = [];
  for (const p of parts) {
    if (p.h) h.push(cat(f, p.h));
    f = cat(f, p.f);
  }
  let tail: Re | null = EMPTY;
  const t: (Re | null)[] = [];
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i] as Piece;
    if (p.t) t.push(cat(p.t, tail));
    tail = cat(p.f, tail);
  }
  return { f, h: either(h), t: either(t) };
}

function element(e: AST.Element, ctx: Ctx): Piece {
  switch (e.type) {
    case 'Assertion':
      return NOTHING;
    case 'Group':
      // An inline modifier such as (?i:…) changes what the atoms inside match.
      if (e.modifiers) throw new Unsupported();
      return alternatives(e.alternatives, ctx);
    case 'CapturingGroup':
      return alternatives(e.alternatives, ctx);
    case 'Quantifier': {
      const inner = element(e.element, ctx);
      if (e.max === 0) return NOTHING;
      // The first newline is in some round, the rounds before it on one line; the same for the last.
      const rounds = inner.f ? repeat(inner.f, 0, e.max - 1) : EMPTY;
      return {
        f: inner.f ? repeat(inner.f, e.min, e.max) : e.min === 0 ? EMPTY : null,
        h: inner.h ? cat(rounds, inner.h) : null,
        t: inner.t ? cat(inner.t, rounds) : null,
      };
    }
    case 'Backreference':
      // Any text matched earlier, newlines included.
      return { f: LINE_BYTES, h: LINE_BYTES, t: LINE_BYTES };
    case 'Character':
    case 'CharacterSet':
    case 'CharacterClass':
      return atom(e, ctx);
    case 'ExpressionCharacterClass':
      throw new Unsupported();
  }
}

type Atom = AST.Character | AST.CharacterSet | AST.CharacterClass;

function atom(a: Atom, ctx: Ctx): Piece {
  // A non-ASCII literal is its own UTF-8 bytes, unless case folding or decoding could
  // make other characters match it (U+FFFD also stands for invalid bytes).
  if (
    a.type === 'Character' &&
    a.value >= 0x80 &&
    !ctx.ignoreCase &&
    a.value !== 0xfffd &&
    !(a.value >= 0xd800 && a.value <= 0xdfff)
  ) {
    const utf8 = [...Buffer.from(String.fromCodePoint(a.value), 'utf8')];
    return { f: { src: `(?:${utf8.map(hex).join('')})`, fixed: utf8.length }, h: null, t: null };
  }
  if (a.type === 'Character' && a.value < 0x80 && !ctx.ignoreCase) {
    if (a.value === NEWLINE) return { f: null, h: EMPTY, t: EMPTY };
    return { f: { src: hex(a.value), fixed: 1 }, h: null, t: null };
  }
  const ascii = asciiClass(a, ctx);
  const parts: Re[] = [];
  if (ascii.line) parts.push(ascii.line);
  if (nonAscii(a, ctx)) parts.push(HIGH_RUN);
  // An atom that matches nothing (such as []): rare enough not to model.
  if (parts.length === 0 && !ascii.newline) throw new Unsupported();
  const f = parts.length === 0 ? null : parts.length === 1 ? (parts[0] as Re) : either(parts);
  return ascii.newline ? { f, h: EMPTY, t: EMPTY } : { f, h: null, t: null };
}

/** The ASCII bytes an atom matches: as a class without the newline, and whether it matches one. */
interface AsciiClass {
  line: Re | null;
  newline: boolean;
}

/** The ASCII characters the atom matches, asked of JavaScript itself with the rule's flags. */
function asciiClass(a: Atom, ctx: Ctx): AsciiClass {
  const key = `${ctx.testFlags}/${a.raw}`;
  let out = asciiCache.get(key);
  if (!out) asciiCache.set(key, (out = asciiClassOf(a, ctx)));
  return out;
}

const asciiCache = new Map<string, AsciiClass>();

function asciiClassOf(a: Atom, ctx: Ctx): AsciiClass {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${a.raw})$`, ctx.testFlags);
  } catch {
    throw new Unsupported();
  }
  const ranges: [number, number][] = [];
  let size = 0;
  for (let c = 0; c < 0x80; c++) {
    if (c === NEWLINE || !re.test(String.fromCharCode(c))) continue;
    size++;
    const last = ranges[ranges.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else ranges.push([c, c]);
  }
  const newline = re.test('\n');
  if (ranges.length === 0) return { line: null, newline };
  const [only] = ranges;
  // A letter in either case is as telling as one byte.
  const fixed = size <= 2 ? 1 : 0;
  if (ranges.length === 1 && only && only[0] === only[1]) return { line: { src: hex(only[0]), fixed }, newline };
  const src = `[${ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('')}]`;
  return { line: { src, fixed }, newline };
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

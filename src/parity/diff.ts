/**
 * The parity definition of an RFC (wave3 §7.2) applied to two parsed JSON documents: same
 * field set at every level, same value types (an int stays an int: `1` and `1.0` differ),
 * same key order, floats equal to N significant digits, keys matching the mask removed
 * first. Every difference is reported, each with its JSON path, not just the first.
 */
import { type JsonEntry, type JsonValue, render } from './parse.js';

export const DIFFERENCE_KINDS = [
  'missing_field',
  'extra_field',
  'type_changed',
  'order_changed',
  'value_changed',
  'float_beyond_precision',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  /** JSONPath of the field, e.g. `$.agents[0].score`. */
  path: string;
  kind: DifferenceKind;
  /** The golden side, as JSON text (numbers exactly as written); absent for an extra field. */
  expected?: string;
  /** The compared side; absent for a missing field. */
  actual?: string;
}

export interface ParityRules {
  /** Floats are equal when they agree to this many significant digits. */
  significantDigits: number;
  /** Keys whose whole name matches are removed before comparison, at every level. */
  mask?: RegExp;
}

/** Compiles a mask as a whole-name match: `.*_at` masks `created_at`, not `last_attempt`. */
export function compileMask(source: string): RegExp {
  return new RegExp(wrapped(source), 'u');
}

const wrapped = (source: string): string => `^(?:${source})$`;

/**
 * Why a mask does not compile, or undefined when it does. The engine's message quotes the
 * anchored expression compileMask builds (`/^(?:([)$/u: …`), which is not what the user
 * wrote: only the reason is kept, so the caller can name the pattern as given.
 */
export function maskProblem(source: string): string | undefined {
  try {
    compileMask(source);
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const quoted = `Invalid regular expression: /${wrapped(source)}/u: `;
    return message.startsWith(quoted) ? message.slice(quoted.length).toLowerCase() : message;
  }
}

export function diffJson(golden: JsonValue, actual: JsonValue, rules: ParityRules): Difference[] {
  const out: Difference[] = [];
  walk(golden, actual, '$', rules, out);
  return out;
}

function walk(g: JsonValue, a: JsonValue, path: string, rules: ParityRules, out: Difference[]): void {
  if (g.kind !== a.kind) {
    out.push({ path, kind: 'type_changed', expected: summary(g), actual: summary(a) });
    return;
  }
  switch (g.kind) {
    case 'object':
      return objects(g.entries, (a as typeof g).entries, path, rules, out);
    case 'array': {
      const items = (a as typeof g).items;
      const n = Math.max(g.items.length, items.length);
      for (let i = 0; i < n; i++) {
        const gi = g.items[i];
        const ai = items[i];
        const p = `${path}[${i}]`;
        if (gi && ai) walk(gi, ai, p, rules, out);
        else if (gi) out.push({ path: p, kind: 'missing_field', expected: summary(gi) });
        else if (ai) out.push({ path: p, kind: 'extra_field', actual: summary(ai) });
      }
      return;
    }
    case 'float': {
      const b = a as typeof g;
      const equal =
        beyondDouble(g.raw, g.value) || beyondDouble(b.raw, b.value)
          ? decimalPrinted(g.raw, rules.significantDigits) === decimalPrinted(b.raw, rules.significantDigits)
          : floatsEqual(g.value, b.value, rules.significantDigits);
      if (!equal) {
        out.push({ path, kind: 'float_beyond_precision', expected: g.raw, actual: b.raw });
      }
      return;
    }
    case 'int': {
      const b = a as typeof g;
      // BigInt: an id beyond 2^53 must not compare equal to its neighbour.
      if (BigInt(g.raw) !== BigInt(b.raw)) out.push({ path, kind: 'value_changed', expected: g.raw, actual: b.raw });
      return;
    }
    case 'string': {
      const b = a as typeof g;
      if (g.value === b.value) return;
      const shown = lookAlike(g.value, b.value) ? escapedJson : JSON.stringify;
      out.push({ path, kind: 'value_changed', expected: shown(g.value), actual: shown(b.value) });
      return;
    }
    case 'bool': {
      const b = a as typeof g;
      if (g.value !== b.value) out.push({ path, kind: 'value_changed', expected: render(g), actual: render(b) });
      return;
    }
    case 'null':
      return;
  }
}

function objects(gAll: JsonEntry[], aAll: JsonEntry[], path: string, rules: ParityRules, out: Difference[]): void {
  const keep = (e: JsonEntry) => !rules.mask?.test(e.key);
  const g = firstOf(gAll.filter(keep));
  const a = firstOf(aAll.filter(keep));
  const missing = [...g.keys()].filter((k) => !a.has(k));
  const extra = [...a.keys()].filter((k) => !g.has(k));
  // A missing key and an extra one that read alike are named with their code points. Each
  // side's keys are read once into a set: matching every missing key against every extra
  // one took minutes on a map keyed by ids that differ between two takes.
  const missingRead = new Set(missing.map(readAs));
  const extraRead = new Set(extra.map(readAs));
  const named = (key: string, others: ReadonlySet<string>) =>
    others.has(readAs(key)) ? `${path}[${escapedJson(key)}]` : child(path, key);
  for (const key of missing) {
    out.push({ path: named(key, extraRead), kind: 'missing_field', expected: summary(g.get(key) as JsonValue) });
  }
  for (const key of extra) {
    out.push({ path: named(key, missingRead), kind: 'extra_field', actual: summary(a.get(key) as JsonValue) });
  }
  const gOrder = [...g.keys()].filter((k) => a.has(k));
  const aOrder = [...a.keys()].filter((k) => g.has(k));
  if (gOrder.some((k, i) => aOrder[i] !== k)) {
    out.push({ path, kind: 'order_changed', expected: keyList(gOrder), actual: keyList(aOrder) });
  }
  for (const [key, value] of g) {
    const other = a.get(key);
    if (other) walk(value, other, child(path, key), rules, out);
  }
}

/** Entries by key in file order; a repeated key keeps its first value, as the golden capture's reader would see one. */
function firstOf(entries: JsonEntry[]): Map<string, JsonValue> {
  const m = new Map<string, JsonValue>();
  for (const e of entries) if (!m.has(e.key)) m.set(e.key, e.value);
  return m;
}

/**
 * Equal to `digits` significant digits: both values print the same with that many
 * (C's `%.{digits}g`, Python's `f"{x:.{digits}g}"`, which is how golden tests are written).
 * -0.0 and 0.0 are equal although printf signs one: §7.2 compares numbers, and they are
 * one number to every JSON reader.
 */
export function floatsEqual(x: number, y: number, digits: number): boolean {
  if (x === y) return true;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  return printed(x, digits) === printed(y, digits);
}

/**
 * The digits and exponent `%.{digits}g` prints for a finite double. printf rounds the
 * double's exact binary value, a tie to even (123456789012.5 → 123456789012), where
 * Number.prototype.toPrecision rounds a tie up (→ 123456789013): on a value exactly
 * halfway, the two would disagree on which floats are equal.
 */
function printed(x: number, digits: number): string {
  if (x === 0) return '0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // x = mantissa × 2^exp exactly; as a decimal, mantissa × 5^-exp × 10^exp when exp < 0.
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exp = (biased === 0 ? 1 : biased) - 1075;
  let text = exp >= 0 ? String(mantissa << BigInt(exp)) : String(mantissa * 5n ** BigInt(-exp));
  let power = exp >= 0 ? 0 : exp;
  if (text.length > digits) {
    const rest = text.slice(digits);
    let kept = BigInt(text.slice(0, digits));
    const half = rest[0] === '5' && /^50*$/.test(rest);
    if (rest[0] !== undefined && (rest[0] > '5' || (rest[0] === '5' && !half) || (half && kept % 2n === 1n))) kept++;
    power += rest.length;
    text = String(kept);
  }
  const trimmed = text.replace(/0+$/, '');
  return `${sign}${trimmed}e${power + text.length - trimmed.length}`;
}

/**
 * A number written beyond what a double holds: 1e400 reads as Infinity and 1e-400 as 0, so
 * 1e400 and 2e400 (or 1e-400 and 0.0) would be one value to the double comparison.
 */
function beyondDouble(raw: string, value: number): boolean {
  return !Number.isFinite(value) || (value === 0 && /[1-9]/.test(raw.replace(/[eE].*$/, '')));
}

/** Keeps `digits` significant digits of a decimal digit string, a tie to even, as printed() does. */
function roundDigits(text: string, digits: number): { text: string; dropped: number } {
  if (text.length <= digits) return { text, dropped: 0 };
  const rest = text.slice(digits);
  let kept = BigInt(text.slice(0, digits));
  const half = /^50*$/.test(rest);
  if (rest[0] !== undefined && (rest[0] > '5' || (rest[0] === '5' && !half) || (half && kept % 2n === 1n))) kept++;
  return { text: String(kept), dropped: rest.length };
}

/** `%.{digits}g` of a number as written, in decimal: for numbers a double cannot hold. */
function decimalPrinted(raw: string, digits: number): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m) return raw;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  const all = `${whole}${fraction}`.replace(/^0+/, '');
  if (!all) return '0';
  const core = all.replace(/0+$/, '');
  // The value is core × 10^power.
  let power = BigInt(exponent) - BigInt(fraction.length) + BigInt(all.length - core.length);
  const rounded = roundDigits(core, digits);
  power += BigInt(rounded.dropped);
  const trimmed = rounded.text.replace(/0+$/, '');
  power += BigInt(rounded.text.length - trimmed.length);
  return `${sign}${trimmed}e${power}`;
}

/**
 * Whether two different strings read the same: equal once in one Unicode normal form
 * (`café` composed, or `cafe` and a combining accent; a no-break space and a space) and
 * without invisible characters (a zero-width space). Both are printed by code point then,
 * or the report showed `"café" → "café"`, a difference no one could see.
 */
function lookAlike(x: string, y: string): boolean {
  return readAs(x) === readAs(y);
}

/** A string as a reader sees it: in one normal form, without invisible characters. */
function readAs(s: string): string {
  return s.replace(/\p{Default_Ignorable_Code_Point}/gu, '').normalize('NFKC');
}

/** JSON text with every character outside printable ASCII escaped: `"cafe\u0301"`. */
function escapedJson(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A key written dotted in a JSONPath (RFC 9535's member-name shorthand, ASCII only here). No
 * `$`: a JavaScript identifier may hold one, but in a JSONPath `$` is the root, so `$.$ref`
 * was no path a JSONPath reader takes, and `$.$` read as the root twice.
 */
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function child(path: string, key: string): string {
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function keyList(keys: string[]): string {
  return `[${keys.map((k) => JSON.stringify(k)).join(', ')}]`;
}

const MAX = 80;

/** A value for a report: leaves as written, containers cut short (the files hold the rest). */
function summary(v: JsonValue): string {
  const text = render(v);
  if (text.length <= MAX) return text;
  const chars = Array.from(text);
  return chars.length <= MAX ? text : `${chars.slice(0, MAX - 1).join('')}…`;
}

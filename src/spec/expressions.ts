/**
 * Conditions are CEL (the Common Expression Language of Kubernetes admission policies
 * and IAM conditions): safe, side-effect free and type-checked. Each expression is
 * parsed and checked once at load, against the declared measurements and the gate's params.
 */
import { type ASTNode, Environment } from '@marcbachmann/cel-js';
import type { MeasuredValue } from '../sources/types.js';
import type { ValueType } from './types.js';
import { visible } from '../formatters/visible.js';
import { regexMistake } from '../util/escape-regex.js';
import { ranOutOfStack } from '../util/stack.js';

const CEL_TYPE: Record<ValueType, string> = {
  double: 'double',
  int: 'int',
  bool: 'bool',
  string: 'string',
  timestamp: 'google.protobuf.Timestamp',
};

export interface CompiledExpression {
  source: string;
  /** Measurement ids and params the expression reads. */
  identifiers: string[];
  resultType: string;
  /**
   * The value, refusing a double that is not finite on the way: CEL's double arithmetic is
   * IEEE's, so `errors / requests` over two measured zeros is NaN, and NaN > 0.05 is false:
   * the gate would pass on a ratio nothing measured. Thrown as an int division by zero is.
   */
  evaluate(vars: Record<string, unknown>): unknown;
  /** The value as CEL gives it, NaN and infinities included: for evidence that says so itself. */
  evaluateAsIs(vars: Record<string, unknown>): unknown;
}

export interface ExpressionError {
  message: string;
  /** Offset inside the expression text where the problem is. */
  offset: number;
}

/** `invalid` ids were already reported; they are declared `dyn` so expressions using them are not reported twice. */
export function baseEnvironment(
  measurements: Iterable<{ id: string; type: ValueType }>,
  invalid: Iterable<string> = [],
): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: false });
  const declared = new Set<string>();
  for (const m of measurements) {
    env.registerVariable(m.id, CEL_TYPE[m.type]);
    declared.add(m.id);
  }
  for (const id of invalid) {
    if (!declared.has(id) && /^[a-z_][a-z0-9_]*$/.test(id) && celNameClash(id) === undefined) {
      env.registerVariable(id, 'dyn');
    }
  }
  return env;
}

export function gateEnvironment(base: Environment, params: Record<string, number>, taken: Set<string>): Environment {
  const env = base.clone();
  for (const name of Object.keys(params)) {
    if (!taken.has(name) && celNameClash(name) === undefined) env.registerVariable(name, 'double');
  }
  return env;
}

const clashes = new Map<string, string | undefined>();

/**
 * Why `name` cannot be a measurement or a param in a condition, when it cannot: CEL has it
 * already (a type: `bytes`, `int`, `map`), reserves it (`while`, `__proto__`), or reads it as
 * a literal or an operator (`true`, `null`, `in`), so no condition could ever read the value.
 */
export function celNameClash(name: string): string | undefined {
  if (clashes.has(name)) return clashes.get(name);
  const env = new Environment({ unlistedVariablesAreDyn: false });
  let clash: string | undefined;
  try {
    env.registerVariable(name, 'double');
    const read = env.check(name);
    if (!read.valid || String(read.type) !== 'double') clash = 'a word CEL reads as its own (a literal or an operator)';
  } catch (e) {
    clash = /reserved/.test((e as Error).message)
      ? 'a word CEL reserves'
      : 'a name CEL already has (a type, or the namespace of one)';
  }
  clashes.set(name, clash);
  return clash;
}

export function compileExpression(env: Environment, source: string): CompiledExpression | ExpressionError {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(source);
  } catch (e) {
    return celError(e, source);
  }
  const checked = env.check(source);
  if (!checked.valid) return celError(checked.error, source);
  const badRegex = invalidRegexLiteral(parsed.ast);
  if (badRegex) return badRegex;
  const badLiteral = unreadableLiteral(env, parsed.ast, source);
  if (badLiteral) return badLiteral;
  const badHas = hasOnValue(parsed.ast, (name) => env.hasVariable(name));
  if (badHas) return badHas;
  const identifiers = [...collectIdentifiers(parsed.ast)].sort();
  let finite = true;
  guardArithmetic(parsed.ast, source, () => finite);
  return {
    source,
    identifiers,
    resultType: celTypeName(String(checked.type)),
    evaluate: (vars) => {
      finite = true;
      return parsed(vars);
    },
    evaluateAsIs: (vars) => {
      finite = false;
      try {
        return parsed(vars);
      } finally {
        finite = true;
      }
    },
  };
}

/** The nodes whose result is computed, not read: arithmetic and function calls (`double("NaN")`). */
const COMPUTING = new Set(['+', '-', '*', '/', '-_', 'call', 'rcall']);

/**
 * Makes each computing node of `ast` throw, while `enforce()` says so, when it yields a double
 * that is not finite, naming the part of `source` that did. Only the nodes evaluated throw, so
 * a guarded `n > 0.0 ? x / n : 0.0` is fine, and an error absorbed by `||` or `&&` as CEL
 * absorbs any error stays absorbed.
 */
function guardArithmetic(ast: ASTNode, source: string, enforce: () => boolean): void {
  type Node = ASTNode & {
    evaluate(ev: unknown, ast: unknown, ctx: unknown): unknown;
    meta: { evaluate: Node['evaluate']; alternate?: Node; macro?: Node };
  };
  for (const node of astNodes(ast)) {
    if (!COMPUTING.has(node.op)) continue;
    const n = node as Node;
    // As ASTNode's own evaluate dispatches (it replaces itself on its first call, so it is
    // not wrapped but followed), read at each call: the checker may set an alternate late.
    n.evaluate = function (ev, at, ctx) {
      const meta = n.meta;
      const value = meta.alternate
        ? meta.alternate.evaluate(ev, meta.alternate, ctx)
        : meta.macro
          ? meta.macro.evaluate(ev, meta.macro, ctx)
          : meta.evaluate.call(n, ev, at, ctx);
      if (typeof value === 'number' && !Number.isFinite(value) && enforce()) {
        throw new Error(notFinite(bracketed(source, n.start, n.end), value));
      }
      return value;
    };
  }
}

/**
 * The text of a node, its brackets balanced: the parser places a node at its first operand's
 * start, inside an opening bracket, and may end it past the matching one (`a - b) / c`).
 */
function bracketed(source: string, start: number, end: number): string {
  let from = start;
  let to = end;
  const depth = (text: string) => [...text].reduce((d, ch) => d + (ch === '(' ? 1 : ch === ')' ? -1 : 0), 0);
  for (let d = depth(source.slice(from, to)); d < 0 && from > 0; d = depth(source.slice(from, to))) {
    from = source.lastIndexOf('(', from - 1);
    if (from < 0) return source.slice(start, end).trim();
  }
  for (let d = depth(source.slice(from, to)); d > 0 && to < source.length; d = depth(source.slice(from, to))) {
    to = source.indexOf(')', to) + 1;
    if (to <= 0) return source.slice(start, end).trim();
  }
  return source.slice(from, to).trim();
}

function notFinite(part: string, value: number): string {
  const why = Number.isNaN(value)
    ? '0.0 / 0.0 gives it, as does any operation on a NaN or of infinity by infinity'
    : 'a division by zero gives it, or a result beyond a double';
  return `${part} is ${String(value)} (${why}), not a number a condition can judge: the measurements it reads cannot decide this gate`;
}

/**
 * Every name `source` reads that `env` does not declare. The checker stops at the first, so each
 * one it names is declared in turn (as dyn, in a copy) until the expression checks.
 */
export function unknownNames(env: Environment, source: string): string[] {
  const probe = env.clone();
  const out: string[] = [];
  for (;;) {
    const c = compileExpression(probe, source);
    const name = isExpressionError(c) ? unknownVariable(c) : undefined;
    if (name === undefined || out.includes(name)) return out;
    out.push(name);
    probe.registerVariable(name, 'dyn');
  }
}

/**
 * Whether `source` reads a name refused as CEL's own (celNameClash): the checker then reads
 * CEL's type or keyword there, and what it says of that repeats the problem said at the name.
 */
export function readsClashingName(env: Environment, source: string, refused: Iterable<string>): boolean {
  const names = new Set([...refused].filter((n) => celNameClash(n) !== undefined));
  if (names.size === 0) return false;
  try {
    return [...collectIdentifiers(env.parse(source).ast)].some((n) => names.has(n));
  } catch {
    return false;
  }
}

/** The name a checker error says nothing declares, when that is what it says. */
export function unknownVariable(e: ExpressionError): string | undefined {
  return /^Unknown variable: (\S+)/.exec(e.message)?.[1];
}

export function isExpressionError(x: CompiledExpression | ExpressionError): x is ExpressionError {
  return (x as CompiledExpression).evaluate === undefined;
}

function celError(e: unknown, source: string): ExpressionError {
  const err = e as { message?: string; range?: { start: number }; node?: { start?: number; pos?: number } };
  const said = celTypeName((err.message ?? String(e)).split('\n')[0] ?? 'invalid expression');
  const macro = macroOnScalar(said, err.node, source);
  if (macro) return macro;
  const offset =
    operatorOffset(err.node, source) ??
    methodOffset(err.node, source) ??
    err.range?.start ??
    err.node?.start ??
    err.node?.pos ??
    0;
  // The parser runs out of stack on thousands of terms or brackets, and says only that.
  if (ranOutOfStack(said)) {
    return {
      message: 'nested too deeply to read (thousands of terms or brackets); split it into smaller conditions',
      offset,
    };
  }
  // The lexer names one character of a word it cannot place (`d` of `and`), or a kind
  // (`NUMBER`): what was written there is what the writer will look for.
  const written = /^Unexpected/.test(said) ? writtenAt(source, offset) : undefined;
  const plain = written ? `unexpected ${written}` : plainTokens(said);
  return { message: `${plain}${hint(said, source, offset, written)}`, offset };
}

/** CEL's types by the names a condition writes them with: `timestamp`, not `google.protobuf.Timestamp`. */
function celTypeName(text: string): string {
  return text.replace(/google\.protobuf\.Timestamp/g, 'timestamp').replace(/google\.protobuf\.Duration/g, 'duration');
}

/** Operators written between their first two operands: `a + b`, `a && b`, `c ? x : y`, `xs[i]`. */
const INFIX = new Set(['!=', '==', 'in', '+', '-', '*', '/', '%', '<', '<=', '>', '>=', '&&', '||', '?:', '[]']);

/**
 * Where the operator of a mistyped infix node is written. The parser places such a node at its
 * left operand (`a.b + "x"` at `a`), though the mistake is the operator applied to the two sides:
 * it is found after the left operand, past the brackets, spaces and comments around the operands.
 */
function operatorOffset(node: unknown, source: string): number | undefined {
  const n = node as { op?: unknown; args?: unknown } | undefined;
  if (typeof n?.op !== 'string' || !INFIX.has(n.op) || !Array.isArray(n.args)) return undefined;
  const [left, right] = n.args as { start?: unknown; end?: unknown }[];
  if (typeof left?.end !== 'number' || typeof right?.start !== 'number') return undefined;
  let i = left.end;
  while (i < right.start) {
    if (source.startsWith('//', i)) {
      const eol = source.indexOf('\n', i);
      i = eol === -1 ? right.start : eol + 1;
    } else if (/[\s()]/.test(source[i] ?? '')) i++;
    else return i;
  }
  return undefined;
}

/**
 * The `//` comments of a CEL text, each from its `//` to the end of its line, read as the parser
 * in use reads them: not inside a string literal ('…', "…", '''…''', """…""", prefixed r or b
 * or not), where a backslash takes the next character with it, in a raw string too (the parser
 * does not end `r"\"` at its second quote). A literal the parser cannot close ends the search:
 * that is reported as a syntax error.
 */
export function lineComments(source: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '/' && source[i + 1] === '/') {
      const eol = source.indexOf('\n', i);
      const end = eol === -1 ? source.length : eol;
      out.push({ start: i, end });
      i = end;
    } else if (ch === '"' || ch === "'") {
      const close = source.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      let j = i + close.length;
      for (;;) {
        if (j >= source.length) return out;
        if (source[j] === '\\') j += 2;
        else if (source.startsWith(close, j)) break;
        else if (close.length === 1 && (source[j] === '\n' || source[j] === '\r')) return out;
        else j++;
      }
      i = j + close.length;
    } else i++;
  }
  return out;
}

/** Where the spaces and `//` comments starting at `i` end, and the closing brackets too when `brackets`. */
function pastSpace(source: string, i: number, brackets: boolean): number {
  for (;;) {
    if (source.startsWith('//', i)) {
      const eol = source.indexOf('\n', i);
      if (eol === -1) return source.length;
      i = eol + 1;
    } else if (/\s/.test(source[i] ?? '') || (brackets && source[i] === ')')) i++;
    else return i;
  }
}

/**
 * Where the name of a mistyped method call is written. The parser places `x.matches(1)` at its
 * receiver `x`, though the mistake is the method or its arguments. Between the receiver's end and
 * the name only the receiver's closing brackets, spaces, comments and one `.` can stand, so the
 * `.` found there is this call's, however many dots the receiver holds (a string, a chain).
 */
function methodOffset(node: unknown, source: string): number | undefined {
  const n = node as { op?: unknown; args?: unknown } | undefined;
  if (n?.op !== 'rcall' || !Array.isArray(n.args)) return undefined;
  const [name, receiver] = n.args as [unknown, { end?: unknown } | undefined];
  if (typeof name !== 'string' || typeof receiver?.end !== 'number') return undefined;
  const at = afterDot(source, receiver.end);
  return at !== undefined && source.startsWith(name, at) ? at : undefined;
}

/** Where the name called on a receiver ending at `end` starts: past its brackets, spaces, comments and `.`. */
function afterDot(source: string, end: number): number | undefined {
  const dot = pastSpace(source, end, true);
  return source[dot] === '.' ? pastSpace(source, dot + 1, false) : undefined;
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** A type as a spec's writer says it: `timestamp`, not CEL's protobuf name, and with the article it takes. */
const TYPE_WORDS: Record<string, string> = {
  'google.protobuf.Timestamp': 'a timestamp',
  'google.protobuf.Duration': 'a duration',
  null: 'null',
  int: 'an int',
  uint: 'a uint',
};

/**
 * A macro on a value that is not a list or a map (`verdict.exists(e, e == "x")` on a string).
 * The checker reports it at the receiver, in terms of comprehensions: it is said at the macro's
 * name, naming the receiver as written when it is short enough to read in one line.
 */
function macroOnScalar(said: string, node: unknown, source: string): ExpressionError | undefined {
  const type = /^Expression of type '([^']+)' cannot be range of a comprehension/.exec(said)?.[1];
  const n = node as { start?: unknown; end?: unknown } | undefined;
  if (type === undefined || typeof n?.start !== 'number' || typeof n.end !== 'number') return undefined;
  const at = afterDot(source, n.end);
  const name = at === undefined ? undefined : /^\w+/.exec(source.slice(at))?.[0];
  if (at === undefined || name === undefined || !MACROS.has(name)) return undefined;
  // A chain broken over lines reads as written on one: `verdict\n  .lowerAscii()` as `verdict.lowerAscii()`.
  const written = source
    .slice(n.start, n.end)
    .replace(/\s*\n\s*(?=\.)/g, '')
    .replace(/\s+/g, ' ');
  // A null receiver is the literal `null` as good as always, and "null is null" says nothing.
  const named = type !== 'null' && written.length <= 40 && !written.includes('//');
  const receiver = named ? written : 'its receiver';
  const what = TYPE_WORDS[type] ?? `a ${type}`;
  return { message: `${name}() ranges over a list or a map; ${receiver} is ${what}`, offset: at };
}

/** The name, number or string literal that starts at or spans `offset`, as written. */
function writtenAt(source: string, offset: number): string | undefined {
  const word = wordAt(source, offset);
  if (word) return `'${word}'`;
  const rest = source.slice(offset);
  const literal = /^(\d[\w.]*|"[^"]*"?|'[^']*'?)/.exec(rest)?.[1];
  if (!literal) return undefined;
  return /^\d/.test(literal) ? `'${literal}'` : literal;
}

/** The parser names a token by its kind (`Unexpected token: GT`); a person wrote the symbol. */
const TOKEN_TEXT: Record<string, string> = {
  PLUS: '+',
  MINUS: '-',
  MULTIPLY: '*',
  DIVIDE: '/',
  MODULO: '%',
  EQ: '==',
  NE: '!=',
  LT: '<',
  LE: '<=',
  GT: '>',
  GE: '>=',
  AND: '&&',
  OR: '||',
  NOT: '!',
  IN: 'in',
  LPAREN: '(',
  RPAREN: ')',
  LBRACKET: '[',
  RBRACKET: ']',
  LBRACE: '{',
  RBRACE: '}',
  DOT: '.',
  COMMA: ',',
  COLON: ':',
  QUESTION: '?',
};

const tokenText = (kind: string): string =>
  kind === 'EOF' ? 'the end of the expression' : `'${TOKEN_TEXT[kind] ?? kind.toLowerCase()}'`;

function plainTokens(message: string): string {
  const unexpected = /^Unexpected (?:token|character): (?:([A-Z]+)|'(.+)'|(.+))$/.exec(message);
  if (unexpected) {
    const [, kind, quoted, bare] = unexpected;
    if (kind === 'EOF') return 'the expression ends too early';
    return `unexpected ${kind && TOKEN_TEXT[kind] ? tokenText(kind) : `'${kind?.toLowerCase() ?? quoted ?? bare ?? ''}'`}`;
  }
  const expected = /^Expected ([A-Z]+), got ([A-Z]+)$/.exec(message);
  if (expected?.[1] && expected[2]) {
    return expected[2] === 'EOF'
      ? `expected ${tokenText(expected[1])}, but the expression ends`
      : `expected ${tokenText(expected[1])}, got ${tokenText(expected[2])}`;
  }
  return message;
}

const WORD_OPERATORS: Record<string, string> = { and: '&&', or: '||', not: '!' };

/**
 * What the writer most likely meant, for the mistakes other languages teach: SQL's `=`, `<>`,
 * `AND`, Python's `and`/`not`, JavaScript's `===`, a null check, an int beside a double.
 */
function hint(message: string, source: string, offset: number, written: string | undefined): string {
  const at = source.slice(offset, offset + 3);
  const before = source.slice(Math.max(0, offset - 2), offset);
  const word = wordAt(source, offset).toLowerCase();
  if (at.startsWith('=') && before.endsWith('==')) return ' (CEL compares with ==; there is no ===)';
  if (at.startsWith('=<') || at.startsWith('=>'))
    return ` (write ${at[1]}= for "${at[1] === '<' ? 'at most' : 'at least'}")`;
  if (at.startsWith('=') && !/[=!<>]$/.test(before) && at[1] !== '=')
    return ' (a single = is not an operator in CEL: compare with ==)';
  if (before.endsWith('<') && at.startsWith('>')) return ' (CEL writes "not equal" as !=)';
  const operator = WORD_OPERATORS[word];
  if (operator) return ` (CEL writes "${word}" as ${operator})`;
  // A value right after another: the operator between them is missing.
  if (written && /[\w.)\]"']\s+$/.test(source.slice(0, offset)))
    return ' (an operator such as &&, || or == is missing before it)';
  if (/overload.*\bnull\b/.test(message)) {
    return ' (a measurement is never null: a missing one halts the gate before its condition is evaluated, so there is nothing to compare with null)';
  }
  const overload = /no such overload: (\w+) (\S+) (\w+)/.exec(message);
  // `n in 3`: in looks for a value in a list or a map, whatever the types.
  if (overload?.[2] === 'in' && overload[3] !== 'list' && overload[3] !== 'map') {
    return ' (in asks whether a value is in a list or a map: write n in [1, 2, 3])';
  }
  const numbers = new Set(overload ? [overload[1], overload[3]] : []);
  if (numbers.has('timestamp') && numbers.has('string')) {
    return ' (a timestamp is not text: compare it with timestamp("2026-06-01T00:00:00Z"))';
  }
  if (numbers.has('timestamp') && (numbers.has('int') || numbers.has('double'))) {
    return ' (a timestamp is an instant, not a number: add or subtract a duration (t + duration("24h")), or compare it with timestamp("2026-06-01T00:00:00Z"))';
  }
  if (numbers.has('duration') && (numbers.has('int') || numbers.has('double'))) {
    return ' (a duration is not a number: write it as duration("24h"))';
  }
  if (numbers.has('int') && numbers.has('double')) {
    return ' (CEL does not mix int and double: write the literal in the type of the other side (3 is an int, 3.0 a double), or convert with double(x) or int(x))';
  }
  return '';
}

/** The word `offset` is in (or starts), or '' when it is in none. */
function wordAt(source: string, offset: number): string {
  let i = Math.min(offset, source.length);
  while (i > 0 && /\w/.test(source[i - 1] ?? '')) i--;
  return /^[A-Za-z_]\w*/.exec(source.slice(i))?.[0] ?? '';
}

/**
 * has() over a field of a measurement or a param, each a single value with no fields: the
 * checker lets it through and it is false, so `!has(m.x)` would fire on nothing measured.
 * A measurement is never missing in a condition either (a missing one halts the gate first).
 */
function hasOnValue(ast: ASTNode, declared: (name: string) => boolean): ExpressionError | undefined {
  for (const n of astNodes(ast)) {
    if (n.op !== 'call' || !Array.isArray(n.args) || n.args[0] !== 'has') continue;
    let operand = (n.args[1] as unknown[] | undefined)?.[0] as { op?: unknown; args?: unknown } | undefined;
    while (operand?.op === '.' && Array.isArray(operand.args)) operand = operand.args[0] as typeof operand;
    // A declared name, not a comprehension's variable (which may range over maps).
    if (operand?.op === 'id' && typeof operand.args === 'string' && declared(operand.args)) {
      return {
        message: `has() asks whether a map or a message has a field, and ${operand.args} is a single value, which has none (a measurement that is missing halts the gate before its condition runs, so there is nothing to test)`,
        offset: n.start,
      };
    }
  }
  return undefined;
}

/**
 * Every node of a parsed expression, once each: through the arguments' lists and the objects
 * some nodes keep them in (a comprehension's), whatever the node.
 */
function astNodes(ast: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const node = x as Partial<ASTNode>;
    if (typeof node.op === 'string' && 'args' in node) {
      out.push(node as ASTNode);
      visit(node.args);
      return;
    }
    for (const y of Object.values(x)) visit(y);
  };
  visit(ast);
  return out;
}

/**
 * A `matches` whose pattern is a string literal that does not compile: the evaluator only finds
 * it when it runs, which would halt every run of a spec that is wrong as written. A pattern read
 * from a measurement is left to run time.
 */
function invalidRegexLiteral(node: ASTNode): ExpressionError | undefined {
  const n = node as { op: string; args: unknown };
  if (n.op === 'rcall' && Array.isArray(n.args) && n.args[0] === 'matches') {
    const arg = (n.args[2] as unknown[] | undefined)?.[0] as
      { op?: string; args?: unknown; start?: number } | undefined;
    if (arg?.op === 'value' && typeof arg.args === 'string') {
      try {
        // As the evaluator compiles it: no flags.
        new RegExp(arg.args);
      } catch (e) {
        return {
          message: `matches() pattern is not a valid regex: ${regexText(e as Error, arg.args)}`,
          offset: arg.start ?? 0,
        };
      }
    }
  }
  let found: ExpressionError | undefined;
  const visit = (x: unknown): void => {
    if (found) return;
    if (Array.isArray(x)) for (const y of x) visit(y);
    else if (x && typeof x === 'object' && 'op' in x) found = invalidRegexLiteral(x as ASTNode);
  };
  visit(n.args);
  return found;
}

/** The timestamp methods whose argument is a time zone (`t.getHours("Europe/Paris")`). */
const ZONED = new Set([
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getDayOfYear',
  'getFullYear',
  'getHours',
  'getMilliseconds',
  'getMinutes',
  'getMonth',
  'getSeconds',
]);

/** What a literal that a call cannot read should be written as, by the call. */
const LITERAL_FORM: Record<string, string> = {
  timestamp: 'write an RFC 3339 instant, as "2026-06-01T00:00:00Z"',
  duration: 'write a number and a unit (h, m, s, ms, us, ns), as "24h" or "1h30m"',
  zone: 'write an IANA time zone, as "Europe/Paris" or "UTC"',
};

/**
 * A call given only literals that cannot be evaluated (`timestamp("2020-13-45T00:00:00Z")`,
 * `duration("1x")`, a time zone no one has: `t.getDayOfWeek("Mars/Phobos")`): the evaluator only
 * finds it when it runs, which would halt every run of a spec that is wrong as written. Said at
 * the literal.
 */
function unreadableLiteral(env: Environment, ast: ASTNode, source: string): ExpressionError | undefined {
  for (const node of astNodes(ast)) {
    const n = node as { op: string; args: unknown; start: number; end: number };
    if ((n.op !== 'call' && n.op !== 'rcall') || !Array.isArray(n.args)) continue;
    const name = n.args[0];
    const given = (n.op === 'call' ? n.args[1] : n.args[2]) as {
      op?: string;
      args?: unknown;
      start?: number;
      end?: number;
    }[];
    if (typeof name !== 'string' || !Array.isArray(given) || given.length === 0) continue;
    if (!given.every((a) => a?.op === 'value' && typeof a.start === 'number' && typeof a.end === 'number')) continue;
    const zoned = n.op === 'rcall' && ZONED.has(name) && given.length === 1;
    if (n.op === 'rcall' && !zoned) continue;
    const args = given.map((a) => source.slice(a.start, a.end)).join(', ');
    // A time zone is read the same on any instant: the method is tried on one.
    const text = zoned ? `timestamp(0).${name}(${args})` : `${name}(${args})`;
    try {
      env.evaluate(text, {});
    } catch (e) {
      const why = firstOf((e as Error).message);
      const form = LITERAL_FORM[zoned ? 'zone' : name];
      const what = zoned ? `the time zone ${args}` : args;
      return {
        message: `${name}() cannot read ${what} (${why}), so every run would halt on it${form ? `: ${form}` : ''}`,
        offset: given[0]?.start ?? n.start,
      };
    }
  }
  return undefined;
}

function firstOf(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Why a matches() pattern does not compile, in the words the lint and measurement regexes use,
 * and what to write. CEL's documentation describes RE2, whose inline flags (`(?i)`) JavaScript
 * does not read: said as such, with the way to ignore case here.
 */
function regexText(e: Error, pattern: string): string {
  const why = visible(regexMistake(e));
  const inline = /\(\?-?[imsx]+(?:-[imsx]+)?[:)]/.exec(pattern);
  return inline
    ? `${why}: an inline flag group such as ${inline[0]} is RE2's, not JavaScript's; to ignore case, match x.lowerAscii() against a lower-case pattern`
    : `${why}; fix the pattern (a literal ( or [ is written \\\\( or \\\\[ in a CEL string)`;
}

function collectIdentifiers(node: ASTNode, out = new Set<string>()): Set<string> {
  if (node.op === 'id') {
    out.add(node.args);
    return out;
  }
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) visit(y);
    else if (x && typeof x === 'object' && 'op' in x) collectIdentifiers(x as ASTNode, out);
  };
  visit(node.args);
  return out;
}

/** CEL distinguishes int from double and wants timestamps as Dates. */
export function toCel(type: ValueType, value: MeasuredValue): unknown {
  if (type === 'int') return BigInt(Math.trunc(Number(value)));
  if (type === 'double') return Number(value);
  return value;
}

/** Back from CEL to JSON-safe evidence. */
export function fromCel(value: unknown): string | number | boolean | null {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value === null || value === undefined) return null;
  return String(value);
}

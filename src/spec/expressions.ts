/**
 * Conditions are CEL (the Common Expression Language of Kubernetes admission policies
 * and IAM conditions): safe, side-effect free and type-checked. Each expression is
 * parsed and checked once at load, against the declared measurements and the gate's params.
 */
import { type ASTNode, Environment } from '@marcbachmann/cel-js';
import type { MeasuredValue } from '../sources/types.js';
import type { ValueType } from './types.js';
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
  evaluate(vars: Record<string, unknown>): unknown;
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
  for (const id of invalid) if (!declared.has(id) && /^[a-z_][a-z0-9_]*$/.test(id)) env.registerVariable(id, 'dyn');
  return env;
}

export function gateEnvironment(base: Environment, params: Record<string, number>, taken: Set<string>): Environment {
  const env = base.clone();
  for (const name of Object.keys(params)) {
    if (!taken.has(name)) env.registerVariable(name, 'double');
  }
  return env;
}

export function compileExpression(env: Environment, source: string): CompiledExpression | ExpressionError {
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(source);
  } catch (e) {
    return celError(e);
  }
  const checked = env.check(source);
  if (!checked.valid) return celError(checked.error);
  const badRegex = invalidRegexLiteral(parsed.ast);
  if (badRegex) return badRegex;
  const identifiers = [...collectIdentifiers(parsed.ast)].sort();
  return {
    source,
    identifiers,
    resultType: String(checked.type),
    evaluate: (vars) => parsed(vars),
  };
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

/** The name a checker error says nothing declares, when that is what it says. */
export function unknownVariable(e: ExpressionError): string | undefined {
  return /^Unknown variable: (\S+)/.exec(e.message)?.[1];
}

export function isExpressionError(x: CompiledExpression | ExpressionError): x is ExpressionError {
  return (x as CompiledExpression).evaluate === undefined;
}

function celError(e: unknown): ExpressionError {
  const err = e as { message?: string; range?: { start: number }; node?: { start?: number; pos?: number } };
  const said = (err.message ?? String(e)).split('\n')[0] ?? 'invalid expression';
  // The parser runs out of stack on thousands of terms or brackets, and says only that.
  const message = ranOutOfStack(said)
    ? 'nested too deeply to read (thousands of terms or brackets); split it into smaller conditions'
    : said;
  const offset = err.range?.start ?? err.node?.start ?? err.node?.pos ?? 0;
  return { message, offset };
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
        new RegExp(arg.args);
      } catch (e) {
        return {
          message: `matches() pattern is not a valid regex: ${(e as Error).message}; fix the pattern (a literal ( or [ is written \\\\( or \\\\[ in a CEL string)`,
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

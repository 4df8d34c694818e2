/**
 * What `parity diff` and `parity capture-check` run once their command line is accepted: the
 * rules (parity.yaml of the RFC, or flags when comparing outside an RFC) and the two paths
 * (arguments, or the folders the spec names), compared and reported. Explicit paths that do
 * not exist are an invocation error; folders named by the spec that do not exist yet are
 * unmeasured, so the report halts. The commands themselves (./command.ts) load this on demand.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatParity } from '../formatters/parity/index.js';
import type { ParityFormat } from '../formatters/parity/names.js';
import { UsageError } from '../spec/problems.js';
import {
  CaptureNamesNotUtf8,
  compareParity,
  InvalidCaptures,
  parityExitCode,
  type ParityMode,
  type ParityOptions,
  type ParityReport,
  type ParityRule,
  notCaptureInput,
} from './compare.js';
import { maskProblem } from './diff.js';
import type { ParitySpec } from './spec.js';

export interface ParityInputs {
  first: string;
  second: string;
  options: ParityOptions;
}

export function parityInputs(o: {
  root: string;
  spec: ParitySpec | undefined;
  rfc: string | undefined;
  args: { first?: string | undefined; second?: string | undefined };
  digits?: number | undefined;
  mask?: string | undefined;
  /** The spec folder compared with the golden one when no paths are given. */
  other: 'candidate' | 'recapture';
}): ParityInputs {
  const { spec, args } = o;
  const digits = o.digits ?? spec?.significant_digits;
  if (digits === undefined) {
    throw new UsageError(
      `no parity definition: add parity.yaml to gates/${o.rfc ?? '<rfc>'}/ or pass --significant-digits (and --mask)`,
    );
  }
  // An empty --mask would drop parity.yaml's mask without a word (`''` is falsy below), and masks
  // no key when there is none: either way it is a mistake, not a choice.
  if (o.mask === '') {
    throw new UsageError(
      "--mask '' is empty: give a regular expression matched against whole key names, such as .*_at; leave --mask out to use parity.yaml's mask (there is no flag to compare without it)",
    );
  }
  if (o.mask !== undefined) {
    const why = maskProblem(o.mask);
    if (why) {
      throw new UsageError(
        `--mask ${JSON.stringify(o.mask)} is not a valid regular expression: ${why}; fix the pattern (it is matched against whole key names)`,
      );
    }
  }
  const mask = o.mask ?? spec?.mask;
  // A rule given by a flag is the flag's, not parity.yaml's: the report says which.
  const overridden: ParityRule[] = [
    ...(o.digits !== undefined ? (['significant_digits'] as const) : []),
    ...(o.mask !== undefined ? (['mask'] as const) : []),
  ];
  const options: ParityOptions = {
    significantDigits: digits,
    ...(mask ? { mask } : {}),
    ...(spec && o.rfc ? { spec: `gates/${o.rfc}/parity.yaml`, overridden } : {}),
  };
  if (args.first !== undefined || args.second !== undefined) {
    if (args.first === undefined || args.second === undefined)
      throw new UsageError('give two paths (files or folders), or none to use parity.yaml');
    for (const p of [args.first, args.second]) {
      if (!existsSync(p)) throw new UsageError(`${p} does not exist`);
      const why = notCaptureInput(p);
      if (why) throw new UsageError(why);
    }
    // A file against a folder compares nothing with nothing: a mistake in the invocation.
    if (statSync(args.first).isDirectory() !== statSync(args.second).isDirectory()) {
      throw new UsageError(`${args.first} and ${args.second} must both be files or both be folders`);
    }
    return { first: args.first, second: args.second, options };
  }
  if (!spec) throw new UsageError(`no paths given and no parity.yaml to name them: pass two files or folders`);
  const other = spec[o.other];
  if (!other) {
    throw new UsageError(`parity.yaml names no ${o.other} folder: add ${o.other}: <folder> or pass two paths`);
  }
  const rel = (p: string) => relative(process.cwd(), join(o.root, p)) || '.';
  return { first: rel(spec.golden), second: rel(other), options };
}

export function chooseFormat(json: boolean, format: string | undefined): ParityFormat {
  if (json && format && format !== 'json') throw new UsageError(`--json contradicts --format ${format}; choose one`);
  return json ? 'json' : ((format as ParityFormat | undefined) ?? 'table');
}

/**
 * Malformed JSON is an invalid input, exit 3: one line with file:line:col, or with several
 * malformed captures one such line each, then how many. So is a capture name that is not UTF-8.
 */
export function run(compare: () => ParityReport): ParityReport {
  try {
    return compare();
  } catch (e) {
    if (e instanceof CaptureNamesNotUtf8) throw new UsageError(e.message);
    if (!(e instanceof InvalidCaptures)) throw e;
    const [only] = e.errors;
    if (e.errors.length === 1 && only) throw new UsageError(only.message);
    throw new UsageError(
      `${e.errors.length} captures are not valid JSON: fix them or take them again`,
      e.errors.map((x) => ({
        file: x.file,
        line: x.line,
        col: x.col,
        severity: 'error' as const,
        message: `not valid JSON: ${x.detail}`,
      })),
    );
  }
}

/** parity.yaml of the chosen RFC, when there is one; comparing two paths outside an RFC needs none. */
export async function loadParitySpec(root: string, rfc: string | undefined): Promise<ParitySpec | undefined> {
  if (!rfc) return undefined;
  // Loaded only when needed: the schema compiler costs start-up a plain file comparison does not need.
  const { loadRfc } = await import('../spec/load.js');
  return loadRfc(root, rfc).parity;
}

/** Compares the two paths (or the spec's folders), prints the report and sets the exit code. */
export async function compareAndPrint(o: {
  root: string;
  rfc: string | undefined;
  format: ParityFormat;
  digits: number | undefined;
  mask: string | undefined;
  paths: { first?: string | undefined; second?: string | undefined };
  other: 'candidate' | 'recapture';
  mode: ParityMode;
}): Promise<ParityReport> {
  const spec = await loadParitySpec(o.root, o.rfc);
  const input = parityInputs({
    root: o.root,
    spec,
    rfc: o.rfc,
    args: o.paths,
    digits: o.digits,
    mask: o.mask,
    other: o.other,
  });
  const report = run(() => compareParity(input.first, input.second, input.options, o.mode));
  process.stdout.write(formatParity(report, o.format));
  process.exitCode = parityExitCode(report);
  return report;
}

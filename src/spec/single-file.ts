/**
 * One spec file of an RFC, read on its own. Commands that need only their own file (lint's
 * lints.yaml in a pre-commit hook, the comparator's comparator.yaml, run hourly) pay neither for parsing the rest of the RFC
 * nor for loading every gate kind and its schema. `spec validate` and loadRfc still check
 * the file together with the rest.
 */
import { existsSync, lstatSync } from 'node:fs';
import { readSpecBytes, specText } from './text.js';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedRead, specCache } from './cache.js';
import { type Problem, SpecError, unreadable } from './problems.js';
import { rfcDir } from './rfc-dir.js';
import type { ParsedYaml } from './yaml.js';

export const MODELINE_PREFIX = '# yaml-language-server: $schema=';

/** The schemas/ of the rfcgate that is running (src/spec/ and dist/spec/ alike). */
const OWN_SCHEMAS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

/**
 * What a modeline should name: the running rfcgate's schema, from the spec's folder, when the
 * repository holds it (its own schemas/, or node_modules/rfcgate/schemas/); otherwise the
 * path the shipped specs use, which a repository that keeps the schemas beside gates/ resolves.
 */
export function modelineTarget(file: string, schema: string, root: string | undefined): string {
  const inside = root === undefined ? undefined : relative(root, OWN_SCHEMAS);
  if (inside === undefined || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return `../../schemas/${schema}`;
  }
  return relative(dirname(join(root ?? '', file)), join(OWN_SCHEMAS, schema))
    .split(sep)
    .join('/');
}

/** The first line must name the file's schema, so that editors check the file as it is typed. */
export function checkModeline(y: ParsedYaml, schema: string, root?: string): Problem[] {
  // A byte-order mark is invisible in an editor, and YAML allows one.
  const first = (y.text.split('\n')[0] ?? '').replace(/^\uFEFF/, '');
  if (!first.startsWith(MODELINE_PREFIX)) {
    return [
      {
        file: y.file,
        line: 1,
        col: 1,
        severity: 'error',
        message: `the first line must be '${MODELINE_PREFIX}${modelineTarget(y.file, schema, root)}' so editors check this file`,
      },
    ];
  }
  const target = first.slice(MODELINE_PREFIX.length).trim();
  if (!target.endsWith(schema)) {
    return [
      {
        file: y.file,
        line: 1,
        col: MODELINE_PREFIX.length + 1,
        severity: 'error',
        message: `this file is checked against ${schema}, but its modeline names '${target}'`,
      },
    ];
  }
  return [];
}

/** What each spec file is written to hold, said when one holds nothing. */
const CONTENTS: Readonly<Record<string, string>> = {
  'rfc.yaml': "write the RFC's manifest (id, title, version, mainline, operators)",
  'measurements.yaml': 'declare the measurements the gates read',
  'prereqs.yaml': 'list the prerequisite PRs',
  'parity.yaml': 'define the response parity (significant_digits, golden)',
  'citations.yaml': 'list the claims the RFC cites',
  'council.yaml': 'define the review council (model, lanes, contract)',
  'lints.yaml': 'list the lint rules',
  'comparator.yaml': 'list the table pairs to compare (pairs:)',
  'disconfirmers.yaml': 'list the disconfirmers',
  'exit-criteria.yaml': 'list the exit criteria',
  'stop-signs.yaml': 'list the stop signs',
  'invariants.yaml': 'list the invariants',
};

/**
 * A spec file with nothing in it (0 bytes, blank lines, or only comments) checks nothing; it
 * is said as such, with what to write in it, rather than as the modeline or the list it lacks.
 * rfc.yaml is the one file that cannot be deleted instead. Undefined when the file holds YAML.
 */
export function emptyFileProblem(y: ParsedYaml, name: string, schema: string, root?: string): Problem | undefined {
  if (y.problems.length || y.doc.contents !== null) return undefined;
  const what = CONTENTS[name] ?? 'write its items';
  const fill = checkModeline(y, schema, root).length
    ? `start it with the line '${MODELINE_PREFIX}${modelineTarget(y.file, schema, root)}', then ${what}`
    : what;
  return {
    file: y.file,
    line: 1,
    col: 1,
    severity: 'error',
    message: `the file is empty: ${fill}${name === 'rfc.yaml' ? '' : ', or delete the file'}`,
  };
}

export interface SpecFile {
  y: ParsedYaml;
  data: unknown;
  /** For list files: the items the schema rejected, so the rest can still be read and checked. */
  badItems: Set<number>;
  /** Problems found so far (modeline, schema); the caller adds its own, then throws if any. */
  problems: Problem[];
}

/**
 * Parses and schema-checks gates/<id>/<name> (its text, when the caller has read it). Returns
 * undefined when the file is absent; throws a SpecError when it does not parse or is unusable
 * as a whole, since nothing can be read then.
 */
export async function readSpecFile(
  root: string,
  id: string,
  name: string,
  schema: string,
  text?: string,
): Promise<SpecFile | undefined> {
  const abs = join(rfcDir(root, id), name);
  if (text === undefined && !existsSync(abs)) return undefined;
  // Repository-relative, as loadRfc names files.
  const rel = relative(root, abs) || abs;
  let bytes: Buffer | undefined;
  try {
    if (text === undefined) bytes = readSpecBytes(abs);
  } catch (e) {
    throw new SpecError([unreadable(rel, e)]);
  }
  return parseSpecFile(rel, text ?? specText(rel, bytes as Buffer), schema, root);
}

/** The same from the file's name (as problems name it) and text. */
async function parseSpecFile(file: string, text: string, schema: string, root: string): Promise<SpecFile> {
  // Loaded here, not at the top: a file answered from the spec cache needs no YAML parser.
  const { parseYaml, yamlData } = await import('./yaml.js');
  const y = parseYaml(file, text);
  const empty = emptyFileProblem(y, basename(file), schema, root);
  if (empty) throw new SpecError([empty]);
  const problems = [...checkModeline(y, schema, root), ...y.problems];
  if (y.problems.length) throw new SpecError(problems);
  const read = yamlData(y);
  if ('problem' in read) throw new SpecError([...problems, read.problem]);
  const { data } = read;
  const { validateAgainst } = await import('./schema.js');
  const checked = validateAgainst(schema, y, data);
  problems.push(...checked.problems);
  if (checked.badRoot) throw new SpecError(problems);
  return { y, data, badItems: checked.badItems, problems };
}

/**
 * A spec file read on its own into what a command needs (`build` throws a SpecError on any
 * problem), through the spec cache (cache.ts): undefined when the file is absent.
 */
export async function loadSpecFile<T>(
  root: string,
  id: string,
  name: string,
  schema: string,
  build: (file: SpecFile) => T | Promise<T>,
): Promise<T | undefined> {
  const abs = join(rfcDir(root, id), name);
  let bytes: Buffer;
  try {
    bytes = readSpecBytes(abs);
  } catch (e) {
    // Absent. A folder named like the file, or a link whose target is gone, is there: saying
    // the file is missing would send the user to add it.
    if (!lstatSync(abs, { throwIfNoEntry: false })) return undefined;
    throw new SpecError([unreadable(relative(root, abs) || abs, e)]);
  }
  const text = specText(relative(root, abs) || abs, bytes);
  const file = { abs, rel: relative(root, abs) || abs, text };
  return cachedRead(specCache(), file, `${name} ${schema}`, async (t) =>
    build(await parseSpecFile(file.rel, t, schema, root)),
  );
}

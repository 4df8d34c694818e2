/**
 * JSON Schema validation of spec files. The schemas in schemas/ are the published
 * contract (editors read them through the yaml-language-server modeline); their errors
 * become file:line:col problems. The build compiles them into standalone validators
 * (validators-build.ts), so a built CLI never compiles a schema; from source, or for a
 * schema the build did not see, ajv compiles them once per process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { isSeq } from 'yaml';
import type { Problem } from './problems.js';
import { GATE_KINDS, type GateKindDef } from '../gates/index.js';
import { closest, suggest } from '../util/suggest.js';
import { parseTableName } from '../sources/sql/table-name.js';
import { SchemaKeys, valueAt } from './schema-keys.js';
import { keyLocation, nodeAt, type ParsedYaml, valueLocation } from './yaml.js';

export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');
/**
 * Where validators-build.ts writes one standalone validator per schema, relative to this
 * module's build output: one module each, so a command loads only the schemas it checks.
 */
export function precompiledPath(schemaFile: string): string {
  return `./validators/${schemaFile.replace(/\.schema\.json$/, '')}.cjs`;
}

// ajv and ajv-formats are CommonJS and only needed when a schema is compiled here, so they are
// required on demand instead of imported: loading them costs every command that reads a spec.
const requireHere = createRequire(import.meta.url);

export function schemaFiles(): string[] {
  return readdirSync(SCHEMAS_DIR)
    .filter((n) => n.endsWith('.schema.json'))
    .sort();
}

/** One ajv with every schema of schemas/ added; `source` keeps the generated code for the build. */
export function createAjv(code: { source?: boolean } = {}): Ajv2020 {
  const { Ajv2020: AjvClass } = requireHere('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = requireHere('ajv-formats') as (ajv: Ajv2020) => Ajv2020;
  const instance = new AjvClass({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    ...(code.source ? { code: { source: true } } : {}),
  });
  addFormats(instance);
  for (const f of schemaFiles()) instance.addSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, f), 'utf8')), f);
  return instance;
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function precompiledValidator(schemaFile: string): ValidateFunction | undefined {
  try {
    return requireHere(precompiledPath(schemaFile)) as ValidateFunction;
  } catch (err) {
    // Running from source, or a schema added since the build: ajv compiles it instead.
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw err;
  }
}

/** The validator of one schema file: the build's when there is one, else compiled by ajv. */
export function validator(schemaFile: string): ValidateFunction {
  let v = compiled.get(schemaFile) ?? precompiledValidator(schemaFile);
  if (!v) v = compiledValidator(schemaFile);
  compiled.set(schemaFile, v);
  return v;
}

/** Always ajv, never the build's code: what the precompiled validators are checked against. */
export function compiledValidator(schemaFile: string): ValidateFunction {
  ajv ??= createAjv();
  const found = ajv.getSchema(schemaFile);
  if (!found) throw new Error(`schema ${schemaFile} is not in ${SCHEMAS_DIR}`);
  return found;
}

export interface SchemaResult {
  problems: Problem[];
  /** For list files: indexes of the items that failed, so the rest can still be checked. */
  badItems: Set<number>;
  /** The document as a whole is unusable (wrong top-level shape, or an object file with errors). */
  badRoot: boolean;
}

/** Validates the document's data; returns one problem per distinct error, pinned to its key. */
export function validateAgainst(schemaFile: string, y: ParsedYaml, data: unknown): SchemaResult {
  const validate = validator(schemaFile);
  const result: SchemaResult = { problems: [], badItems: new Set(), badRoot: false };
  if (validate(data)) return result;
  const errors = closestBranches(validate.errors ?? []);
  const meant = misspellings(schemaFile, data, errors);
  const misspelt = new Set([...meant].map(([e, k]) => `${e.instancePath}/${k}`));
  const valueAsKey = chosenByKey(schemaFile, data, errors);
  const chooserWritten = new Set([...valueAsKey].map(([e, c]) => `${e.instancePath}/${c.member}`));
  // A key whose value failed a conditional branch (an if/then) is left unevaluated, so
  // unevaluatedProperties calls it unknown as well: its own error is the one to report.
  const failedAt = new Set<string>();
  for (const e of errors) {
    for (let p = e.instancePath; p !== ''; p = p.slice(0, p.lastIndexOf('/'))) failedAt.add(p);
  }
  const failedUnder = (e: ErrorObject) =>
    failedAt.has(`${e.instancePath}/${unknownKey(e).replace(/~/g, '~0').replace(/\//g, '~1')}`);
  const gate = GATE_KINDS.find((k) => k.schema === schemaFile);
  // `passes_if:` on a disconfirmer is one mistake: its own condition key is not missing as well.
  const otherCondition = new Set(
    gate ? errors.filter((e) => otherConditionKey(gate, data, e) !== undefined).map((e) => e.instancePath) : [],
  );
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'unevaluatedProperties' && (failedUnder(e) || branchFailed(schemaFile, data, e, errors)))
      continue;
    const path = pathOf(e.instancePath);
    if (Array.isArray(data) && typeof path[0] === 'number') result.badItems.add(path[0]);
    else result.badRoot = true;
    // `severty:` is one mistake: the key it misspells is not missing as well.
    if (e.keyword === 'required' && misspelt.has(`${e.instancePath}/${String(e.params.missingProperty)}`)) continue;
    // `path_exists:` for `query: path_exists` is one mistake: `query` is not missing as well.
    if (e.keyword === 'required' && chooserWritten.has(`${e.instancePath}/${String(e.params.missingProperty)}`))
      continue;
    // A gate written as `- INV-1` fits neither of an exit criterion's forms only by not being a mapping.
    if (e.keyword === 'oneOf' && wrongType.has(e.instancePath)) continue;
    if (gate && otherCondition.has(e.instancePath)) {
      const missing = e.keyword === 'required' ? String(e.params.missingProperty) : undefined;
      if (e.keyword === 'oneOf' || missing === gate.conditionKey || (gate.composite && missing === 'all_of')) continue;
    }
    const written = gate ? otherConditionKey(gate, data, e) : undefined;
    const p =
      gate && written !== undefined
        ? conditionKeyProblem(y, gate, path, written, itemLabel(data, path))
        : gate && e.keyword === 'type' && path.length === 1
          ? notAGate(y, gate, path)
          : valueAsKey.has(e)
            ? chosenProblem(y, e, itemLabel(data, path), valueAsKey.get(e)!)
            : toProblem(
                y,
                e,
                itemLabel(data, path),
                meant.get(e),
                e.keyword === 'minProperties' || e.keyword === 'maxProperties'
                  ? [...new SchemaKeys(SCHEMAS_DIR).keysAt(schemaFile, data, path)]
                  : requiredValues(schemaFile, data, e),
              );
    if (!p) continue;
    const key = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.problems.push(p);
  }
  return result;
}

/** The condition keys of every gate kind, and whether a true condition passes the gate. */
const CONDITION_KEYS = new Map(GATE_KINDS.map((k) => [k.conditionKey, k.polarity]));

/**
 * The condition key of another gate kind that `e` says is unknown on one of `gate`'s items, when
 * the item has no condition of its own: written in its place. Beside its own, it is an unknown
 * key like any other.
 */
function otherConditionKey(gate: GateKindDef, data: unknown, e: ErrorObject): string | undefined {
  if (e.keyword !== 'additionalProperties' && e.keyword !== 'unevaluatedProperties') return undefined;
  const path = pathOf(e.instancePath);
  if (path.length !== 1) return undefined;
  const key = unknownKey(e);
  if (key === gate.conditionKey || !CONDITION_KEYS.has(key as GateKindDef['conditionKey'])) return undefined;
  const item = valueAt(data, path);
  const has = (k: string) => item !== null && typeof item === 'object' && k in item;
  return has(gate.conditionKey) || (gate.composite && has('all_of')) ? undefined : key;
}

/**
 * Another kind's condition key in place of a gate's own (`passes_if` on a disconfirmer): the
 * key this kind reads. A condition of the other polarity says the opposite, so renaming the
 * key alone would turn the gate around.
 */
function conditionKeyProblem(
  y: ParsedYaml,
  gate: GateKindDef,
  path: (string | number)[],
  written: string,
  label: string,
): Problem {
  const own = `${aGate(gate)}'s condition is ${gate.conditionKey}${gate.composite ? ' (or all_of)' : ''}, not ${written}`;
  const fix =
    CONDITION_KEYS.get(written as GateKindDef['conditionKey']) === gate.polarity
      ? `rename ${written} to ${gate.conditionKey}`
      : `${gate.conditionKey} is true when the gate ${gate.polarity === 'fires' ? 'fails' : 'passes'}, the opposite of ${written}, so write this condition's negation as ${gate.conditionKey}`;
  return { ...keyLocation(y, path, written), severity: 'error', message: `${label}${own}: ${fix}` };
}

/**
 * A gate item that is not a mapping: most often its id alone (`- INV-1`), as all_of lists them.
 * Said with the keys a gate of that file is written with, its id taken from what was written.
 */
function notAGate(y: ParsedYaml, gate: GateKindDef, path: (string | number)[]): Problem {
  const given = nodeValue(y, path);
  const node = nodeAt(y, path);
  const what =
    typeof given === 'string'
      ? `the text '${given}'`
      : given !== undefined && given !== null
        ? String(given)
        : node !== undefined && isSeq(node)
          ? 'a list'
          : 'an empty item';
  const id = typeof given === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.#-]*$/.test(given) ? given : 'G1';
  const condition = `${gate.conditionKey}: ...${gate.composite ? ' (or all_of: [...])' : ''}`;
  return {
    ...valueLocation(y, path),
    severity: 'error',
    message: `item ${Number(path[0]) + 1}: must be a mapping, not ${what}: ${aGate(gate)} is written with its keys, such as { id: ${id}, title: ..., section: "§1", phase: [close], ${condition} }`,
  };
}

/** Read from the schema files only once a spec has an unknown key. */
let schemaKeys: SchemaKeys | undefined;

/**
 * A key the schema allows beside the others is left unevaluated when its branch fails on
 * something else (`scope: main` beside `query: order` makes before and after unknown too), or
 * when no branch applies because the key choosing it is wrong (`query: prereq_before`): the
 * other error is the mistake, and the key is no second one.
 */
function branchFailed(schemaFile: string, data: unknown, e: ErrorObject, errors: ErrorObject[]): boolean {
  const others = errors.filter(
    (o) =>
      o.keyword !== 'unevaluatedProperties' &&
      o.keyword !== 'if' &&
      (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`)),
  );
  if (!others.length) return false;
  const key = unknownKey(e);
  const path = pathOf(e.instancePath);
  const keys = (schemaKeys ??= new SchemaKeys(SCHEMAS_DIR));
  if (keys.keysAt(schemaFile, data, path).has(key)) return true;
  // A member's value that fits no enum or const: which form applies cannot be told.
  // Or one not written at all (`path:` without `query:`): the key belongs to a form not chosen.
  const chooserFailed = others.some(
    (o) =>
      ((o.keyword === 'enum' || o.keyword === 'const') && pathOf(o.instancePath).length === path.length + 1) ||
      (o.keyword === 'required' &&
        o.instancePath === e.instancePath &&
        keys.valuesOf(schemaFile, data, path, String(o.params.missingProperty)).length > 0),
  );
  return chooserFailed && keys.keysAt(schemaFile, data, path, { anyForm: true }).has(key);
}

/**
 * Unknown keys that are a value of a member the mapping lacks (`path_exists: docs/x.md` where a
 * git measurement reads `query: path_exists` and `path: docs/x.md`): the sources table names each
 * form by that value, so it is an easy key to write.
 */
function chosenByKey(schemaFile: string, data: unknown, errors: ErrorObject[]): Map<ErrorObject, Chooser> {
  const out = new Map<ErrorObject, Chooser>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties' && e.keyword !== 'unevaluatedProperties') continue;
    const keys = (schemaKeys ??= new SchemaKeys(SCHEMAS_DIR));
    const chooser = keys.chooserOf(schemaFile, data, pathOf(e.instancePath), unknownKey(e));
    if (chooser) out.set(e, chooser);
  }
  return out;
}

function chosenProblem(y: ParsedYaml, e: ErrorObject, label: string, chooser: Chooser): Problem {
  const path = pathOf(e.instancePath);
  const key = unknownKey(e);
  const given = nodeValue(y, [...path, key]);
  const [only, ...more] = chooser.required;
  // What was written as the key's value is what the form's one required key reads.
  const withIt =
    only === undefined
      ? ''
      : more.length === 0 && (typeof given === 'string' || typeof given === 'number')
        ? ` and ${only.key}: ${only.list ? `[${String(given)}]` : String(given)}`
        : `, with ${chooser.required.map((r) => r.key).join(' and ')}`;
  return {
    ...keyLocation(y, path, key),
    severity: 'error',
    message: `${label}${describePath(path)}'${key}' is a value of ${chooser.member}, not a key: write ${chooser.member}: ${key}${withIt}`,
  };
}

type Chooser = NonNullable<ReturnType<SchemaKeys['chooserOf']>>;

const unknownKey = (e: ErrorObject) => String(e.params.additionalProperty ?? e.params.unevaluatedProperty);

/** For each unknown key, the key the schema allows at that place that it most likely misspells. */
function misspellings(schemaFile: string, data: unknown, errors: ErrorObject[]): Map<ErrorObject, string> {
  const meant = new Map<ErrorObject, string>();
  let keys: SchemaKeys | undefined;
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties' && e.keyword !== 'unevaluatedProperties') continue;
    const key = unknownKey(e);
    const path = pathOf(e.instancePath);
    const known = (keys ??= new SchemaKeys(SCHEMAS_DIR)).keysAt(schemaFile, data, path);
    // A key the mapping already has is not the one meant (`pg:` beside `id:` is no misspelt id).
    const here = valueAt(data, path);
    const present = new Set(here !== null && typeof here === 'object' ? Object.keys(here) : []);
    // A key one of several forms allows here is no misspelling, whatever else is wrong.
    const best = known.has(key)
      ? undefined
      : closest(
          key,
          [...known].filter((k) => !present.has(k)),
        );
    if (best !== undefined) meant.set(e, best);
  }
  return meant;
}

/**
 * A value that fits none of a oneOf's forms makes ajv report every form's errors: one missing
 * key turns into three messages, two of them about forms the user did not write. Forms of
 * another type than the value (a string form for a list) are set aside first; of the rest, the
 * one that came closest (fewest errors) is kept alone. When several tie, all of theirs are kept,
 * with the oneOf's own message naming the forms.
 */
export function closestBranches(errors: ErrorObject[]): ErrorObject[] {
  const failing = errors.filter(
    (o) => o.keyword === 'oneOf' && (o.params as { passingSchemas?: unknown }).passingSchemas == null,
  );
  if (failing.length === 0) return errors;
  // Each error's oneOfs, found through the places above it rather than by testing every error
  // against every oneOf: a spec with thousands of bad gates has thousands of oneOf errors.
  const at = new Map<string, ErrorObject[]>();
  for (const o of failing) at.set(o.instancePath, [...(at.get(o.instancePath) ?? []), o]);
  const members = new Map<ErrorObject, ErrorObject[]>(failing.map((o) => [o, []]));
  for (const e of errors) {
    // The instance path and each one above it (`/1/sql` → `/1/sql`, `/1`, ``): never `/12` for `/1`.
    for (let path = e.instancePath; ; path = path.slice(0, path.lastIndexOf('/'))) {
      for (const o of at.get(path) ?? []) if (e.schemaPath.startsWith(`${o.schemaPath}/`)) members.get(o)?.push(e);
      if (path === '') break;
    }
  }
  const dropped = new Set<ErrorObject>();
  const merged = new Map<ErrorObject, ErrorObject>();
  for (const o of failing) {
    if (dropped.has(o)) continue;
    const prefix = `${o.schemaPath}/`;
    const byBranch = new Map<string, ErrorObject[]>();
    for (const e of members.get(o) ?? []) {
      if (dropped.has(e)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      byBranch.set(branch, [...(byBranch.get(branch) ?? []), e]);
    }
    if (byBranch.size < 2) continue;
    const otherType = (es: ErrorObject[]) =>
      es.some((e) => e.instancePath === o.instancePath && (e.keyword === 'type' || e.keyword === 'const'));
    const fitting = [...byBranch.values()].filter((es) => !otherType(es));
    // A value of a type no form takes (a mapping where a string or a list goes): one message
    // naming the types, not one per form and the oneOf's besides.
    // A form that is one word (`compare: all`) counts as its own type: `everything` is neither it nor a list.
    const wrongType = [...byBranch.values()].map((es) =>
      es.find((e) => e.instancePath === o.instancePath && (e.keyword === 'type' || e.keyword === 'const')),
    );
    if (!fitting.length && wrongType.every((e) => e !== undefined)) {
      const types = [
        ...new Set(wrongType.flatMap((e) => (e.keyword === 'type' ? String(e.params.type).split(',') : []))),
      ];
      const consts = wrongType.flatMap((e) => (e.keyword === 'const' ? [e.params.allowedValue as unknown] : []));
      merged.set(o, { ...o, keyword: 'type', params: { type: types.join(','), ...(consts.length ? { consts } : {}) } });
      for (const es of byBranch.values()) for (const e of es) dropped.add(e);
      continue;
    }
    const pool = fitting.length ? fitting : [...byBranch.values()];
    const fewest = pool.reduce((m, es) => Math.min(m, es.length), Infinity);
    const best = pool.filter((es) => es.length === fewest);
    const keep = best.length === 1 ? new Set(best[0]) : new Set([o, ...best.flat()]);
    if (!keep.has(o)) dropped.add(o);
    for (const es of byBranch.values()) for (const e of es) if (!keep.has(e)) dropped.add(e);
  }
  return errors.flatMap((e) => (dropped.has(e) ? [] : [merged.get(e) ?? e]));
}

function pathOf(instancePath: string): (string | number)[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describePath(path: (string | number)[]): string {
  const named = path.filter((s) => typeof s === 'string');
  return named.length ? `${named.join('.')}: ` : '';
}

/** `'B': ` for an error inside the item with id B, so a person knows which gate to open. */
function itemLabel(data: unknown, path: (string | number)[]): string {
  if (!Array.isArray(data) || typeof path[0] !== 'number') return '';
  const item = data[path[0]] as { id?: unknown } | undefined;
  return typeof item?.id === 'string' ? `'${item.id}': ` : `item ${path[0] + 1}: `;
}

/** A missing key that takes one of a few words (`query:`) is said with them, so it can be written at once. */
function requiredValues(schemaFile: string, data: unknown, e: ErrorObject): string[] {
  if (e.keyword !== 'required') return [];
  const keys = (schemaKeys ??= new SchemaKeys(SCHEMAS_DIR));
  const values = keys.valuesOf(schemaFile, data, pathOf(e.instancePath), String(e.params.missingProperty));
  return values.every((v) => typeof v === 'string') ? values : [];
}

function toProblem(
  y: ParsedYaml,
  e: ErrorObject,
  label: string,
  meant: string | undefined,
  allowed: string[] = [],
): Problem | undefined {
  const path = pathOf(e.instancePath);
  const where = label + describePath(path);
  const mk = (loc: { file: string; line: number; col: number }, message: string): Problem => ({
    ...loc,
    message,
    severity: 'error',
  });
  // A key propertyNames refuses: its own propertyNames error says it, at the key.
  if (e.propertyName !== undefined) return undefined;
  switch (e.keyword) {
    case 'propertyNames': {
      const name = String(e.params.propertyName);
      const why =
        lastKey(path) === 'params'
          ? 'is not a name a condition can read: write it in lower case, digits and underscores, starting with a letter or _ (p50_ratio)'
          : 'is not a name this map takes: check its spelling';
      return mk(keyLocation(y, path, name), `${where}key '${name}' ${why}`);
    }
    case 'minProperties':
    case 'maxProperties': {
      const limit = Number(e.params.limit);
      const keys = allowed.length ? ` of ${allowed.join(', ')}` : '';
      if (e.keyword === 'minProperties') {
        return mk(
          valueLocation(y, path),
          `${where}must not be empty: write ${limit === 1 ? 'one' : `at least ${limit}`}${keys || ' key'}`,
        );
      }
      return mk(
        valueLocation(y, path),
        `${where}takes ${limit === 1 ? 'one' : `at most ${limit}`}${keys || ' key'}, not more: keep ${limit === 1 ? 'one' : limit}`,
      );
    }
    case 'if':
      // The `then` branch reports the real problem; the `if` error only repeats it.
      return undefined;
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = unknownKey(e);
      return mk(
        keyLocation(y, path, key),
        meant === undefined
          ? `${where}unknown key '${key}'; remove it or check its spelling`
          : `${where}unknown key '${key}'; did you mean '${meant}'?`,
      );
    }
    case 'required': {
      const missing = String(e.params.missingProperty);
      return mk(
        valueLocation(y, path),
        `${where}missing required key '${missing}'${allowed.length ? ` (one of: ${allowed.join(', ')})` : ''}`,
      );
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const given = nodeValue(y, path);
      return mk(
        valueLocation(y, path),
        `${where}must be one of: ${allowed.join(', ')}${typeof given === 'string' ? suggest(given, allowed) : ''}`,
      );
    }
    case 'const':
      return mk(valueLocation(y, path), `${where}must be ${JSON.stringify(e.params.allowedValue)}`);
    case 'type': {
      const types = String(e.params.type).split(',');
      const given = nodeValue(y, path);
      const key = lastKey(path);
      // `window: 14` is a duration without its unit, not a value of the wrong kind.
      if (typeof given === 'number' && types.includes('string') && key !== undefined && DURATION_KEYS.has(key)) {
        const zero = zeroDuration(key, given);
        if (zero !== undefined) return mk(valueLocation(y, path), `${where}${zero}`);
        return mk(
          valueLocation(y, path),
          `${where}${given} has no unit: ${DURATION}${key === 'min_age' ? ', or 0 for none' : ''}`,
        );
      }
      // `band: 0.05`: the band says what the number is.
      if (typeof given === 'number' && key === 'band' && types.includes('object')) {
        return mk(
          valueLocation(y, path),
          `${where}must be a mapping that says what ${given} is: { relative: ${given} } (a fraction of the threshold) or { absolute: ${given} } (in the threshold's units)`,
        );
      }
      // YAML 1.1's yes, no, on and off are text in YAML 1.2, which specs are read as.
      if (types.length === 1 && types[0] === 'boolean') {
        const text = typeof given === 'string' ? given : '';
        const yes = /^(y|yes|on)$/i.test(text) ? 'true' : /^(n|no|off)$/i.test(text) ? 'false' : undefined;
        return mk(
          valueLocation(y, path),
          `${where}must be true or false${yes ? `: '${given}' is text here; write ${yes}` : ''}`,
        );
      }
      const consts = (e.params as { consts?: unknown[] }).consts ?? [];
      const words = consts.filter((c): c is string => typeof c === 'string');
      return mk(
        valueLocation(y, path),
        `${where}must be ${[...consts.map((c) => JSON.stringify(c)), ...types.map(article)].join(' or ')}${typeof given === 'string' && words.length ? suggest(given, words) : ''}`,
      );
    }
    case 'minItems':
      // A spec file that lists nothing (`[]`, or no item at all) checks nothing.
      if (e.params.limit === 1) {
        return mk(
          valueLocation(y, path),
          path.length === 0
            ? 'lists nothing, so it would check nothing; add an item, or delete the file'
            : `${where}must not be empty`,
        );
      }
      return mk(valueLocation(y, path), `${where}${e.message ?? 'has too few items'}`);
    case 'minLength':
      if (e.params.limit === 1) return mk(valueLocation(y, path), `${where}must not be empty`);
      return mk(valueLocation(y, path), `${where}${e.message ?? 'is too short'}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      // ajv's `must be <= 17` is a formula; say the bound in words, with the value given.
      const bound = {
        minimum: 'at least',
        maximum: 'at most',
        exclusiveMinimum: 'more than',
        exclusiveMaximum: 'less than',
      }[e.keyword];
      const given = nodeValue(y, path);
      // `relative: 5` meant 5%: the band is a fraction of the threshold.
      const fraction =
        lastKey(path) === 'relative' && path.includes('band')
          ? typeof given === 'number' && given >= 1 && given < 100
            ? `: it is a fraction of the threshold, so ${given}% is ${given / 100}`
            : ': it is a fraction of the threshold (0.05 is within 5% of it)'
          : '';
      return mk(
        valueLocation(y, path),
        `${where}must be ${bound} ${String(e.params.limit)}${typeof given === 'number' ? `, not ${given}` : ''}${fraction}`,
      );
    }
    case 'format': {
      // rfc.yaml's operator emails are the one format a spec file has.
      const given = nodeValue(y, path);
      const what = e.params.format === 'email' ? 'an email address, such as ada@example.com' : String(e.params.format);
      return mk(
        valueLocation(y, path),
        `${where}must be ${what}${typeof given === 'string' ? `, not '${given}'` : ''}`,
      );
    }
    case 'uniqueItems': {
      // The second of the two is the one to delete: point there, and name the value, not ajv's item numbers.
      const later = Math.max(Number(e.params.i), Number(e.params.j));
      const item = nodeValue(y, [...path, later]);
      const shown = typeof item === 'string' ? `'${item}'` : item === undefined ? 'an item' : JSON.stringify(item);
      return mk(valueLocation(y, [...path, later]), `${where}${shown} is listed twice; keep one`);
    }
    case 'pattern':
      return mk(valueLocation(y, path), `${where}${patternHint(path, String(e.params.pattern), nodeValue(y, path))}`);
    case 'oneOf':
      return mk(valueLocation(y, path), `${where}${oneOfHint(y, path)}`);
    case 'not': {
      // verifier's one `not`: query: parity takes neither document nor verdicts. Without a
      // query, its own missing-key error is the one to report.
      if (lastKey(path) === 'verifier') {
        if (nodeValue(y, [...path, 'query']) === undefined) return undefined;
        const extra = ['document', 'verdicts'].filter((k) => nodeAt(y, [...path, k]) !== undefined);
        const first = extra.map((k) => keyLocation(y, path, k)).sort((a, b) => a.line - b.line || a.col - b.col)[0];
        return mk(
          first ?? valueLocation(y, path),
          `${where}query: parity counts the golden captures that differ, so it takes no ${extra.join(' or ') || 'document or verdicts'}: remove ${extra.length > 1 ? 'them' : 'it'}, or count citations with query: citations`,
        );
      }
      return mk(valueLocation(y, path), `${where}${oneOfHint(y, path)}`);
    }
    default:
      return mk(valueLocation(y, path), `${where}${e.message ?? 'is invalid'}`);
  }
}

/** `a disconfirmer`, `an exit criterion`: a gate of that kind, as a message names it. */
function aGate(gate: GateKindDef): string {
  return article(gate.kind.replace('_', ' '));
}

function article(t: string): string {
  if (t === 'array') return 'a list';
  if (t === 'object') return 'a mapping';
  if (t === 'integer') return 'a whole number';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/**
 * An example of the path or glob each key of a spec takes, by the key: git measurements' paths
 * and order events, prereq deliverables, lint rules' include/exclude/when/files/modules and
 * allow paths.
 */
const GLOB_EXAMPLES: Record<string, string> = {
  paths: 'src/cache/**',
  deliverables: 'docs/roadmap.md',
  include: 'src/**/*.py',
  exclude: 'tests/**',
  when: 'src/cache/**',
  files: 'tests/cache/**',
  modules: 'src/payload.py',
  path: 'tests/fixtures/**',
  glob: 'docs/handoffs/*.md',
};

const DURATION = 'must be a duration such as 14d, 24h or 60s (at most five digits)';

/** The keys that take a duration (common.schema.json#/$defs/duration, comparator's minAge). */
const DURATION_KEYS = new Set(['window', 'max_age', 'timeout', 'min_age']);

/**
 * Why a duration key refuses zero, by the key: `0d` is read as a duration, so being told it is
 * not one leaves the writer looking for a typo. min_age takes 0 for no lag, so it is not here.
 */
const ZERO_DURATION: Record<string, string> = {
  window: 'a window of no time holds nothing to measure',
  max_age: 'nothing is younger than no time, so every run would halt as stale',
  timeout: 'a request given no time is given up before it can answer',
};

/** The message for a zero written where a duration must be greater than zero; undefined for any other value. */
function zeroDuration(key: string, given: unknown): string | undefined {
  const why = ZERO_DURATION[key];
  const zero = given === 0 || (typeof given === 'string' && /^0+[smhdw]?$/.test(given));
  if (why === undefined || !zero) return undefined;
  return `must be a duration greater than zero, such as 14d, 24h or 60s, not ${String(given)} (${why})`;
}

/** The last key name of an instance path (an array index is skipped). */
function lastKey(path: (string | number)[]): string | undefined {
  return path.filter((s): s is string => typeof s === 'string').at(-1);
}

/** A path that is neither blank nor has whitespace around it. */
const TRIMMED = '^\\S([\\s\\S]*\\S)?$';

function patternHint(path: (string | number)[], pattern: string, given: unknown): string {
  const last = path[path.length - 1];
  // `"docs/x.md "` is another path than docs/x.md, one that is never there: say what is wrong with it.
  if (pattern === TRIMMED && typeof given === 'string' && /\S/.test(given)) {
    return `${JSON.stringify(given)} has whitespace around it, which names another path than ${given.trim()}; remove it`;
  }
  if (pattern.includes('(s|m|h|d|w)')) return zeroDuration(String(lastKey(path)), given) ?? DURATION;
  if (last === 'id' && pattern.startsWith('^[a-z_]'))
    return 'a measurement id must be a CEL identifier: lower case letters, digits and underscores';
  // A stable id (a lint rule's, a prereq's): its character class said in words, not as a regex.
  const idChars = /^\^\[A-Za-z0-9\]\[A-Za-z0-9(.+)\]\*\$$/.exec(pattern)?.[1];
  if (last === 'id' && idChars !== undefined) {
    const others = [...idChars].map((c) => `'${c}'`);
    return `an id may hold only letters, digits, ${others.slice(0, -1).join(', ')} and ${others.at(-1) ?? ''}, and must start with a letter or a digit (such as L1 or no-raw-sql)`;
  }
  // A measurement's table form: what the name's parser says is wrong with it, and how to write it.
  if (last === 'table' && typeof given === 'string') {
    const parsed = parseTableName(given, { schemaOptional: true });
    if ('error' in parsed) return parsed.error;
  }
  if (pattern === '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') return 'must be a date written YYYY-MM-DD, such as 2026-01-31';
  if (last === 'liveness') return 'must name a measurement id (lower case letters, digits and underscores)';
  if (last === 'commit' && pattern.includes('0-9a-fA-F'))
    return 'must be a commit id: at least 7 hex digits (git rev-parse --short=7 <commit>)';
  // Blank: nothing but spaces, which a minLength lets through.
  if (pattern === '\\S' || pattern === TRIMMED) {
    const example = path.includes('telemetry')
      ? 'telemetry/**/*.jsonl'
      : path.includes('git') && lastKey(path) === 'path'
        ? 'docs/runbooks/rollback.md'
        : GLOB_EXAMPLES[String(lastKey(path))];
    return example ? `names no file: give a path or a glob, such as ${example}` : 'must not be blank';
  }
  const said = PATTERN_WORDS[pattern];
  if (said !== undefined) return said;
  return `must match ${pattern}`;
}

/**
 * The other patterns of schemas/, each said as a rule with an example: `must match
 * ^[A-Z][A-Z_]*$` asks a person to read a regex to learn that a verdict is written in capitals.
 */
const PATTERN_WORDS: Record<string, string> = {
  '^[a-z0-9][a-z0-9-]*$':
    "an RFC id may hold only lower case letters, digits and '-', and must start with a letter or a digit (such as wave3)",
  '^[a-z][a-z0-9_]*$':
    'a pair id may hold only lower case letters, digits and underscores, and must start with a letter (such as identities)',
  '^measurement\\.[a-z0-9_]+(\\.[a-z0-9_]+)+$':
    'must be a measurement type: measurement. then two or more names of lower case letters, digits and underscores, joined by dots (such as measurement.comparator.run)',
  '^[a-z0-9][a-z0-9.-]*$':
    "must be an Anthropic model id: lower case letters, digits, '.' and '-' (such as claude-opus-4-5)",
  '^[A-Z][A-Z_]*$': 'must be written in capital letters and underscores (such as BLOCK or SOURCE_ONLY)',
  '^[a-z][a-z0-9-]*$':
    "a lane id may hold only lower case letters, digits and '-', and must start with a letter (such as code-reviewer)",
  '\\.md$': 'must be a Markdown file, its name ending in .md (such as rfcs/wave3/council/architect.md)',
  '^[A-Z_][A-Z0-9_]*$':
    'must name an environment variable: capital letters, digits and underscores (such as AUDIT_DATABASE_URL)',
  '^[^/\\\\]+\\.ya?ml$':
    "must be a file name ending in .yaml, without a folder: the record is read from rfc.yaml's attestations_dir (such as rollback-drill.yaml)",
};

function oneOfHint(y: ParsedYaml, path: (string | number)[]): string {
  if (path[path.length - 1] === 'sql') {
    const has = (key: string) => nodeAt(y, [...path, key]) !== undefined;
    // rows_are describes a raw query's own rows column: the table form counts the window's rows.
    if (has('rows_are') && !has('query') && has('table'))
      return "rows_are belongs to a raw query (its rows column may count something else than the window's rows); the table form counts the rows of its window: remove rows_are";
    return 'use either the table form (table, timestamp, value, optional where) or a raw query, not both';
  }
  // An artifact's extract: a regex's pair of keys or a column's, never some of each.
  if (path[path.length - 1] === 'extract') {
    const has = (keys: string[]) => keys.some((k) => nodeAt(y, [...path, k]) !== undefined);
    return has(['pattern', 'as']) && has(['column', 'aggregate'])
      ? 'reads either a regex (pattern and as) or a table column (column and aggregate), not both: keep one pair'
      : 'needs either pattern and as (a regex) or column and aggregate (a table column)';
  }
  if (path[path.length - 1] === 'artifact') {
    // A sample is named only where one is written: the usual mistake is a section or an extract.
    const keys = nodeAt(y, [...path, 'sample']) !== undefined ? 'section, extract and sample' : 'section and extract';
    return `exists: true reads only whether a file matches: drop ${keys}, or exists (and read the file's contents in a measurement of its own)`;
  }
  // A gate item: its condition is one of the two forms.
  if (path.length === 1) return 'needs exactly one of passes_if or all_of';
  return 'must take exactly one of the forms the schema allows';
}

/** The scalar written at a path, for a suggestion; undefined for anything else. */
function nodeValue(y: ParsedYaml, path: (string | number)[]): unknown {
  const node = nodeAt(y, path) as { value?: unknown } | undefined;
  return node && typeof node === 'object' && 'value' in node ? node.value : undefined;
}

/**
 * The keys a schema allows at a place in a document, for a "did you mean" on an unknown key.
 * Read from the schema files themselves, only when a spec already has an unknown key: the
 * validators' errors do not carry the schema (that would mean compiling them verbose, and
 * every command that checks a spec would load the larger code).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = { [k: string]: unknown };

const isSchema = (x: unknown): x is Schema => typeof x === 'object' && x !== null && !Array.isArray(x);

export class SchemaKeys {
  readonly #files = new Map<string, Schema | undefined>();

  constructor(readonly dir: string) {}

  /**
   * Every key the schema allows in the mapping at `path` of `doc`, checked against `file`. An
   * `if` on a member's value (`query: path_exists`) is decided on the document; any other
   * choice between forms (oneOf, anyOf, an `if` of another shape) gives the keys of all of them.
   */
  keysAt(
    file: string,
    doc: unknown,
    path: readonly (string | number)[],
    /** Every form's keys at the place itself, whatever its `if`s decide (a `query:` no form takes). */
    opts: { anyForm?: boolean } = {},
  ): Set<string> {
    const root = this.#file(file);
    let here = root ? this.#expand(doc, path.length === 0 && opts.anyForm === true, { file, schema: root }) : [];
    let data = doc;
    for (const [i, seg] of path.entries()) {
      data = member(data, seg);
      const value = data;
      const anyForm = i === path.length - 1 && opts.anyForm === true;
      here = here.flatMap((at) => this.#expand(value, anyForm, ...this.#child(at, seg)));
    }
    const keys = new Set<string>();
    for (const { schema } of here) {
      if (isSchema(schema.properties)) for (const k of Object.keys(schema.properties)) keys.add(k);
    }
    return keys;
  }

  /**
   * The member of the mapping at `path` whose allowed values (`enum` or `const`, in any form)
   * include `word`, when the mapping does not have it: `path_exists:` written as a key where
   * `query: path_exists` chooses the form. With the keys that form requires, and which take a list.
   */
  chooserOf(
    file: string,
    doc: unknown,
    path: readonly (string | number)[],
    word: string,
  ): { member: string; required: { key: string; list: boolean }[] } | undefined {
    const here = valueAt(doc, path);
    if (!isSchema(here)) return undefined;
    for (const { schema } of this.#at(file, doc, path, true)) {
      if (!isSchema(schema.properties)) continue;
      for (const [name, p] of Object.entries(schema.properties)) {
        if (name in here || !isSchema(p)) continue;
        const allowed = Array.isArray(p.enum) ? p.enum : 'const' in p ? [p.const] : [];
        if (!allowed.includes(word)) continue;
        const chosen: Schema = { ...here, [name]: word };
        delete chosen[word];
        const forms = this.#at(file, replaceAt(doc, path, chosen), path, false);
        const required = new Set(forms.flatMap(({ schema: f }) => (Array.isArray(f.required) ? f.required : [])));
        required.delete(name);
        return {
          member: name,
          required: [...required]
            .filter((k): k is string => typeof k === 'string')
            .map((key) => ({
              key,
              list: forms
                .flatMap((f) => this.#expand(undefined, true, ...this.#child(f, key)))
                .some(({ schema: f }) => f.type === 'array'),
            })),
        };
      }
    }
    return undefined;
  }

  /** The values a member of the mapping at `path` may take, when the schema lists them (`enum`, `const`). */
  valuesOf(file: string, doc: unknown, path: readonly (string | number)[], name: string): unknown[] {
    const values = new Set<unknown>();
    for (const { schema } of this.#at(file, doc, path, true)) {
      const p = isSchema(schema.properties) ? schema.properties[name] : undefined;
      if (!isSchema(p)) continue;
      for (const v of Array.isArray(p.enum) ? p.enum : 'const' in p ? [p.const] : []) values.add(v);
    }
    return [...values];
  }

  /** The schemas that check the value at `path`; with `anyForm`, every form at the place itself. */
  #at(file: string, doc: unknown, path: readonly (string | number)[], anyForm: boolean): At[] {
    const root = this.#file(file);
    let here = root ? this.#expand(doc, path.length === 0 && anyForm, { file, schema: root }) : [];
    let data = doc;
    for (const [i, seg] of path.entries()) {
      data = member(data, seg);
      const value = data;
      here = here.flatMap((at) => this.#expand(value, i === path.length - 1 && anyForm, ...this.#child(at, seg)));
    }
    return here;
  }

  #file(file: string): Schema | undefined {
    if (!this.#files.has(file)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(join(this.dir, file), 'utf8'));
      } catch {
        parsed = undefined;
      }
      this.#files.set(file, isSchema(parsed) ? parsed : undefined);
    }
    return this.#files.get(file);
  }

  /** `#/$defs/x` in the same file, or `other.schema.json#/$defs/x`. */
  #resolve(file: string, ref: string): At | undefined {
    const [name, pointer = ''] = ref.split('#');
    const target = name ? name : file;
    let node: unknown = this.#file(target);
    for (const raw of pointer.split('/').slice(1)) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isSchema(node) ? node[seg] : Array.isArray(node) ? node[Number(seg)] : undefined;
    }
    return isSchema(node) ? { file: target, schema: node } : undefined;
  }

  /** A schema and every schema that applies beside it to the same value ($ref, allOf, branches). */
  #expand(value: unknown, anyForm: boolean, ...start: (At | undefined)[]): At[] {
    const out: At[] = [];
    const seen = new Set<Schema>();
    const visit = (at: At | undefined) => {
      if (!at || seen.has(at.schema)) return;
      seen.add(at.schema);
      out.push(at);
      const s = at.schema;
      const sub = (x: unknown) => (isSchema(x) ? visit({ file: at.file, schema: x }) : undefined);
      if (typeof s.$ref === 'string') visit(this.#resolve(at.file, s.$ref));
      for (const k of ['allOf', 'anyOf', 'oneOf']) {
        const list = s[k];
        if (Array.isArray(list)) for (const x of list) sub(x);
      }
      const decided = isSchema(s.if) && !anyForm ? holds(s.if, value) : undefined;
      if (decided !== false) sub(s.then);
      if (decided !== true) sub(s.else);
    };
    for (const at of start) visit(at);
    return out;
  }

  /** The schemas a member (a key, or an item's index) of a value checked by `at` is checked by. */
  #child(at: At, seg: string | number): (At | undefined)[] {
    const s = at.schema;
    const sub = (x: unknown): At | undefined => (isSchema(x) ? { file: at.file, schema: x } : undefined);
    if (typeof seg === 'number') {
      const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as unknown[]) : [];
      return seg < prefix.length ? [sub(prefix[seg])] : [sub(s.items)];
    }
    const out: (At | undefined)[] = [];
    if (isSchema(s.properties) && seg in s.properties) out.push(sub(s.properties[seg]));
    if (isSchema(s.patternProperties)) {
      for (const [re, x] of Object.entries(s.patternProperties)) if (new RegExp(re, 'u').test(seg)) out.push(sub(x));
    }
    if (!out.length) out.push(sub(s.additionalProperties));
    return out;
  }
}

function member(data: unknown, seg: string | number): unknown {
  if (typeof seg === 'number') return Array.isArray(data) ? (data[seg] as unknown) : undefined;
  return isSchema(data) ? data[seg] : undefined;
}

/** A copy of `doc` with the value at `path` replaced (the path leads somewhere: `chooserOf` checked). */
function replaceAt(doc: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [seg, ...rest] = path;
  if (Array.isArray(doc) && typeof seg === 'number')
    return doc.map((x, i) => (i === seg ? replaceAt(x, rest, value) : x));
  if (isSchema(doc) && typeof seg === 'string') return { ...doc, [seg]: replaceAt(doc[seg], rest, value) };
  return doc;
}

/** The value at `path` of a document, undefined where the path leads nowhere. */
export function valueAt(doc: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce(member, doc);
}

/**
 * Whether an `if` of the shape the schemas use holds for `value`: `properties` whose schemas
 * are a `const` or an `enum` (a member that is absent satisfies its schema, as in JSON Schema),
 * and `required` members, without which it does not hold.
 * undefined for any other shape: both branches may apply.
 */
function holds(cond: Schema, value: unknown): boolean | undefined {
  const props = cond.properties;
  if (Object.keys(cond).some((k) => k !== 'properties' && k !== 'required') || !isSchema(props) || !isSchema(value))
    return undefined;
  const required = cond.required ?? [];
  if (!Array.isArray(required)) return undefined;
  // `required` in an `if` keeps a form from applying when the member choosing it is not written.
  if (required.some((name) => typeof name !== 'string' || !(name in value))) return false;
  for (const [name, p] of Object.entries(props)) {
    if (!isSchema(p) || Object.keys(p).some((k) => k !== 'const' && k !== 'enum')) return undefined;
    if (!(name in value)) continue;
    const v = value[name];
    if ('const' in p && p.const !== v) return false;
    if (Array.isArray(p.enum) && !p.enum.includes(v)) return false;
  }
  return true;
}

interface At {
  file: string;
  schema: Schema;
}

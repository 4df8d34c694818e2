/**
 * The build's standalone validators (dist/spec/validators/*.cjs) must answer exactly as ajv
 * compiling the same schemas at run time: same verdict, same errors in the same order, since
 * every spec problem message is made from those errors. Checked on the repository's own specs
 * and on mutations of every node of them (removed, retyped, unknown keys added).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SPEC_FILES } from '../../src/spec/files.js';
import { compiledValidator, precompiledPath, schemaFiles } from '../../src/spec/schema.js';

/** The build's validator of one schema file, as schema.ts loads it. */
function builtValidator(schema: string): ValidateFunction {
  const file = resolve('dist/spec', precompiledPath(schema));
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  return createRequire(import.meta.url)(file) as ValidateFunction;
}

/** Every schema's built validator, keyed by schema file. */
function precompiled(): Record<string, ValidateFunction> {
  return Object.fromEntries(schemaFiles().map((f) => [f, builtValidator(f)]));
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const REPLACEMENTS: Json[] = [null, true, 0, -1, 1.5, 1e9, '', 'x', '14d', 'a b', [], ['x'], {}, { bogus: 1 }];

/** Every document reachable from `doc` by changing one node: removed, replaced, or given an unknown key. */
function* mutations(doc: Json): Generator<Json> {
  function* at(node: Json, rebuild: (n: Json | undefined) => Json): Generator<Json> {
    for (const r of REPLACEMENTS) yield rebuild(r);
    if (Array.isArray(node)) {
      yield rebuild([...node, ...node.slice(0, 1)]);
      for (let i = 0; i < node.length; i++) {
        yield* at(node[i] as Json, (n) =>
          rebuild(n === undefined ? node.filter((_, j) => j !== i) : node.map((x, j) => (j === i ? n : x))),
        );
      }
    } else if (node && typeof node === 'object') {
      yield rebuild({ ...node, unknown_key: 'x' });
      for (const k of Object.keys(node)) {
        yield* at(node[k] as Json, (n) => {
          const copy = { ...node };
          if (n === undefined) delete copy[k];
          else copy[k] = n;
          return rebuild(copy);
        });
      }
    }
  }
  yield* at(doc, (n) => (n === undefined ? null : n));
}

function specDocs(): { schema: string; file: string; data: Json }[] {
  const out: { schema: string; file: string; data: Json }[] = [];
  for (const rfc of readdirSync('gates')) {
    for (const name of readdirSync(join('gates', rfc))) {
      const schema = SPEC_FILES.get(name);
      if (schema)
        out.push({
          schema,
          file: `gates/${rfc}/${name}`,
          data: parse(readFileSync(join('gates', rfc, name), 'utf8')) as Json,
        });
    }
  }
  return out;
}

describe('precompiled spec validators', () => {
  it('cover every schema in schemas/', () => {
    const built = precompiled();
    for (const f of schemaFiles()) expect(typeof built[f], f).toBe('function');
  });

  it('give the same verdict and errors as ajv on every spec and every one-node mutation of it', () => {
    const built = precompiled();
    const docs = specDocs();
    // The fixtures must exercise every spec schema, not only a few.
    expect(new Set(docs.map((d) => d.schema))).toEqual(new Set(SPEC_FILES.values()));
    let valid = 0;
    let invalid = 0;
    for (const { schema, file, data } of docs) {
      const fast = built[schema] as ValidateFunction;
      const slow = compiledValidator(schema);
      for (const doc of [data, ...mutations(data)]) {
        const verdict = fast(doc);
        const fastErrors = structuredClone(fast.errors);
        expect(verdict, file).toBe(slow(doc));
        expect(fastErrors, `${file}: ${JSON.stringify(doc).slice(0, 200)}`).toEqual(slow.errors);
        if (verdict) valid++;
        else invalid++;
      }
    }
    expect(valid).toBeGreaterThan(50);
    expect(invalid).toBeGreaterThan(1000);
  });

  it('give the same answers on documents of the wrong shape altogether', () => {
    const built = precompiled();
    const odd: Json[] = [null, 0, 'text', [], {}, [[]], [null], [{}], [{ id: 'x' }], { id: 'x', title: 1 }];
    for (const schema of schemaFiles()) {
      const fast = built[schema] as ValidateFunction;
      const slow = compiledValidator(schema);
      for (const doc of odd) {
        expect(fast(doc), schema).toBe(slow(doc));
        expect(structuredClone(fast.errors)).toEqual(slow.errors);
      }
    }
  });
});

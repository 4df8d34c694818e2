/**
 * Build step (run after tsc): compiles every schema in schemas/ into standalone validators,
 * dist/spec/validators/<name>.cjs, one module per schema file. Compiling the schemas with ajv
 * took most of the start-up of every command that loads a spec; the generated code is what
 * ajv would compile at run time with the same options and schemas, so it reports the same
 * errors. Running from source (no such file), src/spec/schema.ts compiles with ajv instead.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as standalone from 'ajv/dist/standalone/index.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { createAjv, precompiledPath, schemaFiles } from './schema.js';

// A CommonJS module: under Node's ESM interop its module.exports (the function) is `default`.
const standaloneCode = standalone.default as unknown as (
  ajv: ReturnType<typeof createAjv>,
  validate: ValidateFunction,
) => string;

const here = dirname(fileURLToPath(import.meta.url));
const ajv = createAjv({ source: true });
for (const f of schemaFiles()) {
  const validate = ajv.getSchema(f);
  if (!validate) throw new Error(`ajv has no schema ${f}`);
  const out = join(here, precompiledPath(f));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, standaloneCode(ajv, validate));
}

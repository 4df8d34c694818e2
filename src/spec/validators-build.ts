/**
 * Build step (run after tsc): compiles every schema in schemas/ into standalone validators,
 * dist/spec/spec-validators.cjs, one export per schema file. Compiling the schemas with ajv
 * took most of the start-up of every command that loads a spec; the generated code is what
 * ajv would compile at run time with the same options and schemas, so it reports the same
 * errors. Running from source (no such file), src/spec/schema.ts compiles with ajv instead.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as standalone from 'ajv/dist/standalone/index.js';
import { createAjv, PRECOMPILED_FILE, schemaFiles } from './schema.js';

// A CommonJS module: under Node's ESM interop its module.exports (the function) is `default`.
const standaloneCode = standalone.default as unknown as (
  ajv: ReturnType<typeof createAjv>,
  refs: Record<string, string>,
) => string;

const ajv = createAjv({ source: true });
const refs = Object.fromEntries(schemaFiles().map((f) => [f, f]));
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), PRECOMPILED_FILE), standaloneCode(ajv, refs));

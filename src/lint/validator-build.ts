/**
 * Build step (run after tsc): compiles schemas/lints.schema.json into a standalone
 * validator, dist/lint/lints-validator.cjs, so the lint command (a pre-commit hook) checks
 * lints.yaml without loading and compiling ajv on every commit. Only a file that fails it
 * goes through ajv proper, for the file:line:col messages.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import * as standalone from 'ajv/dist/standalone/index.js';

// A CommonJS module: under Node's ESM interop its module.exports (the function) is `default`.
const standaloneCode = standalone.default as unknown as (ajv: Ajv2020, v: ValidateFunction) => string;

const here = dirname(fileURLToPath(import.meta.url));
const schemas = join(here, '..', '..', 'schemas');
const read = (f: string) => JSON.parse(readFileSync(join(schemas, f), 'utf8')) as object;

// The options of src/spec/schema.ts, so both validators accept exactly the same documents.
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  code: { source: true },
});
ajv.addSchema(read('common.schema.json'), 'common.schema.json');
const validate = ajv.compile(read('lints.schema.json'));
writeFileSync(join(here, 'lints-validator.cjs'), standaloneCode(ajv, validate));

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATE_KINDS } from '../../src/gates/index.js';
import { SPEC_FILES } from '../../src/spec/files.js';

const readme = readFileSync('README.md', 'utf8');
const measurementsSchema = JSON.parse(readFileSync('schemas/measurements.schema.json', 'utf8'));

describe('the registries cannot drift from the files', () => {
  it.each(GATE_KINDS.map((k) => [k.kind, k]))(
    'gate kind %s has its schema, its condition key and a README entry',
    (_, k) => {
      expect(existsSync(`schemas/${k.schema}`)).toBe(true);
      const schema = JSON.parse(readFileSync(`schemas/${k.schema}`, 'utf8'));
      expect(JSON.stringify(schema)).toContain(`"${k.conditionKey}"`);
      expect(readme).toContain(`\`${k.file}\``);
    },
  );

  it('every spec file names an existing schema', () => {
    for (const schema of SPEC_FILES.values()) expect(existsSync(`schemas/${schema}`), schema).toBe(true);
  });

  it.each(['sql', 'git', 'artifact', 'attestation'])('source %s has a schema definition and a README row', (kind) => {
    expect(measurementsSchema.$defs[kind]).toBeDefined();
    expect(measurementsSchema.$defs.measurement.properties[kind]).toEqual({ $ref: `#/$defs/${kind}` });
    expect(readme).toMatch(new RegExp(`^\\| \`${kind}\`\\s*\\|`, 'm'));
  });

  it('every spec of the shipped RFCs starts with the modeline of its schema', () => {
    for (const [file, schema] of SPEC_FILES) {
      const path = `gates/wave3/${file}`;
      if (!existsSync(path)) continue;
      expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=../../schemas/${schema}`);
    }
  });
});

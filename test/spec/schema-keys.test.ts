import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SchemaKeys } from '../../src/spec/schema-keys.js';
import { SCHEMAS_DIR } from '../../src/spec/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'rfcgate-schema-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'other.schema.json'),
  JSON.stringify({
    $defs: { base: { properties: { id: {}, note: { $ref: '#/$defs/note' } } }, note: { properties: { text: {} } } },
  }),
);
writeFileSync(
  join(dir, 'doc.schema.json'),
  JSON.stringify({
    type: 'array',
    items: {
      $ref: 'other.schema.json#/$defs/base',
      properties: { kind: {}, shape: { oneOf: [{ properties: { a: {} } }, { properties: { b: {} } }] } },
      patternProperties: { '^x-': { properties: { ext: {} } } },
      allOf: [
        { if: { properties: { kind: { const: 'one' } } }, then: { properties: { one: {} } } },
        {
          if: { properties: { kind: { enum: ['two', 'deux'] } } },
          then: { properties: { two: {} } },
          else: { properties: { other: {} } },
        },
        { if: { required: ['kind'] }, then: { properties: { maybe: {} } } },
      ],
    },
  }),
);

describe('SchemaKeys: the keys a schema allows at a place in a document', () => {
  const keys = new SchemaKeys(dir);
  const at = (doc: unknown, path: (string | number)[]) => [...keys.keysAt('doc.schema.json', doc, path)].sort();

  it('follows $ref into another file and back to its own $defs, items, properties and patternProperties', () => {
    expect(at([{ note: {} }], [0, 'note'])).toEqual(['text']);
    expect(at([{ 'x-1': {} }], [0, 'x-1'])).toEqual(['ext']);
  });

  it('decides an if on a member value; a member that is absent satisfies it; another shape gives both branches', () => {
    const base = ['id', 'kind', 'maybe', 'note', 'shape'];
    expect(at([{ kind: 'one' }], [0])).toEqual([...base, 'one', 'other'].sort());
    expect(at([{ kind: 'deux' }], [0])).toEqual([...base, 'two'].sort());
    // No kind: every if of properties holds (JSON Schema), so both thens apply.
    expect(at([{}], [0])).toEqual([...base, 'one', 'two'].sort());
  });

  it('a oneOf gives the keys of every form', () => {
    expect(at([{ shape: {} }], [0, 'shape'])).toEqual(['a', 'b']);
  });

  it("reads the shipped schemas: a git measurement's keys follow its query", () => {
    const shipped = new SchemaKeys(SCHEMAS_DIR);
    const git = (query: string) =>
      shipped.keysAt('measurements.schema.json', [{ id: 'm', git: { query } }], [0, 'git']);
    expect([...git('path_exists')].sort()).toEqual(['path', 'query', 'ref']);
    expect([...git('order')].sort()).toEqual(['after', 'before', 'query', 'ref', 'scope']);
  });

  it('a schema file that is missing or not JSON allows nothing known', () => {
    writeFileSync(join(dir, 'broken.schema.json'), '{');
    expect(keys.keysAt('broken.schema.json', {}, []).size).toBe(0);
    expect(keys.keysAt('absent.schema.json', {}, []).size).toBe(0);
  });
});

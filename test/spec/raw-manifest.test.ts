import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifestDatabase } from '../../src/ledger/cli.js';
import { readRawManifest } from '../../src/spec/raw-manifest.js';
import { modeline } from '../helpers/spec-fixture.js';

describe('rfc.yaml read raw (the database a ledger command opens) names where it is broken', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rfcgate-raw-manifest-'));
    mkdirSync(join(root, 'gates', 'demo'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (body: string) => writeFileSync(join(root, 'gates', 'demo', 'rfc.yaml'), modeline('rfc.yaml') + body);

  it('a tab in the indentation: file:line:col and the cause, as spec validate says it', () => {
    write('id: demo\ndatabase:\n\tembedded_dir: .rfcgate/pgdata\n');
    expect(() => readManifestDatabase(root, 'demo')).toThrow(
      'gates/demo/rfc.yaml:4:1: YAML: a tab in the indentation; YAML indents with spaces only; fix it (spec validate lists every problem)',
    );
  });

  it('a key written twice: at the second one', () => {
    write('id: demo\nmainline: main\nid: again\n');
    expect(() => readRawManifest(root, 'demo')).toThrow(/^gates\/demo\/rfc\.yaml:4:1: YAML: key 'id' appears twice/);
  });

  it('a file that parses is read as plain data, unvalidated', () => {
    write('id: demo\ndatabase: { embedded_dir: db }\nunknown_key: 1\n');
    expect(readRawManifest(root, 'demo')).toEqual({ id: 'demo', database: { embedded_dir: 'db' }, unknown_key: 1 });
  });
});

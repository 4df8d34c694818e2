/**
 * src/sources/sql/pg.ts lends node-postgres a `navigator` while it loads, so that on Node 20
 * pg's Cloudflare check does not load Node's fetch implementation (undici, ~20 ms of every
 * database command). Checked in a fresh process on the build's output: the check must not
 * load undici, the borrowed global must be gone afterwards, and pg must work as before.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = `
const before = typeof globalThis.navigator;
const { default: pg } = await import(${JSON.stringify(pathToFileURL(resolve('dist/sources/sql/pg.js')).href)});
console.log(JSON.stringify({
  before,
  after: typeof globalThis.navigator,
  undici: process.moduleLoadList.some((m) => m.includes('undici')),
  client: typeof pg.Client,
  quoted: pg.escapeIdentifier('a"b'),
}));`;

describe('loading node-postgres', () => {
  it('leaves fetch unloaded and no navigator behind', () => {
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out.after).toBe(out.before);
    expect(out.client).toBe('function');
    expect(out.quoted).toBe('"a""b"');
    // Node 21 and later define navigator themselves; there the check never reached fetch.
    expect(out.undici).toBe(false);
  });
});

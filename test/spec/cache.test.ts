/**
 * The spec cache: a hit gives exactly what reading the file gives (the shipped lints.yaml and
 * comparator.yaml, Maps included), any change to the bytes or the build misses, a file with a
 * problem is never stored, and a cache that cannot be read or written only costs time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readComparator } from '../../src/comparator/spec.js';
import { readLints } from '../../src/lint/spec.js';
import { cachedRead, type SpecCache, specCache } from '../../src/spec/cache.js';
import { SpecError } from '../../src/spec/problems.js';
import { readSpecFile } from '../../src/spec/single-file.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function newCache(build = 'build-1'): SpecCache {
  const dir = mkdtempSync(join(tmpdir(), 'rfcgate-cache-'));
  dirs.push(dir);
  return { dir: join(dir, 'specs'), build };
}

const ROOT = resolve('.');
const shipped = (name: string) => {
  const abs = join(ROOT, 'gates', 'wave3', name);
  return { abs, rel: `gates/wave3/${name}`, text: readFileSync(abs, 'utf8') };
};

describe('the spec cache', () => {
  it('gives on a hit exactly what reading the shipped lints.yaml and comparator.yaml gives', async () => {
    const cache = newCache();
    const lints = async (text: string) => {
      const f = await readSpecFile(ROOT, 'wave3', 'lints.yaml', 'lints.schema.json', text);
      if (!f) throw new Error('no lints.yaml');
      const items = (f.data as Record<string, unknown>[]).map((raw, i) => (f.badItems.has(i) ? undefined : raw));
      return readLints(f.y, items, { problems: f.problems, warnings: [], suggest: () => '' });
    };
    const comparator = async (text: string) => {
      const f = await readSpecFile(ROOT, 'wave3', 'comparator.yaml', 'comparator.schema.json', text);
      if (!f) throw new Error('no comparator.yaml');
      return readComparator(f.y, f.data, f.problems);
    };
    for (const [name, read] of [
      ['lints.yaml', lints],
      ['comparator.yaml', comparator],
    ] as const) {
      const file = shipped(name);
      let reads = 0;
      const counted = async (t: string) => {
        reads++;
        return read(t);
      };
      const miss = await cachedRead(cache, file, name, counted);
      const hit = await cachedRead(cache, file, name, counted);
      expect(reads).toBe(1);
      expect(hit).toEqual(miss);
      expect(hit).toEqual(await read(file.text));
    }
    // The comparator's columns are a Map, and stay one.
    const spec = await cachedRead(cache, shipped('comparator.yaml'), 'comparator.yaml', comparator);
    expect(spec.pairs[0]?.at.columns).toBeInstanceOf(Map);
    expect(spec.pairs[0]?.at.columns.size).toBeGreaterThan(0);
    expect(readdirSync(cache.dir)).toHaveLength(2);
  });

  it('misses on other bytes, another path or another build, and keeps one entry per file', async () => {
    const cache = newCache();
    const file = { abs: '/r/gates/x/lints.yaml', rel: 'gates/x/lints.yaml', text: 'a: 1\n' };
    const seen: string[] = [];
    const read = async (t: string) => {
      seen.push(t);
      return { text: t };
    };
    await cachedRead(cache, file, 'lints', read);
    await cachedRead(cache, file, 'lints', read);
    expect(await cachedRead(cache, { ...file, text: 'a: 2\n' }, 'lints', read)).toEqual({ text: 'a: 2\n' });
    await cachedRead(cache, { ...file, rel: 'elsewhere/lints.yaml' }, 'lints', read);
    await cachedRead({ ...cache, build: 'build-2' }, file, 'lints', read);
    expect(seen).toEqual(['a: 1\n', 'a: 2\n', 'a: 1\n', 'a: 1\n']);
    expect(readdirSync(cache.dir)).toHaveLength(1);
  });

  it('never stores a file with a problem, so the error is reported on every run', async () => {
    const cache = newCache();
    const file = { abs: '/r/gates/x/lints.yaml', rel: 'gates/x/lints.yaml', text: 'bad' };
    let reads = 0;
    const failing = async () => {
      reads++;
      throw new SpecError([{ file: file.rel, line: 1, col: 1, message: 'bad', severity: 'error' }]);
    };
    await expect(cachedRead(cache, file, 'lints', failing)).rejects.toBeInstanceOf(SpecError);
    await expect(cachedRead(cache, file, 'lints', failing)).rejects.toBeInstanceOf(SpecError);
    expect(reads).toBe(2);
  });

  it('reads the file again when its entry is damaged, and works when nothing can be written', async () => {
    const cache = newCache();
    const file = { abs: '/r/gates/x/lints.yaml', rel: 'gates/x/lints.yaml', text: 'a: 1\n' };
    let reads = 0;
    const read = async () => ({ n: ++reads });
    await cachedRead(cache, file, 'lints', read);
    const [entry] = readdirSync(cache.dir);
    writeFileSync(join(cache.dir, entry as string), '{"key": "trunc');
    expect(await cachedRead(cache, file, 'lints', read)).toEqual({ n: 2 });
    expect(await cachedRead(cache, file, 'lints', read)).toEqual({ n: 2 });

    // The cache folder's parent is a file: nothing can be created there.
    const blocked = mkdtempSync(join(tmpdir(), 'rfcgate-cache-'));
    dirs.push(blocked);
    writeFileSync(join(blocked, 'specs'), 'not a folder');
    const unwritable = { dir: join(blocked, 'specs', 'x'), build: 'b' };
    expect(await cachedRead(unwritable, file, 'lints', read)).toEqual({ n: 3 });
    expect(await cachedRead(unwritable, file, 'lints', read)).toEqual({ n: 4 });
    expect(readdirSync(blocked)).toEqual(['specs']);
  });

  it('lives where the environment says, and can be turned off', () => {
    expect(specCache({ RFCGATE_CACHE_DIR: '/c' }, 'b')).toEqual({ dir: '/c/specs', build: 'b' });
    expect(specCache({ XDG_CACHE_HOME: '/x' }, 'b')).toEqual({ dir: '/x/rfcgate/specs', build: 'b' });
    expect(specCache({ RFCGATE_CACHE_DIR: '/c', RFCGATE_NO_CACHE: '1' }, 'b')).toBeUndefined();
    // Without a build id (running from the sources) nothing is cached.
    expect(specCache({ RFCGATE_CACHE_DIR: '/c' }, undefined)).toBeUndefined();
  });
});

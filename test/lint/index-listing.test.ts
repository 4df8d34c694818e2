/**
 * The index listing read as git streams it: whatever the chunk boundaries (inside a mode, a
 * blob id, a multi-byte UTF-8 path, between records), it gives what the whole listing gives.
 */
import { describe, expect, it } from 'vitest';
import { IndexListing } from '../../src/lint/scopes.js';

const SHA1 = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
const SHA256 = '473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813';

function listing(id: string): Buffer {
  const rec = (mode: string, stage: number, path: string) => `${mode} ${id} ${stage}\t${path}\0`;
  return Buffer.from(
    [
      rec('100644', 0, 'README.md'),
      rec('100755', 0, 'bin/run tool.sh'),
      rec('120000', 0, 'link-to-readme'),
      rec('160000', 0, 'vendor/submodule'),
      rec('100644', 1, 'src/conflict.py'),
      rec('100644', 2, 'src/conflict.py'),
      rec('100644', 3, 'src/conflict.py'),
      rec('100644', 0, 'docs/naïve – résumé.md'),
      rec('100644', 0, 'src/tab\there.py'),
      rec('100644', 0, 'src/日本語.py'),
    ].join(''),
  );
}

const read = (chunks: Buffer[]) => {
  const l = new IndexListing();
  for (const c of chunks) l.push(c);
  return { universe: l.universe, conflicted: l.conflicted };
};

describe('IndexListing', () => {
  for (const [name, id] of [
    ['SHA-1', SHA1],
    ['SHA-256', SHA256],
  ] as const) {
    it(`reads stage-0 regular files and conflicted paths (${name} ids), split anywhere`, () => {
      const buf = listing(id);
      const whole = read([buf]);
      expect(whole.universe).toEqual([
        'README.md',
        'bin/run tool.sh',
        'docs/naïve – résumé.md',
        'src/tab\there.py',
        'src/日本語.py',
      ]);
      expect(whole.conflicted).toEqual(['src/conflict.py', 'src/conflict.py', 'src/conflict.py']);
      for (let cut = 1; cut < buf.length; cut++) {
        expect(read([buf.subarray(0, cut), buf.subarray(cut)]), `cut at ${cut}`).toEqual(whole);
      }
      // One byte at a time, and in three uneven pieces.
      expect(read([...buf].map((b) => Buffer.from([b])))).toEqual(whole);
      for (let a = 1; a < buf.length; a += 7) {
        const b = Math.min(buf.length - 1, a + 61);
        expect(read([buf.subarray(0, a), buf.subarray(a, b), buf.subarray(b)])).toEqual(whole);
      }
    });
  }

  it('an empty index lists nothing', () => {
    expect(read([])).toEqual({ universe: [], conflicted: [] });
    expect(read([Buffer.alloc(0)])).toEqual({ universe: [], conflicted: [] });
  });
});

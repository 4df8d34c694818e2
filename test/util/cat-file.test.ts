import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatFileBatch } from '../../src/util/cat-file.js';

describe('parseCatFileBatch, over what git itself answers', () => {
  let dir: string;
  const git = (args: string[], input?: string): Buffer =>
    execFileSync('git', args, { cwd: dir, input, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  const batch = (names: string[]) => parseCatFileBatch(git(['cat-file', '--batch'], `${names.join('\n')}\n`), names);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rfcgate-cat-file-'));
    git(['init', '-q']);
    writeFileSync(join(dir, 'c.txt'), 'c\n\nc');
    writeFileSync(join(dir, 'ü b.txt'), 'ü');
    git(['add', '.']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing name with spaces in it is one answer, and the next is read after it', () => {
    // Split on its spaces, ":./a b.txt missing" reads as an object of type "b.txt" and of no
    // size; the answers after it were then taken from the start of the output again.
    const got = batch([':./a b.txt', ':./c.txt', ':./ü b.txt', ':./gone ü.txt', ':./c.txt']);
    expect(got).toEqual([
      { missing: true },
      { type: 'blob', data: Buffer.from('c\n\nc') },
      { type: 'blob', data: Buffer.from('ü') },
      { missing: true },
      { type: 'blob', data: Buffer.from('c\n\nc') },
    ]);
  });

  it('an object asked for by id is answered under that id, a tree with its type', () => {
    const blob = git(['rev-parse', ':./c.txt']).toString().trim();
    const tree = git(['write-tree']).toString().trim();
    const absent = 'f'.repeat(blob.length);
    expect(batch([absent, blob, tree]).map((a) => ('type' in a ? a.type : 'missing'))).toEqual([
      'missing',
      'blob',
      'tree',
    ]);
  });
});

describe('parseCatFileBatch stops at the first answer it cannot take whole', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const out = (...parts: string[]) => Buffer.from(parts.join(''));

  it('cut short, or longer than its size says', () => {
    expect(parseCatFileBatch(out(`${A} blob 4\nab`), [A])).toEqual([]);
    expect(parseCatFileBatch(out(`${A} blob 2\nabc\n`, `${B} blob 0\n\n`), [A, B])).toEqual([]);
  });

  it('an answer for another object than the one asked, or a line that is no answer', () => {
    expect(parseCatFileBatch(out(`${B} blob 2\nab\n`), [A])).toEqual([]);
    expect(parseCatFileBatch(out(`${A} blob 2\nab\n`, `:./x missing\n`), [A, ':./y'])).toEqual([
      { type: 'blob', data: Buffer.from('ab') },
    ]);
    expect(parseCatFileBatch(out(`:./a b.txt ambiguous\n`), [':./a b.txt'])).toEqual([]);
  });
});

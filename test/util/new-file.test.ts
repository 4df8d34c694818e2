/** A file made beside another for a moment takes a name nothing holds, and never replaces one. */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBeside, placeName, replaceWhole, writeBeside } from '../../src/util/new-file.js';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

describe('writeBeside', () => {
  it('takes the next name when one is a file already there, leaving that file as it was', () => {
    const dir = tempDir();
    const base = join(dir, 'r.json');
    writeFileSync(`${base}.${process.pid}.tmp`, 'mine\n');
    writeFileSync(`${base}.${process.pid}.1.tmp`, 'mine too\n');
    const made = writeBeside(base, 'tmp', 'report\n', { mode: 0o600 });
    expect(made).toBe(`${base}.${process.pid}.2.tmp`);
    expect(readFileSync(made, 'utf8')).toBe('report\n');
    expect(readFileSync(`${base}.${process.pid}.tmp`, 'utf8')).toBe('mine\n');
    expect(readFileSync(`${base}.${process.pid}.1.tmp`, 'utf8')).toBe('mine too\n');
  });

  it('passes over the names it is told to avoid, however they are spelled', () => {
    const dir = tempDir();
    const base = join(dir, 'r');
    const avoid = new Set([placeName(join(dir, '.', `r.${process.pid}.tmp`))]);
    expect(basename(writeBeside(base, 'tmp', 'x', { avoid }))).toBe(`r.${process.pid}.1.tmp`);
    expect(readdirSync(dir)).toEqual([`r.${process.pid}.1.tmp`]);
  });

  it('throws a failure other than a name taken as it is, having made nothing', () => {
    const dir = tempDir();
    expect(() => writeBeside(join(dir, 'missing', 'r'), 'tmp', 'x')).toThrow(/ENOENT/);
    const tried: string[] = [];
    expect(() =>
      makeBeside(join(dir, 'r'), 'old', (name) => {
        tried.push(name);
        throw Object.assign(new Error('EPERM, no'), { code: 'EPERM' });
      }),
    ).toThrow(/EPERM/);
    expect(tried).toHaveLength(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('replaceWhole', () => {
  it('replaces the file through a new one, leaving a file already bearing that name as it was', () => {
    const dir = tempDir();
    const path = join(dir, 'doc.md');
    writeFileSync(path, 'old\n');
    writeFileSync(`${path}.${process.pid}.tmp`, 'mine\n');
    replaceWhole(path, 'new\n', { chmod: 0o640 });
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readFileSync(`${path}.${process.pid}.tmp`, 'utf8')).toBe('mine\n');
    expect(readdirSync(dir).sort()).toEqual(['doc.md', `doc.md.${process.pid}.tmp`]);
  });

  it('a rename that fails removes its own temporary file and no other', () => {
    const dir = tempDir();
    const path = join(dir, 'folder');
    mkdirSync(join(path, 'inside'), { recursive: true });
    writeFileSync(`${path}.${process.pid}.tmp`, 'mine\n');
    expect(() => replaceWhole(path, 'new\n')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir).sort()).toEqual(['folder', `folder.${process.pid}.tmp`]);
    expect(readFileSync(`${path}.${process.pid}.tmp`, 'utf8')).toBe('mine\n');
  });
});

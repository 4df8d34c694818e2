/** The record a hook manager's shares leave for one another, in the git folder. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oncePerRun } from '../../src/lint/hook-run.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

describe('oncePerRun', () => {
  it('writes its record through a new file, never over one already bearing that name', () => {
    const repo = createRepo();
    const record = join(repo.dir, '.git', 'rfcgate-hook-run.json');
    const taken = `${record}.${process.pid}.tmp`;
    writeFileSync(taken, 'mine\n');
    oncePerRun(repo.dir, 'demo', ['src/a.py']).save({ tree: true, reported: false });
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ pid: process.ppid, tree: true });
    expect(readFileSync(taken, 'utf8')).toBe('mine\n');
    expect(
      readdirSync(join(repo.dir, '.git'))
        .filter((n) => n.startsWith('rfcgate-hook-run'))
        .sort(),
    ).toEqual([basename(record), basename(taken)].sort());
    // The shares after it read it: a later share of the run follows a tree.
    expect(oncePerRun(repo.dir, 'demo', ['src/b.py']).followsTree()).toBe(true);
  });
});

/**
 * Which repository a command works on without --root: the nearest folder upwards holding
 * gates/, but never above the top of the git repository the command runs in.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';

afterAll(removeFixtures);
const BIN = resolve('bin/run.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the repository root', () => {
  it('is found from a folder deep inside the repository', () => {
    const repo = createRepo();
    writeRfc(repo.dir, { id: 'inside' });
    const deep = join(repo.dir, 'src', 'a', 'b');
    mkdirSync(deep, { recursive: true });
    const r = run(['spec', 'validate'], deep);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^inside: valid/m);
  });

  it('is not a gates/ folder above the git repository: that governs something else', () => {
    const outer = tempDir();
    writeRfc(outer, { id: 'outer' });
    const inner = join(outer, 'projects', 'service');
    mkdirSync(join(inner, 'src'), { recursive: true });
    expect(spawnSync('git', ['init', '-q'], { cwd: inner }).status).toBe(0);
    const r = run(['spec', 'validate'], join(inner, 'src'));
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `error: no RFCs here: ${join(inner, 'gates')} does not exist or is empty; run inside the governed repository or pass --root\n`,
    );
    // Outside any repository, the nearest gates/ upwards is still found.
    expect(run(['spec', 'validate'], join(outer, 'projects')).stdout).toMatch(/^outer: valid/m);
  });
});

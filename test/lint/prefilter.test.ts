/**
 * rg over named files (explicit paths, --changed-since): what lint gives rg on its command
 * line, and what it takes back from rg's output. rg opens whatever it is named (it waits
 * on a FIFO, follows a symlink, reads stdin for `-`), so it must be named only regular
 * files, and only names that are exactly its operands may clear a file.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rgSearch } from '../../src/lint/prefilter.js';
import type { LintReport } from '../../src/lint/report.js';
import type { ScopeRequest } from '../../src/lint/scopes.js';
import { loadRfc } from '../../src/spec/load.js';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { AS_OF, forbidRule, lint, lintRepo, where } from './helpers.js';
import { requireRg } from './rg.js';

const RG = requireRg();
afterAll(removeFixtures);

/**
 * An rg that logs its arguments (NUL-separated, one run after another) and runs the real one,
 * unless it is named a FIFO: the real one would wait on that forever, where the log already
 * shows the FIFO among its operands.
 */
function loggingRg(): { bin: string; operands: () => string[] } {
  const dir = tempDir('rfcgate-rg-log-');
  const log = join(dir, 'args');
  const bin = join(dir, 'rg');
  writeFileSync(
    bin,
    `#!/bin/sh\nprintf '%s\\0' "$@" -- >> '${log}'\nfor a in "$@"; do if [ -p "$a" ]; then exit 2; fi; done\nexec ${RG} "$@"\n`,
  );
  chmodSync(bin, 0o755);
  writeFileSync(log, '');
  return {
    bin,
    // What follows each run's `--` (the run's own, then the one the script adds at its end).
    operands: () => {
      const args = readFileSync(log, 'utf8').split('\0');
      const out: string[] = [];
      let inOperands = false;
      for (const a of args) {
        if (a === '--') inOperands = !inOperands;
        else if (inOperands) out.push(a);
      }
      writeFileSync(log, '');
      return out.sort();
    },
  };
}

const json = (r: LintReport) => JSON.stringify(r, null, 2);

describe('rg over named files', () => {
  it('is given only regular files: a FIFO is not opened and a symlink (to a folder or a file) not followed, with the same report as without rg', async () => {
    const outside = tempDir('rfcgate-outside-');
    writeFileSync(join(outside, 'bad.py'), 'foo\n');
    const repo = lintRepo({ rules: [forbidRule('F1', { pattern: 'foo', include: ['src/**'] })] });
    repo.write('src/a.py', 'x\n');
    repo.write('src/b.py', 'foo\n');
    repo.write('src/p.py', 'y\n');
    symlinkSync(outside, join(repo.dir, 'src/ext'));
    symlinkSync('a.py', join(repo.dir, 'src/alias.py'));
    repo.git(['add', '-A']);
    repo.commit({ message: 'files', date: '2026-05-02T09:00:00Z' });
    const fifo = join(repo.dir, 'src/p.py');
    rmSync(fifo);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const rg = loggingRg();
    for (const scope of [
      { kind: 'paths', paths: ['src'] },
      { kind: 'changed', since: 'HEAD~1' },
    ] satisfies ScopeRequest[]) {
      const js = await lint(repo, scope);
      expect(where(js), scope.kind).toEqual(['src/b.py:1:1 F1']);
      expect(js.files.skipped, scope.kind).toEqual([
        { path: 'src/alias.py', reason: 'a symbolic link, which lint does not follow' },
        { path: 'src/ext', reason: 'a symbolic link, which lint does not follow' },
        { path: 'src/p.py', reason: 'not a regular file (a FIFO, socket or device stands at its path)' },
      ]);
      const withRg = await lint(repo, scope, AS_OF, { rg: { bin: rg.bin, from: 0 } });
      expect(json(withRg), scope.kind).toBe(json(js));
      // rg ran, over the regular files only.
      expect(
        rg.operands().map((o) => o.replace(/^\.\//, '')),
        scope.kind,
      ).toEqual(['src/a.py', 'src/b.py']);
    }
  });

  it('a file named `-` is a file, not stdin, and rg reporting `<stdin>` clears no file of that name', async () => {
    const repo = lintRepo({
      rules: [forbidRule('F1', { pattern: 'foo', include: ['**'], exclude: ['gates/**'] })],
    });
    repo.write('-', 'bar\n');
    repo.write('<stdin>', 'foo\n');
    repo.write('src/a.py', 'x\n');
    repo.git(['add', '-A']);
    repo.commit({ message: 'files', date: '2026-05-02T09:00:00Z' });
    const rg = loggingRg();
    for (const scope of [
      { kind: 'paths', paths: ['-', '<stdin>', 'src'] },
      { kind: 'changed', since: 'HEAD~1' },
    ] satisfies ScopeRequest[]) {
      const js = await lint(repo, scope);
      expect(where(js), scope.kind).toEqual(['<stdin>:1:1 F1']);
      const withRg = await lint(repo, scope, AS_OF, { rg: { bin: rg.bin, from: 0 } });
      expect(json(withRg), scope.kind).toBe(json(js));
      expect(rg.operands(), scope.kind).toEqual(['./-', './<stdin>', './src/a.py']);
    }
  });

  it('records only names that are exactly its operands, whatever else rg prints', async () => {
    const repo = lintRepo({ rules: [forbidRule('F1', { pattern: 'foo', include: ['**'] })] });
    const dir = tempDir('rfcgate-fake-rg-');
    const bin = join(dir, 'rg');
    // Its own operands, one of them as given and one bare; a stdin; a file it was not given;
    // a path beyond one of its operands.
    writeFileSync(
      bin,
      "#!/bin/sh\nprintf './src/a.py\\0src/b.py\\0<stdin>\\0./src/c.py\\0./src/a.py/x\\0./src/a.py\\0'\n",
    );
    chmodSync(bin, 0o755);
    const rules = loadRfc(repo.dir, 'demo').lints ?? [];
    const search = rgSearch(bin, repo.dir, rules, 1 << 20, ['src/a.py', 'src/b.py']);
    await search.done();
    expect(search.ok).toBe(true);
    expect([...search.clean]).toEqual(['src/a.py']);
  });
});

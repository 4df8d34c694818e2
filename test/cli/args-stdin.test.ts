/**
 * oclif reads piped stdin as the value of a positional argument that was not given, unless
 * the argument opts out. A git hook's stdin (pre-push: the refs being pushed) or a CI step's
 * pipe would then become a path to check, so every positional argument opts out.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeFixtures } from '../helpers/git-fixture.js';
import { L1, lintRepo } from '../lint/helpers.js';

afterAll(removeFixtures);

function commandFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? commandFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('positional arguments and stdin', () => {
  it('no command takes piped stdin for a positional argument', async () => {
    const withArgs: string[] = [];
    for (const file of commandFiles(resolve('src/commands'))) {
      const mod = (await import(pathToFileURL(file).href)) as {
        default: { args?: Record<string, { ignoreStdin?: boolean }> };
      };
      for (const [name, arg] of Object.entries(mod.default.args ?? {})) {
        const where = `${relative('src/commands', file)} <${name}>`;
        withArgs.push(where);
        expect(arg.ignoreStdin, where).toBe(true);
      }
    }
    // The commands known to take positional arguments are among those checked.
    expect(withArgs).toEqual(expect.arrayContaining(['lint.ts <paths>', 'parity/diff.ts <golden>']));
  });

  it('lint with text on stdin checks the whole tree, not a path read from stdin', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const r = spawnSync(process.execPath, [resolve('bin/run.js'), 'lint', '--json'], {
      cwd: repo.dir,
      input: 'refs/heads/main 0123 refs/heads/main 4567\n',
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { scope: { kind: string } }).scope.kind).toBe('tree');
  });
});

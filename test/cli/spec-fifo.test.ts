/**
 * A spec file that is a named pipe: reading it would wait for a writer forever, so every
 * command refuses it as a spec problem (exit 3) at its path instead of hanging.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';
import { ORDER } from '../lint/helpers.js';
import { stringify } from 'yaml';

const roots: (() => void)[] = [];
afterAll(() => roots.forEach((cleanup) => cleanup()));

/** An RFC whose `name` is a named pipe; the rest of the spec is sound. */
function rfcWithPipe(name: string): string {
  const { root, cleanup } = tempRoot('rfcgate-fifo-');
  roots.push(cleanup);
  execFileSync('git', ['init', '-q', root]);
  const dir = writeRfc(root, {
    measurements: [{ id: 'rows', window: '1d', sql: { table: 't', timestamp: 'ts', value: 'count(*)' } }],
    disconfirmers: [{ id: 'D', title: 'too many', section: '§1', fires_if: 'rows > 1' }],
  });
  rmSync(join(dir, name), { force: true });
  execFileSync('mkfifo', [join(dir, name)]);
  return root;
}

// The spawn's own limit: a command stuck on the pipe fails its test rather than hanging the run.
const run = (args: string[], cwd: string) => runCli(args, cwd, {}, { timeoutMs: 20_000 });

describe('a spec file that is a named pipe', () => {
  it.each([
    ['gate check', ['gate', 'check'], 'disconfirmers.yaml'],
    ['spec validate', ['spec', 'validate'], 'disconfirmers.yaml'],
    ['gate check (rfc.yaml)', ['gate', 'check'], 'rfc.yaml'],
    ['lint (lints.yaml)', ['lint'], 'lints.yaml'],
  ])(
    '%s refuses it with its path and exit 3',
    (_, args, name) => {
      const r = run(args, rfcWithPipe(name));
      expect(r.stderr).toContain(
        `gates/demo/${name}:1:1: cannot be read (it is a named pipe, not a regular file); make it a YAML file or remove it`,
      );
      expect(r.code).toBe(3);
    },
    60_000,
  );
});

describe('lint with an order rule, in a change scope, when measurements.yaml is a named pipe', () => {
  it('refuses it with its path and exit 3: the look-up of the guarded paths does not wait on the pipe', () => {
    const { root, cleanup } = tempRoot('rfcgate-fifo-');
    roots.push(cleanup);
    execFileSync('git', ['init', '-q', root]);
    const dir = writeRfc(root, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([ORDER]) } });
    execFileSync('mkfifo', [join(dir, 'measurements.yaml')]);
    // A staged change away from the guarded path: the one case where lint looks the path up.
    writeFileSync(join(root, 'notes.md'), 'a note\n');
    execFileSync('git', ['-C', root, 'add', 'notes.md']);
    const r = run(['lint', '--staged'], root);
    expect(r.stderr).toContain(
      'gates/demo/measurements.yaml:1:1: cannot be read (it is a named pipe, not a regular file); make it a YAML file or remove it',
    );
    expect(r.code).toBe(3);
  }, 60_000);
});

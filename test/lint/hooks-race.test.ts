/**
 * hooks install against another install running at the same moment: the other one keeps the
 * user's hook aside and puts its own in place while this one writes its hooks.
 */
import { chmodSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { hooksDir, installHooks, MARKER, uninstallHooks } from '../../src/lint/hooks.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { L1 } from './helpers.js';

afterAll(removeFixtures);

/** Run once, when install writes its first hook: what another install finishing then does. */
const meanwhile: { run?: (base: string) => void } = {};

vi.mock('../../src/util/new-file.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/util/new-file.js')>();
  return {
    ...real,
    writeBeside: (...args: Parameters<typeof real.writeBeside>) => {
      const made = real.writeBeside(...args);
      const run = meanwhile.run;
      meanwhile.run = undefined;
      run?.(args[0]);
      return made;
    },
  };
});

const FOREIGN = '#!/bin/sh\necho the team hook\n';

describe('hooks install, with another install at the same moment', () => {
  it("never writes over the user's hook the other one kept aside", () => {
    const repo = createRepo();
    writeRfc(repo.dir, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    repo.git(['add', '-f', 'gates']);
    repo.commit({ files: { 'src/a.py': 'x = 1\n' }, message: 'spec', date: '2026-05-01T09:00:00Z' });
    const path = join(hooksDir(repo.dir), 'pre-commit');
    writeFileSync(path, FOREIGN);
    chmodSync(path, 0o755);
    // The other install: the user's hook kept aside, its own hook in place.
    meanwhile.run = () => {
      linkSync(path, `${path}.rfcgate-previous`);
      writeFileSync(`${path}.other`, `#!/bin/sh\n${MARKER}\n`, { mode: 0o755 });
      renameSync(`${path}.other`, path);
    };
    const opts = {
      root: repo.dir,
      hooks: ['pre-commit' as const],
      force: false,
      chain: true,
      node: process.execPath,
      bin: resolve('bin/run.js'),
    };
    try {
      installHooks(opts);
    } catch {
      // Refusing is fine; losing the user's hook is not.
    }
    expect(meanwhile.run).toBeUndefined();
    expect(readFileSync(`${path}.rfcgate-previous`, 'utf8')).toBe(FOREIGN);
    expect(readFileSync(path, 'utf8')).toContain(MARKER);
    uninstallHooks(repo.dir, undefined, true);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);

    // A hook kept aside there meanwhile, the user's still in place: neither is written over.
    const other = '#!/bin/sh\necho another\n';
    meanwhile.run = () => writeFileSync(`${path}.rfcgate-previous`, other);
    expect(() => installHooks(opts)).toThrow(
      /rfcgate-previous already exists, so the current pre-commit hook cannot be kept aside/,
    );
    expect(readFileSync(`${path}.rfcgate-previous`, 'utf8')).toBe(other);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(readdirSync(dirname(path)).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    // Refused at pre-push, after pre-commit was done: pre-commit is put back as it was.
    rmSync(`${path}.rfcgate-previous`);
    const push = join(dirname(path), 'pre-push');
    writeFileSync(push, FOREIGN, { mode: 0o755 });
    meanwhile.run = () => writeFileSync(`${push}.rfcgate-previous`, other);
    expect(() => installHooks({ ...opts, hooks: ['pre-commit', 'pre-push'], chain: false, force: true })).toThrow(
      /pre-push.rfcgate-previous already exists/,
    );
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(statSync(path).mode & 0o777).toBe(0o755);
    expect(readFileSync(push, 'utf8')).toBe(FOREIGN);
    expect(
      readdirSync(dirname(path))
        .filter((n) => !n.endsWith('.sample'))
        .sort(),
    ).toEqual(['pre-commit', 'pre-push', 'pre-push.rfcgate-previous']);
  });
});

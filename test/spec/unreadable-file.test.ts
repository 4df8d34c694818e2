import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadComparator } from '../../src/comparator/cli.js';
import { loadCouncilSpec } from '../../src/council/spec.js';
import { loadLints } from '../../src/lint/load.js';
import { SpecError } from '../../src/spec/problems.js';
import { tempRoot, writeRfc } from '../helpers/spec-fixture.js';

/** The problem a load throws, as the command prints it; the error itself when it is not a SpecError. */
async function failure(load: () => unknown): Promise<string> {
  try {
    await load();
  } catch (e) {
    return e instanceof SpecError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
  }
  return 'loaded';
}

describe('a spec file read on its own that is there but cannot be read is not called missing', () => {
  let root: string;
  let cleanup: () => void;
  let dir: string;
  beforeEach(() => {
    ({ root, cleanup } = tempRoot());
    dir = writeRfc(root, {});
  });
  afterEach(() => cleanup());

  it.each([
    ['lints.yaml', () => loadLints(root, 'demo')],
    ['comparator.yaml', () => loadComparator(root, 'demo')],
    ['council.yaml', () => loadCouncilSpec(root, 'demo')],
  ])('%s, a link whose target is gone: named at file:1:1, as spec validate names it', async (name, load) => {
    symlinkSync(join(root, 'gone.yaml'), join(dir, name));
    expect(await failure(load)).toBe(
      `gates/demo/${name}:1:1: cannot be read (a link whose target is gone); make it a YAML file or remove it`,
    );
  });

  it.each([
    ['lints.yaml', () => loadLints(root, 'demo')],
    ['council.yaml', () => loadCouncilSpec(root, 'demo')],
  ])('%s, a link to a folder: says it is a folder', async (name, load) => {
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(dir, name));
    expect(await failure(load)).toMatch(/cannot be read \(it is a folder\)/);
  });

  it('absent: missing; a folder named as it: said to be a folder, as spec validate says', async () => {
    expect(await failure(() => loadLints(root, 'demo'))).toMatch(/^UsageError: demo declares no lint rules/);
    mkdirSync(join(dir, 'comparator.yaml'));
    expect(await failure(() => loadComparator(root, 'demo'))).toBe(
      'gates/demo/comparator.yaml:1:1: cannot be read (it is a folder); make it a YAML file or remove it',
    );
    mkdirSync(join(dir, 'lints.yaml'));
    expect(await failure(() => loadLints(root, 'demo'))).toBe(
      'gates/demo/lints.yaml:1:1: cannot be read (it is a folder); make it a YAML file or remove it',
    );
    expect(await failure(() => loadCouncilSpec(root, 'demo'))).toMatch(/^UsageError: demo has no review council/);
    mkdirSync(join(dir, 'council.yaml'));
    expect(await failure(() => loadCouncilSpec(root, 'demo'))).toBe(
      'gates/demo/council.yaml:1:1: cannot be read (it is a folder); make it a YAML file or remove it',
    );
  });
});

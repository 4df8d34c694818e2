/**
 * The program path in the commands the demo prints: short where the user stands in the
 * package, absolute elsewhere, so a printed line runs from any folder.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, rerunBin } from '../../src/demo/sandbox.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'run.js');

describe('rerunBin', () => {
  it('is relative inside the package', () => {
    expect(PACKAGE_ROOT).toBe(resolve('.'));
    expect(rerunBin(PACKAGE_ROOT)).toBe(join('bin', 'run.js'));
    expect(rerunBin(join(PACKAGE_ROOT, 'bin'))).toBe('run.js');
  });

  it('is absolute from a folder the relative path would climb out of', () => {
    for (const cwd of ['/tmp/some/sandbox', join(PACKAGE_ROOT, 'docs'), `${PACKAGE_ROOT}-other`]) {
      expect(rerunBin(cwd), cwd).toBe(BIN.includes(' ') ? `'${BIN}'` : BIN);
    }
  });
});

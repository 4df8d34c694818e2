/** The lint matcher agrees with picomatch (dotfiles included) on the shapes it matches without it. */
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globProblem, matcher } from '../../src/lint/globs.js';

const FILES = [
  'a.py',
  'src/a.py',
  'src/x/y/b.py',
  'src/x/.hidden.py',
  '.github/w.py',
  'srcx/a.py',
  'src/a.pyx',
  'src/a.py.txt',
  'tests/t.py',
  'tests/deep/t.ex',
  'elixir/app/lib/d.ex',
  'docs/profiles/ode-profile-1.md',
];

describe('lint globs', () => {
  it.each(['**/*.py', 'src/**/*.py', 'tests/**', 'elixir/**/*.ex', 'docs/profiles/ode-profile-*.md', '**/*.{py,ex}'])(
    '%s matches what picomatch matches',
    (g) => {
      const pm = picomatch(g, { dot: true });
      const m = matcher([g]);
      expect(FILES.filter((f) => m(f))).toEqual(FILES.filter((f) => pm(f)));
    },
  );

  it('a path without glob characters means the file or everything under it', () => {
    const m = matcher(['src/x', 'a.py']);
    expect(FILES.filter((f) => m(f))).toEqual(['a.py', 'src/x/y/b.py', 'src/x/.hidden.py']);
  });

  it('names why a glob can never match', () => {
    expect(globProblem('/abs/x')).toMatch(/absolute/);
    expect(globProblem('docs/<date>.md')).toMatch(/placeholder/);
    expect(globProblem('a/../b')).toMatch(/'\.\.'/);
    expect(globProblem('src/**/*.py')).toBeUndefined();
  });
});

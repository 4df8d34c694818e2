import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globProblem, globSyntaxProblem, matchSorted, pathMatcher, someSorted } from '../../src/util/globs.js';

const FILES = [
  '.py',
  'a.py',
  'a\nb.py',
  'src',
  'src/.py',
  'src/a.py',
  'src/a.py/c',
  'src/a.pyx',
  'src/x/y/b.py',
  'srcx/a.py',
  'tests',
  'tests/t',
  'x/.hidden.py',
  '.github/w.yml',
  'g/a/x.py',
  'g/aa/x.py',
  'g/b/x.py',
];

describe('pathMatcher', () => {
  // The string fast path for `dir/**` and `dir/**/*.ext` must agree with picomatch exactly.
  it.each([
    '**/*.py',
    'src/**/*.py',
    'src/**',
    '**',
    'tests/**',
    '.github/**',
    'src/**/*.pyx',
    '{src,tests}/*',
    'src/*.py',
    // Extglobs with no other glob character are globs too, not literal paths.
    'g/!(a)/x.py',
    'g/+(a)/x.py',
    'g/@(a|b)/x.py',
  ])('%s matches what picomatch (dot, newlines crossed) matches', (g) => {
    const pm = picomatch(g, { dot: true, flags: 's' });
    expect(FILES.filter(pathMatcher([g]))).toEqual(FILES.filter((f) => pm(f)));
  });

  it('a glob whose braces or bracket picomatch reads as literal text still has its wildcards', () => {
    const files = [
      '{{cookiecutter.project_slug}}/app/main.py',
      '{{cookiecutter.project_slug}}/setup.py',
      'src/{a}/x.py',
      'src/[ab/x.py',
      'src/a/x.py',
      'src/b/x.py',
    ];
    const sorted = [...files].sort();
    for (const g of ['{{cookiecutter.project_slug}}/**/*.py', 'src/{a}/*.py', 'src/[ab/*.py', 'src/a}/*.py']) {
      const pm = picomatch(g, { dot: true, flags: 's' });
      const expected = files.filter((f) => pm(f));
      expect(expected.length, g).toBeLessThan(files.length);
      expect(files.filter(pathMatcher([g])), g).toEqual(expected);
      expect(matchSorted(sorted, [g]), g).toEqual([...expected].sort());
      expect(someSorted(sorted, [g]), g).toBe(expected.length > 0);
    }
    expect(files.filter(pathMatcher(['{{cookiecutter.project_slug}}/**/*.py']))).toHaveLength(2);
  });

  it('a glob also names the path spelt as it is written, and what is under it, as git pathspecs do', () => {
    const files = ['pages/[id].tsx', 'pages/i.tsx', 'pages/x.tsx', 'app/[slug]/page.tsx', 'app/s/page.tsx'];
    expect(files.filter(pathMatcher(['pages/[id].tsx']))).toEqual(['pages/[id].tsx', 'pages/i.tsx']);
    expect(files.filter(pathMatcher(['app/[slug]']))).toEqual(['app/[slug]/page.tsx']);
    expect(matchSorted([...files].sort(), ['app/[slug]'])).toEqual(['app/[slug]/page.tsx']);
    expect(someSorted([...files].sort(), ['app/[slug]'])).toBe(true);
  });

  it('matchSorted gives the same paths as filtering with pathMatcher', () => {
    const sorted = [...FILES].sort();
    for (const g of ['**/*.py', 'src/**', 'tests', '{src,tests}/*', 'src/**/*.py', 'g/!(a)/x.py']) {
      expect(matchSorted(sorted, [g])).toEqual(sorted.filter(pathMatcher([g])));
    }
  });

  it('someSorted answers as some() with pathMatcher, in sorted, byte-sorted and unsorted lists', () => {
    const accepts = [() => true, (f: string) => !f.endsWith('a.py'), (f: string) => f.startsWith('g/')];
    // git sorts by bytes: a non-ASCII name sorts after 'z' there, and '\uFFFD<e8>' may too.
    const byteSorted = [...FILES, 'src/é.py', 'src/\uFFFD<e8>.py'].sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    const lists = [[...FILES].sort(), byteSorted, [...FILES].reverse(), FILES];
    const globs = [
      ['**/*.py'],
      ['src/**'],
      ['tests'],
      ['src/**/*.py', 'g/**'],
      ['g/!(a)/x.py'],
      ['nowhere/**'],
      ['src/**/*.rb', 'tests/t'],
      ['src/é.py'],
      ['src/\uFFFD<e8>.py'],
    ];
    for (const list of lists)
      for (const g of globs)
        for (const accept of accepts)
          expect(someSorted(list, g, accept), `${g.join(' ')} in ${list.join(',')}`).toBe(
            list.some((f) => pathMatcher(g)(f) && accept(f)),
          );
  });

  it('someSorted finds a match its range search misses, when the list is not in the order it assumes', () => {
    // 'src/a.py' before 'a.py': the binary search for 'src/' lands past it; the full scan does not.
    expect(someSorted(['src/a.py', 'a.py'], ['src/**'])).toBe(true);
    expect(someSorted(['src/a.py', 'a.py'], ['src/**'], (f) => f !== 'src/a.py')).toBe(false);
  });
});

describe('globProblem', () => {
  it('names why a glob can never match, in the words of its caller', () => {
    expect(globProblem('/abs/x', 'deliverables')).toBe(
      'it is absolute; deliverables are relative to the repository root',
    );
    expect(globProblem('/abs/x')).toMatch(/paths are relative/);
    expect(globProblem('a/../b')).toMatch(/'\.\.'/);
    expect(globProblem('a/.git/x')).toMatch(/\.git/);
    // Negation is a .gitignore idea: here it would match nothing and halt at run time.
    expect(globProblem('!vendor/**')).toMatch(/starts with '!', which does not negate here/);
    expect(globProblem('src/!(x).py')).toBeUndefined();
    // A leading extglob is a glob, matched as picomatch matches it.
    expect(globProblem('!(vendor)/**/*.py')).toBeUndefined();
    expect(matchSorted(['src/a.py', 'vendor/b.py'], ['!(vendor)/**/*.py'])).toEqual(['src/a.py']);
    expect(globProblem('!docs/x.md', 'deliverables')).toBe(
      "it starts with '!', which does not negate here: a glob names the deliverables it matches",
    );
    expect(globProblem('src/**/*.py')).toBeUndefined();
  });

  it('refuses a glob picomatch cannot read, naming the bracket left open, and keeps those it reads literally', () => {
    expect(globProblem('src/{a,b/*.py')).toBe(
      "it is not a valid glob: the '{' at character 5 is never closed; close it with '}' (as in {a,b}), or write [{] for a literal '{'",
    );
    expect(globSyntaxProblem('./src/{a,b}/{c')).toMatch(/^the '\{' at character 13 is never closed/);
    expect(globSyntaxProblem('src/[[:alpha:]/x')).toMatch(/^the '\[' at character 5 is never closed/);
    expect(globSyntaxProblem('src/!(a')).toMatch(/^the '\(' at character 6 is never closed/);
    // Each of these matches a path, so none is refused.
    const literal = ['src/[ab/*.py', '{{slug}}/setup.py', 'src/a}/x', 'src/[{]a/x', 'src/{a}/x'];
    for (const g of literal) expect(globSyntaxProblem(g), g).toBeUndefined();
    const paths = ['src/a}/x', 'src/{a/x', 'src/{a}/x', '{{slug}}/setup.py'].sort();
    expect(matchSorted(paths, literal)).toEqual(paths);
  });
});

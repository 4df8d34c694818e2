import { describe, expect, it } from 'vitest';
import { REF_EMPTY, refProblem } from '../../src/util/git-ref.js';

describe('refProblem: a ref git would misread is refused before git is asked', () => {
  it.each([
    'HEAD',
    'main',
    'origin/main~2',
    'v1.2.0^{commit}',
    'main@{1 day ago}',
    '@{upstream}',
    ':/fix the race',
    'main^{/fix the race}',
    'a1b2c3d',
  ])('%j is left to git', (ref) => {
    expect(refProblem(ref)).toBeUndefined();
  });

  it.each([
    ['', REF_EMPTY],
    ['  ', REF_EMPTY],
    ['-x', "starts with '-', which git reads as an option"],
    ['release 2', 'holds a space, which no branch, tag or commit id has'],
    ['main@{1 day ago} ', 'holds a space, which no branch, tag or commit id has'],
    ['main\tnext', 'holds a tab, which no branch, tag or commit id has'],
    [':/fix\nthe race', 'holds a line break, which no branch, tag or commit id has'],
    ['main\u0007', 'holds the character U+0007, which no branch, tag or commit id has'],
    ['origin/', "ends with '/', which no branch or tag name does (is a variable after the slash empty?)"],
    ['origin//main', "holds '//', which no branch or tag name does (is a variable after the slash empty?)"],
  ])('%j %s', (ref, problem) => {
    expect(refProblem(ref)).toBe(problem);
  });
});

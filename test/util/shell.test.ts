import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote, shellWord } from '../../src/util/shell.js';

const ODD = [
  'plain/path.md',
  'with space',
  "it's",
  'a&b;c|d',
  '$HOME `x` "y"',
  '*.md',
  'tab\there',
  '',
  'ünï/cödé',
  '-n',
];

/** What sh receives as its one argument when `word` is written after printf's format. */
const heard = (word: string) => spawnSync('sh', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' }).stdout;

describe('shell words', () => {
  it('sh reads each back as written, quoted always or only when needed', () => {
    for (const s of ODD) {
      expect(heard(shellQuote(s))).toBe(s);
      if (s !== '') expect(heard(shellWord(s))).toBe(s);
    }
  });

  it('a plain path or ref is left as it is, to stay readable', () => {
    expect(shellWord('svc/gates')).toBe('svc/gates');
    expect(shellWord('origin/release-1.2')).toBe('origin/release-1.2');
    expect(shellWord('a b')).toBe("'a b'");
  });
});

import { describe, expect, it } from 'vitest';
import { parseMinAge } from '../../src/comparator/cli.js';
import { formatProblem } from '../../src/spec/problems.js';
import { specFrom, specWithProblems } from './helpers.js';

describe('comparator run --min-age', () => {
  it('reads 0 with or without a unit as no lag', () => {
    for (const zero of ['0', '0s', '0m', '0h', '0d', '0w', '00s']) expect(parseMinAge(zero)).toBe(0);
  });

  it('reads a duration, and refuses what is none, saying what to write', () => {
    expect(parseMinAge('5m')).toBe(300_000);
    expect(parseMinAge(undefined)).toBeUndefined();
    for (const bad of ['5', '-1m', '5 m', '0.5h', 's', ''])
      expect(() => parseMinAge(bad)).toThrow(/is not a duration: use 0, or a whole number and s, m, h, d or w/);
    // A whole number and a unit still: the message says which numbers are taken.
    for (const bad of ['100000w', '05m'])
      expect(() => parseMinAge(bad)).toThrow(/the number from 1 to 99999 without a leading 0$/);
    expect(parseMinAge('99999w')).toBe(99_999 * 604_800_000);
  });
});

describe('comparator.yaml min_age', () => {
  const spec = (pairMinAge: string) => `min_age: 5m
pairs:
  - id: p
    canonical: a.c
    shadow: a.s
    key: [id]
    compare: all
    age_column: updated_at
${pairMinAge}`;

  it("lets a pair's 0 override the file-wide default: no lag for that pair", () => {
    for (const zero of ['0', '"0"', '0s', '0m']) {
      expect(specFrom(spec(`    min_age: ${zero}\n`)).pairs[0]?.minAgeMs).toBe(0);
    }
    expect(specFrom(spec('    min_age: 2m\n')).pairs[0]?.minAgeMs).toBe(120_000);
    expect(specFrom(spec('')).pairs[0]?.minAgeMs).toBe(300_000);
  });

  it('still refuses a min_age that is no duration', () => {
    for (const bad of ['5', '-1m', '"5 m"']) {
      const { problems } = specWithProblems(spec(`    min_age: ${bad}\n`));
      expect(problems.map(formatProblem).join('\n')).toMatch(/min_age/);
    }
  });
});

describe('comparator.yaml file-wide min_age', () => {
  const spec = (fileMinAge: string, pairMinAge = '') => `min_age: ${fileMinAge}
pairs:
  - id: p
    canonical: a.c
    shadow: a.s
    key: [id]
    compare: all
    age_column: updated_at
${pairMinAge}  - { id: q, canonical: a.d, shadow: a.t, key: [id], compare: all, age_column: updated_at }
`;

  it('takes 0 as a pair does: no lag for every pair without its own', () => {
    for (const zero of ['0', '"0"', '0s', '0m']) {
      expect(specFrom(spec(zero)).pairs.map((p) => p.minAgeMs)).toEqual([0, 0]);
    }
    expect(specFrom(spec('0', '    min_age: 2m\n')).pairs.map((p) => p.minAgeMs)).toEqual([120_000, 0]);
  });

  it('still refuses one that is no duration, at its line', () => {
    for (const bad of ['5', '-1m', '"5 m"', '0.5h']) {
      const { problems } = specWithProblems(spec(bad));
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.map(formatProblem).join('\n')).toMatch(/comparator\.yaml:2:\d+: .*min_age/);
    }
    // A bare number is a duration without its unit, and 0 is the one that needs none.
    expect(specWithProblems(spec('5')).problems.map(formatProblem)).toEqual([
      expect.stringMatching(/min_age: 5 has no unit: must be a duration such as 14d, 24h or 60s .*, or 0 for none$/),
    ]);
  });
});

describe('comparator.yaml min_age without an age_column', () => {
  const spec = (fileMinAge: string, pair: string) => `min_age: ${fileMinAge}
pairs:
  - id: p
    canonical: a.c
    shadow: a.s
    key: [id]
    compare: all
${pair}`;

  it("is a spec error at the pair's min_age, or at the pair for the file's: the lag would skip nothing", () => {
    expect(specWithProblems(spec('0', '    min_age: 2m\n')).problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^gates\/t\/comparator\.yaml:9:14: .*pair 'p' has min_age 2m but names no age_column, .*; add age_column .*, or min_age: 0 on the pair for no lag$/,
      ),
    ]);
    expect(specWithProblems(spec('5m', '')).problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^gates\/t\/comparator\.yaml:4:5: .*pair 'p' takes the file's min_age 5m but names no age_column/,
      ),
    ]);
  });

  it('is no error with no lag, or with the column', () => {
    expect(specFrom(spec('5m', '    min_age: 0\n')).pairs[0]?.minAgeMs).toBe(0);
    expect(specFrom(spec('0', '')).pairs[0]?.minAgeMs).toBe(0);
    expect(specFrom(spec('5m', '    age_column: updated_at\n')).pairs[0]?.minAgeMs).toBe(300_000);
  });
});

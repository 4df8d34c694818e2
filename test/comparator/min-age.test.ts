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

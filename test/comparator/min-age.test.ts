import { describe, expect, it } from 'vitest';
import { parseMinAge } from '../../src/comparator/cli.js';

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

import { describe, expect, it } from 'vitest';
import { runIdProblem } from '../../src/comparator/record.js';

describe('comparator run --run-id', () => {
  it('refuses a blank id: every later run would be found already recorded', () => {
    for (const id of ['', ' ', '\t']) expect(runIdProblem('wave3', ['identities'], id)).toMatch(/^--run-id is blank/);
  });

  it('refuses an id with no letter or digit, as unset variables leave one', () => {
    for (const id of ['-', ' - ', '_', '-:']) {
      expect(runIdProblem('wave3', ['identities'], id)).toBe(
        `--run-id '${id}' has no letter or digit, as when the variables it is made of are unset: every such run would be recorded under the same id, and after the first nothing would be stored; give an id such as the hour ("$(date -u +%Y-%m-%dT%H)"), or leave --run-id out for a random one`,
      );
    }
    expect(runIdProblem('wave3', ['identities'], '7')).toBeUndefined();
    expect(runIdProblem('wave3', ['identities'], 'é')).toBeUndefined();
  });

  it('takes an id whose every recorded key fits the ledger, and says how long one may be', () => {
    // comparator:wave3:identities:<id>:<24 hex digits> is at most 200 characters.
    const most = 200 - 'comparator:wave3:identities:'.length - 25;
    expect(runIdProblem('wave3', ['agents', 'identities'], 'x'.repeat(most))).toBeUndefined();
    expect(runIdProblem('wave3', ['agents', 'identities'], 'x'.repeat(most + 1))).toBe(
      `--run-id is ${most + 1} characters; with this RFC's pair ids it may be at most ${most} (it is part of each recorded row's idempotency key)`,
    );
    expect(runIdProblem('wave3', ['agents'], 'x'.repeat(most + 1))).toBeUndefined();
    expect(runIdProblem('wave3', ['identities'], '2026-06-01T12')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { closest, suggest } from '../../src/util/suggest.js';

describe('spelling suggestions', () => {
  it('names the closest candidate within a few edits, fewer for a short word', () => {
    expect(closest('severty', ['section', 'severity', 'title'])).toBe('severity');
    expect(closest('p5O_ms', ['p50_ms', 'p99_ms'])).toBe('p50_ms');
    expect(closest('ix', ['id', 'title'])).toBe('id');
    expect(closest('colour', ['window', 'sql', 'require'])).toBeUndefined();
    expect(suggest('fire_if', ['fires_if'])).toBe(" (did you mean 'fires_if'?)");
    expect(suggest('zzz', ['fires_if'])).toBe('');
  });

  it('never a word as far from it as any word of its length could be', () => {
    expect(closest('<<', ['id', 'title'])).toBeUndefined();
    expect(closest('x', ['y', 'id'])).toBeUndefined();
    expect(closest('ab', ['xy'])).toBeUndefined();
  });

  it('a word that differs only in case names the candidate, however short', () => {
    expect(closest('b', ['A.1', 'B', 'C'])).toBe('B');
    expect(closest('ec1', ['EC1', 'EC10', 'EC2'])).toBe('EC1');
    expect(suggest('inv-order', ['INV-ORDER', 'INV-SHADOW'])).toBe(" (did you mean 'INV-ORDER'?)");
  });
});

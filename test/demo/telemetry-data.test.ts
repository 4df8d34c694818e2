/**
 * The demo's telemetry must be physically possible: a turn can read from the cache only
 * what earlier turns of its session wrote there.
 */
import { describe, expect, it } from 'vitest';
import { telemetryJsonl } from '../../src/demo/data.js';
import { Rng } from '../../src/demo/rng.js';

interface Turn {
  session_id: string;
  turn: number;
  type?: string;
  usage?: { cache_read_input_tokens: number; cache_creation_input_tokens: number };
}

describe('demo telemetry', () => {
  it.each([1, 7, 20260601])('each turn reads exactly the prefix its session cached before it (seed %i)', (seed) => {
    const turns = telemetryJsonl(new Rng(seed))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Turn)
      .filter((t) => t.usage);
    const cached = new Map<string, number>();
    let hits = 0;
    let misses = 0;
    for (const t of turns) {
      const { cache_read_input_tokens: read, cache_creation_input_tokens: created } = t.usage!;
      const before = cached.get(t.session_id) ?? 0;
      if (read > 0) {
        hits++;
        expect(read, `${t.session_id} turn ${t.turn}`).toBe(before);
        cached.set(t.session_id, before + created);
      } else {
        // A miss writes the prefix again: at least what was cached before.
        misses++;
        expect(created, `${t.session_id} turn ${t.turn}`).toBeGreaterThanOrEqual(before);
        cached.set(t.session_id, created);
      }
    }
    expect(hits).toBeGreaterThan(misses);
  });
});

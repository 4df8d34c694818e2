import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Measurer } from '../../src/engine/measure.js';
import type { MeasurementOutcome, MeasurementSource } from '../../src/sources/types.js';
import type { MeasurementSpec, RfcManifest } from '../../src/spec/types.js';
import { ok } from '../helpers/gate-tester.js';

function spec(id: string): MeasurementSpec {
  return {
    id,
    type: 'double',
    source: 'sql',
    window: '1d',
    sql: { query: 'SELECT 1 AS value' },
    location: { file: 'gates/demo/measurements.yaml', line: 1, col: 3 },
  } as MeasurementSpec;
}

/** One connection, held by one measurement at a time, as PGlite's: `hold` ms of work each. */
function oneConnection(hold: Record<string, number>, timedFromStart: boolean): MeasurementSource {
  let free = Promise.resolve();
  return {
    kind: 'sql',
    timedFromStart,
    async measure(m, ctx): Promise<MeasurementOutcome> {
      const before = free;
      let release = () => {};
      free = new Promise((r) => {
        release = r;
      });
      await before;
      ctx.started?.();
      await sleep(hold[m.id] ?? 0);
      release();
      return ok(1);
    },
    async close() {},
  };
}

function measurer(source: MeasurementSource, timeoutMs: number) {
  return new Measurer(new Map(['slow', 'quick'].map((id) => [id, spec(id)])), {
    sources: { sql: source },
    context: { asOf: new Date('2026-06-01T00:00:00Z'), ref: 'HEAD', repoDir: '.', manifest: {} as RfcManifest },
    timeoutMs,
  });
}

describe('Measurer timeouts', () => {
  it('times a queued measurement from its own start: waiting behind a slow one does not time it out', async () => {
    const m = measurer(oneConnection({ slow: 600, quick: 0 }, false), 150);
    const [slow, quick] = await Promise.all([m.get('slow'), m.get('quick')]);
    expect(slow).toMatchObject({ status: 'halt', halt: 'error', reason: 'the sql source timed out after 0.15s' });
    expect(quick).toMatchObject({ status: 'ok', value: 1 });
  });

  it('times a source that does not say when its work starts from the call, wait included', async () => {
    const m = measurer(oneConnection({ slow: 600, quick: 0 }, true), 150);
    const [slow, quick] = await Promise.all([m.get('slow'), m.get('quick')]);
    expect(slow).toMatchObject({ status: 'halt', reason: 'the sql source timed out after 0.15s' });
    expect(quick).toMatchObject({ status: 'halt', reason: 'the sql source timed out after 0.15s' });
  });
});

/**
 * Principle 6: a channel that was producing and went silent is an alarm, distinct from one
 * that never started. Exercised on the RFC's own table shape (created by `db migrate`,
 * partitioned by month) and fed through `measure record`'s code path, on every backend.
 */
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { recordMeasurements } from '../../../src/ledger/measurements.js';
import { migrate, migrationPlan } from '../../../src/ledger/schema.js';
import { SqlMeasurementSource } from '../../../src/sources/sql/source.js';
import type { MeasurementOutcome } from '../../../src/sources/types.js';
import { loadRfc } from '../../../src/spec/load.js';
import { testBackends, useLedgerDatabase } from '../../ledger/helpers.js';
import { DAY, evalContext } from './fixtures.js';

const AS_OF = new Date('2026-06-01T00:00:00Z');
const wave3 = loadRfc(resolve('.'), 'wave3');

function measurement(id: string) {
  const m = wave3.measurements.get(id);
  if (!m) throw new Error(`wave3 has no measurement ${id}`);
  return m;
}

function halted(out: MeasurementOutcome) {
  if (out.status !== 'halt') throw new Error(`expected a halt, got ${String(out.value)}`);
  return out;
}

describe.each(testBackends())('went dark vs never started on $name', (backend) => {
  const db = useLedgerDatabase(backend);
  beforeEach(async () => {
    await db.reset();
    await migrate(db.writer(), migrationPlan({ from: new Date('2026-03-01T00:00:00Z'), to: AS_OF }));
  });

  async function measure(id: string) {
    const source = new SqlMeasurementSource({ open: () => db.reader() });
    try {
      return await source.measure(measurement(id), evalContext(AS_OF));
    } finally {
      await source.close();
    }
  }

  it('a channel that produced in an earlier window and not in this one went dark, naming its last row', async () => {
    // Hourly comparator runs for ten days, ending 12 days before as_of: nothing in the 7d window.
    const last = new Date(AS_OF.getTime() - 12 * DAY);
    const rows = Array.from({ length: 240 }, (_, i) => ({
      type: 'measurement.comparator.run',
      at: new Date(last.getTime() - i * 3_600_000),
      elapsedMs: 1_000,
    }));
    await recordMeasurements(db.writer(), rows, { recordedBy: 'test' });
    const out = halted(await measure('comparator_runs_7d'));
    expect(out.halt).toBe('missing');
    expect(out.reason).toBe(
      `measurement 'comparator_runs_7d': went dark: no rows in the 7d window; the channel's last row was at ${last.toISOString()}, 12d before as_of`,
    );
    expect(out.evidence).toMatchObject({ rows: 0, channel: 'went_dark', newest_ever: last.toISOString() });
  });

  it('a channel with no rows ever never started', async () => {
    // Another channel is producing: the table is live, this channel is not.
    await recordMeasurements(db.writer(), [
      { type: 'measurement.lease_plane.request', at: new Date(AS_OF.getTime() - DAY), elapsedMs: 3 },
    ]);
    const out = halted(await measure('comparator_runs_7d'));
    expect(out.halt).toBe('missing');
    expect(out.reason).toMatch(
      /^measurement 'comparator_runs_7d': never started: no rows ever in audit\.coordination_measurements matching the measurement before 2026-06-01T00:00:00\.000Z$/,
    );
    expect(out.evidence).toMatchObject({ rows: 0, channel: 'never_started', newest_ever: null });
  });

  it('rows recorded after as_of do not make a dark channel look alive', async () => {
    await recordMeasurements(db.writer(), [
      { type: 'measurement.comparator.run', at: new Date(AS_OF.getTime() - 30 * DAY), elapsedMs: 1 },
      { type: 'measurement.comparator.run', at: new Date(AS_OF.getTime() + 3_600_000), elapsedMs: 1 },
    ]);
    const out = halted(await measure('comparator_runs_7d'));
    expect(out.evidence.channel).toBe('went_dark');
    expect(out.reason).toMatch(/30d before as_of/);
  });
});

/**
 * One reading of a date or an instant for every flag that takes one (--as-of, measure record
 * --at, db migrate --from/--to): the same text is the same instant, or refused, everywhere.
 */
import { describe, expect, it } from 'vitest';
import { parseAsOf } from '../../src/cli/rfc-command.js';
import { parseInstant } from '../../src/ledger/measurements.js';
import { instantMs } from '../../src/util/calendar.js';

const NOW = new Date('2030-01-01T00:00:00Z');

describe('instantMs', () => {
  it.each([
    ['2026-06-01', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01T10:00', '2026-06-01T10:00:00.000Z'],
    ['2026-06-01T10:00:30Z', '2026-06-01T10:00:30.000Z'],
    ['2026-06-01t10:00:30z', '2026-06-01T10:00:30.000Z'],
    ['2026-06-01 10:00:30', '2026-06-01T10:00:30.000Z'],
    ['2026-06-01T10:00:30.250+02:00', '2026-06-01T08:00:30.250Z'],
    ['2026-06-01T10:00:30.123456789Z', '2026-06-01T10:00:30.123Z'],
    ['2026-06-01 10:00:30.5+00', '2026-06-01T10:00:30.500Z'],
    ['2026-06-01 10:00:30-05', '2026-06-01T15:00:30.000Z'],
  ])('%s is %s, read alike by --as-of, --at and --from', (text, iso) => {
    expect(new Date(instantMs(text)).toISOString()).toBe(iso);
    expect(parseAsOf(text, NOW).toISOString()).toBe(iso);
    expect(parseInstant(text, '--at').toISOString()).toBe(iso);
  });

  it.each([
    '2026-02-30',
    '2026-6-1',
    '2026-06-01T10',
    '2026-06-01T10:00:30Q',
    '2026-06-01T10:00:30+5',
    'June 1st',
    '2026-06-01T25:00',
  ])('%s is refused by every flag', (text) => {
    expect(instantMs(text)).toBeNaN();
    expect(() => parseAsOf(text, NOW)).toThrow(/is not a date/);
    expect(() => parseInstant(text, '--at')).toThrow(/is not a date/);
  });
});

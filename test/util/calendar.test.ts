/**
 * One reading of a date or an instant for every flag that takes one (--as-of, measure record
 * --at, db migrate --from/--to): the same text is the same instant, or refused, everywhere.
 */
import { describe, expect, it } from 'vitest';
import { parseAsOf, refuseFinerThanMillisecond } from '../../src/cli/rfc-command.js';
import { UsageError } from '../../src/spec/problems.js';
import { parseInstant } from '../../src/ledger/measurements.js';
import { cutToMillisecond, instantMs } from '../../src/util/calendar.js';

const NOW = new Date('2030-01-01T00:00:00Z');

describe('instantMs', () => {
  it.each([
    ['2026-06-01', '2026-06-01T00:00:00.000Z'],
    ['2026-06-01T10:00', '2026-06-01T10:00:00.000Z'],
    ['2026-06-01T10:00:30Z', '2026-06-01T10:00:30.000Z'],
    ['2026-06-01t10:00:30z', '2026-06-01T10:00:30.000Z'],
    ['2026-06-01 10:00:30', '2026-06-01T10:00:30.000Z'],
    ['2026-06-01T10:00:30.250+02:00', '2026-06-01T08:00:30.250Z'],
    ['2026-06-01T10:00:30.123000000Z', '2026-06-01T10:00:30.123Z'],
    ['2026-06-01 10:00:30.5+00', '2026-06-01T10:00:30.500Z'],
    ['2026-06-01 10:00:30-05', '2026-06-01T15:00:30.000Z'],
  ])('%s is %s, read alike by --as-of, --at and --from', (text, iso) => {
    expect(new Date(instantMs(text)).toISOString()).toBe(iso);
    expect(parseAsOf(text, NOW).toISOString()).toBe(iso);
    expect(parseInstant(text, '--at').toISOString()).toBe(iso);
  });

  // Was read as .123 by --as-of too; now only where the instant names a month (db migrate) or
  // is data (telemetry's ts): a flag giving an instant refuses it (refuseFinerThanMillisecond).
  it('2026-06-01T10:00:30.123456789Z: read to the millisecond where it names a month, refused by --as-of', () => {
    const text = '2026-06-01T10:00:30.123456789Z';
    expect(new Date(instantMs(text)).toISOString()).toBe('2026-06-01T10:00:30.123Z');
    expect(parseInstant(text, '--at').toISOString()).toBe('2026-06-01T10:00:30.123Z');
    expect(() => parseAsOf(text, NOW)).toThrow(
      "--as-of '2026-06-01T10:00:30.123456789Z' is finer than a millisecond, and rfcgate reads every instant to the millisecond; give at most 3 digits after the seconds, such as 2026-06-01T10:00:30.123Z",
    );
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

describe('cutToMillisecond', () => {
  it.each([
    ['2026-06-01T10:00:30.123456Z', '2026-06-01T10:00:30.123Z'],
    ['2026-06-01T10:00:30.1230001Z', '2026-06-01T10:00:30.123Z'],
    ['2026-06-01T10:00:30.0000001+02:00', '2026-06-01T10:00:30.000+02:00'],
    ['2026-06-01 10:00:30.9999999', '2026-06-01 10:00:30.999'],
    [' 2026-06-01t10:00:30.1234z ', '2026-06-01t10:00:30.123z'],
  ])('%s has a digit past the millisecond: cut, it is %s', (text, cut) => {
    expect(cutToMillisecond(text)).toBe(cut);
  });

  it.each([
    '2026-06-01',
    '2026-06-01T10:00',
    '2026-06-01T10:00:30Z',
    '2026-06-01T10:00:30.1Z',
    '2026-06-01T10:00:30.123Z',
    '2026-06-01T10:00:30.123000000Z',
    '2026-06-01T10:00:30.500+05:30',
  ])('%s loses nothing read to the millisecond', (text) => {
    expect(cutToMillisecond(text)).toBeUndefined();
    expect(() => parseAsOf(text, NOW)).not.toThrow();
  });

  it('every flag taking an instant refuses a finer one in the same words, naming itself', () => {
    expect(() => parseAsOf('2026-06-01T10:00:30.0000001Z', NOW, { future: true })).toThrow(
      /^--as-of '2026-06-01T10:00:30\.0000001Z' is finer than a millisecond, .* such as 2026-06-01T10:00:30\.000Z$/,
    );
    expect(() => refuseFinerThanMillisecond('2026-06-01T10:00:30.1234Z', '--snapshot-at')).toThrow(UsageError);
    expect(() => refuseFinerThanMillisecond('2026-06-01T10:00:30.1230Z', '--snapshot-at')).not.toThrow();
  });
});

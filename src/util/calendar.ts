/**
 * An instant in UTC from its fields, the year as written: `Date.UTC` reads the years 0-99 as
 * 1900-1999, so the year is set on its own. Fields out of range roll over as `Date.UTC`'s do.
 */
export function utcDate(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date {
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, ms));
  date.setUTCFullYear(y);
  return date;
}

/**
 * Whether year, month (1-12) and day name a real calendar date: `Date` rolls 2026-02-30 over
 * into March, and neither that nor a two-digit year may pass a date that is not one.
 */
export function isCalendarDate(y: number, mo: number, d: number): boolean {
  const probe = utcDate(y, mo, d);
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

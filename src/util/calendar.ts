/**
 * Whether year, month (1-12) and day name a real calendar date. `Date` rolls 2026-02-30 over
 * into March, and `Date.UTC` reads the years 0-99 as 1900-1999: the year is set on its own, as
 * written, so neither slip can pass a date that is not one.
 */
export function isCalendarDate(y: number, mo: number, d: number): boolean {
  const probe = new Date(Date.UTC(2000, mo - 1, d));
  probe.setUTCFullYear(y);
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

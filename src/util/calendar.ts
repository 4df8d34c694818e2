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

/**
 * The UTC instant of a date or an RFC 3339 / ISO-8601 instant as every flag that takes one reads
 * it (`--as-of`, `--at`, `--from`/`--to`), and telemetry's `ts` too: `YYYY-MM-DD`, or that with a
 * time after `T` (or a space, as Python's `str(datetime)` and PostgreSQL's text write it, or the
 * lower-case `t` RFC 3339 §5.6 allows), `HH:MM` and optional seconds and fraction,
 * and a zone (`Z`, `z`, `±HH:MM`, `±HHMM`, or `±HH` as PostgreSQL's text writes a whole hour);
 * without a zone it is UTC, so CI and laptops agree. NaN for anything else, a date that is not
 * on the calendar (2026-02-30) included.
 */
export function instantMs(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(
    text,
  );
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return Number.NaN;
  const date = text.slice(0, 10);
  // PostgreSQL writes a whole-hour zone as `+00`, which ECMAScript's form spells `+00:00`.
  const zone = m[5] === undefined ? 'Z' : m[5].length === 3 ? `${m[5]}:00` : m[5].toUpperCase();
  // Date.parse is given the form ECMAScript defines: upper case, a T, a zone.
  return Date.parse(m[4] === undefined ? `${date}T00:00:00Z` : `${date}T${m[4]}${zone}`);
}

/**
 * `text` cut to the millisecond (`…:05.123456Z` as `…:05.123Z`) when its fraction of a second
 * has a digit past the third that is not zero; undefined when a JavaScript Date holds it whole.
 * For the flags that take an instant: a Date keeps milliseconds, so anything finer would be
 * dropped without a word (telemetry's `ts` is data, not a flag, and is read to the millisecond).
 */
export function cutToMillisecond(text: string): string | undefined {
  const fraction = /:\d{2}\.(\d+)/.exec(text)?.[1] ?? '';
  if (!/[1-9]/.test(fraction.slice(3))) return undefined;
  return text.trim().replace(/(:\d{2}\.\d{3})\d+/, '$1');
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
// At most five digits: 99999w is about 1,900 years, well inside the range of a Date either side of now.
export const DURATION_PATTERN = '^[1-9][0-9]{0,4}(s|m|h|d|w)$';
const RE = new RegExp(DURATION_PATTERN);

/** Parses `14d`, `24h`, `60s`; returns undefined for anything else so callers report it. */
export function parseDuration(text: string): number | undefined {
  if (!RE.test(text)) return undefined;
  const unit = text.slice(-1) as keyof typeof UNIT_MS;
  return Number(text.slice(0, -1)) * UNIT_MS[unit];
}

export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: ${text}`);
  return ms;
}

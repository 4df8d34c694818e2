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

/** `3d 4h`, `5h 12m`, `42m`, `30s`: ages in a reason a person reads at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const min = Math.floor((s % 3_600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return min > 0 ? `${h}h ${min}m` : `${h}h`;
  if (min > 0) return `${min}m`;
  return `${s}s`;
}

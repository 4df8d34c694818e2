/** How far ahead of this machine's clock an instant may be (another machine's clock, a rounded instant). */
export const CLOCK_SLACK_MS = 5 * 60_000;

/** How far ahead of this machine's clock an instant may be (another machine's clock, a rounded instant). */
export const CLOCK_SLACK_MS = 5 * 60_000;

/**
 * How far before now an instant may be for a source that can read only the present state (a
 * `current_state` query, the captures in the working tree): present-day state still stands for a
 * moment that recent (a check started a little while ago, a clock a little off), not further back.
 */
export const CURRENT_STATE_TOLERANCE_MS = 5 * 60_000;

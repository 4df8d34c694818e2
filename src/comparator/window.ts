/**
 * The shadow window's state per pair, kept in the ledger (rfcgate.comparator_windows), not
 * in a home-directory file, so every host running the comparator sees the same history:
 *
 *   never_started  the shadow is empty and has never been seen non-empty
 *   active         the shadow holds rows
 *   went_dark      the shadow is empty after having been active: the writer stopped, an alarm
 *
 * Read through the read-only client; written only by `comparator run --record`.
 */
import type { SqlClient } from '../sources/sql/client.js';
import { SqlHaltError } from '../sources/sql/client.js';
import type { SqlTx } from '../sources/sql/writer.js';

export const WINDOWS_TABLE = 'rfcgate.comparator_windows';
export const WINDOW_STATES = ['never_started', 'active', 'went_dark'] as const;
export type WindowState = (typeof WINDOW_STATES)[number];

export interface StoredWindow {
  pair: string;
  state: WindowState;
  first_active_at: string | null;
  last_active_at: string | null;
  went_dark_at: string | null;
}

/** The next state from the stored one and whether the shadow holds rows now. */
export function nextState(previous: WindowState | undefined, shadowHasRows: boolean): WindowState {
  if (shadowHasRows) return 'active';
  return previous === 'active' || previous === 'went_dark' ? 'went_dark' : 'never_started';
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));

/**
 * The stored windows of one RFC, or `undefined` when the ledger has no window table yet
 * (`db migrate` creates it): the caller says so rather than guessing a history.
 */
export async function readWindows(
  client: SqlClient,
  rfc: string,
  timeoutMs: number,
): Promise<Map<string, StoredWindow> | undefined> {
  try {
    const res = await client.query(
      `SELECT pair, state, first_active_at, last_active_at, went_dark_at FROM ${WINDOWS_TABLE} WHERE rfc = $1`,
      [rfc],
      { timeoutMs },
    );
    return new Map(
      res.rows.map((r) => [
        String(r.pair),
        {
          pair: String(r.pair),
          state: String(r.state) as WindowState,
          first_active_at: iso(r.first_active_at),
          last_active_at: iso(r.last_active_at),
          went_dark_at: iso(r.went_dark_at),
        },
      ]),
    );
  } catch (err) {
    if (err instanceof SqlHaltError && (err.sqlstate === '42P01' || err.sqlstate === '3F000')) return undefined;
    throw err;
  }
}

/** Upserts one pair's state inside the recording transaction. */
export async function writeWindow(tx: SqlTx, rfc: string, pair: string, state: WindowState, at: Date): Promise<void> {
  await tx.query(
    `INSERT INTO ${WINDOWS_TABLE} AS w (rfc, pair, state, first_active_at, last_active_at, went_dark_at, updated_at)
     VALUES ($1, $2, $3,
             CASE WHEN $3 = 'active' THEN $4::timestamptz END,
             CASE WHEN $3 = 'active' THEN $4::timestamptz END,
             CASE WHEN $3 = 'went_dark' THEN $4::timestamptz END,
             $4::timestamptz)
     ON CONFLICT (rfc, pair) DO UPDATE SET
       state = EXCLUDED.state,
       first_active_at = coalesce(w.first_active_at, EXCLUDED.first_active_at),
       last_active_at = coalesce(EXCLUDED.last_active_at, w.last_active_at),
       went_dark_at = CASE WHEN EXCLUDED.state = 'went_dark' THEN coalesce(
                        CASE WHEN w.state = 'went_dark' THEN w.went_dark_at END, EXCLUDED.went_dark_at)
                      END,
       updated_at = EXCLUDED.updated_at`,
    [rfc, pair, state, at.toISOString()],
  );
}

/**
 * The shadow window's state per pair, kept in the ledger (rfcgate.comparator_windows), not
 * in a home-directory file, so every host running the comparator sees the same history:
 *
 *   never_started  the shadow is empty and has never been seen non-empty
 *   active         the shadow holds rows
 *   went_dark      the shadow is empty (or dropped) after having been active: the writer stopped, an alarm
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

/**
 * The pair's state at `asOf` from its stored window and what a run saw then: the one rule for
 * an empty (or dropped) shadow, at the start of a run and again when it records. The stored row
 * may hold observations of runs later than this one (runs overlap, and record in any order): an
 * observation with rows after `asOf` says nothing about before it, so only one before `asOf`
 * makes an empty shadow went_dark.
 */
export function stateAt(stored: StoredWindow | undefined, shadowHasRows: boolean, asOf: Date): WindowState {
  if (shadowHasRows) return 'active';
  return stored && seenWithRowsBefore(stored, asOf) !== null ? 'went_dark' : 'never_started';
}

/**
 * The latest instant before `asOf` the stored window knows the shadow held rows, or null. The
 * row keeps the earliest and latest such instants only: when the latest is not before `asOf`,
 * the earliest is the latest known to be.
 */
export function seenWithRowsBefore(stored: StoredWindow, asOf: Date): string | null {
  const before = (at: string | null) => at !== null && Date.parse(at) < asOf.getTime();
  if (before(stored.last_active_at)) return stored.last_active_at;
  if (before(stored.first_active_at)) return stored.first_active_at;
  return null;
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));

const SELECT_WINDOWS = `SELECT pair, state, first_active_at, last_active_at, went_dark_at FROM ${WINDOWS_TABLE}`;

function windowsOf(rows: readonly Record<string, unknown>[]): Map<string, StoredWindow> {
  return new Map(
    rows.map((r) => [
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
}

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
    const res = await client.query(`${SELECT_WINDOWS} WHERE rfc = $1`, [rfc], { timeoutMs });
    return windowsOf(res.rows);
  } catch (err) {
    if (err instanceof SqlHaltError && (err.sqlstate === '42P01' || err.sqlstate === '3F000')) return undefined;
    throw err;
  }
}

/** Why the stored windows could not be read, and what to do about it. */
export interface WindowsUnreadable {
  reason: string;
  fix: string;
}

/**
 * What a failed `readWindows` tells a reader: only a role without access to the ledger is
 * helped by access; a read that timed out or waited on a lock is helped by running again.
 */
export function windowsUnreadable(err: SqlHaltError): WindowsUnreadable {
  return {
    reason: err.message,
    fix: err.sqlstate === '42501' ? `let this role read ${WINDOWS_TABLE}` : 'run it again once the ledger answers',
  };
}

/**
 * The stored windows of these pairs, read inside the recording transaction and held until it
 * ends, so the states this run records (and reports) are derived from every observation
 * committed before it, and none is committed meanwhile. A row lock alone would not do: a pair
 * with no row yet has none to lock, and two runs recording its first observations at once
 * would each read nothing. So each pair's window is locked by name first (in one order, so two
 * runs of overlapping pairs cannot each wait for the other); FOR UPDATE also holds the rows
 * against a writer that does not take that lock.
 */
export async function lockWindows(
  tx: SqlTx,
  rfc: string,
  pairs: readonly string[],
): Promise<Map<string, StoredWindow>> {
  const names = [...new Set(pairs)].sort();
  for (const pair of names) {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('rfcgate.comparator_window:' || $1))", [
      JSON.stringify([rfc, pair]),
    ]);
  }
  const res = await tx.query(`${SELECT_WINDOWS} WHERE rfc = $1 AND pair = ANY($2::text[]) ORDER BY pair FOR UPDATE`, [
    rfc,
    names,
  ]);
  return windowsOf(res.rows);
}

/**
 * Merges one run's observation (its state, as of `at`) into the pair's stored window inside
 * the recording transaction. Runs overlap (a long pair, a recording queued behind another's),
 * so they are not recorded in the order of their as-of: the stored state is the newest
 * observation's, never the last recorded one's, and the instants are merged rather than
 * overwritten. Each row then reads as the history in as-of order would:
 *
 *   updated_at       the newest observation
 *   state            active if the newest observation saw rows; else went_dark if any earlier
 *                    one did (a run that recorded before an earlier active one did knew no
 *                    history, and called an empty shadow never_started), else never_started
 *   first/last_active_at  the earliest and latest observation with rows
 *   went_dark_at     the earliest empty observation after last_active_at that is known
 */
export async function writeWindow(tx: SqlTx, rfc: string, pair: string, state: WindowState, at: Date): Promise<void> {
  // On conflict every expression reads the stored row (w) and this observation (EXCLUDED).
  const lastActive = 'greatest(w.last_active_at, EXCLUDED.last_active_at)';
  const newestState = 'CASE WHEN EXCLUDED.updated_at >= w.updated_at THEN EXCLUDED.state ELSE w.state END';
  const merged = `CASE WHEN ${newestState} = 'active' THEN 'active'
                       WHEN ${newestState} = 'went_dark' OR ${lastActive} IS NOT NULL THEN 'went_dark'
                       ELSE 'never_started' END`;
  // Empty observations known: the stored dark instant, the stored newest one and this one.
  const emptyAfter = (v: string) => `CASE WHEN ${lastActive} IS NULL OR ${v} > ${lastActive} THEN ${v} END`;
  await tx.query(
    `INSERT INTO ${WINDOWS_TABLE} AS w (rfc, pair, state, first_active_at, last_active_at, went_dark_at, updated_at)
     VALUES ($1, $2, $3,
             CASE WHEN $3 = 'active' THEN $4::timestamptz END,
             CASE WHEN $3 = 'active' THEN $4::timestamptz END,
             CASE WHEN $3 = 'went_dark' THEN $4::timestamptz END,
             $4::timestamptz)
     ON CONFLICT (rfc, pair) DO UPDATE SET
       state = ${merged},
       first_active_at = least(w.first_active_at, EXCLUDED.first_active_at),
       last_active_at = ${lastActive},
       went_dark_at = CASE WHEN ${merged} = 'went_dark' THEN least(
                        ${emptyAfter('w.went_dark_at')},
                        ${emptyAfter("CASE WHEN w.state <> 'active' THEN w.updated_at END")},
                        ${emptyAfter("CASE WHEN EXCLUDED.state <> 'active' THEN EXCLUDED.updated_at END")})
                      END,
       updated_at = greatest(w.updated_at, EXCLUDED.updated_at)`,
    [rfc, pair, state, at.toISOString()],
  );
}

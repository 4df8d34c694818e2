/**
 * Queries a killed command would leave running. A process ended by SIGINT (Ctrl-C) or SIGTERM
 * (a scheduler's timeout) closes its connections, but a PostgreSQL server does not look at a
 * connection while a statement runs: the statement goes on (waiting for a table lock, holding
 * the locks it has) until it finishes or reaches its statement_timeout.
 *
 * While a statement of ours runs on a server, a SIGINT or SIGTERM first sends the server a
 * cancel request for it (what psql does on Ctrl-C: a separate connection naming the session by
 * its process id and secret key, needing no login), then ends the process as the signal would
 * have ended it (the shell sees 130 or 143, and nothing more is printed). The requests go out
 * from a short synchronous child process, so that no code of this process runs between the
 * signal and its end: a cancelled statement's error can print nothing. A transaction whose
 * statement is cancelled never commits; the server rolls it back when the connection closes.
 * With no statement running, no handler is installed and a signal acts as it always did.
 */
import { spawnSync } from 'node:child_process';

/** What node-postgres keeps of a connection (a pg Client) that a cancel request needs. */
export interface PgSession {
  host: string;
  port: number;
  processID: number | null;
  secretKey: number | null;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** Long enough for a server on another continent, short enough for a scheduler waiting for the end. */
const CANCEL_WAIT_MS = 3_000;

const running = new Map<PgSession, number>();
let dying = false;

// Writes each request and waits for the server to close the connection (it has read the request
// by then), each for at most `wait` ms. A host starting with '/' is a socket directory, as in pg.
const SENDER = `
const net = require('node:net');
const { targets, wait } = JSON.parse(process.argv[1]);
let left = targets.length;
for (const t of targets) {
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(t.pid, 8);
  packet.writeInt32BE(t.key, 12);
  const socket = t.host.startsWith('/') ? net.connect(t.host + '/.s.PGSQL.' + t.port) : net.connect(t.port, t.host);
  let over = false;
  const done = () => {
    if (over) return;
    over = true;
    socket.destroy();
    if (--left === 0) process.exit(0);
  };
  socket.setTimeout(wait, done);
  socket.on('error', done);
  socket.on('close', done);
  socket.on('connect', () => socket.write(packet));
}
`;

function cancelRunning(): void {
  const targets = [...running.keys()]
    .filter((s) => s.processID !== null && s.secretKey !== null)
    .map((s) => ({ host: s.host || 'localhost', port: s.port || 5432, pid: s.processID, key: s.secretKey }));
  if (targets.length === 0) return;
  spawnSync(process.execPath, ['-e', SENDER, JSON.stringify({ targets, wait: CANCEL_WAIT_MS })], {
    stdio: 'ignore',
    timeout: CANCEL_WAIT_MS + 2_000,
  });
}

function onSignal(signal: NodeJS.Signals): void {
  // The signal raised again below, seen by another listener still installed.
  if (dying) return;
  dying = true;
  try {
    cancelRunning();
  } finally {
    for (const sig of SIGNALS) process.removeListener(sig, onSignal);
    process.kill(process.pid, signal);
  }
}

/** Runs `work`, one statement or transaction on `session`, cancelled on the server if the process is killed meanwhile. */
export async function cancelledOnSignal<T>(session: PgSession, work: () => Promise<T>): Promise<T> {
  if (running.size === 0 && !dying) for (const sig of SIGNALS) process.on(sig, onSignal);
  running.set(session, (running.get(session) ?? 0) + 1);
  try {
    return await work();
  } finally {
    const n = (running.get(session) ?? 1) - 1;
    if (n > 0) running.set(session, n);
    else running.delete(session);
    if (running.size === 0 && !dying) for (const sig of SIGNALS) process.removeListener(sig, onSignal);
  }
}

/**
 * How often the server looks at a connection whose statement runs. A process killed outright
 * (SIGKILL: an out-of-memory kill, `timeout -s KILL`, a runner ending a cancelled job) runs no
 * handler, so no cancel request goes out; the server notices the closed connection only when it
 * next reads from it, after the statement (an hour-long comparator join, a lock wait behind
 * a migration). PostgreSQL 14 added `client_connection_check_interval`, which has a running
 * statement check its connection at this interval and stop when the client is gone. The check
 * is one poll of the socket.
 */
export const CLIENT_CHECK_INTERVAL = '5s';

/**
 * Sets `client_connection_check_interval` for the session of a new connection, before its first
 * statement (node-postgres sends a connection's queries in order). A server before 14 has no
 * such setting (no row, nothing set), and one whose platform cannot watch a socket refuses it:
 * either way the session goes on as before, only without the check.
 */
export function stopWhenClientGone(client: { query(text: string): Promise<unknown> }): void {
  client
    .query(
      `SELECT set_config(name, '${CLIENT_CHECK_INTERVAL}', false) FROM pg_settings WHERE name = 'client_connection_check_interval'`,
    )
    .catch(() => {});
}

/**
 * A command killed (Ctrl-C, a scheduler's SIGTERM) while its query runs on a server must not
 * leave that query running there, waiting for or holding table locks, and a write it had begun
 * must not be committed. The process still ends as the signal ends it.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { lockWaiters, testBackends, useTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { CLIENT_CHECK_INTERVAL } from '../../../src/sources/sql/cancel-on-signal.js';

const DIST = (file: string) => pathToFileURL(resolve('dist/sources/sql', file)).href;

/** Starts `body` (an ES module's text) in a child process with the database URL as DB_URL. */
function startChild(body: string, url: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', body], {
    env: { ...process.env, DB_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal, output })),
  );
  return { child, ended };
}

async function sessionsRunning(db: TestDatabase, marker: string): Promise<number> {
  const [row] = await db.exec(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND query LIKE $1`,
    [`%${marker}%`],
  );
  return Number(row?.n);
}

/** Resolves once no session runs a statement containing `marker`; fails after `ms`. */
async function goneWithin(db: TestDatabase, marker: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await sessionsRunning(db, marker)) > 0) {
    if (Date.now() > deadline)
      throw new Error(`a statement with ${marker} still runs on the server ${ms} ms after the kill`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs `body` in a child while the test holds an ACCESS EXCLUSIVE lock on `held`, kills it once
 * it waits, checks the server let go within `goneMs` while the lock is still held.
 */
async function killWhileWaiting(
  db: TestDatabase,
  body: string,
  marker: string,
  signal: NodeJS.Signals,
  goneMs = 5_000,
) {
  const holder = new pg.Client({ connectionString: db.url() });
  await holder.connect();
  try {
    await holder.query('BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE');
    const { child, ended } = startChild(body, db.url());
    try {
      await lockWaiters(db, 1);
      expect(await sessionsRunning(db, marker)).toBe(1);
      child.kill(signal);
      const end = await ended;
      expect(end).toEqual({ code: null, signal, output: '' });
      await goneWithin(db, marker, goneMs);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
}

/** A child that reads `held` through PgClient, its statement marked `marker`. */
const readingChild = (marker: string) => `
  import { PgClient } from ${JSON.stringify(DIST('client.js'))};
  const client = new PgClient(process.env.DB_URL);
  await client.query('SELECT count(*) AS n FROM held /* ${marker} */', [], { timeoutMs: 600000 });
  console.log('the query returned');`;

/** A child that writes to `held` through PgWriter, its statement marked `marker`. */
const writingChild = (marker: string) => `
  import { PgWriter } from ${JSON.stringify(DIST('writer.js'))};
  const writer = new PgWriter(process.env.DB_URL, { lockTimeoutMs: 600000, statementTimeoutMs: 600000 });
  await writer.transaction(async (tx) => {
    await tx.query('INSERT INTO held VALUES (1) /* ${marker} */');
  });
  console.log('the write committed');`;

describe.each(testBackends())('a killed command ($name)', (backend) => {
  const db = useTestDatabase(backend);

  it('leaves no signal handler behind once its query is done', async () => {
    const before = { int: process.listeners('SIGINT').length, term: process.listeners('SIGTERM').length };
    const client = db.client();
    try {
      await client.query('SELECT 1', [], { timeoutMs: 5_000 });
      await db.writer().transaction((tx) => tx.query('SELECT 1'));
    } finally {
      await client.close();
    }
    expect({ int: process.listeners('SIGINT').length, term: process.listeners('SIGTERM').length }).toEqual(before);
  });

  if (backend.name === 'postgres') {
    it('stops its read on the server when killed by SIGTERM', async () => {
      await db.exec('CREATE TABLE IF NOT EXISTS held (x int)');
      const body = readingChild('killed-read');
      await killWhileWaiting(db, body, 'killed-read', 'SIGTERM');
    });

    it('stops its write on the server when interrupted, and nothing is written', async () => {
      await db.exec('CREATE TABLE IF NOT EXISTS held (x int)');
      const body = writingChild('killed-write');
      await killWhileWaiting(db, body, 'killed-write', 'SIGINT');
      expect(await db.exec('SELECT count(*)::int AS n FROM held')).toEqual([{ n: 0 }]);
    });

    // SIGKILL runs no handler: no cancel request goes out, and only the server's own check of
    // the connection (client_connection_check_interval, every 5 s) stops the statement before
    // the lock it waits for is released. The bound is the check's interval and then some.
    const killedOutright = 20_000;

    it('has each session check its connection while a statement runs', async () => {
      const client = db.client();
      try {
        const read = await client.query("SELECT current_setting('client_connection_check_interval') AS v", [], {
          timeoutMs: 5_000,
        });
        expect(read.rows).toEqual([{ v: CLIENT_CHECK_INTERVAL }]);
      } finally {
        await client.close();
      }
      const written = await db
        .writer()
        .transaction((tx) =>
          tx.query<{ v: string }>("SELECT current_setting('client_connection_check_interval') AS v"),
        );
      expect(written.rows).toEqual([{ v: CLIENT_CHECK_INTERVAL }]);
    });

    it('stops its read on the server when killed outright (SIGKILL)', async () => {
      await db.exec('CREATE TABLE IF NOT EXISTS held (x int)');
      const body = readingChild('sigkill-read');
      await killWhileWaiting(db, body, 'sigkill-read', 'SIGKILL', killedOutright);
    });

    it('stops its write on the server when killed outright (SIGKILL), and nothing is written', async () => {
      await db.exec('CREATE TABLE IF NOT EXISTS held (x int)');
      const body = writingChild('sigkill-write');
      await killWhileWaiting(db, body, 'sigkill-write', 'SIGKILL', killedOutright);
      expect(await db.exec('SELECT count(*)::int AS n FROM held')).toEqual([{ n: 0 }]);
    });
  }
});

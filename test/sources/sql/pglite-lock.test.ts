/**
 * One process at a time on an embedded data directory: a live owner (this process or
 * another) is waited for and then named, never displaced; a dead one's lock is taken over;
 * the lock goes when its owner closes or exits. And through the real clients: a second
 * opener of a PGlite directory halts with the reason instead of corrupting it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PgliteClient, SqlHaltError } from '../../../src/sources/sql/client.js';
import {
  DataDirBusyError,
  DataDirReadOnlyError,
  lockDataDir,
  lockFileOf,
  startTimeOf,
} from '../../../src/sources/sql/pglite-lock.js';
import { PgliteWriter, SqlWriteError } from '../../../src/sources/sql/writer.js';
import { seedEmbeddedDb } from '../../helpers/db.js';

const root = mkdtempSync(join(tmpdir(), 'rfcgate-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = () => join(root, `pgdata-${++n}`);

// The child processes run the built module: the test run builds first (pretest).
const BUILT = resolve('dist/sources/sql/pglite-lock.js');

function owner(dir: string): { pid: number; host: string; since: string; start?: string } {
  return JSON.parse(readFileSync(lockFileOf(dir), 'utf8')) as {
    pid: number;
    host: string;
    since: string;
    start?: string;
  };
}

/** A process that takes the lock, says so, and holds it until its stdin closes. */
function holder(dir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { lockDataDir } = await import(${JSON.stringify(BUILT)});
       const lock = await lockDataDir(${JSON.stringify(dir)}, { waitMs: 5000 });
       process.stdout.write('held\\n');
       process.stdin.resume();
       process.stdin.on('end', () => { lock.release(); process.exit(0); });`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  return new Promise((res, rej) => {
    child.stdout?.once('data', () => res(child));
    child.once('exit', (code) => rej(new Error(`the holder exited early (${code})`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((res) => child.once('exit', () => res()));

describe('the data directory lock', () => {
  it('is a file beside the directory naming this process, removed on release', async () => {
    const dir = newDir();
    const lock = await lockDataDir(dir, { waitMs: 0 });
    expect(lock.file).toBe(`${dir}.lock`);
    expect(owner(dir)).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    lock.release();
    // Free again at once.
    (await lockDataDir(dir, { waitMs: 0 })).release();
  });

  it('makes a second opener in the same process wait, then take it once released', async () => {
    const dir = newDir();
    const first = await lockDataDir(dir, { waitMs: 0 });
    const busy = await lockDataDir(dir, { waitMs: 150, pollMs: 10 }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(DataDirBusyError);
    expect((busy as Error).message).toContain(`in use by process ${process.pid} (since `);
    expect((busy as Error).message).toContain(`delete ${dir}.lock`);
    setTimeout(() => first.release(), 100);
    const second = await lockDataDir(dir, { waitMs: 5000, pollMs: 10 });
    expect(owner(dir).pid).toBe(process.pid);
    second.release();
  });

  it('never displaces a live process, and takes over from one that died without releasing', async () => {
    const dir = newDir();
    const child = await holder(dir);
    const pid = child.pid as number;
    expect(owner(dir).pid).toBe(pid);
    const busy = await lockDataDir(dir, { waitMs: 200, pollMs: 20 }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(DataDirBusyError);
    expect((busy as Error).message).toContain(`in use by process ${pid}`);
    expect(owner(dir).pid).toBe(pid);
    // Killed: no chance to release. Its file stays, naming a process that is gone.
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;
    expect(owner(dir).pid).toBe(pid);
    const lock = await lockDataDir(dir, { waitMs: 0 });
    expect(owner(dir).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a dead owner's lock without replacing a file beside it, and leaves nothing behind", async () => {
    const dir = newDir();
    const file = lockFileOf(dir);
    // This host, a pid no process has: stale.
    writeFileSync(file, JSON.stringify({ pid: 999_999_999, host: hostname(), since: '2026-12-01T00:00:00.000Z' }));
    // A file of the name the stale lock was once moved to, which the rename would have replaced.
    const mine = `${file}.${process.pid}.stale`;
    writeFileSync(mine, 'notes\n');
    const lock = await lockDataDir(dir, { waitMs: 0 });
    expect(owner(dir).pid).toBe(process.pid);
    expect(readFileSync(mine, 'utf8')).toBe('notes\n');
    lock.release();
    expect(readdirSync(root).filter((f) => f.startsWith(basename(file)))).toEqual([basename(mine)]);
  });

  it('tells a live owner from a later process that was given its pid (by start time, where the OS says it)', async () => {
    const dir = newDir();
    const child = await holder(dir);
    const gone = exited(child);
    const pid = child.pid as number;
    const start = startTimeOf(pid);
    const held = owner(dir);
    expect(held.start).toBe(start);
    // The file as a crashed owner would have left it, had its pid since gone to this child.
    writeFileSync(lockFileOf(dir), JSON.stringify({ ...held, start: `${start ?? '0'}1` }));
    if (start !== undefined) {
      const lock = await lockDataDir(dir, { waitMs: 0 });
      expect(owner(dir).pid).toBe(process.pid);
      lock.release();
    } else {
      // No start time to compare (no /proc): a live pid is always a live owner.
      expect(await lockDataDir(dir, { waitMs: 50, pollMs: 10 }).catch((e: unknown) => e)).toBeInstanceOf(
        DataDirBusyError,
      );
    }
    child.kill('SIGKILL');
    await gone;
  });

  it('is waited for across processes and released when its holder finishes', async () => {
    const dir = newDir();
    const child = await holder(dir);
    const gone = exited(child);
    const waiting = lockDataDir(dir, { waitMs: 10_000, pollMs: 20 });
    setTimeout(() => child.stdin?.end(), 200);
    const lock = await waiting;
    expect(owner(dir).pid).toBe(process.pid);
    lock.release();
    await gone;
  });

  it('goes when its holder exits without releasing it', () => {
    const dir = newDir();
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { lockDataDir } = await import(${JSON.stringify(BUILT)});
         await lockDataDir(${JSON.stringify(dir)}, { waitMs: 0 });
         process.stdout.write(String(process.pid));
         process.exitCode = 0;`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(Number(r.stdout)).toBeGreaterThan(0);
    expect(existsSync(lockFileOf(dir))).toBe(false);
  });

  it("treats another host's lock and an unreadable one as held", async () => {
    const dir = newDir();
    writeFileSync(
      lockFileOf(dir),
      JSON.stringify({ pid: 999_999_999, host: 'build-7.elsewhere', since: '2026-12-01T00:00:00.000Z' }),
    );
    const remote = await lockDataDir(dir, { waitMs: 50, pollMs: 10 }).catch((e: unknown) => e);
    expect((remote as Error).message).toContain('in use by process 999999999 on build-7.elsewhere');
    writeFileSync(lockFileOf(dir), 'not a lock of ours');
    const unreadable = await lockDataDir(dir, { waitMs: 50, pollMs: 10 }).catch((e: unknown) => e);
    expect((unreadable as Error).message).toContain('in use by another process');
    expect(readFileSync(lockFileOf(dir), 'utf8')).toBe('not a lock of ours');
  });
});

describe('a read-only data directory', () => {
  it('is refused with what to do, by the lock and by the reader and writer that take it', async () => {
    // PGlite itself says only "failed to initialize properly" on such a folder, even as root.
    const dir = newDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    chmodSync(dir, 0o555);
    try {
      const err = await lockDataDir(dir, { waitMs: 50 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirReadOnlyError);
      expect((err as Error).message).toContain(`its folder is read-only, and PGlite writes there even to read`);
      expect(existsSync(lockFileOf(dir))).toBe(false);
      const writer = new PgliteWriter({ dataDir: dir, label: '.rfcgate/pgdata' });
      await expect(writer.transaction(async () => undefined)).rejects.toThrow(
        /cannot open the embedded database \.rfcgate\/pgdata: its folder is read-only.*chmod -R u\+w/,
      );
      await writer.close();
      const reader = new PgliteClient({ dataDir: dir, label: '.rfcgate/pgdata' });
      const halt = await reader.query('SELECT 1', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
      await reader.close();
      expect(halt).toBeInstanceOf(SqlHaltError);
      expect((halt as Error).message).toMatch(/cannot open the embedded database .*: its folder is read-only/);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe('the embedded database clients hold the lock', () => {
  it('a reader that waited out the lock once halts its later queries at once, not after another wait each', async () => {
    const dir = seedEmbeddedDb(root, newDir());
    const writer = new PgliteWriter({ dataDir: dir, create: true });
    await writer.transaction(async (tx) => tx.query('SELECT 1'));
    // One command's measurements, queried one after another while another process has the directory.
    const reader = new PgliteClient({ dataDir: dir, openTimeoutMs: 1500, label: '.rfcgate/pgdata' });
    const ask = async () => {
      const started = performance.now();
      const err = await reader.query('SELECT 1', [], { timeoutMs: 5000 }).catch((e: unknown) => e);
      return { err, ms: performance.now() - started };
    };
    const first = await ask();
    expect(first.ms).toBeGreaterThanOrEqual(1400);
    const second = await ask();
    expect(second.err).toBeInstanceOf(SqlHaltError);
    expect((second.err as Error).message).toBe((first.err as Error).message);
    expect(second.ms).toBeLessThan(700);
    // The halt holds for the rest of the run, even once the directory is free: every measurement
    // of one command reads the same state, or none.
    await writer.close();
    expect((await ask()).err).toBeInstanceOf(SqlHaltError);
    await reader.close();
    expect(existsSync(lockFileOf(dir))).toBe(false);
  });

  it('a reader halts naming the writer that has the directory open, and reads once it closed', async () => {
    const dir = seedEmbeddedDb(root, newDir());
    const writer = new PgliteWriter({ dataDir: dir, create: true });
    await writer.transaction(async (tx) => {
      await tx.query('CREATE TABLE public.t (n int)');
      await tx.query('INSERT INTO public.t VALUES (7)');
    });
    expect(owner(dir).pid).toBe(process.pid);

    const reader = new PgliteClient({ dataDir: dir, openTimeoutMs: 200, label: '.rfcgate/pgdata' });
    const err = await reader.query('SELECT n FROM public.t', [], { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlHaltError);
    expect((err as SqlHaltError).halt).toBe('error');
    expect((err as Error).message).toMatch(
      /^cannot open the embedded database pglite:\.rfcgate\/pgdata: it is in use by process \d+ \(since /,
    );

    await reader.close();
    await writer.close();
    expect(existsSync(lockFileOf(dir))).toBe(false);
    // The same wait, long enough for PGlite to open the directory itself.
    const again = new PgliteClient({ dataDir: dir, label: '.rfcgate/pgdata' });
    const { rows } = await again.query('SELECT n FROM public.t', [], { timeoutMs: 5000 });
    expect(rows).toEqual([{ n: 7 }]);
    expect(owner(dir).pid).toBe(process.pid);
    // A second writer waits for the reader and says why it gave up.
    const late = new PgliteWriter({ dataDir: dir, openTimeoutMs: 200, label: '.rfcgate/pgdata' });
    const werr = await late.transaction(async (tx) => tx.query('SELECT 1')).catch((e: unknown) => e);
    expect(werr).toBeInstanceOf(SqlWriteError);
    expect((werr as Error).message).toMatch(/^cannot open the embedded database \.rfcgate\/pgdata: it is in use by/);
    await again.close();
    expect(existsSync(lockFileOf(dir))).toBe(false);
    await late.close();
  });
});

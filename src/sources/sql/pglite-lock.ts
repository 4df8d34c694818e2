/**
 * One process at a time on an embedded data directory. A PostgreSQL server refuses to start
 * on a directory another server holds (postmaster.pid); PGlite takes no such lock, and even
 * opening a directory writes to it (recovery, checkpoints), so two processes on one
 * directory (an hourly `comparator run` and a `gate check` by hand) can leave it unreadable.
 *
 * The lock is a file beside the directory (`<dir>.lock`, so the directory itself stays a
 * plain data directory) created exclusively and holding the owner's process id, host and (on
 * Linux) start time, so a pid given to another process after a crash is not mistaken for it. A
 * live owner is never displaced, however long it runs: the next process waits for it, then
 * gives up with a message naming it. An owner that is gone (killed, crashed) left a stale
 * file, which the next process takes over. Released on close and when the process exits.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeBeside } from '../../util/new-file.js';

export class DataDirBusyError extends Error {}

export class DataDirReadOnlyError extends Error {}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
  /** When the owner started, by the kernel's clock (Linux); tells it from a later process given the same pid. */
  start?: string;
}

const held = new Set<string>();
let exitHook = false;

export function lockFileOf(dir: string): string {
  return `${dir.replace(/[\\/]+$/, '')}.lock`;
}

/**
 * Takes the lock of `dir`, waiting up to `waitMs` for another process to release it.
 * Throws DataDirBusyError (its message reads after "cannot open …: ") when it is still held
 * then, and DataDirReadOnlyError (read the same way) for a read-only folder; other errors
 * are thrown as they come.
 */
export async function lockDataDir(dir: string, opts: { waitMs: number; pollMs?: number }): Promise<DataDirLock> {
  assertWritable(dir);
  const file = lockFileOf(dir);
  const deadline = Date.now() + opts.waitMs;
  let pause = opts.pollMs ?? 50;
  for (;;) {
    if (tryCreate(file)) return hold(file);
    const owner = readOwner(file);
    if (owner === 'gone') continue;
    if (owner !== undefined && isStale(owner) && takeOver(file, owner)) continue;
    if (Date.now() >= deadline) {
      const who =
        owner === undefined
          ? 'another process'
          : `process ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`} (since ${owner.since})`;
      throw new DataDirBusyError(
        `it is in use by ${who}, and PGlite allows one process at a time (waited ${Math.round(opts.waitMs / 1000)} s); run again once that has finished, or, if no such process is running, delete ${file}`,
      );
    }
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 500);
  }
}

/**
 * PGlite refuses a data directory whose owner may not write it with only "failed to initialize
 * properly", even to read, and even for root (who passes any access check), so the owner's
 * write bit is what is looked at. A directory not there yet is for the caller to create.
 */
function assertWritable(dir: string): void {
  let mode: number;
  try {
    mode = statSync(dir).mode;
  } catch {
    return;
  }
  if ((mode & 0o200) === 0) {
    throw new DataDirReadOnlyError(
      `its folder is read-only, and PGlite writes there even to read; make it writable (chmod -R u+w ${dir}), or copy it somewhere writable`,
    );
  }
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    const start = startTimeOf(process.pid);
    const owner: Owner = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      ...(start !== undefined ? { start } : {}),
    };
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The owner named in the file; undefined when it cannot be read yet (being written), 'gone' when the file is. */
function readOwner(file: string): Owner | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.since === 'string') {
      return { pid: o.pid, host: o.host, since: o.since, ...(typeof o.start === 'string' ? { start: o.start } : {}) };
    }
  } catch {
    // Half written, or not ours: treated as held (it is never taken over).
  }
  return undefined;
}

/** Only a process on this host can be known to be gone; another host's lock is always live. */
function isStale(owner: Owner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // Alive, but after a crash its pid may have gone to another process since.
  const now = owner.start === undefined ? undefined : startTimeOf(owner.pid);
  return now !== undefined && now !== owner.start;
}

/** When process `pid` started, in clock ticks since boot (/proc/<pid>/stat, field 22); undefined without /proc. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; field 22 is the 20th after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock. Moved aside first and read again: if another process took it over
 * in between, the file moved is that process's live lock, and it is put back. The name it is
 * moved to is created first, exclusively, so the rename replaces only that empty file and never
 * a file of someone else's that happens to bear the name.
 */
function takeOver(file: string, stale: Owner): boolean {
  const aside = reserveAside(file);
  try {
    renameSync(file, aside);
  } catch (err) {
    unlinkSync(aside);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
  const moved = readOwner(aside);
  const same = moved !== 'gone' && moved !== undefined && moved.pid === stale.pid && moved.since === stale.since;
  if (!same) {
    try {
      linkSync(aside, file);
    } catch {
      // A third process created a lock meanwhile; it holds the directory now.
    }
  }
  unlinkSync(aside);
  return same;
}

/** Creates an empty file beside `file` under a name nothing held, and returns that name. */
function reserveAside(file: string): string {
  try {
    return makeBeside(file, 'stale', (aside) => closeSync(openSync(aside, 'wx')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new Error(
      `cannot take over the stale lock ${file}: the names beside it to move it to are all taken; delete ${file}`,
    );
  }
}

function hold(file: string): DataDirLock {
  held.add(file);
  if (!exitHook) {
    exitHook = true;
    // A run that ends without close() (an error, process.exit) must not leave the lock behind.
    process.once('exit', () => {
      for (const f of held) removeIfOurs(f);
    });
  }
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      held.delete(file);
      removeIfOurs(file);
    },
  };
}

function removeIfOurs(file: string): void {
  try {
    const owner = readOwner(file);
    if (owner !== 'gone' && owner?.pid === process.pid && owner.host === hostname()) unlinkSync(file);
  } catch {
    // Already gone, or the folder went away with the database.
  }
}

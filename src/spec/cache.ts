/**
 * What a spec file was read into, kept between runs. A pre-commit hook reads the same
 * lints.yaml on every commit, and parsing YAML with source positions costs a short-lived
 * process more than everything else it does with the file (40–60 ms for 4 KB, cold).
 *
 * One entry per spec file (named by a hash of its absolute path), holding the key it was
 * made for: rfcgate's build, the file's repository-relative path and its exact bytes, compared
 * whole (no digest: loading node:crypto alone costs a hook a few milliseconds). A different
 * file, or another build, misses and overwrites the entry; only a file read without a problem
 * is stored, so every error is found and reported afresh.
 *
 * Where: RFCGATE_CACHE_DIR, else $XDG_CACHE_HOME/rfcgate, else ~/.cache/rfcgate;
 * RFCGATE_NO_CACHE=1 turns it off. Losing it costs only time: an entry that cannot be read,
 * parsed or written is ignored, and it is written whole (a temporary file, then a rename).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';

export interface SpecCache {
  dir: string;
  /** Identifies the build that reads: what a file is read into depends on the code that reads it. */
  build: string;
}

/** The build's id, written by the bundle step (dist/build-id); running from src there is none, and nothing is cached. */
function buildId(): string | undefined {
  try {
    return readFileSync(new URL('../build-id', import.meta.url), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function specCache(env: NodeJS.ProcessEnv = process.env, build = buildId()): SpecCache | undefined {
  if (env.RFCGATE_NO_CACHE === '1' || !build) return undefined;
  const base = env.RFCGATE_CACHE_DIR || (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'rfcgate') : undefined);
  let dir = base;
  if (!dir) {
    try {
      dir = join(homedir(), '.cache', 'rfcgate');
    } catch {
      return undefined;
    }
  }
  return { dir: join(dir, 'specs'), build };
}

/** Names an entry file: two 32-bit FNV-1a-style hashes of the text. Two paths sharing a name only take turns in it. */
function entryName(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

interface EntryKey {
  build: string;
  what: string;
  rel: string;
  text: string;
}

const sameKey = (a: unknown, b: EntryKey): boolean =>
  a !== null &&
  typeof a === 'object' &&
  (a as EntryKey).build === b.build &&
  (a as EntryKey).what === b.what &&
  (a as EntryKey).rel === b.rel &&
  (a as EntryKey).text === b.text;

// Maps (a comparator pair's columns) survive the round trip through JSON.
const MAP_TAG = '$rfcgate.map';
const replacer = (_key: string, v: unknown): unknown => (v instanceof Map ? { [MAP_TAG]: [...v] } : v);
const reviver = (_key: string, v: unknown): unknown =>
  v !== null && typeof v === 'object' && Array.isArray((v as Record<string, unknown>)[MAP_TAG])
    ? new Map((v as Record<string, [unknown, unknown][]>)[MAP_TAG])
    : v;

/**
 * `read(text)` for the file at `abs`, from the cache when it holds the result for these exact
 * bytes; `read` gets the bytes the key was made of, so an entry never outlives its file.
 * `what` names what the file is read into (a change to it is a different entry).
 */
export async function cachedRead<T>(
  cache: SpecCache | undefined,
  file: { abs: string; rel: string; text: string },
  what: string,
  read: (text: string) => Promise<T>,
): Promise<T> {
  if (!cache) return read(file.text);
  const entry = join(cache.dir, `${entryName(`${what}\0${file.abs}`)}.json`);
  const key: EntryKey = { build: cache.build, what, rel: file.rel, text: file.text };
  try {
    const stored = JSON.parse(readFileSync(entry, 'utf8'), reviver) as { key?: unknown; value?: unknown };
    if (sameKey(stored.key, key) && stored.value !== undefined) return stored.value as T;
  } catch {
    // No entry yet, or one that cannot be read: read the file.
  }
  const value = await read(file.text);
  const tmp = `${entry}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    // Not Node's recursive mkdir: RFCGATE_CACHE_DIR under /proc would hang the hook for ever.
    makeDirs(cache.dir);
    writeFileSync(tmp, JSON.stringify({ key, value }, replacer));
    renameSync(tmp, entry);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the entry was not written, and the next run reads the file again.
    }
  }
  return value;
}

/**
 * Streams telemetry JSONL files line by line (gzip when the name ends in .gz): a file is never
 * read whole, so memory stays flat however large it grows. Malformed lines are counted and
 * located (file:line); a file that is mostly malformed is reported so the caller halts
 * instead of computing a ratio from what is left of it.
 */
import type { Dirent, Stats } from 'node:fs';
import { createReadStream, readSync } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { crc32, createGunzip, createInflateRaw } from 'node:zlib';
import picomatch from 'picomatch';
import { GLOB_CHARS, literalHead } from '../../util/globs.js';
import { specialKind } from '../../util/special-file.js';
import { extractedRecord, extractLine, releaseBuffer } from './extract.js';
import { parseRecords, type TelemetryRecord } from './records.js';

/** Folders never worth walking for telemetry, unless a pattern names them. */
const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** How many malformed lines are named in evidence; the rest are counted. */
export const MALFORMED_SHOWN = 10;

export interface FileStats {
  /** As the pattern named it: repository-relative, or absolute when the pattern was. */
  path: string;
  bytes: number;
  lines: number;
  records: number;
  malformed: number;
  /**
   * Lines of a known shape that hold no turn (an export of spans without gen_ai usage, of other
   * events, of metrics): said when the files hold no turn at all. Absent when none.
   */
  passedOver?: number;
  /** The file's own first malformed line: a halt on a mostly malformed file names it. */
  firstMalformed?: MalformedLine;
  /**
   * A .gz whose gzip stream stops before its end (no end of its last member, or no trailer
   * after it), with nothing wrong in what is there: a file its writer is still writing, or a
   * copy cut short. Its complete lines are read. Absent otherwise.
   */
  endsMidStream?: true;
}

export interface MalformedLine {
  file: string;
  line: number;
  reason: string;
}

export interface ReadSummary {
  files: FileStats[];
  malformed: number;
  /** The first MALFORMED_SHOWN malformed lines, in reading order. */
  firstMalformed: MalformedLine[];
  /** Files where more than half the non-blank lines are malformed: their numbers cannot be trusted. */
  mostlyMalformed: FileStats[];
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** Called now and then with the bytes read so far (compressed bytes for .gz) and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Receives each record in reading order. A turn record may be one object reused for every
 * line: a sink that keeps it past the call keeps a copy.
 */
export type RecordSink = (record: TelemetryRecord, file: string, line: number) => void;

/** Bytes per read. */
const READ_SIZE = 1 << 20;

/**
 * Files matching any of the patterns, in reading order: by path, with runs of digits compared
 * by value (part-9 before part-10), which is the order "the last N turns" counts in. Patterns
 * are relative to `root` unless absolute. `**` follows linked folders (telemetry is often
 * linked in from where the kernel writes it), but never back into a folder it is in; a file
 * reached by two names (a link and its target, a relative and an absolute pattern) is read
 * once, by its first name.
 */
function parsePattern(root: string, pattern: string) {
  const absolute = path.isAbsolute(pattern);
  const base = absolute ? path.parse(pattern).root : root;
  const rel = absolute ? path.relative(base, pattern) : pattern.replace(/^(\.\/)+/, '');
  const scanned = picomatch.scan(rel);
  // picomatch's scan takes `{a}`, `{{slug}}` or a lone `[` for literal text, and the whole
  // pattern for a path, though its matcher still expands the wildcards after them: such a
  // pattern is walked from the folders before its first glob character. A `\` escape makes
  // the pattern a path as scan says.
  const isGlob = scanned.isGlob || (GLOB_CHARS.test(rel) && !rel.includes('\\'));
  return { absolute, base, rel, isGlob, globBase: literalHead(scanned.base) };
}

export async function matchFiles(root: string, patterns: readonly string[]): Promise<string[]> {
  return (await matchTelemetryFiles(root, patterns)).files;
}

/**
 * A link a glob matches whose target cannot be read, or a place under which the glob could
 * match files but that cannot be looked into (a folder that cannot be listed, a link that leads
 * nowhere): what it was meant to hold is data missing.
 */
export interface UnreadableMatch {
  /** As the pattern named it, like a matched file's path. */
  path: string;
  pattern: string;
  /** `match`: the path is one the pattern matches; `under`: the pattern could match files under it. */
  kind: 'match' | 'under';
  /** What is wrong with it, e.g. "a link to /mnt/logs/a.jsonl, which does not exist". */
  why: string;
}

/**
 * A path a glob matches that is no regular file: a named pipe, a socket or a device. It is
 * never opened (opening a named pipe waits for a writer), and it is named, not dropped: the
 * turns a person expected from it are not in the numbers.
 */
export interface SkippedMatch {
  /** As the pattern named it, like a matched file's path. */
  path: string;
  pattern: string;
  /** "a named pipe", "a socket" or "a device". */
  what: string;
}

/** "telemetry/p.jsonl, matched by telemetry/*.jsonl, is a named pipe, not a regular file: not read". */
export function describeSkipped(s: SkippedMatch): string {
  return `${s.path}, matched by ${s.pattern}, is ${s.what}, not a regular file: not read`;
}

/** What a person reads of a .gz that ends mid-stream (FileStats.endsMidStream). */
export function describeMidStream(f: Pick<FileStats, 'path' | 'lines'>): string {
  return `${f.path}: its gzip data stops before the end of the compressed stream (still being written?): read as far as it goes, ${f.lines === 1 ? '1 line' : `${f.lines} lines`}`;
}

/** "telemetry file a.jsonl, matched by *.jsonl, is …", or for a folder "logs, where … could match files, is …". */
export function describeUnreadable(u: UnreadableMatch): string {
  return u.kind === 'match'
    ? `telemetry file ${u.path}, matched by ${u.pattern}, is ${u.why}`
    : `${u.path}, where ${u.pattern} could match files, is ${u.why}`;
}

/**
 * Why a telemetry file pattern starting with `!` cannot be used, or undefined. Listed beside
 * other globs, `!logs/old/**` reads as a pattern of its own, every file not under logs/old
 * (the repository's sources included), not as a file left out, which is what gitignore and
 * other tools have taught its writer; every other rfcgate glob refuses it for the same reason.
 * `!(…)` at the start is an extglob, which picomatch matches.
 */
export function negatedPattern(pattern: string): string | undefined {
  if (!pattern.startsWith('!') || pattern.startsWith('!(')) return undefined;
  return `'${pattern}' starts with '!', which does not leave files out here: each pattern names files to read, so it would read every file it does not match; name only the files to read (a glob such as telemetry/*/usage-*.jsonl)`;
}

const segmentMatchers = new Map<string, (s: string) => boolean>();
const globstarParts = new Map<string, boolean>();

/**
 * Whether picomatch reads a `**` in the part as a globstar, which takes any depth: alone, but
 * also in `**.jsonl`, `{a,**}` and `@(a|b)**` (not in `a**`, a `*`). Its own reading decides:
 * the part compiles differently when globstars are turned off.
 */
function hasGlobstar(part: string): boolean {
  if (!part.includes('**')) return false;
  let g = globstarParts.get(part);
  if (g === undefined) {
    const on = picomatch.makeRe(part, { dot: true }).source;
    g = on !== picomatch.makeRe(part, { dot: true, noglobstar: true }).source;
    globstarParts.set(part, g);
  }
  return g;
}

function segmentMatcher(part: string): (s: string) => boolean {
  let m = segmentMatchers.get(part);
  if (!m) segmentMatchers.set(part, (m = picomatch(part, { dot: true })));
  return m;
}

/**
 * Whether a file the pattern matches could lie under the folder `dir` (relative to the
 * pattern's base, by segments): a walk that cannot look into such a folder misses data.
 */
function couldHoldMatch(parts: readonly string[], dir: string): boolean {
  const segs = dir === '' ? [] : dir.split('/');
  for (const [i, seg] of segs.entries()) {
    const part = parts[i];
    if (part === undefined) return false;
    // A globstar takes any depth; a brace holding a slash cannot be read segment by segment.
    if (hasGlobstar(part) || part.includes('/')) return true;
    // An empty part (`logs//*.jsonl`, `logs/*/`) is an empty segment, as picomatch reads it,
    // and picomatch() itself refuses an empty pattern.
    if (part === '') {
      if (seg !== '') return false;
      continue;
    }
    if (!segmentMatcher(part)(seg)) return false;
  }
  return parts.length > segs.length;
}

/** One way a folder's name lines up with a pattern's parts: the part it reached, the segments the others took. */
interface Way {
  at: number;
  took: string;
}

/**
 * Where a walk stands in a pattern after a folder: every way the folder's name lines up with
 * the pattern's parts, a globstar taking any number of segments. Two names of one folder that
 * stand alike match the same files under it: the same segments took the same parts (what a
 * part matches may depend on its place in the pattern, `!(a)` last or not, never on the name).
 */
interface Standing {
  key: string;
  ways: Way[];
}

/** The parts, when each takes one segment or is a globstar of its own: the walk can tell where it stands. */
function segmentParts(parts: readonly string[] | undefined): readonly string[] | undefined {
  if (parts === undefined || parts.length === 0) return undefined;
  const one = (p: string) => p === '**' || (p !== '' && !p.includes('/') && !hasGlobstar(p));
  return parts.every(one) ? parts : undefined;
}

function standing(parts: readonly string[], ways: readonly Way[]): Standing {
  const all = new Map<string, Way>();
  const put = (w: Way): void => {
    const k = JSON.stringify([w.at, w.took]);
    if (all.has(k)) return;
    all.set(k, w);
    // A globstar may take no segment: the part after it is reached too.
    if (parts[w.at] === '**') put({ at: w.at + 1, took: w.took });
  };
  ways.forEach(put);
  return { key: [...all.keys()].sort().join(), ways: [...all.values()] };
}

/** Where the walk stands after one more segment. */
function stepInto(parts: readonly string[], from: Standing, seg: string): Standing {
  const next: Way[] = [];
  for (const w of from.ways) {
    const part = parts[w.at];
    if (part === '**') next.push(w);
    else if (part !== undefined && segmentMatcher(part)(seg)) next.push({ at: w.at + 1, took: `${w.took}/${seg}` });
  }
  return standing(parts, next);
}

/**
 * The files the patterns name; the patterns without a glob character that name no file: a
 * file named outright and gone (rotated, mistyped) is data missing, even when other patterns
 * match, never passed over; and, for the same reason, the links a glob matches that lead
 * nowhere readable (a log folder unmounted, a rotated file a link still names). What a glob
 * matches that is no regular file (a named pipe, a socket, a device) is `skipped`: it holds no
 * turns to read, but a person who put it there expected some, so it is named.
 */
export async function matchTelemetryFiles(
  root: string,
  patterns: readonly string[],
): Promise<{
  files: string[];
  missing: string[];
  unreadable: UnreadableMatch[];
  skipped: SkippedMatch[];
  unmatched: string[];
}> {
  const found = new Map<string, string>();
  /** Globs that matched nothing at all, as written: beside globs that did, a typo would go unseen. */
  const unmatched: string[] = [];
  let hit = false;
  const missing: string[] = [];
  /** By where it is (a link's real folder and name): a place reached by two names is named once. */
  const unreadable = new Map<string, UnreadableMatch>();
  /** By real path, like the files. */
  const skipped = new Map<string, SkippedMatch>();
  const add = async (name: string, full: string): Promise<void> => {
    hit = true;
    const real = await realpath(full).catch(() => full);
    const prior = found.get(real);
    if (prior === undefined || comparePaths(name, prior) < 0) found.set(real, name);
  };
  const skip = async (name: string, full: string, pattern: string, what: string): Promise<void> => {
    hit = true;
    const real = await realpath(full).catch(() => full);
    const prior = skipped.get(real);
    if (prior === undefined || comparePaths(name, prior.path) < 0) skipped.set(real, { path: name, pattern, what });
  };
  for (const pattern of patterns) {
    const { absolute, base, rel, isGlob, globBase } = parsePattern(root, pattern);
    if (!isGlob) {
      const s = await stat(path.join(base, rel)).catch(() => undefined);
      if (s?.isFile()) await add(absolute ? pattern : rel, path.join(base, rel));
      else missing.push(pattern);
      continue;
    }
    const match = picomatch(rel, { dot: true });
    // A negated pattern (`!x/*`) may match anywhere: at any depth, and outside the folder it
    // names (a.jsonl as well as x/y/a.jsonl), so its walk starts at the top.
    const shape = picomatch.scan(rel, { parts: true });
    const parts = shape.negated ? ['**'] : (shape.parts ?? ['**']);
    const start = shape.negated || globBase === '.' ? '' : globBase;
    // Where the walk stands in the pattern, when its parts can tell (see Standing); for a
    // negated pattern, in what it negates: names that stand alike there match alike here.
    const lined = segmentParts(shape.parts);
    let at0 = lined && standing(lined, [{ at: 0, took: '' }]);
    for (const seg of start === '' ? [] : start.split('/')) at0 = lined && at0 && stepInto(lined, at0, seg);
    // Like a file, a place reached by two names is named by its first.
    const lost = (p: string, where: string, kind: UnreadableMatch['kind'], why: string) => {
      const name = absolute ? path.join(base, p) : p || '.';
      const prior = unreadable.get(where);
      if (prior === undefined || comparePaths(name, prior.path) < 0) {
        unreadable.set(where, { path: name, pattern, kind, why });
      }
    };
    /**
     * The glob's own base cannot be reached: a folder that cannot be searched, or a link on the
     * way that leads nowhere (`logs/mnt` for `logs/mnt/*.jsonl`, a volume not mounted, or a link
     * loop), hides the files it names as much as one below it does. Such a link is named as
     * itself, like one met in the walk. A base that is simply not there names nothing.
     */
    const unreachable = async (dir: string, err: unknown): Promise<void> => {
      const segs = dir.split('/');
      for (let i = 1; i <= segs.length; i++) {
        const p = segs.slice(0, i).join('/');
        const full = path.join(base, p);
        const l = await lstat(full).catch(() => undefined);
        if (l === undefined) break;
        if (!l.isSymbolicLink()) continue;
        try {
          await stat(full);
        } catch (e) {
          const folder = await realpath(path.dirname(full)).catch(() => path.dirname(full));
          lost(p, path.join(folder, path.basename(full)), 'under', await brokenLink(full, e));
          return;
        }
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        lost(dir, path.join(base, dir), 'under', `a folder that cannot be looked into (${code ?? String(err)})`);
      }
    };
    // Folders walked, by real path and where the walk stood in the pattern (see Standing),
    // whose walk found what it would have found under any other name.
    const walked = new Set<string>();
    // Walks the folder `dir`, standing `at` in the pattern (undefined when it cannot tell: then
    // the folder is walked under every name), inside the real folders `above`: a link back up
    // to one of them would walk forever and is not followed. A folder reached by another name
    // that stands elsewhere is walked again: */sub/*.jsonl matches z/sub/a.jsonl, not b/a.jsonl,
    // when b links to z/sub. Returns the least index in `above` of a link not followed (-1 for
    // a name too many links deep), or Infinity: what the walk found under the folder depended
    // on the name it was reached by only if that is less than the folder's own index.
    const walk = async (dir: string, at: Standing | undefined, above: string[]): Promise<number> => {
      const full = path.join(base, dir);
      let real: string;
      try {
        real = await realpath(full);
      } catch (err) {
        if (dir === start) await unreachable(dir, err);
        // Gone since it was listed, or too many links deep: under a shorter name it may not be.
        return -1;
      }
      const up = above.indexOf(real);
      if (up >= 0) return up;
      const key = at && JSON.stringify([real, at.key]);
      if (key !== undefined && walked.has(key)) return Infinity;
      let entries: Dirent[];
      try {
        entries = await readdir(full, { withFileTypes: true });
      } catch (err) {
        // Gone since realpath (or not a folder after all): nothing was there to read.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR' && couldHoldMatch(parts, dir)) {
          lost(dir, real, 'under', `a folder that cannot be listed (${code ?? String(err)})`);
        }
        return Infinity;
      }
      // In the order of the names they make, so a folder is first walked by its first name.
      entries.sort((a, b) => comparePaths(`${a.name}/`, `${b.name}/`));
      const depth = above.push(real) - 1;
      let reach = Infinity;
      for (const e of entries) {
        const p = dir === '' ? e.name : `${dir}/${e.name}`;
        let target: Dirent | Stats | undefined = e;
        if (e.isSymbolicLink()) {
          const full = path.join(base, p);
          try {
            target = await stat(full);
          } catch (err) {
            target = undefined;
            // Too many links deep may be the name's doing, not the link's.
            if ((err as NodeJS.ErrnoException).code === 'ELOOP') reach = -1;
            // A link that leads nowhere may have been a file the pattern names, or a folder
            // (a log volume not mounted) holding such files; not an editor's lock on a file
            // open for editing (Emacs: `.#name`, a link to "user@host.pid:boot"), which never was.
            if (e.name.startsWith('.#') && /^[^/]*@[^/]*\.\d+(?::\d+)?$/.test(await readlink(full).catch(() => '/'))) {
              continue;
            }
            const where = path.join(real, e.name);
            if (match(p)) lost(p, where, 'match', await brokenLink(full, err));
            // A folder the walk never enters (node_modules) holds nothing it would have read.
            else if (!SKIP_DIRS.has(e.name) && couldHoldMatch(parts, p)) {
              lost(p, where, 'under', await brokenLink(full, err));
            }
          }
        }
        if (target?.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && couldHoldMatch(parts, p)) {
            const next = lined && at && stepInto(lined, at, e.name);
            reach = Math.min(reach, await walk(p, next, above));
          }
        } else if (target?.isFile() && match(p)) {
          await add(absolute ? path.join(base, p) : p, path.join(base, p));
        } else if (target && match(p)) {
          const what = specialKind(target);
          if (what) await skip(absolute ? path.join(base, p) : p, path.join(base, p), pattern, what);
        }
      }
      above.pop();
      if (key !== undefined && reach >= depth) walked.add(key);
      return reach;
    };
    hit = false;
    const lostBefore = unreadable.size;
    await walk(start, at0, []);
    if (!hit && unreadable.size === lostBefore) unmatched.push(pattern);
  }
  return {
    files: [...found.values()].sort(comparePaths),
    missing,
    unreadable: [...unreadable.values()].sort((a, b) => comparePaths(a.path, b.path)),
    skipped: [...skipped.values()].sort((a, b) => comparePaths(a.path, b.path)),
    unmatched,
  };
}

/**
 * What the patterns among `missing` (named without a glob, matching no file) name when it is
 * there but no file: a folder (the person meant the files in it), a named pipe, a socket or a
 * device. "does not exist" would send them looking for the wrong thing.
 */
export async function notFiles(root: string, missing: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const pattern of missing) {
    const s = await stat(path.resolve(root, pattern)).catch(() => undefined);
    if (s === undefined) continue;
    if (s.isDirectory()) out.push(describeFolder(pattern));
    else {
      const what = specialKind(s) ?? 'a device';
      out.push(`${pattern} is ${what}, not a telemetry file: name the file the telemetry is written to`);
    }
  }
  return out;
}

/** What to say of a folder named where telemetry files are expected. */
function describeFolder(pattern: string): string {
  const dir = pattern.replace(/\/+$/, '');
  return `${pattern} is a folder, not a telemetry file: name the files in it with a glob, such as ${dir}/**/*.jsonl`;
}

/** Why a link cannot be followed, as a person reads it. */
async function brokenLink(link: string, err: unknown): Promise<string> {
  const to = await readlink(link).catch(() => undefined);
  const code = (err as NodeJS.ErrnoException).code;
  const what = to === undefined ? 'a link' : `a link to ${to}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `${what}, which does not exist`;
  return `${what} that cannot be followed (${code ?? String(err)})`;
}

/** Paths by UTF-16 code unit, except that runs of digits compare by value (leading zeros aside). */
export function comparePaths(a: string, b: string): number {
  const digits = /\d+|\D+/g;
  const xs = a.match(digits) ?? [];
  const ys = b.match(digits) ?? [];
  // Leading zeros decide only a tie of everything else (log-1-a before log-01-b).
  let zeros = 0;
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i] as string;
    const y = ys[i] as string;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const xv = x.replace(/^0+(?=\d)/, '');
      const yv = y.replace(/^0+(?=\d)/, '');
      if (xv.length !== yv.length) return xv.length - yv.length;
      if (xv !== yv) return xv < yv ? -1 : 1;
      if (zeros === 0) zeros = x < y ? -1 : 1;
      continue;
    }
    // Text against text decides at the first character that differs. When one run is a prefix
    // of the other (usage against usage2's usage), what follows it in its own name does: the
    // digits of its next run, or the name's end, first of all (usage.jsonl before usage2.jsonl,
    // as sort -V has it).
    if (!x.startsWith(y) && !y.startsWith(x)) return x < y ? -1 : 1;
    const n = Math.min(x.length, y.length);
    const after = (runs: string[], run: string) =>
      run.length > n ? run.charCodeAt(n) : (runs[i + 1]?.charCodeAt(0) ?? -1);
    const cx = after(xs, x);
    const cy = after(ys, y);
    if (cx !== cy) return cx < cy ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return xs.length - ys.length || zeros;
}

/** The offset of the first byte in [from, to) of a file that is not zero, or -1. */
async function nonZeroByte(abs: string, from: number, to: number): Promise<number> {
  if (from >= to) return -1;
  const handle = await open(abs, 'r');
  try {
    const chunk = Buffer.alloc(Math.min(to - from, 1 << 16));
    for (let at = from; at < to;) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, to - at), at);
      if (bytesRead === 0) break;
      for (let k = 0; k < bytesRead; k++) if (chunk[k] !== 0) return at + k;
      at += bytesRead;
    }
    return -1;
  } finally {
    await handle.close();
  }
}

/**
 * Where a gzip file stops being readable: the member at byte `at`, whose first line is `line`;
 * when its data stops decoding part way, the last whole line it decodes to.
 */
interface DamagedMember {
  at: number;
  line: number;
  decoded?: number;
  /** The bytes at `at`, after whole members, are no gzip member (text appended to the file). */
  notMember?: boolean;
  /** The file's first two bytes, when they are not gzip's 1f 8b: no gzip file at all. */
  notGzip?: Buffer;
  /** The member decodes whole, to line `decoded`, but its trailer's checksum or size disagrees. */
  checksum?: true;
}

/**
 * The first gzip member of a file that does not decode whole, or undefined when every member
 * does. zlib decodes a read of the file at once, many members together, and reports damage in
 * any of them without the lines before it: this walks the members one at a time, counting their
 * lines, so the damage is named where a person can find it. Only a file that failed is walked.
 */
async function damagedMember(abs: string, size: number): Promise<DamagedMember | undefined> {
  const handle = await open(abs, 'r');
  const readAt = async (at: number, n: number): Promise<Buffer> => {
    const b = Buffer.alloc(n);
    const { bytesRead } = await handle.read(b, 0, n, at);
    return b.subarray(0, bytesRead);
  };
  try {
    let lines = 0;
    for (let at = 0; at < size;) {
      const damaged = { at, line: lines + 1 };
      const head = await readAt(at, 10);
      // Not a member after the first: zeros are padding, which zlib stops at (judged by the
      // caller); anything else after whole members made zlib fail, and is named where it starts.
      if (head[0] !== 0x1f || head[1] !== 0x8b) {
        if (at === 0) return head.length >= 2 ? { ...damaged, notGzip: head.subarray(0, 2) } : damaged;
        return head[0] === 0 ? undefined : { ...damaged, notMember: true };
      }
      const flags = head[3] ?? 0;
      if (head.length < 10 || head[2] !== 8 || flags & 0xe0) return damaged;
      // RFC 1952's optional fields: extra (2-byte length), name and comment (zero-ended), header CRC.
      let p = at + 10;
      if (flags & 4) {
        const xlen = await readAt(p, 2);
        if (xlen.length < 2) return damaged;
        p += 2 + xlen.readUInt16LE(0);
      }
      for (const bit of [8, 16]) {
        if (!(flags & bit)) continue;
        for (;;) {
          const chunk = await readAt(p, 4096);
          if (chunk.length === 0) return damaged;
          const zero = chunk.indexOf(0);
          p += zero < 0 ? chunk.length : zero + 1;
          if (zero >= 0) break;
        }
      }
      if (flags & 2) p += 2;
      const body = { newlines: 0, crc: 0, size: 0 };
      const inflate = createInflateRaw();
      const raw = createReadStream(abs, { start: p, highWaterMark: 1 << 16 });
      const whole = await new Promise<boolean>((resolve, reject) => {
        // A file that cannot be read is not damaged data: the walk gives up (see the caller).
        raw.on('error', reject);
        inflate.on('error', () => resolve(false));
        inflate.on('data', (d: Buffer) => {
          for (let k = d.indexOf(10); k >= 0; k = d.indexOf(10, k + 1)) body.newlines++;
          body.crc = crc32(d, body.crc);
          body.size = (body.size + d.length) % 2 ** 32;
        });
        inflate.on('end', () => resolve(true));
        raw.pipe(inflate);
      });
      raw.destroy();
      if (!whole) return { ...damaged, decoded: lines + body.newlines };
      const end = p + inflate.bytesWritten;
      const trailer = await readAt(end, 8);
      // Cut in its trailer (a copy stopped short): every line of its data decoded.
      if (trailer.length < 8) return { ...damaged, decoded: lines + body.newlines };
      if (trailer.readUInt32LE(0) !== body.crc || trailer.readUInt32LE(4) !== body.size) {
        return { ...damaged, decoded: lines + body.newlines, checksum: true };
      }
      lines += body.newlines;
      at = end + 8;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** A line without its newline; a CRLF file's carriage return goes too. */
function decodeLine(buf: Buffer, start = 0, end = buf.length): string {
  if (end > start && buf[end - 1] === 13) end--;
  return buf.toString('utf8', start, end);
}

export async function readTelemetry(
  root: string,
  files: readonly string[],
  sink: RecordSink,
  opts: ReadOptions = {},
): Promise<ReadSummary> {
  const sizes = await Promise.all(files.map(async (f) => (await stat(path.resolve(root, f))).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  const summary: ReadSummary = { files: [], malformed: 0, firstMalformed: [], mostlyMalformed: [] };
  let before = 0;
  for (const [i, file] of files.entries()) {
    const stats: FileStats = { path: file, bytes: sizes[i] ?? 0, lines: 0, records: 0, malformed: 0 };
    const abs = path.resolve(root, file);
    const gz = file.endsWith('.gz');
    const handle = gz ? undefined : await open(abs, 'r');
    const raw = gz ? createReadStream(abs, { highWaterMark: 1 << 20 }) : undefined;
    const gunzip = raw?.pipe(createGunzip({ chunkSize: 1 << 20 }));
    // A read error on the file must end the loop below, which iterates the gunzip side.
    let rawFailed = false;
    raw?.on('error', (e) => {
      rawFailed = true;
      gunzip?.destroy(e);
    });
    let bytesRead = 0;
    // No LF in the whole file, but CRs: lines that end with CR alone (classic Mac OS) read as one
    // line, which says why it is malformed better than the JSON parser does.
    let sawLF = false;
    let crOnly = false;
    // A UTF-16 file (Windows PowerShell 5.1 writes one with `>` or Out-File) is text, but no line
    // of it is JSON to a UTF-8 reader: each would be refused for a NUL byte, hiding the cause. So
    // is gzip data in a file not named .gz (`.jsonl.GZ`, a rotated log renamed): said once, here.
    let notText: string | undefined;
    // The last line has no newline: an append-only writer may be writing it as the file is read.
    let tail = false;
    // That line, unreadable: listed, but it does not make the file mostly malformed, or a file a
    // writer has just begun (one line, half written) would halt every measurement reading it.
    let unfinished = 0;
    const onLine = (text: string): void => {
      stats.lines++;
      // trim() only when the line starts blank: it is the rare case, and trim costs on every line.
      if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
      const parsed = parseRecords(text);
      if (parsed.ok) {
        // A turn and the trace it carries are one record; an OTLP export holds one per turn span, or none.
        const n = parsed.records.length;
        stats.records += n === 2 && parsed.records[1]?.kind === 'fork_trace' ? 1 : n;
        if (n === 0) stats.passedOver = (stats.passedOver ?? 0) + 1;
        for (const r of parsed.records) sink(r, file, stats.lines);
      } else {
        const reason =
          notText !== undefined
            ? notText
            : crOnly
              ? `its lines end with CR only (no LF), so the whole file reads as one line: convert its line endings to LF (tr '\\r' '\\n')`
              : tail
                ? `${parsed.reason} (the file's last line, with no newline: its writer may not have finished it)`
                : parsed.reason;
        if (tail && notText === undefined && !crOnly) unfinished = 1;
        const bad = { file, line: stats.lines, reason };
        stats.malformed++;
        stats.firstMalformed ??= bad;
        summary.malformed++;
        if (summary.firstMalformed.length < MALFORMED_SHOWN) summary.firstMalformed.push(bad);
      }
    };
    let fileStart = true;
    /** The whole lines in buf[0, end): buf[end - 1] is a newline. */
    const lines = (b: Buffer, end: number): void => {
      let s = 0;
      if (fileStart && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
        notText = `the file is UTF-16 (it starts with the byte-order mark ${b[0] === 0xff ? 'FF FE' : 'FE FF'}), not UTF-8: convert it (iconv -f UTF-16 -t UTF-8)`;
      } else if (fileStart && !gz && b[0] === 0x1f && b[1] === 0x8b) {
        notText = `the file is gzip data (it starts with 1f 8b), but its name does not end in .gz (lower case), so it was read as text: rename it so`;
      }
      fileStart = false;
      while (s < end) {
        // A UTF-8 byte-order mark before a line (some editors and Windows tools write one at the
        // start of a file, and files joined with cat keep each one) is not part of the record.
        if (b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
        // Most lines are records the byte reader understands; the rest, blank lines included, go to parseLine.
        if (b[s] === 0x7b) {
          const nl = extractLine(b, s, end);
          if (nl >= 0) {
            stats.lines++;
            stats.records++;
            sink(extractedRecord(), file, stats.lines);
            s = nl + 1;
            continue;
          }
        }
        const nl = b.indexOf(10, s);
        onLine(decodeLine(b, s, nl));
        s = nl + 1;
      }
    };
    // One buffer for the whole file, reused: whole lines are read from it in place and the
    // partial last line is moved to its start before the next read. It grows only for a line
    // longer than itself.
    let buf = Buffer.allocUnsafe(READ_SIZE);
    let held = 0;
    const room = (n: number): void => {
      if (held + n <= buf.length) return;
      const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, held + n));
      buf.copy(bigger, 0, 0, held);
      buf = bigger;
    };
    const eat = (): void => {
      const last = buf.lastIndexOf(10, held - 1);
      if (last >= 0) {
        sawLF = true;
        lines(buf, last + 1);
        buf.copy(buf, 0, last + 1, held);
        held -= last + 1;
      }
      if (opts.signal?.aborted) throw new Error('telemetry read aborted');
      opts.onProgress?.(before + (raw ? raw.bytesRead : bytesRead), total);
    };
    try {
      if (handle) {
        for (let reads = 1; ; reads++) {
          // Reads of at least READ_SIZE: a long partial line makes the buffer grow instead.
          room(READ_SIZE);
          // Now and then the event loop runs, so an abort (or other work of a gate check) is heard.
          if (reads % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
          // A synchronous read: a megabyte from the page cache takes less than the trip to libuv's pool.
          const got = readSync(handle.fd, buf, held, buf.length - held, null);
          if (got === 0) break;
          bytesRead += got;
          held += got;
          eat();
        }
      } else {
        try {
          for await (const chunk of gunzip as AsyncIterable<Buffer>) {
            room(chunk.length);
            chunk.copy(buf, held);
            held += chunk.length;
            eat();
          }
        } catch (e) {
          // zlib says "unexpected end of file" (Z_BUF_ERROR) only when the input ran out before
          // the stream ended, every byte before decoding: a gzip its writer has not closed yet
          // (or a copy cut short), read as far as it goes, as a plain file's unterminated last
          // line is. Bad bytes are another code (Z_DATA_ERROR), and halt; so does a zero-byte
          // file's error, which the catch below reads as no lines.
          const code = (e as NodeJS.ErrnoException).code;
          if (rawFailed || raw === undefined || raw.bytesRead === 0 || code !== 'Z_BUF_ERROR') throw e;
          stats.endsMidStream = true;
        }
      }
      if (held > 0) {
        // The last line has no newline: one is added so it reads like every other line.
        crOnly = !sawLF && buf.subarray(0, held).includes(13);
        room(1);
        buf[held++] = 10;
        tail = true;
        lines(buf, held);
      }
      if (gunzip && !stats.endsMidStream) {
        // After a member, zlib takes bytes starting with a zero for padding and ignores them and
        // everything after: a member whose first byte was lost, or data appended after padding,
        // would be dropped without a word. Zeros alone are padding; anything else is damage.
        const at = await nonZeroByte(abs, gunzip.bytesWritten, stats.bytes);
        if (at >= 0) {
          throw new Error(
            `the gzip data ends at byte ${gunzip.bytesWritten}, but byte ${at} after it is neither a gzip member nor zero padding: the file is damaged, and what follows cannot be read`,
          );
        }
      }
    } catch (e) {
      raw?.destroy();
      // A zero-byte .gz (a writer has opened it and written nothing yet) holds no lines, as a
      // zero-byte .jsonl does; gunzip calls it cut short ("unexpected end of file"). Any byte
      // read makes it a gzip stream to be judged whole, and a file that cannot be read still halts.
      if (!(raw && !rawFailed && raw.bytesRead === 0)) {
        const msg = e instanceof Error ? e.message : String(e);
        // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR) come without the lines of the read that
        // held the damage: the member that holds it is found and named instead.
        const code = (e as NodeJS.ErrnoException).code;
        const member =
          raw && !rawFailed && code?.startsWith('Z_')
            ? // A walk that cannot read the file knows no more than zlib said.
              await damagedMember(abs, stats.bytes).catch(() => undefined)
            : undefined;
        if (member?.notMember) {
          throw new Error(
            `${file}:${member.line}: the gzip data ends at byte ${member.at}, but byte ${member.at} after it is neither a gzip member nor zero padding: the file is damaged, and what follows cannot be read`,
          );
        }
        // A plain JSONL file named .gz (or a .gz its writer never compressed): not damaged gzip,
        // no gzip at all, and the way out is to rename it, as for gzip data without .gz.
        if (member?.notGzip) {
          const hex = [...member.notGzip].map((b) => b.toString(16).padStart(2, '0')).join(' ');
          throw new Error(
            `${file}:1: the file is not gzip data (it starts with ${hex}, not 1f 8b), but its name ends in .gz: if it is plain JSONL, rename it without .gz; if it should be gzip, write it again with gzip`,
          );
        }
        if (member !== undefined) {
          const { at, line, decoded = 0, checksum } = member;
          const before = line > 1 ? `; lines 1-${line - 1}, in the members before it, read whole` : '';
          // A checksum that disagrees says a byte changed somewhere in the member: none of its
          // lines can be trusted, though all of them decode.
          const far = checksum
            ? `; it decodes to line ${decoded}, but its checksum does not match, so none of its lines can be trusted`
            : decoded >= line
              ? `; it decodes as far as line ${decoded}`
              : '';
          throw new Error(
            `${file}:${checksum ? line : Math.max(line, decoded + 1)}: the gzip data is damaged (${msg}) in the member that starts at byte ${at} with line ${line}${far}${before}`,
          );
        }
        throw new Error(`${file}:${stats.lines + 1}: ${msg}`);
      }
    } finally {
      // gunzip stops pulling from the file when the stream ends before it: its handle goes now.
      raw?.destroy();
      releaseBuffer();
      await handle?.close();
    }
    before += stats.bytes;
    opts.onProgress?.(before, total);
    summary.files.push(stats);
    if (stats.malformed - unfinished > stats.records) summary.mostlyMalformed.push(stats);
  }
  return summary;
}

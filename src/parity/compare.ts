/**
 * Parity over files and folders: two JSON documents, or two folders of captures matched by
 * their path relative to the folder. A golden capture without its counterpart, or a
 * capture without a golden one, is unmeasured (halt), never a pass.
 *
 * The same comparison serves `capture-check`: the two captures of one request, taken twice
 * from the same inputs, must not differ outside the mask, or the golden set holds a
 * non-deterministic field and parity against it would be noise.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Verdict } from '../model/result.js';
import { specialKind } from '../util/special-file.js';
import { compileMask, type Difference, diffJson } from './diff.js';
import { JsonSyntaxError, type JsonValue, parseJson } from './parse.js';
import { decodeUtf8, escapedUtf8 } from '../util/utf8.js';
import { isUtf8 } from 'node:buffer';

export type ParityMode = 'diff' | 'capture-check';

export type FileStatus = 'parity' | 'differs' | 'missing_capture' | 'missing_golden';

export interface ParityFile {
  /** The path relative to the compared folders (the file name when two files are compared). */
  name: string;
  status: FileStatus;
  golden?: string;
  actual?: string;
  /** Why a capture that is listed in a folder could not be read (a symbolic link to nothing): that side is missing. */
  unreadable?: string;
  differences: Difference[];
}

export interface ParityOptions {
  significantDigits: number;
  /** The mask regex as written in the spec (matched against whole key names). */
  mask?: string;
  /** Where the rules come from, for the report (e.g. `gates/wave3/parity.yaml`). */
  spec?: string;
  /** The rules of `spec` that flags replaced for this run, so the report does not credit them to it. */
  overridden?: ParityRule[];
}

/** A rule of parity.yaml that a flag may replace (`--significant-digits`, `--mask`). */
export type ParityRule = 'significant_digits' | 'mask';

export interface ParityReport {
  mode: ParityMode;
  golden: string;
  actual: string;
  significant_digits: number;
  mask: string | null;
  spec: string | null;
  /** The rules given by flags rather than by `spec`; absent when none was. */
  overridden?: ParityRule[];
  verdict: Verdict;
  /** Why nothing could be compared (a folder missing or empty); the verdict is then halt. */
  halt?: string;
  counts: Record<FileStatus, number>;
  files: ParityFile[];
  /**
   * What the folders hold under a `*.json` name that is no regular file (a named pipe, a
   * socket, a device): never opened, so not compared, and named so it is not taken for a
   * capture that was compared. Absent when there is none.
   */
  skipped?: string[];
}

/**
 * Every capture that could not be read as JSON (malformed, empty, not UTF-8), in the order
 * compared, each with its file, line and column: an invalid input, not a difference. All are
 * named at once, so a candidate set with many broken captures (a server answering 502 pages)
 * is fixed in one pass, not one file per run.
 */
export class InvalidCaptures extends Error {
  constructor(readonly errors: readonly JsonSyntaxError[]) {
    super(
      errors.length === 1
        ? (errors[0] as JsonSyntaxError).message
        : `${errors.length} captures are not valid JSON: ${errors.map((e) => e.message).join('; ')}`,
    );
    this.name = 'InvalidCaptures';
  }
}

/**
 * Captures (or folders of them) whose names are not UTF-8, each path written with its bytes
 * that are not UTF-8 as `\xE9`: an invalid input. Read as text, such a name became one with
 * U+FFFD, a path that does not exist: the run died on "no such file" for a file that is there,
 * and two names differing only in such bytes would have been one capture.
 */
export class CaptureNamesNotUtf8 extends Error {
  constructor(readonly paths: readonly string[]) {
    super(
      paths.length === 1
        ? `the name of ${paths[0] ?? ''} is not UTF-8 (a Latin-1 or Windows-1252 name?), so it cannot be read or matched by name: rename it in UTF-8`
        : `${paths.length} names of captures or their folders are not UTF-8 (a Latin-1 or Windows-1252 name?), so they cannot be read or matched by name: ${paths.join('; ')}; rename them in UTF-8`,
    );
    this.name = 'CaptureNamesNotUtf8';
  }
}

/**
 * Compares `golden` with `actual`: two files, or two folders. A path that does not exist,
 * or a folder without a JSON file, makes the report halt with the reason. Malformed JSON
 * throws InvalidCaptures naming every such capture (an invalid input, not a difference).
 */
export function compareParity(
  golden: string,
  actual: string,
  opts: ParityOptions,
  mode: ParityMode = 'diff',
): ParityReport {
  const rules = { significantDigits: opts.significantDigits, ...(opts.mask ? { mask: compileMask(opts.mask) } : {}) };
  const base = {
    mode,
    golden,
    actual,
    significant_digits: opts.significantDigits,
    mask: opts.mask ?? null,
    spec: opts.spec ?? null,
    ...(opts.spec && opts.overridden?.length ? { overridden: opts.overridden } : {}),
  };
  const halted = (why: string, skipped: string[] = []): ParityReport => ({
    ...base,
    verdict: 'halt',
    halt: why,
    counts: count([]),
    files: [],
    ...(skipped.length ? { skipped } : {}),
  });
  for (const p of [golden, actual]) if (!existsSync(p)) return halted(`${p} does not exist`);
  // Never opened: reading a named pipe waits for a writer that may never come.
  for (const p of [golden, actual]) {
    const why = notCaptureInput(p);
    if (why) return halted(why);
  }
  // Both paths naming one file or folder (a candidate folder set to the golden one) compare
  // every capture with itself: parity whatever the candidates hold.
  if (realpathSync(golden) === realpathSync(actual)) {
    return halted(
      `${golden} and ${actual} are the same ${statSync(golden).isDirectory() ? 'folder' : 'file'}: each capture would be compared with itself; name the other captures`,
    );
  }
  const gDir = statSync(golden).isDirectory();
  const aDir = statSync(actual).isDirectory();
  if (gDir !== aDir) {
    return halted(
      `${gDir ? golden : actual} is a folder but ${gDir ? actual : golden} is a file: compare two files or two folders`,
    );
  }
  const invalid: JsonSyntaxError[] = [];
  const read = (path: string): JsonValue | undefined => {
    try {
      return readCapture(path);
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      invalid.push(e);
      return undefined;
    }
  };
  const one = (name: string, g?: string, a?: string, unreadable?: string): ParityFile => {
    const why = unreadable ? { unreadable } : {};
    // Neither side readable (only an unreadable link lists such a name): no golden to hold it to.
    if (!g && !a) return { name, status: 'missing_golden', ...why, differences: [] };
    if (!a) return { name, status: 'missing_capture', golden: g as string, ...why, differences: [] };
    if (!g) return { name, status: 'missing_golden', actual: a, ...why, differences: [] };
    // Both sides are read, and every pair after a malformed one, so each bad capture is named.
    const gv = read(g);
    const av = read(a);
    const differences = gv && av ? diffJson(gv, av, rules) : [];
    return { name, status: differences.length ? 'differs' : 'parity', golden: g, actual: a, differences };
  };
  let files: ParityFile[];
  let skipped: string[] = [];
  if (!gDir) {
    files = [one(baseName(golden), golden, actual)];
  } else {
    // Names that are not UTF-8 are gathered from both folders, so one run names them all.
    const notUtf8: string[] = [];
    const listed = (dir: string): CaptureEntry[] => {
      try {
        return jsonFiles(dir);
      } catch (e) {
        if (!(e instanceof CaptureNamesNotUtf8)) throw e;
        notUtf8.push(...e.paths);
        return [];
      }
    };
    const gAll = listed(golden);
    const aAll = listed(actual);
    if (notUtf8.length) throw new CaptureNamesNotUtf8(notUtf8);
    // Named, not compared: a named pipe holds no capture, and opening one waits for a writer.
    skipped = [...gAll, ...aAll].flatMap((e) => (e.skipped ? [e.skipped] : []));
    const gs = gAll.filter((e) => !e.skipped);
    const as = aAll.filter((e) => !e.skipped);
    if (gs.length === 0) {
      const inGolden = gAll.flatMap((e) => (e.skipped ? [e.skipped] : []));
      const also = inGolden.length ? ` (${inGolden.join('; ')})` : '';
      return halted(`no golden captures (*.json) in ${golden}: zero files is unmeasured, not parity${also}`, skipped);
    }
    const readable = (list: CaptureEntry[]) => new Set(list.filter((e) => !e.unreadable).map((e) => e.name));
    const gSet = readable(gs);
    const aSet = readable(as);
    // A capture listed but unreadable is missing on its side, and says why: a link left
    // pointing at nothing must not drop out of the comparison as if it were never taken.
    // A name skipped on one side says why too, when the other side has it.
    const unreadable = new Map<string, string[]>();
    for (const e of [...gAll, ...aAll]) {
      const why = e.unreadable ?? e.skipped;
      if (why) unreadable.set(e.name, [...(unreadable.get(e.name) ?? []), why]);
    }
    const paired = pairedByForm(gSet, aSet);
    const names = [...new Set([...gs.map((e) => e.name), ...as.map((e) => paired.get(e.name) ?? e.name)])].sort();
    const actualOf = new Map([...paired].map(([a, g]) => [g, a]));
    files = names.map((n) => {
      const a = aSet.has(n) ? n : actualOf.get(n);
      return one(
        n,
        gSet.has(n) ? join(golden, n) : undefined,
        a !== undefined ? join(actual, a) : undefined,
        unreadable.get(n)?.join('; '),
      );
    });
  }
  if (invalid.length) throw new InvalidCaptures(invalid);
  const counts = count(files);
  const verdict: Verdict =
    counts.differs > 0 ? 'fail' : counts.missing_capture + counts.missing_golden > 0 ? 'halt' : 'pass';
  return { ...base, verdict, counts, files, ...(skipped.length ? { skipped } : {}) };
}

/**
 * A capture, read as UTF-8 (RFC 8259 §8.1). A byte that is not UTF-8 is an invalid input,
 * like malformed JSON: decoded leniently it became U+FFFD, so two captures differing only in
 * such bytes were reported at parity.
 */
function readCapture(path: string): JsonValue {
  const read = decodeUtf8(readFileSync(path));
  if (!read.ok) throw new JsonSyntaxError(path, read.problem.line, read.problem.col, read.problem.detail);
  return parseJson(read.text, path);
}

/**
 * Captures named alike in another Unicode form, each without a counterpart named exactly so:
 * compared name → golden name. A capture written on macOS may have its name's accents
 * decomposed (`café.json` as `cafe` and a combining accent) where the golden one has them
 * composed; the same request, they were a capture without golden and a golden without
 * capture, named the same to a reader.
 */
function pairedByForm(golden: ReadonlySet<string>, actual: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  const lone = [...golden].filter((g) => !actual.has(g));
  for (const a of actual) {
    if (golden.has(a) || !/\P{ASCII}/u.test(a)) continue;
    const same = lone.filter((g) => g.normalize('NFC') === a.normalize('NFC'));
    if (same.length === 1 && same[0] !== undefined) out.set(a, same[0]);
  }
  // Two captures taken for one golden one: neither is its counterpart.
  const taken = [...out.values()];
  for (const [a, g] of out) if (taken.indexOf(g) !== taken.lastIndexOf(g)) out.delete(a);
  return out;
}

function count(files: ParityFile[]): Record<FileStatus, number> {
  const c: Record<FileStatus, number> = { parity: 0, differs: 0, missing_capture: 0, missing_golden: 0 };
  for (const f of files) c[f.status]++;
  return c;
}

export interface CaptureEntry {
  /** Forward-slash path relative to the folder. */
  name: string;
  /** Set when the entry is a symbolic link whose target cannot be read: why. */
  unreadable?: string;
  /** Set when the entry (or what its link points to) is no regular file, such as a named pipe: what it is. */
  skipped?: string;
}

/**
 * `*.json` files (any case) under a folder, recursively, sorted by their forward-slash relative paths.
 * A symbolic link counts as what it points to (a capture shared between two sets is often
 * linked, not copied): skipped, the same link on both sides left the file uncompared, and
 * a set of links alone halted as "no golden captures". A link to a folder already being
 * read is not followed again. A `*.json` link whose target is gone (or a loop) is listed
 * with the reason: it names a capture that cannot be read. A `*.json` named pipe, socket or
 * device (or a link to one) is listed as skipped, with what it is: it is never opened. A
 * capture or a folder whose name is not UTF-8 throws CaptureNamesNotUtf8, naming every one.
 */
export function jsonFiles(dir: string): CaptureEntry[] {
  const out: CaptureEntry[] = [];
  const notUtf8: string[] = [];
  const visit = (d: string, seen: ReadonlySet<string>): void => {
    // Names as bytes: read as text, a name that is not UTF-8 became another, with U+FFFD.
    for (const e of readdirSync(d, { withFileTypes: true, encoding: 'buffer' })) {
      if (!isUtf8(e.name)) {
        // A folder (or a link to one) may hold captures: unreadable, it is named too.
        if (
          isCaptureName(e.name.toString('latin1')) ||
          e.isDirectory() ||
          (e.isSymbolicLink() && isFolder(d, e.name))
        ) {
          notUtf8.push(join(d, escapedUtf8(e.name)));
        }
        continue;
      }
      const entry = e.name.toString('utf8');
      const p = join(d, entry);
      const name = () => relative(dir, p).split(sep).join('/');
      let kind: 'dir' | 'file' | undefined = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : undefined;
      let special = specialKind(e);
      if (e.isSymbolicLink()) {
        let target;
        try {
          target = statSync(p);
        } catch (err) {
          if (isCaptureName(entry)) out.push({ name: name(), unreadable: brokenLink(p, err) });
          continue;
        }
        kind = target.isDirectory() ? 'dir' : target.isFile() ? 'file' : undefined;
        special = specialKind(target);
      }
      if (kind === 'dir') {
        const real = realpathSync(p);
        if (!seen.has(real)) visit(p, new Set([...seen, real]));
      } else if (kind === 'file' && isCaptureName(entry)) out.push({ name: name() });
      else if (special && isCaptureName(entry)) {
        out.push({ name: name(), skipped: `${p} is ${special}, not a regular file: not read` });
      }
    }
  };
  visit(dir, new Set([realpathSync(dir)]));
  if (notUtf8.length) throw new CaptureNamesNotUtf8(notUtf8.sort());
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether the entry `name` (bytes) of folder `d`, a link followed, is a folder. */
function isFolder(d: string, name: Buffer): boolean {
  try {
    return statSync(Buffer.concat([Buffer.from(`${d}${sep}`), name])).isDirectory();
  } catch {
    // A link to nothing holds no capture; one named as a capture is named by the caller.
    return false;
  }
}

/**
 * A capture's name: `.json` in any case. Windows tools and some capture scripts write
 * `B.JSON`; left out, a differing capture under such a name was never compared and the
 * folders passed.
 */
function isCaptureName(name: string): boolean {
  return /\.json$/i.test(name);
}

function brokenLink(path: string, err: unknown): string {
  let target = '?';
  try {
    target = readlinkSync(path);
  } catch {
    // The link was read a moment ago; if it is gone now, its target is unknown.
  }
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? 'which does not exist'
      : code === 'ELOOP'
        ? 'which is a loop of links'
        : `which cannot be read (${code ?? String(err)})`;
  return `${path} is a symbolic link to ${target}, ${why}`;
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** The exit code of a parity report: 0 at parity, 1 a difference, 2 something unmeasured. */
export function parityExitCode(r: ParityReport): number {
  return r.verdict === 'pass' ? 0 : r.verdict === 'fail' ? 1 : 2;
}

/**
 * Why a path named as a capture (or a folder of them) cannot be one: a named pipe, socket or
 * device, which is never opened. Undefined for a file or folder.
 */
export function notCaptureInput(p: string): string | undefined {
  const what = specialKind(statSync(p));
  return what ? `${p} is ${what}, not a capture file or folder: name the JSON file or the folder of them` : undefined;
}

/**
 * `--format name[=file]`, repeatable, for any command with a family of formatters: one
 * evaluation, several reports (SARIF for code scanning and Markdown for the job summary from
 * the same run). Kept apart from the formatters so a command loads only its own.
 */
import {
  chmodSync,
  constants,
  copyFileSync,
  fstatSync,
  linkSync,
  lstatSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../spec/problems.js';
import { makeBeside, placeName, writeBeside } from '../util/new-file.js';

export interface FormatOutput<F extends string> {
  format: F;
  /** Absent: standard output. */
  file?: string;
}

export function parseFormatFlags<F extends string>(
  values: string[] | undefined,
  json: boolean,
  opts: { names: readonly F[]; fallback: F; what: string; /** Standard output's descriptor (1). */ stdout?: number },
): FormatOutput<F>[] {
  const stdoutFd = opts.stdout ?? 1;
  const outputs: FormatOutput<F>[] = (values ?? []).map((v) => {
    const eq = v.indexOf('=');
    const name = (eq < 0 ? v : v.slice(0, eq)).trim();
    const file = eq < 0 ? undefined : v.slice(eq + 1).trim();
    // `--format =x` or `--format ''`: there is no name to call unknown.
    if (name === '') {
      const example = `${opts.names[0] ?? 'name'}=${file || 'report.out'}`;
      throw new UsageError(
        eq < 0
          ? `--format needs a format name: one of ${opts.names.join(', ')} (name=file writes a file)`
          : `--format ${v.trim()}: the format name is missing before '='; write name=file, such as ${example} (one of ${opts.names.join(', ')})`,
      );
    }
    if (!opts.names.includes(name as F)) {
      throw new UsageError(
        `--format '${name}' is not ${opts.what}; use one of ${opts.names.join(', ')} (name=file writes a file)`,
      );
    }
    if (file === '') throw new UsageError(`--format ${name}= needs a file name after '='`);
    // name=- is standard output, as for most tools; so is a name of the pipe or terminal it
    // is (`/dev/stdout`), or the report and the one printed anyway would share it.
    return { format: name as F, ...(file && file !== '-' && !isStdoutStream(file, stdoutFd) ? { file } : {}) };
  });
  // A file that cannot be written is an invocation error, found before anything runs.
  const seen = new Map<string, FormatOutput<F>>();
  for (const o of outputs) {
    if (!o.file) continue;
    const abs = resolve(o.file);
    let why: string | undefined;
    try {
      if (!statSync(dirname(abs)).isDirectory()) why = `${dirname(o.file)} is a file, not a folder`;
      else if (statSync(abs, { throwIfNoEntry: false })?.isDirectory()) why = 'it is a folder, not a file';
      else why = danglingLink(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      why =
        code === 'ENOTDIR'
          ? `a file stands on the path to ${dirname(o.file)}`
          : code === 'ELOOP'
            ? 'its links lead round in a loop'
            : `the folder ${dirname(o.file)} does not exist${linkNote(dirname(abs))}`;
    }
    if (why) throw new UsageError(`cannot write ${o.file}: ${why}`);
    const key = fileIdentity(abs);
    const twice = seen.get(key);
    if (twice !== undefined) {
      const also = resolve(twice.file ?? '') === abs ? '' : ` (the same file as ${twice.file ?? ''})`;
      throw new UsageError(
        `--format ${twice.format} and --format ${o.format} both write ${o.file}${also}; give each its own file`,
      );
    }
    seen.set(key, o);
  }
  // `> file` on a file a report replaces: the redirected report would go to the file the rename
  // unlinks, and a report is always printed (the fallback when no other is).
  const out = stdoutIdentity(stdoutFd);
  const clash = out === undefined ? undefined : seen.get(out);
  if (clash !== undefined) {
    throw new UsageError(
      `standard output is redirected to ${clash.file ?? ''}, which --format ${clash.format} also writes; redirect to another file or give the report its own`,
    );
  }
  if (json) outputs.push({ format: 'json' as F });
  const toStdout = outputs.filter((o) => !o.file);
  if (toStdout.length > 1) {
    throw new UsageError(
      `only one report can go to standard output (got ${toStdout.map((o) => o.format).join(' and ')}); write the others to files with --format name=file`,
    );
  }
  if (toStdout.length === 0) outputs.push({ format: opts.fallback });
  return outputs;
}

/**
 * Why a report cannot be written through `abs` when it is a link to nothing yet: writing
 * through it creates the file it names, which needs that file's folder. Found before the
 * command runs, not after a long evaluation.
 */
function danglingLink(abs: string): string | undefined {
  let at = abs;
  for (let hops = 0; hops < 40 && lstatSync(at, { throwIfNoEntry: false })?.isSymbolicLink(); hops++) {
    at = resolve(dirname(at), readlinkSync(at));
  }
  if (at === abs || statSync(at, { throwIfNoEntry: false })) return undefined;
  const folder = statSync(dirname(at), { throwIfNoEntry: false });
  if (folder?.isDirectory()) return undefined;
  return `it is a link to ${at}, whose folder ${dirname(at)} ${folder ? 'is a file' : 'does not exist'}`;
}

/** ", a link to …": a folder that is a link to nothing is named so. */
function linkNote(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? ` (it is a link to ${readlinkSync(path)}, which is not there)` : '';
  } catch {
    return '';
  }
}

/** Whether `file` names the pipe, terminal or device standard output is (a regular file: see stdoutIdentity). */
function isStdoutStream(file: string, fd: number): boolean {
  try {
    const st = statSync(file, { throwIfNoEntry: false });
    if (!st || st.isFile()) return false;
    const out = fstatSync(fd);
    return !out.isFile() && out.dev === st.dev && out.ino === st.ino;
  } catch {
    return false;
  }
}

/** The regular file standard output is redirected to, as fileIdentity names it; else undefined. */
function stdoutIdentity(fd: number): string | undefined {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined; // closed: nothing is redirected
  }
}

/**
 * The file `abs` names, however it is reached: a link to it, a link on the way, a second hard
 * link. Two reports into one file would each replace the other, and the second rename would
 * find its temporary file gone.
 */
function fileIdentity(abs: string, hops = 0): string {
  const st = statSync(abs, { throwIfNoEntry: false });
  // A terminal or a pipe may well be both /dev/stdout and /dev/stderr: written to, not replaced.
  if (st) return st.isFile() ? `${st.dev}:${st.ino}` : abs;
  // A link to a file not written yet names that file (40 links at most, as Linux follows).
  if (hops < 40 && lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink()) {
    return fileIdentity(resolve(dirname(abs), readlinkSync(abs)), hops + 1);
  }
  try {
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch {
    return abs;
  }
}

/**
 * Where a report for `file` goes. A regular file (or a new one) is replaced whole: written
 * beside it and renamed over it, through any symlink to it so the link stays a link. A pipe,
 * a terminal or another device (`/dev/stdout`, a shell's `>(…)`) is written to as it is.
 */
function placement(file: string): { replace: string; mode?: number } | { direct: string } {
  const st = statSync(file, { throwIfNoEntry: false });
  // New, or a symlink to nothing yet: writing through the link creates what it names.
  if (!st) return lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ? { direct: file } : { replace: file };
  // A replaced report keeps its permissions (one kept from others' eyes stays so).
  return st.isFile() ? { replace: realpathSync(file), mode: st.mode & 0o7777 } : { direct: file };
}

let reported = false;

/** Whether this process has written its reports: a failure after that leaves them as they are. */
export function reportsWritten(): boolean {
  return reported;
}

/** A report's temporary file and the file it replaces, with the old file's second name once it has one. */
interface Pending {
  file: string;
  /** Absent once renamed into place: the name is no longer this run's to remove. */
  tmp?: string;
  target: string;
  backup?: string;
}

/**
 * Gives the file `target` a second name beside it, so it can be put back if a later report
 * cannot be put in place: a hard link, or a copy where the file system has none.
 */
function keepOld(target: string, avoid: ReadonlySet<string>): string {
  return makeBeside(
    target,
    'old',
    (backup) => {
      try {
        linkSync(target, backup);
      } catch (err) {
        // Taken: the next name is tried. Only a file system without hard links gets a copy.
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
        copyFileSync(target, backup, constants.COPYFILE_EXCL);
      }
    },
    avoid,
  );
}

/**
 * Undoes the renames done so far, newest first: each replaced file gets its old one back, each
 * new one is removed. What cannot be put back is named, with where its old content is kept.
 */
function putBack(done: readonly Pending[]): string[] {
  const kept: string[] = [];
  for (const p of [...done].reverse()) {
    try {
      if (p.backup === undefined) rmSync(p.target, { force: true });
      else renameSync(p.backup, p.target);
    } catch (err) {
      const why = (err as Error).message.split(',')[0] ?? '';
      kept.push(
        p.backup === undefined ? `${p.file} (${why})` : `${p.file} (${why}; its previous content is in ${p.backup})`,
      );
      // Not removed with the temporary files: it holds the only copy of what was there.
      p.backup = undefined;
    }
  }
  return kept;
}

/**
 * Writes the reports: every file whole or none of them (each to a temporary file first,
 * renamed into place once all are written, the files they replace kept until every rename
 * is done and put back if one fails), then standard output, so a reader never sees half a
 * report nor a mix of two runs' reports. A run that stops before its report writes its failure
 * instead (failure-report.ts).
 */
export async function writeReports<F extends string>(
  outputs: readonly FormatOutput<F>[],
  render: (format: F, toFile: boolean) => string | Promise<string>,
): Promise<void> {
  const texts = new Map<FormatOutput<F>, string>();
  for (const o of outputs) texts.set(o, await render(o.format, o.file !== undefined));
  const files = outputs.flatMap((o) => (o.file === undefined ? [] : [{ o, file: o.file, at: placement(o.file) }]));
  /** Temporary files written so far, each with the file it replaces. */
  const written: Pending[] = [];
  const cleanUp = () => {
    for (const p of written) {
      if (p.tmp !== undefined) rmSync(p.tmp, { force: true });
      if (p.backup !== undefined) rmSync(p.backup, { force: true });
    }
  };
  // A temporary name that is another report's file would be renamed over by that report.
  const targets = new Set(files.flatMap(({ at }) => ('replace' in at ? [placeName(at.replace)] : [])));
  let failed = '';
  try {
    // Replaced files first, devices after: a failure then leaves nothing behind.
    for (const { o, file, at } of [...files].sort((a, b) => Number('direct' in a.at) - Number('direct' in b.at))) {
      failed = file;
      if ('direct' in at) {
        writeFileSync(at.direct, texts.get(o) as string);
        continue;
      }
      // A file it replaces gives it its mode; until then it is readable by its owner alone,
      // so a report kept from others is never more open, not even for a moment. Created anew
      // (a file already bearing the name is someone's, and another name is taken).
      const tmp = writeBeside(at.replace, 'tmp', texts.get(o) as string, {
        avoid: targets,
        ...(at.mode === undefined ? {} : { mode: 0o600 }),
      });
      const pending: Pending = { file, tmp, target: at.replace };
      written.push(pending);
      if (at.mode !== undefined) {
        chmodSync(tmp, at.mode);
        pending.backup = keepOld(at.replace, targets);
      }
    }
  } catch (err) {
    cleanUp();
    throw new UsageError(`cannot write ${failed}: ${(err as Error).message.split(',')[0]}; no report file was written`);
  }
  // A rename can still fail (the file became a folder meanwhile, a mount over it): the reports
  // already in place then give way to the files they replaced, so none of this run's is left.
  const done: Pending[] = [];
  for (const p of written) {
    try {
      renameSync(p.tmp as string, p.target);
      p.tmp = undefined;
    } catch (err) {
      const kept = putBack(done);
      cleanUp();
      const why = (err as Error).message.split(',')[0] ?? '';
      throw new UsageError(
        kept.length === 0
          ? `cannot write ${p.file}: ${why}; no report file was written`
          : `cannot write ${p.file}: ${why}; could not put back ${kept.join(', ')}`,
      );
    }
    done.push(p);
  }
  cleanUp();
  for (const o of outputs) if (o.file === undefined) process.stdout.write(texts.get(o) as string);
  reported = true;
}

/**
 * The report files written beside the `annotations` format's report, each holding everything
 * it reports: where to read what GitHub leaves unannotated.
 */
export function keptFiles(outputs: readonly FormatOutput<string>[], annotations: string): string[] {
  return outputs.flatMap((x) => (x.file !== undefined && x.format !== annotations ? [x.file] : []));
}

/**
 * Whether an output is read by GitHub (annotations, code scanning) or CI (JUnit), which name
 * files from the repository's top: the report's names from the governed root then need its
 * place below the top (util/repo-prefix.ts).
 */
export function namesFromTop(outputs: readonly FormatOutput<string>[]): boolean {
  return outputs.some((o) => o.format === 'github' || o.format === 'sarif' || o.format === 'junit');
}

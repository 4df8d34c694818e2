/**
 * `--format name[=file]`, repeatable, for any command with a family of formatters: one
 * evaluation, several reports (SARIF for code scanning and Markdown for the job summary from
 * the same run). Kept apart from the formatters so a command loads only its own.
 */
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../spec/problems.js';

export interface FormatOutput<F extends string> {
  format: F;
  /** Absent: standard output. */
  file?: string;
}

export function parseFormatFlags<F extends string>(
  values: string[] | undefined,
  json: boolean,
  opts: { names: readonly F[]; fallback: F; what: string },
): FormatOutput<F>[] {
  const outputs: FormatOutput<F>[] = (values ?? []).map((v) => {
    const eq = v.indexOf('=');
    const name = (eq < 0 ? v : v.slice(0, eq)).trim();
    const file = eq < 0 ? undefined : v.slice(eq + 1).trim();
    if (!opts.names.includes(name as F)) {
      throw new UsageError(
        `--format '${name}' is not ${opts.what}; use one of ${opts.names.join(', ')} (name=file writes a file)`,
      );
    }
    if (file === '') throw new UsageError(`--format ${name}= needs a file name after '='`);
    return { format: name as F, ...(file ? { file } : {}) };
  });
  // A file that cannot be written is an invocation error, found before anything runs.
  const seen = new Map<string, F>();
  for (const o of outputs) {
    if (!o.file) continue;
    const abs = resolve(o.file);
    const twice = seen.get(abs);
    if (twice !== undefined) {
      throw new UsageError(`--format ${twice} and --format ${o.format} both write ${o.file}; give each its own file`);
    }
    seen.set(abs, o.format);
    let dir = false;
    try {
      dir = statSync(dirname(abs)).isDirectory();
    } catch {
      dir = false;
    }
    if (!dir) throw new UsageError(`cannot write ${o.file}: the folder ${dirname(o.file)} does not exist`);
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
 * Writes the reports: every file whole or none of them (each to a temporary file first,
 * renamed into place once all are written), then standard output, so a reader never sees
 * half a report and a failed run leaves no report of it behind.
 */
export async function writeReports<F extends string>(
  outputs: readonly FormatOutput<F>[],
  render: (format: F, toFile: boolean) => string | Promise<string>,
): Promise<void> {
  const texts = new Map<FormatOutput<F>, string>();
  for (const o of outputs) texts.set(o, await render(o.format, o.file !== undefined));
  const files = outputs.filter((o): o is FormatOutput<F> & { file: string } => o.file !== undefined);
  const written: string[] = [];
  try {
    for (const o of files) {
      const tmp = `${o.file}.${process.pid}.tmp`;
      written.push(tmp);
      writeFileSync(tmp, texts.get(o) as string);
    }
  } catch (err) {
    for (const tmp of written) rmSync(tmp, { force: true });
    const file = files[written.length - 1]?.file ?? '';
    throw new UsageError(`cannot write ${file}: ${(err as Error).message.split(',')[0]}; no report file was written`);
  }
  files.forEach((o, i) => renameSync(written[i] as string, o.file));
  for (const o of outputs) if (o.file === undefined) process.stdout.write(texts.get(o) as string);
}

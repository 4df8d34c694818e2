/**
 * `--format name[=file]`, repeatable, for any command with a family of formatters: one
 * evaluation, several reports (SARIF for code scanning and Markdown for the job summary from
 * the same run). Kept apart from the formatters so a command loads only its own.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
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
 * Writes each report: to standard output, or to its file whole or not at all (a temporary
 * file, then a rename), so a reader never sees half a report.
 */
export async function writeReports<F extends string>(
  outputs: readonly FormatOutput<F>[],
  render: (format: F, toFile: boolean) => string | Promise<string>,
): Promise<void> {
  for (const o of outputs) {
    const text = await render(o.format, o.file !== undefined);
    if (o.file === undefined) {
      process.stdout.write(text);
      continue;
    }
    const tmp = `${o.file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, o.file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }
}

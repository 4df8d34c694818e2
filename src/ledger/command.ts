/**
 * The base of the ledger's commands, without the database drivers (./cli.js): a command
 * refused for a bad flag does not load them (test/cli/bundle.test.ts).
 */
import { asksJsonOnStdout, formatJsonError } from '../cli/json-error.js';
import { HOME_PROGRAM, PROGRAM_ENV, RfcCommand } from '../cli/rfc-command.js';
import { EXIT } from '../model/result.js';
import { urlProblem } from '../sources/sql/url.js';
import { UsageError } from '../spec/problems.js';
import { listRfcIds } from '../spec/rfc-dir.js';
import type { DatabaseTarget } from './cli.js';
import { LedgerError } from './errors.js';

/** The exit codes of the commands that write the ledger: no verdicts, so no 1 and 2. */
export const LEDGER_EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0  done (also when there was nothing to do, or the measurement was already recorded)',
  '  3  the invocation is invalid, or the database cannot be used (unreachable, not migrated, a table rfcgate did not create, an idempotency key reused for other content); nothing was written',
].join('\n');

/** The exit codes of `db migrate`: it records no measurement and takes no idempotency key. */
export const MIGRATE_EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0  done (also when everything was already present, or an object rfcgate did not create was left unchanged)',
  '  3  the invocation is invalid, or the database cannot be used (unreachable, read-only, a failed statement); nothing was written',
].join('\n');

/** The exit codes of `measure list` and `gate history`: they only read, so nothing is recorded and nothing is written. */
export const LEDGER_READER_EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0  done (also when no row matches)',
  '  3  the invocation is invalid, or the database cannot be used (unreachable, not migrated, a table rfcgate did not create)',
].join('\n');

/** The most rows `--limit` of `measure list` and `gate history` lists. */
export const MAX_LIST_LIMIT = 10_000;

/** What to run when a listing was cut at `limit` and more rows exist. */
export function raiseLimit(limit: number): string {
  return limit < MAX_LIST_LIMIT
    ? `--limit ${Math.min(MAX_LIST_LIMIT, limit * 5)} shows more`
    : `${MAX_LIST_LIMIT} is the most --limit lists`;
}

export abstract class LedgerCommand extends RfcCommand {
  /** Which database: DATABASE_URL, else the RFC's embedded directory (the default one when there is no RFC yet). */
  protected async databaseTarget(root: string, rfcFlag: string | undefined): Promise<DatabaseTarget> {
    const { readManifestDatabase, targetFor } = await import('./cli.js');
    const program = process.env[PROGRAM_ENV];
    const explicit = rfcFlag !== undefined || (program !== undefined && program !== HOME_PROGRAM);
    const manifest =
      explicit || listRfcIds(root).length > 0 ? readManifestDatabase(root, this.chooseRfc(root, rfcFlag)) : undefined;
    const target = targetFor(root, manifest, process.env);
    // A URL that cannot be read is the user's to fix, not a server that cannot be reached
    // (exit 3, not a halt), and every command says so alike. Never echo it: it holds the password.
    const problem = target.databaseUrl === undefined ? undefined : urlProblem('DATABASE_URL', target.databaseUrl, true);
    if (problem) throw new UsageError(problem);
    return target;
  }

  override async catch(err: Error & { oclif?: { exit?: number }; code?: string }): Promise<unknown> {
    if (await ledgerFailure(err)) {
      process.stderr.write(`error: ${err.message}\n`);
      if (process.argv.includes('--debug') && err.stack) process.stderr.write(`${err.stack}\n`);
      // A step piping --json into jq reads why there is no report, as for any other exit 3.
      if (asksJsonOnStdout(this.argv)) {
        process.stdout.write(formatJsonError({ name: 'LedgerError', message: err.message, exit: EXIT.invalid }));
      }
      this.exit(EXIT.invalid);
    }
    return super.catch(err);
  }
}

/**
 * isLedgerFailure without loading the drivers for every error: the SQL errors' classes are
 * defined with the drivers, so one thrown means they are loaded already.
 */
async function ledgerFailure(err: Error): Promise<boolean> {
  if (err instanceof LedgerError) return true;
  if (err.name !== 'SqlWriteError' && err.name !== 'SqlHaltError') return false;
  return (await import('./cli.js')).isLedgerFailure(err);
}

/**
 * What the ledger's commands (`db migrate`, `measure record`, `measure list`, `gate history`
 * and `gate check --record`) share: which database, opening it, one-line errors. Their base
 * class is in command.ts: this module loads the database drivers.
 */
import { resolve } from 'node:path';
import type { GateReport } from '../model/result.js';
import { openSqlClient, type SqlClient, SqlHaltError } from '../sources/sql/client.js';
import { DEFAULT_EMBEDDED_DIR } from '../sources/sql/source.js';
import { urlProblem } from '../sources/sql/url.js';
import {
  embeddedDirState,
  notADatabaseMessage,
  openSqlWriter,
  type SqlWriter,
  SqlWriteError,
} from '../sources/sql/writer.js';
import { readRawManifest } from '../spec/raw-manifest.js';
import { GATES_DIR } from '../spec/rfc-dir.js';
import { UsageError } from '../spec/problems.js';
import type { RfcManifest } from '../spec/types.js';
import { LedgerError } from './errors.js';
import { visible } from '../formatters/visible.js';
import { recordGateRun } from './gate-runs.js';

export interface DatabaseTarget {
  /** DATABASE_URL, when set: it wins. */
  databaseUrl?: string;
  /** The embedded data directory, absolute. */
  embeddedDir: string;
  /** The same, as the manifest names it (relative to the repository): what messages show. */
  embeddedLabel: string;
}

export function targetFor(
  repoDir: string,
  manifest: Pick<RfcManifest, 'database'> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): DatabaseTarget {
  const label = manifest?.database?.embedded_dir ?? DEFAULT_EMBEDDED_DIR;
  const url = env.DATABASE_URL?.trim();
  return { ...(url ? { databaseUrl: url } : {}), embeddedDir: resolve(repoDir, label), embeddedLabel: label };
}

export function openWriter(target: DatabaseTarget, opts: { create?: boolean } = {}): SqlWriter {
  return openSqlWriter({ ...target, create: opts.create ?? false });
}

/** The READ ONLY client on the same database; a missing embedded directory points at `db migrate`. */
export function openReader(target: DatabaseTarget): SqlClient {
  const state = target.databaseUrl === undefined ? embeddedDirState(target.embeddedDir) : 'database';
  // `db migrate` refuses such a directory: saying it does not exist would send the user round in a circle.
  if (state === 'not_a_database') throw new LedgerError('foreign', notADatabaseMessage(target.embeddedLabel));
  if (state !== 'database') {
    throw new LedgerError(
      'missing',
      `the embedded database ${target.embeddedLabel} does not exist; run \`rfcgate db migrate\` to create it (or set DATABASE_URL)`,
    );
  }
  return openSqlClient(target);
}

/** A failure of the ledger or the database, as the one line a person reads. */
export function isLedgerFailure(err: unknown): err is LedgerError | SqlWriteError | SqlHaltError {
  return err instanceof LedgerError || err instanceof SqlWriteError || err instanceof SqlHaltError;
}

/**
 * A `--record` that failed only because the ledger's database could not be reached, or was
 * busy (a lock another session held past lock_timeout, a statement the server cancelled, a
 * serialization failure or a deadlock), halts (exit 2, or the run's own worse outcome), as a
 * measurement read from that database does: the same command run again later records it. A
 * ledger that is there but cannot take the run (not migrated, not rfcgate's, a role that may
 * not write, a run id reused for other content, a login refused) stays an invalid invocation
 * (exit 3): it waits for someone to fix it.
 */
export function recordingHalted(err: unknown): boolean {
  return err instanceof SqlWriteError && err.transient;
}

/** `database.embedded_dir` of one RFC's rfc.yaml, read on its own: a broken gate spec must not block `db migrate`. */
export function readManifestDatabase(root: string, id: string): Pick<RfcManifest, 'database'> {
  const database = readRawManifest(root, id)?.database as { embedded_dir?: unknown } | null | undefined;
  const embedded = database?.embedded_dir;
  if (embedded === undefined) return {};
  if (typeof embedded !== 'string' || embedded.trim() === '') {
    throw new UsageError(`${GATES_DIR}/${id}/rfc.yaml: database.embedded_dir must be a non-empty path`);
  }
  return { database: { embedded_dir: embedded } };
}

// ---------------------------------------------------------------------------------------------
// gate check --record

export interface RecordGateCheckOptions {
  repoDir: string;
  manifest: Pick<RfcManifest, 'database'>;
  env: Readonly<Record<string, string | undefined>>;
  report: GateReport;
  asOf: Date;
  phase?: string | undefined;
  only?: readonly string[] | undefined;
  toolVersion?: string;
  /** `--run-id`: a run already recorded under it for this RFC is not stored again. */
  runKey?: string | undefined;
}

export interface RecordedGateCheck {
  ok: boolean;
  /** Not recorded because the database could not be reached or was busy: a halt (see recordingHalted), not exit 3. */
  halted: boolean;
  message: string;
}

/**
 * Stores the run and its results in one transaction. Never throws for a ledger or database
 * failure: it returns the line to print, so the caller (which has already printed the
 * report) can halt or exit 3 knowing nothing was recorded.
 */
export async function recordGateCheck(opts: RecordGateCheckOptions): Promise<RecordedGateCheck> {
  let sha: string | null = null;
  try {
    // Only a recording gate check needs git; the other ledger commands do not load it.
    const { GitRepo } = await import('../sources/git/repo.js');
    sha = (await new GitRepo(opts.repoDir).resolveAsOf(opts.report.ref, opts.asOf))?.sha ?? null;
  } catch {
    // Not a repository, or the ref does not resolve: the run is still worth recording.
  }
  const target = targetFor(opts.repoDir, opts.manifest, opts.env);
  const problem = target.databaseUrl === undefined ? undefined : urlProblem('DATABASE_URL', target.databaseUrl, true);
  if (problem) return { ok: false, halted: false, message: `error: the gate run was not recorded: ${problem}\n` };
  const writer = openWriter(target);
  try {
    const run = await recordGateRun(writer, opts.report, {
      sha,
      phase: opts.phase ?? null,
      only: opts.only ?? null,
      toolVersion: opts.toolVersion ?? null,
      runKey: opts.runKey ?? null,
    });
    const key = run.runKey === null ? '' : `--run-id ${visible(run.runKey)}`;
    if (run.alreadyRecorded) {
      const stored = run.stored ? `: ${run.stored.verdict} as of ${run.stored.asOf}` : '';
      // Not compared with the run stored (a retry evaluates at another instant, and may see
      // more), but its verdict is named: the one the ledger keeps may not be the one printed.
      return {
        ok: true,
        halted: false,
        message: `already recorded as gate run ${run.runId} (${key}${stored}) in ${run.database}; nothing was stored\n`,
      };
    }
    return {
      ok: true,
      halted: false,
      // A run of a restored copy is told apart from a live one here too, as the report heading does.
      message: `recorded gate run ${run.runId} (${run.results} result${run.results === 1 ? '' : 's'}${run.snapshotAt ? `, database a snapshot of ${run.snapshotAt}` : ''}${key ? `, ${key}` : ''}) in ${run.database}\n`,
    };
  } catch (err) {
    if (!isLedgerFailure(err)) throw err;
    const halted = recordingHalted(err);
    return {
      ok: false,
      halted,
      message: `${halted ? 'halt' : 'error'}: the gate run was not recorded: ${err.message}\n`,
    };
  } finally {
    await writer.close();
  }
}

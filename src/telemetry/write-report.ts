/**
 * `telemetry report`: scan, then write the report. The JSON is written row by row, each
 * session's numbers dropped once its row is written; the table keeps only the rows it lists
 * (worstSessions). A large input runs it on a thread of its own (write-report-worker.ts)
 * whose young generation is kept small: V8 otherwise grows it to ~48 MB under the steady
 * stream of session state the scan builds, which is most of what lifts a 1 GB report past
 * 200 MB resident (bench/README, telemetry).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  formatTelemetryTable,
  type TelemetryTableOptions,
  telemetryJsonStream,
} from '../formatters/telemetry/index.js';
import type { SkippedMatch } from '../sources/telemetry/read.js';
import { scanFiles } from '../sources/telemetry/scan.js';
import { reportHead, sessionRows, worstSessions } from './report.js';

/** What a report is computed from and how it is written; plain data, so it can be sent to the worker. */
export interface ReportJob {
  root: string;
  files: string[];
  /** What the globs matched and was not read: named in the report. */
  skipped?: SkippedMatch[];
  /** Globs that matched nothing beside globs that did: named in the report. */
  unmatched?: string[];
  /** ISO-8601. */
  asOf: string;
  rangeMs?: number;
  /** The window as it was written (7d): how a halt names it. */
  window?: string;
  lastTurns?: number;
  series: number;
  output: { format: 'json' } | ({ format: 'table' } & TelemetryTableOptions);
}

/** What the command needs of the report once it is written: its exit code. */
export interface ReportSummary {
  as_of: string;
  turns: number;
  mostly_malformed: string[];
  /** With no turn in the window: where the files' turns lie, as a gate's halt says it. */
  no_turns?: string;
}

/** Writing the report failed (a closed pipe): not a problem with the telemetry. */
export class ReportWriteError extends Error {}

export async function writeReport(
  job: ReportJob,
  write: (chunk: string) => void | Promise<void>,
  onProgress?: (done: number, total: number) => void,
  /** Called once the files are read, before the first chunk: where a progress line is cleared. */
  beforeWrite?: () => void,
): Promise<ReportSummary> {
  const asOf = new Date(job.asOf);
  const window = {
    asOf,
    ...(job.rangeMs !== undefined ? { rangeMs: job.rangeMs } : {}),
    ...(job.lastTurns !== undefined ? { lastTurns: job.lastTurns } : {}),
  };
  const scan = await scanFiles(job.root, job.files, {
    ...window,
    series: job.series,
    ...(onProgress ? { onProgress } : {}),
  });
  const head = reportHead(scan, {
    ...window,
    ...(job.skipped ? { skipped: job.skipped } : {}),
    ...(job.unmatched ? { unmatched: job.unmatched } : {}),
    ...(job.window !== undefined ? { window: job.window } : {}),
  });
  const rows = sessionRows(scan, { consume: true });
  const { output } = job;
  let text: Iterable<string>;
  if (output.format === 'json') {
    text = telemetryJsonStream(head, rows);
  } else {
    const { worst, total } = worstSessions(rows, output.maxSessions);
    text = [formatTelemetryTable({ ...head, sessions: worst, session_count: total }, output)];
  }
  beforeWrite?.();
  for (const chunk of text) {
    try {
      await write(chunk);
    } catch (err) {
      // The reader went away (`| head`): nothing more to tell it, and the report's verdict stands.
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') break;
      throw new ReportWriteError(err instanceof Error ? err.message : String(err));
    }
  }
  return {
    as_of: head.as_of,
    turns: head.overall.turns,
    mostly_malformed: head.mostly_malformed,
    ...(head.no_turns ? { no_turns: head.no_turns.reason } : {}),
  };
}

/** From this many bytes of input, the report runs on its own thread (RFCGATE_TELEMETRY_THREAD_FROM overrides). */
export const THREAD_FROM = 64 << 20;
/** The thread's young generation: 4 MB gave the lowest peak at the same speed on the bench file. */
const YOUNG_GENERATION_MB = 4;
const WORKER = new URL('./write-report-worker.js', import.meta.url);

export function wantsThread(job: Pick<ReportJob, 'root' | 'files'>, env: NodeJS.ProcessEnv = process.env): boolean {
  // Running from the sources there is no compiled worker: the report runs here.
  if (!existsSync(fileURLToPath(WORKER))) return false;
  const from =
    env.RFCGATE_TELEMETRY_THREAD_FROM === undefined ? THREAD_FROM : Number(env.RFCGATE_TELEMETRY_THREAD_FROM);
  let bytes = 0;
  for (const f of job.files) bytes += statSync(resolvePath(job.root, f), { throwIfNoEntry: false })?.size ?? 0;
  return bytes >= from;
}

/** What the thread is given: the job, and a flag it waits on before it writes (see beforeWrite). */
export interface ReportThreadData {
  job: ReportJob;
  cleared: SharedArrayBuffer;
}

export type FromReportWorker =
  | { type: 'progress'; done: number; total: number }
  /** The files are read: the thread waits for `cleared` before it writes to stdout. */
  | { type: 'writing' }
  | { type: 'done'; summary: ReportSummary }
  | { type: 'error'; message: string; writing: boolean };

/** The same on a worker thread, which writes the report to this process's stdout itself. */
export function writeReportOnThread(
  job: ReportJob,
  onProgress?: (done: number, total: number) => void,
  beforeWrite?: () => void,
): Promise<ReportSummary> {
  return new Promise((resolve, reject) => {
    const cleared = new SharedArrayBuffer(4);
    const data: ReportThreadData = { job, cleared };
    const worker = new Worker(WORKER, {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    let settled = false;
    worker.on('message', (m: FromReportWorker) => {
      if (m.type === 'progress') onProgress?.(m.done, m.total);
      else if (m.type === 'writing') {
        beforeWrite?.();
        const flag = new Int32Array(cleared);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      } else if (m.type === 'done') {
        settled = true;
        resolve(m.summary);
      } else {
        settled = true;
        reject(m.writing ? new ReportWriteError(m.message) : new Error(m.message));
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the report thread stopped (exit code ${code})`));
    });
  });
}

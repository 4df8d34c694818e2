/**
 * The worker side of writeReportOnThread (write-report.ts): computes the report and writes it
 * straight to fd 1, which the process shares, so megabytes of JSON are not copied between
 * threads.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type FromReportWorker, type ReportThreadData, ReportWriteError, writeReport } from './write-report.js';

const post = (m: FromReportWorker) => parentPort?.postMessage(m);
const pause = new Int32Array(new SharedArrayBuffer(4));

/** All of `chunk` to stdout; a full non-blocking pipe (EAGAIN) is waited out, not an error. */
function writeAll(chunk: string): void {
  let buf = Buffer.from(chunk);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

const { job, cleared } = workerData as ReportThreadData;
let last = 0;
writeReport(
  job,
  writeAll,
  (done, total) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    post({ type: 'progress', done, total });
  },
  () => {
    // The main thread clears its progress line on stderr first, or the report would start on it.
    // Bounded, so a main thread that never answers cannot hold the report back.
    post({ type: 'writing' });
    Atomics.wait(new Int32Array(cleared), 0, 0, 2000);
  },
).then(
  (summary) => post({ type: 'done', summary }),
  (err: unknown) =>
    post({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      writing: err instanceof ReportWriteError,
    }),
);

/**
 * The worker side of writeReportOnThread (write-report.ts): computes the report and writes it
 * straight to fd 1, which the process shares, so megabytes of JSON are not copied between
 * threads.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type FromReportWorker, type ReportJob, ReportWriteError, writeReport } from './write-report.js';

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

let last = 0;
writeReport(workerData as ReportJob, writeAll, (done, total) => {
  const now = Date.now();
  if (now - last < 100) return;
  last = now;
  post({ type: 'progress', done, total });
}).then(
  (summary) => post({ type: 'done', summary }),
  (err: unknown) =>
    post({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      writing: err instanceof ReportWriteError,
    }),
);

/**
 * PGlite runs PostgreSQL as WASM on the calling thread and does not honour statement_timeout,
 * so a runaway query would freeze the whole CLI with no timer able to fire. Hosting it on a
 * worker thread lets the main thread's timer win: on expiry the worker is terminated (the
 * data directory recovers from WAL on the next open, as after any crash; nothing was written).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DataDirBusyError, type DataDirLock, lockDataDir } from './pglite-lock.js';
import { EMBEDDED_START_SETTINGS, useCommandWasmTiering } from './pglite-load.js';

/** An error that crossed the thread boundary: the fields error mapping reads. */
export interface WorkerError {
  message: string;
  code?: string;
  position?: string;
}

export class WorkerQueryError extends Error {
  readonly code: string | undefined;
  readonly position: string | undefined;
  constructor(e: WorkerError) {
    super(e.message);
    this.code = e.code;
    this.position = e.position;
  }
}

export class WorkerStartError extends Error {}

type Rows = Record<string, unknown>[];
/** What one query gave: its rows, and its columns' names in order (see SqlResult). */
type Result = { rows: Rows; columns?: string[] };

type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; error: WorkerError }
  | { type: 'result'; id: number; rows?: Rows; columns?: string[]; error?: WorkerError }
  | { type: 'closed' };

// Plain JavaScript because the worker is evaluated from a string: a separate .ts entry would
// not run under vitest or from the sources without a loader. It mirrors runReadOnly in
// client.ts (BEGIN READ ONLY, timeout and UTC settings, the query, ROLLBACK) and the
// UTC reading of `timestamp without time zone`; keep the two in step.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.modulePath);

const NAIVE = /^(\\d{4,})-(\\d\\d)-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d+)?$/;
function parseNaiveUtc(text) {
  const m = NAIVE.exec(text);
  if (!m) return text;
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const d = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  d.setUTCFullYear(Number(m[1]));
  return d;
}
const ZONED = /^(\\d{4,})-(\\d\\d)-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d+)?([+-])(\\d\\d)(?::(\\d\\d))?(?::(\\d\\d))?$/;
function parseZonedUtc(text) {
  const m = ZONED.exec(text);
  if (!m) return new Date(text);
  const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  const d = new Date(Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  d.setUTCFullYear(Number(m[1]));
  const offset = (Number(m[9]) * 3600 + Number(m[10] || 0) * 60 + Number(m[11] || 0)) * 1000;
  return new Date(d.getTime() - (m[8] === '-' ? -offset : offset));
}
function toWire(e) {
  const out = { message: String((e && e.message) || e) };
  if (e && typeof e.code === 'string') out.code = e.code;
  if (e && typeof e.position === 'string') out.position = e.position;
  return out;
}

let db;
const ready = (async () => {
  db = new PGlite(workerData.dataDir, { startParams: [...PGlite.defaultStartParams, ...workerData.settings] });
  await db.waitReady;
})();
ready.then(
  () => parentPort.postMessage({ type: 'ready' }),
  (e) => parentPort.postMessage({ type: 'fatal', error: toWire(e) }),
);

async function runReadOnly(text, params, timeoutMs) {
  await db.query('BEGIN READ ONLY');
  try {
    await db.query("SELECT set_config('statement_timeout', $1, true), set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO', true), set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '3', true)", [String(timeoutMs)]);
    const res = await db.query(text, params, { parsers: { 1114: parseNaiveUtc, 1184: parseZonedUtc } });
    return { rows: res.rows, columns: res.fields.map((f) => f.name) };
  } finally {
    await db.query('ROLLBACK');
  }
}

let chain = Promise.resolve();
parentPort.on('message', (msg) => {
  if (msg.type === 'query') {
    chain = chain.then(async () => {
      try {
        await ready;
      } catch {
        return;
      }
      try {
        const { rows, columns } = await runReadOnly(msg.text, msg.params, msg.timeoutMs);
        parentPort.postMessage({ type: 'result', id: msg.id, rows, columns });
      } catch (e) {
        parentPort.postMessage({ type: 'result', id: msg.id, error: toWire(e) });
      }
    });
  } else if (msg.type === 'close') {
    chain = chain.then(async () => {
      try {
        await ready;
        await db.close();
      } catch {}
      parentPort.postMessage({ type: 'closed' });
    });
  }
});
`;

const CLOSE_GRACE_MS = 5_000;

/**
 * One worker thread owning one PGlite instance on a data directory. Queries are sent one at
 * a time by the caller (PgliteClient serialises them), so a terminate never takes a second,
 * innocent query down with it.
 */
export class PgliteWorkerHost {
  readonly #dataDir: string;
  readonly #openTimeoutMs: number;
  #worker: Worker | undefined;
  #ready: Promise<Worker> | undefined;
  #pending = new Map<number, { resolve: (result: Result) => void; reject: (err: Error) => void }>();
  #nextId = 1;

  constructor(dataDir: string, openTimeoutMs: number) {
    this.#dataDir = dataDir;
    this.#openTimeoutMs = openTimeoutMs;
  }

  /** Runs one read-only transaction in the worker; the caller's deadline cuts it short with `kill`. */
  async run(text: string, params: unknown[], timeoutMs: number): Promise<Result> {
    const worker = await this.start();
    const id = this.#nextId++;
    // Held while a query is out, so the process cannot exit under it; released when idle.
    worker.ref();
    return new Promise<Result>((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (result) => {
          if (this.#pending.size === 0) worker.unref();
          resolve(result);
        },
        reject: (err) => {
          if (this.#pending.size === 0) worker.unref();
          reject(err);
        },
      });
      worker.postMessage({ type: 'query', id, text, params, timeoutMs });
    });
  }

  /** Stops the worker mid-query; every waiting query rejects with `reason`. */
  kill(reason: Error): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = undefined;
    this.#failPending(reason);
    if (worker) void worker.terminate();
  }

  async close(): Promise<void> {
    const ready = this.#ready;
    if (!ready) return;
    let worker: Worker;
    try {
      worker = await ready;
    } catch {
      return;
    }
    this.#worker = undefined;
    this.#ready = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'closed') void worker.terminate();
      });
      worker.postMessage({ type: 'close' });
    });
  }

  /**
   * Takes the data directory's lock (waiting for another process up to the open timeout),
   * then spawns the worker and opens the database, once; bounded by the open timeout.
   */
  start(): Promise<Worker> {
    if (this.#ready) return this.#ready;
    let busy = false;
    const ready = lockDataDir(this.#dataDir, { waitMs: this.#openTimeoutMs }).then(
      (lock) => {
        try {
          return this.#spawn(lock);
        } catch (err) {
          lock.release();
          throw err;
        }
      },
      (err: unknown) => {
        busy = err instanceof DataDirBusyError;
        throw new WorkerStartError(err instanceof Error ? err.message : String(err));
      },
    );
    // The start failure is reported to the query that triggered it; later ones retry, except
    // after the whole wait for another process's lock: each would wait as long again (a gate
    // check of thirty SQL measurements, a quarter of an hour), and one that got in once the
    // other had finished would read another state of the database than those before it.
    this.#ready = ready;
    ready.catch(() => {
      if (this.#ready === ready && !busy) this.#ready = undefined;
    });
    return ready;
  }

  #spawn(lock: DataDirLock): Promise<Worker> {
    const modulePath = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    useCommandWasmTiering();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { modulePath, dataDir: this.#dataDir, settings: EMBEDDED_START_SETTINGS },
    });
    // The directory is free again once the thread that had it open is gone, however it ended.
    worker.once('exit', () => lock.release());
    // A CLI run must be able to exit even if a caller forgets close().
    worker.unref();
    this.#worker = worker;
    const ready = new Promise<Worker>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new WorkerStartError(`the embedded database did not open within ${this.#openTimeoutMs} ms`));
        this.kill(new WorkerStartError('the embedded database did not open'));
      }, this.#openTimeoutMs);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve(worker);
        } else if (m.type === 'fatal') {
          clearTimeout(timer);
          reject(new WorkerStartError(m.error.message));
          this.kill(new WorkerStartError(m.error.message));
        } else if (m.type === 'result') {
          const p = this.#pending.get(m.id);
          if (!p) return;
          this.#pending.delete(m.id);
          if (m.error) p.reject(new WorkerQueryError(m.error));
          else p.resolve({ rows: m.rows ?? [], ...(m.columns ? { columns: m.columns } : {}) });
        }
      });
      worker.on('error', (err) => {
        clearTimeout(timer);
        reject(new WorkerStartError(err.message));
        if (this.#worker === worker) this.kill(new WorkerStartError(err.message));
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        reject(new WorkerStartError(`the embedded database worker exited (code ${code})`));
        if (this.#worker === worker)
          this.kill(new WorkerStartError(`the embedded database worker exited (code ${code})`));
      });
    });
    return ready;
  }

  #failPending(reason: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(reason);
  }
}

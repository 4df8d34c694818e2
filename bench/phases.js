// @ts-check
/**
 * Loaded with `node --import ./bench/phases.js` (only by `npm run bench -- --profile`): records
 * when each child process (git) and each PostgreSQL statement starts and ends, relative to
 * process start, and writes them to $BENCH_PHASES_FILE at exit. Nothing in rfcgate changes;
 * child_process.spawn and pg's Client#query are wrapped.
 */
import childProcess from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const file = process.env.BENCH_PHASES_FILE;
/** @type {{ kind: string, what: string, start: number, end?: number }[]} */
const spans = [];
const now = () => performance.now();

if (file) {
  const spawn = childProcess.spawn;
  // @ts-expect-error -- same signature, wrapped
  childProcess.spawn = function wrapped(/** @type {string} */ cmd, /** @type {string[]} */ args, ...rest) {
    const span = {
      kind: 'spawn',
      what: [cmd, ...(Array.isArray(args) ? args : [])].join(' ').slice(0, 120),
      start: now(),
    };
    spans.push(span);
    // @ts-expect-error -- forwarding
    const child = spawn.call(this, cmd, args, ...rest);
    child.on('exit', () => {
      /** @type {{ end?: number }} */ (span).end = now();
    });
    return child;
  };
  syncBuiltinESMExports();

  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const pg = createRequire(path.join(root, 'package.json'))('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function wrapped(/** @type {unknown[]} */ ...args) {
    const config = args[0];
    const text = typeof config === 'string' ? config : String(/** @type {{ text?: string }} */ (config)?.text ?? '');
    /** @type {{ kind: string, what: string, start: number, end?: number }} */
    const span = { kind: 'sql', what: text.replace(/\s+/g, ' ').slice(0, 80), start: now() };
    spans.push(span);
    const result = query.apply(this, args);
    if (result && typeof result.then === 'function') {
      result.then(
        () => (span.end = now()),
        () => (span.end = now()),
      );
    }
    return result;
  };

  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ exit: now(), spans }));
  });
}

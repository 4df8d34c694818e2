// @ts-check
/**
 * A second, informational floor for bench/telemetry.js: read the file in 1 MB pieces, split
 * it into lines and JSON.parse each one, nothing else. What any JSON reader in Node pays
 * before it looks at a single field.
 *
 *   node bench/json-floor.js FILE
 */
import { openSync, readSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/json-floor.js FILE');
const fd = openSync(file, 'r');
const buf = Buffer.allocUnsafe(1 << 20);
let rest = Buffer.alloc(0);
let parsed = 0;
let bad = 0;
const line = (/** @type {string} */ s) => {
  try {
    JSON.parse(s);
    parsed++;
  } catch {
    bad++;
  }
};
for (;;) {
  const got = readSync(fd, buf, 0, buf.length, null);
  if (got === 0) break;
  const chunk = buf.subarray(0, got);
  let start = 0;
  let nl = chunk.indexOf(10);
  if (rest.length && nl !== -1) {
    line(Buffer.concat([rest, chunk.subarray(0, nl)]).toString('utf8'));
    rest = Buffer.alloc(0);
    start = nl + 1;
    nl = chunk.indexOf(10, start);
  }
  while (nl !== -1) {
    line(chunk.toString('utf8', start, nl));
    start = nl + 1;
    nl = chunk.indexOf(10, start);
  }
  if (start < chunk.length) rest = Buffer.concat([rest, chunk.subarray(start)]);
}
if (rest.length) line(rest.toString('utf8'));
process.stdout.write(`${parsed} ${bad}\n`);

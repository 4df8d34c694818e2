// @ts-check
/**
 * Loaded with `node --import` by bench/telemetry.js: writes the process's peak resident set
 * (getrusage's ru_maxrss, in KiB) to $BENCH_RSS_OUT when it exits, so the bench reads the
 * report's own peak memory without a tool that may not be installed.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));

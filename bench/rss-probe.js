// @ts-check
// Preloaded into the timed CLI (`node --import bench/rss-probe.js bin/run.js …`): at exit, writes the
// process's peak resident set size (KiB) to $RFCGATE_BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.RFCGATE_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});

// @ts-check
/**
 * What opening the embedded database costs a command, as PGlite opens it by default, with the
 * program's WebAssembly tiering alone, and as the program opens it (that tiering and its start
 * settings: src/sources/sql/pglite-load.ts), against bare `node` start-up.
 *
 *   npm run build && npm run bench:pglite                 # 7 rounds
 *   npm run bench:pglite -- --reps 11 --heavy             # also a million-row load and queries
 *
 * Each round runs, interleaved: `node -e 0` (the floor); a child that opens an existing data
 * directory, runs `SELECT 1` and closes, once per way of opening; `rfcgate measure list` on
 * that directory (the whole command: oclif, the worker thread, the query); and with --heavy a
 * child per way that loads 1,000,000 rows into a table, aggregates them and joins the table
 * with itself, so that a setting which helps start-up but hurts long queries shows.
 * Each child reports its own CPU time (user + system, background compiler threads included)
 * and peak resident memory.
 */
import { mkdirSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import { timed, median, min, fmtMs, settle } from './timing.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..');
const LOADER = join(ROOT, 'dist', 'sources', 'sql', 'pglite-load.js');

/** How each variant opens the data directory. */
const WAYS = ['default', 'tiering only', 'program'];

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', process.argv[4] ?? '', process.argv[5] ?? '');
else await main();

/**
 * @param {string} workload
 * @param {string} way
 * @param {string} dir
 */
async function child(workload, way, dir) {
  const loader = await import(pathToFileURL(LOADER).href);
  let db;
  if (way === 'program') db = await loader.newPglite(dir);
  else {
    if (way === 'tiering only') loader.useCommandWasmTiering();
    else if (way !== 'default') throw new Error(`unknown way of opening ${way}`);
    const { PGlite } = await import('@electric-sql/pglite');
    db = new PGlite(dir);
  }
  await db.waitReady;
  if (workload === 'open') await db.query('SELECT 1');
  else if (workload === 'heavy') {
    await db.exec(`DROP TABLE IF EXISTS bench_t;
      CREATE TABLE bench_t AS SELECT g AS id, md5(g::text) AS v, g % 97 AS k FROM generate_series(1, 1000000) g`);
    await db.query(
      'SELECT k, count(*), max(v), percentile_cont(0.5) WITHIN GROUP (ORDER BY id) FROM bench_t GROUP BY k',
    );
    await db.query('SELECT count(*) FROM bench_t a JOIN bench_t b USING (id) WHERE a.v <> b.v');
    await db.exec('DROP TABLE bench_t');
  } else throw new Error(`unknown workload ${workload}`);
  await db.close();
  const u = process.resourceUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, rssKb: u.maxRSS }) + '\n');
}

async function main() {
  const args = process.argv.slice(2);
  const repsAt = args.indexOf('--reps');
  const reps = repsAt === -1 ? 7 : Number(args[repsAt + 1]);
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps takes a whole number of rounds');
  const heavy = args.includes('--heavy');
  if (!existsSync(LOADER)) throw new Error('run `npm run build` first (dist/ is missing)');

  const work = join(ROOT, 'bench', '.work', 'pglite');
  const dir = join(work, '.rfcgate', 'pgdata');
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    process.stderr.write('creating the data directory with `rfcgate db migrate` …\n');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const r = timed('git', ['init', '-q'], { cwd: work });
    if (r.status !== 0) throw new Error(`git init failed: ${r.stderr}`);
    const m = timed(process.execPath, [join(ROOT, 'bin', 'run.js'), 'db', 'migrate'], { cwd: work });
    if (m.status !== 0) throw new Error(`rfcgate db migrate failed: ${m.stderr}`);
    settle();
  }

  /** @type {Record<string, { ms: number[], cpu: number[], rss: number[] }>} */
  const rows = {};
  /** @param {string} name @param {string} cmd @param {string[]} argv @param {boolean} reports */
  const once = (name, cmd, argv, reports) => {
    const r = timed(cmd, argv, { cwd: work });
    if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr}`);
    const row = (rows[name] ??= { ms: [], cpu: [], rss: [] });
    row.ms.push(r.ms);
    if (reports) {
      const got = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
      row.cpu.push(got.cpuMs);
      row.rss.push(got.rssKb);
    }
  };
  const self = fileURLToPath(import.meta.url);
  const round = () => {
    once('node -e 0', process.execPath, ['-e', '0'], false);
    for (const way of WAYS) once(`open, ${way}`, process.execPath, [self, '--child', 'open', way, dir], true);
    once('rfcgate measure list', process.execPath, [join(ROOT, 'bin', 'run.js'), 'measure', 'list'], false);
    if (heavy) {
      for (const way of WAYS) once(`1M rows, ${way}`, process.execPath, [self, '--child', 'heavy', way, dir], true);
    }
  };
  process.stderr.write('warm-up …\n');
  round();
  for (const k of Object.keys(rows)) delete rows[k];
  for (let i = 1; i <= reps; i++) {
    process.stderr.write(`round ${i}/${reps} …\n`);
    round();
  }

  const floor = median(rows['node -e 0']?.ms ?? []);
  const [l1, l5, l15] = loadavg().map((x) => x.toFixed(1));
  const out = [
    `# bench:pglite (${reps} rounds after a warm-up; medians, min in brackets)`,
    '',
    `machine: ${availableParallelism()} cores, load average ${l1} ${l5} ${l15}`,
    '',
    '| what | wall time | × node -e 0 | CPU | peak memory |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [name, r] of Object.entries(rows)) {
    const cpu = r.cpu.length ? fmtMs(median(r.cpu)) : '';
    const rss = r.rss.length ? `${(Math.max(...r.rss) / 1024).toFixed(0)} MB` : '';
    const ratio = name === 'node -e 0' ? '' : `${(median(r.ms) / floor).toFixed(2)}×`;
    out.push(`| ${name} | ${fmtMs(median(r.ms))} [${fmtMs(min(r.ms))}] | ${ratio} | ${cpu} | ${rss} |`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

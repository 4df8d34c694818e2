#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench:comparator`: loads a canonical table and its shadow (1,000,000 rows by
 * default, 5,000,000 with --large) with 0.1% divergence (a third each canonical_missing,
 * shadow_missing and value_mismatch) into a dedicated PostgreSQL database, then times
 * `rfcgate comparator run --json` against the physical floor: the same full outer join written
 * by hand (RFC §8.2's query, every divergent key with its kind and columns) run by `psql` in
 * the same run. Also times key-range chunking (--chunks) and reports the Node process's peak
 * RSS on the large pair and on a 10,000-row pair, to show it does not grow with table size.
 * A measurement, not a test: exits 0 whether or not the target is met, non-zero only when it
 * cannot measure.
 *
 *   node bench/comparator.js [--large] [--rows N] [--reps N] [--seed N] [--chunks 2,4] [--fresh]
 *
 * BENCH_DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { psql, serverProblem } from './db.js';
import { fmtMs, median, min, timed } from './timing.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const WORK = path.join(HERE, '.work');
const REPO = path.join(WORK, 'comparator-repo');
const BIN = path.join(ROOT, 'bin', 'run.js');
const PROBE = pathToFileURL(path.join(HERE, 'rss-probe.js')).href;
const RSS_FILE = path.join(WORK, 'comparator-rss.txt');
const DB = 'rfcgate_bench_comparator';
const TARGET = 1.2;
const SMALL_ROWS = 10_000;

const log = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);
/** @param {string} s @returns {never} */
function die(s) {
  process.stderr.write(`bench:comparator: ${s}\n`);
  process.exit(1);
}
const n = (/** @type {number} */ x) => x.toLocaleString('en-US');

function parseArgs(/** @type {string[]} */ argv) {
  const o = { rows: 1_000_000, reps: 3, seed: 20260601, fresh: false, chunks: [2, 4] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) die(`${a} takes a value`);
      return v;
    };
    const int = () => {
      const v = Number(next());
      if (!Number.isInteger(v) || v < 1) die(`${a} takes a whole number ≥ 1`);
      return v;
    };
    if (a === '--large') o.rows = 5_000_000;
    else if (a === '--rows') o.rows = int();
    else if (a === '--reps') o.reps = int();
    else if (a === '--seed') o.seed = int();
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--chunks') {
      o.chunks = next()
        .split(',')
        .filter(Boolean)
        .map((x) => Number(x));
      if (o.chunks.some((x) => !Number.isInteger(x) || x < 2)) die('--chunks takes whole numbers ≥ 2, e.g. 2,4');
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node bench/comparator.js [--large] [--rows N] [--reps N] [--seed N] [--chunks 2,4] [--fresh]\n',
      );
      process.exit(0);
    } else die(`unknown argument ${a}`);
  }
  return o;
}

/**
 * The load script: deterministic for (rows, seed), so its hash identifies the data.
 * Divergent keys: every 1000th key (offset by the seed) is divergent; of those, a third is
 * missing from the shadow, a third differs in status and score, a third in meta (jsonb), and
 * rows/3000 extra keys exist only in the shadow.
 * @param {number} rows @param {number} seed
 */
function loadScript(rows, seed) {
  const k = seed % 1000;
  const table = (/** @type {string} */ name, /** @type {number} */ count) => `
CREATE TABLE core.${name} (
  agent_id bigint PRIMARY KEY,
  status text NOT NULL,
  score double precision,
  tags text[],
  meta jsonb,
  last_activity_at timestamptz,
  disabled_at timestamptz,
  chain_obs_count integer NOT NULL,
  notes text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
INSERT INTO core.${name}
SELECT g, (ARRAY['active', 'paused', 'disabled'])[1 + (g * 7 + ${seed}) % 3], ((g * 31 + ${seed}) % 1000) / 10.0,
       ARRAY['t' || (g % 17), 'u' || (g % 5)], jsonb_build_object('region', 'r' || (g % 11), 'tier', g % 5, 'seed', ${seed}),
       timestamptz '2026-06-01' - (g % 100000) * interval '1 second',
       CASE WHEN g % 50 = 0 THEN timestamptz '2026-05-01' END, g % 100,
       CASE WHEN g % 3 = 0 THEN 'note ' || g END, timestamptz '2026-01-01', timestamptz '2026-05-31'
FROM generate_series(1, ${count}) AS g;
CREATE TABLE core.${name}_shadow (LIKE core.${name} INCLUDING ALL);
INSERT INTO core.${name}_shadow
SELECT agent_id,
       CASE WHEN agent_id % 1000 = ${k} AND (agent_id / 1000) % 3 = 1 THEN 'diverged' ELSE status END,
       CASE WHEN agent_id % 1000 = ${k} AND (agent_id / 1000) % 3 = 1 THEN score + 1 ELSE score END,
       tags,
       CASE WHEN agent_id % 1000 = ${k} AND (agent_id / 1000) % 3 = 2 THEN meta || '{"tier": -1}' ELSE meta END,
       last_activity_at, disabled_at, chain_obs_count, notes, created_at, updated_at + interval '2 seconds'
FROM core.${name}
WHERE NOT (agent_id % 1000 = ${k} AND (agent_id / 1000) % 3 = 0);
INSERT INTO core.${name}_shadow
SELECT agent_id + ${count}, status, score, tags, meta, last_activity_at, disabled_at, chain_obs_count, notes, created_at, updated_at
FROM core.${name} WHERE agent_id <= ${Math.max(1, Math.floor(count / 3000))};`;
  return `DROP SCHEMA IF EXISTS core CASCADE;
CREATE SCHEMA core;
${table('identities', rows)}
${table('small', SMALL_ROWS)}
VACUUM ANALYZE core.identities;
VACUUM ANALYZE core.identities_shadow;
VACUUM ANALYZE core.small;
VACUUM ANALYZE core.small_shadow;
`;
}

/** @param {string} adminUrl */
function dbUrl(adminUrl) {
  const u = new URL(adminUrl);
  u.pathname = `/${DB}`;
  return u.toString();
}

/** @param {string} adminUrl @param {number} rows @param {number} seed @param {boolean} fresh */
function ensureData(adminUrl, rows, seed, fresh) {
  const script = loadScript(rows, seed);
  const fingerprint = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const url = dbUrl(adminUrl);
  const exists =
    psql(adminUrl, ['-At', '-c', `SELECT 1 FROM pg_database WHERE datname = '${DB}'`]).stdout.trim() === '1';
  if (exists && !fresh) {
    const meta = psql(url, ['-At', '-c', 'SELECT fingerprint FROM public.bench_meta']);
    if (meta.status === 0 && meta.stdout.trim() === fingerprint) {
      log(`reusing database ${DB} (${n(rows)} rows, fingerprint ${fingerprint})`);
      return url;
    }
  }
  log(`loading ${n(rows)} + ${n(rows)} rows into database ${DB}…`);
  if (exists) {
    const drop = psql(adminUrl, ['-c', `DROP DATABASE ${DB} WITH (FORCE)`]);
    if (drop.status !== 0) die(`cannot drop ${DB}: ${drop.stderr.trim()}`);
  }
  const create = psql(adminUrl, ['-c', `CREATE DATABASE ${DB}`]);
  if (create.status !== 0) die(`cannot create ${DB}: ${create.stderr.trim()}`);
  const started = Date.now();
  const load = psql(
    url,
    [],
    `${script}\nCREATE TABLE public.bench_meta (fingerprint text);\nINSERT INTO public.bench_meta VALUES ('${fingerprint}');\n`,
  );
  if (load.status !== 0) die(`loading failed: ${load.stderr.trim()}`);
  log(`loaded in ${fmtMs(Date.now() - started)}`);
  return url;
}

const COMPARED = ['status', 'score', 'tags', 'meta', 'last_activity_at', 'disabled_at', 'chain_obs_count', 'notes'];

/** RFC §8.2's query, written by hand: every divergent key with its kind and divergent columns. */
function handWritten(/** @type {string} */ table) {
  const cols = COMPARED.map((c) => `CASE WHEN c.${c} IS DISTINCT FROM s.${c} THEN '${c}' END`).join(', ');
  return `SELECT coalesce(c.agent_id, s.agent_id) AS key,
       CASE WHEN c.agent_id IS NULL THEN 'canonical_missing'
            WHEN s.agent_id IS NULL THEN 'shadow_missing' ELSE 'value_mismatch' END AS kind,
       array_remove(ARRAY[${cols}], NULL) AS columns
FROM core.${table} c FULL OUTER JOIN core.${table}_shadow s USING (agent_id)
WHERE c.agent_id IS NULL OR s.agent_id IS NULL
   OR (${COMPARED.map((c) => `c.${c}`).join(', ')}) IS DISTINCT FROM (${COMPARED.map((c) => `s.${c}`).join(', ')});`;
}

function writeRepo() {
  rmSync(REPO, { recursive: true, force: true });
  mkdirSync(path.join(REPO, 'gates', 'bench'), { recursive: true });
  writeFileSync(
    path.join(REPO, 'gates', 'bench', 'rfc.yaml'),
    `# yaml-language-server: $schema=../../schemas/rfc.schema.json
id: bench
title: Comparator benchmark
version: v1
mainline: main
operators:
  - { name: Bench Operator, email: bench@example.com }
`,
  );
  const pair = (/** @type {string} */ id, /** @type {string} */ t) => `  - id: ${id}
    canonical: core.${t}
    shadow: core.${t}_shadow
    key: [agent_id]
    compare: all
    exclude:
      - { column: created_at, reason: drifts by the shadow-write lag }
      - { column: updated_at, reason: drifts by the shadow-write lag }
`;
  writeFileSync(
    path.join(REPO, 'gates', 'bench', 'comparator.yaml'),
    `# yaml-language-server: $schema=../../schemas/comparator.schema.json\npairs:\n${pair('identities', 'identities')}${pair('small', 'small')}`,
  );
}

/** `comparator check`: start-up, spec load and the catalog reads, no rows: the run's fixed cost. */
function runCheck(/** @type {string} */ url) {
  const res = timed(
    process.execPath,
    [BIN, 'comparator', 'check', '--root', REPO, '--rfc', 'bench', '--pair', 'identities', '--json'],
    {
      env: { ...process.env, DATABASE_URL: url, CI: '1' },
    },
  );
  if (res.status !== 0) die(`comparator check exited ${res.status}: ${res.stderr.trim()}`);
  return res.ms;
}

/** @param {string} url @param {string[]} extra */
function runTool(url, extra) {
  rmSync(RSS_FILE, { force: true });
  const res = timed(
    process.execPath,
    ['--import', PROBE, BIN, 'comparator', 'run', '--root', REPO, '--rfc', 'bench', '--json', ...extra],
    {
      env: { ...process.env, DATABASE_URL: url, RFCGATE_BENCH_RSS_FILE: RSS_FILE, CI: '1' },
    },
  );
  if (res.status !== 1 && res.status !== 0) die(`comparator run exited ${res.status}: ${res.stderr.trim()}`);
  /** @type {{ pairs: { counts: { divergent: number } | null, status: string }[] }} */
  let report;
  try {
    report = JSON.parse(res.stdout);
  } catch {
    die(`comparator run printed no JSON report: ${res.stderr.trim()}`);
  }
  const rssKiB = existsSync(RSS_FILE) ? Number(readFileSync(RSS_FILE, 'utf8')) : NaN;
  return { ms: res.ms, divergent: report.pairs[0]?.counts?.divergent ?? -1, rssMiB: rssKiB / 1024 };
}

function main() {
  // The CLI's spec cache in a folder of the bench's own, not the user's.
  process.env.RFCGATE_CACHE_DIR ??= path.join(WORK, 'spec-cache');
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'commands', 'comparator', 'run.js')))
    die('dist/ is missing: run `npm run build` first');
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const problem = serverProblem(adminUrl);
  if (problem) {
    die(
      `PostgreSQL is not reachable at BENCH_DATABASE_URL (${problem}); start it with\n` +
        '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  }
  mkdirSync(WORK, { recursive: true });
  const url = ensureData(adminUrl, o.rows, o.seed, o.fresh);
  writeRepo();

  const floorSql = path.join(WORK, 'comparator-floor.sql');
  writeFileSync(floorSql, handWritten('identities'));
  const floor = () => {
    const res = timed('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', floorSql]);
    if (res.status !== 0) die(`psql floor failed: ${res.stderr.trim()}`);
    return { ms: res.ms, divergent: res.stdout.trim().split('\n').filter(Boolean).length };
  };

  const variants = [{ name: 'comparator run', args: ['--pair', 'identities'] }].concat(
    o.chunks.map((c) => ({
      name: `comparator run --chunks ${c}`,
      args: ['--pair', 'identities', '--chunks', String(c)],
    })),
  );
  const load = os.loadavg()[0] ?? 0;
  if (load > os.cpus().length)
    log(`warning: load average ${load.toFixed(1)} on ${os.cpus().length} cores; the timings will be noisy`);
  log(`warming up (one round of each), then ${o.reps} timed rounds…`);
  floor();
  for (const v of variants) runTool(url, v.args);
  /** @type {number[]} */
  const floorMs = [];
  let floorDivergent = 0;
  /** @type {Map<string, { ms: number[], divergent: number, rss: number[] }>} */
  const times = new Map(variants.map((v) => [v.name, { ms: [], divergent: 0, rss: [] }]));
  /** @type {number[]} */
  const checkMs = [];
  for (let r = 0; r < o.reps; r++) {
    checkMs.push(runCheck(url));
    const f = floor();
    floorMs.push(f.ms);
    floorDivergent = f.divergent;
    for (const v of variants) {
      const t = runTool(url, v.args);
      const slot = times.get(v.name);
      if (!slot) continue;
      slot.ms.push(t.ms);
      slot.divergent = t.divergent;
      slot.rss.push(t.rssMiB);
    }
    log(`  round ${r + 1}/${o.reps} done`);
  }
  const small = runTool(url, ['--pair', 'small']);
  const nodeStart = median([0, 1, 2].map(() => timed(process.execPath, ['-e', '0']).ms));

  const floorMedian = median(floorMs);
  const lines = [
    `comparator benchmark: ${n(o.rows)}-row canonical/shadow pair, 0.1% divergence (${n(floorDivergent)} divergent keys), seed ${o.seed}`,
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load.toFixed(1)}, PostgreSQL via ${new URL(url).host}; ${o.reps} timed rounds after a warm-up, median (min)`,
    '',
    `  floor: hand-written full outer join, psql       ${fmtMs(floorMedian).padStart(10)}  (${fmtMs(min(floorMs))})`,
  ];
  /** @type {string[]} */
  const verdicts = [];
  for (const [name, t] of times) {
    const m = median(t.ms);
    const ratio = m / floorMedian;
    const agree = t.divergent === floorDivergent ? '' : `  COUNTS DISAGREE (${n(t.divergent)} vs ${n(floorDivergent)})`;
    lines.push(
      `  ${name.padEnd(46)} ${fmtMs(m).padStart(10)}  (${fmtMs(min(t.ms))})  ${ratio.toFixed(2)}× floor  peak RSS ${median(t.rss).toFixed(0)} MiB${agree}`,
    );
    if (name === 'comparator run')
      verdicts.push(
        ratio <= TARGET
          ? `target ≤ ${TARGET}× met (${ratio.toFixed(2)}×)`
          : `TARGET MISSED: ${ratio.toFixed(2)}× > ${TARGET}×`,
      );
  }
  const one = times.get('comparator run');
  const best = [...times].sort((a, b) => median(a[1].ms) - median(b[1].ms))[0];
  lines.push(
    '',
    `  node -e 0 (start-up included in every comparator time)   ${fmtMs(nodeStart)}`,
    `  comparator check (start-up, spec, catalog; no rows: the fixed cost in every run)   ${fmtMs(median(checkMs))}`,
    `  peak RSS: ${median(one?.rss ?? [NaN]).toFixed(0)} MiB on ${n(o.rows)} rows vs ${small.rssMiB.toFixed(0)} MiB on ${n(SMALL_ROWS)} rows (the rows stay in PostgreSQL)`,
    `  fastest: ${best?.[0]}`,
    '',
    ...verdicts,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();

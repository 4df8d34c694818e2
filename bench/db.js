// @ts-check
/**
 * The governed database: a dedicated PostgreSQL database `rfcgate_bench` holding
 * audit.coordination_measurements (partitioned by month on recorded_at, like a real
 * deployment, with an index on (measurement_type, recorded_at)) and a small
 * audit.coordination_events. 1,000,000 measurement rows over 60 days and ~20 types, loaded
 * by one INSERT ... SELECT over generate_series (no row-by-row inserts).
 *
 * The database is reused when it already holds exactly what this generator would load
 * (a fingerprint of the load script, stored in public.rfcgate_bench_meta, plus the row
 * count); otherwise, or with --fresh, it is dropped and recreated.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { AS_OF, AS_OF_MS, DAY_MS, errorRate, EVENT_TYPES, SIZES, TYPES } from './model.js';

export const BENCH_DB = 'rfcgate_bench';

/** @param {string} adminUrl */
export function benchUrl(adminUrl) {
  const u = new URL(adminUrl);
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
}

/**
 * @param {string} url
 * @param {string[]} args
 * @param {string} [input]
 */
export function psql(url, args, input) {
  return spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 64 << 20,
    env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
  });
}

/** @param {string} adminUrl @returns {string | undefined} why the server cannot be used */
export function serverProblem(adminUrl) {
  const res = psql(adminUrl, ['-At', '-c', 'SELECT 1']);
  if (res.error) return `cannot run psql: ${res.error.message}`;
  if (res.status !== 0) return res.stderr.trim() || `psql exited with ${res.status}`;
  return undefined;
}

const iso = (/** @type {number} */ ms) => new Date(ms).toISOString();
const lit = (/** @type {string} */ s) => `'${s.replace(/'/g, "''")}'`;

/** The whole load script: deterministic for a seed, so its hash identifies the data. */
export function loadScript(/** @type {number} */ seed) {
  const total = TYPES.reduce((s, t) => s + t.weight, 0);
  let cum = 0;
  const typeRows = TYPES.map((t, i) => {
    const lo = cum;
    cum += t.weight / total;
    return `(${i + 1}, ${lit(t.name)}, ${lo}, ${cum}, ${lit(iso(AS_OF_MS - t.from * DAY_MS))}, ${lit(iso(AS_OF_MS - t.to * DAY_MS))}, ${t.median}, ${t.sigma}, ${t.beam}, ${errorRate(i)})`;
  });
  // Cumulative shares: width_bucket over them maps a uniform draw to a type index.
  const his = [];
  for (let i = 0, c = 0; i < TYPES.length - 1; i++) his.push((c += (TYPES[i]?.weight ?? 0) / total));
  const thresholds = `ARRAY[${his.join(', ')}]::float8[]`;
  // Months around the 60 days of data; January is past retention and should have been dropped.
  const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
  const partitions = months.map((m, i) => {
    const next = months[i + 1] ?? '2026-07';
    return `CREATE TABLE audit.coordination_measurements_y${m.replace('-', 'm')} PARTITION OF audit.coordination_measurements FOR VALUES FROM ('${m}-01') TO ('${next}-01');`;
  });
  // [event type, rows, days back it starts]
  /** @type {[string, number, number][]} */
  const events = [
    [EVENT_TYPES[0] ?? '', 40, 45],
    [EVENT_TYPES[1] ?? '', 0, 40],
    [EVENT_TYPES[2] ?? '', 50, 30],
    [EVENT_TYPES[3] ?? '', 0, 60],
    [EVENT_TYPES[4] ?? '', 100, 60],
    [EVENT_TYPES[5] ?? '', 20, 20],
  ];
  const eventInserts = events
    .filter(([, n]) => n > 0)
    .map(
      ([type, n, back]) =>
        `INSERT INTO audit.coordination_events (event_type, recorded_at, payload)
SELECT ${lit(type)}, ${lit(iso(AS_OF_MS - back * DAY_MS))}::timestamptz + random() * interval '${back} days', jsonb_build_object('agent', 'agent-' || (1 + floor(random() * 240))::int)
FROM generate_series(1, ${n});`,
    );
  return `-- rfcgate bench data, seed ${seed}, as of ${AS_OF}
SET TimeZone = 'UTC';
SET client_min_messages = warning;
SET maintenance_work_mem = '256MB';
SET work_mem = '256MB';
CREATE SCHEMA audit;
CREATE TABLE audit.coordination_measurements (
  id bigserial,
  measurement_type text NOT NULL,
  recorded_at timestamptz NOT NULL,
  elapsed_ms double precision,
  payload jsonb
) PARTITION BY RANGE (recorded_at);
${partitions.join('\n')}
CREATE TABLE audit.coordination_events (
  id bigserial PRIMARY KEY,
  event_type text NOT NULL,
  recorded_at timestamptz NOT NULL,
  payload jsonb
);
CREATE TEMP TABLE bench_types (idx int, name text, lo float8, hi float8, t_from timestamptz, t_to timestamptz, median float8, sigma float8, beam float8, err float8);
INSERT INTO bench_types VALUES
  ${typeRows.join(',\n  ')};
SELECT setseed(${(seed % 1000) / 1000});
-- One statement, in recorded_at order, as an append-only audit table would be laid out.
INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, elapsed_ms, payload)
SELECT t.name,
       t.t_from + (t.t_to - t.t_from) * s.u2,
       round((t.median * exp(t.sigma * sqrt(-2 * ln(1 - s.u3)) * cos(2 * pi() * s.u4)))::numeric, 3)::float8,
       jsonb_build_object(
         'runtime', CASE WHEN s.u5 < t.beam THEN 'beam' ELSE 'python' END,
         'agent', 'agent-' || (1 + floor(s.u6 * 240))::int,
         'status', CASE WHEN s.u7 < t.err THEN 'error' ELSE 'ok' END)
FROM (
  SELECT g, width_bucket(random(), ${thresholds}) + 1 AS ti,
         random() AS u2, random() AS u3, random() AS u4, random() AS u5, random() AS u6, random() AS u7
  FROM generate_series(1, ${SIZES.rows}) g
  OFFSET 0
) s
JOIN bench_types t ON t.idx = s.ti
ORDER BY 2;
${eventInserts.join('\n')}
CREATE INDEX ON audit.coordination_measurements (measurement_type, recorded_at);
CREATE INDEX ON audit.coordination_events (event_type, recorded_at);
VACUUM ANALYZE audit.coordination_measurements;
VACUUM ANALYZE audit.coordination_events;
`;
}

/**
 * Makes sure `rfcgate_bench` holds the bench data; returns what it did.
 * @param {{ adminUrl: string, seed: number, fresh: boolean }} opts
 * @returns {{ url: string, action: 'reused' | 'created', rows: number, ms: number }}
 */
export function ensureDatabase(opts) {
  const started = performance.now();
  const url = benchUrl(opts.adminUrl);
  const script = loadScript(opts.seed);
  const fingerprint = createHash('sha256').update(script).digest('hex').slice(0, 16);
  if (!opts.fresh) {
    const probe = psql(url, [
      '-At',
      '-c',
      'SELECT fingerprint, (SELECT count(*) FROM audit.coordination_measurements) FROM public.rfcgate_bench_meta',
    ]);
    const [fp, rows] = probe.status === 0 ? probe.stdout.trim().split('|') : [];
    if (fp === fingerprint && Number(rows) === SIZES.rows) {
      return { url, action: 'reused', rows: Number(rows), ms: performance.now() - started };
    }
  }
  const drop = psql(opts.adminUrl, [
    '-c',
    `DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`,
    '-c',
    `CREATE DATABASE ${BENCH_DB}`,
  ]);
  if (drop.status !== 0) throw new Error(`cannot (re)create database ${BENCH_DB}: ${drop.stderr.trim()}`);
  const load = psql(url, ['-f', '-'], script);
  if (load.status !== 0) throw new Error(`loading ${BENCH_DB} failed: ${load.stderr.trim()}`);
  const meta = psql(url, [
    '-At',
    '-c',
    `CREATE TABLE public.rfcgate_bench_meta (fingerprint text, created_at timestamptz DEFAULT now()); INSERT INTO public.rfcgate_bench_meta (fingerprint) VALUES ('${fingerprint}')`,
    '-c',
    'SELECT count(*) FROM audit.coordination_measurements',
  ]);
  if (meta.status !== 0) throw new Error(`finishing ${BENCH_DB} failed: ${meta.stderr.trim()}`);
  return {
    url,
    action: 'created',
    rows: Number(meta.stdout.trim().split('\n').pop()),
    ms: performance.now() - started,
  };
}

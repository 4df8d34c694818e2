// @ts-check
/**
 * What the generated world looks like: shared by the repository, spec and database
 * generators so the gates read data that exists (mostly), with a realistic share of
 * halts (young, stale, thin and silent channels).
 */

/** The instant every gate check is evaluated at. */
export const AS_OF = '2026-06-01T00:00:00.000Z';
export const AS_OF_MS = Date.parse(AS_OF);
export const DAY_MS = 86_400_000;

export const SIZES = {
  commits: 20_000,
  rows: 1_000_000,
  days: 60,
  gates: 200,
};

/** The git history spans about a year before AS_OF. */
export const HISTORY_START_MS = AS_OF_MS - 365 * DAY_MS;
export const HISTORY_END_MS = AS_OF_MS - 6 * 3_600_000;

export const OPERATORS = [
  { name: 'Marguerite Okafor', email: 'marguerite.okafor@example.com' },
  { name: 'Tomasz Lindqvist', email: 'tomasz.lindqvist@example.com' },
];

export const AUTHORS = [
  ...OPERATORS,
  { name: 'Ayesha Raman', email: 'ayesha.raman@example.com' },
  { name: 'Joon-ho Park', email: 'joonho.park@example.com' },
  { name: 'Lucía Fernández', email: 'lucia.fernandez@example.com' },
  { name: 'Kwame Mensah', email: 'kwame.mensah@example.com' },
  { name: 'Ingrid Solberg', email: 'ingrid.solberg@example.com' },
  { name: 'Dmitri Volkov', email: 'dmitri.volkov@example.com' },
  { name: 'Priya Natarajan', email: 'priya.natarajan@example.com' },
];

/**
 * The ~20 measurement types of audit.coordination_measurements. `weight` is the share of
 * the 1,000,000 rows; `from`/`to` are days before AS_OF the channel produced rows
 * (a channel that starts late is young, one that stops early is stale); `median` and
 * `sigma` shape a log-normal elapsed_ms; `beam` is the share of rows with runtime=beam.
 * `win` is the window its standard measurements use, `req` their requirements.
 */
export const TYPES = [
  {
    key: 'mcp_request',
    name: 'measurement.governance_mcp.request',
    weight: 15,
    from: 60,
    to: 0,
    median: 38,
    sigma: 0.6,
    beam: 0.55,
    win: '7d',
    req: { min_rows: 5000, days_with_rows: 7, max_age: '1h' },
  },
  {
    key: 'pau',
    name: 'measurement.governance_mcp.process_agent_update',
    weight: 8,
    from: 60,
    to: 0,
    median: 420,
    sigma: 0.8,
    beam: 0,
    win: '7d',
    req: { min_rows: 500, days_with_rows: 7, max_age: '24h' },
  },
  {
    key: 'lease',
    name: 'measurement.lease_plane.request',
    weight: 9,
    from: 60,
    to: 0,
    median: 12,
    sigma: 0.5,
    beam: 0,
    win: '14d',
    req: { min_rows: 1000, days_with_rows: 14, max_age: '24h' },
  },
  {
    key: 'boundary',
    name: 'measurement.beam_python_boundary.call',
    weight: 9,
    from: 45,
    to: 0,
    median: 3.5,
    sigma: 0.7,
    beam: 1,
    win: '14d',
    req: { min_rows: 1000, days_with_rows: 14, max_age: '24h' },
  },
  {
    key: 'e503',
    name: 'measurement.governance_mcp.503_emission',
    weight: 0.3,
    from: 60,
    to: 0,
    median: 1,
    sigma: 0.2,
    beam: 0.5,
    win: '24h',
    req: { min_rows: 1 },
  },
  {
    key: 'ets',
    name: 'measurement.ets_reconciliation.run',
    weight: 1.7,
    from: 30,
    to: 0,
    median: 85,
    sigma: 0.3,
    beam: 1,
    win: '24h',
    req: { min_rows: 200, max_age: '15m' },
  },
  {
    key: 'comparator',
    name: 'measurement.comparator.run',
    weight: 0.15,
    from: 40,
    to: 0,
    median: 950,
    sigma: 0.4,
    beam: 1,
    win: '7d',
    req: { min_rows: 150, days_with_rows: 7, max_age: '2h' },
  },
  {
    key: 'identity',
    name: 'measurement.identity_middleware.check',
    weight: 8,
    from: 11,
    to: 0,
    median: 2.1,
    sigma: 0.5,
    beam: 1,
    win: '14d',
    req: { min_rows: 1000, days_with_rows: 14, max_age: '24h' },
  },
  {
    key: 'dispatch',
    name: 'measurement.handler_dispatch.route',
    weight: 7,
    from: 20,
    to: 0,
    median: 6.5,
    sigma: 0.6,
    beam: 1,
    win: '14d',
    req: { min_rows: 1000, days_with_rows: 14, max_age: '24h' },
  },
  {
    key: 'dialectic',
    name: 'measurement.dialectic.session',
    weight: 2,
    from: 60,
    to: 0,
    median: 5200,
    sigma: 0.9,
    beam: 0.3,
    win: '14d',
    req: { min_rows: 30 },
  },
  {
    key: 'saga',
    name: 'measurement.saga.step',
    weight: 3,
    from: 60,
    to: 0,
    median: 55,
    sigma: 0.7,
    beam: 0.4,
    win: '7d',
    req: { min_rows: 1 },
  },
  {
    key: 'kg',
    name: 'measurement.knowledge_graph.query',
    weight: 6,
    from: 60,
    to: 0,
    median: 24,
    sigma: 0.9,
    beam: 0,
    win: '21d',
    req: { min_rows: 1000, days_with_rows: 21 },
  },
  {
    key: 'calibration',
    name: 'measurement.calibration.update',
    weight: 2,
    from: 60,
    to: 3,
    median: 140,
    sigma: 0.5,
    beam: 0,
    win: '7d',
    req: { min_rows: 100, max_age: '24h' },
  },
  {
    key: 'eisv',
    name: 'measurement.eisv.compute',
    weight: 5,
    from: 60,
    to: 0,
    median: 9,
    sigma: 0.4,
    beam: 0.2,
    win: '30d',
    req: { min_rows: 1000, days_with_rows: 28 },
  },
  {
    key: 'mcp_sdk',
    name: 'measurement.mcp_sdk.call',
    weight: 4,
    from: 35,
    to: 0,
    median: 17,
    sigma: 0.6,
    beam: 0.8,
    win: '21d',
    req: { min_rows: 1000, days_with_rows: 21, max_age: '6h' },
  },
  {
    key: 'pg_pool',
    name: 'measurement.pg_pool.checkout',
    weight: 6,
    from: 60,
    to: 0,
    median: 0.8,
    sigma: 1.1,
    beam: 0.5,
    win: '7d',
    req: { min_rows: 1000, max_age: '1h' },
  },
  {
    key: 'redis',
    name: 'measurement.redis.get',
    weight: 5,
    from: 60,
    to: 0,
    median: 0.4,
    sigma: 0.8,
    beam: 0.5,
    win: '24h',
    req: { min_rows: 100, max_age: '1h' },
  },
  {
    key: 'ingress',
    name: 'measurement.http.ingress',
    weight: 6.8,
    from: 60,
    to: 0,
    median: 45,
    sigma: 0.7,
    beam: 0.5,
    win: '7d',
    req: { min_rows: 5000, days_with_rows: 7, max_age: '1h' },
  },
  {
    key: 'heartbeat',
    name: 'measurement.agent.heartbeat',
    weight: 3,
    from: 60,
    to: 0,
    median: 1.5,
    sigma: 0.3,
    beam: 0.5,
    win: '24h',
    req: { min_rows: 500, max_age: '10m' },
  },
  {
    key: 'audit_flush',
    name: 'measurement.audit.flush',
    weight: 0.05,
    from: 60,
    to: 0,
    median: 300,
    sigma: 0.5,
    beam: 0,
    win: '7d',
    req: { min_rows: 1000, days_with_rows: 7 },
  },
];

/** A type the spec reads but the database never recorded: its gates halt `missing`. */
export const SILENT_TYPE = { key: 'sso', name: 'measurement.identity_middleware.sso_refresh', win: '7d' };

/** Event types of the (small) audit.coordination_events table. */
export const EVENT_TYPES = [
  'coordination_failure.beam_python_boundary.timeout',
  'coordination_failure.beam_python_boundary.shadow_divergence',
  'coordination_failure.ets_pg_divergence',
  'coordination_failure.saga.double_target',
  'coordination_failure.lease_plane.expired',
  'coordination_failure.handler_dispatch.unrouted',
];

/** Share of a type's rows with payload.status = 'error'. */
export function errorRate(/** @type {number} */ i) {
  return 0.002 + (i % 7) * 0.004;
}

const TOTAL_WEIGHT = TYPES.reduce((s, t) => s + t.weight, 0);

/** Rows of type `t` expected in the window that ends at AS_OF. */
export function expectedRows(/** @type {(typeof TYPES)[number]} */ t, /** @type {number} */ windowDays) {
  const rows = (SIZES.rows * t.weight) / TOTAL_WEIGHT;
  const active = t.from - t.to;
  const covered = Math.max(0, Math.min(windowDays, t.from) - t.to);
  return (rows * covered) / active;
}

/** `14d` → 14, `24h` → 1 */
export function windowDays(/** @type {string} */ w) {
  const n = Number(w.slice(0, -1));
  return { s: n / 86400, m: n / 1440, h: n / 24, d: n, w: n * 7 }[w.slice(-1)] ?? 0;
}

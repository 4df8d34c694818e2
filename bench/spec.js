// @ts-check
/**
 * Generates the spec folder gates/bench/: 200 gates over a realistic mix of measurements
 * (SQL table form over ~20 measurement types and several windows with requirements, raw
 * queries, event counters with liveness, git history questions, Markdown artifacts with
 * sections and extraction), in the same shape as gates/wave3/.
 */
import { stringify } from 'yaml';
import { EVENT_TYPES, errorRate, expectedRows, OPERATORS, SILENT_TYPE, SIZES, TYPES, windowDays } from './model.js';
import { rng } from './rng.js';

export const RFC_ID = 'bench';
const TABLE = 'audit.coordination_measurements';

/** @typedef {Record<string, unknown>} Obj */

/**
 * @param {number} seed
 * @returns {{ files: Record<string, string>, counts: Record<string, number> }}
 */
export function generateSpec(seed) {
  const r = rng(seed * 7 + 1);
  /** @type {Obj[]} */
  const measurements = [];
  /** @type {Map<string, Obj>} */
  const byId = new Map();
  const add = (/** @type {Obj} */ m) => {
    if (byId.has(String(m.id))) return String(m.id);
    measurements.push(m);
    byId.set(String(m.id), m);
    return String(m.id);
  };
  /** @type {{ disconfirmers: Obj[], 'exit-criteria': Obj[], 'stop-signs': Obj[], invariants: Obj[] }} */
  const gates = { disconfirmers: [], 'exit-criteria': [], 'stop-signs': [], invariants: [] };
  const phases = () =>
    r.pick([
      ['implementation'],
      ['canary'],
      ['close'],
      ['implementation', 'close'],
      ['canary', 'close'],
      ['implementation', 'canary', 'close'],
    ]);
  let section = 0;
  const sec = () => `§${Math.floor(section / 10) + 1}(${(section++ % 10) + 1})`;
  const round = (/** @type {number} */ x, digits = 3) => Number(x.toPrecision(digits));

  /** A table-form measurement of one type. */
  const sqlm = (
    /** @type {{ key: string, name: string }} */ t,
    /** @type {string} */ what,
    /** @type {string} */ window,
    /** @type {string} */ value,
    /** @type {{ type?: string, require?: Obj, where?: string, title?: string }} */ o = {},
  ) =>
    add({
      id: `${t.key}_${what}_${window}`,
      title: o.title ?? `${what.replace(/_/g, ' ')} of ${t.name}, ${window}`,
      ...(o.type ? { type: o.type } : {}),
      window,
      ...(o.require ? { require: o.require } : {}),
      sql: {
        table: TABLE,
        timestamp: 'recorded_at',
        where: `measurement_type = '${t.name}'${o.where ? ` AND ${o.where}` : ''}`,
        value,
      },
    });
  const pct = (/** @type {number} */ p) => `percentile_cont(${p}) WITHIN GROUP (ORDER BY elapsed_ms)`;
  const share = (/** @type {string} */ cond) => `count(*) FILTER (WHERE ${cond})::float8 / NULLIF(count(*), 0)`;

  // --- per measurement type: tail ratio, volume, error rate, latency ceiling ----------------
  TYPES.forEach((t, i) => {
    const w = t.win;
    const p50 = sqlm(t, 'p50', w, pct(0.5), { require: t.req });
    const p99 = sqlm(t, 'p99', w, pct(0.99), { require: t.req });
    const count = sqlm(t, 'count', w, 'count(*)', { type: 'int', require: t.req });
    const errWin = t.weight < 1 ? '7d' : '24h';
    const err = sqlm(t, 'err_rate', errWin, share("payload->>'status' = 'error'"), {
      require: { min_rows: 1, max_age: t.key === 'calibration' ? '24h' : '6h' },
    });
    const p95 = sqlm(t, 'p95', '7d', pct(0.95), { require: { min_rows: 50, max_age: '24h' } });

    const tail = Math.exp(2.326 * t.sigma) * (0.8 + r.next() * 0.5);
    gates.disconfirmers.push({
      id: `D.${i + 1}`,
      title: `${t.name}: p99 at least ${round(tail, 2)}× its p50 over ${w}`,
      section: sec(),
      phase: phases(),
      params: { tail_ratio: round(tail, 3) },
      fires_if: `${p99} >= ${p50} * tail_ratio`,
      sensitivity: [
        {
          param: 'tail_ratio',
          compares: `${p99} / ${p50}`,
          band: { relative: 0.1 },
          alternates: [round(tail * 0.8), round(tail * 1.2)],
        },
      ],
    });
    const expect = expectedRows(t, windowDays(w));
    gates['exit-criteria'].push({
      id: `EC.${i + 1}`,
      title: `${t.name}: at least the expected volume over ${w}`,
      section: sec(),
      phase: phases(),
      params: { min_calls: Math.max(1, Math.round(expect * (0.7 + r.next() * 0.5))) },
      passes_if: `double(${count}) >= min_calls`,
    });
    gates['stop-signs'].push({
      id: `SS.${i + 1}`,
      title: `${t.name}: error rate above budget over ${errWin}`,
      section: sec(),
      phase: ['canary'],
      params: { max_error_rate: round(errorRate(i) * (0.7 + r.next() * 0.8)) },
      fires_if: `${err} > max_error_rate`,
    });
    const p95Expected = t.median * Math.exp(1.645 * t.sigma);
    gates.invariants.push({
      id: `INV.${i + 1}`,
      title: `${t.name}: p95 under its ceiling over 7d`,
      section: sec(),
      phase: phases(),
      params: { ceiling_ms: round(p95Expected * (0.9 + r.next() * 0.4)) },
      holds_if: `${p95} < ceiling_ms`,
    });
  });

  // --- a silent channel: read by gates, never recorded, so they halt `missing` -------------
  const ssoP99 = sqlm(SILENT_TYPE, 'p99', '7d', pct(0.99), { require: { min_rows: 100, max_age: '24h' } });
  const ssoCount = sqlm(SILENT_TYPE, 'count', '7d', 'count(*)', { type: 'int', require: { min_rows: 1 } });
  gates.invariants.push({
    id: 'INV.SSO',
    title: 'SSO refresh p99 under 50 ms',
    section: sec(),
    phase: ['canary', 'close'],
    params: { ceiling_ms: 50 },
    holds_if: `${ssoP99} < ceiling_ms && ${ssoCount} > 0`,
  });

  // --- cross-type comparisons, like Wave 3's boundary-vs-lease-plane disconfirmer -----------
  for (let k = 0; k < 18; k++) {
    const a = r.pick(TYPES);
    let b = r.pick(TYPES);
    while (b === a) b = r.pick(TYPES);
    const q = r.pick([0.5, 0.99]);
    const ma = `${a.key}_${q === 0.5 ? 'p50' : 'p99'}_${a.win}`;
    const mb = `${b.key}_${q === 0.5 ? 'p50' : 'p99'}_${b.win}`;
    const ratio = (a.median / b.median) * (0.6 + r.next() * 0.9);
    gates.disconfirmers.push({
      id: `X.${k + 1}`,
      title: `${a.name} ${q === 0.5 ? 'p50' : 'p99'} at least ${round(ratio, 2)}× ${b.name}`,
      section: sec(),
      phase: phases(),
      params: { ratio: round(ratio) },
      fires_if: `${ma} >= ${mb} * ratio`,
      sensitivity: [
        {
          param: 'ratio',
          compares: `${ma} / ${mb}`,
          band: { relative: 0.05 },
          alternates: [round(ratio * 0.75), round(ratio * 1.25)],
        },
      ],
    });
  }

  // --- more shapes of the table form: runtime share, mean, max, spread, beam-only p50 -------
  const extras = [
    ...TYPES.filter((t) => t.beam > 0 && t.beam < 1).map((t) => ({
      t,
      id: sqlm(t, 'beam_share', '7d', share("payload->>'runtime' = 'beam'"), {
        require: { min_rows: 100, days_with_rows: 7 },
      }),
      cond: (/** @type {string} */ m) => `${m} >= min_share`,
      params: { min_share: round(t.beam * (0.85 + r.next() * 0.3)) },
      title: 'BEAM share of traffic over 7d',
    })),
    ...TYPES.filter((_, i) => i % 3 === 0).map((t) => ({
      t,
      id: sqlm(t, 'mean', '21d', 'avg(elapsed_ms)', { require: { min_rows: 200, days_with_rows: 21 } }),
      cond: (/** @type {string} */ m) => `${m} < mean_ceiling_ms`,
      params: { mean_ceiling_ms: round(t.median * Math.exp((t.sigma * t.sigma) / 2) * (0.9 + r.next() * 0.3)) },
      title: 'mean latency over 21d under its ceiling',
    })),
    ...TYPES.filter((_, i) => i % 4 === 1).map((t) => ({
      t,
      id: sqlm(t, 'max', '24h', 'max(elapsed_ms)', { require: { min_rows: 10, max_age: '24h' } }),
      cond: (/** @type {string} */ m) => `${m} < max_ms`,
      params: { max_ms: round(t.median * 40) },
      title: 'worst call over 24h under 40× the median',
    })),
    ...TYPES.filter((_, i) => i % 4 === 2).map((t) => ({
      t,
      id: sqlm(t, 'spread', '30d', 'stddev_samp(elapsed_ms) / NULLIF(avg(elapsed_ms), 0)', {
        require: { min_rows: 500, days_with_rows: 25 },
      }),
      cond: (/** @type {string} */ m) => `${m} < max_cv`,
      params: { max_cv: round(Math.sqrt(Math.exp(t.sigma * t.sigma) - 1) * (0.9 + r.next() * 0.3)) },
      title: 'coefficient of variation over 30d',
    })),
    ...TYPES.filter((t) => t.beam > 0 && t.beam < 1)
      .slice(0, 5)
      .map((t) => ({
        t,
        id: sqlm(t, 'beam_p50', '14d', pct(0.5), {
          where: "payload->>'runtime' = 'beam'",
          require: { min_rows: 100, days_with_rows: 14, max_age: '24h' },
        }),
        cond: (/** @type {string} */ m) => `${m} <= ${t.key}_p50_${t.win} * beam_ratio`,
        params: { beam_ratio: round(0.9 + r.next() * 0.3) },
        title: 'BEAM p50 no worse than the blended p50',
      })),
  ];
  extras.forEach((x, k) => {
    const kind = /** @type {const} */ (['invariants', 'exit-criteria'])[k % 2] ?? 'invariants';
    gates[kind].push({
      id: `${kind === 'invariants' ? 'INV' : 'EC'}.M${k + 1}`,
      title: `${x.t.name}: ${x.title}`,
      section: sec(),
      phase: phases(),
      params: x.params,
      [kind === 'invariants' ? 'holds_if' : 'passes_if']: x.cond(x.id),
    });
  });

  // --- raw queries --------------------------------------------------------------------------
  const raw = (/** @type {Obj} */ m) => add(m);
  // wave3's #7 as gates/wave3/measurements.yaml has it: the longest span the 60 s sliding 503 rate stayed above 1%.
  const worst503 = raw({
    id: 'longest_503_breach_s',
    title: 'Longest span (s) over which the 503 rate of a sliding 60 s window stayed above 1%, 24 hours',
    window: '24h',
    require: { min_rows: 1, max_age: '1h' },
    sql: {
      query: `WITH rated AS (
  SELECT t, is_request,
         count(*) FILTER (WHERE NOT is_request) OVER w AS e503,
         count(*) FILTER (WHERE is_request) OVER w AS req,
         lag(t) OVER w AS prev_t,
         lead(t) OVER w AS next_t
  FROM (
    SELECT recorded_at AS t, measurement_type = 'measurement.governance_mcp.request' AS is_request
    FROM ${TABLE}
    WHERE measurement_type IN ('measurement.governance_mcp.503_emission', 'measurement.governance_mcp.request')
      AND recorded_at > $window_start::timestamptz - interval '60 seconds' AND recorded_at < $window_end
  ) ev
  WINDOW w AS (ORDER BY t RANGE BETWEEN interval '59.999999 seconds' PRECEDING AND CURRENT ROW)
), marked AS (
  SELECT t, is_request, above,
         max(CASE WHEN NOT above THEN next_t WHEN prev_t IS NULL OR t - prev_t > interval '60 seconds' THEN t END)
           OVER (ORDER BY t ROWS UNBOUNDED PRECEDING) AS run_start
  FROM (SELECT t, is_request, prev_t, next_t, 100 * e503 > greatest(req, 1) AS above FROM rated) r
)
SELECT coalesce(max(extract(epoch FROM t - greatest(run_start, $window_start::timestamptz))) FILTER (WHERE above), 0) AS value,
       count(*) FILTER (WHERE is_request) AS rows, max(t) AS newest
FROM marked
WHERE t >= $window_start
`,
    },
  });
  const overdue = raw({
    id: 'overdue_measurement_partitions',
    title: 'Monthly partitions still attached 7 days after leaving the 90-day retention window',
    type: 'int',
    sql: {
      query: `SELECT count(*) AS value
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = '${TABLE}'::regclass
  AND to_date(substring(c.relname from 'y([0-9]{4}m[0-9]{2})$'), 'YYYY"m"MM') + interval '1 month'
      < $as_of::timestamptz - interval '97 days'
`,
    },
  });
  const agents = raw({
    id: 'active_agents_7d',
    title: 'Distinct agents sending process_agent_update, 7 days',
    type: 'int',
    window: '7d',
    require: { min_rows: 100, max_age: '24h' },
    sql: {
      query: `SELECT count(DISTINCT payload->>'agent') AS value, count(*) AS rows, max(recorded_at) AS newest
FROM ${TABLE}
WHERE measurement_type = 'measurement.governance_mcp.process_agent_update'
  AND recorded_at >= $window_start AND recorded_at < $window_end
`,
    },
  });
  const hourly = raw({
    id: 'lease_worst_hour_p99_ms',
    title: 'Worst hourly p99 of lease-plane requests, 7 days',
    window: '7d',
    require: { min_rows: 1000, days_with_rows: 7, max_age: '24h' },
    sql: {
      query: `WITH h AS (
  SELECT date_trunc('hour', recorded_at) AS hour,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY elapsed_ms) AS p99,
         count(*) AS n
  FROM ${TABLE}
  WHERE measurement_type = 'measurement.lease_plane.request'
    AND recorded_at >= $window_start AND recorded_at < $window_end
  GROUP BY 1
)
SELECT max(p99) AS value, sum(n) AS rows, count(DISTINCT date_trunc('day', hour)) AS days_with_rows,
       (SELECT min(recorded_at) FROM ${TABLE}
         WHERE measurement_type = 'measurement.lease_plane.request' AND recorded_at < $as_of) AS first_seen,
       max(hour) + interval '1 hour' AS newest
FROM h
`,
    },
  });
  const quietDay = raw({
    id: 'ingress_quietest_day',
    title: 'Fewest ingress requests on any day, 14 days',
    type: 'int',
    window: '14d',
    require: { min_rows: 1000, days_with_rows: 14 },
    sql: {
      query: `SELECT min(n) AS value, sum(n) AS rows, count(*) AS days_with_rows, min(first_at) AS first_seen
FROM (
  SELECT date_trunc('day', recorded_at AT TIME ZONE 'UTC') AS day, count(*) AS n, min(recorded_at) AS first_at
  FROM ${TABLE}
  WHERE measurement_type = 'measurement.http.ingress'
    AND recorded_at >= $window_start AND recorded_at < $window_end
  GROUP BY 1
) d
`,
    },
  });
  const runtimeRatio = raw({
    id: 'mcp_beam_python_p50_ratio',
    title: 'MCP request p50 on BEAM over p50 on Python, 7 days',
    window: '7d',
    require: { min_rows: 1000, max_age: '6h' },
    sql: {
      query: `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms) FILTER (WHERE payload->>'runtime' = 'beam')
       / NULLIF(percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms) FILTER (WHERE payload->>'runtime' = 'python'), 0) AS value,
       count(*) AS rows, max(recorded_at) AS newest
FROM ${TABLE}
WHERE measurement_type = 'measurement.governance_mcp.request'
  AND recorded_at >= $window_start AND recorded_at < $window_end
`,
    },
  });
  gates['stop-signs'].push(
    {
      id: 'SS.R1',
      title: 'Sliding-window 503 rate above 1% for more than 60 s',
      section: sec(),
      phase: ['canary'],
      params: { max_breach_s: 60 },
      fires_if: `${worst503} > max_breach_s`,
    },
    {
      id: 'SS.R2',
      title: 'A measurement partition was not dropped in time',
      section: sec(),
      phase: ['canary', 'close'],
      fires_if: `${overdue} > 0`,
    },
    {
      id: 'SS.R3',
      title: 'Worst lease-plane hour p99 above 60 ms',
      section: sec(),
      phase: ['canary'],
      params: { max_ms: 60 },
      fires_if: `${hourly} > max_ms`,
    },
  );
  gates['exit-criteria'].push(
    {
      id: 'EC.R1',
      title: 'At least 150 agents active over 7 days',
      section: sec(),
      phase: ['close'],
      passes_if: `${agents} >= 150`,
    },
    {
      id: 'EC.R2',
      title: 'Ingress never below 1,500 requests a day',
      section: sec(),
      phase: ['close'],
      passes_if: `${quietDay} >= 1500`,
    },
  );
  gates.disconfirmers.push({
    id: 'D.R1',
    title: 'BEAM serves MCP requests slower than Python',
    section: sec(),
    phase: ['implementation', 'close'],
    params: { max_ratio: 1.1 },
    fires_if: `${runtimeRatio} > max_ratio`,
  });

  // --- event counters, each with the liveness measurement of its channel -------------------
  const events = [
    [EVENT_TYPES[0], 'boundary', 'invariants'],
    [EVENT_TYPES[1], 'comparator', 'invariants'],
    [EVENT_TYPES[2], 'ets', 'stop-signs'],
    [EVENT_TYPES[3], 'saga', 'stop-signs'],
    [EVENT_TYPES[4], 'lease', 'invariants'],
    [EVENT_TYPES[5], 'dispatch', 'stop-signs'],
  ];
  events.forEach(([eventType, key, kind], k) => {
    const t = TYPES.find((x) => x.key === key);
    if (!t || !eventType) return;
    const id = add({
      id: `ev_${String(eventType).split('.').slice(1).join('_')}_${t.win}`,
      title: `${eventType} events, ${t.win}`,
      type: 'int',
      window: t.win,
      counts_events: true,
      liveness: `${t.key}_count_${t.win}`,
      sql: {
        table: 'audit.coordination_events',
        timestamp: 'recorded_at',
        where: `event_type = '${eventType}'`,
        value: 'count(*)',
      },
    });
    if (kind === 'invariants') {
      gates.invariants.push({
        id: `INV.E${k + 1}`,
        title: `No ${eventType} events`,
        section: sec(),
        phase: ['canary', 'close'],
        holds_if: `${id} == 0`,
      });
    } else {
      gates['stop-signs'].push({
        id: `SS.E${k + 1}`,
        title: `${eventType} more than 3 times`,
        section: sec(),
        phase: ['canary'],
        fires_if: `${id} > 3`,
      });
    }
  });

  // --- git history ----------------------------------------------------------------------------
  const gitm = (/** @type {string} */ id, /** @type {Obj} */ q, /** @type {string} */ title) =>
    add({ id, title, git: q });
  const exists = [
    ['has_mix_exs', 'mix.exs'],
    ['has_dispatch_dir', 'elixir/handler_dispatch'],
    ['has_handoffs_dir', 'docs/handoffs'],
    ['has_legacy_lease', 'src/legacy/lease.py'],
    ['has_ci_workflow', '.github/workflows/ci.yml'],
    ['has_wave3_rfc', 'rfcs/wave3.md'],
  ].map(([id, path]) => gitm(String(id), { query: 'path_exists', path }, `${path} exists on the mainline`));
  const first = (/** @type {string} */ id, /** @type {string[]} */ paths, scope = 'mainline') =>
    gitm(id, { query: 'first_commit', paths, scope }, `first commit touching ${paths.join(', ')}`);
  const last = (/** @type {string} */ id, /** @type {string[]} */ paths, scope = 'mainline') =>
    gitm(id, { query: 'last_commit', paths, scope }, `last commit touching ${paths.join(', ')}`);
  const matching = (/** @type {string} */ id, /** @type {string} */ pattern, scope = 'mainline') =>
    gitm(id, { query: 'commit_matching', pattern, scope }, `first commit whose message matches /${pattern}/`);
  const order = (/** @type {string} */ id, /** @type {Obj} */ a, /** @type {Obj} */ b) =>
    gitm(id, { query: 'order', before: a, after: b, scope: 'mainline' }, 'one event before another on the mainline');

  const odeFirst = first('ode_profile_first', ['docs/profiles/ode-profile-*.md']);
  const dispatchFirst = first('dispatch_first', ['elixir/handler_dispatch/**']);
  const mig30 = first('migration_0030_first', ['migrations/0030_*.sql']);
  const redteamFirst = first('redteam_first', ['docs/handoffs/wave-3-state-ownership-redteam-*.md']);
  const spikeFirst = first(
    'spike_files_first_any_ref',
    ['elixir/apps/boundary/lib/boundary/mcp_sdk_spike_*.ex'],
    'all',
  );
  const govLast = last('governance_core_last', ['lib/governance_core/**']);
  const elixirLast = last('elixir_last', ['elixir/**/*.ex']);
  const testsLast = last('tests_last', ['tests/**', 'elixir/**/*_test.exs']);
  const prodLast = last('config_prod_last', ['config/prod.yaml']);
  const migLast = last('migrations_last', ['migrations/*.sql']);
  const etsLastAll = last('ets_cache_last_any_ref', ['elixir/apps/ets_cache/**'], 'all');
  const wave3First = matching('first_wave3_commit', '^\\[wave3\\]');
  const revertFirst = matching('first_revert', '^Revert "');
  const breakingFirst = matching('first_breaking_change', 'BREAKING CHANGE:');
  const hotfixFirst = matching('first_hotfix', '^hotfix:');
  const spikeMsg = matching('spike_commit_any_ref', '^spike\\(mcp\\)', 'all');
  const releaseFirst = matching('first_release_v9', '^release: v9');
  const ordOde = order(
    'ode_profile_before_dispatch',
    { paths: ['docs/profiles/ode-profile-*.md'] },
    { paths: ['elixir/handler_dispatch/**'] },
  );
  const ordRedteam = order(
    'redteam_before_dispatch',
    { paths: ['docs/handoffs/wave-3-state-ownership-redteam-*.md'] },
    { paths: ['elixir/handler_dispatch/**'] },
  );
  const ordMig = order(
    'migration_30_before_dispatch',
    { paths: ['migrations/0030_*.sql'] },
    { paths: ['elixir/handler_dispatch/lib/**'] },
  );
  const ordTag = order(
    'wave3_tag_before_dispatch',
    { pattern: '^\\[wave3\\]' },
    { paths: ['elixir/handler_dispatch/**'] },
  );
  const ordGo = order(
    'go_decision_before_dispatch_tests',
    { paths: ['docs/proposals/wave-3-go-decision-*.md'] },
    { paths: ['elixir/handler_dispatch/test/**'] },
  );
  const ordRollback = order(
    'rollback_runbook_before_dispatch',
    { paths: ['docs/runbooks/wave-3-rollback-*.md'] },
    { paths: ['elixir/handler_dispatch/**'] },
  );

  const ts = (/** @type {string} */ d) => `timestamp("${d}T00:00:00Z")`;
  /** @type {[string, string, string][]} */
  const gitInvariants = [
    [`${exists[0]} && ${exists[5]}`, 'The Elixir and RFC roots exist', 'invariants'],
    [`${exists[1]}`, 'elixir/handler_dispatch exists', 'invariants'],
    [`${exists[2]} && ${exists[4]}`, 'Hand-offs folder and CI workflow exist', 'invariants'],
    [`!${exists[3]}`, 'The legacy Python lease module is gone', 'invariants'],
    [ordOde, 'The ODE profile landed before any handler_dispatch commit', 'invariants'],
    [ordRedteam, 'The state-ownership red team landed before any handler_dispatch commit', 'invariants'],
    [ordMig, 'Migration 0030 landed before handler_dispatch code', 'invariants'],
    [ordTag, 'A [wave3] commit preceded handler_dispatch', 'invariants'],
    [ordGo, 'The go decision preceded the handler_dispatch tests', 'invariants'],
    [ordRollback, 'A rollback runbook preceded handler_dispatch', 'invariants'],
    [`${dispatchFirst} > ${odeFirst}`, 'handler_dispatch started after the ODE profile', 'exit-criteria'],
    [`${mig30} < ${ts('2026-01-01')}`, 'Migration 0030 landed in 2025', 'exit-criteria'],
    [`${redteamFirst} < ${dispatchFirst}`, 'Red team before dispatch (by date)', 'exit-criteria'],
    [`${spikeFirst} > ${ts('2026-03-01')}`, 'The MCP SDK spike is recent (any ref)', 'exit-criteria'],
    [`${govLast} < ${ts('2026-05-01')}`, 'governance_core frozen since May', 'stop-signs'],
    [`${elixirLast} >= ${ts('2026-05-25')}`, 'Elixir code changed in the last week', 'exit-criteria'],
    [`${testsLast} >= ${elixirLast}`, 'Tests changed no earlier than the code', 'exit-criteria'],
    [`${prodLast} > ${ts('2026-05-20')}`, 'Production config changed during the canary', 'stop-signs'],
    [`${migLast} > ${ts('2026-05-15')}`, 'A migration landed in the last two weeks', 'stop-signs'],
    [`${etsLastAll} > ${elixirLast}`, 'Unmerged ETS work is newer than the mainline', 'stop-signs'],
    [`${wave3First} < ${dispatchFirst}`, 'Wave 3 work was tagged before dispatch', 'exit-criteria'],
    [`${revertFirst} > ${ts('2025-06-01')}`, 'The first revert is dated', 'exit-criteria'],
    [`${breakingFirst} < ${ts('2026-05-01')}`, 'Breaking changes announced before May', 'exit-criteria'],
    [`${hotfixFirst} > ${ts('2026-04-01')}`, 'No hotfix before April', 'invariants'],
    [`${spikeMsg} > ${odeFirst}`, 'The spike started after the ODE profile', 'exit-criteria'],
    [`${releaseFirst} < ${ts('2026-06-01')}`, 'v9 released before June', 'exit-criteria'],
  ];
  gitInvariants.forEach(([cond, title, kind], k) => {
    const key = kind === 'invariants' ? 'holds_if' : kind === 'exit-criteria' ? 'passes_if' : 'fires_if';
    const prefix = kind === 'invariants' ? 'INV' : kind === 'exit-criteria' ? 'EC' : 'SS';
    gates[/** @type {'invariants'} */ (kind)].push({
      id: `${prefix}.G${k + 1}`,
      title,
      section: sec(),
      phase: phases(),
      [key]: cond,
    });
  });

  // --- Markdown artifacts -----------------------------------------------------------------
  const art = (/** @type {string} */ id, /** @type {Obj} */ a, /** @type {string} */ title) =>
    add({ id, title, artifact: a });
  const odeShare = art(
    'ode_governance_core_share_pct',
    {
      glob: 'docs/profiles/ode-profile-*.md',
      extract: { pattern: 'governance_core share of process_agent_update p99:\\s*([0-9.]+)%', as: 'double' },
      working_tree: 'deny',
    },
    'Share of process_agent_update p99 spent in governance_core/',
  );
  const odeResult = art(
    'ode_profile_has_result',
    { glob: 'docs/profiles/ode-profile-*.md', section: 'Result' },
    'The ODE profile has a result',
  );
  const spike = art(
    'mcp_spike_disqualifying',
    {
      glob: 'docs/handoffs/wave-3-mcp-sdk-spike-*.md',
      section: 'Verdict',
      extract: { pattern: 'Production-disqualifying failure:\\s*(yes|no)\\b', as: 'string' },
      working_tree: 'allow',
    },
    'Does the MCP SDK spike report a production-disqualifying failure',
  );
  const extra = art(
    'redteam_extra_surfaces',
    {
      glob: 'docs/handoffs/wave-3-state-ownership-redteam-*.md',
      section: 'Surfaces',
      extract: { pattern: 'Surfaces beyond the eight:\\s*([0-9]+)', as: 'double' },
    },
    'Surfaces named beyond the eight',
  );
  const rederivable = art(
    'redteam_rederivable',
    {
      glob: 'docs/handoffs/wave-3-state-ownership-redteam-*.md',
      section: 'Surfaces',
      extract: { pattern: 'Re-derivable surfaces:\\s*([0-9]+) of 8', as: 'double' },
    },
    'Surfaces of the eight that are re-derivable',
  );
  const nonsurfaces = art(
    'redteam_nonsurfaces_listed',
    { glob: 'docs/handoffs/wave-3-state-ownership-redteam-*.md', section: 'Non-surfaces' },
    'Non-surfaces listed',
  );
  const slip = art(
    'go_decision_largest_slip_pct',
    {
      glob: 'docs/proposals/wave-3-go-decision-*.md',
      section: 'Calendar reasoning',
      extract: { pattern: 'Largest slip:\\s*([0-9.]+)%', as: 'double' },
    },
    'Largest slip of a named item',
  );
  const goSigned = art(
    'go_decision_judgement_signed',
    { glob: 'docs/proposals/wave-3-go-decision-*.md', section: 'Judgement' },
    'Go-decision judgement filled in',
  );
  const parity = art(
    'parity_review_signed',
    { glob: 'docs/handoffs/wave-3-parity-review-*.md', section: 'Sign-off' },
    'Parity review signed off',
  );
  const parityCaptures = art(
    'parity_review_captures_filled',
    { glob: 'docs/handoffs/wave-3-parity-review-*.md', section: 'Captures' },
    'Parity captures table filled',
  );
  const rollback = art(
    'rollback_runbook_present',
    { glob: 'docs/runbooks/wave-3-rollback-*.md', section: 'Steps' },
    'Rollback runbook written',
  );
  gates.disconfirmers.push(
    {
      id: 'D.A1',
      title: 'ODE floor: governance_core math dominates p99',
      section: sec(),
      phase: ['implementation'],
      params: { ode_floor_pct: 60 },
      fires_if: `${odeShare} > ode_floor_pct`,
      sensitivity: [{ param: 'ode_floor_pct', compares: odeShare, band: { absolute: 5 }, alternates: [50, 65, 75] }],
    },
    {
      id: 'D.A2',
      title: 'The ODE profile has no result section',
      section: sec(),
      phase: ['implementation'],
      fires_if: `!${odeResult}`,
    },
    {
      id: 'D.C',
      title: 'The MCP SDK spike reports a production-disqualifying failure',
      section: sec(),
      phase: ['implementation'],
      fires_if: `${spike} == "yes"`,
    },
    {
      id: 'D.D',
      title: 'State ownership is unsafe',
      section: sec(),
      phase: ['implementation'],
      params: { surfaces: 8 },
      fires_if: `!${nonsurfaces} || ${extra} > 0.0 || ${rederivable} < surfaces`,
    },
    {
      id: 'D.E',
      title: 'A named item slips more than 25%',
      section: sec(),
      phase: ['implementation'],
      params: { slip_limit_pct: 25 },
      fires_if: `${goSigned} && ${slip} > slip_limit_pct`,
    },
  );
  gates['exit-criteria'].push(
    {
      id: 'EC.A1',
      title: 'Parity review signed off',
      section: sec(),
      phase: ['close'],
      passes_if: `${parity} && ${parityCaptures}`,
    },
    { id: 'EC.A2', title: 'Rollback runbook written', section: sec(), phase: ['canary', 'close'], passes_if: rollback },
  );
  ['lease-plane', 'identity', 'saga', 'ets', 'comparator', 'dialectic'].forEach((topic, k) => {
    const key = topic.replace(/-/g, '_');
    const glob = `docs/handoffs/wave-3-${topic}-handoff-*.md`;
    const score = art(
      `${key}_handoff_readiness`,
      { glob, section: 'Readiness', extract: { pattern: 'Readiness score:\\s*([0-9]+)', as: 'double' } },
      `${topic} hand-off readiness score`,
    );
    const decided = art(`${key}_handoff_decided`, { glob, section: 'Decision' }, `${topic} hand-off decision recorded`);
    const summary = art(
      `${key}_handoff_summary`,
      { glob, section: 'Summary', extract: { pattern: 'moves to (BEAM|Python)', as: 'string' } },
      `${topic} hand-off target runtime`,
    );
    gates['exit-criteria'].push({
      id: `EC.H${k + 1}`,
      title: `${topic} hand-off ready and decided`,
      section: sec(),
      phase: ['canary', 'close'],
      params: { min_score: 75 },
      passes_if: `${decided} && ${score} >= min_score && ${summary} == "BEAM"`,
    });
  });

  // --- composites: exit criteria that pass when every named gate passes --------------------
  const leaves = [...gates.disconfirmers, ...gates['stop-signs'], ...gates.invariants].map((g) => String(g.id));
  const conditionCount = () => Object.values(gates).reduce((s, l) => s + l.length, 0);
  for (let k = 0; conditionCount() < SIZES.gates; k++) {
    const n = r.int(2, 5);
    const ids = new Set();
    while (ids.size < n) ids.add(r.pick(leaves));
    gates['exit-criteria'].push({
      id: `EC.ALL${k + 1}`,
      title: `Group ${k + 1} of disconfirmers, stop signs and invariants clear`,
      section: sec(),
      phase: ['close'],
      all_of: [...ids],
    });
  }

  const header = (/** @type {string} */ schema, /** @type {string} */ note) =>
    `# yaml-language-server: $schema=../../schemas/${schema}\n# ${note}\n# Generated by bench/spec.js (seed ${seed}); do not edit by hand.\n\n`;
  const y = (/** @type {unknown} */ v) => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });
  const manifest = {
    id: RFC_ID,
    title: 'Bench: a synthetic RFC with 200 gates over git, PostgreSQL and Markdown artifacts',
    version: 'v1.0.0',
    mainline: 'main',
    operators: OPERATORS,
    attestations_dir: `gates/${RFC_ID}/attestations`,
    database: { embedded_dir: '.rfcgate/pgdata' },
  };
  const files = {
    [`gates/${RFC_ID}/rfc.yaml`]: header('rfc.schema.json', 'The bench RFC manifest.') + y(manifest),
    [`gates/${RFC_ID}/measurements.yaml`]:
      header('measurements.schema.json', `${measurements.length} measurements.`) + y(measurements),
    [`gates/${RFC_ID}/disconfirmers.yaml`]:
      header('disconfirmers.schema.json', 'Disconfirmers.') + y(gates.disconfirmers),
    [`gates/${RFC_ID}/exit-criteria.yaml`]:
      header('exit-criteria.schema.json', 'Exit criteria.') + y(gates['exit-criteria']),
    [`gates/${RFC_ID}/stop-signs.yaml`]: header('stop-signs.schema.json', 'Stop signs.') + y(gates['stop-signs']),
    [`gates/${RFC_ID}/invariants.yaml`]: header('invariants.schema.json', 'Invariants.') + y(gates.invariants),
  };
  /** @type {Record<string, number>} */
  const counts = { gates: conditionCount(), measurements: measurements.length };
  for (const m of measurements) {
    const kind = m.sql ? (/** @type {Obj} */ (m.sql).query ? 'sql_raw' : 'sql_table') : m.git ? 'git' : 'artifact';
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  for (const [k, v] of Object.entries(gates)) counts[k] = v.length;
  return { files, counts };
}

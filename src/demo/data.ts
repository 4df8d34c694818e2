/**
 * What the governed system recorded in the weeks before the demo's instant, and the agent
 * telemetry beside it. Each channel is shaped to put one of the shipped gates in a state a
 * team meets in practice; the verdicts are then computed from these rows, not declared.
 */
import { AS_OF } from './artifacts.js';
import type { Rng } from './rng.js';

const T = `timestamptz '${AS_OF.toISOString()}'`;

/** A channel's rows: `count` rows, `step` apart, the newest `endAgo` before the instant. */
function series(opts: {
  type: string;
  count: number;
  step: string;
  endAgo: string;
  elapsed: string;
  payload?: string;
  where?: string;
}): string {
  return `INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, elapsed_ms, payload)
SELECT '${opts.type}', ${T} - interval '${opts.endAgo}' - (i * interval '${opts.step}'), ${opts.elapsed}, ${opts.payload ?? `'{}'::jsonb`}
FROM generate_series(0, ${opts.count - 1}) AS i${opts.where ? ` WHERE ${opts.where}` : ''};`;
}

/** The governed system's own tables, which teams create and the tool only reads; some have drifted from the RFC. */
export const GOVERNED_TABLES = `
CREATE TABLE IF NOT EXISTS audit.coordination_events (
  id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL, payload jsonb NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS audit.baseline_pins (
  metric text NOT NULL, value double precision NOT NULL, pinned_at timestamptz NOT NULL, query text, commit_sha text);
CREATE SCHEMA IF NOT EXISTS core;
CREATE TABLE IF NOT EXISTS core.dialectic_sessions (
  session_id text PRIMARY KEY, status text NOT NULL, created_at timestamptz NOT NULL, reviewer_reassigned boolean NOT NULL DEFAULT false);
CREATE SCHEMA IF NOT EXISTS coordination;
-- Drifted from RFC §9.2: one agent_id column where the RFC declares target_agent_ids text[].
CREATE TABLE IF NOT EXISTS coordination.session_resolution_sagas (
  saga_id text PRIMARY KEY, session_id text NOT NULL, agent_id text NOT NULL, state text NOT NULL, created_at timestamptz NOT NULL);
-- §8 shadow tables (PR 1): BEAM writes the shadows, Python the canonical tables.
CREATE TABLE IF NOT EXISTS core.agents (
  id text PRIMARY KEY, purpose text, notes text, tags text[], metadata jsonb NOT NULL DEFAULT '{}',
  metadata_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', metadata::text)) STORED,
  archived_at timestamptz, allow_rebind_after_exit boolean NOT NULL DEFAULT false,
  allow_concurrent_contexts boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS core.agents_shadow (LIKE core.agents INCLUDING ALL);
CREATE TABLE IF NOT EXISTS core.identities (
  agent_id text PRIMARY KEY, disabled_at timestamptz, last_activity_at timestamptz, provisional_score_id bigint,
  provisional_recorded_at timestamptz, lineage_declared_at timestamptz, lineage_demoted_at timestamptz,
  lineage_last_eval_at timestamptz, chain_obs_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS core.identities_shadow (LIKE core.identities INCLUDING ALL);
`;

export function demoRowsSql(rng: Rng): string {
  const leaseBase = rng.int(34, 42);
  const boundaryBase = rng.int(52, 66);
  const noise = (mod: number, spread: number) => `((i * 7919 + ${rng.int(1, 997)}) % ${mod}) * ${spread}`;
  const sessions = rng.int(10, 14);
  return [
    // Phase A lease plane: 20 days of requests, comfortably past its 14-day window.
    series({
      type: 'measurement.lease_plane.request',
      count: 3000,
      step: '9 minutes 36 seconds',
      endAgo: '5 minutes',
      elapsed: `${leaseBase} + ${noise(100, 0.3)} + CASE WHEN i % 97 = 0 THEN 120 ELSE 0 END`,
    }),
    // The BEAM boundary client shipped 9 days ago: too young for a 14-day window.
    series({
      type: 'measurement.beam_python_boundary.call',
      count: 1800,
      step: '7 minutes',
      endAgo: '3 minutes',
      elapsed: `${boundaryBase} + ${noise(100, 0.4)} + CASE WHEN i % 89 = 0 THEN 260 ELSE 0 END`,
    }),
    // process_agent_update instrumentation stopped reporting two days ago: stale.
    series({
      type: 'measurement.governance_mcp.process_agent_update',
      count: 864,
      step: '15 minutes',
      endAgo: '2 days',
      elapsed: `900 + ${noise(500, 1)} + CASE WHEN i % 50 = 0 THEN 1700 ELSE 0 END`,
    }),
    // Requests: hourly for 30 days, rolled back to Python for 6 of them (10 to 16 days ago),
    // then every 6 s for the last day. The rollback touches 7 of the 21 days exit criterion 2
    // reads, so BEAM served every request on 14 of them: not yet 21 days at 100% BEAM.
    series({
      type: 'measurement.governance_mcp.request',
      count: 720,
      step: '1 hour',
      endAgo: '1 day',
      elapsed: `20 + ${noise(40, 1)}`,
      payload: `jsonb_build_object('runtime', CASE WHEN i BETWEEN 216 AND 359 THEN 'python' ELSE 'beam' END)`,
    }),
    series({
      type: 'measurement.governance_mcp.request',
      count: 14400,
      step: '6 seconds',
      endAgo: '1 second',
      elapsed: `20 + ${noise(40, 1)}`,
      payload: `'{"runtime": "beam"}'::jsonb`,
    }),
    // A burst of 503s inside one minute three hours ago.
    series({
      type: 'measurement.governance_mcp.503_emission',
      count: 5,
      step: '5 seconds',
      endAgo: '3 hours',
      elapsed: 'NULL',
    }),
    // The reconciliation loop runs every 5 minutes and reported one divergence today.
    series({
      type: 'measurement.ets_reconciliation.run',
      count: 288,
      step: '5 minutes',
      endAgo: '4 minutes',
      elapsed: `3 + ${noise(10, 0.1)}`,
    }),
    `INSERT INTO audit.coordination_events (event_type, recorded_at) VALUES ('coordination_failure.ets_pg_divergence', ${T} - interval '6 hours');`,
    // The hourly comparator ran for three weeks, then went silent ten days ago.
    series({
      type: 'measurement.comparator.run',
      count: 480,
      step: '1 hour',
      endAgo: '10 days',
      elapsed: `4000 + ${noise(100, 10)}`,
    }),
    // Dialectic: a baseline pinned over the 100 sessions of the 30 days before it (82 resolved,
    // 11 reassigned: the pinned rates), and fewer sessions in the 14-day window than its
    // 30-session floor, so the rates, not the baseline, are what (F) waits for.
    `INSERT INTO audit.baseline_pins (metric, value, pinned_at, query, commit_sha) VALUES
  ('dialectic.resolution_rate', 0.82, timestamptz '2026-04-02T12:00:00Z', 'trailing 30 days of core.dialectic_sessions', 'pin-pr-9'),
  ('dialectic.reassignment_rate', 0.11, timestamptz '2026-04-02T12:00:00Z', 'trailing 30 days of core.dialectic_sessions', 'pin-pr-9');`,
    `INSERT INTO core.dialectic_sessions (session_id, status, created_at, reviewer_reassigned)
SELECT 'ds-' || i, (ARRAY['resolved','resolved','resolved','failed','escalated'])[1 + i % 5], ${T} - (i * interval '1 day 2 hours') + interval '1 hour', i % 9 = 0
FROM generate_series(0, ${sessions - 1}) AS i
UNION ALL
SELECT 'ds-old-' || i, (ARRAY['resolved','resolved','resolved','resolved','failed'])[1 + i % 5], ${T} - interval '15 days' - (i * interval '7 hours'), i % 10 = 0
FROM generate_series(0, 44) AS i
UNION ALL
SELECT 'ds-pin-' || i, CASE WHEN (i * 37) % 100 < 82 THEN 'resolved' WHEN i % 2 = 0 THEN 'failed' ELSE 'escalated' END,
       timestamptz '2026-04-02T12:00:00Z' - interval '3 hours' - (i * interval '7 hours'), (i * 53) % 100 < 11
FROM generate_series(0, 99) AS i;`,
    // 60 agents mirrored into the shadows; BEAM missed one identity write, wrote one stale
    // chain_obs_count, and one agent's write is still in flight (inside the comparator's min_age).
    `INSERT INTO core.agents (id, purpose, tags, metadata, created_at, updated_at)
SELECT 'agent-' || i, 'worker ' || (i % 4), ARRAY['t' || (i % 3)], jsonb_build_object('tier', i % 3, 'region', 'eu'), ${T} - interval '30 days', ${T} - (i * interval '1 hour') - interval '1 hour'
FROM generate_series(0, 59) AS i;
INSERT INTO core.agents_shadow (id, purpose, notes, tags, metadata, archived_at, allow_rebind_after_exit, allow_concurrent_contexts, created_at, updated_at)
SELECT id, purpose, notes, tags, metadata, archived_at, allow_rebind_after_exit, allow_concurrent_contexts, created_at, updated_at FROM core.agents;
UPDATE core.agents SET notes = 'renamed', updated_at = ${T} - interval '1 minute' WHERE id = 'agent-${rng.int(0, 59)}';
INSERT INTO core.identities (agent_id, last_activity_at, chain_obs_count, created_at, updated_at)
SELECT 'agent-' || i, ${T} - (i * interval '2 hours'), i % 40, ${T} - interval '30 days', ${T} - (i * interval '2 hours') - interval '1 hour'
FROM generate_series(0, 59) AS i;
INSERT INTO core.identities_shadow SELECT * FROM core.identities WHERE agent_id <> 'agent-${rng.int(0, 29)}';
UPDATE core.identities_shadow SET chain_obs_count = chain_obs_count - 1 WHERE agent_id = 'agent-${rng.int(30, 59)}';`,
    `INSERT INTO coordination.session_resolution_sagas (saga_id, session_id, agent_id, state, created_at)
SELECT 'saga-' || i, 'ds-' || i, 'agent-' || (i % 7), (ARRAY['completed','completed','pending'])[1 + i % 3], ${T} - (i * interval '8 hours')
FROM generate_series(0, 19) AS i;`,
  ].join('\n');
}

/** Anthropic Messages API usage per model turn, as the agent kernel logs it, plus fork-trace records. */
export function telemetryJsonl(rng: Rng): string {
  const lines: string[] = [];
  for (let s = 1; s <= 3; s++) {
    // The prompt prefix held in the cache: written whole on the first turn, then read and
    // extended by each turn's new messages.
    let cached = 0;
    const firstPrefix = 4000 + rng.int(0, 2000);
    for (let turn = 1; turn <= 12; turn++) {
      const ts = new Date(AS_OF.getTime() - (4 - s) * 86_400_000 + turn * 90_000).toISOString();
      const compaction = s === 2 && turn === 7;
      const missAfterCompaction = s === 2 && turn === 8;
      const input = rng.int(200, 900);
      const read = turn === 1 || missAfterCompaction ? 0 : cached;
      // A miss rewrites the whole prefix it failed to read.
      const created = turn === 1 ? firstPrefix : missAfterCompaction ? cached : rng.int(300, 800);
      lines.push(
        JSON.stringify({
          session_id: `sess-${s}`,
          turn,
          ts,
          model: 'claude-sonnet-4-5',
          ...(compaction ? { compaction: true } : {}),
          // A self-correction result injected after the breakpoint: the prefix is still read.
          ...(s === 3 && turn === 5 ? { injection: true } : {}),
          // System, tools and the rolling message prefix: within the limit of 4.
          cache_breakpoints: turn === 1 ? 2 : 3,
          usage: {
            input_tokens: input,
            output_tokens: rng.int(80, 600),
            cache_creation_input_tokens: created,
            cache_read_input_tokens: read,
            cache_creation: { ephemeral_5m_input_tokens: created, ephemeral_1h_input_tokens: 0 },
          },
        }),
      );
      if (missAfterCompaction) {
        lines.push(
          JSON.stringify({ type: 'fork_trace', session_id: `sess-${s}`, turn, ts, misses: ['message_prefix'] }),
        );
      }
      cached = turn === 1 || missAfterCompaction ? created : cached + created;
    }
  }
  return `${lines.join('\n')}\n`;
}

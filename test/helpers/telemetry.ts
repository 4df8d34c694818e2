/**
 * Writes agent telemetry the way a kernel would: one Anthropic usage record per turn,
 * wrapped with session_id, turn, ts and model, and fork-trace records for attributed misses.
 */
export interface SessionPlan {
  session: string;
  /** ISO instant of turn 1; turns are a minute apart. */
  start: string;
  turns: number;
  /** A compaction at this turn; with `breaks`, the next turn misses the cached prefix. */
  compactionAt?: number;
  compactionBreaks?: boolean;
  /** An injection at this turn; with `breaks`, it invalidates the cached prefix. */
  injectionAt?: number;
  injectionBreaks?: boolean;
  breakpoints?: number;
}

/** Turn 1 writes a 5000-token prefix; every later turn reads it and sends 100 tokens uncached. */
export function sessionLines(p: SessionPlan): string[] {
  const out: string[] = [];
  const t0 = Date.parse(p.start);
  for (let turn = 1; turn <= p.turns; turn++) {
    const ts = new Date(t0 + (turn - 1) * 60_000).toISOString();
    const missed =
      turn === 1 ||
      (p.compactionBreaks === true && p.compactionAt !== undefined && turn === p.compactionAt + 1) ||
      (p.injectionBreaks === true && turn === p.injectionAt);
    out.push(
      JSON.stringify({
        session_id: p.session,
        turn,
        ts,
        model: 'claude-sonnet-4-5',
        ...(turn === p.compactionAt ? { compaction: true } : {}),
        ...(turn === p.injectionAt ? { injection: true } : {}),
        cache_breakpoints: p.breakpoints ?? 3,
        usage: {
          input_tokens: 100,
          output_tokens: 50,
          cache_creation_input_tokens: missed ? 5000 : 100,
          cache_read_input_tokens: missed ? 0 : 5000,
          cache_creation: { ephemeral_5m_input_tokens: missed ? 5000 : 100, ephemeral_1h_input_tokens: 0 },
        },
      }),
    );
    if (missed && turn !== 1) {
      out.push(JSON.stringify({ type: 'fork_trace', session_id: p.session, turn, ts, misses: ['message_prefix'] }));
    }
  }
  return out;
}

export function telemetryText(plans: SessionPlan[]): string {
  return `${plans.flatMap(sessionLines).join('\n')}\n`;
}

/** An OpenTelemetry (OTLP/JSON) attribute, its value typed as an exporter writes it. */
export function otlpAttr(key: string, v: string | number | boolean) {
  return {
    key,
    value:
      typeof v === 'number' ? { intValue: String(v) } : typeof v === 'boolean' ? { boolValue: v } : { stringValue: v },
  };
}

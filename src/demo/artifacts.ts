/**
 * The documents a Wave 3 team commits while the RFC's gates are open. Their numbers are
 * the demo's inputs; the verdicts come from evaluating the shipped gates against them.
 */
export const AS_OF = new Date('2026-06-01T00:00:00Z');

export function odeProfile(sharePct: number): string {
  return `# ODE profile — process_agent_update

Sample window: 2026-03-31 to 2026-04-07 (7 days), production, 1% of requests traced.

| component | share of p99 |
| --- | --- |
| governance_core/ (ODE integration) | ${sharePct.toFixed(1)}% |
| identity middleware | ${(100 - sharePct - 21.4).toFixed(1)}% |
| dispatch and serialisation | 21.4% |

governance_core share of process_agent_update p99: ${sharePct.toFixed(1)}%

## Method

py-spy sampling at 250 Hz on two replicas; the share is of wall time within requests
above the p99 latency of their hour.
`;
}

export function mcpSpike(disqualifying: boolean): string {
  return `# Wave 3 MCP SDK spike

Ran the Elixir MCP SDK against the production tool schemas for five days in staging.

## Findings

| scenario | result |
| --- | --- |
| 7 tools, streaming responses | pass |
| cancellation mid-call | pass after SDK patch 0.4.2 |
| 2,000 concurrent sessions | p99 41 ms |

## Verdict

Production-disqualifying failure: ${disqualifying ? 'yes' : 'no'}
Signed-off-by: Tomasz Lindqvist
`;
}

export function redTeam(extraSurfaces: number, rederivable: number): string {
  const rows = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']
    .map((s, i) => `| ${s} | surface ${s} | ${i < rederivable ? 'yes' : 'no'} |`)
    .join('\n');
  return `# Wave 3 state-ownership red team

Operator-led session, 2026-05-11; the verifier lane re-derived each surface from the live schema.

## Surfaces

| surface | what | re-derivable |
| --- | --- | --- |
${rows}

Surfaces beyond the eight: ${extraSurfaces}
Re-derivable surfaces: ${rederivable} of 8

${extraSurfaces > 0 ? 'The ninth surface: the JSON session snapshot under data/dialectic_sessions/ has a second writer during shadow.\n' : ''}
## Non-surfaces

- Redis feature-flag cache (derived from core.feature_flags, rebuilt on start)
- ETS baseline cache (derived from PostgreSQL, reconciled every 5 minutes)
`;
}

export function goDecision(largestSlipPct: number): string {
  return `# Wave 3 go decision

## Calendar reasoning

| item | original window | slip % |
| --- | --- | --- |
| lease-plane Phase B | 6 weeks | ${largestSlipPct}% |
| dialectic v2 review UI | 4 weeks | 9% |

Largest slip: ${largestSlipPct}%

## Judgement

Decision:
Why:
`;
}

export function attestation(gate: string, signer: { name: string; email: string }, date: string, judgement: string) {
  return `gate: ${gate}\nsigner: ${signer.name}\nemail: ${signer.email}\ndate: ${date}\njudgement: ${judgement}\n`;
}

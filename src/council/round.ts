/**
 * One council round end to end, for the command: load the council, read the previous
 * round, run the lanes, build the record (diff and contract) and store it.
 */
import { EXIT } from '../model/result.js';
import { UsageError } from '../spec/problems.js';
import { councilMarkdown } from '../formatters/council/index.js';
import { buildRound, type CouncilRound, latestRound, withLedgerLock, writeRound } from './ledger.js';
import { type Fetch, runCouncil } from './run.js';
import type { Finding } from './findings.js';
import { loadCouncilSpec } from './spec.js';
import type { FactId } from './spec.js';
import type { FactsProvider } from './facts.js';

export interface RoundOptions {
  root: string;
  rfc: string;
  apiKey: string;
  fetch?: Fetch;
  tokenCount: 'api' | 'estimate';
  now?: Date;
  providers?: Readonly<Record<FactId, FactsProvider>>;
}

export async function councilRound(opts: RoundOptions): Promise<CouncilRound> {
  const { council, manifest } = loadCouncilSpec(opts.root, opts.rfc);
  const previous = latestRound(opts.root, council.ledger_dir, manifest.id);
  const open = new Map<string, Finding[]>();
  for (const f of previous?.open ?? []) {
    const list = open.get(f.lane) ?? [];
    list.push({
      lane: f.lane,
      severity: f.severity,
      section: f.section,
      claim: f.claim,
      evidence: '',
      suggested_fix: '',
    });
    open.set(f.lane, list);
  }
  const outcome = await runCouncil({
    root: opts.root,
    rfc: opts.rfc,
    council,
    apiKey: opts.apiKey,
    tokenCount: opts.tokenCount,
    previous: open,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.providers ? { providers: opts.providers } : {}),
  });
  // HTTP 401 is the API saying the key is not one: nothing was reviewed, and a stored round
  // of failed lanes would stand as the latest, turning the council gate from the last real
  // review's verdict to a halt until someone ran the round again with a good key.
  const refused = outcome.lanes.find((l) => l.failure?.status === 401);
  if (refused) {
    throw new UsageError(
      `the Anthropic API refused ANTHROPIC_API_KEY (${refused.failure?.message ?? 'HTTP 401'}): the key is wrong, revoked or of another organisation; create one in the Anthropic Console (Settings → API keys) and run 'export ANTHROPIC_API_KEY=<key>'. No round was stored`,
    );
  }
  // Numbered and diffed against the latest round at the moment it is stored, not the one read
  // before the lanes ran: another run may have stored a round in between.
  return withLedgerLock(opts.root, council.ledger_dir, () => {
    const round = buildRound(
      council,
      { rfc: manifest.id, version: manifest.version, runAt: opts.now ?? new Date(), root: opts.root },
      outcome,
      latestRound(opts.root, council.ledger_dir, manifest.id),
    );
    writeRound(opts.root, round, councilMarkdown(round));
    return round;
  });
}

export function councilExitCode(round: CouncilRound): number {
  return EXIT[round.contract.verdict];
}

/**
 * One council round: a cache warm-up (unless the prefix is too short to cache) while the
 * facts are collected, then every lane in parallel through the Anthropic SDK (a lane given
 * facts once they are in). Rate limits (429), overload (529), timeouts and server errors are retried
 * by the SDK with exponential backoff honouring retry-after, up to the spec's max_retries.
 * A lane that still fails, or answers outside its schema, is a failed lane with the reason:
 * never an empty list of findings. The API key is never part of anything returned.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { collectFacts, FACT_PROVIDERS, type Fact, type FactsProvider } from './facts.js';
import { type Finding, type LaneOutput, validateLaneOutput } from './findings.js';
import { findingKey } from './ledger.js';
import {
  estimateTokens,
  generousTokenEstimate,
  laneRequest,
  minCacheableTokens,
  type RfcDocument,
  warmRequest,
} from './lanes.js';
import type { CouncilSpec, FactId, LaneSpec } from './spec.js';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface LaneFailure {
  /** api: the request failed after its retries; malformed: the answer broke the schema; truncated / refused: stop reason. */
  kind: 'api' | 'malformed' | 'truncated' | 'refused';
  message: string;
  status?: number;
  problems?: string[];
}

export interface LaneResult {
  id: string;
  title: string;
  model: string;
  status: 'ok' | 'failed';
  failure?: LaneFailure;
  /** HTTP requests sent for this lane's review (1 + retries). */
  attempts: number;
  findings: Finding[];
  /** The request's input size before sending: counted by the API, or estimated offline. */
  tokens: { input: number; method: 'counted' | 'estimate' };
  /** What the API reported for the answer, cache reads and writes included. */
  usage: Usage | null;
}

export interface WarmResult {
  model: string;
  usage: Usage | null;
  error?: string;
  /** Why no warm-up was sent: the shared prefix is too short for the model to cache. */
  skipped?: string;
}

export interface RunOutcome {
  document: RfcDocument;
  facts: Fact[];
  warm: WarmResult[];
  lanes: LaneResult[];
}

export interface CouncilRunOptions {
  root: string;
  rfc: string;
  council: CouncilSpec;
  apiKey: string;
  /** The transport; the scripted offline model is injected here. Default: the platform fetch. */
  fetch?: Fetch;
  baseURL?: string;
  /** `api`: the count-tokens endpoint; `estimate`: offline, from the text length. */
  tokenCount: 'api' | 'estimate';
  /** Open findings of the previous round, by lane. */
  previous: Map<string, Finding[]>;
  providers?: Readonly<Record<FactId, FactsProvider>>;
}

export function readDocument(root: string, path: string): RfcDocument {
  const text = readFileSync(join(root, path), 'utf8');
  return { path, text, sha256: createHash('sha256').update(text).digest('hex') };
}

export async function runCouncil(opts: CouncilRunOptions): Promise<RunOutcome> {
  const { council } = opts;
  const document = readDocument(opts.root, council.document);
  const factIds = [...new Set(council.lanes.flatMap((l) => l.facts))];
  // Only the lanes given facts wait for them: a slow check (comparator check waiting on its
  // database) must not hold back the start of the lanes that read none. Never rejects: a
  // check that cannot run is a fact with status error.
  const factsReady = collectFacts(
    factIds,
    { root: opts.root, rfc: opts.rfc, document: { path: document.path, text: document.text } },
    opts.providers ?? FACT_PROVIDERS,
  );
  // Awaited later (by the lanes given facts, and for the record): a rejection meanwhile must
  // not count as unhandled and end the process; it still rejects the round where awaited.
  factsReady.catch(() => undefined);
  const redact = redactor(opts.apiKey);

  const warm: WarmResult[] = [];
  if (council.warm_cache && council.lanes.length > 1) {
    const models = [...new Set(council.lanes.map((l) => l.model))];
    warm.push(
      ...(await Promise.all(
        models.map(async (model): Promise<WarmResult> => {
          const request = warmRequest(council, model, document);
          // Below the model's minimum the API caches nothing: the warm-up would be paid for and
          // write no entry. Judged on a generous estimate, so only a clearly short prefix is skipped.
          const min = minCacheableTokens(model);
          const most = generousTokenEstimate(request);
          if (min !== undefined && most < min) {
            return {
              model,
              usage: null,
              skipped: `the shared prefix is about ${most} tokens at most (a generous estimate), below ${model}'s minimum cacheable length of ${min}: the API would cache nothing, for the warm-up or the lanes`,
            };
          }
          const { client } = makeClient(opts);
          try {
            const msg = await client.messages.create(request);
            return { model, usage: usageOf(msg) };
          } catch (e) {
            // A failed warm-up costs cache efficiency only; the lanes still run.
            return { model, usage: null, error: redact(errorText(e)) };
          }
        }),
      )),
    );
  }

  const lanes = await Promise.all(
    council.lanes.map((lane) =>
      (async () => runLane(opts, lane, document, lane.facts.length ? await factsReady : [], redact))().catch(
        (e: unknown): LaneResult => ({
          id: lane.id,
          title: lane.title,
          model: lane.model,
          status: 'failed',
          failure: { kind: 'api', message: redact(errorText(e)) },
          attempts: 0,
          findings: [],
          tokens: { input: 0, method: 'estimate' },
          usage: null,
        }),
      ),
    ),
  );
  return { document, facts: await factsReady, warm, lanes };
}

function makeClient(opts: CouncilRunOptions): { client: Anthropic; attempts: () => number } {
  let attempts = 0;
  const base: Fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const counting: Fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.includes('count_tokens')) attempts++;
    return base(input, init);
  };
  const client = new Anthropic({
    // The scripted model needs no key, but the SDK sends no request without one.
    apiKey: opts.apiKey || 'offline',
    maxRetries: opts.council.max_retries,
    timeout: opts.council.timeout_ms,
    fetch: counting,
    // The SDK's own log lines could carry request details; the command prints its own report.
    logLevel: 'off',
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
  });
  return { client, attempts: () => attempts };
}

async function runLane(
  opts: CouncilRunOptions,
  lane: LaneSpec,
  document: RfcDocument,
  allFacts: Fact[],
  redact: (s: string) => string,
): Promise<LaneResult> {
  const brief = readFileSync(join(opts.root, lane.brief), 'utf8');
  const request = laneRequest({
    council: opts.council,
    lane,
    document,
    brief,
    facts: allFacts.filter((f) => lane.facts.includes(f.id)),
    previous: opts.previous.get(lane.id) ?? [],
  });
  const { client, attempts } = makeClient(opts);
  const tokens = await countTokens(client, request, opts.tokenCount);
  const head = { id: lane.id, title: lane.title, model: lane.model };
  // Every failure is redacted here, whatever built its message: a malformed answer's parse
  // error quotes the answer's first characters, which may be an echoed key.
  const failed = (failure: LaneFailure, usage: Usage | null = null): LaneResult => ({
    ...head,
    status: 'failed',
    failure: {
      ...failure,
      message: redact(failure.message),
      ...(failure.problems ? { problems: failure.problems.map(redact) } : {}),
    },
    attempts: attempts(),
    findings: [],
    tokens,
    usage,
  });

  let msg: Message;
  try {
    msg = await client.messages.create(request);
  } catch (e) {
    return failed({
      kind: 'api',
      message: redact(errorText(e)),
      ...(e instanceof APIError && e.status !== undefined ? { status: e.status } : {}),
    });
  }
  const usage = usageOf(msg);
  // The SDK's parse helper would throw on unparsable text before the stop reason can be
  // read, and checks only that the text is JSON; the stop reason says why an answer is cut.
  if (msg.stop_reason === 'max_tokens') {
    return failed(
      {
        kind: 'truncated',
        message: `the answer was cut off at max_tokens ${opts.council.max_tokens}; raise max_tokens in council.yaml`,
      },
      usage,
    );
  }
  // The answer stopped where the model's context window ended: its text is cut like one at
  // max_tokens, but raising max_tokens cannot help, and read as JSON it was called malformed.
  if (msg.stop_reason === 'model_context_window_exceeded') {
    const input = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    return failed(
      {
        kind: 'truncated',
        message: `the answer was cut off at the end of ${lane.model}'s context window (input ${input} tokens); shorten the RFC document or the lane's brief, or give the lane a model with a larger context window`,
      },
      usage,
    );
  }
  if (msg.stop_reason === 'refusal') return failed({ kind: 'refused', message: 'the model declined to answer' }, usage);
  // Only an answer the model finished is its findings. One that stopped to call a tool (no tool
  // is offered, so its text is at most a preamble) or paused its turn is not over: its text,
  // even a valid `{ "findings": [] }`, was stored as a lane with nothing to report. (No stop
  // sequence is sent, so end_turn is the one way an answer ends whole.)
  const unfinished = msg.stop_reason !== 'end_turn';
  const other = msg.content.find((b) => b.type !== 'text' && b.type !== 'thinking' && b.type !== 'redacted_thinking');
  if (unfinished || other) {
    const why = unfinished
      ? `ended with stop_reason '${String(msg.stop_reason)}'`
      : `holds a ${other?.type ?? 'non-text'} block`;
    return failed(
      {
        kind: 'malformed',
        message: `the answer is not a finished findings object: it ${why}, where only a complete answer (stop_reason 'end_turn', text alone) is read`,
      },
      usage,
    );
  }
  const text = msg.content
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('');
  const checked = validateLaneOutput(lane, text);
  const conflict = checked.ok ? severityConflict(lane, checked.findings) : undefined;
  const out: LaneOutput = conflict ? { ok: false, problems: [conflict] } : checked;
  if (!out.ok) {
    return failed(
      {
        kind: 'malformed',
        message: `the structured output was rejected: ${out.problems[0] ?? 'invalid'}`,
        problems: out.problems,
      },
      usage,
    );
  }
  return { ...head, status: 'ok', attempts: attempts(), findings: out.findings, tokens, usage };
}

/**
 * Where an answer gives one claim (the same key) two severities of which none blocks: the
 * round keeps one finding per key, and keeping the first read a claim the lane also REFUTED as
 * VERIFIED, or a CONCERN as a NIT. With a blocking copy, the BLOCK stands (see buildRound).
 */
function severityConflict(lane: LaneSpec, findings: Finding[]): string | undefined {
  const first = new Map<string, number>();
  const blocking = new Set(findings.filter((f) => lane.blocking.includes(f.severity)).map(findingKey));
  for (const [i, f] of findings.entries()) {
    const key = findingKey(f);
    const j = first.get(key);
    if (j === undefined) {
      first.set(key, i);
      continue;
    }
    const g = findings[j] as Finding;
    if (g.severity !== f.severity && !blocking.has(key)) {
      return `findings.${j} and findings.${i} give one claim two severities, ${g.severity} and ${f.severity} (${g.section}: ${g.claim})`;
    }
  }
  return undefined;
}

async function countTokens(
  client: Anthropic,
  req: MessageCreateParamsNonStreaming,
  how: 'api' | 'estimate',
): Promise<LaneResult['tokens']> {
  if (how === 'api') {
    try {
      const r = await client.messages.countTokens({
        model: req.model,
        messages: req.messages,
        ...(req.system ? { system: req.system } : {}),
        ...(req.output_config ? { output_config: req.output_config } : {}),
      });
      return { input: r.input_tokens, method: 'counted' };
    } catch {
      // Counting is informative only: a failed count falls back to the estimate, labelled so.
    }
  }
  return { input: estimateTokens(req), method: 'estimate' };
}

function usageOf(msg: Message): Usage {
  const u = msg.usage;
  return {
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    cache_creation_input_tokens: u.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
  };
}

function errorText(e: unknown): string {
  if (e instanceof APIError) {
    const status = e.status === undefined ? '' : `HTTP ${e.status}: `;
    return `${status}${e.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Removes the key, whatever echoes it (an error body, a proxy's message). */
export function redactor(key: string): (s: string) => string {
  if (!key) return (s) => s;
  return (s) => s.split(key).join('[redacted]');
}

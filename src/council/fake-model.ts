/**
 * The scripted offline model: a `fetch` for the Anthropic SDK that answers from fixture
 * files, one per lane (`<lane id>.json`), matched by the lane marker in the request. A
 * fixture is one scripted response or a list consumed in order (the last one repeats):
 *
 *   { "findings": [...] }                       200, the findings as structured output
 *   { "text": "..." }                           200, this exact text (malformed output)
 *   { "stop_reason": "max_tokens", "text": "" } 200 with that stop reason
 *   { "status": 429, "retry_after_ms": 1 }      an API error (429, 529, 500, 401...)
 *   { "status": 401, "echo_key": true }         an error whose body quotes the credential sent
 *
 * It simulates the prompt cache: the first request with a given prefix (everything up to
 * the block carrying cache_control, the output format included) writes it, later ones read
 * it. Tokens are counted as the offline estimate counts them, and a request's input splits
 * into cache read + cache write + uncached exactly as the API's usage does, so an offline
 * round's numbers add up. Every request is recorded, so tests can check what was sent.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { UsageError } from '../spec/problems.js';
import { estimateTokens } from './lanes.js';
import type { Fetch } from './run.js';

export interface ScriptedResponse {
  status?: number;
  findings?: unknown[];
  text?: string;
  stop_reason?: string;
  retry_after_ms?: number;
  echo_key?: boolean;
}

export interface RecordedRequest {
  path: string;
  lane: string | null;
  body: Record<string, unknown>;
}

export interface FakeModel {
  fetch: Fetch;
  requests: RecordedRequest[];
}

type Block = { type: string; text?: string; source?: { data?: string }; cache_control?: unknown };

/** Responses by lane; a Map works, and so does a folder of fixture files. */
export interface Script {
  get(lane: string): ScriptedResponse[] | undefined;
}

/**
 * Reads every fixture of the folder before any request: a broken fixture is an invocation
 * error naming the file. Read lazily inside the transport, its error reached the SDK as a
 * connection failure, was retried and stored as a failed lane ("Connection error.").
 */
export function scriptFromDir(dir: string): Script {
  if (!existsSync(dir)) throw new UsageError(`fake model folder ${dir} does not exist`);
  const loaded = new Map<string, ScriptedResponse[]>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(dir, name);
    const text = readFileSync(file, 'utf8');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new UsageError(
        `${file}:${jsonErrorAt(text, (e as Error).message)}: the fake model fixture is not valid JSON (${(e as Error).message}); fix it or remove it`,
      );
    }
    const steps = Array.isArray(data) ? data : [data];
    if (!steps.length || steps.some((st) => st === null || typeof st !== 'object' || Array.isArray(st))) {
      throw new UsageError(
        `${file}: a fake model fixture is one scripted response (a JSON object) or a non-empty list of them, such as { "findings": [] } for a lane with nothing to report (more in test/council/fixtures/ of rfcgate's repository)`,
      );
    }
    // An HTTP status the transport cannot answer with made the fake throw inside fetch, which
    // the SDK retried as a connection error: a fixture mistake reported as a failed lane.
    const bad = (steps as ScriptedResponse[]).find(
      (st) => st.status !== undefined && !(Number.isInteger(st.status) && st.status >= 200 && st.status <= 599),
    );
    if (bad) {
      throw new UsageError(
        `${file}: status ${JSON.stringify(bad.status)} is not an HTTP status the fake model can answer with; use an integer from 200 to 599 (e.g. 429, 529, 500)`,
      );
    }
    loaded.set(name.slice(0, -'.json'.length), steps as ScriptedResponse[]);
  }
  return { get: (lane) => loaded.get(lane) };
}

/**
 * Refuses, before any lane runs, a fixture folder that lacks a lane's file. Unchecked, the
 * lane's requests were answered with a server error, retried up to max_retries and stored
 * as a failed round: time spent, and a round written, for what is a mistake of invocation.
 */
export function requireFixtures(dir: string, script: Script, laneIds: readonly string[]): void {
  const missing = laneIds.filter((id) => !script.get(id)?.length);
  if (!missing.length) return;
  const files = missing.map((id) => join(dir, `${id}.json`));
  throw new UsageError(
    `the fake model has no fixture for lane${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: expected ${files.join(', ')}; add ${missing.length === 1 ? 'it' : 'them'} ({ "findings": [] } is a lane with nothing to report; more in test/council/fixtures/ of rfcgate's repository), or point --fake-model at a folder with one <lane id>.json per lane of council.yaml`,
  );
}

/** `line:col` of a JSON.parse error ("... at position 9"), or of the end of the text. */
function jsonErrorAt(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  const before = text.slice(0, m ? Number(m[1]) : text.length);
  const lines = before.split('\n');
  return `${lines.length}:${(lines[lines.length - 1] ?? '').length + 1}`;
}

export function fakeModel(script: Script): FakeModel {
  const requests: RecordedRequest[] = [];
  const cursor = new Map<string, number>();
  const cache = new Set<string>();

  const fetch: Fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const path = new URL(url).pathname;
    const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as Record<string, unknown>;
    const blocks = contentBlocks(body);
    const laneText = blocks.map((b) => b.text ?? '').find((t) => /<lane id="/.test(t));
    const lane = laneText ? (/<lane id="([^"]+)">/.exec(laneText)?.[1] ?? null) : null;
    requests.push({ path, lane, body });
    const total = estimateTokens(asRequest(body));

    if (path.endsWith('/count_tokens')) return Promise.resolve(json(200, { input_tokens: total }));
    const usage = cacheUsage(body, blocks, total, cache);
    if (!lane) return Promise.resolve(message('{', 'max_tokens', usage));

    const steps = script.get(lane);
    if (!steps?.length) return Promise.resolve(json(500, error('api_error', `no scripted response for lane ${lane}`)));
    const i = cursor.get(lane) ?? 0;
    cursor.set(lane, i + 1);
    const step = steps[Math.min(i, steps.length - 1)] as ScriptedResponse;
    if (step.status && step.status !== 200) {
      const headers: Record<string, string> = {};
      if (step.retry_after_ms !== undefined) headers['retry-after-ms'] = String(step.retry_after_ms);
      const key = headerOf(init, 'x-api-key') || headerOf(init, 'authorization').replace(/^Bearer /, '');
      const msg = step.echo_key ? `invalid x-api-key: ${key}` : `scripted ${step.status}`;
      const type = step.status === 429 ? 'rate_limit_error' : step.status === 529 ? 'overloaded_error' : 'api_error';
      return Promise.resolve(json(step.status, error(type, msg), headers));
    }
    const text = step.text ?? JSON.stringify({ findings: step.findings ?? [] });
    return Promise.resolve(message(text, step.stop_reason ?? 'end_turn', usage));
  };
  return { fetch, requests };
}

function contentBlocks(body: Record<string, unknown>): Block[] {
  const messages = (body.messages ?? []) as { content: Block[] | string }[];
  return messages.flatMap((m) => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content));
}

type CountedRequest = Pick<MessageCreateParamsNonStreaming, 'system' | 'messages' | 'output_config'>;

/** A request body as the SDK sent it, for the estimate (which reads its system, messages and output format). */
function asRequest(body: Record<string, unknown>): CountedRequest {
  return {
    messages: (body.messages ?? []) as CountedRequest['messages'],
    ...(body.system === undefined ? {} : { system: body.system as CountedRequest['system'] }),
    ...(body.output_config === undefined
      ? {}
      : { output_config: body.output_config as CountedRequest['output_config'] }),
  };
}

function cacheUsage(body: Record<string, unknown>, blocks: Block[], total: number, cache: Set<string>) {
  const cut = blocks.findIndex((b) => b.cache_control);
  const none = { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (cut < 0) return none;
  const prefix = JSON.stringify([body.model, body.system, body.output_config ?? null, blocks.slice(0, cut + 1)]);
  const size = estimateTokens(asRequest({ ...body, messages: [{ role: 'user', content: blocks.slice(0, cut + 1) }] }));
  const hash = createHash('sha256').update(prefix).digest('hex');
  const hit = cache.has(hash);
  cache.add(hash);
  return {
    input_tokens: total - size,
    cache_creation_input_tokens: hit ? 0 : size,
    cache_read_input_tokens: hit ? size : 0,
  };
}

function headerOf(init: RequestInit | undefined, name: string): string {
  const h = init?.headers;
  if (!h) return '';
  if (h instanceof Headers) return h.get(name) ?? '';
  if (Array.isArray(h)) return h.find(([k]) => k?.toLowerCase() === name)?.[1] ?? '';
  const rec = h as Record<string, string>;
  return Object.entries(rec).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
}

function error(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

function message(
  text: string,
  stop: string,
  usage: { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number },
): Response {
  return json(200, {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: 'fake',
    content: [{ type: 'text', text }],
    stop_reason: stop,
    stop_sequence: null,
    usage: { ...usage, output_tokens: Math.ceil(text.length / 4) },
  });
}

function json(status: number, data: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { 'content-type': 'application/json', 'request-id': 'req_fake', ...headers },
  });
}

/**
 * One JSONL line → one normalised record. Three shapes are recognised, per line, so one file
 * may mix them:
 *
 * - **anthropic**: `{ session_id, turn, ts, model?, usage: <Messages API Usage>, compaction?,
 *   injection?, cache_breakpoints? }`. `usage` is read as the SDK types it. Where the API
 *   documents null as "none" (`cache_read_input_tokens`, `cache_creation_input_tokens`) null
 *   reads as 0; `cache_creation: null` means the 5m/1h split is unknown, not zero.
 * - **otel**: OpenTelemetry GenAI attributes (`gen_ai.usage.input_tokens`,
 *   `gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`), flat
 *   on the line, under `attributes` as an object, or as OTLP `[{key, value}]`. OpenTelemetry's
 *   input count includes cached tokens, Anthropic's excludes them: the uncached input is
 *   `input - cache_read - cache_creation`, so every metric means the same whatever the shape.
 * - **fork_trace**: `{ type: "fork_trace", session_id, turn, ts, misses: [...] }` naming why a
 *   turn missed the cache (system_prompt, tools, message_prefix, child_directive, model).
 *   A usage record of either shape may carry the same `misses` list for its own turn: it is
 *   read as the turn and as its trace, whether or not it also says `type: "fork_trace"`. So is
 *   an Anthropic usage record logged with its response's `diagnostics` (the Messages API's own
 *   diagnosis of the miss, beta): its `cache_miss_reason` names the turn's miss source.
 *
 * A line may also hold a whole OTLP/JSON trace export (`{ resourceSpans: [...] }`, as the
 * OpenTelemetry Collector's file exporter writes one per line): each span carrying gen_ai usage
 * is read as an otel line of its own is (parseRecords), and Claude Code's `claude_code.llm_request`
 * span, which names its counts as its api_request event does, as that event is, in an export or
 * on a line of its own (parseLine reads that one too). Or a whole OTLP/JSON logs export
 * (`{ resourceLogs: [...] }`) of Claude Code's events: each `claude_code.api_request` log record
 * is one turn (`session.id`, or a conversation of its own for a request another subsystem than the
 * main thread issued, by its `query_source`; `input_tokens`, `output_tokens`, `cache_read_tokens`,
 * `cache_creation_tokens`, `model`, as Claude Code's monitoring documentation names them), each
 * `claude_code.compaction` record a compaction of the session's main conversation (a
 * CompactionRecord; none when it failed), and its other events are passed over. Its input count is the API's, cached tokens apart: the token
 * counter it documents beside the event splits a request's tokens into input, output, cacheRead
 * and cacheCreation, and the subagent event's footprint adds input, cache creation and cache read.
 *
 * Anything else is malformed, with a reason a person can act on.
 */
import type { BetaCacheMissReason, BetaDiagnostics } from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type { Usage } from '@anthropic-ai/sdk/resources/messages';
import { instantMs } from '../../util/calendar.js';

export const MISS_SOURCES = ['system_prompt', 'tools', 'message_prefix', 'child_directive', 'model'] as const;
export type MissSource = (typeof MISS_SOURCES)[number];

/** The roadmap's limit: system, tools and the rolling message prefix fit in four. */
export const BREAKPOINT_LIMIT = 4;

export interface TurnRecord {
  kind: 'turn';
  shape: 'anthropic' | 'otel';
  session: string;
  /** Absent on an OTel span that carries no turn number: the reader numbers it in stream order. */
  turn: number | undefined;
  /** Epoch milliseconds. */
  ts: number;
  model: string | undefined;
  /** Uncached input tokens (Anthropic's meaning, whatever the shape). */
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /** The 5m/1h split of cacheCreation; undefined when the record does not carry it. */
  creation5m: number | undefined;
  creation1h: number | undefined;
  breakpoints: number | undefined;
  compaction: boolean;
  injection: boolean;
  /**
   * Whether the record carries a cache counter at all (cache_read_input_tokens,
   * cache_creation_input_tokens or cache_creation, null included where the API documents null
   * as none; gen_ai.usage.cache_read / cache_creation). Without one its cache numbers read 0,
   * which says nothing: a writer that does not record the cache is not a cache that never hits.
   */
  cacheCounted: boolean;
  /**
   * On a record without a cache counter, a count of the cache under a name no reader here reads:
   * a span's first other `gen_ai.usage.*` attribute with "cache" in its name (Anthropic's
   * `cache_read_input_tokens` under OpenTelemetry's prefix, say), or one of another convention's
   * token counts (`llm.usage.*`, `llm.token_count.*`); a usage record's first member of `usage`
   * with "cache" in its name (`usage.cache_read_tokens`). Not read as a counter, whose meaning may
   * differ (Anthropic's input leaves cached tokens out, OpenTelemetry's counts them) and would be
   * a guess, but named, so "no cache counter" says what was there instead.
   */
  cacheLookalike?: string;
  /**
   * An OTel span's id (`spanId`, after its `traceId` when it has one; without one, the
   * `gen_ai.response.id` of a span without a turn number), or a Claude Code log
   * record's `request_id`, else its `event.sequence`: a span or record without a turn number
   * read twice (a file beside its gzip copy) is one turn, known by it.
   */
  span: string | undefined;
}

export interface ForkTraceRecord {
  kind: 'fork_trace';
  session: string;
  turn: number;
  ts: number;
  misses: MissSource[];
  /**
   * A `diagnostics.cache_miss_reason.type` the API wrote that no source here stands for (a
   * reason added after this reader): it names no source, as a guess would be wrong, but is kept
   * so that a reason given and not read can be named.
   */
  unknownReason?: string;
}

/**
 * A compaction of a conversation that its turns do not mark (Claude Code logs one as an event of
 * its own, `claude_code.compaction`): the conversation's last turn before it in time is its
 * compaction turn, and the turn after that decides it, as for a turn marked `compaction`.
 */
export interface CompactionRecord {
  kind: 'compaction';
  session: string;
  ts: number;
  /** What tells the event read twice (a file beside its gzip copy) from a second compaction. */
  id: string;
}

export type TelemetryRecord = TurnRecord | ForkTraceRecord | CompactionRecord;

export type ParsedLine =
  /** `trace`: the misses a turn's own record names, read as the fork trace of that turn. */
  { ok: true; record: TelemetryRecord; trace?: ForkTraceRecord } | { ok: false; reason: string };

/**
 * A version a provider appends to a model's name: a date (`-20250929`, `-2024-08-06`, Google
 * Vertex's `@20250929`) or a release number (`-0613`, `-002`).
 */
const MODEL_VERSION = /^[-@](?:\d{3,4}|\d{8}|\d{4}-\d{2}-\d{2})$/;

/**
 * What precedes a model's name in an AWS Bedrock id: a cross-region inference profile's
 * geography (`us.`, `eu.`, `apac.`, `global.`, `us-gov.`), then the provider (`anthropic.`).
 */
const BEDROCK_PREFIX = /^(?:[a-z]{2,6}(?:-gov)?\.)?[a-z][a-z0-9]*\.(?=[a-z])/;
/** Bedrock's model version after the name and date (`-v2:0`; `:200k` names a context-length variant). */
const BEDROCK_VERSION = /-v(\d+(?::\d+)?)(?::\d+k)?$/;
/** Google Vertex's model version before its date (`claude-3-5-sonnet-v2@20241022`). */
const VERTEX_VERSION = /-v(\d+)(@\d{8})$/;
/** The families a client may name by the bare word (`sonnet`), meaning its current model. */
const FAMILIES = new Set(['sonnet', 'opus', 'haiku']);

/**
 * A model id as the Messages API names it, with the provider's own version apart: `rev` is
 * Bedrock's `v2:0` (`2:0`) or Vertex's `-v2@` (`2`), which tell apart two models of one name
 * and date (Claude 3.5 Sonnet v1 and v2); a path or ARN before the id is dropped.
 */
function modelId(raw: string): { name: string; rev?: string } {
  let name = raw.slice(raw.lastIndexOf('/') + 1);
  const bedrock = BEDROCK_PREFIX.exec(name);
  if (bedrock) name = name.slice(bedrock[0].length);
  // A `-v2` alone is Bedrock's only after Bedrock's prefix (`anthropic.claude-v2`): elsewhere
  // it may be part of the name. With a `:` it is Bedrock's wherever it stands.
  const version = BEDROCK_VERSION.exec(name);
  if (version && (bedrock || version[1]?.includes(':'))) {
    return { name: name.slice(0, version.index), rev: version[1] as string };
  }
  const vertex = VERTEX_VERSION.exec(name);
  if (vertex) name = `${name.slice(0, vertex.index)}${vertex[2] as string}`;
  // Vertex's `@20250929` is the Messages API's `-20250929`.
  name = name.replace(/@(\d{8})$/, '-$1');
  return vertex ? { name, rev: vertex[1] as string } : { name };
}

/** Whether two provider versions can be one: equal, or `2` against `2:0` (a version without its revision). */
function sameRev(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a === b) return true;
  const [x, y] = a.length <= b.length ? [a, b] : [b, a];
  return !x.includes(':') && y.startsWith(`${x}:`);
}

/** `sonnet` for a Claude model of that family (`claude-3-5-sonnet-…`, `claude-sonnet-4-5-…`). */
function family(name: string): string | undefined {
  const words = name.split('-');
  if (words[0] !== 'claude') return undefined;
  return words.find((w) => FAMILIES.has(w));
}

/**
 * Whether two model names name one model. OpenTelemetry's `gen_ai.request.model` is the model
 * asked for, `gen_ai.response.model` the one that answered, which may be a version of it (asked
 * `claude-sonnet-4-5`, answered by `claude-sonnet-4-5-20250929`; `gpt-4`, `gpt-4-0613`): a turn
 * whose span carries only the request is the same model as one whose span names that version,
 * and so is an alias ending `-latest` (`claude-3-5-sonnet-latest`, `claude-3-5-sonnet-20241022`).
 * A provider's id names the model it serves: AWS Bedrock's (`anthropic.claude-3-5-sonnet-20241022-v2:0`,
 * `us.` before it for a cross-region profile) and Google Vertex's (`claude-3-5-sonnet-v2@20241022`,
 * `claude-sonnet-4-5@20250929`) are the Messages API's `claude-3-5-sonnet-20241022` and
 * `claude-sonnet-4-5-20250929`; the bare family a client may write (`sonnet`, `opus`, `haiku`)
 * is any Claude model of that family. A switch read where there is none would excuse a cache
 * miss after a compaction, so a doubt reads as one model. Two versions of one model (two dates;
 * Bedrock's `-v1:0` and `-v2:0` of one date), or names that differ otherwise (`claude-sonnet-4`,
 * `claude-sonnet-4-5`; `sonnet`, `opus`), are different models.
 */
export function sameModel(a: string, b: string): boolean {
  if (a === b) return true;
  const x = modelId(a);
  const y = modelId(b);
  if (!sameRev(x.rev, y.rev)) return false;
  if (x.name === y.name) return x.name !== '';
  // The bare family against a full name: one model unless the name is of another family.
  const fx = FAMILIES.has(x.name) ? x.name : undefined;
  const fy = FAMILIES.has(y.name) ? y.name : undefined;
  if (fx !== undefined || fy !== undefined) {
    return fx !== undefined && fy !== undefined ? fx === fy : (fx ?? fy) === family(fx ? y.name : x.name);
  }
  const [short, long] = x.name.length <= y.name.length ? [x.name, y.name] : [y.name, x.name];
  const base = short.endsWith('-latest') ? short.slice(0, -'-latest'.length) : short;
  return base !== '' && long.startsWith(base) && MODEL_VERSION.test(long.slice(base.length));
}

/** The wrapped Anthropic shape: the SDK's own `Usage`, nothing redeclared. */
interface AnthropicTurnLine {
  session_id: string;
  turn: number;
  ts: string | number;
  model?: string;
  usage: Usage;
  compaction?: boolean;
  injection?: boolean;
  cache_breakpoints?: number;
}

const OTEL_INPUT = 'gen_ai.usage.input_tokens';
const OTEL_OUTPUT = 'gen_ai.usage.output_tokens';
const OTEL_READ = 'gen_ai.usage.cache_read.input_tokens';
const OTEL_CREATION = 'gen_ai.usage.cache_creation.input_tokens';

const bad = (reason: string): ParsedLine => ({ ok: false, reason });

/**
 * Where a span's cache counter under another name lies (TurnRecord.cacheLookalike): OpenTelemetry's
 * usage prefix with another name after it, or the token counts of another convention for LLM spans
 * (OpenLLMetry's `llm.usage.*`, OpenInference's `llm.token_count.*`).
 */
const LOOKALIKE_PREFIXES = ['gen_ai.usage.', 'llm.usage.', 'llm.token_count.'] as const;
/** Where an Anthropic usage record's lies: its `usage` object, named as the report names it. */
const USAGE_PREFIX = 'usage.';
const API_READ = 'usage.cache_read_input_tokens';
const API_CREATION = 'usage.cache_creation_input_tokens';

/** Whether a span attribute names a cache count under a name no convention reads (TurnRecord.cacheLookalike). */
function isCacheLookalike(key: string): boolean {
  for (const prefix of LOOKALIKE_PREFIXES) if (key.startsWith(prefix)) return key.includes('cache', prefix.length);
  return false;
}

/** The conventional counter an attribute named like a cache counter stands for (TurnRecord.cacheLookalike). */
export function expectedCacheCounter(name: string): string {
  const usage = name.startsWith(USAGE_PREFIX);
  const prefix = usage ? USAGE_PREFIX : (LOOKALIKE_PREFIXES.find((p) => name.startsWith(p)) ?? '');
  const rest = name.slice(prefix.length);
  const read = /read|hit/.test(rest);
  const write = /creat|writ/.test(rest);
  const [r, c] = usage ? [API_READ, API_CREATION] : [OTEL_READ, OTEL_CREATION];
  return read === write ? `${r} or ${c}` : read ? r : c;
}

/**
 * What a report says of a cache counter under another name (TurnRecord.cacheLookalike), after
 * "records carry": the attribute found, where its first record lies (file:line), and the one expected.
 */
export function describeCacheLookalike(name: string, at?: string): string {
  const found = at === undefined ? name : `${name} (first at ${at})`;
  return name.startsWith(USAGE_PREFIX)
    ? `${found}, which is not read as a cache counter: Anthropic's Messages API names it ${expectedCacheCounter(name)}`
    : `${found}, which is not read as a cache counter: OpenTelemetry's GenAI conventions name it ${expectedCacheCounter(name)}, and count cached tokens in ${OTEL_INPUT} too`;
}

/**
 * TurnRecord.cacheLookalike of a span with no cache counter: its first attribute named like one,
 * flat on the line, then under `attributes` (an object or OTLP's list). extract.ts declines the
 * same spans.
 */
function spanCacheLookalike(o: Record<string, unknown>): string | undefined {
  for (const k of Object.keys(o)) if (isCacheLookalike(k)) return k;
  const a = o.attributes;
  if (Array.isArray(a)) {
    for (const kv of a as { key?: unknown }[])
      if (typeof kv?.key === 'string' && isCacheLookalike(kv.key)) return kv.key;
  } else if (a && typeof a === 'object') {
    for (const k of Object.keys(a)) if (isCacheLookalike(k)) return k;
  }
  return undefined;
}

/**
 * TurnRecord.cacheLookalike of an Anthropic usage record with no cache counter: the first member of
 * its `usage` with "cache" in its name (`cache_read_tokens`, `cache_write_tokens`), as
 * `usage.<name>`. extract.ts declines the same records.
 */
function usageCacheLookalike(u: object): string | undefined {
  for (const k of Object.keys(u)) if (k.includes('cache')) return `${USAGE_PREFIX}${k}`;
  return undefined;
}

/** The records a line holds, in reading order: one, a turn and its trace, or an OTLP export's turns. */
export type ParsedRecords = { ok: true; records: TelemetryRecord[] } | { ok: false; reason: string };

/** The JSON object a line holds, or why it holds none. */
function jsonObject(text: string): Record<string, unknown> | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return `not JSON (${(e as Error).message.split('\n')[0]})`;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'not a JSON object';
  return raw as Record<string, unknown>;
}

/**
 * Every record of a line, as the reader takes them: what parseLine reads, or, for a line
 * holding a whole OTLP/JSON export (`{"resourceSpans":[…]}`, one export per line as the
 * OpenTelemetry Collector's file exporter writes it), one turn per span that carries gen_ai usage
 * attributes, each read as a span on a line of its own is. Spans without them (HTTP calls, tool
 * runs) are not turns and are passed over. One malformed turn span makes the line malformed,
 * named by its place in the export: the export's other turns alone would be a partial count.
 */
export function parseRecords(text: string): ParsedRecords {
  lineText = text;
  try {
    return recordsOf(text);
  } finally {
    lineText = '';
  }
}

function recordsOf(text: string): ParsedRecords {
  const o = jsonObject(text);
  if (typeof o === 'string') return { ok: false, reason: o };
  if (o.resourceSpans !== undefined) return otlpExport(o.resourceSpans);
  if (o.resourceLogs !== undefined) return otlpLogExport(o.resourceLogs);
  // A metrics export (Claude Code's token and cost counters, written beside its events by the
  // same Collector) sums requests over an interval: no turn, passed over as a span without
  // usage is, so a glob over a folder of both does not read it as a mostly malformed file.
  if (o.resourceMetrics !== undefined) {
    const metrics = otlpList(o.resourceMetrics, 'resourceMetrics');
    return typeof metrics === 'string' ? { ok: false, reason: metrics } : { ok: true, records: [] };
  }
  // A span of its own that carries no gen_ai usage (a tool run, an agent invocation) is no turn,
  // and is passed over as it is in an export: a log of one span per line holds several such
  // spans per turn, and each read as malformed would make the file look mostly malformed.
  const span = spanWithoutUsage(o);
  if (span === 'no turn' || span === 'failed request') return { ok: true, records: [] };
  if (span !== undefined) return span.ok ? { ok: true, records: [span.record] } : span;
  const p = parseObject(o);
  if (!p.ok) return p;
  return { ok: true, records: p.trace ? [p.record, p.trace] : [p.record] };
}

/**
 * A line of its own that is no usage record or trace and carries no gen_ai usage: Claude Code's
 * llm_request span, which carries its counts under names of its own, read as its api_request
 * event is (its turn, why it cannot be read, or `failed request` for one without counts);
 * `no turn` for another span with gen_ai attributes, or shaped as a span without any;
 * undefined for anything else, which parseObject reads.
 */
function spanWithoutUsage(o: Record<string, unknown>): ParsedLine | 'no turn' | 'failed request' | undefined {
  if (o.usage !== undefined || o.type !== undefined || o.misses !== undefined) return undefined;
  const attrs = otelAttributes(o);
  if (attrs !== undefined && Object.keys(attrs).some((key) => key.startsWith('gen_ai.usage.'))) return undefined;
  const all = spanAttributes(o.attributes);
  if (isLlmRequestSpan(o, all)) return claudeCodeSpan(o, all) ?? 'failed request';
  return attrs !== undefined || spanShaped(o) ? 'no turn' : undefined;
}

/**
 * Whether a line with no gen_ai attribute at all is a span or log record nonetheless (an HTTP
 * call's span beside the model's): OTLP's ids or its times, or the `context` of the SDKs'
 * console exporters. Such a line is no turn, as it is inside an export, not a malformed one.
 */
function spanShaped(o: Record<string, unknown>): boolean {
  if (typeof o.traceId === 'string' || typeof o.spanId === 'string') return true;
  if (['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano'].some((k) => o[k] !== undefined)) return true;
  const c = o.context;
  return c !== null && typeof c === 'object' && typeof (c as Record<string, unknown>).span_id === 'string';
}

/**
 * One record of a line, as the file reader reads it: Claude Code's `claude_code.llm_request`
 * span included, the same turn. A line holding an OTLP export holds many, which parseRecords
 * reads; a line holding none (an llm_request span of a failed request, a span without gen_ai
 * usage) is no record, and says why.
 */
export function parseLine(text: string): ParsedLine {
  lineText = text;
  try {
    const o = jsonObject(text);
    if (typeof o === 'string') return bad(o);
    for (const key of ['resourceSpans', 'resourceLogs', 'resourceMetrics']) {
      if (o[key] !== undefined) return bad(`an OTLP/JSON export (${key}) holds many records, not one`);
    }
    const span = spanWithoutUsage(o);
    if (span === 'failed request') {
      return bad(
        `a ${CLAUDE_CODE_LLM_REQUEST} span without token counts, or with success false, is a failed request: no turn`,
      );
    }
    if (span !== undefined && span !== 'no turn') return span;
    return parseObject(o);
  } finally {
    lineText = '';
  }
}

/** The line being parsed, while it is: a number JSON.parse rounded is quoted from it as written. */
let lineText = '';

/**
 * How the line writes the number JSON.parse read as x: a literal (9007199254740993, 1e300), or a
 * string of digits (OTLP's intValue); undefined when no such number is found or several are
 * (9007199254740993 beside 9007199254740992 read as one value), rather than quote another one.
 */
function asWritten(x: number): string | undefined {
  const numbers = new Set<string>();
  const strings = new Set<string>();
  // Strings are matched whole, so the digits inside a key or a text are not taken for a number.
  for (const [token] of lineText.matchAll(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) {
    if (!token.startsWith('"')) {
      if (Number(token) === x) numbers.add(token);
    } else if (/^"-?\d+"$/.test(token) && Number(token.slice(1, -1)) === x) strings.add(token.slice(1, -1));
  }
  const found = numbers.size > 0 ? numbers : strings;
  return found.size === 1 ? [...found][0] : undefined;
}

function parseObject(o: Record<string, unknown>): ParsedLine {
  const attrs = o.usage === undefined ? otelAttributes(o) : undefined;
  // A turn's own record may name why it missed: both are read, the turn and its trace. Read
  // as a trace only, its tokens would vanish, and the turns a writer annotates are the ones
  // that missed. So is a fork_trace that carries its turn's usage: its type says it is a
  // trace, its usage that it is a turn too.
  const usageLine = o.usage !== undefined || (attrs !== undefined && attrs[OTEL_INPUT] !== undefined);
  // The API's diagnosis of the turn's miss, logged beside its usage, is a trace of the turn as
  // its `misses` are; `diagnostics: null` (none asked for) is none.
  const diagnosed = o.usage !== undefined && o.diagnostics !== undefined && o.diagnostics !== null;
  if (usageLine && (Array.isArray(o.misses) || (diagnosed && (o.misses === undefined || o.misses === null)))) {
    return annotatedTurn(o, attrs);
  }
  if (o.type === 'fork_trace') return forkTrace(o);
  // A turn naming its misses otherwise (one source as a string) would be read without them, and
  // its miss counted as unexplained without a word; null names none.
  if (usageLine && o.misses !== undefined && o.misses !== null) {
    return bad(`misses is not a list; write the sources as one, such as ["tools"] (${MISS_SOURCES.join(', ')})`);
  }
  if (Array.isArray(o.misses)) return forkTrace(o);
  if (o.usage !== undefined) return anthropic(o);
  if (attrs) return otel(o, attrs);
  return bad('not a known record shape (expected an Anthropic usage record, OTel gen_ai attributes or a fork_trace)');
}

/** A token or turn count: a whole number small enough to be exact (1e300 is not a count). */
function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Why `field` holding x is no count ("usage.input_tokens is negative (-5)"), or undefined when
 * it is one: a negative or oversized number is a whole number all the same, and saying it is not
 * would send the writer looking for a fraction.
 */
function notCount(field: string, x: unknown, orNull = false): string | undefined {
  if (isCount(x)) return undefined;
  // Absent is not "not a whole number": that would send the writer looking at a value it never wrote.
  if (x === undefined) return `no ${field}`;
  // Past 2^53 - 1 a double skips whole numbers: JSON.parse reads 9007199254740993 as …992, so
  // the number is quoted as the line writes it, not as it was read.
  const shown = typeof x === 'number' ? (Number.isSafeInteger(x) ? String(x) : asWritten(x)) : undefined;
  if (typeof x === 'number' && x < 0) {
    return `${field} is negative${shown === undefined ? '' : ` (${shown})`}; a count is 0 or more`;
  }
  if (typeof x === 'number' && x > Number.MAX_SAFE_INTEGER) {
    return `${field} is ${shown === undefined ? '' : `${shown}, `}more than ${Number.MAX_SAFE_INTEGER}, the largest count a JSON number holds exactly`;
  }
  // What the line holds is named: "not a whole number" alone sends the writer looking for a
  // fraction where it wrote null or a count in quotes.
  const what = typeof x === 'number' ? (shown ?? String(x)) : described(x);
  const quoted = typeof x === 'string' && /^\d+$/.test(x) ? '; write it as a JSON number, without quotes' : '';
  return `${field} is ${what}, not a whole number${orNull ? ' or null' : ''}${quoted}`;
}

/** Digits at [at, at + len) of s as a number, or -1 if any is not a digit. */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Midnight UTC of a calendar date as epoch milliseconds; NaN for an impossible date (2026-02-30). */
export function utcDateMs(y: number, mo: number, d: number): number {
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return Number.NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && !leap ? 28 : (DAYS[mo - 1] ?? 31))) return Number.NaN;
  // Date.UTC reads years 0–99 as 1900–1999; 400 years later the calendar is the same.
  return y < 100 ? Date.UTC(y + 400, mo - 1, d) - YEARS_400_MS : Date.UTC(y, mo - 1, d);
}

const YEARS_400_MS = 146_097 * 86_400_000;
/** The last instant a Date can hold (ECMAScript's time value range). */
export const MAX_TIME_MS = 8.64e15;

/**
 * `YYYY-MM-DDTHH:MM:SSZ` or `…SS.sssZ`, the form writers emit, read without Date.parse (which
 * costs more than the rest of a line); anything else goes to Date.parse. The `T` and the `Z`
 * may be lower case, as RFC 3339 (§5.6) allows.
 */
function isoUtc(x: string): number | undefined {
  const n = x.length;
  if (n !== 20 && n !== 24) return undefined;
  // `| 0x20` folds the upper-case letter onto the lower-case one.
  if ((x.charCodeAt(n - 1) | 0x20) !== 0x7a /* z */ || (x.charCodeAt(10) | 0x20) !== 0x74 /* t */) return undefined;
  if (x[4] !== '-' || x[7] !== '-' || x[13] !== ':' || x[16] !== ':' || (n === 24 && x[19] !== '.')) return undefined;
  const y = digits(x, 0, 4);
  const mo = digits(x, 5, 2);
  const d = digits(x, 8, 2);
  const h = digits(x, 11, 2);
  const mi = digits(x, 14, 2);
  const s = digits(x, 17, 2);
  const ms = n === 24 ? digits(x, 20, 3) : 0;
  if (ms < 0 || h < 0 || mi < 0 || mi > 59 || s < 0 || s > 59) return Number.NaN;
  // 24:00:00 is the end of the day, as ISO-8601 and Date.parse (so --as-of) read it.
  if (h > 24 || (h === 24 && (mi > 0 || s > 0 || ms > 0))) return Number.NaN;
  return utcDateMs(y, mo, d) + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

/**
 * The least epoch-millisecond `ts` taken (in magnitude): 1e11 ms is 1973-03-03T09:46:40Z, before
 * any agent telemetry, while every instant from then to the year 5138 in epoch SECONDS is below
 * it. A numeric ts under it is a writer's seconds (or a placeholder), which read as milliseconds
 * would put the turn in January 1970, outside every window, without a word.
 */
export const MIN_TIME_MS = 1e11;

/**
 * The least numeric `ts` read as a finer unit than milliseconds: 1e14 ms is the year 5138, no
 * agent's turn, while it is 1973-03-03T09:46:40Z in epoch MICROSECONDS (and 1e17 the same instant
 * in nanoseconds), the unit of Python's `time.time_ns() // 1000` or Go's `UnixMicro()`. Read as
 * milliseconds such a turn would sit after every `as_of`, left out of every window without a word.
 */
export const MIN_MICROS_TS = MIN_TIME_MS * 1000;

const TS_BAD = 'ts is not an ISO-8601 instant or epoch milliseconds';
const TS_INSTEAD = 'write epoch milliseconds or an ISO-8601 instant';

/** A `ts` in epoch milliseconds, or why it is none. */
function timestamp(x: unknown): number | string {
  if (typeof x === 'number') {
    const abs = Math.abs(x);
    // The instant they name is shown, as for seconds below.
    if (x >= MIN_MICROS_TS && x < MIN_MICROS_TS * 1e6) {
      const [unit, perMs] = x >= MIN_MICROS_TS * 1000 ? ['nanoseconds', 1e6] : ['microseconds', 1e3];
      return `ts ${x} looks like ${unit} since the epoch (${new Date(Math.floor(x / perMs)).toISOString()}); ${TS_INSTEAD}`;
    }
    if (abs > MAX_TIME_MS) return TS_BAD;
    // Before 1970: no writer's clock stamps a turn so, whatever its size (seconds or
    // milliseconds); read, it would sit in every last_turns window and outside every time window.
    if (x < 0) {
      return `ts ${x} is negative: as epoch milliseconds it is ${new Date(x).toISOString()}, before the epoch, no agent's turn; ${TS_INSTEAD}`;
    }
    if (abs >= MIN_TIME_MS) return x;
    // From 1e8 (1973-03-03 in seconds) the number is most likely seconds: the instant they name is
    // shown. Below, it is no instant a writer means (0, a placeholder): what it reads as is shown.
    return abs >= MIN_TIME_MS / 1000
      ? `ts ${x} looks like seconds since the epoch (${new Date(x * 1000).toISOString()}); ${TS_INSTEAD}`
      : `ts ${x} as epoch milliseconds is ${new Date(x).toISOString()}, before any agent telemetry; ${TS_INSTEAD}`;
  }
  // Epoch milliseconds in quotes are text, not a number: said so, not called a bad ISO-8601 instant.
  if (typeof x === 'string' && /^\d{10,13}$/.test(x)) {
    return `ts ${JSON.stringify(x)} is a number written as text; write epoch milliseconds as a JSON number, without quotes`;
  }
  if (typeof x === 'string' && x.length >= 10) {
    const fast = isoUtc(x);
    if (fast !== undefined) return Number.isNaN(fast) ? TS_BAD : fast;
    // Only ISO-8601, read as --as-of reads it: Date.parse alone also takes "Dec 1 2026 10:00"
    // and reads it in the machine's time zone, so two machines would disagree.
    const ms = instantMs(x);
    return Number.isNaN(ms) ? TS_BAD : ms;
  }
  return TS_BAD;
}

/**
 * Why a session id read from `field` is none, or undefined. A blank one ("", " ", "\t") names no
 * session: the turns of every writer that leaves it blank would fold into one.
 */
function blankSession(field: string, id: string): string | undefined {
  return id.trim() === '' ? `${field} is blank; write the id of the session the turn belongs to` : undefined;
}

/**
 * Why a session id field holds no id: it is not there, or it is not text. An id written as a
 * number is there all the same: "no session_id" would send its writer looking for a missing key.
 */
function noSession(field: string, x: unknown): string {
  if (x === undefined || x === null) return `no ${field}`;
  const what = typeof x === 'object' ? (Array.isArray(x) ? 'a list' : 'an object') : `${typeof x} ${JSON.stringify(x)}`;
  return `${field} is ${what}, not text; write the session's id as a string`;
}

function sessionAndTurn(o: Record<string, unknown>): { session: string; turn: number; ts: number } | string {
  if (typeof o.session_id !== 'string') return noSession('session_id', o.session_id);
  const blank = blankSession('session_id', o.session_id);
  if (blank !== undefined) return blank;
  const turn = notCount('turn', o.turn);
  if (turn !== undefined) return turn;
  // Absent is not "not an instant": that would send the writer looking at a value it never wrote.
  if (o.ts === undefined) {
    return `no ts${o.timestamp === undefined ? '' : ', but timestamp: name the field ts'}; ${TS_INSTEAD}`;
  }
  const ts = timestamp(o.ts);
  if (typeof ts === 'string') return ts;
  return { session: o.session_id, turn: o.turn as number, ts };
}

function flags(o: Record<string, unknown>): Pick<TurnRecord, 'compaction' | 'injection' | 'breakpoints'> | string {
  for (const k of ['compaction', 'injection'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') return `${k} must be true or false`;
  }
  if (o.cache_breakpoints !== undefined) {
    const why = notCount('cache_breakpoints', o.cache_breakpoints);
    if (why !== undefined) return why;
  }
  return {
    compaction: o.compaction === true,
    injection: o.injection === true,
    breakpoints: o.cache_breakpoints as number | undefined,
  };
}

function anthropic(o: Record<string, unknown>): ParsedLine {
  const where = sessionAndTurn(o);
  if (typeof where === 'string') return bad(where);
  const f = flags(o);
  if (typeof f === 'string') return bad(f);
  if (o.usage === null || typeof o.usage !== 'object') return bad('usage is not an object');
  const line = o as unknown as AnthropicTurnLine;
  const u = line.usage;
  // input_tokens and output_tokens are never null in the API: a null there is a broken record.
  const tokens = notCount('usage.input_tokens', u.input_tokens) ?? notCount('usage.output_tokens', u.output_tokens);
  if (tokens !== undefined) return bad(tokens);
  const nullable = (name: 'cache_read_input_tokens' | 'cache_creation_input_tokens'): number | string => {
    const v = u[name];
    if (v === null || v === undefined) return 0;
    return notCount(`usage.${name}`, v, true) ?? v;
  };
  const cacheRead = nullable('cache_read_input_tokens');
  if (typeof cacheRead === 'string') return bad(cacheRead);
  const cacheCreation = nullable('cache_creation_input_tokens');
  if (typeof cacheCreation === 'string') return bad(cacheCreation);
  let creation5m: number | undefined;
  let creation1h: number | undefined;
  const split = u.cache_creation;
  if (split !== null && split !== undefined) {
    if (!isCount(split.ephemeral_5m_input_tokens) || !isCount(split.ephemeral_1h_input_tokens)) {
      const why = (name: 'ephemeral_5m_input_tokens' | 'ephemeral_1h_input_tokens') => {
        const v: unknown = split[name];
        return typeof v === 'number' ? notCount(`usage.cache_creation.${name}`, v) : undefined;
      };
      return bad(
        why('ephemeral_5m_input_tokens') ??
          why('ephemeral_1h_input_tokens') ??
          'usage.cache_creation must hold whole ephemeral_5m_input_tokens and ephemeral_1h_input_tokens',
      );
    }
    if (split.ephemeral_5m_input_tokens + split.ephemeral_1h_input_tokens !== cacheCreation) {
      return bad(
        `usage.cache_creation splits ${split.ephemeral_5m_input_tokens + split.ephemeral_1h_input_tokens} tokens but cache_creation_input_tokens is ${u.cache_creation_input_tokens === undefined ? 'not there' : String(u.cache_creation_input_tokens)}${u.cache_creation_input_tokens === undefined || u.cache_creation_input_tokens === null ? '; write their sum there' : ''}`,
      );
    }
    creation5m = split.ephemeral_5m_input_tokens;
    creation1h = split.ephemeral_1h_input_tokens;
  }
  const cacheCounted =
    u.cache_read_input_tokens !== undefined ||
    u.cache_creation_input_tokens !== undefined ||
    u.cache_creation !== undefined;
  const lookalike = cacheCounted ? undefined : usageCacheLookalike(u);
  return {
    ok: true,
    record: {
      kind: 'turn',
      shape: 'anthropic',
      ...where,
      model: typeof line.model === 'string' ? line.model : undefined,
      input: u.input_tokens,
      output: u.output_tokens,
      cacheRead,
      cacheCreation,
      creation5m,
      creation1h,
      cacheCounted,
      ...(lookalike !== undefined ? { cacheLookalike: lookalike } : {}),
      span: undefined,
      ...f,
    },
  };
}

/**
 * An OTLP/JSON attribute value as a plain one. OTLP/JSON encodes 64-bit integers as decimal
 * strings; anything else (null, "", "0x64") is passed on as it is, for the count checks to reject.
 */
function otlpValue(value: Record<string, unknown> | undefined): unknown {
  const v = value ?? {};
  if (v.intValue === undefined) return v.stringValue ?? v.doubleValue ?? v.boolValue;
  return typeof v.intValue === 'string' && /^-?\d+$/.test(v.intValue) ? Number(v.intValue) : v.intValue;
}

/** The gen_ai attributes of a line, whichever of the three layouts it uses; undefined when it has none. */
function otelAttributes(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let found = false;
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('gen_ai.')) {
      out[k] = v;
      found = true;
    }
  }
  const a = o.attributes;
  if (Array.isArray(a)) {
    for (const kv of a as { key?: unknown; value?: Record<string, unknown> }[]) {
      if (typeof kv?.key !== 'string' || !kv.key.startsWith('gen_ai.')) continue;
      out[kv.key] = otlpValue(kv.value);
      found = true;
    }
  } else if (a && typeof a === 'object') {
    for (const [k, v] of Object.entries(a as Record<string, unknown>)) {
      if (k.startsWith('gen_ai.')) {
        out[k] = v;
        found = true;
      }
    }
  }
  return found ? out : undefined;
}

/** The span's time in epoch milliseconds, or why it has none a Date can hold. */
function otelTimestamp(o: Record<string, unknown>): number | string {
  if (o.ts !== undefined) return timestamp(o.ts);
  for (const k of ['startTimeUnixNano', 'timeUnixNano', 'endTimeUnixNano']) {
    const v = o[k];
    if (v === undefined) continue;
    // OTLP's times are unsigned nanoseconds since the epoch, as a number or a decimal string.
    let ms: number | undefined;
    if (typeof v === 'string' && /^\d+$/.test(v)) ms = Number(BigInt(v) / 1_000_000n);
    else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) ms = Math.floor(v / 1_000_000);
    if (ms === undefined) return `${k} is not a whole number of nanoseconds`;
    if (ms > MAX_TIME_MS) return `${k} is out of range (after the year 275760)`;
    // As for a numeric ts: an instant before MIN_TIME_MS (0, a placeholder, or seconds or
    // milliseconds written where nanoseconds belong) would put the turn in 1970, inside every
    // --last-turns window and outside every time window, without a word.
    if (ms < MIN_TIME_MS) {
      return `${k} ${String(v)} as nanoseconds since the epoch is ${new Date(ms).toISOString()}, before any agent telemetry; OTLP times are nanoseconds since the epoch`;
    }
    return ms;
  }
  return 'no ts, startTimeUnixNano or timeUnixNano';
}

function otel(o: Record<string, unknown>, a: Record<string, unknown>): ParsedLine {
  const conversation = a['gen_ai.conversation.id'];
  const session = conversation ?? o.session_id;
  if (typeof session !== 'string') {
    return bad(
      conversation !== undefined && conversation !== null
        ? noSession('gen_ai.conversation.id', conversation)
        : o.session_id !== undefined && o.session_id !== null
          ? noSession('session_id', o.session_id)
          : 'no gen_ai.conversation.id or session_id',
    );
  }
  const field = conversation === undefined || conversation === null ? 'session_id' : 'gen_ai.conversation.id';
  const blank = blankSession(field, session);
  if (blank !== undefined) return bad(blank);
  const ts = otelTimestamp(o);
  if (typeof ts === 'string') return bad(ts);
  // null is no turn number, as absent is: the span is numbered in reading order.
  const turn = o.turn === undefined || o.turn === null ? undefined : notCount('turn', o.turn);
  if (turn !== undefined) return bad(turn);
  const f = flags(o);
  if (typeof f === 'string') return bad(f);
  const count = (k: string, optional: boolean): number | string => {
    const v = a[k];
    if ((v === undefined || v === null) && optional) return 0;
    return notCount(k, v) ?? (v as number);
  };
  // Semantic conventions before 1.27 named the input count gen_ai.usage.prompt_tokens, and
  // instrumentations still deployed write it: named, so the writer knows what to rename.
  if (a[OTEL_INPUT] === undefined && a['gen_ai.usage.prompt_tokens'] !== undefined) {
    return bad(
      `no ${OTEL_INPUT}, but gen_ai.usage.prompt_tokens, its name before OpenTelemetry's GenAI conventions 1.27: write the input count, cached tokens included, as ${OTEL_INPUT}`,
    );
  }
  const total = count(OTEL_INPUT, false);
  if (typeof total === 'string') return bad(total);
  const output = count(OTEL_OUTPUT, true);
  if (typeof output === 'string') return bad(output);
  const cacheRead = count(OTEL_READ, true);
  if (typeof cacheRead === 'string') return bad(cacheRead);
  const cacheCreation = count(OTEL_CREATION, true);
  if (typeof cacheCreation === 'string') return bad(cacheCreation);
  const input = total - cacheRead - cacheCreation;
  if (input < 0) {
    return bad(
      `${OTEL_INPUT} (${total}) is smaller than its cached parts (${cacheRead} read + ${cacheCreation} written); OpenTelemetry's input count includes cached tokens`,
    );
  }
  const model = a['gen_ai.response.model'] ?? a['gen_ai.request.model'];
  const cacheCounted = OTEL_READ in a || OTEL_CREATION in a;
  const lookalike = cacheCounted ? undefined : spanCacheLookalike(o);
  return {
    ok: true,
    record: {
      kind: 'turn',
      shape: 'otel',
      session,
      turn: o.turn === null ? undefined : (o.turn as number | undefined),
      ts,
      model: typeof model === 'string' ? model : undefined,
      input,
      output,
      cacheRead,
      cacheCreation,
      creation5m: undefined,
      creation1h: undefined,
      cacheCounted,
      ...(lookalike !== undefined ? { cacheLookalike: lookalike } : {}),
      span: spanIdentity(o, a),
      ...f,
    },
  };
}

/**
 * What tells a span read twice from two turns (TurnRecord.span): its `spanId` (after its
 * `traceId`); without one, and without a turn number, the `gen_ai.response.id` OpenTelemetry's
 * GenAI conventions define as the completion's unique identifier, so a file of a writer that
 * sets no span ids, read beside its gzip copy, counts once. A span with a turn number is known
 * by it, and the byte reader reads no response id.
 */
function spanIdentity(o: Record<string, unknown>, a: Record<string, unknown>): string | undefined {
  if (typeof o.spanId === 'string' && o.spanId !== '') {
    return typeof o.traceId === 'string' && o.traceId !== '' ? `${o.traceId}/${o.spanId}` : o.spanId;
  }
  const response = a['gen_ai.response.id'];
  if ((o.turn === undefined || o.turn === null) && typeof response === 'string' && response.trim() !== '') {
    return `gen_ai.response.id ${response}`;
  }
  return undefined;
}

/** A list of objects at `where` in an export: absent is none, as OTLP/JSON omits an empty list. */
function otlpList(x: unknown, where: string): Record<string, unknown>[] | string {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x) || x.some((e) => e === null || typeof e !== 'object' || Array.isArray(e))) {
    return `${where} is not a list of objects`;
  }
  return x as Record<string, unknown>[];
}

/** Where an OTLP/JSON export keeps its items (spans, log records), and what they are called in a reason. */
interface OtlpLayout {
  top: string;
  scopes: string;
  /** OTLP before 0.15 (exporters still deployed) named the scope list instrumentationLibrary*. */
  legacy: string;
  items: string;
  /** After an item's place in a reason: which record it is, when the place alone does not say. */
  label: (item: Record<string, unknown>) => string;
  others: string;
}

/**
 * The turns of an OTLP/JSON export, in the export's order: `turn` reads an item as one, or
 * passes it over (undefined). One item that cannot be read makes the whole line malformed.
 */
function otlpTurns(
  x: unknown,
  l: OtlpLayout,
  turn: (item: Record<string, unknown>) => ParsedLine | undefined,
): ParsedRecords {
  const records: TelemetryRecord[] = [];
  const resources = otlpList(x, l.top);
  if (typeof resources === 'string') return { ok: false, reason: resources };
  for (const [i, resource] of resources.entries()) {
    const name = resource[l.scopes] === undefined && resource[l.legacy] !== undefined ? l.legacy : l.scopes;
    const scopes = otlpList(resource[name], `${l.top}[${i}].${name}`);
    if (typeof scopes === 'string') return { ok: false, reason: scopes };
    for (const [j, scope] of scopes.entries()) {
      const where = `${l.top}[${i}].${name}[${j}].${l.items}`;
      const items = otlpList(scope[l.items], where);
      if (typeof items === 'string') return { ok: false, reason: items };
      for (const [k, item] of items.entries()) {
        const p = turn(item);
        if (p === undefined) continue;
        if (!p.ok) {
          return {
            ok: false,
            reason: `${where}[${k}]${l.label(item)}: ${p.reason}; the export's other ${l.others} are not read either`,
          };
        }
        records.push(p.record);
      }
    }
  }
  return { ok: true, records };
}

/** The turns of an OTLP/JSON trace export: the spans carrying gen_ai usage. */
function otlpExport(resourceSpans: unknown): ParsedRecords {
  const layout = {
    top: 'resourceSpans',
    scopes: 'scopeSpans',
    legacy: 'instrumentationLibrarySpans',
    items: 'spans',
    label: (span: Record<string, unknown>) =>
      isLlmRequestSpan(span, spanAttributes(span.attributes)) ? ` (${CLAUDE_CODE_LLM_REQUEST})` : '',
    others: 'spans',
  };
  return otlpTurns(resourceSpans, layout, (span) => {
    const attrs = otelAttributes(span);
    if (attrs === undefined || !Object.keys(attrs).some((key) => key.startsWith('gen_ai.usage.'))) {
      const all = spanAttributes(span.attributes);
      return isLlmRequestSpan(span, all) ? claudeCodeSpan(span, all) : undefined;
    }
    return otel(span, attrs);
  });
}

/** Claude Code's event for each API request to Claude: one model turn. */
const CLAUDE_CODE_REQUEST = 'claude_code.api_request';

/** A log record's OTLP `[{key, value}]` attributes as plain values (otlpValue). */
function logAttributes(x: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(x)) return out;
  for (const kv of x as { key?: unknown; value?: Record<string, unknown> }[]) {
    if (typeof kv?.key === 'string') out[kv.key] = otlpValue(kv.value);
  }
  return out;
}

/** Whether a log record is Claude Code's api_request event, by any of the names OTLP gives an event. */
function isRequestEvent(r: Record<string, unknown>, a: Record<string, unknown>): boolean {
  const body = r.body as { stringValue?: unknown } | null | undefined;
  return (
    a['event.name'] === 'api_request' ||
    r.eventName === CLAUDE_CODE_REQUEST ||
    (body !== null && typeof body === 'object' && body.stringValue === CLAUDE_CODE_REQUEST)
  );
}

/** Claude Code's event for a conversation compaction, logged when it completes. */
const CLAUDE_CODE_COMPACTION = 'claude_code.compaction';

/** Whether a log record is Claude Code's compaction event, by any of the names OTLP gives an event. */
function isCompactionEvent(r: Record<string, unknown>, a: Record<string, unknown>): boolean {
  const body = r.body as { stringValue?: unknown } | null | undefined;
  return (
    a['event.name'] === 'compaction' ||
    r.eventName === CLAUDE_CODE_COMPACTION ||
    (body !== null && typeof body === 'object' && body.stringValue === CLAUDE_CODE_COMPACTION)
  );
}

/** The `query_source` of a request of the session's own conversation (Claude Code's monitoring documentation). */
const MAIN_THREAD = 'repl_main_thread';

/**
 * The conversation a `claude_code.api_request` (or its `claude_code.llm_request` span) belongs
 * to. A subagent's requests and a compaction's share their session's `session.id`, but not its
 * cached prefix: a subagent starts cold, and read as the session's next turn it would show the
 * conversation missing its cache. The event's `query_source` names the subsystem that issued
 * the request (`repl_main_thread`, `compact`, or a subagent's name), so each other subsystem is
 * a conversation of its own, `<session.id>/<source>`. A record without it (written before
 * Claude Code recorded it) is the session's, as it was read before.
 *
 * The span writes `query_source_safe` instead, unless detailed beta tracing is on, where `:` is
 * `.` (`agent.builtin.general-purpose`): a team that exports both, some requests only in one
 * of them, would see one subagent's turns split in two conversations, each judged as a
 * sequence of its own. So every source is named in its safe form. A user-named agent is the
 * exception: its query_source carries its name (`agent:custom:reviewer`) where the safe form
 * says only `agent.custom`, so it keeps its name and two agents the events tell apart stay two
 * (its requests read from spans alone are `…/agent.custom`, which no rule can give back a name).
 */
function requestConversation(session: string, source: unknown): string {
  if (typeof source !== 'string' || source.trim() === '') return session;
  const name = source.startsWith('agent:custom:') ? source : source.replaceAll(':', '.');
  // A value qualified after a colon is still its subsystem's: `repl_main_thread:…` (an output
  // style) is the main conversation, not another one.
  return name === MAIN_THREAD || name.startsWith(`${MAIN_THREAD}.`) ? session : `${session}/${name}`;
}

/** A Claude Code event's `session.id` and time, or why it has none. */
function eventSessionAndTime(
  r: Record<string, unknown>,
  a: Record<string, unknown>,
): { id: string; ts: number } | string {
  const id = a['session.id'];
  if (typeof id !== 'string') {
    return id === undefined || id === null
      ? 'no session.id attribute; Claude Code writes it unless OTEL_METRICS_INCLUDE_SESSION_ID is false'
      : noSession('session.id', id);
  }
  const blank = blankSession('session.id', id);
  if (blank !== undefined) return blank;
  // The record's time; a timeUnixNano of 0 is OTLP's "unknown", when the event's own
  // event.timestamp (ISO 8601) says it.
  let ts: number | string;
  const nanos = r.timeUnixNano;
  if (nanos !== undefined && nanos !== null && nanos !== '0' && nanos !== 0) {
    ts = otelTimestamp({ timeUnixNano: nanos });
  } else if (a['event.timestamp'] !== undefined) {
    const t = timestamp(a['event.timestamp']);
    ts = typeof t === 'string' ? t.replace(/^ts\b/, 'event.timestamp') : t;
  } else {
    ts = 'no timeUnixNano or event.timestamp';
  }
  return typeof ts === 'string' ? ts : { id, ts };
}

/**
 * One `claude_code.compaction` log record as a compaction of its session's main conversation
 * (`session.id`; a compaction rewrites the conversation the user talks to), or none when it
 * failed (`success` "false": nothing was rewritten), or why it cannot be read. The request that
 * wrote the summary (`query_source` compact) is a turn of a conversation of its own; the event
 * carries no turn of its own either, so the main conversation's turn read last before it is its
 * compaction turn.
 */
function claudeCodeCompaction(r: Record<string, unknown>, a: Record<string, unknown>): ParsedLine | undefined {
  const success = a.success;
  if (success === 'false' || success === false) return undefined;
  // Claude Code writes "true" or "false"; absent, the event still says a compaction completed.
  if (success !== undefined && success !== null && success !== 'true' && success !== true) {
    return bad(`success is ${JSON.stringify(success)}, not "true" or "false"`);
  }
  const where = eventSessionAndTime(r, a);
  if (typeof where === 'string') return bad(where);
  const sequence = a['event.sequence'];
  const seq = typeof sequence === 'number' || (typeof sequence === 'string' && sequence !== '') ? String(sequence) : '';
  return { ok: true, record: { kind: 'compaction', session: where.id, ts: where.ts, id: `${where.ts}/${seq}` } };
}

/**
 * A request's turn from the attributes Claude Code writes on its api_request event and on its
 * llm_request span alike (`input_tokens` the API's uncached input; `cache_read_tokens`,
 * `cache_creation_tokens`, `output_tokens`, `model`), or why it is none.
 */
function claudeCodeTurn(a: Record<string, unknown>, session: string, ts: number, span: string | undefined): ParsedLine {
  // Claude Code writes its counts as integers or as decimal text: both are read.
  const count = (k: string, optional: boolean): number | string => {
    let v = a[k];
    if (typeof v === 'string' && /^\d+$/.test(v)) v = Number(v);
    if ((v === undefined || v === null) && optional) return 0;
    return notCount(k, v) ?? (v as number);
  };
  const input = count('input_tokens', false);
  if (typeof input === 'string') return bad(input);
  const output = count('output_tokens', true);
  if (typeof output === 'string') return bad(output);
  const cacheRead = count('cache_read_tokens', true);
  if (typeof cacheRead === 'string') return bad(cacheRead);
  const cacheCreation = count('cache_creation_tokens', true);
  if (typeof cacheCreation === 'string') return bad(cacheCreation);
  const model = a.model ?? a['gen_ai.request.model'];
  return {
    ok: true,
    record: {
      kind: 'turn',
      shape: 'otel',
      session,
      turn: undefined,
      ts,
      model: typeof model === 'string' ? model : undefined,
      input,
      output,
      cacheRead,
      cacheCreation,
      creation5m: undefined,
      creation1h: undefined,
      cacheCounted: a.cache_read_tokens !== undefined || a.cache_creation_tokens !== undefined,
      span,
      compaction: false,
      injection: false,
      breakpoints: undefined,
    },
  };
}

/**
 * What tells a request read twice (its event and its span, a file beside its gzip copy) from two
 * requests: the API's request id, which Claude Code writes on both (`request_id`; the span's
 * `gen_ai.response.id` is the same value).
 */
function requestIdentity(id: unknown): string | undefined {
  return typeof id === 'string' && id.trim() !== '' ? `request_id ${id}` : undefined;
}

/** One `claude_code.api_request` log record as a turn, or why it is none. */
function claudeCodeRequest(r: Record<string, unknown>, a: Record<string, unknown>): ParsedLine {
  const where = eventSessionAndTime(r, a);
  if (typeof where === 'string') return bad(where);
  // Without a request id, event.sequence, which Claude Code's documentation counts per
  // process, so a session resumed in another process may number from 0 again.
  const sequence = a['event.sequence'];
  const span =
    requestIdentity(a.request_id) ??
    (typeof sequence === 'number' || (typeof sequence === 'string' && sequence !== '')
      ? `event.sequence ${String(sequence)}`
      : undefined);
  return claudeCodeTurn(a, requestConversation(where.id, a.query_source), where.ts, span);
}

/** Claude Code's span for each API request to Claude, when its traces are exported (beta). */
const CLAUDE_CODE_LLM_REQUEST = 'claude_code.llm_request';

/** A span's attributes as plain values: OTLP's `[{key, value}]`, or an object of them. */
function spanAttributes(x: unknown): Record<string, unknown> {
  if (Array.isArray(x)) return logAttributes(x);
  return x !== null && typeof x === 'object' ? (x as Record<string, unknown>) : {};
}

/** Whether a span is Claude Code's llm_request: by its name, or the `span.type` every one of its spans carries. */
function isLlmRequestSpan(o: Record<string, unknown>, a: Record<string, unknown>): boolean {
  return o.name === CLAUDE_CODE_LLM_REQUEST || a['span.type'] === 'llm_request';
}

/**
 * One `claude_code.llm_request` span as a turn; none when it carries no token counts (a request
 * that failed: Claude Code logs no api_request event for one either), or why it cannot be read.
 * Its conversation is named as its api_request event's is, from `query_source`, which the span
 * carries only under detailed beta tracing, else from `query_source_safe` (`repl_main_thread`,
 * `agent.builtin.general-purpose`: `:` written as `.`, a user-named agent as `agent.custom`),
 * else, without either, `agent_id`, which Claude Code leaves out on the main conversation
 * alone. Its time is its end, when its event is logged.
 */
function claudeCodeSpan(o: Record<string, unknown>, a: Record<string, unknown>): ParsedLine | undefined {
  if (a.input_tokens === undefined || a.input_tokens === null) return undefined;
  if (a.success === false || a.success === 'false') return undefined;
  const id = a['session.id'];
  if (typeof id !== 'string') {
    return bad(
      id === undefined || id === null
        ? 'no session.id attribute; Claude Code writes it unless OTEL_METRICS_INCLUDE_SESSION_ID is false'
        : noSession('session.id', id),
    );
  }
  const blank = blankSession('session.id', id);
  if (blank !== undefined) return bad(blank);
  const ts = otelTimestamp(o.endTimeUnixNano === undefined ? o : { endTimeUnixNano: o.endTimeUnixNano });
  if (typeof ts === 'string') return bad(ts);
  const source = [a.query_source, a.query_source_safe].find((x) => typeof x === 'string' && x.trim() !== '');
  const agent = a.agent_id;
  const session =
    source !== undefined
      ? requestConversation(id, source)
      : typeof agent === 'string' && agent.trim() !== ''
        ? `${id}/${agent}`
        : id;
  const span =
    requestIdentity(a.request_id) ??
    requestIdentity(a['gen_ai.response.id']) ??
    spanIdentity({ spanId: o.spanId, traceId: o.traceId }, {});
  return claudeCodeTurn(a, session, ts, span);
}

/** The turns of an OTLP/JSON logs export: Claude Code's api_request records. */
function otlpLogExport(resourceLogs: unknown): ParsedRecords {
  const layout = {
    top: 'resourceLogs',
    scopes: 'scopeLogs',
    legacy: 'instrumentationLibraryLogs',
    items: 'logRecords',
    label: (log: Record<string, unknown>) =>
      ` (${isCompactionEvent(log, logAttributes(log.attributes)) ? CLAUDE_CODE_COMPACTION : CLAUDE_CODE_REQUEST})`,
    others: 'records',
  };
  return otlpTurns(resourceLogs, layout, (log) => {
    const attrs = logAttributes(log.attributes);
    if (isRequestEvent(log, attrs)) return claudeCodeRequest(log, attrs);
    return isCompactionEvent(log, attrs) ? claudeCodeCompaction(log, attrs) : undefined;
  });
}

function forkTrace(o: Record<string, unknown>): ParsedLine {
  const where = sessionAndTurn(o);
  if (typeof where === 'string') return bad(`fork_trace: ${where}`);
  const misses = missList(o.misses);
  if (typeof misses === 'string') return bad(`fork_trace: ${misses}`);
  return { ok: true, record: { kind: 'fork_trace', ...where, misses } };
}

/** A usage record that also names its turn's miss sources: the turn, and a trace of it. */
function annotatedTurn(o: Record<string, unknown>, attrs: Record<string, unknown> | undefined): ParsedLine {
  const parsed = attrs ? otel(o, attrs) : anthropic(o);
  if (!parsed.ok || parsed.record.kind !== 'turn') return parsed;
  const { session, turn, ts } = parsed.record;
  if (turn === undefined) {
    return bad('misses on a span without a turn number: the turn they explain cannot be named; add turn');
  }
  const misses = Array.isArray(o.misses) ? missList(o.misses) : [];
  if (typeof misses === 'string') return bad(misses);
  const trace: ForkTraceRecord = { kind: 'fork_trace', session, turn, ts, misses };
  if (o.usage !== undefined) {
    const diagnosis = diagnosedMiss(o.diagnostics);
    if (typeof diagnosis === 'string') return bad(diagnosis);
    // Beside the writer's own `misses`, the API's diagnosis adds its source: two traces of one
    // turn name the union of their sources, as two fork_trace records of it do.
    if (diagnosis?.source !== undefined && !misses.includes(diagnosis.source)) misses.push(diagnosis.source);
    if (diagnosis?.unknown !== undefined) trace.unknownReason = diagnosis.unknown;
  }
  return { ok: true, record: parsed.record, trace };
}

/**
 * The miss source each `cache_miss_reason` names: the part of the prompt that differs from the
 * previous request's (`model_changed` covers a change of `speed` too, which a cache entry also
 * serves alone). `previous_message_not_found` (the API keeps no record of the previous request,
 * which says nothing of this one) and `unavailable` (no diagnosis; other parameters such as
 * `thinking` may differ) name none. Keyed by the SDK's union, so a reason it adds fails to
 * compile here until it is mapped.
 */
const DIAGNOSED_SOURCE: Record<BetaCacheMissReason['type'], MissSource | undefined> = {
  system_changed: 'system_prompt',
  tools_changed: 'tools',
  messages_changed: 'message_prefix',
  model_changed: 'model',
  previous_message_not_found: undefined,
  unavailable: undefined,
};

/** What a value is, for a reason that names it: `null`, `a list`, `the text "x"` (cut at 40). */
function described(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'string') return `the text ${JSON.stringify(x.length > 40 ? `${x.slice(0, 39)}…` : x)}`;
  return typeof x === 'object' ? 'an object' : String(x);
}

/**
 * A response's `diagnostics` (BetaDiagnostics): the miss source its `cache_miss_reason` names,
 * none for a reason that names no change or a diagnosis still pending (`null`), the type of a
 * reason no source stands for, or why it is malformed; undefined for `diagnostics` absent or
 * null, which is no diagnosis at all.
 */
function diagnosedMiss(x: unknown): { source?: MissSource; unknown?: string } | string | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'object' || Array.isArray(x)) return `diagnostics is ${described(x)}, not an object or null`;
  const reason: unknown = (x as Partial<BetaDiagnostics>).cache_miss_reason;
  if (reason === undefined) {
    return 'diagnostics has no cache_miss_reason; the API writes one, null while its diagnosis is pending';
  }
  if (reason === null) return {};
  if (typeof reason !== 'object' || Array.isArray(reason)) {
    return `diagnostics.cache_miss_reason is ${described(reason)}, not an object or null`;
  }
  const type: unknown = (reason as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return type === undefined
      ? 'diagnostics.cache_miss_reason has no type'
      : `diagnostics.cache_miss_reason.type is ${described(type)}, not a string`;
  }
  if (Object.hasOwn(DIAGNOSED_SOURCE, type)) {
    const source = DIAGNOSED_SOURCE[type as BetaCacheMissReason['type']];
    return source === undefined ? {} : { source };
  }
  return { unknown: type };
}

function missList(xs: unknown): MissSource[] | string {
  // Absent is not "not a list": that would send the writer looking at a value it never wrote.
  if (xs === undefined) return `no misses; a fork trace names its turn's miss sources as a list ([] for none)`;
  if (!Array.isArray(xs)) return 'misses is not a list';
  const misses: MissSource[] = [];
  for (const m of xs) {
    if (!(MISS_SOURCES as readonly unknown[]).includes(m)) {
      return `unknown miss source ${JSON.stringify(m)}; expected one of ${MISS_SOURCES.join(', ')}`;
    }
    if (!misses.includes(m as MissSource)) misses.push(m as MissSource);
  }
  return misses;
}

/**
 * Builds each lane's request. Every lane's request starts with the same bytes: the same
 * system text and the list of the RFC's headings, then the RFC as one document block carrying
 * the cache breakpoint; what differs (facts, brief, previous findings) comes after it. So the
 * lanes share one cached prefix, and the output format, shared by all lanes too, cannot split it.
 */
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import type {
  ContentBlockParam,
  DocumentBlockParam,
  MessageCreateParamsNonStreaming,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { Fact } from './facts.js';
import { documentOutline } from './sections.js';
import { type Finding, outputSchema } from './findings.js';
import type { CouncilSpec, LaneSpec } from './spec.js';

export const SYSTEM_PROMPT = [
  'You are one lane of a review council for an engineering RFC. The RFC is the document you are given;',
  'its headings are listed below, and the section of a finding is named as one of them writes it.',
  'Your lane, the sections you must read and your brief follow the document.',
  'Answer only with the JSON object of the output schema: one finding per issue, each with your lane id,',
  "a severity from your lane's vocabulary, the RFC section, the claim, the evidence and a suggested fix.",
  'An empty findings list means you found nothing to report in the sections you read.',
].join(' ');

/**
 * The RFC's headings as the round will judge a finding's section against them: models asked
 * for a section "as its heading writes it" without the list invented (`§17`) or misspelled
 * them. Derived from the text alone, so the same RFC gives the same bytes and the cache hits.
 */
export function headingsText(doc: RfcDocument): string {
  const outline = documentOutline(doc.text).filter((h) => h.text !== '');
  if (!outline.length) return '<headings>\nThe RFC has no headings.\n</headings>';
  const top = Math.min(...outline.map((h) => h.depth));
  const lines = outline.map((h) => `${'  '.repeat(h.depth - top)}- ${h.text}`);
  return [
    '<headings>',
    "The RFC's headings, in document order, nested by level. Name a finding's section as one of them writes it, or by its leading number alone (§2); words after the number may say which part of it (§2, item 3), and a finding about several sections names each number (§0(B), §0(C)).",
    ...lines,
    '</headings>',
  ].join('\n');
}

export interface RfcDocument {
  /** Repository-relative path. */
  path: string;
  text: string;
  /** sha256 of the text, hex. */
  sha256: string;
}

export function documentBlock(doc: RfcDocument): DocumentBlockParam {
  return {
    type: 'document',
    title: doc.path,
    source: { type: 'text', media_type: 'text/plain', data: doc.text },
    cache_control: { type: 'ephemeral' },
  };
}

/** The marker that opens a lane's own text; the offline model matches lanes by it. */
export function laneMarker(id: string): string {
  return `<lane id="${id}">`;
}

export function factsText(facts: Fact[]): string {
  const body = facts.map((f) => `<fact check="${f.id}" status="${f.status}">\n${f.detail}\n</fact>`).join('\n');
  return `<facts>\nDeterministic checks run on the live tree before this review. Where they answer a claim, they win over the RFC's wording.\n${body}\n</facts>`;
}

export function laneText(lane: LaneSpec, brief: string, previous: Finding[]): string {
  const sections = lane.sections.includes('*') ? 'the whole document' : lane.sections.join(', ');
  const lines = [
    laneMarker(lane.id),
    `Lane: ${lane.title} (id ${lane.id}). Read: ${sections}.`,
    `Your vocabulary: ${lane.vocabulary.join(', ')}. Every finding's lane is "${lane.id}".`,
    '',
    '<brief>',
    brief.trim(),
    '</brief>',
  ];
  if (previous.length) {
    lines.push(
      '',
      '<previous_round>',
      'Findings of your lane still open from the previous round. If one still holds, repeat its section and claim word for word; if it no longer holds, leave it out.',
      ...previous.map((f) => `- [${f.severity}] ${f.section}: ${f.claim}`),
      '</previous_round>',
    );
  }
  lines.push('</lane>');
  return lines.join('\n');
}

export interface LaneRequestInput {
  council: CouncilSpec;
  lane: LaneSpec;
  document: RfcDocument;
  brief: string;
  facts: Fact[];
  previous: Finding[];
}

export function outputFormat(council: CouncilSpec): { type: 'json_schema'; schema: Record<string, unknown> } {
  // The SDK helper rewrites the schema into the subset the API enforces; only the plain
  // format object is sent (the helper's parse function is not used: see run.ts).
  const f = jsonSchemaOutputFormat(outputSchema(council));
  return { type: f.type, schema: f.schema };
}

export function laneRequest(input: LaneRequestInput): MessageCreateParamsNonStreaming {
  const content: ContentBlockParam[] = [documentBlock(input.document)];
  if (input.lane.facts.length) content.push({ type: 'text', text: factsText(input.facts) });
  content.push({ type: 'text', text: laneText(input.lane, input.brief, input.previous) });
  return {
    model: input.lane.model,
    max_tokens: input.council.max_tokens,
    system: systemBlocks(input.document),
    messages: [{ role: 'user', content }],
    output_config: { format: outputFormat(input.council) },
  };
}

/** The shared prefix alone, answered with one token: it writes the cache the lanes then read. */
export function warmRequest(council: CouncilSpec, model: string, doc: RfcDocument): MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: 1,
    system: systemBlocks(doc),
    messages: [{ role: 'user', content: [documentBlock(doc)] }],
    // The output format is part of what the cache is keyed on, so the warm-up carries it too.
    output_config: { format: outputFormat(council) },
  };
}

/** The fixed instructions, then the RFC's headings: both before the breakpoint, so cached with the document. */
function systemBlocks(doc: RfcDocument): TextBlockParam[] {
  return [
    { type: 'text', text: SYSTEM_PROMPT },
    { type: 'text', text: headingsText(doc) },
  ];
}

type CountedRequest = Pick<MessageCreateParamsNonStreaming, 'system' | 'messages' | 'output_config'>;

/** The texts of a request the API counts as input: the output format's schema among them. */
function countedTexts(req: CountedRequest): string[] {
  const out: string[] = [];
  for (const s of Array.isArray(req.system) ? req.system : [{ text: req.system ?? '' }]) out.push(s.text);
  for (const m of req.messages) {
    if (typeof m.content === 'string') {
      out.push(m.content);
      continue;
    }
    for (const b of m.content) {
      if (b.type === 'text') out.push(b.text);
      else if (b.type === 'document' && b.source.type === 'text') out.push(b.source.data);
    }
  }
  const format = req.output_config?.format;
  if (format) out.push(JSON.stringify(format.schema));
  return out;
}

/** Offline token estimate: about four characters a token for English prose and Markdown. */
export function estimateTokens(req: CountedRequest): number {
  return Math.ceil(countedTexts(req).reduce((n, t) => n + t.length, 0) / 4);
}

/**
 * A deliberately generous estimate, for deciding that a request is too short to cache: one
 * token per two bytes of UTF-8, twice the estimate above for English and more for other
 * scripts, so that code, tables or a non-Latin RFC are not taken for shorter than they are.
 * Still an estimate: the tokenizer is not available offline.
 */
export function generousTokenEstimate(req: CountedRequest): number {
  return Math.ceil(countedTexts(req).reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0) / 2);
}

/**
 * The shortest prompt prefix the API caches, by model, as Anthropic's prompt caching
 * documentation lists it; a shorter prefix is processed uncached, so a warm-up of it writes
 * nothing. Dated snapshots (`-20250929`) and `-latest` aliases share their model's minimum.
 */
const MIN_CACHEABLE_TOKENS: Readonly<Record<string, number>> = {
  'claude-opus-4-6': 4096,
  'claude-opus-4-5': 4096,
  'claude-haiku-4-5': 4096,
  'claude-sonnet-4-6': 1024,
  'claude-sonnet-4-5': 1024,
  'claude-opus-4-1': 1024,
  'claude-opus-4-0': 1024,
  'claude-opus-4': 1024,
  'claude-sonnet-4-0': 1024,
  'claude-sonnet-4': 1024,
  'claude-3-7-sonnet': 1024,
  'claude-3-5-haiku': 2048,
  'claude-3-haiku': 2048,
};

/** The model's minimum cacheable prefix in tokens, or undefined for a model not listed (never guessed). */
export function minCacheableTokens(model: string): number | undefined {
  return MIN_CACHEABLE_TOKENS[model.replace(/-(?:\d{8}|latest)$/, '')];
}

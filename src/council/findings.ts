/**
 * The structured output of a lane. The request carries one schema shared by every lane (so
 * the request prefix, output format included, is the same for all of them); the answer is
 * then validated with ajv against the lane's own schema: its id, its vocabulary, non-empty
 * fields. Nothing is read from prose: an answer that is not JSON, or not this shape, is
 * rejected and the lane reported as failed.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { CouncilSpec, LaneSpec } from './spec.js';

export interface Finding {
  lane: string;
  severity: string;
  section: string;
  claim: string;
  evidence: string;
  suggested_fix: string;
}

export const FINDING_FIELDS = ['lane', 'severity', 'section', 'claim', 'evidence', 'suggested_fix'] as const;

/** `{ findings: [ {lane, severity, section, claim, evidence, suggested_fix} ] }` with the given field schemas. */
function findingsSchema(fields: Record<(typeof FINDING_FIELDS)[number], Record<string, unknown>>) {
  return {
    type: 'object' as const,
    additionalProperties: false,
    required: ['findings'],
    properties: {
      findings: {
        type: 'array',
        items: { type: 'object', additionalProperties: false, required: [...FINDING_FIELDS], properties: fields },
      },
    },
  };
}

/** The output format sent to the API: every lane id and every severity of the council. */
export function outputSchema(council: CouncilSpec): Record<string, unknown> & { type: 'object' } {
  const severities = [...new Set(council.lanes.flatMap((l) => l.vocabulary))];
  return findingsSchema({
    lane: { type: 'string', enum: council.lanes.map((l) => l.id) },
    severity: { type: 'string', enum: severities },
    // A description, not an enum of the headings: a finding may name a numbered part of a
    // heading or several of them, and the schema stays the same for every RFC.
    section: {
      type: 'string',
      description: 'The RFC section, as its heading in the list of headings writes it (e.g. §0(B)).',
    },
    claim: { type: 'string', description: 'The claim under review, in one sentence.' },
    evidence: { type: 'string', description: 'What shows the finding: the RFC text or a check result.' },
    suggested_fix: { type: 'string', description: 'What the next draft must change (empty when VERIFIED).' },
  });
}

/** What one lane's answer must satisfy: its own id and vocabulary, and no blank field but the fix. */
function laneSchema(lane: LaneSpec): Record<string, unknown> {
  // Spaces alone are no section, claim or evidence: such a finding, a BLOCK say, failed the
  // round with nothing to read, and its key was that of every other blank claim of the lane.
  const text = { type: 'string', pattern: '\\S' };
  return findingsSchema({
    lane: { const: lane.id },
    severity: { enum: lane.vocabulary },
    section: text,
    claim: text,
    evidence: text,
    suggested_fix: { type: 'string' },
  });
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(lane: LaneSpec): ValidateFunction {
  const key = JSON.stringify([lane.id, lane.vocabulary]);
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(laneSchema(lane));
    compiled.set(key, v);
  }
  return v;
}

export type LaneOutput = { ok: true; findings: Finding[] } | { ok: false; problems: string[] };

/** How many of an answer's violations are named; the rest are counted, so a long list is not read as whole. */
const MAX_PROBLEMS = 10;

/** Parses and validates a lane's answer; every violation is named, at most ten, then how many more. */
export function validateLaneOutput(lane: LaneSpec, text: string): LaneOutput {
  // JSON.parse's "Unexpected end of JSON input" read as a cut-off answer; nothing was written.
  if (!text.trim()) return { ok: false, problems: ['the answer is empty: the model wrote no findings object'] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`the answer is not JSON (${(e as Error).message})`] };
  }
  const validate = validatorFor(lane);
  if (validate(data)) return { ok: true, findings: (data as { findings: Finding[] }).findings };
  const errors = validate.errors ?? [];
  const problems = errors.slice(0, MAX_PROBLEMS).map((e) => describe(e, data));
  if (errors.length > MAX_PROBLEMS) problems.push(`(and ${errors.length - MAX_PROBLEMS} more)`);
  return { ok: false, problems };
}

/** The value at a JSON pointer of the answer, quoted briefly: what the model wrote, beside what it must be. */
function given(data: unknown, pointer: string): string {
  let v: unknown = data;
  for (const part of pointer.split('/').slice(1)) {
    const k = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  }
  const text = JSON.stringify(v) ?? 'nothing';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function describe(e: ErrorObject, data: unknown): string {
  const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'the answer';
  if (e.keyword === 'enum') {
    return `${at} must be one of ${(e.params as { allowedValues: string[] }).allowedValues.join(', ')}, not ${given(data, e.instancePath)}`;
  }
  if (e.keyword === 'const') {
    return `${at} must be '${String((e.params as { allowedValue: unknown }).allowedValue)}', not ${given(data, e.instancePath)}`;
  }
  if (e.keyword === 'pattern') return `${at} is blank`;
  if (e.keyword === 'required') return `${at} lacks '${(e.params as { missingProperty: string }).missingProperty}'`;
  if (e.keyword === 'additionalProperties') {
    return `${at} has an unexpected field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  }
  return `${at} ${e.message ?? 'is invalid'}`;
}

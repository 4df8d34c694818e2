/**
 * A governed repository with a small RFC and a three-lane council, laid out as a team
 * would: gates/demo/{rfc,council}.yaml, rfcs/demo.md and the lane briefs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { modeline, OPERATOR, tempRoot } from '../helpers/spec-fixture.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/**
 * A scope long enough that the prefix every lane shares passes the fixture model's minimum
 * cacheable length, as a real RFC's does: the warm-up of a shorter one is not sent.
 */
const SCOPE = Array.from(
  { length: 80 },
  (_, i) => `- Handler ${i + 1} moves to the new runtime; its callers, its lock and its telemetry stay where they are.`,
).join('\n');

export const DOCUMENT = `# RFC: Demo

## §1 Scope

What moves and what stays.

${SCOPE}

## §2 Lock invariants

1. One writer per agent.
2. Sessions serialise.
3. Sessions serialise.
`;

export const LANES = [
  {
    id: 'architect',
    title: 'Architect',
    brief: 'rfcs/demo/council/architect.md',
    sections: ['§1', '§2'],
    vocabulary: ['BLOCK', 'CONCERN', 'NIT'],
    blocking: ['BLOCK'],
  },
  {
    id: 'code-reviewer',
    title: 'Code reviewer',
    brief: 'rfcs/demo/council/code-reviewer.md',
    sections: ['§2'],
    vocabulary: ['BLOCK', 'CONCERN', 'NIT'],
    blocking: ['BLOCK'],
  },
  {
    id: 'live-verifier',
    title: 'Live verifier',
    brief: 'rfcs/demo/council/live-verifier.md',
    sections: ['*'],
    vocabulary: ['VERIFIED', 'DRIFT', 'REFUTED', 'SOURCE_ONLY'],
    facts: ['spec_validate', 'cite_verify'],
  },
];

export interface CouncilRepo {
  root: string;
  cleanup: () => void;
  setVersion(v: string): void;
  writeDocument(text: string): void;
}

/** Lays the RFC out in `into` (a git fixture, say) or in a fresh temp folder. */
export function councilRepo(council: Record<string, unknown> = {}, into?: string): CouncilRepo {
  const { root, cleanup } = into ? { root: into, cleanup: () => undefined } : tempRoot('rfcgate-council-');
  const dir = join(root, 'gates', 'demo');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'rfcs', 'demo', 'council'), { recursive: true });
  const setVersion = (version: string) =>
    writeFileSync(
      join(dir, 'rfc.yaml'),
      modeline('rfc.yaml') +
        stringify({
          id: 'demo',
          title: 'Demo RFC',
          version,
          document: 'rfcs/demo.md',
          mainline: 'main',
          operators: [OPERATOR],
        }),
    );
  setVersion('v1');
  writeFileSync(
    join(dir, 'council.yaml'),
    modeline('council.yaml') +
      stringify({
        model: 'claude-opus-4-5',
        max_retries: 3,
        lanes: LANES,
        contract: { block_requires: 'redraft', escalate_after_rounds: 2 },
        ...council,
      }),
  );
  const writeDocument = (text: string) => writeFileSync(join(root, 'rfcs', 'demo.md'), text);
  writeDocument(DOCUMENT);
  for (const l of LANES)
    writeFileSync(join(root, l.brief), `# ${l.title}\n\nReview as the ${l.title.toLowerCase()}.\n`);
  return { root, cleanup, setVersion, writeDocument };
}

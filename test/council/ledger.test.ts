/**
 * The ledger's pieces on their own: finding keys, the lane schema, round files, and the
 * council source reading rounds as of an instant.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeModel, type ScriptedResponse } from '../../src/council/fake-model.js';
import { validateLaneOutput } from '../../src/council/findings.js';
import { type CouncilRound, findingKey, readRounds, writeRound } from '../../src/council/ledger.js';
import { councilRound } from '../../src/council/round.js';
import { loadCouncilSpec } from '../../src/council/spec.js';
import { CouncilMeasurementSource } from '../../src/sources/council/source.js';
import type { MeasurementSpec, RfcManifest } from '../../src/spec/types.js';
import { UsageError } from '../../src/spec/problems.js';
import { councilRepo, type CouncilRepo } from './helpers.js';

let repo: CouncilRepo;
afterEach(() => repo?.cleanup());

const f = (claim: string, section = '§2', lane = 'architect') => ({
  lane,
  severity: 'BLOCK',
  section,
  claim,
  evidence: 'e',
  suggested_fix: 'x',
});

/** One round on 2026-11-10 in which only the architect answers, with these findings. */
function architectRound(findings: object[]) {
  const script = new Map<string, ScriptedResponse[]>([
    ['architect', [{ findings }]],
    ['code-reviewer', [{ findings: [] }]],
    ['live-verifier', [{ findings: [] }]],
  ]);
  return councilRound({
    root: repo.root,
    rfc: 'demo',
    apiKey: 'k',
    fetch: fakeModel(script).fetch,
    tokenCount: 'estimate',
    now: new Date('2026-11-10T12:00:00Z'),
  });
}

describe('finding keys', () => {
  it('ignore case, spacing and punctuation, but not the lane, the section or the words', () => {
    expect(findingKey(f('The cache re-adds load.'))).toBe(findingKey(f('the cache  re adds load')));
    expect(findingKey(f('The cache re-adds load.'))).not.toBe(findingKey(f('The cache re-adds load.', '§3')));
    expect(findingKey(f('The cache re-adds load.'))).not.toBe(findingKey(f('The cache re-adds load.', '§2', 'x')));
    expect(findingKey(f('The cache re-adds load.'))).not.toBe(findingKey(f('The cache removes load.')));
  });
});

describe('lane output', () => {
  it("rejects a finding that claims another lane's id, and accepts the lane's own", () => {
    repo = councilRepo();
    const lane = loadCouncilSpec(repo.root, 'demo').council.lanes[0];
    if (!lane) throw new Error('no lane');
    expect(validateLaneOutput(lane, JSON.stringify({ findings: [f('x', '§2', 'code-reviewer')] }))).toEqual({
      ok: false,
      problems: ['findings.0.lane must be \'architect\', not "code-reviewer"'],
    });
    expect(validateLaneOutput(lane, JSON.stringify({ findings: [f('x')] }))).toMatchObject({ ok: true });
    expect(validateLaneOutput(lane, JSON.stringify({ findings: [{ ...f('x'), claim: '' }] }))).toMatchObject({
      ok: false,
      problems: ['findings.0.claim is blank'],
    });
  });

  it('says an empty answer is empty, not that its JSON ended early', () => {
    repo = councilRepo();
    const lane = loadCouncilSpec(repo.root, 'demo').council.lanes[0];
    if (!lane) throw new Error('no lane');
    for (const text of ['', ' \n'])
      expect(validateLaneOutput(lane, text)).toEqual({
        ok: false,
        problems: ['the answer is empty: the model wrote no findings object'],
      });
  });

  it('rejects a finding whose section, claim or evidence is only spaces, naming each', () => {
    repo = councilRepo();
    const lane = loadCouncilSpec(repo.root, 'demo').council.lanes[0];
    if (!lane) throw new Error('no lane');
    const blank = { ...f('x'), severity: 'BLOCK', section: ' ', claim: ' \n\t', evidence: '  ', suggested_fix: '' };
    expect(validateLaneOutput(lane, JSON.stringify({ findings: [blank] }))).toEqual({
      ok: false,
      problems: ['findings.0.section is blank', 'findings.0.claim is blank', 'findings.0.evidence is blank'],
    });
  });
});

describe('lane output with many violations', () => {
  it('names the first ten and says how many more there were', () => {
    repo = councilRepo();
    const lane = loadCouncilSpec(repo.root, 'demo').council.lanes[0];
    if (!lane) throw new Error('no lane');
    const findings = Array.from({ length: 13 }, (_, i) => ({ ...f(`x${i}`), claim: '' }));
    const out = validateLaneOutput(lane, JSON.stringify({ findings }));
    if (out.ok) throw new Error('the answer was accepted');
    expect(out.problems).toHaveLength(11);
    expect(out.problems[9]).toBe('findings.9.claim is blank');
    expect(out.problems[10]).toBe('(and 3 more)');
  });

  it('says nothing more when there are exactly ten', () => {
    repo = councilRepo();
    const lane = loadCouncilSpec(repo.root, 'demo').council.lanes[0];
    if (!lane) throw new Error('no lane');
    const findings = Array.from({ length: 10 }, (_, i) => ({ ...f(`x${i}`), claim: '' }));
    const out = validateLaneOutput(lane, JSON.stringify({ findings }));
    if (out.ok) throw new Error('the answer was accepted');
    expect(out.problems).toHaveLength(10);
    expect(out.problems.at(-1)).toBe('findings.9.claim is blank');
  });
});

describe('duplicate findings', () => {
  it('keep the BLOCK when an answer repeats a finding at a lesser severity first', async () => {
    repo = councilRepo();
    const round = await architectRound([{ ...f('Wrong substrate.'), severity: 'NIT' }, f('Wrong substrate.')]);
    expect(round.lanes[0]?.findings.map((x) => x.severity)).toEqual(['BLOCK']);
    expect(round.contract).toMatchObject({ verdict: 'fail', open_blocks: 1 });
  });

  it('reject an answer that gives one claim two severities, neither blocking: no copy is read as the finding', async () => {
    repo = councilRepo();
    const claim = (lane: string, severity: string, text: string) => ({ ...f(text, '§1', lane), severity });
    const r = await councilRound({
      root: repo.root,
      rfc: 'demo',
      apiKey: 'k',
      fetch: fakeModel(
        new Map<string, ScriptedResponse[]>([
          [
            'architect',
            [
              {
                findings: [
                  claim('architect', 'NIT', 'Scope is vague.'),
                  claim('architect', 'CONCERN', 'scope is vague'),
                ],
              },
            ],
          ],
          [
            'code-reviewer',
            [{ findings: [claim('code-reviewer', 'NIT', 'A typo.'), claim('code-reviewer', 'NIT', 'A typo.')] }],
          ],
          [
            'live-verifier',
            [
              {
                findings: [
                  claim('live-verifier', 'VERIFIED', 'Handler 1 moves.'),
                  claim('live-verifier', 'REFUTED', 'Handler 1 moves.'),
                ],
              },
            ],
          ],
        ]),
      ).fetch,
      tokenCount: 'estimate',
      now: new Date('2026-11-10T12:00:00Z'),
    });
    const lane = (id: string) => r.lanes.find((l) => l.id === id);
    expect(lane('architect')).toMatchObject({ status: 'failed', failure: { kind: 'malformed' }, findings: [] });
    expect(lane('architect')?.failure?.message).toBe(
      'the structured output was rejected: findings.0 and findings.1 give one claim two severities, NIT and CONCERN (§1: Scope is vague.)',
    );
    expect(lane('live-verifier')?.failure?.problems).toEqual([
      'findings.0 and findings.1 give one claim two severities, VERIFIED and REFUTED (§1: Handler 1 moves.)',
    ]);
    // The same finding twice at one severity is still one finding.
    expect(lane('code-reviewer')).toMatchObject({ status: 'ok' });
    expect(lane('code-reviewer')?.findings.map((x) => x.severity)).toEqual(['NIT']);
    expect(r.contract).toMatchObject({ verdict: 'halt', failed_lanes: ['architect', 'live-verifier'] });
  });
});

describe('a finding whose section names no heading of the document', () => {
  it('is recorded with the note and keeps its severity, key and place in the diff; one naming a heading has no note', async () => {
    repo = councilRepo();
    const first = await architectRound([f('Wrong substrate.', '§17'), f('Two writers.', '§2, §0(G)'), f('Fine.')]);
    const [invented, partly, named] = first.lanes[0]?.findings ?? [];
    expect(invented).toMatchObject({
      section: '§17',
      severity: 'BLOCK',
      section_found: false,
      missing_sections: ['§17'],
    });
    expect(invented?.key).toBe(findingKey(f('Wrong substrate.', '§17')));
    expect(partly).toMatchObject({ section_found: false, missing_sections: ['§0(G)'] });
    expect(named).not.toHaveProperty('section_found');
    expect(named).not.toHaveProperty('missing_sections');
    // A BLOCK still blocks: a person must look at it.
    expect(first.contract).toMatchObject({ verdict: 'fail', open_blocks: 3 });
    const stored = readRounds(repo.root, 'rfcs/demo/council')[0];
    expect(stored?.lanes[0]?.findings[0]).toMatchObject({ section_found: false, missing_sections: ['§17'] });

    const second = await architectRound([f('Wrong substrate.', '§17')]);
    expect(second.diff.persisted).toEqual([invented?.key]);
    expect(second.diff.resolved.map((x) => x.section).sort()).toEqual(['§2', '§2, §0(G)']);
  });

  it('a record written before sections were judged still reads, its findings without the note', async () => {
    repo = councilRepo();
    await architectRound([f('Wrong substrate.', '§17')]);
    const dir = join(repo.root, 'rfcs/demo/council');
    const file = join(dir, readdirSync(dir).find((n) => n.endsWith('.json')) ?? '');
    const old = JSON.parse(readFileSync(file, 'utf8')) as { lanes: { findings: Record<string, unknown>[] }[] };
    for (const x of old.lanes.flatMap((l) => l.findings)) {
      delete x.section_found;
      delete x.missing_sections;
    }
    writeFileSync(file, JSON.stringify(old));
    const [round] = readRounds(repo.root, 'rfcs/demo/council');
    expect(round?.lanes[0]?.findings[0]).toMatchObject({ section: '§17', status: 'new' });
    expect(round?.lanes[0]?.findings[0]).not.toHaveProperty('section_found');
  });
});

describe('round files', () => {
  it('a ledger file that is not JSON is named, with what to do', () => {
    repo = councilRepo();
    mkdirSync(join(repo.root, 'rfcs/demo/council'), { recursive: true });
    writeFileSync(join(repo.root, 'rfcs/demo/council/2026-11-01-v1.json'), '{ half');
    expect(() => readRounds(repo.root, 'rfcs/demo/council')).toThrow(UsageError);
    expect(() => readRounds(repo.root, 'rfcs/demo/council')).toThrow(
      /rfcs\/demo\/council\/2026-11-01-v1\.json is not a readable round .*restore it from git/,
    );
  });
});

describe('writing a round', () => {
  it('writes each file through a new one beside it, never over a file already bearing that name', () => {
    repo = councilRepo();
    const files = { json: 'rounds/r.json', markdown: 'rounds/r.md' };
    mkdirSync(join(repo.root, 'rounds'));
    const taken = join(repo.root, `${files.json}.${process.pid}.tmp`);
    writeFileSync(taken, 'mine\n');
    // Only where it is written is read here: the rest of a round does not matter.
    writeRound(repo.root, { files } as unknown as CouncilRound, '# round\n');
    expect(JSON.parse(readFileSync(join(repo.root, files.json), 'utf8'))).toEqual({ files });
    expect(readFileSync(join(repo.root, files.markdown), 'utf8')).toBe('# round\n');
    expect(readFileSync(taken, 'utf8')).toBe('mine\n');
    expect(readdirSync(join(repo.root, 'rounds')).sort()).toEqual(['r.json', basename(taken), 'r.md'].sort());
  });
});

describe('round files that are JSON but not rounds', () => {
  it('are named with what to do, instead of being ordered among the rounds', async () => {
    repo = councilRepo();
    await architectRound([f('Wrong substrate.')]);
    writeFileSync(join(repo.root, 'rfcs/demo/council/2026-11-11-vnotes.json'), '{"note": "see the summary"}\n');
    expect(() => readRounds(repo.root, 'rfcs/demo/council')).toThrow(
      /rfcs\/demo\/council\/2026-11-11-vnotes\.json is not a readable round \(no round number in 'round'\)/,
    );
  });
});

describe('round files mended by hand', () => {
  it('name the lane or finding that lacks what the reports read, instead of failing with a TypeError', async () => {
    repo = councilRepo();
    await architectRound([f('Wrong substrate.')]);
    const file = join(
      repo.root,
      'rfcs/demo/council',
      readdirSync(join(repo.root, 'rfcs/demo/council')).find((n) => n.endsWith('.json')) ?? '',
    );
    type Mendable = {
      lanes: { findings: unknown[] | null }[];
      open: unknown[];
      diff?: unknown;
      contract: { blocks?: unknown };
      warm?: unknown;
    };
    const good = JSON.parse(readFileSync(file, 'utf8')) as Mendable;
    const cases: [(r: Mendable) => void, RegExp][] = [
      [
        (r) => ((r.lanes[0] as { findings: null }).findings = null),
        /\(lanes\[0\] is not a lane with its id, model, status, tokens and findings\)/,
      ],
      [
        (r) => ((r.lanes[0]?.findings as unknown[])[0] = {}),
        /\(lanes\[0\]\.findings\[0\] has no severity, section and claim\)/,
      ],
      [(r) => (r.open[0] = { key: 'k' }), /\(open\[0\] has no key, lane, severity, section and claim\)/],
      [(r) => delete r.diff, /\(no 'diff' with its new, persisted, resolved and carried lists\)/],
      [(r) => delete r.contract.blocks, /\(no judged 'contract'\)/],
      [(r) => delete r.warm, /\(no 'warm' list\)/],
    ];
    for (const [mend, problem] of cases) {
      const round = structuredClone(good);
      mend(round);
      writeFileSync(file, JSON.stringify(round));
      expect(() => readRounds(repo.root, 'rfcs/demo/council')).toThrow(UsageError);
      expect(() => readRounds(repo.root, 'rfcs/demo/council')).toThrow(problem);
    }
  });
});

describe('the council source', () => {
  const manifest = { id: 'demo', version: 'v1' } as RfcManifest;
  const m = (value: 'open_blocks' | 'block_rounds') =>
    ({
      id: 'c',
      type: 'int',
      source: 'council',
      council: { value },
      location: { file: 'x', line: 1, col: 1 },
    }) as MeasurementSpec;
  const at = (iso: string) => ({
    asOf: new Date(iso),
    ref: 'HEAD',
    repoDir: repo.root,
    manifest,
    signal: new AbortController().signal,
  });

  it('reads the latest round as of the instant: missing before the first, the BLOCK count after it', async () => {
    repo = councilRepo();
    await architectRound([f('Wrong substrate.')]);
    const source = new CouncilMeasurementSource();
    const before = await source.measure(m('open_blocks'), at('2026-11-09T00:00:00Z'));
    expect(before).toMatchObject({ status: 'halt', halt: 'missing' });
    const after = await source.measure(m('open_blocks'), at('2026-11-11T00:00:00Z'));
    expect(after).toMatchObject({
      status: 'ok',
      value: 1,
      evidence: { round: 1, record: 'rfcs/demo/council/2026-11-10-v1.json' },
    });
    expect(await source.measure(m('block_rounds'), at('2026-11-11T00:00:00Z'))).toMatchObject({
      status: 'ok',
      value: 1,
    });
  });
});

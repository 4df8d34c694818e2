/**
 * wave3 (D) and (E) close only with an operator's signature (§13(8), §13(9), Operators): the
 * red-team artifact and the go-decision judgement are each signed by an attestation record,
 * committed once by a declared operator. Evaluated with the real sources on real repositories
 * holding the shipped gates, so the record, its signer and its commit are all read as in CI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRfc } from '../../src/engine/evaluate.js';
import type { GateResult } from '../../src/model/result.js';
import { openSources } from '../../src/sources/index.js';
import { loadRfc } from '../../src/spec/load.js';
import { createRepo, type FixtureRepo, MALLORY, type Person, removeFixtures } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

const AS_OF = new Date('2026-06-01T00:00:00Z');
const OKAFOR: Person = { name: 'Marguerite Okafor', email: 'marguerite.okafor@example.com' };
const LINDQVIST: Person = { name: 'Tomasz Lindqvist', email: 'tomasz.lindqvist@example.com' };
const CI_BOT: Person = { name: 'ci-bot', email: 'ci-bot@example.com' };
const ATTESTATIONS = 'gates/wave3/attestations';
const RED_TEAM = 'docs/handoffs/wave-3-state-ownership-redteam-2026-05-12.md';
const GO_DECISION = 'docs/proposals/wave-3-go-decision-2026-05-26.md';

function redTeam(extraSurfaces: number, rederivable: number): string {
  const rows = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']
    .map((s, i) => `| ${s} | surface ${s} | ${i < rederivable ? 'yes' : 'no'} |`)
    .join('\n');
  return `# Wave 3 state-ownership red team

## Surfaces

| surface | what | re-derivable |
| --- | --- | --- |
${rows}

Surfaces beyond the eight: ${extraSurfaces}
Re-derivable surfaces: ${rederivable} of 8

## Non-surfaces

- Redis feature-flag cache (derived from core.feature_flags, rebuilt on start)
`;
}

function goDecision(slipPct: number): string {
  return `# Wave 3 go decision

## Calendar reasoning

| item | original window | slip % |
| --- | --- | --- |
| lease-plane Phase B | 6 weeks | ${slipPct}% |
| dialectic v2 review UI | 4 weeks | 9% |

Largest slip: ${slipPct}%

## Judgement

Decision: go. The displaced items hold within a quarter of their windows.
`;
}

function record(gate: string, signer: Person, judgement: string): string {
  return `gate: ${gate}\nsigner: ${signer.name}\nemail: ${signer.email}\ndate: 2026-05-28\njudgement: ${judgement}\n`;
}

/**
 * A governed repository holding the shipped wave3 gates and document, and the given documents,
 * committed by Okafor unless `by` says who (with `message`, for its trailers).
 */
function governed(docs: Record<string, string>, by: { author?: Person; message?: string } = {}): FixtureRepo {
  const repo = createRepo();
  const files = Object.fromEntries(
    ['gates/wave3', 'rfcs/wave3/council'].flatMap((dir) =>
      readdirSync(resolve(dir))
        .filter((n) => /\.(yaml|md)$/.test(n))
        .map((n) => [`${dir}/${n}`, readFileSync(resolve(`${dir}/${n}`), 'utf8')]),
    ),
  );
  files['rfcs/wave3.md'] = readFileSync(resolve('rfcs/wave3.md'), 'utf8');
  repo.commit({ files, message: 'wave3 gates', date: '2026-05-01T00:00:00Z' });
  repo.commit({
    files: docs,
    message: by.message ?? 'hand-off documents',
    date: '2026-05-26T00:00:00Z',
    author: by.author ?? OKAFOR,
  });
  return repo;
}

/** Commits a signature: the record names `signer`; `by` is who commits it. */
function sign(repo: FixtureRepo, gate: string, signer: Person, judgement: string, by: Person = signer): void {
  repo.commit({
    files: { [`${ATTESTATIONS}/${gate}.yaml`]: record(gate, signer, judgement) },
    message: `attest: ${gate}`,
    date: '2026-05-28T08:00:00Z',
    author: by,
  });
}

async function check(repo: FixtureRepo, only: string[]): Promise<Map<string, GateResult>> {
  const rfc = loadRfc(repo.dir, 'wave3');
  const opened = openSources({ repoDir: repo.dir, manifest: rfc.manifest, env: {}, timeoutMs: 20_000 });
  try {
    const report = await evaluateRfc(rfc, {
      asOf: AS_OF,
      ref: 'HEAD',
      repoDir: repo.dir,
      sources: opened.registry,
      only,
      timeoutMs: 20_000,
    });
    return new Map(report.results.map((r) => [r.id, r]));
  } finally {
    await opened.close();
  }
}

describe('wave3 (D): the red-team artifact needs an operator signature', () => {
  it('with 0 beyond and 8 of 8 but no signature, halts unsigned, and so does exit criterion 8', async () => {
    const repo = governed({ [RED_TEAM]: redTeam(0, 8) });
    const r = await check(repo, ['D', 'EC8']);
    expect(r.get('D')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(r.get('D')?.reason).toMatch(/redteam_signoff: no attestation record at gates\/wave3\/attestations\/redteam_signoff\.yaml/);
    expect(r.get('EC8')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
  }, 60_000);

  it('passes with an operator signature committed by that operator, and so does exit criterion 8', async () => {
    const repo = governed({ [RED_TEAM]: redTeam(0, 8) });
    // The artifact is Okafor's; the other operator signs it.
    sign(repo, 'redteam_signoff', LINDQVIST, 'accepted');
    const r = await check(repo, ['D', 'EC8']);
    expect(r.get('D')).toMatchObject({ verdict: 'pass' });
    expect(r.get('EC8')).toMatchObject({ verdict: 'pass' });
  }, 60_000);

  it('halts unsigned when the signer is no operator, or a bot committed the record in an operator name', async () => {
    const stranger = governed({ [RED_TEAM]: redTeam(0, 8) });
    sign(stranger, 'redteam_signoff', MALLORY, 'accepted');
    const s = (await check(stranger, ['D'])).get('D');
    expect(s).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(s?.reason).toMatch(/who is not an operator of wave3/);

    const bot = governed({ [RED_TEAM]: redTeam(0, 8) });
    sign(bot, 'redteam_signoff', LINDQVIST, 'accepted', CI_BOT);
    const b = (await check(bot, ['D'])).get('D');
    expect(b).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(b?.reason).toMatch(/committed by ci-bot/);
  }, 60_000);

  it('halts unsigned, naming the commit, when the operator who wrote the red team signs it; so does exit criterion 8', async () => {
    const repo = governed({ [RED_TEAM]: redTeam(0, 8) });
    const wrote = repo.head().slice(0, 12);
    sign(repo, 'redteam_signoff', OKAFOR, 'accepted');
    const r = await check(repo, ['D', 'EC8']);
    expect(r.get('D')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(r.get('D')?.reason).toContain(
      `redteam_signoff: the attestation gates/wave3/attestations/redteam_signoff.yaml is signed by Marguerite Okafor <marguerite.okafor@example.com>, who wrote the artifact it signs (docs/handoffs/wave-3-state-ownership-redteam-*.md): they authored commit ${wrote}`,
    );
    expect(r.get('D')?.reason).toMatch(/nobody attests an artifact they authored: Tomasz Lindqvist <tomasz\.lindqvist@example\.com> must sign it instead/);
    expect(r.get('EC8')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
  }, 60_000);

  it('fires on a ninth surface with no signature, and on a red team the operator rejected', async () => {
    expect((await check(governed({ [RED_TEAM]: redTeam(1, 8) }), ['D'])).get('D')).toMatchObject({
      verdict: 'fail',
    });
    const rejected = governed({ [RED_TEAM]: redTeam(0, 8) });
    sign(rejected, 'redteam_signoff', LINDQVIST, 'rejected');
    expect((await check(rejected, ['D'])).get('D')).toMatchObject({ verdict: 'fail' });
  }, 60_000);
});

describe('wave3 (E): the go-decision judgement needs an operator signature', () => {
  it('with the calendar within 25% and the Judgement written but unsigned, halts unsigned, and so does exit criterion 9', async () => {
    const repo = governed({ [GO_DECISION]: goDecision(20) });
    const r = await check(repo, ['E', 'EC9']);
    expect(r.get('E')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(r.get('E')?.reason).toMatch(/go_decision_signoff: no attestation record at gates\/wave3\/attestations\/go_decision_signoff\.yaml/);
    expect(r.get('EC9')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
  }, 60_000);

  it('passes with an operator signature of go committed by that operator, and so does exit criterion 9', async () => {
    const repo = governed({ [GO_DECISION]: goDecision(20) });
    sign(repo, 'go_decision_signoff', LINDQVIST, 'go');
    const r = await check(repo, ['E', 'EC9']);
    expect(r.get('E')).toMatchObject({ verdict: 'pass' });
    expect(r.get('EC9')).toMatchObject({ verdict: 'pass' });
  }, 60_000);

  it('halts unsigned when the signer is no operator, or a bot committed the record in an operator name', async () => {
    const stranger = governed({ [GO_DECISION]: goDecision(20) });
    sign(stranger, 'go_decision_signoff', MALLORY, 'go');
    const s = (await check(stranger, ['E'])).get('E');
    expect(s).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(s?.reason).toMatch(/who is not an operator of wave3/);

    const bot = governed({ [GO_DECISION]: goDecision(20) });
    sign(bot, 'go_decision_signoff', OKAFOR, 'go', CI_BOT);
    const b = (await check(bot, ['E'])).get('E');
    expect(b).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(b?.reason).toMatch(/committed by ci-bot/);
  }, 60_000);

  it('halts unsigned when the signer wrote the go decision, or is a Co-authored-by: co-author of it; so does exit criterion 9', async () => {
    const own = governed({ [GO_DECISION]: goDecision(20) });
    const wrote = own.head().slice(0, 12);
    sign(own, 'go_decision_signoff', OKAFOR, 'go');
    const r = await check(own, ['E', 'EC9']);
    expect(r.get('E')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(r.get('E')?.reason).toContain(`go_decision_signoff: the attestation gates/wave3/attestations/go_decision_signoff.yaml is signed by Marguerite Okafor`);
    expect(r.get('E')?.reason).toContain(`they authored commit ${wrote}`);
    expect(r.get('EC9')).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });

    const paired = governed(
      { [GO_DECISION]: goDecision(20) },
      { author: CI_BOT, message: `proposal: Wave 3 go decision\n\nCo-authored-by: ${LINDQVIST.name} <${LINDQVIST.email}>` },
    );
    const pairedSha = paired.head().slice(0, 12);
    sign(paired, 'go_decision_signoff', LINDQVIST, 'go');
    const p = (await check(paired, ['E'])).get('E');
    expect(p).toMatchObject({ verdict: 'halt', halt_reason: 'unsigned' });
    expect(p?.reason).toContain(`they are a co-author (Co-authored-by:) of commit ${pairedSha}`);
    // Okafor wrote none of it, so her signature counts.
    const other = governed(
      { [GO_DECISION]: goDecision(20) },
      { author: CI_BOT, message: `proposal: Wave 3 go decision\n\nCo-authored-by: ${LINDQVIST.name} <${LINDQVIST.email}>` },
    );
    sign(other, 'go_decision_signoff', OKAFOR, 'go');
    expect((await check(other, ['E'])).get('E')).toMatchObject({ verdict: 'pass' });
  }, 60_000);

  it('fires on a slip past 25% with no signature, and on a signed no-go', async () => {
    expect((await check(governed({ [GO_DECISION]: goDecision(30) }), ['E'])).get('E')).toMatchObject({
      verdict: 'fail',
    });
    const noGo = governed({ [GO_DECISION]: goDecision(20) });
    // Okafor wrote the go decision: the other operator signs it.
    sign(noGo, 'go_decision_signoff', LINDQVIST, 'no-go');
    expect((await check(noGo, ['E'])).get('E')).toMatchObject({ verdict: 'fail' });
  }, 60_000);
});

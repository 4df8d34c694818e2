/**
 * Council rounds against the scripted offline model, through the real SDK (its retries,
 * its error types) with the fake injected as its fetch; the ledger is written to a temp
 * repository and read back.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeModel, type ScriptedResponse, scriptFromDir } from '../../src/council/fake-model.js';
import { councilExitCode, councilRound } from '../../src/council/round.js';
import { readRounds, withLedgerLock } from '../../src/council/ledger.js';
import { laneMarker, minCacheableTokens } from '../../src/council/lanes.js';
import type { FactsProvider } from '../../src/council/facts.js';
import type { FactId } from '../../src/council/spec.js';
import { councilRepo, type CouncilRepo, FIXTURES, LANES } from './helpers.js';

const KEY = 'sk-ant-test-DO-NOT-PRINT-0123456789abcdef';
let repo: CouncilRepo;
afterEach(() => repo?.cleanup());

async function round(script: string | Map<string, ScriptedResponse[]>, now = '2026-11-20T10:00:00Z') {
  const fake = fakeModel(typeof script === 'string' ? scriptFromDir(join(FIXTURES, script)) : script);
  const r = await councilRound({
    root: repo.root,
    rfc: 'demo',
    apiKey: KEY,
    fetch: fake.fetch,
    tokenCount: 'api',
    now: new Date(now),
  });
  return { r, fake };
}

const finding = (lane: string, severity: string, section: string, claim: string) => ({
  lane,
  severity,
  section,
  claim,
  evidence: `evidence for ${claim}`,
  suggested_fix: 'fix it',
});

describe('fake model fixtures', () => {
  it('a fixture that is not a scripted response says what one is, without a path only a checkout has', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-fake-'));
    try {
      writeFileSync(join(dir, 'architect.json'), '[]');
      expect(() => scriptFromDir(dir)).toThrow(
        `${join(dir, 'architect.json')}: a fake model fixture is one scripted response (a JSON object) or a non-empty list of them, such as { "findings": [] } for a lane with nothing to report (more in test/council/fixtures/ of rfcgate's repository)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('council run', () => {
  it('all clear: every lane answers, no BLOCK, exit 0, the round is stored with the document hash', async () => {
    repo = councilRepo();
    const { r } = await round('all-clear');
    expect(r.lanes.map((l) => [l.id, l.status, l.findings.length])).toEqual([
      ['architect', 'ok', 0],
      ['code-reviewer', 'ok', 1],
      ['live-verifier', 'ok', 1],
    ]);
    expect(r.contract.verdict).toBe('pass');
    expect(councilExitCode(r)).toBe(0);
    expect(r.files.json).toBe('rfcs/demo/council/2026-11-20-v1.json');
    const stored = JSON.parse(readFileSync(join(repo.root, r.files.json), 'utf8')) as typeof r;
    expect(stored.document.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.document.sha256).toBe(r.document.sha256);
    expect(readFileSync(join(repo.root, r.files.markdown), 'utf8')).toContain('PASS: no open BLOCK');
    // Nothing half-written is left behind.
    expect(readdirSync(join(repo.root, 'rfcs/demo/council')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a BLOCK fails the round (exit 1) and the contract names what it requires', async () => {
    repo = councilRepo();
    const { r } = await round('block');
    expect(r.contract.verdict).toBe('fail');
    expect(councilExitCode(r)).toBe(1);
    expect(r.contract.open_blocks).toBe(1);
    expect(r.contract.blocks[0]).toMatchObject({ lane: 'architect', severity: 'BLOCK', section: '§2' });
    expect(r.contract.requires).toBe('redraft');
    // A CONCERN does not block.
    expect(r.open.filter((f) => f.severity === 'CONCERN')).toHaveLength(1);
  });

  it('retries 429 and 529 with backoff, then succeeds; the attempts are counted', async () => {
    repo = councilRepo();
    const { r } = await round('rate-limited');
    const reviewer = r.lanes.find((l) => l.id === 'code-reviewer');
    expect(reviewer?.status).toBe('ok');
    expect(reviewer?.attempts).toBe(3);
    expect(reviewer?.findings).toHaveLength(1);
    expect(r.contract.verdict).toBe('pass');
  });

  it('a lane still rate-limited after its retries is failed, never "no findings"; the round halts (exit 2)', async () => {
    repo = councilRepo();
    const { r } = await round('lane-fails');
    const reviewer = r.lanes.find((l) => l.id === 'code-reviewer');
    expect(reviewer?.status).toBe('failed');
    expect(reviewer?.failure).toMatchObject({ kind: 'api', status: 429 });
    // max_retries 3: one request and three retries.
    expect(reviewer?.attempts).toBe(4);
    expect(r.contract.verdict).toBe('halt');
    expect(councilExitCode(r)).toBe(2);
    expect(r.contract.failed_lanes).toEqual(['code-reviewer']);
    expect(readFileSync(join(repo.root, r.files.markdown), 'utf8')).toMatch(/code-reviewer .*FAILED \(api\)/);
  });

  it('malformed structured output is rejected with the schema violations, and the lane reported failed', async () => {
    repo = councilRepo();
    const { r } = await round('malformed');
    const architect = r.lanes.find((l) => l.id === 'architect');
    expect(architect?.status).toBe('failed');
    expect(architect?.failure?.kind).toBe('malformed');
    expect(architect?.failure?.problems).toEqual(
      expect.arrayContaining([
        'findings.0.severity must be one of BLOCK, CONCERN, NIT, not "MAJOR"',
        "findings.0 lacks 'evidence'",
      ]),
    );
    expect(architect?.findings).toEqual([]);
    expect(r.contract.verdict).toBe('halt');
    // The stored summary (a PR comment) names every violation, not only the first.
    const summary = readFileSync(join(repo.root, r.files.markdown), 'utf8');
    expect(summary).toContain('- architect: findings.0.severity must be one of BLOCK, CONCERN, NIT, not "MAJOR"');
    expect(summary).toContain("- architect: findings.0 lacks 'suggested_fix'");
  });

  it('output that is not JSON at all, or cut off at max_tokens, is rejected too', async () => {
    repo = councilRepo();
    const ok = [{ findings: [] }];
    const { r } = await round(
      new Map<string, ScriptedResponse[]>([
        ['architect', [{ text: 'I reviewed it and it looks fine.' }]],
        ['code-reviewer', [{ stop_reason: 'max_tokens', text: '{"findings": [{"lane"' }]],
        ['live-verifier', ok],
      ]),
    );
    expect(r.lanes.find((l) => l.id === 'architect')?.failure?.message).toMatch(/not JSON/);
    expect(r.lanes.find((l) => l.id === 'code-reviewer')?.failure?.kind).toBe('truncated');
  });

  it('an answer that stopped to call a tool or paused its turn is no clean lane, though its text is valid findings', async () => {
    repo = councilRepo();
    const clean = JSON.stringify({ findings: [] });
    const fake = fakeModel(
      new Map<string, ScriptedResponse[]>([
        ['architect', [{ stop_reason: 'tool_use', text: clean }]],
        ['code-reviewer', [{ stop_reason: 'pause_turn', text: clean }]],
        ['live-verifier', [{ findings: [] }]],
      ]),
    );
    // The verifier's answer also carries a tool call after its text, with end_turn.
    const fetch: typeof fake.fetch = async (input, init) => {
      const res = await fake.fetch(input, init);
      const body = typeof init?.body === 'string' ? init.body : '';
      if (!body.includes(laneMarker('live-verifier').replace(/"/g, '\\"'))) return res;
      const m = (await res.json()) as { content: unknown[] };
      m.content.push({ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} });
      return new Response(JSON.stringify(m), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const r = await councilRound({ root: repo.root, rfc: 'demo', apiKey: KEY, fetch, tokenCount: 'api' });
    const failure = (id: string) => r.lanes.find((l) => l.id === id)?.failure;
    expect(r.lanes.map((l) => l.status)).toEqual(['failed', 'failed', 'failed']);
    expect(failure('architect')).toMatchObject({ kind: 'malformed' });
    expect(failure('architect')?.message).toMatch(/stop_reason 'tool_use'/);
    expect(failure('code-reviewer')?.message).toMatch(/stop_reason 'pause_turn'/);
    expect(failure('live-verifier')?.message).toMatch(/a tool_use block/);
    expect(r.contract.verdict).toBe('halt');
    expect(councilExitCode(r)).toBe(2);
  });

  it("an answer cut off at the model's context window is truncated, not malformed, and max_tokens is not the advice", async () => {
    repo = councilRepo();
    const ok = [{ findings: [] }];
    const { r } = await round(
      new Map<string, ScriptedResponse[]>([
        ['architect', [{ stop_reason: 'model_context_window_exceeded', text: '{"findings": [{"lane": "arch' }]],
        ['code-reviewer', ok],
        ['live-verifier', ok],
      ]),
    );
    const architect = r.lanes.find((l) => l.id === 'architect');
    expect(architect?.status).toBe('failed');
    expect(architect?.failure?.kind).toBe('truncated');
    expect(architect?.failure?.message).toMatch(
      /^the answer was cut off at the end of claude-opus-4-5's context window \(input \d+ tokens\); shorten the RFC document or the lane's brief, or give the lane a model with a larger context window$/,
    );
    expect(r.contract.verdict).toBe('halt');
    expect(councilExitCode(r)).toBe(2);
  });

  it('findings persist across two rounds; resolved and new ones are named; a BLOCK stays until a later round clears it', async () => {
    repo = councilRepo();
    const block = finding('architect', 'BLOCK', '§2', 'The cache re-adds PostgreSQL load.');
    const concern = finding('architect', 'CONCERN', '§1', 'No rollback owner.');
    const nit = finding('code-reviewer', 'NIT', '§2', 'Invariant 3 is listed twice.');
    const verified = [{ findings: [finding('live-verifier', 'VERIFIED', '§1', 'Specs validate.')] }];
    const first = await round(
      new Map<string, ScriptedResponse[]>([
        ['architect', [{ findings: [block, concern] }]],
        ['code-reviewer', [{ findings: [nit] }]],
        ['live-verifier', verified],
      ]),
    );
    expect(first.r.round).toBe(1);
    expect(first.r.diff.previous).toBeNull();
    expect(first.r.lanes.flatMap((l) => l.findings.map((f) => f.status))).toEqual(['new', 'new', 'new', 'new']);

    // Round 2, a redraft: same BLOCK restated with different spacing and case; concern fixed; a new NIT.
    repo.setVersion('v2');
    repo.writeDocument(`${readFileSync(join(repo.root, 'rfcs/demo.md'), 'utf8')}\n## §3 Rollback\n`);
    const newNit = finding('code-reviewer', 'NIT', '§3', 'Heading lacks a body.');
    const second = await round(
      new Map<string, ScriptedResponse[]>([
        ['architect', [{ findings: [{ ...block, claim: 'the cache re-adds  PostgreSQL load' }] }]],
        ['code-reviewer', [{ findings: [nit, newNit] }]],
        ['live-verifier', verified],
      ]),
      '2026-11-21T10:00:00Z',
    );
    const r = second.r;
    expect(r.round).toBe(2);
    expect(r.diff.previous).toBe('rfcs/demo/council/2026-11-20-v1.json');
    const status = Object.fromEntries(r.lanes.flatMap((l) => l.findings.map((f) => [f.claim, f.status])));
    expect(status).toEqual({
      'the cache re-adds  PostgreSQL load': 'persisted',
      'Invariant 3 is listed twice.': 'persisted',
      'Heading lacks a body.': 'new',
      'Specs validate.': 'persisted',
    });
    expect(r.diff.resolved.map((f) => f.claim)).toEqual(['No rollback owner.']);
    expect(r.contract.verdict).toBe('fail');
    expect(r.contract.consecutive_block_rounds).toBe(2);
    // escalate_after_rounds is 2 in the fixture.
    expect(r.contract.escalate).toBe(true);
    expect(r.contract.notes.join('\n')).toMatch(/escalate to the operators/);

    // The previous round's open findings were handed back to their lane, after the document.
    const req = second.fake.requests.find((q) => q.lane === 'architect');
    expect(JSON.stringify(req?.body)).toContain('The cache re-adds PostgreSQL load.');

    // Round 3 clears the BLOCK: the round passes and the BLOCK is resolved.
    repo.setVersion('v3');
    const third = await round(
      new Map<string, ScriptedResponse[]>([
        ['architect', [{ findings: [] }]],
        ['code-reviewer', [{ findings: [nit] }]],
        ['live-verifier', verified],
      ]),
      '2026-11-22T10:00:00Z',
    );
    expect(third.r.contract.verdict).toBe('pass');
    expect(third.r.contract.consecutive_block_rounds).toBe(0);
    expect(third.r.diff.resolved.map((f) => f.severity)).toEqual(['BLOCK', 'NIT']);
    expect(readRounds(repo.root, 'rfcs/demo/council').map((x) => x.round)).toEqual([1, 2, 3]);
  });

  it('a failed lane clears nothing: its open BLOCK is carried and the round still fails', async () => {
    repo = councilRepo();
    const block = finding('architect', 'BLOCK', '§2', 'The cache re-adds PostgreSQL load.');
    const rest: [string, ScriptedResponse[]][] = [
      ['code-reviewer', [{ findings: [] }]],
      ['live-verifier', [{ findings: [] }]],
    ];
    await round(new Map<string, ScriptedResponse[]>([['architect', [{ findings: [block] }]], ...rest]));
    const { r } = await round(
      new Map<string, ScriptedResponse[]>([['architect', [{ status: 500, retry_after_ms: 1 }]], ...rest]),
      '2026-11-21T10:00:00Z',
    );
    expect(r.lanes.find((l) => l.id === 'architect')?.status).toBe('failed');
    expect(r.diff.resolved).toEqual([]);
    expect(r.diff.carried.map((f) => f.claim)).toEqual([block.claim]);
    expect(r.contract.verdict).toBe('fail');
    expect(r.contract.blocks[0]?.carried).toBe(true);
  });

  it('a round whose BLOCKs were all carried, their lane having failed, does not count towards escalation', async () => {
    repo = councilRepo();
    const block = finding('architect', 'BLOCK', '§2', 'The cache re-adds PostgreSQL load.');
    const rest: [string, ScriptedResponse[]][] = [
      ['code-reviewer', [{ findings: [] }]],
      ['live-verifier', [{ findings: [] }]],
    ];
    const first = await round(new Map<string, ScriptedResponse[]>([['architect', [{ findings: [block] }]], ...rest]));
    expect(first.r.contract.consecutive_block_rounds).toBe(1);
    // escalate_after_rounds is 2 in the fixture: the architect lane is down, nobody reviewed the BLOCK again.
    const down = await round(
      new Map<string, ScriptedResponse[]>([['architect', [{ status: 529, retry_after_ms: 1 }]], ...rest]),
      '2026-11-21T10:00:00Z',
    );
    expect(down.r.contract).toMatchObject({
      verdict: 'fail',
      open_blocks: 1,
      consecutive_block_rounds: 1,
      escalate: false,
    });
    expect(down.r.contract.notes.join('\n')).not.toMatch(/escalate/);
    expect(councilExitCode(down.r)).toBe(1);
    // The lane answers again and still finds the BLOCK: that is the second round with it.
    const again = await round(
      new Map<string, ScriptedResponse[]>([['architect', [{ findings: [block] }]], ...rest]),
      '2026-11-22T10:00:00Z',
    );
    expect(again.r.contract).toMatchObject({ consecutive_block_rounds: 2, escalate: true });
  });

  it('a lane removed from council.yaml clears nothing: its open BLOCK stays, named, until the lane is back to clear it', async () => {
    repo = councilRepo();
    const block = finding('architect', 'BLOCK', '§2', 'The cache re-adds PostgreSQL load.');
    const nit = finding('architect', 'NIT', '§1', 'A typo.');
    const rest: [string, ScriptedResponse[]][] = [
      ['code-reviewer', [{ findings: [] }]],
      ['live-verifier', [{ findings: [] }]],
    ];
    await round(new Map<string, ScriptedResponse[]>([['architect', [{ findings: [block, nit] }]], ...rest]));
    councilRepo({ lanes: LANES.filter((l) => l.id !== 'architect') }, repo.root);
    const { r } = await round(new Map<string, ScriptedResponse[]>(rest), '2026-11-21T10:00:00Z');
    expect(r.lanes.map((l) => l.id)).toEqual(['code-reviewer', 'live-verifier']);
    expect(r.diff.resolved).toEqual([]);
    expect(r.diff.orphaned?.map((f) => [f.severity, f.claim])).toEqual([
      ['BLOCK', block.claim],
      ['NIT', nit.claim],
    ]);
    expect(r.contract.verdict).toBe('fail');
    expect(r.contract.open_blocks).toBe(1);
    expect(r.contract.blocks.map((f) => [f.lane, f.claim, f.carried])).toEqual([['architect', block.claim, true]]);
    expect(r.contract.notes).toContain(
      'lane architect is no longer in council.yaml, but its BLOCK stays open: a removed lane clears nothing; put the lane back so a round can review it',
    );
    // Still open a round later, then cleared once the lane is back and finds nothing.
    const again = await round(new Map<string, ScriptedResponse[]>(rest), '2026-11-22T10:00:00Z');
    expect(again.r.contract.open_blocks).toBe(1);
    councilRepo({}, repo.root);
    const back = await round(
      new Map<string, ScriptedResponse[]>([['architect', [{ findings: [] }]], ...rest]),
      '2026-11-23T10:00:00Z',
    );
    expect(back.r.contract.verdict).toBe('pass');
    expect(back.r.diff.resolved.map((f) => f.severity)).toEqual(['BLOCK', 'NIT']);
  });

  it('two rounds run at once get two round numbers and two records; neither overwrites the other', async () => {
    repo = councilRepo();
    const [a, b] = await Promise.all([round('block'), round('all-clear')]);
    const [first, second] = [a.r, b.r].sort((x, y) => x.round - y.round);
    expect([first?.round, second?.round]).toEqual([1, 2]);
    expect(second?.diff.previous).toBe(first?.files.json);
    expect(new Set([a.r.files.json, b.r.files.json]).size).toBe(2);
    expect(readRounds(repo.root, 'rfcs/demo/council').map((x) => [x.round, x.files.json])).toEqual([
      [1, first?.files.json],
      [2, second?.files.json],
    ]);
    expect(readdirSync(join(repo.root, 'rfcs/demo/council')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a lock left by a council run that no longer exists is taken over', async () => {
    repo = councilRepo();
    // No process has a pid this large (Linux caps pids at 2^22).
    writeFileSync(join(repo.root, 'rfcs/demo/council/.round.lock'), '99999999\n');
    const { r } = await round('all-clear');
    expect(r.round).toBe(1);
    expect(existsSync(join(repo.root, 'rfcs/demo/council/.round.lock'))).toBe(false);
  });

  it('a lock that names no process (empty or damaged) is taken over at once, not waited on', async () => {
    for (const text of ['', 'garbage\n']) {
      repo?.cleanup();
      repo = councilRepo();
      const lock = join(repo.root, 'rfcs/demo/council/.round.lock');
      const leaveLock = () => {
        writeFileSync(lock, text);
        const old = new Date(Date.now() - 60_000);
        utimesSync(lock, old, old);
      };
      leaveLock();
      // The clock is the test's own and moves only as its timers are run: waiting for the lock
      // (a pause between attempts, a deadline to give up at) would move it, however loaded the
      // machine; taken over at once, it stands still.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const before = new Date();
        const held = withLedgerLock(repo.root, 'rfcs/demo/council', () => readFileSync(lock, 'utf8'));
        // Given up at its deadline, it rejects while the timers run; awaited below.
        held.catch(() => {});
        await vi.runAllTimersAsync();
        expect(await held, JSON.stringify(text)).toBe(`${process.pid}\n`);
        expect(new Date(), JSON.stringify(text)).toEqual(before);
      } finally {
        vi.useRealTimers();
      }
      expect(existsSync(lock)).toBe(false);
      // A round meeting such a lock takes it over the same way.
      leaveLock();
      const { r } = await round('all-clear');
      expect(r.round).toBe(1);
      expect(existsSync(lock)).toBe(false);
    }
  });

  it("a version with '/' or '..' in it names a record inside the council folder, and the record keeps the version", async () => {
    repo = councilRepo();
    repo.setVersion('v2/../../../../escaped');
    const { r } = await round('all-clear');
    expect(r.files.json).toBe('rfcs/demo/council/2026-11-20-v2---------escaped.json');
    expect(r.version).toBe('v2/../../../../escaped');
    expect(readRounds(repo.root, 'rfcs/demo/council').map((x) => x.files.json)).toEqual([r.files.json]);
  });

  it('a BLOCK answered by an amendment of the same version is named as a contract violation', async () => {
    repo = councilRepo();
    const script = new Map<string, ScriptedResponse[]>([
      ['architect', [{ findings: [finding('architect', 'BLOCK', '§2', 'Wrong substrate.')] }]],
      ['code-reviewer', [{ findings: [] }]],
      ['live-verifier', [{ findings: [] }]],
    ]);
    await round(script);
    repo.writeDocument(`${readFileSync(join(repo.root, 'rfcs/demo.md'), 'utf8')}\nAmendment.\n`);
    const { r } = await round(script, '2026-11-20T11:00:00Z');
    expect(r.files.json).toBe('rfcs/demo/council/2026-11-20-v1-2.json');
    expect(r.contract.notes.join('\n')).toMatch(/same version v1: an amendment, not a redraft/);
  });

  it('every request puts the same document block first, with the cache breakpoint, and the lane brief after it', async () => {
    repo = councilRepo();
    const { r, fake } = await round('all-clear');
    const messages = fake.requests.filter((q) => q.path === '/v1/messages');
    // The warm-up first, alone, then the three lanes.
    expect(messages.map((q) => q.lane)).toEqual([
      null,
      ...['architect', 'code-reviewer', 'live-verifier'].map(() => expect.any(String)),
    ]);
    const doc = readFileSync(join(repo.root, 'rfcs/demo.md'), 'utf8');
    const firstBlocks: string[] = [];
    for (const q of messages) {
      const content = (q.body.messages as { content: Record<string, unknown>[] }[])[0]?.content ?? [];
      const first = content[0] as { type: string; source: { data: string }; cache_control?: unknown };
      expect(first.type).toBe('document');
      expect(first.source.data).toBe(doc);
      expect(first.cache_control).toEqual({ type: 'ephemeral' });
      firstBlocks.push(JSON.stringify([q.body.system, q.body.output_config, first]));
      if (q.lane) {
        const at = content.findIndex((b) => String(b.text ?? '').startsWith(laneMarker(q.lane ?? '')));
        expect(at).toBe(content.length - 1);
        expect(at).toBeGreaterThan(0);
        expect(String(content[at]?.text)).toContain(`Review as the`);
      }
    }
    // Byte-identical prefix in every request, so the lanes share one cache entry.
    expect(new Set(firstBlocks).size).toBe(1);
    // The verifier is given the facts before its brief.
    const verifier = messages.find((q) => q.lane === 'live-verifier');
    const vc = (verifier?.body.messages as { content: { text?: string }[] }[])[0]?.content ?? [];
    expect(vc[1]?.text).toMatch(/^<facts>/);
    expect(vc[1]?.text).toContain('<fact check="spec_validate" status="ok">');
    // The test repository is not a git repository: the fact says the check could not run.
    expect(vc[1]?.text).toContain('<fact check="cite_verify" status="error">');
    // The simulated cache: the warm-up writes, every lane reads.
    expect(r.warm[0]?.usage?.cache_creation_input_tokens).toBeGreaterThan(0);
    for (const l of r.lanes) {
      expect(l.usage?.cache_read_input_tokens).toBeGreaterThan(0);
      expect(l.usage?.cache_creation_input_tokens).toBe(0);
      expect(l.tokens.method).toBe('counted');
    }
  });

  it("every lane is told the RFC's headings, in document order, in the prefix they share; none from a code fence", async () => {
    repo = councilRepo();
    repo.writeDocument(
      [
        '# RFC: Demo',
        '',
        '## §1 Scope',
        '',
        'What moves and what stays.',
        '',
        '```markdown',
        '## §9 Inside a fence',
        '```',
        '',
        '## §2 Lock invariants',
        '',
        '### §2.1 One writer per agent',
        '',
        'Changelog',
        '---------',
        '',
      ].join('\n'),
    );
    const { fake } = await round(
      new Map(['architect', 'code-reviewer', 'live-verifier'].map((id) => [id, [{ findings: [] }]])),
    );
    const sent = fake.requests.filter((q) => q.path === '/v1/messages');
    expect(
      sent
        .filter((q) => q.lane)
        .map((q) => q.lane)
        .sort(),
    ).toEqual(['architect', 'code-reviewer', 'live-verifier']);
    type Sent = {
      system: { text: string; cache_control?: unknown }[];
      messages: { content: Record<string, unknown>[] }[];
    };
    // The same bytes before the document in the warm-up and in every lane: one cache entry.
    expect(new Set(sent.map((q) => JSON.stringify((q.body as unknown as Sent).system))).size).toBe(1);
    const body = sent[0]?.body as unknown as Sent;
    const shared = body.system.map((b) => b.text).join('\n');
    expect([...shared.matchAll(/^ *- (.+)$/gm)].map((m) => m[1])).toEqual([
      'RFC: Demo',
      '§1 Scope',
      '§2 Lock invariants',
      '§2.1 One writer per agent',
      'Changelog',
    ]);
    expect(shared).not.toContain('Inside a fence');
    // The list sits before the block carrying the breakpoint, so it is cached with the document.
    expect(body.system.some((b) => b.cache_control)).toBe(false);
    expect(body.messages[0]?.content[0]).toMatchObject({ type: 'document', cache_control: { type: 'ephemeral' } });
    // The lane's own part does not repeat it.
    for (const q of sent.filter((r) => r.lane)) {
      const content = (q.body as unknown as Sent).messages[0]?.content ?? [];
      expect(String(content[content.length - 1]?.text)).not.toContain('One writer per agent');
    }
  });

  it("no warm-up is sent when the shared prefix is clearly below the model's minimum cacheable length, and the round says why", async () => {
    repo = councilRepo();
    repo.writeDocument('# RFC: Demo\n\n## §1 Scope\n\nWhat moves.\n\n## §2 Lock invariants\n\nOne writer.\n');
    const { r, fake } = await round('all-clear');
    expect(fake.requests.filter((q) => q.path === '/v1/messages').map((q) => q.lane)).not.toContain(null);
    expect(r.warm).toEqual([
      {
        model: 'claude-opus-4-5',
        usage: null,
        skipped: expect.stringMatching(
          /^the shared prefix is about \d+ tokens at most \(a generous estimate\), below claude-opus-4-5's minimum cacheable length of 4096: the API would cache nothing, for the warm-up or the lanes$/,
        ),
      },
    ]);
    expect(r.lanes.map((l) => l.status)).toEqual(['ok', 'ok', 'ok']);
    expect(readFileSync(join(repo.root, r.files.markdown), 'utf8')).toMatch(
      /^\| cache warm-up \| claude-opus-4-5 \| not sent: the shared prefix is about \d+ tokens at most/m,
    );
  });

  it('a short prefix is still warmed for a model whose minimum cacheable length is not known', async () => {
    repo = councilRepo({ model: 'claude-opus-9' });
    repo.writeDocument('# RFC: Demo\n\n## §1 Scope\n\nWhat moves.\n\n## §2 Lock invariants\n\nOne writer.\n');
    const { r, fake } = await round('all-clear');
    expect(fake.requests.filter((q) => q.path === '/v1/messages')[0]?.lane).toBeNull();
    expect(r.warm).toEqual([{ model: 'claude-opus-9', usage: expect.objectContaining({ output_tokens: 1 }) }]);
  });

  it('knows the minimum cacheable length of the documented models, dated snapshots and aliases included', () => {
    expect(minCacheableTokens('claude-opus-4-5')).toBe(4096);
    expect(minCacheableTokens('claude-opus-4-5-20251101')).toBe(4096);
    expect(minCacheableTokens('claude-haiku-4-5')).toBe(4096);
    expect(minCacheableTokens('claude-sonnet-4-5-20250929')).toBe(1024);
    expect(minCacheableTokens('claude-opus-4-20250514')).toBe(1024);
    expect(minCacheableTokens('claude-3-5-haiku-latest')).toBe(2048);
    expect(minCacheableTokens('claude-3-haiku-20240307')).toBe(2048);
    // Not guessed for a model the table does not list.
    expect(minCacheableTokens('claude-opus-4-7')).toBeUndefined();
  });

  it('offline, every lane input is what was estimated before sending, split into cache read + cache write + uncached', async () => {
    repo = councilRepo();
    const fake = fakeModel(scriptFromDir(join(FIXTURES, 'all-clear')));
    const r = await councilRound({
      root: repo.root,
      rfc: 'demo',
      apiKey: KEY,
      fetch: fake.fetch,
      tokenCount: 'estimate',
      now: new Date('2026-11-20T10:00:00Z'),
    });
    type Body = {
      system: { text: string }[];
      messages: { content: { text?: string; source?: { data: string } }[] }[];
      output_config: { format: { schema: unknown } };
    };
    // Four characters a token over the system text, every block's text and the output schema, by hand.
    const chars = (b: Body, blocks: number) =>
      b.system.reduce((n, s) => n + s.text.length, 0) +
      JSON.stringify(b.output_config.format.schema).length +
      (b.messages[0]?.content ?? []).slice(0, blocks).reduce((n, c) => n + (c.text ?? c.source?.data ?? '').length, 0);
    const sent = fake.requests.filter((q) => q.path === '/v1/messages');
    const warmBody = sent.find((q) => q.lane === null)?.body as unknown as Body;
    const prefix = Math.ceil(chars(warmBody, 1) / 4);
    expect(r.warm[0]?.usage).toEqual({
      input_tokens: 0,
      output_tokens: 1,
      cache_creation_input_tokens: prefix,
      cache_read_input_tokens: 0,
    });
    for (const l of r.lanes) {
      const body = sent.find((q) => q.lane === l.id)?.body as unknown as Body;
      const whole = Math.ceil(chars(body, Infinity) / 4);
      expect(l.tokens).toEqual({ input: whole, method: 'estimate' });
      expect(l.usage).toMatchObject({
        cache_read_input_tokens: prefix,
        cache_creation_input_tokens: 0,
        input_tokens: whole - prefix,
      });
    }
    const lanesIn = r.lanes.reduce((n, l) => n + l.tokens.input, 0);
    expect(r.totals.tokens).toBe(lanesIn);
    expect(r.totals.usage).toMatchObject({
      cache_read_input_tokens: 3 * prefix,
      cache_creation_input_tokens: prefix,
      input_tokens: lanesIn - 3 * prefix,
    });
  });

  it('the API key never appears in the round, the ledger or a failure message, even when an error body echoes it', async () => {
    repo = councilRepo();
    const { r, fake } = await round('key-echo');
    const architect = r.lanes.find((l) => l.id === 'architect');
    expect(architect?.status).toBe('failed');
    expect(architect?.failure?.message).toContain('[redacted]');
    // The key was really sent and really echoed: without redaction it would be in the message.
    expect(fake.requests.some((q) => q.lane === 'architect')).toBe(true);
    const written = readdirSync(join(repo.root, 'rfcs/demo/council')).map((n) =>
      readFileSync(join(repo.root, 'rfcs/demo/council', n), 'utf8'),
    );
    for (const text of [JSON.stringify(r), ...written]) expect(text).not.toContain(KEY);
    expect(existsSync(join(repo.root, r.files.json))).toBe(true);
  });

  it("the API key is redacted from a malformed answer's failure message, which quotes the answer's first characters", async () => {
    repo = councilRepo();
    const key = 'sk-ant-k1';
    const script = new Map<string, ScriptedResponse[]>([
      ['architect', [{ text: `${key} is the key you sent` }]],
      ['code-reviewer', [{ findings: [] }]],
      ['live-verifier', [{ findings: [] }]],
    ]);
    const r = await councilRound({
      root: repo.root,
      rfc: 'demo',
      apiKey: key,
      fetch: fakeModel(script).fetch,
      tokenCount: 'estimate',
      now: new Date('2026-11-20T10:00:00Z'),
    });
    const architect = r.lanes.find((l) => l.id === 'architect');
    expect(architect?.failure?.kind).toBe('malformed');
    expect(architect?.failure?.message).toContain('[redacted]');
    const written = readdirSync(join(repo.root, 'rfcs/demo/council')).map((n) =>
      readFileSync(join(repo.root, 'rfcs/demo/council', n), 'utf8'),
    );
    for (const text of [JSON.stringify(r), ...written]) expect(text).not.toContain(key);
  });

  it("a request that hangs is given up after council.yaml's timeout, and the lane fails", async () => {
    repo = councilRepo({ timeout: '1s', max_retries: 1, warm_cache: false });
    const fake = fakeModel(scriptFromDir(join(FIXTURES, 'all-clear')));
    // The architect's requests never answer; they end only when the client gives them up.
    const hanging: typeof fake.fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      if (!body.includes('Architect')) return fake.fetch(input, init);
      return new Promise((_, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason ?? new Error('aborted')));
      });
    };
    const r = await councilRound({ root: repo.root, rfc: 'demo', apiKey: KEY, fetch: hanging, tokenCount: 'estimate' });
    const architect = r.lanes.find((l) => l.id === 'architect');
    expect(architect?.status).toBe('failed');
    expect(architect?.failure?.kind).toBe('api');
    // One request and one retry, each given up at the timeout.
    expect(architect?.attempts).toBe(2);
    expect(r.lanes.filter((l) => l.status === 'ok').map((l) => l.id)).toEqual(['code-reviewer', 'live-verifier']);
    expect(councilExitCode(r)).toBe(2);
  }, 30_000);

  it('a slow deterministic check holds back only the lane given facts, not the start of the others', async () => {
    repo = councilRepo();
    const fake = fakeModel(scriptFromDir(join(FIXTURES, 'all-clear')));
    const events: string[] = [];
    let architectSent: () => void = () => undefined;
    const architectStarted = new Promise<void>((resolve) => (architectSent = resolve));
    const seen: typeof fake.fetch = (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : '';
      if (body.includes('Lane: Architect (id architect)')) {
        events.push('architect sent');
        architectSent();
      }
      return fake.fetch(input, init);
    };
    // The check finishes once the architect has been sent, or after a while if it never is
    // before the check ends: only the order of the two events is asserted.
    const slow = (id: FactId): FactsProvider => ({
      id,
      title: id,
      async collect() {
        await Promise.race([architectStarted, new Promise((r) => setTimeout(r, 3000))]);
        events.push(`${id} done`);
        return { id, title: id, status: 'ok', summary: 'ok', detail: 'ok' };
      },
    });
    const providers = {
      spec_validate: slow('spec_validate'),
      cite_verify: slow('cite_verify'),
      comparator_check: slow('comparator_check'),
    };
    const r = await councilRound({
      root: repo.root,
      rfc: 'demo',
      apiKey: KEY,
      fetch: seen,
      tokenCount: 'estimate',
      providers,
    });
    expect(events[0]).toBe('architect sent');
    expect(r.facts.map((f) => f.id)).toEqual(['spec_validate', 'cite_verify']);
    expect(r.lanes.every((l) => l.status === 'ok')).toBe(true);
    // The verifier still reads the facts: its request carries them.
    const verifier = fake.requests.find((q) => q.lane === 'live-verifier');
    expect(JSON.stringify(verifier?.body)).toContain('<fact check=\\"spec_validate\\"');
  });

  it('sends the lanes in parallel, not one after another', async () => {
    repo = councilRepo();
    const fake = fakeModel(scriptFromDir(join(FIXTURES, 'all-clear')));
    let inFlight = 0;
    let most = 0;
    // Each lane's request is held until all three are in flight: sent one after another, the
    // first would wait alone until the fallback lets it go, and `most` would stay 1. A fixed
    // pause instead made a loaded machine's slow preparation of a lane read as sequential.
    // The warm-up (max_tokens 1) goes first and alone, so it is not held.
    let allIn: () => void = () => undefined;
    const together = new Promise<void>((r) => (allIn = r));
    const slow: typeof fake.fetch = async (input, init) => {
      const warm = (JSON.parse(String(init?.body)) as { max_tokens?: number }).max_tokens === 1;
      if (!warm) inFlight++;
      most = Math.max(most, inFlight);
      if (inFlight === 3) allIn();
      if (!warm) await Promise.race([together, new Promise((r) => setTimeout(r, 10_000))]);
      try {
        return await fake.fetch(input, init);
      } finally {
        if (!warm) inFlight--;
      }
    };
    await councilRound({ root: repo.root, rfc: 'demo', apiKey: KEY, fetch: slow, tokenCount: 'estimate' });
    expect(most).toBe(3);
  });
});

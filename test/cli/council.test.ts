/**
 * `council run` as a user runs it: the real binary, offline with --fake-model, in a git
 * fixture repository whose RFC has a council gate; then `gate check` reads the stored round.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { modeline } from '../helpers/spec-fixture.js';
import { councilRepo, type CouncilRepo, FIXTURES } from '../council/helpers.js';
import { BIN, runCli as run } from '../helpers/cli.js';

const KEY = 'sk-ant-cli-SECRET-never-print-9f8e7d6c5b4a';

function runAsync(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const { ANTHROPIC_API_KEY: _k, DATABASE_URL: _d, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...inherited, NO_COLOR: '1', ...env } });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  return new Promise<{ code: number | null; stdout: string }>((done) =>
    child.on('close', (code) => done({ code, stdout })),
  );
}

const fake = (name: string) => ['--fake-model', join(FIXTURES, name)];

/** A git fixture whose demo RFC has a council gate, committed on 2026-11-01. */
function governed(): { repo: FixtureRepo; rfc: CouncilRepo } {
  const repo = createRepo();
  const rfc = councilRepo({}, repo.dir);
  writeFileSync(
    join(repo.dir, 'gates/demo/measurements.yaml'),
    modeline('measurements.yaml') + stringify([{ id: 'council_open_blocks', council: { value: 'open_blocks' } }]),
  );
  writeFileSync(
    join(repo.dir, 'gates/demo/invariants.yaml'),
    modeline('invariants.yaml') +
      stringify([
        {
          id: 'COUNCIL',
          title: 'No open council BLOCK',
          section: '§2',
          phase: ['implementation'],
          holds_if: 'council_open_blocks == 0',
        },
      ]),
  );
  repo.git(['add', '-A']);
  repo.commit({ message: 'demo RFC with a council', date: '2026-11-01T00:00:00Z' });
  return { repo, rfc };
}

let repo: FixtureRepo;
let rfc: CouncilRepo;
beforeAll(() => {
  ({ repo, rfc } = governed());
});
afterAll(removeFixtures);

const gate = () => run(['gate', 'check', '--json'], repo.dir);
/** The council gate's result, from the given gate check or a new one. */
const council = (g = gate()) =>
  JSON.parse(g.stdout).results[0] as { verdict: string; halt_reason?: string; reason?: string };

describe('council run', () => {
  it('council status before any round halts with what to run', () => {
    const r = run(['council', 'status'], repo.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("no council round stored in rfcs/demo/council: run 'demo council run'\n");
  });

  it('without ANTHROPIC_API_KEY says how to set it and exits 3, with no stack trace', () => {
    const r = run(['council', 'run'], repo.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: ANTHROPIC_API_KEY is not set: .*export ANTHROPIC_API_KEY=<key>/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.stdout).toBe('');
  });

  it('a key with a character no key has is refused before any lane runs: exit 3, where it is said, the key never printed, no round stored', () => {
    const before = readdirSync(join(repo.dir, 'rfcs/demo/council')).sort();
    for (const [key, what] of [
      ['sk-ant-ключ-1234', 'the character U\\+043A at position 8'],
      ['sk-ant-abcd\nsk-ant-abcd', 'a space or line break at position 12'],
    ] as const) {
      const r = run(['council', 'run', ...fake('all-clear')], repo.dir, { ANTHROPIC_API_KEY: key });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`^error: ANTHROPIC_API_KEY holds ${what}, which an API key never has: `));
      expect(r.stderr).not.toContain('abcd');
      expect(r.stderr).not.toContain('ключ');
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(join(repo.dir, 'rfcs/demo/council')).sort()).toEqual(before);
  });

  it('a key the API refuses (HTTP 401) exits 3 saying so, without the key, and stores no round', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-fake-'));
    try {
      for (const lane of ['architect', 'code-reviewer', 'live-verifier'])
        writeFileSync(join(dir, `${lane}.json`), '{ "status": 401, "echo_key": true }');
      const before = readdirSync(join(repo.dir, 'rfcs/demo/council')).sort();
      const r = run(['council', 'run', '--fake-model', dir], repo.dir, { ANTHROPIC_API_KEY: KEY });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /^error: the Anthropic API refused ANTHROPIC_API_KEY \(HTTP 401: .*\[redacted\].*\): the key is wrong, revoked or of another organisation; .* No round was stored\n$/,
      );
      expect(r.stdout + r.stderr).not.toContain(KEY);
      expect(r.stdout).toBe('');
      expect(readdirSync(join(repo.dir, 'rfcs/demo/council')).sort()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('before any round, the council gate halts: missing', () => {
    const g = gate();
    expect(g.code).toBe(2);
    expect(council(g)).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
  });

  it('a BLOCK: exit 1, findings and per-lane tokens and cache shown, the round stored, the gate fails', () => {
    const r = run(['council', 'run', ...fake('block')], repo.dir, { ANTHROPIC_API_KEY: KEY });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}\[BLOCK\] §2 The cache re-adds/m);
    // Offline, each lane's input adds up: cache read + cache write + uncached, and is what was estimated before sending.
    const lane =
      /^ {2}architect: input (\d+) = cache read (\d+) \+ cache write 0 \+ uncached (\d+); output \d+; 1 request; (\d+) before sending \(estimate\)$/m
        .exec(r.stdout)
        ?.slice(1)
        .map(Number);
    expect(lane).toHaveLength(4);
    const [input, read, uncached, before] = lane ?? [];
    expect(input).toBe((read ?? NaN) + (uncached ?? NaN));
    expect(before).toBe(input);
    expect(r.stdout).toMatch(
      /^ {2}total \(warm-up and lanes\): input \d+ = .*cache hit ratio \d+\.\d%; lanes \d+ before sending \(estimate\)$/m,
    );
    expect(r.stdout).toMatch(/^FAIL: 1 open BLOCK; the contract requires a redraft$/m);
    const stored = r.stdout.match(/^stored (\S+\.json)/m)?.[1] ?? '';
    expect(JSON.parse(readFileSync(join(repo.dir, stored), 'utf8')).contract.open_blocks).toBe(1);
    expect(council()).toMatchObject({ verdict: 'fail' });
  });

  it('a later all-clear round resolves the BLOCK: exit 0, and the gate passes', () => {
    const r = run(['council', 'run', ...fake('all-clear'), '--json'], repo.dir, { ANTHROPIC_API_KEY: KEY });
    expect(r.code).toBe(0);
    const round = JSON.parse(r.stdout);
    expect(round.round).toBe(2);
    expect(round.diff.resolved.map((f: { severity: string }) => f.severity).sort()).toEqual(['BLOCK', 'CONCERN']);
    expect(council()).toMatchObject({ verdict: 'pass' });
    expect(run(['council', 'status'], repo.dir).code).toBe(0);
  });

  it('after the RFC changes, the gate halts stale until the council reviews the new text, and council status exits 2 with it', () => {
    rfc.writeDocument(`${readFileSync(join(repo.dir, 'rfcs/demo.md'), 'utf8')}\nA new paragraph.\n`);
    expect(council()).toMatchObject({ verdict: 'halt', halt_reason: 'stale' });
    const stale = run(['council', 'status'], repo.dir);
    expect(stale.code).toBe(2);
    // The verdict the round recorded, then what it vouches for now: in the report itself.
    expect(stale.stdout).toMatch(/^PASS: no open BLOCK$/m);
    expect(stale.stdout).toMatch(
      /^now: HALT \(stale\): rfcs\/demo\.md changed since round 2 reviewed it \(sha256 \w{12} → \w{12}\): run 'demo council run' on the current text$/m,
    );
    // A PR comment or step summary must not read PASS alone while the step halts.
    const md = run(['council', 'status', '--format', 'markdown'], repo.dir);
    expect(md.code).toBe(2);
    expect(md.stdout).toMatch(
      /^- verdict: \*\*PASS: no open BLOCK\*\*\n- now: \*\*HALT \(stale\): rfcs\/demo\.md changed since round 2 reviewed it/m,
    );
    // JSON is the stored record: the note is on stderr.
    const json = run(['council', 'status', '--json'], repo.dir);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ round: 2 });
    expect(json.stderr).toMatch(/^note: rfcs\/demo\.md changed since round 2 reviewed it/);
  });

  it('a lane that fails after its retries: exit 2, reported FAILED; the key never printed even when echoed', () => {
    for (const name of ['lane-fails', 'key-echo']) {
      const r = run(['council', 'run', ...fake(name), '--format', 'markdown'], repo.dir, { ANTHROPIC_API_KEY: KEY });
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/\| FAILED \(api\): HTTP (429|403)/);
      expect(r.stdout + r.stderr).not.toContain(KEY);
    }
    const echoed = run(['council', 'run', ...fake('key-echo')], repo.dir, { ANTHROPIC_API_KEY: KEY });
    expect(echoed.stdout).toContain('[redacted]');
    expect(echoed.stdout + echoed.stderr).not.toContain(KEY);
  });

  it('the key is not handed to the processes the facts run: a DEBUG trace of their environment never shows it', () => {
    // A repository of its own: this round must not become the latest of the shared one.
    const own = createRepo();
    councilRepo({}, own.dir);
    own.git(['add', '-A']);
    own.commit({ message: 'demo RFC with a council', date: '2026-11-01T00:00:00Z' });
    // simple-git's debug output lists the environment each git process is spawned with.
    const r = run(['council', 'run', ...fake('all-clear'), '--debug'], own.dir, {
      ANTHROPIC_API_KEY: KEY,
      DEBUG: 'simple-git*',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/simple-git/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('council status reads the latest round without the API, and notes a changed document', () => {
    rfc.writeDocument(`${readFileSync(join(repo.dir, 'rfcs/demo.md'), 'utf8')}\nAnother paragraph.\n`);
    const r = run(['council', 'status'], repo.dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^demo v1 council round \d+ at /);
    expect(r.stdout).toMatch(/^HALT: lane failed \(architect\)$/m);
    expect(r.stdout).toMatch(/^now: rfcs\/demo\.md changed since round \d+ reviewed it/m);
  });

  it('a fake model fixture that is not JSON is named at its line: exit 3, and no round stored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-fake-'));
    try {
      for (const lane of ['code-reviewer', 'live-verifier'])
        writeFileSync(join(dir, `${lane}.json`), '{"findings":[]}');
      writeFileSync(join(dir, 'architect.json'), '{"findings": [],\n  severity: "BLOCK"}');
      const before = readdirSync(join(repo.dir, 'rfcs/demo/council')).sort();
      const r = run(['council', 'run', '--fake-model', dir], repo.dir);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^error: \S+architect\.json:2:3: the fake model fixture is not valid JSON/);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(r.stdout).toBe('');
      expect(readdirSync(join(repo.dir, 'rfcs/demo/council')).sort()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lane with no fake model fixture is refused before any lane runs: exit 3, naming the lane and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-fake-'));
    try {
      for (const lane of ['architect', 'code-reviewer']) writeFileSync(join(dir, `${lane}.json`), '{"findings":[]}');
      const before = readdirSync(join(repo.dir, 'rfcs/demo/council')).sort();
      const r = run(['council', 'run', '--fake-model', dir], repo.dir);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `error: the fake model has no fixture for lane live-verifier: expected ${join(dir, 'live-verifier.json')}; add it ({ "findings": [] } is a lane with nothing to report; more in test/council/fixtures/ of rfcgate's repository), or point --fake-model at a folder with one <lane id>.json per lane of council.yaml\n`,
      );
      expect(r.stdout).toBe('');
      expect(readdirSync(join(repo.dir, 'rfcs/demo/council')).sort()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two council runs at once store two rounds with consecutive numbers, neither overwriting the other', async () => {
    const before = readdirSync(join(repo.dir, 'rfcs/demo/council')).filter((n) => n.endsWith('.json')).length;
    const runs = await Promise.all(
      ['all-clear', 'all-clear'].map((name) =>
        runAsync(['council', 'run', ...fake(name), '--json'], repo.dir, { ANTHROPIC_API_KEY: KEY }),
      ),
    );
    const rounds = runs.map((r) => JSON.parse(r.stdout) as { round: number; files: { json: string } });
    const numbers = rounds.map((r) => r.round).sort((a, b) => a - b);
    expect(numbers[1]).toBe((numbers[0] ?? 0) + 1);
    expect(new Set(rounds.map((r) => r.files.json)).size).toBe(2);
    const files = readdirSync(join(repo.dir, 'rfcs/demo/council')).filter((n) => n.endsWith('.json'));
    expect(files.length).toBe(before + 2);
  });

  it('a fake model fixture whose status is no HTTP status is refused: exit 3, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-fake-'));
    try {
      for (const lane of ['code-reviewer', 'live-verifier'])
        writeFileSync(join(dir, `${lane}.json`), '{"findings":[]}');
      writeFileSync(join(dir, 'architect.json'), '[{"status": 429}, {"status": 999}]');
      const r = run(['council', 'run', '--fake-model', dir], repo.dir);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `error: ${join(dir, 'architect.json')}: status 999 is not an HTTP status the fake model can answer with; use an integer from 200 to 599 (e.g. 429, 529, 500)\n`,
      );
      expect(r.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('council status --help documents its exit codes, stale included', () => {
    const r = run(['council', 'status', '--help'], repo.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}2 {2}halt: .*the RFC document changed \(stale\)$/m);
  });

  it('--help documents the exit codes and --fake-model', () => {
    const r = run(['council', 'run', '--help'], repo.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/EXIT CODES/);
    expect(r.stdout).toMatch(/1 {2}a BLOCK is open/);
    expect(r.stdout).toMatch(/--fake-model/);
  });
});

describe('gate check and a council round not yet committed', () => {
  type Result = {
    verdict: string;
    halt_reason?: string;
    reason?: string;
    evidence: { measurements: { council_open_blocks: Record<string, unknown> } };
  };
  const check = (dir: string, ...args: string[]) => {
    const r = run(['gate', 'check', '--json', ...args], dir);
    return { code: r.code, result: JSON.parse(r.stdout).results[0] as Result };
  };

  it('a plain gate check judges it and says CI cannot see it; --ref HEAD named halts missing naming it, until it is committed', () => {
    const { repo: local } = governed();
    const r = run(['council', 'run', ...fake('block'), '--json'], local.dir, { ANTHROPIC_API_KEY: KEY });
    expect(r.code).toBe(1);
    const record = (JSON.parse(r.stdout) as { files: { json: string } }).files.json;

    const plain = check(local.dir);
    expect(plain.result.verdict).toBe('fail');
    expect(plain.result.evidence.measurements.council_open_blocks).toMatchObject({
      record,
      ref: 'HEAD',
      visible_to_ci: false,
    });
    expect(plain.result.evidence.measurements.council_open_blocks.note).toMatch(
      new RegExp(`^${record} exists only in the working tree, not committed on 'HEAD' \\([0-9a-f]{7}\\)`),
    );

    const named = check(local.dir, '--ref', 'HEAD');
    expect(named.code).toBe(2);
    expect(named.result).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(named.result.reason).toContain(
      `; ${record} exists only in the working tree, which a run with --ref or --as-of does not read: commit it`,
    );

    local.git(['add', '-A', 'rfcs/demo/council']);
    local.commit({ message: 'council round 1', date: new Date().toISOString() });
    expect(check(local.dir, '--ref', 'HEAD').result.verdict).toBe('fail');
    expect(check(local.dir).result.evidence.measurements.council_open_blocks).toMatchObject({ visible_to_ci: true });
    // As of an instant before the round was committed, there was no round at all.
    const past = check(local.dir, '--as-of', '2026-11-15');
    expect(past.result).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(past.result.reason).toContain("no council round stored in rfcs/demo/council on 'HEAD'");
  });
});

describe('council run offline without a key', () => {
  it('reports what a lane answered as it was, with nothing taken for a key', () => {
    const local = councilRepo();
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-fake-'));
    try {
      for (const n of ['code-reviewer', 'live-verifier']) writeFileSync(join(dir, `${n}.json`), '{ "findings": [] }');
      writeFileSync(join(dir, 'architect.json'), JSON.stringify({ text: 'offline answer' }));
      const r = run(['council', 'run', '--fake-model', dir], local.root);
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('"offline answer" is not valid JSON');
      expect(r.stdout).not.toContain('[redacted]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      local.cleanup();
    }
  });
});

describe('a finding that names a section the RFC does not have', () => {
  it('is stored with a note and shown by council run and council status in every format; its BLOCK still fails the round', () => {
    const local = councilRepo();
    try {
      const r = run(['council', 'run', ...fake('unknown-section')], local.root, { ANTHROPIC_API_KEY: KEY });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      const lines = r.stdout.split('\n');
      const at = lines.findIndex((l) => /^ {2}\[BLOCK\] §17 The rollback plan/.test(l));
      expect(lines[at + 1]).toBe('      note: §17 is not a heading of rfcs/demo.md');
      expect(lines.filter((l) => l.includes('note: '))).toHaveLength(1);
      expect(r.stdout).toMatch(/^FAIL: 1 open BLOCK; the contract requires a redraft$/m);

      const stored = r.stdout.match(/^stored (\S+\.json) and (\S+\.md)$/m)?.slice(1) ?? [];
      const record = JSON.parse(readFileSync(join(local.root, stored[0] ?? ''), 'utf8')) as {
        lanes: { id: string; findings: Record<string, unknown>[] }[];
        contract: { open_blocks: number };
      };
      const findings = record.lanes.flatMap((l) => l.findings);
      expect(findings.filter((f) => 'section_found' in f)).toEqual([
        expect.objectContaining({ section: '§17', severity: 'BLOCK', section_found: false, missing_sections: ['§17'] }),
      ]);
      expect(record.contract.open_blocks).toBe(1);
      expect(readFileSync(join(local.root, stored[1] ?? ''), 'utf8')).toContain(
        '| BLOCK | §17 (§17 is not a heading of rfcs/demo.md) | The rollback plan',
      );

      const status = run(['council', 'status'], local.root);
      expect(status.code).toBe(1);
      expect(status.stdout).toContain('      note: §17 is not a heading of rfcs/demo.md\n');
      const md = run(['council', 'status', '--format', 'markdown'], local.root);
      expect(md.code).toBe(1);
      expect(md.stdout).toContain('| BLOCK | §17 (§17 is not a heading of rfcs/demo.md) | The rollback plan');
      const json = run(['council', 'status', '--json'], local.root);
      expect(json.code).toBe(1);
      const shown = JSON.parse(json.stdout) as typeof record;
      expect(shown.lanes.find((l) => l.id === 'architect')?.findings[0]).toMatchObject({
        section: '§17',
        section_found: false,
        missing_sections: ['§17'],
      });
    } finally {
      local.cleanup();
    }
  });
});

describe('council status after a redraft in a new file', () => {
  it('halts stale when rfc.yaml names another document than the round reviewed, and says which', () => {
    const local = councilRepo();
    try {
      const first = run(['council', 'run', ...fake('all-clear')], local.root, { ANTHROPIC_API_KEY: KEY });
      expect(first.code).toBe(0);
      expect(run(['council', 'status'], local.root).code).toBe(0);
      writeFileSync(
        join(local.root, 'rfcs/demo-r2.md'),
        '# RFC: Demo\n\n## §1 Scope\n\n## §2 Lock invariants\n\nRedrafted.\n',
      );
      const manifest = join(local.root, 'gates/demo/rfc.yaml');
      writeFileSync(
        manifest,
        readFileSync(manifest, 'utf8').replace('document: rfcs/demo.md', 'document: rfcs/demo-r2.md'),
      );
      const r = run(['council', 'status'], local.root);
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(
        /now: HALT \(stale\): the RFC document is now rfcs\/demo-r2\.md, not rfcs\/demo\.md that round 1 reviewed \(sha256 [0-9a-f]{12} → [0-9a-f]{12}\): run 'demo council run' on the current text/,
      );
    } finally {
      local.cleanup();
    }
  });
});

describe('council status for two RFCs whose council.yaml name the same ledger_dir', () => {
  it("reads only its own RFC's rounds from the shared folder", () => {
    const local = councilRepo({ ledger_dir: 'rfcs/shared' });
    try {
      const other = join(local.root, 'gates/other');
      mkdirSync(other, { recursive: true });
      copyFileSync(join(local.root, 'gates/demo/council.yaml'), join(other, 'council.yaml'));
      const manifest = readFileSync(join(local.root, 'gates/demo/rfc.yaml'), 'utf8');
      writeFileSync(join(other, 'rfc.yaml'), manifest.replace(/^id: demo$/m, 'id: other'));

      const blocked = run(['council', 'run', '--rfc', 'other', ...fake('block')], local.root, {
        ANTHROPIC_API_KEY: KEY,
      });
      expect(blocked.code).toBe(1);
      const none = run(['council', 'status', '--rfc', 'demo'], local.root);
      expect([none.code, none.stderr]).toEqual([2, "no council round stored in rfcs/shared: run 'demo council run'\n"]);

      const clear = run(['council', 'run', '--rfc', 'demo', ...fake('all-clear')], local.root, {
        ANTHROPIC_API_KEY: KEY,
      });
      expect(clear.code).toBe(0);
      const mine = run(['council', 'status', '--rfc', 'demo', '--json'], local.root);
      expect(mine.code).toBe(0);
      expect(JSON.parse(mine.stdout)).toMatchObject({ rfc: 'demo', round: 1, contract: { open_blocks: 0 } });
      const theirs = run(['council', 'status', '--rfc', 'other', '--json'], local.root);
      expect(theirs.code).toBe(1);
      expect(JSON.parse(theirs.stdout)).toMatchObject({ rfc: 'other', round: 1, contract: { open_blocks: 1 } });
    } finally {
      local.cleanup();
    }
  });
});

/**
 * Golden scenarios of the real binary: a fixture repository with real commits, an
 * embedded PGlite data directory with real rows, and `node bin/run.js` as a user runs it.
 */
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newPglite } from '../../src/sources/sql/pglite-load.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, createRepo, type FixtureRepo, removeFixtures, shallowClone, tempDir } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';
import { BIN, runCli } from '../helpers/cli.js';
import { seedEmbeddedDb } from '../helpers/db.js';
import { unusedPort } from '../sources/sql/fixtures.js';

const AS_OF = '2026-06-01T00:00:00Z';

const run = (args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; bin?: string }) =>
  runCli(args, opts.cwd, opts.env, { bin: opts.bin });

const spec = {
  manifest: { id: 'demo', title: 'Demo', version: 'v1', mainline: 'main', operators: [ALICE] },
  measurements: [
    {
      id: 'latency_p50_ms',
      window: '14d',
      require: { min_rows: 100, days_with_rows: 14, max_age: '24h' },
      sql: {
        table: 'audit.coordination_measurements',
        timestamp: 'recorded_at',
        where: "measurement_type = 'measurement.lease_plane.request'",
        value: 'percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_ms)',
      },
    },
    {
      id: 'dialectic_sessions_rate',
      window: '14d',
      sql: { table: 'core.dialectic_sessions', timestamp: 'created_at', value: 'count(*)' },
    },
    {
      id: 'ode_share_pct',
      artifact: { glob: 'docs/profiles/ode-profile-*.md', extract: { pattern: 'share:\\s*([0-9.]+)%', as: 'double' } },
    },
    { id: 'parity', attestation: { judgements: ['parity-confirmed', 'divergent'] } },
    {
      id: 'profile_first',
      git: {
        query: 'order',
        before: { paths: ['docs/profiles/**'] },
        after: { paths: ['elixir/handler_dispatch/**'] },
      },
    },
  ],
  disconfirmers: [
    {
      id: 'PASSING',
      title: 'latency below 100 ms',
      section: '§0(B)',
      phase: ['implementation'],
      params: { limit: 100 },
      fires_if: 'latency_p50_ms > limit || ode_share_pct > 60.0',
    },
    {
      id: 'FIRING',
      title: 'latency above 10 ms',
      section: '§0(B)',
      phase: ['implementation'],
      params: { limit: 10 },
      fires_if: 'latency_p50_ms > limit',
    },
    {
      id: 'HALTING',
      title: 'reads a table that does not exist',
      section: '§0(F)',
      phase: ['canary'],
      fires_if: 'dialectic_sessions_rate > 0.0',
    },
  ],
  invariants: [
    {
      id: 'ORDER',
      title: 'profile before dispatch',
      section: '§14',
      phase: ['implementation'],
      holds_if: 'profile_first && parity == "parity-confirmed"',
    },
  ],
};

let repo: FixtureRepo;

/**
 * Once per file, on first use: the runs of the whole RFC that several cases judge, as every
 * gate check with the embedded database costs seconds of CPU. Each is one invocation with
 * fixed arguments over a repository no case leaves changed (the one that adds an RFC removes
 * it again), so a case reading it sees what a run of its own would print.
 */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
const allAsJson = once(() => run(['gate', 'check', '--as-of', AS_OF, '--json'], { cwd: repo.dir }));
// Every report of the same run: JSON to a file too, so the JSON of a second run is at hand.
const allToFiles = once(() => {
  const out = tempDir('rfcgate-out-');
  const r = run(
    [
      'gate',
      'check',
      '--as-of',
      AS_OF,
      '--format',
      `sarif=${join(out, 'gates.sarif')}`,
      '--format',
      `junit=${join(out, 'gates.xml')}`,
      '--format',
      `json=${join(out, 'gates.json')}`,
      '--format',
      'markdown',
    ],
    { cwd: repo.dir },
  );
  return { out, ...r };
});
const gateCheckHelp = once(() => run(['gate', 'check', '--help'], { cwd: repo.dir }));

beforeAll(async () => {
  repo = createRepo();
  writeRfc(repo.dir, spec);
  repo.commit({ files: {}, message: 'init', date: '2026-04-01T00:00:00Z' });
  repo.git(['add', '-A']);
  repo.commit({ message: 'gates: add demo RFC', date: '2026-04-02T00:00:00Z' });
  repo.commit({
    files: { 'docs/profiles/ode-profile-2026-04-10.md': '# ODE profile\n\nshare: 42.5%\n' },
    message: 'profile: ODE',
    date: '2026-04-10T00:00:00Z',
  });
  repo.commit({
    files: {
      'gates/demo/attestations/parity.yaml':
        'gate: parity\nsigner: Alice Operator\nemail: alice@example.com\ndate: 2026-05-20\njudgement: parity-confirmed\n',
    },
    message: 'attest: parity',
    date: '2026-05-20T00:00:00Z',
    author: ALICE,
  });
  repo.commit({
    files: { 'elixir/handler_dispatch/mix.exs': 'defmodule X do end\n' },
    message: 'dispatch: start',
    date: '2026-05-21T00:00:00Z',
  });
  const db = await newPglite(seedEmbeddedDb(repo.dir));
  await db.exec(`CREATE SCHEMA audit;
    CREATE TABLE audit.coordination_measurements (id bigserial, measurement_type text, recorded_at timestamptz, elapsed_ms float8, payload jsonb);
    INSERT INTO audit.coordination_measurements (measurement_type, recorded_at, elapsed_ms, payload)
    SELECT 'measurement.lease_plane.request', timestamptz '2026-05-31T23:00:00Z' - (i * interval '1 hour'), 20 + (i % 7), '{}'::jsonb
    FROM generate_series(0, 24 * 20) AS i;`);
  await db.close();
});

afterAll(() => removeFixtures());

describe('gate check', () => {
  it('exits 0 when every selected gate passes, with a table on stdout', () => {
    const r = run(['gate', 'check', '--as-of', AS_OF, '--only', 'PASSING,ORDER'], { cwd: repo.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASSING/);
    expect(r.stdout).toMatch(/demo as of 2026-06-01T00:00:00.000Z on HEAD: PASS \(2 pass, 0 fail, 0 halt\)/);
  });

  it('exits 1 when a gate fires, and fail dominates halt', () => {
    expect(run(['gate', 'check', '--as-of', AS_OF, '--only', 'FIRING'], { cwd: repo.dir }).code).toBe(1);
    const all = allAsJson();
    expect(all.code).toBe(1);
    const report = JSON.parse(all.stdout);
    expect(report.results.map((x: { id: string; verdict: string }) => [x.id, x.verdict])).toEqual([
      ['PASSING', 'pass'],
      ['FIRING', 'fail'],
      ['HALTING', 'halt'],
      ['ORDER', 'pass'],
    ]);
  });

  it('exits 2 when the worst is a halt, naming the missing relation', () => {
    const r = run(['gate', 'check', '--as-of', AS_OF, '--phase', 'canary', '--json'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ id: 'HALTING', verdict: 'halt', halt_reason: 'missing' });
    expect(report.results[0].reason).toMatch(/core\.dialectic_sessions/);
  });

  it('--json is byte-identical across runs and keeps the contract key order', () => {
    const a = allAsJson();
    // Another run, its JSON written to a file: the same bytes as on stdout.
    const b = allToFiles();
    expect(a.stdout).toBe(readFileSync(join(b.out, 'gates.json'), 'utf8'));
    const report = JSON.parse(a.stdout);
    expect(Object.keys(report)).toEqual(['rfc', 'as_of', 'ref', 'verdict', 'results']);
    expect(Object.keys(report.results[1])).toEqual([
      'id',
      'kind',
      'title',
      'section',
      'verdict',
      'reason',
      'evidence',
      'location',
    ]);
    const latency = report.results[1].evidence.measurements.latency_p50_ms;
    expect(latency).toMatchObject({ source: 'sql', rows: 336, days_with_rows: 14 });
    expect(latency.sql).toMatch(/percentile_cont/);
  });

  it('--format writes several reports from one run: files for CI, one report on stdout', () => {
    const { out, ...r } = allToFiles();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\| ❌ fail \| FIRING \|/);
    const sarif = JSON.parse(readFileSync(join(out, 'gates.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.map((x: { ruleId: string; level: string }) => [x.ruleId, x.level]).sort()).toEqual([
      ['demo/FIRING', 'error'],
      ['demo/HALTING', 'warning'],
    ]);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      'gates/demo/disconfirmers.yaml',
    );
    const junit = readFileSync(join(out, 'gates.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(4);
    expect(readdirSync(out).sort()).toEqual(['gates.json', 'gates.sarif', 'gates.xml']);
  });

  it('--snapshot-at is in the report, and the SARIF re-run command repeats it for the same JSON', () => {
    const out = tempDir('rfcgate-out-');
    const r = run(
      [
        'gate',
        'check',
        '--as-of',
        AS_OF,
        '--snapshot-at',
        AS_OF,
        '--only',
        'FIRING',
        '--format',
        'json',
        '--format',
        `sarif=${join(out, 'gates.sarif')}`,
      ],
      { cwd: repo.dir },
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['rfc', 'as_of', 'snapshot_at', 'ref', 'verdict', 'results']);
    expect(report.snapshot_at).toBe('2026-06-01T00:00:00.000Z');
    const sarif = JSON.parse(readFileSync(join(out, 'gates.sarif'), 'utf8'));
    const help: string = sarif.runs[0].tool.driver.rules[0].help.text;
    const command = /`rfcgate (gate check [^`]*)`/.exec(help)?.[1] ?? '';
    expect(command).toContain('--snapshot-at 2026-06-01T00:00:00.000Z');
    const again = run(command.split(' '), { cwd: repo.dir });
    expect(again.stdout).toBe(r.stdout);
  });

  it('--snapshot-at describes the default database only: a connection_env database is still judged live', async () => {
    const copy = createRepo();
    const present = (id: string, extra: Record<string, unknown> = {}) => ({
      id,
      type: 'int',
      sql: { query: 'SELECT count(*)::int AS value FROM pg_namespace', current_state: true, ...extra },
    });
    writeRfc(copy.dir, {
      measurements: [present('restored_now'), present('other_now', { connection_env: 'OTHER_DB_URL' })],
      disconfirmers: [
        { id: 'RESTORED', title: 'restored', section: '§1', phase: ['implementation'], fires_if: 'restored_now < 0' },
        { id: 'OTHER', title: 'other', section: '§2', phase: ['implementation'], fires_if: 'other_now < 0' },
      ],
    });
    copy.git(['add', '-A']);
    copy.commit({ message: 'gates', date: '2026-04-02T00:00:00Z' });
    seedEmbeddedDb(copy.dir);
    const r = run(['gate', 'check', '--as-of', AS_OF, '--snapshot-at', AS_OF, '--json'], {
      cwd: copy.dir,
      // Nothing listens there: a measurement that connected would halt for that instead.
      env: { OTHER_DB_URL: `postgres://reader@127.0.0.1:${await unusedPort()}/other` },
    });
    const byId = Object.fromEntries(
      JSON.parse(r.stdout).results.map((x: { id: string }) => [x.id, x] as const),
    ) as Record<string, { verdict: string; halt_reason?: string; reason?: string }>;
    expect(byId.RESTORED).toMatchObject({ verdict: 'pass' });
    expect(byId.OTHER).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(byId.OTHER?.reason).toMatch(/^other_now: it reads the database's present state, which keeps no history/);
    expect(r.code).toBe(2);

    // Without the flag, the restored copy's halt names the flag as the fix.
    const live = run(['gate', 'check', '--as-of', AS_OF, '--only', 'RESTORED', '--json'], { cwd: copy.dir });
    expect(JSON.parse(live.stdout).results[0]).toMatchObject({ verdict: 'halt', halt_reason: 'missing' });
    expect(JSON.parse(live.stdout).results[0].reason).toMatch(
      /; evaluate without --as-of \(or with one within 5m of now\), or, if the database is a restored copy of a past instant, give that instant as --snapshot-at$/,
    );
  });

  it('replays the past with --as-of: before the profile landed, the artifact is missing', () => {
    const r = run(['gate', 'check', '--as-of', '2026-04-05', '--only', 'PASSING', '--json'], { cwd: repo.dir });
    const result = JSON.parse(r.stdout).results[0];
    expect(result.verdict).toBe('halt');
    expect(result.reason).toMatch(/ode_share_pct/);
  });

  it('an RFC id used as the program name selects that RFC', () => {
    const binDir = tempDir('rfcgate-bin-');
    symlinkSync(BIN, join(binDir, 'demo'));
    writeRfc(repo.dir, { id: 'other' });
    try {
      const r = run(['gate', 'check', '--as-of', AS_OF, '--only', 'ORDER', '--json'], {
        cwd: repo.dir,
        bin: join(binDir, 'demo'),
      });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).rfc).toBe('demo');
      const ambiguous = run(['gate', 'check'], { cwd: repo.dir });
      expect(ambiguous.code).toBe(3);
      expect(ambiguous.stderr).toMatch(/several RFCs under gates\/ \(demo, other\): choose one with --rfc/);
    } finally {
      repo.git(['clean', '-fdq', 'gates/other']);
    }
  });

  it('a shallow clone halts history gates with the fetch-depth fix', () => {
    const shallow = shallowClone(repo);
    const r = run(['gate', 'check', '--as-of', AS_OF, '--only', 'ORDER', '--json'], { cwd: shallow.dir });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).results[0].reason).toMatch(/fetch-depth: 0/);
  });

  it('never prints the password of DATABASE_URL', () => {
    const r = run(['gate', 'check', '--as-of', AS_OF, '--only', 'FIRING', '--json', '--timeout', '20'], {
      cwd: repo.dir,
      env: { DATABASE_URL: 'postgres://reader:s3cr3t-pw@127.0.0.1:9/prod' },
    });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toMatch(/s3cr3t-pw/);
    expect(JSON.parse(r.stdout).results[0].reason).toMatch(/unreachable/);
  });
});

describe('bad input gets one clear line and exit 3', () => {
  it.each([
    [['gate', 'check', '--as-of', 'yesterday'], /--as-of 'yesterday' is not a date/],
    [['gate', 'check', '--as-of', '2026-02-30'], /--as-of '2026-02-30' is not a date/],
    // Nothing recorded after now can be read: a future instant would make every window short.
    [['gate', 'check', '--as-of', '2099-01-01'], /--as-of '2099-01-01' is in the future \(now is 20\d\d-/],
    [['prereq', 'status', '--as-of', '2099-01-01T00:00:00Z'], /--as-of '2099-01-01T00:00:00Z' is in the future/],
    [['telemetry', 'report', '--files', 'x.jsonl', '--as-of', '2099-01-01'], /--as-of '2099-01-01' is in the future/],
    // An instant is read to the millisecond: finer digits are refused, not cut without a word.
    [
      ['gate', 'check', '--as-of', '2026-06-01T12:00:00.123456Z'],
      /^error: --as-of '2026-06-01T12:00:00\.123456Z' is finer than a millisecond, and rfcgate reads every instant to the millisecond; give at most 3 digits after the seconds, such as 2026-06-01T12:00:00\.123Z\n$/,
    ],
    [
      ['telemetry', 'report', '--files', 'x.jsonl', '--as-of', '2026-06-01 12:00:00.0000001+02'],
      /^error: --as-of '2026-06-01 12:00:00\.0000001\+02' is finer than a millisecond, .* such as 2026-06-01 12:00:00\.000\+02\n$/,
    ],
    [['prereq', 'status', '--as-of', '2026-06-01T12:00:00.1234Z'], /^error: --as-of '.*' is finer than a millisecond/],
    [['lint', '--as-of', '2099-06-01T12:00:00.1234Z'], /^error: --as-of '.*' is finer than a millisecond/],
    [
      ['gate', 'check', '--as-of', '2026-06-01', '--snapshot-at', '2026-06-01T00:00:00.0005Z'],
      /^error: --snapshot-at '2026-06-01T00:00:00\.0005Z' is finer than a millisecond, .* such as 2026-06-01T00:00:00\.000Z\n$/,
    ],
    [['gate', 'check', '--rfc', 'wave9'], /unknown RFC 'wave9'.*known RFCs: demo/],
    // A database snapshot is read as of its own instant or earlier, never later.
    [
      ['gate', 'check', '--snapshot-at', '2026-06-01'],
      /--snapshot-at needs --as-of: evaluate as of the snapshot's instant/,
    ],
    [['gate', 'check', '--as-of', '2026-06-01', '--snapshot-at', 'june'], /--snapshot-at 'june' is not a date/],
    // Its value is judged first: the fix for a missing --as-of would quote a value that is no date.
    [['gate', 'check', '--snapshot-at', ''], /^error: --snapshot-at '' is not a date/],
    [
      ['gate', 'check', '--as-of', '2026-06-02', '--snapshot-at', '2026-06-01'],
      /--as-of 2026-06-02T00:00:00.000Z is after --snapshot-at 2026-06-01T00:00:00.000Z: the snapshot shows nothing later/,
    ],
    [
      ['gate', 'check', '--rfc', '..'],
      /unknown RFC '\.\.': an RFC is named by its folder directly under gates\/; known RFCs: demo/,
    ],
    // An unset CI variable: the invocation is wrong, not every measurement missing.
    [['gate', 'check', '--ref', ''], /--ref is empty: name a branch, tag or commit/],
    [['gate', 'check', '--ref=--output=x'], /--ref '--output=x' starts with '-', which git reads as an option/],
    [['gate', 'check', '--ref', 'main '], /--ref "main " has whitespace around it, which no branch, tag or commit has/],
    [['gate', 'check', '--ref', 'main next'], /--ref 'main next' holds a space, which no branch, tag or commit id has/],
    [['gate', 'check', '--ref', 'origin/'], /--ref 'origin\/' ends with '\/', which no branch or tag name does/],
    [
      ['gate', 'check', '--ref', 'main\n'],
      /--ref "main\\n" has whitespace around it, which no branch, tag or commit has/,
    ],
    // A tree or a blob exists: not a ref to fetch, as every git gate would halt saying.
    [
      ['gate', 'check', '--ref', 'main^{tree}'],
      /^error: --ref 'main\^\{tree\}' names a tree, not a commit; give a branch/,
    ],
    [['gate', 'check', '--ref', 'HEAD:docs'], /^error: --ref 'HEAD:docs' names a tree, not a commit/],
    [['gate', 'check', '--ref', 'main:elixir/handler_dispatch/mix.exs'], /names a blob, not a commit/],
    [['gate', 'check', '--only', 'NOPE'], /--only names unknown gate\(s\): NOPE; gates of demo: /],
    // Ids are matched exactly; one differing only in case, or a letter, is offered back.
    [
      ['gate', 'check', '--only', 'halting,FIRNG'],
      /^error: --only names unknown gate\(s\): halting \(did you mean 'HALTING'\?\), FIRNG \(did you mean 'FIRING'\?\); gates of demo: PASSING, FIRING, HALTING, ORDER\n$/,
    ],
    [['gate', 'check', '--only', 'HALTING,'], /--only has an empty gate name \('HALTING', ''\)/],
    // Nothing evaluated is not a pass.
    [
      ['gate', 'check', '--only', 'HALTING', '--phase', 'close'],
      /--only HALTING with --phase close selects no gate of demo.*HALTING \(canary\)/,
    ],
    [['gate', 'check', '--phase', 'close'], /--phase close selects no gate of demo, so there is nothing to check/],
    [['gate', 'check', '--phase', 'later'], /Expected --phase=later to be one of: implementation, canary, close/],
    [['gate', 'check', '--colour'], /^error: Nonexistent flag: --colour \(see --help\)\n$/],
    // A close spelling of one of the command's flags is offered; its own flags and the shared ones.
    [
      ['gate', 'check', '--phse', 'close'],
      /^error: Nonexistent flag: --phse; did you mean --phase\? \(see --help\)\n$/,
    ],
    [['gate', 'check', '--rfcc', 'demo'], /did you mean --rfc\?/],
    [['telemetry', 'report', '--session', 'a'], /Nonexistent flag: --session; did you mean --sessions\?/],
    [['gate', 'check', '--root', 'no/such/folder'], /--root[\s\S]*No directory found at no\/such\/folder/],
    [
      ['gate', 'check', '--root', 'README.md'],
      /^error: Parsing --root: No directory found at README\.md \(see --help\)\n$/,
    ],
    // An unset variable (--root "$DIR"): said as such, not 'No directory found at '.
    [['gate', 'check', '--root', ''], /^error: Parsing --root: an empty path names no folder: give a folder, or leave/],
    [['hooks', 'install', '--root', ''], /^error: Parsing --root: an empty path names no folder/],
    [['council', 'run', '--fake-model', ''], /^error: Parsing --fake-model: an empty path names no folder/],
    // Node's timers fire at once past 2^31 - 1 ms: a larger --timeout would time out every query.
    [['gate', 'check', '--timeout', '2147484'], /--timeout[\s\S]*less than or equal to 2147483/],
    [['gate', 'check', '--format', 'pdf'], /--format 'pdf' is not a format/],
    [['gate', 'check', '--format', 'json', '--format', 'markdown'], /only one report can go to standard output/],
    // A mistyped command is named in words, with the one meant when it is close.
    [
      ['gate', 'chek'],
      /^error: rfcgate has no command 'gate chek' \(did you mean 'gate check'\?\); run 'rfcgate --help' for its commands\n$/,
    ],
    [['frobnicate', '--json'], /^error: rfcgate has no command 'frobnicate'; run 'rfcgate --help' for its commands\n$/],
    [['help', 'gate', 'check'], /^error: rfcgate has no command 'help': run 'rfcgate gate check --help'\n$/],
    [['version'], /^error: rfcgate has no command 'version': run 'rfcgate --version'\n$/],
    // oclif reads the word as part of the command's name: say what it is, and what selects gates.
    [
      ['gate', 'check', 'B'],
      /^error: rfcgate gate check takes no arguments, but was given 'B'; to check only some gates, name them with --only \(rfcgate gate check --only B\)\n$/,
    ],
    [['gate', 'check', 'B', 'A.1', '--help'], /given 'B' 'A\.1'; .*--only B,A\.1\)/],
    // A word after a repeatable flag's value is no second value: said as the word before the flags is.
    [
      ['gate', 'check', '--only', 'B', 'extra'],
      /^error: rfcgate gate check takes no arguments, but was given 'extra'; to check only some gates, name them with --only \(rfcgate gate check --only B,extra\)\n$/,
    ],
    [['gate', 'check', '--only', 'B', '--only', 'C', '--json', 'x', 'y'], /given 'x' 'y'; .*--only B,C,x,y\)\n$/],
    [['gate', 'check', 'extra', '--only=B', '--only', 'C'], /given 'extra'; .*--only B,C,extra\)\n$/],
    // After a flag that takes one value: part of it, or a second value, not a gate to check.
    [
      ['gate', 'check', '--as-of', '2026-06-01', '12:00'],
      /^error: rfcgate gate check takes no arguments, but was given '12:00'; --as-of takes one value: leave out the rest, or quote the words if they are part of it \(rfcgate gate check --as-of '2026-06-01 12:00'\)\n$/,
    ],
    [
      ['gate', 'check', '--phase', 'close', 'canary'],
      /^error: rfcgate gate check takes no arguments, but was given 'canary'; --phase takes one value, one of implementation, canary, close\n$/,
    ],
    [
      ['gate', 'check', '--format', 'json', 'markdown=summary.md'],
      /^error: rfcgate gate check takes no arguments, but was given 'markdown=summary\.md'; --format takes one value each time: repeat it \(rfcgate gate check --format json --format markdown=summary\.md\)\n$/,
    ],
    [
      ['spec', 'validate', 'demo'],
      /^error: rfcgate spec validate takes no arguments, but was given 'demo'; run 'rfcgate spec validate --help' for what it takes\n$/,
    ],
  ])('%j', (args, message) => {
    const r = run(args, { cwd: repo.dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Nothing on stdout, or where JSON was asked for there, the error in oclif's shape.
    const onStdout = new Set(
      args.flatMap((a, i) => (a === '--json' ? ['json'] : args[i - 1] === '--format' && !a.includes('=') ? [a] : [])),
    );
    if (onStdout.size === 1 && onStdout.has('json')) expect(JSON.parse(r.stdout)).toMatchObject({ error: { exit: 3 } });
    else expect(r.stdout).toBe('');
  });

  it('an RFC with no gates is not a pass: nothing to check, exit 3', () => {
    const root = tempDir('rfcgate-empty-');
    writeRfc(root, {});
    const r = run(['gate', 'check'], { cwd: root });
    expect(r.stderr).toMatch(/demo declares no gates, so there is nothing to check/);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
  });

  it('a broken spec: every problem as file:line:col, no stack trace unless --debug', () => {
    const root = tempDir('rfcgate-broken-');
    writeRfc(root, {
      raw: {
        'disconfirmers.yaml':
          '# yaml-language-server: $schema=../../schemas/disconfirmers.schema.json\n- id: X\n  title: t\n  section: "§0"\n  phase: [close]\n  fires_if: nope > 1.0\n',
      },
    });
    const r = run(['gate', 'check'], { cwd: root });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^gates\/demo\/disconfirmers\.yaml:6:13: disconfirmer 'X': unknown measurement 'nope'/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const validate = run(['spec', 'validate'], { cwd: root });
    expect(validate.code).toBe(3);
    expect(validate.stderr).toMatch(/disconfirmers\.yaml:6:13/);
    const debug = run(['gate', 'check', '--debug'], { cwd: root });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it("a measurement's ref starting with '-' is a spec error at its place, not a halt advising git fetch origin -x", () => {
    const root = tempDir('rfcgate-ref-');
    writeRfc(root, {
      raw: {
        'measurements.yaml':
          '# yaml-language-server: $schema=../../schemas/measurements.schema.json\n- id: landed\n  git:\n    query: path_exists\n    path: a.md\n    ref: -x\n',
        'invariants.yaml':
          '# yaml-language-server: $schema=../../schemas/invariants.schema.json\n- id: I\n  title: t\n  section: "§1"\n  phase: [close]\n  holds_if: landed\n',
      },
    });
    for (const args of [
      ['gate', 'check'],
      ['spec', 'validate'],
    ]) {
      const r = run(args, { cwd: root });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /^gates\/demo\/measurements\.yaml:6:10: measurement 'landed': ref '-x' starts with '-', which git reads as an option: name a branch, tag or commit/m,
      );
      expect(r.stderr).not.toMatch(/git fetch|\n\s+at /);
    }
  });
});

describe('help and version', () => {
  it('--help lists the flags and the exit codes', () => {
    for (const cmd of [
      ['gate', 'check'],
      ['spec', 'validate'],
    ]) {
      const r = cmd[0] === 'gate' ? gateCheckHelp() : run([...cmd, '--help'], { cwd: repo.dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/EXIT CODES/);
      expect(r.stdout).toMatch(/3 {2}the spec or the invocation is invalid/);
      expect(r.stdout).toMatch(/--rfc/);
    }
    expect(gateCheckHelp().stdout).toMatch(/--as-of/);
  });

  it('--help names the program the user typed', () => {
    const wave3 = join(tempDir(), 'wave3');
    symlinkSync(BIN, wave3);
    const typed = run(['gate', 'check', '--help'], { cwd: repo.dir, bin: wave3 });
    expect(typed.code).toBe(0);
    expect(typed.stdout).toMatch(/^ {2}\$ wave3 gate check /m);
    expect(gateCheckHelp().stdout).toMatch(/^ {2}\$ rfcgate gate check /m);
  });

  it('no help example gives --rfc beside an RFC program name, which would refuse it', () => {
    const demo = join(tempDir(), 'demo');
    symlinkSync(BIN, demo);
    const manifest = JSON.parse(readFileSync(resolve('oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { examples?: string[] }>;
    };
    const naming = Object.entries(manifest.commands)
      .filter(([, c]) => (c.examples ?? []).some((e) => / --rfc /.test(e)))
      .map(([id]) => id.split(':'));
    expect(naming.length).toBeGreaterThan(0);
    for (const cmd of naming) {
      const help = run([...cmd, '--help'], { cwd: repo.dir, bin: demo }).stdout;
      const examples = help.slice(help.indexOf('EXAMPLES'));
      expect(examples).toMatch(/^ {2}\$ rfcgate .* --rfc /m);
      expect(examples).not.toMatch(/^ {2}\$ demo .* --rfc /m);
    }
  });

  it('a word a command does not take is refused naming the program the user typed', () => {
    const demo = join(tempDir(), 'demo');
    symlinkSync(BIN, demo);
    // Refused before the command runs (a word after the command's name) and by its parser
    // (a word after a flag's value): both suggest what to type under the same name.
    for (const args of [
      ['gate', 'check', 'B'],
      ['gate', 'check', '--only', 'B', 'extra'],
    ]) {
      const r = run(args, { cwd: repo.dir, bin: demo });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^error: demo gate check takes no arguments, .*\(demo gate check --only B/);
      expect(r.stderr).not.toMatch(/rfcgate/);
    }
  });

  it('spec validate accepts the RFCs this project ships', () => {
    // It evaluates nothing: its help speaks of specs, not of gates passing.
    const help = run(['spec', 'validate', '--help'], { cwd: resolve('.') }).stdout;
    expect(help).toMatch(/^ {2}0 {2}every spec is valid \(nothing is evaluated\)$/m);
    expect(help).not.toMatch(/every gate passes/);
    const r = run(['spec', 'validate'], { cwd: resolve('.') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Every spec file of the folder counts; the gates are those of the four gate files.
    const files = readdirSync(resolve('gates/wave3')).filter((n) => n.endsWith('.yaml'));
    const gates = ['disconfirmers', 'exit-criteria', 'stop-signs', 'invariants']
      .map((k) => readFileSync(resolve(`gates/wave3/${k}.yaml`), 'utf8').match(/^- id: /gm)?.length ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(gates).toBeGreaterThan(20);
    expect(r.stdout).toContain(`wave3: valid (${files.length} files, `);
    expect(r.stdout).toMatch(new RegExp(`^wave3: valid \\(\\d+ files, \\d+ measurements, ${gates} gates\\)$`, 'm'));
  });

  it('spec validate counts in words a person reads: 1 measurement, 1 gate', () => {
    const gov = createRepo();
    writeRfc(gov.dir, {
      id: 'pay',
      measurements: [{ id: 'error_rate', window: '7d', sql: { query: 'SELECT 0.0 AS value' } }],
      'stop-signs': [{ id: 'S1', title: 'Errors', section: '§3', phase: ['canary'], fires_if: 'error_rate > 0.01' }],
    });
    const r = run(['spec', 'validate'], { cwd: gov.dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('pay: valid (3 files, 1 measurement, 1 gate)\n');
  });

  it('spec validate --json of a broken RFC counts the files it read and leaves the unknown counts out', () => {
    const gov = createRepo();
    writeRfc(gov.dir, {
      id: 'pay',
      measurements: [{ id: 'error_rate', window: '7d', sql: { query: 'SELECT 0.0 AS value' } }],
      'stop-signs': [{ id: 'S1', title: 'Errors', section: '§3', phase: ['canary'], fires_if: 'eror_rate > 0.01' }],
    });
    writeRfc(gov.dir, {
      id: 'ops',
      raw: { 'rfc.yaml': 'id: ops\ntitle: [unclosed\n', 'measurements.yaml': '- id: x\n' },
    });
    const r = run(['spec', 'validate', '--json'], { cwd: gov.dir });
    expect(r.code).toBe(3);
    const byId = Object.fromEntries(
      (JSON.parse(r.stdout) as { rfc: string }[]).map(({ rfc, ...rest }) => [rfc, rest as Record<string, unknown>]),
    );
    // Read but not usable: neither its measurements nor its gates are known, so none is said to be 0.
    for (const [id, files] of [
      ['pay', 3],
      ['ops', 2],
    ] as const) {
      expect(byId[id]?.valid).toBe(false);
      expect(byId[id]?.files).toBe(files);
      expect(byId[id]).not.toHaveProperty('measurements');
      expect(byId[id]).not.toHaveProperty('gates');
      expect(byId[id]?.problems).not.toEqual([]);
    }
  });

  it("wave3's (D) fires when the red-team artifact is missing, the terms read from it not needed", () => {
    const gov = createRepo();
    // The shipped RFC as a governed repository holds it: its gates, its document and the council's briefs.
    const files = Object.fromEntries(
      ['gates/wave3', 'rfcs/wave3/council'].flatMap((dir) =>
        readdirSync(resolve(dir))
          .filter((n) => /\.(yaml|md)$/.test(n))
          .map((n) => [`${dir}/${n}`, readFileSync(resolve(`${dir}/${n}`), 'utf8')]),
      ),
    );
    files['rfcs/wave3.md'] = readFileSync(resolve('rfcs/wave3.md'), 'utf8');
    gov.commit({ files, message: 'wave3 gates', date: '2026-05-01T00:00:00Z' });
    const r = run(['gate', 'check', '--rfc', 'wave3', '--only', 'D', '--as-of', AS_OF, '--json'], { cwd: gov.dir });
    expect(r.code).toBe(1);
    const [d] = (JSON.parse(r.stdout) as { results: { id: string; verdict: string; reason: string }[] }).results;
    expect(d).toMatchObject({ id: 'D', verdict: 'fail' });
    expect(d?.reason).toMatch(/^fired: .*\(redteam_present=false, surfaces=8\); decided without /);
    expect(d?.reason).toMatch(/no file matching docs\/handoffs\/wave-3-state-ownership-redteam-\*\.md/);
  });

  it('--version prints the package version', () => {
    const r = run(['--version'], { cwd: repo.dir });
    expect(r.stdout).toMatch(/^rfcgate\/\d+\.\d+\.\d+ /);
  });
});

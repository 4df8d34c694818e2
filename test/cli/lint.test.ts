/** `lint` and `hooks` as a user runs them: the built binary over fixture repositories. Run `npm run build` first. */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, FixtureRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { L1, lintRepo, ORDER } from '../lint/helpers.js';
import { requireRg } from '../lint/rg.js';
import { BIN, runCli as run } from '../helpers/cli.js';

afterAll(removeFixtures);

/**
 * The built binary run by an unprivileged user who owns the repository, with a home of its
 * own: root writes to any folder, whatever its mode.
 */
function asOwner(dir: string, args: string[], more: NodeJS.ProcessEnv = {}) {
  const home = tempDir('rfcgate-home-');
  const env = { ...process.env, NO_COLOR: '1', HOME: home, RFCGATE_CACHE_DIR: join(home, 'cache'), ...more };
  if (process.getuid?.() !== 0) return run(args, dir, env);
  execFileSync('chown', ['-R', '65534:65534', dir, home]);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let plain: string | undefined;

/**
 * A repository whose lints.yaml holds L1, with one clean file committed, for the cases that
 * need any such repository: built once, then copied for each case, which may change its copy.
 */
function plainRepo(): FixtureRepo {
  plain ??= lintRepo({ rules: [L1], files: { 'src/a.py': 'x\n' } }).dir;
  const repo = new FixtureRepo(tempDir());
  cpSync(plain, repo.dir, { recursive: true });
  // The copies' times and inodes are new: the index records them, as after a fresh build.
  repo.git(['update-index', '-q', '--refresh']);
  return repo;
}

/** What `lintRepo` builds for L1, its many files added with one `git add` instead of one each. */
function manyFilesRepo(files: Record<string, string>): FixtureRepo {
  const repo = createRepo();
  writeRfc(repo.dir, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
  for (const [rel, content] of Object.entries(files)) repo.write(rel, content);
  repo.git(['add', '-f', '--', 'gates', ...Object.keys(files)]);
  repo.commit({ message: 'spec and code', date: '2026-05-01T09:00:00Z' });
  return repo;
}

describe('rfcgate lint', () => {
  it('exit 0 on a clean tree, 1 with an error finding, stylish by default', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const ok = run(['lint'], repo.dir);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^✔ no problems · 1 rule, 1 of \d+ files? checked \(whole tree\)$/m);
    repo.write('src/b.py', 'y = "measurement.lease_plane.x"\n');
    const bad = run(['lint'], repo.dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^src\/b\.py\n {2}1:6 {2}error/m);
  });

  it('a second run reads lints.yaml from the spec cache with the same report; an edit is read afresh', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = "measurement.lease_plane.x"\n' } });
    const cache = tempDir('rfcgate-spec-cache-');
    const env = { RFCGATE_CACHE_DIR: cache };
    const first = run(['lint', '--json', '--as-of', '2026-06-01'], repo.dir, env);
    const entries = readdirSync(join(cache, 'specs'));
    expect(entries).toHaveLength(1);
    const entry = join(cache, 'specs', entries[0] as string);
    const stored = readFileSync(entry, 'utf8');
    // The second run reads the entry, not lints.yaml: a planted message shows through.
    const parsed = JSON.parse(stored) as { key: unknown; value: unknown };
    const value = JSON.stringify(parsed.value).replace('an event-type literal outside the constants module', 'planted');
    writeFileSync(entry, JSON.stringify({ key: parsed.key, value: JSON.parse(value) as unknown }));
    expect(JSON.parse(run(['lint', '--json'], repo.dir, env).stdout).findings[0].message).toBe('planted');
    writeFileSync(entry, stored);
    const second = run(['lint', '--json', '--as-of', '2026-06-01'], repo.dir, env);
    expect(second.stdout).toBe(first.stdout);
    expect(first.code).toBe(1);
    expect(run(['lint', '--json', '--as-of', '2026-06-01'], repo.dir, { RFCGATE_NO_CACHE: '1' }).stdout).toBe(
      first.stdout,
    );
    // An edit that breaks the spec is reported, not answered from the cache; nor is the fix.
    const lints = join(repo.dir, 'gates', 'demo', 'lints.yaml');
    const good = readFileSync(lints, 'utf8');
    writeFileSync(lints, good.replace('severity: error', 'severity: fatal'));
    const broken = run(['lint'], repo.dir, env);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/gates\/demo\/lints\.yaml:\d+:\d+/);
    // A misspelt key: one line naming the key it was meant to be (not also that key as missing).
    writeFileSync(lints, good.replace('severity: error', 'severty: error'));
    const misspelt = run(['lint'], repo.dir, env);
    expect(misspelt.code).toBe(3);
    expect(misspelt.stderr).toMatch(
      /^gates\/demo\/lints\.yaml:\d+:3: 'L1': unknown key 'severty'; did you mean 'severity'\?\n(?!.*severity)/m,
    );
    expect(misspelt.stderr).not.toMatch(/missing required key/);
    writeFileSync(lints, good.replace('severity: error', 'severity: warn'));
    const warned = run(['lint', '--json', '--as-of', '2026-06-01'], repo.dir, env);
    expect(warned.code).toBe(0);
    expect(JSON.parse(warned.stdout).findings[0]).toMatchObject({ rule: 'L1', severity: 'warn' });
    expect(readdirSync(join(cache, 'specs'))).toEqual(entries);
  });

  it('a cache folder that cannot be made (under /proc) only costs the cache: the run ends with its report', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = "measurement.lease_plane.x"\n' } });
    // Node's recursive mkdir retries for ever under /proc: without a timeout this would hang.
    const r = spawnSync(process.execPath, [BIN, 'lint', '--json', '--as-of', '2026-06-01'], {
      cwd: repo.dir,
      env: { ...process.env, NO_COLOR: '1', RFCGATE_CACHE_DIR: '/proc/rfcgate-no-such/cache' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings).toHaveLength(1);
  });

  it('--staged lints the index; --json is deterministic; --format name=file writes a report', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    repo.write('src/a.py', 'x = "measurement.lease_plane.x"\n');
    repo.git(['add', 'src/a.py']);
    repo.write('src/a.py', 'x = 2\n');
    const a = run(['lint', '--staged', '--json', '--as-of', '2026-06-01'], repo.dir);
    const b = run(['lint', '--staged', '--format', 'json', '--as-of', '2026-06-01'], repo.dir);
    expect(a.code).toBe(1);
    expect(a.stdout).toBe(b.stdout);
    const report = JSON.parse(a.stdout);
    expect(report.scope).toEqual({ kind: 'staged' });
    expect(report.findings[0]).toMatchObject({ file: 'src/a.py', line: 1, col: 6, match: 'measurement.lease_plane.x' });
    expect(run(['lint'], repo.dir).code).toBe(0); // the working tree is clean
    const sarif = join(repo.dir, 'lint.sarif');
    const c = run(['lint', '--staged', '--format', `sarif=${sarif}`, '--format', 'github'], repo.dir);
    expect(c.code).toBe(1);
    expect(c.stdout).toMatch(/^::error file=src\/a\.py,line=1,col=6/m);
    expect(JSON.parse(readFileSync(sarif, 'utf8')).version).toBe('2.1.0');
  });

  it('a large tree is split with a second thread; the report is the same byte for byte', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++)
      files[`src/m${i % 4}/f${i}.py`] = i % 3 ? 'x = 1\n' : `x = "measurement.lease_plane.r${i}"\n`;
    files['src/bin.py'] = '\u0000"measurement.lease_plane.x"';
    const repo = manyFilesRepo(files);
    const one = run(['lint', '--json', '--as-of', '2026-06-01'], repo.dir);
    const two = run(['lint', '--json', '--as-of', '2026-06-01'], repo.dir, { RFCGATE_LINT_PARALLEL_FROM: '2' });
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    const report = JSON.parse(one.stdout);
    expect(report.findings).toHaveLength(14);
    expect(report.files.skipped).toEqual([{ path: 'src/bin.py', reason: 'binary' }]);
  });

  it('outside a sparse checkout a file is named as not read, by either thread, with rg or without', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`${i % 2 ? 'src' : 'other'}/f${i}.py`] = 'x = 1\n';
    const repo = manyFilesRepo(files);
    repo.git(['sparse-checkout', 'set', 'src', 'gates']);
    const one = run(['lint', '--json', '--no-rg', '--as-of', '2026-06-01'], repo.dir);
    expect(one.code).toBe(0);
    const report = JSON.parse(one.stdout);
    expect(report.files.checked).toBe(10);
    expect(report.files.skipped.map((s: { path: string }) => s.path)).toEqual(
      Object.keys(files)
        .filter((f) => f.startsWith('other/'))
        .sort(),
    );
    const two = run(['lint', '--json', '--no-rg', '--as-of', '2026-06-01'], repo.dir, {
      RFCGATE_LINT_PARALLEL_FROM: '2',
    });
    expect(two.stdout).toBe(one.stdout);
    expect(run(['lint', '--json', '--as-of', '2026-06-01'], repo.dir).stdout).toBe(one.stdout);
  });

  it('screens with rg by default (RFCGATE_RG names it); --no-rg, RFCGATE_RG=0 or a missing rg read every file; the report is the same', () => {
    requireRg();
    const files: Record<string, string> = { 'src/bin.py': '\u0000"measurement.lease_plane.x"' };
    for (let i = 0; i < 12; i++) files[`src/f${i}.py`] = i % 4 ? 'x = 1\n' : `x = "measurement.lease_plane.r${i}"\n`;
    const repo = manyFilesRepo(files);
    const bin = tempDir('rfcgate-rg-');
    const marker = join(bin, 'calls');
    const wrapper = join(bin, 'rg');
    writeFileSync(wrapper, `#!/bin/sh\necho run >> '${marker}'\nexec rg "$@"\n`, { mode: 0o755 });
    const args = ['lint', '--json', '--as-of', '2026-06-01'];
    const calls = () => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0);
    const viaRg = run(args, repo.dir, { RFCGATE_RG: wrapper });
    expect(viaRg.code).toBe(1);
    expect(calls()).toBe(1);
    for (const [extra, env] of [
      [['--no-rg'], { RFCGATE_RG: wrapper }],
      [[], { RFCGATE_RG: '0' }],
      [[], { RFCGATE_RG: join(bin, 'missing') }],
    ] as const) {
      const r = run([...args, ...extra], repo.dir, env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(viaRg.stdout);
    }
    expect(calls()).toBe(1);
    expect(JSON.parse(viaRg.stdout).findings).toHaveLength(3);
  });

  it('exit 2 when an include glob matches nothing, naming it', () => {
    const repo = lintRepo({
      rules: [{ ...L1, forbid: { ...L1.forbid, include: ['srcc/**/*.py'] } }],
      files: { 'src/a.py': 'x\n' },
    });
    const r = run(['lint'], repo.dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/halt {2}L1 \(missing\): include glob 'srcc\/\*\*\/\*\.py' matched no file in the tree/);
  });

  it('a YAML tag in lints.yaml (a value starting with ! unquoted) is exit 3 at the tag, with or without the spec cache', () => {
    const repo = plainRepo();
    const lints = join(repo.dir, 'gates/demo/lints.yaml');
    writeFileSync(lints, readFileSync(lints, 'utf8').replace(/^ {2}fix: .*$/m, '  fix: !important import it'));
    const said =
      "gates/demo/lints.yaml:6:8: YAML: `!important` here is a YAML tag, which a spec does not read: quote the value (fix: '!important import it')\n1 problem; fix the spec and run again\n";
    for (const env of [{ RFCGATE_CACHE_DIR: tempDir('rfcgate-spec-cache-') }, { RFCGATE_NO_CACHE: '1' }]) {
      const r = run(['lint'], repo.dir, env);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(said);
    }
  });

  it('exit 3 with file:line:col for an invalid rule, and for a bad invocation', () => {
    const repo = plainRepo();
    const missing = run(['lint', 'missing.py'], repo.dir);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe("error: path 'missing.py' does not exist\n");
    writeFileSync(
      join(repo.dir, 'gates/demo/lints.yaml'),
      modeline('lints.yaml') + stringify([{ ...L1, forbid: { pattern: '(', include: ['src/'] } }]),
    );
    const r = run(['lint'], repo.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^gates\/demo\/lints\.yaml:\d+:\d+: lint rule 'L1': not a valid regex/m);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const f = run(['lint', '--format', 'xml'], repo.dir);
    expect(f.code).toBe(3);
    expect(f.stderr).toMatch(/--format 'xml' is not a lint format/);
    // Two scopes at once: oclif's errors on one line, without its heading (which left "occurred::").
    const both = run(['lint', '--staged', '--changed-since', 'HEAD'], repo.dir);
    expect(both.code).toBe(3);
    expect(both.stderr).toBe('error: --staged and --changed-since cannot be given together: choose one (see --help)\n');
    const three = run(['lint', '--staged', '--changed-since', 'HEAD', '--commit', 'HEAD'], repo.dir);
    expect(three.code).toBe(3);
    expect(three.stderr).toBe(
      'error: --staged, --changed-since and --commit cannot be given together: choose one (see --help)\n',
    );
    // One flag naming the other, not the other way round: oclif's heading is singular then.
    const one = run(['lint', '--hook-files', '--changed-since', 'HEAD'], repo.dir);
    expect(one.code).toBe(3);
    expect(one.stderr).toBe(
      'error: --hook-files and --changed-since cannot be given together: choose one (see --help)\n',
    );
    // A regex that could hang the hook: lint (its cache's miss path) and spec validate say so.
    writeFileSync(
      join(repo.dir, 'gates/demo/lints.yaml'),
      modeline('lints.yaml') +
        stringify([{ ...L1, forbid: { pattern: '(a+)+$', ignore_case: true, include: ['src/'] } }]),
    );
    const hang =
      /^gates\/demo\/lints\.yaml:\d+:\d+: lint rule 'L1': its regex can backtrack exponentially \(in \(a\+\)\+,/m;
    for (const args of [['lint'], ['lint', '--staged'], ['spec', 'validate']]) {
      const h = run(args, repo.dir);
      expect(h.code, args.join(' ')).toBe(3);
      expect(h.stderr, args.join(' ')).toMatch(hang);
    }
    // With a problem the load itself found in a file after lints.yaml: one list, in file order.
    appendFileSync(join(repo.dir, 'gates/demo/rfc.yaml'), 'no_such_key: 1\n');
    const mixed = run(['spec', 'validate', '--json'], repo.dir);
    expect(mixed.code).toBe(3);
    const files = (JSON.parse(mixed.stdout) as { problems: { file: string }[] }[])[0]?.problems.map((p) => p.file);
    expect(files).toEqual(['gates/demo/lints.yaml', 'gates/demo/rfc.yaml']);
  });

  it('exit 3 with --json (or --format json) prints {"error": …} on stdout, as gate check does, and keeps the line on stderr', () => {
    const repo = plainRepo();
    const parsed = (r: { stdout: string }) => JSON.parse(r.stdout) as { error: Record<string, unknown> };
    const missing = run(['lint', '--json', 'missing.py'], repo.dir);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe("error: path 'missing.py' does not exist\n");
    expect(parsed(missing)).toEqual({
      error: { name: 'UsageError', message: "path 'missing.py' does not exist", exit: 3 },
    });
    // A flag oclif cannot parse, and --format json in either form (json=- is standard output).
    for (const args of [
      ['--json', '--bogus'],
      ['--format', 'json', '--bogus'],
      ['--format=json=-', '--bogus'],
    ]) {
      const r = run(['lint', ...args], repo.dir);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr, args.join(' ')).toBe('error: Nonexistent flag: --bogus (see --help)\n');
      expect(parsed(r).error, args.join(' ')).toEqual({
        name: 'UsageError',
        message: 'Nonexistent flag: --bogus (see --help)',
        exit: 3,
      });
    }
    // No JSON asked for, the JSON report going to a file, or another report on stdout too:
    // stdout stays empty.
    for (const args of [
      ['--bogus'],
      ['--format', 'json=out.json', '--bogus'],
      ['--', '--json'],
      ['--json', '--format', 'sarif', '--bogus'],
    ]) {
      const r = run(['lint', ...args], repo.dir);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    // An invalid spec: every problem, where to edit it.
    writeFileSync(
      join(repo.dir, 'gates/demo/lints.yaml'),
      modeline('lints.yaml') + stringify([{ ...L1, forbid: { pattern: '(', include: ['src/'] } }]),
    );
    for (const args of [
      ['lint', '--json'],
      ['gate', 'check', '--json'],
      ['prereq', 'status', '--json'],
    ]) {
      const r = run(args, repo.dir);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr, args.join(' ')).toMatch(/^gates\/demo\/lints\.yaml:\d+:\d+: lint rule 'L1': not a valid regex/m);
      const { error } = parsed(r);
      expect(error).toMatchObject({ name: 'SpecError', message: '1 problem; fix the spec and run again', exit: 3 });
      expect(error.problems).toEqual([
        expect.objectContaining({
          file: 'gates/demo/lints.yaml',
          severity: 'error',
          message: expect.stringMatching(/^lint rule 'L1': not a valid regex/),
        }),
      ]);
    }
  });

  it('every command that takes --json answers an invalid invocation with {"error": …}, a stray word too', () => {
    const repo = plainRepo();
    for (const args of [
      ['gate', 'check', 'B', '--json'],
      ['gate', 'check', '--only', 'B', 'extra', '--json'],
      ['spec', 'validate', '--rfc', 'nope', '--json'],
      ['prereq', 'status', '--rfc', 'nope', '--json'],
      ['cite', 'verify', '--rfc', 'nope', '--json'],
      ['comparator', 'run', '--rfc', 'nope', '--json'],
      ['measure', 'list', '--rfc', 'nope', '--json'],
      ['telemetry', 'report', '--rfc', 'nope', '--json'],
    ]) {
      const r = run(args, repo.dir);
      expect(r.code, args.join(' ')).toBe(3);
      const line = /^error: (.*)\n/.exec(r.stderr)?.[1];
      expect(line, args.join(' ')).toBeDefined();
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual({ error: { name: 'UsageError', message: line, exit: 3 } });
    }
  });

  it('a revision that cannot name one is refused (exit 3) as gate check refuses its --ref; one the clone lacks halts (exit 2)', () => {
    const repo = plainRepo();
    const refused: [string[], RegExp][] = [
      [
        ['--changed-since', ''],
        /^error: --changed-since is empty: name the branch, tag or commit to diff against \(e\.g\. origin\/main\); in CI, check that the variable filling it is set for this event\n$/,
      ],
      [['--changed-since=-x'], /^error: --changed-since '-x' starts with '-', which git reads as an option/],
      [['--changed-since', ' main'], /^error: --changed-since " main" has whitespace around it/],
      [['--commit', ''], /^error: --commit is empty: name the commit to check; in CI/],
      [['--commit=--output=x'], /^error: --commit '--output=x' starts with '-', which git reads as an option/],
      [['--commit', 'HEAD\n'], /^error: --commit "HEAD\\n" has whitespace around it/],
      [['--commit', 'HEAD', '--changed-since', ' '], /^error: --changed-since is empty/],
      [['--ref', ''], /^error: --ref is empty: name the branch, tag or commit whose history the order rule reads/],
      [['--ref=-x'], /^error: --ref '-x' starts with '-'/],
    ];
    for (const [args, message] of refused) {
      const r = run(['lint', ...args], repo.dir);
      expect(r.code, JSON.stringify(args)).toBe(3);
      expect(r.stderr, JSON.stringify(args)).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    // A well-formed name may be fetched later: the rules halt on it, as gate check's gates do.
    for (const [args, message] of [
      [['--changed-since', 'no-such-branch'], /git ref 'no-such-branch' does not exist in this clone/],
      [['--commit', 'no-such-commit'], /commit 'no-such-commit' does not exist in this clone/],
    ] as [string[], RegExp][]) {
      const r = run(['lint', ...args], repo.dir);
      expect(r.code, JSON.stringify(args)).toBe(2);
      expect(r.stdout).toMatch(message);
    }
  });

  it('a revision naming a tree or a blob is refused (exit 3), not a ref to fetch', () => {
    const repo = createRepo();
    writeRfc(repo.dir, {
      measurements: [{ id: 'guard', git: { query: 'prereqs_before', path: 'elixir/handler_dispatch/' } }],
      raw: {
        'lints.yaml': modeline('lints.yaml') + stringify([L1, ORDER]),
        'prereqs.yaml':
          modeline('prereqs.yaml') + stringify([{ id: 'pr1', title: 'Profile', deliverables: ['docs/profile.md'] }]),
      },
    });
    repo.git(['add', '-f', 'gates']);
    repo.commit({ files: { 'src/a.py': 'x\n' }, message: 'spec', date: '2026-05-01T09:00:00Z' });
    repo.git(['tag', '-a', 'tree-tag', '-m', 't', 'HEAD^{tree}']);
    for (const [args, message] of [
      [['--changed-since', 'HEAD^{tree}'], /^error: --changed-since 'HEAD\^\{tree\}' names a tree, not a commit/],
      [['--commit', 'HEAD:src/a.py'], /^error: --commit 'HEAD:src\/a\.py' names a blob, not a commit/],
      [['--commit', 'HEAD', '--changed-since', 'tree-tag'], /^error: --changed-since 'tree-tag' names a tree/],
      [['--ref', 'HEAD^{tree}'], /^error: --ref 'HEAD\^\{tree\}' names a tree, not a commit/],
    ] as [string[], RegExp][]) {
      const r = run(['lint', ...args], repo.dir);
      expect(r.stderr, JSON.stringify(args)).toMatch(message);
      expect(r.stderr).not.toMatch(/fetch/);
      expect(r.code, JSON.stringify(args)).toBe(3);
      expect(r.stdout).toBe('');
    }
    // The same names as commits are linted as usual.
    expect(run(['lint', '--changed-since', 'HEAD', '--ref', 'HEAD'], repo.dir).code).toBe(0);
  });

  it('--as-of may be a day to come: which waivers will have expired by then', () => {
    const rule = { ...L1, allow: [...L1.allow, { path: 'src/legacy/', reason: 'migrating', expires: '2098-12-31' }] };
    const repo = lintRepo({ rules: [rule], files: { 'src/legacy/old.py': 'X = "measurement.lease_plane.request"\n' } });
    expect(run(['lint'], repo.dir).code).toBe(0);
    const later = run(['lint', '--as-of', '2099-01-01'], repo.dir);
    expect(later.code).toBe(1);
    expect(later.stdout).toMatch(/expired on 2098-12-31/);
  });

  it('a rule V8 can rerun in linear time keeps that rescue beside a rule it cannot run so', () => {
    // Screened together, (a+)+$ would share one regex with the {n,m} repeat V8's linear-time
    // engine refuses, and backtrack for minutes on this line instead of being rerun.
    const rule = (id: string, pattern: string) => ({ ...L1, id, forbid: { pattern, include: ['src/**'] } });
    const repo = lintRepo({
      rules: [rule('NESTED', '(a+)+$'), rule('BOUNDED', 'x{1,20}y')],
      files: { 'src/a.txt': `${'a'.repeat(34)}!\n` },
    });
    // A liveness bound, not a timing: the run takes well under a second, a regression minutes.
    const r = spawnSync(process.execPath, [BIN, 'lint', '--no-rg', '--json'], {
      cwd: repo.dir,
      env: { ...process.env, NO_COLOR: '1', RFCGATE_NO_CACHE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });

  it('--format takes one value: the paths after it are linted, in either form', () => {
    const repo = lintRepo({
      rules: [L1],
      files: { 'src/a.py': 'x = 1\n', 'src/b.py': 'y = "measurement.lease_plane.x"\n' },
    });
    for (const args of [
      ['--format=json', 'src/a.py'],
      ['--format', 'json', 'src/a.py'],
    ]) {
      const r = run(['lint', ...args], repo.dir);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).scope).toEqual({ kind: 'paths', paths: ['src/a.py'] });
    }
    const sarif = join(repo.dir, 'out.sarif');
    const both = run(['lint', '--format', 'json', '--format', `sarif=${sarif}`, 'src/b.py'], repo.dir);
    expect(both.code).toBe(1);
    expect(JSON.parse(both.stdout).files.in_scope).toBe(1);
    expect(existsSync(sarif)).toBe(true);
  });

  it('a file that cannot be read is named as not read, never counted clean, and halts the rules it falls under; a FIFO in its place does not hang', () => {
    const repo = lintRepo({
      rules: [L1],
      files: {
        'src/a.py': 'x = "measurement.lease_plane.x"\n',
        'src/b.py': 'x = 1\n',
        'src/c.py': 'x = 1\n',
        'src/d.py': 'x = 1\n',
      },
    });
    rmSync(join(repo.dir, 'src/c.py'));
    execFileSync('mkfifo', [join(repo.dir, 'src/c.py')]);
    // A socket: open() fails (ENXIO) before there is anything to fstat.
    rmSync(join(repo.dir, 'src/d.py'));
    execFileSync('python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      join(repo.dir, 'src/d.py'),
    ]);
    chmodSync(join(repo.dir, 'src/a.py'), 0o000);
    // Two, so that with the scan split between two threads each thread has one.
    chmodSync(join(repo.dir, 'src/b.py'), 0o000);
    // Root reads any file: run as an unprivileged user, who owns the repository (git refuses
    // a repository owned by someone else), with a home and a cache of its own.
    const home = tempDir('rfcgate-home-');
    const env = { HOME: home, RFCGATE_CACHE_DIR: join(home, 'cache') };
    const asUser = (args: string[], more: NodeJS.ProcessEnv = {}) => {
      if (process.getuid?.() !== 0) return run(args, repo.dir, { ...env, ...more });
      execFileSync('chown', ['-R', '65534:65534', repo.dir, home]);
      const r = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args],
        {
          cwd: repo.dir,
          env: { ...process.env, NO_COLOR: '1', ...env, ...more },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    // rg, the JavaScript scan, and the scan split with a second thread.
    for (const [rg, more] of [[[]], [['--no-rg']], [['--no-rg'], { RFCGATE_LINT_PARALLEL_FROM: '1' }]] as const) {
      const r = asUser(['lint', '--json', ...rg], more);
      expect(r.stderr, rg.join(' ')).toBe('');
      const report = JSON.parse(r.stdout);
      expect(report.files.skipped).toEqual([
        { path: 'src/a.py', reason: expect.stringMatching(/^permission denied/) },
        { path: 'src/b.py', reason: expect.stringMatching(/^permission denied/) },
        { path: 'src/c.py', reason: expect.stringMatching(/^not a regular file/) },
        { path: 'src/d.py', reason: expect.stringMatching(/^not a regular file/) },
      ]);
      expect(report.files.checked).toBe(0);
      // The violation in src/a.py could be there: L1 was not checked on it, a halt, not a pass.
      // A FIFO or a socket holds no text of the repository's: skipped, as a binary file is.
      expect(report.rules).toEqual([
        expect.objectContaining({
          id: 'L1',
          verdict: 'halt',
          halt_reason: 'missing',
          reason:
            '2 files it applies to could not be read, so it was not checked there: src/a.py: permission denied; make it readable to have it checked (and 1 more, listed as skipped)',
        }),
      ]);
      expect(r.code).toBe(2);
    }
    const named = asUser(['lint', 'src/a.py']);
    expect(named.stdout).toMatch(/src\/a\.py.*permission denied/);
    expect(named.code).toBe(2);
  });

  it('a symlink or a deleted file a rule applies to is listed as not read, with rg or without, so the counts add up', () => {
    const repo = lintRepo({
      rules: [L1],
      files: { 'src/a.py': 'x = 1\n', 'src/gone.py': 'x = 2\n', 'docs/readme.md': '# docs\n' },
    });
    symlinkSync('a.py', join(repo.dir, 'src/link.py'));
    repo.git(['add', '-A']);
    repo.commit({ message: 'link', date: '2026-05-02T09:00:00Z' });
    rmSync(join(repo.dir, 'src/gone.py'));
    const skipped = [
      { path: 'src/gone.py', reason: 'deleted in the working tree' },
      { path: 'src/link.py', reason: 'a symbolic link, which lint does not follow' },
    ];
    // The --no-rg run writes its stylish report too, outside the tree (inside, it would be in scope).
    const stylishFile = join(tempDir('rfcgate-reports-'), 'stylish.txt');
    const reports = [[], ['--no-rg', '--format', `stylish=${stylishFile}`]].map((more) =>
      run(['lint', '--json', '--as-of', '2026-06-01', ...more], repo.dir),
    );
    for (const r of reports) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).files).toEqual({ in_scope: 6, checked: 1, skipped });
    }
    expect(reports[1]?.stdout).toBe(reports[0]?.stdout);
    const stylish = readFileSync(stylishFile, 'utf8');
    expect(stylish).toContain(
      'note: 2 files were not read: src/gone.py (deleted in the working tree), src/link.py (a symbolic link, which lint does not follow)\n',
    );
  });

  it('the halt for files that cannot be read names the same first file whether or not a second thread scans', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    // Files their owner may not read. Split between two threads, b and c land on different ones.
    repo.write('src/b.py', 'y = 1\n');
    repo.write('src/c.py', 'z = 1\n');
    repo.git(['add', '-A']);
    chmodSync(join(repo.dir, 'src/b.py'), 0o000);
    chmodSync(join(repo.dir, 'src/c.py'), 0o000);
    const reasons = [{}, { RFCGATE_LINT_PARALLEL_FROM: '1' }].map((env) => {
      const r = asOwner(repo.dir, ['lint', '--json', '--no-rg'], env);
      expect(r.code).toBe(2);
      return (JSON.parse(r.stdout) as { rules: { reason: string }[] }).rules[0]?.reason;
    });
    expect(reasons[0]).toMatch(/could not be read, so it was not checked there: src\/b\.py: permission denied/);
    expect(reasons[1]).toBe(reasons[0]);
  });

  it('the shipped wave3 rules run under the wave3 program name (this repository has no Python: L1 and L2 halt)', () => {
    const r = run(['lint', '--rfc', 'wave3', '--json'], process.cwd());
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.rules.map((x: { id: string; verdict: string }) => `${x.id}:${x.verdict}`)).toEqual([
      'L1:halt',
      'L2:halt',
      'L3:pass',
      'L3.profile:pass',
    ]);
    expect(r.code).toBe(2);
  });

  it('the order rule under a governed root below the top: git paths from the top, findings from the root', () => {
    const repo = createRepo();
    writeRfc(join(repo.dir, 'svc'), {
      measurements: [{ id: 'guard', git: { query: 'prereqs_before', path: 'svc/elixir/handler_dispatch/' } }],
      raw: {
        'lints.yaml': modeline('lints.yaml') + stringify([ORDER]),
        'prereqs.yaml':
          modeline('prereqs.yaml') +
          stringify([
            { id: 'pr1', title: 'Profile', deliverables: ['svc/docs/profile.md'] },
            { id: 'pr3', title: 'Helpers', deliverables: ['svc/src/helper.py'] },
          ]),
      },
    });
    repo.git(['add', '-f', 'svc/gates']);
    repo.commit({ files: { 'svc/docs/profile.md': 'p\n' }, message: 'spec, pr1', date: '2026-05-01T09:00:00Z' });
    const lint = (...args: string[]) => run(['lint', '--root', 'svc', '--json', ...args], repo.dir);

    repo.write('svc/elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'svc/elixir/handler_dispatch/d.ex']);
    const staged = lint('--staged');
    expect(staged.stderr).toBe('');
    const findings = (out: string) =>
      (JSON.parse(out) as { findings: { file: string; message: string }[] }).findings.map((f) => f.file);
    expect(findings(staged.stdout)).toEqual(['elixir/handler_dispatch/d.ex']);
    expect(staged.stdout).toMatch(/first commit under svc\/elixir\/handler_dispatch\/, but prereq pr3 has not landed/);
    expect(staged.code).toBe(1);

    repo.commit({ message: 'dispatch early', date: '2026-05-02T09:00:00Z' });
    repo.commit({ files: { 'svc/src/helper.py': 'h\n' }, message: 'pr3', date: '2026-05-03T09:00:00Z' });
    const tree = lint();
    expect(findings(tree.stdout)).toEqual(['elixir/handler_dispatch/d.ex']);
    expect(tree.stdout).toMatch(/before prereq pr3 had landed/);
    expect(tree.code).toBe(1);
  });

  it('a change that does not touch the guarded path leaves the rest of the RFC unread; an expired waiver still fails it', () => {
    const repo = createRepo();
    writeRfc(repo.dir, {
      measurements: [{ id: 'guard', git: { query: 'prereqs_before', path: 'elixir/handler_dispatch/' } }],
      raw: {
        'lints.yaml': modeline('lints.yaml') + stringify([ORDER]),
        'prereqs.yaml':
          modeline('prereqs.yaml') + stringify([{ id: 'pr1', title: 'Profile', deliverables: ['docs/profile.md'] }]),
        // Mid-edit, and nothing the lint rules read: a commit elsewhere is not held up by it.
        'stop-signs.yaml': `${modeline('stop-signs.yaml')}- id: S1\n  title: half written\n`,
      },
    });
    repo.git(['add', '-f', 'gates']);
    repo.commit({ files: { 'src/a.py': 'x\n' }, message: 'spec', date: '2026-05-01T09:00:00Z' });
    repo.write('src/b.py', 'y\n');
    repo.git(['add', 'src/b.py']);
    const elsewhere = run(['lint', '--staged', '--json'], repo.dir);
    expect(elsewhere.stderr).toBe('');
    expect(JSON.parse(elsewhere.stdout).rules[0].note).toBe('the change does not touch elixir/handler_dispatch/');
    expect(elsewhere.code).toBe(0);
    // A change under the path runs the guard, which reads the whole RFC: its problem is reported.
    repo.write('elixir/handler_dispatch/d.ex', 'd\n');
    repo.git(['add', 'elixir/handler_dispatch/d.ex']);
    const under = run(['lint', '--staged'], repo.dir);
    expect(under.stderr).toMatch(/gates\/demo\/stop-signs\.yaml:2:3: 'S1': missing required key/);
    expect(under.code).toBe(3);
    repo.git(['rm', '-q', '--cached', 'elixir/handler_dispatch/d.ex']);
    // The rule is not run on a change elsewhere, but its waiver past its day is an error all the same.
    const lints = join(repo.dir, 'gates', 'demo', 'lints.yaml');
    const waiver = [{ commit: '0123456789abcdef', reason: 'reverted early work', expires: '2026-05-31' }];
    writeFileSync(lints, modeline('lints.yaml') + stringify([{ ...ORDER, allow: waiver }]));
    const expired = run(['lint', '--staged', '--as-of', '2026-06-01'], repo.dir);
    expect(expired.stdout).toMatch(/the waiver of 'L3' for commit 0123456789abcdef expired on 2026-05-31/);
    expect(expired.code).toBe(1);
  });

  it('--commit alone judges the ordering guard as the whole tree does, even when the tip holds nothing under its path', () => {
    const repo = lintRepo({
      rules: [ORDER],
      measurements: [{ id: 'guard', git: { query: 'prereqs_before', path: 'elixir/handler_dispatch/' } }],
      prereqs: [{ id: 'pr1', title: 'Profile', deliverables: ['docs/profile.md'] }],
      files: { 'src/a.py': 'x\n' },
    });
    repo.commit({ files: { 'elixir/handler_dispatch/d.ex': 'd\n' }, message: 'early', date: '2026-05-02T09:00:00Z' });
    repo.commit({ files: { 'elixir/handler_dispatch/d.ex': null }, message: 'revert', date: '2026-05-03T09:00:00Z' });
    const tree = run(['lint', '--json'], repo.dir);
    expect(tree.code).toBe(1);
    const commit = run(['lint', '--json', '--commit', 'HEAD'], repo.dir);
    expect(commit.stderr).toBe('');
    expect(JSON.parse(commit.stdout).findings).toEqual(JSON.parse(tree.stdout).findings);
    expect(commit.code).toBe(1);
  });

  it('under a root below the top, GitHub annotations, SARIF and JUnit name files from the top; a backslash stays in the name', () => {
    const repo = createRepo();
    writeRfc(join(repo.dir, 'svc'), { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    repo.git(['add', '-f', 'svc/gates']);
    repo.commit({
      files: { 'svc/src/a\\b.py': 'x = "measurement.lease_plane.x"\n' },
      message: 'spec and code',
      date: '2026-05-01T09:00:00Z',
    });
    // One run per format printed as a user reads it, another format written to a file beside
    // it (GitHub annotations on standard output are judged in the --staged case above).
    const out = tempDir('rfcgate-reports-');
    const lint = (...format: string[]) =>
      run(['lint', '--root', 'svc', ...format.flatMap((f) => ['--format', f])], repo.dir);
    const printed = lint('sarif', `github=${join(out, 'github.txt')}`);
    expect(printed.code).toBe(1);
    expect(readFileSync(join(out, 'github.txt'), 'utf8')).toMatch(/^::error file=svc\/src\/a\\b\.py,line=1,col=6,/m);
    const sarif = JSON.parse(printed.stdout) as {
      runs: {
        results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
        tool: { driver: { rules: { help: { text: string } }[] } };
      }[];
    };
    expect(sarif.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('svc/src/a%5Cb.py');
    // The command a reader of code scanning runs from the checkout's top names the root too.
    const help = sarif.runs[0]?.tool.driver.rules[0]?.help.text ?? '';
    expect(help).toBe('Run `rfcgate lint --root svc --rfc demo --json` for every finding.');
    const listed = run(help.replace(/^Run `rfcgate (.*)` for every finding\.$/, '$1').split(' '), repo.dir);
    expect(listed.code).toBe(1);
    expect(JSON.parse(listed.stdout).findings[0].file).toBe('src/a\\b.py');
    const junit = lint('junit', `json=${join(out, 'report.json')}`);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toContain('file="svc/gates/demo/lints.yaml"');
    expect(junit.stdout).toContain('svc/src/a\\b.py:1:6 error');
    // What a script reads from the root keeps the root's names, even beside a report named from the top.
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).findings[0].file).toBe('src/a\\b.py');
  });

  it('the shipped wave3 L1 and L2 on realistic code: every type of the RFC, tests at any depth, payloads found at their key', () => {
    const repo = createRepo();
    cpSync(resolve('gates/wave3'), join(repo.dir, 'gates/wave3'), { recursive: true });
    cpSync(resolve('rfcs'), join(repo.dir, 'rfcs'), { recursive: true });
    const files: Record<string, string> = {
      'src/audit/boundary_payload.py':
        'def make_boundary_payload(kind, error_class, **f):\n    return {"kind": kind, "error_class": error_class, **f}\n',
      'src/recon.py': 'def f(w):\n    w.write("coordination_failure.ets_pg_divergence", {})\n',
      // Prose in backticks (Markdown, RST) is not a literal; an Elixir sigil is.
      'src/notes.py':
        'def record(w):\n    """Write one ``measurement.lease_plane.request`` row."""\n    # Emits `measurement.governance_mcp.request`\n',
      'elixir/cache/lib/sigils.ex':
        'defmodule S do\n  @moduledoc "Records `measurement.beam_python_boundary.call`."\n  def a, do: ~s(measurement.beam_python_boundary.call)\n  def b, do: ~S|measurement.lease_plane.request|\nend\n',
      'src/audit/tests/test_types.py': 'assert t == "measurement.lease_plane.request"\n',
      // A pytest module beside the code is a test too.
      'src/audit/test_emit.py': 'assert t == "measurement.lease_plane.request"\nx = {"error_class": 1}\n',
      'src/audit/emit_test.py': 'assert t == "measurement.lease_plane.request"\n',
      'elixir/cache/test/types_test.exs': 'assert t == "measurement.lease_plane.request"\n',
      'elixir/cache/lib/c.ex': 'defmodule C do end\n',
      'src/db/migrations/040_t.sql': 'CREATE TABLE t (x int);\n',
      'src/handlers.py': [
        'def nested(w, a):',
        '    w.write(X, dict(agent_id=str(a), error_class=None))',
        'def commented(w):',
        '    w.write(X, {  # boundary payload',
        '        "error_class": None,',
        '    })',
        'def subscript(w, a):',
        '    p = {"agent_id": a}',
        '    p["error_class"] = None',
        '    if p["error_class"] == None:',
        '        pass',
        'def multiline(w, a):',
        '    w.write(X, {',
        '        "agent_id": a,',
        '        "error_class": None,',
        '    })',
        '',
      ].join('\n'),
    };
    repo.commit({ files, message: 'code', date: '2026-05-01T09:00:00Z' });
    for (const engine of [[], ['--no-rg']]) {
      const r = run(['lint', '--rfc', 'wave3', '--json', ...engine], repo.dir);
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as { findings: { file: string; line: number; col: number; rule: string }[] };
      expect(report.findings.map((f) => `${f.file}:${f.line}:${f.col} ${f.rule}`)).toEqual([
        'elixir/cache/lib/sigils.ex:3:17 L1',
        'elixir/cache/lib/sigils.ex:4:17 L1',
        'src/handlers.py:2:38 L2',
        'src/handlers.py:5:9 L2',
        'src/handlers.py:9:7 L2',
        'src/handlers.py:15:9 L2',
        'src/recon.py:2:14 L1',
      ]);
      expect(r.code).toBe(1);
    }
  });

  it('hooks install / uninstall from the command line', () => {
    const repo = plainRepo();
    const i = run(['hooks', 'install', '--pre-push'], repo.dir);
    expect(i.code).toBe(0);
    expect(i.stdout).toMatch(/^pre-commit: installed/m);
    expect(i.stdout).toMatch(/^pre-push: installed/m);
    expect(existsSync(join(repo.dir, '.git/hooks/pre-commit'))).toBe(true);
    writeFileSync(join(repo.dir, '.git/hooks/pre-commit'), '#!/bin/sh\nexit 0\n');
    const again = run(['hooks', 'install'], repo.dir);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/rfcgate did not write it; rerun with --chain/);
    const both = run(['hooks', 'install', '--chain', '--force'], repo.dir);
    expect(both.code).toBe(3);
    expect(both.stderr).toBe('error: --force and --chain cannot be given together: choose one (see --help)\n');
    const u = run(['hooks', 'uninstall'], repo.dir);
    expect(u.stdout).toMatch(/^pre-commit: not written by rfcgate, left alone \(/m);
    expect(u.stdout).toMatch(/^pre-push: removed/m);
  });

  it('hooks install into a hooks folder that cannot be written says which and what to do; exit 3, nothing written', () => {
    const repo = plainRepo();
    const hooks = join(repo.dir, '.git/hooks');
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho team\n', { mode: 0o755 });
    const before = readdirSync(hooks).sort();
    chmodSync(hooks, 0o555);
    try {
      const r = asOwner(repo.dir, ['hooks', 'install', '--pre-push', '--chain']);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: cannot write to ${hooks}, the folder git runs hooks from (EACCES: permission denied), so no hook was installed; make it writable (chmod u+w '${hooks}') or run hooks install as its owner\n`,
      );
      expect(r.code).toBe(3);
      expect(readdirSync(hooks).sort()).toEqual(before);
      expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe('#!/bin/sh\necho team\n');
      expect(readFileSync(join(repo.dir, '.git/config'), 'utf8')).not.toContain('rfcgate');
    } finally {
      chmodSync(hooks, 0o755);
    }
  });

  it('hooks uninstall in a hooks folder that cannot be written says which and what to do; exit 3, nothing changed', () => {
    const repo = plainRepo();
    const hooks = join(repo.dir, '.git/hooks');
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho team\n', { mode: 0o755 });
    expect(run(['hooks', 'install', '--pre-push', '--chain'], repo.dir).code).toBe(0);
    const before = readdirSync(hooks).sort();
    const config = readFileSync(join(repo.dir, '.git/config'), 'utf8');
    chmodSync(hooks, 0o555);
    try {
      const r = asOwner(repo.dir, ['hooks', 'uninstall']);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: cannot write to ${hooks}, the folder git runs hooks from (EACCES: permission denied), so nothing was changed; make it writable (chmod u+w '${hooks}') or run hooks uninstall as its owner\n`,
      );
      expect(r.code).toBe(3);
      expect(readdirSync(hooks).sort()).toEqual(before);
      expect(readFileSync(join(repo.dir, '.git/config'), 'utf8')).toBe(config);
    } finally {
      chmodSync(hooks, 0o755);
    }
  });

  it('hooks uninstall works from inside .git, as hooks install does', () => {
    const repo = plainRepo();
    const hooks = join(repo.dir, '.git/hooks');
    for (const cwd of [join(repo.dir, '.git'), hooks]) {
      const i = run(['hooks', 'install'], cwd);
      expect(i.stderr).toBe('');
      expect(i.code).toBe(0);
      const u = run(['hooks', 'uninstall'], cwd);
      expect(u.stderr).toBe('');
      expect(u.stdout).toContain(`pre-commit: removed (${join(hooks, 'pre-commit')})`);
      expect(u.code).toBe(0);
      expect(existsSync(join(hooks, 'pre-commit'))).toBe(false);
    }
  });

  it("hooks uninstall from a linked worktree names the main worktree's hooks folder as that, not as a changed core.hooksPath", () => {
    const repo = plainRepo();
    // Relative: each worktree runs hooks from a folder of its own.
    repo.git(['config', 'core.hooksPath', '.githooks']);
    expect(run(['hooks', 'install'], repo.dir).code).toBe(0);
    const linked = join(tempDir(), 'linked');
    repo.git(['worktree', 'add', '-q', linked]);
    const u = run(['hooks', 'uninstall'], linked);
    expect(u.stdout).toContain(
      `pre-commit: removed (${join(repo.dir, '.githooks', 'pre-commit')}, the hooks folder of the worktree at ${repo.dir}, where install wrote it (core.hooksPath is relative))`,
    );
    expect(u.stdout).not.toContain('core.hooksPath changed');
    expect(u.code).toBe(0);
  });

  it('hooks install --chain warns when the kept hook reads its own name, which it no longer runs under', () => {
    const repo = plainRepo();
    const hook = join(repo.dir, '.git/hooks/pre-commit');
    // A dispatcher over pre-commit.d/: kept as pre-commit.rfcgate-previous, it would look in pre-commit.rfcgate-previous.d/.
    writeFileSync(hook, '#!/bin/sh\nfor h in "$(dirname "$0")/$(basename "$0").d"/*; do "$h" || exit 1; done\n', {
      mode: 0o755,
    });
    const r = run(['hooks', 'install', '--chain'], repo.dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `warning: ${hook}.rfcgate-previous reads its own name ($0), and now runs under that name, not pre-commit: a hook that finds its scripts by its name (a pre-commit.d folder) finds none and passes without checking; call 'rfcgate lint --staged' from it instead (hooks uninstall, then add the line), or run both from a hook manager (README)\n`,
    );
    // One that does not read its name, and husky's, which the chained hook runs under its own name: no warning.
    for (const text of ['#!/bin/sh\necho team\n', '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n']) {
      const other = plainRepo();
      writeFileSync(join(other.dir, '.git/hooks/pre-commit'), text, { mode: 0o755 });
      const quiet = run(['hooks', 'install', '--chain'], other.dir);
      expect([quiet.code, quiet.stderr]).toEqual([0, '']);
    }
  });

  it('hooks uninstall over its hook whose marker line was edited away leaves it, and says where the kept hook is', () => {
    const repo = plainRepo();
    const hook = join(repo.dir, '.git/hooks/pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho team\n', { mode: 0o755 });
    expect(run(['hooks', 'install', '--chain'], repo.dir).code).toBe(0);
    writeFileSync(hook, readFileSync(hook, 'utf8').replace('# rfcgate-managed-hook v1\n', ''));
    const u = run(['hooks', 'uninstall'], repo.dir);
    expect(u.stdout).toContain(
      `pre-commit: not written by rfcgate, left alone; the hook install kept aside is still ${hook}.rfcgate-previous: move it back yourself if you want it (${hook})`,
    );
    expect(readFileSync(`${hook}.rfcgate-previous`, 'utf8')).toBe('#!/bin/sh\necho team\n');
    expect(u.code).toBe(0);
  });

  it('hooks uninstall over its hook edited by hand since install refuses and changes nothing; --force removes it', () => {
    const repo = plainRepo();
    const hooks = join(repo.dir, '.git/hooks');
    expect(run(['hooks', 'install', '--pre-push'], repo.dir).code).toBe(0);
    const commitHook = readFileSync(join(hooks, 'pre-commit'), 'utf8');
    const edited = `${readFileSync(join(hooks, 'pre-push'), 'utf8')}# ran tests too\nnpm test\n`;
    writeFileSync(join(hooks, 'pre-push'), edited);
    const u = run(['hooks', 'uninstall'], repo.dir);
    expect(u.stderr).toBe(
      `error: ${hooks}/pre-push was edited by hand since hooks install wrote it ('# ran tests too', 'npm test'), and uninstalling would lose the edits; copy what you want to keep elsewhere, then rerun with --force to remove it anyway (nothing was changed)\n`,
    );
    expect(u.code).toBe(3);
    expect(readFileSync(join(hooks, 'pre-push'), 'utf8')).toBe(edited);
    expect(readFileSync(join(hooks, 'pre-commit'), 'utf8')).toBe(commitHook);
    const forced = run(['hooks', 'uninstall', '--force'], repo.dir);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^pre-push: removed/m);
    expect(existsSync(join(hooks, 'pre-push'))).toBe(false);
    expect(existsSync(join(hooks, 'pre-commit'))).toBe(false);
  });

  it('outside a git work tree, hooks install and hooks uninstall each say to run themselves in the repository', () => {
    const dir = tempDir();
    writeRfc(dir, { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    for (const command of ['install', 'uninstall']) {
      const r = run(['hooks', command], dir);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        new RegExp(`^error: \\S+ is not inside a git work tree \\(.*\\); run hooks ${command} in the repository\\n$`),
      );
    }
  });

  it('without --rfc, the one RFC with a lints.yaml is linted; several with one still ask which', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = "measurement.lease_plane.x"\n' } });
    writeRfc(repo.dir, { id: 'other' });
    const one = run(['lint'], repo.dir);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(1);
    expect(one.stdout).toMatch(/^src\/a\.py\n {2}1:6 {2}error/m);
    writeRfc(repo.dir, { id: 'third', raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    const several = run(['lint'], repo.dir);
    expect(several.code).toBe(3);
    expect(several.stderr).toBe(
      'error: several RFCs under gates/ have a lints.yaml (demo, third): choose one with --rfc\n',
    );
    rmSync(join(repo.dir, 'gates', 'demo', 'lints.yaml'));
    rmSync(join(repo.dir, 'gates', 'third', 'lints.yaml'));
    const none = run(['lint'], repo.dir);
    expect(none.code).toBe(3);
    expect(none.stderr).toBe(
      'error: none of the RFCs under gates/ (demo, other, third) has a lints.yaml: add gates/<rfc>/lints.yaml\n',
    );
  });

  it("a folder named as a spec file is one error at its path, not the order rule's unknown measurement", () => {
    const repo = lintRepo({ rules: [ORDER], files: { 'src/a.py': 'x = 1\n' } });
    mkdirSync(join(repo.dir, 'gates', 'demo', 'measurements.yaml'));
    const r = run(['lint'], repo.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'gates/demo/measurements.yaml:1:1: cannot be read (it is a folder); make it a YAML file or remove it\n1 problem; fix the spec and run again\n',
    );
  });

  it('a link under gates/ whose target is gone holds no RFC: lint and hooks install pass it over, --rfc names it unknown', () => {
    const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = "measurement.lease_plane.x"\n' } });
    // An RFC folder linked from a repository that is not checked out on this machine.
    symlinkSync(join(repo.dir, 'elsewhere', 'gates', 'shared'), join(repo.dir, 'gates', 'shared'));
    const lint = run(['lint'], repo.dir);
    expect(lint.stderr).toBe('');
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/^src\/a\.py\n {2}1:6 {2}error/m);
    const install = run(['hooks', 'install'], repo.dir);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    const unknown = run(['lint', '--rfc', 'shared'], repo.dir);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe("error: unknown RFC 'shared': no folder gates/shared; known RFCs: demo\n");
  });

  it.runIf(existsSync('/proc/self/cmdline'))(
    '--hook-files: a file whose name is not UTF-8, as a hook manager passes it, is checked, not passed over',
    () => {
      const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
      writeFileSync(Buffer.from(`${repo.dir}/src/caf\xe9.py`, 'latin1'), 'y = "measurement.lease_plane.x"\n');
      // A second name that Node's decoding makes the same string: told apart by its bytes.
      writeFileSync(Buffer.from(`${repo.dir}/src/caf\xe8.py`, 'latin1'), 'y = 1\n');
      repo.git(['add', '-A']);
      // The names' bytes as the framework passes them (a shell's printf writes the bytes).
      const hook = (...names: string[]) =>
        spawnSync(
          'sh',
          [
            '-c',
            `exec "$0" "$1" lint --hook-files ${names.map((n) => `"$(printf '${n}')"`).join(' ')}`,
            process.execPath,
            BIN,
          ],
          { cwd: repo.dir, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' },
        );
      const staged = hook('src/caf\\350.py', 'src/caf\\351.py');
      expect(staged.stdout).toMatch(/src\/caf\uFFFD<e9>\.py\n {2}1:6 {2}error/);
      expect(staged.stdout).toMatch(/2 of 2 files checked \(staged changes: the 2 files the hook passed\)/);
      expect(staged.status).toBe(1);
      const clean = hook('src/caf\\350.py');
      expect(clean.stdout).toMatch(/1 of 1 file checked \(staged changes/);
      expect(clean.status).toBe(0);
    },
  );

  it.runIf(existsSync('/proc/self/cmdline'))(
    'a file or folder named on the command line whose name is not UTF-8 is checked, not said not to exist',
    () => {
      const repo = lintRepo({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
      const BAD = 'y = "measurement.lease_plane.x"\n';
      writeFileSync(Buffer.from(`${repo.dir}/src/caf\xe9.py`, 'latin1'), BAD);
      mkdirSync(Buffer.from(`${repo.dir}/src/d\xe9j`, 'latin1'));
      writeFileSync(Buffer.from(`${repo.dir}/src/d\xe9j/x.py`, 'latin1'), BAD);
      // The names' bytes as a shell passes them.
      const lint = (name: string) =>
        spawnSync('sh', ['-c', `exec "$0" "$1" lint "$(printf '${name}')"`, process.execPath, BIN], {
          cwd: repo.dir,
          env: { ...process.env, NO_COLOR: '1' },
          encoding: 'utf8',
        });
      const file = lint('src/caf\\351.py');
      expect(file.stderr).toBe('');
      expect(file.stdout).toMatch(/src\/caf\uFFFD<e9>\.py\n {2}1:6 {2}error/);
      expect(file.stdout).toMatch(/1 of 1 file checked/);
      expect(file.status).toBe(1);
      const folder = lint('src/d\\351j');
      expect(folder.stdout).toMatch(/src\/d\uFFFD<e9>j\/x\.py\n {2}1:6 {2}error/);
      expect(folder.status).toBe(1);
      const missing = lint('src/caf\\350.py');
      expect(missing.stderr).toBe("error: path 'src/caf\uFFFD<e8>.py' does not exist\n");
      expect(missing.status).toBe(3);
    },
  );
});

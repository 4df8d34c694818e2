/**
 * hooks install / uninstall on real repositories, with a hook already in place, and the
 * installed hook run by a real `git commit` (so the built CLI: run `npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BUILD_ENTRY, hooksDir, installHooks, MARKER, script, uninstallHooks } from '../../src/lint/hooks.js';
import { UsageError } from '../../src/spec/problems.js';
import { createRepo, FixtureRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { L1, type LintFixture, lintRepo } from './helpers.js';

afterAll(removeFixtures);

const templates = new Map<string, string>();

/**
 * A repository as lintRepo builds it, copied from one built once per fixture: most cases start
 * from the same few, and a copy costs a fraction of the git commands that build one. The copy's
 * index is refreshed, so git finds it as clean as a freshly built one.
 */
function lintRepoCopy(f: LintFixture): FixtureRepo {
  const key = JSON.stringify(f);
  let template = templates.get(key);
  if (template === undefined) {
    template = lintRepo(f).dir;
    templates.set(key, template);
  }
  const repo = new FixtureRepo(tempDir());
  cpSync(template, repo.dir, { recursive: true, preserveTimestamps: true });
  repo.git(['update-index', '-q', '--refresh']);
  return repo;
}

const BIN = resolve('bin/run.js');
const FOREIGN =
  '#!/bin/sh\n# the team\'s own hook\necho ran > "$(git rev-parse --show-toplevel)/.foreign-ran"\nexit 0\n';
const opts = (root: string, more: Partial<Parameters<typeof installHooks>[0]> = {}) => ({
  root,
  hooks: ['pre-commit' as const],
  force: false,
  chain: false,
  node: process.execPath,
  bin: BIN,
  ...more,
});

function commit(dir: string, message: string) {
  const r = spawnSync('git', ['commit', '-q', '-m', message], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function push(dir: string, args: string[]) {
  const r = spawnSync('git', ['push', '-q', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * Runs the hook script() writes, in dir, with a stand-in for rfcgate whose lint of each RFC
 * exits with the code `exits` gives it.
 */
function runWithFakeLint(
  dir: string,
  type: 'pre-commit' | 'pre-push',
  exits: Record<string, number>,
  args: string[] = [],
  more: { input?: string } = {},
) {
  const fake = join(tempDir('rfcgate-fake-lint-'), 'run.sh');
  writeFileSync(
    fake,
    'while [ $# -gt 0 ]; do [ "$1" = --rfc ] && rfc=$2; shift; done\neval "exit \\${EXIT_$rfc:-0}"\n',
  );
  const hook = join(tempDir('rfcgate-hook-'), type);
  writeFileSync(hook, script(type, { node: '/bin/sh', bin: fake, chain: false, createdDir: 0 }), { mode: 0o755 });
  const env = Object.fromEntries(Object.entries(exits).map(([rfc, code]) => [`EXIT_${rfc}`, `${code}`]));
  return spawnSync(hook, args, { cwd: dir, env: { ...process.env, ...env }, ...more });
}

/**
 * A stand-in for an rfcgate package at `pkg`: bin/run.js loads the build as the real one does
 * (BUILD_ENTRY), and the build, when `built`, runs the real CLI. Its bin path is returned.
 */
function standIn(pkg: string, built = true): string {
  const bin = join(pkg, 'bin', 'run.js');
  mkdirSync(join(bin, '..'), { recursive: true });
  writeFileSync(bin, `await import(${JSON.stringify(BUILD_ENTRY)});\n`);
  if (built) {
    const entry = resolve(pkg, 'bin', BUILD_ENTRY);
    mkdirSync(join(entry, '..'), { recursive: true });
    writeFileSync(entry, `await import(${JSON.stringify(pathToFileURL(BIN).href)});\n`);
  }
  return bin;
}

function withForeignHook() {
  const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': '.foreign-ran\n' } });
  const path = join(hooksDir(repo.dir), 'pre-commit');
  writeFileSync(path, FOREIGN);
  chmodSync(path, 0o750);
  return { repo, path };
}

/**
 * One run of the pre-commit framework over `rfcgate-lint`: one process running the entry once
 * per share of the file list, one after another (require_serial), with PRE_COMMIT=1 unless
 * `env` says otherwise; what each share printed, and its exit code.
 */
function frameworkRun(
  dir: string,
  shares: string[][],
  env: NodeJS.ProcessEnv = { PRE_COMMIT: '1' },
  args: string[] = [],
): { code: number; out: string }[] {
  const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as { id: string; entry: string }[];
  const hook = hooks.find((h) => h.id === 'rfcgate-lint') as (typeof hooks)[number];
  const [command = '', ...words] = hook.entry.split(' ');
  const shim = join(tempDir('rfcgate-path-'), command);
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  const script = `const { spawnSync } = require('node:child_process');
const out = JSON.parse(process.env.SHARES).map((files) => {
  const r = spawnSync(process.env.SHIM, [...JSON.parse(process.env.WORDS), ...files], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
});
process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      NO_COLOR: '1',
      SHIM: shim,
      WORDS: JSON.stringify([...words, ...args]),
      SHARES: JSON.stringify(shares),
      ...env,
    },
  });
  return JSON.parse(r.stdout) as { code: number; out: string }[];
}

describe('hooks', () => {
  it('writes its hook through a new file, never over one already bearing that name', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const dir = hooksDir(repo.dir);
    mkdirSync(dir, { recursive: true });
    const taken = join(dir, `pre-commit.${process.pid}.tmp`);
    writeFileSync(taken, 'mine\n');
    installHooks(opts(repo.dir));
    expect(readFileSync(join(dir, 'pre-commit'), 'utf8')).toContain(MARKER);
    expect(readFileSync(taken, 'utf8')).toBe('mine\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('pre-commit.') && n !== 'pre-commit.sample')).toEqual([
      basename(taken),
    ]);
  });

  it('refuses to overwrite a hook it did not write, and writes nothing', () => {
    const { repo, path } = withForeignHook();
    expect(() => installHooks(opts(repo.dir))).toThrow(UsageError);
    expect(() => installHooks(opts(repo.dir))).toThrow(/--chain to keep it.*--force to replace it/);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(existsSync(`${path}.rfcgate-previous`)).toBe(false);
  });

  it('a hook that cannot be written (the disk full) leaves every hook where and as it was, and says why', () => {
    const { repo, path } = withForeignHook();
    const dir = hooksDir(repo.dir);
    const push = join(dir, 'pre-push');
    writeFileSync(push, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const before = readdirSync(dir).sort();
    // A file size limit below a hook's size: its write fails part way (EFBIG), as on a full disk.
    const r = spawnSync(
      'sh',
      ['-c', 'ulimit -f 1 && exec "$0" "$@"', process.execPath, BIN, 'hooks', 'install', '--force', '--pre-push'],
      {
        cwd: repo.dir,
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' },
      },
    );
    expect(r.stderr).toContain(`cannot write to ${dir}, the folder git runs hooks from (EFBIG:`);
    expect(r.stderr).toContain('so no hook was installed (every hook is as it was)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(readFileSync(push, 'utf8')).toBe('#!/bin/sh\nexit 0\n');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('--chain over a hook git ignored (not executable) says it does not run, and it does not', () => {
    const { repo, path } = withForeignHook();
    chmodSync(path, 0o640);
    const [chained] = installHooks(opts(repo.dir, { chain: true }));
    expect(chained).toMatchObject({ action: 'chained', previous: `${path}.rfcgate-previous`, idle: true });
    repo.write('src/b.py', 'y = 1\n');
    repo.git(['add', 'src/b.py']);
    expect(commit(repo.dir, 'ok').code).toBe(0);
    expect(existsSync(join(repo.dir, '.foreign-ran'))).toBe(false);
    // Made executable, it runs first, and install no longer says otherwise.
    chmodSync(`${path}.rfcgate-previous`, 0o750);
    const [again] = installHooks(opts(repo.dir, { chain: true }));
    expect(again?.action).toBe('updated');
    expect(again?.idle).toBeUndefined();
  });

  it('--chain after its own hook was deleted by hand runs the hook still kept aside', () => {
    const { repo, path } = withForeignHook();
    installHooks(opts(repo.dir, { chain: true }));
    rmSync(path);
    // Without --chain the kept hook is not run, and install says it is there.
    expect(installHooks(opts(repo.dir))).toEqual([
      { hook: 'pre-commit', path, action: 'installed', previous: `${path}.rfcgate-previous` },
    ]);
    rmSync(path);
    expect(installHooks(opts(repo.dir, { chain: true }))).toEqual([
      { hook: 'pre-commit', path, action: 'chained', previous: `${path}.rfcgate-previous` },
    ]);
    repo.write('src/b.py', 'y = 1\n');
    repo.git(['add', 'src/b.py']);
    expect(commit(repo.dir, 'ok').code).toBe(0);
    expect(existsSync(join(repo.dir, '.foreign-ran'))).toBe(true);
    uninstallHooks(repo.dir);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
  });

  it('a hook manager that wrote its hook again over ours (husky on npm install): install again keeps it aside, as the copy already is', () => {
    const { repo, path } = withForeignHook();
    installHooks(opts(repo.dir, { chain: true }));
    // The manager writes its hook as before, the same bytes as the one kept aside.
    writeFileSync(path, FOREIGN);
    chmodSync(path, 0o750);
    const again = installHooks(opts(repo.dir, { chain: true }));
    expect(again.map((a) => a.action)).toEqual(['chained']);
    expect(readFileSync(path, 'utf8')).toContain(MARKER);
    expect(readFileSync(`${path}.rfcgate-previous`, 'utf8')).toBe(FOREIGN);
    uninstallHooks(repo.dir);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(existsSync(`${path}.rfcgate-previous`)).toBe(false);
    // Written back once more, then uninstalled: the copy kept aside is the hook in place, so it goes.
    installHooks(opts(repo.dir, { chain: true }));
    writeFileSync(path, FOREIGN);
    chmodSync(path, 0o750);
    expect(uninstallHooks(repo.dir)).toEqual([
      { hook: 'pre-commit', path, action: 'left-foreign' },
      { hook: 'pre-push', path: join(hooksDir(repo.dir), 'pre-push'), action: 'absent' },
    ]);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(statSync(path).mode & 0o777).toBe(0o750);
    expect(existsSync(`${path}.rfcgate-previous`)).toBe(false);
    // A different hook there beside the kept one: which to keep is not install's to choose.
    installHooks(opts(repo.dir, { chain: true }));
    writeFileSync(path, '#!/bin/sh\necho another\n', { mode: 0o750 });
    expect(() => installHooks(opts(repo.dir, { chain: true }))).toThrow(/cannot be kept aside; move one of them away/);
    expect(readFileSync(`${path}.rfcgate-previous`, 'utf8')).toBe(FOREIGN);
  });

  it('--chain keeps the previous hook, runs it first, and the lint blocks a bad staged commit; uninstall restores it exactly', () => {
    const { repo, path } = withForeignHook();
    const before = statSync(path).mode;
    const actions = installHooks(opts(repo.dir, { chain: true }));
    expect(actions.map((a) => a.action)).toEqual(['chained']);
    expect(readFileSync(path, 'utf8')).toContain(MARKER);

    repo.write('src/a.py', 'x = "measurement.lease_plane.request"\n');
    repo.git(['add', 'src/a.py']);
    const bad = commit(repo.dir, 'bad');
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/src\/a\.py/);
    expect(bad.out).toMatch(/1:6 +error/);
    expect(existsSync(join(repo.dir, '.foreign-ran'))).toBe(true);

    repo.write('src/a.py', 'x = LEASE\n');
    repo.git(['add', 'src/a.py']);
    expect(commit(repo.dir, 'good').code).toBe(0);

    // Installing again is an update, not a second chain.
    expect(installHooks(opts(repo.dir)).map((a) => a.action)).toEqual(['updated']);
    expect(readFileSync(path, 'utf8')).toContain('rfcgate-previous');
    // --force on a re-install replaces: the kept hook no longer runs, and is still kept.
    rmSync(join(repo.dir, '.foreign-ran'));
    expect(installHooks(opts(repo.dir, { force: true })).map((a) => a.action)).toEqual(['updated']);
    expect(readFileSync(path, 'utf8')).not.toContain('rfcgate-previous"');
    repo.write('src/b.py', 'y = 1\n');
    repo.git(['add', 'src/b.py']);
    expect(commit(repo.dir, 'forced').code).toBe(0);
    expect(existsSync(join(repo.dir, '.foreign-ran'))).toBe(false);
    expect(installHooks(opts(repo.dir)).map((a) => a.action)).toEqual(['updated']);
    expect(readFileSync(path, 'utf8')).not.toContain('rfcgate-previous"');
    // --chain runs it again.
    installHooks(opts(repo.dir, { chain: true }));
    expect(readFileSync(path, 'utf8')).toContain('rfcgate-previous"');

    expect(uninstallHooks(repo.dir).map((a) => `${a.hook}:${a.action}`)).toEqual([
      'pre-commit:restored',
      'pre-push:absent',
    ]);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(statSync(path).mode).toBe(before);
    expect(existsSync(`${path}.rfcgate-previous`)).toBe(false);
  });

  it("--chain: husky 1-4's hook, which tells which hook it is by $0, still does; any other runs as itself", () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': '.ran-*\n' } });
    const dir = hooksDir(repo.dir);
    const remote = tempDir('rfcgate-remote-');
    spawnSync('git', ['init', '-q', '--bare', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    // husky 4's shape: every hook is this one script, which finds husky.sh beside itself and
    // runs the package.json entry named by its own file name.
    const husky = '#!/bin/sh\n# husky\n. "$(dirname "$0")/husky.sh"\n';
    writeFileSync(
      join(dir, 'husky.sh'),
      'hookName="$(basename "$0")"\ntop="$(git rev-parse --show-toplevel)"\n' +
        'printf \'%s|%s|%s\' "$hookName" "$*" "$(cat)" > "$top/.ran-$hookName"\n' +
        '[ "$hookName" = pre-commit ] && [ -f "$top/.refuse" ] && { echo "husky: refused" >&2; exit 7; }\nexit 0\n',
    );
    for (const hook of ['pre-commit', 'pre-push']) {
      writeFileSync(join(dir, hook), husky);
      chmodSync(join(dir, hook), 0o755);
    }
    installHooks(opts(repo.dir, { hooks: ['pre-commit', 'pre-push'], chain: true }));

    repo.write('src/b.py', 'y = 1\n');
    repo.git(['add', 'src/b.py']);
    expect(commit(repo.dir, 'one').code).toBe(0);
    expect(readFileSync(join(repo.dir, '.ran-pre-commit'), 'utf8')).toBe('pre-commit||');
    // Its exit code still stops the commit, before the lint.
    writeFileSync(join(repo.dir, '.refuse'), '');
    repo.write('src/c.py', 'z = 1\n');
    repo.git(['add', 'src/c.py']);
    const refused = commit(repo.dir, 'two');
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('husky: refused');
    rmSync(join(repo.dir, '.refuse'));
    // The lint still runs after it.
    repo.write('src/c.py', 'z = "measurement.lease_plane.x"\n');
    repo.git(['add', 'src/c.py']);
    const linted = commit(repo.dir, 'two');
    expect(linted.out).toMatch(/src\/c\.py\n {2}1:6 {2}error/);
    expect(linted.code).not.toBe(0);
    repo.write('src/c.py', 'z = 1\n');
    repo.git(['add', 'src/c.py']);
    expect(commit(repo.dir, 'two').code).toBe(0);
    // pre-push: the remote's name and URL as arguments, git's ref list on stdin.
    expect(push(repo.dir, ['-u', 'origin', 'main']).code).toBe(0);
    expect(readFileSync(join(repo.dir, '.ran-pre-push'), 'utf8')).toBe(
      `pre-push|origin ${remote}|refs/heads/main ${repo.head()} refs/heads/main ${'0'.repeat(40)}`,
    );

    // A hook in another language is run as itself, under its own name.
    const py = join(dir, 'pre-commit.rfcgate-previous');
    writeFileSync(
      py,
      '#!/usr/bin/env python3\nimport os, subprocess, sys\n' +
        'top = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip()\n' +
        'open(os.path.join(top, ".ran-python"), "w").write(os.path.basename(sys.argv[0]))\n',
    );
    repo.write('src/d.py', 'w = 1\n');
    repo.git(['add', 'src/d.py']);
    expect(commit(repo.dir, 'three').code).toBe(0);
    expect(readFileSync(join(repo.dir, '.ran-python'), 'utf8')).toBe('pre-commit.rfcgate-previous');
  });

  it("--chain over husky 9's hooks folder (core.hooksPath .husky/_): the team's .husky/pre-commit still runs", () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': '.ran*\n.husky/_/\n' } });
    const dir = join(repo.dir, '.husky', '_');
    mkdirSync(dir, { recursive: true });
    repo.git(['config', 'core.hooksPath', '.husky/_']);
    // husky 9's shape: each hook is one line (9.0 and 9.1 write it two ways, with no final line
    // break) sourcing h, which runs .husky/<its own file name>.
    writeFileSync(
      join(dir, 'h'),
      'n=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n[ ! -f "$s" ] && exit 0\nsh -e "$s" "$@"\n',
    );
    writeFileSync(join(repo.dir, '.husky', 'pre-commit'), 'printf "%s" "$0" > .ran-team\n');
    expect(hooksDir(repo.dir)).toBe(dir);
    for (const line of ['. "$(dirname "$0")/h"', '. "${0%/*}/h"']) {
      writeFileSync(join(dir, 'pre-commit'), `#!/usr/bin/env sh\n${line}`);
      chmodSync(join(dir, 'pre-commit'), 0o755);
      installHooks(opts(repo.dir, { chain: true }));
      rmSync(join(repo.dir, '.ran-team'), { force: true });
      repo.write('src/b.py', `y = ${line.length}\n`);
      repo.git(['add', 'src/b.py']);
      expect(commit(repo.dir, line).code, line).toBe(0);
      expect(readFileSync(join(repo.dir, '.ran-team'), 'utf8'), line).toBe('.husky/pre-commit');
      uninstallHooks(repo.dir);
    }
  });

  it('--chain: a shell hook that is not husky runs as itself, as git would run it', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': '.ran*\nscripts/\n' } });
    const dir = hooksDir(repo.dir);
    writeFileSync(join(dir, 'pre-commit'), FOREIGN);
    chmodSync(join(dir, 'pre-commit'), 0o755);
    installHooks(opts(repo.dir, { chain: true }));
    const previous = join(dir, 'pre-commit.rfcgate-previous');
    const ran = join(repo.dir, '.ran');
    const top = 'top="$(git rev-parse --show-toplevel)"\n';
    let n = 0;
    const commitWith = (hook: string, link = false) => {
      rmSync(previous, { force: true });
      rmSync(ran, { force: true });
      if (link) {
        // A team's hook kept in the repository and linked in, finding its helpers beside its real path.
        writeFileSync(join(repo.dir, 'scripts', 'pre-commit'), hook);
        chmodSync(join(repo.dir, 'scripts', 'pre-commit'), 0o755);
        symlinkSync(join(repo.dir, 'scripts', 'pre-commit'), previous);
      } else {
        writeFileSync(previous, hook);
        chmodSync(previous, 0o755);
      }
      repo.write(`src/n${++n}.py`, 'y = 1\n');
      repo.git(['add', `src/n${n}.py`]);
      const r = commit(repo.dir, `c${n}`);
      return { ...r, ran: existsSync(ran) ? readFileSync(ran, 'utf8') : undefined };
    };
    // Its own name, whatever it does with it.
    expect(commitWith(`#!/bin/sh\n${top}printf '%s' "$(basename "$0")" > "$top/.ran"\n`)).toMatchObject({
      code: 0,
      ran: 'pre-commit.rfcgate-previous',
    });
    // `-` (or `--`) ends the shell's options on its first line.
    for (const shebang of ['#!/bin/sh -', '#!/bin/bash --']) {
      expect(commitWith(`${shebang}\n${top}printf ran > "$top/.ran"\n`), shebang).toMatchObject({
        code: 0,
        ran: 'ran',
      });
    }
    // A "main" guard comparing BASH_SOURCE with $0 runs its checks, and their failure stops the commit.
    const guarded = commitWith(
      `#!/usr/bin/env bash\nmain() { echo "team check failed" >&2; exit 1; }\nif [[ "\${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi\n`,
    );
    expect(guarded.out).toContain('team check failed');
    expect(guarded.code).not.toBe(0);
    // A linked hook that finds its helpers by resolving its own path.
    mkdirSync(join(repo.dir, 'scripts'), { recursive: true });
    writeFileSync(join(repo.dir, 'scripts', 'common.sh'), `${top}printf helper > "$top/.ran"\n`);
    expect(commitWith('#!/bin/sh\n. "$(dirname "$(readlink -f "$0")")/common.sh"\n', true)).toMatchObject({
      code: 0,
      ran: 'helper',
    });
  });

  it('--chain on pre-push: the kept hook reads the ref list as git sends it, nothing when nothing is pushed', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': '.ran-*\n' } });
    const remote = tempDir('rfcgate-remote-');
    spawnSync('git', ['init', '-q', '--bare', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    const path = join(hooksDir(repo.dir), 'pre-push');
    // The shape of git's pre-push.sample: each line is a pushed ref, made into a range.
    writeFileSync(
      path,
      '#!/bin/sh\ntop="$(git rev-parse --show-toplevel)"\nn=0\n' +
        'while read local_ref local_id remote_ref remote_id; do n=$((n+1)); git rev-parse -q --verify "$local_id^{commit}" >/dev/null || exit 9; done\n' +
        'printf %s "$n" > "$top/.ran-$n"\n',
    );
    chmodSync(path, 0o755);
    installHooks(opts(repo.dir, { hooks: ['pre-push'], chain: true }));
    expect(push(repo.dir, ['origin', 'main']).code).toBe(0);
    expect(existsSync(join(repo.dir, '.ran-1'))).toBe(true);
    // Everything up to date: git sends no line, and neither does the chain.
    const again = push(repo.dir, ['origin', 'main']);
    expect(again.code).toBe(0);
    expect(existsSync(join(repo.dir, '.ran-0'))).toBe(true);
  });

  it('--force replaces the hook (kept aside); uninstall puts it back; a foreign hook is never removed', () => {
    const { repo, path } = withForeignHook();
    expect(installHooks(opts(repo.dir, { force: true })).map((a) => a.action)).toEqual(['replaced']);
    expect(readFileSync(path, 'utf8')).not.toContain('rfcgate-previous"');
    uninstallHooks(repo.dir);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(uninstallHooks(repo.dir).map((a) => a.action)).toEqual(['left-foreign', 'absent']);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
  });

  it('a hook of its own edited by hand is still its own: install again refuses to drop the edits, uninstall puts the kept hook back', () => {
    const { repo, path } = withForeignHook();
    expect(installHooks(opts(repo.dir, { chain: true })).map((a) => a.action)).toEqual(['chained']);
    const written = readFileSync(path, 'utf8');
    const [shebang, ...rest] = written.split('\n');
    const edited = [shebang, '# debugging the hook', 'set -x', 'export PATH="$HOME/bin:$PATH"', ...rest].join('\n');
    writeFileSync(path, edited);
    // Installing again would drop the edits: refused, naming them, and nothing is written.
    expect(() => installHooks(opts(repo.dir, { chain: true, hooks: ['pre-commit', 'pre-push'] }))).toThrow(
      /pre-commit was edited by hand since hooks install wrote it \('# debugging the hook', 'set -x', 'export PATH="\$HOME\/bin:\$PATH"'\), and installing again would drop the edits; put them in a hook of your own and install with --chain to run it first, or rerun with --force to drop them/,
    );
    expect(readFileSync(path, 'utf8')).toBe(edited);
    expect(existsSync(join(hooksDir(repo.dir), 'pre-push'))).toBe(false);
    // A line taken out is an edit too; --force drops the edits; a hook as written is updated.
    writeFileSync(path, written.replace(/^# Skip once.*\n/m, ''));
    expect(() => installHooks(opts(repo.dir))).toThrow(
      /edited by hand since hooks install wrote it \(lines removed or changed\)/,
    );
    expect(installHooks(opts(repo.dir, { force: true })).map((a) => a.action)).toEqual(['updated']);
    expect(installHooks(opts(repo.dir, { chain: true })).map((a) => a.action)).toEqual(['updated']);
    expect(readFileSync(path, 'utf8')).toBe(written);
    // One written before hooks carried a digest cannot tell an edit from an older text: updated.
    writeFileSync(path, edited.replace(/^# rfcgate-digest .*\n/m, ''));
    expect(installHooks(opts(repo.dir, { chain: true })).map((a) => a.action)).toEqual(['updated']);
    expect(readFileSync(path, 'utf8')).toBe(written);
    // Uninstalling would lose the edits too: refused, naming them, and nothing is changed.
    const editedAgain = [shebang, '# debugging the hook', 'set -x', ...rest].join('\n');
    writeFileSync(path, editedAgain);
    expect(() => uninstallHooks(repo.dir)).toThrow(
      /pre-commit was edited by hand since hooks install wrote it \('# debugging the hook', 'set -x'\), and uninstalling would lose the edits; copy what you want to keep elsewhere, then rerun with --force to remove it anyway \(nothing was changed\)/,
    );
    expect(readFileSync(path, 'utf8')).toBe(editedAgain);
    expect(readFileSync(`${path}.rfcgate-previous`, 'utf8')).toBe(FOREIGN);
    // --force drops them and puts the kept hook back.
    expect(uninstallHooks(repo.dir, undefined, true).map((a) => a.action)).toEqual(['restored', 'absent']);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(statSync(path).mode & 0o777).toBe(0o750);
    expect(existsSync(`${path}.rfcgate-previous`)).toBe(false);
  });

  it('a hook that is a link whose target is gone is still a hook it did not write: refused, kept aside, put back', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const path = join(hooksDir(repo.dir), 'pre-commit');
    symlinkSync('../../scripts/team-pre-commit', path);
    expect(() => installHooks(opts(repo.dir))).toThrow(/already exists and rfcgate did not write it/);
    expect(readlinkSync(path)).toBe('../../scripts/team-pre-commit');
    expect(installHooks(opts(repo.dir, { force: true })).map((a) => a.action)).toEqual(['replaced']);
    expect(readlinkSync(`${path}.rfcgate-previous`)).toBe('../../scripts/team-pre-commit');
    expect(uninstallHooks(repo.dir).map((a) => a.action)).toEqual(['restored', 'absent']);
    expect(readlinkSync(path)).toBe('../../scripts/team-pre-commit');
    expect(lstatSync(`${path}.rfcgate-previous`, { throwIfNoEntry: false })).toBeUndefined();
  });

  it('the pre-push hook lints each pushed commit as committed, from the refs git pipes to it', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const remote = tempDir('rfcgate-remote-');
    spawnSync('git', ['init', '-q', '--bare', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    installHooks(opts(repo.dir, { hooks: ['pre-push'] }));
    const BAD = 'y = "measurement.lease_plane.x"\n';
    let day = 1;
    const commit = (files: Record<string, string>, message: string) =>
      repo.commit({ files, message, date: `2026-05-${String(++day).padStart(2, '0')}T09:00:00Z` });
    // A new branch on the remote: its commits are checked, with git's ref list on stdin.
    const first = push(repo.dir, ['-u', 'origin', 'main']);
    expect(first.out).not.toMatch(/error:/);
    expect(first.code).toBe(0);

    // Committed bad, fixed only in the working tree: what is pushed is the commit.
    commit({ 'src/b.py': BAD }, 'bad');
    repo.write('src/b.py', 'y = LEASE\n');
    const bad = push(repo.dir, ['origin', 'main']);
    expect(bad.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(bad.code).not.toBe(0);
    expect(repo.git(['ls-remote', 'origin', 'refs/heads/main'])).not.toContain(repo.head());

    // A violation only in an untracked scratch file does not block a clean push.
    repo.git(['checkout', '-q', '--', 'src/b.py']);
    commit({ 'src/b.py': 'y = LEASE\n' }, 'fixed');
    repo.write('scratch.py', BAD);
    expect(push(repo.dir, ['origin', 'main']).code).toBe(0);

    // Another branch than the one checked out: that branch's commits are checked.
    repo.git(['checkout', '-q', '-b', 'feature']);
    commit({ 'src/f.py': BAD }, 'feature');
    repo.checkout('main');
    const feature = push(repo.dir, ['origin', 'feature']);
    expect(feature.out).toMatch(/src\/f\.py\n {2}1:6 {2}error/);
    expect(feature.code).not.toBe(0);
    // Deleting a branch on the remote checks nothing.
    expect(push(repo.dir, ['origin', ':refs/heads/none-such']).out).not.toMatch(/rfcgate|error {2}/);
    // Nor does pushing notes: their commits hold notes, not the source tree.
    repo.git(['notes', 'add', '-m', 'reviewed', 'HEAD']);
    const notes = push(repo.dir, ['origin', 'refs/notes/commits']);
    expect(notes.out).not.toMatch(/halt|error {2}/);
    expect(notes.code).toBe(0);

    // Pushed by URL, not by name ($1 is then the URL): only what the remote lacks, as by name.
    // The remote already has a violation on main (pushed past the hook): not this push's.
    commit({ 'src/legacy.py': BAD }, 'legacy');
    expect(push(repo.dir, ['--no-verify', 'origin', 'main']).code).toBe(0);
    repo.git(['checkout', '-q', '-b', 'by-url']);
    commit({ 'src/c.py': 'z = 1\n' }, 'clean');
    repo.git(['fetch', '-q', 'origin']);
    const byUrl = push(repo.dir, [remote, 'by-url:by-url']);
    expect(byUrl.out).not.toMatch(/error {2}/);
    expect(byUrl.code).toBe(0);
    // The same remote spelled with a trailing slash is still that remote.
    const slash = push(repo.dir, [`${remote}/`, 'by-url:by-url-slash']);
    expect(slash.out).not.toMatch(/error {2}/);
    expect(slash.code).toBe(0);
    // A URL no remote is configured with: what the remote lacks cannot be told, so every commit
    // of the new branch is checked (the violation the remote already has included), not none.
    const unknown = push(repo.dir, [`file://${remote}`, 'by-url:by-url-unknown']);
    expect(unknown.out).toMatch(/src\/legacy\.py\n {2}1:6 {2}error/);
    expect(unknown.code).not.toBe(0);
    commit({ 'src/d.py': BAD }, 'bad by url');
    const badByUrl = push(repo.dir, [remote, 'by-url:by-url']);
    expect(badByUrl.out).toMatch(/src\/d\.py\n {2}1:6 {2}error/);
    expect(badByUrl.out).not.toMatch(/src\/legacy\.py/);
    expect(badByUrl.code).not.toBe(0);
  });

  it("pushed by URL, a remote's pushurl names it as its fetch URL does: only what the remote lacks is checked", () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const remote = tempDir('rfcgate-remote-');
    spawnSync('git', ['init', '-q', '--bare', remote]);
    // Fetched by one URL, pushed to by another (https to fetch, ssh to push, say).
    repo.git(['remote', 'add', 'origin', `file://${remote}`]);
    repo.git(['config', 'remote.origin.pushurl', remote]);
    installHooks(opts(repo.dir, { hooks: ['pre-push'] }));
    const BAD = 'y = "measurement.lease_plane.x"\n';
    // A violation the remote already has (pushed past the hook): not this push's.
    repo.commit({ files: { 'src/legacy.py': BAD }, message: 'legacy', date: '2026-05-02T09:00:00Z' });
    expect(push(repo.dir, ['--no-verify', 'origin', 'main']).code).toBe(0);
    repo.git(['fetch', '-q', 'origin']);
    repo.git(['checkout', '-q', '-b', 'by-url']);
    repo.commit({ files: { 'src/c.py': 'z = 1\n' }, message: 'clean', date: '2026-05-03T09:00:00Z' });
    const clean = push(repo.dir, [remote, 'by-url:by-url']);
    expect(clean.out).not.toMatch(/legacy/);
    expect(clean.code).toBe(0);
    repo.commit({ files: { 'src/d.py': BAD }, message: 'bad', date: '2026-05-04T09:00:00Z' });
    const bad = push(repo.dir, [`${remote}/`, 'by-url:by-url-2']);
    expect(bad.out).toMatch(/src\/d\.py\n {2}1:6 {2}error/);
    expect(bad.out).not.toMatch(/legacy/);
    expect(bad.code).not.toBe(0);
  });

  it('a hook finds RFCs under a folder of the repository, and says so when rfcgate is gone', () => {
    const repo = createRepo();
    repo.commit({ files: { 'README.md': 'r\n' }, message: 'top', date: '2026-05-01T09:00:00Z' });
    const svc = join(repo.dir, 'svc');
    // No RFC with lints.yaml: nothing for a hook to check, so install refuses.
    expect(() => installHooks(opts(repo.dir))).toThrow(/no RFC under .*gates has a lints\.yaml/);
    const inner = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    cpSync(join(inner.dir, 'gates'), join(svc, 'gates'), { recursive: true });
    repo.write('svc/src/a.py', 'x = 1\n');
    repo.git(['add', '-A']);
    commit(repo.dir, 'svc');
    const bin = join(tempDir('rfcgate-bin-'), 'run.js');
    writeFileSync(bin, `import(${JSON.stringify(pathToFileURL(BIN).href)});\n`);
    installHooks(opts(svc, { bin }));
    repo.write('svc/src/b.py', 'y = "measurement.lease_plane.x"\n');
    repo.git(['add', '-A']);
    const bad = commit(repo.dir, 'bad');
    expect(bad.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(bad.code).not.toBe(0);

    // The same from a linked worktree, whose hooks git runs with GIT_DIR set and no GIT_WORK_TREE.
    const wt = join(tempDir('rfcgate-wt-'), 'tree');
    repo.git(['worktree', 'add', '-q', '-b', 'wt', wt]);
    const inWt = new FixtureRepo(wt);
    inWt.write('svc/src/c.py', 'z = "measurement.lease_plane.y"\n');
    inWt.git(['add', '-A']);
    const badInWt = commit(wt, 'bad in a worktree');
    // Named from the governed root, as in the main worktree: git's listing is of svc/, not the top.
    expect(badInWt.out).toMatch(/^src\/c\.py\n {2}1:6 {2}error/m);
    expect(badInWt.out).not.toMatch(/svc\/src/);
    expect(badInWt.code).toBe(1);
    inWt.write('svc/src/c.py', 'z = 1\n');
    inWt.git(['add', '-A']);
    expect(commit(wt, 'good in a worktree').code).toBe(0);

    rmSync(bin);
    const gone = commit(repo.dir, 'bad');
    expect(gone.out).toMatch(/rfcgate: .*run\.js is gone .*run 'rfcgate hooks install' again/);
    expect(gone.out).not.toMatch(/at |Error:/);
    expect(gone.code).toBe(1);
    // The pre-push hook asks for the install that rewrites it: a plain one writes pre-commit alone.
    const remote = tempDir('rfcgate-remote-');
    spawnSync('git', ['init', '-q', '--bare', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    installHooks(opts(svc, { bin, hooks: ['pre-push'] }));
    const pushGone = push(repo.dir, ['origin', 'HEAD:refs/heads/main']);
    expect(pushGone.out).toMatch(/rfcgate: .*run\.js is gone .*run 'rfcgate hooks install --pre-push' again/);
    expect(pushGone.code).not.toBe(0);
  });

  it('rfcgate installed in the repository is found under its top: a moved repository keeps its hooks', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': 'node_modules/\n' } });
    const bin = standIn(join(repo.dir, 'node_modules', 'rfcgate'));
    installHooks(opts(repo.dir, { bin }));
    const moved = `${repo.dir}-moved`;
    renameSync(repo.dir, moved);
    try {
      const there = new FixtureRepo(moved);
      there.write('src/b.py', 'y = "measurement.lease_plane.x"\n');
      there.git(['add', '-A']);
      const bad = commit(moved, 'bad after the move');
      expect(bad.out).not.toMatch(/is gone/);
      expect(bad.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
      expect(bad.code).toBe(1);
      there.write('src/b.py', 'y = 1\n');
      there.git(['add', '-A']);
      expect(commit(moved, 'good after the move').code).toBe(0);
      // Installing again over it still takes it for the hook install wrote.
      expect(installHooks(opts(moved, { bin: join(moved, 'node_modules', 'rfcgate', 'bin', 'run.js') }))).toEqual([
        expect.objectContaining({ action: 'updated' }),
      ]);
    } finally {
      renameSync(moved, repo.dir);
    }
  });

  it('rfcgate installed by pnpm (node_modules/rfcgate a link into a folder named for its version) is still found after an upgrade', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': 'node_modules/\n' } });
    const store = (version: string) =>
      join(repo.dir, 'node_modules', '.pnpm', `rfcgate@${version}`, 'node_modules', 'rfcgate');
    const bin = standIn(store('0.1.0'));
    writeFileSync(join(store('0.1.0'), 'package.json'), '{ "name": "rfcgate", "version": "0.1.0" }\n');
    symlinkSync('.pnpm/rfcgate@0.1.0/node_modules/rfcgate', join(repo.dir, 'node_modules', 'rfcgate'));
    installHooks(opts(repo.dir, { bin }));
    // The upgrade: the old version's folder goes, the link points at the new one.
    mkdirSync(join(store('0.2.0'), '..'), { recursive: true });
    renameSync(store('0.1.0'), store('0.2.0'));
    rmSync(join(repo.dir, 'node_modules', 'rfcgate'));
    symlinkSync('.pnpm/rfcgate@0.2.0/node_modules/rfcgate', join(repo.dir, 'node_modules', 'rfcgate'));
    repo.write('src/b.py', 'y = "measurement.lease_plane.x"\n');
    repo.git(['add', '-A']);
    const bad = commit(repo.dir, 'bad after the upgrade');
    expect(bad.out).not.toMatch(/is gone/);
    expect(bad.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(bad.code).toBe(1);
  });

  it("in a linked worktree of rfcgate's own repository, not built there, the hook runs the main worktree's build, or says to build", () => {
    // rfcgate's own layout: bin/ committed, dist/ built and ignored, the hook installed from it.
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.gitignore': 'dist/\n' } });
    const bin = standIn(repo.dir);
    repo.git(['add', 'bin']);
    repo.commit({ message: 'bin', date: '2026-05-02T09:00:00Z' });
    installHooks(opts(repo.dir, { bin }));
    const wt = join(tempDir('rfcgate-wt-'), 'tree');
    repo.git(['worktree', 'add', '-q', '-b', 'wt', wt]);
    expect(existsSync(join(wt, 'bin', 'run.js'))).toBe(true);
    expect(existsSync(join(wt, 'dist'))).toBe(false);
    const inWt = new FixtureRepo(wt);
    inWt.write('src/b.py', 'y = "measurement.lease_plane.x"\n');
    inWt.git(['add', '-A']);
    const bad = commit(wt, 'bad in a worktree');
    expect(bad.out).toContain(
      `${join(wt, 'bin', 'run.js')} is not built (no dist/ beside its bin/), so this hook runs ${bin}`,
    );
    expect(bad.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(bad.out).not.toMatch(/ERR_MODULE_NOT_FOUND|at /);
    expect(bad.code).toBe(1);
    // Built there, the worktree's own copy runs, without the note.
    standIn(wt);
    const own = commit(wt, 'bad, built');
    expect(own.out).not.toMatch(/not built/);
    expect(own.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(own.code).toBe(1);
    // Built nowhere: one line saying what to run, not node's stack trace.
    rmSync(join(wt, 'dist'), { recursive: true });
    rmSync(join(repo.dir, 'dist'), { recursive: true });
    const none = commit(wt, 'bad, built nowhere');
    expect(none.out).toContain(
      `rfcgate: ${join(wt, 'bin', 'run.js')} is not built (no dist/ beside its bin/); run 'npm ci' (or 'npm run build') in ${wt}`,
    );
    expect(none.out).not.toMatch(/ERR_MODULE_NOT_FOUND|at /);
    expect(none.code).toBe(1);
  });

  it('BUILD_ENTRY is what bin/run.js loads', () => {
    expect(readFileSync(BIN, 'utf8')).toContain(`await import('${BUILD_ENTRY}')`);
  });

  it('a hook whose governed folder is gone (renamed) says it checked nothing, without blocking the commit', () => {
    const repo = createRepo();
    const inner = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    cpSync(join(inner.dir, 'gates'), join(repo.dir, 'svc', 'gates'), { recursive: true });
    repo.write('svc/src/a.py', 'x = 1\n');
    repo.git(['add', '-A']);
    expect(commit(repo.dir, 'svc').code).toBe(0);
    installHooks(opts(join(repo.dir, 'svc')));
    repo.write('svc/src/c.py', 'y = "measurement.lease_plane.x"\n');
    repo.git(['add', '-A']);
    const checked = commit(repo.dir, 'checked');
    expect(checked.out).toMatch(/src\/c\.py\n {2}1:6 {2}error/);
    expect(checked.out).not.toMatch(/checked nothing/);
    repo.git(['rm', '-q', '--cached', 'svc/src/c.py']);
    repo.git(['mv', 'svc', 'service']);
    repo.write('service/src/b.py', 'y = "measurement.lease_plane.x"\n');
    repo.git(['add', '-A']);
    const moved = commit(repo.dir, 'moved');
    expect(moved.out).toMatch(
      /rfcgate: no gates\/<rfc>\/lints\.yaml under .*\/svc \(moved or renamed\?\), so this pre-commit hook checked nothing; run 'rfcgate hooks install' from the folder that holds gates\//,
    );
    expect(moved.code).toBe(0);
  });

  it('one hook runs one governed root: a second root is refused without --force, and switched with it', () => {
    const repo = createRepo();
    const inner = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    for (const svc of ['svc1', "it's"]) {
      cpSync(join(inner.dir, 'gates'), join(repo.dir, svc, 'gates'), { recursive: true });
      repo.write(`${svc}/src/a.py`, 'x = 1\n');
    }
    repo.git(['add', '-A']);
    commit(repo.dir, 'two roots');
    const path = join(hooksDir(repo.dir), 'pre-commit');
    installHooks(opts(join(repo.dir, 'svc1')));
    // Installing again from the same root updates it.
    expect(installHooks(opts(join(repo.dir, 'svc1'))).map((a) => a.action)).toEqual(['updated']);
    expect(() => installHooks(opts(join(repo.dir, "it's")))).toThrow(
      /already runs rfcgate for the governed root 'svc1' .*--force to switch it to 'it's'/,
    );
    expect(readFileSync(path, 'utf8')).toContain(`root="$top"/'svc1'`);
    installHooks(opts(join(repo.dir, "it's"), { force: true }));
    // A quote in the root's name is read back from the hook as written.
    expect(installHooks(opts(join(repo.dir, "it's"))).map((a) => a.action)).toEqual(['updated']);
    expect(() => installHooks(opts(join(repo.dir, 'svc1')))).toThrow(/governed root 'it's'/);
  });

  it('a hooks folder that is a dangling link is named; uninstall puts back a kept-aside hook once ours is gone', () => {
    const { repo, path } = withForeignHook();
    installHooks(opts(repo.dir, { force: true }));
    rmSync(path);
    expect(uninstallHooks(repo.dir).map((a) => a.action)).toEqual(['restored', 'absent']);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);

    const other = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const hooks = hooksDir(other.dir);
    rmSync(hooks, { recursive: true, force: true });
    symlinkSync(join(other.dir, 'not-yet'), hooks);
    expect(() => installHooks(opts(other.dir))).toThrow(/hooks is a symbolic link to .*not-yet, which does not exist/);

    // core.hooksPath through a file, or naming one: said, not a raw ENOTDIR.
    other.write('.f', 'a file\n');
    other.git(['config', 'core.hooksPath', '.f/sub']);
    expect(() => installHooks(opts(other.dir))).toThrow(
      /\.f\/sub, which cannot be used as a folder \(ENOTDIR: a file stands on its path\); fix core\.hooksPath/,
    );
    other.git(['config', 'core.hooksPath', '.f']);
    expect(() => installHooks(opts(other.dir))).toThrow(/\.f, which is a file, not a folder; fix core\.hooksPath/);
    // A link to a file is a file; a link on the way that points nowhere is said as such.
    symlinkSync(join(other.dir, '.f'), join(other.dir, 'hl'));
    other.git(['config', 'core.hooksPath', 'hl']);
    expect(() => installHooks(opts(other.dir))).toThrow(/hl, which is a file, not a folder/);
    symlinkSync(join(other.dir, 'nowhere'), join(other.dir, 'dang'));
    other.git(['config', 'core.hooksPath', 'dang/hooks']);
    expect(() => installHooks(opts(other.dir))).toThrow(
      /dang\/hooks, which cannot be used as a folder \(ENOENT: a link on its path points nowhere\)/,
    );
    // Uninstall says the same of a hooks folder that is a file or lies beyond one, not a raw ENOTDIR;
    // one that is not there holds no hook.
    expect(uninstallHooks(other.dir).map((a) => a.action)).toEqual(['absent', 'absent']);
    other.git(['config', 'core.hooksPath', '.f']);
    expect(() => uninstallHooks(other.dir)).toThrow(/\.f, which is a file, not a folder; fix core\.hooksPath/);
    other.git(['config', 'core.hooksPath', '.f/sub']);
    expect(() => uninstallHooks(other.dir)).toThrow(
      /\.f\/sub, which cannot be used as a folder \(ENOTDIR: a file stands on its path\); fix core\.hooksPath/,
    );
  });

  it.runIf(existsSync('/proc/self'))(
    'a core.hooksPath where no folder can be created (under /proc) is refused, not waited on for ever',
    () => {
      const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
      repo.git(['config', 'core.hooksPath', '/proc/rfcgate-no-such/hooks']);
      const r = spawnSync(process.execPath, [BIN, 'hooks', 'install'], {
        cwd: repo.dir,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' },
      });
      expect(r.signal).toBeNull();
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(
        /no folder can be created in \/proc \(ENOENT: its file system takes no new folders\); fix core\.hooksPath/,
      );
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    },
  );

  it('in a linked worktree, where git sets GIT_DIR for hooks, a git add -N file is not in the commit', () => {
    const need = {
      id: 'R1',
      title: 'profile first',
      severity: 'error',
      message: 'the dispatch without its profile',
      fix: 'commit docs/profile.md',
      require: { when: ['trigger/'], files: ['docs/profile*.md'] },
    };
    const repo = lintRepoCopy({ rules: [need], files: { 'src/a.py': 'x = 1\n' } });
    installHooks(opts(repo.dir));
    const wt = join(tempDir('rfcgate-wt-'), 'tree');
    repo.git(['worktree', 'add', '-q', '-b', 'wt', wt]);
    const inWt = new FixtureRepo(wt);
    inWt.write('trigger/a', 't\n');
    inWt.write('docs/profile.md', '# profile\n');
    inWt.git(['add', 'trigger/a']);
    inWt.git(['add', '-N', 'docs/profile.md']);
    const refused = commit(wt, 'trigger without its profile');
    expect(refused.out).toMatch(/trigger\/a exists, but nothing matches docs\/profile\*\.md/);
    expect(refused.code).not.toBe(0);
    inWt.git(['add', 'docs/profile.md']);
    expect(commit(wt, 'with the profile').code).toBe(0);
  });

  it("a hook runs the node that installed it, not one first on PATH; PATH's only once that one is gone", () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const fake = tempDir('rfcgate-fake-node-');
    writeFileSync(join(fake, 'node'), '#!/bin/sh\necho "an old node on PATH" >&2\nexit 42\n', { mode: 0o755 });
    const commitWith = (message: string) => {
      const r = spawnSync('git', ['commit', '-q', '-m', message], {
        cwd: repo.dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${fake}:${process.env.PATH ?? ''}`,
          GIT_CONFIG_GLOBAL: os.devNull,
          GIT_CONFIG_NOSYSTEM: '1',
          NO_COLOR: '1',
        },
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    installHooks(opts(repo.dir));
    repo.write('src/b.py', 'y = "measurement.lease_plane.x"\n');
    repo.git(['add', '-A']);
    const bad = commitWith('bad');
    expect(bad.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(bad.code).toBe(1);
    uninstallHooks(repo.dir);
    installHooks(opts(repo.dir, { node: join(fake, 'removed', 'node') }));
    const fallback = commitWith('bad');
    expect(fallback.out).toContain('an old node on PATH');
    expect(fallback.code).not.toBe(0);
    // Neither that node nor one on PATH (a GUI git client's PATH): the hook says which is gone.
    const gitOnly = tempDir('rfcgate-git-only-');
    for (const tool of ['git', 'dirname', 'basename']) {
      symlinkSync(
        spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(),
        join(gitOnly, tool),
      );
    }
    const none = spawnSync('git', ['commit', '-q', '-m', 'bad'], {
      cwd: repo.dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: gitOnly, GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' },
    });
    expect(none.stderr).toContain(
      `rfcgate: ${join(fake, 'removed', 'node')} is gone (Node was upgraded or removed) and no node is on PATH; run 'rfcgate hooks install' again`,
    );
    expect(none.status).toBe(1);
  });

  it("README's lefthook pre-push command, run as lefthook runs it (sh -c), checks the first push too", () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /```yaml\n(# \.pre-commit-config\.yaml[\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const config = parse(block) as Record<string, { commands: Record<string, { run: string }> }>;
    const run = config['pre-push']?.commands['wave3-lint']?.run ?? '';
    expect(run).toMatch(/^npx wave3 lint /);
    const command = run.replace(/^npx wave3 /, `"${process.execPath}" "${BIN}" `);
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const remote = tempDir('rfcgate-remote-');
    spawnSync('git', ['init', '-q', '--bare', remote]);
    repo.git(['remote', 'add', 'origin', remote]);
    const lefthook = () => spawnSync('sh', ['-c', command], { cwd: repo.dir, encoding: 'utf8' });
    // The first push: the remote has no main yet, so there is no origin/main to diff against.
    const first = lefthook();
    expect(first.stdout).toMatch(/no problems/);
    expect(first.status).toBe(0);
    repo.git(['push', '-q', 'origin', 'main']);
    repo.git(['fetch', '-q', 'origin']);
    repo.commit({
      files: { 'src/b.py': 'y = "measurement.lease_plane.x"\n' },
      message: 'bad',
      date: '2026-05-02T09:00:00Z',
    });
    const bad = lefthook();
    expect(bad.stdout).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(bad.stdout).toMatch(/changed since origin\/main/);
    expect(bad.status).toBe(1);
  });

  it('.pre-commit-hooks.yaml: each entry, run as the framework runs it, lints what its stage should', () => {
    const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as { id: string; entry: string }[];
    const entry = (id: string) => (hooks.find((h) => h.id === id) as { entry: string }).entry;
    // `rfcgate` on PATH, as the framework's node environment provides it.
    const bin = tempDir('rfcgate-path-');
    writeFileSync(join(bin, 'rfcgate'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    const runEntry = (dir: string, id: string, env: NodeJS.ProcessEnv = {}) => {
      // The framework splits the entry as a shell would (shlex) and runs it; sh parses it the same way.
      const r = spawnSync('sh', ['-c', entry(id)], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1', ...env },
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const base = repo.head();
    repo.commit({
      files: { 'src/b.py': 'y = "measurement.lease_plane.x"\n' },
      message: 'bad',
      date: '2026-05-02T09:00:00Z',
    });
    const bad = repo.head();
    repo.write('src/b.py', 'y = LEASE\n'); // fixed on disk only: not what is pushed
    const push = runEntry(repo.dir, 'rfcgate-lint-push', { PRE_COMMIT_FROM_REF: base, PRE_COMMIT_TO_REF: bad });
    expect(push.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(push.code).toBe(1);
    expect(runEntry(repo.dir, 'rfcgate-lint-push', { PRE_COMMIT_FROM_REF: base, PRE_COMMIT_TO_REF: base }).code).toBe(
      0,
    );
    // The staged entry: the index, where the fix is not staged either.
    repo.git(['add', 'src/b.py']);
    expect(runEntry(repo.dir, 'rfcgate-lint').code).toBe(0);
    // A branch whose whole history is new to the remote: the framework names only the branch
    // pushed, which need not be the one checked out.
    repo.git(['branch', 'pushed', bad]);
    repo.git(['checkout', '-q', '-f', '-b', 'other', base]);
    const whole = runEntry(repo.dir, 'rfcgate-lint-push', { PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/pushed' });
    expect(whole.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(whole.code).toBe(1);
  });

  it('.pre-commit-hooks.yaml: pre-commit run --all-files checks every file; a commit, the staged ones', () => {
    const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as {
      id: string;
      entry: string;
      pass_filenames?: boolean;
    }[];
    const hook = hooks.find((h) => h.id === 'rfcgate-lint') as (typeof hooks)[number];
    const bin = tempDir('rfcgate-path-');
    writeFileSync(join(bin, 'rfcgate'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    // As the framework runs it: the entry's words, then the files, when the hook takes them.
    const runEntry = (dir: string, files: string[]) => {
      const passed = hook.pass_filenames === false ? [] : files;
      const r = spawnSync('sh', ['-c', `${hook.entry} "$@"`, 'sh', ...passed], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1' },
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const BAD = 'y = "measurement.lease_plane.x"\n';
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', 'src/legacy.py': BAD } });
    const allFiles = () => repo.git(['ls-files']).split('\n').filter(Boolean);
    const staged = () =>
      repo.git(['diff', '--staged', '--name-only', '--diff-filter=ACMRTUXB']).split('\n').filter(Boolean);
    // CI: a clean checkout, nothing staged; --all-files passes every tracked file.
    const all = runEntry(repo.dir, allFiles());
    expect(all.out).toMatch(/src\/legacy\.py\n {2}1:6 {2}error/);
    expect(all.out).toMatch(/working tree: the \d+ files the hook passed/);
    expect(all.code).toBe(1);
    // A long list comes over several runs: each checks its share, and no glob halts for it.
    const list = allFiles();
    const shares = [list.filter((f) => f !== 'src/legacy.py'), ['src/legacy.py']].map((l) => runEntry(repo.dir, l));
    expect(shares.map((r) => r.code)).toEqual([0, 1]);
    expect(shares[0]?.out).not.toMatch(/halt/);
    // A commit: the staged files only, as staged (the legacy violation is not this commit's).
    repo.write('src/b.py', 'z = 1\n');
    repo.git(['add', 'src/b.py']);
    const commit = runEntry(repo.dir, staged());
    expect(commit.out).toMatch(/staged changes: the 1 file the hook passed/);
    expect(commit.code).toBe(0);
    repo.write('src/b.py', BAD);
    repo.git(['add', 'src/b.py']);
    repo.write('src/b.py', 'z = 1\n'); // fixed on disk only: the commit holds the staged blob
    const bad = runEntry(repo.dir, staged());
    expect(bad.out).toMatch(/src\/b\.py\n {2}1:6 {2}error/);
    expect(bad.out).not.toMatch(/legacy/);
    expect(bad.code).toBe(1);
    // No file passed (nothing staged but a deletion): the staged change, as --staged checks it.
    repo.git(['reset', '-q']);
    repo.git(['rm', '-q', 'src/a.py']);
    const none = runEntry(repo.dir, staged());
    expect(none.out).toMatch(/0 of 0 files checked \(staged changes\)/);
    expect(none.code).toBe(0);
  });

  it('.pre-commit-hooks.yaml: pre-commit run --files or --all-files on staged files checks them as they are on disk', () => {
    const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as { id: string; entry: string }[];
    const hook = hooks.find((h) => h.id === 'rfcgate-lint') as (typeof hooks)[number];
    const bin = tempDir('rfcgate-path-');
    writeFileSync(join(bin, 'rfcgate'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    // The framework sets PRE_COMMIT=1 for every hook it runs, whether it set changes aside or not.
    const runEntry = (dir: string, files: string[]) => {
      const r = spawnSync('sh', ['-c', `${hook.entry} "$@"`, 'sh', ...files], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1', PRE_COMMIT: '1' },
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const BAD = 'y = "measurement.lease_plane.x"\n';
    const repo = lintRepoCopy({
      rules: [L1],
      files: { 'src/a.py': 'x = 1\n', 'src/b.py': 'y = 1\n', 'src/c.py': 'z = 1\n' },
    });
    // Both files staged with the literal, then fixed on disk and not staged again.
    repo.write('src/a.py', BAD);
    repo.write('src/b.py', BAD);
    repo.git(['add', 'src/a.py', 'src/b.py']);
    repo.write('src/a.py', 'x = 2\n');
    repo.write('src/b.py', 'y = 2\n');
    // `pre-commit run --files src/a.py src/b.py` (or a share of --all-files holding only these)
    // sets nothing aside: the files are checked as they are in the working tree.
    const named = runEntry(repo.dir, ['src/a.py', 'src/b.py']);
    expect(named.out).toMatch(/working tree: the 2 files the hook passed/);
    expect(named.code).toBe(0);
    // A commit: the framework sets the unstaged fixes aside (the working tree is the index's),
    // and the staged files are checked as staged.
    repo.git(['checkout', '--', '.']);
    // A file not passed that git sees as changed all the same (its line endings, say) changes nothing.
    repo.write('src/c.py', 'z = 2\n');
    const commit = runEntry(repo.dir, ['src/a.py', 'src/b.py']);
    expect(commit.out).toMatch(/staged changes: the 2 files the hook passed/);
    expect(commit.out).toMatch(/src\/a\.py\n {2}1:6 {2}error/);
    expect(commit.code).toBe(1);
  });

  it(".pre-commit-hooks.yaml: a hook's args reach rfcgate, for either entry", () => {
    const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as { id: string; entry: string }[];
    const entry = (id: string) => (hooks.find((h) => h.id === id) as { entry: string }).entry;
    const bin = tempDir('rfcgate-path-');
    writeFileSync(join(bin, 'rfcgate'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    // The framework runs the entry's words, then the hook's `args` (here: which RFC, which format).
    const runEntry = (dir: string, id: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync('sh', ['-c', [entry(id), ...args.map((a) => `'${a}'`)].join(' ')], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1', ...env },
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    // A second RFC, without lint rules: `lint` alone cannot tell which to check.
    writeRfc(repo.dir, { id: 'other' });
    const base = repo.head();
    repo.commit({
      files: { 'src/b.py': 'y = "measurement.lease_plane.x"\n' },
      message: 'bad',
      date: '2026-05-02T09:00:00Z',
    });
    const args = ['--rfc', 'demo', '--format', 'github'];
    const push = runEntry(repo.dir, 'rfcgate-lint-push', args, {
      PRE_COMMIT_FROM_REF: base,
      PRE_COMMIT_TO_REF: repo.head(),
    });
    expect(push.out).toMatch(/^::error file=src\/b\.py,line=1,col=6/m);
    expect(push.code).toBe(1);
    const whole = runEntry(repo.dir, 'rfcgate-lint-push', args, { PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/main' });
    expect(whole.out).toMatch(/^::error file=src\/b\.py,line=1,col=6/m);
    expect(whole.code).toBe(1);
    repo.write('src/c.py', 'z = "measurement.lease_plane.y"\n');
    repo.git(['add', 'src/c.py']);
    const staged = runEntry(repo.dir, 'rfcgate-lint', args);
    expect(staged.out).toMatch(/^::error file=src\/c\.py,line=1,col=6/m);
    expect(staged.code).toBe(1);
  });

  it('.pre-commit-hooks.yaml: a staged file whose name starts with - is a file, not a flag', () => {
    // The framework passes the files after the entry's words with no `--` before them.
    const BAD = 'y = "measurement.lease_plane.x"\n';
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    repo.write('-bad.py', BAD);
    repo.write('-x', 'plain\n');
    repo.git(['add', '--', '-bad.py', '-x']);
    const [commit] = frameworkRun(repo.dir, [['-bad.py', '-x']]);
    expect(commit?.out).toMatch(/-bad\.py\n {2}1:6 {2}error/);
    expect(commit?.out).toMatch(/staged changes: the 2 files the hook passed/);
    expect(commit?.code).toBe(1);
    // A flag of lint's keeps its meaning, and a word naming no file is still refused as a flag.
    const [json] = frameworkRun(repo.dir, [['-bad.py']], { PRE_COMMIT: '1' }, ['--json']);
    expect(JSON.parse(json?.out ?? '')).toMatchObject({ findings: [{ rule: 'L1', file: '-bad.py' }] });
    const [typo] = frameworkRun(repo.dir, [['src/a.py']], { PRE_COMMIT: '1' }, ['--jsn']);
    expect(typo?.code).toBe(3);
    expect(typo?.out).toMatch(/Nonexistent flag: --jsn/);
  });

  it('.pre-commit-hooks.yaml: a list split over several runs reports a finding about the whole tree once per run of the framework', () => {
    const framework = (shares: string[][], env?: NodeJS.ProcessEnv, args?: string[]) =>
      frameworkRun(repo.dir, shares, env, args);
    const REQUIRE = {
      id: 'R1',
      title: 'The dispatch profile',
      severity: 'error',
      message: 'the dispatch profile is required',
      fix: 'add docs/profile.md',
      require: { when: ['src/dispatch/**'], files: ['docs/profile.md'] },
    };
    const BAD = 'y = "measurement.lease_plane.x"\n';
    const repo = lintRepoCopy({
      rules: [L1, REQUIRE],
      files: { 'src/a.py': 'x = 1\n', 'src/dispatch/d.py': 'x = 1\n', 'src/z.py': BAD },
    });
    const list = repo.git(['ls-files']).split('\n').filter(Boolean);
    // As the framework splits it: slices of the list in git's order; the trigger is in the second.
    const at = list.indexOf('src/dispatch/d.py');
    const shares = [list.slice(0, at), list.slice(at, at + 1), list.slice(at + 1)];
    const missing = /src\/dispatch\/d\.py exists, but nothing matches docs\/profile\.md/g;
    const count = (rs: { out: string }[]) => rs.reduce((n, r) => n + (r.out.match(missing)?.length ?? 0), 0);
    // One process going over the list twice: its first pass is a run of the framework like any
    // other (nothing in it knows a second pass follows), and the second pass is judged below.
    const twice = framework([...shares, ...shares]);
    const first = twice.slice(0, shares.length);
    expect(count(first)).toBe(1);
    // Reported by the first share, which found it, though the trigger was not among its files.
    expect(first[0]?.out).toMatch(missing);
    expect(first.map((r) => r.code)).toEqual([1, 0, 1]);
    expect(first[1]?.out).toMatch(
      /note: 1 finding about the whole tree was reported above, by this hook's run over an earlier share of the files/,
    );
    // A share's own findings are its own: the literal in the last share is reported there.
    expect(first[2]?.out).toMatch(/src\/z\.py\n {2}1:6 {2}error/);
    // The next run of the framework (another process) reports it again, once.
    const again = framework(shares);
    expect(count(again)).toBe(1);
    expect(again.map((r) => r.code)).toEqual([1, 0, 1]);
    // The list started over from the same process is another run, not a later share.
    expect(count(twice)).toBe(2);
    // Not the pre-commit framework (no PRE_COMMIT=1): nothing tells runs apart, so each reports it.
    expect(count(framework(shares, { PRE_COMMIT: '' }))).toBe(3);
    // A report written to a file is written anew by each share: the last one's holds it too.
    const file = join(tempDir('rfcgate-report-'), 'lint.json');
    framework(shares, { PRE_COMMIT: '1' }, ['--format', `json=${file}`]);
    const report = JSON.parse(readFileSync(file, 'utf8')) as { findings: { rule: string; file: string }[] };
    expect(report.findings.map((f) => `${f.rule} ${f.file}`)).toEqual(['R1 src/dispatch/d.py', 'L1 src/z.py']);
  });

  it('.pre-commit-hooks.yaml: under --all-files, a share holding only staged files is judged as the working tree, as the shares before it', () => {
    const REQUIRE = {
      id: 'R1',
      title: 'The dispatch profile',
      severity: 'error',
      message: 'the dispatch profile is required',
      fix: 'add docs/profile.md',
      require: { when: ['src/dispatch/**'], files: ['docs/profile.md'] },
    };
    const repo = lintRepoCopy({ rules: [REQUIRE], files: { 'src/a.py': 'x = 1\n', 'src/dispatch/d.py': 'x = 1\n' } });
    // A folder of new files, staged; the profile written but not added yet.
    repo.write('src/zz/n1.py', 'x = 1\n');
    repo.write('src/zz/n2.py', 'x = 1\n');
    repo.git(['add', 'src/zz']);
    repo.write('docs/profile.md', '# profile\n');
    const missing = /nothing matches docs\/profile\.md/;
    // pre-commit run --all-files: every tracked file, the new folder in the last share.
    const list = repo.git(['ls-files']).split('\n').filter(Boolean);
    const all = frameworkRun(repo.dir, [
      list.filter((f) => !f.startsWith('src/zz/')),
      ['src/zz/n1.py', 'src/zz/n2.py'],
    ]);
    expect(all.map((r) => r.code)).toEqual([0, 0]);
    expect(all[1]?.out).toMatch(/working tree: the 2 files the hook passed/);
    expect(all[1]?.out).not.toMatch(missing);
    // A commit of the same files (git names its index): as staged, where the profile is not.
    const commit = frameworkRun(repo.dir, [['src/zz/n1.py'], ['src/zz/n2.py']], {
      PRE_COMMIT: '1',
      GIT_INDEX_FILE: join(repo.dir, '.git/index'),
    });
    expect(commit.map((r) => r.code)).toEqual([1, 0]);
    expect(commit[0]?.out).toMatch(
      /nothing matches docs\/profile\.md \(docs\/profile\.md is in the working tree but not staged/,
    );
    expect(commit[0]?.out).toMatch(/staged changes: the 1 file the hook passed/);
    expect(commit[1]?.out).toMatch(/staged changes: the 1 file the hook passed/);
  });

  it('.pre-commit-hooks.yaml: with --root among the args, the files passed from the top are those under the root', () => {
    const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as { id: string; entry: string }[];
    const hook = hooks.find((h) => h.id === 'rfcgate-lint') as (typeof hooks)[number];
    const bin = tempDir('rfcgate-path-');
    writeFileSync(join(bin, 'rfcgate'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    // The framework runs hooks from the repository's top: the entry, the hook's args, the files
    // (named from the top).
    const runEntry = (files: string[]) => {
      const r = spawnSync('sh', ['-c', `${hook.entry} --root svc "$@"`, 'sh', ...files], {
        cwd: repo.dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, NO_COLOR: '1' },
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
    const repo = createRepo();
    writeRfc(join(repo.dir, 'svc'), { raw: { 'lints.yaml': modeline('lints.yaml') + stringify([L1]) } });
    repo.git(['add', '-f', 'svc/gates']);
    repo.commit({
      files: { 'svc/src/a.py': 'x = 1\n', 'web/b.py': 'y = 1\n' },
      message: 'spec',
      date: '2026-05-01T09:00:00Z',
    });
    const BAD = 'y = "measurement.lease_plane.x"\n';
    repo.write('svc/src/a.py', BAD);
    repo.write('web/b.py', BAD); // not under the governed root: not this RFC's
    repo.git(['add', 'svc/src/a.py', 'web/b.py']);
    const commit = runEntry(['svc/src/a.py', 'web/b.py']);
    expect(commit.out).toMatch(/src\/a\.py\n {2}1:6 {2}error/);
    expect(commit.out).toMatch(/1 of 1 file checked \(staged changes: the 2 files the hook passed\)/);
    expect(commit.code).toBe(1);
    // pre-commit run --all-files: every tracked file, from the top.
    const all = runEntry(repo.git(['ls-files']).split('\n').filter(Boolean));
    expect(all.out).toMatch(/src\/a\.py\n {2}1:6 {2}error/);
    expect(all.out).not.toMatch(/web/);
    expect(all.code).toBe(1);
  });

  it('.pre-commit-hooks.yaml installs: npm pack prints only the tarball name, and the stage names come with their framework version', () => {
    // The framework installs a node hook with `npm pack` and reads the tarball's name from its
    // stdout, where a prepare script running in the foreground (the build) would print too.
    const npm = spawnSync('npm', ['config', 'get', 'foreground-scripts'], { encoding: 'utf8' });
    expect(npm.stdout.trim()).toBe('false');
    const hooks = parse(readFileSync('.pre-commit-hooks.yaml', 'utf8')) as Record<string, unknown>[];
    expect(hooks.map((h) => [h.id, h.stages, h.minimum_pre_commit_version])).toEqual([
      ['rfcgate-lint', ['pre-commit'], '3.2.0'],
      ['rfcgate-lint-push', ['pre-push'], '3.2.0'],
    ]);
  });

  it('over several RFCs the hook exits as the worst run: invalid (3) over fail (1) over halt (2) over pass', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    writeRfc(repo.dir, { id: 'other', raw: { 'lints.yaml': 'x' } });
    const exit = (demo: number, other: number) => runWithFakeLint(repo.dir, 'pre-commit', { demo, other }).status;
    // demo runs first, other second (gates/*/ in order); either order gives the same exit.
    const cases: [number, number, number][] = [
      [0, 0, 0],
      [0, 2, 2],
      [2, 1, 1],
      [1, 2, 1],
      [3, 2, 3],
      [2, 3, 3],
      [1, 3, 3],
      [3, 1, 3],
      [3, 127, 127],
    ];
    expect(cases.map(([a, b]) => [a, b, exit(a, b)])).toEqual(cases);
    const head = repo.head();
    const prePush = runWithFakeLint(repo.dir, 'pre-push', { demo: 3, other: 2 }, ['origin', 'url'], {
      input: `refs/heads/main ${head} refs/heads/main ${head}\n`,
    });
    expect(prePush.status).toBe(3);
  });

  it("a folder where an RFC's lints.yaml belongs is linted (and lint refuses it), not passed over", () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    writeRfc(repo.dir, { id: 'other' });
    mkdirSync(join(repo.dir, 'gates', 'other', 'lints.yaml'));
    expect(runWithFakeLint(repo.dir, 'pre-commit', { demo: 0, other: 3 }).status).toBe(3);
  });

  it('uninstall after core.hooksPath changed still removes what install wrote, and puts back what it kept aside', () => {
    // Installed in .git/hooks over a foreign hook, then the team moves to core.hooksPath.
    const { repo, path } = withForeignHook();
    installHooks(opts(repo.dir, { force: true }));
    repo.git(['config', 'core.hooksPath', '.githooks']);
    const moved = uninstallHooks(repo.dir);
    expect(moved.filter((a) => a.stale).map((a) => `${a.hook}:${a.action}:${a.path}`)).toEqual([
      `pre-commit:restored:${path}`,
    ]);
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(existsSync(`${path}.rfcgate-previous`)).toBe(false);

    // Installed in a core.hooksPath folder it created, then core.hooksPath is unset.
    installHooks(opts(repo.dir));
    const dir = join(repo.dir, '.githooks');
    expect(existsSync(join(dir, 'pre-commit'))).toBe(true);
    repo.git(['config', '--unset', 'core.hooksPath']);
    const unset = uninstallHooks(repo.dir);
    expect(unset.filter((a) => a.stale).map((a) => `${a.hook}:${a.action}:${a.path}`)).toEqual([
      `pre-commit:removed:${join(dir, 'pre-commit')}`,
    ]);
    expect(existsSync(dir)).toBe(false);
    // The team's own hook in .git/hooks, where git runs hooks from now, is left alone.
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    expect(unset.filter((a) => !a.stale).map((a) => `${a.hook}:${a.action}`)).toEqual([
      'pre-commit:left-foreign',
      'pre-push:absent',
    ]);
  });

  it('refuses a core.hooksPath from the global git config, a folder every repository runs hooks from', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const home = tempDir('rfcgate-home-');
    const shared = join(home, 'githooks');
    const global = join(home, 'gitconfig');
    writeFileSync(global, `[core]\n\thooksPath = ${shared}\n`);
    const r = spawnSync(process.execPath, [BIN, 'hooks', 'install'], {
      cwd: repo.dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: global, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' },
    });
    expect(r.stderr).toContain(`core.hooksPath is set in your global git config (${global})`);
    expect(r.stderr).toContain(`git config core.hooksPath '${join(repo.dir, '.git', 'hooks')}'`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(3);
    expect(existsSync(shared)).toBe(false);
    // The repository's own core.hooksPath wins over the global one, and is where the hook goes.
    repo.git(['config', 'core.hooksPath', '.githooks']);
    const own = spawnSync(process.execPath, [BIN, 'hooks', 'install'], {
      cwd: repo.dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: global, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' },
    });
    expect(own.status).toBe(0);
    expect(readFileSync(join(repo.dir, '.githooks', 'pre-commit'), 'utf8')).toContain(MARKER);
  });

  it("a hooks folder the repository tracks (core.hooksPath in the work tree) is the team's: refused even with --chain or --force, nothing changed", () => {
    const team = '#!/bin/sh\necho team\n';
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n', '.githooks/pre-commit': team } });
    repo.git(['config', 'core.hooksPath', '.githooks']);
    const path = join(repo.dir, '.githooks', 'pre-commit');
    for (const more of [{}, { chain: true }, { force: true }, { hooks: ['pre-commit', 'pre-push'] as const }]) {
      expect(
        () => installHooks(opts(repo.dir, { ...more, hooks: [...(more.hooks ?? ['pre-commit'])] })),
        JSON.stringify(more),
      ).toThrow(
        `${path} is tracked in this repository (core.hooksPath names a folder of the work tree), so installing would change the team's hook for everyone who commits it; call rfcgate from that hook instead ('npx rfcgate lint --staged'), or point core.hooksPath at a folder of your own`,
      );
      expect(repo.git(['status', '--porcelain']), JSON.stringify(more)).toBe('');
      expect(readFileSync(path, 'utf8')).toBe(team);
    }
    // A hook to add beside the team's tracked ones would be committed with them.
    expect(() => installHooks(opts(repo.dir, { hooks: ['pre-push'] }))).toThrow(
      `${join(repo.dir, '.githooks')} holds hooks tracked in this repository (core.hooksPath names a folder of the work tree), so a pre-push hook written there would be committed for everyone; add one there that calls rfcgate (the README's pre-push command) and commit it, or point core.hooksPath at a folder of your own`,
    );
    expect(existsSync(join(repo.dir, '.githooks', 'pre-push'))).toBe(false);
    // An untracked hook there is this clone's own: kept aside and chained as anywhere else.
    repo.git(['rm', '-q', '--cached', '.githooks/pre-commit']);
    expect(installHooks(opts(repo.dir, { chain: true }))).toEqual([expect.objectContaining({ action: 'chained' })]);
    uninstallHooks(repo.dir);
    expect(readFileSync(path, 'utf8')).toBe(team);
  });

  it("uninstall leaves another repository's hooks alone: a clone made where this one was before it moved", () => {
    const { repo: first } = withForeignHook();
    installHooks(opts(first.dir, { force: true }));
    const moved = `${first.dir}-moved`;
    renameSync(first.dir, moved);
    // Another clone where the first one was, with its own hook chained to rfcgate's.
    const { repo: second } = withForeignHook();
    renameSync(second.dir, first.dir);
    const path = join(first.dir, '.git', 'hooks', 'pre-commit');
    installHooks(opts(first.dir, { chain: true }));
    const before = readFileSync(path, 'utf8');
    const actions = uninstallHooks(moved);
    expect(actions.map((a) => a.path)).not.toContain(path);
    expect(readFileSync(join(moved, '.git', 'hooks', 'pre-commit'), 'utf8')).toBe(FOREIGN);
    // The clone where the first one was still runs rfcgate, and its own hook first.
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readFileSync(`${path}.rfcgate-previous`, 'utf8')).toBe(FOREIGN);
  });

  it("core.hooksPath '~' or '~user/…' is the folder git expands it to, where git runs the hook", () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    const home = tempDir('rfcgate-home-');
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      repo.git(['config', 'core.hooksPath', '~']);
      expect(hooksDir(repo.dir)).toBe(home);
      expect(installHooks(opts(repo.dir))).toEqual([expect.objectContaining({ path: join(home, 'pre-commit') })]);
      expect(existsSync(join(repo.dir, '~'))).toBe(false);
      repo.write('src/b.py', 'y = "measurement.lease_plane.x"\n');
      repo.git(['add', 'src/b.py']);
      expect(commit(repo.dir, 'bad').code).toBe(1);
      uninstallHooks(repo.dir);
      expect(readdirSync(home)).toEqual([]);
      // A user's home is read from the user database, not from HOME.
      const { username, homedir } = os.userInfo();
      repo.git(['config', 'core.hooksPath', `~${username}/hooks`]);
      expect(hooksDir(repo.dir)).toBe(join(homedir, 'hooks'));
    } finally {
      process.env.HOME = saved;
    }
  });

  it('respects core.hooksPath, and uninstall removes the folder it created', () => {
    const repo = lintRepoCopy({ rules: [L1], files: { 'src/a.py': 'x = 1\n' } });
    repo.git(['config', 'core.hooksPath', '.githooks']);
    const dir = join(repo.dir, '.githooks');
    expect(hooksDir(repo.dir)).toBe(dir);
    installHooks(opts(repo.dir, { hooks: ['pre-commit', 'pre-push'] }));
    expect(existsSync(join(dir, 'pre-commit'))).toBe(true);
    expect(readFileSync(join(dir, 'pre-push'), 'utf8')).toMatch(/--commit "\$local_id"/);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    uninstallHooks(repo.dir);
    expect(existsSync(dir)).toBe(false);

    // Nested, in folders the clone does not have yet: uninstall removes each folder install made
    // (and a parent that holds something else stays), even after a re-install.
    repo.git(['config', 'core.hooksPath', 'tools/git/hooks']);
    repo.write('tools/README.md', 'tools\n');
    installHooks(opts(repo.dir));
    installHooks(opts(repo.dir));
    uninstallHooks(repo.dir);
    expect(existsSync(join(repo.dir, 'tools', 'git'))).toBe(false);
    expect(existsSync(join(repo.dir, 'tools', 'README.md'))).toBe(true);
    rmSync(join(repo.dir, 'tools'), { recursive: true });
    installHooks(opts(repo.dir));
    uninstallHooks(repo.dir);
    expect(existsSync(join(repo.dir, 'tools'))).toBe(false);
  });
});

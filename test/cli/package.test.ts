/**
 * A team installs rfcgate from its tarball into the repository it governs: what `npm pack`
 * makes of this checkout (dist/ as built) must install there and work, with only the runtime
 * dependencies. The install is a real `npm ci`, offline: the consumer's lockfile lists this
 * project's runtime packages as package-lock.json pins them, and their tarballs are in npm's
 * cache since this checkout's own `npm ci`. Nothing is fetched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';

interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}

const own = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string;
  version: string;
  license: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  engines: Record<string, string>;
};

let packed: string[];
let repoDir: string;
let work: string;

function npm(args: string[], cwd: string) {
  const r = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  if (r.status !== 0) {
    const hint = /ENOTCACHED/.test(r.stderr)
      ? " (a runtime package is not in npm's cache: run `npm ci` in this checkout first; the test installs offline)"
      : '';
    throw new Error(`npm ${args.join(' ')} failed with exit ${r.status}${hint}:\n${r.stderr}`);
  }
  return r.stdout;
}

function installed(program: string, args: string[]) {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const r = spawnSync(process.execPath, [join(repoDir, 'node_modules', '.bin', program), ...args], {
    cwd: repoDir,
    // A developer's shell often exports NODE_ENV=development: oclif then looks for TypeScript
    // sources, and a user's install has neither those nor the compiler.
    env: { ...env, NO_COLOR: '1', NODE_ENV: 'development' },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  work = tempDir('rfcgate-package-');
  // --ignore-scripts: the tarball of the build the suite runs on, not a second build.
  const packs = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], process.cwd())) as {
    filename: string;
    files: { path: string }[];
  }[];
  const pack = packs[0];
  if (packs.length !== 1 || !pack) throw new Error(`npm pack made ${packs.length} tarballs, not one`);
  packed = pack.files.map((f) => f.path);
  const tarball = join(work, pack.filename);

  const repo = createRepo();
  repo.commit({ message: 'start', date: '2026-05-01T10:00:00Z', files: { 'README.md': '# service\n' } });
  repoDir = repo.dir;
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'service', version: '1.0.0', devDependencies: { [own.name]: `file:${tarball}` } },
    [`node_modules/${own.name}`]: {
      version: own.version,
      resolved: `file:${tarball}`,
      dev: true,
      license: own.license,
      dependencies: own.dependencies,
      bin: own.bin,
      engines: own.engines,
    },
  };
  // The runtime tree only: a package the built code needs but package.json lists under
  // devDependencies is missing here, as it would be in a user's install.
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev) packages[path] = { ...entry, dev: true };
  }
  writeFileSync(
    join(repoDir, 'package.json'),
    JSON.stringify({
      name: 'service',
      version: '1.0.0',
      private: true,
      devDependencies: { [own.name]: `file:${tarball}` },
    }),
  );
  writeFileSync(
    join(repoDir, 'package-lock.json'),
    JSON.stringify({ name: 'service', version: '1.0.0', lockfileVersion: 3, requires: true, packages }),
  );
  npm(['ci', '--offline', '--no-audit', '--no-fund'], repoDir);
}, 170_000);

afterAll(removeFixtures);

describe('the packed tarball', () => {
  it('holds the built CLI and every shipped spec, schema and RFC document, and no sources or tests', () => {
    const shipped = execFileSync('git', ['ls-files', '-z', 'gates', 'rfcs', 'schemas'], { encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    expect(shipped.length).toBeGreaterThan(30);
    expect(shipped.filter((p) => !packed.includes(p))).toEqual([]);
    for (const p of ['bin/run.js', 'oclif.manifest.json', 'package.json', 'README.md']) expect(packed).toContain(p);
    expect(packed.filter((p) => /^(src|test|bench|\.ci)\//.test(p))).toEqual([]);
  });

  it('installs into a fresh repository with its runtime dependencies alone, under both program names', () => {
    const version = installed('rfcgate', ['--version']);
    expect(version.stdout).toMatch(new RegExp(`^${own.name}/${own.version.replace(/\./g, '\\.')} `));
    // The full start-up (oclif, its manifest, the bundled commands), not --version's shortcut.
    const help = installed('wave3', ['gate', 'check', '--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('EXIT CODES');
  });

  it('a team adopting the shipped Wave 3 RFC copies it from the package, and spec validate accepts it', () => {
    const pkg = join(repoDir, 'node_modules', own.name);
    mkdirSync(join(repoDir, 'gates'));
    cpSync(join(pkg, 'gates', 'wave3'), join(repoDir, 'gates', 'wave3'), { recursive: true });
    cpSync(join(pkg, 'rfcs'), join(repoDir, 'rfcs'), { recursive: true });
    const r = installed('wave3', ['spec', 'validate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wave3: valid \(\d+ files, \d+ measurements, \d+ gates\)\n$/);
  });

  it('runs the demo over every shipped Wave 3 gate, its embedded database included', () => {
    const sandbox = join(work, 'sandbox');
    const r = installed('rfcgate', ['demo', '--dir', sandbox, '--seed', '3', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { rfc: string; results: { id: string; verdict: string }[] };
    expect(report.rfc).toBe('wave3');
    const ids = ['disconfirmers', 'exit-criteria', 'stop-signs', 'invariants'].flatMap((k) =>
      [...readFileSync(resolve(`gates/wave3/${k}.yaml`), 'utf8').matchAll(/^- id: (\S+)/gm)].map((m) => m[1]),
    );
    expect(report.results.map((g) => g.id).sort()).toEqual(ids.sort());
    expect(new Set(report.results.map((g) => g.verdict))).toEqual(new Set(['pass', 'fail', 'halt']));
  });
});

/**
 * The build's bundle (dist/bundle/, made by src/bundle-build.ts) is what bin/run.js runs. The
 * CLI tests run it end to end; these check what they would not notice at once: a command left
 * out, a path computed from import.meta.url that no longer points at a file, a second copy of
 * oclif.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = resolve('dist');
const BUNDLE = join(DIST, 'bundle');

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name), ext) : d.name.endsWith(ext) ? [join(dir, d.name)] : [],
  );
}

function bundle(): string[] {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
  return files(BUNDLE, '.js');
}

/**
 * The bundle's files Node loads with `entry`, before any of its code runs: static imports only
 * (`import {…} from "./x.js"`, `import "./x.js"`), or with `lazy` also what import() loads on demand.
 */
function staticGraph(entry: string, lazy = false): Set<string> {
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"|^import\s+"(\.[^"]+)"/gm))
      visit(join(dirname(file), (m[1] ?? m[2]) as string));
    if (lazy) for (const m of text.matchAll(/\bimport\("(\.[^"]+)"\)/g)) visit(join(dirname(file), m[1] as string));
  };
  visit(entry);
  return loaded;
}

/** Whether one of `files` holds the bundled copy of our module `module` (esbuild heads each with `// dist/<module>`). */
function holdsModule(files: Iterable<string>, module: string): boolean {
  const head = new RegExp(`^// (?:.*/)?dist/${module.replaceAll('.', '\\.')}$`, 'm');
  return [...files].some((f) => head.test(readFileSync(f, 'utf8')));
}

/**
 * Commands that load their engine only once their command line is accepted: a run refused for a
 * bad flag (as most of their tests' runs are) then costs what --help costs. Each module listed
 * is one the command imports on demand, after `this.parse`.
 */
const LAZY_ENGINE: Record<string, string[]> = {
  'gate/check': [
    'engine/evaluate.js',
    'sources/index.js',
    'sources/sql/pglite-load.js',
    'spec/load.js',
    'formatters/index.js',
  ],
  // The ledger's commands: the database drivers, and the YAML parser that reads the database's place.
  ...Object.fromEntries(
    ['gate/history', 'measure/list', 'measure/record', 'db/migrate'].map((c) => [
      c,
      ['sources/sql/client.js', 'sources/sql/pglite-load.js', 'spec/raw-manifest.js'],
    ]),
  ),
  'measure/check': [
    'engine/measure-check.js',
    'formatters/measure-check/index.js',
    'sources/sql/source.js',
    'sources/sql/client.js',
    'sources/sql/pglite-load.js',
    'spec/load.js',
  ],
  'prereq/status': ['sources/git/repo.js', 'spec/raw-manifest.js', 'spec/expressions.js', 'prereqs/status.js'],
  // The comparator's: the database drivers, comparator.yaml's YAML reader, the comparison, its formatters.
  ...Object.fromEntries(
    ['comparator/run', 'comparator/check'].map((c) => [
      c,
      [
        'comparator/run.js',
        'comparator/cli.js',
        'comparator/catalog.js',
        'formatters/comparator/index.js',
        'sources/sql/client.js',
        'sources/sql/pglite-load.js',
        'spec/yaml.js',
      ],
    ]),
  ),
  'spec/validate': ['spec/load.js', 'spec/schema.js', 'spec/expressions.js', 'lint/backtracking.js', 'cite/spec.js'],
  // The parity commands: the comparison, the JUnit writer (an XML library) and the spec loader.
  ...Object.fromEntries(
    ['parity/diff', 'parity/capture-check'].map((c) => [
      c,
      [
        'parity/compare.js',
        'parity/diff.js',
        'formatters/parity/index.js',
        'formatters/parity/junit.js',
        'spec/load.js',
      ],
    ]),
  ),
  'cite/verify': [
    'cite/verify.js',
    'cite/extract.js',
    'cite/fix.js',
    'formatters/cite/index.js',
    'sources/git/repo.js',
    'spec/load.js',
  ],
  demo: [
    'demo/sandbox.js',
    'engine/evaluate.js',
    'sources/index.js',
    'sources/sql/pglite-load.js',
    'spec/load.js',
    'formatters/index.js',
    'comparator/run.js',
    'prereqs/status.js',
  ],
  'telemetry/report': ['sources/telemetry/read.js', 'telemetry/write-report.js', 'telemetry/report.js'],
  'council/run': ['council/round.js', 'council/spec.js', 'formatters/council/index.js'],
  'council/status': ['council/spec.js', 'council/ledger.js', 'formatters/council/index.js'],
  // The hook commands: the hooks' writer, and the lint spec loader it imports.
  ...Object.fromEntries(['hooks/install', 'hooks/uninstall'].map((c) => [c, ['lint/hooks.js', 'lint/load.js']])),
  // lint, what a hook runs: the rules' reader, git's listing and the scan.
  lint: ['lint/load.js', 'lint/run.js', 'lint/scan.js', 'lint/scopes.js', 'lint/report.js', 'spec/single-file.js'],
};

describe('the bundled CLI', () => {
  it('has one bundled command for every command in src/commands, and the manifest lists them all', () => {
    bundle();
    const src = files(resolve('src/commands'), '.ts').map((f) => relative('src/commands', f).replace(/\.ts$/, ''));
    const built = files(join(BUNDLE, 'commands'), '.js').map((f) =>
      relative(join(BUNDLE, 'commands'), f).replace(/\.js$/, ''),
    );
    expect(built.sort()).toEqual(src.sort());
    const manifest = JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as {
      commands: Record<string, { relativePath: string[] }>;
    };
    expect(Object.keys(manifest.commands).sort()).toEqual(src.map((s) => s.split('/').join(':')).sort());
    for (const c of Object.values(manifest.commands))
      expect(c.relativePath.slice(0, 3)).toEqual(['dist', 'bundle', 'commands']);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      oclif: { commands: string; hooks: Record<string, string> };
    };
    expect(Object.keys(pkg.oclif.hooks).sort()).toEqual(['command_not_found', 'init']);
    for (const hook of Object.values(pkg.oclif.hooks)) expect(existsSync(resolve(hook)), hook).toBe(true);
  });

  it('points every path it computes from a module URL at the file tsc wrote', () => {
    const rewritten =
      /new URL\("\.\.\/([^"]+)", import\.meta\.url\.slice\(0, import\.meta\.url\.lastIndexOf\("\/bundle\/"\) \+ 8\)\)/g;
    const targets = new Set<string>();
    for (const f of bundle()) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(rewritten)) targets.add(m[1] as string);
      // No module URL may be left unrewritten outside the banner, or it would resolve inside dist/bundle/.
      const bare = text
        .split('\n')
        .filter((l) => l.includes('import.meta.url') && !l.includes('lastIndexOf("/bundle/")'));
      expect(
        bare.filter((l) => !l.includes('__bundleRequire(import.meta.url)')),
        f,
      ).toEqual([]);
    }
    // The modules that resolve files next to them: schemas, workers, validators, package.json, bin/run.js.
    for (const known of ['spec/schema.js', 'lint/run.js', 'formatters/sarif.js', 'commands/hooks/install.js']) {
      expect([...targets]).toContain(known);
    }
    for (const t of targets) expect(existsSync(join(DIST, t)), t).toBe(true);
  });

  it('holds one copy of oclif, shared by bin/run.js and the commands, and does not import it from node_modules', () => {
    const all = bundle().map((f) => readFileSync(f, 'utf8'));
    expect(
      all.filter((t) => /from ["']@oclif\/core(\/[^"']*)?["']|import\(["']@oclif\/core(\/[^"']*)?["']\)/.test(t)),
    ).toEqual([]);
    // esbuild names each bundled CommonJS module after its path: each oclif module appears once.
    for (const m of ['main', 'command', 'flags', 'config/config'])
      expect(all.filter((t) => t.includes(`node_modules/@oclif/core/lib/${m}.js"(`)).length, m).toBe(1);
    // Imported by subpath: the index, which pulls in every module of the package, is not bundled.
    expect(all.filter((t) => t.includes('node_modules/@oclif/core/lib/index.js"(')).length).toBe(0);
    expect(readFileSync('bin/run.js', 'utf8')).toContain('../dist/bundle/cli/oclif-entry.js');
  });

  /**
   * esbuild heads each package module with its path: `// node_modules/yaml/…`, or, when
   * node_modules is a link to another checkout's, that path (`// ../../other/node_modules/yaml/…`).
   */
  const PACKAGE_HEADER = /^\/\/ (?:\S*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm;

  it('loads no YAML parser (nor regex analysis) with the lint command: a hook answered from the spec cache needs neither', () => {
    const loaded = staticGraph(join(BUNDLE, 'commands', 'lint.js'));
    const packages = new Set(
      [...loaded].flatMap((f) => [...readFileSync(f, 'utf8').matchAll(PACKAGE_HEADER)].map((m) => m[1])),
    );
    expect(packages.has('@oclif/core')).toBe(true);
    expect(packages.has('yaml')).toBe(false);
    // Nor the regex analysis the rules' check uses: it runs with the parse, on the miss path too.
    expect(packages.has('scslre')).toBe(false);
    expect(packages.has('refa')).toBe(false);
    // Still reachable on demand: the cache's miss path imports it.
    expect(bundle().some((f) => /^\/\/ (?:\S*\/)?node_modules\/yaml\//m.test(readFileSync(f, 'utf8')))).toBe(true);
  });

  it.each(Object.entries(LAZY_ENGINE))(
    'parses the %s command line before loading its engine: a bad flag is refused without it',
    (command, modules) => {
      const entry = join(BUNDLE, 'commands', `${command}.js`);
      const loaded = staticGraph(entry);
      const onDemand = staticGraph(entry, true);
      for (const m of modules) {
        expect(holdsModule(loaded, m), m).toBe(false);
        // Still there, imported when the command runs: the marker names a module that exists.
        expect(holdsModule(onDemand, m), m).toBe(true);
      }
    },
  );

  it('runs a command without calling localeCompare: its first call has ICU list every locale', () => {
    // oclif sorts the commands it loads with localeCompare; the bundle compares ids by code
    // unit, which must put them in the same order.
    const ids = Object.keys(
      (JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as { commands: Record<string, unknown> }).commands,
    );
    expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual([...ids].sort((a, b) => a.localeCompare(b)));
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-bundle-'));
    try {
      const hook = join(dir, 'count.mjs');
      writeFileSync(
        hook,
        [
          'const original = String.prototype.localeCompare;',
          'let calls = 0;',
          'String.prototype.localeCompare = function (...args) { calls++; return original.apply(this, args); };',
          "process.on('exit', () => process.stderr.write(`localeCompare calls: ${calls}\\n`));",
        ].join('\n'),
      );
      const r = spawnSync(process.execPath, ['--import', hook, 'bin/run.js', 'spec', 'validate', '--rfc', 'wave3'], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('localeCompare calls: 0');
      // The hook counts.
      const probe = spawnSync(process.execPath, ['--import', hook, '-e', "'a'.localeCompare('b')"], {
        encoding: 'utf8',
      });
      expect(probe.stderr).toContain('localeCompare calls: 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds no cli-table3, whose layout is quadratic in the rows and slow on multi-line cells', () => {
    // cli-table3 laid out each cell against every row above it, and computed a debug preview of
    // a multi-line cell one character at a time on every line drawn (a minute for a gate reason
    // of 4,000 characters). The tables are drawn by src/formatters/box-table.ts instead.
    const holders = bundle().filter((f) => /node_modules\/cli-table3\//.test(readFileSync(f, 'utf8')));
    expect(holders).toEqual([]);
  });
});

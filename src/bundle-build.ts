/**
 * Build step (run after tsc): bundles each command and the init hook, with the packages they
 * import, under dist/bundle/ (one file per command, plus chunks shared between commands or
 * imported lazily), which package.json points oclif at. Loading hundreds of small modules
 * (resolving, reading and compiling each) was a large part of every command's start-up. The
 * bundles are made from tsc's output, so they run the same code.
 *
 * oclif is bundled too (it is most of the start-up), once: bin/run.js imports it through the
 * bundle's cli/oclif-entry.js, so bin/run.js and the commands share one copy. What stays
 * outside, loaded from node_modules as before: packages that load files of their own at run
 * time (PGlite's WebAssembly) or are large and rarely used (the Anthropic SDK), pg (below),
 * TypeScript (oclif's development mode requires it if it is there), and the files our code
 * opens by path (workers, precompiled validators, schemas): `import.meta.url` in a bundled
 * module is rewritten to the URL its tsc output has, so every path computed from it still
 * points where it did.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const DIST = dirname(fileURLToPath(import.meta.url));
const OUT = join(DIST, 'bundle');

// pg stays a package of its own so that `npm run bench -- --profile` (bench/phases.js) can wrap
// its Client#query: bundled, its queries would no longer be timed.
const EXTERNAL = ['@electric-sql/pglite', '@anthropic-ai/sdk', 'pg', 'typescript'];

function entries(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith('.js') ? [join(dir, d.name)] : [],
    );
  return [
    ...walk(join(DIST, 'commands')),
    join(DIST, 'hooks', 'init.js'),
    join(DIST, 'hooks', 'command-not-found.js'),
    join(DIST, 'cli', 'oclif-entry.js'),
  ];
}

const posix = (p: string) => p.split(sep).join('/');

/**
 * `import.meta.url` of each of our modules → the URL of that module's tsc output. Bundled code
 * lands in an entry or a shared chunk at any depth under dist/bundle/, so the URL is rebuilt
 * from the part of the bundle's own URL up to bundle/.
 */
const keepModuleUrls: Plugin = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST + sep) || args.path.startsWith(OUT + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = JSON.stringify(`../${posix(relative(DIST, args.path))}`);
      const url = `new URL(${rel}, import.meta.url.slice(0, import.meta.url.lastIndexOf('/bundle/') + 8)).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

/** A line of a bundled package rewritten at build time; the build fails if the line is gone. */
interface DependencyPatch {
  file: RegExp;
  from: string;
  to: string;
}

const PATCHES: DependencyPatch[] = [
  // oclif sorts the commands it loads with `localeCompare`, and the first `localeCompare` of a
  // process has ICU build its list of every locale: about 70 M instructions (~7 ms of CPU) on
  // every run of every command, a few percent of a pre-commit hook's whole run. Command ids
  // are lowercase ASCII words joined by `:` and `-`, which compare the same by code unit as in
  // ICU's root order (punctuation before digits before letters, a prefix first).
  {
    file: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
    from: '.sort((a, b) => a.id.localeCompare(b.id))',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
  },
];

const patchDependencies: Plugin = {
  name: 'patch-dependencies',
  setup(b) {
    for (const p of PATCHES) {
      b.onLoad({ filter: p.file }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(p.from)) {
          throw new Error(`${args.path} no longer holds \`${p.from}\`: update the patch in src/bundle-build.ts`);
        }
        return { contents: text.replace(p.from, p.to), loader: 'js' };
      });
    }
  },
};

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: entries(),
  outdir: OUT,
  outbase: DIST,
  // Shared code and lazily imported modules go to chunks, so a command loads only what it runs.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  // Some packages (jsonc-parser) point `main` at a UMD build whose requires esbuild cannot follow.
  mainFields: ['module', 'main'],
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);",
  },
  plugins: [keepModuleUrls, patchDependencies],
  sourcemap: true,
  logLevel: 'warning',
});

// What the spec cache (src/spec/cache.ts) keys on, with each file's bytes: what a file is read
// into depends on the code that reads it, so a new build never takes an older build's entries.
writeFileSync(join(DIST, 'build-id'), `${randomUUID()}\n`);

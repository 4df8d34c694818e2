#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench:lint`: generates a repository of 20,000 files (about 200 MB: Python,
 * Elixir, SQL, JS/TS, Markdown, a few binary files and one huge log, plus a .gitignored
 * build folder) with a spec gates/bench/lints.yaml of 20 content rules, then times, as whole
 * processes including start-up:
 *
 *   - `rfcgate lint` over the whole tree, against its floor: ONE `rg` invocation with the
 *     same 20 patterns over the same tree, in the same run (target ≤ 1.5×); and the same
 *     lint with `--no-rg` (every file read by the JavaScript scan), for comparison;
 *   - `rfcgate lint --staged` on a 10-file change (a separate index file, so the working
 *     tree and the real index are never touched; target < 300 ms);
 *   - `node -e 0`, for scale.
 *
 * The floor needs ripgrep (`rg`), which this bench does not install: on Debian,
 * `apt-get install -y ripgrep`. Without it the report says "rg not installed: floor
 * unavailable" and the ratio is not computed (and lint itself then reads every file, as
 * with --no-rg). `.ci/run` does not run this bench.
 *
 * A measurement, not a test: exits 0 whether or not a target is met (printing TARGET
 * MISSED), non-zero only when it cannot measure (no dist/, a broken report).
 *
 *   node bench/lint.js [--reps N] [--seed N] [--fresh]
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './rng.js';
import { fmtMs, median, min, settle, timed } from './timing.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const WORK = path.join(HERE, '.work');
const REPO = path.join(WORK, 'lint-repo');
const STAMP = path.join(WORK, 'lint-repo.fingerprint');
const BIN = path.join(ROOT, 'bin', 'run.js');
const FILES = 20_000;
const TARGET_BYTES = 200 * 1024 * 1024;
const RATIO_TARGET = 1.5;
const STAGED_TARGET_MS = 300;
const CHANGED = 10;

const log = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);
/** @param {string} s @returns {never} */
function die(s) {
  process.stderr.write(`bench:lint: ${s}\n`);
  process.exit(1);
}
const n = (/** @type {number} */ x) => x.toLocaleString('en-US');

function parseArgs(/** @type {string[]} */ argv) {
  const o = { reps: 5, seed: 20260601, fresh: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v)) die(`${a} takes a whole number`);
      return v;
    };
    if (a === '--reps') o.reps = Math.max(1, next());
    else if (a === '--seed') o.seed = next();
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node bench/lint.js [--reps N] [--seed N] [--fresh]\n');
      process.exit(0);
    } else die(`unknown argument ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// The rules: 20 content rules, written so JavaScript and ripgrep read each pattern alike
// (no lookaround, no inline flags).
// ---------------------------------------------------------------------------------------

const EVENT_LITERALS = [
  'coordination_failure.beam_python_boundary.*',
  'measurement.lease_plane.*',
  'measurement.governance_mcp.*',
];
const esc = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const literal = (/** @type {string} */ l) => (l.endsWith('*') ? `${esc(l.slice(0, -1))}[A-Za-z0-9_.*-]*` : esc(l));
/** The regex the forbid rule runs for quoted literals (see src/lint/spec.ts). */
const QUOTED = `["'\`](?:${EVENT_LITERALS.map(literal).join('|')})`;
const PAYLOAD = `[{,]\\s*['"]error_class['"]\\s*:|\\bdict\\([^)]*\\berror_class\\s*=`;

/** @type {{ id: string, pattern: string, include: string[], severity?: string, kind?: string }[]} */
const PATTERN_RULES = [
  { id: 'no-print', pattern: '\\bprint\\(', include: ['src/**/*.py'], severity: 'warn' },
  { id: 'no-pdb', pattern: '^\\s*import pdb', include: ['**/*.py'] },
  { id: 'no-breakpoint', pattern: '\\bbreakpoint\\(\\)', include: ['**/*.py'] },
  { id: 'no-io-inspect', pattern: '\\bIO\\.inspect\\(', include: ['elixir/**/*.ex'] },
  { id: 'no-console-log', pattern: '\\bconsole\\.log\\(', include: ['**/*.js', '**/*.ts'] },
  { id: 'no-debugger', pattern: '^\\s*debugger;', include: ['**/*.js', '**/*.ts'] },
  { id: 'no-aws-key', pattern: 'AKIA[0-9A-Z]{16}', include: ['src/', 'lib/', 'elixir/', 'config/'] },
  { id: 'no-private-key', pattern: '-----BEGIN (RSA |EC )?PRIVATE KEY-----', include: ['src/', 'lib/', 'config/'] },
  { id: 'no-drop-table', pattern: '\\bDROP TABLE\\b', include: ['**/*.sql'] },
  { id: 'no-select-star', pattern: 'SELECT \\* FROM', include: ['src/**/*.py'], severity: 'warn' },
  { id: 'no-sleep', pattern: '\\btime\\.sleep\\(', include: ['src/**/*.py'] },
  { id: 'no-bare-except', pattern: '^\\s*except\\s*:', include: ['**/*.py'] },
  { id: 'no-eval', pattern: '\\beval\\(', include: ['**/*.py', '**/*.js'] },
  { id: 'no-os-cmd', pattern: ':os\\.cmd\\(', include: ['elixir/**/*.ex'] },
  { id: 'no-plain-http', pattern: 'http://[a-z]', include: ['src/', 'lib/'], severity: 'warn' },
  { id: 'no-fixme', pattern: '\\bFIXME\\b', include: ['docs/'], severity: 'warn' },
  { id: 'no-to-atom', pattern: '\\bString\\.to_atom\\(', include: ['elixir/**/*.ex'] },
  { id: 'no-verify-false', pattern: 'verify\\s*=\\s*False', include: ['**/*.py'] },
];

function lintsYaml() {
  /** @type {string[]} */
  const out = ['# yaml-language-server: $schema=../../schemas/lints.schema.json'];
  const rule = (/** @type {string} */ id, /** @type {string} */ severity, /** @type {string[]} */ body) =>
    out.push(
      `- id: ${id}`,
      `  title: bench rule ${id}`,
      `  severity: ${severity}`,
      `  message: ${id} found`,
      `  fix: remove it`,
      ...body,
    );
  const list = (/** @type {string[]} */ xs) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  rule('L1', 'error', [
    '  forbid:',
    '    quoted: true',
    `    literals: ${list(EVENT_LITERALS)}`,
    `    include: ${list(['**/*.py', '**/*.ex', '**/*.sql'])}`,
    `    exclude: ${list(['tests/**', 'docs/**'])}`,
    '  allow:',
    '    - { path: src/audit/event_types.py, reason: the canonical constants }',
  ]);
  rule('L2', 'error', [
    '  helper_only:',
    '    helper: make_boundary_payload',
    '    modules: [src/audit/boundary_payload.py]',
    `    construct: ${JSON.stringify(PAYLOAD)}`,
    `    include: ${list(['**/*.py'])}`,
    `    exclude: ${list(['tests/**'])}`,
  ]);
  for (const r of PATTERN_RULES) {
    rule(r.id, r.severity ?? 'error', [
      '  forbid:',
      `    pattern: ${JSON.stringify(r.pattern)}`,
      `    include: ${list(r.include)}`,
    ]);
  }
  return `${out.join('\n')}\n`;
}

/** The 20 patterns as the lint runs them, for the one rg invocation. */
const RG_PATTERNS = [QUOTED, PAYLOAD, ...PATTERN_RULES.map((r) => r.pattern)];

// ---------------------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------------------

const WORDS =
  'agent session lease plane boundary identity dialectic baseline saga cache reconcile payload event measurement request handler dispatch resolve compute partition window retention writer reader shadow comparator flag readiness'.split(
    ' ',
  );

/** @param {import('./rng.js').Rng} r */
function linePool(r, ext) {
  const w = () => r.pick(WORDS);
  const id = () => `${w()}_${w()}`;
  /** @type {string[]} */
  const pool = [];
  for (let i = 0; i < 400; i++) {
    switch (ext) {
      case 'py':
        pool.push(
          r.pick([
            `def ${id()}(${w()}, ${w()}=None):`,
            `    return ${id()}(${w()}, ${r.int(0, 999)})`,
            `    # ${w()} ${w()} ${w()} before the ${w()} is ${w()}`,
            `    ${w()} = {"${w()}": ${w()}, "${w()}": ${r.int(0, 99)}}`,
            `    if ${w()} is None or ${w()} > ${r.int(1, 50)}:`,
            `        log.info("${w()} %s ${w()}", ${w()})`,
            `class ${w().toUpperCase()}${w()}(Base):`,
            `from ${w()}.${w()} import ${id()}`,
          ]),
        );
        break;
      case 'ex':
        pool.push(
          r.pick([
            `  def ${id()}(${w()}, ${w()}) do`,
            `    GenServer.call(${w()}, {:${w()}, ${w()}}, 100)`,
            `    # ${w()} ${w()} in ETS before PG ${w()}`,
            `    |> Enum.map(&${id()}/1)`,
            `  end`,
            `defmodule Unitares.${w()}.${w()} do`,
          ]),
        );
        break;
      case 'sql':
        pool.push(
          r.pick([
            `SELECT ${w()}, ${w()} FROM core.${w()}s WHERE ${w()}_id = $1;`,
            `CREATE INDEX ${id()}_idx ON audit.${w()} (${w()}, recorded_at);`,
            `-- ${w()} ${w()} ${w()}`,
            `ALTER TABLE core.${w()} ADD COLUMN ${id()} text;`,
          ]),
        );
        break;
      case 'md':
        pool.push(
          r.pick([
            `## ${w()} ${w()}`,
            `The ${w()} ${w()} must ${w()} the ${w()} before ${w()}.`,
            `| ${w()} | ${w()} | ${r.int(0, 99)} |`,
            '',
          ]),
        );
        break;
      default:
        pool.push(
          r.pick([
            `export function ${id()}(${w()}, ${w()}) {`,
            `  const ${w()} = await ${id()}(${w()});`,
            `  // ${w()} ${w()} ${w()}`,
            `  return { ${w()}: ${w()}, ${w()}: ${r.int(0, 99)} };`,
            `}`,
          ]),
        );
    }
  }
  return pool;
}

/** Violations planted here and there, each one line, by extension. */
const PLANTS = {
  py: [
    '    emit("measurement.lease_plane.request", elapsed)',
    "    write_event({'table': t, 'error_class': 'shadow_divergence'})",
    '    print(result)',
    '    except:',
    '    time.sleep(5)',
    '    requests.get(url, verify=False)',
    '    q = "SELECT * FROM core.agents"',
  ],
  ex: [
    '    IO.inspect(state)',
    '    String.to_atom(name)',
    '    emit("coordination_failure.beam_python_boundary.timeout")',
  ],
  sql: ['DROP TABLE core.identities_shadow;'],
  js: ['  console.log(x);', '  debugger;'],
  ts: ['  console.log(x);'],
  md: ['FIXME: fill in the calendar reasoning'],
  txt: ['see http://internal.example'],
};

const KINDS = [
  { ext: 'py', dir: () => 'src', weight: 30 },
  { ext: 'py', dir: () => 'lib', weight: 8 },
  { ext: 'py', dir: () => 'tests', weight: 6 },
  { ext: 'ex', dir: () => 'elixir', weight: 15 },
  { ext: 'sql', dir: () => 'src/db', weight: 4 },
  { ext: 'js', dir: () => 'web', weight: 10 },
  { ext: 'ts', dir: () => 'web', weight: 10 },
  { ext: 'md', dir: () => 'docs', weight: 12 },
  { ext: 'txt', dir: () => 'config', weight: 5 },
];

function generate(/** @type {number} */ seed) {
  const r = rng(seed);
  rmSync(REPO, { recursive: true, force: true });
  mkdirSync(REPO, { recursive: true });
  const pools = Object.fromEntries(['py', 'ex', 'sql', 'md', 'js', 'ts', 'txt'].map((e) => [e, linePool(r, e)]));
  const total = KINDS.reduce((a, k) => a + k.weight, 0);
  const avg = Math.floor(TARGET_BYTES / FILES);
  let bytes = 0;
  let planted = 0;
  const write = (/** @type {string} */ rel, /** @type {string | Buffer} */ data) => {
    const abs = path.join(REPO, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, data);
    bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  };
  const binaries = 20;
  for (let i = 0; i < FILES - binaries - 3; i++) {
    let pick = r.int(1, total);
    const kind = KINDS.find((k) => (pick -= k.weight) <= 0) ?? KINDS[0];
    const pool = pools[kind.ext];
    const size = r.int(Math.floor(avg * 0.3), Math.floor(avg * 1.7));
    /** @type {string[]} */
    const lines = [];
    let len = 0;
    while (len < size) {
      const line = r.pick(pool);
      lines.push(line);
      len += line.length + 1;
    }
    if (r.chance(0.02)) {
      const plants = PLANTS[/** @type {keyof typeof PLANTS} */ (kind.ext)];
      lines.splice(r.int(0, lines.length), 0, r.pick(plants));
      planted++;
    }
    const mod = `${r.pick(WORDS)}_${i % 97}`;
    write(`${kind.dir()}/${mod}/${r.pick(WORDS)}_${i}.${kind.ext}`, `${lines.join('\n')}\n`);
  }
  for (let i = 0; i < binaries; i++) {
    const b = Buffer.alloc(avg);
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(r.next() * 256);
    write(`assets/img_${i}.py`, b); // a .py name: only the NUL check keeps it out
  }
  write('src/audit/event_types.py', 'LEASE = "measurement.lease_plane.request"\n');
  write(
    'src/audit/boundary_payload.py',
    'def make_boundary_payload(error_class, **kw):\n    return {"error_class": error_class, **kw}\n',
  );
  write(
    'src/logs/huge.py',
    `${'# padding line for a huge file\n'.repeat(180_000)}x = "measurement.lease_plane.request"\n`,
  );
  // Ignored by .gitignore: never read, although it violates every rule.
  for (let i = 0; i < 50; i++) write(`build/gen_${i}.py`, 'x = "measurement.lease_plane.request"\nprint(x)\n');
  write('.gitignore', 'build/\n');
  write(
    'gates/bench/rfc.yaml',
    '# yaml-language-server: $schema=../../schemas/rfc.schema.json\nid: bench\ntitle: Lint bench\nversion: v1\nmainline: main\noperators:\n  - { name: Ada Operator, email: ada@example.com }\n',
  );
  write('gates/bench/lints.yaml', lintsYaml());
  const env = { ...process.env, GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1' };
  const g = (/** @type {string[]} */ args) => {
    const res = spawnSync('git', args, { cwd: REPO, env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (res.status !== 0) die(`git ${args.join(' ')} failed: ${res.stderr}`);
    return res.stdout;
  };
  g(['init', '-q', '-b', 'main']);
  g(['add', '-A']);
  g(['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'bench tree']);
  return { bytes, planted };
}

function fingerprint(/** @type {number} */ seed) {
  return createHash('sha256')
    .update(
      JSON.stringify({
        seed,
        FILES,
        TARGET_BYTES,
        RG_PATTERNS,
        lints: lintsYaml(),
        gen: generate.toString(),
        pool: linePool.toString(),
        PLANTS,
      }),
    )
    .digest('hex');
}

/** A second index holding HEAD plus 10 modified files: the staged change, without touching the real index. */
function stagedIndex() {
  const index = path.join(WORK, 'lint-bench.index');
  copyFileSync(path.join(REPO, '.git', 'index'), index);
  const env = { ...process.env, GIT_INDEX_FILE: index };
  const files = spawnSync('git', ['ls-files', '-z', 'src/'], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 28 })
    .stdout.split('\0')
    .filter((f) => f.endsWith('.py'))
    .slice(100, 100 + CHANGED);
  for (const f of files) {
    const text = `${readFileSync(path.join(REPO, f), 'utf8')}    emit("measurement.governance_mcp.request", 1)\n`;
    const h = spawnSync('git', ['hash-object', '-w', '--stdin'], { cwd: REPO, input: text, encoding: 'utf8' });
    const sha = h.stdout.trim();
    const u = spawnSync('git', ['update-index', '--cacheinfo', `100644,${sha},${f}`], {
      cwd: REPO,
      env,
      encoding: 'utf8',
    });
    if (u.status !== 0) die(`git update-index failed: ${u.stderr}`);
  }
  return { env, files };
}

function rgVersion() {
  const r = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? 'rg') : undefined;
}

function main() {
  // Every lint run keeps its spec cache in a folder of the bench's own (the first run fills it,
  // as a hook's first commit does); the cold --staged rounds turn it off.
  process.env.RFCGATE_CACHE_DIR ??= path.join(WORK, 'spec-cache');
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'commands', 'lint.js'))) die('dist/ is missing: run `npm run build` first');
  mkdirSync(WORK, { recursive: true });
  const fp = fingerprint(o.seed);
  const reuse =
    !o.fresh && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === fp && existsSync(path.join(REPO, '.git'));
  let gen = { bytes: NaN, planted: NaN };
  if (reuse) {
    log(`reusing ${path.relative(ROOT, REPO)} (fingerprint matches)`);
  } else {
    log(`generating ${n(FILES)} files into ${path.relative(ROOT, REPO)} …`);
    const t = Date.now();
    rmSync(STAMP, { force: true });
    gen = generate(o.seed);
    settle();
    writeFileSync(STAMP, fp);
    log(
      `  ${n(Math.round(gen.bytes / 1048576))} MiB, ${n(gen.planted)} planted violations, in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  const du = spawnSync('du', ['-sm', '--apparent-size', '--exclude=.git', REPO], { encoding: 'utf8' }).stdout.split(
    '\t',
  )[0];

  const lintArgs = [BIN, 'lint', '--root', REPO, '--rfc', 'bench', '--json'];
  /** @param {ReturnType<typeof timed>} res */
  const parse = (res) => {
    if (res.status !== 1) die(`lint exited ${res.status} (expected 1, findings): ${res.stderr}`);
    try {
      return JSON.parse(res.stdout);
    } catch {
      return die(`lint --json printed no JSON: ${res.stdout.slice(0, 200)} ${res.stderr}`);
    }
  };
  log('warm-up …');
  const first = parse(timed(process.execPath, lintArgs));
  const rg = rgVersion();
  const rgArgs = ['--no-messages', '-n', '--column', '--no-heading', ...RG_PATTERNS.flatMap((p) => ['-e', p]), '.'];
  if (rg) timed('rg', rgArgs, { cwd: REPO });

  const jsArgs = [...lintArgs, '--no-rg'];
  const js = parse(timed(process.execPath, jsArgs));
  // The same report whichever engine runs (the instant it was taken aside).
  if (JSON.stringify({ ...js, as_of: '' }) !== JSON.stringify({ ...first, as_of: '' })) {
    die('lint --no-rg printed a different report than lint');
  }

  /** @type {number[]} */ const lintMs = [];
  /** @type {number[]} */ const jsMs = [];
  /** @type {number[]} */ const rgMs = [];
  /** @type {number[]} */ const nodeMs = [];
  let rgLines = 0;
  for (let i = 0; i < o.reps; i++) {
    log(`round ${i + 1}/${o.reps} …`);
    lintMs.push(timed(process.execPath, lintArgs).ms);
    jsMs.push(timed(process.execPath, jsArgs).ms);
    if (rg) {
      const res = timed('rg', rgArgs, { cwd: REPO });
      rgMs.push(res.ms);
      rgLines = res.stdout.split('\n').filter(Boolean).length;
    }
    nodeMs.push(timed(process.execPath, ['-e', '0']).ms);
  }

  const { env, files } = stagedIndex();
  /** @type {number[]} */ const stagedMs = [];
  /** @type {number[]} */ const coldMs = [];
  const stagedArgs = [BIN, 'lint', '--root', REPO, '--rfc', 'bench', '--staged', '--json'];
  const cached = env;
  const cold = { ...env, RFCGATE_NO_CACHE: '1' };
  const check = timed(process.execPath, stagedArgs, { env: cached });
  const staged = parse(check);
  if (staged.files.in_scope !== CHANGED) die(`--staged saw ${staged.files.in_scope} files, expected ${CHANGED}`);
  if (parse(timed(process.execPath, stagedArgs, { env: cold })).findings.length !== staged.findings.length) {
    die('--staged without the spec cache found something else');
  }
  for (let i = 0; i < Math.max(o.reps, 5); i++) {
    stagedMs.push(timed(process.execPath, stagedArgs, { env: cached }).ms);
    coldMs.push(timed(process.execPath, stagedArgs, { env: cold }).ms);
  }

  const out = [];
  out.push(`# bench:lint (seed ${o.seed}, ${o.reps} rounds after a warm-up; medians, min in brackets)`);
  out.push('');
  out.push(
    `tree: ${n(FILES)} files, ${du} MB (without .git), 20 rules; lint found ${n(first.findings.length)} findings in ${n(first.files.checked)} files checked, skipped ${first.files.skipped.length} (${[...new Set(first.files.skipped.map((/** @type {{reason: string}} */ s) => s.reason.replace(/ \(.*/, '')))].join(', ')})`,
  );
  out.push(
    `machine: ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  out.push('');
  out.push(`| what | wall time |`);
  out.push(`| --- | --- |`);
  out.push(`| rfcgate lint (whole tree) | ${fmtMs(median(lintMs))} [${fmtMs(min(lintMs))}] |`);
  out.push(`| rfcgate lint --no-rg (whole tree, every file read) | ${fmtMs(median(jsMs))} [${fmtMs(min(jsMs))}] |`);
  out.push(
    rg
      ? `| rg, same 20 patterns, one invocation (${rg}; ${n(rgLines)} matching lines) | ${fmtMs(median(rgMs))} [${fmtMs(min(rgMs))}] |`
      : '| rg | rg not installed: floor unavailable (apt-get install -y ripgrep) |',
  );
  out.push(`| rfcgate lint --staged, ${CHANGED}-file change | ${fmtMs(median(stagedMs))} [${fmtMs(min(stagedMs))}] |`);
  out.push(
    `| the same, without the spec cache (RFCGATE_NO_CACHE=1: lints.yaml parsed) | ${fmtMs(median(coldMs))} [${fmtMs(min(coldMs))}] |`,
  );
  out.push(`| node -e 0 | ${fmtMs(median(nodeMs))} [${fmtMs(min(nodeMs))}] |`);
  out.push('');
  if (rg) {
    const ratio = median(lintMs) / median(rgMs);
    out.push(
      `whole tree: ${ratio.toFixed(2)}× rg (target ≤ ${RATIO_TARGET}×)${ratio <= RATIO_TARGET ? '' : ' TARGET MISSED'}; --no-rg: ${(median(jsMs) / median(rgMs)).toFixed(2)}× rg`,
    );
  } else {
    out.push('whole tree: rg not installed: floor unavailable, so no ratio');
  }
  const st = median(stagedMs);
  out.push(
    `--staged: ${fmtMs(st)} for ${files.length} changed files (target < ${STAGED_TARGET_MS} ms)${st < STAGED_TARGET_MS ? '' : ' TARGET MISSED'}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main();

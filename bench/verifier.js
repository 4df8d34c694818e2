#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench:verifier`: times the verifier lane on generated inputs against their floor.
 *
 * - cite verify: a repository of 60 Python files × 2,000 lines (one commit) and a Markdown
 *   document of 600 citations (verified, drifted, source-only, bare names, ranges) checked
 *   with `rfcgate cite verify --json`. Floor: `git ls-tree -r` plus one `git cat-file --batch`
 *   reading every cited file, plus `node -e 0`.
 * - parity diff: 300 golden captures of about 15 KB each and their candidates (one in
 *   twenty perturbed) compared with `rfcgate parity diff --json`. Floor: one node process
 *   reading and JSON.parse-ing the 600 files (parity needs more than that: key order and
 *   number kinds), plus nothing else.
 *
 * Inputs are modest on purpose (the machine is shared). A measurement, not a test: exits 0
 * whether or not the target is met, non-zero only when it cannot measure.
 *
 *   node bench/verifier.js [--reps N] [--seed N]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './rng.js';
import { fmtMs, median, min, timed } from './timing.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '..', 'bin', 'run.js');
const WORK = path.join(HERE, '.work', 'verifier');
const TARGET = 2.0;
const FILES = 60;
const LINES = 2000;
const CITATIONS = 600;
const CAPTURES = 300;
const MASK = '(.*_at|.*_time.*|.*_ms|server_time|processing_time_ms|elapsed_ms|created)';

/** @param {string} s @returns {never} */
function die(s) {
  process.stderr.write(`bench:verifier: ${s}\n`);
  process.exit(1);
}

function parseArgs(/** @type {string[]} */ argv) {
  const o = { reps: 5, seed: 20260601 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = Number(argv[i + 1]);
    if ((a === '--reps' || a === '--seed') && !Number.isInteger(v)) die(`${a} takes a whole number`);
    if (a === '--reps') o.reps = Math.max(1, v);
    else if (a === '--seed') o.seed = v;
    else die(`unknown argument ${a}`);
    i++;
  }
  return o;
}

/** @param {string} cwd @param {string[]} args */
function git(cwd, args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
  if (r.status !== 0) die(`git ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

/** @param {import('./rng.js').Rng} r */
function citeInputs(r) {
  const repo = path.join(WORK, 'repo');
  mkdirSync(path.join(repo, 'src'), { recursive: true });
  git(repo, ['init', '-q', '-b', 'main']);
  /** @type {{ file: string, defs: Map<number, string> }[]} */
  const files = [];
  for (let f = 0; f < FILES; f++) {
    const defs = new Map();
    const lines = [];
    for (let l = 1; l <= LINES; l++) {
      if (l % 40 === 1) {
        const name = `handler_${f}_${l}`;
        defs.set(l, name);
        lines.push(`def ${name}(agent):`);
      } else lines.push(`    value_${l} = compute(agent, ${r.int(0, 1e6)})`);
    }
    const file = `src/pkg_${f}/module_${f}.py`;
    mkdirSync(path.join(repo, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(repo, file), `${lines.join('\n')}\n`);
    files.push({ file, defs });
  }
  git(repo, ['add', '-A']);
  git(repo, ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'tree']);
  const doc = ['# Bench RFC', ''];
  for (let i = 0; i < CITATIONS; i++) {
    const { file, defs } = r.pick(files);
    const [line, name] = r.pick([...defs]);
    const kind = r.int(0, 3);
    const at = kind === 1 ? line + r.int(1, 5) : line; // drifted: the name is a few lines up
    const cite = kind === 2 ? `${path.basename(file)}:${at}-${at + 3}` : `${file}:${at}`;
    doc.push(kind === 3 ? `Context lives at \`${cite}\`.` : `The handler \`${name}\` is at \`${cite}\`.`, '');
  }
  writeFileSync(path.join(repo, 'rfc.md'), doc.join('\n'));
  return { repo, files: files.map((f) => f.file) };
}

/** @param {import('./rng.js').Rng} r */
function parityInputs(r) {
  const dir = path.join(WORK, 'captures');
  /** @param {number} depth @returns {unknown} */
  const value = (depth) => {
    const k = r.int(0, depth > 2 ? 3 : 5);
    if (k === 0) return r.int(0, 1e9);
    if (k === 1) return Number((r.next() * 1000).toFixed(12));
    if (k === 2) return `s${r.int(0, 1e6)}`;
    if (k === 3) return r.chance(0.5);
    if (k === 4) return Array.from({ length: r.int(1, 6) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: r.int(2, 8) }, (_, i) => [`f${i}_${r.int(0, 99)}`, value(depth + 1)]),
    );
  };
  for (let i = 0; i < CAPTURES; i++) {
    const doc = Object.fromEntries(Array.from({ length: 40 }, (_, j) => [`field_${j}`, value(0)]));
    const golden = JSON.stringify({ created_at: '2026-06-01T00:00:00Z', ...doc }, null, 1);
    const candidate = r.chance(0.05) ? golden.replace(/"s(\d)/, '"t$1') : golden.replace('2026-06-01', '2026-06-02');
    for (const [sub, text] of [
      ['golden', golden],
      ['beam', candidate],
    ]) {
      mkdirSync(path.join(dir, sub), { recursive: true });
      writeFileSync(path.join(dir, sub, `req_${i}.json`), text);
    }
  }
  return dir;
}

/** @param {string} label @param {() => { ms: number }} run @param {number} reps */
function sample(label, run, reps) {
  run();
  const ms = Array.from({ length: reps }, () => run().ms);
  return { label, median: median(ms), min: min(ms) };
}

const o = parseArgs(process.argv.slice(2));
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const r = rng(o.seed);
const cite = citeInputs(r);
const captures = parityInputs(r);

const citeRun = () => {
  const t = timed(process.execPath, [BIN, 'cite', 'verify', 'rfc.md', '--root', '.', '--json'], { cwd: cite.repo });
  if (t.status !== 0 && t.status !== 1) die(`cite verify exited ${t.status}: ${t.stderr}`);
  return t;
};
const first = JSON.parse(citeRun().stdout);
if (first.citations.length !== CITATIONS)
  die(`cite verify found ${first.citations.length} citations, expected ${CITATIONS}`);
const batch = cite.files.map((f) => `HEAD:${f}`).join('\n');
const gitFloor = () =>
  timed(
    'bash',
    ['-c', `git ls-tree -r -t HEAD >/dev/null && printf '%s\\n' "$BATCH" | git cat-file --batch >/dev/null`],
    {
      cwd: cite.repo,
      env: { ...process.env, BATCH: batch },
    },
  );
const nodeFloor = () => timed(process.execPath, ['-e', '0']);
const parityRun = () => {
  const t = timed(
    process.execPath,
    [BIN, 'parity', 'diff', 'golden', 'beam', '--root', '.', '--significant-digits', '12', '--mask', MASK, '--json'],
    {
      cwd: captures,
    },
  );
  if (t.status !== 0 && t.status !== 1) die(`parity diff exited ${t.status}: ${t.stderr}`);
  return t;
};
const parsed = JSON.parse(parityRun().stdout);
if (parsed.files.length !== CAPTURES) die(`parity diff compared ${parsed.files.length} files, expected ${CAPTURES}`);
const parseFloor = () =>
  timed(
    process.execPath,
    [
      '-e',
      `const fs=require('fs');for(const d of ['golden','beam'])for(const f of fs.readdirSync(d))JSON.parse(fs.readFileSync(d+'/'+f,'utf8'))`,
    ],
    { cwd: captures },
  );

const rows = [
  sample(`rfcgate cite verify --json  (${o.reps} runs)`, citeRun, o.reps),
  sample('  floor: git ls-tree + cat-file --batch', gitFloor, o.reps),
  sample('  floor: node -e 0', nodeFloor, o.reps),
  sample(`rfcgate parity diff --json  (${o.reps} runs)`, parityRun, o.reps),
  sample('  floor: node reading + JSON.parse of every file', parseFloor, o.reps),
];
const [c, g, n, p, f] = rows;
if (!c || !g || !n || !p || !f) die('missing a measurement');
const citeRatio = c.median / (g.median + n.median);
const parityRatio = p.median / f.median;
const out = [
  `cite:   ${FILES} files × ${LINES} lines, ${CITATIONS} citations: ${Object.entries(first.counts)
    .filter(([, v]) => Number(v) > 0)
    .map(([k, v]) => `${v} ${k}`)
    .join(' + ')}`,
  `parity: ${CAPTURES} golden captures (${parsed.counts.differs} differ)`,
  '',
  `  ${'measured'.padEnd(52)} ${'median'.padStart(10)} ${'min'.padStart(10)}`,
  ...rows.map((x) => `  ${x.label.padEnd(52)} ${fmtMs(x.median).padStart(10)} ${fmtMs(x.min).padStart(10)}`),
  '',
  `  cite verify / (git + node start-up)   ${citeRatio.toFixed(2)}×   ≤ ${TARGET}×  ${citeRatio <= TARGET ? 'met' : 'TARGET MISSED'}`,
  `  parity diff / (node read + parse)     ${parityRatio.toFixed(2)}×   ≤ ${TARGET}×  ${parityRatio <= TARGET ? 'met' : 'TARGET MISSED'}`,
];
process.stdout.write(`${out.join('\n')}\n`);

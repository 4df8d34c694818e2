#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench:prereq`: generates a 50,000-commit repository whose last commits add a spec
 * folder gates/bench/ (rfc.yaml + prereqs.yaml: 50 prereqs, 300 deliverable globs, a DAG of
 * depends_on chains), then times `rfcgate prereq status --json` against its physical floor:
 * the same git commands replayed by one bash script, plus bare `node -e 0`. A measurement,
 * not a test: exits 0 whether or not the target is met, non-zero only when it cannot measure.
 *
 *   node bench/prereq.js [--reps N] [--seed N] [--fresh] [--chain N]
 *
 * `--chain N` times instead a chain of N prereqs, each depending on the one before and each
 * landed by its own commit: the out-of-order check asks, at every prereq's first commit,
 * whether its dependency had landed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gitCommandsFromLog, gitShim, writeGitScript } from './floor.js';
import { AS_OF, AS_OF_MS, AUTHORS, HISTORY_END_MS, HISTORY_START_MS, OPERATORS } from './model.js';
import { git } from './repo.js';
import { rng } from './rng.js';
import { fmtMs, median, min, settle, timed } from './timing.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const WORK = path.join(HERE, '.work');
const REPO = path.join(WORK, 'prereq-repo');
const FLOOR = path.join(WORK, 'prereq-floor');
const BIN = path.join(ROOT, 'bin', 'run.js');
const TARGET = 1.5;
const COMMITS = 50_000;
const PREREQS = 50;
const PER_PREREQ = 6; // 50 × 6 = 300 deliverables
/** How many prereqs of each status the generator aims for (in id order: landed first). */
const PLAN = { landed: 22, partial: 9, ready: 7, blocked: 12 };

const log = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);
/** @param {string} s @returns {never} */
function die(s) {
  process.stderr.write(`bench:prereq: ${s}\n`);
  process.exit(1);
}
const n = (/** @type {number} */ x) => x.toLocaleString('en-US');

function parseArgs(/** @type {string[]} */ argv) {
  const o = { reps: 5, seed: 20260601, fresh: false, chain: 0 };
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
    else if (a === '--chain') o.chain = Math.max(1, next());
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node bench/prereq.js [--reps N] [--seed N] [--fresh] [--chain N]\n');
      process.exit(0);
    } else die(`unknown argument ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------
// The prereq DAG
// ---------------------------------------------------------------------------------------

const SLUGS = [
  'ledger',
  'billing',
  'identity',
  'sessions',
  'leases',
  'audit',
  'search',
  'ingest',
  'export',
  'quota',
  'notify',
  'webhooks',
  'tenancy',
  'secrets',
  'scheduler',
  'metrics',
  'tracing',
  'cache',
  'gateway',
  'router',
  'catalog',
  'pricing',
  'invoices',
  'refunds',
  'payouts',
  'fraud',
  'kyc',
  'consent',
  'retention',
  'archive',
  'backfill',
  'replay',
  'snapshots',
  'compaction',
  'sharding',
  'failover',
  'canary',
  'flags',
  'rollout',
  'saga',
  'outbox',
  'inbox',
  'dedupe',
  'ratelimit',
  'sso',
  'scim',
  'rbac',
  'policy',
  'reports',
  'dashboards',
];
const MODS = ['core', 'api', 'store', 'codec', 'worker', 'client', 'schema', 'views', 'pool', 'sync'];

/**
 * Deliverable templates: the glob written in prereqs.yaml and 1–3 concrete files that match it.
 * @type {((s: string, m: string) => { glob: string, files: string[] })[]}
 */
const TEMPLATES = [
  (s, m) => ({ glob: `services/${s}/lib/${m}.py`, files: [`services/${s}/lib/${m}.py`] }),
  (s, m) => ({
    glob: `services/${s}/lib/${m}_*.py`,
    files: [`services/${s}/lib/${m}_impl.py`, `services/${s}/lib/${m}_types.py`],
  }),
  (s) => ({
    glob: `services/${s}/handlers/`,
    files: [`services/${s}/handlers/create.py`, `services/${s}/handlers/read.py`],
  }),
  (s, m) => ({ glob: `services/${s}/**/test_*.py`, files: [`services/${s}/tests/unit/test_${m}.py`] }),
  (s, m) => ({ glob: `migrations/*_${s}_${m}.sql`, files: [`migrations/0${s.length}${m.length}_${s}_${m}.sql`] }),
  (s) => ({ glob: `docs/design/${s}-*.md`, files: [`docs/design/${s}-overview.md`] }),
  (s, m) => ({ glob: `config/${s}/${m}.yaml`, files: [`config/${s}/${m}.yaml`] }),
  (s, m) => ({ glob: `scripts/ci/check-${s}-${m}.sh`, files: [`scripts/ci/check-${s}-${m}.sh`] }),
  (s) => ({
    glob: `elixir/apps/${s}/lib/**/*.ex`,
    files: [`elixir/apps/${s}/lib/${s}/server.ex`, `elixir/apps/${s}/lib/${s}.ex`],
  }),
  (s) => ({ glob: `services/${s}/{README,CHANGELOG}.md`, files: [`services/${s}/README.md`] }),
];

/**
 * @typedef {{ glob: string, files: string[], shared?: boolean }} Deliverable
 * @typedef {{ id: string, slug: string, title: string, plan: keyof typeof PLAN, depends_on: string[],
 *   deliverables: Deliverable[], landedWhen?: boolean }} Prereq
 */

/** @param {number} seed @returns {Prereq[]} */
function planPrereqs(seed) {
  const r = rng(seed ^ 0x5eed);
  /** @type {(keyof typeof PLAN)[]} */
  const kinds = [];
  for (const [k, v] of Object.entries(PLAN))
    for (let i = 0; i < v; i++) kinds.push(/** @type {keyof typeof PLAN} */ (k));
  /** @type {Prereq[]} */
  const out = [];
  for (let i = 0; i < PREREQS; i++) {
    const plan = kinds[i] ?? 'blocked';
    const id = `p${String(i + 1).padStart(2, '0')}`;
    const slug = SLUGS[i] ?? `s${i}`;
    // Dependencies: a chain to the previous prereq of a compatible kind, plus 0–2 earlier ones.
    const landed = out.filter((p) => p.plan === 'landed');
    const notLanded = out.filter((p) => p.plan !== 'landed');
    /** @type {Set<string>} */
    const deps = new Set();
    if (plan === 'landed' || plan === 'partial' || plan === 'ready') {
      if (landed.length && (plan !== 'landed' || r.chance(0.75))) deps.add((landed[landed.length - 1] ?? landed[0]).id);
      const extra = r.int(0, 2);
      for (let k = 0; k < extra && landed.length > 2; k++) deps.add(r.pick(landed).id);
    } else {
      // blocked: waits for something that has not landed (a chain through the blocked ones)
      deps.add((notLanded[notLanded.length - 1] ?? notLanded[0] ?? out[0])?.id ?? 'p01');
      if (r.chance(0.5)) deps.add(r.pick(landed).id);
      if (r.chance(0.3) && notLanded.length > 1) deps.add(r.pick(notLanded).id);
    }
    // Every fifth landed prereq (and one partial) modifies a dependency's file: landed_when.
    const landedWhen =
      deps.size > 0 && ((plan === 'landed' && i % 5 === 3) || (plan === 'partial' && i === PLAN.landed + 4));
    const own = PER_PREREQ - (landedWhen ? 1 : 0);
    const order = [...TEMPLATES.keys()].sort(() => r.next() - 0.5).slice(0, own);
    /** @type {Deliverable[]} */
    const deliverables = order.map((t) => (TEMPLATES[t] ?? TEMPLATES[0])(slug, r.pick(MODS)));
    if (landedWhen) {
      const dep = out.find((p) => p.id === [...deps][0]);
      const d = dep?.deliverables.find((x) => !x.shared);
      if (d) deliverables.push({ ...d, shared: true });
    }
    out.push({
      id,
      slug,
      title: `${slug[0]?.toUpperCase()}${slug.slice(1)}: ${r.pick(['extract', 'introduce', 'migrate', 'harden', 'split'])} the ${slug} ${r.pick(MODS)}`,
      plan,
      depends_on: [...deps].sort(),
      deliverables,
      ...(landedWhen ? { landedWhen: true } : {}),
    });
  }
  return out;
}

/** @param {Prereq[]} prereqs */
function prereqsYaml(prereqs) {
  const q = (/** @type {string} */ s) => `'${s.replace(/'/g, "''")}'`;
  let y = '# yaml-language-server: $schema=../../schemas/prereqs.schema.json\n';
  y += '# Generated by bench/prereq.js: 50 prerequisite PRs, 300 deliverables, a DAG of depends_on chains.\n';
  for (const p of prereqs) {
    y += `\n- id: ${p.id}\n  title: ${q(p.title)}\n  section: "§${Math.floor(Number(p.id.slice(1)) / 10) + 1}.${Number(p.id.slice(1)) % 10}"\n`;
    y += '  deliverables:\n';
    for (const d of p.deliverables) y += `    - ${q(d.glob)}\n`;
    if (p.depends_on.length) y += `  depends_on: [${p.depends_on.join(', ')}]\n`;
    if (p.landedWhen) y += `  landed_when:\n    commit_message: ${q(`^Prereq: ${p.id}\\b`)}\n`;
  }
  return y;
}

function rfcYaml() {
  return `# yaml-language-server: $schema=../../schemas/rfc.schema.json
# Generated by bench/prereq.js: the prereq DAG of a large rollout, no data gates.
id: bench
title: "Bench: 50 prerequisite PRs over a 50,000-commit history"
version: v0.1.0
mainline: main
operators:
${OPERATORS.map((o) => `  - name: ${o.name}\n    email: ${o.email}`).join('\n')}
`;
}

// ---------------------------------------------------------------------------------------
// The repository
// ---------------------------------------------------------------------------------------

/**
 * @typedef {{ at: number, msg: string, files: [string, string | null][], merge?: boolean, after?: boolean }} Event
 * files: [path, content] or [path, null] to delete.
 */

/** @param {Prereq[]} prereqs @param {number} seed @returns {Event[]} */
function schedule(prereqs, seed) {
  const r = rng(seed ^ 0xe7e7);
  /** @type {Event[]} */
  const ev = [];
  const content = (/** @type {string} */ p, /** @type {string} */ tag) =>
    `# ${p}\n# ${tag}\nvalue = ${r.int(0, 1e6)}\n`;
  const landing = (
    /** @type {Prereq} */ p,
    /** @type {Deliverable[]} */ ds,
    /** @type {number} */ from,
    /** @type {number} */ to,
  ) => {
    ds.forEach((d, k) => {
      const at = from + ((to - from) * (k + r.next() * 0.5)) / ds.length;
      ev.push({
        at,
        msg: `feat(${p.slug}): ${p.title.split(': ')[1] ?? p.slug}, part ${k + 1}\n\nRefs: ${p.id}\n`,
        files: d.files.map((f) => [f, content(f, p.id)]),
        merge: r.chance(0.35),
      });
    });
  };
  let cursor = 0.03;
  for (const p of prereqs) {
    const own = p.deliverables.filter((d) => !d.shared);
    if (p.plan === 'landed') {
      const from = cursor + r.next() * 0.02;
      const to = from + 0.01 + r.next() * 0.03;
      cursor = from + 0.025;
      landing(p, own, from, to);
      if (p.landedWhen) {
        const shared = p.deliverables.find((d) => d.shared);
        ev.push({
          at: to + 0.005,
          msg: `Merge pull request #${1000 + Number(p.id.slice(1))} from dev/${p.slug}\n\n${p.title}\n\nPrereq: ${p.id}\n`,
          files: (shared?.files ?? []).map((f) => [f, content(f, `modified by ${p.id}`)]),
          merge: true,
        });
      }
    } else if (p.plan === 'partial') {
      const from = 0.6 + r.next() * 0.3;
      // All but 1–3 of its deliverables; the landed_when one has all paths but no matching commit.
      const k = p.landedWhen ? own.length : own.length - r.int(1, 3);
      landing(p, own.slice(0, k), from, from + 0.05);
      const gone = own[k];
      if (gone && Number(p.id.slice(1)) % 3 === 0) {
        // Created, then deleted: the status names the deleting commit.
        landing(p, [gone], from, from + 0.01);
        ev.push({
          at: from + 0.07,
          msg: `revert(${p.slug}): drop ${gone.files[0]} for now\n`,
          files: gone.files.map((f) => [f, null]),
        });
      }
    } else if (p.plan === 'ready' && Number(p.id.slice(1)) % 2 === 0) {
      // Landed after --as-of: still ready as of then.
      landing(p, own, 1, 1);
      for (const e of ev.slice(-own.length)) e.after = true;
    }
  }
  return ev.sort((a, b) => a.at - b.at);
}

/**
 * @param {{ dir: string, seed: number, commits: number, prereqs: Prereq[], extraFiles: Record<string, string> }} o
 */
function generateRepo(o) {
  const started = performance.now();
  const r = rng(o.seed);
  rmSync(o.dir, { recursive: true, force: true });
  mkdirSync(o.dir, { recursive: true });
  git(o.dir, ['init', '-q', '-b', 'main']);

  /** @type {string[]} */
  const noise = [];
  for (const d of [
    'lib/core',
    'lib/util',
    'src/app',
    'src/api',
    'tests/unit',
    'tests/integration',
    'docs/notes',
    'tools',
  ]) {
    for (let i = 0; i < 50; i++) noise.push(`${d}/${MODS[i % MODS.length]}_${i}.${d.startsWith('docs') ? 'md' : 'py'}`);
  }
  const events = schedule(o.prereqs, o.seed);
  const before = events.filter((e) => !e.after);
  const after = events.filter((e) => e.after);
  /** deliverable files that exist now: later ordinary commits edit them too */
  const live = new Set();

  /** @type {Buffer[]} */
  const chunks = [];
  const data = (/** @type {string} */ s) => `data ${Buffer.byteLength(s, 'utf8')}\n${s}\n`;
  const span = HISTORY_END_MS - HISTORY_START_MS;
  let clock = HISTORY_START_MS;
  let mark = 0;
  let made = 0;
  let merges = 0;
  let mainTip = 0;
  const touched = new Set();
  const zones = ['+0000', '+0100', '+0200', '-0500', '+0530', '+0900'];

  /** @param {string} ref @param {number} when @param {string} msg @param {[string, string | null][]} files @param {{ from?: number, merge?: number }} links */
  const commit = (ref, when, msg, files, links = {}) => {
    const who = r.pick(AUTHORS);
    const zone = r.pick(zones);
    mark++;
    made++;
    let s = `commit ${ref}\nmark :${mark}\nauthor ${who.name} <${who.email}> ${when} ${zone}\ncommitter ${who.name} <${who.email}> ${when} ${zone}\n${data(msg)}`;
    if (links.from) s += `from :${links.from}\n`;
    if (links.merge) s += `merge :${links.merge}\n`;
    for (const [p, c] of files) {
      s += c === null ? `D ${p}\n` : `M 100644 inline ${p}\n${data(c)}`;
      touched.add(p);
    }
    chunks.push(Buffer.from(`${s}\n`, 'utf8'));
    return mark;
  };
  const tick = () => {
    clock = Math.max(clock + 1000, HISTORY_START_MS + (made / o.commits) * span + r.int(-900, 900) * 1000);
    return Math.floor(clock / 1000);
  };
  const emitEvent = (/** @type {Event} */ e, /** @type {() => number} */ when) => {
    for (const [p, c] of e.files) {
      if (c === null) live.delete(p);
      else live.add(p);
    }
    if (e.merge && mainTip) {
      const topic = commit('refs/heads/topic', when(), e.msg.replace(/^Merge pull request[^\n]*\n\n/, ''), e.files, {
        from: mainTip,
      });
      const msg = e.msg.startsWith('Merge')
        ? e.msg
        : `Merge pull request #${r.int(100, 9999)} from dev/topic\n\n${e.msg}`;
      mainTip = commit('refs/heads/main', when(), msg, e.files, { merge: topic });
      merges++;
    } else mainTip = commit('refs/heads/main', when(), e.msg, e.files);
  };

  const reserved = 1 + after.reduce((k, e) => k + (e.merge ? 2 : 1), 0);
  let next = 0;
  const liveList = () => [...live];
  let liveCache = liveList();
  while (made < o.commits - reserved) {
    const ev = before[next];
    if (ev && ev.at * o.commits <= made) {
      emitEvent(ev, tick);
      next++;
      liveCache = liveList();
      continue;
    }
    const k = r.chance(0.6) ? 1 : r.int(2, 4);
    /** @type {Map<string, string>} */
    const files = new Map();
    for (let i = 0; i < k; i++) {
      const p = liveCache.length && r.chance(0.08) ? r.pick(liveCache) : r.pick(noise);
      files.set(p, `# ${p}\nrev ${made}\n`);
    }
    const first = [...files.keys()][0] ?? 'repo';
    const msg = `${r.pick(['feat', 'fix', 'chore', 'refactor', 'test', 'docs'])}(${first.split('/')[1] ?? 'repo'}): ${r.pick(['tidy', 'fix', 'speed up', 'rename', 'test'])} ${path.basename(first)}\n`;
    mainTip = commit('refs/heads/main', tick(), msg, [...files]);
  }
  for (; next < before.length; next++) {
    const ev = before[next];
    if (ev) emitEvent(ev, tick);
  }
  commit('refs/heads/main', tick(), 'gates: add the bench RFC prereqs\n', Object.entries(o.extraFiles));
  mainTip = mark;
  // After --as-of: work that the status as of then must not see.
  let late = Math.floor(AS_OF_MS / 1000) + 3600;
  for (const e of after) emitEvent(e, () => (late += 7200));

  const fi = spawnSync('git', ['fast-import', '--quiet', '--date-format=raw'], {
    cwd: o.dir,
    input: Buffer.concat(chunks),
    maxBuffer: 64 << 20,
  });
  if (fi.status !== 0) throw new Error(`git fast-import failed: ${fi.stderr.toString()}`);
  git(o.dir, ['update-ref', '-d', 'refs/heads/topic']);
  git(o.dir, ['reset', '-q', '--hard', 'main']);
  return { commits: made, merges, paths: touched.size, after: after.length, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------

/**
 * A repository of `count` commits on main, commit i adding src/chain/c<i>.py, and a spec
 * whose prereq c<i> lists that file and depends on c<i-1>: every prereq landed, in order.
 * @param {string} dir @param {number} count
 */
function generateChain(dir, count) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  const id = (/** @type {number} */ i) => `c${String(i).padStart(5, '0')}`;
  let y = '# yaml-language-server: $schema=../../schemas/prereqs.schema.json\n';
  y += `# Generated by bench/prereq.js --chain: ${count} prereqs, each depending on the one before.\n`;
  for (let i = 0; i < count; i++) {
    y += `\n- id: ${id(i)}\n  title: Step ${i}\n  deliverables: [src/chain/${id(i)}.py]\n`;
    if (i) y += `  depends_on: [${id(i - 1)}]\n`;
  }
  const rfc = rfcYaml()
    .replace('id: bench', 'id: chain')
    .replace(/^title: .*$/m, `title: "Bench: a chain of ${count} prereqs"`);
  /** @type {Buffer[]} */
  const chunks = [];
  const data = (/** @type {string} */ text) => {
    const b = Buffer.from(text);
    chunks.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n'));
  };
  const start = Math.floor(HISTORY_START_MS / 1000);
  const step = Math.max(1, Math.floor((AS_OF_MS / 1000 - 86_400 - start) / (count + 1)));
  for (let i = 0; i <= count; i++) {
    const when = start + i * step;
    chunks.push(Buffer.from(`commit refs/heads/main\ncommitter Bench <bench@example.com> ${when} +0000\n`));
    if (i < count) {
      data(`${id(i)}: step ${i}\n`);
      chunks.push(Buffer.from(`M 100644 inline src/chain/${id(i)}.py\n`));
      data(`# step ${i}\n`);
    } else {
      data('gates: add the chain RFC prereqs\n');
      chunks.push(Buffer.from('M 100644 inline gates/chain/rfc.yaml\n'));
      data(rfc);
      chunks.push(Buffer.from('M 100644 inline gates/chain/prereqs.yaml\n'));
      data(y);
    }
    chunks.push(Buffer.from('\n'));
  }
  const fi = spawnSync('git', ['fast-import', '--quiet', '--date-format=raw'], {
    cwd: dir,
    input: Buffer.concat(chunks),
    maxBuffer: 64 << 20,
  });
  if (fi.status !== 0) die(`git fast-import failed: ${fi.stderr.toString()}`);
  git(dir, ['reset', '-q', '--hard', 'main']);
}

/** `--chain N`: times prereq status on a fully landed chain, and counts the git processes it starts. */
function chainBench(/** @type {ReturnType<typeof parseArgs>} */ opts) {
  const dir = path.join(WORK, `prereq-chain-${opts.chain}`);
  const stamp = path.join(dir, '.git', 'bench-fingerprint');
  const fingerprint = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex');
  if (!opts.fresh && existsSync(stamp) && readFileSync(stamp, 'utf8') === fingerprint) {
    log(`repository: reused ${path.relative(ROOT, dir)}`);
  } else {
    log(`repository: generating a chain of ${n(opts.chain)} prereqs…`);
    generateChain(dir, opts.chain);
    writeFileSync(stamp, fingerprint);
  }
  const args = [BIN, 'prereq', 'status', '--root', dir, '--rfc', 'chain', '--json', '--as-of', AS_OF];
  const shimDir = path.join(WORK, 'prereq-chain-shim');
  rmSync(shimDir, { recursive: true, force: true });
  const gitLog = path.join(shimDir, 'git-commands.log');
  const first = timed('node', args, { env: { ...process.env, PATH: gitShim(path.join(shimDir, 'bin'), gitLog) } });
  /** @type {{ state: string, counts: Record<string, number> }} */
  let report;
  try {
    report = JSON.parse(first.stdout);
  } catch {
    die(`prereq status printed no JSON (exit ${first.status}): ${first.stderr.slice(0, 2000)}`);
  }
  if (first.status !== 0 || report.state !== 'ok' || report.counts.landed !== opts.chain) {
    die(`prereq status is broken: exit ${first.status}, state ${report.state}, ${report.counts.landed} landed`);
  }
  const cmds = gitCommandsFromLog(gitLog);
  /** @type {number[]} */
  const ms = [];
  for (let i = 0; i < opts.reps; i++) {
    const res = timed('node', args);
    if (res.stdout !== first.stdout) die('prereq status printed a different report than the first run');
    ms.push(res.ms);
  }
  const by = Object.entries(cmds.bySubcommand)
    .map(([k, c]) => `${k} ×${c}`)
    .join(', ');
  process.stdout.write(
    `\nchain       ${n(opts.chain)} prereqs, all landed, one commit each\n` +
      `git         ${cmds.issued} processes (${by})\n` +
      `status      median ${fmtMs(median(ms))}, min ${fmtMs(min(ms))} (${opts.reps} runs; load ${(os.loadavg()[0] ?? 0).toFixed(2)})\n`,
  );
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.chain) return chainBench(opts);
  const startedAll = performance.now();
  const statusJs = path.join(ROOT, 'dist', 'commands', 'prereq', 'status.js');
  if (!existsSync(statusJs)) die('dist/ is missing: run `npm run build` first');
  const load = os.loadavg()[0] ?? 0;
  if (load > 0.8 * os.cpus().length)
    log(`warning: load average ${load.toFixed(2)} before the run; timings will be noisy`);

  // --- 1. the repository and spec (reused when the generator and seed are unchanged) ---
  const prereqs = planPrereqs(opts.seed);
  const extraFiles = { 'gates/bench/rfc.yaml': rfcYaml(), 'gates/bench/prereqs.yaml': prereqsYaml(prereqs) };
  const fingerprint = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(String(opts.seed))
    .digest('hex');
  const stamp = path.join(REPO, '.git', 'bench-fingerprint');
  /** @type {{ commits: number, merges: number, paths: number, after: number, ms: number }} */
  let gen;
  if (!opts.fresh && existsSync(stamp) && readFileSync(stamp, 'utf8').startsWith(fingerprint)) {
    gen = JSON.parse(readFileSync(stamp, 'utf8').slice(fingerprint.length + 1));
    log(`repository: reused ${path.relative(ROOT, REPO)} (same generator and seed)`);
  } else {
    log(`repository: generating ${n(COMMITS)} commits with git fast-import…`);
    gen = generateRepo({ dir: REPO, seed: opts.seed, commits: COMMITS, prereqs, extraFiles });
    settle();
    writeFileSync(stamp, `${fingerprint}\n${JSON.stringify(gen)}`);
    log(`repository: ${n(gen.commits)} commits in ${fmtMs(gen.ms)}`);
  }
  const globs = prereqs.reduce((s, p) => s + p.deliverables.length, 0);

  const v = timed('node', [BIN, 'spec', 'validate', '--root', REPO, '--json']);
  if (v.status !== 0) die(`rfcgate spec validate rejects the generated spec:\n${v.stdout}${v.stderr}`);

  // --- 2. a recorded first run: the JSON to verify and the git commands of the floor ---
  const args = [BIN, 'prereq', 'status', '--root', REPO, '--json', '--as-of', AS_OF];
  rmSync(FLOOR, { recursive: true, force: true });
  mkdirSync(path.join(FLOOR, 'git-out'), { recursive: true });
  const gitLog = path.join(FLOOR, 'git-commands.log');
  const first = timed('node', args, { env: { ...process.env, PATH: gitShim(path.join(FLOOR, 'shim'), gitLog) } });
  /** @type {{ state: string, counts: Record<string, number>, prereqs: { id: string, status: string }[], can_start: string[], critical_path: string[] }} */
  let report;
  try {
    report = JSON.parse(first.stdout);
  } catch {
    die(`prereq status printed no JSON (exit ${first.status}): ${first.stderr.slice(0, 2000)}`);
  }
  if (first.status !== 0 || report.state !== 'ok' || report.prereqs.length !== PREREQS) {
    die(`prereq status is broken: exit ${first.status}, state ${report.state}, ${report.prereqs?.length} prereqs`);
  }
  const cmds = gitCommandsFromLog(gitLog);
  if (cmds.commands.length === 0) die('the git shim recorded no git command: cannot build the git floor');
  const gitScript = path.join(FLOOR, 'git-floor.sh');
  writeGitScript({ outDir: path.join(FLOOR, 'git-out'), commands: cmds.commands, file: gitScript });
  const gitCheck = timed('bash', [gitScript]);
  if (gitCheck.status !== 0) die(`the git floor does not run: ${gitCheck.stderr}`);
  const gitBytes = readdirSync(path.join(FLOOR, 'git-out')).reduce(
    (sum, f) => sum + statSync(path.join(FLOOR, 'git-out', f)).size,
    0,
  );
  if (gitBytes === 0) die('the git floor produced no output');

  // --- 3. warm-up, then interleaved timed rounds ---
  /** @param {ReturnType<typeof timed>} res @param {string} what */
  const ok = (res, what) => {
    if (res.status !== 0) die(`${what} failed (exit ${res.status}): ${res.stderr.slice(0, 500)}`);
    return res;
  };
  const runStatus = () => {
    const res = ok(timed('node', args), 'prereq status');
    if (res.stdout !== first.stdout) die('prereq status printed a different report than the first run');
    return res.ms;
  };
  const runGit = () => ok(timed('bash', [gitScript]), 'git floor').ms;
  const runNode = () => ok(timed('node', ['-e', '0']), 'node -e 0').ms;
  log(`timing: 1 warm-up + ${opts.reps} rounds of prereq status / git floor / node -e 0…`);
  runStatus();
  runGit();
  runNode();
  /** @type {{ status: number[], git: number[], node: number[] }} */
  const t = { status: [], git: [], node: [] };
  for (let i = 0; i < opts.reps; i++) {
    t.status.push(runStatus());
    t.git.push(runGit());
    t.node.push(runNode());
  }
  const stat = (/** @type {number[]} */ xs) => ({ med: median(xs), min: min(xs) });
  const s = stat(t.status);
  const g = stat(t.git);
  const nd = stat(t.node);
  const floor = { med: g.med + nd.med, min: g.min + nd.min };
  const ratio = { med: s.med / floor.med, min: s.min / floor.min };
  const met = ratio.med <= TARGET;

  // --- 4. the report ---
  const counts = Object.entries(report.counts)
    .filter(([, c]) => c > 0)
    .map(([k, c]) => `${k} ${c}`)
    .join(', ');
  const planned = Object.entries(PLAN)
    .map(([k, c]) => `${k} ${c}`)
    .join(', ');
  const row = (/** @type {string} */ label, /** @type {{ med: number, min: number }} */ x) =>
    `${label.padEnd(48)}${fmtMs(x.med).padStart(11)}${fmtMs(x.min).padStart(11)}`;
  const out = [];
  out.push('');
  out.push(
    `repository  ${n(gen.commits)} commits (${n(gen.merges)} merges, ${gen.after} after --as-of), ${n(gen.paths)} paths`,
  );
  out.push(`spec        gates/bench/: ${report.prereqs.length} prereqs, ${globs} deliverable globs, no data gates`);
  out.push(`status      ${counts}  (generator aimed at: ${planned})`);
  out.push(`            can start: ${report.can_start.length}, critical path: ${report.critical_path.join(' → ')}`);
  out.push(
    `floor git   ${cmds.commands.length} distinct commands (${cmds.issued} issued: ${Object.entries(cmds.bySubcommand)
      .map(([k, c]) => `${k} ×${c}`)
      .join(', ')}), ${(gitBytes / 1e6).toFixed(1)} MB of output`,
  );
  out.push('');
  out.push(`  ${'measured'.padEnd(46)}${'median'.padStart(11)}${'min'.padStart(11)}`);
  out.push(row(`  rfcgate prereq status --json  (${opts.reps} runs)`, s));
  out.push(row('    floor: git commands (one bash script)', g));
  out.push(row('    floor: node -e 0', nd));
  out.push(row('    floor = git + node start-up', floor));
  out.push('');
  out.push(
    `  ${'prereq status / floor'.padEnd(46)}${`${ratio.med.toFixed(2)}×`.padStart(11)}${`${ratio.min.toFixed(2)}×`.padStart(11)}   ≤ ${TARGET}×  ${met ? 'met' : 'TARGET MISSED'}`,
  );
  const spread = Object.entries(t)
    .filter(([, xs]) => (Math.max(...xs) - Math.min(...xs)) / Math.min(...xs) > 0.15)
    .map(([k]) => k);
  if (spread.length) out.push(`  (noisy: the runs of ${spread.join(', ')} spread by more than 15 %)`);
  const mismatch = Object.entries(PLAN).filter(([k, c]) => report.counts[k] !== c);
  if (mismatch.length) out.push(`  warning: the status counts differ from the generator's plan (${planned})`);
  out.push(`  (bench total ${fmtMs(performance.now() - startedAll)}; work files in ${path.relative(ROOT, WORK)}/)`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main();

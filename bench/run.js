#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench`: generates a 20,000-commit repository, a 200-gate spec and a
 * 1,000,000-row PostgreSQL database, then times `rfcgate gate check --json` against its
 * physical floor (the same git commands, the same SQL through psql, and bare node start-up),
 * and `rfcgate --version` against `node -e 0`. A measurement, not a test: it exits 0 whether
 * or not the targets are met, and non-zero only when it could not measure.
 *
 *   node bench/run.js [--reps N] [--seed N] [--fresh] [--profile]
 *
 * BENCH_DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase, psql, serverProblem } from './db.js';
import { gitCommandsFromLog, gitShim, queriesFromReport, writeGitScript, writeSqlFile } from './floor.js';
import { AS_OF, SIZES, TYPES } from './model.js';
import { summariseProfile } from './profile.js';
import { generateRepo } from './repo.js';
import { generateSpec, RFC_ID } from './spec.js';
import { fmtMs, median, min, timed } from './timing.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const WORK = path.join(HERE, '.work');
const REPO = path.join(WORK, 'repo');
const BIN = path.join(ROOT, 'bin', 'run.js');
const TARGET_CHECK = 1.5;
const TARGET_VERSION = 3;

function parseArgs(/** @type {string[]} */ argv) {
  const o = { reps: 5, versionReps: 15, seed: 20260601, fresh: false, profile: false };
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
    else if (a === '--profile') o.profile = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node bench/run.js [--reps N] [--seed N] [--fresh] [--profile]\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  return o;
}

const log = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);
/**
 * @param {string} s
 * @returns {never}
 */
function die(s) {
  process.stderr.write(`bench: ${s}\n`);
  process.exit(1);
}
const n = (/** @type {number} */ x) => x.toLocaleString('en-US');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

  if (!existsSync(path.join(ROOT, 'dist', 'commands', 'gate', 'check.js'))) {
    die('dist/ is missing: run `npm run build` first');
  }
  const stale =
    newestMtime(path.join(ROOT, 'src')) > statSync(path.join(ROOT, 'dist', 'commands', 'gate', 'check.js')).mtimeMs;
  if (stale) log('warning: src/ has changed since the last build; this measures dist/ (run `npm run build` first)');
  const problem = serverProblem(adminUrl);
  if (problem) {
    die(
      `PostgreSQL is not reachable at ${redactUrl(adminUrl)}: ${problem}\n` +
        'Start the local server with:\n' +
        '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        'or point BENCH_DATABASE_URL at a server where this role may CREATE DATABASE.',
    );
  }
  mkdirSync(WORK, { recursive: true });
  const load = os.loadavg()[0] ?? 0;
  if (load > os.availableParallelism() / 2)
    log(`warning: load average ${load.toFixed(2)}: the machine is busy, timings will be noisy`);

  // --- 1. generate ---------------------------------------------------------------------------
  log(`generating (seed ${opts.seed}) ...`);
  const spec = generateSpec(opts.seed);
  const repo = generateRepo({ dir: REPO, seed: opts.seed, commits: SIZES.commits, extraFiles: spec.files });
  log(`  repository: ${n(repo.commits)} commits in ${fmtMs(repo.ms)}`);
  const validate = timed('node', [BIN, 'spec', 'validate', '--rfc', RFC_ID, '--root', REPO]);
  if (validate.status !== 0) die(`the generated spec does not validate:\n${validate.stdout}${validate.stderr}`);
  const db = ensureDatabase({ adminUrl, seed: opts.seed, fresh: opts.fresh });
  log(`  database: ${db.action} ${redactUrl(db.url)} (${n(db.rows)} rows) in ${fmtMs(db.ms)}`);
  /** @type {NodeJS.ProcessEnv} */
  const env = { ...process.env, DATABASE_URL: db.url, NO_COLOR: '1' };
  delete env.RFCGATE_PROGRAM;

  const checkArgs = [BIN, 'gate', 'check', '--rfc', RFC_ID, '--root', REPO, '--json', '--as-of', AS_OF];

  // --- 2. a recorded first run: the JSON to verify, the git commands and the SQL of the floor ---
  const floorDir = path.join(WORK, 'floor');
  rmSync(floorDir, { recursive: true, force: true });
  mkdirSync(path.join(floorDir, 'git-out'), { recursive: true });
  const gitLog = path.join(floorDir, 'git-commands.log');
  log('first run (recording its git commands) ...');
  const first = timed('node', checkArgs, { env: { ...env, PATH: gitShim(path.join(floorDir, 'shim'), gitLog) } });
  const report = parseReport(first);
  const verdicts = summarise(report);
  if (report.results.length !== SIZES.gates) {
    die(`gate check returned ${report.results.length} results, expected ${SIZES.gates}: not measuring a broken run`);
  }
  const git = gitCommandsFromLog(gitLog);
  if (git.commands.length === 0) die('the git shim recorded no git command: cannot build the git floor');
  const gitScript = path.join(floorDir, 'git-floor.sh');
  writeGitScript({ outDir: path.join(floorDir, 'git-out'), commands: git.commands, file: gitScript });
  const sql = queriesFromReport(report);
  const sqlFile = path.join(floorDir, 'floor.sql');
  writeSqlFile(sql.queries, sqlFile);
  const psqlArgs = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url, '-f', sqlFile, '-o', '/dev/null'];
  const check = timed('psql', psqlArgs);
  if (check.status !== 0) die(`the SQL floor does not run: ${check.stderr}`);
  const gitCheck = timed('bash', [gitScript]);
  if (gitCheck.status !== 0) die(`the git floor does not run: ${gitCheck.stderr}`);
  const gitBytes = readdirSync(path.join(floorDir, 'git-out')).reduce(
    (sum, f) => sum + statSync(path.join(floorDir, 'git-out', f)).size,
    0,
  );
  if (gitBytes === 0) die('the git floor produced no output: its commands do not reproduce what rfcgate read');

  // --- 3. measure -------------------------------------------------------------------------------
  /** @type {Record<string, number[]>} */
  const t = { check: [], git: [], psql: [], node: [], version: [], nodeV: [] };
  let unstable = 0;
  const runCheck = () => {
    const r = timed('node', checkArgs, { env });
    const rep = parseReport(r);
    // The JSON is deterministic (README: byte-identical for the same inputs): any difference is a broken run.
    if (r.stdout !== first.stdout || r.status !== first.status || rep.results.length !== SIZES.gates) unstable++;
    return r.ms;
  };
  const runGit = () => ok(timed('bash', [gitScript]), 'git floor').ms;
  const runPsql = () => ok(timed('psql', psqlArgs), 'psql floor').ms;
  const runNode = () => ok(timed('node', ['-e', '0']), 'node -e 0').ms;
  const runVersion = () => ok(timed('node', [BIN, '--version'], { env }), 'rfcgate --version').ms;

  log(`warm-up, then ${opts.reps} interleaved rounds of gate check / git / psql / node ...`);
  runCheck();
  runGit();
  runPsql();
  runNode();
  for (let i = 0; i < opts.reps; i++) {
    t.check?.push(runCheck());
    t.git?.push(runGit());
    t.psql?.push(runPsql());
    t.node?.push(runNode());
    log(`  round ${i + 1}: gate check ${fmtMs(t.check?.at(-1) ?? 0)}`);
  }
  log(`--version vs node -e 0, ${opts.versionReps} rounds ...`);
  runVersion();
  runNode();
  for (let i = 0; i < opts.versionReps; i++) {
    t.version?.push(runVersion());
    t.nodeV?.push(runNode());
  }

  // --- 4. report --------------------------------------------------------------------------------
  const S = (/** @type {number[]} */ xs) => ({ med: median(xs), min: min(xs) });
  const c = S(t.check ?? []);
  const g = S(t.git ?? []);
  const p = S(t.psql ?? []);
  const nd = S(t.node ?? []);
  const floor = { med: g.med + p.med + nd.med, min: g.min + p.min + nd.min };
  // Not the target, context: the floor if the git and SQL work ran side by side, as rfcgate runs them.
  const overlap = { med: Math.max(g.med, p.med) + nd.med, min: Math.max(g.min, p.min) + nd.min };
  const v = S(t.version ?? []);
  const nv = S(t.nodeV ?? []);
  const rCheck = { med: c.med / floor.med, min: c.min / floor.min };
  const rVersion = { med: v.med / nv.med, min: v.min / nv.min };
  const rOverlap = { med: c.med / overlap.med, min: c.min / overlap.min };

  const cpu = os.cpus();
  const versions = {
    git: execFileSync('git', ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/^git version /, ''),
    pg: psql(db.url, ['-At', '-c', 'SHOW server_version']).stdout.trim(),
  };
  const out = [];
  out.push('');
  out.push(`rfcgate bench — seed ${opts.seed}, as of ${AS_OF}`);
  out.push(
    `machine   ${os.availableParallelism()} cpus (nproc) · ${cpu[0]?.model.trim() ?? '?'} · node ${process.version} · git ${versions.git} · PostgreSQL ${versions.pg}`,
  );
  out.push(
    `generated ${n(repo.commits)} commits (${n(repo.merges)} merges, ${repo.branches.length} branches, ${n(repo.paths)} paths) in ${fmtMs(repo.ms)}`,
  );
  out.push(
    `          ${n(db.rows)} rows in audit.coordination_measurements (${TYPES.length} types, ${SIZES.days} days, monthly partitions) — database ${db.action} in ${fmtMs(db.ms)}`,
  );
  const kinds = spec.counts;
  out.push(
    `          ${n(kinds.gates ?? 0)} gates (${kinds.disconfirmers} disconfirmers, ${kinds['exit-criteria']} exit criteria, ${kinds['stop-signs']} stop signs, ${kinds.invariants} invariants) reading ${kinds.measurements} measurements (${kinds.sql_table} sql table form, ${kinds.sql_raw} sql raw, ${kinds.git} git, ${kinds.artifact} artifact)`,
  );
  out.push(
    `gate check ${report.results.length} results · verdict ${report.verdict} (exit ${first.status}) · ${verdicts.line}`,
  );
  const errors = /** @type {Record<string, number>} */ (verdicts.counts.halts).error ?? 0;
  if (errors)
    out.push(
      `           WARNING: ${errors} gate(s) halted with 'error': check the first run's reasons before trusting the timings`,
    );
  if (unstable)
    out.push(`           WARNING: ${unstable} timed run(s) printed a different report or exit code than the first`);
  out.push(
    `floor      git: ${git.commands.length} distinct commands, ${(gitBytes / 1e6).toFixed(1)} MB of output (${git.issued} issued by rfcgate: ${Object.entries(
      git.bySubcommand,
    )
      .map(([k, x]) => `${x} ${k}`)
      .join(', ')}); psql: ${sql.queries.length} distinct queries (${sql.seen} in the evidence), one psql process`,
  );
  out.push('');
  const row = (/** @type {string} */ label, /** @type {{ med: number, min: number }} */ s) =>
    `  ${label.padEnd(44)}${fmtMs(s.med).padStart(11)}${fmtMs(s.min).padStart(11)}`;
  out.push(`  ${'measured'.padEnd(44)}${'median'.padStart(11)}${'min'.padStart(11)}`);
  out.push(row(`rfcgate gate check --json  (${opts.reps} runs)`, c));
  out.push(row('  floor: git commands (one bash script)', g));
  out.push(row('  floor: SQL (one psql -f)', p));
  out.push(row('  floor: node -e 0', nd));
  out.push(row('  floor = git + SQL + node start-up', floor));
  out.push(row('  (overlapped: max(git, SQL) + node start-up)', overlap));
  out.push(row(`rfcgate --version  (${opts.versionReps} runs)`, v));
  out.push(row('node -e 0', nv));
  out.push('');
  const verdict = (/** @type {number} */ r, /** @type {number} */ target) =>
    r <= target ? 'met' : `MISSED (${((r / target - 1) * 100).toFixed(0)}% over)`;
  out.push(`  ${'ratio'.padEnd(44)}${'median'.padStart(11)}${'min'.padStart(11)}   target`);
  out.push(
    `  ${'gate check / floor'.padEnd(44)}${`${rCheck.med.toFixed(2)}×`.padStart(11)}${`${rCheck.min.toFixed(2)}×`.padStart(11)}   ≤ ${TARGET_CHECK}×  ${verdict(rCheck.med, TARGET_CHECK)}`,
  );
  out.push(
    `  ${'--version / node -e 0'.padEnd(44)}${`${rVersion.med.toFixed(2)}×`.padStart(11)}${`${rVersion.min.toFixed(2)}×`.padStart(11)}   ≤ ${TARGET_VERSION}×    ${verdict(rVersion.med, TARGET_VERSION)}`,
  );
  out.push(
    `  ${'(gate check / overlapped floor, no target)'.padEnd(44)}${`${rOverlap.med.toFixed(2)}×`.padStart(11)}${`${rOverlap.min.toFixed(2)}×`.padStart(11)}`,
  );
  const noisy = Object.entries({ 'gate check': t.check, 'git floor': t.git, 'SQL floor': t.psql })
    .map(([k, xs]) => [k, (Math.max(...(xs ?? [])) - min(xs ?? [])) / median(xs ?? [])])
    .filter(([, spread]) => Number(spread) > 0.15);
  if (noisy.length) {
    out.push(
      `  WARNING: noisy runs (${noisy.map(([k, x]) => `${k} spread ${(Number(x) * 100).toFixed(0)}%`).join(', ')}; load average before the run ${load.toFixed(2)}): something else was using the CPU; prefer the min column, or rerun on a quiet machine`,
    );
  }
  const missed = [];
  if (rCheck.med > TARGET_CHECK)
    missed.push(`gate check is ${rCheck.med.toFixed(2)}× its floor (target ≤ ${TARGET_CHECK}×)`);
  if (rVersion.med > TARGET_VERSION)
    missed.push(`--version is ${rVersion.med.toFixed(2)}× node -e 0 (target ≤ ${TARGET_VERSION}×)`);
  out.push('');
  out.push(missed.length ? `TARGET MISSED: ${missed.join('; ')}` : 'all targets met');
  out.push(`(work files: ${path.relative(ROOT, WORK)}/ — floor scripts in ${path.relative(ROOT, floorDir)}/)`);
  process.stdout.write(`${out.join('\n')}\n`);

  writeFileSync(
    path.join(WORK, 'last-result.json'),
    `${JSON.stringify({ seed: opts.seed, times: t, floor, ratios: { check: rCheck, version: rVersion }, verdicts: verdicts.counts }, null, 2)}\n`,
  );

  if (opts.profile) profile({ checkArgs, env, gitScript, psqlArgs, node: nd.med });
}

/**
 * Where a gate check's time goes: a timeline of one run (when git and SQL start and end,
 * recorded by bench/phases.js), the CPU the process tree used against the floor's, and a
 * V8 CPU profile of one run summarised by file and function.
 * @param {{ checkArgs: string[], env: NodeJS.ProcessEnv, gitScript: string, psqlArgs: string[], node: number }} o
 */
function profile(o) {
  const profDir = path.join(WORK, 'profile');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const out = ['', 'PROFILE'];

  const phasesFile = path.join(profDir, 'phases.json');
  const hook = path.join(HERE, 'phases.js');
  const traced = timed('node', ['--import', hook, ...o.checkArgs], {
    env: { ...o.env, BENCH_PHASES_FILE: phasesFile },
  });
  /** @type {{ exit: number, spans: { kind: string, what: string, start: number, end?: number }[] }} */
  const ph = JSON.parse(readFileSync(phasesFile, 'utf8'));
  const spawns = ph.spans.filter((x) => x.kind === 'spawn');
  const sqls = ph.spans.filter((x) => x.kind === 'sql');
  const wrapper = sqls.filter((x) => /^(BEGIN|ROLLBACK|SELECT set_config)/.test(x.what));
  const end = (/** @type {{ end?: number, start: number }} */ x) => x.end ?? x.start;
  const firstIo = Math.min(...ph.spans.map((x) => x.start));
  const lastIo = Math.max(...ph.spans.map(end));
  const dur = (/** @type {{ end?: number, start: number }[]} */ xs) => xs.reduce((a, x) => a + end(x) - x.start, 0);
  const bySub = new Map();
  for (const x of spawns) {
    const key = x.what.split(' ').slice(0, 2).join(' ');
    const e = bySub.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += end(x) - x.start;
    bySub.set(key, e);
  }
  out.push(`timeline of one run (${fmtMs(traced.ms)} wall, times from process start):`);
  out.push(
    `  ${fmtMs(firstIo).padStart(9)}  first git/SQL call: node start-up + oclif + spec load (node -e 0 alone: ${fmtMs(o.node)})`,
  );
  out.push(
    `  ${fmtMs(Math.min(...spawns.map((x) => x.start))).padStart(9)} → ${fmtMs(Math.max(...spawns.map(end)))}  git: ${spawns.length} processes, ${fmtMs(dur(spawns))} summed: ${[
      ...bySub,
    ]
      .map(([k, v]) => `${v.n}× ${k} ${fmtMs(v.ms)}`)
      .join(', ')}`,
  );
  if (sqls.length) {
    out.push(
      `  ${fmtMs(Math.min(...sqls.map((x) => x.start))).padStart(9)} → ${fmtMs(Math.max(...sqls.map(end)))}  SQL: ${sqls.length} statements = ${sqls.length - wrapper.length} measurement queries + ${wrapper.length} BEGIN READ ONLY / set_config / ROLLBACK; latency summed ${fmtMs(dur(sqls.filter((x) => !wrapper.includes(x))))} + ${fmtMs(dur(wrapper))}`,
    );
  }
  out.push(
    `  ${fmtMs(ph.exit).padStart(9)}  exit (${fmtMs(ph.exit - lastIo)} after the last git/SQL answer: verdicts, JSON, stdout)`,
  );

  // CPU of each process tree (bash `times`: the children's user and system time).
  const cpu = (/** @type {string[]} */ cmd, /** @type {NodeJS.ProcessEnv} */ env) => {
    const r = timed('bash', ['-c', '"$@" > /dev/null 2>&1; times', 'cpu', ...cmd], { env });
    const line = r.stdout.trim().split('\n')[1] ?? '';
    const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    return { wall: r.ms, cpu: ((secs[0] ?? 0) + (secs[1] ?? 0)) * 1000 };
  };
  const c1 = cpu(['node', ...o.checkArgs], o.env);
  const c2 = cpu(['bash', o.gitScript], o.env);
  const c3 = cpu(['psql', ...o.psqlArgs], o.env);
  out.push('client-side CPU (user+sys of the process tree; the PostgreSQL server is not included):');
  out.push(`  gate check ${fmtMs(c1.cpu)} (node and its git children) in ${fmtMs(c1.wall)} wall`);
  out.push(
    `  git floor ${fmtMs(c2.cpu)} · psql client ${fmtMs(c3.cpu)} → rfcgate's own JavaScript ≈ ${fmtMs(c1.cpu - c2.cpu)} of CPU`,
  );

  const prof = timed('node', ['--cpu-prof', '--cpu-prof-dir', profDir, ...o.checkArgs], { env: o.env });
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) die('node --cpu-prof wrote no profile');
  out.push(`CPU profile of one run (${fmtMs(prof.ms)} wall): ${path.relative(ROOT, path.join(profDir, file))}`);
  process.stdout.write(`${out.join('\n')}\n${summariseProfile(path.join(profDir, file), ROOT)}`);
}

/**
 * @template {{ status: number | null, stderr: string }} R
 * @param {R} r
 * @param {string} what
 * @returns {R}
 */
function ok(r, what) {
  if (r.status !== 0) die(`${what} failed (exit ${r.status}): ${r.stderr.trim().slice(0, 500)}`);
  return r;
}

/** @param {{ status: number | null, stdout: string, stderr: string }} r */
function parseReport(r) {
  if (r.status === null || r.status > 2) die(`gate check exited ${r.status}:\n${r.stderr.trim().slice(0, 2000)}`);
  try {
    return /** @type {{ as_of: string, verdict: string, results: { verdict: string, halt_reason?: string, evidence?: unknown }[] }} */ (
      JSON.parse(r.stdout)
    );
  } catch {
    return die(`gate check did not print JSON:\n${r.stdout.slice(0, 500)}${r.stderr.slice(0, 500)}`);
  }
}

/** @param {{ results: { verdict: string, halt_reason?: string }[] }} report */
function summarise(report) {
  /** @type {Record<string, number>} */
  const counts = {};
  /** @type {Record<string, number>} */
  const halts = {};
  for (const r of report.results) {
    counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
    if (r.verdict === 'halt') halts[r.halt_reason ?? '?'] = (halts[r.halt_reason ?? '?'] ?? 0) + 1;
  }
  const haltText = Object.entries(halts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, x]) => `${k} ${x}`)
    .join(', ');
  const line = `pass ${counts.pass ?? 0}, fail ${counts.fail ?? 0}, halt ${counts.halt ?? 0}${haltText ? ` (${haltText})` : ''}`;
  return { counts: { ...counts, halts }, line };
}

/** @param {string} dir @returns {number} */
function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** @param {string} url */
function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

await main();

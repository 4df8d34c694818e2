#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench:telemetry`: generates agent telemetry JSONL (default 3,000,000 turns, about
 * 1 GB: Anthropic usage records, OpenTelemetry gen_ai records, fork traces, compaction and
 * injection turns, a few malformed lines) and times `rfcgate telemetry report --json` over it
 * against `wc -l` over the same file in the same run, with the report's peak resident memory.
 * A measurement, not a test: exits 0 whether or not a target is met, non-zero only when it
 * cannot measure.
 *
 *   node bench/telemetry.js [--turns N] [--reps N] [--seed N] [--fresh] [--ids]
 *
 * --ids gives every record what an SDK's log or an OTel exporter writes beside the counters
 * and no metric reads, different on every line: a message id and a request id and a duration
 * (usage records), a response id (spans).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './rng.js';
import { fmtMs, median, min, settle, timed } from './timing.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const WORK = path.join(HERE, '.work');
const BIN = path.join(ROOT, 'bin', 'run.js');
const RSS_HOOK = path.join(HERE, 'rss-hook.js');
const TARGET_RATIO = 8;
const TARGET_RSS_MB = 200;
const AS_OF = '2026-06-01T00:00:00.000Z';
/** Sessions running at once: their turns interleave in the file, as a shared writer's would. */
const ACTIVE = 64;

const log = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);
/** @param {string} s @returns {never} */
function die(s) {
  process.stderr.write(`bench:telemetry: ${s}\n`);
  process.exit(1);
}
const n = (/** @type {number} */ x) => x.toLocaleString('en-US');

function parseArgs(/** @type {string[]} */ argv) {
  const o = { turns: 3_000_000, reps: 3, seed: 20260601, fresh: false, ids: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) die(`${a} takes a positive whole number`);
      return v;
    };
    if (a === '--turns') o.turns = next();
    else if (a === '--reps') o.reps = next();
    else if (a === '--seed') o.seed = next();
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--ids') o.ids = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node bench/telemetry.js [--turns N] [--reps N] [--seed N] [--fresh] [--ids]\n');
      process.exit(0);
    } else die(`unknown argument ${a}`);
  }
  return o;
}

/**
 * Writes the file: sessions of 20–180 turns, ACTIVE at a time, a turn every ~0.3 s overall,
 * ending just before AS_OF. Every line is one record; returns what was written.
 * @param {string} file
 * @param {{ turns: number, seed: number, ids: boolean }} o
 */
async function generate(file, o) {
  const r = rng(o.seed);
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const id = (/** @type {string} */ prefix) => {
    let x = prefix;
    for (let k = 0; k < 24; k++) x += ALPHABET[r.int(0, ALPHABET.length - 1)];
    return x;
  };
  const out = createWriteStream(file);
  const end = Date.parse(AS_OF) - 60_000;
  const step = 300;
  let t = end - o.turns * step;
  let written = 0;
  let lines = 0;
  let buf = '';
  let nextId = 0;
  /** @type {{ id: string, turn: number, left: number, prefix: number, otel: boolean, compactedAt: number }[]} */
  const active = [];
  const newSession = () => ({
    id: `sess-${(nextId++).toString(36).padStart(6, '0')}`,
    turn: 0,
    left: r.int(20, 180),
    prefix: r.int(3000, 9000),
    otel: r.chance(0.1),
    compactedAt: -1,
  });
  for (let i = 0; i < ACTIVE; i++) active.push(newSession());
  const flush = async () => {
    if (!out.write(buf)) await new Promise((res) => out.once('drain', res));
    buf = '';
  };
  while (written < o.turns) {
    const k = r.int(0, ACTIVE - 1);
    const s = /** @type {(typeof active)[number]} */ (active[k]);
    s.turn++;
    t += step;
    const ts = new Date(t).toISOString();
    const first = s.turn === 1;
    const compaction = !first && r.chance(0.01);
    const injection = !first && !compaction && r.chance(0.03);
    // A broken compaction or injection, now and then, so the invariants have something to find.
    const afterCompaction = s.compactedAt === s.turn - 1;
    const missed = first || (afterCompaction && r.chance(0.2)) || (injection && r.chance(0.1)) || r.chance(0.02);
    const input = r.int(50, 1500);
    const read = missed ? 0 : s.prefix;
    const created = missed ? s.prefix : r.int(0, 900);
    if (s.otel) {
      buf += `${JSON.stringify({
        name: 'chat claude-sonnet-4-5',
        ts,
        turn: s.turn,
        ...(compaction ? { compaction: true } : {}),
        ...(injection ? { injection: true } : {}),
        attributes: {
          'gen_ai.conversation.id': s.id,
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'claude-sonnet-4-5',
          ...(o.ids ? { 'gen_ai.response.id': id('msg_') } : {}),
          'gen_ai.usage.input_tokens': input + read + created,
          'gen_ai.usage.output_tokens': r.int(20, 2000),
          'gen_ai.usage.cache_read.input_tokens': read,
          'gen_ai.usage.cache_creation.input_tokens': created,
        },
      })}\n`;
    } else {
      const oneHour = r.chance(0.2);
      buf += `${JSON.stringify({
        ...(o.ids ? { id: id('msg_'), request_id: id('req_') } : {}),
        session_id: s.id,
        turn: s.turn,
        ts,
        ...(o.ids ? { duration_ms: r.int(300, 90_000) } : {}),
        model: 'claude-sonnet-4-5',
        ...(compaction ? { compaction: true } : {}),
        ...(injection ? { injection: true } : {}),
        cache_breakpoints: r.chance(0.001) ? 5 : 3,
        usage: {
          input_tokens: input,
          output_tokens: r.int(20, 2000),
          cache_creation_input_tokens: created,
          cache_read_input_tokens: read,
          cache_creation: {
            ephemeral_5m_input_tokens: oneHour ? 0 : created,
            ephemeral_1h_input_tokens: oneHour ? created : 0,
          },
          server_tool_use: null,
          service_tier: 'standard',
        },
      })}\n`;
    }
    lines++;
    written++;
    if (missed && !first) {
      const misses = afterCompaction || injection ? ['message_prefix'] : [r.pick(['system_prompt', 'tools', 'model'])];
      buf += `${JSON.stringify({ type: 'fork_trace', session_id: s.id, turn: s.turn, ts, misses })}\n`;
      lines++;
    }
    if (r.chance(0.0001)) {
      buf += '{"session_id": "truncated-by-a-crash", "turn": 3, "ts": "2026-05\n';
      lines++;
    }
    if (compaction) s.compactedAt = s.turn;
    s.prefix += missed ? 0 : created;
    if (--s.left === 0) active[k] = newSession();
    if (buf.length > 1 << 20) await flush();
  }
  await flush();
  await new Promise((res, rej) => out.end((/** @type {Error | undefined} */ e) => (e ? rej(e) : res(undefined))));
  return { lines, sessions: nextId };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'commands', 'telemetry', 'report.js'))) {
    die('dist/ is missing or stale: run `npm run build` first');
  }
  mkdirSync(WORK, { recursive: true });
  const file = path.join(WORK, `telemetry-${o.turns}-${o.seed}${o.ids ? '-ids' : ''}.jsonl`);
  const meta = `${file}.meta`;
  // Reused only when made by this very generator (its source) with these parameters and left unchanged.
  const fingerprint = createHash('sha256')
    .update(generate.toString())
    .update(JSON.stringify({ ACTIVE, AS_OF }))
    .update(JSON.stringify({ turns: o.turns, seed: o.seed, ...(o.ids ? { ids: true } : {}) }))
    .digest('hex');
  const saved = existsSync(meta) ? JSON.parse(readFileSync(meta, 'utf8')) : undefined;
  let info;
  if (!o.fresh && saved?.fingerprint === fingerprint && existsSync(file) && statSync(file).size === saved.bytes) {
    info = saved;
    log(`reusing ${path.relative(ROOT, file)} (${n(saved.bytes)} bytes, ${n(saved.lines)} lines)`);
  } else {
    rmSync(meta, { force: true });
    log(`generating ${n(o.turns)} turns into ${path.relative(ROOT, file)} …`);
    const t0 = Date.now();
    const g = await generate(file, o);
    settle();
    info = { fingerprint, bytes: statSync(file).size, lines: g.lines, sessions: g.sessions };
    writeFileSync(meta, JSON.stringify(info));
    log(
      `  ${n(info.bytes)} bytes, ${n(g.lines)} lines, ${n(g.sessions)} sessions in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }

  const rssFile = path.join(WORK, 'telemetry-rss.txt');
  const report = () =>
    timed(
      process.execPath,
      ['--import', RSS_HOOK, BIN, 'telemetry', 'report', '--files', file, '--as-of', AS_OF, '--json'],
      { cwd: WORK, env: { ...process.env, BENCH_RSS_OUT: rssFile } },
    );
  const wc = () => timed('wc', ['-l', file]);
  const jsonFloor = () => timed(process.execPath, [path.join(HERE, 'json-floor.js'), file]);

  // One warm-up of each: the file is in the page cache for both, as it is for a second reader.
  log('warm-up …');
  const first = report();
  if (first.status !== 0) die(`telemetry report exited ${first.status}: ${first.stderr.trim()}`);
  /** @type {{ overall: { turns: number, cache_hit_ratio: number }, sessions: unknown[], malformed: { count: number }, invariants: Record<string, { checked: number, violations: unknown[] }> }} */
  const parsed = JSON.parse(first.stdout);
  const wcLines = Number(wc().stdout.trim().split(/\s+/)[0]);
  if (wcLines !== info.lines) die(`wc -l counts ${wcLines} lines, the generator wrote ${info.lines}`);
  if (parsed.overall.turns !== o.turns) die(`the report counts ${parsed.overall.turns} turns, not ${o.turns}`);

  /** @type {number[]} */ const tReport = [];
  /** @type {number[]} */ const tWc = [];
  /** @type {number[]} */ const rss = [];
  /** @type {number[]} */ const tJson = [];
  for (let i = 0; i < o.reps; i++) {
    log(`round ${i + 1}/${o.reps} …`);
    const w = wc();
    if (w.status !== 0) die('wc -l failed');
    tWc.push(w.ms);
    const j = jsonFloor();
    if (j.status !== 0) die('the JSON floor failed');
    tJson.push(j.ms);
    const rr = report();
    if (rr.status !== 0) die(`telemetry report exited ${rr.status}`);
    if (rr.stdout !== first.stdout) die('telemetry report printed a different report on a rerun');
    tReport.push(rr.ms);
    rss.push(Number(readFileSync(rssFile, 'utf8')) / 1024);
  }

  const ratioMed = median(tReport) / median(tWc);
  const ratioMin = min(tReport) / min(tWc);
  const peak = Math.max(...rss);
  const load = os.loadavg()[0] ?? 0;
  const lines = [
    '',
    `  input: ${n(info.bytes)} bytes (${(info.bytes / 2 ** 30).toFixed(2)} GiB), ${n(info.lines)} lines, ${n(o.turns)} turns, ${n(parsed.sessions.length)} sessions, ${n(parsed.malformed.count)} malformed lines`,
    `  result: hit ratio ${parsed.overall.cache_hit_ratio.toFixed(4)}; compaction checked ${n(parsed.invariants.compaction_cache_stable?.checked ?? 0)}, violations ${n(parsed.invariants.compaction_cache_stable?.violations.length ?? 0)}`,
    '',
    `  measured                                        median        min`,
    `  rfcgate telemetry report --json (${o.reps} runs)   ${fmtMs(median(tReport)).padStart(10)} ${fmtMs(min(tReport)).padStart(10)}`,
    `  floor: wc -l on the same file                ${fmtMs(median(tWc)).padStart(10)} ${fmtMs(min(tWc)).padStart(10)}`,
    `  (split + JSON.parse every line, no target)   ${fmtMs(median(tJson)).padStart(10)} ${fmtMs(min(tJson)).padStart(10)}`,
    '',
    `  ratio / memory                                  median        min     target`,
    `  report / wc -l                               ${`${ratioMed.toFixed(2)}×`.padStart(10)} ${`${ratioMin.toFixed(2)}×`.padStart(10)}   ≤ ${TARGET_RATIO}×  ${ratioMed <= TARGET_RATIO ? 'met' : 'TARGET MISSED'}`,
    `  (report / JSON floor, no target)             ${`${(median(tReport) / median(tJson)).toFixed(2)}×`.padStart(10)} ${`${(min(tReport) / min(tJson)).toFixed(2)}×`.padStart(10)}`,
    `  peak resident memory of the report           ${`${median(rss).toFixed(0)} MB`.padStart(10)} ${`${Math.min(...rss).toFixed(0)} MB`.padStart(10)}   < ${TARGET_RSS_MB} MB ${peak < TARGET_RSS_MB ? 'met' : 'TARGET MISSED'} (max ${peak.toFixed(0)} MB)`,
  ];
  if (load > os.cpus().length * 0.75)
    lines.push(`  note: load average ${load.toFixed(2)} on ${os.cpus().length} cores: timings may be noisy`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => die(e instanceof Error ? (e.stack ?? e.message) : String(e)));

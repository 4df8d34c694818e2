// @ts-check
/**
 * Generates the governed repository: 20,000 commits (mainline, merged topic branches and
 * two unmerged branches) over about a year, by several authors, touching a few hundred
 * paths, written with one `git fast-import` so it takes seconds. Late in history it adds
 * elixir/handler_dispatch/, the Markdown artifacts under docs/profiles/, docs/handoffs/ and
 * docs/proposals/, and finally the spec folder gates/bench/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { AUTHORS, HISTORY_END_MS, HISTORY_START_MS, OPERATORS } from './model.js';
import { rng } from './rng.js';

/** @typedef {{ path: string, born: number }} PathDef */

/** @param {number} n @param {(i: number) => string} f */
const times = (n, f) => Array.from({ length: n }, (_, i) => f(i));

const PY_CORE = ['ode', 'eisv', 'calibration', 'thresholds', 'decay', 'coherence', 'drift', 'risk', 'weights'];
const MCP = ['process_agent_update', 'onboard', 'knowledge', 'dialectic', 'lease', 'identity', 'health', 'admin'];
const APPS = ['lease_plane', 'boundary', 'identity', 'saga', 'ets_cache', 'comparator'];
const EX_MODULES = [
  'server',
  'supervisor',
  'client',
  'codec',
  'store',
  'telemetry',
  'config',
  'worker',
  'registry',
  'pool',
];

/** Every ordinary path with the fraction of history at which it can first be touched. */
function ordinaryPaths() {
  /** @type {PathDef[]} */
  const out = [];
  const add = (/** @type {string} */ path, born = 0) => out.push({ path, born });
  for (const m of PY_CORE)
    for (const part of ['', '_math', '_api', '_types']) add(`lib/governance_core/${m}${part}.py`);
  for (const h of MCP) {
    for (const part of ['handler', 'schema', 'service', 'repo', 'views']) add(`src/governance_mcp/${h}/${part}.py`);
  }
  APPS.forEach((app, k) => {
    for (const mod of EX_MODULES) add(`elixir/apps/${app}/lib/${app}/${mod}.ex`, 0.3 + k * 0.08);
  });
  for (const mod of [
    'router',
    'registry',
    'dispatcher',
    'middleware',
    'codec',
    'telemetry',
    'fallback',
    'supervisor',
  ]) {
    add(`elixir/handler_dispatch/lib/${mod}.ex`, 0.86);
    add(`elixir/handler_dispatch/test/${mod}_test.exs`, 0.87);
  }
  for (const k of times(30, (i) => String(i))) add(`tests/unit/test_${PY_CORE[Number(k) % PY_CORE.length]}_${k}.py`);
  for (const k of times(20, (i) => String(i))) add(`tests/integration/test_${MCP[Number(k) % MCP.length]}_${k}.py`);
  for (let i = 1; i <= 40; i++) {
    add(`migrations/${String(i).padStart(4, '0')}_${['audit', 'core', 'coordination', 'identity'][i % 4]}.sql`, i / 41);
  }
  for (const c of ['dev', 'test', 'prod', 'canary', 'staging', 'logging', 'telemetry', 'leases', 'pool', 'features']) {
    add(`config/${c}.yaml`);
  }
  for (const w of ['ci', 'release', 'nightly', 'bench']) add(`.github/workflows/${w}.yml`);
  for (const d of times(15, (i) => `docs/architecture/adr-${String(i + 1).padStart(3, '0')}.md`)) add(d);
  for (const d of times(10, (i) => `docs/runbooks/runbook-${i + 1}.md`)) add(d, 0.2);
  for (const f of ['README.md', 'mix.exs', 'pyproject.toml', 'Makefile', 'rfcs/wave3.md', '.gitignore']) add(f);
  return out;
}

const VERBS = ['add', 'fix', 'refactor', 'tighten', 'document', 'speed up', 'simplify', 'rename', 'test', 'harden'];
const NOUNS = [
  'lease renewal',
  'boundary codec',
  'agent update path',
  'calibration decay',
  'ETS cache warmup',
  'saga compensation',
  'identity middleware',
  'dialectic reviewer pick',
  'knowledge graph query',
  'pool checkout timeout',
  'telemetry spans',
  'migration ordering',
];
const KINDS = ['feat', 'fix', 'chore', 'refactor', 'test', 'docs', 'perf'];

/**
 * @param {ReturnType<typeof rng>} r
 * @param {string[]} files
 */
function message(r, files) {
  const scope = (files[0] ?? 'repo').split('/')[1]?.replace(/\.\w+$/, '') ?? 'repo';
  let subject = `${r.pick(KINDS)}(${scope}): ${r.pick(VERBS)} ${r.pick(NOUNS)}`;
  if (r.chance(0.06)) subject = `[wave3] ${subject}`;
  if (r.chance(0.01)) subject = `Revert "${subject}"`;
  if (r.chance(0.004)) subject = `hotfix: ${r.pick(NOUNS)} regression`;
  const body = [];
  if (r.chance(0.4)) body.push(`Touches ${files.join(', ')}.`);
  if (r.chance(0.003)) body.push('BREAKING CHANGE: the lease renewal RPC takes an explicit deadline.');
  if (r.chance(0.05)) {
    const co = r.pick(AUTHORS);
    body.push(`Co-authored-by: ${co.name} <${co.email}>`);
  }
  return body.length ? `${subject}\n\n${body.join('\n')}\n` : `${subject}\n`;
}

/** @param {string} path @param {number} rev @param {number} seed */
function fileContent(path, rev, seed) {
  const r = rng(seed ^ hash(path));
  const n = 12 + r.int(0, 28);
  const lines = [`# ${path}`];
  for (let i = 0; i < n; i++) lines.push(`value_${i} = ${r.int(0, 99999)}  # ${r.pick(NOUNS)}`);
  lines[1 + (rev % n)] = `value_${rev % n} = ${rev}  # revised in revision ${rev}`;
  return `${lines.join('\n')}\n`;
}

/** @param {string} s */
function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** @param {number} ms */
const ymd = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * The Markdown artifacts, each landing at a fraction of history (and some edited later).
 * @returns {{ at: number, path: (date: string) => string, body: (date: string) => string, edit?: number }[]}
 */
function artifacts() {
  return [
    {
      at: 0.8,
      path: (d) => `docs/profiles/ode-profile-${d}.md`,
      body: (d) =>
        `# ODE profile (${d})\n\n## Method\n\npy-spy over 7 days of production traffic.\n\n## Result\n\ngovernance_core share of process_agent_update p99: 71.4%\n`,
    },
    {
      at: 0.83,
      edit: 0.84,
      path: (d) => `docs/handoffs/wave-3-mcp-sdk-spike-${d}.md`,
      body: (d) =>
        `# MCP SDK spike (${d})\n\n## Findings\n\n| check | result |\n|---|---|\n| streaming | ok |\n| cancellation | ok |\n| auth | ok |\n\n## Verdict\n\nProduction-disqualifying failure: no\n\nJudgement: proceed with the SDK.\n`,
    },
    {
      at: 0.88,
      path: (d) => `docs/proposals/wave-3-go-decision-${d}.md`,
      body: (d) =>
        `# Wave 3 go decision (${d})\n\n## Calendar reasoning\n\n| item | original window | slip |\n|---|---|---|\n| identity middleware | 6w | 1w |\n| dialectic on BEAM | 4w | 0.5w |\n\nLargest slip: 16.7%\n\n## Judgement\n\nJudgement: go\n`,
    },
    {
      at: 0.9,
      edit: 0.91,
      path: (d) => `docs/handoffs/wave-3-state-ownership-redteam-${d}.md`,
      body: (d) =>
        `# State-ownership red team (${d})\n\n## Surfaces\n\n| surface | owner | re-derivable |\n|---|---|---|\n| A leases | lease_plane | yes |\n| B sessions | identity | yes |\n| C sagas | saga | yes |\n| D ETS | ets_cache | yes |\n| E calibration | governance_core | yes |\n| F knowledge | governance_mcp | yes |\n| G dialectic | governance_mcp | yes |\n| H audit | audit | no |\n\nSurfaces beyond the eight: 0\nRe-derivable surfaces: 7 of 8\n\n## Non-surfaces\n\n- the comparator's scratch tables\n- telemetry buffers\n`,
    },
    {
      at: 0.93,
      path: (d) => `docs/profiles/ode-profile-${d}.md`,
      body: (d) =>
        `# ODE profile, second pass (${d})\n\n## Method\n\npy-spy and eBPF, 7 days.\n\n## Result\n\ngovernance_core share of process_agent_update p99: 58.2%\n`,
    },
    {
      at: 0.95,
      path: (d) => `docs/handoffs/wave-3-parity-review-${d}.md`,
      body: (d) =>
        `# Parity review (${d})\n\n## Captures\n\n| class | captures | diffs |\n|---|---|---|\n| golden | 412 | 0 |\n| fuzz | 1200 | TBD |\n\n## Sign-off\n\nSigned-off-by:\n`,
    },
    ...['lease-plane', 'identity', 'saga', 'ets', 'comparator', 'dialectic'].map((topic, k) => ({
      at: 0.7 + k * 0.045,
      edit: k % 2 === 0 ? 0.72 + k * 0.045 : undefined,
      path: (/** @type {string} */ d) => `docs/handoffs/wave-3-${topic}-handoff-${d}.md`,
      body: (/** @type {string} */ d) =>
        `# ${topic} hand-off (${d})\n\n## Summary\n\nThe ${topic} work moves to BEAM.\n\n## Readiness\n\n| check | state |\n|---|---|\n| runbook | done |\n| alerts | done |\n| owner | ${k % 3 === 2 ? '' : 'on-call rota'} |\n\nReadiness score: ${70 + k * 5}\n\n## Decision\n\nDecision: ${k === 4 ? '' : 'hand over'}\n`,
    })),
  ];
}

/**
 * @param {{ dir: string, seed: number, commits: number, extraFiles: Record<string, string> }} opts
 * @returns {{ commits: number, merges: number, paths: number, branches: string[], ms: number }}
 */
export function generateRepo(opts) {
  const started = performance.now();
  const r = rng(opts.seed);
  const total = opts.commits;
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
  git(opts.dir, ['init', '-q', '-b', 'main']);

  const paths = ordinaryPaths();
  const arts = artifacts();
  /** @type {Map<string, number>} revision of each path on main */
  const revs = new Map();
  /** @type {Buffer[]} */
  const chunks = [];
  const emit = (/** @type {string} */ s) => chunks.push(Buffer.from(s, 'utf8'));
  const data = (/** @type {string} */ s) => `data ${Buffer.byteLength(s, 'utf8')}\n${s}\n`;

  const span = HISTORY_END_MS - HISTORY_START_MS;
  let clock = HISTORY_START_MS;
  let mark = 0;
  let made = 0;
  let merges = 0;
  /** @type {Set<string>} every path ever written */
  const touched = new Set();

  const tick = () => {
    // Keep the clock on schedule so the history ends near HISTORY_END_MS.
    const target = HISTORY_START_MS + (made / total) * span;
    clock = Math.max(clock + 1000, target + r.int(-1200, 1200) * 1000);
    return Math.floor(clock / 1000);
  };
  const tz = () => r.pick(['+0000', '+0100', '+0200', '-0500', '+0530', '+0900']);

  /**
   * @param {string} ref
   * @param {{ name: string, email: string }} who
   * @param {string} msg
   * @param {[string, string][]} files path, content
   * @param {{ from?: number, merge?: number }} [links]
   */
  const commit = (ref, who, msg, files, links = {}) => {
    const when = tick();
    const authored = r.chance(0.2) ? when - r.int(60, 3 * 86400) : when;
    const zone = tz();
    mark++;
    made++;
    let s = `commit ${ref}\nmark :${mark}\n`;
    s += `author ${who.name} <${who.email}> ${authored} ${zone}\n`;
    s += `committer ${who.name} <${who.email}> ${when} ${zone}\n`;
    s += data(msg);
    if (links.from) s += `from :${links.from}\n`;
    if (links.merge) s += `merge :${links.merge}\n`;
    for (const [p, content] of files) {
      s += `M 100644 inline ${p}\n${data(content)}`;
      touched.add(p);
    }
    emit(`${s}\n`);
    return mark;
  };

  /** Ordinary files for a commit at fraction `f` of history. */
  const pickFiles = (/** @type {number} */ f) => {
    const alive = paths.filter((p) => p.born <= f);
    const n = r.chance(0.6) ? 1 : r.int(2, 4);
    // Work clusters: most commits stay in one directory.
    const first = r.pick(alive);
    const dir = first.path.slice(0, first.path.lastIndexOf('/') + 1);
    const near = alive.filter((p) => p.path.startsWith(dir));
    const chosen = new Set([first.path]);
    for (let i = 1; i < n; i++) chosen.add((r.chance(0.7) ? r.pick(near) : r.pick(alive)).path);
    return [...chosen];
  };
  const bump = (/** @type {Map<string, number>} */ m, /** @type {string} */ p) => {
    const v = (m.get(p) ?? 0) + 1;
    m.set(p, v);
    return v;
  };

  // Reserve: 2 unmerged branches (5 + 3 commits) and the spec commit.
  const reserved = 5 + 3 + 1;
  let mainTip = 0;
  /** @type {{ at: number, edit?: number, path: (d: string) => string, body: (d: string) => string, landed?: { path: string, text: string }, edited: boolean }[]} */
  const pending = arts.map((a) => ({ ...a, edited: false }));
  let spikeFrom = 0;
  let wipFrom = 0;

  while (made < total - reserved) {
    const f = made / total;
    const art = pending.find(
      (a) => (!a.landed && f >= a.at) || (a.landed && !a.edited && a.edit !== undefined && f >= a.edit),
    );
    if (art) {
      const who = r.pick(OPERATORS) ?? AUTHORS[0];
      if (!art.landed) {
        const day = ymd(clock);
        art.landed = { path: art.path(day), text: art.body(day) };
        const { path, text } = art.landed;
        mainTip = commit('refs/heads/main', who, `docs: add ${path.split('/').pop()}\n`, [[path, text]]);
      } else {
        art.edited = true;
        const { path, text } = art.landed;
        const reviewed = `${text}\n<!-- reviewed ${ymd(clock)} -->\n`;
        mainTip = commit('refs/heads/main', who, `docs: review ${path.split('/').pop()}\n`, [[path, reviewed]]);
      }
      continue;
    }
    if (!spikeFrom && f >= 0.82) spikeFrom = mainTip;
    if (!wipFrom && f >= 0.97) wipFrom = mainTip;

    if (mainTip && r.chance(0.03) && made + 6 < total - reserved) {
      // A topic branch of 2-4 commits, merged with a merge commit.
      const topicRevs = new Map(revs);
      /** @type {Map<string, string>} */
      const changed = new Map();
      const k = r.int(2, 4);
      const who = r.pick(AUTHORS);
      let tip = mainTip;
      for (let i = 0; i < k; i++) {
        const files = pickFiles(made / total).map(
          (p) => /** @type {[string, string]} */ ([p, fileContent(p, bump(topicRevs, p), opts.seed)]),
        );
        for (const [p, c] of files) changed.set(p, c);
        tip = commit(
          'refs/heads/topic',
          who,
          message(
            r,
            files.map((x) => x[0]),
          ),
          files,
          i === 0 ? { from: tip } : {},
        );
      }
      for (const [p, v] of topicRevs) revs.set(p, v);
      const merger = r.pick(OPERATORS);
      mainTip = commit(
        'refs/heads/main',
        merger,
        `Merge branch 'topic/${r.pick(NOUNS).replace(/ /g, '-')}'\n`,
        [...changed],
        {
          merge: tip,
        },
      );
      merges++;
      continue;
    }
    const files = pickFiles(f).map(
      (p) => /** @type {[string, string]} */ ([p, fileContent(p, bump(revs, p), opts.seed)]),
    );
    mainTip = commit(
      'refs/heads/main',
      r.pick(AUTHORS),
      message(
        r,
        files.map((x) => x[0]),
      ),
      files,
    );
  }

  // Unmerged work, visible only with scope: all.
  let tip = spikeFrom || mainTip;
  for (let i = 0; i < 3; i++) {
    const p = `elixir/apps/boundary/lib/boundary/mcp_sdk_spike_${i}.ex`;
    tip = commit(
      'refs/heads/spike/mcp-sdk',
      AUTHORS[2] ?? AUTHORS[0],
      `spike(mcp): try the SDK transport, step ${i + 1}\n`,
      [[p, fileContent(p, 1, opts.seed)]],
      i === 0 ? { from: tip } : {},
    );
  }
  tip = wipFrom || mainTip;
  for (let i = 0; i < 5; i++) {
    const p = `elixir/apps/ets_cache/lib/ets_cache/reconciler_${i}.ex`;
    tip = commit(
      'refs/heads/wip/ets-reconciler',
      AUTHORS[3] ?? AUTHORS[0],
      `[wave3] wip: ETS reconciler, part ${i + 1}\n`,
      [[p, fileContent(p, 1, opts.seed)]],
      i === 0 ? { from: tip } : {},
    );
  }
  // Last: the spec itself, committed on the mainline like a real RFC folder.
  commit(
    'refs/heads/main',
    OPERATORS[0] ?? AUTHORS[0],
    'gates: add the bench RFC spec\n',
    Object.entries(opts.extraFiles),
  );

  const fi = spawnSync('git', ['fast-import', '--quiet', '--date-format=raw'], {
    cwd: opts.dir,
    input: Buffer.concat(chunks),
    maxBuffer: 64 << 20,
  });
  if (fi.status !== 0) throw new Error(`git fast-import failed: ${fi.stderr.toString()}`);
  git(opts.dir, ['update-ref', '-d', 'refs/heads/topic']);
  git(opts.dir, ['reset', '-q', '--hard', 'main']);
  return {
    commits: made,
    merges,
    paths: touched.size,
    branches: ['main', 'spike/mcp-sdk', 'wip/ets-reconciler'],
    ms: performance.now() - started,
  };
}

/** @param {string} cwd @param {string[]} args */
export function git(cwd, args) {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

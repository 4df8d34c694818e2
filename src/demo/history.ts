/**
 * A Wave 3 repository's history, written in one `git fast-import` stream so a few hundred
 * commits take well under a second: everyday work by several authors over ten weeks, some
 * prerequisite PRs landed and others not, the hand-off documents, and the operators'
 * attestations, each committed by its signer.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { attestation, goDecision, mcpSpike, odeProfile, redTeam } from './artifacts.js';
import type { Rng } from './rng.js';

export interface Person {
  name: string;
  email: string;
}

export const OPERATORS: Person[] = [
  { name: 'Marguerite Okafor', email: 'marguerite.okafor@example.com' },
  { name: 'Tomasz Lindqvist', email: 'tomasz.lindqvist@example.com' },
];
const ENGINEERS: Person[] = [
  { name: 'Priya Raman', email: 'priya.raman@example.com' },
  { name: 'Jonas Weber', email: 'jonas.weber@example.com' },
  { name: 'Aiko Tanaka', email: 'aiko.tanaka@example.com' },
  { name: 'Sam Oduya', email: 'sam.oduya@example.com' },
];
/** What the sandbox keeps out of git: its embedded database and its agent telemetry. */
export const SANDBOX_GITIGNORE = '.rfcgate/\ntelemetry/\n';

const CI_BOT: Person = { name: 'ci-bot', email: 'ci-bot@example.com' };

interface Commit {
  at: Date;
  /** When the work was written, when earlier than `at` (a branch rebased onto main as it landed). */
  authored?: Date;
  author: Person;
  message: string;
  files: Record<string, string>;
}

const EVERYDAY_PATHS = [
  'src/mcp_handlers/handlers.py',
  'src/mcp_handlers/identity_step.py',
  'src/dialectic/session.py',
  'src/dialectic/resolution.py',
  'src/db/schema.sql',
  'governance_core/ode.py',
  'governance_core/integrate.py',
  'tests/test_handlers.py',
  'tests/test_dialectic.py',
  'docs/runbooks/oncall.md',
];

/**
 * The prerequisite PRs as they landed. Those with `authored` were rebased onto main, keeping
 * the date their work was written, so `prereq status` can tell how long each took; the others
 * were squashed at merge, which keeps no earlier date, and it says it cannot tell.
 */
const PREREQS: { at: string; authored?: string; message: string; paths: string[] }[] = [
  {
    at: '2026-04-08T15:00:00Z',
    authored: '2026-04-01T10:20:00Z',
    message: 'PR 1: ODE profile, shadow DDL, comparator, event types, §5.2 boundary audit (#412)',
    paths: [
      'src/db/migrations/040_identity_agent_shadow_tables.sql',
      'scripts/wave3/shadow_comparator.py',
      'src/audit/event_types.py',
      'docs/handoffs/wave-3-boundary-audit-2026-04-08.md',
    ],
  },
  {
    at: '2026-04-14T10:00:00Z',
    authored: '2026-04-09T16:45:00Z',
    message: 'PR 3: boundary payload helper and CI lints (#418)',
    paths: [
      'src/audit/boundary_payload.py',
      'scripts/ci/check-event-type-literals.sh',
      'scripts/ci/check-boundary-payload.sh',
    ],
  },
  {
    at: '2026-04-16T11:30:00Z',
    message: 'PR 4: identity pin integration test (#421)',
    paths: ['tests/integration/test_identity_pin.py'],
  },
  {
    at: '2026-04-22T09:00:00Z',
    authored: '2026-04-15T13:10:00Z',
    message: 'PR 6: latency instrumentation, measurement table, 90-day retention (#427)',
    paths: [
      'src/db/migrations/042_audit_coordination_measurements.sql',
      'src/lease_plane/lease_plane_client.py',
      'src/audit/measurements.py',
      'scripts/ops/drop_expired_measurement_partitions.sql',
    ],
  },
  {
    at: '2026-04-29T14:00:00Z',
    message: 'PR 5: golden captures, masking and parity test (#433)',
    paths: [
      'tests/parity/golden/process_agent_update.json',
      'tests/parity/mask.py',
      'tests/parity/test_response_parity.py',
    ],
  },
  {
    at: '2026-05-06T16:00:00Z',
    authored: '2026-04-27T09:30:00Z',
    message: 'PR 7: saga DDL and state machine (#439)',
    paths: ['src/db/migrations/043_session_resolution_sagas.sql', 'elixir/saga/lib/session_resolution_saga.ex'],
  },
  {
    at: '2026-05-13T13:00:00Z',
    message: 'PR 2 (part): core.feature_flags migration (#444)',
    paths: ['src/db/migrations/041_core_feature_flags.sql'],
  },
];

/** Files of the shipped RFC (gates and document), read from the package so the sandbox governs the real spec. */
function shippedRfc(packageRoot: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else out[relative(packageRoot, abs)] = readFileSync(abs, 'utf8');
    }
  };
  walk(join(packageRoot, 'gates', 'wave3'));
  // The kernel roadmap's prerequisite sequence rides along, so `prereq status --rfc v3-kernel` has history to read.
  walk(join(packageRoot, 'gates', 'v3-kernel'));
  // The schemas the specs' modelines name (../../schemas/), so an editor checks the sandbox's files too.
  walk(join(packageRoot, 'schemas'));
  out['rfcs/wave3.md'] = readFileSync(join(packageRoot, 'rfcs', 'wave3.md'), 'utf8');
  // The council's lane briefs, which council.yaml names.
  walk(join(packageRoot, 'rfcs', 'wave3'));
  return out;
}

export interface HistoryNumbers {
  odeSharePct: number;
  extraSurfaces: number;
  largestSlipPct: number;
}

export function planHistory(rng: Rng, packageRoot: string, numbers: HistoryNumbers): Commit[] {
  const start = Date.parse('2026-03-23T08:00:00Z');
  const end = Date.parse('2026-05-30T18:00:00Z');
  const commits: Commit[] = [];
  commits.push({
    at: new Date(start),
    author: OPERATORS[0] as Person,
    message: 'Import the governance MCP server',
    // Ignored from the first commit on: what the sandbox writes beside its history (the
    // embedded database, telemetry) is never part of a commit nor an untracked change.
    files: { '.gitignore': SANDBOX_GITIGNORE, ...Object.fromEntries(EVERYDAY_PATHS.map((p) => [p, `# ${p}\n`])) },
  });
  commits.push({
    at: new Date(start + 3_600_000),
    author: OPERATORS[0] as Person,
    message: 'gates: encode the Wave 3 RFC v0.3.2',
    files: shippedRfc(packageRoot),
  });
  // Everyday work: roughly five commits a working day for ten weeks.
  const revisions = new Map<string, number>();
  for (let t = start + 7_200_000; t < end; t += rng.int(2, 6) * 3_600_000) {
    const day = new Date(t).getUTCDay();
    if (day === 0 || day === 6) continue;
    const path = rng.pick(EVERYDAY_PATHS);
    const rev = (revisions.get(path) ?? 0) + 1;
    revisions.set(path, rev);
    commits.push({
      at: new Date(t),
      author: rng.pick(ENGINEERS),
      message: `${path
        .split('/')
        .slice(-1)[0]
        ?.replace(/\.\w+$/, '')}: ${rng.pick(['tidy', 'fix', 'refactor', 'test', 'document'])} (rev ${rev})`,
      files: { [path]: `# ${path}\n# revision ${rev}\n` },
    });
  }
  for (const pr of PREREQS) {
    const files = Object.fromEntries(pr.paths.map((p) => [p, `# ${p}\n`]));
    if (pr.message.startsWith('PR 1:'))
      files['docs/profiles/ode-profile-2026-04-08.md'] = odeProfile(numbers.odeSharePct);
    commits.push({
      at: new Date(pr.at),
      ...(pr.authored ? { authored: new Date(pr.authored) } : {}),
      author: rng.pick(ENGINEERS),
      message: pr.message,
      files,
    });
  }
  const dated = (at: string, author: Person, message: string, files: Record<string, string>) =>
    commits.push({ at: new Date(at), author, message, files });
  dated('2026-04-20T17:00:00Z', OPERATORS[1] as Person, 'handoff: MCP SDK spike', {
    'docs/handoffs/wave-3-mcp-sdk-spike-2026-04-20.md': mcpSpike(false),
  });
  dated('2026-05-12T12:00:00Z', OPERATORS[0] as Person, 'handoff: state-ownership red team', {
    'docs/handoffs/wave-3-state-ownership-redteam-2026-05-12.md': redTeam(numbers.extraSurfaces, 8),
  });
  dated('2026-05-26T09:00:00Z', OPERATORS[1] as Person, 'proposal: Wave 3 go decision (draft)', {
    'docs/proposals/wave-3-go-decision-2026-05-26.md': goDecision(numbers.largestSlipPct),
  });
  dated('2026-05-27T10:00:00Z', ENGINEERS[1] as Person, 'dispatch: scaffold elixir/handler_dispatch', {
    'elixir/handler_dispatch/mix.exs': 'defmodule HandlerDispatch.MixProject do\nend\n',
  });
  // v3-kernel: the roadmap anchor with §1's design section (§4's and §3's not written yet),
  // then M3.1a and M3.1b delivered together; §1 compaction not started.
  dated('2026-04-03T11:00:00Z', ENGINEERS[2] as Person, 'docs: add v3 kernel-excellence roadmap anchor', {
    'docs/v3-kernel-roadmap.md':
      '# v3 kernel roadmap\n\nSequence: §2 → §1 → §4 → §3.\n\n## §1 Design\n\n' +
      'Compaction appends a summary and drops the tail; the cached prefix is never rewritten.\n',
  });
  dated(
    '2026-04-24T15:00:00Z',
    ENGINEERS[2] as Person,
    'kernel: M3.1a message-prefix cache_control + M3.1b hit-rate telemetry',
    {
      'kernel/cache/message_prefix_breakpoint.py': '# rolling message-prefix breakpoint\n',
      'kernel/telemetry/cache_hit_rate.py': '# cache_read / (cache_read + input)\n',
      'tests/kernel/test_cache_aligning.py': '# offline-deterministic: FakeModel\n',
    },
  );
  const A = 'gates/wave3/attestations';
  dated('2026-04-02T09:00:00Z', OPERATORS[0] as Person, 'attest: Wave 2 closed', {
    [`${A}/wave2_closed.yaml`]: attestation('wave2_closed', OPERATORS[0] as Person, '2026-04-02', 'closed'),
  });
  // The red team was Okafor's session, so Lindqvist signs it; its ninth surface still fires (D).
  dated('2026-05-13T10:00:00Z', OPERATORS[1] as Person, 'attest: state-ownership red team accepted', {
    [`${A}/redteam_signoff.yaml`]: attestation('redteam_signoff', OPERATORS[1] as Person, '2026-05-13', 'accepted'),
  });
  dated('2026-05-28T08:00:00Z', OPERATORS[1] as Person, 'attest: stop sign #5 clear', {
    [`${A}/stop_sign_5_observation.yaml`]: attestation(
      'stop_sign_5_observation',
      OPERATORS[1] as Person,
      '2026-05-28',
      'clear',
    ),
  });
  dated('2026-05-28T08:05:00Z', OPERATORS[1] as Person, 'attest: stop sign #6 clear', {
    [`${A}/stop_sign_6_observation.yaml`]: attestation(
      'stop_sign_6_observation',
      OPERATORS[1] as Person,
      '2026-05-28',
      'clear',
    ),
  });
  // Written in an operator's name but committed by the CI bot: it must not count.
  dated('2026-05-29T07:00:00Z', CI_BOT, 'ci: record test classes green', {
    [`${A}/test_classes_green.yaml`]: attestation('test_classes_green', OPERATORS[0] as Person, '2026-05-29', 'green'),
  });
  return commits.sort((a, b) => a.at.getTime() - b.at.getTime());
}

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

function stamp(p: Person, at: Date): string {
  return `${p.name} <${p.email}> ${Math.floor(at.getTime() / 1000)} +0000`;
}

export function writeHistory(dir: string, commits: Commit[]): void {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env });
  let stream = '';
  commits.forEach((c, i) => {
    stream += `commit refs/heads/main\nmark :${i + 1}\nauthor ${stamp(c.author, c.authored ?? c.at)}\ncommitter ${stamp(c.author, c.at)}\n`;
    stream += data(c.message);
    if (i > 0) stream += `from :${i}\n`;
    for (const [path, content] of Object.entries(c.files).sort(([a], [b]) => a.localeCompare(b))) {
      stream += `M 100644 inline ${path}\n${data(content)}`;
    }
  });
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: stream, env });
  execFileSync('git', ['checkout', '-q', '-f', 'main'], { cwd: dir, env });
}

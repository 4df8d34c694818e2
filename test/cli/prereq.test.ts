/**
 * `prereq status` as a user runs it: the real binary over a fixture repository that holds
 * its own gates/ folder, and over the RFCs this project ships.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, type FixtureRepo, removeFixtures, shallowClone } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { BIN, type CliRun, runCli as run, runOnce } from '../helpers/cli.js';

const AS_OF = '2026-06-01T00:00:00Z';

const PREREQS = [
  { id: 'one', title: 'First', deliverables: ['src/one.py'] },
  { id: 'two', title: 'Second', deliverables: ['src/two.py', 'src/two_b.py'], depends_on: ['one'] },
  { id: 'three', title: 'Third', deliverables: ['src/three.py'], depends_on: ['two'] },
];

let repo: FixtureRepo;
beforeAll(() => {
  repo = createRepo();
  writeRfc(repo.dir, { raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify(PREREQS) } });
  repo.commit({
    files: { 'gates/demo/prereqs.yaml': modeline('prereqs.yaml') + stringify(PREREQS) },
    message: 'spec',
    date: '2026-05-01T09:00:00Z',
  });
  repo.git(['add', '-f', 'gates']);
  repo.commit({ files: { 'src/one.py': '1\n' }, message: 'one', date: '2026-05-02T10:00:00Z' });
  repo.commit({ files: { 'src/two.py': '2\n' }, message: 'two, half', date: '2026-05-03T10:00:00Z' });
});
afterAll(removeFixtures);

const once = runOnce(run);
/** `rfcgate prereq status <args>` on the repository beforeAll builds, which no case changes (nor its shallow clone). */
const status = (args: string[], dir = repo.dir): CliRun => once(['prereq', 'status', ...args], dir);
let shallowDir: string | undefined;
const shallow = () => (shallowDir ??= shallowClone(repo).dir);

describe('prereq status', () => {
  it('prints the DAG as a tree with statuses, what can start and the critical path; exit 0', () => {
    const r = status(['--as-of', AS_OF]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ one landed {2}First$/m);
    expect(r.stdout).toMatch(/^└─ ◐ two partial {2}Second$/m);
    expect(r.stdout).toMatch(/missing: src\/two_b\.py/);
    expect(r.stdout).toMatch(/^ {3}└─ ✗ three blocked {2}Third$/m);
    expect(r.stdout).toMatch(/^critical path: two → three$/m);
  });

  it('--json is deterministic and --format mermaid/dot/markdown render the same DAG', () => {
    const a = status(['--as-of', AS_OF, '--json']);
    const b = status(['--as-of', AS_OF, '--format', 'json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const report = JSON.parse(a.stdout);
    expect(report).toMatchObject({
      rfc: 'demo',
      ref: 'main',
      state: 'ok',
      counts: { landed: 1, partial: 1, blocked: 1 },
    });
    expect(status(['--as-of', AS_OF, '--format', 'mermaid']).stdout).toMatch(/^flowchart LR$/m);
    expect(status(['--as-of', AS_OF, '--format', 'dot']).stdout).toContain('"one" -> "two";');
    expect(status(['--as-of', AS_OF, '--format', 'markdown']).stdout).toContain('| ◐ | `two` | Second | partial |');
  });

  it('--format repeats: name=file writes that report whole, one report goes to standard output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfcgate-prereq-out-'));
    try {
      const dot = join(dir, 'prereqs.dot');
      const md = join(dir, 'summary.md');
      const r = run(
        ['prereq', 'status', '--as-of', AS_OF, '--format', `dot=${dot}`, '--format', `markdown=${md}`, '--json'],
        repo.dir,
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(status(['--as-of', AS_OF, '--json']).stdout);
      expect(readFileSync(dot, 'utf8')).toBe(status(['--as-of', AS_OF, '--format', 'dot']).stdout);
      expect(readFileSync(md, 'utf8')).toContain('| ◐ | `two` | Second | partial |');
      expect(readdirSync(dir).sort()).toEqual(['prereqs.dot', 'summary.md']);
      // Without a file, the table is the report on standard output.
      const table = status(['--as-of', AS_OF, '--format', `dot=${dot}`]);
      expect(table.stdout).toBe(status(['--as-of', AS_OF]).stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const two = status(['--as-of', AS_OF, '--format', 'mermaid', '--json']);
    expect(two.code).toBe(3);
    expect(two.stderr).toMatch(/^error: only one report can go to standard output \(got mermaid and json\)/);
    // One value per --format: a second word is refused as a stray argument, saying how to ask for both.
    const greedy = status(['--as-of', AS_OF, '--format', 'json', 'mermaid']);
    expect(greedy.code).toBe(3);
    expect(greedy.stderr).toBe(
      "error: rfcgate prereq status takes no arguments, but was given 'mermaid'; --format takes one value each time: repeat it (rfcgate prereq status --format json --format mermaid)\n",
    );
    // The JSON asked for on stdout is the error's, in oclif's shape.
    expect(JSON.parse(greedy.stdout)).toMatchObject({ error: { name: 'UsageError', exit: 3 } });
    const bad = status(['--as-of', AS_OF, '--format', 'svg']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(
      /^error: --format 'svg' is not a prereq status format; use one of table, json, mermaid, dot, markdown/,
    );
  });

  it('exit 2 on a shallow clone (with the fix) and on a mainline that does not exist (naming the branches)', () => {
    const s = status(['--as-of', AS_OF], shallow());
    expect(s.code).toBe(2);
    expect(s.stdout).toMatch(/HALT \(missing\): this is a shallow clone.*fetch-depth: 0/);
    // Said once, in the HALT line, not again under every prereq; JSON keeps it on each.
    expect(s.stdout.match(/shallow clone/g)).toHaveLength(1);
    expect(s.stdout).toMatch(/^ {4}unknown: see the HALT above$/m);
    const md = status(['--as-of', AS_OF, '--format', 'markdown'], shallow());
    expect(md.code).toBe(2);
    expect(md.stdout.match(/shallow clone/g)).toHaveLength(1);
    expect(md.stdout).toMatch(/ \| unknown: see the HALT above \|$/m);
    const json = JSON.parse(status(['--as-of', AS_OF, '--json'], shallow()).stdout) as {
      prereqs: { reason: string }[];
    };
    expect(json.prereqs.every((p) => /shallow clone/.test(p.reason))).toBe(true);
    const m = status(['--as-of', AS_OF, '--ref', 'trunk']);
    expect(m.code).toBe(2);
    expect(m.stdout).toMatch(
      /the mainline 'trunk', named by --ref, does not exist in this clone; branches that do: main; fetch it from the remote that has it, or check --ref\n/,
    );
  });

  it('when git cannot answer, says what can start and the critical path cannot be computed, in every format', () => {
    const args = ['--as-of', AS_OF, '--ref', 'trunk'];
    const table = status(args);
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(
      /^can start now: cannot be computed \(git could not answer, so every status is unknown\)$/m,
    );
    expect(table.stdout).toMatch(
      /^critical path: cannot be computed \(git could not answer, so every status is unknown\)$/m,
    );
    expect(table.stdout).not.toMatch(/one → two|: none/);
    const json = status([...args, '--json']);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ state: 'halt', can_start: null, critical_path: null });
    const md = status([...args, '--format', 'markdown']).stdout;
    expect(md).toMatch(/Can start now: cannot be computed \(git could not answer, so every status is unknown\)\./);
    expect(md).toMatch(/^Critical path: cannot be computed \(git could not answer, so every status is unknown\)\.$/m);
    const shallowJson = status(['--as-of', AS_OF, '--json'], shallow());
    expect(JSON.parse(shallowJson.stdout)).toMatchObject({ state: 'halt', can_start: null, critical_path: null });
    // Answered, they are lists as before.
    expect(JSON.parse(status(['--as-of', AS_OF, '--json']).stdout)).toMatchObject({
      state: 'ok',
      can_start: [],
      critical_path: ['two', 'three'],
    });
  });

  it('as of an instant before the first commit, says nothing existed and no prereq had started, not that git could not answer', () => {
    const args = ['--as-of', '2026-04-01T00:00:00Z'];
    const table = status(args);
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(
      /^HALT \(missing\): no commit on 'main' is dated at or before 2026-04-01T00:00:00\.000Z, so nothing existed as of that instant$/m,
    );
    expect(table.stdout).not.toMatch(/git could not answer|see the HALT above/);
    // Under each of the three prereqs, on its own detail line.
    expect(
      table.stdout.match(/^[ │]* {4}not started: nothing existed on the mainline as of that instant$/gm),
    ).toHaveLength(3);
    expect(table.stdout).toMatch(
      /^can start now: cannot be computed \(nothing existed as of that instant, so no prereq had started\)$/m,
    );
    expect(table.stdout).toMatch(
      /^critical path: cannot be computed \(nothing existed as of that instant, so no prereq had started\)$/m,
    );
    const md = status([...args, '--format', 'markdown']).stdout;
    expect(md).not.toMatch(/git could not answer/);
    expect(md).toMatch(
      /^Critical path: cannot be computed \(nothing existed as of that instant, so no prereq had started\)\.$/m,
    );
    expect(md).toMatch(/ \| not started: nothing existed on the mainline as of that instant \|$/m);
    const json = status([...args, '--json']);
    expect(json.code).toBe(2);
    // The verdict is what it was: a halt, every status unknown; only the words change.
    expect(JSON.parse(json.stdout)).toMatchObject({
      state: 'halt',
      halt: { reason: 'missing', nothing_existed: true },
      counts: { unknown: 3 },
      can_start: null,
      critical_path: null,
    });
    // A mainline git cannot find is still said as such, without the mark.
    expect(JSON.parse(status(['--as-of', AS_OF, '--ref', 'trunk', '--json']).stdout).halt).not.toHaveProperty(
      'nothing_existed',
    );
  });

  it('halts (exit 2) when git cannot read the history, as with a git older than 2.31, rather than crashing', () => {
    const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    const bin = mkdtempSync(join(tmpdir(), 'rfcgate-oldgit-'));
    try {
      // As git 2.30 answers an option it does not know; the tree is read slowly, so the
      // history fails while it is still being read. Everything else is the real git.
      writeFileSync(
        join(bin, 'git'),
        `#!/bin/sh\nfor a in "$@"; do case "$a" in --diff-merges*) echo "fatal: unrecognized argument: $a" >&2; exit 128;; ls-tree) sleep 1;; esac; done\nexec '${real}' "$@"\n`,
      );
      chmodSync(join(bin, 'git'), 0o755);
      const { DATABASE_URL: _ignored, ...inherited } = process.env;
      const r = spawnSync(process.execPath, [BIN, 'prereq', 'status', '--json'], {
        cwd: repo.dir,
        env: { ...inherited, NO_COLOR: '1', PATH: `${bin}:${process.env.PATH ?? ''}` },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(2);
      const report = JSON.parse(r.stdout) as { state: string; halt: { reason: string; message: string } };
      expect(report.state).toBe('halt');
      expect(report.halt.reason).toBe('error');
      expect(report.halt.message).toMatch(/older than 2\.31.*install git 2\.31 or later/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('exit 3 on a --ref that cannot name a branch, instead of looking it up', () => {
    for (const ref of ['', '-x']) {
      const r = status(['--as-of', AS_OF, `--ref=${ref}`]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        ref === '' ? /^error: --ref is empty: name the mainline branch/ : /^error: --ref '-x' starts with '-'/,
      );
    }
  });

  it('exit 3 on a --ref that names a tree or a blob rather than a commit, saying which', () => {
    for (const [ref, kind] of [
      ['main^{tree}', 'tree'],
      ['main:src/one.py', 'blob'],
    ]) {
      const r = status(['--as-of', AS_OF, '--ref', ref as string]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: --ref '${ref}' names a ${kind}, not a commit; give the mainline branch, a tag or a commit\n`,
      );
    }
  });

  it("an empty --ref is exit 3, naming what it reads when left out: rfc.yaml's mainline, not HEAD", () => {
    const r = status(['--ref', '']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "error: --ref is empty: name the mainline branch, a tag or a commit (default: rfc.yaml's mainline); in CI, check that the variable filling it is set for this event\n",
    );
  });

  it('spec validate reports a warning beside the errors, not only once they are fixed', () => {
    const bad = createRepo();
    const prereqs = [
      { id: 'p', title: 'P', deliverables: ['src/p.py', '/abs/p.py'] },
      { id: 'q', title: 'Q', deliverables: ['q'], depends_on: ['zz'] },
    ];
    writeRfc(bad.dir, { raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify(prereqs) } });
    const r = run(['spec', 'validate'], bad.dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('demo: 1 problem\n');
    expect(r.stderr).toBe(
      [
        "gates/demo/prereqs.yaml:6:7: warning: prereq 'p': deliverable '/abs/p.py' can never match a repository path: it is absolute; deliverables are relative to the repository root",
        "gates/demo/prereqs.yaml:12:7: prereq 'q': depends_on names unknown prereq 'zz'",
        '',
      ].join('\n'),
    );
    const json = JSON.parse(run(['spec', 'validate', '--json'], bad.dir).stdout) as [
      { problems: { severity: string }[] },
    ];
    expect(json[0].problems.map((p) => p.severity)).toEqual(['warning', 'error']);
  });

  it('says on stderr when read as of now it passed over a mainline tip dated in the future; the JSON keeps its shape', () => {
    const skewed = createRepo();
    writeRfc(skewed.dir, { raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify(PREREQS) } });
    skewed.git(['add', '-f', 'gates']);
    const parent = skewed.commit({ files: { 'src/one.py': '1\n' }, message: 'one', date: '2026-05-02T10:00:00Z' });
    const ahead = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const tip = skewed.commit({ files: { 'src/two.py': '2\n', 'src/two_b.py': '2\n' }, message: 'two', date: ahead });
    const now = run(['prereq', 'status', '--json'], skewed.dir);
    expect(now.code).toBe(0);
    expect(now.stderr).toBe(
      `note: the commit at 'main' (${tip.slice(0, 12)}) is dated ${new Date(ahead).toISOString()}, in the future (its committer's clock runs fast), so it does not count yet and ${parent.slice(0, 12)} before it was read; fix that clock and commit again\n`,
    );
    const report = JSON.parse(now.stdout) as { resolved_sha: string; prereqs: { id: string; status: string }[] };
    expect(report.resolved_sha).toBe(parent);
    expect(report.prereqs.find((p) => p.id === 'two')?.status).toBe('ready');
    expect(Object.keys(report)).toEqual(Object.keys(JSON.parse(status(['--as-of', AS_OF, '--json']).stdout) as object));
    // An instant in the past passes over later commits by design: nothing to say.
    expect(run(['prereq', 'status', '--as-of', AS_OF], skewed.dir).stderr).toBe('');
  });

  it('says on stderr when the commit read as of a past instant holds one dated after it', () => {
    const skewed = createRepo();
    writeRfc(skewed.dir, { raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify(PREREQS) } });
    skewed.git(['add', '-f', 'gates']);
    skewed.commit({ files: { 'src/one.py': '1\n' }, message: 'one', date: '2026-05-02T10:00:00Z' });
    // Made on a clock weeks fast: its child is dated before the instant, it after.
    const late = skewed.commit({ files: { 'src/two.py': '2\n' }, message: 'two', date: '2026-07-01T00:00:00Z' });
    const read = skewed.commit({ files: { 'src/two_b.py': '2\n' }, message: 'two b', date: '2026-05-20T00:00:00Z' });
    const r = run(['prereq', 'status', '--as-of', AS_OF, '--json'], skewed.dir);
    expect(r.stderr).toBe(
      `note: ${late.slice(0, 12)}, in the history of ${read.slice(0, 12)} (the commit read as of 2026-06-01T00:00:00.000Z), is dated 2026-07-01T00:00:00.000Z, after that instant: a commit is made after the commits it holds, so a committer's clock ran wrong, and what was read may include work done after 2026-06-01T00:00:00.000Z\n`,
    );
    const report = JSON.parse(r.stdout) as { resolved_sha: string; prereqs: { id: string; status: string }[] };
    expect(report.resolved_sha).toBe(read);
  });

  it('exit 3 on a cycle, naming it', () => {
    const bad = createRepo();
    const cyc = [
      { id: 'p', title: 'P', deliverables: ['p'], depends_on: ['q'] },
      { id: 'q', title: 'Q', deliverables: ['q'], depends_on: ['p'] },
    ];
    writeRfc(bad.dir, { raw: { 'prereqs.yaml': modeline('prereqs.yaml') + stringify(cyc) } });
    const r = run(['prereq', 'status'], bad.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/prereqs depend on each other in a cycle: p → q → p/);
  });

  it('exit 3 when there are no prereqs: an empty prereqs.yaml is named, a missing one is asked for', () => {
    const empty = createRepo();
    writeRfc(empty.dir, { raw: { 'prereqs.yaml': `${modeline('prereqs.yaml')}[]\n` } });
    const r = run(['prereq', 'status'], empty.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('demo declares no prerequisite PRs: gates/demo/prereqs.yaml lists none; add one there');
    const none = createRepo();
    writeRfc(none.dir, {});
    const n = run(['prereq', 'status'], none.dir);
    expect(n.code).toBe(3);
    expect(n.stderr).toContain('demo declares no prerequisite PRs: add gates/demo/prereqs.yaml');
  });

  it('--help documents the exit codes', () => {
    const r = status(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/EXIT CODES/);
    expect(r.stdout).toMatch(/2 {2}git could not answer/);
  });

  it('shows the prereqs this project ships: wave3 and the v3-kernel sequence', () => {
    const w = run(['prereq', 'status', '--rfc', 'wave3', '--json'], resolve('.'));
    expect(w.stderr).toBe('');
    expect(JSON.parse(w.stdout).prereqs.map((p: { id: string }) => p.id)).toEqual([
      'pr1',
      'pr2',
      'pr3',
      'pr4',
      'pr5',
      'pr6',
      'pr7',
      'pr8a',
      'pr8b',
      'pr9',
      'pr10',
    ]);
    const k = run(['prereq', 'status', '--rfc', 'v3-kernel', '--format', 'dot'], resolve('.'));
    expect(k.stdout).toContain('"roadmap" -> "M3.1ab";');
    expect(k.stdout).toContain('"M3.1ab" -> "s1-compaction";');
    expect(k.stdout).toContain('"s1-compaction" -> "s4-self-correction";');
    expect(k.stdout).toContain('"s4-self-correction" -> "s3-background";');
    expect(k.stdout).toContain('"M3.1ab" -> "M3.1c";');
    expect(k.stdout).not.toContain('"s1-compaction" -> "M3.1c";');
  });
});

/**
 * `cite verify` as a user runs it: the real binary over a fixture repository whose cited
 * lines moved between two commits, and over this project's own RFC document.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, createRepo, partialClone, removeFixtures, shallowClone, tempDir } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { type CiteFixture, citeFixture, RFC } from '../cite/fixture.js';
import { BIN, runCli } from '../helpers/cli.js';

// A command stuck opening a named pipe is a failure, not a hung suite.
const run = (args: string[], cwd: string) => runCli(args, cwd, {}, { timeoutMs: 30_000 });

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
const ajv = new AjvDraft04.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const validateSarif = ajv.compile(schema);

function withSpec(fx: CiteFixture): void {
  writeRfc(fx.repo.dir, {
    manifest: {
      id: 'demo',
      title: 'Demo',
      version: 'v1',
      document: 'rfcs/demo.md',
      mainline: 'main',
      operators: [ALICE],
    },
    measurements: [
      { id: 'cite_refuted', verifier: { query: 'citations' } },
      { id: 'cite_drift', verifier: { query: 'citations', verdicts: ['DRIFT'] } },
    ],
    invariants: [
      {
        id: 'CITES',
        title: 'No refuted citations in the RFC',
        section: '§0',
        phase: ['implementation'],
        holds_if: 'cite_refuted == 0',
      },
    ],
    raw: {
      'citations.yaml':
        modeline('citations.yaml') + stringify([{ cite: 'src/db/schema.sql:1', expect: 'core.sessions' }]),
    },
  });
}

let fx: CiteFixture;
beforeAll(() => {
  fx = citeFixture();
  withSpec(fx);
});
afterAll(removeFixtures);

describe('cite verify', () => {
  it("checks the RFC's document against HEAD, counts verdicts like the verifier lane and exits 1", () => {
    const r = run(['cite', 'verify'], fx.repo.dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^rfcs\/demo\.md against HEAD \([0-9a-f]{7}\)$/m);
    expect(r.stdout).toMatch(/^5 VERIFIED \+ 2 DRIFT \+ 3 REFUTED \+ 1 NOT_FOUND \+ 1 AMBIGUOUS: FAIL$/m);
    expect(r.stdout).toMatch(/DRIFT .* handlers\.py:9-10 /);
  });

  it('--json is deterministic and carries the declared claim, the drift fix and the candidates', () => {
    const a = run(['cite', 'verify', '--json'], fx.repo.dir);
    const b = run(['cite', 'verify', '--format', 'json'], fx.repo.dir);
    expect(a.stdout).toBe(b.stdout);
    const report = JSON.parse(a.stdout) as {
      citations: { id: string; verdict: string; expect_source: string; fix?: { to: string }; candidates?: string[] }[];
    };
    const by = (id: string) => report.citations.find((c) => c.id === id);
    expect(by('src/db/schema.sql:1')).toMatchObject({ verdict: 'VERIFIED', expect_source: 'spec' });
    expect(by('handlers.py:9-10')?.fix?.to).toBe('handlers.py:12-13');
    expect(by('util.py:1')?.candidates).toEqual(['lib/util.py', 'tools/util.py']);
  });

  it('--format sarif is valid SARIF 2.1.0, located at each citation in the document, with the drift fix', () => {
    const r = run(['cite', 'verify', '--format', 'sarif'], fx.repo.dir);
    const log = JSON.parse(r.stdout) as Log;
    expect(validateSarif(log) ? [] : validateSarif.errors).toEqual([]);
    const results = log.runs[0]?.results ?? [];
    expect(results).toHaveLength(7);
    const drift = results.find((x) => x.properties?.cite === 'handlers.py:9-10');
    expect(drift?.ruleId).toBe('rfcgate/cite/DRIFT');
    expect(drift?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('rfcs/demo.md');
    expect(drift?.locations?.[0]?.physicalLocation?.region).toMatchObject({
      startLine: 5,
      startColumn: 45,
      endColumn: 61,
    });
    expect(drift?.fixes?.[0]?.artifactChanges[0]?.replacements[0]?.insertedContent?.text).toBe('handlers.py:12-13');
    expect(results.filter((x) => x.level === 'error')).toHaveLength(4);
  });

  it('--format markdown lists the failing citations first', () => {
    const r = run(['cite', 'verify', '--format', 'markdown'], fx.repo.dir);
    const rows = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| verdict') && !l.startsWith('| ---'));
    expect(rows[0]).toMatch(/REFUTED/);
    expect(rows.at(-1)).toMatch(/VERIFIED/);
  });

  it('--since keeps only citations of files changed since that ref', () => {
    const r = run(['cite', 'verify', '--since', fx.v1, '--json'], fx.repo.dir);
    const report = JSON.parse(r.stdout) as { since: { unchanged: number }; citations: unknown[] };
    expect(report.citations).toHaveLength(6);
    expect(report.since.unchanged).toBe(6);
  });

  it('--ref checks an older tree: before the lines moved nothing drifts', () => {
    const r = run(['cite', 'verify', '--ref', fx.v1, '--json'], fx.repo.dir);
    expect((JSON.parse(r.stdout) as { counts: { DRIFT: number } }).counts.DRIFT).toBe(0);
  });

  it('--fix shows the diff and writes nothing; --write applies it and only the drifted lines change', () => {
    const doc = join(fx.repo.dir, 'rfcs/demo.md');
    const shown = run(['cite', 'verify', '--fix'], fx.repo.dir);
    expect(shown.stdout).toMatch(/^--- a\/rfcs\/demo\.md/m);
    expect(shown.stdout).toMatch(
      /^\+The lock helper `lock_for\(\)` is defined at `handlers\.py:12-13`; its registry$/m,
    );
    expect(readFileSync(doc, 'utf8')).toBe(RFC);
    const written = run(['cite', 'verify', '--write'], fx.repo.dir);
    expect(written.stdout).toMatch(/^wrote 2 corrections to rfcs\/demo\.md$/m);
    // REFUTED, NOT_FOUND and AMBIGUOUS citations remain: still exit 1.
    expect(written.code).toBe(1);
    const after = readFileSync(doc, 'utf8');
    const diff = RFC.split('\n').flatMap((l, i) => (l === after.split('\n')[i] ? [] : [i + 1]));
    expect(diff).toEqual([5, 6]);
    const again = run(['cite', 'verify', '--json'], fx.repo.dir);
    expect((JSON.parse(again.stdout) as { counts: { DRIFT: number } }).counts.DRIFT).toBe(0);
    writeFileSync(doc, RFC);
  });

  it('checks path#L12 citations and blob URLs to the origin repository, and --write fixes them in their own syntax', () => {
    const doc = join(fx.repo.dir, 'rfcs', 'gh.md');
    const blob = (repo: string, ref: string, lines: string) =>
      `https://github.com/${repo}/blob/${ref}/src/app/handlers.py#${lines}`;
    const text = [
      // From rfcs/, as GitHub opens the link.
      'The lock helper `lock_for()` is at [handlers.py](../src/app/handlers.py#L9-L10).',
      '',
      `Its registry \`_SESSION_LOCKS\` is at ${blob('Acme/Demo', 'main', 'L7')}.`,
      '',
      `Upstream keeps \`lock_for()\` at ${blob('upstream/demo', 'main', 'L1')}.`,
      '',
    ].join('\n');
    writeFileSync(doc, text);
    fx.repo.git(['remote', 'add', 'origin', 'git@github.com:acme/demo.git']);
    try {
      const sarif = JSON.parse(run(['cite', 'verify', 'rfcs/gh.md', '--format', 'sarif'], fx.repo.dir).stdout) as Log;
      expect(validateSarif(sarif) ? [] : validateSarif.errors).toEqual([]);
      expect(sarif.runs[0]?.results?.map((x) => x.locations?.[0]?.physicalLocation?.region?.startLine)).toEqual([1, 3]);
      const written = run(['cite', 'verify', 'rfcs/gh.md', '--write'], fx.repo.dir);
      expect(written.stdout).toMatch(/^wrote 2 corrections to rfcs\/gh\.md$/m);
      expect(written.code).toBe(0);
      expect(readFileSync(doc, 'utf8')).toBe(text.replace('#L9-L10)', '#L12-L13)').replace('#L7.', '#L10.'));
    } finally {
      fx.repo.git(['remote', 'remove', 'origin']);
      rmSync(doc);
    }
  });

  it('--write through a symbolic link fixes the document it points to, keeping the link and the mode', () => {
    const real = join(fx.repo.dir, 'notes', 'real.md');
    const link = join(fx.repo.dir, 'rfcs', 'link.md');
    mkdirSync(join(fx.repo.dir, 'notes'), { recursive: true });
    writeFileSync(real, RFC);
    chmodSync(real, 0o640);
    symlinkSync(join('..', 'notes', 'real.md'), link);
    try {
      const written = run(['cite', 'verify', 'rfcs/link.md', '--write'], fx.repo.dir);
      expect(written.stdout).toMatch(/^wrote 2 corrections to rfcs\/link\.md$/m);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readFileSync(real, 'utf8')).toMatch(/defined at `handlers\.py:12-13`/);
      expect(statSync(real).mode & 0o777).toBe(0o640);
      expect(readdirSync(join(fx.repo.dir, 'notes'))).toEqual(['real.md']);
    } finally {
      rmSync(link);
      rmSync(join(fx.repo.dir, 'notes'), { recursive: true });
    }
  });

  it('--write never writes over, nor renames away, a file already bearing the name it writes the fix to first', () => {
    const doc = join(fx.repo.dir, 'rfcs', 'taken.md');
    writeFileSync(doc, RFC);
    try {
      // The shell makes the file under its own pid, which node keeps when exec'd in its place.
      const r = spawnSync(
        'sh',
        [
          '-c',
          'printf "mine\\n" > "$1.$$.tmp" && exec "$2" "$3" cite verify rfcs/taken.md --write',
          'sh',
          doc,
          process.execPath,
          BIN,
        ],
        { cwd: fx.repo.dir, encoding: 'utf8', env: { ...process.env, CI: '', NO_COLOR: '1' } },
      );
      expect(r.stdout).toMatch(/^wrote 2 corrections to rfcs\/taken\.md$/m);
      expect(readFileSync(doc, 'utf8')).toMatch(/defined at `handlers\.py:12-13`/);
      const beside = readdirSync(join(fx.repo.dir, 'rfcs')).filter((n) => n.startsWith('taken.md.'));
      expect(beside).toHaveLength(1);
      expect(beside[0]).toMatch(/^taken\.md\.\d+\.tmp$/);
      expect(readFileSync(join(fx.repo.dir, 'rfcs', beside[0] as string), 'utf8')).toBe('mine\n');
    } finally {
      for (const n of readdirSync(join(fx.repo.dir, 'rfcs'))) {
        if (n.startsWith('taken.md')) rmSync(join(fx.repo.dir, 'rfcs', n));
      }
    }
  });

  it('--write writes nothing over a document edited while its citations were checked; exit 3', () => {
    const doc = join(fx.repo.dir, 'rfcs', 'edited.md');
    writeFileSync(doc, RFC);
    const bin = tempDir('rfcgate-git-');
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    // A git that saves an edit to the document the first time the tree's files are read, as an
    // editor might while the command runs.
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\ncase "$*" in *cat-file*) [ -e "$DOC.done" ] || { echo edited >> "$DOC"; : > "$DOC.done"; };; esac\nexec "${real}" "$@"\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    try {
      const r = runCli(['cite', 'verify', 'rfcs/edited.md', '--write'], fx.repo.dir, {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        DOC: doc,
      });
      expect(readFileSync(doc, 'utf8')).toBe(`${RFC}edited\n`);
      expect([r.code, r.stdout, r.stderr]).toEqual([
        3,
        '',
        'error: rfcs/edited.md changed while its citations were checked: nothing written; run cite verify again\n',
      ]);
    } finally {
      rmSync(doc);
      rmSync(`${doc}.done`, { force: true });
    }
  });

  it('--write refuses a document that is not UTF-8, naming the byte, and leaves every byte of it as it was', () => {
    const doc = join(fx.repo.dir, 'rfcs', 'latin1.md');
    // The RFC with one Latin-1 "é" above the drifted citations: read leniently, --write put U+FFFD in its place.
    const bytes = Buffer.from(`Caf\xe9\n${RFC}`, 'latin1');
    writeFileSync(doc, bytes);
    try {
      const written = run(['cite', 'verify', 'rfcs/latin1.md', '--write'], fx.repo.dir);
      expect([written.code, written.stdout]).toEqual([3, '']);
      expect(written.stderr).toBe(
        'error: rfcs/latin1.md:1:4: byte 0xE9 is not UTF-8 (a Latin-1 or Windows-1252 file?): save it as UTF-8\n',
      );
      expect(readFileSync(doc).equals(bytes)).toBe(true);
    } finally {
      rmSync(doc);
    }
  });

  it('a document that is a named pipe is never opened, and a folder is named as one; exit 3', () => {
    const pipe = join(fx.repo.dir, 'rfcs', 'pipe.md');
    execFileSync('mkfifo', [pipe]);
    try {
      // Opened, the pipe waited for a writer that never came: the command never returned.
      const piped = run(['cite', 'verify', 'rfcs/pipe.md'], fx.repo.dir);
      expect([piped.code, piped.stdout, piped.stderr]).toEqual([
        3,
        '',
        'error: the document rfcs/pipe.md is a named pipe, not a file: not read\n',
      ]);
    } finally {
      rmSync(pipe);
    }
    const folder = run(['cite', 'verify', 'rfcs'], fx.repo.dir);
    expect([folder.code, folder.stderr]).toEqual([3, 'error: the document rfcs is a folder: name the Markdown file\n']);
  });

  it('halts (exit 2) when the ref does not exist; exit 3 for a missing document or an unknown --since', () => {
    const noRef = run(['cite', 'verify', '--ref', 'no-such-branch'], fx.repo.dir);
    expect(noRef.code).toBe(2);
    expect(noRef.stdout).toMatch(/HALT: git ref 'no-such-branch', named by --ref, does not exist/);
    // cite verify reads no spec's ref: its own flag is the one to fix.
    expect(noRef.stdout).toMatch(
      /does not exist in this clone; fetch it from the remote that has it, or check --ref\n/,
    );
    expect(noRef.stdout).not.toMatch(/measurement|in the spec/);
    const tooFar = run(['cite', 'verify', '--ref', 'HEAD~1000'], fx.repo.dir);
    expect(tooFar.code).toBe(2);
    expect(tooFar.stdout).toMatch(
      /HALT: 'HEAD~1000' names no commit in this clone: .*; name a ref this clone has \(check --ref\)\n/,
    );
    // HEAD on a branch with no commit yet: --ref (HEAD by default) is what names another.
    const orphan = createRepo();
    orphan.commit({ files: { 'README.md': 'x\n' }, message: 'one', date: '2026-01-01T00:00:00Z' });
    orphan.git(['checkout', '-q', '--orphan', 'fresh']);
    mkdirSync(join(orphan.dir, 'rfcs'));
    writeFileSync(join(orphan.dir, 'rfcs', 'x.md'), 'See README.md:1.\n');
    const unborn = run(['cite', 'verify', 'rfcs/x.md'], orphan.dir);
    expect(unborn.code).toBe(2);
    expect(unborn.stdout).toMatch(
      /HALT: HEAD is on branch 'fresh', which has no commit yet \(an orphan branch\), .*; commit first, or name a ref that has commits \(check --ref\)\n/,
    );
    // A tree or a blob exists: the wrong kind of name, not a ref to fetch.
    for (const [ref, kind] of [
      ['HEAD^{tree}', 'tree'],
      ['HEAD:rfcs', 'tree'],
    ]) {
      const wrong = run(['cite', 'verify', '--ref', ref as string], fx.repo.dir);
      expect([wrong.code, wrong.stdout], ref).toEqual([3, '']);
      expect(wrong.stderr).toBe(
        `error: --ref '${ref}' names a ${kind}, not a commit; give a branch, a tag or a commit\n`,
      );
    }
    const noDoc = run(['cite', 'verify', 'rfcs/missing.md'], fx.repo.dir);
    expect(noDoc.code).toBe(3);
    expect(noDoc.stderr).toBe('error: cannot read the document rfcs/missing.md: no such file\n');
    const noSince = run(['cite', 'verify', '--since', 'nope'], fx.repo.dir);
    expect(noSince.code).toBe(3);
    expect(noSince.stderr).toMatch(/--since 'nope' is not a commit/);
    // An unset CI variable, or an option where the ref goes: the invocation, not the data.
    const empty = run(['cite', 'verify', '--ref', ''], fx.repo.dir);
    expect([empty.code, empty.stdout]).toEqual([3, '']);
    expect(empty.stderr).toMatch(/^error: --ref is empty: name a branch, tag or commit/);
    expect(run(['cite', 'verify', '--ref=-x'], fx.repo.dir).stderr).toMatch(/^error: --ref '-x' starts with '-'/);
  });

  it('an unknown --since in a CI checkout says what the clone lacks and how to get it', () => {
    // actions/checkout's default: one commit, no local branch but the one checked out.
    const clone = shallowClone(fx.repo);
    const cut = run(['cite', 'verify', 'rfcs/demo.md', '--since', 'HEAD~1'], clone.dir);
    expect([cut.code, cut.stdout]).toEqual([3, '']);
    expect(cut.stderr).toBe(
      "error: --since 'HEAD~1' names no commit in this clone: it is a shallow clone, whose history is cut; fetch the full history (actions/checkout: fetch-depth: 0, or git fetch --unshallow), or name a ref this clone has (fix --since)\n",
    );
    const base = run(['cite', 'verify', 'rfcs/demo.md', '--since', fx.v1], clone.dir);
    expect([base.code, base.stdout]).toEqual([3, '']);
    expect(base.stderr).toBe(
      `error: --since '${fx.v1}' is not a commit in this clone; fetch it (git fetch origin ${fx.v1}; actions/checkout: fetch-depth: 0), or fix --since\n`,
    );
    // A tree is here, and no commit: the wrong kind of name, not a history cut short.
    const tree = run(['cite', 'verify', 'rfcs/demo.md', '--since', 'HEAD^{tree}'], clone.dir);
    expect([tree.code, tree.stderr]).toEqual([
      3,
      "error: --since 'HEAD^{tree}' names a tree, not a commit; give a branch, a tag or a commit\n",
    ]);
    // `--since "$BASE_SHA"` or `--since "origin/$BASE_REF"` with the variable unset for this event.
    const unset = run(['cite', 'verify', 'rfcs/demo.md', '--since', ''], clone.dir);
    expect([unset.code, unset.stderr]).toEqual([
      3,
      'error: --since is empty: name the branch, tag or commit to compare with (e.g. origin/main); in CI, check that the variable filling it is set for this event\n',
    ]);
    const slash = run(['cite', 'verify', 'rfcs/demo.md', '--since', 'origin/'], clone.dir);
    expect([slash.code, slash.stderr]).toEqual([
      3,
      "error: --since 'origin/' ends with '/', which no branch or tag name does (is a variable after the slash empty?): name a branch, tag or commit\n",
    ]);
    clone.git(['branch', '-q', '-m', 'main', 'pr-head']);
    const main = run(['cite', 'verify', 'rfcs/demo.md', '--since', 'main'], clone.dir);
    expect(main.stderr).toBe(
      "error: --since 'main' is not a commit in this clone; the remote's copy origin/main is here: name it (--since origin/main), or fix --since\n",
    );
  });

  it('halts (exit 2) when a partial clone cannot fetch the older tree it checks', () => {
    // handlers.py as of the first commit: contents a --filter=blob:none clone fetches when read.
    const clone = partialClone(fx.repo, { offline: true });
    const r = run(['cite', 'verify', 'rfcs/demo.md', '--ref', fx.v1], clone.dir);
    expect([r.code, r.stderr]).toEqual([2, '']);
    expect(r.stdout).toMatch(
      /^HALT: the tree of '[0-9a-f]{40}' could not be read: this is a partial clone \(git clone --filter\), and git could not fetch an object it lacks \([0-9a-f]{12}\) from the remote \(fatal: .+\); let git reach the remote \(actions\/checkout: persist-credentials: true\), or clone without --filter$/m,
    );
  });

  it('--format sarif of a halted run says the run did not succeed, and why', () => {
    const r = run(['cite', 'verify', '--ref', 'no-such-branch', '--format', 'sarif'], fx.repo.dir);
    expect(r.code).toBe(2);
    const log = JSON.parse(r.stdout) as Log;
    expect(validateSarif(log) ? [] : validateSarif.errors).toEqual([]);
    const run0 = log.runs[0];
    expect(run0?.results).toEqual([]);
    // No results alone would read as a document with nothing to fix.
    expect(run0?.invocations?.[0]?.executionSuccessful).toBe(false);
    expect(run0?.invocations?.[0]?.toolExecutionNotifications?.[0]).toMatchObject({
      level: 'error',
      message: {
        text: expect.stringMatching(/^halted: git ref 'no-such-branch', named by --ref, does not exist/) as unknown,
      },
    });
  });

  it('halts outside a git repository', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.md'), 'See `a.py:3`.\n');
    const r = run(['cite', 'verify', 'x.md'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/HALT: .*not a git repository/);
  });

  it('is a measurement in gate check: the invariant fails on the refuted citations', () => {
    const r = run(['gate', 'check', '--json'], fx.repo.dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      results: {
        id: string;
        verdict: string;
        evidence: { measurements: Record<string, { value: number; counts: Record<string, number> }> };
      }[];
    };
    const g = report.results.find((x) => x.id === 'CITES');
    expect(g?.verdict).toBe('fail');
    expect(g?.evidence.measurements.cite_refuted?.value).toBe(4);
    expect(g?.evidence.measurements.cite_refuted?.counts.REFUTED).toBe(3);
  });
});

describe("cite verify on this project's RFC", () => {
  it('reports every citation as not found here (they cite the governed codebase) and says why', () => {
    const r = run(['cite', 'verify', '--rfc', 'wave3'], resolve('.'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^6 NOT_FOUND: FAIL$/m);
    expect(r.stdout).toMatch(/none of the 6 cited files is in this tree/);
  });
});

describe('cite verify --since --write', () => {
  /** A document whose citation of a.py drifted since `base`, and one of a file gone before it. */
  function drifted() {
    const repo = createRepo();
    repo.commit({
      files: {
        'a.py': 'def f():\n    pass\n',
        'rfc.md': 'The old `h()` is at `gone.py:1`.\n\nThe helper `f()` is at `a.py:1`.\n',
      },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    repo.git(['tag', 'base']);
    repo.commit({
      files: { 'a.py': '# the helper\ndef f():\n    pass\n' },
      message: 'moved',
      date: '2026-05-02T10:00:00Z',
    });
    return repo;
  }

  it('exits on the citations the report covers once fixed, not on those --since left out', () => {
    const repo = drifted();
    const r = run(['cite', 'verify', 'rfc.md', '--since', 'base', '--write'], repo.dir);
    expect(r.stdout).toMatch(/^wrote 1 correction to rfc\.md$/m);
    // The report is of the document as written, as the exit code is.
    expect(r.stdout).toMatch(/^1 VERIFIED: PASS$/m);
    expect(r.stdout).not.toMatch(/DRIFT/);
    expect(readFileSync(join(repo.dir, 'rfc.md'), 'utf8')).toMatch(/`a\.py:2`/);
    // gone.py:1 is NOT_FOUND, but unchanged since base: the report left it out, and so does the exit.
    expect(r.code).toBe(0);
    expect(run(['cite', 'verify', 'rfc.md'], repo.dir).code).toBe(1);
  });

  it('--format json and sarif print the report of the document as written, agreeing with the exit code', () => {
    const repo = drifted();
    const json = run(['cite', 'verify', 'rfc.md', '--since', 'base', '--write', '--format', 'json'], repo.dir);
    expect(json.code).toBe(0);
    expect(json.stderr).toMatch(/^wrote 1 correction to rfc\.md$/m);
    const report = JSON.parse(json.stdout) as { verdict: string; citations: { id: string; verdict: string }[] };
    expect(report.verdict).toBe('pass');
    expect(report.citations.map((c) => [c.id, c.verdict])).toEqual([['a.py:2', 'VERIFIED']]);
    repo.write('rfc.md', 'The old `h()` is at `gone.py:1`.\n\nThe helper `f()` is at `a.py:1`.\n');
    const sarif = run(['cite', 'verify', 'rfc.md', '--since', 'base', '--write', '--format', 'sarif'], repo.dir);
    expect(sarif.code).toBe(0);
    expect((JSON.parse(sarif.stdout) as Log).runs[0]?.results).toEqual([]);
  });
});

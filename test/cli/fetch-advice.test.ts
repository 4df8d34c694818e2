/**
 * A ref the clone lacks, named to lint --changed-since, gate check --ref and prereq status
 * --ref: each says how to get it in the same words. Run `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRepo, type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { L1, lintRepo, ORDER } from '../lint/helpers.js';
import { runCli as run } from '../helpers/cli.js';

const AS_OF = '2026-06-01T00:00:00Z';

/** What each command says after "does not exist in this clone". */
function said(clone: FixtureRepo, ref: string) {
  const lint = run(['lint', '--changed-since', ref, '--json'], clone.dir);
  const gate = run(['gate', 'check', '--ref', ref, '--as-of', AS_OF, '--json'], clone.dir);
  const prereq = run(['prereq', 'status', '--ref', ref, '--as-of', AS_OF, '--json'], clone.dir);
  expect([lint.code, gate.code, prereq.code]).toEqual([2, 2, 2]);
  const lintReason = (JSON.parse(lint.stdout) as { rules: { reason: string }[] }).rules[0]?.reason ?? '';
  const gateReason = (JSON.parse(gate.stdout) as { results: { reason: string }[] }).results[0]?.reason ?? '';
  const prereqReason = (JSON.parse(prereq.stdout) as { halt: { message: string } }).halt.message;
  return { lint: lintReason, gate: gateReason, prereq: prereqReason };
}

let clone: FixtureRepo;
beforeAll(() => {
  const source = createRepo();
  writeRfc(source.dir, {
    measurements: [{ id: 'has_src', git: { query: 'path_exists', path: 'src' } }],
    invariants: [{ id: 'INV', title: 't', section: '§1', phase: ['implementation'], holds_if: 'has_src' }],
    raw: {
      'lints.yaml': modeline('lints.yaml') + stringify([L1]),
      'prereqs.yaml': modeline('prereqs.yaml') + stringify([{ id: 'one', title: 'One', deliverables: ['src/a.py'] }]),
    },
  });
  source.git(['add', '-f', 'gates']);
  source.commit({ files: { 'src/a.py': 'x = 1\n' }, message: 'spec and code', date: '2026-05-01T09:00:00Z' });
  // As actions/checkout leaves a pull request: HEAD detached, main only as origin/main.
  clone = createRepo();
  clone.git(['remote', 'add', 'origin', source.dir]);
  clone.git(['fetch', '-q', 'origin']);
  clone.git(['checkout', '-q', '--detach', 'origin/main']);
});
afterAll(removeFixtures);

describe('a ref the clone lacks', () => {
  it("with the remote's copy here: every command says to name that copy, not to fetch it again", () => {
    const copy = "the remote's copy origin/main is here: name it";
    expect(said(clone, 'main')).toEqual({
      lint: `git ref 'main' does not exist in this clone, so there is nothing to diff against; ${copy} (--changed-since origin/main), or fix --changed-since`,
      gate: `has_src: git ref 'main', named by --ref, does not exist in this clone; ${copy} (--ref origin/main), or check --ref`,
      prereq: `the mainline 'main', named by --ref, does not exist in this clone; branches that do: origin/main; ${copy} (--ref origin/main), or check --ref`,
    });
  });

  it('a tag: every command says to fetch it as a tag, of which no remote keeps a copy', () => {
    const fetch = 'fetch it (git fetch origin tag v9)';
    expect(said(clone, 'refs/tags/v9')).toEqual({
      lint: `git ref 'refs/tags/v9' does not exist in this clone, so there is nothing to diff against; ${fetch}, or fix --changed-since`,
      gate: `has_src: git ref 'refs/tags/v9', named by --ref, does not exist in this clone; ${fetch}, or check --ref`,
      prereq: `the mainline 'refs/tags/v9', named by --ref, does not exist in this clone; branches that do: origin/main; ${fetch}, or check --ref`,
    });
  });

  it('a bare name the clone cannot tell a branch from a tag: the advice covers both', () => {
    const branch = "fetch it: a branch by the remote's copy (git fetch origin release/9, then";
    const tag = 'a tag as it is (git fetch origin tag release/9)';
    expect(said(clone, 'release/9')).toEqual({
      lint: `git ref 'release/9' does not exist in this clone, so there is nothing to diff against; ${branch} --changed-since origin/release/9), ${tag}; or fix --changed-since`,
      gate: `has_src: git ref 'release/9', named by --ref, does not exist in this clone; ${branch} --ref origin/release/9), ${tag}; or check --ref`,
      prereq: `the mainline 'release/9', named by --ref, does not exist in this clone; branches that do: origin/main; ${branch} --ref origin/release/9), ${tag}; or check --ref`,
    });
  });

  it("refs/heads/: every command says to fetch it and name the remote's copy", () => {
    const fetch = "fetch it and name the remote's copy (git fetch origin release/9, then";
    expect(said(clone, 'refs/heads/release/9').prereq).toBe(
      `the mainline 'refs/heads/release/9', named by --ref, does not exist in this clone; branches that do: origin/main; ${fetch} --ref origin/release/9), or check --ref`,
    );
  });

  it('lint --commit gives the same advice: a commit id fetched by id, a branch by its remote copy', () => {
    const reason = (rev: string) => {
      const r = run(['lint', '--commit', rev, '--json'], clone.dir);
      expect(r.code).toBe(2);
      return (JSON.parse(r.stdout) as { rules: { reason: string }[] }).rules[0]?.reason;
    };
    const sha = 'abcdef1234567';
    expect(reason(sha)).toBe(
      `commit '${sha}' does not exist in this clone; fetch it (git fetch origin ${sha}; actions/checkout: fetch-depth: 0), or fix --commit`,
    );
    expect(reason('main')).toBe(
      "commit 'main' does not exist in this clone; the remote's copy origin/main is here: name it (--commit origin/main), or fix --commit",
    );
  });
});

describe('a tag the clone can tell is one', () => {
  let remote: FixtureRepo | undefined;
  /** The remote, built once: each case fetches from it into a checkout of its own, never into it. */
  function taggedRemote(): FixtureRepo {
    if (remote) return remote;
    const source = createRepo();
    writeRfc(source.dir, {
      measurements: [{ id: 'has_src', git: { query: 'path_exists', path: 'src' } }],
      invariants: [{ id: 'INV', title: 't', section: '§1', phase: ['implementation'], holds_if: 'has_src' }],
      raw: {
        'lints.yaml': modeline('lints.yaml') + stringify([L1]),
        'prereqs.yaml': modeline('prereqs.yaml') + stringify([{ id: 'one', title: 'One', deliverables: ['src/a.py'] }]),
      },
    });
    source.git(['add', '-f', 'gates']);
    source.commit({ files: { 'src/a.py': 'x = 1\n' }, message: 'spec and code', date: '2026-05-01T09:00:00Z' });
    source.git(['checkout', '-q', '-b', 'release']);
    source.commit({ files: { 'src/b.py': 'y = 1\n' }, message: 'release', date: '2026-05-02T09:00:00Z' });
    source.git(['tag', 'v9']);
    source.git(['checkout', '-q', 'main']);
    remote = source;
    return source;
  }

  /** A pull request's checkout of a remote that has the tag v9 (on a commit besides main's). */
  function tagged(): FixtureRepo {
    const source = taggedRemote();
    const c = createRepo();
    c.git(['remote', 'add', 'origin', `${source.dir}/`]);
    c.git(['fetch', '-q', '--no-tags', 'origin', '+refs/heads/main:refs/remotes/origin/main']);
    c.git(['checkout', '-q', '--detach', 'origin/main']);
    return c;
  }

  it('not fetched yet: the advice covers a branch and a tag', () => {
    expect(said(tagged(), 'v9').prereq).toBe(
      "the mainline 'v9', named by --ref, does not exist in this clone; branches that do: origin/main; fetch it: a branch by the remote's copy (git fetch origin v9, then --ref origin/v9), a tag as it is (git fetch origin tag v9); or check --ref",
    );
  });

  it('fetched by name, which makes no ref for a tag: every command says to fetch it as a tag', () => {
    const c = tagged();
    c.git(['fetch', '-q', 'origin', 'v9']);
    const fetch = 'fetch it (git fetch origin tag v9)';
    expect(said(c, 'v9')).toEqual({
      lint: `git ref 'v9' does not exist in this clone, so there is nothing to diff against; ${fetch}, or fix --changed-since`,
      gate: `has_src: git ref 'v9', named by --ref, does not exist in this clone; ${fetch}, or check --ref`,
      prereq: `the mainline 'v9', named by --ref, does not exist in this clone; branches that do: origin/main; ${fetch}, or check --ref`,
    });
    // Named as the remote's copy a branch would have: a tag has none.
    expect(said(c, 'origin/v9').prereq).toBe(
      "the mainline 'origin/v9', named by --ref, does not exist in this clone; branches that do: origin/main; 'v9' is a tag on origin, named as it is, not as origin/v9: fetch it (git fetch origin tag v9, then --ref v9), or check --ref",
    );
  });

  it("kept under the remote's namespace: every command says to name it there", () => {
    const c = tagged();
    c.git(['fetch', '-q', '--no-tags', 'origin', '+refs/tags/*:refs/remotes/origin/tags/*']);
    const copy = "the remote's tag is here as origin/tags/v9: name it";
    expect(said(c, 'v9')).toEqual({
      lint: `git ref 'v9' does not exist in this clone, so there is nothing to diff against; ${copy} (--changed-since origin/tags/v9), or fix --changed-since`,
      gate: `has_src: git ref 'v9', named by --ref, does not exist in this clone; ${copy} (--ref origin/tags/v9), or check --ref`,
      prereq: `the mainline 'v9', named by --ref, does not exist in this clone; branches that do: origin/main, origin/tags/v9; ${copy} (--ref origin/tags/v9), or check --ref`,
    });
    const r = run(['prereq', 'status', '--ref', 'origin/tags/v9', '--as-of', AS_OF, '--json'], c.dir);
    expect(r.code).toBe(0);
  });
});

describe('the advice names where the missing ref came from: the flag, the spec, or neither', () => {
  it("rfc.yaml's mainline: prereq status names the file to fix, and --ref to name the remote's copy", () => {
    const r = run(['prereq', 'status', '--as-of', AS_OF, '--json'], clone.dir);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as { halt: { message: string } }).halt.message).toBe(
      "the mainline 'main', named in gates/demo/rfc.yaml (mainline:), does not exist in this clone; branches that do: origin/main; the remote's copy origin/main is here: name it (--ref origin/main), or fix mainline in gates/demo/rfc.yaml",
    );
  });

  it("a measurement's own ref: is the spec's to fix, whether --ref is given or not", () => {
    const source = createRepo();
    writeRfc(source.dir, {
      measurements: [{ id: 'on_release', git: { query: 'path_exists', path: 'src', ref: 'release/9' } }],
      invariants: [{ id: 'INV', title: 't', section: '§1', phase: ['implementation'], holds_if: 'on_release' }],
    });
    source.git(['add', '-f', 'gates']);
    source.commit({ files: { 'src/a.py': 'x = 1\n' }, message: 'spec and code', date: '2026-05-01T09:00:00Z' });
    const c = createRepo();
    c.git(['remote', 'add', 'origin', source.dir]);
    c.git(['fetch', '-q', 'origin']);
    c.git(['checkout', '-q', '--detach', 'origin/main']);
    const reason = (args: string[]) => {
      const r = run(['gate', 'check', '--as-of', AS_OF, '--json', ...args], c.dir);
      expect(r.code).toBe(2);
      return (JSON.parse(r.stdout) as { results: { reason: string }[] }).results[0]?.reason;
    };
    const said =
      "on_release: git ref 'release/9', named by measurement 'on_release' (its ref: at gates/demo/measurements.yaml:2), does not exist in this clone; fetch it: a branch by the remote's copy (git fetch origin release/9, then origin/release/9), a tag as it is (git fetch origin tag release/9); or fix that ref: in gates/demo/measurements.yaml";
    expect(reason([])).toBe(said);
    // --ref does not reach a measurement with a ref: of its own: the advice does not send the user to it.
    expect(reason(['--ref', 'origin/main'])).toBe(said);
  });

  it("lint's order rule says where the ref came from, as gate check does", () => {
    const guard = (ref?: string) => [
      { id: 'guard', git: { query: 'prereqs_before', path: 'elixir/', ...(ref ? { ref } : {}) } },
    ];
    const source = lintRepo({
      rules: [ORDER],
      measurements: guard(),
      prereqs: [{ id: 'pr1', title: 'One', deliverables: ['src/a.py'] }],
      files: { 'src/a.py': 'x = 1\n' },
    });
    const c = createRepo();
    c.git(['remote', 'add', 'origin', source.dir]);
    c.git(['fetch', '-q', 'origin']);
    c.git(['checkout', '-q', '--detach', 'origin/main']);
    const reason = (args: string[]) => {
      const r = run(['lint', '--as-of', AS_OF, '--json', ...args], c.dir);
      expect(r.code).toBe(2);
      return (JSON.parse(r.stdout) as { rules: { reason: string }[] }).rules[0]?.reason;
    };
    expect(reason(['--ref', 'origin/release/8'])).toBe(
      "git ref 'origin/release/8', named by --ref, does not exist in this clone; fetch it (git fetch origin release/8), or check --ref",
    );
    c.write('gates/demo/measurements.yaml', modeline('measurements.yaml') + stringify(guard('release/9')));
    expect(reason([])).toBe(
      "git ref 'release/9', named by measurement 'guard' (its ref: at gates/demo/measurements.yaml:2), does not exist in this clone; fetch it: a branch by the remote's copy (git fetch origin release/9, then origin/release/9), a tag as it is (git fetch origin tag release/9); or fix that ref: in gates/demo/measurements.yaml",
    );
  });

  it('an artifact, an attestation and a verifier measurement say where the ref came from, as a git one does', () => {
    const source = createRepo();
    const gate = (id: string, holds: string) => ({
      id,
      title: 't',
      section: '§1',
      phase: ['implementation'],
      holds_if: holds,
    });
    writeRfc(source.dir, {
      measurements: [
        { id: 'has_doc', artifact: { glob: 'docs/*.md', exists: true } },
        { id: 'signed', attestation: { judgements: ['ok'] } },
        { id: 'refuted', verifier: { query: 'citations', document: 'docs/a.md', ref: 'release/9' } },
      ],
      invariants: [gate('DOC', 'has_doc'), gate('SIGNED', "signed == 'ok'"), gate('CITED', 'refuted == 0')],
    });
    source.git(['add', '-f', 'gates']);
    source.commit({ files: { 'docs/a.md': '# A\n' }, message: 'spec and doc', date: '2026-05-01T09:00:00Z' });
    const c = createRepo();
    c.git(['remote', 'add', 'origin', source.dir]);
    c.git(['fetch', '-q', 'origin']);
    c.git(['checkout', '-q', '--detach', 'origin/main']);
    const r = run(['gate', 'check', '--ref', 'origin/release/8', '--as-of', AS_OF, '--json'], c.dir);
    expect(r.code).toBe(2);
    const reasons = Object.fromEntries(
      (JSON.parse(r.stdout) as { results: { id: string; reason: string }[] }).results.map((g) => [g.id, g.reason]),
    );
    const flag =
      "git ref 'origin/release/8', named by --ref, does not exist in this clone; fetch it (git fetch origin release/8), or check --ref";
    expect(reasons).toEqual({
      DOC: `has_doc: ${flag}`,
      SIGNED: `signed: ${flag}`,
      CITED:
        "refuted: git ref 'release/9', named by measurement 'refuted' (its ref: at gates/demo/measurements.yaml:10), does not exist in this clone; fetch it: a branch by the remote's copy (git fetch origin release/9, then origin/release/9), a tag as it is (git fetch origin tag release/9); or fix that ref: in gates/demo/measurements.yaml",
    });
  });
});

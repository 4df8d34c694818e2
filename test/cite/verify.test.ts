import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from 'sarif';
import { applyFixes } from '../../src/cite/fix.js';
import { formatCiteSarif } from '../../src/formatters/cite/sarif.js';
import { formatCite } from '../../src/formatters/cite/index.js';
import { type CiteReport, shiftFor, verifyCitations } from '../../src/cite/verify.js';
import { GitRepo } from '../../src/sources/git/repo.js';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { type CiteFixture, citeFixture, RFC } from './fixture.js';

let fx: CiteFixture;
beforeAll(() => {
  fx = citeFixture();
});
afterAll(removeFixtures);

function verify(sha: string, text = RFC, extra: Partial<Parameters<typeof verifyCitations>[0]> = {}) {
  return verifyCitations({
    document: 'rfcs/demo.md',
    text,
    repo: new GitRepo(fx.repo.dir),
    ref: sha.slice(0, 7),
    sha,
    ...extra,
  });
}

function verdicts(r: CiteReport): Record<string, string> {
  return Object.fromEntries(r.citations.map((c) => [c.id, c.verdict]));
}

describe('verifyCitations', () => {
  it('gives each citation its verdict against the tree where the lines moved', async () => {
    const r = await verify(fx.v2);
    expect(verdicts(r)).toEqual({
      'src/app/handlers.py:3': 'VERIFIED',
      'handlers.py:9-10': 'DRIFT',
      'src/app/handlers.py:7': 'DRIFT',
      'src/db/schema.sql:2': 'REFUTED',
      'src/db/schema.sql:1': 'SOURCE_ONLY',
      'src/db/schema.sql:40': 'REFUTED',
      'src/app/handlers.py:4,5': 'VERIFIED',
      'src/app/handlers.py::process_agent_update': 'VERIFIED',
      'handlers.py::no_such_function': 'REFUTED',
      'util.py:1': 'AMBIGUOUS',
      'src/nowhere.py:3': 'NOT_FOUND',
      'schema.sql:2': 'VERIFIED',
    });
    expect(r.counts).toEqual({ VERIFIED: 4, DRIFT: 2, REFUTED: 3, SOURCE_ONLY: 1, NOT_FOUND: 1, AMBIGUOUS: 1 });
    expect(r.verdict).toBe('fail');
  });

  it('before the lines moved, the same citations verify', async () => {
    const r = await verify(fx.v1);
    expect(verdicts(r)['handlers.py:9-10']).toBe('VERIFIED');
    expect(verdicts(r)['src/app/handlers.py:7']).toBe('VERIFIED');
  });

  it('a drifted citation names where its claim now is and the corrected citation', async () => {
    const r = await verify(fx.v2);
    const d = r.citations.find((c) => c.id === 'handlers.py:9-10');
    expect(d?.resolved).toBe('src/app/handlers.py');
    expect(d?.found).toEqual([{ name: 'lock_for()', lines: [4, 12] }]);
    expect(d?.fix).toEqual({ from: 'handlers.py:9-10', to: 'handlers.py:12-13' });
    expect(r.citations.find((c) => c.id === 'src/app/handlers.py:7')?.fix?.to).toBe('src/app/handlers.py:10');
  });

  it('refutations and ambiguities say why, with the candidates', async () => {
    const r = await verify(fx.v2);
    const by = (id: string) => r.citations.find((c) => c.id === id);
    expect(by('src/db/schema.sql:2')?.reason).toMatch(/'trg_dialectic_missing' is nowhere in the file/);
    expect(by('src/db/schema.sql:40')?.reason).toMatch(/line 40 is past the end \(the file has 2 lines\)/);
    expect(by('util.py:1')?.candidates).toEqual(['lib/util.py', 'tools/util.py']);
    expect(by('schema.sql:2')?.location).toEqual({ file: 'rfcs/demo.md', line: 20, col: 43 });
  });

  it('a drifted citation says which claims are at the cited lines and which moved', async () => {
    const r = await verify(
      fx.v2,
      'The entry `process_agent_update` and `_SESSION_LOCKS` are at `src/app/handlers.py:3`.\n',
    );
    expect(r.citations.map((c) => [c.verdict, c.reason])).toEqual([
      [
        'DRIFT',
        "src/app/handlers.py: not at 3; 'process_agent_update' at 3; '_SESSION_LOCKS' now at 10, 13; no single shift of the cited lines covers it, fix by hand",
      ],
    ]);
  });

  it("a relative link naming a path from the repository's root says the link opens from the document's folder", async () => {
    const r = await verify(fx.v2, 'The entry `process_agent_update` is [here](src/app/handlers.py#L3).\n');
    expect(r.citations.map((c) => [c.verdict, c.reason])).toEqual([
      [
        'NOT_FOUND',
        `no file rfcs/src/app/handlers.py in the tree at ${fx.v2.slice(0, 7)}; a relative link opens from the document's folder rfcs/, and src/app/handlers.py is in the tree: link /src/app/handlers.py`,
      ],
    ]);
    // Not the hint for a document citing another repository's code: this tree has the file.
    expect(formatCite(r, 'table', { color: false })).not.toMatch(/another repository/);
  });

  it('a citation of line 0 is refuted as a line that does not exist, not one past the end', async () => {
    const r = await verify(fx.v2, 'The table is created at `src/db/schema.sql:0` and `src/db/schema.sql:0-1`.\n');
    expect(r.citations.map((c) => [c.id, c.verdict, c.reason])).toEqual([
      [
        'src/db/schema.sql:0',
        'REFUTED',
        'src/db/schema.sql: line 0 does not exist, lines are numbered from 1 (the file has 2 lines)',
      ],
      [
        'src/db/schema.sql:0-1',
        'REFUTED',
        'src/db/schema.sql: line 0 does not exist, lines are numbered from 1 (the file has 2 lines)',
      ],
    ]);
  });

  it('a line number too long to hold exactly is named as the document writes it', async () => {
    const r = await verify(
      fx.v2,
      'See `src/db/schema.sql:99999999999999999999` and `src/db/schema.sql:1-99999999999999999999`.\n',
    );
    expect(r.citations.map((c) => c.reason)).toEqual([
      'src/db/schema.sql: line 99999999999999999999 is past the end (the file has 2 lines)',
      'src/db/schema.sql: line 99999999999999999999 is past the end (the file has 2 lines)',
    ]);
  });

  it('a claim declared in the spec replaces the sentence', async () => {
    const declared = new Map([
      ['src/db/schema.sql:1', ['core.sessions']],
      ['src/db/schema.sql:2', ['trg_sessions_updated_at']],
    ]);
    const r = await verify(fx.v2, RFC, { declared });
    const by = (id: string) => r.citations.find((c) => c.id === id);
    expect(by('src/db/schema.sql:1')).toMatchObject({ verdict: 'VERIFIED', expect_source: 'spec' });
    expect(by('src/db/schema.sql:2')).toMatchObject({ verdict: 'VERIFIED', expect: ['trg_sessions_updated_at'] });
  });

  it('--since keeps only the citations whose file changed', async () => {
    const r = await verify(fx.v2, RFC, { since: { ref: 'v1', sha: fx.v1 } });
    expect(r.citations.every((c) => c.resolved === 'src/app/handlers.py')).toBe(true);
    expect(r.citations).toHaveLength(6);
    expect(r.since).toEqual({ ref: 'v1', sha: fx.v1, unchanged: 6 });
  });

  it('--since also keeps a citation written since that ref, of a file that did not change', async () => {
    const edited = RFC.replace(
      'A helper lives in',
      'The trigger `trg_sessions_updated_at` is at `src/db/schema.sql:9`. A helper lives in',
    );
    const r = await verify(fx.v2, edited, { since: { ref: 'v1', sha: fx.v1 } });
    expect(r.citations.map((c) => [c.id, c.verdict])).toContainEqual(['src/db/schema.sql:9', 'REFUTED']);
    expect(r.citations.filter((c) => c.resolved !== 'src/app/handlers.py').map((c) => c.id)).toEqual([
      'src/db/schema.sql:9',
    ]);
    expect(r.citations).toHaveLength(7);
    expect(r.since?.unchanged).toBe(6);
  });
});

describe('a host and its port', () => {
  it('is no citation when its last part is no file extension and the tree has no such file', async () => {
    const text =
      'Connect to `db.example.com:5432` or redis.internal:6379. `lock_for()` is at handlers.py:12. The `go.mod:3` pin and `nginx.conf:2` are gone.\n';
    const r = await verify(fx.v2, text);
    expect(r.citations.map((c) => [c.id, c.verdict])).toEqual([
      ['handlers.py:12', 'VERIFIED'],
      ['go.mod:3', 'NOT_FOUND'],
      ['nginx.conf:2', 'NOT_FOUND'],
    ]);
    expect(r.verdict).toBe('fail');
  });
});

describe('a cited file that is gone', () => {
  it('NOT_FOUND says where git renamed it, or that it was deleted, and in which commit', async () => {
    const repo = createRepo();
    repo.commit({
      files: { 'src/handlers.py': 'def get_lock():\n    pass\n', 'src/old.py': 'x = 1\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const moved = repo.commit({
      files: { 'src/handlers.py': null, 'src/app/handlers.py': 'def get_lock():\n    pass\n', 'src/old.py': null },
      message: 'move',
      date: '2026-05-02T10:00:00Z',
    });
    const r = await verifyCitations({
      document: 'doc.md',
      text: '`get_lock()` is at `src/handlers.py:1`; `x` at `src/old.py:1`; `y` at `src/never.py:1`.\n\n`get_lock` is defined in `src/app/handlers.py:1`.\n',
      repo: new GitRepo(repo.dir),
      ref: 'HEAD',
      sha: moved,
    });
    expect(r.citations.map((c) => [c.verdict, c.reason])).toEqual([
      [
        'NOT_FOUND',
        `no file src/handlers.py in the tree at HEAD; git renamed it to src/app/handlers.py in ${moved.slice(0, 7)}: cite that path`,
      ],
      ['NOT_FOUND', `no file src/old.py in the tree at HEAD; it was deleted in ${moved.slice(0, 7)}`],
      ['NOT_FOUND', 'no file src/never.py in the tree at HEAD'],
      ['VERIFIED', "src/app/handlers.py: 'get_lock' (line 1) at the cited lines"],
    ]);
  });

  it('renamed twice (a → b → c), NOT_FOUND names the path the tree has now, not b, also gone', async () => {
    const repo = createRepo();
    const body = 'def get_lock():\n    pass\n';
    repo.commit({ files: { 'src/a.py': body }, message: 'first', date: '2026-05-01T10:00:00Z' });
    repo.commit({ files: { 'src/a.py': null, 'src/b.py': body }, message: 'to b', date: '2026-05-02T10:00:00Z' });
    const last = repo.commit({
      files: { 'src/b.py': null, 'src/c.py': body },
      message: 'to c',
      date: '2026-05-03T10:00:00Z',
    });
    const r = await verifyCitations({
      document: 'doc.md',
      // A citation that resolves: the document cites this repository (see the test above).
      text: '`get_lock()` is at `src/a.py:1`.\n\n`get_lock` is defined in `src/c.py:1`.\n',
      repo: new GitRepo(repo.dir),
      ref: 'HEAD',
      sha: last,
    });
    expect(r.citations.map((c) => [c.verdict, c.reason])).toEqual([
      [
        'NOT_FOUND',
        `no file src/a.py in the tree at HEAD; git renamed it to src/b.py, then to src/c.py (the last in ${last.slice(0, 7)}): cite src/c.py`,
      ],
      ['VERIFIED', "src/c.py: 'get_lock' (line 1) at the cited lines"],
    ]);
  });
  it('a cited folder moved whole to another folder is NOT_FOUND saying where, not that it was deleted', async () => {
    // Only a folder whose name has an extension reads as a path to cite (`etc/conf.d:1`).
    const repo = createRepo();
    const body = 'def get_lock():\n    pass\n';
    repo.commit({
      files: { 'etc/conf.d/a.py': body, 'etc/conf.d/b.py': 'def b():\n    pass\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    repo.git(['mv', 'etc/conf.d', 'etc/settings.d']);
    const moved = repo.commit({ message: 'move', date: '2026-05-02T10:00:00Z' });
    const r = await verifyCitations({
      document: 'doc.md',
      text: 'The settings live in `etc/conf.d:1`.\n\n`get_lock` is defined in `etc/settings.d/a.py:1`.\n',
      repo: new GitRepo(repo.dir),
      ref: 'HEAD',
      sha: moved,
    });
    expect(r.citations.map((c) => [c.verdict, c.reason])).toEqual([
      [
        'NOT_FOUND',
        `no file etc/conf.d in the tree at HEAD; git renamed it to etc/settings.d in ${moved.slice(0, 7)}: cite that path`,
      ],
      ['VERIFIED', "etc/settings.d/a.py: 'get_lock' (line 1) at the cited lines"],
    ]);
  });
});

describe('a cited path with an accent', () => {
  it('names the file whether the tree holds its name composed or decomposed', async () => {
    const repo = createRepo();
    const sha = repo.commit({
      files: { 'docs/cafe\u0301.md': '# Menu\n\nbrew_coffee\n', 'src/nai\u0308ve.py': 'def run():\n    pass\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const text =
      '`brew_coffee` is at `docs/caf\u00e9.md:3`. `run()` is at `na\u00efve.py:1`. See `docs/th\u00e9.md:1`.\n';
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.verdict, c.resolved ?? null])).toEqual([
      ['VERIFIED', 'docs/cafe\u0301.md'],
      ['VERIFIED', 'src/nai\u0308ve.py'],
      ['NOT_FOUND', null],
    ]);
  });
});

describe('the line endings of a cited file', () => {
  it('counts lines ended by CRLF, by CR alone, and a last line without its newline', async () => {
    const repo = createRepo();
    const sha = repo.commit({
      files: {
        'crlf.py': 'a = 1\r\n\r\ndef run():\r\n    pass\r\n',
        'cr.py': 'a = 1\r\rdef run():\r    pass\r',
        'open.py': 'a = 1\n\ndef run():\n    pass',
      },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const text = ['crlf', 'cr', 'open']
      .map((f) => `\`run()\` is at \`${f}.py:3\`, and the file ends at \`${f}.py:4\`, not at \`${f}.py:5\`.`)
      .join('\n\n');
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.verdict])).toEqual(
      ['crlf', 'cr', 'open'].flatMap((f) => [
        [`${f}.py:3`, 'VERIFIED'],
        [`${f}.py:4`, 'SOURCE_ONLY'],
        [`${f}.py:5`, 'REFUTED'],
      ]),
    );
    expect(r.citations.find((c) => c.id === 'cr.py:5')?.reason).toBe(
      'cr.py: line 5 is past the end (the file has 4 lines)',
    );
  });
});

describe('a cited path written from the folder of the document', () => {
  it('reads ../ from the folder of the document, saying where a file went or that a path leaves the repository', async () => {
    const repo = createRepo();
    repo.commit({
      files: { 'src/handlers.py': 'def get_lock():\n    pass\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const moved = repo.commit({
      files: { 'src/handlers.py': null, 'src/app/handlers.py': '\ndef get_lock():\n    pass\n' },
      message: 'move',
      date: '2026-05-02T10:00:00Z',
    });
    const r = await verifyCitations({
      document: 'docs/rfcs/doc.md',
      text: '`get_lock()` is at `../../src/app/handlers.py:1`, once at `../../src/handlers.py:1`; see `../../../x.py:1`.\n',
      repo: new GitRepo(repo.dir),
      ref: 'HEAD',
      sha: moved,
    });
    expect(r.citations.map((c) => [c.verdict, c.resolved ?? null, c.fix?.to ?? null, c.reason])).toEqual([
      [
        'DRIFT',
        'src/app/handlers.py',
        '../../src/app/handlers.py:2',
        "src/app/handlers.py (resolved from ../../src/app/handlers.py): not at 1; 'get_lock()' now at 2; cite ../../src/app/handlers.py:2",
      ],
      [
        'NOT_FOUND',
        null,
        null,
        `no file ../../src/handlers.py in the tree at HEAD; git renamed it to src/app/handlers.py in ${moved.slice(0, 7)}: cite that path`,
      ],
      ['NOT_FOUND', null, null, 'no file ../../../x.py in the tree at HEAD: it is outside the repository'],
    ]);
  });
});

describe('a cited path that is a symbolic link in the tree', () => {
  it('verifies at the file the link points to; a link to no file is NOT_FOUND saying so, never "deleted"', async () => {
    const repo = createRepo();
    repo.write('src/app/handlers.py', 'import os\n\ndef get_lock():\n    pass\n');
    repo.write('src/app.d/y.py', 'y = 1\n');
    mkdirSync(join(repo.dir, 'lib'));
    symlinkSync('../src/app/handlers.py', join(repo.dir, 'lib/handlers.py'));
    symlinkSync('handlers.py', join(repo.dir, 'lib/again.py'));
    symlinkSync('../src/gone.py', join(repo.dir, 'lib/dangling.py'));
    symlinkSync('../src/app', join(repo.dir, 'lib/folder.py'));
    symlinkSync('/etc/hosts', join(repo.dir, 'lib/hosts.py'));
    repo.git(['add', '-A']);
    const sha = repo.commit({ message: 'links', date: '2026-05-01T10:00:00Z' });
    const r = await verifyCitations({
      document: 'doc.md',
      text: [
        '`get_lock()` is at `lib/handlers.py:3`.',
        '`get_lock()` is at `again.py:3`.',
        '`get_lock()` is at `lib/handlers.py:1`.',
        '`get_lock()` is at `lib/dangling.py:3`.',
        '`get_lock()` is at `lib/folder.py:3`.',
        '`x` is at `lib/hosts.py:1`.',
        '`y` is at `src/app.d:1`.',
        '',
      ].join('\n'),
      repo: new GitRepo(repo.dir),
      ref: 'HEAD',
      sha,
    });
    expect(r.citations.map((c) => [c.id, c.verdict, c.reason])).toEqual([
      [
        'lib/handlers.py:3',
        'VERIFIED',
        "src/app/handlers.py (resolved from lib/handlers.py): 'get_lock()' (line 3) at the cited lines",
      ],
      [
        'again.py:3',
        'VERIFIED',
        "src/app/handlers.py (resolved from again.py): 'get_lock()' (line 3) at the cited lines",
      ],
      [
        'lib/handlers.py:1',
        'DRIFT',
        "src/app/handlers.py (resolved from lib/handlers.py): not at 1; 'get_lock()' now at 3; cite lib/handlers.py:3",
      ],
      [
        'lib/dangling.py:3',
        'NOT_FOUND',
        'no file lib/dangling.py in the tree at HEAD: it is a symbolic link to ../src/gone.py, which is not in the tree',
      ],
      [
        'lib/folder.py:3',
        'NOT_FOUND',
        'no file lib/folder.py in the tree at HEAD: it is a symbolic link to ../src/app, which is a folder',
      ],
      [
        'lib/hosts.py:1',
        'NOT_FOUND',
        'no file lib/hosts.py in the tree at HEAD: it is a symbolic link to /etc/hosts, outside the repository',
      ],
      ['src/app.d:1', 'NOT_FOUND', 'no file src/app.d in the tree at HEAD: it is a folder'],
    ]);
  });
});

describe('--fix', () => {
  it('rewrites only the drifted citations; every other byte stays; the result verifies', async () => {
    const r = await verify(fx.v2);
    const fixed = applyFixes('rfcs/demo.md', RFC, r);
    expect(fixed.fixed).toBe(2);
    const before = RFC.split('\n');
    const after = fixed.text.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = before.flatMap((l, i) => (l === after[i] ? [] : [i + 1]));
    expect(changed).toEqual([5, 6]);
    expect(after[4]).toBe('The lock helper `lock_for()` is defined at `handlers.py:12-13`; its registry');
    expect(after[5]).toBe(before[5]?.replace('src/app/handlers.py:7', 'src/app/handlers.py:10'));
    expect(fixed.patch).toMatch(/^-The lock helper .*handlers\.py:9-10/m);
    expect(fixed.patch).toMatch(/^\+The lock helper .*handlers\.py:12-13/m);
    const again = await verify(fx.v2, fixed.text);
    expect(again.counts.DRIFT).toBe(0);
    expect(verdicts(again)['handlers.py:12-13']).toBe('VERIFIED');
  });

  it('keeps CRLF line endings and a trailing line without newline byte for byte', async () => {
    const crlf = `${RFC.replace(/\n/g, '\r\n')}last line`;
    const r = await verify(fx.v2, crlf);
    const fixed = applyFixes('rfcs/demo.md', crlf, r);
    expect(fixed.fixed).toBe(2);
    const restored = fixed.text
      .replace('handlers.py:12-13', 'handlers.py:9-10')
      .replace('handlers.py:10 ', 'handlers.py:7 ');
    expect(restored).toBe(crlf);
  });

  it('keeps a byte-order mark and rewrites at the right offsets after it', async () => {
    const withBom = `\uFEFF${RFC}`;
    const fixed = applyFixes('rfcs/demo.md', withBom, await verify(fx.v2, withBom));
    expect(fixed.fixed).toBe(2);
    expect(fixed.text.startsWith('\uFEFF# Demo RFC')).toBe(true);
    expect(fixed.text).toContain('`handlers.py:12-13`;');
  });

  it('changes nothing when nothing drifted', async () => {
    const r = await verify(fx.v1);
    expect(applyFixes('rfcs/demo.md', RFC, r)).toEqual({ text: RFC, fixed: 0, patch: '' });
  });
});

describe('shiftFor', () => {
  it('prefers the shift that starts the citation at the claim, then the smallest covering one', () => {
    expect(shiftFor([{ from: 100, to: 110 }], [{ name: 'f', lines: [120] }], 500)).toBe(20);
    expect(
      shiftFor(
        [{ from: 100, to: 110 }],
        [
          { name: 'f', lines: [120] },
          { name: 'g', lines: [135] },
        ],
        500,
      ),
    ).toBeUndefined();
    expect(
      shiftFor(
        [{ from: 10, to: 12 }],
        [
          { name: 'a', lines: [20] },
          { name: 'b', lines: [19] },
        ],
        500,
      ),
    ).toBe(9);
  });
});

describe('a cited path with a space in it', () => {
  it('is read as the whole code span when that is a file, and as before when it is not', async () => {
    const text =
      'The step `restart_lane` is at `docs/run book.md:3`.\n\nRun `pytest tests/test_x.py::test_y` first.\n\nAlso `docs/no such.md:1`.\n';
    const repo = createRepo();
    const first = repo.commit({
      files: {
        'doc.md': text,
        'docs/run book.md': '# Runbook\n\nrestart_lane\n',
        'book.md': 'nothing here\n',
        'tests/test_x.py': 'def test_y():\n    pass\n',
      },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const moved = repo.commit({
      files: { 'docs/run book.md': '# Runbook\n\nIntro.\n\nrestart_lane\n' },
      message: 'intro',
      date: '2026-05-02T10:00:00Z',
    });
    const run = (sha: string, since?: { ref: string; sha: string }) =>
      verifyCitations({
        document: 'doc.md',
        text,
        repo: new GitRepo(repo.dir),
        ref: 'HEAD',
        sha,
        ...(since ? { since } : {}),
      });
    const r = await run(moved);
    expect(r.citations.map((c) => [c.id, c.path, c.verdict, c.location.col])).toEqual([
      ['docs/run book.md:3', 'docs/run book.md', 'DRIFT', 32],
      ['tests/test_x.py::test_y', 'tests/test_x.py', 'VERIFIED', 13],
      // No such file with the space either: the narrow reading stands, as before.
      ['such.md:1', 'such.md', 'NOT_FOUND', 15],
    ]);
    expect(r.citations[0]?.fix).toEqual({ from: 'docs/run book.md:3', to: 'docs/run book.md:5' });
    const fixed = applyFixes('doc.md', text, r);
    expect(fixed.fixed).toBe(1);
    expect(fixed.text).toBe(text.replace('`docs/run book.md:3`', '`docs/run book.md:5`'));
    expect((await run(first)).citations[0]?.verdict).toBe('VERIFIED');
    // Unchanged document, changed file: kept under --since as the same citation it was.
    const since = await run(moved, { ref: 'HEAD~1', sha: first });
    expect(since.citations.map((c) => c.id)).toEqual(['docs/run book.md:3']);
  });
});

describe('a cited path with a pipe in it', () => {
  it('is read whole in a code span, escaped in a table cell, and --fix keeps the escape', async () => {
    const text =
      '`run_it()` is at `src/a|b.ts:1`.\n\n| entry | where |\n| --- | --- |\n| x | `run_it()` at `src/a\\|b.ts:1` |\n';
    const repo = createRepo();
    const sha = repo.commit({
      files: { 'src/a|b.ts': '// entry\nfunction run_it() {}\n', 'src/b.ts': 'x\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.path, c.resolved, c.verdict, c.fix?.to])).toEqual([
      ['src/a|b.ts:1', 'src/a|b.ts', 'src/a|b.ts', 'DRIFT', 'src/a|b.ts:2'],
      ['src/a\\|b.ts:1', 'src/a|b.ts', 'src/a|b.ts', 'DRIFT', 'src/a\\|b.ts:2'],
    ]);
    const fixed = applyFixes('doc.md', text, r);
    expect(fixed.text).toBe(text.replace('a|b.ts:1', 'a|b.ts:2').replace('a\\|b.ts:1', 'a\\|b.ts:2'));
    // citations.yaml names the cell's citation as it shows.
    const declared = new Map([['src/a|b.ts:2', ['run_it']]]);
    const again = await verifyCitations({
      document: 'doc.md',
      text: fixed.text,
      repo: new GitRepo(repo.dir),
      ref: 'HEAD',
      sha,
      declared,
    });
    expect(again.citations.map((c) => [c.verdict, c.expect_source])).toEqual([
      ['VERIFIED', 'spec'],
      ['VERIFIED', 'spec'],
    ]);
  });
});

describe('a claim naming a method or a constant by its class', () => {
  it('is found where the class defines it, unless the file never names the class', async () => {
    const file = [
      'import threading',
      '',
      'class Session:',
      '    RETRIES = 3',
      '',
      '    def close(self):',
      '        self._lock = threading.Lock()',
      '',
    ].join('\n');
    const text = [
      '`Session.close()` is defined at `s.py:6`.',
      '`Session.RETRIES` is set at `s.py:3`.',
      'A lock is made by `threading.Lock()` at `s.py:7`.',
      'The pool calls `asyncio.Lock()` at `s.py:7`.',
      '`Pool.close()` is at `s.py:6`.',
      '',
    ].join('\n\n');
    const repo = createRepo();
    const sha = repo.commit({ files: { 's.py': file }, message: 'first', date: '2026-05-01T10:00:00Z' });
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.expect[0], c.verdict, c.fix?.to ?? null])).toEqual([
      ['Session.close()', 'VERIFIED', null],
      ['Session.RETRIES', 'DRIFT', 's.py:4'],
      ['threading.Lock()', 'VERIFIED', null],
      ['asyncio.Lock()', 'REFUTED', null],
      ['Pool.close()', 'REFUTED', null],
    ]);
  });
});

describe('a cited path with +, brackets or parentheses in a code span', () => {
  it('is read whole when that path is a file, and is no citation when no file is so named', async () => {
    const repo = createRepo();
    const sha = repo.commit({
      files: {
        'src/routes/+page.svelte': '<script>\n  export let data;\n  load_page();\n</script>\n',
        'pages/[id].tsx': 'export default function Item() {}\n',
        'app/(auth)/login/page.tsx': '\nexport function Login() {}\n',
      },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const text = [
      '`load_page()` runs at `src/routes/+page.svelte:2`.',
      '`Item` is at `pages/[id].tsx:1`.',
      'See `app/(auth)/login/page.tsx::Login`.',
      'No `pages/[slug].tsx:1` here.',
      '',
    ].join('\n\n');
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.verdict, c.fix?.to ?? null])).toEqual([
      ['src/routes/+page.svelte:2', 'DRIFT', 'src/routes/+page.svelte:3'],
      ['pages/[id].tsx:1', 'VERIFIED', null],
      ['app/(auth)/login/page.tsx::Login', 'VERIFIED', null],
    ]);
    expect(applyFixes('doc.md', text, r).text).toBe(text.replace('+page.svelte:2', '+page.svelte:3'));
  });
});

describe('identifiers with letters beyond ASCII', () => {
  it('cite the whole symbol and find names as whole identifiers', async () => {
    const text = 'The parser is `mod.py::naïve`. Then `größe()` is at mod.py:3. Gone: mod.py::naïveté.\n';
    const repo = createRepo();
    const sha = repo.commit({
      files: { 'doc.md': text, 'mod.py': 'def naïve():\n    pass\nmaßgröße()\nx = größe(1)\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.verdict, c.symbol ?? null])).toEqual([
      ['mod.py::naïve', 'VERIFIED', 'naïve'],
      // `größe(` on line 3 is the end of another identifier: the claim is on line 4, one below.
      ['mod.py:3', 'DRIFT', null],
      ['mod.py::naïveté', 'REFUTED', 'naïveté'],
    ]);
  });
});

describe('citations written the GitHub way', () => {
  let gh: CiteFixture;
  beforeAll(() => {
    gh = citeFixture();
  });
  const check = (text: string, sha = gh.v2) =>
    verifyCitations({ document: 'rfcs/demo.md', text, repo: new GitRepo(gh.repo.dir), ref: 'HEAD', sha });
  const origin = (url: string) => {
    try {
      gh.repo.git(['remote', 'remove', 'origin']);
    } catch {
      // No origin yet.
    }
    gh.repo.git(['remote', 'add', 'origin', url]);
  };

  const ANCHORS = [
    'The lock helper `lock_for()` is at `src/app/handlers.py#L9-L10`.',
    '',
    // A link opens from the document's folder (rfcs/), as GitHub opens it.
    'Its registry `_SESSION_LOCKS` is at [handlers.py](../src/app/handlers.py#L7).',
    '',
    'The entry `process_agent_update` is at src/app/handlers.py#L3-4, and `apply()` at handlers.py#L5-5.',
    '',
  ].join('\n');

  it('checks path#L12 forms as path:12, and --fix rewrites them in their own syntax', async () => {
    const r = await check(ANCHORS);
    expect(r.citations.map((c) => [c.id, c.lines, c.verdict, c.fix?.to ?? null])).toEqual([
      ['src/app/handlers.py#L9-L10', '9-10', 'DRIFT', 'src/app/handlers.py#L12-L13'],
      ['../src/app/handlers.py#L7', '7', 'DRIFT', '../src/app/handlers.py#L10'],
      ['src/app/handlers.py#L3-4', '3-4', 'VERIFIED', null],
      ['handlers.py#L5-5', '5', 'VERIFIED', null],
    ]);
    const fixed = applyFixes('rfcs/demo.md', ANCHORS, r);
    expect(fixed.fixed).toBe(2);
    expect(fixed.text).toBe(
      ANCHORS.replace('#L9-L10`', '#L12-L13`').replace('(../src/app/handlers.py#L7)', '(../src/app/handlers.py#L10)'),
    );
    expect((await check(fixed.text)).counts.DRIFT).toBe(0);
  });

  it("reads a relative link from the document's folder, as GitHub opens it: a broken link is not verified", async () => {
    const r = await check(
      [
        'The registry `_SESSION_LOCKS` is at [handlers.py](src/app/handlers.py#L10).',
        '',
        'The registry `_SESSION_LOCKS` is at [handlers.py](/src/app/handlers.py#L10).',
        '',
      ].join('\n'),
    );
    // rfcs/demo.md links to rfcs/src/app/handlers.py, which is not there; `/` starts at the root.
    expect(r.citations.map((c) => [c.path, c.verdict])).toEqual([
      ['rfcs/src/app/handlers.py', 'NOT_FOUND'],
      ['src/app/handlers.py', 'VERIFIED'],
    ]);
  });

  it('names a line past the end as the document writes it', async () => {
    const r = await check('The helper `lock_for()` is at `src/app/handlers.py#L9-L99999999999999999999`.\n');
    expect(r.citations.map((c) => [c.verdict, c.reason])).toEqual([
      ['REFUTED', 'src/app/handlers.py: line 99999999999999999999 is past the end (the file has 13 lines)'],
    ]);
  });

  it("reads a reference link as its definition's target: one citation, claiming what its uses' sentences name", async () => {
    const text = [
      'The lock helper `lock_for()` is [the helper][lock]; its registry `_SESSION_LOCKS` is [there][Reg].',
      '',
      '`apply()` is called at [apply], and the entry `process_agent_update` is at [entry][].',
      '',
      'Read [the helper][lock] again.',
      '',
      '[lock]: ../src/app/handlers.py#L9-L10',
      '[reg]: </src/app/handlers.py#L7> "the registry"',
      '[entry]: ../src/app/handlers.py#L3',
      '  [apply]:',
      '    ../src/app/handlers.py#L5',
      '[unused]: ../src/app/gone.py#L1',
      '',
    ].join('\n');
    const r = await check(text);
    expect(r.citations.map((c) => [c.id, c.location.line, c.expect, c.verdict, c.fix?.to ?? null])).toEqual([
      ['../src/app/handlers.py#L9-L10', 7, ['lock_for()'], 'DRIFT', '../src/app/handlers.py#L12-L13'],
      ['/src/app/handlers.py#L7', 8, ['_SESSION_LOCKS'], 'DRIFT', '/src/app/handlers.py#L10'],
      ['../src/app/handlers.py#L3', 9, ['process_agent_update'], 'VERIFIED', null],
      ['../src/app/handlers.py#L5', 11, ['apply()'], 'VERIFIED', null],
      // A definition no link uses still says where lines are: checked, with nothing claimed.
      ['../src/app/gone.py#L1', 12, [], 'NOT_FOUND', null],
    ]);
    const fixed = applyFixes('rfcs/demo.md', text, r);
    expect(fixed.text).toBe(text.replace('#L9-L10', '#L12-L13').replace('#L7>', '#L10>'));
  });

  it('reads an image target, an image reference and a definition continued in a block quote, as links are', async () => {
    const text = [
      'The lock helper `lock_for()` is drawn in ![the helper](../src/app/handlers.py#L9-L10).',
      '',
      'The registry `_SESSION_LOCKS` is pictured in ![registry][reg].',
      '',
      '> The entry `process_agent_update` is at [entry].',
      '>',
      '> [entry]:',
      '> ../src/app/handlers.py#L4',
      '',
      '> > [reg]:',
      '> >   </src/app/handlers.py#L7> "the registry"',
      '',
    ].join('\n');
    const r = await check(text);
    expect(r.citations.map((c) => [c.id, c.location.line, c.expect, c.verdict, c.fix?.to ?? null])).toEqual([
      ['../src/app/handlers.py#L9-L10', 1, ['lock_for()'], 'DRIFT', '../src/app/handlers.py#L12-L13'],
      ['../src/app/handlers.py#L4', 8, ['process_agent_update'], 'DRIFT', '../src/app/handlers.py#L3'],
      ['/src/app/handlers.py#L7', 11, ['_SESSION_LOCKS'], 'DRIFT', '/src/app/handlers.py#L10'],
    ]);
    const fixed = applyFixes('rfcs/demo.md', text, r);
    expect(fixed.text).toBe(text.replace('#L9-L10', '#L12-L13').replace('#L4\n', '#L3\n').replace('#L7>', '#L10>'));
  });

  it('counts a link whose label cites the lines its target cites once, and --fix moves both', async () => {
    const text = [
      'The lock helper `lock_for()` is at [src/app/handlers.py:9-10](../src/app/handlers.py#L9-L10).',
      '',
      'The registry `_SESSION_LOCKS` is at [`handlers.py:7`][reg].',
      '',
      // Label and target naming other lines are two claims, each checked.
      'The entry `process_agent_update` is at [src/app/handlers.py:3](../src/app/handlers.py#L4).',
      '',
      '[reg]: ../src/app/handlers.py#L7',
      '',
    ].join('\n');
    const r = await check(text);
    expect(
      r.citations.map((c) => [c.id, c.verdict, c.fix?.to ?? null, (c.also ?? []).map((a) => [a.id, a.fix?.to])]),
    ).toEqual([
      [
        '../src/app/handlers.py#L9-L10',
        'DRIFT',
        '../src/app/handlers.py#L12-L13',
        [['src/app/handlers.py:9-10', 'src/app/handlers.py:12-13']],
      ],
      ['src/app/handlers.py:3', 'VERIFIED', null, []],
      ['../src/app/handlers.py#L4', 'SOURCE_ONLY', null, []],
      ['../src/app/handlers.py#L7', 'DRIFT', '../src/app/handlers.py#L10', [['handlers.py:7', 'handlers.py:10']]],
    ]);
    expect(r.counts).toMatchObject({ DRIFT: 2, VERIFIED: 1, SOURCE_ONLY: 1 });
    expect(r.citations[0]?.also?.[0]?.location).toEqual({ file: 'rfcs/demo.md', line: 1, col: 37 });
    const sarif = JSON.parse(formatCiteSarif(r)) as Log;
    expect(
      sarif.runs[0]?.results?.[0]?.fixes?.[0]?.artifactChanges[0]?.replacements.map((x) => [
        x.deletedRegion.startColumn,
        x.deletedRegion.endColumn,
        x.insertedContent?.text,
      ]),
    ).toEqual([
      [63, 92, '../src/app/handlers.py#L12-L13'],
      [37, 61, 'src/app/handlers.py:12-13'],
    ]);
    const fixed = applyFixes('rfcs/demo.md', text, r);
    expect(fixed.fixed).toBe(2);
    expect(fixed.text).toBe(
      text
        .replace(
          '[src/app/handlers.py:9-10](../src/app/handlers.py#L9-L10)',
          '[src/app/handlers.py:12-13](../src/app/handlers.py#L12-L13)',
        )
        .replace('`handlers.py:7`', '`handlers.py:10`')
        .replace('#L7\n', '#L10\n'),
    );
    expect((await check(fixed.text)).counts).toMatchObject({ DRIFT: 0, VERIFIED: 3, SOURCE_ONLY: 1 });
  });

  const url = (repo: string, ref: string, lines: string) =>
    `https://github.com/${repo}/blob/${ref}/src/app/handlers.py#${lines}`;

  it('checks a blob URL to the origin repository, however origin is written, and leaves other repositories alone', async () => {
    const text = [
      `The lock helper \`lock_for()\` is at ${url('acme/demo', 'main', 'L9-L10')}.`,
      '',
      `The registry \`_SESSION_LOCKS\` is at [handlers.py](${url('ACME/Demo', 'main', 'L7')}).`,
      '',
      `Upstream has \`lock_for()\` at ${url('other/demo', 'main', 'L1')}.`,
      '',
    ].join('\n');
    for (const remote of [
      'https://github.com/Acme/Demo.git',
      'git@github.com:acme/demo',
      'ssh://git@GitHub.com/acme/demo.git',
    ]) {
      origin(remote);
      const r = await check(text);
      expect(r.citations.map((c) => [c.path, c.verdict, c.fix?.to ?? null])).toEqual([
        ['src/app/handlers.py', 'DRIFT', url('acme/demo', 'main', 'L12-L13')],
        ['src/app/handlers.py', 'DRIFT', url('ACME/Demo', 'main', 'L10')],
      ]);
      const fixed = applyFixes('rfcs/demo.md', text, r);
      expect(fixed.text).toBe(text.replace('#L9-L10.', '#L12-L13.').replace('#L7)', '#L10)'));
    }
    origin('https://github.com/someone/else');
    expect((await check(text)).citations).toEqual([]);
    gh.repo.git(['remote', 'remove', 'origin']);
    expect((await check(text)).citations).toEqual([]);
  });

  it("checks a GitLab blob URL to the origin project, under nested groups, in GitLab's range form", async () => {
    const lab = (project: string, lines: string) =>
      `https://gitlab.com/${project}/-/blob/main/src/app/handlers.py#${lines}`;
    const text = [
      `The lock helper \`lock_for()\` is at ${lab('acme/platform/demo', 'L9-10')}.`,
      '',
      `The registry \`_SESSION_LOCKS\` is at [handlers.py](${lab('Acme/Platform/Demo', 'L7')}).`,
      '',
      `The entry \`process_agent_update\` is at ${lab('acme/platform/demo', 'L3-L4')}.`,
      '',
      `Another project has \`lock_for()\` at ${lab('acme/demo', 'L1')} and ${lab('acme/other/demo', 'L1')}.`,
      '',
    ].join('\n');
    for (const remote of ['git@gitlab.com:acme/platform/demo.git', 'https://gitlab.com/acme/platform/demo']) {
      origin(remote);
      const r = await check(text);
      expect(r.citations.map((c) => [c.path, c.lines, c.verdict, c.fix?.to ?? null])).toEqual([
        ['src/app/handlers.py', '9-10', 'DRIFT', lab('acme/platform/demo', 'L12-13')],
        ['src/app/handlers.py', '7', 'DRIFT', lab('Acme/Platform/Demo', 'L10')],
        ['src/app/handlers.py', '3-4', 'VERIFIED', null],
      ]);
      expect(applyFixes('rfcs/demo.md', text, r).text).toBe(
        text.replace('#L9-10.', '#L12-13.').replace('#L7)', '#L10)'),
      );
    }
  });

  it('reads a branch with a slash in a blob URL as the branch, and the rest as the path', async () => {
    origin('https://github.com/acme/demo');
    const r = await check(`\`lock_for()\` is at ${url('acme/demo', 'feature/locks', 'L12')}.\n`);
    expect(r.citations.map((c) => [c.path, c.resolved, c.verdict])).toEqual([
      ['src/app/handlers.py', 'src/app/handlers.py', 'VERIFIED'],
    ]);
  });

  it('reads a hex-looking ref that is a branch or a tag as one, not as a pinned commit', async () => {
    origin('https://github.com/acme/demo.git');
    gh.repo.git(['branch', 'deadbeef', gh.v2]);
    gh.repo.git(['update-ref', 'refs/remotes/origin/cafe1234', gh.v2]);
    gh.repo.git(['tag', 'abcdef12', gh.v2]);
    gh.repo.git(['branch', 'feed/face123', gh.v2]);
    const text = ['deadbeef', 'cafe1234', 'abcdef12', 'face123']
      .map((ref) => `The lock helper \`lock_for()\` is at ${url('acme/demo', ref, 'L9-L10')}.\n`)
      .join('\n');
    const r = await check(text);
    expect(r.citations.map((c) => [c.verdict, c.fix?.to ?? null, c.reason.includes('pins')])).toEqual([
      ['DRIFT', url('acme/demo', 'deadbeef', 'L12-L13'), false],
      ['DRIFT', url('acme/demo', 'cafe1234', 'L12-L13'), false],
      ['DRIFT', url('acme/demo', 'abcdef12', 'L12-L13'), false],
      // No ref is named face123 (only feed/face123): it is read as a commit the link pins.
      ['DRIFT', null, true],
    ]);
  });

  it('says when the commit a URL pins is not in the clone (rebased or squashed away)', async () => {
    origin('https://github.com/acme/demo.git');
    const gone = '0123456789abcdef0123456789abcdef01234567';
    const r = await check(`The lock helper \`lock_for()\` is at ${url('acme/demo', gone, 'L12-L13')}.\n`);
    expect(r.citations.map((c) => [c.verdict, c.reason])).toEqual([
      [
        'VERIFIED',
        "src/app/handlers.py: 'lock_for()' (line 12) at the cited lines (the link pins commit 0123456789ab, which this clone does not have; checked at HEAD)",
      ],
    ]);
  });

  it('checks a URL pinning a commit at --ref, says so, and leaves its drifted lines to be fixed by hand', async () => {
    origin('https://github.com/acme/demo.git');
    const text = `The lock helper \`lock_for()\` is at ${url('acme/demo', gh.v1, 'L9-L10')}.\n`;
    const r = await check(text);
    expect(r.citations.map((c) => [c.verdict, c.fix ?? null, c.reason])).toEqual([
      [
        'DRIFT',
        null,
        `src/app/handlers.py: not at 9-10; 'lock_for()' now at 4, 12; --fix leaves a link pinning another commit: update its commit and lines together (the link pins commit ${gh.v1.slice(0, 12)}; checked at HEAD)`,
      ],
    ]);
    expect(applyFixes('rfcs/demo.md', text, r).fixed).toBe(0);
    // Pinned to the commit checked, the lines are that commit's, and --fix corrects them.
    const here = await check(
      `The lock helper \`lock_for()\` is at ${url('acme/demo', gh.v2.slice(0, 10), 'L9-L10')}.\n`,
    );
    expect(here.citations.map((c) => [c.verdict, c.fix?.to ?? null, c.reason.includes('pins')])).toEqual([
      ['DRIFT', url('acme/demo', gh.v2.slice(0, 10), 'L12-L13'), false],
    ]);
  });
});

describe('citations of files in a submodule', () => {
  const LIB = 'def kappa():\n    pass\n';

  /** A repository citing files of its submodule vendor/lib; `clone` is a clone that never checked it out. */
  function withSubmodule(): { dir: string; sha: string; clone: string } {
    const lib = createRepo();
    lib.commit({ files: { 'k.py': LIB }, message: 'lib', date: '2026-05-01T10:00:00Z' });
    const app = createRepo();
    app.git(['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib.dir, 'vendor/lib']);
    const sha = app.commit({ files: { 'src/a.py': 'x = 1\n' }, message: 'app', date: '2026-05-02T10:00:00Z' });
    const clone = createRepo();
    clone.git(['fetch', '-q', app.dir, 'main']);
    clone.git(['checkout', '-q', 'FETCH_HEAD']);
    return { dir: app.dir, sha, clone: clone.dir };
  }

  const text = [
    'The helper `kappa()` is at `vendor/lib/k.py:1`.',
    '',
    'It is not at `vendor/lib/k.py:2` where `kappa()` is claimed; `vendor/lib/gone.py:1` is no file.',
    '',
  ].join('\n');

  it('reads a cited file at the commit the tree records for the submodule', async () => {
    const { dir, sha } = withSubmodule();
    const r = await verifyCitations({ document: 'rfcs/x.md', text, repo: new GitRepo(dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.verdict, c.fix?.to ?? null])).toEqual([
      ['vendor/lib/k.py:1', 'VERIFIED', null],
      ['vendor/lib/k.py:2', 'DRIFT', 'vendor/lib/k.py:1'],
      ['vendor/lib/gone.py:1', 'NOT_FOUND', null],
    ]);
    expect(r.citations[0]?.reason).toMatch(/^vendor\/lib\/k\.py \(in the submodule vendor\/lib at [0-9a-f]{7}\): /);
    expect(r.citations[2]?.reason).toMatch(
      /^no file vendor\/lib\/gone\.py in the submodule vendor\/lib at [0-9a-f]{7}/,
    );
  });

  it('halts, naming the submodule, when it is not checked out', async () => {
    const { clone, sha } = withSubmodule();
    const r = await verifyCitations({ document: 'rfcs/x.md', text, repo: new GitRepo(clone), ref: 'HEAD', sha });
    expect(r.verdict).toBe('halt');
    expect(r.citations).toEqual([]);
    expect(r.halt).toBe(
      'rfcs/x.md:1:29: vendor/lib/k.py:1 cites a file in the submodule vendor/lib, which cannot be read (it is not checked out): run git submodule update --init vendor/lib',
    );
  });
});

describe('citations of a binary file', () => {
  it('are refuted: the bytes between its newlines are no lines, whatever they spell', async () => {
    const repo = createRepo();
    const sha = repo.commit({
      files: { 'assets/blob.bin': '\u0000\u0001\u0002\ndef zeta\n', 'src/a.py': 'def zeta():\n    pass\n' },
      message: 'binary',
      date: '2026-05-01T10:00:00Z',
    });
    const text =
      'The function `zeta` is at `assets/blob.bin:2`; `assets/blob.bin:1` too, and `zeta` at `src/a.py:1`.\n';
    const r = await verifyCitations({ document: 'rfcs/x.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.verdict, c.reason])).toEqual([
      [
        'assets/blob.bin:2',
        'REFUTED',
        'assets/blob.bin is a binary file (it holds NUL bytes): it has no lines to cite',
      ],
      [
        'assets/blob.bin:1',
        'REFUTED',
        'assets/blob.bin is a binary file (it holds NUL bytes): it has no lines to cite',
      ],
      ['src/a.py:1', 'VERIFIED', "src/a.py: 'zeta' (line 1) at the cited lines"],
    ]);
  });
});

describe('SARIF of a citation written twice in a document', () => {
  it('gives each its own fingerprint, the first keeping the one it always had, so code scanning keeps two alerts', async () => {
    const text = [
      'The end of the schema is at `src/db/schema.sql:40`.',
      '',
      'Again: the end of the schema is at `src/db/schema.sql:40`.',
      '',
      'And once more at `src/db/schema.sql:40`.',
      '',
    ].join('\n');
    const r = await verify(fx.v2, text);
    const results = (JSON.parse(formatCiteSarif(r)) as Log).runs[0]?.results ?? [];
    const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex');
    expect(
      results.map((x) => [
        x.locations?.[0]?.physicalLocation?.region?.startLine,
        x.partialFingerprints?.['rfcgateCitation/v1'],
      ]),
    ).toEqual([
      [1, hash('rfcs/demo.md', 'src/db/schema.sql:40')],
      [3, hash('rfcs/demo.md', 'src/db/schema.sql:40', '1')],
      [5, hash('rfcs/demo.md', 'src/db/schema.sql:40', '2')],
    ]);
  });
});

describe('a dotted symbol', () => {
  it('is in the file only when every part before its last is too', async () => {
    const repo = createRepo();
    const sha = repo.commit({
      files: { 'src/a.py': 'class Session:\n    def close(self):\n        pass\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const text = 'See `src/a.py::Session.close` and `src/a.py::NoSuchClass.close`.\n';
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.verdict, c.reason])).toEqual([
      ['src/a.py::Session.close', 'VERIFIED', "src/a.py: 'Session.close' at 2"],
      ['src/a.py::NoSuchClass.close', 'REFUTED', "src/a.py: 'NoSuchClass.close' is nowhere in the file"],
    ]);
  });
});

describe('a symbol written with ::', () => {
  it('is read whole, as pytest names a test in its class', async () => {
    const repo = createRepo();
    const sha = repo.commit({
      files: { 'tests/test_x.py': 'class TestFoo:\n    def test_bar(self):\n        pass\n' },
      message: 'first',
      date: '2026-05-01T10:00:00Z',
    });
    const text = 'Run `tests/test_x.py::TestFoo::test_bar`, then `pytest tests/test_x.py::TestFoo::test_gone -x`.\n';
    const r = await verifyCitations({ document: 'doc.md', text, repo: new GitRepo(repo.dir), ref: 'HEAD', sha });
    expect(r.citations.map((c) => [c.id, c.symbol, c.verdict, c.reason])).toEqual([
      [
        'tests/test_x.py::TestFoo::test_bar',
        'TestFoo::test_bar',
        'VERIFIED',
        "tests/test_x.py: 'TestFoo::test_bar' at 2",
      ],
      [
        'tests/test_x.py::TestFoo::test_gone',
        'TestFoo::test_gone',
        'REFUTED',
        "tests/test_x.py: 'TestFoo::test_gone' is nowhere in the file",
      ],
    ]);
  });
});

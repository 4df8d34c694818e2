/**
 * matchTelemetryFiles on trees made for one case each: which files a glob finds and which
 * places it names unreadable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchTelemetryFiles } from '../../../src/sources/telemetry/read.js';
import { tempRoot } from '../../helpers/spec-fixture.js';

const roots: (() => void)[] = [];
afterAll(() => roots.forEach((cleanup) => cleanup()));

/** A tree from `path` (a file), `path/` (a folder) and `path -> target` (a link) lines. */
function tree(...entries: string[]): string {
  const { root, cleanup } = tempRoot('rfcgate-match-');
  roots.push(cleanup);
  for (const entry of entries) {
    const [p, target] = entry.split(' -> ') as [string, string | undefined];
    const full = join(root, p);
    mkdirSync(p.endsWith('/') ? full : dirname(full), { recursive: true });
    if (target !== undefined) symlinkSync(target, full);
    else if (!p.endsWith('/')) writeFileSync(full, '');
  }
  return root;
}

const unreadable = async (root: string, patterns: string[]) =>
  (await matchTelemetryFiles(root, patterns)).unreadable.map((u) => `${u.path} (${u.kind}): ${u.why}`);

describe('matchTelemetryFiles', () => {
  it('names each glob that matched nothing beside globs that did, not those whose files others matched too', async () => {
    const root = tree('logs/a.jsonl', 'logs/b.jsonl.gz');
    const got = await matchTelemetryFiles(root, ['logs/*.jsonl', 'logz/*.jsonl', 'logs/*', 'logs/*.jsonl.gz', '*.gz']);
    expect(got.files).toEqual(['logs/a.jsonl', 'logs/b.jsonl.gz']);
    expect(got.unmatched).toEqual(['logz/*.jsonl', '*.gz']);
  });

  it('a ** picomatch reads as any depth inside a segment (**.jsonl, {a,**}, @(a|b)**) is walked as one', async () => {
    const root = tree('a/x/c.jsonl', 'x/y/a.jsonl', 'x/gone -> nowhere');
    const files = async (p: string) => (await matchTelemetryFiles(root, [p])).files;
    expect(await files('**.jsonl')).toEqual(['a/x/c.jsonl', 'x/y/a.jsonl']);
    expect(await files('{a,**}/c.jsonl')).toEqual(['a/x/c.jsonl']);
    expect(await files('@(a|b)**/c.jsonl')).toEqual(['a/x/c.jsonl']);
    expect(await unreadable(root, ['{a,**}/a.jsonl'])).toEqual([
      'x/gone (under): a link to nowhere, which does not exist',
    ]);
    // In a** it is a *: x/a** neither names x/gone nor could match files under it.
    expect(await unreadable(root, ['x/a**'])).toEqual([]);
  });

  it('a glob whose braces or bracket picomatch reads as text still has its wildcards', async () => {
    const root = tree('{{slug}}/logs/a.jsonl', 't/{a}/b.jsonl', 't/[ab/c.jsonl', 't/a/d.jsonl', 'x/y.jsonl');
    const files = async (p: string) => (await matchTelemetryFiles(root, [p])).files;
    expect(await files('{{slug}}/logs/*.jsonl')).toEqual(['{{slug}}/logs/a.jsonl']);
    expect(await files('{{slug}}/**/*.jsonl')).toEqual(['{{slug}}/logs/a.jsonl']);
    expect(await files('t/{a}/*.jsonl')).toEqual(['t/{a}/b.jsonl']);
    expect(await files('t/[ab/*.jsonl')).toEqual(['t/[ab/c.jsonl']);
    expect((await matchTelemetryFiles(root, ['t/{a}/*.jsonl'])).missing).toEqual([]);
  });

  it('a negated glob matches outside the folder it names, and is looked for there', async () => {
    const root = tree('a.jsonl', 'x/b.jsonl', 'x/y/c.jsonl');
    expect((await matchTelemetryFiles(root, ['!x/*'])).files).toEqual(['a.jsonl', 'x/y/c.jsonl']);
  });

  it('a folder reached by two names is looked into under each the pattern reads differently', async () => {
    // a is listed first and leads to z/sub: */sub/*.jsonl matches under z/sub, not under a.
    const sub = tree('a -> z/sub', 'z/sub/f.jsonl');
    expect((await matchTelemetryFiles(sub, ['*/sub/*.jsonl'])).files).toEqual(['z/sub/f.jsonl']);
    expect((await matchTelemetryFiles(sub, ['**/sub/*.jsonl'])).files).toEqual(['z/sub/f.jsonl']);
    // !(a) before a slash is "not starting with a" to picomatch: ab/f.jsonl is not matched, q/f.jsonl is.
    const neg = tree('ab -> q', 'q/f.jsonl');
    expect((await matchTelemetryFiles(neg, ['!(a)/*.jsonl'])).files).toEqual(['q/f.jsonl']);
    // Under y, up leads back to y and is not followed; under z, it leads up to y and is.
    const up = tree('y/f.jsonl', 'y/x/up -> ..', 'z -> y/x');
    expect((await matchTelemetryFiles(up, ['**/up/*.jsonl'])).files).toEqual(['z/up/f.jsonl']);
  });

  it('a file in a folder reached by two names is read by its first, whichever is listed first', async () => {
    const digits = tree('d10/f.jsonl', 'd9 -> d10');
    expect((await matchTelemetryFiles(digits, ['*/f.jsonl'])).files).toEqual(['d9/f.jsonl']);
    expect((await matchTelemetryFiles(digits, ['**/f.jsonl'])).files).toEqual(['d9/f.jsonl']);
    // A link that leads nowhere in such a folder is named once too, by its first name.
    const mnt = tree('z/mnt -> /nonexistent/rfcgate-volume', 'b -> z');
    expect(await unreadable(mnt, ['z/**/*.jsonl', '**/*.jsonl'])).toEqual([
      'b/mnt (under): a link to /nonexistent/rfcgate-volume, which does not exist',
    ]);
  });

  it('a folder reached by many names that the pattern reads alike is walked once', async () => {
    // 2^20 names for l20 (l0/a or l0/b, then l1/a or l1/b, …): walked under each, this would not end.
    const links = Array.from({ length: 20 }, (_, i) => [`l${i}/a -> ../l${i + 1}`, `l${i}/b -> ../l${i + 1}`]);
    const root = tree('l20/f.jsonl', ...links.flat());
    const { files } = await matchTelemetryFiles(root, ['**/*.jsonl']);
    expect(files).toEqual([`l0/${'a/'.repeat(20)}f.jsonl`]);
  }, 5_000);

  it('a link loop on the way to the folder a glob starts from is named as the link', async () => {
    const root = tree('loop -> loop');
    expect(await unreadable(root, ['loop/x/*.jsonl'])).toEqual([
      'loop (under): a link to loop that cannot be followed (ELOOP)',
    ]);
  });
});

const logs = tree('logs/a.jsonl', 'logs/sub/b.jsonl');

describe('matchTelemetryFiles', () => {
  it('a pattern with an empty segment (a doubled or trailing slash) matches as picomatch reads it, without throwing', async () => {
    expect(await matchTelemetryFiles(logs, ['logs//*.jsonl'])).toEqual({
      files: ['logs//a.jsonl'],
      missing: [],
      unreadable: [],
      skipped: [],
      unmatched: [],
    });
    expect(await matchTelemetryFiles(logs, ['logs/*/'])).toEqual({
      files: [],
      missing: [],
      unreadable: [],
      skipped: [],
      unmatched: ['logs/*/'],
    });
    expect((await matchTelemetryFiles(logs, ['logs/sub//*.jsonl'])).files).toEqual(['logs/sub//b.jsonl']);
  });
});

describe('matchTelemetryFiles: a dangling link where the glob could have found files', () => {
  it('one named as a folder the walk never enters (node_modules) is passed over, as the folder would be', async () => {
    const { root: r, cleanup: done } = tempRoot('rfcgate-telemetry-skip-');
    try {
      mkdirSync(join(r, 'logs'));
      writeFileSync(join(r, 'logs', 'a.jsonl'), '{}\n');
      symlinkSync('/nonexistent/rfcgate-store/node_modules', join(r, 'node_modules'));
      symlinkSync('/nonexistent/rfcgate-volume', join(r, 'logs', 'mnt'));
      const m = await matchTelemetryFiles(r, ['**/*.jsonl']);
      expect(m.files).toEqual(['logs/a.jsonl']);
      expect(m.unreadable.map((u) => u.path)).toEqual(['logs/mnt']);
    } finally {
      done();
    }
  });

  it("an editor's lock (Emacs: .#name, a link to user@host.pid) is no data gone, even named as the pattern names", async () => {
    const { root: r, cleanup: done } = tempRoot('rfcgate-telemetry-lock-');
    try {
      mkdirSync(join(r, 'logs'));
      writeFileSync(join(r, 'logs', 'a.jsonl'), '{}\n');
      symlinkSync('root@host.1234:1700000000', join(r, 'logs', '.#notes.md'));
      symlinkSync('alice@laptop.local.77', join(r, 'logs', '.#a.jsonl'));
      expect(await matchTelemetryFiles(r, ['logs/**/*.jsonl'])).toEqual({
        files: ['logs/a.jsonl'],
        missing: [],
        unreadable: [],
        skipped: [],
        unmatched: [],
      });
      // Named so, but a link to a path: what it leads to is gone.
      symlinkSync('/nonexistent/rfcgate-volume/b.jsonl', join(r, 'logs', '.#b.jsonl'));
      expect((await matchTelemetryFiles(r, ['logs/**/*.jsonl'])).unreadable.map((u) => u.path)).toEqual([
        'logs/.#b.jsonl',
      ]);
    } finally {
      done();
    }
  });
});

describe('matchTelemetryFiles: what a glob matches that is no regular file', () => {
  it('a named pipe, a socket, a device or a link to one is skipped and named, never opened; the files beside it are read', async () => {
    const root = tree('logs/a.jsonl', 'logs/z.jsonl', 'logs/to-pipe.jsonl -> pipe.jsonl', 'other.txt');
    execFileSync('mkfifo', [join(root, 'logs', 'pipe.jsonl')]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, 'logs', 'sock.jsonl'), resolve));
    try {
      // A FIFO opened for reading would wait here for a writer that never comes.
      const m = await matchTelemetryFiles(root, ['logs/*.jsonl', '/dev/nul[l]']);
      expect(m.files).toEqual(['logs/a.jsonl', 'logs/z.jsonl']);
      expect(m.missing).toEqual([]);
      expect(m.unreadable).toEqual([]);
      // The pipe reached by two names is named once, by its first.
      expect(m.skipped).toEqual([
        { path: '/dev/null', pattern: '/dev/nul[l]', what: 'a device' },
        { path: 'logs/pipe.jsonl', pattern: 'logs/*.jsonl', what: 'a named pipe' },
        { path: 'logs/sock.jsonl', pattern: 'logs/*.jsonl', what: 'a socket' },
      ]);
      // Only what the glob matches: a pipe it does not name is none of its business.
      expect((await matchTelemetryFiles(root, ['logs/a*.jsonl'])).skipped).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe("matchTelemetryFiles: the glob's own base behind a link that leads nowhere", () => {
  it('is named, as a link below the base is; a base that is simply not there names nothing', async () => {
    const { root: r, cleanup: done } = tempRoot('rfcgate-telemetry-base-');
    try {
      mkdirSync(join(r, 'logs'));
      writeFileSync(join(r, 'logs', 'a.jsonl'), '{}\n');
      symlinkSync('/nonexistent/rfcgate-volume', join(r, 'logs', 'mnt'));
      const under = {
        path: 'logs/mnt',
        kind: 'under',
        why: 'a link to /nonexistent/rfcgate-volume, which does not exist',
      };
      for (const glob of ['logs/mnt/*.jsonl', 'logs/mnt/2026-*/*.jsonl']) {
        const m = await matchTelemetryFiles(r, ['logs/a.jsonl', glob]);
        expect(m.files, glob).toEqual(['logs/a.jsonl']);
        expect(m.unreadable, glob).toEqual([{ ...under, pattern: glob }]);
      }
      expect(await matchTelemetryFiles(r, ['logs/a.jsonl', 'logs/gone/*.jsonl'])).toEqual({
        files: ['logs/a.jsonl'],
        missing: [],
        unreadable: [],
        skipped: [],
        unmatched: ['logs/gone/*.jsonl'],
      });
    } finally {
      done();
    }
  });
});

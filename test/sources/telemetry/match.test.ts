/** matchTelemetryFiles: which files a glob names, and where it could have found more but could not look. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchTelemetryFiles } from '../../../src/sources/telemetry/read.js';
import { tempRoot } from '../../helpers/spec-fixture.js';

const { root, cleanup } = tempRoot('rfcgate-telemetry-match-');
afterAll(() => cleanup());
mkdirSync(join(root, 'logs', 'sub'), { recursive: true });
writeFileSync(join(root, 'logs', 'a.jsonl'), '{}\n');
writeFileSync(join(root, 'logs', 'sub', 'b.jsonl'), '{}\n');

describe('matchTelemetryFiles', () => {
  it('a pattern with an empty segment (a doubled or trailing slash) matches as picomatch reads it, without throwing', async () => {
    expect(await matchTelemetryFiles(root, ['logs//*.jsonl'])).toEqual({
      files: ['logs//a.jsonl'],
      missing: [],
      unreadable: [],
    });
    expect(await matchTelemetryFiles(root, ['logs/*/'])).toEqual({ files: [], missing: [], unreadable: [] });
    expect((await matchTelemetryFiles(root, ['logs/sub//*.jsonl'])).files).toEqual(['logs/sub//b.jsonl']);
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
      });
    } finally {
      done();
    }
  });
});

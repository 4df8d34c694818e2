/** A reader that stops early (`| head -1`) must not change the exit code into a crash's. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { writeRfc } from '../helpers/spec-fixture.js';

afterAll(removeFixtures);

const BIN = resolve('bin/run.js');

describe('closed pipes', () => {
  it('stderr closed before the problems are written: still exit 3', () => {
    const root = tempDir('rfcgate-pipes-');
    writeRfc(root, {
      raw: { 'rfc.yaml': '# yaml-language-server: $schema=../../schemas/rfc.schema.json\nid: demo\n' },
    });
    // `true` has exited before rfcgate writes, so every write to the pipe fails with EPIPE.
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${BIN}" spec validate --rfc demo 2>&1 >/dev/null | true; echo "\${PIPESTATUS[0]}"`,
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(r.stdout.trim()).toBe('3');
    const open = spawnSync(process.execPath, [BIN, 'spec', 'validate', '--rfc', 'demo'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(open.status).toBe(3);
    expect(open.stderr).toMatch(/rfc\.yaml/);
  });

  it('help read by a reader that has gone exits 0, as help does (not 13, an await left unsettled)', () => {
    for (const args of ['--help', 'gate check --help', 'measure']) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ${args} | true; echo "\${PIPESTATUS[0]}"`], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(r.stdout.trim(), args).toBe('0');
      expect(r.stderr, args).toBe('');
    }
  });

  it('a report that cannot be written to stdout (a full disk) is one line and exit 3, not a stack trace', () => {
    const root = tempDir('rfcgate-full-');
    writeRfc(root, {});
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" spec validate --rfc demo >/dev/full`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.stderr).toBe('error: cannot write to standard output: ENOSPC: no space left on device\n');
    expect(r.status).toBe(3);
  });

  it('the same for a telemetry report written by its own thread', () => {
    const fixture = resolve('test/fixtures/telemetry/anthropic.jsonl');
    const { RFCGATE_TELEMETRY_THREAD_FROM: _, ...env } = process.env;
    for (const thread of ['0', undefined]) {
      const r = spawnSync(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${BIN}" telemetry report --files "${fixture}" --as-of 2026-06-02 --json >/dev/full`,
        ],
        {
          encoding: 'utf8',
          env: { ...env, NO_COLOR: '1', ...(thread ? { RFCGATE_TELEMETRY_THREAD_FROM: thread } : {}) },
        },
      );
      expect(r.stderr, `thread from ${thread ?? 'default'}`).toBe(
        'error: cannot write to standard output: ENOSPC: no space left on device\n',
      );
      expect(r.status).toBe(3);
    }
  });
});

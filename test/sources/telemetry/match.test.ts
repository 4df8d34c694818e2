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

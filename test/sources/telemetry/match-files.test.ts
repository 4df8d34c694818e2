/**
 * matchTelemetryFiles on trees made for one case each: which files a glob finds and which
 * places it names unreadable.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('a negated glob matches outside the folder it names, and is looked for there', async () => {
    const root = tree('a.jsonl', 'x/b.jsonl', 'x/y/c.jsonl');
    expect((await matchTelemetryFiles(root, ['!x/*'])).files).toEqual(['a.jsonl', 'x/y/c.jsonl']);
  });
});

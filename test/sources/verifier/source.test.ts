import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParitySpec } from '../../../src/parity/spec.js';
import { VerifierMeasurementSource } from '../../../src/sources/verifier/source.js';
import type { MeasurementSpec, VerifierQuery } from '../../../src/spec/types.js';
import { context, manifest, removeFixtures, tempDir } from '../../helpers/git-fixture.js';
import { type CiteFixture, citeFixture } from '../../cite/fixture.js';

const location = { file: 'measurements.yaml', line: 1, col: 1 };
const m = (verifier: VerifierQuery): MeasurementSpec => ({
  id: 'v',
  type: 'int',
  source: 'verifier',
  verifier,
  location,
});
const doc = manifest({ document: 'rfcs/demo.md' });

let fx: CiteFixture;
beforeAll(() => {
  fx = citeFixture();
});
afterAll(removeFixtures);

describe('verifier source: citations', () => {
  const source = new VerifierMeasurementSource();

  it('counts REFUTED and NOT_FOUND by default, other verdicts when asked, at the ref as of the instant', async () => {
    const now = await source.measure(m({ query: 'citations' }), context(fx.repo.dir, { manifest: doc }));
    expect(now).toMatchObject({ status: 'ok', value: 4 });
    const drift = await source.measure(
      m({ query: 'citations', verdicts: ['DRIFT'] }),
      context(fx.repo.dir, { manifest: doc }),
    );
    expect(drift).toMatchObject({ status: 'ok', value: 2 });
    // As of the first commit the lines had not moved yet.
    const then = await source.measure(
      m({ query: 'citations', verdicts: ['DRIFT'] }),
      context(fx.repo.dir, { manifest: doc, asOf: '2026-05-01T12:00:00Z' }),
    );
    expect(then).toMatchObject({ status: 'ok', value: 0 });
  });

  it('halts when the document is not in the tree, or cites nothing', async () => {
    const gone = await source.measure(
      m({ query: 'citations', document: 'rfcs/none.md' }),
      context(fx.repo.dir, { manifest: doc }),
    );
    expect(gone).toMatchObject({ status: 'halt', halt: 'missing' });
    fx.repo.commit({ files: { 'rfcs/empty.md': '# Nothing cited\n' }, message: 'empty', date: '2026-05-03T10:00:00Z' });
    const fresh = new VerifierMeasurementSource();
    const none = await fresh.measure(
      m({ query: 'citations', document: 'rfcs/empty.md' }),
      context(fx.repo.dir, { manifest: doc }),
    );
    expect(none).toMatchObject({ status: 'halt', halt: 'insufficient' });
  });

  it('halts, never guesses, outside a repository', async () => {
    const out = await source.measure(m({ query: 'citations' }), context(tempDir(), { manifest: doc }));
    expect(out).toMatchObject({ status: 'halt', halt: 'error' });
  });
});

describe('verifier source: parity', () => {
  const source = new VerifierMeasurementSource();
  const spec = (over: Partial<ParitySpec> = {}): ParitySpec => ({
    significant_digits: 12,
    mask: '.*_at',
    golden: 'golden',
    candidate: 'beam',
    location,
    ...over,
  });
  const root = tempDir();
  const put = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };

  it('halts without a candidate folder, with an empty golden folder, or with an unmatched capture', async () => {
    put('golden/a.json', '{"n": 1}');
    expect(
      await source.measure(
        m({ query: 'parity', parity: spec({ candidate: undefined as unknown as string }) }),
        context(root),
      ),
    ).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(await source.measure(m({ query: 'parity', parity: spec() }), context(root))).toMatchObject({
      status: 'halt',
      halt: 'missing',
    });
    put('beam/b.json', '{"n": 1}');
    const unmatched = await source.measure(m({ query: 'parity', parity: spec() }), context(root));
    expect(unmatched).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(unmatched.status === 'halt' && unmatched.reason).toMatch(
      /a\.json: missing capture; b\.json: missing golden/,
    );
  });

  it('halts on a capture that is a link to nothing, naming the link and its target', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'golden'));
    mkdirSync(join(dir, 'beam'));
    writeFileSync(join(dir, 'golden/a.json'), '{"n": 1}');
    symlinkSync('../shared/a.json', join(dir, 'beam/a.json'));
    const out = await source.measure(m({ query: 'parity', parity: spec() }), context(dir));
    expect(out).toMatchObject({ status: 'halt', halt: 'missing' });
    const reason = out.status === 'halt' ? out.reason : '';
    expect(reason).toContain(
      'a.json: missing capture, beam/a.json is a symbolic link to ../shared/a.json, which does not exist',
    );
    expect(reason).not.toContain(dir);
    expect(out.evidence).toMatchObject({
      unreadable: [{ file: 'a.json', why: 'beam/a.json is a symbolic link to ../shared/a.json, which does not exist' }],
    });
    rmSync(join(dir, 'beam/a.json'));
    symlinkSync('a.json', join(dir, 'beam/a.json'));
    const loop = await source.measure(m({ query: 'parity', parity: spec() }), context(dir));
    expect(loop.status === 'halt' && loop.reason).toContain(
      'beam/a.json is a symbolic link to a.json, which is a loop of links',
    );
  });

  it('names a named pipe under a capture name in the evidence, never opening it; the captures beside it are compared', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'golden'));
    mkdirSync(join(dir, 'beam'));
    writeFileSync(join(dir, 'golden/a.json'), '{"n": 1}');
    writeFileSync(join(dir, 'beam/a.json'), '{"n": 1}');
    execFileSync('mkfifo', [join(dir, 'golden/p.json')]);
    const out = await source.measure(m({ query: 'parity', parity: spec() }), context(dir));
    expect(out).toMatchObject({ status: 'ok', value: 0 });
    expect(out.evidence.skipped).toEqual(['golden/p.json is a named pipe, not a regular file: not read']);
  });

  it('halts on a malformed capture, naming it as the repository does', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'golden'));
    mkdirSync(join(dir, 'beam'));
    writeFileSync(join(dir, 'golden/a.json'), '{"n": 1}');
    writeFileSync(join(dir, 'beam/a.json'), '{"n": 1');
    const out = await source.measure(m({ query: 'parity', parity: spec() }), context(dir));
    expect(out).toMatchObject({ status: 'halt', halt: 'error' });
    expect(out.status === 'halt' && out.reason).toMatch(/^beam\/a\.json:1:8: not valid JSON/);
  });

  it('halts on several malformed captures, naming every one', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'golden'));
    mkdirSync(join(dir, 'beam'));
    for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, `golden/${n}.json`), '{"n": 1}');
    writeFileSync(join(dir, 'beam/a.json'), '<html>502 Bad Gateway</html>');
    writeFileSync(join(dir, 'beam/b.json'), '{"n": 2}');
    writeFileSync(join(dir, 'beam/c.json'), '<html>502 Bad Gateway</html>');
    const out = await source.measure(m({ query: 'parity', parity: spec() }), context(dir));
    expect(out).toMatchObject({ status: 'halt', halt: 'error' });
    expect(out.status === 'halt' && out.reason).toMatch(
      /^2 captures are not valid JSON, so parity cannot be measured until they are fixed or taken again: beam\/a\.json:1:1: not valid JSON: [^;]+; beam\/c\.json:1:1: not valid JSON: /,
    );
    expect(out.evidence.invalid).toHaveLength(2);
    expect(JSON.stringify(out.evidence)).not.toContain(dir);
  });

  it("halts as of a past instant: the captures in the working tree are today's, not that instant's", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'golden'));
    mkdirSync(join(dir, 'beam'));
    writeFileSync(join(dir, 'golden/a.json'), '{"n": 1}');
    writeFileSync(join(dir, 'beam/a.json'), '{"n": 1}');
    const clock = new VerifierMeasurementSource(undefined, { now: () => new Date('2026-06-01T12:00:00Z') });
    const past = await clock.measure(
      m({ query: 'parity', parity: spec() }),
      context(dir, { asOf: '2026-05-01T00:00:00Z' }),
    );
    expect(past).toMatchObject({ status: 'halt', halt: 'missing' });
    expect(past.status === 'halt' && past.reason).toBe(
      'parity compares the captures in the working tree, which keep no history, so it cannot be measured as of 2026-05-01T00:00:00.000Z, more than 5m in the past; evaluate without --as-of (or with one within 5m of now)',
    );
    // A run started a moment ago (or a clock a little off) still reads the present.
    const recent = await clock.measure(
      m({ query: 'parity', parity: spec() }),
      context(dir, { asOf: '2026-06-01T11:58:00Z' }),
    );
    expect(recent).toMatchObject({ status: 'ok', value: 0 });
  });

  it('halts on a capture whose name is not UTF-8, naming it as the repository does', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'golden'));
    mkdirSync(join(dir, 'beam'));
    writeFileSync(join(dir, 'golden/a.json'), '{"n": 1}');
    writeFileSync(join(dir, 'beam/a.json'), '{"n": 1}');
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/golden/`), Buffer.from('caf\xe9.json', 'latin1')]), '{}');
    const out = await source.measure(m({ query: 'parity', parity: spec() }), context(dir));
    expect(out).toMatchObject({ status: 'halt', halt: 'error', evidence: { not_utf8: ['golden/caf\\xE9.json'] } });
    expect(out.status === 'halt' && out.reason).toBe(
      'the name of golden/caf\\xE9.json is not UTF-8 (a Latin-1 or Windows-1252 name?), so it cannot be read or matched by name: rename it in UTF-8',
    );
  });

  it('counts the golden captures off parity', async () => {
    put('beam/a.json', '{"n": 1.0}');
    put('golden/b.json', '{"n": 1, "seen_at": 1}');
    put('beam/b.json', '{"n": 1, "seen_at": 2}');
    const out = await source.measure(m({ query: 'parity', parity: spec() }), context(root));
    expect(out).toMatchObject({ status: 'ok', value: 1 });
  });
});

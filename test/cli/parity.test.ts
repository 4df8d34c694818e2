/**
 * `parity diff` and `parity capture-check` as a user runs them: the real binary over
 * folders of captures, with and without an RFC's parity.yaml.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ALICE, createRepo, removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { modeline, writeRfc } from '../helpers/spec-fixture.js';
import { runCli } from '../helpers/cli.js';

const MASK = '(.*_at|.*_time.*|.*_ms|server_time|processing_time_ms|elapsed_ms|created)';

// A command stuck opening a named pipe is a failure, not a hung suite.
const run = (args: string[], cwd: string) => runCli(args, cwd, {}, { timeoutMs: 30_000 });

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

afterAll(removeFixtures);

describe('parity diff', () => {
  const dir = tempDir('rfcgate-parity-cli-');
  write(dir, {
    'golden/status.json': '{"agent_id": 7, "score": 0.1234567890121, "created_at": "2026-01-01", "tags": ["a"]}',
    'golden/update.json': '{"ok": true, "count": 1}',
    'golden/orphan.json': '{}',
    'beam/status.json': '{"agent_id": 7, "score": 0.1234567890124, "created_at": "2026-05-05", "tags": ["a"]}',
    'beam/update.json': '{"count": 1.0, "ok": true, "extra": null}',
  });

  it('reports every difference with its path and kind; exit 1; the 13th digit and masked keys do not count', () => {
    const r = run(['parity', 'diff', 'golden', 'beam', '--significant-digits', '12', '--mask', MASK], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^parity +status\.json$/m);
    expect(r.stdout).toMatch(/^DIFFERS +update\.json$/m);
    expect(r.stdout).toMatch(/^ {4}extra_field \$\.extra: only in the compared capture: null$/m);
    expect(r.stdout).toMatch(/^ {4}order_changed \$: \["ok", "count"\] → \["count", "ok"\]$/m);
    expect(r.stdout).toMatch(/^ {4}type_changed \$\.count: 1 → 1\.0$/m);
    expect(r.stdout).toMatch(/^NO CAPTURE +orphan\.json$/m);
  });

  it('at 13 significant digits the float differs', () => {
    const r = run(
      [
        'parity',
        'diff',
        'golden/status.json',
        'beam/status.json',
        '--significant-digits',
        '13',
        '--mask',
        MASK,
        '--json',
      ],
      dir,
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { files: { differences: { kind: string; path: string }[] }[] };
    expect(report.files[0]?.differences).toEqual([
      { path: '$.score', kind: 'float_beyond_precision', expected: '0.1234567890121', actual: '0.1234567890124' },
    ]);
  });

  it('--format junit has one testcase per golden file: failure for a difference, error for a missing capture', () => {
    const r = run(
      ['parity', 'diff', 'golden', 'beam', '--significant-digits', '12', '--mask', MASK, '--format', 'junit'],
      dir,
    );
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(r.stdout) as {
      testsuites: {
        tests: string;
        testsuite: { testcase: { name: string; failure?: { message: string }; error?: { type: string } }[] };
      };
    };
    const cases = xml.testsuites.testsuite.testcase;
    expect(cases.map((c) => c.name)).toEqual(['orphan.json', 'status.json', 'update.json']);
    expect(cases[0]?.error?.type).toBe('halt:missing_capture');
    expect(cases[1]?.failure).toBeUndefined();
    expect(cases[2]?.failure?.message).toBe('3 differences');
    expect(xml.testsuites.tests).toBe('3');
  });

  it('with only unmeasured files the exit is 2; malformed JSON is exit 3 with file:line:col', () => {
    write(dir, { 'g2/a.json': '{"n": 1}', 'g2/b.json': '{}', 'a2/a.json': '{"n": 1}' });
    const r = run(['parity', 'diff', 'g2', 'a2', '--significant-digits', '12'], dir);
    expect(r.code).toBe(2);
    write(dir, { 'bad/a.json': '{\n  "n": 1,\n}' });
    const bad = run(['parity', 'diff', 'g2/a.json', 'bad/a.json', '--significant-digits', '12'], dir);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^error: bad\/a\.json:3:1: not valid JSON: /);
    // Latin-1 bytes are not read as U+FFFD (which made "café" and "cafè" the same text): exit 3, located.
    writeFileSync(join(dir, 'g2/latin1.json'), Buffer.from('{"name": "caf\xe9"}', 'latin1'));
    writeFileSync(join(dir, 'a2/latin1.json'), Buffer.from('{"name": "caf\xe8"}', 'latin1'));
    const latin1 = run(['parity', 'diff', 'g2/latin1.json', 'a2/latin1.json', '--significant-digits', '12'], dir);
    expect(latin1.code).toBe(3);
    expect(latin1.stderr).toMatch(/^g2\/latin1\.json:1:14: not valid JSON: byte 0xE9 is not UTF-8/);
    expect(latin1.stderr).toMatch(/^a2\/latin1\.json:1:14: not valid JSON: byte 0xE8 is not UTF-8/m);
    const mixed = run(['parity', 'diff', 'g2/a.json', 'a2', '--significant-digits', '12'], dir);
    expect(mixed.code).toBe(3);
    expect(mixed.stderr).toMatch(/g2\/a\.json and a2 must both be files or both be folders/);
  });

  it('names every malformed capture in one run, one line each, then how many; exit 3, and in --json', () => {
    write(dir, {
      'g5/a.json': '{"n": 1}',
      'g5/b.json': '{"n": 1}',
      'g5/c.json': '{"n": 1}',
      'a5/a.json': '<html>502 Bad Gateway</html>',
      'a5/b.json': '{"n": 2}',
      'a5/c.json': '<html>502 Bad Gateway</html>',
    });
    const r = run(['parity', 'diff', 'g5', 'a5', '--significant-digits', '12'], dir);
    expect(r.code).toBe(3);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^a5\/a\.json:1:1: not valid JSON: /);
    expect(lines[1]).toMatch(/^a5\/c\.json:1:1: not valid JSON: /);
    expect(lines[2]).toBe('error: 2 captures are not valid JSON: fix them or take them again');
    const json = run(['parity', 'diff', 'g5', 'a5', '--significant-digits', '12', '--json'], dir);
    expect(json.code).toBe(3);
    const error = (JSON.parse(json.stdout) as { error: { problems: { file: string; line: number }[] } }).error;
    expect(error.problems.map((p) => [p.file, p.line])).toEqual([
      ['a5/a.json', 1],
      ['a5/c.json', 1],
    ]);
  });

  it('a named pipe in a folder is named as skipped, never opened; named as one of the two paths, it is exit 3', () => {
    write(dir, { 'g3/a.json': '{"n": 1}', 'a3/a.json': '{"n": 1}' });
    execFileSync('mkfifo', [join(dir, 'g3/p.json')]);
    const r = run(['parity', 'diff', 'g3', 'a3', '--significant-digits', '12'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'skipped, not regular files (not compared):\n    g3/p.json is a named pipe, not a regular file: not read\n',
    );
    const json = run(['parity', 'diff', 'g3', 'a3', '--significant-digits', '12', '--json'], dir);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: 'pass',
      skipped: ['g3/p.json is a named pipe, not a regular file: not read'],
    });
    const named = run(['parity', 'diff', 'g3/p.json', 'a3/a.json', '--significant-digits', '12'], dir);
    expect(named.code).toBe(3);
    expect(named.stderr).toBe(
      'error: g3/p.json is a named pipe, not a capture file or folder: name the JSON file or the folder of them\n',
    );
  });

  it('a --mask that is not a regular expression is named with its pattern and its reason; exit 3', () => {
    const r = run(['parity', 'diff', 'golden', 'beam', '--significant-digits', '12', '--mask', '(.*_at|(['], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^error: --mask "\(\.\*_at\|\(\[" is not a valid regular expression: unterminated character class; fix the pattern/,
    );
    expect(r.stderr).not.toMatch(/\^\(\?:/);
  });

  it('outside an RFC, without --significant-digits, says where the definition comes from; exit 3', () => {
    const r = run(['parity', 'diff', 'golden', 'beam'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no parity definition: add parity\.yaml/);
  });
});

describe('parity diff: a capture name that is not UTF-8', () => {
  it('is an invalid input naming the file with its byte, exit 3, not "no such file"', () => {
    const dir = tempDir('rfcgate-parity-cli-');
    for (const side of ['g', 'a']) {
      mkdirSync(join(dir, side));
      writeFileSync(Buffer.concat([Buffer.from(`${join(dir, side)}/`), Buffer.from('caf\xe9.json', 'latin1')]), '{}');
    }
    const r = run(['parity', 'diff', 'g', 'a', '--significant-digits', '12'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'error: 2 names of captures or their folders are not UTF-8 (a Latin-1 or Windows-1252 name?), so they cannot be read or matched by name: g/caf\\xE9.json; a/caf\\xE9.json; rename them in UTF-8\n',
    );
  });
});

describe('parity with parity.yaml', () => {
  const repo = createRepo();
  writeRfc(repo.dir, {
    manifest: { id: 'demo', title: 'Demo', version: 'v1', mainline: 'main', operators: [ALICE] },
    measurements: [{ id: 'parity_off', verifier: { query: 'parity' } }],
    'exit-criteria': [
      { id: 'PARITY', title: '100% golden parity', section: '§7.2', phase: ['close'], passes_if: 'parity_off == 0' },
    ],
    raw: {
      'parity.yaml':
        modeline('parity.yaml') +
        stringify({
          section: '§7.2',
          significant_digits: 12,
          mask: MASK,
          golden: 'golden',
          candidate: 'beam',
          recapture: 'again',
        }),
    },
  });
  write(repo.dir, {
    'golden/a.json': '{"id": 1, "server_time": 5, "request_id": "r-1"}',
    'again/a.json': '{"id": 1, "server_time": 6, "request_id": "r-2"}',
  });
  repo.commit({
    files: { 'golden/a.json': '{"id": 1, "server_time": 5, "request_id": "r-1"}' },
    message: 'golden',
    date: '2026-05-01T10:00:00Z',
  });

  it('reads the folders and rules from parity.yaml; a candidate folder not there yet halts (exit 2)', () => {
    const r = run(['parity', 'diff'], repo.dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/12 significant digits, mask \/\(\.\*_at/);
    expect(r.stdout).toMatch(/HALT: beam does not exist/);
    const gate = run(['gate', 'check', '--json'], repo.dir);
    expect(gate.code).toBe(2);
    expect(gate.stdout).toMatch(/"halt_reason": "missing"/);
  });

  it('says which rules the flags gave, not parity.yaml, when they override it', () => {
    const both = run(['parity', 'diff', '--significant-digits', '3', '--mask', 'request_id', '--json'], repo.dir);
    expect(JSON.parse(both.stdout)).toMatchObject({
      significant_digits: 3,
      mask: 'request_id',
      spec: 'gates/demo/parity.yaml',
      overridden: ['significant_digits', 'mask'],
    });
    const mask = run(['parity', 'diff', '--mask', 'request_id'], repo.dir);
    expect(mask.stdout.split('\n')[0]).toBe(
      'parity: golden vs beam; 12 significant digits, mask /request_id/ (gates/demo/parity.yaml; mask from --mask)',
    );
    const digits = run(['parity', 'diff', '--significant-digits', '3'], repo.dir);
    expect(digits.stdout.split('\n')[0]).toBe(
      `parity: golden vs beam; 3 significant digits, mask /${MASK}/ (gates/demo/parity.yaml; significant digits from --significant-digits)`,
    );
    const none = run(['parity', 'diff', '--json'], repo.dir);
    expect(JSON.parse(none.stdout)).not.toHaveProperty('overridden');
  });

  it("an empty --mask is refused rather than dropping parity.yaml's mask; exit 3", () => {
    const r = run(['parity', 'diff', '--mask', ''], repo.dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "error: --mask '' is empty: give a regular expression matched against whole key names, such as .*_at; leave --mask out to use parity.yaml's mask (there is no flag to compare without it)\n",
    );
  });

  it('100% golden parity as a gate: passes when every capture matches, fails when one differs', () => {
    write(repo.dir, { 'beam/a.json': '{"id": 1, "server_time": 99, "request_id": "r-1"}' });
    expect(run(['parity', 'diff'], repo.dir).code).toBe(0);
    expect(run(['gate', 'check'], repo.dir).code).toBe(0);
    write(repo.dir, { 'beam/a.json': '{"id": 2, "server_time": 99, "request_id": "r-1"}' });
    const g = run(['gate', 'check', '--json'], repo.dir);
    expect(g.code).toBe(1);
    expect(g.stdout).toMatch(/"first": "value_changed at \$\.id"/);
  });

  it('capture-check fails loudly naming a non-deterministic field outside the mask; a masked one is fine', () => {
    const r = run(['parity', 'capture-check'], repo.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^UNSTABLE +a\.json$/m);
    expect(r.stdout).toMatch(/non-deterministic/);
    expect(r.stdout).toMatch(/^ {4}value_changed \$\.request_id: "r-1" → "r-2"$/m);
    expect(r.stdout).not.toMatch(/\$\.server_time/);
    write(repo.dir, { 'again/a.json': '{"id": 1, "server_time": 7, "request_id": "r-1"}' });
    expect(run(['parity', 'capture-check'], repo.dir).code).toBe(0);
  });
});

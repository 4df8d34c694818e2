import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatParity } from '../../src/formatters/parity/index.js';
import { CaptureNamesNotUtf8, compareParity, InvalidCaptures, parityExitCode } from '../../src/parity/compare.js';
import { JsonSyntaxError } from '../../src/parity/parse.js';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

const RULES = { significantDigits: 12, mask: '(.*_at|.*_ms)' };

function folder(files: Record<string, string>): string {
  const dir = tempDir('rfcgate-parity-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('compareParity', () => {
  it('matches folders by relative path; a golden without capture and a capture without golden are unmeasured', () => {
    const golden = folder({ 'a.json': '{"n": 1}', 'sub/b.json': '{"n": 2, "took_ms": 3}', 'c.json': '{}' });
    const actual = folder({ 'a.json': '{"n": 1}', 'sub/b.json': '{"took_ms": 9, "n": 2}', 'd.json': '{}' });
    const r = compareParity(golden, actual, RULES);
    expect(r.files.map((f) => [f.name, f.status])).toEqual([
      ['a.json', 'parity'],
      ['c.json', 'missing_capture'],
      ['d.json', 'missing_golden'],
      ['sub/b.json', 'parity'],
    ]);
    expect(r.verdict).toBe('halt');
    expect(parityExitCode(r)).toBe(2);
  });

  it('pairs a capture whose name has its accents decomposed with the golden one that has them composed', () => {
    const golden = folder({
      'caf\u00e9.json': '{"n": 1}',
      'cr\u00e8me/th\u00e9.json': '{"n": 2}',
      'na\u00efve.json': '{}',
    });
    const actual = folder({
      'cafe\u0301.json': '{"n": 1}',
      'cre\u0300me/the\u0301.json': '{"n": 3}',
      'nai\u0308ve.json': '{}',
      'na\u00efve.json': '{}',
    });
    const r = compareParity(golden, actual, RULES);
    expect(r.files.map((f) => [f.name, f.status, f.actual?.slice(actual.length + 1) ?? null])).toEqual([
      ['caf\u00e9.json', 'parity', 'cafe\u0301.json'],
      ['cr\u00e8me/th\u00e9.json', 'differs', 'cre\u0300me/the\u0301.json'],
      // Named exactly so on both sides: the other form is a capture without golden.
      ['nai\u0308ve.json', 'missing_golden', 'nai\u0308ve.json'],
      ['na\u00efve.json', 'parity', 'na\u00efve.json'],
    ]);
    expect(r.verdict).toBe('fail');
  });

  it('compares a capture named .JSON (any case) like any other: a difference there fails', () => {
    const golden = folder({ 'a.json': '{"n": 1}', 'B.JSON': '{"n": 2}', 'sub/c.Json': '{"n": 3}' });
    const actual = folder({ 'a.json': '{"n": 1}', 'B.JSON': '{"n": 20}', 'sub/c.Json': '{"n": 3}' });
    const r = compareParity(golden, actual, RULES);
    expect(r.files.map((f) => [f.name, f.status])).toEqual([
      ['B.JSON', 'differs'],
      ['a.json', 'parity'],
      ['sub/c.Json', 'parity'],
    ]);
    expect(r.verdict).toBe('fail');
  });

  it('compares a capture that is a symbolic link as the file it points to', () => {
    const shared = folder({ 'one.json': '{"n": 1}', 'two.json': '{"n": 2}' });
    const golden = folder({});
    const actual = folder({ 'one.json': '{"n": 1}', 'sub/two.json': '{"n": 3}' });
    symlinkSync(join(shared, 'one.json'), join(golden, 'one.json'));
    mkdirSync(join(golden, 'sub'));
    symlinkSync(join(shared, 'two.json'), join(golden, 'sub', 'two.json'));
    // A link back to the folder itself is not a second copy of every capture.
    symlinkSync(golden, join(golden, 'loop'));
    const r = compareParity(golden, actual, RULES);
    expect(r.files.map((f) => [f.name, f.status])).toEqual([
      ['one.json', 'parity'],
      ['sub/two.json', 'differs'],
    ]);
  });

  it('a capture that is a link to nothing is missing on its side, named, and halts; it is never skipped', () => {
    const golden = folder({ 'a.json': '{"n": 1}', 'b.json': '{"n": 2}' });
    const actual = folder({ 'a.json': '{"n": 1}', 'c.json': '{"n": 3}' });
    symlinkSync(join(actual, 'gone.json'), join(actual, 'b.json'));
    symlinkSync(join(golden, 'gone.json'), join(golden, 'c.json'));
    symlinkSync('loop.json', join(golden, 'loop.json'));
    const r = compareParity(golden, actual, RULES);
    expect(r.files.map((f) => [f.name, f.status, f.unreadable])).toEqual([
      ['a.json', 'parity', undefined],
      [
        'b.json',
        'missing_capture',
        `${join(actual, 'b.json')} is a symbolic link to ${join(actual, 'gone.json')}, which does not exist`,
      ],
      [
        'c.json',
        'missing_golden',
        `${join(golden, 'c.json')} is a symbolic link to ${join(golden, 'gone.json')}, which does not exist`,
      ],
      [
        'loop.json',
        'missing_golden',
        `${join(golden, 'loop.json')} is a symbolic link to loop.json, which is a loop of links`,
      ],
    ]);
    expect(r.verdict).toBe('halt');
    expect(parityExitCode(r)).toBe(2);
    const table = formatParity(r, 'table');
    expect(table).toContain(`NO CAPTURE  b.json\n    ${join(actual, 'b.json')} is a symbolic link to`);
    expect(formatParity(r, 'junit')).toContain(
      `no capture to compare with the golden ${join(golden, 'b.json')}: ${join(actual, 'b.json')} is a symbolic link`,
    );
  });

  it('a golden folder holding only links to nothing halts on them, naming each', () => {
    const golden = folder({});
    symlinkSync(join(golden, 'gone.json'), join(golden, 'a.json'));
    const r = compareParity(golden, folder({}), RULES);
    expect(r.verdict).toBe('halt');
    expect(r.files.map((f) => [f.name, f.status])).toEqual([['a.json', 'missing_golden']]);
    expect(r.files[0]?.unreadable).toMatch(/a\.json is a symbolic link to .*gone\.json, which does not exist$/);
  });

  it('a difference fails even when something is also unmeasured', () => {
    const golden = folder({ 'a.json': '{"n": 1}', 'c.json': '{}' });
    const actual = folder({ 'a.json': '{"n": 1.0}' });
    const r = compareParity(golden, actual, RULES);
    expect(r.counts).toEqual({ parity: 0, differs: 1, missing_capture: 1, missing_golden: 0 });
    expect(r.verdict).toBe('fail');
    expect(r.files[0]?.differences[0]).toMatchObject({ kind: 'type_changed', path: '$.n' });
  });

  it('compares two files', () => {
    const dir = folder({ 'g.json': '[1, 2]', 'a.json': '[1, 2]' });
    const r = compareParity(join(dir, 'g.json'), join(dir, 'a.json'), RULES);
    expect(r.verdict).toBe('pass');
    expect(r.files).toEqual([
      { name: 'g.json', status: 'parity', golden: join(dir, 'g.json'), actual: join(dir, 'a.json'), differences: [] },
    ]);
  });

  it('halts on an empty golden folder or a missing one: zero captures is not parity', () => {
    const empty = folder({ 'notes.txt': 'x' });
    expect(compareParity(empty, folder({}), RULES).halt).toMatch(/no golden captures/);
    expect(compareParity(join(empty, 'nope'), empty, RULES).halt).toMatch(/does not exist/);
  });

  it('a named pipe under a capture name is skipped and named, never opened; alone, or where the other side has the capture, it is unmeasured', () => {
    const golden = folder({ 'a.json': '{"n": 1}', 'only-actual.json': '{}' });
    const actual = folder({ 'a.json': '{"n": 1}' });
    // Opening any of these for reading would wait here for a writer that never comes.
    for (const p of [join(golden, 'p.json'), join(actual, 'p.json'), join(actual, 'only-actual.json')]) {
      execFileSync('mkfifo', [p]);
    }
    symlinkSync('p.json', join(golden, 'to-p.json'));
    const r = compareParity(golden, actual, RULES);
    const pipe = (p: string) => `${p} is a named pipe, not a regular file: not read`;
    expect(r.skipped).toEqual([
      pipe(join(golden, 'p.json')),
      pipe(join(golden, 'to-p.json')),
      pipe(join(actual, 'only-actual.json')),
      pipe(join(actual, 'p.json')),
    ]);
    // A pipe on both sides, or on one with nothing on the other, is no capture to compare.
    expect(r.files.map((f) => [f.name, f.status, f.unreadable])).toEqual([
      ['a.json', 'parity', undefined],
      ['only-actual.json', 'missing_capture', pipe(join(actual, 'only-actual.json'))],
    ]);
    expect(r.verdict).toBe('halt');
    const table = formatParity(r, 'table');
    expect(table).toContain(`skipped, not regular files (not compared):\n    ${pipe(join(golden, 'p.json'))}\n`);
    expect(table).toContain(`NO CAPTURE  only-actual.json\n    ${pipe(join(actual, 'only-actual.json'))}\n`);
    expect(formatParity(r, 'junit')).toMatch(/<testsuites [^>]*tests="6" failures="0" errors="1" skipped="4"/);
    expect(JSON.parse(formatParity(r, 'json'))).toMatchObject({ skipped: r.skipped });
    // Nothing else beside it: the captures that compare still pass.
    const g2 = folder({ 'a.json': '{"n": 1}' });
    execFileSync('mkfifo', [join(g2, 'p.json')]);
    expect(compareParity(g2, folder({ 'a.json': '{"n": 1}' }), RULES)).toMatchObject({
      verdict: 'pass',
      skipped: [pipe(join(g2, 'p.json'))],
    });
    // A golden folder of pipes alone holds no capture: the halt says what it found.
    const g3 = folder({});
    execFileSync('mkfifo', [join(g3, 'p.json')]);
    expect(compareParity(g3, g2, RULES)).toMatchObject({
      verdict: 'halt',
      halt: `no golden captures (*.json) in ${g3}: zero files is unmeasured, not parity (${pipe(join(g3, 'p.json'))})`,
      skipped: [pipe(join(g3, 'p.json')), pipe(join(g2, 'p.json'))],
    });
    // Named as one of the two to compare, a pipe halts without being opened.
    expect(compareParity(join(golden, 'p.json'), join(golden, 'a.json'), RULES).halt).toBe(
      `${join(golden, 'p.json')} is a named pipe, not a capture file or folder: name the JSON file or the folder of them`,
    );
  });

  it('a folder compared with itself (or through a link to it) halts: it would be at parity whatever it holds', () => {
    const golden = folder({ 'a.json': '{"n": 1}' });
    const link = join(tempDir('rfcgate-parity-'), 'candidate');
    symlinkSync(golden, link);
    for (const [g, a] of [
      [golden, golden],
      [golden, link],
      [join(golden, 'a.json'), join(link, 'a.json')],
    ] as const) {
      const r = compareParity(g, a, RULES);
      expect([r.verdict, parityExitCode(r)]).toEqual(['halt', 2]);
      expect(r.halt).toMatch(/ are the same (folder|file): each capture would be compared with itself/);
    }
  });

  it('malformed JSON is an error with its position, not a difference', () => {
    const golden = folder({ 'a.json': '{"n": 1}' });
    const actual = folder({ 'a.json': '{"n": 1,,}' });
    expect(() => compareParity(golden, actual, RULES)).toThrow(InvalidCaptures);
  });

  it('names every malformed capture at once, golden or compared, with its position', () => {
    // Candidates taken while the server answered 502 pages: every one is named in one run.
    const golden = folder({ 'a.json': '{"n": 1}', 'b.json': '{"n": 1', 'c.json': '{"n": 1}', 'd.json': '{}' });
    const actual = folder({
      'a.json': '<html><body>502 Bad Gateway</body></html>',
      'b.json': '{"n": 1}',
      'c.json': '',
      'd.json': '{"n": 2}',
    });
    let thrown: unknown;
    try {
      compareParity(golden, actual, RULES);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InvalidCaptures);
    const errors = (thrown as InvalidCaptures).errors;
    expect(errors.every((e) => e instanceof JsonSyntaxError)).toBe(true);
    expect(errors.map((e) => [e.file, e.line, e.col])).toEqual([
      [join(actual, 'a.json'), 1, 1],
      [join(golden, 'b.json'), 1, 8],
      [join(actual, 'c.json'), 1, 1],
    ]);
    expect((thrown as Error).message).toMatch(/^3 captures are not valid JSON: .*a\.json:1:1: not valid JSON: /);
  });

  it('a capture whose name is not UTF-8 is named as such, on both sides at once, never "no such file"', () => {
    // "café.json" written by a Latin-1 tool: read as text, its name became "caf\uFFFD.json",
    // a path that does not exist, and the comparison died on ENOENT for a file that is there.
    const golden = tempDir('rfcgate-parity-');
    const actual = tempDir('rfcgate-parity-');
    const latin1 = (dir: string, name: string) => Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(name, 'latin1')]);
    writeFileSync(latin1(golden, 'caf\xe9.json'), '{"n": 1}');
    writeFileSync(latin1(actual, 'caf\xe9.json'), '{"n": 2}');
    mkdirSync(latin1(actual, 'r\xe9ponses'));
    writeFileSync(join(golden, 'ok.json'), '{}');
    writeFileSync(join(actual, 'ok.json'), '{}');
    // Neither a capture nor a folder: left out, as any file not named *.json is.
    writeFileSync(latin1(golden, 'notes-\xe9.txt'), 'x');
    symlinkSync('ok.json', latin1(golden, 'link-\xe9'));
    let thrown: unknown;
    try {
      compareParity(golden, actual, RULES);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CaptureNamesNotUtf8);
    expect((thrown as CaptureNamesNotUtf8).paths).toEqual([
      join(golden, 'caf\\xE9.json'),
      join(actual, 'caf\\xE9.json'),
      join(actual, 'r\\xE9ponses'),
    ]);
    expect((thrown as Error).message).toBe(
      `3 names of captures or their folders are not UTF-8 (a Latin-1 or Windows-1252 name?), so they cannot be read or matched by name: ${join(golden, 'caf\\xE9.json')}; ${join(actual, 'caf\\xE9.json')}; ${join(actual, 'r\\xE9ponses')}; rename them in UTF-8`,
    );
  });

  it('a capture that is not UTF-8 is an error at its first such byte, never read as the same text as another', () => {
    // "café" saved as Latin-1 and "cafè" saved as Latin-1: decoded leniently, both read "caf\uFFFD".
    const golden = tempDir('rfcgate-parity-');
    const actual = tempDir('rfcgate-parity-');
    writeFileSync(join(golden, 'a.json'), Buffer.from('{\n  "name": "caf\xe9"}', 'latin1'));
    writeFileSync(join(actual, 'a.json'), Buffer.from('{\n  "name": "caf\xe8"}', 'latin1'));
    expect(() => compareParity(golden, actual, RULES)).toThrow(
      `${join(golden, 'a.json')}:2:15: not valid JSON: byte 0xE9 is not UTF-8 (a Latin-1 or Windows-1252 file?): save it as UTF-8`,
    );
    // What a Windows shell writes by default: UTF-16 with a byte-order mark, named as such.
    writeFileSync(
      join(golden, 'a.json'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"n": 1}', 'utf16le')]),
    );
    writeFileSync(join(actual, 'a.json'), '{"n": 1}');
    expect(() => compareParity(golden, actual, RULES)).toThrow(
      `${join(golden, 'a.json')}:1:1: not valid JSON: the file is UTF-16 (little-endian; byte-order mark FF FE), not UTF-8: save it as UTF-8`,
    );
    // UTF-8 with its byte-order mark, accents and an emoji is read as it is.
    writeFileSync(join(golden, 'a.json'), '\uFEFF{"name": "café 😀"}');
    writeFileSync(join(actual, 'a.json'), '{"name": "café 😀"}');
    expect(compareParity(golden, actual, RULES).verdict).toBe('pass');
  });
});

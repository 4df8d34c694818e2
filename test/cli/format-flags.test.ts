/** --format name=file: checked before a command runs, and written all or nothing. */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  openSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFormatFlags, writeReports } from '../../src/cli/format-flags.js';
import { UsageError } from '../../src/spec/problems.js';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';

afterAll(removeFixtures);

const NAMES = ['stylish', 'json', 'sarif'] as const;
const parse = (values: string[]) =>
  parseFormatFlags<(typeof NAMES)[number]>(values, false, { names: NAMES, fallback: 'stylish', what: 'a format' });

/** The same, with standard output on another descriptor (a file or pipe the test opened). */
const withStdout = (fd: number, values: string[]) =>
  parseFormatFlags<(typeof NAMES)[number]>(values, false, {
    names: NAMES,
    fallback: 'stylish',
    what: 'a format',
    stdout: fd,
  });

describe('--format name=file', () => {
  it('a format name missing before = is said to be missing, not to be an unknown format', () => {
    expect(() => parse(['=out.sarif'])).toThrow(UsageError);
    expect(() => parse(['=out.sarif'])).toThrow(
      "--format =out.sarif: the format name is missing before '='; write name=file, such as stylish=out.sarif (one of stylish, json, sarif)",
    );
    expect(() => parse([' = x'])).toThrow(
      /^--format = x: the format name is missing before '='; .* such as stylish=x /,
    );
    expect(() => parse([''])).toThrow(
      '--format needs a format name: one of stylish, json, sarif (name=file writes a file)',
    );
  });

  it('refuses two reports into one file, however the path is spelled, and a folder that does not exist', () => {
    const dir = tempDir();
    const a = join(dir, 'a.json');
    const spelled = relative(process.cwd(), join(dir, '.', 'x', '..', 'a.json'));
    expect(() => parse([`json=${a}`, `sarif=${spelled}`])).toThrow(UsageError);
    expect(() => parse([`json=${a}`, `sarif=${spelled}`])).toThrow(/--format json and --format sarif both write/);
    expect(() => parse([`json=${join(dir, 'missing', 'a.json')}`])).toThrow(/the folder .*missing does not exist/);
    // A file where the folder should be is said as such.
    writeFileSync(join(dir, 'afile'), 'x');
    expect(() => parse([`json=${join(dir, 'afile', 'a.json')}`])).toThrow(/: .*afile is a file, not a folder$/);
    expect(() => parse([`json=${join(dir, 'afile', 'sub', 'a.json')}`])).toThrow(/: a file stands on the path to /);
    // A folder named as the file is refused before the command runs, not after all its work.
    mkdirSync(join(dir, 'out'));
    expect(() => parse([`json=${join(dir, 'out')}`])).toThrow(/^cannot write .*out: it is a folder, not a file$/);
    expect(() => parse([`json=${join(dir, 'out')}/`])).toThrow(/^cannot write .*out\/: it is a folder, not a file$/);
    expect(parse([`json=${a}`, `sarif=${join(dir, 'b.sarif')}`]).map((o) => o.format)).toEqual([
      'json',
      'sarif',
      'stylish',
    ]);
  });

  it('refuses, before the command runs, a link to a folder that is not there, and a loop of links', () => {
    const dir = tempDir();
    // Writing through a link creates the file it names; that file's folder must be there.
    symlinkSync(join(dir, 'gone', 'report.json'), join(dir, 'to-gone.json'));
    expect(() => parse([`json=${join(dir, 'to-gone.json')}`])).toThrow(
      /^cannot write .*to-gone\.json: it is a link to .*gone\/report\.json, whose folder .*gone does not exist$/,
    );
    // A folder on the way that is a link to nothing says so, rather than only that it is missing.
    symlinkSync(join(dir, 'gone'), join(dir, 'reports'));
    expect(() => parse([`json=${join(dir, 'reports', 'r.json')}`])).toThrow(
      /: the folder .*reports does not exist \(it is a link to .*gone, which is not there\)$/,
    );
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    expect(() => parse([`json=${join(dir, 'loop-a')}`])).toThrow(
      /^cannot write .*loop-a: its links lead round in a loop$/,
    );
    // A link to a file not there yet, in a folder that is, is written through as before.
    symlinkSync('new.json', join(dir, 'to-new.json'));
    expect(parse([`json=${join(dir, 'to-new.json')}`])).toEqual([
      { format: 'json', file: join(dir, 'to-new.json') },
      { format: 'stylish' },
    ]);
  });

  it('refuses a report file that standard output is also redirected to (`> file`)', () => {
    const dir = tempDir();
    const file = join(dir, 'report.sarif');
    writeFileSync(file, 'old\n');
    const fd = openSync(file, 'a');
    try {
      expect(() => withStdout(fd, [`sarif=${file}`])).toThrow(
        new RegExp(`^standard output is redirected to .*report\\.sarif, which --format sarif also writes;`),
      );
      // Through a link too; another file, or a pipe, is fine.
      symlinkSync('report.sarif', join(dir, 'link.sarif'));
      expect(() => withStdout(fd, [`json=${join(dir, 'other.json')}`, `sarif=${join(dir, 'link.sarif')}`])).toThrow(
        /redirected to .*link\.sarif, which --format sarif also writes/,
      );
      expect(withStdout(fd, [`sarif=${join(dir, 'other.sarif')}`]).map((o) => o.format)).toEqual(['sarif', 'stylish']);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('old\n');
  });

  it('takes a name of the pipe standard output is (/dev/stdout) for standard output', () => {
    const dir = tempDir();
    const fifo = join(dir, 'out');
    execFileSync('mkfifo', [fifo]);
    symlinkSync('out', join(dir, 'stdout'));
    const other = join(dir, 'other');
    execFileSync('mkfifo', [other]);
    // Read and write: opening a FIFO so does not wait for the other end.
    const fd = openSync(fifo, 'r+');
    try {
      // The report is the one on standard output: nothing else is printed there after it.
      expect(withStdout(fd, [`sarif=${join(dir, 'stdout')}`])).toEqual([{ format: 'sarif' }]);
      expect(() => withStdout(fd, [`sarif=${fifo}`, 'json'])).toThrow(
        /^only one report can go to standard output \(got sarif and json\)/,
      );
      // Another pipe is a file to write.
      expect(withStdout(fd, [`sarif=${other}`])).toEqual([{ format: 'sarif', file: other }, { format: 'stylish' }]);
    } finally {
      closeSync(fd);
    }
  });

  it('refuses two reports into one file reached by two names (a link, a hard link)', () => {
    const dir = tempDir();
    const real = join(dir, 'a.sarif');
    writeFileSync(real, 'old\n');
    symlinkSync('a.sarif', join(dir, 'l.sarif'));
    linkSync(real, join(dir, 'hard.sarif'));
    // A link to a file that is not there yet names that file too.
    symlinkSync('new.sarif', join(dir, 'dangling.sarif'));
    for (const [one, two] of [
      ['a.sarif', 'l.sarif'],
      ['a.sarif', 'hard.sarif'],
      ['new.sarif', 'dangling.sarif'],
    ] as const) {
      expect(() => parse([`json=${join(dir, one)}`, `sarif=${join(dir, two)}`])).toThrow(
        new RegExp(`--format json and --format sarif both write .*${two} \\(the same file as .*${one}\\);`),
      );
    }
    expect(readFileSync(real, 'utf8')).toBe('old\n');
    // Two names of one pipe (stdout and stderr, often one in CI) are two streams, written in turn.
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    symlinkSync('pipe', join(dir, 'err'));
    expect(parse([`json=${fifo}`, `sarif=${join(dir, 'err')}`]).map((o) => o.format)).toEqual([
      'json',
      'sarif',
      'stylish',
    ]);
  });

  it('writes every file whole, or none of them when one cannot be written', async () => {
    const dir = tempDir();
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const outputs = parse([`json=${join(dir, 'a.json')}`, `sarif=${join(sub, 'b.sarif')}`]);
    const render = (f: string) => `${f} report\n`;
    // The folder goes away after the flags were checked: the second write fails.
    rmSync(sub, { recursive: true });
    await expect(writeReports(outputs.slice(0, 2), render)).rejects.toThrow(
      /cannot write .*b\.sarif: ENOENT.*no report file was written/,
    );
    expect(readdirSync(dir)).toEqual([]);

    mkdirSync(sub);
    await writeReports(outputs.slice(0, 2), render);
    expect(readFileSync(join(dir, 'a.json'), 'utf8')).toBe('json report\n');
    expect(readFileSync(join(sub, 'b.sarif'), 'utf8')).toBe('sarif report\n');
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'sub']);
    expect(existsSync(join(sub, `b.sarif.${process.pid}.tmp`))).toBe(false);
  });

  it('puts back the files already replaced when a later one cannot be renamed into place', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.json');
    const fresh = join(dir, 'fresh.json');
    const b = join(dir, 'b.sarif');
    writeFileSync(a, 'old a\n');
    writeFileSync(b, 'old b\n');
    const [p1, p2] = [join(dir, 'p1'), join(dir, 'p2')];
    execFileSync('mkfifo', [p1, p2]);
    // Pipes are written after the temporary files and before the renames: between the two,
    // another process turns b.sarif into a folder that is not empty, which no rename replaces.
    const other = spawn(
      'sh',
      ['-c', 'cat "$1" >/dev/null && rm "$3" && mkdir "$3" && touch "$3/x" && cat "$2" >/dev/null', 'sh', p1, p2, b],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => other.on('close', resolve));
    const outputs = [
      { format: 'json', file: a },
      { format: 'json', file: fresh },
      { format: 'sarif', file: b },
      { format: 'stylish', file: p1 },
      { format: 'stylish', file: p2 },
    ];
    await expect(writeReports(outputs, (f) => `${f} report\n`)).rejects.toThrow(
      /^cannot write .*b\.sarif: EISDIR[^,]*; no report file was written$/,
    );
    await exited;
    expect(readFileSync(a, 'utf8')).toBe('old a\n');
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(b)).toEqual(['x']);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.sarif', 'p1', 'p2']);

    // Once it can, the same reports replace the old files, and no second name is left beside them.
    rmSync(b, { recursive: true });
    writeFileSync(b, 'old b\n');
    await writeReports(outputs.slice(0, 3), (f) => `${f} report\n`);
    expect(readFileSync(a, 'utf8')).toBe('json report\n');
    expect(readFileSync(b, 'utf8')).toBe('sarif report\n');
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.sarif', 'fresh.json', 'p1', 'p2']);
  });

  it("never writes over, renames or removes a file already bearing a temporary or second name's", async () => {
    const dir = tempDir();
    const a = join(dir, 'a.json');
    writeFileSync(a, 'old a\n');
    // The names a report to a.json would take beside it in this process, made by someone else.
    const tmp = `${a}.${process.pid}.tmp`;
    const old = `${a}.${process.pid}.old`;
    writeFileSync(tmp, 'mine\n');
    writeFileSync(old, 'mine too\n');
    const fresh = join(dir, 'fresh.json');
    const freshTmp = `${fresh}.${process.pid}.tmp`;
    writeFileSync(freshTmp, 'also mine\n');
    await writeReports(
      [
        { format: 'json', file: a },
        { format: 'sarif', file: fresh },
      ],
      (f) => `${f} report\n`,
    );
    expect(readFileSync(a, 'utf8')).toBe('json report\n');
    expect(readFileSync(fresh, 'utf8')).toBe('sarif report\n');
    expect(readFileSync(tmp, 'utf8')).toBe('mine\n');
    expect(readFileSync(old, 'utf8')).toBe('mine too\n');
    expect(readFileSync(freshTmp, 'utf8')).toBe('also mine\n');
    expect(readdirSync(dir).sort()).toEqual(
      ['a.json', 'fresh.json', basename(tmp), basename(old), basename(freshTmp)].sort(),
    );

    // A failed run removes its own temporary files, not the ones that were there before it.
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const gone = join(sub, 'b.sarif');
    const outputs = [
      { format: 'json', file: a },
      { format: 'sarif', file: gone },
    ];
    rmSync(sub, { recursive: true });
    await expect(writeReports(outputs, (f) => `${f} again\n`)).rejects.toThrow(/no report file was written/);
    expect(readFileSync(a, 'utf8')).toBe('json report\n');
    expect(readFileSync(tmp, 'utf8')).toBe('mine\n');
    expect(readFileSync(old, 'utf8')).toBe('mine too\n');
    expect(readdirSync(dir).sort()).toEqual(
      ['a.json', 'fresh.json', basename(tmp), basename(old), basename(freshTmp)].sort(),
    );
  });

  it("a report's temporary name is never another report's file of the same run", async () => {
    for (const order of ['tmp first', 'r first']) {
      const dir = tempDir();
      const r = join(dir, 'r');
      // The name a report to r would be written to first, given as a report of its own.
      const other = `${r}.${process.pid}.tmp`;
      const outputs = [
        { format: 'json', file: r },
        { format: 'sarif', file: other },
      ];
      await writeReports(order === 'r first' ? outputs : outputs.reverse(), (f) => `${f} report\n`);
      expect(readFileSync(r, 'utf8'), order).toBe('json report\n');
      expect(readFileSync(other, 'utf8'), order).toBe('sarif report\n');
      expect(readdirSync(dir).sort(), order).toEqual(['r', basename(other)].sort());
    }
  });

  it('a replaced report keeps the mode of the file it replaces; a new one gets the usual mode', async () => {
    const dir = tempDir();
    const kept = join(dir, 'kept.sarif');
    writeFileSync(kept, 'old\n');
    chmodSync(kept, 0o640);
    const fresh = join(dir, 'fresh.json');
    await writeReports(parse([`sarif=${kept}`, `json=${fresh}`]).slice(0, 2), (f) => `${f}\n`);
    expect(readFileSync(kept, 'utf8')).toBe('sarif\n');
    expect(statSync(kept).mode & 0o777).toBe(0o640);
    writeFileSync(join(dir, 'plain'), '');
    expect(statSync(fresh).mode & 0o777).toBe(statSync(join(dir, 'plain')).mode & 0o777);
  });

  it('writes through a symlink (the link stays) and into a pipe; name=- is standard output', async () => {
    const dir = tempDir();
    const real = join(dir, 'real.json');
    writeFileSync(real, 'old\n');
    symlinkSync('real.json', join(dir, 'link.json'));
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    const got: Buffer[] = [];
    reader.stdout.on('data', (b: Buffer) => got.push(b));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    const outputs = parse([`json=${join(dir, 'link.json')}`, `sarif=${fifo}`]);
    await writeReports(
      outputs.filter((o) => o.file !== undefined),
      (f) => `${f} report\n`,
    );
    await closed;
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('json report\n');
    expect(Buffer.concat(got).toString()).toBe('sarif report\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'pipe', 'real.json']);
    expect(parse(['json=-'])).toEqual([{ format: 'json' }]);
    expect(() => parse(['json=-', 'sarif'])).toThrow(/only one report can go to standard output/);
  });
});

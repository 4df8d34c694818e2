/**
 * The rg rewrite of a rule's regex must match every file the rule's own JavaScript regex
 * matches (it may match more): checked with the real rg over files holding the bytes that
 * make JavaScript and Rust disagree, and over generated files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NUL_PATTERN, rgPattern } from '../../src/lint/rg-pattern.js';
import { RG_MATCH_ARGS } from '../../src/lint/prefilter.js';
import { decodeText } from '../../src/lint/scan.js';
import { requireRg } from './rg.js';

const RG = requireRg();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** [source, flags] as lints.yaml yields them (forbid: gm, gmi; helper_only: gm), and a few more. */
const PATTERNS: [string, string][] = [
  ['\\bprint\\(', 'gm'],
  ['^\\s*import pdb', 'gm'],
  ['^\\s*except\\s*:', 'gm'],
  ['verify\\s*=\\s*False', 'gm'],
  ['\\bDROP TABLE\\b', 'gmi'],
  ['AKIA[0-9A-Z]{16}', 'gm'],
  ['-----BEGIN (RSA |EC )?PRIVATE KEY-----', 'gm'],
  ['["\'`](?:measurement\\.lease_plane\\.[A-Za-z0-9_.*-]*)', 'gm'],
  ['[{,]\\s*[\'"]error_class[\'"]\\s*:|\\bdict\\([^)]*\\berror_class\\s*=', 'gm'],
  ['a.b', 'gm'],
  ['a..b', 'gm'],
  ['a[^x]b', 'gm'],
  ['a[^x][^x]b', 'gm'],
  ['a\\Wb', 'gm'],
  ['a\\W\\Wb', 'gm'],
  ['a\\Sb', 'gm'],
  ['a\\Db', 'gm'],
  ['a\\sb', 'gm'],
  ['a[\\s\\S]b', 'gm'],
  ['a.b', 'gms'],
  ['foo$', 'gm'],
  ['^bar', 'gm'],
  ['\\Bar\\b', 'gm'],
  ['x\\ufffdy', 'gm'],
  ['x\\ufeffy', 'gm'],
  ['x[\\ud800-\\udfff]+y', 'gm'],
  ['x\\ud83d', 'gm'],
  ['café', 'gm'],
  ['CAFÉ', 'gmi'],
  ['straße', 'gmi'],
  ['\\u00e9t\\u00e9', 'gm'],
  ['k\\w+s', 'gmi'],
  ['k\\w+s', 'gmiu'],
  ['\\p{L}{3}x', 'gmu'],
  ['x.y', 'gmu'],
  ['(?<q>["\'])err\\k<q>', 'gm'],
  ['(a)\\1b', 'gm'],
  ['foo(?=bar)', 'gm'],
  ['(?<!x)foo', 'gm'],
  ['(?:ab|cd){2,3}e', 'gm'],
  ['a{0}b', 'gm'],
  ['a|b', 'gm'],
  ['\\x00', 'gm'],
  ['[\\x80-\\xff]', 'gm'],
  ['[\\b]', 'gm'],
  ['\\0', 'gm'],
  ['x\\r?\\ny', 'gm'],
  // Matches that span lines in every way a line-by-line screen must follow.
  ['a\\s*b\\s*c', 'gm'],
  ['x[^;]*y', 'gm'],
  ['a(?:b\\nc)?d', 'gm'],
  ['(?:x\\s){3}y', 'gm'],
  ['(?:ab|c\\s)+d', 'gm'],
  ['a[\\s\\S]{2,3}b', 'gm'],
  ['(?:a|b\\s+)(?:c|\\s+d)', 'gm'],
  ['(a)\\s*\\1', 'gm'],
  ['a\\n\\nb', 'gm'],
  ['x(?:\\s*y)*z', 'gm'],
  ['\\u2028', 'gm'],
];

/** Byte strings that decode differently from how they look, or that JS and Rust treat apart. */
const SNIPPETS: Buffer[] = [
  'a',
  'b',
  'x',
  'y',
  'k',
  's',
  'e',
  'foo',
  'bar',
  'err',
  'print(',
  'import pdb',
  'except',
  ':',
  'verify',
  '=',
  'False',
  'DROP TABLE',
  'drop table',
  'café',
  'CAFÉ',
  'STRASSE',
  'straße',
  'ſ',
  'K', // U+212A KELVIN SIGN
  'été',
  '"',
  "'",
  'measurement.lease_plane.x',
  'dict(',
  'error_class',
  '{',
  ',',
  ')',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u0085',
  '\ufeff',
  '\u3000',
  '😀',
  '\ufffd',
  'AKIAABCDEFGHIJKLMNOP',
  '-----BEGIN RSA PRIVATE KEY-----',
  '\n',
]
  .map((s) => Buffer.from(s, 'utf8'))
  .concat(
    [
      [0xff],
      [0xc0, 0x80],
      [0x80],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ].map((b) => Buffer.from(b)),
  );

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Every interesting pair and triple of snippets, then random runs of them. */
function texts(): Buffer[] {
  const out: Buffer[] = [];
  const pick = rng(20261203);
  const n = SNIPPETS.length;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) out.push(Buffer.concat([SNIPPETS[i] as Buffer, SNIPPETS[j] as Buffer]));
  for (let k = 0; k < 1500; k++) {
    const parts: Buffer[] = [];
    const len = 2 + Math.floor(pick() * 10);
    for (let i = 0; i < len; i++) parts.push(SNIPPETS[Math.floor(pick() * n)] as Buffer);
    out.push(Buffer.concat(parts));
  }
  // Runs over a small alphabet with newlines in it, so matches that span lines are common.
  const letters = ['a', 'b', 'c', 'd', 'x', 'y', 'z', ' ', '\n', '\n', '\r\n', ';', '\t'];
  for (let k = 0; k < 3000; k++) {
    let t = '';
    const len = 2 + Math.floor(pick() * 12);
    for (let i = 0; i < len; i++) t += letters[Math.floor(pick() * letters.length)] as string;
    out.push(Buffer.from(t, 'latin1'));
  }
  // A byte-order mark in front, as editors on Windows write.
  out.push(Buffer.from('\ufeffa\u00a0b\r\nfoo\r\n', 'utf8'));
  return out;
}

/** The files rg does not clear for one pattern: every file but those it names as searched without a match. */
function rgHits(dir: string, pattern: string): Set<string> {
  const r = spawnSync(RG, [...RG_MATCH_ARGS, '-e', pattern, '--', '.'], {
    cwd: dir,
    encoding: 'latin1',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0 && r.status !== 1) throw new Error(`rg failed on ${pattern}: ${r.stderr}`);
  const clean = new Set(r.stdout.split('\0').map((f) => f.replace(/^\.\//, '')));
  return new Set(readdirSync(dir).filter((f) => !clean.has(f)));
}

describe('rgPattern', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfcgate-rg-'));
  dirs.push(dir);
  mkdirSync(dir, { recursive: true });
  const all = texts();
  all.forEach((b, i) => writeFileSync(join(dir, `t${i}`), b));

  it('matches every file the JavaScript regex matches, on tricky and generated bytes', () => {
    let jsMatches = 0;
    let cleared = 0;
    for (const [source, flags] of PATTERNS) {
      const p = rgPattern(source, flags);
      expect(p, `${source} /${flags}`).toBeDefined();
      const hits = rgHits(dir, p as string);
      const re = new RegExp(source, flags.replace('g', ''));
      const missed: string[] = [];
      all.forEach((b, i) => {
        if (!re.test(decodeText(b))) return;
        jsMatches++;
        if (!hits.has(`t${i}`)) missed.push(JSON.stringify(b.toString('latin1')));
      });
      expect(missed, `rg missed files that /${source}/${flags} matches`).toEqual([]);
      cleared += all.length - hits.size;
    }
    // Neither side is vacuous: JavaScript matched plenty, and rg cleared plenty.
    expect(jsMatches).toBeGreaterThan(2000);
    expect(cleared).toBeGreaterThan(PATTERNS.length * all.length * 0.5);
  });

  it('never matches a newline, so rg searches line by line (its multiline mode is quadratic on long lines)', () => {
    expect(RG_MATCH_ARGS).not.toContain('--multiline');
    expect(RG_MATCH_ARGS).not.toContain('-U');
    let spanned = 0;
    for (const [source, flags] of PATTERNS) {
      const p = rgPattern(source, flags) as string;
      // The rewrite is bytes; read each byte as one latin1 character, which its \xNN escapes name.
      const re = new RegExp(p.replace(/^\(\?-u:/, '(?:'), 'gm');
      const js = new RegExp(source, flags.replace('g', ''));
      for (const b of all) {
        const text = b.toString('latin1');
        for (const m of text.matchAll(re)) expect(m[0], `${p} on ${JSON.stringify(text)}`).not.toContain('\n');
        const whole = js.exec(decodeText(b));
        if (whole?.[0].includes('\n')) spanned++;
      }
    }
    // Not vacuous: plenty of the JavaScript matches span lines.
    expect(spanned).toBeGreaterThan(500);
  });

  it('is selective on plain code: a literal-led pattern clears the files without it', () => {
    const p = rgPattern('\\bprint\\(', 'gm') as string;
    const hits = rgHits(dir, p);
    all.forEach((b, i) => expect(hits.has(`t${i}`)).toBe(b.includes('print(')));
  });

  it('stays selective on patterns whose matches may span lines', () => {
    const sel = mkdtempSync(join(tmpdir(), 'rfcgate-rg-'));
    dirs.push(sel);
    const files: Record<string, string> = {
      blanks: 'x = 1   \ny = 2\t\n\n',
      handler: 'try:\n    go()\nexcept  :\n    pass\n',
      split: 'try:\n    go()\nexcept\n  :\n',
      typed: 'try:\n    go()\nexcept ValueError:\n    pass\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(sel, name), text);
    // Lines ending in blanks are not taken for the first line of a match.
    expect(rgHits(sel, rgPattern('^\\s*except\\s*:', 'gm') as string)).toEqual(new Set(['handler', 'split']));
  });

  it('the NUL probe finds a NUL anywhere, and only then', () => {
    const hits = rgHits(dir, NUL_PATTERN);
    expect(hits.size).toBe(0);
    const nul = mkdtempSync(join(tmpdir(), 'rfcgate-rg-'));
    dirs.push(nul);
    writeFileSync(join(nul, 'late'), Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0])]));
    writeFileSync(join(nul, 'none'), Buffer.alloc(9000, 0x61));
    expect(rgHits(nul, NUL_PATTERN)).toEqual(new Set(['late']));
  });

  it('gives no rewrite for what it does not model', () => {
    expect(rgPattern('a', 'gmv')).toBeUndefined();
    expect(rgPattern('[]', 'gm')).toBeUndefined();
    expect(rgPattern('(', 'gm')).toBeUndefined();
  });

  it('gives no rewrite for a pattern that, its assertions dropped, matches empty text: it would pass every file', () => {
    // A bare newline too: searched line by line, every line end is a hit.
    for (const source of ['a|', '^(?=.*password)', '\\b', 'x*', '(?:)', '(?<=a)', '\\cJ', '\\n|\\r']) {
      expect(rgPattern(source, 'gm'), source).toBeUndefined();
    }
    expect(rgPattern('^(?=.*password)password', 'gm')).toBeDefined();
  });
});

/**
 * The rg prefilter must not change a report: every scope is run with and without it, over
 * files built to make the two regex engines disagree and over generated trees, and the
 * JSON must be identical. Each test also checks that rg really ran and cleared files, so
 * a prefilter that silently fell back could not pass.
 */
import { mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { rgSearch, RgSearch, ruleKey } from '../../src/lint/prefilter.js';
import { runLint } from '../../src/lint/run.js';
import { openSnapshot, type ScopeRequest } from '../../src/lint/scopes.js';
import type { LintReport } from '../../src/lint/report.js';
import type { LintRule } from '../../src/lint/spec.js';
import { loadRfc } from '../../src/spec/load.js';
import { type FixtureRepo, removeFixtures } from '../helpers/git-fixture.js';
import { modeline } from '../helpers/spec-fixture.js';
import { AS_OF, L1, lintRepo } from './helpers.js';
import { requireRg } from './rg.js';

const RG = requireRg();
/** The size limit of these runs: a file over it is skipped, not read. */
const MAX = 16384;
afterAll(removeFixtures);

const rule = (id: string, forbid: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  title: `rule ${id}`,
  severity: 'error',
  message: `${id} found`,
  fix: 'remove it',
  forbid: { include: ['**/*'], ...forbid },
  ...extra,
});

const RULES = [
  L1,
  {
    id: 'L2',
    title: 'payloads through the helper',
    severity: 'error',
    message: 'a payload built by hand',
    fix: 'call make_boundary_payload',
    helper_only: {
      helper: 'make_boundary_payload',
      modules: ['src/audit/boundary_payload.py'],
      construct: '[{,]\\s*[\'"]error_class[\'"]\\s*:|\\bdict\\([^)]*\\berror_class\\s*=',
      include: ['**/*.py'],
      exclude: ['tests/**'],
    },
  },
  rule('print', { pattern: '\\bprint\\(', include: ['src/**/*.py'] }),
  rule('except', { pattern: '^\\s*except\\s*:', include: ['**/*.py'] }),
  rule('verify', { pattern: 'verify\\s*=\\s*False' }),
  rule('drop', { pattern: '\\bDROP TABLE\\b', ignore_case: true, include: ['**/*.sql'] }),
  rule('eol', { pattern: 'TODO$' }),
  rule('word', { pattern: '\\bcafé\\b' }),
  rule('any2', { pattern: 'x..y' }),
  rule('notparen', { pattern: 'call\\([^)]*secret' }),
  rule('back', { pattern: '(["\'])pw\\1' }),
  rule('ahead', { pattern: 'token(?!_ok)' }),
  rule('named1', { pattern: '(?<q>["\'])k1\\k<q>' }),
  rule('named2', { pattern: '(?<q>["\'])k2\\k<q>' }),
  // Only looks: rg gets no rewrite of it (it would pass every file), so its files are all read.
  rule('looking', { pattern: '^(?=.*passw0rd)', include: ['src/*.py'] }),
  rule('lits', { literals: ['legacy_api*', 'old.name'] }),
  rule('warned', { pattern: 'FIXME' }, { severity: 'warn' }),
  rule(
    'waived',
    { pattern: 'hack\\(' },
    {
      allow: [
        { path: 'src/legacy/', reason: 'migrating', expires: '2026-12-31' },
        { path: 'src/old/', reason: 'was migrating', expires: '2026-01-31' },
      ],
    },
  ),
];

/** Files that make JavaScript and Rust regexes disagree, or that the scan treats specially. */
const TRICKY: Record<string, string | Buffer> = {
  'src/audit/event_types.py': 'LEASE = "measurement.lease_plane.request"\n',
  'src/audit/boundary_payload.py':
    'def make_boundary_payload(error_class, **kw):\n    return {"error_class": error_class}\n',
  'src/plain.py': 'def f(x):\n    return x\n',
  'src/hit.py': 'print(1)\nx = {"error_class": 1}\n',
  'src/crlf.py': 'try:\r\n    pass\r\nexcept:\r\n    pass\r\n# TODO\r\n',
  'src/cr.py': 'a = 1\r# TODO\rexcept :\r',
  'src/bom.py': '\ufeffexcept:\n    pass\n',
  'src/nbsp.py': 'try:\n\u00a0\u00a0except:\n',
  'src/ls.py': 'a = 1\u2028except:\n',
  'src/feff.py': 'verify\ufeff=\ufeffFalse\n',
  'src/span.py': 'verify\n=\n\nFalse\nexcept\n   :\n',
  'src/unicode_word.py': 'xcafé and café. écafé\n',
  'src/emoji.py': 'x😀y\nx\u00e9y\n',
  'src/invalid.py': Buffer.from([
    0x78, 0xff, 0xfe, 0x79, 0x0a, 0x63, 0x61, 0x6c, 0x6c, 0x28, 0xc3, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74,
  ]),
  'src/invalid2.py': Buffer.concat([
    Buffer.from('call('),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from('secret\nx'),
    Buffer.from([0xf0, 0x9f]),
    Buffer.from('y\n'),
  ]),
  'src/nul_early.py': Buffer.concat([Buffer.from('print(1)\n'), Buffer.from([0]), Buffer.from('\n')]),
  'src/nul_late.py': Buffer.concat([Buffer.from(`${'# pad\n'.repeat(2000)}print(2)\n`), Buffer.from([0])]),
  'src/nul_late_clean.py': Buffer.concat([Buffer.from('# pad\n'.repeat(2000)), Buffer.from([0])]),
  'src/huge.py': `${'# huge\n'.repeat(3000)}print(3)\n`,
  'src/huge_clean.py': '# huge and clean\n'.repeat(1200),
  'src/exact.py': `${'#'.repeat(MAX - 1)}\n`,
  'src/back.py': 'x = "pw"\ny = \'pw"\n',
  'src/ahead.py': 'token_ok\ntoken_bad\n',
  'src/named.py': 'a = "k1"\nb = \'k2\'\nc = "k2\'\n',
  'src/looking.py': 'x = 1\n  passw0rd = 2\n',
  'src/lits.py': 'legacy_api_v2()\nold_name()\nold.name()\n',
  'src/legacy/a.py': 'hack()\n',
  'src/old/a.py': 'hack()\n',
  'src/warn.md': 'FIXME later\n',
  'src/db/drop.sql': 'drop table x;\nDrOp TaBlE y;\n',
  'src/utf16.py': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('print(9)\n', 'utf16le')]),
  'src/utf16_nonul.py': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('丂丂', 'utf16le')]),
  'src/empty.py': '',
  'src/sp ace.py': 'print(4)\n',
  'src/-dash.py': 'print(5)\n',
  'src/.hidden/h.py': 'print(6)\n',
  '.hidden.py': 'except:\n',
  'tests/t.py': 'print(7)\nx = {"error_class": 1}\n',
  'src/deleted.py': 'print(8)\n',
  'src/linked_target.py': 'x = 1\n',
  'src/ignored_tracked.py': 'print(10)\n',
};

function write(repo: FixtureRepo, rel: string, data: string | Buffer): void {
  const abs = join(repo.dir, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, data);
}

function trickyRepo(): FixtureRepo {
  const repo = lintRepo({ rules: RULES });
  for (const [rel, data] of Object.entries(TRICKY)) write(repo, rel, data);
  symlinkSync('linked_target.py', join(repo.dir, 'src/link.py'));
  symlinkSync('../src', join(repo.dir, 'src/dirlink'));
  symlinkSync('nowhere.py', join(repo.dir, 'src/dangling.py'));
  repo.git(['add', '-A']);
  repo.commit({ message: 'tricky files', date: '2026-05-02T09:00:00Z' });
  // Tracked but ignored, ignored and untracked, untracked, deleted in the working tree.
  write(repo, '.gitignore', 'build/\nsrc/ignored_tracked.py\n');
  write(repo, 'build/gen.py', 'print(11)\n');
  write(repo, 'src/untracked.py', 'print(12)\nexcept:\n');
  unlinkSync(join(repo.dir, 'src/deleted.py'));
  return repo;
}

async function both(
  repo: FixtureRepo,
  scope: ScopeRequest,
  maxFileBytes = MAX,
): Promise<{ js: LintReport; rg: LintReport; search: RgSearch }> {
  const rules = loadRfc(repo.dir, 'demo').lints as LintRule[];
  const base = { rfc: 'demo', rules, asOf: new Date(AS_OF), maxFileBytes };
  const js = await runLint({ ...base, snapshot: await openSnapshot(repo.dir, scope, repo.dir) });
  const snapshot = await openSnapshot(repo.dir, scope, repo.dir);
  const search = rgSearch(RG, repo.dir, rules, maxFileBytes, scope.kind === 'tree' ? undefined : snapshot.targets);
  const rg = await runLint({ ...base, snapshot, rg: { bin: RG, search } });
  return { js, rg, search };
}

/** rg ran to the end, screened every content rule and cleared at least `min` files unread. */
function expectScreened(search: RgSearch, rules: LintRule[], min: number): void {
  expect(search.finished).toBe(true);
  expect(search.ok).toBe(true);
  for (const r of rules)
    if ((r.kind === 'forbid' || r.kind === 'helper_only') && r.id !== 'looking')
      expect(search.screened).toContain(ruleKey(r));
  expect(search.clean.size).toBeGreaterThanOrEqual(min);
}

describe('lint with the rg prefilter', () => {
  it('the whole tree: the same report as reading every file', async () => {
    const repo = trickyRepo();
    const { js, rg, search } = await both(repo, { kind: 'tree' });
    expect(JSON.stringify(rg, null, 2)).toBe(JSON.stringify(js, null, 2));
    expectScreened(search, loadRfc(repo.dir, 'demo').lints as LintRule[], 5);
    // The report is not trivial: findings of many rules, binary and huge files skipped.
    expect(new Set(js.findings.map((f) => f.rule)).size).toBeGreaterThanOrEqual(12);
    expect(js.files.skipped.map((s) => s.path)).toEqual(
      expect.arrayContaining(['src/nul_early.py', 'src/huge.py', 'src/huge_clean.py', 'src/utf16.py']),
    );
    expect(js.findings.map((f) => `${f.file}:${f.rule}`)).toEqual(
      expect.arrayContaining(['src/nul_late.py:print', 'src/span.py:verify', 'src/span.py:except', 'src/cr.py:eol']),
    );
  });

  it('explicit paths and a change: the same report, and a huge file named on the command line is still skipped', async () => {
    const repo = trickyRepo();
    const paths = await both(repo, { kind: 'paths', paths: ['src', '.hidden.py', 'tests/t.py'] });
    expect(JSON.stringify(paths.rg, null, 2)).toBe(JSON.stringify(paths.js, null, 2));
    expectScreened(paths.search, loadRfc(repo.dir, 'demo').lints as LintRule[], 5);
    expect(paths.js.files.skipped).toContainEqual(expect.objectContaining({ path: 'src/huge_clean.py' }));
    repo.git(['add', '-A']);
    repo.commit({ message: 'more', date: '2026-05-03T09:00:00Z' });
    write(repo, 'src/plain.py', 'def f(x):\n    return x  # changed\n');
    write(repo, 'src/huge_clean.py', '# still huge\n'.repeat(1500));
    const changed = await both(repo, { kind: 'changed', since: 'HEAD~1' });
    expect(JSON.stringify(changed.rg, null, 2)).toBe(JSON.stringify(changed.js, null, 2));
    expect(changed.search.ok).toBe(true);
  });

  it('generated trees: the same report', async () => {
    const pieces = [
      'print(',
      'except',
      ':',
      ' ',
      '\n',
      '\r\n',
      '\r',
      'verify',
      '=',
      'False',
      'café',
      'é',
      '😀',
      'x',
      'y',
      'call(',
      ')',
      'secret',
      '"pw"',
      '\'pw"',
      'token',
      '_ok',
      'TODO',
      'FIXME',
      'hack(',
      'legacy_api',
      'old.name',
      '{"error_class":',
      'dict(error_class=',
      '"measurement.lease_plane.q"',
      '\u00a0',
      '\ufeff',
      '\u2028',
    ];
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 3; round++) {
      const repo = lintRepo({ rules: RULES });
      for (let i = 0; i < 60; i++) {
        const parts: (string | Buffer)[] = [];
        const n = Math.floor(next() * 40);
        for (let j = 0; j < n; j++) {
          const r = next();
          parts.push(
            r < 0.03
              ? Buffer.from([0x80 + Math.floor(next() * 128)])
              : (pieces[Math.floor(r * pieces.length)] as string),
          );
        }
        const data = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
        const dir = ['src', 'src/legacy', 'src/old', 'tests', 'lib'][i % 5];
        write(repo, `${dir}/g${i}.${i % 7 === 0 ? 'sql' : 'py'}`, data);
      }
      repo.git(['add', '-A']);
      repo.commit({ message: 'generated', date: '2026-05-02T09:00:00Z' });
      const { js, rg, search } = await both(repo, { kind: 'tree' }, 1 << 20);
      expect(JSON.stringify(rg, null, 2)).toBe(JSON.stringify(js, null, 2));
      expect(search.ok).toBe(true);
      expect(js.findings.length).toBeGreaterThan(10);
    }
  });

  it('falls back to reading every file when rg cannot run or rejects a pattern', async () => {
    const repo = trickyRepo();
    const rules = loadRfc(repo.dir, 'demo').lints as LintRule[];
    const base = { rfc: 'demo', rules, asOf: new Date(AS_OF), maxFileBytes: MAX };
    const js = await runLint({ ...base, snapshot: await openSnapshot(repo.dir, { kind: 'tree' }, repo.dir) });
    const missing = rgSearch('/nonexistent/rg', repo.dir, rules, MAX);
    const none = await runLint({
      ...base,
      snapshot: await openSnapshot(repo.dir, { kind: 'tree' }, repo.dir),
      rg: { bin: '/nonexistent/rg', search: missing },
    });
    expect(missing.ok).toBe(false);
    expect(JSON.stringify(none)).toBe(JSON.stringify(js));

    // A count JavaScript accepts and Rust does not: that rule is read in full, the others are still screened.
    const odd = [...rules, ...loadRfc(withRule(repo), 'demo').lints!.slice(-1)];
    const bigJs = await runLint({
      ...base,
      rules: odd,
      snapshot: await openSnapshot(repo.dir, { kind: 'tree' }, repo.dir),
    });
    const search = rgSearch(RG, repo.dir, odd, MAX);
    const bigRg = await runLint({
      ...base,
      rules: odd,
      snapshot: await openSnapshot(repo.dir, { kind: 'tree' }, repo.dir),
      rg: { bin: RG, search },
    });
    expect(JSON.stringify(bigRg)).toBe(JSON.stringify(bigJs));
    expect(search.ok).toBe(true);
    expect(search.screened).not.toContain(ruleKey(odd[odd.length - 1] as { source: string; flags: string }));
    expect(search.screened).toContain(ruleKey(odd[2] as { source: string; flags: string }));
    expect(bigJs.findings.some((f) => f.rule === 'huge-count')).toBe(true);
  });
});

/** The fixture's spec plus a rule whose count rg rejects; returns the repository root. */
function withRule(repo: FixtureRepo): string {
  const extra = rule('huge-count', { pattern: 'z{4294967296}|print\\(7' });
  const spec = join(repo.dir, 'gates/demo/lints.yaml');
  writeFileSync(spec, modeline('lints.yaml') + stringify([...RULES, extra]));
  return repo.dir;
}

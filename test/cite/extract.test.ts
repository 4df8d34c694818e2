import { describe, expect, it } from 'vitest';
import { extractCitations, formatSpans, originRepo } from '../../src/cite/extract.js';
import { RFC } from './fixture.js';

describe('extractCitations', () => {
  const cs = extractCitations(RFC);
  const byText = (t: string) => cs.filter((c) => c.text === t);

  it('finds every form: line, range, list, symbol, bare name, in code spans, plain text and tables', () => {
    expect(cs.map((c) => c.text)).toEqual([
      'src/app/handlers.py:3',
      'handlers.py:9-10',
      'src/app/handlers.py:7',
      'src/db/schema.sql:2',
      'src/db/schema.sql:1',
      'src/db/schema.sql:40',
      'src/app/handlers.py:4,5',
      'src/app/handlers.py::process_agent_update',
      'handlers.py::no_such_function',
      'util.py:1',
      'src/nowhere.py:3',
      'schema.sql:2',
    ]);
    expect(byText('src/app/handlers.py:4,5')[0]?.spans).toEqual([
      { from: 4, to: 4 },
      { from: 5, to: 5 },
    ]);
    expect(byText('handlers.py:9-10')[0]?.spans).toEqual([{ from: 9, to: 10 }]);
    expect(byText('src/app/handlers.py::process_agent_update')[0]?.symbol).toBe('process_agent_update');
  });

  it('skips fenced and indented code and link targets', () => {
    expect(cs.some((c) => /:9[789]$/.test(c.text))).toBe(false);
  });

  it('skips struck-out text, which the document says no longer holds', () => {
    const text = 'The lock ~~`lock_for()` at `a.py:3`~~ is now at `a.py:9`; ~~b.py:1~~ and ~c.py:2~.\n';
    expect(extractCitations(text).map((c) => [c.text, c.names])).toEqual([['a.py:9', []]]);
  });

  it('gives each citation its line and column in the document', () => {
    const c = byText('src/app/handlers.py:3')[0];
    expect(c && { line: c.line, col: c.col }).toEqual({ line: 3, col: 54 });
    expect(RFC.slice(c?.offset, c?.end)).toBe('src/app/handlers.py:3');
    const t = byText('schema.sql:2')[0];
    expect(t?.line).toBe(20);
  });

  it('reads the claim from the same sentence, the nearest citation taking each name', () => {
    expect(byText('src/app/handlers.py:3')[0]?.names).toEqual(['process_agent_update']);
    expect(byText('handlers.py:9-10')[0]?.names).toEqual(['lock_for()']);
    expect(byText('src/app/handlers.py:7')[0]?.names).toEqual(['_SESSION_LOCKS']);
    expect(byText('src/app/handlers.py:4,5')[0]?.names).toEqual(['lock_for()', 'apply()']);
    expect(byText('src/db/schema.sql:1')[0]?.names).toEqual([]);
    expect(byText('schema.sql:2')[0]?.names).toEqual(['trg_sessions_updated_at']);
  });

  it('plain-text calls count as claims; file names do not', () => {
    const [c] = extractCitations('Here run_it() is called at a.py:3, not lease_client.py.\n');
    expect(c?.names).toEqual(['run_it()']);
    const [d] = extractCitations('The `lease_client.py` module at `a.py:3`.\n');
    expect(d?.names).toEqual([]);
  });

  it('a code span that is one call with its arguments claims the call', () => {
    const text = [
      '`lock_for(agent)` is at `a.py:3`.',
      '`self.store.get(key, default=None)` is at `a.py:4`.',
      '`wrap(inner(x))` is at `a.py:5`.',
      '`f(a) or g(b)` is at `a.py:6`.',
      '`len(x) > 0` is at `a.py:7`.',
      '',
    ].join('\n\n');
    expect(extractCitations(text).map((c) => c.names)).toEqual([
      ['lock_for()'],
      ['self.store.get()'],
      ['wrap()'],
      [],
      [],
    ]);
  });

  it('reads a folder of a scoped package, starting with @, as part of the path', () => {
    const text =
      'See packages/@acme/core/src/lock.ts:12, `@types/node/fs.d.ts:40` and `node_modules/@scope/pkg/index.js::run`; not ops@acme.py:3.\n';
    expect(extractCitations(text).map((c) => c.text)).toEqual([
      'packages/@acme/core/src/lock.ts:12',
      '@types/node/fs.d.ts:40',
      'node_modules/@scope/pkg/index.js::run',
    ]);
  });

  it('reads a code span as one citation whose path holds +, brackets or parentheses', () => {
    const text =
      'See `src/routes/+page.svelte:12`, `pages/[id].tsx:5`, `app/(auth)/login/page.tsx::Login` and `a.py:3`.\n';
    const cs = extractCitations(text);
    expect(cs.map((c) => [c.text, c.whole?.text ?? null, !!c.tentative])).toEqual([
      ['page.svelte:12', 'src/routes/+page.svelte:12', false],
      ['pages/[id].tsx:5', null, true],
      ['app/(auth)/login/page.tsx::Login', null, true],
      ['a.py:3', null, false],
    ]);
    expect(cs.map((c) => text.slice(c.linesOffset, c.end))).toEqual(['12', '5', 'Login', '3']);
  });

  it('does not take URLs, times or versions for citations', () => {
    expect(extractCitations('At 10:30 see https://x.org/a.py:3 and v1.2:3 or host.example:8080x.\n')).toEqual([]);
  });

  it('reads a path in prose as shown: an escape or a character reference is the character it stands for', () => {
    const text = 'See src/my\\_mod.py:1, then src/my&#95;mod.py:2-3 and a&lowbar;b.py::f; `c\\_d.py:4` as written.\n';
    const cs = extractCitations(text);
    expect(cs.map((c) => [c.path, c.text, c.spans, c.symbol])).toEqual([
      ['src/my_mod.py', 'src/my\\_mod.py:1', [{ from: 1, to: 1 }], undefined],
      ['src/my_mod.py', 'src/my&#95;mod.py:2-3', [{ from: 2, to: 3 }], undefined],
      ['a_b.py', 'a&lowbar;b.py::f', [], 'f'],
      // A code span shows a backslash as written.
      ['c\\_d.py', 'c\\_d.py:4', [{ from: 4, to: 4 }], undefined],
    ]);
    // --write rewrites the line numbers where they are written.
    expect(cs.map((c) => text.slice(c.linesOffset, c.end))).toEqual(['1', '2-3', 'f', '4']);
    expect(cs.map((c) => c.col)).toEqual([5, 28, 54, 73]);
    // An unknown reference is text as written, and still ends a name.
    expect(extractCitations('x&nosuch;y.py:1\n').map((c) => c.path)).toEqual(['y.py']);
  });

  it('offers the whole code span as a reading of a path with spaces, at its exact offsets', () => {
    const text = 'See `` docs/run book.md:3-4 `` and `my notes/a b.py::f`; `x.md:1` and a\n`split\npath.md:2`.\n';
    const [spaced, symbol, plain, split] = extractCitations(text);
    expect([spaced?.text, spaced?.whole?.text]).toEqual(['book.md:3-4', 'docs/run book.md:3-4']);
    expect(text.slice(spaced?.whole?.offset, spaced?.whole?.end)).toBe('docs/run book.md:3-4');
    expect(text.slice(spaced?.whole?.linesOffset, spaced?.whole?.end)).toBe('3-4');
    expect(spaced?.whole && { line: spaced.whole.line, col: spaced.whole.col }).toEqual({ line: 1, col: 8 });
    expect([symbol?.text, symbol?.whole?.path, symbol?.whole?.symbol]).toEqual(['b.py::f', 'my notes/a b.py', 'f']);
    expect(plain?.whole).toBeUndefined();
    // A span broken over lines reads the break as a space that the source does not hold.
    expect([split?.text, split?.whole]).toEqual(['path.md:2', undefined]);
  });

  it('reads accented Latin letters as part of a path; other scripts still end one', () => {
    const text = 'See docs/café.md:12, `naïve.py:3`, the decomposed cafe\u0301.py:2, and 参见src/x.py:4.\n';
    const cs = extractCitations(text);
    expect(cs.map((c) => [c.path, formatSpans(c.spans)])).toEqual([
      ['docs/café.md', '12'],
      ['naïve.py', '3'],
      ['cafe\u0301.py', '2'],
      ['src/x.py', '4'],
    ]);
    expect(cs.map((c) => text.slice(c.linesOffset, c.end))).toEqual(['12', '3', '2', '4']);
  });

  it('reads a path with a pipe in a code span whole: as written in prose, escaped in a table cell', () => {
    const text =
      'It is at `src/a|b.ts:12`; `x\\|y.ts:1` shows its backslash.\n\n| where |\n| --- |\n| `src/a\\|b.ts:3-4` and `c\\|d.py::run` |\n';
    const cs = extractCitations(text);
    expect(
      cs.map((c) => [c.path, c.text, text.slice(c.offset, c.end), text.slice(c.linesOffset, c.end), !!c.tentative]),
    ).toEqual([
      ['src/a|b.ts', 'src/a|b.ts:12', 'src/a|b.ts:12', '12', false],
      // Outside a table the backslash shows: a citation only if the tree has a file so named.
      ['x\\|y.ts', 'x\\|y.ts:1', 'x\\|y.ts:1', '1', true],
      ['src/a|b.ts', 'src/a\\|b.ts:3-4', 'src/a\\|b.ts:3-4', '3-4', false],
      ['c|d.py', 'c\\|d.py::run', 'c\\|d.py::run', 'run', false],
    ]);
    expect(cs.map((c) => [c.line, c.col])).toEqual([
      [1, 11],
      [1, 28],
      [5, 4],
      [5, 26],
    ]);
  });

  it('formats spans back as written', () => {
    expect(
      formatSpans(
        [
          { from: 3, to: 9 },
          { from: 12, to: 12 },
        ],
        '–',
      ),
    ).toBe('3–9,12');
  });
});

describe('citations written the GitHub way', () => {
  const lineOf = (md: string, c: { linesOffset: number; end: number }) => md.slice(c.linesOffset, c.end);

  it('reads path#L12, path#L12-L20 and path#L12-20 in prose and code spans as path:12 and path:12-20', () => {
    const md = 'The helper `lock_for()` is at src/app/handlers.py#L9-L10, `handlers.py#L9-10` and `a.py#L4`.\n';
    const cs = extractCitations(md);
    expect(cs.map((c) => [c.text, c.path, c.spans, c.anchor, lineOf(md, c)])).toEqual([
      ['src/app/handlers.py#L9-L10', 'src/app/handlers.py', [{ from: 9, to: 10 }], { endL: true }, 'L9-L10'],
      ['handlers.py#L9-10', 'handlers.py', [{ from: 9, to: 10 }], { endL: false }, 'L9-10'],
      ['a.py#L4', 'a.py', [{ from: 4, to: 4 }], { endL: false }, 'L4'],
    ]);
    expect(cs[0]?.names).toEqual(['lock_for()']);
  });

  it('reads a Markdown link target path#L12 as a citation, at its exact offsets', () => {
    const md = 'See [handlers.py](src/app/handlers.py#L9), [it](<docs/run%20book.md#L3-L4> "title"), [b](/b.py#L1).\n';
    const cs = extractCitations(md);
    expect(cs.map((c) => [c.text, c.path, c.spans, md.slice(c.offset, c.end)])).toEqual([
      ['src/app/handlers.py#L9', 'src/app/handlers.py', [{ from: 9, to: 9 }], 'src/app/handlers.py#L9'],
      ['docs/run%20book.md#L3-L4', 'docs/run book.md', [{ from: 3, to: 4 }], 'docs/run%20book.md#L3-L4'],
      ['/b.py#L1', 'b.py', [{ from: 1, to: 1 }], '/b.py#L1'],
    ]);
  });

  it('reads a link target in angle brackets holding spaces, and one with ?plain=1, as citations', () => {
    const md =
      'See [it](<docs/run book.md#L3-L4>), ![d](<../my dir/a b.py#L2> "t"), [p](docs/a.md?plain=1#L5), [no](<a b.py#L1\\>x>).\n';
    const cs = extractCitations(md);
    expect(cs.map((c) => [c.path, c.spans, md.slice(c.offset, c.end), lineOf(md, c)])).toEqual([
      ['docs/run book.md', [{ from: 3, to: 4 }], 'docs/run book.md#L3-L4', 'L3-L4'],
      ['../my dir/a b.py', [{ from: 2, to: 2 }], '../my dir/a b.py#L2', 'L2'],
      ['docs/a.md', [{ from: 5, to: 5 }], 'docs/a.md?plain=1#L5', 'L5'],
    ]);
  });

  it('reads a blob URL, bare, as a link target or in a code span, with its repository and ref', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const md = [
      'Bare https://github.com/Acme/Demo/blob/main/src/app/handlers.py#L9-L10 here, and',
      `[x](https://github.com/acme/demo/blob/${sha}/docs/a.md?plain=1#L3) and`,
      '`https://www.github.com/acme/demo/blob/v1/src/a%2Bb.py#L4`.',
      '',
    ].join('\n');
    const cs = extractCitations(md);
    expect(cs.map((c) => [c.path, c.spans, c.url, lineOf(md, c)])).toEqual([
      ['src/app/handlers.py', [{ from: 9, to: 10 }], { repo: 'github.com/acme/demo', ref: 'main' }, 'L9-L10'],
      ['docs/a.md', [{ from: 3, to: 3 }], { repo: 'github.com/acme/demo', ref: sha }, 'L3'],
      ['src/a+b.py', [{ from: 4, to: 4 }], { repo: 'github.com/acme/demo', ref: 'v1' }, 'L4'],
    ]);
    expect(cs[0]?.text).toBe('https://github.com/Acme/Demo/blob/main/src/app/handlers.py#L9-L10');
  });

  it('does not read a column anchor, a page anchor, another site or a plain link target as a citation', () => {
    const md = 'a.py#L12C3, [y](#L3), [z](https://example.com/a.py#L3), [w](src/a.py), `x.py#Lines`.\n';
    expect(extractCitations(md)).toEqual([]);
  });
});

describe('originRepo', () => {
  it('reads https, scp-like and ssh remotes alike, without case or .git', () => {
    expect(originRepo('https://github.com/Acme/Demo.git')).toBe('github.com/acme/demo');
    expect(originRepo('https://user@github.com/acme/demo/')).toBe('github.com/acme/demo');
    expect(originRepo('git@github.com:ACME/demo.git')).toBe('github.com/acme/demo');
    expect(originRepo('ssh://git@github.com:22/acme/Demo')).toBe('github.com/acme/demo');
    expect(originRepo('git@gitlab.com:Acme/Platform/Demo.git')).toBe('gitlab.com/acme/platform/demo');
    expect(originRepo('https://gitlab.example.com/a/b/c/')).toBe('gitlab.example.com/a/b/c');
    expect(originRepo('/srv/git/demo.git')).toBeUndefined();
  });
});

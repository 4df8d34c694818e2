import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

const KEYS = ['file', 'line', 'col', 'severity', 'message'];

function validateJson(raw: Record<string, string>): { code: number | null; problems: Record<string, unknown>[] } {
  const { root, cleanup } = tempRoot();
  cleanups.push(cleanup);
  writeRfc(root, { raw });
  const r = runCli(['spec', 'validate', '--json'], root);
  const parsed = JSON.parse(r.stdout) as { problems: Record<string, unknown>[] }[];
  return { code: r.code, problems: parsed.flatMap((x) => x.problems) };
}

describe('spec validate --json', () => {
  it('gives every problem the same keys in the same order, whichever check found it', () => {
    // A YAML syntax error and a schema error (the spec does not load), then a regex that can
    // hang a hook and an unused measurement (it loads): four code paths that build problems.
    const broken = validateJson({
      'rfc.yaml': `${modeline('rfc.yaml')}id: demo\ntitle: Demo\nversion: v1\nmainline: main\noperators: [{ name: Ada, email: ada@example.com }]\nbogus: 1\n`,
      'measurements.yaml': `${modeline('measurements.yaml')}- id: a\n  artifact: { glob: "docs/*.md" }\n  x: [1\n`,
    });
    const loaded = validateJson({
      'measurements.yaml': `${modeline('measurements.yaml')}- id: a\n  artifact: { glob: "docs/*.md" }\n`,
      'lints.yaml': `${modeline('lints.yaml')}- id: L1\n  title: t\n  severity: error\n  message: m\n  fix: f\n  forbid: { pattern: "(a+)+$", ignore_case: true, include: ["**/*.py"] }\n`,
    });
    expect(broken.code).toBe(3);
    expect(loaded.code).toBe(3);
    expect(broken.problems.map((p) => [p.file, p.message])).toEqual([
      ['gates/demo/measurements.yaml', expect.stringMatching(/^YAML: /)],
      ['gates/demo/rfc.yaml', expect.stringMatching(/unknown key 'bogus'/)],
    ]);
    expect(loaded.problems.map((p) => [p.file, p.severity])).toEqual([
      ['gates/demo/lints.yaml', 'error'],
      ['gates/demo/measurements.yaml', 'warning'],
    ]);
    for (const p of [...broken.problems, ...loaded.problems]) expect(Object.keys(p)).toEqual(KEYS);
  });
});

describe('spec validate: citation claims cite verify would never read', () => {
  it('are warnings at the claim: a document that is not there, none at all, or one that never cites it', () => {
    const { root, cleanup } = tempRoot();
    cleanups.push(cleanup);
    const manifest = (document: string) =>
      `${modeline('rfc.yaml')}id: demo\ntitle: Demo\nversion: v1\nmainline: main\noperators: [{ name: Ada, email: ada@example.com }]\n${document}`;
    const claims = [
      '- { cite: "src/a.py:3", expect: f }',
      '- { cite: "src/a|b.ts:3", expect: g }',
      '- { cite: "src/b.py:9", expect: h }',
      '- { cite: "src/a.py:3", expect: f, document: docs/gone.md }',
      '',
    ].join('\n');
    writeRfc(root, {
      raw: { 'rfc.yaml': manifest('document: rfcs/demo.md\n'), 'citations.yaml': modeline('citations.yaml') + claims },
    });
    mkdirSync(join(root, 'rfcs'));
    writeFileSync(
      join(root, 'rfcs/demo.md'),
      '# Demo\n\nThe lease is taken in `src/a.py:3`.\n\n| where |\n| --- |\n| `src/a\\|b.ts:3` |\n',
    );
    const r = runCli(['spec', 'validate', '--rfc', 'demo'], root);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.includes('warning'))).toEqual([
      `gates/demo/citations.yaml:4:11: warning: rfcs/demo.md (rfc.yaml's document) never cites 'src/b.py:9', so cite verify never checks this claim: write the citation as the document does, or remove the claim`,
      `gates/demo/citations.yaml:5:46: warning: the claim for 'src/a.py:3' is for docs/gone.md, which is not a file, so cite verify never checks it: give the document's path relative to the repository root`,
    ]);
    // Without a document in rfc.yaml, a claim naming none is for no document at all.
    writeFileSync(join(root, 'gates/demo/rfc.yaml'), manifest(''));
    const none = runCli(['spec', 'validate', '--rfc', 'demo', '--json'], root);
    const problems = (JSON.parse(none.stdout) as { problems: { line: number; message: string }[] }[])[0]?.problems;
    expect(problems?.map((p) => [p.line, p.message])).toContainEqual([
      2,
      `the claim for 'src/a.py:3' names no document and rfc.yaml names none, so cite verify never checks it: add document: <path> here, or document to rfc.yaml`,
    ]);
  });
});

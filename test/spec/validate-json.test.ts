import { afterEach, describe, expect, it } from 'vitest';
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

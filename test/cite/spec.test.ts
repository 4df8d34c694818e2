import { describe, expect, it } from 'vitest';
import { readCitations } from '../../src/cite/spec.js';
import type { Problem } from '../../src/spec/problems.js';
import { parseYaml } from '../../src/spec/yaml.js';

function read(yaml: string): { cites: string[]; problems: string[] } {
  const y = parseYaml('gates/demo/citations.yaml', yaml);
  const problems: Problem[] = [];
  const claims = readCitations(y, y.doc.toJS() as Record<string, unknown>[], problems);
  return { cites: claims.map((c) => c.cite), problems: problems.map((p) => p.message) };
}

describe('readCitations', () => {
  it('takes a citation the document reads as a whole code span, and refuses what is none', () => {
    const r = read(
      [
        '- { cite: "src/a.py:3", expect: f }',
        '- { cite: "docs/run book.md:12", expect: restart_lane }',
        '- { cite: "src/routes/+page.svelte:3", expect: load }',
        '- { cite: "pages/[id].tsx:5", expect: Item }',
        '- { cite: "src/a.py#L3-L4", expect: g }',
        '- { cite: "run it now", expect: f }',
        '',
      ].join('\n'),
    );
    expect(r.cites).toEqual([
      'src/a.py:3',
      'docs/run book.md:12',
      'src/routes/+page.svelte:3',
      'pages/[id].tsx:5',
      'src/a.py#L3-L4',
    ]);
    expect(r.problems).toEqual([
      "'run it now' is not a citation: write it as in the document, path:line, path:a-b, path:a,b,c, path#L12, path#L12-L20 or path::symbol",
    ]);
  });
});

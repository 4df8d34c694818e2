import { describe, expect, it } from 'vitest';
import { keyLocation, parseYaml, yamlData } from '../../src/spec/yaml.js';

describe('keys brought by a merge key are found where the yaml package merges them from', () => {
  const at = (text: string, path: (string | number)[], key: string) => {
    const y = parseYaml('f.yaml', text);
    const { line, col } = keyLocation(y, path, key);
    return `${line}:${col}`;
  };

  it('through a chain of merges, at the alias the map itself is written with', () => {
    const text = 'b: &b { k: 1 }\na: &a\n  <<: *b\nc:\n  <<: *a\n';
    expect(at(text, ['c'], 'k')).toBe('5:7');
    expect(at(text, ['a'], 'k')).toBe('3:7');
  });

  it('through a list written at an anchor, and behind a plain << tagged !!str, as the data has them', () => {
    const listed = 'l: &l\n  - { x: 1 }\n  - { k: 2 }\nc:\n  <<: *l\n';
    expect((yamlData(parseYaml('f.yaml', listed)) as { data: { c: unknown } }).data.c).toEqual({ x: 1, k: 2 });
    expect(at(listed, ['c'], 'k')).toBe('5:7');
    const tagged = 'c:\n  !!str <<: { k: 1 }\n';
    expect((yamlData(parseYaml('f.yaml', tagged)) as { data: unknown }).data).toEqual({ c: { k: 1 } });
    expect(at(tagged, ['c'], 'k')).toBe('2:15');
    // A quoted '<<' is a key like any other.
    expect(at('c:\n  "<<": { k: 1 }\n', ['c'], '<<')).toBe('2:3');
  });
});

describe('an alias without its anchor', () => {
  const problem = (text: string) => {
    const out = yamlData(parseYaml('f.yaml', text));
    if (!('problem' in out)) throw new Error('expected a problem');
    const { line, col, message } = out.problem;
    return `${line}:${col} ${message}`;
  };

  it('is shown at the alias, whether the anchor is missing or set only after it', () => {
    expect(problem('a: 1\nb:\n  - *nowhere\n')).toBe(
      '3:5 YAML: the alias *nowhere names no anchor &nowhere set before it; define the anchor above, or write the value out',
    );
    expect(problem('a: *later\nb: &later 2\n')).toMatch(/^1:4 YAML: the alias \*later names no anchor/);
  });
});

describe('an alias bomb', () => {
  const problem = (text: string) => {
    const out = yamlData(parseYaml('f.yaml', text));
    if (!('problem' in out)) throw new Error('expected a problem');
    const { line, col, message } = out.problem;
    return `${line}:${col} ${message}`;
  };
  // Nine of each anchor's aliases in the next: 9^n copies by the last line.
  const bomb = (levels: string) => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const c of levels) {
      const prev = String.fromCharCode(c.charCodeAt(0) - 1);
      lines.push(`${c}: &${c} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    return `${lines.join('\n')}\n`;
  };

  it('is shown at the alias where the expansion stops, said in words', () => {
    const said = (alias: string) =>
      `YAML: too many alias expansions at *${alias}: aliases of anchors that hold aliases multiply, and here they pass 10000 copies, as an alias bomb does; write the values out, or nest fewer aliases`;
    // e holds thousands of copies of x: its first use, in f, goes over.
    expect(problem(bomb('bcdefgh'))).toBe(`6:8 ${said('e')}`);
    // Through merge keys as well.
    const merged = ['a: &a { k: [x, x, x, x, x, x, x, x, x] }'];
    for (const c of 'bcdef') {
      const prev = String.fromCharCode(c.charCodeAt(0) - 1);
      merged.push(`${c}: &${c} [${Array(9).fill(`{ <<: *${prev} }`).join(', ')}]`);
    }
    expect(problem(`${merged.join('\n')}\n`)).toBe(`6:14 ${said('e')}`);
  });
});

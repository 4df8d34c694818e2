import { describe, expect, it } from 'vitest';
import { readParity } from '../../src/parity/spec.js';
import type { Problem } from '../../src/spec/problems.js';
import { parseYaml } from '../../src/spec/yaml.js';

function problemsOf(text: string): string[] {
  const y = parseYaml('gates/demo/parity.yaml', text);
  const problems: Problem[] = [];
  readParity(y, y.doc.toJS() as Record<string, unknown>, problems);
  return problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
}

describe('readParity', () => {
  it('accepts folders relative to the repository root, outside it through .. too', () => {
    expect(
      problemsOf('significant_digits: 12\ngolden: tests/parity/golden\ncandidate: ../beam\nrecapture: again\n'),
    ).toEqual([]);
  });

  it('refuses a folder given as an absolute path at its value: it was read under the repository root', () => {
    expect(
      problemsOf(
        'significant_digits: 12\ngolden: /srv/golden\ncandidate: tests/beam\nrecapture: C:\\captures\\again\n',
      ),
    ).toEqual([
      "2:9: golden /srv/golden is an absolute path, but parity.yaml's folders are read from the repository root; write it relative to the repository root (e.g. tests/parity/golden)",
      "4:12: recapture C:\\captures\\again is an absolute path, but parity.yaml's folders are read from the repository root; write it relative to the repository root (e.g. tests/parity/golden-recapture)",
    ]);
  });
});

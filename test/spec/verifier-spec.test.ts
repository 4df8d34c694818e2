import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadRfc } from '../../src/spec/load.js';
import { SpecError } from '../../src/spec/problems.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function load(raw: Record<string, string>, measurements?: unknown[]) {
  const t = tempRoot();
  cleanup = t.cleanup;
  writeRfc(t.root, { raw, ...(measurements ? { measurements } : {}) });
  return () => loadRfc(t.root, 'demo');
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
    throw e;
  }
  return [];
}

const parity = (data: unknown) => modeline('parity.yaml') + stringify(data);
const citations = (data: unknown) => modeline('citations.yaml') + stringify(data);

describe('parity.yaml and citations.yaml', () => {
  it('load into the RFC, with the claims keyed by the citation as written', () => {
    const rfc = load({
      'parity.yaml': parity({ significant_digits: 12, mask: '.*_at', golden: 'g', candidate: 'c' }),
      'citations.yaml': citations([{ cite: 'src/a.py:3-9', expect: ['f', 'g'] }]),
    })();
    expect(rfc.parity).toMatchObject({ significant_digits: 12, mask: '.*_at', golden: 'g', candidate: 'c' });
    expect(rfc.citations?.map((c) => [c.cite, c.expect])).toEqual([['src/a.py:3-9', ['f', 'g']]]);
  });

  it('report a bad mask, a cite that is not a citation, a duplicate and schema errors, at their lines', () => {
    const found = problems(
      load({
        'parity.yaml': parity({ significant_digits: 12, mask: '(unclosed', golden: 'g' }),
        'citations.yaml': citations([
          { cite: 'not a citation', expect: 'x' },
          { cite: 'a.py:1', expect: 'x' },
          { cite: 'a.py:1', expect: 'y' },
          { cite: 'b.py:2' },
        ]),
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gates\/demo\/parity\.yaml:3:7: mask is not a valid regular expression/),
        expect.stringMatching(/^gates\/demo\/citations\.yaml:2:9: 'not a citation' is not a citation/),
        expect.stringMatching(/^gates\/demo\/citations\.yaml:6:9: 'a\.py:1' is declared twice \(first at line 4\)/),
        expect.stringMatching(/^gates\/demo\/citations\.yaml:8:3: item 4: missing required key .expect./),
      ]),
    );
  });

  it('a parity measurement needs parity.yaml; verifier measurements are ints', () => {
    const found = problems(load({}, [{ id: 'off', verifier: { query: 'parity' } }]));
    expect(found).toEqual([
      expect.stringMatching(/measurement 'off': a parity measurement needs the parity definition/),
    ]);
    const rfc = load({ 'parity.yaml': parity({ significant_digits: 12, golden: 'g' }) }, [
      { id: 'off', verifier: { query: 'parity' } },
      { id: 'bad', verifier: { query: 'citations', verdicts: ['REFUTED'] } },
    ])();
    expect(rfc.measurements.get('off')).toMatchObject({ type: 'int', source: 'verifier' });
    expect(problems(load({}, [{ id: 'x', verifier: { query: 'parity', verdicts: ['REFUTED'] } }]))).not.toEqual([]);
  });
});

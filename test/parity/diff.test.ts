import { describe, expect, it, vi } from 'vitest';
import { compileMask, diffJson, floatsEqual } from '../../src/parity/diff.js';
import { JsonSyntaxError, parseJson } from '../../src/parity/parse.js';

const WAVE3_MASK = '(.*_at|.*_time.*|.*_ms|server_time|processing_time_ms|elapsed_ms|created)';
const rules = { significantDigits: 12, mask: compileMask(WAVE3_MASK) };

function diff(golden: string, actual: string, r: Parameters<typeof diffJson>[2] = rules) {
  return diffJson(parseJson(golden, 'golden.json'), parseJson(actual, 'actual.json'), r);
}

describe('parseJson', () => {
  it('keeps integer-like keys in file order, which JSON.parse does not', () => {
    const v = parseJson('{"b":1,"2":2,"a":3,"1":4}', 'x.json');
    expect(v.kind === 'object' && v.entries.map((e) => e.key)).toEqual(['b', '2', 'a', '1']);
    expect(Object.keys(JSON.parse('{"b":1,"2":2,"a":3,"1":4}') as object)).toEqual(['1', '2', 'b', 'a']);
  });

  it('keeps the lexical kind of numbers: 1 is an int, 1.0 and 1e3 are floats', () => {
    const v = parseJson('[1, 1.0, 1e3, -0, 12345678901234567890]', 'x.json');
    expect(v.kind === 'array' && v.items.map((i) => i.kind)).toEqual(['int', 'float', 'float', 'int', 'int']);
  });

  it('reads a capture that starts with a byte-order mark as the same document', () => {
    expect(diff('\uFEFF{"a": 1, "b": [1.5]}', '{"a": 1, "b": [1.5]}')).toEqual([]);
    expect(diff('\uFEFF{"a": 1}', '\uFEFF{"a": 2}')).toEqual([
      { path: '$.a', kind: 'value_changed', expected: '1', actual: '2' },
    ]);
  });

  it('rejects comments, trailing commas and broken JSON with the line and column', () => {
    expect(() => parseJson('{\n  "a": 1,\n}', 'g.json')).toThrow(JsonSyntaxError);
    try {
      parseJson('{\n  "a": 1 // no\n}', 'g.json');
      expect.unreachable();
    } catch (e) {
      expect((e as JsonSyntaxError).message).toMatch(/^g\.json:2:\d+: not valid JSON: /);
    }
  });

  it('says an empty capture is empty, not "value expected"', () => {
    for (const text of ['', '\uFEFF', ' \r\n\t\n']) {
      expect(() => parseJson(text, 'e.json')).toThrow(
        /^e\.json:1:1: not valid JSON: the file holds no JSON value \(it is empty\): take the capture again$/,
      );
    }
    // A document that is not only whitespace keeps the parser's own message.
    expect(() => parseJson(' \n x', 'x.json')).toThrow(/^x\.json:2:2: not valid JSON: invalid symbol$/);
  });

  it('says an HTML or XML page saved as a capture is one, not "invalid symbol"', () => {
    expect(() => parseJson('\n  <html><body>502 Bad Gateway</body></html>', 'p.json')).toThrow(
      /^p\.json:2:3: not valid JSON: the file holds HTML or XML \(an error page in place of the response\?\), not JSON: take the capture again$/,
    );
    expect(() => parseJson('<?xml version="1.0"?><error/>', 'x.json')).toThrow(
      /^x\.json:1:1: not valid JSON: the file holds HTML or XML/,
    );
  });

  it('rejects a document nested past the limit at the bracket that goes too deep, instead of overflowing the stack', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(() => parseJson(`{"a": "[[[[", "b": ${deep(20_000)}}`, 'deep.json')).toThrow(
      /^deep\.json:1:1019: not valid JSON: nested deeper than 1000 levels$/,
    );
    const limit = deep(1000);
    expect(diff(limit, limit)).toEqual([]);
  });

  it('rejects a key written twice in one object, at the second, naming the first', () => {
    expect(() => parseJson('{"a": 1,\n "b": {"a": 2},\n "a": 2}', 'd.json')).toThrow(
      /^d\.json:3:2: not valid JSON: duplicate key "a" \(first at 1:2\)$/,
    );
    // The same key in different objects is fine.
    expect(parseJson('{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}', 'ok.json').kind).toBe('object');
  });
});

describe('diffJson', () => {
  it('finds nothing in identical documents', () => {
    const doc = '{"id": 7, "score": 0.5, "tags": ["a", "b"], "nested": {"x": null, "ok": true}}';
    expect(diff(doc, doc)).toEqual([]);
  });

  it('reports every difference kind, each with its path, not only the first', () => {
    const golden = '{"a": 1, "b": "x", "c": {"d": 1, "e": 2}, "f": 0.123456789012, "g": [1, 2], "h": true, "k": 1}';
    const actual = '{"a": 1, "b": "y", "c": {"e": 2, "d": 1}, "f": 0.123456789099, "g": [1], "h": "true", "new": 1}';
    const kinds = diff(golden, actual).map((d) => [d.kind, d.path]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['value_changed', '$.b'],
        ['order_changed', '$.c'],
        ['float_beyond_precision', '$.f'],
        ['missing_field', '$.g[1]'],
        ['type_changed', '$.h'],
        ['missing_field', '$.k'],
        ['extra_field', '$.new'],
      ]),
    );
    expect(kinds).toHaveLength(7);
  });

  it('an int that became a float is a type change (1 vs 1.0), and the reverse too', () => {
    expect(diff('{"n": 1}', '{"n": 1.0}')).toEqual([
      { path: '$.n', kind: 'type_changed', expected: '1', actual: '1.0' },
    ]);
    expect(diff('{"n": 2.0}', '{"n": 2}')).toEqual([
      { path: '$.n', kind: 'type_changed', expected: '2.0', actual: '2' },
    ]);
  });

  it('order_changed names both orders, and nested fields are still compared', () => {
    const d = diff('{"x": {"a": 1, "b": 2}}', '{"x": {"b": 3, "a": 1}}');
    expect(d).toEqual([
      { path: '$.x', kind: 'order_changed', expected: '["a", "b"]', actual: '["b", "a"]' },
      { path: '$.x.b', kind: 'value_changed', expected: '2', actual: '3' },
    ]);
  });

  it('masks keys matching the regex as whole names, at every level, before comparing', () => {
    const golden = '{"created_at": "2026-01-01", "resp": {"elapsed_ms": 3, "server_time": 1, "last_attempt": 1}}';
    const actual = '{"resp": {"server_time": 9, "last_attempt": 2, "elapsed_ms": 8}, "created": "x"}';
    // created_at, elapsed_ms, server_time, created are masked; last_attempt is not (".*_at" is not a prefix match).
    expect(diff(golden, actual)).toEqual([
      { path: '$.resp.last_attempt', kind: 'value_changed', expected: '1', actual: '2' },
    ]);
    // Without the mask the same documents differ in many places.
    expect(diff(golden, actual, { significantDigits: 12 }).length).toBeGreaterThan(3);
  });

  it('floats are equal to 12 significant digits; a 13th-digit difference passes at 12 and fails at 13', () => {
    const golden = '{"v": 0.1234567890121}';
    const actual = '{"v": 0.1234567890124}';
    expect(diff(golden, actual, { significantDigits: 12 })).toEqual([]);
    expect(diff(golden, actual, { significantDigits: 13 })).toEqual([
      { path: '$.v', kind: 'float_beyond_precision', expected: '0.1234567890121', actual: '0.1234567890124' },
    ]);
    expect(diff('{"v": 1234.56789012}', '{"v": 1234.56789013}', { significantDigits: 12 })).toHaveLength(1);
    expect(floatsEqual(1e-300, 1.0000000000001e-300, 12)).toBe(true);
  });

  it('rounds a float exactly halfway as %.12g does, to even, not up', () => {
    // 123456789012.5 is an exact double, halfway between two 12-digit values: %.12g prints 123456789012.
    expect(floatsEqual(123456789012.5, 123456789012.4, 12)).toBe(true);
    expect(floatsEqual(123456789013.5, 123456789014.4, 12)).toBe(true);
    expect(floatsEqual(123456789012.5, 123456789013, 12)).toBe(false);
    expect(floatsEqual(-2.5, -2, 1)).toBe(true);
    expect(floatsEqual(-2.5, -3, 1)).toBe(false);
    expect(floatsEqual(0.125, 0.12, 2)).toBe(true);
    // 0.15 is not exactly halfway (its double is 0.1499999…), so it rounds down either way.
    expect(floatsEqual(0.15, 0.1, 1)).toBe(true);
    expect(floatsEqual(9.5, 10, 1)).toBe(true);
    expect(floatsEqual(5e-324, 4.9e-324, 12)).toBe(true);
    expect(floatsEqual(1.7976931348623157e308, 1.797693134862e308, 12)).toBe(true);
    expect(floatsEqual(1, -1, 12)).toBe(false);
    expect(floatsEqual(-0, 0, 12)).toBe(true);
  });

  it('-0.0 and 0.0 are the same number under §7.2, and so are the ints -0 and 0', () => {
    expect(diff('{"v": -0.0, "n": -0, "e": -0e0}', '{"v": 0.0, "n": 0, "e": 0e0}')).toEqual([]);
    // Zero's sign is not its type: an int zero against a float zero still changed type.
    expect(diff('{"v": -0}', '{"v": 0.0}')).toEqual([
      { path: '$.v', kind: 'type_changed', expected: '-0', actual: '0.0' },
    ]);
  });

  it('compares floats written beyond a double by their digits, not as one Infinity or one 0', () => {
    expect(diff('[1e400, 1e-400, 1.5e400]', '[2e400, 0.0, 1.50000000000001e400]')).toEqual([
      { path: '$[0]', kind: 'float_beyond_precision', expected: '1e400', actual: '2e400' },
      { path: '$[1]', kind: 'float_beyond_precision', expected: '1e-400', actual: '0.0' },
    ]);
    expect(diff('[1e400, -2.50e-400]', '[10.0e399, -25e-401]')).toEqual([]);
  });

  it('compares big integers exactly', () => {
    expect(diff('[9007199254740993]', '[9007199254740992]')).toHaveLength(1);
  });

  it('prints strings and keys that read alike with their code points, so the difference shows', () => {
    const golden = '{"k\u00e9y": 1, "name": "caf\u00e9", "gap": "a\u00a0b", "id": "ab", "city": "Z\u00fcrich"}';
    const actual = '{"ke\u0301y": 1, "name": "cafe\u0301", "gap": "a b", "id": "a\u200bb", "city": "Zurich"}';
    expect(diff(golden, actual)).toEqual([
      { path: '$["k\\u00e9y"]', kind: 'missing_field', expected: '1' },
      { path: '$["ke\\u0301y"]', kind: 'extra_field', actual: '1' },
      { path: '$.name', kind: 'value_changed', expected: '"caf\\u00e9"', actual: '"cafe\\u0301"' },
      { path: '$.gap', kind: 'value_changed', expected: '"a\\u00a0b"', actual: '"a b"' },
      { path: '$.id', kind: 'value_changed', expected: '"ab"', actual: '"a\\u200bb"' },
      // Strings that read differently stay as they are written.
      { path: '$.city', kind: 'value_changed', expected: '"Zürich"', actual: '"Zurich"' },
    ]);
  });

  it('reads each missing and extra key once, not once per pair: a map keyed by ids that changed', () => {
    const keyed = (prefix: string) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`${prefix}-${i}`, i])));
    const golden = parseJson(keyed('r1'), 'golden.json');
    const actual = parseJson(keyed('r2'), 'actual.json');
    const normalize = vi.spyOn(String.prototype, 'normalize');
    try {
      const found = diffJson(golden, actual, rules);
      expect(found).toHaveLength(600);
      expect(found[0]).toEqual({ path: '$["r1-0"]', kind: 'missing_field', expected: '0' });
      expect(found[300]).toEqual({ path: '$["r2-0"]', kind: 'extra_field', actual: '0' });
      // Once per key on each side, and once more as each is named: 1,200. Matched pair by
      // pair it was 2 × 300 × 300 × 2 = 360,000, minutes on a map of some thousand ids.
      expect(normalize.mock.calls.length).toBeLessThanOrEqual(1200);
    } finally {
      normalize.mockRestore();
    }
  });

  it('quotes keys that are not identifiers in paths', () => {
    expect(diff('{"a b": {"0": 1}}', '{"a b": {"0": 2}}')[0]?.path).toBe('$["a b"]["0"]');
  });

  it("quotes a key holding $ (JSON Schema's $ref, $id): JSONPath reads $ as the root, never in a dotted name", () => {
    expect(diff('{"$ref": 1, "$": 1}', '{"$ref": 2, "$": 2}').map((d) => d.path)).toEqual(['$["$ref"]', '$["$"]']);
  });

  it('an array item added or removed is an extra or a missing field at its index', () => {
    expect(diff('[1]', '[1, {"x": 1}]')).toEqual([{ path: '$[1]', kind: 'extra_field', actual: '{"x":1}' }]);
  });
});

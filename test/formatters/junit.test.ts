import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { FORMATTERS } from '../../src/formatters/index.js';
import type { GateReport } from '../../src/model/result.js';
import { allPass, empty, mixed, ODD_TITLE } from './reports.js';

interface Testcase {
  name: string;
  classname: string;
  file: string;
  line: string;
  failure?: { message: string; type: string; '#text': string };
  error?: { message: string; type: string; '#text': string };
}

function parse(report: GateReport) {
  const xml = FORMATTERS.junit(report);
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  }).parse(xml);
  const suites = doc.testsuites;
  expect(suites.testsuite).toHaveLength(1);
  const suite = suites.testsuite[0];
  return { xml, suites, suite, cases: (suite.testcase ?? []) as Testcase[] };
}

describe('junit formatter', () => {
  it('counts tests, failures (fail) and errors (halt) on the suite', () => {
    const { suites, suite } = parse(mixed);
    for (const node of [suites, suite]) {
      expect(node).toMatchObject({ tests: '5', failures: '1', errors: '2', skipped: '0' });
    }
    expect(suite.name).toBe('wave3');
    // JUnit.xsd's ISO8601_DATETIME_PATTERN: no fraction, no zone (UTC here; as_of has the zone).
    expect(suite.timestamp).toBe('2026-06-01T00:00:00');
    expect(suite.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(suite.time).toBeUndefined();
    const props = Object.fromEntries(
      (suite.properties.property as { name: string; value: string }[]).map((p) => [p.name, p.value]),
    );
    expect(props).toEqual({ rfc: 'wave3', as_of: '2026-06-01T00:00:00.000Z', ref: 'HEAD', verdict: 'fail' });
  });

  it('writes one testcase per gate, in report order, with name, classname, file and line', () => {
    const { cases } = parse(mixed);
    expect(cases.map((c) => c.name)).toEqual([
      'EC1 Wave 2 closed',
      `B ${ODD_TITLE}`,
      'S.5 Error rate, above 2% — roll back',
      'EC2 Parity signed off',
      'I.1 No write outside the lease plane',
    ]);
    expect(cases.map((c) => c.classname)).toEqual([
      'wave3.exit_criterion',
      'wave3.disconfirmer',
      'wave3.stop_sign',
      'wave3.exit_criterion',
      'wave3.invariant',
    ]);
    expect(cases[1]).toMatchObject({ file: 'gates/wave3/disconfirmers.yaml', line: '24' });
    expect(cases[2]).toMatchObject({ file: './gates/wave 3/stop signs.yaml', line: '12' });
  });

  it('marks fail as <failure> and halt as <error type="halt:<reason>">, passes as plain testcases', () => {
    const { cases } = parse(mixed);
    const [ec1, b, s5, ec2, i1] = cases as [Testcase, Testcase, Testcase, Testcase, Testcase];
    for (const c of [ec1, ec2]) {
      expect(c.failure).toBeUndefined();
      expect(c.error).toBeUndefined();
    }
    expect(s5.error).toBeUndefined();
    expect(s5.failure?.message).toBe('error_rate: 0.031 >= 0.02');
    expect(s5.failure?.['#text']).toContain('fail: error_rate: 0.031 >= 0.02');
    expect(s5.failure?.['#text']).toContain('measurement error_rate: source=sql value=0.031');

    expect(b.failure).toBeUndefined();
    expect(b.error?.type).toBe('halt:insufficient');
    expect(i1.error?.type).toBe('halt:missing');
    expect(i1.error?.['#text']).toContain('gate B: halt (insufficient)');
  });

  it('escapes markup and keeps messages on one line; SQL text stays out of the body', () => {
    const { cases } = parse(mixed);
    const b = cases[1] as Testcase;
    // The line break becomes a space; the control character, which XML cannot carry, U+FFFD.
    expect(b.error?.message).toBe(
      'lease_plane_p50_ms: rows on 9 of 14 days, needs 100% | see <evidence> & retry\uFFFD',
    );
    const body = b.error?.['#text'] ?? '';
    expect(body).toContain(`disconfirmer B §0(B): ${ODD_TITLE}`);
    expect(body).toContain('condition: boundary_p50_ms >= lease_plane_p50_ms * p50_ratio && x < y');
    expect(body).toContain('measurement boundary_p50_ms: source=sql value=41.5 rows=20000');
    expect(body).toContain(
      'measurement lease_plane_p50_ms: source=sql halt=insufficient days_with_rows=9 rows=8123 reason=rows on 9 of 14 days',
    );
    expect(body).toContain('params: {"p50_ratio":2}');
    expect(body).not.toContain('SELECT');
  });

  it("lists an exit criterion's gates one line each, with the evidence of a gate the report leaves out", () => {
    const report: GateReport = {
      rfc: 'wave3',
      as_of: '2026-06-01T00:00:00.000Z',
      ref: 'HEAD',
      verdict: 'fail',
      results: [
        {
          id: 'EC8',
          kind: 'exit_criterion',
          title: 'Disconfirmer (D) did not fire',
          section: '§13(8)',
          verdict: 'fail',
          reason: 'D failed: fired: extra > 0.0 (extra=1)',
          evidence: {
            all_of: [
              { id: 'A.1', verdict: 'pass' },
              {
                id: 'D',
                verdict: 'fail',
                reason: 'fired: extra > 0.0 (extra=1)',
                evidence: {
                  condition: 'extra > 0.0',
                  measurements: { extra: { source: 'artifact', value: 1, path: 'docs/redteam.md' } },
                  spec: 'gates/wave3/disconfirmers.yaml:48:3',
                },
              },
            ],
            spec: 'gates/wave3/exit-criteria.yaml:47:3',
          },
          location: { file: 'gates/wave3/exit-criteria.yaml', line: 47, col: 3 },
        },
      ],
    };
    const body = parse(report).cases[0]?.failure?.['#text'].split('\n') ?? [];
    expect(body.slice(body.indexOf('evidence:'))).toEqual([
      'evidence:',
      '  gate A.1: pass',
      '  gate D: fail',
      '    condition: extra > 0.0',
      '    measurement extra: source=artifact value=1 path="docs/redteam.md"',
    ]);
  });

  it('handles all-pass and empty reports', () => {
    const ok = parse(allPass);
    expect(ok.suite).toMatchObject({ tests: '2', failures: '0', errors: '0' });
    expect(ok.cases[1]?.name).toBe(`EC2 ${ODD_TITLE}`);
    expect(ok.xml).not.toMatch(/<failure|<error/);
    const none = parse(empty);
    expect(none.suite).toMatchObject({ tests: '0', failures: '0', errors: '0' });
    expect(none.cases).toEqual([]);
  });

  it('is deterministic: byte-identical for the same report, with no timings', () => {
    const out = FORMATTERS.junit(mixed);
    expect(FORMATTERS.junit(structuredClone(mixed))).toBe(out);
    expect(out).not.toMatch(/\btime=/);
    expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  });
});

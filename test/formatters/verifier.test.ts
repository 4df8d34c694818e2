/** The cite and parity formatters on the edge reports the CLI tests do not reach: halted and empty. */
import { readFileSync } from 'node:fs';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { haltedCiteReport } from '../../src/cite/verify.js';
import { formatCite } from '../../src/formatters/cite/index.js';
import { formatParity } from '../../src/formatters/parity/index.js';
import type { ParityReport } from '../../src/parity/compare.js';
import { expectInert, expectNoCommand, PLANTED, SHOWN, SHOWN_INSIDE } from '../helpers/planted.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
const ajv = new AjvDraft04.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

describe('cite formatters', () => {
  const halted = haltedCiteReport('rfcs/x.md', 'main', "git ref 'main' does not exist");

  it('a halted report is valid SARIF with no results, and says why in every other format', () => {
    const log = JSON.parse(formatCite(halted, 'sarif')) as Log;
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.runs[0]?.results).toEqual([]);
    expect(formatCite(halted, 'table')).toMatch(/^HALT: git ref 'main' does not exist$/m);
    expect(formatCite(halted, 'markdown')).toMatch(/Halted: git ref 'main' does not exist/);
    expect(JSON.parse(formatCite(halted, 'json'))).toMatchObject({
      verdict: 'halt',
      halt: "git ref 'main' does not exist",
    });
  });

  it('an empty document reads as no citations, not as a pass of anything', () => {
    const empty = { ...halted, verdict: 'pass' as const, sha: 'a'.repeat(40) };
    delete empty.halt;
    expect(formatCite(empty, 'table')).toMatch(/^no citations: PASS$/m);
  });

  it('counts the citations --since left out, one in the singular', () => {
    const since = (unchanged: number) =>
      formatCite({ ...halted, since: { ref: 'main', sha: 'b'.repeat(40), unchanged } }, 'table').split('\n')[0];
    expect(since(1)).toBe(
      'rfcs/x.md against main, citations and files changed since main (1 unchanged citation left out)',
    );
    expect(since(2)).toBe(
      'rfcs/x.md against main, citations and files changed since main (2 unchanged citations left out)',
    );
  });

  it('the table writes out what a terminal or a CI log would obey in the document and the files it cites', () => {
    const counts = { ...halted.counts, REFUTED: 1 };
    const citation = {
      id: `src/${PLANTED}.py:1-2`,
      location: { file: 'rfcs/x.md', line: 7, col: 3 },
      path: `src/${PLANTED}.py`,
      verdict: 'REFUTED' as const,
      expect: [PLANTED],
      expect_source: 'sentence' as const,
      found: [],
      reason: PLANTED,
    };
    const planted = { ...halted, document: PLANTED, verdict: 'fail' as const, counts, citations: [citation] };
    delete planted.halt;
    const text = formatCite(planted, 'table', { color: false, width: 200 });
    expectInert(text);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`${SHOWN} against main`);
    expect(lines.filter((l) => l.includes(SHOWN) && l.startsWith('│ REFUTED'))).toHaveLength(1);
    // The citation column is measured on the text as shown: every line of the table is as wide.
    const table = lines.filter((l) => /^[┌│├└]/.test(l));
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(table.join('\n')).toContain('src/::error::x \\x1b[2J');

    const stopped = formatCite({ ...halted, halt: PLANTED }, 'table');
    expectInert(stopped);
    expect(stopped).toContain(`HALT: ${SHOWN}\n`);
    // Markdown keeps the text, the citation's in a code span too, in references a log does not obey.
    for (const md of [formatCite(planted, 'markdown'), formatCite({ ...halted, halt: PLANTED }, 'markdown')]) {
      expectNoCommand(md);
      expect(md).toContain('##&#91;add-mask]x');
    }
  });
});

describe('parity formatters', () => {
  const halted: ParityReport = {
    mode: 'diff',
    golden: 'g',
    actual: 'c',
    significant_digits: 12,
    mask: null,
    spec: null,
    verdict: 'halt',
    halt: 'c does not exist',
    counts: { parity: 0, differs: 0, missing_capture: 0, missing_golden: 0 },
    files: [],
  };

  it('a halted comparison is one JUnit error, and a HALT line in the table', () => {
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      formatParity(halted, 'junit'),
    ) as {
      testsuites: { errors: string; testsuite: { testcase: { error: { message: string } } } };
    };
    expect(xml.testsuites.errors).toBe('1');
    expect(xml.testsuites.testsuite.testcase.error.message).toBe('c does not exist');
    expect(formatParity(halted, 'table')).toMatch(/^HALT: c does not exist$/m);
  });

  it('the capture-check summary counts a capture without its first take apart from one without its second', () => {
    const takes: ParityReport = {
      ...halted,
      mode: 'capture-check',
      counts: { parity: 1, differs: 0, missing_capture: 0, missing_golden: 1 },
      files: [
        { name: 'x.json', status: 'parity', golden: 'g/x.json', actual: 'c/x.json', differences: [] },
        { name: 'y.json', status: 'missing_golden', actual: 'c/y.json', differences: [] },
      ],
    };
    delete takes.halt;
    expect(formatParity(takes, 'table').split('\n')).toEqual(
      expect.arrayContaining([
        'NO 1ST TAKE  y.json',
        '1 of 2 stable, 0 unstable, 0 without a second take, 1 without a first take: HALT',
      ]),
    );
  });

  it('the table writes out what a terminal or a CI log would obey in file names, JSON paths and values', () => {
    const planted: ParityReport = {
      ...halted,
      verdict: 'fail',
      counts: { parity: 0, differs: 1, missing_capture: 0, missing_golden: 0 },
      files: [
        {
          name: PLANTED,
          status: 'differs',
          differences: [
            { path: `$["${PLANTED}"]`, kind: 'value_changed', expected: PLANTED, actual: PLANTED },
            { path: '$.b', kind: 'extra_field', actual: PLANTED },
          ],
        },
      ],
    };
    delete planted.halt;
    const text = formatParity(planted, 'table');
    expectInert(text);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        `DIFFERS  ${SHOWN}`,
        `    value_changed $["${SHOWN_INSIDE}"]: ${SHOWN} → ${SHOWN}`,
        `    extra_field $.b: only in the compared capture: ${SHOWN}`,
      ]),
    );
    // JUnit keeps the text, in character references a CI log does not obey.
    const junit = formatParity(planted, 'junit');
    expectNoCommand(junit);
    expect(junit).toContain('##&#91;add-mask]x');
    const stopped = formatParity({ ...halted, halt: PLANTED }, 'table');
    expectInert(stopped);
    expect(stopped).toContain(`HALT: ${SHOWN}\n`);
  });
});

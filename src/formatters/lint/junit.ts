import { create } from 'xmlbuilder2';
import type { LintReport } from '../../lint/report.js';
import { junitTimestamp } from '../junit.js';
import { inertMarkup, visible } from '../visible.js';
import { xmlAttr as attr, xmlText as text } from '../xml-text.js';

/**
 * JUnit XML: one <testsuite> per RFC, one <testcase> per rule. A rule with error findings
 * is a <failure> listing them (and why it also halted, if it did); a halted rule without
 * one an <error type="halt:<reason>">, so each testcase is counted once, as CI tools expect;
 * warnings go to the testcase's <system-out>. No timings, so the output is deterministic.
 */
export function formatLintJunit(r: LintReport, o: { prefix?: string } = {}): string {
  const prefix = o.prefix ?? '';
  const totals = {
    tests: String(r.rules.length),
    failures: String(r.rules.filter((x) => x.verdict === 'fail').length),
    errors: String(r.rules.filter((x) => x.verdict !== 'fail' && x.halt_reason !== undefined).length),
    skipped: '0',
  };
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const suites = doc.ele('testsuites', { name: attr(`rfcgate lint ${r.rfc}`), ...totals });
  const suite = suites.ele('testsuite', { name: attr(`${r.rfc} lint`), ...totals, timestamp: junitTimestamp(r.as_of) });
  const props = suite.ele('properties');
  for (const [name, value] of [
    ['rfc', r.rfc],
    ['as_of', r.as_of],
    ['scope', r.scope.kind],
    ['verdict', r.verdict],
  ] as const) {
    props.ele('property', { name, value: attr(value) });
  }
  for (const x of r.rules) {
    const tc = suite.ele('testcase', {
      name: attr(`${x.id} ${x.title}`),
      classname: attr(`${r.rfc}.lint.${x.kind}`),
      file: attr(prefix + x.location.file),
      line: String(x.location.line),
    });
    const mine = r.findings.filter((f) => f.rule === x.id);
    const shown = (t: string) => visible(t, { inCommand: true });
    const describe = (fs: typeof mine) =>
      fs
        .map(
          (f) =>
            // A line break in a file's name would split its file:line:col in two, and XML holds no
            // other control character: written out, as the terminal report does, in the name and
            // in the message, match and fix that quote one (the markup alone is made inert below).
            `${shown(prefix + f.file)}:${f.line}:${f.col} ${f.severity} ${shown(f.message)}${f.match !== undefined ? ` [${shown(f.match)}]` : ''}\n  fix: ${shown(f.fix)}`,
        )
        .join('\n');
    const errors = mine.filter((f) => f.severity === 'error');
    const warns = mine.filter((f) => f.severity === 'warn');
    // A reason may name a file (one that could not be read): a line break in its name is written
    // out, as the findings' file names are, so the reason stays one line.
    const reason = visible(x.reason ?? '', { inCommand: true });
    if (x.verdict === 'fail') {
      const halted = x.halt_reason !== undefined ? `\nalso halted (${x.halt_reason}): ${reason}` : '';
      tc.ele('failure', { message: attr(x.reason ?? x.title), type: 'fail' }).txt(text(describe(errors) + halted));
    } else if (x.halt_reason !== undefined) {
      tc.ele('error', { message: attr(x.reason ?? x.title), type: `halt:${x.halt_reason ?? 'error'}` }).txt(
        text(reason),
      );
    }
    if (warns.length) tc.ele('system-out').txt(text(describe(warns)));
  }
  return `${inertMarkup(doc.end({ prettyPrint: true, indent: '  ' }))}\n`;
}

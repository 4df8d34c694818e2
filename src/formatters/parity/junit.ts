/**
 * A ParityReport as JUnit XML: one testcase per golden file. Off parity → <failure> listing
 * every difference; a capture without its counterpart → <error> (unmeasured, like a halted
 * gate). No timings, so the same report gives byte-identical XML.
 */
import { create } from 'xmlbuilder2';
import type { ParityFile, ParityReport } from '../../parity/compare.js';
import { describeDifference } from './index.js';
import { inertMarkup } from '../visible.js';
import { xmlAttr as attr, xmlText as text } from '../xml-text.js';

export function formatParityJunit(r: ParityReport): string {
  const failures = r.files.filter((f) => f.status === 'differs').length;
  const errors = r.counts.missing_capture + r.counts.missing_golden + (r.halt ? 1 : 0);
  const skipped = r.skipped ?? [];
  const totals = {
    tests: String(r.files.length + (r.halt ? 1 : 0) + skipped.length),
    failures: String(failures),
    errors: String(errors),
    skipped: String(skipped.length),
  };
  const name = r.mode === 'diff' ? 'rfcgate parity diff' : 'rfcgate parity capture-check';
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const suites = doc.ele('testsuites', { name, ...totals });
  const suite = suites.ele('testsuite', { name: attr(`${r.golden} vs ${r.actual}`), ...totals });
  const props = suite.ele('properties');
  for (const [k, v] of [
    ['golden', r.golden],
    ['compared', r.actual],
    ['significant_digits', String(r.significant_digits)],
    ['mask', r.mask ?? ''],
    ['verdict', r.verdict],
  ] as const) {
    props.ele('property', { name: k, value: attr(v) });
  }
  if (r.halt) {
    suite
      .ele('testcase', { name: attr(r.golden), classname: 'parity' })
      .ele('error', { message: attr(r.halt), type: 'halt:missing' })
      .txt(text(r.halt));
  }
  for (const f of r.files) testcase(suite, r, f);
  // A named pipe where a capture was expected is named, not dropped: JUnit's own skipped case.
  for (const why of skipped) {
    suite.ele('testcase', { name: attr(why), classname: 'parity' }).ele('skipped', { message: attr(why) });
  }
  return `${inertMarkup(doc.end({ prettyPrint: true, indent: '  ' }))}\n`;
}

type Element = ReturnType<ReturnType<typeof create>['ele']>;

function testcase(suite: Element, r: ParityReport, f: ParityFile): void {
  const tc = suite.ele('testcase', { name: attr(f.name), classname: attr(r.mode === 'diff' ? 'parity' : 'capture') });
  if (f.status === 'parity') return;
  if (f.status === 'differs') {
    const what = r.mode === 'diff' ? 'difference' : 'non-deterministic field outside the mask';
    tc.ele('failure', {
      message: attr(`${f.differences.length} ${what}${f.differences.length === 1 ? '' : 's'}`),
      type: 'parity',
    }).txt(text(f.differences.map((d) => describeDifference(d, r.mode)).join('\n')));
    return;
  }
  const missing =
    f.status === 'missing_capture'
      ? `no capture to compare with the golden ${f.golden ?? f.name}`
      : `no golden capture for ${f.actual ?? f.name}`;
  const why = f.unreadable ? `${missing}: ${f.unreadable}` : missing;
  tc.ele('error', { message: attr(why), type: `halt:${f.status}` }).txt(text(why));
}

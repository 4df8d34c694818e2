import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failureReport } from '../../src/cli/failure-report.js';
import { writeOutputs } from '../../src/cli/outputs.js';
import { FORMATTERS } from '../../src/formatters/index.js';
import { escapeData, escapeProperty } from '../../src/formatters/github.js';
import type { GateResult } from '../../src/model/result.js';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { allPass, empty, mixed } from './reports.js';

afterAll(removeFixtures);

/** Decode a workflow command the way the Actions runner does. */
function parseCommand(line: string): { name: string; props: Record<string, string>; message: string } {
  const m = /^::([a-z]+)(?: ([^:]*))?::(.*)$/.exec(line);
  expect(m, line).not.toBeNull();
  const [, name = '', rawProps = '', message = ''] = m as RegExpExecArray;
  const unescape = (s: string) =>
    s.replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  const props = Object.fromEntries(
    rawProps
      .split(',')
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i), unescape(p.slice(i + 1))];
      }),
  );
  return { name, props, message: unescape(message) };
}

describe('github formatter', () => {
  it('writes one annotation per non-passing gate, errors first, then a notice with the counts', () => {
    const lines = FORMATTERS.github(mixed).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const [s5, b, i1, notice] = lines.map(parseCommand);
    expect(b?.name).toBe('warning');
    expect(s5?.name).toBe('error');
    expect(i1?.name).toBe('warning');
    expect(s5?.props).toEqual({ file: './gates/wave 3/stop signs.yaml', line: '12', col: '5', title: 'S.5 fail' });
    expect(b?.props).toEqual({
      file: 'gates/wave3/disconfirmers.yaml',
      line: '24',
      col: '3',
      title: 'B halt (insufficient)',
    });
    expect(s5?.message).toBe('error_rate: 0.031 >= 0.02\nstop sign S.5 §9(5): Error rate, above 2% — roll back');
    expect(notice?.name).toBe('notice');
    expect(notice?.props).toEqual({ title: 'rfcgate wave3' });
    expect(notice?.message).toBe('wave3 as of 2026-06-01T00:00:00.000Z on HEAD: FAIL (1 fail, 2 halt, 2 pass)');
  });

  it('encodes %, CR and LF in messages, and also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext%3A a%2C b');
    const out = FORMATTERS.github(mixed);
    const b = out.split('\n')[1] as string;
    expect(b).toContain('title=B halt (insufficient)::');
    expect(b).toContain('lease_plane_p50_ms: rows on 9 of 14 days,%0Aneeds 100%25 | see');
    const s5 = out.split('\n')[0] as string;
    expect(s5).toContain('%0Astop sign S.5 §9(5): Error rate, above 2%25 — roll back');
    expect(s5).toMatch(/^::error file=\.\/gates\/wave 3\/stop signs\.yaml,line=12,col=5,title=S\.5 fail::/);
    // Each command is one physical line: no raw line break survives.
    expect(out.trimEnd().split('\n')).toHaveLength(4);
    const title = FORMATTERS.github({ ...mixed, results: [{ ...mixed.results[2]!, id: 'S:5,a' }] }).split('\n')[0];
    expect(title).toContain('title=S%3A5%2Ca fail::');
    expect(parseCommand(title as string).props.title).toBe('S:5,a fail');
  });

  it('writes only the notice when every gate passes or none was selected', () => {
    expect(FORMATTERS.github(allPass)).toBe(
      '::notice title=rfcgate wave3::wave3 as of 2026-06-01T00:00:00.000Z on main: PASS (0 fail, 0 halt, 2 pass)\n',
    );
    expect(FORMATTERS.github(empty).trimEnd().split('\n')).toHaveLength(1);
  });

  it('says how many annotations GitHub will not show, once there are more than ten of a kind', () => {
    const fail = mixed.results.find((r) => r.verdict === 'fail') as GateResult;
    const halt = mixed.results.find((r) => r.verdict === 'halt') as GateResult;
    const many = (n: number, r: GateResult, p: string) =>
      Array.from({ length: n }, (_, i) => ({ ...r, id: `${p}${i}` }));
    const at = (fails: number, halts: number) =>
      FORMATTERS.github({ ...mixed, results: [...many(fails, fail, 'F'), ...many(halts, halt, 'H')] })
        .trimEnd()
        .split('\n')
        .map(parseCommand);
    // Ten of each kind: all shown, no extra notice.
    const ten = at(10, 10);
    expect(ten).toHaveLength(21);
    expect(ten.filter((c) => c.name === 'notice')).toHaveLength(1);
    const over = at(14, 11);
    expect(over).toHaveLength(14 + 11 + 2);
    expect(over.filter((c) => c.name === 'error')).toHaveLength(14);
    const hidden = over.at(-2);
    expect(hidden?.name).toBe('notice');
    expect(hidden?.message).toBe(
      'GitHub shows 10 annotations of each kind per step: 4 of 14 errors and 1 of 11 warnings are only in this log; add --format sarif=gates.sarif or --format markdown=summary.md to keep every gate',
    );
    expect(over.at(-1)?.message).toMatch(/FAIL \(14 fail, 11 halt, 0 pass\)$/);
    expect(at(3, 12).at(-2)?.message).toMatch(/: 2 of 12 warnings are only in this log;/);
  });

  it('puts every error before the warnings, and says after them all how many GitHub will not show', () => {
    const fail = mixed.results.find((r) => r.verdict === 'fail') as GateResult;
    const halt = mixed.results.find((r) => r.verdict === 'halt') as GateResult;
    // Halts and fails interleaved, the first fail after eleven halts: as a spec's order may have them.
    const results = Array.from({ length: 24 }, (_, i) =>
      i < 11 || i % 2 ? { ...halt, id: `H${i}` } : { ...fail, id: `F${i}` },
    );
    const lines = FORMATTERS.github({ ...mixed, results })
      .trimEnd()
      .split('\n')
      .map(parseCommand);
    const names = lines.map((c) => c.name);
    const errors = results.filter((r) => r.verdict === 'fail').length;
    expect(errors).toBe(6);
    expect(names).toEqual([
      ...Array(errors).fill('error'),
      ...Array(results.length - errors).fill('warning'),
      'notice',
      'notice',
    ]);
    // Each kind in the spec's order.
    expect(lines.slice(0, errors).map((c) => c.props.title)).toEqual([
      'F12 fail',
      'F14 fail',
      'F16 fail',
      'F18 fail',
      'F20 fail',
      'F22 fail',
    ]);
    expect(lines[errors]?.props.title).toBe('H0 halt (insufficient)');
    expect(lines.at(-2)?.message).toBe(
      'GitHub shows 10 annotations of each kind per step: 8 of 18 warnings are only in this log; add --format sarif=gates.sarif or --format markdown=summary.md to keep every gate',
    );
  });

  it("a run with no report: the spec's errors, the run's error, the warnings, and how many GitHub will not show", () => {
    const problems = Array.from({ length: 14 }, (_, i) => ({
      file: 'gates/demo/stop-signs.yaml',
      line: i + 1,
      col: 3,
      message: `problem ${i + 1}`,
      severity: i % 3 ? ('error' as const) : ('warning' as const),
    }));
    const f = { name: 'SpecError', message: '14 problems; fix the spec and run again', exit: 3, problems };
    const lines = failureReport('github', f, { toFile: false, prefix: 'svc/' }).trimEnd().split('\n').map(parseCommand);
    expect(lines.map((c) => c.name)).toEqual([...Array(9 + 1).fill('error'), ...Array(5).fill('warning')]);
    expect(lines.slice(0, 9).map((c) => c.props.line)).toEqual(['2', '3', '5', '6', '8', '9', '11', '12', '14']);
    expect(lines[0]?.props.file).toBe('svc/gates/demo/stop-signs.yaml');
    expect(lines[9]).toEqual({
      name: 'error',
      props: { title: 'rfcgate: no report (exit 3)' },
      message: '14 problems; fix the spec and run again',
    });
    expect(lines.slice(10, 15).map((c) => c.props.line)).toEqual(['1', '4', '7', '10', '13']);
    // Ten errors, the run's among them, and five warnings: all shown, so no notice (above); one more is not.
    const eleven = [...problems, { ...problems[1]!, line: 15 }];
    expect(failureReport('github', { ...f, problems: eleven }, { toFile: false, prefix: '' })).toContain(
      '::notice title=rfcgate%3A no report (exit 3)::GitHub shows 10 annotations of each kind per step: 1 of 11 errors are only in this log;',
    );
    const many = { ...f, problems: problems.map((p) => ({ ...p, severity: 'error' as const })) };
    expect(failureReport('github', many, { toFile: false, prefix: '' }).trimEnd().split('\n').at(-1)).toBe(
      '::notice title=rfcgate%3A no report (exit 3)::GitHub shows 10 annotations of each kind per step: 5 of 15 errors are only in this log; standard error names each as file:line:col',
    );
  });

  it('names the report files the same run writes rather than advising to add one', async () => {
    const fail = mixed.results.find((r) => r.verdict === 'fail') as GateResult;
    const report = { ...mixed, results: Array.from({ length: 12 }, (_, i) => ({ ...fail, id: `F${i}` })) };
    const dir = tempDir();
    const [sarif, summary, annotations] = ['gates.sarif', 'summary.md', 'annotations.txt'].map((n) => join(dir, n));
    // As `gate check --format sarif=… --format markdown=… --format github` writes them.
    await writeOutputs(
      report,
      [
        { format: 'sarif', file: sarif },
        { format: 'markdown', file: summary },
        { format: 'github', file: annotations },
      ],
      { color: false },
    );
    const notice = readFileSync(annotations as string, 'utf8')
      .trimEnd()
      .split('\n')
      .map(parseCommand)
      .at(-2);
    expect(notice?.message).toBe(
      `GitHub shows 10 annotations of each kind per step: 2 of 12 errors are not annotated, but are in this log and in ${sarif} and ${summary}`,
    );
  });

  it('is deterministic', () => {
    expect(FORMATTERS.github(structuredClone(mixed))).toBe(FORMATTERS.github(mixed));
  });
});

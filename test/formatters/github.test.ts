import { describe, expect, it } from 'vitest';
import { FORMATTERS } from '../../src/formatters/index.js';
import { escapeData, escapeProperty } from '../../src/formatters/github.js';
import { allPass, empty, mixed } from './reports.js';

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
  it('writes one annotation per non-passing gate, then a notice with the counts', () => {
    const lines = FORMATTERS.github(mixed).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const [b, s5, i1, notice] = lines.map(parseCommand);
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
    const b = out.split('\n')[0] as string;
    expect(b).toContain('title=B halt (insufficient)::');
    expect(b).toContain('lease_plane_p50_ms: rows on 9 of 14 days,%0Aneeds 100%25 | see');
    const s5 = out.split('\n')[1] as string;
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

  it('is deterministic', () => {
    expect(FORMATTERS.github(structuredClone(mixed))).toBe(FORMATTERS.github(mixed));
  });
});

import { XMLParser } from 'fast-xml-parser';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { FORMATTERS } from '../../src/formatters/index.js';
import { combineVerdicts, exitCodeFor, type GateReport } from '../../src/model/result.js';

const report: GateReport = {
  rfc: 'wave3',
  as_of: '2026-06-01T00:00:00.000Z',
  ref: 'HEAD',
  verdict: 'halt',
  results: [
    {
      id: 'B',
      kind: 'disconfirmer',
      title: 'Boundary cost',
      section: '§0(B)',
      verdict: 'halt',
      halt_reason: 'insufficient',
      reason: 'lease_plane_p50_ms: rows on 9 of 14 days',
      evidence: {
        spec: 'gates/wave3/disconfirmers.yaml:24:3',
        condition: 'x',
        measurements: { z: { value: 1, source: 'sql' } },
      },
      location: { file: 'gates/wave3/disconfirmers.yaml', line: 24, col: 3 },
    },
    {
      id: 'EC1',
      kind: 'exit_criterion',
      title: 'Wave 2 closed',
      section: '§13(1)',
      verdict: 'pass',
      evidence: {},
      location: { file: 'gates/wave3/exit-criteria.yaml', line: 4, col: 3 },
    },
  ],
};

describe('json formatter', () => {
  it('orders the contract keys and sorts evidence keys', () => {
    const out = FORMATTERS.json(report);
    const parsed = JSON.parse(out);
    expect(Object.keys(parsed.results[0])).toEqual([
      'id',
      'kind',
      'title',
      'section',
      'verdict',
      'halt_reason',
      'reason',
      'evidence',
      'location',
    ]);
    expect(Object.keys(parsed.results[0].evidence)).toEqual(['condition', 'measurements', 'spec']);
    expect(Object.keys(parsed.results[0].evidence.measurements.z)).toEqual(['source', 'value']);
    expect(parsed.results[1]).not.toHaveProperty('reason');
    expect(FORMATTERS.json(report)).toBe(out);
  });
});

describe('a report of one phase', () => {
  it('says which phase it is in every format, and nothing of a phase when it covers all', () => {
    const close: GateReport = { ...report, phase: 'close' };
    expect(FORMATTERS.table(close, { color: false })).toMatch(/^wave3 as of \S+ on HEAD, phase close: HALT/m);
    expect(FORMATTERS.markdown(close)).toMatch(/^As of `\S+` on `HEAD`, phase `close`: 2 gates/m);
    expect(FORMATTERS.github(close)).toMatch(
      /^::notice title=rfcgate wave3::wave3 as of \S+ on HEAD, phase close: HALT/m,
    );
    expect(Object.keys(JSON.parse(FORMATTERS.json(close)) as object)).toEqual([
      'rfc',
      'as_of',
      'ref',
      'phase',
      'verdict',
      'results',
    ]);
    expect(FORMATTERS.junit(close)).toContain('<property name="phase" value="close"/>');
    const sarif = JSON.parse(FORMATTERS.sarif(close)) as { runs: { properties: Record<string, string> }[] };
    expect(sarif.runs[0]?.properties.phase).toBe('close');
    for (const name of ['table', 'markdown', 'github', 'json', 'junit', 'sarif'] as const) {
      expect(FORMATTERS[name](report, { color: false })).not.toMatch(/phase/);
    }
  });
});

describe('a report of a database snapshot', () => {
  it('says the snapshot instant in every format, and SARIF re-runs a gate with it', () => {
    const snap: GateReport = { ...report, snapshot_at: '2026-06-01T00:00:00.000Z' };
    expect(FORMATTERS.table(snap, { color: false })).toMatch(
      /^wave3 as of \S+ \(database a snapshot of 2026-06-01T00:00:00.000Z\) on HEAD: HALT/m,
    );
    expect(FORMATTERS.markdown(snap)).toMatch(
      /^As of `\S+` \(database a snapshot of `2026-06-01T00:00:00.000Z`\) on `HEAD`: 2 gates/m,
    );
    expect(FORMATTERS.github(snap)).toMatch(
      /^::notice title=rfcgate wave3::wave3 as of \S+ \(database a snapshot of 2026-06-01T00:00:00.000Z\) on HEAD: HALT/m,
    );
    const json = JSON.parse(FORMATTERS.json(snap)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['rfc', 'as_of', 'snapshot_at', 'ref', 'verdict', 'results']);
    expect(json.snapshot_at).toBe('2026-06-01T00:00:00.000Z');
    expect(FORMATTERS.junit(snap)).toContain('<property name="snapshot_at" value="2026-06-01T00:00:00.000Z"/>');
    const sarif = JSON.parse(FORMATTERS.sarif(snap)) as {
      runs: { properties: Record<string, string>; tool: { driver: { rules: { help: { text: string } }[] } } }[];
    };
    expect(sarif.runs[0]?.properties.snapshot_at).toBe('2026-06-01T00:00:00.000Z');
    expect(sarif.runs[0]?.tool.driver.rules[0]?.help.text).toContain(
      '`rfcgate gate check --rfc wave3 --only B --as-of 2026-06-01T00:00:00.000Z --snapshot-at 2026-06-01T00:00:00.000Z --json`',
    );
    // A live database's report stays as it was, byte for byte.
    for (const name of ['table', 'markdown', 'github', 'json', 'junit', 'sarif'] as const) {
      expect(FORMATTERS[name](report, { color: false })).not.toMatch(/snapshot/);
    }
  });
});

describe('table formatter', () => {
  it('shows verdict, halt reason and the reason, without colour off a TTY', () => {
    const out = FORMATTERS.table(report, { color: false, width: 120 });
    expect(out).toMatch(/halt: insufficient/);
    expect(out).toMatch(/rows on 9 of 14 days/);
    expect(out).toMatch(/wave3 as of 2026-06-01T00:00:00.000Z on HEAD: HALT \(1 pass, 0 fail, 1 halt\)/);
    expect(out.includes('\u001b[')).toBe(false);
  });

  it('fits an 80-column terminal whatever the gate ids, the kind left to --json there', () => {
    const longIds: GateReport = {
      ...report,
      results: report.results.map((r, i) => ({ ...r, id: i ? 'INV-SHADOW-CLOCK' : r.id })),
    };
    for (const width of [80, 90, 100]) {
      const lines = FORMATTERS.table(longIds, { color: true, width }).split('\n');
      const table = lines.filter((l) => /^\S*[┌│├└]/u.test(l));
      expect(table.length).toBeGreaterThan(4);
      for (const l of table) expect(stringWidth(l), l).toBeLessThan(width);
      expect(lines.join('\n')).toMatch(/insufficient/);
    }
    const narrow = FORMATTERS.table(longIds, { color: false, width: 80 });
    expect(narrow).not.toMatch(/│ kind /);
    expect(narrow).toMatch(/│ INV-SHADOW-CLOCK +│ §13\(1\) /);
    // Room enough: every column, the kind included.
    expect(FORMATTERS.table(longIds, { color: false, width: 120 })).toMatch(/│ exit criterion +│/);
  });

  it('keeps a path longer than the column whole, across lines', () => {
    const long = 'gates/wave3/attestations/stop_sign_5_observation_with_a_very_long_name_indeed.yaml';
    const out = FORMATTERS.table(
      {
        ...report,
        results: [{ ...report.results[0], reason: `no record at ${long}` } as GateReport['results'][number]],
      },
      { color: false, width: 100 },
    );
    expect(out).not.toContain('…');
    const cells = out
      .split('\n')
      .map((l) => l.split('│')[5]?.trim() ?? '')
      .join('');
    expect(cells).toContain(long);
  });

  it('keeps a long word of wide characters or emoji whole too, split between characters', () => {
    const wide = `docs/${'設計レビュー'.repeat(10)}.md`;
    const emoji = '👩‍💻😀'.repeat(40);
    const out = FORMATTERS.table(
      {
        ...report,
        results: [{ ...report.results[0], reason: `${wide} ${emoji}` } as GateReport['results'][number]],
      },
      { color: false, width: 100 },
    );
    expect(out).not.toContain('…');
    // No half of a surrogate pair, which a terminal shows as U+FFFD.
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    const cells = out
      .split('\n')
      .map((l) => l.split('│')[5]?.trim() ?? '')
      .join('');
    expect(cells).toContain(wide);
    expect(cells).toContain(emoji);
  });

  it('marks a value within its sensitivity band with ~, and explains ~ only when a row carries it', () => {
    const withBand = (inBand: boolean): GateReport => ({
      ...report,
      results: report.results.map((r) =>
        r.id === 'EC1'
          ? {
              ...r,
              evidence: {
                sensitivity: [
                  {
                    param: 'min_hit_ratio',
                    threshold: 0.8,
                    measured: 0.82,
                    band: { relative: 0.05 },
                    in_band: inBand,
                    ...(inBand ? { anchors: [{ min_hit_ratio: 0.85, verdict: 'fail' }] } : {}),
                  },
                ],
              },
            }
          : r,
      ),
    });
    const outside = FORMATTERS.table(withBand(false), { color: false, width: 120 });
    expect(outside).not.toMatch(/pass ~/);
    expect(outside).not.toMatch(/sensitivity band|at 0.85/);
    const inside = FORMATTERS.table(withBand(true), { color: false, width: 120 });
    expect(inside).toMatch(/pass ~/);
    expect(inside).toMatch(/~ the measured value is within the sensitivity band/);
    // The verdict at each anchor is in the table itself, not only in --json.
    expect(FORMATTERS.table(withBand(true), { color: false, width: 200 })).toMatch(
      /│ ~ min_hit_ratio: 0\.82 is within 5% of 0\.8; at 0\.85 fail +│/,
    );
  });

  it('writes control characters a source read out, in the table and in GitHub annotations', () => {
    // A telemetry line's bytes quoted by JSON.parse's message, as a halt reason carries them.
    const reason = 'telemetry/esc.jsonl:2: not JSON ("\u001b[31mERROR\u001b[0m boom" is not valid JSON)\u202e';
    const odd = { ...report, results: [{ ...report.results[0], reason } as GateReport['results'][number]] };
    const table = FORMATTERS.table(odd, { color: false, width: 200 });
    expect(table).toContain('"\\x1b[31mERROR\\x1b[0m boom"');
    expect(table).toContain('\\u202e');
    expect(table.includes('\u001b') || table.includes('\u202e')).toBe(false);
    const github = FORMATTERS.github(odd);
    expect(github).toContain('\\x1b[31mERROR');
    expect(github.includes('\u001b') || github.includes('\u202e')).toBe(false);
  });

  it('writes out control characters and CI log commands in the section and the ref, as in the title', () => {
    const r0 = report.results[0] as GateReport['results'][number];
    const odd: GateReport = {
      ...report,
      ref: 'topic\u001b]0;x\u0007',
      results: [{ ...r0, section: '##[x \u001b[2J \r§0' }],
    };
    const table = FORMATTERS.table(odd, { color: false, width: 200 });
    expect(table).toContain('##\\x5bx');
    expect(table).toContain('\\x1b[2J');
    expect(table).toContain('\\r§0');
    expect(table).toContain('on topic\\x1b]0;x\\x07:');
    expect(table.includes('##[')).toBe(false);
    // eslint-disable-next-line no-control-regex -- no control character but the line breaks may reach the terminal
    expect(/[\u0000-\u0009\u000b-\u001f]/.test(table)).toBe(false);
  });

  it('colours verdicts on a TTY', () => {
    expect(FORMATTERS.table(report, { color: true, width: 120 }).includes('\u001b[')).toBe(true);
  });
});

describe('every format printed to a CI log', () => {
  it('carries no GitHub Actions workflow command from the text it reports, and keeps the text', () => {
    // A commit subject or a telemetry line quoted in a reason, and a multi-line reason.
    const reason = 'commit "fix ##[add-mask]secret" is not signed\n::error file=x::fake\n  ::warning::too';
    const r0 = report.results[0] as GateReport['results'][number];
    const odd: GateReport = {
      ...report,
      results: [{ ...r0, reason, title: 'title ##[stop-commands]x', evidence: { note: '##[group]y' } }],
    };
    for (const name of Object.keys(FORMATTERS) as (keyof typeof FORMATTERS)[]) {
      const out = FORMATTERS[name](odd, { color: false, width: 200 });
      // GitHub's own format is one workflow command per line, and inside one the runner reads
      // that command and nothing more.
      const commands = out
        .split('\n')
        .filter((l) => !(name === 'github' && l.startsWith('::')))
        .filter((l) => l.trimStart().startsWith('::') || l.includes('##['));
      expect(commands, name).toEqual([]);
    }
    const json = JSON.parse(FORMATTERS.json(odd)) as GateReport;
    expect(json.results[0]).toMatchObject({
      reason,
      title: 'title ##[stop-commands]x',
      evidence: { note: '##[group]y' },
    });
    const sarif = JSON.stringify(JSON.parse(FORMATTERS.sarif(odd)));
    expect(sarif).toContain('title ##[stop-commands]x');
    const xml = JSON.stringify(
      new XMLParser({ ignoreAttributes: false, htmlEntities: true }).parse(FORMATTERS.junit(odd)),
    );
    expect(xml).toContain('fix ##[add-mask]secret');
    expect(xml).toContain('title ##[stop-commands]x');
    // Markdown: a character reference, which GitHub renders as the character.
    expect(FORMATTERS.markdown(odd)).toContain('title ##&#91;stop-commands]x');
  });
});

describe('verdicts and exit codes', () => {
  it('fail dominates halt dominates pass', () => {
    expect(combineVerdicts([])).toBe('pass');
    expect(combineVerdicts(['pass', 'halt'])).toBe('halt');
    expect(combineVerdicts(['halt', 'fail', 'pass'])).toBe('fail');
  });
  it('maps verdicts to exit codes 0, 1, 2', () => {
    expect([exitCodeFor('pass'), exitCodeFor('fail'), exitCodeFor('halt')]).toEqual([0, 1, 2]);
  });
});

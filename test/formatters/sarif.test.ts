import { readFileSync } from 'node:fs';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log, Result } from 'sarif';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOutputs } from '../../src/cli/outputs.js';
import { FORMATTERS } from '../../src/formatters/index.js';
import { formatSarif, sarifUri } from '../../src/formatters/sarif.js';
import type { GateReport } from '../../src/model/result.js';
import { removeFixtures, tempDir } from '../helpers/git-fixture.js';
import { allPass, empty, mixed, ODD_TITLE } from './reports.js';

afterAll(removeFixtures);

// The official OASIS schema (a JSON Schema draft-04 document), kept in the repository so a fresh clone has it.
const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
// Both packages are CommonJS; `.default` is the export under both Node's and TypeScript's view of the import.
const ajv = new AjvDraft04.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function valid(report: GateReport): Log {
  const out = FORMATTERS.sarif(report);
  const log = JSON.parse(out) as Log;
  const ok = validate(log);
  expect(ok ? [] : validate.errors).toEqual([]);
  return log;
}

describe('sarif formatter', () => {
  it('is valid SARIF 2.1.0 for mixed, all-pass and empty reports', () => {
    for (const report of [mixed, allPass, empty]) {
      const log = valid(report);
      expect(log.version).toBe('2.1.0');
      expect(log.runs).toHaveLength(1);
    }
  });

  it('shows a halt with a cause at that text, valid, the gate a related location and the fingerprint unchanged', () => {
    const cause = { file: 'gates/wave3/measurements.yaml', line: 14, col: 16 };
    const halted = mixed.results.find((r) => r.verdict === 'halt');
    if (!halted) throw new Error('the mixed report has no halt');
    const withCause: GateReport = {
      ...mixed,
      results: mixed.results.map((r) => (r === halted ? { ...r, cause } : r)),
    };
    const of = (log: Log) => log.runs[0]?.results?.find((x) => x.ruleId === `wave3/${halted.id}`);
    const before = of(valid(mixed));
    const after = of(valid(withCause));
    expect(after?.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: cause.file, uriBaseId: '%SRCROOT%' },
      region: { startLine: 14, startColumn: 16 },
    });
    expect(after?.relatedLocations?.[0]?.physicalLocation).toEqual(before?.locations?.[0]?.physicalLocation);
    expect(after?.partialFingerprints).toEqual(before?.partialFingerprints);
    expect(before?.relatedLocations).toBeUndefined();
  });

  it('rejects what the schema rejects (the validator is live)', () => {
    const log = JSON.parse(FORMATTERS.sarif(mixed)) as Log;
    (log.runs[0]?.results?.[0] as Result).level = 'fatal' as Result['level'];
    expect(validate(log)).toBe(false);
    const raw = JSON.parse(FORMATTERS.sarif(mixed)) as Log;
    const artifact = raw.runs[0]?.results?.[1]?.locations?.[0]?.physicalLocation?.artifactLocation;
    if (artifact) artifact.uri = 'gates/wave 3/stop signs.yaml';
    expect(validate(raw)).toBe(false);
  });

  it('names the tool and declares one rule per gate', () => {
    const run = valid(mixed).runs[0];
    expect(run?.tool.driver.name).toBe('rfcgate');
    expect(run?.tool.driver.version).toBe(version);
    expect(run?.tool.driver.rules?.map((r) => r.id)).toEqual([
      'wave3/EC1',
      'wave3/B',
      'wave3/S.5',
      'wave3/EC2',
      'wave3/I.1',
    ]);
    expect(run?.tool.driver.rules?.[1]?.shortDescription?.text).toBe(`B ${ODD_TITLE}`);
    // The command that shows the evidence asks the same question: the same RFC, gate and instant.
    expect(run?.tool.driver.rules?.[1]?.help?.text).toBe(
      `Run \`rfcgate gate check --rfc wave3 --only B --as-of ${mixed.as_of} --json\` for the evidence behind this verdict.`,
    );
    // A run of another ref names it, or the command would judge HEAD instead.
    expect(valid({ ...mixed, ref: 'release/1.2' }).runs[0]?.tool.driver.rules?.[1]?.help?.text).toBe(
      `Run \`rfcgate gate check --rfc wave3 --only B --as-of ${mixed.as_of} --ref release/1.2 --json\` for the evidence behind this verdict.`,
    );
    // A root below the checkout's top, where code scanning runs from, is named; so is a ref a
    // shell would split or expand, quoted.
    const help = (report: GateReport, prefix: string) =>
      (JSON.parse(formatSarif(report, { prefix })) as Log).runs[0]?.tool.driver.rules?.[1]?.help?.text;
    expect(help(mixed, 'svc/')).toBe(
      `Run \`rfcgate gate check --root svc --rfc wave3 --only B --as-of ${mixed.as_of} --json\` for the evidence behind this verdict.`,
    );
    expect(help({ ...mixed, ref: "fix/it's&more" }, "my svc/gov's/")).toBe(
      `Run \`rfcgate gate check --root 'my svc/gov'\\''s' --rfc wave3 --only B --as-of ${mixed.as_of} --ref 'fix/it'\\''s&more' --json\` for the evidence behind this verdict.`,
    );
    expect(run?.automationDetails?.id).toBe('rfcgate/wave3/');
    expect(run?.properties).toEqual({ rfc: 'wave3', as_of: mixed.as_of, ref: 'HEAD', verdict: 'fail' });
    expect(JSON.parse(formatSarif(mixed, { toolVersion: '9.9.9' })).runs[0].tool.driver.version).toBe('9.9.9');
  });

  it('reports each non-passing gate: error for fail, warning for halt, at its YAML place', () => {
    const run = valid(mixed).runs[0];
    const results = run?.results ?? [];
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['wave3/B', 'warning'],
      ['wave3/S.5', 'error'],
      ['wave3/I.1', 'warning'],
    ]);
    for (const r of results) {
      expect(run?.tool.driver.rules?.[r.ruleIndex as number]?.id).toBe(r.ruleId);
    }
    const [b, s5] = results as [Result, Result, Result];
    expect(b.message.text).toBe(
      'B halt (insufficient): lease_plane_p50_ms: rows on 9 of 14 days,\nneeds 100% | see <evidence> & retry\u0001',
    );
    expect(s5.message.text).toBe('S.5 fail: error_rate: 0.031 >= 0.02');
    expect(b.locations?.[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'gates/wave3/disconfirmers.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 24, startColumn: 3 },
    });
    // './' dropped, spaces percent-encoded: a relative URI reference the schema accepts.
    expect(s5.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('gates/wave%203/stop%20signs.yaml');
    expect(s5.locations?.[0]?.physicalLocation?.region).toEqual({ startLine: 12, startColumn: 5 });
    expect(b.properties).toEqual({
      gate_id: 'B',
      kind: 'disconfirmer',
      section: '§0(B)',
      verdict: 'halt',
      halt_reason: 'insufficient',
    });
    expect(s5.properties).toEqual({ gate_id: 'S.5', kind: 'stop_sign', section: '§9(5)', verdict: 'fail' });
  });

  it('has no results when every gate passes', () => {
    const run = valid(allPass).runs[0];
    expect(run?.results).toEqual([]);
    expect(run?.tool.driver.rules).toHaveLength(2);
  });

  it('fingerprints a gate by RFC and id only, so code scanning tracks it across runs', () => {
    const fp = (report: GateReport, id: string) =>
      valid(report).runs[0]?.results?.find((r) => r.ruleId === `${report.rfc}/${id}`)?.partialFingerprints;
    const before = fp(mixed, 'B');
    expect(before?.['rfcgateGate/v1']).toMatch(/^[0-9a-f]{64}$/);
    const moved: GateReport = {
      ...mixed,
      as_of: '2026-07-01T00:00:00.000Z',
      results: mixed.results.map((r) =>
        r.id === 'B' ? { ...r, reason: 'another reason', location: { ...r.location, line: 40 } } : r,
      ),
    };
    expect(fp(moved, 'B')).toEqual(before);
    expect(fp(mixed, 'I.1')).not.toEqual(before);
    expect(fp({ ...mixed, rfc: 'wave4' }, 'B')).not.toEqual(before);
  });

  it('files a run of one phase or of some gates under its own category, so its upload closes no other alert', () => {
    const id = (report: GateReport, only?: string[]) =>
      (JSON.parse(formatSarif(report, only ? { only } : {})) as Log).runs[0]?.automationDetails?.id;
    expect(id(mixed)).toBe('rfcgate/wave3/');
    expect(id({ ...mixed, phase: 'implementation' })).toBe('rfcgate/wave3/phase-implementation/');
    expect(id({ ...mixed, phase: 'close' })).toBe('rfcgate/wave3/phase-close/');
    // The same selection however it was typed: the same category from run to run.
    expect(id(mixed, ['S.5', 'B'])).toBe('rfcgate/wave3/only-B,S.5/');
    expect(id(mixed, ['B', 'S.5', 'B'])).toBe('rfcgate/wave3/only-B,S.5/');
    expect(id({ ...mixed, phase: 'close' }, ['B'])).toBe('rfcgate/wave3/phase-close/only-B/');
    expect(validate(JSON.parse(formatSarif({ ...mixed, phase: 'close' }, { only: ['B'] })))).toBe(true);
  });

  it('files the same RFC of two governed roots under two categories, the root at the top as before', () => {
    const id = (report: GateReport, prefix: string) => {
      const log = JSON.parse(formatSarif(report, { prefix })) as Log;
      expect(validate(log) ? [] : validate.errors).toEqual([]);
      return log.runs[0]?.automationDetails?.id;
    };
    expect(id(mixed, '')).toBe('rfcgate/wave3/');
    expect(id(mixed, 'services/payments/')).toBe('rfcgate/wave3/root-services%2Fpayments/');
    expect(id(mixed, 'services/ledger/')).toBe('rfcgate/wave3/root-services%2Fledger/');
    // One segment, so a root's folder named like a phase never reads as a --phase run.
    expect(id(mixed, 'svc/phase-close/')).toBe('rfcgate/wave3/root-svc%2Fphase-close/');
    expect(id({ ...mixed, phase: 'close' }, 'svc/')).toBe('rfcgate/wave3/root-svc/phase-close/');
    expect(id(mixed, 'my svc/')).toBe('rfcgate/wave3/root-my%20svc/');
  });

  it('names the --only selection in a SARIF report written to a file', async () => {
    const file = join(tempDir('sarif-only-'), 'gates.sarif');
    await writeOutputs(mixed, [{ format: 'sarif', file }], { color: false, only: ['B'] });
    expect((JSON.parse(readFileSync(file, 'utf8')) as Log).runs[0]?.automationDetails?.id).toBe(
      'rfcgate/wave3/only-B/',
    );
  });

  it('is deterministic: byte-identical for the same report', () => {
    const out = FORMATTERS.sarif(mixed);
    expect(FORMATTERS.sarif(structuredClone(mixed))).toBe(out);
  });

  it('writes paths as URI references: rfcgate-built paths may use a backslash, git paths never do', () => {
    expect(sarifUri('./gates\\wave 3/stop#signs.yaml')).toBe('gates/wave%203/stop%23signs.yaml');
    expect(sarifUri('src/a\\b 100%.py', { gitPath: true })).toBe('src/a%5Cb%20100%25.py');
  });
});

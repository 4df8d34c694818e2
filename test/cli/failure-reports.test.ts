/**
 * A run that stops before its report (an invalid spec or invocation, exit 3) still gives each
 * report asked for with --format this run's outcome: GitHub annotations at the spec's broken
 * line, a SARIF log of an unsuccessful run, JUnit errors, a summary saying there is no report;
 * never nothing, nor the file a previous run left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
const ajv = new AjvDraft04.default({ strict: false, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

function validSarif(text: string): Log {
  const log = JSON.parse(text) as Log;
  expect(validate(log) ? [] : validate.errors).toEqual([]);
  return log;
}

const roots: (() => void)[] = [];
afterAll(() => roots.forEach((cleanup) => cleanup()));

/** A git repository holding one RFC: `fixture` as writeRfc takes it. */
function rfcRoot(fixture: Parameters<typeof writeRfc>[1]): string {
  const { root, cleanup } = tempRoot('rfcgate-failure-');
  roots.push(cleanup);
  execFileSync('git', ['init', '-q', root]);
  writeRfc(root, fixture);
  return root;
}

/** A repository whose RFC's disconfirmer reads a measurement that does not exist (line 2). */
function brokenRfc(extra: Record<string, string> = {}): string {
  return rfcRoot({
    measurements: [{ id: 'rows', window: '1d', sql: { table: 't', timestamp: 'ts', value: 'count(*)' } }],
    raw: {
      'disconfirmers.yaml': `${modeline('disconfirmers.yaml')}- id: D\n  title: too many\n  section: §1\n  fires_if: 'nosuch > 1'\n`,
      ...extra,
    },
  });
}

const run = (args: string[], cwd: string) => runCli(args, cwd, {}, { timeoutMs: 60_000 });

describe('gate check that stops on a spec error', () => {
  it('annotates the broken line and writes every report file with the failure, replacing the last run’s', () => {
    const root = brokenRfc();
    const stale = '{"runs": "of yesterday"}\n';
    for (const f of ['out.sarif', 'out.xml', 'summary.md']) writeFileSync(join(root, f), stale);
    const r = run(
      [
        'gate',
        'check',
        '--format',
        'sarif=out.sarif',
        '--format',
        'junit=out.xml',
        '--format=markdown=summary.md',
        '--format',
        'github',
      ],
      root,
    );
    expect(r.code).toBe(3);
    const problem = /^(gates\/demo\/disconfirmers\.yaml):(\d+):(\d+): (.+)$/m.exec(r.stderr);
    expect(problem).not.toBeNull();
    const [, file, line, col, message] = problem as unknown as string[];
    expect(r.stdout.split('\n')).toContain(
      `::error file=${file},line=${line},col=${col},title=rfcgate SpecError::${message}`,
    );
    expect(r.stdout).toContain('::error title=rfcgate%3A no report (exit 3)::1 problem; fix the spec and run again\n');

    const log = validSarif(readFileSync(join(root, 'out.sarif'), 'utf8'));
    // The category the run's report would have had: code scanning files the failed analysis
    // in its place, keeping that category's alerts.
    expect(log.runs[0]?.automationDetails?.id).toBe('rfcgate/demo/');
    const invocation = log.runs[0]?.invocations?.[0];
    expect(invocation?.executionSuccessful).toBe(false);
    expect(invocation?.exitCode).toBe(3);
    expect(log.runs[0]?.results).toEqual([]);
    const note = invocation?.toolExecutionNotifications?.[0];
    expect(note?.message.text).toBe(message);
    expect(note?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(file);
    expect(note?.locations?.[0]?.physicalLocation?.region).toEqual({
      startLine: Number(line),
      startColumn: Number(col),
    });

    const junit = readFileSync(join(root, 'out.xml'), 'utf8');
    expect(junit).toContain('<testsuites name="rfcgate" tests="1" failures="0" errors="1" skipped="0">');
    expect(junit).toContain(`file="${file}" line="${line}"`);
    expect(junit).toContain('<error message=');

    const summary = readFileSync(join(root, 'summary.md'), 'utf8');
    expect(summary).toContain('### rfcgate: no report (exit 3)');
    expect(summary).toContain(`\`${file}:${line}:${col}\``);
  }, 120_000);

  it('writes the failure of a bad invocation too, where it has no place in a file', () => {
    const root = brokenRfc({
      'disconfirmers.yaml': `${modeline('disconfirmers.yaml')}- id: D\n  title: too many\n  section: §1\n  phase: [implementation]\n  fires_if: 'rows > 1'\n`,
    });
    writeFileSync(join(root, 'out.sarif'), '{"stale": true}\n');
    const r = run(['gate', 'check', '--as-of', 'someday', '--format', 'sarif=out.sarif', '--format', 'github'], root);
    expect(r.code).toBe(3);
    const said = "--as-of 'someday' is not a date: use YYYY-MM-DD or an ISO-8601 instant such as 2026-06-01T12:00:00Z";
    expect(r.stderr).toContain(`error: ${said}\n`);
    const log = validSarif(readFileSync(join(root, 'out.sarif'), 'utf8'));
    const notes = log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? [];
    expect(notes.map((n) => n.message.text)).toEqual([said]);
    expect(r.stdout).toBe(`::error title=rfcgate%3A no report (exit 3)::${said}\n`);
  }, 120_000);

  it('files the failure of a --phase or --only run under that run’s own category', () => {
    const root = brokenRfc();
    const r = run(
      ['gate', 'check', '--phase', 'implementation', '--only', 'D', '--only', 'C', '--format', 'sarif=out.sarif'],
      root,
    );
    expect(r.code).toBe(3);
    const log = validSarif(readFileSync(join(root, 'out.sarif'), 'utf8'));
    expect(log.runs[0]?.automationDetails?.id).toBe('rfcgate/demo/phase-implementation/only-C,D/');
  }, 120_000);

  it('keeps --json on standard output the error object, and a table asked for prints nothing there', () => {
    const root = brokenRfc();
    const json = run(['gate', 'check', '--format', 'json', '--format', 'sarif=out.sarif'], root);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { name: 'SpecError', exit: 3 } });
    const table = run(['gate', 'check', '--format', 'sarif=out.sarif'], root);
    expect(table.code).toBe(3);
    expect(table.stdout).toBe('');
    validSarif(readFileSync(join(root, 'out.sarif'), 'utf8'));
  }, 120_000);
});

describe('a failure that cannot be written either', () => {
  it('removes the report files a previous run left rather than let them pass for this run', () => {
    const root = brokenRfc();
    writeFileSync(join(root, 'out.sarif'), '{"stale": true}\n');
    // A device that refuses every write (ENOSPC), as a full disk does.
    const r = run(['gate', 'check', '--format', 'sarif=out.sarif', '--format', 'junit=/dev/full'], root);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: cannot write /dev/full');
    expect(existsSync(join(root, 'out.sarif'))).toBe(false);
    expect(existsSync('/dev/full')).toBe(true);
  }, 120_000);
});

describe('lint that stops on a spec error', () => {
  it('prints a SARIF log of an unsuccessful run on standard output, and annotations with github', () => {
    const root = brokenRfc({ 'lints.yaml': `${modeline('lints.yaml')}- id: [\n` });
    const sarif = run(['lint', '--format', 'sarif'], root);
    expect(sarif.code).toBe(3);
    const log = validSarif(sarif.stdout);
    expect(log.runs[0]?.invocations?.[0]?.executionSuccessful).toBe(false);
    const notes = log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? [];
    expect(notes[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('gates/demo/lints.yaml');
    // Under the category of the run's own report, a partial scope's too.
    expect(log.runs[0]?.automationDetails?.id).toBe('rfcgate-lint/demo/');
    const staged = run(['lint', '--staged', '--format', 'sarif'], root);
    expect(staged.code).toBe(3);
    expect(validSarif(staged.stdout).runs[0]?.automationDetails?.id).toBe('rfcgate-lint/demo/staged/');

    writeFileSync(join(root, 'lint.xml'), '<stale/>\n');
    const github = run(['lint', '--format', 'github', '--format', 'junit=lint.xml'], root);
    expect(github.code).toBe(3);
    expect(github.stdout).toMatch(/^::error file=gates\/demo\/lints\.yaml,line=\d+,col=\d+,title=rfcgate SpecError::/);
    expect(readFileSync(join(root, 'lint.xml'), 'utf8')).toContain('file="gates/demo/lints.yaml"');
  }, 120_000);
});

describe('prereq status that stops on a spec error', () => {
  it('writes the failure into every report file it was asked for, replacing the last run’s', () => {
    const root = rfcRoot({
      raw: {
        'prereqs.yaml': `${modeline('prereqs.yaml')}- id: p\n  title: P\n  deliverables: [p.txt]\n  depends_on: [q]\n- id: q\n  title: Q\n  deliverables: [q.txt]\n  depends_on: [p]\n`,
      },
    });
    const stale = 'the DAG of yesterday\n';
    for (const f of ['prereqs.dot', 'summary.md', 'prereqs.json']) writeFileSync(join(root, f), stale);
    const r = run(
      [
        'prereq',
        'status',
        '--format',
        'dot=prereqs.dot',
        '--format',
        'markdown=summary.md',
        '--format',
        'json=prereqs.json',
        '--format',
        'mermaid',
      ],
      root,
    );
    expect(r.code).toBe(3);
    const problem = /^gates\/demo\/prereqs\.yaml:\d+:\d+: .*cycle: p → q → p.*$/m.exec(r.stderr)?.[0];
    expect(problem).toBeDefined();
    // Mermaid on standard output, for a person or a step summary: stderr already says it.
    expect(r.stdout).toBe('');
    // A graph file holds what went wrong, so rendering it fails rather than show the last run's DAG.
    expect(readFileSync(join(root, 'prereqs.dot'), 'utf8')).toBe(
      `${problem}\nerror: 1 problem; fix the spec and run again\n`,
    );
    expect(readFileSync(join(root, 'summary.md'), 'utf8')).toContain('### rfcgate: no report (exit 3)');
    expect(JSON.parse(readFileSync(join(root, 'prereqs.json'), 'utf8'))).toMatchObject({
      error: { name: 'SpecError', exit: 3, problems: [{ file: 'gates/demo/prereqs.yaml' }] },
    });
  }, 120_000);
});

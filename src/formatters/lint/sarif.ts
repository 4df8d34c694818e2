/**
 * SARIF 2.1.0 for code scanning: one run, one reportingDescriptor per lint rule, one result
 * per finding at its file, line and column (warn → warning, error → error). A rule that
 * halted is a tool execution notification, and the invocation is then not successful:
 * code scanning must not read a halted run as clean.
 */
import { createHash } from 'node:crypto';
import type { Log, Notification, ReportingDescriptor, Result } from 'sarif';
import type { LintFinding, LintReport } from '../../lint/report.js';
import { PACKAGE_VERSION, SARIF_SCHEMA_URI, rootCategory, sarifUri } from '../sarif.js';
import { jsonReport } from '../visible.js';
import { shellWord } from '../../util/shell.js';

/**
 * Code scanning rejects a run holding more results than this ("Analysis SARIF file rejected due
 * to result limits"), and shows the most severe first.
 */
export const SARIF_MAX_RESULTS = 25_000;

export function formatLintSarif(r: LintReport, opts: { toolVersion?: string; prefix?: string } = {}): string {
  const every = everyFinding(r, opts.prefix ?? '');
  const index = new Map(r.rules.map((x, i) => [x.id, i]));
  const rules: ReportingDescriptor[] = r.rules.map((x) => ({
    id: `${r.rfc}/${x.id}`,
    name: `${x.kind}/${x.id}`,
    shortDescription: { text: `${x.id} ${x.title}` },
    fullDescription: {
      text: `lint ${x.kind} ${x.id} of RFC ${r.rfc}${x.section ? ` (${x.section})` : ''}: ${x.title}`,
    },
    help: { text: `Run \`${every}\` for every finding.` },
    defaultConfiguration: { level: x.severity === 'error' ? 'error' : 'warning' },
    properties: {
      rule_id: x.id,
      kind: x.kind,
      ...(x.section ? { section: x.section } : {}),
      tags: ['rfcgate', 'lint', x.kind],
    },
  }));
  // The same text matched twice in a file would share a fingerprint, and code scanning would
  // fold them into one alert: the second and later get their occurrence number (as CodeQL does),
  // the first keeps the fingerprint it always had.
  const seen = new Map<string, number>();
  const all: Result[] = r.findings.map((f) => {
    const base = fingerprint(r.rfc, f);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return result(r, f, index.get(f.rule) ?? 0, opts.prefix ?? '', n ? fingerprint(r.rfc, f, n) : base);
  });
  const results = mostSevere(all, SARIF_MAX_RESULTS);
  const notifications: Notification[] = r.rules
    .filter((x) => x.halt_reason !== undefined)
    .map((x) => ({
      level: 'error',
      message: { text: `${x.id} halted (${x.halt_reason ?? 'error'}): ${x.reason ?? x.title}` },
      associatedRule: { id: `${r.rfc}/${x.id}`, index: index.get(x.id) ?? 0 },
    }));
  if (results.length < all.length) notifications.push(leftOut(all, results, every));
  const log: Log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'rfcgate', version: opts.toolVersion ?? PACKAGE_VERSION, rules } },
        automationDetails: { id: lintSarifCategory(r, opts.prefix) },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: !r.rules.some((x) => x.halt_reason !== undefined),
            ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
          },
        ],
        results,
        properties: { rfc: r.rfc, as_of: r.as_of, scope: r.scope.kind, verdict: r.verdict },
      },
    ],
  };
  return jsonReport(log);
}

/**
 * The category code scanning files the results under (the id ends with `/`, so all of it is
 * the category). An upload replaces the previous one of its category and closes every alert
 * it no longer holds, and a pull request's analysis is compared with the base branch's of the
 * same category: a run over part of the tree (the staged change, a diff, some paths, the files
 * a hook passed) under the whole tree's category would mark every alert outside it as fixed.
 * So each partial scope is its own analysis, as `gate check` names a `--phase` or `--only` run.
 * A governed root below the repository's top is named after the RFC, as `gate check` names it.
 */
export function lintSarifCategory(r: Pick<LintReport, 'rfc' | 'scope'>, prefix = ''): string {
  const base = `rfcgate-lint/${r.rfc}/${rootCategory(prefix)}`;
  const s = r.scope;
  // A hook manager's share of the files, judged as the working tree.
  if (s.passed !== undefined && s.kind === 'tree') return `${base}hook-files/`;
  switch (s.kind) {
    case 'tree':
      return base;
    case 'staged':
      return `${base}staged/`;
    case 'changed':
      return `${base}changed-since-${s.since ?? ''}/`;
    case 'commit':
      // A whole commit as committed is judged as the tree is: the tree's analysis, at that commit.
      return s.since === undefined ? base : `${base}changed-since-${s.since}/`;
    case 'paths':
      // '.' names the governed root: the whole tree.
      return s.paths?.includes('.') ? base : `${base}paths-${pathsKey(s.paths ?? [])}/`;
  }
}

/**
 * The paths a run named, sorted, so the same paths always name the same category; a list too
 * long to read as a name is named by its digest instead.
 */
function pathsKey(paths: string[]): string {
  const key = [...new Set(paths)].sort().join(',');
  return key.length <= 100 ? key : `sha256-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * The command that lists every finding, as run from the checkout's top, where code scanning
 * names files: a governed root below it must be named, or no gates/ folder is found there.
 */
function everyFinding(r: LintReport, prefix: string): string {
  const root = prefix ? ` --root ${shellWord(prefix.replace(/\/$/, ''))}` : '';
  return `rfcgate lint${root} --rfc ${r.rfc} --json`;
}

/** The first `max` results, errors before warnings, each group in the report's order. */
function mostSevere(results: Result[], max: number): Result[] {
  if (results.length <= max) return results;
  const rank = (x: Result) => (x.level === 'error' ? 0 : 1);
  const kept = new Set(
    results
      .map((x, i) => ({ x, i }))
      .sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i)
      .slice(0, max)
      .map(({ i }) => i),
  );
  return results.filter((_, i) => kept.has(i));
}

/** The notification saying which findings a capped run leaves out, and where they all are. */
function leftOut(all: Result[], kept: Result[], every: string): Notification {
  const errors = (xs: Result[]) => xs.filter((x) => x.level === 'error').length;
  const n = (count: number) => count.toLocaleString('en-US');
  const e = errors(all) - errors(kept);
  const w = all.length - kept.length - e;
  const what = [e ? `${n(e)} error${e === 1 ? '' : 's'}` : '', w ? `${n(w)} warning${w === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(' and ');
  return {
    level: 'warning',
    message: {
      text: `Left out ${what} of ${n(all.length)} findings: code scanning rejects a run of more than ${n(SARIF_MAX_RESULTS)} results, so this file holds ${n(kept.length)}, errors first; \`${every}\` lists every finding.`,
    },
  };
}

function result(r: LintReport, f: LintFinding, ruleIndex: number, prefix: string, print: string): Result {
  return {
    ruleId: `${r.rfc}/${f.rule}`,
    ruleIndex,
    level: f.severity === 'error' ? 'error' : 'warning',
    // A message written as a sentence keeps its own stop rather than gaining a second.
    message: { text: `${f.message.replace(/\.$/, '')}. Fix: ${f.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: sarifUri(prefix + f.file, { gitPath: true }), uriBaseId: '%SRCROOT%' },
          region: {
            startLine: f.line,
            startColumn: f.col,
            ...(f.end_line >= f.line ? { endLine: f.end_line } : {}),
            ...(f.end_line > f.line || f.end_col > f.col ? { endColumn: f.end_col } : {}),
            ...(f.match !== undefined ? { snippet: { text: f.match } } : {}),
          },
        },
      },
    ],
    // Stable across runs and line moves: the rule, the file (as the root names it), what was
    // matched and, from the second time it is matched in the file, the occurrence.
    partialFingerprints: { 'rfcgateLint/v1': print },
  };
}

function fingerprint(rfc: string, f: LintFinding, occurrence = 0): string {
  const parts = [rfc, f.rule, f.file, f.match ?? f.message];
  if (occurrence) parts.push(String(occurrence));
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

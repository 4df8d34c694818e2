import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Log, PhysicalLocation, ReportingDescriptor, Result } from 'sarif';
import type { GateReport, GateResult, SourceLocation } from '../model/result.js';
import { jsonReport } from './visible.js';
import { shellWord } from '../util/shell.js';

export interface SarifOptions {
  /** tool.driver.version; defaults to rfcgate's own package.json version. */
  toolVersion?: string;
  /** The root's place below the repository's top ('svc/'): code scanning reads paths from the top. */
  prefix?: string;
  /** The gate ids `--only` selected: a run of some gates is filed apart from a run of them all. */
  only?: readonly string[];
}

/** Read once at load, from src/formatters/ and dist/formatters/ alike; the formatters themselves stay pure. */
export const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/**
 * SARIF 2.1.0: one run; one rule per gate (each gate has its own title, section and meaning,
 * so code scanning shows the gate's title on the alert and tracks it as its own rule); one
 * result per gate that does not pass: `error` for fail, `warning` for halt.
 */
export function formatSarif(report: GateReport, opts: SarifOptions = {}): string {
  const rules = report.results.map((r) => rule(report, r, opts.prefix ?? ''));
  const results = report.results.flatMap((r, index) =>
    r.verdict === 'pass' ? [] : [result(report, r, index, opts.prefix ?? '')],
  );
  const log: Log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rfcgate',
            version: opts.toolVersion ?? PACKAGE_VERSION,
            rules,
          },
        },
        automationDetails: { id: sarifCategory(report, opts.only, opts.prefix) },
        // Columns come from the YAML parser's string offsets.
        columnKind: 'utf16CodeUnits',
        results,
        properties: {
          rfc: report.rfc,
          as_of: report.as_of,
          ...(report.snapshot_at ? { snapshot_at: report.snapshot_at } : {}),
          ref: report.ref,
          ...(report.phase ? { phase: report.phase } : {}),
          verdict: report.verdict,
        },
      },
    ],
  };
  return jsonReport(log);
}

/**
 * The category code scanning files the results under (automationDetails.id ends with `/`, so
 * all of it is the category). An upload replaces the previous one of its category and closes
 * every alert it no longer holds: a run of one phase's gates (`--phase`) or of some gates
 * (`--only`) is its own analysis, or uploading it would close the alerts of every gate it did
 * not check. A governed root below the repository's top is named too (`rootCategory`).
 */
export function sarifCategory(
  report: Pick<GateReport, 'rfc' | 'phase'>,
  only: readonly string[] = [],
  prefix = '',
): string {
  const phase = report.phase ? `phase-${report.phase}/` : '';
  const some = only.length ? `only-${[...new Set(only)].sort().join(',')}/` : '';
  return `rfcgate/${report.rfc}/${rootCategory(prefix)}${phase}${some}`;
}

/**
 * The part of a category naming the governed root, from its place below the repository's top
 * as git names it ('svc/a/'): two roots in one repository may each hold an RFC of the same id,
 * and under one category each upload would close the other's alerts. The root at the top adds
 * nothing, so its category stays what it always was. The path is one segment, its `/` (and
 * every other byte a URI component escapes) percent-encoded: a root named `svc/phase-close`
 * then never reads as root `svc` with a `--phase close` run.
 */
export function rootCategory(prefix: string): string {
  const root = prefix.replace(/\/+$/, '');
  return root ? `root-${encodeURIComponent(root)}/` : '';
}

function ruleId(report: GateReport, r: GateResult): string {
  return `${report.rfc}/${r.id}`;
}

function rule(report: GateReport, r: GateResult, prefix: string): ReportingDescriptor {
  // Run from the checkout's top, as code scanning names files, a root below it must be named.
  const root = prefix ? ` --root ${shellWord(prefix.replace(/\/$/, ''))}` : '';
  return {
    id: ruleId(report, r),
    name: `${r.kind}/${r.id}`,
    shortDescription: { text: `${r.id} ${r.title}` },
    fullDescription: { text: `${r.kind.replace('_', ' ')} ${r.id} of RFC ${report.rfc} (${r.section}): ${r.title}` },
    help: {
      // The ref too: without it the command would read HEAD, another commit than the one judged;
      // and the snapshot's instant, without which a copy's present state is read as of today.
      text: `Run \`rfcgate gate check${root} --rfc ${report.rfc} --only ${r.id} --as-of ${report.as_of}${report.snapshot_at ? ` --snapshot-at ${report.snapshot_at}` : ''}${report.ref === 'HEAD' ? '' : ` --ref ${shellWord(report.ref)}`} --json\` for the evidence behind this verdict.`,
    },
    defaultConfiguration: { level: 'error' },
    properties: { gate_id: r.id, kind: r.kind, section: r.section, tags: ['rfcgate', r.kind] },
  };
}

function result(report: GateReport, r: GateResult, ruleIndex: number, prefix: string): Result {
  const verdict = r.verdict === 'halt' ? `halt (${r.halt_reason ?? 'error'})` : r.verdict;
  return {
    ruleId: ruleId(report, r),
    ruleIndex,
    level: r.verdict === 'fail' ? 'error' : 'warning',
    message: { text: `${r.id} ${verdict}: ${r.reason ?? r.title}` },
    // A halt on text written elsewhere (a misspelt column in measurements.yaml) is shown where
    // that text is, the edit that clears it; the gate stays a related location, and the alert
    // keeps its identity, which the fingerprint takes from the gate, not from where it is shown.
    locations: [{ physicalLocation: physical(r.cause ?? r.location, prefix) }],
    ...(r.cause
      ? {
          relatedLocations: [
            { id: 1, physicalLocation: physical(r.location, prefix), message: { text: `gate ${r.id}` } },
          ],
        }
      : {}),
    partialFingerprints: { 'rfcgateGate/v1': fingerprint(report.rfc, r.id) },
    properties: {
      gate_id: r.id,
      kind: r.kind,
      section: r.section,
      verdict: r.verdict,
      ...(r.halt_reason ? { halt_reason: r.halt_reason } : {}),
    },
  };
}

function physical(at: SourceLocation, prefix: string): PhysicalLocation {
  return {
    artifactLocation: { uri: sarifUri(prefix + at.file), uriBaseId: '%SRCROOT%' },
    region: { startLine: Math.max(1, at.line), startColumn: Math.max(1, at.col) },
  };
}

/** Stable across runs and machines: the gate's identity, not its location or wording. */
function fingerprint(rfc: string, id: string): string {
  return createHash('sha256').update(`${rfc}\u0000${id}`).digest('hex');
}

/**
 * A repo-relative path as a relative URI reference: forward slashes, each segment
 * percent-encoded. In a path git printed, `/` is the only separator and a backslash is part of
 * a name (`gitPath`); a path rfcgate built itself (a spec or document path) may use `\` on
 * Windows.
 */
export function sarifUri(file: string, opts: { gitPath?: boolean } = {}): string {
  const path = opts.gitPath ? file : file.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

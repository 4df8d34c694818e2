/**
 * A CiteReport as SARIF 2.1.0: one rule per verdict that needs an edit (DRIFT, REFUTED,
 * NOT_FOUND, AMBIGUOUS), one result per such citation, located at the citation's line and
 * columns in the RFC document. A DRIFT result carries its correction as a SARIF fix.
 */
import { createHash } from 'node:crypto';
import type { Fix, Log, ReportingDescriptor, Result } from 'sarif';
import { type CitationResult, type CiteReport, type CiteVerdict, FAILING } from '../../cite/verify.js';
import { PACKAGE_VERSION, SARIF_SCHEMA_URI, sarifUri } from '../sarif.js';
import { jsonReport } from '../visible.js';

const RULES: Record<string, { name: string; text: string; level: Result.level }> = {
  DRIFT: {
    name: 'citation-drift',
    text: 'The cited lines no longer hold what the document says; it is elsewhere in the file.',
    level: 'warning',
  },
  REFUTED: {
    name: 'citation-refuted',
    text: 'The cited lines do not exist, or what the document says they hold is nowhere in the file.',
    level: 'error',
  },
  NOT_FOUND: { name: 'citation-not-found', text: 'The cited file is not in the tree.', level: 'error' },
  AMBIGUOUS: {
    name: 'citation-ambiguous',
    text: 'The cited file name matches several files; cite it with its folder.',
    level: 'warning',
  },
};

const ruleId = (v: CiteVerdict) => `rfcgate/cite/${v}`;

export function formatCiteSarif(report: CiteReport, opts: { toolVersion?: string } = {}): string {
  const verdicts = Object.keys(RULES) as CiteVerdict[];
  const rules: ReportingDescriptor[] = verdicts.map((v) => {
    const r = RULES[v] as (typeof RULES)[string];
    return {
      id: ruleId(v),
      name: r.name,
      shortDescription: { text: r.text },
      help: { text: 'Run `rfcgate cite verify --fix` to see the corrections of drifted citations.' },
      defaultConfiguration: { level: r.level },
      properties: { verdict: v, tags: ['rfcgate', 'citation'] },
    };
  });
  // The same citation written twice in the document would share a fingerprint, and code
  // scanning would fold them into one alert: the second and later get their occurrence number,
  // the first keeps the fingerprint it always had.
  const seen = new Map<string, number>();
  const results = report.citations
    .filter((c) => FAILING.has(c.verdict))
    .map((c) => {
      const n = seen.get(c.id) ?? 0;
      seen.set(c.id, n + 1);
      return result(report, c, verdicts.indexOf(c.verdict), n);
    });
  const log: Log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'rfcgate', version: opts.toolVersion ?? PACKAGE_VERSION, rules } },
        automationDetails: { id: `rfcgate/cite/${report.document}/` },
        columnKind: 'utf16CodeUnits',
        // A tree that could not be read checked no citation: an empty list of results would
        // read as a clean document, so the run says it did not succeed, and why.
        ...(report.halt !== undefined
          ? {
              invocations: [
                {
                  executionSuccessful: false,
                  toolExecutionNotifications: [{ level: 'error', message: { text: `halted: ${report.halt}` } }],
                },
              ],
            }
          : {}),
        results,
        properties: { document: report.document, ref: report.ref, sha: report.sha, counts: report.counts },
      },
    ],
  };
  return jsonReport(log);
}

function result(report: CiteReport, c: CitationResult, ruleIndex: number, occurrence: number): Result {
  const region = {
    startLine: c.location.line,
    startColumn: c.location.col,
    endLine: c.location.line,
    endColumn: c.location.col + c.id.length,
  };
  const artifactLocation = { uri: sarifUri(report.document), uriBaseId: '%SRCROOT%' };
  // The same lines written again in the link's label are rewritten with the citation.
  const labels = (c.also ?? []).flatMap((a) =>
    a.fix
      ? [
          {
            deletedRegion: {
              startLine: a.location.line,
              startColumn: a.location.col,
              endLine: a.location.line,
              endColumn: a.location.col + a.id.length,
            },
            insertedContent: { text: a.fix.to },
          },
        ]
      : [],
  );
  const fixes: Fix[] = c.fix
    ? [
        {
          description: { text: `cite ${c.fix.to}` },
          artifactChanges: [
            {
              artifactLocation,
              replacements: [{ deletedRegion: region, insertedContent: { text: c.fix.to } }, ...labels],
            },
          ],
        },
      ]
    : [];
  return {
    ruleId: ruleId(c.verdict),
    ruleIndex,
    level: RULES[c.verdict]?.level ?? 'warning',
    message: { text: `${c.verdict} ${c.id}: ${c.reason}` },
    locations: [{ physicalLocation: { artifactLocation, region } }],
    ...(fixes.length ? { fixes } : {}),
    partialFingerprints: {
      'rfcgateCitation/v1': fingerprint(report.document, c.id, occurrence),
    },
    properties: {
      verdict: c.verdict,
      cite: c.id,
      ...(c.resolved ? { resolved: c.resolved } : {}),
      ...(c.candidates ? { candidates: c.candidates } : {}),
    },
  };
}

function fingerprint(document: string, id: string, occurrence: number): string {
  const parts = [document, id];
  if (occurrence) parts.push(String(occurrence));
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

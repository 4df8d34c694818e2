/**
 * Reads citations.yaml (already schema-checked): claims declared for citations of the RFC
 * document, keyed by the citation exactly as written. Each `cite` must itself read as one
 * citation, and a citation is declared once per document.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../spec/problems.js';
import { type ParsedYaml, valueLocation } from '../spec/yaml.js';
import type { SourceLocation } from '../model/result.js';
import { extractCitations } from './extract.js';

export interface CitationClaim {
  cite: string;
  expect: string[];
  /** The document; undefined means rfc.yaml's document. */
  document?: string;
  location: SourceLocation;
  /** Where `cite` and `document` are written, for warnings about the claim. */
  citeLocation: SourceLocation;
  documentLocation?: SourceLocation;
}

export function readCitations(
  y: ParsedYaml,
  items: (Record<string, unknown> | undefined)[],
  problems: Problem[],
): CitationClaim[] {
  const out: CitationClaim[] = [];
  const seen = new Map<string, SourceLocation>();
  items.forEach((raw, i) => {
    if (!raw) return;
    const cite = String(raw.cite);
    const at = valueLocation(y, [i, 'cite']);
    const parsed = extractCitations(`\`${cite}\``);
    // A path the span reads whole (`docs/run book.md:3`, `src/routes/+page.svelte:3`) is
    // cited so when it is a file: the document's citation is that reading, not its tail.
    if (parsed.length !== 1 || (parsed[0]?.text !== cite && parsed[0]?.whole?.text !== cite)) {
      problems.push({
        ...at,
        severity: 'error',
        message: `'${cite}' is not a citation: write it as in the document, path:line, path:a-b, path:a,b,c, path#L12, path#L12-L20 or path::symbol`,
      });
      return;
    }
    const document = typeof raw.document === 'string' ? raw.document : undefined;
    const key = `${document ?? ''}\0${cite}`;
    const prior = seen.get(key);
    if (prior) {
      problems.push({ ...at, severity: 'error', message: `'${cite}' is declared twice (first at line ${prior.line})` });
      return;
    }
    seen.set(key, at);
    const expect = Array.isArray(raw.expect) ? raw.expect.map(String) : [String(raw.expect)];
    out.push({
      cite,
      expect,
      ...(document ? { document } : {}),
      location: valueLocation(y, [i]),
      citeLocation: at,
      ...(document ? { documentLocation: valueLocation(y, [i, 'document']) } : {}),
    });
  });
  return out;
}

/** The claims for one document: those naming it, and those naming none when it is the RFC's own document. */
export function claimsFor(
  claims: readonly CitationClaim[] | undefined,
  document: string,
  rfcDocument: string | undefined,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of claims ?? []) {
    const doc = c.document ?? rfcDocument;
    if (doc !== undefined && normal(doc) === normal(document)) out.set(c.cite, c.expect);
  }
  return out;
}

function normal(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

/**
 * Claims `cite verify` never reads: one for a document that is not there (or for none, when
 * rfc.yaml names no document), or for a citation its document does not hold. Warnings, not
 * errors: the document may be written after its claims, and the run that checks it is
 * `cite verify`; until then what the claim asks for is never looked for, and nothing says so.
 * Matched as cite verify matches a claim: by the citation as written, a path the span reads
 * whole included, and a table cell's `\|` read as `|`.
 */
export function unreadClaims(
  root: string,
  claims: readonly CitationClaim[],
  rfcDocument: string | undefined,
): Problem[] {
  const out: Problem[] = [];
  const warn = (at: SourceLocation, message: string) => out.push({ ...at, severity: 'warning', message });
  const cited = new Map<string, Set<string> | undefined>();
  for (const c of claims) {
    const doc = c.document ?? rfcDocument;
    if (doc === undefined) {
      warn(
        c.citeLocation,
        `the claim for '${c.cite}' names no document and rfc.yaml names none, so cite verify never checks it: add document: <path> here, or document to rfc.yaml`,
      );
      continue;
    }
    const key = normal(doc);
    if (!cited.has(key)) cited.set(key, citationsIn(join(root, key)));
    const texts = cited.get(key);
    const whose = c.document === undefined ? ` (rfc.yaml's document)` : '';
    if (!texts) {
      warn(
        c.documentLocation ?? c.citeLocation,
        `the claim for '${c.cite}' is for ${doc}${whose}, which is not a file, so cite verify never checks it: give the document's path relative to the repository root`,
      );
    } else if (!texts.has(c.cite)) {
      warn(
        c.citeLocation,
        `${doc}${whose} never cites '${c.cite}', so cite verify never checks this claim: write the citation as the document does, or remove the claim`,
      );
    }
  }
  return out;
}

/** The citations a Markdown file holds, as cite verify keys its claims; undefined when it is no readable file. */
function citationsIn(path: string): Set<string> | undefined {
  let text: string;
  try {
    // Never opened unless it is a file: reading a named pipe waits for a writer that may never come.
    if (!statSync(path).isFile()) return undefined;
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const out = new Set<string>();
  for (const c of extractCitations(text)) {
    for (const t of [c.text, c.whole?.text]) {
      if (t === undefined) continue;
      out.add(t);
      out.add(t.replaceAll('\\|', '|'));
    }
  }
  return out;
}

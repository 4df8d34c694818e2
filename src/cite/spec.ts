/**
 * Reads citations.yaml (already schema-checked): claims declared for citations of the RFC
 * document, keyed by the citation exactly as written. Each `cite` must itself read as one
 * citation, and a citation is declared once per document.
 */
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
    out.push({ cite, expect, ...(document ? { document } : {}), location: valueLocation(y, [i]) });
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

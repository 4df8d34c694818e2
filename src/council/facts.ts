/**
 * Deterministic facts handed to a lane before its brief, so it judges on evidence rather
 * than on the RFC's own claims. Each check is a provider behind one small interface; a check
 * that could not run is reported to the lane as such (never as clean), so the lane knows to
 * mark claims it would have decided SOURCE_ONLY.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, SpecError } from '../spec/problems.js';
import { readRawManifest } from '../spec/raw-manifest.js';
import type { FactId } from './spec.js';
import { counted } from '../util/counted.js';

export interface Fact {
  id: FactId;
  title: string;
  /** ok: the check ran; unavailable: this build has no such check; error: it could not run. */
  status: 'ok' | 'unavailable' | 'error';
  /** One line for the report. */
  summary: string;
  /** What the lane reads. */
  detail: string;
}

export interface FactContext {
  root: string;
  rfc: string;
  /** The RFC document as the lanes read it; without it, read from the working tree. */
  document?: { path: string; text: string };
}

export interface FactsProvider {
  readonly id: FactId;
  readonly title: string;
  collect(ctx: FactContext): Promise<Fact>;
}

export const specValidateFacts: FactsProvider = {
  id: 'spec_validate',
  title: 'rfcgate spec validate',
  async collect(ctx) {
    const base = { id: this.id, title: this.title };
    // Imported here: the loader imports the council's spec reader, not the other way round.
    const { loadRfc } = await import('../spec/load.js');
    try {
      const rfc = loadRfc(ctx.root, ctx.rfc);
      const warnings = rfc.warnings.map(formatProblem);
      const summary = `valid: ${counted(rfc.files.length, 'file')}, ${counted(rfc.measurements.size, 'measurement')}, ${counted(rfc.gates.length, 'gate')}, ${counted(warnings.length, 'warning')}`;
      return { ...base, status: 'ok', summary, detail: [summary, ...warnings].join('\n') };
    } catch (e) {
      if (!(e instanceof SpecError)) {
        const summary = `could not run: ${(e as Error).message}`;
        return { ...base, status: 'error', summary, detail: summary };
      }
      const errors = e.problems.filter((p) => p.severity === 'error').length;
      const summary = `invalid: ${errors} problem${errors === 1 ? '' : 's'}`;
      return { ...base, status: 'ok', summary, detail: [summary, ...e.problems.map(formatProblem)].join('\n') };
    }
  },
};

/**
 * `cite verify` of the RFC's document against the tree at HEAD: the counts per verdict and
 * every citation that is not VERIFIED, with its line in the document and why. The document is
 * the text the lanes review (the working tree's, as `cite verify` reads it): read at HEAD, a
 * redraft not yet committed was told the previous draft's verdicts and lines, which the lane
 * is asked to trust over the text in front of it.
 */
export const citeVerifyFacts: FactsProvider = {
  id: 'cite_verify',
  title: 'rfcgate cite verify',
  async collect(ctx) {
    const base = { id: this.id, title: this.title };
    const fail = (summary: string): Fact => ({ ...base, status: 'error', summary, detail: summary });
    // Read raw: a broken gate spec must not hide the citations (spec_validate reports it).
    const document = readRawManifest(ctx.root, ctx.rfc)?.document;
    if (typeof document !== 'string' || document === '') return fail('could not run: rfc.yaml names no document');
    const [{ loadRfc }, { claimsFor }, { verifyCitations, CITE_VERDICTS }, { GitRepo }, { anchor }] = await Promise.all(
      [
        import('../spec/load.js'),
        import('../cite/spec.js'),
        import('../cite/verify.js'),
        import('../sources/git/repo.js'),
        import('../sources/git/common.js'),
      ],
    );
    let claims;
    try {
      claims = loadRfc(ctx.root, ctx.rfc).citations;
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
    }
    const repo = new GitRepo(ctx.root);
    const at = await anchor(repo, 'HEAD', new Date(), { history: false });
    if (!at.ok) return fail(`could not run: ${at.outcome.status === 'halt' ? at.outcome.reason : 'no tree'}`);
    const sha = at.anchor.commit.sha;
    let text = ctx.document?.path === document ? ctx.document.text : undefined;
    try {
      text ??= readFileSync(join(ctx.root, document), 'utf8');
    } catch (e) {
      return fail(`could not run: ${document} could not be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    const report = await verifyCitations({
      document,
      text,
      repo,
      ref: 'HEAD',
      sha,
      declared: claimsFor(claims, document, document),
    });
    const counts = CITE_VERDICTS.filter((v) => report.counts[v] > 0).map((v) => `${report.counts[v]} ${v}`);
    const summary = `${report.citations.length} citation${report.citations.length === 1 ? '' : 's'} at ${sha.slice(0, 7)}${counts.length ? `: ${counts.join(' + ')}` : ''}`;
    const lines = report.citations
      .filter((c) => c.verdict !== 'VERIFIED')
      .map((c) => `${document}:${c.location.line}: ${c.id} ${c.verdict}: ${c.reason}`);
    return { ...base, status: 'ok', summary, detail: [summary, ...lines].join('\n') };
  },
};

/**
 * `comparator check` of the RFC's comparator.yaml against the live schema of the configured
 * database (DATABASE_URL, else the embedded one): each pair's verdict and every coverage or
 * key problem, and whether record.events' table can take the events. No row is read.
 */
export const comparatorCheckFacts: FactsProvider = {
  id: 'comparator_check',
  title: 'rfcgate comparator check',
  async collect(ctx) {
    const base = { id: this.id, title: this.title };
    const [{ loadComparator, openComparatorClient }, { runComparator }, { readManifestDatabase, targetFor }] =
      await Promise.all([import('../comparator/cli.js'), import('../comparator/run.js'), import('../ledger/cli.js')]);
    let loaded;
    let target;
    try {
      loaded = await loadComparator(ctx.root, ctx.rfc);
      target = targetFor(ctx.root, readManifestDatabase(ctx.root, ctx.rfc), process.env);
    } catch (e) {
      const summary = `could not run: ${e instanceof SpecError ? 'comparator.yaml is invalid (see spec_validate)' : (e as Error).message}`;
      return { ...base, status: 'error', summary, detail: summary };
    }
    const client = openComparatorClient(target, ctx.rfc);
    try {
      const report = await runComparator({
        client,
        rfc: ctx.rfc,
        spec: loaded.spec,
        asOf: new Date(),
        mode: 'check',
        limit: 0,
        timeoutMs: 60_000,
      });
      const summary = `${report.pairs.length} pair${report.pairs.length === 1 ? '' : 's'} on ${report.database}: ${report.verdict}`;
      const lines = report.pairs.flatMap((p) => [
        `${p.id} (${p.canonical} ↔ ${p.shadow}): ${p.verdict}${p.reason ? `: ${p.reason}` : ''}`,
        ...p.coverage.map((c) => `  ${c.code}: ${c.message}`),
        ...p.key_problems.map((k) => `  keys of ${k.table}: ${k.null_keys} NULL, ${k.duplicate_keys} duplicated`),
      ]);
      const e = report.record_events;
      if (e) {
        lines.push(
          `record.events (${e.table}): ${e.verdict}${e.reason ? `: ${e.reason}` : ''}`,
          ...e.problems.map((c) => `  ${c.code}: ${c.message}`),
        );
      }
      return { ...base, status: 'ok', summary, detail: [summary, ...lines].join('\n') };
    } finally {
      await client.close();
    }
  },
};

/** The providers of this build. */
export const FACT_PROVIDERS: Readonly<Record<FactId, FactsProvider>> = {
  spec_validate: specValidateFacts,
  cite_verify: citeVerifyFacts,
  comparator_check: comparatorCheckFacts,
};

export async function collectFacts(
  ids: FactId[],
  ctx: FactContext,
  providers: Readonly<Record<FactId, FactsProvider>> = FACT_PROVIDERS,
): Promise<Fact[]> {
  return Promise.all(
    ids.map((id) =>
      providers[id].collect(ctx).catch((e: unknown): Fact => ({
        id,
        title: providers[id].title,
        status: 'error',
        summary: `could not run: ${e instanceof Error ? e.message : String(e)}`,
        detail: `could not run: ${e instanceof Error ? e.message : String(e)}`,
      })),
    ),
  );
}

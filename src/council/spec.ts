/**
 * Reads council.yaml (already schema-checked) into a CouncilSpec and checks what the schema
 * cannot: duplicate lanes, blocking severities outside the lane's vocabulary, brief files that
 * do not exist, sections the RFC document does not have. A council that names a section the
 * document lacks would review nothing and report nothing: declared but not done.
 */
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import type { SourceLocation } from '../model/result.js';
import { type Problem, SpecError, unreadable, UsageError } from '../spec/problems.js';
import { rfcDir } from '../spec/rfc-dir.js';
import { durationMs } from '../util/duration.js';
import { validateAgainst } from '../spec/schema.js';
import type { RfcManifest } from '../spec/types.js';
import { keyLocation, type ParsedYaml, parseYaml, valueLocation, yamlData } from '../spec/yaml.js';

export const COUNCIL_FILE = 'council.yaml';
export const COUNCIL_SCHEMA = 'council.schema.json';

/** The deterministic checks a lane can be given before its brief. */
export const FACT_IDS = ['spec_validate', 'cite_verify', 'comparator_check'] as const;
export type FactId = (typeof FACT_IDS)[number];

export interface LaneSpec {
  id: string;
  title: string;
  /** Repository-relative path of the Markdown brief. */
  brief: string;
  sections: string[];
  vocabulary: string[];
  blocking: string[];
  model: string;
  facts: FactId[];
  location: SourceLocation;
}

export interface CouncilContract {
  block_requires: 'redraft' | 'amendment';
  escalate_after_rounds: number;
}

export interface CouncilSpec {
  model: string;
  max_tokens: number;
  max_retries: number;
  /** Per request, before it is given up (and retried). */
  timeout_ms: number;
  /** Repository-relative folder holding the rounds. */
  ledger_dir: string;
  warm_cache: boolean;
  /** Repository-relative path of the RFC document every lane reads. */
  document: string;
  lanes: LaneSpec[];
  contract: CouncilContract;
  location: SourceLocation;
}

/** Per request, as the SDK has it (10 minutes). */
const DEFAULT_TIMEOUT_MS = 600_000;

interface RawLane {
  id: string;
  title: string;
  brief: string;
  sections: string[];
  vocabulary: string[];
  blocking?: string[];
  model?: string;
  facts?: FactId[];
}

interface RawCouncil {
  model: string;
  max_tokens?: number;
  max_retries?: number;
  timeout?: string;
  ledger_dir?: string;
  warm_cache?: boolean;
  lanes: RawLane[];
  contract: CouncilContract;
}

export interface CouncilReadContext {
  root: string;
  manifest: RfcManifest;
  problems: Problem[];
}

export function readCouncil(y: ParsedYaml, data: unknown, ctx: CouncilReadContext): CouncilSpec {
  const r = data as RawCouncil;
  const err = (loc: SourceLocation, message: string) => ctx.problems.push({ ...loc, severity: 'error', message });
  const document = ctx.manifest.document;
  let headings: string[] | undefined;
  if (!document) {
    err(
      valueLocation(y, []),
      `the council reviews the RFC document, but rfc.yaml names none: set document in rfc.yaml`,
    );
  } else if (!isFile(join(ctx.root, document))) {
    // The path is rfc.yaml's: that is where it is corrected, not in council.yaml.
    err(
      ctx.manifest.documentLocation ?? valueLocation(y, []),
      `document ${document} does not exist; the council reviews it: give the RFC document's path relative to the repository root`,
    );
  } else {
    headings = readFileSync(join(ctx.root, document), 'utf8')
      .split('\n')
      .filter((l) => /^#{1,6}\s/.test(l));
  }

  // The rounds are the repository's record of its reviews: a folder outside it would be
  // written to (and read from) wherever the path happens to lead on this machine.
  if (r.ledger_dir !== undefined && !insideRepo(r.ledger_dir)) {
    err(
      valueLocation(y, ['ledger_dir']),
      `ledger_dir ${r.ledger_dir} is outside the repository; name a folder relative to the repository root (e.g. rfcs/${ctx.manifest.id}/council)`,
    );
  }

  const seen = new Map<string, number>();
  const lanes = r.lanes.map((l, i): LaneSpec => {
    const prior = seen.get(l.id);
    if (prior !== undefined) {
      const at = valueLocation(y, ['lanes', prior]);
      err(
        keyLocation(y, ['lanes', i], 'id'),
        `duplicate lane id '${l.id}' (first declared at ${at.file}:${at.line}:${at.col}); give each lane its own id`,
      );
    } else {
      seen.set(l.id, i);
    }
    if (!isFile(join(ctx.root, l.brief))) {
      err(
        valueLocation(y, ['lanes', i, 'brief']),
        `lane '${l.id}': brief ${l.brief} does not exist; write the lane's prompt there (Markdown, relative to the repository root)`,
      );
    }
    (l.blocking ?? []).forEach((b, j) => {
      if (!l.vocabulary.includes(b)) {
        err(
          valueLocation(y, ['lanes', i, 'blocking', j]),
          `lane '${l.id}': blocking severity '${b}' is not in its vocabulary (${l.vocabulary.join(', ')})`,
        );
      }
    });
    if (headings) {
      l.sections.forEach((s, j) => {
        if (s !== '*' && !headings?.some((h) => headingHas(h, s))) {
          err(
            valueLocation(y, ['lanes', i, 'sections', j]),
            `lane '${l.id}': section '${s}' is not a heading of ${document}; name a section as its heading writes it (e.g. §8.2) or "*"`,
          );
        }
      });
    }
    return {
      id: l.id,
      title: l.title,
      brief: l.brief,
      sections: l.sections,
      vocabulary: l.vocabulary,
      blocking: l.blocking ?? [],
      model: l.model ?? r.model,
      facts: l.facts ?? [],
      location: valueLocation(y, ['lanes', i]),
    };
  });
  return {
    model: r.model,
    max_tokens: r.max_tokens ?? 8192,
    max_retries: r.max_retries ?? 4,
    // The SDK's own default; a hung request otherwise holds its lane until it passes.
    timeout_ms: r.timeout === undefined ? DEFAULT_TIMEOUT_MS : durationMs(r.timeout),
    ledger_dir: r.ledger_dir ?? `rfcs/${ctx.manifest.id}/council`,
    warm_cache: r.warm_cache ?? true,
    document: document ?? '',
    lanes,
    contract: r.contract,
    location: valueLocation(y, []),
  };
}

/** `§1` names "## §1 Scope" but not "## §14 Prerequisite PRs". */
export function headingHas(heading: string, section: string): boolean {
  const at = heading.indexOf(section);
  if (at < 0) return false;
  const next = heading[at + section.length] ?? ' ';
  return !/[0-9.A-Za-z]/.test(next);
}

/** A relative path that stays inside the repository: not absolute, not leading out through `..`. */
export function insideRepo(p: string): boolean {
  const n = normalize(p);
  return !isAbsolute(p) && !/^[A-Za-z]:/.test(p) && n !== '..' && !n.startsWith(`..${sep}`) && !n.startsWith('../');
}

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

/**
 * The council alone, without the rest of the RFC's specs: a round must still run (and hand
 * the verifier the spec problems as facts) when a gate file elsewhere is broken.
 */
export function loadCouncilSpec(root: string, id: string): { council: CouncilSpec; manifest: RfcManifest } {
  // An id with no folder is a mistyped RFC, not one that lacks a council.
  const dir = rfcDir(root, id);
  const rel = (n: string) => relative(root, join(dir, n)) || join(dir, n);
  const councilPath = join(dir, COUNCIL_FILE);
  if (!isFile(councilPath)) {
    // There but unreadable (a folder, a link whose target is gone, a link to a folder): say so,
    // not that it is missing, which would send the user to add a file that cannot be added there.
    if (lstatSync(councilPath, { throwIfNoEntry: false })) {
      try {
        readFileSync(councilPath);
      } catch (e) {
        throw new SpecError([unreadable(rel(COUNCIL_FILE), e)]);
      }
    }
    throw new UsageError(`${id} has no review council: add ${rel(COUNCIL_FILE)} (see schemas/${COUNCIL_SCHEMA})`);
  }
  const problems: Problem[] = [];
  const read = (name: string, schema: string): { y: ParsedYaml; data: unknown } | undefined => {
    const path = join(dir, name);
    if (!isFile(path)) {
      problems.push({ file: rel(name), line: 1, col: 1, severity: 'error', message: `missing ${name}` });
      return undefined;
    }
    const y = parseYaml(rel(name), readFileSync(path, 'utf8'));
    problems.push(...y.problems);
    if (y.problems.length) return undefined;
    const read = yamlData(y);
    if ('problem' in read) {
      problems.push(read.problem);
      return undefined;
    }
    const { data } = read;
    const checked = validateAgainst(schema, y, data);
    problems.push(...checked.problems);
    return checked.problems.length ? undefined : { y, data };
  };
  const m = read('rfc.yaml', 'rfc.schema.json');
  const c = read(COUNCIL_FILE, COUNCIL_SCHEMA);
  if (!m || !c) throw new SpecError(problems);
  const raw = m.data as Omit<RfcManifest, 'location'>;
  const manifest = {
    ...raw,
    location: valueLocation(m.y, []),
    ...(raw.document !== undefined ? { documentLocation: valueLocation(m.y, ['document']) } : {}),
  } as RfcManifest;
  const council = readCouncil(c.y, c.data, { root, manifest, problems });
  if (problems.length) throw new SpecError(problems);
  return { council, manifest };
}

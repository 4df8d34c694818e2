/**
 * Loads gates/<rfc-id>/: parse with positions → schema → typed specs → references and
 * expressions. Every problem is collected before anything is thrown, so one
 * `spec validate` run shows them all.
 */
import { readdirSync } from 'node:fs';
import { readSpecBytes, specText } from './text.js';
import { closest, suggest } from '../util/suggest.js';
import { join, relative } from 'node:path';
import type { Environment } from '@marcbachmann/cel-js';
import { COUNCIL_FILE, type CouncilSpec, insideRepo, readCouncil } from '../council/spec.js';
import { GATE_KINDS, type GateKindDef } from '../gates/index.js';
import { type CitationClaim, readCitations } from '../cite/spec.js';
import { type ParitySpec, readParity } from '../parity/spec.js';
import type { BacktrackCheck } from '../lint/backtracking.js';
import { type LintRule, readLints } from '../lint/spec.js';
import { COMPARATOR_FILE, type ComparatorSpec, readComparator } from '../comparator/spec.js';
import { type LoadedPrereqs, readPrereqs } from '../prereqs/spec.js';
import type { SourceLocation } from '../model/result.js';
import { negatedPattern } from '../sources/telemetry/read.js';
import { telemetryProblems, telemetryType } from '../sources/telemetry/spec.js';
import { isGlobPath, PATH_EXISTS_GLOB_FIX } from '../sources/git/literal-path.js';
import { identifierProblem } from '../sources/sql/table-name.js';
import { RAW_PARAMS, rewriteNamedParams } from '../sources/sql/params.js';
import { parseDuration } from '../util/duration.js';
import { refProblem } from '../util/git-ref.js';
import { regexFix } from '../util/escape-regex.js';
import { globSyntaxProblem } from '../util/globs.js';
import { visible } from '../formatters/visible.js';
import {
  baseEnvironment,
  celNameClash,
  type CompiledExpression,
  compileExpression,
  gateEnvironment,
  isExpressionError,
  readsClashingName,
  unknownNames,
  unknownVariable,
} from './expressions.js';
import { SPEC_FILES } from './files.js';
import { checkModeline, emptyFileProblem } from './single-file.js';
import { cycleText, type Problem, sortProblems, SpecError, unreadable } from './problems.js';
import { GATES_DIR, rfcDir } from './rfc-dir.js';
import { validateAgainst } from './schema.js';
import {
  type ArtifactSpec,
  artifactType,
  type GateSpec,
  type MeasurementSpec,
  type Phase,
  type RfcManifest,
  type RfcSpec,
  type SensitivitySpec,
  type SourceKind,
  type TelemetrySpec,
  type ValueType,
} from './types.js';
import { swallowingComment } from './folded-comment.js';
import { keyLocation, locateInScalar, type ParsedYaml, parseYaml, valueLocation, yamlData } from './yaml.js';

const PREREQS_FILE = 'prereqs.yaml';
const SOURCE_KEYS: readonly SourceKind[] = [
  'sql',
  'git',
  'artifact',
  'attestation',
  'telemetry',
  'verifier',
  'council',
];
const LINTS_FILE = 'lints.yaml';
const GATE_FILES: ReadonlySet<string> = new Set(GATE_KINDS.map((k) => k.file));

export interface CompiledGate {
  condition?: CompiledExpression;
  sensitivity: { spec: SensitivitySpec; compares: CompiledExpression }[];
}

export interface LoadedRfc extends RfcSpec {
  compiled: Map<string, CompiledGate>;
  /** Compiled data-gate conditions of prereqs.yaml, keyed `<prereq id>/<gate id>`. */
  prereqGates?: LoadedPrereqs['gates'];
  /** parity.yaml: the RFC's response-parity definition. */
  parity?: ParitySpec;
  /** citations.yaml: claims declared for the document's citations. */
  citations?: CitationClaim[];
  /** The review council (council.yaml), when the RFC has one. */
  council?: CouncilSpec;
  /** The pre-merge rules of lints.yaml, in file order. */
  lints?: LintRule[];
  /** The shadow-divergence comparator's pairs (comparator.yaml), when the RFC has one. */
  comparator?: ComparatorSpec;
  warnings: Problem[];
  files: string[];
}

export function loadRfc(
  root: string,
  id: string,
  opts: {
    /** Collects lint regexes to analyse for backtracking (lint/backtracking.ts). */ backtracking?: BacktrackCheck[];
  } = {},
): LoadedRfc {
  const dir = rfcDir(root, id);
  const entries = readdirSync(dir, { withFileTypes: true }).filter(
    (e) => e.name.endsWith('.yaml') || e.name.endsWith('.yml'),
  );
  const names = entries
    .filter((e) => !e.isDirectory())
    .map((e) => e.name)
    .sort();
  // Repository-relative, like SARIF and CI annotations expect, and the same wherever the tool runs from.
  const rel = (n: string) => relative(root, join(dir, n)) || join(dir, n);
  // A folder named as a spec file stands where the file would be: said once, at its path.
  // Passed over, its measurements or gates would be missing, and every reference to them
  // a problem of its own. A folder of another name (extra.yaml/) is no spec file's.
  const folders = entries
    .filter((e) => e.isDirectory() && SPEC_FILES.has(e.name))
    .map((e) => e.name)
    .sort();
  const problems: Problem[] = folders.map((n) => unreadable(rel(n), Object.assign(new Error(), { code: 'EISDIR' })));
  if (names.length === 0 && folders.length === 0) {
    throw new SpecError(
      [{ file: rel('.'), line: 1, col: 1, severity: 'error', message: 'no spec files: add rfc.yaml and the gates' }],
      [],
      [],
    );
  }

  const docs = new Map<string, { y: ParsedYaml; data: unknown; badItems: Set<number> }>();
  let emptyMeasurements: Problem | undefined;
  // Gate files that declare no gate (empty, `[]`, or not a list): what they held is unknown.
  const emptyGates = new Map<string, { problem?: Problem; list?: ParsedYaml }>();
  let unparsed = folders.length > 0;
  for (const name of names) {
    let text: string;
    try {
      text = specText(rel(name), readSpecBytes(join(dir, name)));
    } catch (e) {
      if (e instanceof SpecError) problems.push(...e.problems);
      else problems.push(unreadable(rel(name), e));
      unparsed = true;
      continue;
    }
    const y = parseYaml(rel(name), text);
    const schema = SPEC_FILES.get(name);
    if (!schema) {
      problems.push({
        file: y.file,
        line: 1,
        col: 1,
        severity: 'error',
        message: `unknown spec file '${name}'; expected one of: ${[...SPEC_FILES.keys()].join(', ')}${suggest(name, [...SPEC_FILES.keys()])}`,
      });
      // The misspelt name of a spec file that is not there (measurement.yaml, prereqs.yml): what
      // it declares is unknown to the others, and every reference to it would be a problem of its own.
      const meant = closest(name, [...SPEC_FILES.keys()]);
      if (meant !== undefined && !names.includes(meant)) unparsed = true;
      continue;
    }
    const empty = emptyFileProblem(y, name, schema, root);
    // An empty measurements.yaml read by the gates is said below, with every name they read.
    if (empty && name !== 'measurements.yaml') {
      problems.push(empty);
      if (GATE_FILES.has(name)) emptyGates.set(name, { problem: empty });
      continue;
    }
    if (empty) emptyMeasurements = empty;
    else problems.push(...checkModeline(y, schema, root));
    problems.push(...y.problems);
    if (y.problems.length) {
      unparsed = true;
      continue;
    }
    const read = yamlData(y);
    if ('problem' in read) {
      problems.push(read.problem);
      unparsed = true;
      continue;
    }
    const { data } = read;
    const checked = validateAgainst(schema, y, data);
    problems.push(...checked.problems);
    if (!checked.badRoot) docs.set(name, { y, data, badItems: checked.badItems });
    if (GATE_FILES.has(name) && (checked.badRoot || (Array.isArray(data) && data.length === 0))) {
      emptyGates.set(name, checked.badRoot ? {} : { list: y });
    }
  }

  // A file that does not parse leaves its gates and measurements unknown to the others:
  // checking references now would report each of them as a mistake of its own.
  if (unparsed) throw new SpecError(sortProblems(problems), [], names.map(rel));

  const manifestDoc = docs.get('rfc.yaml');
  if (!names.includes('rfc.yaml')) {
    problems.push({ file: rel('rfc.yaml'), line: 1, col: 1, severity: 'error', message: 'missing rfc.yaml manifest' });
  }
  const manifest = manifestDoc ? readManifest(manifestDoc.y, manifestDoc.data, id, problems) : undefined;

  const measurements = new Map<string, MeasurementSpec>();
  // Ids of items already reported as invalid: references to them are not reported again.
  const broken = new Set<string>();
  const mdoc = docs.get('measurements.yaml');
  if (mdoc) {
    const items = usable(mdoc.data as Record<string, unknown>[], mdoc.badItems, broken);
    readMeasurements(mdoc.y, items, measurements, problems, broken);
  }
  // measurements.yaml there but declaring nothing (empty, only comments, `[]`), or not a list at
  // all (reported at it): every name the gates read would be an unknown measurement of its own,
  // when the one thing to fix is that file. The names are gathered and, for an empty one, said
  // once there.
  const declaresNone = mdoc !== undefined && (mdoc.data as unknown[]).length === 0;
  const notAList = mdoc === undefined && names.includes('measurements.yaml');
  const undeclared = declaresNone || notAList ? new Set<string>() : undefined;

  const gates: GateSpec[] = [];
  const gateYaml = new Map<string, { y: ParsedYaml; index: number; def: GateKindDef }>();
  // Every gate as written, the schema's rejects too: a copy is a duplicate whichever of the two
  // has its own problems, and one fix does not uncover the other.
  const firstGateAt = new Map<string, { y: ParsedYaml; index: number }>();
  for (const def of GATE_KINDS) {
    const d = docs.get(def.file);
    if (!d) continue;
    (d.data as Record<string, unknown>[]).forEach((raw, index) => {
      const written = typeof raw?.id === 'string' ? raw.id : undefined;
      const prior = written === undefined ? undefined : firstGateAt.get(written);
      if (prior) {
        problems.push({
          ...keyLocation(d.y, [index], 'id'),
          severity: 'error',
          message: `duplicate gate id '${String(written)}' (first declared at ${fmt(prior.y, [prior.index])})`,
        });
        return;
      }
      if (written !== undefined) firstGateAt.set(written, { y: d.y, index });
      if (d.badItems.has(index)) {
        if (written !== undefined) broken.add(written);
        // `- INV-1` is a gate written as its id alone: said once there, not again where all_of names it.
        else if (typeof raw === 'string') broken.add(raw);
        return;
      }
      const g = readGate(d.y, raw, index, def);
      gateYaml.set(g.id, { y: d.y, index, def });
      gates.push(g);
    });
  }

  const compiled = new Map<string, CompiledGate>();
  const used = new Set<string>();
  const base = baseEnvironment(measurements.values(), broken);
  for (const g of gates) {
    const at = gateYaml.get(g.id);
    if (!at) continue;
    compiled.set(g.id, compileGate(g, at, base, measurements, broken, used, problems, undeclared));
  }
  const unsettled = checkComposites(gates, gateYaml, broken, problems, emptyGates.size > 0);
  reportUnsettled(unsettled, emptyGates, problems);

  const warnings: Problem[] = [];
  let prereqs: LoadedPrereqs | undefined;
  const pdoc = docs.get(PREREQS_FILE);
  if (pdoc) {
    const brokenPrereqs = new Set<string>();
    prereqs = readPrereqs(pdoc.y, usable(pdoc.data as Record<string, unknown>[], pdoc.badItems, brokenPrereqs), {
      measurements,
      env: base,
      brokenMeasurements: broken,
      ...(undeclared ? { undeclared } : {}),
      brokenPrereqs,
      used,
      problems,
      warnings,
      suggest,
    });
  }
  const comparatorDoc = docs.get(COMPARATOR_FILE);
  const comparator = comparatorDoc ? readComparator(comparatorDoc.y, comparatorDoc.data, problems) : undefined;
  // The ordering guard reads the prereq DAG, so it travels with the measurement.
  for (const m of measurements.values()) {
    if (m.source !== 'git' || m.git.query !== 'prereqs_before') continue;
    if (prereqs) m.git.prereqs = prereqs.prereqs;
    else if (!names.includes(PREREQS_FILE)) {
      problems.push({
        ...m.location,
        severity: 'error',
        message: `measurement '${m.id}': prereqs_before needs the prerequisite PRs in ${rel(PREREQS_FILE)}`,
      });
    }
  }
  const paritySpec = docs.get('parity.yaml');
  const parity = paritySpec
    ? readParity(paritySpec.y, paritySpec.data as Record<string, unknown>, problems)
    : undefined;
  const citeDoc = docs.get('citations.yaml');
  const citations = citeDoc
    ? readCitations(citeDoc.y, usable(citeDoc.data as Record<string, unknown>[], citeDoc.badItems, new Set()), problems)
    : undefined;
  // The verifier measurements read the parity definition and the declared claims, so they travel with them.
  for (const m of measurements.values()) {
    if (m.source !== 'verifier') continue;
    if (citations) m.verifier.claims = citations;
    if (m.verifier.query !== 'parity') continue;
    if (parity) m.verifier.parity = parity;
    else if (!names.includes('parity.yaml')) {
      problems.push({
        ...m.location,
        severity: 'error',
        message: `measurement '${m.id}': a parity measurement needs the parity definition in ${rel('parity.yaml')}`,
      });
    }
  }
  for (const m of measurements.values()) if (m.liveness) used.add(m.liveness);
  const councilDoc = docs.get(COUNCIL_FILE);
  const council =
    councilDoc && manifest ? readCouncil(councilDoc.y, councilDoc.data, { root, manifest, problems }) : undefined;
  for (const m of measurements.values()) {
    // Without a manifest (rfc.yaml missing or failing its schema, reported there) its telemetry
    // files are unknown, not absent: one mistake in rfc.yaml is not one per measurement here.
    if (m.source === 'telemetry' && !m.telemetry.files && manifest && !manifest.telemetry?.files.length) {
      problems.push({
        ...m.location,
        severity: 'error',
        message: `measurement '${m.id}': names no telemetry files; add telemetry.files here or telemetry: { files: [...] } to rfc.yaml`,
      });
    }
  }
  let lints: LintRule[] | undefined;
  const ldoc = docs.get(LINTS_FILE);
  if (ldoc) {
    const items = usable(ldoc.data as Record<string, unknown>[], ldoc.badItems, new Set());
    lints = readLints(ldoc.y, items, {
      measurements,
      brokenMeasurements: broken,
      ...(undeclared ? { undeclared } : {}),
      problems,
      warnings,
      suggest,
      ...(opts.backtracking ? { backtracking: opts.backtracking } : {}),
    });
    for (const r of lints) if (r.kind === 'order') used.add(r.measurement);
  }

  if (emptyMeasurements && !undeclared?.size) problems.push(emptyMeasurements);
  else if (emptyMeasurements && mdoc) problems.push(...checkModeline(mdoc.y, 'measurements.schema.json', root));
  if (declaresNone && mdoc && undeclared?.size) {
    const read = [...undeclared].sort();
    problems.push({
      ...valueLocation(mdoc.y, []),
      severity: 'error',
      message: `declares no measurements, but the gates read ${read.length === 1 ? 'one' : read.length}: ${read.join(', ')}; declare each here, with the source it is measured from (one of ${SOURCE_KEYS.join(', ')})`,
    });
  }

  // The gates reading a measurement may be the ones a gate file lost, or ones an error left
  // uncompiled (an expression that does not parse names nothing): said once the spec loads.
  const usageKnown = emptyGates.size === 0 && !problems.some((p) => p.severity === 'error');
  for (const m of measurements.values()) {
    if (!used.has(m.id) && usageKnown) {
      warnings.push({ ...m.location, severity: 'warning', message: `measurement '${m.id}' is not used by any gate` });
    }
  }

  if (problems.length || !manifest) {
    throw new SpecError(sortProblems(problems), sortProblems(warnings), names.map(rel));
  }
  return {
    root,
    dir,
    manifest,
    measurements,
    gates,
    compiled,
    ...(prereqs ? { prereqs: prereqs.prereqs, prereqGates: prereqs.gates } : {}),
    ...(parity ? { parity } : {}),
    ...(citations ? { citations } : {}),
    ...(council ? { council } : {}),
    ...(lints ? { lints } : {}),
    ...(comparator ? { comparator } : {}),
    warnings,
    files: names.map(rel),
  };
}

/** Items that passed the schema, with their original indexes kept (positions depend on them). */
function usable(
  items: Record<string, unknown>[],
  bad: Set<number>,
  broken: Set<string>,
): (Record<string, unknown> | undefined)[] {
  return items.map((raw, i) => {
    if (!bad.has(i)) return raw;
    if (typeof raw?.id === 'string') broken.add(raw.id);
    // An item written as its id alone (`- p50_ms`): said there, not again where it is read.
    else if (typeof raw === 'string') broken.add(raw);
    return undefined;
  });
}

function fmt(y: ParsedYaml, path: (string | number)[]): string {
  const l = valueLocation(y, path);
  return `${l.file}:${l.line}:${l.col}`;
}

function readManifest(y: ParsedYaml, data: unknown, id: string, problems: Problem[]): RfcManifest {
  const d = data as Omit<RfcManifest, 'location' | 'attestations_dir'> & { attestations_dir?: string };
  if (d.id !== id) {
    problems.push({
      ...valueLocation(y, ['id']),
      severity: 'error',
      message: `id '${d.id}' must equal its folder name '${id}'`,
    });
  }
  // prereq status and `scope: mainline` hand it to git as a revision: `-x` would be read as an option.
  const wrong = typeof d.mainline === 'string' ? refProblem(d.mainline) : undefined;
  if (wrong !== undefined) {
    problems.push({
      ...valueLocation(y, ['mainline']),
      severity: 'error',
      message: `mainline '${visible(d.mainline)}' ${wrong}: name the branch whose first-parent history is the mainline, such as main`,
    });
  }
  // Records count only once committed, so they are looked up in git: a folder outside the
  // repository is never found there, and every attestation would halt as missing.
  if (typeof d.attestations_dir === 'string' && !insideRepo(d.attestations_dir)) {
    problems.push({
      ...valueLocation(y, ['attestations_dir']),
      severity: 'error',
      message: `attestations_dir ${d.attestations_dir} is outside the repository, where no committed record can be; name a folder relative to the repository root (e.g. ${GATES_DIR}/${id}/attestations)`,
    });
  }
  // The same check a measurement's own telemetry.files gets, so a `!` pattern is a spec error
  // here too and not a halt at the first run that reads telemetry.
  (d.telemetry?.files ?? []).forEach((f, i) => {
    const wrong = typeof f === 'string' ? globSyntaxProblem(f) : undefined;
    const why =
      typeof f !== 'string'
        ? undefined
        : (negatedPattern(f) ?? (wrong === undefined ? undefined : `'${visible(f)}' is not a valid glob: ${wrong}`));
    if (why !== undefined) {
      problems.push({
        ...valueLocation(y, ['telemetry', 'files', i]),
        severity: 'error',
        message: `telemetry.files: ${why}`,
      });
    }
  });
  return {
    ...d,
    attestations_dir: d.attestations_dir ?? `${GATES_DIR}/${id}/attestations`,
    location: valueLocation(y, []),
    ...(d.document !== undefined ? { documentLocation: valueLocation(y, ['document']) } : {}),
  };
}

function derivedType(m: Record<string, unknown>): ValueType | undefined {
  if (m.git) {
    const q = (m.git as { query: string }).query;
    return q === 'path_exists' || q === 'order' || q === 'prereqs_before' ? 'bool' : 'timestamp';
  }
  if (m.artifact) return artifactType(m.artifact as ArtifactSpec);
  if (m.attestation) return 'string';
  if (m.verifier) return 'int';
  if (m.council) return 'int';
  if (m.telemetry) return telemetryType(m.telemetry as TelemetrySpec);
  return undefined;
}

function readMeasurements(
  y: ParsedYaml,
  items: (Record<string, unknown> | undefined)[],
  out: Map<string, MeasurementSpec>,
  problems: Problem[],
  broken: Set<string>,
): void {
  const firstAt = new Map<string, number>();
  items.forEach((raw, i) => {
    if (!raw) return;
    const id = String(raw.id);
    const err = (key: string | undefined, message: string) =>
      problems.push({
        ...(key ? keyLocation(y, [i], key) : valueLocation(y, [i])),
        severity: 'error',
        message: `measurement '${id}': ${message}`,
      });
    const prior = firstAt.get(id);
    if (prior !== undefined) {
      err('id', `duplicate measurement id (first declared at ${fmt(y, [prior])})`);
      return;
    }
    firstAt.set(id, i);
    const clash = celNameClash(id);
    if (clash) {
      err(
        'id',
        `'${id}' is ${clash}, so no condition could read it: rename it (${id.replace(/^_+|_+$/g, '')}_value, say)`,
      );
      broken.add(id);
      return;
    }
    const sources = SOURCE_KEYS.filter((k) => raw[k] !== undefined);
    if (sources.length !== 1) {
      err(
        sources[1],
        sources.length === 0
          ? `names no source: every threshold must name its measurement source (one of ${SOURCE_KEYS.join(', ')})`
          : `has ${sources.length} sources (${sources.join(', ')}); a measurement has exactly one`,
      );
      // Reported here: a gate reading it is not also told that it names an unknown measurement.
      broken.add(id);
      return;
    }
    const source = sources[0] as SourceKind;
    const fixed = derivedType(raw);
    const declared = raw.type as ValueType | undefined;
    if (fixed && declared && declared !== fixed) err('type', `a ${source} measurement of this kind is a ${fixed}`);
    const type: ValueType = fixed ?? declared ?? 'double';
    if (source !== 'sql') {
      // A telemetry measurement has both, under its own block: say where, not only where not.
      const own =
        source === 'telemetry'
          ? {
              window:
                '; a telemetry measurement names its window in its telemetry block (telemetry: { window: 7d } or last_turns)',
              require:
                '; a telemetry measurement names its requirements in its telemetry block (min_turns, min_sessions, min_events, max_age)',
            }
          : source === 'artifact'
            ? {
                window:
                  '; an artifact states the window its value was measured over, which its artifact block reads (artifact: { sample: { pattern, min_days } })',
                require:
                  '; an artifact measurement requires a sample length in its artifact block (artifact: { sample: { pattern, min_days } })',
              }
            : { window: '', require: '' };
      if (raw.window !== undefined) err('window', `window applies to sql measurements only${own.window}`);
      if (raw.require !== undefined) err('require', `require applies to sql measurements only${own.require}`);
    } else {
      const sql = raw.sql as { table?: string; timestamp?: string };
      if (sql.table && raw.window === undefined) err('sql', `the table form needs a window (e.g. window: 14d)`);
      const tsWrong = typeof sql.timestamp === 'string' ? timestampColumnProblem(sql.timestamp) : undefined;
      if (tsWrong !== undefined) {
        problems.push({
          ...valueLocation(y, [i, 'sql', 'timestamp']),
          severity: 'error',
          message: `measurement '${id}': sql.timestamp ${tsWrong}`,
        });
      }
      // Without a window, $window_start is as_of itself: `t >= $window_start AND t < $as_of`
      // reads an empty window, and a count of it is 0 however many rows there are.
      const startsAt = raw.window === undefined ? windowStartOffset((raw.sql as { query?: unknown }).query) : undefined;
      if (startsAt !== undefined) {
        problems.push({
          ...locateInScalar(y, [i, 'sql', 'query'], startsAt),
          severity: 'error',
          message: `measurement '${id}': sql.query reads $window_start, but the measurement declares no window, so $window_start would be as_of itself and the query would read an empty window; add one (window: 7d, say)`,
        });
      }
      const req = raw.require as { days_with_rows?: number } | undefined;
      if (req?.days_with_rows && raw.window === undefined) err('require', `days_with_rows needs a window`);
      if (req?.days_with_rows && typeof raw.window === 'string') {
        const days = (parseDuration(raw.window) ?? 0) / 86_400_000;
        if (req.days_with_rows > Math.ceil(days)) {
          err('require', `days_with_rows ${req.days_with_rows} cannot be met in a ${raw.window} window`);
        }
      }
    }
    if (source === 'telemetry') {
      for (const p of telemetryProblems(raw.telemetry as TelemetrySpec, suggest)) {
        problems.push({
          ...keyLocation(y, [i, 'telemetry'], p.key),
          severity: 'error',
          message: `measurement '${id}': ${p.message}`,
        });
      }
    }
    // Checked here, not at run time: git would read `-x` as an option, and the halt advising
    // `git fetch origin -x` would send the reader after a ref that cannot exist.
    const ref = (raw[source] as { ref?: unknown }).ref;
    const refWrong = typeof ref === 'string' ? refProblem(ref) : undefined;
    if (refWrong !== undefined) {
      problems.push({
        ...valueLocation(y, [i, source, 'ref']),
        severity: 'error',
        message: `measurement '${id}': ref '${visible(String(ref))}' ${refWrong}: name a branch, tag or commit, or remove ref: to read the ref the run is given (--ref, default HEAD)`,
      });
    }
    // Checked here, not at run time: a pattern that does not compile would halt its gates
    // only once git or the document is read, and as a halt (exit 2), not as the spec error it is.
    for (const { path, pattern, flags, groups } of measurementRegexes(source, raw[source])) {
      let re: RegExp;
      try {
        re = new RegExp(pattern, flags);
      } catch (e) {
        problems.push({
          ...valueLocation(y, [i, source, ...path]),
          severity: 'error',
          message: `measurement '${id}': ${[source, ...path].join('.')} is not a valid regex: ${visible(regexFix(e as Error, pattern))}`,
        });
        continue;
      }
      // Checked here, not at run time: every run would halt on a window it cannot read.
      const has = captureGroups(re);
      if (groups !== undefined && has !== groups.count) {
        problems.push({
          ...valueLocation(y, [i, source, ...path]),
          severity: 'error',
          message: `measurement '${id}': ${[source, ...path].join('.')} has ${has === 0 ? 'no' : has} capture group${has === 1 ? '' : 's'}, but needs exactly ${groups.count}: ${groups.what}; write any other group as (?:...)`,
        });
      }
    }
    // A glob picomatch cannot read matches nothing: every run would halt on "matched no file".
    for (const { path, glob } of measurementGlobs(source, raw[source])) {
      // A telemetry pattern starting with '!' is reported for that already (telemetryProblems).
      const why = source === 'telemetry' && negatedPattern(glob) ? undefined : globSyntaxProblem(glob);
      if (why !== undefined) {
        problems.push({
          ...valueLocation(y, [i, source, ...path]),
          severity: 'error',
          message: `measurement '${id}': ${[source, ...path.filter((p) => typeof p === 'string')].join('.')} '${visible(glob)}' is not a valid glob: ${why}`,
        });
      }
    }
    // Checked here, not at run time: the glob would halt every run of its gates.
    const lookedUp = raw[source] as { query?: unknown; path?: unknown };
    if (source === 'git' && lookedUp.query === 'path_exists' && typeof lookedUp.path === 'string') {
      if (isGlobPath(lookedUp.path)) {
        problems.push({
          ...valueLocation(y, [i, source, 'path']),
          severity: 'error',
          message: `measurement '${id}': git.path '${visible(lookedUp.path)}' is a glob, but path_exists takes a literal path (the file or folder as spelt); ${PATH_EXISTS_GLOB_FIX}`,
        });
      }
    }
    if (raw.counts_events && !raw.liveness) {
      err(
        'counts_events',
        `counts events, so it must name a liveness measurement over the same window (liveness: <id>): zero events from a silent channel is not clean`,
      );
    }
    out.set(id, {
      ...(raw as object),
      type,
      source,
      location: valueLocation(y, [i]),
      textAt: (key?: string, offset?: number) =>
        key === undefined
          ? keyLocation(y, [i], source)
          : offset === undefined
            ? valueLocation(y, [i, source, ...key.split('.')])
            : locateInScalar(y, [i, source, ...key.split('.')], offset),
    } as MeasurementSpec);
  });
  // Liveness references need every id first.
  items.forEach((raw, i) => {
    const live = raw?.liveness as string | undefined;
    if (!live) return;
    const target = out.get(live);
    const id = String(raw?.id);
    const at = keyLocation(y, [i], 'liveness');
    if (!target) {
      problems.push({
        ...at,
        severity: 'error',
        message: `measurement '${id}': liveness names unknown measurement '${live}'${suggest(live, [...out.keys()])}`,
      });
    } else if (live === id) {
      problems.push({
        ...at,
        severity: 'error',
        message: `measurement '${id}': cannot be its own liveness measurement`,
      });
    } else if (windowOf(target, true) !== windowOf(raw ?? {}, true)) {
      problems.push({
        ...at,
        severity: 'error',
        message: `measurement '${id}': liveness '${live}' must cover the same window (${windowOf(raw ?? {}) || 'none'} vs ${windowOf(target) || 'none'})`,
      });
    }
  });
  // Each count would wait for the other's proof that the channel produced: reported once, at
  // the first of the circle, before a gate check runs into it.
  const reported = new Set<string>();
  items.forEach((raw, i) => {
    const id = String(raw?.id);
    const path = [id];
    let next = out.get(id)?.liveness;
    while (next !== undefined && next !== id && !path.includes(next) && out.has(next)) {
      path.push(next);
      next = out.get(next)?.liveness;
    }
    if (next !== id || path.length < 2 || path.some((p) => reported.has(p))) return;
    for (const p of path) reported.add(p);
    problems.push({
      ...keyLocation(y, [i], 'liveness'),
      severity: 'error',
      message: `measurement '${id}': liveness measurements name each other in a circle (${[...path, id].join(' → ')}); a liveness measurement shows the channel producing on its own, so end the chain at one that names none`,
    });
  });
}

/**
 * Where a raw query first reads $window_start, if it does. A query whose parameters cannot be
 * read (an unterminated string, an unknown name) is left to the run, which halts on it.
 */
function windowStartOffset(query: unknown): number | undefined {
  if (typeof query !== 'string') return undefined;
  try {
    return rewriteNamedParams(query, RAW_PARAMS).uses.find((u) => u.name === 'window_start')?.offset;
  } catch {
    return undefined;
  }
}

/**
 * The table form's timestamp names a column as the catalog spells it, without quotes (the
 * query quotes it): checked here so a name no column can have is a spec error, not a halt.
 */
function timestampColumnProblem(name: string): string | undefined {
  // `"Created At"` would name a column whose name holds the quotes, which is never what was meant.
  if (name.length > 2 && name.startsWith('"') && name.endsWith('"')) {
    return `'${visible(name)}' is written in double quotes; write the column name without them, as the catalog spells it (timestamp: ${visible(name.slice(1, -1).replaceAll('""', '"'))})`;
  }
  const wrong = identifierProblem(name, `'${visible(name)}'`);
  return wrong === undefined ? undefined : `'${visible(name)}' is not a column name: ${wrong}`;
}

/**
 * The regexes a measurement's source reads, each with its path under the source and the flags
 * it runs with: an artifact's extract pattern (multiline, as documents are read by line), a git
 * commit_matching pattern and an order event's pattern (as the git source compiles them).
 */
function measurementRegexes(source: SourceKind, spec: unknown): MeasurementRegex[] {
  const out: MeasurementRegex[] = [];
  if (!spec || typeof spec !== 'object') return out;
  const s = spec as Record<string, unknown>;
  const add = (path: (string | number)[], pattern: unknown, flags: string, groups?: MeasurementRegex['groups']) => {
    if (typeof pattern === 'string' && pattern !== '')
      out.push({ path, pattern, flags, ...(groups ? { groups } : {}) });
  };
  if (source === 'artifact') {
    const ex = s.extract as { pattern?: unknown } | undefined;
    if (ex && typeof ex === 'object') add(['extract', 'pattern'], ex.pattern, 'm');
    const sample = s.sample as { pattern?: unknown } | undefined;
    if (sample && typeof sample === 'object') {
      add(['sample', 'pattern'], sample.pattern, 'm', {
        count: 2,
        what: "the sample window's first and last dates, in that order",
      });
    }
  } else if (source === 'git') {
    if (s.query === 'commit_matching') add(['pattern'], s.pattern, '');
    if (s.query === 'order') {
      for (const side of ['before', 'after']) {
        const ev = s[side] as { pattern?: unknown } | undefined;
        if (ev && typeof ev === 'object') add([side, 'pattern'], ev.pattern, '');
      }
    }
  }
  return out;
}

/** A regex of a measurement's source, with its path under the source; `groups`: the capture groups it must have. */
interface MeasurementRegex {
  path: (string | number)[];
  pattern: string;
  flags: string;
  groups?: { count: number; what: string };
}

/** How many capture groups a compiled regex has: an alternative matching the empty string reports them all. */
function captureGroups(re: RegExp): number {
  return (new RegExp(`${re.source}|`, re.flags).exec('')?.length ?? 1) - 1;
}

/** The paths and globs a measurement's source matches against files, each with its path under the source. */
function measurementGlobs(source: SourceKind, spec: unknown): { path: (string | number)[]; glob: string }[] {
  const out: { path: (string | number)[]; glob: string }[] = [];
  if (!spec || typeof spec !== 'object') return out;
  const s = spec as Record<string, unknown>;
  const add = (path: (string | number)[], glob: unknown) => {
    if (typeof glob === 'string') out.push({ path, glob });
  };
  const addAll = (path: (string | number)[], globs: unknown) => {
    if (Array.isArray(globs)) globs.forEach((g, j) => add([...path, j], g));
  };
  if (source === 'artifact') add(['glob'], s.glob);
  else if (source === 'attestation') add(['independent_of'], s.independent_of);
  else if (source === 'telemetry') addAll(['files'], s.files);
  else if (source === 'git') {
    // path_exists takes a literal path, which is not read as a glob.
    if (s.query === 'prereqs_before') add(['path'], s.path);
    if (s.query === 'first_commit' || s.query === 'last_commit') addAll(['paths'], s.paths);
    if (s.query === 'order') {
      for (const side of ['before', 'after']) {
        const ev = s[side] as { paths?: unknown } | undefined;
        if (ev && typeof ev === 'object') addAll([side, 'paths'], ev.paths);
      }
    }
  }
  return out;
}

/** A measurement's window as written: its own, or its telemetry block's time range and last turns. */
/** A measurement's window as written; `asLength`: durations as milliseconds, so 7d and 1w are one window. */
function windowOf(m: { window?: unknown; telemetry?: unknown }, asLength = false): string {
  const span = (w: unknown) => (asLength ? String(parseDuration(String(w)) ?? w) : String(w));
  if (m.window !== undefined) return span(m.window);
  const t = m.telemetry as { window?: unknown; last_turns?: unknown } | undefined;
  return [
    t?.window !== undefined ? span(t.window) : '',
    t?.last_turns !== undefined ? `last ${String(t.last_turns)} turns` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function readGate(y: ParsedYaml, raw: Record<string, unknown>, index: number, def: GateKindDef): GateSpec {
  const keyLocations: Record<string, SourceLocation> = {};
  for (const k of Object.keys(raw)) keyLocations[k] = keyLocation(y, [index], k);
  const base = {
    id: String(raw.id),
    kind: def.kind,
    title: String(raw.title),
    section: String(raw.section),
    phase: raw.phase as Phase[],
    params: (raw.params as Record<string, number> | undefined) ?? {},
    sensitivity: (raw.sensitivity as SensitivitySpec[] | undefined) ?? [],
    location: valueLocation(y, [index]),
    keyLocations,
  };
  if (raw.all_of) return { ...base, all_of: raw.all_of as string[] };
  return { ...base, polarity: def.polarity, condition: String(raw[def.conditionKey]) };
}

function compileGate(
  g: GateSpec,
  at: { y: ParsedYaml; index: number; def: GateKindDef },
  base: Environment,
  measurements: Map<string, MeasurementSpec>,
  broken: Set<string>,
  used: Set<string>,
  problems: Problem[],
  undeclared: Set<string> | undefined,
): CompiledGate {
  const out: CompiledGate = { sensitivity: [] };
  const { y, index, def } = at;
  const err = (loc: SourceLocation, message: string) =>
    problems.push({ ...loc, severity: 'error', message: `${def.kind.replace('_', ' ')} '${g.id}': ${message}` });
  const taken = new Set(measurements.keys());
  for (const p of Object.keys(g.params)) {
    const clash = taken.has(p) ? undefined : celNameClash(p);
    if (taken.has(p)) err(keyLocation(y, [index, 'params'], p), `param '${p}' has the name of a measurement`);
    else if (clash) {
      err(
        keyLocation(y, [index, 'params'], p),
        `param '${p}' is ${clash}, so no condition could read it: rename it (${p.replace(/^_+|_+$/g, '')}_value, say)`,
      );
    }
  }
  const env = gateEnvironment(base, g.params, taken);
  const known = [...measurements.keys(), ...Object.keys(g.params)];

  const compile = (path: (string | number)[], source: string, what: string): CompiledExpression | undefined => {
    const swallowing = swallowingComment(y, path, source, what);
    if (swallowing) {
      err(swallowing.location, swallowing.message);
      return undefined;
    }
    const c = compileExpression(env, source);
    if (isExpressionError(c)) {
      if (readsClashingName(env, source, [...broken, ...Object.keys(g.params)])) return undefined;
      const unknown = unknownVariable(c);
      if (unknown && undeclared) {
        for (const name of unknownNames(env, source)) undeclared.add(name);
        return undefined;
      }
      const message = unknown
        ? `unknown measurement '${unknown}'${suggest(unknown, known)}; declare it in measurements.yaml or as a param`
        : `expression error: ${c.message}`;
      err(locateInScalar(y, path, c.offset), message);
      return undefined;
    }
    for (const id of c.identifiers) if (measurements.has(id)) used.add(id);
    return c;
  };

  if ('condition' in g) {
    const path = [index, def.conditionKey];
    const c = compile(path, g.condition, 'condition');
    // A condition reading an invalid measurement (already reported) has an unknown type: nothing more to say.
    if (c && !c.identifiers.some((id) => broken.has(id))) {
      if (c.resultType !== 'bool') {
        err(valueLocation(y, path), `${def.conditionKey} must be a bool expression, but it is ${c.resultType}`);
      } else if (!c.identifiers.some((id) => measurements.has(id))) {
        err(
          valueLocation(y, path),
          `${def.conditionKey} names no measurement: every threshold must name its measurement source`,
        );
      } else {
        out.condition = c;
      }
    }
  }
  g.sensitivity.forEach((s, i) => {
    const path = [index, 'sensitivity', i];
    if (!(s.param in g.params)) {
      err(keyLocation(y, path, 'param'), `sensitivity param '${s.param}' is not one of this gate's params`);
    } else if (s.param === 'verdict') {
      // Each anchor is reported as { <param>: value, verdict }: this name would lose the value.
      err(
        keyLocation(y, path, 'param'),
        `a sensitivity param cannot be named 'verdict': each anchor reports the param's value and its verdict side by side under those names; rename the param`,
      );
    } else if (out.condition && !out.condition.identifiers.includes(s.param)) {
      // Each anchor re-judges the condition with the param moved: one the condition never reads
      // (its threshold written as a literal) gives the same verdict at every anchor, which would
      // show a decision on the edge as one that holds wherever the threshold sits.
      err(
        keyLocation(y, path, 'param'),
        `sensitivity param '${s.param}' is not read by ${def.conditionKey}, so its anchors could not move the threshold: write the threshold as '${s.param}' in the condition`,
      );
    }
    if (!('condition' in g)) err(valueLocation(y, path), 'sensitivity needs a condition, not all_of');
    const c = compile([...path, 'compares'], s.compares, 'expression');
    // Reading an invalid measurement (already reported), its type is unknown: nothing more to say.
    if (c?.identifiers.some((id) => broken.has(id))) return;
    if (c && c.resultType !== 'double' && c.resultType !== 'int') {
      err(keyLocation(y, path, 'compares'), `compares must be a number, but it is ${c.resultType}`);
    } else if (c && !c.identifiers.some((id) => measurements.has(id))) {
      // A constant is the same on every run, so its band would say nothing about the measured value.
      err(
        valueLocation(y, [...path, 'compares']),
        `compares names no measurement: a constant is in band on every run or on none; compare the measured value that '${s.param}' is a threshold for, as the condition does`,
      );
    } else if (c) {
      out.sensitivity.push({ spec: s, compares: c });
    }
  });
  return out;
}

/** The letters an id starts with (`SS` of SS10, `EC` of EC-2a): ids of one kind share them. */
function idFamily(id: string): string {
  return /^[A-Za-z]*/.exec(id)?.[0] ?? '';
}

/**
 * Checks all_of references and cycles. With a gate file declaring none, an unknown name that
 * looks like no declared gate's id may have been in that file: such names are returned, each
 * with where it is read, to be said once at that file rather than once per reference. One
 * shaped like the ids of a file that is there (EC13 beside EC1..EC12) is unknown, and said so.
 */
function checkComposites(
  gates: GateSpec[],
  at: Map<string, { y: ParsedYaml; index: number }>,
  broken: Set<string>,
  problems: Problem[],
  someFileEmpty: boolean,
): Map<string, string[]> {
  const ids = new Set(gates.map((g) => g.id));
  const families = new Set([...ids].map(idFamily).filter(Boolean));
  const unsettled = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  for (const g of gates) {
    if (!('all_of' in g)) continue;
    const loc = at.get(g.id);
    g.all_of.forEach((dep, i) => {
      if (!ids.has(dep) && !broken.has(dep) && loc && someFileEmpty && !families.has(idFamily(dep))) {
        unsettled.set(dep, [...(unsettled.get(dep) ?? []), g.id]);
      } else if (!ids.has(dep) && !broken.has(dep) && loc) {
        problems.push({
          ...valueLocation(loc.y, [loc.index, 'all_of', i]),
          severity: 'error',
          message: `exit criterion '${g.id}': all_of names unknown gate '${dep}'${suggest(dep, [...ids])}`,
        });
      } else if (dep === g.id && loc) {
        // Said at the name, as a prereq naming itself in depends_on is: not as a cycle of one.
        problems.push({
          ...valueLocation(loc.y, [loc.index, 'all_of', i]),
          severity: 'error',
          message: `exit criterion '${g.id}': all_of names itself; remove it from the list`,
        });
      }
    });
    edges.set(
      g.id,
      g.all_of.filter((d) => ids.has(d) && d !== g.id),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      const loc = at.get(id);
      if (loc) {
        problems.push({
          ...keyLocation(loc.y, [loc.index], 'all_of'),
          severity: 'error',
          message: `gates depend on each other in a cycle: ${cycleText(cycle)}; break one all_of link`,
        });
      }
      return;
    }
    state.set(id, 'visiting');
    stack.push(id);
    for (const d of edges.get(id) ?? []) visit(d);
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...edges.keys()].sort()) visit(id);
  return unsettled;
}

/** The gates all_of names that no file declares, said once, at the first gate file declaring none. */
function reportUnsettled(
  unsettled: Map<string, string[]>,
  emptyGates: Map<string, { problem?: Problem; list?: ParsedYaml }>,
  problems: Problem[],
): void {
  if (unsettled.size === 0) return;
  const first = GATE_KINDS.map((k) => emptyGates.get(k.file)).find((e) => e !== undefined);
  const names = [...unsettled.keys()].sort();
  const listed = names.map((n) => `${n} (${(unsettled.get(n) ?? []).join(', ')})`).join(', ');
  const [them, were] = names.length === 1 ? ['it', 'it was'] : ['them', 'they were'];
  const said = `all_of names ${names.length === 1 ? 'one gate' : `${names.length} gates`} no file declares: ${listed}; declare ${them} here if ${were} in this file, or remove ${them} from all_of`;
  if (first?.problem) first.problem.message += `; ${said}`;
  else if (first?.list) {
    problems.push({ ...valueLocation(first.list, []), severity: 'error', message: `declares no gates, but ${said}` });
  }
  // A file that is not a list is said at its place; what it held is unknown, so nothing more.
}

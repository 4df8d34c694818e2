/**
 * One lint run: every rule over one snapshot. Each file in scope is read once and every
 * content rule that applies to it runs on that one read; a file no rule applies to is not
 * read at all. A combined regex of the rules that apply to a file screens it first, so the
 * common case (nothing found) costs one scan. Binary and huge files are skipped with a note.
 * It prints nothing; formatters turn the report into text.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HaltReason } from '../model/result.js';
import type { GitHistory } from '../sources/git/repo.js';
import { append } from '../util/append.js';
import { matcher, someSorted } from './globs.js';
import type { MeasurementSpec, RfcManifest } from '../spec/types.js';
import {
  compareFindings,
  type LintFinding,
  type LintReport,
  type LintRuleResult,
  reportVerdict,
  ruleVerdict,
} from './report.js';
import type { ContentCheck } from './rules/check.js';
import { contentChecks } from './checks.js';
import { type PlannedFile, type ScanResult, scanFiles } from './scan.js';
import type { RgSearch } from './prefilter.js';
import type { OncePerRun } from './hook-run.js';
import { checkRequire } from './rules/require.js';
import { idleWaivers, waiversOf } from './rules/waivers.js';
import type { ScopeInfo, SkippedFile, Snapshot, WorkingTree } from './scopes.js';
import type { LintRule } from './spec.js';
import { DEFAULT_MAX_FILE_BYTES } from './limits.js';

/** From this many files to read, a second thread scans half of them (2 cores read 200 MB faster than one). */
export const PARALLEL_FROM = 2000;
const WORKER = new URL('./scan-worker.js', import.meta.url);

export interface LintRunOptions {
  rfc: string;
  rules: LintRule[];
  snapshot: Snapshot;
  asOf: Date;
  maxFileBytes?: number;
  /** Scan with a second thread from this many files to read (default PARALLEL_FROM). */
  parallelFrom?: number;
  /**
   * Screen working-tree files with ripgrep first (prefilter.ts): the rg binary, and
   * optionally a search of the whole tree already started. Without it every file is read.
   */
  rg?: { bin: string; search?: RgSearch; from?: number };
  /**
   * A hook manager's share of a long file list (hook-run.ts): which findings about the tree as a
   * whole it reports, the others having been reported by an earlier share of the same run.
   */
  once?: OncePerRun;
  /** Order rules known not to run in this change scope, with why (the RFC was not loaded for them). */
  skipOrder?: Map<string, string>;
  /** Needed only when there are order rules that run in this scope. */
  order?: {
    repo: GitHistory;
    root: string;
    /** root's place below the repository's top ('svc/'), when it is not the top. */
    prefix?: string;
    ref: string;
    manifest: RfcManifest;
    measurements: Map<string, MeasurementSpec>;
    timeoutMs: number;
  };
}

interface RuleState {
  rule: LintRule;
  findings: LintFinding[];
  /** Findings about the whole tree an earlier share of the hook manager's run reported. */
  reportedBefore?: number;
  halt?: { reason: HaltReason; message: string };
  note?: string;
  filesChecked: number;
}

export async function runLint(opts: LintRunOptions): Promise<LintReport> {
  const { snapshot: snap, asOf } = opts;
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const states = new Map<string, RuleState>(
    opts.rules.map((r) => [r.id, { rule: r, findings: [], filesChecked: 0 } as RuleState]),
  );
  const state = (id: string) => states.get(id) as RuleState;
  const skipped: SkippedFile[] = [];
  // Findings about the tree as a whole, the same whichever files are in scope.
  const treeWide = (s: RuleState, found: LintFinding[]) => {
    const once = opts.once;
    const kept = once ? found.filter((f) => once.report(f)) : found;
    if (kept.length < found.length) s.reportedBefore = (s.reportedBefore ?? 0) + found.length - kept.length;
    append(s.findings, kept);
  };
  const base = {
    rfc: opts.rfc,
    as_of: asOf.toISOString(),
    scope: snap.info,
  };

  if (snap.halt) {
    opts.rg?.search?.stop();
    const halt = snap.halt;
    const rules = opts.rules.map((r) => result({ rule: r, findings: [], filesChecked: 0, halt }));
    return { ...base, verdict: 'halt', files: { in_scope: 0, checked: 0, skipped }, rules, findings: [] };
  }

  const checks = contentChecks({ rules: opts.rules, asOf: asOf.toISOString() });
  // Rules share globs (`**/*.py` in most of them): each is looked up in the tree once.
  const named = new Map<string, boolean>();
  const names = (g: string) => {
    let found = named.get(g);
    if (found === undefined) named.set(g, (found = anyMatch(snap, g)));
    return found;
  };
  /** Rules none of whose include globs matches a file: nothing to check. */
  const unchecked = new Set<string>();
  for (const c of checks) {
    const s = state(c.rule.id);
    treeWide(s, c.waivers.expired);
    if (c.rule.allow.some((w) => w.expires !== undefined)) {
      const included = matcher(c.include);
      const excluded = c.exclude.length ? matcher(c.exclude) : () => false;
      // A helper module is read for the helper, and a waiver may cover it too.
      const module = c.rule.kind === 'helper_only' ? matcher(c.rule.modules) : () => false;
      const applies = (f: string) => module(f) || (included(f) && !excluded(f));
      treeWide(
        s,
        idleWaivers(c.rule, asOf, (p) => anyMatch(snap, p, applies)),
      );
    }
    // A glob that matches nothing in the whole tree is a mistake, not a clean result. The
    // files the rule's other globs match are still checked: a finding there is reported
    // (and an error fails the rule) whatever else halts it.
    const deadAt = c.include.flatMap((g, j) => (names(g) ? [] : [c.rule.includeAt[j]]));
    const dead = c.include.filter((g) => !names(g));
    if (dead.length) {
      // Where each is written: a rule may list several, and lints.yaml several rules.
      const at = deadAt.map((l) => (l ? `${l.file}:${l.line}:${l.col}` : 'lints.yaml')).join(', ');
      const none = dead.length === c.include.length;
      if (none) unchecked.add(c.rule.id);
      // Unless the rule says its globs name paths still to be created: nothing there yet is clean.
      if (c.rule.mayMatchNothing) continue;
      // git lists symlinks, submodules and deleted files in the working tree: say why those did not count.
      const listed = dead.some((g) => snap.universe.some(matcher([g])));
      s.halt = {
        reason: 'missing',
        message: `include ${dead.length === 1 ? 'glob' : 'globs'} ${dead.map((g) => `'${g}'`).join(', ')} matched no file in the ${snap.info.kind === 'staged' ? 'index' : 'tree'}${listed ? ' (only symlinks, submodules or deleted files, which lint does not read)' : ''}, so ${none ? 'nothing was checked' : "what it was meant to name was not checked (the rule's other globs were)"}; fix the ${dead.length === 1 ? 'glob' : 'globs'} at ${at} (or, for a path still to be created, add may_match_nothing: true beside it)`,
      };
    }
  }
  for (const c of checks) {
    const s = state(c.rule.id);
    if (unchecked.has(c.rule.id) || !c.exclude.length) continue;
    // Include matched files, and exclude took every one of them: as much a mistyped glob
    // (src/** for src/gen/**) as an include that matches nothing. Allow entries are
    // exceptions with reasons, so a rule left with nothing by them is not this case.
    // The first included file exclude leaves answers it, usually at once: the full list only when there is none.
    const excluded = matcher(c.exclude);
    if (anyMatch(snap, c.include, (f) => !excluded(f))) continue;
    const included = filesMatching(snap, c.include);
    if (included.length) {
      unchecked.add(c.rule.id);
      const removes = `exclude ${c.exclude.map((g) => `'${g}'`).join(', ')} removes every file include matched in the ${snap.info.kind === 'staged' ? 'index' : 'tree'} (${included.length} ${included.length === 1 ? 'file' : 'files'}, e.g. ${included[0] ?? ''})`;
      // A dead glob beside it already halted the rule, saying the other globs were checked: they were not.
      s.halt = s.halt
        ? {
            reason: 'missing',
            message: s.halt.message.replace(
              /, so what it was meant to name was not checked \(the rule's other globs were\); fix the (globs?) at (.*) \(or, for a path.*$/,
              `, and ${removes}, so nothing was checked; fix the $1 and narrow exclude in lints.yaml (the $1 at $2)`,
            ),
          }
        : { reason: 'missing', message: `${removes}, so nothing was checked; narrow exclude in lints.yaml` };
    }
  }
  for (const c of checks) {
    if (c.rule.kind !== 'helper_only') continue;
    // A helper module glob naming no file is as much a mistake as a dead include: the module
    // is then never checked for the helper, and a typo in it would pass in silence.
    const dead = c.rule.modules.filter((g) => !names(g));
    if (!dead.length) continue;
    const s = state(c.rule.id);
    const what = `modules ${dead.length === 1 ? 'glob' : 'globs'} ${dead.map((g) => `'${g}'`).join(', ')} matched no file in the ${snap.info.kind === 'staged' ? 'index' : 'tree'}, so the helper module it was meant to name was not checked for ${c.rule.helper}`;
    s.halt = s.halt
      ? { reason: 'missing', message: `${s.halt.message}; and ${what}` }
      : { reason: 'missing', message: `${what}; fix the glob in lints.yaml, or add the module` };
  }
  const live = checks.filter((c) => !unchecked.has(c.rule.id));

  // Which checks apply to which file: a file no rule applies to is never read.
  const plan: PlannedFile[] = [];
  for (const f of snap.targets) {
    const scan: number[] = [];
    const inspect: number[] = [];
    live.forEach((c, i) => {
      if (c.applies(f)) scan.push(i);
      if (c.reads?.(f)) inspect.push(i);
    });
    if (scan.length || inspect.length) plan.push([f, scan, inspect]);
  }
  const screened = await prefilter(plan, live, snap, opts, maxBytes);
  const part = await scanAll(screened.rest, live, snap, maxBytes, asOf, opts.parallelFrom ?? PARALLEL_FROM);
  const checked = screened.cleanFiles + part.checked;
  for (const f of part.findings) state(f.rule).findings.push(f);
  live.forEach((c, i) => (state(c.rule.id).filesChecked += part.perCheck[i] ?? 0));
  append(skipped, part.skipped);
  live.forEach((c, i) => (state(c.rule.id).filesChecked += screened.clean[i] ?? 0));
  haltUnread(part.unread, screened.rest, live, state);

  for (const r of opts.rules) {
    const s = state(r.id);
    if (r.kind === 'require') {
      const o = checkRequire(r, snap, asOf, maxBytes);
      treeWide(s, o.findings);
      s.note = o.note;
      s.filesChecked = o.filesChecked;
      if (o.halt) s.halt = o.halt;
      append(skipped, o.skipped);
    } else if (r.kind === 'order') {
      const skip = opts.skipOrder?.get(r.id);
      if (skip !== undefined) {
        // Not run on this change, but a waiver past its day is an error whatever the change.
        treeWide(s, waiversOf(r, asOf).expired);
        s.note = skip;
        continue;
      }
      if (!opts.order) {
        s.halt = { reason: 'error', message: 'the order rule needs the RFC loaded with its measurements' };
        continue;
      }
      // Loaded only here: it brings the git client, which a plain content run does not need.
      const { checkOrder } = await import('./rules/order.js');
      const o = await checkOrder(r, {
        ...opts.order,
        asOf,
        ...(isChange(snap.info) ? { changed: snap.targets } : {}),
      });
      treeWide(s, o.findings);
      if (o.halt) s.halt = o.halt;
      if (o.note) s.note = o.note;
    } else if (!s.halt) {
      s.note = `${s.filesChecked} ${s.filesChecked === 1 ? 'file' : 'files'} checked`;
    }
  }

  const rules = opts.rules.map((r) => result(state(r.id)));
  const findings = [...states.values()].flatMap((s) => s.findings).sort(compareFindings);
  return {
    ...base,
    verdict: reportVerdict(rules),
    files: { in_scope: snap.targets.length, checked, skipped: dedupe(skipped) },
    rules,
    findings,
  };
}

/**
 * Whether a scope is a change (its targets what it changes), which an order rule judges only
 * when it touches the guarded path; the whole tree, or a whole commit as committed, is not.
 */
export function isChange(info: ScopeInfo): boolean {
  return info.kind !== 'tree' && !(info.kind === 'commit' && info.since === undefined);
}

/**
 * A file a rule applies to that could not be read leaves the rule unchecked on it: a halt
 * (`missing`), as any measurement that could not be taken, naming the first such file. What
 * the rule found elsewhere stands; a halt already set (a glob that matched nothing) is kept.
 */
function haltUnread(
  unread: SkippedFile[],
  plan: PlannedFile[],
  checks: ContentCheck[],
  state: (id: string) => RuleState,
): void {
  if (unread.length === 0) return;
  const planned = new Map(plan.map((p, i) => [p[0], { p, i }]));
  const byCheck = checks.map((): SkippedFile[] => []);
  // In plan order: the scan split between two threads hands them back half by half.
  const at = (u: SkippedFile) => planned.get(u.path)?.i ?? 0;
  for (const u of [...unread].sort((a, b) => at(a) - at(b))) {
    const p = planned.get(u.path)?.p;
    if (!p) continue;
    for (const i of new Set([...p[1], ...p[2]])) byCheck[i]?.push(u);
  }
  checks.forEach((c, i) => {
    const files = byCheck[i] ?? [];
    const first = files[0];
    const s = state(c.rule.id);
    if (!first || s.halt) return;
    const n = files.length;
    s.halt = {
      reason: 'missing',
      message: `${n === 1 ? 'a file' : `${n} files`} it applies to could not be read, so it was not checked there: ${first.path}: ${first.reason}${n > 1 ? ` (and ${n - 1} more, listed as skipped)` : ''}`,
    };
  });
}

/**
 * With rg: once rg is done, splits the plan into the files still to read and the files rg showed clean:
 * searched to the end, no rule pattern and no NUL byte in them, within the size limit. A
 * clean file counts as checked by each of its rules, exactly as reading it would have; it
 * cannot hold a finding, because each rule's rg pattern matches wherever the rule's own
 * regex does. Without rg, everything is still to read.
 */
async function prefilter(
  plan: PlannedFile[],
  checks: ContentCheck[],
  snap: Snapshot,
  opts: LintRunOptions,
  maxBytes: number,
): Promise<{ rest: PlannedFile[]; clean: number[]; cleanFiles: number }> {
  const none = { rest: plan, clean: [], cleanFiles: 0 };
  const rg = opts.rg;
  if (!rg || snap.workingTree === undefined || plan.length === 0) {
    rg?.search?.stop();
    return none;
  }
  // Loaded only here: the regex parser it brings is not needed by --staged or --no-rg.
  const { RG_FROM, rgSearch, ruleKey } = await import('./prefilter.js');
  const whole = snap.info.kind === 'tree';
  if (!rg.search && !whole && plan.length < (rg.from ?? RG_FROM)) return none;
  const tree = snap.workingTree;
  // Named files go to rg only once lstat shows them regular and within the limit: rg would
  // wait forever on a FIFO, follow a symlink (walking a linked folder: /usr, /proc), and
  // search a file of any size. The rest are read, which names each for what it is. Every
  // file rg can clear was looked at here, so it needs no second look afterwards. (The whole
  // tree is rg's own walk, which reads only regular files and honours --max-filesize.)
  const vetted = !rg.search && !whole;
  const search =
    rg.search ??
    rgSearch(
      rg.bin,
      tree.root,
      opts.rules,
      maxBytes,
      whole ? undefined : plan.flatMap(([f]) => (withinLimit(tree, f, maxBytes) ? [f] : [])),
    );
  await search.done();
  const screens = checks.map((c) => search.screened.has(ruleKey(c.rule)));
  const rest: PlannedFile[] = [];
  const clean = checks.map(() => 0);
  let cleanFiles = 0;
  for (const p of plan) {
    const [file, scan, inspect] = p;
    if (
      !search.ok ||
      inspect.length ||
      !search.clean.has(file) ||
      !scan.every((i) => screens[i]) ||
      // A search started by the caller over named files may have been given anything: rg
      // searches a file named on its command line whatever its size, and follows it if it
      // is a symlink, which lint never reads through.
      (!whole && !vetted && !withinLimit(tree, file, maxBytes))
    ) {
      rest.push(p);
      continue;
    }
    cleanFiles++;
    for (const i of scan) clean[i] = (clean[i] ?? 0) + 1;
  }
  return { rest, clean, cleanFiles };
}

function withinLimit(tree: WorkingTree, file: string, maxBytes: number): boolean {
  const st = tree.lstat(file);
  return st !== undefined && st.isFile() && st.size <= maxBytes;
}

/** The universe's files the globs name that lint can read: a glob naming only symlinks checks nothing. */
function readable(snap: Snapshot, globs: string | string[]): (f: string) => boolean {
  const test = matcher(typeof globs === 'string' ? [globs] : globs);
  const isFile = snap.isFile;
  return (f) => test(f) && (isFile === undefined || isFile(f));
}

function filesMatching(snap: Snapshot, globs: string[]): string[] {
  return snap.universe.filter(readable(snap, globs));
}

/** Whether any file the globs name (and `also` accepts) is one lint can read; stops at the first. */
function anyMatch(snap: Snapshot, globs: string | string[], also: (f: string) => boolean = () => true): boolean {
  const isFile = snap.isFile;
  return someSorted(
    snap.universe,
    typeof globs === 'string' ? [globs] : globs,
    isFile === undefined ? also : (f) => also(f) && isFile(f),
  );
}

function dedupe(xs: SkippedFile[]): SkippedFile[] {
  const seen = new Map<string, SkippedFile>();
  for (const x of xs) if (!seen.has(x.path)) seen.set(x.path, x);
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function result(s: RuleState): LintRuleResult {
  const r = s.rule;
  const verdict = ruleVerdict(s.findings, s.halt !== undefined);
  const errors = s.findings.filter((f) => f.severity === 'error').length;
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    ...(r.section ? { section: r.section } : {}),
    severity: r.severity,
    verdict,
    ...(s.halt ? { halt_reason: s.halt.reason } : {}),
    ...(s.halt
      ? { reason: s.halt.message }
      : s.findings.length
        ? {
            reason: `${s.findings.length} ${s.findings.length === 1 ? 'finding' : 'findings'}${errors && errors < s.findings.length ? ` (${errors} errors)` : ''}`,
          }
        : {}),
    ...(s.note ? { note: s.note } : {}),
    findings: s.findings.length,
    ...(s.reportedBefore ? { reported_before: s.reportedBefore } : {}),
    files_checked: s.filesChecked,
    location: r.location,
  };
}

/**
 * Scans the plan; a large working-tree plan is split between this thread and one worker
 * (only from the build: a worker needs the compiled scan-worker.js). Findings are sorted
 * afterwards, so the split never shows in the report.
 */
async function scanAll(
  plan: PlannedFile[],
  checks: ContentCheck[],
  snap: Snapshot,
  maxBytes: number,
  asOf: Date,
  parallelFrom: number,
): Promise<ScanResult> {
  const read = (ps: string[]) => snap.read(ps, maxBytes);
  if (plan.length < parallelFrom || snap.workingTree === undefined || !existsSync(fileURLToPath(WORKER))) {
    return scanFiles(plan, checks, read);
  }
  // Interleaved, so both halves get a similar mix of folders and sizes.
  const mine = plan.filter((_, i) => i % 2 === 0);
  const theirs = plan.filter((_, i) => i % 2 === 1);
  // Loaded only here: a hook's run of a few files never starts a thread.
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(WORKER, {
    workerData: {
      root: snap.workingTree.root,
      // Only the sparse paths it may read: a sparse monorepo can have hundreds of thousands.
      sparse: theirs.flatMap(([f]) => (snap.workingTree?.sparse.has(f) ? [f] : [])),
      maxBytes,
      plan: theirs,
      rules: checks.map((c) => c.rule),
      asOf: asOf.toISOString(),
    },
  });
  const other = new Promise<ScanResult>((resolve, reject) => {
    worker.once('message', (m: ScanResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the scan worker exited with code ${code}`));
    });
  });
  const a = scanFiles(mine, checks, read);
  const b = await other;
  return {
    findings: [...a.findings, ...b.findings],
    skipped: [...a.skipped, ...b.skipped],
    unread: [...a.unread, ...b.unread],
    checked: a.checked + b.checked,
    perCheck: a.perCheck.map((n, i) => n + (b.perCheck[i] ?? 0)),
  };
}

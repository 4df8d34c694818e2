/**
 * One lint run: every rule over one snapshot. Each file in scope is read once and every
 * content rule that applies to it runs on that one read; a file no rule applies to is not
 * read at all. A combined regex of the rules that apply to a file screens it first, so the
 * common case (nothing found) costs one scan. Binary and huge files are skipped with a note.
 * It prints nothing; formatters turn the report into text.
 */
import { isAscii } from 'node:buffer';
import type { HaltReason } from '../model/result.js';
import type { GitHistory } from '../sources/git/repo.js';
import { matcher } from './globs.js';
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
import { findingsFor, LineIndex, matchesOf } from './rules/content.js';
import { forbidCheck } from './rules/forbid.js';
import { helperOnlyCheck } from './rules/helper-only.js';
import { checkRequire } from './rules/require.js';
import type { SkippedFile, Snapshot } from './scopes.js';
import type { LintRule } from './spec.js';

export const DEFAULT_MAX_FILE_BYTES = 4 << 20;
/** Like git's own heuristic: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_PROBE = 8000;

export interface LintRunOptions {
  rfc: string;
  rules: LintRule[];
  snapshot: Snapshot;
  asOf: Date;
  maxFileBytes?: number;
  /** Order rules known not to run in this change scope, with why (the RFC was not loaded for them). */
  skipOrder?: Map<string, string>;
  /** Needed only when there are order rules that run in this scope. */
  order?: {
    repo: GitHistory;
    root: string;
    ref: string;
    manifest: RfcManifest;
    measurements: Map<string, MeasurementSpec>;
    timeoutMs: number;
  };
}

interface RuleState {
  rule: LintRule;
  findings: LintFinding[];
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
  const base = {
    rfc: opts.rfc,
    as_of: asOf.toISOString(),
    scope: snap.info,
  };

  if (snap.halt) {
    const halt = snap.halt;
    const rules = opts.rules.map((r) => result({ rule: r, findings: [], filesChecked: 0, halt }));
    return { ...base, verdict: 'halt', files: { in_scope: 0, checked: 0, skipped }, rules, findings: [] };
  }

  const checks: ContentCheck[] = [];
  for (const r of opts.rules) {
    if (r.kind === 'forbid') checks.push(forbidCheck(r, asOf));
    else if (r.kind === 'helper_only') checks.push(helperOnlyCheck(r, asOf));
  }
  for (const c of checks) {
    const s = state(c.rule.id);
    s.findings.push(...c.waivers.expired);
    // A glob that matches nothing in the whole tree is a mistake, not a clean result.
    const dead = c.include.filter((g) => !anyMatch(snap.universe, g));
    if (dead.length) {
      s.halt = {
        reason: 'missing',
        message: `include ${dead.length === 1 ? 'glob' : 'globs'} ${dead.map((g) => `'${g}'`).join(', ')} matched no file in the ${snap.info.kind === 'staged' ? 'index' : 'tree'}, so nothing was checked; fix the glob in lints.yaml`,
      };
    }
  }
  const live = checks.filter((c) => !state(c.rule.id).halt);

  // Which checks apply to which file, and which files must be read.
  const plan = new Map<string, { scan: ContentCheck[]; inspect: ContentCheck[] }>();
  for (const f of snap.targets) {
    const scan = live.filter((c) => c.applies(f));
    const inspect = live.filter((c) => c.reads?.(f));
    if (scan.length || inspect.length) plan.set(f, { scan, inspect });
  }
  const contents = snap.read([...plan.keys()], maxBytes);
  const screens = new Map<string, RegExp>();
  let checked = 0;
  for (const [file, p] of plan) {
    const r = contents.get(file);
    if (!r || !r.ok) {
      if (r && !('gone' in r)) skipped.push({ path: file, reason: r.reason });
      continue;
    }
    const data = r.data;
    if (data.subarray(0, BINARY_PROBE).includes(0)) {
      skipped.push({ path: file, reason: 'binary' });
      continue;
    }
    checked++;
    for (const c of p.scan) state(c.rule.id).filesChecked++;
    // Byte-for-byte (latin1) is the cheapest decoding and exact for ASCII; anything else is
    // UTF-8, so columns count the same characters an editor shows.
    const ascii = isAscii(data);
    const text = data.toString(ascii ? 'latin1' : 'utf8');
    const lines = new LineIndex(text);
    if (p.scan.length) {
      const key = p.scan.map((c) => c.rule.id).join('\0');
      let screen = screens.get(key);
      if (!screen) {
        screen = combined(p.scan);
        screens.set(key, screen);
      }
      screen.lastIndex = 0;
      if (screen.test(text)) {
        for (const c of p.scan) {
          const ms = matchesOf(c.re, text, c.skip);
          if (ms.length) state(c.rule.id).findings.push(...findingsFor(c.rule, file, ms, lines, c.message));
        }
      }
    }
    for (const c of p.inspect) {
      if (!c.inspect) continue;
      state(c.rule.id).findings.push(...c.inspect(file, text, lines));
    }
  }

  for (const r of opts.rules) {
    const s = state(r.id);
    if (r.kind === 'require') {
      const o = checkRequire(r, snap, asOf, maxBytes);
      s.findings.push(...o.findings);
      s.note = o.note;
      s.filesChecked = o.filesChecked;
      skipped.push(...o.skipped);
    } else if (r.kind === 'order') {
      const skip = opts.skipOrder?.get(r.id);
      if (skip !== undefined) {
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
        ...(snap.info.kind === 'tree' ? {} : { changed: snap.targets }),
      });
      s.findings.push(...o.findings);
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

/** Every screen alternative is wrapped, so one rule's alternation cannot swallow another's. */
function combined(checks: ContentCheck[]): RegExp {
  // When one rule ignores case the whole screen does: it may then match more, never less.
  const flags = checks.some((c) => c.re.flags.includes('i')) ? 'mi' : 'm';
  return new RegExp(checks.map((c) => `(?:${c.re.source})`).join('|'), flags);
}

function anyMatch(universe: string[], glob: string): boolean {
  const test = matcher([glob]);
  return universe.some((f) => test(f));
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
    files_checked: s.filesChecked,
    location: r.location,
  };
}

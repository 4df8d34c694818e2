/**
 * The council's ledger: one JSON record per round (`<date>-v<version>.json`) and a Markdown
 * summary beside it, in the RFC's council folder. Each record holds the RFC's content hash,
 * every lane's findings keyed so the next round can say what is new, what persisted and
 * what was resolved, and the contract's judgement. Files are written whole or not at all.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../spec/problems.js';
import { replaceWhole } from '../util/new-file.js';
import { type ContractResult, evaluateContract, type OpenFinding } from './contract.js';
import type { Finding } from './findings.js';
import { sectionJudge } from './sections.js';
import type { LaneResult, RunOutcome, Usage, WarmResult } from './run.js';
import type { CouncilSpec } from './spec.js';

export interface RecordedFinding extends Finding {
  /** Stable across rounds: lane, section and claim, normalised. */
  key: string;
  status: 'new' | 'persisted';
  /**
   * False when `section` names no heading of the document the round reviewed (a section the
   * model invented or mistyped); absent when it names one, and in records written before
   * rounds judged it. The finding stands all the same: a BLOCK still blocks.
   */
  section_found?: false;
  /** With section_found: what in `section` names no heading, as written (`§0(G)` of `§0(B), §0(G)`). */
  missing_sections?: string[];
}

export interface RecordedLane extends Omit<LaneResult, 'findings'> {
  findings: RecordedFinding[];
}

export interface CouncilDiff {
  /** The previous round's record, or null for the first round. */
  previous: string | null;
  new: string[];
  persisted: string[];
  resolved: OpenFinding[];
  /** Open before, not reviewed now (their lane failed): still open. */
  carried: OpenFinding[];
  /**
   * Open before, of a lane no longer in council.yaml: nobody reviewed them, so still open.
   * Absent from records written before lanes could leave with open findings.
   */
  orphaned?: OpenFinding[];
}

export interface CouncilRound {
  rfc: string;
  version: string;
  round: number;
  run_at: string;
  /** Repository-relative paths of the record and its summary. */
  files: { json: string; markdown: string };
  document: { path: string; sha256: string };
  facts: { id: string; status: string; summary: string }[];
  warm: WarmResult[];
  lanes: RecordedLane[];
  /** Every finding open after this round. */
  open: OpenFinding[];
  diff: CouncilDiff;
  contract: ContractResult;
  totals: { tokens: number; tokens_method: 'counted' | 'estimate' | 'mixed'; usage: Usage };
}

const ROUND_FILE = /^\d{4}-\d{2}-\d{2}-v.+\.json$/;

export function findingKey(f: Pick<Finding, 'lane' | 'section' | 'claim'>): string {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}§()]+/gu, ' ')
      .trim();
  return createHash('sha256')
    .update(`${f.lane}\0${norm(f.section)}\0${norm(f.claim)}`)
    .digest('hex')
    .slice(0, 12);
}

/** A stored round with where its record was read (relative to the governed root) and its text. */
export interface StoredRound {
  path: string;
  text: string;
  round: CouncilRound;
}

/** Whether a file of the council folder is a round's record, by its name. */
export function isRoundFile(name: string): boolean {
  return ROUND_FILE.test(name);
}

/** A record's text as a round, or what keeps it from being one (`json`: not JSON at all). */
export function parseRound(text: string): { round: CouncilRound } | { problem: string; json: boolean } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { problem: (e as Error).message, json: true };
  }
  const wrong = roundShapeProblem(data);
  return wrong ? { problem: wrong, json: false } : { round: data as CouncilRound };
}

/** Oldest first: by round number, then by when the round ran. */
export function orderRounds<T extends { round: CouncilRound }>(rounds: T[]): T[] {
  return [...rounds].sort((a, b) => a.round.round - b.round.round || a.round.run_at.localeCompare(b.round.run_at));
}

/** The last of `ordered` that had run by `asOf`. */
export function latestAsOf<T extends { round: CouncilRound }>(ordered: T[], asOf?: Date): T | undefined {
  const rounds = ordered.filter((r) => !asOf || Date.parse(r.round.run_at) <= asOf.getTime());
  return rounds[rounds.length - 1];
}

/**
 * Every stored round of the folder in the working tree, oldest first, but those named in
 * `except`, and with `rfc`, those of another RFC. A file that is no readable round is an error
 * to report (restore it), or with `lenient`, for a caller that only names the rounds in a
 * hint, passed over.
 */
export function readStoredRounds(
  root: string,
  ledgerDir: string,
  o: { lenient?: boolean; except?: ReadonlySet<string>; rfc?: string } = {},
): StoredRound[] {
  const dir = join(root, ledgerDir);
  if (!existsSync(dir)) return [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => isRoundFile(n) && !o.except?.has(n));
  } catch (e) {
    if (o.lenient) return [];
    throw e;
  }
  const rounds: StoredRound[] = [];
  for (const n of names) {
    const path = join(ledgerDir, n);
    let text: string;
    try {
      text = readFileSync(join(root, path), 'utf8');
    } catch (e) {
      if (o.lenient) continue;
      throw new UsageError(
        `council ledger ${path} is not a readable round (${(e as Error).message}); restore it from git`,
      );
    }
    const parsed = parseRound(text);
    if ('problem' in parsed) {
      if (o.lenient) continue;
      // A file named like a round but not one would otherwise be ordered at random among the
      // rounds, taken as the latest, and crash the report or hide the real latest round.
      throw new UsageError(
        parsed.json
          ? `council ledger ${path} is not a readable round (${parsed.problem}); restore it from git`
          : `council ledger ${path} is not a readable round (${parsed.problem}); restore it from git, or move it out of ${ledgerDir}`,
      );
    }
    // Two RFCs whose council.yaml name the same ledger_dir share the folder: the other's
    // rounds are neither this one's latest nor its previous.
    if (o.rfc !== undefined && !ofRfc(parsed.round, o.rfc)) continue;
    rounds.push({ path, text, round: parsed.round });
  }
  return orderRounds(rounds);
}

/** Whether a round was run for the RFC `rfc`: each round records the id it reviewed. */
export function ofRfc(round: CouncilRound, rfc: string): boolean {
  return round.rfc === rfc;
}

/** Every stored round of the folder, oldest first. */
export function readRounds(root: string, ledgerDir: string): CouncilRound[] {
  return readStoredRounds(root, ledgerDir).map((s) => s.round);
}

/** What a stored round must hold for the ledger to order and judge it, or null. */
function roundShapeProblem(data: unknown): string | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'not a JSON object';
  const r = data as Record<string, unknown>;
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  if (!Number.isInteger(r.round) || (r.round as number) < 1) return "no round number in 'round'";
  if (typeof r.run_at !== 'string' || Number.isNaN(Date.parse(r.run_at))) return "no instant in 'run_at'";
  if (typeof r.version !== 'string') return "no 'version'";
  if (typeof obj(r.document)?.sha256 !== 'string' || typeof obj(r.document)?.path !== 'string') {
    return "no 'document' path and sha256";
  }
  if (typeof obj(r.files)?.json !== 'string') return "no 'files.json'";
  if (!Array.isArray(r.open) || !Array.isArray(r.lanes)) return "no 'open' or 'lanes' list";
  // A record mended by hand (a merge resolved in an editor) is read by every report after: a
  // lane or finding missing what they read would stop them with a bare TypeError.
  const text = (o: Record<string, unknown> | undefined, keys: string[]) =>
    o !== undefined && keys.every((k) => typeof o[k] === 'string');
  const FINDING = ['severity', 'section', 'claim'];
  for (const [i, raw] of (r.lanes as unknown[]).entries()) {
    const lane = obj(raw);
    if (!text(lane, ['id', 'model', 'status']) || !obj(lane?.tokens) || !Array.isArray(lane?.findings)) {
      return `lanes[${i}] is not a lane with its id, model, status, tokens and findings`;
    }
    const bad = (lane?.findings as unknown[]).findIndex((f) => !text(obj(f), FINDING));
    if (bad >= 0) return `lanes[${i}].findings[${bad}] has no severity, section and claim`;
  }
  const openBad = (r.open as unknown[]).findIndex((f) => !text(obj(f), ['key', 'lane', ...FINDING]));
  if (openBad >= 0) return `open[${openBad}] has no key, lane, severity, section and claim`;
  const d = obj(r.diff);
  if (!d || !['new', 'persisted', 'resolved', 'carried'].every((k) => Array.isArray(d[k]))) {
    return "no 'diff' with its new, persisted, resolved and carried lists";
  }
  const c = obj(r.contract);
  if (
    !c ||
    !['pass', 'fail', 'halt'].includes(c.verdict as string) ||
    !Number.isInteger(c.open_blocks) ||
    !Number.isInteger(c.consecutive_block_rounds) ||
    !Array.isArray(c.failed_lanes) ||
    !Array.isArray(c.blocks)
  ) {
    return "no judged 'contract'";
  }
  // Every version writes the warm-up's results (empty when none ran); council status lists them.
  if (!Array.isArray(r.warm)) return "no 'warm' list";
  return null;
}

/** The latest round of the RFC `rfc` in the folder, as of `asOf` when given. */
export function latestRound(root: string, ledgerDir: string, rfc: string, asOf?: Date): CouncilRound | undefined {
  return latestAsOf(readStoredRounds(root, ledgerDir, { rfc }), asOf)?.round;
}

/** Builds the round's record from a run and the previous round: diff and contract included. */
export function buildRound(
  council: CouncilSpec,
  meta: { rfc: string; version: string; runAt: Date; root: string },
  outcome: RunOutcome,
  previous: CouncilRound | undefined,
): CouncilRound {
  const prevOpen = new Map((previous?.open ?? []).map((f) => [f.key, f]));
  const failed = outcome.lanes.filter((l) => l.status === 'failed').map((l) => l.id);
  const blocking = new Map(council.lanes.map((l) => [l.id, new Set(l.blocking)]));
  const blocks = (f: Finding) => blocking.get(f.lane)?.has(f.severity) ?? false;
  const unnamed = sectionJudge(outcome.document.text);
  const lanes: RecordedLane[] = outcome.lanes.map((l) => {
    const byKey = new Map<string, RecordedFinding>();
    for (const f of l.findings) {
      const key = findingKey(f);
      const kept = byKey.get(key);
      // The same finding twice in one answer is one finding; when the copies disagree on the
      // severity, the blocking one stands: keeping the first could drop a BLOCK unseen.
      if (kept && (blocks(kept) || !blocks(f))) continue;
      const missing = unnamed(f.section);
      byKey.set(key, {
        ...f,
        key,
        status: prevOpen.has(key) ? 'persisted' : 'new',
        ...(missing.length ? { section_found: false as const, missing_sections: missing } : {}),
      });
    }
    return { ...l, findings: [...byKey.values()] };
  });
  const open: OpenFinding[] = lanes.flatMap((l) =>
    l.findings.map((f) => ({
      key: f.key,
      lane: f.lane,
      severity: f.severity,
      section: f.section,
      claim: f.claim,
      carried: false,
    })),
  );
  const current = new Set(open.map((f) => f.key));
  const carried = [...prevOpen.values()].filter((f) => failed.includes(f.lane)).map((f) => ({ ...f, carried: true }));
  // A lane taken out of council.yaml reviewed nothing this round: dropping the lane must not
  // read as its findings being resolved, or removing a lane would silently clear its BLOCKs.
  const laneIds = new Set(council.lanes.map((l) => l.id));
  const orphaned = [...prevOpen.values()].filter((f) => !laneIds.has(f.lane)).map((f) => ({ ...f, carried: true }));
  const resolved = [...prevOpen.values()]
    .filter((f) => laneIds.has(f.lane) && !failed.includes(f.lane) && !current.has(f.key))
    .map((f) => ({ ...f, carried: false }));
  open.push(...carried, ...orphaned);

  // rfc.yaml's version is free text: a '/' or '..' in it must not place the record outside the
  // council folder. The record keeps the version as written.
  const safeVersion = meta.version.replace(/^v/, '').replace(/[^A-Za-z0-9._+-]|\.{2,}/g, '-');
  const base = `${meta.runAt.toISOString().slice(0, 10)}-v${safeVersion}`;
  const name = uniqueName(join(meta.root, council.ledger_dir), base);
  const contract = evaluateContract(
    council,
    open,
    failed,
    { version: meta.version, sha256: outcome.document.sha256 },
    previous
      ? {
          version: previous.version,
          sha256: previous.document.sha256,
          open_blocks: previous.contract.open_blocks,
          consecutive_block_rounds: previous.contract.consecutive_block_rounds,
          block_keys: previous.contract.blocks.map((f) => f.key),
        }
      : undefined,
  );
  const methods = new Set(outcome.lanes.map((l) => l.tokens.method));
  const sum = (k: keyof Usage) =>
    [...outcome.lanes.map((l) => l.usage), ...outcome.warm.map((w) => w.usage)].reduce((n, u) => n + (u?.[k] ?? 0), 0);
  return {
    rfc: meta.rfc,
    version: meta.version,
    round: (previous?.round ?? 0) + 1,
    run_at: meta.runAt.toISOString(),
    files: { json: join(council.ledger_dir, `${name}.json`), markdown: join(council.ledger_dir, `${name}.md`) },
    document: { path: outcome.document.path, sha256: outcome.document.sha256 },
    facts: outcome.facts.map((f) => ({ id: f.id, status: f.status, summary: f.summary })),
    warm: outcome.warm,
    lanes,
    open,
    diff: {
      previous: previous?.files.json ?? null,
      new: lanes.flatMap((l) => l.findings.filter((f) => f.status === 'new').map((f) => f.key)),
      persisted: lanes.flatMap((l) => l.findings.filter((f) => f.status === 'persisted').map((f) => f.key)),
      resolved,
      carried,
      orphaned,
    },
    contract,
    totals: {
      tokens: outcome.lanes.reduce((n, l) => n + l.tokens.input, 0),
      tokens_method: methods.size === 1 ? ([...methods][0] ?? 'estimate') : 'mixed',
      usage: {
        input_tokens: sum('input_tokens'),
        output_tokens: sum('output_tokens'),
        cache_creation_input_tokens: sum('cache_creation_input_tokens'),
        cache_read_input_tokens: sum('cache_read_input_tokens'),
      },
    },
  };
}

function uniqueName(dir: string, base: string): string {
  if (!existsSync(join(dir, `${base}.json`))) return base;
  for (let n = 2; ; n++) if (!existsSync(join(dir, `${base}-${n}.json`))) return `${base}-${n}`;
}

const LOCK_FILE = '.round.lock';
const LOCK_WAIT_MS = 30_000;
const NAMELESS_LOCK_GRACE_MS = 2_000;

/**
 * Holds the ledger folder for one writer while `work` reads the latest round, numbers the
 * next one and stores it. Two runs that both numbered their round from the same previous one
 * would store two rounds with the same number, and with the same file name one would
 * overwrite the other. The lock file is created exclusively ('wx'); a lock left by a process
 * that no longer exists on this host, or one that names no process at all, is taken over.
 */
export async function withLedgerLock<T>(root: string, ledgerDir: string, work: () => T): Promise<T> {
  const dir = join(root, ledgerDir);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, LOCK_FILE);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = lockHolder(lock);
    if (holder !== undefined && !alive(holder)) {
      // Only if it is still the dead run's: another waiter may have taken it over meanwhile.
      if (lockHolder(lock) === holder) rmSync(lock, { force: true });
      continue;
    }
    if (holder === undefined && namesNoOne(lock)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new UsageError(
        `${join(ledgerDir, LOCK_FILE)} is held by another council run${holder ? ` (pid ${holder})` : ''}: wait for it to finish, or remove the file if no council run is under way`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  try {
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function lockHolder(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    // Released between our attempt and this read, or not yet written: try again.
    return undefined;
  }
}

/**
 * A lock file that names no process (empty, truncated, not a pid) well after it was created:
 * a run writes its pid as it creates the file, so this one was left by a run killed in between
 * or damaged since, and no run can be waited for. Taken over, as a dead run's lock is. A file
 * just created may not hold its pid yet, so a young one is left alone.
 */
function namesNoOne(lock: string): boolean {
  try {
    const st = statSync(lock);
    return Date.now() - st.mtimeMs > NAMELESS_LOCK_GRACE_MS && lockHolder(lock) === undefined;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Summary first, record last: a round exists once its JSON record does. */
export function writeRound(root: string, round: CouncilRound, markdown: string): void {
  mkdirSync(join(root, round.files.json, '..'), { recursive: true });
  atomicWrite(join(root, round.files.markdown), markdown);
  atomicWrite(join(root, round.files.json), `${JSON.stringify(round, null, 2)}\n`);
}

function atomicWrite(path: string, text: string): void {
  replaceWhole(path, text);
}

/** The sha256 the rounds record for a document (of its text as read), or null when it is gone. */
export function documentSha(root: string, path: string): string | null {
  const file = join(root, path);
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  return textSha(readFileSync(file, 'utf8'));
}

/** The sha256 a round records for a document's text. */
export function textSha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What a stored round vouches for now, as the council gate judges it: an open BLOCK fails;
 * with none, a failed lane halts (`error`), and so does a round that reviewed other text than
 * the document now holds (`stale`). `council status` and the gate share it, so they never
 * disagree on the same round.
 */
export type RoundStanding =
  | { verdict: 'pass' | 'fail' }
  | { verdict: 'halt'; halt: 'error'; reason: string }
  | { verdict: 'halt'; halt: 'stale'; reason: string; current_sha256: string | null };

export function roundStanding(
  round: CouncilRound,
  currentSha: string | null,
  /** The document rfc.yaml names now, whose text `currentSha` is: a redraft may be a new file. */
  currentPath: string = round.document.path,
): RoundStanding {
  const c = round.contract;
  if (c.open_blocks > 0) return { verdict: 'fail' };
  if (c.failed_lanes.length) {
    return {
      verdict: 'halt',
      halt: 'error',
      reason: `council round ${round.round} (${round.files.json}) is incomplete: lane${c.failed_lanes.length === 1 ? '' : 's'} ${c.failed_lanes.join(', ')} failed; run the round again`,
    };
  }
  if (currentSha !== round.document.sha256) {
    const now =
      currentPath === round.document.path
        ? `it is now ${currentSha ? currentSha.slice(0, 12) : 'missing'}`
        : `the RFC document is now ${currentPath}${currentSha ? ` at sha256 ${currentSha.slice(0, 12)}` : ', which is missing'}`;
    return {
      verdict: 'halt',
      halt: 'stale',
      reason: `council round ${round.round} reviewed ${round.document.path} at sha256 ${round.document.sha256.slice(0, 12)}, but ${now}: run the council on the current text`,
      current_sha256: currentSha,
    };
  }
  return { verdict: 'pass' };
}

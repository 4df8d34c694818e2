/**
 * Builds the demo sandbox: a governed repository with history, hand-offs and attestations,
 * an embedded PGlite database with weeks of measurements, and agent telemetry. It is built
 * in a staging folder and renamed into place only when complete, so an interrupted build
 * never leaves a sandbox that looks finished.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FolderRefused, makeDirs } from '../util/make-dirs.js';
import { makeNamed } from '../util/new-file.js';
import { UsageError } from '../spec/problems.js';
import { shellWord } from '../util/shell.js';
import { migrate, migrationPlan } from '../ledger/index.js';
import { newPglite } from '../sources/sql/pglite-load.js';
import { PgliteWriter } from '../sources/sql/writer.js';
import { AS_OF } from './artifacts.js';
import { demoRowsSql, GOVERNED_TABLES, telemetryJsonl } from './data.js';
import { planHistory, writeHistory } from './history.js';
import { Rng } from './rng.js';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EMBEDDED_DIR = '.rfcgate/pgdata';
export const TELEMETRY_FILE = 'telemetry/agent-usage.jsonl';
export const COMPLETE_MARKER = '.rfcgate/demo-complete';

/**
 * The program as the commands the demo prints run it: relative to the folder it was started in
 * when below it (`bin/run.js` in a clone), otherwise its absolute path. A path that climbs out
 * (`../../usr/lib/node_modules/…`) works from that folder alone, and every other part of the
 * printed commands (`--root`) works from anywhere.
 */
export function rerunBin(cwd = process.cwd()): string {
  const bin = join(PACKAGE_ROOT, 'bin', 'run.js');
  const rel = relative(cwd, bin);
  return shellWord(rel === '' || isAbsolute(rel) || rel.split(sep)[0] === '..' ? bin : rel);
}

/**
 * What git reads to find a repository other than the one a folder holds (`git rev-parse
 * --local-env-vars`). Set by a hook, a `git rebase -x` or a shell that exported GIT_DIR, they
 * would point every git run of the demo at the caller's repository: its check of --dir, the
 * sandbox's history (written there, moving its HEAD), and the gates read from it.
 */
export const GIT_LOCATION_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_SHALLOW_FILE',
  'GIT_GRAFT_FILE',
  'GIT_REPLACE_REF_BASE',
  'GIT_NO_REPLACE_OBJECTS',
] as const;

/** The sandbox is a repository of its own: every git run of the demo process is kept to it. */
export function forgetCallerRepository(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of GIT_LOCATION_ENV) delete env[name];
}

export interface SandboxOptions {
  /** Where to build; must not exist or be empty. Default: a fresh folder under the system temp dir. */
  dir?: string;
  seed: number;
  /** Allow a --dir inside an existing git work tree (the user's repository). */
  insideRepo?: boolean;
}

export interface Sandbox {
  dir: string;
  asOf: Date;
  commits: number;
  measurementRows: number;
  telemetryFile: string;
}

export async function buildSandbox(opts: SandboxOptions): Promise<Sandbox> {
  forgetCallerRepository();
  if (opts.dir !== undefined) checkTarget(resolve(opts.dir), opts);
  // The temp folder made to hold the sandbox, or the first folder made on the way to the
  // staging one (`--dir a/b/c` with no a, which then holds only the staging), goes too if the
  // build does not finish.
  let made: string | undefined;
  let staging: string | undefined;
  // What was moved into an existing (empty) --dir before a failure: the folder is left as empty as it was.
  const moved: string[] = [];
  const cleanup = () => {
    const top = made ?? staging;
    if (top !== undefined) rmSync(top, { recursive: true, force: true });
    for (const entry of moved) rmSync(entry, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  // Listened for before any folder exists: a signal with no listener ends the process at once,
  // and one coming between a folder's making and the listener would leave the folder behind.
  // SIGHUP: the terminal the demo runs in was closed.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    if (opts.dir === undefined) made = makeTempFolder();
    const target = resolve(opts.dir ?? join(made as string, 'wave3-sandbox'));
    // Its parents first; the staging folder itself is made anew, under a name nothing holds: a
    // folder already bearing it is someone's, and is neither built into nor removed.
    made ??= makeFolders(dirname(target), target);
    staging = makeStaging(target);
    const rng = new Rng(opts.seed);
    const numbers = { odeSharePct: 55 + rng.int(10, 40) / 10, extraSurfaces: 1, largestSlipPct: rng.int(12, 22) };
    const commits = planHistory(rng, PACKAGE_ROOT, numbers);
    writeHistory(staging, commits);
    await signalsHeard();

    mkdirSync(join(staging, dirname(TELEMETRY_FILE)), { recursive: true });
    writeFileSync(join(staging, TELEMETRY_FILE), telemetryJsonl(rng));
    await signalsHeard();

    mkdirSync(join(staging, dirname(EMBEDDED_DIR)), { recursive: true });
    const db = await newPglite(join(staging, EMBEDDED_DIR));
    let measurementRows: number;
    try {
      // The same migration `rfcgate db migrate` runs, so the sandbox is what a team starting fresh would have.
      // Partitions reach two months past today too, so `measure record` works in the sandbox as it would at a team's.
      const to = new Date(Math.max(Date.parse('2026-06-30T00:00:00Z'), Date.now() + 60 * 86_400_000));
      const range = { from: new Date('2026-03-01T00:00:00Z'), to };
      await migrate(new PgliteWriter({ db }), migrationPlan(range), { now: AS_OF });
      await signalsHeard();
      await db.exec(GOVERNED_TABLES);
      await db.exec(demoRowsSql(rng));
      await signalsHeard();
      const counted = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.coordination_measurements');
      measurementRows = counted.rows[0]?.n ?? 0;
    } finally {
      await db.close();
    }
    writeFileSync(join(staging, COMPLETE_MARKER), `seed ${opts.seed}\n`);
    if (existsSync(target)) {
      // An empty --dir that exists may be a shell's working folder (`--dir .`, this process's own):
      // renamed over, it would leave them in a deleted folder, so its contents move in instead.
      // The folder holding the completion marker moves last: the sandbox is whole once it is there.
      const marker = COMPLETE_MARKER.split('/')[0] as string;
      const entries = readdirSync(staging).sort((a, b) => Number(a === marker) - Number(b === marker));
      for (const name of entries) {
        renameSync(join(staging, name), join(target, name));
        moved.push(join(target, name));
      }
      rmSync(staging, { recursive: true, force: true });
    } else {
      renameSync(staging, target);
    }
    return {
      dir: target,
      asOf: AS_OF,
      commits: commits.length,
      measurementRows,
      telemetryFile: join(target, TELEMETRY_FILE),
    };
  } catch (e) {
    cleanup();
    throw e;
  } finally {
    // A signal that came during the last step is handled before its handler goes away.
    await signalsHeard();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGHUP', onSignal);
  }
}

/**
 * Lets the event loop deliver a pending signal. The steps here run long without reaching
 * the loop's I/O phase (git, WebAssembly), where Node runs signal handlers; without a turn
 * of the loop, Ctrl-C during the build was only seen after the handlers were removed, and
 * was lost.
 */
function signalsHeard(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function checkTarget(target: string, opts: SandboxOptions): void {
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new UsageError(
      `--dir ${target} is a file, not a folder; choose a new folder or leave --dir out for a temp one`,
    );
  }
  const ancestor = existingAncestor(dirname(target));
  if (!existsSync(target) && !statSync(ancestor).isDirectory()) {
    throw new UsageError(
      `--dir ${target} cannot be made: ${ancestor} is a file, not a folder; choose a new folder or leave --dir out for a temp one`,
    );
  }
  if (existsSync(join(target, COMPLETE_MARKER))) {
    // Refused as any folder in use is, but a second run of the same command usually means the user
    // wants that sandbox's verdicts again: they are one command away, with no rebuild.
    const seed = /^seed (\d+)/.exec(readFileSync(join(target, COMPLETE_MARKER), 'utf8'))?.[1];
    const asOf = AS_OF.toISOString();
    throw new UsageError(
      `--dir ${target} already holds a demo sandbox${seed === undefined ? '' : ` (--seed ${seed})`}; re-run its gates with \`${process.env.DATABASE_URL?.trim() ? 'DATABASE_URL= ' : ''}node ${rerunBin()} gate check --root ${shellWord(target)} --rfc wave3 --as-of ${asOf} --snapshot-at ${asOf}\`, or choose a new folder (or leave --dir out for a temp one) to build another`,
    );
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new UsageError(
      `--dir ${target} exists and is not empty; choose a new folder or leave --dir out for a temp one`,
    );
  }
  if (opts.dir && !opts.insideRepo) {
    const parent = existsSync(target) ? target : dirname(target);
    let top = '';
    try {
      top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
        cwd: existingAncestor(parent),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      // Not inside a work tree: nothing to protect.
    }
    if (top) {
      throw new UsageError(
        `--dir ${target} is inside the git repository ${top}; the sandbox is a repository of its own. Choose a folder outside it, or pass --inside-repo if you mean it`,
      );
    }
  }
}

/** The staging folder and the parents it lacks; a refusal is the user's --dir to change. */
function makeFolders(dir: string, target: string): string | undefined {
  try {
    return makeDirs(dir);
  } catch (e) {
    if (!(e instanceof FolderRefused)) throw e;
    throw folderRefused(target, e.parent, e.code);
  }
}

/** `${target}.partial-${pid}`, or `-1`, `-2`… after it when a file or folder has that name. */
function makeStaging(target: string): string {
  return makeNamed(
    (n) => `${target}.partial-${process.pid}${n === 0 ? '' : `-${n}`}`,
    (name) => {
      try {
        mkdirSync(name);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === undefined || code === 'EEXIST') throw e;
        throw folderRefused(target, dirname(name), code);
      }
    },
  );
}

function folderRefused(target: string, parent: string, code: string): UsageError {
  return new UsageError(
    `--dir ${target} cannot be made: ${parent} refused a new folder (${code}); choose a folder you can write to, or leave --dir out for a temp one`,
  );
}

/** A folder of its own under the system temp dir; one that cannot be made is the user's TMPDIR to fix. */
function makeTempFolder(): string {
  try {
    return mkdtempSync(join(tmpdir(), 'rfcgate-demo-'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new UsageError(
      `cannot make a temp folder for the sandbox under ${tmpdir()} (${code}); set TMPDIR to a folder you can write to, or choose one with --dir`,
    );
  }
}

function existingAncestor(dir: string): string {
  let d = dir;
  while (!existsSync(d)) d = dirname(d);
  return d;
}

/**
 * Real git repositories with deterministic commits, for testing the sources offline.
 * Every commit's author, committer and dates are fixed through the environment, and the
 * user's global git config is kept out so a signing or hook setting cannot interfere.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EvalContext } from '../../src/sources/types.js';
import { artifactType, type MeasurementSpec, type RfcManifest } from '../../src/spec/types.js';

export interface Person {
  name: string;
  email: string;
}

export const ALICE: Person = { name: 'Alice Operator', email: 'alice@example.com' };
export const BOB: Person = { name: 'Bob Builder', email: 'bob@example.com' };
export const MALLORY: Person = { name: 'Mallory', email: 'mallory@example.net' };

export interface CommitOptions {
  /** Path → content; null deletes the file. */
  files?: Record<string, string | null>;
  message: string;
  /** ISO instant, e.g. 2026-01-05T10:00:00Z; used for both author and committer dates. */
  date: string;
  author?: Person;
}

const created: string[] = [];

/** A fresh temporary directory, removed by removeFixtures(). */
export function tempDir(prefix = 'rfcgate-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeFixtures(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function gitDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fixture date ${iso}`);
  return `${Math.floor(ms / 1000)} +0000`;
}

function baseEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_CONFIG_GLOBAL: os.devNull, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
}

export class FixtureRepo {
  constructor(readonly dir: string) {}

  git(args: string[], env: NodeJS.ProcessEnv = {}): string {
    return execFileSync('git', args, { cwd: this.dir, env: { ...baseEnv(), ...env }, encoding: 'utf8' }).trim();
  }

  private envFor(date: string, who: Person): NodeJS.ProcessEnv {
    const d = gitDate(date);
    return {
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_AUTHOR_DATE: d,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
      GIT_COMMITTER_DATE: d,
    };
  }

  /** Writes a file in the working tree without committing it. */
  write(rel: string, content: string): void {
    const abs = path.join(this.dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }

  /** Commits the given changes (or an empty commit) and returns the new sha. */
  commit(opts: CommitOptions): string {
    const files = opts.files ?? {};
    for (const [rel, content] of Object.entries(files)) {
      if (content === null) this.git(['rm', '-q', '--', rel]);
      else {
        this.write(rel, content);
        this.git(['add', '-f', '--', rel]);
      }
    }
    const env = this.envFor(opts.date, opts.author ?? BOB);
    this.git(['commit', '-q', '--allow-empty', '--no-verify', '-m', opts.message], env);
    return this.head();
  }

  head(): string {
    return this.git(['rev-parse', 'HEAD']);
  }

  branch(name: string, from = 'HEAD'): void {
    this.git(['branch', name, from]);
  }

  checkout(name: string): void {
    this.git(['checkout', '-q', name]);
  }

  /**
   * A real merge commit (--no-ff) of `branch` into the current branch. `strategy: 'ours'` keeps
   * the current branch's tree whatever the branch wrote; `resolve` is the content the merge
   * commits for those files, written over whatever git merged (or left in conflict).
   */
  merge(
    branch: string,
    opts: {
      message: string;
      date: string;
      author?: Person;
      strategy?: 'ours';
      resolve?: Record<string, string>;
    },
  ): string {
    const env = this.envFor(opts.date, opts.author ?? BOB);
    const strategy = opts.strategy ? ['-s', opts.strategy] : [];
    if (!opts.resolve) {
      this.git(['merge', '-q', '--no-ff', '--no-edit', ...strategy, '-m', opts.message, branch], env);
      return this.head();
    }
    try {
      this.git(['merge', '-q', '--no-ff', '--no-commit', ...strategy, branch], env);
    } catch {
      // A conflict stops the merge with a non-zero exit; the resolution below settles it.
    }
    // Anything else that stopped it left no merge in progress: this throws then.
    this.git(['rev-parse', '-q', '--verify', 'MERGE_HEAD']);
    for (const [rel, content] of Object.entries(opts.resolve)) {
      this.write(rel, content);
      this.git(['add', '-f', '--', rel]);
    }
    this.git(['commit', '-q', '--no-verify', '-m', opts.message], env);
    return this.head();
  }
}

/** `git init -b main` in a temp dir, with a local identity so stray commands work too. */
export function createRepo(): FixtureRepo {
  const repo = new FixtureRepo(tempDir());
  repo.git(['init', '-q', '-b', 'main']);
  repo.git(['config', 'user.name', BOB.name]);
  repo.git(['config', 'user.email', BOB.email]);
  repo.git(['config', 'commit.gpgsign', 'false']);
  return repo;
}

/** A `--depth 1` clone of the fixture, as actions/checkout makes by default. */
export function shallowClone(source: FixtureRepo, branch = 'main'): FixtureRepo {
  const dir = tempDir('rfcgate-shallow-');
  execFileSync('git', ['clone', '-q', '--depth', '1', '--branch', branch, `file://${source.dir}`, dir], {
    env: baseEnv(),
  });
  return new FixtureRepo(dir);
}

/**
 * A `--filter=blob:none` clone of the fixture (actions/checkout's filter:), which fetches the
 * contents of older files when read (with `tree:0`, older trees too); `offline` points its
 * remote nowhere, as a job that kept no credentials sees it.
 */
export function partialClone(
  source: FixtureRepo,
  opts: { offline?: boolean; filter?: 'blob:none' | 'tree:0' } = {},
): FixtureRepo {
  const dir = tempDir('rfcgate-partial-');
  source.git(['config', 'uploadpack.allowFilter', 'true']);
  execFileSync('git', ['clone', '-q', `--filter=${opts.filter ?? 'blob:none'}`, `file://${source.dir}`, dir], {
    env: baseEnv(),
  });
  const clone = new FixtureRepo(dir);
  if (opts.offline) clone.git(['remote', 'set-url', 'origin', `file://${dir}-gone`]);
  return clone;
}

export function manifest(overrides: Partial<RfcManifest> = {}): RfcManifest {
  return {
    id: 'wave3',
    title: 'Wave 3',
    version: '1',
    mainline: 'main',
    operators: [ALICE, BOB],
    attestations_dir: 'gates/wave3/attestations',
    location: { file: 'rfc.yaml', line: 1, col: 1 },
    ...overrides,
  };
}

export function context(
  repoDir: string,
  opts: { asOf?: string | Date; ref?: string; signal?: AbortSignal; manifest?: RfcManifest } = {},
): EvalContext {
  const asOf = opts.asOf === undefined ? new Date() : new Date(opts.asOf);
  return {
    asOf,
    ref: opts.ref ?? 'HEAD',
    repoDir,
    manifest: opts.manifest ?? manifest(),
    signal: opts.signal ?? new AbortController().signal,
  };
}

const location = { file: 'measurements.yaml', line: 1, col: 1 };

export function gitMeasurement(git: Extract<MeasurementSpec, { source: 'git' }>['git'], id = 'm'): MeasurementSpec {
  const type = git.query === 'path_exists' || git.query === 'order' ? 'bool' : 'timestamp';
  return { id, type, source: 'git', git, location };
}

export function artifactMeasurement(
  artifact: Extract<MeasurementSpec, { source: 'artifact' }>['artifact'],
  id = 'a',
): MeasurementSpec {
  return { id, type: artifactType(artifact), source: 'artifact', artifact, location };
}

export function attestationMeasurement(
  attestation: Extract<MeasurementSpec, { source: 'attestation' }>['attestation'],
  id: string,
): MeasurementSpec {
  return { id, type: 'string', source: 'attestation', attestation, location };
}

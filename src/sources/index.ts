/**
 * Builds the real sources for one run over one repository. The engine receives them as a
 * registry keyed by source kind and never imports their clients.
 */
import type { SourceRegistry } from '../engine/measure.js';
import type { RfcManifest } from '../spec/types.js';
import { ArtifactMeasurementSource } from './artifact/source.js';
import { AttestationMeasurementSource } from './attestation/source.js';
import { CouncilMeasurementSource } from './council/source.js';
import { GitRepo } from './git/repo.js';
import { GitMeasurementSource } from './git/source.js';
import { SqlMeasurementSource } from './sql/index.js';
import { VerifierMeasurementSource } from './verifier/source.js';
import { TelemetryMeasurementSource } from './telemetry/source.js';

export interface OpenSourcesOptions {
  repoDir: string;
  manifest: RfcManifest;
  env: NodeJS.ProcessEnv;
  /** Per-measurement budget; the database's statement timeout is set just inside it. */
  timeoutMs: number;
  /** Progress of long telemetry reads (bytes done, bytes in all, which pass), for a terminal display. */
  onTelemetryProgress?: (done: number, total: number, pass: number) => void;
  /** The instant the default database is a copy of (--snapshot-at); see SqlSourceOptions.snapshotAt. */
  snapshotAt?: Date;
}

export interface OpenedSources {
  registry: SourceRegistry;
  close(): Promise<void>;
}

export function openSources(opts: OpenSourcesOptions): OpenedSources {
  // One repository snapshot shared by the git-family sources, so history is read once.
  const repo = new GitRepo(opts.repoDir);
  const registry: SourceRegistry = {
    git: new GitMeasurementSource(repo),
    artifact: new ArtifactMeasurementSource(repo),
    attestation: new AttestationMeasurementSource(repo),
    verifier: new VerifierMeasurementSource(repo),
    council: new CouncilMeasurementSource(repo),
    sql: SqlMeasurementSource.forRepo({
      repoDir: opts.repoDir,
      manifest: opts.manifest,
      env: opts.env,
      timeoutMs: Math.max(1_000, Math.floor(opts.timeoutMs * 0.9)),
      limitMs: opts.timeoutMs,
      ...(opts.snapshotAt === undefined ? {} : { snapshotAt: opts.snapshotAt }),
    }),
    telemetry: new TelemetryMeasurementSource(opts.onTelemetryProgress ? { onProgress: opts.onTelemetryProgress } : {}),
  };
  return {
    registry,
    close: async () => {
      await Promise.all(Object.values(registry).map((s) => s?.close()));
    },
  };
}

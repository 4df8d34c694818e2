/**
 * Fixture rows and specs for the SQL source tests: a measurement table shaped like the
 * RFC's (not identical: real tables drift), rows spread evenly over a time range, and
 * measurement specs with only the fields the source reads.
 */
import { createServer } from 'node:net';
import type { EvalContext } from '../../../src/sources/types.js';
import type { MeasurementSpec, RfcManifest, SqlMeasurementSpec } from '../../../src/spec/types.js';
import type { TestDatabase } from '../../helpers/db.js';

export const AS_OF = new Date('2026-06-01T00:00:00.000Z');
export const DAY = 86_400_000;
export const LEASE = 'measurement.lease_plane.request';

export const MEASUREMENTS_DDL = `
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.coordination_measurements (
  id bigserial PRIMARY KEY,
  measurement_type text NOT NULL,
  recorded_at timestamptz NOT NULL,
  elapsed_ms double precision,
  payload jsonb
);`;

export const LEASE_TABLE = {
  table: 'audit.coordination_measurements',
  timestamp: 'recorded_at',
  where: `measurement_type = '${LEASE}'`,
  value: 'percentile_cont(0.99) WITHIN GROUP (ORDER BY elapsed_ms)',
};

export interface Series {
  type?: string;
  from: Date;
  to: Date;
  count: number;
  /** elapsed_ms of row i is `elapsed + i`; null writes NULL. */
  elapsed?: number | null;
  payload?: Record<string, unknown>;
}

/** `count` rows at even steps over [from, to): the first exactly at `from`. */
export async function insertSeries(db: TestDatabase, s: Series, table = 'audit.coordination_measurements') {
  const stepMs = (s.to.getTime() - s.from.getTime()) / s.count;
  await db.exec(
    `INSERT INTO ${table} (measurement_type, recorded_at, elapsed_ms, payload)
     SELECT $1, $2::timestamptz + (i * $3::double precision) * interval '1 millisecond',
            CASE WHEN $4::double precision IS NULL THEN NULL ELSE $4::double precision + i END, $5::jsonb
     FROM generate_series(0, $6::int - 1) AS i`,
    [
      s.type ?? LEASE,
      s.from.toISOString(),
      stepMs,
      s.elapsed === undefined ? 1 : s.elapsed,
      JSON.stringify(s.payload ?? {}),
      s.count,
    ],
  );
}

export function daysBefore(n: number, asOf = AS_OF): Date {
  return new Date(asOf.getTime() - n * DAY);
}

type SqlMeasurement = MeasurementSpec & { source: 'sql' };

export function sqlMeasurement(
  sql: SqlMeasurementSpec,
  over: Partial<Omit<SqlMeasurement, 'source' | 'sql'>> = {},
): SqlMeasurement {
  return {
    id: 'lease_plane_p99_ms',
    type: 'double',
    location: { file: 'gates/wave3/measurements.yaml', line: 1, col: 3 },
    ...over,
    source: 'sql',
    sql,
  };
}

const MANIFEST: RfcManifest = {
  id: 'wave3',
  title: 'Wave 3',
  version: 'v1',
  mainline: 'main',
  operators: [],
  attestations_dir: 'attestations',
  location: { file: 'gates/wave3/rfc.yaml', line: 1, col: 1 },
};

export function evalContext(asOf = AS_OF, signal = new AbortController().signal): EvalContext {
  return { asOf, ref: 'HEAD', repoDir: process.cwd(), manifest: MANIFEST, signal };
}

/** A port nothing listens on: bound, then released. */
export async function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** What `comparator run` and `comparator check` share: the spec, the database, progress. */
import { type DatabaseTarget, openReader } from '../ledger/cli.js';
import { LedgerError } from '../ledger/errors.js';
import { type SqlClient, SqlHaltError } from '../sources/sql/client.js';
import { SpecError, UsageError } from '../spec/problems.js';
import { GATES_DIR } from '../spec/rfc-dir.js';
import { loadSpecFile } from '../spec/single-file.js';
import { parseDuration } from '../util/duration.js';
import type { ProgressEvent } from './run.js';
import { COMPARATOR_FILE, type ComparatorSpec, readComparator } from './spec.js';

/**
 * comparator.yaml alone: an hourly run pays neither for the rest of the RFC nor for the gate
 * kinds; `spec validate` checks the file together with the rest.
 */
export async function loadComparator(root: string, id: string): Promise<{ spec: ComparatorSpec }> {
  const spec = await loadSpecFile(root, id, COMPARATOR_FILE, 'comparator.schema.json', (file) => {
    const read = readComparator(file.y, file.data, file.problems);
    if (file.problems.length) throw new SpecError(file.problems);
    return read;
  });
  if (!spec) throw new UsageError(`${id} declares no comparator: add ${GATES_DIR}/${id}/${COMPARATOR_FILE}`);
  return { spec };
}

/** A database that cannot be opened halts every pair with the reason, like any missing measurement. */
class UnavailableClient implements SqlClient {
  constructor(
    readonly reason: string,
    readonly where: string,
  ) {}
  query(): Promise<never> {
    return Promise.reject(new SqlHaltError('missing', this.reason));
  }
  async close(): Promise<void> {}
  describe(): string {
    return this.where;
  }
}

/**
 * The reader of the compared tables. `rfc` names the RFC whose comparator.yaml they come from,
 * for the halt when there is no database at all.
 */
export function openComparatorClient(target: DatabaseTarget, rfc: string): SqlClient {
  try {
    return openReader(target);
  } catch (err) {
    if (err instanceof LedgerError || err instanceof SqlHaltError) {
      const where = target.databaseUrl ? 'DATABASE_URL' : `pglite:${target.embeddedLabel}`;
      // The ledger's advice (run `db migrate`) would make a database with rfcgate's own tables
      // and none of the application's: the comparator would then halt on every table instead.
      const reason =
        err instanceof LedgerError && err.problem === 'missing'
          ? `the embedded database ${target.embeddedLabel} does not exist, so the tables ${GATES_DIR}/${rfc}/${COMPARATOR_FILE} compares cannot be read: they are the application's, not rfcgate's (\`rfcgate db migrate\` creates only rfcgate's own ledger); set DATABASE_URL to the database that holds them`
          : err.message;
      return new UnavailableClient(reason, where);
    }
    throw err;
  }
}

export function parseMinAge(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // 0s or 0m says "no lag" as plainly as 0 does.
  if (/^0+[smhdw]?$/.test(text)) return 0;
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new UsageError(
      `--min-age '${text}' is not a duration: use 0, or a whole number and s, m, h, d or w (5m, 2h), the number from 1 to 99999 without a leading 0`,
    );
  return ms;
}

export function parsePairs(pairs: readonly string[] | undefined, spec: ComparatorSpec): string[] | undefined {
  if (!pairs?.length) return undefined;
  const known = spec.pairs.map((p) => p.id);
  for (const p of pairs) {
    if (!known.includes(p))
      throw new UsageError(`--pair '${p}' is not a comparator pair; known pairs: ${known.join(', ')}`);
  }
  return [...pairs];
}

/** Progress on a terminal (stderr), silent in CI and when piped. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): {
  onProgress?: (e: ProgressEvent) => void;
  done: () => void;
} {
  if (!stream.isTTY || process.env.CI) return { done: () => {} };
  const started = Date.now();
  let shown = false;
  return {
    onProgress: (e) => {
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      const chunk = e.chunk ? ` ${e.chunk[0]}/${e.chunk[1]} chunks` : '';
      stream.write(`\r\x1b[2K${e.pair}: ${e.step === 'done' ? 'done' : `${e.step}…`}${chunk} (${secs}s)`);
      shown = true;
    },
    done: () => {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}

/** The SQL source's public surface: what the engine and the `db`/`demo` commands import. */
export {
  isPostgresUrl,
  type OpenSqlClientOptions,
  openSqlClient,
  PgClient,
  type PgClientOptions,
  PgliteClient,
  type PgliteClientOptions,
  type SqlClient,
  SqlHaltError,
  type SqlQueryOptions,
  type SqlRow,
} from './client.js';
export { redact } from './redact.js';
export {
  coerceValue,
  DEFAULT_EMBEDDED_DIR,
  DEFAULT_SQL_TIMEOUT_MS,
  type QueryCheck,
  SqlMeasurementSource,
  type SqlSourceForRepoOptions,
  type SqlSourceOptions,
} from './source.js';
export {
  describePgUrl,
  embeddedDirState,
  type OpenSqlWriterOptions,
  openSqlWriter,
  PgliteWriter,
  type PgliteWriterOptions,
  PgWriter,
  type PgWriterOptions,
  type SqlTransactionOptions,
  type SqlTx,
  type SqlWriter,
  SqlWriteError,
} from './writer.js';

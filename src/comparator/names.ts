/**
 * The comparator's file name, exit codes and their help text, without the engine: the commands'
 * help and flags need only these, and a run refused for a bad flag should not load the SQL
 * drivers, the YAML parser and the comparison first (test/cli/bundle.test.ts).
 */

export const COMPARATOR_FILE = 'comparator.yaml';

/** went_dark is an alarm of its own: louder than a divergence, so it has its own exit code. */
export const COMPARATOR_EXIT = { pass: 0, fail: 1, halt: 2, invalid: 3, went_dark: 4 } as const;

export const COMPARATOR_EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0  every pair compared clean',
  '  1  a divergence, a coverage error (a live column neither compared nor excluded, a shadow of another shape…), NULL or duplicate keys, or a self-test that missed a kind',
  '  2  no failure, but a pair halted: the database is unreachable, a query timed out, a table does not exist or is empty (a shadow window that never started), every key is younger than min_age (nothing compared), a self-test that could not run',
  '  3  the spec or the invocation is invalid, or DATABASE_URL is not a valid URL',
  '  4  went dark: a shadow table that was active is empty or gone now (the shadow writer stopped, the table was dropped); checked before every other outcome but 3',
].join('\n');

/** `comparator check` reads the catalog only: no rows, so no divergence, key or window outcome. */
export const COMPARATOR_CHECK_EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0  every pair is covered: every live column is compared or excluded, and the database accepts the comparison; the event table record.events names, if any, can take the events',
  '  1  a coverage error (a live column neither compared nor excluded, a declared column that does not exist, a shadow of another shape, a rule that does not fit its column…), or an event table record.events names that does not exist or cannot take the events (comparator run --record would exit 3)',
  '  2  no coverage error, but a pair halted: the database is unreachable, a query timed out, a table a pair compares does not exist',
  '  3  the spec or the invocation is invalid, or DATABASE_URL is not a valid URL',
].join('\n');

/**
 * What makes a `--run-id` unfit to name a recorded run, whichever command records it. An id
 * names one run: a later run under the same id is found already recorded and stores nothing.
 * So an id that every run would be given alike is refused before anything is evaluated: a
 * blank one (`--run-id "$RUN_ID"` with the variable unset), and one with no letter or digit
 * (`"$GITHUB_RUN_ID-$GITHUB_JOB"` outside CI gives `-`).
 */
/**
 * A gate run's key is an index key: well below what a btree entry holds, and as the ledger's
 * idempotency keys. Here, in a module that imports nothing, so that `gate check --help` states
 * it without loading the ledger.
 */
export const MAX_RUN_KEY_LENGTH = 200;

/** `advice`: what to give instead, as the command's users run it. */
export function sameForEveryRun(runId: string, advice: string): string | undefined {
  if (runId.trim() === '') {
    return `--run-id is blank: every run would be recorded under the same id, and after the first nothing would be stored; ${advice}`;
  }
  if (!/[\p{L}\p{N}]/u.test(runId)) {
    return `--run-id '${runId}' has no letter or digit, as when the variables it is made of are unset: every such run would be recorded under the same id, and after the first nothing would be stored; ${advice}`;
  }
  return undefined;
}

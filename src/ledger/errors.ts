/**
 * Why the ledger could not be written: not migrated yet, a table the tool did not create, or
 * an idempotency key reused for a different measurement. Always raised before anything is
 * written, or inside the transaction that is then rolled back.
 */
export type LedgerProblem = 'missing' | 'foreign' | 'conflict';

export class LedgerError extends Error {
  readonly problem: LedgerProblem;
  constructor(problem: LedgerProblem, message: string) {
    super(message);
    this.name = 'LedgerError';
    this.problem = problem;
  }
}

import type { SourceLocation } from '../model/result.js';

/** One thing wrong with a spec, pinned to where a person must edit. */
export interface Problem extends SourceLocation {
  message: string;
  severity: 'error' | 'warning';
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

/**
 * A dependency cycle, written the way the critical path and the DAG's arrows read it: `a → b`
 * means a comes first and b needs it. `needsOrder` lists it as found by following what each
 * one needs (depends_on, all_of), closed by its first id again; reversing it keeps that first.
 */
export function cycleText(needsOrder: string[]): string {
  return `${[...needsOrder].reverse().join(' → ')} (read → as "is needed by")`;
}

/** A spec file that is there but cannot be read: a link to a folder, a link whose target is gone, no permission. */
export function unreadable(file: string, err: unknown): Problem {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  const why =
    code === 'EISDIR'
      ? 'it is a folder'
      : code === 'ENOENT'
        ? 'a link whose target is gone'
        : code === 'ENOTREG'
          ? `it is ${(err as Error).message}, not a regular file`
          : code;
  return {
    file,
    line: 1,
    col: 1,
    severity: 'error',
    message: `cannot be read (${why}); make it a YAML file or remove it`,
  };
}

/** In the order a person fixes them: by file, then place in the file. */
export function sortProblems(ps: Problem[]): Problem[] {
  return [...ps].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/**
 * Thrown when specs cannot be used; carries every problem found, not just the first, and the
 * warnings found beside them, which `spec validate` reports with them (every problem at once).
 */
export class SpecError extends Error {
  constructor(
    readonly problems: Problem[],
    readonly warnings: Problem[] = [],
    /** The RFC's spec files, when the error is about an RFC's folder (what was read, though not usable). */
    readonly files?: string[],
  ) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SpecError';
  }
}

/**
 * A bad flag, an unknown RFC id, a missing folder: the invocation is wrong, not a spec.
 * `problems`, when given, are the inputs at fault, each where a person must edit (several
 * malformed captures), listed before the message.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

import type { SourceLocation } from '../model/result.js';

/** One thing wrong with a spec, pinned to where a person must edit. */
export interface Problem extends SourceLocation {
  message: string;
  severity: 'error' | 'warning';
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

/** Thrown when specs cannot be used; carries every problem found, not just the first. */
export class SpecError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SpecError';
  }
}

/** A bad flag, an unknown RFC id, a missing folder: the invocation is wrong, not a spec. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

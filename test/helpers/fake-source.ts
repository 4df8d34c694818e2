/**
 * A scripted measurement source for engine tests: each measurement id maps to the
 * outcome a real source would return, or to a promise that never settles (timeouts).
 */

import type { EvalContext, MeasurementOutcome, MeasurementSource } from '../../src/sources/types.js';
import type { MeasurementSpec, SourceKind } from '../../src/spec/types.js';

export type Script = Record<string, MeasurementOutcome | 'hang' | Error>;

export class ScriptedSource implements MeasurementSource {
  readonly calls: string[] = [];
  readonly aborted: string[] = [];

  constructor(
    readonly kind: SourceKind,
    private readonly script: Script,
  ) {}

  measure(m: MeasurementSpec, ctx: EvalContext): Promise<MeasurementOutcome> {
    this.calls.push(m.id);
    const step = this.script[m.id];
    if (step === undefined) return Promise.reject(new Error(`no scripted outcome for ${m.id}`));
    if (step === 'hang') {
      return new Promise(() => {
        ctx.signal.addEventListener('abort', () => this.aborted.push(m.id));
      });
    }
    if (step instanceof Error) return Promise.reject(step);
    return Promise.resolve(step);
  }

  async close(): Promise<void> {}
}

import { expect } from 'vitest';
import type { MeasurementOutcome } from '../../src/sources/types.js';

/** The value of an outcome that must be `ok`; a halt fails the test with its reason. */
export function ok(o: MeasurementOutcome): unknown {
  expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
  return o.status === 'ok' ? o.value : undefined;
}

/** The halt and reason of an outcome that must halt; a value fails the test naming it. */
export function halted(o: MeasurementOutcome): { halt: string; reason: string } {
  expect(o.status, o.status === 'ok' ? `value ${String(o.value)}` : '').toBe('halt');
  return o.status === 'halt' ? { halt: o.halt, reason: o.reason } : { halt: '', reason: '' };
}

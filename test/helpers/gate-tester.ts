/**
 * Table-driven tests for gate semantics, after ESLint's RuleTester: each case is a spec,
 * the outcomes its measurements return, and the verdict expected.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateRfc } from '../../src/engine/evaluate.js';
import type { GateReport, GateResult, HaltReason, Verdict } from '../../src/model/result.js';
import type { MeasurementOutcome } from '../../src/sources/types.js';
import { loadRfc } from '../../src/spec/load.js';
import type { Phase, SourceKind } from '../../src/spec/types.js';
import { type Script, ScriptedSource } from './fake-source.js';
import { type RfcFixture, tempRoot, writeRfc } from './spec-fixture.js';

export interface GateCase {
  name: string;
  spec: RfcFixture;
  /** Scripted outcomes by measurement id; every measurement here uses the `sql` source kind unless `kinds` says otherwise. */
  data: Script;
  kinds?: Partial<Record<SourceKind, string[]>>;
  gate?: string;
  expected: { verdict: Verdict; halt_reason?: HaltReason; reason?: RegExp };
  check?: (result: GateResult, report: GateReport) => void;
  timeoutMs?: number;
  /** As gate check --phase: only the gates of that phase are reported. */
  phase?: Phase;
}

export const ASOF = new Date('2026-06-01T00:00:00Z');

export async function runCase(c: GateCase): Promise<{ report: GateReport; sources: Map<SourceKind, ScriptedSource> }> {
  const { root, cleanup } = tempRoot();
  try {
    writeRfc(root, c.spec);
    const rfc = loadRfc(root, c.spec.id ?? 'demo');
    const sources = new Map<SourceKind, ScriptedSource>();
    for (const kind of ['sql', 'git', 'artifact', 'attestation'] as SourceKind[]) {
      sources.set(kind, new ScriptedSource(kind, c.data));
    }
    const report = await evaluateRfc(rfc, {
      asOf: ASOF,
      ref: 'HEAD',
      repoDir: root,
      sources: Object.fromEntries(sources),
      timeoutMs: c.timeoutMs ?? 5_000,
      ...(c.phase ? { phase: c.phase } : {}),
    });
    return { report, sources };
  } finally {
    cleanup();
  }
}

export function testGates(title: string, cases: GateCase[]): void {
  describe(title, () => {
    afterAll(() => undefined);
    for (const c of cases) {
      it(c.name, async () => {
        const { report } = await runCase(c);
        const result = c.gate ? report.results.find((r) => r.id === c.gate) : report.results[0];
        expect(result, `gate ${c.gate ?? '(first)'} in report`).toBeDefined();
        const r = result as GateResult;
        expect(r.verdict).toBe(c.expected.verdict);
        expect(r.halt_reason).toBe(c.expected.halt_reason);
        if (c.expected.reason) expect(r.reason).toMatch(c.expected.reason);
        c.check?.(r, report);
      });
    }
  });
}

export function ok(value: number | boolean | string | Date, evidence = {}): MeasurementOutcome {
  return { status: 'ok', value, evidence };
}

export function halted(halt: HaltReason, reason: string): MeasurementOutcome {
  return { status: 'halt', halt, reason, evidence: {} };
}

/** A sql measurement spec that the scripted source answers (its SQL is never run). */
export function sqlMeasurement(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, window: '14d', sql: { table: 'audit.m', timestamp: 'recorded_at', value: 'count(*)' }, ...extra };
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressLine } from '../../src/cli/progress.js';

afterEach(() => vi.unstubAllEnvs());

function terminal() {
  const out: string[] = [];
  const stream = { isTTY: true, write: (s: string) => out.push(s) } as unknown as NodeJS.WriteStream;
  return { out, stream };
}

describe('the progress line', () => {
  it('names a later pass over the same input, clearing the line each time it draws', () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('RFCGATE_PROGRESS_AFTER_MS', '0');
    const { out, stream } = terminal();
    const line = progressLine('reading telemetry', stream);
    line?.update(3 << 20, 4 << 20, 1);
    vi.useFakeTimers({ now: Date.now() + 1000 });
    try {
      line?.update(1 << 20, 4 << 20, 2);
    } finally {
      vi.useRealTimers();
    }
    expect(out).toEqual([
      '\r\u001b[2Kreading telemetry… 75% (3 MB of 4 MB)',
      '\r\u001b[2Kreading telemetry (pass 2)… 25% (1 MB of 4 MB)',
    ]);
    // Once a second pass exists, the first is named too: the two may be read side by side.
    vi.useFakeTimers({ now: Date.now() + 2000 });
    try {
      line?.update(4 << 20, 4 << 20, 1);
    } finally {
      vi.useRealTimers();
    }
    expect(out.at(-1)).toBe('\r\u001b[2Kreading telemetry (pass 1)… 100% (4 MB of 4 MB)');
    line?.done();
    expect(out.at(-1)).toBe('\r\u001b[2K');
  });

  it('fits the terminal, so a redraw replaces the one row it wrote', () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('RFCGATE_PROGRESS_AFTER_MS', '0');
    const { out, stream } = terminal();
    Object.assign(stream, { columns: 30 });
    progressLine('reading telemetry', stream)?.update(169 << 20, 282 << 20);
    expect(out).toEqual(['\r\u001b[2Kreading telemetry… 59% (169 …']);
    expect((out[0] ?? '').length - '\r\u001b[2K'.length).toBe(29);
  });

  it('an interrupt clears the line, then ends the process with the same signal', () => {
    vi.stubEnv('CI', '');
    vi.stubEnv('RFCGATE_PROGRESS_AFTER_MS', '0');
    const { out, stream } = terminal();
    const before = { int: process.listeners('SIGINT'), term: process.listeners('SIGTERM') };
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    try {
      const line = progressLine('reading telemetry', stream);
      const ours = process.listeners('SIGINT').filter((l) => !before.int.includes(l));
      expect(ours).toHaveLength(1);
      expect(process.listeners('SIGTERM').filter((l) => !before.term.includes(l))).toHaveLength(1);
      line?.update(1 << 20, 4 << 20);
      // As the signal would call it: not process.emit, which would call the test runner's own handler too.
      (ours[0] as (s: NodeJS.Signals) => void)('SIGINT');
      expect(out.at(-1)).toBe('\r\u001b[2K');
      expect(kill).toHaveBeenCalledWith(process.pid, 'SIGINT');
      expect(process.listeners('SIGINT')).toEqual(before.int);
      expect(process.listeners('SIGTERM')).toEqual(before.term);
      // done() after a normal end leaves no handler behind either.
      progressLine('x', stream)?.done();
      expect(process.listeners('SIGINT')).toEqual(before.int);
    } finally {
      kill.mockRestore();
    }
  });

  it('stays quiet in CI and off a terminal', () => {
    for (const ci of ['true', '1', 'woodpecker']) {
      vi.stubEnv('CI', ci);
      expect(progressLine('x', terminal().stream), ci).toBeUndefined();
    }
    // Turned off by hand, as ci-info reads it: a terminal again.
    for (const off of ['false', 'FALSE', '0', '']) {
      vi.stubEnv('CI', off);
      const line = progressLine('x', terminal().stream);
      expect(line, off).toBeDefined();
      line?.done();
    }
    vi.stubEnv('CI', '');
    expect(progressLine('x', { isTTY: false } as unknown as NodeJS.WriteStream)).toBeUndefined();
  });
});

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

  it('stays quiet in CI and off a terminal', () => {
    vi.stubEnv('CI', 'true');
    expect(progressLine('x', terminal().stream)).toBeUndefined();
    vi.stubEnv('CI', '');
    expect(progressLine('x', { isTTY: false } as unknown as NodeJS.WriteStream)).toBeUndefined();
  });
});

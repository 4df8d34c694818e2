import { afterEach, describe, expect, it } from 'vitest';
import { progressReporter } from '../../src/comparator/cli.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  const s = { isTTY, write: (t: string) => written.push(t) > 0 } as unknown as NodeJS.WriteStream;
  return { s, written };
}

describe('comparator progress', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('shows each step on a terminal and clears the line when done', () => {
    delete process.env.CI;
    const { s, written } = stream(true);
    const p = progressReporter(s);
    p.onProgress?.({ pair: 'identities', step: 'compare', chunk: [1, 4] });
    p.done();
    const CLEAR = '\r\u001b[2K';
    expect(written[0]?.startsWith(CLEAR)).toBe(true);
    expect(written[0]?.slice(CLEAR.length)).toMatch(/^identities: compare… 1\/4 chunks \(\d+s\)$/);
    expect(written.at(-1)).toBe(CLEAR);
  });

  it('stays quiet when piped, and in CI even on a terminal', () => {
    delete process.env.CI;
    const piped = stream(false);
    const a = progressReporter(piped.s);
    a.onProgress?.({ pair: 'p', step: 'schema' });
    a.done();
    expect(piped.written).toEqual([]);
    process.env.CI = 'true';
    const tty = stream(true);
    const b = progressReporter(tty.s);
    b.onProgress?.({ pair: 'p', step: 'schema' });
    b.done();
    expect(tty.written).toEqual([]);
  });
});

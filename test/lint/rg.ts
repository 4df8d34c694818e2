/** ripgrep for the tests that compare the two lint engines: they need it and say so, never skip. */
import { spawnSync } from 'node:child_process';

export function requireRg(): string {
  const r = spawnSync('rg', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error('these tests need ripgrep (rg) on PATH: apt-get install -y ripgrep');
  }
  return 'rg';
}

// @ts-check
/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file or
 * package, and how much of the wall time the main thread was idle (waiting on git, the
 * database or the file system) rather than running JavaScript.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} Profile
 */

/**
 * @param {string} file
 * @param {string} root
 */
export function summariseProfile(file, root) {
  /** @type {Profile} */
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  /** @type {Map<number, number>} */
  const self = new Map();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));

  const where = (/** @type {ProfileNode} */ x) => {
    const url = x.callFrame.url.replace(/^file:\/\//, '');
    if (!url) return '(native)';
    if (url.startsWith('node:')) return 'node: (core)';
    const nm = url.lastIndexOf('node_modules/');
    if (nm >= 0) {
      const rest = url.slice(nm + 'node_modules/'.length).split('/');
      return `npm: ${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
    }
    return path.relative(root, url);
  };
  /** @type {Map<string, number>} */
  const byFn = new Map();
  /** @type {Map<string, number>} */
  const byFile = new Map();
  let idle = 0;
  let total = 0;
  for (const [id, us] of self) {
    const x = byId.get(id);
    if (!x) continue;
    total += us;
    const name = x.callFrame.functionName;
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    const fn = `${name || '(anonymous)'}  ${where(x)}${x.callFrame.url ? `:${x.callFrame.lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const f = name === '(garbage collector)' || name === '(program)' ? name : where(x);
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const ms = (/** @type {number} */ us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
  const top = (/** @type {Map<string, number>} */ m, /** @type {number} */ k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, us]) => `  ${ms(us)}  ${name}`);
  const out = [
    `  sampled ${ms(total).trim()}: main thread busy ${ms(total - idle).trim()}, idle (waiting on git/db/fs) ${ms(idle).trim()}`,
    '  self time by file or package:',
    ...top(byFile, 14),
    '  self time by function:',
    ...top(byFn, 20),
  ];
  return `${out.join('\n')}\n`;
}

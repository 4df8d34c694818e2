import { spawnSync } from 'node:child_process';

/**
 * The governed root's place below its repository's top, as git names it ('svc/'; '' at the
 * top or outside a repository). Reports name files from the root; what GitHub reads
 * (annotations, code scanning) and CI test reports name them from the repository's top.
 */
export function rootPrefix(root: string): string {
  const r = spawnSync('git', ['rev-parse', '--show-prefix'], {
    cwd: root,
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  // Only the line break goes: a folder's name may end in a space.
  return r.status === 0 ? r.stdout.toString('utf8').replace(/\n$/, '') : '';
}

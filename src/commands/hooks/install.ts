import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as Flags from '@oclif/core/flags';
import { existingFolder } from '../../cli/folder-flag.js';
import { BaseCommand, findGovernedRoot } from '../../cli/rfc-command.js';
import type { HookAction, HookType } from '../../lint/hooks.js';

export default class HooksInstall extends BaseCommand {
  static override summary = 'Install the git pre-commit hook (and optionally pre-push) that runs lint.';
  static override description = `Writes a pre-commit hook that runs \`rfcgate lint --staged\` for every RFC that has gates/<rfc>/lints.yaml (and, with --pre-push, a pre-push hook that lints each pushed commit as committed, \`lint --commit <pushed> --changed-since <what the remote has>\`). The RFCs are looked for where this install finds gates/ (--root), relative to the repository's top; install refuses when none has a lints.yaml. It writes where git runs hooks from: core.hooksPath when set, else .git/hooks; a core.hooksPath from the global or system git config, which every repository runs hooks from, is refused.

A hook that rfcgate did not write is never overwritten silently: without --force or --chain, install refuses. --chain keeps it and runs it before the lint; --force replaces it. Either way it is moved aside as <hook>.rfcgate-previous and \`rfcgate hooks uninstall\` puts it back exactly. Running install again updates rfcgate's own hooks in place; one edited by hand since is refused (the edits named) unless --force, which drops the edits.

For the pre-commit framework, husky or lefthook, see the README instead.

EXIT CODES
  0  the hooks are installed
  3  a foreign hook is in the way (use --chain or --force), the hook, or its folder's other hooks, are tracked by the repository (call rfcgate from a hook there instead), rfcgate's own hook was edited by hand (--force drops the edits), core.hooksPath is the global one, no RFC has a lints.yaml, the hooks folder cannot be written to or a hook cannot be written there, a full disk say (nothing is written, every hook is as it was), or this is not a git repository`;
  static override examples = [
    '<%= config.bin %> hooks install',
    '<%= config.bin %> hooks install --pre-push',
    '<%= config.bin %> hooks install --chain',
  ];

  static override flags = {
    root: existingFolder({
      description:
        'The folder holding gates/ (default: the nearest folder upwards whose gates/ holds an RFC, within the git repository).',
    }),
    'pre-push': Flags.boolean({
      description: 'Also install a pre-push hook (each pushed commit linted as committed, since what the remote has).',
    }),
    force: Flags.boolean({
      description: 'Replace a hook rfcgate did not write (kept aside, restored by uninstall).',
      exclusive: ['chain'],
    }),
    chain: Flags.boolean({
      description: 'Keep a hook rfcgate did not write and run it before the lint.',
      exclusive: ['force'],
    }),
  };

  async run(): Promise<HookAction[]> {
    const { flags } = await this.parse(HooksInstall);
    // The hooks' writer (and the lint spec's reader it names the RFCs with) is loaded once the
    // command line is accepted: a bad flag is refused without it.
    const { installHooks } = await import('../../lint/hooks.js');
    const hooks: HookType[] = flags['pre-push'] ? ['pre-commit', 'pre-push'] : ['pre-commit'];
    const actions = installHooks({
      root: findGovernedRoot(flags.root),
      hooks,
      force: flags.force,
      chain: flags.chain,
      node: process.execPath,
      bin: realpathSync(fileURLToPath(new URL('../../../bin/run.js', import.meta.url))),
    });
    for (const a of actions) {
      const what = a.idle
        ? `${a.action === 'updated' ? 'updated' : 'installed'}; the previous hook is kept as ${a.previous ?? '?'}, but it is not executable, so it does not run (git did not run it either); chmod +x it to run it before the lint`
        : a.action === 'chained'
          ? `installed; the previous hook is kept as ${a.previous ?? '?'} and runs first`
          : a.action === 'replaced'
            ? `installed; the previous hook is kept as ${a.previous ?? '?'} (hooks uninstall restores it)`
            : a.action === 'installed' && a.previous
              ? `installed; the hook kept aside before, ${a.previous}, does not run (--chain runs it first; hooks uninstall puts it back)`
              : a.action;
      process.stdout.write(`${a.hook}: ${what} (${a.path})\n`);
      if (a.selfNamed) {
        process.stderr.write(
          `warning: ${a.previous ?? 'the previous hook'} reads its own name ($0), and now runs under that name, not ${a.hook}: a hook that finds its scripts by its name (a ${a.hook}.d folder) finds none and passes without checking; call 'rfcgate lint --staged' from it instead (hooks uninstall, then add the line), or run both from a hook manager (README)\n`,
        );
      }
    }
    return actions;
  }
}

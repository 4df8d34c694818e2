import * as Flags from '@oclif/core/flags';
import { existingFolder } from '../../cli/folder-flag.js';
import { BaseCommand, findGovernedRoot } from '../../cli/rfc-command.js';
import type { HookAction } from '../../lint/hooks.js';

export default class HooksUninstall extends BaseCommand {
  static override summary = 'Remove the hooks rfcgate installed and put back the ones they replaced.';
  static override description = `Removes the pre-commit and pre-push hooks that \`rfcgate hooks install\` wrote and moves any hook it had kept aside (<hook>.rfcgate-previous) back in place, byte for byte. A hook rfcgate did not write is left alone (when a hook manager such as husky wrote the kept hook back over rfcgate's, the kept copy, the same bytes, is removed). One of rfcgate's edited by hand since install wrote it is refused (the edits named, nothing changed) unless --force, which drops the edits. Hooks install wrote before core.hooksPath changed are found where install wrote them (it records each folder in the git config, rfcgate.hooksDir; and .git/hooks) and removed there too, as are those in another worktree's hooks folder (a relative core.hooksPath gives each worktree its own); a recorded folder that now lies in another repository (this clone moved, another cloned where it was) is that one's, and left alone.

EXIT CODES
  0  done (also when there was nothing to remove)
  3  this is not a git repository, a hook to remove was edited by hand (--force drops the edits), or a hooks folder with a hook to remove cannot be written to (nothing is changed)`;
  static override examples = ['<%= config.bin %> hooks uninstall', '<%= config.bin %> hooks uninstall --force'];

  static override flags = {
    root: existingFolder({
      description: 'The repository (default: the one holding the current directory, also from inside its .git).',
    }),
    force: Flags.boolean({
      description: 'Remove a hook rfcgate wrote even when it was edited by hand since (the edits are lost).',
    }),
  };

  async run(): Promise<HookAction[]> {
    const { flags } = await this.parse(HooksUninstall);
    // The hooks' writer (and the lint spec's reader it names the RFCs with) is loaded once the
    // command line is accepted: a bad flag is refused without it.
    const { uninstallHooks } = await import('../../lint/hooks.js');
    // Found as install finds it: from inside .git (where the hooks are) git knows no work tree.
    const actions = uninstallHooks(findGovernedRoot(flags.root), undefined, flags.force);
    for (const a of actions) {
      const what =
        a.action === 'left-foreign'
          ? `not written by rfcgate, left alone${a.previous ? `; the hook install kept aside is still ${a.previous}: move it back yourself if you want it` : ''}`
          : a.action === 'absent'
            ? 'no hook'
            : a.action === 'restored'
              ? 'removed; the previous hook is back'
              : a.action;
      const where = a.worktree
        ? `, the hooks folder of the worktree at ${a.worktree}, where install wrote it (core.hooksPath is relative)`
        : a.stale
          ? ', where install wrote it; git no longer runs hooks from there (core.hooksPath changed)'
          : '';
      process.stdout.write(`${a.hook}: ${what} (${a.path}${where})\n`);
    }
    return actions;
  }
}

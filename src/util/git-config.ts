/**
 * Settings a user's or a repository's git config may hold that change what the git commands
 * rfcgate runs print, each pinned to git's default for every git rfcgate starts (`git -c` outranks
 * every config file and GIT_CONFIG_* variable). Without them a common setting gives wrong answers:
 * `log.showSignature` puts a signature check before a signed commit's record, which the log
 * parser then reads as files of the commit before; `log.showRoot=false` lists no files for the
 * root commit, so what it added never landed; `diff.ignoreSubmodules=all` hides a submodule's
 * commits; `log.follow` makes a one-path log follow renames; `i18n.logOutputEncoding` re-encodes
 * names and messages away from UTF-8; a colour forced on writes escape codes into the output.
 */
const PINNED: readonly string[] = [
  'log.showSignature=false',
  'log.showRoot=true',
  'log.follow=false',
  'diff.ignoreSubmodules=none',
  'diff.relative=false',
  'i18n.logOutputEncoding=UTF-8',
  'color.ui=false',
];

/** `-c key=value` for each pinned setting, to go before git's subcommand. */
const GIT_CONFIG_ARGS: readonly string[] = PINNED.flatMap((setting) => ['-c', setting]);

/** The pinned settings as simple-git's `config` option takes them (it prefixes each with -c). */
export const GIT_CONFIG_PINS: readonly string[] = PINNED;

/** `args` with the pinned settings before them: what to pass to spawn('git', …). */
export function pinnedGit(args: readonly string[]): string[] {
  return [...GIT_CONFIG_ARGS, ...args];
}

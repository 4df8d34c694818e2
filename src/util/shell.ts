/**
 * Words for the commands rfcgate prints or writes for a POSIX shell (hooks, SARIF's re-run
 * command, the demo's "re-run by hand"): a path or ref must reach the command as written.
 */

/** Always single-quoted, each `'` written as `'\''` (the form the hooks' readers parse back). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** As written when it holds only plain path characters, otherwise quoted: a command stays readable. */
export function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : shellQuote(s);
}

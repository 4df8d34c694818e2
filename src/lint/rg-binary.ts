/** Which ripgrep a working-tree lint screens files with (see prefilter.ts); kept apart so choosing costs no imports. */

/** The rg binary to use: RFCGATE_RG names one; RFCGATE_RG=0 (or --no-rg) turns rg off. */
export function rgBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.RFCGATE_RG;
  if (v === undefined || v === '') return 'rg';
  if (v === '0' || v.toLowerCase() === 'false' || v.toLowerCase() === 'off') return undefined;
  return v;
}

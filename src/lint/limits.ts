/**
 * The default of lint's --max-file-size, apart from the scan that applies it (run.ts): the
 * command's flags need the number, and a run refused for a bad flag should not load the scan.
 */
export const DEFAULT_MAX_FILE_BYTES = 4 << 20;

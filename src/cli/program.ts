/**
 * The program-name contract between bin/run.js and the commands, kept in a module of its
 * own: the init hook runs before every command (and --help), so it must not load more.
 */
export const PROGRAM_ENV = 'RFCGATE_PROGRAM';
export const HOME_PROGRAM = 'rfcgate';

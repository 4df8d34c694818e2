/**
 * gate check's report formats, without their formatters: the command's flags and the parsing
 * of --format need only the names, and a run refused for a bad flag should not load every
 * formatter (and the XML writer) first. formatters/index.ts holds one formatter per name.
 */
export const FORMAT_NAMES = ['table', 'json', 'junit', 'sarif', 'markdown', 'github'] as const;

export type FormatName = (typeof FORMAT_NAMES)[number];

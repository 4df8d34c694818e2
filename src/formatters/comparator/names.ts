/**
 * The comparator's report formats, without their formatters: the commands' --format flag
 * needs only the names, and a run refused for a bad flag should not load the table writer
 * (nor the comparator's engine, which the formatters import) first. index.ts holds one
 * formatter per name.
 */
export const COMPARATOR_FORMATS = ['table', 'json', 'markdown'] as const;

export type ComparatorFormat = (typeof COMPARATOR_FORMATS)[number];

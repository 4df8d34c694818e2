/**
 * The parity commands' report formats, without their formatters: --format needs only the
 * names, and a run refused for a bad flag should not load the JUnit writer (an XML library)
 * first. index.ts holds one formatter per name.
 */
export const PARITY_FORMATS = ['table', 'json', 'junit'] as const;

export type ParityFormat = (typeof PARITY_FORMATS)[number];

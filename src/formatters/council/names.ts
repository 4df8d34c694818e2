/**
 * The council commands' report formats, without their formatters: --format needs only the
 * names, and a run refused for a bad flag should not load the formatters first. index.ts
 * holds one formatter per name.
 */
export const COUNCIL_FORMATS = ['table', 'json', 'markdown'] as const;

export type CouncilFormat = (typeof COUNCIL_FORMATS)[number];

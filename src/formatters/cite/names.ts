/**
 * `cite verify`'s report formats, without their formatters: --format needs only the names,
 * and a run refused for a bad flag should not load the table writer, the SARIF writer and
 * the verifier first. index.ts holds one formatter per name.
 */
export const CITE_FORMATS = ['table', 'json', 'sarif', 'markdown'] as const;

export type CiteFormat = (typeof CITE_FORMATS)[number];

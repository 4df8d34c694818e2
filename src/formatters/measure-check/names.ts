/**
 * measure check's report formats, without their formatters: the command's --format flag needs
 * only the names, and a run refused for a bad flag should not load the writers first.
 */
export const MEASURE_CHECK_FORMATS = ['table', 'json', 'github', 'markdown'] as const;

export type MeasureCheckFormat = (typeof MEASURE_CHECK_FORMATS)[number];

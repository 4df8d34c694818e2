import type { GateReport } from '../model/result.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import { formatTable } from './table.js';

export interface FormatOptions {
  color: boolean;
  width?: number;
}

/** Formatters are pure functions of a report; only commands write. */
export const FORMATTERS = {
  table: (r: GateReport, o: FormatOptions) => formatTable(r, o),
  json: (r: GateReport) => formatJson(r),
  junit: (r: GateReport) => formatJunit(r),
  sarif: (r: GateReport) => formatSarif(r),
  markdown: (r: GateReport) => formatMarkdown(r),
  github: (r: GateReport) => formatGithub(r),
} as const;

export type FormatName = keyof typeof FORMATTERS;

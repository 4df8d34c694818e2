import type { GateReport } from '../model/result.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatMarkdown } from './markdown.js';
import { formatSarif } from './sarif.js';
import { formatTable } from './table.js';
import type { FormatName } from './names.js';

export type { FormatName };

export interface FormatOptions {
  color: boolean;
  width?: number;
  /** The root's place below the repository's top ('svc/'): GitHub and CI name spec files from there. */
  prefix?: string;
  /** The report files the same run writes, each holding every gate: where the annotations GitHub hides are. */
  keptIn?: readonly string[];
  /** The gate ids `--only` selected, if it was given: SARIF files such a run apart. */
  only?: readonly string[];
}

/** Formatters are pure functions of a report; only commands write. */
export const FORMATTERS = {
  table: (r: GateReport, o: FormatOptions) => formatTable(r, o),
  json: (r: GateReport) => formatJson(r),
  junit: (r: GateReport, o?: FormatOptions) => formatJunit(r, o),
  sarif: (r: GateReport, o?: FormatOptions) => formatSarif(r, o),
  markdown: (r: GateReport) => formatMarkdown(r),
  github: (r: GateReport, o?: FormatOptions) => formatGithub(r, o),
} as const satisfies Record<FormatName, (r: GateReport, o: FormatOptions) => string>;

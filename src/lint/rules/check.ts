import type { LintFinding } from '../report.js';
import type { ContentRule } from '../spec.js';
import type { LineIndex } from './content.js';
import type { Waivers } from './waivers.js';

/** What the runner needs from a rule that reads file contents. */
export interface ContentCheck {
  rule: ContentRule;
  /** Global, multiline; run over each file the check applies to. */
  re: RegExp;
  /** The include globs: each must match a file of the tree, or the rule halts. */
  include: string[];
  /** The exclude globs: excluding every file include matches halts the rule too. */
  exclude: string[];
  waivers: Waivers;
  /** The rule applies to this file (included, not excluded, not exempted). */
  applies(file: string): boolean;
  /** The message every match carries. */
  message: string;
  /** Files read for their own sake (a helper module), with what to check in them. */
  reads?(file: string): boolean;
  inspect?(file: string, text: string, lines: LineIndex): LintFinding[];
}

/**
 * A second thread for a large tree: it rebuilds the content checks from the rules (plain
 * data) and scans its share of the files with the same code as the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ContentChecksInput, contentChecks } from './checks.js';
import { type PlannedFile, scanFiles } from './scan.js';
import { WorkingTree } from './scopes.js';

interface Input extends ContentChecksInput {
  root: string;
  /** The tracked paths of its plan outside the sparse checkout. */
  sparse: string[];
  maxBytes: number;
  plan: PlannedFile[];
}

const input = workerData as Input;
const checks = contentChecks(input);
const tree = new WorkingTree(input.root, new Set(input.sparse));
parentPort?.postMessage(scanFiles(input.plan, checks, (ps) => tree.read(ps, input.maxBytes)));

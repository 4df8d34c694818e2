import { readComparator, type ComparatorSpec } from '../../src/comparator/spec.js';
import { formatProblem, type Problem } from '../../src/spec/problems.js';
import { validateAgainst } from '../../src/spec/schema.js';
import { parseYaml } from '../../src/spec/yaml.js';

export const SPEC_FILE = 'gates/t/comparator.yaml';

/** comparator.yaml text → the spec, through the same schema and reader as `loadRfc`; throws on any problem. */
export function specFrom(text: string): ComparatorSpec {
  const { spec, problems } = specWithProblems(text);
  if (problems.length) throw new Error(problems.map(formatProblem).join('\n'));
  return spec as ComparatorSpec;
}

export function specWithProblems(text: string): { spec?: ComparatorSpec; problems: Problem[] } {
  const y = parseYaml(SPEC_FILE, `# yaml-language-server: $schema=../../schemas/comparator.schema.json\n${text}`);
  const data = y.doc.toJS() as unknown;
  const checked = validateAgainst('comparator.schema.json', y, data);
  const problems: Problem[] = [...y.problems, ...checked.problems];
  if (checked.badRoot || problems.length) return { problems };
  const spec = readComparator(y, data, problems);
  return { spec, problems };
}

/** A one-pair spec over `<schema>.c` and `<schema>.s`. */
export function pairSpec(schema: string, extra = '', key = '[id]'): ComparatorSpec {
  return specFrom(`pairs:
  - id: p
    canonical: ${schema}.c
    shadow: ${schema}.s
    key: ${key}
    compare: all
${extra}`);
}

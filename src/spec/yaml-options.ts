/**
 * How every reader of a spec or attestation builds YAML into data, in a module of its own so
 * that a reader loading the YAML parser lazily (lint's hook) can import it without the parser.
 */

/**
 * Merge keys (`<<: *defaults`), as YAML 1.1 and most tools that read YAML have them, and how
 * many times an anchor may be used (weighted by the aliases inside it, as the yaml package
 * counts): its default, 100, refused an RFC whose gates each merge one `&defaults`, while an
 * alias bomb still stops within a few thousand nodes.
 */
export const YAML_TO_DATA = { merge: true, maxAliasCount: 10_000 } as const;

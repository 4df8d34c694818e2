/**
 * The attestation source: a gate only an operator can close is closed by a YAML record,
 * committed once, by that operator. Anything short of that is `halt: unsigned` with the
 * exact thing to fix; the measured value is the judgement the operator recorded.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { Evidence, SourceLocation } from '../../model/result.js';
import type { AttestationSpec, MeasurementSpec } from '../../spec/types.js';
import { YAML_TO_DATA } from '../../spec/yaml-options.js';
import { keyLocation, parseYaml, valueLocation } from '../../spec/yaml.js';
import { type Anchor, anchor, anchorEvidence, authorOf, commitEvidence, RepoBackedSource } from '../git/common.js';
import { type CommitInfo, type GitHistory, type Identity, normalisePath, type WritingCommit } from '../git/repo.js';
import { type EvalContext, halt, type MeasurementOutcome, ok } from '../types.js';
import { visible } from '../../formatters/visible.js';
import { closest, suggest } from '../../util/suggest.js';

/** Resolves from src/sources/attestation and from dist/sources/attestation alike. */
const SCHEMA_URL = new URL('../../../schemas/attestation.schema.json', import.meta.url);

/** The keys of a record (schemas/attestation.schema.json), for a key written another way. */
const RECORD_KEYS = ['gate', 'signer', 'email', 'date', 'judgement', 'note'];

export interface AttestationRecord {
  gate: string;
  signer: string;
  email: string;
  date: string;
  judgement: string;
  note?: string;
}

export function attestationPath(attestationsDir: string, measurementId: string, spec: AttestationSpec): string {
  return normalisePath(path.posix.join(attestationsDir, spec.record ?? `${measurementId}.yaml`));
}

export class AttestationMeasurementSource extends RepoBackedSource<'attestation'> {
  readonly kind = 'attestation' as const;
  private validator: ValidateFunction<AttestationRecord> | undefined;

  protected describe(m: Extract<MeasurementSpec, { source: 'attestation' }>): string {
    return `attestation for '${m.id}'`;
  }

  protected run(
    m: Extract<MeasurementSpec, { source: 'attestation' }>,
    repo: GitHistory,
    ctx: EvalContext,
  ): Promise<MeasurementOutcome> {
    return this.check(m.id, m.attestation, repo, ctx);
  }

  private validate(): ValidateFunction<AttestationRecord> {
    if (!this.validator) {
      const ajv = new Ajv2020({ allErrors: true, strict: true });
      // ajv-formats is CommonJS; `.default` is the plugin under both Node's and TypeScript's view of the import.
      addFormats.default(ajv, ['date', 'email']);
      const schema: unknown = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));
      this.validator = ajv.compile<AttestationRecord>(schema as object);
    }
    return this.validator;
  }

  private async check(
    id: string,
    spec: AttestationSpec,
    repo: GitHistory,
    ctx: EvalContext,
  ): Promise<MeasurementOutcome> {
    const a = await anchor(repo, ctx.ref, ctx.asOf, { history: true, ...(ctx.refFrom ? { from: ctx.refFrom } : {}) });
    if (!a.ok) return a.outcome;
    const at = a.anchor;
    const file = attestationPath(ctx.manifest.attestations_dir, id, spec);
    const operators = ctx.manifest.operators;
    const who = operators.length > 0 ? operators.map((o) => `${o.name} <${o.email}>`).join(', ') : 'an operator';
    const base: Evidence = { path: file, ...anchorEvidence(at) };
    const unsigned = (reason: string, extra: Evidence = {}) => halt('unsigned', reason, { ...base, ...extra });
    // A halt on what the record says (its judgement, its signer) names the line that says it,
    // as a spec error does: `file:line:col` in the reason, in the evidence, and as its cause.
    const located = (place: SourceLocation, reason: (where: string) => string, extra: Evidence = {}) => {
      const where = `${place.file}:${place.line}:${place.col}`;
      return halt('unsigned', reason(where), { ...base, ...extra, written_at: { ...place } }, place);
    };

    const text = await repo.fileAt(at.commit.sha, file);
    if (text === undefined) {
      const local = !at.bare && existsSync(path.join(at.root, file));
      // On disk because the commit checked out holds it (signed after the instant replayed, or
      // on the branch checked out, not the --ref read): committing it again is no fix.
      const head = local ? await repo.tipOf?.('HEAD') : undefined;
      if (head && head.sha !== at.commit.sha && (await repo.fileAt(head.sha, file)) !== undefined) {
        return unsigned(
          `no attestation record at ${file} on '${at.ref}' as of ${ctx.asOf.toISOString()} (${at.commit.sha.slice(0, 7)}); the commit checked out (HEAD, ${head.sha.slice(0, 7)}) holds one, which ${at.ref === 'HEAD' ? 'was committed after that instant' : `'${at.ref}' did not hold then`}`,
          { committed_at_head: head.sha },
        );
      }
      return unsigned(
        local
          ? `the attestation ${file} exists in the working tree but is not committed on '${at.ref}' as of ${ctx.asOf.toISOString()}; the signer must commit it`
          : `no attestation record at ${file} on '${at.ref}' as of ${ctx.asOf.toISOString()}; ${who} must sign it by committing that file`,
      );
    }

    let raw: unknown;
    try {
      // A key that is a list or a map is refused by the schema, not warned of on stderr.
      raw = parse(text, { ...YAML_TO_DATA, logLevel: 'error' });
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      return unsigned(`the attestation ${file} is not valid YAML (${msg}); fix it and have the signer re-commit it`);
    }
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const j = (raw as Record<string, unknown>).judgement;
      // `judgment:` (the other spelling) is a judgement written under a key the schema does not
      // know, not a blank one: the schema's message names the key and the spelling it takes.
      const misspelt = j === undefined && Object.keys(raw).some((k) => closest(k, RECORD_KEYS) === 'judgement');
      if (!misspelt && (j === undefined || j === null || (typeof j === 'string' && j.trim() === ''))) {
        return located(
          recordPlace(file, text, 'judgement', false),
          (where) =>
            `the attestation ${where} has a blank judgement; the operator must record one of: ${spec.judgements.join(', ')}`,
        );
      }
    }
    const validate = this.validate();
    if (!validate(raw)) {
      return unsigned(
        `the attestation ${file} does not match the attestation schema: ${schemaErrors(validate.errors, raw)}`,
      );
    }
    const rec = raw;
    const signed: Evidence = { signer: rec.signer, email: rec.email, judgement: rec.judgement, record_date: rec.date };
    if (rec.note !== undefined) signed.note = rec.note;

    if (rec.gate !== id) {
      return located(
        recordPlace(file, text, 'gate', true),
        (where) => `the attestation ${where} signs gate '${rec.gate}', not '${id}'`,
        signed,
      );
    }
    const judgement = rec.judgement.trim();
    if (!spec.judgements.includes(judgement)) {
      return located(
        recordPlace(file, text, 'judgement', true),
        (where) =>
          `the attestation ${where} records judgement '${judgement}', which is not one of: ${spec.judgements.join(', ')}`,
        signed,
      );
    }
    const operator = operators.find((o) => sameEmail(o.email, rec.email));
    if (!operator) {
      return located(
        recordPlace(file, text, 'email', true),
        (where) =>
          `the attestation ${where} is signed by ${rec.signer} <${rec.email}>, who is not an operator of ${ctx.manifest.id} (${who})`,
        signed,
      );
    }
    if (personName(rec.signer) !== personName(operator.name)) {
      // The email is the operator's, the name another's: whose signature it is, the record
      // does not say. Read by the email alone, anyone's name could sit over an operator's address.
      return located(
        recordPlace(file, text, 'signer', true),
        (where) =>
          `the attestation ${where} names signer ${rec.signer}, but ${rec.email} is the address of operator ${operator.name} in rfc.yaml; the record names its signer as rfc.yaml does (signer: ${operator.name}), or the signer's own address`,
        signed,
      );
    }

    const commits = await currentRecord(repo, await repo.commitsTouchingFile(at.commit.sha, file), file);
    const adding = commits[commits.length - 1];
    if (!adding) {
      return halt('error', `the attestation ${file} is in the tree but no commit touching it was found`, {
        ...base,
        ...signed,
      });
    }
    const history = commits.map((c) => ({ sha: c.sha, author: authorOf(c), date: c.date, subject: c.subject }));
    if (commits.length > 1) {
      const edit = commits[0] ?? adding;
      return unsigned(
        `the attestation ${file} was edited after signing by commit ${edit.sha.slice(0, 12)} (${authorOf(edit)}, ${edit.date}); an attestation counts only as committed once by its signer: delete it, then have ${rec.signer} commit a fresh record`,
        { ...signed, commits: history },
      );
    }
    if (!sameEmail(adding.authorEmail, rec.email)) {
      return unsigned(
        `the attestation ${file} was committed by ${authorOf(adding)}, not by its signer ${rec.signer} <${rec.email}>; the signer must commit it themselves (delete it, then have them commit it afresh)`,
        { ...signed, commits: history },
      );
    }
    if (spec.independent_of !== undefined) {
      const authored = await authoredBySigner(repo, spec.independent_of, at, { name: rec.signer, email: rec.email });
      if (authored.length > 0) {
        const others = operators.filter((o) => !sameEmail(o.email, rec.email));
        const fix =
          others.length > 0
            ? `${others.map((o) => `${o.name} <${o.email}>`).join(' or ')} must sign it instead (delete this record, then have them commit their own)`
            : `an operator who did not write it must sign it; ${ctx.manifest.id} declares no other`;
        return unsigned(
          `the attestation ${file} is signed by ${rec.signer} <${rec.email}>, who wrote the artifact it signs (${spec.independent_of}): ${authorship(authored, rec.email)}; nobody attests an artifact they authored: ${fix}`,
          {
            ...signed,
            sha: adding.sha,
            authored: authored.map(({ commit: c }) => ({
              ...commitEvidence(c),
              files: c.files,
              ...(c.merge ? { merge: true } : {}),
            })),
          },
        );
      }
    }
    return ok(judgement, {
      ...base,
      ...signed,
      operator: operator.name,
      sha: adding.sha,
      author: authorOf(adding),
      date: adding.date,
    });
  }
}

/**
 * Where the record writes `key`: its value (`value`), else the key itself; the record's first
 * key when it has none. The record was parsed already, so this parse finds what that did.
 */
function recordPlace(file: string, text: string, key: string, value: boolean): SourceLocation {
  const y = parseYaml(file, text);
  return value ? valueLocation(y, [key]) : keyLocation(y, [], key);
}

/**
 * The commits of the record as it stands (newest first): those since the path was last
 * created. A record deleted and committed afresh by its signer is a new signature; the
 * commits of the one before it (an edit, a commit by someone else) are not its history.
 */
async function currentRecord(repo: GitHistory, commits: CommitInfo[], file: string): Promise<CommitInfo[]> {
  for (let i = 1; i < commits.length; i++) {
    const c = commits[i] as CommitInfo;
    if ((await repo.pathKind(c.sha, file)) === undefined) return commits.slice(0, i);
  }
  return commits;
}

/** A commit that makes the signer an author: as its author or a co-author, under which identity. */
interface Authored {
  commit: WritingCommit;
  as: 'author' | 'co-author';
  identity: Identity;
}

/**
 * The commits reachable from the one read, merged branches included, that wrote a file
 * matching `glob` and name the signer as their author or a co-author, oldest first. One person
 * is one email, in any case, as the operator check reads it, or one after the repository's
 * `.mailmap` maps both: a mapping can join two addresses into one person, never split one.
 * None when no file matches at that commit: the artifact's presence is its own measurement's
 * to judge, and there is nothing yet to author.
 */
async function authoredBySigner(repo: GitHistory, glob: string, at: Anchor, signer: Identity): Promise<Authored[]> {
  if ((await repo.filesAt(at.commit.sha, glob)).length === 0) return [];
  const writes = await repo.commitsWriting([glob], at.commit.sha);
  if (writes.length === 0) return [];
  const [mapped = signer] = await repo.mailmap([signer]);
  const same = (who: Identity, whoMapped: Identity) =>
    sameEmail(who.email, signer.email) || sameEmail(whoMapped.email, mapped.email);
  const out: Authored[] = [];
  for (const c of writes) {
    const author = { name: c.authorName, email: c.authorEmail };
    const co = c.coAuthors.findIndex((a, i) => same(a, c.mailmapped.coAuthors[i] ?? a));
    if (same(author, c.mailmapped.author)) out.push({ commit: c, as: 'author', identity: author });
    else if (co >= 0) out.push({ commit: c, as: 'co-author', identity: c.coAuthors[co] as Identity });
  }
  return out;
}

/** The first commit that makes the signer an author, how, and how many more there are. */
function authorship(commits: Authored[], email: string): string {
  const { commit: c, as, identity } = commits[0] as Authored;
  const how =
    as === 'co-author'
      ? 'are a co-author (Co-authored-by:) of commit'
      : c.merge
        ? 'made merge commit'
        : 'authored commit';
  const alias = sameEmail(identity.email, email)
    ? ''
    : ` as ${identity.name} <${identity.email}> (one person with ${email} by .mailmap)`;
  const wrote = c.merge ? 'wrote lines of its own into' : 'wrote';
  const more = commits.length > 1 ? ` (and ${commits.length - 1} more)` : '';
  return `they ${how} ${c.sha.slice(0, 12)} (${c.date}, '${c.subject}')${alias}, which ${wrote} ${c.files.join(', ')}${more}`;
}

/** Emails compare case-insensitively: mail systems and git configs disagree on case. */
function sameEmail(x: string, y: string): boolean {
  return x.trim().toLowerCase() === y.trim().toLowerCase();
}

function schemaErrors(errors: ErrorObject[] | null | undefined, raw: unknown): string {
  const unknown = (e: ErrorObject) => String((e.params as { additionalProperty?: string }).additionalProperty);
  // A key written another way (`judgment`) is one mistake: the key it spells is not missing as well.
  const meant = new Set(
    (errors ?? []).flatMap((e) => (e.keyword === 'additionalProperties' ? [closest(unknown(e), RECORD_KEYS)] : [])),
  );
  return (errors ?? [])
    .filter((e) => !(e.keyword === 'required' && meant.has(String(e.params.missingProperty))))
    .map((e) => {
      const at = e.instancePath === '' ? 'the record' : e.instancePath.slice(1);
      if (e.keyword === 'additionalProperties') {
        const key = unknown(e);
        return `${at} has an unknown key '${key}'${suggest(key, RECORD_KEYS)}`;
      }
      if (e.keyword === 'format' && (e.params as { format?: string }).format === 'date') {
        return `${at} ${dateValue(raw, e.instancePath)}is not a calendar date (YYYY-MM-DD)`;
      }
      return `${at} ${e.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/** The value at a top-level instance path (`/date`), quoted, for a message about it. */
function dateValue(raw: unknown, path: string): string {
  const v = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[path.slice(1)] : undefined;
  return typeof v === 'string' ? `'${visible(v)}' ` : '';
}

/** A person's name as two spellings of it compare: Unicode-normalized, spaces collapsed, any case. */
function personName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

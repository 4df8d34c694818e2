import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttestationMeasurementSource } from '../../../src/sources/attestation/source.js';
import { GitRepo } from '../../../src/sources/git/repo.js';
import {
  ALICE,
  attestationMeasurement,
  BOB,
  context,
  createRepo,
  type FixtureRepo,
  MALLORY,
  manifest,
  type Person,
  removeFixtures,
  shallowClone,
} from '../../helpers/git-fixture.js';
import { halted } from '../../helpers/outcome.js';

afterAll(removeFixtures);

const DIR = 'gates/wave3/attestations';
const JUDGEMENTS = ['observed-clean', 'observed-violation'];

function record(gate: string, who: Person, judgement: string, extra = ''): string {
  return `# yaml-language-server: $schema=../../../schemas/attestation.schema.json
gate: ${gate}
signer: ${who.name}
email: ${who.email}
date: 2026-01-10
judgement: ${judgement}
${extra}`;
}

describe('AttestationMeasurementSource', () => {
  let repo: FixtureRepo;
  let signedSha = '';
  let editSha = '';
  let resignedSha = '';
  const measure = (id: string, opts: { record?: string; asOf?: string; dir?: string } = {}) =>
    new AttestationMeasurementSource(new GitRepo(opts.dir ?? repo.dir)).measure(
      attestationMeasurement({ judgements: JUDGEMENTS, ...(opts.record ? { record: opts.record } : {}) }, id),
      context(opts.dir ?? repo.dir, { asOf: opts.asOf ?? '2026-02-01T00:00:00Z' }),
    );
  const add = (id: string, text: string, author: Person, date = '2026-01-10T00:00:00Z', file = `${id}.yaml`) =>
    repo.commit({ files: { [`${DIR}/${file}`]: text }, message: `attest ${id}`, date, author });

  beforeAll(() => {
    repo = createRepo();
    repo.commit({ files: { 'README.md': 'x\n' }, message: 'init', date: '2026-01-01T00:00:00Z' });
    signedSha = add('stop_sign_5', record('stop_sign_5', ALICE, 'observed-clean', 'note: quiet week\n'), ALICE);
    add('stop_sign_6', record('stop_sign_6', MALLORY, 'observed-clean'), MALLORY);
    add('stop_sign_8', record('stop_sign_8', ALICE, 'observed-clean'), BOB);
    add('edited', record('edited', ALICE, 'observed-clean'), ALICE);
    editSha = add('edited', record('edited', ALICE, 'observed-violation'), BOB, '2026-01-11T00:00:00Z');
    add('not_allowed', record('not_allowed', ALICE, 'probably fine'), ALICE);
    add('blank', record('blank', ALICE, ''), ALICE);
    add('judgment', record('judgment', ALICE, 'observed-clean').replace('judgement:', 'judgment:'), ALICE);
    add('wrong_gate', record('stop_sign_5', ALICE, 'observed-clean'), ALICE);
    add('extra_key', record('extra_key', ALICE, 'observed-clean', 'mood: good\n'), ALICE);
    add('bad_date', record('bad_date', ALICE, 'observed-clean').replace('2026-01-10', '2026-02-30'), ALICE);
    add('custom', record('custom', BOB, 'observed-violation'), BOB, '2026-01-10T00:00:00Z', 'custom-name.yaml');
    // Voided by an edit, then by a commit of someone else: each deleted and committed afresh.
    add('resigned', record('resigned', ALICE, 'observed-clean'), ALICE);
    add('resigned', record('resigned', ALICE, 'observed-violation'), BOB, '2026-01-11T00:00:00Z');
    add('by_bot', record('by_bot', ALICE, 'observed-clean'), BOB);
    for (const id of ['resigned', 'by_bot']) {
      repo.commit({ files: { [`${DIR}/${id}.yaml`]: null }, message: `void ${id}`, date: '2026-01-12T00:00:00Z' });
    }
    resignedSha = add('resigned', record('resigned', ALICE, 'observed-violation'), ALICE, '2026-01-13T00:00:00Z');
    add('by_bot', record('by_bot', ALICE, 'observed-clean'), ALICE, '2026-01-13T00:00:00Z');
    // Signed, deleted, then put back by someone else: the record standing is not the signer's.
    add('put_back', record('put_back', ALICE, 'observed-clean'), ALICE);
    repo.commit({ files: { [`${DIR}/put_back.yaml`]: null }, message: 'void put_back', date: '2026-01-12T00:00:00Z' });
    add('put_back', record('put_back', ALICE, 'observed-clean'), BOB, '2026-01-13T00:00:00Z');
    // An operator's address under another's name, committed by that operator.
    add('posing', record('posing', { ...ALICE, name: MALLORY.name }, 'observed-clean'), ALICE);
    add(
      'respelt',
      record('respelt', { ...ALICE, name: `  ${ALICE.name.toUpperCase().replace(' ', '   ')} ` }, 'observed-clean'),
      ALICE,
    );
    add('late', record('late', ALICE, 'observed-clean'), ALICE, '2026-03-01T00:00:00Z');
    repo.write(`${DIR}/uncommitted.yaml`, record('uncommitted', ALICE, 'observed-clean'));
  });

  it('a record committed once by its operator counts; the value is the judgement', async () => {
    const o = await measure('stop_sign_5');
    expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
    expect(o.status === 'ok' && o.value).toBe('observed-clean');
    expect(o.evidence).toMatchObject({
      path: `${DIR}/stop_sign_5.yaml`,
      sha: signedSha,
      author: `${ALICE.name} <${ALICE.email}>`,
      date: '2026-01-10T00:00:00.000Z',
      signer: ALICE.name,
      judgement: 'observed-clean',
      note: 'quiet week',
    });
  });

  it('honours a custom record name', async () => {
    const o = await measure('custom', { record: 'custom-name.yaml' });
    expect(o.status === 'ok' && o.value).toBe('observed-violation');
  });

  it('a missing record is unsigned, naming the file and the operators', async () => {
    const h = halted(await measure('stop_sign_7'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(`${DIR}/stop_sign_7.yaml`);
    expect(h.reason).toContain(ALICE.email);
  });

  it('a record committed after the instant does not count yet', async () => {
    const h = halted(await measure('late'));
    expect(h.halt).toBe('unsigned');
    // It is on disk because HEAD holds it: a replay does not tell the signer to commit it again.
    expect(h.reason).not.toMatch(/must commit/);
    expect(h.reason).toMatch(/HEAD, [0-9a-f]{7}\) holds one, which was committed after that instant/);
    expect((await measure('late', { asOf: '2026-03-02T00:00:00Z' })).status).toBe('ok');
  });

  it('--ref a branch without the record: unsigned, saying HEAD holds it rather than to commit it', async () => {
    repo.branch('before-late', 'HEAD~1');
    const h = halted(
      await new AttestationMeasurementSource(new GitRepo(repo.dir)).measure(
        attestationMeasurement({ judgements: JUDGEMENTS }, 'late'),
        context(repo.dir, { asOf: '2026-03-02T00:00:00Z', ref: 'before-late' }),
      ),
    );
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toMatch(/holds one, which 'before-late' did not hold then/);
  });

  it('an uncommitted record is unsigned, and the reason says to commit it', async () => {
    const h = halted(await measure('uncommitted'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toMatch(/not committed/);
  });

  it('an unknown signer is unsigned', async () => {
    const h = halted(await measure('stop_sign_6'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(MALLORY.email);
    expect(h.reason).toMatch(/not an operator/);
  });

  it('a record committed by someone else is unsigned', async () => {
    const h = halted(await measure('stop_sign_8'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(BOB.email);
    expect(h.reason).toMatch(/not by its signer/);
  });

  it('an edit after signing voids the record, naming the editing commit', async () => {
    const o = await measure('edited');
    const h = halted(o);
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(editSha.slice(0, 12));
    expect(h.reason).toMatch(/edited/);
    expect(o.evidence.commits).toHaveLength(2);
  });

  it('a voided record deleted and committed afresh by its signer counts, as a new signature', async () => {
    const o = await measure('resigned');
    expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
    expect(o.status === 'ok' && o.value).toBe('observed-violation');
    expect(o.evidence).toMatchObject({ sha: resignedSha, author: `${ALICE.name} <${ALICE.email}>` });
    const bot = await measure('by_bot');
    expect(bot.status, bot.status === 'halt' ? bot.reason : '').toBe('ok');
  });

  it('a record deleted and put back by someone else than its signer is unsigned', async () => {
    const o = await measure('put_back');
    const h = halted(o);
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(BOB.email);
    expect(h.reason).toMatch(/not by its signer/);
    expect(o.evidence.commits).toHaveLength(1);
  });

  it('a judgement outside the allowed list is unsigned', async () => {
    const h = halted(await measure('not_allowed'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain('probably fine');
    expect(h.reason).toContain('observed-clean');
  });

  it('a judgement under a misspelt key is named so, not called blank', async () => {
    const h = halted(await measure('judgment'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toBe(
      `the attestation ${DIR}/judgment.yaml does not match the attestation schema: the record has an unknown key 'judgment' (did you mean 'judgement'?)`,
    );
  });

  it('a blank judgement is unsigned', async () => {
    const h = halted(await measure('blank'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toMatch(/blank judgement/);
  });

  it('a record for another gate is unsigned', async () => {
    const h = halted(await measure('wrong_gate'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain('stop_sign_5');
  });

  it.each([
    // The record's line 1 is its modeline: gate on 2, email on 4, judgement on 6.
    ['blank', 'a blank judgement at its key', 6, 1, /has a blank judgement/],
    ['not_allowed', 'a judgement outside the list at its value', 6, 12, /records judgement 'probably fine'/],
    ['stop_sign_6', 'a signer who is no operator at the email', 4, 8, /who is not an operator/],
    ['wrong_gate', "another gate's record at its gate", 2, 7, /signs gate 'stop_sign_5', not 'wrong_gate'/],
    [
      'posing',
      "an operator's address under another name at the signer",
      3,
      9,
      new RegExp(
        `names signer ${MALLORY.name}, but ${ALICE.email} is the address of operator ${ALICE.name} in rfc\\.yaml`,
      ),
    ],
  ])('%s: %s is located in the record file', async (id, _what, line, col, says) => {
    const o = await measure(id);
    const h = halted(o);
    expect(h.halt).toBe('unsigned');
    const file = `${DIR}/${id}.yaml`;
    expect(h.reason).toMatch(says);
    expect(h.reason).toContain(`the attestation ${file}:${line}:${col} `);
    expect(o.evidence.written_at).toEqual({ file, line, col });
    expect(o.status === 'halt' && o.at).toEqual({ file, line, col });
  });

  it("the signer's name is read as a person writes it: case and spacing aside", async () => {
    const o = await measure('respelt');
    expect(o.status).toBe('ok');
  });

  it('a record that breaks the schema is unsigned, saying what is wrong', async () => {
    const extra = halted(await measure('extra_key'));
    expect(extra.halt).toBe('unsigned');
    expect(extra.reason).toContain('mood');
    const date = halted(await measure('bad_date'));
    expect(date.halt).toBe('unsigned');
    expect(date.reason).toMatch(/: date '2026-02-30' is not a calendar date \(YYYY-MM-DD\)$/);
  });

  it('a shallow clone cannot prove who committed the record', async () => {
    const clone = shallowClone(repo);
    const h = halted(await measure('stop_sign_5', { dir: clone.dir }));
    expect(h.halt).toBe('missing');
    expect(h.reason).toContain('fetch-depth: 0');
  });

  it('refuses a measurement of another source', async () => {
    const o = await new AttestationMeasurementSource().measure(
      {
        id: 'x',
        type: 'bool',
        source: 'git',
        git: { query: 'path_exists', path: 'x' },
        location: { file: 'f', line: 1, col: 1 },
      },
      context(repo.dir),
    );
    expect(halted(o).halt).toBe('error');
  });
});

describe('AttestationMeasurementSource: independent_of, a signer who wrote the artifact does not count', () => {
  let repo: FixtureRepo;
  let aliceWrote = '';
  let pairedSha = '';
  let bobSigned = '';
  const AS_OF = '2026-02-01T00:00:00Z';
  const measure = (id: string, glob: string, asOf = AS_OF) =>
    new AttestationMeasurementSource(new GitRepo(repo.dir)).measure(
      attestationMeasurement({ judgements: JUDGEMENTS, independent_of: glob }, id),
      context(repo.dir, { asOf }),
    );
  const add = (id: string, signer: Person, date = '2026-01-20T00:00:00Z') =>
    repo.commit({
      files: { [`${DIR}/${id}.yaml`]: record(id, signer, 'observed-clean') },
      message: `attest ${id}`,
      date,
      author: signer,
    });

  beforeAll(() => {
    repo = createRepo();
    repo.commit({ files: { 'README.md': 'x\n' }, message: 'init', date: '2026-01-01T00:00:00Z' });
    aliceWrote = repo.commit({
      files: { 'docs/alice/red-team.md': '# red team\n' },
      message: 'handoff: red team',
      date: '2026-01-05T00:00:00Z',
      author: ALICE,
    });
    repo.commit({
      files: { 'docs/alice/red-team.md': '# red team\n\nreviewed\n' },
      message: 'handoff: red team, reviewed',
      date: '2026-01-06T00:00:00Z',
      author: MALLORY,
    });
    // Bob's commit, Alice paired on it: her address as the trailer spells it, in other case.
    pairedSha = repo.commit({
      files: { 'docs/pair/red-team.md': '# red team\n' },
      message: 'handoff: paired red team\n\nWritten together.\n\nCo-authored-by: Alice Operator <Alice@Example.com>',
      date: '2026-01-07T00:00:00Z',
      author: BOB,
    });
    // A subject that merely reads like a trailer names nobody.
    repo.commit({
      files: { 'docs/bob/red-team.md': '# red team\n' },
      message: 'Co-authored-by: Alice Operator <alice@example.com>',
      date: '2026-01-08T00:00:00Z',
      author: BOB,
    });
    // Alice only removed a stale copy: a deletion writes nothing.
    repo.commit({
      files: { 'docs/bob/old.md': '# old\n' },
      message: 'old copy',
      date: '2026-01-08T01:00:00Z',
      author: BOB,
    });
    repo.commit({
      files: { 'docs/bob/old.md': null },
      message: 'drop old copy',
      date: '2026-01-08T02:00:00Z',
      author: ALICE,
    });
    // Written by Alice, then gone before anyone signed: no artifact to be independent of.
    repo.commit({
      files: { 'docs/gone/red-team.md': '# gone\n' },
      message: 'gone',
      date: '2026-01-09T00:00:00Z',
      author: ALICE,
    });
    repo.commit({
      files: { 'docs/gone/red-team.md': null },
      message: 'gone',
      date: '2026-01-09T01:00:00Z',
      author: BOB,
    });
    add('by_author', ALICE);
    add('by_co_author', ALICE);
    add('by_other', ALICE);
    add('nothing_matches', ALICE);
    add('gone', ALICE);
    // The author signed, the record was voided, and another operator signed afresh.
    add('replaced', ALICE);
    repo.commit({ files: { [`${DIR}/replaced.yaml`]: null }, message: 'void replaced', date: '2026-01-21T00:00:00Z' });
    bobSigned = add('replaced', BOB, '2026-01-22T00:00:00Z');
    // Alice writes into Bob's artifact only after the instant read.
    add('later_edit', ALICE);
    repo.commit({
      files: { 'docs/bob/red-team.md': '# red team\n\nAlice was here\n' },
      message: 'edit after signing',
      date: '2026-03-01T00:00:00Z',
      author: ALICE,
    });
  });

  it('halts unsigned when the signer authored a commit that wrote the artifact, naming them and the commit', async () => {
    const o = await measure('by_author', 'docs/alice/*.md');
    const h = halted(o);
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(
      `signed by ${ALICE.name} <${ALICE.email}>, who wrote the artifact it signs (docs/alice/*.md)`,
    );
    expect(h.reason).toContain(`they authored commit ${aliceWrote.slice(0, 12)}`);
    expect(h.reason).toContain('docs/alice/red-team.md');
    expect(h.reason).toMatch(
      /nobody attests an artifact they authored: Bob Builder <bob@example\.com> must sign it instead/,
    );
    expect(o.evidence.authored).toEqual([
      expect.objectContaining({ sha: aliceWrote, files: ['docs/alice/red-team.md'] }),
    ]);
  });

  it('halts unsigned when the signer is only a Co-authored-by: co-author of such a commit', async () => {
    const h = halted(await measure('by_co_author', 'docs/pair/*.md'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(`they are a co-author (Co-authored-by:) of commit ${pairedSha.slice(0, 12)}`);
  });

  it('counts a signer independent of the artifact: a trailer in the subject and a deletion make no author', async () => {
    const o = await measure('by_other', 'docs/bob/*.md');
    expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
    expect(o.status === 'ok' && o.value).toBe('observed-clean');
  });

  it("counts another operator's signature that replaced the author's", async () => {
    const o = await measure('replaced', 'docs/alice/*.md');
    expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
    expect(o.evidence).toMatchObject({ sha: bobSigned, signer: BOB.name });
  });

  it('is silent when no file matches the glob at the commit read, whoever wrote one before', async () => {
    for (const [id, glob] of [
      ['nothing_matches', 'docs/nothing/*.md'],
      ['gone', 'docs/gone/*.md'],
    ] as const) {
      const o = await measure(id, glob);
      expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
    }
  });

  it('reads the commits up to the one read: a later edit by the signer counts once it is in', async () => {
    expect((await measure('later_edit', 'docs/bob/*.md')).status).toBe('ok');
    const h = halted(await measure('later_edit', 'docs/bob/*.md', '2026-03-02T00:00:00Z'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toMatch(/they authored commit [0-9a-f]{12} \(2026-03-01T00:00:00\.000Z, 'edit after signing'\)/);
  });
});

describe('AttestationMeasurementSource: independent_of reads every commit the ref holds, merged branches and .mailmap included', () => {
  let repo: FixtureRepo;
  let aliceOnBranch = '';
  let aliasWrote = '';
  let aliasPaired = '';
  let carolWrote = '';
  let resolvedByAlice = '';
  let discarded = '';
  const AS_OF = '2026-02-01T00:00:00Z';
  // Alice's other address, and Carol's: .mailmap makes each one person with the operator.
  const ALICE_ELSEWHERE: Person = { name: 'Alice Personal', email: 'alice.personal@example.org' };
  const CAROL: Person = { name: 'Carol Checker', email: 'carol@example.com' };
  const CAROL_AT_WORK: Person = { name: 'Carol Checker', email: 'carol@work.example' };
  const operators = manifest({ operators: [ALICE, BOB, CAROL] });
  const measure = (id: string, glob: string, dir = repo.dir) =>
    new AttestationMeasurementSource(new GitRepo(dir)).measure(
      attestationMeasurement({ judgements: JUDGEMENTS, independent_of: glob }, id),
      context(dir, { asOf: AS_OF, manifest: operators }),
    );
  const doc = (folder: string, text: string) => ({ [`docs/${folder}/red-team.md`]: text });
  const TEN = '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n';

  beforeAll(() => {
    repo = createRepo();
    repo.commit({ files: { 'README.md': 'x\n' }, message: 'init', date: '2026-01-01T00:00:00Z' });
    // Alice's pull request, merged by Bob with a merge commit (git merge --no-ff).
    repo.branch('alice/red-team');
    repo.checkout('alice/red-team');
    aliceOnBranch = repo.commit({
      files: doc('merged', '# red team\n'),
      message: 'handoff: red team',
      date: '2026-01-02T00:00:00Z',
      author: ALICE,
    });
    repo.checkout('main');
    repo.commit({ files: { 'README.md': 'y\n' }, message: 'readme', date: '2026-01-03T00:00:00Z' });
    repo.merge('alice/red-team', {
      message: 'Merge pull request #1 from alice/red-team',
      date: '2026-01-04T00:00:00Z',
      author: BOB,
    });
    // Written under addresses .mailmap folds into an operator's, in either direction.
    aliasWrote = repo.commit({
      files: doc('alias', '# red team\n'),
      message: 'handoff: red team from home',
      date: '2026-01-05T00:00:00Z',
      author: ALICE_ELSEWHERE,
    });
    aliasPaired = repo.commit({
      files: doc('alias-pair', '# red team\n'),
      message: 'handoff: paired red team\n\nCo-authored-by: Alice Personal <Alice.Personal@example.org>',
      date: '2026-01-05T01:00:00Z',
      author: BOB,
    });
    carolWrote = repo.commit({
      files: doc('carol', '# red team\n'),
      message: 'handoff: red team from work',
      date: '2026-01-05T02:00:00Z',
      author: CAROL_AT_WORK,
    });
    repo.commit({
      files: {
        '.mailmap': `${ALICE.name} <${ALICE.email}> <${ALICE_ELSEWHERE.email}>\nCarol Checker <${CAROL_AT_WORK.email}> <${CAROL.email}>\n`,
      },
      message: 'mailmap',
      date: '2026-01-06T00:00:00Z',
    });
    // Bob's branch and the mainline both change the same line; Alice's merge writes a line of her own.
    repo.commit({ files: doc('resolved', '# red team\ndraft\n'), message: 'draft', date: '2026-01-07T00:00:00Z' });
    repo.branch('bob/resolved');
    repo.checkout('bob/resolved');
    repo.commit({ files: doc('resolved', '# red team\nbob\n'), message: 'bob', date: '2026-01-08T00:00:00Z' });
    repo.checkout('main');
    repo.commit({ files: doc('resolved', '# red team\nmain\n'), message: 'main', date: '2026-01-09T00:00:00Z' });
    resolvedByAlice = repo.merge('bob/resolved', {
      message: 'Merge bob/resolved',
      date: '2026-01-10T00:00:00Z',
      author: ALICE,
      resolve: doc('resolved', '# red team\nalice settled it\n'),
    });
    // Bob's branch and the mainline change different lines; Alice's merge only brings them together.
    repo.commit({ files: doc('parallel', TEN), message: 'ten', date: '2026-01-11T00:00:00Z' });
    repo.branch('bob/parallel');
    repo.checkout('bob/parallel');
    repo.commit({ files: doc('parallel', TEN.replace('2\n', 'two\n')), message: 'two', date: '2026-01-12T00:00:00Z' });
    repo.checkout('main');
    repo.commit({
      files: doc('parallel', TEN.replace('9\n', 'nine\n')),
      message: 'nine',
      date: '2026-01-13T00:00:00Z',
    });
    repo.merge('bob/parallel', { message: 'Merge bob/parallel', date: '2026-01-14T00:00:00Z', author: ALICE });
    // Alice's edit on a branch the merge then discarded (-s ours): she wrote into the artifact all the same.
    repo.commit({ files: doc('discarded', '# red team\n'), message: 'bob writes', date: '2026-01-15T00:00:00Z' });
    repo.branch('alice/discarded');
    repo.checkout('alice/discarded');
    discarded = repo.commit({
      files: doc('discarded', '# red team\n\nalice\n'),
      message: 'alice edits',
      date: '2026-01-16T00:00:00Z',
      author: ALICE,
    });
    repo.checkout('main');
    repo.merge('alice/discarded', {
      message: 'Merge alice/discarded',
      date: '2026-01-17T00:00:00Z',
      strategy: 'ours',
    });
    const sign = (id: string, signer: Person) =>
      repo.commit({
        files: { [`${DIR}/${id}.yaml`]: record(id, signer, 'observed-clean') },
        message: `attest ${id}`,
        date: '2026-01-20T00:00:00Z',
        author: signer,
      });
    sign('branch_author', ALICE);
    sign('merger', BOB);
    sign('alias_author', ALICE);
    sign('alias_co_author', ALICE);
    sign('canonical_elsewhere', CAROL);
    sign('alias_other', BOB);
    sign('resolver', ALICE);
    sign('plain_merger', ALICE);
    sign('discarded', ALICE);
  });

  it('halts unsigned when the signer authored a commit of a branch merged with a merge commit, naming that commit, not the merge', async () => {
    const o = await measure('branch_author', 'docs/merged/*.md');
    const h = halted(o);
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(`they authored commit ${aliceOnBranch.slice(0, 12)}`);
    expect(o.evidence.authored).toEqual([
      expect.objectContaining({ sha: aliceOnBranch, files: ['docs/merged/red-team.md'] }),
    ]);
  });

  it('counts the signature of an operator who only merged the branch: a merge that brings a change in writes nothing', async () => {
    const o = await measure('merger', 'docs/merged/*.md');
    expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
    expect(o.evidence).toMatchObject({ signer: BOB.name });
  });

  it('halts unsigned when .mailmap makes the author of such a commit one person with the signer', async () => {
    const author = halted(await measure('alias_author', 'docs/alias/*.md'));
    expect(author.halt).toBe('unsigned');
    expect(author.reason).toContain(
      `they authored commit ${aliasWrote.slice(0, 12)} (2026-01-05T00:00:00.000Z, 'handoff: red team from home') as ${ALICE_ELSEWHERE.name} <${ALICE_ELSEWHERE.email}> (one person with ${ALICE.email} by .mailmap), which wrote docs/alias/red-team.md`,
    );
    const coAuthor = halted(await measure('alias_co_author', 'docs/alias-pair/*.md'));
    expect(coAuthor.halt).toBe('unsigned');
    expect(coAuthor.reason).toContain(
      `they are a co-author (Co-authored-by:) of commit ${aliasPaired.slice(0, 12)} (2026-01-05T01:00:00.000Z, 'handoff: paired red team') as Alice Personal <Alice.Personal@example.org> (one person with ${ALICE.email} by .mailmap), which wrote docs/alias-pair/red-team.md`,
    );
    // The signer's own address is the one .mailmap maps, to the address the commit has.
    const canonical = halted(await measure('canonical_elsewhere', 'docs/carol/*.md'));
    expect(canonical.halt).toBe('unsigned');
    expect(canonical.reason).toContain(`they authored commit ${carolWrote.slice(0, 12)}`);
  });

  it('counts an operator whom no commit writing the artifact names, whatever .mailmap says of others', async () => {
    const o = await measure('alias_other', 'docs/alias/*.md');
    expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
  });

  it('halts unsigned when the signer made a merge that wrote lines of its own into the artifact', async () => {
    const o = await measure('resolver', 'docs/resolved/*.md');
    const h = halted(o);
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(
      `they made merge commit ${resolvedByAlice.slice(0, 12)} (2026-01-10T00:00:00.000Z, 'Merge bob/resolved'), which wrote lines of its own into docs/resolved/red-team.md`,
    );
    expect(o.evidence.authored).toEqual([expect.objectContaining({ sha: resolvedByAlice, merge: true })]);
  });

  it("counts the signer of a merge that only joined two branches' edits to the artifact", async () => {
    const o = await measure('plain_merger', 'docs/parallel/*.md');
    expect(o.status, o.status === 'halt' ? o.reason : '').toBe('ok');
  });

  it('halts unsigned when the signer wrote into the artifact on a branch whose change the merge discarded', async () => {
    const h = halted(await measure('discarded', 'docs/discarded/*.md'));
    expect(h.halt).toBe('unsigned');
    expect(h.reason).toContain(`they authored commit ${discarded.slice(0, 12)}`);
  });

  it('halts missing in a shallow clone, which cannot show who wrote the artifact', async () => {
    const clone = shallowClone(repo);
    const h = halted(await measure('merger', 'docs/merged/*.md', clone.dir));
    expect(h.halt).toBe('missing');
    expect(h.reason).toContain('fetch-depth: 0');
  });
});

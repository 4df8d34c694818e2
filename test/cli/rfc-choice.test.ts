/**
 * Which RFC a command reads when there are several and --rfc is not given: the comparator and
 * council commands take the one RFC that has their spec file, as lint takes the one with lints;
 * a command every RFC could answer still asks.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempRoot } from '../helpers/spec-fixture.js';

let root: string;
let cleanup: () => void;

beforeAll(() => {
  ({ root, cleanup } = tempRoot('rfcgate-rfc-choice-'));
  execFileSync('git', ['init', '-q', root]);
  // wave3 has a comparator.yaml and a council.yaml; v3-kernel has neither.
  for (const dir of ['gates/wave3', 'gates/v3-kernel', 'rfcs'])
    cpSync(resolve(dir), join(root, dir), { recursive: true });
});
afterAll(() => cleanup());

describe('with two RFCs and no --rfc', () => {
  it('comparator check reads the RFC that has a comparator.yaml', () => {
    const r = runCli(['comparator', 'check'], root);
    // No database here: each pair halts, but for wave3's pairs, not for want of an RFC.
    expect(r.stdout).toMatch(/^wave3 comparator check as of \S+ on pglite:\.rfcgate\/pgdata\n/);
    expect(r.stdout).toMatch(/^HALT {2}identities: core\.identities ↔ core\.identities_shadow/m);
    expect(r.code).toBe(2);
  });

  it('council status reads the RFC that has a council.yaml', () => {
    const r = runCli(['council', 'status'], root);
    expect(r.stderr).toBe("no council round stored in rfcs/wave3/council: run 'wave3 council run'\n");
    expect(r.code).toBe(2);
  });

  it('asks for --rfc when both have the file, and says none has it when neither does', () => {
    cpSync(join(root, 'gates/wave3/comparator.yaml'), join(root, 'gates/v3-kernel/comparator.yaml'));
    const both = runCli(['comparator', 'check'], root);
    expect(both.stderr).toBe(
      'error: several RFCs under gates/ have a comparator.yaml (v3-kernel, wave3): choose one with --rfc\n',
    );
    expect(both.code).toBe(3);
    for (const id of ['wave3', 'v3-kernel']) rmSync(join(root, 'gates', id, 'comparator.yaml'));
    const neither = runCli(['comparator', 'run'], root);
    expect(neither.stderr).toBe(
      'error: none of the RFCs under gates/ (v3-kernel, wave3) has a comparator.yaml: add gates/<rfc>/comparator.yaml\n',
    );
    expect(neither.code).toBe(3);
  });

  it('an --rfc with no folder is an unknown RFC to council and comparator, not one without the file', () => {
    const known = 'known RFCs: v3-kernel, wave3';
    for (const cmd of [
      ['council', 'status'],
      ['council', 'run'],
      ['comparator', 'check'],
    ]) {
      const r = runCli([...cmd, '--rfc', 'nope'], root);
      expect(r.stderr, cmd.join(' ')).toBe(`error: unknown RFC 'nope': no folder gates/nope; ${known}\n`);
      expect(r.code, cmd.join(' ')).toBe(3);
    }
  });

  it('prereq status, which both could answer, still asks', () => {
    const r = runCli(['prereq', 'status'], root);
    expect(r.stderr).toBe('error: several RFCs under gates/ (v3-kernel, wave3): choose one with --rfc\n');
    expect(r.code).toBe(3);
  });
});

describe('an empty --rfc (an unset shell variable: --rfc "$RFC")', () => {
  it('names no RFC: it is refused, never read as "choose for me" or "every RFC"', () => {
    const unknown =
      "error: unknown RFC '': an RFC is named by its folder directly under gates/; known RFCs: v3-kernel, wave3\n";
    // spec validate without --rfc validates every RFC; with an empty one it must not.
    for (const cmd of [
      ['spec', 'validate'],
      ['prereq', 'status'],
      ['comparator', 'check'],
      ['gate', 'history'],
    ]) {
      const r = runCli([...cmd, '--rfc', ''], root);
      expect(r.stderr, cmd.join(' ')).toBe(unknown);
      expect(r.stdout, cmd.join(' ')).toBe('');
      expect(r.code, cmd.join(' ')).toBe(3);
    }
  });

  it('is refused with one RFC too, which a missing --rfc would choose', () => {
    const { root: one, cleanup: done } = tempRoot('rfcgate-rfc-empty-');
    try {
      execFileSync('git', ['init', '-q', one]);
      cpSync(resolve('gates/v3-kernel'), join(one, 'gates/v3-kernel'), { recursive: true });
      expect(runCli(['spec', 'validate'], one).code).toBe(0);
      const r = runCli(['prereq', 'status', '--rfc', ''], one);
      expect(r.stderr).toBe(
        "error: unknown RFC '': an RFC is named by its folder directly under gates/; known RFCs: v3-kernel\n",
      );
      expect(r.code).toBe(3);
    } finally {
      done();
    }
  });
});

/** Whether a finding's section names a heading of the RFC document, judged on the repository's own RFCs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentHeadings, sectionJudge } from '../../src/council/sections.js';

const RFCS = join(import.meta.dirname, '..', '..', 'rfcs');
const wave3 = readFileSync(join(RFCS, 'wave3.md'), 'utf8');
const kernel = readFileSync(join(RFCS, 'v3-kernel.md'), 'utf8');

describe('the headings of a document', () => {
  it('reads each heading with its section number and its title', () => {
    const headings = documentHeadings(wave3);
    expect(headings).toContainEqual({ text: '§0(B) Boundary cost', number: ['0', 'b'], title: 'Boundary cost' });
    expect(headings).toContainEqual({ text: '§0(A.1) ODE floor', number: ['0', 'a', '1'], title: 'ODE floor' });
    expect(headings).toContainEqual({ text: '§3.1 Surface matrix', number: ['3', '1'], title: 'Surface matrix' });
    expect(headings).toContainEqual({ text: 'Changelog', number: null, title: 'Changelog' });
    // A paragraph line that starts with '#10' is no heading.
    expect(headings.some((h) => h.text.startsWith('10 halts'))).toBe(false);
    expect(documentHeadings(kernel)).toContainEqual({
      text: '3. The §2 entry milestone (decided)',
      number: ['3'],
      title: 'The §2 entry milestone (decided)',
    });
  });
});

describe('a finding section judged against rfcs/wave3.md', () => {
  const judge = sectionJudge(wave3);

  it('names a heading by its section number, however the rest is written', () => {
    for (const section of [
      '§0',
      '§0(B)',
      '§0(A.1)',
      '§3.1',
      '§14.2',
      '§15',
      '§0(B) Boundary cost',
      '§0(B) — Boundary cost',
      '§0(B), §0(C)',
      '§0(B)/§0(C)',
      '§ 6',
      '§6 Measurement table, row ode_floor',
      '§0(b)',
      'Section 3.2',
    ]) {
      expect([section, judge(section)]).toEqual([section, []]);
    }
  });

  it('names the group its subsections are numbered in: §0(A) of §0(A.1) and §0(A.2)', () => {
    expect(judge('§0(A)')).toEqual([]);
    expect(judge('§0(A.3)')).toEqual(['§0(A.3)']);
  });

  it('names a heading by its whole text, or its title without the number', () => {
    expect(judge('Changelog')).toEqual([]);
    expect(judge('Operators')).toEqual([]);
    expect(judge('Boundary cost')).toEqual([]);
    expect(judge('§0(B) Boundary cost')).toEqual([]);
  });

  it('says what names no heading: an invented number, a mistyped one, a subsection it lacks, words of no heading', () => {
    expect(judge('§17')).toEqual(['§17']);
    expect(judge('§0(G)')).toEqual(['§0(G)']);
    expect(judge('§3.3')).toEqual(['§3.3']);
    expect(judge('§0(B), §0(G)')).toEqual(['§0(G)']);
    expect(judge('§16 and §17')).toEqual(['§16', '§17']);
    expect(judge('the whole document')).toEqual(['the whole document']);
    // A kernel heading is no heading of wave3.
    expect(judge('Coupling edges')).toEqual(['Coupling edges']);
  });

  it('a heading inside a fenced or indented code block is none', () => {
    const fenced = `${wave3}\n\`\`\`markdown\n## §17 Appendix\n### §0(G) Fake\n\`\`\`\n\n    ## §18 Indented\n`;
    const judgeFenced = sectionJudge(fenced);
    expect(judgeFenced('§17')).toEqual(['§17']);
    expect(judgeFenced('§0(G)')).toEqual(['§0(G)']);
    expect(judgeFenced('§18')).toEqual(['§18']);
    expect(judgeFenced('Appendix')).toEqual(['Appendix']);
    // Outside a block, the same line is a heading.
    expect(sectionJudge(`${wave3}\n## §17 Appendix\n`)('§17')).toEqual([]);
  });
});

describe('a finding section judged against rfcs/v3-kernel.md, numbered without §', () => {
  const judge = sectionJudge(kernel);

  it('names a heading by its number, with or without §, or by its text', () => {
    for (const section of [
      '§2',
      '2. Sequence',
      '2',
      '§5 Gates',
      'Coupling edges',
      'Hit ratio, defined',
      '3. The §2 entry milestone (decided)',
      'The §2 entry milestone (decided)',
      'Invariants (hold for the whole track)',
    ]) {
      expect([section, judge(section)]).toEqual([section, []]);
    }
  });

  it('says what names no heading', () => {
    expect(judge('§7')).toEqual(['§7']);
    expect(judge('§0(B)')).toEqual(['§0(B)']);
    expect(judge('§2.1')).toEqual(['§2.1']);
    expect(judge('Coupling')).toEqual(['Coupling']);
    expect(judge('section overview')).toEqual(['section overview']);
  });
});

/** measure list's table, from rows as listMeasurements returns them. */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { measurementTable } from '../../src/formatters/measurements.js';
import type { ListedMeasurement } from '../../src/ledger/measurements.js';
import { expectInert, PLANTED, SHOWN } from '../helpers/planted.js';

const row = (over: Partial<ListedMeasurement>): ListedMeasurement => ({
  id: '1',
  recorded_at: '2026-05-31T12:00:00.000Z',
  measurement_type: 'measurement.lease_plane.request',
  elapsed_ms: 41,
  agent_id: 'agent-7',
  payload: {},
  idempotency_key: 'lease-1',
  recorded_by: 'cli-test',
  ...over,
});

describe('measurementTable', () => {
  it('pads every column to its widest cell, "-" for what rfcgate did not record', () => {
    const text = measurementTable([
      row({}),
      row({ elapsed_ms: null, agent_id: null, idempotency_key: null, recorded_by: null, payload: { n: 1 } }),
    ]);
    expect(text.split('\n')).toEqual([
      'recorded_at               measurement_type                 elapsed_ms  agent_id  payload  key      recorded_by',
      '2026-05-31T12:00:00.000Z  measurement.lease_plane.request  41          agent-7   {}       lease-1  cli-test',
      '2026-05-31T12:00:00.000Z  measurement.lease_plane.request  -           -         {"n":1}  -        -',
      '',
    ]);
  });

  it('writes out what a terminal or a CI log would obey in a row the application wrote, measured as shown', () => {
    const text = measurementTable([
      row({
        agent_id: PLANTED,
        idempotency_key: PLANTED,
        recorded_by: PLANTED,
        payload: { '##[add-mask]x': PLANTED },
      }),
      row({}),
    ]);
    expectInert(text);
    const [header = '', planted = '', plain = ''] = text.split('\n');
    expect(planted).toContain(`  ${SHOWN}  `);
    expect(planted.endsWith(SHOWN)).toBe(true);
    // JSON writes out the escape sequence and the line break, visible() the rest; clipped to 40.
    expect(planted).toContain('  {"##\\x5badd-mask]x":"::error::x \\u001b[…  ');
    // Each column starts where its heading does, in both rows.
    const cells = { agent_id: 'agent-7', payload: '{}', key: 'lease-1', recorded_by: 'cli-test' };
    for (const [h, cell] of Object.entries(cells)) expect(plain.indexOf(`  ${cell}`) + 2, h).toBe(header.indexOf(h));
    expect(planted.indexOf('{"##')).toBe(header.indexOf('payload'));
    expect(planted.lastIndexOf(`  ${SHOWN}`) + 2).toBe(header.indexOf('recorded_by'));
  });

  it('lines columns up in terminal columns when a cell holds wide characters, and clips between code points', () => {
    const text = measurementTable([
      row({ agent_id: '代理-七', payload: { note: '😀'.repeat(30) } }),
      row({ agent_id: 'agent-7', payload: { note: 'x'.repeat(60) } }),
    ]);
    const [header = '', wide = '', plain = ''] = text.split('\n');
    const column = (line: string, cell: string) => stringWidth(line.slice(0, line.indexOf(cell)));
    for (const h of ['payload', 'key', 'recorded_by']) {
      const cell = h === 'payload' ? '{"note"' : h === 'key' ? 'lease-1' : 'cli-test';
      expect(column(wide, cell), h).toBe(column(header, h));
      expect(column(plain, cell), h).toBe(column(header, h));
    }
    const payload = wide.slice(wide.indexOf('{"note"'), wide.indexOf('  lease-1'));
    expect(payload.endsWith('…')).toBe(true);
    expect(payload).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(stringWidth(payload)).toBeLessThanOrEqual(40);
  });
});

import { describe, expect, it } from 'vitest';
import { interpretRootRow, parseReportBool, parseReportTime } from '../src/credential-report';
import { rawRow } from './fixtures';

describe('credential report cells', () => {
  it.each([
    ['2026-11-20T10:00:00+00:00', { kind: 'time', at: '2026-11-20T10:00:00.000Z' }],
    ['2026-11-20T10:00:00Z', { kind: 'time', at: '2026-11-20T10:00:00.000Z' }],
    ['N/A', { kind: 'not_applicable' }],
    ['no_information', { kind: 'no_information' }],
    ['not_supported', { kind: 'not_supported' }],
  ])('time %s', (value, expected) => {
    expect(parseReportTime('password_last_used', value)).toEqual(expected);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['False', false],
    ['not_supported', null],
  ])('bool %s', (value, expected) => {
    expect(parseReportBool('mfa_active', value)).toBe(expected);
  });

  it.each(['yesterday', '', '2026-13-45', 'maybe'])('rejects %j instead of guessing', (value) => {
    expect(() => parseReportTime('password_last_used', value)).toThrow(/unexpected value/);
    expect(() => parseReportBool('mfa_active', value)).toThrow(/unexpected value/);
  });
});

describe('interpretRootRow', () => {
  it('reads the documented root row: not_supported password fields are unknown, never false', () => {
    const result = interpretRootRow(rawRow());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.row.passwordEnabled).toBeNull();
    expect(result.row.passwordLastChanged).toEqual({ kind: 'not_supported' });
    expect(result.row.passwordLastUsed).toEqual({ kind: 'time', at: '2017-10-22T08:11:09.000Z' });
    expect(result.row.mfaActive).toBe(true);
    expect(result.row.accessKeys[0]).toMatchObject({
      active: false,
      lastRotated: { kind: 'not_applicable' },
    });
  });

  it('a missing column is malformed', () => {
    const row = rawRow();
    delete row.access_key_2_last_used_date;
    const result = interpretRootRow(row);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'malformed', code: 'MalformedCredentialReport' },
    });
    if (!result.ok) expect(result.error.message).toContain('access_key_2_last_used_date');
  });

  it('an unexpected value is malformed and names the column', () => {
    const result = interpretRootRow(rawRow({ mfa_active: 'yes' }));
    expect(result).toMatchObject({ ok: false, error: { kind: 'malformed' } });
    if (!result.ok) expect(result.error.message).toContain('mfa_active');
  });

  it('a non-root row is refused', () => {
    expect(interpretRootRow(rawRow({ user: 'alice' }))).toMatchObject({ ok: false });
  });
});

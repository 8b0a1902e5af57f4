import { describe, expect, it } from 'vitest';
import { diffAccounts, diffObservations } from '../src/drift';
import { observe } from '../src/observation';
import type { PostureSpec } from './fixtures';
import { ACCOUNT, account, denied, OPTIONS, org, posture, rawRow } from './fixtures';

const at = (iso: string, spec: PostureSpec = {}) =>
  observe(posture({ collectedAt: iso, ...spec }), account(), org(), { ...OPTIONS, now: new Date(iso) });

const T1 = '2026-12-01T00:00:00.000Z';
const T2 = '2026-12-02T00:00:00.000Z';

describe('diffObservations', () => {
  it('no event for an unchanged observation (even with a newer report)', () => {
    expect(diffObservations(at(T1), at(T2, { generatedAt: '2026-12-01T23:00:00.000Z' }))).toEqual([]);
  });

  it('no event for the first observation', () => {
    expect(diffObservations(null, at(T1))).toEqual([]);
  });

  it('no event when the new observation is older than the current one', () => {
    const current = at(T2, {
      summary: {
        AccountMFAEnabled: 0,
        AccountPasswordPresent: 1,
        AccountAccessKeysPresent: 0,
        AccountSigningCertificatesPresent: 0,
      },
    });
    expect(diffObservations(current, at(T1))).toEqual([]);
  });

  it('control_changed with severity and the regression flag', () => {
    const noMfa = {
      AccountMFAEnabled: 0,
      AccountPasswordPresent: 1,
      AccountAccessKeysPresent: 0,
      AccountSigningCertificatesPresent: 0,
    };
    const events = diffObservations(at(T1), at(T2, { summary: noMfa }));
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'control_changed',
        controlId: 'root.mfa',
        from: 'PASS',
        to: 'FAIL',
        severity: 'critical',
        regression: true,
        accountId: ACCOUNT,
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'credential_changed',
        field: 'mfa_type',
        from: 'non-virtual',
        to: 'none',
      }),
    );
    const back = diffObservations(at(T1, { summary: noMfa }), at(T2));
    expect(back).toContainEqual(
      expect.objectContaining({
        kind: 'control_changed',
        controlId: 'root.mfa',
        from: 'FAIL',
        to: 'PASS',
        regression: false,
      }),
    );
  });

  it('root_activity when password_last_used moves forward, even if the control status does not change', () => {
    const events = diffObservations(
      at(T1, { row: rawRow({ password_last_used: '2025-01-01T00:00:00+00:00' }) }),
      at(T2, { row: rawRow({ password_last_used: '2025-02-01T00:00:00+00:00' }) }),
    );
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'root_activity',
        field: 'password_last_used',
        from: '2025-01-01T00:00:00.000Z',
        to: '2025-02-01T00:00:00.000Z',
      }),
    ]);
  });

  it("root_activity when a key's last_used_date moves forward from never", () => {
    const key = (used: string) =>
      rawRow({
        access_key_2_active: 'true',
        access_key_2_last_rotated: '2020-01-01T00:00:00+00:00',
        access_key_2_last_used_date: used,
      });
    const events = diffObservations(
      at(T1, { row: key('N/A') }),
      at(T2, { row: key('2026-12-01T12:00:00+00:00') }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'root_activity', field: 'access_key_2_last_used_date', from: null }),
    );
  });

  it('credential_changed when a key appears and disappears, and a password appears', () => {
    const withKey = {
      summary: {
        AccountMFAEnabled: 1,
        AccountPasswordPresent: 1,
        AccountAccessKeysPresent: 1,
        AccountSigningCertificatesPresent: 0,
      },
      row: rawRow({ access_key_1_active: 'false', access_key_1_last_rotated: '2026-11-01T00:00:00+00:00' }),
    };
    const appeared = diffObservations(at(T1), at(T2, withKey));
    expect(appeared).toContainEqual(
      expect.objectContaining({
        kind: 'credential_changed',
        field: 'access_key_1',
        from: 'absent',
        to: 'present',
        severity: 'critical',
      }),
    );
    expect(appeared).toContainEqual(
      expect.objectContaining({ kind: 'control_changed', controlId: 'root.access-keys', regression: true }),
    );
    expect(diffObservations(at(T1, withKey), at(T2))).toContainEqual(
      expect.objectContaining({
        kind: 'credential_changed',
        field: 'access_key_1',
        from: 'present',
        to: 'absent',
      }),
    );
    const noPassword = {
      summary: {
        AccountMFAEnabled: 1,
        AccountPasswordPresent: 0,
        AccountAccessKeysPresent: 0,
        AccountSigningCertificatesPresent: 0,
      },
    };
    expect(diffObservations(at(T1, noPassword), at(T2))).toContainEqual(
      expect.objectContaining({
        kind: 'credential_changed',
        field: 'password',
        from: 'absent',
        to: 'present',
      }),
    );
  });

  it('credential_changed when a certificate appears', () => {
    const events = diffObservations(
      at(T1),
      at(T2, { row: rawRow({ cert_1_active: 'true', cert_1_last_rotated: '2026-11-30T00:00:00+00:00' }) }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'credential_changed', field: 'cert_1', to: 'present' }),
    );
  });

  it('credential_changed when MFA goes non-virtual → virtual', () => {
    const virtual = {
      mfaDevices: [
        {
          serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`,
          userArn: `arn:aws:iam::${ACCOUNT}:root`,
          enableDate: null,
        },
      ],
    };
    expect(diffObservations(at(T1), at(T2, virtual))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'credential_changed',
          field: 'mfa_type',
          from: 'non-virtual',
          to: 'virtual',
        }),
        expect.objectContaining({
          kind: 'control_changed',
          controlId: 'root.hardware-mfa',
          from: 'PASS',
          to: 'FAIL',
        }),
      ]),
    );
  });

  it('facts stored before the rename (mfa type "hardware") are the same MFA as "non-virtual": no event', () => {
    const stored = at(T1);
    const legacy = { ...stored, facts: { ...stored.facts, mfa: { ...stored.facts.mfa, type: 'hardware' } } };
    const events = diffObservations(legacy as unknown as typeof stored, at(T2));
    expect(events.filter((e) => e.field === 'mfa_type')).toEqual([]);
  });

  it('coverage_lost then coverage_restored, without a control_changed per UNKNOWN control', () => {
    const lost = diffObservations(at(T1), at(T2, { assumeError: denied() }));
    expect(lost).toEqual([
      expect.objectContaining({ kind: 'coverage_lost', from: 'ok', to: 'AccessDenied', severity: 'high' }),
    ]);
    const restored = diffObservations(at(T1, { assumeError: denied() }), at(T2));
    expect(restored).toEqual([
      expect.objectContaining({ kind: 'coverage_restored', from: 'AccessDenied', to: 'ok' }),
    ]);
  });
});

describe('diffAccounts', () => {
  it('added, removed and state changed; nothing for unchanged', () => {
    const events = diffAccounts(
      [
        { id: '1', state: 'ACTIVE' },
        { id: '2', state: 'ACTIVE' },
        { id: '3', state: 'ACTIVE' },
      ],
      [
        { id: '1', state: 'ACTIVE' },
        { id: '2', state: 'SUSPENDED' },
        { id: '4', state: 'ACTIVE' },
      ],
    );
    expect(events.map((e) => [e.kind, e.accountId, e.from, e.to])).toEqual([
      ['account_state_changed', '2', 'ACTIVE', 'SUSPENDED'],
      ['account_added', '4', null, 'ACTIVE'],
      ['account_removed', '3', 'ACTIVE', null],
    ]);
  });
});

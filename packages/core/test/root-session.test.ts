import { describe, expect, it } from 'vitest';
import { evaluateControls } from '../src/controls/catalog';
import { diffObservations } from '../src/drift';
import { derivePostureFacts } from '../src/facts';
import { observe } from '../src/observation';
import {
  notReadableWithRootSession,
  type RootPosture,
  type RootSessionCredentials,
  type SourceResult,
} from '../src/posture';
import { ACCOUNT, account, denied, OPTIONS, org } from './fixtures';

const NO_CREDENTIALS: RootSessionCredentials = {
  password: false,
  passwordLastUsed: null,
  accessKeys: [],
  certificates: [],
  mfaDevices: [],
};

/** A posture as the root-session collector builds it (packages/aws collectRootSessionPosture). */
function rootSession(
  credentials: Partial<RootSessionCredentials> | SourceResult<RootSessionCredentials>,
  summary: Record<string, number> = {},
): RootPosture {
  const rootCredentials =
    'ok' in credentials ? credentials : { ok: true as const, value: { ...NO_CREDENTIALS, ...credentials } };
  return {
    accountId: ACCOUNT,
    partition: 'aws',
    collectedAt: '2026-12-01T00:00:00Z',
    coverage: {
      assumed: true,
      roleArn: `arn:aws:iam::${ACCOUNT}:root`,
      path: 'root-session',
      taskPolicyArn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
    },
    accountSummary: { ok: true, value: summary },
    credentialReport: notReadableWithRootSession('The credential report'),
    virtualMfaDevices: notReadableWithRootSession('iam:ListVirtualMFADevices'),
    passwordPolicy: notReadableWithRootSession('The IAM password policy'),
    rootCredentials,
  };
}

const statusOf = (posture: RootPosture) =>
  Object.fromEntries(
    evaluateControls(posture, account(), org(), OPTIONS).map((r) => [r.controlId, r.status]),
  );

describe('facts and controls from a root session', () => {
  it.each([
    [
      'a virtual device (its serial is an mfa/ ARN)',
      `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`,
      'virtual',
      'FAIL',
    ],
    ['a TOTP token (a printed serial)', 'GAHT12345678', 'non-virtual', 'PASS'],
    [
      'a FIDO key or passkey (a u2f/ ARN)',
      `arn:aws:iam::${ACCOUNT}:u2f/root/passkey-ABC`,
      'non-virtual',
      'PASS',
    ],
  ])('tells the MFA kind from the serial: %s', (_label, serial, type, hardware) => {
    const posture = rootSession({ password: true, mfaDevices: [{ serialNumber: serial, enableDate: null }] });
    expect(derivePostureFacts(posture).mfa).toMatchObject({ enabled: true, type, serials: [serial] });
    expect(statusOf(posture)).toMatchObject({ 'root.mfa': 'PASS', 'root.hardware-mfa': hardware });
  });

  it('no login profile, key or certificate is positive evidence of no root credentials', () => {
    const posture = rootSession({});
    const facts = derivePostureFacts(posture);
    expect(facts).toMatchObject({
      rootCredentials: 'absent',
      password: { present: false, presentFrom: 'GetLoginProfile' },
      access: { path: 'root-session' },
      reportGeneratedAt: null,
    });
    expect(statusOf(posture)).toMatchObject({
      'root.credentials-removed': 'PASS',
      'root.mfa': 'NOT_APPLICABLE',
      'root.recent-use': 'PASS',
      'audit.coverage': 'PASS',
    });
  });

  it('recent use is the latest of PasswordLastUsed and every key last use, with the key id and region', () => {
    const posture = rootSession({
      password: true,
      passwordLastUsed: '2025-01-01T00:00:00Z',
      accessKeys: [
        {
          id: 'AKIAEXAMPLEKEY00001',
          active: false,
          createdAt: '2020-01-01T00:00:00Z',
          lastUsedAt: '2026-11-20T00:00:00Z',
          lastUsedService: 's3',
          lastUsedRegion: 'eu-central-1',
        },
      ],
    });
    const facts = derivePostureFacts(posture);
    expect(facts.lastUsed).toEqual({ kind: 'used', at: '2026-11-20T00:00:00Z' });
    expect(facts.accessKeys.slots).toEqual([
      {
        slot: 1,
        present: true,
        active: false,
        lastUsed: { kind: 'used', at: '2026-11-20T00:00:00Z' },
        id: 'AKIAEXAMPLEKEY00001',
        lastUsedService: 's3',
        lastUsedRegion: 'eu-central-1',
      },
      { slot: 2, present: false, active: false, lastUsed: { kind: 'never' } },
    ]);
    const results = evaluateControls(posture, account(), org(), OPTIONS);
    const keys = results.find((r) => r.controlId === 'root.access-keys')!;
    expect(keys).toMatchObject({
      status: 'FAIL',
      reason: expect.stringContaining('AKIAEXAMPLEKEY00001 (inactive'),
    });
    expect(results.find((r) => r.controlId === 'root.recent-use')!.status).toBe('FAIL');
  });

  it('the password policy is UNKNOWN not_readable_with_root_session; the coverage does not fail for it', () => {
    const results = evaluateControls(rootSession({ password: true }), account(), org(), OPTIONS);
    expect(results.find((r) => r.controlId === 'account.password-policy')).toMatchObject({
      status: 'UNKNOWN',
      reason: 'not_readable_with_root_session',
    });
    expect(results.find((r) => r.controlId === 'audit.coverage')!.status).toBe('PASS');
    // Every result says which path read it.
    for (const r of results) expect(r.evidence).toHaveProperty('readVia');
  });

  it('a refused root-credential read fails the coverage like a refused member-role read', () => {
    const posture = rootSession({ ok: false, error: denied() });
    expect(statusOf(posture)).toMatchObject({ 'audit.coverage': 'FAIL', 'root.access-keys': 'UNKNOWN' });
  });

  it('drift: a key deleted in a root session is its slot going absent; a replaced key names both ids', () => {
    const key = (id: string) => ({
      id,
      active: true,
      createdAt: null,
      lastUsedAt: null,
      lastUsedService: null,
      lastUsedRegion: null,
    });
    const seen = (keys: ReturnType<typeof key>[]) =>
      observe(rootSession({ password: true, accessKeys: keys }), account(), org(), OPTIONS);
    const changes = (from: ReturnType<typeof key>[], to: ReturnType<typeof key>[]) =>
      diffObservations(seen(from), seen(to))
        .filter((e) => e.kind === 'credential_changed')
        .map((e) => [e.field, e.from, e.to]);
    expect(changes([key('AKIAOLD'), key('AKIAKEPT')], [key('AKIAKEPT')])).toEqual([
      ['access_key_1', 'AKIAOLD', 'AKIAKEPT'],
      ['access_key_2', 'present', 'absent'],
    ]);
    expect(changes([key('AKIAOLD')], [key('AKIANEW')])).toEqual([['access_key_1', 'AKIAOLD', 'AKIANEW']]);
    expect(changes([key('AKIAOLD')], [])).toEqual([['access_key_1', 'present', 'absent']]);
  });
});

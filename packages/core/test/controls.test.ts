import { describe, expect, it } from 'vitest';
import type { AccountContext, OrgContext } from '../src/context';
import { CONTROL_CATALOG, evaluateControls } from '../src/controls/catalog';
import type { ControlId, ControlResult, ControlStatus } from '../src/controls/types';
import type { RootPosture } from '../src/posture';
import {
  ACCOUNT,
  account,
  DENY_ROOT_DOC,
  denied,
  FULL_AWS_ACCESS,
  OPTIONS,
  org,
  posture,
  rawRow,
} from './fixtures';

type Case = {
  name: string;
  posture?: RootPosture;
  account?: AccountContext;
  org?: OrgContext;
  usageWindowDays?: number;
  expect: Partial<Record<ControlId, ControlStatus>>;
  reason?: Partial<Record<ControlId, RegExp>>;
};

function run(c: Case): ControlResult[] {
  return evaluateControls(c.posture ?? posture(), c.account ?? account(), c.org ?? org(), {
    ...OPTIONS,
    usageWindowDays: c.usageWindowDays ?? OPTIONS.usageWindowDays,
  });
}

function check(cases: Case[]) {
  it.each(cases)('$name', (c) => {
    const results = run(c);
    for (const [id, status] of Object.entries(c.expect)) {
      const r = results.find((x) => x.controlId === id);
      expect({ id, status: r?.status, reason: r?.reason }).toMatchObject({ id, status });
      if (status === 'UNKNOWN') expect(r?.reason.length).toBeGreaterThan(0);
    }
    for (const [id, re] of Object.entries(c.reason ?? {})) {
      expect(results.find((x) => x.controlId === id)?.reason).toMatch(re);
    }
  });
}

const NO_CREDS_SUMMARY = {
  AccountMFAEnabled: 0,
  AccountAccessKeysPresent: 0,
  AccountPasswordPresent: 0,
  AccountSigningCertificatesPresent: 0,
};
const noCredsRow = rawRow({ password_enabled: 'false', password_last_used: 'N/A', mfa_active: 'false' });
const rootVirtual = {
  serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/root-account-mfa-device`,
  userArn: `arn:aws:iam::${ACCOUNT}:root`,
  enableDate: '2024-01-01T00:00:00.000Z',
};
const rootadminVirtual = {
  serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/rootadmin`,
  userArn: `arn:aws:iam::${ACCOUNT}:user/rootadmin`,
  enableDate: '2024-01-01T00:00:00.000Z',
};
const keyRow = (active: string) =>
  rawRow({
    access_key_1_active: active,
    access_key_1_last_rotated: '2020-01-01T00:00:00+00:00',
    access_key_1_last_used_date: 'N/A',
  });

describe('catalog', () => {
  it('has one definition per control with remediation and severity', () => {
    expect(CONTROL_CATALOG.map((c) => c.id)).toHaveLength(10);
    for (const c of CONTROL_CATALOG) {
      expect(c.remediation.length).toBeGreaterThan(40);
      expect(['critical', 'high', 'medium', 'low']).toContain(c.severity);
    }
    expect(CONTROL_CATALOG.find((c) => c.id === 'root.access-keys')?.mappings).toMatchObject({
      cisV3: ['1.4'],
      cisV5: ['1.3'],
      cisV6: ['2.3'],
      cisV7: ['2.4'],
      fsbp: ['IAM.4'],
    });
  });

  it('a compliant member passes every root control', () => {
    const results = run({ name: 'ok', expect: {}, org: org({ features: { known: true, enabled: [] } }) });
    expect(Object.fromEntries(results.map((r) => [r.controlId, r.status]))).toEqual({
      'audit.coverage': 'PASS',
      'root.access-keys': 'PASS',
      'root.mfa': 'PASS',
      'root.hardware-mfa': 'PASS',
      'root.recent-use': 'PASS',
      'root.signing-certificates': 'PASS',
      'root.credentials-removed': 'NOT_APPLICABLE',
      'account.password-policy': 'PASS',
      'account.security-contact': 'PASS',
      'org.root-guardrail': 'PASS',
    });
  });
});

describe('root.access-keys', () => {
  check([
    {
      name: 'an active key fails',
      posture: posture({
        summary: { AccountAccessKeysPresent: 1, AccountPasswordPresent: 1, AccountMFAEnabled: 1 },
        row: keyRow('true'),
      }),
      expect: { 'root.access-keys': 'FAIL' },
      reason: { 'root.access-keys': /access key 1 \(active\)/ },
    },
    {
      name: 'an inactive root key still fails',
      posture: posture({
        summary: { AccountAccessKeysPresent: 1, AccountPasswordPresent: 1, AccountMFAEnabled: 1 },
        row: keyRow('false'),
      }),
      expect: { 'root.access-keys': 'FAIL' },
      reason: { 'root.access-keys': /inactive, can be re-activated/ },
    },
    {
      name: 'an inactive key fails from the report alone when the summary flag is missing',
      posture: posture({
        summary: { AccountPasswordPresent: 1, AccountMFAEnabled: 1 },
        row: keyRow('FALSE'),
      }),
      expect: { 'root.access-keys': 'FAIL' },
    },
    {
      name: 'AccountAccessKeysPresent=1 fails even when the report is unavailable',
      posture: posture({
        summary: { AccountAccessKeysPresent: 1 },
        row: { kind: 'throttled', code: 'LimitExceeded', message: 'x' },
      }),
      expect: { 'root.access-keys': 'FAIL' },
    },
    {
      name: 'no summary flag and no report → UNKNOWN',
      posture: posture({
        summary: { AccountPasswordPresent: 1 },
        row: { kind: 'transient', code: 'ReportTimeout', message: 'x' },
      }),
      expect: { 'root.access-keys': 'UNKNOWN' },
      reason: { 'root.access-keys': /ReportTimeout/ },
    },
  ]);
});

describe('root.signing-certificates', () => {
  check([
    { name: 'no certificate passes', expect: { 'root.signing-certificates': 'PASS' } },
    {
      name: 'AccountSigningCertificatesPresent=1 fails',
      posture: posture({ summary: { AccountSigningCertificatesPresent: 1, AccountAccessKeysPresent: 0 } }),
      expect: { 'root.signing-certificates': 'FAIL' },
    },
    {
      name: 'an inactive certificate in the report fails',
      posture: posture({
        row: rawRow({ cert_2_active: 'false', cert_2_last_rotated: '2019-05-05T00:00:00+00:00' }),
      }),
      expect: { 'root.signing-certificates': 'FAIL' },
      reason: { 'root.signing-certificates': /certificate 2 \(inactive/ },
    },
  ]);
});

describe('root.mfa and root.hardware-mfa', () => {
  check([
    {
      name: 'non-virtual MFA (hardware token, security key or passkey: the same on the wire) passes both',
      expect: { 'root.mfa': 'PASS', 'root.hardware-mfa': 'PASS' },
      reason: { 'root.hardware-mfa': /^root MFA is non-virtual/ },
    },
    {
      name: 'virtual MFA on root (exact serial and user) fails non-virtual',
      posture: posture({ mfaDevices: [rootVirtual] }),
      expect: { 'root.mfa': 'PASS', 'root.hardware-mfa': 'FAIL' },
      reason: { 'root.hardware-mfa': /root-account-mfa-device/ },
    },
    {
      name: 'virtual MFA identified by User.Arn alone',
      posture: posture({
        mfaDevices: [
          {
            serialNumber: `arn:aws:iam::${ACCOUNT}:mfa/phone`,
            userArn: `arn:aws:iam::${ACCOUNT}:root`,
            enableDate: null,
          },
        ],
      }),
      expect: { 'root.hardware-mfa': 'FAIL' },
    },
    {
      name: 'IAM user rootadmin with virtual MFA does not make root MFA virtual',
      posture: posture({ mfaDevices: [rootadminVirtual] }),
      expect: { 'root.mfa': 'PASS', 'root.hardware-mfa': 'PASS' },
    },
    {
      name: "another account's root virtual MFA is not this root's",
      posture: posture({
        mfaDevices: [
          {
            serialNumber: 'arn:aws:iam::333333333333:mfa/root-account-mfa-device',
            userArn: 'arn:aws:iam::333333333333:root',
            enableDate: null,
          },
        ],
      }),
      expect: { 'root.hardware-mfa': 'PASS' },
    },
    {
      name: 'no MFA fails both',
      posture: posture({
        summary: {
          AccountMFAEnabled: 0,
          AccountPasswordPresent: 1,
          AccountAccessKeysPresent: 0,
          AccountSigningCertificatesPresent: 0,
        },
      }),
      expect: { 'root.mfa': 'FAIL', 'root.hardware-mfa': 'FAIL' },
    },
    {
      name: 'member with no root credentials → MFA controls NOT_APPLICABLE, credentials-removed PASS',
      posture: posture({ summary: NO_CREDS_SUMMARY, row: noCredsRow }),
      expect: {
        'root.mfa': 'NOT_APPLICABLE',
        'root.hardware-mfa': 'NOT_APPLICABLE',
        'root.credentials-removed': 'PASS',
      },
    },
    {
      name: 'aws-us-gov → non-virtual MFA NOT_APPLICABLE',
      posture: posture({ partition: 'aws-us-gov', mfaDevices: [] }),
      org: org({ partition: 'aws-us-gov' }),
      expect: { 'root.mfa': 'PASS', 'root.hardware-mfa': 'NOT_APPLICABLE' },
      reason: { 'root.hardware-mfa': /non-virtual MFA for root is not available in partition aws-us-gov/ },
    },
    {
      name: 'aws-cn → non-virtual MFA NOT_APPLICABLE even with a virtual device',
      posture: posture({
        partition: 'aws-cn',
        mfaDevices: [
          {
            ...rootVirtual,
            serialNumber: `arn:aws-cn:iam::${ACCOUNT}:mfa/root-account-mfa-device`,
            userArn: `arn:aws-cn:iam::${ACCOUNT}:root`,
          },
        ],
      }),
      expect: { 'root.hardware-mfa': 'NOT_APPLICABLE' },
    },
    {
      name: 'MFA device list denied alone → coverage FAIL (the role lacks a permission)',
      posture: posture({ mfaDevices: denied() }),
      expect: { 'audit.coverage': 'FAIL', 'root.hardware-mfa': 'UNKNOWN' },
    },
    {
      name: 'MFA device list throttled past retries → non-virtual UNKNOWN, MFA still evaluated',
      posture: posture({ mfaDevices: { kind: 'throttled', code: 'Throttling', message: 'Rate exceeded' } }),
      expect: { 'audit.coverage': 'PASS', 'root.mfa': 'PASS', 'root.hardware-mfa': 'UNKNOWN' },
      reason: { 'root.hardware-mfa': /virtual MFA device list unavailable \(Throttling\)/ },
    },
  ]);
});

describe('root.hardware-mfa says "non-virtual", never "hardware"', () => {
  it('in its title and in every reason and evidence it gives', () => {
    const def = CONTROL_CATALOG.find((c) => c.id === 'root.hardware-mfa')!;
    expect(def.title).toMatch(/non-virtual/);
    const postures = [
      posture(),
      posture({ mfaDevices: [rootVirtual] }),
      posture({ summary: { ...NO_CREDS_SUMMARY, AccountPasswordPresent: 1 } }),
      posture({ summary: NO_CREDS_SUMMARY, row: noCredsRow }),
      posture({ partition: 'aws-cn' }),
      posture({ mfaDevices: { kind: 'throttled', code: 'Throttling', message: 'Rate exceeded' } }),
    ];
    for (const p of postures) {
      const r = evaluateControls(p, account(), org({ partition: p.partition }), OPTIONS).find(
        (x) => x.controlId === 'root.hardware-mfa',
      )!;
      expect(`${r.reason} ${JSON.stringify(r.evidence)}`).not.toMatch(/hardware/i);
    }
    const pass = evaluateControls(posture(), account(), org(), OPTIONS).find(
      (x) => x.controlId === 'root.hardware-mfa',
    )!;
    expect(pass.evidence).toMatchObject({ mfaType: 'non-virtual', rootVirtualMfaSerial: null });
  });
});

describe('missing or unsupported password evidence', () => {
  check([
    {
      name: 'root row with not_supported password fields and summary → password from summary',
      posture: posture({ row: rawRow() }),
      expect: { 'root.mfa': 'PASS', 'root.credentials-removed': 'FAIL' },
    },
    {
      name: 'missing AccountPasswordPresent = unknown, never "no password"',
      posture: posture({
        summary: { AccountMFAEnabled: 0, AccountAccessKeysPresent: 0, AccountSigningCertificatesPresent: 0 },
      }),
      expect: { 'root.mfa': 'FAIL', 'root.credentials-removed': 'UNKNOWN' },
      reason: { 'root.credentials-removed': /AccountPasswordPresent missing/ },
    },
    {
      name: 'AccountPasswordPresent absent + password_enabled=false in the report → no password: MFA controls NOT_APPLICABLE',
      posture: posture({
        summary: { AccountMFAEnabled: 0, AccountAccessKeysPresent: 0, AccountSigningCertificatesPresent: 0 },
        row: noCredsRow,
      }),
      expect: {
        'root.mfa': 'NOT_APPLICABLE',
        'root.hardware-mfa': 'NOT_APPLICABLE',
        'root.credentials-removed': 'PASS',
      },
      reason: {
        'root.mfa': /password_enabled=false, AccountPasswordPresent is absent/,
        'root.credentials-removed': /password_enabled=false/,
      },
    },
    {
      name: 'AccountPasswordPresent absent, report password_enabled=false, but a root key → MFA still required',
      posture: posture({
        summary: { AccountMFAEnabled: 0, AccountSigningCertificatesPresent: 0 },
        row: {
          ...noCredsRow,
          access_key_1_active: 'true',
          access_key_1_last_rotated: '2020-01-01T00:00:00+00:00',
        },
      }),
      expect: { 'root.mfa': 'FAIL', 'root.access-keys': 'FAIL', 'root.credentials-removed': 'FAIL' },
      reason: { 'root.credentials-removed': /still has access keys/ },
    },
    {
      name: 'AccountPasswordPresent=1 wins over a report row saying password_enabled=false',
      posture: posture({ summary: { ...NO_CREDS_SUMMARY, AccountPasswordPresent: 1 }, row: noCredsRow }),
      expect: { 'root.mfa': 'FAIL', 'root.credentials-removed': 'FAIL' },
    },
    {
      name: 'AccountPasswordPresent absent + password_enabled=TRUE (any case) → password present',
      posture: posture({
        summary: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, AccountSigningCertificatesPresent: 0 },
        row: rawRow({ password_enabled: 'TRUE' }),
      }),
      expect: { 'root.mfa': 'PASS', 'root.credentials-removed': 'FAIL' },
    },
  ]);

  it('the evidence says which source decided the password', () => {
    const results = run({
      name: 'x',
      posture: posture({
        summary: { AccountMFAEnabled: 0, AccountAccessKeysPresent: 0, AccountSigningCertificatesPresent: 0 },
        row: noCredsRow,
      }),
      expect: {},
    });
    expect(results.find((r) => r.controlId === 'root.mfa')?.evidence).toMatchObject({
      passwordPresent: false,
      passwordPresentFrom: 'password_enabled',
      AccountMFAEnabled: 0,
    });
    const withSummary = run({ name: 'y', expect: {} });
    expect(withSummary.find((r) => r.controlId === 'root.mfa')?.evidence).toMatchObject({
      passwordPresent: true,
      passwordPresentFrom: 'AccountPasswordPresent',
    });
  });
});

describe('root.credentials-removed', () => {
  check([
    {
      name: 'credentials present + org RootCredentialsManagement → FAIL',
      expect: { 'root.credentials-removed': 'FAIL' },
      reason: { 'root.credentials-removed': /still has a password/ },
    },
    {
      name: 'credentials present, feature not enabled → NOT_APPLICABLE',
      org: org({ features: { known: true, enabled: ['RootSessions'] } }),
      expect: { 'root.credentials-removed': 'NOT_APPLICABLE' },
    },
    {
      name: 'features unknown → UNKNOWN with the reason',
      org: org({
        features: { known: false, reason: 'AccountNotManagementOrDelegatedAdministratorException' },
      }),
      expect: { 'root.credentials-removed': 'UNKNOWN' },
      reason: { 'root.credentials-removed': /AccountNotManagementOrDelegatedAdministrator/ },
    },
    {
      name: 'management account → NOT_APPLICABLE',
      account: account({ isManagementAccount: true }),
      expect: { 'root.credentials-removed': 'NOT_APPLICABLE' },
    },
  ]);
});

describe('root.recent-use', () => {
  const used = (pw: string, key1 = 'N/A', key2 = 'N/A') =>
    posture({
      row: rawRow({
        password_last_used: pw,
        access_key_1_active: key1 === 'N/A' ? 'false' : 'true',
        access_key_1_last_rotated: key1 === 'N/A' ? 'N/A' : '2020-01-01T00:00:00+00:00',
        access_key_1_last_used_date: key1,
        access_key_2_last_used_date: key2,
      }),
    });
  check([
    {
      name: 'used 100 days ago → PASS',
      posture: used('2026-08-23T00:00:00+00:00'),
      expect: { 'root.recent-use': 'PASS' },
    },
    {
      name: 'password used 100 days ago + key used yesterday → FAIL (latest, not first)',
      posture: used('2026-08-23T00:00:00+00:00', '2026-11-30T12:00:00+00:00'),
      expect: { 'root.recent-use': 'FAIL' },
      reason: { 'root.recent-use': /2026-11-30T12:00:00.000Z/ },
    },
    {
      name: 'used 10 days ago → FAIL',
      posture: used('2026-11-21T00:00:00+00:00'),
      expect: { 'root.recent-use': 'FAIL' },
    },
    {
      name: 'a configurable window: 7 days → 10 days ago passes',
      posture: used('2026-11-21T00:00:00+00:00'),
      usageWindowDays: 7,
      expect: { 'root.recent-use': 'PASS' },
    },
    {
      name: 'no_information → never used → PASS',
      posture: used('no_information'),
      expect: { 'root.recent-use': 'PASS' },
    },
    { name: 'N/A → never used → PASS', posture: used('N/A'), expect: { 'root.recent-use': 'PASS' } },
    {
      name: 'not_supported last use → UNKNOWN',
      posture: used('not_supported'),
      expect: { 'root.recent-use': 'UNKNOWN' },
    },
    {
      name: 'credential report LimitExceeded → UNKNOWN, summary-based controls still evaluated',
      posture: posture({ row: { kind: 'throttled', code: 'LimitExceeded', message: 'x' } }),
      expect: {
        'audit.coverage': 'PASS',
        'root.recent-use': 'UNKNOWN',
        'root.access-keys': 'PASS',
        'root.mfa': 'PASS',
      },
      reason: { 'root.recent-use': /LimitExceeded/ },
    },
  ]);
});

describe('account.password-policy', () => {
  check([
    { name: '14 / 24 passes', expect: { 'account.password-policy': 'PASS' } },
    {
      name: 'NoSuchEntity (null) fails',
      posture: posture({ passwordPolicy: null }),
      expect: { 'account.password-policy': 'FAIL' },
      reason: { 'account.password-policy': /no IAM password policy/ },
    },
    {
      name: 'short length fails and says which',
      posture: posture({ passwordPolicy: { MinimumPasswordLength: 8, PasswordReusePrevention: 24 } }),
      expect: { 'account.password-policy': 'FAIL' },
      reason: { 'account.password-policy': /^MinimumPasswordLength is 8/ },
    },
    {
      name: 'missing reuse prevention fails and says which',
      posture: posture({ passwordPolicy: { MinimumPasswordLength: 20 } }),
      expect: { 'account.password-policy': 'FAIL' },
      reason: { 'account.password-policy': /^PasswordReusePrevention is unset/ },
    },
    {
      name: 'throttled read → UNKNOWN',
      posture: posture({ passwordPolicy: { kind: 'throttled', code: 'Throttling', message: 'x' } }),
      expect: { 'account.password-policy': 'UNKNOWN' },
    },
  ]);
});

describe('account.security-contact', () => {
  check([
    { name: 'present passes', expect: { 'account.security-contact': 'PASS' } },
    {
      name: 'absent fails',
      account: account({ securityContact: { status: 'absent' } }),
      expect: { 'account.security-contact': 'FAIL' },
    },
    {
      name: 'AccessDenied → UNKNOWN only for this control',
      account: account({ securityContact: { status: 'unknown', reason: 'AccessDeniedException' } }),
      expect: { 'account.security-contact': 'UNKNOWN', 'audit.coverage': 'PASS', 'root.mfa': 'PASS' },
    },
  ]);
});

describe('org.root-guardrail', () => {
  const deny = (condition: Record<string, unknown>, action: unknown = '*') => ({
    Version: '2012-10-17',
    Statement: { Sid: 'DenyRoot', Effect: 'Deny', Action: action, Resource: '*', Condition: condition },
  });
  const withScps = (...policies: { id: string; targetId: string; document: unknown }[]) =>
    account({
      effectiveScps: {
        known: true,
        policies: [FULL_AWS_ACCESS, ...policies.map((p) => ({ ...p, name: p.id }))],
      },
    });
  check([
    {
      name: 'deny attached to the account itself, StringLike, Action string',
      account: withScps({
        id: 'p-acct',
        targetId: ACCOUNT,
        document: deny({ StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } }),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
      reason: { 'org.root-guardrail': new RegExp(`attached to ${ACCOUNT}`) },
    },
    {
      name: 'deny on an OU two levels up, ArnLike, value list, Action list with "*"',
      account: withScps({
        id: 'p-ou',
        targetId: 'ou-a1b2-top00001',
        document: deny(
          { ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/x', 'arn:aws:iam::*:root'] } },
          ['iam:*', '*'],
        ),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
    },
    {
      name: 'a deny of only iam:* and s3:* for root FAILs and names them',
      account: withScps({
        id: 'p-ou',
        targetId: 'ou-a1b2-top00001',
        document: deny({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } }, ['iam:*', 's3:*']),
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
      reason: { 'org.root-guardrail': /p-ou.*denies root only iam:\*, s3:\*/ },
    },
    {
      name: 'a deny of s3:DeleteBucket for root (the false PASS of issue 14) FAILs and names it',
      account: withScps({
        id: 'p-s3del',
        targetId: 'r-a1b2',
        document: deny({ StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } }, 's3:DeleteBucket'),
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
      reason: {
        'org.root-guardrail': /no SCP denies every action to root: SCP p-s3del .*only s3:DeleteBucket/,
      },
    },
    {
      name: 'NotAction (deny everything except some actions) FAILs and names the exceptions',
      account: withScps({
        id: 'p-notaction',
        targetId: 'r-a1b2',
        document: {
          Statement: [
            {
              Effect: 'Deny',
              NotAction: ['iam:ChangePassword'],
              Resource: '*',
              Condition: { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } },
            },
          ],
        },
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
      reason: { 'org.root-guardrail': /every action except iam:ChangePassword/ },
    },
    {
      name: 'Action "*" on some resources only FAILs',
      account: withScps({
        id: 'p-res',
        targetId: 'r-a1b2',
        document: {
          Statement: {
            Effect: 'Deny',
            Action: '*',
            Resource: 'arn:aws:s3:::payments/*',
            Condition: { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } },
          },
        },
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
      reason: { 'org.root-guardrail': /only on arn:aws:s3:::payments\/\*/ },
    },
    {
      name: 'a deny narrowed by another condition (region) FAILs and says when',
      account: withScps({
        id: 'p-region',
        targetId: 'r-a1b2',
        document: deny({
          StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' },
          StringEquals: { 'aws:RequestedRegion': 'eu-west-1' },
        }),
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
      reason: { 'org.root-guardrail': /only when StringEquals aws:RequestedRegion/ },
    },
    {
      name: 'StringLikeIfExists is accepted',
      account: withScps({
        id: 'p-ifexists',
        targetId: 'r-a1b2',
        document: deny({ StringLikeIfExists: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } }),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
    },
    {
      name: 'ForAnyValue:StringLike is accepted',
      account: withScps({
        id: 'p-anyvalue',
        targetId: 'r-a1b2',
        document: deny({ 'ForAnyValue:StringLike': { 'aws:PrincipalArn': ['arn:*:iam::*:root'] } }),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
    },
    {
      name: 'ForAllValues:ArnLikeIfExists is accepted',
      account: withScps({
        id: 'p-allvalues',
        targetId: 'r-a1b2',
        document: deny({ 'ForAllValues:ArnLikeIfExists': { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } }),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
    },
    {
      name: 'the AWS sample with the centralized-root carve-out (Null aws:AssumedRoot) still PASSes',
      account: withScps({
        id: 'p-carveout',
        targetId: 'r-a1b2',
        document: deny({
          ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:root'] },
          Null: { 'aws:AssumedRoot': 'true' },
        }),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
      reason: { 'org.root-guardrail': /except centralized root sessions \(aws:AssumedRoot\)/ },
    },
    {
      name: 'a negated PrincipalArn condition that does not exclude root leaves the deny whole',
      account: withScps({
        id: 'p-breakglass',
        targetId: 'r-a1b2',
        document: deny({
          StringLike: { 'aws:PrincipalArn': ['arn:*:iam::*:root', 'arn:*:iam::*:role/*'] },
          StringNotLike: { 'aws:PrincipalArn': 'arn:*:iam::*:role/BreakGlass' },
        }),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
    },
    {
      name: 'a full deny PASSes even when a partial one is also effective',
      account: withScps(
        {
          id: 'p-s3del',
          targetId: ACCOUNT,
          document: deny({ StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } }, 's3:DeleteBucket'),
        },
        { id: 'p-full', targetId: 'r-a1b2', document: DENY_ROOT_DOC },
      ),
      expect: { 'org.root-guardrail': 'PASS' },
      reason: { 'org.root-guardrail': /p-full/ },
    },
    {
      name: 'deny on the root, policy content as a JSON string, key in other case',
      account: withScps({
        id: 'p-root',
        targetId: 'r-a1b2',
        document: JSON.stringify(deny({ StringLike: { 'AWS:PrincipalARN': 'arn:aws:iam::*:root' } })),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
    },
    {
      name: 'ArnEquals on this exact root ARN',
      account: withScps({
        id: 'p-exact',
        targetId: ACCOUNT,
        document: deny({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:root` } }),
      }),
      expect: { 'org.root-guardrail': 'PASS' },
    },
    {
      name: "StringEquals on another account's root does not protect this one",
      account: withScps({
        id: 'p-other',
        targetId: 'r-a1b2',
        document: deny({ StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::333333333333:root' } }),
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
    },
    {
      name: 'StringNotLike (deny everyone but root) is not a root guardrail',
      account: withScps({
        id: 'p-not',
        targetId: 'r-a1b2',
        document: deny({ StringNotLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } }),
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
    },
    {
      name: 'an Allow with the root condition is not a guardrail',
      account: withScps({
        id: 'p-allow',
        targetId: 'r-a1b2',
        document: { Statement: [{ ...DENY_ROOT_DOC.Statement[0], Effect: 'Allow' }] },
      }),
      expect: { 'org.root-guardrail': 'FAIL' },
    },
    {
      name: 'FullAWSAccess alone → FAIL',
      account: account({ effectiveScps: { known: true, policies: [FULL_AWS_ACCESS] } }),
      expect: { 'org.root-guardrail': 'FAIL' },
    },
    {
      name: 'management account → NOT_APPLICABLE',
      account: account({ isManagementAccount: true, id: '111111111111' }),
      expect: { 'org.root-guardrail': 'NOT_APPLICABLE' },
    },
    {
      name: 'SCPs not enabled → NOT_APPLICABLE',
      org: org({ scpEnabled: false }),
      expect: { 'org.root-guardrail': 'NOT_APPLICABLE' },
    },
    {
      name: 'SCPs unreadable → UNKNOWN',
      account: account({ effectiveScps: { known: false, reason: 'AccessDeniedException' } }),
      expect: { 'org.root-guardrail': 'UNKNOWN' },
    },
  ]);
});

describe('org.root-guardrail evidence and remediation', () => {
  it('a partial deny is evidence of what it covers; the remediation keeps the AssumedRoot carve-out', () => {
    const partial = account({
      effectiveScps: {
        known: true,
        policies: [
          FULL_AWS_ACCESS,
          {
            id: 'p-s3del',
            name: 'DenyRootS3Delete',
            targetId: 'r-a1b2',
            document: {
              Statement: {
                Sid: 'NoBucketDelete',
                Effect: 'Deny',
                Action: 's3:DeleteBucket',
                Resource: '*',
                Condition: { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } },
              },
            },
          },
        ],
      },
    });
    const r = evaluateControls(posture(), partial, org(), OPTIONS).find(
      (x) => x.controlId === 'org.root-guardrail',
    )!;
    expect(r.status).toBe('FAIL');
    expect(r.reason).toContain('DenyRootS3Delete (p-s3del, attached to r-a1b2, statement NoBucketDelete)');
    expect(r.evidence).toMatchObject({
      rootDenyStatements: [],
      partialRootDenyStatements: [
        { policyId: 'p-s3del', scope: 'partial', limits: ['only s3:DeleteBucket'], sid: 'NoBucketDelete' },
      ],
    });
    const def = CONTROL_CATALOG.find((c) => c.id === 'org.root-guardrail')!;
    expect(def.remediation).toContain('"Null":{"aws:AssumedRoot":"true"}');
    expect(def.remediation).toContain('"Action":"*","Resource":"*"');
  });
});

describe('root.credentials-removed when centralized root access is provably off', () => {
  check([
    {
      // What @rootwatch/aws makes of ServiceAccessNotEnabledException / OrganizationNotInAllFeaturesModeException.
      name: 'an organization with no root-access feature → NOT_APPLICABLE, not UNKNOWN',
      org: org({ features: { known: true, enabled: [] } }),
      expect: { 'root.credentials-removed': 'NOT_APPLICABLE' },
      reason: { 'root.credentials-removed': /has not enabled RootCredentialsManagement/ },
    },
  ]);
});

describe('audit.coverage', () => {
  it('AssumeRole AccessDenied → coverage FAIL with the code, every other control UNKNOWN', () => {
    const results = run({ name: 'x', posture: posture({ assumeError: denied() }), expect: {} });
    const coverage = results.find((r) => r.controlId === 'audit.coverage')!;
    expect(coverage).toMatchObject({ status: 'FAIL', reason: 'AccessDenied', severity: 'high' });
    const others = results.filter((r) => r.controlId !== 'audit.coverage');
    expect(others).toHaveLength(9);
    for (const r of others)
      expect(r).toMatchObject({ status: 'UNKNOWN', reason: 'coverage failed: AccessDenied' });
  });

  it('a denied account summary (iam AccessDenied) is a coverage failure', () => {
    const results = run({ name: 'x', posture: posture({ summary: denied() }), expect: {} });
    expect(results.find((r) => r.controlId === 'audit.coverage')).toMatchObject({
      status: 'FAIL',
      reason: 'AccessDenied',
    });
    expect(results.filter((r) => r.status === 'UNKNOWN')).toHaveLength(9);
  });

  it.each(['SUSPENDED', 'CLOSED', 'PENDING_CLOSURE'] as const)(
    '%s account → coverage NOT_APPLICABLE, others UNKNOWN',
    (state) => {
      const results = evaluateControls(null, account({ state }), org(), OPTIONS);
      expect(results.find((r) => r.controlId === 'audit.coverage')?.status).toBe('NOT_APPLICABLE');
      for (const r of results.filter((x) => x.controlId !== 'audit.coverage')) {
        expect(r.status).toBe('UNKNOWN');
        expect(r.reason).toContain(state);
      }
    },
  );
});

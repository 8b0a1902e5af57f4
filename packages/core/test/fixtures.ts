import type { AccountContext, EffectivePolicy, OrgContext } from '../src/context';
import { CREDENTIAL_REPORT_COLUMNS, interpretRootRow } from '../src/credential-report';
import type {
  AccountSummaryFlags,
  PasswordPolicy,
  RootPosture,
  SourceError,
  SourceResult,
  VirtualMfaDevice,
} from '../src/posture';

export const ACCOUNT = '222222222222';
export const NOW = new Date('2026-12-01T00:00:00Z');
export const OPTIONS = { usageWindowDays: 90, now: NOW };

// The root row of a real report (AWS IAM user guide example), account id replaced.
export const REAL_ROOT_ROW = `<root_account>,arn:aws:iam::${ACCOUNT}:root,2017-06-10T02:35:07+00:00,not_supported,2017-10-22T08:11:09+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;

export function rawRow(overrides: Record<string, string> = {}, line = REAL_ROOT_ROW): Record<string, string> {
  const cells = line.split(',');
  const row = Object.fromEntries(CREDENTIAL_REPORT_COLUMNS.map((c, i) => [c, cells[i] ?? '']));
  return { ...row, ...overrides };
}

export const denied = (code = 'AccessDenied'): SourceError => ({
  kind: 'denied',
  code,
  message: `${code} — check the audit role policy`,
});

export interface PostureSpec {
  partition?: string;
  summary?: AccountSummaryFlags | SourceError;
  row?: Record<string, string> | SourceError;
  generatedAt?: string;
  mfaDevices?: VirtualMfaDevice[] | SourceError;
  passwordPolicy?: PasswordPolicy | null | SourceError;
  assumeError?: SourceError;
  collectedAt?: string;
}

function isError(v: unknown): v is SourceError {
  return typeof v === 'object' && v !== null && 'kind' in v && 'code' in v && 'message' in v;
}

function source<T>(v: T | SourceError): SourceResult<T> {
  return isError(v) ? { ok: false, error: v } : { ok: true, value: v as T };
}

/** A compliant member by default: password + hardware MFA, no keys, never used recently. */
export function posture(spec: PostureSpec = {}): RootPosture {
  const partition = spec.partition ?? 'aws';
  const raw =
    spec.row ??
    rawRow({ arn: `arn:${partition}:iam::${ACCOUNT}:root`, password_last_used: '2025-01-01T00:00:00+00:00' });
  let credentialReport: RootPosture['credentialReport'];
  if (isError(raw)) credentialReport = { ok: false, error: raw };
  else {
    const interpreted = interpretRootRow(raw);
    credentialReport = interpreted.ok
      ? {
          ok: true,
          value: {
            generatedAt: spec.generatedAt ?? '2026-11-30T22:00:00.000Z',
            root: interpreted.row,
            rawRootRow: raw,
          },
        }
      : { ok: false, error: interpreted.error };
  }
  return {
    accountId: ACCOUNT,
    partition,
    collectedAt: spec.collectedAt ?? NOW.toISOString(),
    coverage: spec.assumeError
      ? { assumed: false, error: spec.assumeError }
      : { assumed: true, roleArn: `arn:${partition}:iam::${ACCOUNT}:role/RootwatchAudit` },
    accountSummary: source(
      spec.summary ?? {
        AccountMFAEnabled: 1,
        AccountAccessKeysPresent: 0,
        AccountPasswordPresent: 1,
        AccountSigningCertificatesPresent: 0,
      },
    ),
    credentialReport,
    virtualMfaDevices: source(spec.mfaDevices ?? []),
    passwordPolicy: source(
      spec.passwordPolicy === undefined
        ? { MinimumPasswordLength: 14, PasswordReusePrevention: 24 }
        : spec.passwordPolicy,
    ),
  };
}

export const DENY_ROOT_DOC = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } },
    },
  ],
};

export const FULL_AWS_ACCESS: EffectivePolicy = {
  id: 'p-FullAWSAccess',
  name: 'FullAWSAccess',
  targetId: 'r-a1b2',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

export function account(overrides: Partial<AccountContext> = {}): AccountContext {
  return {
    id: ACCOUNT,
    name: 'payments-prod',
    email: 'aws+payments@example.com',
    state: 'ACTIVE',
    ouPath: [
      { id: 'r-a1b2', name: 'Root' },
      { id: 'ou-a1b2-prod0001', name: 'Prod' },
    ],
    tags: { owner: 'payments' },
    joinedAt: '2021-03-04T05:06:07.000Z',
    isManagementAccount: false,
    effectiveScps: {
      known: true,
      policies: [
        FULL_AWS_ACCESS,
        { id: 'p-denyroot01', name: 'DenyRootUser', targetId: 'r-a1b2', document: DENY_ROOT_DOC },
      ],
    },
    securityContact: { status: 'present', name: 'Security', email: 'sec@example.com' },
    ...overrides,
  };
}

export function org(overrides: Partial<OrgContext> = {}): OrgContext {
  return {
    id: 'o-a1b2c3d4e5',
    managementAccountId: '111111111111',
    partition: 'aws',
    scpEnabled: true,
    features: { known: true, enabled: ['RootCredentialsManagement', 'RootSessions'] },
    ...overrides,
  };
}

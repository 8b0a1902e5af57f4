import type { SimAccessKey, SimAccount, SimSigningCertificate } from './org-definition.types';
import { reportTime } from './time';

export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

/** The 22-column CSV IAM returns for an account: root row first, then one row per IAM user. */
export function buildCredentialReport(account: SimAccount): string {
  const { root } = account;
  const rows: string[] = [CREDENTIAL_REPORT_COLUMNS.join(',')];
  rows.push(
    [
      '<root_account>',
      `arn:${account.partition}:iam::${account.id}:root`,
      reportTime(root.createdAt),
      rootPasswordEnabled(account),
      root.passwordLastUsed ? reportTime(root.passwordLastUsed) : root.password ? 'no_information' : 'N/A',
      'not_supported',
      'not_supported',
      String(root.mfa !== 'none'),
      ...keyColumns(root.accessKeys[0]),
      ...keyColumns(root.accessKeys[1]),
      ...certColumns(root.signingCertificates[0], root.createdAt),
      ...certColumns(root.signingCertificates[1], root.createdAt),
    ].join(','),
  );
  for (const user of account.iamUsers) {
    const created = user.createdAt ?? root.createdAt;
    rows.push(
      [
        user.name,
        `arn:${account.partition}:iam::${account.id}:user/${user.name}`,
        reportTime(created),
        String(user.password),
        user.password
          ? user.passwordLastUsed
            ? reportTime(user.passwordLastUsed)
            : 'no_information'
          : 'N/A',
        user.password ? reportTime(created) : 'N/A',
        'N/A',
        String(user.virtualMfa),
        ...keyColumns(undefined),
        ...keyColumns(undefined),
        ...certColumns(undefined, created),
        ...certColumns(undefined, created),
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

/**
 * Root's `password_enabled` is `not_supported` in AWS's documented example; a newer page says member
 * roots created without credentials show `false`. The simulator writes `false` where the summary
 * leaves out AccountPasswordPresent (`root.summaryOmits`), so the report is the only evidence there.
 */
function rootPasswordEnabled(account: SimAccount): string {
  const { root } = account;
  return !root.password && root.summaryOmits?.includes('AccountPasswordPresent') ? 'false' : 'not_supported';
}

/** What `credentialReport: "Malformed"` answers: a truncated header and a broken row. */
export function buildMalformedReport(account: SimAccount): string {
  return `user,arn,user_creation_time,password_enabled\n<root_account>,"arn:aws:iam::${account.id}:root,2017-13-45T99:00:00+00:00\n`;
}

function keyColumns(key: SimAccessKey | undefined): string[] {
  if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  return [
    String(key.active),
    reportTime(key.lastRotated),
    key.lastUsed ? reportTime(key.lastUsed) : 'N/A',
    key.lastUsed ? (key.lastUsedRegion ?? 'us-east-1') : 'N/A',
    key.lastUsed ? (key.lastUsedService ?? 's3') : 'N/A',
  ];
}

function certColumns(cert: SimSigningCertificate | undefined, fallback: string): string[] {
  if (!cert) return ['false', 'N/A'];
  return [String(cert.active), reportTime(cert.uploadedAt ?? fallback)];
}

/** The small error taxonomy every AWS failure is classified into (see `@rootwatch/aws` classifyAwsError). */
export type SourceErrorKind =
  | 'denied'
  | 'throttled'
  | 'expired'
  | 'region_disabled'
  | 'not_found'
  | 'transient'
  | 'malformed';

export interface SourceError {
  kind: SourceErrorKind;
  /** Stable code: the AWS error code (`AccessDenied`, `Throttling`, …) or a Rootwatch code (`ReportTimeout`). */
  code: string;
  message: string;
}

export type SourceResult<T> = { ok: true; value: T } | { ok: false; error: SourceError };

export const ROOT_SUMMARY_FLAGS = [
  'AccountMFAEnabled',
  'AccountAccessKeysPresent',
  'AccountPasswordPresent',
  'AccountSigningCertificatesPresent',
] as const;
export type RootSummaryFlag = (typeof ROOT_SUMMARY_FLAGS)[number];

/** Raw 0/1 root flags of iam:GetAccountSummary; a missing flag means unknown, never 0. */
export type AccountSummaryFlags = Partial<Record<RootSummaryFlag, number>>;

/**
 * A credential-report timestamp cell. `no_information` = never used / not tracked,
 * `N/A` = no such credential, `not_supported` = AWS does not say (unknown).
 */
export type ReportTime =
  | { kind: 'time'; at: string }
  | { kind: 'no_information' }
  | { kind: 'not_applicable' }
  | { kind: 'not_supported' };

/** A credential-report boolean cell; `null` when AWS answers `not_supported` (unknown, never false). */
export type ReportBool = boolean | null;

export interface RootAccessKeyRow {
  slot: 1 | 2;
  active: ReportBool;
  lastRotated: ReportTime;
  lastUsed: ReportTime;
  lastUsedRegion: string | null;
  lastUsedService: string | null;
}

export interface RootCertificateRow {
  slot: 1 | 2;
  active: ReportBool;
  lastRotated: ReportTime;
}

/** The `<root_account>` row of the credential report, interpreted. */
export interface RootCredentialRow {
  arn: string;
  userCreationTime: ReportTime;
  passwordEnabled: ReportBool;
  passwordLastUsed: ReportTime;
  passwordLastChanged: ReportTime;
  mfaActive: ReportBool;
  accessKeys: [RootAccessKeyRow, RootAccessKeyRow];
  certificates: [RootCertificateRow, RootCertificateRow];
}

export interface CredentialReportSource {
  /** GeneratedTime of the report (it may be up to 4 h old: AWS reuses recent reports). */
  generatedAt: string;
  root: RootCredentialRow;
  /** The raw root CSV row keyed by header name, kept as evidence. */
  rawRootRow: Record<string, string>;
}

export interface VirtualMfaDevice {
  serialNumber: string;
  userArn: string | null;
  enableDate: string | null;
}

export interface PasswordPolicy {
  MinimumPasswordLength?: number;
  RequireSymbols?: boolean;
  RequireNumbers?: boolean;
  RequireUppercaseCharacters?: boolean;
  RequireLowercaseCharacters?: boolean;
  AllowUsersToChangePassword?: boolean;
  ExpirePasswords?: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry?: boolean;
}

/** Whether the audit role could be assumed in the member account. */
export type CoverageOutcome = { assumed: true; roleArn: string } | { assumed: false; error: SourceError };

/** Everything read from one member account through the audit role, normalized. */
export interface RootPosture {
  accountId: string;
  partition: string;
  collectedAt: string;
  coverage: CoverageOutcome;
  accountSummary: SourceResult<AccountSummaryFlags>;
  credentialReport: SourceResult<CredentialReportSource>;
  /** Virtual MFA devices with AssignmentStatus=Assigned (any user, filtered for root later). */
  virtualMfaDevices: SourceResult<VirtualMfaDevice[]>;
  /** `null` = the account has no password policy (NoSuchEntity). */
  passwordPolicy: SourceResult<PasswordPolicy | null>;
}

export function sourceOk<T>(value: T): SourceResult<T> {
  return { ok: true, value };
}

export function sourceFailed<T = never>(error: SourceError): SourceResult<T> {
  return { ok: false, error };
}

/** A posture for an account whose audit role could not be assumed: every source carries that error. */
export function unreachablePosture(args: {
  accountId: string;
  partition: string;
  collectedAt: string;
  error: SourceError;
}): RootPosture {
  const failed = sourceFailed(args.error);
  return {
    accountId: args.accountId,
    partition: args.partition,
    collectedAt: args.collectedAt,
    coverage: { assumed: false, error: args.error },
    accountSummary: failed,
    credentialReport: failed,
    virtualMfaDevices: failed,
    passwordPolicy: failed,
  };
}

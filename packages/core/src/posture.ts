/** The small error taxonomy every AWS failure is classified into (see `@rootwatch/aws` classifyAwsError). */
export type SourceErrorKind =
  | 'denied'
  | 'throttled'
  | 'expired'
  | 'region_disabled'
  | 'not_found'
  | 'transient'
  | 'malformed'
  /** The access path cannot read this source at all (e.g. the password policy in a root session). */
  | 'not_readable';

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

/**
 * How an account's root posture is read: `member-role` = AssumeRole into the member's audit role;
 * `root-session` = sts:AssumeRoot from the management (or IAM delegated-admin) account with the
 * IAMAuditRootUserCredentials task policy, no member role needed (ROOT-ACCESS.md).
 */
export type AccessPath = 'member-role' | 'root-session';

export const AUDIT_ROOT_TASK_POLICY = 'IAMAuditRootUserCredentials';
export const DELETE_ROOT_TASK_POLICY = 'IAMDeleteRootUserCredentials';

/** The error code and UNKNOWN reason of sources a root session cannot read (password policy, credential report). */
export const NOT_READABLE_WITH_ROOT_SESSION = 'not_readable_with_root_session';

/**
 * Whether the account could be entered. `roleArn` is the audit role's ARN, or for a root session the
 * root user's (`arn:…:iam::<account>:root`). `path` is absent for the member role (postures stored
 * before access paths existed); `fallbackFrom` says why `auto` did not use the member role.
 */
export type CoverageOutcome =
  | {
      assumed: true;
      roleArn: string;
      path?: AccessPath;
      taskPolicyArn?: string;
      fallbackFrom?: { path: 'member-role'; code: string };
    }
  | { assumed: false; error: SourceError; path?: AccessPath };

/** One root access key as a root session reads it (ListAccessKeys + GetAccessKeyLastUsed). */
export interface RootAccessKeyDetail {
  id: string;
  active: boolean;
  createdAt: string | null;
  /** null: never used (AWS answers `N/A` for the service and region). */
  lastUsedAt: string | null;
  lastUsedService: string | null;
  lastUsedRegion: string | null;
}

export interface RootCertificateDetail {
  id: string;
  active: boolean;
  uploadedAt: string | null;
}

/** A root MFA device: a virtual one's serial is its `arn:…:mfa/…` ARN; anything else is non-virtual. */
export interface RootMfaDeviceDetail {
  serialNumber: string;
  enableDate: string | null;
}

/** The root's credentials as a root session reads them: exact ids and per-key last use. */
export interface RootSessionCredentials {
  /** GetLoginProfile; NoSuchEntity = no password. */
  password: boolean;
  /** GetUser.PasswordLastUsed; null = never (or not since AWS started recording it in 2014). */
  passwordLastUsed: string | null;
  accessKeys: RootAccessKeyDetail[];
  certificates: RootCertificateDetail[];
  mfaDevices: RootMfaDeviceDetail[];
}

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
  /** Only on the root-session path: the root's credentials read in the root session. */
  rootCredentials?: SourceResult<RootSessionCredentials>;
}

/** Is a root MFA serial a virtual device's? (`arn:<partition>:iam::<account>:mfa/<name>`; a FIDO key's is `…:u2f/…`, a TOTP token's a plain serial.) */
export function isVirtualMfaSerial(serial: string): boolean {
  return /^arn:aws[a-z-]*:iam::\d{12}:mfa\//.test(serial);
}

/** A source the root session cannot read: it makes its controls UNKNOWN, never the coverage fail. */
export function notReadableWithRootSession<T = never>(what: string): SourceResult<T> {
  return {
    ok: false,
    error: {
      kind: 'not_readable',
      code: NOT_READABLE_WITH_ROOT_SESSION,
      message: `${what} cannot be read under the ${AUDIT_ROOT_TASK_POLICY} task policy; deploy the member audit role to read it`,
    },
  };
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
  path?: AccessPath;
}): RootPosture {
  const failed = sourceFailed(args.error);
  return {
    accountId: args.accountId,
    partition: args.partition,
    collectedAt: args.collectedAt,
    coverage: { assumed: false, error: args.error, ...(args.path ? { path: args.path } : {}) },
    accountSummary: failed,
    credentialReport: failed,
    virtualMfaDevices: failed,
    passwordPolicy: failed,
  };
}

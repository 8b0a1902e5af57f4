export type AccountState = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
// `passkey` (a FIDO security key or passkey) is non-virtual on the wire, like `hardware` (a TOTP token).
export type MfaKind = 'none' | 'virtual' | 'hardware' | 'passkey';
/** Root flags of GetAccountSummary that `root.summaryOmits` can leave out (older accounts, some partitions). */
export type RootSummaryKey =
  | 'AccountMFAEnabled'
  | 'AccountAccessKeysPresent'
  | 'AccountPasswordPresent'
  | 'AccountSigningCertificatesPresent';
export type AssumeRoleFault = 'AccessDenied' | 'RegionDisabled' | 'Throttling';
export type CredentialReportFault = 'LimitExceeded' | 'NeverCompletes' | 'Malformed';

export interface SimAccessKey {
  active: boolean;
  lastUsed: string | null;
  lastRotated: string;
  /** Optional; derived from the account id and position when absent. */
  id?: string;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

export interface SimSigningCertificate {
  active: boolean;
  id?: string;
  uploadedAt?: string;
}

/** A root credential deleted through an AssumeRoot session (IAMDeleteRootUserCredentials), kept so `GET /_sim/org` shows it. */
export interface SimRemovedCredential {
  type: 'accessKey' | 'signingCertificate' | 'loginProfile' | 'mfaDevice';
  /** Key id, certificate id, MFA serial, or `root` for the login profile. */
  id: string;
  /** The IAM action that removed it (DeleteAccessKey, DeactivateMFADevice, …). */
  action: string;
  at: string;
}

export interface SimRootUser {
  password: boolean;
  passwordLastUsed: string | null;
  mfa: MfaKind;
  /** The root MFA device's serial; derived from the account and kind when absent. */
  mfaSerial?: string;
  accessKeys: SimAccessKey[];
  signingCertificates: SimSigningCertificate[];
  createdAt: string;
  /** Credentials deleted in root sessions, oldest first. */
  removed?: SimRemovedCredential[];
  /** A virtual MFA device deactivated from the root but not yet deleted (DeleteVirtualMFADevice removes it). */
  unassignedVirtualMfaSerial?: string;
  /** Keys left out of GetAccountSummary; the credential report then carries what they would have said. */
  summaryOmits?: RootSummaryKey[];
}

export interface SimIamUser {
  name: string;
  password: boolean;
  virtualMfa: boolean;
  createdAt?: string;
  passwordLastUsed?: string | null;
}

export interface SimPasswordPolicy {
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

export interface SimContact {
  name: string;
  email: string;
  phone: string;
  title?: string;
}

export interface SimAccountFaults {
  assumeRole?: AssumeRoleFault;
  /** AssumeRole signed for one of these regions answers RegionDisabledException (STS not activated there). */
  stsDisabledRegions?: string[];
  /**
   * The audit role lacks `account:GetAlternateContact` (a member role deployed before it was added):
   * the member-side contact read answers AccessDenied; the organization-side read still works.
   */
  memberContact?: 'AccessDenied';
  credentialReport?: CredentialReportFault;
  iam?: 'AccessDenied';
  contact?: 'AccessDenied';
}

export interface SimAccount {
  id: string;
  name: string;
  email: string;
  state: AccountState;
  parentId: string;
  tags: Record<string, string>;
  joinedAt: string;
  joinedMethod?: 'INVITED' | 'CREATED';
  partition: string;
  auditRole: boolean;
  root: SimRootUser;
  iamUsers: SimIamUser[];
  passwordPolicy: SimPasswordPolicy | null;
  securityContact: SimContact | null;
  faults?: SimAccountFaults;
}

export interface SimOrganizationalUnit {
  id: string;
  name: string;
  parentId: string;
}

export interface SimPolicy {
  id: string;
  name: string;
  description?: string;
  targets: string[];
  document: unknown;
}

/** Requests per second (0 = unlimited), each a token bucket with a one-second burst. */
export interface SimThrottle {
  /** Per calling account, as AWS limits AssumeRole per caller. */
  'sts:AssumeRole': number;
  /** All IAM calls together, whatever the account (the simulator's original, global budget). */
  iam: number;
  /** Each member account's IAM calls in their own bucket, as each AWS account has its own IAM quota. */
  'iam:perAccount'?: number;
  /** Per calling account (the management or delegated-admin account). */
  organizations: number;
}

export type ThrottledService = 'iam' | 'sts' | 'organizations';

export interface SimLatency {
  min: number;
  max: number;
}

export interface SimGlobalFaults {
  /** Share of calls answered with the service's throttling error at random. */
  throttleRate: number;
  /** Which services `throttleRate` applies to; IAM only when absent. */
  throttleServices?: ThrottledService[];
}

export interface OrgDefinition {
  organization: {
    id: string;
    managementAccountId: string;
    rootId: string;
    features: string[];
    scpEnabled: boolean;
    /** false → iam:ListOrganizationsFeatures answers ServiceAccessNotEnabledException (absent = true). */
    iamTrustedAccess?: boolean;
    /** false → a consolidated-billing organization: no SCPs, OrganizationNotInAllFeaturesModeException (absent = true). */
    allFeatures?: boolean;
    /**
     * The caller acts in this member account, registered as IAM and Account delegated administrator,
     * instead of in the management account.
     */
    delegatedAdmin?: { accountId: string };
  };
  caller: { accessKeyId: string; secretAccessKey: string };
  auditRole: { name: string; externalId: string | null };
  /** Optional extra: the role Rootwatch may assume in the management account before discovery (ROOTWATCH_ORG_ROLE_ARN). */
  scannerRole: { name: string; externalId: string | null };
  organizationalUnits: SimOrganizationalUnit[];
  policies: SimPolicy[];
  accounts: SimAccount[];
  latencyMs: SimLatency;
  credentialReportDelayMs: number;
  throttle: SimThrottle;
  faults: SimGlobalFaults;
}

/** The settings `PUT /_sim/faults` replaces. */
export interface SimSettings {
  latencyMs: SimLatency;
  credentialReportDelayMs: number;
  throttle: SimThrottle;
  faults: SimGlobalFaults;
}

export interface SimStats {
  requests: number;
  byOperation: Record<string, number>;
  throttled: number;
  failed: number;
  byAccount: Record<string, number>;
}

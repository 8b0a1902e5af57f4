import type { AccountContext } from './context';
import {
  isVirtualMfaSerial,
  type ReportTime,
  type RootPosture,
  type RootSessionCredentials,
  type SourceError,
  type VirtualMfaDevice,
} from './posture';

/** `null` = unknown (not evaluated, not readable, or AWS does not say). */
export type Tri = boolean | null;

export type Usage = { kind: 'used'; at: string } | { kind: 'never' } | { kind: 'unknown'; reason: string };

/**
 * `non-virtual`: MFA is on and no virtual device is assigned to root. That is a hardware TOTP token,
 * a FIDO security key or a passkey: no source Rootwatch reads tells them apart (CONTROLS.md).
 */
export type MfaType = 'none' | 'virtual' | 'non-virtual' | 'unknown';

/** Facts stored before the rename say `hardware` for what is now `non-virtual`. */
export function normalizeMfaType(type: MfaType | 'hardware'): MfaType {
  return type === 'hardware' ? 'non-virtual' : type;
}

export interface CredentialSlotFact {
  slot: 1 | 2;
  present: Tri;
  active: Tri;
  lastUsed: Usage;
  /** Root-session path only: the key or certificate id, and where a key was last used. */
  id?: string;
  lastUsedService?: string | null;
  lastUsedRegion?: string | null;
}

/** The interpreted facts of one account's root posture: what controls and drift reason about. */
export interface PostureFacts {
  accountId: string;
  partition: string;
  coverage: { ok: true } | { ok: false; kind: SourceError['kind']; code: string; message: string };
  reportGeneratedAt: string | null;
  /** `presentFrom`: which source said so (the summary flag, else the report row when the flag is absent). */
  password: {
    present: Tri;
    lastUsed: Usage;
    presentFrom?: 'AccountPasswordPresent' | 'password_enabled' | 'GetLoginProfile';
  };
  /** `serials`: root-session path only, every root MFA device (ListMFADevices). */
  mfa: { enabled: Tri; virtualOnRoot: Tri; type: MfaType; virtualSerial: string | null; serials?: string[] };
  accessKeys: { present: Tri; slots: CredentialSlotFact[] | null };
  certificates: { present: Tri; slots: CredentialSlotFact[] | null };
  /** `absent` only with positive evidence: no password, no key, no certificate. */
  rootCredentials: 'present' | 'absent' | 'unknown';
  /** Latest of password_last_used and both keys' last_used_date. */
  lastUsed: Usage & { knownLatest?: string };
  passwordPolicy:
    | { status: 'present'; minimumLength: number | null; reusePrevention: number | null }
    | { status: 'absent' }
    | { status: 'unknown'; reason: string };
  securityContact: 'present' | 'absent' | 'unknown';
  /**
   * How the facts were read, when not through the member role (absent = member role, as every posture
   * stored before access paths existed): a root session, and why `auto` fell back to it.
   */
  access?: { path: 'root-session'; fallbackFrom?: string };
}

export function rootArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

export function rootVirtualMfaSerial(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:mfa/root-account-mfa-device`;
}

/** A virtual MFA belongs to root only by its exact serial or exact root user ARN (an IAM user's never counts). */
export function isRootVirtualMfa(device: VirtualMfaDevice, partition: string, accountId: string): boolean {
  return (
    device.serialNumber === rootVirtualMfaSerial(partition, accountId) ||
    device.userArn === rootArn(partition, accountId)
  );
}

const ACCESS_FAILURES: ReadonlySet<SourceError['kind']> = new Set(['denied', 'expired', 'region_disabled']);

/**
 * Coverage fails when the role was not assumed, when the required read (GetAccountSummary)
 * failed, or when any read was refused (denied / expired / region disabled): the role is
 * then not usable as deployed. A report that is merely slow or malformed only makes its
 * own controls UNKNOWN.
 */
export function effectiveCoverage(posture: RootPosture): PostureFacts['coverage'] {
  if (!posture.coverage.assumed) return failedCoverage(posture.coverage.error);
  if (!posture.accountSummary.ok) return failedCoverage(posture.accountSummary.error);
  // In a root session the root's credential reads are the required ones.
  if (posture.rootCredentials && !posture.rootCredentials.ok)
    return failedCoverage(posture.rootCredentials.error);
  for (const source of [posture.credentialReport, posture.virtualMfaDevices, posture.passwordPolicy]) {
    if (!source.ok && ACCESS_FAILURES.has(source.error.kind)) return failedCoverage(source.error);
  }
  return { ok: true };
}

function failedCoverage(error: SourceError): PostureFacts['coverage'] {
  return { ok: false, kind: error.kind, code: error.code, message: error.message };
}

function usageOf(time: ReportTime): Usage {
  switch (time.kind) {
    case 'time':
      return { kind: 'used', at: time.at };
    case 'no_information':
    case 'not_applicable':
      return { kind: 'never' };
    case 'not_supported':
      return { kind: 'unknown', reason: 'credential report says not_supported' };
  }
}

function flag(value: number | undefined): Tri {
  return value === undefined ? null : value === 1;
}

export function latestUsage(usages: Usage[]): Usage & { knownLatest?: string } {
  let latest: string | undefined;
  for (const u of usages) {
    if (u.kind === 'used' && (latest === undefined || Date.parse(u.at) > Date.parse(latest))) latest = u.at;
  }
  const unknown = usages.find((u) => u.kind === 'unknown');
  if (unknown) return latest ? { ...unknown, knownLatest: latest } : unknown;
  return latest ? { kind: 'used', at: latest } : { kind: 'never' };
}

function presence(summaryFlag: Tri, reportSlots: CredentialSlotFact[] | null): Tri {
  if (summaryFlag === true || reportSlots?.some((s) => s.present === true)) return true;
  const reportSaysNone = reportSlots?.every((s) => s.present === false) ?? null;
  if (summaryFlag === false && reportSaysNone !== false) return false;
  if (summaryFlag === null && reportSaysNone === true) return false;
  return null;
}

export function derivePostureFacts(
  posture: RootPosture,
  account?: Pick<AccountContext, 'securityContact'>,
): PostureFacts {
  if (posture.rootCredentials?.ok) return rootSessionFacts(posture, posture.rootCredentials.value, account);
  const { accountId, partition } = posture;
  const summary = posture.accountSummary.ok ? posture.accountSummary.value : null;
  const report = posture.credentialReport.ok ? posture.credentialReport.value : null;
  const reportUnknown: Usage = {
    kind: 'unknown',
    reason: posture.credentialReport.ok
      ? ''
      : `credential report unavailable: ${posture.credentialReport.error.code}`,
  };

  const keySlots: CredentialSlotFact[] | null = report
    ? report.root.accessKeys.map((k) => ({
        slot: k.slot,
        // An inactive key (active=false, rotated once) still exists: it can be re-activated.
        present:
          k.active === true || k.lastRotated.kind === 'time' ? true : k.active === false ? false : null,
        active: k.active,
        lastUsed: usageOf(k.lastUsed),
      }))
    : null;
  const certSlots: CredentialSlotFact[] | null = report
    ? report.root.certificates.map((c) => ({
        slot: c.slot,
        present:
          c.active === true || c.lastRotated.kind === 'time' ? true : c.active === false ? false : null,
        active: c.active,
        lastUsed: { kind: 'never' },
      }))
    : null;

  const summaryPassword = flag(summary?.AccountPasswordPresent);
  // AccountPasswordPresent is recent (Nov 2024) and not always there. Without it, the report row decides:
  // AWS writes password_enabled=false for member roots created without credentials, and `not_supported`
  // (null: unknown) for the others — so `false` is evidence of no password, never a guess.
  const reportPassword = report?.root.passwordEnabled ?? null;
  const passwordPresent: Tri = summaryPassword ?? reportPassword;
  const passwordFrom =
    summaryPassword !== null
      ? ('AccountPasswordPresent' as const)
      : reportPassword !== null
        ? ('password_enabled' as const)
        : undefined;
  const passwordLastUsed = report ? usageOf(report.root.passwordLastUsed) : reportUnknown;

  let virtualOnRoot: Tri = null;
  let virtualSerial: string | null = null;
  if (posture.virtualMfaDevices.ok) {
    const device = posture.virtualMfaDevices.value.find((d) => isRootVirtualMfa(d, partition, accountId));
    virtualOnRoot = device !== undefined;
    virtualSerial = device?.serialNumber ?? null;
  }
  const mfaEnabled: Tri =
    flag(summary?.AccountMFAEnabled) ?? report?.root.mfaActive ?? (virtualOnRoot ? true : null);
  let mfaType: MfaType = 'unknown';
  if (virtualOnRoot === true) mfaType = 'virtual';
  else if (mfaEnabled === false) mfaType = 'none';
  else if (mfaEnabled === true && virtualOnRoot === false) mfaType = 'non-virtual';

  const keysPresent = presence(flag(summary?.AccountAccessKeysPresent), keySlots);
  const certsPresent = presence(flag(summary?.AccountSigningCertificatesPresent), certSlots);
  let rootCredentials: PostureFacts['rootCredentials'] = 'unknown';
  if (passwordPresent === true || keysPresent === true || certsPresent === true) rootCredentials = 'present';
  else if (passwordPresent === false && keysPresent === false && certsPresent === false)
    rootCredentials = 'absent';

  const lastUsed = report
    ? latestUsage([passwordLastUsed, ...(keySlots ?? []).map((k) => k.lastUsed)])
    : reportUnknown;

  let passwordPolicy: PostureFacts['passwordPolicy'];
  if (!posture.passwordPolicy.ok) {
    passwordPolicy = { status: 'unknown', reason: posture.passwordPolicy.error.code };
  } else if (posture.passwordPolicy.value === null) {
    passwordPolicy = { status: 'absent' };
  } else {
    passwordPolicy = {
      status: 'present',
      minimumLength: posture.passwordPolicy.value.MinimumPasswordLength ?? null,
      reusePrevention: posture.passwordPolicy.value.PasswordReusePrevention ?? null,
    };
  }

  return {
    accountId,
    partition,
    coverage: effectiveCoverage(posture),
    reportGeneratedAt: report?.generatedAt ?? null,
    password: {
      present: passwordPresent,
      lastUsed: passwordLastUsed,
      ...(passwordFrom ? { presentFrom: passwordFrom } : {}),
    },
    mfa: { enabled: mfaEnabled, virtualOnRoot, type: mfaType, virtualSerial },
    accessKeys: { present: keysPresent, slots: keySlots },
    certificates: { present: certsPresent, slots: certSlots },
    rootCredentials,
    lastUsed,
    passwordPolicy,
    securityContact: account?.securityContact.status ?? 'unknown',
  };
}

function passwordPolicyFact(posture: RootPosture): PostureFacts['passwordPolicy'] {
  if (!posture.passwordPolicy.ok) return { status: 'unknown', reason: posture.passwordPolicy.error.code };
  if (posture.passwordPolicy.value === null) return { status: 'absent' };
  return {
    status: 'present',
    minimumLength: posture.passwordPolicy.value.MinimumPasswordLength ?? null,
    reusePrevention: posture.passwordPolicy.value.PasswordReusePrevention ?? null,
  };
}

const usedOrNever = (at: string | null): Usage => (at ? { kind: 'used', at } : { kind: 'never' });

function padSlots(slots: CredentialSlotFact[]): void {
  for (let slot = slots.length + 1; slot <= 2; slot++)
    slots.push({ slot: slot as 1 | 2, present: false, active: false, lastUsed: { kind: 'never' } });
}

/**
 * Facts from a root session (ROOT-ACCESS.md): exact where the member role's sources are summaries —
 * the login profile says whether there is a password, each key has its id and last use, each MFA
 * device its serial. The credential report and password policy are not readable there.
 */
function rootSessionFacts(
  posture: RootPosture,
  root: RootSessionCredentials,
  account?: Pick<AccountContext, 'securityContact'>,
): PostureFacts {
  const summary = posture.accountSummary.ok ? posture.accountSummary.value : null;
  // Root has at most two keys and two certificates: their list order gives the slots.
  const keySlots: CredentialSlotFact[] = root.accessKeys.map((k, i) => ({
    slot: (i + 1) as 1 | 2,
    present: true,
    active: k.active,
    lastUsed: usedOrNever(k.lastUsedAt),
    id: k.id,
    lastUsedService: k.lastUsedService,
    lastUsedRegion: k.lastUsedRegion,
  }));
  const certSlots: CredentialSlotFact[] = root.certificates.map((c, i) => ({
    slot: (i + 1) as 1 | 2,
    present: true,
    active: c.active,
    lastUsed: { kind: 'never' },
    id: c.id,
  }));
  // Two slots always, as the credential report has: a deleted key or certificate then shows as its slot
  // going absent (drift), not as a slot that silently vanished.
  padSlots(keySlots);
  padSlots(certSlots);
  const serials = root.mfaDevices.map((d) => d.serialNumber);
  const virtualSerial = serials.find(isVirtualMfaSerial) ?? null;
  const enabled = serials.length > 0;
  const passwordLastUsed = usedOrNever(root.passwordLastUsed);
  const keysPresent = presence(flag(summary?.AccountAccessKeysPresent), keySlots);
  const certsPresent = presence(flag(summary?.AccountSigningCertificatesPresent), certSlots);
  let rootCredentials: PostureFacts['rootCredentials'] = 'unknown';
  if (root.password || keysPresent === true || certsPresent === true) rootCredentials = 'present';
  else if (keysPresent === false && certsPresent === false) rootCredentials = 'absent';
  const coverage = posture.coverage;
  const fallbackFrom = coverage.assumed ? coverage.fallbackFrom?.code : undefined;
  return {
    accountId: posture.accountId,
    partition: posture.partition,
    coverage: effectiveCoverage(posture),
    reportGeneratedAt: null,
    password: { present: root.password, lastUsed: passwordLastUsed, presentFrom: 'GetLoginProfile' },
    mfa: {
      enabled,
      virtualOnRoot: virtualSerial !== null,
      type: virtualSerial !== null ? 'virtual' : enabled ? 'non-virtual' : 'none',
      virtualSerial,
      serials,
    },
    accessKeys: { present: keysPresent, slots: keySlots },
    certificates: { present: certsPresent, slots: certSlots },
    rootCredentials,
    lastUsed: latestUsage([passwordLastUsed, ...keySlots.map((k) => k.lastUsed)]),
    passwordPolicy: passwordPolicyFact(posture),
    securityContact: account?.securityContact.status ?? 'unknown',
    access: { path: 'root-session', ...(fallbackFrom ? { fallbackFrom } : {}) },
  };
}

import type { AccountContext } from './context';
import type { ReportTime, RootPosture, SourceError, VirtualMfaDevice } from './posture';

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
}

/** The interpreted facts of one account's root posture: what controls and drift reason about. */
export interface PostureFacts {
  accountId: string;
  partition: string;
  coverage: { ok: true } | { ok: false; kind: SourceError['kind']; code: string; message: string };
  reportGeneratedAt: string | null;
  /** `presentFrom`: which source said so (the summary flag, else the report row when the flag is absent). */
  password: { present: Tri; lastUsed: Usage; presentFrom?: 'AccountPasswordPresent' | 'password_enabled' };
  mfa: { enabled: Tri; virtualOnRoot: Tri; type: MfaType; virtualSerial: string | null };
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

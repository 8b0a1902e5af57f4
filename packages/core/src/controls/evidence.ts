import type { CredentialSlotFact, PostureFacts } from '../facts';
import type { RootPosture, RootSummaryFlag, SourceResult } from '../posture';

type SourceName = 'accountSummary' | 'credentialReport' | 'virtualMfaDevices' | 'passwordPolicy';

const SOURCE_LABEL: Record<SourceName, string> = {
  accountSummary: 'account summary',
  credentialReport: 'credential report',
  virtualMfaDevices: 'virtual MFA device list',
  passwordPolicy: 'password policy',
};

export function summaryFlag(posture: RootPosture, flag: RootSummaryFlag): number | null {
  return posture.accountSummary.ok ? (posture.accountSummary.value[flag] ?? null) : null;
}

/** Says which sources could not be read (with their error codes), for UNKNOWN reasons. */
export function unavailable(
  posture: RootPosture,
  sources: SourceName[],
  missingFlag?: RootSummaryFlag,
): string {
  const parts: string[] = [];
  for (const name of sources) {
    const source = posture[name] as SourceResult<unknown>;
    if (!source.ok) parts.push(`${SOURCE_LABEL[name]} unavailable (${source.error.code})`);
    else if (name === 'accountSummary' && missingFlag && summaryFlag(posture, missingFlag) === null)
      parts.push(`${missingFlag} missing from the account summary`);
  }
  return parts.length > 0 ? parts.join('; ') : 'not enough evidence';
}

/** Key and certificate ids and per-key last use appear only when a root session read them. */
export function slotEvidence(slots: CredentialSlotFact[] | null) {
  return (
    slots?.map((s) => ({
      slot: s.slot,
      present: s.present,
      active: s.active,
      ...(s.id ? { id: s.id } : {}),
      ...(s.lastUsedService !== undefined ? { lastUsedService: s.lastUsedService } : {}),
      ...(s.lastUsedRegion !== undefined ? { lastUsedRegion: s.lastUsedRegion } : {}),
    })) ?? null
  );
}

export function reportEvidence(facts: PostureFacts) {
  return { reportGeneratedAt: facts.reportGeneratedAt };
}

export function describeSlots(kind: string, slots: CredentialSlotFact[] | null): string {
  const present = (slots ?? []).filter((s) => s.present === true);
  if (present.length === 0) return '';
  return present
    .map(
      (s) => `${kind} ${s.id ?? s.slot} (${s.active === true ? 'active' : 'inactive, can be re-activated'})`,
    )
    .join(', ');
}

/** Which source says whether root has a password (the report row stands in when the summary flag is absent). */
export function passwordEvidence(facts: PostureFacts) {
  return { passwordPresent: facts.password.present, passwordPresentFrom: facts.password.presentFrom ?? null };
}

export function noCredentialsReason(facts: PostureFacts): string {
  const from =
    facts.password.presentFrom === 'password_enabled'
      ? ' (no password: the credential report says password_enabled=false, AccountPasswordPresent is absent)'
      : facts.password.presentFrom === 'GetLoginProfile'
        ? ' (read in a root session: GetLoginProfile answers NoSuchEntity, no key or certificate listed)'
        : '';
  return `root has no credentials (no password, access key or certificate)${from}`;
}

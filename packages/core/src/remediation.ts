/**
 * Guarded remediation of member root credentials (ROOT-ACCESS.md "Guarded remediation"): which exact
 * credentials a plan names per account, which accounts it refuses and why, and — at apply time — which of
 * the planned credentials may still be deleted. Pure functions over plain data; the I/O is elsewhere.
 */

export type CredentialType = 'access-key' | 'signing-certificate' | 'login-profile' | 'mfa-device';

/** One root credential named exactly (ids and serials, never a secret). */
export type PlannedCredential =
  | { type: 'access-key'; id: string; status: string | null }
  | { type: 'signing-certificate'; id: string; status: string | null }
  | { type: 'login-profile' }
  | { type: 'mfa-device'; serial: string };

export interface PlannedAccount {
  accountId: string;
  accountName: string;
  observedAt: string;
  postureVersionId: number | null;
  credentials: PlannedCredential[];
}

/** The root user's credentials as read (or as last observed): ids, statuses and serials only. */
export interface RootCredentialInventory {
  loginProfile: boolean;
  accessKeys: { id: string; status: string | null }[];
  certificates: { id: string; status: string | null }[];
  mfaDevices: { serial: string }[];
}

/**
 * What each remediable control removes. `root.credentials-removed` is the whole of centralized root access
 * (password, keys, certificates and MFA devices); the two narrow controls remove only their credential.
 */
export const REMEDIATION_CONTROLS: Readonly<Record<string, readonly CredentialType[]>> = {
  'root.access-keys': ['access-key'],
  'root.signing-certificates': ['signing-certificate'],
  'root.credentials-removed': ['login-profile', 'access-key', 'signing-certificate', 'mfa-device'],
};

/** Without --control: the long-lived programmatic credentials every guideline asks to remove. */
export const DEFAULT_REMEDIATION_CONTROLS = ['root.access-keys', 'root.signing-certificates'] as const;

export const PLAN_TTL_MS = 24 * 3600 * 1000;

export function credentialTypesOf(controls: readonly string[]): Set<CredentialType> {
  const types = new Set<CredentialType>();
  for (const control of controls) for (const type of REMEDIATION_CONTROLS[control] ?? []) types.add(type);
  return types;
}

/** The controls whose findings an action on this credential type belongs to. */
export function controlsOfCredentialType(type: CredentialType, controls: readonly string[]): string[] {
  return controls.filter((c) => REMEDIATION_CONTROLS[c]?.includes(type));
}

export function credentialLabel(c: PlannedCredential): string {
  switch (c.type) {
    case 'access-key':
    case 'signing-certificate':
      return `${c.type} ${c.id}`;
    case 'login-profile':
      return 'login-profile (root password)';
    case 'mfa-device':
      return `mfa-device ${c.serial}`;
  }
}

export function credentialId(c: PlannedCredential): string | null {
  switch (c.type) {
    case 'access-key':
    case 'signing-certificate':
      return c.id;
    case 'login-profile':
      return null;
    case 'mfa-device':
      return c.serial;
  }
}

export type PlanRefusalCode =
  | 'not_in_organization'
  | 'management_account'
  | 'account_not_active'
  | 'not_assessed'
  | 'credential_ids_unknown'
  | 'no_credentials';

export type AccountPlanDecision =
  | { ok: true; account: PlannedAccount }
  | { ok: false; accountId: string; code: PlanRefusalCode; reason: string };

export interface PlanCandidate {
  accountId: string;
  /** Null when the account is not one of the organization's (never seen, or in another org). */
  account: {
    name: string;
    orgId: string;
    state: string;
    removed: boolean;
  } | null;
  /** The account's current posture version, or null when never assessed. */
  posture: { versionId: number; lastObservedAt: string; facts: Record<string, unknown> } | null;
}

/**
 * Decides one account of a plan from what is stored. Refuses (with a reason a person can act on) an
 * account outside the organization, the management account (AWS refuses AssumeRoot there too), an
 * account whose last observation does not name its credentials, and one with nothing to remove.
 */
export function planAccount(
  candidate: PlanCandidate,
  o: { orgId: string; managementAccountId: string | null; controls: readonly string[] },
): AccountPlanDecision {
  const { accountId, account, posture } = candidate;
  const refuse = (code: PlanRefusalCode, reason: string): AccountPlanDecision => ({
    ok: false,
    accountId,
    code,
    reason,
  });
  if (!account || account.orgId !== o.orgId || account.removed) {
    return refuse('not_in_organization', `account ${accountId} is not a member of organization ${o.orgId}`);
  }
  if (accountId === o.managementAccountId) {
    return refuse(
      'management_account',
      `account ${accountId} is the management account: centralized root access manages member accounts only (AWS refuses AssumeRoot for it)`,
    );
  }
  if (account.state !== 'ACTIVE') {
    return refuse('account_not_active', `account ${accountId} is ${account.state}, not ACTIVE`);
  }
  if (!posture) return refuse('not_assessed', `account ${accountId} has never been assessed`);
  const inventory = inventoryFromFacts(posture.facts);
  if (!inventory) {
    return refuse(
      'credential_ids_unknown',
      `the last observation of account ${accountId} does not name its root credentials (the member role's credential report has no key ids): scan it with access root-session or auto first`,
    );
  }
  const credentials = credentialsToRemove(inventory, credentialTypesOf(o.controls));
  if (credentials.length === 0) {
    return refuse(
      'no_credentials',
      `account ${accountId} has no root credentials to remove for ${o.controls.join(', ')} (as last observed ${posture.lastObservedAt})`,
    );
  }
  return {
    ok: true,
    account: {
      accountId,
      accountName: account.name,
      observedAt: posture.lastObservedAt,
      postureVersionId: posture.versionId,
      credentials,
    },
  };
}

/** The inventory's credentials of the given types, in the order they are deleted (MFA last: AWS asks so). */
export function credentialsToRemove(
  inventory: RootCredentialInventory,
  types: ReadonlySet<CredentialType>,
): PlannedCredential[] {
  const out: PlannedCredential[] = [];
  if (types.has('access-key'))
    for (const k of inventory.accessKeys) out.push({ type: 'access-key', id: k.id, status: k.status });
  if (types.has('signing-certificate'))
    for (const c of inventory.certificates)
      out.push({ type: 'signing-certificate', id: c.id, status: c.status });
  if (types.has('login-profile') && inventory.loginProfile) out.push({ type: 'login-profile' });
  if (types.has('mfa-device'))
    for (const d of inventory.mfaDevices) out.push({ type: 'mfa-device', serial: d.serial });
  return out;
}

export type ApplyDecision =
  | { action: 'delete'; delete: PlannedCredential[]; alreadyGone: PlannedCredential[] }
  | { action: 'skip'; code: 'changed_since_plan' | 'nothing_left'; reason: string };

/**
 * Compares the credentials read now (in the root session) with the plan's. Only credentials named in the
 * plan and still there, unchanged, are deleted; a credential of a planned type that the plan does not name
 * (added or replaced since) or whose status changed skips the whole account — a person must look again.
 */
export function decideApply(
  planned: readonly PlannedCredential[],
  current: RootCredentialInventory,
  types: ReadonlySet<CredentialType>,
): ApplyDecision {
  const now = credentialsToRemove(current, types);
  const key = (c: PlannedCredential) => `${c.type}/${credentialId(c) ?? ''}`;
  const plannedByKey = new Map(planned.map((c) => [key(c), c]));
  const changes: string[] = [];
  for (const c of now) {
    const p = plannedByKey.get(key(c));
    if (!p) changes.push(`${credentialLabel(c)} is not in the plan (added after planning)`);
    else if ('status' in p && 'status' in c && p.status !== null && c.status !== p.status)
      changes.push(`${credentialLabel(c)} changed status from ${p.status} to ${c.status}`);
  }
  if (changes.length > 0) {
    return {
      action: 'skip',
      code: 'changed_since_plan',
      reason: `root credentials changed since the plan: ${changes.join('; ')}`,
    };
  }
  const nowKeys = new Set(now.map(key));
  const toDelete = planned.filter((c) => nowKeys.has(key(c)));
  const alreadyGone = planned.filter((c) => !nowKeys.has(key(c)));
  if (toDelete.length === 0) {
    return { action: 'skip', code: 'nothing_left', reason: 'every planned credential is already gone' };
  }
  return { action: 'delete', delete: toDelete, alreadyGone };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function idList(value: unknown, idField: string): { id: string; status: string | null }[] | null {
  if (!Array.isArray(value)) return null;
  const out: { id: string; status: string | null }[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item[idField] !== 'string') return null;
    out.push({ id: item[idField] as string, status: typeof item.status === 'string' ? item.status : null });
  }
  return out;
}

/**
 * The exact root credentials a stored posture names, or null when it does not name them. Only a root-session
 * read (iam:ListAccessKeys, ListSigningCertificates, GetLoginProfile, ListMFADevices) names them; the member
 * role's credential report says whether slot 1 or 2 holds a key, not which key. Reads the facts of a
 * root-session observation (`access.path = root-session`: key and certificate slots with ids, the login
 * profile, MFA serials), or an explicit `rootCredentialInventory` `{ loginProfile, accessKeys: [{ id, status }],
 * certificates: [{ id, status }], mfaDevices: [{ serial }] }`.
 */
export function inventoryFromFacts(facts: Record<string, unknown>): RootCredentialInventory | null {
  const explicit = explicitInventory(facts.rootCredentialInventory);
  if (explicit) return explicit;
  const access = facts.access;
  const password = facts.password;
  if (!isRecord(access) || access.path !== 'root-session' || !isRecord(password)) return null;
  if (typeof password.present !== 'boolean') return null;
  const slots = (group: unknown) => {
    if (!isRecord(group) || !Array.isArray(group.slots)) return null;
    const out: { id: string; status: string | null }[] = [];
    for (const slot of group.slots) {
      // An absent slot (no key there) names nothing; a present one must name its credential.
      if (isRecord(slot) && slot.present === false) continue;
      if (!isRecord(slot) || typeof slot.id !== 'string') return null;
      out.push({
        id: slot.id,
        status: slot.active === true ? 'Active' : slot.active === false ? 'Inactive' : null,
      });
    }
    return out;
  };
  const accessKeys = slots(facts.accessKeys);
  const certificates = slots(facts.certificates);
  const mfa = facts.mfa;
  if (!accessKeys || !certificates || !isRecord(mfa) || !Array.isArray(mfa.serials)) return null;
  if (!mfa.serials.every((x) => typeof x === 'string')) return null;
  return {
    loginProfile: password.present,
    accessKeys,
    certificates,
    mfaDevices: (mfa.serials as string[]).map((serial) => ({ serial })),
  };
}

function explicitInventory(inv: unknown): RootCredentialInventory | null {
  if (!isRecord(inv) || typeof inv.loginProfile !== 'boolean') return null;
  const accessKeys = idList(inv.accessKeys, 'id');
  const certificates = idList(inv.certificates, 'id');
  if (!accessKeys || !certificates || !Array.isArray(inv.mfaDevices)) return null;
  const mfaDevices: { serial: string }[] = [];
  for (const d of inv.mfaDevices) {
    if (!isRecord(d) || typeof d.serial !== 'string') return null;
    mfaDevices.push({ serial: d.serial });
  }
  return { loginProfile: inv.loginProfile, accessKeys, certificates, mfaDevices };
}

export interface OuRef {
  id: string;
  name: string;
}

export type Unknown = { known: false; reason: string };

export interface EffectivePolicy {
  id: string;
  name: string;
  /** Where it is attached: the root (`r-…`), an OU (`ou-…`) or the account id. */
  targetId: string;
  /** The parsed policy document (or the raw string when it was not JSON). */
  document: unknown;
}

export type SecurityContact =
  | { status: 'present'; name?: string; email?: string }
  | { status: 'absent' }
  | { status: 'unknown'; reason: string };

import { ACCOUNT_STATES, type AccountState } from './vocabulary';

export type { AccountState };

/** One member account as discovered from the organization. */
export interface AccountContext {
  id: string;
  name: string;
  email: string;
  state: AccountState;
  /** From the root down to the account's parent (the root itself included first). */
  ouPath: OuRef[];
  tags: Record<string, string>;
  joinedAt: string | null;
  isManagementAccount: boolean;
  effectiveScps: { known: true; policies: EffectivePolicy[] } | Unknown;
  securityContact: SecurityContact;
}

export interface OrgContext {
  id: string;
  managementAccountId: string;
  partition: string;
  scpEnabled: boolean;
  /** iam:ListOrganizationsFeatures, e.g. `RootCredentialsManagement`, `RootSessions`. */
  features: { known: true; enabled: string[] } | Unknown;
}

/** The account state Organizations reported (`State`, else the retiring `Status`); undefined when not one we know. */
export function accountStateOf(...reported: (string | undefined)[]): AccountState | undefined {
  const known: readonly string[] = ACCOUNT_STATES;
  return reported.find((s): s is AccountState => s !== undefined && known.includes(s));
}

/** Only ACTIVE accounts are assessed; the others are recorded as skipped. */
export function isAssessable(account: Pick<AccountContext, 'state'>): boolean {
  return account.state === 'ACTIVE';
}

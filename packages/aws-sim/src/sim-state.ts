import { randomBytes } from 'node:crypto';
import { KEY_ALPHABET } from './derived-id';
import { parseAccount } from './org-definition';
import type {
  OrgDefinition,
  SimAccount,
  SimOrganizationalUnit,
  SimSettings,
  SimStats,
} from './org-definition.types';
import { createPrng, type Prng } from './prng';
import { createTokenBucket, type TokenBucket } from './throttle';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  expiresAt: number;
  /** `scanner`: the management account's scanner role, which may assume the audit roles (one hop of chaining). */
  kind: 'role' | 'scanner' | 'root';
  roleName: string;
  sessionName: string;
  taskPolicy?: string;
}

export type Identity =
  | { kind: 'caller'; accountId: string; arn: string; userId: string }
  | { kind: 'role' | 'root'; accountId: string; arn: string; userId: string; session: Session };

export interface ReportState {
  startedAt: number;
  csv: string;
  /** Set when the account changed after generation: the next GenerateCredentialReport starts afresh. */
  stale: boolean;
  neverCompletes: boolean;
}

export type ThrottleFamily = 'sts:AssumeRole' | 'iam' | 'iam:perAccount' | 'organizations';

/** The throttles' token buckets, one per family and key (the calling or the called account). */
export interface Throttles {
  /** false when the call must be throttled. `key` picks the bucket of a per-account family. */
  take(family: ThrottleFamily, key: string, now: number): boolean;
}

export interface OrgIndex {
  parents: Set<string>;
  ousById: Map<string, SimOrganizationalUnit>;
  accountsByParent: Map<string, SimAccount[]>;
  ousByParent: Map<string, SimOrganizationalUnit[]>;
}

export interface SimState {
  readonly loaded: OrgDefinition;
  definition: OrgDefinition;
  accounts: Map<string, SimAccount>;
  sessions: Map<string, Session>;
  reports: Map<string, ReportState>;
  stats: SimStats;
  now(): number;
  rng: Prng;
  throttles: Throttles;
  /** The account IAM answers for with the caller key when the definition does not list the management account. */
  managementFallback: SimAccount;
  index(): OrgIndex;
  /** Call after any change to accounts or OUs. */
  touch(): void;
  applySettings(settings: SimSettings): void;
  reset(): void;
  issueSession(fields: Omit<Session, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>): Session;
}

/**
 * The account the configured caller acts in: the management account, or the member registered as
 * IAM and Account delegated administrator (`organization.delegatedAdmin`).
 */
export function callerAccountId(state: Pick<SimState, 'definition'>): string {
  const { organization } = state.definition;
  return organization.delegatedAdmin?.accountId ?? organization.managementAccountId;
}

/** Management or delegated-admin account: may read Organizations and name other accounts. */
export function isOrgAdmin(state: Pick<SimState, 'definition'>, accountId: string): boolean {
  const { organization } = state.definition;
  return (
    accountId === organization.managementAccountId || accountId === organization.delegatedAdmin?.accountId
  );
}

export function emptyStats(): SimStats {
  return { requests: 0, byOperation: {}, throttled: 0, failed: 0, byAccount: {} };
}

export function createSimState(opts: {
  definition: OrgDefinition;
  now: () => number;
  seed?: number;
}): SimState {
  // The caller hands over a freshly parsed definition: it stays the pristine copy.
  const loaded = opts.definition;
  let index: OrgIndex | null = null;

  const state: SimState = {
    loaded,
    definition: workingCopy(loaded),
    accounts: new Map(),
    sessions: new Map(),
    reports: new Map(),
    stats: emptyStats(),
    now: opts.now,
    rng: createPrng(opts.seed ?? 42),
    throttles: buildThrottles(loaded),
    managementFallback: parseAccount(
      { id: loaded.organization.managementAccountId, name: 'management', root: { mfa: 'hardware' } },
      'management',
      loaded.organization.rootId,
    ),
    index() {
      if (!index) index = buildIndex(state.definition);
      return index;
    },
    touch() {
      index = null;
      state.accounts = new Map(state.definition.accounts.map((a) => [a.id, a]));
    },
    applySettings(settings) {
      Object.assign(state.definition, structuredClone(settings));
      state.throttles = buildThrottles(state.definition);
    },
    reset() {
      state.definition = workingCopy(loaded);
      state.reports.clear();
      state.stats = emptyStats();
      state.throttles = buildThrottles(loaded);
      state.touch();
    },
    issueSession(fields) {
      if (state.sessions.size > 50_000) {
        const cutoff = state.now();
        for (const [id, s] of state.sessions) if (s.expiresAt < cutoff) state.sessions.delete(id);
      }
      const session: Session = {
        ...fields,
        accessKeyId: `ASIA${randomKeyChars(16)}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      };
      state.sessions.set(session.accessKeyId, session);
      return session;
    },
  };
  state.touch();
  return state;
}

/**
 * Accounts, OUs and policies are replaced, never mutated in place (PATCH builds a new account),
 * so copying the containers is enough to keep the loaded definition pristine — and it is
 * instant for 10,000 accounts where a deep clone takes hundreds of milliseconds.
 */
function workingCopy(def: OrgDefinition): OrgDefinition {
  return {
    ...def,
    organization: { ...def.organization, features: [...def.organization.features] },
    organizationalUnits: [...def.organizationalUnits],
    policies: [...def.policies],
    accounts: [...def.accounts],
  };
}

function buildThrottles(def: OrgDefinition): Throttles {
  const rates: Record<ThrottleFamily, number> = {
    'sts:AssumeRole': def.throttle['sts:AssumeRole'],
    iam: def.throttle.iam,
    'iam:perAccount': def.throttle['iam:perAccount'] ?? 0,
    organizations: def.throttle.organizations,
  };
  // `iam` is one bucket for every account; the other families have one bucket per account.
  const buckets = new Map<string, TokenBucket>();
  return {
    take(family, key, now) {
      const rate = rates[family];
      if (rate <= 0) return true;
      const id = family === 'iam' ? family : `${family}/${key}`;
      let bucket = buckets.get(id);
      if (!bucket) {
        bucket = createTokenBucket(rate);
        buckets.set(id, bucket);
      }
      return bucket.take(now);
    },
  };
}

function buildIndex(def: OrgDefinition): OrgIndex {
  const parents = new Set<string>([def.organization.rootId]);
  const ousById = new Map<string, SimOrganizationalUnit>();
  const accountsByParent = new Map<string, SimAccount[]>();
  const ousByParent = new Map<string, SimOrganizationalUnit[]>();
  for (const ou of def.organizationalUnits) {
    parents.add(ou.id);
    ousById.set(ou.id, ou);
    const list = ousByParent.get(ou.parentId) ?? [];
    list.push(ou);
    ousByParent.set(ou.parentId, list);
  }
  for (const account of def.accounts) {
    const list = accountsByParent.get(account.parentId) ?? [];
    list.push(account);
    accountsByParent.set(account.parentId, list);
  }
  return { parents, ousById, accountsByParent, ousByParent };
}

export { derivedId } from './derived-id';

function randomKeyChars(n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += KEY_ALPHABET[bytes[i]! % 32];
  return s;
}

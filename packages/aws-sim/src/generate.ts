import { DEFAULT_AUDIT_ROLE, DEFAULT_CALLER, DEFAULT_SCANNER_ROLE } from './defaults';
import { fixCredentialIds } from './derived-id';
import type {
  OrgDefinition,
  SimAccessKey,
  SimAccount,
  SimIamUser,
  SimOrganizationalUnit,
  SimPasswordPolicy,
  SimPolicy,
  SimRootUser,
} from './org-definition.types';
import { createPrng, type Prng } from './prng';
import { isoSeconds as iso } from './time';

export interface GenerateOrgOptions {
  accounts: number;
  seed: number;
  /** Attach generated OUs under this root (default derived from the seed). */
  rootId?: string;
  managementAccountId?: string;
  reservedAccountIds?: ReadonlySet<string>;
  reservedOuIds?: ReadonlySet<string>;
  /** Relative dates ("used 3 days ago") are computed from the start of this UTC day. Default: today. */
  referenceTime?: number;
}

/** Root-user posture of each non-management account; the shares are documented in README.md. */
export const ROOT_POSTURES = [
  ['credentials-removed', 0.25],
  // Removed credentials seen through a summary without AccountPasswordPresent (older accounts).
  ['credentials-removed-no-password-flag', 0.05],
  ['hardware-mfa', 0.25],
  // A FIDO security key or passkey: non-virtual on the wire, like a hardware token.
  ['passkey-mfa', 0.1],
  ['virtual-mfa', 0.15],
  ['no-mfa', 0.05],
  ['active-access-key', 0.04],
  ['inactive-access-key', 0.02],
  ['signing-certificate', 0.02],
  ['recent-root-use', 0.05],
  ['no-mfa-and-access-key', 0.02],
] as const;
export const PASSWORD_POLICIES = [
  ['strong', 0.8],
  ['weak', 0.12],
  ['none', 0.08],
] as const;
export const SECURITY_CONTACTS = [
  ['present', 0.85],
  ['missing', 0.15],
] as const;
export const ACCOUNT_CONDITIONS = [
  ['normal', 0.94],
  ['audit-role-missing', 0.03],
  ['suspended', 0.02],
  ['pending-closure', 0.01],
] as const;
export const ENVIRONMENTS = [
  ['prod', 0.35],
  ['staging', 0.2],
  ['dev', 0.3],
  ['sandbox', 0.15],
] as const;

const DAY = 86_400_000;
const TEAMS = [
  'payments',
  'identity',
  'search',
  'checkout',
  'data',
  'ml',
  'mobile',
  'web',
  'billing',
  'growth',
  'platform',
  'observability',
  'messaging',
  'catalog',
  'fraud',
  'support',
  'analytics',
  'media',
  'maps',
  'ads',
];

/**
 * A deterministic organization: the same options give the same definition.
 * The first account is the management account; counts per posture are exact
 * (shares × accounts, rounded) and shuffled with the seed.
 */
export function generateOrg(opts: GenerateOrgOptions): OrgDefinition {
  const rng = createPrng(opts.seed ^ 0x5eed);
  const count = Math.max(0, Math.floor(opts.accounts));
  const reference = Math.floor((opts.referenceTime ?? Date.now()) / DAY) * DAY;
  const rootSuffix = opts.rootId ? opts.rootId.slice(2) : randomChars(rng, 4);
  const rootId = opts.rootId ?? `r-${rootSuffix}`;
  const usedAccountIds = new Set(opts.reservedAccountIds ?? []);
  const usedOuIds = new Set(opts.reservedOuIds ?? []);
  const managementAccountId = opts.managementAccountId ?? newAccountId(rng, usedAccountIds);
  usedAccountIds.add(managementAccountId);

  const ous: SimOrganizationalUnit[] = [];
  const addOu = (name: string, parentId: string): string => {
    let id: string;
    do id = `ou-${rootSuffix}-${randomChars(rng, 8)}`;
    while (usedOuIds.has(id));
    usedOuIds.add(id);
    ous.push({ id, name, parentId });
    return id;
  };
  const security = addOu('Security', rootId);
  addOu('Infrastructure', rootId);
  const workloads = addOu('Workloads', rootId);
  const sandbox = addOu('Sandbox', rootId);
  const suspended = addOu('Suspended', rootId);
  const teamCount = Math.min(TEAMS.length, Math.max(2, Math.ceil(count / 150)));
  const teams = TEAMS.slice(0, teamCount);
  const envOus: Record<string, Record<string, string>> = {};
  for (const env of ['prod', 'staging', 'dev'] as const) {
    const envOu = addOu(env[0]!.toUpperCase() + env.slice(1), workloads);
    envOus[env] = {};
    for (const team of teams) envOus[env]![team] = addOu(team, envOu);
  }

  const policies: SimPolicy[] = [
    {
      id: `p-${rootSuffix}denyroot`,
      name: 'DenyRootUser',
      description: 'Deny every action to the root user',
      targets: [workloads, security],
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyRoot',
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } },
          },
        ],
      },
    },
    {
      id: `p-${rootSuffix}regionlk`,
      name: 'RegionLock',
      description: 'Only approved regions',
      targets: [rootId],
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            NotAction: ['iam:*', 'organizations:*', 'sts:*', 'support:*'],
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
          },
        ],
      },
    },
  ];

  const members = Math.max(0, count - 1);
  const postures = spread(rng, ROOT_POSTURES, members);
  const policiesSpread = spread(rng, PASSWORD_POLICIES, members);
  const contacts = spread(rng, SECURITY_CONTACTS, members);
  const conditions = spread(rng, ACCOUNT_CONDITIONS, members);
  const envs = spread(rng, ENVIRONMENTS, members);

  const accounts: SimAccount[] = [];
  if (count > 0) {
    const joined = Date.UTC(2017, 0, 1);
    accounts.push({
      id: managementAccountId,
      name: 'management',
      email: 'aws+management@example.com',
      state: 'ACTIVE',
      parentId: rootId,
      tags: { owner: 'cloud-platform', env: 'management' },
      joinedAt: iso(joined),
      joinedMethod: 'CREATED',
      partition: 'aws',
      auditRole: true,
      root: {
        password: true,
        passwordLastUsed: iso(joined + 30 * DAY),
        mfa: 'hardware',
        accessKeys: [],
        signingCertificates: [],
        createdAt: iso(joined),
      },
      iamUsers: [{ name: 'break-glass', password: true, virtualMfa: true, createdAt: iso(joined) }],
      passwordPolicy: strongPolicy(),
      securityContact: contact('cloud-platform'),
    });
  }

  const nameCounters = new Map<string, number>();
  for (let i = 0; i < members; i++) {
    const condition = conditions[i]!;
    const env = envs[i]!;
    const team = teams[rng.int(0, teams.length - 1)]!;
    const base = i < 2 ? (i === 0 ? 'log-archive' : 'security-audit') : `${team}-${env}`;
    const n = (nameCounters.get(base) ?? 0) + 1;
    nameCounters.set(base, n);
    const name = i < 2 ? base : `${base}-${String(n).padStart(2, '0')}`;
    const joinedAt =
      Date.UTC(2017, 0, 1) +
      rng.int(0, Math.max(1, Math.floor((reference - Date.UTC(2017, 0, 1)) / DAY) - 30)) * DAY;
    let parentId: string;
    if (condition === 'suspended' || condition === 'pending-closure') parentId = suspended;
    else if (i < 2) parentId = security;
    else if (env === 'sandbox') parentId = sandbox;
    else parentId = envOus[env]![team]!;
    const tags: Record<string, string> = {
      env: i < 2 ? 'security' : env,
      'cost-center': `cc-${1000 + teams.indexOf(team)}`,
    };
    if (rng.next() >= 0.1) tags.owner = i < 2 ? 'security' : team;
    accounts.push({
      id: newAccountId(rng, usedAccountIds),
      name,
      email: `aws+${name}@example.com`,
      state:
        condition === 'suspended'
          ? 'SUSPENDED'
          : condition === 'pending-closure'
            ? 'PENDING_CLOSURE'
            : 'ACTIVE',
      parentId,
      tags,
      joinedAt: iso(joinedAt),
      joinedMethod: rng.next() < 0.8 ? 'CREATED' : 'INVITED',
      partition: 'aws',
      auditRole: condition !== 'audit-role-missing',
      root: rootUser(rng, postures[i]!, joinedAt, reference),
      iamUsers: iamUsers(rng, joinedAt),
      passwordPolicy:
        policiesSpread[i] === 'strong' ? strongPolicy() : policiesSpread[i] === 'weak' ? weakPolicy() : null,
      securityContact: contacts[i] === 'present' ? contact(i < 2 ? 'security' : team) : null,
    });
  }

  // Ids after the seeded draws, so a seed still yields the same organization as before.
  for (const account of accounts) fixCredentialIds(account.root, account.id);

  return {
    organization: {
      id: `o-${randomChars(rng, 10)}`,
      managementAccountId,
      rootId,
      features: ['RootCredentialsManagement', 'RootSessions'],
      scpEnabled: true,
    },
    caller: { ...DEFAULT_CALLER },
    auditRole: { name: DEFAULT_AUDIT_ROLE, externalId: null },
    scannerRole: { name: DEFAULT_SCANNER_ROLE, externalId: null },
    organizationalUnits: ous,
    policies,
    accounts,
    latencyMs: { min: 0, max: 0 },
    credentialReportDelayMs: 0,
    throttle: { 'sts:AssumeRole': 0, iam: 0, organizations: 0 },
    faults: { throttleRate: 0 },
  };
}

type Posture = (typeof ROOT_POSTURES)[number][0];

function rootUser(rng: Prng, posture: Posture, joinedAt: number, reference: number): SimRootUser {
  const createdAt = iso(joinedAt);
  const oldUse = (): string | null => {
    const latest = reference - 120 * DAY;
    if (latest <= joinedAt || rng.next() < 0.6) return null;
    return iso(joinedAt + Math.floor(rng.next() * (latest - joinedAt)));
  };
  const key = (active: boolean): SimAccessKey => {
    const rotated = joinedAt + Math.floor(rng.next() * (reference - joinedAt));
    const used = active && rng.next() < 0.7 ? iso(reference - rng.int(1, 30) * DAY) : null;
    return { active, lastUsed: used, lastRotated: iso(rotated) };
  };
  switch (posture) {
    case 'credentials-removed':
      return {
        password: false,
        passwordLastUsed: null,
        mfa: 'none',
        accessKeys: [],
        signingCertificates: [],
        createdAt,
      };
    case 'credentials-removed-no-password-flag':
      return {
        password: false,
        passwordLastUsed: null,
        mfa: 'none',
        accessKeys: [],
        signingCertificates: [],
        createdAt,
        summaryOmits: ['AccountPasswordPresent'],
      };
    case 'hardware-mfa':
    case 'passkey-mfa':
      return {
        password: true,
        passwordLastUsed: oldUse(),
        mfa: posture === 'passkey-mfa' ? 'passkey' : 'hardware',
        accessKeys: [],
        signingCertificates: [],
        createdAt,
      };
    case 'virtual-mfa':
      return {
        password: true,
        passwordLastUsed: oldUse(),
        mfa: 'virtual',
        accessKeys: [],
        signingCertificates: [],
        createdAt,
      };
    case 'no-mfa':
      return {
        password: true,
        passwordLastUsed: oldUse(),
        mfa: 'none',
        accessKeys: [],
        signingCertificates: [],
        createdAt,
      };
    case 'active-access-key':
      return {
        password: true,
        passwordLastUsed: oldUse(),
        mfa: 'hardware',
        accessKeys: [key(true)],
        signingCertificates: [],
        createdAt,
      };
    case 'inactive-access-key':
      return {
        password: true,
        passwordLastUsed: oldUse(),
        mfa: 'hardware',
        accessKeys: [key(false)],
        signingCertificates: [],
        createdAt,
      };
    case 'signing-certificate':
      return {
        password: true,
        passwordLastUsed: oldUse(),
        mfa: 'hardware',
        accessKeys: [],
        signingCertificates: [{ active: true, uploadedAt: iso(joinedAt + DAY) }],
        createdAt,
      };
    case 'recent-root-use':
      return {
        password: true,
        passwordLastUsed: iso(reference - rng.int(1, 14) * DAY + rng.int(0, 86_399) * 1000),
        mfa: 'hardware',
        accessKeys: [],
        signingCertificates: [],
        createdAt,
      };
    case 'no-mfa-and-access-key':
      return {
        password: true,
        passwordLastUsed: oldUse(),
        mfa: 'none',
        accessKeys: [key(true)],
        signingCertificates: [],
        createdAt,
      };
  }
}

function iamUsers(rng: Prng, joinedAt: number): SimIamUser[] {
  const users: SimIamUser[] = [];
  const createdAt = iso(joinedAt + DAY);
  if (rng.next() < 0.5) users.push({ name: 'terraform', password: false, virtualMfa: false, createdAt });
  if (rng.next() < 0.3)
    users.push({ name: 'break-glass', password: true, virtualMfa: rng.next() < 0.8, createdAt });
  if (rng.next() < 0.2) users.push({ name: 'ci-deployer', password: false, virtualMfa: false, createdAt });
  return users;
}

function strongPolicy(): SimPasswordPolicy {
  return {
    MinimumPasswordLength: 14,
    RequireSymbols: true,
    RequireNumbers: true,
    RequireUppercaseCharacters: true,
    RequireLowercaseCharacters: true,
    AllowUsersToChangePassword: true,
    ExpirePasswords: false,
    PasswordReusePrevention: 24,
  };
}

function weakPolicy(): SimPasswordPolicy {
  return {
    MinimumPasswordLength: 8,
    RequireSymbols: false,
    RequireNumbers: true,
    RequireUppercaseCharacters: false,
    RequireLowercaseCharacters: true,
    AllowUsersToChangePassword: true,
    ExpirePasswords: false,
  };
}

function contact(team: string) {
  return {
    name: `${team} security`,
    email: `security+${team}@example.com`,
    phone: '+15555550100',
    title: 'Security',
  };
}

/** Exactly round(share × n) of each category (largest remainder), in seeded random order. */
function spread<T extends string>(rng: Prng, shares: readonly (readonly [T, number])[], n: number): T[] {
  const out: T[] = [];
  let cumulative = 0;
  let assigned = 0;
  for (const [category, share] of shares) {
    cumulative += share;
    const upTo = Math.round(cumulative * n);
    for (; assigned < upTo && assigned < n; assigned++) out.push(category);
  }
  while (out.length < n) out.push(shares[0]![0]);
  return rng.shuffle(out);
}

function newAccountId(rng: Prng, used: Set<string>): string {
  let id: string;
  do id = String(rng.int(100_000_000_000, 999_999_999_999));
  while (used.has(id));
  used.add(id);
  return id;
}

function randomChars(rng: Prng, n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rng.next() * alphabet.length)];
  return s;
}

import { DEFAULT_AUDIT_ROLE, DEFAULT_CALLER, DEFAULT_ORGANIZATION, DEFAULT_SCANNER_ROLE } from './defaults';
import { fixCredentialIds } from './derived-id';
import { generateOrg } from './generate';
import { OrgDefinitionError } from './org-definition.errors';
import type {
  OrgDefinition,
  RootSummaryKey,
  SimAccessKey,
  SimAccount,
  SimAccountFaults,
  SimContact,
  SimIamUser,
  SimOrganizationalUnit,
  SimPasswordPolicy,
  SimPolicy,
  SimRemovedCredential,
  SimRootUser,
  SimSettings,
  SimSigningCertificate,
} from './org-definition.types';

type Obj = Record<string, unknown>;

const DEFAULT_TIME = '2020-01-01T00:00:00Z';
const ACCOUNT_STATES = ['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'] as const;
const MFA_KINDS = ['none', 'virtual', 'hardware', 'passkey'] as const;
const REMOVED_TYPES = ['accessKey', 'signingCertificate', 'loginProfile', 'mfaDevice'] as const;
const ROOT_SUMMARY_KEYS: readonly RootSummaryKey[] = [
  'AccountMFAEnabled',
  'AccountAccessKeysPresent',
  'AccountPasswordPresent',
  'AccountSigningCertificatesPresent',
];
const FEATURES = ['RootCredentialsManagement', 'RootSessions'];
const PASSWORD_POLICY_NUMBERS = [
  'MinimumPasswordLength',
  'MaxPasswordAge',
  'PasswordReusePrevention',
] as const;
const PASSWORD_POLICY_BOOLEANS = [
  'RequireSymbols',
  'RequireNumbers',
  'RequireUppercaseCharacters',
  'RequireLowercaseCharacters',
  'AllowUsersToChangePassword',
  'ExpirePasswords',
  'HardExpiry',
] as const;

/**
 * Validates an org definition (AWS-SIM.md format), fills defaults and expands `generate`.
 * Throws OrgDefinitionError naming the JSON path and the expectation.
 */
export function parseOrgDefinition(input: unknown): OrgDefinition {
  const root = object(input, '');
  const organization = parseOrganization(root.organization, 'organization');
  const callerIn = optionalObject(root.caller, 'caller');
  const caller = {
    accessKeyId: callerIn
      ? str(callerIn.accessKeyId ?? DEFAULT_CALLER.accessKeyId, 'caller.accessKeyId', /^[A-Z0-9]{16,128}$/)
      : DEFAULT_CALLER.accessKeyId,
    secretAccessKey: callerIn
      ? str(callerIn.secretAccessKey ?? DEFAULT_CALLER.secretAccessKey, 'caller.secretAccessKey')
      : DEFAULT_CALLER.secretAccessKey,
  };
  const roleIn = optionalObject(root.auditRole, 'auditRole');
  const auditRole = {
    name:
      roleIn?.name === undefined
        ? DEFAULT_AUDIT_ROLE
        : str(roleIn.name, 'auditRole.name', /^[\w+=,.@-]{1,64}$/),
    externalId:
      roleIn?.externalId === undefined || roleIn.externalId === null
        ? null
        : str(roleIn.externalId, 'auditRole.externalId'),
  };

  const scannerIn = optionalObject(root.scannerRole, 'scannerRole');
  const scannerRole = {
    name:
      scannerIn?.name === undefined
        ? DEFAULT_SCANNER_ROLE
        : str(scannerIn.name, 'scannerRole.name', /^[\w+=,.@-]{1,64}$/),
    externalId:
      scannerIn?.externalId === undefined || scannerIn.externalId === null
        ? null
        : str(scannerIn.externalId, 'scannerRole.externalId'),
  };

  const organizationalUnits = array(root.organizationalUnits ?? [], 'organizationalUnits').map((ou, i) =>
    parseOu(ou, `organizationalUnits[${i}]`),
  );
  const policies = array(root.policies ?? [], 'policies').map((p, i) => parsePolicy(p, `policies[${i}]`));
  const accounts = array(root.accounts ?? [], 'accounts').map((a, i) =>
    parseAccount(a, `accounts[${i}]`, organization.rootId),
  );
  const settings = parseSettings(root, '');

  const definition: OrgDefinition = {
    organization,
    caller,
    auditRole,
    scannerRole,
    organizationalUnits,
    policies,
    accounts,
    ...settings,
  };

  if (root.generate !== undefined) {
    const gen = object(root.generate, 'generate');
    const count = int(gen.accounts, 'generate.accounts', 0, 100_000);
    const seed = int(gen.seed ?? 1, 'generate.seed', -(2 ** 31), 2 ** 32);
    expandGenerated(definition, count, seed);
  }
  checkReferences(definition);
  return definition;
}

/** Validates the body of `PUT /_sim/faults`: only the keys present are replaced. */
export function parseSettingsPatch(input: unknown, current: SimSettings): SimSettings {
  const root = object(input, '');
  const merged: Obj = {
    latencyMs: root.latencyMs ?? current.latencyMs,
    credentialReportDelayMs: root.credentialReportDelayMs ?? current.credentialReportDelayMs,
    throttle: root.throttle ?? current.throttle,
    faults: root.faults ?? current.faults,
  };
  return parseSettings(merged, '');
}

export function checkReferences(definition: OrgDefinition): void {
  const { rootId, managementAccountId } = definition.organization;
  const parents = new Set<string>([rootId]);
  definition.organizationalUnits.forEach((ou, i) => {
    if (parents.has(ou.id))
      throw new OrgDefinitionError(`organizationalUnits[${i}].id`, 'a unique id', ou.id);
    parents.add(ou.id);
  });
  definition.organizationalUnits.forEach((ou, i) => {
    if (!parents.has(ou.parentId))
      throw new OrgDefinitionError(
        `organizationalUnits[${i}].parentId`,
        `expected the root id "${rootId}" or an organizational unit id`,
        ou.parentId,
      );
  });
  const accountIds = new Set<string>();
  definition.accounts.forEach((a, i) => {
    if (accountIds.has(a.id))
      throw new OrgDefinitionError(`accounts[${i}].id`, 'expected a unique account id', a.id);
    accountIds.add(a.id);
    if (!parents.has(a.parentId))
      throw new OrgDefinitionError(
        `accounts[${i}].parentId`,
        `expected the root id "${rootId}" or an organizational unit id`,
        a.parentId,
      );
  });
  const delegated = definition.organization.delegatedAdmin?.accountId;
  if (delegated !== undefined && (delegated === managementAccountId || !accountIds.has(delegated)))
    throw new OrgDefinitionError(
      'organization.delegatedAdmin.accountId',
      'expected a member account of this organization (not the management account)',
      delegated,
    );
  const policyIds = new Set<string>();
  if (definition.organization.allFeatures === false && definition.policies.length > 0)
    throw new OrgDefinitionError(
      'policies',
      'expected [] when organization.allFeatures is false (a consolidated-billing organization has no SCPs)',
      definition.policies.map((p) => p.id),
    );
  definition.policies.forEach((p, i) => {
    if (policyIds.has(p.id))
      throw new OrgDefinitionError(`policies[${i}].id`, 'expected a unique policy id', p.id);
    policyIds.add(p.id);
    p.targets.forEach((t, j) => {
      if (!parents.has(t) && !accountIds.has(t) && t !== managementAccountId)
        throw new OrgDefinitionError(
          `policies[${i}].targets[${j}]`,
          'expected the root id, an organizational unit id or an account id of this organization',
          t,
        );
    });
  });
}

function expandGenerated(definition: OrgDefinition, count: number, seed: number): void {
  const generated = generateOrg({
    accounts: count,
    seed,
    rootId: definition.organization.rootId,
    managementAccountId: definition.organization.managementAccountId,
    reservedAccountIds: new Set(definition.accounts.map((a) => a.id)),
    reservedOuIds: new Set(definition.organizationalUnits.map((o) => o.id)),
  });
  const hasManagement = definition.accounts.some((a) => a.id === definition.organization.managementAccountId);
  definition.organizationalUnits.push(...generated.organizationalUnits);
  const policyIds = new Set(definition.policies.map((p) => p.id));
  if (definition.organization.allFeatures !== false)
    definition.policies.push(...generated.policies.filter((p) => !policyIds.has(p.id)));
  for (const account of generated.accounts) {
    if (account.id === definition.organization.managementAccountId && hasManagement) continue;
    definition.accounts.push(account);
  }
}

function parseOrganization(value: unknown, path: string): OrgDefinition['organization'] {
  const o = optionalObject(value, path) ?? {};
  const allFeatures = o.allFeatures === undefined ? true : bool(o.allFeatures, `${path}.allFeatures`);
  // Trusted access for IAM needs all features; centralized root access needs trusted access.
  const iamTrustedAccess =
    o.iamTrustedAccess === undefined ? allFeatures : bool(o.iamTrustedAccess, `${path}.iamTrustedAccess`);
  if (iamTrustedAccess && !allFeatures)
    throw new OrgDefinitionError(
      `${path}.iamTrustedAccess`,
      'expected false when allFeatures is false (trusted access needs all features)',
      true,
    );
  const features =
    o.features === undefined
      ? iamTrustedAccess
        ? [...DEFAULT_ORGANIZATION.features]
        : []
      : array(o.features, `${path}.features`).map((f, i) => oneOf(f, `${path}.features[${i}]`, FEATURES));
  if (features.length > 0 && !iamTrustedAccess)
    throw new OrgDefinitionError(
      `${path}.features`,
      'expected [] without trusted access for IAM (centralized root access needs it)',
      features,
    );
  // A consolidated-billing organization has no policy types at all.
  const scpEnabled = o.scpEnabled === undefined ? allFeatures : bool(o.scpEnabled, `${path}.scpEnabled`);
  if (scpEnabled && !allFeatures)
    throw new OrgDefinitionError(
      `${path}.scpEnabled`,
      'expected false when allFeatures is false (SCPs need all features)',
      true,
    );
  return {
    id: o.id === undefined ? DEFAULT_ORGANIZATION.id : str(o.id, `${path}.id`, /^o-[a-z0-9]{10,32}$/),
    managementAccountId:
      o.managementAccountId === undefined
        ? DEFAULT_ORGANIZATION.managementAccountId
        : accountId(o.managementAccountId, `${path}.managementAccountId`),
    rootId:
      o.rootId === undefined
        ? DEFAULT_ORGANIZATION.rootId
        : str(o.rootId, `${path}.rootId`, /^r-[0-9a-z]{4,32}$/),
    features,
    scpEnabled,
    // Only when given: the documented format round-trips unchanged.
    ...(o.iamTrustedAccess !== undefined ? { iamTrustedAccess } : {}),
    ...(o.allFeatures !== undefined ? { allFeatures } : {}),
    ...(o.delegatedAdmin === undefined || o.delegatedAdmin === null
      ? {}
      : {
          delegatedAdmin: {
            accountId: accountId(
              object(o.delegatedAdmin, `${path}.delegatedAdmin`).accountId,
              `${path}.delegatedAdmin.accountId`,
            ),
          },
        }),
  };
}

function parseOu(value: unknown, path: string): SimOrganizationalUnit {
  const o = object(value, path);
  return {
    id: str(o.id, `${path}.id`, /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/),
    name: str(o.name, `${path}.name`),
    parentId: str(o.parentId, `${path}.parentId`),
  };
}

function parsePolicy(value: unknown, path: string): SimPolicy {
  const o = object(value, path);
  if (o.document === undefined || o.document === null || typeof o.document !== 'object')
    throw new OrgDefinitionError(`${path}.document`, 'expected a policy document object', o.document);
  const policy: SimPolicy = {
    id: str(o.id, `${path}.id`, /^p-[0-9a-zA-Z_]{8,128}$/),
    name: str(o.name, `${path}.name`),
    targets: array(o.targets ?? [], `${path}.targets`).map((t, i) => str(t, `${path}.targets[${i}]`)),
    document: o.document,
  };
  if (o.description !== undefined) policy.description = str(o.description, `${path}.description`);
  return policy;
}

/** Validates one account; also used for POST /_sim/accounts and PATCH (after the merge). */
export function parseAccount(value: unknown, path: string, rootId: string): SimAccount {
  const o = object(value, path);
  const id = accountId(o.id, `${path}.id`);
  const account: SimAccount = {
    id,
    name: o.name === undefined ? `account-${id}` : str(o.name, `${path}.name`),
    email:
      o.email === undefined ? `aws+${id}@example.com` : str(o.email, `${path}.email`, /^[^@\s]+@[^@\s]+$/),
    state: o.state === undefined ? 'ACTIVE' : oneOf(o.state, `${path}.state`, ACCOUNT_STATES),
    parentId: o.parentId === undefined ? rootId : str(o.parentId, `${path}.parentId`),
    tags: o.tags === undefined ? {} : stringMap(o.tags, `${path}.tags`),
    joinedAt: o.joinedAt === undefined ? DEFAULT_TIME : timestamp(o.joinedAt, `${path}.joinedAt`),
    partition: o.partition === undefined ? 'aws' : str(o.partition, `${path}.partition`, /^aws[a-z-]*$/),
    auditRole: o.auditRole === undefined ? true : bool(o.auditRole, `${path}.auditRole`),
    root: parseRoot(o.root, `${path}.root`, id),
    iamUsers: array(o.iamUsers ?? [], `${path}.iamUsers`).map((u, i) =>
      parseIamUser(u, `${path}.iamUsers[${i}]`),
    ),
    passwordPolicy:
      o.passwordPolicy === undefined || o.passwordPolicy === null
        ? null
        : parsePasswordPolicy(o.passwordPolicy, `${path}.passwordPolicy`),
    securityContact:
      o.securityContact === undefined || o.securityContact === null
        ? null
        : parseContact(o.securityContact, `${path}.securityContact`),
  };
  if (o.joinedMethod !== undefined)
    account.joinedMethod = oneOf(o.joinedMethod, `${path}.joinedMethod`, ['INVITED', 'CREATED'] as const);
  if (o.faults !== undefined && o.faults !== null)
    account.faults = parseAccountFaults(o.faults, `${path}.faults`);
  return account;
}

function parseRoot(value: unknown, path: string, accountId: string): SimRootUser {
  const o = optionalObject(value, path) ?? {};
  const root: SimRootUser = {
    password: o.password === undefined ? true : bool(o.password, `${path}.password`),
    passwordLastUsed: nullableTimestamp(o.passwordLastUsed, `${path}.passwordLastUsed`),
    mfa: o.mfa === undefined ? 'none' : oneOf(o.mfa, `${path}.mfa`, MFA_KINDS),
    accessKeys: array(o.accessKeys ?? [], `${path}.accessKeys`).map((k, i) =>
      parseAccessKey(k, `${path}.accessKeys[${i}]`),
    ),
    signingCertificates: array(o.signingCertificates ?? [], `${path}.signingCertificates`).map((c, i) =>
      parseCertificate(c, `${path}.signingCertificates[${i}]`),
    ),
    createdAt: o.createdAt === undefined ? DEFAULT_TIME : timestamp(o.createdAt, `${path}.createdAt`),
  };
  // IAM's SerialNumber pattern (ListMFADevices).
  if (o.mfaSerial !== undefined)
    root.mfaSerial = str(o.mfaSerial, `${path}.mfaSerial`, /^[\w+=/:,.@-]{9,256}$/);
  fixCredentialIds(root, accountId);
  if (o.unassignedVirtualMfaSerial !== undefined)
    root.unassignedVirtualMfaSerial = str(
      o.unassignedVirtualMfaSerial,
      `${path}.unassignedVirtualMfaSerial`,
      /^[\w+=/:,.@-]{9,256}$/,
    );
  if (o.removed !== undefined)
    root.removed = array(o.removed, `${path}.removed`).map((r, i) =>
      parseRemoved(r, `${path}.removed[${i}]`),
    );
  if (o.summaryOmits !== undefined)
    root.summaryOmits = array(o.summaryOmits, `${path}.summaryOmits`).map((k, i) =>
      oneOf(k, `${path}.summaryOmits[${i}]`, ROOT_SUMMARY_KEYS),
    );
  return root;
}

function parseRemoved(value: unknown, path: string): SimRemovedCredential {
  const o = object(value, path);
  return {
    type: oneOf(o.type, `${path}.type`, REMOVED_TYPES),
    id: str(o.id, `${path}.id`),
    action: str(o.action, `${path}.action`),
    at: timestamp(o.at, `${path}.at`),
  };
}

function parseAccessKey(value: unknown, path: string): SimAccessKey {
  const o = object(value, path);
  const key: SimAccessKey = {
    active: bool(o.active, `${path}.active`),
    lastUsed: nullableTimestamp(o.lastUsed, `${path}.lastUsed`),
    lastRotated: o.lastRotated === undefined ? DEFAULT_TIME : timestamp(o.lastRotated, `${path}.lastRotated`),
  };
  if (o.id !== undefined) key.id = str(o.id, `${path}.id`, /^AKIA[A-Z0-9]{12,124}$/);
  if (o.lastUsedService !== undefined)
    key.lastUsedService = str(o.lastUsedService, `${path}.lastUsedService`);
  if (o.lastUsedRegion !== undefined) key.lastUsedRegion = str(o.lastUsedRegion, `${path}.lastUsedRegion`);
  return key;
}

function parseCertificate(value: unknown, path: string): SimSigningCertificate {
  const o = object(value, path);
  const cert: SimSigningCertificate = { active: bool(o.active, `${path}.active`) };
  if (o.id !== undefined) cert.id = str(o.id, `${path}.id`, /^[A-Z0-9]{24,128}$/);
  if (o.uploadedAt !== undefined) cert.uploadedAt = timestamp(o.uploadedAt, `${path}.uploadedAt`);
  return cert;
}

function parseIamUser(value: unknown, path: string): SimIamUser {
  const o = object(value, path);
  const user: SimIamUser = {
    name: str(o.name, `${path}.name`, /^[\w+=,.@-]{1,64}$/),
    password: o.password === undefined ? false : bool(o.password, `${path}.password`),
    virtualMfa: o.virtualMfa === undefined ? false : bool(o.virtualMfa, `${path}.virtualMfa`),
  };
  if (o.createdAt !== undefined) user.createdAt = timestamp(o.createdAt, `${path}.createdAt`);
  if (o.passwordLastUsed !== undefined)
    user.passwordLastUsed = nullableTimestamp(o.passwordLastUsed, `${path}.passwordLastUsed`);
  return user;
}

function parsePasswordPolicy(value: unknown, path: string): SimPasswordPolicy {
  const o = object(value, path);
  const policy: SimPasswordPolicy = {};
  for (const key of PASSWORD_POLICY_NUMBERS) {
    if (o[key] !== undefined) policy[key] = int(o[key], `${path}.${key}`, 0, 1095);
  }
  for (const key of PASSWORD_POLICY_BOOLEANS) {
    if (o[key] !== undefined) policy[key] = bool(o[key], `${path}.${key}`);
  }
  return policy;
}

function parseContact(value: unknown, path: string): SimContact {
  const o = object(value, path);
  const contact: SimContact = {
    name: str(o.name, `${path}.name`),
    email: str(o.email, `${path}.email`, /^[^@\s]+@[^@\s]+$/),
    phone: str(o.phone, `${path}.phone`),
  };
  if (o.title !== undefined) contact.title = str(o.title, `${path}.title`);
  return contact;
}

function parseAccountFaults(value: unknown, path: string): SimAccountFaults {
  const o = object(value, path);
  const faults: SimAccountFaults = {};
  if (o.assumeRole !== undefined && o.assumeRole !== null)
    faults.assumeRole = oneOf(o.assumeRole, `${path}.assumeRole`, [
      'AccessDenied',
      'RegionDisabled',
      'Throttling',
    ] as const);
  if (o.credentialReport !== undefined && o.credentialReport !== null)
    faults.credentialReport = oneOf(o.credentialReport, `${path}.credentialReport`, [
      'LimitExceeded',
      'NeverCompletes',
      'Malformed',
    ] as const);
  if (o.iam !== undefined && o.iam !== null)
    faults.iam = oneOf(o.iam, `${path}.iam`, ['AccessDenied'] as const);
  if (o.contact !== undefined && o.contact !== null)
    faults.contact = oneOf(o.contact, `${path}.contact`, ['AccessDenied'] as const);
  if (o.memberContact !== undefined && o.memberContact !== null)
    faults.memberContact = oneOf(o.memberContact, `${path}.memberContact`, ['AccessDenied'] as const);
  if (o.stsDisabledRegions !== undefined && o.stsDisabledRegions !== null)
    faults.stsDisabledRegions = array(o.stsDisabledRegions, `${path}.stsDisabledRegions`).map((r, i) =>
      str(r, `${path}.stsDisabledRegions[${i}]`, /^[a-z]{2,4}(-[a-z]+)+-\d+$/),
    );
  return faults;
}

function parseSettings(root: Obj, prefix: string): SimSettings {
  const p = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const latency = optionalObject(root.latencyMs, p('latencyMs')) ?? {};
  const min = latency.min === undefined ? 0 : num(latency.min, `${p('latencyMs')}.min`, 0, 600_000);
  const max = latency.max === undefined ? min : num(latency.max, `${p('latencyMs')}.max`, 0, 600_000);
  if (max < min)
    throw new OrgDefinitionError(`${p('latencyMs')}.max`, `expected a number >= min (${min})`, max);
  const throttle = optionalObject(root.throttle, p('throttle')) ?? {};
  const faults = optionalObject(root.faults, p('faults')) ?? {};
  return {
    latencyMs: { min, max },
    credentialReportDelayMs:
      root.credentialReportDelayMs === undefined
        ? 0
        : num(root.credentialReportDelayMs, p('credentialReportDelayMs'), 0, 86_400_000),
    throttle: {
      'sts:AssumeRole': rate(throttle['sts:AssumeRole'], `${p('throttle')}["sts:AssumeRole"]`),
      iam: rate(throttle.iam, `${p('throttle')}.iam`),
      organizations: rate(throttle.organizations, `${p('throttle')}.organizations`),
      ...(throttle['iam:perAccount'] === undefined
        ? {}
        : { 'iam:perAccount': rate(throttle['iam:perAccount'], `${p('throttle')}["iam:perAccount"]`) }),
    },
    faults: {
      throttleRate:
        faults.throttleRate === undefined ? 0 : num(faults.throttleRate, `${p('faults')}.throttleRate`, 0, 1),
      ...(faults.throttleServices === undefined
        ? {}
        : {
            throttleServices: array(faults.throttleServices, `${p('faults')}.throttleServices`).map((s, i) =>
              oneOf(s, `${p('faults')}.throttleServices[${i}]`, ['iam', 'sts', 'organizations'] as const),
            ),
          }),
    },
  };
}

function rate(value: unknown, path: string): number {
  return value === undefined ? 0 : num(value, path, 0, 1_000_000);
}

function object(value: unknown, path: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new OrgDefinitionError(path, 'expected an object', value);
  return value as Obj;
}

function optionalObject(value: unknown, path: string): Obj | undefined {
  return value === undefined || value === null ? undefined : object(value, path);
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new OrgDefinitionError(path, 'expected an array', value);
  return value;
}

function str(value: unknown, path: string, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new OrgDefinitionError(path, 'expected a non-empty string', value);
  if (pattern && !pattern.test(value))
    throw new OrgDefinitionError(path, `expected a string matching ${pattern.source}`, value);
  return value;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new OrgDefinitionError(path, 'expected true | false', value);
  return value;
}

function num(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new OrgDefinitionError(path, `expected a number from ${min} to ${max}`, value);
  return value;
}

function int(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new OrgDefinitionError(path, `expected an integer from ${min} to ${max}`, value);
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new OrgDefinitionError(
      path,
      `expected ${allowed.map((a) => JSON.stringify(a)).join(' | ')}`,
      value,
    );
  return value as T;
}

function accountId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^\d{12}$/.test(value))
    throw new OrgDefinitionError(path, 'expected a 12-digit account id string', value);
  return value;
}

function timestamp(value: unknown, path: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value)))
    throw new OrgDefinitionError(path, 'expected an ISO-8601 timestamp string', value);
  return value;
}

function nullableTimestamp(value: unknown, path: string): string | null {
  return value === undefined || value === null ? null : timestamp(value, path);
}

function stringMap(value: unknown, path: string): Record<string, string> {
  const o = object(value, path);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'string') throw new OrgDefinitionError(`${path}.${k}`, 'expected a string', v);
    out[k] = v;
  }
  return out;
}

import { AwsError, validation } from './aws-error';
import { buildCredentialReport, buildMalformedReport } from './credential-report';
import type { SimAccount, SimIamUser, SimRemovedCredential, SimRootUser } from './org-definition.types';
import { iamPage } from './pagination';
import { derivedId, type Identity, isOrgAdmin, type SimState } from './sim-state';
import { isoSeconds as iso } from './time';
import { el, esc, members, node } from './xml';

export interface QueryCall {
  state: SimState;
  identity: Identity;
  action: string;
  params: URLSearchParams;
  /** The region the request was signed for (its endpoint's region). */
  region: string;
  /** The request reached the global STS endpoint (Host `sts.amazonaws.com`), not a regional one. */
  globalEndpoint?: boolean;
  /** Records the account the call acts on (stats). */
  actOn(accountId: string): void;
}

const REPORT_REUSE_MS = 4 * 3_600_000;

/** The only IAM reads an AssumeRoot session with IAMAuditRootUserCredentials may make (without UserName). */
const ROOT_AUDIT_ACTIONS = new Set([
  'GetLoginProfile',
  'ListAccessKeys',
  'GetAccessKeyLastUsed',
  'ListSigningCertificates',
  'ListMFADevices',
  'GetUser',
  'GetAccountSummary',
]);

/**
 * IAMDeleteRootUserCredentials: the audit reads plus the deletions of the root's own credentials
 * (AWS managed policy `root-task/IAMDeleteRootUserCredentials`; always without UserName).
 */
const ROOT_DELETE_ACTIONS = new Set([
  ...ROOT_AUDIT_ACTIONS,
  'DeleteAccessKey',
  'DeleteSigningCertificate',
  'DeleteLoginProfile',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
]);

const ROOT_TASK_ACTIONS: Record<string, ReadonlySet<string>> = {
  IAMAuditRootUserCredentials: ROOT_AUDIT_ACTIONS,
  IAMDeleteRootUserCredentials: ROOT_DELETE_ACTIONS,
};

type Handler = (call: QueryCall, account: SimAccount) => string;

const HANDLERS: Record<string, Handler> = {
  GetAccountSummary: (_call, account) => accountSummary(account),
  GenerateCredentialReport: generateCredentialReport,
  GetCredentialReport: getCredentialReport,
  ListVirtualMFADevices: listVirtualMfaDevices,
  GetAccountPasswordPolicy: (_call, account) => passwordPolicy(account),
  ListOrganizationsFeatures: listOrganizationsFeatures,
  GetLoginProfile: getLoginProfile,
  ListAccessKeys: listAccessKeys,
  GetAccessKeyLastUsed: getAccessKeyLastUsed,
  ListSigningCertificates: listSigningCertificates,
  ListMFADevices: listMfaDevices,
  GetUser: getUser,
  DeleteAccessKey: deleteAccessKey,
  DeleteSigningCertificate: deleteSigningCertificate,
  DeleteLoginProfile: deleteLoginProfile,
  DeactivateMFADevice: deactivateMfaDevice,
  DeleteVirtualMFADevice: deleteVirtualMfaDevice,
};

/** Deletions act on the root user only: the simulator does not model IAM users' own credentials changing. */
const ROOT_ONLY = new Set([
  'DeleteAccessKey',
  'DeleteSigningCertificate',
  'DeleteLoginProfile',
  'DeactivateMFADevice',
  'DeleteVirtualMFADevice',
]);

export function handleIam(call: QueryCall): string {
  const { state, identity, action } = call;
  const handler = HANDLERS[action];
  if (identity.kind === 'root') {
    const actions = ROOT_TASK_ACTIONS[identity.session.taskPolicy ?? ''];
    const allowed = actions?.has(action) === true && !call.params.get('UserName');
    if (!allowed) throw accessDenied(identity, action);
  } else if (ROOT_ONLY.has(action)) throw accessDenied(identity, action);
  if (!handler)
    throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version 2010-05-08`);
  const account = actingAccount(state, identity);
  if (!account) throw accessDenied(identity, action);
  call.actOn(account.id);
  if (account.faults?.iam === 'AccessDenied') throw accessDenied(identity, action);
  return handler(call, account);
}

function actingAccount(state: SimState, identity: Identity): SimAccount | undefined {
  const management = state.definition.organization.managementAccountId;
  if (identity.kind === 'caller' || identity.session.kind === 'scanner')
    return (
      state.accounts.get(identity.accountId) ??
      (identity.accountId === management ? state.managementFallback : undefined)
    );
  return state.accounts.get(identity.accountId);
}

function accessDenied(identity: Identity, action: string): AwsError {
  return new AwsError(
    'AccessDenied',
    403,
    `User: ${identity.arn} is not authorized to perform: iam:${action} on resource: *`,
  );
}

// Accounts are replaced (never mutated) on change, so the rendered map can be cached per object.
const summaryCache = new WeakMap<SimAccount, string>();

function accountSummary(account: SimAccount): string {
  let xml = summaryCache.get(account);
  if (!xml) {
    xml = renderAccountSummary(account);
    summaryCache.set(account, xml);
  }
  return xml;
}

function renderAccountSummary(account: SimAccount): string {
  const { root } = account;
  const userVirtual = account.iamUsers.filter((u) => u.virtualMfa).length;
  const omitted = new Set<string>(root.summaryOmits ?? []);
  const entries: [string, number][] = [
    ['AccessKeysPerUserQuota', 2],
    ['AccountAccessKeysPresent', root.accessKeys.length > 0 ? 1 : 0],
    ['AccountMFAEnabled', root.mfa === 'none' ? 0 : 1],
    ['AccountPasswordPresent', root.password ? 1 : 0],
    ['AccountSigningCertificatesPresent', root.signingCertificates.length > 0 ? 1 : 0],
    ['AssumeRolePolicySizeQuota', 2048],
    ['AttachedPoliciesPerGroupQuota', 10],
    ['AttachedPoliciesPerRoleQuota', 10],
    ['AttachedPoliciesPerUserQuota', 10],
    ['GlobalEndpointTokenVersion', 1],
    ['GroupPolicySizeQuota', 5120],
    ['Groups', 0],
    ['GroupsPerUserQuota', 10],
    ['GroupsQuota', 300],
    ['InstanceProfiles', 0],
    ['InstanceProfilesQuota', 1000],
    ['MFADevices', userVirtual + (root.mfa === 'virtual' ? 1 : 0)],
    ['MFADevicesInUse', userVirtual + (root.mfa === 'none' ? 0 : 1)],
    ['Policies', 0],
    ['PoliciesQuota', 1500],
    ['PolicySizeQuota', 6144],
    ['PolicyVersionsInUse', 1],
    ['PolicyVersionsInUseQuota', 10000],
    ['Providers', 0],
    ['RolePolicySizeQuota', 10240],
    ['Roles', account.auditRole ? 2 : 1],
    ['RolesQuota', 1000],
    ['ServerCertificates', 0],
    ['ServerCertificatesQuota', 20],
    ['SigningCertificatesPerUserQuota', 2],
    ['UserPolicySizeQuota', 2048],
    ['Users', account.iamUsers.length],
    ['UsersQuota', 5000],
    ['VersionsPerPolicyQuota', 5],
  ];
  return node(
    'SummaryMap',
    entries
      .filter(([k]) => !omitted.has(k))
      .map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`)
      .join(''),
  );
}

function generateCredentialReport(call: QueryCall, account: SimAccount): string {
  const { state } = call;
  const fault = account.faults?.credentialReport;
  if (fault === 'LimitExceeded')
    throw new AwsError(
      'LimitExceeded',
      409,
      'Cannot generate a new credential report: the limit was exceeded.',
    );
  const now = state.now();
  const existing = state.reports.get(account.id);
  if (existing && !existing.stale) {
    const done =
      !existing.neverCompletes && now >= existing.startedAt + state.definition.credentialReportDelayMs;
    if (!done) return `${el('State', 'INPROGRESS')}`;
    if (now - (existing.startedAt + state.definition.credentialReportDelayMs) < REPORT_REUSE_MS)
      return `${el('State', 'COMPLETE')}`;
  }
  state.reports.set(account.id, {
    startedAt: now,
    csv: fault === 'Malformed' ? buildMalformedReport(account) : buildCredentialReport(account),
    stale: false,
    neverCompletes: fault === 'NeverCompletes',
  });
  return `${el('State', 'STARTED')}${el('Description', 'No report exists. Starting a new report generation task')}`;
}

function getCredentialReport(call: QueryCall, account: SimAccount): string {
  const { state } = call;
  const report = state.reports.get(account.id);
  if (!report)
    throw new AwsError(
      'ReportNotPresent',
      410,
      'Credential report not present. Use GenerateCredentialReport to generate a new credential report.',
    );
  const completedAt = report.startedAt + state.definition.credentialReportDelayMs;
  if (report.neverCompletes || state.now() < completedAt)
    throw new AwsError('ReportInProgress', 404, 'Credential report generation is in progress.');
  if (state.now() - completedAt > REPORT_REUSE_MS)
    throw new AwsError(
      'ReportExpired',
      410,
      'The credential report has expired. Use GenerateCredentialReport to generate a new credential report.',
    );
  return [
    el('Content', Buffer.from(report.csv, 'utf8').toString('base64')),
    el('ReportFormat', 'text/csv'),
    el('GeneratedTime', iso(completedAt)),
  ].join('');
}

/**
 * Serials as IAM shows them: a virtual device's ARN (`mfa/root-account-mfa-device` by default), a
 * TOTP token's printed serial (`GAHT12345678`), a FIDO key's or passkey's `u2f/root/<name>-<id>` ARN.
 * FIDO devices never appear in ListVirtualMFADevices: only their absence there tells them from nothing.
 */
function rootMfaSerial(account: SimAccount): string {
  const { root, partition, id } = account;
  if (root.mfaSerial) return root.mfaSerial;
  switch (root.mfa) {
    case 'virtual':
      return `arn:${partition}:iam::${id}:mfa/root-account-mfa-device`;
    case 'passkey':
      return `arn:${partition}:iam::${id}:u2f/root/passkey-${derivedId('', id, 'root-passkey', 26)}`;
    default:
      return `GAHT${id.slice(0, 8)}`;
  }
}

interface VirtualDevice {
  serial: string;
  enabled: string;
  user: string;
}

function virtualDevices(account: SimAccount): VirtualDevice[] {
  const { root } = account;
  const devices: VirtualDevice[] = [];
  if (root.mfa === 'virtual')
    devices.push({
      serial: rootMfaSerial(account),
      enabled: iso(root.createdAt),
      user: [
        el('UserId', account.id),
        el('Arn', `arn:${account.partition}:iam::${account.id}:root`),
        el('CreateDate', iso(root.createdAt)),
      ].join(''),
    });
  for (const user of account.iamUsers) {
    if (!user.virtualMfa) continue;
    devices.push({
      serial: `arn:${account.partition}:iam::${account.id}:mfa/${user.name}`,
      enabled: iso(user.createdAt ?? root.createdAt),
      user: userXml(account, user),
    });
  }
  return devices;
}

function userXml(account: SimAccount, user: SimIamUser): string {
  return [
    el('Path', '/'),
    el('UserName', user.name),
    el('UserId', derivedId('AIDA', account.id, `user/${user.name}`)),
    el('Arn', `arn:${account.partition}:iam::${account.id}:user/${user.name}`),
    el('CreateDate', iso(user.createdAt ?? account.root.createdAt)),
    user.passwordLastUsed ? el('PasswordLastUsed', iso(user.passwordLastUsed)) : '',
  ].join('');
}

function truncation(next: string | undefined): string {
  return next ? `${el('IsTruncated', true)}${el('Marker', next)}` : el('IsTruncated', false);
}

function listVirtualMfaDevices(call: QueryCall, account: SimAccount): string {
  const status = call.params.get('AssignmentStatus') ?? 'Any';
  if (!['Assigned', 'Unassigned', 'Any'].includes(status))
    throw validation(
      `1 validation error detected: Value '${status}' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Unassigned, Any, Assigned]`,
    );
  const all = status === 'Unassigned' ? [] : virtualDevices(account);
  // A device deactivated from the root stays, unassigned (no User, no EnableDate), until deleted.
  const unassigned = account.root.unassignedVirtualMfaSerial;
  if (status !== 'Assigned' && unassigned) all.push({ serial: unassigned, enabled: '', user: '' });
  const page = iamPage(all, call.params.get('Marker'), call.params.get('MaxItems'));
  const items = page.items.map((d) =>
    d.user
      ? `${el('SerialNumber', d.serial)}${node('User', d.user)}${el('EnableDate', d.enabled)}`
      : el('SerialNumber', d.serial),
  );
  return `${members('VirtualMFADevices', items)}${truncation(page.next)}`;
}

function passwordPolicy(account: SimAccount): string {
  const p = account.passwordPolicy;
  if (!p)
    throw new AwsError(
      'NoSuchEntity',
      404,
      `The Password Policy with domain name ${account.id} cannot be found.`,
    );
  const maxAge = p.MaxPasswordAge;
  return node(
    'PasswordPolicy',
    [
      el('MinimumPasswordLength', p.MinimumPasswordLength ?? 8),
      el('RequireSymbols', p.RequireSymbols ?? false),
      el('RequireNumbers', p.RequireNumbers ?? false),
      el('RequireUppercaseCharacters', p.RequireUppercaseCharacters ?? false),
      el('RequireLowercaseCharacters', p.RequireLowercaseCharacters ?? false),
      el('AllowUsersToChangePassword', p.AllowUsersToChangePassword ?? false),
      el('ExpirePasswords', p.ExpirePasswords ?? (maxAge !== undefined && maxAge > 0)),
      el('MaxPasswordAge', maxAge),
      el('PasswordReusePrevention', p.PasswordReusePrevention),
      el('HardExpiry', p.HardExpiry),
    ].join(''),
  );
}

function listOrganizationsFeatures(call: QueryCall, account: SimAccount): string {
  const { organization } = call.state.definition;
  if (!isOrgAdmin(call.state, account.id))
    throw new AwsError(
      'AccountNotManagementOrDelegatedAdministratorException',
      400,
      'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.',
    );
  // Wire codes are the model's shape names (no awsQueryError override in the IAM model).
  if (organization.allFeatures === false)
    throw new AwsError(
      'OrganizationNotInAllFeaturesModeException',
      400,
      'The request was rejected because your organization does not have All features enabled. For more information, see Available feature sets in the Organizations User Guide.',
    );
  if (organization.iamTrustedAccess === false)
    throw new AwsError(
      'ServiceAccessNotEnabledException',
      400,
      'The request was rejected because trusted access is not enabled for IAM in Organizations. For details, see IAM and Organizations in the Organizations User Guide.',
    );
  return `${el('OrganizationId', organization.id)}${members('EnabledFeatures', organization.features.map(esc))}`;
}

const CALLER_USER: SimIamUser = { name: 'rootwatch', password: false, virtualMfa: false };

/** Root-user calls (AssumeRoot) act on the root; otherwise UserName names an IAM user. */
function subject(call: QueryCall, account: SimAccount): { root: true } | { root: false; user: SimIamUser } {
  const userName = call.params.get('UserName');
  if (!userName) {
    if (call.identity.kind === 'root') return { root: true };
    // The caller key belongs to IAM user `rootwatch`: without UserName, IAM answers for it.
    if (call.identity.kind === 'caller') return { root: false, user: CALLER_USER };
    throw validation('Must specify userName when calling with non-User credentials');
  }
  const user = account.iamUsers.find((u) => u.name === userName);
  if (!user) throw new AwsError('NoSuchEntity', 404, `The user with name ${userName} cannot be found.`);
  return { root: false, user };
}

function getLoginProfile(call: QueryCall, account: SimAccount): string {
  const who = subject(call, account);
  if (who.root) {
    if (!account.root.password)
      throw new AwsError('NoSuchEntity', 404, `Login Profile for User root cannot be found.`);
    return node(
      'LoginProfile',
      `${el('CreateDate', iso(account.root.createdAt))}${el('PasswordResetRequired', false)}`,
    );
  }
  if (!who.user.password)
    throw new AwsError('NoSuchEntity', 404, `Login Profile for User ${who.user.name} cannot be found.`);
  return node(
    'LoginProfile',
    `${el('UserName', who.user.name)}${el('CreateDate', iso(who.user.createdAt ?? account.root.createdAt))}${el('PasswordResetRequired', false)}`,
  );
}

function rootKeyId(account: SimAccount, index: number): string {
  return account.root.accessKeys[index]?.id ?? derivedId('AKIA', account.id, `root-key-${index}`, 16);
}

function rootCertId(account: SimAccount, index: number): string {
  return account.root.signingCertificates[index]?.id ?? derivedId('', account.id, `cert-${index}`, 32);
}

function listAccessKeys(call: QueryCall, account: SimAccount): string {
  const who = subject(call, account);
  const keys = who.root
    ? account.root.accessKeys.map(
        (k, i) =>
          `${el('AccessKeyId', rootKeyId(account, i))}${el('Status', k.active ? 'Active' : 'Inactive')}${el('CreateDate', iso(k.lastRotated))}`,
      )
    : who.user === CALLER_USER
      ? [
          `${el('UserName', CALLER_USER.name)}${el('AccessKeyId', call.state.definition.caller.accessKeyId)}${el('Status', 'Active')}${el('CreateDate', iso(account.root.createdAt))}`,
        ]
      : [];
  const page = iamPage(keys, call.params.get('Marker'), call.params.get('MaxItems'));
  return `${members('AccessKeyMetadata', page.items)}${truncation(page.next)}`;
}

function getAccessKeyLastUsed(call: QueryCall, account: SimAccount): string {
  const keyId = call.params.get('AccessKeyId');
  if (!keyId)
    throw validation(
      "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null",
    );
  const index = account.root.accessKeys.findIndex((_k, i) => rootKeyId(account, i) === keyId);
  const key = account.root.accessKeys[index];
  if (!key) throw new AwsError('NoSuchEntity', 404, `The Access Key with id ${keyId} cannot be found.`);
  const used = key.lastUsed
    ? `${el('LastUsedDate', iso(key.lastUsed))}${el('ServiceName', key.lastUsedService ?? 's3')}${el('Region', key.lastUsedRegion ?? 'us-east-1')}`
    : `${el('ServiceName', 'N/A')}${el('Region', 'N/A')}`;
  return node('AccessKeyLastUsed', used);
}

function listSigningCertificates(call: QueryCall, account: SimAccount): string {
  const who = subject(call, account);
  const certs = who.root
    ? account.root.signingCertificates.map((c, i) => {
        const id = rootCertId(account, i);
        return [
          el('CertificateId', id),
          el(
            'CertificateBody',
            `-----BEGIN CERTIFICATE-----\n${Buffer.from(`${account.id}/${id}`).toString('base64')}\n-----END CERTIFICATE-----`,
          ),
          el('Status', c.active ? 'Active' : 'Inactive'),
          el('UploadDate', iso(c.uploadedAt ?? account.root.createdAt)),
        ].join('');
      })
    : [];
  const page = iamPage(certs, call.params.get('Marker'), call.params.get('MaxItems'));
  return `${members('Certificates', page.items)}${truncation(page.next)}`;
}

function listMfaDevices(call: QueryCall, account: SimAccount): string {
  const who = subject(call, account);
  const devices: string[] = [];
  if (who.root) {
    const { root } = account;
    if (root.mfa !== 'none') {
      devices.push(`${el('SerialNumber', rootMfaSerial(account))}${el('EnableDate', iso(root.createdAt))}`);
    }
  } else if (who.user.virtualMfa) {
    devices.push(
      `${el('UserName', who.user.name)}${el('SerialNumber', `arn:${account.partition}:iam::${account.id}:mfa/${who.user.name}`)}${el('EnableDate', iso(who.user.createdAt ?? account.root.createdAt))}`,
    );
  }
  const page = iamPage(devices, call.params.get('Marker'), call.params.get('MaxItems'));
  return `${members('MFADevices', page.items)}${truncation(page.next)}`;
}

function getUser(call: QueryCall, account: SimAccount): string {
  const who = subject(call, account);
  if (who.root) {
    const { root } = account;
    return node(
      'User',
      [
        el('UserId', account.id),
        el('Arn', `arn:${account.partition}:iam::${account.id}:root`),
        el('CreateDate', iso(root.createdAt)),
        root.passwordLastUsed ? el('PasswordLastUsed', iso(root.passwordLastUsed)) : '',
      ].join(''),
    );
  }
  return node('User', userXml(account, who.user));
}

/**
 * Replaces the account with one whose root went through `change` (accounts are never mutated:
 * caches key on the object). Ids are fixed first so the remaining credentials keep theirs, the
 * removal is logged on the root for `GET /_sim/org`, and a cached credential report goes stale.
 */
function changeRoot(
  call: QueryCall,
  account: SimAccount,
  removed: { type: SimRemovedCredential['type']; id: string },
  change: (root: SimRootUser) => void,
): void {
  const { state } = call;
  const root: SimRootUser = {
    ...account.root,
    accessKeys: account.root.accessKeys.map((k, i) => ({ ...k, id: rootKeyId(account, i) })),
    signingCertificates: account.root.signingCertificates.map((c, i) => ({
      ...c,
      id: rootCertId(account, i),
    })),
  };
  if (root.mfa !== 'none' && !root.mfaSerial) root.mfaSerial = rootMfaSerial(account);
  change(root);
  root.removed = [...(account.root.removed ?? []), { ...removed, action: call.action, at: iso(state.now()) }];
  const next: SimAccount = { ...account, root };
  const i = state.definition.accounts.indexOf(account);
  if (i >= 0) state.definition.accounts[i] = next;
  const report = state.reports.get(account.id);
  if (report) report.stale = true;
  state.touch();
}

function requiredParam(call: QueryCall, name: string, member: string): string {
  const value = call.params.get(name);
  if (!value)
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

function deleteAccessKey(call: QueryCall, account: SimAccount): string {
  const keyId = requiredParam(call, 'AccessKeyId', 'accessKeyId');
  const index = account.root.accessKeys.findIndex((_k, i) => rootKeyId(account, i) === keyId);
  if (index < 0) throw new AwsError('NoSuchEntity', 404, `The Access Key with id ${keyId} cannot be found.`);
  changeRoot(call, account, { type: 'accessKey', id: keyId }, (root) => {
    root.accessKeys = root.accessKeys.filter((k) => k.id !== keyId);
  });
  return '';
}

function deleteSigningCertificate(call: QueryCall, account: SimAccount): string {
  const certId = requiredParam(call, 'CertificateId', 'certificateId');
  const index = account.root.signingCertificates.findIndex((_c, i) => rootCertId(account, i) === certId);
  if (index < 0)
    throw new AwsError('NoSuchEntity', 404, `The Certificate with id ${certId} cannot be found.`);
  changeRoot(call, account, { type: 'signingCertificate', id: certId }, (root) => {
    root.signingCertificates = root.signingCertificates.filter((c) => c.id !== certId);
  });
  return '';
}

function deleteLoginProfile(call: QueryCall, account: SimAccount): string {
  if (!account.root.password)
    throw new AwsError('NoSuchEntity', 404, 'Login Profile for User root cannot be found.');
  changeRoot(call, account, { type: 'loginProfile', id: 'root' }, (root) => {
    root.password = false;
  });
  return '';
}

function mfaNotFound(serial: string): AwsError {
  return new AwsError('NoSuchEntity', 404, `MFA Device with serial number ${serial} does not exist.`);
}

/** A virtual device stays (unassigned) until DeleteVirtualMFADevice; a TOTP token or FIDO key is gone. */
function deactivateMfaDevice(call: QueryCall, account: SimAccount): string {
  const serial = requiredParam(call, 'SerialNumber', 'serialNumber');
  if (account.root.mfa === 'none' || rootMfaSerial(account) !== serial) throw mfaNotFound(serial);
  const wasVirtual = account.root.mfa === 'virtual';
  changeRoot(call, account, { type: 'mfaDevice', id: serial }, (root) => {
    root.mfa = 'none';
    delete root.mfaSerial;
    if (wasVirtual) root.unassignedVirtualMfaSerial = serial;
  });
  return '';
}

function deleteVirtualMfaDevice(call: QueryCall, account: SimAccount): string {
  const serial = requiredParam(call, 'SerialNumber', 'serialNumber');
  if (account.root.mfa === 'virtual' && rootMfaSerial(account) === serial)
    throw new AwsError('DeleteConflict', 409, 'MFA Device is still in use.');
  if (account.root.unassignedVirtualMfaSerial !== serial) throw mfaNotFound(serial);
  changeRoot(call, account, { type: 'mfaDevice', id: serial }, (root) => {
    delete root.unassignedVirtualMfaSerial;
  });
  return '';
}

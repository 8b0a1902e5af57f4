import { AwsError, notNull, throttling, validation } from './aws-error';
import type { QueryCall } from './iam.service';
import { callerAccountId, derivedId, type Identity, isOrgAdmin, type Session } from './sim-state';
import { isoSeconds } from './time';
import { el, node } from './xml';

export const ROOT_TASK_POLICIES = [
  'IAMAuditRootUserCredentials',
  'IAMDeleteRootUserCredentials',
  'IAMCreateRootUserPassword',
  'S3UnlockBucketPolicy',
  'SQSUnlockQueuePolicy',
] as const;

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const TASK_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/root-task\/([A-Za-z0-9]+)$/;

export function handleSts(call: QueryCall): string {
  switch (call.action) {
    case 'GetCallerIdentity':
      call.actOn(call.identity.accountId);
      return `${el('UserId', call.identity.userId)}${el('Account', call.identity.accountId)}${el('Arn', call.identity.arn)}`;
    case 'AssumeRole':
      return assumeRole(call);
    case 'AssumeRoot':
      return assumeRoot(call);
    default:
      throw new AwsError(
        'InvalidAction',
        400,
        `Could not find operation ${call.action} for version 2011-06-15`,
      );
  }
}

function denied(identity: Identity, action: string, resource: string, reason = ''): AwsError {
  return new AwsError(
    'AccessDenied',
    403,
    `User: ${identity.arn} is not authorized to perform: sts:${action} on resource: ${resource}${reason}`,
  );
}

function duration(raw: string | null, min: number, max: number, fallback: number): number {
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw validation(
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${n < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`}`,
    );
  return n;
}

function credentialsXml(session: Session): string {
  return node(
    'Credentials',
    [
      el('AccessKeyId', session.accessKeyId),
      el('SecretAccessKey', session.secretAccessKey),
      el('SessionToken', session.sessionToken),
      el('Expiration', isoSeconds(session.expiresAt)),
    ].join(''),
  );
}

function assumeRole(call: QueryCall): string {
  const { state, identity, params } = call;
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (!roleArn) throw notNull('roleArn');
  if (!sessionName) throw notNull('roleSessionName');
  if (!SESSION_NAME.test(sessionName))
    throw validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  const m = ROLE_ARN.exec(roleArn);
  if (!m) throw validation(`${roleArn} is invalid`);
  const [, partition, accountId, roleName] = m as unknown as [string, string, string, string];
  const seconds = duration(params.get('DurationSeconds'), 900, 43_200, 3600);
  call.actOn(accountId);
  const { auditRole, scannerRole } = state.definition;
  // The scanner role lives where the caller acts: the management or the delegated-admin account.
  if (accountId === callerAccountId(state) && roleName === scannerRole.name) {
    // The scanner role trusts the caller only; it is not itself chained from another role.
    if (identity.kind !== 'caller') throw denied(identity, 'AssumeRole', roleArn);
    if (scannerRole.externalId !== null && params.get('ExternalId') !== scannerRole.externalId)
      throw denied(identity, 'AssumeRole', roleArn);
    return issueRoleSession(call, { partition, accountId, roleName, sessionName, seconds, kind: 'scanner' });
  }
  // The audit role trusts the caller or the scanner role; other chains are not modelled.
  const mayAssumeAudit = identity.kind === 'caller' || identity.session.kind === 'scanner';
  if (!mayAssumeAudit) throw denied(identity, 'AssumeRole', roleArn);
  const account = state.accounts.get(accountId);
  if (!account) throw denied(identity, 'AssumeRole', roleArn);
  const disabledHere = account.faults?.stsDisabledRegions?.includes(call.region) ?? false;
  switch (disabledHere ? 'RegionDisabled' : account.faults?.assumeRole) {
    case 'AccessDenied':
      throw denied(identity, 'AssumeRole', roleArn);
    case 'RegionDisabled':
      throw new AwsError(
        'RegionDisabledException',
        403,
        `STS is not activated in this region for account:${accountId}. Your account administrator can activate STS in this region using the IAM Console.`,
      );
    case 'Throttling':
      throw throttling();
  }
  if (account.state !== 'ACTIVE' || !account.auditRole || roleName !== auditRole.name)
    throw denied(identity, 'AssumeRole', roleArn);
  if (auditRole.externalId !== null && params.get('ExternalId') !== auditRole.externalId)
    throw denied(identity, 'AssumeRole', roleArn);
  return issueRoleSession(call, { partition, accountId, roleName, sessionName, seconds, kind: 'role' });
}

function issueRoleSession(
  { state }: QueryCall,
  o: {
    partition: string;
    accountId: string;
    roleName: string;
    sessionName: string;
    seconds: number;
    kind: 'role' | 'scanner';
  },
): string {
  const { partition, accountId, roleName, sessionName } = o;
  const session = state.issueSession({
    accountId,
    expiresAt: state.now() + o.seconds * 1000,
    kind: o.kind,
    roleName,
    sessionName,
  });
  const roleId = derivedId('AROA', accountId, `role/${roleName}`);
  return [
    node(
      'AssumedRoleUser',
      `${el('AssumedRoleId', `${roleId}:${sessionName}`)}${el('Arn', `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`)}`,
    ),
    credentialsXml(session),
  ].join('');
}

/**
 * AssumeRoot (centralized root access). Refusals, in AWS's order: the global endpoint does not know
 * the operation (boto3#4461: `InvalidAction` "Unknown Operation"); parameters are validated; only
 * the management or IAM delegated-administrator account may call it, never from a root session;
 * the organization must have trusted access for IAM and `RootSessions`; the target must be an
 * active member, never the management account.
 */
function assumeRoot(call: QueryCall): string {
  const { state, identity, params } = call;
  if (call.globalEndpoint) throw new AwsError('InvalidAction', 400, 'Unknown Operation');
  const target = params.get('TargetPrincipal');
  const policyArn = params.get('TaskPolicyArn.arn');
  if (!target) throw notNull('targetPrincipal');
  if (!policyArn) throw notNull('taskPolicyArn');
  const seconds = duration(params.get('DurationSeconds'), 0, 900, 900);
  const policy = TASK_POLICY_ARN.exec(policyArn)?.[1];
  if (!policy || !(ROOT_TASK_POLICIES as readonly string[]).includes(policy))
    throw validation(`The task policy ARN ${policyArn} is not a valid root task policy.`);
  if (!/^\d{12}$/.test(target)) throw validation(`Invalid TargetPrincipal: ${target}`);
  call.actOn(target);
  const { organization } = state.definition;
  const resource = `arn:aws:iam::${target}:root`;
  // The caller key and the scanner role act in the management or delegated-admin account;
  // audit-role and root sessions act in members (root credentials may never call AssumeRoot).
  const fromAdmin =
    identity.kind !== 'root' &&
    (identity.kind === 'caller' || identity.session.kind === 'scanner') &&
    isOrgAdmin(state, identity.accountId);
  if (!fromAdmin) throw denied(identity, 'AssumeRoot', resource);
  if (organization.iamTrustedAccess === false || !organization.features.includes('RootSessions'))
    throw denied(
      identity,
      'AssumeRoot',
      resource,
      ' because centralized root sessions are not enabled for the organization',
    );
  if (target === organization.managementAccountId)
    throw denied(identity, 'AssumeRoot', resource, ' because the target is the management account');
  const account = state.accounts.get(target);
  if (account?.state !== 'ACTIVE') throw denied(identity, 'AssumeRoot', resource);
  const session = state.issueSession({
    accountId: target,
    expiresAt: state.now() + seconds * 1000,
    kind: 'root',
    roleName: 'root',
    sessionName: policy,
    taskPolicy: policy,
  });
  return credentialsXml(session);
}

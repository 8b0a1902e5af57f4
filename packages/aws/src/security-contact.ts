import type { SecurityContact } from '@rootwatch/core';
import type { AwsClientFactory, AwsCredentials } from './clients';
import { GetAlternateContactCommand, GetCallerIdentityCommand } from './commands';
import { awsErrorCode, classifyAwsError } from './errors';

type AccountClient = ReturnType<AwsClientFactory['account']>;

/**
 * `account:GetAlternateContact` for the SECURITY type. `accountId` undefined = the standalone context: the
 * account of the credentials that sign the request. ResourceNotFoundException = no contact registered.
 */
async function getSecurityContact(client: AccountClient, accountId?: string): Promise<SecurityContact> {
  try {
    const out = await client.send(
      new GetAlternateContactCommand({
        AlternateContactType: 'SECURITY',
        ...(accountId ? { AccountId: accountId } : {}),
      }),
    );
    const c = out.AlternateContact;
    return {
      status: 'present',
      ...(c?.Name ? { name: c.Name } : {}),
      ...(c?.EmailAddress ? { email: c.EmailAddress } : {}),
    };
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === 'ResourceNotFoundException') return { status: 'absent' };
    return { status: 'unknown', reason: code };
  }
}

/**
 * A member's security contact read inside the member with its audit-role session, without AccountId:
 * one call on the member's own GetAlternateContact quota (10/s per account) instead of one more on the
 * management account's (docs/aws-quotas.md).
 */
export function readMemberSecurityContact(input: {
  clients: Pick<AwsClientFactory, 'account'>;
  credentials: AwsCredentials;
}): Promise<SecurityContact> {
  return getSecurityContact(input.clients.account(input.credentials));
}

/**
 * A member's security contact read from the organization side (management or delegated-admin account).
 * AccountId is left out only for the caller's **own** account: the management account may not name
 * itself (AccessDeniedException "… can only be managed using the standalone context …"), and from a
 * delegated administrator a left-out AccountId would answer with the delegated admin's own contact —
 * a false PASS for the management account. Unknown caller (null): every account is named.
 */
export function readOrgSecurityContact(input: {
  clients: Pick<AwsClientFactory, 'account'>;
  accountId: string;
  callerAccountId: string | null;
}): Promise<SecurityContact> {
  const own = input.callerAccountId !== null && input.accountId === input.callerAccountId;
  return getSecurityContact(input.clients.account(), own ? undefined : input.accountId);
}

/**
 * The member's own read, and when its audit role may not call GetAlternateContact (a member role deployed
 * before that permission was added: AccessDenied), the organization-side read for that account only.
 */
export async function readSecurityContactInMember(input: {
  clients: Pick<AwsClientFactory, 'account'>;
  credentials: AwsCredentials;
  accountId: string;
  /** Resolves the scanner's own account, only when the fallback needs it. */
  callerAccountId: () => Promise<string | null>;
}): Promise<SecurityContact> {
  const own = await readMemberSecurityContact(input);
  if (own.status !== 'unknown' || classifyAwsError({ name: own.reason }).kind !== 'denied') return own;
  return readOrgSecurityContact({
    clients: input.clients,
    accountId: input.accountId,
    callerAccountId: await input.callerAccountId(),
  });
}

/** The account the factory's own credentials belong to (needs no permission); null when it fails. */
export async function readCallerAccountId(clients: Pick<AwsClientFactory, 'sts'>): Promise<string | null> {
  try {
    return (await clients.sts().send(new GetCallerIdentityCommand({}))).Account ?? null;
  } catch {
    return null;
  }
}

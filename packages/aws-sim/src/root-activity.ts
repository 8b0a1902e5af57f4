import { randomUUID } from 'node:crypto';
import { OrgDefinitionError } from './org-definition.errors';
import type { SimAccount } from './org-definition.types';

export type RootActivityKind = 'console_login' | 'api_call';

export interface RootActivityRequest {
  kind: RootActivityKind;
  at: string;
  sourceIp: string;
  mfaUsed: boolean;
  success: boolean;
  userAgent: string;
  region: string;
}

const KINDS: readonly RootActivityKind[] = ['console_login', 'api_call'];

/** Validates the body of `POST /_sim/accounts/{id}/root-activity`, filling the defaults. */
export function parseRootActivity(body: unknown, now: Date): RootActivityRequest {
  const o = (body ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new OrgDefinitionError('', 'expected an object', body);
  if (!KINDS.includes(o.kind as RootActivityKind))
    throw new OrgDefinitionError('kind', `expected one of ${KINDS.join(', ')}`, o.kind);
  const at = o.at === undefined ? now.toISOString() : o.at;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)))
    throw new OrgDefinitionError('at', 'expected an ISO-8601 timestamp', o.at);
  const str = (key: string, fallback: string) => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'string' || v.length === 0 || v.length > 256)
      throw new OrgDefinitionError(key, 'expected a non-empty string', v);
    return v;
  };
  const bool = (key: string, fallback: boolean) => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'boolean') throw new OrgDefinitionError(key, 'expected a boolean', v);
    return v;
  };
  return {
    kind: o.kind as RootActivityKind,
    at: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    sourceIp: str('sourceIp', '203.0.113.10'),
    mfaUsed: bool('mfaUsed', false),
    success: bool('success', true),
    userAgent: str(
      'userAgent',
      o.kind === 'console_login'
        ? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15'
        : 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64',
    ),
    region: str('region', 'us-east-1'),
  };
}

/**
 * The EventBridge envelope a member account's rule forwards for a root event, with the CloudTrail record
 * as `detail` — the shapes of the CloudTrail user guide's ConsoleLogin and root API-call examples
 * (userIdentity.type "Root", arn `arn:aws:iam::<acct>:root`).
 */
export function rootActivityEnvelope(
  account: SimAccount,
  activity: RootActivityRequest,
): Record<string, unknown> {
  const partition = account.partition ?? 'aws';
  const eventId = randomUUID();
  const userIdentity: Record<string, unknown> = {
    type: 'Root',
    principalId: account.id,
    arn: `arn:${partition}:iam::${account.id}:root`,
    accountId: account.id,
  };
  const common = {
    eventVersion: '1.09',
    userIdentity,
    eventTime: activity.at,
    awsRegion: activity.region,
    sourceIPAddress: activity.sourceIp,
    userAgent: activity.userAgent,
    eventID: eventId,
    readOnly: false,
    managementEvent: true,
    recipientAccountId: account.id,
    eventCategory: 'Management',
  };
  const detail =
    activity.kind === 'console_login'
      ? {
          ...common,
          eventSource: 'signin.amazonaws.com',
          eventName: 'ConsoleLogin',
          // Console sign-in events are recorded in us-east-1 whatever region the console shows.
          awsRegion: 'us-east-1',
          requestParameters: null,
          responseElements: { ConsoleLogin: activity.success ? 'Success' : 'Failure' },
          ...(activity.success ? {} : { errorMessage: 'Failed authentication' }),
          additionalEventData: {
            LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
            MobileVersion: 'No',
            MFAUsed: activity.mfaUsed ? 'Yes' : 'No',
          },
          eventType: 'AwsConsoleSignIn',
        }
      : {
          ...common,
          userIdentity: {
            ...userIdentity,
            accessKeyId: account.root.accessKeys[0]?.id ?? 'AKIAIOSFODNN7EXAMPLE',
          },
          eventSource: 'iam.amazonaws.com',
          eventName: 'ListUsers',
          requestParameters: null,
          responseElements: null,
          ...(activity.success ? {} : { errorCode: 'AccessDenied', errorMessage: 'Access denied' }),
          requestID: randomUUID(),
          eventType: 'AwsApiCall',
        };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type':
      activity.kind === 'console_login'
        ? 'AWS Console Sign In via CloudTrail'
        : 'AWS API Call via CloudTrail',
    source: activity.kind === 'console_login' ? 'aws.signin' : 'aws.iam',
    account: account.id,
    time: activity.at,
    region: detail.awsRegion,
    resources: [],
    detail,
  };
}

/**
 * The root's credential state after the event, so the next scan's credential report agrees with it:
 * a successful console sign-in moves passwordLastUsed, an API call moves the first active key's
 * last-used date (or passwordLastUsed when root has no key, as for a session-based call).
 */
export function rootAfterActivity(
  account: SimAccount,
  activity: RootActivityRequest,
): Record<string, unknown> | null {
  if (!activity.success) return null;
  const later = (current: string | null | undefined) =>
    current && Date.parse(current) >= Date.parse(activity.at) ? current : activity.at;
  const keys = account.root.accessKeys;
  const active = keys.findIndex((k) => k.active);
  if (activity.kind === 'api_call' && active >= 0)
    return {
      accessKeys: keys.map((k, i) =>
        i === active
          ? { ...k, lastUsed: later(k.lastUsed), lastUsedService: 'iam', lastUsedRegion: activity.region }
          : k,
      ),
    };
  if (!account.root.password) return null;
  return { passwordLastUsed: later(account.root.passwordLastUsed) };
}

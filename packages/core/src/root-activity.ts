/**
 * Root activity from CloudTrail, as the member accounts' EventBridge rules forward it (EVENTS.md): an
 * EventBridge envelope whose `detail` is the CloudTrail record. Pure parsing and classification; the
 * consumer decides what to do with a rejection (count it, leave the message for the DLQ).
 */

export type RootActivityKind = 'console_login' | 'api_call' | 'root_session';

export interface RootActivity {
  eventId: string;
  accountId: string;
  kind: RootActivityKind;
  eventName: string;
  eventSource: string;
  eventTime: string;
  sourceIp: string | null;
  userAgent: string | null;
  region: string | null;
  /** From ConsoleLogin's additionalEventData.MFAUsed; null when CloudTrail does not say. */
  mfaUsed: boolean | null;
  success: boolean;
  errorCode: string | null;
}

/** Why a message is not a root event we record; each is a /metrics label. */
export type RootActivityRejection = 'not_json' | 'not_eventbridge' | 'not_cloudtrail' | 'not_root';

export type ParsedRootActivity =
  | { ok: true; activity: RootActivity }
  | { ok: false; reason: RootActivityRejection; detail: string };

export const ROOT_EVENT_DETAIL_TYPES = [
  'AWS Console Sign In via CloudTrail',
  'AWS API Call via CloudTrail',
] as const;

const ACCOUNT_ID = /^\d{12}$/;
const MAX_TEXT = 512;

const reject = (reason: RootActivityRejection, detail: string): ParsedRootActivity => ({
  ok: false,
  reason,
  detail,
});

/** Parses one SQS message body. Never throws; the detail of a rejection carries no field values. */
export function parseRootActivityMessage(body: string): ParsedRootActivity {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch {
    return reject('not_json', 'the body is not JSON');
  }
  if (!isObject(envelope)) return reject('not_eventbridge', 'the body is not a JSON object');
  const detailType = envelope['detail-type'];
  if (typeof detailType !== 'string' || !isObject(envelope.detail) || typeof envelope.account !== 'string')
    return reject('not_eventbridge', 'missing detail-type, detail or account');
  if (!(ROOT_EVENT_DETAIL_TYPES as readonly string[]).includes(detailType))
    return reject('not_cloudtrail', 'detail-type is not a CloudTrail sign-in or API call');
  const d = envelope.detail;
  const eventId = d.eventID;
  const eventName = d.eventName;
  const eventTime = d.eventTime;
  if (
    typeof eventId !== 'string' ||
    eventId.length === 0 ||
    eventId.length > 128 ||
    typeof eventName !== 'string' ||
    typeof eventTime !== 'string' ||
    Number.isNaN(Date.parse(eventTime)) ||
    !isObject(d.userIdentity)
  )
    return reject('not_cloudtrail', 'detail lacks eventID, eventName, eventTime or userIdentity');
  const identity = d.userIdentity;
  if (identity.type !== 'Root') return reject('not_root', 'userIdentity.type is not Root');
  // The account the root belongs to: userIdentity.accountId, else the recipient / envelope account.
  const accountId = [identity.accountId, d.recipientAccountId, envelope.account].find(
    (v): v is string => typeof v === 'string' && ACCOUNT_ID.test(v),
  );
  if (!accountId) return reject('not_cloudtrail', 'no 12-digit account id');

  const session = isObject(identity.sessionContext) ? identity.sessionContext : undefined;
  // CloudTrail marks calls made with sts:AssumeRoot credentials with sessionContext.assumedRoot = "true".
  const assumedRoot = session?.assumedRoot === 'true' || session?.assumedRoot === true;
  const kind: RootActivityKind =
    eventName === 'ConsoleLogin' ? 'console_login' : assumedRoot ? 'root_session' : 'api_call';
  const response = isObject(d.responseElements) ? d.responseElements : undefined;
  const extra = isObject(d.additionalEventData) ? d.additionalEventData : undefined;
  const errorCode = text(d.errorCode);
  const success =
    kind === 'console_login'
      ? response?.ConsoleLogin === 'Success'
      : errorCode === null && text(d.errorMessage) === null;
  const mfa = extra?.MFAUsed;
  return {
    ok: true,
    activity: {
      eventId,
      accountId,
      kind,
      eventName: eventName.slice(0, 128),
      eventSource: text(d.eventSource) ?? 'unknown',
      eventTime: new Date(eventTime).toISOString(),
      sourceIp: text(d.sourceIPAddress),
      userAgent: text(d.userAgent),
      region: text(d.awsRegion),
      mfaUsed: mfa === 'Yes' ? true : mfa === 'No' ? false : null,
      success,
      errorCode: errorCode ?? (kind === 'console_login' && !success ? 'Failure' : null),
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_TEXT) : null;
}

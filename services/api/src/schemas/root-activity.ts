import type { RootActivityRow } from '@rootwatch/db';
import { Type } from 'typebox';
import { AccountId, iso, Nullable, Timestamp } from './common';

export const RootActivityKindValue = Type.Enum(['console_login', 'api_call', 'root_session'], {
  description:
    'console_login: a root console sign-in; api_call: an API call as root; root_session: a call in an sts:AssumeRoot session',
});

export const RootActivitySchema = Type.Object(
  {
    id: Type.Integer({ description: 'Monotonic: the feed order' }),
    org_id: Type.String(),
    account_id: AccountId,
    kind: RootActivityKindValue,
    event_time: Timestamp,
    event_name: Type.String({ description: 'CloudTrail eventName, e.g. ConsoleLogin' }),
    event_source: Type.String(),
    source_ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
    region: Nullable(Type.String()),
    mfa_used: Nullable(Type.Boolean()),
    success: Type.Boolean(),
    error_code: Nullable(Type.String()),
    cloudtrail_event_id: Type.String({ description: 'CloudTrail eventID (unique)' }),
    drift_event_id: Nullable(Type.Integer()),
    received_at: Timestamp,
  },
  { title: 'RootActivity' },
);

export const toRootActivity = (row: RootActivityRow) => ({
  id: row.id,
  org_id: row.orgId,
  account_id: row.accountId,
  kind: row.kind as 'console_login' | 'api_call' | 'root_session',
  event_time: iso(row.eventTime),
  event_name: row.eventName,
  event_source: row.eventSource,
  source_ip: row.sourceIp,
  user_agent: row.userAgent,
  region: row.region,
  mfa_used: row.mfaUsed,
  success: row.success,
  error_code: row.errorCode,
  cloudtrail_event_id: row.eventId,
  drift_event_id: row.driftEventId,
  received_at: iso(row.receivedAt),
});

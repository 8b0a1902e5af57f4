import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { driftEvents } from './drift-events';
import { organizations } from './organizations';
import { rootActivityKinds, sqlList } from './values';

/**
 * One row per CloudTrail root event received through EventBridge → SQS (EVENTS.md). The CloudTrail
 * eventID is unique: a redelivered or duplicated message never records twice.
 */
export const rootActivity = pgTable(
  'root_activity',
  {
    // Identity = the GET /v1/root-activity cursor; drawn under the feed lock like drift_events ids.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    eventId: text('event_id').notNull(),
    orgId: text('org_id')
      .notNull()
      .references(() => organizations.id),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind').notNull(),
    eventName: text('event_name').notNull(),
    eventSource: text('event_source').notNull(),
    eventTime: timestamp('event_time', { withTimezone: true }).notNull(),
    sourceIp: text('source_ip'),
    userAgent: text('user_agent'),
    region: text('region'),
    // null when CloudTrail does not say (API calls carry no MFAUsed).
    mfaUsed: boolean('mfa_used'),
    success: boolean('success').notNull(),
    errorCode: text('error_code'),
    driftEventId: bigint('drift_event_id', { mode: 'number' }).references(() => driftEvents.id),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('root_activity_kind_values', sql.raw(`kind IN (${sqlList(rootActivityKinds)})`)),
    // Idempotency of the consumer: one row per CloudTrail event.
    uniqueIndex('root_activity_event_id_idx').on(t.eventId),
    // ?account= filter and the account view's timeline, in cursor order.
    index('root_activity_account_id_idx').on(t.accountId, t.id),
    // ?org= filter, in cursor order.
    index('root_activity_org_id_idx').on(t.orgId, t.id),
    // ?since= and the summary's "accounts with root activity in 24 h / 7 d".
    index('root_activity_event_time_idx').on(t.eventTime),
  ],
);

/**
 * The debounce of the rescans root activity asks for: at most one per account per window. The consumer
 * moves requested_at in the same transaction as the activity, so a crash never loses nor doubles one.
 */
export const rootActivityRescans = pgTable('root_activity_rescans', {
  accountId: text('account_id')
    .primaryKey()
    .references(() => accounts.id),
  orgId: text('org_id')
    .notNull()
    .references(() => organizations.id),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
});

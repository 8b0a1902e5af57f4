import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { jsonb } from './jsonb';
import { severities, sqlList } from './values';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

export const webhookDeliveryStatuses = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** A receiver of push events (POST /v1/webhooks). */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    description: text('description'),
    // Only for drift.event: events below this severity are not sent to this webhook.
    severityAtLeast: text('severity_at_least'),
    // The signing secret must be usable to sign, so it cannot be hashed: AES-256-GCM under the installation's
    // `webhook-secret-key` (install_secrets), so a dump of this table alone does not give it away.
    secretCiphertext: bytea('secret_ciphertext').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  () => [
    check(
      'webhooks_severity_at_least_values',
      sql.raw(`severity_at_least IS NULL OR severity_at_least IN (${sqlList(severities)})`),
    ),
    check('webhooks_disabled_iff_reason', sql.raw('enabled = (disabled_at IS NULL)')),
  ],
);

/**
 * Events to push, written by triggers in the transaction of the change they describe (so none is lost or
 * invented by a crash), then fanned out to webhook_deliveries by the worker's relay.
 */
export const webhookOutbox = pgTable(
  'webhook_outbox',
  {
    // Relay and per-subject delivery order.
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    // The Standard Webhooks message id (webhook-id), the same on every retry: receivers deduplicate on it.
    eventId: uuid('event_id').notNull().defaultRandom(),
    type: text('type').notNull(),
    // Events of one subject (a finding, a scan…) reach each webhook in order.
    subject: text('subject').notNull(),
    // The changed row as to_jsonb() saw it; shaped into the API's resource JSON at delivery.
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    // Set for an event meant for one webhook only (POST /v1/webhooks/{id}/test).
    webhookId: uuid('webhook_id').references(() => webhooks.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    relayedAt: timestamp('relayed_at', { withTimezone: true }),
  },
  (t) => [
    // The relay's queue: only rows not yet fanned out.
    index('webhook_outbox_unrelayed_idx').on(t.id).where(sql.raw('relayed_at IS NULL')),
  ],
);

/** One event for one webhook: its attempts and outcome (GET /v1/webhooks/{id}/deliveries). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    outboxId: bigint('outbox_id', { mode: 'number' })
      .notNull()
      .references(() => webhookOutbox.id, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    // The last attempts, oldest first: { at, status_code, latency_ms, error }.
    attemptLog: jsonb('attempt_log').$type<WebhookAttempt[]>().notNull().default([]),
    lastStatusCode: integer('last_status_code'),
    lastLatencyMs: integer('last_latency_ms'),
    lastError: text('last_error'),
    responseBody: text('response_body'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    firstAttemptAt: timestamp('first_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('webhook_deliveries_status_values', sql.raw(`status IN (${sqlList(webhookDeliveryStatuses)})`)),
    check('webhook_deliveries_response_body_size', sql.raw('octet_length(response_body) <= 1024')),
    // One delivery per webhook and event: a relay that runs twice cannot send an event twice.
    uniqueIndex('webhook_deliveries_webhook_outbox_idx').on(t.webhookId, t.outboxId),
    // The head of a (webhook, subject) lane: the oldest pending event, which blocks the ones after it.
    index('webhook_deliveries_pending_lane_idx')
      .on(t.webhookId, t.subject, t.outboxId)
      .where(sql.raw(`status = 'pending'`)),
    // GET /v1/webhooks/{id}/deliveries, newest first.
    index('webhook_deliveries_webhook_id_idx').on(t.webhookId, t.id.desc()),
    // Deleting outbox rows (retention) finds their deliveries.
    index('webhook_deliveries_outbox_id_idx').on(t.outboxId),
  ],
);

export interface WebhookAttempt {
  at: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './database';
import { pruneInBatches, type RetentionOptions } from './retention';
import { type WebhookAttempt, webhookDeliveries, webhookOutbox, webhooks } from './schema';
import { rowsOf } from './sql-helpers';
import { inTransaction } from './transaction';
import type { WebhookSecretBox } from './webhook-secret-box';

// Arbitrary fixed pair ("Rtwc", 7): one relay at a time fans the outbox out, so deliveries of one subject are
// created in event order whatever the number of workers.
const relayLockKey = [0x52747763, 7] as const;

/** The attempts a delivery keeps in its log (the counters keep counting). */
const ATTEMPT_LOG_SIZE = 20;

export type WebhookLane = { webhookId: string; subject: string };

/** The oldest pending event of a lane, with what sending it needs. */
export type WebhookLaneHead = {
  deliveryId: number;
  attempts: number;
  firstAttemptAt: Date | null;
  nextAttemptAt: Date;
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  url: string;
  secret: string;
};

export type WebhookAttemptOutcome = {
  deliveryId: number;
  at: Date;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseBody: string | null;
} & (
  | { status: 'delivered' }
  | { status: 'failed' }
  /** Still pending: the next attempt at this time. */
  | { status: 'pending'; nextAttemptAt: Date }
);

/** The worker's side of webhooks: fan-out of the outbox, lane heads, attempt outcomes. */
export function createWebhookOutboxRepository({ db, secrets }: { db: Db; secrets: WebhookSecretBox }) {
  return {
    /**
     * Fans up to `limit` unrelayed events out to the enabled webhooks that want them (one delivery each)
     * and marks them relayed, in one transaction. Returns the lanes that got a delivery, or null when
     * another relay holds the lock.
     */
    async relay({
      wants,
      limit = 500,
    }: {
      /** Whether a webhook takes an event (core's webhookWantsEvent: its types, drift severity floor). */
      wants: (
        webhook: { events: string[]; severityAtLeast: string | null },
        event: { type: string; severity?: string | null },
      ) => boolean;
      limit?: number;
    }): Promise<{ events: number; lanes: WebhookLane[] } | null> {
      return inTransaction(db, async (tx) => {
        const locked = rowsOf<{ locked: boolean }>(
          await tx.execute(
            sql`SELECT pg_try_advisory_xact_lock(${relayLockKey[0]}, ${relayLockKey[1]}) AS locked`,
          ),
        );
        if (!locked[0]?.locked) return null;
        const events = await tx
          .select({
            id: webhookOutbox.id,
            type: webhookOutbox.type,
            subject: webhookOutbox.subject,
            payload: webhookOutbox.payload,
            webhookId: webhookOutbox.webhookId,
          })
          .from(webhookOutbox)
          .where(isNull(webhookOutbox.relayedAt))
          .orderBy(asc(webhookOutbox.id))
          .limit(limit);
        if (events.length === 0) return { events: 0, lanes: [] };
        const targets = await tx
          .select({ id: webhooks.id, events: webhooks.events, severityAtLeast: webhooks.severityAtLeast })
          .from(webhooks)
          .where(eq(webhooks.enabled, true));
        const rows: (typeof webhookDeliveries.$inferInsert)[] = [];
        for (const event of events) {
          for (const webhook of targets) {
            const wanted = event.webhookId
              ? event.webhookId === webhook.id
              : wants(webhook, {
                  type: event.type,
                  severity: (event.payload as { severity?: string }).severity,
                });
            if (wanted) rows.push({ webhookId: webhook.id, outboxId: event.id, subject: event.subject });
          }
        }
        const lanes = new Map<string, WebhookLane>();
        for (let i = 0; i < rows.length; i += 1000) {
          const inserted = await tx
            .insert(webhookDeliveries)
            .values(rows.slice(i, i + 1000))
            .onConflictDoNothing()
            .returning({ webhookId: webhookDeliveries.webhookId, subject: webhookDeliveries.subject });
          for (const lane of inserted) lanes.set(`${lane.webhookId} ${lane.subject}`, lane);
        }
        // Exactly the rows read: an event with a lower id may commit after the SELECT (ids are taken before
        // commit), and a range would mark it relayed unseen.
        await tx
          .update(webhookOutbox)
          .set({ relayedAt: sql`now()` })
          .where(
            inArray(
              webhookOutbox.id,
              events.map((event) => event.id),
            ),
          );
        return { events: events.length, lanes: [...lanes.values()] };
      });
    },

    /** Lanes of enabled webhooks whose head is due: the sweep re-enqueues them (a lost or skipped job). */
    async dueLanes({ limit = 1000 }: { limit?: number } = {}): Promise<WebhookLane[]> {
      return db
        .selectDistinct({ webhookId: webhookDeliveries.webhookId, subject: webhookDeliveries.subject })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(
          and(
            eq(webhookDeliveries.status, 'pending'),
            eq(webhooks.enabled, true),
            sql`${webhookDeliveries.nextAttemptAt} <= now()`,
          ),
        )
        .limit(limit);
    },

    /** Whether the lane has a pending delivery due now (cheap: the pending-lane index). */
    async laneDue({ webhookId, subject }: WebhookLane): Promise<boolean> {
      const [row] = await db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.webhookId, webhookId),
            eq(webhookDeliveries.subject, subject),
            eq(webhookDeliveries.status, 'pending'),
            sql`${webhookDeliveries.nextAttemptAt} <= now()`,
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    /** The lane's oldest pending delivery; null when the lane is empty or its webhook disabled or gone. */
    async laneHead({ webhookId, subject }: WebhookLane): Promise<WebhookLaneHead | null> {
      const [row] = await db
        .select({
          deliveryId: webhookDeliveries.id,
          attempts: webhookDeliveries.attempts,
          firstAttemptAt: webhookDeliveries.firstAttemptAt,
          nextAttemptAt: webhookDeliveries.nextAttemptAt,
          eventId: webhookOutbox.eventId,
          type: webhookOutbox.type,
          payload: webhookOutbox.payload,
          createdAt: webhookOutbox.createdAt,
          url: webhooks.url,
          secretCiphertext: webhooks.secretCiphertext,
        })
        .from(webhookDeliveries)
        .innerJoin(webhookOutbox, eq(webhookOutbox.id, webhookDeliveries.outboxId))
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(
          and(
            eq(webhookDeliveries.webhookId, webhookId),
            eq(webhookDeliveries.subject, subject),
            eq(webhookDeliveries.status, 'pending'),
            eq(webhooks.enabled, true),
          ),
        )
        .orderBy(asc(webhookDeliveries.outboxId))
        .limit(1);
      if (!row) return null;
      const { secretCiphertext, ...head } = row;
      return { ...head, secret: secrets.open(Buffer.from(secretCiphertext), webhookId) };
    },

    /** Records one attempt; a delivered or failed one leaves the lane, so the next event becomes its head. */
    async recordAttempt(outcome: WebhookAttemptOutcome): Promise<void> {
      const entry: WebhookAttempt = {
        at: outcome.at.toISOString(),
        status_code: outcome.statusCode,
        latency_ms: outcome.latencyMs,
        error: outcome.error,
      };
      await db
        .update(webhookDeliveries)
        .set({
          status: outcome.status,
          attempts: sql`${webhookDeliveries.attempts} + 1`,
          attemptLog: sql`(SELECT coalesce(jsonb_agg(e ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(${webhookDeliveries.attemptLog} || ${JSON.stringify([entry])}::jsonb) WITH ORDINALITY AS a(e, n) WHERE n > jsonb_array_length(${webhookDeliveries.attemptLog}) + 1 - ${ATTEMPT_LOG_SIZE})`,
          lastStatusCode: outcome.statusCode,
          lastLatencyMs: outcome.latencyMs,
          lastError: outcome.error,
          responseBody: outcome.responseBody,
          firstAttemptAt: sql`coalesce(${webhookDeliveries.firstAttemptAt}, ${outcome.at.toISOString()}::timestamptz)`,
          ...(outcome.status === 'delivered' ? { deliveredAt: outcome.at } : {}),
          ...(outcome.status === 'pending' ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
        })
        .where(eq(webhookDeliveries.id, outcome.deliveryId));
    },

    /** The endpoint said 410 Gone: no more deliveries to it until it is created again. */
    async disable({ webhookId, reason }: { webhookId: string; reason: string }): Promise<void> {
      await db
        .update(webhooks)
        .set({ enabled: false, disabledReason: reason, disabledAt: sql`now()` })
        .where(and(eq(webhooks.id, webhookId), eq(webhooks.enabled, true)));
    },
  };
}

export type WebhookOutboxRepository = ReturnType<typeof createWebhookOutboxRepository>;

/**
 * Retention of webhook events (the scheduler's daily job, ROOTWATCH_RETENTION_DAYS): events relayed before the
 * cutoff whose every delivery is settled (delivered, or failed after its day of retries) are deleted with their
 * deliveries, oldest first, in batches (retention.ts). An event not yet relayed, or with a pending delivery,
 * stays whatever its age: the lane it heads would otherwise lose it.
 */
export function createWebhookEventsRetention({ db }: { db: Db }) {
  return {
    async prune(options: RetentionOptions): Promise<number> {
      return pruneInBatches(options, async (cutoff, batchSize) => {
        const settled = db
          .select({ id: webhookOutbox.id })
          .from(webhookOutbox)
          .where(
            and(
              isNotNull(webhookOutbox.relayedAt),
              lt(webhookOutbox.createdAt, cutoff),
              sql`NOT EXISTS (SELECT 1 FROM ${webhookDeliveries} WHERE ${webhookDeliveries.outboxId} = ${webhookOutbox.id} AND ${webhookDeliveries.status} = 'pending')`,
            ),
          )
          .orderBy(asc(webhookOutbox.id))
          .limit(batchSize);
        const deleted = await db
          .delete(webhookOutbox)
          .where(inArray(webhookOutbox.id, settled))
          .returning({ id: webhookOutbox.id });
        return deleted.length;
      });
    },
  };
}

import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from './database';
import { type WebhookAttempt, webhookDeliveries, webhookOutbox, webhooks } from './schema';
import { inTransaction } from './transaction';
import { generateWebhookSecret, type WebhookSecretBox } from './webhook-secret-box';

/** Channel the outbox trigger notifies at commit (migrations/0007_webhooks.sql); the worker's relay listens. */
export const WEBHOOK_OUTBOX_CHANNEL = 'rootwatch_webhook_outbox';

type WebhookRow = typeof webhooks.$inferSelect;
/** A webhook as the API shows it: never its secret. */
export type Webhook = Omit<WebhookRow, 'secretCiphertext'>;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect & { eventType: string; eventId: string };

const publicColumns = {
  id: webhooks.id,
  url: webhooks.url,
  events: webhooks.events,
  description: webhooks.description,
  severityAtLeast: webhooks.severityAtLeast,
  enabled: webhooks.enabled,
  disabledReason: webhooks.disabledReason,
  disabledAt: webhooks.disabledAt,
  createdBy: webhooks.createdBy,
  createdAt: webhooks.createdAt,
};

const deliveryColumns = {
  id: webhookDeliveries.id,
  webhookId: webhookDeliveries.webhookId,
  outboxId: webhookDeliveries.outboxId,
  subject: webhookDeliveries.subject,
  status: webhookDeliveries.status,
  attempts: webhookDeliveries.attempts,
  attemptLog: webhookDeliveries.attemptLog,
  lastStatusCode: webhookDeliveries.lastStatusCode,
  lastLatencyMs: webhookDeliveries.lastLatencyMs,
  lastError: webhookDeliveries.lastError,
  responseBody: webhookDeliveries.responseBody,
  nextAttemptAt: webhookDeliveries.nextAttemptAt,
  firstAttemptAt: webhookDeliveries.firstAttemptAt,
  deliveredAt: webhookDeliveries.deliveredAt,
  createdAt: webhookDeliveries.createdAt,
  eventType: webhookOutbox.type,
  eventId: webhookOutbox.eventId,
};

/** Webhook registrations and their delivery log (the API's side; the worker's is webhook-outbox.repository.ts). */
export function createWebhooksRepository({ db, secrets }: { db: Db; secrets: WebhookSecretBox }) {
  const deliveryById = async (webhookId: string, id: number) => {
    const [row] = await db
      .select(deliveryColumns)
      .from(webhookDeliveries)
      .innerJoin(webhookOutbox, eq(webhookOutbox.id, webhookDeliveries.outboxId))
      .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.id, id)));
    return (row as WebhookDelivery | undefined) ?? null;
  };
  /** Wakes the worker's relay, so a delivery made due here is sent now rather than at its next sweep. */
  const wakeRelay = () => db.execute(sql`SELECT pg_notify(${WEBHOOK_OUTBOX_CHANNEL}, '')`);

  return {
    /** Creates the webhook with a new signing secret, returned here and never again. */
    async create(input: {
      url: string;
      events: string[];
      description?: string | null;
      severityAtLeast?: string | null;
      createdBy?: string | null;
    }): Promise<{ webhook: Webhook; secret: string }> {
      const id = randomUUID();
      const secret = generateWebhookSecret();
      const [webhook] = await db
        .insert(webhooks)
        .values({
          id,
          url: input.url,
          events: input.events,
          description: input.description ?? null,
          severityAtLeast: input.severityAtLeast ?? null,
          createdBy: input.createdBy ?? null,
          secretCiphertext: secrets.seal(secret, id),
        })
        .returning(publicColumns);
      return { webhook: webhook!, secret };
    },

    async list(): Promise<Webhook[]> {
      return db.select(publicColumns).from(webhooks).orderBy(webhooks.createdAt, webhooks.id);
    },

    async get({ id }: { id: string }): Promise<Webhook | null> {
      const [row] = await db.select(publicColumns).from(webhooks).where(eq(webhooks.id, id));
      return row ?? null;
    },

    /** Deletes the webhook and its delivery log; true when it existed. */
    async delete({ id }: { id: string }): Promise<boolean> {
      const rows = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
      return rows.length > 0;
    },

    /**
     * Enables a webhook again (one a `410 Gone` disabled): it receives the events that occur from now on, and its
     * deliveries still pending resume. Null for an unknown webhook.
     */
    async enable({ id }: { id: string }): Promise<Webhook | null> {
      const [row] = await db
        .update(webhooks)
        .set({ enabled: true, disabledReason: null, disabledAt: null })
        .where(eq(webhooks.id, id))
        .returning(publicColumns);
      if (!row) return null;
      await wakeRelay();
      return row;
    },

    /** Newest first; `before` is the last id of the previous page. */
    async deliveries({
      webhookId,
      limit,
      before,
    }: {
      webhookId: string;
      limit: number;
      before?: number;
    }): Promise<WebhookDelivery[]> {
      return (await db
        .select(deliveryColumns)
        .from(webhookDeliveries)
        .innerJoin(webhookOutbox, eq(webhookOutbox.id, webhookDeliveries.outboxId))
        .where(
          and(
            eq(webhookDeliveries.webhookId, webhookId),
            before === undefined ? undefined : lt(webhookDeliveries.id, before),
          ),
        )
        .orderBy(desc(webhookDeliveries.id))
        .limit(limit)) as WebhookDelivery[];
    },

    delivery: ({ webhookId, id }: { webhookId: string; id: number }) => deliveryById(webhookId, id),

    /**
     * Sends the delivery again from now on, with a fresh 24 h retry window: the worker's sweep picks it up.
     * Its place among the subject's events stays that of its event, so it goes before any later pending one.
     */
    async retry({ webhookId, id }: { webhookId: string; id: number }): Promise<WebhookDelivery | null> {
      const rows = await db
        .update(webhookDeliveries)
        .set({ status: 'pending', nextAttemptAt: sql`now()`, firstAttemptAt: null, deliveredAt: null })
        .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.id, id)))
        .returning({ id: webhookDeliveries.id });
      if (rows.length === 0) return null;
      await wakeRelay();
      return deliveryById(webhookId, id);
    },

    /** A `webhook.test` event for this webhook alone, already fanned out (the worker's sweep sends it). */
    async sendTest({ webhookId }: { webhookId: string }): Promise<WebhookDelivery> {
      const id = await inTransaction(db, async (tx) => {
        const subject = `test/${randomUUID()}`;
        const [event] = await tx
          .insert(webhookOutbox)
          .values({
            type: 'webhook.test',
            subject,
            webhookId,
            payload: { webhook_id: webhookId, message: 'test event from Rootwatch' },
            relayedAt: sql`now()`,
          })
          .returning({ id: webhookOutbox.id });
        const [delivery] = await tx
          .insert(webhookDeliveries)
          .values({ webhookId, outboxId: event!.id, subject })
          .returning({ id: webhookDeliveries.id });
        return delivery!.id;
      });
      return (await deliveryById(webhookId, id))!;
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
export type { WebhookAttempt };

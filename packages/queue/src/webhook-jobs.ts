import { createHash } from 'node:crypto';
import { type ConnectionOptions, Queue } from 'bullmq';
import { closeQueue } from './redis-connections';

/** Webhook deliveries; a queue of their own so a slow receiver never delays scan jobs. */
export const WEBHOOK_QUEUE = 'rootwatch-webhook';

export const WEBHOOK_JOB_NAMES = { deliver: 'webhook.deliver' } as const;
export type WebhookJobName = (typeof WEBHOOK_JOB_NAMES)[keyof typeof WEBHOOK_JOB_NAMES];

/**
 * One job per lane, a (webhook, subject) pair: it sends the lane's pending events oldest first and stops at
 * the first that fails (retried with backoff), so a failing event holds back the later events of its subject
 * for that webhook, and nothing else. Payload: ids only; the events are read from Postgres.
 */
export interface WebhookDeliverPayload {
  webhookId: string;
  subject: string;
}

/**
 * Deterministic per lane: enqueueing a lane that already has a job waiting (or backing off) is a no-op.
 * Subjects may contain ':' (BullMQ's key separator), hence the hash.
 */
export function webhookJobId({ webhookId, subject }: WebhookDeliverPayload): string {
  return `wh-${webhookId}-${createHash('sha256').update(subject).digest('base64url').slice(0, 22)}`;
}

/**
 * Removed when done, so the next event of the lane can enqueue it again. A job that throws (Postgres away)
 * is retried a few times, then dropped: the relay's sweep enqueues its lane again from the database.
 */
export const webhookJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

export interface WebhookProducer {
  enqueue(lanes: WebhookDeliverPayload[]): Promise<void>;
  close(): Promise<void>;
}

export function createWebhookProducer({
  connection,
  prefix,
}: {
  connection: ConnectionOptions;
  prefix?: string;
}): WebhookProducer {
  const queue = new Queue(WEBHOOK_QUEUE, { connection, ...(prefix ? { prefix } : {}) });
  // Errors surface on the add calls; without a listener an 'error' event would crash the process.
  queue.on('error', () => {});
  return {
    async enqueue(lanes) {
      for (let i = 0; i < lanes.length; i += 500) {
        await queue.addBulk(
          lanes.slice(i, i + 500).map((lane) => ({
            name: WEBHOOK_JOB_NAMES.deliver,
            data: lane,
            opts: { ...webhookJobOptions, jobId: webhookJobId(lane) },
          })),
        );
      }
    },
    close: () => closeQueue(queue),
  };
}

import type { RootwatchConfig } from '@rootwatch/config';
import {
  createError,
  DEFAULT_WEBHOOK_RETRY,
  ERROR_CODES,
  type LookupAll,
  type WebhookRetryPolicy,
} from '@rootwatch/core';
import {
  createInstallSecretsRepository,
  createWebhookOutboxRepository,
  createWebhookSecretBox,
  type Database,
  WEBHOOK_SECRET_KEY_NAME,
} from '@rootwatch/db';
import {
  createWebhookProducer,
  redisConnection,
  WEBHOOK_JOB_NAMES,
  WEBHOOK_QUEUE,
  type WebhookDeliverPayload,
} from '@rootwatch/queue';
import { type ConnectionOptions, DelayedError, type Job, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { createInlineWebhookLanes } from './inline-webhook-lanes';
import { createWebhookDeliverHandler, type WebhookDataShaper } from './webhook.deliver';
import { relayPending, startWebhookRelay, type WebhookRelay } from './webhook-relay';
import { createWebhookSender } from './webhook-sender';

export type StartWebhookWorkerOptions = {
  config: RootwatchConfig;
  logger: Logger;
  database: Database;
  /** The API's resource shaping (@rootwatch/api/webhook-data's webhookData). */
  shapeData: WebhookDataShaper;
  connection?: ConnectionOptions;
  /** Redis key prefix (tests isolate themselves with one). */
  prefix?: string;
  /** Lanes sent at once (default config.webhooks.concurrency, 16). */
  concurrency?: number;
  retry?: WebhookRetryPolicy;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  pollIntervalMs?: number;
  sweepIntervalMs?: number;
  /** DNS resolution of receiver hosts (tests map names to addresses). */
  lookup?: LookupAll;
};

export type RunningWebhookWorker = {
  readonly worker: Worker;
  readonly relay: WebhookRelay;
  close(): Promise<void>;
};

/** Lanes sent at once: the option, else config.webhooks.concurrency, else 16. */
function laneConcurrency(options: Pick<StartWebhookWorkerOptions, 'concurrency' | 'config'>): number {
  return options.concurrency ?? options.config.webhooks?.concurrency ?? 16;
}

/** What both ways of delivering share: the outbox, and the delivery of one lane. */
async function webhookDelivery(options: InlineWebhookDeliveryOptions) {
  const key = await createInstallSecretsRepository({ db: options.database.db }).getOrCreate({
    name: WEBHOOK_SECRET_KEY_NAME,
  });
  const outbox = createWebhookOutboxRepository({
    db: options.database.db,
    secrets: createWebhookSecretBox(key),
  });
  const deliverLane = createWebhookDeliverHandler({
    outbox,
    sender: createWebhookSender({
      allowPrivate: options.config.webhooks?.allowPrivate ?? false,
      timeoutMs: options.timeoutMs,
      lookup: options.lookup,
    }),
    shapeData: options.shapeData,
    retry: options.retry ?? DEFAULT_WEBHOOK_RETRY,
    logger: options.logger,
  });
  return { outbox, deliverLane };
}

export type InlineWebhookDeliveryOptions = Omit<StartWebhookWorkerOptions, 'connection' | 'prefix'>;

export type InlineWebhookDelivery = {
  readonly relay: WebhookRelay;
  close(): Promise<void>;
};

/**
 * The push side of webhooks without Redis (`rootwatch demo` with the inline queue): the same outbox relay and
 * lane delivery as the worker's, with the lanes run in this process (inline-webhook-lanes.ts).
 */
export async function startInlineWebhookDelivery(
  options: InlineWebhookDeliveryOptions,
): Promise<InlineWebhookDelivery> {
  const { outbox, deliverLane } = await webhookDelivery(options);
  const lanes = createInlineWebhookLanes({
    deliverLane,
    laneDue: (lane) => outbox.laneDue(lane),
    concurrency: laneConcurrency(options),
    logger: options.logger,
  });
  const relay = await startWebhookRelay({
    database: options.database,
    outbox,
    producer: lanes,
    logger: options.logger,
    pollIntervalMs: options.pollIntervalMs,
    sweepIntervalMs: options.sweepIntervalMs,
  });
  options.logger.info('webhook delivery started (in process)');
  let closing: Promise<void> | undefined;
  return {
    relay,
    close() {
      closing ??= relay.close().then(() => lanes.close());
      return closing;
    },
  };
}

/**
 * One delivery pass for a process that exits when its work is done (`rootwatch scan --once` without a queue,
 * which no worker serves): relays every event not yet relayed, then sends each due lane's events in order until
 * its head fails or `deadline` (epoch ms) passes. A failed event stays pending with its next attempt recorded,
 * for a worker or the next pass. Nothing is relayed when another relay holds the outbox: that one delivers.
 */
export async function deliverWebhooksOnce(
  options: InlineWebhookDeliveryOptions & { deadline: number },
): Promise<{ lanes: number; delivered: number; waiting: number }> {
  const { outbox, deliverLane } = await webhookDelivery(options);
  // The relayed lanes are among the due ones read next.
  await relayPending(outbox, async () => {});
  const lanes = await outbox.dueLanes();
  let next = 0;
  let delivered = 0;
  let finished = 0;
  const sendLanes = async () => {
    while (next < lanes.length && Date.now() < options.deadline) {
      const result = await deliverLane(lanes[next++]!);
      delivered += result.delivered;
      if (result.done) finished += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(laneConcurrency(options), lanes.length) }, sendLanes));
  return { lanes: lanes.length, delivered, waiting: lanes.length - finished };
}

/** The push side of webhooks in a worker process: the outbox relay and the BullMQ delivery worker. */
export async function startWebhookWorker(options: StartWebhookWorkerOptions): Promise<RunningWebhookWorker> {
  const { config, logger, database } = options;
  const connection =
    options.connection ??
    (config.redisUrl
      ? redisConnection(config.redisUrl)
      : (() => {
          throw createError({ code: ERROR_CODES.redisRequired, message: 'webhook delivery needs REDIS_URL' });
        })());
  const { outbox, deliverLane } = await webhookDelivery(options);
  const producer = createWebhookProducer({ connection, prefix: options.prefix });
  const worker = new Worker(
    WEBHOOK_QUEUE,
    async (job: Job<WebhookDeliverPayload>, token?: string) => {
      if (job.name !== WEBHOOK_JOB_NAMES.deliver) return;
      const result = await deliverLane(job.data);
      if (result.done) return result.delivered;
      // The lane waits for its head's next attempt: the same job, delayed, so the lane's later events
      // (whose enqueue is a no-op while it exists) stay behind it. Not a failure: no attempt is used.
      await job.moveToDelayed(result.retryAt.getTime(), token);
      throw new DelayedError();
    },
    {
      connection,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      concurrency: laneConcurrency(options),
      // A request takes at most 10 s; a worker killed mid-lane gives it up after this.
      lockDuration: 30_000,
    },
  );
  worker.on('error', (error) => logger.warn({ err: error }, 'webhook worker connection error'));
  // An event relayed while its lane's job was finishing was enqueued as a no-op (the job still existed): look
  // once more when the job is gone, instead of leaving it to the sweep.
  worker.on('completed', (job: Job<WebhookDeliverPayload>) => {
    void outbox
      .laneDue(job.data)
      .then((due) => (due ? producer.enqueue([job.data]) : undefined))
      .catch(() => {});
  });
  worker.on('failed', (job, error) => {
    if (job) logger.warn({ jobId: job.id, message: error.message }, 'webhook lane job failed');
  });
  await worker.waitUntilReady();
  const relay = await startWebhookRelay({
    database,
    outbox,
    producer,
    logger,
    pollIntervalMs: options.pollIntervalMs,
    sweepIntervalMs: options.sweepIntervalMs,
  });
  logger.info({ queue: WEBHOOK_QUEUE }, 'webhook worker started');

  let closing: Promise<void> | undefined;
  return {
    worker,
    relay,
    close() {
      closing ??= (async () => {
        await relay.close();
        await worker.close();
        await producer.close();
      })();
      return closing;
    },
  };
}

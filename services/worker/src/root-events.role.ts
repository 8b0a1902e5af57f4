import { createEventsQueue } from '@rootwatch/aws';
import type { RootwatchConfig } from '@rootwatch/config';
import { createError } from '@rootwatch/core';
import { type Db, ScanAlreadyActiveError } from '@rootwatch/db';
import type { ScanProducer } from '@rootwatch/queue';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type RunningRootEventsConsumer, startRootEventsConsumer } from './root-events.consumer';

export interface RootEventsRoleOptions {
  config: RootwatchConfig;
  db: Db;
  logger: Logger;
  registry?: Registry;
  /** Starts the rescans root activity asks for; none = no rescan (the next scheduled scan catches up). */
  producer?: ScanProducer;
  /** Explicit credentials (the simulator's caller); the SDK default chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  queueUrl?: string;
}

/**
 * A rescan after root activity: a scan of that account only (trigger `event`); the debounce in
 * root_activity_rescans keeps it to one request per account per 5 minutes. An active org-wide run (or a
 * scoped one with this account) does the work already: the producer returns it. Another account's scoped
 * run holds the org's one active slot for seconds: the request waits for it, a bounded number of times,
 * then leaves the account to the next scheduled scan.
 */
export function createRootActivityRescanner({
  producer,
  logger,
  retryDelayMs = 2_000,
  attempts = 30,
}: {
  producer: ScanProducer;
  logger: Logger;
  retryDelayMs?: number;
  attempts?: number;
}) {
  return async ({ orgId, accountId }: { orgId: string; accountId: string }) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const run = await producer.startScan({ orgId, trigger: 'event', accountIds: [accountId] });
        logger.info({ orgId, accountId, runId: run.id }, 'rescan after root activity requested');
        return;
      } catch (err) {
        if (!(err instanceof ScanAlreadyActiveError)) throw err;
        if (attempt >= attempts) {
          logger.warn(
            { orgId, accountId },
            'organization busy with other scans; rescan left to the next scan',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs).unref());
      }
    }
  };
}

/** The `events` role as configured (ROOTWATCH_EVENTS_QUEUE_URL, AWS_REGION, AWS_ENDPOINT_URL). */
export function startRootEventsRole(options: RootEventsRoleOptions): RunningRootEventsConsumer {
  const { config, logger } = options;
  const queueUrl = options.queueUrl ?? config.events?.queueUrl;
  if (!queueUrl)
    throw createError({ code: 'events_queue_missing', message: 'ROOTWATCH_EVENTS_QUEUE_URL is not set' });
  const queue = createEventsQueue({
    queueUrl,
    region: config.aws.region,
    ...(config.aws.endpointUrl ? { endpoint: config.aws.endpointUrl } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const consumer = startRootEventsConsumer({
    db: options.db,
    queue,
    logger: logger.child({ role: 'events' }),
    registry: options.registry,
    waitSeconds: config.events?.waitSeconds ?? 20,
    ...(config.events?.receiveLoops ? { receiveLoops: config.events.receiveLoops } : {}),
    ...(options.producer
      ? { rescan: createRootActivityRescanner({ producer: options.producer, logger }) }
      : {}),
  });
  logger.info({ queueUrl }, 'consuming root activity events');
  return {
    async stop() {
      await consumer.stop();
      queue.destroy();
    },
  };
}

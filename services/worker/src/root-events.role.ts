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
 * Rescans after root activity: scans of the accounts concerned only (trigger `event`); the debounce in
 * root_activity_rescans keeps it to one request per account per 5 minutes. An active org-wide run (or a scoped
 * one with these accounts) does the work already: the producer returns it. An org has one active run at a time,
 * so requests are coalesced per organization: while a run holds the slot, the accounts asking accumulate and the
 * next run scans all of them — a burst of root activity over a thousand accounts becomes a few runs, not a
 * thousand queued ones. The slot is retried a bounded number of times in a row, then the accounts waiting are
 * left to the next scheduled scan. The returned promise settles when the account's request is started or
 * given up (never rejects: failures are logged here, once per attempt, not once per account).
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
  const waiting = new Map<string, Set<string>>();
  const draining = new Map<string, Promise<void>>();

  const drain = async (orgId: string, accounts: Set<string>) => {
    for (let attempt = 1; accounts.size > 0; attempt++) {
      const accountIds = [...accounts];
      try {
        const run = await producer.startScan({ orgId, trigger: 'event', accountIds });
        for (const id of accountIds) accounts.delete(id);
        logger.info(
          { orgId, accounts: accountIds.length, runId: run.id },
          'rescan after root activity requested',
        );
        attempt = 0;
      } catch (err) {
        if (!(err instanceof ScanAlreadyActiveError) || attempt >= attempts) {
          logger.warn(
            { err, orgId, accounts: accounts.size },
            'rescan after root activity not started; the accounts are left to the next scan',
          );
          accounts.clear();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs).unref());
      }
    }
  };

  const schedule = (orgId: string, accounts: Set<string>): Promise<void> => {
    let running = draining.get(orgId);
    if (!running) {
      running = drain(orgId, accounts).finally(() => {
        draining.delete(orgId);
        // An account added after the drain's last look (between its end and this callback) still gets its run.
        if (accounts.size > 0) void schedule(orgId, accounts);
        else waiting.delete(orgId);
      });
      draining.set(orgId, running);
    }
    return running;
  };

  return ({ orgId, accountId }: { orgId: string; accountId: string }): Promise<void> => {
    const accounts = waiting.get(orgId) ?? new Set<string>();
    waiting.set(orgId, accounts);
    accounts.add(accountId);
    return schedule(orgId, accounts);
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

import type { EventsQueue, QueueMessage } from '@rootwatch/aws';
import { parseRootActivityMessage, type RootActivityRejection } from '@rootwatch/core';
import { createRootActivityRepository, type Db, isDatabaseUnavailable } from '@rootwatch/db';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Why a delivery was not recorded; each is a `reason` label of rootwatch_root_events_rejected_total. */
export type RootEventRejection = RootActivityRejection | 'unknown_account' | 'duplicate';

export type RootEventOutcome =
  | { kind: 'recorded'; eventId: string; accountId: string }
  | { kind: 'rejected'; reason: RootEventRejection }
  | { kind: 'failed' };

export interface RootEventsConsumerOptions {
  db: Db;
  queue: EventsQueue;
  logger: Logger;
  /** Where the rootwatch_root_events_* metrics register (the role's /metrics registry). */
  registry?: Registry;
  /** Called after the commit when the debounce allows a rescan of the account (at most 1 per 5 min). */
  rescan?: (request: { orgId: string; accountId: string }) => Promise<void>;
  /** ReceiveMessage WaitTimeSeconds (EVENTS.md: 20). */
  waitSeconds?: number;
  /** Messages per ReceiveMessage (1–10). */
  maxMessages?: number;
  /** Pause after a failed receive or a database failure before polling again. */
  retryDelayMs?: number;
  rescanDebounceMs?: number;
  /** Sees every processed delivery (benchmarks, tests). */
  onOutcome?: (message: QueueMessage, outcome: RootEventOutcome) => void;
}

export interface RunningRootEventsConsumer {
  /** Stops polling; the batch in hand finishes (committed messages are deleted, failed ones come back). */
  stop(): Promise<void>;
}

export function createRootEventsMetrics(registry?: Registry) {
  const registers = registry ? [registry] : [];
  return {
    received: new Counter({
      name: 'rootwatch_root_events_received_total',
      help: 'SQS deliveries of the root-activity queue received by the events consumer.',
      registers,
    }),
    recorded: new Counter({
      name: 'rootwatch_root_events_recorded_total',
      help: 'Root activity events recorded (one per CloudTrail eventID), by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    rejected: new Counter({
      name: 'rootwatch_root_events_rejected_total',
      help: 'Deliveries not recorded, by reason (duplicates are deleted; the others are left for the DLQ).',
      labelNames: ['reason'] as const,
      registers,
    }),
    failed: new Counter({
      name: 'rootwatch_root_events_failed_total',
      help: 'Deliveries whose transaction failed (e.g. Postgres unreachable); left on the queue to come back.',
      registers,
    }),
    receiveErrors: new Counter({
      name: 'rootwatch_root_events_receive_errors_total',
      help: 'ReceiveMessage or DeleteMessageBatch calls that failed.',
      registers,
    }),
    rescans: new Counter({
      name: 'rootwatch_root_events_rescans_total',
      help: 'Account rescans requested by root activity (after the debounce).',
      registers,
    }),
    lag: new Histogram({
      name: 'rootwatch_root_events_lag_seconds',
      help: 'From the message reaching SQS to its activity being committed.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
  };
}

/**
 * The `events` role (EVENTS.md): long-polls the root-activity queue and records each message in one
 * Postgres transaction, deleting it only after the commit. A message that is not a root event of a known
 * account is counted and left alone, so SQS redrives it to the DLQ after maxReceiveCount; a duplicate
 * (already recorded: a redelivery after a crash between commit and delete) is deleted.
 */
export function startRootEventsConsumer(options: RootEventsConsumerOptions): RunningRootEventsConsumer {
  const { db, queue, logger, rescan, onOutcome } = options;
  const waitSeconds = options.waitSeconds ?? 20;
  const maxMessages = options.maxMessages ?? 10;
  const retryDelayMs = options.retryDelayMs ?? 2_000;
  const metrics = createRootEventsMetrics(options.registry);
  const repo = createRootActivityRepository({ db });
  const abort = new AbortController();
  let stopping = false;

  async function processOne(message: QueueMessage): Promise<RootEventOutcome> {
    const parsed = parseRootActivityMessage(message.body);
    if (!parsed.ok) return { kind: 'rejected', reason: parsed.reason };
    const { activity } = parsed;
    const result = await repo.record({
      activity: { ...activity, eventTime: new Date(activity.eventTime) },
      rescanDebounceMs: options.rescanDebounceMs,
    });
    if (result.status !== 'recorded') return { kind: 'rejected', reason: result.status };
    metrics.recorded.inc({ kind: activity.kind });
    metrics.lag.observe(Math.max(0, Date.now() - message.sentAt) / 1000);
    if (result.rescan && rescan) {
      metrics.rescans.inc();
      // After the commit: a failed request only delays the posture; the next scheduled scan catches up.
      rescan({ orgId: result.rescan.orgId, accountId: activity.accountId }).catch((err: unknown) =>
        logger.warn({ err, accountId: activity.accountId }, 'rescan request failed'),
      );
    }
    return { kind: 'recorded', eventId: activity.eventId, accountId: activity.accountId };
  }

  async function processSafely(message: QueueMessage): Promise<RootEventOutcome> {
    let outcome: RootEventOutcome;
    try {
      outcome = await processOne(message);
    } catch (err) {
      outcome = { kind: 'failed' };
      metrics.failed.inc();
      // The message is left in flight; it comes back after the visibility timeout.
      logger.error(
        {
          messageId: message.messageId,
          receiveCount: message.receiveCount,
          databaseUnavailable: isDatabaseUnavailable(err),
          err: { message: (err as Error).message },
        },
        'root event not recorded; left on the queue',
      );
    }
    if (outcome.kind === 'rejected') {
      metrics.rejected.inc({ reason: outcome.reason });
      if (outcome.reason !== 'duplicate')
        logger.warn(
          { messageId: message.messageId, reason: outcome.reason, receiveCount: message.receiveCount },
          'message is not a root event of a known account; left for the dead-letter queue',
        );
    }
    onOutcome?.(message, outcome);
    return outcome;
  }

  /**
   * The messages of a batch run concurrently, each in its own transaction: their reads overlap and only the
   * feed-locked writes queue up. The batch in hand always finishes, also on stop.
   */
  async function handleBatch(messages: QueueMessage[]): Promise<'ok' | 'failed'> {
    const outcomes = await Promise.all(messages.map(processSafely));
    const done = messages
      .filter((_, i) => {
        const o = outcomes[i]!;
        return o.kind === 'recorded' || (o.kind === 'rejected' && o.reason === 'duplicate');
      })
      .map((m) => m.receiptHandle);
    if (done.length > 0) {
      try {
        const refused = await queue.delete(done);
        if (refused.length > 0)
          logger.warn({ count: refused.length }, 'SQS refused some deletes; they will be duplicates');
      } catch (err) {
        metrics.receiveErrors.inc();
        // Recorded already: a redelivery is a duplicate and is deleted then.
        logger.warn({ err: { message: (err as Error).message } }, 'DeleteMessageBatch failed');
      }
    }
    return outcomes.some((o) => o.kind === 'failed') ? 'failed' : 'ok';
  }

  const loop = (async () => {
    while (!stopping) {
      let messages: QueueMessage[];
      try {
        messages = await queue.receive({ maxMessages, waitSeconds, signal: abort.signal });
      } catch (err) {
        if (stopping) break;
        metrics.receiveErrors.inc();
        logger.warn({ err: { message: (err as Error).message } }, 'ReceiveMessage failed; retrying');
        await pause(retryDelayMs, abort.signal);
        continue;
      }
      metrics.received.inc(messages.length);
      // A failed transaction (Postgres away): back off before polling again.
      if ((await handleBatch(messages)) === 'failed') await pause(retryDelayMs, abort.signal);
    }
  })();

  return {
    async stop() {
      stopping = true;
      abort.abort();
      await loop;
    },
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

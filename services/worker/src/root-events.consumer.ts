import type { EventsQueue, QueueMessage } from '@rootwatch/aws';
import { parseRootActivityMessage, type RootActivityRejection } from '@rootwatch/core';
import {
  createRootActivityRepository,
  type Db,
  isDatabaseUnavailable,
  type RecordRootActivityResult,
  type RootActivityInput,
} from '@rootwatch/db';
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
  /** ReceiveMessage calls in flight at once (default DEFAULT_RECEIVE_LOOPS), each followed by its batch. */
  receiveLoops?: number;
  /** Pause after a failed receive or a database failure before polling again. */
  retryDelayMs?: number;
  rescanDebounceMs?: number;
  /** Sees every processed delivery (benchmarks, tests). */
  onOutcome?: (message: QueueMessage, outcome: RootEventOutcome) => void;
}

/**
 * Receive loops of one consumer: enough that a batch is always ready when the previous one commits (the
 * batch transactions queue on the feed lock anyway), few enough to leave the database pool to the others.
 */
export const DEFAULT_RECEIVE_LOOPS = 4;

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
  const receiveLoops = Math.max(1, options.receiveLoops ?? DEFAULT_RECEIVE_LOOPS);
  const metrics = createRootEventsMetrics(options.registry);
  const repo = createRootActivityRepository({ db });
  const abort = new AbortController();
  let stopping = false;

  function logFailure(err: unknown, messages: number) {
    metrics.failed.inc(messages);
    logger.error(
      {
        messages,
        databaseUnavailable: isDatabaseUnavailable(err),
        err: { message: (err as Error).message },
      },
      'root events not recorded; left on the queue',
    );
  }

  /** Per-message outcome of a received batch: parsed here, recorded in ONE transaction by the repository. */
  async function recordBatch(messages: QueueMessage[]): Promise<RootEventOutcome[]> {
    const outcomes: RootEventOutcome[] = [];
    const valid: { index: number; activity: RootActivityInput }[] = [];
    messages.forEach((message, index) => {
      const parsed = parseRootActivityMessage(message.body);
      if (!parsed.ok) outcomes[index] = { kind: 'rejected', reason: parsed.reason };
      else
        valid.push({
          index,
          activity: { ...parsed.activity, eventTime: new Date(parsed.activity.eventTime) },
        });
    });
    if (valid.length === 0) return outcomes;
    const activities = valid.map((v) => v.activity);
    let results: (RecordRootActivityResult | 'failed')[];
    try {
      results = await repo.recordBatch({ activities, rescanDebounceMs: options.rescanDebounceMs });
    } catch (err) {
      if (isDatabaseUnavailable(err) || valid.length === 1) {
        // Nothing of the batch committed: its parsable messages are left in flight and come back after
        // the visibility timeout; the malformed ones keep their own outcome.
        logFailure(err, valid.length);
        results = valid.map(() => 'failed');
      } else {
        // A message the parser accepted but Postgres refuses (e.g. a NUL in a field) must not take its batch
        // with it to the DLQ: each is tried alone, and only the refused one stays on the queue.
        logger.warn(
          { err: { message: (err as Error).message } },
          'batch refused; recording its messages one by one',
        );
        results = await Promise.all(
          activities.map((activity) =>
            repo.record({ activity, rescanDebounceMs: options.rescanDebounceMs }).catch((e: unknown) => {
              logFailure(e, 1);
              return 'failed' as const;
            }),
          ),
        );
      }
    }
    const committedAt = Date.now();
    valid.forEach(({ index, activity }, i) => {
      const result = results[i]!;
      if (result === 'failed') {
        outcomes[index] = { kind: 'failed' };
        return;
      }
      if (result.status !== 'recorded') {
        outcomes[index] = { kind: 'rejected', reason: result.status };
        return;
      }
      metrics.recorded.inc({ kind: activity.kind });
      metrics.lag.observe(Math.max(0, committedAt - messages[index]!.sentAt) / 1000);
      if (result.rescan && rescan) {
        metrics.rescans.inc();
        // After the commit: a failed request only delays the posture; the next scheduled scan catches up.
        rescan({ orgId: result.rescan.orgId, accountId: activity.accountId }).catch((err: unknown) =>
          logger.warn({ err, accountId: activity.accountId }, 'rescan request failed'),
        );
      }
      outcomes[index] = { kind: 'recorded', eventId: activity.eventId, accountId: activity.accountId };
    });
    return outcomes;
  }

  /**
   * One transaction per received batch; only its committed messages (and duplicates, recorded before) are
   * deleted, in one DeleteMessageBatch. The batch in hand always finishes, also on stop.
   */
  async function handleBatch(messages: QueueMessage[]): Promise<'ok' | 'failed'> {
    const outcomes = await recordBatch(messages);
    const done: string[] = [];
    messages.forEach((message, i) => {
      const outcome = outcomes[i]!;
      if (outcome.kind === 'rejected') {
        metrics.rejected.inc({ reason: outcome.reason });
        if (outcome.reason !== 'duplicate')
          logger.warn(
            { messageId: message.messageId, reason: outcome.reason, receiveCount: message.receiveCount },
            'message is not a root event of a known account; left for the dead-letter queue',
          );
      }
      if (outcome.kind === 'recorded' || (outcome.kind === 'rejected' && outcome.reason === 'duplicate'))
        done.push(message.receiptHandle);
      onOutcome?.(message, outcome);
    });
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

  async function receiveLoop() {
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
      if (messages.length === 0) continue;
      metrics.received.inc(messages.length);
      // A failed transaction (Postgres away): back off before polling again.
      if ((await handleBatch(messages)) === 'failed') await pause(retryDelayMs, abort.signal);
    }
  }

  // Several receives in flight: one loop's batch commits while the others long-poll or parse, so the feed
  // lock (held by one batch transaction at a time) is the only queue.
  const loops = Promise.all(Array.from({ length: receiveLoops }, receiveLoop));

  return {
    async stop() {
      stopping = true;
      abort.abort();
      await loops;
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

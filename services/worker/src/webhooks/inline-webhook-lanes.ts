import { type WebhookDeliverPayload, webhookJobId } from '@rootwatch/queue';
import type { Logger } from 'pino';
import type { WebhookLaneResult } from './webhook.deliver';

export type InlineWebhookLanesOptions = {
  deliverLane: (lane: WebhookDeliverPayload) => Promise<WebhookLaneResult>;
  /** Whether the lane's head is due (an event relayed while the lane ran). */
  laneDue: (lane: WebhookDeliverPayload) => Promise<boolean>;
  /** Lanes sent at once. */
  concurrency: number;
  logger: Logger;
  /** A lane whose run threw (the database away) is tried again after this. Default 5 s. */
  errorDelayMs?: number;
};

/**
 * Webhook lanes run in this process, for `rootwatch demo` without Redis: what the BullMQ delivery job does, with
 * the same rules within the process. One run per lane at a time (an enqueue of a lane already queued, running
 * or waiting is a no-op, as a job id is in BullMQ); a lane whose head failed waits until its retry time; at most
 * `concurrency` lanes at once. Nothing is lost on a crash: the deliveries are rows, and the relay's sweep
 * enqueues every lane whose head is due when the process starts again.
 */
export function createInlineWebhookLanes(options: InlineWebhookLanesOptions) {
  const { deliverLane, laneDue, concurrency, logger } = options;
  const errorDelayMs = options.errorDelayMs ?? 5_000;
  // The lanes known here: queued or running (no timer), or waiting for their retry time (its timer).
  const lanes = new Map<string, ReturnType<typeof setTimeout> | undefined>();
  const queued: WebhookDeliverPayload[] = [];
  let running = 0;
  let closed = false;
  let drained: (() => void) | undefined;

  const enqueue = (payloads: readonly WebhookDeliverPayload[]) => {
    for (const lane of payloads) {
      const key = webhookJobId(lane);
      if (closed || lanes.has(key)) continue;
      lanes.set(key, undefined);
      queued.push(lane);
    }
    pump();
  };

  const pump = () => {
    while (!closed && running < concurrency && queued.length > 0) {
      const lane = queued.shift()!;
      running += 1;
      void run(lane).finally(() => {
        running -= 1;
        if (running === 0) drained?.();
        pump();
      });
    }
  };

  const run = async (lane: WebhookDeliverPayload) => {
    const key = webhookJobId(lane);
    let retryAt: number | undefined;
    try {
      const result = await deliverLane(lane);
      if (!result.done) retryAt = result.retryAt.getTime();
    } catch (error) {
      logger.warn({ err: error, webhookId: lane.webhookId }, 'webhook lane failed; trying again later');
      retryAt = Date.now() + errorDelayMs;
    }
    if (closed) return;
    if (retryAt !== undefined) {
      const timer = setTimeout(
        () => {
          lanes.delete(key);
          enqueue([lane]);
        },
        Math.max(0, retryAt - Date.now()),
      );
      timer.unref();
      lanes.set(key, timer);
      return;
    }
    lanes.delete(key);
    // An event relayed while this lane ran was not enqueued (the lane was busy): look once more.
    if (await laneDue(lane).catch(() => false)) enqueue([lane]);
  };

  return {
    async enqueue(payloads: readonly WebhookDeliverPayload[]): Promise<void> {
      enqueue(payloads);
    },
    /** Stops taking lanes, cancels the waiting ones and resolves when the running ones have finished. */
    async close(): Promise<void> {
      closed = true;
      for (const timer of lanes.values()) if (timer) clearTimeout(timer);
      lanes.clear();
      queued.length = 0;
      if (running > 0) await new Promise<void>((resolve) => (drained = resolve));
    },
  };
}

import { webhookWantsEvent } from '@rootwatch/core';
import {
  type Database,
  WEBHOOK_OUTBOX_CHANNEL,
  type WebhookLane,
  type WebhookOutboxRepository,
} from '@rootwatch/db';
import type { WebhookProducer } from '@rootwatch/queue';
import type { Logger } from 'pino';

/** What the relay uses of a pooled node-postgres client (the worker does not depend on pg's types). */
type PoolClient = {
  query(text: string): Promise<unknown>;
  release(destroy?: boolean): void;
  on(event: 'notification' | 'error', listener: () => void): unknown;
};

export type WebhookRelayOptions = {
  database: Database;
  outbox: Pick<WebhookOutboxRepository, 'relay' | 'dueLanes'>;
  producer: Pick<WebhookProducer, 'enqueue'>;
  logger: Logger;
  /** Polling when no notification arrives (a lost one, PGlite): 1 s. */
  pollIntervalMs?: number;
  /** How often lanes whose head is due are enqueued again (a job lost, or skipped while its lane's was active). */
  sweepIntervalMs?: number;
};

export type WebhookRelay = {
  /** One pass now: fan out what the outbox holds, then sweep if due. Resolves when done. */
  tick(options?: { sweep?: boolean }): Promise<void>;
  close(): Promise<void>;
};

/**
 * Relays every outbox event not yet relayed, a batch at a time, handing `onLanes` the lanes each batch gave a
 * delivery. Stops at once when another relay holds the outbox (that one relays).
 */
export async function relayPending(
  outbox: Pick<WebhookOutboxRepository, 'relay'>,
  onLanes: (lanes: WebhookLane[]) => Promise<void>,
): Promise<void> {
  for (;;) {
    const result = await outbox.relay({ wants: webhookWantsEvent });
    if (!result) return;
    if (result.lanes.length > 0) await onLanes(result.lanes);
    // A batch under the repository's limit (500) was the last.
    if (result.events < 500) return;
  }
}

/**
 * Moves outbox events to delivery jobs: fans each out to the webhooks that want it (webhook_deliveries,
 * in one transaction with marking it relayed) and enqueues the lanes that got one. Woken at commit by the
 * outbox trigger's NOTIFY, and by a timer. A crash between the commit and the enqueue loses nothing: the
 * sweep enqueues every lane whose head is due.
 */
export async function startWebhookRelay(options: WebhookRelayOptions): Promise<WebhookRelay> {
  const { database, outbox, producer, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
  let closed = false;
  let running: Promise<void> | undefined;
  let again: { sweep: boolean } | undefined;
  let lastSweep = 0;

  const pass = async ({ sweep }: { sweep: boolean }) => {
    await relayPending(outbox, (lanes) => producer.enqueue(lanes));
    if (sweep || Date.now() - lastSweep >= sweepIntervalMs) {
      lastSweep = Date.now();
      const lanes = await outbox.dueLanes();
      if (lanes.length > 0) await producer.enqueue(lanes);
    }
  };

  // One pass at a time; a wake-up during a pass runs one more pass after it (none is lost, none piles up).
  const tick = (request: { sweep?: boolean } = {}): Promise<void> => {
    if (closed) return Promise.resolve();
    if (running) {
      again = { sweep: (again?.sweep ?? false) || (request.sweep ?? false) };
      return running;
    }
    running = pass({ sweep: request.sweep ?? false })
      .catch((error) => logger.warn({ err: error }, 'webhook relay pass failed; retrying on the next tick'))
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          const next = again;
          again = undefined;
          void tick(next);
        }
      });
    return running;
  };

  let listener: PoolClient | undefined;
  const listen = async () => {
    if (database.driver !== 'pg' || listener || closed) return;
    try {
      const client: PoolClient = await database.pool.connect();
      client.on('notification', () => void tick({ sweep: true }));
      client.on('error', () => {
        // The connection is gone: drop it; the next timer tick listens again.
        if (listener === client) listener = undefined;
        client.release(true);
      });
      await client.query(`LISTEN ${WEBHOOK_OUTBOX_CHANNEL}`);
      listener = client;
    } catch (error) {
      logger.warn({ err: error }, 'webhook relay cannot LISTEN; polling only');
    }
  };

  await listen();
  const timer = setInterval(() => {
    void listen();
    void tick();
  }, pollIntervalMs);
  timer.unref();
  void tick({ sweep: true });

  return {
    tick,
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      if (listener) {
        const client = listener;
        listener = undefined;
        await client.query(`UNLISTEN ${WEBHOOK_OUTBOX_CHANNEL}`).catch(() => {});
        client.release();
      }
    },
  };
}

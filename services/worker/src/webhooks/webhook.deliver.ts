import { type WebhookRetryPolicy, webhookRetryDelayMs } from '@rootwatch/core';
import type { WebhookLane, WebhookLaneHead, WebhookOutboxRepository } from '@rootwatch/db';
import type { Logger } from 'pino';
import type { WebhookSender } from './webhook-sender';
import { signWebhook } from './webhook-signer';

/**
 * Shapes an outbox snapshot (the row as to_jsonb saw it) into the `data` of the event: the API's resource
 * JSON. It lives beside the API's mappers (@rootwatch/api/webhook-data) and is passed in, so the worker
 * does not depend on the API package.
 */
export type WebhookDataShaper = (type: string, snapshot: Record<string, unknown>) => unknown;

export type WebhookLaneResult =
  | { done: true; delivered: number }
  /** The head failed: the lane waits until then (the job is delayed, not failed). */
  | { done: false; delivered: number; retryAt: Date };

export type WebhookDeliverDeps = {
  outbox: Pick<WebhookOutboxRepository, 'laneHead' | 'recordAttempt' | 'disable'>;
  sender: WebhookSender;
  shapeData: WebhookDataShaper;
  retry: WebhookRetryPolicy;
  logger: Logger;
  now?: () => Date;
};

/** The body of an event: `{ type, timestamp, data }` (Standard Webhooks' recommended envelope). */
export function webhookBody(
  head: Pick<WebhookLaneHead, 'type' | 'createdAt' | 'payload'>,
  shape: WebhookDataShaper,
) {
  return JSON.stringify({
    type: head.type,
    timestamp: head.createdAt.toISOString(),
    data: shape(head.type, head.payload),
  });
}

/**
 * Sends a lane's pending events oldest first. 2xx: delivered, next event. 410: the endpoint asked to be
 * forgotten, the webhook is disabled. Anything else (3xx included: no redirects) is retried with backoff,
 * holding back the lane's later events, until 24 h after its first attempt; then it is given up and the
 * next event goes.
 */
export function createWebhookDeliverHandler(deps: WebhookDeliverDeps) {
  const { outbox, sender, shapeData, retry, logger } = deps;
  const now = deps.now ?? (() => new Date());
  return async (lane: WebhookLane): Promise<WebhookLaneResult> => {
    let delivered = 0;
    for (;;) {
      const head = await outbox.laneHead(lane);
      if (!head) return { done: true, delivered };
      if (head.nextAttemptAt.getTime() > now().getTime()) {
        return { done: false, delivered, retryAt: head.nextAttemptAt };
      }
      const at = now();
      let body: string;
      try {
        body = webhookBody(head, shapeData);
      } catch (error) {
        // A snapshot the API cannot shape will never succeed: record it, do not block the lane on it.
        await outbox.recordAttempt({
          deliveryId: head.deliveryId,
          at,
          status: 'failed',
          statusCode: null,
          latencyMs: 0,
          error: `cannot build the event body: ${(error as Error).message}`,
          responseBody: null,
        });
        continue;
      }
      const headers = signWebhook({ secret: head.secret, msgId: `msg_${head.eventId}`, at, body });
      const result = await sender.send({ url: head.url, headers, body });
      const attempt = {
        deliveryId: head.deliveryId,
        at,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseBody: result.responseBody,
      };
      const code = result.statusCode;
      if (code !== null && code >= 200 && code < 300) {
        await outbox.recordAttempt({ ...attempt, status: 'delivered', error: null });
        delivered++;
        continue;
      }
      if (code === 410) {
        const reason = 'the endpoint answered 410 Gone';
        await outbox.recordAttempt({ ...attempt, status: 'failed', error: `${reason}; webhook disabled` });
        await outbox.disable({ webhookId: lane.webhookId, reason });
        logger.warn({ webhookId: lane.webhookId }, 'webhook disabled: its endpoint answered 410 Gone');
        return { done: true, delivered };
      }
      const error = result.error ?? `HTTP ${code}`;
      const firstAt = head.firstAttemptAt ?? at;
      const retryAt = new Date(at.getTime() + webhookRetryDelayMs(head.attempts + 1, retry));
      if (retryAt.getTime() - firstAt.getTime() > retry.retryWindowMs) {
        await outbox.recordAttempt({
          ...attempt,
          status: 'failed',
          error: `${error}; given up after the retry window`,
        });
        logger.warn(
          { webhookId: lane.webhookId, deliveryId: head.deliveryId, error },
          'webhook delivery given up',
        );
        continue;
      }
      await outbox.recordAttempt({ ...attempt, status: 'pending', nextAttemptAt: retryAt, error });
      logger.debug(
        { webhookId: lane.webhookId, deliveryId: head.deliveryId, attempt: head.attempts + 1, error },
        'webhook delivery failed; retrying with backoff',
      );
      return { done: false, delivered, retryAt };
    }
  };
}

import type { ConnectionOptions } from 'bullmq';

// Reconnect at most 2 s apart: BullMQ's default backs off to 20 s, which would keep scans and schedules
// stopped for up to 20 s after a Redis that was down for a minute is back.
const reconnectDelayMs = (attempt: number) => Math.min(250 * attempt, 2_000);

/**
 * For BullMQ workers, whose blocking commands must wait through a Redis restart: maxRetriesPerRequest null
 * (BullMQ requires it of workers) and the offline queue on, so nothing a worker does fails because Redis blinked.
 */
export function redisConnection(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null, retryStrategy: reconnectDelayMs };
}

/** Bounds of a connection that must fail fast (an HTTP request or a periodic check is waiting on it). */
export type FailFastOptions = {
  /** A command not answered within this time rejects (a Redis that accepts but does not answer). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
};

/**
 * For producers and readers that someone is waiting on (POST /v1/scans, /metrics, the scheduler's checks):
 * BullMQ's "failing fast when Redis is down" pattern, enableOfflineQueue false, so a command sent while the
 * connection is down rejects at once instead of waiting for a reconnection
 * (https://docs.bullmq.io/patterns/failing-fast-when-redis-is-down). Queues (unlike workers) hold no
 * blocking connection, so BullMQ keeps maxRetriesPerRequest and commandTimeout as given.
 */
export function failFastRedisConnection(
  url: string,
  { commandTimeoutMs = 2_000, connectTimeoutMs = 2_000 }: FailFastOptions = {},
): ConnectionOptions {
  return {
    url,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    retryStrategy: reconnectDelayMs,
  };
}

/**
 * Closes a BullMQ queue even while Redis is down: close() sends QUIT, which a fail-fast connection refuses
 * when it is not connected ("Stream isn't writeable"); then the socket is simply dropped.
 */
export async function closeQueue(queue: { close(): Promise<void>; disconnect(): Promise<void> }) {
  try {
    await queue.close();
  } catch {
    await queue.disconnect().catch(() => {});
  }
}

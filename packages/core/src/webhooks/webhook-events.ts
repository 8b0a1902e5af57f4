/**
 * The event types a webhook can subscribe to. Each is written to the outbox by a Postgres trigger in the
 * transaction of the change it describes (migrations/0007_webhooks.sql) and shaped into the API's resource
 * JSON at delivery. A new type (such as `root.activity` from root_activity)
 * needs three things: its name here, a trigger (or job) that writes `webhook_outbox`, and a shaper in the
 * API's webhook-data.ts.
 */
export const WEBHOOK_EVENT_TYPES = [
  'finding.opened',
  'finding.resolved',
  'finding.updated',
  'drift.event',
  'scan.completed',
  'exception.expiring',
  'root.activity',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only by POST /v1/webhooks/{id}/test, to that webhook alone; nobody subscribes to it. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

// Drift events may also be `info` (the database's severity list), below every control severity.
const SEVERITY_RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** `drift.event` subscriptions may ask for a minimum severity; other types ignore it. */
export function webhookWantsEvent(
  webhook: { events: readonly string[]; severityAtLeast: string | null },
  event: { type: string; severity?: string | null },
): boolean {
  if (!webhook.events.includes(event.type)) return false;
  if (event.type !== 'drift.event' || !webhook.severityAtLeast) return true;
  const rank = SEVERITY_RANK[event.severity ?? ''];
  const floor = SEVERITY_RANK[webhook.severityAtLeast];
  return rank !== undefined && floor !== undefined && rank >= floor;
}

export interface WebhookRetryPolicy {
  /** First retry delay; each later one doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A delivery still failing this long after its first attempt is given up (24 h). */
  retryWindowMs: number;
}

// 5 s doubling to an hourly ceiling: a receiver down for a minute gets its events within ~1 min of coming
// back, one down for a day is still tried every hour, about 30 attempts in all over the 24 h window.
export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = {
  baseDelayMs: 5_000,
  maxDelayMs: 3_600_000,
  retryWindowMs: 86_400_000,
};

/** Delay before attempt `attempts + 1`, with equal jitter so many failing endpoints do not retry together. */
export function webhookRetryDelayMs(
  attempts: number,
  policy: Pick<WebhookRetryPolicy, 'baseDelayMs' | 'maxDelayMs'> = DEFAULT_WEBHOOK_RETRY,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

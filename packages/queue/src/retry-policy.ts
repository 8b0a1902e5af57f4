import type { ScanJobName } from './scan-jobs';

export interface RetryPolicy {
  /** Attempts per job kind, the first run included. */
  attempts: Record<ScanJobName, number>;
  baseDelayMs: number;
  maxDelayMs: number;
}

// Eight account attempts with 1 s doubling (capped at 60 s) ride out ~2 min of throttling or a
// database outage; a run that keeps failing longer than that has a real problem to report.
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: { 'scan.start': 6, 'scan.account': 8, 'scan.finalize': 10 },
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
};

/**
 * Exponential backoff with "equal jitter": half the doubled delay is fixed, half random,
 * so retries of many throttled accounts spread out instead of arriving together.
 */
export function retryDelayMs(
  attemptsMade: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'> = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** The BullMQ backoff type name whose strategy is `retryDelayMs` (registered by the worker). */
export const BACKOFF_TYPE = 'rootwatch-jitter';

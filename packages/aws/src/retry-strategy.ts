import { DefaultRateLimiter } from '@smithy/core/retry';

/** The SDK's RetryStrategyV2 shape (@smithy/types), as much of it as the retry middleware calls. */
export interface ClientRetryStrategy {
  mode: string;
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

interface RetryErrorInfo {
  errorType: 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

export interface RetryStrategyOptions {
  /** Attempts of a call that fails transiently (5xx, timeouts): the SDK's default, 3. */
  maxAttempts: number;
  /** Attempts of a call AWS keeps throttling: more, since waiting is what throttling asks for. */
  maxThrottledAttempts: number;
  /**
   * Lower the client's send rate when throttled (default true). Only for long-lived clients that make
   * many calls: the limiter learns from the client's own measured rate, so a short-lived client (one
   * member session's handful of IAM reads) would fall to its floor of 0.5 requests/s on one throttle.
   */
  adaptive?: boolean;
  /** Longest wait between two attempts (the SDK's cap, 20 s). */
  maxDelayMs?: number;
  random?: () => number;
}

// The SDK's backoff bases (AWS-WIRE.md "SDK retries"): 100 ms, 500 ms for throttling.
const BASE_DELAY_MS = 100;
const THROTTLING_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

/**
 * The SDK's adaptive mode without its retry quota. Both standard and adaptive mode spend a client-wide
 * quota of 500 tokens, 5 per retry, and refuse any retry once it is empty — so sustained throttling
 * (Organizations' TooManyRequestsException at a few requests per second) empties it and every later
 * throttled call fails on its first attempt: discovery of a large org then fails. Throttling asks the
 * caller to slow down, not to give up: here a throttled call is retried with backoff up to
 * `maxThrottledAttempts`, and the client's send rate is lowered by the SDK's own adaptive rate limiter
 * (CUBIC: cut on throttling, grown back on success), so the retries do not keep the service throttled.
 * One strategy per client, i.e. per (service, caller) or member session: what a throttled service
 * teaches slows that service down only.
 */
export function createRetryStrategy(options: RetryStrategyOptions): ClientRetryStrategy {
  const limiter = options.adaptive === false ? null : new DefaultRateLimiter();
  const random = options.random ?? Math.random;
  const maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS;
  const token = (count: number, delay: number): RetryToken => ({
    getRetryCount: () => count,
    getRetryDelay: () => delay,
  });
  return {
    mode: 'adaptive',
    async acquireInitialRetryToken() {
      await limiter?.getSendToken();
      return token(0, 0);
    },
    async refreshRetryTokenForRetry(previous, errorInfo) {
      limiter?.updateClientSendingRate(errorInfo);
      const throttled = errorInfo.errorType === 'THROTTLING';
      const attempts = previous.getRetryCount() + 1;
      const max = throttled ? options.maxThrottledAttempts : options.maxAttempts;
      // CLIENT_ERROR (4xx other than throttling) is an answer, not a hiccup: never retried.
      if (errorInfo.errorType === 'CLIENT_ERROR' || attempts >= max) throw new Error('no retry');
      // Full jitter: concurrent callers throttled together do not come back together.
      const base = throttled ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
      let delay = Math.min(maxDelayMs, Math.floor(random() * base * 2 ** attempts));
      const hint = errorInfo.retryAfterHint ? errorInfo.retryAfterHint.getTime() - Date.now() : 0;
      if (hint > delay) delay = Math.min(maxDelayMs, hint);
      await limiter?.getSendToken();
      return token(attempts, delay);
    },
    recordSuccess() {
      limiter?.updateClientSendingRate({});
    },
  };
}

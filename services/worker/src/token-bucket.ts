import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucket {
  /** Waits until a request may be sent. */
  take(): Promise<void>;
  /** Requests waiting for a token now. */
  waiting(): number;
  /** Tokens granted per second now. */
  rate(): number;
  /**
   * Changes the rate (a worker's share of a budget shared with other processes); the burst follows it,
   * so the processes' bursts together never exceed one budget's.
   */
  setRate(ratePerSecond: number): void;
}

/**
 * One AWS request budget (see request-budgets.ts for how they are keyed). Waiters are served in arrival order so a burst of
 * accounts cannot starve an older one; one second of tokens may be spent at once.
 */
export function createTokenBucket({
  ratePerSecond,
  burst = ratePerSecond,
  now = () => performance.now(),
}: {
  ratePerSecond: number;
  burst?: number;
  now?: () => number;
}): TokenBucket {
  let rate = ratePerSecond;
  const burstSeconds = burst / ratePerSecond;
  let capacity = burst;
  let tokens = burst;
  let last = now();
  const queue: (() => void)[] = [];
  let timer: Promise<void> | null = null;

  const refill = () => {
    const t = now();
    tokens = Math.min(capacity, tokens + ((t - last) * rate) / 1000);
    last = t;
  };

  const drain = () => {
    refill();
    while (queue.length > 0 && tokens >= 1) {
      tokens -= 1;
      queue.shift()!();
    }
    if (queue.length > 0 && !timer) {
      const waitMs = Math.max(1, Math.ceil(((1 - tokens) * 1000) / rate));
      timer = sleep(waitMs).then(() => {
        timer = null;
        drain();
      });
    }
  };

  return {
    take() {
      refill();
      if (queue.length === 0 && tokens >= 1) {
        tokens -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        queue.push(resolve);
        drain();
      });
    },
    waiting: () => queue.length,
    rate: () => rate,
    setRate(next) {
      if (!(next > 0) || next === rate) return;
      // Tokens earned so far at the old rate; from now on at the new one.
      refill();
      rate = next;
      // At least one token of capacity, or a share below 1/s could never send.
      capacity = Math.max(1, next * burstSeconds);
      tokens = Math.min(tokens, capacity);
    },
  };
}

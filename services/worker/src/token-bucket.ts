import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucket {
  /** Waits until a request may be sent. */
  take(): Promise<void>;
  /** Requests waiting for a token now. */
  waiting(): number;
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
  let tokens = burst;
  let last = now();
  const queue: (() => void)[] = [];
  let timer: Promise<void> | null = null;

  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) * ratePerSecond) / 1000);
    last = t;
  };

  const drain = () => {
    refill();
    while (queue.length > 0 && tokens >= 1) {
      tokens -= 1;
      queue.shift()!();
    }
    if (queue.length > 0 && !timer) {
      const waitMs = Math.max(1, Math.ceil(((1 - tokens) * 1000) / ratePerSecond));
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
  };
}

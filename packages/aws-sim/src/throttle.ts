export interface TokenBucket {
  /** Takes one token; false when the caller must be throttled. */
  take(now: number): boolean;
}

/** Refills `ratePerSecond` tokens a second up to a one-second burst; rate 0 means unlimited. */
export function createTokenBucket(ratePerSecond: number): TokenBucket {
  if (ratePerSecond <= 0) return { take: () => true };
  const capacity = Math.max(1, ratePerSecond);
  let tokens = capacity;
  let last = -1;
  return {
    take(now) {
      if (last >= 0) tokens = Math.min(capacity, tokens + ((now - last) / 1000) * ratePerSecond);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

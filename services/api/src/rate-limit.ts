import type { Redis } from 'ioredis';

export type RateLimitResult = { allowed: boolean; remaining: number; resetMs: number; limit: number };

export interface RateLimiter {
  hit(key: string, now?: number): Promise<RateLimitResult>;
  close(): Promise<void>;
}

export type RateLimitOptions = {
  /** Requests allowed per key per window. */
  max: number;
  windowMs: number;
};

// Fixed windows: one INCR per request, and the key expires by itself with the window.
const INCR_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

/** What the Redis limiter reports about its fallback (read by /metrics). */
export type RateLimiterHealth = {
  /** True while Redis is unreachable and limits are counted per process. */
  degraded: boolean;
  /** Requests limited in process memory because Redis was unreachable. */
  fallbackHits: number;
};

export type RedisRateLimiter = RateLimiter & { health(): RateLimiterHealth };

export type RedisRateLimiterOptions = RateLimitOptions & {
  redis: Redis;
  /** Told once when an outage starts and once when it ends (not per request). */
  onDegraded?(error: Error): void;
  onRecovered?(): void;
  /** While degraded, Redis is tried again at most this often (default 5,000 ms); other requests go to memory. */
  probeIntervalMs?: number;
};

/**
 * Shared by every API replica, so a key's budget does not multiply with the replica count. When Redis is
 * unreachable it counts in process memory instead (each replica then allows `max`): a rate limiter must not
 * turn a cache outage into an API outage.
 */
export function createRedisRateLimiter({
  redis,
  max,
  windowMs,
  onDegraded,
  onRecovered,
  probeIntervalMs = 5_000,
}: RedisRateLimiterOptions): RedisRateLimiter {
  const memory = createMemoryRateLimiter({ max, windowMs });
  let degraded = false;
  let nextProbe = 0;
  let fallbackHits = 0;

  const inMemory = (key: string, now: number) => {
    fallbackHits++;
    return memory.hit(key, now);
  };

  const fallBack = (key: string, now: number, error: Error) => {
    nextProbe = now + probeIntervalMs;
    if (!degraded) {
      degraded = true;
      onDegraded?.(error);
    }
    return inMemory(key, now);
  };

  return {
    async hit(key, now = Date.now()) {
      if (degraded && now < nextProbe) return inMemory(key, now);
      // Not connected: the client would reject at once (no offline queue); skipping it saves the throw.
      if (redis.status !== 'ready')
        return fallBack(key, now, new Error(`Redis connection is ${redis.status}`));
      const window = Math.floor(now / windowMs);
      let count: number;
      try {
        count = Number(await redis.eval(INCR_SCRIPT, 1, `rootwatch:ratelimit:${key}:${window}`, windowMs));
      } catch (error) {
        return fallBack(key, now, error as Error);
      }
      if (degraded) {
        degraded = false;
        onRecovered?.();
      }
      const resetMs = (window + 1) * windowMs - now;
      return { allowed: count <= max, remaining: Math.max(0, max - count), resetMs, limit: max };
    },
    health: () => ({ degraded, fallbackHits }),
    async close() {
      await memory.close();
    },
  };
}

/**
 * Counts per key in fixed windows of `windowMs`, in process memory. Once more than `maxKeys` keys are held,
 * the entries of past windows are dropped.
 */
function createWindowCounts(windowMs: number, maxKeys: number) {
  const windows = new Map<string, { window: number; count: number }>();
  const windowOf = (now: number) => Math.floor(now / windowMs);
  const current = (key: string, now: number) => {
    const entry = windows.get(key);
    return entry && entry.window === windowOf(now) ? entry : undefined;
  };
  return {
    resetMs: (now: number) => (windowOf(now) + 1) * windowMs - now,
    count: (key: string, now: number) => current(key, now)?.count ?? 0,
    increment(key: string, now: number): number {
      const entry = current(key, now) ?? { window: windowOf(now), count: 0 };
      entry.count++;
      windows.set(key, entry);
      if (windows.size > maxKeys) {
        for (const [k, v] of windows) if (v.window !== entry.window) windows.delete(k);
      }
      return entry.count;
    },
    size: () => windows.size,
    clear: () => windows.clear(),
  };
}

export function createMemoryRateLimiter({ max, windowMs }: RateLimitOptions): RateLimiter {
  const counts = createWindowCounts(windowMs, 10_000);
  return {
    async hit(key, now = Date.now()) {
      const count = counts.increment(key, now);
      return {
        allowed: count <= max,
        remaining: Math.max(0, max - count),
        resetMs: counts.resetMs(now),
        limit: max,
      };
    },
    async close() {
      counts.clear();
    },
  };
}

/**
 * Per client address, before authentication: counts requests that presented no valid API key, and once an
 * address has spent `max` in a window answers its further requests without looking at their key. A storm of
 * bad keys then costs neither a database read nor a hash per request. Valid requests are not counted, so
 * clients sharing an address (behind a NAT or a proxy that is not trusted) are not limited by each other's
 * normal traffic.
 */
export function createPreAuthLimiter({ max, windowMs }: RateLimitOptions) {
  const counts = createWindowCounts(windowMs, 100_000);
  return {
    /** Whether this address may still try to authenticate, and when its window resets. */
    check(address: string, now = Date.now()): { allowed: boolean; resetMs: number } {
      return { allowed: counts.count(address, now) < max, resetMs: counts.resetMs(now) };
    },
    recordFailure(address: string, now = Date.now()) {
      counts.increment(address, now);
      // Bounded memory under a spread of addresses: past windows went first; if that was not enough, all.
      if (counts.size() > 100_000) counts.clear();
    },
  };
}

export type PreAuthLimiter = ReturnType<typeof createPreAuthLimiter>;

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

/** Shared by every API replica, so a key's budget does not multiply with the replica count. */
export function createRedisRateLimiter({
  redis,
  max,
  windowMs,
}: RateLimitOptions & { redis: Redis }): RateLimiter {
  return {
    async hit(key, now = Date.now()) {
      const window = Math.floor(now / windowMs);
      const count = Number(
        await redis.eval(INCR_SCRIPT, 1, `rootwatch:ratelimit:${key}:${window}`, windowMs),
      );
      const resetMs = (window + 1) * windowMs - now;
      return { allowed: count <= max, remaining: Math.max(0, max - count), resetMs, limit: max };
    },
    async close() {},
  };
}

export function createMemoryRateLimiter({ max, windowMs }: RateLimitOptions): RateLimiter {
  const windows = new Map<string, { window: number; count: number }>();
  return {
    async hit(key, now = Date.now()) {
      const window = Math.floor(now / windowMs);
      const current = windows.get(key);
      const entry = current && current.window === window ? current : { window, count: 0 };
      entry.count++;
      windows.set(key, entry);
      if (windows.size > 10_000) {
        for (const [k, v] of windows) if (v.window !== window) windows.delete(k);
      }
      const resetMs = (window + 1) * windowMs - now;
      return { allowed: entry.count <= max, remaining: Math.max(0, max - entry.count), resetMs, limit: max };
    },
    async close() {
      windows.clear();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * How much of a budget shared with other worker processes this process may spend. AWS limits
 * AssumeRole and Organizations per calling account, whatever the number of processes calling: each
 * process spends `1 / (processes spending that budget)` of it.
 */
export interface BudgetShares {
  /** This process's fraction (0, 1] of the budget `key` now. Called per AWS request: local only. */
  shareOf(key: string): number;
  /** Records that this process spends `key` (it is counted among its spenders from the next beat). */
  use(key: string): void;
  /** Live worker processes at the last beat (1 before any). */
  liveWorkers(): number;
  /** Shares of the budgets this process spent recently, by key (metrics, logs). */
  snapshot(): Record<string, number>;
  /** One beat now, then one every interval. Resolves after the first (failed or not). */
  start(): Promise<void>;
  /** Stops beating and leaves every count, so the other processes take the whole budgets at once. */
  stop(): Promise<void>;
}

export interface BudgetSharesOptions {
  /**
   * A connection that fails fast when Redis is away (enableOfflineQueue false, a commandTimeout):
   * a beat that cannot reach Redis keeps the last shares, it never waits.
   */
  redis: Redis;
  /** Redis key prefix: the processes sharing budgets use the same one (the queue's). */
  prefix?: string;
  logger?: Logger;
  /** How often counts are refreshed. */
  intervalMs?: number;
  /** A process that has not beaten for this long is no longer counted (it died or stopped spending). */
  ttlMs?: number;
  /** This process's name in the counts (unique per process). */
  workerId?: string;
}

export const DEFAULT_SHARE_INTERVAL_MS = 1000;
export const DEFAULT_SHARE_TTL_MS = 3000;

// One round trip per beat, on Redis's own clock (the workers' clocks may disagree). KEYS[1] counts the
// live workers, KEYS[2..] one budget each; ARGV: worker id, ttl, then per budget '1' (this worker spends
// it: count it) or '0' (read the count only). Each key expires by itself once nobody beats on it.
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local counts = {}
for i, key in ipairs(KEYS) do
  if i == 1 or ARGV[i + 1] == '1' then
    redis.call('ZADD', key, now + ttl, ARGV[1])
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  redis.call('PEXPIRE', key, ttl * 2)
  counts[i] = redis.call('ZCARD', key)
end
return counts
`;

/**
 * Budget shares by heartbeat: every interval each worker process counts itself, in one Lua call, among
 * the live workers and among the spenders of each budget it used within the ttl, and reads the counts
 * back. A process that dies is forgotten once its entries expire (ttl after its last beat); one that
 * cannot reach Redis keeps its last shares; one that starts without Redis spends whole budgets until
 * its first beat (it gets no jobs without Redis anyway). The hot path (every AWS request) only reads the last counts from memory.
 *
 * Why heartbeats rather than a token bucket in Redis: no Redis round trip per AWS call nor per batch of
 * tokens, and Redis being away changes nothing (the last shares stay). Why per budget and not per
 * process: discovery runs in one process; counting only the processes that spend a budget gives it the
 * whole Organizations budget while the others are idle.
 */
export function createBudgetShares(options: BudgetSharesOptions): BudgetShares {
  const { redis, logger } = options;
  const prefix = `${options.prefix ?? 'rootwatch'}:budget`;
  const intervalMs = options.intervalMs ?? DEFAULT_SHARE_INTERVAL_MS;
  const ttlMs = options.ttlMs ?? DEFAULT_SHARE_TTL_MS;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const workersKey = `${prefix}:workers`;

  let live = 0;
  /** Spenders of each budget at the last beat that read it. */
  const counts = new Map<string, number>();
  /** Budgets this process was counted among the spenders of at the last successful beat. */
  let counted = new Set<string>();
  /**
   * When each budget was last used here. A budget used within the ttl is counted at every beat, so a
   * process spending it steadily never drops out between two requests; one that stopped spending it
   * drops out within two ttls and the others grow.
   */
  const lastUse = new Map<string, number>();
  const clock = () => performance.now();
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const beat = async (): Promise<void> => {
    const since = clock() - ttlMs;
    const spending = new Set([...lastUse].filter(([, at]) => at >= since).map(([k]) => k));
    const keys = [...new Set([...counts.keys(), ...spending])];
    try {
      const result = (await redis.eval(
        BEAT,
        keys.length + 1,
        workersKey,
        ...keys.map((k) => `${prefix}:${k}`),
        workerId,
        ttlMs,
        ...keys.map((k) => (spending.has(k) ? '1' : '0')),
      )) as number[];
      const before = live;
      live = result[0]!;
      for (const [i, k] of keys.entries()) counts.set(k, result[i + 1]!);
      counted = spending;
      if (before !== live) logger?.info({ liveWorkers: live }, 'AWS budgets: worker processes sharing them');
    } catch (error) {
      // Redis away or slow: the last shares stay.
      logger?.debug(
        { message: (error as Error).message },
        'AWS budgets: beat failed; keeping the last shares',
      );
    }
  };

  const beatNow = (): Promise<void> => {
    if (beating) {
      again = true;
      return beating;
    }
    beating = beat().finally(() => {
      beating = undefined;
      if (again && !stopped) {
        again = false;
        void beatNow();
      }
    });
    return beating;
  };

  const shareOf = (key: string): number => {
    const n = counts.get(key);
    // Counted at the last beat: n includes this process.
    if (n !== undefined && counted.has(key)) return 1 / Math.max(1, n);
    // Known but not counted yet (it spends again): the others and this one.
    if (n !== undefined) return 1 / (n + 1);
    // Never seen: as many spenders as live workers, until the next beat (started at once) says.
    return 1 / Math.max(1, live);
  };

  return {
    shareOf,
    use(key) {
      const fresh = !lastUse.has(key);
      lastUse.set(key, clock());
      // A budget this process spends for the first time is counted at once rather than at the next tick.
      if (fresh && !stopped && timer) void beatNow();
    },
    liveWorkers: () => Math.max(1, live),
    snapshot: () => {
      const since = clock() - ttlMs;
      return Object.fromEntries([...lastUse].filter(([, at]) => at >= since).map(([k]) => [k, shareOf(k)]));
    },
    async start() {
      stopped = false;
      // A fail-fast connection refuses commands until it is ready: give it one interval to connect.
      if (redis.status !== 'ready') {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(wait);
            redis.off('ready', done);
            resolve();
          };
          const wait = setTimeout(done, intervalMs);
          redis.once('ready', done);
        });
      }
      await beatNow();
      timer = setInterval(() => void beatNow(), intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      // An in-flight beat is not awaited: with Redis hung it would hold the shutdown for its timeout.
      const keys = [workersKey, ...[...counts.keys()].map((k) => `${prefix}:${k}`)];
      await Promise.all(keys.map((key) => redis.zrem(key, workerId))).catch(() => {
        // Redis away: the entries expire by themselves within ttlMs.
      });
    },
  };
}

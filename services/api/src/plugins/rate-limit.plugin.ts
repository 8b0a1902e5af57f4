import type { Redis } from 'ioredis';
import { rateLimited } from '../errors';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
  type RateLimitOptions,
  type RedisRateLimiter,
} from '../rate-limit';
import { sharedPlugin } from './shared-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis limiter when limits are shared across replicas (/metrics reports its fallback state). */
    sharedRateLimiter: RedisRateLimiter | undefined;
  }
}

export type RateLimitPluginOptions = {
  /** Per API key; `false` disables limiting. */
  rateLimit: RateLimitOptions | false;
  /** Present: limits are counted in Redis, shared by every replica. */
  redis?: Redis;
};

/**
 * Counts each authenticated request against its key's budget and answers 429 past it. Registered after the
 * auth plugin: its hook runs once the key is known (request.principal).
 */
export const rateLimitPlugin = sharedPlugin<RateLimitPluginOptions>(
  { name: 'rootwatch-rate-limit', dependencies: ['rootwatch-auth'] },
  async (app, { rateLimit, redis }) => {
    const shared =
      rateLimit !== false && redis
        ? createRedisRateLimiter({
            redis,
            ...rateLimit,
            onDegraded: (error) =>
              app.log.warn(
                { err: error },
                'rate limiter: Redis unreachable; API keys are limited per process until it is back',
              ),
            onRecovered: () => app.log.info('rate limiter: Redis is back; limits are shared again'),
          })
        : undefined;
    const limiter: RateLimiter | undefined =
      rateLimit === false ? undefined : (shared ?? createMemoryRateLimiter(rateLimit));
    app.decorate('sharedRateLimiter', shared);
    if (!limiter) return;

    app.addHook('onRequest', async (request, reply) => {
      if (request.principal === undefined) return; // a public route
      const result = await limiter.hit(request.principal.keyId);
      void reply.header('RateLimit-Limit', result.limit);
      void reply.header('RateLimit-Remaining', result.remaining);
      void reply.header('RateLimit-Reset', Math.ceil(result.resetMs / 1000));
      if (!result.allowed) {
        const retryAfter = Math.max(1, Math.ceil(result.resetMs / 1000));
        void reply.header('Retry-After', retryAfter);
        throw rateLimited(retryAfter);
      }
    });
    app.addHook('onClose', async () => {
      await limiter.close();
    });
  },
);

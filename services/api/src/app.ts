import {
  registerAjvFormats,
  type TypeBoxTypeProvider,
  TypeBoxValidatorCompiler,
} from '@fastify/type-provider-typebox';
import type { RootwatchConfig } from '@rootwatch/config';
import type { Database } from '@rootwatch/db';
import Fastify, { type FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { ApiError } from './errors';
import type { Logger } from './logger';
import type { ScanCounterSource } from './metrics';
import { authPlugin } from './plugins/auth.plugin';
import { cursorsPlugin } from './plugins/cursors.plugin';
import { databasePlugin } from './plugins/database.plugin';
import { errorResponsesPlugin } from './plugins/error-responses.plugin';
import { etagPlugin } from './plugins/etag.plugin';
import { metricsPlugin } from './plugins/metrics.plugin';
import { openapiPlugin } from './plugins/openapi.plugin';
import { rateLimitPlugin } from './plugins/rate-limit.plugin';
import { responseCachePlugin } from './plugins/response-cache.plugin';
import { accountRoutes } from './routes/accounts';
import { controlRoutes } from './routes/controls';
import { driftEventRoutes } from './routes/drift-events';
import { exceptionRoutes } from './routes/exceptions';
import { exportRoutes } from './routes/export';
import { findingRoutes } from './routes/findings';
import { healthRoutes } from './routes/health';
import { type RemediationQueue, remediationRoutes } from './routes/remediations';
import { rootActivityRoutes } from './routes/root-activity';
import { type ScanStarter, scanRoutes } from './routes/scans';
import { summaryRoutes } from './routes/summary';
import { trendRoutes } from './routes/trend';
import { webhookRoutes } from './routes/webhooks';
import type { ResponseCacheOptions } from './single-flight-response-cache';

export type { AuthDecision } from './plugins/auth.plugin';
export type { ScanStarter } from './routes/scans';

export type BuildAppOptions = {
  database: Database;
  config: RootwatchConfig;
  logger: Logger;
  /** The scan producer; without it POST /v1/scans answers 503. */
  queue?: ScanStarter;
  /** The remediation producer; without it POST /v1/remediations/{id}/apply answers 503. */
  remediationQueue?: RemediationQueue;
  /** When set: rate limits shared across replicas, and /ready checks it. */
  redis?: Redis;
  /**
   * Key of the cursor HMAC, the same on every replica and across restarts so stored feed cursors stay valid.
   * Absent: a random per-process key (cursors die with the process) and a warning.
   */
  cursorSecret?: string | Buffer;
  /** Per API key; `false` disables limiting. Default 1,200 requests a minute. */
  rateLimit?: { max: number; windowMs: number } | false;
  /**
   * Per client address, before authentication: requests without a valid key allowed per window (default
   * config.api.preAuthLimitPerMinute, else 60 a minute); `false` disables it.
   */
  preAuthLimit?: { max: number; windowMs: number } | false;
  authCacheTtlMs?: number;
  /** How long an unknown or revoked key prefix is answered 401 without a database read (default 10,000 ms). */
  authNegativeCacheTtlMs?: number;
  /** How long /metrics reuses its aggregate counts (default 15,000 ms). */
  metricsAggregateTtlMs?: number;
  queueDepth?: () => Promise<Record<string, number>>;
  metricsRegistries?: Registry[];
  /** The worker's counters when it runs in this process (AWS calls/throttles/errors, accounts by outcome). */
  scanCounters?: ScanCounterSource;
  collectDefaultMetrics?: boolean;
  /**
   * Caches of serialized list responses (single-flight-response-cache.ts): full drift pages until evicted (64 MiB), the
   * accounts list, account history, findings feed and a drift page not yet full for `ttlMs` (default 1,000;
   * 0 disables). A client sees a write at most `ttlMs` late.
   */
  responseCache?: ResponseCacheOptions;
};

let formatsRegistered = false;

/**
 * The API: one plugin per concern, each decorating the app with what it provides (database, cursors, response
 * cache, auth, rate limits, metrics), then the routes, each handed only what it declares it uses.
 */
export async function buildApp(options: BuildAppOptions) {
  if (!formatsRegistered) {
    registerAjvFormats();
    formatsRegistered = true;
  }
  const { database, config, logger } = options;
  const app = Fastify({
    loggerInstance: logger,
    // X-Forwarded-For is believed only from configured proxies (ROOTWATCH_TRUST_PROXY): otherwise any client
    // could pick the address its pre-authentication budget is counted under.
    trustProxy: trustProxyOption(config.api.trustProxy),
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors(_error, _request, reply) {
      void (reply as FastifyReply)
        .code(400)
        .send({ error: { code: 'bad_request', message: 'the request URL is malformed' } });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  // Order matters: a plugin uses the decorators of those before it, the auth hook runs before the rate
  // limiter's, and the auth plugin's onRoute hook must see every route (Swagger UI's included) first.
  await app.register(databasePlugin, { database });
  await app.register(cursorsPlugin, { cursorSecret: options.cursorSecret });
  await app.register(responseCachePlugin, { responseCache: options.responseCache });
  await app.register(authPlugin, {
    authCacheTtlMs: options.authCacheTtlMs,
    authNegativeCacheTtlMs: options.authNegativeCacheTtlMs,
    preAuthLimit: options.preAuthLimit ?? {
      max: config.api.preAuthLimitPerMinute ?? 60,
      windowMs: 60_000,
    },
  });
  await app.register(rateLimitPlugin, {
    rateLimit: options.rateLimit ?? { max: 1200, windowMs: 60_000 },
    redis: options.redis,
  });
  await app.register(metricsPlugin, {
    queueDepth: options.queueDepth,
    registries: options.metricsRegistries,
    scanCounters: options.scanCounters,
    collectDefaults: options.collectDefaultMetrics,
    aggregateTtlMs: options.metricsAggregateTtlMs,
  });
  await app.register(etagPlugin);
  await app.register(errorResponsesPlugin);
  await app.register(openapiPlugin);

  const { db, repos, aggregates, cursors, responseCache: responses } = app;
  await app.register(healthRoutes, { database, aggregates, redis: options.redis });
  await app.register(
    async (v1) => {
      await v1.register(summaryRoutes, { repos, aggregates });
      await v1.register(controlRoutes);
      await v1.register(accountRoutes, { repos, cursors, responses });
      await v1.register(driftEventRoutes, { repos, cursors, responses });
      await v1.register(findingRoutes, { repos, cursors, responses });
      await v1.register(trendRoutes, { aggregates });
      await v1.register(scanRoutes, { repos, cursors, config, queue: options.queue });
      await v1.register(exportRoutes, { repos });
      await v1.register(webhookRoutes, { cursors, config, db });
      await v1.register(exceptionRoutes, { repos, cursors, db });
      await v1.register(rootActivityRoutes, { repos, cursors, responses });
      await v1.register(remediationRoutes, {
        repos,
        cursors,
        config,
        db,
        remediationQueue: options.remediationQueue,
      });
    },
    { prefix: '/v1' },
  );
  return app;
}

export type RootwatchApp = Awaited<ReturnType<typeof buildApp>>;

/** Fastify trusts the nth hop for a number at runtime but does not type it: the same rule as a function. */
function trustProxyOption(trust: RootwatchConfig['api']['trustProxy']) {
  if (typeof trust !== 'number') return trust ?? false;
  return (_address: string, hop: number) => hop < trust;
}

export type { ApiError };

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  registerAjvFormats,
  type TypeBoxTypeProvider,
  TypeBoxValidatorCompiler,
} from '@fastify/type-provider-typebox';
import type { RootwatchConfig } from '@rootwatch/config';
import { isRootwatchError, type RootwatchError } from '@rootwatch/core';
import {
  createAggregatesRepository,
  createInstallSecretsRepository,
  createRepositories,
  type Database,
  isDatabaseUnavailable,
  type ScanTrigger,
} from '@rootwatch/db';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { type ApiKeyScope, hasScope } from './api-keys/api-keys';
import { type Authenticator, createAuthenticator, type Principal } from './authenticator';
import { type CursorCodec, createCursorCodec } from './cursor-codec';
import { type ApiError, forbidden, rateLimited, tooManyUnauthenticated } from './errors';
import { etagOf, matchesEtag } from './etag';
import type { Logger } from './logger';
import { createMetrics, type Metrics, type ScanCounterSource } from './metrics';
import {
  createMemoryRateLimiter,
  createPreAuthLimiter,
  createRedisRateLimiter,
  type RateLimiter,
  type RedisRateLimiter,
} from './rate-limit';
import { accountRoutes } from './routes/accounts';
import { controlRoutes } from './routes/controls';
import { driftEventRoutes } from './routes/drift-events';
import { exceptionRoutes } from './routes/exceptions';
import { exportRoutes } from './routes/export';
import { findingRoutes } from './routes/findings';
import { healthRoutes } from './routes/health';
import { type RemediationQueue, remediationRoutes } from './routes/remediations';
import { rootActivityRoutes } from './routes/root-activity';
import { scanRoutes } from './routes/scans';
import { summaryRoutes } from './routes/summary';
import { trendRoutes } from './routes/trend';
import { webhookRoutes } from './routes/webhooks';
import {
  createResponseCache,
  type ResponseCache,
  type ResponseCacheOptions,
} from './single-flight-response-cache';

/** Who may call a route: `public`, or an API key holding the scope (`admin` implies every scope). */
export type AuthDecision = 'public' | ApiKeyScope;

/** What POST /v1/scans needs from the queue package's producer. */
export type ScanStarter = {
  startScan(input: { orgId: string; trigger: ScanTrigger }): Promise<{ id: string }>;
};

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

export type AppDeps = {
  database: Database;
  config: RootwatchConfig;
  repos: ReturnType<typeof createRepositories>;
  queries: ReturnType<typeof createAggregatesRepository>;
  queue?: ScanStarter;
  remediationQueue?: RemediationQueue;
  redis?: Redis;
  cursors: CursorCodec;
  metrics: Metrics;
  authenticator: Authenticator;
  responses: ResponseCache;
  /** Every route with its auth decision, as registered (the security tests check it against their table). */
  routes: { method: string; url: string; auth: AuthDecision }[];
};

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
  interface FastifyContextConfig {
    auth?: AuthDecision;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

let formatsRegistered = false;

// Swagger UI serves its own static routes; they expose nothing the public /openapi.json does not.
const UNAUTHENTICATED_PLUGIN_PREFIX = '/docs';

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

  const queries = createAggregatesRepository({ db: database.db });
  // Shared by every replica through the database, so a stored cursor survives restarts and load balancing.
  const cursorSecret =
    options.cursorSecret ??
    (await createInstallSecretsRepository({ db: database.db }).getOrCreate({ name: 'api-cursor-hmac' }));
  const responses = createResponseCache(options.responseCache);
  const authenticator = createAuthenticator({
    db: database.db,
    cacheTtlMs: options.authCacheTtlMs,
    negativeCacheTtlMs: options.authNegativeCacheTtlMs,
  });
  const limiterOptions =
    options.rateLimit === undefined ? { max: 1200, windowMs: 60_000 } : options.rateLimit;
  const redisLimiter: RedisRateLimiter | undefined =
    limiterOptions !== false && options.redis
      ? createRedisRateLimiter({
          redis: options.redis,
          ...limiterOptions,
          onDegraded: (error) =>
            logger.warn(
              { err: error },
              'rate limiter: Redis unreachable; API keys are limited per process until it is back',
            ),
          onRecovered: () => logger.info('rate limiter: Redis is back; limits are shared again'),
        })
      : undefined;
  const limiter: RateLimiter | undefined =
    limiterOptions === false ? undefined : (redisLimiter ?? createMemoryRateLimiter(limiterOptions));
  const preAuthOptions = options.preAuthLimit ?? {
    max: config.api.preAuthLimitPerMinute ?? 60,
    windowMs: 60_000,
  };
  const preAuth = preAuthOptions === false ? undefined : createPreAuthLimiter(preAuthOptions);
  const metrics = createMetrics({
    queries,
    responseCache: responses,
    queueDepth: options.queueDepth,
    registries: options.metricsRegistries,
    scanCounters: options.scanCounters,
    collectDefaults: options.collectDefaultMetrics ?? true,
    rateLimiter: redisLimiter,
    aggregateTtlMs: options.metricsAggregateTtlMs,
  });

  const routes: AppDeps['routes'] = [];
  app.decorate('deps', {
    database,
    config,
    repos: createRepositories({ db: database.db }),
    queries,
    queue: options.queue,
    remediationQueue: options.remediationQueue,
    redis: options.redis,
    cursors: createCursorCodec({ secret: cursorSecret }),
    metrics,
    authenticator,
    responses,
    routes,
  } satisfies AppDeps);
  app.decorateRequest('principal', undefined);

  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (route.url.startsWith(UNAUTHENTICATED_PLUGIN_PREFIX)) {
      route.schema = { ...route.schema, hide: true };
      for (const method of methods) routes.push({ method, url: route.url, auth: 'public' });
      return;
    }
    const auth = route.config?.auth;
    if (auth === undefined) {
      throw new Error(`route ${route.method} ${route.url} has no auth decision (config.auth)`);
    }
    for (const method of methods) routes.push({ method, url: route.url, auth });
    if (auth !== 'public') {
      route.schema = {
        ...route.schema,
        security: [{ apiKey: [] }],
        description:
          `${route.schema?.description ?? ''}\n\nRequires scope \`${auth}\` (or \`admin\`).`.trim(),
      };
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const auth = request.routeOptions.config.auth;
    if (auth === undefined || auth === 'public') return;
    if (preAuth) {
      const gate = preAuth.check(request.ip);
      if (!gate.allowed) {
        const retryAfter = Math.max(1, Math.ceil(gate.resetMs / 1000));
        void reply.header('Retry-After', retryAfter);
        throw tooManyUnauthenticated(retryAfter);
      }
    }
    let principal: Principal;
    try {
      principal = await authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      if (isRootwatchError(error) && error.statusCode === 401) preAuth?.recordFailure(request.ip);
      throw error;
    }
    request.principal = principal;
    if (!hasScope(principal.scopes, auth)) throw forbidden(auth);
    if (limiter) {
      const result = await limiter.hit(principal.keyId);
      void reply.header('RateLimit-Limit', result.limit);
      void reply.header('RateLimit-Remaining', result.remaining);
      void reply.header('RateLimit-Reset', Math.ceil(result.resetMs / 1000));
      if (!result.allowed) {
        const retryAfter = Math.max(1, Math.ceil(result.resetMs / 1000));
        void reply.header('Retry-After', retryAfter);
        throw rateLimited(retryAfter);
      }
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
  });

  app.addHook('onSend', async (request, reply, payload) => etag(request, reply, payload));

  app.setErrorHandler((error: FastifyError | RootwatchError, request, reply) => {
    const { status, body } = errorBody(error);
    if (body.error.code === 'database_unavailable') {
      // Every request fails alike while Postgres is unreachable: a short line, not a stack per request.
      request.log.warn(
        { route: request.routeOptions.url, err: { message: error.message } },
        'database unavailable',
      );
      void reply.header('Retry-After', '5');
    } else if (status >= 500) {
      request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    }
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: 'no such route' } }),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rootwatch API',
        version: '1.0.0',
        description:
          'Root-user posture of every account of your AWS Organizations: summary, accounts, history, drift feed, findings, trend and scans.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (rw_…) created with `rootwatch api-keys create`.',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes);
  await app.register(
    async (v1) => {
      await v1.register(summaryRoutes);
      await v1.register(controlRoutes);
      await v1.register(accountRoutes);
      await v1.register(driftEventRoutes);
      await v1.register(findingRoutes);
      await v1.register(trendRoutes);
      await v1.register(scanRoutes);
      await v1.register(exportRoutes);
      await v1.register(webhookRoutes);
      await v1.register(exceptionRoutes);
      await v1.register(rootActivityRoutes);
      await v1.register(remediationRoutes);
    },
    { prefix: '/v1' },
  );

  app.addHook('onClose', async () => {
    await limiter?.close();
  });
  return app;
}

export type RootwatchApp = Awaited<ReturnType<typeof buildApp>>;

/** Fastify trusts the nth hop for a number at runtime but does not type it: the same rule as a function. */
function trustProxyOption(trust: RootwatchConfig['api']['trustProxy']) {
  if (typeof trust !== 'number') return trust ?? false;
  return (_address: string, hop: number) => hop < trust;
}

function errorBody(error: FastifyError | RootwatchError): {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
} {
  // Errors of our packages carry a stable code and a message written for clients; without a status (or with a
  // 5xx other than 503) they are internal and fall through to 500.
  if (
    isRootwatchError(error) &&
    error.statusCode !== undefined &&
    (error.statusCode < 500 || error.statusCode === 503)
  ) {
    return {
      status: error.statusCode,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      },
    };
  }
  const fastifyError = error as FastifyError & { validation?: { instancePath?: string; message?: string }[] };
  if (fastifyError.validation) {
    return {
      status: 400,
      body: {
        error: {
          code: 'invalid_request',
          message: `invalid ${fastifyError.validationContext ?? 'request'}`,
          details: fastifyError.validation.slice(0, 10).map((issue) => ({
            path: `${fastifyError.validationContext ?? ''}${issue.instancePath ?? ''}`,
            message: issue.message ?? 'invalid',
          })),
        },
      },
    };
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, body: { error: { code: 'bad_request', message: fastifyError.message } } };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      body: {
        error: { code: 'database_unavailable', message: 'the database is unreachable; retry shortly' },
      },
    };
  }
  return { status: 500, body: { error: { code: 'internal_error', message: 'internal error' } } };
}

function etag(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  if (request.method !== 'GET' || reply.statusCode !== 200) return payload;
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  // A cached response carries the ETag computed once when it was stored (single-flight-response-cache.ts).
  const set = reply.getHeader('ETag');
  const tag = typeof set === 'string' ? set : etagOf(payload);
  void reply.header('ETag', tag);
  if (!reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'private, no-cache');
  const ifNoneMatch = request.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && matchesEtag(ifNoneMatch, tag)) {
    void reply.code(304);
    reply.removeHeader('Content-Length');
    return '';
  }
  return payload;
}

export type { ApiError };
